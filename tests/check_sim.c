/* check_sim.c - the engine loop and the metric collector. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "../sim/alloc.h"
#include "../sim/metrics.h"
#include "../sim/rng.h"
#include "../sim/sim.h"
#include "../sim/stats.h"
#include "util/run.h"

/* ---- a scripted model: records what it handles ---- */
typedef struct rec {
	uint32_t id;
	int n;
	dc_time t[64];
	uint64_t data[64];
	int stop_at;        /* dc_sim_stop when n reaches this (0: never) */
	int fail_at;        /* return DC_EFAIL when n reaches this */
	int chain;          /* each event schedules one more after 10 ns */
	volatile sig_atomic_t *flag; int flag_at;
} rec;

static int rec_init(void *self, dc_sim *sim, dc_err *err)
{
	rec *r = self;
	r->id = dc_sim_current(sim);
	return DC_OK;
}

static int rec_handle(void *self, dc_sim *sim, const dc_event *ev)
{
	rec *r = self;
	ck_assert_int_eq(ev->target, r->id);
	ck_assert_int_eq(ev->t, dc_sim_now(sim));
	r->t[r->n] = ev->t;
	r->data[r->n] = ev->data;
	r->n++;
	if (r->fail_at && r->n == r->fail_at) {
		dc_err_msg(dc_sim_err(sim), DC_EFAIL, "scripted failure");
		return DC_EFAIL;
	}
	if (r->stop_at && r->n == r->stop_at)
		dc_sim_stop(sim);
	if (r->flag && r->n == r->flag_at)
		*r->flag = 1;
	if (r->chain && r->n < 60)
		return dc_sim_after(sim, 10, r->id, 0, ev->data + 1, NULL);
	return DC_OK;
}

static const dc_model_ops rec_ops = {"rec", rec_init, rec_handle, NULL};

static dc_sim *new_sim(dc_time until)
{
	dc_sim_cfg cfg = {.seed = 5, .rep = 2, .until = until};
	dc_sim *sim = dc_sim_new(&cfg);
	ck_assert_ptr_nonnull(sim);
	return sim;
}

START_TEST(dispatch_and_ties)
{
	dc_sim *sim = new_sim(DC_TIME_MAX);
	rec a = {0}, b = {0};
	uint32_t ia, ib;
	dc_sim_add(sim, &rec_ops, &a, &ia);
	dc_sim_add(sim, &rec_ops, &b, &ib);
	a.id = ia;
	b.id = ib;
	/* equal times run in scheduling order, whichever model */
	dc_sim_at(sim, 50, ib, 0, 1, NULL);
	dc_sim_at(sim, 50, ia, 0, 2, NULL);
	dc_sim_at(sim, 20, ib, 0, 3, NULL);
	dc_sim_at(sim, 50, ib, 0, 4, NULL);
	ck_assert_int_eq(dc_sim_run(sim), DC_OK);
	ck_assert_int_eq(b.n, 3);
	ck_assert_int_eq(a.n, 1);
	ck_assert_uint_eq(b.data[0], 3);
	ck_assert_uint_eq(b.data[1], 1);
	ck_assert_uint_eq(b.data[2], 4);
	ck_assert_uint_eq(dc_sim_events(sim), 4);
	ck_assert_int_eq(dc_sim_now(sim), 50);
	dc_sim_free(sim);
}
END_TEST

START_TEST(horizon_stop_fail)
{
	dc_sim *sim = new_sim(205);
	rec a = {.chain = 1};
	uint32_t id;
	dc_sim_add(sim, &rec_ops, &a, &id);
	dc_sim_at(sim, 100, id, 0, 0, NULL);
	ck_assert_int_eq(dc_sim_run(sim), DC_OK);
	/* events at 100, 110, ..., 200: 11 of them; time ends at the horizon */
	ck_assert_int_eq(a.n, 11);
	ck_assert_int_eq(dc_sim_now(sim), 205);
	dc_sim_free(sim);

	sim = new_sim(DC_TIME_MAX);
	rec b = {.chain = 1, .stop_at = 5};
	dc_sim_add(sim, &rec_ops, &b, &id);
	dc_sim_at(sim, 0, id, 0, 0, NULL);
	ck_assert_int_eq(dc_sim_run(sim), DC_OK);
	ck_assert_int_eq(b.n, 5);
	ck_assert_int_eq(dc_sim_now(sim), 40);
	dc_sim_free(sim);

	sim = new_sim(DC_TIME_MAX);
	rec c = {.chain = 1, .fail_at = 3};
	dc_sim_add(sim, &rec_ops, &c, &id);
	dc_sim_at(sim, 0, id, 0, 0, NULL);
	ck_assert_int_eq(dc_sim_run(sim), DC_EFAIL);
	ck_assert_ptr_nonnull(strstr(dc_err_text(dc_sim_err(sim)), "scripted"));
	dc_sim_free(sim);
}
END_TEST

