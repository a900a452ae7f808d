/* hall.c - racks, their utilization profile and their power curve.
 *
 * Rack power follows Fan, Weber and Barroso (ISCA 2007; physics.md §4.3,
 * §5.2): P(u) = P_idle + (P_max - P_idle)(2u - u^r), r = 1.4.  The
 * utilization is constant, diurnal (a cosine with its peak at a given
 * hour), or an hourly series read from data/series/<name>.csv (columns
 * hour, utilization in 0..1), linearly interpolated and repeated. */
#include "hall.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_math.h>

#include "../sim/alloc.h"
#include "../sim/metrics.h"
#include "../sim/table.h"
#include "facility_phys.h"
#include "thermal.h"

enum { PROFILE_CONSTANT, PROFILE_DIURNAL, PROFILE_SERIES };
static const char *const profiles[] = {"constant", "diurnal", "series", NULL};

typedef struct hall_cfg {
	char *name;
	char *facility;        /* the facility feeding it ("" = the only one) */
	int64_t racks;
	double rack_power;     /* W at full utilization */
	double idle_fraction;  /* P_idle / P_max */
	double exponent;       /* r of the power curve */
	int profile;
	double utilization;    /* mean, 0..1 */
	double amplitude;      /* diurnal amplitude, 0..1 */
	double peak_hour;      /* hour of the diurnal maximum */
	char *series;          /* data/series/<name>.csv */
	const dc_table *table; /* the series, owned by the scenario */
	char *gpu;             /* accelerator model ("" = none modelled) */
	int64_t gpus;          /* accelerators per rack */
	int cooling;           /* dc_cooling_kind */
	double supply;         /* K: inlet air or facility water supply */
	double r_th;           /* K/W override, 0 = the kind's default */
	char *chip_profile;    /* GPU calibration profile (its thermal RC) */
	double rc_r_th, rc_tau; /* K/W, s from it; 0: none */
	double pw_idle, pw_max, pw_alpha; /* its power law, W; 0: none */
	const dc_gpu_spec *spec;
	char *envelope;        /* ASHRAE class the supply must respect */
	int cls;               /* dc_flex_class */
	int priority;          /* 0 low, 1 high (POLCA) */
} hall_cfg;

static const char *const classes[] = {"software_redundant", "cappable",
				      "non_redundant", NULL};
static const char *const priorities[] = {"low", "high", NULL};

static const char *const coolings[] = {"air", "cold_plate", "microfluidic",
				       NULL};

