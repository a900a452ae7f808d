/* calibrate_import.c - `dcsim calibrate --import vidur|splitwise FILE`
 * (calibrate_import.h): load the table and the catalogs, convert
 * (models/calib_import.h), take the reference peaks from the
 * accelerator's catalog row and write the profile with its provenance. */
#include "calibrate_import.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../models/calib_import.h"
#include "../../reports/profile.h"
#include "../alloc.h"
#include "../table.h"
#include "calib_common.h"
#include "cli.h"
#include "version.h"

#define PATH_CAP 4096

typedef struct imp_args {
	const char *kind, *file, *device, *model, *hardware, *out;
	int tp, force, quiet;
} imp_args;

/* What the command holds; freed by imp_free. */
typedef struct imp {
	dc_table *src, *models, *accels;
	dc_calib_row *rows;
	size_t n;
	dc_import_info info;
	dc_accel g;
	const char *tag, *hw_note;  /* the hardware's variant, its note */
	char data[PATH_CAP], out[PATH_CAP];
} imp;

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("dcsim calibrate: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(" (see dcsim help calibrate)\n", stderr);
	va_end(ap);
	return DC_EXIT_USAGE;
}

/* --tp's value: a whole number >= 1. */
static int parse_tp(const char *s, int *tp)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < 1 || v > 4096)
		return usage("--tp expects a whole number >= 1, got '%s'", s);
	*tp = (int)v;
	return DC_EXIT_OK;
}

/* The option at ARGV[*I] that takes a value, into A. */
static int parse_valued(int argc, char **argv, int *i, imp_args *a)
{
	static const char *const names[] = {"--device", "--model",
					    "--hardware", "--out", "--tp"};
	const char **dst[] = {&a->device, &a->model, &a->hardware, &a->out,
			      NULL};
	const char *s = argv[*i];
	for (size_t k = 0; k < DC_ARRAY_LEN(names); k++) {
		if (strcmp(s, names[k]))
			continue;
		if (*i + 1 >= argc)
			return usage("%s needs a value", s);
		const char *v = argv[++*i];
		if (!dst[k])
			return parse_tp(v, &a->tp);
		*dst[k] = v;
		return DC_EXIT_OK;
	}
	return usage("unknown or incomplete option '%s'", s);
}

static int parse(int argc, char **argv, imp_args *a)
{
	*a = (imp_args){0};
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		int ex = DC_EXIT_OK;
		if (!strcmp(s, "--import")) {
			if (i + 2 >= argc)
				return usage("--import needs a kind (vidur or "
					     "splitwise) and a FILE");
			a->kind = argv[++i];
			a->file = argv[++i];
		} else if (!strcmp(s, "--force")) {
			a->force = 1;
		} else if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
			a->quiet = 1;
		} else {
			ex = parse_valued(argc, argv, &i, a);
		}
		if (ex)
			return ex;
	}
	if (!a->kind)
		return usage("--import needs a kind and a FILE");
	if (strcmp(a->kind, "vidur") && strcmp(a->kind, "splitwise"))
		return usage("--import: unknown kind '%s' (vidur or "
			     "splitwise)", a->kind);
	if (!strcmp(a->kind, "vidur") && (a->hardware || a->tp))
		return usage("--hardware and --tp apply to --import splitwise "
			     "(a Vidur table holds every TP it measured)");
	return DC_EXIT_OK;
}

static int load_catalog(imp *s, const char *name, dc_table **t,
			dc_err *err)
{
	char path[PATH_CAP + 32];
	snprintf(path, sizeof path, "%s/%s", s->data, name);
	return dc_table_load(path, t, err);
}

static int load_inputs(const imp_args *a, imp *s, dc_err *err)
{
	snprintf(s->data, sizeof s->data, "%s", dc_cli_data_dir());
	int rc = dc_table_load(a->file, &s->src, err);
	if (!rc)
		rc = load_catalog(s, "llm_models.csv", &s->models, err);
	if (!rc)
		rc = load_catalog(s, "accelerators.csv", &s->accels, err);
	return rc;
}

/* The accelerator whose peaks head the profile: --device, else the
 * Splitwise hardware's catalog row, else Vidur's A100. */
