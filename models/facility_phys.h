/* facility_phys.h - facility-overhead physics as pure functions: electrical
 * losses of the power chain, UPS bridge energy, the DOE-2 electric EIR
 * chiller, EnergyPlus's air-cooled IT equipment, server power versus
 * utilisation, air/liquid flows, fan and pump affinity laws, cooling-tower
 * water, economizer free-cooling fractions and the §1.8 reference plant.
 *
 * Nothing here schedules events, allocates, prints or keeps state: a
 * component model calls these from its own update.  Units are SI (W, J,
 * K, m^3/s, Pa, kg/m^3, J/(kg K)); an argument or field is a temperature in
 * K unless its name ends in _c (degC, where a published curve is defined in
 * degC).  Temperature differences (approaches, dT) are in K.
 *
 * Errors: functions returning double give NaN for invalid input (negative
 * power, non-positive rating or density, fractions out of range, NULL
 * pointers); functions returning int give DC_OK or a negative DC_E* code
 * and leave their output untouched on error.  Sources are physics.md
 * sections and tags (V/S/C/R, see physics.md's header). */
#ifndef DC_FACILITY_PHYS_H
#define DC_FACILITY_PHYS_H

#include "../sim/dc.h"
#include "../sim/params.h"

/* ---- 1. Electrical losses (physics.md §1.2, Rasmussen WP113, V) ------ */

/* One power-chain device (transformer, UPS, PDU, wiring):
 * P_loss = a*rated + b*load + c*load^2/rated. */
typedef struct dc_loss_dev {
	double a;      /* no-load loss, fraction of rated (>= 0) */
	double b;      /* proportional loss, fraction of load (>= 0) */
	double c;      /* square-law loss at rated load, fraction of rated (>= 0) */
	double rated;  /* W, > 0 */
} dc_loss_dev;

/* Scenario table for dc_loss_dev (section "loss_device"): a, b, c
 * (defaults: hyperscale UPS, §1.2 R) and rated (required, power). */
extern const dc_pset dc_loss_dev_pset;

/* Loss of device D (W) when it delivers LOAD W at its output.  NaN if D is
 * NULL, LOAD < 0 or not finite, rated <= 0 or a coefficient < 0. */
double dc_loss_power(const dc_loss_dev *d, double load);

/* Efficiency load/(load + loss) of D at output LOAD W; 0 at LOAD == 0.
 * Equals x/(x + a + b x + c x^2) with x = load/rated.  NaN as
 * dc_loss_power. */
double dc_loss_eff(const dc_loss_dev *d, double load);

/* Devices DEVS[0..n-1] in series, DEVS[0] nearest the utility, DEVS[n-1]
 * nearest IT.  To deliver P_OUT W to IT, device n-1 carries P_OUT, and each
 * device upstream carries the input of the one below it.  Writes each
 * device's loss to LOSS_EACH[k] (W; may be NULL; not written on error) and
 * returns the total loss; the utility input is P_OUT + total.  n == 0
 * gives 0.  NaN on a bad device, P_OUT < 0, n < 0 or DEVS NULL with n > 0.
 * LOSS_EACH, when given, has room for n values. */
double dc_loss_chain(const dc_loss_dev *devs, int n, double p_out,
		     double *loss_each);

/* ---- 2. UPS / battery bridge: see models/backup_phys.h (V-11) ------- */

/* ---- Curves (EnergyPlus Curve:Biquadratic / Curve:Quadratic) ----------- */

/* c[0] + c[1] x + c[2] x^2 + c[3] y + c[4] y^2 + c[5] x y.  Cannot fail. */
double dc_curve_biquad(const double c[6], double x, double y);

/* c[0] + c[1] x + c[2] x^2.  Cannot fail. */
double dc_curve_quad(const double c[3], double x);

