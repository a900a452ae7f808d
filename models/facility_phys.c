/* facility_phys.c - facility-overhead physics as pure functions.  See
 * facility_phys.h for the contracts; every constant names its physics.md
 * section and tag. */
#include "facility_phys.h"

#include <math.h>
#include <stddef.h>

#include <gsl/gsl_math.h>
#include <gsl/gsl_poly.h>

#define C_TO_K 273.15

static double k_to_c(double t) { return t - C_TO_K; }

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int finite_nonneg(double v) { return isfinite(v) && v >= 0; }

/* ---- 1. Electrical losses ------------------------------------------- */

#define F(f) offsetof(dc_loss_dev, f)
static const dc_param loss_params[] = {
	{.key = "a", .type = DC_PT_REAL, .def = "0.01",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 1, .off = F(a),
	 .help = "no-load loss as a fraction of rated power (§1.2, R: hyperscale UPS 0.01)"},
	{.key = "b", .type = DC_PT_REAL, .def = "0.015",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 1, .off = F(b),
	 .help = "proportional loss as a fraction of load (§1.2, R: 0.01-0.02)"},
	{.key = "c", .type = DC_PT_REAL, .def = "0.01",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 1, .off = F(c),
	 .help = "square-law loss at rated load, fraction of rated (§1.2, R: 0.01)"},
	{.key = "rated", .type = DC_PT_QTY, .dim = DC_DIM_POWER, .unit = "kW",
	 .flags = DC_PF_REQUIRED | DC_PF_MIN_EXCL, .min = 0, .off = F(rated),
	 .help = "rated power of the device"},
};
#undef F
const dc_pset dc_loss_dev_pset = {"loss_device", loss_params,
				  DC_ARRAY_LEN(loss_params),
				  "a power-chain device with fixed, proportional and square-law losses (Rasmussen WP113)"};

static int loss_dev_ok(const dc_loss_dev *d)
{
	return d && isfinite(d->rated) && d->rated > 0 && finite_nonneg(d->a) &&
	       finite_nonneg(d->b) && finite_nonneg(d->c);
}

double dc_loss_power(const dc_loss_dev *d, double load)
{
	if (!loss_dev_ok(d) || !finite_nonneg(load))
		return NAN;
	return d->a * d->rated + d->b * load + d->c * load * load / d->rated;
}

double dc_loss_eff(const dc_loss_dev *d, double load)
{
	double loss = dc_loss_power(d, load);
	if (isnan(loss))
		return NAN;
	return load > 0 ? load / (load + loss) : 0.0;
}

double dc_loss_chain(const dc_loss_dev *devs, int n, double p_out,
		     double *loss_each)
{
	if (n < 0 || (n > 0 && !devs) || !finite_nonneg(p_out))
		return NAN;
	for (int k = 0; k < n; k++)
		if (!loss_dev_ok(&devs[k]))
			return NAN;
	double p = p_out, total = 0;
	for (int k = n - 1; k >= 0; k--) {
		double l = dc_loss_power(&devs[k], p);
		if (loss_each)
			loss_each[k] = l;
		total += l;
		p += l;  /* the upstream device carries this one's input */
	}
	return total;
}



/* ---- Curves ------------------------------------------------------------ */

double dc_curve_biquad(const double c[6], double x, double y)
{
	return c[0] + x * (c[1] + c[2] * x) + y * (c[3] + c[4] * y) +
	       c[5] * x * y;
}

double dc_curve_quad(const double c[3], double x)
{
	return gsl_poly_eval(c, 3, x);
}

/* ---- 3. Chiller --------------------------------------------------------- */

/* DOE-2 Centrifugal/5.50COP: coefficients, limits, PLRMin and
 * QEva_flow_nominal from Modelica Buildings
 * Buildings.Fluid.Chillers.Data.ElectricEIR (physics.md §1.4, V). */
