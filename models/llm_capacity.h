/* llm_capacity.h - serving capacity at latency SLOs: the largest arrival
 * rate a deployment sustains while chosen latency quantiles stay inside
 * their limits (Sarathi-Serve / Vidur-Search, llm.md §3.5: e.g. P90 TTFT
 * <= 2 s and P99 TBT <= 0.2 s with bounded scheduling delay).
 *
 * Two parts: a search over the rate that only needs a feasibility probe
 * (monotone in the rate), and the probe that plays a fixed number of
 * requests through the serving engine's reference driver and measures the
 * quantiles. */
#ifndef DC_LLM_CAPACITY_H
#define DC_LLM_CAPACITY_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

#include "../sim/err.h"
#include "arrivals.h"
#include "llm_engine.h"

/* The SLO: quantile level q (0..1) and limit (s) of each latency; a limit
 * <= 0 drops that condition. */
typedef struct dc_cap_slo {
	double ttft_q, ttft_s;    /* time to first token */
	double tbt_q, tbt_s;      /* every gap between consecutive tokens */
	double sched_q, sched_s;  /* scheduling delay (queueing) */
} dc_cap_slo;

/* What one probe measured at one rate. */
typedef struct dc_cap_probe {
	double rate;              /* offered, 1/s */
	double ttft, tbt, sched;  /* the SLO's quantiles, s */
	double throughput;        /* completed requests / last completion */
	int ok;                   /* every condition held */
} dc_cap_probe;

/* Probe at RATE into *OUT; returns DC_OK or an error code. */
typedef int (*dc_cap_probe_fn)(void *ctx, double rate, dc_cap_probe *out,
			       dc_err *err);

/* Search options; zero-initialised fields take the defaults shown. */
typedef struct dc_cap_search {
	double rate0;     /* first rate tried (1 /s) */
	double rel_tol;   /* stop when (hi - lo) <= rel_tol * lo (0.02) */
	int max_probes;   /* give up bracketing/bisecting after this (60) */
	double rate_min;  /* below this the capacity is reported as 0 (1e-6) */
} dc_cap_search;

/* The capacity: bracket [lo feasible, hi infeasible] by doubling or
 * halving from rate0, then bisect in the geometric mean until rel_tol.
 * *CAP gets lo (0 when even rate_min fails), *PROBES (may be NULL) the
 * probes used.  Returns DC_OK, DC_EINVAL (bad options), DC_EFAIL (no
 * infeasible rate found within max_probes: the SLO never binds), or the
 * probe's code. */
int dc_cap_find(const dc_cap_search *opt, dc_cap_probe_fn fn, void *ctx,
		double *cap, int *probes, dc_err *err);

/* A probe through the serving engine: N requests drawn from ARRIVALS
 * (poisson/gamma with rate set to the probe's rate; a trace replayed with
 * its speed-up scaled so its mean rate is the probe's), every probe
 * drawing from an RNG reset to SEED (common random numbers, so the probe
 * is a deterministic function of the rate), served by N_REP replicas of
 * CFG / FN / FN_CTX behind ROUTER at clock CLOCK. */
typedef struct dc_cap_engine {
	const dc_replica_cfg *cfg;
	dc_iter_fn fn;
	const void *fn_ctx;
	size_t n_rep;
	dc_router router;
	const dc_arrivals_cfg *arrivals;
	const dc_arrivals_trace *trace;   /* borrowed; NULL unless a trace */
	size_t n;                         /* requests per probe */
	unsigned long seed;
	double clock;                     /* 0 -> 1 */
	dc_cap_slo slo;
	/* optional: completes OPT before each probe of N requests on N_REP
	   replicas (fresh per-replica adapter state and each request's
	   adapter, so that probes do not share state); PCTX its context */
	int (*prepare)(void *pctx, size_t n_rep, size_t n,
		       dc_llm_simple_opt *opt, dc_err *err);
	void *pctx;
} dc_cap_engine;

/* dc_cap_probe_fn over a dc_cap_engine (CTX). */
int dc_cap_engine_probe(void *ctx, double rate, dc_cap_probe *out,
			dc_err *err);

/* The fewest replicas (E's config with n_rep replaced) that meet E's SLO
 * at RATE: doubling from GUESS (>= 1) until a count passes, then
 * bisection (assumes more replicas never hurt).  *K gets the count.
 * Returns DC_OK, DC_EFAIL (K_MAX replicas still fail), DC_EINVAL or a
 * probe's code. */
int dc_cap_min_replicas(const dc_cap_engine *e, double rate, size_t guess,
			size_t k_max, size_t *k, dc_err *err);

/* The quantiles of one finished run RES whose token gaps are GAPS[0..NG)
 * against SLO into *OUT (rate left as is).  Exact order statistics (the
 * lower quantile: value of rank ceil(q n)).  Sorts GAPS in place. */
void dc_cap_measure(const dc_cap_slo *slo, const dc_llm_result *res,
		    double *gaps, size_t ng, dc_cap_probe *out);

#endif
