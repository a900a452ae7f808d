/* check_reports.c - the report sinks (SQLite, CSV, charts, Markdown, tee),
 * the replay of stored results and the manifest. */
#include <check.h>
#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <gsl/gsl_version.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "../reports/reports.h"
#include "../sim/alloc.h"
#include "../sim/table.h"
#include "util/run.h"

/* ---- helpers ---- */

static char tmp_dir[64];

static void make_tmp(void)
{
	snprintf(tmp_dir, sizeof tmp_dir, "/tmp/dc_reports_XXXXXX");
	ck_assert_msg(mkdtemp(tmp_dir) != NULL, "mkdtemp: %s",
		      strerror(errno));
}

/* Remove DIR and the files in it (and one level of folders). */
static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char p[512];
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (unlink(p) != 0)
			rm_tree(p);
	}
	closedir(d);
	rmdir(dir);
}

static void teardown_tmp(void)
{
	if (tmp_dir[0] && !getenv("DC_KEEP_TMP"))
		rm_tree(tmp_dir);
	tmp_dir[0] = '\0';
}

static char *path_in(const char *dir, const char *name)
{
	static char buf[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

/* The whole content of PATH (malloc'd, NUL-terminated), or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	size_t got;
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

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int same_double(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return memcmp(&a, &b, sizeof a) == 0;
}

/* ---- the fixture: a known sequence of sink calls ---- */

static const dc_metric_info fx_metrics[] = {
	{ "queue.wait", "queue", "s", DC_METRIC_OBS, "wait per request" },
	{ "power", "", "kW", DC_METRIC_LEVEL, "facility power, \"total\"" },
	{ "odd,name", "rack \"A\"\nline", "\xc2\xb0" "C", DC_METRIC_OBS, "" },
};

typedef struct fx_sample {
	int run;
	const char *metric, *entity;
	double t, v;
} fx_sample;

static fx_sample fx_samples[] = {
	{ 0, "queue.wait", "queue", 0, 0.1 },
	{ 0, "queue.wait", "queue", 60, NAN },
	{ 0, "queue.wait", "queue", 120, 1e-300 },
	{ 0, "power", "", 0, 1234.5 },
	{ 0, "power", "", 60, 1.0 / 3.0 },
	{ 0, "odd,name", "rack \"A\"\nline", 0, 5e-324 },
	{ 0, "odd,name", "rack \"A\"\nline", 60, 1.7976931348623157e308 },
	{ 1, "queue.wait", "queue", 0, 2.5 },
	{ 1, "queue.wait", "queue", 90, -3.25 },
	{ 1, "power", "", 0, 1000 },
};

static dc_run_info fx_runs[] = {
	{ 0, 42, "small \"hall\"", 3600, 3600, 12345, DC_RUN_COMPLETE },
	{ 1, 42, "small \"hall\"", INFINITY, 1800.5, 999,
	  DC_RUN_INTERRUPTED },
	{ 2, 42, "small \"hall\"", 3600, NAN, 0, DC_RUN_FAILED },
};

static dc_stat_row fx_stats[] = {
	{ "queue.wait", "queue", "s", 0, 1, 2, 0.1, 0.05, 1e-300, 0.1, 0.1,
	  0.1, 0.1, 0.1, NAN, NAN },
	{ "power", "", "kW", 0, 1, 7, 900.25, NAN, 1.0 / 3.0, NAN, NAN, NAN,
	  NAN, 1234.5, NAN, NAN },
	{ "queue.wait", "queue", "s", 1, 1, 2, -0.375, 4.1, -3.25, 2.5, 2.5,
	  2.5, 2.5, 2.5, NAN, NAN },
	{ "power", "", "kW", 2, 1, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN,
	  NAN, NAN },
};

static dc_stat_row fx_summary[] = {
	{ "queue.wait", "queue", "s", -1, 3, 4, 1.25, 2.125, -3.25, 0.5,
	  2.5, 2.5, 2.5, 2.5, -1.5, 4.0 },
	{ "power", "", "kW", -1, 3, 7, 900.25, NAN, 1.0 / 3.0, NAN, NAN, NAN,
	  NAN, 1234.5, NAN, NAN },
};

/* Distributions: two entities of one metric, awkward values included. */
typedef struct fx_dist {
	const char *metric, *entity, *unit;
	double q[4], v[4];
} fx_dist;

static const fx_dist fx_dists[] = {
	{ "queue.wait", "queue", "s", { 0, 0.5, 0.99, 1 },
	  { -3.25, 0.1, 2.5, 1e300 } },
	{ "queue.wait", "q,\"2\"", "s", { 0, 0.5, 0.99, 1 },
	  { 0, NAN, 1.0 / 3.0, 4 } },
};

#define CALL(s, op, ...)                                                 \
	((s)->ops->op ? (s)->ops->op((s)->ctx, __VA_ARGS__) : DC_OK)

/* Feed the fixture to S in the documented order (not close). */
static int feed_n(const dc_sink *s, size_t nruns)
{
	int rc;
	for (size_t i = 0; i < DC_ARRAY_LEN(fx_metrics); i++)
		if ((rc = CALL(s, metric, &fx_metrics[i])))
			return rc;
	for (size_t r = 0; r < nruns; r++) {
		if ((rc = CALL(s, run_begin, &fx_runs[r])))
			return rc;
		for (size_t i = 0; i < DC_ARRAY_LEN(fx_samples); i++) {
			const fx_sample *x = &fx_samples[i];
			if (x->run != (int)r)
				continue;
			if ((rc = CALL(s, sample, x->run, x->metric, x->entity,
				       x->t, x->v)))
				return rc;
		}
		for (size_t i = 0; i < DC_ARRAY_LEN(fx_stats); i++) {
			if (fx_stats[i].run != (int)r)
				continue;
			if ((rc = CALL(s, run_stat, &fx_stats[i])))
				return rc;
		}
		if ((rc = CALL(s, run_end, &fx_runs[r])))
			return rc;
	}
	for (size_t i = 0; i < DC_ARRAY_LEN(fx_summary); i++)
		if ((rc = CALL(s, summary, &fx_summary[i])))
			return rc;
	for (size_t i = 0; i < DC_ARRAY_LEN(fx_dists); i++) {
		const fx_dist *d = &fx_dists[i];
		if ((rc = CALL(s, dist, d->metric, d->entity, d->unit, d->q,
			       d->v, 4)))
			return rc;
	}
	return DC_OK;
}

static int feed(const dc_sink *s)
{
	return feed_n(s, DC_ARRAY_LEN(fx_runs));
}

/* Feed, close and free S; the first failure's code. */
static int feed_close_free(dc_sink *s)
{
	int rc = feed(s);
	if (rc == DC_OK && s->ops->close)
		rc = s->ops->close(s->ctx);
	s->ops->free(s->ctx);
	return rc;
}

/* ---- a recording sink: every call as a line of text ---- */

typedef struct rec {
	char *buf;
	size_t len, cap;
} rec;

static void rec_add(rec *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void rec_add(rec *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (r->len + (size_t)n + 1 > r->cap) {
		r->cap = (r->len + (size_t)n + 1) * 2;
		r->buf = realloc(r->buf, r->cap);
	}
	va_start(ap, fmt);
	vsnprintf(r->buf + r->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	r->len += (size_t)n;
}

/* A double as text: %.17g, all NaNs as "NaN". */
static const char *num(double v, char *buf)
{
	if (isnan(v))
		strcpy(buf, "NaN");
	else
		sprintf(buf, "%.17g", v);
	return buf;
}

static int rec_metric(void *ctx, const dc_metric_info *mi)
{
	rec_add(ctx, "metric [%s] [%s] [%s] %d [%s]\n", mi->metric,
		mi->entity, mi->unit, (int)mi->kind, mi->help);
	return DC_OK;
}

static void rec_run(rec *r, const char *op, const dc_run_info *ri)
{
	char a[32], b[32];
	rec_add(r, "%s %d %u [%s] %s %s %llu %d\n", op, ri->run,
		(unsigned)ri->seed, ri->scenario, num(ri->horizon_s, a),
		num(ri->t_end_s, b), (unsigned long long)ri->events,
		(int)ri->status);
}

static int rec_run_begin(void *ctx, const dc_run_info *ri)
{
	rec_run(ctx, "run_begin", ri);
	return DC_OK;
}

static int rec_run_end(void *ctx, const dc_run_info *ri)
{
	rec_run(ctx, "run_end", ri);
	return DC_OK;
}

static int rec_sample(void *ctx, int run, const char *metric,
		      const char *entity, double t, double v)
{
	char a[32], b[32];
	rec_add(ctx, "sample %d [%s] [%s] %s %s\n", run, metric, entity,
		num(t, a), num(v, b));
	return DC_OK;
}

static void rec_stat(rec *r, const char *op, const dc_stat_row *s)
{
	char b[10][32];
	rec_add(r, "%s [%s] [%s] [%s] %d %d %llu %s %s %s %s %s %s %s %s %s "
		   "%s\n",
		op, s->metric, s->entity, s->unit, s->run, s->reps,
		(unsigned long long)s->n, num(s->mean, b[0]),
		num(s->sd, b[1]), num(s->min, b[2]), num(s->p50, b[3]),
		num(s->p90, b[4]), num(s->p99, b[5]), num(s->p999, b[6]),
		num(s->max, b[7]), num(s->ci_lo, b[8]), num(s->ci_hi, b[9]));
}

static int rec_run_stat(void *ctx, const dc_stat_row *s)
{
	rec_stat(ctx, "run_stat", s);
	return DC_OK;
}

static int rec_summary(void *ctx, const dc_stat_row *s)
{
	rec_stat(ctx, "summary", s);
	return DC_OK;
}

static int rec_dist(void *ctx, const char *metric, const char *entity,
		    const char *unit, const double *q, const double *v,
		    size_t n)
{
	char a[32], b[32];
	rec_add(ctx, "dist [%s] [%s] [%s] %zu", metric, entity, unit, n);
	for (size_t i = 0; i < n; i++)
		rec_add(ctx, " %s:%s", num(q[i], a), num(v[i], b));
	rec_add(ctx, "\n");
	return DC_OK;
}

static int rec_close(void *ctx)
{
	rec_add(ctx, "close\n");
	return DC_OK;
}

static void rec_free(void *ctx)
{
	(void)ctx;
}

static const char *rec_errmsg(void *ctx)
{
	(void)ctx;
	return "";
}

static const dc_sink_ops rec_ops = {
	.name = "recorder", .metric = rec_metric, .run_begin = rec_run_begin,
	.sample = rec_sample, .run_stat = rec_run_stat, .run_end = rec_run_end,
	.summary = rec_summary, .dist = rec_dist, .close = rec_close,
	.free = rec_free, .errmsg = rec_errmsg
};

/* The trace of the fixture as fed in, closed. */
static char *expected_trace(void)
{
	rec r = { 0 };
	dc_sink s = { &rec_ops, &r };
	ck_assert_int_eq(feed(&s), DC_OK);
	rec_close(&r);
	return r.buf;
}

/* Compare two traces line by line so that a failure names the line. */
static void assert_same_trace(const char *want, const char *got)
{
	ck_assert_ptr_nonnull(got);
	int line = 1;
	while (*want || *got) {
		size_t wl = strcspn(want, "\n"), gl = strcspn(got, "\n");
		ck_assert_msg(wl == gl && memcmp(want, got, wl) == 0,
			      "trace line %d: want '%.*s', got '%.*s'", line,
			      (int)wl, want, (int)gl, got);
		want += wl + (want[wl] != 0);
		got += gl + (got[gl] != 0);
		line++;
	}
}

/* ---- SQLite sink ---- */

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

static double col_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL
		       ? NAN
		       : sqlite3_column_double(st, i);
}

static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = q(db, sql);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void write_db(const char *path)
{
	dc_sink s;
	dc_err e = DC_ERR_INIT;
	int rc = dc_sink_db_open(path, &s, &e);
	ck_assert_msg(rc == DC_OK, "open: %d %s", rc, dc_err_text(&e));
	rc = feed_close_free(&s);
	ck_assert_msg(rc == DC_OK, "feed: %d", rc);
	dc_err_free(&e);
}

START_TEST(db_samples_round_trip)
{
	make_tmp();
	const char *path = path_in(tmp_dir, "results.db");
	write_db(path);
	sqlite3 *db = db_open_ro(path);
	sqlite3_stmt *st = q(db, "SELECT run, metric, entity, t, value, "
				 "typeof(value) FROM samples ORDER BY rowid");
	size_t i = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		ck_assert_uint_lt(i, DC_ARRAY_LEN(fx_samples));
		const fx_sample *x = &fx_samples[i];
		ck_assert_int_eq(sqlite3_column_int(st, 0), x->run);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 1),
				 x->metric);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 2),
				 x->entity);
		double t = col_real(st, 3), v = col_real(st, 4);
		ck_assert_msg(same_double(t, x->t), "row %zu t %.17g != %.17g",
			      i, t, x->t);
		ck_assert_msg(same_double(v, x->v), "row %zu v %.17g != %.17g",
			      i, v, x->v);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 5),
				 isnan(x->v) ? "null" : "real");
		i++;
	}
	ck_assert_uint_eq(i, DC_ARRAY_LEN(fx_samples));
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

