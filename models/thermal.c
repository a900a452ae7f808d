/* thermal.c - cooling kinds, ASHRAE envelopes, the RC junction node and
 * GPU thermal throttling.  See thermal.h for the model. */
#include "thermal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_math.h>

#define C_TO_K(c) ((c) + 273.15)

/* ------------------------------------------------------------- defaults */

/* physics.md §2.1 table: high-end air heatsink on an 8-GPU HGX baseboard,
 * 700 W class, 0.05-0.08 K/W including preheat (R) - the middle. */
#define R_AIR_DEFAULT 0.06
/* §2.1 table: copper microchannel cold plate 0.02-0.05 K/W (S, R). */
#define R_COLDPLATE_DEFAULT 0.03

/* Fluid properties.  Air rho 1.2 kg/m^3, c_p 1005 J/(kg K) (§2.2).  PG25
 * rho 1020, c_p 3.9 kJ/(kg K) (§2.3).  Water at 25 C rho 997, c_p 4181 (R,
 * standard tables; reproduces §2.3's 1.44 L/min per kW at 10 K, C). */
#define AIR_RHO 1.2
#define AIR_CP 1005.0
static const double coolant_rho[DC_COOLANT_N] = {997.0, 1020.0};
static const double coolant_cp[DC_COOLANT_N] = {4181.0, 3900.0};

/* L/min per kW -> m^3/s per W */
#define LPM_PER_KW_TO_SI (1e-3 / 60.0 / 1e3)

static const char *const kind_names[] = {"air", "cold_plate", "microfluidic",
					 NULL};
static const char *const coolant_names[] = {"water", "pg25", NULL};

