/* check_llm_engine.c - the serving engine (replica schedulers, paged KV,
 * router, reference driver) against closed forms, llm.md §4 V10 and V12,
 * Little's law and conservation of tokens and KV blocks.
 *
 * The performance model is a closed form written here (DistServe shape,
 * llm.md §2.2):  T = A + (B·Σq + G·Σq·(c+q))/clock + D·n,  with
 * coefficients fitted by hand to the V7 Splitwise DGX-H100 Llama2-70B TP8
 * figures: prefill 512 / 8192 at batch 1 = 56.7 / 848 ms, decode at batch
 * 1 / 16 / 64 = 29.7 / 34.2 / 50.0 ms (llm.md §4 V7). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../models/llm_engine.h"
#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "util/run.h"

/* ---- the test's performance model --------------------------------------- */

typedef struct tmodel {
	double a, b, g, d;  /* s, s/token, s/token^2, s/sequence */
	double power_W;
	int fail;           /* 1: return DC_EIO; 2: return a zero time */
} tmodel;

static const tmodel V7 = {
	.a = 29.4e-3, .b = 50.2e-6, .g = 6.07e-9, .d = 0.297e-3,
	.power_W = 8 * 700.0,  /* 8 GPUs at Splitwise's H100 prompt power */
};

static int tcost(const void *ctx, size_t n, const int32_t *q,
		 const int32_t *c, double clock, dc_iter_out *o)
{
	const tmodel *m = ctx;
	if (m->fail == 1)
		return DC_EIO;
	double lin = 0, att = 0;
	int64_t pre = 0;
	for (size_t i = 0; i < n; i++) {
		lin += q[i];
		att += (double)q[i] * ((double)c[i] + q[i]);
		pre += q[i] > 1 || c[i] == 0 ? q[i] : 0;
	}
	memset(o, 0, sizeof *o);
	o->compute_s = (m->b * lin + m->g * att) / clock;
	o->cpu_s = m->a + m->d * (double)n;
	o->time_s = m->fail == 2 ? 0 : o->compute_s + o->cpu_s;
	o->energy_J = m->power_W * o->time_s;
	o->power_W = m->power_W;
	o->prefill_tokens = pre;
	o->decode_tokens = (int64_t)lin - pre;
	return DC_OK;
}

/* T of one iteration, written independently of tcost for closed forms. */
static double t_prefill1(int32_t p)
{
	return V7.a + V7.b * p + V7.g * (double)p * p + V7.d;
}

static double t_decode(int n, double sum_ctx)
{
	return V7.a + V7.b * n + V7.g * (sum_ctx + n) + V7.d * n;
}

/* ---- helpers ------------------------------------------------------------ */

static dc_replica_cfg mkcfg(int sched, int64_t kv_tokens)
{
	dc_replica_cfg c;
	dc_replica_cfg_default(&c);
	c.scheduler = sched;
	c.kv_tokens = kv_tokens;
	return c;
}

/* Deterministic generator (xorshift64*) for Poisson-like loads. */
static uint64_t rng_state;

static double urand(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 2685821657736338717ull) >> 11) * 0x1p-53;
}

static int32_t irand(int32_t lo, int32_t hi)
{
	return lo + (int32_t)(urand() * (double)(hi - lo + 1));
}

/* N requests, Poisson arrivals at RATE, uniform lengths. */
static dc_req_spec *poisson_load(size_t n, double rate, uint64_t seed,
				 int32_t p_lo, int32_t p_hi, int32_t o_lo,
				 int32_t o_hi)
{
	dc_req_spec *r = dc_malloc(n * sizeof *r);
	ck_assert_ptr_nonnull(r);
	rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
	double t = 0;
	for (size_t i = 0; i < n; i++) {
		t += -log(1 - urand()) / rate;
		r[i].t_arrival_s = t;
		r[i].prompt = irand(p_lo, p_hi);
		r[i].output = irand(o_lo, o_hi);
	}
	return r;
}

static void run_ok(const dc_replica_cfg *cfg, size_t n_rep, int policy,
		   const dc_req_spec *reqs, size_t n, const dc_llm_simple_opt *o,
		   dc_llm_result *res)
{
	dc_err err = DC_ERR_INIT;
	dc_router rt = {policy};
	int rc = dc_llm_run_simple(cfg, tcost, &V7, n_rep, &rt, reqs, n, o,
				   res, &err);
	ck_assert_msg(rc == DC_OK, "run: %d %s", rc, dc_err_text(&err));
	dc_err_free(&err);
}

/* Per-request token tap: counts, first flags, gap sums and maxima. */
typedef struct tap {
	size_t n;
	int32_t *tokens, *firsts;
	double *gap_sum, *gap_max, *t_prev;
	int order_bad;  /* a token after on_done, or time going back */
	int *done;
} tap;

static void tap_token(void *ctx, int64_t id, double t, int first, double gap)
{
	tap *p = ctx;
	if (p->done[id] || (p->tokens[id] && t < p->t_prev[id]))
		p->order_bad = 1;
	p->tokens[id]++;
	p->firsts[id] += first;
	if (!first) {
		p->gap_sum[id] += gap;
		if (gap > p->gap_max[id])
			p->gap_max[id] = gap;
	}
	p->t_prev[id] = t;
}

static void tap_done(void *ctx, const dc_req_rec *rec)
{
	tap *p = ctx;
	p->done[rec->id]++;
}