START_TEST(db_runs_metrics_stats_round_trip)
{
	make_tmp();
	const char *path = path_in(tmp_dir, "results.db");
	write_db(path);
	sqlite3 *db = db_open_ro(path);
	sqlite3_stmt *st = q(db, "SELECT metric, entity, unit, kind, help "
				 "FROM metrics ORDER BY rowid");
	static const char *kinds[] = { "obs", "level" };
	for (size_t i = 0; i < DC_ARRAY_LEN(fx_metrics); i++) {
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 0),
				 fx_metrics[i].metric);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 1),
				 fx_metrics[i].entity);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 2),
				 fx_metrics[i].unit);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 3),
				 kinds[fx_metrics[i].kind]);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 4),
				 fx_metrics[i].help);
	}
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);

	static const char *status[] = { "complete", "interrupted", "failed" };
	st = q(db, "SELECT run, scenario, seed, status, horizon, t_end, "
		   "events FROM runs ORDER BY run");
	for (size_t i = 0; i < DC_ARRAY_LEN(fx_runs); i++) {
		const dc_run_info *r = &fx_runs[i];
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(st, 0), r->run);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 1),
				 r->scenario);
		ck_assert_int_eq(sqlite3_column_int64(st, 2), r->seed);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 3),
				 status[r->status]);
		double h = col_real(st, 4);
		ck_assert_msg(isinf(r->horizon_s) ? isnan(h)
						  : h == r->horizon_s,
			      "run %d horizon %g (NULL if infinite)", r->run, h);
		ck_assert_msg(same_double(col_real(st, 5), r->t_end_s),
			      "run %d t_end %g", r->run, col_real(st, 5));
		ck_assert_int_eq(sqlite3_column_int64(st, 6),
				 (long long)r->events);
	}
	sqlite3_finalize(st);

	st = q(db, "SELECT run, metric, entity, unit, n, mean, sd, min, p50, "
		   "p90, p99, p999, max FROM run_stats ORDER BY rowid");
	for (size_t i = 0; i < DC_ARRAY_LEN(fx_stats); i++) {
		const dc_stat_row *r = &fx_stats[i];
		const double want[] = { r->mean, r->sd, r->min, r->p50, r->p90,
					r->p99, r->p999, r->max };
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(st, 0), r->run);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 1),
				 r->metric);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 3),
				 r->unit);
		ck_assert_int_eq(sqlite3_column_int64(st, 4), (long long)r->n);
		for (int c = 0; c < 8; c++)
			ck_assert_msg(same_double(col_real(st, 5 + c), want[c]),
				      "run_stats row %zu col %d: %.17g != "
				      "%.17g",
				      i, 5 + c, col_real(st, 5 + c), want[c]);
	}
	sqlite3_finalize(st);

	st = q(db, "SELECT reps, n, mean, sd, min, p50, p90, p99, p999, max, "
		   "ci_lo, ci_hi FROM summary ORDER BY rowid");
	for (size_t i = 0; i < DC_ARRAY_LEN(fx_summary); i++) {
		const dc_stat_row *r = &fx_summary[i];
		const double want[] = { r->mean, r->sd, r->min, r->p50, r->p90,
					r->p99, r->p999, r->max, r->ci_lo,
					r->ci_hi };
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(st, 0), r->reps);
		ck_assert_int_eq(sqlite3_column_int64(st, 1), (long long)r->n);
		for (int c = 0; c < 10; c++)
			ck_assert_msg(same_double(col_real(st, 2 + c), want[c]),
				      "summary row %zu col %d: %.17g != %.17g",
				      i, 2 + c, col_real(st, 2 + c), want[c]);
	}
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

