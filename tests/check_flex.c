/* check_flex.c - Flex capacity arithmetic (V-12), the shed/cap planner
 * (class order, NR untouched, feasibility, conservation of the planned
 * power, deadlines) and the POLCA controller's hysteresis. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "../models/flex.h"
#include "../sim/alloc.h"
#include "../sim/rng.h"
#include "util/run.h"

#define MW 1e6

/* P(phi) from physics.md §4.2, written here independently. */
static double p_of_phi(const dc_flex_group *g, double phi)
{
	double a = g->alpha > 0 ? g->alpha : 2.5;
	return g->p_idle + (g->power - g->p_idle) * pow(phi, a);
}

/* ------------------------------------------------------------- V-12 */

START_TEST(v12_four_n_three)
{
	dc_flex_capacity c;
	ck_assert_int_eq(dc_flex_capacity_of(4, 3, 3 * MW, &c, NULL), DC_OK);
	ck_assert_msg(c.p_conv == 9 * MW && c.p_flex == 12 * MW,
		      "conv %g flex %g", c.p_conv, c.p_flex);
	ck_assert_double_eq(c.reserved, 3 * MW);
	ck_assert_double_eq(c.reserved_frac, 0.25);
	ck_assert_double_eq_tol(c.gain, 1.0 / 3.0, 1e-15);
	double cap, shed;
	ck_assert_int_eq(dc_flex_after_loss(4, 3 * MW, 1, c.p_flex, &cap, &shed,
					    NULL), DC_OK);
	ck_assert_double_eq(cap, 9 * MW);
	ck_assert_double_eq(shed, 3 * MW);
	ck_assert_double_eq(shed / c.p_flex, 0.25);
	/* two feeds lost: 6 MW left, 6 MW to shed; none lost: nothing */
	ck_assert_int_eq(dc_flex_after_loss(4, 3 * MW, 2, 12 * MW, &cap, &shed,
					    NULL), DC_OK);
	ck_assert_double_eq(cap, 6 * MW);
	ck_assert_double_eq(shed, 6 * MW);
	ck_assert_int_eq(dc_flex_after_loss(4, 3 * MW, 0, 12 * MW, NULL, &shed,
					    NULL), DC_OK);
	ck_assert_double_eq(shed, 0);
	/* seed case: 9 MW with 2.4 MW flexible -> 6.6 MW guaranteed */
	double g;
	ck_assert_int_eq(dc_flex_guaranteed(9 * MW, 2.4 * MW, &g, NULL), DC_OK);
	ck_assert_double_eq_tol(g, 6.6 * MW, 1e-6);
	ck_assert_double_eq_tol(2.4 / 9, 0.2667, 1e-4);
}
END_TEST

START_TEST(stranded_closed_form)
{
	double pm, st;
	/* 25 % removable load: the whole 12 MW is usable */
	ck_assert_int_eq(dc_flex_stranded(4, 3, 3 * MW, 0.25, &pm, &st, NULL),
			 DC_OK);
	ck_assert_double_eq_tol(pm, 12 * MW, 1e-6);
	ck_assert_double_eq_tol(st, 0, 1e-6);
	/* 10 %: 9 / 0.9 = 10 MW, 2 MW stranded */
	ck_assert_int_eq(dc_flex_stranded(4, 3, 3 * MW, 0.10, &pm, &st, NULL),
			 DC_OK);
	ck_assert_double_eq_tol(pm, 10 * MW, 1e-6);
	ck_assert_double_eq_tol(st, 2 * MW, 1e-6);
	/* nothing removable: back to the conventional 9 MW */
	ck_assert_int_eq(dc_flex_stranded(4, 3, 3 * MW, 0, &pm, &st, NULL),
			 DC_OK);
	ck_assert_double_eq(pm, 9 * MW);
	ck_assert_double_eq(st, 3 * MW);
	/* invariant: stranded is non-increasing in the removable share */
	double prev = HUGE_VAL;
	for (double f = 0; f <= 1.0; f += 0.01) {
		ck_assert_int_eq(dc_flex_stranded(4, 3, 3 * MW, f, NULL, &st,
						  NULL), DC_OK);
		ck_assert_msg(st <= prev && st >= 0, "f %g: stranded %g", f,
			      st);
		prev = st;
	}
}
END_TEST

/* ---------------------------------------------------------- planner */

/* SR 1 MW (order 1), SR 1 MW (order 0), NR-C 2 MW (idle 0.4, floor at
 * phi 0.5), NR 3 MW, NR-C 2 MW (cap floor 1.2 MW): 9 MW in all. */
