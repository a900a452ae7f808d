/* lora.h - LoRA adapters for LLM serving (llm.md §3.6), free of the
 * serving engine:
 *
 *   geometry     parameters, bytes and extra FLOPs of rank-r adapters on a
 *                set of a transformer's linear matrices;
 *   popularity   which adapter a request uses: uniform or Zipf(s) over N
 *                adapters, sampled with a gsl_rng (gsl_ran_discrete);
 *   cache        the adapters resident on one replica's GPUs: a fixed
 *                number of slots, LRU eviction, load time = bytes / host
 *                bandwidth, hit/miss/eviction counters;
 *   gpu          one replica's LoRA state (cache + cost model): the two
 *                functions dc_lora_gpu_batch and dc_lora_gpu_swap have the
 *                signatures of the engine's adapter hook
 *                (dc_replica_lora_ops in llm_engine.h), so a caller wires
 *                them without this module knowing the engine.
 *
 * Adapter ids are 0..N-1; with Zipf popularity id 0 is the most popular.
 * Bytes are bytes (not bits) and bandwidths bytes/s, except the parameter
 * table's host_bandwidth, which is an SI data rate in bit/s like every
 * DC_DIM_DATARATE value. */
#ifndef DC_LORA_H
#define DC_LORA_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "../sim/err.h"
#include "../sim/params.h"

/* ---- geometry ----------------------------------------------------------- */

/* Target matrices, a bit set. */
enum {
	DC_LORA_Q = 1u << 0,    /* hidden -> heads*head_dim */
	DC_LORA_K = 1u << 1,    /* hidden -> kv_heads*head_dim */
	DC_LORA_V = 1u << 2,    /* hidden -> kv_heads*head_dim */
	DC_LORA_O = 1u << 3,    /* heads*head_dim -> hidden */
	DC_LORA_GATE = 1u << 4, /* hidden -> ffn (gated MLPs only) */
	DC_LORA_UP = 1u << 5,   /* hidden -> ffn */
	DC_LORA_DOWN = 1u << 6, /* ffn -> hidden */
	DC_LORA_ALL = (1u << 7) - 1
};

/* The shape of a decoder-only transformer, as plain integers.
 * head_dim = hidden / heads. */
typedef struct dc_lora_shape {
	int64_t hidden;    /* model width H */
	int64_t ffn;       /* MLP inner width */
	int64_t heads;     /* query heads */
	int64_t kv_heads;  /* key/value heads (== heads without GQA) */
	int64_t layers;
	int gated_mlp;     /* 1: gate, up and down (SwiGLU, Llama);
			      0: up and down only (GPT-3) */
} dc_lora_shape;

/* An adapter's size and cost (llm.md §3.6). */
typedef struct dc_lora_geom {
	double params;          /* sum over adapted matrices and layers of
				   r*(d_in + d_out) */
	double bytes;           /* params * bytes per parameter */
	double flops_per_token; /* extra FLOPs per token, unmerged:
				   2*r*(d_in + d_out) per matrix and layer */
	double base_flops_per_token; /* the base model's linear layers:
				   2*d_in*d_out over every linear matrix of
				   every layer (attention scores and the
				   vocabulary projection excluded) */
	double flops_ratio;     /* flops_per_token / base_flops_per_token */
} dc_lora_geom;

/* Parse TEXT, a comma-separated list of target names (q, k, v, o, gate,
 * up, down; "all" for the seven; spaces ignored, repeats allowed) into
 * *MASK.  Returns DC_OK or DC_EINVAL (NULL, empty, unknown name) with the
 * text in ERR. */
int dc_lora_targets_parse(const char *text, unsigned *mask, dc_err *err);

/* Write MASK as "q,v"-style text into BUF (N bytes).  Returns the length
 * or DC_EINVAL (no bit set, unknown bits, NULL) or DC_ERANGE (too small). */
int dc_lora_targets_format(unsigned mask, char *buf, size_t n);

/* The geometry of a rank-RANK adapter on the matrices TARGETS of model
 * SHAPE, with WEIGHT_BYTES bytes per adapter parameter (2 for fp16), into
 * *G.  Returns DC_OK or DC_EINVAL (a size < 1, heads not dividing hidden,
 * kv_heads not dividing heads, rank < 1, no or unknown targets, a gate
 * target on a model without a gated MLP, WEIGHT_BYTES not finite > 0). */
int dc_lora_geometry(const dc_lora_shape *shape, int64_t rank,
		     unsigned targets, double weight_bytes, dc_lora_geom *g,
		     dc_err *err);

