/* metrics.c - streaming statistics and series per metric and replication. */
#include "metrics.h"

#include <math.h>
#include <string.h>

#include "alloc.h"
#include "stats.h"
#include "units.h"

typedef struct series {
	double *a;      /* OBS: sum per bucket; LEVEL: area (value*s) */
	double *c;      /* OBS: count per bucket; LEVEL: unused (NULL) */
	size_t n, cap;  /* buckets touched, allocated */
	int oom;        /* a bucket could not be allocated */
} series;

typedef struct metric {
	char *name, *entity, *unit, *help;
	dc_metric_kind kind;
	double scale, offset;   /* display = (si - offset) / scale */
	int announced;          /* declaration written to the sink */
	int live;               /* fed in this replication */
	/* this replication */
	dc_moments mom;         /* OBS: observations after warmup */
	dc_sketch *sk;
	double lv, lmin, lmax;  /* LEVEL: current value and extremes */
	dc_time lt;             /* LEVEL: time of the last change */
	double area, area2;     /* LEVEL: integrals after warmup */
	uint64_t changes;
	series s;
	dc_time b_lo, b_hi;     /* OBS: the bucket of the last observation */
	size_t b_idx;
	/* across replications */
	dc_moments all;
	dc_sketch *all_sk;
	double all_area, all_area2, all_dur, all_min, all_max;
	double *rep_mean;
	int reps, rep_cap;
} metric;

struct dc_metrics {
	const dc_sink *sink;
	dc_time bucket, warmup;
	int rep;
	metric *v;
	int n, cap;
};

dc_metrics *dc_metrics_new(const dc_sink *sink, dc_time bucket)
{
	if (bucket <= 0)
		return NULL;
	dc_metrics *m = dc_calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->sink = sink;
	m->bucket = bucket;
	return m;
}

static void metric_free(metric *x)
{
	dc_free(x->name);
	dc_free(x->entity);
	dc_free(x->unit);
	dc_free(x->help);
	dc_sketch_free(x->sk);
	dc_sketch_free(x->all_sk);
	dc_free(x->s.a);
	dc_free(x->s.c);
	dc_free(x->rep_mean);
}

void dc_metrics_free(dc_metrics *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n; i++)
		metric_free(&m->v[i]);
	dc_free(m->v);
	dc_free(m);
}

static int find(const dc_metrics *m, const char *metric_name,
		const char *entity)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].name, metric_name) &&
		    !strcmp(m->v[i].entity, entity))
			return i;
	return -1;
}

static int unit_scale(const char *unit, double *scale, double *offset)
{
	dc_dim dim;
	if (!unit[0]) {
		*scale = 1;
		*offset = 0;
		return DC_OK;
	}
	return dc_unit_parse(unit, scale, offset, &dim);
}

