/* check_calib_out.c - the calibration result folder (reports/calib_out.h):
 * profile.csv, calibration.db, check.csv and the roofline chart, staged
 * like a run's folder; and `dcsim report` on it (dc_calib_report).  The
 * rows are made here from a known time law, so the recovered parameters
 * are checked against the law, not against dcsim's own output. */
#define _XOPEN_SOURCE 700 /* nftw, setenv */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../reports/calib_out.h"
#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "util/run.h"

/* ---- the law the rows follow ---- */

#define P_REF 200e9 /* FLOP/s */
#define BW_REF 20e9 /* bytes/s */

typedef struct law {
	double t0, eta_c_max, s_half, gamma, eta_m;
	int compute; /* 0: eta_c is 1 (the fit holds it there) */
} law;

static const law gemm_law = {50e-6, 0.9, 8, 1.2, 0.8, 1};
static const law stream_law = {5e-6, 1, 1, 1, 0.7, 0};

static double law_time(const law *l, double F, double B, double s)
{
	double eta_c = l->eta_c_max;
	if (l->compute) {
		double a = pow(s, l->gamma), h = pow(l->s_half, l->gamma);
		eta_c = l->eta_c_max * a / (a + h);
	}
	double tc = F / (eta_c * P_REF), tm = B / (l->eta_m * BW_REF);
	return l->t0 + (tc > tm ? tc : tm);
}

static dc_calib_row gemm_row(int m, int n, int k)
{
	dc_calib_row r = {.m = m, .n = n, .k = k, .reps = 5};
	snprintf(r.op, sizeof r.op, "gemm");
	r.flops = 2.0 * m * n * k;
	r.bytes = 4.0 * ((double)m * k + (double)k * n + (double)m * n);
	r.time_s = law_time(&gemm_law, r.flops, r.bytes, m);
	r.max_rel_err = 1e-6;
	return r;
}

static dc_calib_row triad_row(int elements)
{
	dc_calib_row r = {.m = 1, .n = elements, .reps = 9};
	snprintf(r.op, sizeof r.op, "triad");
	r.flops = 2.0 * elements;
	r.bytes = 12.0 * elements;
	r.time_s = law_time(&stream_law, r.flops, r.bytes, elements);
	r.max_rel_err = NAN; /* stored as NULL */
	return r;
}

#define MAX_ROWS 64

/* GEMMs at m = 2, 4, ..., 1024 on two (n, k) shapes (m = 1 would be the
 * GEMV class), then triads of
 * 4 Ki .. 64 Mi elements.  Returns the count. */
static size_t law_rows(dc_calib_row *rows)
{
	size_t n = 0;
	static const int shapes[][2] = {{1024, 1024}, {4096, 1024}};
	for (size_t s = 0; s < 2; s++)
		for (int m = 2; m <= 1024; m *= 2)
			rows[n++] = gemm_row(m, shapes[s][0], shapes[s][1]);
	for (int e = 1 << 12; e <= 1 << 26; e <<= 2)
		rows[n++] = triad_row(e);
	return n;
}

static int count_triads(const dc_calib_row *rows, size_t n)
{
	int k = 0;
	for (size_t i = 0; i < n; i++)
		k += !strcmp(rows[i].op, "triad");
	return k;
}

static dc_calib_prov law_prov(const char *date)
{
	dc_calib_prov p;
	memset(&p, 0, sizeof p);
	p.host = "testhost";
	p.cpu = "Test CPU 9000";
	p.blas = "TestBLAS";
	p.dcsim = "0.0.0 (test)";
	p.date = date;
	p.command = "check_calib_out";
	p.model = "synthetic";
	p.cores = 4;
	p.blas_threads = 2;
	p.peak_flops = P_REF;
	p.peak_bw = BW_REF;
	p.peak_note = "measured: the best GEMM rate and the triad bandwidth";
	p.extra = "law: synthetic\nnote without a colon\n";
	return p;
}

/* A fixture: the law's rows, their fit, a held-out check. */
typedef struct fx {
	dc_calib_row rows[MAX_ROWS];
	size_t n;
	dc_calib_fit fit;
	dc_calib_row held[3];
	double pred[3];
	dc_calib_check check;
	dc_calib_prov prov;
} fx;

