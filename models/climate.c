/* climate.c - the site's weather: hourly typical-year files, a constant,
 * or an annual plus daily sinusoid.  See climate.h for the conventions. */
#include "climate.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_math.h>

#include "../sim/alloc.h"
#include "../sim/table.h"

/* 0 degC in K: the definition of the Celsius scale (SI Brochure, 9th ed.,
 * 2019, sec. 2.3.4).  Data files and Stull's formula are in degC; converted
 * at this boundary. */
#define C0 273.15

#define DAY_S 86400.0
#define YEAR_D 365.0  /* the 8760 h typical year (TMY3 has no Feb 29) */

/* Stull (2011) fitted range: RH 5..99 %, T -20..50 degC (abstract). */
#define STULL_RH_MIN 0.05
#define STULL_RH_MAX 0.99
#define STULL_T_MIN (-20.0 + C0)
#define STULL_T_MAX (50.0 + C0)

/* Plausible outdoor dry bulb: the recorded extremes are -89.2 degC
 * (Vostok, 1983) and 56.7 degC (Death Valley, 1913), WMO Weather and
 * Climate Extremes Archive; a little margin either side. */
#define DB_MIN_C (-100.0)
#define DB_MAX_C 70.0
/* Data rows: wet bulb may exceed dry bulb only by rounding (dry bulb is
 * stored to 0.1 K, wet bulb to 0.01 K: data/README.md). */
#define WB_SLACK_K 0.05

enum kind { K_FILE, K_CONSTANT, K_SINUSOID };

struct dc_climate {
	enum kind kind;
	char *name;
	double y0;            /* s into the year at t = 0 */
	double *db, *wb;      /* K, DC_CLIMATE_YEAR_H rows (file) */
	dc_climate_cfg cfg;   /* numbers only; cfg.climate is NULL */
};

#define F(f) offsetof(dc_climate_cfg, f)
static const dc_param site_params[] = {
	{.key = "climate", .type = DC_PT_STR, .def = "constant",
	 .off = F(climate),
	 .help = "a site name with a file data/climate/<name>.csv (e.g. "
		 "phoenix_az), 'constant' or 'sinusoid'"},
	/* 15 C, 60 %: the ISO standard reference ambient for gas turbines
	 * and engine ratings (ISO 2314 / ISO 3977-2: 15 C, 60 % RH,
	 * 101.325 kPa); 15 C is also the ISA sea-level temperature
	 * (ISO 2533:1975). */
	{.key = "dry_bulb", .type = DC_PT_QTY, .dim = DC_DIM_TEMPERATURE,
	 .unit = "C", .def = "15 C", .flags = DC_PF_MIN | DC_PF_MAX,
	 .min = DB_MIN_C + C0, .max = DB_MAX_C + C0, .off = F(dry_bulb),
	 .help = "constant: outdoor dry-bulb temperature"},
	{.key = "wet_bulb", .type = DC_PT_QTY, .dim = DC_DIM_TEMPERATURE,
	 .unit = "C", .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0,
	 .max = DB_MAX_C + C0, .off = F(wet_bulb),
	 .help = "constant: outdoor wet-bulb temperature (absent: from "
		 "dry_bulb and relative_humidity by Stull 2011)"},
	{.key = "mean", .type = DC_PT_QTY, .dim = DC_DIM_TEMPERATURE,
	 .unit = "C", .def = "15 C", .flags = DC_PF_MIN | DC_PF_MAX,
	 .min = DB_MIN_C + C0, .max = DB_MAX_C + C0, .off = F(mean),
	 .help = "sinusoid: annual mean dry bulb"},
	{.key = "amplitude", .type = DC_PT_QTY, .dim = DC_DIM_TEMPERATURE,
	 .unit = "K", .def = "0 K", .flags = DC_PF_MIN | DC_PF_MAX, .min = 0,
	 .max = 60, .off = F(amplitude),
	 .help = "sinusoid: half the annual swing of the daily mean, a "
		 "difference in K (not C)"},
	{.key = "daily_amplitude", .type = DC_PT_QTY,
	 .dim = DC_DIM_TEMPERATURE, .unit = "K", .def = "0 K",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 30,
	 .off = F(daily_amplitude),
	 .help = "sinusoid: half the day-night swing, in K (not C)"},
	/* Mid-January: NOAA NCEI's 1981-2010 normals put the coldest day of
	 * the year in most of the contiguous US between early and late
	 * January ("When to expect the coldest day of the year", 2015). */
	{.key = "coldest_day", .type = DC_PT_REAL, .def = "15",
	 .flags = DC_PF_MIN | DC_PF_MAX_EXCL, .min = 1, .max = 366,
	 .off = F(coldest_day),
	 .help = "sinusoid: day of year of the annual minimum (1 = Jan 1 "
		 "00:00; fractions allowed)"},
	/* 15:00: the peak of ASHRAE's design-day temperature profile
	 * (ASHRAE Handbook - Fundamentals 2017, ch. 14, Table 6: fraction of
	 * daily range 0 at hour 15). */
	{.key = "hottest_hour", .type = DC_PT_REAL, .def = "15",
	 .flags = DC_PF_MIN | DC_PF_MAX_EXCL, .min = 0, .max = 24,
	 .off = F(hottest_hour),
	 .help = "sinusoid: local hour of the daily maximum"},
	{.key = "relative_humidity", .type = DC_PT_QTY, .dim = DC_DIM_NONE,
	 .unit = "%", .def = "60 %", .flags = DC_PF_MIN | DC_PF_MAX,
	 .min = STULL_RH_MIN, .max = STULL_RH_MAX,
	 .off = F(relative_humidity),
	 .help = "constant without wet_bulb, sinusoid without "
		 "wet_bulb_depression: wet bulb by Stull 2011 (valid 5..99 %)"},
	{.key = "wet_bulb_depression", .type = DC_PT_QTY,
	 .dim = DC_DIM_TEMPERATURE, .unit = "K",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 50,
	 .off = F(wet_bulb_depression),
	 .help = "sinusoid: constant dry-minus-wet-bulb difference (absent: "
		 "from relative_humidity)"},
	{.key = "start_day", .type = DC_PT_REAL, .def = "1",
	 .flags = DC_PF_MIN | DC_PF_MAX_EXCL, .min = 1, .max = 366,
	 .off = F(start_day),
	 .help = "day of year at simulated time 0 (1 = Jan 1 00:00, 182.5 "
		 "= Jul 1 12:00)"},
};
#undef F

