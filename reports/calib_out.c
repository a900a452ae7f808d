/* calib_out.c - a calibration result folder: profile, SQLite tables, the
 * held-out check and the roofline chart, staged and moved into place
 * (calib_out.h).  The chart itself is calib_chart.c. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "calib_out.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "../sim/table.h"
#include "calib_chart.h"
#include "internal.h"

static int nomem(dc_err *err)
{
	return dc_err_msg(err, DC_ENOMEM, "out of memory");
}

/* ---- staging: the rules of `dcsim run --out` (sim/cli/outdir.c) --------- */

/* A folder being written: everything goes into DIR, which replaces FINAL
 * only once complete. */
typedef struct stage {
	char *final; /* the folder asked for, trailing slashes removed */
	char *dir;   /* FINAL.partial-PID */
} stage;

/* 1: PATH is a folder with entries; 0: an empty folder; -1: not a folder
 * or unreadable (errno says why). */
static int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	int n = 0;
	while (!n && (e = readdir(d)))
		n = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* mkdir -p of PATH's parents: DC_OK, DC_ENOMEM, or DC_ECREATE (errno
 * says why). */
static int make_parents(const char *path)
{
	char *p = dc_strdup(path);
	if (!p)
		return DC_ENOMEM;
	int rc = DC_OK;
	for (char *s = p + 1; *s && !rc; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) && errno != EEXIST)
			rc = DC_ECREATE;
		*s = '/';
	}
	int e = errno;
	dc_free(p);
	errno = e;
	return rc;
}

static void stage_free(stage *s)
{
	dc_free(s->final);
	dc_free(s->dir);
	s->final = s->dir = NULL;
}

/* Check that FINAL may be written (absent, an empty folder, or FORCE) and
 * create the staging folder beside it.  DC_ECREATE or DC_ENOMEM. */
