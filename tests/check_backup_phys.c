/* check_backup_phys.c - backup-power physics against physics.md §3 and §6
 * (V-06 Amphlett figures, V-08 hydrogen for a 48-h 250 kW run, V-11 UPS
 * bridge, the §3.2 Faraday table, the §3.3 diesel points), conservation
 * (many small steps == one big step, stock never negative), exact empty
 * times, and bad inputs. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../models/backup_phys.h"
#include "../sim/alloc.h"
#include "../sim/params.h"
#include "../sim/rng.h"
#include "../sim/tree.h"
#include "util/run.h"

#define KWH 3.6e6

static void ck_rel(double got, double want, double rel, const char *what)
{
	ck_assert_msg(fabs(got - want) <= rel * fabs(want),
		      "%s: got %.12g, want %.12g (rel tol %g, off %.3g)", what,
		      got, want, rel, fabs(got - want) / fabs(want));
}

static void ck_abs(double got, double want, double tol, const char *what)
{
	ck_assert_msg(fabs(got - want) <= tol,
		      "%s: got %.9g, want %.9g (tol %g)", what, got, want, tol);
}

/* A PEM system from the `backup` table defaults plus overrides. */
static dc_backup_cfg pem_cfg(double rating_W, double h2_kg)
{
	dc_backup_cfg c;
	dc_err e = DC_ERR_INIT;
	ck_assert_int_eq(dc_params_defaults(&dc_backup_pset, &c, NULL, &e), 0);
	dc_err_free(&e);
	c.rating = rating_W;
	c.hydrogen = h2_kg;
	return c;
}

static dc_pem_sys pem_new(double rating_W, double h2_kg)
{
	dc_backup_cfg c = pem_cfg(rating_W, h2_kg);
	dc_pem_sys s;
	dc_err e = DC_ERR_INIT;
	int rc = dc_pem_init(&s, &c, &e);
	ck_assert_msg(rc == DC_OK, "pem_init: %s", dc_err_text(&e));
	dc_err_free(&e);
	return s;
}

/* ---- V-06: Amphlett, OPEM standard vector, B pinned at 0.016 V ------- */

START_TEST(amphlett_v06)
{
	const dc_amphlett *m = &dc_amphlett_std;
	double act, ohm, conc, v, p;
	ck_assert_int_eq(dc_amphlett_check(m, NULL), DC_OK);
	ck_abs(dc_amphlett_e_nernst(m), 1.1908, 1e-3, "E_Nernst");
	ck_assert_int_eq(dc_amphlett_eta_act(m, 25, &act, NULL), DC_OK);
	ck_assert_int_eq(dc_amphlett_eta_ohm(m, 25, &ohm, NULL), DC_OK);
	ck_assert_int_eq(dc_amphlett_eta_conc(m, 25, &conc, NULL), DC_OK);
	ck_assert_int_eq(dc_amphlett_vcell(m, 25, &v, NULL), DC_OK);
	ck_assert_int_eq(dc_amphlett_power(m, 25, &p, NULL), DC_OK);
	ck_abs(act, 0.4837, 1e-3, "eta_act(25 A)");
	ck_abs(ohm, 0.0482, 1e-3, "eta_ohm(25 A)");
	ck_abs(conc, 0.0064, 1e-3, "eta_conc(25 A)");
	ck_abs(v, 0.6524, 1e-3, "V_cell(25 A)");
	ck_abs(p, 16.31, 25 * 1e-3, "P(25 A) (1 mV x 25 A)");
	/* 41.8 % quoted to 3 digits: +-0.05 %-point */
	ck_abs(dc_amphlett_eta_hhv(v, 0.95), 0.418, 5e-4, "eta_HHV");
	ck_assert_int_eq(dc_amphlett_vcell(m, 1, &v, NULL), DC_OK);
	ck_abs(v, 0.9182, 1e-3, "V_cell(1 A)");
	ck_assert_int_eq(dc_amphlett_vcell(m, 50, &v, NULL), DC_OK);
	ck_abs(v, 0.5322, 1e-3, "V_cell(50 A)");
	/* the sum rule: V = E - act - ohm - conc */
	ck_assert_int_eq(dc_amphlett_vcell(m, 25, &v, NULL), DC_OK);
	ck_abs(v, dc_amphlett_e_nernst(m) - act - ohm - conc, 1e-12, "sum");
}
END_TEST

START_TEST(amphlett_stack)
{
	dc_amphlett m = dc_amphlett_std;
	m.N_cells = 88;
	double vc, vs, p;
	ck_assert_int_eq(dc_amphlett_vcell(&m, 30, &vc, NULL), DC_OK);
	ck_assert_int_eq(dc_amphlett_vstack(&m, 30, &vs, NULL), DC_OK);
	ck_assert_int_eq(dc_amphlett_power(&m, 30, &p, NULL), DC_OK);
	ck_rel(vs, 88 * vc, 1e-15, "V_stack = N V_cell");
	ck_rel(p, 88 * vc * 30, 1e-15, "P = V_stack I");
	/* R_elec adds I R_elec to the ohmic loss */
	dc_amphlett r = dc_amphlett_std;
	r.R_elec = 1e-3;
	double o0, o1;
	ck_assert_int_eq(dc_amphlett_eta_ohm(&dc_amphlett_std, 30, &o0, NULL), 0);
	ck_assert_int_eq(dc_amphlett_eta_ohm(&r, 30, &o1, NULL), 0);
	ck_abs(o1 - o0, 30 * 1e-3, 1e-12, "R_elec term");
	/* higher pressure raises E_Nernst by 4.308e-5 T * 1.5 ln p */
	dc_amphlett hp = dc_amphlett_std;
	hp.p_h2 = hp.p_o2 = 3;
	ck_abs(dc_amphlett_e_nernst(&hp) - dc_amphlett_e_nernst(&dc_amphlett_std),
	       4.308e-5 * 343.15 * 1.5 * log(3), 1e-12, "pressure term");
}
END_TEST

