/* backup_phys.h - backup-power physics, engine-free: PEM fuel-cell
 * polarization (Amphlett static model, Larminie-Dicks), stack/plant sizing
 * and its inverse, hydrogen by Faraday, hydrogen storage volume, a PEM
 * backup system state, a diesel generator and a UPS battery, each advanced
 * exactly by the caller over an interval of constant demand.
 *
 * Units: SI (W, J, s, kg, A, V, Pa) except where the published curve is
 * defined otherwise, and then the struct field says so:
 *   - Amphlett: T in K, partial pressures in atm, area in cm^2, membrane
 *     thickness in cm, current densities in A/cm^2 (physics.md §3.1, OPEM);
 *   - diesel fuel in litres (L) and the fuel curve in L/kWh, NOx in g/kWh
 *     (physics.md §3.3, the figures are published so).
 * Reference: /work/shared/reference/physics.md §3 and validation cases
 * V-06, V-08, V-11 (§6).
 *
 * Error reporting: functions return DC_OK or a negative DC_E* code and, when
 * ERR is non-NULL, append a line of text to it (ERR may be NULL for callers
 * that only want the code).  Nothing here prints, opens files or keeps
 * global state; the only heap use is GSL's own solver/workspace allocation
 * inside a call (freed before it returns). */
#ifndef DC_BACKUP_PHYS_H
#define DC_BACKUP_PHYS_H

#include "../sim/dc.h"
#include "../sim/err.h"
#include "../sim/params.h"

/* ---- constants (physics.md §3.2, tag C unless stated) ---------------- */
#define DC_FARADAY      96485.33    /* C/mol, §3.2 */
#define DC_M_H2         2.016e-3    /* kg/mol, §3.2 */
#define DC_M_H2O        18.015e-3   /* kg/mol, standard atomic weights (R);
				       not in physics.md */
#define DC_H2_E_LHV     1.253       /* V, LHV thermoneutral-equivalent, §3.2 */
#define DC_H2_E_HHV     1.481       /* V, HHV thermoneutral-equivalent, §3.2 */
#define DC_H2_LHV       (33.33 * 3.6e6) /* J/kg (33.33 kWh/kg), §3.2 */
#define DC_H2_HHV       (39.41 * 3.6e6) /* J/kg (39.41 kWh/kg), §3.2 */
#define DC_DIESEL_CO2   2.68        /* kg CO2 per L diesel, §3.3 (R; EPA
				       10.21 kg/gal) */
#define DC_NOX_TIER2    6.4         /* g/kWh NOx+NMHC, EPA Tier 2, §3.3 (R) */
#define DC_NOX_TIER4F   0.67        /* g/kWh NOx, Tier 4 final >560 kW,
				       §3.3 (R) */
#define DC_NFPA110_TYPE10 10.0      /* s, NFPA 110 Type 10 start, §3.3 (V/S) */

/* ---- 1. Amphlett static model (physics.md §3.1, as in OPEM) ----------- */

/* Parameters, in the units of the published model. */
typedef struct dc_amphlett {
	double T;        /* cell temperature, K */
	double p_h2;     /* hydrogen partial pressure, atm */
	double p_o2;     /* oxygen partial pressure, atm */
	double A_cm2;    /* active area, cm^2 */
	double l_cm;     /* membrane thickness, cm */
	double lambda;   /* membrane water content (-), needs > 0.634 + 3 J */
	double B;        /* concentration-loss constant, V */
	double J_max;    /* limiting current density, A/cm^2 */
	double R_elec;   /* electronic resistance, ohm */
	int N_cells;     /* cells in series in one stack */
} dc_amphlett;

/* OPEM standard vector (physics.md §3.1, V) with B pinned at 0.016 V as in
 * V-06: T 343.15 K, p 1 atm each, A 50.6 cm^2, l 0.0178 cm (Nafion 117),
 * lambda 23, J_max 1.5 A/cm^2, R_elec 0, N 1. */
extern const dc_amphlett dc_amphlett_std;

/* Check the parameters (T, pressures, A, l, J_max > 0; lambda > 0.634 +
 * 3 J_max so the membrane term stays finite below J_max; B, R_elec >= 0;
 * N >= 1).  Returns DC_OK or DC_EINVAL. */
int dc_amphlett_check(const dc_amphlett *m, dc_err *err);

