/* db.c - the SQLite sink: writes results.db with STRICT tables, one
 * transaction for the metric declarations, one per replication and one for
 * the summary, through persistent prepared statements.  Nothing written
 * depends on the wall clock, so identical runs give identical dumps. */
#include "reports.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "../sim/alloc.h"
#include "internal.h"

static const char schema_sql[] =
	"BEGIN;\n"
	"CREATE TABLE metrics(\n"
	"  metric TEXT NOT NULL, entity TEXT NOT NULL, unit TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('obs', 'level')),\n"
	"  help TEXT NOT NULL,\n"
	"  PRIMARY KEY (metric, entity)) STRICT;\n"
	"CREATE TABLE runs(\n"
	"  run INTEGER PRIMARY KEY, scenario TEXT NOT NULL,\n"
	"  seed INTEGER NOT NULL,\n"
	"  status TEXT NOT NULL\n"
	"    CHECK (status IN ('complete', 'interrupted', 'failed')),\n"
	"  horizon REAL, t_end REAL, events INTEGER NOT NULL) STRICT;\n"
	"CREATE TABLE samples(\n"
	"  run INTEGER NOT NULL, metric TEXT NOT NULL, entity TEXT NOT NULL,\n"
	"  t REAL, value REAL) STRICT;\n"
	"CREATE TABLE run_stats(\n"
	"  run INTEGER NOT NULL, metric TEXT NOT NULL, entity TEXT NOT NULL,\n"
	"  unit TEXT NOT NULL, n INTEGER NOT NULL, mean REAL, sd REAL,\n"
	"  min REAL, p50 REAL, p90 REAL, p99 REAL, p999 REAL, max REAL)\n"
	"  STRICT;\n"
	"CREATE TABLE summary(\n"
	"  metric TEXT NOT NULL, entity TEXT NOT NULL, unit TEXT NOT NULL,\n"
	"  reps INTEGER NOT NULL, n INTEGER NOT NULL, mean REAL, sd REAL,\n"
	"  min REAL, p50 REAL, p90 REAL, p99 REAL, p999 REAL, max REAL,\n"
	"  ci_lo REAL, ci_hi REAL) STRICT;\n"
	"CREATE TABLE distribution(\n"
	"  metric TEXT NOT NULL, entity TEXT NOT NULL, unit TEXT NOT NULL,\n"
	"  q REAL NOT NULL, value REAL) STRICT;\n"
	"COMMIT;";

enum {
	ST_BEGIN, ST_COMMIT, ST_METRIC, ST_RUN, ST_SAMPLE, ST_RUN_STAT,
	ST_SUMMARY, ST_DIST, ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN",
	[ST_COMMIT] = "COMMIT",
	[ST_METRIC] = "INSERT INTO metrics VALUES (?, ?, ?, ?, ?)",
	[ST_RUN] = "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
	[ST_SAMPLE] = "INSERT INTO samples VALUES (?, ?, ?, ?, ?)",
	[ST_RUN_STAT] = "INSERT INTO run_stats VALUES "
			"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[ST_SUMMARY] = "INSERT INTO summary VALUES "
		       "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[ST_DIST] = "INSERT INTO distribution VALUES (?, ?, ?, ?, ?)",
};

typedef struct db_sink {
	sqlite3 *db;               /* NULL once closed */
	sqlite3_stmt *st[ST_COUNT];
	char *path;
	int in_txn;                /* a BEGIN is open */
	int in_run;                /* between run_begin and run_end */
	int run;                   /* index of that replication */
	char msg[DC__MSG_LEN];
} db_sink;

static int code_of(int sqlite_rc)
{
	return (sqlite_rc & 0xff) == SQLITE_NOMEM ? DC_ENOMEM : DC_EIO;
}

/* Record "PATH: WHAT: sqlite's message" and return the DC code. */
static int db_fail(db_sink *s, int sqlite_rc, const char *what)
{
	dc__msg_set(s->msg, sizeof s->msg, "%s: %s: %s", s->path, what,
		    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(sqlite_rc));
	return code_of(sqlite_rc);
}