static void fx_make(fx *f)
{
	memset(f, 0, sizeof *f);
	f->n = law_rows(f->rows);
	dc_err err = DC_ERR_INIT;
	int rc = dc_calib_fit_rows(f->rows, f->n, NULL, P_REF, BW_REF, &f->fit,
				   &err);
	ck_assert_msg(rc == DC_OK, "fit: %d %s", rc, dc_err_text(&err));
	dc_err_free(&err);
	static const int ms[] = {3, 48, 384};
	for (size_t i = 0; i < 3; i++) {
		f->held[i] = gemm_row(ms[i], 1024, 1024);
		f->pred[i] = dc_calib_predict_row(&f->fit, &f->held[i]);
	}
	f->check = (dc_calib_check){f->held, f->pred, 3};
	f->prov = law_prov("2030-01-02T03:04:05Z");
}

/* ---- files ---- */

static char tmp_dir[64];

static void setup_tmp(void)
{
	snprintf(tmp_dir, sizeof tmp_dir, "/tmp/dc_calib_out_XXXXXX");
	ck_assert_msg(mkdtemp(tmp_dir) != NULL, "mkdtemp: %s",
		      strerror(errno));
	unsetenv("GNUPLOT");
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void teardown_tmp(void)
{
	if (tmp_dir[0] && !getenv("DC_KEEP_TMP"))
		nftw(tmp_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	tmp_dir[0] = '\0';
}

static const char *path_in(const char *dir, const char *name)
{
	static char buf[4][1024];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The whole content of PATH (malloc'd, NUL-terminated), or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0, got;
	char *b = malloc(cap);
	while ((got = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0)
			b = realloc(b, cap *= 2);
	}
	fclose(f);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}

/* Lines of TEXT that start with PREFIX. */
static int count_lines(const char *text, const char *prefix)
{
	int n = 0;
	size_t pl = strlen(prefix);
	for (const char *s = text; s && *s;) {
		n += !strncmp(s, prefix, pl);
		const char *nl = strchr(s, '\n');
		s = nl ? nl + 1 : s + strlen(s);
	}
	return n;
}

/* Entries of DIR whose name contains PART. */
static int count_entries(const char *dir, const char *part)
{
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "opendir %s: %s", dir, strerror(errno));
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strstr(e->d_name, part) != NULL;
	closedir(d);
	return n;
}

/* Whether gnuplot can be run: $GNUPLOT, else gnuplot in $PATH (what
 * `command -v gnuplot` says). */
static int have_gnuplot(void)
{
	const char *g = getenv("GNUPLOT");
	const char *prog = g && *g ? g : "gnuplot";
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	const char *path = getenv("PATH");
	char buf[2048];
	snprintf(buf, sizeof buf, "%s", path ? path : "/usr/bin:/bin");
	char *save = NULL;
	for (char *d = strtok_r(buf, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		char p[2200];
		snprintf(p, sizeof p, "%s/%s", d, prog);
		if (access(p, X_OK) == 0)
			return 1;
	}
	return 0;
}

static void assert_png(const char *path)
{
	size_t len = 0;
	char *b = slurp(path, &len);
	ck_assert_msg(b != NULL, "%s missing", path);
	ck_assert_msg(len > 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0,
		      "%s: not a PNG (%zu bytes)", path, len);
	free(b);
}

/* ---- sqlite ---- */

static sqlite3 *db_open_ro(const char *path)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	ck_assert_msg(rc == SQLITE_OK, "open %s: %s", path,
		      sqlite3_errstr(rc));
	return db;
}

static sqlite3_stmt *q(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	return st;
}

static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = q(db, sql);
	ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "%s: no row", sql);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static double q_real(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = q(db, sql);
	ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "%s: no row", sql);
	double v = sqlite3_column_type(st, 0) == SQLITE_NULL
			   ? NAN : sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The text of a one-row, one-column query (static; "" when NULL). */
static const char *q_text(sqlite3 *db, const char *sql)
{
	static char buf[512];
	sqlite3_stmt *st = q(db, sql);
	ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "%s: no row", sql);
	const unsigned char *t = sqlite3_column_text(st, 0);
	snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "");
	sqlite3_finalize(st);
	return buf;
}

static void assert_within(double got, double want, double rel,
			  const char *what)
{
	ck_assert_msg(fabs(got - want) <= rel * fabs(want),
		      "%s: got %.6g, want %.6g within %.0f %%", what, got, want,
		      rel * 100);
}

