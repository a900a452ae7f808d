/* check_gpu_trace.c - nvidia-smi trace lines (values, N/A, errors at
 * line:col), the power-vs-utilisation fit and the thermal RC fit against
 * known truths (synthetic data with seeded noise; the RC trace integrated
 * here from the closed form of each step), the refusal of a flat trace,
 * throttle reason shares. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "../models/gpu_trace.h"
#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "../sim/rng.h"
#include "util/run.h"

static int parse(const char *text, dc_gpu_trace *tr, dc_err *err)
{
	return dc_gpu_trace_parse("trace.csv", text, strlen(text), tr, err);
}

/* Lines as nvidia-smi --query-gpu=DC_GPU_TRACE_QUERY
 * --format=csv,noheader,nounits -lms 50 prints them (and the header
 * line it prints without noheader). */
START_TEST(parses_nvidia_smi_lines)
{
	const char *text =
		"# dcsim calibrate --gpu trace\n"
		"timestamp, power.draw [W], temperature.gpu, clocks.current.sm"
		" [MHz], utilization.gpu [%], clocks_throttle_reasons.active\n"
		"2026/11/29 01:02:03.456, 85.23, 45, 1980, 0, "
		"0x0000000000000001\r\n"
		"\n"
		"2026/11/29 01:02:03.506, 698.70, 46, 1755, 100, "
		"0x0000000000000004\n"
		"2026/11/29 01:02:04.006, [N/A], 47, [N/A], 100, [N/A]\n"
		"2026/11/29 01:02:04.056, 702.5, 48, 1740, 100, "
		"0x0000000000000024";
	dc_gpu_trace tr;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(parse(text, &tr, &err), DC_OK);
	ck_assert_uint_eq(tr.n, 4);
	/* 2026-11-29 01:02:03 UTC is 1795914123 s after the epoch */
	ck_assert_double_eq_tol(tr.t0_epoch_s, 1795914123.456, 1e-6);
	ck_assert_double_eq_tol(tr.s[0].t_s, 0, 1e-9);
	ck_assert_double_eq_tol(tr.s[1].t_s, 0.050, 1e-6);
	ck_assert_double_eq_tol(tr.s[2].t_s, 0.550, 1e-6);
	ck_assert_double_eq_tol(tr.s[0].power_W, 85.23, 1e-12);
	ck_assert_double_eq_tol(tr.s[1].temp_C, 46, 1e-12);
	ck_assert_double_eq_tol(tr.s[1].sm_clock_MHz, 1755, 1e-12);
	ck_assert_double_eq_tol(tr.s[0].util, 0, 1e-12);
	ck_assert_double_eq_tol(tr.s[1].util, 1, 1e-12);
	ck_assert_uint_eq(tr.s[0].throttle, 0x1);
	ck_assert_uint_eq(tr.s[3].throttle, 0x24);
	ck_assert(isnan(tr.s[2].power_W) && isnan(tr.s[2].sm_clock_MHz));
	ck_assert_uint_eq(tr.s[2].throttle, DC_GPU_THROTTLE_NA);
	ck_assert_double_eq_tol(tr.s[2].temp_C, 47, 1e-12);
	ck_assert_double_eq_tol(dc_gpu_trace_median_dt(&tr), 0.05, 1e-6);
	dc_gpu_sample m;
	/* samples 1 and 2 (power of 1 only: 2's is N/A) */
	ck_assert_uint_eq(dc_gpu_trace_mean(&tr, 0.01, 0.58, &m), 2);
	ck_assert_double_eq_tol(m.power_W, 698.70, 1e-9);
	ck_assert_double_eq_tol(m.temp_C, 46.5, 1e-9);
	ck_assert_uint_eq(m.throttle, 0x4);
	ck_assert_str_eq(dc_err_text(&err), "");
	dc_gpu_trace_free(&tr);
	dc_gpu_trace_free(NULL);
	/* a leap day, a date with '-' and no fraction */
	ck_assert_int_eq(parse("2024-02-29 23:59:59, 1, 2, 3, 4, 0x0\n",
			       &tr, &err), DC_OK);
	ck_assert_double_eq_tol(tr.t0_epoch_s, 1709251199.0, 1e-6);
	dc_gpu_trace_free(&tr);
	dc_err_free(&err);
}
END_TEST

