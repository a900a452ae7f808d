/* check_lora.c - LoRA adapters (models/lora.c) and multi-adapter serving in
 * the engine (models/llm_engine.c) against llm.md §3.6's derived numbers,
 * the Zipf pmf (chi-square), a hand-worked LRU sequence, closed forms of
 * the swap stall and the adapter overhead, and unmerged vs dedicated
 * serving of 1,000 adapters.
 *
 * The base performance model is a closed form written here (the DistServe
 * shape of check_llm_engine.c, llm.md §2.2):
 *   T = A + B·Σq + G·Σq·(c+q) + D·n
 * with illustrative coefficients for a 7B model on one GPU (A ~ 13.5 GB of
 * weights read at ~3.35 TB/s plus launch overhead). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>

#include "../models/llm_engine.h"
#include "../models/lora.h"
#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "../sim/rng.h"
#include "util/run.h"

/* ---- fixtures ----------------------------------------------------------- */

/* Llama-2-7B: H 4096, ffn 11008, 32 heads (MHA), 32 layers (llm.md §3.1) */
static const dc_lora_shape LLAMA7B = {4096, 11008, 32, 32, 32, 1};
/* GPT-3 175B: H 12288, ffn 4H, 96 heads, 96 layers, ungated MLP */
static const dc_lora_shape GPT3 = {12288, 49152, 96, 96, 96, 0};
/* Llama-2-70B: H 8192, ffn 28672, 64 heads, 8 KV heads, 80 layers */
static const dc_lora_shape LLAMA70B = {8192, 28672, 64, 8, 80, 1};

/* H100 SXM: 3.35 TB/s, 989 TFLOP/s dense fp16 (llm.md §3.3); Llama-2-7B
 * weights 13.5 GB (llm.md §3.6) */
static const dc_lora_hw H100 = {2, 13.5e9, 3.35e12, 989e12};

#define PCIE_BPS 25e9 /* llm.md §3.6: ~25 GB/s host -> GPU */

static double tc_a = 5e-3, tc_b = 30e-6, tc_g = 1e-9, tc_d = 0.1e-3;

static int tcost(const void *ctx, size_t n, const int32_t *q,
		 const int32_t *c, double clock, dc_iter_out *o)
{
	(void)ctx;
	double lin = 0, att = 0;
	for (size_t i = 0; i < n; i++) {
		lin += q[i];
		att += (double)q[i] * ((double)c[i] + q[i]);
	}
	memset(o, 0, sizeof *o);
	o->compute_s = (tc_b * lin + tc_g * att) / clock;
	o->cpu_s = tc_a + tc_d * (double)n;
	o->time_s = o->compute_s + o->cpu_s;
	o->power_W = 700;
	o->energy_J = 700 * o->time_s;
	return DC_OK;
}

static dc_lora_cfg mklora(int mode, int64_t adapters, int64_t slots)
{
	static char qv[] = "q,v";
	dc_lora_cfg c;
	dc_err err = DC_ERR_INIT;
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(dc_params_defaults(&dc_lora_pset, &c, NULL, &err),
			 DC_OK);
	ck_assert_str_eq(c.targets, qv);
	dc_params_free(&dc_lora_pset, &c);  /* the table's defaults, with a
					       string the test owns */
	c.targets = qv;
	c.mode = mode;
	c.adapters = adapters;
	c.cache_adapters = slots;
	dc_err_free(&err);
	return c;
}

static dc_replica_cfg mkrep(int sched)
{
	dc_replica_cfg c;
	dc_replica_cfg_default(&c);
	c.scheduler = sched;
	c.kv_tokens = 1 << 16;
	return c;
}

static dc_replica_lora_ops mkops(const dc_lora_cfg *lc)
{
	dc_replica_lora_ops o = {
		.dedicated = lc->mode == DC_LORA_DEDICATED,
		.n_adapters = lc->adapters,
		.max_resident = lc->cache_adapters,
		.batch = dc_lora_gpu_batch,
		.swap = dc_lora_gpu_swap,
	};
	return o;
}

/* ---- geometry (llm.md §3.6 derived numbers) ----------------------------- */

static void geom_ok(const dc_lora_shape *m, int64_t r, const char *t,
		    dc_lora_geom *g)
{
	dc_err err = DC_ERR_INIT;
	unsigned mask;
	ck_assert_int_eq(dc_lora_targets_parse(t, &mask, &err), DC_OK);
	int rc = dc_lora_geometry(m, r, mask, 2, g, &err);
	ck_assert_msg(rc == DC_OK, "%s", dc_err_text(&err));
	dc_err_free(&err);
}

START_TEST(llama7b_r16_qv)
{
	dc_lora_geom g;
	geom_ok(&LLAMA7B, 16, "q,v", &g);
	/* exact: 16·(4096+4096) per matrix, 2 matrices, 32 layers */
	ck_assert_msg(g.params == 16.0 * 8192 * 2 * 32, "params %.0f",
		      g.params);
	ck_assert_msg(fabs(g.params / 8.39e6 - 1) < 0.01, "params %.4g vs "
		      "8.39 M", g.params);
	ck_assert_msg(fabs(g.bytes / 16.8e6 - 1) < 0.01, "bytes %.4g vs "
		      "16.8 MB", g.bytes);
	ck_assert_msg(g.flops_per_token == 2 * g.params, "flops %g",
		      g.flops_per_token);
	/* +0.13 %: two significant figures */
	ck_assert_msg(fabs(100 * g.flops_ratio - 0.13) <= 0.005,
		      "FLOPs ratio %.4f %% vs 0.13 %%", 100 * g.flops_ratio);
}
END_TEST

START_TEST(llama7b_r64_all)
{
	dc_lora_geom g;
	geom_ok(&LLAMA7B, 64, "all", &g);
	/* per layer: 4·64·8192 (attention) + 3·64·(4096+11008) (MLP) */
	double exact = 32.0 * (4 * 64 * 8192 + 3 * 64 * (4096 + 11008));
	ck_assert_msg(g.params == exact, "params %.0f vs %.0f", g.params,
		      exact);
	ck_assert_msg(fabs(g.params / 160e6 - 1) < 0.01, "params %.4g vs "
		      "160 M", g.params);
	ck_assert_msg(fabs(g.bytes / 320e6 - 1) < 0.01, "bytes %.4g vs "
		      "320 MB", g.bytes);
	dc_lora_geom h;
	geom_ok(&LLAMA7B, 64, "q,k,v,o,gate,up,down", &h);
	ck_assert(h.params == g.params);
}
END_TEST