/* Write the fixture's folder as DIR (force off); asserts success. */
static void write_ok(const char *dir, const fx *f, dc_err *err)
{
	int rc = dc_calib_out_write(dir, &f->prov, f->rows, f->n, &f->fit,
				    &f->check, 0, err);
	ck_assert_msg(rc == DC_OK, "write %s: %d %s", dir, rc,
		      dc_err_text(err));
	ck_assert_int_eq(err->count, 0);
}

/* ---- the folder and its database ---- */

START_TEST(tables_strict_and_counted)
{
	static fx f;
	fx_make(&f);
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	dc_err err = DC_ERR_INIT;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	write_ok(dir, &f, &err);
	ck_assert(exists(path_in(dir, "profile.csv")));
	ck_assert(exists(path_in(dir, "check.csv")));
	sqlite3 *db = db_open_ro(path_in(dir, "calibration.db"));
	static const char *tables[] = {"profile_meta", "profile_rows",
				       "profile_fit", "check_rows"};
	char sql[256];
	for (size_t i = 0; i < 4; i++) {
		snprintf(sql, sizeof sql, "SELECT strict FROM "
			 "pragma_table_list WHERE schema = 'main' AND "
			 "name = '%s'", tables[i]);
		ck_assert_msg(q_int(db, sql) == 1, "%s is not STRICT",
			      tables[i]);
	}
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM profile_rows"),
			 (long long)f.n);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM profile_fit"), 2);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM check_rows"), 3);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM profile_rows WHERE "
			       "class = 'gemm' AND op = 'gemm'"), 20);
	/* NAN max_rel_err is NULL; every row of a fitted class predicted */
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM profile_rows WHERE "
			       "max_rel_err IS NULL"),
			 count_triads(f.rows, f.n));
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM profile_rows WHERE "
			       "predicted_s IS NULL"), 0);
	sqlite3_close(db);
	dc_err_free(&err);
}
END_TEST

START_TEST(fit_recovers_law)
{
	static fx f;
	fx_make(&f);
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	dc_err err = DC_ERR_INIT;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	write_ok(dir, &f, &err);
	sqlite3 *db = db_open_ro(path_in(dir, "calibration.db"));
	static const struct {
		const char *cls;
		const law *l;
	} want[] = {{"gemm", &gemm_law}, {"stream", &stream_law}};
	char sql[256], what[64];
	for (size_t i = 0; i < 2; i++) {
		snprintf(sql, sizeof sql, "SELECT t0_s FROM profile_fit WHERE "
			 "class = '%s'", want[i].cls);
		snprintf(what, sizeof what, "%s t0", want[i].cls);
		assert_within(q_real(db, sql), want[i].l->t0, 0.02, what);
		snprintf(sql, sizeof sql, "SELECT eta_m FROM profile_fit "
			 "WHERE class = '%s'", want[i].cls);
		snprintf(what, sizeof what, "%s eta_m", want[i].cls);
		assert_within(q_real(db, sql), want[i].l->eta_m, 0.02, what);
	}
	assert_within(q_real(db, "SELECT eta_c_max FROM profile_fit WHERE "
			     "class = 'gemm'"), gemm_law.eta_c_max, 0.02,
		      "gemm eta_c_max");
	ck_assert_int_eq(q_int(db, "SELECT compute_fitted FROM profile_fit "
			       "WHERE class = 'gemm'"), 1);
	ck_assert_int_eq(q_int(db, "SELECT compute_fitted FROM profile_fit "
			       "WHERE class = 'stream'"), 0);
	assert_within(q_real(db, "SELECT peak_flops FROM profile_fit LIMIT 1"),
		      P_REF, 1e-12, "peak_flops");
	/* predictions of the measured and the held-out rows follow the law */
	double worst = q_real(db, "SELECT max(abs(predicted_s - time_s) / "
			      "time_s) FROM profile_rows");
	ck_assert_msg(worst < 0.02, "profile_rows off by %g", worst);
	worst = q_real(db, "SELECT max(abs(rel_err)) FROM check_rows");
	ck_assert_msg(worst < 0.02, "check_rows off by %g", worst);
	sqlite3_close(db);
	dc_err_free(&err);
}
END_TEST