#define F(f) offsetof(dc_cooling_cfg, f)
#define DIM_POWER_PER_AREA DC_DIM(0, 1, -3, 0, 0, 0, 0) /* W/m^2 */
static const dc_param cooling_params[] = {
	{.key = "kind", .type = DC_PT_ENUM, .def = "air", .choices = kind_names,
	 .off = F(kind), .help = "chip cooling: air, cold_plate or microfluidic"},
	/* 27 C: top of the ASHRAE recommended air range (§2.5, V); inside
	 * W27..W45 for facility water. */
	{.key = "supply_temperature", .type = DC_PT_QTY,
	 .dim = DC_DIM_TEMPERATURE, .unit = "C", .def = "27 C",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = C_TO_K(-10), .max = C_TO_K(70),
	 .off = F(supply_temp),
	 .help = "air inlet (air) or facility water supply (liquid) temperature"},
	/* 0 K: the §2.1 air resistances already include preheat (R). */
	{.key = "preheat", .type = DC_PT_QTY, .dim = DC_DIM_TEMPERATURE,
	 .unit = "K", .def = "0 K", .flags = DC_PF_MIN | DC_PF_MAX, .min = 0,
	 .max = 50, .off = F(preheat),
	 .help = "air preheat before the GPU (difference); the default R includes it"},
	{.key = "r_th", .type = DC_PT_QTY, .dim = DC_DIM_THERMRES,
	 .unit = "K/W", .def = "0 K/W", .flags = DC_PF_MIN | DC_PF_MAX,
	 .min = 0, .max = 10, .off = F(r_th),
	 .help = "junction->coolant resistance override; 0: air 0.06, cold plate 0.03 K/W (microfluidic: scaled by micro_factor)"},
	/* §2.1: "65 % reduction in maximum temperature rise" (S). */
	{.key = "micro_factor", .type = DC_PT_REAL, .def = "0.35",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 1,
	 .off = F(micro_factor),
	 .help = "microfluidic R as a fraction of the cold-plate R"},
	/* §2.3: CDU approach 5 K liquid-to-liquid (S). */
	{.key = "cdu_approach", .type = DC_PT_QTY, .dim = DC_DIM_TEMPERATURE,
	 .unit = "K", .def = "5 K", .flags = DC_PF_MIN | DC_PF_MAX, .min = 0,
	 .max = 50, .off = F(cdu_approach),
	 .help = "CDU approach, facility water -> chip loop (difference)"},
	{.key = "coolant", .type = DC_PT_ENUM, .def = "water",
	 .choices = coolant_names, .off = F(coolant),
	 .help = "chip-loop fluid: water or pg25"},
	/* §2.3: design rule about 1.5 L/min per kW (C/R). */
	{.key = "flow_per_kw", .type = DC_PT_REAL, .def = "1.5",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 100,
	 .off = F(flow_per_kw),
	 .help = "coolant flow in L/min per kW of rated chip power (a plain number)"},
	/* V-18's pump: 200 kPa at eta 0.7 (§6; §2.3 eta 0.6-0.8). */
	{.key = "pump_head", .type = DC_PT_QTY, .dim = DC_DIM_PRESSURE,
	 .unit = "kPa", .def = "200 kPa", .flags = DC_PF_MIN, .min = 0,
	 .off = F(pump_head), .help = "liquid loop pressure drop"},
	{.key = "pump_efficiency", .type = DC_PT_REAL, .def = "0.7",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 1,
	 .off = F(pump_eff), .help = "pump wire-to-water efficiency"},
	/* §2.2: 11.1 K (20 F) air rise. */
	{.key = "air_delta_t", .type = DC_PT_QTY, .dim = DC_DIM_TEMPERATURE,
	 .unit = "K", .def = "11.1 K", .flags = DC_PF_MIN_EXCL | DC_PF_MAX,
	 .min = 0, .max = 60, .off = F(air_delta_t),
	 .help = "air temperature rise across the servers (difference)"},
	/* 250 Pa, eta 0.5: R, not in physics.md (typical server fan static
	 * pressure and fan+motor efficiency) - verify. */
	{.key = "fan_pressure", .type = DC_PT_QTY, .dim = DC_DIM_PRESSURE,
	 .unit = "Pa", .def = "250 Pa", .flags = DC_PF_MIN, .min = 0,
	 .off = F(fan_pressure), .help = "server fan static pressure"},
	{.key = "fan_efficiency", .type = DC_PT_REAL, .def = "0.5",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 1,
	 .off = F(fan_eff), .help = "fan wire-to-air efficiency"},
	/* 814 mm^2: H100 (GH100) die area (R). */
	{.key = "die_area", .type = DC_PT_QTY, .dim = DC_DIM_AREA,
	 .unit = "mm2", .def = "814 mm2", .flags = DC_PF_MIN_EXCL, .min = 0,
	 .off = F(die_area), .help = "die area (microfluidic pumping, heat flux)"},
	/* §2.1: EPFL monolithic microchannels, pumping power 0.57 W/cm^2 (R). */
	{.key = "micro_pump_flux", .type = DC_PT_QTY, .dim = DIM_POWER_PER_AREA,
	 .unit = "W/cm2", .def = "0.57 W/cm2", .flags = DC_PF_MIN, .min = 0,
	 .off = F(micro_pump_flux),
	 .help = "microfluidic pumping power per die area"},
	/* §2.1: tau_die about 5 s (R). */
	{.key = "tau_die", .type = DC_PT_QTY, .dim = DC_DIM_TIME, .unit = "s",
	 .def = "5 s", .flags = DC_PF_MIN_EXCL, .min = 0, .off = F(tau_die),
	 .help = "die thermal time constant R C"},
};
#undef F

const dc_pset dc_cooling_pset = {"cooling", cooling_params,
				 DC_ARRAY_LEN(cooling_params),
				 "chip cooling and junction temperature"};


int dc_cooling_defaults(dc_cooling_cfg *cfg, dc_err *err)
{
	memset(cfg, 0, sizeof *cfg);
	dc_err local = DC_ERR_INIT;
	int rc = dc_params_defaults(&dc_cooling_pset, cfg, NULL,
				    err ? err : &local);
	dc_err_free(&local);
	return rc;
}

const char *dc_cooling_kind_name(int kind)
{
	if (kind < 0 || kind >= DC_COOL_KIND_N)
		return NULL;
	return kind_names[kind];
}

static int pos_finite(double v) { return isfinite(v) && v > 0; }
static int nonneg_finite(double v) { return isfinite(v) && v >= 0; }