/* Each bad line is reported at its field's line:col, all of them. */
START_TEST(malformed_lines_name_line_and_column)
{
	const char *text =
		"2026/11/29 01:02:03.456, 85.23, 45, 1980, 0, 0x1\n"
		"2026/11/29 01:02:03.506, abc, 46, 1755, 100, 0x4\n"
		"2026/11/29 01:02:03.556, 85.23, 45, 1980\n"
		"2026/13/29 01:02:03.606, 85.23, 45, 1980, 0, 0x1\n"
		"2026/11/29 01:02:03.656, 85.23, 45, 1980, 140, 0x1\n"
		"2026/11/29 01:02:03.706, 85.23, 45, 1980, 0, 4\n"
		"2026/11/29 01:02:02.000, 85.23, 45, 1980, 0, 0x1\n"
		"2026/11/29 01:02:03.756, 85.23, 45, 1980, 0, 0x1, 7\n";
	dc_gpu_trace tr;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(parse(text, &tr, &err), DC_EINVAL);
	ck_assert_ptr_null(tr.s);
	ck_assert_uint_eq(tr.n, 0);
	const char *want[] = {
		"trace.csv:2:26: error: power.draw: expected a number (W), "
		"got 'abc'\n",
		"trace.csv:3:41: error: expected 6 fields (timestamp,power.draw,"
		"temperature.gpu,clocks.sm,utilization.gpu,"
		"clocks_throttle_reasons.active), got 4\n",
		"trace.csv:4:1: error: timestamp: expected YYYY/MM/DD "
		"HH:MM:SS.fff, got '2026/13/29 01:02:03.606'\n",
		"trace.csv:5:43: error: utilization.gpu: 140 % is outside "
		"0..100\n",
		"trace.csv:6:46: error: clocks_throttle_reasons.active: "
		"expected a hex mask like 0x0000000000000004, got '4'\n",
		"trace.csv:7:1: error: timestamp: 1.456 s earlier than the line "
		"before\n",
		"trace.csv:8:51: error: expected 6 fields"};
	const char *t = dc_err_text(&err);
	for (size_t i = 0; i < DC_ARRAY_LEN(want); i++)
		ck_assert_msg(strstr(t, want[i]), "missing '%s' in:\n%s",
			      want[i], t);
	ck_assert_int_eq(err.count, 7);
	dc_err_free(&err);
	/* nothing but comments */
	ck_assert_int_eq(parse("# nothing\n\n", &tr, &err), DC_EINVAL);
	ck_assert_str_eq(dc_err_text(&err), "error: trace.csv: no samples\n");
	dc_err_free(&err);
}
END_TEST

START_TEST(many_bad_lines_are_capped)
{
	char text[4096] = "";
	for (int i = 0; i < 15; i++)
		strcat(text, "x, 1, 2, 3, 4, 0x0\n");
	dc_gpu_trace tr;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(parse(text, &tr, &err), DC_EINVAL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err), "trace.csv:10:1: "));
	ck_assert_ptr_null(strstr(dc_err_text(&err), "trace.csv:11:1: "));
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err),
				     "trace.csv: 5 more bad lines not shown"));
	dc_err_free(&err);
}
END_TEST

START_TEST(parse_out_of_memory)
{
	dc_gpu_trace tr;
	dc_err err = DC_ERR_INIT;
	dc_alloc_fail_after(0);
	int rc = parse("2026/11/29 01:02:03.456, 85, 45, 1980, 0, 0x1\n", &tr,
		       &err);
	dc_alloc_fail_after(-1);
	ck_assert_int_eq(rc, DC_ENOMEM);
	ck_assert_ptr_null(tr.s);
	dc_err_free(&err);
}
END_TEST

/* ------------------------------------------------------------ power law */

/* Truth of the synthetic board: an H100-like 75 W idle, 700 W at full
 * load, alpha 1.4. */
#define P_IDLE 75.0
#define P_MAX 700.0
#define ALPHA 1.4

static double truth_power(double u)
{
	return P_IDLE + (P_MAX - P_IDLE) * (u > 0 ? pow(u, ALPHA) : 0);
}