static void tap_init(tap *p, size_t n)
{
	memset(p, 0, sizeof *p);
	p->n = n;
	p->tokens = dc_calloc(n, sizeof *p->tokens);
	p->firsts = dc_calloc(n, sizeof *p->firsts);
	p->gap_sum = dc_calloc(n, sizeof *p->gap_sum);
	p->gap_max = dc_calloc(n, sizeof *p->gap_max);
	p->t_prev = dc_calloc(n, sizeof *p->t_prev);
	p->done = dc_calloc(n, sizeof *p->done);
	ck_assert(p->tokens && p->firsts && p->gap_sum && p->gap_max &&
		  p->t_prev && p->done);
}

static void tap_free(tap *p)
{
	dc_free(p->tokens);
	dc_free(p->firsts);
	dc_free(p->gap_sum);
	dc_free(p->gap_max);
	dc_free(p->t_prev);
	dc_free(p->done);
}

/* A single-replica loop written here (independent of dc_llm_run_simple):
 * plays REQS (sorted by arrival), checks invariants after every step and
 * records every plan and its start time. */
typedef struct trace1 {
	dc_iter_plan plan[4096];
	double t0[4096];
	size_t n;
	dc_req_rec rec[64];
} trace1;

static void rec_store(void *ctx, const dc_req_rec *rec)
{
	trace1 *tr = ctx;
	tr->rec[rec->id] = *rec;
}

static void drive1(const dc_replica_cfg *cfg, const dc_req_spec *reqs,
		   size_t n, trace1 *tr)
{
	dc_err err = DC_ERR_INIT;
	dc_replica *r = NULL;
	ck_assert_int_eq(dc_replica_new(cfg, tcost, &V7, &r, &err), DC_OK);
	dc_llm_events ev = {tr, NULL, rec_store};
	size_t next = 0, done_before = 0;
	double t = 0, t_end = INFINITY;
	tr->n = 0;
	for (;;) {
		double ta = next < n ? reqs[next].t_arrival_s : INFINITY;
		t = ta < t_end ? ta : t_end;
		if (t == INFINITY)
			break;
		if (t == t_end) {
			ck_assert_int_eq(dc_replica_end(r, t, &ev, &err), DC_OK);
			ck_assert_msg(dc_replica_check(r, &err) == DC_OK, "%s",
				      dc_err_text(&err));
			t_end = INFINITY;
		}
		while (next < n && reqs[next].t_arrival_s <= t) {
			ck_assert_int_eq(dc_replica_add(r, (int64_t)next,
							&reqs[next], t, &err),
					 DC_OK);
			next++;
		}
		if (!dc_replica_busy(r)) {
			dc_iter_plan p;
			ck_assert_int_eq(dc_replica_begin(r, t, 1, &p, &err),
					 DC_OK);
			ck_assert_msg(dc_replica_check(r, &err) == DC_OK, "%s",
				      dc_err_text(&err));
			if (p.n) {
				ck_assert(tr->n < DC_ARRAY_LEN(tr->plan));
				tr->plan[tr->n] = p;
				tr->t0[tr->n++] = t;
				t_end = t + p.duration_s;
			}
		}
	}
	dc_replica_stats st;
	dc_replica_stats_get(r, &st);
	done_before = (size_t)st.requests_done;
	ck_assert_uint_eq(done_before, n);
	dc_replica_free(r);
	dc_err_free(&err);
}

/* ---- the test fixture against V7 ---------------------------------------- */

START_TEST(cost_fixture_matches_v7)
{
	/* llm.md §4 V7 (±15 %); the fixture is held to ±5 % */
	struct { int n; int32_t q, c; double want; } v[] = {
		{1, 8192, 0, 0.848}, {1, 512, 0, 0.0567},
		{1, 1, 512, 0.0297}, {16, 1, 512, 0.0342}, {64, 1, 512, 0.0500},
	};
	for (size_t k = 0; k < DC_ARRAY_LEN(v); k++) {
		int32_t q[64], c[64];
		for (int i = 0; i < v[k].n; i++)
			q[i] = v[k].q, c[i] = v[k].c;
		dc_iter_out o;
		ck_assert_int_eq(tcost(&V7, (size_t)v[k].n, q, c, 1, &o), DC_OK);
		ck_assert_msg(fabs(o.time_s / v[k].want - 1) < 0.05,
			      "case %zu: %g s, V7 %g s", k, o.time_s, v[k].want);
	}
}
END_TEST

/* ---- closed forms ------------------------------------------------------- */

START_TEST(lone_request_closed_form)
{
	/* one request alone: E2E = T_prefill(p) + sum_k T_decode(c = p + k) */
	int scheds[] = {DC_SCHED_NAIVE, DC_SCHED_STATIC, DC_SCHED_FLYWHEEL};
	for (size_t s = 0; s < 3; s++) {
		dc_replica_cfg cfg = mkcfg(scheds[s], 1 << 16);
		dc_req_spec rq = {0.5, 300, 6};
		dc_llm_result res;
		run_ok(&cfg, 1, DC_ROUTE_ROUND_ROBIN, &rq, 1, NULL, &res);
		double ttft = t_prefill1(300), e2e = ttft;
		for (int k = 0; k < 5; k++)
			e2e += t_decode(1, 300 + k);
		const dc_req_rec *r = &res.recs[0];
		ck_assert_msg(fabs(r->ttft - ttft) < 1e-12 &&
			      fabs(r->e2e - e2e) < 1e-12,
			      "%s: ttft %.12g want %.12g, e2e %.12g want %.12g",
			      dc_sched_names[scheds[s]], r->ttft, ttft, r->e2e,
			      e2e);
		ck_assert_double_eq_tol(r->tpot, (e2e - ttft) / 5, 1e-12);
		ck_assert_msg(r->sched_delay == 0, "sched delay %g", r->sched_delay);
		ck_assert_double_eq_tol(r->t_done, 0.5 + e2e, 1e-12);
		ck_assert_int_eq(res.total.iterations, 6);
		ck_assert_int_eq(res.total.prefill_tokens, 300);
		ck_assert_int_eq(res.total.decode_tokens, 5);
		ck_assert_double_eq_tol(res.total.busy_s, e2e, 1e-12);
		ck_assert_double_eq_tol(res.total.energy_J, V7.power_W * e2e,
					1e-9);
		dc_llm_result_free(&res);
	}
}
END_TEST

