/* replay.c - read stored results back (DIR/results.db, else the CSV files)
 * and drive a sink with them in the documented call order:
 *   metric*, then per run (in stored order) run_begin, sample*, run_stat*,
 *   run_end, then summary*, then close.
 * The runs and per-run statistics are held in memory (they are small); the
 * samples are streamed and must be grouped by run in the order of the runs
 * (as the sinks write them). */
#include "reports.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/alloc.h"
#include "internal.h"

/* Where a row came from, for messages: FILE:LINE:COL for a CSV file (COL
 * is the 1-based field), FILE: TABLE rowid LINE for the database. */
typedef struct loc {
	const char *file;
	const char *table;           /* NULL for CSV */
	long line;
	int col;
} loc;

typedef struct rp_stat {
	dc_stat_row row;             /* strings owned */
	loc at;
	size_t seq;
	int done;
} rp_stat;

typedef struct replay {
	const dc_sink *sink;
	dc_err *err;
	const char *dir;
	dc_run_info *runs;           /* scenario strings owned */
	size_t nruns, cap_runs;
	rp_stat *stats;
	size_t nstats, cap_stats;
	size_t cur;                  /* next run to begin, or the open one */
	int open;                    /* runs[cur] has begun */
	struct dist_acc {            /* the distribution being gathered */
		char *metric, *entity, *unit;
		double *q, *v;
		size_t n, cap;
	} dist;
} replay;

static int rp_nomem(replay *rp)
{
	return dc_err_msg(rp->err, DC_ENOMEM, "%s: replay: out of memory",
			  rp->dir);
}