START_TEST(db_tables_are_strict)
{
	make_tmp();
	const char *path = path_in(tmp_dir, "results.db");
	write_db(path);
	sqlite3 *db = db_open_ro(path);
	static const char *tables[] = { "metrics", "runs", "samples",
					"run_stats", "summary" };
	for (size_t i = 0; i < DC_ARRAY_LEN(tables); i++) {
		char sql[200];
		snprintf(sql, sizeof sql,
			 "SELECT strict FROM pragma_table_list "
			 "WHERE schema = 'main' AND name = '%s'",
			 tables[i]);
		long long strict = q_int(db, sql);
		ck_assert_msg(strict == 1, "table %s: strict = %lld",
			      tables[i], strict);
	}
	sqlite3_stmt *st = q(db, "PRAGMA journal_mode");
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "delete");
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

START_TEST(db_interrupted_run_is_committed)
{
	/* Run 0 completes, run 1 ends interrupted; the sink is then freed
	 * without close, as after SIGINT with a later failure: both runs
	 * are in the file because run_end commits. */
	make_tmp();
	const char *path = path_in(tmp_dir, "results.db");
	dc_sink s;
	dc_err e = DC_ERR_INIT;
	ck_assert_int_eq(dc_sink_db_open(path, &s, &e), DC_OK);
	ck_assert_int_eq(feed_n(&s, 2), DC_OK);
	s.ops->free(s.ctx);
	sqlite3 *db = db_open_ro(path);
	sqlite3_stmt *st = q(db, "SELECT status, t_end, horizon IS NULL FROM "
				 "runs WHERE run = 1");
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0),
			 "interrupted");
	ck_assert_double_eq(sqlite3_column_double(st, 1), 1800.5);
	ck_assert_int_eq(sqlite3_column_int(st, 2), 1);
	sqlite3_finalize(st);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM samples WHERE run "
				   "= 1"),
			 3);
	sqlite3_close(db);
}
END_TEST

START_TEST(db_one_transaction_per_run)
{
	/* While run 1 is open, a second connection sees run 0 (committed at
	 * its run_end) but none of run 1's samples. */
	make_tmp();
	const char *path = path_in(tmp_dir, "results.db");
	dc_sink s;
	dc_err e = DC_ERR_INIT;
	ck_assert_int_eq(dc_sink_db_open(path, &s, &e), DC_OK);
	ck_assert_int_eq(feed_n(&s, 1), DC_OK);  /* ends with summaries */
	s.ops->free(s.ctx);                       /* summary not committed */
	sqlite3 *db = db_open_ro(path);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs"), 1);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM samples"), 7);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM metrics"), 3);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM summary"), 0);
	sqlite3_close(db);

	const char *p2 = path_in(tmp_dir, "r2.db");
	ck_assert_int_eq(dc_sink_db_open(p2, &s, &e), DC_OK);
	ck_assert_int_eq(feed_n(&s, 1), DC_OK);
	ck_assert_int_eq(s.ops->run_begin(s.ctx, &fx_runs[1]), DC_OK);
	ck_assert_int_eq(s.ops->sample(s.ctx, 1, "power", "", 0, 1), DC_OK);
	db = db_open_ro(p2);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM samples WHERE run "
				   "= 1"),
			 0);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM samples WHERE run "
				   "= 0"),
			 7);
	sqlite3_close(db);
	s.ops->free(s.ctx);
	dc_err_free(&e);
}
END_TEST

START_TEST(db_refuses_existing_path)
{
	make_tmp();
	const char *path = path_in(tmp_dir, "results.db");
	FILE *f = fopen(path, "w");
	fputs("precious", f);
	fclose(f);
	dc_sink s;
	dc_err e = DC_ERR_INIT;
	int rc = dc_sink_db_open(path, &s, &e);
	ck_assert_msg(rc == DC_EEXIST, "rc %d: %s", rc, dc_err_text(&e));
	ck_assert_ptr_nonnull(strstr(dc_err_text(&e), path));
	char *back = slurp(path, NULL);
	ck_assert_str_eq(back, "precious");
	free(back);
	dc_err_free(&e);
}
END_TEST

START_TEST(db_error_carries_sqlite_message)
{
	make_tmp();
	const char *path = path_in(tmp_dir, "results.db");
	dc_sink s;
	dc_err e = DC_ERR_INIT;
	ck_assert_int_eq(dc_sink_db_open(path, &s, &e), DC_OK);
	ck_assert_int_eq(s.ops->metric(s.ctx, &fx_metrics[0]), DC_OK);
	int rc = s.ops->metric(s.ctx, &fx_metrics[0]);
	ck_assert_int_ne(rc, DC_OK);
	const char *m = s.ops->errmsg(s.ctx);
	ck_assert_msg(strstr(m, "UNIQUE constraint failed") != NULL, "msg: %s",
		      m);
	s.ops->free(s.ctx);
}
END_TEST

/* ---- CSV sink ---- */

typedef struct csv_rows {
	char **cell;       /* row-major, ncol per row */
	int ncol, nrow, cap;
	int cur;           /* fields in the row being read */
	int bad;           /* a row with another field count */
} csv_rows;

static void cr_field(void *s, size_t len, void *data)
{
	csv_rows *t = data;
	if (t->cur >= t->ncol) {
		t->bad = 1;
		return;
	}
	if ((t->nrow + 1) * t->ncol > t->cap) {
		t->cap = ((t->nrow + 1) * t->ncol) * 2;
		t->cell = realloc(t->cell, (size_t)t->cap * sizeof *t->cell);
	}
	char *c = malloc(len + 1);
	memcpy(c, s, len);
	c[len] = '\0';
	t->cell[t->nrow * t->ncol + t->cur++] = c;
}

static void cr_row(int c, void *data)
{
	(void)c;
	csv_rows *t = data;
	if (t->cur != t->ncol)
		t->bad = 1;
	t->cur = 0;
	t->nrow++;
}

