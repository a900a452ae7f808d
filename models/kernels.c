/* kernels.c - calibration kernels and their timing harness (kernels.h). */
#include "kernels.h"

#include <cblas.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"

void dc_k_gemm(int m, int n, int k, const float *a, const float *b, float *c)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
		    a, k, b, n, 0.0f, c, n);
}

dc_kernel_cost dc_k_gemm_cost(int m, int n, int k)
{
	double M = m, N = n, K = k;
	return (dc_kernel_cost){2 * M * N * K, 4 * (M * K + K * N + M * N)};
}

void dc_k_triad(size_t n, float *a, const float *b, const float *c, float s)
{
	for (size_t i = 0; i < n; i++)
		a[i] = b[i] + s * c[i];
}

dc_kernel_cost dc_k_triad_cost(size_t n)
{
	return (dc_kernel_cost){2.0 * (double)n, 12.0 * (double)n};
}

static void softmax_row(int n, float *x)
{
	float mx = x[0];
	for (int j = 1; j < n; j++)
		mx = x[j] > mx ? x[j] : mx;
	float sum = 0;
	for (int j = 0; j < n; j++) {
		x[j] = expf(x[j] - mx);
		sum += x[j];
	}
	float inv = 1.0f / sum;
	for (int j = 0; j < n; j++)
		x[j] *= inv;
}

void dc_k_softmax(int rows, int cols, float *x)
{
	for (int i = 0; i < rows; i++)
		softmax_row(cols, x + (size_t)i * (size_t)cols);
}

dc_kernel_cost dc_k_softmax_cost(int rows, int cols)
{
	double e = (double)rows * cols;
	return (dc_kernel_cost){4 * e, 8 * e};
}

void dc_k_rmsnorm(int rows, int cols, const float *x, const float *w,
		  float eps, float *y)
{
	for (int i = 0; i < rows; i++) {
		const float *xr = x + (size_t)i * (size_t)cols;
		float *yr = y + (size_t)i * (size_t)cols;
		float ss = 0;
		for (int j = 0; j < cols; j++)
			ss += xr[j] * xr[j];
		float inv = 1.0f / sqrtf(ss / (float)cols + eps);
		for (int j = 0; j < cols; j++)
			yr[j] = xr[j] * inv * w[j];
	}
}

dc_kernel_cost dc_k_rmsnorm_cost(int rows, int cols)
{
	double e = (double)rows * cols;
	return (dc_kernel_cost){4 * e, 8 * e + 4.0 * cols};
}

void dc_k_silu(size_t n, const float *x, float *y)
{
	for (size_t i = 0; i < n; i++)
		y[i] = x[i] / (1.0f + expf(-x[i]));
}

dc_kernel_cost dc_k_silu_cost(size_t n)
{
	return (dc_kernel_cost){4.0 * (double)n, 8.0 * (double)n};
}

/* q . k over N floats with 8 independent partial sums, so that the
 * compiler can keep them in one vector register without reassociating a
 * single sum. */
static float dot(const float *restrict q, const float *restrict k, int n)
{
	float acc[8] = {0};
	int t = 0;
	for (; t + 8 <= n; t += 8)
		for (int u = 0; u < 8; u++)
			acc[u] += q[t + u] * k[t + u];
	float s = 0;
	for (; t < n; t++)
		s += q[t] * k[t];
	for (int u = 0; u < 8; u++)
		s += acc[u];
	return s;
}

void dc_k_attn_decode(int heads, int ctx, int d, const float *q,
		      const float *k, const float *v, float *scratch,
		      float *out)
{
	float scale = 1.0f / sqrtf((float)d);
	for (int h = 0; h < heads; h++) {
		const float *qh = q + (size_t)h * (size_t)d;
		const float *kh = k + (size_t)h * (size_t)ctx * (size_t)d;
		const float *vh = v + (size_t)h * (size_t)ctx * (size_t)d;
		float *oh = out + (size_t)h * (size_t)d;
		for (int j = 0; j < ctx; j++)
			scratch[j] = dot(qh, kh + (size_t)j * (size_t)d, d) *
				     scale;
		softmax_row(ctx, scratch);
		for (int t = 0; t < d; t++)
			oh[t] = 0;
		for (int j = 0; j < ctx; j++) {
			const float *vj = vh + (size_t)j * (size_t)d;
			float p = scratch[j];
			for (int t = 0; t < d; t++)
				oh[t] += p * vj[t];
		}
	}
}

dc_kernel_cost dc_k_attn_decode_cost(int heads, int ctx, int d)
{
	double hcd = (double)heads * ctx * d;
	dc_kernel_cost sm = dc_k_softmax_cost(heads, ctx);
	return (dc_kernel_cost){4 * hcd + sm.flops,
				4 * (2 * hcd + 2.0 * heads * d)};
}