/* An error about the row at AT. */
static int rp_err(replay *rp, int rc, const loc *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int rp_err(replay *rp, int rc, const loc *at, const char *fmt, ...)
{
	char msg[DC__MSG_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!at->table)
		return dc_err_at(rp->err, rc, at->file, (int)at->line,
				 at->col > 0 ? at->col : 1, "%s", msg);
	char key[64];
	snprintf(key, sizeof key, "%s rowid %ld", at->table, at->line);
	return dc_err_key(rp->err, rc, at->file, key, "%s", msg);
}

/* Turn a sink's failure into an error line; DC_OK passes through. */
static int rp_sink(replay *rp, int rc, const char *op)
{
	if (rc == DC_OK)
		return DC_OK;
	const dc_sink_ops *o = rp->sink->ops;
	const char *m = o->errmsg ? o->errmsg(rp->sink->ctx) : "";
	return dc_err_msg(rp->err, rc, "%s: replay into the %s sink: %s: %s",
			  rp->dir, o->name ? o->name : "?", op,
			  m[0] ? m : dc_strerror(rc));
}

#define SINK_CALL(rp, op, ...)                                           \
	rp_sink((rp),                                                    \
		(rp)->sink->ops->op                                      \
			? (rp)->sink->ops->op((rp)->sink->ctx, __VA_ARGS__) \
			: DC_OK,                                         \
		#op)

/* ---- the driver shared by both sources ---- */

static int rp_add_run(replay *rp, const dc_run_info *ri)
{
	if (rp->nruns == rp->cap_runs) {
		size_t nc = rp->cap_runs ? rp->cap_runs * 2 : 16;
		dc_run_info *p = dc_realloc(rp->runs, nc * sizeof *p);
		if (!p)
			return rp_nomem(rp);
		rp->runs = p;
		rp->cap_runs = nc;
	}
	dc_run_info r = *ri;
	if (!(r.scenario = dc_strdup(ri->scenario)))
		return rp_nomem(rp);
	rp->runs[rp->nruns++] = r;
	return DC_OK;
}

static void stat_release(rp_stat *s)
{
	dc_free((char *)s->row.metric);
	dc_free((char *)s->row.entity);
	dc_free((char *)s->row.unit);
}

static int rp_add_stat(replay *rp, const dc_stat_row *row, const loc *at)
{
	if (rp->nstats == rp->cap_stats) {
		size_t nc = rp->cap_stats ? rp->cap_stats * 2 : 64;
		rp_stat *p = dc_realloc(rp->stats, nc * sizeof *p);
		if (!p)
			return rp_nomem(rp);
		rp->stats = p;
		rp->cap_stats = nc;
	}
	rp_stat s = { *row, *at, rp->nstats, 0 };
	s.row.metric = dc_strdup(row->metric);
	s.row.entity = dc_strdup(row->entity);
	s.row.unit = dc_strdup(row->unit);
	if (!s.row.metric || !s.row.entity || !s.row.unit) {
		stat_release(&s);
		return rp_nomem(rp);
	}
	rp->stats[rp->nstats++] = s;
	return DC_OK;
}

static int cmp_stat(const void *a, const void *b)
{
	const rp_stat *x = a, *y = b;
	if (x->row.run != y->row.run)
		return x->row.run < y->row.run ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static void rp_sort_stats(replay *rp)
{
	if (rp->nstats)
		qsort(rp->stats, rp->nstats, sizeof *rp->stats, cmp_stat);
}

/* run_stat for every statistics row of RUN, then run_end. */
static int rp_end_run(replay *rp, const dc_run_info *ri)
{
	size_t lo = 0, hi = rp->nstats;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rp->stats[mid].row.run < ri->run)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < rp->nstats && rp->stats[lo].row.run == ri->run; lo++) {
		rp_stat *s = &rp->stats[lo];
		if (s->done)
			continue;
		s->done = 1;
		int rc = SINK_CALL(rp, run_stat, &s->row);
		if (rc != DC_OK)
			return rc;
	}
	return SINK_CALL(rp, run_end, ri);
}

/* Make RUN the open replication: close the open one and pass over runs
 * that have no samples.  The samples must follow the order of the runs. */
static int rp_goto_run(replay *rp, int run, const loc *at)
{
	int rc;
	if (rp->open && rp->runs[rp->cur].run == run)
		return DC_OK;
	size_t i = rp->cur + (size_t)rp->open;
	while (i < rp->nruns && rp->runs[i].run != run)
		i++;
	if (i == rp->nruns)
		return rp_err(rp, DC_EINVAL, at,
			      "sample of run %d, which is not among the runs "
			      "still to come (samples must be grouped by run "
			      "in the order of the runs)",
			      run);
	for (;;) {
		if (rp->open) {
			if ((rc = rp_end_run(rp, &rp->runs[rp->cur])) != DC_OK)
				return rc;
			rp->cur++;
			rp->open = 0;
		}
		if ((rc = SINK_CALL(rp, run_begin, &rp->runs[rp->cur])))
			return rc;
		rp->open = 1;
		if (rp->cur == i)
			return DC_OK;
	}
}

static int rp_sample(replay *rp, int run, const char *metric,
		     const char *entity, double t, double v, const loc *at)
{
	int rc = rp_goto_run(rp, run, at);
	if (rc != DC_OK)
		return rc;
	return SINK_CALL(rp, sample, run, metric, entity, t, v);
}

/* End the open run, replay the runs left (without samples), and check
 * that every statistics row belonged to a run. */
static int rp_finish_runs(replay *rp)
{
	int rc;
	while (rp->cur < rp->nruns) {
		if (!rp->open &&
		    (rc = SINK_CALL(rp, run_begin, &rp->runs[rp->cur])))
			return rc;
		rp->open = 0;
		if ((rc = rp_end_run(rp, &rp->runs[rp->cur])) != DC_OK)
			return rc;
		rp->cur++;
	}
	for (size_t i = 0; i < rp->nstats; i++) {
		if (!rp->stats[i].done)
			return rp_err(rp, DC_EINVAL, &rp->stats[i].at,
				      "statistics of run %d, which is not "
				      "among the runs",
				      rp->stats[i].row.run);
	}
	return DC_OK;
}

static void dist_clear(struct dist_acc *d)
{
	dc_free(d->metric);
	dc_free(d->entity);
	dc_free(d->unit);
	d->metric = d->entity = d->unit = NULL;
	d->n = 0;
}

/* Hand the gathered distribution (if any) to the sink. */
static int dist_flush(replay *rp)
{
	struct dist_acc *d = &rp->dist;
	int rc = DC_OK;
	if (d->metric && d->n)
		rc = SINK_CALL(rp, dist, d->metric, d->entity, d->unit, d->q,
			       d->v, d->n);
	dist_clear(d);
	return rc;
}

/* One (q, value) point of METRIC/ENTITY: rows of one distribution are
 * consecutive, as the sinks write them. */
static int rp_dist(replay *rp, const char *metric, const char *entity,
		   const char *unit, double q, double v)
{
	struct dist_acc *d = &rp->dist;
	int rc;
	if (d->metric && (strcmp(d->metric, metric) ||
			  strcmp(d->entity, entity)) &&
	    (rc = dist_flush(rp)))
		return rc;
	if (!d->metric) {
		d->metric = dc_strdup(metric);
		d->entity = dc_strdup(entity);
		d->unit = dc_strdup(unit);
		if (!d->metric || !d->entity || !d->unit)
			return rp_nomem(rp);
	}
	if (d->n == d->cap) {
		size_t nc = d->cap ? 2 * d->cap : 128;
		double *nq = dc_realloc(d->q, nc * sizeof *nq);
		if (nq)
			d->q = nq;
		double *nv = nq ? dc_realloc(d->v, nc * sizeof *nv) : NULL;
		if (!nv)
			return rp_nomem(rp);
		d->v = nv, d->cap = nc;
	}
	d->q[d->n] = q, d->v[d->n] = v;
	d->n++;
	return DC_OK;
}

static void rp_release(replay *rp)
{
	dist_clear(&rp->dist);
	dc_free(rp->dist.q);
	dc_free(rp->dist.v);
	for (size_t i = 0; i < rp->nruns; i++)
		dc_free((char *)rp->runs[i].scenario);
	dc_free(rp->runs);
	for (size_t i = 0; i < rp->nstats; i++)
		stat_release(&rp->stats[i]);
	dc_free(rp->stats);
}

/* ---- field parsing (CSV text) ---- */

static int parse_real(replay *rp, const char *s, const loc *at,
		      const char *col, double *out)
{
	if (!s[0]) {
		*out = NAN;
		return DC_OK;
	}
	char *end;
	*out = strtod(s, &end);
	if (end == s || *end)
		return rp_err(rp, DC_EINVAL, at, "%s: '%s' is not a number",
			      col, s);
	return DC_OK;
}

static int parse_int(replay *rp, const char *s, const loc *at,
		     const char *col, long long lo, long long hi,
		     long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || errno == ERANGE || v < lo || v > hi)
		return rp_err(rp, DC_EINVAL, at,
			      "%s: '%s' is not an integer in [%lld, %lld]",
			      col, s, lo, hi);
	*out = v;
	return DC_OK;
}

