/* check_thermal.c - cooling kinds, ASHRAE envelopes, the exact RC junction
 * node and GPU throttling, against physics.md validation cases (V-17, V-18,
 * V-20), closed forms, a fine Euler integration and invariants. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../models/thermal.h"
#include "../sim/alloc.h"
#include "../sim/rng.h"
#include "../sim/units.h"
#include "util/run.h"

#define CK(c) ((c) + 273.15)

static dc_cooling_cfg cfg_of(int kind, double supply_c)
{
	dc_cooling_cfg c;
	dc_err err = DC_ERR_INIT;
	int rc = dc_cooling_defaults(&c, &err);
	ck_assert_msg(rc == DC_OK, "defaults: %s", dc_err_text(&err));
	dc_err_free(&err);
	c.kind = kind;
	c.supply_temp = CK(supply_c);
	return c;
}

static dc_cooling_chip chip_of(int kind, double supply_c, double p_rated)
{
	dc_cooling_cfg c = cfg_of(kind, supply_c);
	dc_cooling_chip ch;
	int rc = dc_cooling_resolve(&c, p_rated, &ch, NULL);
	ck_assert_msg(rc == DC_OK, "resolve kind %d: rc %d", kind, rc);
	return ch;
}

static dc_gpu_thermal h100_on(int kind, double supply_c)
{
	dc_cooling_chip ch = chip_of(kind, supply_c, 700);
	dc_gpu_thermal g;
	dc_err err = DC_ERR_INIT;
	int rc = dc_gpu_thermal_setup(&g, dc_gpu_spec_find("h100"), &ch, 0,
				      &err);
	ck_assert_msg(rc == DC_OK, "setup: %s", dc_err_text(&err));
	dc_err_free(&err);
	return g;
}

/* P(phi) written from physics.md §4.2, independent of the code. */
static double p_of_phi(double idle, double full, double phi, double alpha)
{
	return idle + (full - idle) * pow(phi, alpha);
}

/* ------------------------------------------------------------ cooling */

START_TEST(order_micro_coldplate_air)
{
	for (double supply = 15; supply <= 45; supply += 10) {
		dc_cooling_chip a = chip_of(DC_COOL_AIR, supply, 700);
		dc_cooling_chip c = chip_of(DC_COOL_COLD_PLATE, supply, 700);
		dc_cooling_chip m = chip_of(DC_COOL_MICROFLUIDIC, supply, 700);
		double ta = dc_cooling_tj_steady(&a, 700);
		double tc = dc_cooling_tj_steady(&c, 700);
		double tmf = dc_cooling_tj_steady(&m, 700);
		ck_assert_msg(tmf < tc && tc < ta, "supply %g C: T_j micro %.3f "
			      "< cold plate %.3f < air %.3f K expected", supply,
			      tmf, tc, ta);
		/* the rise term of microfluidic is 35 % of cold plate (§2.1) */
		ck_assert_double_eq_tol(m.r_th / c.r_th, 0.35, 1e-12);
		/* air: supply + 0.06 K/W * 700 W (defaults, preheat 0) */
		ck_assert_double_eq_tol(ta, CK(supply) + 0.06 * 700, 1e-9);
	}
}
END_TEST

START_TEST(coolant_rise_v17)
{
	/* V-17: water 1.44 L/min per kW gives a 10 K rise (+-2 %). */
	dc_cooling_cfg c = cfg_of(DC_COOL_COLD_PLATE, 30);
	c.flow_per_kw = 1.44;
	dc_cooling_chip ch;
	ck_assert_int_eq(dc_cooling_resolve(&c, 1000, &ch, NULL), DC_OK);
	double rise = 2 * ch.k_rise * 1000;
	ck_assert_msg(fabs(rise - 10) <= 0.2, "water rise %.4f K, V-17 10 K",
		      rise);
	/* PG25 needs 1.51 L/min per kW for the same 10 K (V-17). */
	c.coolant = DC_COOLANT_PG25;
	c.flow_per_kw = 1.51;
	ck_assert_int_eq(dc_cooling_resolve(&c, 1000, &ch, NULL), DC_OK);
	rise = 2 * ch.k_rise * 1000;
	ck_assert_msg(fabs(rise - 10) <= 0.2, "PG25 rise %.4f K", rise);
	/* the chip sees supply + approach + half the rise */
	double tcool = dc_cooling_coolant_temp(&ch, 1000);
	ck_assert_double_eq_tol(tcool, CK(30) + 5 + rise / 2, 1e-9);
	/* V-17 air: 1 kW at 11.1 K is 0.0746 m^3/s (+-2 %) */
	dc_cooling_chip a = chip_of(DC_COOL_AIR, 25, 1000);
	ck_assert_msg(fabs(a.flow / 0.0746 - 1) <= 0.02, "air flow %.5f m3/s",
		      a.flow);
}
END_TEST