START_TEST(meta_holds_provenance)
{
	static fx f;
	fx_make(&f);
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	dc_err err = DC_ERR_INIT;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	write_ok(dir, &f, &err);
	sqlite3 *db = db_open_ro(path_in(dir, "calibration.db"));
	static const char *const kv[][2] = {
		{"device", "Test CPU 9000"}, {"date", "2030-01-02T03:04:05Z"},
		{"host", "testhost"},        {"cpu", "Test CPU 9000"},
		{"blas", "TestBLAS"},        {"dcsim", "0.0.0 (test)"},
		{"command", "check_calib_out"}, {"model", "synthetic"},
		{"cores", "4"},              {"blas_threads", "2"},
		{"kind", "measured"},        {"peak_flops", "2e+11"},
		{"peak_bw", "2e+10"},        {"law", "synthetic"},
		{"extra", "note without a colon"},
		{"peaks", "measured: the best GEMM rate and the triad "
			  "bandwidth"},
	};
	char sql[256];
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
		snprintf(sql, sizeof sql, "SELECT value FROM profile_meta "
			 "WHERE key = '%s'", kv[i][0]);
		ck_assert_str_eq(q_text(db, sql), kv[i][1]);
	}
	sqlite3_close(db);
	dc_err_free(&err);
}
END_TEST

START_TEST(unfitted_class_predicts_null)
{
	static fx f;
	fx_make(&f);
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	unsigned char use[MAX_ROWS];
	for (size_t i = 0; i < f.n; i++)
		use[i] = strcmp(f.rows[i].op, "triad") != 0;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_calib_fit_rows(f.rows, f.n, use, P_REF, BW_REF,
					   &f.fit, &err), DC_OK);
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	int rc = dc_calib_out_write(dir, &f.prov, f.rows, f.n, &f.fit, NULL, 0,
				    &err);
	ck_assert_msg(rc == DC_OK, "%d %s", rc, dc_err_text(&err));
	ck_assert(!exists(path_in(dir, "check.csv")));
	sqlite3 *db = db_open_ro(path_in(dir, "calibration.db"));
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM profile_rows WHERE "
			       "predicted_s IS NULL"),
			 count_triads(f.rows, f.n));
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM profile_fit"), 1);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM pragma_table_list "
			       "WHERE name = 'check_rows'"), 0);
	sqlite3_close(db);
	dc_err_free(&err);
}
END_TEST

START_TEST(check_csv_rows)
{
	static fx f;
	fx_make(&f);
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	dc_err err = DC_ERR_INIT;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	write_ok(dir, &f, &err);
	char *csv = slurp(path_in(dir, "check.csv"), NULL);
	ck_assert_ptr_nonnull(csv);
	ck_assert_msg(!strncmp(csv, "op,m,n,k,measured_s,predicted_s,rel_err\n"
			       "gemm,3,1024,1024,", 57), "check.csv:\n%s", csv);
	ck_assert_int_eq(count_lines(csv, "gemm,"), 3);
	free(csv);
	dc_err_free(&err);
}
END_TEST

/* ---- staging and --force ---- */

