/* power.c - the supply side: feeds, UPS, backup, outages, grid carbon. */
#include "power.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "../sim/alloc.h"
#include "../sim/table.h"

/* ---- sections holding a configuration only ---- */

/* The instance of a configuration-only section is a copy of its config. */
static int copy_create(const void *cfg, size_t n, void **self, dc_err *err)
{
	void *c = dc_malloc(n);
	if (!c)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	memcpy(c, cfg, n);
	*self = c;
	return DC_OK;
}

static int ups_create(const void *cfg, const char *e, uint32_t s, void **self,
		      dc_err *err)
{
	return copy_create(cfg, sizeof(dc_ups_cfg), self, err);
}

static int backup_create(const void *cfg, const char *e, uint32_t s,
			 void **self, dc_err *err)
{
	return copy_create(cfg, sizeof(dc_backup_cfg), self, err);
}

static int flex_create(const void *cfg, const char *e, uint32_t s, void **self,
		       dc_err *err)
{
	return copy_create(cfg, sizeof(dc_flex_cfg), self, err);
}

static void plain_destroy(void *self) { dc_free(self); }

static int no_events(void *self, dc_sim *sim, const dc_event *ev)
{
	return DC_OK;
}

static const dc_model_ops cfg_ops = {"config", NULL, no_events, NULL};

static int backup_check(const void *cfg, const char *file, const char *path,
			dc_err *err)
{
	return dc_backup_check(cfg, file, path, err);
}

static int flex_check(const void *cfg, const char *file, const char *path,
		      dc_err *err)
{
	return dc_flex_check(cfg, file, path, err);
}

const dc_component_kind dc_ups_kind = {
	.key = "ups", .help = "the UPS battery that bridges to backup",
	.params = &dc_ups_pset, .cfg_size = sizeof(dc_ups_cfg),
	.ops = &cfg_ops, .create = ups_create, .destroy = plain_destroy,
};

const dc_component_kind dc_backup_kind = {
	.key = "backup", .help = "backup generation: PEM fuel cells or diesel",
	.params = &dc_backup_pset, .cfg_size = sizeof(dc_backup_cfg),
	.ops = &cfg_ops, .check = backup_check, .create = backup_create,
	.destroy = plain_destroy,
};

const dc_component_kind dc_flex_kind = {
	.key = "flex",
	.help = "utility feeds xN/y and flexible-capacity power control",
	.params = &dc_flex_pset, .cfg_size = sizeof(dc_flex_cfg),
	.ops = &cfg_ops, .check = flex_check, .create = flex_create,
	.destroy = plain_destroy,
};

/* ---- grid: carbon ---- */

typedef struct grid_cfg {
	double intensity;       /* kg/J */
	char *series;           /* data/series/<name>.csv: hour,g_per_kwh */
	const dc_table *table;
	double rack_embodied;   /* kg per rack */
	dc_time rack_life;
	double battery_embodied;/* kg per J of battery */
	dc_time battery_life;
} grid_cfg;

#define G(f) offsetof(grid_cfg, f)
static const dc_param grid_params[] = {
	{.key = "carbon_intensity", .type = DC_PT_QTY,
	 .dim = DC_DIM_MASS_PER_ENERGY, .unit = "g/kWh",
	 .flags = DC_PF_REQUIRED | DC_PF_MIN | DC_PF_MAX, .min = 0,
	 .max = 2e-6 /* 7,200 g/kWh */, .off = G(intensity),
	 .help = "grid emissions per kWh (used when no series is given)"},
	{.key = "intensity_series", .type = DC_PT_STR, .off = G(series),
	 .help = "data/series/<name>.csv with columns hour,g_per_kwh (hourly, repeating)"},
	{.key = "rack_embodied", .type = DC_PT_QTY, .dim = DC_DIM_MASS,
	 .unit = "kg", .def = "0 kg", .flags = DC_PF_MIN, .min = 0,
	 .off = G(rack_embodied),
	 .help = "embodied CO2e of one rack of IT (0: not counted)"},
	{.key = "rack_lifetime", .type = DC_PT_TIME, .unit = "d",
	 .def = "1826 d", .flags = DC_PF_MIN_EXCL, .min = 0,
	 .off = G(rack_life), .help = "IT amortisation period (5 years)"},
	{.key = "battery_embodied", .type = DC_PT_QTY,
	 .dim = DC_DIM_MASS_PER_ENERGY, .unit = "kg/kWh", .def = "0 kg/kWh",
	 .flags = DC_PF_MIN, .min = 0, .off = G(battery_embodied),
	 .help = "embodied CO2e per kWh of UPS battery (0: not counted)"},
	{.key = "battery_lifetime", .type = DC_PT_TIME, .unit = "d",
	 .def = "3652 d", .flags = DC_PF_MIN_EXCL, .min = 0,
	 .off = G(battery_life), .help = "battery amortisation period (10 years)"},
};
static const dc_pset grid_pset = {"grid", grid_params,
				  DC_ARRAY_LEN(grid_params),
				  "grid carbon intensity and embodied carbon"};

