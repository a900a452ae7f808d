/* calibrate.c - `dcsim calibrate`: time the kernels on this host over a
 * model's operator shapes, fit the profile's time law per operator class
 * and write the profile with its provenance (a CSV file, or a folder with
 * SQLite and the roofline chart); `--check PROFILE` measures shapes the fit
 * never saw and whole transformer layers and compares them with what the
 * profile predicts. */
#define _DEFAULT_SOURCE /* gethostname */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../models/calib_fit.h"
#include "../../reports/calib_out.h"
#include "../../reports/profile.h"
#include "../alloc.h"
#include "../table.h"
#include "calib_common.h"
#include "calibrate_gpu.h"
#include "calibrate_import.h"
#include "cli.h"
#include "version.h"

#define CHECK_TOL 0.15
/* measured by default: a 7B model's GEMMs and those of the 1B-class model
 * whose layers --check runs; --check adds a model the profile has not
 * seen, so that some GEMM shapes are truly held out */
#define DEFAULT_MODELS "llama2_7b,llama3_2_1b"
#define HELD_OUT_MODEL "llama3_8b" /* the held-out check's bound on |pred/meas - 1| */

typedef struct calib_args {
	const char *model, *out, *check;
	int quick, force, quiet;
} calib_args;

static int parse(int argc, char **argv, calib_args *a)
{
	*a = (calib_args){.model = NULL};
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "--quick"))
			a->quick = 1;
		else if (!strcmp(s, "--force"))
			a->force = 1;
		else if (!strcmp(s, "-q") || !strcmp(s, "--quiet"))
			a->quiet = 1;
		else if (!strcmp(s, "--model") && i + 1 < argc)
			a->model = argv[++i];
		else if (!strcmp(s, "--out") && i + 1 < argc)
			a->out = argv[++i];
		else if (!strcmp(s, "--check") && i + 1 < argc)
			a->check = argv[++i];
		else {
			fprintf(stderr, "dcsim calibrate: unknown or incomplete "
				"option '%s'\n", s);
			return DC_EXIT_USAGE;
		}
	}
	return DC_EXIT_OK;
}

static void progress(void *ctx, const dc_calib_row *r, size_t i, size_t n)
{
	(void)ctx;
	fprintf(stderr, "  [%2zu/%zu] %-13s %6d x %6d x %6d  %10.3f ms", i + 1,
		n, r->op, r->m, r->n, r->k, r->time_s * 1e3);
	if (r->flops > 0)
		fprintf(stderr, "  %8.2f GFLOP/s  %7.2f GB/s",
			r->flops / r->time_s * 1e-9,
			r->bytes / r->time_s * 1e-9);
	fputc('\n', stderr);
}

/* Models of a comma-separated LIST (at most DC_MAX_MODELS): *N archs into
 * A, and A[1..] as the pointers MORE for dc_calib_opts. */
#define DC_MAX_MODELS 4
typedef struct model_list {
	dc_llm_arch a[DC_MAX_MODELS];
	const dc_llm_arch *more[DC_MAX_MODELS];
	size_t n;
} model_list;

static int load_models(const char *list, model_list *m, dc_err *err)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", list);
	m->n = 0;
	int rc = DC_OK;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && !rc;
	     t = strtok_r(NULL, ",", &save)) {
		if (m->n == DC_MAX_MODELS)
			return dc_err_msg(err, DC_EINVAL, "--model: at most %d "
					  "models", DC_MAX_MODELS);
		rc = dc_cli_load_arch(t, &m->a[m->n], err);
		if (!rc && m->n)
			m->more[m->n - 1] = &m->a[m->n];
		m->n += !rc;
	}
	if (!rc && !m->n)
		rc = dc_err_msg(err, DC_ENOENT, "--model: no model named");
	return rc;
}

/* A path ending in ".csv" is a profile file; anything else a folder. */
static int is_folder(const char *out)
{
	size_t n = strlen(out);
	return !(n >= 4 && !strcmp(out + n - 4, ".csv"));
}

/* The fit, one line per class, as provenance lines and on stderr. */
static void fit_lines(const dc_calib_fit *f, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = 0;
	for (int c = 0; c < DC_OC_COUNT && len + 1 < cap; c++) {
		const dc_class_fit *k = &f->cls[c];
		if (!k->rows)
			continue;
		len += (size_t)snprintf(
			buf + len, cap - len,
			"fit_%s: rows %zu, t0 %.4g s, eta_c_max %.4g, s_half "
			"%.4g, gamma %.4g, beta %.4g, overlap p %.4g, eta_m "
			"%.4g, cache gain %.4g below %.4g bytes%s, R2(log t) "
			"%.4f, max rel err %.1f %%\n",
			dc_op_class_name(c), k->rows, k->t0, k->eta_c_max,
			k->s_half, k->gamma, k->beta, k->overlap, k->eta_m,
			k->cache_gain, k->cache_bytes,
			k->compute_fitted ? "" : " (memory-bound only)", k->r2,
			100 * k->max_rel_err);
	}
}

