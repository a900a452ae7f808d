/* check_inference.c - the LLM serving workload in the engine: every
 * request served, naive's stalls against flywheel's bounded TBT, Little's
 * law, the coupling of GPU power and clock with a hall, bad input. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/scen.h"
#include "util/run.h"

#define REL(a, b, tol) (fabs((a) - (b)) <= (tol) * fabs(b))

START_TEST(flywheel_vs_naive_on_the_azure_trace)
{
	static dc_rows g;
	dc_test_run("scenarios/flywheel-vs-naive.yaml", NULL, 0, &g);
	const char *ws[2] = {"naive", "flywheel"};
	for (int k = 0; k < 2; k++) {
		/* V20: the conversation trace holds 19,366 requests */
		ck_assert_double_eq(dc_test_row(&g, "llm.requests_done", ws[k])->mean,
				    19366);
		/* Little's law, exact here: the integral of the requests in the
		 * system over the run equals the sum of their E2E times */
		double l = dc_test_row(&g, "llm.outstanding", ws[k])->mean;
		const dc_stat_row *e = dc_test_row(&g, "llm.e2e", ws[k]);
		double horizon = 7200;
		ck_assert_msg(REL(l * horizon, e->mean * (double)e->n, 1e-6),
			      "%s: L T %.6f vs sum E2E %.6f", ws[k], l * horizon,
			      e->mean * (double)e->n);
		ck_assert_msg(dc_test_row(&g, "llm.goodput", ws[k])->mean <=
				      dc_test_row(&g, "llm.throughput", ws[k])->mean,
			      "goodput above throughput");
		/* energy is conserved: prefill + decode + idle energy is the
		 * integral of the GPU power level over the run (in-flight
		 * iterations at the end counted up to the end only) */
		double kwh = dc_test_row(&g, "llm.energy_prefill", ws[k])->mean +
			     dc_test_row(&g, "llm.energy_decode", ws[k])->mean +
			     dc_test_row(&g, "llm.energy_idle", ws[k])->mean;
		double lvl = dc_test_row(&g, "llm.gpu_power", ws[k])->mean * 2;
		ck_assert_msg(REL(kwh, lvl, 1e-9), "%s: %.9f vs %.9f kWh", ws[k],
			      kwh, lvl);
		ck_assert(dc_test_row(&g, "llm.energy_idle", ws[k])->mean >= 0);
		ck_assert(dc_test_row(&g, "llm.busy_share", ws[k])->mean <= 100);
	}
	double naive_max = dc_test_row(&g, "llm.tbt", "naive")->max;
	double fly_max = dc_test_row(&g, "llm.tbt", "flywheel")->max;
	printf("worst TBT: naive %.1f ms, flywheel %.1f ms; p99 %.1f / %.1f ms\n",
	       naive_max * 1e3, fly_max * 1e3,
	       dc_test_row(&g, "llm.tbt", "naive")->p99 * 1e3,
	       dc_test_row(&g, "llm.tbt", "flywheel")->p99 * 1e3);
	/* llm.md V10: naive's worst TBT at least 8x flywheel's */
	ck_assert_msg(naive_max >= 8 * fly_max, "naive %.4f s vs flywheel %.4f s",
		      naive_max, fly_max);
	ck_assert_msg(dc_test_row(&g, "llm.tbt", "flywheel")->p99 <
			      dc_test_row(&g, "llm.tbt", "naive")->p99,
		      "flywheel p99 TBT not below naive's");
	/* flywheel caps every iteration at the 512-token budget */
	ck_assert_double_eq(dc_test_row(&g, "llm.batch_tokens", "flywheel")->max,
			    512);
	/* capacity at P90 TTFT 2 s / P99 TBT 200 ms / median scheduling delay
	 * 2 s: Sarathi-Serve serves 2.6x (Mistral-7B) to 3.7x (Yi-34B, TP2)
	 * vLLM's capacity (llm.md §1); allow 2x-6x for another model */
	double cn = dc_test_row(&g, "llm.capacity", "naive")->mean;
	double cf = dc_test_row(&g, "llm.capacity", "flywheel")->mean;
	printf("capacity: naive %.2f /s, flywheel %.2f /s (x%.2f)\n", cn, cf,
	       cf / cn);
	ck_assert_msg(cf >= 2 * cn && cf <= 6 * cn, "capacity %g vs %g", cf, cn);
	/* the trace's own rate (19,366 / h) is below both capacities of
	 * the four replicas (both served it), and needs no more GPUs with
	 * flywheel than with naive */
	double offered = 19366.0 / 3600;
	ck_assert(cf > offered && cn > offered);
	double gn = dc_test_row(&g, "llm.gpus_needed", "naive")->mean;
	double gf = dc_test_row(&g, "llm.gpus_needed", "flywheel")->mean;
	printf("GPUs for %.2f /s: naive %.0f, flywheel %.0f\n", offered, gn, gf);
	ck_assert(gf <= gn && gn <= 32 && gf >= 8);
}
END_TEST


