/* calibrate.c - measure the calibration kernels on this host over a
 * model's operator shapes and write the profile (calibrate.h). */
#include "calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "../sim/rng.h"
#include "kernels.h"

#define CHECK_BOUND 1e-4  /* max |got - want| / rms(want), single precision */

/* ---- buffers and the call being timed ---------------------------------- */

typedef struct job {
	int kind;                 /* JOB_* */
	int m, n, k;
	float *a, *b, *c, *w, *s; /* inputs, output, weights, scratch */
	size_t na, nb, nc;
} job;

enum { JOB_GEMM, JOB_TRIAD, JOB_SOFTMAX, JOB_RMSNORM, JOB_SILU, JOB_ATTN };

static void run_job(void *ctx)
{
	job *j = ctx;
	switch (j->kind) {
	case JOB_GEMM: dc_k_gemm(j->m, j->n, j->k, j->a, j->b, j->c); break;
	case JOB_TRIAD: dc_k_triad(j->nc, j->c, j->a, j->b, 1.5f); break;
	case JOB_SOFTMAX:
		memcpy(j->c, j->a, j->nc * sizeof *j->c);
		dc_k_softmax(j->m, j->n, j->c);
		break;
	case JOB_RMSNORM:
		dc_k_rmsnorm(j->m, j->n, j->a, j->w, 1e-6f, j->c);
		break;
	case JOB_SILU: dc_k_silu(j->nc, j->a, j->c); break;
	default:
		dc_k_attn_decode(j->m, j->n, j->k, j->w, j->a, j->b, j->s,
				 j->c);
	}
}

static float *fresh(size_t n, gsl_rng *r)
{
	float *x = dc_malloc((n ? n : 1) * sizeof *x);
	for (size_t i = 0; x && i < n; i++)
		x[i] = (float)(2 * gsl_rng_uniform(r) - 1); /* never all 0 */
	return x;
}

static void job_free(job *j)
{
	dc_free(j->a), dc_free(j->b), dc_free(j->c), dc_free(j->w);
	dc_free(j->s);
}

/* Inputs for J (sizes set), from R. */
static int job_alloc(job *j, gsl_rng *r)
{
	j->a = fresh(j->na, r);
	j->b = fresh(j->nb, r);
	j->c = fresh(j->nc, r);
	if (j->kind == JOB_RMSNORM)
		j->w = fresh((size_t)j->n, r);
	if (j->kind == JOB_ATTN) {
		j->w = fresh((size_t)j->m * (size_t)j->k, r);  /* q */
		j->s = fresh((size_t)j->n, r);
	}
	int need_w = j->kind == JOB_RMSNORM || j->kind == JOB_ATTN;
	return j->a && j->b && j->c && (!need_w || j->w) &&
			       (j->kind != JOB_ATTN || j->s)
		       ? DC_OK
		       : DC_ENOMEM;
}

/* ---- naive references (double) ------------------------------------------ */