START_TEST(amphlett_bad)
{
	const dc_amphlett *m = &dc_amphlett_std;
	double v = -7;
	dc_err e = DC_ERR_INIT;
	double imax = m->J_max * m->A_cm2;
	ck_assert_int_eq(dc_amphlett_vcell(m, imax, &v, &e), DC_ERANGE);
	ck_assert_msg(strstr(dc_err_text(&e), "J_max"), "text: %s",
		      dc_err_text(&e));
	ck_assert_int_eq(dc_amphlett_vcell(m, imax * 1.01, &v, NULL), DC_ERANGE);
	ck_assert_int_eq(dc_amphlett_eta_conc(m, imax, &v, NULL), DC_ERANGE);
	ck_assert_int_eq(dc_amphlett_vcell(m, 0, &v, NULL), DC_ERANGE);
	ck_assert_int_eq(dc_amphlett_vcell(m, -1, &v, NULL), DC_ERANGE);
	ck_assert_int_eq(dc_amphlett_vcell(m, NAN, &v, NULL), DC_EINVAL);
	ck_assert_msg(v == -7, "output touched on error: %g", v);
	dc_amphlett b = *m;
	b.A_cm2 = -1;
	ck_assert_int_eq(dc_amphlett_check(&b, NULL), DC_EINVAL);
	b = *m;
	b.lambda = 4;   /* < 0.634 + 3 * 1.5 */
	ck_assert_int_eq(dc_amphlett_check(&b, NULL), DC_EINVAL);
	b = *m;
	b.N_cells = 0;
	ck_assert_int_eq(dc_amphlett_check(&b, NULL), DC_EINVAL);
	dc_err_free(&e);
}
END_TEST

/* ---- Larminie-Dicks ------------------------------------------------------ */

/* The §3.1 formula written out here, independently of the model code. */
static double ld_formula(double I)
{
	double x = I + 0.23;
	return 1.178 - 0.0587 * log(x / 0.00654) - 0.0018 * x +
	       0.0517 * log(1 - x / 100.0);
}

START_TEST(larminie_dicks)
{
	const dc_larminie_dicks *m = &dc_ld_std;
	ck_assert_int_eq(dc_ld_check(m, NULL), DC_OK);
	ck_assert_int_eq(m->N_cells, 23);
	const double Is[] = {0, 1, 10, 25, 50, 80, 99};
	for (size_t k = 0; k < DC_ARRAY_LEN(Is); k++) {
		double v, vs, p;
		ck_assert_int_eq(dc_ld_vcell(m, Is[k], &v, NULL), DC_OK);
		ck_assert_int_eq(dc_ld_vstack(m, Is[k], &vs, NULL), DC_OK);
		ck_assert_int_eq(dc_ld_power(m, Is[k], &p, NULL), DC_OK);
		ck_abs(v, ld_formula(Is[k]), 1e-12, "LD V_cell");
		ck_abs(vs, 23 * ld_formula(Is[k]), 1e-11, "LD V_stack");
		ck_abs(p, 23 * ld_formula(Is[k]) * Is[k], 1e-9, "LD P");
	}
	double v;
	ck_assert_int_eq(dc_ld_vcell(m, 100 - 0.23, &v, NULL), DC_ERANGE);
	ck_assert_int_eq(dc_ld_vcell(m, 120, &v, NULL), DC_ERANGE);
	ck_assert_int_eq(dc_ld_vcell(m, -0.1, &v, NULL), DC_ERANGE);
	dc_larminie_dicks b = *m;
	b.i_0 = 0;
	ck_assert_int_eq(dc_ld_check(&b, NULL), DC_EINVAL);
}
END_TEST

/* ---- maximum power point, sizing, inverse -------------------------------- */

static dc_fc_model model_of(dc_fc_kind k)
{
	dc_fc_model m = {.kind = k};
	if (k == DC_FC_AMPHLETT)
		m.u.amp = dc_amphlett_std;
	else
		m.u.ld = dc_ld_std;
	return m;
}

START_TEST(fc_mpp_is_max)
{
	for (int k = 0; k < 2; k++) {
		dc_fc_model m = model_of((dc_fc_kind)k);
		double i, p, v1, v2;
		ck_assert_int_eq(dc_fc_mpp(&m, &i, &p, NULL), DC_OK);
		ck_assert_msg(i > 0 && i < dc_fc_imax(&m), "i_mpp %g", i);
		/* a maximum: no sampled current gives more power */
		for (int j = 1; j < 1000; j++) {
			double I = dc_fc_imax(&m) * j / 1000.0, v;
			ck_assert_int_eq(dc_fc_vcell(&m, I, &v, NULL), DC_OK);
			ck_assert_msg(v * I <= p * (1 + 1e-12), "P(%g) = %.9g > "
				      "P_mpp %.9g", I, v * I, p);
		}
		/* and stationary: dP/dI ~ 0 by central differences */
		double h = 1e-4 * i;
		ck_assert_int_eq(dc_fc_vcell(&m, i + h, &v1, NULL), DC_OK);
		ck_assert_int_eq(dc_fc_vcell(&m, i - h, &v2, NULL), DC_OK);
		double dpdi = ((i + h) * v1 - (i - h) * v2) / (2 * h);
		ck_assert_msg(fabs(dpdi) < 1e-4 * p / i, "model %d dP/dI = %g at "
			      "i_mpp %g", k, dpdi, i);
	}
}
END_TEST