static int stage_open(stage *s, const char *final, int force, dc_err *err)
{
	struct stat st;
	memset(s, 0, sizeof *s);
	if (stat(final, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return dc_err_msg(err, DC_ECREATE, "%s exists and is "
					  "not a folder", final);
		int ne = dir_entries(final);
		if (ne < 0)
			return dc_err_msg(err, DC_ECREATE, "cannot read %s: %s",
					  final, strerror(errno));
		if (ne && !force)
			return dc_err_msg(err, DC_ECREATE, "%s is not empty: "
					  "refusing to overwrite it (use "
					  "--force, or another --out)", final);
	}
	size_t n = strlen(final);
	while (n > 1 && final[n - 1] == '/')
		n--;
	char suffix[40];
	snprintf(suffix, sizeof suffix, ".partial-%ld", (long)getpid());
	s->final = dc_strndup(final, n);
	s->dir = dc_malloc(n + strlen(suffix) + 1);
	if (!s->final || !s->dir) {
		stage_free(s);
		return nomem(err);
	}
	memcpy(s->dir, final, n);
	strcpy(s->dir + n, suffix);
	int rc = make_parents(s->dir);
	if (!rc && mkdir(s->dir, 0777))
		rc = DC_ECREATE;
	if (rc == DC_ENOMEM)
		nomem(err);
	else if (rc)
		dc_err_msg(err, rc, "cannot create %s: %s", s->dir,
			   strerror(errno));
	if (rc)
		stage_free(s);
	return rc;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Move the staging folder into place, replacing FINAL (moved aside first
 * and put back if the move fails).  DC_ECREATE or DC_ENOMEM; the staging
 * folder is left for stage_abort. */
static int stage_commit(stage *s, dc_err *err)
{
	struct stat st;
	char *old = NULL;
	int there = stat(s->final, &st) == 0;
	if (there && dir_entries(s->final) == 0) {
		rmdir(s->final);
	} else if (there) {
		size_t cap = strlen(s->final) + 32;
		if (!(old = dc_malloc(cap)))
			return nomem(err);
		snprintf(old, cap, "%s.old-%ld", s->final, (long)getpid());
		if (rename(s->final, old)) {
			dc_err_msg(err, DC_ECREATE, "cannot move %s aside: %s",
				   s->final, strerror(errno));
			dc_free(old);
			return DC_ECREATE;
		}
	}
	if (rename(s->dir, s->final)) {
		int e = errno;
		if (old)
			rename(old, s->final);
		dc_free(old);
		return dc_err_msg(err, DC_ECREATE, "cannot move %s to %s: %s",
				  s->dir, s->final, strerror(e));
	}
	if (old)
		rm_tree(old);
	dc_free(old);
	return DC_OK;
}

/* Remove the staging folder and what is in it; free the names. */
static void stage_abort(stage *s)
{
	if (s->dir)
		rm_tree(s->dir);
	stage_free(s);
}

/* Make DIR/charts and draw the roofline in it; FINAL is the folder's name
 * once in place. */
static int charts_write(const char *dir, const char *final, const dc__roof *r,
			dc_err *err)
{
	char *charts = dc__path_join(dir, "charts");
	char *shown = dc__path_join(final, "charts");
	int rc = charts && shown ? DC_OK : nomem(err);
	if (!rc && mkdir(charts, 0777))
		rc = dc_err_msg(err, DC_ECREATE, "cannot create %s: %s",
				charts, strerror(errno));
	if (!rc)
		rc = dc__roof_write(charts, shown, r, err);
	dc_free(charts);
	dc_free(shown);
	return rc;
}

/* ---- calibration.db ------------------------------------------------------ */

static const char schema_sql[] =
	"CREATE TABLE profile_meta(key TEXT NOT NULL, value TEXT NOT NULL)\n"
	"  STRICT;\n"
	"CREATE TABLE profile_rows(\n"
	"  op TEXT NOT NULL, class TEXT, m INTEGER NOT NULL,\n"
	"  n INTEGER NOT NULL, k INTEGER NOT NULL, reps INTEGER NOT NULL,\n"
	"  time_s REAL, flops REAL, bytes REAL, gflop_s REAL, gbyte_s REAL,\n"
	"  max_rel_err REAL, predicted_s REAL) STRICT;\n"
	"CREATE TABLE profile_fit(\n"
	"  class TEXT NOT NULL, rows INTEGER NOT NULL, t0_s REAL,\n"
	"  eta_c_max REAL, s_half REAL, gamma REAL, eta_m REAL,\n"
	"  compute_fitted INTEGER NOT NULL, r2 REAL, max_rel_err REAL,\n"
	"  peak_flops REAL, peak_bw REAL) STRICT;\n";

static const char check_sql[] =
	"CREATE TABLE check_rows(\n"
	"  op TEXT NOT NULL, m INTEGER NOT NULL, n INTEGER NOT NULL,\n"
	"  k INTEGER NOT NULL, measured_s REAL, predicted_s REAL,\n"
	"  rel_err REAL) STRICT;\n";

enum { Q_META, Q_ROW, Q_FIT, Q_CHECK, Q_COUNT };

static const char *const insert_sql[Q_COUNT] = {
	[Q_META] = "INSERT INTO profile_meta VALUES (?, ?)",
	[Q_ROW] = "INSERT INTO profile_rows VALUES "
		  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[Q_FIT] = "INSERT INTO profile_fit VALUES "
		  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[Q_CHECK] = "INSERT INTO check_rows VALUES (?, ?, ?, ?, ?, ?, ?)",
};

/* An open calibration.db and its statements. */
typedef struct cdb {
	sqlite3 *db;
	sqlite3_stmt *st[Q_COUNT];
	const char *path;
	dc_err *err;
} cdb;

/* "PATH: WHAT: sqlite's message" into the error; DC_ENOMEM or DC_EIO. */
static int cdb_fail(cdb *d, int src, const char *what)
{
	int rc = (src & 0xff) == SQLITE_NOMEM ? DC_ENOMEM : DC_EIO;
	return dc_err_msg(d->err, rc, "%s: %s: %s", d->path, what,
			  d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(src));
}

/* Step statement Q (an INSERT) unless binding its values failed
 * (BIND_RC), and reset it for the next row. */
static int cdb_step(cdb *d, int q, int bind_rc, const char *what)
{
	sqlite3_stmt *st = d->st[q];
	int src = bind_rc != SQLITE_OK ? bind_rc : sqlite3_step(st);
	int rc = src == SQLITE_DONE ? DC_OK : cdb_fail(d, src, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* Bind helpers: strings are copied by the step that follows; non-finite
 * numbers are NULL. */
static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT)
		 : sqlite3_bind_null(st, i);
}

static int bind_real(sqlite3_stmt *st, int i, double v)
{
	return isfinite(v) ? sqlite3_bind_double(st, i, v)
			   : sqlite3_bind_null(st, i);
}

static int meta_put(cdb *d, const char *key, const char *value)
{
	sqlite3_stmt *st = d->st[Q_META];
	int b = bind_text(st, 1, key);
	b |= bind_text(st, 2, value ? value : "");
	return cdb_step(d, Q_META, b, "profile_meta");
}

static int meta_num(cdb *d, const char *key, double v)
{
	char buf[40];
	snprintf(buf, sizeof buf, "%.6g", v);
	return meta_put(d, key, buf);
}

/* The "key: value" lines of EXTRA, each as a row (no ':': key "extra"). */
static int meta_extra(cdb *d, const char *extra)
{
	int rc = DC_OK;
	char line[1024];
	for (const char *s = extra; s && *s && !rc;) {
		size_t len = strcspn(s, "\n");
		snprintf(line, sizeof line, "%.*s", (int)len, s);
		s += len + (s[len] == '\n');
		char *c = strchr(line, ':'), *v = c ? c + 1 : line;
		if (c)
			*c = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		if (*line)
			rc = meta_put(d, c ? line : "extra", v);
	}
	return rc;
}

/* Every field of P (as dc_calib_write writes them). */
static int meta_write(cdb *d, const dc_calib_prov *p)
{
	const char *dev = p->device ? p->device : p->cpu;
	const char *kind = p->kind ? p->kind : "measured";
	const struct {
		const char *k, *v;
	} s[] = {{"device", dev},         {"kind", kind},
		 {"peaks", p->peak_note},  {"host", p->host},
		 {"cpu", p->cpu},          {"blas", p->blas},
		 {"dcsim", p->dcsim},      {"date", p->date},
		 {"command", p->command},  {"model", p->model}};
	int rc = DC_OK;
	for (size_t i = 0; i < DC_ARRAY_LEN(s) && !rc; i++)
		rc = meta_put(d, s[i].k, s[i].v);
	if (!rc)
		rc = meta_num(d, "peak_flops", p->peak_flops);
	if (!rc)
		rc = meta_num(d, "peak_bw", p->peak_bw);
	if (!rc)
		rc = meta_num(d, "cores", p->cores);
	if (!rc)
		rc = meta_num(d, "blas_threads", p->blas_threads);
	return rc ? rc : meta_extra(d, p->extra);
}

static int row_put(cdb *d, const dc_calib_row *r, const dc_calib_fit *fit)
{
	sqlite3_stmt *st = d->st[Q_ROW];
	int c = dc_calib_row_class(r);
	int b = bind_text(st, 1, r->op);
	b |= bind_text(st, 2, c < 0 ? NULL : dc_op_class_name((dc_op_class)c));
	b |= sqlite3_bind_int(st, 3, r->m);
	b |= sqlite3_bind_int(st, 4, r->n);
	b |= sqlite3_bind_int(st, 5, r->k);
	b |= sqlite3_bind_int(st, 6, r->reps);
	const double v[] = {r->time_s,
			    r->flops,
			    r->bytes,
			    r->flops / r->time_s * 1e-9,
			    r->bytes / r->time_s * 1e-9,
			    r->max_rel_err,
			    fit ? dc_calib_predict_row(fit, r) : NAN};
	for (int i = 0; i < (int)DC_ARRAY_LEN(v); i++)
		b |= bind_real(st, 7 + i, v[i]);
	return cdb_step(d, Q_ROW, b, "profile_rows");
}

static int fit_put(cdb *d, const dc_calib_fit *f, int c)
{
	const dc_class_fit *x = &f->cls[c];
	sqlite3_stmt *st = d->st[Q_FIT];
	int b = bind_text(st, 1, dc_op_class_name((dc_op_class)c));
	b |= sqlite3_bind_int64(st, 2, (sqlite3_int64)x->rows);
	const double v[] = {x->t0, x->eta_c_max, x->s_half, x->gamma,
			    x->eta_m};
	for (int i = 0; i < (int)DC_ARRAY_LEN(v); i++)
		b |= bind_real(st, 3 + i, v[i]);
	b |= sqlite3_bind_int(st, 8, x->compute_fitted);
	b |= bind_real(st, 9, x->r2);
	b |= bind_real(st, 10, x->max_rel_err);
	b |= bind_real(st, 11, f->peak_flops);
	b |= bind_real(st, 12, f->peak_bw);
	return cdb_step(d, Q_FIT, b, "profile_fit");
}

/* Signed relative error of a prediction; NAN when there is none. */
static double rel_err(double measured, double predicted)
{
	return measured > 0 ? (predicted - measured) / measured : NAN;
}

static int check_put(cdb *d, const dc_calib_check *ck, size_t i)
{
	const dc_calib_row *r = &ck->rows[i];
	double pred = ck->predicted_s ? ck->predicted_s[i] : NAN;
	sqlite3_stmt *st = d->st[Q_CHECK];
	int b = bind_text(st, 1, r->op);
	b |= sqlite3_bind_int(st, 2, r->m);
	b |= sqlite3_bind_int(st, 3, r->n);
	b |= sqlite3_bind_int(st, 4, r->k);
	b |= bind_real(st, 5, r->time_s);
	b |= bind_real(st, 6, pred);
	b |= bind_real(st, 7, rel_err(r->time_s, pred));
	return cdb_step(d, Q_CHECK, b, "check_rows");
}

/* The tables and their prepared inserts, inside an open transaction. */
static int cdb_prepare(cdb *d, int with_check)
{
	char *emsg = NULL;
	int src = sqlite3_exec(d->db, "BEGIN", NULL, NULL, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_exec(d->db, schema_sql, NULL, NULL, &emsg);
	if (src == SQLITE_OK && with_check)
		src = sqlite3_exec(d->db, check_sql, NULL, NULL, &emsg);
	sqlite3_free(emsg);
	if (src != SQLITE_OK)
		return cdb_fail(d, src, "creating tables");
	for (int q = 0; q < Q_COUNT; q++) {
		if (q == Q_CHECK && !with_check)
			continue;
		src = sqlite3_prepare_v2(d->db, insert_sql[q], -1, &d->st[q],
					 NULL);
		if (src != SQLITE_OK)
			return cdb_fail(d, src, insert_sql[q]);
	}
	return DC_OK;
}

/* Every row, in one transaction. */
static int cdb_fill(cdb *d, const dc_calib_prov *p, const dc_calib_row *rows,
		    size_t n, const dc_calib_fit *fit,
		    const dc_calib_check *check)
{
	int rc = meta_write(d, p);
	for (size_t i = 0; i < n && !rc; i++)
		rc = row_put(d, &rows[i], fit);
	for (int c = 0; fit && c < DC_OC_COUNT && !rc; c++)
		if (fit->cls[c].rows)
			rc = fit_put(d, fit, c);
	for (size_t i = 0; check && i < check->n && !rc; i++)
		rc = check_put(d, check, i);
	if (!rc) {
		int src = sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL);
		if (src != SQLITE_OK)
			rc = cdb_fail(d, src, "COMMIT");
	}
	return rc;
}

/* Write PATH (a new file in the staging folder). */
static int db_write(const char *path, const dc_calib_prov *p,
		    const dc_calib_row *rows, size_t n,
		    const dc_calib_fit *fit, const dc_calib_check *check,
		    dc_err *err)
{
	cdb d = {.path = path, .err = err};
	int src = sqlite3_open_v2(path, &d.db,
				  SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
				  NULL);
	int rc = src == SQLITE_OK ? cdb_prepare(&d, check != NULL)
				  : cdb_fail(&d, src, "open");
	if (!rc)
		rc = cdb_fill(&d, p, rows, n, fit, check);
	for (int q = 0; q < Q_COUNT; q++)
		sqlite3_finalize(d.st[q]);
	src = sqlite3_close(d.db);
	if (!rc && src != SQLITE_OK)
		rc = dc_err_msg(err, DC_EIO, "%s: close: %s", path,
				sqlite3_errstr(src));
	return rc;
}

/* ---- the files ----------------------------------------------------------- */

static int profile_write(const char *dir, const dc_calib_prov *p,
			 const dc_calib_row *rows, size_t n, dc_err *err)
{
	char *path = NULL;
	FILE *f;
	int rc = dc__calib_file_open(dir, "profile.csv", &path, &f, err);
	if (!rc) {
		rc = dc_calib_write(f, p, rows, n, err);
		/* a write error is said once */
		int e = dc__calib_file_finish(f, path, rc ? NULL : err);
		rc = rc ? rc : e;
	}
	dc_free(path);
	return rc;
}

static void num_field(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, ",%.9g", v);
	else
		putc(',', f);
}

static int check_write(const char *dir, const dc_calib_check *ck,
		       dc_err *err)
{
	char *path = NULL;
	FILE *f;
	int rc = dc__calib_file_open(dir, "check.csv", &path, &f, err);
	if (!rc) {
		fputs("op,m,n,k,measured_s,predicted_s,rel_err\n", f);
		for (size_t i = 0; i < ck->n; i++) {
			const dc_calib_row *r = &ck->rows[i];
			double pred = ck->predicted_s ? ck->predicted_s[i]
						      : NAN;
			fprintf(f, "%s,%d,%d,%d", r->op, r->m, r->n, r->k);
			num_field(f, r->time_s);
			num_field(f, pred);
			num_field(f, rel_err(r->time_s, pred));
			putc('\n', f);
		}
		rc = dc__calib_file_finish(f, path, err);
	}
	dc_free(path);
	return rc;
}

/* ---- the two entry points ------------------------------------------------ */

/* See calib_out.h: the folder written in DIR.partial-PID, then moved. */
int dc_calib_out_write(const char *dir, const dc_calib_prov *p,
		       const dc_calib_row *rows, size_t n,
		       const dc_calib_fit *fit, const dc_calib_check *check,
		       int force, dc_err *err)
{
	if (!dir || !*dir || !p || (n && !rows) ||
	    (check && check->n && !check->rows))
		return dc_err_msg(err, DC_EINVAL, "calibration output: no "
				  "folder, provenance or rows given");
	stage s;
	int rc = stage_open(&s, dir, force, err);
	if (rc)
		return rc;
	char *db = dc__path_join(s.dir, "calibration.db");
	rc = db ? profile_write(s.dir, p, rows, n, err) : nomem(err);
	if (!rc)
		rc = db_write(db, p, rows, n, fit, check, err);
	if (!rc && check)
		rc = check_write(s.dir, check, err);
	int imported = p->kind && !strcmp(p->kind, "imported");
	dc__roof r = {.device = p->device ? p->device : p->cpu,
		      .kind = dc__peaks_kind(p->peak_note, imported),
		      .P = fit ? fit->peak_flops : p->peak_flops,
		      .BW = fit ? fit->peak_bw : p->peak_bw,
		      .rows = rows, .n = n, .fit = fit};
	if (!rc)
		rc = charts_write(s.dir, s.final, &r, err);
	if (!rc)
		rc = stage_commit(&s, err);
	dc_free(db);
	if (rc)
		stage_abort(&s);
	stage_free(&s);
	return rc;
}

/* USE[i] for P's rows: 0 for a class with one row (it cannot be fitted;
 * a warning names it), 1 for the rest.  Returns the rows kept. */
static size_t fit_use(const dc_profile *p, const char *path,
		      unsigned char *use, dc_err *err)
{
	size_t per[DC_OC_COUNT] = {0}, kept = 0;
	for (size_t i = 0; i < p->n; i++) {
		int c = dc_calib_row_class(&p->rows[i]);
		if (c >= 0)
			per[c]++;
	}
	for (size_t i = 0; i < p->n; i++) {
		int c = dc_calib_row_class(&p->rows[i]);
		use[i] = c >= 0 && per[c] >= 2;
		kept += use[i];
	}
	for (int c = 0; c < DC_OC_COUNT; c++)
		if (per[c] == 1)
			dc_err_warn(err, "%s: class '%s' has one row: drawn, "
				    "not fitted", path,
				    dc_op_class_name((dc_op_class)c));
	return kept;
}

/* Fit P's rows at its peaks into *FIT (*FITP = FIT); a fit that fails
 * leaves *FITP NULL with a warning (the chart then shows the measured
 * points only).  DC_OK or DC_ENOMEM. */
static int report_fit(const dc_profile *p, const char *path,
		      dc_calib_fit *fit, const dc_calib_fit **fitp,
		      dc_err *err)
{
	*fitp = NULL;
	unsigned char *use = dc_malloc(p->n ? p->n : 1);
	if (!use)
		return nomem(err);
	dc_err fe = DC_ERR_INIT;
	int rc = DC_EINVAL;
	if (fit_use(p, path, use, err))
		rc = dc_calib_fit_rows(p->rows, p->n, use, p->peak_flops,
				       p->peak_bw, fit, &fe);
	dc_free(use);
	if (!rc)
		*fitp = fit;
	else if (rc == DC_ENOMEM)
		nomem(err);
	else if (fe.count) {
		const char *t = dc_err_text(&fe);
		if (!strncmp(t, "error: ", 7))
			t += 7;
		dc_err_warn(err, "%s: not fitted (%.*s): the roofline shows "
			    "the measured points only", path,
			    (int)strcspn(t, "\n"), t);
	}
	dc_err_free(&fe);
	return rc == DC_ENOMEM ? rc : DC_OK;
}

/* Redraw DIR/charts from profile P read from PATH (T its table). */
static int report_draw(const char *dir, const char *path, const dc_table *t,
		       const dc_profile *p, dc_err *err)
{
	dc_calib_fit fit;
	const dc_calib_fit *fitp = NULL;
	int rc = report_fit(p, path, &fit, &fitp, err);
	if (rc)
		return rc;
	const char *note = dc_table_meta(t, "peaks", NULL);
	int imported = !strncmp(p->source, "imported", 8);
	dc__roof r = {.device = p->device,
		      .kind = dc__peaks_kind(note, imported),
		      .P = p->peak_flops, .BW = p->peak_bw,
		      .rows = p->rows, .n = p->n, .fit = fitp};
	char *charts = dc__path_join(dir, "charts");
	if (!charts)
		return nomem(err);
	stage s;
	rc = stage_open(&s, charts, 1, err);
	if (!rc)
		rc = dc__roof_write(s.dir, s.final, &r, err);
	if (!rc)
		rc = stage_commit(&s, err);
	if (rc)
		stage_abort(&s);
	stage_free(&s);
	dc_free(charts);
	return rc;
}

/* See calib_out.h: DIR/profile.csv read, fitted and charted again. */
int dc_calib_report(const char *dir, dc_err *err)
{
	char *path = dc__path_join(dir, "profile.csv");
	if (!path)
		return nomem(err);
	dc_table *t = NULL;
	dc_profile p;
	memset(&p, 0, sizeof p);
	int rc = dc_table_load(path, &t, err);
	if (!rc)
		rc = dc_profile_from_table(t, &p, err);
	if (!rc)
		rc = report_draw(dir, path, t, &p, err);
	dc_profile_free(&p);
	dc_table_free(t);
	dc_free(path);
	return rc;
}