static int parse_u64(replay *rp, const char *s, const loc *at,
		     const char *col, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno == ERANGE)
		return rp_err(rp, DC_EINVAL, at,
			      "%s: '%s' is not a count", col, s);
	*out = (uint64_t)v;
	return DC_OK;
}

/* Parse F[first..first+N-1] as reals into OUT; at->col is set per field. */
static int parse_reals(replay *rp, char **f, int first, int n,
		       const dc__csv_table *t, loc *at, double *out)
{
	for (int i = 0; i < n; i++) {
		at->col = first + i + 1;
		int rc = parse_real(rp, f[first + i], at, t->cols[first + i],
				    &out[i]);
		if (rc != DC_OK)
			return rc;
	}
	return DC_OK;
}

static void set_moments(dc_stat_row *r, const double *v)
{
	r->mean = v[0];
	r->sd = v[1];
	r->min = v[2];
	r->p50 = v[3];
	r->p90 = v[4];
	r->p99 = v[5];
	r->p999 = v[6];
	r->max = v[7];
}

/* ---- CSV rows ---- */

typedef int (*row_fn)(replay *rp, char **f, loc *at);

static int row_metric(replay *rp, char **f, loc *at)
{
	dc_metric_info mi = { f[0], f[1], f[2], DC_METRIC_OBS, f[4] };
	if (dc__metric_kind_parse(f[3], &mi.kind) != DC_OK) {
		at->col = 4;
		return rp_err(rp, DC_EINVAL, at, "kind: '%s' is not 'obs' or "
			      "'level'", f[3]);
	}
	return SINK_CALL(rp, metric, &mi);
}

