/* llm_fluid.h - the fluid (steady-state) model of one LLM serving replica
 * and the sizing of a deployment in throughput units (PTU analogue,
 * llm.md §1, §3.5 "Throughput per unit").  Engine-free: it needs only the
 * iteration cost function dc_iter_fn (llm_types.h) and solves for the
 * equilibrium instead of playing requests.
 *
 * THIS IS A FLUID APPROXIMATION.  Every quantity is a long-run mean; there
 * is no queueing variance unless cfg.queueing asks for an M/G/1 waiting
 * time on the prompt path.  The approximations, all of them:
 *
 *  A1 Little's law fixes the mean decode batch (llm.md §3.5):
 *     B = lambda * (n_out - 1) * TPOT.  The first output token comes out of
 *     the prefill (as in llm_engine), so a request spends n_out - 1 decode
 *     steps in the decode batch; "B = lambda n_out TPOT" is the same law
 *     with n_out - 1 ~ n_out.  Solved by gsl_root_fsolver_brent on B.
 *  A2 Representative iteration: the batch a decoding request sees holds
 *     b = max(B, 1) decodes (it is never alone with less than itself), all
 *     at the mean context of a decode step
 *       c_dec = P + E[(O-1)(O-2)] / (2 E[O-1])   (P, O prompt/output means,
 *     prompt and output independent; needs E[O^2] when outputs vary).
 *     Fractional counts are handled by linear interpolation of the cost
 *     between the integer batches around them (exact for costs linear in
 *     the number of sequences); contexts are spread over floor/ceil so the
 *     batch's total context is right; prompt length and chunk context are
 *     rounded to whole tokens.
 *  A3 flywheel (token budget tau): prefill tokens ride in every iteration
 *     in the ratio of the rates, p = b * P / (O - 1) tokens per iteration,
 *     as chunks of q = min(P, tau - b) tokens at mean context (P - q)/2
 *     (FIFO chunks of one prompt at a time; a chunk straddling two prompts
 *     is not counted as two sequences).  TPOT = T_iter(b, p).  Saturated
 *     when B + B P/(O-1) > tau (the budget is full).  TTFT = residual of
 *     the running iteration U T/2 + ceil(P/q) iterations carrying one chunk.
 *  A4 naive: decode iterations carry the b decodes only; prompts that
 *     arrive during one decode iteration are prefilled together in one
 *     prefill-only iteration of m = max(1, lambda T_dec) prompts, during
 *     which every decode stalls: TPOT = T_dec / (1 - phi), with
 *     phi = lambda T_pre(m) / m the fraction of time spent in prefill;
 *     saturated when phi >= 1.  TTFT = residual + T_pre(m).
 *  A5 static (request-level batching): a batch of b requests runs one
 *     prefill of b prompts then O - 1 decode iterations of b sequences
 *     (every member is taken to have the mean output: with varied outputs
 *     the batch lasts until its longest, which this does not see); the
 *     next batch is what arrived meanwhile: b = max(1, lambda C(b)),
 *     C(b) = T_pre(b) + (O-1) T_dec(b).  TTFT = U C/2 + T_pre(b).
 *  A6 Limits: decodes <= max_batch (and decodes + prompts in prefill
 *     <= max_batch), KV in use <= kv_tokens (decodes hold c_dec + 1
 *     tokens, admitted prompts P; static reserves P + O per request; no
 *     block rounding, no watermark), no preemption or recompute.  Beyond a
 *     limit the replica is saturated: its queue grows without bound.
 *  A7 Residual wait: an arrival finds an iteration running with
 *     probability U and waits half of it (deterministic iteration lengths):
 *     W = sum over iteration kinds of rate_k T_k^2 / 2.  With cfg.queueing,
 *     add the Pollaczek-Khinchine wait lambda E[S^2] / (2 (1 - rho)) of an
 *     M/G/1 queue whose server is the replica's prefill path (S = a
 *     prompt's prefill time, proportional to its length, rho = lambda
 *     E[S]); without it arrivals are taken to be evenly spaced (no wait).
 *  A8 Power: busy power from the cost function (dc_iter_out.energy_J, or
 *     power_W * time_s when energy is 0); idle time at cfg.idle_power.
 *
 * Capacity = the largest lambda that is not saturated (and meets given
 * SLOs), found by bisection (gsl_root_fsolver_bisection), assuming that
 * feasibility is monotone in lambda.  Units: a deployment of k units
 * (k may be fractional: PTUs are sold in fractions) splits lambda evenly;
 * in the fluid model k units sustain exactly k times one unit's rate (V12
 * shape, llm.md §4). */