START_TEST(fc_sizing_rule)
{
	for (int k = 0; k < 2; k++) {
		dc_fc_model m = model_of((dc_fc_kind)k);
		dc_fc_plant pl;
		dc_err e = DC_ERR_INIT;
		const double pac = 250e3, eta = 0.97, bop = 0.05;
		int rc = dc_fc_size(&m, pac, 0.70, 800, eta, bop, &pl, &e);
		ck_assert_msg(rc == DC_OK, "size: %s", dc_err_text(&e));
		double v;
		ck_assert_int_eq(dc_fc_vcell(&m, pl.i_design, &v, NULL), DC_OK);
		ck_abs(v, 0.70, 1e-12, "V_cell(I_design)");
		ck_assert_int_eq(pl.n_series, 1143);   /* ceil(800 / 0.7) */
		double need = pac / (eta * (1 - bop));
		double stack = pl.n_series * 0.70 * pl.i_design;
		ck_assert_msg(pl.n_parallel * stack >= need &&
			      (pl.n_parallel - 1) * stack < need,
			      "n_p %d not minimal: stack %g W, need %g W",
			      pl.n_parallel, stack, need);
		ck_rel(pl.p_dc_design, pl.n_parallel * stack, 1e-12, "P_dc design");
		ck_assert_msg(pl.p_dc_max >= pl.p_dc_design, "MPP below design");
		ck_assert_msg(pl.i_design <= pl.i_mpp, "design past MPP");
		dc_err_free(&e);
	}
}
END_TEST

START_TEST(fc_inverse_current)
{
	dc_fc_model m = model_of(DC_FC_AMPHLETT);
	dc_fc_plant pl;
	ck_assert_int_eq(dc_fc_size(&m, 1e6, 0.7, 800, 0.97, 0.05, &pl, NULL), 0);
	double n = (double)pl.n_series * pl.n_parallel;
	const double fr[] = {1e-6, 0.01, 0.3, 0.7, 0.99, 0.999999};
	for (size_t k = 0; k < DC_ARRAY_LEN(fr); k++) {
		double P = fr[k] * pl.p_dc_max, I, v;
		ck_assert_int_eq(dc_fc_plant_current(&pl, P, &I, NULL), DC_OK);
		ck_assert_int_eq(dc_fc_vcell(&m, I, &v, NULL), DC_OK);
		ck_rel(n * v * I, P, 1e-10, "P(I(P))");
		ck_assert_msg(I <= pl.i_mpp, "I %g past MPP %g", I, pl.i_mpp);
	}
	double I = -1;
	ck_assert_int_eq(dc_fc_plant_current(&pl, 0, &I, NULL), DC_OK);
	ck_assert_msg(I == 0, "I(0) = %g", I);
	dc_err e = DC_ERR_INIT;
	ck_assert_int_eq(dc_fc_plant_current(&pl, 1.01 * pl.p_dc_max, &I, &e),
			 DC_ERANGE);
	ck_assert_msg(strstr(dc_err_text(&e), "maximum power"), "%s",
		      dc_err_text(&e));
	ck_assert_int_eq(dc_fc_plant_current(&pl, -1, &I, NULL), DC_EINVAL);
	dc_err_free(&e);
}
END_TEST

START_TEST(fc_sizing_bad)
{
	dc_fc_model m = model_of(DC_FC_AMPHLETT);
	dc_fc_plant pl;
	ck_assert_int_eq(dc_fc_size(&m, -250e3, 0.7, 800, 0.97, 0.05, &pl, NULL),
			 DC_EINVAL);
	ck_assert_int_eq(dc_fc_size(&m, 250e3, 0.7, 800, 0, 0.05, &pl, NULL),
			 DC_EINVAL);
	ck_assert_int_eq(dc_fc_size(&m, 250e3, 0.7, 800, 0.97, 1, &pl, NULL),
			 DC_EINVAL);
	/* 0.2 V lies past the maximum power point (~0.41 V) */
	ck_assert_int_eq(dc_fc_size(&m, 250e3, 0.2, 800, 0.97, 0.05, &pl, NULL),
			 DC_ERANGE);
	m.u.amp.J_max = 0;
	ck_assert_int_eq(dc_fc_size(&m, 250e3, 0.7, 800, 0.97, 0.05, &pl, NULL),
			 DC_EINVAL);
}
END_TEST

/* ---- §3.2 Faraday table, V-08 ----------------------------------------- */

START_TEST(faraday_table)
{
	const struct { double v, g_kwh, lhv, hhv; } row[] = {
		{0.60, 62.7, 0.479, 0.405}, {0.65, 57.9, 0.519, 0.439},
		{0.70, 53.7, 0.559, 0.473}, {0.75, 50.1, 0.598, 0.506},
	};
	for (size_t k = 0; k < DC_ARRAY_LEN(row); k++) {
		double kg_J;
		ck_assert_int_eq(dc_h2_per_energy(row[k].v, 1, &kg_J, NULL), 0);
		ck_rel(kg_J * KWH * 1e3, row[k].g_kwh, 0.005, "g H2/kWh_DC");
		ck_rel(dc_h2_eta_lhv(row[k].v, 1), row[k].lhv, 0.005, "eta_LHV");
		ck_rel(dc_h2_eta_hhv(row[k].v, 1), row[k].hhv, 0.005, "eta_HHV");
	}
	/* ideal limit 30.0 g/kWh at 100 % LHV (§3.2) */
	double kg;
	ck_assert_int_eq(dc_h2_mass_for_energy(KWH, 1, &kg, NULL), 0);
	ck_rel(kg * 1e3, 30.0, 0.005, "ideal g/kWh");
	ck_assert_int_eq(dc_h2_per_energy(0, 1, &kg, NULL), DC_EINVAL);
	ck_assert_int_eq(dc_h2_per_energy(0.7, 1.2, &kg, NULL), DC_EINVAL);
	ck_assert_int_eq(dc_h2_mass_rate(10, 1, 0, &kg, NULL), DC_EINVAL);
}
END_TEST