/* llm.md V12: capacity scales linearly with replicas (FastGen: 1.46 ->
 * 23.7 q/s for 1 -> 16).  Both overloaded: throughput is capacity. */
static const char *scaling(int replicas)
{
	static char t[1024];
	snprintf(t, sizeof t,
		 "name: s\nhorizon: 60 s\nsample_interval: 10 s\n"
		 "inference:\n  - name: w\n    model: llama2_7b\n"
		 "    accelerator: h100_sxm\n    replicas: %d\n"
		 "    router: round_robin\n"
		 "    arrivals:\n      kind: poisson\n      rate: 2000 /s\n"
		 "      prompt: 512\n      output: 128\n", replicas);
	return t;
}

START_TEST(replica_scaling_is_linear)
{
	static dc_rows one, sixteen;
	dc_test_run(dc_test_write(scaling(1)), NULL, 0, &one);
	dc_test_run(dc_test_write(scaling(16)), NULL, 0, &sixteen);
	double a = dc_test_row(&one, "llm.throughput", "w")->mean;
	double b = dc_test_row(&sixteen, "llm.throughput", "w")->mean;
	printf("V12: 1 replica %.2f req/s, 16 replicas %.2f req/s (x%.3f)\n", a,
	       b, b / a);
	ck_assert_msg(REL(b, 16 * a, 0.05), "16 replicas %.3f vs 16 x %.3f", b,
		      a);
}
END_TEST


/* Structured output: each response fails validation with probability p and
 * is repaired at most 3 times: physical requests = logical + repairs;
 * repairs ~ Binomial(requests, p); the repair prompt carries prompt +
 * output + error tokens. */
START_TEST(structured_output_repairs)
{
	static dc_rows g;
	dc_test_run(dc_test_write(
		"name: so\nhorizon: 10 min\ninference:\n  - name: w\n"
		"    model: llama2_7b\n    replicas: 2\n"
		"    arrivals: {kind: poisson, rate: 5 /s, prompt: 800, output: 300}\n"
		"    structured: {failure_rate: 20 %, error_tokens: 64, max_repairs: 3}\n"),
		NULL, 0, &g);
	double done = dc_test_row(&g, "llm.requests_done", "w")->mean;
	double rep = dc_test_row(&g, "llm.repairs", "w")->mean;
	const dc_stat_row *lg = dc_test_row(&g, "llm.e2e_with_repairs", "w");
	/* every completed physical request is a finished logical one or a
	 * repair; repairs still in flight at the end are the difference,
	 * never more than the requests in the system */
	double gap = (double)lg->n + rep - done;
	double most = dc_test_row(&g, "llm.outstanding", "w")->max;
	ck_assert_msg(gap >= 0 && gap <= most,
		      "done %.0f vs logical %llu + repairs %.0f (max in system "
		      "%.0f)", done, (unsigned long long)lg->n, rep, most);
	double sd = sqrt(done * 0.2 * 0.8);
	ck_assert_msg(fabs(rep - 0.2 * done) < 5 * sd, "repairs %.0f of %.0f",
		      rep, done);
	/* a repair: prompt 800 + failed output 300 + error 64, output 300 */
	ck_assert_double_eq(dc_test_row(&g, "llm.repair_tokens", "w")->mean,
			    (800 + 300 + 64) + 300);
	ck_assert_msg(lg->mean > dc_test_row(&g, "llm.e2e", "w")->mean,
		      "repairs did not lengthen the logical latency");
}
END_TEST


/* Fluid fidelity: the steady state of the same model agrees with the
 * request-level run on throughput and TPOT at moderate load, and the
 * units reported serve the offered load. */