#ifndef DC_LLM_FLUID_H
#define DC_LLM_FLUID_H

#include <stddef.h>
#include <stdint.h>

#include "../sim/err.h"
#include "../sim/params.h"
#include "llm_engine.h"   /* dc_sched_kind, dc_sched_names */
#include "llm_types.h"

/* One replica and its workload.  Defaults (dc_fluid_cfg_default and
 * dc_fluid_pset) are given in the table (llm_fluid.c) with sources. */
typedef struct dc_fluid_cfg {
	int scheduler;          /* dc_sched_kind */
	int64_t token_budget;   /* flywheel: tokens per iteration tau, >= 1 */
	int64_t max_batch;      /* most sequences in a batch, >= 1 */
	int64_t kv_tokens;      /* KV capacity, tokens; 0: no KV limit */
	double prompt_mean;     /* mean prompt tokens P, >= 1 */
	double output_mean;     /* mean output tokens O, > 1 */
	double prompt_m2;       /* E[P^2], tokens^2; 0: P constant */
	double output_m2;       /* E[O^2], tokens^2; 0: O constant */
	double clock;           /* clock ratio (0, 1] passed to the model */
	int queueing;           /* bool: add the M/G/1 prompt wait (A7) */
	double idle_power;      /* W of the replica's GPUs when idle (A8) */
	double slo_ttft;        /* s; mean TTFT target (scenario default) */
	double slo_tpot;        /* s; mean TPOT target (scenario default) */
	double granularity;     /* units are bought in multiples of this */
} dc_fluid_cfg;

/* The declarative table of dc_fluid_cfg (section "fluid"). */
extern const dc_pset dc_fluid_pset;

/* Fill CFG with the defaults of dc_fluid_pset.  Cannot fail. */
void dc_fluid_cfg_default(dc_fluid_cfg *cfg);

/* Check CFG's ranges (those of dc_fluid_pset, plus E[P^2] >= P^2 and
 * E[O^2] >= O^2 when given).  Returns DC_OK or DC_EINVAL with a line
 * naming the key in ERR. */
int dc_fluid_cfg_check(const dc_fluid_cfg *cfg, dc_err *err);

/* What binds when a replica is saturated. */
typedef enum {
	DC_FLUID_LIM_NONE = 0,  /* not saturated */
	DC_FLUID_LIM_BUDGET,    /* flywheel token budget full */
	DC_FLUID_LIM_BATCH,     /* max_batch */
	DC_FLUID_LIM_KV,        /* KV cache */
	DC_FLUID_LIM_PREFILL,   /* naive: prefill stalls take all the time */
	DC_FLUID_LIM_COMPUTE    /* no fixed point: iterations grow faster
				   than the batch (not reached with max_batch
				   finite; kept for completeness) */
} dc_fluid_limit;

/* Limit names, indexed by dc_fluid_limit, NULL-terminated. */
extern const char *const dc_fluid_limit_names[];

/* The steady state of a replica (or of a deployment of units, see
 * dc_fluid_eval_units).  Times in s, rates per s, power W, energy J. */