START_TEST(flywheel_chunks_lone_prompt)
{
	/* an 8192-token prompt alone at tau = 512: 16 chunks, chunk k reads
	 * the 512·k tokens before it (llm.md §3.5) */
	dc_replica_cfg cfg = mkcfg(DC_SCHED_FLYWHEEL, 1 << 16);
	dc_req_spec rq = {0, 8192, 1};
	trace1 *tr = dc_calloc(1, sizeof *tr);
	drive1(&cfg, &rq, 1, tr);
	ck_assert_uint_eq(tr->n, 16);
	double want = 0;
	for (int k = 0; k < 16; k++) {
		want += V7.a + V7.b * 512 + V7.g * 512.0 * (512.0 * k + 512) +
			V7.d;
		ck_assert_int_eq(tr->plan[k].prefill_tokens, 512);
	}
	ck_assert_double_eq_tol(tr->rec[0].ttft, want, 1e-12);
	dc_free(tr);
}
END_TEST

START_TEST(clock_stretches_compute)
{
	dc_replica_cfg cfg = mkcfg(DC_SCHED_NAIVE, 1 << 16);
	dc_req_spec rq = {0, 4096, 1};
	dc_llm_simple_opt o = {.clock = 0.5};
	dc_llm_result res;
	run_ok(&cfg, 1, DC_ROUTE_ROUND_ROBIN, &rq, 1, &o, &res);
	double want = V7.a + V7.d + 2 * (V7.b * 4096 + V7.g * 4096.0 * 4096);
	ck_assert_double_eq_tol(res.recs[0].e2e, want, 1e-12);
	dc_llm_result_free(&res);
}
END_TEST

/* ---- V10: naive vs flywheel stall --------------------------------------- */

/* 16 requests decoding, then an 8192-token prompt at t = 3 s. */
static void v10_load(dc_req_spec *r)
{
	for (int i = 0; i < 16; i++)
		r[i] = (dc_req_spec){0, 512, 300};
	r[16] = (dc_req_spec){3.0, 8192, 20};
}

static double worst_tbt16(const trace1 *tr)
{
	double w = 0;
	for (int i = 0; i < 16; i++)
		if (tr->rec[i].tbt_max > w)
			w = tr->rec[i].tbt_max;
	return w;
}

START_TEST(v10_naive_vs_flywheel)
{
	dc_req_spec rq[17];
	v10_load(rq);
	trace1 *nv = dc_calloc(1, sizeof *nv), *fw = dc_calloc(1, sizeof *fw);
	dc_replica_cfg cn = mkcfg(DC_SCHED_NAIVE, 1 << 20);
	dc_replica_cfg cf = mkcfg(DC_SCHED_FLYWHEEL, 1 << 20);
	drive1(&cn, rq, 17, nv);
	drive1(&cf, rq, 17, fw);
	double wn = worst_tbt16(nv), wf = worst_tbt16(fw);
	/* V10: naive one TBT ≈ 848 + 34 ms ≈ 0.88 s (V7 ±15 %) */
	ck_assert_msg(fabs(wn / 0.88 - 1) < 0.15, "naive worst TBT %g s", wn);
	/* V10: chunked max TBT ≈ T_iter(512) ≈ 57-90 ms */
	ck_assert_msg(wf >= 0.057 && wf <= 0.090, "flywheel worst TBT %g", wf);
	ck_assert_msg(wn >= 8 * wf, "naive %g s < 8 x flywheel %g s", wn, wf);
	/* V10: TTFT(flywheel) >= TTFT(naive) for the long prompt */
	ck_assert_msg(fw->rec[16].ttft >= nv->rec[16].ttft,
		      "TTFT flywheel %g < naive %g", fw->rec[16].ttft,
		      nv->rec[16].ttft);
	/* V10: the prompt spans ceil(8192/(512-16)) = 17 iterations, each
	 * with the 16 decodes in it */
	size_t spans = 0;
	for (size_t k = 0; k < fw->n; k++) {
		if (fw->t0[k] < 3.0 || !fw->plan[k].prefill_tokens)
			continue;
		spans++;
		ck_assert_int_eq(fw->plan[k].decode_seqs, 16);
		ck_assert_int_le(fw->plan[k].prefill_tokens, 496);
		ck_assert_int_eq(fw->plan[k].prefill_tokens +
				 fw->plan[k].decode_tokens,
				 spans < 17 ? 512 : 8192 - 16 * 496 + 16);
	}
	ck_assert_uint_eq(spans, 17);
	/* naive: the prompt ran alone in one prefill-only iteration */
	size_t alone = 0;
	for (size_t k = 0; k < nv->n; k++)
		if (nv->t0[k] >= 3.0 && nv->plan[k].prefill_tokens == 8192 &&
		    nv->plan[k].decode_seqs == 0)
			alone++;
	ck_assert_uint_eq(alone, 1);
	dc_free(nv);
	dc_free(fw);
}
END_TEST