START_TEST(interrupt_flag)
{
	static volatile sig_atomic_t flag;
	flag = 0;
	dc_sim_cfg cfg = {.until = DC_TIME_MAX, .interrupt = &flag};
	dc_sim *sim = dc_sim_new(&cfg);
	rec a = {.chain = 1, .flag = &flag, .flag_at = 7};
	uint32_t id;
	dc_sim_add(sim, &rec_ops, &a, &id);
	dc_sim_at(sim, 0, id, 0, 0, NULL);
	ck_assert_int_eq(dc_sim_run(sim), DC_EINTR);
	ck_assert_int_eq(a.n, 7);
	ck_assert_int_eq(dc_sim_now(sim), 60);
	dc_sim_free(sim);
}
END_TEST

START_TEST(cancel_and_past)
{
	dc_sim *sim = new_sim(DC_TIME_MAX);
	rec a = {0};
	uint32_t id;
	dc_event_id e1, e2;
	dc_sim_add(sim, &rec_ops, &a, &id);
	dc_sim_at(sim, 30, id, 0, 1, &e1);
	dc_sim_at(sim, 40, id, 0, 2, &e2);
	ck_assert_int_eq(dc_sim_cancel(sim, e1), DC_OK);
	ck_assert_int_eq(dc_sim_cancel(sim, e1), DC_ENOENT);
	ck_assert_uint_eq(dc_sim_pending(sim), 1);
	ck_assert_int_eq(dc_sim_run(sim), DC_OK);
	ck_assert_int_eq(a.n, 1);
	ck_assert_uint_eq(a.data[0], 2);
	dc_sim_free(sim);
}
END_TEST

START_TEST(rng_streams)
{
	dc_sim *sim = new_sim(DC_TIME_MAX);
	gsl_rng *ref = dc_rng_new(NULL, 5, 2, 3);
	gsl_rng *r = dc_sim_rng(sim, 3);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_eq(dc_sim_rng(sim, 3), r);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(gsl_rng_get(r), gsl_rng_get(ref));
	gsl_rng_free(ref);
	dc_sim_free(sim);
}
END_TEST

/* ---- metrics with a recording sink ---- */
typedef struct rsink {
	int metrics, begins, ends, samples, stats, summaries;
	double st[16][4];       /* run_stat rows: mean, sd, min, max */
	double sm[16][5];       /* summary: mean, ci_lo, ci_hi, reps, n */
	double smp_t[64], smp_v[64];
	int dists;
	double dq[128], dv[128];  /* the last distribution */
	size_t dn;
	char order[256];
	size_t olen;
} rsink;

static void mark(rsink *s, char c)
{
	if (s->olen < sizeof s->order - 1)
		s->order[s->olen++] = c;
}

static int r_metric(void *c, const dc_metric_info *mi) { mark(c, 'm'); ((rsink *)c)->metrics++; return 0; }
static int r_begin(void *c, const dc_run_info *ri) { mark(c, 'b'); ((rsink *)c)->begins++; return 0; }
static int r_end(void *c, const dc_run_info *ri) { mark(c, 'e'); ((rsink *)c)->ends++; return 0; }
static int r_sample(void *c, int run, const char *m, const char *e, double t, double v)
{
	rsink *s = c;
	mark(s, 's');
	if (s->samples < 64) {
		s->smp_t[s->samples] = t;
		s->smp_v[s->samples] = v;
	}
	s->samples++;
	return 0;
}
static int r_stat(void *c, const dc_stat_row *r)
{
	rsink *s = c;
	mark(s, 'r');
	double *d = s->st[s->stats++ % 16];
	d[0] = r->mean; d[1] = r->sd; d[2] = r->min; d[3] = r->max;
	return 0;
}
static int r_summary(void *c, const dc_stat_row *r)
{
	rsink *s = c;
	mark(s, 'S');
	double *d = s->sm[s->summaries++ % 16];
	d[0] = r->mean; d[1] = r->ci_lo; d[2] = r->ci_hi; d[3] = r->reps;
	d[4] = (double)r->n;
	return 0;
}
static int r_dist(void *c, const char *m, const char *e, const char *u,
		  const double *q, const double *v, size_t n)
{
	rsink *s = c;
	mark(s, 'D');
	s->dists++;
	s->dn = n < 128 ? n : 128;
	memcpy(s->dq, q, s->dn * sizeof *q);
	memcpy(s->dv, v, s->dn * sizeof *v);
	return 0;
}
static const dc_sink_ops r_ops = {.name = "rec", .metric = r_metric,
				  .run_begin = r_begin, .sample = r_sample,
				  .run_stat = r_stat, .run_end = r_end,
				  .summary = r_summary, .dist = r_dist};