const dc_pset dc_site_pset = {"site", site_params, DC_ARRAY_LEN(site_params),
			      "the site's outdoor climate"};

double dc_climate_stull_wet_bulb(double t_db_K, double rh)
{
	double t = t_db_K - C0, r = rh * 100.0; /* Stull: degC and % */
	double tw = t * atan(0.151977 * sqrt(r + 8.313659)) + atan(t + r) -
		    atan(r - 1.676331) +
		    0.00391838 * pow(r, 1.5) * atan(0.023101 * r) - 4.686035;
	return tw + C0;
}

static double wrap(double x, double period)
{
	double y = fmod(x, period);
	if (y < 0)
		y += period;
	return y < period ? y : 0;
}

/* Hourly file: position in rows is the year hour minus one (hour-ending
 * stamps), wrapped. */
static void at_file(const dc_climate *c, double y, double *db, double *wb)
{
	double x = wrap(y / 3600.0 - 1.0, DC_CLIMATE_YEAR_H);
	size_t i = (size_t)x;
	if (i >= DC_CLIMATE_YEAR_H)
		i = DC_CLIMATE_YEAR_H - 1;
	size_t j = (i + 1) % DC_CLIMATE_YEAR_H;
	double f = x - (double)i;
	*db = c->db[i] + f * (c->db[j] - c->db[i]);
	*wb = c->wb[i] + f * (c->wb[j] - c->wb[i]);
}

static void at_sinusoid(const dc_climate *c, double y, double *db,
			double *wb)
{
	const dc_climate_cfg *k = &c->cfg;
	double doy = 1.0 + y / DAY_S;
	double hod = fmod(y, DAY_S) / 3600.0;
	double t = k->mean -
		   k->amplitude * cos(2 * M_PI * (doy - k->coldest_day) / YEAR_D) +
		   k->daily_amplitude * cos(2 * M_PI * (hod - k->hottest_hour) / 24);
	double w = k->wet_bulb_depression > 0
			   ? t - k->wet_bulb_depression
			   : dc_climate_stull_wet_bulb(t, k->relative_humidity);
	*db = t;
	*wb = w < t ? w : t;
}

