/* climate.h - the site's outdoor weather over simulated time: dry-bulb and
 * wet-bulb temperature, for economizer hours, chiller and tower models.
 *
 * Three kinds, chosen by the `site.climate` text:
 *   <site name>  hourly typical-year data, data_dir/climate/<name>.csv
 *                (see data/README.md), linear between hours, repeating
 *                every 8760 h;
 *   constant     fixed dry bulb and wet bulb;
 *   sinusoid     an annual cosine (minimum at coldest_day) plus a daily
 *                cosine (maximum at hottest_hour) around an annual mean;
 *                wet bulb from a relative humidity (Stull 2011) or a
 *                constant depression.
 *
 * Time: simulated time t = 0 lies at day of year start_day (1.0 = Jan 1
 * 00:00 local standard time, 1.5 = Jan 1 noon).  The year has 365 days
 * (8760 h, no leap day) and repeats.  All temperatures here are in K; the
 * data files are in degC and are converted when read. */
#ifndef DC_CLIMATE_H
#define DC_CLIMATE_H

#include <stddef.h>

#include "../sim/err.h"
#include "../sim/params.h"

#define DC_CLIMATE_YEAR_H 8760                       /* hours in the year */
#define DC_CLIMATE_YEAR_S (DC_CLIMATE_YEAR_H * 3600.0) /* seconds */

/* The `site` scenario section (filled by dc_site_pset).  Kind-specific
 * fields are ignored by the other kinds. */
typedef struct dc_climate_cfg {
	char *climate;            /* site name, "constant" or "sinusoid" */
	double dry_bulb;          /* K (constant) */
	double wet_bulb;          /* K (constant); 0 = not given: from
				     relative_humidity (Stull 2011) */
	double mean;              /* K, annual mean dry bulb (sinusoid) */
	double amplitude;         /* K, half the annual range (sinusoid) */
	double daily_amplitude;   /* K, half the daily range (sinusoid) */
	double coldest_day;       /* day of year of the annual minimum */
	double hottest_hour;      /* hour of day (0..24) of the daily max */
	double relative_humidity; /* fraction 0.05..0.99 (constant without
				     wet_bulb, sinusoid without depression) */
	double wet_bulb_depression; /* K, dry minus wet bulb (sinusoid);
				       0 = not given: use relative_humidity */
	double start_day;         /* day of year at t = 0 (1.0 = Jan 1 00:00;
				     0, as in a zeroed struct, means 1) */
} dc_climate_cfg;

/* Parameter table of the `site` section; config struct dc_climate_cfg.
 * It does not depend on the data directory: whether a site name exists is
 * checked by dc_climate_new. */
extern const dc_pset dc_site_pset;

typedef struct dc_climate dc_climate;

/* Build the climate described by CFG (copied; CFG may be freed after).
 * DATA_DIR is the data directory (the one holding climate/); it is needed
 * only for a site name and may be NULL otherwise.  The caller owns *out
 * (dc_climate_free).  Errors (DC_EINVAL unless said), appended to ERR:
 *   "error: site.climate: no climate file data/climate/x.csv (known:
 *    chicago_il, denver_co, ...)"                         (DC_ENOENT)
 *   "error: site.climate: 'a/b' is not a site name ..."
 *   "error: site.wet_bulb: 30 C is above the dry bulb 25 C"
 *   "error: site.relative_humidity: 100 % is outside 5..99 % ..."
 *   a malformed data file: its table errors "path:line:col: error: ..."
 *   (8760 rows, columns hour, dry_bulb_c, wet_bulb_c, hours in order,
 *   dry bulb -100..70 C, wet bulb at most 0.05 K above the dry bulb);
 *   DC_ENOMEM.
 * A warning (not an error) is appended when Stull's formula is used
 * outside -20..50 C.  On error *out is NULL. */
int dc_climate_new(const dc_climate_cfg *cfg, const char *data_dir,
		   dc_climate **out, dc_err *err);

/* Free C.  dc_climate_free(NULL) is a no-op. */
void dc_climate_free(dc_climate *c);

/* Dry bulb and wet bulb (K) at simulated time T_S seconds (any value; the
 * year repeats; negative times run back into the previous year).  Either
 * output may be NULL.  Hourly data are interpolated linearly; row h of a
 * file is the reading at the END of hour h+1 of the year (TMY3/EPW
 * hour-ending stamps: row 0 is Jan 1 01:00, row 8759 is Dec 31 24:00 =
 * Jan 1 00:00).  The wet bulb never exceeds the dry bulb for the
 * constant and sinusoid kinds; file data are used as stored.  Cannot
 * fail. */
void dc_climate_at(const dc_climate *c, double t_s, double *t_db_K,
		   double *t_wb_K);

/* The site name, "constant" or "sinusoid"; owned by C.  Cannot fail. */
const char *dc_climate_name(const dc_climate *c);

/* Statistics over the 8760 hourly values of the year (on the hour, so for
 * a file exactly its rows; start_day plays no part). */
typedef struct dc_climate_year {
	double db_mean, db_min, db_max;  /* K */
	double wb_mean, wb_min, wb_max;  /* K */
} dc_climate_year;

/* Fill *Y with the annual statistics of C.  Cannot fail. */
void dc_climate_annual(const dc_climate *c, dc_climate_year *y);

/* Hours of the year (of the 8760 hourly values) whose wet bulb, or dry
 * bulb, is strictly below THRESHOLD_K.  Cannot fail. */
size_t dc_climate_hours_wb_below(const dc_climate *c, double threshold_K);
size_t dc_climate_hours_db_below(const dc_climate *c, double threshold_K);

/* Wet bulb (K) from dry bulb T_DB_K and relative humidity RH (fraction,
 * 0.5 = 50 %) by Stull's empirical formula (R. Stull, "Wet-Bulb
 * Temperature from Relative Humidity and Air Temperature", J. Appl.
 * Meteor. Climatol. 50, 2267-2269, 2011), fitted at sea-level pressure.
 * Valid for RH 5..99 % and -20..50 C, except cold and dry together; there
 * its errors are -1 to +0.65 K (mean absolute error < 0.3 K).  Outside
 * that range it still returns the formula's value.  Cannot fail. */
double dc_climate_stull_wet_bulb(double t_db_K, double rh);

/* The site names with a file in DATA_DIR/climate/, sorted, as one string
 * "chicago_il, denver_co, ..." ("" if none or the folder cannot be read).
 * The caller frees it with dc_free.  NULL when out of memory. */
char *dc_climate_sites(const char *data_dir);

#endif
