/* llm_perf.h - the LLM performance model: what an iteration of a serving
 * replica costs (time, FLOPs, HBM bytes, power, energy) on an accelerator.
 *
 * Two back ends share the dc_iter_fn interface of llm_types.h:
 *
 *  - dc_llm_perf: analytical, per operator (shared/reference/llm.md 3.3):
 *      T_op = max(F_op / (eta_c(n) * peak * clock), B_op / (eta_m(n) * BW))
 *    summed over one decoder layer's operators times L, plus the LM head,
 *    the tensor-parallel all-reduces (llm.md 3.4) and a CPU/launch overhead.
 *    eta_c, eta_m come from Vidur's A100 linear-operator profiles
 *    (data/calibration/vidur/) or are constants ("roofline").  With a
 *    calibration profile ("calibrated", models/calib_fit.h) each operator
 *    takes its class's fitted law instead - per-call overhead, eta_c(n),
 *    eta_m(bytes), overlap - as fractions of the profile device's peaks
 *    applied to this accelerator's peaks (the same transfer Vidur's A100
 *    curves make).
 *  - dc_splitwise: a look-up of SplitwiseSim's measured prompt and token times
 *    (data/calibration/splitwise/perf_model.csv), interpolated.
 *
 * Catalog rows (data/llm_models.csv, data/accelerators.csv) are read with
 * dc_llm_arch_load and dc_accel_load from tables the caller loaded (models
 * never open files).  All quantities are SI: s, W, J, bytes, FLOP. */
#ifndef DC_LLM_PERF_H
#define DC_LLM_PERF_H

#include <stddef.h>
#include <stdint.h>

#include "../sim/dc.h"
#include "../sim/err.h"
#include "../sim/params.h"
#include "../sim/table.h"
#include "llm_types.h"

#define DC_LLM_NAME_MAX 64

/* A Llama-style decoder (llm.md 3.1 notation). */
typedef struct dc_llm_arch {
	char name[DC_LLM_NAME_MAX];
	int64_t layers;   /* L */
	int64_t hidden;   /* H */
	int64_t heads;    /* n_h; head dim d = H / n_h */
	int64_t kv_heads; /* n_kv (GQA when < n_h) */
	int64_t ffn;      /* I, the MLP intermediate size */
	int64_t vocab;    /* V */
	int gated;        /* 1: 3 MLP matrices (SwiGLU), 0: 2 */
	int tied;         /* 1: LM head shares the embedding matrix */
} dc_llm_arch;

/* An accelerator.  Every figure the catalog leaves empty is NAN. */
typedef struct dc_accel {
	char name[DC_LLM_NAME_MAX];
	double peak_fp16;     /* dense FLOP/s */
	double peak_fp8;      /* dense FLOP/s */
	double hbm_bytes;     /* bytes */
	double hbm_bw;        /* bytes/s */
	double tdp_w, tdp_min_w, idle_w;
	double prefill_w, decode_w; /* Splitwise phase powers, W per GPU */
	double t_max_op_k, t_slowdown_k, t_shutdown_k; /* K (catalog: degC) */
	double nvlink_bw;     /* bytes/s per GPU, one direction */
} dc_accel;

/* Read the row NAME of the model catalog T (columns name, layers, hidden,
 * heads, kv_heads, ffn, vocab, gated, tied) into *A.  Errors (appended to
 * ERR): DC_ENOENT "unknown model 'x' in PATH (known: a, b, ...)";
 * DC_EINVAL for a missing column, a non-number, a non-integer or
 * non-positive size, hidden not a multiple of heads, heads not a multiple of
 * kv_heads, gated/tied not 0 or 1 (at the field's file:line:col).  *A is
 * written only on success.  T is not retained. */
int dc_llm_arch_load(const dc_table *t, const char *name, dc_llm_arch *a,
		     dc_err *err);

/* A server (node) of the server catalog (data/servers.csv). */
typedef struct dc_server {
	char name[DC_LLM_NAME_MAX];
	int64_t gpus;                         /* accelerators per node */
	char accelerator[DC_LLM_NAME_MAX];    /* a row of accelerators.csv */
	double idle_w, peak_w;                /* node power, W (NAN: not given) */
} dc_server;

/* Read the row NAME of the server catalog T into *S.  Errors as
 * dc_accel_load; gpus must be an integer >= 1. */
int dc_server_load(const dc_table *t, const char *name, dc_server *s,
		   dc_err *err);

/* Read the row NAME of the accelerator catalog T into *G; empty fields give
 * NAN, temperatures are converted from degC to K.  Errors: DC_ENOENT
 * (unknown name, the known ones listed), DC_EINVAL (missing column, a field
 * that is neither empty nor a number, a negative figure). */