static void room(dc_flex_group g[5])
{
	memset(g, 0, 5 * sizeof *g);
	g[0] = (dc_flex_group){.power = 1 * MW, .cls = DC_FLEX_SR, .order = 1};
	g[1] = (dc_flex_group){.power = 1 * MW, .cls = DC_FLEX_SR, .order = 0};
	g[2] = (dc_flex_group){.power = 2 * MW, .cls = DC_FLEX_NRC,
			       .p_idle = 0.4 * MW, .phi_min = 0.5};
	g[3] = (dc_flex_group){.power = 3 * MW, .cls = DC_FLEX_NR};
	g[4] = (dc_flex_group){.power = 2 * MW, .cls = DC_FLEX_NRC, .order = 1,
			       .p_idle = 0.4 * MW, .p_cap = 1.2 * MW};
}

START_TEST(plan_sr_first)
{
	dc_flex_group g[5];
	room(g);
	dc_flex_plan p;
	/* 9 -> 7.5 MW: shutting both SR groups (order 0 first) suffices */
	ck_assert_int_eq(dc_flex_plan_make(g, 5, 7.5 * MW, NULL, &p, NULL),
			 DC_OK);
	ck_assert_uint_eq(p.n_actions, 2);
	ck_assert_msg(p.actions[0].group == 1 && p.actions[1].group == 0,
		      "order: %zu then %zu", p.actions[0].group,
		      p.actions[1].group);
	ck_assert_int_eq(p.actions[0].kind, DC_FLEX_ACT_SHUT);
	ck_assert_double_eq(p.p_after, 7 * MW);
	ck_assert_int_eq(p.met, 1);
	ck_assert_double_eq(p.stranded, 0.5 * MW);
	ck_assert_double_eq(p.t_needed, 5);
	ck_assert_int_eq(p.deadline_met, 1);
	dc_flex_plan_free(&p);
	/* 9 -> 8.5 MW: one SR group is enough, nothing capped */
	ck_assert_int_eq(dc_flex_plan_make(g, 5, 8.5 * MW, NULL, &p, NULL),
			 DC_OK);
	ck_assert_uint_eq(p.n_actions, 1);
	ck_assert_uint_eq(p.actions[0].group, 1);
	dc_flex_plan_free(&p);
	/* 9 -> 6.5 MW: both SR shut, then the first NR-C capped by 0.5 MW */
	ck_assert_int_eq(dc_flex_plan_make(g, 5, 6.5 * MW, NULL, &p, NULL),
			 DC_OK);
	ck_assert_uint_eq(p.n_actions, 3);
	const dc_flex_action *a = &p.actions[2];
	ck_assert_msg(a->group == 2 && a->kind == DC_FLEX_ACT_CAP,
		      "third action group %zu kind %d", a->group, a->kind);
	double phi = pow((1.5 - 0.4) / (2.0 - 0.4), 1 / 2.5);
	ck_assert_double_eq_tol(a->phi, phi, 1e-12);
	ck_assert_double_eq_tol(a->p_after, 1.5 * MW, 1e-6);
	ck_assert_double_eq_tol(p.p_after, 6.5 * MW, 1e-6);
	ck_assert_int_eq(p.met, 1);
	ck_assert_msg(p.stranded < 1e-6, "stranded %g", p.stranded);
	dc_flex_plan_free(&p);
}
END_TEST

START_TEST(plan_nr_untouched_and_infeasible)
{
	dc_flex_group g[5];
	room(g);
	dc_flex_plan p;
	/* floors: NR 3 + P(0.5) of group 2 + 1.2 MW cap of group 4 */
	double floor2 = p_of_phi(&g[2], 0.5);
	double best = 3 * MW + floor2 + 1.2 * MW;
	ck_assert_int_eq(dc_flex_plan_make(g, 5, best + 1, NULL, &p, NULL),
			 DC_OK);
	ck_assert_int_eq(p.met, 1);
	dc_flex_plan_free(&p);
	ck_assert_int_eq(dc_flex_plan_make(g, 5, 4 * MW, NULL, &p, NULL),
			 DC_OK);
	ck_assert_msg(p.met == 0 && p.deadline_met == 0, "met %d", p.met);
	ck_assert_double_eq_tol(p.p_after, best, 1e-6);
	ck_assert_double_eq(p.stranded, 0);
	for (size_t i = 0; i < p.n_actions; i++)
		ck_assert_msg(p.actions[i].group != 3, "NR group touched");
	ck_assert_uint_eq(p.n_actions, 4);
	dc_flex_plan_free(&p);
	/* already under the limit: no actions, everything left stranded */
	ck_assert_int_eq(dc_flex_plan_make(g, 5, 10 * MW, NULL, &p, NULL),
			 DC_OK);
	ck_assert_uint_eq(p.n_actions, 0);
	ck_assert_double_eq(p.stranded, 1 * MW);
	ck_assert_double_eq(p.t_needed, 0);
	dc_flex_plan_free(&p);
}
END_TEST