/* ---- 3. DOE-2 electric EIR chiller (§1.4, EnergyPlus Chiller:Electric:EIR)
 *
 * Curves take degC (T_chw,leaving = x, T_cond,entering = y); inputs are
 * clamped to the curve limits before evaluation as EnergyPlus does.
 *   CAPFT, EIRFT = biquad(x, y);  avail = q_ref * CAPFT
 *   PLR = q_evap / avail;  cyc = min(1, PLR / plr_min)
 *   EIRFPLR = quad(max(PLR, plr_min))
 *   P = (avail / cop_ref) * EIRFT * EIRFPLR * cyc
 * Cycling rule (stated here, EnergyPlus-like with min unloading ratio ==
 * plr_min and no false loading): below plr_min the machine runs at plr_min
 * for a fraction PLR/plr_min of the time, so the power is the plr_min power
 * scaled by PLR/plr_min.  Heat rejected: q_cond = q_evap + P (motor in the
 * refrigerant stream, hermetic). */
typedef struct dc_chiller {
	double cop_ref;      /* reference COP, W/W */
	double q_ref;        /* reference evaporator capacity, W */
	double capft[6];     /* capacity f(T_chw_c, T_cond_c) */
	double eirft[6];     /* EIR f(T_chw_c, T_cond_c) */
	double eirfplr[3];   /* EIR f(PLR) */
	double tchw_min_c, tchw_max_c;   /* curve limits, degC */
	double tcond_min_c, tcond_max_c; /* curve limits, degC */
	double plr_min;      /* cycling below this PLR, (0, 1] */
} dc_chiller;

typedef struct dc_chiller_out {
	double capft, eirft, eirfplr; /* curve values (eirfplr at max(PLR, plr_min)) */
	double cap_avail;  /* q_ref * capft, W */
	double plr;        /* q_evap / cap_avail, in [0, 1] */
	double cycling;    /* min(1, plr/plr_min) */
	double power;      /* electric input, W */
	double cop;        /* q_evap / power; 0 when q_evap == 0 */
	double q_cond;     /* heat rejected at the condenser, W */
} dc_chiller_out;

/* "DOE-2 Centrifugal/5.50COP" (Modelica Buildings
 * Buildings.Fluid.Chillers.Data.ElectricEIR, mirroring the EnergyPlus object;
 * physics.md §1.4, V): COP 5.5, q_ref 100 kW (the record's
 * QEva_flow_nominal; scale q_ref for a plant), limits 5-10 / 24-35 degC,
 * PLRMin 0.1. */
extern const dc_chiller dc_chiller_doe2_centrifugal_5_50cop;

/* Scenario table for the chiller's scalars (section "chiller"): cop_ref,
 * q_ref (power, required), plr_min.  Curves and limits come from a
 * catalog record such as dc_chiller_doe2_centrifugal_5_50cop. */
extern const dc_pset dc_chiller_pset;

/* Available capacity q_ref * CAPFT (W) at leaving chilled-water TCHW_LVG
 * and entering condenser TCOND_ENT (both K, clamped to the curve limits).
 * NaN if C is NULL or a temperature is not finite. */
double dc_chiller_capacity(const dc_chiller *c, double tchw_lvg,
			   double tcond_ent);

/* Evaluate chiller C removing Q_EVAP W (>= 0) at leaving chilled water
 * TCHW_LVG and entering condenser water TCOND_ENT (K).  Fills *O.
 * Returns DC_OK; DC_EINVAL for a bad chiller (cop_ref or q_ref <= 0,
 * plr_min outside (0, 1], inverted limits), negative or non-finite input;
 * DC_ERANGE if Q_EVAP exceeds the available capacity q_ref * CAPFT (the
 * caller decides: stage another chiller, or call again with
 * dc_chiller_capacity's value and carry the rest as unmet load).  *O is
 * not touched on error. */
int dc_chiller_eval(const dc_chiller *c, double q_evap, double tchw_lvg,
		    double tcond_ent, dc_chiller_out *o);

/* ---- 4. EnergyPlus ElectricEquipment:ITE:AirCooled (§1.3, V) ----------
 *
 * Curves take x = CPU loading (0..1) and y = inlet air in degC.  The
 * design-level schedule of EnergyPlus is taken as 1 (scale p_design).
 * Curve inputs are not clamped (physics.md gives no limits); curve outputs
 * below zero are taken as zero. */