/* Parse PATH with libcsv into rows of NCOL fields (header included). */
static csv_rows read_csv(const char *path, int ncol)
{
	csv_rows t = { NULL, ncol, 0, 0, 0, 0 };
	size_t len;
	char *text = slurp(path, &len);
	ck_assert_msg(text != NULL, "%s missing", path);
	struct csv_parser p;
	csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	ck_assert_uint_eq(csv_parse(&p, text, len, cr_field, cr_row, &t), len);
	ck_assert_int_eq(csv_fini(&p, cr_field, cr_row, &t), 0);
	csv_free(&p);
	free(text);
	ck_assert_msg(!t.bad, "%s: a row without %d fields", path, ncol);
	return t;
}

static const char *cell(const csv_rows *t, int row, int col)
{
	return t->cell[row * t->ncol + col];
}

static void free_rows(csv_rows *t)
{
	for (int i = 0; i < t->nrow * t->ncol; i++)
		free(t->cell[i]);
	free(t->cell);
}

/* Cell as a double, bit-exact against WANT (NaN: an empty field). */
static void assert_cell_num(const csv_rows *t, int row, int col, double want)
{
	const char *c = cell(t, row, col);
	if (isnan(want)) {
		ck_assert_msg(c[0] == '\0', "row %d col %d: '%s', want empty",
			      row, col, c);
		return;
	}
	char *end;
	double v = strtod(c, &end);
	ck_assert_msg(*c && !*end && same_double(v, want),
		      "row %d col %d: '%s', want %.17g", row, col, c, want);
}

static void write_csv(const char *dir)
{
	dc_sink s;
	dc_err e = DC_ERR_INIT;
	int rc = dc_sink_csv_open(dir, &s, &e);
	ck_assert_msg(rc == DC_OK, "open: %d %s", rc, dc_err_text(&e));
	ck_assert_int_eq(feed_close_free(&s), DC_OK);
	dc_err_free(&e);
}

START_TEST(csv_samples_round_trip)
{
	make_tmp();
	write_csv(tmp_dir);
	char *text = slurp(path_in(tmp_dir, "samples.csv"), NULL);
	ck_assert_msg(strncmp(text, "run,metric,entity,t,value\n", 26) == 0,
		      "header: %.40s", text);
	ck_assert_msg(strstr(text, "\n0,\"queue.wait\",\"queue\",60,\n"),
		      "NaN value is not an empty field:\n%s", text);
	free(text);
	csv_rows t = read_csv(path_in(tmp_dir, "samples.csv"), 5);
	ck_assert_int_eq(t.nrow, 1 + (int)DC_ARRAY_LEN(fx_samples));
	for (int i = 0; i < (int)DC_ARRAY_LEN(fx_samples); i++) {
		const fx_sample *x = &fx_samples[i];
		ck_assert_int_eq(atoi(cell(&t, i + 1, 0)), x->run);
		ck_assert_str_eq(cell(&t, i + 1, 1), x->metric);
		ck_assert_str_eq(cell(&t, i + 1, 2), x->entity);
		assert_cell_num(&t, i + 1, 3, x->t);
		assert_cell_num(&t, i + 1, 4, x->v);
	}
	free_rows(&t);
}
END_TEST

START_TEST(csv_runs_stats_summary_round_trip)
{
	make_tmp();
	write_csv(tmp_dir);
	csv_rows t = read_csv(path_in(tmp_dir, "runs.csv"), 7);
	ck_assert_str_eq(cell(&t, 0, 4), "horizon");
	static const char *status[] = { "complete", "interrupted", "failed" };
	ck_assert_int_eq(t.nrow, 4);
	for (int i = 0; i < 3; i++) {
		const dc_run_info *r = &fx_runs[i];
		ck_assert_int_eq(atoi(cell(&t, i + 1, 0)), r->run);
		ck_assert_str_eq(cell(&t, i + 1, 1), r->scenario);
		ck_assert_int_eq(atoll(cell(&t, i + 1, 2)), r->seed);
		ck_assert_str_eq(cell(&t, i + 1, 3), status[r->status]);
		assert_cell_num(&t, i + 1, 4, r->horizon_s);
		assert_cell_num(&t, i + 1, 5, r->t_end_s);
		ck_assert_int_eq(atoll(cell(&t, i + 1, 6)),
				 (long long)r->events);
	}
	free_rows(&t);

	t = read_csv(path_in(tmp_dir, "run_stats.csv"), 13);
	ck_assert_int_eq(t.nrow, 1 + (int)DC_ARRAY_LEN(fx_stats));
	for (int i = 0; i < (int)DC_ARRAY_LEN(fx_stats); i++) {
		const dc_stat_row *r = &fx_stats[i];
		const double want[] = { r->mean, r->sd, r->min, r->p50, r->p90,
					r->p99, r->p999, r->max };
		ck_assert_str_eq(cell(&t, i + 1, 1), r->metric);
		ck_assert_str_eq(cell(&t, i + 1, 3), r->unit);
		for (int c = 0; c < 8; c++)
			assert_cell_num(&t, i + 1, 5 + c, want[c]);
	}
	free_rows(&t);

	t = read_csv(path_in(tmp_dir, "summary.csv"), 15);
	ck_assert_str_eq(cell(&t, 0, 13), "ci_lo");
	for (int i = 0; i < (int)DC_ARRAY_LEN(fx_summary); i++) {
		const dc_stat_row *r = &fx_summary[i];
		const double want[] = { r->mean, r->sd, r->min, r->p50, r->p90,
					r->p99, r->p999, r->max, r->ci_lo,
					r->ci_hi };
		ck_assert_int_eq(atoi(cell(&t, i + 1, 3)), r->reps);
		for (int c = 0; c < 10; c++)
			assert_cell_num(&t, i + 1, 5 + c, want[c]);
	}
	free_rows(&t);
}
END_TEST

START_TEST(csv_negative_zero_is_exact)
{
	make_tmp();
	dc_sink s;
	dc_err e = DC_ERR_INIT;
	ck_assert_int_eq(dc_sink_csv_open(tmp_dir, &s, &e), DC_OK);
	ck_assert_int_eq(s.ops->run_begin ? s.ops->run_begin(s.ctx,
							     &fx_runs[0])
					  : DC_OK,
			 DC_OK);
	ck_assert_int_eq(s.ops->sample(s.ctx, 0, "m", "", -0.0, 0.1 + 0.2),
			 DC_OK);
	ck_assert_int_eq(s.ops->close(s.ctx), DC_OK);
	s.ops->free(s.ctx);
	csv_rows t = read_csv(path_in(tmp_dir, "samples.csv"), 5);
	assert_cell_num(&t, 1, 3, -0.0);
	assert_cell_num(&t, 1, 4, 0.1 + 0.2);
	free_rows(&t);
}
END_TEST

START_TEST(csv_refuses_existing_file)
{
	make_tmp();
	FILE *f = fopen(path_in(tmp_dir, "summary.csv"), "w");
	fputs("keep", f);
	fclose(f);
	dc_sink s;
	dc_err e = DC_ERR_INIT;
	int rc = dc_sink_csv_open(tmp_dir, &s, &e);
	ck_assert_msg(rc == DC_EEXIST, "rc %d: %s", rc, dc_err_text(&e));
	ck_assert_ptr_nonnull(strstr(dc_err_text(&e), "summary.csv"));
	/* the files it had created are removed again; ours is kept */
	ck_assert(!exists(path_in(tmp_dir, "samples.csv")));
	char *back = slurp(path_in(tmp_dir, "summary.csv"), NULL);
	ck_assert_str_eq(back, "keep");
	free(back);
	dc_err_free(&e);
}
END_TEST

/* ---- replay ---- */