static int grid_resolve(void *cfgp, dc_src *src, const dc_scenario *sc,
			const char *path, dc_err *err)
{
	grid_cfg *c = cfgp;
	if (!c->series || !*c->series)
		return DC_OK;
	char name[256];
	snprintf(name, sizeof name, "series/%s", c->series);
	c->table = dc_scenario_catalog(sc, name, err);
	if (!c->table)
		return DC_EINVAL;
	if (dc_table_col(c->table, "hour") < 0 ||
	    dc_table_col(c->table, "g_per_kwh") < 0 ||
	    dc_table_rows(c->table) == 0)
		return dc_err_key(err, DC_EINVAL, sc->file, path,
				  "series %s needs rows with columns 'hour' "
				  "and 'g_per_kwh'", c->series);
	return DC_OK;
}

static int grid_create(const void *cfg, const char *e, uint32_t s,
		       void **self, dc_err *err)
{
	return copy_create(cfg, sizeof(grid_cfg), self, err);
}

const dc_component_kind dc_grid_kind = {
	.key = "grid", .help = "grid carbon intensity and embodied carbon",
	.params = &grid_pset, .cfg_size = sizeof(grid_cfg), .ops = &cfg_ops,
	.resolve = grid_resolve, .create = grid_create,
	.destroy = plain_destroy,
};

/* kg/J at T seconds: the series interpolated hourly, or the constant. */
static double grid_intensity(const grid_cfg *g, double t)
{
	if (!g->table)
		return g->intensity;
	size_t n = dc_table_rows(g->table);
	int col = dc_table_col(g->table, "g_per_kwh");
	double h = fmod(t / 3600.0, (double)n);
	size_t i = (size_t)h;
	double a = 0, b = 0;
	dc_table_num(g->table, i % n, (size_t)col, &a, NULL);
	dc_table_num(g->table, (i + 1) % n, (size_t)col, &b, NULL);
	return (a + (h - (double)i) * (b - a)) * 1e-3 / 3.6e6;
}

/* ---- outages ---- */

typedef struct outage_cfg {
	dc_time at, duration;   /* scheduled: start and length */
	dc_time mtbf, mttr;     /* stochastic: mean time between / to repair */
	int64_t feeds;          /* feeds lost; 0 = all */
} outage_cfg;

#define O(f) offsetof(outage_cfg, f)
static const dc_param outage_params[] = {
	{.key = "at", .type = DC_PT_TIME, .unit = "h", .def = "0 s",
	 .flags = DC_PF_MIN, .min = 0, .off = O(at),
	 .help = "start of a scheduled outage"},
	{.key = "duration", .type = DC_PT_TIME, .unit = "h", .def = "0 s",
	 .flags = DC_PF_MIN, .min = 0, .off = O(duration),
	 .help = "length of a scheduled outage"},
	{.key = "mtbf", .type = DC_PT_TIME, .unit = "h", .def = "0 s",
	 .flags = DC_PF_MIN, .min = 0, .off = O(mtbf),
	 .help = "stochastic outages: mean time between failures (0: scheduled)"},
	{.key = "mttr", .type = DC_PT_TIME, .unit = "h", .def = "4 h",
	 .flags = DC_PF_MIN_EXCL, .min = 0, .off = O(mttr),
	 .help = "stochastic outages: mean time to repair"},
	{.key = "feeds", .type = DC_PT_INT, .def = "0",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 64, .off = O(feeds),
	 .help = "utility feeds lost (0: all of them)"},
};
static const dc_pset outage_pset = {"outages", outage_params,
				    DC_ARRAY_LEN(outage_params),
				    "utility outages"};

static int outage_check(const void *cfgp, const char *file, const char *path,
			dc_err *err)
{
	const outage_cfg *c = cfgp;
	if (c->mtbf == 0 && c->duration == 0)
		return dc_err_key(err, DC_EINVAL, file, path,
				  "give a duration (scheduled) or an mtbf "
				  "(stochastic)");
	return DC_OK;
}

enum { EV_START, EV_END };

typedef struct outage {
	outage_cfg cfg;
	uint32_t id;
	gsl_rng *r;
	dc_outage_fn fn;
	void *ctx;
} outage;