typedef struct dc_ite {
	double p_design;          /* W, total design power (CPU + fans) */
	double fan_frac;          /* design fan fraction of p_design, [0, 1] */
	double flow_per_W;        /* design air flow per design watt, m^3/s/W */
	double recirc_frac_design;/* design recirculation fraction, [0, 1] */
	double ups_eff_design;    /* design UPS efficiency, (0, 1] */
	double rho;               /* air density, kg/m^3 */
	double cp;                /* air specific heat, J/(kg K) */
	double pow_flt[6];        /* CPU power f(load, T_in_c), biquadratic */
	double air_flt[6];        /* air flow f(load, T_in_c), biquadratic */
	double recirc_flt[6];     /* recirculation f(load, T_supply_c) */
	double fan_fflow[3];      /* fan power f(flow fraction), quadratic */
	double ups_fplr[3];       /* UPS efficiency f(PLR), quadratic */
} dc_ite;

typedef struct dc_ite_out {
	double p_cpu, p_fan;  /* W */
	double p_ups_loss;    /* W */
	double flow_frac;     /* air-flow fraction of design */
	double flow;          /* m^3/s */
	double recirc_frac;
	double t_in, t_out;   /* K */
	double dt_air;        /* K */
	double shi;           /* supply heat index; 0 when t_out == t_supply */
} dc_ite_out;

/* Example curve coefficients (EnergyPlus unit test
 * InternalHeatGains_ElectricEquipITE_*, physics.md §1.3 table, V). */
extern const double dc_ite_curve_power_flt[6];
extern const double dc_ite_curve_airflow_flt[6];
extern const double dc_ite_curve_recirc_flt[6];
extern const double dc_ite_curve_fan_fflow[3];
extern const double dc_ite_curve_ups_fplr[3];

/* The example object: 100 units x 500 W (50 kW), fan fraction 0.4,
 * 0.0001 m^3/s per W, recirculation 0.1, UPS 0.9 (§1.3, V); rho 1.2
 * kg/m^3, cp 1005 J/(kg K) (V-04, C). */
extern const dc_ite dc_ite_eplus_example;

/* Scenario table for dc_ite's scalars (section "ite"); curves come from a
 * catalog record such as dc_ite_eplus_example. */
extern const dc_pset dc_ite_pset;

/* Evaluate M at CPU loading LOAD (0..1), supply air T_SUPPLY and zone air
 * T_ZONE (K):
 *   recirc = recirc_frac_design * recirc_flt(load, T_supply_c)
 *   T_in = T_supply (1 - recirc) + T_zone recirc
 *   P_cpu = p_design (1 - fan_frac) pow_flt(load, T_in_c)
 *   flow_frac = air_flt(load, T_in_c);  flow = flow_per_W p_design flow_frac
 *   P_fan = p_design fan_frac fan_fflow(flow_frac)
 *   P_ups = (P_cpu + P_fan)(1 - ups_eff_design ups_fplr(PLR)),
 *           PLR = (P_cpu + P_fan) / p_design
 *   T_out = T_in + (P_cpu + P_fan) / (flow rho cp)
 * Returns DC_OK; DC_EINVAL for bad M or input (load outside [0, 1]);
 * DC_ERANGE if the flow curve gives no air flow while heat is produced.
 * *O is not touched on error. */
int dc_ite_eval(const dc_ite *m, double load, double t_supply, double t_zone,
		dc_ite_out *o);

/* ---- 5. Server power (Fan, Weber, Barroso ISCA 2007; §4.3/§5.2) -------- */

/* Default exponent r of the Fan et al. curve (§4.3, R). */
#define DC_SERVER_R_DEFAULT 1.4

/* P = p_idle + (p_max - p_idle)(2u - u^r), u clamped to [0, 1] (r = 1
 * gives the linear model).  NaN if p_idle < 0, p_max < p_idle, r < 1 or
 * an argument is not finite (u NaN included). */
