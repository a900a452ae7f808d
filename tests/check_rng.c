/* check_rng.c - tests for sim/rng.c: xoshiro256** against its definition,
 * seeding, the bijective seed mix, stream independence, and lookup. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "../sim/rng.h"
#include "util/run.h"

/* ---- independent oracles, written from the published definitions ---- */

static uint64_t ref_rotl(uint64_t x, unsigned k)
{
	return (x << k) | (x >> (64u - k));
}

/* xoshiro256** (Blackman and Vigna 2018), straight from the spec. */
static uint64_t ref_xoshiro(uint64_t s[4])
{
	uint64_t result = ref_rotl(s[1] * 5u, 7) * 9u;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = ref_rotl(s[3], 45);
	return result;
}

/* Assertions inside long loops: Check records every passing ck_assert
 * with a write to its pipe, so loops test first and abort only on failure. */
#define FAIL_UNLESS(cond, ...) \
	do { \
		if (!(cond)) \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

/* Overwrite R's state with S (the type's state is the four words in
 * order; the size check guards that assumption). */
static void load_state(gsl_rng *r, const uint64_t s[4])
{
	ck_assert_msg(r->type->size == 4 * sizeof(uint64_t),
		      "state size %zu, expected 32", r->type->size);
	memcpy(gsl_rng_state(r), s, 4 * sizeof(uint64_t));
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void setup(void)
{
	dc_rng_setup();
}

/* ---- known answers ---------------------------------------------------- */

START_TEST(test_known_answer_small_state)
{
	/* State {1,2,3,4}.  By hand: out1 = rotl(2*5, 7)*9 = 1280*9 = 11520.
	 * After the step s = {7, 0, 262146, 6<<45}, so out2 = rotl(0)*9 = 0.
	 * After the next step s1 = 262146^7 = 262149, so
	 * out3 = 262149*5*128*9 = 1509978240. */
	const uint64_t hand[3] = {11520u, 0u, 1509978240u};
	uint64_t s[4] = {1, 2, 3, 4};
	gsl_rng *r = gsl_rng_alloc(dc_rng_xoshiro256ss);
	ck_assert_ptr_nonnull(r);
	load_state(r, s);
	for (int i = 0; i < 3; i++) {
		double got = gsl_rng_uniform(r);
		double want = (double)(hand[i] >> 11) * 0x1.0p-53;
		ck_assert_msg(got == want, "output %d: got %.17g want %.17g",
			      i, got, want);
	}
	/* The oracle agrees with the hand values. */
	uint64_t o[4] = {1, 2, 3, 4};
	for (int i = 0; i < 3; i++) {
		uint64_t v = ref_xoshiro(o);
		ck_assert_msg(v == hand[i], "oracle %d: %llu", i,
			      (unsigned long long)v);
	}
	gsl_rng_free(r);
}
END_TEST

START_TEST(test_known_answer_oracle)
{
	const uint64_t init[4] = {
		0x0123456789abcdefu, 0xfedcba9876543210u,
		0xdeadbeefcafef00du, 0x0f1e2d3c4b5a6978u};
	uint64_t o1[4], o2[4];
	memcpy(o1, init, sizeof o1);
	memcpy(o2, init, sizeof o2);
	gsl_rng *r = gsl_rng_alloc(dc_rng_xoshiro256ss);
	gsl_rng *r2 = gsl_rng_alloc(dc_rng_xoshiro256ss);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(r2);
	load_state(r, init);
	load_state(r2, init);
	for (int i = 0; i < 10000; i++) {
		uint64_t w = ref_xoshiro(o1);
		unsigned long got = gsl_rng_get(r);
		FAIL_UNLESS(got == (unsigned long)(w >> 32),
			    "get %d: got %lx want %llx", i, got,
			    (unsigned long long)(w >> 32));
		uint64_t w2 = ref_xoshiro(o2);
		double d = gsl_rng_uniform(r2);
		double want = (double)(w2 >> 11) / 9007199254740992.0;
		FAIL_UNLESS(d == want, "double %d: got %.17g want %.17g", i,
			    d, want);
	}
	gsl_rng_free(r);
	gsl_rng_free(r2);
}
END_TEST

START_TEST(test_set_splitmix64)
{
	/* Published splitmix64 outputs for initial state 0. */
	const uint64_t want[4] = {
		0xe220a8397b1dcdafu, 0x6e789e6aa1b965f4u,
		0x06c45d188009454fu, 0xf88bb8a8724c81ecu};
	gsl_rng *r = gsl_rng_alloc(dc_rng_xoshiro256ss);
	ck_assert_ptr_nonnull(r);
	gsl_rng_set(r, 0);
	uint64_t s[4];
	memcpy(s, gsl_rng_state(r), sizeof s);
	for (int i = 0; i < 4; i++)
		ck_assert_msg(s[i] == want[i], "word %d: %016llx want %016llx",
			      i, (unsigned long long)s[i],
			      (unsigned long long)want[i]);
	gsl_rng_free(r);
}
END_TEST

/* ---- type properties and reproducibility ----------------------------- */

START_TEST(test_type_properties)
{
	const gsl_rng_type *t = dc_rng_xoshiro256ss;
	ck_assert_str_eq(t->name, "xoshiro256**");
	ck_assert_msg(t->max == 0xffffffffUL && t->min == 0,
		      "max %lu min %lu", t->max, t->min);
	gsl_rng *r = dc_rng_new(NULL, 7, 0, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_eq(r->type, t);
	for (int i = 0; i < 100000; i++) {
		double u = gsl_rng_uniform(r);
		FAIL_UNLESS(u >= 0.0 && u < 1.0, "uniform %.17g", u);
		unsigned long g = gsl_rng_get(r);
		FAIL_UNLESS(g <= 0xffffffffUL, "get %lu", g);
		unsigned long k = gsl_rng_uniform_int(r, 10);
		FAIL_UNLESS(k < 10, "uniform_int %lu", k);
	}
	gsl_rng_free(r);
}
END_TEST

START_TEST(test_reproducible)
{
	gsl_rng *a = dc_rng_new(NULL, 42, 3, 5);
	gsl_rng *b = dc_rng_new(dc_rng_xoshiro256ss, 42, 3, 5);
	gsl_rng *c = dc_rng_new(NULL, 42, 3, 6);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	int differ = 0;
	for (int i = 0; i < 10000; i++) {
		double xa = gsl_ran_exponential(a, 2.0);
		double xb = gsl_ran_exponential(b, 2.0);
		FAIL_UNLESS(xa == xb, "exp %d: %.17g vs %.17g", i, xa, xb);
		double ga = gsl_ran_gaussian(a, 1.5);
		double gb = gsl_ran_gaussian(b, 1.5);
		FAIL_UNLESS(ga == gb, "gauss %d: %.17g vs %.17g", i, ga, gb);
		unsigned long ua = gsl_rng_get(a), ub = gsl_rng_get(b);
		FAIL_UNLESS(ua == ub, "get %d: %lu vs %lu", i, ua, ub);
		differ += gsl_rng_get(c) != ua;
	}
	ck_assert_msg(differ > 9990, "stream 6 equals stream 5 %d times",
		      10000 - differ);
	/* Re-seeding restarts the sequence. */
	gsl_rng_set(a, dc_rng_seed(42, 3, 5));
	gsl_rng_set(b, dc_rng_seed(42, 3, 5));
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(gsl_rng_get(a), gsl_rng_get(b));
	gsl_rng_free(a);
	gsl_rng_free(b);
	gsl_rng_free(c);
}
END_TEST

/* ---- the seed mix ----------------------------------------------------- */

#define NSEED (1u << 20)

/* All 2^20 values of argument WHICH (0 base, 1 rep, 2 stream), the others
 * fixed at F1, F2, give distinct seeds. */
static void check_injective(int which, uint32_t f1, uint32_t f2,
			    uint32_t start)
{
	uint32_t *v = malloc(NSEED * sizeof *v);
	ck_assert_ptr_nonnull(v);
	for (uint32_t i = 0; i < NSEED; i++) {
		uint32_t x = start + i;
		v[i] = which == 0 ? dc_rng_seed(x, f1, f2)
		     : which == 1 ? dc_rng_seed(f1, x, f2)
				  : dc_rng_seed(f1, f2, x);
	}
	qsort(v, NSEED, sizeof *v, cmp_u32);
	for (uint32_t i = 1; i < NSEED; i++)
		FAIL_UNLESS(v[i] != v[i - 1],
			    "argument %d: seed %08x repeats (fixed %u %u)",
			    which, v[i], f1, f2);
	free(v);
}

START_TEST(test_seed_bijective_base)
{
	check_injective(0, 0, 0, 0);
	check_injective(0, 17, 3, 0xfff80000u);
}
END_TEST

START_TEST(test_seed_bijective_rep)
{
	check_injective(1, 0, 0, 0);
	check_injective(1, 12345, 9, 0x7ff80000u);
}
END_TEST

START_TEST(test_seed_bijective_stream)
{
	check_injective(2, 0, 0, 0);
	check_injective(2, 0xffffffffu, 1000, 0xfff80000u);
}
END_TEST

START_TEST(test_seed_deterministic)
{
	ck_assert_uint_eq(dc_rng_seed(1, 2, 3), dc_rng_seed(1, 2, 3));
	ck_assert_uint_ne(dc_rng_seed(1, 2, 3), dc_rng_seed(1, 3, 2));
	ck_assert_uint_ne(dc_rng_seed(1, 2, 3), dc_rng_seed(2, 1, 3));
}
END_TEST

/* ---- statistical properties ------------------------------------------ */

#define NSTREAM 8
#define NDRAW 100000

START_TEST(test_stream_correlation)
{
	static double x[NSTREAM][NDRAW];
	for (int k = 0; k < NSTREAM; k++) {
		gsl_rng *r = dc_rng_new(NULL, 2024, 0, (uint32_t)k);
		ck_assert_ptr_nonnull(r);
		for (int i = 0; i < NDRAW; i++)
			x[k][i] = gsl_rng_uniform(r);
		gsl_rng_free(r);
	}
	double bound = 4.0 / sqrt((double)NDRAW);
	for (int a = 0; a < NSTREAM; a++) {
		for (int b = a + 1; b < NSTREAM; b++) {
			double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
			for (int i = 0; i < NDRAW; i++) {
				ma += x[a][i];
				mb += x[b][i];
			}
			ma /= NDRAW;
			mb /= NDRAW;
			for (int i = 0; i < NDRAW; i++) {
				double da = x[a][i] - ma, db = x[b][i] - mb;
				sab += da * db;
				saa += da * da;
				sbb += db * db;
			}
			double rr = sab / sqrt(saa * sbb);
			ck_assert_msg(fabs(rr) < bound,
				      "streams %d,%d: r = %g, bound %g", a, b,
				      rr, bound);
		}
	}
}
END_TEST

/* The first NDRAW 53-bit outputs of several streams and replications are
 * all distinct: any overlap of two sequences would repeat values (chance
 * collisions among 1.2e6 53-bit values have probability about 1e-4). */
START_TEST(test_stream_no_overlap)
{
	const int nseq = 12;
	size_t n = (size_t)nseq * NDRAW;
	double *v = malloc(n * sizeof *v);
	ck_assert_ptr_nonnull(v);
	for (int k = 0; k < nseq; k++) {
		uint32_t rep = k < NSTREAM ? 0 : (uint32_t)(k - NSTREAM + 1);
		uint32_t stream = k < NSTREAM ? (uint32_t)k : 0;
		gsl_rng *r = dc_rng_new(NULL, 1, rep, stream);
		ck_assert_ptr_nonnull(r);
		for (int i = 0; i < NDRAW; i++)
			v[(size_t)k * NDRAW + i] = gsl_rng_uniform(r);
		gsl_rng_free(r);
	}
	qsort(v, n, sizeof *v, cmp_double);
	for (size_t i = 1; i < n; i++)
		FAIL_UNLESS(v[i] != v[i - 1], "value %.17g repeats", v[i]);
	free(v);
}
END_TEST

START_TEST(test_uniform_chisq)
{
	enum { NBIN = 100, N = 1000000 };
	long cnt[NBIN] = {0};
	gsl_rng *r = dc_rng_new(NULL, 99, 1, 2);
	ck_assert_ptr_nonnull(r);
	for (int i = 0; i < N; i++)
		cnt[(int)(gsl_rng_uniform(r) * NBIN)]++;
	double e = (double)N / NBIN, chi2 = 0;
	for (int b = 0; b < NBIN; b++)
		chi2 += (cnt[b] - e) * (cnt[b] - e) / e;
	double crit = gsl_cdf_chisq_Qinv(1e-6, NBIN - 1);
	ck_assert_msg(chi2 < crit, "chi2 %g >= critical %g", chi2, crit);
	gsl_rng_free(r);
}
END_TEST

START_TEST(test_exponential_mean)
{
	enum { N = 1000000 };
	const double mu = 2.0;
	gsl_rng *r = dc_rng_new(NULL, 5, 6, 7);
	ck_assert_ptr_nonnull(r);
	double sum = 0;
	for (int i = 0; i < N; i++)
		sum += gsl_ran_exponential(r, mu);
	double mean = sum / N, se = mu / sqrt((double)N);
	ck_assert_msg(fabs(mean - mu) < 4 * se, "mean %.6f, want %g +- %g",
		      mean, mu, 4 * se);
	gsl_rng_free(r);
}
END_TEST

/* ---- lookup ----------------------------------------------------------- */

START_TEST(test_lookup)
{
	ck_assert_ptr_eq(dc_rng_type(NULL), dc_rng_xoshiro256ss);
	ck_assert_ptr_eq(dc_rng_type(""), dc_rng_xoshiro256ss);
	ck_assert_ptr_eq(dc_rng_type("xoshiro256**"), dc_rng_xoshiro256ss);
	ck_assert_ptr_eq(dc_rng_type("mt19937"), gsl_rng_mt19937);
	ck_assert_ptr_eq(dc_rng_type("ranlxd2"), gsl_rng_ranlxd2);
	ck_assert_ptr_null(dc_rng_type("no-such-generator"));
	ck_assert_ptr_null(dc_rng_type("xoshiro256"));

	gsl_rng *m = dc_rng_new(dc_rng_type("mt19937"), 1, 2, 3);
	gsl_rng *m2 = gsl_rng_alloc(gsl_rng_mt19937);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(m2);
	ck_assert_str_eq(gsl_rng_name(m), "mt19937");
	gsl_rng_set(m2, dc_rng_seed(1, 2, 3));
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(gsl_rng_get(m), gsl_rng_get(m2));
	gsl_rng_free(m);
	gsl_rng_free(m2);
}
END_TEST

static Suite *rng_suite(void)
{
	Suite *s = suite_create("rng");
	struct {
		const char *name;
		const TTest *fn;
	} t[] = {
		{"known_answer_small_state", test_known_answer_small_state},
		{"known_answer_oracle", test_known_answer_oracle},
		{"set_splitmix64", test_set_splitmix64},
		{"type_properties", test_type_properties},
		{"reproducible", test_reproducible},
		{"seed_bijective_base", test_seed_bijective_base},
		{"seed_bijective_rep", test_seed_bijective_rep},
		{"seed_bijective_stream", test_seed_bijective_stream},
		{"seed_deterministic", test_seed_deterministic},
		{"stream_correlation", test_stream_correlation},
		{"stream_no_overlap", test_stream_no_overlap},
		{"uniform_chisq", test_uniform_chisq},
		{"exponential_mean", test_exponential_mean},
		{"lookup", test_lookup},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		TCase *tc = tcase_create(t[i].name);
		tcase_add_checked_fixture(tc, setup, NULL);
		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, t[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return dc_test_main(rng_suite());
}
