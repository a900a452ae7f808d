/* llm_types.h - the small vocabulary shared by the LLM performance model
 * (llm_perf), the request sources (arrivals) and the serving engine
 * (llm_engine): one iteration's cost, and one request. */
#ifndef DC_LLM_TYPES_H
#define DC_LLM_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* What one iteration (one forward pass of a replica over its batch) costs. */
typedef struct dc_iter_out {
	double time_s;      /* wall time of the iteration */
	double compute_s;   /* part of time_s bound by compute (stretches as
			       1/clock when the clock is lowered) */
	double memory_s;    /* part bound by memory bandwidth */
	double comm_s;      /* tensor-parallel all-reduce */
	double cpu_s;       /* per-iteration CPU / launch overhead */
	double flops;       /* model FLOPs of the iteration */
	double bytes;       /* HBM bytes moved */
	double energy_J;    /* energy of the replica's GPUs over time_s */
	double power_W;     /* mean power of the replica's GPUs over time_s */
	int64_t prefill_tokens, decode_tokens;
} dc_iter_out;

/* The one interface of a performance model: the cost of an iteration over
 * N sequences, sequence i processing Q[i] new tokens with C[i] tokens
 * already in its KV cache, at clock ratio CLOCK (0 < clock <= 1; thermal
 * throttling and power caps lower it).  Returns DC_OK or a DC_E* code.
 * CTX is the model's state. */
typedef int (*dc_iter_fn)(const void *ctx, size_t n, const int32_t *q,
			  const int32_t *c, double clock, dc_iter_out *o);

/* One request as a source produces it. */
typedef struct dc_req_spec {
	double t_arrival_s;  /* arrival time, s from the start */
	int32_t prompt;      /* prompt (context) tokens, >= 1 */
	int32_t output;      /* tokens to generate, >= 1 */
} dc_req_spec;

#endif
