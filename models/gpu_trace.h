/* gpu_trace.h - a GPU's power and temperature trace and the laws fitted to
 * it: what `dcsim calibrate --gpu` records while it loads the GPU
 * (nvidia-smi --query-gpu ... -lms 50, at >= 10 Hz) and fits.
 *
 *   power vs utilisation   P(u) = P_idle + (P_max - P_idle) u^alpha
 *   thermal RC             tau dT/dt = T_ref + R_th P(t) - T
 *
 * u is the share of time a kernel ran (0..1), T the GPU temperature, T_ref
 * the temperature of what cools the chip (coolant or inlet air), R_th the
 * chip-to-coolant resistance (K/W), tau = R_th C_th the time constant.
 * The RC model is integrated exactly over each sample interval with the
 * power held at the interval's first sample (zero-order hold), so the fit
 * needs no time step of its own.  Both fits use GSL's nonlinear least
 * squares (trust region, Levenberg-Marquardt) started from the best point
 * of a grid over the nonlinear parameter, the others solved linearly there.
 *
 * Plain C: no CUDA; no allocation outlives a call but the parsed trace;
 * nothing printed or opened (the caller reads the text).  Units: s, W, MHz and degC as
 * nvidia-smi reports them (temperature differences in K). */
#ifndef DC_GPU_TRACE_H
#define DC_GPU_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "../sim/err.h"

/* The nvidia-smi query whose lines dc_gpu_trace_parse reads, in this
 * order: --query-gpu=DC_GPU_TRACE_QUERY --format=csv,noheader,nounits */
#define DC_GPU_TRACE_QUERY                                                \
	"timestamp,power.draw,temperature.gpu,clocks.sm,utilization.gpu,"  \
	"clocks_throttle_reasons.active"

/* throttle of a sample whose mask nvidia-smi did not give ("[N/A]") */
#define DC_GPU_THROTTLE_NA UINT64_MAX

/* One line of the trace.  A field nvidia-smi gave as "[N/A]" (or any
 * other bracketed marker: "[Not Supported]", "[Unknown Error]") is NAN. */
typedef struct dc_gpu_sample {
	double t_s;          /* s since the trace's first sample */
	double power_W;      /* board power draw, W */
	double temp_C;       /* GPU (core) temperature, degC */
	double sm_clock_MHz; /* SM clock, MHz */
	double util;         /* share of the sample period a kernel ran, 0..1 */
	uint64_t throttle;   /* clocks_throttle_reasons.active bit mask, or
				DC_GPU_THROTTLE_NA */
} dc_gpu_sample;

/* A parsed trace: samples in time order. */
typedef struct dc_gpu_trace {
	dc_gpu_sample *s;
	size_t n;
	double t0_epoch_s; /* the first sample's timestamp, s since
			      1970-01-01 00:00 in the timestamps' own zone
			      (UTC when nvidia-smi runs with TZ=UTC0) */
} dc_gpu_trace;

/* Parse LEN bytes of TEXT (need not be NUL-terminated): lines of
 *   2026/11/29 01:02:03.456, 85.23, 45, 1980, 100, 0x0000000000000004
 * (DC_GPU_TRACE_QUERY, csv,noheader,nounits: timestamp YYYY/MM/DD
 * HH:MM:SS with any fraction, W, degC, MHz, % of time, hex mask).  Blank
 * lines, lines starting with '#' and a header line starting with
 * "timestamp" are skipped; "\r\n" endings are accepted.  NAME stands for
 * the file in messages.  Errors (DC_EINVAL, every bad line reported, up to
 * 10, at NAME:line:col of the field's first non-blank byte, lines and
 * columns 1-based): a line without exactly 6 fields, a field that is not
 * a number (or for the timestamp, a date; for the mask, 0x and hex
 * digits), a negative power or clock, a utilisation outside 0..100, a
 * timestamp earlier than the line before; "error: NAME: no samples" when
 * none is found.  DC_ENOMEM.  On success *TR owns its samples (free with
 * dc_gpu_trace_free); on error *TR is empty. */
