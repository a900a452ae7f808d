/* calib_fit.h - a calibration profile as the performance model uses it:
 * the measured operator rows (calibrate.h) read back and checked, and per
 * operator class a fitted time law
 *
 *   t(F, B, s) = t0 + (tc^p + tm^p)^(1/p)
 *   tc = F / (eta_c P),  eta_c = eta_c_max x^g / (x^g + 1),
 *   x = s / s_half (w / w_ref)^beta,
 *   0.25 <= g <= 1 (time never falls as the size grows)
 *   tm = B / (eta_m(B) BW),  eta_m(B) = eta_m (1 + c W_c / (B + W_c))
 *
 * F, B the call's FLOPs and bytes, s its size (dc_calib_row_size), P and BW
 * the profile's reference peaks (peak_flops, peak_bw: a datasheet's for a
 * GPU, the best measured GEMM rate and the triad bandwidth on a host).  t0
 * is the per-call overhead (launch, dispatch), eta_c a Hill curve that
 * rises from small sizes to its plateau eta_c_max; for GEMMs it reaches
 * it sooner on larger matrices (w = n k weight elements, w_ref the
 * class's geometric mean, beta >= 0: more tiles keep more cores busy at
 * few tokens), elsewhere w = w_ref.  eta_m is the memory
 * efficiency of large transfers, raised by the factor (1 + c) for
 * transfers well inside a cache of about W_c bytes.  p >= 1 says how far
 * compute and memory time overlap: p = 1 adds them, large p is the
 * roofline's max.  Fitted with GSL's nonlinear least squares on log time,
 * so each row weighs by its relative error. *
 *
 * A class fits t0 and eta_m always; eta_c_max when one of its rows is
 * compute-bound at the peaks; s_half and g when three are; p when both
 * regimes are present; beta when its widths span a factor 2; c and W_c
 * when its transfers span a factor 16 - each only while the class has a
 * row per parameter (dropped in the order c and W_c, beta, p, s_half and
 * g, eta_c_max).  Parameters not fitted take neutral values: c = 0,
 * beta = 0, eta_c = eta_c_max (constant; 1 when not fitted either),
 * p = 64 (the max). */
#ifndef DC_CALIB_FIT_H
#define DC_CALIB_FIT_H

#include <stddef.h>

#include "../sim/err.h"
#include "../sim/table.h"
#include "calibrate.h"

/* Operator classes; each gets one curve. */
typedef enum dc_op_class {
	DC_OC_GEMM = 0,    /* qkv, attn_out, mlp_up, mlp_down, gemm with
			      m > 1 (prefill-like): size = m */
	DC_OC_GEMV,        /* the same operators at m = 1 (decode-like: a
			      BLAS takes another kernel): size = 1 */
	DC_OC_ATTN_DECODE, /* attn_decode: size = n (context) */
	DC_OC_ATTN_PREFILL,/* attn_prefill: size = n (prompt) */
	DC_OC_SOFTMAX,     /* softmax: size = elements */
	DC_OC_NORM,        /* rmsnorm, layernorm: size = elements */
	DC_OC_ACT,         /* silu, gelu: size = elements */
	DC_OC_STREAM,      /* triad, element-wise streams: size = elements */
	DC_OC_ITER,        /* prefill: whole prefill iterations (imported
			      Splitwise tables): size = m (prompt tokens) */
	DC_OC_ITER_DECODE, /* decode: whole decode iterations: size = m
			      (batch) */
	DC_OC_COUNT
} dc_op_class;

/* "gemm", "gemv", "attn_decode", "attn_prefill", "softmax", "norm",
 * "activation", "stream", "prefill_iter", "decode_iter". */
const char *dc_op_class_name(dc_op_class c);

/* The class of operator name OP (GEMM operators as DC_OC_GEMM), or -1
 * when dcsim does not know it. */
int dc_op_class_of(const char *op);