const dc_chiller dc_chiller_doe2_centrifugal_5_50cop = {
	.cop_ref = 5.5,
	.q_ref = 100e3,
	.capft = {0.257896, 0.0389016, -0.00021708, 0.0468684, -0.00094284,
		  -0.00034344},
	.eirft = {0.933884, -0.058212, 0.00450036, 0.00243, 0.000486,
		  -0.001215},
	.eirfplr = {0.222903, 0.313387, 0.46371},
	.tchw_min_c = 5.0, .tchw_max_c = 10.0,
	.tcond_min_c = 24.0, .tcond_max_c = 35.0,
	.plr_min = 0.1,
};

#define F(f) offsetof(dc_chiller, f)
static const dc_param chiller_params[] = {
	{.key = "cop_ref", .type = DC_PT_REAL, .def = "5.5",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 20,
	 .off = F(cop_ref),
	 .help = "reference COP at the curves' rating point (§1.4 V: DOE-2 centrifugal 5.5)"},
	{.key = "q_ref", .type = DC_PT_QTY, .dim = DC_DIM_POWER, .unit = "kW",
	 .flags = DC_PF_REQUIRED | DC_PF_MIN_EXCL, .min = 0, .off = F(q_ref),
	 .help = "reference evaporator (cooling) capacity"},
	{.key = "plr_min", .type = DC_PT_REAL, .def = "0.1",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 1,
	 .off = F(plr_min),
	 .help = "part-load ratio below which the chiller cycles (§1.4/§1.8: 0.1)"},
};
#undef F
const dc_pset dc_chiller_pset = {"chiller", chiller_params,
				 DC_ARRAY_LEN(chiller_params),
				 "an electric EIR chiller (EnergyPlus Chiller:Electric:EIR, DOE-2 curves)"};

static int chiller_ok(const dc_chiller *c)
{
	return c && isfinite(c->cop_ref) && c->cop_ref > 0 &&
	       isfinite(c->q_ref) && c->q_ref > 0 && c->plr_min > 0 &&
	       c->plr_min <= 1 && c->tchw_min_c <= c->tchw_max_c &&
	       c->tcond_min_c <= c->tcond_max_c;
}

/* Curve arguments in degC, clamped to the limits (EnergyPlus, §1.4). */
static void chiller_xy(const dc_chiller *c, double tchw, double tcond,
		       double *x, double *y)
{
	*x = clampd(k_to_c(tchw), c->tchw_min_c, c->tchw_max_c);
	*y = clampd(k_to_c(tcond), c->tcond_min_c, c->tcond_max_c);
}

double dc_chiller_capacity(const dc_chiller *c, double tchw_lvg,
			   double tcond_ent)
{
	if (!c || !isfinite(tchw_lvg) || !isfinite(tcond_ent))
		return NAN;
	double x, y;
	chiller_xy(c, tchw_lvg, tcond_ent, &x, &y);
	return c->q_ref * dc_curve_biquad(c->capft, x, y);
}

int dc_chiller_eval(const dc_chiller *c, double q_evap, double tchw_lvg,
		    double tcond_ent, dc_chiller_out *o)
{
	if (!chiller_ok(c) || !o || !finite_nonneg(q_evap) ||
	    !isfinite(tchw_lvg) || !isfinite(tcond_ent))
		return DC_EINVAL;
	double x, y;
	chiller_xy(c, tchw_lvg, tcond_ent, &x, &y);
	double capft = dc_curve_biquad(c->capft, x, y);
	double avail = c->q_ref * capft;
	if (!(avail > 0))
		return DC_ERANGE;
	double plr = q_evap / avail;
	if (plr > 1)
		return DC_ERANGE;
	double eirft = dc_curve_biquad(c->eirft, x, y);
	double eirfplr = dc_curve_quad(c->eirfplr, GSL_MAX(plr, c->plr_min));
	double cyc = GSL_MIN(1.0, plr / c->plr_min);
	double p = avail / c->cop_ref * eirft * eirfplr * cyc;
	*o = (dc_chiller_out){
		.capft = capft, .eirft = eirft, .eirfplr = eirfplr,
		.cap_avail = avail, .plr = plr, .cycling = cyc, .power = p,
		.cop = q_evap > 0 ? q_evap / p : 0.0, .q_cond = q_evap + p,
	};
	return DC_OK;
}

/* ---- 4. ITE:AirCooled ------------------------------------------------- */