static int row_run(replay *rp, char **f, loc *at)
{
	const dc__csv_table *t = &dc__csv_tables[DC__CSV_RUNS];
	dc_run_info ri = { 0 };
	long long run, seed;
	int rc;
	at->col = 1;
	if ((rc = parse_int(rp, f[0], at, "run", 0, INT32_MAX, &run)))
		return rc;
	at->col = 3;
	if ((rc = parse_int(rp, f[2], at, "seed", 0, UINT32_MAX, &seed)))
		return rc;
	at->col = 4;
	if (dc__run_status_parse(f[3], &ri.status) != DC_OK)
		return rp_err(rp, DC_EINVAL, at, "status: '%s' is not "
			      "complete, interrupted or failed", f[3]);
	double v[2];
	if ((rc = parse_reals(rp, f, 4, 2, t, at, v)))
		return rc;
	at->col = 7;
	if ((rc = parse_u64(rp, f[6], at, "events", &ri.events)))
		return rc;
	ri.run = (int)run;
	ri.seed = (uint32_t)seed;
	ri.scenario = f[1];
	ri.horizon_s = v[0];
	ri.t_end_s = v[1];
	return rp_add_run(rp, &ri);
}

static int row_run_stat(replay *rp, char **f, loc *at)
{
	const dc__csv_table *t = &dc__csv_tables[DC__CSV_RUN_STATS];
	dc_stat_row r = { f[1], f[2], f[3], 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			  NAN, NAN };
	long long run;
	double v[8];
	int rc;
	at->col = 1;
	if ((rc = parse_int(rp, f[0], at, "run", 0, INT32_MAX, &run)))
		return rc;
	at->col = 5;
	if ((rc = parse_u64(rp, f[4], at, "n", &r.n)))
		return rc;
	if ((rc = parse_reals(rp, f, 5, 8, t, at, v)))
		return rc;
	r.run = (int)run;
	set_moments(&r, v);
	at->col = 0;
	return rp_add_stat(rp, &r, at);
}

static int row_sample(replay *rp, char **f, loc *at)
{
	const dc__csv_table *t = &dc__csv_tables[DC__CSV_SAMPLES];
	long long run;
	double v[2];
	int rc;
	at->col = 1;
	if ((rc = parse_int(rp, f[0], at, "run", 0, INT32_MAX, &run)))
		return rc;
	if ((rc = parse_reals(rp, f, 3, 2, t, at, v)))
		return rc;
	at->col = 1;
	return rp_sample(rp, (int)run, f[1], f[2], v[0], v[1], at);
}

static int row_summary(replay *rp, char **f, loc *at)
{
	const dc__csv_table *t = &dc__csv_tables[DC__CSV_SUMMARY];
	dc_stat_row r = { f[0], f[1], f[2], -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			  0, 0 };
	long long reps;
	double v[10];
	int rc;
	at->col = 4;
	if ((rc = parse_int(rp, f[3], at, "reps", 0, INT32_MAX, &reps)))
		return rc;
	at->col = 5;
	if ((rc = parse_u64(rp, f[4], at, "n", &r.n)))
		return rc;
	if ((rc = parse_reals(rp, f, 5, 10, t, at, v)))
		return rc;
	r.reps = (int)reps;
	set_moments(&r, v);
	r.ci_lo = v[8];
	r.ci_hi = v[9];
	return SINK_CALL(rp, summary, &r);
}

static int row_dist(replay *rp, char **f, loc *at)
{
	const dc__csv_table *t = &dc__csv_tables[DC__CSV_DIST];
	double v[2];
	int rc = parse_reals(rp, f, 3, 2, t, at, v);
	return rc ? rc : rp_dist(rp, f[0], f[1], f[2], v[0], v[1]);
}

/* ---- the CSV reader: libcsv callbacks collecting one row at a time ---- */

