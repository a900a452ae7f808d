/* check_arrivals.c - request sources: the shipped traces against the
 * statistics of reference/llm.md (V20, §4 Mooncake), recomputed here by an
 * independent stdio reader; Poisson and gamma against their closed-form
 * moments; replay, speedup, length scaling, determinism and bad inputs.
 *
 * Rules used for the statistics (the same in arrivals.h, coded separately
 * here): span = last minus first timestamp in seconds, compared after
 * rounding to the nearest second; rate = count / span; median = the
 * middle sorted value (mean of the two middle ones for an even count);
 * p99 = linear interpolation between closest ranks at h = 0.99 (n - 1)
 * on the sorted values.  Means, medians and p99 are compared after
 * rounding to the nearest integer as llm.md prints them. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../models/arrivals.h"
#include "../sim/alloc.h"
#include "../sim/rng.h"
#include "util/run.h"

#define DATA	"data"
#define AZ_CONV DATA "/traces/azure_llm_2023/AzureLLMInferenceTrace_conv.csv"
#define AZ_CODE DATA "/traces/azure_llm_2023/AzureLLMInferenceTrace_code.csv"
#define MC_CONV DATA "/traces/mooncake_fast25/conversation_trace.jsonl"

/* ---- independent reference computation ---- */

typedef struct ref {
	size_t n;
	double span_s;
	double *in, *out; /* sorted after ref_finish */
} ref;

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double mean(const double *v, size_t n)
{
	long double s = 0;
	for (size_t i = 0; i < n; i++)
		s += v[i];
	return (double)(s / n);
}