/* Nernst voltage, V (T in K, p in atm).  Needs p_h2, p_o2 > 0 (checked by
 * dc_amphlett_check); cannot fail otherwise. */
double dc_amphlett_e_nernst(const dc_amphlett *m);

/* The losses at cell current I (A, I > 0 and J = I/A < J_max), in V, into
 * *v.  Returns DC_OK, DC_ERANGE (I <= 0, J >= J_max, or the membrane term
 * lambda - 0.634 - 3J <= 0) or DC_EINVAL (NaN). */
int dc_amphlett_eta_act(const dc_amphlett *m, double I, double *v, dc_err *err);
int dc_amphlett_eta_ohm(const dc_amphlett *m, double I, double *v, dc_err *err);
int dc_amphlett_eta_conc(const dc_amphlett *m, double I, double *v, dc_err *err);

/* Cell voltage E - act - ohm - conc (V), stack voltage N*V_cell (V) and
 * stack power V_stack*I (W) at current I (A); same domain and errors as
 * the losses. */
int dc_amphlett_vcell(const dc_amphlett *m, double I, double *v, dc_err *err);
int dc_amphlett_vstack(const dc_amphlett *m, double I, double *v, dc_err *err);
int dc_amphlett_power(const dc_amphlett *m, double I, double *p, dc_err *err);

/* OPEM's HHV efficiency mu_F * V_cell / 1.482 V (physics.md §3.1; §3.2's
 * stack formula uses 1.481 V, see dc_h2_eta_hhv).  Cannot fail. */
double dc_amphlett_eta_hhv(double v_cell, double mu_f);

/* ---- 2. Larminie-Dicks (physics.md §3.1, OPEM) ------------------------- */

typedef struct dc_larminie_dicks {
	double E0;      /* open-circuit voltage, V */
	double A;       /* Tafel slope, V */
	double B;       /* concentration constant, V */
	double R_M;     /* ohmic resistance, ohm */
	double i_0;     /* exchange current, A */
	double i_L;     /* limiting current, A */
	double i_n;     /* internal (crossover) current, A */
	int N_cells;    /* cells in series */
} dc_larminie_dicks;

/* OPEM standard vector (physics.md §3.1, V): E0 1.178 V, A 0.0587 V,
 * B 0.0517 V, R_M 0.0018 ohm, i_0 0.00654 A, i_L 100 A, i_n 0.23 A, N 23. */
extern const dc_larminie_dicks dc_ld_std;

/* Check parameters (i_0, i_L > 0, i_n >= 0 and < i_L, A, B, R_M >= 0,
 * N >= 1).  Returns DC_OK or DC_EINVAL. */
int dc_ld_check(const dc_larminie_dicks *m, dc_err *err);

/* V = E0 - A ln((I+i_n)/i_0) - R_M (I+i_n) + B ln(1 - (I+i_n)/i_L) per cell
 * (V), N*V per stack (V), stack power N*V*I (W), at current I (A).
 * Domain: I >= 0 and I + i_n < i_L; else DC_ERANGE. */
int dc_ld_vcell(const dc_larminie_dicks *m, double I, double *v, dc_err *err);
int dc_ld_vstack(const dc_larminie_dicks *m, double I, double *v, dc_err *err);
int dc_ld_power(const dc_larminie_dicks *m, double I, double *p, dc_err *err);

/* ---- 3. Polarization model (tagged union), plant sizing, inverse ------ */

typedef enum { DC_FC_AMPHLETT = 0, DC_FC_LARMINIE_DICKS = 1 } dc_fc_kind;

typedef struct dc_fc_model {
	dc_fc_kind kind;
	union {
		dc_amphlett amp;
		dc_larminie_dicks ld;
	} u;
} dc_fc_model;

/* Check the model's parameters.  Returns DC_OK or DC_EINVAL. */
int dc_fc_check(const dc_fc_model *m, dc_err *err);

/* Cell voltage (V) at cell current I (A); the model's own N_cells is
 * ignored.  Errors as dc_amphlett_vcell / dc_ld_vcell. */
int dc_fc_vcell(const dc_fc_model *m, double I, double *v, dc_err *err);

/* Exclusive upper bound of the cell current, A (J_max*A or i_L - i_n).
 * Cannot fail. */
double dc_fc_imax(const dc_fc_model *m);

/* Cell maximum-power point: current *i_mpp (A) and power *p_mpp (W) of one
 * cell (coarse scan, then gsl_min_fminimizer_brent).  Returns DC_OK,
 * DC_EINVAL (bad model), DC_ENOMEM or DC_EFAIL (no convergence). */