/* Example curves: EnergyPlus unit test InternalHeatGains_ElectricEquipITE_*
 * (physics.md §1.3 table, V). */
#define ITE_POWER_FLT {-1.0, 1.0, 0.0, 0.06667, 0.0, 0.0}
#define ITE_AIRFLOW_FLT {-1.4, 0.9, 0.0, 0.1, 0.0, 0.0}
#define ITE_RECIRC_FLT {1.0, 0.0, 0.0, 0.0, 0.0, 0.0}
#define ITE_FAN_FFLOW {0.0, 1.0, 0.0}
#define ITE_UPS_FPLR {1.0, 0.0, 0.0}

const double dc_ite_curve_power_flt[6] = ITE_POWER_FLT;
const double dc_ite_curve_airflow_flt[6] = ITE_AIRFLOW_FLT;
const double dc_ite_curve_recirc_flt[6] = ITE_RECIRC_FLT;
const double dc_ite_curve_fan_fflow[3] = ITE_FAN_FFLOW;
const double dc_ite_curve_ups_fplr[3] = ITE_UPS_FPLR;

const dc_ite dc_ite_eplus_example = {
	.p_design = 100 * 500.0,      /* 100 units x 500 W (§1.3, V) */
	.fan_frac = 0.4,              /* §1.3, V */
	.flow_per_W = 0.0001,         /* m^3/s per W (§1.3, V) */
	.recirc_frac_design = 0.1,    /* §1.3, V */
	.ups_eff_design = 0.9,        /* §1.3, V */
	.rho = DC_AIR_RHO,            /* V-04 (C) */
	.cp = DC_AIR_CP,              /* V-04 (C) */
	.pow_flt = ITE_POWER_FLT,
	.air_flt = ITE_AIRFLOW_FLT,
	.recirc_flt = ITE_RECIRC_FLT,
	.fan_fflow = ITE_FAN_FFLOW,
	.ups_fplr = ITE_UPS_FPLR,
};

#define F(f) offsetof(dc_ite, f)
static const dc_param ite_params[] = {
	{.key = "p_design", .type = DC_PT_QTY, .dim = DC_DIM_POWER, .unit = "kW",
	 .flags = DC_PF_REQUIRED | DC_PF_MIN_EXCL, .min = 0, .off = F(p_design),
	 .help = "design power of the IT equipment, CPU plus fans"},
	{.key = "fan_frac", .type = DC_PT_REAL, .def = "0.4",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 1, .off = F(fan_frac),
	 .help = "design fan power fraction (§1.3 V example: 0.4)"},
	{.key = "flow_per_W", .type = DC_PT_QTY, .dim = DC_DIM(1, -1, 2, 0, 0, 0, 0),
	 .unit = "m^3/s/W", .def = "0.0001 m^3/s/W",
	 .flags = DC_PF_MIN_EXCL, .min = 0, .off = F(flow_per_W),
	 .help = "design air flow per watt of design power (§1.3 V example)"},
	{.key = "recirc_frac_design", .type = DC_PT_REAL, .def = "0.1",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 1,
	 .off = F(recirc_frac_design),
	 .help = "design recirculation fraction of inlet air (§1.3 V example: 0.1)"},
	{.key = "ups_eff_design", .type = DC_PT_REAL, .def = "0.9",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 1,
	 .off = F(ups_eff_design),
	 .help = "design efficiency of the IT-side UPS (§1.3 V example: 0.9)"},
	{.key = "rho", .type = DC_PT_QTY, .dim = DC_DIM(-3, 1, 0, 0, 0, 0, 0),
	 .unit = "kg/m^3", .def = "1.2 kg/m^3", .flags = DC_PF_MIN_EXCL, .min = 0,
	 .off = F(rho), .help = "air density (§2.2, V-04: 1.2)"},
	{.key = "cp", .type = DC_PT_QTY, .dim = DC_DIM(2, 0, -2, 0, -1, 0, 0),
	 .unit = "J/kg/K", .def = "1005 J/kg/K", .flags = DC_PF_MIN_EXCL, .min = 0,
	 .off = F(cp), .help = "air specific heat (§2.2, V-04: 1005)"},
};
#undef F
const dc_pset dc_ite_pset = {"ite", ite_params, DC_ARRAY_LEN(ite_params),
			     "air-cooled IT equipment (EnergyPlus ElectricEquipment:ITE:AirCooled)"};

