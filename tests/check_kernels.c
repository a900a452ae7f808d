/* check_kernels.c - every calibration kernel against a naive reference in
 * double precision written here, the cost formulas against hand counts,
 * and the timing harness. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "../reports/profile.h"
#include "../models/calibrate.h"
#include "../models/kernels.h"
#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "../sim/rng.h"
#include "util/run.h"

/* Fresh inputs in [-1, 1), never all zeros. */
static float *rnd(size_t n, uint32_t stream)
{
	gsl_rng *r = dc_rng_new(NULL, 42, 0, stream);
	float *x = malloc(n * sizeof *x);
	ck_assert(r && x);
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(2 * gsl_rng_uniform(r) - 1);
	gsl_rng_free(r);
	return x;
}

/* Largest |got - want| / (|want| + floor). */
static double max_rel(const float *got, const double *want, size_t n,
		      double floor_)
{
	double e = 0;
	for (size_t i = 0; i < n; i++) {
		double d = fabs(got[i] - want[i]) / (fabs(want[i]) + floor_);
		e = d > e ? d : e;
	}
	return e;
}

START_TEST(gemm_matches_naive)
{
	const int shapes[][3] = {{1, 64, 96}, {7, 33, 129}, {64, 64, 64},
				 {128, 96, 512}};
	for (size_t s = 0; s < DC_ARRAY_LEN(shapes); s++) {
		int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
		float *a = rnd((size_t)m * k, 1), *b = rnd((size_t)k * n, 2);
		float *c = calloc((size_t)m * n, sizeof *c);
		double *w = calloc((size_t)m * n, sizeof *w);
		for (int i = 0; i < m; i++)
			for (int j = 0; j < n; j++) {
				double acc = 0;
				for (int t = 0; t < k; t++)
					acc += (double)a[i * k + t] * b[t * n + j];
				w[i * n + j] = acc;
			}
		dc_k_gemm(m, n, k, a, b, c);
		/* float accumulation of k terms of size <= 1: error below
		 * k * 2^-24 * sqrt(k) in absolute terms (a loose bound) */
		double tol = 1e-6 * k;
		ck_assert_msg(max_rel(c, w, (size_t)m * n, 1.0) < tol,
			      "%dx%dx%d: %g", m, n, k,
			      max_rel(c, w, (size_t)m * n, 1.0));
		dc_kernel_cost co = dc_k_gemm_cost(m, n, k);
		ck_assert_double_eq(co.flops, 2.0 * m * n * k);
		ck_assert_double_eq(co.bytes, 4.0 * (m * k + k * n + m * n));
		free(a), free(b), free(c), free(w);
	}
}
END_TEST

START_TEST(elementwise_match_naive)
{
	const size_t n = 10007;
	float *b = rnd(n, 3), *c = rnd(n, 4), *a = calloc(n, sizeof *a);
	double *w = calloc(n, sizeof *w);
	dc_k_triad(n, a, b, c, 3.0f);
	for (size_t i = 0; i < n; i++)
		w[i] = b[i] + 3.0 * c[i];
	ck_assert(max_rel(a, w, n, 1.0) < 1e-6);
	dc_k_silu(n, b, a);
	for (size_t i = 0; i < n; i++)
		w[i] = b[i] / (1 + exp(-(double)b[i]));
	ck_assert(max_rel(a, w, n, 1e-3) < 1e-5);
	ck_assert_double_eq(dc_k_triad_cost(n).bytes, 12.0 * n);
	ck_assert_double_eq(dc_k_silu_cost(n).flops, 4.0 * n);
	free(a), free(b), free(c), free(w);
}
END_TEST

START_TEST(softmax_rmsnorm_match_naive)
{
	const int rows = 5, cols = 300;
	const size_t n = (size_t)rows * cols;
	float *x = rnd(n, 5), *g = rnd((size_t)cols, 6), *y = calloc(n, sizeof *y);
	double *w = calloc(n, sizeof *w);
	for (size_t i = 0; i < n; i++)
		x[i] *= 20; /* large logits: the max must be subtracted */
	for (int r = 0; r < rows; r++) {
		double sum = 0, ss = 0;
		for (int j = 0; j < cols; j++) {
			ss += (double)x[r * cols + j] * x[r * cols + j];
			sum += exp((double)x[r * cols + j]);
		}
		double inv = 1 / sqrt(ss / cols + 1e-6);
		for (int j = 0; j < cols; j++)
			w[r * cols + j] = x[r * cols + j] * inv * g[j];
	}
	dc_k_rmsnorm(rows, cols, x, g, 1e-6f, y);
	ck_assert(max_rel(y, w, n, 1e-3) < 1e-5);
	for (int r = 0; r < rows; r++) {
		double sum = 0;
		for (int j = 0; j < cols; j++)
			sum += exp((double)x[r * cols + j]);
		for (int j = 0; j < cols; j++)
			w[r * cols + j] = exp((double)x[r * cols + j]) / sum;
	}
	dc_k_softmax(rows, cols, x);
	ck_assert(max_rel(x, w, n, 1e-30) < 1e-4);
	for (int r = 0; r < rows; r++) {
		double s = 0;
		for (int j = 0; j < cols; j++)
			s += x[r * cols + j];
		ck_assert_double_eq_tol(s, 1, 1e-5);
	}
	free(x), free(g), free(y), free(w);
}
END_TEST

