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
#include "calib_fit.h"
#include "kernels.h"

#define CHECK_BOUND 1e-4  /* max |got - want| / rms(want), single precision */

/* ---- buffers and the call being timed ---------------------------------- */

/* Whole layers: NL layers' weights and KV caches, all random. */
typedef struct layers {
	dc_k_layer l[8];
	float *wbuf, *kc, *vc, *x, *work;
	int nl, cap;
} layers;

typedef struct job {
	int kind;                 /* JOB_* */
	int m, n, k;
	float *a, *b, *c, *w, *s; /* inputs, output, weights, scratch */
	size_t na, nb, nc;
	layers *ly;               /* JOB_LAYER_* */
} job;

enum { JOB_GEMM, JOB_TRIAD, JOB_SOFTMAX, JOB_RMSNORM, JOB_SILU, JOB_ATTN,
       JOB_ATTN_PRE, JOB_LAYER_PRE, JOB_LAYER_DEC };

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
	case JOB_ATTN_PRE:
		dc_k_attn_prefill(j->m, j->n, j->k, j->w, j->a, j->b, j->s,
				  j->c);
		break;
	case JOB_LAYER_PRE:
		for (int i = 0; i < j->ly->nl; i++)
			dc_k_layer_prefill(&j->ly->l[i], j->m, j->ly->x,
					   j->ly->work);
		break;
	case JOB_LAYER_DEC: {
		layers *L = j->ly;
		size_t per = (size_t)L->l[0].kv_heads * (size_t)L->cap *
			     (size_t)(L->l[0].hidden / L->l[0].heads);
		for (int i = 0; i < L->nl; i++)
			dc_k_layer_decode(&L->l[i], j->k, L->cap, L->x,
					  L->kc + (size_t)i * per,
					  L->vc + (size_t)i * per, L->work);
		break;
	}
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

static void layers_free(layers *L)
{
	if (!L)
		return;
	dc_free(L->wbuf), dc_free(L->kc), dc_free(L->vc), dc_free(L->x);
	dc_free(L->work), dc_free(L);
}

static void job_free(job *j)
{
	dc_free(j->a), dc_free(j->b), dc_free(j->c), dc_free(j->w);
	dc_free(j->s);
	layers_free(j->ly);
}

/* NL layers of shape A with random weights (scaled so that activations
 * stay O(1) through the layers) and caches for CTX + 1 tokens. */
static layers *layers_new(const dc_llm_arch *a, int nl, int t, int ctx,
			  gsl_rng *r)
{
	layers *L = dc_calloc(1, sizeof *L);
	if (!L)
		return NULL;
	int H = (int)a->hidden, F = (int)a->ffn, d = H / (int)a->heads;
	int kvw = 2 * (int)a->kv_heads * d;
	size_t per = (size_t)H * (H + kvw) + (size_t)H * H +
		     (size_t)H * 2 * F + (size_t)F * H + 2 * (size_t)H;
	L->nl = nl;
	L->cap = ctx + 1;
	size_t cache = (size_t)nl * (size_t)a->kv_heads * (size_t)L->cap *
		       (size_t)d;
	L->wbuf = fresh(per * (size_t)nl, r);
	L->kc = fresh(cache, r);
	L->vc = fresh(cache, r);
	L->x = fresh((size_t)(t > 1 ? t : 1) * (size_t)H, r);
	dc_k_layer shape = {.hidden = H, .heads = (int)a->heads,
			    .kv_heads = (int)a->kv_heads, .ffn = F};
	size_t wk = dc_k_layer_work(&shape, t > 1 ? t : 1),
	       wd = dc_k_layer_decode_work(&shape, ctx);
	L->work = dc_malloc((wk > wd ? wk : wd) * sizeof *L->work);
	if (!L->wbuf || !L->kc || !L->vc || !L->x || !L->work) {
		layers_free(L);
		return NULL;
	}
	float sc = 1.0f / sqrtf((float)H);
	for (size_t i = 0; i < per * (size_t)nl; i++)
		L->wbuf[i] *= sc;
	for (int i = 0; i < nl; i++) {
		float *w = L->wbuf + (size_t)i * per;
		dc_k_layer *l = &L->l[i];
		*l = shape;
		l->wqkv = w, w += (size_t)H * (H + kvw);
		l->wo = w, w += (size_t)H * H;
		l->wup = w, w += (size_t)H * 2 * F;
		l->wdown = w, w += (size_t)F * H;
		l->g1 = w, l->g2 = w + H;
	}
	return L;
}

