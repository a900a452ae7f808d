/* cmds.c - `dcsim validate`, `dcsim report`, `dcsim help`. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../../models/registry.h"
#include "../../reports/calib_out.h"
#include "../../reports/reports.h"
#include "../alloc.h"
#include "../scenario.h"
#include "cli.h"

int dc_cmd_validate(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "dcsim validate: no scenario given\n");
		return DC_EXIT_USAGE;
	}
	size_t nk;
	const dc_component_kind *const *kinds = dc_registry_kinds(&nk);
	int worst = DC_OK;
	for (int i = 1; i < argc; i++) {
		dc_err err = DC_ERR_INIT;
		dc_scenario *sc = NULL;
		int rc = dc_scenario_load(argv[i], kinds, nk, NULL, 0, &sc, &err);
		dc_cli_print_err(&err);
		if (!rc)
			printf("%s: ok\n", argv[i]);
		/* an invalid scenario outranks a missing one */
		if (rc == DC_EINVAL || (rc && worst != DC_EINVAL))
			worst = rc;
		dc_err_free(&err);
		dc_scenario_free(sc);
	}
	return dc_cli_exit_status(worst);
}

/* Replay DIR's results into the terminal, a new report.md and a new
 * charts folder; report.md and charts replace the old ones only once
 * complete. */
static int report_into(const char *dir, FILE *md, const char *charts,
		       dc_err *warn, dc_err *err)
{
	dc_sink v[3], tee;
	int n = 0, rc = DC_OK;
	if (!(rc = dc_sink_md_open(stdout, dir, &v[n])))
		n++;
	if (!rc && !(rc = dc_sink_md_open(md, dir, &v[n])))
		n++;
	if (!rc && !(rc = dc_sink_charts_open(charts, warn, &v[n])))
		n++;
	if (rc) {
		for (int i = 0; i < n; i++)
			v[i].ops->free(v[i].ctx);
	} else {
		rc = dc_sink_tee(v, n, &tee); /* adopts v[], even on failure */
	}
	if (rc)
		return dc_err_msg(err, rc, "cannot write the report in %s", dir);
	rc = dc_report_replay(dir, &tee, err);
	tee.ops->free(tee.ctx);
	return rc;
}

/* Whether DIR/NAME exists. */
static int has_file(const char *dir, const char *name)
{
	struct stat st;
	char *p = dc_path_join(dir, name);
	int there = p && stat(p, &st) == 0;
	dc_free(p);
	return there;
}

/* A calibration folder (calib_out.h: profile.csv, no run results):
 * redraw its roofline and say where it is. */
static int report_calib(const char *dir)
{
	dc_err err = DC_ERR_INIT;
	int rc = dc_calib_report(dir, &err);
	dc_cli_print_err(&err);
	dc_err_free(&err);
	if (!rc) {
		int png = has_file(dir, "charts/roofline.png");
		size_t n = strlen(dir);
		while (n > 1 && dir[n - 1] == '/')
			n--;
		printf("roofline: %.*s/charts/roofline.%s\n", (int)n, dir,
		       png ? "png" : "gp");
	}
	return dc_cli_exit_status(rc);
}