START_TEST(power_fit_recovers_exact_law)
{
	double u[11], p[11];
	for (int i = 0; i <= 10; i++)
		u[i] = i / 10.0, p[i] = truth_power(u[i]);
	dc_gpu_power_law f;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_gpu_fit_power(u, p, 11, &f, &err), DC_OK);
	ck_assert_double_eq_tol(f.p_idle_W, P_IDLE, 1e-6);
	ck_assert_double_eq_tol(f.p_max_W, P_MAX, 1e-6);
	ck_assert_double_eq_tol(f.alpha, ALPHA, 1e-8);
	ck_assert(f.r2 > 1 - 1e-12 && f.max_rel_err < 1e-8);
	ck_assert_double_eq_tol(dc_gpu_power_eval(&f, 0.5), truth_power(0.5),
				1e-6);
	dc_err_free(&err);
}
END_TEST

/* 21 utilisations x 5 samples, Gaussian noise sd 5 W (seeded).  The
 * least-squares standard errors at this design are about 1 W for P_idle
 * and P_max and 0.01 for alpha; the tolerances are 4 W and 0.04 (about
 * four of them), R^2 > 0.995 (the noise is 0.1 % of the variance) and
 * max relative error < 0.25 (4 sd of noise over the 75 W floor). */
START_TEST(power_fit_recovers_noisy_law)
{
	enum { N = 105 };
	double u[N], p[N];
	gsl_rng *r = dc_rng_new(NULL, 20261129, 0, 1);
	for (int i = 0; i < N; i++) {
		u[i] = (i % 21) / 20.0;
		p[i] = truth_power(u[i]) + gsl_ran_gaussian(r, 5.0);
	}
	gsl_rng_free(r);
	dc_gpu_power_law f;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_gpu_fit_power(u, p, N, &f, &err), DC_OK);
	fprintf(stderr, "power fit: P_idle %.3f W (true %.1f), P_max %.3f W "
		"(true %.1f), alpha %.4f (true %.2f), R^2 %.6f, max rel err "
		"%.4f, rms %.3f W, %zu iterations\n", f.p_idle_W, P_IDLE,
		f.p_max_W, P_MAX, f.alpha, ALPHA, f.r2, f.max_rel_err, f.rms_W,
		f.iterations);
	ck_assert_msg(fabs(f.p_idle_W - P_IDLE) < 4, "P_idle %g", f.p_idle_W);
	ck_assert_msg(fabs(f.p_max_W - P_MAX) < 4, "P_max %g", f.p_max_W);
	ck_assert_msg(fabs(f.alpha - ALPHA) < 0.04, "alpha %g", f.alpha);
	ck_assert_msg(f.r2 > 0.995, "R^2 %g", f.r2);
	ck_assert_msg(f.max_rel_err < 0.25, "max rel err %g", f.max_rel_err);
	ck_assert_uint_eq(f.n, N);
	dc_err_free(&err);
}
END_TEST

START_TEST(power_fit_refuses_unidentifiable)
{
	dc_gpu_power_law f;
	dc_err err = DC_ERR_INIT;
	/* idle and full load only: alpha is not identifiable */
	double u2[] = {0, 0, 1, 1, NAN}, p2[] = {75, 76, 700, 701, 300};
	ck_assert_int_eq(dc_gpu_fit_power(u2, p2, 5, &f, &err), DC_EINVAL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err), "4 points at 2 "
				     "distinct utilisations"));
	dc_err_free(&err);
	double u3[] = {0, 0.5, 1, 0.7}, p3[] = {300, 300.2, 300.4, 300};
	ck_assert_int_eq(dc_gpu_fit_power(u3, p3, 4, &f, &err), DC_EINVAL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err), "does not vary"));
	dc_err_free(&err);
	double u4[] = {0, 0.5, 1.2, 0.7}, p4[] = {75, 300, 700, 400};
	ck_assert_int_eq(dc_gpu_fit_power(u4, p4, 4, &f, &err), DC_EINVAL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err), "outside u in 0..1"));
	dc_err_free(&err);
}
END_TEST

/* ------------------------------------------------------------ thermal RC */

/* Truth: air at 30 C, R_th 0.06 K/W, tau 40 s (C_th 666.7 J/K). */
#define T_REF 30.0
#define R_TH 0.06
#define TAU 40.0