static void print_fit(const dc_calib_fit *f)
{
	fprintf(stderr, "dcsim calibrate: fit per operator class (peaks %.4g "
		"GFLOP/s, %.4g GB/s)\n", f->peak_flops * 1e-9,
		f->peak_bw * 1e-9);
	for (int c = 0; c < DC_OC_COUNT; c++) {
		const dc_class_fit *k = &f->cls[c];
		if (!k->rows)
			continue;
		fprintf(stderr, "  %-11s %2zu rows  t0 %9.3g s  eta_c %6.3f "
			"s_half %8.3g gamma %5.2f  eta_m %6.3f  R2 %.4f  max "
			"err %5.1f %%\n", dc_op_class_name(c), k->rows, k->t0,
			k->eta_c_max, k->s_half, k->gamma, k->eta_m, k->r2,
			100 * k->max_rel_err);
	}
}

/* Provenance of this run (strings in the caller's buffers). */
typedef struct prov_buf {
	char out[4096], cmd[2048], ver[128], extra[4096];
} prov_buf;

static void prov_fill(dc_calib_prov *p, prov_buf *b, const calib_args *a,
		      int argc, char **argv)
{
	dc_calib_prov_probe(p);
	dc_cli_join_argv(argc, argv, b->cmd, sizeof b->cmd);
	snprintf(b->ver, sizeof b->ver, "%s (%s)", dc_version, dc_git_rev);
	p->command = b->cmd, p->dcsim = b->ver;
	p->model = a->model;
	if (a->out)
		snprintf(b->out, sizeof b->out, "%s", a->out);
	else
		snprintf(b->out, sizeof b->out, "data/calibration/%s.csv",
			 p->host);
}

static int refuse_existing(const char *out, int force, dc_err *err)
{
	if (force || access(out, F_OK))
		return DC_OK;
	return dc_err_msg(err, DC_ECREATE, "%s: exists; give --force to "
			  "replace it", out);
}

/* Measure, fit, write. */
static int cmd_measure(const calib_args *a, int argc, char **argv,
		       dc_err *err)
{
	dc_calib_prov p;
	prov_buf b;
	prov_fill(&p, &b, a, argc, argv);
	model_list ml;
	int rc = refuse_existing(b.out, a->force, err); /* before measuring */
	if (!rc)
		rc = load_models(a->model, &ml, err);
	dc_calib_row *rows = NULL;
	size_t n = 0;
	if (!rc && !a->quiet)
		fprintf(stderr, "dcsim calibrate: %s shapes on %s (%d cores, "
			"%s)\n", a->model, p.cpu, p.cores, p.blas);
	dc_calib_opts o = {.arch = &ml.a[0], .more = ml.more,
			   .n_more = rc ? 0 : ml.n - 1, .quick = a->quick,
			   .progress = a->quiet ? NULL : progress};
	if (!rc)
		rc = dc_calibrate_host(&o, &rows, &n, err);
	static dc_calib_fit fit; /* 40 KB: off the stack */
	if (!rc) {
		dc_calib_host_peaks(rows, n, &p.peak_flops, &p.peak_bw);
		p.peak_note = "measured on this host: the fastest GEMM rate "
			      "and the largest triad's bandwidth";
		rc = dc_calib_fit_rows(rows, n, NULL, p.peak_flops, p.peak_bw,
				       &fit, err);
	}
	if (!rc) {
		fit_lines(&fit, b.extra, sizeof b.extra);
		p.extra = b.extra;
		if (!a->quiet)
			print_fit(&fit);
		rc = is_folder(b.out)
			     ? dc_calib_out_write(b.out, &p, rows, n, &fit,
						  NULL, a->force, err)
			     : dc_cli_write_profile(b.out, &p, rows, n, err);
	}
	if (!rc && !a->quiet)
		fprintf(stderr, "dcsim calibrate: profile written to %s\n",
			b.out);
	dc_free(rows);
	return rc;
}

/* Read and fit the profile at PATH. */
static int profile_load(const char *path, dc_profile *p, dc_calib_fit *fit,
			char *model, size_t cap, char *peaks, size_t pcap,
			dc_err *err)
{
	dc_table *t = NULL;
	int rc = dc_table_load(path, &t, err);
	if (!rc)
		rc = dc_profile_from_table(t, p, err);
	if (!rc)
		rc = dc_calib_fit_rows(p->rows, p->n, NULL, p->peak_flops,
				       p->peak_bw, fit, err);
	const char *m = t ? dc_table_meta(t, "model", NULL) : NULL;
	const char *pk = t ? dc_table_meta(t, "peaks", NULL) : NULL;
	snprintf(model, cap, "%s", m && *m ? m : "llama2_7b");
	snprintf(peaks, pcap, "%s", pk ? pk : "");
	dc_table_free(t);
	return rc;
}

