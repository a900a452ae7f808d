/* charts.c - the chart sink: keeps every sample in memory, and at close
 * writes per (metric, entity) a data CSV and a gnuplot script and runs
 * gnuplot on them (a few at a time, without a shell). */
#include "reports.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../sim/alloc.h"
#include "internal.h"

extern char **environ;

enum { MAX_JOBS = 4 };              /* gnuplots running at once */
#define HOURS_ABOVE_S 7200.0        /* longer series are plotted in hours */

typedef struct pt {
	double t, v;
} pt;

typedef struct run_pts {
	pt *p;
	size_t n, cap;
	int unsorted;                   /* some t went backwards */
} run_pts;

typedef struct series {
	char *metric, *entity, *unit;   /* owned */
	run_pts *runs;                  /* indexed by run */
	int nruns;
	size_t npts;
	double tmax;
	char *name;                     /* file stem, set at close */
	int kind;                       /* SER_* */
	char **labels;                  /* SER_CDF: nruns entity names;
					   SER_BAR: one per point; owned */
	size_t nlabels;
} series;

/* A time series (runs[r]: run r over time), a distribution (runs[i]:
 * the (q, value) points of entity labels[i]) or the bars of a total
 * reported once per run (runs[0]: (i, mean) of entity labels[i]). */
enum { SER_TIME = 0, SER_CDF, SER_BAR };

typedef struct job {
	pid_t pid;
	size_t ser;
	char *log;                      /* gnuplot's output, kept on failure */
} job;

typedef struct charts_sink {
	char *dir;
	dc_err *warn;                   /* not owned; may be NULL */
	series *ser;
	size_t nser, cap;
	size_t *slots;                  /* hash of (metric, entity): index+1 */
	size_t nslots;
	size_t last;                    /* index+1 of the last series used */
	int closed;
	int gnuplot_checked;            /* dc__program_exists was asked */
	int no_gnuplot;                 /* gnuplot could not be started */
	job jobs[MAX_JOBS];
	int njobs;
	char msg[DC__MSG_LEN];
} charts_sink;

static int ch_nomem(charts_sink *s)
{
	dc__msg_set(s->msg, sizeof s->msg, "%s: charts: out of memory",
		    s->dir);
	return DC_ENOMEM;
}

