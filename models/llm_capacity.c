/* llm_capacity.c - serving capacity at latency SLOs (see llm_capacity.h).
 *
 * The search assumes feasibility falls with the rate.  The engine probe
 * makes that close to true by common random numbers: every probe draws
 * the same uniforms, so a higher rate compresses the same arrival pattern
 * and the same lengths. */
#include "llm_capacity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>

#include "../sim/alloc.h"
#include "../sim/rng.h"

/* ---- search ------------------------------------------------------------- */

static int probe_ok(dc_cap_probe_fn fn, void *ctx, double rate, int *n,
		    int *ok, dc_err *err)
{
	dc_cap_probe p = {.rate = rate};
	int rc = fn(ctx, rate, &p, err);
	(*n)++;
	*ok = p.ok;
	return rc;
}

/* Widen from OPT->rate0 until [*lo, *hi] brackets the edge (*lo = 0 when
 * even rate_min fails). */
static int bracket(const dc_cap_search *o, dc_cap_probe_fn fn, void *ctx,
		   double *lo, double *hi, int *n, dc_err *err)
{
	int ok, rc = probe_ok(fn, ctx, o->rate0, n, &ok, err);
	double r = o->rate0;
	while (!rc && *n < o->max_probes) {
		if (ok) {
			*lo = r;
			if (*hi > 0)
				return DC_OK;
			r *= 2;
		} else {
			*hi = r;
			if (*lo > 0)
				return DC_OK;
			r /= 2;
			if (r < o->rate_min) {
				*lo = 0;
				return DC_OK;
			}
		}
		rc = probe_ok(fn, ctx, r, n, &ok, err);
	}
	if (rc)
		return rc;
	if (ok)
		*lo = r;
	else
		*hi = r;
	if (*hi > 0 && *lo > 0)
		return DC_OK;
	return dc_err_msg(err, DC_EFAIL, "capacity: no %s rate within %d "
			  "probes (last %g /s)", *hi > 0 ? "feasible" :
			  "infeasible", o->max_probes, r);
}

int dc_cap_find(const dc_cap_search *opt, dc_cap_probe_fn fn, void *ctx,
		double *cap, int *probes, dc_err *err)
{
	dc_cap_search o = {1, 0.02, 60, 1e-6};
	if (opt) {
		o.rate0 = opt->rate0 > 0 ? opt->rate0 : o.rate0;
		o.rel_tol = opt->rel_tol > 0 ? opt->rel_tol : o.rel_tol;
		o.max_probes = opt->max_probes > 0 ? opt->max_probes
						   : o.max_probes;
		o.rate_min = opt->rate_min > 0 ? opt->rate_min : o.rate_min;
	}
	if (!fn || !cap || !isfinite(o.rate0) || o.rel_tol >= 1)
		return dc_err_msg(err, DC_EINVAL, "capacity: bad arguments");
	double lo = 0, hi = 0;
	int n = 0, rc = bracket(&o, fn, ctx, &lo, &hi, &n, err);
	while (!rc && lo > 0 && hi - lo > o.rel_tol * lo) {
		if (n >= o.max_probes) {
			rc = dc_err_msg(err, DC_EFAIL, "capacity: not within "
					"%g %% after %d probes", 100 * o.rel_tol,
					n);
			break;
		}
		double mid = sqrt(lo * hi);
		int ok;
		rc = probe_ok(fn, ctx, mid, &n, &ok, err);
		*(ok ? &lo : &hi) = mid;
	}
	if (probes)
		*probes = n;
	*cap = rc ? 0 : lo;
	return rc;
}

/* ---- measuring one run --------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Lower q-quantile of sorted X[0..N): the value of rank ceil(q n). */
static double quantile_sorted(const double *x, size_t n, double q)
{
	if (n == 0)
		return 0;
	double k = ceil(q * (double)n);
	size_t i = k < 1 ? 0 : (size_t)k - 1;
	return x[i < n ? i : n - 1];
}

static double rec_quantile(const dc_llm_result *res, size_t off, double q,
			   double *buf)
{
	for (size_t i = 0; i < res->n; i++)
		buf[i] = *(const double *)((const char *)&res->recs[i] + off);
	qsort(buf, res->n, sizeof *buf, cmp_double);
	return quantile_sorted(buf, res->n, q);
}

static int holds(double v, double limit)
{
	return limit <= 0 || v <= limit;
}

void dc_cap_measure(const dc_cap_slo *slo, const dc_llm_result *res,
		    double *gaps, size_t ng, dc_cap_probe *out)
{
	double *buf = dc_calloc(res->n ? res->n : 1, sizeof *buf);
	if (buf) {
		out->ttft = rec_quantile(res, offsetof(dc_req_rec, ttft),
					 slo->ttft_q, buf);
		out->sched = rec_quantile(res, offsetof(dc_req_rec, sched_delay),
					  slo->sched_q, buf);
		dc_free(buf);
	} else {
		out->ttft = out->sched = INFINITY;
	}
	gsl_sort(gaps, 1, ng);
	out->tbt = quantile_sorted(gaps, ng, slo->tbt_q);
	out->throughput = res->t_end > 0 ? (double)res->n / res->t_end : 0;
	out->ok = holds(out->ttft, slo->ttft_s) && holds(out->tbt, slo->tbt_s)
		  && holds(out->sched, slo->sched_s);
}

