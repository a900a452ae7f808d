/* check_llm_perf.c - the LLM catalogs and performance model against
 * shared/reference/llm.md: V1, V2 (exact), V3 (Vidur A100 linear ops), V7,
 * V8 (Splitwise times and power-cap ratios), the derived FLOP counts of
 * llm.md 3.3, the batch-1 decode bound, clock scaling, monotonicity,
 * conservation of the time split, and bad inputs.  Run from the repo root. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../models/llm_perf.h"
#include "../sim/alloc.h"
#include "../sim/rng.h"
#include "util/run.h"

#define MODELS "data/llm_models.csv"
#define ACCELS "data/accelerators.csv"
#define SERVERS "data/servers.csv"
#define VIDUR7 "data/calibration/vidur/a100_llama2_7b_mlp.csv"
#define VIDUR70 "data/calibration/vidur/a100_llama2_70b_mlp.csv"
#define SPLITWISE "data/calibration/splitwise/perf_model.csv"

/* TP link bandwidth for tests at TP > 1: the catalogs have no NVLink
 * figure (not in llm.md/physics.md).  450 GB/s per direction is an input
 * assumption of these tests only; at decode its term is < 1 % of the time. */
#define TEST_LINK_BW_BIT (450e9 * 8)

static dc_table *load(const char *path)
{
	dc_err err = DC_ERR_INIT;
	dc_table *t = NULL;
	int rc = dc_table_load(path, &t, &err);
	ck_assert_msg(rc == DC_OK, "load %s: %s", path, dc_err_text(&err));
	dc_err_free(&err);
	return t;
}

static dc_llm_arch arch(const char *name)
{
	dc_table *t = load(MODELS);
	dc_err err = DC_ERR_INIT;
	dc_llm_arch a;
	int rc = dc_llm_arch_load(t, name, &a, &err);
	ck_assert_msg(rc == DC_OK, "%s: %s", name, dc_err_text(&err));
	dc_err_free(&err);
	dc_table_free(t);
	return a;
}

static dc_accel accel(const char *name)
{
	dc_table *t = load(ACCELS);
	dc_err err = DC_ERR_INIT;
	dc_accel g;
	int rc = dc_accel_load(t, name, &g, &err);
	ck_assert_msg(rc == DC_OK, "%s: %s", name, dc_err_text(&err));
	dc_err_free(&err);
	dc_table_free(t);
	return g;
}

/* A model with the Vidur profiles (the default profile). */
static dc_llm_perf *perf(const char *model, const char *acc, int tp,
			 dc_llm_perf_opts *o_in)
{
	dc_table *v[2] = {load(VIDUR7), load(VIDUR70)};
	dc_accel src = accel("a100_80gb");
	dc_llm_perf_opts o;
	if (o_in)
		o = *o_in;
	else
		dc_llm_perf_opts_default(&o);
	o.vidur = (const dc_table *const *)v;
	o.n_vidur = 2;
	o.vidur_accel = &src;
	if (tp > 1 && o.link_bw == 0)
		o.link_bw = TEST_LINK_BW_BIT;
	dc_llm_arch a = arch(model);
	dc_accel g = accel(acc);
	dc_err err = DC_ERR_INIT;
	dc_llm_perf *p = NULL;
	int rc = dc_llm_perf_new(&a, &g, tp, &o, &p, &err);
	ck_assert_msg(rc == DC_OK, "perf %s/%s/tp%d: %s", model, acc, tp,
		      dc_err_text(&err));
	dc_err_free(&err);
	dc_table_free(v[0]);
	dc_table_free(v[1]);
	return p;
}

static dc_splitwise *sw(const char *hw, int tp)
{
	dc_table *t = load(SPLITWISE);
	dc_err err = DC_ERR_INIT;
	dc_splitwise *s = NULL;
	int rc = dc_splitwise_new(t, "llama2-70b", hw, tp, NULL, NULL, &s,
				  &err);
	ck_assert_msg(rc == DC_OK, "splitwise %s: %s", hw, dc_err_text(&err));
	dc_err_free(&err);
	dc_table_free(t);
	return s;
}

static void near(const char *what, double got, double want, double rel)
{
	ck_assert_msg(fabs(got - want) <= rel * fabs(want),
		      "%s: got %.6g, expected %.6g (+-%.1f%%)", what, got, want,
		      rel * 100);
}

/* One iteration of N identical sequences (q, c). */
static dc_iter_out iter_same(dc_iter_fn fn, const void *ctx, size_t n,
			     int32_t q, int32_t c, double clock)
{
	int32_t *qs = malloc(n * sizeof *qs), *cs = malloc(n * sizeof *cs);
	ck_assert(qs && cs);
	for (size_t i = 0; i < n; i++) {
		qs[i] = q;
		cs[i] = c;
	}
	dc_iter_out o;
	int rc = fn(ctx, n, qs, cs, clock, &o);
	ck_assert_msg(rc == DC_OK, "iter rc %d", rc);
	free(qs);
	free(cs);
	return o;
}

/* ---- catalogs ---- */