/* Weather at Y seconds into the year, 0 <= Y < one year. */
static void at_year(const dc_climate *c, double y, double *db, double *wb)
{
	switch (c->kind) {
	case K_FILE:
		at_file(c, y, db, wb);
		break;
	case K_CONSTANT:
		*db = c->cfg.dry_bulb;
		*wb = c->cfg.wet_bulb;
		break;
	case K_SINUSOID:
		at_sinusoid(c, y, db, wb);
		break;
	}
}

void dc_climate_at(const dc_climate *c, double t_s, double *t_db_K,
		   double *t_wb_K)
{
	double db, wb;
	at_year(c, wrap(c->y0 + t_s, DC_CLIMATE_YEAR_S), &db, &wb);
	if (t_db_K)
		*t_db_K = db;
	if (t_wb_K)
		*t_wb_K = wb;
}

const char *dc_climate_name(const dc_climate *c) { return c->name; }

void dc_climate_annual(const dc_climate *c, dc_climate_year *y)
{
	double sdb = 0, swb = 0;
	at_year(c, 0, &y->db_min, &y->wb_min);
	y->db_max = y->db_min;
	y->wb_max = y->wb_min;
	for (int h = 0; h < DC_CLIMATE_YEAR_H; h++) {
		double db, wb;
		at_year(c, h * 3600.0, &db, &wb);
		sdb += db;
		swb += wb;
		y->db_min = fmin(y->db_min, db);
		y->db_max = fmax(y->db_max, db);
		y->wb_min = fmin(y->wb_min, wb);
		y->wb_max = fmax(y->wb_max, wb);
	}
	y->db_mean = sdb / DC_CLIMATE_YEAR_H;
	y->wb_mean = swb / DC_CLIMATE_YEAR_H;
}

static size_t hours_below(const dc_climate *c, double thr, int wet)
{
	size_t n = 0;
	for (int h = 0; h < DC_CLIMATE_YEAR_H; h++) {
		double db, wb;
		at_year(c, h * 3600.0, &db, &wb);
		n += (wet ? wb : db) < thr;
	}
	return n;
}

size_t dc_climate_hours_wb_below(const dc_climate *c, double threshold_K)
{
	return hours_below(c, threshold_K, 1);
}

size_t dc_climate_hours_db_below(const dc_climate *c, double threshold_K)
{
	return hours_below(c, threshold_K, 0);
}

/* ---- site listing ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect the *.csv stems in DIR into *names (n of them). */
static int list_csv(DIR *d, char ***names, size_t *n)
{
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".csv"))
			continue;
		if (*n == cap) {
			size_t nc = cap ? 2 * cap : 16;
			char **q = dc_realloc(*names, nc * sizeof *q);
			if (!q)
				return DC_ENOMEM;
			*names = q;
			cap = nc;
		}
		if (!((*names)[*n] = dc_strndup(e->d_name, len - 4)))
			return DC_ENOMEM;
		(*n)++;
	}
	return DC_OK;
}

static char *join(char **names, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(names[i]) + 2;
	char *s = dc_malloc(len), *p = s;
	if (!s)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? ", " : "", names[i]);
	return s;
}

char *dc_climate_sites(const char *data_dir)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/climate", data_dir ? data_dir : ".");
	char **names = NULL;
	size_t n = 0;
	int rc = DC_OK;
	DIR *d = opendir(dir);
	if (d) {
		rc = list_csv(d, &names, &n);
		closedir(d);
	}
	char *s = NULL;
	if (!rc) {
		if (n)
			qsort(names, n, sizeof *names, cmp_str);
		s = join(names, n);
	}
	for (size_t i = 0; i < n; i++)
		dc_free(names[i]);
	dc_free(names);
	return s;
}

/* ---- construction ---- */