#define F(f) offsetof(hall_cfg, f)
static const dc_param hall_params[] = {
	{.key = "name", .type = DC_PT_STR, .off = F(name),
	 .help = "the hall's name (its entity in results)"},
	{.key = "facility", .type = DC_PT_STR, .off = F(facility),
	 .help = "name of the facility that feeds and cools it (default: the only one)"},
	{.key = "racks", .type = DC_PT_INT, .def = "1",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 1e6, .off = F(racks),
	 .help = "number of identical racks"},
	{.key = "rack_power", .type = DC_PT_QTY, .dim = DC_DIM_POWER,
	 .unit = "kW", .flags = DC_PF_REQUIRED | DC_PF_MIN_EXCL, .min = 0,
	 .off = F(rack_power), .help = "IT power of one rack at full load"},
	{.key = "idle_fraction", .type = DC_PT_QTY, .dim = DC_DIM_NONE,
	 .unit = "%", .def = "30 %", .flags = DC_PF_MIN | DC_PF_MAX, .min = 0,
	 .max = 1, .off = F(idle_fraction),
	 .help = "idle power as a share of full-load power"},
	{.key = "curve_exponent", .type = DC_PT_REAL, .def = "1.4",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 3,
	 .off = F(exponent),
	 .help = "r in P = P_idle + (P_max - P_idle)(2u - u^r) (Fan et al. 2007)"},
	{.key = "profile", .type = DC_PT_ENUM, .def = "constant",
	 .choices = profiles, .off = F(profile),
	 .help = "utilization over time"},
	{.key = "utilization", .type = DC_PT_QTY, .dim = DC_DIM_NONE,
	 .unit = "%", .def = "60 %", .flags = DC_PF_MIN | DC_PF_MAX, .min = 0,
	 .max = 1, .off = F(utilization), .help = "mean utilization"},
	{.key = "amplitude", .type = DC_PT_QTY, .dim = DC_DIM_NONE,
	 .unit = "%", .def = "0 %", .flags = DC_PF_MIN | DC_PF_MAX, .min = 0,
	 .max = 1, .off = F(amplitude),
	 .help = "diurnal swing around the mean (profile: diurnal)"},
	{.key = "peak_hour", .type = DC_PT_REAL, .def = "15",
	 .flags = DC_PF_MIN | DC_PF_MAX_EXCL, .min = 0, .max = 24,
	 .off = F(peak_hour), .help = "hour of the daily peak (profile: diurnal)"},
	{.key = "series", .type = DC_PT_STR, .off = F(series),
	 .help = "data/series/<name>.csv with columns hour,utilization (profile: series)"},
	{.key = "gpu", .type = DC_PT_STR, .off = F(gpu),
	 .help = "accelerator whose junction is modelled: h100, h200, a100 (none: no chip thermals)"},
	{.key = "gpus_per_rack", .type = DC_PT_INT, .def = "0",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 1024, .off = F(gpus),
	 .help = "accelerators per rack (their power is part of rack_power)"},
	{.key = "cooling", .type = DC_PT_ENUM, .def = "air", .choices = coolings,
	 .off = F(cooling), .help = "how the accelerators are cooled"},
	{.key = "supply_temperature", .type = DC_PT_QTY,
	 .dim = DC_DIM_TEMPERATURE, .unit = "C", .def = "27 C",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 273.15, .max = 273.15 + 60,
	 .off = F(supply),
	 .help = "inlet air (air) or facility water supply (liquid kinds)"},
	{.key = "envelope", .type = DC_PT_STR, .off = F(envelope),
	 .help = "ASHRAE class of the supply (A1-A4, W17-W45, W+); default A2 for air, W45 for liquid (LBNL 2024 Table 4.3)"},
	{.key = "class", .type = DC_PT_ENUM, .def = "non_redundant",
	 .choices = classes, .off = F(cls),
	 .help = "power-loss class: may be shut (software_redundant), capped, or neither"},
	{.key = "priority", .type = DC_PT_ENUM, .def = "high",
	 .choices = priorities, .off = F(priority),
	 .help = "POLCA priority: low-priority work is capped first"},
	{.key = "thermal_resistance", .type = DC_PT_QTY, .dim = DC_DIM_THERMRES,
	 .unit = "K/W", .def = "0 K/W", .flags = DC_PF_MIN | DC_PF_MAX,
	 .min = 0, .max = 10, .off = F(r_th),
	 .help = "junction to coolant; 0: the cooling kind's default (physics.md §2.1)"},
	{.key = "chip_profile", .type = DC_PT_STR, .off = F(chip_profile),
	 .help = "GPU profile under data/calibration/ (dcsim calibrate --gpu; "
		 "without .csv) whose measured thermal RC (R_th junction to "
		 "coolant, tau) replaces the cooling kind's defaults, and "
		 "whose power law P(u), when fitted, the catalog's"},
};
static const dc_pset hall_pset = {"halls", hall_params,
				  DC_ARRAY_LEN(hall_params),
				  "a hall of identical racks"};

enum { M_POWER, M_GPU_POWER, M_CLOCK, M_TJ, M_MOVERS, M_THROTTLED,
       M_SHUTDOWN, M_COUNT };

struct dc_hall {
	hall_cfg cfg;
	const char *name;
	int col_hour, col_u;
	int has_gpu;
	dc_cooling_cfg cool;
	dc_cooling_chip chip;
	dc_gpu_group grp;
	double movers;         /* W, coolant pumps / fans of the chips */
	double cap_phi;        /* clock ceiling set by power control, 0..1 */
	double phi;            /* thermal clock ratio at the end of the last
				  step (1 before any) */
	dc_hall_load_fn load;  /* a workload driving the accelerators */
	void *load_ctx;
	double shed;           /* share of racks switched off, 0..1 */
	dc_metrics *m;
	int mid[M_COUNT];
	dc_time warmup;
	double thr0, shut0;    /* GPU-seconds at warmup */
};

