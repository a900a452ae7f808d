/* check_climate.c - the site climate: the six typical-year files against
 * an independent reading of the CSVs and the published summary table
 * (data/README.md), interpolation and year wrap-around, the start day,
 * the sinusoid's mean and extremes at the stated times, Stull's wet bulb
 * against its published check value, the parameter table and bad input.
 *
 * The data directory is DCSIM_DATA, else "data" (tests run from the repo
 * root). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../models/climate.h"
#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "../sim/params.h"
#include "util/run.h"

#define C0 273.15  /* 0 degC in K (SI definition) */
#define HOUR 3600.0
#define NH 8760

static const char *data_dir(void)
{
	const char *d = getenv("DCSIM_DATA");
	return d && d[0] ? d : "data";
}

static const char *const sites[] = {"chicago_il", "denver_co", "miami_fl",
				    "phoenix_az", "san_francisco_ca",
				    "yakima_wa"};

/* The published summary of each file (data/README.md, from the data's
 * provenance notes; computed there by convert_climate.py, not by dcsim):
 * degC and hours per year with strict '<'. */
static const struct summary {
	const char *site;
	double db_mean, db_min, db_max, wb_mean, wb_max;
	size_t wb12, wb18, db18, db27;
} summary[] = {
	{"phoenix_az", 23.8, 2.2, 44.4, 13.23, 24.9, 3714, 6680, 2846, 5202},
	{"miami_fl", 24.51, 5.0, 35.6, 20.8, 26.52, 499, 1704, 835, 6090},
	{"san_francisco_ca", 13.8, 2.2, 32.8, 11.1, 20.1, 5224, 8724, 7579,
	 8723},
	{"chicago_il", 10.0, -22.8, 35.0, 7.2, 26.9, 5375, 7230, 6150, 8238},
	{"denver_co", 10.9, -19.4, 40.0, 4.9, 20.4, 6542, 8717, 6298, 8029},
	{"yakima_wa", 10.0, -19.4, 37.8, 5.9, 21.3, 6848, 8631, 6728, 8285},
};

/* Independent reader: columns 2 (dry bulb) and 6 (wet bulb) of each row,
 * degC, with plain stdio, no libcsv and no climate.c. */
static void read_csv(const char *site, double *db, double *wb)
{
	char path[1024], line[512];
	snprintf(path, sizeof path, "%s/climate/%s.csv", data_dir(), site);
	FILE *fp = fopen(path, "r");
	ck_assert_msg(fp, "cannot open %s", path);
	ck_assert_msg(fgets(line, sizeof line, fp), "empty %s", path);
	int n = 0;
	while (fgets(line, sizeof line, fp)) {
		ck_assert_msg(n < NH, "%s: more than %d rows", path, NH);
		double v[6];
		char *p = line;
		for (int k = 0; k < 6; k++) {
			v[k] = strtod(p, &p);
			if (*p == ',')
				p++;
		}
		ck_assert_msg(v[0] == n, "%s: row %d has hour %g", path, n, v[0]);
		db[n] = v[1];
		wb[n] = v[5];
		n++;
	}
	fclose(fp);
	ck_assert_msg(n == NH, "%s: %d rows", path, n);
}

static dc_climate *site_new(const char *site, double start_day)
{
	dc_climate_cfg cfg = {.climate = (char *)site, .start_day = start_day};
	dc_err err = DC_ERR_INIT;
	dc_climate *c = NULL;
	int rc = dc_climate_new(&cfg, data_dir(), &c, &err);
	ck_assert_msg(rc == DC_OK && c, "%s: rc %d: %s", site, rc,
		      dc_err_text(&err));
	dc_err_free(&err);
	return c;
}

static double db_at(const dc_climate *c, double t_s)
{
	double db;
	dc_climate_at(c, t_s, &db, NULL);
	return db;
}

static double wb_at(const dc_climate *c, double t_s)
{
	double wb;
	dc_climate_at(c, t_s, NULL, &wb);
	return wb;
}

