/* inference.c - the LLM serving workload in the event engine.
 *
 * Events: ARRIVAL (the next request of the source reaches the router) and
 * ITER_END (a replica's iteration finishes; the next one starts at once if
 * there is work).  Each replica keeps its GPUs' energy as a function of
 * time (energy so far + current power x time since), so the hall can ask
 * for the exact mean power over any piece of time. */
#include "inference.h"

#include "calib_fit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/alloc.h"
#include "../sim/rng.h"
#include "../sim/metrics.h"
#include "../sim/table.h"
#include "arrivals.h"
#include "hall.h"
#include "llm_capacity.h"
#include "llm_engine.h"
#include "llm_fluid.h"
#include "llm_perf.h"
#include "lora.h"

#define NSUB 32  /* room for a nested table's provenance */

static const char *const routes[] = {"round_robin", "least_outstanding",
				     "jsq", NULL};
static const char *const fidelities[] = {"request", "fluid", NULL};
enum { FID_REQUEST, FID_FLUID };

/* Schema-constrained output (TypeChat-style): a response fails validation
 * with probability failure_rate and is repaired by a follow-up request
 * whose prompt carries the original prompt, the failed output and the
 * validator's error. */
typedef struct structured_cfg {
	double failure_rate;   /* 0..1 */
	int64_t error_tokens;  /* tokens of the error message */
	int64_t max_repairs;
} structured_cfg;

static const dc_param structured_params[] = {
	{.key = "failure_rate", .type = DC_PT_QTY, .dim = DC_DIM_NONE,
	 .unit = "%", .def = "0 %", .flags = DC_PF_MIN | DC_PF_MAX, .min = 0,
	 .max = 1, .off = offsetof(structured_cfg, failure_rate),
	 .help = "share of responses that fail schema validation"},
	{.key = "error_tokens", .type = DC_PT_INT, .def = "64",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 100000,
	 .off = offsetof(structured_cfg, error_tokens),
	 .help = "tokens of the validation error added to the repair prompt"},
	{.key = "max_repairs", .type = DC_PT_INT, .def = "3",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 100,
	 .off = offsetof(structured_cfg, max_repairs),
	 .help = "repairs before a response is given up"},
};
static const dc_pset structured_pset = {"structured", structured_params,
					DC_ARRAY_LEN(structured_params),
					"schema validation and repair"};

/* Capacity search (llm.md §3.5, Sarathi-Serve / Vidur-Search): the
 * largest rate at which the SLO quantiles hold and queueing stays
 * bounded, found by probing the serving engine with REQUESTS requests. */
typedef struct cap_cfg {
	int64_t requests;          /* per probe; 0: no search */
	double ttft_q, tbt_q, sched_q;
	dc_time max_sched;         /* bound on the sched_q scheduling delay */
	double tolerance;          /* relative width of the final bracket */
} cap_cfg;

#define C(f) offsetof(cap_cfg, f)
static const dc_param cap_params[] = {
	{.key = "requests", .type = DC_PT_INT, .def = "0",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 10000000,
	 .off = C(requests),
	 .help = "requests per probe (0: no capacity search)"},
	/* llm.md §3.5: Vidur-Search's ttft_tbt_90_99_2.0_0.2 */
	{.key = "ttft_quantile", .type = DC_PT_QTY, .dim = DC_DIM_NONE,
	 .unit = "%", .def = "90 %", .flags = DC_PF_MIN_EXCL | DC_PF_MAX,
	 .min = 0, .max = 1, .off = C(ttft_q),
	 .help = "TTFT quantile held to slo_ttft"},
	{.key = "tbt_quantile", .type = DC_PT_QTY, .dim = DC_DIM_NONE,
	 .unit = "%", .def = "99 %", .flags = DC_PF_MIN_EXCL | DC_PF_MAX,
	 .min = 0, .max = 1, .off = C(tbt_q),
	 .help = "quantile of every token gap held to slo_tbt"},
	/* "scheduling delay stays bounded" (llm.md §3.5); Sarathi-Serve bounds
	   the median at 2 s */
	{.key = "scheduling_quantile", .type = DC_PT_QTY, .dim = DC_DIM_NONE,
	 .unit = "%", .def = "50 %", .flags = DC_PF_MIN_EXCL | DC_PF_MAX,
	 .min = 0, .max = 1, .off = C(sched_q),
	 .help = "scheduling-delay quantile held to max_scheduling_delay"},
	{.key = "max_scheduling_delay", .type = DC_PT_TIME, .unit = "s",
	 .def = "2 s", .flags = DC_PF_MIN_EXCL, .min = 0, .off = C(max_sched),
	 .help = "bound on that quantile of the scheduling delay"},
	{.key = "tolerance", .type = DC_PT_QTY, .dim = DC_DIM_NONE,
	 .unit = "%", .def = "2 %", .flags = DC_PF_MIN_EXCL | DC_PF_MAX,
	 .min = 0, .max = 0.5, .off = C(tolerance),
	 .help = "relative precision of the capacity"},
};
#undef C
static const dc_pset cap_pset = {"capacity", cap_params,
				 DC_ARRAY_LEN(cap_params),
				 "capacity search at the SLOs"};

typedef struct inf_cfg {
	char *name, *model, *accel, *hall, *server;
	int64_t replicas, tp;
	int router, fidelity;
	dc_time slo_ttft, slo_tbt;
	dc_time fluid_step;
	dc_replica_cfg serving;
	dc_src serving_src[NSUB];
	dc_llm_perf_opts perf;
	dc_src perf_src[NSUB];
	dc_arrivals_cfg arrivals;
	dc_src arrivals_src[NSUB];
	structured_cfg structured;
	dc_src structured_src[NSUB];
	dc_lora_cfg lora;
	dc_src lora_src[NSUB];
	cap_cfg capacity;
	dc_src capacity_src[NSUB];
	int lora_on;                /* the scenario has a lora section */
	/* resolved */
	dc_server node;             /* when server is given */
	int64_t n_servers, stranded;
	dc_llm_arch arch;
	dc_accel gpu, vidur_gpu;
	const dc_table *vidur[2];
	dc_calib_fit calib;         /* perf.profile calibrated */
	dc_arrivals_trace *trace;   /* owned (cfg_free) */
} inf_cfg;