static int db_misuse(db_sink *s, const char *what)
{
	dc__msg_set(s->msg, sizeof s->msg, "%s: %s", s->path, what);
	return DC_EINVAL;
}

/* Step ST (an INSERT, BEGIN or COMMIT), then reset it for the next use. */
static int db_step(db_sink *s, int which, const char *what)
{
	sqlite3_stmt *st = s->st[which];
	int rc = sqlite3_step(st);
	int out = DC_OK;
	if (rc != SQLITE_DONE)
		out = db_fail(s, rc, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return out;
}

static int db_txn_begin(db_sink *s)
{
	if (s->in_txn)
		return DC_OK;
	int rc = db_step(s, ST_BEGIN, "BEGIN");
	if (rc == DC_OK)
		s->in_txn = 1;
	return rc;
}

static int db_txn_commit(db_sink *s)
{
	if (!s->in_txn)
		return DC_OK;
	int rc = db_step(s, ST_COMMIT, "COMMIT");
	if (rc == DC_OK)
		s->in_txn = 0;
	return rc;
}

/* Bind helpers: the strings stay valid until the step that follows. */
static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

static int bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_double(st, i, v);
}

static int bind_int(sqlite3_stmt *st, int i, int64_t v)
{
	return sqlite3_bind_int64(st, i, v);
}

static int db_open_check(db_sink *s)
{
	if (!s->db)
		return db_misuse(s, "sink used after close");
	return DC_OK;
}

static int db_metric(void *ctx, const dc_metric_info *mi)
{
	db_sink *s = ctx;
	int rc = db_open_check(s);
	if (rc)
		return rc;
	if (s->in_run)
		return db_misuse(s, "metric declared inside a replication");
	if ((rc = db_txn_begin(s)) != DC_OK)
		return rc;
	sqlite3_stmt *st = s->st[ST_METRIC];
	int b = bind_text(st, 1, mi->metric);
	b |= bind_text(st, 2, mi->entity);
	b |= bind_text(st, 3, mi->unit);
	b |= bind_text(st, 4, dc__metric_kind_name(mi->kind));
	b |= bind_text(st, 5, mi->help);
	if (b != SQLITE_OK)
		return db_fail(s, b, "metrics");
	return db_step(s, ST_METRIC, "metrics");
}

static int db_run_begin(void *ctx, const dc_run_info *ri)
{
	db_sink *s = ctx;
	int rc = db_open_check(s);
	if (rc)
		return rc;
	if (s->in_run)
		return db_misuse(s, "run_begin inside a replication");
	if ((rc = db_txn_commit(s)) != DC_OK)
		return rc;
	if ((rc = db_txn_begin(s)) != DC_OK)
		return rc;
	s->in_run = 1;
	s->run = ri->run;
	return DC_OK;
}

static int db_sample(void *ctx, int run, const char *metric,
		     const char *entity, double t_s, double value)
{
	db_sink *s = ctx;
	if (!s->db || !s->in_run || run != s->run)
		return db_misuse(s, "sample outside its replication");
	sqlite3_stmt *st = s->st[ST_SAMPLE];
	int b = bind_int(st, 1, run);
	b |= bind_text(st, 2, metric);
	b |= bind_text(st, 3, entity);
	b |= bind_real(st, 4, t_s);
	b |= bind_real(st, 5, value);
	if (b != SQLITE_OK)
		return db_fail(s, b, "samples");
	return db_step(s, ST_SAMPLE, "samples");
}

/* Bind mean .. max of ROW from parameter FIRST on. */
static int bind_moments(sqlite3_stmt *st, int first, const dc_stat_row *r)
{
	const double v[] = { r->mean, r->sd, r->min, r->p50, r->p90, r->p99,
			     r->p999, r->max };
	int b = SQLITE_OK;
	for (int i = 0; i < (int)DC_ARRAY_LEN(v); i++)
		b |= bind_real(st, first + i, v[i]);
	return b;
}