/* Random rooms: the planned total equals the sum of each group's power
 * after its action (conservation), NR is never touched, NR-C is capped
 * only once every SR group is shut, and met holds exactly when the limit
 * is at least the best achievable total. */
START_TEST(plan_properties)
{
	gsl_rng *r = dc_rng_new(NULL, 7, 0, 0);
	ck_assert_ptr_nonnull(r);
	enum { NG = 12 };
	for (int trial = 0; trial < 2000; trial++) {
		dc_flex_group g[NG];
		double total = 0, best = 0;
		for (int i = 0; i < NG; i++) {
			double pw = 1e3 + 1e5 * gsl_rng_uniform(r);
			int cls = (int)gsl_rng_uniform_int(r, 3);
			g[i] = (dc_flex_group){.power = pw, .cls = cls,
					       .order = (int)gsl_rng_uniform_int(r, 4),
					       .p_idle = 0.2 * pw,
					       .alpha = 2 + gsl_rng_uniform(r),
					       .phi_min = 0.3 + 0.5 * gsl_rng_uniform(r)};
			if (cls == DC_FLEX_NRC && gsl_rng_uniform(r) < 0.5)
				g[i].p_cap = pw * (0.3 + 0.5 * gsl_rng_uniform(r));
			total += pw;
			best += cls == DC_FLEX_SR ? 0 :
				cls == DC_FLEX_NR ? pw :
				g[i].p_cap > 0 ? g[i].p_cap :
						 p_of_phi(&g[i], g[i].phi_min);
		}
		double limit = total * gsl_rng_uniform(r);
		dc_flex_plan p;
		ck_assert_int_eq(dc_flex_plan_make(g, NG, limit, NULL, &p, NULL),
				 DC_OK);
		double after[NG];
		for (int i = 0; i < NG; i++)
			after[i] = g[i].power;
		int seen_cap = 0, shut = 0, n_sr = 0;
		for (int i = 0; i < NG; i++)
			n_sr += g[i].cls == DC_FLEX_SR;
		for (size_t k = 0; k < p.n_actions; k++) {
			const dc_flex_action *a = &p.actions[k];
			const dc_flex_group *gi = &g[a->group];
			ck_assert_msg(gi->cls != DC_FLEX_NR, "NR touched");
			if (a->kind == DC_FLEX_ACT_SHUT) {
				ck_assert_msg(!seen_cap, "shut after a cap");
				after[a->group] = 0;
				shut++;
			} else {
				seen_cap = 1;
				ck_assert_msg(shut == n_sr, "cap with SR left");
				after[a->group] = p_of_phi(gi, a->phi);
			}
		}
		double sum = 0;
		for (int i = 0; i < NG; i++)
			sum += after[i];
		ck_assert_msg(fabs(sum - p.p_after) < 1e-6, "trial %d: sum "
			      "%.9f vs plan %.9f", trial, sum, p.p_after);
		int feasible = limit >= best * (1 + 1e-9);
		if (feasible || limit < best * (1 - 1e-9))
			ck_assert_msg(p.met == feasible, "trial %d: met %d, "
				      "limit %g best %g", trial, p.met, limit,
				      best);
		if (!p.met)
			ck_assert_double_eq_tol(p.p_after, best, 1e-6);
		dc_flex_plan_free(&p);
	}
	gsl_rng_free(r);
}
END_TEST