typedef struct dc_fluid_out {
	double lambda;          /* offered rate, req/s */
	int saturated;          /* lambda > capacity: queue grows */
	int limit;              /* dc_fluid_limit that binds when saturated */
	double capacity;        /* req/s it sustains (no SLOs), by bisection */
	double units;           /* replicas / units (1 for one replica) */
	double throughput;      /* req/s served: lambda, or capacity */
	double tokens_out_s;    /* output tokens/s */
	double tokens_in_s;     /* prompt tokens/s */
	double batch;           /* B: mean decoding requests (Little, A1) */
	double batch_iter;      /* b: decodes in an iteration (A2) */
	double prefill_iter;    /* prompt tokens per iteration (flywheel,
				   static) or per prefill iteration (naive) */
	double iter_s;          /* mean iteration time while busy */
	double ttft;            /* mean time to first token (inf: saturated) */
	double tpot;            /* mean time per output token after the first */
	double e2e;             /* ttft + (O - 1) tpot (inf: saturated) */
	double concurrency;     /* lambda * e2e (Little) */
	double util;            /* fraction of time an iteration runs */
	double kv_used;         /* mean KV tokens in use */
	double power;           /* mean GPU power, W (A8) */
	double energy_token;    /* J per output token (0 when idle) */
} dc_fluid_out;

/* The steady state of one replica of CFG with cost FN/FN_CTX (borrowed
 * for the call) at arrival rate LAMBDA (req/s, >= 0).  When LAMBDA exceeds
 * the capacity, OUT is the operating point at capacity with saturated = 1,
 * lambda = LAMBDA, ttft = e2e = concurrency = inf.  OUT->capacity is
 * always filled (one bisection per call: ~100 fixed points, each a few
 * dozen cost calls).  Returns DC_OK, DC_EINVAL (bad CFG or LAMBDA, NULL
 * arguments), DC_ERANGE (the model gave a time that is not finite and > 0;
 * a solver failed) or the model's own code; ERR gets the text. */
int dc_fluid_eval(const dc_fluid_cfg *cfg, dc_iter_fn fn, const void *ctx,
		  double lambda, dc_fluid_out *out, dc_err *err);

/* Largest rate *LAMBDA_MAX (req/s) that one replica sustains with mean
 * TTFT <= SLO_TTFT and mean TPOT <= SLO_TPOT (s; <= 0 or inf: no target;
 * fluid means, not the P90/P99 of Vidur-Search, llm.md §3.5).
 * Bisection to 1e-12 relative; *LAMBDA_MAX is on the feasible side.  0
 * when even a vanishing load misses the SLOs.  Returns as dc_fluid_eval. */
int dc_fluid_capacity(const dc_fluid_cfg *cfg, dc_iter_fn fn,
		      const void *ctx, double slo_ttft, double slo_tpot,
		      double *lambda_max, dc_err *err);

/* Units needed to serve LAMBDA (req/s, > 0) within the SLOs: the smallest
 * multiple of GRANULARITY (> 0) k such that one replica at LAMBDA / k is
 * feasible, i.e. k = ceil(LAMBDA / theta / g) g with theta the SLO
 * capacity of one unit (verified by one more evaluation).  Returns as
 * dc_fluid_eval, or DC_ERANGE when one unit cannot meet the SLOs at any
 * load (theta = 0). */
int dc_fluid_units(const dc_fluid_cfg *cfg, dc_iter_fn fn, const void *ctx,
		   double lambda, double slo_ttft, double slo_tpot,
		   double granularity, double *units, dc_err *err);

/* The steady state of UNITS (> 0, fractional allowed) replicas sharing
 * LAMBDA evenly: latencies and utilisation are one replica's at
 * LAMBDA / UNITS; rates, capacity, batch, KV and power are scaled by
 * UNITS.  Returns as dc_fluid_eval. */
int dc_fluid_eval_units(const dc_fluid_cfg *cfg, dc_iter_fn fn,
			const void *ctx, double units, double lambda,
			dc_fluid_out *out, dc_err *err);

/* Tokens per minute (prompt + output, unweighted) carried at LAMBDA
 * req/s: 60 LAMBDA (P + O).  Azure's per-model weighting of output tokens
 * in its PTU tables is not modelled (llm.md §1: tables not extracted).
 * Pass a unit's capacity for tokens per minute per unit.  Returns NaN when
 * CFG is NULL; cannot fail otherwise. */
double dc_fluid_tpm(const dc_fluid_cfg *cfg, double lambda);

#endif