START_TEST(catalogs_load)
{
	static const char *const models[] = {"llama2_7b", "llama2_13b",
		"llama2_70b", "llama3_8b", "llama3_70b", "gpt3_175b", "phi2"};
	static const char *const accs[] = {"p40", "v100", "a100_40gb",
		"a100_80gb", "h100_sxm", "h200", "mi300x", "maia100"};
	for (size_t i = 0; i < DC_ARRAY_LEN(models); i++)
		(void)arch(models[i]);
	for (size_t i = 0; i < DC_ARRAY_LEN(accs); i++)
		(void)accel(accs[i]);
	dc_accel h = accel("h100_sxm");
	/* physics.md 5.1: 87 / 89 / 92 degC, stored in K */
	ck_assert_double_eq_tol(h.t_max_op_k, 360.15, 1e-9);
	ck_assert_double_eq_tol(h.t_shutdown_k, 365.15, 1e-9);
	ck_assert_msg(h.peak_fp16 == 989e12 && h.hbm_bw == 3.35e12,
		      "h100 %g %g", h.peak_fp16, h.hbm_bw);
	dc_accel m = accel("mi300x");
	ck_assert_msg(isnan(m.peak_fp16) && isnan(m.t_max_op_k),
		      "mi300x missing figures must be NAN");
	ck_assert_double_eq_tol(m.hbm_bytes, 192e9, 1);
}
END_TEST

/* Every server names a catalog accelerator; every catalog row cites. */
START_TEST(catalogs_consistent)
{
	dc_table *s = load(SERVERS), *a = load(ACCELS);
	const char *paths[] = {MODELS, ACCELS, SERVERS};
	int ca = dc_table_col(s, "accelerator"), cg = dc_table_col(s, "gpus");
	ck_assert(ca >= 0 && cg >= 0);
	ck_assert_int_eq((int)dc_table_rows(s), 4);
	for (size_t r = 0; r < dc_table_rows(s); r++) {
		const char *acc = dc_table_field(s, r, (size_t)ca);
		ck_assert_msg(dc_table_find(a, (size_t)dc_table_col(a, "name"),
					    acc) >= 0, "server row %zu: '%s'",
			      r, acc);
		double g;
		ck_assert_int_eq(dc_table_num(s, r, (size_t)cg, &g, NULL), 0);
		ck_assert_double_eq(g, 8);
	}
	for (size_t k = 0; k < 3; k++) {
		dc_table *t = load(paths[k]);
		int cs = dc_table_col(t, "source");
		ck_assert_msg(cs >= 0, "%s has no source column", paths[k]);
		for (size_t r = 0; r < dc_table_rows(t); r++)
			ck_assert_msg(strlen(dc_table_field(t, r, (size_t)cs))
				      > 10, "%s row %zu: no source", paths[k],
				      r);
		dc_table_free(t);
	}
	dc_table_free(s);
	dc_table_free(a);
}
END_TEST