#define F(f) offsetof(inf_cfg, f)
static const dc_param inf_params[] = {
	{.key = "name", .type = DC_PT_STR, .off = F(name),
	 .help = "the workload's name (its entity in results)"},
	{.key = "model", .type = DC_PT_STR, .flags = DC_PF_REQUIRED,
	 .off = F(model), .help = "LLM architecture (data/llm_models.csv)"},
	{.key = "accelerator", .type = DC_PT_STR, .def = "h100_sxm",
	 .off = F(accel), .help = "GPU (data/accelerators.csv)"},
	{.key = "server", .type = DC_PT_STR, .off = F(server),
	 .help = "server (data/servers.csv): replicas occupy whole servers of "
		 "its GPUs; sets the accelerator unless that is given"},
	{.key = "replicas", .type = DC_PT_INT, .def = "1",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 100000,
	 .off = F(replicas), .help = "model replicas"},
	{.key = "tensor_parallel", .type = DC_PT_INT, .def = "1",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 64, .off = F(tp),
	 .help = "GPUs per replica (tensor parallelism)"},
	{.key = "router", .type = DC_PT_ENUM, .def = "least_outstanding",
	 .choices = routes, .off = F(router),
	 .help = "how requests are spread over replicas"},
	{.key = "fidelity", .type = DC_PT_ENUM, .def = "request",
	 .choices = fidelities, .off = F(fidelity),
	 .help = "request: every iteration an event; fluid: the steady state of the same model"},
	/* a planning knob, like the facility's physics_step */
	{.key = "fluid_step", .type = DC_PT_TIME, .unit = "min",
	 .def = "1 min", .flags = DC_PF_MIN_EXCL, .min = 0,
	 .off = F(fluid_step),
	 .help = "fluid in a hall: how often the hall's clock is re-read"},
	{.key = "hall", .type = DC_PT_STR, .off = F(hall),
	 .help = "hall whose accelerators run it (power and heat coupling)"},
	{.key = "slo_ttft", .type = DC_PT_TIME, .unit = "s", .def = "2 s",
	 .flags = DC_PF_MIN_EXCL, .min = 0, .off = F(slo_ttft),
	 .help = "time-to-first-token SLO for goodput (llm.md §3.5)"},
	{.key = "slo_tbt", .type = DC_PT_TIME, .unit = "ms", .def = "200 ms",
	 .flags = DC_PF_MIN_EXCL, .min = 0, .off = F(slo_tbt),
	 .help = "worst time-between-tokens SLO for goodput (llm.md §3.5)"},
	{.key = "serving", .type = DC_PT_SECTION, .sub = &dc_replica_pset,
	 .off = F(serving), .src_off = F(serving_src),
	 .help = "scheduler, token budget, batch and KV cache"},
	{.key = "perf", .type = DC_PT_SECTION, .sub = &dc_llm_perf_pset,
	 .off = F(perf), .src_off = F(perf_src),
	 .help = "performance model"},
	{.key = "arrivals", .type = DC_PT_SECTION, .sub = &dc_arrivals_pset,
	 .off = F(arrivals), .src_off = F(arrivals_src),
	 .help = "request arrivals and lengths"},
	{.key = "structured", .type = DC_PT_SECTION, .sub = &structured_pset,
	 .off = F(structured), .src_off = F(structured_src),
	 .help = "schema-constrained output: validation failures and repairs"},
	{.key = "lora", .type = DC_PT_SECTION, .sub = &dc_lora_pset,
	 .off = F(lora), .src_off = F(lora_src),
	 .help = "fine-tunes served as LoRA adapters (present: requests pick adapters)"},
	{.key = "capacity", .type = DC_PT_SECTION, .sub = &cap_pset,
	 .off = F(capacity), .src_off = F(capacity_src),
	 .help = "capacity search: the largest rate meeting the SLO quantiles"},
};
static const dc_pset inf_pset = {"inference", inf_params,
				 DC_ARRAY_LEN(inf_params),
				 "LLM inference served by GPU replicas"};

/* ---- resolving: catalogs, trace, hall ---- */

static int find_hall(const dc_scenario *sc, const char *name, double *gpus)
{
	const dc_component *c;
	for (size_t i = 0; (c = dc_scenario_find(sc, "halls", i)); i++)
		if (!strcmp(c->entity, name)) {
			*gpus = dc_hall_cfg_gpus(c->cfg);
			return 1;
		}
	return 0;
}

/* Build a performance model from CFG (also used at resolve time to report
 * a configuration the model cannot serve). */
static int perf_new(const inf_cfg *c, dc_llm_perf **p, dc_err *err)
{
	dc_llm_perf_opts o = c->perf;
	o.vidur = c->vidur;
	o.n_vidur = 2;
	o.vidur_accel = &c->vidur_gpu;
	o.calib = &c->calib;
	return dc_llm_perf_new(&c->arch, &c->gpu, (int)c->tp, &o, p, err);
}

/* Whole servers: TP groups pack into a server when TP divides its GPUs,
 * or span TP / gpus servers when the server's GPUs divide TP. */
static int place_on_servers(inf_cfg *c, const dc_scenario *sc,
			    const char *path, dc_err *err)
{
	char key[160];
	int64_t g = c->node.gpus, used = c->replicas * c->tp;
	snprintf(key, sizeof key, "%s.tensor_parallel", path);
	if (c->tp <= g ? g % c->tp : c->tp % g)
		return dc_err_key(err, DC_EINVAL, sc->file, key,
				  "TP %lld does not fit whole %s servers of "
				  "%lld GPUs", (long long)c->tp, c->node.name,
				  (long long)g);
	c->n_servers = (used + g - 1) / g;
	c->stranded = c->n_servers * g - used;
	return DC_OK;
}

/* The server row; its accelerator unless the scenario names one (then
 * they must agree). */
static int load_server(inf_cfg *c, int accel_given, const dc_scenario *sc,
		       const char *path, dc_err *err)
{
	const dc_table *nodes = dc_scenario_catalog(sc, "servers", err);
	if (!nodes)
		return DC_EINVAL;
	char key[160];
	snprintf(key, sizeof key, "%s.server", path);
	if (dc_server_load(nodes, c->server, &c->node, err))
		return dc_err_key(err, DC_EINVAL, sc->file, key,
				  "cannot use server '%s'", c->server);
	if (accel_given && strcmp(c->node.accelerator, c->accel))
		return dc_err_key(err, DC_EINVAL, sc->file, key,
				  "%s holds %s, not the accelerator %s",
				  c->server, c->node.accelerator, c->accel);
	if (!accel_given) {
		char *a = dc_strdup(c->node.accelerator);
		if (!a)
			return dc_err_msg(err, DC_ENOMEM, "out of memory");
		dc_free(c->accel);
		c->accel = a;
	}
	return place_on_servers(c, sc, path, err);
}

/* perf.calibration: read the profile, check it, fit its laws. */
static int load_calibration(inf_cfg *c, const dc_scenario *sc,
			    const char *path, dc_err *err)
{
	char key[200], name[300];
	snprintf(key, sizeof key, "%s.perf.calibration", path);
	if (!c->perf.calibration || !*c->perf.calibration)
		return dc_err_key(err, DC_EINVAL, sc->file, key,
				  "perf.profile calibrated needs a profile "
				  "name here (a file under data/calibration/, "
				  "without .csv)");
	snprintf(name, sizeof name, "calibration/%s", c->perf.calibration);
	const dc_table *t = dc_scenario_catalog(sc, name, err);
	dc_profile prof;
	int rc = t ? dc_profile_from_table(t, &prof, err) : DC_EINVAL;
	if (!rc) {
		rc = dc_calib_fit_rows(prof.rows, prof.n, NULL, prof.peak_flops,
				       prof.peak_bw, &c->calib, err);
		dc_profile_free(&prof);
	}
	if (rc)
		return dc_err_key(err, DC_EINVAL, sc->file, key,
				  "cannot use calibration profile '%s'",
				  c->perf.calibration);
	return DC_OK;
}

static int load_catalogs(inf_cfg *c, const dc_scenario *sc, const char *path,
			 dc_err *err)
{
	const dc_table *models = dc_scenario_catalog(sc, "llm_models", err);
	const dc_table *gpus = dc_scenario_catalog(sc, "accelerators", err);
	if (!models || !gpus)
		return DC_EINVAL;
	int rc = dc_llm_arch_load(models, c->model, &c->arch, err);
	if (!rc)
		rc = dc_accel_load(gpus, c->accel, &c->gpu, err);
	if (!rc)
		rc = dc_accel_load(gpus, "a100_80gb", &c->vidur_gpu, err);
	c->vidur[0] = dc_scenario_catalog(sc, "calibration/vidur/a100_llama2_7b_mlp",
					  err);
	c->vidur[1] = dc_scenario_catalog(sc, "calibration/vidur/a100_llama2_70b_mlp",
					  err);
	if (!c->vidur[0] || !c->vidur[1])
		rc = DC_EINVAL;
	if (!rc && c->perf.profile == DC_LLM_PROFILE_CALIBRATED)
		rc = load_calibration(c, sc, path, err);
	return rc ? DC_EINVAL : DC_OK;
}