static int cfg_check(const dc_cooling_cfg *c, dc_err *err)
{
	if (c->kind < 0 || c->kind >= DC_COOL_KIND_N)
		return dc_err_msg(err, DC_EINVAL, "cooling: unknown kind %d", c->kind);
	if (c->coolant < 0 || c->coolant >= DC_COOLANT_N)
		return dc_err_msg(err, DC_EINVAL, "cooling: unknown coolant %d",
			    c->coolant);
	if (!pos_finite(c->supply_temp) || !nonneg_finite(c->preheat) ||
	    !nonneg_finite(c->cdu_approach))
		return dc_err_msg(err, DC_EINVAL, "cooling: supply temperature must "
			    "be > 0 K, preheat and approach >= 0 K");
	if (!nonneg_finite(c->r_th) || !pos_finite(c->micro_factor) ||
	    !pos_finite(c->flow_per_kw) || !pos_finite(c->air_delta_t) ||
	    !pos_finite(c->tau_die))
		return dc_err_msg(err, DC_EINVAL, "cooling: r_th must be >= 0 and "
			    "micro_factor, flow_per_kw, air_delta_t, tau_die "
			    "> 0");
	return DC_OK;
}

int dc_cooling_resolve(const dc_cooling_cfg *cfg, double p_rated,
		       dc_cooling_chip *out, dc_err *err)
{
	int rc = cfg_check(cfg, err);
	if (rc)
		return rc;
	if (!pos_finite(p_rated))
		return dc_err_msg(err, DC_EINVAL, "cooling: rated chip power %g W "
			    "must be > 0", p_rated);
	dc_cooling_chip c = {.kind = cfg->kind, .tau = cfg->tau_die};
	if (cfg->kind == DC_COOL_AIR) {
		c.r_th = cfg->r_th > 0 ? cfg->r_th : R_AIR_DEFAULT;
		c.t_base = cfg->supply_temp + cfg->preheat;
		c.flow = p_rated / (AIR_RHO * AIR_CP * cfg->air_delta_t);
	} else {
		double r_cp = cfg->r_th > 0 ? cfg->r_th : R_COLDPLATE_DEFAULT;
		double rc_p = coolant_rho[cfg->coolant] *
			      coolant_cp[cfg->coolant];
		c.r_th = cfg->kind == DC_COOL_MICROFLUIDIC ?
				 cfg->micro_factor * r_cp : r_cp;
		c.t_base = cfg->supply_temp + cfg->cdu_approach;
		c.flow = cfg->flow_per_kw * LPM_PER_KW_TO_SI * p_rated;
		c.k_rise = 1.0 / (2.0 * rc_p * c.flow);
	}
	*out = c;
	return DC_OK;
}

double dc_cooling_coolant_temp(const dc_cooling_chip *c, double p)
{
	return c->t_base + c->k_rise * p;
}

double dc_cooling_tj_steady(const dc_cooling_chip *c, double p)
{
	return c->t_base + (c->r_th + c->k_rise) * p;
}

int dc_cooling_mover_power(double flow, double dp, double eta, double *out)
{
	if (!nonneg_finite(flow) || !nonneg_finite(dp) || !(eta > 0) ||
	    !(eta <= 1))
		return DC_EINVAL;
	*out = flow * dp / eta;
	return DC_OK;
}

int dc_cooling_group_mover_power(const dc_cooling_cfg *cfg,
				 const dc_cooling_chip *chip, int64_t n_chips,
				 double *out)
{
	if (n_chips < 0 || cfg_check(cfg, NULL))
		return DC_EINVAL;
	double n = (double)n_chips, one;
	int rc;
	switch (chip->kind) {
	case DC_COOL_AIR:
		rc = dc_cooling_mover_power(chip->flow, cfg->fan_pressure,
					    cfg->fan_eff, &one);
		break;
	case DC_COOL_COLD_PLATE:
		rc = dc_cooling_mover_power(chip->flow, cfg->pump_head,
					    cfg->pump_eff, &one);
		break;
	case DC_COOL_MICROFLUIDIC:
		one = cfg->micro_pump_flux * cfg->die_area;
		rc = nonneg_finite(one) ? DC_OK : DC_EINVAL;
		break;
	default:
		return DC_EINVAL;
	}
	if (rc)
		return rc;
	*out = n * one;
	return DC_OK;
}

int dc_cooling_micro_pump_per_w(const dc_cooling_cfg *cfg, double p,
				double *out)
{
	double pump = cfg->micro_pump_flux * cfg->die_area;
	if (!pos_finite(p) || !nonneg_finite(pump))
		return DC_EINVAL;
	*out = pump / p;
	return DC_OK;
}

