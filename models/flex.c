/* flex.c - xN/y capacity arithmetic, the feed-loss shed/cap planner and
 * the POLCA controller.  See flex.h. */
#include "flex.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_math.h>

#include "../sim/alloc.h"

/* Clock exponent: dynamic power ~ f^2-3 (physics.md §4.2/§5.2, R). */
#define ALPHA_DEFAULT 2.5
/* Relative slack when comparing a planned total with the limit: P(phi)
 * goes through pow() and may land an ulp or so above its target. */
#define MET_RTOL 1e-12


static int pos_finite(double v) { return isfinite(v) && v > 0; }
static int nonneg_finite(double v) { return isfinite(v) && v >= 0; }

/* ----------------------------------------------------------- capacity */

int dc_flex_capacity_of(int64_t x, int64_t y, double r_u,
			dc_flex_capacity *out, dc_err *err)
{
	if (y < 1 || y > x)
		return dc_err_msg(err, DC_EINVAL, "flex: need 1 <= y <= x, got "
			    "%lldN/%lld", (long long)x, (long long)y);
	if (!pos_finite(r_u))
		return dc_err_msg(err, DC_EINVAL, "flex: feed rating %g W must be "
			    "> 0", r_u);
	out->p_conv = (double)y * r_u;
	out->p_flex = (double)x * r_u;
	out->reserved = (double)(x - y) * r_u;
	out->reserved_frac = (double)(x - y) / (double)x;
	out->gain = (double)x / (double)y - 1.0;
	return DC_OK;
}

int dc_flex_after_loss(int64_t x, double r_u, int64_t k, double p_draw,
		       double *cap_after, double *shed, dc_err *err)
{
	if (x < 1 || k < 0 || k > x || !pos_finite(r_u) ||
	    !nonneg_finite(p_draw))
		return dc_err_msg(err, DC_EINVAL, "flex: bad feed loss (x %lld, k "
			    "%lld, R_u %g W, draw %g W)", (long long)x,
			    (long long)k, r_u, p_draw);
	double cap = (double)(x - k) * r_u;
	if (cap_after)
		*cap_after = cap;
	if (shed)
		*shed = GSL_MAX_DBL(0.0, p_draw - cap);
	return DC_OK;
}

int dc_flex_guaranteed(double p_total, double p_flex, double *guaranteed,
		       dc_err *err)
{
	if (!nonneg_finite(p_total) || !nonneg_finite(p_flex) ||
	    p_flex > p_total)
		return dc_err_msg(err, DC_EINVAL, "flex: need 0 <= flexible (%g W) "
			    "<= total (%g W)", p_flex, p_total);
	*guaranteed = p_total - p_flex;
	return DC_OK;
}

int dc_flex_stranded(int64_t x, int64_t y, double r_u, double red_frac,
		     double *p_max, double *stranded, dc_err *err)
{
	dc_flex_capacity c;
	int rc = dc_flex_capacity_of(x, y, r_u, &c, err);
	if (rc)
		return rc;
	if (!(red_frac >= 0 && red_frac <= 1))
		return dc_err_msg(err, DC_EINVAL, "flex: reducible fraction %g "
			    "outside [0, 1]", red_frac);
	double pm = red_frac >= 1 ? c.p_flex :
		    GSL_MIN_DBL(c.p_flex, c.p_conv / (1.0 - red_frac));
	if (p_max)
		*p_max = pm;
	if (stranded)
		*stranded = c.p_flex - pm;
	return DC_OK;
}

/* ----------------------------------------------------------- planner */

dc_flex_timing dc_flex_timing_default(void)
{
	dc_flex_timing t = {.ride_through = 10.0, .t_shut = 5.0, .t_cap = 1.0,
			    .serial = 0};
	return t;
}

/* P(phi) = idle + (P_full - idle) phi^alpha (physics.md §4.2), the same law
 * as dc_gpu_power_at in thermal.h, restated to keep flex standalone. */
static double grp_power_at(const dc_flex_group *g, double phi)
{
	double a = g->alpha > 0 ? g->alpha : ALPHA_DEFAULT;
	return g->p_idle + (g->power - g->p_idle) * pow(phi, a);
}

static double grp_phi_for(const dc_flex_group *g, double target)
{
	double a = g->alpha > 0 ? g->alpha : ALPHA_DEFAULT;
	double x = (target - g->p_idle) / (g->power - g->p_idle);
	return x <= 0 ? 0.0 : x >= 1 ? 1.0 : pow(x, 1.0 / a);
}