/* A 20 Hz trace: 60 s idle at 75 W (from its steady state), 240 s at
 * 700 W, 300 s idle.  The power steps at sample times; T follows the
 * closed form T = T_ss + (T_start - T_ss) exp(-(t - t_step) / tau) of
 * each step, evaluated here (not integrated the way the fit does).
 * Noise sd NOISE K (seeded), then rounded to whole degC when ROUND (as
 * nvidia-smi reports temperature.gpu). */
static dc_gpu_sample *step_trace(size_t *n, double noise, int round_)
{
	const double dt = 0.05, t1 = 60, t2 = 300, t3 = 600;
	*n = (size_t)(t3 / dt) + 1;
	dc_gpu_sample *s = calloc(*n, sizeof *s);
	gsl_rng *r = dc_rng_new(NULL, 20261129, 0, 2);
	double T1 = T_REF + R_TH * 700, T0 = T_REF + R_TH * 75;
	double Tup = T1 + (T0 - T1) * exp(-(t2 - t1) / TAU); /* at t2 */
	for (size_t i = 0; i < *n; i++) {
		double t = (double)i * dt, T;
		if (i < (size_t)(t1 / dt + 0.5))
			T = T0, s[i].power_W = 75;
		else if (i < (size_t)(t2 / dt + 0.5))
			T = T1 + (T0 - T1) * exp(-(t - t1) / TAU),
			s[i].power_W = 700;
		else
			T = T0 + (Tup - T0) * exp(-(t - t2) / TAU),
			s[i].power_W = 75;
		T += noise > 0 ? gsl_ran_gaussian(r, noise) : 0;
		s[i].t_s = t;
		s[i].temp_C = round_ ? round(T) : T;
		s[i].util = s[i].power_W > 100;
		s[i].sm_clock_MHz = 1980;
		s[i].throttle = 0;
	}
	gsl_rng_free(r);
	return s;
}

START_TEST(rc_fit_recovers_exact_trace)
{
	size_t n;
	dc_gpu_sample *s = step_trace(&n, 0, 0);
	dc_gpu_rc f;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_gpu_fit_rc(s, n, &f, &err), DC_OK);
	ck_assert_double_eq_tol(f.t_ref_C, T_REF, 1e-6);
	ck_assert_double_eq_tol(f.r_th, R_TH, 1e-9);
	ck_assert_double_eq_tol(f.tau_s, TAU, 1e-5);
	ck_assert_double_eq_tol(f.c_th, TAU / R_TH, 1e-3);
	ck_assert_double_eq_tol(f.t0_C, T_REF + R_TH * 75, 1e-6);
	ck_assert(f.rms_K < 1e-6 && f.r2 > 1 - 1e-12);
	double *t = malloc(n * sizeof *t);
	dc_gpu_rc_eval(&f, s, n, t);
	ck_assert_double_eq_tol(t[n - 1], s[n - 1].temp_C, 1e-6);
	free(t), free(s);
	dc_err_free(&err);
}
END_TEST

/* 12,001 samples with 0.25 K noise rounded to 1 C (rms 0.4 K): the
 * standard errors are of order 1e-4 K/W, 0.1 s and 0.03 K; the tolerances
 * are 2 % of R_th and tau and 0.3 K on T_ref, and the rms residual must
 * be that of the noise and rounding (< 0.5 K). */
START_TEST(rc_fit_recovers_noisy_trace)
{
	size_t n;
	dc_gpu_sample *s = step_trace(&n, 0.25, 1);
	s[100].temp_C = NAN; /* a missing reading adds no residual */
	s[4000].power_W = NAN; /* a missing power holds the last one */
	dc_gpu_rc f;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_gpu_fit_rc(s, n, &f, &err), DC_OK);
	fprintf(stderr, "rc fit: T_ref %.3f C (true %.1f), R_th %.5f K/W "
		"(true %.3f), tau %.3f s (true %.1f), C_th %.1f J/K (true "
		"%.1f), R^2 %.5f, rms %.3f K, max %.3f K, %zu samples, %zu "
		"iterations\n", f.t_ref_C, T_REF, f.r_th, R_TH, f.tau_s, TAU,
		f.c_th, TAU / R_TH, f.r2, f.rms_K, f.max_abs_K, f.n,
		f.iterations);
	ck_assert_msg(fabs(f.r_th - R_TH) < 0.02 * R_TH, "R_th %g", f.r_th);
	ck_assert_msg(fabs(f.tau_s - TAU) < 0.02 * TAU, "tau %g", f.tau_s);
	ck_assert_msg(fabs(f.t_ref_C - T_REF) < 0.3, "T_ref %g", f.t_ref_C);
	ck_assert_msg(f.rms_K < 0.5 && f.r2 > 0.99, "rms %g K, R^2 %g",
		      f.rms_K, f.r2);
	ck_assert_uint_eq(f.n, n - 1);
	free(s);
	dc_err_free(&err);
}
END_TEST