/* The class of row R: its operator's, a GEMM of one row (m = 1) being a
 * GEMV; -1 for an unknown operator. */
int dc_calib_row_class(const dc_calib_row *r);

/* The size variable of row R's class (see dc_op_class); >= 1. */
double dc_calib_row_size(const dc_calib_row *r);

/* The width of row R: n k for GEMMs, 0 (none) for other classes. */
double dc_calib_row_width(const dc_calib_row *r);

/* A profile read back: where it came from and its rows. */
typedef struct dc_profile {
	char *device;      /* what was measured: a CPU model or a GPU name */
	char *source;      /* "measured by dcsim calibrate on HOST at DATE" or
			      "imported from FILE" */
	double peak_flops; /* reference peaks, FLOP/s and bytes/s */
	double peak_bw;
	dc_calib_row *rows;
	size_t n;
} dc_profile;

/* Read profile table T (dc_table_load of a file dc_calib_write wrote): the
 * '# device:', '# peak_flops:' and '# peak_bw:' header lines, and the
 * columns op, m, n, k, time_s, flops, bytes (others ignored).  Refused,
 * each with the file:line:col of the field: a missing column or header
 * line; an unknown operator; sizes < 1 (k < 0); a time, FLOPs or bytes
 * not positive (FLOPs may be 0); and a non-monotonic curve - within one
 * (op, n, k) the time falling by more than 10 % as m grows (timing noise
 * below that is accepted).  Every error is reported.  P is written only on
 * success; free it with dc_profile_free. */
int dc_profile_from_table(const dc_table *t, dc_profile *p, dc_err *err);

void dc_profile_free(dc_profile *p);

/* How far a curve's time may fall as its size grows before a profile is
 * refused (timing noise below it is accepted). */
#define DC_CALIB_MONO_TOL 0.10

/* The non-monotonic points of ROWS: on one (op, n, k) curve, a row whose m
 * is larger than that of a slower row yet whose time is more than 10 %
 * below it.  Up to CAP pairs (slower row, offending row) of indices into
 * PAIRS (2 CAP entries); returns how many there are (may exceed CAP), or
 * (size_t)-1 when out of memory. */
size_t dc_calib_nonmonotonic(const dc_calib_row *rows, size_t n,
			     size_t *pairs, size_t cap);

/* One class's fitted law. */
typedef struct dc_class_fit {
	size_t rows;        /* rows fitted; 0: the class is absent.  A class
			       of more than 512 rows is thinned to one row
			       per (op, n, k) curve and quarter-octave of
			       size, so each scale weighs alike */
	double t0;          /* per-call overhead, s */
	double eta_c_max;   /* plateau of eta_c (fraction of peak_flops) */
	double s_half;      /* size at which eta_c is half its plateau */
	double gamma;       /* Hill exponent of eta_c */
	double beta;        /* width exponent of the Hill midpoint */
	double w_ref;       /* reference width (geometric mean), or 0 */
	double eta_m;       /* fraction of peak_bw, large transfers */
	double cache_gain;  /* c: eta_m x (1 + c) well inside the cache */
	double cache_bytes; /* W_c, bytes */
	double overlap;     /* p >= 1 */
	int compute_fitted; /* eta_c_max fitted (else 1) */
	int hill_fitted;    /* s_half and gamma fitted (else eta_c const) */
	int cache_fitted;   /* 0: c = 0 */
	double s_min;       /* the smallest size fitted */
	double r2;          /* coefficient of determination of log time */
	double max_rel_err; /* largest |predicted - measured| / measured */
	size_t iterations;  /* of the solver */
} dc_class_fit;

/* One measured GEMM shape (n, k): its times at every fitted m, GEMV (m = 1)
 * and GEMM rows together (one operator on one matrix).  A BLAS picks
 * kernels by shape and size (OpenBLAS runs a GEMV with a 64 KiB row stride
 * at half the bandwidth of its neighbours, and switches from its GEMV to
 * its GEMM kernels between m = 1 and m = 4), which no smooth law knows;
 * where the profile measured the shape, predictions interpolate the
 * measurements. */