START_TEST(files_load)
{
	/* Every file loads (8760 rows) and matches its published summary:
	 * means and the wet-bulb maximum within 0.05 K (published rounded
	 * to 0.1 K), dry-bulb extremes exact, hour counts exact. */
	const struct summary *s = &summary[_i];
	dc_climate *c = site_new(s->site, 1);
	ck_assert_str_eq(dc_climate_name(c), s->site);
	dc_climate_year y;
	dc_climate_annual(c, &y);
	ck_assert_double_eq_tol(y.db_mean - C0, s->db_mean, 0.05);
	ck_assert_double_eq_tol(y.db_min - C0, s->db_min, 1e-9);
	ck_assert_double_eq_tol(y.db_max - C0, s->db_max, 1e-9);
	ck_assert_double_eq_tol(y.wb_mean - C0, s->wb_mean, 0.05);
	ck_assert_double_eq_tol(y.wb_max - C0, s->wb_max, 0.05 + 1e-6);
	ck_assert_msg(y.wb_min <= y.wb_mean && y.wb_mean <= y.wb_max,
		      "wb min %g mean %g max %g", y.wb_min, y.wb_mean, y.wb_max);
	size_t got[4] = {dc_climate_hours_wb_below(c, 12 + C0),
			 dc_climate_hours_wb_below(c, 18 + C0),
			 dc_climate_hours_db_below(c, 18 + C0),
			 dc_climate_hours_db_below(c, 27 + C0)};
	size_t want[4] = {s->wb12, s->wb18, s->db18, s->db27};
	for (int k = 0; k < 4; k++)
		ck_assert_msg(got[k] == want[k], "%s: count %d: want %zu, got "
			      "%zu", s->site, k, want[k], got[k]);
	dc_climate_free(c);
}
END_TEST

START_TEST(phoenix_mean)
{
	/* The annual mean dry bulb against a mean computed here from the CSV
	 * with an independent loop: within 0.05 K. */
	static double db[NH], wb[NH];
	read_csv("phoenix_az", db, wb);
	double sum = 0;
	for (int h = 0; h < NH; h++)
		sum += db[h] + C0;
	double want = sum / NH;
	dc_climate *c = site_new("phoenix_az", 1);
	dc_climate_year y;
	dc_climate_annual(c, &y);
	ck_assert_msg(fabs(y.db_mean - want) <= 0.05,
		      "phoenix mean dry bulb: want %.4f K, got %.4f K", want,
		      y.db_mean);
	dc_climate_free(c);
}
END_TEST

START_TEST(wet_below_dry)
{
	/* Invariant: wet bulb <= dry bulb + 0.05 K every hour of every file
	 * (and at every half hour, where values are interpolated). */
	for (size_t i = 0; i < DC_ARRAY_LEN(sites); i++) {
		dc_climate *c = site_new(sites[i], 1);
		for (int k = 0; k < 2 * NH; k++) {
			double db, wb;
			dc_climate_at(c, k * 0.5 * HOUR, &db, &wb);
			ck_assert_msg(wb <= db + 0.05, "%s at %.1f h: wb %.2f > "
				      "db %.2f", sites[i], k * 0.5, wb - C0,
				      db - C0);
		}
		dc_climate_free(c);
	}
}
END_TEST

START_TEST(interpolation)
{
	/* Row h is the reading at the end of hour h+1 (TMY3 hour-ending):
	 * t = (h+1) h gives row h exactly, t = (h+1.5) h the average of rows
	 * h and h+1. */
	static double db[NH], wb[NH];
	read_csv("chicago_il", db, wb);
	dc_climate *c = site_new("chicago_il", 1);
	for (int h = 0; h + 1 < NH; h += 97) {
		double t = (h + 1) * HOUR;
		ck_assert_double_eq_tol(db_at(c, t), db[h] + C0, 1e-9);
		ck_assert_double_eq_tol(wb_at(c, t), wb[h] + C0, 1e-9);
		double mid = (db[h] + db[h + 1]) / 2 + C0;
		double mwb = (wb[h] + wb[h + 1]) / 2 + C0;
		ck_assert_msg(fabs(db_at(c, t + 0.5 * HOUR) - mid) < 1e-9,
			      "h %d: half hour db %.6f, want %.6f", h,
			      db_at(c, t + 0.5 * HOUR), mid);
		ck_assert_double_eq_tol(wb_at(c, t + 0.5 * HOUR), mwb, 1e-9);
		/* a quarter of the way */
		ck_assert_double_eq_tol(db_at(c, t + 0.25 * HOUR),
					0.75 * db[h] + 0.25 * db[h + 1] + C0,
					1e-9);
	}
	dc_climate_free(c);
}
END_TEST

