/* run.c - `dcsim run`: load, stage the output folder, simulate, commit. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../models/registry.h"
#include "../../reports/reports.h"
#include "../../reports/resolved.h"
#include "../alloc.h"
#include "../runner.h"
#include "../table.h"
#include "cli.h"
#include "version.h"


typedef struct run_opts {
	const char *scenario, *out, *format;
	dc_override ov[3];
	size_t nov;
	int force, quiet, verbose;
} run_opts;

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]; 1 if matched (advances
 * *i), 0 if not this option, -1 if the value is missing. */
static int opt_value(int argc, char **argv, int *i, const char *name,
		     const char **val)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n))
		return 0;
	if (argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

static int parse_opts(int argc, char **argv, run_opts *o)
{
	static const struct { const char *opt, *key; } ovs[] = {
		{"--seed", "seed"}, {"--reps", "replications"},
		{"--until", "horizon"}};
	memset(o, 0, sizeof *o);
	o->format = "both";
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		int m = 0;
		for (size_t k = 0; k < DC_ARRAY_LEN(ovs) && !m; k++)
			if ((m = opt_value(argc, argv, &i, ovs[k].opt, &v)) == 1)
				o->ov[o->nov++] = (dc_override){ovs[k].opt,
								ovs[k].key, v};
		if (!m && (m = opt_value(argc, argv, &i, "--out", &v)) == 1)
			o->out = v;
		if (!m && (m = opt_value(argc, argv, &i, "--format", &v)) == 1)
			o->format = v;
		if (m < 0) {
			fprintf(stderr, "dcsim run: %s needs a value\n", argv[i]);
			return DC_EUSAGE;
		}
		if (m)
			continue;
		if (!strcmp(argv[i], "--force"))
			o->force = 1;
		else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			o->quiet = 1;
		else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			o->verbose = 1;
		else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "dcsim run: unknown option '%s'\n", argv[i]);
			return DC_EUSAGE;
		} else if (o->scenario) {
			fprintf(stderr, "dcsim run: one scenario at a time ('%s' "
				"and '%s')\n", o->scenario, argv[i]);
			return DC_EUSAGE;
		} else
			o->scenario = argv[i];
	}
	if (!o->scenario) {
		fprintf(stderr, "dcsim run: no scenario given\n");
		return DC_EUSAGE;
	}
	if (strcmp(o->format, "csv") && strcmp(o->format, "sqlite") &&
	    strcmp(o->format, "both")) {
		fprintf(stderr, "dcsim run: --format must be csv, sqlite or "
			"both, not '%s'\n", o->format);
		return DC_EUSAGE;
	}
	if (o->quiet && o->verbose) {
		fprintf(stderr, "dcsim run: -q and -v exclude each other\n");
		return DC_EUSAGE;
	}
	return DC_OK;
}

/* ---- progress on a terminal ---- */
typedef struct progress {
	const dc_scenario *sc;
	double t0, last;        /* wall clock at start, at the last update */
	double rep_t0;          /* wall clock when the current rep started */
	int rep;                /* current replication */
	uint64_t ev_done;       /* events of the finished replications */
	uint64_t ev_rep;        /* events of the current one, last seen */
	int shown;
} progress;

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Fraction of the current replication done: simulated time over the
 * horizon, or, once a replication has finished (models may stop before
 * the horizon), wall time over the mean replication so far. */
static double rep_fraction(const progress *p, const dc_sim *sim, double now)
{
	double f = (double)dc_sim_now(sim) / (double)p->sc->run.horizon;
	if (p->rep > 0) {
		double per_rep = (p->rep_t0 - p->t0) / p->rep;
		double g = per_rep > 0 ? (now - p->rep_t0) / per_rep : 0;
		if (g > f)
			f = g;
	}
	return f < 0.99 ? f : 0.99;
}

