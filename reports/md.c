/* md.c - the Markdown summary sink: collects the runs and the summary rows
 * and writes a report with two tables at close. */
#include "reports.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "../sim/alloc.h"
#include "internal.h"

typedef struct md_run {
	int run;
	dc_run_status status;
	double t_end_s;
	uint64_t events;
} md_run;

typedef struct md_row {
	char *metric, *entity, *unit;  /* owned */
	int reps;
	double mean, ci_lo, ci_hi, sd, p50, p90, p99, max;
} md_row;

typedef struct md_sink {
	FILE *f;                       /* not owned; NULL once closed */
	char *title;
	md_run *runs;
	size_t nruns, cap_runs;
	md_row *rows;
	size_t nrows, cap_rows;
	char msg[DC__MSG_LEN];
} md_sink;

/* Make room for one more element in *ARR (N used, *CAP allocated). */
static int grow(void **arr, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return DC_OK;
	size_t nc = *cap ? *cap * 2 : 16;
	void *p = dc_realloc(*arr, nc * elem);
	if (!p)
		return DC_ENOMEM;
	*arr = p;
	*cap = nc;
	return DC_OK;
}

static int md_nomem(md_sink *s)
{
	dc__msg_set(s->msg, sizeof s->msg, "markdown report: out of memory");
	return DC_ENOMEM;
}

static int md_run_end(void *ctx, const dc_run_info *ri)
{
	md_sink *s = ctx;
	if (grow((void **)&s->runs, s->nruns, &s->cap_runs, sizeof *s->runs))
		return md_nomem(s);
	s->runs[s->nruns++] = (md_run){ ri->run, ri->status, ri->t_end_s,
					ri->events };
	return DC_OK;
}

static void row_release(md_row *r)
{
	dc_free(r->metric);
	dc_free(r->entity);
	dc_free(r->unit);
}

static int md_summary(void *ctx, const dc_stat_row *st)
{
	md_sink *s = ctx;
	if (grow((void **)&s->rows, s->nrows, &s->cap_rows, sizeof *s->rows))
		return md_nomem(s);
	md_row r = { NULL, NULL, NULL, st->reps, st->mean, st->ci_lo,
		     st->ci_hi, st->sd, st->p50, st->p90, st->p99, st->max };
	r.metric = dc_strdup(st->metric ? st->metric : "");
	r.entity = dc_strdup(st->entity ? st->entity : "");
	r.unit = dc_strdup(st->unit ? st->unit : "");
	if (!r.metric || !r.entity || !r.unit) {
		row_release(&r);
		return md_nomem(s);
	}
	s->rows[s->nrows++] = r;
	return DC_OK;
}

/* A table cell: '|' escaped, line breaks as spaces. */
static void put_cell(FILE *f, const char *s)
{
	putc(' ', f);
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			putc(' ', f);
		else
			putc(*s, f);
	}
	fputs(" |", f);
}

static void put_num(FILE *f, double v)
{
	if (isnan(v))
		fputs(" n/a |", f);
	else
		fprintf(f, " %.4g |", v);
}

/* Simulated time in the largest unit that keeps it readable. */
static void put_duration(FILE *f, double s)
{
	if (isnan(s))
		fputs(" n/a |", f);
	else if (fabs(s) < 120)
		fprintf(f, " %.4g s |", s);
	else if (fabs(s) < 2 * 3600)
		fprintf(f, " %.4g min |", s / 60);
	else if (fabs(s) < 2 * 86400)
		fprintf(f, " %.4g h |", s / 3600);
	else
		fprintf(f, " %.4g d |", s / 86400);
}

static void write_runs(md_sink *s)
{
	FILE *f = s->f;
	fputs("## Runs\n\n", f);
	if (s->nruns == 0) {
		fputs("No runs.\n\n", f);
		return;
	}
	fputs("| run | status | simulated time | events |\n"
	      "|---:|---|---:|---:|\n", f);
	for (size_t i = 0; i < s->nruns; i++) {
		const md_run *r = &s->runs[i];
		fprintf(f, "| %d |", r->run);
		put_cell(f, dc__run_status_name(r->status));
		put_duration(f, r->t_end_s);
		fprintf(f, " %" PRIu64 " |\n", r->events);
	}
	putc('\n', f);
}

static void write_summary(md_sink *s)
{
	FILE *f = s->f;
	fputs("## Summary\n\n", f);
	if (s->nrows == 0) {
		fputs("No summary rows.\n", f);
		return;
	}
	fputs("| metric | entity | unit | mean | 95 % CI | sd | p50 | p90 "
	      "| p99 | max | reps |\n"
	      "|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|\n", f);
	for (size_t i = 0; i < s->nrows; i++) {
		const md_row *r = &s->rows[i];
		fputc('|', f);
		put_cell(f, r->metric);
		put_cell(f, r->entity);
		put_cell(f, r->unit);
		put_num(f, r->mean);
		if (isnan(r->ci_lo) || isnan(r->ci_hi))
			fputs(" n/a |", f);
		else
			fprintf(f, " [%.4g, %.4g] |", r->ci_lo, r->ci_hi);
		put_num(f, r->sd);
		put_num(f, r->p50);
		put_num(f, r->p90);
		put_num(f, r->p99);
		put_num(f, r->max);
		fprintf(f, " %d |\n", r->reps);
	}
}

static int md_close(void *ctx)
{
	md_sink *s = ctx;
	if (!s->f) {
		dc__msg_set(s->msg, sizeof s->msg,
			    "markdown report: closed twice");
		return DC_EINVAL;
	}
	fprintf(s->f, "# %s\n\n", s->title);
	write_runs(s);
	write_summary(s);
	int bad = fflush(s->f) != 0 || ferror(s->f);
	s->f = NULL;
	if (bad) {
		dc__msg_set(s->msg, sizeof s->msg,
			    "markdown report: write failed: %s",
			    strerror(errno));
		return DC_EIO;
	}
	return DC_OK;
}

static void md_free(void *ctx)
{
	md_sink *s = ctx;
	if (!s)
		return;
	for (size_t i = 0; i < s->nrows; i++)
		row_release(&s->rows[i]);
	dc_free(s->rows);
	dc_free(s->runs);
	dc_free(s->title);
	dc_free(s);
}

static const char *md_errmsg(void *ctx)
{
	return ((md_sink *)ctx)->msg;
}

static const dc_sink_ops md_ops = {
	.name = "markdown",
	.run_end = md_run_end,
	.summary = md_summary,
	.close = md_close,
	.free = md_free,
	.errmsg = md_errmsg,
};

/* TITLE is copied (NULL gives "dcsim report").  Returns DC_OK, DC_EINVAL
 * (F is NULL) or DC_ENOMEM. */
int dc_sink_md_open(FILE *f, const char *title, dc_sink *out)
{
	if (!f)
		return DC_EINVAL;
	md_sink *s = dc_calloc(1, sizeof *s);
	if (!s)
		return DC_ENOMEM;
	s->f = f;
	s->title = dc_strdup(title ? title : "dcsim report");
	if (!s->title) {
		dc_free(s);
		return DC_ENOMEM;
	}
	out->ops = &md_ops;
	out->ctx = s;
	return DC_OK;
}