int dc_cooling_heat_flux(double p, double area, double *out)
{
	if (!nonneg_finite(p) || !pos_finite(area))
		return DC_EINVAL;
	*out = p / area;
	return DC_OK;
}

/* ------------------------------------------------------- ASHRAE envelopes */

/* §2.5 (V via study guides, ASHRAE TC 9.9 5th ed. 2021): recommended
 * 18-27 C for A1-A4; allowable A1 15-32, A2 10-35, A3 5-40, A4 5-45 C. */
static const dc_ashrae_class air_classes[] = {
	{"A1", C_TO_K(15), C_TO_K(32), C_TO_K(18), C_TO_K(27)},
	{"A2", C_TO_K(10), C_TO_K(35), C_TO_K(18), C_TO_K(27)},
	{"A3", C_TO_K(5), C_TO_K(40), C_TO_K(18), C_TO_K(27)},
	{"A4", C_TO_K(5), C_TO_K(45), C_TO_K(18), C_TO_K(27)},
};

/* §2.5 (V): W-class number = maximum facility-water supply in C, minimum
 * 2 C; W+ above 45 C with no upper bound. */
static const dc_ashrae_class water_classes[] = {
	{"W17", C_TO_K(2), C_TO_K(17), C_TO_K(2), C_TO_K(17)},
	{"W27", C_TO_K(2), C_TO_K(27), C_TO_K(2), C_TO_K(27)},
	{"W32", C_TO_K(2), C_TO_K(32), C_TO_K(2), C_TO_K(32)},
	{"W40", C_TO_K(2), C_TO_K(40), C_TO_K(2), C_TO_K(40)},
	{"W45", C_TO_K(2), C_TO_K(45), C_TO_K(2), C_TO_K(45)},
	{"W+", C_TO_K(2), HUGE_VAL, C_TO_K(2), HUGE_VAL},
};

const dc_ashrae_class *dc_ashrae_air_classes(size_t *n)
{
	*n = DC_ARRAY_LEN(air_classes);
	return air_classes;
}

const dc_ashrae_class *dc_ashrae_water_classes(size_t *n)
{
	*n = DC_ARRAY_LEN(water_classes);
	return water_classes;
}

static const dc_ashrae_class *ashrae_find(const char *name)
{
	for (size_t i = 0; name && i < DC_ARRAY_LEN(air_classes); i++)
		if (!strcmp(name, air_classes[i].name))
			return &air_classes[i];
	for (size_t i = 0; name && i < DC_ARRAY_LEN(water_classes); i++)
		if (!strcmp(name, water_classes[i].name))
			return &water_classes[i];
	return NULL;
}

int dc_ashrae_check(const char *name, double t, int *allowable,
		    int *recommended, dc_err *err)
{
	const dc_ashrae_class *c = ashrae_find(name);
	if (!c)
		return dc_err_msg(err, DC_ENOENT, "unknown ASHRAE class '%s'",
			    name ? name : "(null)");
	if (!isfinite(t))
		return dc_err_msg(err, DC_EINVAL, "ASHRAE check: temperature is not "
			    "finite");
	if (allowable)
		*allowable = t >= c->allow_lo && t <= c->allow_hi;
	if (recommended)
		*recommended = t >= c->rec_lo && t <= c->rec_hi;
	return DC_OK;
}

/* ------------------------------------------------------------ GPU specs */

/* §5.1 (V: nvidia-smi -q dumps; MLPerf system descriptions).  H200:
 * 700 W TGP (V); idle, minimum cap and limits assumed equal to H100 (R). */
static const dc_gpu_spec gpu_specs[] = {
	{"h100", 700, 75, 200, C_TO_K(87), C_TO_K(89), C_TO_K(92)},
	{"a100", 400, 52, 100, C_TO_K(85), C_TO_K(89), C_TO_K(92)},
	{"h200", 700, 75, 200, C_TO_K(87), C_TO_K(89), C_TO_K(92)},
};

const dc_gpu_spec *dc_gpu_spec_find(const char *name)
{
	for (size_t i = 0; name && i < DC_ARRAY_LEN(gpu_specs); i++)
		if (!strcmp(name, gpu_specs[i].name))
			return &gpu_specs[i];
	return NULL;
}