static double median(const double *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double p99(const double *v, size_t n)
{
	double h = 0.99 * (double)(n - 1);
	size_t lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

static void ref_push(ref *r, size_t cap, double in, double out)
{
	ck_assert_msg(r->n < cap, "reference reader: more than %zu rows", cap);
	r->in[r->n] = in;
	r->out[r->n] = out;
	r->n++;
}

/* Azure CSV: every row is on 2023-11-16 (checked), so a timestamp is
 * seconds since midnight: hh*3600 + mm*60 + ss + fraction. */
static ref read_azure(const char *path, size_t cap)
{
	ref r = {0, 0, malloc(cap * sizeof(double)),
		 malloc(cap * sizeof(double))};
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char line[256];
	ck_assert(fgets(line, sizeof line, f) != NULL); /* header */
	ck_assert_msg(
		!strncmp(line, "TIMESTAMP,ContextTokens,GeneratedTokens", 39),
		"header %s", line);
	double first = 0, last = 0;
	while (fgets(line, sizeof line, f)) {
		int hh, mm, ss, in, out;
		char frac[16];
		int k = sscanf(line, "2023-11-16 %d:%d:%d.%15[0-9],%d,%d", &hh,
			       &mm, &ss, frac, &in, &out);
		ck_assert_msg(k == 6, "%s: cannot read '%s'", path, line);
		double t = hh * 3600.0 + mm * 60.0 + ss +
			   strtod(frac, NULL) / pow(10, (double)strlen(frac));
		if (r.n == 0)
			first = t;
		ck_assert_msg(t >= last, "%s: times go back at row %zu", path,
			      r.n + 1);
		last = t;
		ref_push(&r, cap, in, out);
	}
	fclose(f);
	r.span_s = last - first;
	qsort(r.in, r.n, sizeof(double), dcmp);
	qsort(r.out, r.n, sizeof(double), dcmp);
	return r;
}

static ref read_mooncake(const char *path, size_t cap)
{
	ref r = {0, 0, malloc(cap * sizeof(double)),
		 malloc(cap * sizeof(double))};
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	static char line[1 << 16];
	double first = 0, last = 0;
	while (fgets(line, sizeof line, f)) {
		double ts;
		long in, out;
		int k = sscanf(line,
			       "{\"timestamp\": %lf, \"input_length\": %ld, "
			       "\"output_length\": %ld",
			       &ts, &in, &out);
		ck_assert_msg(k == 3, "%s: cannot read '%.60s'", path, line);
		if (r.n == 0)
			first = ts;
		last = ts;
		ref_push(&r, cap, (double)in, (double)out);
	}
	fclose(f);
	r.span_s = (last - first) / 1000;
	qsort(r.in, r.n, sizeof(double), dcmp);
	qsort(r.out, r.n, sizeof(double), dcmp);
	return r;
}

static void ref_free(ref *r)
{
	free(r->in);
	free(r->out);
}

static dc_arrivals_trace *load(int id)
{
	dc_err err = DC_ERR_INIT;
	dc_arrivals_trace *t = NULL;
	int rc = dc_arrivals_trace_load(id, DATA, &t, &err);
	ck_assert_msg(rc == DC_OK, "load %s: %s", dc_arrivals_trace_names[id],
		      dc_err_text(&err));
	dc_err_free(&err);
	return t;
}

/* Rounded value V must equal WANT (llm.md) and agree with the reference. */
#define CHECK_ROUND(what, got, refv, want)                                     \
	do {                                                                   \
		ck_assert_msg(lround(got) == (want),                           \
			      "%s: got %.4f, llm.md says %ld", what,           \
			      (double)(got), (long)(want));                    \
		ck_assert_msg(fabs((got) - (refv)) <=                          \
				      1e-9 * fabs(refv) + 1e-9,                \
			      "%s: library %.10g, reference %.10g", what,      \
			      (double)(got), (double)(refv));                  \
	} while (0)

/* ---- V20 ---- */

START_TEST(v20_azure_conv)
{
	dc_arrivals_trace *t = load(DC_TRACE_AZURE_CONV);
	const dc_trace_stats *s = dc_arrivals_trace_stats(t);
	ref r = read_azure(AZ_CONV, 30000);
	ck_assert_msg(s->count == 19366 && r.n == 19366, "count %zu ref %zu",
		      s->count, r.n);
	CHECK_ROUND("conv span_s", s->span_s, r.span_s, 3502);
	ck_assert_msg(lround(s->rate * 100) == 553, "rate %.4f", s->rate);
	CHECK_ROUND("conv input mean", s->input.mean, mean(r.in, r.n), 1155);
	CHECK_ROUND("conv input median", s->input.median, median(r.in, r.n),
		    1020);
	CHECK_ROUND("conv input p99", s->input.p99, p99(r.in, r.n), 4142);
	CHECK_ROUND("conv output mean", s->output.mean, mean(r.out, r.n), 211);
	CHECK_ROUND("conv output median", s->output.median, median(r.out, r.n),
		    129);
	CHECK_ROUND("conv output max", s->output.max, r.out[r.n - 1], 1000);
	ref_free(&r);
	dc_arrivals_trace_free(t);
}
END_TEST

START_TEST(v20_azure_code)
{
	dc_arrivals_trace *t = load(DC_TRACE_AZURE_CODE);
	const dc_trace_stats *s = dc_arrivals_trace_stats(t);
	ref r = read_azure(AZ_CODE, 20000);
	ck_assert_msg(s->count == 8819 && r.n == 8819, "count %zu ref %zu",
		      s->count, r.n);
	CHECK_ROUND("code span_s", s->span_s, r.span_s, 3436);
	ck_assert_msg(lround(s->rate * 100) == 257, "rate %.4f", s->rate);
	CHECK_ROUND("code input mean", s->input.mean, mean(r.in, r.n), 2048);
	CHECK_ROUND("code input median", s->input.median, median(r.in, r.n),
		    1469);
	CHECK_ROUND("code output mean", s->output.mean, mean(r.out, r.n), 28);
	CHECK_ROUND("code output median", s->output.median, median(r.out, r.n),
		    13);
	ref_free(&r);
	dc_arrivals_trace_free(t);
}
END_TEST

/* llm.md §4: 12,031 req, mean input 12,035, mean output 343, 3.40 req/s;
 * an infinite prefix cache reuses 36.6 % of the 512-token blocks (a block
 * id seen before in the trace counts as reused). */
START_TEST(mooncake_conv_stats)
{
	dc_arrivals_trace *t = load(DC_TRACE_MOONCAKE_CONV);
	const dc_trace_stats *s = dc_arrivals_trace_stats(t);
	ref r = read_mooncake(MC_CONV, 20000);
	ck_assert_msg(s->count == 12031 && r.n == 12031, "count %zu ref %zu",
		      s->count, r.n);
	CHECK_ROUND("mooncake input mean", s->input.mean, mean(r.in, r.n),
		    12035);
	CHECK_ROUND("mooncake output mean", s->output.mean, mean(r.out, r.n),
		    343);
	ck_assert_msg(fabs(s->span_s - r.span_s) < 1e-9, "span %.6f ref %.6f",
		      s->span_s, r.span_s);
	ck_assert_msg(lround(s->rate * 100) == 340, "rate %.4f", s->rate);
	int64_t maxid = 0;
	for (size_t i = 0, n; i < s->count; i++) {
		const int64_t *h = dc_arrivals_trace_hashes(t, i, &n);
		for (size_t j = 0; j < n; j++)
			maxid = h[j] > maxid ? h[j] : maxid;
	}
	unsigned char *seen = calloc((size_t)maxid + 1, 1);
	size_t total = 0, reused = 0;
	for (size_t i = 0, n; i < s->count; i++) {
		const int64_t *h = dc_arrivals_trace_hashes(t, i, &n);
		for (size_t j = 0; j < n; j++, total++) {
			reused += seen[h[j]];
			seen[h[j]] = 1;
		}
	}
	free(seen);
	ck_assert_msg(total == s->hash_blocks, "blocks %zu vs %zu", total,
		      s->hash_blocks);
	ck_assert_msg(lround(1000.0 * (double)reused / (double)total) == 366,
		      "prefix reuse %.4f %%",
		      100.0 * (double)reused / (double)total);
	ref_free(&r);
	dc_arrivals_trace_free(t);
}
END_TEST

/* ---- timestamps ---- */

START_TEST(time_parse_exact)
{
	int64_t a, b;
	size_t bad;
	ck_assert_int_eq(
		dc_arrivals_parse_time("2023-11-16 00:00:00", &a, &bad), DC_OK);
	/* 1,700,000,000 s is 2023-11-14 22:13:20 UTC; + 25 h 46 min 40 s */
	ck_assert_msg(a == INT64_C(1700092800) * 1000000000, "got %lld",
		      (long long)a);
	ck_assert_int_eq(
		dc_arrivals_parse_time("2023-11-16 18:15:46.6805900", &a, &bad),
		DC_OK);
	ck_assert_int_eq(
		dc_arrivals_parse_time("2023-11-16 18:15:50.9951690", &b, &bad),
		DC_OK);
	ck_assert_msg(b - a == INT64_C(4314579000), "diff %lld ns",
		      (long long)(b - a));
	ck_assert_int_eq(
		dc_arrivals_parse_time("2024-02-29 23:59:59.5", &a, &bad),
		DC_OK);
	ck_assert_int_eq(
		dc_arrivals_parse_time("2024-03-01 00:00:00", &b, &bad), DC_OK);
	ck_assert_msg(b - a == 500000000, "leap day rollover %lld ns",
		      (long long)(b - a));
	ck_assert_int_eq(dc_arrivals_parse_time("1970-01-01 00:00:00.000000001",
						&a, &bad),
			 DC_OK);
	ck_assert_int_eq(a, 1);
	static const struct {
		const char *s;
		size_t bad;
	} no[] = {
		{"2023-02-29 00:00:00", 8},
		{"2023-11-16T18:15:46", 10},
		{"2023-13-01 00:00:00", 5},
		{"2023-11-16 24:00:00", 11},
		{"2023-11-16 18:15:46.", 20},
		{"2023-11-16 18:15:46.1234567891", 29},
		{"2023-11-16 18:15:4", 18},
		{"2023/11/16 00:00:00", 4},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(no); i++) {
		ck_assert_msg(dc_arrivals_parse_time(no[i].s, &a, &bad) ==
				      DC_EINVAL,
			      "'%s' accepted", no[i].s);
		ck_assert_msg(bad == no[i].bad, "'%s': bad at %zu, want %zu",
			      no[i].s, bad, no[i].bad);
	}
}
END_TEST

/* ---- sources ---- */

static dc_arrivals_cfg defaults(void)
{
	dc_arrivals_cfg c;
	memset(&c, 0, sizeof c);
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_params_defaults(&dc_arrivals_pset, &c, NULL, &err),
			 DC_OK);
	dc_err_free(&err);
	return c;
}

static void set(dc_arrivals_cfg *c, const char *key, const char *text)
{
	dc_err err = DC_ERR_INIT;
	int rc = dc_params_set(&dc_arrivals_pset, "arrivals", key, text, c,
			       NULL, &err);
	ck_assert_msg(rc == DC_OK, "set %s=%s: %s", key, text,
		      dc_err_text(&err));
	dc_err_free(&err);
}

static dc_arrivals *make(const dc_arrivals_cfg *c, gsl_rng *r)
{
	dc_err err = DC_ERR_INIT;
	dc_arrivals *a = NULL;
	int rc = dc_arrivals_new(c, DATA, r, &a, &err);
	ck_assert_msg(rc == DC_OK, "new: %s", dc_err_text(&err));
	dc_err_free(&err);
	return a;
}

START_TEST(params_defaults)
{
	dc_arrivals_cfg c = defaults();
	ck_assert_int_eq(c.kind, DC_ARR_TRACE);
	ck_assert_int_eq(c.trace, DC_TRACE_AZURE_CONV);
	ck_assert_double_eq(c.speedup, 1);
	ck_assert_double_eq(c.length_scale, 1);
	ck_assert_str_eq(c.prompt, "from trace");
	ck_assert_int_eq(c.max_requests, 0);
	set(&c, "rate", "300 /min");
	ck_assert_double_eq_tol(c.rate, 5, 1e-12);
	set(&c, "start", "2 min");
	ck_assert_int_eq(c.start, 120 * DC_SEC);
	dc_params_free(&dc_arrivals_pset, &c);
}
END_TEST

/* Replay: every row once, in order, times from 0, ends at the span; the
 * start offset shifts every arrival; max_requests stops early. */
START_TEST(trace_replay)
{
	dc_arrivals_cfg c = defaults();
	set(&c, "start", "10 s");
	dc_arrivals *a = make(&c, NULL);
	const dc_arrivals_trace *t = dc_arrivals_get_trace(a);
	const dc_trace_stats *s = dc_arrivals_trace_stats(t);
	dc_req_spec q, row;
	size_t n = 0;
	double prev = -1;
	while (dc_arrivals_next(a, &q)) {
		ck_assert(dc_arrivals_trace_row(t, n, &row));
		ck_assert_msg(q.t_arrival_s >= prev, "row %zu: %.9f < %.9f", n,
			      q.t_arrival_s, prev);
		ck_assert_double_eq_tol(q.t_arrival_s, 10 + row.t_arrival_s,
					1e-9);
		ck_assert_int_eq(q.prompt, row.prompt);
		ck_assert_int_eq(q.output, row.output);
		prev = q.t_arrival_s;
		n++;
	}
	ck_assert_int_eq(n, s->count);
	ck_assert(dc_arrivals_trace_row(t, 0, &row));
	ck_assert_double_eq(row.t_arrival_s, 0);
	ck_assert_double_eq_tol(prev, 10 + s->span_s, 1e-9);
	ck_assert_int_eq(dc_arrivals_next(a, &q), 0);
	dc_arrivals_free(a);
	set(&c, "max_requests", "100");
	a = make(&c, NULL);
	for (n = 0; dc_arrivals_next(a, &q);)
		n++;
	ck_assert_int_eq(n, 100);
	dc_arrivals_free(a);
	dc_params_free(&dc_arrivals_pset, &c);
}
END_TEST

static double last_arrival(dc_arrivals *a, size_t *n)
{
	dc_req_spec q;
	double t = 0;
	for (*n = 0; dc_arrivals_next(a, &q); ++*n)
		t = q.t_arrival_s;
	return t;
}

START_TEST(speedup_halves_span)
{
	dc_arrivals_cfg c = defaults();
	set(&c, "trace", "mooncake_conv");
	size_t n1, n2;
	dc_arrivals *a = make(&c, NULL);
	double s1 = last_arrival(a, &n1);
	dc_arrivals_free(a);
	set(&c, "speedup", "2");
	a = make(&c, NULL);
	double s2 = last_arrival(a, &n2);
	dc_arrivals_free(a);
	ck_assert_int_eq(n1, n2);
	ck_assert_msg(fabs(s2 - s1 / 2) < 1e-9, "span %.6f -> %.6f", s1, s2);
	dc_params_free(&dc_arrivals_pset, &c);
}
END_TEST

START_TEST(length_scale)
{
	dc_arrivals_cfg c = defaults();
	set(&c, "trace", "azure_code");
	set(&c, "length_scale", "0.5");
	dc_arrivals *a = make(&c, NULL);
	const dc_arrivals_trace *t = dc_arrivals_get_trace(a);
	dc_req_spec q, row;
	for (size_t i = 0; dc_arrivals_next(a, &q); i++) {
		ck_assert(dc_arrivals_trace_row(t, i, &row));
		long wp = lround(row.prompt * 0.5),
		     wo = lround(row.output * 0.5);
		wp = wp < 1 ? 1 : wp;
		wo = wo < 1 ? 1 : wo;
		ck_assert_msg(q.prompt == wp && q.output == wo,
			      "row %zu: %d,%d scaled to %d,%d, want %ld,%ld", i,
			      row.prompt, row.output, q.prompt, q.output, wp,
			      wo);
	}
	dc_arrivals_free(a);
	/* fixed lengths are scaled too; a tiny scale gives at least 1 */
	set(&c, "prompt", "100");
	set(&c, "output", "3");
	set(&c, "length_scale", "1.5");
	a = make(&c, NULL);
	ck_assert(dc_arrivals_next(a, &q));
	ck_assert_int_eq(q.prompt, 150);
	ck_assert_int_eq(q.output, 5); /* 4.5 rounds away from zero */
	dc_arrivals_free(a);
	set(&c, "length_scale", "1e-6");
	a = make(&c, NULL);
	ck_assert(dc_arrivals_next(a, &q));
	ck_assert_int_eq(q.prompt, 1);
	ck_assert_int_eq(q.output, 1);
	dc_arrivals_free(a);
	dc_params_free(&dc_arrivals_pset, &c);
}
END_TEST

/* Mean and coefficient of variation of N inter-arrival gaps of A. */
static void gaps(dc_arrivals *a, size_t n, double *m, double *cv, double *se)
{
	dc_req_spec q;
	double prev = 0, s = 0, s2 = 0;
	for (size_t i = 0; i < n; i++) {
		ck_assert(dc_arrivals_next(a, &q));
		double g = q.t_arrival_s - prev;
		ck_assert_msg(g >= 0, "gap %g < 0 at %zu", g, i);
		prev = q.t_arrival_s;
		s += g;
		s2 += g * g;
	}
	*m = s / (double)n;
	double var = (s2 - (double)n * *m * *m) / (double)(n - 1);
	*cv = sqrt(var) / *m;
	*se = sqrt(var / (double)n);
}

START_TEST(poisson_moments)
{
	gsl_rng *r = dc_rng_new(NULL, 7, 0, 0);
	dc_arrivals_cfg c = defaults();
	set(&c, "kind", "poisson");
	set(&c, "rate", "5 /s");
	set(&c, "prompt", "512");
	set(&c, "output", "128");
	dc_arrivals *a = make(&c, r);
	ck_assert_ptr_null(
		dc_arrivals_get_trace(a)); /* fixed lengths: no trace */
	double m, cv, se;
	gaps(a, 100000, &m, &cv, &se);
	ck_assert_msg(fabs(m - 0.2) <= 3 * se,
		      "mean gap %.6f, 1/rate 0.2, SE %.6f", m, se);
	/* SE of the sample CV of exponential gaps is of order sqrt(1/n) ≈
	 * 0.0045 at n = 1e5; 0.02 is more than 4 SE */
	ck_assert_msg(fabs(cv - 1) < 0.02, "CV %.4f", cv);
	dc_arrivals_free(a);
	dc_params_free(&dc_arrivals_pset, &c);
	gsl_rng_free(r);
}
END_TEST

START_TEST(gamma_cv)
{
	static const double cvs[] = {0.5, 2.0};
	for (size_t k = 0; k < DC_ARRAY_LEN(cvs); k++) {
		gsl_rng *r = dc_rng_new(NULL, 11, 0, (uint32_t)k);
		dc_arrivals_cfg c = defaults();
		char buf[32];
		set(&c, "kind", "gamma");
		set(&c, "rate", "20 /s");
		snprintf(buf, sizeof buf, "%g", cvs[k]);
		set(&c, "cv", buf);
		dc_arrivals *a = make(&c, r);
		double m, cv, se;
		gaps(a, 100000, &m, &cv, &se);
		ck_assert_msg(fabs(m - 0.05) <= 3 * se,
			      "cv %g: mean gap %.6f SE %.6f", cvs[k], m, se);
		ck_assert_msg(fabs(cv / cvs[k] - 1) < 0.05,
			      "CV %.4f, configured %g", cv, cvs[k]);
		dc_arrivals_free(a);
		dc_params_free(&dc_arrivals_pset, &c);
		gsl_rng_free(r);
	}
}
END_TEST

/* Lengths "from trace" sample the trace's rows: every pair is a row of the
 * trace, and the sample mean approaches the trace mean. */
START_TEST(lengths_from_trace)
{
	gsl_rng *r = dc_rng_new(NULL, 3, 0, 0);
	dc_arrivals_cfg c = defaults();
	set(&c, "kind", "poisson");
	set(&c, "rate", "2 /s");
	set(&c, "trace", "azure_code");
	dc_arrivals *a = make(&c, r);
	const dc_trace_stats *s =
		dc_arrivals_trace_stats(dc_arrivals_get_trace(a));
	const size_t n = 40000;
	double sum = 0, sum2 = 0;
	dc_req_spec q;
	for (size_t i = 0; i < n; i++) {
		ck_assert(dc_arrivals_next(a, &q));
		ck_assert(q.prompt >= s->input.min && q.prompt <= s->input.max);
		ck_assert(q.output >= 1 && q.output <= s->output.max);
		sum += q.prompt;
		sum2 += (double)q.prompt * q.prompt;
	}
	double m = sum / (double)n;
	double se = sqrt((sum2 / (double)n - m * m) / (double)n);
	ck_assert_msg(fabs(m - s->input.mean) < 4 * se,
		      "sampled mean prompt %.1f, trace %.1f, SE %.2f", m,
		      s->input.mean, se);
	dc_arrivals_free(a);
	dc_params_free(&dc_arrivals_pset, &c);
	gsl_rng_free(r);
}
END_TEST

START_TEST(determinism)
{
	dc_arrivals_cfg c = defaults();
	set(&c, "kind", "gamma");
	set(&c, "rate", "5 /s");
	set(&c, "cv", "1.5");
	dc_arrivals_trace *t = load(DC_TRACE_AZURE_CONV);
	gsl_rng *r1 = dc_rng_new(NULL, 42, 0, 1),
		*r2 = dc_rng_new(NULL, 42, 0, 1);
	gsl_rng *r3 = dc_rng_new(NULL, 43, 0, 1);
	dc_arrivals *a1, *a2, *a3;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_arrivals_new_with(&c, t, r1, &a1, &err), DC_OK);
	ck_assert_int_eq(dc_arrivals_new_with(&c, t, r2, &a2, &err), DC_OK);
	ck_assert_int_eq(dc_arrivals_new_with(&c, t, r3, &a3, &err), DC_OK);
	int differ = 0;
	for (int i = 0; i < 1000; i++) {
		dc_req_spec x, y, z;
		ck_assert(dc_arrivals_next(a1, &x) &&
			  dc_arrivals_next(a2, &y) && dc_arrivals_next(a3, &z));
		ck_assert_msg(x.t_arrival_s == y.t_arrival_s &&
				      x.prompt == y.prompt &&
				      x.output == y.output,
			      "seed 42 diverges at %d", i);
		differ += x.t_arrival_s != z.t_arrival_s;
	}
	ck_assert_msg(differ > 990, "seeds 42 and 43 agree on %d of 1000",
		      1000 - differ);
	dc_arrivals_free(a1);
	dc_arrivals_free(a2);
	dc_arrivals_free(a3);
	dc_arrivals_trace_free(t); /* borrowed by the sources: freed last */
	gsl_rng_free(r1);
	gsl_rng_free(r2);
	gsl_rng_free(r3);
	dc_params_free(&dc_arrivals_pset, &c);
	dc_err_free(&err);
}
END_TEST