int dc_fc_mpp(const dc_fc_model *m, double *i_mpp, double *p_mpp,
	      dc_err *err);

/* A sized fuel-cell plant: n_parallel stacks of n_series cells.  Every
 * cell carries the stack current I; plant DC power = n_s n_p V_cell(I) I. */
typedef struct dc_fc_plant {
	dc_fc_model model;     /* copied */
	int n_series;          /* cells in series per stack */
	int n_parallel;        /* stacks in parallel */
	double v_design;       /* design cell voltage, V */
	double i_design;       /* cell current at v_design, A */
	double i_mpp;          /* cell current at maximum power, A */
	double p_cell_mpp;     /* cell power at maximum power, W */
	double p_dc_design;    /* plant gross DC power at the design point, W */
	double p_dc_max;       /* plant gross DC power at maximum power, W */
} dc_fc_plant;

/* Size a plant for a net AC rating P_AC (W).  Rule:
 *   1. I_d solves V_cell(I_d) = v_design (gsl_root_fsolver_brent); the
 *      design point must lie on the rising branch (I_d <= I_mpp);
 *   2. gross DC power needed P_DC = P_AC / (eta_inv (1 - bop_frac))
 *      (BoP parasitics are a fraction of the gross stack power);
 *   3. n_series = ceil(v_bus / v_design): the stack reaches the DC-bus
 *      voltage V_BUS (V) at the design point;
 *   4. n_parallel = ceil(P_DC / (n_series v_design I_d)).
 * So the plant delivers at least P_AC at cell voltages >= v_design.
 * Writes *out.  Returns DC_OK, DC_EINVAL (p_ac <= 0, eta_inv outside
 * (0,1], bop_frac outside [0,1), v_bus <= 0, bad model), DC_ERANGE
 * (v_design not reached on the rising branch, or counts too large),
 * DC_ENOMEM or DC_EFAIL. */
int dc_fc_size(const dc_fc_model *m, double p_ac, double v_design,
	       double v_bus, double eta_inv, double bop_frac,
	       dc_fc_plant *out, dc_err *err);

/* Inverse: the cell current *I (A) at which the plant delivers gross DC
 * power P_DC (W), on the rising branch of the power curve (Brent root in
 * (0, i_mpp]).  P_DC = 0 gives 0.  Returns DC_OK, DC_EINVAL (P_DC < 0 or
 * NaN), DC_ERANGE (P_DC above the maximum power point p_dc_max), DC_ENOMEM
 * or DC_EFAIL. */
int dc_fc_plant_current(const dc_fc_plant *p, double p_dc, double *I,
			dc_err *err);

/* ---- 4. Hydrogen by Faraday, efficiency, storage (physics.md §3.2) --- */

/* Hydrogen supplied, kg/s = n_cells I / (2 F U_f) * M_H2, for N_CELLS
 * cells (all stacks) at cell current I (A), fuel utilisation U_F in (0,1].
 * Returns DC_OK or DC_EINVAL (n_cells < 0, I < 0, U_f outside (0,1]). */
int dc_h2_mass_rate(double n_cells, double I, double U_f, double *kg_s,
		    dc_err *err);

/* Hydrogen per unit DC stack energy, kg/J = M_H2 / (2 F V_cell U_f)
 * (physics.md §3.2: g/kWh = 3.6e9 * this).  Returns DC_OK or DC_EINVAL
 * (V_cell <= 0, U_f outside (0,1]). */
int dc_h2_per_energy(double v_cell, double U_f, double *kg_J, dc_err *err);

/* Stack efficiencies U_f V_cell / 1.253 V (LHV) and / 1.481 V (HHV),
 * physics.md §3.2.  Cannot fail. */
double dc_h2_eta_lhv(double v_cell, double U_f);
double dc_h2_eta_hhv(double v_cell, double U_f);

/* Water produced, kg/s: one mol H2O per mol H2 reacted, n_cells I / (2F)
 * mol/s (reacted hydrogen, independent of U_f).  Cannot fail for valid
 * inputs; negative inputs give a negative rate (caller checks). */
double dc_h2_water_rate(double n_cells, double I);

/* Heat released by the stacks, W = n_cells I (1.253 V - V_cell) (LHV
 * basis, product water as vapour; OPEM's §3.1 "heat" uses 1.23 V and omits
 * the reversible heat).  Cannot fail. */