static int ite_ok(const dc_ite *m)
{
	return m && isfinite(m->p_design) && m->p_design > 0 &&
	       m->fan_frac >= 0 && m->fan_frac <= 1 && m->flow_per_W > 0 &&
	       m->recirc_frac_design >= 0 && m->recirc_frac_design <= 1 &&
	       m->ups_eff_design > 0 && m->ups_eff_design <= 1 &&
	       m->rho > 0 && m->cp > 0;
}

int dc_ite_eval(const dc_ite *m, double load, double t_supply, double t_zone,
		dc_ite_out *o)
{
	if (!ite_ok(m) || !o || !(load >= 0 && load <= 1) ||
	    !(t_supply > 0) || !(t_zone > 0) || !isfinite(t_supply) ||
	    !isfinite(t_zone))
		return DC_EINVAL;
	double rf = m->recirc_frac_design *
		    GSL_MAX(0.0, dc_curve_biquad(m->recirc_flt, load,
						 k_to_c(t_supply)));
	rf = GSL_MIN(rf, 1.0);
	double t_in = t_supply * (1 - rf) + t_zone * rf;
	double tin_c = k_to_c(t_in);
	double p_cpu = m->p_design * (1 - m->fan_frac) *
		       GSL_MAX(0.0, dc_curve_biquad(m->pow_flt, load, tin_c));
	double ff = GSL_MAX(0.0, dc_curve_biquad(m->air_flt, load, tin_c));
	double flow = m->flow_per_W * m->p_design * ff;
	double p_fan = m->p_design * m->fan_frac *
		       GSL_MAX(0.0, dc_curve_quad(m->fan_fflow, ff));
	double heat = p_cpu + p_fan;
	if (heat > 0 && !(flow > 0))
		return DC_ERANGE;
	double plr = heat / m->p_design;
	double eff = m->ups_eff_design * dc_curve_quad(m->ups_fplr, plr);
	double dt = heat > 0 ? heat / (flow * m->rho * m->cp) : 0.0;
	double t_out = t_in + dt;
	*o = (dc_ite_out){
		.p_cpu = p_cpu, .p_fan = p_fan, .p_ups_loss = heat * (1 - eff),
		.flow_frac = ff, .flow = flow, .recirc_frac = rf,
		.t_in = t_in, .t_out = t_out, .dt_air = dt,
		.shi = t_out != t_supply ? (t_in - t_supply) / (t_out - t_supply)
					 : 0.0,
	};
	return DC_OK;
}

/* ---- 5. Server power ------------------------------------------------- */

double dc_server_power(double p_idle, double p_max, double u, double r)
{
	if (!finite_nonneg(p_idle) || !isfinite(p_max) || p_max < p_idle ||
	    !isfinite(r) || r < 1 || isnan(u))
		return NAN;
	u = clampd(u, 0, 1);
	return p_idle + (p_max - p_idle) * (2 * u - pow(u, r));
}

/* ---- 6. Flows -------------------------------------------------------- */

static double vol_flow(double p, double dt, double rho, double cp)
{
	if (!finite_nonneg(p) || !(dt > 0) || !(rho > 0) || !(cp > 0))
		return NAN;
	return p / (rho * cp * dt);
}

double dc_air_flow(double p_W, double dT_K, double rho, double cp)
{
	return vol_flow(p_W, dT_K, rho, cp);
}

double dc_liquid_flow(double p_W, double dT_K, double rho, double cp)
{
	return vol_flow(p_W, dT_K, rho, cp);
}

double dc_m3s_to_cfm(double q)
{
	return q * 60.0 / gsl_pow_3(0.3048);  /* 1 ft = 0.3048 m (exact) */
}

double dc_m3s_to_lpm(double q) { return q * 60e3; }

/* ---- 7. Affinity laws and pumps ---------------------------------------- */