/* Time to copy BYTES bytes at BW bytes/s into *T (bytes / bw, s): the
 * swap stall of an adapter or a whole model (llm.md §3.6).  Returns DC_OK
 * or DC_EINVAL (BYTES < 0, BW <= 0, either not finite, T NULL). */
int dc_lora_load_time(double bytes, double bw, double *t);

/* ---- popularity --------------------------------------------------------- */

typedef enum {
	DC_LORA_POP_UNIFORM = 0,
	DC_LORA_POP_ZIPF         /* P(id k) proportional to 1/(k+1)^s */
} dc_lora_pop_kind;

/* Popularity names, indexed by dc_lora_pop_kind, NULL-terminated. */
extern const char *const dc_lora_pop_names[];

typedef struct dc_lora_pop dc_lora_pop;

/* A popularity law of kind KIND over N adapters (Zipf exponent S >= 0,
 * ignored for uniform).  On success *OUT owns it (dc_lora_pop_free).
 * Returns DC_OK, DC_EINVAL (N < 1 or > 2^31-1, bad kind, S not finite or
 * < 0, OUT NULL) or DC_ENOMEM. */
int dc_lora_pop_new(int kind, int64_t n, double s, dc_lora_pop **out,
		    dc_err *err);

/* Free P; NULL is a no-op. */
void dc_lora_pop_free(dc_lora_pop *p);

/* The probability of adapter ID (0 outside 0..N-1).  Cannot fail. */
double dc_lora_pop_pmf(const dc_lora_pop *p, int64_t id);

/* One adapter id drawn from P with RNG (gsl_ran_discrete, one uniform
 * draw).  Cannot fail. */
int64_t dc_lora_pop_sample(const dc_lora_pop *p, gsl_rng *rng);

/* ---- GPU adapter cache -------------------------------------------------- */

typedef struct dc_lora_cache_stats {
	int64_t hits, misses, evictions;
	int64_t resident;   /* adapters resident now */
	double load_s;      /* total load time of the misses, s */
} dc_lora_cache_stats;

typedef struct dc_lora_cache dc_lora_cache;

/* An empty cache of CAPACITY adapter slots for adapters 0..N_ADAPTERS-1,
 * each ADAPTER_BYTES bytes, loaded at HOST_BW bytes/s.  On success *OUT
 * owns it (dc_lora_cache_free).  Returns DC_OK, DC_EINVAL (N_ADAPTERS or
 * CAPACITY < 1 or beyond 2^31-1, bytes < 0 or bandwidth <= 0 or not
 * finite, OUT NULL) or DC_ENOMEM. */
int dc_lora_cache_new(int64_t n_adapters, int64_t capacity,
		      double adapter_bytes, double host_bw,
		      dc_lora_cache **out, dc_err *err);

/* Free C; NULL is a no-op. */
void dc_lora_cache_free(dc_lora_cache *c);

/* Use adapter ID: a hit makes it the most recently used and sets *LOAD_S
 * to 0; a miss evicts the least recently used adapter if every slot is
 * taken, makes ID resident and most recent, and sets *LOAD_S to
 * adapter_bytes / host_bw.  LOAD_S may be NULL.  Returns 0 (hit), 1 (miss)
 * or DC_EINVAL (ID outside 0..N-1; C unchanged). */
int dc_lora_cache_use(dc_lora_cache *c, int64_t id, double *load_s);

/* 1 if ID is resident, else 0.  Cannot fail. */
int dc_lora_cache_resident(const dc_lora_cache *c, int64_t id);

/* Write up to N resident ids, most recently used first, into IDS;
 * returns how many were written.  Cannot fail. */
size_t dc_lora_cache_order(const dc_lora_cache *c, int64_t *ids, size_t n);

/* The number of slots.  Cannot fail. */
int64_t dc_lora_cache_capacity(const dc_lora_cache *c);

/* Copy C's counters into *OUT.  Cannot fail. */
void dc_lora_cache_stats_get(const dc_lora_cache *c, dc_lora_cache_stats *out);

/* ---- configuration ------------------------------------------------------ */

typedef enum {
	DC_LORA_UNMERGED = 0, /* S-LoRA/Punica: one base model, adapters
				 computed beside it, batches mix adapters */
	DC_LORA_DEDICATED     /* one merged model per fine-tune: a replica
				 serves one adapter at a time */
} dc_lora_mode;

/* Mode names, indexed by dc_lora_mode, NULL-terminated. */
extern const char *const dc_lora_mode_names[];