START_TEST(mover_power_v18)
{
	/* V-18: 600 L/min at 200 kPa, eta 0.7 -> 2.86 kW (600/60e3 * 2e5
	 * / 0.7 = 2857.142857 W). */
	double w;
	ck_assert_int_eq(dc_cooling_mover_power(600e-3 / 60, 200e3, 0.7, &w),
			 DC_OK);
	ck_assert_msg(fabs(w - 2857.142857142857) < 1e-6, "pump %.6f W", w);
	/* group of 8 cold-plate GPUs: 8 * flow * head / eta */
	dc_cooling_cfg c = cfg_of(DC_COOL_COLD_PLATE, 30);
	dc_cooling_chip ch;
	ck_assert_int_eq(dc_cooling_resolve(&c, 700, &ch, NULL), DC_OK);
	ck_assert_int_eq(dc_cooling_group_mover_power(&c, &ch, 8, &w), DC_OK);
	double flow = 1.5 / 60e3 * 0.7; /* 1.5 L/min/kW * 0.7 kW */
	ck_assert_double_eq_tol(w, 8 * flow * 200e3 / 0.7, 1e-9);
	/* microfluidic: 0.57 W/cm^2 * 8.14 cm^2 per die */
	c.kind = DC_COOL_MICROFLUIDIC;
	ck_assert_int_eq(dc_cooling_resolve(&c, 700, &ch, NULL), DC_OK);
	ck_assert_int_eq(dc_cooling_group_mover_power(&c, &ch, 8, &w), DC_OK);
	ck_assert_msg(fabs(w - 8 * 0.57 * 8.14) < 1e-9, "micro pumps %.6f W",
		      w);
	double per_w;
	ck_assert_int_eq(dc_cooling_micro_pump_per_w(&c, 700, &per_w), DC_OK);
	ck_assert_double_eq_tol(per_w, 0.57 * 8.14 / 700, 1e-15);
	/* the air fan power is proportional to the group size */
	c.kind = DC_COOL_AIR;
	double w1, w8;
	ck_assert_int_eq(dc_cooling_resolve(&c, 700, &ch, NULL), DC_OK);
	ck_assert_int_eq(dc_cooling_group_mover_power(&c, &ch, 1, &w1), DC_OK);
	ck_assert_int_eq(dc_cooling_group_mover_power(&c, &ch, 8, &w8), DC_OK);
	ck_assert_double_eq_tol(w8, 8 * w1, 1e-12);
}
END_TEST

