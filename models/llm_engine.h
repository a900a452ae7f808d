/* llm_engine.h - the serving engine of the LLM workload, free of the
 * discrete-event engine: a replica is an iteration-level state machine
 * (Vidur's replica scheduler, llm.md §2.2) and a router picks a replica
 * for each arriving request.  The caller owns time and events:
 *
 *   dc_replica_add(r, id, &spec, now);        a request arrives
 *   dc_replica_begin(r, now, clock, &plan);   if plan.n > 0, schedule an
 *                                             event at now + plan.duration_s
 *   dc_replica_end(r, then, &events);         that event: tokens and
 *                                             completions are reported
 *
 * Schedulers (llm.md §1, §3.5):
 *   naive     prefill-prioritising continuous batching (vLLM 2023): any
 *             admissible waiting prompt runs in a prefill-only iteration,
 *             running decodes stall meanwhile; else one decode iteration
 *             over every running request.
 *   flywheel  fixed token budget tau per iteration (Sarathi-Serve /
 *             DeepSpeed-FastGen Dynamic SplitFuse): every running decode
 *             gets one token, prompt chunks (FIFO) fill the rest up to tau.
 *   static    request-level batching (FasterTransformer): a batch is
 *             admitted together and runs until its last member is done.
 *
 * KV cache: paged in blocks of block_size tokens (Vidur/vLLM defaults,
 * llm.md §2.2).  Admission needs blocks for the whole prompt and leaves
 * `watermark` of all blocks free; decodes take a block when they cross a
 * block boundary; when none is free the most recently admitted running
 * request is preempted by recompute (its blocks freed, back at the head of
 * the queue, its generated tokens recomputed as prompt).  Static batching
 * reserves prompt + output at admission and never preempts.  A request
 * whose prompt + output cannot fit an empty replica is refused at
 * dc_replica_add, so every accepted request completes.
 *
 * Times are double seconds from the start of the run; the caller passes
 * non-decreasing times. */
#ifndef DC_LLM_ENGINE_H
#define DC_LLM_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "../sim/err.h"
#include "../sim/params.h"
#include "llm_types.h"

/* ---- configuration ------------------------------------------------------ */

typedef enum {
	DC_SCHED_NAIVE = 0,
	DC_SCHED_FLYWHEEL,
	DC_SCHED_STATIC
} dc_sched_kind;

/* One replica's scheduler and memory.  Defaults (dc_replica_cfg_default
 * and dc_replica_pset) are Vidur's: token_budget 512 (Sarathi chunk_size),
 * max_batch 128 (batch_size_cap), block_size 16, watermark 0.01 (llm.md
 * §2.2 Vidur, §3.5).  kv_tokens has no useful default (0): the caller
 * computes it from model and GPU memory (memory planner, llm.md §2.2). */
typedef struct dc_replica_cfg {
	int scheduler;         /* dc_sched_kind */
	int64_t token_budget;  /* flywheel: tokens per iteration tau, >= 1 */
	int64_t max_batch;     /* most sequences in a batch, >= 1 */
	int64_t block_size;    /* KV block size, tokens, >= 1 */
	double watermark;      /* fraction of blocks kept free when admitting,
				  0 <= w < 1 */
	int64_t kv_tokens;     /* KV capacity, tokens (>= block_size) */
} dc_replica_cfg;

/* The declarative table of dc_replica_cfg (section "serving"; see
 * sim/params.h).  Keys: scheduler, token_budget, max_batch, block_size,
 * watermark, kv_tokens. */
extern const dc_pset dc_replica_pset;

/* Scheduler names, indexed by dc_sched_kind, NULL-terminated. */
extern const char *const dc_sched_names[];

/* Fill CFG with the defaults above (scheduler flywheel, kv_tokens 0).
 * Cannot fail. */
void dc_replica_cfg_default(dc_replica_cfg *cfg);

/* Check CFG's ranges (those of dc_replica_pset plus kv_tokens >= block_size
 * and the capacity fitting 2^31 blocks).  Returns DC_OK or DC_EINVAL with
 * a line naming the key in ERR. */
int dc_replica_cfg_check(const dc_replica_cfg *cfg, dc_err *err);

/* ---- results ------------------------------------------------------------ */

/* One finished request: Vidur's metric list (llm.md §2.2 docs/metrics.md,
 * §3.5).  Times in s from the start of the run. */