static int needs_trace(const dc_arrivals_cfg *a)
{
	return a->kind == DC_ARR_TRACE ||
	       (a->prompt && !strcmp(a->prompt, "from trace")) ||
	       (a->output && !strcmp(a->output, "from trace"));
}

static int inf_resolve(void *cfgp, dc_src *src, const dc_scenario *sc,
		       const char *path, dc_err *err)
{
	inf_cfg *c = cfgp;
	char key[160];
	if (dc_replica_pset.n > NSUB || dc_llm_perf_pset.n > NSUB ||
	    dc_arrivals_pset.n > NSUB || structured_pset.n > NSUB ||
	    dc_lora_pset.n > NSUB || cap_pset.n > NSUB)
		return dc_err_msg(err, DC_EINVAL, "inference: a nested table "
				  "outgrew its provenance array (a bug)");
	int accel_given = 0, rc = DC_OK;
	size_t ai = 0;
	for (size_t i = 0; i < inf_pset.n; i++)
		if (!strcmp(inf_params[i].key, "accelerator"))
			ai = i;
	accel_given = src && src[ai] != DC_SRC_DEFAULT;
	memset(&c->node, 0, sizeof c->node);
	c->n_servers = c->stranded = 0;
	if (c->server && *c->server) {
		rc = load_server(c, accel_given, sc, path, err);
		if (!rc && !accel_given && src)
			src[ai] = DC_SRC_CATALOG;  /* the server's row */
	}
	if (!rc)
		rc = load_catalogs(c, sc, path, err);
	if (!rc && dc_arrivals_check(&c->arrivals, err))
		rc = DC_EINVAL;
	for (size_t i = 0; i < inf_pset.n; i++)
		if (!strcmp(inf_params[i].key, "lora"))
			c->lora_on = src && src[i] == DC_SRC_SCENARIO;
	if (!rc && c->lora_on && dc_lora_cfg_check(&c->lora, err))
		rc = DC_EINVAL;
	if (!rc && needs_trace(&c->arrivals))
		rc = dc_arrivals_trace_load(c->arrivals.trace, sc->data_dir,
					    &c->trace, err);
	double gpus = 0;
	if (!rc && c->hall && *c->hall) {
		snprintf(key, sizeof key, "%s.hall", path);
		if (!find_hall(sc, c->hall, &gpus))
			rc = dc_err_key(err, DC_EINVAL, sc->file, key,
					"no hall named '%s'", c->hall);
		else if ((double)(c->replicas * c->tp) > gpus)
			rc = dc_err_key(err, DC_EINVAL, sc->file, key,
					"%lld replicas x %lld GPUs need more "
					"than the hall's %.0f accelerators",
					(long long)c->replicas,
					(long long)c->tp, gpus);
	}
	dc_llm_perf *p = NULL;
	if (!rc && perf_new(c, &p, err))
		rc = dc_err_key(err, DC_EINVAL, sc->file, path,
				"the performance model cannot serve %s on %s "
				"at TP %lld", c->model, c->gpu.name,
				(long long)c->tp);
	dc_llm_perf_free(p);
	return rc;
}

static void inf_cfg_free(void *cfgp)
{
	inf_cfg *c = cfgp;
	dc_arrivals_trace_free(c->trace);
	c->trace = NULL;
}

/* ---- the engine model ---- */

enum { EV_ARRIVAL, EV_ITER_END, EV_RETRY, EV_FLUID };

enum { M_TTFT, M_TBT, M_TPOT, M_E2E, M_DELAY, M_TBT_MAX, M_BATCH, M_TOKENS,
       M_KV, M_OUTSTANDING, M_POWER, M_CLOCK, M_THROUGHPUT, M_TOK_S,
       M_GOODPUT, M_PREEMPT, M_E_TOKEN, M_MFU, M_BUSY, M_E_PREFILL,
       M_E_DECODE, M_E_IDLE, M_REQUESTS, M_REPAIRS, M_REPAIR_TOKENS,
       M_E2E_LOGICAL, M_GIVEN_UP, M_SHED_S, M_HELD, M_UNIT_CAP, M_TPM,
       M_UNITS, M_OFFERED, M_LORA_LOADS, M_LORA_STALL, M_LORA_SERVED,
       M_LORA_SWAPS, M_CAPACITY, M_CAP_GPUS, M_SERVERS, M_STRANDED, M_COUNT };

static const struct mdef {
	int id;
	const char *name, *unit, *help;
	dc_metric_kind k;
} mdefs[] = {
	{M_TTFT, "llm.ttft", "s", "time to first token", DC_METRIC_OBS},
	{M_TBT, "llm.tbt", "s", "time between tokens (every gap)", DC_METRIC_OBS},
	{M_TPOT, "llm.tpot", "s", "time per output token after the first",
	 DC_METRIC_OBS},
	{M_E2E, "llm.e2e", "s", "arrival to last token", DC_METRIC_OBS},
	{M_DELAY, "llm.scheduling_delay", "s", "arrival to first admission",
	 DC_METRIC_OBS},
	{M_TBT_MAX, "llm.tbt_max", "s", "each request's worst gap",
	 DC_METRIC_OBS},
	{M_BATCH, "llm.batch_size", "", "sequences per iteration", DC_METRIC_OBS},
	{M_TOKENS, "llm.batch_tokens", "", "tokens per iteration", DC_METRIC_OBS},
	{M_KV, "llm.kv_utilisation", "%", "KV blocks in use, all replicas",
	 DC_METRIC_LEVEL},
	{M_OUTSTANDING, "llm.outstanding", "", "requests in the system",
	 DC_METRIC_LEVEL},
	{M_POWER, "llm.gpu_power", "kW", "the workload's GPUs", DC_METRIC_LEVEL},
	{M_CLOCK, "llm.clock", "%", "clock the iterations ran at",
	 DC_METRIC_OBS},
	{M_THROUGHPUT, "llm.throughput", "/s", "requests completed per second",
	 DC_METRIC_OBS},
	{M_TOK_S, "llm.token_throughput", "/s", "output tokens per second",
	 DC_METRIC_OBS},
	{M_GOODPUT, "llm.goodput", "/s",
	 "requests per second meeting both the TTFT and TBT SLOs",
	 DC_METRIC_OBS},
	{M_PREEMPT, "llm.preemptions", "", "preemptions by recompute",
	 DC_METRIC_OBS},
	{M_E_TOKEN, "llm.energy_per_token", "J", "GPU energy per output token",
	 DC_METRIC_OBS},
	{M_MFU, "llm.mfu", "%", "model FLOPs / (busy time x peak)",
	 DC_METRIC_OBS},
	{M_BUSY, "llm.busy_share", "%", "share of replica time in iterations",
	 DC_METRIC_OBS},
	{M_E_PREFILL, "llm.energy_prefill", "kWh",
	 "GPU energy of iterations with prompt tokens", DC_METRIC_OBS},
	{M_E_DECODE, "llm.energy_decode", "kWh",
	 "GPU energy of decode-only iterations", DC_METRIC_OBS},
	{M_E_IDLE, "llm.energy_idle", "kWh", "GPU energy while idle",
	 DC_METRIC_OBS},
	{M_REQUESTS, "llm.requests_done", "", "requests completed",
	 DC_METRIC_OBS},
	{M_REPAIRS, "llm.repairs", "", "repair requests after failed validation",
	 DC_METRIC_OBS},
	{M_REPAIR_TOKENS, "llm.repair_tokens", "",
	 "prompt and output tokens of each repair", DC_METRIC_OBS},
	{M_E2E_LOGICAL, "llm.e2e_with_repairs", "s",
	 "first arrival to the accepted (or last) response", DC_METRIC_OBS},
	{M_GIVEN_UP, "llm.responses_given_up", "",
	 "responses still invalid after max_repairs", DC_METRIC_OBS},
	{M_SHED_S, "llm.shed_replica_seconds", "s",
	 "replica time held because its hall was shed", DC_METRIC_OBS},
	{M_HELD, "llm.requests_held", "",
	 "requests waiting in replicas when their hall was shed",
	 DC_METRIC_OBS},
	{M_UNIT_CAP, "llm.unit_capacity", "/s",
	 "requests per second one replica sustains within the SLOs (fluid)",
	 DC_METRIC_OBS},
	{M_TPM, "llm.unit_tokens_per_min", "",
	 "prompt + output tokens per minute of one unit at that capacity",
	 DC_METRIC_OBS},
	{M_UNITS, "llm.units_needed", "",
	 "replicas (units, in tenths) the offered load needs for the SLOs",
	 DC_METRIC_OBS},
	{M_OFFERED, "llm.offered_rate", "/s", "mean arrival rate offered",
	 DC_METRIC_OBS},
	{M_LORA_LOADS, "llm.adapter_loads", "",
	 "adapter loads into GPU memory (swap stalls, unmerged)", DC_METRIC_OBS},
	{M_LORA_STALL, "llm.adapter_stall", "s",
	 "time iterations waited for adapter loads or model swaps",
	 DC_METRIC_OBS},
	{M_LORA_SERVED, "llm.adapters_per_replica", "",
	 "distinct adapters each replica served", DC_METRIC_OBS},
	{M_LORA_SWAPS, "llm.model_swaps", "",
	 "whole-model switches (dedicated deployments)", DC_METRIC_OBS},
	{M_CAPACITY, "llm.capacity", "/s",
	 "largest arrival rate meeting the SLO quantiles (capacity search)",
	 DC_METRIC_OBS},
	{M_CAP_GPUS, "llm.gpus_needed", "",
	 "GPUs the offered rate needs at the searched per-replica capacity",
	 DC_METRIC_OBS},
	{M_SERVERS, "llm.servers", "", "whole servers the replicas occupy",
	 DC_METRIC_OBS},
	{M_STRANDED, "llm.stranded_gpus", "",
	 "GPUs on those servers that no replica uses", DC_METRIC_OBS},
};

