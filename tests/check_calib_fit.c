/* check_calib_fit.c - calibration profiles and their fitted laws: the fit
 * recovers known parameters from synthetic rows (a law written here, with
 * seeded noise), profiles round-trip through dc_calib_write and the table
 * reader, bad profiles are refused with positioned errors, and the
 * performance model's iteration time follows the profile it is given.
 * Run from the repository root (the catalogs are read from data/). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "../models/calib_fit.h"
#include "../models/llm_perf.h"
#include "../reports/profile.h"
#include "../sim/alloc.h"
#include "../sim/rng.h"
#include "util/run.h"

/* The law the synthetic rows follow, written from its definition with a
 * hard max (the fit's overlap exponent must find it large). */
typedef struct truth {
	double t0, ec, sh, g, em, c, wc;
} truth;

static double true_time(const truth *u, double P, double BW, double F,
			double B, double s)
{
	double ec = u->ec * pow(s, u->g) / (pow(s, u->g) + pow(u->sh, u->g));
	double em = u->em * (1 + u->c * u->wc / (B + u->wc));
	double tc = F / (ec * P), tm = B / (em * BW);
	return u->t0 + (tc > tm ? tc : tm);
}

#define P_REF 100e12 /* FLOP/s */
#define BW_REF 2e12  /* bytes/s */

/* GEMM rows of 4096 x 4096 and 16384 x 4096 weights at M = 1..4096 tokens
 * (fp16), and
 * triads over 2^12..2^26 elements, from U, each time times a lognormal
 * noise factor of SIGMA (0: none). */
static size_t synth(const truth *gemm, const truth *stream, double sigma,
		    double scale, dc_calib_row *rows)
{
	gsl_rng *r = dc_rng_new(NULL, 7, 0, 0);
	ck_assert_ptr_nonnull(r);
	size_t n = 0;
	/* two weight shapes, so that the per-call overhead and the
	 * weight-read time (both constant in m at small m) separate */
	for (int k = 4096; k <= 16384; k *= 4)
		for (int m = 1; m <= 4096; m *= 2) {
			dc_calib_row *w = &rows[n++];
			*w = (dc_calib_row){.m = m, .n = 4096, .k = k,
					    .reps = 5};
			snprintf(w->op, sizeof w->op, "gemm");
			w->flops = 2.0 * m * 4096 * k;
			w->bytes = 2.0 * (4096.0 * k + (double)m * (4096 + k));
			w->time_s = true_time(gemm, P_REF, BW_REF, w->flops,
					      w->bytes, m);
		}
	for (int e = 12; e <= 26; e += 2) {
		dc_calib_row *w = &rows[n++];
		*w = (dc_calib_row){.m = 1, .n = 1 << e, .reps = 5};
		snprintf(w->op, sizeof w->op, "triad");
		w->flops = 2.0 * (1 << e);
		w->bytes = 12.0 * (1 << e);
		w->time_s = true_time(stream, P_REF, BW_REF, 0, w->bytes, 1);
	}
	for (size_t i = 0; i < n; i++)
		rows[i].time_s *= scale * (sigma > 0 ? exp(gsl_ran_gaussian(r,
						 sigma)) : 1);
	gsl_rng_free(r);
	return n;
}

static const truth T_GEMM = {4e-6, 0.8, 32, 0.9, 0.85, 0, 1};
static const truth T_STREAM = {0.2e-6, 1, 1, 1, 0.9, 2.0, 32e6};

static void near(const char *what, double got, double want, double rel)
{
	ck_assert_msg(fabs(got - want) <= rel * fabs(want),
		      "%s: got %.6g, expected %.6g (+-%.1f%%)", what, got, want,
		      100 * rel);
}

static dc_calib_fit fit_of(const dc_calib_row *rows, size_t n)
{
	dc_calib_fit f;
	dc_err err = DC_ERR_INIT;
	int rc = dc_calib_fit_rows(rows, n, NULL, P_REF, BW_REF, &f, &err);
	ck_assert_msg(rc == DC_OK, "%s", dc_err_text(&err));
	dc_err_free(&err);
	return f;
}