/* Inputs for J (sizes set), from R. */
static int job_alloc(job *j, const dc_llm_arch *layer, gsl_rng *r)
{
	if (j->kind == JOB_LAYER_PRE || j->kind == JOB_LAYER_DEC) {
		j->ly = layer ? layers_new(layer, j->n, j->m, j->k, r) : NULL;
		return j->ly ? DC_OK : DC_ENOMEM;
	}
	j->a = fresh(j->na, r);
	j->b = fresh(j->nb, r);
	j->c = fresh(j->nc, r);
	if (j->kind == JOB_RMSNORM)
		j->w = fresh((size_t)j->n, r);
	int attn = j->kind == JOB_ATTN || j->kind == JOB_ATTN_PRE;
	if (attn) {
		j->w = fresh(j->kind == JOB_ATTN ? (size_t)j->m * (size_t)j->k
						 : j->na, r);  /* q */
		j->s = fresh((size_t)j->n * (j->kind == JOB_ATTN_PRE
						     ? DC_K_ATTN_BLOCK
						     : 1), r);
	}
	int need_w = j->kind == JOB_RMSNORM || attn;
	return j->a && j->b && j->c && (!need_w || j->w) && (!attn || j->s)
		       ? DC_OK
		       : DC_ENOMEM;
}

/* ---- naive references (double) ------------------------------------------ */

/* Component T of attention of query Q over CNT keys K and values V (rows
 * of D), in double. */