START_TEST(v20_microfluidic_i7)
{
	/* V-20: 215 W over 149 mm^2 -> 144 W/cm^2 average (quoted to 3
	 * significant figures), R reduced by 44.5 %. */
	double area, flux;
	ck_assert_int_eq(dc_qty_parse("149 mm2", DC_DIM_AREA, &area, NULL,
				      NULL, 0), DC_OK);
	ck_assert_int_eq(dc_cooling_heat_flux(215, area, &flux), DC_OK);
	double w_cm2 = flux / 1e4;
	ck_assert_msg(fabs(w_cm2 - 144) < 0.5, "flux %.4f W/cm2, V-20 144",
		      w_cm2);
	dc_cooling_cfg c = cfg_of(DC_COOL_MICROFLUIDIC, 20);
	c.micro_factor = 1 - 0.445;
	c.die_area = area;
	dc_cooling_chip m, cp;
	ck_assert_int_eq(dc_cooling_resolve(&c, 215, &m, NULL), DC_OK);
	c.kind = DC_COOL_COLD_PLATE;
	ck_assert_int_eq(dc_cooling_resolve(&c, 215, &cp, NULL), DC_OK);
	double red = 1 - m.r_th / cp.r_th;
	ck_assert_msg(fabs(red - 0.445) < 1e-12, "R reduction %.6f, V-20 "
		      "0.445", red);
	/* the same reduction shows in the junction rise over the coolant */
	double rise_m = dc_cooling_tj_steady(&m, 215) -
			dc_cooling_coolant_temp(&m, 215);
	double rise_c = dc_cooling_tj_steady(&cp, 215) -
			dc_cooling_coolant_temp(&cp, 215);
	ck_assert_double_eq_tol(1 - rise_m / rise_c, 0.445, 1e-12);
}
END_TEST

START_TEST(ashrae_envelopes)
{
	int a, r;
	ck_assert_int_eq(dc_ashrae_check("A1", CK(30), &a, &r, NULL), DC_OK);
	ck_assert_msg(a == 1 && r == 0, "A1 30 C: allow %d rec %d", a, r);
	ck_assert_int_eq(dc_ashrae_check("A1", CK(14), &a, &r, NULL), DC_OK);
	ck_assert_msg(a == 0 && r == 0, "A1 14 C: allow %d rec %d", a, r);
	ck_assert_int_eq(dc_ashrae_check("A2", CK(22), &a, &r, NULL), DC_OK);
	ck_assert_msg(a == 1 && r == 1, "A2 22 C: allow %d rec %d", a, r);
	ck_assert_int_eq(dc_ashrae_check("A4", CK(44.9), &a, NULL, NULL),
			 DC_OK);
	ck_assert_int_eq(a, 1);
	ck_assert_int_eq(dc_ashrae_check("A3", CK(41), &a, NULL, NULL), DC_OK);
	ck_assert_int_eq(a, 0);
	ck_assert_int_eq(dc_ashrae_check("W32", CK(32), &a, NULL, NULL), DC_OK);
	ck_assert_int_eq(a, 1);
	ck_assert_int_eq(dc_ashrae_check("W32", CK(32.5), &a, NULL, NULL),
			 DC_OK);
	ck_assert_int_eq(a, 0);
	ck_assert_int_eq(dc_ashrae_check("W45", CK(1), &a, NULL, NULL), DC_OK);
	ck_assert_int_eq(a, 0);
	ck_assert_int_eq(dc_ashrae_check("W+", CK(60), &a, NULL, NULL), DC_OK);
	ck_assert_int_eq(a, 1);
	/* the tables nest: every allowable air range holds the recommended
	 * one, and A(k) contains A(k-1); W(k) contains W(k-1) */
	size_t n;
	const dc_ashrae_class *air = dc_ashrae_air_classes(&n);
	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++) {
		ck_assert(air[i].allow_lo <= air[i].rec_lo &&
			  air[i].rec_hi <= air[i].allow_hi);
		if (i)
			ck_assert(air[i].allow_lo <= air[i - 1].allow_lo &&
				  air[i].allow_hi >= air[i - 1].allow_hi);
	}
	const dc_ashrae_class *w = dc_ashrae_water_classes(&n);
	ck_assert_uint_eq(n, 6);
	for (size_t i = 1; i < n; i++)
		ck_assert(w[i].allow_hi > w[i - 1].allow_hi);
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_ashrae_check("A9", CK(20), &a, &r, &err),
			 DC_ENOENT);
	ck_assert_msg(strstr(dc_err_text(&err), "A9"), "text: %s",
		      dc_err_text(&err));
	dc_err_free(&err);
}
END_TEST

/* ---------------------------------------------------------- RC node */

/* Explicit Euler of C dT/dt = P - (T - Tc)/R with step H over DUR. */
static double euler(const dc_gpu_thermal *g, double t0, double p, double tc,
		    double dur, long steps)
{
	double h = dur / (double)steps, t = t0;
	for (long i = 0; i < steps; i++)
		t += h * (p - (t - tc) / g->r) / g->c;
	return t;
}

