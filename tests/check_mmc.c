/* check_mmc.c - the engine against queueing theory: an M/M/c queue run
 * from scenarios/mmc.yaml must reproduce Erlang C's mean wait, Little's
 * law and the offered load. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "../models/registry.h"
#include "../sim/runner.h"
#include "util/run.h"

/* Erlang C: probability of waiting and mean wait in queue, written from
 * the textbook formula (Kleinrock, Queueing Systems I, eq. 3.40). */
static double erlang_c(int c, double a)
{
	double term = 1, sum = 0;
	for (int k = 0; k < c; k++) {
		sum += term;          /* a^k / k! */
		term *= a / (k + 1);
	}
	double top = term * c / (c - a); /* a^c/c! * c/(c-a) */
	return top / (sum + top);
}

typedef struct grab {
	dc_stat_row wait, len, busy;
} grab;

static int g_summary(void *ctx, const dc_stat_row *r)
{
	grab *g = ctx;
	if (!strcmp(r->metric, "queue.wait"))
		g->wait = *r;
	else if (!strcmp(r->metric, "queue.length"))
		g->len = *r;
	else if (!strcmp(r->metric, "queue.busy"))
		g->busy = *r;
	return DC_OK;
}

static const dc_sink_ops g_ops = {.name = "grab", .summary = g_summary};

static void run_scenario(const char *path, const dc_override *ov, size_t nov,
			 grab *g, dc_scenario **out)
{
	size_t nk;
	const dc_component_kind *const *k = dc_registry_kinds(&nk);
	dc_err err = DC_ERR_INIT;
	dc_scenario *sc = NULL;
	int rc = dc_scenario_load(path, k, nk, ov, nov, &sc, &err);
	ck_assert_msg(rc == DC_OK, "load %s: %s", path, dc_err_text(&err));
	dc_sink sink = {&g_ops, g};
	dc_runner_result res;
	rc = dc_runner_run(sc, &sink, NULL, &res, &err);
	ck_assert_msg(rc == DC_OK, "run: %s", dc_err_text(&err));
	ck_assert_int_eq(res.reps_done, (int)sc->run.reps);
	dc_err_free(&err);
	*out = sc;
}

START_TEST(erlang_c_mean_wait)
{
	grab g = {0};
	dc_scenario *sc;
	run_scenario("scenarios/mmc.yaml", NULL, 0, &g, &sc);
	/* c = 8, lambda = 7.2/s, mu = 1/s: Wq = C / (c mu - lambda) */
	const int c = 8;
	const double lambda = 7.2, mu = 1.0;
	double wq = erlang_c(c, lambda / mu) / (c * mu - lambda);
	ck_assert_double_eq_tol(wq, 0.8769, 5e-5); /* the figure */
	double half = (g.wait.ci_hi - g.wait.ci_lo) / 2;
	printf("M/M/8 rho=0.9: Wq theory %.5f s, simulated %.5f s, 95%% CI "
	       "[%.5f, %.5f], half-width %.2f %% of Wq, %d reps x %llu "
	       "customers\n", wq, g.wait.mean, g.wait.ci_lo, g.wait.ci_hi,
	       100 * half / wq, g.wait.reps,
	       (unsigned long long)(g.wait.n / (uint64_t)g.wait.reps));
	ck_assert_int_eq(g.wait.reps, 10);
	ck_assert_msg(g.wait.ci_lo <= wq && wq <= g.wait.ci_hi,
		      "Erlang C Wq %.5f outside CI [%.5f, %.5f]", wq,
		      g.wait.ci_lo, g.wait.ci_hi);
	ck_assert_msg(half < 0.03 * wq, "CI half-width %.5f >= 3 %% of %.5f",
		      half, wq);
	/* Little's law on the queue: Lq = lambda Wq (time averages agree
	 * with customer averages up to the CI) */
	double lq_ci = (g.len.ci_hi - g.len.ci_lo) / 2;
	ck_assert_msg(fabs(g.len.mean - lambda * g.wait.mean) <
			      2 * lq_ci + lambda * half,
		      "Little: Lq %.4f vs lambda*Wq %.4f", g.len.mean,
		      lambda * g.wait.mean);
	/* mean busy servers = offered load a = lambda/mu */
	ck_assert_msg(fabs(g.busy.mean - lambda / mu) < 0.01 * lambda / mu,
		      "busy %.4f vs a = %.4f", g.busy.mean, lambda / mu);
	dc_scenario_free(sc);
}
END_TEST

START_TEST(mm4_default)
{
	/* the default scenario: M/M/4 at rho = 0.8, mu = 1/min, run longer
	 * through the command-line overrides: Wq = C(4, 3.2) / (4 - 3.2) min */
	grab g = {0};
	dc_scenario *sc;
	dc_override ov[] = {{"--reps", "replications", "20"},
			    {"--until", "horizon", "20 d"}};
	run_scenario("scenarios/queue.yaml", ov, 2, &g, &sc);
	double wq = erlang_c(4, 3.2) / (4 - 3.2) * 60; /* seconds */
	printf("M/M/4 rho=0.8: Wq theory %.3f s, simulated %.3f s, CI "
	       "[%.3f, %.3f]\n", wq, g.wait.mean, g.wait.ci_lo, g.wait.ci_hi);
	ck_assert_msg(g.wait.ci_lo <= wq && wq <= g.wait.ci_hi,
		      "Wq %.4f outside [%.4f, %.4f]", wq, g.wait.ci_lo,
		      g.wait.ci_hi);
	dc_scenario_free(sc);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mmc");
	TCase *c = tcase_create("erlang_c_mean_wait");
	tcase_set_timeout(c, 600);
	tcase_add_test(c, erlang_c_mean_wait);
	suite_add_tcase(s, c);
	c = tcase_create("mm4_default");
	tcase_set_timeout(c, 600);
	tcase_add_test(c, mm4_default);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	return dc_test_main(suite());
}