double dc_affinity_power(double p_rated, double speed_frac)
{
	if (!finite_nonneg(p_rated) || !finite_nonneg(speed_frac))
		return NAN;
	return p_rated * gsl_pow_3(speed_frac);
}

double dc_affinity_power_static(double p_rated, double flow_frac,
				double dp_static_frac)
{
	if (!finite_nonneg(p_rated) || !finite_nonneg(flow_frac) ||
	    !(dp_static_frac >= 0 && dp_static_frac <= 1))
		return NAN;
	double q = flow_frac;
	return p_rated * q * (dp_static_frac + (1 - dp_static_frac) * q * q);
}

double dc_pump_power(double flow_m3s, double dp_Pa, double eta)
{
	if (!finite_nonneg(flow_m3s) || !finite_nonneg(dp_Pa) ||
	    !(eta > 0 && eta <= 1))
		return NAN;
	return flow_m3s * dp_Pa / eta;
}

/* ---- 8. Tower water ----------------------------------------------------- */

double dc_tower_water(double q_rej, double circ_m3s, double windage_frac,
		      double coc, dc_tower_water_out *o)
{
	if (!finite_nonneg(q_rej) || !finite_nonneg(circ_m3s) ||
	    !(windage_frac >= 0 && windage_frac <= 1) || !isfinite(coc) ||
	    !(coc > 1))
		return NAN;
	double e = q_rej / DC_H_FG;              /* kg/s = L/s */
	double w = windage_frac * circ_m3s * 1e3;  /* m^3/s to L/s */
	double b = GSL_MAX(e / (coc - 1) - w, 0.0);
	if (o)
		*o = (dc_tower_water_out){.evap = e, .windage = w, .blowdown = b};
	return e + w + b;
}

/* ---- 9. Economizers ----------------------------------------------------- */

double dc_econ_waterside_frac(double t_wb, double appr_tower, double appr_hx,
			      double t_chwr, double t_chws)
{
	if (!isfinite(t_wb) || !finite_nonneg(appr_tower) ||
	    !finite_nonneg(appr_hx) || !isfinite(t_chwr) ||
	    !isfinite(t_chws) || !(t_chwr > t_chws))
		return NAN;
	double t_fc = t_wb + appr_tower + appr_hx;
	return clampd((t_chwr - t_fc) / (t_chwr - t_chws), 0, 1);
}

double dc_econ_evap_temp(double t_db, double t_wb, double eps)
{
	if (!isfinite(t_db) || !isfinite(t_wb) || t_wb > t_db ||
	    !(eps >= 0 && eps <= 1))
		return NAN;
	return t_wb + (1 - eps) * (t_db - t_wb);
}

int dc_econ_airside_mode(double t_db, double t_wb, double eps,
			 double t_supply_set)
{
	double t_evap = dc_econ_evap_temp(t_db, t_wb, eps);
	if (isnan(t_evap) || !isfinite(t_supply_set))
		return DC_EINVAL;
	if (t_db <= t_supply_set)
		return 1;
	return t_evap <= t_supply_set ? 2 : 0;
}

double dc_econ_airside_frac(double t_db, double t_wb, double eps,
			    double t_set_lo, double t_set_hi)
{
	double t = dc_econ_evap_temp(t_db, t_wb, eps);
	if (isnan(t) || !isfinite(t_set_lo) || !isfinite(t_set_hi) ||
	    !(t_set_hi > t_set_lo))
		return NAN;
	return clampd((t_set_hi - t) / (t_set_hi - t_set_lo), 0, 1);
}

double dc_drycooler_supply(double t_db, double appr_dry)
{
	if (!isfinite(t_db) || !finite_nonneg(appr_dry))
		return NAN;
	return t_db + appr_dry;
}

int dc_drycooler_chillerless(double t_db, double appr_dry, double t_class,
			     double appr_cdu)
{
	double t_sup = dc_drycooler_supply(t_db, appr_dry);
	if (isnan(t_sup) || !isfinite(t_class) || !finite_nonneg(appr_cdu))
		return DC_EINVAL;
	return t_sup <= t_class - appr_cdu;
}

/* ---- 10. Reference plant (§1.8, C) ------------------------------------ */

