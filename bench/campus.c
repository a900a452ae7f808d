/* campus.c - fluid-fidelity speed: one simulated year of the 100 MW campus
 * in scenarios/campus.yaml (10 halls x 100 racks, accelerators' junctions
 * and the cooling plant advanced every minute) through the real engine,
 * scenario loader and metric collector, into a sink that keeps nothing
 * (file writing is measured by its own tools, not here).
 *
 * Prints wall time, simulated rack-years per wall second and pieces
 * (physics steps) per second, and appends a row to bench/results/campus.csv.
 * Target (issue 3): under 10 s of wall time on one core.
 * Usage: campus [SCENARIO] [OUT.csv]; exit 1 when the target is missed. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../models/hall.h"
#include "../models/registry.h"
#include "../sim/runner.h"

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int nothing(void *ctx, const dc_stat_row *r) { return DC_OK; }

static const dc_sink_ops null_ops = {.name = "null", .summary = nothing};

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "scenarios/campus.yaml";
	const char *out = argc > 2 ? argv[2] : "bench/results/campus.csv";
	size_t nk;
	const dc_component_kind *const *k = dc_registry_kinds(&nk);
	dc_err err = DC_ERR_INIT;
	dc_scenario *sc = NULL;
	double t0 = wall();
	if (dc_scenario_load(path, k, nk, NULL, 0, &sc, &err)) {
		fputs(dc_err_text(&err), stderr);
		return 65;
	}
	double t1 = wall();
	dc_sink sink = {&null_ops, NULL};
	dc_runner_result res;
	if (dc_runner_run(sc, &sink, NULL, &res, &err)) {
		fputs(dc_err_text(&err), stderr);
		return 1;
	}
	double t2 = wall();
	double racks = 0, years = dc_time_to_s(sc->run.horizon) / (365 * 86400.0);
	const dc_component *c;
	for (size_t i = 0; (c = dc_scenario_find(sc, "halls", i)); i++)
		racks += dc_hall_cfg_racks(c->cfg);
	double run = t2 - t1;
	printf("campus: %s, %.0f racks, %.3g years\n  load %.3f s, run %.3f s "
	       "(%llu events), %.0f rack-years per wall second, target < 10 s: "
	       "%s\n", path, racks, years, t1 - t0, run,
	       (unsigned long long)res.events,
	       racks * years / run, run < 10 ? "met" : "NOT met");
	FILE *f = fopen(out, "a");
	if (f) {
		fseek(f, 0, SEEK_END);
		if (ftell(f) == 0)
			fprintf(f, "scenario,load_s,run_s,events,rack_years_per_s\n");
		fprintf(f, "%s,%.4f,%.4f,%llu,%.1f\n", path, t1 - t0, run,
			(unsigned long long)res.events, racks * years / run);
		fclose(f);
	}
	dc_scenario_free(sc);
	dc_err_free(&err);
	return run < 10 ? 0 : 1;
}
