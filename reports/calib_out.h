/* calib_out.h - a calibration result folder: what `dcsim calibrate --out
 * DIR` writes and `dcsim report DIR` redraws.
 *
 *   DIR/profile.csv     the profile (profile.h's dc_calib_write)
 *   DIR/calibration.db  SQLite (STRICT tables): profile_meta (key, value),
 *                       profile_rows (every measured row, its class and the
 *                       fit's prediction), profile_fit (one row per fitted
 *                       class: t0, eta_c_max, s_half, gamma, eta_m, R^2,
 *                       max relative error), and check_rows when a held-out
 *                       check was run (measured vs predicted)
 *   DIR/check.csv       the held-out table, when there is one
 *   DIR/charts/roofline.{csv,gp,png}
 *                       achieved FLOP/s against arithmetic intensity: the
 *                       measured points per operator class, the fitted
 *                       curves, and the peak lines min(P, BW * I)
 *
 * The folder is staged in DIR.partial-PID and moved into place only when
 * complete; an existing DIR is refused unless FORCE (then replaced only at
 * the end).  A missing gnuplot leaves the .csv and .gp with a warning. */
/* More precisely (reports/calib_out.c, calib_chart.c):
 *
 *   - "exists" follows `dcsim run --out`: an empty folder is written into;
 *     a non-empty one needs FORCE; a file is always refused.  Missing
 *     parents are made.  On any error nothing is left: neither DIR's new
 *     content nor the staging folder.
 *   - Warnings (gnuplot missing or failing, a class not fitted) are
 *     "warning:" lines in ERR, which do not count as errors.
 *   - profile_meta holds every field of dc_calib_prov under its own name
 *     (peak_note as "peaks", numbers as dc_calib_write prints them; device
 *     is the CPU when P->device is NULL) and each "key: value" line of
 *     P->extra ("extra" for a line without a colon).  NULL numbers in the
 *     tables: non-finite values (max_rel_err NAN, predicted_s of a class
 *     the fit lacks).  check_rows.rel_err and check.csv's rel_err are
 *     signed: (predicted - measured) / measured.
 *   - charts/roofline.csv: series (roof, measured, fitted), class, op, m,
 *     n, k, size, intensity (FLOP/byte), flop_s; fitted rows are sorted by
 *     size within each (op, n, k) curve, a blank line between curves (so
 *     that gnuplot breaks the line).  Re-run by hand with
 *     gnuplot -c roofline.gp roofline.csv roofline.png in DIR/charts. */
#ifndef DC_CALIB_OUT_H
#define DC_CALIB_OUT_H

#include <stddef.h>

#include "../models/calib_fit.h"
#include "../sim/err.h"
#include "profile.h"

/* A held-out comparison: measured rows and what the fit predicted. */
typedef struct dc_calib_check {
	const dc_calib_row *rows;
	const double *predicted_s;
	size_t n;
} dc_calib_check;

/* Write the folder DIR (see above) for profile rows ROWS[0..N) with
 * provenance P and fit FIT; CHECK may be NULL.  Returns DC_OK, DC_ECREATE
 * (DIR exists and !FORCE, or cannot be created), DC_EIO, DC_ENOMEM.
 * Also: FIT may be NULL (no predictions, no profile_fit rows, no fitted
 * curves); the roof is drawn at FIT's peaks (P's when FIT is NULL);
 * DC_EINVAL when DIR, P or ROWS (N > 0) is missing.  Nothing is adopted;
 * CHECK->predicted_s may be NULL (NULL predictions). */
int dc_calib_out_write(const char *dir, const dc_calib_prov *p,
		       const dc_calib_row *rows, size_t n,
		       const dc_calib_fit *fit, const dc_calib_check *check,
		       int force, dc_err *err);

/* Redraw DIR/charts/roofline.* from DIR/profile.csv (read back and fitted
 * again).  Returns DC_OK, DC_ENOENT (no DIR/profile.csv), DC_EINVAL (a bad
 * profile: every error listed), DC_EIO.
 * Also: DIR/charts is replaced whole, staged like the folder (nothing else
 * in DIR changes); the peaks are the profile's '# peak_flops:' and
 * '# peak_bw:', labelled "datasheet" or "measured" as its '# peaks:' line
 * says (without one: datasheet for an imported profile, else measured).
 * A class with one row is drawn but not fitted, and a fit that fails
 * leaves the measured points only: both are warnings in ERR, not errors.
 * DC_ENOMEM, DC_ECREATE possible. */
int dc_calib_report(const char *dir, dc_err *err);

#endif