START_TEST(gpt3_r4_qv)
{
	dc_lora_geom g;
	geom_ok(&GPT3, 4, "q,v", &g);
	ck_assert_msg(fabs(g.params / 18.9e6 - 1) < 0.01, "params %.4g vs "
		      "18.9 M", g.params);
	ck_assert_msg(fabs(g.bytes / 37.7e6 - 1) < 0.01, "bytes %.4g vs "
		      "37.7 MB", g.bytes);
	/* llm.md §3.6: checkpoint 350 GB -> 35 MB, ~10,000x */
	double ratio = 350e9 / g.bytes;
	ck_assert_msg(ratio > 8e3 && ratio < 1.2e4, "ratio %g", ratio);
}
END_TEST

START_TEST(gqa_kv_width)
{
	/* k on Llama-2-70B: d_out = 8 KV heads x 128 = 1024 */
	dc_lora_geom g;
	geom_ok(&LLAMA70B, 8, "k", &g);
	ck_assert_msg(g.params == 80.0 * 8 * (8192 + 1024), "params %.0f",
		      g.params);
	/* relative overhead of one matrix r(din+dout)/(din dout) (§3.6)
	   times its share of the base FLOPs */
	double base = 80.0 * (2.0 * 8192 * 8192 + 2.0 * 8192 * 1024 +
			      3.0 * 8192 * 28672);
	ck_assert_double_eq_tol(g.base_flops_per_token, 2 * base, 1);
}
END_TEST

START_TEST(targets_text)
{
	dc_err err = DC_ERR_INIT;
	unsigned m;
	char buf[64];
	ck_assert_int_eq(dc_lora_targets_parse(" q , v ", &m, &err), DC_OK);
	ck_assert_uint_eq(m, DC_LORA_Q | DC_LORA_V);
	ck_assert_int_eq(dc_lora_targets_parse("all", &m, &err), DC_OK);
	ck_assert_uint_eq(m, DC_LORA_ALL);
	ck_assert_int_eq(dc_lora_targets_parse("down,q,q", &m, &err), DC_OK);
	ck_assert_int_eq(dc_lora_targets_format(m, buf, sizeof buf), 6);
	ck_assert_str_eq(buf, "q,down");
	ck_assert_int_eq(dc_lora_targets_format(DC_LORA_ALL, buf, sizeof buf),
			 (int)strlen("q,k,v,o,gate,up,down"));
	ck_assert_int_eq(dc_lora_targets_format(DC_LORA_ALL, buf, 8),
			 DC_ERANGE);
	const char *bad[] = {"", "x", "q,,v", "q,", "qv", "Q"};
	for (size_t k = 0; k < DC_ARRAY_LEN(bad); k++) {
		ck_assert_msg(dc_lora_targets_parse(bad[k], &m, &err) ==
			      DC_EINVAL, "'%s' accepted", bad[k]);
		dc_err_free(&err);
	}
	ck_assert_int_eq(dc_lora_targets_format(0, buf, sizeof buf),
			 DC_EINVAL);
	ck_assert_int_eq(dc_lora_targets_format(1u << 9, buf, sizeof buf),
			 DC_EINVAL);
	dc_err_free(&err);
}
END_TEST

/* ---- swap stall --------------------------------------------------------- */

START_TEST(load_time_exact)
{
	dc_lora_geom g;
	geom_ok(&LLAMA7B, 16, "q,v", &g);
	double t;
	ck_assert_int_eq(dc_lora_load_time(g.bytes, PCIE_BPS, &t), DC_OK);
	ck_assert_msg(t == g.bytes / PCIE_BPS, "t %g", t);
	/* llm.md §3.6: 16.8 MB at ~25 GB/s ~ 0.7 ms */
	ck_assert_msg(fabs(t - 0.7e-3) < 0.05e-3, "adapter load %g ms",
		      1e3 * t);
	/* whole model 13.5 GB ~ 0.5 s from host memory */
	ck_assert_int_eq(dc_lora_load_time(13.5e9, PCIE_BPS, &t), DC_OK);
	ck_assert_msg(fabs(t - 0.54) < 1e-12, "model swap %g s", t);
	ck_assert_int_eq(dc_lora_load_time(-1, 1, &t), DC_EINVAL);
	ck_assert_int_eq(dc_lora_load_time(1, 0, &t), DC_EINVAL);
	ck_assert_int_eq(dc_lora_load_time(NAN, 1, &t), DC_EINVAL);
	ck_assert_int_eq(dc_lora_load_time(1, INFINITY, &t), DC_EINVAL);
	ck_assert_int_eq(dc_lora_load_time(1, 1, NULL), DC_EINVAL);

	/* each cache miss costs exactly bytes / bandwidth */
	dc_err err = DC_ERR_INIT;
	dc_lora_cache *c;
	ck_assert_int_eq(dc_lora_cache_new(10, 2, g.bytes, PCIE_BPS, &c, &err),
			 DC_OK);
	double l;
	ck_assert_int_eq(dc_lora_cache_use(c, 3, &l), 1);
	ck_assert_msg(l == g.bytes / PCIE_BPS, "miss %g", l);
	ck_assert_int_eq(dc_lora_cache_use(c, 3, &l), 0);
	ck_assert_msg(l == 0, "hit %g", l);
	dc_lora_cache_free(c);
	dc_err_free(&err);
}
END_TEST

/* ---- popularity --------------------------------------------------------- */

static void chi2_check(int kind, int64_t n, double s, uint32_t seed)
{
	dc_rng_setup();
	dc_err err = DC_ERR_INIT;
	dc_lora_pop *p;
	ck_assert_int_eq(dc_lora_pop_new(kind, n, s, &p, &err), DC_OK);
	/* the pmf written independently: 1/(k+1)^s normalised */
	double z = 0, sum = 0;
	for (int64_t k = 0; k < n; k++)
		z += kind == DC_LORA_POP_ZIPF ? pow((double)k + 1, -s) : 1;
	for (int64_t k = 0; k < n; k++) {
		double want = (kind == DC_LORA_POP_ZIPF ?
			       pow((double)k + 1, -s) : 1) / z;
		ck_assert_double_eq_tol(dc_lora_pop_pmf(p, k), want, 1e-15);
		sum += dc_lora_pop_pmf(p, k);
	}
	ck_assert_double_eq_tol(sum, 1, 1e-12);
	ck_assert(dc_lora_pop_pmf(p, -1) == 0 && dc_lora_pop_pmf(p, n) == 0);
	gsl_rng *rng = dc_rng_new(NULL, seed, 0, 7);
	ck_assert_ptr_nonnull(rng);
	const long draws = 200000;
	long *cnt = calloc((size_t)n, sizeof *cnt);
	for (long i = 0; i < draws; i++) {
		int64_t id = dc_lora_pop_sample(p, rng);
		ck_assert(id >= 0 && id < n);
		cnt[id]++;
	}
	double chi2 = 0;
	for (int64_t k = 0; k < n; k++) {
		double e = (double)draws * dc_lora_pop_pmf(p, k);
		chi2 += ((double)cnt[k] - e) * ((double)cnt[k] - e) / e;
	}
	double crit = gsl_cdf_chisq_Qinv(1e-3, (double)(n - 1));
	ck_assert_msg(chi2 < crit, "kind %d n %lld s %g: chi2 %.1f >= %.1f",
		      kind, (long long)n, s, chi2, crit);
	free(cnt);
	gsl_rng_free(rng);
	dc_lora_pop_free(p);
	dc_err_free(&err);
}