static int load_device(const imp_args *a, imp *s, dc_err *err)
{
	const char *hw = a->hardware ? a->hardware : DC_IMPORT_SW_HARDWARE;
	const char *name = dc_import_accel_name(
		strcmp(a->kind, "vidur") ? hw : "a100", &s->tag, &s->hw_note);
	if (a->device)
		name = a->device;
	if (!name)
		return dc_err_msg(err, DC_ENOENT, "no accelerator is known for "
				  "hardware '%s' (known: %s); give --device "
				  "NAME, a row of %s", hw,
				  dc_import_accel_names(),
				  dc_table_name(s->accels));
	int rc = dc_accel_load(s->accels, name, &s->g, err);
	if (!rc && !(s->g.peak_fp16 > 0 && s->g.hbm_bw > 0))
		rc = dc_err_msg(err, DC_EINVAL, "accelerator '%s' has no "
				"peak_fp16 or hbm_bw in %s: a profile needs "
				"both as its reference peaks", name,
				dc_table_name(s->accels));
	return rc;
}

static int convert(const imp_args *a, imp *s, dc_err *err)
{
	if (!strcmp(a->kind, "vidur"))
		return dc_import_vidur(s->src, s->models, a->model, &s->rows,
				       &s->n, &s->info, err);
	return dc_import_splitwise(s->src, s->models, a->model, a->hardware,
				   a->tp, &s->rows, &s->n, &s->info, err);
}

/* --out, or data/calibration/KIND_MODEL_DEVICE[_TAG][_tpN].csv */
static void out_path(const imp_args *a, imp *s)
{
	if (a->out) {
		snprintf(s->out, sizeof s->out, "%s", a->out);
		return;
	}
	int sw = !strcmp(a->kind, "splitwise");
	char tp[32] = "";
	if (sw)
		snprintf(tp, sizeof tp, "_tp%d", a->tp ? a->tp
						       : DC_IMPORT_SW_TP);
	snprintf(s->out, sizeof s->out, "data/calibration/%s_%s_%s%s%s%s.csv",
		 a->kind, s->info.model, s->g.name, sw && s->tag ? "_" : "",
		 sw && s->tag ? s->tag : "", tp);
}

/* The first sentence after "Source: " in ATTRIBUTION.txt beside FILE
 * into BUF ("" when there is none). */
static void origin(const char *file, char *buf, size_t cap)
{
	char path[PATH_CAP + 32];
	const char *slash = strrchr(file, '/');
	int dir = slash ? (int)(slash - file) : 0;
	snprintf(path, sizeof path, "%.*s%sATTRIBUTION.txt", dir, file,
		 slash ? "/" : "");
	char *text = NULL;
	size_t len = 0;
	buf[0] = 0;
	if (dc_file_read(path, &text, &len, NULL))
		return;
	char *z = dc_strndup(text, len);
	const char *s = z ? strstr(z, "Source: ") : NULL;
	if (s) {
		s += 8;
		const char *e = strstr(s, ". ");
		size_t n = strcspn(s, "\r\n");
		if (e && (size_t)(e - s) < n)
			n = (size_t)(e - s);
		snprintf(buf, cap, "%.*s", (int)n, s);
	}
	dc_free(z);
	dc_free(text);
}

/* What the import did, as "key: value" provenance lines. */
static void how_lines(const imp_args *a, const imp *s, char *buf, size_t cap)
{
	const dc_import_info *in = &s->info;
	if (!strcmp(a->kind, "vidur"))
		snprintf(buf, cap, "import: Vidur mlp.csv, one decoder layer's "
			 "four linear operators on one GPU at TP %s (qkv = "
			 "attn_pre_proj, attn_out = attn_post_proj, mlp_up = "
			 "mlp_up_proj incl. gate, mlp_down = mlp_down_proj); "
			 "m = num_tokens; time_s = median column / 1000; "
			 "flops = 2 m n k; bytes = 2 (m k + k n + m n), fp16\n"
			 "repeats: median (llm.md V3)\n", in->tps);
	else
		snprintf(buf, cap, "import: SplitwiseSim perf_model.csv, %s "
			 "on %s at TP %s; rows of token_size %g; prefill: m = "
			 "prompt_size x batch_size (the smallest batch for "
			 "equal totals), k = prompt_size; decode: m = "
			 "batch_size at prompt_size %g, k = %g; time_s = "
			 "ms / 1000; flops and bytes per GPU from %s "
			 "(llm.md 3.3, fp16 weights and KV)\n"
			 "repeats: mean (llm.md V7)\n%s%s%s",
			 a->model ? a->model : DC_IMPORT_SW_MODEL,
			 a->hardware ? a->hardware : DC_IMPORT_SW_HARDWARE,
			 in->tps, in->token_size, in->sweep_prompt,
			 in->sweep_prompt, in->model,
			 s->hw_note ? "hardware: " : "",
			 s->hw_note ? s->hw_note : "", s->hw_note ? "\n" : "");
}