START_TEST(wrap_around)
{
	static double db[NH], wb[NH];
	read_csv("denver_co", db, wb);
	dc_climate *c = site_new("denver_co", 1);
	double Y = NH * HOUR;
	/* t = 0 (Jan 1 00:00) is the last row (Dec 31 24:00) */
	ck_assert_double_eq_tol(db_at(c, 0), db[NH - 1] + C0, 1e-9);
	/* half an hour into the year: between Dec 31 24:00 and Jan 1 01:00 */
	ck_assert_double_eq_tol(db_at(c, 0.5 * HOUR),
				(db[NH - 1] + db[0]) / 2 + C0, 1e-9);
	/* the next year repeats, and runs back before t = 0 */
	ck_assert_double_eq_tol(db_at(c, Y + 0.5 * HOUR),
				(db[NH - 1] + db[0]) / 2 + C0, 1e-9);
	ck_assert_double_eq_tol(db_at(c, 3 * Y + HOUR), db[0] + C0, 1e-9);
	ck_assert_double_eq_tol(db_at(c, -0.5 * HOUR),
				(db[NH - 2] + db[NH - 1]) / 2 + C0, 1e-9);
	ck_assert_double_eq_tol(wb_at(c, Y - 0.5 * HOUR),
				(wb[NH - 2] + wb[NH - 1]) / 2 + C0, 1e-9);
	for (int k = 0; k < 50; k++) {
		double t = k * 7919.0;
		ck_assert_double_eq_tol(db_at(c, t), db_at(c, t + 2 * Y), 1e-9);
	}
	dc_climate_free(c);
}
END_TEST

START_TEST(start_day)
{
	/* start_day 32 puts t = 0 at Feb 1 00:00: t = 1 h is row 31*24. */
	static double db[NH], wb[NH];
	read_csv("miami_fl", db, wb);
	dc_climate *c = site_new("miami_fl", 32);
	ck_assert_double_eq_tol(db_at(c, HOUR), db[31 * 24] + C0, 1e-9);
	dc_climate_free(c);
	/* 182.5: Jul 1 12:00 (day 182 of 365) */
	c = site_new("miami_fl", 182.5);
	ck_assert_double_eq_tol(db_at(c, 0), db[181 * 24 + 12 - 1] + C0, 1e-9);
	dc_climate_free(c);
}
END_TEST

static dc_climate *sin_new(double mean_c, double amp, double damp,
			   double cold, double hot, double dep)
{
	dc_climate_cfg cfg = {.climate = "sinusoid", .mean = mean_c + C0,
			      .amplitude = amp, .daily_amplitude = damp,
			      .coldest_day = cold, .hottest_hour = hot,
			      .relative_humidity = 0.5,
			      .wet_bulb_depression = dep, .start_day = 1};
	dc_err err = DC_ERR_INIT;
	dc_climate *c = NULL;
	int rc = dc_climate_new(&cfg, NULL, &c, &err);
	ck_assert_msg(rc == DC_OK, "sinusoid: %s", dc_err_text(&err));
	dc_err_free(&err);
	return c;
}