/* ---- the engine probe ---------------------------------------------------- */

typedef struct gap_buf {
	double *v;
	size_t n, cap;
	int oom;
} gap_buf;

static void on_gap(void *ctx, int64_t id, double t, int first, double gap)
{
	gap_buf *g = ctx;
	(void)id, (void)t;
	if (first || g->oom)
		return;
	if (g->n == g->cap) {
		size_t nc = g->cap ? 2 * g->cap : 4096;
		double *v = dc_realloc(g->v, nc * sizeof *v);
		if (!v) {
			g->oom = 1;
			return;
		}
		g->v = v, g->cap = nc;
	}
	g->v[g->n++] = gap;
}

/* N requests at RATE into REQS (CRN: the RNG is reset to SEED). */
static int draw(const dc_cap_engine *e, double rate, dc_req_spec *reqs,
		size_t *n, dc_err *err)
{
	dc_arrivals_cfg a = *e->arrivals;
	if (a.kind == DC_ARR_TRACE) {
		const dc_trace_stats *st = e->trace ? dc_arrivals_trace_stats(
						e->trace) : NULL;
		if (!st || !(st->rate > 0))
			return dc_err_msg(err, DC_EINVAL, "capacity: the trace "
					  "has no arrival rate");
		a.speedup = rate / st->rate;
	} else {
		a.rate = rate;
	}
	a.max_requests = (int64_t)e->n;
	a.start = 0;
	gsl_rng *r = dc_rng_new(NULL, (uint32_t)e->seed, 0,
				(uint32_t)(e->seed >> 32));
	if (!r)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	dc_arrivals *src;
	int rc = dc_arrivals_new_with(&a, e->trace, r, &src, err);
	*n = 0;
	while (!rc && *n < e->n && dc_arrivals_next(src, &reqs[*n]))
		(*n)++;
	dc_arrivals_free(src);
	gsl_rng_free(r);
	return rc;
}

int dc_cap_engine_probe(void *ctx, double rate, dc_cap_probe *out,
			dc_err *err)
{
	const dc_cap_engine *e = ctx;
	if (!e || !out || !(rate > 0) || !isfinite(rate) || e->n == 0)
		return dc_err_msg(err, DC_EINVAL, "capacity probe: bad "
				  "arguments");
	dc_req_spec *reqs = dc_calloc(e->n, sizeof *reqs);
	if (!reqs)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	size_t n = 0;
	int rc = draw(e, rate, reqs, &n, err);
	gap_buf g = {0};
	dc_llm_events tap = {.ctx = &g, .on_token = on_gap};
	dc_llm_simple_opt opt = {.clock = e->clock, .tap = &tap};
	dc_llm_result res = {0};
	if (!rc && e->prepare)
		rc = e->prepare(e->pctx, e->n_rep, n, &opt, err);
	if (!rc)
		rc = dc_llm_run_simple(e->cfg, e->fn, e->fn_ctx, e->n_rep,
				       &e->router, reqs, n, &opt, &res, err);
	if (!rc && g.oom)
		rc = dc_err_msg(err, DC_ENOMEM, "out of memory");
	if (!rc) {
		out->rate = rate;
		dc_cap_measure(&e->slo, &res, g.v, g.n, out);
	}
	dc_llm_result_free(&res);
	dc_free(g.v);
	dc_free(reqs);
	return rc;
}

/* ---- replicas needed ------------------------------------------------------ */

static int ok_with(const dc_cap_engine *e, size_t n_rep, double rate,
		   int *ok, dc_err *err)
{
	dc_cap_engine f = *e;
	f.n_rep = n_rep;
	dc_cap_probe p = {.rate = rate};
	int rc = dc_cap_engine_probe(&f, rate, &p, err);
	*ok = p.ok;
	return rc;
}

int dc_cap_min_replicas(const dc_cap_engine *e, double rate, size_t guess,
			size_t k_max, size_t *k, dc_err *err)
{
	if (!e || !k || guess < 1 || k_max < 1 || !(rate > 0))
		return dc_err_msg(err, DC_EINVAL, "capacity: bad arguments");
	size_t lo = 0, hi = 0, r = guess < k_max ? guess : k_max;
	int ok, rc;
	/* bracket: lo fails (0: none tried), hi passes */
	while (!(rc = ok_with(e, r, rate, &ok, err))) {
		if (ok) {
			hi = r;
			if (r == 1 || lo == r - 1)
				break;
			if (lo)
				break;
			r = r / 2;
		} else {
			lo = r;
			if (hi)
				break;
			if (r >= k_max)
				return dc_err_msg(err, DC_EFAIL, "capacity: "
						  "%zu replicas do not meet the "
						  "SLO at %g /s", k_max, rate);
			r = 2 * r < k_max ? 2 * r : k_max;
		}
	}
	while (!rc && hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		rc = ok_with(e, mid, rate, &ok, err);
		*(ok ? &hi : &lo) = mid;
	}
	*k = rc ? 0 : hi;
	return rc;
}
