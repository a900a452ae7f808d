/* check_stats.c - tests for sim/stats.c against closed forms, exact sorted
 * quantiles, hand-computed areas and textbook t quantiles. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "../sim/stats.h"
#include "util/run.h"

/* Check records every passing ck_assert with a write to a pipe, so long
 * loops test first and abort only on failure. */
#define FAIL_UNLESS(cond, ...) \
	do { \
		if (!(cond)) \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* A reference generator independent of sim/rng.c. */
static gsl_rng *test_rng(unsigned long seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	ck_assert_ptr_nonnull(r);
	gsl_rng_set(r, seed);
	return r;
}

/* ---- moments ---------------------------------------------------------- */

START_TEST(test_moments_closed_form)
{
	const int n = 1000;
	dc_moments m = {0};
	for (int i = n; i >= 1; i--)
		dc_moments_add(&m, (double)i);
	ck_assert_uint_eq(m.n, (uint64_t)n);
	ck_assert_double_eq_tol(m.mean, (n + 1) / 2.0, 1e-9);
	/* Sample variance of 1..n is n(n+1)/12. */
	double var = n * (n + 1.0) / 12.0;
	ck_assert_msg(fabs(dc_moments_var(&m) - var) < 1e-9 * var,
		      "var %.17g, want %.17g", dc_moments_var(&m), var);
	ck_assert_double_eq_tol(dc_moments_sd(&m), sqrt(var), 1e-9);
	ck_assert_msg(m.min == 1.0 && m.max == n, "min %g max %g", m.min,
		      m.max);
}
END_TEST

START_TEST(test_moments_small_n)
{
	dc_moments m = {0};
	ck_assert_double_eq(dc_moments_var(&m), 0.0);
	dc_moments_add(&m, -3.5);
	ck_assert_double_eq(dc_moments_var(&m), 0.0);
	ck_assert_double_eq(dc_moments_sd(&m), 0.0);
	ck_assert_msg(m.mean == -3.5 && m.min == -3.5 && m.max == -3.5,
		      "mean %g min %g max %g", m.mean, m.min, m.max);
	dc_moments_add(&m, 0.5);
	/* {-3.5, 0.5}: mean -1.5, var ((-2)^2 + 2^2) / 1 = 8. */
	ck_assert_double_eq_tol(m.mean, -1.5, 1e-15);
	ck_assert_double_eq_tol(dc_moments_var(&m), 8.0, 1e-12);
}
END_TEST

START_TEST(test_moments_shifted)
{
	/* Large offset: 1e9 + {1..n} has the variance of 1..n. */
	const int n = 10000;
	dc_moments m = {0};
	for (int i = 1; i <= n; i++)
		dc_moments_add(&m, 1e9 + i);
	double var = n * (n + 1.0) / 12.0;
	ck_assert_msg(fabs(dc_moments_var(&m) - var) < 1e-6 * var,
		      "var %.17g, want %.17g", dc_moments_var(&m), var);
}
END_TEST

START_TEST(test_moments_merge)
{
	enum { N = 1000 };
	double x[N];
	gsl_rng *r = test_rng(11);
	for (int i = 0; i < N; i++)
		x[i] = gsl_ran_gaussian(r, 3.0) + 10.0;
	gsl_rng_free(r);

	dc_moments all = {0};
	for (int i = 0; i < N; i++)
		dc_moments_add(&all, x[i]);
	const int cuts[] = {0, 1, 7, 500, 999, 1000};
	for (size_t c = 0; c < DC_ARRAY_LEN(cuts); c++) {
		dc_moments a = {0}, b = {0};
		for (int i = 0; i < cuts[c]; i++)
			dc_moments_add(&a, x[i]);
		for (int i = cuts[c]; i < N; i++)
			dc_moments_add(&b, x[i]);
		dc_moments_merge(&a, &b);
		ck_assert_msg(a.n == all.n, "cut %d: n %llu", cuts[c],
			      (unsigned long long)a.n);
		ck_assert_msg(fabs(a.mean - all.mean) < 1e-12 * fabs(all.mean),
			      "cut %d: mean %.17g vs %.17g", cuts[c], a.mean,
			      all.mean);
		double va = dc_moments_var(&a), vs = dc_moments_var(&all);
		ck_assert_msg(fabs(va - vs) < 1e-10 * vs,
			      "cut %d: var %.17g vs %.17g", cuts[c], va, vs);
		ck_assert_msg(a.min == all.min && a.max == all.max,
			      "cut %d: min %g/%g max %g/%g", cuts[c], a.min,
			      all.min, a.max, all.max);
	}
}
END_TEST

/* ---- sketch ----------------------------------------------------------- */

static const double qs[] = {
	0.0, 1e-4, 0.001, 0.01, 0.05, 0.1, 0.25, 1.0 / 3, 0.5, 0.6, 0.75,
	0.9, 0.95, 0.99, 0.999, 0.9999, 1.0};

/* The sketch's quantiles of X[0..n-1] are within relative error ALPHA of
 * the exact lower quantile x_(floor(q(n-1))) of the sorted data; q = 0 and
 * q = 1 are exact.  Sorts X. */
static void check_quantiles(const dc_sketch *s, double *x, size_t n,
			    double alpha)
{
	qsort(x, n, sizeof *x, cmp_double);
	ck_assert_uint_eq(dc_sketch_count(s), n);
	for (size_t i = 0; i < DC_ARRAY_LEN(qs); i++) {
		double q = qs[i];
		double exact = x[(size_t)floor(q * (double)(n - 1))];
		double got = dc_sketch_quantile(s, q);
		double tol = alpha * fabs(exact) * (1 + 1e-9);
		if (q == 0.0 || q == 1.0)
			tol = 0.0;
		ck_assert_msg(fabs(got - exact) <= tol,
			      "q %g: got %.17g exact %.17g (rel err %.3g, "
			      "alpha %g)", q, got, exact,
			      fabs(got - exact) / fabs(exact), alpha);
	}
}

enum { NS = 100000 };

static void uniform_case(double alpha)
{
	double *x = malloc(NS * sizeof *x);
	ck_assert_ptr_nonnull(x);
	dc_sketch *s = dc_sketch_new(alpha);
	ck_assert_ptr_nonnull(s);
	ck_assert_double_eq(dc_sketch_alpha(s), alpha);
	gsl_rng *r = test_rng(1);
	for (size_t i = 0; i < NS; i++) {
		x[i] = gsl_ran_flat(r, 0.5, 1000.0);
		FAIL_UNLESS(dc_sketch_add(s, x[i]) == DC_OK, "add %zu", i);
	}
	check_quantiles(s, x, NS, alpha);
	gsl_rng_free(r);
	dc_sketch_free(s);
	free(x);
}

START_TEST(test_sketch_uniform)
{
	uniform_case(DC_SKETCH_ALPHA);
	uniform_case(0.01);
	uniform_case(0.2);
}
END_TEST

START_TEST(test_sketch_uniform_small_alpha)
{
	/* Small enough that the index comes from log2, not the tables. */
	uniform_case(2e-5);
}
END_TEST

START_TEST(test_sketch_exponential)
{
	double *x = malloc(NS * sizeof *x);
	ck_assert_ptr_nonnull(x);
	dc_sketch *s = dc_sketch_new(DC_SKETCH_ALPHA);
	ck_assert_ptr_nonnull(s);
	gsl_rng *r = test_rng(2);
	for (size_t i = 0; i < NS; i++) {
		/* Mean 1 ms, as a latency would be. */
		x[i] = gsl_ran_exponential(r, 1e-3);
		FAIL_UNLESS(dc_sketch_add(s, x[i]) == DC_OK, "add %zu", i);
	}
	check_quantiles(s, x, NS, DC_SKETCH_ALPHA);
	gsl_rng_free(r);
	dc_sketch_free(s);
	free(x);
}
END_TEST

START_TEST(test_sketch_wide_range)
{
	/* Values spread over 2e-12 .. 2e300 grow the store in both
	 * directions, in an order that alternates the sides. */
	enum { N = 2001 };
	double x[N];
	dc_sketch *s = dc_sketch_new(0.01);
	ck_assert_ptr_nonnull(s);
	for (int i = 0; i < N; i++) {
		int k = (i % 2) ? 1000 + (i + 1) / 2 : 1000 - i / 2;
		x[i] = 2.0 * pow(10.0, 312.0 * k / 2000.0 - 12.0);
		ck_assert_int_eq(dc_sketch_add(s, x[i]), DC_OK);
	}
	check_quantiles(s, x, N, 0.01);
	dc_sketch_free(s);
}
END_TEST

START_TEST(test_sketch_zeros_negatives)
{
	enum { N = 30000 };
	double *x = malloc(N * sizeof *x);
	ck_assert_ptr_nonnull(x);
	dc_sketch *s = dc_sketch_new(DC_SKETCH_ALPHA);
	ck_assert_ptr_nonnull(s);
	gsl_rng *r = test_rng(3);
	for (int i = 0; i < N; i++) {
		switch (i % 3) {
		case 0: x[i] = -gsl_ran_exponential(r, 50.0); break;
		case 1: x[i] = 0.0; break;
		default: x[i] = gsl_ran_lognormal(r, 0.0, 2.0); break;
		}
		FAIL_UNLESS(dc_sketch_add(s, x[i]) == DC_OK, "add %d", i);
	}
	check_quantiles(s, x, N, DC_SKETCH_ALPHA);
	/* The middle third are the zeros. */
	ck_assert_double_eq(dc_sketch_quantile(s, 0.5), 0.0);
	gsl_rng_free(r);
	dc_sketch_free(s);
	free(x);
}
END_TEST

START_TEST(test_sketch_tiny_is_zero)
{
	dc_sketch *s = dc_sketch_new(DC_SKETCH_ALPHA);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(dc_sketch_add(s, -5e-13), DC_OK);
	ck_assert_int_eq(dc_sketch_add(s, 5e-13), DC_OK);
	ck_assert_int_eq(dc_sketch_add(s, -0.0), DC_OK);
	ck_assert_int_eq(dc_sketch_add(s, 7.0), DC_OK);
	ck_assert_uint_eq(dc_sketch_count(s), 4);
	/* Ranks 1 and 2 (q = 1/3 and 2/3) are values counted as zero. */
	double a = dc_sketch_quantile(s, 1.0 / 3), b = dc_sketch_quantile(s, 0.6);
	ck_assert_msg(fabs(a) < 1e-12 && fabs(b) < 1e-12, "q: %g %g", a, b);
	ck_assert_double_eq(dc_sketch_quantile(s, 0.0), -5e-13);
	ck_assert_double_eq(dc_sketch_quantile(s, 1.0), 7.0);
	dc_sketch_free(s);
}
END_TEST

START_TEST(test_sketch_min_max_exact)
{
	dc_sketch *s = dc_sketch_new(0.05);
	ck_assert_ptr_nonnull(s);
	const double v[] = {3.14159, -2.71828, 1e-6, 123456.789, -0.5};
	for (size_t i = 0; i < DC_ARRAY_LEN(v); i++)
		ck_assert_int_eq(dc_sketch_add(s, v[i]), DC_OK);
	ck_assert_double_eq(dc_sketch_quantile(s, 0.0), -2.71828);
	ck_assert_double_eq(dc_sketch_quantile(s, 1.0), 123456.789);
	dc_sketch_free(s);

	/* One value: every quantile is within alpha of it, q=0,1 exact. */
	s = dc_sketch_new(0.05);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(dc_sketch_add(s, 42.0), DC_OK);
	for (size_t i = 0; i < DC_ARRAY_LEN(qs); i++) {
		double got = dc_sketch_quantile(s, qs[i]);
		ck_assert_msg(fabs(got - 42.0) <= 0.05 * 42.0, "q %g: %g",
			      qs[i], got);
	}
	ck_assert_double_eq(dc_sketch_quantile(s, 1.0), 42.0);
	dc_sketch_free(s);
}
END_TEST

START_TEST(test_sketch_rank_definition)
{
	/* 1..10 with alpha 1e-4: the lower quantile has rank floor(q*9),
	 * so q = 0.5 gives 5 (not 5.5 or 6) and q = 0.99 gives 9. */
	dc_sketch *s = dc_sketch_new(1e-4);
	ck_assert_ptr_nonnull(s);
	for (int i = 10; i >= 1; i--)
		ck_assert_int_eq(dc_sketch_add(s, i), DC_OK);
	const double q[] = {0.1, 0.5, 0.55, 0.99};
	const double want[] = {1, 5, 5, 9};
	for (size_t i = 0; i < DC_ARRAY_LEN(q); i++) {
		double got = dc_sketch_quantile(s, q[i]);
		ck_assert_msg(fabs(got - want[i]) <= 1e-4 * want[i],
			      "q %g: got %.17g want %g", q[i], got, want[i]);
	}
	dc_sketch_free(s);
}
END_TEST

START_TEST(test_sketch_empty_nan)
{
	dc_sketch *s = dc_sketch_new(DC_SKETCH_ALPHA);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(dc_sketch_count(s), 0);
	ck_assert_msg(isnan(dc_sketch_quantile(s, 0.5)), "empty median");
	ck_assert_msg(isnan(dc_sketch_quantile(s, 0.0)), "empty min");
	ck_assert_msg(isnan(dc_sketch_quantile(s, 1.0)), "empty max");
	ck_assert_int_eq(dc_sketch_add(s, NAN), DC_OK);
	ck_assert_uint_eq(dc_sketch_count(s), 0);
	ck_assert_int_eq(dc_sketch_add(s, 1.0), DC_OK);
	ck_assert_msg(isnan(dc_sketch_quantile(s, -0.1)), "q < 0");
	ck_assert_msg(isnan(dc_sketch_quantile(s, 1.1)), "q > 1");
	ck_assert_msg(isnan(dc_sketch_quantile(s, NAN)), "q NaN");
	dc_sketch_free(s);
	dc_sketch_free(NULL);
}
END_TEST

START_TEST(test_sketch_bad_alpha)
{
	const double bad[] = {0.0, -0.1, 0.5, 0.7, NAN, INFINITY};
	for (size_t i = 0; i < DC_ARRAY_LEN(bad); i++)
		ck_assert_msg(dc_sketch_new(bad[i]) == NULL, "alpha %g", bad[i]);
}
END_TEST

START_TEST(test_sketch_merge)
{
	enum { N = 20000 };
	double *x = malloc(N * sizeof *x);
	ck_assert_ptr_nonnull(x);
	dc_sketch *all = dc_sketch_new(DC_SKETCH_ALPHA);
	dc_sketch *a = dc_sketch_new(DC_SKETCH_ALPHA);
	dc_sketch *b = dc_sketch_new(DC_SKETCH_ALPHA);
	dc_sketch *e = dc_sketch_new(DC_SKETCH_ALPHA);
	ck_assert_msg(all && a && b && e, "new");
	gsl_rng *r = test_rng(4);
	for (int i = 0; i < N; i++) {
		/* Halves over different ranges and signs. */
		x[i] = i < N / 2 ? gsl_ran_exponential(r, 1.0)
				 : -gsl_ran_flat(r, 1e3, 1e6);
		if (i % 7 == 0)
			x[i] = 0.0;
		FAIL_UNLESS(dc_sketch_add(all, x[i]) == DC_OK, "add");
		FAIL_UNLESS(dc_sketch_add(i < N / 2 ? a : b, x[i]) == DC_OK,
			    "add");
	}
	ck_assert_int_eq(dc_sketch_merge(a, e), DC_OK); /* empty into a */
	ck_assert_int_eq(dc_sketch_merge(a, b), DC_OK);
	ck_assert_int_eq(dc_sketch_merge(e, a), DC_OK); /* into empty */
	for (size_t i = 0; i < DC_ARRAY_LEN(qs); i++) {
		double want = dc_sketch_quantile(all, qs[i]);
		ck_assert_msg(dc_sketch_quantile(a, qs[i]) == want &&
			      dc_sketch_quantile(e, qs[i]) == want,
			      "q %g: merged %.17g / %.17g, sequential %.17g",
			      qs[i], dc_sketch_quantile(a, qs[i]),
			      dc_sketch_quantile(e, qs[i]), want);
	}
	check_quantiles(a, x, N, DC_SKETCH_ALPHA);

	/* Self-merge doubles every count: quantiles unchanged. */
	double med = dc_sketch_quantile(b, 0.5);
	ck_assert_int_eq(dc_sketch_merge(b, b), DC_OK);
	ck_assert_uint_eq(dc_sketch_count(b), N);
	ck_assert_double_eq(dc_sketch_quantile(b, 0.5), med);

	dc_sketch *other = dc_sketch_new(0.01);
	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(dc_sketch_merge(a, other), DC_EINVAL);
	ck_assert_uint_eq(dc_sketch_count(a), N);
	gsl_rng_free(r);
	dc_sketch_free(other);
	dc_sketch_free(all);
	dc_sketch_free(a);
	dc_sketch_free(b);
	dc_sketch_free(e);
	free(x);
}
END_TEST

/* Build a sketch from a fixed value list and merge another into it with
 * allocation number FAIL failing; report whether everything succeeded.
 * Every path must leave no bytes allocated after the frees. */
static int sketch_ops(long fail)
{
	const double v[] = {1.0, 1e6, -3.0, 1e-9, 0.0, 1e12, -1e-6, 5.0};
	int ok = 1;
	dc_sketch *b = dc_sketch_new(0.01);
	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < DC_ARRAY_LEN(v); i++)
		ck_assert_int_eq(dc_sketch_add(b, -2 * v[i]), DC_OK);

	dc_alloc_fail_after(fail);
	dc_sketch *s = dc_sketch_new(0.01);
	if (!s) {
		ok = 0;
		goto out;
	}
	for (size_t i = 0; i < DC_ARRAY_LEN(v); i++) {
		uint64_t before = dc_sketch_count(s);
		int rc = dc_sketch_add(s, v[i]);
		ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM, "rc %d", rc);
		if (rc == DC_ENOMEM) {
			ok = 0;
			ck_assert_uint_eq(dc_sketch_count(s), before);
		}
	}
	uint64_t before = dc_sketch_count(s);
	int rc = dc_sketch_merge(s, b);
	ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM, "merge rc %d", rc);
	if (rc == DC_ENOMEM) {
		ok = 0;
		ck_assert_uint_eq(dc_sketch_count(s), before);
	} else {
		ck_assert_uint_eq(dc_sketch_count(s),
				  before + DC_ARRAY_LEN(v));
	}