START_TEST(fit_recovers_known_law)
{
	dc_calib_row rows[48];
	size_t n = synth(&T_GEMM, &T_STREAM, 0, 1, rows);
	dc_calib_fit f = fit_of(rows, n);
	const dc_class_fit *g = &f.cls[DC_OC_GEMM], *s = &f.cls[DC_OC_STREAM];
	ck_assert_uint_eq(g->rows, 24); /* m = 1 rows are the GEMV class */
	ck_assert_uint_eq(f.cls[DC_OC_GEMV].rows, 2);
	ck_assert(g->compute_fitted);
	/* noise-free: the law is in the model family (hard max = large p) */
	near("gemm eta_c_max", g->eta_c_max, T_GEMM.ec, 0.02);
	near("gemm s_half", g->s_half, T_GEMM.sh, 0.05);
	near("gemm gamma", g->gamma, T_GEMM.g, 0.05);
	near("gemm eta_m", g->eta_m, T_GEMM.em, 0.03);
	near("gemm t0", g->t0, T_GEMM.t0, 0.10);
	ck_assert_msg(g->overlap > 8, "overlap %g", g->overlap);
	ck_assert(g->r2 > 0.9999 && g->max_rel_err < 0.01);
	ck_assert(s->cache_fitted && !s->compute_fitted);
	near("stream eta_m", s->eta_m, T_STREAM.em, 0.02);
	near("stream cache gain", s->cache_gain, T_STREAM.c, 0.05);
	near("stream cache bytes", s->cache_bytes, T_STREAM.wc, 0.10);
	near("stream t0", s->t0, T_STREAM.t0, 0.10);
	/* classes not in the rows stay empty, and predict NAN */
	ck_assert_uint_eq(f.cls[DC_OC_ATTN_DECODE].rows, 0);
	ck_assert(isnan(dc_calib_predict(&f, DC_OC_ATTN_DECODE, 1, 1, 1, 0)));
}
END_TEST

START_TEST(fit_with_noise)
{
	/* 3 % lognormal timing noise: parameters within a few sigma / sqrt
	 * of the rows, predictions within 10 % of the noise-free law */
	dc_calib_row rows[48];
	size_t n = synth(&T_GEMM, &T_STREAM, 0.03, 1, rows);
	dc_calib_fit f = fit_of(rows, n);
	const dc_class_fit *g = &f.cls[DC_OC_GEMM];
	near("eta_c_max", g->eta_c_max, T_GEMM.ec, 0.06);
	near("eta_m", g->eta_m, T_GEMM.em, 0.06);
	for (int m = 3; m < 4096; m *= 3) {
		double F = 2.0 * m * 4096 * 4096;
		double B = 2.0 * (4096.0 * 4096 + 2.0 * m * 4096);
		near("held-out prediction",
		     dc_calib_predict(&f, DC_OC_GEMM, F, B, m, 4096.0 * 4096),
		     true_time(&T_GEMM, P_REF, BW_REF, F, B, m), 0.10);
	}
	ck_assert(g->max_rel_err > 0.005 && g->max_rel_err < 0.15);
}
END_TEST

/* A shape the BLAS runs at half speed (as OpenBLAS does a GEMV with a
 * 64 KiB row stride): the law, fitted to both shapes, misses it; the
 * profile's residual curve of that shape puts the prediction back on the
 * measurements, between measured sizes too, and leaves other shapes
 * alone. */
START_TEST(residual_follows_measured_shape)
{
	dc_calib_row rows[48];
	size_t n = synth(&T_GEMM, &T_STREAM, 0, 1, rows);
	for (size_t i = 0; i < n; i++)
		if (rows[i].k == 16384)
			rows[i].time_s *= 2;
	dc_calib_fit f = fit_of(rows, n);
	for (size_t i = 0; i < n; i++)
		near("measured shape", dc_calib_predict_row(&f, &rows[i]),
		     rows[i].time_s, 1e-6);
	/* m = 48, between the measured 32 and 64: the slow shape stays twice
	 * the fast one's truth, within the interpolation's error */
	dc_calib_row r = {.m = 48, .n = 4096, .k = 16384};
	snprintf(r.op, sizeof r.op, "gemm");
	r.flops = 2.0 * 48 * 4096 * 16384;
	r.bytes = 2.0 * (4096.0 * 16384 + 48.0 * (4096 + 16384));
	near("between sizes", dc_calib_predict_row(&f, &r),
	     2 * true_time(&T_GEMM, P_REF, BW_REF, r.flops, r.bytes, 48), 0.03);
	/* a shape the profile never measured: the law alone */
	ck_assert_double_eq(dc_calib_correction(&f, &f.cls[DC_OC_GEMM], 1000,
					       1000, 8), 1.0);
}
END_TEST