static const char *fidelity(const char *f)
{
	static char t[1024];
	snprintf(t, sizeof t,
		 "name: f\nhorizon: 20 min\nsample_interval: 1 min\n"
		 "inference:\n  - name: w\n    model: llama2_7b\n"
		 "    replicas: 4\n    fidelity: %s\n"
		 "    arrivals:\n      kind: poisson\n      rate: 40 /s\n"
		 "      prompt: 600\n      output: 150\n", f);
	return t;
}

START_TEST(fluid_agrees_with_requests)
{
	static dc_rows rq, fl;
	dc_test_run(dc_test_write(fidelity("request")), NULL, 0, &rq);
	dc_test_run(dc_test_write(fidelity("fluid")), NULL, 0, &fl);
	double tr = dc_test_row(&rq, "llm.throughput", "w")->mean;
	double tf = dc_test_row(&fl, "llm.throughput", "w")->mean;
	double pr = dc_test_row(&rq, "llm.tpot", "w")->mean;
	double pf = dc_test_row(&fl, "llm.tpot", "w")->mean;
	printf("fluid vs request: %.3f vs %.3f req/s, TPOT %.2f vs %.2f ms\n",
	       tf, tr, pf * 1e3, pr * 1e3);
	ck_assert_msg(REL(tf, tr, 0.02), "throughput fluid %.3f request %.3f",
		      tf, tr);
	ck_assert_msg(REL(pf, pr, 0.15), "TPOT fluid %.4f request %.4f", pf, pr);
	double units = dc_test_row(&fl, "llm.units_needed", "w")->mean;
	double cap = dc_test_row(&fl, "llm.unit_capacity", "w")->mean;
	ck_assert_msg(units * cap >= 40 - 1e-9 && (units - 0.1) * cap < 40,
		      "%.1f units of %.3f req/s for 40 req/s", units, cap);
}
END_TEST


/* Multi-LoRA: unmerged adapters on a shared base model keep up with the
 * load; dedicated deployments stall on whole-model swaps, each costing the
 * model's weights over the host link: 2 B x 6.738e9 params / 25 GB/s. */
START_TEST(multi_lora_shared_vs_dedicated)
{
	static dc_rows g;
	dc_test_run("scenarios/multi-lora.yaml", NULL, 0, &g);
	double offered = 20;
	ck_assert_msg(REL(dc_test_row(&g, "llm.throughput", "shared")->mean,
			  offered, 0.03), "shared did not keep up");
	ck_assert_msg(dc_test_row(&g, "llm.e2e", "dedicated")->mean >
			      10 * dc_test_row(&g, "llm.e2e", "shared")->mean,
		      "dedicated not slower");
	double swaps = dc_test_row(&g, "llm.model_swaps", "dedicated")->mean;
	double stall = dc_test_row(&g, "llm.adapter_stall", "dedicated")->mean;
	double swap_s = 2.0 * 6738415616.0 / 25e9; /* llm.md 3.1, 3.6 */
	ck_assert_msg(REL(stall, swaps * swap_s, 1e-3),
		      "stall %.3f s for %.0f swaps of %.4f s", stall, swaps,
		      swap_s);
	/* each shared load: 16.8 MB over 25 GB/s (llm.md 3.6: r16 q,v) */
	double loads = dc_test_row(&g, "llm.adapter_loads", "shared")->mean;
	double lstall = dc_test_row(&g, "llm.adapter_stall", "shared")->mean;
	ck_assert_msg(REL(lstall, loads * 16777216.0 / 25e9, 1e-3),
		      "load stall %.4f s for %.0f loads", lstall, loads);
	ck_assert_msg(dc_test_row(&g, "llm.adapters_per_replica", "shared")->mean >
			      dc_test_row(&g, "llm.adapters_per_replica",
					  "dedicated")->mean,
		      "shared served fewer adapters per replica");
	/* sizing: the shared deployment kept up with 20 /s on 8 GPUs, so it
	 * needs at most 8; dedicated could not (8 /s), so it needs more */
	double gs = dc_test_row(&g, "llm.gpus_needed", "shared")->mean;
	double gd = dc_test_row(&g, "llm.gpus_needed", "dedicated")->mean;
	printf("GPUs for 20 /s: shared %.0f, dedicated %.0f\n", gs, gd);
	ck_assert(gs >= 1 && gs <= 8 && gd > 8);
	ck_assert(dc_test_row(&g, "llm.capacity", "shared")->mean >= offered);
	ck_assert(dc_test_row(&g, "llm.capacity", "dedicated")->mean <
		  dc_test_row(&g, "llm.throughput", "dedicated")->mean);
}
END_TEST

