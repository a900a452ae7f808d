/* profile.h - a calibration profile on disk: the rows dcsim calibrate
 * measured (models/calibrate.h) headed by '#' lines saying where they came
 * from (host, CPU, cores, BLAS, dcsim version, date, command, model). */
#ifndef DC_PROFILE_H
#define DC_PROFILE_H

#include <stdio.h>

#include "../models/calibrate.h"
#include "../sim/err.h"

/* Provenance of a profile. */
typedef struct dc_calib_prov {
	const char *host, *cpu, *blas, *dcsim, *date, *command, *model;
	int cores;
	int blas_threads;   /* OpenBLAS threads, or 0 when unknown */
	const char *device; /* what was measured (NULL: the CPU model) */
	const char *kind;   /* "measured" (NULL) or "imported" */
	double peak_flops;  /* the fit's reference peaks (calib_fit.h) */
	double peak_bw;
	const char *peak_note; /* where the peaks come from */
	const char *extra;  /* more '#' lines (each "key: value\n"), or NULL */
} dc_calib_prov;

/* The host's reference peaks from its measured rows: the fastest GEMM
 * rate and the triad bandwidth (0 when the rows have none). */
void dc_calib_host_peaks(const dc_calib_row *rows, size_t n,
			 double *peak_flops, double *peak_bw);

/* Fill what this process can learn: host name, CPU model (/proc/cpuinfo),
 * online cores, the BLAS (OpenBLAS's configuration string when that is the
 * library linked, else "CBLAS"), UTC date.  Strings point to static
 * storage; DCSIM and COMMAND are left to the caller. */
void dc_calib_prov_probe(dc_calib_prov *p);

/* Write the profile: '#' provenance lines, then the header row and one
 * row per operator with rates (GFLOP/s, GB/s).  Returns DC_OK or DC_EIO. */
int dc_calib_write(FILE *f, const dc_calib_prov *p, const dc_calib_row *rows,
		   size_t n, dc_err *err);

#endif