static int group_check(const dc_flex_group *g, size_t i, dc_err *err)
{
	if (!nonneg_finite(g->power))
		return dc_err_msg(err, DC_EINVAL, "flex plan: group %zu: power %g W "
			    "must be >= 0", i, g->power);
	if (g->cls < 0 || g->cls >= DC_FLEX_CLASS_N)
		return dc_err_msg(err, DC_EINVAL, "flex plan: group %zu: unknown "
			    "class %d", i, g->cls);
	if (g->cls != DC_FLEX_NRC)
		return DC_OK;
	if (!nonneg_finite(g->p_idle) || g->p_idle > g->power ||
	    !nonneg_finite(g->p_cap) || !isfinite(g->alpha))
		return dc_err_msg(err, DC_EINVAL, "flex plan: group %zu: need 0 <= "
			    "idle (%g W) <= power (%g W), cap >= 0", i,
			    g->p_idle, g->power);
	if (g->p_cap > 0 && g->p_cap < g->p_idle)
		return dc_err_msg(err, DC_EINVAL, "flex plan: group %zu: cap %g W "
			    "below idle %g W", i, g->p_cap, g->p_idle);
	if (g->p_cap == 0 && !(g->phi_min > 0 && g->phi_min <= 1))
		return dc_err_msg(err, DC_EINVAL, "flex plan: group %zu: phi_min %g "
			    "outside (0, 1]", i, g->phi_min);
	return DC_OK;
}

typedef struct order_key {
	int cls, order;
	size_t idx;
} order_key;