static char *replay_trace(const char *dir, int *rc_out, dc_err *e)
{
	rec r = { 0 };
	dc_sink s = { &rec_ops, &r };
	*rc_out = dc_report_replay(dir, &s, e);
	return r.buf;
}

START_TEST(replay_from_db)
{
	make_tmp();
	write_db(path_in(tmp_dir, "results.db"));
	dc_err e = DC_ERR_INIT;
	int rc;
	char *got = replay_trace(tmp_dir, &rc, &e);
	ck_assert_msg(rc == DC_OK, "rc %d: %s", rc, dc_err_text(&e));
	char *want = expected_trace();
	assert_same_trace(want, got);
	free(want);
	free(got);
	dc_err_free(&e);
}
END_TEST

START_TEST(replay_from_csv)
{
	make_tmp();
	write_csv(tmp_dir);
	dc_err e = DC_ERR_INIT;
	int rc;
	char *got = replay_trace(tmp_dir, &rc, &e);
	ck_assert_msg(rc == DC_OK, "rc %d: %s", rc, dc_err_text(&e));
	char *want = expected_trace();
	assert_same_trace(want, got);
	free(want);
	free(got);
	dc_err_free(&e);
}
END_TEST

/* Runs 0 and 2 have samples, run 1 (in between) only statistics. */
static int feed_gap(const dc_sink *s)
{
	int rc = DC_OK;
	for (int r = 0; r < 3 && rc == DC_OK; r++) {
		rc = CALL(s, run_begin, &fx_runs[r]);
		if (rc == DC_OK && r != 1)
			rc = CALL(s, sample, r, "power", "", 10.0 * r, r + 0.5);
		if (rc == DC_OK && r == 1)
			rc = CALL(s, run_stat, &fx_stats[2]);
		if (rc == DC_OK)
			rc = CALL(s, run_end, &fx_runs[r]);
	}
	return rc;
}

START_TEST(replay_run_without_samples)
{
	make_tmp();
	dc_sink s[2];
	dc_err e = DC_ERR_INIT;
	ck_assert_int_eq(dc_sink_csv_open(tmp_dir, &s[0], &e), DC_OK);
	ck_assert_int_eq(dc_sink_db_open(path_in(tmp_dir, "results.db"), &s[1],
					 &e),
			 DC_OK);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(feed_gap(&s[i]), DC_OK);
		ck_assert_int_eq(s[i].ops->close(s[i].ctx), DC_OK);
		s[i].ops->free(s[i].ctx);
	}
	rec want = { 0 };
	dc_sink w = { &rec_ops, &want };
	ck_assert_int_eq(feed_gap(&w), DC_OK);
	rec_close(&want);
	for (int i = 0; i < 2; i++) {  /* from the db, then from csv */
		int rc;
		char *got = replay_trace(tmp_dir, &rc, &e);
		ck_assert_msg(rc == DC_OK, "rc %d: %s", rc, dc_err_text(&e));
		assert_same_trace(want.buf, got);
		free(got);
		unlink(path_in(tmp_dir, "results.db"));
	}
	free(want.buf);
	dc_err_free(&e);
}
END_TEST

START_TEST(replay_empty_dir_is_enoent)
{
	make_tmp();
	dc_err e = DC_ERR_INIT;
	int rc;
	char *got = replay_trace(tmp_dir, &rc, &e);
	ck_assert_msg(rc == DC_ENOENT, "rc %d: %s", rc, dc_err_text(&e));
	ck_assert_ptr_null(got);
	dc_err_free(&e);
}
END_TEST

/* Replace the line LINE (1-based) of PATH by TEXT. */
static void replace_line(const char *path, int line, const char *text)
{
	char *b = slurp(path, NULL);
	FILE *f = fopen(path, "w");
	int n = 1;
	for (char *p = b; *p;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (n == line)
			fputs(text, f);
		else
			fwrite(p, 1, len, f);
		p += len;
		n++;
	}
	fclose(f);
	free(b);
}

START_TEST(replay_csv_error_names_line)
{
	make_tmp();
	write_csv(tmp_dir);
	/* line 1 is the header, line 4 the third sample */
	replace_line(path_in(tmp_dir, "samples.csv"), 4,
		     "0,\"queue.wait\",\"queue\",120,oops\n");
	dc_err e = DC_ERR_INIT;
	int rc;
	char *got = replay_trace(tmp_dir, &rc, &e);
	ck_assert_msg(rc == DC_EINVAL, "rc %d: %s", rc, dc_err_text(&e));
	char want[600];
	snprintf(want, sizeof want, "%s/samples.csv:4:5: error: value: 'oops' "
		 "is not a number\n", tmp_dir);
	ck_assert_str_eq(dc_err_text(&e), want);
	free(got);
	dc_err_free(&e);
}
END_TEST

START_TEST(replay_csv_line_counts_quoted_newlines)
{
	/* The "odd,name" samples hold a line break inside a quoted field:
	 * rows 7 and 8 start on lines 7 and 9.  Break the row on line 9. */
	make_tmp();
	write_csv(tmp_dir);
	const char *path = path_in(tmp_dir, "samples.csv");
	char *b = slurp(path, NULL);
	char *p = strstr(b, "\n0,\"odd,name\",\"rack \"\"A\"\"\nline\",60,");
	ck_assert_ptr_nonnull(p);
	p[1] = 'x';  /* run "x" is not an integer */
	FILE *f = fopen(path, "w");
	fputs(b, f);
	fclose(f);
	free(b);
	dc_err e = DC_ERR_INIT;
	int rc;
	char *got = replay_trace(tmp_dir, &rc, &e);
	ck_assert_int_eq(rc, DC_EINVAL);
	char want[600];
	snprintf(want, sizeof want, "%s/samples.csv:9:1: error: run: 'x' is "
		 "not an integer in [0, 2147483647]\n", tmp_dir);
	ck_assert_str_eq(dc_err_text(&e), want);
	free(got);
	dc_err_free(&e);
}
END_TEST

START_TEST(replay_csv_bad_header)
{
	make_tmp();
	write_csv(tmp_dir);
	replace_line(path_in(tmp_dir, "runs.csv"), 1, "run,scenario\n");
	dc_err e = DC_ERR_INIT;
	int rc;
	char *got = replay_trace(tmp_dir, &rc, &e);
	ck_assert_int_eq(rc, DC_EINVAL);
	char want[600];
	snprintf(want, sizeof want, "%s/runs.csv:1:1: error: header row is "
		 "not 'run,scenario,seed,status,horizon,t_end,events'\n",
		 tmp_dir);
	ck_assert_str_eq(dc_err_text(&e), want);
	free(got);
	dc_err_free(&e);
}
END_TEST

START_TEST(replay_db_not_a_database)
{
	make_tmp();
	FILE *f = fopen(path_in(tmp_dir, "results.db"), "w");
	fputs("this is not sqlite, just some text of sufficient length to "
	      "fill a header............................................\n",
	      f);
	fclose(f);
	dc_err e = DC_ERR_INIT;
	int rc;
	char *got = replay_trace(tmp_dir, &rc, &e);
	ck_assert_msg(rc == DC_EINVAL, "rc %d: %s", rc, dc_err_text(&e));
	ck_assert_msg(strstr(dc_err_text(&e), "results.db") != NULL, "%s",
		      dc_err_text(&e));
	free(got);
	dc_err_free(&e);
}
END_TEST

/* ---- charts ---- */

static const char *chart_csv_want =
	"t,run0,run1\n"
	"0,0.5,2\n"
	"30,,-3.25\n"
	"60,1.5,\n"
	"90,,4\n";