static void show_progress(void *ctx, int rep, const dc_sim *sim)
{
	progress *p = ctx;
	double now = wall_now();
	if (rep != p->rep) {
		p->ev_done += p->ev_rep;
		p->rep = rep;
		p->rep_t0 = now;
	}
	p->ev_rep = dc_sim_events(sim);
	if (now - p->last < 0.25)
		return;
	p->last = now;
	double el = now - p->t0;
	double frac = (rep + rep_fraction(p, sim, now)) / (double)p->sc->run.reps;
	double eta = frac > 0 ? el * (1 - frac) / frac : 0;
	fprintf(stderr, "\r  rep %d/%lld  t = %-10.4g h  %6.3g M events/s  "
		"%3.0f %%  ETA %.0f s   ", rep + 1, (long long)p->sc->run.reps,
		dc_time_to_s(dc_sim_now(sim)) / 3600,
		(double)(p->ev_done + p->ev_rep) / (el > 0 ? el : 1) / 1e6,
		100 * frac, eta);
	p->shown = 1;
}

/* Erase the progress line before anything else is printed. */
static void clear_progress(progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r%78s\r", "");
	p->shown = 0;
}

/* ---- the terminal summary: a small sink ---- */
typedef struct term {
	int verbose, header;
	progress *pg;
} term;

static int term_run_end(void *ctx, const dc_run_info *ri)
{
	term *t = ctx;
	clear_progress(t->pg);
	if (t->verbose)
		fprintf(stderr, "  replication %d: %s at t = %.6g s, %llu "
			"events\n", ri->run,
			ri->status == DC_RUN_COMPLETE ? "complete" : "interrupted",
			ri->t_end_s, (unsigned long long)ri->events);
	return DC_OK;
}

static int term_summary(void *ctx, const dc_stat_row *r)
{
	term *t = ctx;
	clear_progress(t->pg);
	if (!t->header) {
		printf("%-22s %-10s %-5s %12s %25s %12s %12s\n", "metric",
		       "entity", "unit", "mean", "95% CI", "p99", "max");
		t->header = 1;
	}
	char ci[64] = "n/a";
	if (!isnan(r->ci_lo))
		snprintf(ci, sizeof ci, "[%.6g, %.6g]", r->ci_lo, r->ci_hi);
	printf("%-22s %-10s %-5s %12.6g %25s %12.6g %12.6g\n", r->metric,
	       r->entity, r->unit, r->mean, ci, r->p99, r->max);
	return DC_OK;
}

static void term_free(void *ctx) { (void)ctx; }
static const char *term_errmsg(void *ctx) { (void)ctx; return ""; }

static const dc_sink_ops term_ops = {
	.name = "terminal", .run_end = term_run_end, .summary = term_summary,
	.free = term_free, .errmsg = term_errmsg};

/* ---- output files ---- */
static int write_resolved(const char *dir, const dc_scenario *sc, dc_err *err)
{
	char *path = dc_path_join(dir, "scenario.resolved.yaml");
	FILE *f = path ? fopen(path, "wx") : NULL;
	if (!f) {
		dc_err_msg(err, DC_ECREATE, "cannot create %s",
			   path ? path : "scenario.resolved.yaml");
		dc_free(path);
		return DC_ECREATE;
	}
	fprintf(f, "# %s resolved by dcsim %s: every value given, each "
		"marked with\n# where it came from (scenario, default, "
		"catalog, cli).\n", sc->file, dc_version);
	int rc = dc_resolved_section(f, &dc_run_params, &sc->run, sc->run_src,
				     0, err);
	for (size_t i = 0; !rc && i < sc->n_comp; i++) {
		const dc_component *c = &sc->comp[i];
		if (!c->kind->multi) {
			fprintf(f, "%s:\n", c->kind->key);
		} else {
			if (i == 0 || sc->comp[i - 1].kind != c->kind)
				fprintf(f, "%s:\n", c->kind->key);
			fprintf(f, "  -\n");
		}
		rc = dc_resolved_section(f, c->kind->params, c->cfg, c->src,
					 c->kind->multi ? 4 : 2, err);
	}
	if (fclose(f) && !rc)
		rc = dc_err_msg(err, DC_EIO, "cannot write %s", path);
	dc_free(path);
	return rc;
}