static int db_run_stat(void *ctx, const dc_stat_row *row)
{
	db_sink *s = ctx;
	if (!s->db || !s->in_run || row->run != s->run)
		return db_misuse(s, "run_stat outside its replication");
	sqlite3_stmt *st = s->st[ST_RUN_STAT];
	int b = bind_int(st, 1, row->run);
	b |= bind_text(st, 2, row->metric);
	b |= bind_text(st, 3, row->entity);
	b |= bind_text(st, 4, row->unit);
	b |= bind_int(st, 5, (int64_t)row->n);
	b |= bind_moments(st, 6, row);
	if (b != SQLITE_OK)
		return db_fail(s, b, "run_stats");
	return db_step(s, ST_RUN_STAT, "run_stats");
}

static int db_run_end(void *ctx, const dc_run_info *ri)
{
	db_sink *s = ctx;
	if (!s->db || !s->in_run || ri->run != s->run)
		return db_misuse(s, "run_end without its run_begin");
	sqlite3_stmt *st = s->st[ST_RUN];
	int b = bind_int(st, 1, ri->run);
	b |= bind_text(st, 2, ri->scenario);
	b |= bind_int(st, 3, ri->seed);
	b |= bind_text(st, 4, dc__run_status_name(ri->status));
	b |= isinf(ri->horizon_s) ? sqlite3_bind_null(st, 5)
				  : bind_real(st, 5, ri->horizon_s);
	b |= bind_real(st, 6, ri->t_end_s);
	b |= bind_int(st, 7, (int64_t)ri->events);
	if (b != SQLITE_OK)
		return db_fail(s, b, "runs");
	int rc = db_step(s, ST_RUN, "runs");
	if (rc != DC_OK)
		return rc;
	s->in_run = 0;
	return db_txn_commit(s);
}

static int db_summary(void *ctx, const dc_stat_row *row)
{
	db_sink *s = ctx;
	int rc = db_open_check(s);
	if (rc)
		return rc;
	if (s->in_run)
		return db_misuse(s, "summary inside a replication");
	if ((rc = db_txn_begin(s)) != DC_OK)
		return rc;
	sqlite3_stmt *st = s->st[ST_SUMMARY];
	int b = bind_text(st, 1, row->metric);
	b |= bind_text(st, 2, row->entity);
	b |= bind_text(st, 3, row->unit);
	b |= bind_int(st, 4, row->reps);
	b |= bind_int(st, 5, (int64_t)row->n);
	b |= bind_moments(st, 6, row);
	b |= bind_real(st, 14, row->ci_lo);
	b |= bind_real(st, 15, row->ci_hi);
	if (b != SQLITE_OK)
		return db_fail(s, b, "summary");
	return db_step(s, ST_SUMMARY, "summary");
}

static int db_dist(void *ctx, const char *metric, const char *entity,
		   const char *unit, const double *q, const double *v,
		   size_t n)
{
	db_sink *s = ctx;
	int rc = db_open_check(s);
	if (rc)
		return rc;
	if (s->in_run)
		return db_misuse(s, "distribution inside a replication");
	if ((rc = db_txn_begin(s)) != DC_OK)
		return rc;
	sqlite3_stmt *st = s->st[ST_DIST];
	for (size_t i = 0; i < n && rc == DC_OK; i++) {
		int b = bind_text(st, 1, metric);
		b |= bind_text(st, 2, entity ? entity : "");
		b |= bind_text(st, 3, unit ? unit : "");
		b |= bind_real(st, 4, q[i]);
		b |= bind_real(st, 5, v[i]);
		rc = b != SQLITE_OK ? db_fail(s, b, "distribution")
				    : db_step(s, ST_DIST, "distribution");
	}
	return rc;
}

/* Finalize the statements and close the connection (an open transaction
 * is rolled back).  Returns the sqlite3_close code. */
static int db_shut(db_sink *s)
{
	for (int i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(s->st[i]);
		s->st[i] = NULL;
	}
	int rc = sqlite3_close(s->db);
	s->db = NULL;
	return rc;
}