typedef struct dc_req_rec {
	int64_t id;            /* the caller's request id */
	int32_t prompt, output;
	int32_t emitted;       /* tokens emitted (== output when done) */
	int32_t preemptions;   /* times this request was preempted */
	double t_arrival;      /* a_r: dc_req_spec.t_arrival_s */
	double t_schedule;     /* s_r: first admitted to a batch */
	double t_first;        /* f_r: first token */
	double t_last;         /* last token */
	double t_done;         /* c_r: completion (== t_last) */
	double ttft;           /* f_r - a_r */
	double e2e;            /* c_r - a_r */
	double tpot;           /* (e2e - ttft)/(output - 1); 0 if output 1 */
	double sched_delay;    /* s_r - a_r */
	double tbt_max;        /* largest gap between consecutive tokens */
	double tbt_sum;        /* sum of those gaps (= t_last - t_first) */
} dc_req_rec;

/* Counters of one replica since dc_replica_new. */
typedef struct dc_replica_stats {
	int64_t requests_in, requests_done;
	int64_t iterations;
	int64_t preemptions;
	int64_t prefill_tokens;   /* prompt (and recomputed) tokens processed */
	int64_t decode_tokens;    /* decode tokens processed */
	int64_t tokens_out;       /* tokens emitted */
	int64_t batch_seqs_sum, batch_seqs_max;     /* sequences/iteration */
	int64_t batch_tokens_sum, batch_tokens_max; /* tokens/iteration */
	int64_t kv_blocks_total;  /* capacity, blocks */
	int64_t kv_blocks_used;   /* now */
	int64_t kv_blocks_peak;   /* high-water mark */
	double kv_util_busy;      /* integral of used/total over busy time, s
				     (divide by busy_s for the mean) */
	double busy_s;            /* time inside iterations */
	double energy_J;          /* sum of dc_iter_out.energy_J */
	double outstanding_s;     /* integral of unfinished requests over
				     time, request-seconds (Little's L*T) */
	/* LoRA adapters (dc_replica_set_lora; all 0 without): */
	int64_t adapter_loads;    /* swap stalls: adapter loads (unmerged
				     cache misses) or whole-model switches
				     (dedicated) */
	double adapter_load_s;    /* their time, s (inside busy_s) */
	double adapter_extra_s;   /* unmerged per-iteration adapter compute
				     and memory time, s (inside busy_s) */
	int64_t adapter_batch_sum;/* distinct adapters per iteration, summed */
	int64_t adapters_served;  /* distinct adapters (id >= 0) among the
				     requests completed here */
} dc_replica_stats;

/* What dc_replica_begin planned.  n == 0: nothing to do (the replica stays
 * idle and every other field is 0). */
typedef struct dc_iter_plan {
	size_t n;                 /* sequences in the batch */
	int32_t prefill_seqs;     /* sequences processing prompt tokens */
	int32_t decode_seqs;      /* sequences decoding one token */
	int64_t prefill_tokens, decode_tokens;
	int64_t kv_blocks_used;   /* after this iteration's allocations */
	int32_t preempted;        /* preemptions made to form the batch */
	double duration_s;        /* == cost.time_s (> 0 when n > 0) */
	dc_iter_out cost;         /* the performance model's answer, plus
				     the adapter times below in time_s and
				     (at power_W) energy_J */
	int32_t adapters;         /* distinct adapters (id >= 0) in the batch */
	int32_t adapter_loads;    /* swap stalls charged to this iteration */
	double adapter_load_s;    /* their time, s */
	double adapter_extra_s;   /* unmerged adapter overhead, s */
} dc_iter_plan;

/* Where dc_replica_end reports.  Either function may be NULL.
 * on_token: one call per emitted token, in batch order; FIRST is 1 for a
 * request's first token; GAP is the time since the previous token of the
 * request (for the first token: since its arrival, i.e. the TTFT).
 * on_done: one call per finished request (after its last on_token); REC is
 * valid during the call only. */
typedef struct dc_llm_events {
	void *ctx;
	void (*on_token)(void *ctx, int64_t req_id, double t, int first,
			 double gap_s);
	void (*on_done)(void *ctx, const dc_req_rec *rec);
} dc_llm_events;

/* ---- replica ------------------------------------------------------------ */

typedef struct dc_replica dc_replica;

/* Create a replica with config CFG (copied) and performance model FN with
 * context FN_CTX (borrowed: must outlive the replica).  On success *OUT
 * owns the replica (dc_replica_free).  Returns DC_OK, DC_EINVAL (bad
 * config, FN NULL, OUT NULL) or DC_ENOMEM; ERR gets the text. */
int dc_replica_new(const dc_replica_cfg *cfg, dc_iter_fn fn,
		   const void *fn_ctx, dc_replica **out, dc_err *err);

/* Free R; dc_replica_free(NULL) is a no-op. */
void dc_replica_free(dc_replica *r);