/* Constant power: R_th and T_ref only appear as T_ref + R_th P and tau has
 * nothing to act on. */
START_TEST(rc_fit_refuses_flat_trace)
{
	enum { N = 2000 };
	dc_gpu_sample *s = calloc(N, sizeof *s);
	gsl_rng *r = dc_rng_new(NULL, 20261129, 0, 3);
	for (int i = 0; i < N; i++)
		s[i] = (dc_gpu_sample){.t_s = 0.05 * i,
				       .power_W = 300 + gsl_ran_gaussian(r, 1),
				       .temp_C = 50 + round(gsl_ran_gaussian(r, 2)),
				       .util = 0.5, .throttle = 0};
	gsl_rng_free(r);
	dc_gpu_rc f = {0};
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_gpu_fit_rc(s, N, &f, &err), DC_EINVAL);
	const char *t = dc_err_text(&err);
	ck_assert_msg(strstr(t, "error: thermal fit: the power never changes") &&
		      strstr(t, "time constant") &&
		      strstr(t, "heat-up under load and a cool-down"), "%s", t);
	ck_assert_double_eq(f.tau_s, 0); /* not written */
	dc_err_free(&err);
	/* the power steps but the temperature never moves */
	for (int i = 0; i < N; i++)
		s[i].power_W = i < N / 2 ? 75 : 700, s[i].temp_C = 40;
	ck_assert_int_eq(dc_gpu_fit_rc(s, N, &f, &err), DC_EINVAL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err), "stays within 0 K"));
	dc_err_free(&err);
	/* time going back */
	s[10].t_s = 0;
	s[5].temp_C = 60;
	ck_assert_int_eq(dc_gpu_fit_rc(s, N, &f, &err), DC_EINVAL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err), "before the one"));
	dc_err_free(&err);
	free(s);
}
END_TEST

/* ------------------------------------------------------ throttle reasons */

START_TEST(throttle_reasons_and_shares)
{
	ck_assert_str_eq(dc_gpu_throttle_name(0x1), "gpu_idle");
	ck_assert_str_eq(dc_gpu_throttle_name(0x4), "sw_power_cap");
	ck_assert_str_eq(dc_gpu_throttle_name(0x8), "hw_slowdown");
	ck_assert_str_eq(dc_gpu_throttle_name(0x20), "sw_thermal_slowdown");
	ck_assert_str_eq(dc_gpu_throttle_name(0x40), "hw_thermal_slowdown");
	ck_assert_str_eq(dc_gpu_throttle_name(0x80), "hw_power_brake_slowdown");
	ck_assert_str_eq(dc_gpu_throttle_name(0x100), "display_clock_setting");
	ck_assert_ptr_null(dc_gpu_throttle_name(0x3));
	ck_assert_ptr_null(dc_gpu_throttle_name(0x200));
	dc_gpu_sample s[5] = {{.throttle = 0x4}, {.throttle = 0x24},
			      {.throttle = 0}, {.throttle = DC_GPU_THROTTLE_NA},
			      {.throttle = 0x1}};
	dc_gpu_throttle_share sh[DC_GPU_THROTTLE_BITS];
	ck_assert_uint_eq(dc_gpu_throttle_shares(s, 5, sh), 4);
	ck_assert_str_eq(sh[2].name, "sw_power_cap");
	ck_assert_uint_eq(sh[2].samples, 2);
	ck_assert_double_eq_tol(sh[2].share, 0.5, 1e-12);
	ck_assert_double_eq_tol(sh[5].share, 0.25, 1e-12); /* sw thermal */
	ck_assert_double_eq_tol(sh[0].share, 0.25, 1e-12); /* idle */
	ck_assert_double_eq_tol(sh[6].share, 0, 1e-12);
	ck_assert_uint_eq(dc_gpu_throttle_shares(s + 3, 1, sh), 0);
	ck_assert(isnan(sh[0].share));
}
END_TEST