#define DC_CALIB_CURVES 48
#define DC_CALIB_CURVE_PTS 48
typedef struct dc_calib_curve {
	int n, k;
	double elem_bytes;  /* bytes per matrix element (4 fp32, 2 fp16) */
	int npts;
	double log_s[DC_CALIB_CURVE_PTS], log_t[DC_CALIB_CURVE_PTS];
} dc_calib_curve;

typedef struct dc_calib_fit {
	double peak_flops, peak_bw;
	dc_class_fit cls[DC_OC_COUNT];
	int ncurves;      /* the first DC_CALIB_CURVES curves; more: law only */
	dc_calib_curve curve[DC_CALIB_CURVES];
} dc_calib_fit;

/* Fit every class present in ROWS[0..N) against PEAK_FLOPS, PEAK_BW (> 0).
 * USE (may be NULL: all) marks the rows to fit - the rest are held out.
 * A class needs at least 2 rows; its compute part is fitted only when at
 * least 3 of its rows are compute-bound at the peaks.  Errors: DC_EINVAL
 * (bad peaks, no rows, a class with one row - named), DC_EFAIL (the solver
 * did not converge - the class named), DC_ENOMEM. */
int dc_calib_fit_rows(const dc_calib_row *rows, size_t n,
		      const unsigned char *use, double peak_flops,
		      double peak_bw, dc_calib_fit *out, dc_err *err);

/* eta_c of class fit C at size S and width W (0: the reference).  Cannot
 * fail. */
double dc_class_eta_c(const dc_class_fit *c, double s, double w);

/* The law of class fit C at peaks P, BW and CLOCK (0, 1] (scales the
 * compute rate): total time, and its compute and memory parts *TC, *TM
 * (either may be NULL) before overlap.  Cannot fail. */
double dc_class_time(const dc_class_fit *c, double P, double BW, double F,
		     double B, double s, double w, double clock, double *tc,
		     double *tm);

/* A GEMM of N x K (output x input width, ELEM_BYTES a matrix element)
 * over M tokens by the laws of F at peaks P, BW and CLOCK: the GEMV law
 * at M = 1, the GEMM law from the smallest token count it was fitted at,
 * and between the two (where BLASes switch kernels and the profile has no
 * law) the log-log interpolation of the GEMV law at 1 and the GEMM law at
 * that count.  Either law missing: the other.  *TC, *TM (may be NULL) the
 * GEMM law's compute and memory parts at M.  NAN when neither class was
 * fitted. */
double dc_calib_gemm_time(const dc_calib_fit *f, double P, double BW, int n,
			  int k, double elem_bytes, double m, double clock,
			  double *tc, double *tm);

/* Predicted time (s) of a call of class C with FLOPS, BYTES at size S and
 * width W (0: the reference); NAN when the class was not fitted. */
double dc_calib_predict(const dc_calib_fit *f, dc_op_class c, double flops,
			double bytes, double s, double w);

/* The factor by which the profile's measurements of the GEMM shape N x K
 * (output x input width) differ from LAW (a class fit of F, the law a
 * prediction uses) at S tokens: between measured sizes the measured time,
 * interpolated linearly in log time and log size, over LAW's time at the
 * profile's peaks; beyond them the factor at the nearest end.  A
 * prediction at other peaks (another accelerator) is LAW there times this
 * factor; at the profile's own peaks it is the interpolated measurement.
 * 1 when the profile did not measure the shape.  Cannot fail. */
double dc_calib_correction(const dc_calib_fit *f, const dc_class_fit *law,
			   int n, int k, double s);

/* Predicted time of row R: its class's law times dc_calib_correction. */
double dc_calib_predict_row(const dc_calib_fit *f, const dc_calib_row *r);

#endif
