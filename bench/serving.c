/* serving.c - request-fidelity speed: scenarios/serving-bench.yaml (the
 * Azure conversation trace at 10x onto 16 replicas of Llama-2-70B TP8)
 * through the real engine, performance model and metric collector, into a
 * sink that keeps nothing.  Prints simulated requests and events per wall
 * second; appends to bench/results/serving.csv.  Target (issue 4):
 * >= 100,000 simulated requests per wall second.  Exit 1 when missed. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../models/registry.h"
#include "../sim/runner.h"

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct count {
	double done;
} count;

static int grab(void *ctx, const dc_stat_row *r)
{
	count *c = ctx;
	if (!strcmp(r->metric, "llm.requests_done"))
		c->done += r->mean * r->reps;
	return DC_OK;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "scenarios/serving-bench.yaml";
	const char *out = argc > 2 ? argv[2] : "bench/results/serving.csv";
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
	count c = {0};
	dc_sink_ops ops = {.name = "count", .summary = grab};
	dc_sink sink = {&ops, &c};
	dc_runner_result res;
	if (dc_runner_run(sc, &sink, NULL, &res, &err)) {
		fputs(dc_err_text(&err), stderr);
		return 1;
	}
	double run = wall() - t1;
	double rps = c.done / run;
	printf("serving: %s\n  load %.3f s (trace parse included), run %.3f s: "
	       "%.0f requests, %llu events; %.0f simulated requests and %.0f "
	       "events per wall second; target >= 100000 req/s: %s\n", path,
	       t1 - t0, run, c.done, (unsigned long long)res.events, rps,
	       (double)res.events / run, rps >= 1e5 ? "met" : "NOT met");
	FILE *f = fopen(out, "a");
	if (f) {
		fseek(f, 0, SEEK_END);
		if (ftell(f) == 0)
			fprintf(f, "scenario,load_s,run_s,requests,events,req_per_s,events_per_s\n");
		fprintf(f, "%s,%.4f,%.4f,%.0f,%llu,%.0f,%.0f\n", path, t1 - t0,
			run, c.done, (unsigned long long)res.events, rps,
			(double)res.events / run);
		fclose(f);
	}
	dc_scenario_free(sc);
	dc_err_free(&err);
	return rps >= 1e5 ? 0 : 1;
}