START_TEST(v08_hydrogen_48h)
{
	const double P = 250e3, T = 48 * 3600.0;
	double kg_J, kg, m3;
	ck_assert_int_eq(dc_h2_per_energy(0.70, 1, &kg_J, NULL), 0);
	ck_rel(P * T, 12000 * KWH, 1e-12, "stack DC energy 12,000 kWh");
	ck_rel(kg_J * P * T, 645, 0.01, "V-08 H2 at 0.70 V, U_f 1");
	ck_rel(dc_h2_eta_lhv(0.70, 1), 0.559, 0.01, "V-08 eta_stack,LHV");
	/* the same through the cell-count route: n cells at 0.70 V, I A */
	double n = 1000, I = P / (n * 0.70), rate;
	ck_assert_int_eq(dc_h2_mass_rate(n, I, 1, &rate, NULL), 0);
	ck_rel(rate * T, 645, 0.01, "V-08 via Faraday mass rate");
	ck_assert_int_eq(dc_h2_mass_for_energy(P * T, 0.5, &kg, NULL), 0);
	ck_rel(kg, 720, 0.01, "V-08 at 50 % system LHV");
	/* "~31 m3 at 350 bar, 18 m3 at 700 bar" (2 significant digits) */
	ck_assert_int_eq(dc_h2_volume(kg, 350e5, &m3, NULL), 0);
	ck_rel(m3, 31, 0.02, "volume at 350 bar");
	ck_assert_int_eq(dc_h2_volume(kg, 700e5, &m3, NULL), 0);
	ck_rel(m3, 18, 0.03, "volume at 700 bar");
}
END_TEST

START_TEST(water_heat_balance)
{
	double n = 500, I = 40, v = 0.68, rate;
	ck_assert_int_eq(dc_h2_mass_rate(n, I, 1, &rate, NULL), 0);
	/* water: one mol per mol H2 (M_H2O 18.015 g/mol) */
	ck_rel(dc_h2_water_rate(n, I), rate / 2.016e-3 * 18.015e-3, 1e-12,
	       "water");
	/* energy balance: electric + heat = H2 LHV flow (33.33 kWh/kg vs
	 * 1.253 V: the two §3.2 figures agree to 0.05 %) */
	double elec = n * I * v, heat = dc_h2_heat(n, I, v);
	ck_rel(elec + heat, rate * 33.33 * KWH, 1e-3, "energy balance");
	double rho;
	ck_assert_int_eq(dc_h2_density(350e5, &rho, NULL), 0);
	ck_rel(rho, 23.3, 1e-12, "rho 350 bar");
	ck_assert_int_eq(dc_h2_density(700e5, &rho, NULL), 0);
	ck_rel(rho, 39.3, 1e-12, "rho 700 bar");
	ck_assert_int_eq(dc_h2_density(525e5, &rho, NULL), 0);
	ck_rel(rho, 31.3, 1e-12, "rho 525 bar (linear)");
	ck_assert_int_eq(dc_h2_density(175e5, &rho, NULL), 0);
	ck_rel(rho, 11.65, 1e-12, "rho 175 bar (linear from 0)");
	ck_assert_int_eq(dc_h2_density(0, &rho, NULL), DC_ERANGE);
	ck_assert_int_eq(dc_h2_density(800e5, &rho, NULL), DC_ERANGE);
	ck_assert_int_eq(dc_h2_volume(-1, 350e5, &rho, NULL), DC_EINVAL);
}
END_TEST

/* ---- PEM system ---------------------------------------------------------- */

START_TEST(pem_states)
{
	dc_pem_sys s = pem_new(250e3, 100);
	dc_pem_step o;
	ck_assert_int_eq(s.state, DC_BK_OFF);
	ck_assert_int_eq(dc_pem_advance(&s, 0, 60, &o, NULL), 0);
	ck_assert_int_eq(s.state, DC_BK_OFF);
	ck_assert_msg(o.h2_kg == 0 && o.e_delivered_J == 0, "idle used fuel");
	/* the start delay (10 s default) delivers nothing */
	ck_assert_int_eq(dc_pem_advance(&s, 100e3, 10, &o, NULL), 0);
	ck_assert_int_eq(s.state, DC_BK_STARTING);
	ck_abs(o.e_delivered_J, 0, 0, "energy in delay");
	ck_rel(o.e_shortfall_J, 100e3 * 10, 1e-15, "shortfall in delay");
	ck_abs(s.t_state_s, 10, 1e-12, "time in state");
	/* ramp 30 s: available = 250 kW t/30; meets 100 kW at t = 12 s */
	ck_assert_int_eq(dc_pem_advance(&s, 100e3, 6, &o, NULL), 0);
	ck_rel(o.p_end_W, 50e3, 1e-12, "ramp-limited power at 6 s");
	ck_rel(o.e_delivered_J, 0.5 * 50e3 * 6, 1e-12, "ramp energy");
	ck_assert_int_eq(dc_pem_advance(&s, 100e3, 30, &o, NULL), 0);
	ck_assert_int_eq(s.state, DC_BK_ON);
	ck_abs(s.t_state_s, 6, 1e-9, "time ON");
	/* 6 s ramp to 100 kW (e = 0.5*(50+100)*6) then 24 s flat */
	ck_rel(o.e_delivered_J, 0.5 * 150e3 * 6 + 100e3 * 24, 1e-12, "energy");
	ck_rel(o.p_end_W, 100e3, 1e-15, "p_end ON");
	/* demand above the rating: capped, shortfall */
	ck_assert_int_eq(dc_pem_advance(&s, 300e3, 10, &o, NULL), 0);
	ck_rel(o.e_delivered_J, 250e3 * 10, 1e-15, "capped at rating");
	ck_rel(o.e_shortfall_J, 50e3 * 10, 1e-12, "shortfall above rating");
	/* water and heat follow from the hydrogen (U_f 0.95 default) */
	double mol = 0.95 * o.h2_kg / 2.016e-3;
	ck_rel(o.water_kg, mol * 18.015e-3, 1e-12, "water");
	ck_rel(o.heat_J + o.e_delivered_J / (0.97 * 0.95),
	       mol * 2 * 96485.33 * 1.253, 1e-12, "heat + DC = 1.253 V x charge");
	dc_pem_stop(&s);
	ck_assert_int_eq(s.state, DC_BK_OFF);
}
END_TEST