START_TEST(sinusoid_times)
{
	const double D = 86400;
	/* annual only: min at coldest day 20 (Jan 20 00:00 is t = 19 d),
	 * max half a year later, the mean a quarter year either side */
	dc_climate *c = sin_new(10, 12, 0, 20, 15, 0);
	ck_assert_double_eq_tol(db_at(c, 19 * D), 10 - 12 + C0, 1e-9);
	ck_assert_double_eq_tol(db_at(c, (19 + 182.5) * D), 10 + 12 + C0,
				1e-9);
	ck_assert_double_eq_tol(db_at(c, (19 + 91.25) * D), 10 + C0, 1e-9);
	ck_assert_double_eq_tol(db_at(c, (19 - 91.25) * D), 10 + C0, 1e-9);
	dc_climate_year y;
	dc_climate_annual(c, &y);
	ck_assert_double_eq_tol(y.db_min, 10 - 12 + C0, 1e-3);
	ck_assert_double_eq_tol(y.db_max, 10 + 12 + C0, 1e-3);
	dc_climate_free(c);
	/* daily only: max at 15:00 every day, min at 03:00, mean at 09:00 */
	c = sin_new(20, 0, 6, 15, 15, 0);
	for (int d = 0; d < 365; d += 73) {
		ck_assert_double_eq_tol(db_at(c, d * D + 15 * HOUR),
					26 + C0, 1e-9);
		ck_assert_double_eq_tol(db_at(c, d * D + 3 * HOUR),
					14 + C0, 1e-9);
		ck_assert_double_eq_tol(db_at(c, d * D + 9 * HOUR),
					20 + C0, 1e-9);
	}
	dc_climate_free(c);
	/* both: the hourly annual mean is the mean (sums of cosines over
	 * whole periods vanish) */
	c = sin_new(-3, 15, 7, 27.3, 14.5, 0);
	dc_climate_annual(c, &y);
	ck_assert_double_eq_tol(y.db_mean, -3 + C0, 1e-9);
	ck_assert_msg(y.db_max <= -3 + 22 + C0 + 1e-9 &&
		      y.db_min >= -3 - 22 + C0 - 1e-9,
		      "range %g..%g", y.db_min - C0, y.db_max - C0);
	dc_climate_free(c);
}
END_TEST

START_TEST(sinusoid_wet_bulb)
{
	/* a constant depression */
	dc_climate *c = sin_new(10, 12, 5, 20, 15, 4);
	for (int h = 0; h < NH; h += 13) {
		double db, wb;
		dc_climate_at(c, h * HOUR, &db, &wb);
		ck_assert_double_eq_tol(db - wb, 4, 1e-9);
	}
	dc_climate_free(c);
	/* from 50 % RH at a steady 20 C: Stull's check value 13.7 C */
	c = sin_new(20, 0, 0, 20, 15, 0);
	ck_assert_double_eq_tol(wb_at(c, 1234.5), 13.7 + C0, 0.05);
	dc_climate_free(c);
	/* invariant: wb <= db every hour */
	c = sin_new(25, 15, 8, 20, 15, 0);
	for (int h = 0; h < NH; h++) {
		double db, wb;
		dc_climate_at(c, h * HOUR, &db, &wb);
		ck_assert_msg(wb <= db, "h %d: wb %g > db %g", h, wb, db);
	}
	dc_climate_free(c);
}
END_TEST

START_TEST(stull)
{
	/* Stull (2011), J. Appl. Meteor. Climatol. 50, p. 2267: T = 20 C,
	 * RH = 50 % gives Tw = 13.7 C (published to 0.1 C). */
	double tw = dc_climate_stull_wet_bulb(20 + C0, 0.5) - C0;
	ck_assert_msg(fabs(tw - 13.7) <= 0.05, "Stull(20 C, 50 %%) = %.3f C",
		      tw);
	/* Against psychrometric check values (data/README.md: 20 C / 50 %
	 * -> 13.78 C, 25 C / 50 % / 101325 Pa -> 17.89 C), Stull's error
	 * must lie in its published band -1..+0.65 K. */
	double d1 = tw - 13.78;
	double d2 = dc_climate_stull_wet_bulb(25 + C0, 0.5) - C0 - 17.89;
	ck_assert_msg(d1 >= -1 && d1 <= 0.65 && d2 >= -1 && d2 <= 0.65,
		      "Stull - psychrometric: %.3f, %.3f K", d1, d2);
	/* monotone in RH, and at 99 % close to the dry bulb */
	double prev = 0;
	for (int r = 5; r <= 99; r++) {
		double w = dc_climate_stull_wet_bulb(30 + C0, r / 100.0);
		ck_assert_msg(w > prev, "not increasing at %d %%", r);
		prev = w;
	}
	ck_assert_double_eq_tol(prev, 30 + C0, 0.3);
}
END_TEST

