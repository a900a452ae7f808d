/* calib_chart.h - the roofline chart of a calibration folder, shared by
 * calib_out.c's two entry points (not a public interface; see
 * calib_out.h). */
#ifndef DC_CALIB_CHART_H
#define DC_CALIB_CHART_H

#include <stddef.h>
#include <stdio.h>

#include "../models/calib_fit.h"
#include "../sim/err.h"

/* What the chart shows.  Nothing is owned. */
typedef struct dc__roof {
	const char *device;       /* in the title */
	const char *kind;         /* of the peaks: "measured", "datasheet" */
	double P, BW;             /* FLOP/s, bytes/s: the roof when both > 0 */
	const dc_calib_row *rows; /* measured points: rows with FLOPs > 0 */
	size_t n;
	const dc_calib_fit *fit;  /* NULL: no fitted curves */
} dc__roof;

/* "datasheet" or "measured": what NOTE (a profile's '# peaks:' line, may
 * be NULL) says, else what a profile of its kind has (IMPORTED: a
 * datasheet's, else dcsim calibrate's measured peaks).  Static; cannot
 * fail. */
const char *dc__peaks_kind(const char *note, int imported);

/* Write DIR/roofline.csv (the data: roof, measured and fitted points) and
 * DIR/roofline.gp, then run gnuplot (the GNUPLOT environment variable, or
 * gnuplot in PATH) to draw DIR/roofline.png.  SHOWN names DIR in messages
 * (where the user will find it).  A missing or failing gnuplot is a
 * warning in ERR.  Returns DC_OK, DC_ECREATE (a file exists or cannot be
 * made), DC_EIO or DC_ENOMEM; files made before a failure stay (the caller
 * writes into a staging folder). */
int dc__roof_write(const char *dir, const char *shown, const dc__roof *r,
		   dc_err *err);

/* Create DIR/NAME for writing (refusing an existing file) into *F; *PATH
 * gets the joined name, which the caller dc_frees (also on failure).
 * DC_OK, DC_ECREATE or DC_ENOMEM with a message in ERR. */
int dc__calib_file_open(const char *dir, const char *name, char **path,
			FILE **f, dc_err *err);

/* fclose F; a write or close error becomes DC_EIO about PATH. */
int dc__calib_file_finish(FILE *f, const char *path, dc_err *err);

#endif