static size_t hash_key(const char *metric, const char *entity)
{
	uint64_t h = 1469598103934665603u;
	for (const unsigned char *p = (const unsigned char *)metric; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	h = (h ^ 0xffu) * 1099511628211u;
	for (const unsigned char *p = (const unsigned char *)entity; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return (size_t)h;
}

static int ser_is(const series *x, const char *metric, const char *entity)
{
	return strcmp(x->metric, metric) == 0 &&
	       strcmp(x->entity, entity) == 0;
}

/* Slot of (metric, entity): the one holding it, or the empty one where it
 * would go. */
static size_t slot_find(const charts_sink *s, const char *metric,
			const char *entity)
{
	size_t mask = s->nslots - 1;
	size_t i = hash_key(metric, entity) & mask;
	while (s->slots[i] && !ser_is(&s->ser[s->slots[i] - 1], metric, entity))
		i = (i + 1) & mask;
	return i;
}

/* Double the hash table (kept at most half full). */
static int slots_grow(charts_sink *s)
{
	size_t n = s->nslots ? s->nslots * 2 : 64;
	size_t *old = s->slots, nold = s->nslots;
	s->slots = dc_calloc(n, sizeof *s->slots);
	if (!s->slots) {
		s->slots = old;
		return DC_ENOMEM;
	}
	s->nslots = n;
	for (size_t i = 0; i < nold; i++) {
		if (old[i]) {
			const series *x = &s->ser[old[i] - 1];
			s->slots[slot_find(s, x->metric, x->entity)] = old[i];
		}
	}
	dc_free(old);
	return DC_OK;
}

static void ser_release(series *x)
{
	for (int r = 0; r < x->nruns; r++)
		dc_free(x->runs[r].p);
	for (size_t i = 0; i < x->nlabels; i++)
		dc_free(x->labels[i]);
	dc_free(x->labels);
	dc_free(x->runs);
	dc_free(x->metric);
	dc_free(x->entity);
	dc_free(x->unit);
	dc_free(x->name);
}

/* Add the series (metric, entity, unit) at the end; DC_OK or DC_ENOMEM. */
static int ser_add(charts_sink *s, const char *metric, const char *entity,
		   const char *unit)
{
	if (2 * (s->nser + 1) > s->nslots && slots_grow(s) != DC_OK)
		return DC_ENOMEM;
	if (s->nser == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		series *p = dc_realloc(s->ser, nc * sizeof *p);
		if (!p)
			return DC_ENOMEM;
		s->ser = p;
		s->cap = nc;
	}
	series x = { 0 };
	x.metric = dc_strdup(metric);
	x.entity = dc_strdup(entity);
	x.unit = dc_strdup(unit);
	if (!x.metric || !x.entity || !x.unit) {
		ser_release(&x);
		return DC_ENOMEM;
	}
	s->ser[s->nser++] = x;
	s->slots[slot_find(s, metric, entity)] = s->nser;
	return DC_OK;
}

/* Index+1 of (metric, entity), or 0 if unknown. */
static size_t ser_lookup(charts_sink *s, const char *metric,
			 const char *entity)
{
	if (s->last && ser_is(&s->ser[s->last - 1], metric, entity))
		return s->last;
	if (!s->nslots)
		return 0;
	return s->slots[slot_find(s, metric, entity)];
}

static int ch_metric(void *ctx, const dc_metric_info *mi)
{
	charts_sink *s = ctx;
	const char *entity = mi->entity ? mi->entity : "";
	size_t k = ser_lookup(s, mi->metric, entity);
	if (k) {
		char *u = dc_strdup(mi->unit ? mi->unit : "");
		if (!u)
			return ch_nomem(s);
		dc_free(s->ser[k - 1].unit);
		s->ser[k - 1].unit = u;
		return DC_OK;
	}
	if (ser_add(s, mi->metric, entity, mi->unit ? mi->unit : ""))
		return ch_nomem(s);
	return DC_OK;
}

static int pts_push(run_pts *r, double t, double v)
{
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 64;
		pt *p = dc_realloc(r->p, nc * sizeof *p);
		if (!p)
			return DC_ENOMEM;
		r->p = p;
		r->cap = nc;
	}
	if (r->n && t < r->p[r->n - 1].t)
		r->unsorted = 1;
	r->p[r->n++] = (pt){ t, v };
	return DC_OK;
}

static int ch_sample(void *ctx, int run, const char *metric,
		     const char *entity, double t_s, double value)
{
	charts_sink *s = ctx;
	if (!entity)
		entity = "";
	if (run < 0 || !isfinite(t_s)) {
		dc__msg_set(s->msg, sizeof s->msg,
			    "charts: sample %s/%s: bad run %d or time %g",
			    metric, entity, run, t_s);
		return DC_EINVAL;
	}
	size_t k = ser_lookup(s, metric, entity);
	if (!k) {
		if (ser_add(s, metric, entity, ""))
			return ch_nomem(s);
		k = s->nser;
	}
	s->last = k;
	series *x = &s->ser[k - 1];
	if (run >= x->nruns) {
		run_pts *p = dc_realloc(x->runs, (size_t)(run + 1) * sizeof *p);
		if (!p)
			return ch_nomem(s);
		memset(p + x->nruns, 0, (size_t)(run + 1 - x->nruns) * sizeof *p);
		x->runs = p;
		x->nruns = run + 1;
	}
	if (pts_push(&x->runs[run], t_s, value))
		return ch_nomem(s);
	x->npts++;
	if (t_s > x->tmax)
		x->tmax = t_s;
	return DC_OK;
}

/* Append a copy of LABEL (NULL: "") to X's labels; DC_ENOMEM. */
static int label_push(series *x, const char *label)
{
	char **l = dc_realloc(x->labels, (x->nlabels + 1) * sizeof *l);
	if (!l)
		return DC_ENOMEM;
	x->labels = l;
	if (!(l[x->nlabels] = dc_strdup(label ? label : "")))
		return DC_ENOMEM;
	x->nlabels++;
	return DC_OK;
}

/* The KIND (SER_CDF, SER_BAR) series of METRIC (index), appended on first
 * use and kept out of the (metric, entity) hash of the time series; -1
 * on ENOMEM. */
static long extra_series(charts_sink *s, int kind, const char *metric,
			 const char *unit)
{
	for (size_t k = 0; k < s->nser; k++)
		if (s->ser[k].kind == kind &&
		    strcmp(s->ser[k].metric, metric) == 0)
			return (long)k;
	if (s->nser == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		series *p = dc_realloc(s->ser, nc * sizeof *p);
		if (!p)
			return -1;
		s->ser = p;
		s->cap = nc;
	}
	series x = { 0 };
	x.kind = kind;
	x.metric = dc_strdup(metric);
	x.entity = dc_strdup("");
	x.unit = dc_strdup(unit ? unit : "");
	if (!x.metric || !x.entity || !x.unit) {
		ser_release(&x);
		return -1;
	}
	s->ser[s->nser] = x;
	return (long)s->nser++;
}

/* One entity's distribution of METRIC becomes a line of the metric's CDF
 * chart. */
static int ch_dist(void *ctx, const char *metric, const char *entity,
		   const char *unit, const double *q, const double *v,
		   size_t n)
{
	charts_sink *s = ctx;
	long k = extra_series(s, SER_CDF, metric, unit);
	if (k < 0)
		return ch_nomem(s);
	series *x = &s->ser[k];
	int r = x->nruns;
	run_pts *p = dc_realloc(x->runs, (size_t)(r + 1) * sizeof *p);
	if (!p)
		return ch_nomem(s);
	x->runs = p;
	x->runs[r] = (run_pts){ 0 };
	x->nruns = r + 1;
	if (label_push(x, entity))
		return ch_nomem(s);
	for (size_t i = 0; i < n; i++)
		if (pts_push(&x->runs[r], q[i], v[i]))
			return ch_nomem(s);
	x->npts += n;
	return DC_OK;
}

/* A figure reported once per run (a total: one observation per
 * replication) becomes a bar of the metric's summary chart. */
static int ch_summary(void *ctx, const dc_stat_row *row)
{
	charts_sink *s = ctx;
	if (row->run >= 0 || row->reps < 1 || row->n != (uint64_t)row->reps ||
	    !isfinite(row->mean))
		return DC_OK;
	long k = extra_series(s, SER_BAR, row->metric, row->unit);
	if (k < 0)
		return ch_nomem(s);
	series *x = &s->ser[k];
	if (!x->nruns) {
		if (!(x->runs = dc_calloc(1, sizeof *x->runs)))
			return ch_nomem(s);
		x->nruns = 1;
	}
	if (label_push(x, row->entity) ||
	    pts_push(&x->runs[0], (double)x->runs[0].n, row->mean))
		return ch_nomem(s);
	x->npts++;
	return DC_OK;
}

/* The file stem: metric[-entity], characters outside [A-Za-z0-9._-] as
 * '_', and "-2", "-3", ... when an earlier series took the name. */
static int ser_name(charts_sink *s, size_t k)
{
	series *x = &s->ser[k];
	size_t ml = strlen(x->metric), el = strlen(x->entity);
	size_t cap = ml + el + 28;
	char *n = dc_malloc(cap);
	if (!n)
		return DC_ENOMEM;
	snprintf(n, cap, "%s%s%s%s",
		 x->kind == SER_CDF ? "cdf-" : x->kind == SER_BAR ? "summary-" : "",
		 x->metric,
		 el ? "-" : "", x->entity);
	for (char *p = n; *p; p++) {
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", *p))
			*p = '_';
	}
	if (!n[0])
		strcpy(n, "_");
	size_t base = strlen(n);
	for (int dup = 2;; dup++) {
		size_t j = 0;
		while (j < k && !(s->ser[j].name &&
				  strcmp(s->ser[j].name, n) == 0))
			j++;
		if (j == k)
			break;
		snprintf(n + base, cap - base, "-%d", dup);
	}
	x->name = n;
	return DC_OK;
}

static int cmp_pt(const void *a, const void *b)
{
	double x = ((const pt *)a)->t, y = ((const pt *)b)->t;
	return (x > y) - (x < y);
}

/* Write the rows "t,run0,run1,..." merging the runs by time. */
static void write_rows(FILE *f, series *x, size_t *idx)
{
	for (;;) {
		double t = INFINITY;
		for (int r = 0; r < x->nruns; r++) {
			const run_pts *p = &x->runs[r];
			if (idx[r] < p->n && p->p[idx[r]].t < t)
				t = p->p[idx[r]].t;
		}
		if (t == INFINITY)
			break;
		fprintf(f, "%.17g", t);
		for (int r = 0; r < x->nruns; r++) {
			const run_pts *p = &x->runs[r];
			putc(',', f);
			if (idx[r] < p->n && p->p[idx[r]].t == t) {
				if (!isnan(p->p[idx[r]].v))
					fprintf(f, "%.17g", p->p[idx[r]].v);
				idx[r]++;
			}
		}
		putc('\n', f);
	}
}

/* Create DIR/<name><ext> for writing; on failure a message and code. */
static int ch_create(charts_sink *s, const series *x, const char *ext,
		     FILE **f)
{
	size_t cap = strlen(x->name) + strlen(ext) + 1;
	char *file = dc_malloc(cap);
	if (!file)
		return ch_nomem(s);
	snprintf(file, cap, "%s%s", x->name, ext);
	char *path = dc__path_join(s->dir, file);
	dc_free(file);
	if (!path)
		return ch_nomem(s);
	int rc = dc__file_create(path, f);
	if (rc == DC_EEXIST)
		dc__msg_set(s->msg, sizeof s->msg,
			    "%s: exists; will not overwrite it", path);
	else if (rc != DC_OK)
		dc__msg_set(s->msg, sizeof s->msg, "%s: cannot create: %s",
			    path, strerror(errno));
	dc_free(path);
	return rc;
}

static int ch_finish(charts_sink *s, const series *x, const char *ext,
		     FILE *f)
{
	int bad = ferror(f);
	if (fclose(f) != 0)
		bad = 1;
	if (bad) {
		dc__msg_set(s->msg, sizeof s->msg, "%s/%s%s: write failed: %s",
			    s->dir, x->name, ext, strerror(errno));
		return DC_EIO;
	}
	return DC_OK;
}

/* Rows "i,value,entity" (the entity with commas and quotes as '_'). */
static void write_bars(FILE *f, const series *x)
{
	fputs("i,value,entity\n", f);
	const run_pts *p = &x->runs[0];
	for (size_t i = 0; i < p->n; i++) {
		fprintf(f, "%zu,%.17g,", i, p->p[i].v);
		for (const char *c = x->labels[i]; *c; c++)
			putc(*c == ',' || *c == '"' || (unsigned char)*c < 0x20
				     ? '_' : *c, f);
		putc('\n', f);
	}
}

static int write_data(charts_sink *s, series *x)
{
	size_t *idx = dc_calloc((size_t)x->nruns, sizeof *idx);
	if (!idx)
		return ch_nomem(s);
	FILE *f;
	int rc = ch_create(s, x, ".csv", &f);
	if (rc != DC_OK)
		goto out_free_idx;
	if (x->kind == SER_BAR) {
		write_bars(f, x);
		rc = ch_finish(s, x, ".csv", f);
		goto out_free_idx;
	}
	fputs(x->kind == SER_CDF ? "q" : "t", f);
	for (int r = 0; r < x->nruns; r++) {
		if (x->runs[r].unsorted)
			qsort(x->runs[r].p, x->runs[r].n, sizeof(pt), cmp_pt);
		if (x->kind == SER_CDF)
			fprintf(f, ",v%d", r);
		else
			fprintf(f, ",run%d", r);
	}
	putc('\n', f);
	write_rows(f, x, idx);
	rc = ch_finish(s, x, ".csv", f);
out_free_idx:
	dc_free(idx);
	return rc;
}

/* The parts A..D (NULL: none) as one gnuplot single-quoted string: '
 * doubled, control characters as spaces. */
static void gp_quote(FILE *f, const char *a, const char *b, const char *c,
		     const char *d)
{
	const char *parts[] = { a, b, c, d };
	putc('\'', f);
	for (size_t i = 0; i < DC_ARRAY_LEN(parts); i++) {
		for (const char *p = parts[i]; p && *p; p++) {
			if (*p == '\'')
				fputs("''", f);
			else if ((unsigned char)*p < 0x20)
				putc(' ', f);
			else
				putc(*p, f);
		}
	}
	putc('\'', f);
}

/* A distribution: value on x, cumulative probability on y, one line
 * per entity. */
static void write_cdf_plot(FILE *f, const series *x)
{
	fputs("set xlabel ", f);
	if (x->unit[0])
		gp_quote(f, x->metric, " (", x->unit, ")");
	else
		gp_quote(f, x->metric, NULL, NULL, NULL);
	fputs("\nset ylabel 'cumulative probability'\nset yrange [0:1]\n", f);
	fputs(x->nruns > 12 ? "unset key\n" : "set key bottom right\n", f);
	fputs("set grid\nplot", f);
	const char *sep = " ";
	for (int r = 0; r < x->nruns; r++) {
		fprintf(f, "%sARG1 skip 1 using %d:1 with lines title ", sep,
			r + 2);
		gp_quote(f, x->labels[r][0] ? x->labels[r] : "all", NULL, NULL,
			 NULL);
		sep = ", \\\n     ";
	}
	putc('\n', f);
}

/* One bar per entity, labelled. */
static void write_bar_plot(FILE *f, const series *x)
{
	fputs("set ylabel ", f);
	if (x->unit[0])
		gp_quote(f, x->metric, " (", x->unit, ")");
	else
		gp_quote(f, x->metric, NULL, NULL, NULL);
	fputs("\nset style fill solid 0.6\nset boxwidth 0.7\n"
	      "set yrange [0:*]\nset xtics rotate by -30\nunset key\n"
	      "set grid ytics\n"
	      "plot ARG1 skip 1 using 1:2:xtic(3) with boxes\n", f);
}

static void write_plot(FILE *f, const series *x)
{
	if (x->kind == SER_CDF) {
		write_cdf_plot(f, x);
		return;
	}
	if (x->kind == SER_BAR) {
		write_bar_plot(f, x);
		return;
	}
	int hours = x->tmax > HOURS_ABOVE_S;
	const char *xcol = hours ? "($1/3600)" : "1";
	int nplot = 0;
	for (int r = 0; r < x->nruns; r++)
		nplot += x->runs[r].n > 0;
	fprintf(f, "set xlabel 'time (%s)'\n", hours ? "h" : "s");
	fputs("set ylabel ", f);
	if (x->unit[0])
		gp_quote(f, x->metric, " (", x->unit, ")");
	else
		gp_quote(f, x->metric, NULL, NULL, NULL);
	fputs(nplot > 12 ? "\nunset key\n" : "\nset key top right\n", f);
	fputs("set grid\nplot", f);
	const char *sep = " ";
	for (int r = 0; r < x->nruns; r++) {
		if (!x->runs[r].n)
			continue;
		fprintf(f, "%sARG1 skip 1 using %s:%d with lines title 'run%d'",
			sep, xcol, r + 2, r);
		sep = ", \\\n     ";
	}
	putc('\n', f);
}

static int write_script(charts_sink *s, const series *x)
{
	FILE *f;
	int rc = ch_create(s, x, ".gp", &f);
	if (rc != DC_OK)
		return rc;
	fprintf(f, "# %s.gp - written by dcsim; run it as\n"
		   "#   gnuplot -c %s.gp %s.csv %s.png\n",
		x->name, x->name, x->name, x->name);
	fputs("if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
	      "    set terminal pngcairo size 1000,600 noenhanced\n"
	      "} else {\n"
	      "    set terminal png size 1000,600 noenhanced\n"
	      "}\n"
	      "set output ARG2\n"
	      "set datafile separator ','\n"
	      "set title ", f);
	if (x->kind == SER_CDF)
		gp_quote(f, x->metric, " - distribution", NULL, NULL);
	else if (x->kind == SER_BAR)
		gp_quote(f, x->metric, " - per entity", NULL, NULL);
	else
		gp_quote(f, x->metric, x->entity[0] ? " - " : NULL, x->entity,
			 NULL);
	fputs(" noenhanced\n", f);
	write_plot(f, x);
	return ch_finish(s, x, ".gp", f);
}

static void ch_warn(charts_sink *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ch_warn(charts_sink *s, const char *fmt, ...)
{
	char buf[DC__MSG_LEN];
	va_list ap;
	if (!s->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	dc_err_warn(s->warn, "%s", buf);
}

/* Warn once that gnuplot cannot be run (WHY), and stop trying. */
static void ch_missing(charts_sink *s, const char *why)
{
	if (s->no_gnuplot)
		return;
	s->no_gnuplot = 1;
	ch_warn(s, "cannot run %s (%s): charts in %s left as .gp and .csv "
		   "files; set GNUPLOT or install gnuplot",
		dc__gnuplot_prog(), why, s->dir);
}

/* Wait for the oldest running gnuplot and report how it ended. */
static void job_reap(charts_sink *s)
{
	job j = s->jobs[0];
	memmove(s->jobs, s->jobs + 1, (size_t)(s->njobs - 1) * sizeof *s->jobs);
	s->njobs--;
	int st = 0;
	pid_t w;
	do
		w = waitpid(j.pid, &st, 0);
	while (w < 0 && errno == EINTR);
	const char *name = s->ser[j.ser].name;
	if (w < 0)
		ch_warn(s, "%s/%s.png: cannot wait for gnuplot: %s", s->dir,
			name, strerror(errno));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		unlink(j.log);
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		/* the exec failed where posix_spawn cannot report it */
		unlink(j.log);
		ch_missing(s, "exit status 127");
	}
	else if (WIFEXITED(st))
		ch_warn(s, "%s/%s.png: gnuplot exited with status %d (see %s)",
			s->dir, name, WEXITSTATUS(st), j.log);
	else
		ch_warn(s, "%s/%s.png: gnuplot killed by signal %d (see %s)",
			s->dir, name, WIFSIGNALED(st) ? WTERMSIG(st) : 0, j.log);
	dc_free(j.log);
}

/* Start gnuplot on series K in the background: argv, no shell. */
static int job_start(charts_sink *s, size_t k)
{
	static char default_prog[] = "gnuplot";
	static char opt_c[] = "-c";
	char *prog = getenv("GNUPLOT");
	if (!prog || !prog[0])
		prog = default_prog;
	const char *name = s->ser[k].name;
	const char *ext[] = { ".gp", ".csv", ".png", ".log" };
	char *path[4] = { NULL, NULL, NULL, NULL };
	int rc = DC_OK;
	size_t dl = strlen(s->dir), cap = dl + strlen(name) + 8;
	for (int i = 0; i < 4; i++) {
		if (!(path[i] = dc_malloc(cap))) {
			rc = ch_nomem(s);
			goto out_free_paths;
		}
		snprintf(path[i], cap, "%s/%s%s", s->dir, name, ext[i]);
	}
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa) != 0) {
		rc = ch_nomem(s);
		goto out_free_paths;
	}
	int e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
						 O_RDONLY, 0);
	if (!e)
		e = posix_spawn_file_actions_addopen(
			&fa, 1, path[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (!e)
		e = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	pid_t pid;
	char *argv[] = { prog, opt_c, path[0], path[1], path[2], NULL };
	if (!e)
		e = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e) {
		unlink(path[3]);
		ch_missing(s, strerror(e));
		goto out_free_paths;
	}
	s->jobs[s->njobs++] = (job){ pid, k, path[3] };
	path[3] = NULL;
out_free_paths:
	for (int i = 0; i < 4; i++)
		dc_free(path[i]);
	return rc;
}