static dc_run_info info(int run, double t_end, dc_run_status st)
{
	return (dc_run_info){.run = run, .t_end_s = t_end, .status = st};
}

START_TEST(metric_obs_moments_series)
{
	rsink rs = {0};
	dc_sink sink = {&r_ops, &rs};
	dc_metrics *m = dc_metrics_new(&sink, 10 * DC_SEC);
	dc_err err = DC_ERR_INIT;
	int id;
	ck_assert_int_eq(dc_metrics_declare(m, "w", "q", "ms", DC_METRIC_OBS,
					    "", &id, &err), DC_OK);
	dc_metrics_rep_begin(m, 0, 0);
	/* values in SI (s), shown in ms: 1..4 ms at t = 1, 2, 11, 12 s */
	dc_metrics_obs(m, id, 1 * DC_SEC, 0.001);
	dc_metrics_obs(m, id, 2 * DC_SEC, 0.002);
	dc_metrics_obs(m, id, 11 * DC_SEC, 0.003);
	dc_metrics_obs(m, id, 12 * DC_SEC, 0.004);
	dc_run_info ri = info(0, 20, DC_RUN_COMPLETE);
	ck_assert_int_eq(dc_metrics_rep_end(m, &ri, &err), DC_OK);
	ck_assert_str_eq(rs.order, "mbssre");
	ck_assert_double_eq_tol(rs.st[0][0], 2.5, 1e-12);
	ck_assert_double_eq_tol(rs.st[0][1], sqrt(5.0 / 3.0), 1e-12);
	ck_assert_double_eq_tol(rs.st[0][2], 1, 1e-12);
	ck_assert_double_eq_tol(rs.st[0][3], 4, 1e-12);
	ck_assert_double_eq(rs.smp_t[0], 0);
	ck_assert_double_eq_tol(rs.smp_v[0], 1.5, 1e-12);
	ck_assert_double_eq(rs.smp_t[1], 10);
	ck_assert_double_eq_tol(rs.smp_v[1], 3.5, 1e-12);
	dc_metrics_free(m);
	dc_err_free(&err);
}
END_TEST

START_TEST(metric_level_time_weighted)
{
	rsink rs = {0};
	dc_sink sink = {&r_ops, &rs};
	dc_metrics *m = dc_metrics_new(&sink, 4 * DC_SEC);
	dc_err err = DC_ERR_INIT;
	int id;
	/* declared after the replication began, as models do in init */
	dc_metrics_rep_begin(m, 0, 2 * DC_SEC);
	dc_metrics_declare(m, "len", "", "", DC_METRIC_LEVEL, "", &id, &err);
	/* warmup 2 s.  level: 5 on [0,3), 1 on [3,6), 4 on [6,10) */
	dc_metrics_level(m, id, 0, 5);
	dc_metrics_level(m, id, 3 * DC_SEC, 1);
	dc_metrics_level(m, id, 6 * DC_SEC, 4);
	dc_run_info ri = info(0, 10, DC_RUN_COMPLETE);
	ck_assert_int_eq(dc_metrics_rep_end(m, &ri, &err), DC_OK);
	/* after warmup: 5*1 + 1*3 + 4*4 = 24 over 8 s */
	ck_assert_double_eq_tol(rs.st[0][0], 3.0, 1e-12);
	double ex2 = (25 * 1 + 1 * 3 + 16 * 4) / 8.0;
	ck_assert_double_eq_tol(rs.st[0][1], sqrt(ex2 - 9), 1e-12);
	ck_assert_double_eq(rs.st[0][2], 1);
	ck_assert_double_eq(rs.st[0][3], 5);
	/* series (all time): [0,4): (15+1)/4; [4,8): (2+8)/4; [8,10): 8/2 */
	ck_assert_int_eq(rs.samples, 3);
	ck_assert_double_eq_tol(rs.smp_v[0], 4.0, 1e-12);
	ck_assert_double_eq_tol(rs.smp_v[1], 2.5, 1e-12);
	ck_assert_double_eq_tol(rs.smp_v[2], 4.0, 1e-12);
	dc_metrics_free(m);
	dc_err_free(&err);
}
END_TEST