/* Run S for T seconds at demand D in N equal steps; totals into *sum. */
static void pem_run_steps(dc_pem_sys *s, double D, double T, int n,
			  dc_pem_step *sum)
{
	memset(sum, 0, sizeof *sum);
	sum->t_empty_s = -1;
	for (int k = 0; k < n; k++) {
		dc_pem_step o;
		dc_err e = DC_ERR_INIT;
		int rc = dc_pem_advance(s, D, T / n, &o, &e);
		ck_assert_msg(rc == DC_OK, "step %d: %s", k, dc_err_text(&e));
		dc_err_free(&e);
		ck_assert_msg(s->h2_kg >= 0, "negative stock %g", s->h2_kg);
		if (o.t_empty_s >= 0 && sum->t_empty_s < 0)
			sum->t_empty_s = k * (T / n) + o.t_empty_s;
		sum->h2_kg += o.h2_kg;
		sum->e_delivered_J += o.e_delivered_J;
		sum->e_shortfall_J += o.e_shortfall_J;
	}
}

START_TEST(pem_conservation)
{
	/* start (10 s) + ramp (30 s) + flat, one step vs 4,000 steps */
	dc_pem_sys a = pem_new(250e3, 1000), b = a;
	dc_pem_step big, small;
	ck_assert_int_eq(dc_pem_advance(&a, 180e3, 400, &big, NULL), 0);
	pem_run_steps(&b, 180e3, 400, 4000, &small);
	ck_rel(small.h2_kg, big.h2_kg, 1e-9, "H2 many steps vs one");
	ck_rel(small.e_delivered_J, big.e_delivered_J, 1e-9, "energy");
	ck_rel(b.h2_kg, a.h2_kg, 1e-12, "stock left");
	ck_rel(big.h2_kg + a.h2_kg, 1000, 1e-14, "stock + used = initial");
	ck_assert_int_eq(a.state, b.state);
	/* demand at the rating all through the ramp */
	dc_pem_sys c = pem_new(250e3, 1000), d = c;
	ck_assert_int_eq(dc_pem_advance(&c, 250e3, 45, &big, NULL), 0);
	pem_run_steps(&d, 250e3, 45, 997, &small);
	ck_rel(small.h2_kg, big.h2_kg, 1e-9, "H2 through the ramp");
	/* a tank that empties: stock never negative, all of it used */
	dc_pem_sys e = pem_new(250e3, 2.0), f = e;
	ck_assert_int_eq(dc_pem_advance(&e, 250e3, 3600, &big, NULL), 0);
	pem_run_steps(&f, 250e3, 3600, 7000, &small);
	ck_assert_msg(e.h2_kg == 0 && f.h2_kg == 0, "stock %g %g", e.h2_kg,
		      f.h2_kg);
	ck_rel(big.h2_kg, 2.0, 1e-15, "all hydrogen used (one step)");
	ck_rel(small.h2_kg, 2.0, 1e-12, "all hydrogen used (steps)");
	ck_rel(small.t_empty_s, big.t_empty_s, 1e-9, "empty time");
	ck_assert_int_eq(e.state, DC_BK_EMPTY);
	ck_assert_int_eq(f.state, DC_BK_EMPTY);
}
END_TEST

/* Independent check of the ramp integral: composite Simpson over time of
 * the Faraday rate at the current that gives the ramp power. */
START_TEST(pem_ramp_integral)
{
	dc_pem_sys s = pem_new(250e3, 1000);
	dc_pem_step o;
	ck_assert_int_eq(dc_pem_advance(&s, 250e3, 10, &o, NULL), 0); /* delay */
	dc_pem_sys ref = s;
	ck_assert_int_eq(dc_pem_advance(&s, 250e3, 30, &o, NULL), 0); /* ramp */
	ck_assert_int_eq(s.state, DC_BK_ON);
	const int n = 2000;   /* even */
	double sum = 0;
	for (int k = 0; k <= n; k++) {
		double t = 30.0 * k / n, p = 250e3 * t / 30, rate = 0;
		if (p > 0)
			ck_assert_int_eq(dc_pem_h2_rate(&ref, p, &rate, NULL), 0);
		sum += rate * (k == 0 || k == n ? 1 : (k % 2 ? 4 : 2));
	}
	double simpson = sum * (30.0 / n) / 3;
	ck_rel(o.h2_kg, simpson, 1e-6, "ramp H2 vs Simpson");
}
END_TEST

START_TEST(pem_empty_time)
{
	/* ON at a constant 200 kW: empties at stock / rate */
	dc_pem_sys s = pem_new(250e3, 50);
	dc_pem_step o;
	ck_assert_int_eq(dc_pem_advance(&s, 200e3, 100, &o, NULL), 0);
	ck_assert_int_eq(s.state, DC_BK_ON);
	double rate, stock = s.h2_kg;
	ck_assert_int_eq(dc_pem_h2_rate(&s, 200e3, &rate, NULL), 0);
	double te = stock / rate;
	ck_assert_int_eq(dc_pem_advance(&s, 200e3, 2 * te, &o, NULL), 0);
	ck_rel(o.t_empty_s, te, 1e-12, "empty time, flat");
	ck_rel(o.e_delivered_J, 200e3 * te, 1e-12, "energy until empty");
	ck_rel(o.e_shortfall_J, 200e3 * te, 1e-12, "shortfall after empty");
	ck_rel(o.h2_kg, stock, 1e-15, "used = stock");
	ck_assert_msg(s.h2_kg == 0 && s.state == DC_BK_EMPTY, "stock %g state %d",
		      s.h2_kg, s.state);
	ck_abs(s.t_state_s, te, 1e-9 * te, "time EMPTY");
	/* EMPTY stays empty, even after a stop */
	dc_pem_stop(&s);
	ck_assert_int_eq(dc_pem_advance(&s, 200e3, 10, &o, NULL), 0);
	ck_assert_msg(o.e_delivered_J == 0 && s.state == DC_BK_EMPTY, "revived");
	/* inside the ramp: stock = what the first 12 s of the ramp burn */
	dc_pem_sys a = pem_new(250e3, 1000);
	ck_assert_int_eq(dc_pem_advance(&a, 250e3, 22, &o, NULL), 0);
	dc_pem_sys b = pem_new(250e3, o.h2_kg);
	ck_assert_int_eq(dc_pem_advance(&b, 250e3, 100, &o, NULL), 0);
	ck_rel(o.t_empty_s, 22, 1e-9, "empty time on the ramp");
	ck_rel(o.e_delivered_J, 0.5 * 100e3 * 12, 1e-9, "ramp energy to empty");
}
END_TEST