static void feed_chart_input(const dc_sink *s)
{
	static const dc_metric_info mi = { "queue.wait", "q 1", "s",
					   DC_METRIC_OBS, "" };
	ck_assert_int_eq(s->ops->metric(s->ctx, &mi), DC_OK);
	ck_assert_int_eq(CALL(s, run_begin, &fx_runs[0]), DC_OK);
	ck_assert_int_eq(s->ops->sample(s->ctx, 0, "queue.wait", "q 1", 0, 0.5),
			 DC_OK);
	ck_assert_int_eq(s->ops->sample(s->ctx, 0, "queue.wait", "q 1", 60,
					1.5),
			 DC_OK);
	ck_assert_int_eq(s->ops->sample(s->ctx, 0, "hall.power", "", 0, 7),
			 DC_OK);
	ck_assert_int_eq(s->ops->sample(s->ctx, 0, "hall.power", "", 10000, 8),
			 DC_OK);
	ck_assert_int_eq(CALL(s, run_end, &fx_runs[0]), DC_OK);
	ck_assert_int_eq(CALL(s, run_begin, &fx_runs[1]), DC_OK);
	ck_assert_int_eq(s->ops->sample(s->ctx, 1, "queue.wait", "q 1", 0, 2),
			 DC_OK);
	ck_assert_int_eq(s->ops->sample(s->ctx, 1, "queue.wait", "q 1", 90, 4),
			 DC_OK);
	/* out of time order: the chart sorts it */
	ck_assert_int_eq(s->ops->sample(s->ctx, 1, "queue.wait", "q 1", 30,
					-3.25),
			 DC_OK);
	ck_assert_int_eq(CALL(s, run_end, &fx_runs[1]), DC_OK);
}

static int have_gnuplot(void)
{
	const char *path = getenv("PATH");
	if (!path)
		return 0;
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *d = strtok(buf, ":"); d; d = strtok(NULL, ":")) {
		char p[1100];
		snprintf(p, sizeof p, "%s/gnuplot", d);
		if (access(p, X_OK) == 0)
			return 1;
	}
	return 0;
}

static void run_charts(const char *dir, dc_err *warn)
{
	dc_sink s;
	ck_assert_int_eq(dc_sink_charts_open(dir, warn, &s), DC_OK);
	feed_chart_input(&s);
	int rc = s.ops->close(s.ctx);
	ck_assert_msg(rc == DC_OK, "close: %d %s", rc, s.ops->errmsg(s.ctx));
	s.ops->free(s.ctx);
}

START_TEST(charts_data_and_script)
{
	make_tmp();
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	dc_err w = DC_ERR_INIT;
	char dir[128];
	snprintf(dir, sizeof dir, "%s/charts", tmp_dir);
	run_charts(dir, &w);
	char *csv = slurp(path_in(dir, "queue.wait-q_1.csv"), NULL);
	ck_assert_ptr_nonnull(csv);
	ck_assert_str_eq(csv, chart_csv_want);
	free(csv);
	char *gp = slurp(path_in(dir, "queue.wait-q_1.gp"), NULL);
	ck_assert_ptr_nonnull(gp);
	static const char *want[] = {
		"set terminal pngcairo size 1000,600 noenhanced\n",
		"set output ARG2\n",
		"set datafile separator ','\n",
		"set title 'queue.wait - q 1' noenhanced\n",
		"set xlabel 'time (s)'\n",
		"set ylabel 'queue.wait (s)'\n",
		("plot ARG1 skip 1 using 1:2 with lines title 'run0', \\\n"
		 "     ARG1 skip 1 using 1:3 with lines title 'run1'\n"),
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(want); i++)
		ck_assert_msg(strstr(gp, want[i]) != NULL,
			      "script lacks '%s':\n%s", want[i], gp);
	free(gp);
	gp = slurp(path_in(dir, "hall.power.gp"), NULL);
	ck_assert_ptr_nonnull(gp);
	ck_assert_msg(strstr(gp, "set xlabel 'time (h)'\n") &&
			      strstr(gp, "using ($1/3600):2 with lines"),
		      "10000 s is not plotted in hours:\n%s", gp);
	ck_assert_msg(strstr(gp, "set ylabel 'hall.power'\n"),
		      "undeclared metric has no unit:\n%s", gp);
	free(gp);
	dc_err_free(&w);
}
END_TEST

START_TEST(charts_missing_gnuplot_warns)
{
	make_tmp();
	setenv("GNUPLOT", "/nonexistent", 1);
	dc_err w = DC_ERR_INIT;
	run_charts(tmp_dir, &w);
	ck_assert_int_eq(w.count, 0);
	ck_assert_msg(strncmp(dc_err_text(&w), "warning: cannot run "
				"/nonexistent", 32) == 0,
		      "warning: '%s'", dc_err_text(&w));
	ck_assert(exists(path_in(tmp_dir, "queue.wait-q_1.gp")));
	ck_assert(exists(path_in(tmp_dir, "hall.power.csv")));
	ck_assert(!exists(path_in(tmp_dir, "queue.wait-q_1.png")));
	dc_err_free(&w);
}
END_TEST

START_TEST(charts_failing_gnuplot_warns)
{
	make_tmp();
	setenv("GNUPLOT", "false", 1);
	dc_err w = DC_ERR_INIT;
	run_charts(tmp_dir, &w);
	ck_assert_int_eq(w.count, 0);
	ck_assert_msg(strstr(dc_err_text(&w), "queue.wait-q_1.png: gnuplot "
				"exited with status 1") != NULL,
		      "warning: '%s'", dc_err_text(&w));
	dc_err_free(&w);
}
END_TEST

START_TEST(charts_png_with_gnuplot)
{
	if (!have_gnuplot())
		return;
	make_tmp();
	unsetenv("GNUPLOT");
	dc_err w = DC_ERR_INIT;
	run_charts(tmp_dir, &w);
	ck_assert_msg(w.len == 0, "warnings: %s", dc_err_text(&w));
	static const char *pngs[] = { "queue.wait-q_1.png", "hall.power.png" };
	for (size_t i = 0; i < DC_ARRAY_LEN(pngs); i++) {
		size_t len = 0;
		char *b = slurp(path_in(tmp_dir, pngs[i]), &len);
		ck_assert_msg(b != NULL, "%s missing", pngs[i]);
		ck_assert_msg(len > 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0,
			      "%s: not a PNG (%zu bytes)", pngs[i], len);
		free(b);
	}
	ck_assert(!exists(path_in(tmp_dir, "hall.power.log")));
	dc_err_free(&w);
}
END_TEST

START_TEST(charts_refuse_existing_file)
{
	make_tmp();
	setenv("GNUPLOT", "/nonexistent", 1);
	FILE *f = fopen(path_in(tmp_dir, "hall.power.gp"), "w");
	fclose(f);
	dc_err w = DC_ERR_INIT;
	dc_sink s;
	ck_assert_int_eq(dc_sink_charts_open(tmp_dir, &w, &s), DC_OK);
	feed_chart_input(&s);
	int rc = s.ops->close(s.ctx);
	ck_assert_msg(rc == DC_EEXIST, "rc %d: %s", rc, s.ops->errmsg(s.ctx));
	ck_assert_ptr_nonnull(strstr(s.ops->errmsg(s.ctx), "hall.power.gp"));
	s.ops->free(s.ctx);
	dc_err_free(&w);
}
END_TEST

/* ---- Markdown ---- */