START_TEST(rc_closed_form_vs_euler)
{
	dc_gpu_thermal g = h100_on(DC_COOL_COLD_PLATE, 30);
	/* tau = 5 s default; RC = (r_th + k_rise) * tau / r_th */
	double tau = g.r * g.c;
	ck_assert_msg(tau >= 5 && tau < 10, "tau %.4f s", tau);
	double t0 = CK(35), tc = CK(35), p = 650, dur = 2.0;
	double exact = t0;
	ck_assert_int_eq(dc_gpu_advance(&g, &exact, p, tc, dur), DC_OK);
	double e = euler(&g, t0, p, tc, dur, 20000000L);
	ck_assert_msg(fabs(exact - e) < 1e-6, "closed form %.9f K, Euler "
		      "%.9f K, diff %.3g", exact, e, exact - e);
	/* step change: P1 for 1.5 s then P2 for 2 s, both ways */
	double x = t0;
	ck_assert_int_eq(dc_gpu_advance(&g, &x, 700, tc, 1.5), DC_OK);
	ck_assert_int_eq(dc_gpu_advance(&g, &x, 200, tc + 3, 2.0), DC_OK);
	double y = euler(&g, t0, 700, tc, 1.5, 15000000L);
	y = euler(&g, y, 200, tc + 3, 2.0, 20000000L);
	ck_assert_msg(fabs(x - y) < 1e-6, "step change: %.9f vs Euler %.9f",
		      x, y);
}
END_TEST

START_TEST(rc_halves_equal_whole)
{
	dc_gpu_thermal g = h100_on(DC_COOL_AIR, 25);
	const double dts[] = {1e-3, 0.37, 5, 42};
	for (size_t i = 0; i < DC_ARRAY_LEN(dts); i++) {
		double a = CK(40), b = CK(40);
		ck_assert_int_eq(dc_gpu_advance(&g, &a, 500, CK(25), dts[i]),
				 DC_OK);
		ck_assert_int_eq(dc_gpu_advance(&g, &b, 500, CK(25),
						dts[i] / 2), DC_OK);
		ck_assert_int_eq(dc_gpu_advance(&g, &b, 500, CK(25),
						dts[i] / 2), DC_OK);
		ck_assert_msg(fabs(a - b) < 1e-9, "dt %g: whole %.12f halves "
			      "%.12f", dts[i], a, b);
	}
	/* dt = 0 is the identity; a long dt reaches the steady state */
	double t = CK(50);
	ck_assert_int_eq(dc_gpu_advance(&g, &t, 500, CK(25), 0), DC_OK);
	ck_assert_double_eq(t, CK(50));
	ck_assert_int_eq(dc_gpu_advance(&g, &t, 500, CK(25), 1e4), DC_OK);
	ck_assert_double_eq_tol(t, CK(25) + g.r * 500, 1e-9);
}
END_TEST

START_TEST(time_to_target)
{
	dc_gpu_thermal g = h100_on(DC_COOL_AIR, 30);
	double tc = CK(30), t0 = CK(30), p = 700, tgt = CK(60), t;
	ck_assert_int_eq(dc_gpu_time_to(&g, t0, p, tc, tgt, &t), DC_OK);
	/* independent: tau ln((T0 - Tss) / (Tt - Tss)) */
	double tss = tc + g.r * p;
	double want = g.r * g.c * log((t0 - tss) / (tgt - tss));
	ck_assert_double_eq_tol(t, want, 1e-12);
	double x = t0;
	ck_assert_int_eq(dc_gpu_advance(&g, &x, p, tc, t), DC_OK);
	ck_assert_msg(fabs(x - tgt) < 1e-9, "after %.6f s T = %.12f, want "
		      "%.12f", t, x, tgt);
	/* beyond the steady state: never */
	ck_assert_int_eq(dc_gpu_time_to(&g, t0, p, tc, tss + 1, &t), DC_OK);
	ck_assert_msg(isinf(t), "beyond T_ss: %g", t);
	/* the wrong side: heating never reaches a colder target */
	ck_assert_int_eq(dc_gpu_time_to(&g, t0, p, tc, t0 - 1, &t), DC_OK);
	ck_assert(isinf(t));
	ck_assert_int_eq(dc_gpu_time_to(&g, t0, p, tc, t0, &t), DC_OK);
	ck_assert_double_eq(t, 0);
	/* cooling down works too */
	ck_assert_int_eq(dc_gpu_time_to(&g, CK(90), 0, tc, CK(50), &t), DC_OK);
	x = CK(90);
	ck_assert_int_eq(dc_gpu_advance(&g, &x, 0, tc, t), DC_OK);
	ck_assert_double_eq_tol(x, CK(50), 1e-9);
}
END_TEST