/* ------------------------------------------------------------- analysis */

/* A load program as dcsim calibrate --gpu runs it, traced the way
 * nvidia-smi prints it: idle, a duty-cycle staircase, a sustained load and
 * a cool-down.  Truth: P(u) = 90 + 590 u^0.9 W, T_ref 35 C, R_th 0.05 K/W,
 * tau 25 s.  The trace starts 1 s before the program, at 20 Hz; power
 * noise sd 2 W, temperature noise sd 0.2 K then whole degrees. */
#define A_PI 90.0
#define A_PM 680.0
#define A_AL 0.9
#define A_TR 35.0
#define A_R 0.05
#define A_TAU 25.0
#define A_E0 1795914123.0 /* 2026/11/29 01:02:03 UTC */

static const struct {
	double duty, seconds;
} a_stages[] = {{0, 10}, {0.25, 6}, {0.5, 6}, {0.75, 6}, {1, 120}, {0, 120}};

static double a_power(double u) { return A_PI + (A_PM - A_PI) * pow(u, A_AL); }

/* The nvidia-smi text of the program; T_START gets the stage times. */
static char *a_trace(double *t_start)
{
	size_t ns = DC_ARRAY_LEN(a_stages), cap = 1 << 20, len = 0;
	char *text = malloc(cap);
	gsl_rng *r = dc_rng_new(NULL, 20261129, 0, 4);
	t_start[0] = A_E0;
	for (size_t i = 0; i < ns; i++)
		t_start[i + 1] = t_start[i] + a_stages[i].seconds;
	double T = A_TR + A_R * A_PI, tprev = A_E0 - 1, P = A_PI;
	for (long ms = -1000; A_E0 + ms / 1e3 < t_start[ns]; ms += 50) {
		double t = A_E0 + ms / 1e3, duty = 0;
		for (size_t i = 0; i < ns; i++)
			if (t >= t_start[i])
				duty = a_stages[i].duty;
		/* closed form over the interval since the last sample, at
		 * the power that held there */
		double tss = A_TR + A_R * P;
		T = tss + (T - tss) * exp(-(t - tprev) / A_TAU);
		tprev = t, P = a_power(duty);
		long whole = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
		long frac = ms - whole * 1000;
		time_t sec = (time_t)A_E0 + whole;
		struct tm tm;
		gmtime_r(&sec, &tm);
		char ts[32];
		strftime(ts, sizeof ts, "%Y/%m/%d %H:%M:%S", &tm);
		len += (size_t)snprintf(text + len, cap - len,
			"%s.%03ld, %.2f, %.0f, %d, %.0f, 0x%016x\n", ts, frac,
			P + gsl_ran_gaussian(r, 2), round(T + gsl_ran_gaussian(r, 0.2)),
			duty == 1 ? 1755 : 1980, duty * 100,
			duty == 1 ? 0x4u : duty == 0 ? 0x1u : 0u);
		ck_assert(len < cap);
	}
	gsl_rng_free(r);
	return text;
}

/* Stage means feed the power law (sd of a 6 s mean: 0.18 W; tolerances
 * 1 W and 0.01 in alpha, about 5 standard errors), the whole trace the RC
 * (tolerances 2 % of R_th and tau, 0.5 K on T_ref), every sample the
 * throttle shares (exact: the masks follow the duty). */