START_TEST(existing_refused_then_forced)
{
	static fx f;
	fx_make(&f);
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	dc_err err = DC_ERR_INIT;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	write_ok(dir, &f, &err);
	size_t la, lb;
	char *before = slurp(path_in(dir, "profile.csv"), &la);
	char *dbb = slurp(path_in(dir, "calibration.db"), &lb);
	f.prov.date = "2031-05-06T07:08:09Z";
	dc_err e2 = DC_ERR_INIT;
	int rc = dc_calib_out_write(dir, &f.prov, f.rows, f.n, &f.fit,
				    &f.check, 0, &e2);
	ck_assert_msg(rc == DC_ECREATE, "rc %d: %s", rc, dc_err_text(&e2));
	ck_assert_msg(strstr(dc_err_text(&e2), "not empty"), "%s",
		      dc_err_text(&e2));
	size_t la2, lb2;
	char *after = slurp(path_in(dir, "profile.csv"), &la2);
	char *dba = slurp(path_in(dir, "calibration.db"), &lb2);
	ck_assert_msg(la == la2 && !memcmp(before, after, la),
		      "refused write changed profile.csv");
	ck_assert_msg(lb == lb2 && !memcmp(dbb, dba, lb),
		      "refused write changed calibration.db");
	ck_assert_int_eq(count_entries(tmp_dir, ".partial-"), 0);
	free(after);
	free(dba);
	dc_err_free(&e2);
	/* forced: replaced, nothing left beside it */
	rc = dc_calib_out_write(dir, &f.prov, f.rows, f.n, &f.fit, &f.check,
				1, &e2);
	ck_assert_msg(rc == DC_OK, "rc %d: %s", rc, dc_err_text(&e2));
	sqlite3 *db = db_open_ro(path_in(dir, "calibration.db"));
	ck_assert_str_eq(q_text(db, "SELECT value FROM profile_meta WHERE "
				"key = 'date'"), "2031-05-06T07:08:09Z");
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM profile_rows"),
			 (long long)f.n);
	sqlite3_close(db);
	after = slurp(path_in(dir, "profile.csv"), NULL);
	ck_assert_ptr_nonnull(strstr(after, "# date: 2031-05-06T07:08:09Z"));
	ck_assert_int_eq(count_entries(tmp_dir, ".partial-"), 0);
	ck_assert_int_eq(count_entries(tmp_dir, ".old-"), 0);
	free(after);
	free(before);
	free(dbb);
	dc_err_free(&e2);
	dc_err_free(&err);
}
END_TEST

START_TEST(empty_folder_accepted_file_refused)
{
	static fx f;
	fx_make(&f);
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	dc_err err = DC_ERR_INIT;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/empty", tmp_dir);
	ck_assert_int_eq(mkdir(dir, 0777), 0);
	write_ok(dir, &f, &err); /* as `dcsim run --out` an empty folder */
	ck_assert(exists(path_in(dir, "calibration.db")));
	const char *file = path_in(tmp_dir, "file");
	FILE *fp = fopen(file, "w");
	fputs("mine\n", fp);
	fclose(fp);
	int rc = dc_calib_out_write(file, &f.prov, f.rows, f.n, &f.fit, NULL,
				    1, &err);
	ck_assert_msg(rc == DC_ECREATE, "rc %d: %s", rc, dc_err_text(&err));
	char *b = slurp(file, NULL);
	ck_assert_str_eq(b, "mine\n");
	free(b);
	ck_assert_int_eq(count_entries(tmp_dir, ".partial-"), 0);
	/* a new folder's missing parents are made */
	dc_err_free(&err);
	write_ok(path_in(tmp_dir, "a/b/cal/"), &f, &err);
	ck_assert(exists(path_in(tmp_dir, "a/b/cal/profile.csv")));
	dc_err_free(&err);
}
END_TEST

/* ---- the chart ---- */

/* The chart files of DIR/charts, and the PNG when gnuplot can be run
 * (else the warning saying so, in ERR). */
static void assert_chart(const char *dir, const dc_err *err)
{
	char charts[512];
	snprintf(charts, sizeof charts, "%s/charts", dir);
	ck_assert(exists(path_in(charts, "roofline.gp")));
	ck_assert(exists(path_in(charts, "roofline.csv")));
	if (have_gnuplot()) {
		assert_png(path_in(charts, "roofline.png"));
		ck_assert_msg(err->len == 0, "warnings: %s", dc_err_text(err));
		ck_assert(!exists(path_in(charts, "roofline.log")));
	} else {
		ck_assert_msg(strstr(dc_err_text(err), "cannot run gnuplot "
				     "(not found)") &&
				      strstr(dc_err_text(err), "set GNUPLOT or "
					     "install gnuplot"),
			      "no warning: '%s'", dc_err_text(err));
		ck_assert(!exists(path_in(charts, "roofline.png")));
	}
}