static int add_sink(dc_sink *v, int *n, int rc)
{
	if (!rc)
		(*n)++;
	return rc;
}

/* Open the file sinks into DIR and tee them with the terminal sink. */
static int open_sinks(const run_opts *o, const char *dir, FILE *md,
		      const char *title, term *tm, dc_err *warn, dc_sink *tee,
		      dc_err *err)
{
	dc_sink v[5];
	int n = 0, rc = DC_OK;
	char *db = dc_path_join(dir, "results.db");
	char *charts = dc_path_join(dir, "charts");
	if (!db || !charts)
		rc = dc_err_msg(err, DC_ENOMEM, "out of memory");
	if (!rc && strcmp(o->format, "csv"))
		rc = add_sink(v, &n, dc_sink_db_open(db, &v[n], err));
	if (!rc && strcmp(o->format, "sqlite"))
		rc = add_sink(v, &n, dc_sink_csv_open(dir, &v[n], err));
	if (!rc)
		rc = add_sink(v, &n, dc_sink_charts_open(charts, warn, &v[n]));
	if (!rc)
		rc = add_sink(v, &n, dc_sink_md_open(md, title, &v[n]));
	if (!rc && !o->quiet)
		v[n++] = (dc_sink){&term_ops, tm};
	if (rc) {
		for (int i = 0; i < n; i++)
			v[i].ops->free(v[i].ctx);
	} else {
		rc = dc_sink_tee(v, n, tee); /* adopts v[], even on failure */
	}
	if (rc && !err->count)
		dc_err_msg(err, rc, "cannot open the result files");
	dc_free(db);
	dc_free(charts);
	return rc;
}

static char *default_out(const dc_scenario *sc)
{
	char stamp[32], buf[512];
	time_t t = time(NULL);
	struct tm tmv;
	gmtime_r(&t, &tmv);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tmv);
	snprintf(buf, sizeof buf, "results/%s-%s", sc->run.name, stamp);
	for (char *p = buf + 8; *p; p++)
		if (*p == '/' || *p == ' ')
			*p = '_';
	return dc_strdup(buf);
}

static int write_manifest(const char *dir, int argc, char **argv,
			  const dc_scenario *sc, const run_opts *o,
			  const dc_runner_result *res, double wall,
			  const char *started, dc_err *err)
{
	char host[256] = "unknown";
	gethostname(host, sizeof host - 1);
	char *path = dc_path_join(dir, "manifest.json");
	if (!path)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	dc_manifest m = {
		.dcsim_version = dc_version, .git_revision = dc_git_rev,
		.argc = argc, .argv = argv, .scenario_path = sc->file,
		.scenario_name = sc->run.name, .seed = (uint32_t)sc->run.seed,
		.reps = (int)sc->run.reps,
		.status = res->status == DC_RUN_COMPLETE      ? "complete"
			  : res->status == DC_RUN_INTERRUPTED ? "interrupted"
							      : "failed",
		.wall_s = wall, .events = res->events, .started_utc = started,
		.host = host, .formats = o->format, .data_dir = sc->data_dir};
	const char *names[64];
	const dc_table *tables[64];
	m.n_inputs = dc_scenario_inputs(sc, names, tables, 64);
	if (m.n_inputs > 64)
		m.n_inputs = 64;
	m.input_names = names, m.input_tables = tables;
	int rc = dc_manifest_write(path, &m, err);
	dc_free(path);
	return rc;
}

static void utc_now(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tmv;
	gmtime_r(&t, &tmv);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tmv);
}