START_TEST(zipf_chi_square)
{
	chi2_check(DC_LORA_POP_ZIPF, 50, 1.0, 11);
	chi2_check(DC_LORA_POP_ZIPF, 20, 1.5, 12);
	chi2_check(DC_LORA_POP_ZIPF, 30, 0, 13);
	chi2_check(DC_LORA_POP_UNIFORM, 40, 0, 14);
}
END_TEST

/* ---- LRU ---------------------------------------------------------------- */

START_TEST(lru_hand_worked)
{
	/* 3 slots; uses 1 2 3 1 4 2 5 1 3:
	 *  1 m [1]  2 m [2 1]  3 m [3 2 1]  1 h [1 3 2]  4 m ev2 [4 1 3]
	 *  2 m ev3 [2 4 1]  5 m ev1 [5 2 4]  1 m ev4 [1 5 2]  3 m ev2 [3 1 5]
	 * -> 1 hit, 8 misses, 5 evictions, MRU order 3 1 5 */
	dc_err err = DC_ERR_INIT;
	dc_lora_cache *c;
	ck_assert_int_eq(dc_lora_cache_new(8, 3, 1e6, 1e9, &c, &err), DC_OK);
	const int64_t seq[] = {1, 2, 3, 1, 4, 2, 5, 1, 3};
	const int hit[] = {0, 0, 0, 1, 0, 0, 0, 0, 0};
	for (size_t k = 0; k < DC_ARRAY_LEN(seq); k++)
		ck_assert_msg(dc_lora_cache_use(c, seq[k], NULL) == !hit[k],
			      "use %zu (%lld)", k, (long long)seq[k]);
	dc_lora_cache_stats st;
	dc_lora_cache_stats_get(c, &st);
	ck_assert_msg(st.hits == 1 && st.misses == 8 && st.evictions == 5 &&
		      st.resident == 3, "hits %lld misses %lld ev %lld res %lld",
		      (long long)st.hits, (long long)st.misses,
		      (long long)st.evictions, (long long)st.resident);
	ck_assert_double_eq_tol(st.load_s, 8 * 1e6 / 1e9, 1e-15);
	int64_t ord[8];
	ck_assert_uint_eq(dc_lora_cache_order(c, ord, 8), 3);
	ck_assert(ord[0] == 3 && ord[1] == 1 && ord[2] == 5);
	for (int64_t id = 0; id < 8; id++)
		ck_assert_int_eq(dc_lora_cache_resident(c, id),
				 id == 1 || id == 3 || id == 5);
	ck_assert_int_eq(dc_lora_cache_use(c, 8, NULL), DC_EINVAL);
	ck_assert_int_eq(dc_lora_cache_use(c, -1, NULL), DC_EINVAL);
	dc_lora_cache_stats_get(c, &st);
	ck_assert_int_eq(st.misses, 8);
	dc_lora_cache_free(c);
	dc_err_free(&err);
}
END_TEST

/* ---- the engine: one request, closed forms ------------------------------ */

/* One replica with one request of adapter A; iteration times into T. */
static size_t lone_run(dc_lora_gpu *g, const dc_replica_lora_ops *ops,
		       int32_t prompt, int32_t out, int64_t a, double *t,
		       dc_iter_plan *plans)
{
	dc_err err = DC_ERR_INIT;
	dc_replica_cfg cfg = mkrep(DC_SCHED_FLYWHEEL);
	dc_replica *r;
	ck_assert_int_eq(dc_replica_new(&cfg, tcost, NULL, &r, &err), DC_OK);
	ck_assert_int_eq(dc_replica_set_lora(r, ops, g, &err), DC_OK);
	dc_req_spec s = {0, prompt, out};
	ck_assert_int_eq(dc_replica_add_adapter(r, 0, &s, a, 0, &err), DC_OK);
	double now = 0;
	size_t k = 0;
	for (;;) {
		dc_iter_plan p;
		int rc = dc_replica_begin(r, now, 1, &p, &err);
		ck_assert_msg(rc == DC_OK, "%s", dc_err_text(&err));
		if (!p.n)
			break;
		t[k] = p.duration_s;
		plans[k++] = p;
		now += p.duration_s;
		ck_assert_int_eq(dc_replica_end(r, now, NULL, &err), DC_OK);
		ck_assert_int_eq(dc_replica_check(r, &err), DC_OK);
	}
	dc_replica_stats st;
	dc_replica_stats_get(r, &st);
	ck_assert_int_eq(st.requests_done, 1);
	ck_assert_int_eq(st.adapters_served, a >= 0);
	dc_replica_free(r);
	dc_err_free(&err);
	return k;
}