const char *dc_hall_cfg_facility(const void *cfgp)
{
	const hall_cfg *c = cfgp;
	return c->facility ? c->facility : "";
}

const char *dc_hall_facility(const dc_hall *h)
{
	return dc_hall_cfg_facility(&h->cfg);
}

double dc_hall_cfg_gpus(const void *cfgp)
{
	const hall_cfg *c = cfgp;
	return c->spec ? (double)(c->racks * c->gpus) : 0;
}

double dc_hall_cfg_racks(const void *cfgp)
{
	return (double)((const hall_cfg *)cfgp)->racks;
}

double dc_hall_cfg_peak(const void *cfgp)
{
	const hall_cfg *c = cfgp;
	return (double)c->racks * c->rack_power;
}

/* The accelerator: known model, and its boards fit in the rack's power. */
static int resolve_gpu(hall_cfg *c, const dc_scenario *sc, const char *path,
		       dc_err *err)
{
	char key[160];
	c->spec = NULL;
	if ((!c->gpu || !*c->gpu) && c->gpus == 0)
		return DC_OK;
	snprintf(key, sizeof key, "%s.gpu", path);
	if (!c->gpu || !*c->gpu)
		return dc_err_key(err, DC_EINVAL, sc->file, key,
				  "gpus_per_rack is set: name the accelerator "
				  "(h100, h200, a100)");
	c->spec = dc_gpu_spec_find(c->gpu);
	if (!c->spec)
		return dc_err_key(err, DC_EINVAL, sc->file, key,
				  "unknown accelerator '%s' (h100, h200, a100)",
				  c->gpu);
	if (c->gpus == 0)
		return dc_err_key(err, DC_EINVAL, sc->file, key,
				  "gpus_per_rack must be at least 1 with a gpu");
	double boards = (double)c->gpus * c->spec->tdp;
	snprintf(key, sizeof key, "%s.rack_power", path);
	if (boards > c->rack_power)
		return dc_err_key(err, DC_EINVAL, sc->file, key,
				  "%lld x %s at %.0f W need %.6g kW, more than "
				  "the rack's %.6g kW", (long long)c->gpus,
				  c->gpu, c->spec->tdp, boards / 1e3,
				  c->rack_power / 1e3);
	return DC_OK;
}

/* The supply temperature against its ASHRAE envelope (physics.md §2.5):
 * outside the allowable range is an error, outside the recommended one a
 * warning. */
static int check_envelope(const hall_cfg *c, const dc_scenario *sc,
			  const char *path, dc_err *err)
{
	const char *cls = c->envelope && *c->envelope
				  ? c->envelope
				  : c->cooling == DC_COOL_AIR ? "A2" : "W45";
	char key[160];
	int allow = 1, rec = 1;
	snprintf(key, sizeof key, "%s.envelope", path);
	if (dc_ashrae_check(cls, c->supply, &allow, &rec, NULL))
		return dc_err_key(err, DC_EINVAL, sc->file, key,
				  "unknown ASHRAE class '%s' (A1-A4, W17, W27, "
				  "W32, W40, W45, W+)", cls);
	snprintf(key, sizeof key, "%s.supply_temperature", path);
	if (!allow)
		return dc_err_key(err, DC_EINVAL, sc->file, key,
				  "%.1f C is outside the allowable range of "
				  "ASHRAE %s", c->supply - 273.15, cls);
	if (!rec)
		dc_err_warn(err, "%s: %s: %.1f C is outside the recommended "
			    "range of ASHRAE %s", sc->file, key,
			    c->supply - 273.15, cls);
	return DC_OK;
}

/* A number from the '# KEY: value' line of profile T, > 0. */
static int meta_pos(const dc_table *t, const char *key, double *v,
		    const dc_scenario *sc, const char *path, dc_err *err)
{
	const char *s = dc_table_meta(t, key, NULL);
	char *end = NULL;
	*v = s ? strtod(s, &end) : NAN;
	if (s && end != s && !*end && *v > 0 && isfinite(*v))
		return DC_OK;
	return dc_err_key(err, DC_EINVAL, sc->file, path, "%s: needs a "
			  "positive '# %s:' line (a thermal-RC fit by dcsim "
			  "calibrate --gpu), got %s", dc_table_name(t), key,
			  s ? s : "none");
}

