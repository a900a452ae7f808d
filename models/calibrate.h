/* calibrate.h - measuring this host: the calibration kernels (kernels.h)
 * over the operator shapes of a model's layer, each result checked
 * against a naive reference.  reports/profile.h writes them as a profile
 * with its provenance. */
#ifndef DC_CALIBRATE_H
#define DC_CALIBRATE_H

#include "../sim/err.h"
#include "llm_perf.h"

/* One measured operator. */
typedef struct dc_calib_row {
	char op[24];          /* qkv, attn_out, mlp_up, mlp_down, attn_decode,
				 softmax, rmsnorm, silu, triad */
	int m, n, k;          /* GEMM M x N x K; elementwise: rows x cols;
				 attn_decode: heads, ctx, head dim */
	int reps;
	double time_s;        /* median of reps */
	double flops, bytes;  /* of one call */
	double max_rel_err;   /* against the naive reference */
} dc_calib_row;

typedef struct dc_calib_opts {
	const dc_llm_arch *arch;  /* the layer whose shapes are measured */
	int quick;                /* fewer shapes and repetitions (< 60 s) */
	int held_out;             /* 1: the held-out plan (dc_calibrate_host
				     measures shapes the fit plan does not:
				     other token counts, context lengths and
				     sizes) and, when LAYER is set, whole
				     layers of LAYER run for real */
	const dc_llm_arch *const *more; /* further models whose linear
				     layers' GEMMs are measured too */
	size_t n_more;
	const dc_llm_arch *layer; /* the small transformer (a 1B-class
				     shape) for the held-out plan's
				     layer_prefill / layer_decode rows */
	void (*progress)(void *ctx, const dc_calib_row *row, size_t i,
			 size_t n);   /* optional, after each row */
	void *progress_ctx;
} dc_calib_opts;

/* Rows of the held-out plan that time whole layers have op
 * "layer_prefill" (m = tokens, n = layers, k = 0) or "layer_decode" (m = 1,
 * n = layers, k = context); their flops and bytes are 0 and max_rel_err
 * NAN (the layer's result is checked in tests/check_kernels.c).
 * dc_calib_layer_ops lists the operator calls such a row is made of, so a
 * profile can predict it: up to DC_CALIB_LAYER_OPS rows into OPS (their
 * time_s 0), one layer's; the row's time is n (layers) times their sum.
 * The count is returned.  Cannot fail for a layer row. */
#define DC_CALIB_LAYER_OPS 16
size_t dc_calib_layer_ops(const dc_llm_arch *a, const dc_calib_row *layer,
			  dc_calib_row *ops);

/* One call of a plan: the operator (a dc_calib_row op name) and sizes. */
typedef struct dc_calib_call {
	const char *op;
	int m, n, k;
} dc_calib_call;

/* The plan dc_calibrate_host measures for O (the fit plan, or the
 * held-out plan when O->held_out), in order: up to CAP calls into P; the
 * count is returned (it may exceed CAP).  Shared with the GPU path
 * (models/cuda), so both measure the same shapes.  O must be valid. */
size_t dc_calib_plan(const dc_calib_opts *o, dc_calib_call *p, size_t cap);

/* Measure the host.  On success *ROWS (dc_free) holds *N rows.  Returns
 * DC_OK, DC_EINVAL (no arch), DC_ENOMEM, or DC_EFAIL when a kernel's
 * result misses its reference by more than the stated bound (1e-3
 * relative for single precision; the message names the operator). */
int dc_calibrate_host(const dc_calib_opts *o, dc_calib_row **rows, size_t *n,
		      dc_err *err);

#endif
