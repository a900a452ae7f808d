/* calib_gpu.cu - the calibration kernels on an NVIDIA GPU (calib_gpu.h):
 * cuBLAS GEMMs and CUDA C kernels, timed with CUDA events, each checked
 * against a naive double-precision reference computed on the host; and
 * the load program of the thermal trace.
 *
 * Inputs are not copied from the host: element i of a buffer is a hash of
 * (i, seed) mapped to [-1, 1) exactly in float, computed by the same
 * __host__ __device__ function on both sides, so the reference reads the
 * very inputs the GPU saw without a copy of the (up to 360 MB) weights. */
#include "calib_gpu.h"

#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern "C" {
#include "../../sim/alloc.h"
#include "../../sim/dc.h"
#include "../calib_fit.h"
#include "../kernels.h"
}

#define THREADS 256

/* ------------------------------------------------------------ inputs */

/* splitmix64 of (i, seed) to a float in [-1, 1) with 24 random bits (an
 * exact float on host and device alike). */
__host__ __device__ static inline float hval(uint64_t i, uint32_t seed)
{
	uint64_t z = i + 0x9E3779B97F4A7C15ull * ((uint64_t)seed + 1);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (float)(z >> 40) * (1.0f / 8388608.0f) - 1.0f;
}

/* The input as the GPU sees it: rounded to half when HALF. */
static double hin(uint64_t i, uint32_t seed, int fp16)
{
	float v = hval(i, seed);
	return fp16 ? (double)__half2float(__float2half(v)) : (double)v;
}

__global__ void k_fill(float *x, size_t n, uint32_t seed)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		x[i] = hval(i, seed);
}

__global__ void k_fill_half(__half *x, size_t n, uint32_t seed)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		x[i] = __float2half(hval(i, seed));
}

/* ----------------------------------------------------------- kernels */

__device__ static float warp_sum(float v)
{
	for (int o = 16; o > 0; o >>= 1)
		v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

__device__ static float warp_max(float v)
{
	for (int o = 16; o > 0; o >>= 1)
		v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
	return v;
}

/* Sum (MAX = 0) or maximum (MAX = 1) of V over the block, returned to
 * every thread; RED holds 32 floats of shared memory. */
__device__ static float block_reduce(float v, float *red, int max)
{
	int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
	int nw = (blockDim.x + 31) >> 5;
	v = max ? warp_max(v) : warp_sum(v);
	__syncthreads(); /* RED may still be read by a previous call */
	if (!lane)
		red[w] = v;
	__syncthreads();
	if (w == 0) {
		float u = lane < nw ? red[lane] : (max ? -INFINITY : 0.0f);
		u = max ? warp_max(u) : warp_sum(u);
		if (!lane)
			red[0] = u;
	}
	__syncthreads();
	return red[0];
}

__global__ void k_triad(size_t n, float *a, const float *b, const float *c,
			float s)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		a[i] = b[i] + s * c[i];
}

__global__ void k_silu(size_t n, const float *x, float *y)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		y[i] = x[i] / (1.0f + expf(-x[i]));
}

/* One block per row: Y = softmax(X) (max subtracted). */
__global__ void k_softmax(int cols, const float *x, float *y)
{
	__shared__ float red[32];
	const float *xr = x + (size_t)blockIdx.x * cols;
	float *yr = y + (size_t)blockIdx.x * cols;
	float mx = -INFINITY, sum = 0;
	for (int j = threadIdx.x; j < cols; j += blockDim.x)
		mx = fmaxf(mx, xr[j]);
	mx = block_reduce(mx, red, 1);
	for (int j = threadIdx.x; j < cols; j += blockDim.x) {
		float e = expf(xr[j] - mx);
		yr[j] = e;
		sum += e;
	}
	float inv = 1.0f / block_reduce(sum, red, 0);
	for (int j = threadIdx.x; j < cols; j += blockDim.x)
		yr[j] *= inv;
}

/* One block per row: Y = X / sqrt(mean(X^2) + eps) * W. */
__global__ void k_rmsnorm(int cols, const float *x, const float *w, float eps,
			  float *y)
{
	__shared__ float red[32];
	const float *xr = x + (size_t)blockIdx.x * cols;
	float *yr = y + (size_t)blockIdx.x * cols;
	float ss = 0;
	for (int j = threadIdx.x; j < cols; j += blockDim.x)
		ss += xr[j] * xr[j];
	float inv = 1.0f / sqrtf(block_reduce(ss, red, 0) / cols + eps);
	for (int j = threadIdx.x; j < cols; j += blockDim.x)
		yr[j] = xr[j] * inv * w[j];
}