/* Simulate into the staging folder; the sinks are closed on return. */
static int simulate(const run_opts *o, const dc_scenario *sc, const char *dir,
		    dc_runner_result *res, dc_err *warn, dc_err *err)
{
	char *mdpath = dc_path_join(dir, "report.md");
	FILE *md = mdpath ? fopen(mdpath, "wx") : NULL;
	dc_free(mdpath);
	if (!md)
		return dc_err_msg(err, DC_ECREATE, "cannot create report.md");
	double t0 = wall_now();
	progress pg = {.sc = sc, .t0 = t0, .rep_t0 = t0};
	term tm = {o->verbose, 0, &pg};
	dc_sink tee;
	int rc = open_sinks(o, dir, md, sc->run.name, &tm, warn, &tee, err);
	if (rc) {
		fclose(md);
		return rc;
	}
	int tty = isatty(STDERR_FILENO) && !o->quiet;
	dc_runner_opts ro = {
		.interrupt = &interrupted,
		.progress = tty ? show_progress : NULL,
		.progress_ctx = &pg,
		.progress_every = 1u << 16,
	};
	rc = dc_runner_run(sc, &tee, &ro, res, err);
	clear_progress(&pg);
	if (!rc || rc == DC_EINTR) {
		int crc = tee.ops->close(tee.ctx);
		if (crc)
			rc = dc_err_msg(err, crc, "writing results: %s",
					tee.ops->errmsg(tee.ctx));
	}
	tee.ops->free(tee.ctx);
	if (fclose(md) && (!rc || rc == DC_EINTR))
		rc = dc_err_msg(err, DC_EIO, "cannot write report.md");
	return rc;
}

static int load(const run_opts *o, dc_scenario **sc, dc_err *err)
{
	size_t nk;
	const dc_component_kind *const *kinds = dc_registry_kinds(&nk);
	return dc_scenario_load(o->scenario, kinds, nk, o->ov, o->nov, sc, err);
}

static int finish(int rc, const dc_outdir *od, const dc_runner_result *res,
		  int quiet)
{
	if (rc == DC_EINTR)
		fprintf(stderr, "dcsim: interrupted: %d complete replication(s) "
			"kept in %s (marked 'interrupted')\n", res->reps_done,
			od->final);
	else if (!rc && !quiet)
		printf("results: %s\n", od->final);
	return rc;
}

static int run_staged(const run_opts *o, int argc, char **argv,
		      dc_scenario *sc, dc_err *err)
{
	char *out = o->out ? dc_strdup(o->out) : default_out(sc);
	dc_outdir od;
	dc_err warn = DC_ERR_INIT;
	dc_runner_result res = {0};
	char started[32];
	if (!out)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	int rc = dc_outdir_open(&od, out, o->force, err);
	dc_free(out);
	if (rc)
		return rc;
	utc_now(started, sizeof started);
	double t0 = wall_now();
	struct sigaction sa = {0}, old;
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESETHAND; /* a second ^C kills at once */
	sigaction(SIGINT, &sa, &old);
	rc = write_resolved(od.stage, sc, err);
	if (!rc)
		rc = simulate(o, sc, od.stage, &res, &warn, err);
	sigaction(SIGINT, &old, NULL);
	int committed = 0, kept = 0;
	if (!rc || rc == DC_EINTR) {
		int mrc = write_manifest(od.stage, argc, argv, sc, o, &res,
					 wall_now() - t0, started, err);
		int crc = mrc ? mrc : dc_outdir_commit(&od, err);
		committed = !crc;
		kept = mrc == DC_OK && crc; /* the error names where they are */
		if (crc)
			rc = crc;
	}
	if (warn.count || warn.len)
		dc_cli_print_err(&warn);
	dc_err_free(&warn);
	if (!committed) {
		if (kept)
			dc_outdir_free(&od);
		else
			dc_outdir_abort(&od);
		return rc;
	}
	rc = finish(rc, &od, &res, o->quiet);
	dc_outdir_free(&od);
	return rc;
}

int dc_cmd_run(int argc, char **argv, int full_argc, char **full_argv)
{
	run_opts o;
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return DC_EXIT_USAGE;
	dc_err err = DC_ERR_INIT;
	dc_scenario *sc = NULL;
	rc = load(&o, &sc, &err);
	if (!rc)
		rc = run_staged(&o, full_argc, full_argv, sc, &err);
	if (err.len)
		dc_cli_print_err(&err);
	dc_err_free(&err);
	dc_scenario_free(sc);
	return dc_cli_exit_status(rc);
}