typedef struct reader {
	replay *rp;
	const dc__csv_table *tab;
	row_fn fn;
	const char *path;
	char *buf;                   /* the row's fields, NUL-separated */
	size_t len, cap;
	size_t *off;                 /* start of each field in buf */
	size_t nf, cap_f;
	char **fields;
	long line;                   /* line where the current row starts */
	long row_nl;                 /* line breaks inside its fields */
	int last_cr;
	int header;                  /* header row seen */
	int rc;                      /* first failure; stops the callbacks */
} reader;

static int rd_grow(reader *r, size_t flen)
{
	if (r->nf == r->cap_f) {
		size_t nc = r->cap_f ? r->cap_f * 2 : 16;
		size_t *p = dc_realloc(r->off, nc * sizeof *p);
		if (!p)
			return DC_ENOMEM;
		r->off = p;
		r->cap_f = nc;
	}
	if (r->len + flen + 1 > r->cap) {
		size_t nc = r->cap ? r->cap : 256;
		while (nc < r->len + flen + 1)
			nc *= 2;
		char *p = dc_realloc(r->buf, nc);
		if (!p)
			return DC_ENOMEM;
		r->buf = p;
		r->cap = nc;
	}
	return DC_OK;
}

static void rd_field(void *field, size_t flen, void *data)
{
	reader *r = data;
	if (r->rc)
		return;
	const char *s = field ? field : "";
	if (rd_grow(r, flen) != DC_OK) {
		r->rc = rp_nomem(r->rp);
		return;
	}
	for (size_t i = 0; i < flen; i++)
		r->row_nl += s[i] == '\n';
	r->off[r->nf++] = r->len;
	memcpy(r->buf + r->len, s, flen);
	r->len += flen;
	r->buf[r->len++] = '\0';
}

static int rd_header(reader *r, const loc *at)
{
	const dc__csv_table *t = r->tab;
	int ok = (int)r->nf == t->ncols;
	for (int i = 0; ok && i < t->ncols; i++)
		ok = strcmp(r->buf + r->off[i], t->cols[i]) == 0;
	if (ok)
		return DC_OK;
	char want[512] = "";
	size_t n = 0;
	for (int i = 0; i < t->ncols && n < sizeof want; i++)
		n += (size_t)snprintf(want + n, sizeof want - n, "%s%s",
				      i ? "," : "", t->cols[i]);
	return rp_err(r->rp, DC_EINVAL, at, "header row is not '%s'", want);
}

static int rd_row(reader *r, loc *at)
{
	if (!r->header) {
		r->header = 1;
		return rd_header(r, at);
	}
	if ((int)r->nf != r->tab->ncols)
		return rp_err(r->rp, DC_EINVAL, at, "%zu fields, expected %d",
			      r->nf, r->tab->ncols);
	for (size_t i = 0; i < r->nf; i++)
		r->fields[i] = r->buf + r->off[i];
	return r->fn(r->rp, r->fields, at);
}

static void rd_row_end(int c, void *data)
{
	reader *r = data;
	if (r->rc)
		return;
	if (r->nf == 0) {            /* a blank line, or LF after CR */
		if (!(c == '\n' && r->last_cr))
			r->line++;
		r->last_cr = c == '\r';
		return;
	}
	loc at = { r->path, NULL, r->line, 0 };
	r->rc = rd_row(r, &at);
	r->line += 1 + r->row_nl;
	r->row_nl = 0;
	r->nf = 0;
	r->len = 0;
	r->last_cr = c == '\r';
}

static int rd_parse_error(reader *r, struct csv_parser *p)
{
	loc at = { r->path, NULL, r->line + r->row_nl, 0 };
	if (csv_error(p) == CSV_ENOMEM)
		return rp_nomem(r->rp);
	return rp_err(r->rp, DC_EINVAL, &at, "malformed CSV: %s",
		      csv_strerror(csv_error(p)));
}

/* Feed the open file F through libcsv into R's callbacks. */
static int rd_stream(reader *r, FILE *f, struct csv_parser *p)
{
	char chunk[16384];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		size_t used = csv_parse(p, chunk, n, rd_field, rd_row_end, r);
		if (r->rc)
			return r->rc;
		if (used != n)
			return rd_parse_error(r, p);
	}
	if (ferror(f))
		return dc_err_msg(r->rp->err, DC_EIO, "%s: read failed: %s",
				  r->path, strerror(errno));
	if (csv_fini(p, rd_field, rd_row_end, r) != 0 && !r->rc)
		return rd_parse_error(r, p);
	if (r->rc)
		return r->rc;
	if (!r->header)
		return dc_err_msg(r->rp->err, DC_EINVAL,
				  "%s: empty file (no header row)", r->path);
	return DC_OK;
}