int dc_accel_load(const dc_table *t, const char *name, dc_accel *g,
		  dc_err *err);

/* --- exact helpers (llm.md 3.1-3.3); none allocates, all cannot fail
 * for a loaded (validated) architecture. --- */

/* Non-embedding linear parameters N_lin = L * (attn + mlp) (llm.md 3.1). */
uint64_t dc_llm_params_lin(const dc_llm_arch *a);

/* Total parameters N = N_lin + V*H*(tied ? 1 : 2) + H (llm.md 3.1; the
 * per-layer norms 2H*L are not in that formula and not counted). */
uint64_t dc_llm_params(const dc_llm_arch *a);

/* KV-cache bytes per token on one GPU at tensor-parallel degree TP:
 * 2 * L * ceil(n_kv / TP) * d * KV_BYTES (llm.md 3.2; the heads are split
 * over the GPUs, at least one per GPU).  TP < 1 is taken as 1. */
uint64_t dc_llm_kv_bytes_per_token(const dc_llm_arch *a, int tp,
				   int kv_bytes);

/* Model FLOPs (whole model, all GPUs) of one iteration over N sequences,
 * sequence i with Q[i] new tokens after C[i] cached ones (llm.md 3.3):
 * 2 N_lin Q + 4 L n_h d Q (C + (Q+1)/2) (exact causal attention) and, for
 * each sequence with EMIT[i] != 0, the LM head 2 H V.  EMIT == NULL: every
 * sequence emits.  Values < 0 count as 0. */
double dc_llm_flops(const dc_llm_arch *a, size_t n, const int32_t *q,
		    const int32_t *c, const unsigned char *emit);

/* HBM bytes one GPU moves in that iteration per llm.md 3.3: weights
 * W_BYTES * N / TP (read once) + sum C[i] * KV_tok (KV reads) + sum Q[i] *
 * KV_tok (KV writes), KV_tok per GPU as above; activations left out. */
double dc_llm_hbm_bytes(const dc_llm_arch *a, int tp, int w_bytes,
			int kv_bytes, size_t n, const int32_t *q,
			const int32_t *c);

/* --- the analytical model --- */

enum {
	DC_LLM_PROFILE_VIDUR = 0,  /* eta curves from Vidur profiles */
	DC_LLM_PROFILE_ROOFLINE,   /* constant eta_compute, eta_memory */
	DC_LLM_PROFILE_SPLITWISE,  /* table back end: use dc_splitwise_new */
	DC_LLM_PROFILE_CALIBRATED  /* a calibration profile's fitted laws */
};

/* Options; the scenario-facing ones are in dc_llm_perf_pset (defaults and
 * their sources there).  Fill with dc_llm_perf_opts_default, then set the
 * profile tables. */
typedef struct dc_llm_perf_opts {
	int profile;             /* DC_LLM_PROFILE_* */
	double cpu_overhead_s;   /* per iteration, s */
	double cpu_per_layer_s;  /* per iteration and layer, s */
	double mem_margin;       /* fraction of HBM kept free, [0, 1) */
	int64_t weight_bytes;    /* b: 2 (fp16/bf16) or 1 (fp8) */
	int64_t kv_bytes;        /* b_kv: 2 or 1 */
	double link_bw;          /* bit/s, one direction; 0: the catalog's */
	double link_latency_s;   /* alpha, per ring step */
	double eta_compute;      /* roofline profile constants */
	double eta_memory;
	double power_clock_exp;  /* compute power ~ clock^exp */
	/* Not scenario-facing (set by the caller; not copied, must outlive
	 * dc_llm_perf_new only): Vidur mlp.csv tables and the accelerator they
	 * were measured on (a100_80gb). */
	const dc_table *const *vidur;
	size_t n_vidur;
	const dc_accel *vidur_accel;
	/* calibrated: the profile's name under data/calibration/ (scenario
	 * key perf.calibration; the caller loads and fits it) and its fit
	 * (copied by dc_llm_perf_new). */
	char *calibration;
	const struct dc_calib_fit *calib;
} dc_llm_perf_opts;

/* The parameter table of dc_llm_perf_opts (section "perf"). */
extern const dc_pset dc_llm_perf_pset;

/* Set the defaults of dc_llm_perf_pset into *O and zero the rest.
 * Cannot fail (the defaults are constants). */
void dc_llm_perf_opts_default(dc_llm_perf_opts *o);

typedef struct dc_llm_perf dc_llm_perf;