/* ------------------------------------------------------- throttling */

START_TEST(throttle_holds_max_op)
{
	dc_gpu_thermal g = h100_on(DC_COOL_AIR, 35);
	dc_throttle_out o;
	/* 35 C + 0.06 * 700 = 77 C < 87 C: no throttle */
	ck_assert_int_eq(dc_gpu_throttle(&g, 700, CK(35), &o), DC_OK);
	ck_assert_msg(o.state == DC_GPU_NORMAL && o.phi == 1 && o.power == 700,
		      "cool: state %d phi %g P %g", o.state, o.phi, o.power);
	ck_assert_double_eq_tol(o.t_ss, CK(77), 1e-9);
	/* 50 C inlet: 92 C at full clock -> throttled to exactly 87 C */
	ck_assert_int_eq(dc_gpu_throttle(&g, 700, CK(50), &o), DC_OK);
	ck_assert_msg(o.state == DC_GPU_THROTTLED && o.phi < 1 &&
			      o.phi >= g.phi_min,
		      "hot: state %d phi %g", o.state, o.phi);
	double p = p_of_phi(75, 700, o.phi, 2.5);
	double tss = CK(50) + 0.06 * p;
	ck_assert_msg(fabs(tss - CK(87)) < 1e-9, "T_ss %.12f K vs 87 C = "
		      "%.12f K", tss, CK(87));
	ck_assert_double_eq_tol(o.power, p, 1e-9);
	/* closed form: P = (87 - 50) K / 0.06 K/W, phi = ((P - 75) / 625)^0.4 */
	double want_phi = pow((37.0 / 0.06 - 75) / 625, 1 / 2.5);
	ck_assert_double_eq_tol(o.phi, want_phi, 1e-12);
}
END_TEST

/* The full-clock demand of a GPU seen drawing P at clock phi: P(phi) of
 * it (physics.md 4.2, written here) gives P back; idle and full clock are
 * left alone. */
START_TEST(full_clock_inverse)
{
	dc_gpu_thermal g = h100_on(DC_COOL_COLD_PLATE, 30);
	const double phis[] = {0.2, 0.5, 0.68, 0.99};
	for (size_t i = 0; i < DC_ARRAY_LEN(phis); i++) {
		double full = dc_gpu_full_at(&g, 300, phis[i]);
		ck_assert_double_eq_tol(p_of_phi(g.p_idle, full, phis[i], 2.5),
					300, 1e-9);
	}
	ck_assert_double_eq(dc_gpu_full_at(&g, 300, 1), 300);
	ck_assert_double_eq(dc_gpu_full_at(&g, g.p_idle, 0.5), g.p_idle);
	ck_assert_double_eq(dc_gpu_full_at(&g, 300, 0), 300);
}
END_TEST

