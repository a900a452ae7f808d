/* check_llm_capacity.c - capacity search at latency SLOs: the search on
 * known feasibility edges, the quantiles on hand-made runs, and the engine
 * probe against the M/D/1 waiting-time distribution (Erlang 1909 /
 * Crommelin 1932) for a replica that serves one request at a time. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>

#include "../models/llm_capacity.h"
#include "../sim/dc.h"
#include "../sim/rng.h"
#include "util/run.h"

/* ---- the search on a step ---------------------------------------------- */

typedef struct step {
	double edge;  /* feasible iff rate <= edge */
	int calls;
} step;

static int step_probe(void *ctx, double rate, dc_cap_probe *out,
		      dc_err *err)
{
	step *s = ctx;
	(void)err;
	s->calls++;
	out->ok = rate <= s->edge;
	return DC_OK;
}

START_TEST(search_finds_edge)
{
	/* edges below, at and far above the first rate */
	const double edges[] = {3.7, 1.0, 0.013, 912.5};
	for (size_t i = 0; i < DC_ARRAY_LEN(edges); i++) {
		step s = {edges[i], 0};
		dc_err err = DC_ERR_INIT;
		double cap = -1;
		int probes = 0;
		dc_cap_search o = {.rate0 = 1, .rel_tol = 0.01};
		ck_assert_int_eq(dc_cap_find(&o, step_probe, &s, &cap, &probes,
					     &err), DC_OK);
		ck_assert_msg(cap <= edges[i] && cap >= edges[i] / 1.01,
			      "edge %g: cap %g", edges[i], cap);
		ck_assert_int_eq(probes, s.calls);
		/* bracketing log2 steps, then bisection of a factor 2 */
		ck_assert_int_le(probes, 2 + (int)fabs(log2(edges[i])) + 8);
		dc_err_free(&err);
	}
}
END_TEST

START_TEST(search_edges)
{
	dc_err err = DC_ERR_INIT;
	double cap = -1;
	step never = {-1, 0}, always = {INFINITY, 0};
	/* nothing feasible: capacity 0 once below rate_min */
	dc_cap_search o = {.rate0 = 1, .rate_min = 1e-3};
	ck_assert_int_eq(dc_cap_find(&o, step_probe, &never, &cap, NULL,
				     &err), DC_OK);
	ck_assert_double_eq(cap, 0);
	ck_assert_int_le(never.calls, 11);
	/* the SLO never binds: an error, not a number */
	o.max_probes = 20;
	ck_assert_int_eq(dc_cap_find(&o, step_probe, &always, &cap, NULL,
				     &err), DC_EFAIL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err), "infeasible"));
	ck_assert_int_eq(dc_cap_find(&o, NULL, NULL, &cap, NULL, &err),
			 DC_EINVAL);
	dc_err_free(&err);
}
END_TEST

/* ---- quantiles of a run -------------------------------------------------- */

START_TEST(measure_quantiles)
{
	dc_req_rec recs[10];
	memset(recs, 0, sizeof recs);
	for (int i = 0; i < 10; i++) {
		recs[i].ttft = 0.1 * (10 - i);      /* 1.0 .. 0.1 */
		recs[i].sched_delay = 0.01 * i;     /* 0 .. 0.09 */
	}
	dc_llm_result res = {.recs = recs, .n = 10, .t_end = 5};
	double gaps[100];
	for (int i = 0; i < 100; i++)
		gaps[i] = (double)((i * 37) % 100) / 1000;  /* 0 .. 0.099 */
	dc_cap_slo slo = {.ttft_q = 0.9, .ttft_s = 0.95, .tbt_q = 0.99,
			  .tbt_s = 0.1, .sched_q = 0.5, .sched_s = 0.04};
	dc_cap_probe p = {0};
	dc_cap_measure(&slo, &res, gaps, 100, &p);
	/* rank ceil(0.9 * 10) = 9 of 0.1..1.0: 0.9 */
	ck_assert_double_eq_tol(p.ttft, 0.9, 1e-12);
	ck_assert_double_eq_tol(p.tbt, 0.098, 1e-12);   /* rank 99 */
	ck_assert_double_eq_tol(p.sched, 0.04, 1e-12);  /* rank 5 */
	ck_assert_double_eq_tol(p.throughput, 2, 1e-12);
	ck_assert_int_eq(p.ok, 1);
	slo.sched_s = 0.039;
	dc_cap_measure(&slo, &res, gaps, 100, &p);
	ck_assert_int_eq(p.ok, 0);
	slo.sched_s = 0;  /* dropped condition */
	slo.tbt_s = 0.0979;
	dc_cap_measure(&slo, &res, gaps, 100, &p);
	ck_assert_int_eq(p.ok, 0);
}
END_TEST