/* Enqueue request REQ_ID (S copied) at time NOW (>= every time passed so
 * far).  May be called while an iteration runs.  Returns DC_OK, DC_EINVAL
 * (prompt or output < 1, prompt + output beyond what the empty replica can
 * hold, NOW going backwards) or DC_ENOMEM; R unchanged on error. */
int dc_replica_add(dc_replica *r, int64_t req_id, const dc_req_spec *s,
		   double now, dc_err *err);

/* If R is idle and work can run, form the next batch at time NOW and ask
 * the performance model for its cost at clock ratio CLOCK (0 < clock <= 1);
 * *PLAN describes it and R is busy until dc_replica_end.  With nothing to
 * do, plan->n == 0 and R stays idle.  Returns DC_OK, DC_EINVAL (R busy,
 * bad CLOCK, NOW going backwards), DC_ERANGE (the model returned a time
 * that is not finite and > 0, or the adapter hook a time that is not
 * finite and >= 0) or the model's or the hook's own code; on error R is
 * as before the call except that preempted requests stay preempted (and,
 * dedicated mode, the undone admissions go back to the head of the
 * queue); the hook's own state (its cache) may have changed. */
int dc_replica_begin(dc_replica *r, double now, double clock,
		     dc_iter_plan *plan, dc_err *err);

/* End the running iteration at time NOW (normally begin's now + duration):
 * sequences advance, EV (may be NULL) hears every token and completion.
 * Returns DC_OK or DC_EINVAL (R idle, NOW before the iteration began). */
int dc_replica_end(dc_replica *r, double now, const dc_llm_events *ev,
		   dc_err *err);

/* Queue and load of R; cannot fail. */
int dc_replica_busy(const dc_replica *r);           /* iteration running */
size_t dc_replica_waiting(const dc_replica *r);     /* not admitted */
size_t dc_replica_running(const dc_replica *r);     /* admitted */
size_t dc_replica_outstanding(const dc_replica *r); /* unfinished */
int64_t dc_replica_added(const dc_replica *r);      /* ever added */

/* Copy R's counters into *OUT (outstanding_s integrated up to the last
 * time R saw).  Cannot fail. */
void dc_replica_stats_get(const dc_replica *r, dc_replica_stats *out);

/* Check R's invariants: KV blocks in use equal the sum over sequences and
 * never exceed the capacity, every admitted sequence's KV holds its
 * context, queue counts agree.  Returns DC_OK or DC_EFAIL with the broken
 * invariant in ERR (a bug).  For tests and debug builds. */
int dc_replica_check(const dc_replica *r, dc_err *err);

/* ---- LoRA adapters (optional) ------------------------------------------- */

/* Multi-adapter serving (llm.md §3.6).  A request may name a LoRA adapter
 * (dc_replica_add_adapter; id -1 = the base model).  Two modes:
 *
 * unmerged (S-LoRA/Punica): batches mix adapters.  Admission (FIFO from
 *   the head of the queue) also requires that the distinct adapters of the
 *   running requests stay within max_resident (the GPU adapter slots), so
 *   every batch fits the cache.  Each iteration passes its distinct
 *   adapters and their token counts to batch(), which makes them resident
 *   and returns the load time of the misses (a swap stall) and the extra
 *   time of the adapter kernels; both are added to the iteration.
 *
 * dedicated (one merged model per fine-tune): the replica holds one
 *   adapter's merged weights (-1, the base model, at start) and batches
 *   only requests of that adapter; no per-token overhead.  Switching rule
 *   (gated polling, so no adapter starves): the replica admits, oldest
 *   first, waiting requests of its current adapter that arrived before it
 *   switched to it (or any of them when no other adapter is waiting); when
 *   nothing of its adapter is running or admissible it switches to the
 *   adapter of the oldest waiting request, and swap() gives the time,
 *   added to the first iteration after the switch.
 *
 * The hook's functions return DC_OK or a DC_E* code; times are s, finite
 * and >= 0.  CTX is the hook's state (one per replica: its GPUs). */
typedef struct dc_replica_lora_ops {
	int dedicated;          /* 0: unmerged, 1: dedicated */
	int64_t n_adapters;     /* adapter ids 0..n_adapters-1, >= 1 */
	int64_t max_resident;   /* unmerged: most distinct adapters among
				   running requests, >= 1 */
	/* unmerged: the batch uses the N distinct adapters IDS, TOKENS[i]
	   tokens of IDS[i], at clock ratio CLOCK. */
	int (*batch)(void *ctx, size_t n, const int64_t *ids,
		     const int64_t *tokens, double clock, double *load_s,
		     int64_t *loads, double *extra_s);
	/* dedicated: time to switch from adapter FROM to TO (-1: base) */
	int (*swap)(void *ctx, int64_t from, int64_t to, double *time_s);
} dc_replica_lora_ops;