static int db_close(void *ctx)
{
	db_sink *s = ctx;
	int rc = db_open_check(s);
	if (rc)
		return rc;
	if (s->in_run)
		rc = db_misuse(s, "closed inside a replication: it is "
				  "discarded");
	else
		rc = db_txn_commit(s);
	int crc = db_shut(s);
	if (rc == DC_OK && crc != SQLITE_OK)
		rc = db_fail(s, crc, "close");
	return rc;
}

static void db_free(void *ctx)
{
	db_sink *s = ctx;
	if (!s)
		return;
	if (s->db)
		db_shut(s);
	dc_free(s->path);
	dc_free(s);
}

static const char *db_errmsg(void *ctx)
{
	return ((db_sink *)ctx)->msg;
}

static const dc_sink_ops db_ops = {
	.name = "sqlite",
	.metric = db_metric,
	.run_begin = db_run_begin,
	.sample = db_sample,
	.run_stat = db_run_stat,
	.run_end = db_run_end,
	.summary = db_summary,
	.dist = db_dist,
	.close = db_close,
	.free = db_free,
	.errmsg = db_errmsg,
};

/* Create the empty file PATH (refusing an existing one) so that the
 * database is never written over somebody's file. */
static int db_create_file(const char *path, dc_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd >= 0) {
		close(fd);
		return DC_OK;
	}
	if (errno == EEXIST)
		return dc_err_msg(err, DC_EEXIST,
				  "%s: exists; will not overwrite it", path);
	return dc_err_msg(err, DC_ECREATE, "%s: cannot create: %s", path,
			  strerror(errno));
}

static int db_prepare(db_sink *s, dc_err *err)
{
	char *emsg = NULL;
	int rc = sqlite3_exec(s->db, schema_sql, NULL, NULL, &emsg);
	if (rc != SQLITE_OK) {
		dc_err_msg(err, code_of(rc), "%s: creating tables: %s",
			   s->path, emsg ? emsg : sqlite3_errstr(rc));
		sqlite3_free(emsg);
		return code_of(rc);
	}
	for (int i = 0; i < ST_COUNT; i++) {
		rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
					SQLITE_PREPARE_PERSISTENT, &s->st[i],
					NULL);
		if (rc != SQLITE_OK)
			return dc_err_msg(err, code_of(rc), "%s: %s: %s",
					  s->path, stmt_sql[i],
					  sqlite3_errmsg(s->db));
	}
	return DC_OK;
}

/* PATH is created (refused with DC_EEXIST if it exists) and removed again
 * if the tables cannot be made.  Returns DC_OK, DC_EEXIST, DC_ECREATE,
 * DC_ENOMEM or DC_EIO with a message in ERR; on failure *OUT is untouched.
 * The sink's ops fail with DC_EINVAL when called out of the documented
 * order, DC_EIO (or DC_ENOMEM) with sqlite's message otherwise.  Freeing
 * the sink without close rolls back the open replication. */
int dc_sink_db_open(const char *path, dc_sink *out, dc_err *err)
{
	int rc;
	db_sink *s = dc_calloc(1, sizeof *s);
	if (!s)
		return dc_err_msg(err, DC_ENOMEM, "%s: out of memory", path);
	s->path = dc_strdup(path);
	if (!s->path) {
		rc = dc_err_msg(err, DC_ENOMEM, "%s: out of memory", path);
		goto out_free;
	}
	if ((rc = db_create_file(path, err)) != DC_OK)
		goto out_free;
	int src = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE, NULL);
	if (src != SQLITE_OK) {
		rc = dc_err_msg(err, code_of(src), "%s: %s", path,
				s->db ? sqlite3_errmsg(s->db)
				      : sqlite3_errstr(src));
		goto out_close_db;
	}
	if ((rc = db_prepare(s, err)) != DC_OK)
		goto out_close_db;
	out->ops = &db_ops;
	out->ctx = s;
	return DC_OK;

out_close_db:
	db_shut(s);
	unlink(path);
out_free:
	dc_free(s->path);
	dc_free(s);
	return rc;
}