/* Section "lora" (dc_lora_pset). */
typedef struct dc_lora_cfg {
	int64_t adapters;      /* N, ids 0..N-1 */
	int64_t rank;          /* r */
	char *targets;         /* "q,v" (owned; dc_params_free) */
	int popularity;        /* dc_lora_pop_kind */
	double zipf_s;         /* Zipf exponent */
	int64_t cache_adapters;/* GPU adapter slots per replica (unmerged) */
	double host_bandwidth; /* host -> GPU, bit/s (SI data rate) */
	int mode;              /* dc_lora_mode */
	double model_swap_s;   /* dedicated: whole-model switch time, s;
				  0: model weight bytes / host bandwidth */
} dc_lora_cfg;

/* The declarative table of dc_lora_cfg (section "lora"; see
 * sim/params.h).  Keys: adapters, rank, targets, popularity, zipf_s,
 * cache_adapters, host_bandwidth, mode, model_swap. */
extern const dc_pset dc_lora_pset;

/* Check CFG beyond the table's ranges: targets parse.  Returns DC_OK or
 * DC_EINVAL with a line naming the key in ERR. */
int dc_lora_cfg_check(const dc_lora_cfg *cfg, dc_err *err);

/* ---- one replica's LoRA state (the engine hook's context) ------------- */

/* What the cost model needs of the hardware and the model. */
typedef struct dc_lora_hw {
	double weight_bytes; /* bytes per adapter parameter (2: fp16) */
	double model_bytes;  /* base model weights, bytes (dedicated swap) */
	double hbm_bw;       /* bytes/s at which the batch reads adapters */
	double flops;        /* FLOP/s of the adapter GEMMs at clock 1 */
} dc_lora_hw;

typedef struct dc_lora_gpu_stats {
	dc_lora_cache_stats cache; /* unmerged adapter loads */
	int64_t batches;           /* dc_lora_gpu_batch calls */
	double extra_s;            /* their per-iteration overhead, s */
	int64_t swaps;             /* dedicated whole-model switches */
	double swap_s;             /* their time, s */
} dc_lora_gpu_stats;

typedef struct dc_lora_gpu dc_lora_gpu;

/* One replica's LoRA state for CFG on model SHAPE and hardware HW: the
 * adapter geometry (rank, targets), a cache of cfg->cache_adapters slots
 * loaded at cfg->host_bandwidth, and the dedicated switch time
 * (cfg->model_swap_s, or hw->model_bytes / host bandwidth).  On success
 * *OUT owns it (dc_lora_gpu_free).  Returns DC_OK, DC_EINVAL (bad
 * config, shape or HW; OUT NULL) or DC_ENOMEM. */
int dc_lora_gpu_new(const dc_lora_cfg *cfg, const dc_lora_shape *shape,
		    const dc_lora_hw *hw, dc_lora_gpu **out, dc_err *err);

/* Free G; NULL is a no-op. */
void dc_lora_gpu_free(dc_lora_gpu *g);

/* The engine hook of unmerged mode.  GPU is a dc_lora_gpu.  A batch uses
 * the N distinct adapters IDS (TOKENS[i] tokens processed for IDS[i]) at
 * clock ratio CLOCK (0 < clock <= 1).  Makes them resident (LRU, in the
 * order given) and sets
 *   *LOAD_S  = the load time of the misses (misses * bytes / host bw),
 *   *LOADS   = the misses,
 *   *EXTRA_S = N * bytes / hbm_bw + sum(TOKENS) * flops_per_token /
 *              (flops * CLOCK):
 * the gather kernels read each distinct adapter once (memory-bound) and
 * do 2*r*(d_in+d_out) FLOPs per token and matrix (llm.md §3.6); the two
 * parts are added (a separate kernel beside the base GEMMs, no overlap).
 * Returns DC_OK or DC_EINVAL (N above the cache's slots, an id out of
 * range or repeated, a token count < 0, bad CLOCK, NULL); the cache may
 * have changed on error. */
int dc_lora_gpu_batch(void *gpu, size_t n, const int64_t *ids,
		      const int64_t *tokens, double clock, double *load_s,
		      int64_t *loads, double *extra_s);

/* The engine hook of dedicated mode: switching the replica's merged
 * weights from adapter FROM to TO (-1: the base model) takes *TIME_S = the
 * whole-model swap time (0 when FROM == TO).  Returns DC_OK or DC_EINVAL
 * (an id out of -1..N-1, NULL). */
int dc_lora_gpu_swap(void *gpu, int64_t from, int64_t to, double *time_s);

/* G's adapter geometry, cache, swap time and counters.  Cannot fail. */
const dc_lora_geom *dc_lora_gpu_geom(const dc_lora_gpu *g);
const dc_lora_cache *dc_lora_gpu_cache(const dc_lora_gpu *g);
double dc_lora_gpu_swap_time(const dc_lora_gpu *g);
void dc_lora_gpu_stats_get(const dc_lora_gpu *g, dc_lora_gpu_stats *out);

#endif