out:
	dc_alloc_fail_after(-1);
	dc_sketch_free(s);
	dc_sketch_free(b);
	return ok;
}

START_TEST(test_sketch_enomem)
{
	size_t base = dc_alloc_current();
	dc_alloc_fail_after(0);
	ck_assert_ptr_null(dc_sketch_new(DC_SKETCH_ALPHA));
	dc_alloc_fail_after(-1);
	ck_assert_uint_eq(dc_alloc_current(), base);

	long fail = 0;
	while (!sketch_ops(fail)) {
		ck_assert_msg(dc_alloc_current() == base,
			      "fail %ld: %zu bytes leaked", fail,
			      dc_alloc_current() - base);
		ck_assert_msg(++fail < 100, "no success after 100 failures");
	}
	ck_assert_msg(fail >= 5, "only %ld allocations seen", fail);
	ck_assert_uint_eq(dc_alloc_current(), base);
}
END_TEST

START_TEST(test_sketch_memory_log_range)
{
	/* Memory follows the log of the range, not the count. */
	size_t base = dc_alloc_current();
	dc_sketch *s = dc_sketch_new(DC_SKETCH_ALPHA);
	ck_assert_ptr_nonnull(s);
	gsl_rng *r = test_rng(5);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(dc_sketch_add(s, gsl_ran_flat(r, 1, 2)), DC_OK);
	size_t after1k = dc_alloc_current();
	for (int i = 0; i < 200000; i++)
		FAIL_UNLESS(dc_sketch_add(s, gsl_ran_flat(r, 1, 2)) == DC_OK,
			    "add");
	ck_assert_msg(dc_alloc_current() == after1k,
		      "memory grew from %zu to %zu bytes", after1k - base,
		      dc_alloc_current() - base);
	/* [1, 2] at alpha 0.001 is ~347 buckets: well under 64 KiB. */
	ck_assert_msg(after1k - base < 65536, "%zu bytes", after1k - base);
	gsl_rng_free(r);
	dc_sketch_free(s);
}
END_TEST