/* Query rows [i0, i0 + DC_K_ATTN_BLOCK) of one head against keys 0..i of
 * each row i: the block's scores, softmax, and weighted values, with each
 * key and value row loaded once per block (it stays in L1 while the
 * block's rows use it) instead of once per query. */
static void prefill_block(int t, int d, int i0, const float *q,
			  const float *k, const float *v, float *s, float *out)
{
	int nb = t - i0 < DC_K_ATTN_BLOCK ? t - i0 : DC_K_ATTN_BLOCK;
	int last = i0 + nb;
	size_t D = (size_t)d, T = (size_t)t;
	float scale = 1.0f / sqrtf((float)d);
	for (int j = 0; j < last; j++) {
		const float *kj = k + (size_t)j * D;
		for (int r = j > i0 ? j - i0 : 0; r < nb; r++)
			s[(size_t)r * T + (size_t)j] =
				dot(q + (size_t)(i0 + r) * D, kj, d) * scale;
	}
	for (int r = 0; r < nb; r++)
		softmax_row(i0 + r + 1, s + (size_t)r * T);
	memset(out + (size_t)i0 * D, 0, (size_t)nb * D * sizeof *out);
	for (int j = 0; j < last; j++) {
		const float *vj = v + (size_t)j * D;
		for (int r = j > i0 ? j - i0 : 0; r < nb; r++) {
			float p = s[(size_t)r * T + (size_t)j];
			float *o = out + (size_t)(i0 + r) * D;
			for (int u = 0; u < d; u++)
				o[u] += p * vj[u];
		}
	}
}

void dc_k_attn_prefill(int heads, int t, int d, const float *q,
		       const float *k, const float *v, float *scratch,
		       float *out)
{
	size_t td = (size_t)t * (size_t)d;
	for (int h = 0; h < heads; h++)
		for (int i0 = 0; i0 < t; i0 += DC_K_ATTN_BLOCK)
			prefill_block(t, d, i0, q + (size_t)h * td,
				      k + (size_t)h * td, v + (size_t)h * td,
				      scratch, out + (size_t)h * td);
}

dc_kernel_cost dc_k_attn_prefill_cost(int heads, int t, int d)
{
	double pairs = (double)heads * t * (t + 1) / 2.0;
	return (dc_kernel_cost){4 * pairs * d + 4 * pairs,
				16.0 * heads * t * d};
}

size_t dc_k_layer_work(const dc_k_layer *l, int t)
{
	size_t T = (size_t)t, h = (size_t)l->hidden;
	size_t d = h / (size_t)l->heads, kv = (size_t)l->kv_heads * d;
	/* xn, qkv, q/k/v head-major, attention out, mlp, scratch */
	return T * h + T * (h + 2 * kv) + T * (h + 2 * kv) + T * h +
	       T * 2 * (size_t)l->ffn + DC_K_ATTN_BLOCK * T;
}

/* Rows [t x (hidden + 2 kv)] of the QKV projection into head-major Q
 * [heads x t x d], K and V [kv_heads x t x d]. */
static void split_heads(const dc_k_layer *l, int t, const float *qkv,
			float *q, float *k, float *v)
{
	int d = l->hidden / l->heads, w = l->hidden + 2 * l->kv_heads * d;
	for (int i = 0; i < t; i++) {
		const float *r = qkv + (size_t)i * (size_t)w;
		for (int h = 0; h < l->heads; h++)
			memcpy(q + ((size_t)h * t + i) * d, r + h * d,
			       (size_t)d * sizeof *q);
		for (int h = 0; h < l->kv_heads; h++) {
			memcpy(k + ((size_t)h * t + i) * d,
			       r + l->hidden + h * d, (size_t)d * sizeof *k);
			memcpy(v + ((size_t)h * t + i) * d,
			       r + l->hidden + (l->kv_heads + h) * d,
			       (size_t)d * sizeof *v);
		}
	}
}

static void attention(const dc_k_layer *l, int t, const float *qkv,
		      float *qkv_h, float *att, float *scratch)
{
	int d = l->hidden / l->heads, group = l->heads / l->kv_heads;
	size_t td = (size_t)t * (size_t)d;
	float *q = qkv_h, *k = q + (size_t)l->heads * td;
	float *v = k + (size_t)l->kv_heads * td;
	split_heads(l, t, qkv, q, k, v);
	for (int h = 0; h < l->heads; h++) {
		int g = h / group;  /* the KV head this query head shares */
		dc_k_attn_prefill(1, t, d, q + (size_t)h * td,
				  k + (size_t)g * td, v + (size_t)g * td,
				  scratch, att + (size_t)h * td);
	}
}

/* The MLP half of a layer over T token rows of X (in place): RMSNorm,
 * gated up projection, SiLU(gate) * up, down projection, residual. */
