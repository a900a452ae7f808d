/* csv.c - the CSV sink: one file per table of results.db (metrics.csv,
 * runs.csv, run_stats.csv, samples.csv, summary.csv, distribution.csv),
 * header row first.
 * Strings go through libcsv's csv_fwrite (always quoted), numbers are
 * printed with %.17g so that they read back bit for bit, NaN is an empty
 * field. */
#include "reports.h"

#include <csv.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "../sim/alloc.h"
#include "internal.h"

typedef struct csv_sink {
	FILE *f[DC__CSV_COUNT];    /* NULL once closed */
	char *path[DC__CSV_COUNT];
	char msg[DC__MSG_LEN];
} csv_sink;

/* A row being written: fields after the first are preceded by a comma. */
typedef struct row {
	FILE *f;
	int col;
} row;

static void put_sep(row *r)
{
	if (r->col++ > 0)
		putc(',', r->f);
}

static void put_str(row *r, const char *s)
{
	put_sep(r);
	if (!s)
		s = "";
	csv_fwrite(r->f, s, strlen(s));
}

static void put_num(row *r, double v)
{
	put_sep(r);
	if (!isnan(v))
		fprintf(r->f, "%.17g", v);
}

static void put_i64(row *r, int64_t v)
{
	put_sep(r);
	fprintf(r->f, "%" PRId64, v);
}

static void put_u64(row *r, uint64_t v)
{
	put_sep(r);
	fprintf(r->f, "%" PRIu64, v);
}

static void put_moments(row *r, const dc_stat_row *s)
{
	const double v[] = { s->mean, s->sd, s->min, s->p50, s->p90, s->p99,
			     s->p999, s->max };
	for (size_t i = 0; i < DC_ARRAY_LEN(v); i++)
		put_num(r, v[i]);
}

/* Finish a row of file WHICH; DC_EIO with a message if writing failed. */
static int row_end(csv_sink *s, row *r, int which)
{
	putc('\n', r->f);
	if (ferror(r->f)) {
		dc__msg_set(s->msg, sizeof s->msg, "%s: write failed: %s",
			    s->path[which], strerror(errno));
		return DC_EIO;
	}
	return DC_OK;
}

static int row_start(csv_sink *s, row *r, int which)
{
	if (!s->f[which]) {
		dc__msg_set(s->msg, sizeof s->msg, "csv sink used after close");
		return DC_EINVAL;
	}
	r->f = s->f[which];
	r->col = 0;
	return DC_OK;
}

static int csv_metric(void *ctx, const dc_metric_info *mi)
{
	csv_sink *s = ctx;
	row r;
	int rc = row_start(s, &r, DC__CSV_METRICS);
	if (rc)
		return rc;
	put_str(&r, mi->metric);
	put_str(&r, mi->entity);
	put_str(&r, mi->unit);
	put_str(&r, dc__metric_kind_name(mi->kind));
	put_str(&r, mi->help);
	return row_end(s, &r, DC__CSV_METRICS);
}

static int csv_sample(void *ctx, int run, const char *metric,
		      const char *entity, double t_s, double value)
{
	csv_sink *s = ctx;
	row r;
	int rc = row_start(s, &r, DC__CSV_SAMPLES);
	if (rc)
		return rc;
	put_i64(&r, run);
	put_str(&r, metric);
	put_str(&r, entity);
	put_num(&r, t_s);
	put_num(&r, value);
	return row_end(s, &r, DC__CSV_SAMPLES);
}

static int csv_run_stat(void *ctx, const dc_stat_row *st)
{
	csv_sink *s = ctx;
	row r;
	int rc = row_start(s, &r, DC__CSV_RUN_STATS);
	if (rc)
		return rc;
	put_i64(&r, st->run);
	put_str(&r, st->metric);
	put_str(&r, st->entity);
	put_str(&r, st->unit);
	put_u64(&r, st->n);
	put_moments(&r, st);
	return row_end(s, &r, DC__CSV_RUN_STATS);
}

/* Flush every open file so that a replication's rows survive a crash. */
static int csv_flush(csv_sink *s)
{
	for (int i = 0; i < DC__CSV_COUNT; i++) {
		if (s->f[i] && fflush(s->f[i]) != 0) {
			dc__msg_set(s->msg, sizeof s->msg,
				    "%s: write failed: %s", s->path[i],
				    strerror(errno));
			return DC_EIO;
		}
	}
	return DC_OK;
}

static int csv_run_end(void *ctx, const dc_run_info *ri)
{
	csv_sink *s = ctx;
	row r;
	int rc = row_start(s, &r, DC__CSV_RUNS);
	if (rc)
		return rc;
	put_i64(&r, ri->run);
	put_str(&r, ri->scenario);
	put_u64(&r, ri->seed);
	put_str(&r, dc__run_status_name(ri->status));
	put_num(&r, ri->horizon_s);
	put_num(&r, ri->t_end_s);
	put_u64(&r, ri->events);
	if ((rc = row_end(s, &r, DC__CSV_RUNS)) != DC_OK)
		return rc;
	return csv_flush(s);
}