START_TEST(fit_refuses)
{
	dc_calib_row rows[48];
	size_t n = synth(&T_GEMM, &T_STREAM, 0, 1, rows);
	dc_calib_fit f;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_calib_fit_rows(rows, n, NULL, 0, BW_REF, &f, &err),
			 DC_EINVAL);
	/* one triad only */
	unsigned char use[48] = {0};
	use[26] = 1;
	ck_assert_int_eq(dc_calib_fit_rows(rows, n, use, P_REF, BW_REF, &f,
					   &err), DC_EINVAL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err), "'stream' has one row"));
	dc_err_free(&err);
}
END_TEST

/* ---- profiles on disk ---- */

static char *write_profile(const dc_calib_row *rows, size_t n)
{
	dc_calib_prov p = {.host = "testhost", .cpu = "Test CPU", .cores = 4,
			   .blas = "none", .dcsim = "test", .date =
			   "2026-11-29T00:00:00Z", .command = "check",
			   .model = "llama2_7b", .peak_flops = P_REF,
			   .peak_bw = BW_REF, .peak_note = "synthetic"};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_calib_write(f, &p, rows, n, &err), DC_OK);
	fclose(f);
	return buf;
}

static int read_profile(const char *text, dc_profile *p, dc_err *err)
{
	dc_table *t = NULL;
	int rc = dc_table_load_string("p.csv", text, strlen(text), &t, err);
	if (!rc)
		rc = dc_profile_from_table(t, p, err);
	dc_table_free(t);
	return rc;
}

START_TEST(profile_round_trip)
{
	dc_calib_row rows[48];
	size_t n = synth(&T_GEMM, &T_STREAM, 0.03, 1, rows);
	char *text = write_profile(rows, n);
	dc_profile p;
	dc_err err = DC_ERR_INIT;
	ck_assert_msg(read_profile(text, &p, &err) == DC_OK, "%s",
		      dc_err_text(&err));
	ck_assert_uint_eq(p.n, n);
	ck_assert_str_eq(p.device, "Test CPU");
	ck_assert_double_eq(p.peak_flops, P_REF);
	ck_assert_double_eq(p.peak_bw, BW_REF);
	ck_assert_ptr_nonnull(strstr(p.source, "testhost"));
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(p.rows[i].op, rows[i].op);
		ck_assert_int_eq(p.rows[i].m, rows[i].m);
		/* written with 9 significant digits */
		near("time", p.rows[i].time_s, rows[i].time_s, 1e-8);
		near("flops", p.rows[i].flops, rows[i].flops, 1e-8);
	}
	dc_profile_free(&p);
	free(text);
	dc_err_free(&err);
}
END_TEST

/* Replace the first FROM in TEXT by TO (new string). */
static char *edit(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	ck_assert_ptr_nonnull(at);
	size_t a = (size_t)(at - text), lf = strlen(from), lt = strlen(to);
	char *out = malloc(strlen(text) - lf + lt + 1);
	memcpy(out, text, a);
	memcpy(out + a, to, lt);
	strcpy(out + a + lt, at + lf);
	return out;
}

