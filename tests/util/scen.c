/* scen.c - test helpers over the scenario loader and the runner. */
#include "scen.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../models/registry.h"

static int g_summary(void *ctx, const dc_stat_row *r)
{
	dc_rows *g = ctx;
	if (g->n < DC_TEST_MAXROWS) {
		g->r[g->n] = *r;
		snprintf(g->metric[g->n], 48, "%s", r->metric);
		snprintf(g->entity[g->n], 48, "%s", r->entity);
		g->n++;
	}
	return DC_OK;
}

static const dc_sink_ops g_ops = {.name = "rows", .summary = g_summary};

static int load(const char *path, const dc_override *ov, size_t nov,
		dc_scenario **sc, dc_err *err)
{
	size_t nk;
	const dc_component_kind *const *k = dc_registry_kinds(&nk);
	setenv("DCSIM_DATA", "data", 0);
	return dc_scenario_load(path, k, nk, ov, nov, sc, err);
}

void dc_test_run(const char *path, const dc_override *ov, size_t nov,
		 dc_rows *g)
{
	dc_err err = DC_ERR_INIT;
	dc_scenario *sc = NULL;
	memset(g, 0, sizeof *g);
	int rc = load(path, ov, nov, &sc, &err);
	ck_assert_msg(rc == DC_OK, "load %s: %s", path, dc_err_text(&err));
	dc_sink sink = {&g_ops, g};
	dc_runner_result res;
	rc = dc_runner_run(sc, &sink, NULL, &res, &err);
	ck_assert_msg(rc == DC_OK, "run %s: %s", path, dc_err_text(&err));
	dc_scenario_free(sc);
	dc_err_free(&err);
}

int dc_test_has(const dc_rows *g, const char *metric, const char *entity)
{
	for (int i = 0; i < g->n; i++)
		if (!strcmp(g->metric[i], metric) &&
		    !strcmp(g->entity[i], entity))
			return 1;
	return 0;
}

const dc_stat_row *dc_test_row(const dc_rows *g, const char *metric,
			       const char *entity)
{
	for (int i = 0; i < g->n; i++)
		if (!strcmp(g->metric[i], metric) &&
		    !strcmp(g->entity[i], entity))
			return &g->r[i];
	ck_abort_msg("no summary row %s/%s", metric, entity);
	return NULL;
}

const char *dc_test_write(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/dcsim-test-%ld.yaml", (long)getpid());
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

void dc_test_rejects(const char *text, const char *needle)
{
	const char *path = dc_test_write(text);
	dc_err err = DC_ERR_INIT;
	dc_scenario *sc = NULL;
	int rc = load(path, NULL, 0, &sc, &err);
	ck_assert_msg(rc == DC_EINVAL, "rc %d (want invalid) for '%s':\n%s", rc,
		      needle, dc_err_text(&err));
	ck_assert_msg(strstr(dc_err_text(&err), needle),
		      "expected '%s' in:\n%s", needle, dc_err_text(&err));
	dc_scenario_free(sc);
	dc_err_free(&err);
	remove(path);
}