double dc_server_power(double p_idle, double p_max, double u, double r);

/* ---- 6. Flows (§2.2, §2.3, V-17) -------------------------------------- */

#define DC_AIR_RHO 1.2       /* kg/m^3, §2.2 (C/R) */
#define DC_AIR_CP 1005.0     /* J/(kg K), §2.2 */
#define DC_WATER_RHO 998.2   /* kg/m^3 at 20 C (R, standard property) */
#define DC_WATER_CP 4182.0   /* J/(kg K) at 20 C (R, standard property) */
#define DC_PG25_RHO 1020.0   /* kg/m^3, §2.3 (C/R) */
#define DC_PG25_CP 3900.0    /* J/(kg K), §2.3 (C/R) */

/* Volume flow (m^3/s) that carries P_W watts at a temperature rise DT_K:
 * P / (rho cp dT).  NaN if P < 0 or dT, rho or cp <= 0. */
double dc_air_flow(double p_W, double dT_K, double rho, double cp);

/* Same formula for a liquid (use DC_WATER_* or DC_PG25_*). */
double dc_liquid_flow(double p_W, double dT_K, double rho, double cp);

/* m^3/s to cubic feet per minute (1 ft = 0.3048 m exactly). Cannot fail. */
double dc_m3s_to_cfm(double q);

/* m^3/s to litres per minute.  Cannot fail. */
double dc_m3s_to_lpm(double q);

/* ---- 7. Fan / pump affinity laws and pump power (§2.4, §2.3, V-18) ---- */

/* Fan or pump power at SPEED_FRAC of design speed: p_rated * s^3 (cube
 * law, same density).  NaN if p_rated < 0 or s < 0. */
double dc_affinity_power(double p_rated, double speed_frac);

/* With static head: p_rated * q (h + (1 - h) q^2), q = FLOW_FRAC,
 * h = DP_STATIC_FRAC (static pressure as a fraction of design pressure,
 * [0, 1]); h = 0 is the cube law.  NaN if p_rated < 0, q < 0 or h outside
 * [0, 1]. */
double dc_affinity_power_static(double p_rated, double flow_frac,
				double dp_static_frac);

/* Electric power (W) of a pump moving FLOW_M3S against DP_PA with
 * wire-to-water efficiency ETA: flow dp / eta.  NaN if flow < 0, dp < 0 or
 * eta outside (0, 1]. */
double dc_pump_power(double flow_m3s, double dp_Pa, double eta);

/* ---- 8. Cooling-tower water (§1.5, Lei-Masanet Eq. 5-7, V) -------------
 * Evaporation E = Q / h_fg (all heat latent), windage W = phi * circulating
 * flow, blowdown B = max(E/(CoC - 1) - W, 0).  Water is 1 kg per litre
 * (the convention behind §1.5's 1.48 L/kWh). */

#define DC_H_FG 2.43e6        /* J/kg, §1.5 (V, Lei-Masanet) */

typedef struct dc_tower_water_out {
	double evap, windage, blowdown; /* L/s */
} dc_tower_water_out;

/* Make-up water (L/s) of a tower rejecting Q_REJ W with circulating flow
 * CIRC_M3S (m^3/s), windage fraction WINDAGE_FRAC of the circulating flow
 * and cycles of concentration COC (> 1).  Fills *O when non-NULL (not
 * written on error).  NaN if Q_REJ < 0, CIRC_M3S < 0, windage outside
 * [0, 1] or COC <= 1. */
double dc_tower_water(double q_rej, double circ_m3s, double windage_frac,
		      double coc, dc_tower_water_out *o);

/* ---- 9. Economizers (§1.5, R + Lei-Masanet structure) ------------------ */

/* Waterside (tower + plate HX) partial economizer fraction:
 * T_fc = T_wb + appr_tower + appr_hx;
 * f = clamp((T_chwr - T_fc)/(T_chwr - T_chws), 0, 1).  NaN if T_chwr <=
 * T_chws, an approach < 0 or an argument is not finite. */