START_TEST(roofline_files)
{
	static fx f;
	fx_make(&f);
	dc_err err = DC_ERR_INIT;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	int rc = dc_calib_out_write(dir, &f.prov, f.rows, f.n, &f.fit,
				    &f.check, 0, &err);
	ck_assert_msg(rc == DC_OK, "%d %s", rc, dc_err_text(&err));
	assert_chart(dir, &err);
	char *csv = slurp(path_in(dir, "charts/roofline.csv"), NULL);
	ck_assert_ptr_nonnull(csv);
	static const char head[] = "series,class,op,m,n,k,size,intensity,"
				   "flop_s\n";
	ck_assert_msg(!strncmp(csv, head, strlen(head)), "header:\n%.200s",
		      csv);
	ck_assert_int_eq(count_lines(csv, "roof,"), 3);
	ck_assert_int_eq(count_lines(csv, "measured,gemm,gemm,"), 20);
	ck_assert_int_eq(count_lines(csv, "measured,stream,triad,"),
			 count_triads(f.rows, f.n));
	ck_assert_int_eq(count_lines(csv, "fitted,gemm,gemm,"), 20);
	ck_assert_int_eq(count_lines(csv, "fitted,stream,triad,"),
			 count_triads(f.rows, f.n));
	/* a blank line between fitted curves (op, n, k): 2 GEMM shapes, and
	 * each triad is its own */
	ck_assert_int_eq(count_lines(csv, "\n"), 1 + count_triads(f.rows, f.n));
	/* a curve is sorted by size: m = 2 first */
	ck_assert_ptr_nonnull(strstr(csv, "\nfitted,gemm,gemm,2,1024,1024,2,"));
	free(csv);
	char *gp = slurp(path_in(dir, "charts/roofline.gp"), NULL);
	ck_assert_ptr_nonnull(gp);
	static const char *want[] = {
		"set logscale xy\n",
		"set xlabel 'arithmetic intensity (FLOP/byte)'\n",
		"set ylabel 'achieved FLOP/s'\n",
		"set title 'roofline - Test CPU 9000' noenhanced\n",
		"title 'roof min(P, BW x I): P = 200 GFLOP/s, BW = 20 GB/s "
		"(measured)'",
		"title 'gemm (measured)'",
		"title 'gemm (fit)'",
		"title 'stream (measured)'",
		"title 'stream (fit)'",
		"gnuplot -c roofline.gp roofline.csv roofline.png",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(strstr(gp, want[i]) != NULL,
			      "script lacks '%s':\n%s", want[i], gp);
	ck_assert_msg(strstr(gp, "pt 7 ") && strstr(gp, "pt 15 "),
		      "one point style per class:\n%s", gp);
	free(gp);
	dc_err_free(&err);
}
END_TEST

START_TEST(missing_gnuplot_warns)
{
	static fx f;
	fx_make(&f);
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	dc_err err = DC_ERR_INIT;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	write_ok(dir, &f, &err);
	ck_assert_msg(strstr(dc_err_text(&err), "warning: cannot run "
			     "/nonexistent/gnuplot (not found): "),
		      "warning: '%s'", dc_err_text(&err));
	ck_assert_msg(strstr(dc_err_text(&err), "cal/charts/roofline.gp") &&
			      !strstr(dc_err_text(&err), ".partial-"),
		      "warning names the staging folder: '%s'",
		      dc_err_text(&err));
	ck_assert(exists(path_in(dir, "charts/roofline.gp")));
	ck_assert(exists(path_in(dir, "charts/roofline.csv")));
	ck_assert(!exists(path_in(dir, "charts/roofline.png")));
	dc_err_free(&err);
}
END_TEST

START_TEST(failing_gnuplot_warns)
{
	static fx f;
	fx_make(&f);
	setenv("GNUPLOT", "false", 1);
	dc_err err = DC_ERR_INIT;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	write_ok(dir, &f, &err);
	ck_assert_msg(strstr(dc_err_text(&err), "cal/charts/roofline.png: "
			     "gnuplot exited with status 1 (see "),
		      "warning: '%s'", dc_err_text(&err));
	dc_err_free(&err);
}
END_TEST

START_TEST(datasheet_peaks_said)
{
	static fx f;
	fx_make(&f);
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	f.prov.kind = "imported";
	f.prov.device = "Test GPU X";
	f.prov.peak_note = NULL; /* an imported profile: datasheet peaks */
	f.prov.extra = "source: vidur/test.csv\n";
	dc_err err = DC_ERR_INIT;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	write_ok(dir, &f, &err);
	char *gp = slurp(path_in(dir, "charts/roofline.gp"), NULL);
	ck_assert_msg(strstr(gp, "GB/s (datasheet)'") &&
			      strstr(gp, "'roofline - Test GPU X'"),
		      "%s", gp);
	free(gp);
	/* the report reads the note back: the '# peaks:' line wins */
	f.prov.kind = NULL;
	f.prov.extra = NULL;
	f.prov.peak_note = "DataSheet: H100 SXM";
	write_ok(path_in(tmp_dir, "cal2"), &f, &err);
	ck_assert_int_eq(dc_calib_report(path_in(tmp_dir, "cal2"), &err),
			 DC_OK);
	gp = slurp(path_in(tmp_dir, "cal2/charts/roofline.gp"), NULL);
	ck_assert_msg(strstr(gp, "GB/s (datasheet)'"), "%s", gp);
	free(gp);
	dc_err_free(&err);
}
END_TEST

/* ---- dc_calib_report ---- */

START_TEST(report_redraws_chart)
{
	static fx f;
	fx_make(&f);
	dc_err err = DC_ERR_INIT;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	int rc = dc_calib_out_write(dir, &f.prov, f.rows, f.n, &f.fit,
				    &f.check, 0, &err);
	ck_assert_int_eq(rc, DC_OK);
	char *old = slurp(path_in(dir, "charts/roofline.csv"), NULL);
	unlink(path_in(dir, "charts/roofline.csv"));
	unlink(path_in(dir, "charts/roofline.png"));
	dc_err_free(&err);
	rc = dc_calib_report(dir, &err);
	ck_assert_msg(rc == DC_OK, "%d %s", rc, dc_err_text(&err));
	assert_chart(dir, &err);
	char *csv = slurp(path_in(dir, "charts/roofline.csv"), NULL);
	ck_assert_ptr_nonnull(csv);
	static const char *prefixes[] = {"roof,", "measured,", "fitted,",
					 "\n"};
	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(count_lines(csv, prefixes[i]),
				 count_lines(old, prefixes[i]));
	ck_assert_int_eq(count_entries(dir, "charts.partial-"), 0);
	ck_assert_int_eq(count_entries(dir, "charts.old-"), 0);
	/* the rest of the folder is left as it was */
	ck_assert(exists(path_in(dir, "calibration.db")));
	ck_assert(exists(path_in(dir, "check.csv")));
	free(csv);
	free(old);
	dc_err_free(&err);
}
END_TEST

START_TEST(report_without_profile_is_enoent)
{
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_calib_report(tmp_dir, &err), DC_ENOENT);
	ck_assert_ptr_nonnull(strstr(dc_err_text(&err), "profile.csv"));
	ck_assert_int_eq(dc_calib_report(path_in(tmp_dir, "nope"), NULL),
			 DC_ENOENT);
	ck_assert(!exists(path_in(tmp_dir, "charts")));
	dc_err_free(&err);
}
END_TEST