START_TEST(constant)
{
	dc_climate_cfg cfg = {.climate = "constant", .dry_bulb = 30 + C0,
			      .wet_bulb = 21 + C0};
	dc_err err = DC_ERR_INIT;
	dc_climate *c = NULL;
	ck_assert_int_eq(dc_climate_new(&cfg, NULL, &c, &err), DC_OK);
	for (int k = -3; k < 5; k++) {
		double db, wb;
		dc_climate_at(c, k * 1e7 + 17, &db, &wb);
		ck_assert_double_eq(db, 30 + C0);
		ck_assert_double_eq(wb, 21 + C0);
	}
	dc_climate_year y;
	dc_climate_annual(c, &y);
	ck_assert_double_eq_tol(y.wb_mean, 21 + C0, 1e-9);
	ck_assert_uint_eq(dc_climate_hours_wb_below(c, 21 + C0), 0);
	ck_assert_uint_eq(dc_climate_hours_wb_below(c, 21.01 + C0), NH);
	ck_assert_str_eq(dc_climate_name(c), "constant");
	dc_climate_free(c);
	/* wet bulb absent: from relative humidity (Stull check value) */
	cfg = (dc_climate_cfg){.climate = "constant", .dry_bulb = 20 + C0,
			       .relative_humidity = 0.5};
	ck_assert_int_eq(dc_climate_new(&cfg, NULL, &c, &err), DC_OK);
	ck_assert_double_eq_tol(wb_at(c, 0), 13.7 + C0, 0.05);
	dc_climate_free(c);
	ck_assert_int_eq(err.count, 0);
	dc_err_free(&err);
}
END_TEST

/* dc_climate_new(CFG) must fail with RC and a message containing WANT. */
static void bad(const dc_climate_cfg *cfg, const char *dir, int rc,
		const char *want)
{
	dc_err err = DC_ERR_INIT;
	dc_climate *c = (dc_climate *)1;
	int got = dc_climate_new(cfg, dir, &c, &err);
	ck_assert_msg(got == rc && c == NULL, "%s: rc %d (want %d)",
		      cfg->climate ? cfg->climate : "(null)", got, rc);
	ck_assert_msg(strstr(dc_err_text(&err), want), "want '%s' in '%s'",
		      want, dc_err_text(&err));
	dc_err_free(&err);
}

START_TEST(bad_input)
{
	char want[1024];
	snprintf(want, sizeof want, "error: site.climate: no climate file "
		 "%s/climate/atlantis.csv (known: chicago_il, denver_co, "
		 "miami_fl, phoenix_az, san_francisco_ca, yakima_wa)\n",
		 data_dir());
	dc_climate_cfg cfg = {.climate = "atlantis"};
	bad(&cfg, data_dir(), DC_ENOENT, want);
	cfg.climate = "../climate/phoenix_az";
	bad(&cfg, data_dir(), DC_EINVAL, "is not a site name");
	cfg.climate = "";
	bad(&cfg, data_dir(), DC_EINVAL, "site.climate: missing");
	cfg.climate = NULL;
	bad(&cfg, data_dir(), DC_EINVAL, "site.climate: missing");
	cfg = (dc_climate_cfg){.climate = "constant", .dry_bulb = 25 + C0,
			       .wet_bulb = 30 + C0};
	bad(&cfg, NULL, DC_EINVAL, "site.wet_bulb: 30 C is above the dry "
		"bulb 25 C");
	cfg.wet_bulb = 0;
	cfg.relative_humidity = 1.0;
	bad(&cfg, NULL, DC_EINVAL, "site.relative_humidity: 100 % is outside "
		"5..99 %");
	cfg = (dc_climate_cfg){.climate = "sinusoid", .mean = 15 + C0,
			       .amplitude = -1, .relative_humidity = 0.5,
			       .coldest_day = 15, .hottest_hour = 15};
	bad(&cfg, NULL, DC_EINVAL, "amplitudes >= 0");
	cfg.amplitude = 10;
	cfg.relative_humidity = 0.01;
	bad(&cfg, NULL, DC_EINVAL, "site.relative_humidity: 1 %");
	cfg.relative_humidity = 0.5;
	cfg.start_day = 400;
	bad(&cfg, NULL, DC_EINVAL, "site.start_day: 400");
	cfg.start_day = 1;
	cfg.hottest_hour = 25;
	bad(&cfg, NULL, DC_EINVAL, "hottest_hour");
}
END_TEST