/* ---- time-weighted average -------------------------------------------- */

START_TEST(test_twavg_step)
{
	/* Level 2 on [1,3) s, 5 on [3,4), 0 on [4,6), 1 from 6 s. */
	dc_twavg w;
	dc_twavg_init(&w, 1 * DC_SEC, 2.0);
	ck_assert_double_eq(dc_twavg_mean(&w, 1 * DC_SEC), 2.0);
	ck_assert_double_eq_tol(dc_twavg_area(&w, 2 * DC_SEC), 2.0, 1e-12);
	dc_twavg_set(&w, 3 * DC_SEC, 5.0);
	dc_twavg_set(&w, 4 * DC_SEC, 0.0);
	dc_twavg_set(&w, 6 * DC_SEC, 1.0);
	/* Areas by hand: 2*2 + 5*1 + 0*2 = 9 at 6 s; + 1*2 = 11 at 8 s. */
	ck_assert_double_eq_tol(dc_twavg_area(&w, 6 * DC_SEC), 9.0, 1e-12);
	ck_assert_double_eq_tol(dc_twavg_area(&w, 8 * DC_SEC), 11.0, 1e-12);
	ck_assert_double_eq_tol(dc_twavg_mean(&w, 8 * DC_SEC), 11.0 / 7.0,
				1e-12);
	ck_assert_double_eq_tol(dc_twavg_mean(&w, 6 * DC_SEC), 9.0 / 5.0,
				1e-12);
	ck_assert_msg(w.vmax == 5.0 && w.vmin == 0.0, "vmax %g vmin %g",
		      w.vmax, w.vmin);
}
END_TEST