/* One block attends query Q over CTX keys K and values V (rows of D):
 * scores q . k_j / sqrt(d) by a warp per key into shared S, their
 * softmax, then out[t] = sum_j p_j v_j[t] by a thread per t (the value
 * rows read whole by consecutive threads).  RED: 32 floats.  With STATS,
 * OUT is left unnormalised (sum_j e^(s_j - max) v_j[t]) and STATS gets the
 * block's max score and sum of e^(s_j - max), for a later combination. */
__device__ static void attend(int ctx, int d, const float *q, const float *k,
			      const float *v, float *out, float *s, float *red,
			      float *stats)
{
	int lane = threadIdx.x & 31, nw = blockDim.x >> 5;
	float scale = 1.0f / sqrtf((float)d);
	for (int j = threadIdx.x >> 5; j < ctx; j += nw) {
		const float *kj = k + (size_t)j * d;
		float acc = 0;
		for (int t = lane; t < d; t += 32)
			acc += q[t] * kj[t];
		acc = warp_sum(acc);
		if (!lane)
			s[j] = acc * scale;
	}
	__syncthreads();
	float mx = -INFINITY, sum = 0;
	for (int j = threadIdx.x; j < ctx; j += blockDim.x)
		mx = fmaxf(mx, s[j]);
	mx = block_reduce(mx, red, 1);
	for (int j = threadIdx.x; j < ctx; j += blockDim.x) {
		float e = expf(s[j] - mx);
		s[j] = e;
		sum += e;
	}
	sum = block_reduce(sum, red, 0); /* syncs s[] too */
	float inv = stats ? 1.0f : 1.0f / sum;
	for (int t = threadIdx.x; t < d; t += blockDim.x) {
		float acc = 0;
		for (int j = 0; j < ctx; j++)
			acc += s[j] * v[(size_t)j * d + t];
		out[t] = acc * inv;
	}
	if (stats && threadIdx.x == 0)
		stats[0] = mx, stats[1] = sum;
}

#define ATTN_CHUNK 128 /* cached keys per block of split decode */

/* Decode, split over the context (as FlashDecoding does, so that one
 * sequence fills the GPU): block (h, b) attends head h's query Q [heads x
 * d] over keys b ATTN_CHUNK .. of its CTX cached keys and values [heads x
 * ctx x d], writing [max, sum, d unnormalised outputs] to PART[h][b]. */
__global__ void k_attn_split(int ctx, int d, const float *q, const float *k,
			     const float *v, float *part)
{
	__shared__ float s[ATTN_CHUNK], red[32];
	size_t h = blockIdx.x, b = blockIdx.y, j0 = b * ATTN_CHUNK;
	size_t kv = (h * (size_t)ctx + j0) * d;
	int n = ctx - (int)j0 < ATTN_CHUNK ? ctx - (int)j0 : ATTN_CHUNK;
	float *pb = part + (h * gridDim.y + b) * (size_t)(d + 2);
	attend(n, d, q + h * d, k + kv, v + kv, pb + 2, s, red, pb);
}

/* Decode, pass 2: block h rescales its NB partial results to their
 * common maximum and normalises: out = sum_b e^(m_b - M) acc_b / sum_b
 * e^(m_b - M) l_b. */
__global__ void k_attn_combine(int nb, int d, const float *part, float *out)
{
	const float *ph = part + blockIdx.x * (size_t)nb * (d + 2);
	float mx = -INFINITY, l = 0;
	for (int b = 0; b < nb; b++)
		mx = fmaxf(mx, ph[(size_t)b * (d + 2)]);
	for (int b = 0; b < nb; b++)
		l += ph[(size_t)b * (d + 2) + 1] *
		     expf(ph[(size_t)b * (d + 2)] - mx);
	for (int t = threadIdx.x; t < d; t += blockDim.x) {
		float acc = 0;
		for (int b = 0; b < nb; b++)
			acc += ph[(size_t)b * (d + 2) + 2 + t] *
			       expf(ph[(size_t)b * (d + 2)] - mx);
		out[blockIdx.x * (size_t)d + t] = acc / l;
	}
}