static int outage_create(const void *cfg, const char *e, uint32_t s,
			 void **self, dc_err *err)
{
	outage *o = dc_calloc(1, sizeof *o);
	if (!o)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	o->cfg = *(const outage_cfg *)cfg;
	o->id = s; /* stream base until init */
	*self = o;
	return DC_OK;
}

void dc_outage_listen(void *self, dc_outage_fn fn, void *ctx)
{
	outage *o = self;
	o->fn = fn;
	o->ctx = ctx;
}

static dc_time draw(gsl_rng *r, dc_time mean)
{
	return dc_time_from_s(gsl_ran_exponential(r, dc_time_to_s(mean)));
}

static int outage_init(void *self, dc_sim *sim, dc_err *err)
{
	outage *o = self;
	uint32_t stream = o->id;
	o->id = dc_sim_current(sim);
	if (o->cfg.mtbf == 0)
		return dc_sim_at(sim, o->cfg.at, o->id, EV_START, 0, NULL);
	o->r = dc_sim_rng(sim, stream);
	if (!o->r)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	return dc_sim_at(sim, o->cfg.at + draw(o->r, o->cfg.mtbf), o->id,
			 EV_START, 0, NULL);
}

static int outage_handle(void *self, dc_sim *sim, const dc_event *ev)
{
	outage *o = self;
	int all = o->cfg.feeds == 0;
	int n = all ? 1 : (int)o->cfg.feeds; /* with ALL only the sign counts */
	if (o->fn)
		o->fn(o->ctx, sim, ev->type == EV_START ? n : -n, all);
	if (ev->type == EV_START) {
		dc_time len = o->r ? draw(o->r, o->cfg.mttr) : o->cfg.duration;
		return dc_sim_after(sim, len, o->id, EV_END, 0, NULL);
	}
	if (o->r)
		return dc_sim_after(sim, draw(o->r, o->cfg.mtbf), o->id,
				    EV_START, 0, NULL);
	return DC_OK;
}

static const dc_model_ops outage_ops = {"outage", outage_init, outage_handle,
					NULL};

const dc_component_kind dc_outage_kind = {
	.key = "outages", .help = "utility outages, scheduled or stochastic",
	.params = &outage_pset, .cfg_size = sizeof(outage_cfg), .multi = 1,
	.ops = &outage_ops, .check = outage_check, .create = outage_create,
	.destroy = plain_destroy,
};

/* ---- the supply ---- */

struct dc_supply {
	int has_ups, kind;      /* kind: -1 none, else dc_backup_kind */
	dc_ups ups;
	double ups_energy;
	dc_pem_sys pem;
	dc_diesel diesel;
	const dc_flex_cfg *flex;
	const grid_cfg *grid;
	int feeds, lost;
};

int dc_supply_new(const dc_world *w, dc_supply **out, dc_err *err)
{
	dc_supply *s = dc_calloc(1, sizeof *s);
	if (!s)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	const dc_ups_cfg *u = dc_world_find(w, "ups", 0);
	const dc_backup_cfg *b = dc_world_find(w, "backup", 0);
	int rc = DC_OK;
	s->kind = -1; /* no backup */
	if (u) {
		s->has_ups = 1;
		s->ups_energy = u->energy;
		rc = dc_ups_init(&s->ups, u, err);
	}
	if (!rc && b) {
		s->kind = b->kind;
		rc = b->kind == DC_BACKUP_PEM ? dc_pem_init(&s->pem, b, err)
					      : dc_diesel_init(&s->diesel, b, err);
	}
	s->flex = dc_world_find(w, "flex", 0);
	s->grid = dc_world_find(w, "grid", 0);
	s->feeds = s->flex ? (int)s->flex->feeds : 1;
	if (rc) {
		dc_free(s);
		return rc;
	}
	*out = s;
	return DC_OK;
}

void dc_supply_free(dc_supply *s) { dc_free(s); }

int dc_supply_feeds_lost(const dc_supply *s) { return s->lost; }

double dc_supply_utility_capacity(const dc_supply *s)
{
	if (!s->flex)
		return s->lost ? 0 : INFINITY;
	return (double)(s->feeds - s->lost) * s->flex->feed_rating;
}

void dc_supply_feeds_change(dc_supply *s, int delta, int all)
{
	if (all)
		delta = delta > 0 ? s->feeds : -s->feeds;
	s->lost += delta;
	if (s->lost < 0)
		s->lost = 0;
	if (s->lost > s->feeds)
		s->lost = s->feeds;
}