/* ---- V12: replica scaling ----------------------------------------------- */

/* Completions per second in the middle 60 % of the run (saturated). */
static double mid_throughput(const dc_llm_result *res)
{
	double a = 0.2 * res->t_end, b = 0.8 * res->t_end;
	size_t c = 0;
	for (size_t i = 0; i < res->n; i++)
		c += res->recs[i].t_done >= a && res->recs[i].t_done < b;
	return (double)c / (b - a);
}

START_TEST(v12_linear_scaling)
{
	/* V12: 1 -> 16 replicas, linear within 5 % (FastGen 1.46 -> 23.7 q/s);
	 * a saturating Poisson load, 400 requests per replica, round robin */
	dc_replica_cfg cfg = mkcfg(DC_SCHED_FLYWHEEL, 1 << 18);
	double th1 = 0;
	size_t ks[] = {1, 2, 4, 8, 16};
	for (size_t j = 0; j < DC_ARRAY_LEN(ks); j++) {
		size_t k = ks[j], n = 400 * k;
		dc_req_spec *rq = poisson_load(n, 40.0 * (double)k, 7, 128,
					       1024, 32, 256);
		dc_llm_result res;
		run_ok(&cfg, k, DC_ROUTE_ROUND_ROBIN, rq, n, NULL, &res);
		double th = mid_throughput(&res);
		if (k == 1)
			th1 = th;
		double lin = th1 * (double)k;
		ck_assert_msg(fabs(th / lin - 1) < 0.05, "%zu replicas: %g q/s,"
			      " linear %g q/s", k, th, lin);
		/* round robin: equal counts per replica */
		for (size_t r = 0; r < k; r++)
			ck_assert_int_eq(res.reps[r].requests_in, 400);
		dc_llm_result_free(&res);
		dc_free(rq);
	}
}
END_TEST

/* ---- Little's law ------------------------------------------------------- */

START_TEST(littles_law)
{
	/* moderately loaded: 4 replicas behind least-outstanding */
	size_t n = 20000;
	dc_req_spec *rq = poisson_load(n, 24.0, 3, 64, 1024, 16, 256);
	dc_replica_cfg cfg = mkcfg(DC_SCHED_FLYWHEEL, 1 << 17);
	dc_llm_result res;
	run_ok(&cfg, 4, DC_ROUTE_LEAST_OUTSTANDING, rq, n, NULL, &res);
	/* conservation: the engine's integral of unfinished requests equals
	 * the sum of sojourn times, exactly */
	double sum_e2e = 0;
	for (size_t i = 0; i < n; i++)
		sum_e2e += res.recs[i].e2e;
	ck_assert_msg(fabs(res.total.outstanding_s / sum_e2e - 1) < 1e-9,
		      "integral %g vs sum E2E %g", res.total.outstanding_s,
		      sum_e2e);
	/* L = lambda W over the arrival window [0, T]: L from the records'
	 * time in the system inside the window, lambda = n/T */
	double T = rq[n - 1].t_arrival_s, L = 0;
	for (size_t i = 0; i < n; i++) {
		double a = res.recs[i].t_arrival, d = res.recs[i].t_done;
		L += (d < T ? d : T) - a;
	}
	L /= T;
	double lambda = (double)n / T;
	double W = sum_e2e / (double)n, lw = lambda * W;
	ck_assert_msg(fabs(L / lw - 1) < 0.03, "L %g, lambda W %g (W %g s)",
		      L, lw, W);
	ck_assert_msg(L > 2, "load too light to be a test: L %g", L);
	dc_llm_result_free(&res);
	dc_free(rq);
}
END_TEST

/* ---- KV cache and preemption -------------------------------------------- */

START_TEST(tight_kv_preempts_and_completes)
{
	int scheds[] = {DC_SCHED_NAIVE, DC_SCHED_FLYWHEEL};
	size_t n = 32;
	dc_req_spec rq[32];
	for (size_t i = 0; i < n; i++)
		rq[i] = (dc_req_spec){0.001 * (double)i, 64, 300};
	for (size_t s = 0; s < 2; s++) {
		/* 256 blocks; the 32 requests would need 32·23 = 736 */
		dc_replica_cfg cfg = mkcfg(scheds[s], 4096);
		tap tp;
		tap_init(&tp, n);
		dc_llm_events ev = {&tp, tap_token, tap_done};
		dc_llm_simple_opt o = {.check = 1, .tap = &ev};
		dc_llm_result res;
		run_ok(&cfg, 1, DC_ROUTE_ROUND_ROBIN, rq, n, &o, &res);
		int64_t pre = 0, sum_out = 0, sum_prompt = 0;
		for (size_t i = 0; i < n; i++) {
			const dc_req_rec *r = &res.recs[i];
			ck_assert_int_eq(tp.tokens[i], 300);
			ck_assert_int_eq(tp.firsts[i], 1);
			ck_assert_int_eq(tp.done[i], 1);
			ck_assert_int_eq(r->emitted, 300);
			pre += r->preemptions;
			sum_out += r->output;
			sum_prompt += r->prompt;
		}
		ck_assert_int_eq(tp.order_bad, 0);
		ck_assert_msg(res.total.preemptions > 0 &&
			      res.total.preemptions == pre,
			      "%s: %lld preemptions, records say %lld",
			      dc_sched_names[scheds[s]],
			      (long long)res.total.preemptions, (long long)pre);
		ck_assert_int_le(res.total.kv_blocks_peak, 256);
		ck_assert_int_eq(res.total.kv_blocks_used, 0);
		ck_assert_int_eq(res.total.tokens_out, sum_out);
		/* recompute costs prompt tokens again */
		ck_assert_int_gt(res.total.prefill_tokens, sum_prompt);
		double u = res.total.kv_util_busy / res.total.busy_s;
		ck_assert_msg(u > 0.5 && u <= 1, "mean KV utilisation %g", u);
		dc_llm_result_free(&res);
		tap_free(&tp);
	}
}
END_TEST

