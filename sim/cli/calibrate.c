/* calibrate.c - `dcsim calibrate`: time the kernels on this host over a
 * model's operator shapes and write the profile with its provenance. */
#define _DEFAULT_SOURCE /* gethostname */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../reports/profile.h"
#include "../alloc.h"
#include "../table.h"
#include "cli.h"
#include "version.h"

typedef struct calib_args {
	const char *model, *out;
	int quick, force, quiet;
} calib_args;

static int parse(int argc, char **argv, calib_args *a)
{
	*a = (calib_args){.model = "llama2_7b"};
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "--quick"))
			a->quick = 1;
		else if (!strcmp(s, "--force"))
			a->force = 1;
		else if (!strcmp(s, "-q") || !strcmp(s, "--quiet"))
			a->quiet = 1;
		else if ((!strcmp(s, "--model") || !strcmp(s, "--out")) &&
			 i + 1 < argc)
			*(s[2] == 'm' ? &a->model : &a->out) = argv[++i];
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
	fprintf(stderr, "  [%2zu/%zu] %-11s %6d x %6d x %6d  %10.3f ms  "
		"%8.2f GFLOP/s  %7.2f GB/s\n", i + 1, n, r->op, r->m, r->n,
		r->k, r->time_s * 1e3, r->flops / r->time_s * 1e-9,
		r->bytes / r->time_s * 1e-9);
}

static int load_arch(const char *model, dc_llm_arch *arch, dc_err *err)
{
	const char *dir = getenv("DCSIM_DATA");
	char path[4096];
	snprintf(path, sizeof path, "%s/llm_models.csv",
		 dir && *dir ? dir : "data");
	dc_table *t = NULL;
	int rc = dc_table_load(path, &t, err);
	if (!rc)
		rc = dc_llm_arch_load(t, model, arch, err);
	dc_table_free(t);
	return rc;
}

/* The command line as one string, for the profile's provenance. */
static void join_argv(int argc, char **argv, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = 0;
	for (int i = 0; i < argc && len + 1 < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s",
					i ? " " : "", argv[i]);
}

/* Write ROWS to OUT through OUT.partial, refusing an existing OUT unless
 * FORCE. */
static int write_profile(const calib_args *a, const char *out,
			 const dc_calib_prov *p, const dc_calib_row *rows,
			 size_t n, dc_err *err)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.partial", out);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return dc_err_msg(err, DC_ECREATE, "%s: cannot create: %s", tmp,
				  strerror(errno));
	int rc = dc_calib_write(f, p, rows, n, err);
	if (fclose(f) && !rc)
		rc = dc_err_msg(err, DC_EIO, "%s: write failed", tmp);
	if (!rc && rename(tmp, out))
		rc = dc_err_msg(err, DC_EIO, "%s: cannot rename: %s", out,
				strerror(errno));
	if (rc)
		remove(tmp);
	return rc;
}

int dc_cmd_calibrate(int argc, char **argv, int full_argc, char **full_argv)
{
	calib_args a;
	int ex = parse(argc, argv, &a);
	if (ex)
		return ex;
	dc_err err = DC_ERR_INIT;
	dc_llm_arch arch;
	dc_calib_prov p;
	dc_calib_prov_probe(&p);
	char out[4096], cmd[2048], ver[128];
	if (a.out)
		snprintf(out, sizeof out, "%s", a.out);
	else
		snprintf(out, sizeof out, "data/calibration/%s.csv", p.host);
	join_argv(full_argc, full_argv, cmd, sizeof cmd);
	snprintf(ver, sizeof ver, "%s (%s)", dc_version, dc_git_rev);
	p.command = cmd, p.dcsim = ver, p.model = a.model;
	/* refused before anything is measured */
	int rc = !a.force && access(out, F_OK) == 0
			 ? dc_err_msg(&err, DC_ECREATE, "%s: exists; give --force "
				      "to replace it", out)
			 : DC_OK;
	if (!rc)
		rc = load_arch(a.model, &arch, &err);
	dc_calib_row *rows = NULL;
	size_t n = 0;
	if (!rc && !a.quiet)
		fprintf(stderr, "dcsim calibrate: %s shapes on %s (%d cores, "
			"%s)\n", a.model, p.cpu, p.cores, p.blas);
	dc_calib_opts o = {&arch, a.quick, a.quiet ? NULL : progress, NULL};
	if (!rc)
		rc = dc_calibrate_host(&o, &rows, &n, &err);
	if (!rc)
		rc = write_profile(&a, out, &p, rows, n, &err);
	if (!rc && !a.quiet)
		fprintf(stderr, "dcsim calibrate: profile written to %s\n", out);
	dc_free(rows);
	dc_cli_print_err(&err);
	dc_err_free(&err);
	return dc_cli_exit_status(rc);
}