/* A replica's GPU energy as a function of time. */
typedef struct rep_power {
	double t_mark, e_mark, p;  /* E(t) = e_mark + p (t - t_mark) */
} rep_power;

typedef struct inf {
	const inf_cfg *cfg;
	const char *name;
	uint32_t id, stream;
	dc_llm_perf *perf;
	dc_replica **reps;
	rep_power *pw;
	int64_t *kv_rep;          /* KV blocks each replica holds */
	double kv_used, kv_total;
	double p_sum;             /* sum of the replicas' power */
	double gap;               /* the run of equal token gaps */
	uint64_t gap_n;
	int64_t in_system;        /* requests arrived and not finished */
	struct logical {          /* per request id: its logical request */
		double t_origin;
		int32_t prompt, output, attempt;
		int64_t adapter;  /* LoRA adapter, -1: the base model */
	} *req;
	size_t req_cap;
	gsl_rng *fail_rng;
	int64_t repairs, given_up;
	double *shed_since;       /* per replica: when it stopped (or -1) */
	struct inflight {         /* per replica: the running iteration */
		double start, end, power, flops;
		int prefill, counted; /* counted: after warmup */
	} *run;
	double shed_s;
	int64_t held;
	struct pending {
		int64_t id;
		dc_req_spec spec;
	} *pending;
	size_t n_pending, cap_pending;
	int oom;
	dc_lora_gpu **lora;       /* per replica, when LoRA is on */
	dc_lora_pop *pop;
	gsl_rng *lora_rng;
	int64_t cur_adapter;      /* the adapter a repair inherits */
	dc_router router;
	dc_replica_cfg rep_cfg;   /* serving config with KV resolved */
	dc_fluid_cfg fcfg;        /* fluid: the steady-state model ... */
	double lambda;            /* ... at this offered rate */
	double f_clock;           /* clock of the cached f_out (-1: none) */
	dc_fluid_out f_out;
	dc_arrivals *src;
	dc_req_spec next;
	int have_next;
	int64_t next_id;
	dc_hall *hall;
	dc_sim *sim;
	dc_metrics *m;
	int mid[M_COUNT];
	double idle_w;            /* per replica: tp x GPU idle */
	double q_t, q_e;          /* the hall's last query: time, energy */
	/* after warmup */
	int64_t done, good, tokens, preempt;
	double e_prefill, e_decode, flops, busy;
	dc_time warmup;
} inf;

/* One replica's LoRA state: an adapter cache (unmerged) or the held
 * fine-tune (dedicated), sized from the model and its GPUs. */
static int lora_gpu_new(const inf_cfg *c, dc_lora_gpu **out, dc_err *err)
{
	dc_lora_shape sh = {c->arch.hidden, c->arch.ffn, c->arch.heads,
			    c->arch.kv_heads, c->arch.layers, c->arch.gated};
	double b = (double)c->perf.weight_bytes;
	dc_lora_hw hw = {b, b * (double)dc_llm_params(&c->arch) / (double)c->tp,
			 c->gpu.hbm_bw * (c->perf.eta_memory > 0 ? c->perf.eta_memory : 1),
			 c->gpu.peak_fp16 * (c->perf.eta_compute > 0 ? c->perf.eta_compute : 1) *
				 (double)c->tp};
	return dc_lora_gpu_new(&c->lora, &sh, &hw, out, err);
}

static dc_replica_lora_ops lora_ops(const inf_cfg *c)
{
	dc_replica_lora_ops ops = {
		.dedicated = c->lora.mode == DC_LORA_DEDICATED,
		.n_adapters = c->lora.adapters,
		.max_resident = c->lora.cache_adapters,
		.batch = dc_lora_gpu_batch,
		.swap = dc_lora_gpu_swap,
	};
	return ops;
}

/* One LoRA state per replica, hooked into its scheduler, and the
 * adapters' popularity. */
static int lora_setup(inf *w, dc_err *err)
{
	const inf_cfg *c = w->cfg;
	size_t n = (size_t)c->replicas;
	w->lora = dc_calloc(n, sizeof *w->lora);
	if (!w->lora)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	int rc = dc_lora_pop_new(c->lora.popularity, c->lora.adapters,
				 c->lora.zipf_s, &w->pop, err);
	dc_replica_lora_ops ops = lora_ops(c);
	for (size_t i = 0; !rc && i < n; i++) {
		rc = lora_gpu_new(c, &w->lora[i], err);
		if (!rc)
			rc = dc_replica_set_lora(w->reps[i], &ops, w->lora[i],
						 err);
	}
	return rc;
}

static int inf_create(const void *cfgp, const char *entity, uint32_t stream,
		      void **self, dc_err *err)
{
	const inf_cfg *c = cfgp;
	inf *w = dc_calloc(1, sizeof *w);
	if (!w)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	w->cfg = c;
	w->name = entity;
	w->stream = stream;
	w->router.policy = c->router;
	w->idle_w = (double)c->tp * c->gpu.idle_w;
	size_t n = (size_t)c->replicas;
	w->reps = dc_calloc(n, sizeof *w->reps);
	w->pw = dc_calloc(n, sizeof *w->pw);
	w->kv_rep = dc_calloc(n, sizeof *w->kv_rep);
	w->shed_since = dc_malloc(n * sizeof *w->shed_since);
	w->run = dc_calloc(n, sizeof *w->run);
	int rc = w->reps && w->pw && w->kv_rep && w->shed_since && w->run
			 ? perf_new(c, &w->perf, err)
			 : DC_ENOMEM;
	for (size_t i = 0; w->shed_since && i < n; i++)
		w->shed_since[i] = -1;
	dc_replica_cfg *rc_cfg = &w->rep_cfg;
	*rc_cfg = c->serving;
	if (!rc && rc_cfg->kv_tokens == 0)
		rc_cfg->kv_tokens = dc_llm_perf_kv_tokens(w->perf,
							 c->perf.mem_margin);
	for (size_t i = 0; !rc && i < n; i++) {
		rc = dc_replica_new(rc_cfg, dc_llm_perf_iter, w->perf,
				    &w->reps[i], err);
		w->pw[i].p = w->idle_w;
		w->p_sum += w->idle_w;
		if (!rc) {
			dc_replica_stats st;
			dc_replica_stats_get(w->reps[i], &st);
			w->kv_total += (double)st.kv_blocks_total;
		}
	}
	if (!rc && c->lora_on)
		rc = lora_setup(w, err);
	*self = w;
	return rc ? (rc == DC_ENOMEM ? dc_err_msg(err, rc, "out of memory")
				     : rc)
		  : DC_OK;
}