/* ---- the engine probe against M/D/1 ------------------------------------- */

#define TAU 0.01  /* s per iteration, whatever the batch */
#define OUT 10    /* tokens per request: service S = OUT * TAU */

static int const_cost(const void *ctx, size_t n, const int32_t *q,
		      const int32_t *c, double clock, dc_iter_out *o)
{
	(void)ctx, (void)c, (void)clock;
	memset(o, 0, sizeof *o);
	o->time_s = o->cpu_s = TAU;
	for (size_t i = 0; i < n; i++)
		o->decode_tokens += q[i];
	return DC_OK;
}

/* M/D/1 waiting time: P(W <= t) = (1 - rho) sum_{k=0}^{floor(t/S)}
 * (lambda (k S - t))^k / k! e^{-lambda (k S - t)}. */
static double md1_wait_cdf(double lambda, double s, double t)
{
	double sum = 0;
	for (int k = 0; k <= (int)floor(t / s + 1e-12); k++) {
		double x = lambda * (k * s - t);
		sum += (k ? pow(x, k) / gsl_sf_fact((unsigned)k) : 1) * exp(-x);
	}
	return (1 - lambda * s) * sum;
}

/* The rate at which the median wait equals D (bisection; the CDF falls
 * with lambda). */
static double md1_rate_at_median(double s, double d)
{
	double lo = 1e-9, hi = (1 - 1e-9) / s;
	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;
		*(md1_wait_cdf(mid, s, d) >= 0.5 ? &lo : &hi) = mid;
	}
	return lo;
}

/* A replica serving one request at a time, and Poisson arrivals of
 * 100-token prompts asking for OUT tokens. */
static void one_at_a_time(dc_replica_cfg *rc, dc_arrivals_cfg *a)
{
	dc_replica_cfg_default(rc);
	rc->scheduler = DC_SCHED_STATIC;
	rc->max_batch = 1;
	rc->kv_tokens = 1 << 20;
	memset(a, 0, sizeof *a);
	a->kind = DC_ARR_POISSON;
	a->rate = 1, a->cv = 1, a->speedup = 1, a->length_scale = 1;
	a->prompt = "100", a->output = "10";
}