START_TEST(summary_ci_and_interrupted)
{
	rsink rs = {0};
	dc_sink sink = {&r_ops, &rs};
	dc_metrics *m = dc_metrics_new(&sink, DC_SEC);
	dc_err err = DC_ERR_INIT;
	int id;
	const double means[3] = {1.0, 2.0, 4.0};
	for (int rep = 0; rep < 4; rep++) {
		dc_metrics_declare(m, "x", "", "", DC_METRIC_OBS, "", &id, &err);
		dc_metrics_rep_begin(m, rep, 0);
		/* rep 3 is interrupted: its huge values must not be pooled */
		double v = rep < 3 ? means[rep] : 1000;
		dc_metrics_obs(m, id, 0, v);
		dc_metrics_obs(m, id, 0, v);
		dc_run_info ri = info(rep, 1, rep < 3 ? DC_RUN_COMPLETE
						    : DC_RUN_INTERRUPTED);
		ck_assert_int_eq(dc_metrics_rep_end(m, &ri, &err), DC_OK);
	}
	ck_assert_int_eq(dc_metrics_summary(m, &err), DC_OK);
	ck_assert_int_eq(rs.metrics, 1);
	ck_assert_int_eq(rs.begins, 4);
	ck_assert_int_eq(rs.summaries, 1);
	/* rep means 1, 2, 4: mean 7/3, sd sqrt(7/3), t(0.975, 2) = 4.302653 */
	double half = 4.302653 * sqrt(7.0 / 3.0) / sqrt(3.0);
	ck_assert_double_eq_tol(rs.sm[0][0], 7.0 / 3.0, 1e-12);
	ck_assert_double_eq_tol(rs.sm[0][1], 7.0 / 3.0 - half, 1e-5);
	ck_assert_double_eq_tol(rs.sm[0][2], 7.0 / 3.0 + half, 1e-5);
	ck_assert_double_eq(rs.sm[0][3], 3);
	ck_assert_double_eq(rs.sm[0][4], 6);
	dc_metrics_free(m);
	dc_err_free(&err);
}
END_TEST

START_TEST(declare_errors)
{
	dc_metrics *m = dc_metrics_new(NULL, DC_SEC);
	dc_err err = DC_ERR_INIT;
	int id;
	ck_assert_int_eq(dc_metrics_declare(m, "p", "", "kW", DC_METRIC_LEVEL,
					    "", &id, &err), DC_OK);
	ck_assert_int_eq(dc_metrics_declare(m, "p", "", "s", DC_METRIC_LEVEL,
					    "", &id, &err), DC_EINVAL);
	ck_assert_int_eq(dc_metrics_declare(m, "z", "", "furlongs",
					    DC_METRIC_OBS, "", &id, &err),
			 DC_EINVAL);
	ck_assert_int_eq(err.count, 2);
	dc_metrics_free(m);
	dc_err_free(&err);
}
END_TEST


START_TEST(weighted_observations_equal_repeated_ones)
{
	rsink ra = {0}, rb = {0};
	dc_sink sa = {&r_ops, &ra}, sb = {&r_ops, &rb};
	dc_metrics *a = dc_metrics_new(&sa, DC_SEC), *b = dc_metrics_new(&sb, DC_SEC);
	dc_err err = DC_ERR_INIT;
	int ia, ib;
	dc_metrics_rep_begin(a, 0, 0);
	dc_metrics_rep_begin(b, 0, 0);
	dc_metrics_declare(a, "x", "", "", DC_METRIC_OBS, "", &ia, &err);
	dc_metrics_declare(b, "x", "", "", DC_METRIC_OBS, "", &ib, &err);
	const double v[4] = {0.25, 3.0, 0.25, 7.5};
	const uint64_t k[4] = {5, 1, 1000, 3};
	for (int i = 0; i < 4; i++) {
		dc_metrics_obs_n(a, ia, i * DC_SEC, v[i], k[i]);
		for (uint64_t j = 0; j < k[i]; j++)
			dc_metrics_obs(b, ib, i * DC_SEC, v[i]);
	}
	dc_run_info ri = info(0, 4, DC_RUN_COMPLETE);
	dc_metrics_rep_end(a, &ri, &err);
	dc_metrics_rep_end(b, &ri, &err);
	for (int j = 0; j < 4; j++)
		ck_assert_msg(fabs(ra.st[0][j] - rb.st[0][j]) <=
				      1e-12 * fabs(rb.st[0][j]),
			      "stat %d: %.17g vs %.17g", j, ra.st[0][j],
			      rb.st[0][j]);
	dc_stat_row x, y;
	dc_metrics_summary_row(a, 0, &x);
	dc_metrics_summary_row(b, 0, &y);
	ck_assert_double_eq(x.p50, y.p50);
	ck_assert_double_eq(x.p99, y.p99);
	ck_assert_uint_eq(x.n, y.n);
	for (int i = 0; i < ra.samples && i < 64; i++)
		ck_assert_double_eq_tol(ra.smp_v[i], rb.smp_v[i], 1e-12);
	dc_metrics_free(a);
	dc_metrics_free(b);
	dc_err_free(&err);
}
END_TEST