START_TEST(throttle_states)
{
	dc_gpu_thermal g = h100_on(DC_COOL_AIR, 35);
	dc_throttle_out o;
	/* phi_min from the 200 W minimum cap at 700 W TDP, idle 75 W (§5.1) */
	ck_assert_double_eq_tol(g.phi_min, pow(125.0 / 625, 1 / 2.5), 1e-12);
	double pmin = p_of_phi(75, 700, g.phi_min, 2.5); /* 200 W -> 12 K */
	/* coolant 76 C: T(phi_min) = 88 C in (87, 89] -> clamped at min */
	ck_assert_int_eq(dc_gpu_throttle(&g, 700, CK(76), &o), DC_OK);
	ck_assert_msg(o.state == DC_GPU_AT_MIN && o.phi == g.phi_min,
		      "76 C: state %d phi %g", o.state, o.phi);
	ck_assert_double_eq_tol(o.t_ss, CK(76) + 0.06 * pmin, 1e-9);
	/* coolant 78 C: 90 C at phi_min -> HW slowdown (phi halved) */
	ck_assert_int_eq(dc_gpu_throttle(&g, 700, CK(78), &o), DC_OK);
	ck_assert_msg(o.state == DC_GPU_HW_SLOWDOWN &&
			      fabs(o.phi - g.phi_min / 2) < 1e-15,
		      "78 C: state %d phi %g", o.state, o.phi);
	ck_assert_msg(o.t_ss <= CK(92), "T_ss %.3f", o.t_ss);
	/* coolant 88 C: idle 75 W alone gives 92.5 C -> shutdown */
	ck_assert_int_eq(dc_gpu_throttle(&g, 700, CK(88), &o), DC_OK);
	ck_assert_msg(o.state == DC_GPU_SHUTDOWN && o.power == 0 &&
			      o.phi == 0,
		      "88 C: state %d P %g", o.state, o.power);
}
END_TEST

START_TEST(throttle_monotone_in_coolant)
{
	dc_gpu_thermal g = h100_on(DC_COOL_COLD_PLATE, 30);
	double prev_phi = 2, prev_p = 1e9;
	int prev_state = -1;
	for (double tc = 20; tc <= 95; tc += 0.25) {
		dc_throttle_out o;
		ck_assert_int_eq(dc_gpu_throttle(&g, 650, CK(tc), &o), DC_OK);
		ck_assert_msg(o.phi <= prev_phi && o.power <= prev_p + 1e-9,
			      "coolant %g C: phi %g after %g", tc, o.phi,
			      prev_phi);
		ck_assert_msg((int)o.state >= prev_state, "state %d after %d",
			      o.state, prev_state);
		ck_assert_msg(o.state == DC_GPU_SHUTDOWN ||
				      o.t_ss <= g.t_shutdown + 1e-9,
			      "T_ss %.3f above shutdown", o.t_ss);
		if (o.state <= DC_GPU_THROTTLED)
			ck_assert_msg(o.t_ss <= g.t_max_op + 1e-9, "T_ss %.6f",
				      o.t_ss);
		prev_phi = o.phi;
		prev_p = o.power;
		prev_state = (int)o.state;
	}
	ck_assert_int_eq(prev_state, DC_GPU_SHUTDOWN);
}
END_TEST