START_TEST(pem_bad)
{
	dc_pem_sys s = pem_new(250e3, 10), keep = s;
	dc_pem_step o;
	dc_err e = DC_ERR_INIT;
	ck_assert_int_eq(dc_pem_advance(&s, -1, 10, &o, &e), DC_EINVAL);
	ck_assert_int_eq(dc_pem_advance(&s, 1e3, -1, &o, NULL), DC_EINVAL);
	ck_assert_int_eq(dc_pem_advance(&s, NAN, 1, &o, NULL), DC_EINVAL);
	ck_assert_int_eq(dc_pem_advance(&s, 1e3, INFINITY, &o, NULL), DC_EINVAL);
	ck_assert_msg(!memcmp(&s, &keep, sizeof s), "state changed on error");
	ck_assert_msg(strstr(dc_err_text(&e), "pem"), "%s", dc_err_text(&e));
	double r;
	ck_assert_int_eq(dc_pem_h2_rate(&s, 300e3, &r, NULL), DC_ERANGE);
	dc_pem_sys bad = s;
	bad.eta_inv = 0;
	ck_assert_int_eq(dc_pem_advance(&bad, 1e3, 1, &o, NULL), DC_EINVAL);
	dc_backup_cfg c = pem_cfg(-250e3, 10);
	ck_assert_int_eq(dc_pem_init(&s, &c, NULL), DC_EINVAL);
	c = pem_cfg(250e3, 10);
	c.kind = DC_BACKUP_DIESEL;
	ck_assert_int_eq(dc_pem_init(&s, &c, NULL), DC_EINVAL);
	c = pem_cfg(250e3, 10);
	c.cell_voltage = 0.3;   /* past the MPP */
	ck_assert_int_eq(dc_pem_init(&s, &c, NULL), DC_ERANGE);
	/* a start with an empty tank goes straight to EMPTY */
	dc_pem_sys z = pem_new(250e3, 0);
	ck_assert_int_eq(dc_pem_advance(&z, 1e3, 20, &o, NULL), 0);
	ck_assert_int_eq(z.state, DC_BK_EMPTY);
	ck_assert_msg(o.e_delivered_J == 0 && o.h2_kg == 0, "empty delivered");
	dc_err_free(&e);
}
END_TEST

/* ---- diesel --------------------------------------------------------------- */

static dc_diesel diesel_new(double rating_W, double tank_L)
{
	dc_backup_cfg c;
	ck_assert_int_eq(dc_params_defaults(&dc_backup_pset, &c, NULL, NULL), 0);
	c.kind = DC_BACKUP_DIESEL;
	c.rating = rating_W;
	c.tank = tank_L * 1e-3;
	dc_diesel d;
	ck_assert_int_eq(dc_diesel_init(&d, &c, NULL), 0);
	return d;
}

START_TEST(diesel_source_points)
{
	dc_diesel d = diesel_new(1000e3, 5000);
	double r;
	ck_assert_int_eq(dc_diesel_fuel_rate(&d, 1000e3, &r, NULL), 0);
	ck_rel(r * 3600, 269, 0.01, "1,000 kW full load L/h (§3.3)");
	ck_assert_int_eq(dc_diesel_fuel_rate(&d, 250e3, &r, NULL), 0);
	ck_rel(r * 3600, 81.8, 0.01, "1,000 kW quarter load L/h (§3.3)");
	ck_abs(d.start_delay_s, 10, 0, "NFPA 110 Type 10 default");
	ck_abs(d.co2_kg_L, 2.68, 0, "CO2 factor");
	ck_abs(d.nox_g_kWh, 6.4, 0, "Tier 2 default");
}
END_TEST

START_TEST(diesel_run_and_empty)
{
	dc_diesel d = diesel_new(1000e3, 1000);
	dc_diesel_step o;
	/* one hour at full load: 10 s start, then 3,590 s at 269.14 L/h */
	ck_assert_int_eq(dc_diesel_advance(&d, 1000e3, 3600, &o, NULL), 0);
	double L = 71.1 * 3.785411784 * 3590 / 3600;
	ck_rel(o.fuel_L, L, 1e-12, "fuel over the hour");
	ck_rel(o.co2_kg, 2.68 * o.fuel_L, 1e-15, "CO2 = 2.68 kg/L x litres");
	ck_rel(o.e_delivered_J, 1000e3 * 3590, 1e-15, "energy");
	ck_rel(o.e_shortfall_J, 1000e3 * 10, 1e-12, "start gap shortfall");
	ck_rel(o.nox_kg, 6.4e-3 * 1000 * 3590 / 3600, 1e-12, "NOx Tier 2");
	ck_rel(d.fuel_L, 1000 - L, 1e-12, "fuel left");
	/* then empties exactly at (fuel left) / rate */
	double te = d.fuel_L / (71.1 * 3.785411784 / 3600);
	double left = d.fuel_L;
	ck_assert_int_eq(dc_diesel_advance(&d, 1000e3, 20000, &o, NULL), 0);
	ck_rel(o.t_empty_s, te, 1e-12, "tank-empty time");
	ck_rel(o.fuel_L, left, 1e-15, "burnt = left");
	ck_assert_msg(d.fuel_L == 0 && d.state == DC_BK_EMPTY, "fuel %g",
		      d.fuel_L);
	/* many small steps == one big step; never negative */
	dc_diesel a = diesel_new(500e3, 300), b = a;
	dc_diesel_step big;
	ck_assert_int_eq(dc_diesel_advance(&a, 300e3, 7200, &big, NULL), 0);
	double fuel = 0, t_empty = -1;
	for (int k = 0; k < 7200; k++) {
		ck_assert_int_eq(dc_diesel_advance(&b, 300e3, 1, &o, NULL), 0);
		ck_assert_msg(b.fuel_L >= 0, "negative fuel %g", b.fuel_L);
		fuel += o.fuel_L;
		if (o.t_empty_s >= 0 && t_empty < 0)
			t_empty = k + o.t_empty_s;
	}
	ck_rel(fuel, big.fuel_L, 1e-9, "fuel many steps vs one");
	ck_rel(t_empty, big.t_empty_s, 1e-9, "empty time many steps");
	/* an unloaded running set burns a * rating */
	dc_diesel u = diesel_new(1000e3, 1000);
	ck_assert_int_eq(dc_diesel_advance(&u, 1, 10, &o, NULL), 0);
	ck_assert_int_eq(u.state, DC_BK_ON);
	ck_assert_int_eq(dc_diesel_advance(&u, 0, 3600, &o, NULL), 0);
	ck_rel(o.fuel_L, 1000 * DC_DIESEL_A, 1e-12, "idle fuel");
	/* Tier 4 final */
	dc_backup_cfg c;
	ck_assert_int_eq(dc_params_defaults(&dc_backup_pset, &c, NULL, NULL), 0);
	c.kind = DC_BACKUP_DIESEL;
	c.rating = 2e6;
	c.tank = 1;
	c.tier = DC_TIER4_FINAL;
	ck_assert_int_eq(dc_diesel_init(&u, &c, NULL), 0);
	ck_abs(u.nox_g_kWh, 0.67, 0, "Tier 4 final");
}
END_TEST