static int csv_summary(void *ctx, const dc_stat_row *st)
{
	csv_sink *s = ctx;
	row r;
	int rc = row_start(s, &r, DC__CSV_SUMMARY);
	if (rc)
		return rc;
	put_str(&r, st->metric);
	put_str(&r, st->entity);
	put_str(&r, st->unit);
	put_i64(&r, st->reps);
	put_u64(&r, st->n);
	put_moments(&r, st);
	put_num(&r, st->ci_lo);
	put_num(&r, st->ci_hi);
	return row_end(s, &r, DC__CSV_SUMMARY);
}

static int csv_dist(void *ctx, const char *metric, const char *entity,
		    const char *unit, const double *q, const double *v,
		    size_t n)
{
	csv_sink *s = ctx;
	int rc = DC_OK;
	for (size_t i = 0; i < n && rc == DC_OK; i++) {
		row r;
		if ((rc = row_start(s, &r, DC__CSV_DIST)))
			return rc;
		put_str(&r, metric);
		put_str(&r, entity);
		put_str(&r, unit);
		put_num(&r, q[i]);
		put_num(&r, v[i]);
		rc = row_end(s, &r, DC__CSV_DIST);
	}
	return rc;
}

static int csv_close(void *ctx)
{
	csv_sink *s = ctx;
	int rc = DC_OK;
	for (int i = 0; i < DC__CSV_COUNT; i++) {
		if (!s->f[i])
			continue;
		int bad = ferror(s->f[i]);
		if (fclose(s->f[i]) != 0)
			bad = 1;
		s->f[i] = NULL;
		if (bad && rc == DC_OK) {
			dc__msg_set(s->msg, sizeof s->msg,
				    "%s: write failed: %s", s->path[i],
				    strerror(errno));
			rc = DC_EIO;
		}
	}
	return rc;
}

static void csv_free_ctx(void *ctx)
{
	csv_sink *s = ctx;
	if (!s)
		return;
	for (int i = 0; i < DC__CSV_COUNT; i++) {
		if (s->f[i])
			fclose(s->f[i]);
		dc_free(s->path[i]);
	}
	dc_free(s);
}

static const char *csv_errmsg(void *ctx)
{
	return ((csv_sink *)ctx)->msg;
}

static const dc_sink_ops csv_ops = {
	.name = "csv",
	.metric = csv_metric,
	.sample = csv_sample,
	.run_stat = csv_run_stat,
	.run_end = csv_run_end,
	.summary = csv_summary,
	.dist = csv_dist,
	.close = csv_close,
	.free = csv_free_ctx,
	.errmsg = csv_errmsg,
};

/* Create file I of S and write its header row. */
static int csv_create(csv_sink *s, const char *dir, int i, dc_err *err)
{
	const dc__csv_table *t = &dc__csv_tables[i];
	s->path[i] = dc__path_join(dir, t->file);
	if (!s->path[i])
		return dc_err_msg(err, DC_ENOMEM, "%s: out of memory", dir);
	int rc = dc__file_create(s->path[i], &s->f[i]);
	if (rc == DC_EEXIST)
		return dc_err_msg(err, rc, "%s: exists; will not overwrite it",
				  s->path[i]);
	if (rc != DC_OK)
		return dc_err_msg(err, rc, "%s: cannot create: %s",
				  s->path[i], strerror(errno));
	for (int c = 0; c < t->ncols; c++)
		fprintf(s->f[i], "%s%s", c ? "," : "", t->cols[c]);
	putc('\n', s->f[i]);
	if (ferror(s->f[i]))
		return dc_err_msg(err, DC_EIO, "%s: write failed: %s",
				  s->path[i], strerror(errno));
	return DC_OK;
}

/* Also writes DIR/metrics.csv (metric,entity,unit,kind,help) so that a
 * replay from CSV gives the metric declarations back.  DIR is created if
 * missing; every file is created with O_EXCL.  Returns DC_OK, DC_EEXIST
 * (a file exists; the files made so far are removed), DC_ECREATE, DC_EIO
 * or DC_ENOMEM with a message in ERR.  Each run_end flushes the files. */
int dc_sink_csv_open(const char *dir, dc_sink *out, dc_err *err)
{
	int rc;
	csv_sink *s = dc_calloc(1, sizeof *s);
	if (!s)
		return dc_err_msg(err, DC_ENOMEM, "%s: out of memory", dir);
	if (dc__dir_ensure(dir) != DC_OK) {
		rc = dc_err_msg(err, DC_ECREATE, "%s: cannot create folder: %s",
				dir, strerror(errno));
		goto out_free;
	}
	for (int i = 0; i < DC__CSV_COUNT; i++) {
		if ((rc = csv_create(s, dir, i, err)) != DC_OK)
			goto out_remove_files;
	}
	out->ops = &csv_ops;
	out->ctx = s;
	return DC_OK;

out_remove_files:
	for (int i = 0; i < DC__CSV_COUNT; i++) {
		if (s->f[i]) {
			fclose(s->f[i]);
			s->f[i] = NULL;
			unlink(s->path[i]);
		}
	}
out_free:
	csv_free_ctx(s);
	return rc;
}