/* ------------------------------------------------------------ GPU model */

static int gpu_ok(const dc_gpu_thermal *g)
{
	return pos_finite(g->r) && pos_finite(g->c) &&
	       nonneg_finite(g->p_idle) && pos_finite(g->alpha) &&
	       g->phi_min > 0 && g->phi_min <= 1 && isfinite(g->t_max_op) &&
	       g->t_max_op > 0 && g->t_max_op <= g->t_slowdown &&
	       g->t_slowdown <= g->t_shutdown && isfinite(g->t_shutdown);
}

int dc_gpu_thermal_setup(dc_gpu_thermal *g, const dc_gpu_spec *spec,
			 const dc_cooling_chip *chip, double alpha,
			 dc_err *err)
{
	if (!spec || !chip)
		return dc_err_msg(err, DC_EINVAL, "gpu thermal: no spec or chip");
	if (!pos_finite(chip->r_th) || !nonneg_finite(chip->k_rise) ||
	    !pos_finite(chip->tau))
		return dc_err_msg(err, DC_EINVAL, "gpu thermal: chip R %g K/W, tau "
			    "%g s must be > 0", chip->r_th, chip->tau);
	if (!(spec->p_idle < spec->p_min_cap && spec->p_min_cap <= spec->tdp))
		return dc_err_msg(err, DC_EINVAL, "gpu thermal %s: need idle < min "
			    "cap <= TDP", spec->name);
	dc_gpu_thermal t = {
		.r = chip->r_th + chip->k_rise,
		.c = chip->tau / chip->r_th,
		.p_idle = spec->p_idle,
		.alpha = alpha > 0 ? alpha : DC_GPU_ALPHA_DEFAULT,
		.t_max_op = spec->t_max_op,
		.t_slowdown = spec->t_slowdown,
		.t_shutdown = spec->t_shutdown,
	};
	t.phi_min = 1.0;
	t.phi_min = dc_gpu_phi_for_power(&t, spec->tdp, spec->p_min_cap);
	if (!gpu_ok(&t))
		return dc_err_msg(err, DC_EINVAL, "gpu thermal %s: invalid model",
			    spec->name);
	*g = t;
	return DC_OK;
}

double dc_gpu_power_at(const dc_gpu_thermal *g, double p_full, double phi)
{
	if (p_full <= g->p_idle)
		return p_full;
	return g->p_idle + (p_full - g->p_idle) * pow(phi, g->alpha);
}

double dc_gpu_full_at(const dc_gpu_thermal *g, double p, double phi)
{
	if (p <= g->p_idle || !(phi > 0 && phi < 1))
		return p;
	return g->p_idle + (p - g->p_idle) / pow(phi, g->alpha);
}

double dc_gpu_phi_for_power(const dc_gpu_thermal *g, double p_full,
			    double p_target)
{
	if (p_full <= g->p_idle)
		return 1.0;
	double x = (p_target - g->p_idle) / (p_full - g->p_idle);
	if (x <= 0)
		return 0.0;
	if (x >= 1)
		return 1.0;
	return pow(x, 1.0 / g->alpha);
}

static void set_out(const dc_gpu_thermal *g, double p_full, double t_cool,
		    double phi, dc_gpu_state st, dc_throttle_out *o)
{
	o->phi = phi;
	o->power = dc_gpu_power_at(g, p_full, phi);
	o->t_ss = t_cool + g->r * o->power;
	o->state = st;
}