/* Backup over DT at DEMAND: delivered energy into *E, fuel into O. */
static int backup_step(dc_supply *s, double demand, double dt, double *e,
		       dc_supply_out *o, dc_err *err)
{
	*e = 0;
	if (s->kind == DC_BACKUP_PEM) {
		dc_pem_step st;
		if (demand <= 0 && s->pem.state != DC_BK_EMPTY) {
			dc_pem_stop(&s->pem);
			return DC_OK;
		}
		int rc = dc_pem_advance(&s->pem, demand, dt, &st, err);
		if (rc)
			return rc;
		*e = st.e_delivered_J;
		o->h2_kg += st.h2_kg;
		o->water_kg += st.water_kg;
		/* the same energy from a diesel set of the same rating, at the
		 * same mean load, on the §3.3 fuel curve */
		double kw = s->pem.rating_W / 1e3, x = *e / dt / s->pem.rating_W;
		if (*e > 0)
			o->diesel_equiv_L += kw * (DC_DIESEL_A + DC_DIESEL_B * x) *
					     dt / 3600.0;
	} else if (s->kind == DC_BACKUP_DIESEL) {
		dc_diesel_step st;
		if (demand <= 0 && s->diesel.state != DC_BK_EMPTY) {
			dc_diesel_stop(&s->diesel);
			return DC_OK;
		}
		int rc = dc_diesel_advance(&s->diesel, demand, dt, &st, err);
		if (rc)
			return rc;
		*e = st.e_delivered_J;
		o->fuel_L += st.fuel_L;
		o->co2_kg += st.co2_kg;
		o->nox_kg += st.nox_kg;
	}
	return DC_OK;
}

int dc_supply_step(dc_supply *s, double t, double demand, double dt,
		   dc_supply_out *o, dc_err *err)
{
	memset(o, 0, sizeof *o);
	if (!(demand >= 0) || !(dt >= 0))
		return dc_err_msg(err, DC_EINVAL, "supply: bad demand or step");
	if (dt == 0)
		return DC_OK;
	double cap = dc_supply_utility_capacity(s);
	double util = fmin(demand, cap);
	double rest = demand - util, e_b = 0;
	int rc = backup_step(s, rest, dt, &e_b, o, err);
	if (rc)
		return rc;
	o->backup = e_b / dt;
	rest = fmax(0, rest - o->backup);
	dc_ups_step us;
	if (s->has_ups && rest > 0) {
		if ((rc = dc_ups_advance(&s->ups, rest, dt, &us, err)))
			return rc;
		o->battery = us.e_delivered_J / dt;
		rest = fmax(0, rest - o->battery);
	} else if (s->has_ups && s->ups.soc < 1 && cap > util) {
		double room = cap - util;
		if ((rc = dc_ups_advance(&s->ups, -fmin(room, s->ups.p_chg_W),
					 dt, &us, err)))
			return rc;
		o->recharge = us.e_charged_J / dt;
	}
	o->unserved = rest;
	o->utility = util + o->recharge;
	if (s->grid)
		o->carbon_kg = grid_intensity(s->grid, t) * o->utility * dt;
	return DC_OK;
}

double dc_supply_soc(const dc_supply *s)
{
	return s->has_ups ? s->ups.soc : NAN;
}

double dc_supply_h2_left(const dc_supply *s)
{
	return s->kind == DC_BACKUP_PEM ? s->pem.h2_kg : NAN;
}

double dc_supply_fuel_left(const dc_supply *s)
{
	return s->kind == DC_BACKUP_DIESEL ? s->diesel.fuel_L : NAN;
}

int dc_supply_backup_running(const dc_supply *s)
{
	int st = s->kind == DC_BACKUP_PEM      ? (int)s->pem.state
		 : s->kind == DC_BACKUP_DIESEL ? (int)s->diesel.state
					       : DC_BK_OFF;
	return st == DC_BK_STARTING || st == DC_BK_ON;
}

const dc_flex_cfg *dc_supply_flex(const dc_supply *s) { return s->flex; }

double dc_supply_ride_through(const dc_supply *s, double p)
{
	if (!s->has_ups || p > s->ups.p_max_W)
		return 0;
	if (p <= 0)
		return INFINITY;
	/* AC energy left: the battery delivers eta of what it loses */
	return s->ups.soc * s->ups.energy_J * s->ups.eta / p;
}

double dc_supply_embodied_rate(const dc_supply *s, double racks)
{
	if (!s->grid)
		return 0;
	double r = racks * s->grid->rack_embodied /
		   (dc_time_to_s(s->grid->rack_life) / 3600.0);
	if (s->has_ups)
		r += s->ups_energy * s->grid->battery_embodied /
		     (dc_time_to_s(s->grid->battery_life) / 3600.0);
	return r;
}

int dc_supply_has_grid(const dc_supply *s) { return s->grid != NULL; }