START_TEST(engine_unmerged_closed_form)
{
	dc_err err = DC_ERR_INIT;
	dc_lora_cfg lc = mklora(DC_LORA_UNMERGED, 10, 4);
	dc_lora_gpu *g;
	ck_assert_int_eq(dc_lora_gpu_new(&lc, &LLAMA7B, &H100, &g, &err),
			 DC_OK);
	dc_replica_lora_ops ops = mkops(&lc);
	double t[16];
	dc_iter_plan p[16];
	size_t n = lone_run(g, &ops, 100, 3, 7, t, p);
	ck_assert_uint_eq(n, 3);
	/* written out: 16·8192·2·32 params, 2 B each, at 25 GB/s */
	double bytes = 16.0 * 8192 * 2 * 32 * 2;
	double load = bytes / PCIE_BPS;
	double fpt = 2 * 16.0 * 8192 * 2 * 32;
	double pre = tc_a + tc_b * 100 + tc_g * 100 * 100 + tc_d;
	double dec1 = tc_a + tc_b + tc_g * 101 + tc_d;
	double dec2 = tc_a + tc_b + tc_g * 102 + tc_d;
	double x_pre = bytes / 3.35e12 + 100 * fpt / 989e12;
	double x_dec = bytes / 3.35e12 + fpt / 989e12;
	ck_assert_msg(p[0].adapter_loads == 1 && p[0].adapter_load_s == load,
		      "first iteration: %d loads, %g s vs %g s",
		      (int)p[0].adapter_loads, p[0].adapter_load_s, load);
	ck_assert_msg(fabs(t[0] - (pre + load + x_pre)) < 1e-15,
		      "T0 %.12g vs %.12g", t[0], pre + load + x_pre);
	ck_assert_msg(p[1].adapter_loads == 0 && p[2].adapter_loads == 0,
		      "resident adapter reloaded");
	ck_assert_msg(fabs(t[1] - (dec1 + x_dec)) < 1e-15 &&
		      fabs(t[2] - (dec2 + x_dec)) < 1e-15,
		      "decodes %.12g %.12g", t[1], t[2]);
	ck_assert_int_eq(p[0].adapters, 1);
	ck_assert_double_eq_tol(p[0].cost.energy_J, 700 * t[0], 1e-9);
	/* the base model: no adapter time at all */
	n = lone_run(g, &ops, 100, 2, -1, t, p);
	ck_assert_msg(n == 2 && fabs(t[0] - pre) < 1e-15 &&
		      fabs(t[1] - dec1) < 1e-15, "base %.12g %.12g", t[0],
		      t[1]);
	dc_lora_gpu_stats gs;
	dc_lora_gpu_stats_get(g, &gs);
	ck_assert_int_eq(gs.cache.misses, 1);
	ck_assert_int_eq(gs.batches, 3);
	dc_lora_gpu_free(g);
	dc_err_free(&err);
}
END_TEST

START_TEST(engine_dedicated_closed_form)
{
	dc_err err = DC_ERR_INIT;
	dc_lora_cfg lc = mklora(DC_LORA_DEDICATED, 10, 4);
	dc_lora_gpu *g;
	ck_assert_int_eq(dc_lora_gpu_new(&lc, &LLAMA7B, &H100, &g, &err),
			 DC_OK);
	/* default: 13.5 GB of weights at 25 GB/s */
	ck_assert_double_eq_tol(dc_lora_gpu_swap_time(g), 13.5e9 / PCIE_BPS,
				1e-15);
	dc_replica_lora_ops ops = mkops(&lc);
	double t[16];
	dc_iter_plan p[16];
	size_t n = lone_run(g, &ops, 100, 2, 3, t, p);
	double pre = tc_a + tc_b * 100 + tc_g * 100 * 100 + tc_d;
	double dec1 = tc_a + tc_b + tc_g * 101 + tc_d;
	ck_assert_uint_eq(n, 2);
	ck_assert_msg(fabs(t[0] - (pre + 0.54)) < 1e-15 &&
		      p[0].adapter_loads == 1 && p[0].adapter_load_s == 0.54,
		      "switch iteration %.12g vs %.12g", t[0], pre + 0.54);
	ck_assert_msg(fabs(t[1] - dec1) < 1e-15 && p[1].adapter_extra_s == 0 &&
		      p[1].adapter_loads == 0,
		      "merged decode %.12g vs %.12g", t[1], dec1);
	/* model_swap given explicitly */
	dc_lora_gpu_free(g);
	lc.model_swap_s = 60;  /* seed: ~1 min to switch full models */
	ck_assert_int_eq(dc_lora_gpu_new(&lc, &LLAMA7B, &H100, &g, &err),
			 DC_OK);
	n = lone_run(g, &ops, 100, 2, 3, t, p);
	ck_assert_msg(fabs(t[0] - (pre + 60)) < 1e-12, "T0 %.12g", t[0]);
	dc_lora_gpu_free(g);
	dc_err_free(&err);
}
END_TEST

/* Dedicated gated polling: A(1) B(2) C(1) D(1, after the switch).  The
 * visit to adapter 1 takes A and C (waiting at the switch), not D while B
 * waits; then B; then D. */
START_TEST(dedicated_switching_rule)
{
	dc_err err = DC_ERR_INIT;
	dc_lora_cfg lc = mklora(DC_LORA_DEDICATED, 4, 4);
	lc.model_swap_s = 1;
	dc_lora_gpu *g;
	ck_assert_int_eq(dc_lora_gpu_new(&lc, &LLAMA7B, &H100, &g, &err),
			 DC_OK);
	dc_replica_lora_ops ops = mkops(&lc);
	dc_replica_cfg cfg = mkrep(DC_SCHED_FLYWHEEL);
	dc_replica *r;
	ck_assert_int_eq(dc_replica_new(&cfg, tcost, NULL, &r, &err), DC_OK);
	ck_assert_int_eq(dc_replica_set_lora(r, &ops, g, &err), DC_OK);
	ck_assert_int_eq(dc_replica_adapter(r), -1);
	dc_req_spec s = {0, 10, 2};
	const int64_t ad[] = {1, 2, 1};
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(dc_replica_add_adapter(r, i, &s, ad[i], 0,
							&err), DC_OK);
	dc_iter_plan p;
	ck_assert_int_eq(dc_replica_begin(r, 0, 1, &p, &err), DC_OK);
	ck_assert_msg(p.n == 2 && p.adapter_loads == 1 &&
		      dc_replica_adapter(r) == 1, "first batch n %zu loads %d "
		      "adapter %lld", p.n, (int)p.adapter_loads,
		      (long long)dc_replica_adapter(r));
	double now = p.duration_s;
	s.t_arrival_s = 0.5;
	ck_assert_int_eq(dc_replica_add_adapter(r, 3, &s, 1, 0.5, &err),
			 DC_OK);
	ck_assert_int_eq(dc_replica_end(r, now, NULL, &err), DC_OK);
	/* decode of A and C; D (adapter 1, after the gate) must wait */
	ck_assert_int_eq(dc_replica_begin(r, now, 1, &p, &err), DC_OK);
	ck_assert_msg(p.n == 2 && p.adapter_loads == 0, "n %zu", p.n);
	now += p.duration_s;
	ck_assert_int_eq(dc_replica_end(r, now, NULL, &err), DC_OK);
	ck_assert_uint_eq(dc_replica_running(r), 0);
	/* switch to B (oldest waiting) */
	ck_assert_int_eq(dc_replica_begin(r, now, 1, &p, &err), DC_OK);
	ck_assert_msg(p.n == 1 && p.adapter_loads == 1 &&
		      dc_replica_adapter(r) == 2, "B: n %zu adapter %lld",
		      p.n, (long long)dc_replica_adapter(r));
	ck_assert_double_eq_tol(p.adapter_load_s, 1, 1e-15);
	int64_t loads = 2;
	while (dc_replica_outstanding(r)) {
		now += p.duration_s;
		ck_assert_int_eq(dc_replica_end(r, now, NULL, &err), DC_OK);
		ck_assert_int_eq(dc_replica_check(r, &err), DC_OK);
		ck_assert_int_eq(dc_replica_begin(r, now, 1, &p, &err), DC_OK);
		loads += p.adapter_loads;
	}
	ck_assert_int_eq(loads, 3);  /* -1 -> 1 -> 2 -> 1 */
	ck_assert_int_eq(dc_replica_adapter(r), 1);
	dc_replica_stats st;
	dc_replica_stats_get(r, &st);
	ck_assert_int_eq(st.adapter_loads, 3);
	ck_assert_int_eq(st.adapters_served, 2);
	ck_assert_double_eq_tol(st.adapter_load_s, 3, 1e-12);
	dc_replica_free(r);
	dc_lora_gpu_free(g);
	dc_err_free(&err);
}
END_TEST