static void inf_destroy(void *self)
{
	inf *w = self;
	for (size_t i = 0; w->reps && i < (size_t)w->cfg->replicas; i++)
		dc_replica_free(w->reps[i]);
	dc_free(w->reps);
	dc_free(w->pw);
	dc_free(w->kv_rep);
	dc_free(w->shed_since);
	dc_free(w->run);
	dc_free(w->req);
	dc_free(w->pending);
	for (size_t i = 0; w->lora && i < (size_t)w->cfg->replicas; i++)
		dc_lora_gpu_free(w->lora[i]);
	dc_free(w->lora);
	dc_lora_pop_free(w->pop);
	dc_llm_perf_free(w->perf);
	dc_arrivals_free(w->src);
	dc_free(w);
}

/* Total GPU energy of the workload up to T (s). */
static double energy_at(const inf *w, double t)
{
	double e = 0;
	for (size_t i = 0; i < (size_t)w->cfg->replicas; i++)
		e += w->pw[i].e_mark + w->pw[i].p * (t - w->pw[i].t_mark);
	return e;
}

static void set_power(inf *w, size_t i, double t, double p)
{
	rep_power *r = &w->pw[i];
	r->e_mark += r->p * (t - r->t_mark);
	r->t_mark = t;
	w->p_sum += p - r->p;
	r->p = p;
	dc_metrics_level(w->m, w->mid[M_POWER], dc_sim_now(w->sim), w->p_sum);
}

/* The hall asks for the mean power of its accelerators over [t0, t1):
 * this workload's GPUs plus the hall's others at idle. */
static double hall_load(void *ctx, dc_time t0, dc_time t1)
{
	inf *w = ctx;
	double a = dc_time_to_s(t0), b = dc_time_to_s(t1);
	double e = energy_at(w, b);
	double mine = b > a ? (e - w->q_e) / (b - a) : 0;
	w->q_t = b;
	w->q_e = e;
	double others = dc_hall_gpus(w->hall) -
			(double)(w->cfg->replicas * w->cfg->tp);
	return mine + others * w->cfg->gpu.idle_w;
}

static int inf_link(void *self, const dc_world *w_, dc_err *err)
{
	inf *w = self;
	const char *hn = w->cfg->hall;
	if (!hn || !*hn)
		return DC_OK;
	for (size_t i = 0; i < dc_world_count(w_, "halls"); i++) {
		dc_hall *h = dc_world_find(w_, "halls", i);
		if (!strcmp(dc_hall_name(h), hn)) {
			w->hall = h;
			return dc_hall_attach(h, hall_load, w);
		}
	}
	return dc_err_msg(err, DC_EINVAL, "inference %s: no hall %s", w->name,
			  hn);
}

/* ---- the fluid view: steady state and units (PTUs) ---- */

/* Mean offered rate and lengths of the arrivals (trace statistics for
 * traces and 'from trace' lengths). */
static void offered(const inf_cfg *c, double *lambda, double *p, double *o)
{
	const dc_arrivals_cfg *a = &c->arrivals;
	const dc_trace_stats *st = c->trace ? dc_arrivals_trace_stats(c->trace)
					    : NULL;
	*lambda = a->kind == DC_ARR_TRACE ? (st ? st->rate * a->speedup : 0)
					  : a->rate;
	int pt = !a->prompt || !strcmp(a->prompt, "from trace");
	int ot = !a->output || !strcmp(a->output, "from trace");
	*p = a->length_scale * (pt ? (st ? st->input.mean : 0) : atof(a->prompt));
	*o = a->length_scale * (ot ? (st ? st->output.mean : 0) : atof(a->output));
}

static void fluid_cfg(const inf *w, double p, double o, dc_fluid_cfg *f)
{
	const inf_cfg *c = w->cfg;
	dc_fluid_cfg_default(f);
	f->scheduler = c->serving.scheduler;
	f->token_budget = c->serving.token_budget;
	f->max_batch = c->serving.max_batch;
	f->kv_tokens = dc_llm_perf_kv_tokens(w->perf, c->perf.mem_margin);
	f->prompt_mean = p;
	f->output_mean = o > 1 ? o : 1.000001;
	f->idle_power = w->idle_w;
	f->slo_ttft = dc_time_to_s(c->slo_ttft);
	f->slo_tpot = dc_time_to_s(c->slo_tbt);
}

/* Units: one replica's SLO capacity, its tokens per minute, and the
 * units the offered load needs (the PTU view, llm.md §3.5). */
static void report_units(inf *w, const dc_fluid_cfg *f, double lambda,
			 dc_err *err)
{
	double cap = 0, units = 0;
	dc_time now = 0;
	dc_metrics_obs(w->m, w->mid[M_OFFERED], now, lambda);
	if (dc_fluid_capacity(f, dc_llm_perf_iter, w->perf, f->slo_ttft,
			      f->slo_tpot, &cap, NULL) == DC_OK) {
		dc_metrics_obs(w->m, w->mid[M_UNIT_CAP], now, cap);
		dc_metrics_obs(w->m, w->mid[M_TPM], now, dc_fluid_tpm(f, cap));
	}
	if (lambda > 0 && dc_fluid_units(f, dc_llm_perf_iter, w->perf, lambda,
					 f->slo_ttft, f->slo_tpot, 0.1, &units,
					 NULL) == DC_OK)
		dc_metrics_obs(w->m, w->mid[M_UNITS], now, units);
	(void)err;
}

/* ---- capacity search ---- */

/* Fresh LoRA state for each capacity probe, so that probes share no
 * cache contents, and the same adapter draw for every probe. */
typedef struct cap_lora {
	const inf *w;
	dc_lora_gpu **gpus;      /* per replica */
	size_t n_gpus;           /* allocated */
	int64_t *adapter_of;     /* per request */
	size_t n_alloc;
	dc_replica_lora_ops ops;
	uint32_t seed;
} cap_lora;

static void cap_lora_clear(cap_lora *cl)
{
	for (size_t i = 0; i < cl->n_gpus; i++) {
		dc_lora_gpu_free(cl->gpus[i]);
		cl->gpus[i] = NULL;
	}
}

static int cap_adapters(cap_lora *cl, size_t n, dc_err *err)
{
	if (n > cl->n_alloc) {
		int64_t *a = dc_realloc(cl->adapter_of, n * sizeof *a);
		if (!a)
			return dc_err_msg(err, DC_ENOMEM, "out of memory");
		cl->adapter_of = a, cl->n_alloc = n;
	}
	gsl_rng *r = dc_rng_new(NULL, cl->seed, 0, 1);
	if (!r)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		cl->adapter_of[i] = dc_lora_pop_sample(cl->w->pop, r);
	gsl_rng_free(r);
	return DC_OK;
}