START_TEST(diesel_bad)
{
	dc_backup_cfg c;
	ck_assert_int_eq(dc_params_defaults(&dc_backup_pset, &c, NULL, NULL), 0);
	c.kind = DC_BACKUP_DIESEL;
	c.rating = -1;
	c.tank = 1;
	dc_diesel d;
	ck_assert_int_eq(dc_diesel_init(&d, &c, NULL), DC_EINVAL);
	d = diesel_new(1e6, 100);
	dc_diesel keep = d;
	dc_diesel_step o;
	double r;
	ck_assert_int_eq(dc_diesel_advance(&d, -5, 1, &o, NULL), DC_EINVAL);
	ck_assert_int_eq(dc_diesel_advance(&d, 5, NAN, &o, NULL), DC_EINVAL);
	ck_assert_msg(!memcmp(&d, &keep, sizeof d), "changed on error");
	ck_assert_int_eq(dc_diesel_fuel_rate(&d, 2e6, &r, NULL), DC_ERANGE);
	ck_assert_int_eq(dc_diesel_fuel_rate(&d, -1, &r, NULL), DC_EINVAL);
}
END_TEST

/* ---- UPS (§3.4, V-11) ------------------------------------------------------ */

START_TEST(ups_v11)
{
	double e;
	ck_assert_int_eq(dc_ups_bridge_energy(9e6, 10, 1, &e, NULL), 0);
	ck_rel(e, 25 * KWH, 0.01, "V-11 10 s bridge");
	ck_assert_int_eq(dc_ups_bridge_energy(9e6, 300, 1, &e, NULL), 0);
	ck_rel(e, 750 * KWH, 0.01, "V-11 5 min design");
	ck_assert_int_eq(dc_ups_bridge_energy(9e6, 300, 0.95, &e, NULL), 0);
	ck_rel(e, 750 * KWH / 0.95, 1e-15, "with inverter losses");
	/* a 25 kWh battery carries 9 MW for exactly 10 s */
	dc_ups u = {25 * KWH, 10e6, 1e6, 1.0, 1.0};
	dc_ups_step o;
	ck_assert_int_eq(dc_ups_advance(&u, 9e6, 60, &o, NULL), 0);
	ck_rel(o.t_empty_s, 10, 1e-12, "empty at 10 s");
	ck_rel(o.e_delivered_J, 25 * KWH, 1e-12, "delivered");
	ck_rel(o.e_shortfall_J, 9e6 * 50, 1e-12, "shortfall");
	ck_assert_msg(u.soc == 0, "soc %g", u.soc);
	/* with eta 0.95 it lasts 9.5 s */
	dc_ups v = {25 * KWH, 10e6, 1e6, 0.95, 1.0};
	ck_assert_int_eq(dc_ups_advance(&v, 9e6, 60, &o, NULL), 0);
	ck_rel(o.t_empty_s, 9.5, 1e-12, "empty at 9.5 s with eta .95");
	/* above max power: capped */
	dc_ups w = {750 * KWH, 5e6, 1e6, 1.0, 1.0};
	ck_assert_int_eq(dc_ups_advance(&w, 9e6, 10, &o, NULL), 0);
	ck_rel(o.e_delivered_J, 5e6 * 10, 1e-15, "capped at max power");
}
END_TEST

START_TEST(ups_charge_and_steps)
{
	dc_ups u = {100 * KWH, 1e6, 200e3, 0.9, 0.5}, v = u;
	dc_ups_step o;
	/* recharge: stores 0.9 x 200 kW; full after 50 kWh / 180 kW */
	double tf = 50 * KWH / (0.9 * 200e3);
	ck_assert_int_eq(dc_ups_advance(&u, -500e3, 2 * tf, &o, NULL), 0);
	ck_rel(o.t_full_s, tf, 1e-12, "full time");
	ck_rel(o.e_charged_J, 200e3 * tf, 1e-12, "AC drawn");
	ck_assert_msg(u.soc == 1, "soc %g", u.soc);
	/* discharge in 1,000 steps == one step */
	dc_ups a = v;
	double del = 0;
	ck_assert_int_eq(dc_ups_advance(&v, 300e3, 900, &o, NULL), 0);
	for (int k = 0; k < 1000; k++) {
		dc_ups_step p;
		ck_assert_int_eq(dc_ups_advance(&a, 300e3, 0.9, &p, NULL), 0);
		ck_assert_msg(a.soc >= 0, "negative soc");
		del += p.e_delivered_J;
	}
	ck_rel(del, o.e_delivered_J, 1e-9, "delivered many steps vs one");
	ck_rel(a.soc, v.soc, 1e-9, "soc many steps vs one");
	/* energy conservation: battery loss = delivered / eta */
	ck_rel((0.5 - v.soc) * 100 * KWH, o.e_delivered_J / 0.9, 1e-12,
	       "drain = delivered / eta");
	dc_ups bad = v;
	ck_assert_int_eq(dc_ups_advance(&bad, NAN, 1, &o, NULL), DC_EINVAL);
	ck_assert_int_eq(dc_ups_advance(&bad, 1, -1, &o, NULL), DC_EINVAL);
	ck_assert_int_eq(dc_ups_bridge_energy(-1, 1, 1, &o.t_full_s, NULL),
			 DC_EINVAL);
	dc_ups_cfg c = {-1, 1e6, 0, 0.95, 1};
	ck_assert_int_eq(dc_ups_init(&bad, &c, NULL), DC_EINVAL);
}
END_TEST