START_TEST(report_bad_profile_is_einval)
{
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	FILE *fp = fopen(path_in(tmp_dir, "profile.csv"), "w");
	fputs("# peak_flops: 1e9\n# peak_bw: -4\n"
	      "op,m,n,k,time_s,flops,bytes\n"
	      "gemm,1,8,8,0.1,128,768\n"
	      "frobnicate,1,8,8,0.1,128,768\n", fp);
	fclose(fp);
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_calib_report(tmp_dir, &err), DC_EINVAL);
	const char *t = dc_err_text(&err);
	ck_assert_msg(strstr(t, "device") && strstr(t, "peak_bw") &&
			      strstr(t, "frobnicate"),
		      "every error listed: %s", t);
	ck_assert(!exists(path_in(tmp_dir, "charts")));
	dc_err_free(&err);
}
END_TEST

START_TEST(report_unfittable_profile_warns)
{
	/* one triad row: its class cannot be fitted, the points are drawn */
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	dc_calib_row rows[2] = {gemm_row(2, 64, 64), triad_row(1 << 20)};
	dc_calib_prov p = law_prov("2030-01-01T00:00:00Z");
	dc_err err = DC_ERR_INIT;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	ck_assert_int_eq(dc_calib_out_write(dir, &p, rows, 2, NULL, NULL, 0,
					    &err), DC_OK);
	dc_err_free(&err);
	ck_assert_int_eq(dc_calib_report(dir, &err), DC_OK);
	ck_assert_msg(strstr(dc_err_text(&err), "profile.csv: class 'gemm' "
			     "has one row: drawn, not fitted") &&
			      strstr(dc_err_text(&err), "class 'stream' has "
				     "one row"),
		      "%s", dc_err_text(&err));
	char *csv = slurp(path_in(dir, "charts/roofline.csv"), NULL);
	ck_assert_int_eq(count_lines(csv, "measured,"), 2);
	ck_assert_int_eq(count_lines(csv, "fitted,"), 0);
	free(csv);
	dc_err_free(&err);
}
END_TEST