int dc_cmd_report(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "dcsim report: give exactly one results folder\n");
		return DC_EXIT_USAGE;
	}
	const char *dir = argv[1];
	struct stat st;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "dcsim: %s: no such results folder\n", dir);
		return DC_EXIT_NOINPUT;
	}
	if (has_file(dir, "profile.csv") && !has_file(dir, "results.db") &&
	    !has_file(dir, "summary.csv"))
		return report_calib(dir);
	dc_err err = DC_ERR_INIT, warn = DC_ERR_INIT;
	dc_outdir od = {0};
	char *charts = dc_path_join(dir, "charts");
	char *mdpath = dc_path_join(dir, "report.md");
	char *tmp = dc_path_join(dir, ".report.md.new");
	FILE *md = NULL;
	int rc = charts && mdpath && tmp ? DC_OK : DC_ENOMEM;
	if (!rc)
		rc = dc_outdir_open(&od, charts, 1, &err);
	if (!rc && !(md = fopen(tmp, "w")))
		rc = dc_err_msg(&err, DC_ECREATE, "cannot create %s", tmp);
	if (!rc)
		rc = report_into(dir, md, od.stage, &warn, &err);
	if (md && fclose(md) && !rc)
		rc = dc_err_msg(&err, DC_EIO, "cannot write %s", tmp);
	if (!rc && rename(tmp, mdpath))
		rc = dc_err_msg(&err, DC_EIO, "cannot replace %s", mdpath);
	if (!rc)
		rc = dc_outdir_commit(&od, &err);
	if (rc) {
		if (tmp)
			remove(tmp);
		dc_outdir_abort(&od);
	}
	dc_outdir_free(&od);
	dc_cli_print_err(&warn);
	dc_cli_print_err(&err);
	dc_err_free(&warn);
	dc_err_free(&err);
	dc_free(charts);
	dc_free(mdpath);
	dc_free(tmp);
	return dc_cli_exit_status(rc);
}

static const char *type_word(const dc_param *p)
{
	switch (p->type) {
	case DC_PT_INT: return "integer";
	case DC_PT_REAL: return "number";
	case DC_PT_QTY: return "quantity";
	case DC_PT_TIME: return "duration";
	case DC_PT_STR: return "text";
	case DC_PT_ENUM: return "choice";
	case DC_PT_BOOL: return "boolean";
	case DC_PT_SECTION: return "section";
	}
	return "?";
}

static void help_pset(const dc_pset *set, const char *indent)
{
	for (size_t i = 0; i < set->n; i++) {
		const dc_param *p = &set->params[i];
		char kind[64];
		char dimname[64];
		if (p->type == DC_PT_QTY) {
			const char *ex = dc_dim_example(p->dim);
			snprintf(kind, sizeof kind, "%s, e.g. '%s'",
				 dc_dim_name(p->dim, dimname, sizeof dimname),
				 ex ? ex : p->unit);
		}
		else
			snprintf(kind, sizeof kind, "%s", type_word(p));
		printf("%s%-16s %-24s %s (default: %s)\n", indent, p->key, kind,
		       p->help ? p->help : "",
		       p->flags & DC_PF_REQUIRED ? "required"
		       : p->def		  ? p->def
						  : "none");
		if (p->type == DC_PT_SECTION) {
			char deeper[64];
			snprintf(deeper, sizeof deeper, "%s  ", indent);
			help_pset(p->sub, deeper);
			continue;
		}
		if (p->type == DC_PT_ENUM && p->choices) {
			printf("%s%-16s %-24s one of:", indent, "", "");
			for (const char *const *c = p->choices; *c; c++)
				printf(" %s", *c);
			printf("\n");
		}
	}
}

static void help_scenario(void)
{
	size_t nk;
	const dc_component_kind *const *kinds = dc_registry_kinds(&nk);
	printf("A scenario is a YAML map.  Quantities are text with units "
	       "('9 MW', '48 h',\n'30 C', '1.5 L/min'), checked for "
	       "dimension.\n\nTop-level settings:\n");
	help_pset(&dc_run_params, "  ");
	for (size_t i = 0; i < nk; i++) {
		printf("\n%s:%s  %s\n", kinds[i]->key,
		       kinds[i]->multi ? " (a map, or a list of maps)" : "",
		       kinds[i]->help);
		help_pset(kinds[i]->params, "  ");
	}
}

int dc_cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		dc_cli_usage(stdout, NULL);
		return DC_EXIT_OK;
	}
	if (!strcmp(argv[1], "scenario")) {
		help_scenario();
		return DC_EXIT_OK;
	}
	if (dc_cli_usage(stdout, argv[1])) {
		fprintf(stderr, "dcsim help: no command '%s'\n", argv[1]);
		return DC_EXIT_USAGE;
	}
	return DC_EXIT_OK;
}