/* ---- parameter tables ---------------------------------------------------- */

static int read_section(const dc_pset *set, const char *yaml, void *cfg,
			dc_err *e)
{
	dc_node *root = NULL;
	int rc = dc_tree_load_string("t.yaml", yaml, strlen(yaml), &root, e);
	ck_assert_msg(rc == DC_OK, "YAML: %s", dc_err_text(e));
	rc = dc_params_read(set, dc_node_get(root, set->section), "t.yaml",
			    set->section, cfg, NULL, e);
	dc_tree_free(root);
	return rc;
}

START_TEST(param_tables)
{
	dc_err e = DC_ERR_INIT;
	dc_ups_cfg u;
	int rc = read_section(&dc_ups_pset, "ups: {energy: 750 kWh, max_power: "
			      "9 MW, charge_power: 1 MW}\n", &u, &e);
	ck_assert_msg(rc == DC_OK, "%s", dc_err_text(&e));
	ck_rel(u.energy, 750 * KWH, 1e-15, "energy 750 kWh");
	ck_rel(u.efficiency, 0.96, 1e-15, "default efficiency");
	ck_rel(u.soc, 1, 0, "default soc");
	dc_ups ups;
	ck_assert_int_eq(dc_ups_init(&ups, &u, NULL), 0);
	dc_backup_cfg b;
	rc = read_section(&dc_backup_pset, "backup: {kind: pem_fuel_cell, "
			  "rating: 3 MW, hydrogen: 8000 kg, model: "
			  "larminie_dicks}\n", &b, &e);
	ck_assert_msg(rc == DC_OK, "%s", dc_err_text(&e));
	ck_assert_int_eq(dc_backup_check(&b, "t.yaml", "backup", &e), 0);
	dc_pem_sys s;
	ck_assert_int_eq(dc_pem_init(&s, &b, NULL), 0);
	ck_assert_int_eq(s.plant.model.kind, DC_FC_LARMINIE_DICKS);
	ck_rel(s.rating_W, 3e6, 0, "rating");
	ck_rel(s.start_delay_s, 10, 0, "delay default");
	rc = read_section(&dc_backup_pset, "backup: {kind: diesel, rating: "
			  "2 MW, tank: 20000 L, tier: tier4_final}\n", &b, &e);
	ck_assert_msg(rc == DC_OK, "%s", dc_err_text(&e));
	dc_diesel d;
	ck_assert_int_eq(dc_diesel_init(&d, &b, NULL), 0);
	ck_rel(d.tank_L, 20000, 1e-12, "tank litres");
	/* units are checked by the table */
	dc_err_free(&e);
	rc = read_section(&dc_ups_pset, "ups: {energy: 5 min, max_power: 9 MW, "
			  "charge_power: 1 MW}\n", &u, &e);
	ck_assert_int_eq(rc, DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&e), "ups.energy"), "%s",
		      dc_err_text(&e));
	dc_err_free(&e);
	/* kind-specific checks */
	rc = read_section(&dc_backup_pset, "backup: {rating: 1 MW}\n", &b, &e);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(dc_backup_check(&b, "t.yaml", "power.backup", &e),
			 DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&e), "power.backup.hydrogen"), "%s",
		      dc_err_text(&e));
	dc_err_free(&e);
	rc = read_section(&dc_backup_pset, "backup: {rating: -1 MW}\n", &b, &e);
	ck_assert_int_eq(rc, DC_EINVAL);
	dc_err_free(&e);
	/* every parameter has help, and quantities a unit */
	const dc_pset *sets[] = {&dc_backup_pset, &dc_ups_pset};
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < sets[k]->n; i++) {
			const dc_param *p = &sets[k]->params[i];
			ck_assert_msg(p->help && *p->help, "%s no help", p->key);
			ck_assert_msg(p->type != DC_PT_QTY || p->unit, "%s unit",
				      p->key);
		}
}
END_TEST

static Suite *backup_suite(void)
{
	Suite *s = suite_create("backup_phys");
	struct { const char *name; const TTest *fn; } t[] = {
		{"amphlett_v06", amphlett_v06}, {"amphlett_stack", amphlett_stack},
		{"amphlett_bad", amphlett_bad}, {"larminie_dicks", larminie_dicks},
		{"fc_mpp_is_max", fc_mpp_is_max},
		{"fc_sizing_rule", fc_sizing_rule},
		{"fc_inverse_current", fc_inverse_current},
		{"fc_sizing_bad", fc_sizing_bad},
		{"faraday_table", faraday_table},
		{"v08_hydrogen_48h", v08_hydrogen_48h},
		{"water_heat_balance", water_heat_balance},
		{"pem_states", pem_states}, {"pem_conservation", pem_conservation},
		{"pem_ramp_integral", pem_ramp_integral},
		{"pem_empty_time", pem_empty_time}, {"pem_bad", pem_bad},
		{"diesel_source_points", diesel_source_points},
		{"diesel_run_and_empty", diesel_run_and_empty},
		{"diesel_bad", diesel_bad}, {"ups_v11", ups_v11},
		{"ups_charge_and_steps", ups_charge_and_steps},
		{"param_tables", param_tables},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(t); i++) {
		TCase *tc = tcase_create(t[i].name);
		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, t[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return dc_test_main(backup_suite());
}