/* Output element I of J, computed naively. */
static double ref_at(const job *j, size_t i)
{
	switch (j->kind) {
	case JOB_GEMM: {
		size_t r = i / (size_t)j->n, c = i % (size_t)j->n;
		double acc = 0;
		for (int t = 0; t < j->k; t++)
			acc += (double)j->a[r * (size_t)j->k + (size_t)t] *
			       j->b[(size_t)t * (size_t)j->n + c];
		return acc;
	}
	case JOB_TRIAD: return j->a[i] + 1.5 * (double)j->b[i];
	case JOB_SILU: return j->a[i] / (1 + exp(-(double)j->a[i]));
	case JOB_SOFTMAX: {
		const float *x = j->a + i / (size_t)j->n * (size_t)j->n;
		double mx = x[0], sum = 0;
		for (int t = 1; t < j->n; t++)
			mx = x[t] > mx ? x[t] : mx;
		for (int t = 0; t < j->n; t++)
			sum += exp(x[t] - mx);
		return exp(j->a[i] - mx) / sum;
	}
	case JOB_RMSNORM: {
		const float *x = j->a + i / (size_t)j->n * (size_t)j->n;
		double ss = 0;
		for (int t = 0; t < j->n; t++)
			ss += (double)x[t] * x[t];
		return j->a[i] / sqrt(ss / j->n + 1e-6) * j->w[i % (size_t)j->n];
	}
	default: {
		int h = (int)(i / (size_t)j->k), t = (int)(i % (size_t)j->k);
		const float *q = j->w + (size_t)h * (size_t)j->k;
		size_t base = (size_t)h * (size_t)j->n * (size_t)j->k;
		double mx = -INFINITY, sum = 0, acc = 0;
		double *p = dc_malloc((size_t)j->n * sizeof *p);
		if (!p)
			return NAN;
		for (int c = 0; c < j->n; c++) {
			double s = 0;
			for (int u = 0; u < j->k; u++)
				s += (double)q[u] * j->a[base + (size_t)c * (size_t)j->k + (size_t)u];
			p[c] = s / sqrt((double)j->k);
			mx = p[c] > mx ? p[c] : mx;
		}
		for (int c = 0; c < j->n; c++)
			sum += (p[c] = exp(p[c] - mx));
		for (int c = 0; c < j->n; c++)
			acc += p[c] / sum * j->b[base + (size_t)c * (size_t)j->k + (size_t)t];
		dc_free(p);
		return acc;
	}
	}
}

/* Max |got - want| / rms(want) over up to 64 spread output elements. */
static double check(const job *j)
{
	size_t step = j->nc > 64 ? j->nc / 64 : 1;
	double e = 0, ss = 0;
	size_t cnt = 0;
	for (size_t i = 0; i < j->nc; i += step) {
		double w = ref_at(j, i);
		ss += w * w;
		cnt++;
		double d = fabs(j->c[i] - w);
		e = d > e ? d : e;
	}
	double rms = sqrt(ss / (double)cnt);
	return rms > 0 ? e / rms : e;
}

/* ---- the plan ------------------------------------------------------------ */

typedef struct plan_row {
	const char *op;
	int kind, m, n, k;
} plan_row;

static size_t plan_build(const dc_llm_arch *a, int quick, plan_row *p,
			 size_t cap)
{
	static const int full_m[] = {1, 4, 16, 64, 128, 256, 512, 1024};
	static const int quick_m[] = {1, 16, 128, 512};
	const int *ms = quick ? quick_m : full_m;
	size_t nm = quick ? DC_ARRAY_LEN(quick_m) : DC_ARRAY_LEN(full_m);
	int h = (int)a->hidden, dh = (int)(a->hidden / a->heads);
	int kv = (int)a->kv_heads * dh, f = (int)a->ffn;
	size_t n = 0;
#define ADD(o, kd, M, N, K)                                              \
	do {                                                             \
		if (n < cap)                                             \
			p[n] = (plan_row){o, kd, M, N, K};               \
		n++;                                                     \
	} while (0)
	for (size_t i = 0; i < nm; i++) {
		ADD("qkv", JOB_GEMM, ms[i], h + 2 * kv, h);
		ADD("attn_out", JOB_GEMM, ms[i], h, h);
		ADD("mlp_up", JOB_GEMM, ms[i], a->gated ? 2 * f : f, h);
		ADD("mlp_down", JOB_GEMM, ms[i], h, f);
	}
	const int ctx[] = {128, 512, 2048};
	for (size_t i = 0; i < DC_ARRAY_LEN(ctx); i++)
		ADD("attn_decode", JOB_ATTN, (int)a->heads, ctx[i], dh);
	ADD("softmax", JOB_SOFTMAX, (int)a->heads, 2048, 0);
	ADD("rmsnorm", JOB_RMSNORM, 128, h, 0);
	ADD("silu", JOB_SILU, 128, f, 0);
	ADD("triad", JOB_TRIAD, 1, quick ? 1 << 23 : 1 << 25, 0);
#undef ADD
	return n;
}