double dc_h2_heat(double n_cells, double I, double v_cell);

/* Hydrogen mass (kg) for electric energy E (J) at an overall LHV
 * efficiency ETA in (0,1]: E / (eta LHV).  Returns DC_OK or DC_EINVAL. */
int dc_h2_mass_for_energy(double e_J, double eta_lhv, double *kg,
			  dc_err *err);

/* Compressed-hydrogen density (kg/m^3) at storage pressure P (Pa).
 * Simplification: piecewise linear in pressure through (0, 0),
 * (350 bar, 23.3) and (700 bar, 39.3) kg/m^3 (physics.md §3.2, R, ~15 C);
 * real gas is not linear (compressibility), so in-between values are
 * approximate (about +10 % at 175 bar).  Returns DC_OK or DC_ERANGE
 * (P <= 0 or > 700 bar). */
int dc_h2_density(double p_Pa, double *rho, dc_err *err);

/* Storage volume (m^3) of KG hydrogen at pressure P (Pa), kg / density.
 * Returns DC_OK, DC_EINVAL (kg < 0) or DC_ERANGE (as dc_h2_density). */
int dc_h2_volume(double kg, double p_Pa, double *m3, dc_err *err);

/* ---- scenario-facing configuration ----------------------------------- */

typedef enum { DC_BACKUP_PEM = 0, DC_BACKUP_DIESEL = 1 } dc_backup_type;
typedef enum { DC_TIER2 = 0, DC_TIER4_FINAL = 1 } dc_diesel_tier;

/* Config of the `backup` section (dc_backup_pset); SI values. */
typedef struct dc_backup_cfg {
	int kind;                  /* dc_backup_type */
	double rating;             /* net AC rating, W */
	double hydrogen;           /* hydrogen stock, kg (PEM) */
	double pressure;           /* hydrogen storage pressure, Pa (PEM) */
	double tank;               /* diesel tank, m^3 (PEM: unused) */
	dc_time start_delay;       /* start command to first power, ns */
	dc_time ramp;              /* linear ramp 0 -> rating, ns (PEM) */
	double inverter_efficiency;/* (0,1] (PEM) */
	double bop_parasitic;      /* fraction of gross DC power, [0,1) (PEM) */
	double fuel_utilisation;   /* U_f, (0,1] (PEM) */
	double cell_voltage;       /* design cell voltage, V (PEM) */
	double bus_voltage;        /* DC bus voltage for sizing, V (PEM) */
	int model;                 /* dc_fc_kind (PEM) */
	int tier;                  /* dc_diesel_tier (diesel) */
} dc_backup_cfg;

/* Config of the `ups` section (dc_ups_pset); SI values. */
typedef struct dc_ups_cfg {
	double energy;             /* usable energy, J ("750 kWh") */
	double max_power;          /* maximum discharge power (AC side), W */
	double charge_power;       /* recharge power (AC side), W */
	double efficiency;         /* inverter/charger efficiency, (0,1] */
	double soc;                /* initial state of charge, [0,1] */
} dc_ups_cfg;

/* Parameter tables for the two sections. */
extern const dc_pset dc_backup_pset;
extern const dc_pset dc_ups_pset;

/* Kind-specific checks of a read `backup` config (PEM needs hydrogen > 0
 * and a plant that can be sized; diesel needs a tank > 0).  Messages name
 * FILE and PATH.  Returns DC_OK or DC_EINVAL (all problems appended). */
int dc_backup_check(const dc_backup_cfg *c, const char *file,
		    const char *path, dc_err *err);

/* ---- 5. PEM backup system state -------------------------------------- */

typedef enum {
	DC_BK_OFF = 0,       /* not running; a positive demand starts it */
	DC_BK_STARTING,      /* start delay, then (PEM) the ramp */
	DC_BK_ON,            /* full rating available */
	DC_BK_EMPTY          /* out of fuel: delivers nothing from now on */
} dc_bk_state;

typedef struct dc_pem_sys {
	double rating_W;       /* net AC rating, W */
	double start_delay_s;  /* start command to first power, s */
	double ramp_s;         /* after the delay, available power rises
				  linearly 0 -> rating over ramp_s, s */
	double bop_frac;       /* BoP parasitic fraction of gross DC power */
	double eta_inv;        /* inverter efficiency */
	double U_f;            /* fuel utilisation */
	double h2_kg;          /* hydrogen stock, kg (never negative) */
	dc_bk_state state;
	double t_state_s;      /* time spent in the current state, s */
	dc_fc_plant plant;     /* the sized stacks (dc_fc_size) */
} dc_pem_sys;