START_TEST(engine_probe_md1)
{
	dc_replica_cfg rc;
	dc_arrivals_cfg a;
	one_at_a_time(&rc, &a);
	const double s = OUT * TAU, d = 2 * s;
	dc_cap_engine e = {.cfg = &rc, .fn = const_cost, .n_rep = 1,
			   .router = {DC_ROUTE_ROUND_ROBIN}, .arrivals = &a, .n = 40000,
			   .seed = 20240501,
			   .slo = {.sched_q = 0.5, .sched_s = d}};
	dc_err err = DC_ERR_INIT;
	/* the precondition: one request at a time takes S */
	dc_cap_probe p;
	ck_assert_int_eq(dc_cap_engine_probe(&e, 0.01, &p, &err), DC_OK);
	ck_assert_msg(p.sched < 1e-9 && fabs(p.tbt - TAU) < 1e-9,
		      "sched %g tbt %g", p.sched, p.tbt);
	/* the same rate gives the same answer (common random numbers) */
	dc_cap_probe p1, p2;
	ck_assert_int_eq(dc_cap_engine_probe(&e, 7.5, &p1, &err), DC_OK);
	ck_assert_int_eq(dc_cap_engine_probe(&e, 7.5, &p2, &err), DC_OK);
	ck_assert(p1.sched == p2.sched && p1.ttft == p2.ttft);
	double cap;
	dc_cap_search o = {.rate0 = 1, .rel_tol = 0.005};
	ck_assert_int_eq(dc_cap_find(&o, dc_cap_engine_probe, &e, &cap, NULL,
				     &err), DC_OK);
	double want = md1_rate_at_median(s, d);
	/* sanity of the closed form: between half load and saturation */
	ck_assert(want > 0.5 / s && want < 1 / s);
	ck_assert_msg(fabs(cap - want) <= 0.03 * want,
		      "capacity %g /s, M/D/1 %g /s", cap, want);
	dc_err_free(&err);
}
END_TEST

/* The fewest replicas: no fewer than the load lambda S (stability), the
 * count found passes and one fewer fails. */
START_TEST(min_replicas_edge)
{
	dc_replica_cfg rc;
	dc_arrivals_cfg a;
	one_at_a_time(&rc, &a);
	const double s = OUT * TAU, lambda = 47;
	dc_cap_engine e = {.cfg = &rc, .fn = const_cost, .n_rep = 1,
			   .router = {DC_ROUTE_LEAST_OUTSTANDING},
			   .arrivals = &a, .n = 20000, .seed = 7,
			   .slo = {.sched_q = 0.5, .sched_s = s}};
	dc_err err = DC_ERR_INIT;
	for (size_t guess = 1; guess <= 64; guess *= 4) {
		size_t k = 0;
		ck_assert_int_eq(dc_cap_min_replicas(&e, lambda, guess, 1000, &k,
						     &err), DC_OK);
		ck_assert_uint_ge(k, (size_t)ceil(lambda * s));
		dc_cap_engine f = e;
		dc_cap_probe p;
		f.n_rep = k;
		ck_assert_int_eq(dc_cap_engine_probe(&f, lambda, &p, &err), DC_OK);
		ck_assert_msg(p.ok, "%zu replicas fail", k);
		f.n_rep = k - 1;
		ck_assert_int_eq(dc_cap_engine_probe(&f, lambda, &p, &err), DC_OK);
		ck_assert_msg(!p.ok, "%zu replicas pass", k - 1);
	}
	size_t k;
	ck_assert_int_eq(dc_cap_min_replicas(&e, lambda, 1, 3, &k, &err),
			 DC_EFAIL);
	ck_assert_int_eq(dc_cap_min_replicas(&e, lambda, 0, 3, &k, &err),
			 DC_EINVAL);
	dc_err_free(&err);
}
END_TEST

START_TEST(engine_probe_bad)
{
	dc_err err = DC_ERR_INIT;
	dc_cap_probe p;
	dc_cap_engine e = {0};
	ck_assert_int_eq(dc_cap_engine_probe(&e, 1, &p, &err), DC_EINVAL);
	ck_assert_int_eq(dc_cap_engine_probe(NULL, 1, &p, &err), DC_EINVAL);
	e.n = 10;
	ck_assert_int_eq(dc_cap_engine_probe(&e, -1, &p, &err), DC_EINVAL);
	ck_assert_int_eq(dc_cap_engine_probe(&e, NAN, &p, &err), DC_EINVAL);
	dc_err_free(&err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("llm_capacity");
	TCase *t = tcase_create("capacity");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, search_finds_edge);
	tcase_add_test(t, search_edges);
	tcase_add_test(t, measure_quantiles);
	tcase_add_test(t, engine_probe_md1);
	tcase_add_test(t, min_replicas_edge);
	tcase_add_test(t, engine_probe_bad);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return dc_test_main(suite());
}