static int cap_prepare(void *ctx, size_t n_rep, size_t n,
		       dc_llm_simple_opt *opt, dc_err *err)
{
	cap_lora *cl = ctx;
	cap_lora_clear(cl);
	if (n_rep > cl->n_gpus) {
		dc_lora_gpu **g = dc_realloc(cl->gpus, n_rep * sizeof *g);
		if (!g)
			return dc_err_msg(err, DC_ENOMEM, "out of memory");
		for (size_t i = cl->n_gpus; i < n_rep; i++)
			g[i] = NULL;
		cl->gpus = g, cl->n_gpus = n_rep;
	}
	int rc = DC_OK;
	for (size_t i = 0; !rc && i < n_rep; i++)
		rc = lora_gpu_new(cl->w->cfg, &cl->gpus[i], err);
	if (!rc)
		rc = cap_adapters(cl, n, err);
	opt->lora = &cl->ops;
	opt->lora_ctx = (void *const *)cl->gpus;
	opt->adapter_of = cl->adapter_of;
	return rc;
}

/* The search over the engine at the workload's SLOs (clock 1, no
 * structured-output repairs) and the GPUs the offered rate needs. */
static int report_capacity(inf *w, double lambda, uint32_t seed,
			   dc_err *err)
{
	const inf_cfg *c = w->cfg;
	const cap_cfg *k = &c->capacity;
	size_t nr = (size_t)c->replicas;
	dc_cap_engine e = {
		.cfg = &w->rep_cfg, .fn = dc_llm_perf_iter, .fn_ctx = w->perf,
		.n_rep = nr, .router = w->router, .arrivals = &c->arrivals,
		.trace = c->trace, .n = (size_t)k->requests, .seed = seed,
		.clock = 1,
		.slo = {k->ttft_q, dc_time_to_s(c->slo_ttft), k->tbt_q,
			dc_time_to_s(c->slo_tbt), k->sched_q,
			dc_time_to_s(k->max_sched)}};
	cap_lora cl = {.w = w, .ops = lora_ops(c), .seed = seed ^ 0x9e3779b9u};
	if (c->lora_on)
		e.prepare = cap_prepare, e.pctx = &cl;
	dc_cap_search o = {.rate0 = lambda > 0 ? lambda : 1,
			   .rel_tol = k->tolerance};
	double cap = 0;
	size_t need = 0;
	int rc = dc_cap_find(&o, dc_cap_engine_probe, &e, &cap, NULL, err);
	/* replicas for the offered rate: searched, starting from the
	   linear estimate (more replicas also hold more adapters) */
	if (!rc && cap > 0 && lambda > 0)
		rc = dc_cap_min_replicas(&e, lambda,
					 (size_t)ceil(lambda * (double)nr / cap),
					 100000, &need, err);
	cap_lora_clear(&cl);
	dc_free(cl.gpus);
	dc_free(cl.adapter_of);
	if (rc)
		return dc_err_msg(err, rc, "inference %s: capacity search "
				  "failed", w->name);
	dc_metrics_obs(w->m, w->mid[M_CAPACITY], 0, cap);
	if (need)
		dc_metrics_obs(w->m, w->mid[M_CAP_GPUS], 0,
			       (double)need * (double)c->tp);
	return DC_OK;
}

/* Fluid fidelity: the deployment's steady state at the offered load and
 * clock CLOCK, recorded at NOW: one observation per step, so means over
 * the run are time averages; GPU power is a level.  A shed hall
 * (clock 0) serves nothing and its GPUs draw nothing. */
static int fluid_eval(inf *w, dc_time now, double clock, dc_err *err)
{
	size_t n = (size_t)w->cfg->replicas;
	if (clock != w->f_clock && clock > 0) {
		w->fcfg.clock = clock < 1 ? clock : 1;
		int rc = dc_fluid_eval_units(&w->fcfg, dc_llm_perf_iter,
					     w->perf, (double)n, w->lambda,
					     &w->f_out, err);
		if (rc)
			return rc;
	}
	int on = clock > 0;
	const dc_fluid_out *o = &w->f_out;
	if (clock != w->f_clock) {
		double t = dc_time_to_s(now), per = on ? o->power / (double)n : 0;
		for (size_t i = 0; i < n; i++)
			set_power(w, i, t, per);
		w->f_clock = clock;
	}
	dc_metrics_obs(w->m, w->mid[M_CLOCK], now, clock);
	dc_metrics_obs(w->m, w->mid[M_THROUGHPUT], now, on ? o->throughput : 0);
	dc_metrics_obs(w->m, w->mid[M_TOK_S], now, on ? o->tokens_out_s : 0);
	if (!on)
		return DC_OK;
	if (isfinite(o->ttft))
		dc_metrics_obs(w->m, w->mid[M_TTFT], now, o->ttft);
	dc_metrics_obs(w->m, w->mid[M_TPOT], now, o->tpot);
	if (isfinite(o->e2e))
		dc_metrics_obs(w->m, w->mid[M_E2E], now, o->e2e);
	dc_metrics_obs(w->m, w->mid[M_E_TOKEN], now, o->energy_token);
	return DC_OK;
}

/* Start the fluid view; in a hall, re-read its clock every fluid_step. */
static int run_fluid(inf *w, dc_sim *sim, const dc_fluid_cfg *f,
		     double lambda, dc_err *err)
{
	w->fcfg = *f;
	w->lambda = lambda;
	w->f_clock = -1;
	int rc = fluid_eval(w, 0, w->hall ? dc_hall_clock(w->hall) : 1, err);
	if (!rc && w->hall)
		rc = dc_sim_after(sim, w->cfg->fluid_step, w->id, EV_FLUID, 0,
				  NULL);
	return rc;
}

static int on_fluid_step(inf *w, dc_sim *sim)
{
	int rc = fluid_eval(w, dc_sim_now(sim), dc_hall_clock(w->hall),
			    dc_sim_err(sim));
	return rc ? rc : dc_sim_after(sim, w->cfg->fluid_step, w->id,
				      EV_FLUID, 0, NULL);
}

/* ---- events ---- */

/* Replica I now holds USED KV blocks: the workload's share, kept as a
 * running sum (the level is set at every iteration start). */
static void record_kv(inf *w, size_t i, int64_t used, dc_time t)
{
	w->kv_used += (double)(used - w->kv_rep[i]);
	w->kv_rep[i] = used;
	if (w->kv_total > 0)
		dc_metrics_level(w->m, w->mid[M_KV], t, w->kv_used / w->kv_total);
}

/* Start replica I's next iteration if it is idle and has work. */
static int start_iter(inf *w, size_t i, dc_sim *sim)
{
	dc_replica *r = w->reps[i];
	dc_time now = dc_sim_now(sim);
	double t = dc_time_to_s(now);
	if (dc_replica_busy(r) || dc_replica_outstanding(r) == 0)
		return DC_OK;
	double clock = w->hall ? dc_hall_clock(w->hall) : 1;
	if (clock <= 0) { /* shed: hold the requests, try again in a second */
		if (w->shed_since[i] < 0) {
			w->shed_since[i] = t;
			w->held += (int64_t)dc_replica_outstanding(r);
		}
		return dc_sim_after(sim, DC_SEC, w->id, EV_RETRY, i, NULL);
	}
	if (w->shed_since[i] >= 0) {
		w->shed_s += t - w->shed_since[i];
		w->shed_since[i] = -1;
	}
	dc_iter_plan plan;
	int rc = dc_replica_begin(r, t, clock, &plan, dc_sim_err(sim));
	if (rc || plan.n == 0)
		return rc;
	set_power(w, i, t, plan.cost.power_W);
	w->run[i] = (struct inflight){t, t + plan.duration_s, plan.cost.power_W,
				      plan.cost.flops, plan.prefill_tokens > 0,
				      now >= w->warmup};
	if (now >= w->warmup) {
		dc_metrics_obs(w->m, w->mid[M_BATCH], now, (double)plan.n);
		dc_metrics_obs(w->m, w->mid[M_TOKENS], now,
			       (double)(plan.prefill_tokens + plan.decode_tokens));
		dc_metrics_obs(w->m, w->mid[M_CLOCK], now, clock);
		if (plan.prefill_tokens > 0)
			w->e_prefill += plan.cost.energy_J;
		else
			w->e_decode += plan.cost.energy_J;
		w->flops += plan.cost.flops;
		w->busy += plan.duration_s;
		w->preempt += plan.preempted;
	}
	record_kv(w, i, plan.kv_blocks_used, now);
	dc_time d = dc_time_from_s(plan.duration_s);
	return dc_sim_after(sim, d > 0 ? d : 1, w->id, EV_ITER_END, i, NULL);
}