START_TEST(group_exact_throttle_event)
{
	dc_gpu_thermal g = h100_on(DC_COOL_AIR, 50);
	dc_gpu_group grp;
	double tc = CK(50);
	ck_assert_int_eq(dc_gpu_group_init(&grp, &g, 8, tc), DC_OK);
	dc_throttle_out o;
	ck_assert_int_eq(dc_gpu_group_step(&grp, 700, tc, 60, &o), DC_OK);
	/* independent: full clock until 87 C, then phi* holding 87 C */
	double tss1 = tc + 0.06 * 700;
	double tau = g.r * g.c;
	double t_hit = tau * log((tc - tss1) / (CK(87) - tss1));
	double phi = pow((37.0 / 0.06 - 75) / 625, 1 / 2.5);
	double p_phi = p_of_phi(75, 700, phi, 2.5);
	ck_assert_msg(t_hit > 0 && t_hit < 60, "t_hit %g", t_hit);
	ck_assert_double_eq_tol(grp.throttled_gpu_s, 8 * (60 - t_hit), 1e-6);
	ck_assert_double_eq_tol(grp.energy, 8 * (700 * t_hit + p_phi *
						 (60 - t_hit)), 1e-4);
	ck_assert_msg(fabs(grp.t_j - CK(87)) < 1e-9, "T_j %.12f", grp.t_j);
	ck_assert_double_eq_tol(grp.power, 8 * p_phi, 1e-9);
	ck_assert_int_eq(o.state, DC_GPU_THROTTLED);
	/* N identical GPUs = N times one */
	dc_gpu_group one;
	ck_assert_int_eq(dc_gpu_group_init(&one, &g, 1, tc), DC_OK);
	ck_assert_int_eq(dc_gpu_group_step(&one, 700, tc, 60, NULL), DC_OK);
	ck_assert_double_eq_tol(grp.energy, 8 * one.energy, 1e-6);
	/* cool again: no more throttled seconds */
	double before = grp.throttled_gpu_s;
	ck_assert_int_eq(dc_gpu_group_step(&grp, 700, CK(25), 30, &o), DC_OK);
	ck_assert_int_eq(o.state, DC_GPU_NORMAL);
	ck_assert_double_eq(grp.throttled_gpu_s, before);
	/* a short step that ends before the crossing counts nothing */
	ck_assert_int_eq(dc_gpu_group_init(&one, &g, 4, tc), DC_OK);
	ck_assert_int_eq(dc_gpu_group_step(&one, 700, tc, t_hit / 2, &o),
			 DC_OK);
	ck_assert_double_eq(one.throttled_gpu_s, 0);
	ck_assert_int_eq(o.state, DC_GPU_NORMAL);
}
END_TEST

/* ------------------------------------------------------- parameters */

START_TEST(pset_defaults_and_overrides)
{
	dc_cooling_cfg c;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_cooling_defaults(&c, &err), DC_OK);
	ck_assert_int_eq(c.kind, DC_COOL_AIR);
	ck_assert_double_eq_tol(c.supply_temp, CK(27), 1e-12);
	ck_assert_double_eq(c.cdu_approach, 5);
	ck_assert_double_eq_tol(c.die_area, 814e-6, 1e-18);
	ck_assert_double_eq_tol(c.micro_pump_flux, 5700, 1e-9);
	ck_assert_double_eq(c.tau_die, 5);
	ck_assert_int_eq(dc_params_set(&dc_cooling_pset, "cooling", "kind",
				       "microfluidic", &c, NULL, &err), DC_OK);
	ck_assert_int_eq(c.kind, DC_COOL_MICROFLUIDIC);
	ck_assert_int_eq(dc_params_set(&dc_cooling_pset, "cooling",
				       "supply_temperature", "45 C", &c, NULL,
				       &err), DC_OK);
	ck_assert_double_eq_tol(c.supply_temp, CK(45), 1e-12);
	ck_assert_msg(err.count == 0, "%s", dc_err_text(&err));
	ck_assert_int_eq(dc_params_set(&dc_cooling_pset, "cooling", "kind",
				       "immersion", &c, NULL, &err), DC_EINVAL);
	ck_assert_int_eq(dc_params_set(&dc_cooling_pset, "cooling",
				       "supply_temperature", "45 kW", &c, NULL,
				       &err), DC_EINVAL);
	ck_assert_int_eq(err.count, 2);
	/* every parameter formats and reads back */
	for (size_t i = 0; i < dc_cooling_pset.n; i++) {
		char buf[128];
		int n = dc_param_format(&dc_cooling_pset.params[i], &c, buf,
					sizeof buf);
		ck_assert_msg(n > 0, "format %s", dc_cooling_pset.params[i].key);
	}
	dc_err_free(&err);
}
END_TEST