START_TEST(attention_decode_matches_naive)
{
	const int h = 4, ctx = 257, d = 64;
	float *q = rnd((size_t)h * d, 7), *k = rnd((size_t)h * ctx * d, 8);
	float *v = rnd((size_t)h * ctx * d, 9);
	float *sc = calloc((size_t)ctx, sizeof *sc);
	float *o = calloc((size_t)h * d, sizeof *o);
	double *w = calloc((size_t)h * d, sizeof *w);
	double *p = calloc((size_t)ctx, sizeof *p);
	for (int hh = 0; hh < h; hh++) {
		double mx = -INFINITY, sum = 0;
		for (int j = 0; j < ctx; j++) {
			double s = 0;
			for (int t = 0; t < d; t++)
				s += (double)q[hh * d + t] *
				     k[((size_t)hh * ctx + j) * d + t];
			p[j] = s / sqrt((double)d);
			mx = p[j] > mx ? p[j] : mx;
		}
		for (int j = 0; j < ctx; j++)
			sum += (p[j] = exp(p[j] - mx));
		for (int t = 0; t < d; t++) {
			double acc = 0;
			for (int j = 0; j < ctx; j++)
				acc += p[j] / sum * v[((size_t)hh * ctx + j) * d + t];
			w[hh * d + t] = acc;
		}
	}
	dc_k_attn_decode(h, ctx, d, q, k, v, sc, o);
	ck_assert_msg(max_rel(o, w, (size_t)h * d, 1e-2) < 1e-4, "%g",
		      max_rel(o, w, (size_t)h * d, 1e-2));
	/* the caches are read once: 2 x heads x ctx x d floats */
	ck_assert(dc_k_attn_decode_cost(h, ctx, d).bytes >= 8.0 * h * ctx * d);
	free(q), free(k), free(v), free(sc), free(o), free(w), free(p);
}
END_TEST

START_TEST(attention_prefill_is_causal_and_matches_naive)
{
	const int h = 2, t = 37, d = 16;
	const size_t n = (size_t)h * t * d;
	float *q = rnd(n, 12), *k = rnd(n, 13), *v = rnd(n, 14);
	float *sc = calloc((size_t)t * DC_K_ATTN_BLOCK, sizeof *sc);
	float *o = calloc(n, sizeof *o);
	double *w = calloc(n, sizeof *w), *p = calloc((size_t)t, sizeof *p);
	for (int hh = 0; hh < h; hh++)
		for (int i = 0; i < t; i++) {
			const float *qi = q + ((size_t)hh * t + i) * d;
			double mx = -INFINITY, sum = 0;
			for (int j = 0; j <= i; j++) {
				double s = 0;
				for (int u = 0; u < d; u++)
					s += (double)qi[u] * k[((size_t)hh * t + j) * d + u];
				p[j] = s / sqrt((double)d);
				mx = p[j] > mx ? p[j] : mx;
			}
			for (int j = 0; j <= i; j++)
				sum += (p[j] = exp(p[j] - mx));
			for (int u = 0; u < d; u++) {
				double acc = 0;
				for (int j = 0; j <= i; j++)
					acc += p[j] / sum * v[((size_t)hh * t + j) * d + u];
				w[((size_t)hh * t + i) * d + u] = acc;
			}
		}
	dc_k_attn_prefill(h, t, d, q, k, v, sc, o);
	ck_assert_msg(max_rel(o, w, n, 1e-2) < 1e-4, "%g", max_rel(o, w, n, 1e-2));
	/* position 0 sees only itself: out = v_0 */
	for (int u = 0; u < d; u++)
		ck_assert_float_eq_tol(o[u], v[u], 1e-6);
	/* 2 h T(T+1)/2 pairs x (2d FLOPs for q.k + 2d for p v) */
	ck_assert_double_eq(dc_k_attn_prefill_cost(h, t, d).flops,
			    4.0 * h * t * (t + 1) / 2 * d + 4.0 * h * t * (t + 1) / 2);
	free(q), free(k), free(v), free(sc), free(o), free(w), free(p);
}
END_TEST