/* Gaps between tokens come in runs of equal values (every sequence that
 * decoded in consecutive iterations waited the same iteration): they are
 * recorded as one weighted observation per run. */
static void flush_gaps(inf *w)
{
	if (w->gap_n)
		dc_metrics_obs_n(w->m, w->mid[M_TBT], dc_sim_now(w->sim),
				 w->gap, w->gap_n);
	w->gap_n = 0;
}

static void on_token(void *ctx, int64_t id, double t, int first, double gap)
{
	inf *w = ctx;
	dc_time now = dc_sim_now(w->sim);
	if (now < w->warmup)
		return;
	w->tokens++;
	if (first)
		return;
	if (w->gap_n && gap != w->gap)
		flush_gaps(w);
	w->gap = gap;
	w->gap_n++;
}

static int remember(inf *w, int64_t id, double t_origin, int32_t prompt,
		    int32_t output, int32_t attempt);
static int route(inf *w, dc_sim *sim, int64_t id, const dc_req_spec *s);

/* Keep a repair request until the iteration's callbacks are over. */
static int defer(inf *w, int64_t id, const dc_req_spec *s)
{
	if (w->n_pending == w->cap_pending) {
		size_t cap = w->cap_pending ? 2 * w->cap_pending : 16;
		struct pending *v = dc_realloc(w->pending, cap * sizeof *v);
		if (!v)
			return DC_ENOMEM;
		w->pending = v;
		w->cap_pending = cap;
	}
	w->pending[w->n_pending++] = (struct pending){id, *s};
	return DC_OK;
}

/* Schema validation of a finished response: it passes, or a repair
 * request (prompt + failed output + error message, the same output
 * length) is queued at once. */
static void validate(inf *w, const dc_req_rec *rec, dc_time now)
{
	const structured_cfg *sc = &w->cfg->structured;
	struct logical lg = w->req[rec->id];
	int fail = sc->failure_rate > 0 &&
		   gsl_rng_uniform(w->fail_rng) < sc->failure_rate;
	if (fail && lg.attempt < sc->max_repairs) {
		int64_t p = (int64_t)lg.prompt + lg.output + sc->error_tokens;
		dc_req_spec s = {dc_time_to_s(now),
				 (int32_t)(p < INT32_MAX ? p : INT32_MAX),
				 lg.output};
		int64_t id = w->next_id++;
		w->cur_adapter = lg.adapter;
		w->repairs++;
		dc_metrics_obs(w->m, w->mid[M_REPAIR_TOKENS], now,
			       (double)s.prompt + s.output);
		/* routed once the ending iteration is done (a callback may
		 * not start iterations) */
		if (remember(w, id, lg.t_origin, lg.prompt, lg.output,
			     lg.attempt + 1) ||
		    defer(w, id, &s))
			w->oom = 1;
		return;
	}
	w->given_up += fail;
	dc_metrics_obs(w->m, w->mid[M_E2E_LOGICAL], now,
		       dc_time_to_s(now) - lg.t_origin);
}

static void on_done(void *ctx, const dc_req_rec *rec)
{
	inf *w = ctx;
	dc_time now = dc_sim_now(w->sim);
	dc_metrics_level(w->m, w->mid[M_OUTSTANDING], now,
			 (double)--w->in_system);
	if (dc_time_from_s(rec->t_arrival) < w->warmup)
		return;
	dc_metrics_obs(w->m, w->mid[M_TTFT], now, rec->ttft);
	dc_metrics_obs(w->m, w->mid[M_E2E], now, rec->e2e);
	dc_metrics_obs(w->m, w->mid[M_DELAY], now, rec->sched_delay);
	dc_metrics_obs(w->m, w->mid[M_TBT_MAX], now, rec->tbt_max);
	if (rec->output > 1)
		dc_metrics_obs(w->m, w->mid[M_TPOT], now, rec->tpot);
	w->done++;
	if (rec->ttft <= dc_time_to_s(w->cfg->slo_ttft) &&
	    rec->tbt_max <= dc_time_to_s(w->cfg->slo_tbt))
		w->good++;
	validate(w, rec, now);
}

static int on_iter_end(inf *w, dc_sim *sim, size_t i)
{
	double t = dc_time_to_s(dc_sim_now(sim));
	dc_llm_events ev = {w, on_token, on_done};
	int rc = dc_replica_end(w->reps[i], t, &ev, dc_sim_err(sim));
	flush_gaps(w);
	if (w->oom)
		return dc_err_msg(dc_sim_err(sim), DC_ENOMEM, "out of memory");
	for (size_t k = 0; !rc && k < w->n_pending; k++)
		rc = route(w, sim, w->pending[k].id, &w->pending[k].spec);
	w->n_pending = 0;
	if (rc)
		return rc;
	set_power(w, i, t, w->idle_w);
	return start_iter(w, i, sim);
}

/* Remember request ID's logical request (its first arrival, lengths and
 * attempt). */
static int remember(inf *w, int64_t id, double t_origin, int32_t prompt,
		    int32_t output, int32_t attempt)
{
	if ((size_t)id >= w->req_cap) {
		size_t cap = w->req_cap ? 2 * w->req_cap : 1024;
		while (cap <= (size_t)id)
			cap *= 2;
		struct logical *v = dc_realloc(w->req, cap * sizeof *v);
		if (!v)
			return DC_ENOMEM;
		w->req = v;
		w->req_cap = cap;
	}
	/* a repair keeps its request's adapter; a new request draws one */
	int64_t ad = -1;
	if (attempt > 0 && id > 0)
		ad = w->cur_adapter;
	else if (w->pop)
		ad = dc_lora_pop_sample(w->pop, w->lora_rng);
	w->req[id] = (struct logical){t_origin, prompt, output, attempt, ad};
	return DC_OK;
}

/* Give request S (id ID) to a replica now and start it if idle. */
static int route(inf *w, dc_sim *sim, int64_t id, const dc_req_spec *s)
{
	int i = dc_router_pick(&w->router, w->reps, (size_t)w->cfg->replicas);
	double t = dc_time_to_s(dc_sim_now(sim));
	int rc = w->lora ? dc_replica_add_adapter(w->reps[i], id, s,
						  w->req[id].adapter, t,
						  dc_sim_err(sim))
			 : dc_replica_add(w->reps[i], id, s, t, dc_sim_err(sim));
	if (rc)
		return rc;
	dc_metrics_level(w->m, w->mid[M_OUTSTANDING], dc_sim_now(sim),
			 (double)++w->in_system);
	return start_iter(w, (size_t)i, sim);
}

/* Fetch the next request of the source and schedule its arrival. */
static int schedule_arrival(inf *w, dc_sim *sim)
{
	w->have_next = dc_arrivals_next(w->src, &w->next) == 1;
	if (!w->have_next)
		return DC_OK;
	dc_time at = dc_time_from_s(w->next.t_arrival_s);
	return dc_sim_at(sim, at, w->id, EV_ARRIVAL, 0, NULL);
}