/* Causal prefill: block (i, h) attends position i of head h over positions
 * 0..i; Q, K, V and OUT are [heads x t x d]. */
__global__ void k_attn_prefill(int t, int d, const float *q, const float *k,
			       const float *v, float *out)
{
	extern __shared__ float sh[]; /* t scores, then 32 */
	size_t i = blockIdx.x, h = blockIdx.y, ht = h * (size_t)t * d;
	attend((int)i + 1, d, q + ht + i * d, k + ht, v + ht,
	       out + ht + i * d, sh, sh + t, NULL);
}

/* ---------------------------------------------------------- the jobs */

enum { JOB_GEMM, JOB_TRIAD, JOB_SOFTMAX, JOB_RMSNORM, JOB_SILU, JOB_ATTN,
       JOB_ATTN_PRE };

/* Seeds of the inputs: A (or X, K), B (or the triad's c, V), W (or q). */
enum { SEED_A = 11, SEED_B = 12, SEED_W = 13 };

typedef struct gjob {
	int kind, m, n, k, half, blocks;
	void *a, *b, *c, *w; /* device buffers */
	float *part;         /* split decode's partial results */
	size_t na, nb, nc, nw;
	cublasHandle_t blas;
	int blas_rc; /* first cuBLAS error of the timed calls */
} gjob;