START_TEST(plan_deadline)
{
	dc_flex_group g[5];
	room(g);
	dc_flex_plan p;
	dc_flex_timing tm = dc_flex_timing_default();
	ck_assert_double_eq(tm.ride_through, 10);
	ck_assert_double_eq(tm.t_shut, 5);
	ck_assert_double_eq(tm.t_cap, 1);
	/* parallel: shut (5 s) dominates */
	ck_assert_int_eq(dc_flex_plan_make(g, 5, 6.5 * MW, &tm, &p, NULL),
			 DC_OK);
	ck_assert_double_eq(p.t_needed, 5);
	ck_assert_int_eq(p.deadline_met, 1);
	dc_flex_plan_free(&p);
	/* serial: 5 + 5 + 1 = 11 s > 10 s */
	tm.serial = 1;
	ck_assert_int_eq(dc_flex_plan_make(g, 5, 6.5 * MW, &tm, &p, NULL),
			 DC_OK);
	ck_assert_double_eq(p.t_needed, 11);
	ck_assert_double_eq(p.actions[2].t_done, 11);
	ck_assert_int_eq(p.deadline_met, 0);
	dc_flex_plan_free(&p);
	/* a 3 s ride-through cannot wait for a shutdown, but caps do */
	tm.serial = 0;
	tm.ride_through = 3;
	ck_assert_int_eq(dc_flex_plan_make(g, 5, 8.5 * MW, &tm, &p, NULL),
			 DC_OK);
	ck_assert_int_eq(p.met, 1);
	ck_assert_int_eq(p.deadline_met, 0);
	dc_flex_plan_free(&p);
	dc_flex_group caps[2] = {g[2], g[4]};
	ck_assert_int_eq(dc_flex_plan_make(caps, 2, 3.5 * MW, &tm, &p, NULL),
			 DC_OK);
	ck_assert_double_eq(p.t_needed, 1);
	ck_assert_int_eq(p.deadline_met, 1);
	dc_flex_plan_free(&p);
}
END_TEST

/* ------------------------------------------------------------ POLCA */

static dc_polca_cfg polca(void)
{
	dc_polca_cfg c = {.p_prov = 1000, .t1 = 0.8, .t2 = 0.9, .hyst = 0.05,
			  .phi_low = 0.7, .phi_all = 0.7};
	return c;
}

static dc_polca_state step(const dc_polca_cfg *c, dc_polca_state s, double u)
{
	dc_polca_out o;
	ck_assert_int_eq(dc_polca_step(c, s, u * c->p_prov, &o), DC_OK);
	return o.state;
}

START_TEST(polca_states_and_clocks)
{
	dc_polca_cfg c = polca();
	dc_polca_out o;
	ck_assert_int_eq(dc_polca_step(&c, DC_POLCA_NORMAL, 700, &o), DC_OK);
	ck_assert_msg(o.state == DC_POLCA_NORMAL && o.phi_low_prio == 1 &&
			      o.phi_high_prio == 1, "state %d", o.state);
	ck_assert_int_eq(dc_polca_step(&c, DC_POLCA_NORMAL, 850, &o), DC_OK);
	ck_assert_msg(o.state == DC_POLCA_CAP_LOW && o.phi_low_prio == 0.7 &&
			      o.phi_high_prio == 1, "state %d", o.state);
	ck_assert_int_eq(dc_polca_step(&c, DC_POLCA_CAP_LOW, 950, &o), DC_OK);
	ck_assert_msg(o.state == DC_POLCA_CAP_ALL && o.phi_low_prio == 0.7 &&
			      o.phi_high_prio == 0.7, "state %d", o.state);
	ck_assert_int_eq(step(&c, DC_POLCA_NORMAL, 0.95), DC_POLCA_CAP_ALL);
	ck_assert_int_eq(step(&c, DC_POLCA_CAP_ALL, 0.5), DC_POLCA_NORMAL);
	ck_assert_int_eq(step(&c, DC_POLCA_CAP_ALL, 0.82), DC_POLCA_CAP_LOW);
}
END_TEST

START_TEST(polca_hysteresis_band)
{
	dc_polca_cfg c = polca();
	/* inside [t1 - h, t1] after entering CAP_LOW: stays CAP_LOW */
	dc_polca_state s = step(&c, DC_POLCA_NORMAL, 0.81);
	ck_assert_int_eq(s, DC_POLCA_CAP_LOW);
	for (int i = 0; i <= 1000; i++) {
		double u = 0.75 + 0.05 * (i % 2 ? i / 1000.0 : 1 - i / 1000.0);
		s = step(&c, s, u);
		ck_assert_msg(s == DC_POLCA_CAP_LOW, "u %.4f -> state %d", u, s);
	}
	/* inside [t2 - h, t2] after entering CAP_ALL: stays CAP_ALL */
	s = step(&c, s, 0.91);
	ck_assert_int_eq(s, DC_POLCA_CAP_ALL);
	for (int i = 0; i <= 1000; i++) {
		double u = 0.85 + 0.05 * (i % 2 ? i / 1000.0 : 1 - i / 1000.0);
		s = step(&c, s, u);
		ck_assert_msg(s == DC_POLCA_CAP_ALL, "u %.4f -> state %d", u, s);
	}
	/* inside [t1 - h, t1] from NORMAL: stays NORMAL */
	s = DC_POLCA_NORMAL;
	for (int i = 0; i <= 1000; i++) {
		s = step(&c, s, 0.75 + 0.05 * i / 1000.0);
		ck_assert_int_eq(s, DC_POLCA_NORMAL);
	}
}
END_TEST