double dc_econ_waterside_frac(double t_wb, double appr_tower, double appr_hx,
			      double t_chwr, double t_chws);

/* Air after direct evaporative assist of effectiveness EPS (0..1):
 * T_wb + (1 - eps)(T_db - T_wb).  NaN if eps outside [0, 1] or
 * T_wb > T_db. */
double dc_econ_evap_temp(double t_db, double t_wb, double eps);

/* 1 if outdoor air alone gives full free cooling (T_db <= T_supply_set),
 * 2 if only with adiabatic assist (dc_econ_evap_temp <= T_supply_set),
 * 0 otherwise; DC_EINVAL on the inputs dc_econ_evap_temp rejects. */
int dc_econ_airside_mode(double t_db, double t_wb, double eps,
			 double t_supply_set);

/* Partial airside fraction (simulator rule, R, documented here): with
 * T_eff = dc_econ_evap_temp(T_db, T_wb, eps) (eps = 0: no assist, T_eff =
 * T_db), f = 1 when T_eff <= T_SET_LO, 0 when T_eff >= T_SET_HI, linear in
 * between: outdoor air can still carry part of the load while the supply
 * floats between the lower and upper supply-air set points (§1.2 table:
 * 10-18 / 27-35 degC for hyperscale), the chiller trimming the rest.  NaN
 * on bad eps, T_wb > T_db or T_SET_HI <= T_SET_LO. */
double dc_econ_airside_frac(double t_db, double t_wb, double eps,
			    double t_set_lo, double t_set_hi);

/* Dry cooler facility-water supply: T_db + appr_dry (K).  NaN if appr < 0. */
double dc_drycooler_supply(double t_db, double appr_dry);

/* 1 if a dry cooler alone serves a liquid-cooled class: T_db + appr_dry <=
 * T_class - appr_cdu (T_class: maximum facility-water supply of the ASHRAE
 * W class, §2.5; CDU approach 5 K liquid-to-liquid, §2.3 S), else 0;
 * DC_EINVAL if an approach < 0 or an argument is not finite. */
int dc_drycooler_chillerless(double t_db, double appr_dry, double t_class,
			     double appr_cdu);

/* ---- 10. The §1.8 reference facility (C; V-01) ------------------------- */

typedef struct dc_refplant_out {
	double x;         /* P_IT / capacity */
	double l_e;       /* UPS + distribution losses, W */
	double misc;      /* lighting, BMS, security, W */
	double p_crah;    /* CRAH fans, W */
	double p_pump;    /* CHW + CW pumps, W */
	double q;         /* heat to the chilled-water loop, W */
	double f;         /* waterside free-cooling fraction */
	double q_ch;      /* heat the chiller removes, W */
	double p_ch;      /* chiller power, W */
	double p_tower;   /* tower fans, W */
	double water;     /* tower make-up water, L/s */
	double total;     /* facility input power, W */
	double pue;       /* total / P_IT; NaN when P_IT == 0 */
	double wue;       /* L per kWh of IT energy; NaN when P_IT == 0 */
} dc_refplant_out;

/* The §1.8 reference plant at IT load P_IT (W, >= 0) for capacity CAP (W,
 * > 0) and outdoor wet bulb T_WB_C (degC, as §1.8 and V-01 state it).
 * Composed from this file's functions: one loss device (a 0.010, b 0.015,
 * c 0.015 rated CAP), cube-law CRAH fans, waterside economizer (tower 4 K,
 * HX 2 K, CHWS/CHWR 18/28 degC), DOE-2 5.50COP chiller scaled to 1.2 CAP
 * with T_cond = max(T_wb + 4, 15) degC and T_chw 18 degC (both then
 * clamped to the curve limits), tower water at CoC 5 without windage.
 * Returns DC_OK; DC_EINVAL on bad input; DC_ERANGE if the chiller is
 * overloaded (P_IT well above CAP).  *O untouched on error. */
int dc_refplant_eval(double p_it, double cap, double t_wb_c,
		     dc_refplant_out *o);

#endif