static int chart_one(charts_sink *s, size_t k)
{
	int rc = ser_name(s, k);
	if (rc != DC_OK)
		return ch_nomem(s);
	if ((rc = write_data(s, &s->ser[k])) != DC_OK)
		return rc;
	if ((rc = write_script(s, &s->ser[k])) != DC_OK)
		return rc;
	if (!s->gnuplot_checked) {
		s->gnuplot_checked = 1;
		if (!dc__program_exists(dc__gnuplot_prog()))
			ch_missing(s, "not found");
	}
	if (s->no_gnuplot)
		return DC_OK;
	if (s->njobs == MAX_JOBS)
		job_reap(s);
	return job_start(s, k);
}

/* A time series needs two points in some run: a quantity reported once
 * per run (a total) is in the summary, not worth a chart. */
static int ser_plottable(const series *x)
{
	for (int r = 0; r < x->nruns; r++)
		if (x->runs[r].n >= 2)
			return 1;
	return 0;
}

static int ch_close(void *ctx)
{
	charts_sink *s = ctx;
	int rc = DC_OK;
	if (s->closed) {
		dc__msg_set(s->msg, sizeof s->msg, "charts: closed twice");
		return DC_EINVAL;
	}
	s->closed = 1;
	for (size_t k = 0; k < s->nser && rc == DC_OK; k++) {
		if (ser_plottable(&s->ser[k]))
			rc = chart_one(s, k);
	}
	while (s->njobs)
		job_reap(s);
	return rc;
}