START_TEST(md_tables)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	dc_sink s;
	ck_assert_int_eq(dc_sink_md_open(f, "Hall | test", &s), DC_OK);
	ck_assert_int_eq(feed(&s), DC_OK);
	ck_assert_int_eq(s.ops->close(s.ctx), DC_OK);
	s.ops->free(s.ctx);
	fclose(f);
	static const char *want =
		"# Hall | test\n"
		"\n"
		"## Runs\n"
		"\n"
		"| run | status | simulated time | events |\n"
		"|---:|---|---:|---:|\n"
		"| 0 | complete | 60 min | 12345 |\n"
		"| 1 | interrupted | 30.01 min | 999 |\n"
		"| 2 | failed | n/a | 0 |\n"
		"\n"
		"## Summary\n"
		"\n"
		"| metric | entity | unit | mean | 95 % CI | sd | p50 | p90 "
		"| p99 | max | reps |\n"
		"|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|\n"
		"| queue.wait | queue | s | 1.25 | [-1.5, 4] | 2.125 | 0.5 "
		"| 2.5 | 2.5 | 2.5 | 3 |\n"
		"| power |  | kW | 900.2 | n/a | n/a | n/a | n/a | n/a "
		"| 1234 | 3 |\n";
	ck_assert_str_eq(text, want);
	free(text);
}
END_TEST

START_TEST(md_escapes_pipes)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	dc_sink s;
	ck_assert_int_eq(dc_sink_md_open(f, NULL, &s), DC_OK);
	dc_stat_row r = fx_summary[0];
	r.metric = "a|b";
	r.entity = "x\ny";
	ck_assert_int_eq(s.ops->summary(s.ctx, &r), DC_OK);
	ck_assert_int_eq(s.ops->close(s.ctx), DC_OK);
	s.ops->free(s.ctx);
	fclose(f);
	ck_assert_msg(strstr(text, "# dcsim report\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "| a\\|b | x y | s |") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "No runs.") != NULL, "%s", text);
	free(text);
}
END_TEST

/* ---- tee ---- */

static int fail_sample(void *ctx, int run, const char *metric,
		       const char *entity, double t, double v)
{
	(void)ctx, (void)run, (void)metric, (void)entity, (void)t, (void)v;
	return DC_EIO;
}

static const char *fail_errmsg(void *ctx)
{
	(void)ctx;
	return "disk on fire";
}

static int free_count;

static void count_free(void *ctx)
{
	(void)ctx;
	free_count++;
}

START_TEST(tee_forwards_in_order)
{
	rec a = { 0 }, b = { 0 };
	dc_sink sinks[2] = { { &rec_ops, &a }, { &rec_ops, &b } };
	dc_sink t;
	ck_assert_int_eq(dc_sink_tee(sinks, 2, &t), DC_OK);
	ck_assert_int_eq(feed(&t), DC_OK);
	ck_assert_int_eq(t.ops->close(t.ctx), DC_OK);
	t.ops->free(t.ctx);
	char *want = expected_trace();
	assert_same_trace(want, a.buf);
	assert_same_trace(want, b.buf);
	free(want);
	free(a.buf);
	free(b.buf);
}
END_TEST

START_TEST(tee_stops_at_failure)
{
	static const dc_sink_ops failing = {
		.name = "failing", .sample = fail_sample, .free = count_free,
		.errmsg = fail_errmsg
	};
	rec a = { 0 };
	dc_sink sinks[2] = { { &failing, NULL }, { &rec_ops, &a } };
	dc_sink t;
	free_count = 0;
	ck_assert_int_eq(dc_sink_tee(sinks, 2, &t), DC_OK);
	int rc = t.ops->sample(t.ctx, 0, "m", "", 0, 1);
	ck_assert_int_eq(rc, DC_EIO);
	ck_assert_str_eq(t.ops->errmsg(t.ctx), "failing sink: disk on fire");
	ck_assert_ptr_null(a.buf);  /* the second sink was not called */
	t.ops->free(t.ctx);
	ck_assert_int_eq(free_count, 1);
}
END_TEST

/* ---- manifest ---- */

static char *json_of(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	dc_json_string(f, s);
	fclose(f);
	return text;
}

START_TEST(json_string_escapes)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "plain", "\"plain\"" },
		{ "q\"uote", "\"q\\\"uote\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "new\nline\ttab\rcr", "\"new\\nline\\ttab\\rcr\"" },
		{ "\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"" },
		{ "\b\f", "\"\\b\\f\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\"" },
		{ "bad\xff\xc3", "\"bad\\ufffd\\ufffd\"" },
		{ "", "\"\"" },
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
		char *got = json_of(cases[i].in);
		ck_assert_msg(strcmp(got, cases[i].want) == 0,
			      "case %zu: got %s want %s", i, got,
			      cases[i].want);
		free(got);
	}
	char *got = json_of(NULL);
	ck_assert_str_eq(got, "null");
	free(got);
}
END_TEST

START_TEST(manifest_file)
{
	make_tmp();
	char *argv[] = { "dcsim", "run", "hall \"A\".yaml", NULL };
	/* one input read, a profile with two provenance lines */
	const char *pt = "# device: cpu \"x\"\n# date: 2026-11-29\nop,m\nqkv,1\n";
	dc_table *in = NULL;
	ck_assert_int_eq(dc_table_load_string("p", pt, strlen(pt), &in, NULL),
			 DC_OK);
	const char *names[] = {"calibration/host"};
	const dc_table *tables[] = {in};
	dc_manifest m = { "0.1.0", "unknown", 3, argv, "hall \"A\".yaml",
			  "hall\\A", 42, 3, "complete", 1.5, 123456789012ULL,
			  "2026-11-28T21:41:12Z", "host\n1", "both", 1, names,
			  tables, "data" };
	const char *path = path_in(tmp_dir, "manifest.json");
	dc_err e = DC_ERR_INIT;
	int rc = dc_manifest_write(path, &m, &e);
	ck_assert_msg(rc == DC_OK, "rc %d: %s", rc, dc_err_text(&e));
	char want[2048];
	snprintf(want, sizeof want,
		 "{\n"
		 "  \"dcsim_version\": \"0.1.0\",\n"
		 "  \"git_revision\": \"unknown\",\n"
		 "  \"argv\": [\"dcsim\", \"run\", \"hall \\\"A\\\".yaml\"],\n"
		 "  \"scenario_path\": \"hall \\\"A\\\".yaml\",\n"
		 "  \"scenario_name\": \"hall\\\\A\",\n"
		 "  \"seed\": 42,\n"
		 "  \"reps\": 3,\n"
		 "  \"status\": \"complete\",\n"
		 "  \"wall_s\": 1.500,\n"
		 "  \"events\": 123456789012,\n"
		 "  \"started_utc\": \"2026-11-28T21:41:12Z\",\n"
		 "  \"host\": \"host\\n1\",\n"
		 "  \"formats\": \"both\",\n"
		 "  \"inputs\": [\n"
		 "    {\"file\": \"data/calibration/host.csv\", "
		 "\"provenance\": {\"device\": \"cpu \\\"x\\\"\", "
		 "\"date\": \"2026-11-29\"}}\n"
		 "  ],\n"
		 "  \"libraries\": {\n"
		 "    \"gsl\": \"%s\",\n"
		 "    \"sqlite\": \"%s\",\n"
		 "    \"libyaml\": \"%s\",\n"
		 "    \"libcsv\": \"%d.%d.%d\"\n"
		 "  }\n"
		 "}\n",
		 gsl_version, sqlite3_libversion(), yaml_get_version_string(),
		 CSV_MAJOR, CSV_MINOR, CSV_RELEASE);
	char *got = slurp(path, NULL);
	ck_assert_str_eq(got, want);
	free(got);

	rc = dc_manifest_write(path, &m, &e);
	ck_assert_msg(rc == DC_EEXIST, "second write: rc %d", rc);
	dc_err_free(&e);
	dc_table_free(in);
}
END_TEST