int dc_gpu_throttle(const dc_gpu_thermal *g, double p_demand_full_clock,
		    double t_cool_K, dc_throttle_out *o)
{
	double pf = p_demand_full_clock;
	if (!gpu_ok(g) || !nonneg_finite(pf) || !pos_finite(t_cool_K))
		return DC_EINVAL;
	if (t_cool_K + g->r * pf <= g->t_max_op) {
		set_out(g, pf, t_cool_K, 1.0, DC_GPU_NORMAL, o);
		return DC_OK;
	}
	/* T_cool + r P(phi) = T_max_op, P(phi) = idle + dyn phi^alpha */
	double phi = dc_gpu_phi_for_power(g, pf, (g->t_max_op - t_cool_K) / g->r);
	if (phi >= g->phi_min && pf > g->p_idle) {
		set_out(g, pf, t_cool_K, phi, DC_GPU_THROTTLED, o);
		o->t_ss = g->t_max_op; /* exact by construction */
		return DC_OK;
	}
	dc_throttle_out t;
	set_out(g, pf, t_cool_K, g->phi_min, DC_GPU_AT_MIN, &t);
	if (t.t_ss > g->t_slowdown)
		set_out(g, pf, t_cool_K, g->phi_min / 2, DC_GPU_HW_SLOWDOWN, &t);
	if (t.t_ss > g->t_shutdown) {
		t.phi = t.power = 0;
		t.t_ss = t_cool_K;
		t.state = DC_GPU_SHUTDOWN;
	}
	*o = t;
	return DC_OK;
}

int dc_gpu_advance(const dc_gpu_thermal *g, double *t_j, double p,
		   double t_cool, double dt)
{
	if (!gpu_ok(g) || !nonneg_finite(p) || !nonneg_finite(dt) ||
	    !isfinite(t_cool) || !isfinite(*t_j))
		return DC_EINVAL;
	double tss = t_cool + g->r * p;
	*t_j = tss + (*t_j - tss) * exp(-dt / (g->r * g->c));
	return DC_OK;
}

int dc_gpu_time_to(const dc_gpu_thermal *g, double t0, double p,
		   double t_cool, double t_target, double *out)
{
	if (!gpu_ok(g) || !nonneg_finite(p) || !isfinite(t0) ||
	    !isfinite(t_cool) || !isfinite(t_target))
		return DC_EINVAL;
	double tss = t_cool + g->r * p;
	double a = t0 - tss, b = t_target - tss;
	if (t0 == t_target)
		*out = 0;
	else if (a == 0 || b == 0 || (a > 0) != (b > 0) || fabs(b) > fabs(a))
		*out = HUGE_VAL;
	else
		*out = g->r * g->c * log(a / b);
	return DC_OK;
}

/* --------------------------------------------------------- rack groups */

int dc_gpu_group_init(dc_gpu_group *grp, const dc_gpu_thermal *g, int64_t n,
		      double t0)
{
	if (!gpu_ok(g) || n < 0 || !pos_finite(t0))
		return DC_EINVAL;
	memset(grp, 0, sizeof *grp);
	grp->g = *g;
	grp->n = n;
	grp->t_j = t0;
	grp->phi = 1.0;
	grp->state = DC_GPU_NORMAL;
	return DC_OK;
}

/* Run GRP for DT at decision D, accumulating. */
static void group_run(dc_gpu_group *grp, const dc_throttle_out *d,
		      double t_cool, double dt)
{
	double n = (double)grp->n;
	(void)dc_gpu_advance(&grp->g, &grp->t_j, d->power, t_cool, dt);
	grp->energy += n * d->power * dt;
	if (d->state == DC_GPU_SHUTDOWN)
		grp->shutdown_gpu_s += n * dt;
	else if (d->phi < 1)
		grp->throttled_gpu_s += n * dt;
	grp->phi = d->phi;
	grp->power = n * d->power;
	grp->state = d->state;
}

int dc_gpu_group_step(dc_gpu_group *grp, double p_demand, double t_cool,
		      double dt, dc_throttle_out *o)
{
	dc_throttle_out d, full;
	if (!nonneg_finite(dt) ||
	    dc_gpu_throttle(&grp->g, p_demand, t_cool, &d))
		return DC_EINVAL;
	double t_hit = 0;
	if (d.state != DC_GPU_NORMAL && grp->t_j < grp->g.t_max_op) {
		set_out(&grp->g, p_demand, t_cool, 1.0, DC_GPU_NORMAL, &full);
		(void)dc_gpu_time_to(&grp->g, grp->t_j, full.power, t_cool,
				     grp->g.t_max_op, &t_hit);
		double first = GSL_MIN_DBL(t_hit, dt);
		group_run(grp, &full, t_cool, first);
		if (t_hit < dt)
			grp->t_j = grp->g.t_max_op; /* exact at the crossing */
		else
			d = full;
	}
	if (t_hit < dt)
		group_run(grp, &d, t_cool, dt - t_hit);
	if (o)
		*o = d;
	return DC_OK;
}