/* The pooled distribution: observations 1..1000 over two runs give
 * quantiles within the sketch's relative error of the order statistics;
 * a once-per-run metric gets none. */
START_TEST(metric_distribution)
{
	rsink rs = {0};
	dc_sink sink = {&r_ops, &rs};
	dc_metrics *m = dc_metrics_new(&sink, DC_SEC);
	dc_err err = DC_ERR_INIT;
	int id, tot;
	ck_assert_int_eq(dc_metrics_declare(m, "w", "q", "s", DC_METRIC_OBS,
					    "", &id, &err), DC_OK);
	ck_assert_int_eq(dc_metrics_declare(m, "total", "q", "", DC_METRIC_OBS,
					    "", &tot, &err), DC_OK);
	for (int rep = 0; rep < 2; rep++) {
		dc_metrics_rep_begin(m, rep, 0);
		for (int i = 1 + rep; i <= 1000; i += 2)
			dc_metrics_obs(m, id, DC_SEC, i);
		dc_metrics_obs(m, tot, DC_SEC, 5);
		dc_run_info ri = info(rep, 2, DC_RUN_COMPLETE);
		ck_assert_int_eq(dc_metrics_rep_end(m, &ri, &err), DC_OK);
	}
	ck_assert_int_eq(dc_metrics_summary(m, &err), DC_OK);
	ck_assert_int_eq(rs.dists, 1);
	ck_assert_uint_ge(rs.dn, 100);
	ck_assert_double_eq(rs.dq[0], 0);
	ck_assert_double_eq(rs.dq[rs.dn - 1], 1);
	for (size_t i = 0; i < rs.dn; i++) {
		/* lower quantile of 1..1000: rank ceil(q n), at least 1 */
		double rank = ceil(rs.dq[i] * 1000);
		double want = rank < 1 ? 1 : rank;
		ck_assert_msg(fabs(rs.dv[i] - want) <= 2 * DC_SKETCH_ALPHA * want,
			      "q %g: %g vs %g", rs.dq[i], rs.dv[i], want);
		if (i)
			ck_assert(rs.dq[i] > rs.dq[i - 1] &&
				  rs.dv[i] >= rs.dv[i - 1]);
	}
	/* after the summary row of the same metric */
	ck_assert_ptr_nonnull(strstr(rs.order, "SD"));
	dc_metrics_free(m);
	dc_err_free(&err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sim");
	struct { const char *name; const TTest *t; } tc[] = {
		{"dispatch_and_ties", dispatch_and_ties},
		{"horizon_stop_fail", horizon_stop_fail},
		{"interrupt_flag", interrupt_flag},
		{"cancel_and_past", cancel_and_past},
		{"rng_streams", rng_streams},
		{"metric_obs_moments_series", metric_obs_moments_series},
		{"metric_distribution", metric_distribution},
		{"metric_level_time_weighted", metric_level_time_weighted},
		{"summary_ci_and_interrupted", summary_ci_and_interrupted},
		{"declare_errors", declare_errors},
		{"weighted_observations_equal_repeated_ones",
		 weighted_observations_equal_repeated_ones},
	};
	for (size_t i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		TCase *c = tcase_create(tc[i].name);
		tcase_add_test(c, tc[i].t);
		suite_add_tcase(s, c);
	}
	return s;
}

int main(void)
{
	return dc_test_main(suite());
}