/* Read table WHICH from DIR, calling FN for every data row. */
static int rd_file(replay *rp, int which, row_fn fn)
{
	const dc__csv_table *t = &dc__csv_tables[which];
	reader r = { .rp = rp, .tab = t, .fn = fn, .line = 1 };
	struct csv_parser p;
	int rc;
	char *path = dc__path_join(rp->dir, t->file);
	if (!path)
		return rp_nomem(rp);
	r.path = path;
	r.fields = dc_calloc((size_t)t->ncols, sizeof *r.fields);
	if (!r.fields) {
		rc = rp_nomem(rp);
		goto out_free_path;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		rc = dc_err_msg(rp->err, errno == ENOENT ? DC_ENOENT : DC_EIO,
				"%s: cannot open: %s", path, strerror(errno));
		goto out_free_fields;
	}
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL |
				 CSV_REPALL_NL) != 0) {
		rc = rp_nomem(rp);
		goto out_close;
	}
	csv_set_realloc_func(&p, dc_realloc);
	csv_set_free_func(&p, dc_free);
	rc = rd_stream(&r, f, &p);
	csv_free(&p);
out_close:
	fclose(f);
out_free_fields:
	dc_free(r.fields);
	dc_free(r.off);
	dc_free(r.buf);
out_free_path:
	dc_free(path);
	return rc;
}

static int replay_csv(replay *rp)
{
	int rc;
	if ((rc = rd_file(rp, DC__CSV_METRICS, row_metric)))
		return rc;
	if ((rc = rd_file(rp, DC__CSV_RUNS, row_run)))
		return rc;
	if ((rc = rd_file(rp, DC__CSV_RUN_STATS, row_run_stat)))
		return rc;
	rp_sort_stats(rp);
	if ((rc = rd_file(rp, DC__CSV_SAMPLES, row_sample)))
		return rc;
	if ((rc = rp_finish_runs(rp)))
		return rc;
	if ((rc = rd_file(rp, DC__CSV_SUMMARY, row_summary)))
		return rc;
	/* distribution.csv is newer than the other files: optional */
	char *p = dc__path_join(rp->dir, dc__csv_tables[DC__CSV_DIST].file);
	if (!p)
		return rp_nomem(rp);
	int have = access(p, F_OK) == 0;
	dc_free(p);
	if (have && (rc = rd_file(rp, DC__CSV_DIST, row_dist)))
		return rc;
	return dist_flush(rp);
}

/* ---- the database ---- */

typedef struct dbq {
	replay *rp;
	sqlite3 *db;
	const char *path;
} dbq;

static int db_code(int sqlite_rc)
{
	switch (sqlite_rc & 0xff) {
	case SQLITE_NOMEM: return DC_ENOMEM;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_PERM: return DC_EIO;
	default: return DC_EINVAL;
	}
}

static int dbq_fail(dbq *q, int sqlite_rc)
{
	return dc_err_msg(q->rp->err, db_code(sqlite_rc), "%s: %s", q->path,
			  sqlite3_errmsg(q->db));
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

static double col_real(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(st, i);
}

/* Read columns FIRST.. of ST as mean .. max of R. */
static void col_moments(sqlite3_stmt *st, int first, dc_stat_row *r)
{
	double v[8];
	for (int i = 0; i < 8; i++)
		v[i] = col_real(st, first + i);
	set_moments(r, v);
}

typedef int (*db_row_fn)(dbq *q, sqlite3_stmt *st, const loc *at);

/* Run SQL (its first column is the rowid) and call FN for every row. */
static int dbq_each(dbq *q, const char *table, const char *sql, db_row_fn fn)
{
	sqlite3_stmt *st;
	int src = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
	if (src != SQLITE_OK)
		return dbq_fail(q, src);
	int rc = DC_OK;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		loc at = { q->path, table, (long)sqlite3_column_int64(st, 0),
			   0 };
		if ((rc = fn(q, st, &at)) != DC_OK)
			break;
	}
	if (rc == DC_OK && src != SQLITE_DONE)
		rc = dbq_fail(q, src);
	sqlite3_finalize(st);
	return rc;
}