/* The profile's provenance (strings in BUF, NOTE, CMD, VER). */
static void provenance(const imp_args *a, const imp *s, int full_argc,
		       char **full_argv, dc_calib_prov *p, char *buf,
		       size_t cap, char *note, size_t ncap)
{
	static char cmd[2048], ver[128];
	char org[512], how[1536];
	dc_calib_prov_probe(p);
	p->cpu = "", p->blas = "", p->cores = 0, p->blas_threads = 0;
	dc_cli_join_argv(full_argc, full_argv, cmd, sizeof cmd);
	snprintf(ver, sizeof ver, "%s (%s)", dc_version, dc_git_rev);
	snprintf(note, ncap, "peak_fp16 and hbm_bw of %s in %s (datasheet "
		 "figures)", s->g.name, dc_table_name(s->accels));
	origin(a->file, org, sizeof org);
	how_lines(a, s, how, sizeof how);
	snprintf(buf, cap, "source: %s\n%s%s%s%ssource_rows_used: %zu\n"
		 "repeats_merged: %zu (per output row)\n"
		 "rows_raised_to_monotonic: %zu\n"
		 "reps_and_max_rel_err: 0 and nan - the source does not say "
		 "how many calls a time summarises; nothing was checked "
		 "against a reference here\n", a->file, org[0] ? "origin: " :
		 "", org, org[0] ? "\n" : "", how, s->info.used,
		 s->info.merged, s->info.raised);
	p->kind = "imported";
	p->device = s->g.name;
	p->peak_flops = s->g.peak_fp16;
	p->peak_bw = s->g.hbm_bw;
	p->peak_note = note;
	p->command = cmd;
	p->dcsim = ver;
	p->model = s->info.model;
	p->extra = buf;
}

static void imp_free(imp *s)
{
	dc_table_free(s->src);
	dc_table_free(s->models);
	dc_table_free(s->accels);
	dc_free(s->rows);
}

static void summary(const imp_args *a, const imp *s)
{
	fprintf(stderr, "dcsim calibrate: imported %zu rows from %s (%s, %s "
		"on %s; %zu repeats merged, %zu rows raised to keep every "
		"curve non-decreasing)\ndcsim calibrate: profile written to "
		"%s\n", s->n, a->file, a->kind, s->info.model, s->g.name,
		s->info.merged, s->info.raised, s->out);
}

int dc_cmd_calibrate_import(int argc, char **argv, int full_argc,
			    char **full_argv)
{
	imp_args a;
	int ex = parse(argc, argv, &a);
	if (ex)
		return ex;
	dc_err err = DC_ERR_INIT;
	imp *s = dc_calloc(1, sizeof *s);
	int rc = s ? load_inputs(&a, s, &err)
		   : dc_err_msg(&err, DC_ENOMEM, "out of memory");
	if (!rc)
		rc = convert(&a, s, &err);
	if (!rc)
		rc = load_device(&a, s, &err);
	if (!rc)
		out_path(&a, s);
	if (!rc && !a.force && access(s->out, F_OK) == 0)
		rc = dc_err_msg(&err, DC_ECREATE, "%s: exists; give --force to "
				"replace it", s->out);
	if (!rc) {
		dc_calib_prov p;
		char extra[4096], note[512];
		provenance(&a, s, full_argc, full_argv, &p, extra,
			   sizeof extra, note, sizeof note);
		rc = dc_cli_write_profile(s->out, &p, s->rows, s->n, &err);
	}
	if (!rc && !a.quiet)
		summary(&a, s);
	if (s)
		imp_free(s);
	dc_free(s);
	dc_cli_print_err(&err);
	dc_err_free(&err);
	return dc_cli_exit_status(rc);
}