START_TEST(profile_refusals)
{
	dc_calib_row rows[48];
	size_t n = synth(&T_GEMM, &T_STREAM, 0, 1, rows);
	char *text = write_profile(rows, n);
	dc_profile p;
	dc_err err = DC_ERR_INIT;
	/* a missing column */
	char *bad = edit(text, ",time_s,", ",seconds,");
	ck_assert_int_eq(read_profile(bad, &p, &err), DC_EINVAL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err),
				     "profile has no column 'time_s'"));
	free(bad);
	dc_err_free(&err);
	/* a missing peak line */
	bad = edit(text, "# peak_bw:", "# bandwidth:");
	ck_assert_int_eq(read_profile(bad, &p, &err), DC_EINVAL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err), "'# peak_bw:'"));
	free(bad);
	dc_err_free(&err);
	/* a non-monotonic curve: the gemm at m = 2 made 10x faster than at
	 * m = 1 (line: the provenance block is 16 lines + header) */
	char at2[64], fast[64];
	snprintf(at2, sizeof at2, "gemm,2,4096,4096,5,%.9g,", rows[1].time_s);
	snprintf(fast, sizeof fast, "gemm,2,4096,4096,5,%.9g,",
		 rows[1].time_s / 10);
	bad = edit(text, at2, fast);
	ck_assert_int_eq(read_profile(bad, &p, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "non-monotonic curve: gemm") &&
		      strstr(dc_err_text(&err), "p.csv:"), "%s",
		      dc_err_text(&err));
	free(bad);
	dc_err_free(&err);
	/* an unknown operator, at its position */
	bad = edit(text, "\ntriad,", "\nfrobnicate,");
	ck_assert_int_eq(read_profile(bad, &p, &err), DC_EINVAL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err),
				     ":1: error: column 'op': unknown "
				     "operator 'frobnicate'"));
	free(bad);
	dc_err_free(&err);
	/* a non-positive time */
	bad = edit(text, at2, "gemm,2,4096,4096,5,0,");
	ck_assert_int_eq(read_profile(bad, &p, &err), DC_EINVAL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err), "column 'time_s'"));
	free(bad);
	dc_err_free(&err);
	free(text);
}
END_TEST

/* ---- the performance model follows its profile ---- */

static dc_llm_perf *perf_on(const dc_calib_fit *f, const char *model,
			    const char *acc);

static dc_llm_perf *perf_with(const dc_calib_fit *f)
{
	return perf_on(f, "llama2_7b", "h100_sxm");
}

START_TEST(perf_follows_profile)
{
	dc_calib_row rows[48], slow[48];
	size_t n = synth(&T_GEMM, &T_STREAM, 0, 1, rows);
	synth(&T_GEMM, &T_STREAM, 0, 2, slow);  /* every call twice as long */
	dc_calib_fit f1 = fit_of(rows, n), f2 = fit_of(slow, n);
	dc_llm_perf *p1 = perf_with(&f1), *p2 = perf_with(&f2);
	/* the linear layers take the GEMM law: twice the time everywhere */
	for (int T = 1; T <= 2048; T *= 4)
		near("linear time x2", dc_llm_perf_linear_time(p2, T, 1),
		     2 * dc_llm_perf_linear_time(p1, T, 1), 0.01);
	/* and the law's own figures: at T tokens on the H100 (989 TFLOP/s
	 * fp16, 3.35 TB/s) the four linear ops of Llama-2-7B (4096, 12288,
	 * 4096, 22016 x 4096 and 11008) at eta_c(T) of the truth */
	double T = 2048, F = 2 * T * 4096.0 * (12288 + 4096 + 22016) +
				 2 * T * 11008.0 * 4096;
	double ec = T_GEMM.ec * pow(T, T_GEMM.g) /
		    (pow(T, T_GEMM.g) + pow(T_GEMM.sh, T_GEMM.g));
	near("compute-bound linear time", dc_llm_perf_linear_time(p1, T, 1),
	     F / (ec * 989e12), 0.03);
	/* a whole decode iteration: slower with the slower profile, by less
	 * than 2x (CPU overheads are not in the profile) */
	int32_t q = 1, c = 1000;
	dc_iter_out o1, o2;
	ck_assert_int_eq(dc_llm_perf_iter(p1, 1, &q, &c, 1.0, &o1), DC_OK);
	ck_assert_int_eq(dc_llm_perf_iter(p2, 1, &q, &c, 1.0, &o2), DC_OK);
	ck_assert(o2.time_s > 1.3 * o1.time_s && o2.time_s < 2 * o1.time_s);
	dc_llm_perf_free(p1);
	dc_llm_perf_free(p2);
	/* no fitted profile: refused */
	dc_llm_perf_opts o;
	dc_llm_perf_opts_default(&o);
	o.profile = DC_LLM_PROFILE_CALIBRATED;
	dc_llm_arch a = {.name = "x", .layers = 1, .hidden = 64, .heads = 4,
			 .kv_heads = 4, .ffn = 128, .vocab = 100, .gated = 1};
	dc_accel h = {.name = "g", .peak_fp16 = 1e12, .hbm_bw = 1e11,
		      .hbm_bytes = 1e10, .idle_w = 10, .prefill_w = 100,
		      .decode_w = 50};
	dc_llm_perf *p = NULL;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_llm_perf_new(&a, &h, 1, &o, &p, &err), DC_EINVAL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err), "fitted profile"));
	dc_err_free(&err);
}
END_TEST