/* Property: along a random walk, two consecutive state changes in
 * opposite directions are separated by a power swing of more than the
 * hysteresis margin; and a closed loop whose capping sheds less than the
 * margin settles instead of oscillating. */
START_TEST(polca_no_oscillation)
{
	dc_polca_cfg c = polca();
	gsl_rng *r = dc_rng_new(NULL, 11, 0, 1);
	ck_assert_ptr_nonnull(r);
	dc_polca_state s = DC_POLCA_NORMAL;
	double u = 0.7, last_u = 0;
	int last_dir = 0, changes = 0;
	for (int i = 0; i < 200000; i++) {
		u += 0.01 * (gsl_rng_uniform(r) - 0.5);
		u = u < 0.6 ? 0.6 : u > 1.0 ? 1.0 : u;
		dc_polca_state n = step(&c, s, u);
		if (n != s) {
			int dir = n > s ? 1 : -1;
			if (last_dir && dir != last_dir)
				ck_assert_msg(fabs(u - last_u) > c.hyst,
					      "reversal after %.5f (< h): %.4f "
					      "-> %.4f", fabs(u - last_u),
					      last_u, u);
			last_dir = dir;
			last_u = u;
			changes++;
		}
		s = n;
	}
	ck_assert_msg(changes > 10, "walk too tame: %d changes", changes);
	gsl_rng_free(r);
	/* closed loop: demand d, measured power d - 0.04 (< h) per cap level */
	for (double d = 0.70; d <= 1.05; d += 0.001) {
		dc_polca_state st = DC_POLCA_NORMAL;
		int flips = 0;
		for (int k = 0; k < 50; k++) {
			double meas = d - 0.04 * (double)st;
			dc_polca_state n = step(&c, st, meas);
			if (k >= 5)
				flips += n != st;
			st = n;
		}
		ck_assert_msg(flips == 0, "demand %.3f oscillates (%d flips)",
			      d, flips);
	}
}
END_TEST

/* ------------------------------------------------------- parameters */

START_TEST(pset_defaults)
{
	dc_flex_cfg f;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_flex_defaults(&f, &err), DC_OK);
	ck_assert_int_eq(f.feeds, 4);
	ck_assert_int_eq(f.needed, 3);
	ck_assert_double_eq(f.feed_rating, 3 * MW);
	ck_assert_int_eq(f.ride_through, 10 * DC_SEC);
	ck_assert_double_eq_tol(f.polca_t1, 0.8, 1e-15);
	ck_assert_int_eq(dc_flex_check(&f, "s.yaml", "flex", &err), DC_OK);
	dc_flex_timing tm = dc_flex_timing_of(&f);
	ck_assert_double_eq(tm.t_shut, 5);
	dc_polca_cfg pc = dc_flex_polca_of(&f, 1 * MW);
	dc_polca_out o;
	ck_assert_int_eq(dc_polca_step(&pc, DC_POLCA_NORMAL, 0.85 * MW, &o),
			 DC_OK);
	ck_assert_int_eq(o.state, DC_POLCA_CAP_LOW);
	ck_assert_int_eq(dc_params_set(&dc_flex_pset, "flex", "polca_t2",
				       "75 %", &f, NULL, &err), DC_OK);
	ck_assert_int_eq(dc_params_set(&dc_flex_pset, "flex", "needed", "5",
				       &f, NULL, &err), DC_OK);
	ck_assert_int_eq(dc_flex_check(&f, "s.yaml", "flex", &err), DC_EINVAL);
	ck_assert_msg(err.count == 2 && strstr(dc_err_text(&err), "polca_t1")
			      && strstr(dc_err_text(&err), "needed"),
		      "text: %s", dc_err_text(&err));
	ck_assert_int_eq(dc_params_set(&dc_flex_pset, "flex", "feed_rating",
				       "3 MWh", &f, NULL, &err), DC_EINVAL);
	for (size_t i = 0; i < dc_flex_pset.n; i++) {
		char buf[128];
		ck_assert_msg(dc_param_format(&dc_flex_pset.params[i], &f, buf,
					      sizeof buf) > 0, "format %s",
			      dc_flex_pset.params[i].key);
	}
	dc_err_free(&err);
}
END_TEST