static const char *hall_text(const char *cooling, const char *extra)
{
	static char t[4096];
	snprintf(t, sizeof t,
		 "name: c\nhorizon: 30 min\nsample_interval: 1 min\n"
		 "site:\n  climate: constant\n  dry_bulb: 20 C\n  wet_bulb: 12 C\n"
		 "facility:\n  name: f\n  it_capacity: 1 MW\n  physics_step: 1 min\n"
		 "halls:\n  - name: gpus\n    racks: 2\n    rack_power: 10.2 kW\n"
		 "    gpu: h100\n    gpus_per_rack: 8\n    utilization: 50 %%\n"
		 "%s"
		 "inference:\n  - name: w\n    model: llama2_7b\n"
		 "    accelerator: h100_sxm\n    replicas: 12\n    hall: gpus\n"
		 "    arrivals:\n      kind: poisson\n      rate: 40 /s\n"
		 "      prompt: 1000\n      output: 200\n%s", cooling, extra);
	return t;
}

START_TEST(hall_power_is_the_workloads)
{
	static dc_rows g;
	dc_test_run(dc_test_write(hall_text(
		"    cooling: cold_plate\n    supply_temperature: 30 C\n", "")),
		NULL, 0, &g);
	/* the hall's accelerators: the workload's 12 GPUs plus 4 idle ones at
	 * the H100's idle power (data/accelerators.csv) */
	double hall = dc_test_row(&g, "hall.gpu_power", "gpus")->mean;
	double work = dc_test_row(&g, "llm.gpu_power", "w")->mean;
	double idle4 = 4 * 0.075; /* kW: 75 W idle, physics.md §5.1 */
	ck_assert_msg(REL(hall, work + idle4, 1e-6),
		      "hall %.6f kW vs workload %.6f + idle %.3f kW", hall, work,
		      idle4);
	ck_assert_double_eq(dc_test_row(&g, "llm.clock", "w")->min, 100); /* % */
}
END_TEST

START_TEST(hot_hall_slows_the_workload)
{
	static dc_rows cool, hot;
	dc_test_run(dc_test_write(hall_text(
		"    cooling: cold_plate\n    supply_temperature: 30 C\n", "")),
		NULL, 0, &cool);
	dc_test_run(dc_test_write(hall_text(
		"    cooling: air\n    supply_temperature: 40 C\n"
		"    envelope: A3\n    thermal_resistance: 0.3 K/W\n", "")),
		NULL, 0, &hot);
	double clock = dc_test_row(&hot, "llm.clock", "w")->min; /* % */
	ck_assert_msg(clock < 100, "hot hall ran the workload at full clock");
	ck_assert_msg(dc_test_row(&hot, "hall.throttled_gpu_hours", "gpus")->mean > 0,
		      "no throttled GPU-hours");
	/* compute-bound time stretches: mean TTFT grows */
	ck_assert_msg(dc_test_row(&hot, "llm.ttft", "w")->mean >
			      dc_test_row(&cool, "llm.ttft", "w")->mean,
		      "TTFT did not grow under throttling");
}
END_TEST

/* Fluid fidelity follows the hall's clock too: throttled, it serves the
 * same load with longer steady-state latency and draws what the hall's
 * thermal controller allows. */