static int dbrow_metric(dbq *q, sqlite3_stmt *st, const loc *at)
{
	dc_metric_info mi = { col_text(st, 1), col_text(st, 2),
			      col_text(st, 3), DC_METRIC_OBS,
			      col_text(st, 5) };
	if (dc__metric_kind_parse(col_text(st, 4), &mi.kind) != DC_OK)
		return rp_err(q->rp, DC_EINVAL, at, "unknown kind '%s'",
			      col_text(st, 4));
	return SINK_CALL(q->rp, metric, &mi);
}

static int dbrow_run(dbq *q, sqlite3_stmt *st, const loc *at)
{
	dc_run_info ri = { 0 };
	ri.run = sqlite3_column_int(st, 1);
	ri.scenario = col_text(st, 2);
	ri.seed = (uint32_t)sqlite3_column_int64(st, 3);
	if (dc__run_status_parse(col_text(st, 4), &ri.status) != DC_OK)
		return rp_err(q->rp, DC_EINVAL, at, "unknown status '%s'",
			      col_text(st, 4));
	ri.horizon_s = sqlite3_column_type(st, 5) == SQLITE_NULL
			       ? INFINITY
			       : sqlite3_column_double(st, 5);
	ri.t_end_s = col_real(st, 6);
	ri.events = (uint64_t)sqlite3_column_int64(st, 7);
	return rp_add_run(q->rp, &ri);
}

static int dbrow_run_stat(dbq *q, sqlite3_stmt *st, const loc *at)
{
	dc_stat_row r = { col_text(st, 2), col_text(st, 3), col_text(st, 4),
			  sqlite3_column_int(st, 1), 1,
			  (uint64_t)sqlite3_column_int64(st, 5), 0, 0, 0, 0,
			  0, 0, 0, 0, NAN, NAN };
	col_moments(st, 6, &r);
	return rp_add_stat(q->rp, &r, at);
}

static int dbrow_sample(dbq *q, sqlite3_stmt *st, const loc *at)
{
	return rp_sample(q->rp, sqlite3_column_int(st, 1), col_text(st, 2),
			 col_text(st, 3), col_real(st, 4), col_real(st, 5),
			 at);
}

static int dbrow_summary(dbq *q, sqlite3_stmt *st, const loc *at)
{
	(void)at;
	dc_stat_row r = { col_text(st, 1), col_text(st, 2), col_text(st, 3),
			  -1, sqlite3_column_int(st, 4),
			  (uint64_t)sqlite3_column_int64(st, 5), 0, 0, 0, 0,
			  0, 0, 0, 0, 0, 0 };
	col_moments(st, 6, &r);
	r.ci_lo = col_real(st, 14);
	r.ci_hi = col_real(st, 15);
	return SINK_CALL(q->rp, summary, &r);
}

static int dbrow_dist(dbq *q, sqlite3_stmt *st, const loc *at)
{
	(void)at;
	return rp_dist(q->rp, col_text(st, 1), col_text(st, 2),
		       col_text(st, 3), col_real(st, 4), col_real(st, 5));
}

/* 1 if the database has TABLE, 0 if not, or an error code. */
static int dbq_has(dbq *q, const char *table)
{
	sqlite3_stmt *st;
	int src = sqlite3_prepare_v2(q->db, "SELECT 1 FROM sqlite_master "
				     "WHERE type = 'table' AND name = ?",
				     -1, &st, NULL);
	if (src != SQLITE_OK)
		return dbq_fail(q, src);
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	int rc = src == SQLITE_ROW ? 1 : src == SQLITE_DONE ? 0
							    : dbq_fail(q, src);
	sqlite3_finalize(st);
	return rc;
}