static void launch(gjob *j)
{
	const float one = 1, zero = 0;
	cublasStatus_t st = CUBLAS_STATUS_SUCCESS;
	switch (j->kind) {
	case JOB_GEMM: /* row-major C = A B is column-major C^T = B^T A^T */
		if (j->half)
			st = cublasGemmEx(j->blas, CUBLAS_OP_N, CUBLAS_OP_N,
					  j->n, j->m, j->k, &one, j->b,
					  CUDA_R_16F, j->n, j->a, CUDA_R_16F,
					  j->k, &zero, j->c, CUDA_R_16F, j->n,
					  CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
		else
			st = cublasSgemm(j->blas, CUBLAS_OP_N, CUBLAS_OP_N, j->n,
					 j->m, j->k, &one, (const float *)j->b,
					 j->n, (const float *)j->a, j->k, &zero,
					 (float *)j->c, j->n);
		break;
	case JOB_TRIAD:
		k_triad<<<j->blocks, THREADS>>>(j->nc, (float *)j->c,
						(const float *)j->a,
						(const float *)j->b, 1.5f);
		break;
	case JOB_SOFTMAX:
		k_softmax<<<j->m, THREADS>>>(j->n, (const float *)j->a,
					     (float *)j->c);
		break;
	case JOB_RMSNORM:
		k_rmsnorm<<<j->m, THREADS>>>(j->n, (const float *)j->a,
					     (const float *)j->w, 1e-6f,
					     (float *)j->c);
		break;
	case JOB_SILU:
		k_silu<<<j->blocks, THREADS>>>(j->nc, (const float *)j->a,
					       (float *)j->c);
		break;
	case JOB_ATTN_PRE:
		k_attn_prefill<<<dim3((unsigned)j->n, (unsigned)j->m), THREADS,
				 ((size_t)j->n + 32) * sizeof(float)>>>(
			j->n, j->k, (const float *)j->w, (const float *)j->a,
			(const float *)j->b, (float *)j->c);
		break;
	default: {
		int nb = (j->n + ATTN_CHUNK - 1) / ATTN_CHUNK;
		k_attn_split<<<dim3((unsigned)j->m, (unsigned)nb), THREADS>>>(
			j->n, j->k, (const float *)j->w, (const float *)j->a,
			(const float *)j->b, j->part);
		k_attn_combine<<<j->m, 128>>>(nb, j->k, j->part,
					      (float *)j->c);
	}
	}
	if (st != CUBLAS_STATUS_SUCCESS && !j->blas_rc)
		j->blas_rc = (int)st;
}

static int cuda_fail(dc_err *err, cudaError_t e, const char *what)
{
	return dc_err_msg(err, e == cudaErrorMemoryAllocation ? DC_ENOMEM
							       : DC_EFAIL,
			  "calibrate --gpu: %s: %s", what,
			  cudaGetErrorString(e));
}

static void job_sizes(gjob *j)
{
	size_t m = (size_t)j->m, n = (size_t)j->n, k = (size_t)j->k;
	j->nw = 0;
	switch (j->kind) {
	case JOB_GEMM: j->na = m * k, j->nb = k * n, j->nc = m * n; break;
	case JOB_ATTN: j->na = j->nb = m * n * k, j->nc = j->nw = m * k; break;
	case JOB_ATTN_PRE: j->na = j->nb = j->nc = j->nw = m * n * k; break;
	case JOB_TRIAD: j->na = j->nb = j->nc = n; break;
	case JOB_RMSNORM: j->na = j->nc = m * n, j->nb = 0, j->nw = n; break;
	default: j->na = j->nc = m * n, j->nb = 0;
	}
}

static void job_free(gjob *j)
{
	cudaFree(j->a), cudaFree(j->b), cudaFree(j->c), cudaFree(j->w);
	cudaFree(j->part);
	j->a = j->b = j->c = j->w = NULL, j->part = NULL;
}

static void fill(void *p, size_t n, uint32_t seed, int fp16)
{
	if (!n)
		return;
	size_t blocks = (n + THREADS - 1) / THREADS;
	blocks = blocks > 65535 ? 65535 : blocks;
	if (fp16)
		k_fill_half<<<(unsigned)blocks, THREADS>>>((__half *)p, n, seed);
	else
		k_fill<<<(unsigned)blocks, THREADS>>>((float *)p, n, seed);
}

/* Device buffers for J (sizes set), filled with the seeded inputs. */
static int job_alloc(gjob *j, dc_err *err)
{
	size_t el = j->half ? 2 : 4;
	void **bufs[4] = {&j->a, &j->b, &j->c, &j->w};
	size_t ns[4] = {j->na, j->nb, j->nc, j->nw};
	uint32_t seeds[4] = {SEED_A, SEED_B, 0, SEED_W};
	for (int i = 0; i < 4; i++) {
		if (!ns[i])
			continue;
		cudaError_t e = cudaMalloc(bufs[i], ns[i] * el);
		if (e)
			return cuda_fail(err, e, "cudaMalloc");
		if (i != 2)
			fill(*bufs[i], ns[i], seeds[i], j->half);
	}
	if (j->kind == JOB_ATTN) {
		size_t nb = ((size_t)j->n + ATTN_CHUNK - 1) / ATTN_CHUNK;
		cudaError_t e = cudaMalloc(&j->part, (size_t)j->m * nb *
						     ((size_t)j->k + 2) *
						     sizeof(float));
		if (e)
			return cuda_fail(err, e, "cudaMalloc");
	}
	cudaError_t e = cudaDeviceSynchronize();
	return e ? cuda_fail(err, e, "filling the inputs") : DC_OK;
}

/* -------------------------------------------------- naive references */

static double in_a(const gjob *j, size_t i) { return hin(i, SEED_A, j->half); }
static double in_b(const gjob *j, size_t i) { return hin(i, SEED_B, j->half); }
static double in_w(const gjob *j, size_t i) { return hin(i, SEED_W, 0); }

/* Output T of query QOFF (offset of its row in W) over CTX keys and
 * values from offset BASE of A and B, naively. */
static double ref_attend(const gjob *j, size_t qoff, size_t base, size_t ctx,
			 size_t t)
{
	size_t d = (size_t)j->k;
	double *p = (double *)dc_malloc(ctx * sizeof *p);
	if (!p)
		return NAN;
	double mx = -INFINITY, sum = 0, acc = 0;
	for (size_t c = 0; c < ctx; c++) {
		double s = 0;
		for (size_t u = 0; u < d; u++)
			s += in_w(j, qoff + u) * in_a(j, base + c * d + u);
		p[c] = s / sqrt((double)d);
		mx = p[c] > mx ? p[c] : mx;
	}
	for (size_t c = 0; c < ctx; c++)
		sum += (p[c] = exp(p[c] - mx));
	for (size_t c = 0; c < ctx; c++)
		acc += p[c] / sum * in_b(j, base + c * d + t);
	dc_free(p);
	return acc;
}

/* Element I of attention's output: decode [heads x d], prefill [heads x
 * t x d] (position i attends 0..i). */
static double ref_attn(const gjob *j, size_t i)
{
	size_t d = (size_t)j->k, n = (size_t)j->n;
	if (j->kind == JOB_ATTN)
		return ref_attend(j, i / d * d, i / d * n * d, n, i % d);
	size_t h = i / (n * d), pos = i / d % n;
	return ref_attend(j, i / d * d, h * n * d, pos + 1, i % d);
}

/* Output element I of J, computed naively from the seeded inputs. */
static double ref_at(const gjob *j, size_t i)
{
	size_t n = (size_t)j->n, row = i / n * n;
	double acc = 0, mx = -INFINITY;
	switch (j->kind) {
	case JOB_GEMM:
		for (size_t t = 0; t < (size_t)j->k; t++)
			acc += in_a(j, i / n * (size_t)j->k + t) *
			       in_b(j, t * n + i % n);
		return acc;
	case JOB_TRIAD: return in_a(j, i) + 1.5 * in_b(j, i);
	case JOB_SILU: return in_a(j, i) / (1 + exp(-in_a(j, i)));
	case JOB_SOFTMAX:
		for (size_t t = 0; t < n; t++)
			mx = fmax(mx, in_a(j, row + t));
		for (size_t t = 0; t < n; t++)
			acc += exp(in_a(j, row + t) - mx);
		return exp(in_a(j, i) - mx) / acc;
	case JOB_RMSNORM:
		for (size_t t = 0; t < n; t++)
			acc += in_a(j, row + t) * in_a(j, row + t);
		return in_a(j, i) / sqrt(acc / (double)n + 1e-6) *
		       in_w(j, i % n);
	default: return ref_attn(j, i);
	}
}

/* Max |got - want| / rms(want) over 64 spread output elements. */
static int check(const gjob *j, double *out, dc_err *err)
{
	size_t step = j->nc > 64 ? j->nc / 64 : 1, cnt = 0;
	double e = 0, ss = 0;
	for (size_t i = 0; i < j->nc; i += step) {
		double got;
		cudaError_t ce;
		if (j->half) {
			__half h;
			ce = cudaMemcpy(&h, (__half *)j->c + i, sizeof h,
					cudaMemcpyDeviceToHost);
			got = __half2float(h);
		} else {
			float f;
			ce = cudaMemcpy(&f, (float *)j->c + i, sizeof f,
					cudaMemcpyDeviceToHost);
			got = f;
		}
		if (ce)
			return cuda_fail(err, ce, "reading a result");
		double w = ref_at(j, i);
		ss += w * w;
		cnt++;
		e = fmax(e, fabs(got - w));
	}
	double rms = sqrt(ss / (double)cnt);
	*out = rms > 0 ? e / rms : e;
	return DC_OK;
}

/* ------------------------------------------------------------ timing */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* One warm-up call, then REPS calls each between two events; the median
 * into *MEDIAN_S. */
static int time_job(gjob *j, int reps, double *median_s, dc_err *err)
{
	cudaEvent_t e0 = NULL, e1 = NULL;
	double *t = (double *)dc_calloc((size_t)reps, sizeof *t);
	if (!t)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	cudaError_t ce = cudaEventCreate(&e0);
	if (!ce)
		ce = cudaEventCreate(&e1);
	launch(j);
	for (int i = 0; !ce && i < reps; i++) {
		float ms = 0;
		cudaEventRecord(e0);
		launch(j);
		cudaEventRecord(e1);
		ce = cudaEventSynchronize(e1);
		if (!ce)
			ce = cudaEventElapsedTime(&ms, e0, e1);
		t[i] = ms * 1e-3;
	}
	if (!ce)
		ce = cudaGetLastError();
	if (e0)
		cudaEventDestroy(e0);
	if (e1)
		cudaEventDestroy(e1);
	qsort(t, (size_t)reps, sizeof *t, cmp_double);
	*median_s = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
	dc_free(t);
	if (ce)
		return cuda_fail(err, ce, "timing a kernel");
	if (j->blas_rc)
		return dc_err_msg(err, DC_EFAIL, "calibrate --gpu: cuBLAS error "
				  "%d", j->blas_rc);
	return DC_OK;
}

/* ------------------------------------------------------------ the plan */

/* The plan is dc_calibrate_host's (models/calibrate.c dc_calib_plan):
 * the same operators and shapes on both paths. */
typedef dc_calib_call plan_row;

/* The job that measures operator OP. */
static int gpu_kind(const char *op)
{
	static const struct {
		const char *op;
		int kind;
	} map[] = {{"attn_decode", JOB_ATTN}, {"attn_prefill", JOB_ATTN_PRE},
		   {"softmax", JOB_SOFTMAX},   {"rmsnorm", JOB_RMSNORM},
		   {"silu", JOB_SILU},         {"triad", JOB_TRIAD}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(op, map[i].op))
			return map[i].kind;
	return JOB_GEMM;
}

static size_t plan_build(const dc_llm_arch *a, int quick, plan_row *p,
			 size_t cap)
{
	dc_calib_opts co;
	memset(&co, 0, sizeof co);
	co.arch = a;
	co.quick = quick;
	return dc_calib_plan(&co, p, cap);
}

static dc_kernel_cost job_cost(const gjob *j)
{
	dc_kernel_cost c;
	switch (j->kind) {
	case JOB_GEMM:
		c = dc_k_gemm_cost(j->m, j->n, j->k);
		if (j->half)
			c.bytes /= 2;
		return c;
	case JOB_ATTN: return dc_k_attn_decode_cost(j->m, j->n, j->k);
	case JOB_ATTN_PRE: return dc_k_attn_prefill_cost(j->m, j->n, j->k);
	case JOB_TRIAD: return dc_k_triad_cost(j->nc);
	case JOB_SOFTMAX: return dc_k_softmax_cost(j->m, j->n);
	case JOB_RMSNORM: return dc_k_rmsnorm_cost(j->m, j->n);
	default: return dc_k_silu_cost(j->nc);
	}
}

/* About 0.1 s (quick) or 0.5 s of calls at H100-class rates, 5..200. */
static int reps_for(dc_kernel_cost c, int quick)
{
	double guess = c.flops / 3e14 + c.bytes / 2e12 + 5e-6;
	int r = (int)((quick ? 0.1 : 0.5) / guess);
	return r < 5 ? 5 : r > 200 ? 200 : r;
}

/* Measure plan row P into *OUT with MORE times the usual repetitions. */
static int measure(const plan_row *p, const dc_gpu_calib_opts *o,
		   cublasHandle_t blas, int sms, int more, dc_calib_row *out,
		   dc_err *err)
{
	gjob j;
	memset(&j, 0, sizeof j);
	j.kind = gpu_kind(p->op), j.m = p->m, j.n = p->n, j.k = p->k;
	j.half = j.kind == JOB_GEMM && o->gemm == DC_GPU_FP16;
	j.blas = blas;
	job_sizes(&j);
	size_t blocks = (j.nc + THREADS - 1) / THREADS;
	j.blocks = (int)(blocks < (size_t)sms * 32 ? blocks : (size_t)sms * 32);
	if (j.kind == JOB_ATTN_PRE &&
	    ((size_t)p->n + 32) * sizeof(float) > 48 * 1024)
		return dc_err_msg(err, DC_EINVAL, "calibrate --gpu: a prompt of "
				  "%d tokens is beyond the prefill kernel's "
				  "shared memory", p->n);
	int rc = job_alloc(&j, err);
	dc_kernel_cost c = job_cost(&j);
	int reps = reps_for(c, o->quick) * more;
	double med = 0, e = 0;
	if (!rc)
		rc = time_job(&j, reps, &med, err);
	if (!rc)
		rc = check(&j, &e, err);
	job_free(&j);
	if (rc)
		return rc;
	memset(out, 0, sizeof *out);
	snprintf(out->op, sizeof out->op, "%s", p->op);
	out->m = p->m, out->n = p->n, out->k = p->k, out->reps = reps;
	out->time_s = med, out->flops = c.flops, out->bytes = c.bytes;
	out->max_rel_err = e;
	double bound = j.half ? DC_GPU_BOUND_FP16 : DC_GPU_BOUND_FP32;
	if (!(e <= bound))
		return dc_err_msg(err, DC_EFAIL, "calibrate --gpu %s %dx%dx%d%s: "
				  "result off its reference by %.3g (bound %g)",
				  p->op, p->m, p->n, p->k, j.half ? " fp16" : "",
				  e, bound);
	return DC_OK;
}

#define REMEASURE_PASSES 3

/* Where a curve falls by more than the profile reader's tolerance
 * (dc_calib_nonmonotonic), both rows are measured again with three times
 * the repetitions, up to REMEASURE_PASSES times.  A fall that stays is
 * real on a GPU (cuBLAS switches kernels between sizes): it is left in the
 * rows with a warning naming it. */
static int remeasure(const plan_row *plan, const dc_gpu_calib_opts *o,
		     cublasHandle_t blas, int sms, dc_calib_row *out,
		     size_t np, dc_err *err)
{
	size_t pairs[2 * 16], k = 0;
	for (int pass = 0; pass <= REMEASURE_PASSES; pass++) {
		k = dc_calib_nonmonotonic(out, np, pairs, 16);
		if (k == (size_t)-1)
			return dc_err_msg(err, DC_ENOMEM, "out of memory");
		if (!k || pass == REMEASURE_PASSES)
			break;
		for (size_t i = 0; i < 2 * (k < 16 ? k : 16); i++) {
			int rc = measure(&plan[pairs[i]], o, blas, sms, 3,
					 &out[pairs[i]], err);
			if (rc)
				return rc;
		}
	}
	if (k) {
		const dc_calib_row *a = &out[pairs[0]], *b = &out[pairs[1]];
		dc_err_warn(err, "calibrate --gpu: %s %d x %d took %.4g s at "
			    "m = %d but %.4g s at m = %d after %d "
			    "re-measurements (%zu such points); a profile "
			    "reader refuses a curve that falls", b->op, b->n,
			    b->k, b->time_s, b->m, a->time_s, a->m,
			    REMEASURE_PASSES, k);
	}
	return DC_OK;
}

/* ------------------------------------------------------------- probing */

static int use_device(int device, dc_err *err)
{
	int count = 0;
	cudaError_t e = cudaGetDeviceCount(&count);
	if (e || device < 0 || device >= count)
		return dc_err_msg(err, DC_ENOENT, "calibrate --gpu: no CUDA "
				  "device %d (%d found%s%s)", device,
				  e ? 0 : count, e ? ": " : "",
				  e ? cudaGetErrorString(e) : "");
	e = cudaSetDevice(device);
	return e ? cuda_fail(err, e, "cudaSetDevice") : DC_OK;
}

extern "C" int dc_gpu_probe(int device, dc_gpu_info *info, dc_err *err)
{
	int rc = use_device(device, err);
	if (rc)
		return rc;
	cudaDeviceProp p;
	cudaError_t e = cudaGetDeviceProperties(&p, device);
	if (e)
		return cuda_fail(err, e, "cudaGetDeviceProperties");
	memset(info, 0, sizeof *info);
	info->device = device;
	snprintf(info->name, sizeof info->name, "%s", p.name);
	cudaDeviceGetPCIBusId(info->pci_bus_id, (int)sizeof info->pci_bus_id,
			      device);
	info->cc_major = p.major, info->cc_minor = p.minor;
	info->sms = p.multiProcessorCount;
	info->mem_bytes = (double)p.totalGlobalMem;
	int khz = 0;
	if (!cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, device))
		info->sm_clock_max_hz = khz * 1e3;
	if (!cudaDeviceGetAttribute(&khz, cudaDevAttrMemoryClockRate, device))
		info->mem_clock_max_hz = khz * 1e3;
	cudaDriverGetVersion(&info->driver_api);
	cudaRuntimeGetVersion(&info->runtime_api);
	int ma = 0, mi = 0, pa = 0;
	cublasGetProperty(MAJOR_VERSION, &ma);
	cublasGetProperty(MINOR_VERSION, &mi);
	cublasGetProperty(PATCH_LEVEL, &pa);
	info->cublas_version = ma * 10000 + mi * 100 + pa;
	cudaGetLastError(); /* clear what an unsupported attribute left */
	return DC_OK;
}