START_TEST(hot_hall_slows_the_fluid_workload)
{
	static dc_rows cool, hot;
	const char *fl = "    fidelity: fluid\n";
	dc_test_run(dc_test_write(hall_text(
		"    cooling: cold_plate\n    supply_temperature: 30 C\n", fl)),
		NULL, 0, &cool);
	dc_test_run(dc_test_write(hall_text(
		"    cooling: air\n    supply_temperature: 40 C\n"
		"    envelope: A3\n    thermal_resistance: 0.3 K/W\n", fl)),
		NULL, 0, &hot);
	ck_assert_double_eq(dc_test_row(&cool, "llm.clock", "w")->min, 100);
	ck_assert_msg(dc_test_row(&hot, "llm.clock", "w")->min < 100,
		      "hot hall ran the fluid workload at full clock");
	ck_assert_msg(dc_test_row(&hot, "llm.tpot", "w")->mean >
			      dc_test_row(&cool, "llm.tpot", "w")->mean,
		      "TPOT did not grow under throttling");
	/* below saturation both serve the offered 40 /s */
	ck_assert_msg(REL(dc_test_row(&hot, "llm.throughput", "w")->mean, 40.0,
			  1e-9), "throughput %g",
		      dc_test_row(&hot, "llm.throughput", "w")->mean);
	/* the hall's accelerator power is the workload's plus its 4 idle
	 * GPUs: over the run when nothing throttles, and in the throttled
	 * steady state (both follow P_idle + P_dyn phi^2.5, physics.md 4.2;
	 * the minima are that state) */
	double hall = dc_test_row(&cool, "hall.gpu_power", "gpus")->mean;
	double work = dc_test_row(&cool, "llm.gpu_power", "w")->mean;
	ck_assert_msg(REL(hall, work + 4 * 0.075, 1e-6),
		      "hall %.6f kW vs workload %.6f + idle", hall, work);
	hall = dc_test_row(&hot, "hall.gpu_power", "gpus")->min;
	work = dc_test_row(&hot, "llm.gpu_power", "w")->min;
	ck_assert_msg(REL(hall, work + 4 * 0.075, 1e-6),
		      "throttled: hall %.6f kW vs workload %.6f + idle", hall,
		      work);
}
END_TEST

START_TEST(deterministic_per_seed)
{
	static dc_rows a, b;
	const char *text = hall_text(
		"    cooling: cold_plate\n    supply_temperature: 30 C\n", "");
	dc_test_run(dc_test_write(text), NULL, 0, &a);
	dc_test_run(dc_test_write(text), NULL, 0, &b);
	ck_assert_int_eq(a.n, b.n);
	for (int i = 0; i < a.n; i++)
		ck_assert_msg(a.r[i].mean == b.r[i].mean ||
				      (isnan(a.r[i].mean) && isnan(b.r[i].mean)),
			      "%s differs", a.metric[i]);
}
END_TEST

#define BASE "name: x\nhorizon: 1 h\ninference:\n  - name: w\n"

/* Whole servers (data/servers.csv: DGX H100 and DGX A100 hold 8 GPUs):
 * 12 TP1 replicas fill ceil(12 / 8) = 2 servers leaving 4 GPUs idle;
 * 3 TP16 replicas span 6; the server names the accelerator. */
START_TEST(replicas_on_whole_servers)
{
	static dc_rows g;
	dc_test_run(dc_test_write(
		"name: s\nhorizon: 1 min\ninference:\n"
		"  - name: small\n    model: llama2_7b\n    server: dgx_a100\n"
		"    replicas: 12\n"
		"    arrivals: {kind: poisson, rate: 1 /s, prompt: 100, output: 10}\n"
		"  - name: big\n    model: llama2_70b\n    server: dgx_h100\n"
		"    replicas: 3\n    tensor_parallel: 16\n"
		"    perf: {link_bandwidth: 50 GB/s}\n" /* 400 Gb/s IB */
		"    arrivals: {kind: poisson, rate: 1 /s, prompt: 100, output: 10}\n"),
		NULL, 0, &g);
	ck_assert_double_eq(dc_test_row(&g, "llm.servers", "small")->mean, 2);
	ck_assert_double_eq(dc_test_row(&g, "llm.stranded_gpus", "small")->mean,
			    4);
	ck_assert_double_eq(dc_test_row(&g, "llm.servers", "big")->mean, 6);
	ck_assert_double_eq(dc_test_row(&g, "llm.stranded_gpus", "big")->mean,
			    0);
	/* the server chose the GPU: idle replicas draw the A100's 52 W and
	 * the H100's 75 W (physics.md 5.1) */
	ck_assert_double_eq_tol(dc_test_row(&g, "llm.gpu_power", "small")->min,
				12 * 0.052, 1e-9);
	ck_assert_double_eq_tol(dc_test_row(&g, "llm.gpu_power", "big")->min,
				48 * 0.075, 1e-9);
}
END_TEST

