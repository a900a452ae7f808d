/* calib_gpu.h - the calibration kernels of kernels.h on an NVIDIA GPU,
 * for `dcsim calibrate --gpu`: GEMMs through cuBLAS (SGEMM, or fp16
 * GemmEx with fp32 accumulation), and a bandwidth triad, row softmax,
 * RMSNorm, SiLU and decode attention over a KV cache in CUDA C, over the
 * operator shapes dc_calibrate_host measures on a CPU (a model's linear
 * layers at 1..1024 tokens, KV caches of 128..2048 tokens).  Each result
 * is checked against a naive double-precision reference on the host and
 * timed with CUDA events: a warm-up call, then the median of repetitions.
 * A load program (GEMMs at a duty cycle, stage after stage) heats the GPU
 * while a sampler records its power and temperature (gpu_trace.h).
 *
 * Compiled only by `make CUDA=1` (nvcc; the build defines DC_CUDA).  The
 * functions are C; the implementation (calib_gpu.cu) is CUDA C++.
 * Nothing here prints or opens files.  Device memory is allocated and
 * freed inside each call. */
#ifndef DC_CALIB_GPU_H
#define DC_CALIB_GPU_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "../../sim/err.h"
#include "../calibrate.h"

/* Result bounds: max |got - want| / rms(want) over sampled outputs. */
#define DC_GPU_BOUND_FP32 1e-4 /* as dc_calibrate_host */
/* fp16 GEMM: inputs are rounded to half on both sides, products summed in
 * fp32, the output rounded to half (relative 2^-11 = 4.9e-4 of each
 * element, up to ~4 rms for the largest): 5e-3. */
#define DC_GPU_BOUND_FP16 5e-3

/* What CUDA says about a device. */
typedef struct dc_gpu_info {
	int device;                 /* CUDA ordinal */
	char name[256];             /* "NVIDIA H200" */
	char pci_bus_id[32];        /* "0000:19:00.0": nvidia-smi -i takes it */
	int cc_major, cc_minor;     /* compute capability */
	int sms;                    /* multiprocessors */
	double mem_bytes;           /* global memory */
	double sm_clock_max_hz;     /* peak SM clock (0 when not reported) */
	double mem_clock_max_hz;    /* peak memory clock (0 when not reported) */
	int driver_api, runtime_api; /* CUDA versions, 13000 = 13.0 */
	int cublas_version;         /* 130000 = 13.0.0 */
} dc_gpu_info;

/* Describe CUDA device DEVICE into *INFO.  Errors: DC_ENOENT when there
 * is no such device (or no driver: "no CUDA device ..."), DC_EFAIL for
 * another CUDA error (its text in ERR). */
int dc_gpu_probe(int device, dc_gpu_info *info, dc_err *err);

/* GEMM precision of a calibration. */
typedef enum dc_gpu_dtype {
	DC_GPU_FP32 = 0, /* cublasSgemm, no TF32 (bound DC_GPU_BOUND_FP32) */
	DC_GPU_FP16      /* cublasGemmEx: fp16 A, B, C; fp32 compute
			    (bound DC_GPU_BOUND_FP16; bytes 2 per element) */
} dc_gpu_dtype;

typedef struct dc_gpu_calib_opts {
	const dc_llm_arch *arch; /* the layer whose shapes are measured */
	int device;              /* CUDA ordinal */
	int quick;               /* 4 token counts, shorter timing */
	dc_gpu_dtype gemm;       /* the GEMMs' precision; the other kernels
				    are fp32 as on the CPU */
	void (*progress)(void *ctx, const dc_calib_row *row, size_t i,
			 size_t n);   /* optional, after each row */
	void *progress_ctx;
} dc_gpu_calib_opts;

/* Measure the GPU over the fit plan of dc_calibrate_host, in its order:
 * rows qkv, attn_out, mlp_up, mlp_down (M = tokens 1, 4, 16, 64, 128,
 * 256, 512, 1024; quick: 1, 4, 16, 64, 256, 512), attn_decode (heads, ctx
 * 128 / 512 / 2048, head dim), attn_prefill (heads, 128 / 256 / 512
 * tokens, head dim; causal), softmax ((4..1024 rows) / 4 x 2048), rmsnorm
 * (4..1024 x hidden), silu (4..1024 x ffn), triad (2^15 .. 2^24 floats;
 * quick up to 2^23), with the FLOPs and bytes of kernels.h (fp16 GEMMs: 2
 * bytes per element).  Where a curve falls by more than the profile
 * reader's tolerance (calib_fit.h dc_calib_nonmonotonic) both rows are
 * measured again, up to 3 times; a fall that stays is kept and named in a
 * warning in ERR.  On success *ROWS (dc_free) holds *N rows.  Errors:
 * DC_EINVAL (no arch), DC_ENOENT (no device), DC_ENOMEM (host or device),
 * DC_EFAIL for a CUDA or cuBLAS error or a result off its reference by
 * more than its bound (the operator and shape named). */
int dc_gpu_calibrate(const dc_gpu_calib_opts *o, dc_calib_row **rows,
		     size_t *n, dc_err *err);

/* One stage of a load program: fp16 GEMMs (8192^3, fp32 accumulate) for
 * DUTY (0..1) of every 100 ms period, idle the rest, for SECONDS. */
typedef struct dc_gpu_stage {
	double duty, seconds;
} dc_gpu_stage;

/* Run the N stages on DEVICE in order.  T_START (N + 1 doubles, may be
 * NULL) gets the wall-clock time (CLOCK_REALTIME, s since 1970 UTC) at
 * which each stage began and, last, the end; *RATE (may be NULL) the GEMM
 * rate while busy (FLOP/s, 0 when no stage was busy).  Meant to run while
 * a sampler records the GPU (nvidia-smi in another thread or process).
 * Errors: DC_EINVAL (a duty outside 0..1 or negative seconds), DC_ENOENT,
 * DC_ENOMEM, DC_EFAIL (CUDA or cuBLAS error). */
int dc_gpu_load_run(int device, const dc_gpu_stage *st, size_t n,
		    double *t_start, double *rate, dc_err *err);

/* The sustained load of a thermal trace: GEMMs without pause for LOAD_S
 * seconds, then idle for COOL_S (dc_gpu_load_run of those two stages).
 * Errors as dc_gpu_load_run. */
int dc_gpu_sustained_load(int device, double load_s, double cool_s,
			  double *t_start, dc_err *err);

#ifdef __cplusplus
}
#endif

#endif