/* ---- bad inputs ---- */

START_TEST(bad_config)
{
	dc_arrivals_cfg c = defaults();
	dc_err err = DC_ERR_INIT;
	dc_arrivals *a = (dc_arrivals *)&c;
	/* unknown trace name in a scenario, and an out-of-range id */
	ck_assert_int_eq(dc_params_set(&dc_arrivals_pset, "arrivals", "trace",
				       "azure_conf", &c, NULL, &err),
			 DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "azure_conv") != NULL, "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	c.trace = 99;
	ck_assert_int_eq(dc_arrivals_new(&c, DATA, NULL, &a, &err), DC_EINVAL);
	ck_assert_ptr_null(a);
	ck_assert_msg(strstr(dc_err_text(&err), "arrivals.trace") != NULL, "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	c.trace = DC_TRACE_AZURE_CONV;
	/* negative rate: refused by the table and by the source */
	ck_assert_int_eq(dc_params_set(&dc_arrivals_pset, "arrivals", "rate",
				       "-5 /s", &c, NULL, &err),
			 DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "arrivals.rate") != NULL, "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	gsl_rng *r = dc_rng_new(NULL, 1, 0, 0);
	c.kind = DC_ARR_POISSON;
	c.rate = -5;
	ck_assert_int_eq(dc_arrivals_new(&c, DATA, r, &a, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "arrivals.rate") != NULL, "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	c.rate = 0; /* poisson with no rate */
	ck_assert_int_eq(dc_arrivals_new(&c, DATA, r, &a, &err), DC_EINVAL);
	dc_err_free(&err);
	c.rate = 5;
	c.kind = DC_ARR_GAMMA;
	c.cv = 0;
	ck_assert_int_eq(dc_arrivals_new(&c, DATA, r, &a, &err), DC_EINVAL);
	dc_err_free(&err);
	c.cv = 1;
	ck_assert_int_eq(dc_arrivals_new(&c, DATA, NULL, &a, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "random") != NULL, "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	set(&c, "prompt", "12x");
	ck_assert_int_eq(dc_arrivals_new(&c, DATA, r, &a, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "arrivals.prompt") != NULL,
		      "%s", dc_err_text(&err));
	dc_err_free(&err);
	set(&c, "prompt", "0");
	ck_assert_int_eq(dc_arrivals_check(&c, &err), DC_EINVAL);
	dc_err_free(&err);
	set(&c, "prompt", "from trace");
	ck_assert_int_eq(dc_arrivals_new(&c, "/nonexistent", r, &a, &err),
			 DC_ENOENT);
	ck_assert_msg(strstr(dc_err_text(&err), "/nonexistent/traces/") != NULL,
		      "%s", dc_err_text(&err));
	dc_err_free(&err);
	gsl_rng_free(r);
	dc_params_free(&dc_arrivals_pset, &c);
}
END_TEST

START_TEST(bad_jsonl_lines)
{
	static const struct {
		const char *line;
		int col;
		const char *why;
	} no[] = {
		{"", 1, "expected '{'"},
		{"[1]", 1, "expected '{'"},
		{"{\"timestamp\" 0}", 14, "expected ':'"},
		{"{\"timestamp\": 0, \"input_length\": 1, \"output_length\": "
		 "2}",
		 55, "missing key 'hash_ids'"},
		{"{\"timestamp\": 0, \"input\": 1}", 18, "unknown key"},
		{"{\"timestamp\": 0, \"timestamp\": 1}", 18, "duplicate key"},
		{"{\"timestamp\": 0,}", 17, "expected a key string"},
		{"{\"timestamp\": -1}", 15, "timestamp must be >= 0"},
		{"{\"timestamp\": 01}", 16, "leading zeros"},
		{"{\"input_length\": 1.5}", 19, "not a fraction"},
		{"{\"input_length\": -3}", 18, "integer >= 0"},
		{"{\"output_length\": \"7\"}", 19, "expected an integer"},
		{"{\"hash_ids\": [1, 2,]}", 20, "expected an integer"},
		{"{\"hash_ids\": [1 2]}", 17, "expected ',' or ']'"},
		{"{\"hash_ids\": 3}", 14, "expected '['"},
		{"{\"timestamp\": 1e}", 17, "exponent"},
		{"{\"times", 2, "unterminated string"},
		{"{\"timestamp\": 1 \"x\"}", 17, "expected ',' or '}'"},
		{"{\"timestamp\": 0, \"input_length\": 1, \"output_length\": "
		 "2, \"hash_ids\": []} x",
		 73, "unexpected text"},
		{"{\"ts\\u0041\": 1}", 5, "escapes"},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(no); i++) {
		dc_jsonl_rec rec;
		int col = 0;
		const char *why = "";
		int rc = dc_arrivals_jsonl_parse(no[i].line, strlen(no[i].line),
						 &rec, NULL, 0, &col, &why);
		ck_assert_msg(rc == DC_EINVAL, "accepted: %s", no[i].line);
		ck_assert_msg(col == no[i].col && strstr(why, no[i].why),
			      "%s: col %d '%s', want col %d '%s'", no[i].line,
			      col, why, no[i].col, no[i].why);
	}
	/* a good line: keys in any order, whitespace, ids beyond the buffer */
	const char *ok = " { \"hash_ids\" : [ 5 , 0, 7 ] ,\"output_length\":0,"
			 "\"input_length\": 1024, \"timestamp\": 2.5e3 }\r";
	dc_jsonl_rec rec;
	int64_t h[2];
	int col;
	const char *why;
	ck_assert_int_eq(
		dc_arrivals_jsonl_parse(ok, strlen(ok), &rec, h, 2, &col, &why),
		DC_OK);
	ck_assert_double_eq(rec.timestamp_ms, 2500);
	ck_assert_int_eq(rec.input_length, 1024);
	ck_assert_int_eq(rec.output_length, 0);
	ck_assert_uint_eq(rec.n_hash, 3);
	ck_assert(h[0] == 5 && h[1] == 0);
}
END_TEST

/* Errors in a file carry path:line:col; every bad line is reported. */
START_TEST(bad_trace_files)
{
	const char *jl = "{\"timestamp\": 0, \"input_length\": 1, "
			 "\"output_length\": 2, \"hash_ids\": [0]}\n"
			 "{\"timestamp\": 5, \"input_length\": 1, "
			 "\"output_length\": 2 \"hash_ids\": [0]}\n"
			 "\n"
			 "{\"timestamp\": 9, \"input_length\": 1, "
			 "\"output_length\": 2, \"hash_ids\": [0]}\n";
	dc_err err = DC_ERR_INIT;
	dc_arrivals_trace *t = (dc_arrivals_trace *)&err;
	ck_assert_int_eq(
		dc_arrivals_trace_parse("x.jsonl", jl, strlen(jl), 0, &t, &err),
		DC_EINVAL);
	ck_assert_ptr_null(t);
	ck_assert_msg(strstr(dc_err_text(&err),
			     "x.jsonl:2:56: error: expected ',' or '}'") &&
			      strstr(dc_err_text(&err),
				     "x.jsonl:3:1: error: expected '{'"),
		      "%s", dc_err_text(&err));
	ck_assert_int_eq(err.count, 2);
	dc_err_free(&err);
	const char *csv = "TIMESTAMP,ContextTokens,GeneratedTokens\n"
			  "2023-11-16 18:15:46.6805900,374,44\n"
			  "2023-11-16 18:15:4x.0,396,109\n"
			  "2023-11-16 18:15:50.0,3.5,109\n";
	ck_assert_int_eq(
		dc_arrivals_trace_parse("x.csv", csv, strlen(csv), 1, &t, &err),
		DC_EINVAL);
	ck_assert_msg(
		strstr(dc_err_text(&err),
		       "x.csv:3:1: error: column 'TIMESTAMP'") &&
			strstr(dc_err_text(&err),
			       "x.csv:4:23: error: column 'ContextTokens'"),
		"%s", dc_err_text(&err));
	dc_err_free(&err);
	const char *nocol =
		"TIMESTAMP,Context,GeneratedTokens\n2023-11-16 00:00:00,1,1\n";
	ck_assert_int_eq(dc_arrivals_trace_parse("y.csv", nocol, strlen(nocol),
						 1, &t, &err),
			 DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "'ContextTokens'"), "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	ck_assert_int_eq(dc_arrivals_trace_parse("z.jsonl", "", 0, 0, &t, &err),
			 DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "no requests"), "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	ck_assert_int_eq(dc_arrivals_trace_load(7, DATA, &t, &err), DC_EINVAL);
	dc_err_free(&err);
}
END_TEST

/* Unsorted rows are sorted stably and rebased on the earliest time. */
START_TEST(unsorted_trace)
{
	const char *jl = "{\"timestamp\": 3000, \"input_length\": 1, "
			 "\"output_length\": 1, \"hash_ids\": []}\n"
			 "{\"timestamp\": 1000, \"input_length\": 2, "
			 "\"output_length\": 1, \"hash_ids\": [4,5]}\n"
			 "{\"timestamp\": 3000, \"input_length\": 3, "
			 "\"output_length\": 1, \"hash_ids\": [6]}";
	dc_err err = DC_ERR_INIT;
	dc_arrivals_trace *t;
	ck_assert_int_eq(
		dc_arrivals_trace_parse("u.jsonl", jl, strlen(jl), 0, &t, &err),
		DC_OK);
	dc_req_spec q;
	static const int want_in[] = {2, 1, 3};
	static const double want_t[] = {0, 2, 2};
	for (size_t i = 0; i < 3; i++) {
		ck_assert(dc_arrivals_trace_row(t, i, &q));
		ck_assert_int_eq(q.prompt, want_in[i]);
		ck_assert_double_eq(q.t_arrival_s, want_t[i]);
	}
	size_t n;
	const int64_t *h = dc_arrivals_trace_hashes(t, 0, &n);
	ck_assert(n == 2 && h[0] == 4 && h[1] == 5);
	const dc_trace_stats *s = dc_arrivals_trace_stats(t);
	ck_assert_double_eq(s->span_s, 2);
	ck_assert_double_eq(s->input.median, 2);
	/* p99 of {1,2,3}: h = 1.98 -> 2 + 0.98 (3 - 2) */
	ck_assert_double_eq_tol(s->input.p99, 2.98, 1e-12);
	dc_arrivals_trace_free(t);
	dc_err_free(&err);
}
END_TEST

/* Every allocation failure is reported as DC_ENOMEM without leaks. */
START_TEST(alloc_failures)
{
	const char *jl = "{\"timestamp\": 0, \"input_length\": 1, "
			 "\"output_length\": 2, \"hash_ids\": [0]}\n";
	int ok = 0;
	for (long k = 0; k < 50 && !ok; k++) {
		dc_err err = DC_ERR_INIT;
		dc_arrivals_trace *t = NULL;
		dc_alloc_fail_after(k);
		int rc = dc_arrivals_trace_parse("a.jsonl", jl, strlen(jl), 0,
						 &t, &err);
		dc_alloc_fail_after(-1);
		ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM, "k %ld: rc %d", k,
			      rc);
		ok = rc == DC_OK;
		dc_arrivals_trace_free(t);
		dc_err_free(&err);
	}
	ck_assert(ok);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("arrivals");
	struct {
		const char *name;
		const TTest *fn;
	} tc[] = {
		{"v20_azure_conv", v20_azure_conv},
		{"v20_azure_code", v20_azure_code},
		{"mooncake_conv_stats", mooncake_conv_stats},
		{"time_parse_exact", time_parse_exact},
		{"params_defaults", params_defaults},
		{"trace_replay", trace_replay},
		{"speedup_halves_span", speedup_halves_span},
		{"length_scale", length_scale},
		{"poisson_moments", poisson_moments},
		{"gamma_cv", gamma_cv},
		{"lengths_from_trace", lengths_from_trace},
		{"determinism", determinism},
		{"bad_config", bad_config},
		{"bad_jsonl_lines", bad_jsonl_lines},
		{"bad_trace_files", bad_trace_files},
		{"unsorted_trace", unsorted_trace},
		{"alloc_failures", alloc_failures},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(tc); i++) {
		TCase *t = tcase_create(tc[i].name);
		tcase_set_timeout(t, 60);
		tcase_add_test(t, tc[i].fn);
		suite_add_tcase(s, t);
	}
	return s;
}

int main(void)
{
	return dc_test_main(suite());
}