int dc_gpu_trace_parse(const char *name, const char *text, size_t len,
		       dc_gpu_trace *tr, dc_err *err);

/* Free TR's samples and empty it.  NULL is a no-op. */
void dc_gpu_trace_free(dc_gpu_trace *tr);

/* Means over the samples with T0 <= t_s < T1 into *MEAN: each field over
 * its finite values (NAN when there are none; t_s the mean time; throttle
 * the OR of the known masks).  Returns the number of samples in the
 * window.  Cannot fail. */
size_t dc_gpu_trace_mean(const dc_gpu_trace *tr, double t0, double t1,
			 dc_gpu_sample *mean);

/* The median interval between consecutive samples (s); NAN for fewer than
 * two samples.  Allocates a copy of the intervals; NAN on ENOMEM. */
double dc_gpu_trace_median_dt(const dc_gpu_trace *tr);

/* ---------------------------------------------------------- power law */

/* P(u) = p_idle_W + (p_max_W - p_idle_W) u^alpha and its quality. */
typedef struct dc_gpu_power_law {
	double p_idle_W, p_max_W, alpha;
	double r2;          /* coefficient of determination of P */
	double max_rel_err; /* largest |P(u_i) - P_i| / P_i */
	double rms_W;       /* root mean square residual, W */
	size_t n;           /* points fitted */
	size_t iterations;  /* of the solver */
} dc_gpu_power_law;

/* Fit the power law to the N points (U[i] in 0..1, P[i] in W); points with
 * a non-finite value are skipped.  Errors (DC_EINVAL, text "power fit:
 * ..."): fewer than 4 points, fewer than 3 distinct utilisations (0.01
 * apart: alpha cannot be identified from two), a utilisation outside
 * 0..1, a power <= 0, powers that do not vary (range under 1 W); DC_EFAIL
 * when the solver does not converge or alpha leaves 0.05..20; DC_ENOMEM.
 * *OUT is written only on success. */
int dc_gpu_fit_power(const double *u, const double *p, size_t n,
		     dc_gpu_power_law *out, dc_err *err);

/* P(U) in W of a fitted law (U clamped to 0..1).  Cannot fail. */
double dc_gpu_power_eval(const dc_gpu_power_law *f, double u);

/* --------------------------------------------------------- thermal RC */

/* A first-order thermal RC and its quality. */
typedef struct dc_gpu_rc {
	double t_ref_C;    /* coolant or air temperature, degC */
	double r_th;       /* chip to coolant, K/W */
	double tau_s;      /* time constant, s */
	double c_th;       /* heat capacity tau / R_th, J/K */
	double t0_C;       /* model temperature at the first sample, degC */
	double r2;         /* coefficient of determination of T */
	double rms_K;      /* root mean square residual, K */
	double max_abs_K;  /* largest |T_model - T|, K */
	size_t n;          /* samples fitted (those with a temperature) */
	size_t iterations; /* of the solver */
} dc_gpu_rc;

/* Fit the RC to the N samples S (time order; t_s, power_W, temp_C used):
 * T_ref, R_th, tau and the start temperature T0 are fitted, the model
 * integrated exactly with each sample's power held until the next.  A
 * sample without a power holds the last known one; one without a
 * temperature adds no residual.  Needs a change of power: a heat-up under
 * load and a cool-down.  Errors (DC_EINVAL, text "thermal fit: ..."):
 * no sample with a power, fewer than 8 samples with a temperature, times
 * going back, a power range under max(1 W, 5 % of the largest power) (the
 * time constant and T_ref are not identifiable from a flat trace), a
 * temperature range under 2 K; DC_EFAIL when the solver does not converge, R_th <= 0 or tau
 * outside [median interval / 2, 10 x the trace's length] (not identified
 * by this trace); DC_ENOMEM.  *OUT is written only on success. */
int dc_gpu_fit_rc(const dc_gpu_sample *s, size_t n, dc_gpu_rc *out,
		  dc_err *err);

/* The model's temperature (degC) at each of the N samples S into T (N
 * doubles), integrated as dc_gpu_fit_rc does from F->t0_C.  Cannot fail. */