/* Unmerged: with 2 slots, a third adapter waits until one drains. */
START_TEST(unmerged_slots_limit_batch)
{
	dc_err err = DC_ERR_INIT;
	dc_lora_cfg lc = mklora(DC_LORA_UNMERGED, 5, 2);
	dc_lora_gpu *g;
	ck_assert_int_eq(dc_lora_gpu_new(&lc, &LLAMA7B, &H100, &g, &err),
			 DC_OK);
	dc_replica_lora_ops ops = mkops(&lc);
	dc_replica_cfg cfg = mkrep(DC_SCHED_FLYWHEEL);
	dc_replica *r;
	ck_assert_int_eq(dc_replica_new(&cfg, tcost, NULL, &r, &err), DC_OK);
	ck_assert_int_eq(dc_replica_set_lora(r, &ops, g, &err), DC_OK);
	const int64_t ad[] = {0, 1, 0, -1, 2};
	for (int i = 0; i < 5; i++) {
		dc_req_spec s = {0, 8, i == 0 ? 1 : 3};
		ck_assert_int_eq(dc_replica_add_adapter(r, i, &s, ad[i], 0,
							&err), DC_OK);
	}
	dc_iter_plan p;
	ck_assert_int_eq(dc_replica_begin(r, 0, 1, &p, &err), DC_OK);
	/* 0, 1, 0 and the base request; adapter 2 blocks the queue */
	ck_assert_msg(p.n == 4 && p.adapters == 2 && p.adapter_loads == 2,
		      "n %zu adapters %d loads %d", p.n, (int)p.adapters,
		      (int)p.adapter_loads);
	ck_assert_int_eq(dc_replica_check(r, &err), DC_OK);
	double now = p.duration_s;
	ck_assert_int_eq(dc_replica_end(r, now, NULL, &err), DC_OK);
	/* request 0 (adapter 0) is done but request 2 keeps adapter 0 busy */
	ck_assert_int_eq(dc_replica_begin(r, now, 1, &p, &err), DC_OK);
	ck_assert_msg(p.n == 3 && dc_replica_waiting(r) == 1, "n %zu", p.n);
	int64_t loads = 2;
	while (dc_replica_outstanding(r)) {
		now += p.duration_s;
		ck_assert_int_eq(dc_replica_end(r, now, NULL, &err), DC_OK);
		ck_assert_int_eq(dc_replica_begin(r, now, 1, &p, &err), DC_OK);
		ck_assert_msg(p.adapters <= 2, "%d adapters", (int)p.adapters);
		loads += p.adapter_loads;
		ck_assert_int_eq(dc_replica_check(r, &err), DC_OK);
	}
	ck_assert_int_eq(loads, 3);
	dc_lora_gpu_stats gs;
	dc_lora_gpu_stats_get(g, &gs);
	ck_assert_int_eq(gs.cache.evictions, 1);
	dc_replica_free(r);
	dc_lora_gpu_free(g);
	dc_err_free(&err);
}
END_TEST

/* ---- 1,000 adapters: unmerged vs dedicated ------------------------------- */

#define N_ADAPT 1000
#define N_REP 4
#define N_REQ 2000

typedef struct mix {
	dc_req_spec *reqs;
	int64_t *adapter;
} mix;

/* Poisson arrivals at RATE, adapters over N_ADAPT by popularity KIND
 * (Zipf s = 1), prompt 64-512, output 16-128, all from one dc_rng
 * stream. */
static mix mkmix(int kind, double rate, uint32_t seed)
{
	dc_rng_setup();
	mix m = {calloc(N_REQ, sizeof *m.reqs), calloc(N_REQ, sizeof *m.adapter)};
	dc_err err = DC_ERR_INIT;
	dc_lora_pop *pop;
	ck_assert_int_eq(dc_lora_pop_new(kind, N_ADAPT, 1.0, &pop, &err),
			 DC_OK);
	gsl_rng *rng = dc_rng_new(NULL, seed, 0, 1);
	double t = 0;
	for (size_t i = 0; i < N_REQ; i++) {
		t += -log(1 - gsl_rng_uniform(rng)) / rate;
		m.reqs[i].t_arrival_s = t;
		m.reqs[i].prompt = 64 + (int32_t)gsl_rng_uniform_int(rng, 449);
		m.reqs[i].output = 16 + (int32_t)gsl_rng_uniform_int(rng, 113);
		m.adapter[i] = dc_lora_pop_sample(pop, rng);
	}
	gsl_rng_free(rng);
	dc_lora_pop_free(pop);
	dc_err_free(&err);
	return m;
}

static void mix_free(mix *m)
{
	free(m->reqs);
	free(m->adapter);
}

typedef struct outcome {
	double mean_e2e, stall_s;
	int64_t stalls, served[N_REP];
} outcome;