static void ch_free(void *ctx)
{
	charts_sink *s = ctx;
	if (!s)
		return;
	while (s->njobs)
		job_reap(s);
	for (size_t k = 0; k < s->nser; k++)
		ser_release(&s->ser[k]);
	dc_free(s->ser);
	dc_free(s->slots);
	dc_free(s->dir);
	dc_free(s);
}

static const char *ch_errmsg(void *ctx)
{
	return ((charts_sink *)ctx)->msg;
}

static const dc_sink_ops charts_ops = {
	.name = "charts",
	.metric = ch_metric,
	.sample = ch_sample,
	.summary = ch_summary,
	.dist = ch_dist,
	.close = ch_close,
	.free = ch_free,
	.errmsg = ch_errmsg,
};

/* DIR is created now (so a bad folder fails early); WARN stays owned by
 * the caller and must outlive the sink.  Returns DC_OK, DC_ENOMEM or
 * DC_ECREATE; the reason is in WARN as an error line when WARN is given. */
int dc_sink_charts_open(const char *dir, dc_err *warn, dc_sink *out)
{
	int rc;
	charts_sink *s = dc_calloc(1, sizeof *s);
	if (!s) {
		rc = DC_ENOMEM;
		goto out_report;
	}
	s->warn = warn;
	s->dir = dc_strdup(dir);
	if (!s->dir) {
		rc = DC_ENOMEM;
		goto out_free;
	}
	if (dc__dir_ensure(dir) != DC_OK) {
		rc = DC_ECREATE;
		if (warn)
			dc_err_msg(warn, rc, "%s: cannot create folder: %s",
				   dir, strerror(errno));
		goto out_free;
	}
	out->ops = &charts_ops;
	out->ctx = s;
	return DC_OK;

out_free:
	ch_free(s);
out_report:
	if (rc == DC_ENOMEM && warn)
		dc_err_msg(warn, rc, "%s: charts: out of memory", dir);
	return rc;
}