/* What one advance did over its interval. */
typedef struct dc_pem_step {
	double e_delivered_J;  /* net AC energy delivered */
	double e_shortfall_J;  /* demand * dt - delivered */
	double h2_kg;          /* hydrogen used (supplied to the stacks) */
	double water_kg;       /* water made (from reacted hydrogen) */
	double heat_J;         /* stack heat, LHV basis (dc_h2_heat) */
	double t_empty_s;      /* time into the interval when the tank emptied;
				  -1 if it did not */
	double p_end_W;        /* power delivered at the end of the interval */
} dc_pem_step;

/* Set up S from a `backup` config of kind pem_fuel_cell: sizes the plant
 * with the model's OPEM standard vector (dc_fc_size), state OFF.  Returns
 * DC_OK, DC_EINVAL / DC_ERANGE (bad config), DC_ENOMEM or DC_EFAIL. */
int dc_pem_init(dc_pem_sys *s, const dc_backup_cfg *c, dc_err *err);

/* Hydrogen flow (kg/s) while delivering net AC power P_AC (W), 0 <= P_AC
 * <= rating.  Returns DC_OK, DC_EINVAL or DC_ERANGE (P_AC above rating),
 * DC_ENOMEM, DC_EFAIL. */
int dc_pem_h2_rate(const dc_pem_sys *s, double p_ac, double *kg_s,
		   dc_err *err);

/* Advance S over DT_S seconds of constant demand P_DEMAND_W (W >= 0).
 * OFF starts on a positive demand; the start delay delivers nothing, then
 * the ramp limits power; delivered = min(demand, available).  Hydrogen is
 * integrated exactly: constant power means constant current; on the ramp
 * (power linear in time) the integral is taken in the current variable,
 * m = K/s [I P(I) - int P dI], with gsl_integration_qags.  If the tank
 * empties, *out gives the exact time, the stock is set to 0 (never
 * negative) and the state to EMPTY.  OUT is overwritten.  Returns DC_OK,
 * DC_EINVAL (negative or NaN demand or dt, NULL), DC_ENOMEM or DC_EFAIL;
 * on error S is unchanged. */
int dc_pem_advance(dc_pem_sys *s, double p_demand_W, double dt_s,
		   dc_pem_step *out, dc_err *err);

/* Command a stop: state OFF, time in state 0 (EMPTY stays EMPTY).
 * Cannot fail. */
void dc_pem_stop(dc_pem_sys *s);

/* ---- 6. Diesel generator (physics.md §3.3) ---------------------------- */

/* Default fuel curve L/h = rating_kW (a + b x), x = load fraction.  Fitted
 * to the two §3.3 (S) points of a 1,000 kW set: 71.1 gal/h (269.1 L/h) at
 * full load, 21.6 gal/h (81.76 L/h) at 1/4 load (1 gal = 3.785411784 L):
 *   a + b      = 269.143 / 1000 kW = 0.269143 L/kWh
 *   a + b / 4  =  81.765 / 1000 kW = 0.081765 L/kWh
 *   => b = (0.269143 - 0.081765) / 0.75 = 0.249837 L/kWh,
 *      a = 0.269143 - b              = 0.019306 L/kWh
 * (full load 0.269 L/kWh; quarter load 0.327 L/kWh: part load is worse,
 * as §3.3 says). */
#define DC_DIESEL_GAL_L   3.785411784
#define DC_DIESEL_FULL_LH (71.1 * DC_DIESEL_GAL_L)  /* L/h, 1,000 kW, x=1 */
#define DC_DIESEL_QTR_LH  (21.6 * DC_DIESEL_GAL_L)  /* L/h, 1,000 kW, x=1/4 */
#define DC_DIESEL_B ((DC_DIESEL_FULL_LH - DC_DIESEL_QTR_LH) / 1000.0 / 0.75)
#define DC_DIESEL_A (DC_DIESEL_FULL_LH / 1000.0 - DC_DIESEL_B)

