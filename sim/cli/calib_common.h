/* calib_common.h - what the calibrate commands (calibrate.c,
 * calibrate_gpu.c, calibrate_import.c) share: catalogs from the data
 * folder, the command line as provenance, files written whole. */
#ifndef DC_CLI_CALIB_COMMON_H
#define DC_CLI_CALIB_COMMON_H

#include <stdio.h>

#include "../../models/llm_perf.h"
#include "../../reports/profile.h"
#include "../err.h"

/* The data folder: $DCSIM_DATA, else "data".  Cannot fail. */
const char *dc_cli_data_dir(void);

/* Model NAME's row of the data folder's llm_models.csv into *A.  Errors
 * as dc_table_load and dc_llm_arch_load. */
int dc_cli_load_arch(const char *name, dc_llm_arch *a, dc_err *err);

/* ARGV[0..ARGC) joined by spaces into BUF (CAP bytes, truncated). */
void dc_cli_join_argv(int argc, char **argv, char *buf, size_t cap);

/* Write PATH whole: PUT writes into PATH.partial, which is renamed to
 * PATH only when PUT and the close succeeded, and removed otherwise.
 * Returns PUT's error, DC_ECREATE, or DC_EIO. */
int dc_cli_write_whole(const char *path,
		       int (*put)(FILE *f, const void *ctx, dc_err *err),
		       const void *ctx, dc_err *err);

/* dc_cli_write_whole of a profile (dc_calib_write). */
int dc_cli_write_profile(const char *path, const dc_calib_prov *p,
			 const dc_calib_row *rows, size_t n, dc_err *err);

#endif