/* Give R the adapter hook OPS (copied) with context CTX (borrowed: must
 * outlive R), before any request is added.  Returns DC_OK, DC_EINVAL (R
 * has seen requests or already has a hook, OPS NULL or its function for
 * the mode NULL, n_adapters outside [1, 2^24], max_resident < 1) or
 * DC_ENOMEM; R unchanged on error. */
int dc_replica_set_lora(dc_replica *r, const dc_replica_lora_ops *ops,
			void *ctx, dc_err *err);

/* dc_replica_add for a request of adapter ADAPTER (-1: the base model;
 * without a hook only -1 is accepted).  Returns as dc_replica_add, plus
 * DC_EINVAL for an adapter outside -1..n_adapters-1. */
int dc_replica_add_adapter(dc_replica *r, int64_t req_id, const dc_req_spec *s,
			   int64_t adapter, double now, dc_err *err);

/* The adapter whose weights a dedicated replica holds now (-1: base, and
 * always -1 without a dedicated hook).  Cannot fail. */
int64_t dc_replica_adapter(const dc_replica *r);

/* ---- router ------------------------------------------------------------- */

typedef enum {
	DC_ROUTE_ROUND_ROBIN = 0,
	DC_ROUTE_LEAST_OUTSTANDING, /* fewest unfinished requests (Vidur LOR) */
	DC_ROUTE_JSQ                /* shortest waiting queue, ties by
				       outstanding (SplitwiseSim JSQ) */
} dc_route_kind;

/* Router names, indexed by dc_route_kind, NULL-terminated. */
extern const char *const dc_route_names[];

typedef struct dc_router {
	int policy;  /* dc_route_kind */
} dc_router;

/* The index of the replica among REPS[0..N) that should take the next
 * request; ties go to the lowest index.  Round robin is stateless: it
 * picks (requests ever added to REPS) mod N, which cycles when every
 * request goes where the router says.  Returns the index, or DC_EINVAL
 * (N == 0, NULL, unknown policy). */
int dc_router_pick(const dc_router *rt, dc_replica *const *reps, size_t n);

/* ---- reference driver --------------------------------------------------- */

/* Options of dc_llm_run_simple; zero-initialised = defaults. */
typedef struct dc_llm_simple_opt {
	double clock;           /* clock ratio passed to the model; 0 -> 1 */
	int check;              /* nonzero: dc_replica_check after every step */
	const dc_llm_events *tap; /* optional: also hears every event (on_done
				   before the driver stores the record) */
	const dc_replica_lora_ops *lora; /* optional adapter hook ... */
	void *const *lora_ctx;  /* ... with one context per replica (n_rep) */
	const int64_t *adapter_of; /* optional: request i's adapter (n_req;
				   NULL: all -1, the base model) */
} dc_llm_simple_opt;

typedef struct dc_llm_result {
	dc_req_rec *recs;        /* n records, in the order of the input */
	size_t n;
	int64_t *replica_of;     /* n: the replica each request went to */
	dc_replica_stats *reps;  /* n_rep: per replica */
	size_t n_rep;
	dc_replica_stats total;  /* summed over replicas (max for *_max,
				    *_peak) */
	double t_end;            /* time of the last completion */
} dc_llm_result;

/* The reference semantics of the serving engine: play REQS[0..N_REQ)
 * through N_REP replicas of CFG/FN/FN_CTX with ROUTER, in an event loop of
 * its own in double seconds, until every request is done.  At one instant
 * it handles iteration ends (replica order), then arrivals (by time, then
 * input order; the router picks at arrival), then starts an iteration on
 * every idle replica (replica order).  Request i gets id i.  With
 * opt->lora every replica k gets the hook (opt->lora, opt->lora_ctx[k])
 * and request i adapter opt->adapter_of[i] (or -1).
 * On success RES owns its arrays (dc_llm_result_free).  Returns DC_OK,
 * DC_EINVAL (bad arguments, a request that cannot fit), DC_ENOMEM, a
 * model's code, or DC_EFAIL (opt->check found a broken invariant); RES is
 * empty on error. */
int dc_llm_run_simple(const dc_replica_cfg *cfg, dc_iter_fn fn,
		      const void *fn_ctx, size_t n_rep, const dc_router *router,
		      const dc_req_spec *reqs, size_t n_req,
		      const dc_llm_simple_opt *opt, dc_llm_result *res,
		      dc_err *err);

/* Free RES's arrays and zero it; NULL is a no-op. */
void dc_llm_result_free(dc_llm_result *res);

#endif