/* ---- allocation failure injection ---- */

typedef int (*scenario_fn)(const char *dir, int attempt);

/* Fail the 1st, 2nd, ... allocation of FN until it succeeds; every
 * failure must be DC_ENOMEM and leave no allocation behind. */
static void inject(scenario_fn fn, const char *what)
{
	long k;
	int failures = 0;
	for (k = 0; k < 100000; k++) {
		size_t base = dc_alloc_current();
		dc_alloc_fail_after(k);
		int rc = fn(tmp_dir, (int)k);
		dc_alloc_fail_after(-1);
		ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM,
			      "%s: allocation %ld failed: rc %d", what, k, rc);
		ck_assert_msg(dc_alloc_current() == base,
			      "%s: allocation %ld failed: %zu bytes leaked",
			      what, k, dc_alloc_current() - base);
		if (rc == DC_OK)
			break;
		failures++;
	}
	ck_assert_msg(failures > 0, "%s: no allocation to fail", what);
	ck_assert_msg(k < 100000, "%s never succeeded", what);
}

static const char *sub_dir(const char *dir, int attempt)
{
	static char p[256];
	snprintf(p, sizeof p, "%s/a%d", dir, attempt);
	return p;
}

static int sc_db(const char *dir, int attempt)
{
	char p[256];
	snprintf(p, sizeof p, "%s/r%d.db", dir, attempt);
	dc_sink s;
	dc_err e = DC_ERR_INIT;
	int rc = dc_sink_db_open(p, &s, &e);
	dc_err_free(&e);
	if (rc == DC_OK)
		rc = feed_close_free(&s);
	return rc;
}

static int sc_csv(const char *dir, int attempt)
{
	dc_sink s;
	dc_err e = DC_ERR_INIT;
	int rc = dc_sink_csv_open(sub_dir(dir, attempt), &s, &e);
	dc_err_free(&e);
	if (rc == DC_OK)
		rc = feed_close_free(&s);
	return rc;
}

static int sc_charts(const char *dir, int attempt)
{
	dc_sink s;
	dc_err w = DC_ERR_INIT;
	int rc = dc_sink_charts_open(sub_dir(dir, attempt), &w, &s);
	if (rc == DC_OK)
		rc = feed_close_free(&s);
	dc_err_free(&w);
	return rc;
}

static int sc_md(const char *dir, int attempt)
{
	(void)dir, (void)attempt;
	FILE *f = fopen("/dev/null", "w");
	dc_sink s;
	int rc = dc_sink_md_open(f, "t", &s);
	if (rc == DC_OK)
		rc = feed_close_free(&s);
	fclose(f);
	return rc;
}

static int sc_tee(const char *dir, int attempt)
{
	FILE *f = fopen("/dev/null", "w");
	dc_sink k[2], t;
	dc_err e = DC_ERR_INIT;
	int rc = dc_sink_csv_open(sub_dir(dir, attempt), &k[0], &e);
	dc_err_free(&e);
	if (rc == DC_OK) {
		rc = dc_sink_md_open(f, "t", &k[1]);
		if (rc != DC_OK)
			k[0].ops->free(k[0].ctx);
	}
	if (rc == DC_OK)
		rc = dc_sink_tee(k, 2, &t);
	if (rc == DC_OK)
		rc = feed_close_free(&t);
	fclose(f);
	return rc;
}

static int sc_replay(const char *dir, int attempt)
{
	(void)attempt;
	rec r = { 0 };
	dc_sink s = { &rec_ops, &r };
	dc_err e = DC_ERR_INIT;
	int rc = dc_report_replay(dir, &s, &e);
	dc_err_free(&e);
	free(r.buf);
	return rc;
}

START_TEST(enomem_db)
{
	make_tmp();
	inject(sc_db, "sqlite sink");
}
END_TEST

START_TEST(enomem_csv)
{
	make_tmp();
	inject(sc_csv, "csv sink");
}
END_TEST

START_TEST(enomem_charts)
{
	make_tmp();
	setenv("GNUPLOT", "true", 1);
	inject(sc_charts, "chart sink");
}
END_TEST

START_TEST(enomem_md)
{
	inject(sc_md, "markdown sink");
}
END_TEST

START_TEST(enomem_tee)
{
	make_tmp();
	inject(sc_tee, "tee");
}
END_TEST

START_TEST(enomem_replay_csv)
{
	make_tmp();
	write_csv(tmp_dir);
	inject(sc_replay, "replay from csv");
}
END_TEST

START_TEST(enomem_replay_db)
{
	make_tmp();
	write_db(path_in(tmp_dir, "results.db"));
	inject(sc_replay, "replay from db");
}
END_TEST

/* ---- suite ---- */

static void add(Suite *s, const char *name, const TTest *t)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, NULL, teardown_tmp);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

static Suite *reports_suite(void)
{
	Suite *s = suite_create("reports");
	add(s, "db_samples_round_trip", db_samples_round_trip);
	add(s, "db_runs_metrics_stats_round_trip",
	    db_runs_metrics_stats_round_trip);
	add(s, "db_tables_are_strict", db_tables_are_strict);
	add(s, "db_interrupted_run_is_committed",
	    db_interrupted_run_is_committed);
	add(s, "db_one_transaction_per_run", db_one_transaction_per_run);
	add(s, "db_refuses_existing_path", db_refuses_existing_path);
	add(s, "db_error_carries_sqlite_message",
	    db_error_carries_sqlite_message);
	add(s, "csv_samples_round_trip", csv_samples_round_trip);
	add(s, "csv_runs_stats_summary_round_trip",
	    csv_runs_stats_summary_round_trip);
	add(s, "csv_negative_zero_is_exact", csv_negative_zero_is_exact);
	add(s, "csv_refuses_existing_file", csv_refuses_existing_file);
	add(s, "replay_from_db", replay_from_db);
	add(s, "replay_from_csv", replay_from_csv);
	add(s, "replay_run_without_samples", replay_run_without_samples);
	add(s, "replay_empty_dir_is_enoent", replay_empty_dir_is_enoent);
	add(s, "replay_csv_error_names_line", replay_csv_error_names_line);
	add(s, "replay_csv_line_counts_quoted_newlines",
	    replay_csv_line_counts_quoted_newlines);
	add(s, "replay_csv_bad_header", replay_csv_bad_header);
	add(s, "replay_db_not_a_database", replay_db_not_a_database);
	add(s, "charts_data_and_script", charts_data_and_script);
	add(s, "charts_missing_gnuplot_warns", charts_missing_gnuplot_warns);
	add(s, "charts_failing_gnuplot_warns", charts_failing_gnuplot_warns);
	add(s, "charts_png_with_gnuplot", charts_png_with_gnuplot);
	add(s, "charts_refuse_existing_file", charts_refuse_existing_file);
	add(s, "md_tables", md_tables);
	add(s, "md_escapes_pipes", md_escapes_pipes);
	add(s, "tee_forwards_in_order", tee_forwards_in_order);
	add(s, "tee_stops_at_failure", tee_stops_at_failure);
	add(s, "json_string_escapes", json_string_escapes);
	add(s, "manifest_file", manifest_file);
	add(s, "enomem_db", enomem_db);
	add(s, "enomem_csv", enomem_csv);
	add(s, "enomem_charts", enomem_charts);
	add(s, "enomem_md", enomem_md);
	add(s, "enomem_tee", enomem_tee);
	add(s, "enomem_replay_csv", enomem_replay_csv);
	add(s, "enomem_replay_db", enomem_replay_db);
	return s;
}

int main(void)
{
	return dc_test_main(reports_suite());
}