START_TEST(test_twavg_ns_resolution)
{
	/* 1e6 steps of 1 ns alternating 0 and 1: area 5e5 ns = 5e-4 s, up
	 * to the rounding of 5e5 additions (relative 1e-9 is generous). */
	dc_twavg w;
	dc_twavg_init(&w, 0, 0.0);
	for (dc_time t = 1; t <= 1000000; t++)
		dc_twavg_set(&w, t, (double)(t % 2));
	ck_assert_double_eq_tol(dc_twavg_area(&w, 1000000), 5e-4, 5e-13);
	ck_assert_double_eq_tol(dc_twavg_mean(&w, 1000000), 0.5, 1e-9);
	/* Same-time updates add no area. */
	dc_twavg_init(&w, 5, 3.0);
	dc_twavg_set(&w, 5, 7.0);
	dc_twavg_set(&w, 5 + DC_SEC, 1.0);
	ck_assert_double_eq_tol(dc_twavg_area(&w, 5 + DC_SEC), 7.0, 1e-12);
	ck_assert_double_eq(w.vmax, 7.0);
	ck_assert_double_eq(w.vmin, 1.0);
}
END_TEST

/* ---- confidence intervals --------------------------------------------- */

START_TEST(test_ci_t_textbook)
{
	/* 1..10: mean 5.5, sd sqrt(10*11/12); t_{0.975,9} = 2.262157 and
	 * t_{0.95,9} = 1.833113 (printed tables). */
	double x[10], mean, half;
	for (int i = 0; i < 10; i++)
		x[i] = i + 1;
	double se = sqrt(110.0 / 12.0) / sqrt(10.0);
	ck_assert_int_eq(dc_ci_t(x, 10, 0.95, &mean, &half), DC_OK);
	ck_assert_double_eq_tol(mean, 5.5, 1e-12);
	ck_assert_msg(fabs(half - 2.262157 * se) < 1e-6 * se * 2.262157,
		      "half %.9g want %.9g", half, 2.262157 * se);
	ck_assert_int_eq(dc_ci_t(x, 10, 0.90, &mean, &half), DC_OK);
	ck_assert_msg(fabs(half - 1.833113 * se) < 1e-6 * se * 1.833113,
		      "half %.9g want %.9g", half, 1.833113 * se);
	/* n = 2, level 0.95: t_{0.975,1} = 12.7062. {1, 3}: sd sqrt(2). */
	double y[2] = {1, 3};
	ck_assert_int_eq(dc_ci_t(y, 2, 0.95, &mean, &half), DC_OK);
	ck_assert_double_eq_tol(mean, 2.0, 1e-15);
	ck_assert_double_eq_tol(half, 12.7062047 * sqrt(2.0) / sqrt(2.0),
				1e-5);
}
END_TEST