static int valid_site_name(const char *s)
{
	if (!s[0] || strlen(s) > 200)
		return 0;
	for (; *s; s++)
		if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') ||
		      ('0' <= *s && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int no_such_site(const char *data_dir, const char *name, dc_err *err)
{
	char *known = dc_climate_sites(data_dir);
	dc_err_msg(err, DC_ENOENT, "site.climate: no climate file "
		   "%s/climate/%s.csv (known: %s)", data_dir, name,
		   !known ? "?" : known[0] ? known : "none");
	dc_free(known);
	return DC_ENOENT;
}

/* Columns of a climate file. */
typedef struct cols {
	int hour, db, wb;
} cols;

static int file_cols(const dc_table *t, cols *c, dc_err *err)
{
	const char *need[] = {"hour", "dry_bulb_c", "wet_bulb_c"};
	int *idx[] = {&c->hour, &c->db, &c->wb};
	int rc = DC_OK;
	for (size_t i = 0; i < DC_ARRAY_LEN(need); i++)
		if ((*idx[i] = dc_table_col(t, need[i])) < 0)
			rc = dc_err_at(err, DC_EINVAL, dc_table_name(t), 1, 1,
				       "no column '%s' (a climate file has "
				       "hour,dry_bulb_c,...,wet_bulb_c)",
				       need[i]);
	if (!rc && dc_table_rows(t) != DC_CLIMATE_YEAR_H)
		rc = dc_err_msg(err, DC_EINVAL, "%s: expected %d hourly rows "
				"(one 365-day year), got %zu", dc_table_name(t),
				DC_CLIMATE_YEAR_H, dc_table_rows(t));
	return rc;
}

/* Read and check row R into c->db[r], c->wb[r] (K). */
static int file_row(dc_climate *c, const dc_table *t, const cols *k,
		    size_t r, dc_err *err)
{
	double h, db, wb;
	int rc = dc_table_num(t, r, (size_t)k->hour, &h, err);
	if (!rc && h != (double)r)
		rc = dc_table_err(t, r, (size_t)k->hour, err, DC_EINVAL,
				  "expected hour %zu, got %g (rows must be "
				  "hours 0..8759 in order)", r, h);
	if (!rc)
		rc = dc_table_num(t, r, (size_t)k->db, &db, err);
	if (!rc && !(db >= DB_MIN_C && db <= DB_MAX_C))
		rc = dc_table_err(t, r, (size_t)k->db, err, DC_EINVAL,
				  "%g C is outside %g..%g C", db, DB_MIN_C,
				  DB_MAX_C);
	if (!rc)
		rc = dc_table_num(t, r, (size_t)k->wb, &wb, err);
	if (!rc && wb > db + WB_SLACK_K)
		rc = dc_table_err(t, r, (size_t)k->wb, err, DC_EINVAL,
				  "wet bulb %g C is above the dry bulb %g C",
				  wb, db);
	if (!rc) {
		c->db[r] = db + C0;
		c->wb[r] = wb + C0;
	}
	return rc;
}

static int load_file(dc_climate *c, const char *data_dir, dc_err *err)
{
	if (!valid_site_name(c->name))
		return dc_err_msg(err, DC_EINVAL, "site.climate: '%s' is not a "
				  "site name (letters, digits, '_' and '-'), "
				  "'constant' or 'sinusoid'", c->name);
	if (!data_dir)
		data_dir = "data";
	char path[4096];
	snprintf(path, sizeof path, "%s/climate/%s.csv", data_dir, c->name);
	struct stat st;
	if (stat(path, &st) != 0)
		return no_such_site(data_dir, c->name, err);
	dc_table *t = NULL;
	int rc = dc_table_load(path, &t, err);
	if (rc)
		return rc;
	cols k;
	rc = file_cols(t, &k, err);
	if (!rc) {
		c->db = dc_malloc(DC_CLIMATE_YEAR_H * sizeof *c->db);
		c->wb = dc_malloc(DC_CLIMATE_YEAR_H * sizeof *c->wb);
		if (!c->db || !c->wb)
			rc = dc_err_msg(err, DC_ENOMEM, "out of memory");
	}
	int bad = 0;
	for (size_t r = 0; !rc && r < DC_CLIMATE_YEAR_H && bad < 10; r++)
		bad += file_row(c, t, &k, r, err) != DC_OK;
	if (!rc && bad)
		rc = DC_EINVAL;
	dc_table_free(t);
	return rc;
}

static void stull_range_warn(double lo, double hi, dc_err *err)
{
	if (lo < STULL_T_MIN || hi > STULL_T_MAX)
		dc_err_warn(err, "site.relative_humidity: Stull's wet-bulb "
			    "formula is fitted for -20..50 C, the dry bulb "
			    "spans %.1f..%.1f C", lo - C0, hi - C0);
}

static int check_rh(double rh, dc_err *err)
{
	if (!(rh >= STULL_RH_MIN && rh <= STULL_RH_MAX))
		return dc_err_msg(err, DC_EINVAL, "site.relative_humidity: "
				  "%g %% is outside 5..99 %% (the range of "
				  "Stull's wet-bulb formula)", rh * 100);
	return DC_OK;
}

static int setup_constant(dc_climate *c, dc_err *err)
{
	dc_climate_cfg *k = &c->cfg;
	if (!(k->dry_bulb > 0))
		return dc_err_msg(err, DC_EINVAL, "site.dry_bulb: %g K is not "
				  "an absolute temperature", k->dry_bulb);
	if (k->wet_bulb == 0) {
		int rc = check_rh(k->relative_humidity, err);
		if (rc)
			return rc;
		stull_range_warn(k->dry_bulb, k->dry_bulb, err);
		k->wet_bulb = dc_climate_stull_wet_bulb(k->dry_bulb,
							k->relative_humidity);
		k->wet_bulb = fmin(k->wet_bulb, k->dry_bulb);
	} else if (!(k->wet_bulb > 0)) {
		return dc_err_msg(err, DC_EINVAL, "site.wet_bulb: %g K is not "
				  "an absolute temperature", k->wet_bulb);
	} else if (k->wet_bulb > k->dry_bulb) {
		return dc_err_msg(err, DC_EINVAL, "site.wet_bulb: %g C is above "
				  "the dry bulb %g C (a wet bulb cannot exceed "
				  "the dry bulb)", k->wet_bulb - C0,
				  k->dry_bulb - C0);
	}
	return DC_OK;
}

static int setup_sinusoid(dc_climate *c, dc_err *err)
{
	dc_climate_cfg *k = &c->cfg;
	double swing = k->amplitude + k->daily_amplitude;
	if (!(k->mean > 0) || !(k->amplitude >= 0) ||
	    !(k->daily_amplitude >= 0) || !(k->mean - swing > 0))
		return dc_err_msg(err, DC_EINVAL, "site: sinusoid needs mean > "
				  "0 K and amplitudes >= 0 K with mean - "
				  "amplitude - daily_amplitude > 0 K (got %g, "
				  "%g, %g K)", k->mean, k->amplitude,
				  k->daily_amplitude);
	if (!(k->wet_bulb_depression >= 0))
		return dc_err_msg(err, DC_EINVAL, "site.wet_bulb_depression: "
				  "%g K is negative", k->wet_bulb_depression);
	if (!(k->hottest_hour >= 0 && k->hottest_hour < 24) ||
	    !(k->coldest_day >= 1 && k->coldest_day < 366))
		return dc_err_msg(err, DC_EINVAL, "site: hottest_hour must be "
				  "in 0..24 and coldest_day in 1..366 (got %g, "
				  "%g)", k->hottest_hour, k->coldest_day);
	if (k->wet_bulb_depression > 0)
		return DC_OK;
	int rc = check_rh(k->relative_humidity, err);
	if (!rc)
		stull_range_warn(k->mean - swing, k->mean + swing, err);
	return rc;
}

static int setup(dc_climate *c, const char *data_dir, dc_err *err)
{
	double sd = c->cfg.start_day;
	if (sd == 0)
		sd = 1; /* a hand-built cfg left at zero: Jan 1 00:00 */
	if (!(sd >= 1 && sd < 366))
		return dc_err_msg(err, DC_EINVAL, "site.start_day: %g is "
				  "outside 1..366", sd);
	c->y0 = (sd - 1) * DAY_S;
	if (!strcmp(c->name, "constant")) {
		c->kind = K_CONSTANT;
		return setup_constant(c, err);
	}
	if (!strcmp(c->name, "sinusoid")) {
		c->kind = K_SINUSOID;
		return setup_sinusoid(c, err);
	}
	c->kind = K_FILE;
	return load_file(c, data_dir, err);
}

int dc_climate_new(const dc_climate_cfg *cfg, const char *data_dir,
		   dc_climate **out, dc_err *err)
{
	*out = NULL;
	if (!cfg->climate || !cfg->climate[0])
		return dc_err_msg(err, DC_EINVAL, "site.climate: missing: give "
				  "a site name, 'constant' or 'sinusoid'");
	dc_climate *c = dc_calloc(1, sizeof *c);
	if (!c || !(c->name = dc_strdup(cfg->climate))) {
		dc_free(c);
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	}
	c->cfg = *cfg;
	c->cfg.climate = NULL;
	int rc = setup(c, data_dir, err);
	if (rc) {
		dc_climate_free(c);
		return rc;
	}
	*out = c;
	return DC_OK;
}

void dc_climate_free(dc_climate *c)
{
	if (!c)
		return;
	dc_free(c->db);
	dc_free(c->wb);
	dc_free(c->name);
	dc_free(c);
}