/* chip_profile: the measured R_th and tau of a GPU profile. */
static int resolve_chip_profile(hall_cfg *c, const dc_scenario *sc,
				const char *path, dc_err *err)
{
	char key[160], name[300];
	c->rc_r_th = c->rc_tau = 0;
	if (!c->chip_profile || !*c->chip_profile)
		return DC_OK;
	snprintf(key, sizeof key, "%s.chip_profile", path);
	if (!c->spec)
		return dc_err_key(err, DC_EINVAL, sc->file, key, "a chip "
				  "profile needs accelerators (gpu, "
				  "gpus_per_rack)");
	snprintf(name, sizeof name, "calibration/%s", c->chip_profile);
	const dc_table *t = dc_scenario_catalog(sc, name, err);
	if (!t)
		return dc_err_key(err, DC_EINVAL, sc->file, key, "cannot read "
				  "profile '%s'", c->chip_profile);
	int rc = meta_pos(t, "gpu_rc_r_th_k_per_w", &c->rc_r_th, sc, key, err);
	if (!rc)
		rc = meta_pos(t, "gpu_rc_tau_s", &c->rc_tau, sc, key, err);
	c->pw_idle = c->pw_max = c->pw_alpha = 0;
	if (rc || !dc_table_meta(t, "gpu_power_p_max_w", NULL))
		return rc; /* the power law is optional */
	rc = meta_pos(t, "gpu_power_p_idle_w", &c->pw_idle, sc, key, err);
	if (!rc)
		rc = meta_pos(t, "gpu_power_p_max_w", &c->pw_max, sc, key, err);
	if (!rc)
		rc = meta_pos(t, "gpu_power_alpha", &c->pw_alpha, sc, key, err);
	if (!rc && !(c->pw_max > c->pw_idle))
		rc = dc_err_key(err, DC_EINVAL, sc->file, key, "%s: P_max %g W "
				"must exceed P_idle %g W", dc_table_name(t),
				c->pw_max, c->pw_idle);
	return rc;
}

static int hall_resolve(void *cfgp, dc_src *src, const dc_scenario *sc,
			const char *path, dc_err *err)
{
	hall_cfg *c = cfgp;
	int rc = resolve_gpu(c, sc, path, err);
	if (!rc)
		rc = resolve_chip_profile(c, sc, path, err);
	if (!rc && c->spec)
		rc = check_envelope(c, sc, path, err);
	if (rc || c->profile != PROFILE_SERIES)
		return rc;
	if (!c->series || !c->series[0])
		return dc_err_key(err, DC_EINVAL, sc->file, path,
				  "profile: series needs 'series: <name>' "
				  "(data/series/<name>.csv)");
	char name[256];
	snprintf(name, sizeof name, "series/%s", c->series);
	c->table = dc_scenario_catalog(sc, name, err);
	if (!c->table)
		return DC_EINVAL;
	if (dc_table_col(c->table, "hour") < 0 ||
	    dc_table_col(c->table, "utilization") < 0)
		return dc_err_key(err, DC_EINVAL, sc->file, path,
				  "series %s needs columns 'hour' and "
				  "'utilization'", c->series);
	return DC_OK;
}

/* Chips of the hall: their cooling, thermal model and group state. */
static int setup_gpus(dc_hall *h, dc_err *err)
{
	const hall_cfg *c = &h->cfg;
	dc_gpu_thermal g;
	int rc = dc_cooling_defaults(&h->cool, err);
	h->cool.kind = c->cooling;
	h->cool.supply_temp = c->supply;
	h->cool.r_th = c->r_th;
	if (!rc)
		rc = dc_cooling_resolve(&h->cool, c->spec->tdp, &h->chip, err);
	if (!rc && c->rc_r_th > 0) {
		/* the measured R_th is junction to the coolant as it enters
		 * (the fit's T_ref): the model's coolant rise along the
		 * plate is part of it */
		h->chip.r_th = GSL_MAX(c->rc_r_th - h->chip.k_rise, 1e-6);
		h->chip.tau = c->rc_tau;
	}
	if (!rc)
		rc = dc_gpu_thermal_setup(&g, c->spec, &h->chip, 0, err);
	if (!rc && c->pw_max > 0)
		g.p_idle = c->pw_idle; /* the DVFS law's floor, measured */
	int64_t n = c->racks * c->gpus;
	if (!rc)
		rc = dc_gpu_group_init(&h->grp, &g, n, h->chip.t_base);
	if (!rc)
		rc = dc_cooling_group_mover_power(&h->cool, &h->chip, n,
						  &h->movers);
	h->has_gpu = !rc;
	return rc ? dc_err_msg(err, DC_EINVAL, "hall %s: cannot set up its "
			       "accelerators' cooling", h->name)
		  : DC_OK;
}