static double attn_ref(const float *q, const float *k, const float *v,
		       int cnt, int d, int t)
{
	double mx = -INFINITY, sum = 0, acc = 0;
	double *p = dc_malloc((size_t)cnt * sizeof *p);
	if (!p)
		return NAN;
	for (int c = 0; c < cnt; c++) {
		double s = 0;
		for (int u = 0; u < d; u++)
			s += (double)q[u] * k[(size_t)c * (size_t)d + (size_t)u];
		p[c] = s / sqrt((double)d);
		mx = p[c] > mx ? p[c] : mx;
	}
	for (int c = 0; c < cnt; c++)
		sum += (p[c] = exp(p[c] - mx));
	for (int c = 0; c < cnt; c++)
		acc += p[c] / sum * v[(size_t)c * (size_t)d + (size_t)t];
	dc_free(p);
	return acc;
}

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
	case JOB_ATTN: {
		size_t d = (size_t)j->k, h = i / d;
		size_t base = h * (size_t)j->n * d;
		return attn_ref(j->w + h * d, j->a + base, j->b + base, j->n,
				j->k, (int)(i % d));
	}
	default: { /* JOB_ATTN_PRE: position p attends over 0..p */
		size_t d = (size_t)j->k, T = (size_t)j->n;
		size_t h = i / (T * d), pos = i / d % T;
		size_t base = h * T * d;
		return attn_ref(j->w + base + pos * d, j->a + base,
				j->b + base, (int)pos + 1, j->k, (int)(i % d));
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

typedef dc_calib_call plan_row;

/* The job that measures operator OP. */
static int job_kind(const char *op)
{
	static const struct {
		const char *op;
		int kind;
	} map[] = {{"attn_decode", JOB_ATTN}, {"attn_prefill", JOB_ATTN_PRE},
		   {"softmax", JOB_SOFTMAX},   {"rmsnorm", JOB_RMSNORM},
		   {"silu", JOB_SILU},         {"triad", JOB_TRIAD},
		   {"layer_prefill", JOB_LAYER_PRE},
		   {"layer_decode", JOB_LAYER_DEC}};
	for (size_t i = 0; i < DC_ARRAY_LEN(map); i++)
		if (!strcmp(op, map[i].op))
			return map[i].kind;
	return JOB_GEMM;
}

#define ADD(o, kd, M, N, K)                                              \
	do {                                                             \
		if (n < cap)                                             \
			p[n] = (plan_row){o, M, N, K};                   \
		n++;                                                     \
	} while (0)

/* The four linear operators of A's layer at each of the NM token counts. */
static size_t plan_gemms(const dc_llm_arch *a, const int *ms, size_t nm,
			 plan_row *p, size_t n, size_t cap)
{
	int h = (int)a->hidden, dh = (int)(a->hidden / a->heads);
	int kv = (int)a->kv_heads * dh, f = (int)a->ffn;
	for (size_t i = 0; i < nm; i++) {
		ADD("qkv", JOB_GEMM, ms[i], h + 2 * kv, h);
		ADD("attn_out", JOB_GEMM, ms[i], h, h);
		ADD("mlp_up", JOB_GEMM, ms[i], a->gated ? 2 * f : f, h);
		ADD("mlp_down", JOB_GEMM, ms[i], h, f);
	}
	return n;
}

/* The GEMMs of O's models at the NM token counts MS. */
static size_t plan_models(const dc_calib_opts *o, const int *ms, size_t nm,
			  plan_row *p, size_t n, size_t cap)
{
	for (size_t i = 0; i <= o->n_more; i++)
		n = plan_gemms(i ? o->more[i - 1] : o->arch, ms, nm, p, n, cap);
	return n;
}

/* Attention over the CTX lengths (decode) and the PRE prompts (prefill);
 * element-wise operators over ROWS token rows; triads of TRIAD elements.
 * Each list ends with 0. */
static size_t plan_rest(const dc_llm_arch *a, const int *ctx, const int *pre,
			const int *rows, const int *triad, plan_row *p,
			size_t n, size_t cap)
{
	int h = (int)a->hidden, dh = (int)(a->hidden / a->heads);
	int f = (int)a->ffn, nh = (int)a->heads;
	for (; *ctx; ctx++)
		ADD("attn_decode", JOB_ATTN, nh, *ctx, dh);
	for (; *pre; pre++)
		ADD("attn_prefill", JOB_ATTN_PRE, nh, *pre, dh);
	for (; *rows; rows++) {
		ADD("softmax", JOB_SOFTMAX, *rows / 4 > 0 ? *rows / 4 : 1,
		    2048, 0);
		ADD("rmsnorm", JOB_RMSNORM, *rows, h, 0);
		ADD("silu", JOB_SILU, *rows, f, 0);
	}
	for (; *triad; triad++)
		ADD("triad", JOB_TRIAD, 1, *triad, 0);
	return n;
}

/* The fit plan: token counts 1..1024, decode over 64..8192 cached tokens,
 * prefill attention over 64..512, element-wise rows of 4..1024 tokens
 * (in cache, past L2, in DRAM), triads of 128 KiB..64 MiB a vector. */
static size_t plan_fit(const dc_calib_opts *o, plan_row *p, size_t cap)
{
	const dc_llm_arch *a = o->arch;
	int quick = o->quick;
	static const int full_m[] = {1, 4, 16, 64, 128, 256, 512, 1024};
	static const int quick_m[] = {1, 4, 16, 64, 256, 512};
	static const int ctx[] = {64, 128, 512, 2048, 8192, 0};
	static const int pre[] = {64, 128, 256, 512, 0};
	static const int rows[] = {4, 16, 64, 256, 1024, 0};
	static const int triad[] = {1 << 15, 1 << 17, 1 << 19, 1 << 21,
				    1 << 24, 0};
	static const int triad_q[] = {1 << 15, 1 << 17, 1 << 19, 1 << 21,
				      1 << 23, 0};
	size_t n = quick ? plan_models(o, quick_m, DC_ARRAY_LEN(quick_m), p, 0,
				       cap)
			 : plan_models(o, full_m, DC_ARRAY_LEN(full_m), p, 0,
				       cap);
	return plan_rest(a, ctx, pre, rows, quick ? triad_q : triad, p, n, cap);
}

/* The held-out plan: sizes between and beyond the fit plan's, then whole
 * layers of LAYER (4 of them; 2 when quick) for prefill and decode. */
static size_t plan_held_out(const dc_calib_opts *o, plan_row *p, size_t cap)
{
	const dc_llm_arch *a = o->arch, *layer = o->layer;
	int quick = o->quick;
	static const int full_m[] = {2, 8, 32, 96, 384, 768};
	static const int quick_m[] = {8, 96, 384};
	static const int ctx[] = {256, 1024, 4096, 0}, pre[] = {192, 384, 0};
	static const int rows[] = {8, 48, 512, 0};
	static const int triad[] = {1 << 16, 1 << 20, 1 << 23, 0};
	size_t n = quick ? plan_models(o, quick_m, DC_ARRAY_LEN(quick_m), p, 0,
				       cap)
			 : plan_models(o, full_m, DC_ARRAY_LEN(full_m), p, 0,
				       cap);
	n = plan_rest(a, ctx, pre, rows, triad, p, n, cap);
	if (!layer)
		return n;
	int nl = quick ? 2 : 4;
	ADD("layer_prefill", JOB_LAYER_PRE, 32, nl, 0);
	ADD("layer_prefill", JOB_LAYER_PRE, 128, nl, 0);
	ADD("layer_decode", JOB_LAYER_DEC, 1, nl, 128);
	ADD("layer_decode", JOB_LAYER_DEC, 1, nl, 1024);
	return n;
}

size_t dc_calib_layer_ops(const dc_llm_arch *a, const dc_calib_row *layer,
			  dc_calib_row *ops)
{
	int dec = !strcmp(layer->op, "layer_decode");
	int t = dec ? 1 : layer->m, ctx = dec ? layer->k + 1 : layer->m;
	int H = (int)a->hidden, nh = (int)a->heads, d = H / nh;
	int kvw = 2 * (int)a->kv_heads * d, F = (int)a->ffn;
	size_t n = 0;
#define OP(name, M, N, K, cost)                                          \
	do {                                                             \
		dc_kernel_cost c_ = (cost);                              \
		ops[n] = (dc_calib_row){.m = M, .n = N, .k = K,          \
				       .flops = c_.flops,                \
				       .bytes = c_.bytes};               \
		snprintf(ops[n].op, sizeof ops[n].op, "%s", name);      \
		n++;                                                     \
	} while (0)
	OP("rmsnorm", t, H, 0, dc_k_rmsnorm_cost(t, H));
	OP("qkv", t, H + kvw, H, dc_k_gemm_cost(t, H + kvw, H));
	/* moving rows into heads (prefill) or K, V into the cache */
	OP("triad", 1, t * (H + kvw) * 2 / 3, 0,
	   dc_k_triad_cost((size_t)t * (size_t)(H + kvw) * 2 / 3));
	if (dec)
		OP("attn_decode", nh, ctx, d, dc_k_attn_decode_cost(nh, ctx, d));
	else
		OP("attn_prefill", nh, ctx, d,
		   dc_k_attn_prefill_cost(nh, ctx, d));
	if (!dec) /* heads back to rows */
		OP("triad", 1, t * H * 2 / 3, 0,
		   dc_k_triad_cost((size_t)t * (size_t)H * 2 / 3));
	OP("attn_out", t, H, H, dc_k_gemm_cost(t, H, H));
	OP("rmsnorm", t, H, 0, dc_k_rmsnorm_cost(t, H));
	OP("mlp_up", t, 2 * F, H, dc_k_gemm_cost(t, 2 * F, H));
	OP("silu", t, F, 0, dc_k_silu_cost((size_t)t * (size_t)F));
	OP("triad", 1, t * F, 0, dc_k_triad_cost((size_t)t * (size_t)F));
	OP("mlp_down", t, H, F, dc_k_gemm_cost(t, H, F));
#undef OP
	return n;
}
#undef ADD

static void job_sizes(job *j)
{
	size_t m = (size_t)j->m, n = (size_t)j->n, k = (size_t)j->k;
	switch (j->kind) {
	case JOB_GEMM: j->na = m * k, j->nb = k * n, j->nc = m * n; break;
	case JOB_ATTN: j->na = j->nb = m * n * k, j->nc = m * k; break;
	case JOB_ATTN_PRE: j->na = j->nb = j->nc = m * n * k; break;
	case JOB_LAYER_PRE:
	case JOB_LAYER_DEC: break;
	case JOB_TRIAD: j->na = j->nb = j->nc = n; break;
	default: j->na = j->nc = m * n, j->nb = 1;
	}
}

static dc_kernel_cost job_cost(const job *j)
{
	switch (j->kind) {
	case JOB_GEMM: return dc_k_gemm_cost(j->m, j->n, j->k);
	case JOB_ATTN: return dc_k_attn_decode_cost(j->m, j->n, j->k);
	case JOB_ATTN_PRE: return dc_k_attn_prefill_cost(j->m, j->n, j->k);
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

/* FLOPs and bytes of the plan row (a layer: the sum of its operators). */
static dc_kernel_cost plan_cost(const plan_row *p, const job *j,
				const dc_llm_arch *layer)
{
	if (j->kind != JOB_LAYER_PRE && j->kind != JOB_LAYER_DEC)
		return job_cost(j);
	dc_calib_row lr = {.m = p->m, .n = p->n, .k = p->k}, ops[16];
	snprintf(lr.op, sizeof lr.op, "%s", p->op);
	size_t no = dc_calib_layer_ops(layer, &lr, ops);
	dc_kernel_cost c = {0, 0};
	for (size_t i = 0; i < no; i++)
		c.flops += ops[i].flops * p->n, c.bytes += ops[i].bytes * p->n;
	return c;
}

static int measure(const plan_row *p, const dc_llm_arch *layer, gsl_rng *r,
		   int quick, dc_calib_row *out, dc_err *err)
{
	job j = {.kind = job_kind(p->op), .m = p->m, .n = p->n, .k = p->k};
	int is_layer = j.kind == JOB_LAYER_PRE || j.kind == JOB_LAYER_DEC;
	job_sizes(&j);
	int rc = job_alloc(&j, layer, r);
	if (rc) {
		job_free(&j);
		return dc_err_msg(err, DC_ENOMEM, "calibrate %s: out of memory",
				  p->op);
	}
	dc_kernel_cost c = plan_cost(p, &j, layer);
	int reps = reps_for(c.flops, c.bytes, quick);
	double med;
	rc = dc_kernel_time(run_job, &j, 1, reps, &med, NULL, err);
	double e = rc || is_layer ? NAN : check(&j);
	job_free(&j);
	if (rc)
		return rc;
	*out = (dc_calib_row){.m = p->m, .n = p->n, .k = p->k, .reps = reps,
			      .time_s = med, .flops = is_layer ? 0 : c.flops,
			      .bytes = is_layer ? 0 : c.bytes,
			      .max_rel_err = e};
	snprintf(out->op, sizeof out->op, "%s", p->op);
	if (!is_layer && !(e <= CHECK_BOUND))
		return dc_err_msg(err, DC_EFAIL, "calibrate %s %dx%dx%d: result "
				  "off its reference by %.3g (bound %g)", p->op,
				  p->m, p->n, p->k, e, CHECK_BOUND);
	return DC_OK;
}

size_t dc_calib_plan(const dc_calib_opts *o, dc_calib_call *p, size_t cap)
{
	return o->held_out ? plan_held_out(o, p, cap) : plan_fit(o, p, cap);
}

#define REMEASURE_PASSES 3

/* A shared machine can slow a kernel for a while: where a curve falls by
 * more than the reader's tolerance (dc_calib_nonmonotonic), both rows are
 * measured again, up to REMEASURE_PASSES times; what is left is an error
 * (the profile would be refused). */
static int remeasure(const plan_row *plan, const dc_calib_opts *o,
		     gsl_rng *r, dc_calib_row *out, size_t np, dc_err *err)
{
	size_t pairs[2 * 16], k = 0;
	for (int pass = 0; pass <= REMEASURE_PASSES; pass++) {
		k = dc_calib_nonmonotonic(out, np, pairs, 16);
		if (k == (size_t)-1)
			return dc_err_msg(err, DC_ENOMEM, "out of memory");
		if (!k || pass == REMEASURE_PASSES)
			break;
		for (size_t i = 0; i < 2 * (k < 16 ? k : 16); i++) {
			int rc = measure(&plan[pairs[i]], o->layer, r,
					 o->quick, &out[pairs[i]], err);
			if (rc)
				return rc;
		}
	}
	if (!k)
		return DC_OK;
	const dc_calib_row *a = &out[pairs[0]], *b = &out[pairs[1]];
	return dc_err_msg(err, DC_EFAIL, "calibrate: timings too noisy: %s %d "
			  "x %d took %.4g s at m = %d but %.4g s at m = %d "
			  "after %d re-measurements; run on a quieter machine",
			  b->op, b->n, b->k, b->time_s, b->m, a->time_s, a->m,
			  REMEASURE_PASSES);
}

int dc_calibrate_host(const dc_calib_opts *o, dc_calib_row **rows, size_t *n,
		      dc_err *err)
{
	for (size_t i = 0; o && i < o->n_more; i++)
		if (!o->more || !o->more[i] || o->more[i]->hidden < 1 ||
		    o->more[i]->heads < 1 || o->more[i]->ffn < 1)
			return dc_err_msg(err, DC_EINVAL, "calibrate: no model "
					  "shape");
	if (!o || !o->arch || !rows || !n || o->arch->hidden < 1 ||
	    o->arch->heads < 1 || o->arch->ffn < 1 ||
	    (o->layer && (o->layer->hidden < 1 || o->layer->heads < 1 ||
			  o->layer->kv_heads < 1 || o->layer->ffn < 1)))
		return dc_err_msg(err, DC_EINVAL, "calibrate: no model shape");
	plan_row plan[256];
	size_t np = dc_calib_plan(o, plan, DC_ARRAY_LEN(plan));
	if (np > DC_ARRAY_LEN(plan))
		return dc_err_msg(err, DC_EINVAL, "calibrate: the plan has %zu "
				  "calls, more than %zu", np,
				  DC_ARRAY_LEN(plan));
	dc_calib_row *out = dc_calloc(np, sizeof *out);
	gsl_rng *r = dc_rng_new(NULL, 20261128, 0, 0);
	int rc = out && r ? DC_OK : dc_err_msg(err, DC_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < np; i++) {
		rc = measure(&plan[i], o->layer, r, o->quick, &out[i], err);
		if (!rc && o->progress)
			o->progress(o->progress_ctx, &out[i], i, np);
	}
	if (!rc)
		rc = remeasure(plan, o, r, out, np, err);
	gsl_rng_free(r);
	if (rc) {
		dc_free(out);
		return rc;
	}
	*rows = out;
	*n = np;
	return DC_OK;
}