static int key_cmp(const void *a, const void *b)
{
	const order_key *x = a, *y = b;
	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The action that removes up to EXCESS from NR-C group G, or 0 if it
 * cannot help.  Fills A's phi and powers. */
static int cap_action(const dc_flex_group *g, double excess,
		      dc_flex_action *a)
{
	double floor_p = g->p_cap > 0 ? g->p_cap : grp_power_at(g, g->phi_min);
	double target = GSL_MAX_DBL(floor_p, g->power - excess);
	if (target >= g->power || g->power <= g->p_idle)
		return 0;
	a->kind = DC_FLEX_ACT_CAP;
	a->phi = grp_phi_for(g, target);
	a->p_before = g->power;
	a->p_after = grp_power_at(g, a->phi);
	return 1;
}

static void plan_timing(dc_flex_plan *p, const dc_flex_timing *tm)
{
	double t = 0;
	p->t_needed = 0;
	for (size_t i = 0; i < p->n_actions; i++) {
		dc_flex_action *a = &p->actions[i];
		double lat = a->kind == DC_FLEX_ACT_SHUT ? tm->t_shut : tm->t_cap;
		t = tm->serial ? t + lat : lat;
		a->t_done = t;
		p->t_needed = GSL_MAX_DBL(p->t_needed, t);
	}
	p->deadline_met = p->met && p->t_needed <= tm->ride_through;
}

static int plan_inputs(const dc_flex_group *groups, size_t n, double limit,
		       const dc_flex_timing *tm, dc_err *err)
{
	if (!nonneg_finite(limit))
		return dc_err_msg(err, DC_EINVAL, "flex plan: limit %g W must be "
			    ">= 0", limit);
	if (!nonneg_finite(tm->ride_through) || !nonneg_finite(tm->t_shut) ||
	    !nonneg_finite(tm->t_cap))
		return dc_err_msg(err, DC_EINVAL, "flex plan: times must be >= 0");
	if (n && !groups)
		return dc_err_msg(err, DC_EINVAL, "flex plan: no groups");
	for (size_t i = 0; i < n; i++) {
		int rc = group_check(&groups[i], i, err);
		if (rc)
			return rc;
	}
	return DC_OK;
}

/* Walk groups in KEYS order, shutting SR then capping NR-C while the total
 * exceeds the limit. */
static void plan_actions(const dc_flex_group *groups, const order_key *keys,
			 size_t n, dc_flex_plan *p)
{
	double excess = p->p_before - p->limit;
	for (size_t k = 0; k < n && excess > 0; k++) {
		const dc_flex_group *g = &groups[keys[k].idx];
		dc_flex_action a = {.group = keys[k].idx};
		if (g->cls == DC_FLEX_SR && g->power > 0) {
			a.kind = DC_FLEX_ACT_SHUT;
			a.p_before = g->power;
		} else if (g->cls != DC_FLEX_NRC || !cap_action(g, excess, &a)) {
			continue;
		}
		excess -= a.p_before - a.p_after;
		p->p_after -= a.p_before - a.p_after;
		p->actions[p->n_actions++] = a;
	}
}

int dc_flex_plan_make(const dc_flex_group *groups, size_t n, double limit,
		      const dc_flex_timing *tm, dc_flex_plan *out,
		      dc_err *err)
{
	dc_flex_timing def = dc_flex_timing_default();
	memset(out, 0, sizeof *out);
	if (!tm)
		tm = &def;
	int rc = plan_inputs(groups, n, limit, tm, err);
	if (rc)
		return rc;
	order_key *keys = dc_malloc((n ? n : 1) * sizeof *keys);
	dc_flex_action *acts = dc_malloc((n ? n : 1) * sizeof *acts);
	if (!keys || !acts) {
		dc_free(keys);
		dc_free(acts);
		return dc_err_msg(err, DC_ENOMEM, "flex plan: out of memory");
	}
	dc_flex_plan p = {.actions = acts, .limit = limit};
	for (size_t i = 0; i < n; i++) {
		keys[i] = (order_key){groups[i].cls, groups[i].order, i};
		p.p_before += groups[i].power;
	}
	qsort(keys, n, sizeof *keys, key_cmp);
	p.p_after = p.p_before;
	plan_actions(groups, keys, n, &p);
	dc_free(keys);
	p.met = p.p_after <= limit * (1 + MET_RTOL);
	p.stranded = p.met ? GSL_MAX_DBL(0.0, limit - p.p_after) : 0.0;
	plan_timing(&p, tm);
	*out = p;
	return DC_OK;
}

void dc_flex_plan_free(dc_flex_plan *plan)
{
	if (!plan)
		return;
	dc_free(plan->actions);
	memset(plan, 0, sizeof *plan);
}

/* ----------------------------------------------------------- POLCA */

static int polca_ok(const dc_polca_cfg *c)
{
	return pos_finite(c->p_prov) && c->t1 > 0 && c->t1 < c->t2 &&
	       isfinite(c->t2) && c->hyst > 0 && c->hyst < c->t1 &&
	       c->phi_low > 0 && c->phi_low <= 1 && c->phi_all > 0 &&
	       c->phi_all <= 1;
}

static dc_polca_state polca_next(const dc_polca_cfg *c, dc_polca_state cur,
				 double u)
{
	switch (cur) {
	case DC_POLCA_NORMAL:
		return u > c->t2 ? DC_POLCA_CAP_ALL :
		       u > c->t1 ? DC_POLCA_CAP_LOW : DC_POLCA_NORMAL;
	case DC_POLCA_CAP_LOW:
		return u > c->t2 ? DC_POLCA_CAP_ALL :
		       u < c->t1 - c->hyst ? DC_POLCA_NORMAL : DC_POLCA_CAP_LOW;
	case DC_POLCA_CAP_ALL:
	default:
		if (u >= c->t2 - c->hyst)
			return DC_POLCA_CAP_ALL;
		return u < c->t1 - c->hyst ? DC_POLCA_NORMAL : DC_POLCA_CAP_LOW;
	}
}

int dc_polca_step(const dc_polca_cfg *c, dc_polca_state cur, double p,
		  dc_polca_out *o)
{
	if (!polca_ok(c) || !nonneg_finite(p) || cur < DC_POLCA_NORMAL ||
	    cur > DC_POLCA_CAP_ALL)
		return DC_EINVAL;
	dc_polca_state s = polca_next(c, cur, p / c->p_prov);
	o->state = s;
	o->phi_low_prio = s == DC_POLCA_NORMAL ? 1.0 :
			  s == DC_POLCA_CAP_LOW ? c->phi_low :
			  GSL_MIN_DBL(c->phi_low, c->phi_all);
	o->phi_high_prio = s == DC_POLCA_CAP_ALL ? c->phi_all : 1.0;
	return DC_OK;
}

/* ----------------------------------------------------------- config */

#define F(f) offsetof(dc_flex_cfg, f)
static const dc_param flex_params[] = {
	/* 4N/3 distributed redundancy (physics.md §4.1, R). */
	{.key = "feeds", .type = DC_PT_INT, .def = "4",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 64, .off = F(feeds),
	 .help = "feeds/UPSes x of the xN/y design"},
	{.key = "needed", .type = DC_PT_INT, .def = "3",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 64,
	 .off = F(needed), .help = "feeds y that must carry the load"},
	/* V-12: 3 MW per feed. */
	{.key = "feed_rating", .type = DC_PT_QTY, .dim = DC_DIM_POWER,
	 .unit = "MW", .def = "3 MW", .flags = DC_PF_MIN_EXCL, .min = 0,
	 .off = F(feed_rating), .help = "rating R_u of one feed"},
	/* V-11: the UPS bridges a 10 s shed in Flex. */
	{.key = "ride_through", .type = DC_PT_TIME, .unit = "s", .def = "10 s",
	 .flags = DC_PF_MIN, .min = 0, .off = F(ride_through),
	 .help = "UPS/overload ride-through time available for shedding"},
	/* 5 s / 1 s: R, not in physics.md (server shutdown vs clock lock). */
	{.key = "shut_latency", .type = DC_PT_TIME, .unit = "s", .def = "5 s",
	 .flags = DC_PF_MIN, .min = 0, .off = F(shut_latency),
	 .help = "time for one shutdown action to take effect"},
	{.key = "cap_latency", .type = DC_PT_TIME, .unit = "s", .def = "1 s",
	 .flags = DC_PF_MIN, .min = 0, .off = F(cap_latency),
	 .help = "time for one power cap / clock lock to take effect"},
	/* POLCA thresholds and caps: R, the paper's values are unverified
	 * (physics.md §4.2, §7 item 2). */
	{.key = "polca_t1", .type = DC_PT_QTY, .dim = DC_DIM_NONE, .unit = "%",
	 .def = "80 %", .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 2,
	 .off = F(polca_t1),
	 .help = "POLCA threshold 1 (cap low priority), share of provisioned power"},
	{.key = "polca_t2", .type = DC_PT_QTY, .dim = DC_DIM_NONE, .unit = "%",
	 .def = "90 %", .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 2,
	 .off = F(polca_t2),
	 .help = "POLCA threshold 2 (cap all), share of provisioned power"},
	{.key = "polca_hysteresis", .type = DC_PT_QTY, .dim = DC_DIM_NONE,
	 .unit = "%", .def = "5 %", .flags = DC_PF_MIN_EXCL | DC_PF_MAX,
	 .min = 0, .max = 1, .off = F(polca_hyst),
	 .help = "uncap only this far below a threshold"},
	{.key = "polca_phi_low", .type = DC_PT_REAL, .def = "0.7",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 1,
	 .off = F(polca_phi_low),
	 .help = "clock ratio of low-priority work above threshold 1"},
	{.key = "polca_phi_all", .type = DC_PT_REAL, .def = "0.7",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 1,
	 .off = F(polca_phi_all),
	 .help = "clock ratio of all work above threshold 2"},
};
#undef F

const dc_pset dc_flex_pset = {"flex", flex_params, DC_ARRAY_LEN(flex_params),
			      "flexible capacity: xN/y feeds, shedding, POLCA"};

int dc_flex_defaults(dc_flex_cfg *cfg, dc_err *err)
{
	memset(cfg, 0, sizeof *cfg);
	dc_err local = DC_ERR_INIT;
	int rc = dc_params_defaults(&dc_flex_pset, cfg, NULL,
				    err ? err : &local);
	dc_err_free(&local);
	return rc;
}

int dc_flex_check(const dc_flex_cfg *cfg, const char *file, const char *path,
		  dc_err *err)
{
	const char *f = file ? file : "", *p = path ? path : "flex";
	int rc = DC_OK;
	if (cfg->needed > cfg->feeds)
		rc = err ? dc_err_key(err, DC_EINVAL, f, p, "needed (%lld) "
				      "exceeds feeds (%lld)",
				      (long long)cfg->needed,
				      (long long)cfg->feeds) : DC_EINVAL;
	if (!(cfg->polca_t1 < cfg->polca_t2))
		rc = err ? dc_err_key(err, DC_EINVAL, f, p, "polca_t1 (%g) "
				      "must be below polca_t2 (%g)",
				      cfg->polca_t1, cfg->polca_t2) : DC_EINVAL;
	if (!(cfg->polca_hyst < cfg->polca_t1))
		rc = err ? dc_err_key(err, DC_EINVAL, f, p, "polca_hysteresis "
				      "(%g) must be below polca_t1 (%g)",
				      cfg->polca_hyst, cfg->polca_t1) :
			   DC_EINVAL;
	return rc;
}

dc_polca_cfg dc_flex_polca_of(const dc_flex_cfg *cfg, double p_prov)
{
	dc_polca_cfg c = {.p_prov = p_prov, .t1 = cfg->polca_t1,
			  .t2 = cfg->polca_t2, .hyst = cfg->polca_hyst,
			  .phi_low = cfg->polca_phi_low,
			  .phi_all = cfg->polca_phi_all};
	return c;
}

dc_flex_timing dc_flex_timing_of(const dc_flex_cfg *cfg)
{
	dc_flex_timing t = {.ride_through = dc_time_to_s(cfg->ride_through),
			    .t_shut = dc_time_to_s(cfg->shut_latency),
			    .t_cap = dc_time_to_s(cfg->cap_latency),
			    .serial = 0};
	return t;
}