static int on_arrival(inf *w, dc_sim *sim)
{
	dc_req_spec s = w->next;
	s.t_arrival_s = dc_time_to_s(dc_sim_now(sim));
	int64_t id = w->next_id++;
	int rc = remember(w, id, s.t_arrival_s, s.prompt, s.output, 0);
	if (rc)
		return dc_err_msg(dc_sim_err(sim), rc, "out of memory");
	rc = route(w, sim, id, &s);
	return rc ? rc : schedule_arrival(w, sim);
}

static int inf_handle(void *self, dc_sim *sim, const dc_event *ev)
{
	inf *w = self;
	switch (ev->type) {
	case EV_ARRIVAL: return on_arrival(w, sim);
	case EV_ITER_END: return on_iter_end(w, sim, (size_t)ev->data);
	case EV_FLUID: return on_fluid_step(w, sim);
	default: return start_iter(w, (size_t)ev->data, sim);
	}
}

static int inf_init(void *self, dc_sim *sim, dc_err *err)
{
	inf *w = self;
	w->id = dc_sim_current(sim);
	w->sim = sim;
	w->m = dc_sim_metrics(sim);
	w->warmup = dc_sim_config(sim)->warmup;
	if (!w->m)
		return dc_err_msg(err, DC_EINVAL, "inference needs metrics");
	for (size_t i = 0; i < DC_ARRAY_LEN(mdefs); i++) {
		int rc = dc_metrics_declare(w->m, mdefs[i].name, w->name,
					    mdefs[i].unit, mdefs[i].k,
					    mdefs[i].help, &w->mid[mdefs[i].id],
					    err);
		if (rc)
			return rc;
	}
	dc_metrics_level(w->m, w->mid[M_OUTSTANDING], 0, 0);
	dc_metrics_level(w->m, w->mid[M_POWER], 0,
			 w->idle_w * (double)w->cfg->replicas);
	gsl_rng *r = dc_sim_rng(sim, w->stream);
	w->fail_rng = dc_sim_rng(sim, w->stream + 1);
	w->lora_rng = dc_sim_rng(sim, w->stream + 2);
	if (!r || !w->fail_rng || !w->lora_rng)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	double lambda, p, o;
	dc_fluid_cfg f;
	offered(w->cfg, &lambda, &p, &o);
	fluid_cfg(w, p, o, &f);
	report_units(w, &f, lambda, err);
	if (w->cfg->n_servers) {
		dc_metrics_obs(w->m, w->mid[M_SERVERS], 0,
			       (double)w->cfg->n_servers);
		dc_metrics_obs(w->m, w->mid[M_STRANDED], 0,
			       (double)w->cfg->stranded);
	}
	int rc = w->cfg->capacity.requests > 0
			 ? report_capacity(w, lambda, (uint32_t)gsl_rng_get(
					dc_sim_rng(sim, w->stream + 3)), err)
			 : DC_OK;
	if (rc)
		return rc;
	if (w->cfg->fidelity == FID_FLUID)
		return run_fluid(w, sim, &f, lambda, err);
	rc = dc_arrivals_new_with(&w->cfg->arrivals, w->cfg->trace, r,
				  &w->src, err);
	return rc ? rc : schedule_arrival(w, sim);
}

static void report_lora(inf *w, dc_time now)
{
	if (!w->lora)
		return;
	double loads = 0, stall = 0, swaps = 0;
	for (size_t i = 0; i < (size_t)w->cfg->replicas; i++) {
		dc_lora_gpu_stats g;
		dc_replica_stats st;
		dc_lora_gpu_stats_get(w->lora[i], &g);
		dc_replica_stats_get(w->reps[i], &st);
		loads += (double)g.cache.misses;
		stall += g.cache.load_s + g.swap_s;
		swaps += (double)g.swaps;
		dc_metrics_obs(w->m, w->mid[M_LORA_SERVED], now,
			       (double)st.adapters_served);
	}
	dc_metrics_obs(w->m, w->mid[M_LORA_LOADS], now, loads);
	dc_metrics_obs(w->m, w->mid[M_LORA_STALL], now, stall);
	dc_metrics_obs(w->m, w->mid[M_LORA_SWAPS], now, swaps);
}

/* Iterations still running at T were counted whole when they started:
 * take back the part after T (time, energy, FLOPs pro rata). */
static void uncount_inflight(inf *w, double t)
{
	for (size_t i = 0; i < (size_t)w->cfg->replicas; i++) {
		const struct inflight *r = &w->run[i];
		if (!dc_replica_busy(w->reps[i]) || !r->counted || r->end <= t)
			continue;
		double dur = r->end - t, share = dur / (r->end - r->start);
		*(r->prefill ? &w->e_prefill : &w->e_decode) -= r->power * dur;
		w->flops -= r->flops * share;
		w->busy -= dur;
	}
}

static int inf_finish(void *self, dc_sim *sim, dc_err *err)
{
	inf *w = self;
	if (w->cfg->fidelity == FID_FLUID)
		return DC_OK; /* its figures were reported at the start */
	dc_time now = dc_sim_now(sim);
	double t = dc_time_to_s(now);
	double span = t - dc_time_to_s(w->warmup < now ? w->warmup : now);
	double n_rep = (double)w->cfg->replicas;
	uncount_inflight(w, t);
	double e_all = energy_at(w, t);
	double e_busy = w->e_prefill + w->e_decode;
	if (span > 0) {
		dc_metrics_obs(w->m, w->mid[M_THROUGHPUT], now, w->done / span);
		dc_metrics_obs(w->m, w->mid[M_TOK_S], now, w->tokens / span);
		dc_metrics_obs(w->m, w->mid[M_GOODPUT], now, w->good / span);
		dc_metrics_obs(w->m, w->mid[M_BUSY], now, w->busy / (span * n_rep));
	}
	if (w->busy > 0)
		dc_metrics_obs(w->m, w->mid[M_MFU], now,
			       w->flops / (w->busy * (double)w->cfg->tp *
					   w->cfg->gpu.peak_fp16));
	if (w->tokens > 0)
		dc_metrics_obs(w->m, w->mid[M_E_TOKEN], now, e_busy / w->tokens);
	dc_metrics_obs(w->m, w->mid[M_PREEMPT], now, (double)w->preempt);
	dc_metrics_obs(w->m, w->mid[M_E_PREFILL], now, w->e_prefill);
	dc_metrics_obs(w->m, w->mid[M_E_DECODE], now, w->e_decode);
	dc_metrics_obs(w->m, w->mid[M_E_IDLE], now,
		       w->warmup > 0 ? NAN : e_all - e_busy);
	dc_metrics_obs(w->m, w->mid[M_REQUESTS], now, (double)w->done);
	dc_metrics_obs(w->m, w->mid[M_REPAIRS], now, (double)w->repairs);
	dc_metrics_obs(w->m, w->mid[M_GIVEN_UP], now, (double)w->given_up);
	for (size_t i = 0; i < (size_t)w->cfg->replicas; i++)
		if (w->shed_since[i] >= 0)
			w->shed_s += t - w->shed_since[i];
	dc_metrics_obs(w->m, w->mid[M_SHED_S], now, w->shed_s);
	dc_metrics_obs(w->m, w->mid[M_HELD], now, (double)w->held);
	report_lora(w, now);
	return DC_OK;
}

static const dc_model_ops inf_ops = {"inference", inf_init, inf_handle,
				     inf_finish};

const dc_component_kind dc_inference_kind = {
	.key = "inference",
	.help = "LLM inference served by GPU replicas (request fidelity)",
	.params = &inf_pset,
	.cfg_size = sizeof(inf_cfg),
	.multi = 1,
	.ops = &inf_ops,
	.resolve = inf_resolve,
	.cfg_free = inf_cfg_free,
	.create = inf_create,
	.destroy = inf_destroy,
	.link = inf_link,
};