static int new_blas(cublasHandle_t *h, dc_err *err)
{
	cublasStatus_t st = cublasCreate(h);
	if (st != CUBLAS_STATUS_SUCCESS)
		return dc_err_msg(err, DC_EFAIL, "calibrate --gpu: cublasCreate "
				  "failed (status %d)", (int)st);
	/* fp32 stays fp32: no TF32 tensor-core shortcut */
	cublasSetMathMode(*h, CUBLAS_DEFAULT_MATH);
	return DC_OK;
}

extern "C" int dc_gpu_calibrate(const dc_gpu_calib_opts *o,
				dc_calib_row **rows, size_t *n, dc_err *err)
{
	if (!o || !o->arch || !rows || !n || o->arch->hidden < 1 ||
	    o->arch->heads < 1 || o->arch->ffn < 1)
		return dc_err_msg(err, DC_EINVAL, "calibrate --gpu: no model "
				  "shape");
	dc_gpu_info info;
	int rc = dc_gpu_probe(o->device, &info, err);
	if (rc)
		return rc;
	plan_row plan[256];
	size_t np = plan_build(o->arch, o->quick, plan, DC_ARRAY_LEN(plan));
	if (np > DC_ARRAY_LEN(plan))
		np = DC_ARRAY_LEN(plan);
	dc_calib_row *out = (dc_calib_row *)dc_calloc(np, sizeof *out);
	if (!out)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	cublasHandle_t blas = NULL;
	rc = new_blas(&blas, err);
	for (size_t i = 0; !rc && i < np; i++) {
		rc = measure(&plan[i], o, blas, info.sms, 1, &out[i], err);
		if (!rc && o->progress)
			o->progress(o->progress_ctx, &out[i], i, np);
	}
	if (!rc)
		rc = remeasure(plan, o, blas, info.sms, out, np, err);
	if (blas)
		cublasDestroy(blas);
	if (rc) {
		dc_free(out);
		return rc;
	}
	*rows = out;
	*n = np;
	return DC_OK;
}