static int add_metric(dc_metrics *m, const char *name, const char *entity,
		      const char *unit, dc_metric_kind kind, const char *help)
{
	if (m->n == m->cap) {
		int cap = m->cap ? 2 * m->cap : 16;
		metric *v = dc_realloc(m->v, (size_t)cap * sizeof *v);
		if (!v)
			return DC_ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	metric *x = &m->v[m->n];
	memset(x, 0, sizeof *x);
	x->kind = kind;
	x->name = dc_strdup(name);
	x->entity = dc_strdup(entity);
	x->unit = dc_strdup(unit);
	x->help = dc_strdup(help ? help : "");
	x->sk = dc_sketch_new(DC_SKETCH_ALPHA);
	x->all_sk = dc_sketch_new(DC_SKETCH_ALPHA);
	x->all_min = x->lmin = INFINITY;
	x->all_max = x->lmax = -INFINITY;
	if (!x->name || !x->entity || !x->unit || !x->help || !x->sk ||
	    !x->all_sk) {
		metric_free(x);
		return DC_ENOMEM;
	}
	m->n++;
	return DC_OK;
}

int dc_metrics_declare(dc_metrics *m, const char *metric_name,
		       const char *entity, const char *unit,
		       dc_metric_kind kind, const char *help, int *id,
		       dc_err *err)
{
	double scale, offset;
	if (!entity)
		entity = "";
	if (unit_scale(unit, &scale, &offset))
		return dc_err_msg(err, DC_EINVAL, "metric %s: unknown unit '%s'",
				  metric_name, unit);
	int i = find(m, metric_name, entity);
	if (i >= 0) {
		if (m->v[i].kind != kind || strcmp(m->v[i].unit, unit))
			return dc_err_msg(err, DC_EINVAL,
					  "metric %s (%s) redeclared differently",
					  metric_name, entity);
		*id = i;
		return DC_OK;
	}
	if (add_metric(m, metric_name, entity, unit, kind, help))
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	m->v[m->n - 1].scale = scale;
	m->v[m->n - 1].offset = offset;
	m->v[m->n - 1].live = 1;
	*id = m->n - 1;
	return DC_OK;
}

static void rep_reset(metric *x)
{
	dc_sketch_free(x->sk);
	x->sk = dc_sketch_new(DC_SKETCH_ALPHA);
	x->s.oom = x->sk == NULL;
	x->mom = (dc_moments){0};
	x->lv = x->area = x->area2 = 0;
	x->lmin = INFINITY;
	x->lmax = -INFINITY;
	x->lt = 0;
	x->changes = 0;
	x->s.n = 0;
	x->b_lo = x->b_hi = 0;
	x->live = 0;
}

void dc_metrics_rep_begin(dc_metrics *m, int rep, dc_time warmup)
{
	m->rep = rep;
	m->warmup = warmup;
	for (int i = 0; i < m->n; i++)
		rep_reset(&m->v[i]);
}

/* Make bucket B addressable; zero new buckets. */
static int touch(series *s, size_t b, int level)
{
	if (b < s->n)
		return 0;
	if (b >= s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		while (cap <= b)
			cap *= 2;
		double *a = dc_realloc(s->a, cap * sizeof *a);
		if (!a)
			return s->oom = 1;
		s->a = a;
		if (!level) {
			double *c = dc_realloc(s->c, cap * sizeof *c);
			if (!c)
				return s->oom = 1;
			s->c = c;
		}
		s->cap = cap;
	}
	for (size_t i = s->n; i <= b; i++) {
		s->a[i] = 0;
		if (!level)
			s->c[i] = 0;
	}
	s->n = b + 1;
	return 0;
}

static double to_display(const metric *x, double si)
{
	return (si - x->offset) / x->scale;
}

void dc_metrics_obs(dc_metrics *m, int id, dc_time t, double v)
{
	dc_metrics_obs_n(m, id, t, v, 1);
}

void dc_metrics_obs_n(dc_metrics *m, int id, dc_time t, double v,
		      uint64_t count)
{
	metric *x = &m->v[id];
	double d = to_display(x, v);
	/* observations come in bursts within one bucket: skip the division */
	if (t < x->b_lo || t >= x->b_hi) {
		x->b_idx = (size_t)(t / m->bucket);
		x->b_lo = (dc_time)x->b_idx * m->bucket;
		x->b_hi = x->b_lo + m->bucket;
	}
	size_t b = x->b_idx;
	x->live = 1;
	if (!touch(&x->s, b, 0)) {
		x->s.a[b] += d * (double)count;
		x->s.c[b] += (double)count;
	}
	if (t < m->warmup)
		return;
	dc_moments_add_n(&x->mom, d, count);
	if (!x->sk || dc_sketch_add_n(x->sk, d, count))
		x->s.oom = 1;
}

/* Integrate the current level over [x->lt, t). */
static void level_advance(dc_metrics *m, metric *x, dc_time t)
{
	dc_time a = x->lt;
	while (a < t) {
		size_t b = (size_t)(a / m->bucket);
		dc_time end = (dc_time)(b + 1) * m->bucket;
		if (end > t)
			end = t;
		if (!touch(&x->s, b, 1))
			x->s.a[b] += x->lv * dc_time_to_s(end - a);
		a = end;
	}
	dc_time from = x->lt > m->warmup ? x->lt : m->warmup;
	if (t > from) {
		double dt = dc_time_to_s(t - from);
		x->area += x->lv * dt;
		x->area2 += x->lv * x->lv * dt;
		if (x->lv < x->lmin)
			x->lmin = x->lv;
		if (x->lv > x->lmax)
			x->lmax = x->lv;
	}
	x->lt = t;
}

void dc_metrics_level(dc_metrics *m, int id, dc_time t, double v)
{
	metric *x = &m->v[id];
	double d = to_display(x, v);
	if (!x->live) {
		x->live = 1;
		x->lt = t;
	} else {
		level_advance(m, x, t);
	}
	x->lv = d;
	x->changes++;
}

static int sink_fail(const dc_sink *sk, int rc, dc_err *err)
{
	const char *msg = sk->ops->errmsg ? sk->ops->errmsg(sk->ctx) : "";
	return dc_err_msg(err, rc, "%s output: %s", sk->ops->name,
			  msg[0] ? msg : dc_strerror(rc));
}

#define SINK_CALL(m, err, op, ...)                                          \
	do {                                                                \
		if ((m)->sink && (m)->sink->ops->op) {                      \
			int rc_ = (m)->sink->ops->op((m)->sink->ctx,        \
						     __VA_ARGS__);          \
			if (rc_)                                            \
				return sink_fail((m)->sink, rc_, err);      \
		}                                                           \
	} while (0)

static void row_init(dc_stat_row *r, const metric *x, int run)
{
	*r = (dc_stat_row){.metric = x->name, .entity = x->entity,
			   .unit = x->unit, .run = run, .reps = 1};
	r->p50 = r->p90 = r->p99 = r->p999 = NAN;
	r->ci_lo = r->ci_hi = NAN;
}

/* Row figures of observations from their moments and sketch. */
static void obs_fill(dc_stat_row *r, const dc_moments *mo, const dc_sketch *sk)
{
	r->n = mo->n;
	r->mean = mo->n ? mo->mean : NAN;
	r->sd = mo->n > 1 ? dc_moments_sd(mo) : NAN;
	r->min = mo->n ? mo->min : NAN;
	r->max = mo->n ? mo->max : NAN;
	r->p50 = dc_sketch_quantile(sk, 0.50);
	r->p90 = dc_sketch_quantile(sk, 0.90);
	r->p99 = dc_sketch_quantile(sk, 0.99);
	r->p999 = dc_sketch_quantile(sk, 0.999);
}

/* Row figures of a level from its integrals over DUR seconds. */
static void level_fill(dc_stat_row *r, uint64_t changes, double area,
		       double area2, double dur, double vmin, double vmax)
{
	r->n = changes;
	r->mean = dur > 0 ? area / dur : NAN;
	double var = dur > 0 ? area2 / dur - r->mean * r->mean : NAN;
	r->sd = var > 0 ? sqrt(var) : (dur > 0 ? 0 : NAN);
	r->min = dur > 0 ? vmin : NAN;
	r->max = dur > 0 ? vmax : NAN;
}

/* The statistics of metric X for the replication that just ended at T. */
static void rep_row(const dc_metrics *m, metric *x, dc_time t_end,
		    dc_stat_row *r)
{
	row_init(r, x, m->rep);
	if (x->kind == DC_METRIC_OBS) {
		obs_fill(r, &x->mom, x->sk);
		return;
	}
	double dur = dc_time_to_s(t_end - (m->warmup < t_end ? m->warmup : t_end));
	level_fill(r, x->changes, x->area, x->area2, dur, x->lmin, x->lmax);
}

/* Pool the replication's figures into the across-replication state. */
static int pool(metric *x, const dc_stat_row *r, dc_time dur_ns)
{
	if (x->reps == x->rep_cap) {
		int cap = x->rep_cap ? 2 * x->rep_cap : 16;
		double *v = dc_realloc(x->rep_mean, (size_t)cap * sizeof *v);
		if (!v)
			return DC_ENOMEM;
		x->rep_mean = v;
		x->rep_cap = cap;
	}
	x->rep_mean[x->reps++] = r->mean;
	if (x->kind == DC_METRIC_OBS) {
		dc_moments_merge(&x->all, &x->mom);
		return dc_sketch_merge(x->all_sk, x->sk);
	}
	double dur = dc_time_to_s(dur_ns);
	x->all_area += x->area;
	x->all_area2 += x->area2;
	x->all_dur += dur;
	x->all.n += x->changes;
	if (dur > 0 && r->min < x->all_min)
		x->all_min = r->min;
	if (dur > 0 && r->max > x->all_max)
		x->all_max = r->max;
	return DC_OK;
}

static int emit_series(dc_metrics *m, const metric *x, dc_time t_end,
		       dc_err *err)
{
	double w = dc_time_to_s(m->bucket);
	for (size_t b = 0; b < x->s.n; b++) {
		double t0 = (double)b * w, v;
		if (x->kind == DC_METRIC_OBS) {
			if (x->s.c[b] == 0)
				continue;
			v = x->s.a[b] / x->s.c[b];
		} else {
			double end = dc_time_to_s(t_end);
			double span = t0 + w < end ? w : end - t0;
			if (span <= 0)
				continue;
			v = x->s.a[b] / span;
		}
		SINK_CALL(m, err, sample, m->rep, x->name, x->entity, t0, v);
	}
	return DC_OK;
}

static int announce(dc_metrics *m, dc_err *err)
{
	for (int i = 0; i < m->n; i++) {
		metric *x = &m->v[i];
		if (x->announced)
			continue;
		dc_metric_info mi = {x->name, x->entity, x->unit, x->kind,
				     x->help};
		SINK_CALL(m, err, metric, &mi);
		x->announced = 1;
	}
	return DC_OK;
}

int dc_metrics_rep_end(dc_metrics *m, const dc_run_info *ri, dc_err *err)
{
	dc_time t_end = dc_time_from_s(ri->t_end_s);
	dc_time from = m->warmup < t_end ? m->warmup : t_end;
	for (int i = 0; i < m->n; i++) {
		metric *x = &m->v[i];
		if (x->kind == DC_METRIC_LEVEL && x->live)
			level_advance(m, x, t_end);
		if (x->s.oom)
			return dc_err_msg(err, DC_ENOMEM,
					  "out of memory collecting metric %s",
					  x->name);
	}
	int rc = announce(m, err);
	if (rc)
		return rc;
	SINK_CALL(m, err, run_begin, ri);
	for (int i = 0; i < m->n; i++) {
		metric *x = &m->v[i];
		dc_stat_row r;
		rc = emit_series(m, x, t_end, err);
		if (rc)
			return rc;
		rep_row(m, x, t_end, &r);
		if (ri->status == DC_RUN_COMPLETE && pool(x, &r, t_end - from))
			return dc_err_msg(err, DC_ENOMEM, "out of memory");
		SINK_CALL(m, err, run_stat, &r);
	}
	SINK_CALL(m, err, run_end, ri);
	return DC_OK;
}

int dc_metrics_count(const dc_metrics *m) { return m->n; }

int dc_metrics_summary_row(dc_metrics *m, int i, dc_stat_row *r)
{
	if (i < 0 || i >= m->n)
		return DC_EINVAL;
	metric *x = &m->v[i];
	row_init(r, x, -1);
	r->reps = x->reps;
	if (x->kind == DC_METRIC_OBS)
		obs_fill(r, &x->all, x->all_sk);
	else
		level_fill(r, x->all.n, x->all_area, x->all_area2, x->all_dur,
			   x->all_min, x->all_max);
	double mean, half;
	if (x->reps >= 2 && !dc_ci_t(x->rep_mean, (size_t)x->reps, 0.95, &mean,
				     &half) && isfinite(half)) {
		r->ci_lo = mean - half;
		r->ci_hi = mean + half;
	}
	return DC_OK;
}

/* The quantile grid of a distribution: 0 (min), 1 %, ..., 99 %, 99.5 %,
 * 99.9 %, 99.99 %, 1 (max). */
enum { DIST_N = 104 };

static void dist_grid(double *q)
{
	q[0] = 0;
	for (int i = 1; i <= 99; i++)
		q[i] = i / 100.0;
	q[100] = 0.995, q[101] = 0.999, q[102] = 0.9999, q[103] = 1;
}

int dc_metrics_summary(dc_metrics *m, dc_err *err)
{
	double q[DIST_N], v[DIST_N];
	dist_grid(q);
	for (int i = 0; i < m->n; i++) {
		dc_stat_row r;
		dc_metrics_summary_row(m, i, &r);
		SINK_CALL(m, err, summary, &r);
		metric *x = &m->v[i];
		/* one observation per run is a total, not a distribution */
		if (x->kind != DC_METRIC_OBS ||
		    dc_sketch_count(x->all_sk) <= (uint64_t)x->reps)
			continue;
		for (int k = 0; k < DIST_N; k++)
			v[k] = dc_sketch_quantile(x->all_sk, q[k]);
		SINK_CALL(m, err, dist, x->name, x->entity, x->unit, q, v,
			  (size_t)DIST_N);
	}
	return DC_OK;
}