START_TEST(bad_input)
{
	dc_cooling_cfg c = cfg_of(DC_COOL_AIR, 25);
	dc_cooling_chip ch;
	dc_err err = DC_ERR_INIT;
	c.kind = 7;
	ck_assert_int_eq(dc_cooling_resolve(&c, 700, &ch, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "unknown kind"), "text: %s",
		      dc_err_text(&err));
	ck_assert_ptr_null(dc_cooling_kind_name(7));
	ck_assert_str_eq(dc_cooling_kind_name(DC_COOL_COLD_PLATE),
			 "cold_plate");
	c.kind = DC_COOL_AIR;
	ck_assert_int_eq(dc_cooling_resolve(&c, -1, &ch, &err), DC_EINVAL);
	ck_assert_int_eq(dc_cooling_resolve(&c, NAN, &ch, NULL), DC_EINVAL);
	c.coolant = -1;
	ck_assert_int_eq(dc_cooling_resolve(&c, 700, &ch, NULL), DC_EINVAL);
	double w;
	ck_assert_int_eq(dc_cooling_mover_power(-1, 1e5, 0.7, &w), DC_EINVAL);
	ck_assert_int_eq(dc_cooling_mover_power(1, 1e5, 0, &w), DC_EINVAL);
	ck_assert_int_eq(dc_cooling_mover_power(1, 1e5, 1.5, &w), DC_EINVAL);
	ck_assert_int_eq(dc_cooling_heat_flux(-5, 1e-4, &w), DC_EINVAL);
	ck_assert_int_eq(dc_cooling_heat_flux(5, 0, &w), DC_EINVAL);
	dc_gpu_thermal g = h100_on(DC_COOL_AIR, 25);
	dc_throttle_out o = {.phi = 42};
	ck_assert_int_eq(dc_gpu_throttle(&g, -10, CK(25), &o), DC_EINVAL);
	ck_assert_double_eq(o.phi, 42); /* untouched */
	ck_assert_int_eq(dc_gpu_throttle(&g, 700, NAN, &o), DC_EINVAL);
	double t = CK(40);
	ck_assert_int_eq(dc_gpu_advance(&g, &t, -1, CK(25), 1), DC_EINVAL);
	ck_assert_int_eq(dc_gpu_advance(&g, &t, 100, CK(25), -1), DC_EINVAL);
	ck_assert_double_eq(t, CK(40));
	dc_gpu_thermal bad = g;
	bad.t_slowdown = bad.t_max_op - 1;
	ck_assert_int_eq(dc_gpu_throttle(&bad, 700, CK(25), &o), DC_EINVAL);
	bad = g;
	bad.c = 0;
	ck_assert_int_eq(dc_gpu_advance(&bad, &t, 100, CK(25), 1), DC_EINVAL);
	dc_gpu_group grp;
	ck_assert_int_eq(dc_gpu_group_init(&grp, &g, -1, CK(25)), DC_EINVAL);
	ck_assert_int_eq(dc_gpu_group_init(&grp, &g, 2, CK(25)), DC_OK);
	ck_assert_int_eq(dc_gpu_group_step(&grp, -700, CK(25), 1, NULL),
			 DC_EINVAL);
	ck_assert_int_eq(dc_gpu_group_step(&grp, 700, CK(25), -1, NULL),
			 DC_EINVAL);
	ck_assert_ptr_null(dc_gpu_spec_find("b9000"));
	ck_assert_int_eq(dc_gpu_thermal_setup(&g, NULL, &ch, 0, &err),
			 DC_EINVAL);
	dc_err_free(&err);
}
END_TEST

static Suite *thermal_suite(void)
{
	Suite *s = suite_create("thermal");
	struct { const char *name; const TTest *fn; } t[] = {
		{"order_micro_coldplate_air", order_micro_coldplate_air},
		{"coolant_rise_v17", coolant_rise_v17},
		{"mover_power_v18", mover_power_v18},
		{"v20_microfluidic_i7", v20_microfluidic_i7},
		{"ashrae_envelopes", ashrae_envelopes},
		{"rc_closed_form_vs_euler", rc_closed_form_vs_euler},
		{"rc_halves_equal_whole", rc_halves_equal_whole},
		{"time_to_target", time_to_target},
		{"full_clock_inverse", full_clock_inverse},
		{"throttle_holds_max_op", throttle_holds_max_op},
		{"throttle_states", throttle_states},
		{"throttle_monotone_in_coolant", throttle_monotone_in_coolant},
		{"group_exact_throttle_event", group_exact_throttle_event},
		{"pset_defaults_and_overrides", pset_defaults_and_overrides},
		{"bad_input", bad_input},
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
	return dc_test_main(thermal_suite());
}
