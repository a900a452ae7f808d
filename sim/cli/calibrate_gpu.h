/* calibrate_gpu.h - `dcsim calibrate --gpu`: the calibration kernels on an
 * NVIDIA GPU (models/cuda/calib_gpu.h), a power and temperature trace
 * sampled with nvidia-smi during a load program, and the fits of
 * models/gpu_trace.h, written as a profile with its provenance.  The GPU
 * part exists only in a build with CUDA (make CUDA=1, which defines
 * DC_CUDA). */
#ifndef DC_CALIBRATE_GPU_H
#define DC_CALIBRATE_GPU_H

/* EX_UNAVAILABLE of <sysexits.h>: no CUDA in this build, no GPU or no
 * nvidia-smi on this machine. */
#define DC_EXIT_GPU_UNAVAILABLE 69

/* dcsim calibrate --gpu [--model M] [--quick] [--out FILE] [--force] [-q]
 *
 * ARGC/ARGV start at the command's name ("calibrate"; a "--gpu" among
 * them is accepted and ignored); FULL_ARGC/FULL_ARGV are the process's,
 * recorded in the profile.  Measures CUDA device 0 (choose one with
 * CUDA_VISIBLE_DEVICES) over model M's shapes (default llama2_7b):
 * GEMMs in fp16 (cublasGemmEx, fp32 accumulation) into FILE (default
 * data/calibration/<gpu name>.csv), in fp32 (cublasSgemm) into
 * <FILE without .csv>.fp32.csv, each with the fp32 CUDA C kernels; then
 * runs the load program (idle, GEMMs at duty cycles 0.25/0.5/0.75 (full:
 * 0.2/0.4/0.6/0.8), a sustained load of 60 s (full: 120 s) and as long a
 * cool-down) while `nvidia-smi --query-gpu=... -lms 50` samples the GPU,
 * fits P(u) and the thermal RC, and writes the raw trace to <FILE without
 * .csv>.trace.csv.  Existing outputs are refused before anything runs
 * unless --force.  Returns the exit status: 0; 64 usage; 69 without CUDA
 * ("this dcsim was built without CUDA; rebuild with make CUDA=1"), without
 * a GPU or without nvidia-smi; 66 unknown model; 73 cannot create; 1 when
 * a kernel misses its reference (nothing written), or when a fit fails or
 * a curve of the rows still falls after re-measuring (a profile reader
 * refuses it; calib_fit.h): the profiles and the trace are written then. */
int dc_cmd_calibrate_gpu(int argc, char **argv, int full_argc,
			 char **full_argv);

#endif