START_TEST(preempts_most_recent)
{
	/* 8 blocks of 16, no watermark: A and B (32 + 40 tokens each) both
	 * fit at admission; when their decodes fill memory, B (admitted
	 * last) is preempted and A runs on undisturbed */
	dc_replica_cfg cfg = mkcfg(DC_SCHED_NAIVE, 128);
	cfg.watermark = 0;
	dc_req_spec rq[2] = {{0, 32, 40}, {0.01, 32, 40}};
	tap tp;
	tap_init(&tp, 2);
	dc_llm_events ev = {&tp, tap_token, tap_done};
	dc_llm_simple_opt o = {.check = 1, .tap = &ev};
	dc_llm_result res;
	run_ok(&cfg, 1, DC_ROUTE_ROUND_ROBIN, rq, 2, &o, &res);
	ck_assert_int_eq(res.recs[0].preemptions, 0);
	ck_assert_int_ge(res.recs[1].preemptions, 1);
	ck_assert_int_eq(tp.tokens[1], 40);
	ck_assert(res.recs[1].t_done > res.recs[0].t_done);
	/* B's stall shows in its TBT: A's remaining decodes and B's
	 * recompute, against one prefill + one decode for A */
	ck_assert_msg(res.recs[1].tbt_max > 3 * res.recs[0].tbt_max,
		      "B max TBT %g, A max TBT %g", res.recs[1].tbt_max,
		      res.recs[0].tbt_max);
	dc_llm_result_free(&res);
	tap_free(&tp);
}
END_TEST

START_TEST(watermark_holds_back_admission)
{
	/* 100 blocks, watermark 10 %: prompts of 16 blocks; 5 are admitted
	 * (80 blocks + 16 would leave 4 < 10) */
	dc_replica_cfg cfg = mkcfg(DC_SCHED_STATIC, 1600);
	cfg.watermark = 0.10;
	dc_err err = DC_ERR_INIT;
	dc_replica *r;
	ck_assert_int_eq(dc_replica_new(&cfg, tcost, &V7, &r, &err), DC_OK);
	dc_req_spec s = {0, 250, 6}; /* static reserves 256 tokens */
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(dc_replica_add(r, i, &s, 0, &err), DC_OK);
	dc_iter_plan p;
	ck_assert_int_eq(dc_replica_begin(r, 0, 1, &p, &err), DC_OK);
	ck_assert_uint_eq(p.n, 5);
	ck_assert_int_eq(p.kv_blocks_used, 80);
	ck_assert_uint_eq(dc_replica_waiting(r), 3);
	dc_replica_free(r);
	dc_err_free(&err);
}
END_TEST

/* ---- static batching ---------------------------------------------------- */

/* Returns how many requests were admitted while another batch (a group
 * with a different schedule time) was still unfinished. */
static size_t mid_batch_joins(const dc_llm_result *res)
{
	size_t bad = 0;
	for (size_t j = 0; j < res->n; j++)
		for (size_t i = 0; i < res->n; i++) {
			const dc_req_rec *a = &res->recs[i], *b = &res->recs[j];
			bad += b->t_schedule > a->t_schedule &&
				b->t_schedule < a->t_done;
		}
	return bad;
}

START_TEST(static_never_admits_mid_batch)
{
	size_t n = 40;
	dc_req_spec *rq = poisson_load(n, 20, 11, 32, 512, 10, 60);
	dc_replica_cfg cfg = mkcfg(DC_SCHED_STATIC, 1 << 16);
	cfg.max_batch = 8;
	dc_llm_simple_opt o = {.check = 1};
	dc_llm_result res;
	run_ok(&cfg, 1, DC_ROUTE_ROUND_ROBIN, rq, n, &o, &res);
	ck_assert_uint_eq(mid_batch_joins(&res), 0);
	ck_assert_int_le(res.total.batch_seqs_max, 8);
	ck_assert_int_eq(res.total.preemptions, 0);
	dc_llm_result_free(&res);
	/* the property has teeth: continuous batching does join mid-way */
	cfg.scheduler = DC_SCHED_NAIVE;
	run_ok(&cfg, 1, DC_ROUTE_ROUND_ROBIN, rq, n, &o, &res);
	ck_assert_uint_gt(mid_batch_joins(&res), 0);
	dc_llm_result_free(&res);
	dc_free(rq);
}
END_TEST

/* ---- invariants over random workloads ----------------------------------- */