static int hall_create(const void *cfgp, const char *entity, uint32_t stream,
		       void **self, dc_err *err)
{
	dc_hall *h = dc_calloc(1, sizeof *h);
	if (!h)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	h->cfg = *(const hall_cfg *)cfgp;
	h->name = entity;
	h->cap_phi = 1;
	h->phi = 1;
	int rc = h->cfg.spec ? setup_gpus(h, err) : DC_OK;
	if (rc) {
		dc_free(h);
		return rc;
	}
	if (h->cfg.table) {
		h->col_hour = dc_table_col(h->cfg.table, "hour");
		h->col_u = dc_table_col(h->cfg.table, "utilization");
	}
	*self = h;
	return DC_OK;
}

static void hall_destroy(void *self) { dc_free(self); }

/* Utilization from the hourly series, interpolated, repeating. */
static double series_u(const dc_hall *h, double hours)
{
	size_t n = dc_table_rows(h->cfg.table);
	if (n == 0)
		return 0;
	double span = (double)n;
	double x = fmod(hours, span);
	size_t i = (size_t)x;
	double w = x - (double)i;
	double a = 0, b = 0;
	dc_table_num(h->cfg.table, i, h->col_u, &a, NULL);
	dc_table_num(h->cfg.table, (i + 1) % n, h->col_u, &b, NULL);
	return a + w * (b - a);
}

static double utilization(const dc_hall *h, dc_time t)
{
	double hours = dc_time_to_s(t) / 3600.0;
	double u = h->cfg.utilization;
	if (h->cfg.profile == PROFILE_DIURNAL)
		u += h->cfg.amplitude *
		     cos(2 * M_PI * (hours - h->cfg.peak_hour) / 24.0);
	else if (h->cfg.profile == PROFILE_SERIES)
		u = series_u(h, hours);
	return u < 0 ? 0 : u > 1 ? 1 : u;
}

/* Power of one rack's non-accelerator part (or the whole rack without
 * modelled accelerators) at utilization U. */
static double rest_power(const dc_hall *h, double u)
{
	double pmax = h->cfg.rack_power;
	if (h->has_gpu)
		pmax -= (double)h->cfg.gpus * h->cfg.spec->tdp;
	return dc_server_power(h->cfg.idle_fraction * pmax, pmax, u,
			       h->cfg.exponent);
}

/* One accelerator's draw at utilization U: the chip profile's measured
 * law P_idle + (P_max - P_idle) u^alpha when it has one, else the server
 * curve between the catalog's idle power and TDP. */
static double gpu_power_u(const dc_hall *h, double u)
{
	const hall_cfg *c = &h->cfg;
	if (c->pw_max > 0) {
		u = u < 0 ? 0 : u > 1 ? 1 : u;
		return c->pw_idle + (c->pw_max - c->pw_idle) *
					    pow(u, c->pw_alpha);
	}
	return dc_server_power(c->spec->p_idle, c->spec->tdp, u, c->exponent);
}

double dc_hall_demand(const dc_hall *h, dc_time t)
{
	double u = utilization(h, t);
	double p = rest_power(h, u);
	if (h->has_gpu)
		p += (double)h->cfg.gpus * gpu_power_u(h, u);
	return (double)h->cfg.racks * p;
}

double dc_hall_power(const dc_hall *h, dc_time t)
{
	return (1 - h->shed) * dc_hall_demand(h, t);
}