/* The layer in double precision, written from the layer's definition. */
static void naive_rms(int t, int H, const double *x, const float *g,
		      double *y)
{
	for (int i = 0; i < t; i++) {
		double ss = 0;
		for (int j = 0; j < H; j++)
			ss += x[i * H + j] * x[i * H + j];
		double inv = 1 / sqrt(ss / H + 1e-6);
		for (int j = 0; j < H; j++)
			y[i * H + j] = x[i * H + j] * inv * g[j];
	}
}

static void naive_mm(int m, int n, int k, const double *a, const float *b,
		     double *c, int add)
{
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double s = add ? c[i * n + j] : 0;
			for (int u = 0; u < k; u++)
				s += a[i * k + u] * b[u * n + j];
			c[i * n + j] = s;
		}
}

START_TEST(layer_prefill_matches_naive)
{
	const int t = 9, H = 32, nh = 4, nkv = 2, F = 48, d = H / nh;
	const int W = H + 2 * nkv * d;
	float *wqkv = rnd((size_t)H * W, 20), *wo = rnd((size_t)H * H, 21);
	float *wup = rnd((size_t)H * 2 * F, 22), *wd = rnd((size_t)F * H, 23);
	float *g1 = rnd(H, 24), *g2 = rnd(H, 25), *x = rnd((size_t)t * H, 26);
	dc_k_layer l = {H, nh, nkv, F, wqkv, wo, wup, wd, g1, g2};
	double *X = calloc((size_t)t * H, sizeof *X);
	double *xn = calloc((size_t)t * H, sizeof *xn);
	double *qkv = calloc((size_t)t * W, sizeof *qkv);
	double *att = calloc((size_t)t * H, sizeof *att);
	double *m = calloc((size_t)t * 2 * F, sizeof *m);
	double *act = calloc((size_t)t * F, sizeof *act);
	for (int i = 0; i < t * H; i++)
		X[i] = x[i];
	naive_rms(t, H, X, g1, xn);
	naive_mm(t, W, H, xn, wqkv, qkv, 0);
	for (int h = 0; h < nh; h++) {
		int kh = h / (nh / nkv);
		for (int i = 0; i < t; i++) {
			double p[16], mx = -INFINITY, sum = 0;
			for (int j = 0; j <= i; j++) {
				double s = 0;
				for (int u = 0; u < d; u++)
					s += qkv[i * W + h * d + u] *
					     qkv[j * W + H + kh * d + u];
				p[j] = s / sqrt((double)d);
				mx = p[j] > mx ? p[j] : mx;
			}
			for (int j = 0; j <= i; j++)
				sum += (p[j] = exp(p[j] - mx));
			for (int u = 0; u < d; u++) {
				double a = 0;
				for (int j = 0; j <= i; j++)
					a += p[j] / sum *
					     qkv[j * W + H + (nkv + kh) * d + u];
				att[i * H + h * d + u] = a;
			}
		}
	}
	naive_mm(t, H, H, att, wo, X, 1);
	naive_rms(t, H, X, g2, xn);
	naive_mm(t, 2 * F, H, xn, wup, m, 0);
	for (int i = 0; i < t; i++)
		for (int j = 0; j < F; j++) {
			double g = m[i * 2 * F + j];
			act[i * F + j] = g / (1 + exp(-g)) * m[i * 2 * F + F + j];
		}
	naive_mm(t, H, F, act, wd, X, 1);
	float *work = calloc(dc_k_layer_work(&l, t), sizeof *work);
	dc_k_layer_prefill(&l, t, x, work);
	ck_assert_msg(max_rel(x, X, (size_t)t * H, 1e-1) < 1e-4, "%g",
		      max_rel(x, X, (size_t)t * H, 1e-1));
	free(wqkv), free(wo), free(wup), free(wd), free(g1), free(g2), free(x);
	free(X), free(xn), free(qkv), free(att), free(m), free(act), free(work);
}
END_TEST

/* A decode step after CTX tokens equals row CTX of the prefill over CTX + 1
 * tokens when the cache holds those tokens' keys and values (computed
 * here from the layer's definition: K, V = RMSNorm(x) Wqkv's K, V
 * columns). */