START_TEST(bad_input)
{
	dc_flex_capacity c;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_flex_capacity_of(3, 4, 3 * MW, &c, &err),
			 DC_EINVAL);
	ck_assert_int_eq(dc_flex_capacity_of(4, 3, -1, &c, &err), DC_EINVAL);
	ck_assert_int_eq(dc_flex_after_loss(4, 3 * MW, 5, 1, NULL, NULL, &err),
			 DC_EINVAL);
	ck_assert_int_eq(dc_flex_after_loss(4, 3 * MW, 1, -1, NULL, NULL, &err),
			 DC_EINVAL);
	double g;
	ck_assert_int_eq(dc_flex_guaranteed(9, 10, &g, &err), DC_EINVAL);
	ck_assert_int_eq(dc_flex_stranded(4, 3, 3 * MW, 1.5, NULL, NULL, &err),
			 DC_EINVAL);
	dc_flex_group grp[2] = {
		{.power = 1 * MW, .cls = DC_FLEX_SR},
		{.power = -5, .cls = DC_FLEX_SR},
	};
	dc_flex_plan p;
	ck_assert_int_eq(dc_flex_plan_make(grp, 2, 1, NULL, &p, &err),
			 DC_EINVAL);
	ck_assert_ptr_null(p.actions);
	ck_assert_msg(strstr(dc_err_text(&err), "group 1"), "text: %s",
		      dc_err_text(&err));
	grp[1] = (dc_flex_group){.power = 1, .cls = 9};
	ck_assert_int_eq(dc_flex_plan_make(grp, 2, 1, NULL, &p, NULL),
			 DC_EINVAL);
	grp[1] = (dc_flex_group){.power = 1e5, .cls = DC_FLEX_NRC,
				 .p_idle = 5e4, .p_cap = 1e4};
	ck_assert_int_eq(dc_flex_plan_make(grp, 2, 1, NULL, &p, NULL),
			 DC_EINVAL);
	grp[1].p_cap = 0;
	grp[1].phi_min = 0;
	ck_assert_int_eq(dc_flex_plan_make(grp, 2, 1, NULL, &p, NULL),
			 DC_EINVAL);
	ck_assert_int_eq(dc_flex_plan_make(grp, 1, -1, NULL, &p, NULL),
			 DC_EINVAL);
	/* allocation failure is reported, nothing leaks */
	dc_alloc_fail_after(0);
	ck_assert_int_eq(dc_flex_plan_make(grp, 1, 0, NULL, &p, NULL),
			 DC_ENOMEM);
	dc_alloc_fail_after(-1);
	dc_flex_plan_free(NULL);
	dc_polca_cfg pc = polca();
	dc_polca_out o;
	ck_assert_int_eq(dc_polca_step(&pc, DC_POLCA_NORMAL, -1, &o),
			 DC_EINVAL);
	ck_assert_int_eq(dc_polca_step(&pc, (dc_polca_state)7, 1, &o),
			 DC_EINVAL);
	pc.t2 = pc.t1;
	ck_assert_int_eq(dc_polca_step(&pc, DC_POLCA_NORMAL, 1, &o), DC_EINVAL);
	pc = polca();
	pc.hyst = 0;
	ck_assert_int_eq(dc_polca_step(&pc, DC_POLCA_NORMAL, 1, &o), DC_EINVAL);
	dc_err_free(&err);
}
END_TEST

static Suite *flex_suite(void)
{
	Suite *s = suite_create("flex");
	struct { const char *name; const TTest *fn; } t[] = {
		{"v12_four_n_three", v12_four_n_three},
		{"stranded_closed_form", stranded_closed_form},
		{"plan_sr_first", plan_sr_first},
		{"plan_nr_untouched_and_infeasible",
		 plan_nr_untouched_and_infeasible},
		{"plan_properties", plan_properties},
		{"plan_deadline", plan_deadline},
		{"polca_states_and_clocks", polca_states_and_clocks},
		{"polca_hysteresis_band", polca_hysteresis_band},
		{"polca_no_oscillation", polca_no_oscillation},
		{"pset_defaults", pset_defaults},
		{"bad_input", bad_input},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(t); i++) {
		TCase *tc = tcase_create(t[i].name);
		tcase_add_test(tc, t[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return dc_test_main(flex_suite());
}