/* Demand of one GPU under the clock ceiling, as full-clock demand for the
 * thermal controller: at utilization U, or from the attached workload's
 * mean draw per accelerator over the span.  The workload ran at the clock
 * the hall gave it (thermal phi x ceiling), so its draw is first brought
 * back to full clock by the same DVFS law (physics.md 4.2) that the
 * workload's power model follows; at steady state the hall's draw then
 * equals the workload's. */
static double gpu_demand(const dc_hall *h, double u, dc_time t, dc_time span)
{
	double p;
	if (h->load) {
		double n = (double)(h->cfg.racks * h->cfg.gpus);
		p = dc_gpu_full_at(&h->grp.g, h->load(h->load_ctx, t, t + span) / n,
				   h->phi * h->cap_phi);
	} else {
		p = gpu_power_u(h, u);
	}
	return h->cap_phi < 1 ? dc_gpu_power_at(&h->grp.g, p, h->cap_phi) : p;
}

/* A clock ceiling lowers the dynamic part of the non-accelerator power
 * the same way (DVFS, physics.md §4.2: P = P_idle + (P - P_idle) phi^a). */
static double capped(const dc_hall *h, double p, double p_idle)
{
	if (h->cap_phi >= 1 || p <= p_idle)
		return p;
	return p_idle + (p - p_idle) * pow(h->cap_phi, DC_GPU_ALPHA_DEFAULT);
}

double dc_hall_step(dc_hall *h, dc_time t, dc_time span)
{
	double u = utilization(h, t + span / 2);
	double on = (1 - h->shed) * (double)h->cfg.racks;
	double rest1 = rest_power(h, u);
	double rest = on * capped(h, rest1, rest_power(h, 0));
	if (!h->has_gpu) {
		dc_metrics_level(h->m, h->mid[M_POWER], t, rest);
		return rest;
	}
	double e0 = h->grp.energy, dt = dc_time_to_s(span);
	dc_throttle_out o;
	if (dt > 0 && dc_gpu_group_step(&h->grp, gpu_demand(h, u, t, span),
					h->chip.t_base, dt, &o) == DC_OK) {
		h->phi = o.phi;
		dc_metrics_obs(h->m, h->mid[M_TJ], t, h->grp.t_j);
		/* the clock: the power-control ceiling times thermal throttling */
		dc_metrics_level(h->m, h->mid[M_CLOCK], t, o.phi * h->cap_phi);
	}
	/* the group's exact energy over the span, shared by racks that are on */
	double gpu = dt > 0 ? (1 - h->shed) * (h->grp.energy - e0) / dt : 0;
	dc_metrics_level(h->m, h->mid[M_GPU_POWER], t, gpu);
	dc_metrics_level(h->m, h->mid[M_POWER], t, rest + gpu);
	dc_metrics_level(h->m, h->mid[M_MOVERS], t, dc_hall_movers(h));
	if (t <= h->warmup) {
		h->thr0 = h->grp.throttled_gpu_s;
		h->shut0 = h->grp.shutdown_gpu_s;
	}
	return rest + gpu;
}

double dc_hall_movers(const dc_hall *h)
{
	/* air: the movers are the servers' own fans, part of rack_power */
	if (!h->has_gpu || h->cfg.cooling == DC_COOL_AIR)
		return 0;
	return (1 - h->shed) * h->movers;
}

void dc_hall_control(dc_hall *h, double cap_phi, double shed)
{
	h->cap_phi = cap_phi;
	h->shed = shed;
}

double dc_hall_cap(const dc_hall *h) { return h->cap_phi; }

double dc_hall_clock(const dc_hall *h)
{
	double phi = h->has_gpu ? h->phi : 1;
	return h->shed >= 1 ? 0 : phi * h->cap_phi;
}

int dc_hall_attach(dc_hall *h, dc_hall_load_fn fn, void *ctx)
{
	if (!h->has_gpu)
		return DC_EINVAL;
	h->load = fn;
	h->load_ctx = ctx;
	return DC_OK;
}

const char *dc_hall_gpu(const dc_hall *h)
{
	return h->has_gpu ? h->cfg.gpu : NULL;
}
double dc_hall_shed(const dc_hall *h) { return h->shed; }
int dc_hall_class(const dc_hall *h) { return h->cfg.cls; }
int dc_hall_low_priority(const dc_hall *h) { return h->cfg.priority == 0; }
double dc_hall_racks(const dc_hall *h) { return (double)h->cfg.racks; }