START_TEST(stull_range_warning)
{
	/* 55 C is outside Stull's -20..50 C: a warning, not an error */
	dc_climate_cfg cfg = {.climate = "constant", .dry_bulb = 55 + C0,
			      .relative_humidity = 0.2};
	dc_err err = DC_ERR_INIT;
	dc_climate *c = NULL;
	ck_assert_int_eq(dc_climate_new(&cfg, NULL, &c, &err), DC_OK);
	ck_assert_int_eq(err.count, 0);
	ck_assert_msg(strstr(dc_err_text(&err), "warning: site.relative_"
			     "humidity: Stull"), "%s", dc_err_text(&err));
	ck_assert_msg(wb_at(c, 0) <= db_at(c, 0), "wb above db");
	dc_climate_free(c);
	dc_err_free(&err);
}
END_TEST

/* Write a data dir DIR/climate/bad.csv with a header and NROWS rows made
 * by ROW(h), then expect dc_climate_new to fail with WANT. */
static void bad_file(int nrows, const char *(*row)(int, char *), int rc,
		     const char *want)
{
	char dir[] = "/tmp/check_climate_XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char sub[64], path[128], buf[128];
	snprintf(sub, sizeof sub, "%s/climate", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(path, sizeof path, "%s/bad.csv", sub);
	FILE *fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("hour,dry_bulb_c,dew_point_c,rel_humidity_pct,pressure_pa,"
	      "wet_bulb_c\n", fp);
	for (int h = 0; h < nrows; h++)
		fputs(row(h, buf), fp);
	fclose(fp);
	char full[512];
	snprintf(full, sizeof full, "%s%s", path, want);
	dc_climate_cfg cfg = {.climate = "bad"};
	bad(&cfg, dir, rc, want[0] == ':' ? full : want);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

static const char *good_row(int h, char *b)
{
	sprintf(b, "%d,10.0,5.0,70,101325,7.50\n", h);
	return b;
}

static const char *word_row(int h, char *b)
{
	if (h == 100)
		return "100,warm,5.0,70,101325,7.50\n";
	return good_row(h, b);
}

static const char *wet_row(int h, char *b)
{
	if (h == 7)
		return "7,10.0,5.0,70,101325,10.50\n";
	return good_row(h, b);
}

static const char *order_row(int h, char *b)
{
	return good_row(h == 5 ? 6 : h, b);
}

START_TEST(bad_files)
{
	/* positions: line = row + 2 (header on line 1) */
	bad_file(8759, good_row, DC_EINVAL, "expected 8760 hourly rows "
		 "(one 365-day year), got 8759");
	bad_file(NH, word_row, DC_EINVAL, ":102:5: error: column "
		 "'dry_bulb_c': expected a number, got 'warm'");
	bad_file(NH, wet_row, DC_EINVAL, ":9:22: error: column 'wet_bulb_c': "
		 "wet bulb 10.5 C is above the dry bulb 10 C");
	bad_file(NH, order_row, DC_EINVAL, ":7:1: error: column 'hour': "
		 "expected hour 5, got 6");
}
END_TEST

START_TEST(site_params)
{
	/* the defaults parse and give the ISO 2314 reference ambient */
	dc_climate_cfg cfg;
	memset(&cfg, 0, sizeof cfg);
	dc_err err = DC_ERR_INIT;
	dc_src src[16];
	ck_assert_uint_le(dc_site_pset.n, DC_ARRAY_LEN(src));
	ck_assert_int_eq(dc_params_defaults(&dc_site_pset, &cfg, src, &err),
			 DC_OK);
	ck_assert_str_eq(cfg.climate, "constant");
	ck_assert_double_eq_tol(cfg.dry_bulb, 15 + C0, 1e-9);
	ck_assert_double_eq_tol(cfg.relative_humidity, 0.6, 1e-12);
	ck_assert_double_eq(cfg.wet_bulb, 0);
	ck_assert_double_eq(cfg.start_day, 1);
	dc_climate *c = NULL;
	ck_assert_int_eq(dc_climate_new(&cfg, NULL, &c, &err), DC_OK);
	double db, wb;
	dc_climate_at(c, 0, &db, &wb);
	ck_assert_msg(wb < db && wb > db - 8, "default wb %g C", wb - C0);
	dc_climate_free(c);
	/* scenario text with units */
	ck_assert_int_eq(dc_params_set(&dc_site_pset, "site", "climate",
				       "phoenix_az", &cfg, src, &err), DC_OK);
	ck_assert_int_eq(dc_params_set(&dc_site_pset, "site", "wet_bulb",
				       "18 C", &cfg, src, &err), DC_OK);
	ck_assert_double_eq_tol(cfg.wet_bulb, 18 + C0, 1e-9);
	ck_assert_int_eq(dc_params_set(&dc_site_pset, "site",
				       "relative_humidity", "45 %", &cfg, src,
				       &err), DC_OK);
	ck_assert_double_eq_tol(cfg.relative_humidity, 0.45, 1e-12);
	ck_assert_int_eq(err.count, 0);
	/* "10 C" for an amplitude is 283 K: caught by the range */
	ck_assert_int_eq(dc_params_set(&dc_site_pset, "site", "amplitude",
				       "10 C", &cfg, src, &err), DC_EINVAL);
	/* 60 without % is 6000 % */
	ck_assert_int_eq(dc_params_set(&dc_site_pset, "site",
				       "relative_humidity", "60", &cfg, src,
				       &err), DC_EINVAL);
	ck_assert_int_eq(err.count, 2);
	dc_params_free(&dc_site_pset, &cfg);
	ck_assert_ptr_null(cfg.climate);
	for (size_t i = 0; i < dc_site_pset.n; i++)
		ck_assert_msg(dc_site_pset.params[i].help &&
			      dc_site_pset.params[i].help[0], "%s: no help",
			      dc_site_pset.params[i].key);
	dc_err_free(&err);
}
END_TEST

START_TEST(sites_list)
{
	char *s = dc_climate_sites(data_dir());
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "chicago_il, denver_co, miami_fl, phoenix_az, "
			 "san_francisco_ca, yakima_wa");
	dc_free(s);
	s = dc_climate_sites("/nonexistent");
	ck_assert_str_eq(s, "");
	dc_free(s);
}
END_TEST

START_TEST(alloc_failures)
{
	size_t before = dc_alloc_current();
	int ok = 0;
	for (long n = 0; n < 400 && !ok; n++) {
		dc_climate_cfg cfg = {.climate = "yakima_wa"};
		dc_err err = DC_ERR_INIT;
		dc_climate *c = NULL;
		dc_alloc_fail_after(n);
		int rc = dc_climate_new(&cfg, data_dir(), &c, &err);
		dc_alloc_fail_after(-1);
		ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM,
			      "fail after %ld: rc %d %s", n, rc,
			      dc_err_text(&err));
		ok = rc == DC_OK;
		dc_climate_free(c);
		dc_err_free(&err);
		ck_assert_uint_eq(dc_alloc_current(), before);
	}
	ck_assert_msg(ok, "never succeeded");
}
END_TEST

static Suite *climate_suite(void)
{
	Suite *s = suite_create("climate");
	struct { const char *name; const TTest *fn; } t[] = {
		{"phoenix_mean", phoenix_mean}, {"wet_below_dry", wet_below_dry},
		{"interpolation", interpolation}, {"wrap_around", wrap_around},
		{"start_day", start_day}, {"sinusoid_times", sinusoid_times},
		{"sinusoid_wet_bulb", sinusoid_wet_bulb}, {"stull", stull},
		{"constant", constant}, {"bad_input", bad_input},
		{"stull_range_warning", stull_range_warning},
		{"bad_files", bad_files}, {"site_params", site_params},
		{"sites_list", sites_list}, {"alloc_failures", alloc_failures},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(t); i++) {
		TCase *tc = tcase_create(t[i].name);
		tcase_add_test(tc, t[i].fn);
		tcase_set_timeout(tc, 60);
		suite_add_tcase(s, tc);
	}
	TCase *tc = tcase_create("files_load");
	tcase_add_loop_test(tc, files_load, 0, (int)DC_ARRAY_LEN(summary));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return dc_test_main(climate_suite());
}