static outcome serve(int mode, const mix *m, dc_llm_result *res)
{
	dc_err err = DC_ERR_INIT;
	dc_lora_cfg lc = mklora(mode, N_ADAPT, 64);
	dc_lora_gpu *g[N_REP];
	for (int k = 0; k < N_REP; k++)
		ck_assert_int_eq(dc_lora_gpu_new(&lc, &LLAMA7B, &H100, &g[k],
						 &err), DC_OK);
	dc_replica_lora_ops ops = mkops(&lc);
	dc_replica_cfg cfg = mkrep(DC_SCHED_FLYWHEEL);
	dc_router rt = {DC_ROUTE_ROUND_ROBIN};
	dc_llm_simple_opt o = {.check = 1, .lora = &ops,
			       .lora_ctx = (void *const *)g,
			       .adapter_of = m->adapter};
	int rc = dc_llm_run_simple(&cfg, tcost, NULL, N_REP, &rt, m->reqs,
				   N_REQ, &o, res, &err);
	ck_assert_msg(rc == DC_OK, "%s", dc_err_text(&err));
	outcome out = {0};
	for (size_t i = 0; i < N_REQ; i++) {
		ck_assert_msg(res->recs[i].emitted == m->reqs[i].output &&
			      res->recs[i].output == m->reqs[i].output,
			      "request %zu: %d of %d tokens", i,
			      (int)res->recs[i].emitted,
			      (int)m->reqs[i].output);
		out.mean_e2e += res->recs[i].e2e / N_REQ;
	}
	out.stalls = res->total.adapter_loads;
	out.stall_s = res->total.adapter_load_s;
	int64_t gl = 0;
	for (int k = 0; k < N_REP; k++) {
		out.served[k] = res->reps[k].adapters_served;
		dc_lora_gpu_stats gs;
		dc_lora_gpu_stats_get(g[k], &gs);
		gl += mode == DC_LORA_DEDICATED ? gs.swaps : gs.cache.misses;
		dc_lora_gpu_free(g[k]);
	}
	ck_assert_int_eq(gl, out.stalls);  /* engine and hook agree */
	int64_t want = 0;
	for (size_t i = 0; i < N_REQ; i++)
		want += m->reqs[i].output;
	ck_assert_int_eq(res->total.tokens_out, want);
	ck_assert_int_eq(res->total.requests_done, N_REQ);
	dc_err_free(&err);
	return out;
}

/* Both modes on the same requests; prints the comparison.  Unmerged must
 * stall for less than 1 % of dedicated's stall time, with a mean E2E at
 * most half of dedicated's; with a skewed (Zipf) popularity it must also
 * stall fewer times (cache hits on popular adapters). */
static void compare(int kind, const char *name)
{
	mix m = mkmix(kind, 4.0, 2024);
	dc_llm_result ru, rd;
	outcome u = serve(DC_LORA_UNMERGED, &m, &ru);
	outcome d = serve(DC_LORA_DEDICATED, &m, &rd);
	int64_t distinct = 0;
	char *seen = calloc(N_ADAPT, 1);
	for (size_t i = 0; i < N_REQ; i++)
		distinct += !seen[m.adapter[i]]++;
	free(seen);
	printf("lora %s over %d adapters, %d requests at 4/s (%lld distinct "
	       "adapters), %d replicas, 64 slots, 0.54 s model swap:\n", name,
	       N_ADAPT, N_REQ, (long long)distinct, N_REP);
	printf("  unmerged : stalls %lld (%.3f s), mean E2E %.3f s, adapters "
	       "served/replica %lld %lld %lld %lld\n", (long long)u.stalls,
	       u.stall_s, u.mean_e2e, (long long)u.served[0],
	       (long long)u.served[1], (long long)u.served[2],
	       (long long)u.served[3]);
	printf("  dedicated: stalls %lld (%.3f s), mean E2E %.3f s, adapters "
	       "served/replica %lld %lld %lld %lld\n", (long long)d.stalls,
	       d.stall_s, d.mean_e2e, (long long)d.served[0],
	       (long long)d.served[1], (long long)d.served[2],
	       (long long)d.served[3]);
	if (kind == DC_LORA_POP_ZIPF)
		ck_assert_msg(u.stalls < d.stalls, "stalls %lld vs %lld",
			      (long long)u.stalls, (long long)d.stalls);
	ck_assert_msg(u.stall_s * 100 < d.stall_s, "stall time %g vs %g",
		      u.stall_s, d.stall_s);
	ck_assert_msg(u.mean_e2e * 2 < d.mean_e2e, "E2E %g vs %g", u.mean_e2e,
		      d.mean_e2e);
	int64_t su = 0, sd = 0;
	for (int k = 0; k < N_REP; k++)
		su += u.served[k], sd += d.served[k];
	/* every distinct adapter is served somewhere */
	ck_assert_msg(su >= distinct && sd >= distinct, "served %lld %lld of "
		      "%lld", (long long)su, (long long)sd, (long long)distinct);
	dc_llm_result_free(&ru);
	dc_llm_result_free(&rd);
	mix_free(&m);
}

START_TEST(unmerged_vs_dedicated_zipf)
{
	compare(DC_LORA_POP_ZIPF, "Zipf(1)");
}
END_TEST

START_TEST(unmerged_vs_dedicated_uniform)
{
	compare(DC_LORA_POP_UNIFORM, "uniform");
}
END_TEST

START_TEST(deterministic)
{
	mix m = mkmix(DC_LORA_POP_ZIPF, 6.0, 77);
	for (int mode = 0; mode < 2; mode++) {
		dc_llm_result a, b;
		serve(mode, &m, &a);
		serve(mode, &m, &b);
		for (size_t i = 0; i < N_REQ; i++)
			ck_assert_msg(memcmp(&a.recs[i], &b.recs[i],
					     sizeof a.recs[i]) == 0,
				      "mode %d request %zu differs", mode, i);
		ck_assert(memcmp(&a.total, &b.total, sizeof a.total) == 0);
		dc_llm_result_free(&a);
		dc_llm_result_free(&b);
	}
	mix_free(&m);
}
END_TEST

/* ---- parameters and bad input ------------------------------------------- */

START_TEST(param_table)
{
	dc_lora_cfg c;
	dc_err err = DC_ERR_INIT;
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(dc_params_defaults(&dc_lora_pset, &c, NULL, &err),
			 DC_OK);
	ck_assert_int_eq(c.adapters, 100);
	ck_assert_int_eq(c.rank, 16);
	ck_assert_str_eq(c.targets, "q,v");
	ck_assert_int_eq(c.popularity, DC_LORA_POP_UNIFORM);
	ck_assert_double_eq(c.zipf_s, 1);
	ck_assert_int_eq(c.cache_adapters, 64);
	ck_assert_double_eq_tol(c.host_bandwidth, 25e9 * 8, 1);  /* bit/s */
	ck_assert_int_eq(c.mode, DC_LORA_UNMERGED);
	ck_assert_double_eq(c.model_swap_s, 0);
	ck_assert_int_eq(dc_lora_cfg_check(&c, &err), DC_OK);
	ck_assert_int_eq(dc_params_set(&dc_lora_pset, "lora", "mode",
				       "dedicated", &c, NULL, &err), DC_OK);
	ck_assert_int_eq(c.mode, DC_LORA_DEDICATED);
	ck_assert_int_eq(dc_params_set(&dc_lora_pset, "lora", "model_swap",
				       "1 min", &c, NULL, &err), DC_OK);
	ck_assert_double_eq_tol(c.model_swap_s, 60, 1e-9);
	ck_assert_int_eq(dc_params_set(&dc_lora_pset, "lora", "popularity",
				       "pareto", &c, NULL, &err), DC_EINVAL);
	ck_assert_int_eq(dc_params_set(&dc_lora_pset, "lora", "targets",
				       "q,x", &c, NULL, &err), DC_OK);
	dc_err_free(&err);
	ck_assert_int_eq(dc_lora_cfg_check(&c, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "lora.targets"), "%s",
		      dc_err_text(&err));
	dc_params_free(&dc_lora_pset, &c);
	dc_err_free(&err);
}
END_TEST