/* ---- out of memory: nothing left behind ---- */

START_TEST(enomem_write)
{
	static fx f;
	fx_make(&f);
	setenv("GNUPLOT", "true", 1);
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	long k;
	int failures = 0;
	for (k = 0; k < 10000; k++) {
		size_t base = dc_alloc_current();
		dc_err err = DC_ERR_INIT;
		dc_alloc_fail_after(k);
		int rc = dc_calib_out_write(dir, &f.prov, f.rows, f.n, &f.fit,
					    &f.check, 0, &err);
		dc_alloc_fail_after(-1);
		dc_err_free(&err);
		ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM,
			      "allocation %ld failed: rc %d", k, rc);
		ck_assert_msg(dc_alloc_current() == base,
			      "allocation %ld failed: %zu bytes leaked", k,
			      dc_alloc_current() - base);
		if (rc == DC_OK)
			break;
		failures++;
		ck_assert_msg(!exists(dir), "allocation %ld: %s written", k,
			      dir);
		ck_assert_int_eq(count_entries(tmp_dir, ".partial-"), 0);
	}
	ck_assert_msg(failures > 0, "no allocation to fail");
	ck_assert(exists(path_in(dir, "calibration.db")));
}
END_TEST

START_TEST(enomem_report)
{
	static fx f;
	fx_make(&f);
	setenv("GNUPLOT", "true", 1);
	char dir[256];
	snprintf(dir, sizeof dir, "%s/cal", tmp_dir);
	dc_err err = DC_ERR_INIT;
	write_ok(dir, &f, &err);
	dc_err_free(&err);
	long k;
	int failures = 0;
	for (k = 0; k < 100000; k++) {
		size_t base = dc_alloc_current();
		dc_alloc_fail_after(k);
		int rc = dc_calib_report(dir, &err);
		dc_alloc_fail_after(-1);
		dc_err_free(&err);
		ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM,
			      "allocation %ld failed: rc %d", k, rc);
		ck_assert_msg(dc_alloc_current() == base,
			      "allocation %ld failed: %zu bytes leaked", k,
			      dc_alloc_current() - base);
		ck_assert(exists(path_in(dir, "charts/roofline.gp")));
		ck_assert_int_eq(count_entries(dir, "charts."), 0);
		if (rc == DC_OK)
			break;
		failures++;
	}
	ck_assert_msg(failures > 0, "no allocation to fail");
	ck_assert_msg(k < 100000, "never succeeded");
}
END_TEST

/* ---- suite ---- */

static void add(Suite *s, const char *name, const TTest *t)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, setup_tmp, teardown_tmp);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

static Suite *calib_out_suite(void)
{
	Suite *s = suite_create("calib_out");
	add(s, "tables_strict_and_counted", tables_strict_and_counted);
	add(s, "fit_recovers_law", fit_recovers_law);
	add(s, "meta_holds_provenance", meta_holds_provenance);
	add(s, "unfitted_class_predicts_null", unfitted_class_predicts_null);
	add(s, "check_csv_rows", check_csv_rows);
	add(s, "existing_refused_then_forced", existing_refused_then_forced);
	add(s, "empty_folder_accepted_file_refused",
	    empty_folder_accepted_file_refused);
	add(s, "roofline_files", roofline_files);
	add(s, "missing_gnuplot_warns", missing_gnuplot_warns);
	add(s, "failing_gnuplot_warns", failing_gnuplot_warns);
	add(s, "datasheet_peaks_said", datasheet_peaks_said);
	add(s, "report_redraws_chart", report_redraws_chart);
	add(s, "report_without_profile_is_enoent",
	    report_without_profile_is_enoent);
	add(s, "report_bad_profile_is_einval", report_bad_profile_is_einval);
	add(s, "report_unfittable_profile_warns",
	    report_unfittable_profile_warns);
	add(s, "enomem_write", enomem_write);
	add(s, "enomem_report", enomem_report);
	return s;
}

int main(void)
{
	return dc_test_main(calib_out_suite());
}