static dc_calib_fit fit_file(const char *path)
{
	dc_table *t = NULL;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_table_load(path, &t, &err), DC_OK);
	dc_profile p;
	ck_assert_msg(dc_profile_from_table(t, &p, &err) == DC_OK, "%s",
		      dc_err_text(&err));
	dc_calib_fit f;
	ck_assert_int_eq(dc_calib_fit_rows(p.rows, p.n, NULL, p.peak_flops,
					   p.peak_bw, &f, &err), DC_OK);
	dc_profile_free(&p);
	dc_table_free(t);
	dc_err_free(&err);
	return f;
}

static dc_llm_perf *perf_on(const dc_calib_fit *f, const char *model,
			    const char *acc)
{
	dc_table *m = NULL, *g = NULL;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_table_load("data/llm_models.csv", &m, &err), 0);
	ck_assert_int_eq(dc_table_load("data/accelerators.csv", &g, &err), 0);
	dc_llm_arch a;
	dc_accel h;
	ck_assert_int_eq(dc_llm_arch_load(m, model, &a, &err), 0);
	ck_assert_int_eq(dc_accel_load(g, acc, &h, &err), 0);
	dc_llm_perf_opts o;
	dc_llm_perf_opts_default(&o);
	o.profile = DC_LLM_PROFILE_CALIBRATED;
	o.calib = f;
	dc_llm_perf *p = NULL;
	int rc = dc_llm_perf_new(&a, &h, 1, &o, &p, &err);
	ck_assert_msg(rc == DC_OK, "%s", dc_err_text(&err));
	dc_table_free(m);
	dc_table_free(g);
	dc_err_free(&err);
	return p;
}

/* The whole chain on a published profile: Vidur's A100 table imported by
 * dcsim calibrate --import (data/calibration/vidur_llama2_7b_a100_80gb.csv),
 * fitted, and used by the performance model, reproduces llm.md V3 - the
 * four linear operators of one Llama-2-7B layer on an A100 - within its
 * +-15 %. */
START_TEST(imported_vidur_reproduces_v3)
{
	dc_calib_fit f = fit_file("data/calibration/vidur_llama2_7b_a100_80gb.csv");
	dc_llm_perf *p = perf_on(&f, "llama2_7b", "a100_80gb");
	static const double n[] = {1, 128, 512, 2048, 4096};
	static const double ms[] = {0.266, 0.352, 0.953, 3.82, 7.40};
	for (size_t i = 0; i < DC_ARRAY_LEN(n); i++) {
		/* the fitted law, without the per-call overheads the
		 * iteration adds once per kernel */
		double t = dc_llm_perf_linear_time(p, n[i], 1.0) +
			   4 * f.cls[DC_OC_GEMM].t0;
		near("V3 linear ops", t * 1e3, ms[i], 0.15);
	}
	dc_llm_perf_free(p);
}
END_TEST

/* A profile of whole iterations (Splitwise's H100 TP8 table imported):
 * the model times each iteration by the prefill or decode law alone, with
 * no per-operator split and no overheads added (the table's times hold
 * them).  llm.md V7 (56.7 / 136.6 / 848 ms prompts of 512 / 2048 / 8192;
 * 29.7 / 34.2 / 50.0 ms decode at batch 1 / 16 / 64) within 35 %: a law
 * of FLOPs and bytes does not capture the table's per-sequence decode
 * cost or its U-shaped prefill efficiency (the table back end, profile
 * splitwise, interpolates it exactly). */