/* §1.8 parameters (C: illustrative defaults, not measured). */
#define RP_LOSS_A 0.010          /* UPS + distribution, x C */
#define RP_LOSS_B 0.015          /* x P_IT */
#define RP_LOSS_C 0.015          /* x C x^2 */
#define RP_MISC 0.005            /* x C */
#define RP_CRAH 0.03             /* x C at design flow */
#define RP_CRAH_MIN 0.4          /* minimum fan speed fraction */
#define RP_PUMP 0.015            /* x C at design flow */
#define RP_PUMP_MIN 0.5          /* minimum pump flow fraction */
#define RP_APPR_TOWER 4.0        /* K */
#define RP_APPR_HX 2.0           /* K */
#define RP_CHWS_C 18.0
#define RP_CHWR_C 28.0
#define RP_TCOND_FLOOR_C 15.0
#define RP_CHILLER_CAP 1.2       /* installed chiller capacity, x C thermal */
#define RP_TOWER 0.008           /* tower fans, x heat rejected */
#define RP_TOWER_FREE 0.6        /* tower fan factor in full free cooling */
#define RP_COC 5.0               /* cycles of concentration, no windage */

/* Chiller share of the plant: Q_ch = (1-f) Q at CHW 18 degC leaving and
 * the condenser water floor. */
static int refplant_chiller(double q_ch, double cap, double t_wb_c,
			    double *p_ch)
{
	dc_chiller ch = dc_chiller_doe2_centrifugal_5_50cop;
	ch.q_ref = RP_CHILLER_CAP * cap;
	double tcond_c = GSL_MAX(t_wb_c + RP_APPR_TOWER, RP_TCOND_FLOOR_C);
	dc_chiller_out co;
	int rc = dc_chiller_eval(&ch, q_ch, RP_CHWS_C + C_TO_K,
				 tcond_c + C_TO_K, &co);
	if (rc)
		return rc;
	*p_ch = co.power;
	return DC_OK;
}

int dc_refplant_eval(double p_it, double cap, double t_wb_c,
		     dc_refplant_out *o)
{
	if (!o || !finite_nonneg(p_it) || !isfinite(cap) || !(cap > 0) ||
	    !isfinite(t_wb_c) || t_wb_c < -C_TO_K)
		return DC_EINVAL;
	dc_refplant_out r = {.x = p_it / cap};
	dc_loss_dev ups = {RP_LOSS_A, RP_LOSS_B, RP_LOSS_C, cap};
	r.l_e = dc_loss_chain(&ups, 1, p_it, NULL);
	r.misc = RP_MISC * cap;
	r.p_crah = dc_affinity_power(RP_CRAH * cap, GSL_MAX(RP_CRAH_MIN, r.x));
	/* §1.8 gives the pumps a square law (flow and head both scale with
	 * the flow fraction on its system curve), not the fans' cube law. */
	r.p_pump = RP_PUMP * cap * gsl_pow_2(GSL_MAX(RP_PUMP_MIN, r.x));
	r.q = p_it + r.l_e + r.misc + r.p_crah;
	r.f = dc_econ_waterside_frac(t_wb_c + C_TO_K, RP_APPR_TOWER, RP_APPR_HX,
				     RP_CHWR_C + C_TO_K, RP_CHWS_C + C_TO_K);
	r.q_ch = (1 - r.f) * r.q;
	int rc = refplant_chiller(r.q_ch, cap, t_wb_c, &r.p_ch);
	if (rc)
		return rc;
	double q_rej = r.q + r.p_ch;
	r.p_tower = RP_TOWER * q_rej * (r.f < 1 ? 1.0 : RP_TOWER_FREE);
	r.water = dc_tower_water(q_rej, 0.0, 0.0, RP_COC, NULL);
	r.total = p_it + r.l_e + r.misc + r.p_crah + r.p_pump + r.p_ch +
		  r.p_tower;
	/* L/kWh_IT: (L/s x 3600 s/h) / (P_IT in kW) */
	r.pue = p_it > 0 ? r.total / p_it : NAN;
	r.wue = p_it > 0 ? r.water * 3600.0 / (p_it / 1e3) : NAN;
	*o = r;
	return DC_OK;
}