typedef struct dc_diesel {
	double rating_W;       /* electrical rating, W */
	double start_delay_s;  /* start to accepting load, s (NFPA 110 Type 10:
				  <= 10 s); block load accepted after it */
	double tank_L;         /* tank capacity, L */
	double fuel_L;         /* fuel in the tank, L (never negative) */
	double a_L_kWh;        /* fuel curve intercept, L/kWh of rating */
	double b_L_kWh;        /* fuel curve slope, L/kWh of rating */
	double co2_kg_L;       /* kg CO2 per L */
	double nox_g_kWh;      /* g NOx per kWh delivered (by tier) */
	dc_bk_state state;
	double t_state_s;      /* time in the current state, s */
} dc_diesel;

typedef struct dc_diesel_step {
	double e_delivered_J;  /* energy delivered */
	double e_shortfall_J;  /* demand * dt - delivered */
	double fuel_L;         /* fuel burnt */
	double co2_kg;         /* 2.68 kg/L * fuel_L */
	double nox_kg;         /* nox_g_kWh * delivered kWh / 1000 */
	double t_empty_s;      /* time into the interval when the tank emptied,
				  -1 if it did not */
	double p_end_W;        /* power delivered at the end */
} dc_diesel_step;

/* Set up D from a `backup` config of kind diesel: full tank, default fuel
 * curve, CO2 and NOx of the tier, state OFF.  Returns DC_OK or DC_EINVAL. */
int dc_diesel_init(dc_diesel *d, const dc_backup_cfg *c, dc_err *err);

/* Fuel flow, L/s, while running at electrical load P (W), 0 <= P <=
 * rating: rating_kW (a + b P/rating) / 3600.  Returns DC_OK or DC_EINVAL
 * / DC_ERANGE. */
int dc_diesel_fuel_rate(const dc_diesel *d, double p, double *L_s,
			dc_err *err);

/* Advance D over DT_S seconds of constant demand P_DEMAND_W (>= 0).  OFF
 * starts on a positive demand; no power and no fuel during the start delay
 * (cranking fuel neglected); then delivered = min(demand, rating) at a
 * constant fuel rate (an unloaded running set burns a * rating).  Exact
 * tank-empty time; fuel never negative.  Returns DC_OK or DC_EINVAL; on
 * error D is unchanged. */
int dc_diesel_advance(dc_diesel *d, double p_demand_W, double dt_s,
		      dc_diesel_step *out, dc_err *err);

/* Command a stop (OFF; EMPTY stays EMPTY).  Cannot fail. */
void dc_diesel_stop(dc_diesel *d);

/* ---- 7. UPS battery (physics.md §3.4) --------------------------------- */

typedef struct dc_ups {
	double energy_J;   /* usable energy (battery side), J */
	double p_max_W;    /* maximum discharge power, AC side, W */
	double p_chg_W;    /* recharge power drawn from the AC side, W */
	double eta;        /* inverter/charger efficiency, one way */
	double soc;        /* state of charge, [0,1] of energy_J */
} dc_ups;

typedef struct dc_ups_step {
	double e_delivered_J;  /* AC energy delivered to the load */
	double e_shortfall_J;  /* demand * dt - delivered (discharge only) */
	double e_charged_J;    /* AC energy drawn for recharge */
	double t_empty_s;      /* time into the interval the battery emptied,
				  -1 if not */
	double t_full_s;       /* time into the interval it became full,
				  -1 if not */
} dc_ups_step;

/* Battery energy needed to bridge P (W) for T (s): P t / eta (physics.md
 * §3.4).  Returns DC_OK or DC_EINVAL (P < 0, t < 0, eta outside (0,1]). */
int dc_ups_bridge_energy(double p, double t, double eta, double *e_J,
			 dc_err *err);

/* Set up U from a `ups` config.  Returns DC_OK or DC_EINVAL. */
int dc_ups_init(dc_ups *u, const dc_ups_cfg *c, dc_err *err);

/* Advance U over DT_S seconds.  P_LOAD_W > 0: the load asks the battery
 * for P (AC); delivered min(P, p_max), battery drains at delivered / eta
 * until empty (exact time, partial interval).  P_LOAD_W < 0: recharge,
 * drawing min(|P|, p_chg) from the AC side and storing eta times it until
 * full.  Returns DC_OK or DC_EINVAL (NaN, dt < 0); on error U unchanged. */
int dc_ups_advance(dc_ups *u, double p_load_W, double dt_s, dc_ups_step *out,
		   dc_err *err);

#endif
