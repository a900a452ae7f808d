/* kernels.c - speed of the calibration harness, against baselines run in
 * the same process (issue 5):
 *   1. a large GEMM timed by dc_kernel_time vs the same cblas_sgemm call
 *      timed by a bare clock loop: the harness must add no overhead
 *      (ratio of rates >= 0.90);
 *   2. decode attention's bandwidth vs the triad's (both this host's
 *      memory system): target >= 0.60.
 * Each rate is the best of 5 medians.  Appends to
 * bench/results/kernels.csv; exit 1 when a target is missed. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../models/kernels.h"

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *fill(size_t n)
{
	float *x = malloc(n * sizeof *x);
	for (size_t i = 0; x && i < n; i++)
		x[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;
	return x;
}

typedef struct gemm_ctx {
	int m, n, k;
	float *a, *b, *c;
} gemm_ctx;

static void gemm_call(void *p)
{
	gemm_ctx *g = p;
	dc_k_gemm(g->m, g->n, g->k, g->a, g->b, g->c);
}

typedef struct attn_ctx {
	int h, ctx, d;
	float *q, *k, *v, *s, *o;
} attn_ctx;

static void attn_call(void *p)
{
	attn_ctx *a = p;
	dc_k_attn_decode(a->h, a->ctx, a->d, a->q, a->k, a->v, a->s, a->o);
}

typedef struct triad_ctx {
	size_t n;
	float *a, *b, *c;
} triad_ctx;

static void triad_call(void *p)
{
	triad_ctx *t = p;
	dc_k_triad(t->n, t->a, t->b, t->c, 1.5f);
}

/* Best (lowest) of 5 harness medians of FN. */
static double best_harness(void (*fn)(void *), void *ctx, int reps)
{
	double best = 1e30;
	for (int i = 0; i < 5; i++) {
		double med;
		if (dc_kernel_time(fn, ctx, 1, reps, &med, NULL, NULL))
			return -1;
		best = med < best ? med : best;
	}
	return best;
}

/* The same GEMM with no harness: a bare loop, best of 5 runs of REPS. */
static double best_bare(gemm_ctx *g, int reps)
{
	double best = 1e30;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->m, g->n, g->k,
		    1.0f, g->a, g->k, g->b, g->n, 0.0f, g->c, g->n);
	for (int i = 0; i < 5 * reps; i++) {
		double t0 = wall();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->m,
			    g->n, g->k, 1.0f, g->a, g->k, g->b, g->n, 0.0f,
			    g->c, g->n);
		double t = wall() - t0;
		best = t < best ? t : best;
	}
	return best;
}

int main(int argc, char **argv)
{
	const char *out = argc > 1 ? argv[1] : "bench/results/kernels.csv";
	gemm_ctx g = {512, 4096, 4096, NULL, NULL, NULL};
	g.a = fill((size_t)g.m * g.k), g.b = fill((size_t)g.k * g.n);
	g.c = fill((size_t)g.m * g.n);
	attn_ctx a = {32, 4096, 128, NULL, NULL, NULL, NULL, NULL};
	size_t kv = (size_t)a.h * a.ctx * a.d;
	a.q = fill((size_t)a.h * a.d), a.k = fill(kv), a.v = fill(kv);
	a.s = fill((size_t)a.ctx), a.o = fill((size_t)a.h * a.d);
	triad_ctx t = {1u << 25, NULL, NULL, NULL};
	t.a = fill(t.n), t.b = fill(t.n), t.c = fill(t.n);
	if (!g.a || !g.b || !g.c || !a.q || !a.k || !a.v || !a.s || !a.o ||
	    !t.a || !t.b || !t.c) {
		fprintf(stderr, "kernels: out of memory\n");
		return 2;
	}
	double fl = dc_k_gemm_cost(g.m, g.n, g.k).flops;
	double th = best_harness(gemm_call, &g, 5), tb = best_bare(&g, 5);
	double ta = best_harness(attn_call, &a, 10);
	double tt = best_harness(triad_call, &t, 10);
	double bw_a = dc_k_attn_decode_cost(a.h, a.ctx, a.d).bytes / ta;
	double bw_t = dc_k_triad_cost(t.n).bytes / tt;
	double r_gemm = (fl / th) / (fl / tb), r_bw = bw_a / bw_t;
	printf("kernels: GEMM %dx%dx%d harness %.2f GFLOP/s, bare BLAS %.2f "
	       "GFLOP/s: ratio %.3f (target >= 0.90)\n", g.m, g.n, g.k,
	       fl / th * 1e-9, fl / tb * 1e-9, r_gemm);
	printf("kernels: decode attention %.2f GB/s, triad %.2f GB/s: ratio "
	       "%.3f (target >= 0.60)\n", bw_a * 1e-9, bw_t * 1e-9, r_bw);
	FILE *f = fopen(out, "a");
	if (f) {
		if (ftell(f) == 0)
			fputs("gemm_harness_gflops,gemm_bare_gflops,gemm_ratio,"
			      "attn_gbs,triad_gbs,bw_ratio\n", f);
		fprintf(f, "%.4g,%.4g,%.4f,%.4g,%.4g,%.4f\n", fl / th * 1e-9,
			fl / tb * 1e-9, r_gemm, bw_a * 1e-9, bw_t * 1e-9, r_bw);
		fclose(f);
	}
	return r_gemm >= 0.90 && r_bw >= 0.60 ? 0 : 1;
}