double dc_hall_gpus(const dc_hall *h)
{
	return h->has_gpu ? (double)(h->cfg.racks * h->cfg.gpus) : 0;
}

void dc_hall_flex_group(const dc_hall *h, dc_time t, dc_flex_group *g)
{
	double on = (1 - h->shed) * (double)h->cfg.racks;
	double idle = rest_power(h, 0);
	if (h->has_gpu)
		idle += (double)h->cfg.gpus * gpu_power_u(h, 0);
	*g = (dc_flex_group){
		.power = dc_hall_power(h, t),
		.cls = h->cfg.cls,
		.p_idle = on * idle,
		.alpha = DC_GPU_ALPHA_DEFAULT,
		.phi_min = h->has_gpu ? h->grp.g.phi_min : 0.5,
	};
	if (g->p_idle > g->power)
		g->p_idle = g->power;
}

double dc_hall_peak(const dc_hall *h) { return dc_hall_cfg_peak(&h->cfg); }
const char *dc_hall_name(const dc_hall *h) { return h->name; }

static int hall_init(void *self, dc_sim *sim, dc_err *err)
{
	static const struct { int id; const char *name, *unit, *help;
			      dc_metric_kind k; int gpu; } d[] = {
		{M_POWER, "hall.it_power", "kW", "IT power", DC_METRIC_LEVEL, 0},
		{M_GPU_POWER, "hall.gpu_power", "kW", "accelerator power",
		 DC_METRIC_LEVEL, 1},
		{M_CLOCK, "hall.gpu_clock", "%", "accelerator clock ratio",
		 DC_METRIC_LEVEL, 1},
		{M_TJ, "hall.junction_temperature", "C",
		 "accelerator junction at the end of each physics step",
		 DC_METRIC_OBS, 1},
		{M_MOVERS, "hall.coolant_movers", "kW",
		 "chip coolant pumps or fans outside the servers", DC_METRIC_LEVEL, 1},
		{M_THROTTLED, "hall.throttled_gpu_hours", "h",
		 "accelerator-hours run below full clock for heat", DC_METRIC_OBS, 1},
		{M_SHUTDOWN, "hall.shutdown_gpu_hours", "h",
		 "accelerator-hours in protective shutdown", DC_METRIC_OBS, 1},
	};
	dc_hall *h = self;
	h->m = dc_sim_metrics(sim);
	h->warmup = dc_sim_config(sim)->warmup;
	for (size_t i = 0; h->m && i < DC_ARRAY_LEN(d); i++) {
		if (d[i].gpu && !h->has_gpu)
			continue;
		int rc = dc_metrics_declare(h->m, d[i].name, h->name, d[i].unit,
					    d[i].k, d[i].help, &h->mid[d[i].id],
					    err);
		if (rc)
			return rc;
	}
	return h->m ? DC_OK : dc_err_msg(err, DC_EINVAL, "hall needs metrics");
}

/* A hall has no events of its own: the facility steps it. */
static int hall_handle(void *self, dc_sim *sim, const dc_event *ev)
{
	return DC_OK;
}

static int hall_finish(void *self, dc_sim *sim, dc_err *err)
{
	dc_hall *h = self;
	if (!h->has_gpu)
		return DC_OK;
	dc_time now = dc_sim_now(sim);
	dc_metrics_obs(h->m, h->mid[M_THROTTLED], now,
		       h->grp.throttled_gpu_s - h->thr0);
	dc_metrics_obs(h->m, h->mid[M_SHUTDOWN], now,
		       h->grp.shutdown_gpu_s - h->shut0);
	return DC_OK;
}

static const dc_model_ops hall_ops = {"hall", hall_init, hall_handle,
				      hall_finish};

const dc_component_kind dc_hall_kind = {
	.key = "halls",
	.help = "halls of identical racks with a utilization profile",
	.params = &hall_pset,
	.cfg_size = sizeof(hall_cfg),
	.multi = 1,
	.ops = &hall_ops,
	.resolve = hall_resolve,
	.create = hall_create,
	.destroy = hall_destroy,
};