START_TEST(test_ci_t_edges)
{
	double x[1] = {4.25}, mean = -1, half = -1;
	ck_assert_int_eq(dc_ci_t(x, 1, 0.95, &mean, &half), DC_OK);
	ck_assert_double_eq(mean, 4.25);
	ck_assert_msg(isnan(half), "half %g", half);
	ck_assert_int_eq(dc_ci_t(x, 0, 0.95, &mean, &half), DC_EINVAL);
	const double bad[] = {0.0, 1.0, -0.5, 1.5, NAN};
	for (size_t i = 0; i < DC_ARRAY_LEN(bad); i++)
		ck_assert_msg(dc_ci_t(x, 1, bad[i], &mean, &half) == DC_EINVAL,
			      "level %g accepted", bad[i]);
}
END_TEST

START_TEST(test_ci_t_coverage)
{
	enum { NINT = 2000, N = 10 };
	const double mu = 3.0;
	gsl_rng *r = test_rng(6);
	int cover = 0;
	for (int k = 0; k < NINT; k++) {
		double x[N], mean, half;
		for (int i = 0; i < N; i++)
			x[i] = mu + gsl_ran_gaussian(r, 2.0);
		FAIL_UNLESS(dc_ci_t(x, N, 0.95, &mean, &half) == DC_OK, "ci");
		cover += fabs(mean - mu) <= half;
	}
	double frac = (double)cover / NINT;
	ck_assert_msg(fabs(frac - 0.95) <= 0.015, "coverage %.4f", frac);
	gsl_rng_free(r);
}
END_TEST

static Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	struct {
		const char *name;
		const TTest *fn;
	} t[] = {
		{"moments_closed_form", test_moments_closed_form},
		{"moments_small_n", test_moments_small_n},
		{"moments_shifted", test_moments_shifted},
		{"moments_merge", test_moments_merge},
		{"sketch_uniform", test_sketch_uniform},
		{"sketch_uniform_small_alpha", test_sketch_uniform_small_alpha},
		{"sketch_exponential", test_sketch_exponential},
		{"sketch_wide_range", test_sketch_wide_range},
		{"sketch_zeros_negatives", test_sketch_zeros_negatives},
		{"sketch_tiny_is_zero", test_sketch_tiny_is_zero},
		{"sketch_min_max_exact", test_sketch_min_max_exact},
		{"sketch_rank_definition", test_sketch_rank_definition},
		{"sketch_empty_nan", test_sketch_empty_nan},
		{"sketch_bad_alpha", test_sketch_bad_alpha},
		{"sketch_merge", test_sketch_merge},
		{"sketch_enomem", test_sketch_enomem},
		{"sketch_memory_log_range", test_sketch_memory_log_range},
		{"twavg_step", test_twavg_step},
		{"twavg_ns_resolution", test_twavg_ns_resolution},
		{"ci_t_textbook", test_ci_t_textbook},
		{"ci_t_edges", test_ci_t_edges},
		{"ci_t_coverage", test_ci_t_coverage},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(t); i++) {
		TCase *tc = tcase_create(t[i].name);
		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, t[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return dc_test_main(stats_suite());
}