/* ------------------------------------------------------- load program */

#define LOAD_N 8192          /* fp16 GEMM LOAD_N^3 per call */
#define LOAD_PERIOD_S 0.1    /* duty-cycle period */

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void sleep_s(double s)
{
	if (s <= 0)
		return;
	struct timespec ts;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* One stage: GEMMs for DUTY of every period, synchronised after each so
 * that the busy time is what the clock says.  Adds the calls to *CALLS
 * and the busy time to *BUSY. */
static int stage_run(gjob *j, const dc_gpu_stage *s, double *calls,
		     double *busy, dc_err *err)
{
	double t0 = clock_s(CLOCK_MONOTONIC), end = t0 + s->seconds;
	for (double p0 = t0; p0 < end; p0 += LOAD_PERIOD_S) {
		double on = p0 + s->duty * LOAD_PERIOD_S, now;
		while ((now = clock_s(CLOCK_MONOTONIC)) < on && now < end) {
			launch(j);
			cudaError_t e = cudaDeviceSynchronize();
			if (e)
				return cuda_fail(err, e, "load GEMM");
			if (j->blas_rc)
				return dc_err_msg(err, DC_EFAIL, "calibrate "
						  "--gpu: cuBLAS error %d in the "
						  "load", j->blas_rc);
			*calls += 1;
			*busy += clock_s(CLOCK_MONOTONIC) - now;
		}
		double next = p0 + LOAD_PERIOD_S;
		sleep_s((next < end ? next : end) - clock_s(CLOCK_MONOTONIC));
	}
	return DC_OK;
}

static int load_check(const dc_gpu_stage *st, size_t n, dc_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (!(st[i].duty >= 0 && st[i].duty <= 1 && st[i].seconds >= 0))
			return dc_err_msg(err, DC_EINVAL, "calibrate --gpu: load "
					  "stage %zu: duty %g (0..1), %g s (>= 0)",
					  i, st[i].duty, st[i].seconds);
	return DC_OK;
}

extern "C" int dc_gpu_load_run(int device, const dc_gpu_stage *st, size_t n,
			       double *t_start, double *rate, dc_err *err)
{
	int rc = load_check(st, n, err);
	if (!rc)
		rc = use_device(device, err);
	if (rc)
		return rc;
	gjob j;
	memset(&j, 0, sizeof j);
	j.kind = JOB_GEMM, j.m = j.n = j.k = LOAD_N, j.half = 1;
	job_sizes(&j);
	rc = new_blas(&j.blas, err);
	if (!rc)
		rc = job_alloc(&j, err);
	double calls = 0, busy = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		if (t_start)
			t_start[i] = clock_s(CLOCK_REALTIME);
		rc = stage_run(&j, &st[i], &calls, &busy, err);
	}
	if (t_start)
		t_start[n] = clock_s(CLOCK_REALTIME);
	if (rate)
		*rate = busy > 0 ? calls * 2.0 * LOAD_N * LOAD_N * LOAD_N / busy
				 : 0;
	job_free(&j);
	if (j.blas)
		cublasDestroy(j.blas);
	return rc;
}

extern "C" int dc_gpu_sustained_load(int device, double load_s, double cool_s,
				     double *t_start, dc_err *err)
{
	dc_gpu_stage st[2] = {{1, load_s}, {0, cool_s}};
	return dc_gpu_load_run(device, st, 2, t_start, NULL, err);
}