void dc_gpu_rc_eval(const dc_gpu_rc *f, const dc_gpu_sample *s, size_t n,
		    double *t);

/* ---------------------------------------------------- throttle reasons */

/* NVIDIA's clocks_throttle_reasons bits (nvml.h nvmlClocksThrottleReason*):
 * 0x1 gpu_idle, 0x2 applications_clocks_setting, 0x4 sw_power_cap,
 * 0x8 hw_slowdown, 0x10 sync_boost, 0x20 sw_thermal_slowdown,
 * 0x40 hw_thermal_slowdown, 0x80 hw_power_brake_slowdown,
 * 0x100 display_clock_setting. */
#define DC_GPU_THROTTLE_BITS 9

/* The name of the single bit BIT, or NULL when it is not one of the
 * above.  Cannot fail. */
const char *dc_gpu_throttle_name(uint64_t bit);

/* How often one reason was active. */
typedef struct dc_gpu_throttle_share {
	uint64_t bit;
	const char *name;  /* static */
	size_t samples;    /* samples with the bit set */
	double share;      /* samples / samples with a known mask; NAN when
			      no sample has one */
} dc_gpu_throttle_share;

/* Fill OUT[0..DC_GPU_THROTTLE_BITS) (bit order) from the N samples S;
 * samples whose mask is DC_GPU_THROTTLE_NA are not counted.  Returns the
 * number of samples with a known mask.  Cannot fail. */
size_t dc_gpu_throttle_shares(const dc_gpu_sample *s, size_t n,
			      dc_gpu_throttle_share *out);

/* ------------------------------------------------------------ analysis */

#define DC_GPU_STAGES_MAX 32

/* What dcsim calibrate --gpu learns from a trace of its load program. */
typedef struct dc_gpu_analysis {
	size_t samples;
	double rate_hz;         /* 1 / the median interval */
	double span_s;          /* first to last sample */
	double t_min_C, t_max_C, p_min_W, p_max_W, clk_min_MHz, clk_max_MHz;
	size_t points;          /* stage means fed to the power fit */
	double u[DC_GPU_STAGES_MAX], p[DC_GPU_STAGES_MAX];
	int power_rc;           /* DC_OK when POWER holds a fit */
	dc_gpu_power_law power;
	int rc_rc;              /* DC_OK when RC holds a fit */
	dc_gpu_rc rc;
	size_t throttle_known;  /* samples with a throttle mask */
	dc_gpu_throttle_share throttle[DC_GPU_THROTTLE_BITS];
} dc_gpu_analysis;

/* Analyse trace TR of a load program of N stages (N <= DC_GPU_STAGES_MAX):
 * stage i ran with duty DUTY[i] from wall-clock time T_START[i] to
 * T_START[i + 1] (N + 1 times, on the clock of TR's timestamps, s since
 * 1970).  The power law is fitted to one point per stage long enough:
 * the mean power and the mean measured utilisation (the duty when the GPU
 * reports none) over [start + SETTLE_S, min(end, start + SETTLE_S +
 * WINDOW_S)), windows with no sample skipped; the RC to the whole trace;
 * throttle shares over every sample.  Both fits are tried: OUT is filled
 * with what succeeded (power_rc, rc_rc say which) and the return is DC_OK
 * when both did, else the first failure's code with its text in ERR.
 * DC_EINVAL for N = 0, N too large or an empty trace (OUT then zeroed). */
int dc_gpu_trace_analyse(const dc_gpu_trace *tr, const double *t_start,
			 const double *duty, size_t n, double settle_s,
			 double window_s, dc_gpu_analysis *out, dc_err *err);

/* The analysis as "key: value\n" lines for a profile's provenance
 * (reports/profile.h dc_calib_prov.extra): gpu_trace, gpu_power_*,
 * gpu_rc_* (or "gpu_power_fit: failed" / "gpu_rc_fit: failed"), and
 * gpu_throttle.  Written into BUF (CAP bytes, always NUL-terminated);
 * returns the length it needed, as snprintf does.  Cannot fail. */
size_t dc_gpu_analysis_lines(const dc_gpu_analysis *a, char *buf, size_t cap);

#endif