static void job_sizes(job *j)
{
	size_t m = (size_t)j->m, n = (size_t)j->n, k = (size_t)j->k;
	switch (j->kind) {
	case JOB_GEMM: j->na = m * k, j->nb = k * n, j->nc = m * n; break;
	case JOB_ATTN: j->na = j->nb = m * n * k, j->nc = m * k; break;
	case JOB_TRIAD: j->na = j->nb = j->nc = n; break;
	default: j->na = j->nc = m * n, j->nb = 1;
	}
}

static dc_kernel_cost job_cost(const job *j)
{
	switch (j->kind) {
	case JOB_GEMM: return dc_k_gemm_cost(j->m, j->n, j->k);
	case JOB_ATTN: return dc_k_attn_decode_cost(j->m, j->n, j->k);
	case JOB_TRIAD: return dc_k_triad_cost(j->nc);
	case JOB_SOFTMAX: return dc_k_softmax_cost(j->m, j->n);
	case JOB_RMSNORM: return dc_k_rmsnorm_cost(j->m, j->n);
	default: return dc_k_silu_cost(j->nc);
	}
}

/* Repetitions so that small calls are timed many times and large ones a
 * few: about 0.2 s (quick) or 1 s of calls, 3..200. */
static int reps_for(double flops, double bytes, int quick)
{
	double guess = flops / 2e10 + bytes / 5e9 + 1e-6;
	int r = (int)((quick ? 0.2 : 1.0) / guess);
	return r < 3 ? 3 : r > 200 ? 200 : r;
}

static int measure(const plan_row *p, gsl_rng *r, int quick,
		   dc_calib_row *out, dc_err *err)
{
	job j = {.kind = p->kind, .m = p->m, .n = p->n, .k = p->k};
	job_sizes(&j);
	int rc = job_alloc(&j, r);
	if (rc) {
		job_free(&j);
		return dc_err_msg(err, DC_ENOMEM, "calibrate %s: out of memory",
				  p->op);
	}
	dc_kernel_cost c = job_cost(&j);
	int reps = reps_for(c.flops, c.bytes, quick);
	double med;
	rc = dc_kernel_time(run_job, &j, 1, reps, &med, NULL, err);
	double e = rc ? 0 : check(&j);
	job_free(&j);
	if (rc)
		return rc;
	*out = (dc_calib_row){.m = p->m, .n = p->n, .k = p->k, .reps = reps,
			      .time_s = med, .flops = c.flops,
			      .bytes = c.bytes, .max_rel_err = e};
	snprintf(out->op, sizeof out->op, "%s", p->op);
	if (!(e <= CHECK_BOUND))
		return dc_err_msg(err, DC_EFAIL, "calibrate %s %dx%dx%d: result "
				  "off its reference by %.3g (bound %g)", p->op,
				  p->m, p->n, p->k, e, CHECK_BOUND);
	return DC_OK;
}

int dc_calibrate_host(const dc_calib_opts *o, dc_calib_row **rows, size_t *n,
		      dc_err *err)
{
	if (!o || !o->arch || !rows || !n || o->arch->hidden < 1 ||
	    o->arch->heads < 1 || o->arch->ffn < 1)
		return dc_err_msg(err, DC_EINVAL, "calibrate: no model shape");
	plan_row plan[64];
	size_t np = plan_build(o->arch, o->quick, plan, DC_ARRAY_LEN(plan));
	dc_calib_row *out = dc_calloc(np, sizeof *out);
	gsl_rng *r = dc_rng_new(NULL, 20261128, 0, 0);
	int rc = out && r ? DC_OK : dc_err_msg(err, DC_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < np; i++) {
		rc = measure(&plan[i], r, o->quick, &out[i], err);
		if (!rc && o->progress)
			o->progress(o->progress_ctx, &out[i], i, np);
	}
	gsl_rng_free(r);
	if (rc) {
		dc_free(out);
		return rc;
	}
	*rows = out;
	*n = np;
	return DC_OK;
}