/* Build the model of architecture A on accelerator G at tensor-parallel
 * degree TP (>= 1, dividing n_h) into *OUT (caller frees with
 * dc_llm_perf_free).  A, G and O are copied; O's tables are read here and
 * not retained.  Errors (DC_EINVAL unless said): TP invalid; a figure the
 * model needs is missing from G (peak for the weight precision, hbm_bw,
 * hbm_bytes, idle_w; for TP > 1 nvlink_bw unless O->link_bw is given) -
 * the message names the field; options out of range; profile SPLITWISE
 * (not this back end); VIDUR without tables or with a malformed table;
 * DC_ENOMEM.  O == NULL: defaults (then VIDUR has no tables: DC_EINVAL). */
int dc_llm_perf_new(const dc_llm_arch *a, const dc_accel *g, int tp,
		    const dc_llm_perf_opts *o, dc_llm_perf **out, dc_err *err);

/* Free P.  dc_llm_perf_free(NULL) is a no-op. */
void dc_llm_perf_free(dc_llm_perf *p);

/* dc_iter_fn for dc_llm_perf (CTX is a const dc_llm_perf *).  N == 0 gives
 * an all-zero *O.  Returns DC_EINVAL (O untouched) for NULL pointers, a
 * Q[i] < 1, a C[i] < 0, or CLOCK outside (0, 1].  Every sequence is taken
 * to compute logits for one position (the LM head): the interface cannot
 * tell a non-final prefill chunk.  flops and bytes are replica totals (all
 * TP GPUs); power_W and energy_J are for the TP GPUs. */
int dc_llm_perf_iter(const void *ctx, size_t n, const int32_t *q,
		     const int32_t *c, double clock, dc_iter_out *o);

/* KV capacity in tokens of the replica: (hbm_bytes (1 - MEM_MARGIN) -
 * b N / TP) / KV_tok per GPU (llm.md 3.2, no activation reserve), floored;
 * 0 when the weights do not fit; DC_EINVAL if MEM_MARGIN is outside [0, 1). */
int64_t dc_llm_perf_kv_tokens(const dc_llm_perf *p, double mem_margin);

/* Time (s) of one decoder layer's four linear operators (QKV, O, MLP up
 * incl. gate, MLP down) over TOKENS tokens at CLOCK - the quantity Vidur
 * profiles (llm.md V3).  Cannot fail for tokens >= 1, 0 < clock <= 1. */
double dc_llm_perf_linear_time(const dc_llm_perf *p, double tokens,
			       double clock);

/* The efficiencies used at TOKENS tokens.  Cannot fail. */
void dc_llm_perf_eta(const dc_llm_perf *p, double tokens, double *eta_c,
		     double *eta_m);

/* --- the Splitwise table back end --- */

typedef struct dc_splitwise dc_splitwise;

/* Build a predictor from the SplitwiseSim table T for MODEL ("llama2-70b"),
 * HARDWARE ("h100-80gb", "a100-80gb", "h100-80gb-pcap") and TP.  Rules:
 * only rows with the most common token_size (the base grid, 128 in the
 * shipped file) are used; duplicate measurements are averaged (mean, as
 * llm.md V7 quotes); prompt_time is a function of the total prompt tokens
 * T = prompt_size * batch_size (for equal T the smallest batch wins);
 * token_time a function of batch size, from the rows at the prompt size
 * with the most batch sizes.  Both are interpolated linearly, held at the
 * first point below the range and extrapolated along the last segment
 * above it.  A (optional) fills flops/bytes; G (optional) gives power
 * (prefill_w / decode_w per GPU, Splitwise's constant model), else power 0.
 * A, G copied; T not retained.  Errors: DC_ENOENT (no rows; the known
 * model/hardware/tp combinations listed), DC_EINVAL (missing column, bad
 * number, fewer than 2 points in a curve), DC_ENOMEM. */
int dc_splitwise_new(const dc_table *t, const char *model,
		     const char *hardware, int tp, const dc_llm_arch *a,
		     const dc_accel *g, dc_splitwise **out, dc_err *err);

/* Free S; NULL is a no-op. */
void dc_splitwise_free(dc_splitwise *s);

/* Prompt (prefill) time, s, of TOKENS prompt tokens; token (decode) time,
 * s, at batch size BATCH.  Cannot fail (arguments clamped to >= 1). */
double dc_splitwise_prompt_time(const dc_splitwise *s, double tokens);
double dc_splitwise_token_time(const dc_splitwise *s, double batch);

/* dc_iter_fn for dc_splitwise.  A sequence with Q[i] > 1 or C[i] == 0 is a
 * prefill; if there is one, the iteration costs prompt_time(all its
 * tokens) (compute-bound: divided by CLOCK), else token_time(N) (memory-
 * bound: unchanged by CLOCK, as Splitwise's capped rows show, llm.md V8).
 * Errors as dc_llm_perf_iter. */
int dc_splitwise_iter(const void *ctx, size_t n, const int32_t *q,
		      const int32_t *c, double clock, dc_iter_out *o);

#endif