static int replay_db_dist(dbq *q)
{
	int rc = dbq_has(q, "distribution");
	if (rc == 1)
		rc = dbq_each(q, "distribution",
			      "SELECT rowid, metric, entity, unit, q, value "
			      "FROM distribution ORDER BY rowid",
			      dbrow_dist);
	return rc < 0 ? rc : dist_flush(q->rp);
}

static int replay_db_tables(dbq *q)
{
	int rc;
	if ((rc = dbq_each(q, "metrics",
			   "SELECT rowid, metric, entity, unit, kind, help "
			   "FROM metrics ORDER BY rowid",
			   dbrow_metric)))
		return rc;
	if ((rc = dbq_each(q, "runs",
			   "SELECT run, run, scenario, seed, status, horizon, "
			   "t_end, events FROM runs ORDER BY run",
			   dbrow_run)))
		return rc;
	if ((rc = dbq_each(q, "run_stats",
			   "SELECT rowid, run, metric, entity, unit, n, mean, "
			   "sd, min, p50, p90, p99, p999, max FROM run_stats "
			   "ORDER BY rowid",
			   dbrow_run_stat)))
		return rc;
	rp_sort_stats(q->rp);
	if ((rc = dbq_each(q, "samples",
			   "SELECT rowid, run, metric, entity, t, value "
			   "FROM samples ORDER BY rowid",
			   dbrow_sample)))
		return rc;
	if ((rc = rp_finish_runs(q->rp)))
		return rc;
	if ((rc = dbq_each(q, "summary",
			   "SELECT rowid, metric, entity, unit, reps, n, mean, "
			   "sd, min, p50, p90, p99, p999, max, ci_lo, ci_hi "
			   "FROM summary ORDER BY rowid",
			   dbrow_summary)))
		return rc;
	return replay_db_dist(q);
}

static int replay_db(replay *rp, const char *path)
{
	dbq q = { rp, NULL, path };
	int src = sqlite3_open_v2(path, &q.db, SQLITE_OPEN_READONLY, NULL);
	int rc;
	if (src != SQLITE_OK) {
		rc = dc_err_msg(rp->err, db_code(src) == DC_ENOMEM ? DC_ENOMEM
								    : DC_EIO,
				"%s: %s", path,
				q.db ? sqlite3_errmsg(q.db)
				     : sqlite3_errstr(src));
		goto out_close_db;
	}
	rc = replay_db_tables(&q);
out_close_db:
	sqlite3_close(q.db);
	return rc;
}

/* ---- entry point ---- */

/* Which source DIR holds: 1 the database, 0 the CSV files, or an error
 * (DC_ENOENT, DC_ENOMEM) with a message. */
static int pick_source(replay *rp, char **dbpath)
{
	*dbpath = dc__path_join(rp->dir, "results.db");
	if (!*dbpath)
		return rp_nomem(rp);
	if (access(*dbpath, F_OK) == 0)
		return 1;
	for (int i = 0; i < DC__CSV_COUNT; i++) {
		if (i == DC__CSV_DIST)  /* optional */
			continue;
		char *p = dc__path_join(rp->dir, dc__csv_tables[i].file);
		if (!p)
			return rp_nomem(rp);
		int missing = access(p, F_OK) != 0;
		dc_free(p);
		if (missing)
			return dc_err_msg(rp->err, DC_ENOENT,
					  "%s: holds neither results.db nor "
					  "%s",
					  rp->dir, dc__csv_tables[i].file);
	}
	return 0;
}

/* The strings passed to SINK are valid only during each call.  SINK is
 * closed but not freed (the caller frees it). */
int dc_report_replay(const char *dir, const dc_sink *sink, dc_err *err)
{
	replay rp = { .sink = sink, .err = err, .dir = dir };
	char *dbpath = NULL;
	int rc = pick_source(&rp, &dbpath);
	if (rc == 1)
		rc = replay_db(&rp, dbpath);
	else if (rc == 0)
		rc = replay_csv(&rp);
	if (rc == DC_OK)
		rc = rp_sink(&rp, sink->ops->close ? sink->ops->close(sink->ctx)
						    : DC_OK,
			     "close");
	dc_free(dbpath);
	rp_release(&rp);
	return rc;
}
