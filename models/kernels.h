/* kernels.h - the compute kernels dcsim runs on this host to calibrate its
 * performance model: GEMM through CBLAS (any CBLAS; the build links
 * OpenBLAS), and a bandwidth triad, row softmax, RMSNorm, SiLU and decode
 * attention over a KV cache written in C.  Each comes with the FLOPs and
 * bytes it must move (the roofline's inputs), and dc_kernel_time times a
 * kernel the way calibration needs: warm-up calls, then the median of
 * repetitions on CLOCK_MONOTONIC.
 *
 * Single precision, row-major, no allocation inside a kernel: callers own
 * every buffer.  Kernels cannot fail (their arguments are the caller's
 * contract); the harness checks its own. */
#ifndef DC_KERNELS_H
#define DC_KERNELS_H

#include <stddef.h>

#include "../sim/err.h"

/* What a kernel call must do: model FLOPs and the bytes it must read and
 * write at least once. */
typedef struct dc_kernel_cost {
	double flops, bytes;
} dc_kernel_cost;

/* C[m x n] = A[m x k] B[k x n] (cblas_sgemm, no transposes).
 * Cost: 2mnk FLOPs, 4(mk + kn + mn) bytes. */
void dc_k_gemm(int m, int n, int k, const float *a, const float *b, float *c);
dc_kernel_cost dc_k_gemm_cost(int m, int n, int k);

/* a[i] = b[i] + s c[i] (the STREAM triad).  Cost: 2n FLOPs, 12n bytes. */
void dc_k_triad(size_t n, float *a, const float *b, const float *c, float s);
dc_kernel_cost dc_k_triad_cost(size_t n);

/* Each of ROWS rows of X[rows x cols] replaced by its softmax (max
 * subtracted first).  Cost: 4 FLOPs per element (sub, exp, sum, scale;
 * exp counted as one), 8 bytes per element. */
void dc_k_softmax(int rows, int cols, float *x);
dc_kernel_cost dc_k_softmax_cost(int rows, int cols);

/* Y = X / rms(X) * W per row, rms = sqrt(mean(x^2) + eps).  Cost: 4 FLOPs
 * and 8 bytes per element (+ W once). */
void dc_k_rmsnorm(int rows, int cols, const float *x, const float *w,
		  float eps, float *y);
dc_kernel_cost dc_k_rmsnorm_cost(int rows, int cols);

/* y[i] = x[i] / (1 + exp(-x[i])).  Cost: 4 FLOPs, 8 bytes per element. */
void dc_k_silu(size_t n, const float *x, float *y);
dc_kernel_cost dc_k_silu_cost(size_t n);

/* One decode step of multi-head attention for one sequence: for each of
 * HEADS heads, scores s_j = q . k_j / sqrt(D) over the CTX cached keys,
 * p = softmax(s), out = sum_j p_j v_j.  Q [heads x d], K and V caches
 * [heads x ctx x d], SCRATCH >= ctx floats, OUT [heads x d].  Cost:
 * 4 heads ctx d FLOPs (+ the softmax), bytes of the caches read once. */
void dc_k_attn_decode(int heads, int ctx, int d, const float *q,
		      const float *k, const float *v, float *scratch,
		      float *out);
dc_kernel_cost dc_k_attn_decode_cost(int heads, int ctx, int d);

/* Causal multi-head attention over a prompt of T tokens (prefill): for
 * each head and position i, softmax over j <= i of q_i . k_j / sqrt(D),
 * then the weighted sum of v_j.  Q, K, V and OUT are [heads x T x d];
 * SCRATCH >= DC_K_ATTN_BLOCK T floats.  Query rows are taken in blocks
 * of DC_K_ATTN_BLOCK, each key and value row read once per block.  Cost: about 2 heads T^2 d FLOPs (the causal
 * half of 4 heads T^2 d), bytes of Q, K, V and OUT once. */
#define DC_K_ATTN_BLOCK 16
void dc_k_attn_prefill(int heads, int t, int d, const float *q,
		       const float *k, const float *v, float *scratch,
		       float *out);
dc_kernel_cost dc_k_attn_prefill_cost(int heads, int t, int d);

/* One decoder layer of a Llama-style transformer with random weights, run
 * for real as calibration's end-to-end check: RMSNorm, QKV projection,
 * causal grouped-query attention, output projection, residual; RMSNorm,
 * gated MLP (SiLU(gate) * up), down projection, residual.  No rotary
 * embedding (it adds O(T d) work and no new operator class).  Weights are
 * row-major [in x out]: wqkv hidden x (hidden + 2 kv_heads d), wo hidden x
 * hidden, wup hidden x 2 ffn (gate columns first), wdown ffn x hidden; g1,
 * g2 the norms' weights (hidden). */
typedef struct dc_k_layer {
	int hidden, heads, kv_heads, ffn;
	const float *wqkv, *wo, *wup, *wdown, *g1, *g2;
} dc_k_layer;

/* Floats of work space dc_k_layer_prefill needs for T tokens. */
size_t dc_k_layer_work(const dc_k_layer *l, int t);

/* X [t x hidden] through the layer, in place (prefill of T tokens);
 * WORK >= dc_k_layer_work(l, t) floats.  heads must be a multiple of
 * kv_heads. */
void dc_k_layer_prefill(const dc_k_layer *l, int t, float *x, float *work);

/* Floats of work space dc_k_layer_decode needs at context CTX. */
size_t dc_k_layer_decode_work(const dc_k_layer *l, int ctx);

/* One decode step of the layer for one sequence: token X [hidden] (in
 * place) after CTX cached tokens.  KC and VC are the layer's key and value
 * caches [kv_heads x cap x d] (d = hidden / heads, CAP > CTX): the token's
 * key and value are written at position CTX, then every query head
 * attends over positions 0..CTX of its KV head.  WORK >=
 * dc_k_layer_decode_work(l, ctx) floats.  The result equals row CTX of
 * dc_k_layer_prefill over the CTX + 1 tokens whose keys and values fill the
 * cache. */
void dc_k_layer_decode(const dc_k_layer *l, int ctx, int cap, float *x,
		       float *kc, float *vc, float *work);

/* Time FN(CTX): WARMUP untimed calls, then REPS timed ones; *MEDIAN_S gets
 * the median wall time of one call (s), *MIN_S (may be NULL) the fastest.
 * Returns DC_OK or DC_EINVAL (REPS < 1, WARMUP < 0, FN NULL). */
int dc_kernel_time(void (*fn)(void *ctx), void *ctx, int warmup, int reps,
		   double *median_s, double *min_s, dc_err *err);

#endif