START_TEST(records_consistent_all_schedulers)
{
	size_t n = 600;
	dc_req_spec *rq = poisson_load(n, 30, 5, 1, 2000, 1, 400);
	for (int s = DC_SCHED_NAIVE; s <= DC_SCHED_STATIC; s++) {
		dc_replica_cfg cfg = mkcfg(s, 1 << 14);
		cfg.max_batch = 48;
		tap tp;
		tap_init(&tp, n);
		dc_llm_events ev = {&tp, tap_token, tap_done};
		dc_llm_simple_opt o = {.check = 1, .tap = &ev};
		dc_llm_result res;
		run_ok(&cfg, 3, DC_ROUTE_JSQ, rq, n, &o, &res);
		int64_t sum_out = 0;
		for (size_t i = 0; i < n; i++) {
			const dc_req_rec *r = &res.recs[i];
			ck_assert_int_eq(r->id, (int64_t)i);
			ck_assert_int_eq(r->emitted, rq[i].output);
			ck_assert_int_eq(tp.tokens[i], rq[i].output);
			ck_assert(r->t_arrival == rq[i].t_arrival_s);
			ck_assert(r->t_arrival <= r->t_schedule &&
				  r->t_schedule < r->t_first &&
				  r->t_first <= r->t_last &&
				  r->t_last == r->t_done);
			ck_assert_double_eq_tol(r->ttft + r->tpot *
						(r->output - 1), r->e2e, 1e-9);
			ck_assert_double_eq_tol(tp.gap_sum[i], r->tbt_sum, 1e-9);
			ck_assert(tp.gap_max[i] == r->tbt_max);
			ck_assert(r->tbt_max >= r->tpot - 1e-12);
			sum_out += r->output;
		}
		ck_assert_int_eq(res.total.tokens_out, sum_out);
		ck_assert_int_eq(res.total.requests_done, (int64_t)n);
		ck_assert_int_eq(res.total.kv_blocks_used, 0);
		ck_assert_double_eq_tol(res.total.energy_J,
					V7.power_W * res.total.busy_s, 1e-6);
		if (s == DC_SCHED_FLYWHEEL)
			ck_assert_int_le(res.total.batch_tokens_max, 512);
		dc_llm_result_free(&res);
		tap_free(&tp);
	}
	dc_free(rq);
}
END_TEST

START_TEST(deterministic)
{
	size_t n = 500;
	dc_req_spec *rq = poisson_load(n, 50, 9, 16, 1500, 1, 300);
	dc_replica_cfg cfg = mkcfg(DC_SCHED_FLYWHEEL, 1 << 14);
	dc_llm_result a, b;
	run_ok(&cfg, 4, DC_ROUTE_LEAST_OUTSTANDING, rq, n, NULL, &a);
	run_ok(&cfg, 4, DC_ROUTE_LEAST_OUTSTANDING, rq, n, NULL, &b);
	ck_assert(memcmp(a.recs, b.recs, n * sizeof *a.recs) == 0);
	ck_assert(memcmp(a.replica_of, b.replica_of,
			 n * sizeof *a.replica_of) == 0);
	ck_assert(memcmp(&a.total, &b.total, sizeof a.total) == 0);
	dc_llm_result_free(&a);
	dc_llm_result_free(&b);
	dc_free(rq);
}
END_TEST

/* ---- router ------------------------------------------------------------- */

START_TEST(router_policies)
{
	dc_err err = DC_ERR_INIT;
	dc_replica_cfg cfg = mkcfg(DC_SCHED_NAIVE, 1 << 14);
	dc_replica *r[3];
	for (int k = 0; k < 3; k++)
		ck_assert_int_eq(dc_replica_new(&cfg, tcost, &V7, &r[k], &err),
				 DC_OK);
	dc_router rr = {DC_ROUTE_ROUND_ROBIN}, lo = {DC_ROUTE_LEAST_OUTSTANDING},
		  jsq = {DC_ROUTE_JSQ};
	dc_req_spec s = {0, 100, 10};
	for (int i = 0; i < 6; i++) {
		int k = dc_router_pick(&rr, r, 3);
		ck_assert_int_eq(k, i % 3);
		ck_assert_int_eq(dc_replica_add(r[k], i, &s, 0, &err), DC_OK);
	}
	/* now 2/2/2 waiting; r0 admits its two (0 waiting, 2 running) */
	dc_iter_plan p;
	ck_assert_int_eq(dc_replica_begin(r[0], 0, 1, &p, &err), DC_OK);
	ck_assert_int_eq(dc_replica_add(r[1], 9, &s, 0, &err), DC_OK);
	/* outstanding 2/3/2: LOR -> r0 (tie with r2, lowest index) */
	ck_assert_int_eq(dc_router_pick(&lo, r, 3), 0);
	/* waiting 0/3/2: JSQ -> r0 */
	ck_assert_int_eq(dc_router_pick(&jsq, r, 3), 0);
	ck_assert_int_eq(dc_replica_add(r[0], 10, &s, 0, &err), DC_OK);
	ck_assert_int_eq(dc_replica_add(r[0], 11, &s, 0, &err), DC_OK);
	ck_assert_int_eq(dc_replica_add(r[0], 12, &s, 0, &err), DC_OK);
	/* outstanding 5/3/2, waiting 3/3/2: LOR -> r2, JSQ -> r2 */
	ck_assert_int_eq(dc_router_pick(&lo, r, 3), 2);
	ck_assert_int_eq(dc_router_pick(&jsq, r, 3), 2);
	ck_assert_int_eq(dc_replica_add(r[2], 13, &s, 0, &err), DC_OK);
	/* waiting 3/3/3, outstanding 5/3/3: JSQ tie -> fewer outstanding,
	 * lowest index: r1 */
	ck_assert_int_eq(dc_router_pick(&jsq, r, 3), 1);
	ck_assert_int_eq(dc_replica_outstanding(r[0]), 5);
	ck_assert_int_eq(dc_replica_running(r[0]), 2);
	dc_router bad = {7};
	ck_assert_int_eq(dc_router_pick(&bad, r, 3), DC_EINVAL);
	ck_assert_int_eq(dc_router_pick(&rr, r, 0), DC_EINVAL);
	ck_assert_int_eq(dc_router_pick(NULL, r, 3), DC_EINVAL);
	for (int k = 0; k < 3; k++)
		dc_replica_free(r[k]);
	dc_err_free(&err);
}
END_TEST