START_TEST(analysis_of_a_load_program)
{
	double t_start[DC_ARRAY_LEN(a_stages) + 1], duty[DC_ARRAY_LEN(a_stages)];
	char *text = a_trace(t_start);
	for (size_t i = 0; i < DC_ARRAY_LEN(a_stages); i++)
		duty[i] = a_stages[i].duty;
	dc_gpu_trace tr;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(parse(text, &tr, &err), DC_OK);
	ck_assert_double_eq_tol(tr.t0_epoch_s, A_E0 - 1, 1e-6);
	dc_gpu_analysis a;
	ck_assert_int_eq(dc_gpu_trace_analyse(&tr, t_start, duty,
					      DC_ARRAY_LEN(a_stages), 1.5, 6,
					      &a, &err), DC_OK);
	ck_assert_uint_eq(a.points, DC_ARRAY_LEN(a_stages));
	ck_assert_double_eq_tol(a.rate_hz, 20, 1e-3); /* ms stamps near 1.8e9 s */
	fprintf(stderr, "analysis: P_idle %.2f W (true %.0f), P_max %.2f W "
		"(true %.0f), alpha %.4f (true %.1f); T_ref %.2f C (true %.0f), "
		"R_th %.5f K/W (true %.2f), tau %.2f s (true %.0f), rms %.3f K\n",
		a.power.p_idle_W, A_PI, a.power.p_max_W, A_PM, a.power.alpha,
		A_AL, a.rc.t_ref_C, A_TR, a.rc.r_th, A_R, a.rc.tau_s, A_TAU,
		a.rc.rms_K);
	ck_assert_msg(fabs(a.power.p_idle_W - A_PI) < 1, "%g", a.power.p_idle_W);
	ck_assert_msg(fabs(a.power.p_max_W - A_PM) < 1, "%g", a.power.p_max_W);
	ck_assert_msg(fabs(a.power.alpha - A_AL) < 0.01, "%g", a.power.alpha);
	ck_assert_msg(fabs(a.rc.r_th - A_R) < 0.02 * A_R, "%g", a.rc.r_th);
	ck_assert_msg(fabs(a.rc.tau_s - A_TAU) < 0.02 * A_TAU, "%g", a.rc.tau_s);
	ck_assert_msg(fabs(a.rc.t_ref_C - A_TR) < 0.5, "%g", a.rc.t_ref_C);
	/* 2400 samples at full load, 2620 idle (1 + 10 + 120 s) of 5380 */
	ck_assert_double_eq_tol(a.throttle[2].share, 2400.0 / (double)tr.n, 1e-12);
	ck_assert_double_eq_tol(a.throttle[0].share, 2620.0 / (double)tr.n, 1e-12);
	ck_assert_double_eq(a.clk_min_MHz, 1755);
	char buf[4096];
	size_t need = dc_gpu_analysis_lines(&a, buf, sizeof buf);
	ck_assert_uint_eq(need, strlen(buf));
	const char *keys[] = {"gpu_trace: 5380 samples at 20.0 Hz over 269.0 s",
			      "\ngpu_power_p_idle_w: ", "\ngpu_power_alpha: 0.89",
			      "\ngpu_rc_r_th_k_per_w: 0.0", "\ngpu_rc_tau_s: ",
			      "\ngpu_throttle: gpu_idle 0.48", ", sw_power_cap 0.446"};
	for (size_t i = 0; i < DC_ARRAY_LEN(keys); i++)
		ck_assert_msg(strstr(buf, keys[i]), "'%s' not in\n%s", keys[i], buf);
	char small[16];
	ck_assert_uint_eq(dc_gpu_analysis_lines(&a, small, sizeof small), need);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	/* a trace without a load step: the RC is refused, the rest kept */
	double flat[2] = {t_start[0], t_start[1]};
	ck_assert_int_eq(dc_gpu_trace_analyse(&tr, flat, duty, 1, 1.5, 6, &a,
					      &err), DC_EINVAL);
	dc_gpu_trace_free(&tr);
	free(text);
	dc_err_free(&err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("gpu_trace");
	TCase *p = tcase_create("parse");
	tcase_add_test(p, parses_nvidia_smi_lines);
	tcase_add_test(p, malformed_lines_name_line_and_column);
	tcase_add_test(p, many_bad_lines_are_capped);
	tcase_add_test(p, parse_out_of_memory);
	suite_add_tcase(s, p);
	TCase *f = tcase_create("fits");
	tcase_set_timeout(f, 60);
	tcase_add_test(f, power_fit_recovers_exact_law);
	tcase_add_test(f, power_fit_recovers_noisy_law);
	tcase_add_test(f, power_fit_refuses_unidentifiable);
	tcase_add_test(f, rc_fit_recovers_exact_trace);
	tcase_add_test(f, rc_fit_recovers_noisy_trace);
	tcase_add_test(f, rc_fit_refuses_flat_trace);
	tcase_add_test(f, throttle_reasons_and_shares);
	tcase_add_test(f, analysis_of_a_load_program);
	suite_add_tcase(s, f);
	return s;
}

int main(void)
{
	return dc_test_main(suite());
}