START_TEST(imported_splitwise_whole_iterations)
{
	dc_calib_fit f =
		fit_file("data/calibration/splitwise_llama2_70b_h100_sxm_tp8.csv");
	ck_assert(f.cls[DC_OC_ITER].rows && f.cls[DC_OC_ITER_DECODE].rows);
	dc_table *m = NULL, *g = NULL;
	ck_assert_int_eq(dc_table_load("data/llm_models.csv", &m, NULL), 0);
	ck_assert_int_eq(dc_table_load("data/accelerators.csv", &g, NULL), 0);
	dc_llm_arch a;
	dc_accel h;
	ck_assert_int_eq(dc_llm_arch_load(m, "llama2_70b", &a, NULL), 0);
	ck_assert_int_eq(dc_accel_load(g, "h100_sxm", &h, NULL), 0);
	dc_llm_perf_opts o;
	dc_llm_perf_opts_default(&o);
	o.profile = DC_LLM_PROFILE_CALIBRATED;
	o.calib = &f;
	o.link_bw = 450e9 * 8;
	dc_llm_perf *p = NULL;
	ck_assert_int_eq(dc_llm_perf_new(&a, &h, 8, &o, &p, NULL), DC_OK);
	static const int32_t prompt[] = {512, 2048, 8192}, batch[] = {1, 16, 64};
	static const double prompt_ms[] = {56.7, 136.6, 848};
	static const double token_ms[] = {29.7, 34.2, 50.0};
	for (int i = 0; i < 3; i++) {
		int32_t q[64], c[64];
		dc_iter_out out;
		int32_t zero = 0;
		ck_assert_int_eq(dc_llm_perf_iter(p, 1, &prompt[i], &zero, 1.0,
						  &out), DC_OK);
		ck_assert_double_eq(out.cpu_s + out.comm_s, 0);
		near("prompt time", out.time_s * 1e3, prompt_ms[i], 0.35);
		for (int k = 0; k < batch[i]; k++)
			q[k] = 1, c[k] = 576;
		ck_assert_int_eq(dc_llm_perf_iter(p, (size_t)batch[i], q, c,
						  1.0, &out), DC_OK);
		near("token time", out.time_s * 1e3, token_ms[i], 0.35);
	}
	dc_llm_perf_free(p);
	dc_table_free(m);
	dc_table_free(g);
}
END_TEST

/* The committed host profile reads back, fits every class it has, and
 * reproduces its own rows (fit quality, not a held-out check: that is
 * `dcsim calibrate --check`). */
START_TEST(host_profile_fits)
{
	dc_table *t = NULL;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_table_load("data/calibration/host_amd_epyc_2core.csv",
				       &t, &err), DC_OK);
	dc_profile p;
	ck_assert_msg(dc_profile_from_table(t, &p, &err) == DC_OK, "%s",
		      dc_err_text(&err));
	dc_calib_fit f;
	ck_assert_int_eq(dc_calib_fit_rows(p.rows, p.n, NULL, p.peak_flops,
					   p.peak_bw, &f, &err), DC_OK);
	for (int c = 0; c < DC_OC_ITER; c++) {
		ck_assert_msg(f.cls[c].rows >= 4, "%s", dc_op_class_name(c));
		ck_assert_msg(f.cls[c].r2 > 0.95, "%s R2 %g",
			      dc_op_class_name(c), f.cls[c].r2);
	}
	dc_profile_free(&p);
	dc_table_free(t);
	dc_err_free(&err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("calib_fit");
	TCase *t = tcase_create("calib_fit");
	tcase_set_timeout(t, 60);
	tcase_add_test(t, fit_recovers_known_law);
	tcase_add_test(t, fit_with_noise);
	tcase_add_test(t, fit_refuses);
	tcase_add_test(t, residual_follows_measured_shape);
	tcase_add_test(t, profile_round_trip);
	tcase_add_test(t, profile_refusals);
	tcase_add_test(t, perf_follows_profile);
	tcase_add_test(t, host_profile_fits);
	tcase_add_test(t, imported_vidur_reproduces_v3);
	tcase_add_test(t, imported_splitwise_whole_iterations);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return dc_test_main(suite());
}