static void mlp_block(const dc_k_layer *l, int t, float *x, float *xn,
		      float *mlp)
{
	int H = l->hidden;
	dc_k_rmsnorm(t, H, x, l->g2, 1e-6f, xn);
	dc_k_gemm(t, 2 * l->ffn, H, xn, l->wup, mlp);
	for (int i = 0; i < t; i++) {
		float *r = mlp + (size_t)i * 2 * l->ffn;
		dc_k_silu((size_t)l->ffn, r, r);       /* gate, in place */
		for (int j = 0; j < l->ffn; j++)
			r[j] *= r[l->ffn + j];          /* * up */
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, H, l->ffn,
		    1.0f, mlp, 2 * l->ffn, l->wdown, H, 1.0f, x, H);
}

void dc_k_layer_prefill(const dc_k_layer *l, int t, float *x, float *work)
{
	int H = l->hidden, d = H / l->heads, kvw = 2 * l->kv_heads * d;
	size_t T = (size_t)t;
	float *xn = work, *qkv = xn + T * H, *qkv_h = qkv + T * (H + kvw);
	float *att = qkv_h + T * (H + kvw), *mlp = att + T * H;
	float *scratch = mlp + T * 2 * (size_t)l->ffn;
	dc_k_rmsnorm(t, H, x, l->g1, 1e-6f, xn);
	dc_k_gemm(t, H + kvw, H, xn, l->wqkv, qkv);
	attention(l, t, qkv, qkv_h, att, scratch);
	/* heads back to token rows, into xn */
	for (int h = 0; h < l->heads; h++)
		for (int i = 0; i < t; i++)
			memcpy(xn + (size_t)i * H + h * d,
			       att + ((size_t)h * T + i) * d, (size_t)d * sizeof *xn);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, H, H, 1.0f,
		    xn, H, l->wo, H, 1.0f, x, H);   /* x += attn @ wo */
	mlp_block(l, t, x, xn, mlp);
}

size_t dc_k_layer_decode_work(const dc_k_layer *l, int ctx)
{
	size_t h = (size_t)l->hidden, d = h / (size_t)l->heads;
	size_t kv = (size_t)l->kv_heads * d;
	/* xn, qkv, attention out, mlp, scratch */
	return h + (h + 2 * kv) + h + 2 * (size_t)l->ffn + (size_t)ctx + 1;
}

void dc_k_layer_decode(const dc_k_layer *l, int ctx, int cap, float *x,
		       float *kc, float *vc, float *work)
{
	int H = l->hidden, d = H / l->heads, kvw = 2 * l->kv_heads * d;
	int group = l->heads / l->kv_heads;
	float *xn = work, *qkv = xn + H, *att = qkv + H + kvw;
	float *mlp = att + H, *scratch = mlp + 2 * (size_t)l->ffn;
	size_t hd = (size_t)cap * (size_t)d;
	dc_k_rmsnorm(1, H, x, l->g1, 1e-6f, xn);
	dc_k_gemm(1, H + kvw, H, xn, l->wqkv, qkv);
	for (int g = 0; g < l->kv_heads; g++) {
		size_t at = (size_t)g * hd + (size_t)ctx * (size_t)d;
		memcpy(kc + at, qkv + H + g * d, (size_t)d * sizeof *kc);
		memcpy(vc + at, qkv + H + (l->kv_heads + g) * d,
		       (size_t)d * sizeof *vc);
	}
	for (int h = 0; h < l->heads; h++) {
		size_t g = (size_t)(h / group);
		dc_k_attn_decode(1, ctx + 1, d, qkv + h * d, kc + g * hd,
				 vc + g * hd, scratch, att + h * d);
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, H, H, 1.0f,
		    att, H, l->wo, H, 1.0f, x, H);   /* x += attn @ wo */
	mlp_block(l, 1, x, xn, mlp);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int dc_kernel_time(void (*fn)(void *ctx), void *ctx, int warmup, int reps,
		   double *median_s, double *min_s, dc_err *err)
{
	if (!fn || reps < 1 || warmup < 0 || !median_s)
		return dc_err_msg(err, DC_EINVAL, "kernel timing: bad arguments "
				  "(reps %d, warmup %d)", reps, warmup);
	double *t = dc_malloc((size_t)reps * sizeof *t);
	if (!t)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	for (int i = 0; i < warmup; i++)
		fn(ctx);
	for (int i = 0; i < reps; i++) {
		double t0 = now_s();
		fn(ctx);
		t[i] = now_s() - t0;
	}
	gsl_sort(t, 1, (size_t)reps);
	*median_s = gsl_stats_median_from_sorted_data(t, 1, (size_t)reps);
	if (min_s)
		*min_s = t[0];
	dc_free(t);
	return DC_OK;
}