/* ---- parameters and bad input ------------------------------------------- */

START_TEST(param_table_defaults)
{
	dc_replica_cfg a, b;
	memset(&a, 0xab, sizeof a);
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_params_defaults(&dc_replica_pset, &a, NULL, &err),
			 DC_OK);
	dc_replica_cfg_default(&b);
	ck_assert_int_eq(a.scheduler, b.scheduler);
	ck_assert_int_eq(a.token_budget, 512);
	ck_assert_int_eq(a.max_batch, 128);
	ck_assert_int_eq(a.block_size, 16);
	ck_assert_double_eq(a.watermark, 0.01);
	ck_assert_int_eq(a.kv_tokens, b.kv_tokens);
	ck_assert_int_eq(dc_params_set(&dc_replica_pset, "serving", "scheduler",
				       "naive", &a, NULL, &err), DC_OK);
	ck_assert_int_eq(a.scheduler, DC_SCHED_NAIVE);
	ck_assert_int_eq(dc_params_set(&dc_replica_pset, "serving",
				       "watermark", "1", &a, NULL, &err),
			 DC_EINVAL);
	dc_err_free(&err);
}
END_TEST

START_TEST(bad_config)
{
	dc_err err = DC_ERR_INIT;
	dc_replica *r = (dc_replica *)&err;
	dc_replica_cfg ok = mkcfg(DC_SCHED_NAIVE, 4096), c;
	struct { const char *what; int field; double v; } bad[] = {
		{"scheduler", 0, 3}, {"token_budget", 1, 0}, {"max_batch", 2, 0},
		{"block_size", 3, 0}, {"watermark", 4, -0.1},
		{"watermark", 4, 1}, {"kv_tokens", 5, 15},
		{"watermark", 4, NAN},
	};
	for (size_t k = 0; k < DC_ARRAY_LEN(bad); k++) {
		c = ok;
		switch (bad[k].field) {
		case 0: c.scheduler = (int)bad[k].v; break;
		case 1: c.token_budget = (int64_t)bad[k].v; break;
		case 2: c.max_batch = (int64_t)bad[k].v; break;
		case 3: c.block_size = (int64_t)bad[k].v; break;
		case 4: c.watermark = bad[k].v; break;
		default: c.kv_tokens = (int64_t)bad[k].v; break;
		}
		ck_assert_int_eq(dc_replica_new(&c, tcost, &V7, &r, &err),
				 DC_EINVAL);
		ck_assert_ptr_null(r);
		ck_assert_msg(strstr(dc_err_text(&err), bad[k].what),
			      "case %zu: %s", k, dc_err_text(&err));
		dc_err_free(&err);
	}
	ck_assert_int_eq(dc_replica_new(&ok, NULL, &V7, &r, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_new(NULL, tcost, &V7, &r, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_new(&ok, tcost, &V7, NULL, NULL),
			 DC_EINVAL);
	dc_err_free(&err);
}
END_TEST

START_TEST(bad_calls)
{
	dc_err err = DC_ERR_INIT;
	dc_replica_cfg cfg = mkcfg(DC_SCHED_FLYWHEEL, 4096);
	dc_replica *r;
	ck_assert_int_eq(dc_replica_new(&cfg, tcost, &V7, &r, &err), DC_OK);
	dc_req_spec s0 = {0, 0, 5}, s1 = {0, 5, 0}, big = {0, 4000, 100},
		    s = {1, 100, 3}, inf = {INFINITY, 5, 5};
	ck_assert_int_eq(dc_replica_add(r, 1, &s0, 1, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_add(r, 1, &s1, 1, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_add(r, 1, &big, 1, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_add(r, 1, &inf, 1, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_add(r, 1, NULL, 1, &err), DC_EINVAL);
	ck_assert_uint_eq(dc_replica_waiting(r), 0);
	ck_assert_int_eq(dc_replica_end(r, 1, NULL, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_add(r, 1, &s, 1, &err), DC_OK);
	ck_assert_int_eq(dc_replica_add(r, 2, &s, 0.5, &err), DC_EINVAL);
	dc_iter_plan p;
	ck_assert_int_eq(dc_replica_begin(r, 1, 0, &p, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_begin(r, 1, 1.5, &p, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_begin(r, 0.9, 1, &p, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_begin(r, 1, 1, &p, &err), DC_OK);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_int_eq(dc_replica_begin(r, 1, 1, &p, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_end(r, 0.99, NULL, &err), DC_EINVAL);
	ck_assert_int_eq(dc_replica_end(r, 2, NULL, &err), DC_OK);
	ck_assert_int_eq(dc_replica_check(r, &err), DC_OK);
	dc_replica_free(r);
	dc_replica_free(NULL);
	dc_err_free(&err);
}
END_TEST

START_TEST(model_failure_rolls_back)
{
	dc_err err = DC_ERR_INIT;
	tmodel m = V7;
	dc_replica_cfg cfg = mkcfg(DC_SCHED_NAIVE, 4096);
	dc_replica *r;
	ck_assert_int_eq(dc_replica_new(&cfg, tcost, &m, &r, &err), DC_OK);
	dc_req_spec s = {0, 100, 3};
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(dc_replica_add(r, i, &s, 0, &err), DC_OK);
	dc_iter_plan p;
	for (m.fail = 1; m.fail <= 2; m.fail++) {
		int want = m.fail == 1 ? DC_EIO : DC_ERANGE;
		ck_assert_int_eq(dc_replica_begin(r, 0, 1, &p, &err), want);
		ck_assert_uint_eq(p.n, 0);
		ck_assert_int_eq(dc_replica_busy(r), 0);
		ck_assert_uint_eq(dc_replica_waiting(r), 3);
		ck_assert_uint_eq(dc_replica_running(r), 0);
		ck_assert_msg(dc_replica_check(r, &err) == DC_OK, "%s",
			      dc_err_text(&err));
	}
	m.fail = 0;
	ck_assert_int_eq(dc_replica_begin(r, 0.5, 1, &p, &err), DC_OK);
	ck_assert_uint_eq(p.n, 3);
	ck_assert_int_eq(dc_replica_end(r, 0.5 + p.duration_s, NULL, &err),
			 DC_OK);
	dc_replica_stats st;
	dc_replica_stats_get(r, &st);
	ck_assert_int_eq(st.iterations, 1);
	dc_replica_free(r);
	dc_err_free(&err);
}
END_TEST

START_TEST(driver_bad_input)
{
	dc_err err = DC_ERR_INIT;
	dc_replica_cfg cfg = mkcfg(DC_SCHED_NAIVE, 4096);
	dc_router rt = {DC_ROUTE_JSQ}, bad = {-1};
	dc_req_spec rq[2] = {{0, 10, 10}, {0, 5000, 10}};
	dc_llm_result res;
	ck_assert_int_eq(dc_llm_run_simple(&cfg, tcost, &V7, 0, &rt, rq, 1,
					   NULL, &res, &err), DC_EINVAL);
	ck_assert_int_eq(dc_llm_run_simple(&cfg, tcost, &V7, 1, NULL, rq, 1,
					   NULL, &res, &err), DC_EINVAL);
	ck_assert_int_eq(dc_llm_run_simple(&cfg, tcost, &V7, 1, &bad, rq, 1,
					   NULL, &res, &err), DC_EINVAL);
	ck_assert_int_eq(dc_llm_run_simple(&cfg, tcost, &V7, 1, &rt, NULL, 1,
					   NULL, &res, &err), DC_EINVAL);
	ck_assert_int_eq(dc_llm_run_simple(&cfg, tcost, &V7, 2, &rt, rq, 2,
					   NULL, &res, &err), DC_EINVAL);
	ck_assert_ptr_null(res.recs);
	ck_assert_int_eq(dc_llm_run_simple(&cfg, tcost, &V7, 1, &rt, rq, 0,
					   NULL, &res, &err), DC_OK);
	ck_assert_uint_eq(res.n, 0);
	dc_llm_result_free(&res);
	dc_llm_result_free(NULL);
	dc_err_free(&err);
}
END_TEST

START_TEST(allocation_failures)
{
	size_t n = 300;
	dc_req_spec *rq = poisson_load(n, 40, 2, 16, 600, 1, 200);
	dc_replica_cfg cfg = mkcfg(DC_SCHED_FLYWHEEL, 1 << 13);
	dc_router rt = {DC_ROUTE_ROUND_ROBIN};
	int ok = 0;
	for (long k = 0; k < 200 && !ok; k++) {
		dc_err err = DC_ERR_INIT;
		dc_llm_result res;
		dc_alloc_fail_after(k);
		int rc = dc_llm_run_simple(&cfg, tcost, &V7, 2, &rt, rq, n,
					   NULL, &res, &err);
		dc_alloc_fail_after(-1);
		ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM, "k %ld: rc %d",
			      k, rc);
		if (rc == DC_OK) {
			ok = 1;
			ck_assert_int_eq(res.total.requests_done, (int64_t)n);
		} else {
			ck_assert_ptr_null(res.recs);
		}
		dc_llm_result_free(&res);
		dc_err_free(&err);
	}
	ck_assert_msg(ok, "never succeeded");
	dc_free(rq);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("llm_engine");
	struct { const char *name; const TTest *t; } tc[] = {
		{"cost_fixture", cost_fixture_matches_v7},
		{"closed_form", lone_request_closed_form},
		{"flywheel_chunks", flywheel_chunks_lone_prompt},
		{"clock", clock_stretches_compute},
		{"v10", v10_naive_vs_flywheel},
		{"v12", v12_linear_scaling},
		{"little", littles_law},
		{"kv_preemption", tight_kv_preempts_and_completes},
		{"preempt_victim", preempts_most_recent},
		{"watermark", watermark_holds_back_admission},
		{"static_batching", static_never_admits_mid_batch},
		{"invariants", records_consistent_all_schedulers},
		{"determinism", deterministic},
		{"router", router_policies},
		{"params", param_table_defaults},
		{"bad_config", bad_config},
		{"bad_calls", bad_calls},
		{"model_failure", model_failure_rolls_back},
		{"driver_bad_input", driver_bad_input},
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