/* Overloaded to the end, iterations still run at the horizon: the
 * energies by phase and the busy share count them up to the horizon only
 * (idle energy, the rest of the replicas' energy, stays >= 0 and busy <=
 * 100 %), and the replicas' energy matches the GPU power level's
 * time-weighted mean. */
START_TEST(energy_conserved_at_the_horizon)
{
	static dc_rows g;
	dc_test_run(dc_test_write(
		"name: e\nhorizon: 1 min\ninference:\n"
		"  - name: w\n    model: llama2_7b\n    replicas: 3\n"
		"    arrivals: {kind: poisson, rate: 200 /s, prompt: 2000, output: 300}\n"),
		NULL, 0, &g);
	double kwh = dc_test_row(&g, "llm.energy_prefill", "w")->mean +
		     dc_test_row(&g, "llm.energy_decode", "w")->mean +
		     dc_test_row(&g, "llm.energy_idle", "w")->mean;
	double lvl = dc_test_row(&g, "llm.gpu_power", "w")->mean / 60;
	ck_assert_msg(REL(kwh, lvl, 1e-9), "%.12f vs %.12f kWh", kwh, lvl);
	ck_assert_msg(dc_test_row(&g, "llm.energy_idle", "w")->mean >= 0,
		      "negative idle energy");
	ck_assert_msg(dc_test_row(&g, "llm.busy_share", "w")->mean <= 100,
		      "busy %.12f %%", dc_test_row(&g, "llm.busy_share", "w")->mean);
}
END_TEST

START_TEST(bad_input)
{
	dc_test_rejects(BASE "    model: llama9\n", "unknown model 'llama9'");
	dc_test_rejects(BASE "    model: llama2_70b\n    tensor_parallel: 8\n",
			"cannot serve");
	dc_test_rejects(BASE "    model: llama2_7b\n    hall: nowhere\n",
			"no hall named 'nowhere'");
	dc_test_rejects(BASE "    model: llama2_7b\n    arrivals:\n"
			"      kind: poisson\n", "rate");
	dc_test_rejects(BASE "    model: llama2_7b\n    serving:\n"
			"      scheduler: eager\n", "serving.scheduler");
	dc_test_rejects(BASE "    model: llama2_7b\n    capacity:\n"
			"      tolerance: 80 %\n", "capacity.tolerance");
	dc_test_rejects(BASE "    model: llama2_7b\n    server: dgx_z\n",
			"cannot use server 'dgx_z'");
	dc_test_rejects(BASE "    model: llama2_7b\n    server: dgx_a100\n"
			"    accelerator: h100_sxm\n",
			"dgx_a100 holds a100_80gb, not the accelerator h100_sxm");
	dc_test_rejects(BASE "    model: llama2_7b\n    server: dgx_h100\n"
			"    tensor_parallel: 3\n",
			"TP 3 does not fit whole dgx_h100 servers of 8 GPUs");
	dc_test_rejects(BASE "    model: llama2_7b\n    capacity:\n"
			"      max_scheduling_delay: 2 GB\n",
			"capacity.max_scheduling_delay");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("inference");
	struct { const char *name; const TTest *t; } tc[] = {
		{"flywheel_vs_naive_on_the_azure_trace",
		 flywheel_vs_naive_on_the_azure_trace},
		{"hall_power_is_the_workloads", hall_power_is_the_workloads},
		{"hot_hall_slows_the_workload", hot_hall_slows_the_workload},
		{"hot_hall_slows_the_fluid_workload",
		 hot_hall_slows_the_fluid_workload},
		{"deterministic_per_seed", deterministic_per_seed},
		{"replica_scaling_is_linear", replica_scaling_is_linear},
		{"structured_output_repairs", structured_output_repairs},
		{"fluid_agrees_with_requests", fluid_agrees_with_requests},
		{"multi_lora_shared_vs_dedicated", multi_lora_shared_vs_dedicated},
		{"replicas_on_whole_servers", replicas_on_whole_servers},
		{"energy_conserved_at_the_horizon",
		 energy_conserved_at_the_horizon},
		{"bad_input", bad_input},
	};
	for (size_t i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		TCase *c = tcase_create(tc[i].name);
		tcase_set_timeout(c, 300);
		tcase_add_test(c, tc[i].t);
		suite_add_tcase(s, c);
	}
	return s;
}

int main(void)
{
	return dc_test_main(suite());
}