START_TEST(layer_decode_matches_prefill_row)
{
	const int t = 11, H = 32, nh = 4, nkv = 2, F = 40, d = H / nh;
	const int W = H + 2 * nkv * d, ctx = t - 1, cap = t + 3;
	float *wqkv = rnd((size_t)H * W, 30), *wo = rnd((size_t)H * H, 31);
	float *wup = rnd((size_t)H * 2 * F, 32), *wd = rnd((size_t)F * H, 33);
	float *g1 = rnd(H, 34), *g2 = rnd(H, 35), *x = rnd((size_t)t * H, 36);
	dc_k_layer l = {H, nh, nkv, F, wqkv, wo, wup, wd, g1, g2};
	float *kc = calloc((size_t)nkv * cap * d, sizeof *kc);
	float *vc = calloc((size_t)nkv * cap * d, sizeof *vc);
	double *X = calloc((size_t)t * H, sizeof *X);
	double *xn = calloc((size_t)t * H, sizeof *xn);
	double *qkv = calloc((size_t)t * W, sizeof *qkv);
	for (int i = 0; i < t * H; i++)
		X[i] = x[i];
	naive_rms(t, H, X, g1, xn);
	naive_mm(t, W, H, xn, wqkv, qkv, 0);
	for (int j = 0; j < ctx; j++)
		for (int g = 0; g < nkv; g++)
			for (int u = 0; u < d; u++) {
				size_t at = ((size_t)g * cap + j) * d + u;
				kc[at] = (float)qkv[j * W + H + g * d + u];
				vc[at] = (float)qkv[j * W + H + (nkv + g) * d + u];
			}
	float *tok = malloc((size_t)H * sizeof *tok);
	memcpy(tok, x + (size_t)ctx * H, (size_t)H * sizeof *tok);
	float *work = calloc(dc_k_layer_work(&l, t), sizeof *work);
	float *wdec = calloc(dc_k_layer_decode_work(&l, ctx), sizeof *wdec);
	dc_k_layer_prefill(&l, t, x, work);
	dc_k_layer_decode(&l, ctx, cap, tok, kc, vc, wdec);
	double want[64];
	for (int u = 0; u < H; u++)
		want[u] = x[(size_t)ctx * H + u];
	ck_assert_msg(max_rel(tok, want, (size_t)H, 1e-1) < 1e-4, "%g",
		      max_rel(tok, want, (size_t)H, 1e-1));
	/* the new token's key went into the cache at position ctx */
	for (int u = 0; u < d; u++)
		ck_assert_float_eq_tol(kc[(size_t)ctx * d + u],
				       (float)qkv[ctx * W + H + u], 1e-4);
	free(wqkv), free(wo), free(wup), free(wd), free(g1), free(g2), free(x);
	free(kc), free(vc), free(X), free(xn), free(qkv), free(tok), free(work);
	free(wdec);
}
END_TEST

/* The held-out plan on a tiny layer: shapes the fit plan does not have,
 * and whole layers whose operator list (dc_calib_layer_ops) adds up to the
 * layer's cost. */
START_TEST(held_out_plan)
{
	dc_llm_arch a = {.name = "tiny", .layers = 1, .hidden = 64, .heads = 4,
			 .kv_heads = 2, .ffn = 96, .vocab = 100, .gated = 1};
	dc_calib_opts o = {.arch = &a, .quick = 1, .held_out = 1, .layer = &a};
	dc_calib_row *rows = NULL;
	size_t n = 0;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_calibrate_host(&o, &rows, &n, &err), DC_OK);
	/* 3 token counts x 4 GEMMs, 3 KV lengths, 2 prompts, 3 x 3
	 * element-wise, 3 triads, 4 layer rows */
	ck_assert_uint_eq(n, 12 + 3 + 2 + 9 + 3 + 4);
	static const int fit_m[] = {1, 4, 16, 64, 256, 512, 1024};
	for (size_t i = 0; i < 12; i++)
		for (size_t j = 0; j < DC_ARRAY_LEN(fit_m); j++)
			ck_assert_int_ne(rows[i].m, fit_m[j]);
	const dc_calib_row *dec = &rows[n - 1];
	ck_assert_str_eq(dec->op, "layer_decode");
	ck_assert(dec->time_s > 0 && isnan(dec->max_rel_err));
	dc_calib_row ops[DC_CALIB_LAYER_OPS];
	size_t no = dc_calib_layer_ops(&a, dec, ops);
	/* decode of one token: the four projections are GEMVs, 2 (H+2kv d)H
	 * + 2 H H + 2 (2F) H + 2 F H FLOPs = 2*128*64 + 2*64*64 +
	 * 2*192*64 + 2*96*64 */
	double gemm = 0;
	for (size_t i = 0; i < no; i++)
		if (ops[i].k > 0 && strcmp(ops[i].op, "attn_decode"))
			gemm += ops[i].flops;
	ck_assert_double_eq_tol(gemm, 2.0 * 64 * (128 + 64 + 192 + 96), 1e-9);
	dc_free(rows);
	dc_err_free(&err);
}
END_TEST