START_TEST(bad_input_lora)
{
	dc_err err = DC_ERR_INIT;
	dc_lora_geom g;
	dc_lora_shape s = LLAMA7B;
	unsigned qv = DC_LORA_Q | DC_LORA_V;
	s.heads = 3;  /* does not divide 4096 */
	ck_assert_int_eq(dc_lora_geometry(&s, 16, qv, 2, &g, &err), DC_EINVAL);
	s = LLAMA7B, s.kv_heads = 5;
	ck_assert_int_eq(dc_lora_geometry(&s, 16, qv, 2, &g, &err), DC_EINVAL);
	s = LLAMA7B, s.layers = 0;
	ck_assert_int_eq(dc_lora_geometry(&s, 16, qv, 2, &g, &err), DC_EINVAL);
	ck_assert_int_eq(dc_lora_geometry(&LLAMA7B, 0, qv, 2, &g, &err),
			 DC_EINVAL);
	ck_assert_int_eq(dc_lora_geometry(&LLAMA7B, 16, 0, 2, &g, &err),
			 DC_EINVAL);
	ck_assert_int_eq(dc_lora_geometry(&LLAMA7B, 16, 1u << 8, 2, &g, &err),
			 DC_EINVAL);
	ck_assert_int_eq(dc_lora_geometry(&GPT3, 4, DC_LORA_GATE, 2, &g, &err),
			 DC_EINVAL);
	ck_assert_int_eq(dc_lora_geometry(&LLAMA7B, 16, qv, 0, &g, &err),
			 DC_EINVAL);
	ck_assert_int_eq(dc_lora_geometry(NULL, 16, qv, 2, &g, &err),
			 DC_EINVAL);
	dc_lora_pop *p = (dc_lora_pop *)&err;
	ck_assert_int_eq(dc_lora_pop_new(DC_LORA_POP_ZIPF, 0, 1, &p, &err),
			 DC_EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(dc_lora_pop_new(DC_LORA_POP_ZIPF, 5, -1, &p, &err),
			 DC_EINVAL);
	ck_assert_int_eq(dc_lora_pop_new(DC_LORA_POP_ZIPF, 5, NAN, &p, &err),
			 DC_EINVAL);
	ck_assert_int_eq(dc_lora_pop_new(7, 5, 1, &p, &err), DC_EINVAL);
	dc_lora_cache *c = (dc_lora_cache *)&err;
	ck_assert_int_eq(dc_lora_cache_new(0, 1, 1, 1, &c, &err), DC_EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(dc_lora_cache_new(4, 0, 1, 1, &c, &err), DC_EINVAL);
	ck_assert_int_eq(dc_lora_cache_new(4, 1, 1, 0, &c, &err), DC_EINVAL);
	ck_assert_int_eq(dc_lora_cache_new(4, 1, -1, 1, &c, &err), DC_EINVAL);
	dc_lora_cfg lc = mklora(DC_LORA_UNMERGED, 4, 2);
	dc_lora_gpu *gp;
	dc_lora_hw hw = H100;
	hw.hbm_bw = 0;
	ck_assert_int_eq(dc_lora_gpu_new(&lc, &LLAMA7B, &hw, &gp, &err),
			 DC_EINVAL);
	lc.cache_adapters = 0;
	ck_assert_int_eq(dc_lora_gpu_new(&lc, &LLAMA7B, &H100, &gp, &err),
			 DC_EINVAL);
	lc.cache_adapters = 2;
	ck_assert_int_eq(dc_lora_gpu_new(&lc, &LLAMA7B, &H100, &gp, &err),
			 DC_OK);
	int64_t ids[3] = {0, 1, 2}, tok[3] = {1, 1, 1}, loads;
	double l, x;
	ck_assert_int_eq(dc_lora_gpu_batch(gp, 3, ids, tok, 1, &l, &loads, &x),
			 DC_EINVAL);  /* over the 2 slots */
	ids[1] = 0;
	ck_assert_int_eq(dc_lora_gpu_batch(gp, 2, ids, tok, 1, &l, &loads, &x),
			 DC_EINVAL);  /* repeated */
	ids[1] = 4;
	ck_assert_int_eq(dc_lora_gpu_batch(gp, 2, ids, tok, 1, &l, &loads, &x),
			 DC_EINVAL);  /* out of range */
	ids[1] = 1;
	ck_assert_int_eq(dc_lora_gpu_batch(gp, 2, ids, tok, 0, &l, &loads, &x),
			 DC_EINVAL);  /* clock */
	ck_assert_int_eq(dc_lora_gpu_batch(gp, 2, ids, tok, 1, &l, &loads, &x),
			 DC_OK);
	ck_assert_int_eq(loads, 2);
	ck_assert_int_eq(dc_lora_gpu_swap(gp, -2, 0, &l), DC_EINVAL);
	ck_assert_int_eq(dc_lora_gpu_swap(gp, 0, 4, &l), DC_EINVAL);
	ck_assert_int_eq(dc_lora_gpu_swap(gp, 2, 2, &l), DC_OK);
	ck_assert(l == 0);
	dc_lora_gpu_free(gp);
	dc_lora_pop_free(NULL);
	dc_lora_cache_free(NULL);
	dc_lora_gpu_free(NULL);
	dc_err_free(&err);
}
END_TEST

static int fail_batch(void *ctx, size_t n, const int64_t *ids,
		      const int64_t *tokens, double clock, double *load_s,
		      int64_t *loads, double *extra_s)
{
	(void)ctx, (void)n, (void)ids, (void)tokens, (void)clock;
	(void)load_s, (void)loads, (void)extra_s;
	return DC_EIO;
}

static int nan_batch(void *ctx, size_t n, const int64_t *ids,
		     const int64_t *tokens, double clock, double *load_s,
		     int64_t *loads, double *extra_s)
{
	(void)ctx, (void)n, (void)ids, (void)tokens, (void)clock;
	*load_s = NAN, *loads = 1, *extra_s = 0;
	return DC_OK;
}

START_TEST(bad_input_engine)
{
	dc_err err = DC_ERR_INIT;
	dc_replica_cfg cfg = mkrep(DC_SCHED_NAIVE);
	dc_replica *r;
	dc_req_spec s = {0, 8, 2};
	ck_assert_int_eq(dc_replica_new(&cfg, tcost, NULL, &r, &err), DC_OK);
	/* without a hook only the base model */
	ck_assert_int_eq(dc_replica_add_adapter(r, 0, &s, 0, 0, &err),
			 DC_EINVAL);
	dc_replica_lora_ops ops = {.n_adapters = 4, .max_resident = 2};
	ck_assert_int_eq(dc_replica_set_lora(r, &ops, NULL, &err), DC_EINVAL);
	ops.batch = fail_batch;
	ops.max_resident = 0;
	ck_assert_int_eq(dc_replica_set_lora(r, &ops, NULL, &err), DC_EINVAL);
	ops.max_resident = 2, ops.n_adapters = 0;
	ck_assert_int_eq(dc_replica_set_lora(r, &ops, NULL, &err), DC_EINVAL);
	ops.n_adapters = 4, ops.dedicated = 1;  /* no swap function */
	ck_assert_int_eq(dc_replica_set_lora(r, &ops, NULL, &err), DC_EINVAL);
	ops.dedicated = 0;
	ck_assert_int_eq(dc_replica_set_lora(r, NULL, NULL, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_set_lora(r, &ops, NULL, &err), DC_OK);
	ck_assert_int_eq(dc_replica_set_lora(r, &ops, NULL, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_add_adapter(r, 0, &s, 4, 0, &err),
			 DC_EINVAL);
	ck_assert_int_eq(dc_replica_add_adapter(r, 0, &s, -2, 0, &err),
			 DC_EINVAL);
	ck_assert_int_eq(dc_replica_added(r), 0);
	ck_assert_int_eq(dc_replica_add_adapter(r, 0, &s, 3, 0, &err), DC_OK);
	/* a failing hook rolls the admission back */
	dc_iter_plan p;
	ck_assert_int_eq(dc_replica_begin(r, 0, 1, &p, &err), DC_EIO);
	ck_assert_msg(!dc_replica_busy(r) && dc_replica_waiting(r) == 1 &&
		      dc_replica_running(r) == 0, "not rolled back");
	ck_assert_int_eq(dc_replica_check(r, &err), DC_OK);
	dc_replica_free(r);
	/* a hook giving a non-finite time */
	ops.batch = nan_batch;
	ck_assert_int_eq(dc_replica_new(&cfg, tcost, NULL, &r, &err), DC_OK);
	ck_assert_int_eq(dc_replica_set_lora(r, &ops, NULL, &err), DC_OK);
	ck_assert_int_eq(dc_replica_add_adapter(r, 0, &s, 1, 0, &err), DC_OK);
	ck_assert_int_eq(dc_replica_begin(r, 0, 1, &p, &err), DC_ERANGE);
	ck_assert_int_eq(dc_replica_check(r, &err), DC_OK);
	/* setting a hook after requests */
	ck_assert_int_eq(dc_replica_set_lora(r, &ops, NULL, &err), DC_EINVAL);
	dc_replica_free(r);
	/* the driver: adapters without a hook */
	dc_router rt = {DC_ROUTE_ROUND_ROBIN};
	int64_t a = 0;
	dc_llm_simple_opt o = {.adapter_of = &a};
	dc_llm_result res;
	ck_assert_int_eq(dc_llm_run_simple(&cfg, tcost, NULL, 1, &rt, &s, 1,
					   &o, &res, &err), DC_EINVAL);
	ck_assert_ptr_null(res.recs);
	dc_err_free(&err);
}
END_TEST

/* Allocation failures in dc_replica_set_lora and the lora objects leave
 * nothing behind (run under valgrind / ASan). */
START_TEST(allocation_failures)
{
	dc_err err = DC_ERR_INIT;
	dc_lora_cfg lc = mklora(DC_LORA_UNMERGED, 50, 8);
	int ok = 0;
	for (long n = 0; n < 40 && !ok; n++) {
		dc_replica_cfg cfg = mkrep(DC_SCHED_FLYWHEEL);
		dc_replica *r = NULL;
		dc_lora_gpu *g = NULL;
		dc_lora_pop *p = NULL;
		dc_alloc_fail_after(n);
		int rc = dc_lora_gpu_new(&lc, &LLAMA7B, &H100, &g, &err);
		if (!rc)
			rc = dc_lora_pop_new(DC_LORA_POP_ZIPF, 50, 1, &p, &err);
		if (!rc)
			rc = dc_replica_new(&cfg, tcost, NULL, &r, &err);
		dc_replica_lora_ops ops = mkops(&lc);
		if (!rc)
			rc = dc_replica_set_lora(r, &ops, g, &err);
		dc_alloc_fail_after(-1);
		ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM, "rc %d", rc);
		ok = rc == DC_OK;
		dc_replica_free(r);
		dc_lora_pop_free(p);
		dc_lora_gpu_free(g);
		dc_err_free(&err);
	}
	ck_assert_msg(ok, "never succeeded");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("lora");
	struct { const char *name; const TTest *t; } tc[] = {
		{"llama7b_r16_qv", llama7b_r16_qv},
		{"llama7b_r64_all", llama7b_r64_all},
		{"gpt3_r4_qv", gpt3_r4_qv},
		{"gqa", gqa_kv_width},
		{"targets", targets_text},
		{"load_time", load_time_exact},
		{"zipf_chi2", zipf_chi_square},
		{"lru", lru_hand_worked},
		{"engine_unmerged", engine_unmerged_closed_form},
		{"engine_dedicated", engine_dedicated_closed_form},
		{"dedicated_rule", dedicated_switching_rule},
		{"unmerged_slots", unmerged_slots_limit_batch},
		{"vs_dedicated_zipf", unmerged_vs_dedicated_zipf},
		{"vs_dedicated_uniform", unmerged_vs_dedicated_uniform},
		{"determinism", deterministic},
		{"params", param_table},
		{"bad_input_lora", bad_input_lora},
		{"bad_input_engine", bad_input_engine},
		{"alloc_failures", allocation_failures},
	};
	for (size_t k = 0; k < DC_ARRAY_LEN(tc); k++) {
		TCase *c = tcase_create(tc[k].name);
		tcase_set_timeout(c, 120);
		tcase_add_test(c, tc[k].t);
		suite_add_tcase(s, c);
	}
	return s;
}

int main(void)
{
	return dc_test_main(suite());
}