/* Predicted time of measured row R: a layer row from its operators. */
static double predict(const dc_calib_fit *f, const dc_llm_arch *layer,
		      const dc_calib_row *r)
{
	if (dc_op_class_of(r->op) >= 0)
		return dc_calib_predict_row(f, r);
	dc_calib_row ops[DC_CALIB_LAYER_OPS];
	size_t no = dc_calib_layer_ops(layer, r, ops);
	double t = 0;
	for (size_t i = 0; i < no; i++)
		t += dc_calib_predict_row(f, &ops[i]);
	return t * r->n;
}

static size_t print_check(const dc_calib_row *rows, const double *pred,
			  size_t n, const char *profile)
{
	size_t bad = 0;
	printf("held-out check of %s (bound +-%.0f %%)\n", profile,
	       100 * CHECK_TOL);
	printf("%-14s %6s %7s %6s %12s %12s %8s\n", "op", "m", "n", "k",
	       "measured_ms", "predicted_ms", "error");
	for (size_t i = 0; i < n; i++) {
		double e = pred[i] / rows[i].time_s - 1;
		int ok = fabs(e) <= CHECK_TOL;
		bad += !ok;
		printf("%-14s %6d %7d %6d %12.4f %12.4f %+7.1f%%%s\n",
		       rows[i].op, rows[i].m, rows[i].n, rows[i].k,
		       rows[i].time_s * 1e3, pred[i] * 1e3, 100 * e,
		       ok ? "" : "  OUT");
	}
	printf("%zu of %zu within +-%.0f %%\n", n - bad, n, 100 * CHECK_TOL);
	return bad;
}

/* --check PROFILE: measure the held-out plan and whole layers. */
static int cmd_check(const calib_args *a, int argc, char **argv, int *fail,
		     dc_err *err)
{
	dc_profile prof;
	static dc_calib_fit fit; /* 40 KB: off the stack */
	char model[400], peaks[512];
	memset(&prof, 0, sizeof prof);
	int rc = a->out ? refuse_existing(a->out, a->force, err) : DC_OK;
	if (!rc)
		rc = profile_load(a->check, &prof, &fit, model, sizeof model,
				  peaks, sizeof peaks, err);
	/* the profile's models (sizes between its points) and a model it
	 * has not seen (shapes held out) */
	model_list ml;
	dc_llm_arch layer;
	char list[512];
	const char *mine = a->model ? a->model : model;
	snprintf(list, sizeof list, "%s%s", mine,
		 strstr(mine, HELD_OUT_MODEL) ? "" : "," HELD_OUT_MODEL);
	if (!rc)
		rc = load_models(list, &ml, err);
	if (!rc)
		rc = dc_cli_load_arch("llama3_2_1b", &layer, err);
	dc_calib_opts o = {.arch = &ml.a[0], .more = ml.more,
			   .n_more = rc ? 0 : ml.n - 1, .quick = a->quick,
			   .held_out = 1, .layer = &layer,
			   .progress = a->quiet ? NULL : progress};
	dc_calib_row *rows = NULL;
	size_t n = 0;
	if (!rc && !a->quiet)
		fprintf(stderr, "dcsim calibrate --check: %s at held-out "
			"sizes and layers of llama3_2_1b\n", list);
	if (!rc)
		rc = dc_calibrate_host(&o, &rows, &n, err);
	double *pred = rc ? NULL : dc_calloc(n, sizeof *pred);
	if (!rc && !pred)
		rc = dc_err_msg(err, DC_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < n; i++)
		pred[i] = predict(&fit, &layer, &rows[i]);
	if (!rc)
		*fail = print_check(rows, pred, n, a->check) > 0;
	if (!rc && a->out) {
		dc_calib_prov p;
		prov_buf b;
		prov_fill(&p, &b, a, argc, argv);
		p.model = list, p.device = prof.device;
		p.peak_flops = prof.peak_flops, p.peak_bw = prof.peak_bw;
		p.peak_note = peaks;
		dc_calib_check chk = {rows, pred, n};
		rc = dc_calib_out_write(a->out, &p, prof.rows, prof.n, &fit,
					&chk, a->force, err);
	}
	dc_free(pred);
	dc_free(rows);
	dc_profile_free(&prof);
	return rc;
}

static int has_flag(int argc, char **argv, const char *flag)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], flag))
			return 1;
	return 0;
}

int dc_cmd_calibrate(int argc, char **argv, int full_argc, char **full_argv)
{
	if (has_flag(argc, argv, "--import"))
		return dc_cmd_calibrate_import(argc, argv, full_argc,
					       full_argv);
	if (has_flag(argc, argv, "--gpu"))
		return dc_cmd_calibrate_gpu(argc, argv, full_argc, full_argv);
	calib_args a;
	int ex = parse(argc, argv, &a);
	if (ex)
		return ex;
	dc_err err = DC_ERR_INIT;
	int fail = 0, rc;
	if (a.check) {
		rc = cmd_check(&a, full_argc, full_argv, &fail, &err);
	} else {
		if (!a.model)
			a.model = DEFAULT_MODELS;
		rc = cmd_measure(&a, full_argc, full_argv, &err);
	}
	dc_cli_print_err(&err);
	dc_err_free(&err);
	if (!rc && fail)
		return DC_EXIT_FAIL;
	return dc_cli_exit_status(rc);
}