typedef struct triad_ctx {
	float *a, *b, *c;
	size_t n;
	int calls;
} triad_ctx;

static void triad_call(void *ctx)
{
	triad_ctx *t = ctx;
	t->calls++;
	dc_k_triad(t->n, t->a, t->b, t->c, 1.5f);
}

START_TEST(timing_harness)
{
	triad_ctx t = {.n = 1 << 16};
	t.a = calloc(t.n, sizeof *t.a);
	t.b = rnd(t.n, 10), t.c = rnd(t.n, 11);
	double med, mn;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_kernel_time(triad_call, &t, 2, 9, &med, &mn, &err),
			 DC_OK);
	ck_assert_int_eq(t.calls, 11);  /* warm-up + repetitions */
	ck_assert(mn > 0 && mn <= med && isfinite(med));
	ck_assert_int_eq(dc_kernel_time(triad_call, &t, 0, 0, &med, NULL, &err),
			 DC_EINVAL);
	ck_assert_int_eq(dc_kernel_time(NULL, &t, 0, 3, &med, NULL, &err),
			 DC_EINVAL);
	dc_err_free(&err);
	free(t.a), free(t.b), free(t.c);
}
END_TEST

/* The whole measurement on a tiny layer: every operator of the plan, each
 * checked against its reference, costs by the closed forms, and a profile
 * headed by its provenance. */
START_TEST(calibrate_tiny_layer)
{
	dc_llm_arch a = {.name = "tiny", .layers = 1, .hidden = 64, .heads = 4,
			 .kv_heads = 2, .ffn = 96, .vocab = 100, .gated = 1};
	dc_calib_opts o = {.arch = &a, .quick = 1};
	dc_calib_row *rows = NULL;
	size_t n = 0;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_calibrate_host(&o, &rows, &n, &err), DC_OK);
	/* quick plan: 6 token counts x 4 GEMMs, 5 KV lengths, 4 prompts, 5
	 * row counts x (softmax, rmsnorm, silu), 5 triads */
	ck_assert_uint_eq(n, 24 + 5 + 4 + 15 + 5);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(rows[i].time_s > 0 && rows[i].max_rel_err <= 1e-4,
			      "%s: %g s, err %g", rows[i].op, rows[i].time_s,
			      rows[i].max_rel_err);
		ck_assert_int_ge(rows[i].reps, 3);
	}
	/* qkv at 1 token: N = H + 2 kv_heads d = 64 + 2 * 2 * 16 = 128 */
	ck_assert_str_eq(rows[0].op, "qkv");
	ck_assert_int_eq(rows[0].n, 128);
	ck_assert_double_eq(rows[0].flops, 2.0 * 1 * 128 * 64);
	/* gated MLP: up and gate as one GEMM of 2 x ffn */
	ck_assert_int_eq(rows[2].n, 192);
	dc_calib_prov p;
	dc_calib_prov_probe(&p);
	p.dcsim = "test", p.command = "check_kernels", p.model = "tiny";
	ck_assert(p.cores >= 1 && p.host && p.cpu && p.blas && p.date);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_eq(dc_calib_write(f, &p, rows, n, &err), DC_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "# cpu: "));
	ck_assert_ptr_nonnull(strstr(buf, "# blas: "));
	ck_assert_ptr_nonnull(strstr(buf, "# command: check_kernels"));
	ck_assert_ptr_nonnull(strstr(buf, "\nop,m,n,k,reps,time_s,"));
	free(buf);
	dc_free(rows);
	dc_llm_arch bad = a;
	bad.hidden = 0;
	o.arch = &bad;
	ck_assert_int_eq(dc_calibrate_host(&o, &rows, &n, &err), DC_EINVAL);
	dc_err_free(&err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kernels");
	TCase *t = tcase_create("kernels");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, gemm_matches_naive);
	tcase_add_test(t, elementwise_match_naive);
	tcase_add_test(t, softmax_rmsnorm_match_naive);
	tcase_add_test(t, attention_decode_matches_naive);
	tcase_add_test(t, attention_prefill_is_causal_and_matches_naive);
	tcase_add_test(t, layer_prefill_matches_naive);
	tcase_add_test(t, timing_harness);
	tcase_add_test(t, calibrate_tiny_layer);
	tcase_add_test(t, layer_decode_matches_prefill_row);
	tcase_add_test(t, held_out_plan);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return dc_test_main(suite());
}