START_TEST(catalogs_unknown_key)
{
	dc_table *t = load(MODELS);
	dc_err err = DC_ERR_INIT;
	dc_llm_arch a;
	ck_assert_int_eq(dc_llm_arch_load(t, "llama9", &a, &err), DC_ENOENT);
	const char *m = dc_err_text(&err);
	ck_assert_msg(strstr(m, "llama9") && strstr(m, "llama2_70b") &&
		      strstr(m, "phi2"), "message: %s", m);
	dc_err_free(&err);
	dc_table_free(t);
	t = load(ACCELS);
	dc_accel g;
	ck_assert_int_eq(dc_accel_load(t, "b200", &g, &err), DC_ENOENT);
	ck_assert_msg(strstr(dc_err_text(&err), "maia100"), "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	dc_table_free(t);
}
END_TEST

static int load_text_arch(const char *text, dc_err *err)
{
	dc_table *t = NULL;
	int rc = dc_table_load_string("m.csv", text, strlen(text), &t, err);
	ck_assert_int_eq(rc, DC_OK);
	dc_llm_arch a;
	rc = dc_llm_arch_load(t, "x", &a, err);
	dc_table_free(t);
	return rc;
}

START_TEST(catalogs_bad_rows)
{
	const char *hdr = "name,layers,hidden,heads,kv_heads,ffn,vocab,gated,"
			  "tied\n";
	char buf[256];
	dc_err err = DC_ERR_INIT;
	snprintf(buf, sizeof buf, "%sx,32,4096,32,32,11008,32000,2,0\n", hdr);
	ck_assert_int_eq(load_text_arch(buf, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "m.csv:2:") &&
		      strstr(dc_err_text(&err), "gated"), "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	snprintf(buf, sizeof buf, "%sx,32,4100,32,32,11008,32000,1,0\n", hdr);
	ck_assert_int_eq(load_text_arch(buf, &err), DC_EINVAL);
	dc_err_free(&err);
	snprintf(buf, sizeof buf, "%sx,32,4096,32,5,11008,32000,1,0\n", hdr);
	ck_assert_int_eq(load_text_arch(buf, &err), DC_EINVAL);
	dc_err_free(&err);
	snprintf(buf, sizeof buf, "%sx,0,4096,32,32,11008,32000,1,0\n", hdr);
	ck_assert_int_eq(load_text_arch(buf, &err), DC_EINVAL);
	dc_err_free(&err);
	snprintf(buf, sizeof buf, "%sx,3.5,4096,32,32,11008,abc,1,0\n", hdr);
	ck_assert_int_eq(load_text_arch(buf, &err), DC_EINVAL);
	ck_assert_msg(err.count >= 2, "both errors reported: %s",
		      dc_err_text(&err));
	dc_err_free(&err);
	ck_assert_int_eq(load_text_arch("name,layers\nx,3\n", &err),
			 DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "missing column"), "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	/* accelerator: a negative figure */
	const char *acc = "name,peak_fp16,peak_fp8,hbm_bytes,hbm_bw,tdp_w,"
			  "tdp_min_w,idle_w,prefill_w,decode_w,t_max_op_c,"
			  "t_slowdown_c,t_shutdown_c,nvlink_bw\n"
			  "x,1e12,,8e10,-1,,,,,,,,,\n";
	dc_table *t = NULL;
	ck_assert_int_eq(dc_table_load_string("a.csv", acc, strlen(acc), &t,
					      &err), DC_OK);
	dc_accel g;
	ck_assert_int_eq(dc_accel_load(t, "x", &g, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "hbm_bw"), "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	dc_table_free(t);
}
END_TEST

/* ---- V1, V2 and the derived numbers of llm.md 3.1-3.3 ---- */

START_TEST(v1_kv_bytes)
{
	dc_llm_arch a7 = arch("llama2_7b"), a13 = arch("llama2_13b"),
		    a70 = arch("llama2_70b"), l3 = arch("llama3_8b");
	ck_assert_uint_eq(dc_llm_kv_bytes_per_token(&a7, 1, 2), 524288);
	ck_assert_uint_eq(dc_llm_kv_bytes_per_token(&a13, 1, 2), 819200);
	ck_assert_uint_eq(dc_llm_kv_bytes_per_token(&a70, 1, 2), 327680);
	ck_assert_uint_eq(dc_llm_kv_bytes_per_token(&l3, 1, 2), 131072);
	/* per GPU at TP t: n_kv / t heads, at least one (llm.md 3.2) */
	ck_assert_uint_eq(dc_llm_kv_bytes_per_token(&a70, 8, 2), 327680 / 8);
	ck_assert_uint_eq(dc_llm_kv_bytes_per_token(&a70, 16, 2), 327680 / 8);
	ck_assert_uint_eq(dc_llm_kv_bytes_per_token(&a7, 4, 1), 524288 / 8);
}
END_TEST

START_TEST(v2_params)
{
	dc_llm_arch a7 = arch("llama2_7b"), a70 = arch("llama2_70b"),
		    l3 = arch("llama3_8b"), a13 = arch("llama2_13b");
	near("llama2_7b N", (double)dc_llm_params(&a7), 6.74e9, 0.005);
	near("llama2_70b N", (double)dc_llm_params(&a70), 68.98e9, 0.005);
	near("llama3_8b N", (double)dc_llm_params(&l3), 8.03e9, 0.005);
	/* llm.md 3.1 derived, to their printed digits */
	near("llama2_7b N (3.1)", (double)dc_llm_params(&a7), 6.738e9, 5e-4);
	near("llama2_7b N_lin", (double)dc_llm_params_lin(&a7), 6.476e9, 5e-4);
	near("llama2_70b N_lin", (double)dc_llm_params_lin(&a70), 68.45e9,
	     5e-4);
	near("llama2_13b N", (double)dc_llm_params(&a13), 13.016e9, 5e-4);
	near("llama3_8b N (3.1)", (double)dc_llm_params(&l3), 8.030e9, 5e-4);
	/* the closed form for Llama-2-7B (MHA, gated, untied) by hand */
	uint64_t H = 4096, I = 11008, L = 32, V = 32000;
	ck_assert_uint_eq(dc_llm_params(&a7),
			  L * (4 * H * H + 3 * H * I) + 2 * V * H + H);
}
END_TEST

START_TEST(flops_derived)
{
	dc_llm_arch a7 = arch("llama2_7b"), a70 = arch("llama2_70b");
	int32_t q = 2048, c0 = 0, one = 1, c = 2048;
	unsigned char no = 0;
	/* 3 significant digits in llm.md 3.3: +-0.5 % */
	near("7B prefill 2048", dc_llm_flops(&a7, 1, &q, &c0, NULL), 2.76e13,
	     0.005);
	near("7B decode c=2048 + head", dc_llm_flops(&a7, 1, &one, &c, NULL),
	     1.43e10, 0.005);
	near("7B decode c=2048 no head", dc_llm_flops(&a7, 1, &one, &c, &no),
	     1.40e10, 0.005);
	near("70B prefill 2048", dc_llm_flops(&a70, 1, &q, &c0, NULL),
	     2.86e14, 0.005);
	int32_t q4 = 4096;
	near("7B prefill 4096", dc_llm_flops(&a7, 1, &q4, &c0, NULL), 5.75e13,
	     0.005);
	/* additivity: a batch is the sum of its sequences */
	int32_t qs[2] = {2048, 1}, cs[2] = {0, 2048};
	double both = dc_llm_flops(&a7, 2, qs, cs, NULL);
	double sum = dc_llm_flops(&a7, 1, &q, &c0, NULL) +
		     dc_llm_flops(&a7, 1, &one, &c, NULL);
	ck_assert_double_eq_tol(both, sum, 1e-6 * sum);
}
END_TEST

START_TEST(hbm_bytes_formula)
{
	dc_llm_arch a70 = arch("llama2_70b");
	int32_t q[3] = {1, 1, 512}, c[3] = {100, 2000, 0};
	double want = 2.0 * (double)dc_llm_params(&a70) / 8 +
		      (100 + 2000 + 1 + 1 + 512) * 327680.0 / 8;
	ck_assert_double_eq_tol(dc_llm_hbm_bytes(&a70, 8, 2, 2, 3, q, c),
				want, 1e-6 * want);
	/* KV transfer example of llm.md 3.2: 2048 tokens of 70B = 671 MB */
	near("70B KV 2048 tok", 2048.0 * dc_llm_kv_bytes_per_token(&a70, 1, 2),
	     671e6, 0.001);
}
END_TEST

/* ---- V3: Vidur A100 Llama-2-7B linear operators ---- */

START_TEST(v3_vidur_linear)
{
	dc_llm_perf *p = perf("llama2_7b", "a100_80gb", 1, NULL);
	static const double n[] = {1, 128, 512, 2048, 4096};
	static const double ms[] = {0.266, 0.352, 0.953, 3.82, 7.40};
	for (size_t i = 0; i < 5; i++) {
		char what[64];
		snprintf(what, sizeof what, "V3 n=%g", n[i]);
		near(what, dc_llm_perf_linear_time(p, n[i], 1.0) * 1e3, ms[i],
		     0.15);
	}
	double ec, em;
	dc_llm_perf_eta(p, 1, &ec, &em);
	near("eta_m(1) (llm.md 3.3 ~0.75)", em, 0.75, 0.05);
	dc_llm_perf_eta(p, 4096, &ec, &em);
	ck_assert_msg(ec >= 0.66 && ec <= 0.74, "eta_c(4096) %g (0.68-0.72)",
		      ec);
	dc_llm_perf_free(p);
}
END_TEST

/* Roofline profile: constant efficiencies; large n is compute-bound. */
START_TEST(roofline_profile)
{
	dc_llm_perf_opts o;
	dc_llm_perf_opts_default(&o);
	o.profile = DC_LLM_PROFILE_ROOFLINE;
	dc_llm_arch a = arch("llama2_7b");
	dc_accel g = accel("a100_80gb");
	dc_llm_perf *p = NULL;
	ck_assert_int_eq(dc_llm_perf_new(&a, &g, 1, &o, &p, NULL), DC_OK);
	double W = 4.0 * 4096 * 4096 + 3.0 * 4096 * 11008; /* layer params */
	near("roofline n=4096", dc_llm_perf_linear_time(p, 4096, 1),
	     2 * 4096 * W / (0.70 * 312e12), 1e-9);
	/* n=1: weights + activations over 0.75 BW */
	double B = 2 * W + 2.0 * ((4096 + 3 * 4096) + (4096 + 4096) +
				 (4096 + 2 * 11008) + (11008 + 4096));
	near("roofline n=1", dc_llm_perf_linear_time(p, 1, 1),
	     B / (0.75 * 2.039e12), 1e-9);
	dc_llm_perf_free(p);
}
END_TEST

/* ---- batch-1 decode bound, llm.md 3.3 ---- */

START_TEST(decode_lower_bound)
{
	dc_llm_perf *p = perf("llama2_7b", "a100_80gb", 1, NULL);
	dc_iter_out o = iter_same(dc_llm_perf_iter, p, 1, 1, 100, 1.0);
	ck_assert_msg(o.time_s >= 6.6e-3, "7B A100 decode %g s < 6.6 ms",
		      o.time_s);
	ck_assert_msg(o.compute_s + o.memory_s >= 6.6e-3,
		      "kernel time %g < 6.6 ms", o.compute_s + o.memory_s);
	ck_assert_msg(o.memory_s > 10 * o.compute_s, "decode memory-bound: "
		      "mem %g comp %g", o.memory_s, o.compute_s);
	dc_llm_perf_free(p);
	p = perf("llama2_7b", "h100_sxm", 1, NULL);
	o = iter_same(dc_llm_perf_iter, p, 1, 1, 100, 1.0);
	ck_assert_msg(o.compute_s + o.memory_s >= 4.0e-3, "H100 %g < 4.0 ms",
		      o.compute_s + o.memory_s);
	dc_llm_perf_free(p);
}
END_TEST

/* The default CPU overhead reproduces Splitwise's overhead-dominated
 * decode: Llama-2-70B, H100 TP8, batch 1, 29.7 ms (llm.md V7, 3.3). */
START_TEST(overhead_default_splitwise_decode)
{
	dc_llm_perf *p = perf("llama2_70b", "h100_sxm", 8, NULL);
	dc_iter_out o = iter_same(dc_llm_perf_iter, p, 1, 1, 512, 1.0);
	near("70B H100 TP8 bs1 decode", o.time_s * 1e3, 29.7, 0.15);
	ck_assert_msg(o.cpu_s > o.memory_s, "overhead-dominated: cpu %g mem "
		      "%g", o.cpu_s, o.memory_s);
	dc_llm_perf_free(p);
}
END_TEST

/* ---- V7, V8: Splitwise table ---- */

START_TEST(v7_splitwise_h100)
{
	dc_splitwise *s = sw("h100-80gb", 8);
	near("V7 prompt 512", dc_splitwise_prompt_time(s, 512) * 1e3, 56.7,
	     0.15);
	near("V7 prompt 2048", dc_splitwise_prompt_time(s, 2048) * 1e3, 136.6,
	     0.15);
	near("V7 prompt 8192", dc_splitwise_prompt_time(s, 8192) * 1e3, 848,
	     0.15);
	near("V7 token bs1", dc_splitwise_token_time(s, 1) * 1e3, 29.7, 0.15);
	near("V7 token bs16", dc_splitwise_token_time(s, 16) * 1e3, 34.2,
	     0.15);
	near("V7 token bs64", dc_splitwise_token_time(s, 64) * 1e3, 50.0,
	     0.15);
	/* through the dc_iter_fn: 16 decodes; one 2048-token prompt */
	dc_iter_out o = iter_same(dc_splitwise_iter, s, 16, 1, 600, 1.0);
	near("V7 iter bs16", o.time_s * 1e3, 34.2, 0.15);
	o = iter_same(dc_splitwise_iter, s, 1, 2048, 0, 1.0);
	near("V7 iter prompt 2048", o.time_s * 1e3, 136.6, 0.15);
	dc_splitwise_free(s);
}
END_TEST

START_TEST(v8_splitwise_a100_pcap)
{
	dc_splitwise *a = sw("a100-80gb", 8);
	near("V8 A100 prompt 2048", dc_splitwise_prompt_time(a, 2048) * 1e3,
	     274, 0.15);
	near("V8 A100 token bs1", dc_splitwise_token_time(a, 1) * 1e3, 44.9,
	     0.15);
	dc_splitwise_free(a);
	dc_splitwise *h = sw("h100-80gb", 8), *c = sw("h100-80gb-pcap", 8);
	near("V8 pcap prompt 2048", dc_splitwise_prompt_time(c, 2048) * 1e3,
	     177.5, 0.15);
	static const double T[] = {512, 2048, 8192};
	for (size_t i = 0; i < 3; i++)
		near("V8 pcap/uncapped prompt ratio",
		     dc_splitwise_prompt_time(c, T[i]) /
		     dc_splitwise_prompt_time(h, T[i]), 1.30, 0.05);
	static const double B[] = {1, 16, 64};
	for (size_t i = 0; i < 3; i++)
		near("V8 pcap/uncapped token ratio",
		     dc_splitwise_token_time(c, B[i]) /
		     dc_splitwise_token_time(h, B[i]), 1.00, 0.05);
	dc_splitwise_free(h);
	dc_splitwise_free(c);
}
END_TEST

/* The cap expressed as a clock: prompt x 1/clock, token unchanged. */
START_TEST(splitwise_clock_power)
{
	dc_table *t = load(SPLITWISE);
	dc_accel g = accel("h100_sxm");
	dc_llm_arch a = arch("llama2_70b");
	dc_splitwise *s = NULL;
	ck_assert_int_eq(dc_splitwise_new(t, "llama2-70b", "h100-80gb", 8, &a,
					  &g, &s, NULL), DC_OK);
	dc_table_free(t);
	dc_iter_out p1 = iter_same(dc_splitwise_iter, s, 1, 2048, 0, 1.0);
	dc_iter_out pc = iter_same(dc_splitwise_iter, s, 1, 2048, 0, 1 / 1.3);
	near("prompt at clock 1/1.3", pc.time_s / p1.time_s, 1.30, 1e-9);
	dc_iter_out d1 = iter_same(dc_splitwise_iter, s, 8, 1, 900, 1.0);
	dc_iter_out dc = iter_same(dc_splitwise_iter, s, 8, 1, 900, 0.5);
	ck_assert_double_eq(d1.time_s, dc.time_s);
	/* Splitwise constant power: H100 prompt 700 W, token 380 W per GPU */
	ck_assert_double_eq_tol(p1.power_W, 8 * 700.0, 1e-9);
	ck_assert_double_eq_tol(d1.power_W, 8 * 380.0, 1e-9);
	ck_assert_double_eq_tol(d1.energy_J, d1.power_W * d1.time_s, 1e-9);
	ck_assert_int_eq(p1.prefill_tokens, 2048);
	ck_assert_int_eq(d1.decode_tokens, 8);
	ck_assert_msg(p1.flops > 2.8e14, "flops %g", p1.flops);
	dc_splitwise_free(s);
}
END_TEST

/* ---- clock scaling, llm.md V8 / ARCHITECTURE closed loop ---- */

START_TEST(clock_scaling)
{
	dc_llm_perf *p = perf("llama2_7b", "a100_80gb", 1, NULL);
	dc_iter_out f = iter_same(dc_llm_perf_iter, p, 1, 4096, 0, 1.0);
	dc_iter_out h = iter_same(dc_llm_perf_iter, p, 1, 4096, 0, 0.5);
	ck_assert_double_eq_tol(h.compute_s, 2 * f.compute_s,
				1e-9 * f.compute_s);
	ck_assert_msg(h.time_s / f.time_s > 1.8 && h.time_s / f.time_s <= 2.0,
		      "prefill ratio %g (~1/clock)", h.time_s / f.time_s);
	dc_iter_out d1 = iter_same(dc_llm_perf_iter, p, 8, 1, 1024, 1.0);
	dc_iter_out d2 = iter_same(dc_llm_perf_iter, p, 8, 1, 1024, 0.5);
	ck_assert_msg(d2.time_s / d1.time_s < 1.05, "decode ratio %g",
		      d2.time_s / d1.time_s);
	ck_assert_double_eq(d1.memory_s, d2.memory_s);
	/* lower clock draws less power in a compute-bound iteration */
	ck_assert_msg(h.power_W < f.power_W, "power %g !< %g", h.power_W,
		      f.power_W);
	dc_llm_perf_free(p);
}
END_TEST

/* ---- invariants ---- */

START_TEST(monotone_and_conserved)
{
	dc_llm_perf *p = perf("llama2_70b", "h100_sxm", 4, NULL);
	double prev = 0;
	for (int32_t q = 1; q <= 16384; q = q < 64 ? q + 7 : q * 5 / 4) {
		dc_iter_out o = iter_same(dc_llm_perf_iter, p, 1, q, 0, 1.0);
		ck_assert_msg(o.time_s >= prev, "prefill q=%d: %g < %g", q,
			      o.time_s, prev);
		double parts = o.compute_s + o.memory_s + o.comm_s + o.cpu_s;
		ck_assert_double_eq_tol(o.time_s, parts, 1e-12);
		ck_assert_double_eq_tol(o.energy_J, o.power_W * o.time_s,
					1e-9 * o.energy_J);
		prev = o.time_s;
	}
	prev = 0;
	for (size_t b = 1; b <= 512; b += b < 16 ? 1 : 13) {
		dc_iter_out o = iter_same(dc_llm_perf_iter, p, b, 1, 1000, 1.0);
		ck_assert_msg(o.time_s >= prev, "decode b=%zu", b);
		prev = o.time_s;
	}
	prev = 0;
	for (int32_t c = 0; c <= 32768; c += 1024) {
		dc_iter_out o = iter_same(dc_llm_perf_iter, p, 16, 1, c, 1.0);
		ck_assert_msg(o.time_s >= prev, "context c=%d", c);
		prev = o.time_s;
	}
	dc_llm_perf_free(p);
}
END_TEST

START_TEST(power_bounds)
{
	dc_llm_perf *p = perf("llama2_70b", "h100_sxm", 8, NULL);
	dc_iter_out pre = iter_same(dc_llm_perf_iter, p, 1, 8192, 0, 1.0);
	dc_iter_out dec = iter_same(dc_llm_perf_iter, p, 4, 1, 512, 1.0);
	/* H100 idle 75 W, prefill 700 W, decode 380 W (llm.md 3.8) */
	ck_assert_msg(pre.power_W > dec.power_W, "prefill %g decode %g",
		      pre.power_W, dec.power_W);
	ck_assert_msg(pre.power_W <= 8 * 700.0 + 1e-9 && dec.power_W >= 8 * 75,
		      "bounds %g %g", pre.power_W, dec.power_W);
	ck_assert_msg(fabs(dec.power_W - 8 * 380) < 8 * 20,
		      "decode ~380 W/GPU: %g", dec.power_W / 8);
	ck_assert_int_eq(pre.prefill_tokens, 8192);
	ck_assert_int_eq(dec.decode_tokens, 4);
	near("flops = model flops", pre.flops,
	     dc_llm_flops(&(dc_llm_arch){.layers = 80, .hidden = 8192,
			  .heads = 64, .kv_heads = 8, .ffn = 28672,
			  .vocab = 32000, .gated = 1}, 1,
			  (int32_t[]){8192}, (int32_t[]){0}, NULL), 1e-12);
	dc_llm_perf_free(p);
}
END_TEST

START_TEST(kv_capacity)
{
	dc_llm_perf *p = perf("llama2_7b", "a100_80gb", 1, NULL);
	/* (80e9 * 0.9 - 2 * 6.738e9) / 512 KiB, llm.md 3.2 */
	double want = (80e9 * 0.9 - 2 * 6.738e9) / 524288.0;
	near("7B A100 kv tokens", (double)dc_llm_perf_kv_tokens(p, 0.1), want,
	     1e-3);
	ck_assert_int_eq(dc_llm_perf_kv_tokens(p, 1.0), DC_EINVAL);
	ck_assert_int_eq(dc_llm_perf_kv_tokens(p, -0.1), DC_EINVAL);
	ck_assert_int_eq(dc_llm_perf_kv_tokens(p, 0.99), 0);
	dc_llm_perf_free(p);
	p = perf("llama2_70b", "h100_sxm", 8, NULL);
	want = (80e9 * 0.95 - 2 * 68.98e9 / 8) / (327680.0 / 8);
	near("70B H100 TP8 kv tokens", (double)dc_llm_perf_kv_tokens(p, 0.05),
	     want, 1e-3);
	dc_llm_perf_free(p);
}
END_TEST

/* ---- bad inputs ---- */

START_TEST(bad_new)
{
	dc_llm_arch a = arch("llama2_70b");
	dc_accel h = accel("h100_sxm"), h200 = accel("h200");
	dc_llm_perf_opts o;
	dc_llm_perf_opts_default(&o);
	o.profile = DC_LLM_PROFILE_ROOFLINE;
	dc_llm_perf *p = (dc_llm_perf *)&o;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_llm_perf_new(&a, &h, 0, &o, &p, &err), DC_EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(dc_llm_perf_new(&a, &h, 3, &o, &p, &err), DC_EINVAL);
	dc_err_free(&err);
	/* no NVLink figure in the catalog and none given */
	ck_assert_int_eq(dc_llm_perf_new(&a, &h, 8, &o, &p, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "nvlink_bw"), "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	ck_assert_int_eq(dc_llm_perf_new(&a, &h200, 1, &o, &p, &err),
			 DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "peak_fp16") &&
		      strstr(dc_err_text(&err), "h200"), "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	o.weight_bytes = 1; /* fp8: no peak_fp8 figure */
	ck_assert_int_eq(dc_llm_perf_new(&a, &h, 1, &o, &p, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "peak_fp8"), "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	o.weight_bytes = 2;
	o.profile = DC_LLM_PROFILE_SPLITWISE;
	ck_assert_int_eq(dc_llm_perf_new(&a, &h, 1, &o, &p, &err), DC_EINVAL);
	dc_err_free(&err);
	o.profile = DC_LLM_PROFILE_VIDUR; /* without tables */
	ck_assert_int_eq(dc_llm_perf_new(&a, &h, 1, &o, &p, &err), DC_EINVAL);
	ck_assert_int_eq(dc_llm_perf_new(&a, &h, 1, NULL, &p, &err),
			 DC_EINVAL);
	dc_err_free(&err);
	o.profile = DC_LLM_PROFILE_ROOFLINE;
	o.mem_margin = 1.0;
	ck_assert_int_eq(dc_llm_perf_new(&a, &h, 1, &o, &p, &err), DC_EINVAL);
	dc_err_free(&err);
	/* a malformed Vidur table */
	const char *bad = "n_head,n_kv_head,n_embd,n_expanded_embd,"
			  "use_gated_mlp,num_tokens\n32,32,4096,11008,True,1\n"
			  "32,32,4096,11008,True,2\n";
	dc_table *t = NULL;
	ck_assert_int_eq(dc_table_load_string("v.csv", bad, strlen(bad), &t,
					      NULL), DC_OK);
	dc_accel src = accel("a100_80gb");
	dc_llm_perf_opts_default(&o);
	o.vidur = (const dc_table *const *)&t;
	o.n_vidur = 1;
	o.vidur_accel = &src;
	ck_assert_int_eq(dc_llm_perf_new(&a, &h, 1, &o, &p, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "missing column"), "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	dc_table_free(t);
	dc_llm_perf_free(NULL);
	dc_splitwise_free(NULL);
}
END_TEST

START_TEST(bad_iter)
{
	dc_llm_perf *p = perf("llama2_7b", "a100_80gb", 1, NULL);
	int32_t q[2] = {1, 1}, c[2] = {5, 5}, q0[1] = {0}, cn[1] = {-1};
	dc_iter_out o;
	ck_assert_int_eq(dc_llm_perf_iter(NULL, 1, q, c, 1, &o), DC_EINVAL);
	ck_assert_int_eq(dc_llm_perf_iter(p, 1, NULL, c, 1, &o), DC_EINVAL);
	ck_assert_int_eq(dc_llm_perf_iter(p, 1, q, c, 1, NULL), DC_EINVAL);
	ck_assert_int_eq(dc_llm_perf_iter(p, 1, q0, c, 1, &o), DC_EINVAL);
	ck_assert_int_eq(dc_llm_perf_iter(p, 1, q, cn, 1, &o), DC_EINVAL);
	ck_assert_int_eq(dc_llm_perf_iter(p, 1, q, c, 0, &o), DC_EINVAL);
	ck_assert_int_eq(dc_llm_perf_iter(p, 1, q, c, 1.5, &o), DC_EINVAL);
	ck_assert_int_eq(dc_llm_perf_iter(p, 1, q, c, NAN, &o), DC_EINVAL);
	ck_assert_int_eq(dc_llm_perf_iter(p, 0, NULL, NULL, 1, &o), DC_OK);
	ck_assert_double_eq(o.time_s, 0);
	ck_assert_double_eq(o.power_W, 0);
	dc_llm_perf_free(p);
	dc_splitwise *s = sw("h100-80gb", 8);
	ck_assert_int_eq(dc_splitwise_iter(s, 1, q0, c, 1, &o), DC_EINVAL);
	ck_assert_int_eq(dc_splitwise_iter(s, 2, q, c, 0, &o), DC_EINVAL);
	ck_assert_int_eq(dc_splitwise_iter(s, 2, q, c, 1, &o), DC_OK);
	ck_assert_double_eq(o.power_W, 0); /* no accelerator given */
	dc_splitwise_free(s);
}
END_TEST

START_TEST(bad_splitwise)
{
	dc_table *t = load(SPLITWISE);
	dc_err err = DC_ERR_INIT;
	dc_splitwise *s = NULL;
	ck_assert_int_eq(dc_splitwise_new(t, "llama2-70b", "h100-80gb", 16,
					  NULL, NULL, &s, &err), DC_ENOENT);
	ck_assert_msg(strstr(dc_err_text(&err), "bloom-176b/a100-80gb/tp8") &&
		      strstr(dc_err_text(&err), "llama2-70b/h100-80gb/tp2"),
		      "%s", dc_err_text(&err));
	dc_err_free(&err);
	ck_assert_int_eq(dc_splitwise_new(t, "llama2-70b", "h100-80gb", 0,
					  NULL, NULL, &s, &err), DC_EINVAL);
	dc_err_free(&err);
	dc_table_free(t);
	const char *one = "model,hardware,prompt_size,batch_size,token_size,"
			  "prompt_time,token_time,tensor_parallel\n"
			  "m,h,512,1,128,50,30,8\n";
	ck_assert_int_eq(dc_table_load_string("s.csv", one, strlen(one), &t,
					      NULL), DC_OK);
	ck_assert_int_eq(dc_splitwise_new(t, "m", "h", 8, NULL, NULL, &s,
					  &err), DC_EINVAL);
	dc_err_free(&err);
	dc_table_free(t);
}
END_TEST

/* Every allocation failure is reported as DC_ENOMEM and leaks nothing. */
START_TEST(alloc_failures)
{
	dc_table *v = load(VIDUR7), *swt = load(SPLITWISE);
	dc_accel src = accel("a100_80gb");
	dc_llm_arch a = arch("llama2_7b");
	dc_llm_perf_opts o;
	dc_llm_perf_opts_default(&o);
	o.vidur = (const dc_table *const *)&v;
	o.n_vidur = 1;
	o.vidur_accel = &src;
	int ok = 0;
	for (long k = 0; k < 64 && !ok; k++) {
		dc_llm_perf *p = NULL;
		dc_alloc_fail_after(k);
		int rc = dc_llm_perf_new(&a, &src, 1, &o, &p, NULL);
		dc_alloc_fail_after(-1);
		ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM, "k=%ld rc %d", k,
			      rc);
		ok = rc == DC_OK;
		dc_llm_perf_free(p);
	}
	ck_assert_msg(ok, "perf never built");
	ok = 0;
	for (long k = 0; k < 64 && !ok; k++) {
		dc_splitwise *s = NULL;
		dc_alloc_fail_after(k);
		int rc = dc_splitwise_new(swt, "llama2-70b", "a100-80gb", 8,
					  NULL, NULL, &s, NULL);
		dc_alloc_fail_after(-1);
		ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM, "k=%ld rc %d", k,
			      rc);
		ok = rc == DC_OK;
		dc_splitwise_free(s);
	}
	ck_assert_msg(ok, "splitwise never built");
	dc_table_free(v);
	dc_table_free(swt);
}
END_TEST

START_TEST(pset_defaults)
{
	dc_llm_perf_opts o;
	memset(&o, 0, sizeof o);
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_params_defaults(&dc_llm_perf_pset, &o, NULL, &err),
			 DC_OK);
	ck_assert_int_eq(o.profile, DC_LLM_PROFILE_VIDUR);
	ck_assert_double_eq_tol(o.cpu_per_layer_s, 0.28e-3, 1e-15);
	ck_assert_int_eq(o.weight_bytes, 2);
	ck_assert_double_eq_tol(o.mem_margin, 0.1, 1e-15);
	for (size_t i = 0; i < dc_llm_perf_pset.n; i++)
		ck_assert_msg(dc_llm_perf_pset.params[i].help &&
			      strlen(dc_llm_perf_pset.params[i].help) > 10,
			      "param %zu has no help", i);
	ck_assert_int_eq(dc_params_set(&dc_llm_perf_pset, "perf",
				       "link_bandwidth", "450 GB/s", &o, NULL,
				       &err), DC_OK);
	ck_assert_double_eq_tol(o.link_bw, 450e9 * 8, 1);
	ck_assert_int_eq(dc_params_set(&dc_llm_perf_pset, "perf", "profile",
				       "splitwise", &o, NULL, &err), DC_OK);
	ck_assert_int_eq(o.profile, DC_LLM_PROFILE_SPLITWISE);
	ck_assert_int_eq(dc_params_set(&dc_llm_perf_pset, "perf",
				       "memory_margin", "1.5", &o, NULL, &err),
			 DC_EINVAL);
	dc_err_free(&err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("llm_perf");
	struct {
		const char *name;
		const TTest *fn;
	} cases[] = {
		{"catalogs_load", catalogs_load},
		{"catalogs_consistent", catalogs_consistent},
		{"catalogs_unknown_key", catalogs_unknown_key},
		{"catalogs_bad_rows", catalogs_bad_rows},
		{"v1_kv_bytes", v1_kv_bytes},
		{"v2_params", v2_params},
		{"flops_derived", flops_derived},
		{"hbm_bytes_formula", hbm_bytes_formula},
		{"v3_vidur_linear", v3_vidur_linear},
		{"roofline_profile", roofline_profile},
		{"decode_lower_bound", decode_lower_bound},
		{"overhead_default", overhead_default_splitwise_decode},
		{"v7_splitwise_h100", v7_splitwise_h100},
		{"v8_splitwise_a100_pcap", v8_splitwise_a100_pcap},
		{"splitwise_clock_power", splitwise_clock_power},
		{"clock_scaling", clock_scaling},
		{"monotone_and_conserved", monotone_and_conserved},
		{"power_bounds", power_bounds},
		{"kv_capacity", kv_capacity},
		{"bad_new", bad_new},
		{"bad_iter", bad_iter},
		{"bad_splitwise", bad_splitwise},
		{"alloc_failures", alloc_failures},
		{"pset_defaults", pset_defaults},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, cases[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return dc_test_main(suite());
}
