/* check_facility_phys.c - facility-overhead physics against physics.md's
 * validation cases (V-01, V-03, V-04, V-14, V-17, V-18; V-11 lives with the UPS in
 * check_backup_phys.c) with their
 * tolerances, closed forms typed here from physics.md, conservation
 * (chain input = output + losses), PUE >= 1 over a load/climate sweep,
 * monotone free cooling, and bad inputs. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../models/facility_phys.h"
#include "../sim/rng.h"
#include "util/run.h"

#define C2K(t) ((t) + 273.15)

/* Tolerance checks with messages that print the values. */
static void ck_rel(double got, double want, double rel, const char *what)
{
	ck_assert_msg(fabs(got - want) <= rel * fabs(want),
		      "%s: got %.10g, want %.10g (rel tol %g)", what, got, want,
		      rel);
}

static void ck_abs(double got, double want, double tol, const char *what)
{
	ck_assert_msg(fabs(got - want) <= tol,
		      "%s: got %.10g, want %.10g (abs tol %g)", what, got, want,
		      tol);
}


/* DOE-2 Centrifugal/5.50COP coefficients typed from physics.md §1.4. */
static const double CAPFT[6] = {0.257896, 0.0389016, -0.00021708,
				0.0468684, -0.00094284, -0.00034344};
static const double EIRFT[6] = {0.933884, -0.058212, 0.00450036, 0.00243,
				0.000486, -0.001215};
static const double EIRFPLR[3] = {0.222903, 0.313387, 0.46371};

static double bq(const double *c, double x, double y)
{
	return c[0] + c[1] * x + c[2] * x * x + c[3] * y + c[4] * y * y +
	       c[5] * x * y;
}

/* ---- V-01: the §1.8 reference plant -------------------------------- */

START_TEST(v01_reference_plant)
{
	dc_refplant_out o;
	int rc = dc_refplant_eval(10e6, 10e6, 12.0, &o);
	ck_assert_msg(rc == DC_OK, "rc %d", rc);
	ck_assert_msg(o.f == 1.0, "f = %g, want 1 (full free cooling)", o.f);
	ck_assert_msg(o.p_ch == 0.0, "P_ch = %g, want 0", o.p_ch);
	ck_abs(o.pue, 1.0952, 0.002, "V-01 PUE");
	ck_abs(o.wue, 1.99, 0.02, "V-01 WUE L/kWh");
	/* the §1.8 terms at x = 1, C = 10 MW */
	ck_rel(o.l_e, 0.4e6, 1e-12, "L_e");
	ck_rel(o.misc, 0.05e6, 1e-12, "misc");
	ck_rel(o.p_crah, 0.3e6, 1e-12, "P_crah");
	ck_rel(o.p_pump, 0.15e6, 1e-12, "P_pump");
	ck_rel(o.q, 10.75e6, 1e-12, "Q");
	ck_rel(o.p_tower, 0.008 * 10.75e6 * 0.6, 1e-12, "P_tower");
}
END_TEST

/* With the chiller on (T_wb 25 C: f = 0), P_ch follows the DOE-2 formula
 * written out here from §1.4/§1.8: T_chw 18 -> 10 C, T_cond 29 C. */
START_TEST(v01_plant_chiller_on)
{
	double cap = 10e6, pit = 6e6, x = pit / cap;
	dc_refplant_out o;
	ck_assert_int_eq(dc_refplant_eval(pit, cap, 25.0, &o), DC_OK);
	double le = 0.010 * cap + 0.015 * pit + 0.015 * cap * x * x;
	double crah = 0.03 * cap * pow(fmax(0.4, x), 3);
	double pump = 0.015 * cap * pow(fmax(0.5, x), 2);
	double q = pit + le + 0.005 * cap + crah;
	double avail = 1.2 * cap * bq(CAPFT, 10, 29);
	double plr = q / avail;
	double pch = avail / 5.5 * bq(EIRFT, 10, 29) *
		     (EIRFPLR[0] + EIRFPLR[1] * plr + EIRFPLR[2] * plr * plr);
	double tower = 0.008 * (q + pch);
	double pue = (pit + le + 0.005 * cap + crah + pump + pch + tower) / pit;
	double wue = 1.25 * (q + pch) * 3600 / 2430 / pit;
	ck_assert_msg(o.f == 0.0, "f = %g", o.f);
	ck_rel(o.p_ch, pch, 1e-9, "P_ch");
	ck_rel(o.pue, pue, 1e-9, "PUE chiller on");
	ck_rel(o.wue, wue, 1e-9, "WUE chiller on");
}
END_TEST

/* Invariant: PUE >= 1, WUE >= 0, f in [0,1] over 5-100 % load and
 * T_wb -20..35 C; p_it == 0 gives NaN PUE. */
START_TEST(plant_pue_sweep)
{
	double cap = 10e6;
	for (int l = 5; l <= 100; l += 5)
		for (double tw = -20; tw <= 35; tw += 0.5) {
			dc_refplant_out o;
			int rc = dc_refplant_eval(cap * l / 100.0, cap, tw, &o);
			ck_assert_msg(rc == DC_OK, "rc %d at %d %% T_wb %g",
				      rc, l, tw);
			ck_assert_msg(o.pue >= 1.0 && isfinite(o.pue),
				      "PUE %g < 1 at %d %% T_wb %g", o.pue,
				      l, tw);
			ck_assert_msg(o.wue >= 0, "WUE %g", o.wue);
			ck_assert_msg(o.f >= 0 && o.f <= 1, "f %g", o.f);
			ck_rel(o.total, o.pue * cap * l / 100.0, 1e-12,
			       "total = PUE * P_IT");
		}
	dc_refplant_out o;
	ck_assert_int_eq(dc_refplant_eval(0, cap, 10, &o), DC_OK);
	ck_assert_msg(isnan(o.pue) && o.total > 0, "idle: PUE %g total %g",
		      o.pue, o.total);
}
END_TEST

/* ---- V-03: DOE-2 chiller ------------------------------------------- */

START_TEST(v03_chiller)
{
	const dc_chiller *c = &dc_chiller_doe2_centrifugal_5_50cop;
	double tchw = C2K(6.67), tcond = C2K(29.4);
	double full = dc_chiller_capacity(c, tchw, tcond);
	dc_chiller_out o;
	ck_assert_int_eq(dc_chiller_eval(c, full, tchw, tcond, &o), DC_OK);
	ck_rel(o.capft, 1.003, 0.005, "CAPFT");
	ck_rel(o.eirft, 0.999, 0.005, "EIRFT");
	ck_rel(o.cop, 5.50, 0.005, "COP at PLR 1");
	ck_rel(o.q_cond, full + o.power, 1e-12, "Q_cond = Q_evap + P");
	ck_assert_int_eq(dc_chiller_eval(c, 0.5 * full, tchw, tcond, &o), DC_OK);
	ck_rel(o.eirfplr, 0.4955, 0.005, "EIRFPLR(0.5)");
	ck_rel(o.cop, 5.55, 0.005, "COP at PLR 0.5");
	ck_assert_int_eq(dc_chiller_eval(c, 0.25 * full, tchw, tcond, &o), DC_OK);
	ck_rel(o.eirfplr, 0.3302, 0.005, "EIRFPLR(0.25)");
	ck_rel(o.cop, 4.16, 0.005, "COP at PLR 0.25");
	/* §1.4 (C): full-load COP at T_cond 25 C = 6.06 (inside the limits) */
	full = dc_chiller_capacity(c, tchw, C2K(25));
	ck_assert_int_eq(dc_chiller_eval(c, full, tchw, C2K(25), &o), DC_OK);
	ck_rel(o.cop, 6.06, 0.005, "COP at T_cond 25 C");
}
END_TEST

/* Curve inputs are clamped: T_cond 15 C evaluates as 24 C, T_chw 18 C as
 * 10 C (EnergyPlus, §1.4). */
START_TEST(chiller_clamps_limits)
{
	const dc_chiller *c = &dc_chiller_doe2_centrifugal_5_50cop;
	dc_chiller_out a, b;
	double q = 50e3;
	ck_assert_int_eq(dc_chiller_eval(c, q, C2K(18), C2K(15), &a), DC_OK);
	ck_assert_int_eq(dc_chiller_eval(c, q, C2K(10), C2K(24), &b), DC_OK);
	ck_assert_msg(a.power == b.power && a.capft == b.capft,
		      "clamped %g/%g vs limit %g/%g", a.power, a.capft,
		      b.power, b.capft);
	ck_rel(a.capft, bq(CAPFT, 10, 24), 1e-12, "CAPFT at limits");
	ck_rel(a.eirft, bq(EIRFT, 10, 24), 1e-12, "EIRFT at limits");
}
END_TEST

/* Below plr_min the plr_min power is scaled by PLR/plr_min. */
START_TEST(chiller_cycling)
{
	const dc_chiller *c = &dc_chiller_doe2_centrifugal_5_50cop;
	double tchw = C2K(6.67), tcond = C2K(29.4);
	double full = dc_chiller_capacity(c, tchw, tcond);
	dc_chiller_out at_min, half, zero;
	ck_assert_int_eq(dc_chiller_eval(c, 0.1 * full, tchw, tcond, &at_min), DC_OK);
	ck_assert_int_eq(dc_chiller_eval(c, 0.05 * full, tchw, tcond, &half), DC_OK);
	ck_rel(half.power, 0.5 * at_min.power, 1e-12, "cycling power");
	ck_rel(half.cycling, 0.5, 1e-12, "cycling ratio");
	ck_rel(half.eirfplr, EIRFPLR[0] + EIRFPLR[1] * 0.1 + EIRFPLR[2] * 0.01,
	       1e-12, "EIRFPLR held at plr_min");
	ck_assert_int_eq(dc_chiller_eval(c, 0, tchw, tcond, &zero), DC_OK);
	ck_assert_msg(zero.power == 0 && zero.cop == 0 && zero.q_cond == 0,
		      "zero load: P %g COP %g", zero.power, zero.cop);
}
END_TEST

/* Over capacity: DC_ERANGE and *o untouched. */
START_TEST(chiller_over_capacity)
{
	const dc_chiller *c = &dc_chiller_doe2_centrifugal_5_50cop;
	double tchw = C2K(6.67), tcond = C2K(29.4);
	double full = dc_chiller_capacity(c, tchw, tcond);
	ck_rel(full, 100e3 * bq(CAPFT, 6.67, 29.4), 1e-12, "capacity");
	dc_chiller_out o, sentinel;
	memset(&o, 0x5a, sizeof o);
	sentinel = o;
	ck_assert_int_eq(dc_chiller_eval(c, 1.001 * full, tchw, tcond, &o),
			 DC_ERANGE);
	ck_assert_msg(!memcmp(&o, &sentinel, sizeof o), "output written on error");
	dc_chiller bad = *c;
	bad.q_ref = 0;
	ck_assert_int_eq(dc_chiller_eval(&bad, 1, tchw, tcond, &o), DC_EINVAL);
	ck_assert_int_eq(dc_chiller_eval(c, -1, tchw, tcond, &o), DC_EINVAL);
	ck_assert_int_eq(dc_chiller_eval(c, NAN, tchw, tcond, &o), DC_EINVAL);
	ck_assert_msg(!memcmp(&o, &sentinel, sizeof o), "output written on error");
}
END_TEST

/* ---- V-04: EnergyPlus ITE ------------------------------------------ */

START_TEST(v04_ite)
{
	dc_ite_out o;
	int rc = dc_ite_eval(&dc_ite_eplus_example, 1.0, C2K(15), C2K(15), &o);
	ck_assert_int_eq(rc, DC_OK);
	ck_rel(o.p_cpu, 30.0e3, 0.001, "P_CPU");
	ck_rel(o.p_fan, 20.0e3, 0.001, "P_fan");
	ck_rel(o.p_ups_loss, 5.0e3, 0.001, "UPS loss");
	ck_rel(o.flow, 5.0, 0.001, "air flow m^3/s");
	ck_rel(o.dt_air, 8.29, 0.03, "dT_air");
	ck_rel(o.t_in, C2K(15), 1e-12, "T_in");
	ck_rel(o.t_out, o.t_in + o.dt_air, 1e-12, "T_out");
	/* energy balance: heat to air = P_cpu + P_fan */
	ck_rel(o.flow * 1.2 * 1005 * o.dt_air, o.p_cpu + o.p_fan, 1e-12,
	       "air heat balance");
}
END_TEST

/* Recirculation mixes zone air into the inlet (§1.3): T_in = 0.9 T_s +
 * 0.1 T_z; SHI = (T_in - T_s)/(T_out - T_s). */
START_TEST(ite_recirculation)
{
	dc_ite_out o;
	ck_assert_int_eq(dc_ite_eval(&dc_ite_eplus_example, 0.8, C2K(18),
				     C2K(28), &o), DC_OK);
	ck_rel(o.t_in, C2K(18) * 0.9 + C2K(28) * 0.1, 1e-12, "T_in mix");
	double tin_c = 19.0;
	ck_rel(o.p_cpu, 30e3 * (-1 + 0.8 + 0.06667 * tin_c), 1e-9, "P_CPU curve");
	ck_rel(o.shi, (o.t_in - C2K(18)) / (o.t_out - C2K(18)), 1e-12, "SHI");
	ck_assert_msg(o.shi > 0 && o.shi < 1, "SHI %g", o.shi);
	/* heat but no flow: load 1, T_in 4 C gives CPU power 0.267 of design
	 * while the flow curve is -0.1 -> 0 */
	ck_assert_int_eq(dc_ite_eval(&dc_ite_eplus_example, 1.0, C2K(4),
				     C2K(4), &o), DC_ERANGE);
	ck_assert_int_eq(dc_ite_eval(&dc_ite_eplus_example, 1.5, C2K(15),
				     C2K(15), &o), DC_EINVAL);
	dc_ite bad = dc_ite_eplus_example;
	bad.p_design = 0;
	ck_assert_int_eq(dc_ite_eval(&bad, 1, C2K(15), C2K(15), &o), DC_EINVAL);
}
END_TEST


/* ---- V-14: server power -------------------------------------------- */

START_TEST(v14_server_power)
{
	double r = DC_SERVER_R_DEFAULT;
	ck_abs(dc_server_power(70, 700, 0.25, r), 294.5, 0.5, "u 0.25");
	ck_abs(dc_server_power(70, 700, 0.5, r), 461.3, 0.5, "u 0.5");
	ck_abs(dc_server_power(70, 700, 0.75, r), 593.9, 0.5, "u 0.75");
	ck_rel(dc_server_power(70, 700, 0, r), 70, 1e-15, "idle");
	ck_rel(dc_server_power(70, 700, 1, r), 700, 1e-15, "max");
	ck_rel(dc_server_power(70, 700, 1.7, r), 700, 1e-15, "clamped above");
	ck_rel(dc_server_power(70, 700, -0.3, r), 70, 1e-15, "clamped below");
	ck_rel(dc_server_power(70, 700, 0.3, 1.0), 70 + 630 * 0.3, 1e-12,
	       "linear r = 1");
	ck_assert(isnan(dc_server_power(-1, 700, 0.5, r)));
	ck_assert(isnan(dc_server_power(700, 70, 0.5, r)));
	ck_assert(isnan(dc_server_power(70, 700, NAN, r)));
}
END_TEST

/* ---- V-17: flows ---------------------------------------------------- */

START_TEST(v17_flows)
{
	double a = dc_air_flow(1000, 11.1, DC_AIR_RHO, DC_AIR_CP);
	ck_rel(a, 0.0746, 0.02, "air m^3/s");
	ck_rel(dc_m3s_to_cfm(a), 158, 0.02, "air CFM");
	double w = dc_liquid_flow(1000, 10, DC_WATER_RHO, DC_WATER_CP);
	ck_rel(dc_m3s_to_lpm(w), 1.44, 0.02, "water L/min");
	double g = dc_liquid_flow(1000, 10, DC_PG25_RHO, DC_PG25_CP);
	ck_rel(dc_m3s_to_lpm(g), 1.51, 0.02, "PG25 L/min");
	/* imperial shortcut CFM = 3.16 W / dT_F (§2.2, R) */
	ck_rel(dc_m3s_to_cfm(a), 3.16 * 1000 / (11.1 * 1.8), 0.01, "3.16 rule");
	ck_assert(isnan(dc_air_flow(1000, 0, 1.2, 1005)));
	ck_assert(isnan(dc_air_flow(-1, 10, 1.2, 1005)));
	ck_assert(isnan(dc_liquid_flow(1000, 10, 0, 4180)));
}
END_TEST

/* ---- V-18: affinity, pump ------------------------------------------ */

START_TEST(v18_affinity_pump)
{
	ck_assert_msg(fabs(dc_affinity_power(1.0, 0.8) - 0.512) < 1e-15,
		      "80 %% speed: %.17g", dc_affinity_power(1.0, 0.8));
	double p = dc_pump_power(600.0 / 60e3, 200e3, 0.7);
	ck_rel(p, 0.01 * 200e3 / 0.7, 1e-12, "pump closed form");
	ck_rel(p, 2.86e3, 0.002, "pump 2.86 kW");
	/* static head form: h = 0 is the cube law, h = 1 linear in flow */
	ck_rel(dc_affinity_power_static(10, 0.8, 0), 10 * 0.512, 1e-12, "h 0");
	ck_rel(dc_affinity_power_static(10, 0.8, 1), 8, 1e-12, "h 1");
	ck_rel(dc_affinity_power_static(10, 0.6, 0.3),
	       10 * 0.6 * (0.3 + 0.7 * 0.36), 1e-12, "h 0.3");
	ck_rel(dc_affinity_power_static(10, 1, 0.3), 10, 1e-12, "design point");
	ck_assert(isnan(dc_affinity_power(-1, 0.5)));
	ck_assert(isnan(dc_affinity_power_static(1, 0.5, 1.5)));
	ck_assert(isnan(dc_pump_power(1, 1, 0)));
	ck_assert(isnan(dc_pump_power(-1, 1, 0.5)));
}
END_TEST

/* ---- electrical losses ---------------------------------------------- */

/* Invariant: every loss >= 0 and the utility input equals the output plus
 * the sum of the losses, each device carrying its downstream input. */
START_TEST(loss_chain_conservation)
{
	dc_rng_setup();
	gsl_rng *r = dc_rng_new(NULL, 7, 0, 0);
	ck_assert_ptr_nonnull(r);
	for (int t = 0; t < 500; t++) {
		dc_loss_dev d[4];
		double each[4];
		int n = 1 + (int)gsl_rng_uniform_int(r, 4);
		for (int k = 0; k < n; k++)
			d[k] = (dc_loss_dev){0.05 * gsl_rng_uniform(r),
					     0.05 * gsl_rng_uniform(r),
					     0.05 * gsl_rng_uniform(r),
					     1e3 + 1e7 * gsl_rng_uniform(r)};
		double out = 1e7 * gsl_rng_uniform(r);
		double tot = dc_loss_chain(d, n, out, each);
		double sum = 0, p = out;
		for (int k = n - 1; k >= 0; k--) {
			ck_assert_msg(each[k] >= 0, "loss %g < 0", each[k]);
			double l = d[k].a * d[k].rated + d[k].b * p +
				   d[k].c * p * p / d[k].rated;
			ck_rel(each[k], l, 1e-12, "device loss at its load");
			p += l;
			sum += each[k];
		}
		ck_rel(out + tot, out + sum, 1e-12, "input = output + losses");
		ck_rel(out + tot, p, 1e-12, "input = top device's input");
	}
	gsl_rng_free(r);
	ck_assert_msg(dc_loss_chain(NULL, 0, 5, NULL) == 0, "empty chain");
}
END_TEST

/* eta = x/(x + a + b x + c x^2) (§1.2) at several points, and it rises to
 * a peak at x* = sqrt(a/c) then falls. */
START_TEST(loss_efficiency_closed_form)
{
	dc_loss_dev d = {0.01, 0.015, 0.01, 2e6};
	const double xs[] = {0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.2};
	for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
		double x = xs[i];
		double want = x / (x + d.a + d.b * x + d.c * x * x);
		ck_rel(dc_loss_eff(&d, x * d.rated), want, 1e-12, "eta(x)");
	}
	double xp = sqrt(d.a / d.c);
	double ep = dc_loss_eff(&d, xp * d.rated);
	ck_assert_msg(ep > dc_loss_eff(&d, 0.9 * xp * d.rated) &&
		      ep > dc_loss_eff(&d, 1.1 * xp * d.rated),
		      "eta peak at sqrt(a/c) = %g", xp);
	double prev = 0;
	for (double x = 0.01; x < xp; x += 0.01) {
		double e = dc_loss_eff(&d, x * d.rated);
		ck_assert_msg(e > prev, "eta not rising at x %g", x);
		prev = e;
	}
	ck_assert_msg(dc_loss_eff(&d, 0) == 0, "eta(0)");
}
END_TEST

START_TEST(loss_bad_input)
{
	dc_loss_dev ok = {0.01, 0.01, 0.01, 1e6};
	dc_loss_dev zero = {0.01, 0.01, 0.01, 0};
	dc_loss_dev neg = {-0.01, 0.01, 0.01, 1e6};
	double each[2] = {42, 42};
	ck_assert(isnan(dc_loss_power(&ok, -1)));
	ck_assert(isnan(dc_loss_power(&zero, 1)));
	ck_assert(isnan(dc_loss_power(&neg, 1)));
	ck_assert(isnan(dc_loss_power(NULL, 1)));
	ck_assert(isnan(dc_loss_eff(&zero, 1)));
	dc_loss_dev two[2] = {ok, zero};
	ck_assert(isnan(dc_loss_chain(two, 2, 1e5, each)));
	ck_assert_msg(each[0] == 42 && each[1] == 42, "written on error");
	ck_assert(isnan(dc_loss_chain(&ok, 1, -5, each)));
	ck_assert(isnan(dc_loss_chain(&ok, -1, 5, each)));
	ck_assert(isnan(dc_loss_chain(NULL, 1, 5, each)));
}
END_TEST

/* ---- tower water (§1.5) --------------------------------------------- */

START_TEST(tower_water)
{
	dc_tower_water_out o;
	/* 1 kWh rejected latently -> 1.48 L (§1.5) */
	double lps = dc_tower_water(1000, 0, 0, 1e9, &o);
	ck_rel(o.evap * 3600, 1.48, 0.005, "L per kWh");
	/* CoC 5, windage 0.1 % of 0.5 m^3/s: B = E/4 - W */
	double q = 10e6, circ = 0.5, phi = 0.001;
	lps = dc_tower_water(q, circ, phi, 5, &o);
	double e = q / 2.43e6, w = phi * circ * 1000;
	ck_rel(o.evap, e, 1e-12, "E");
	ck_rel(o.windage, w, 1e-12, "W");
	ck_rel(o.blowdown, e / 4 - w, 1e-12, "B");
	ck_rel(lps, e + w + (e / 4 - w), 1e-12, "total");
	/* windage above E/(CoC-1): blowdown floors at 0 */
	lps = dc_tower_water(q, circ, 0.5, 5, &o);
	ck_assert_msg(o.blowdown == 0, "blowdown %g", o.blowdown);
	ck_rel(lps, o.evap + o.windage, 1e-12, "total without blowdown");
	ck_assert(isnan(dc_tower_water(q, circ, phi, 1, NULL)));
	ck_assert(isnan(dc_tower_water(-1, circ, phi, 5, NULL)));
	ck_assert(isnan(dc_tower_water(q, circ, 2, 5, NULL)));
}
END_TEST

/* ---- economizers (§1.5) -------------------------------------------- */

START_TEST(econ_waterside)
{
	/* §1.8 numbers: T_fc = T_wb + 6, f = clamp((28 - T_fc)/10, 0, 1) */
	double prev = 2;
	for (double tw = -30; tw <= 40; tw += 0.25) {
		double f = dc_econ_waterside_frac(C2K(tw), 4, 2, C2K(28), C2K(18));
		double want = fmin(1, fmax(0, (28 - (tw + 6)) / 10));
		ck_abs(f, want, 1e-12, "waterside f");
		ck_assert_msg(f >= 0 && f <= 1, "f %g out of [0,1]", f);
		ck_assert_msg(f <= prev, "f rises with T_wb at %g", tw);
		prev = f;
	}
	ck_assert(isnan(dc_econ_waterside_frac(C2K(10), 4, 2, C2K(18), C2K(28))));
	ck_assert(isnan(dc_econ_waterside_frac(C2K(10), -1, 2, C2K(28), C2K(18))));
}
END_TEST

START_TEST(econ_airside)
{
	double set = C2K(24);
	ck_assert_int_eq(dc_econ_airside_mode(C2K(20), C2K(12), 0.8, set), 1);
	/* 30 C db, 18 C wb, eps 0.8: 18 + 0.2 * 12 = 20.4 C <= 24 */
	ck_rel(dc_econ_evap_temp(C2K(30), C2K(18), 0.8), C2K(20.4), 1e-12,
	       "evap temp");
	ck_assert_int_eq(dc_econ_airside_mode(C2K(30), C2K(18), 0.8, set), 2);
	ck_assert_int_eq(dc_econ_airside_mode(C2K(38), C2K(26), 0.8, set), 0);
	ck_assert_int_eq(dc_econ_airside_mode(C2K(20), C2K(22), 0.8, set),
			 DC_EINVAL);
	/* partial: linear between 18 and 27 C, monotone in T_wb, in [0,1] */
	double lo = C2K(18), hi = C2K(27);
	ck_abs(dc_econ_airside_frac(C2K(22.5), C2K(15), 0, lo, hi), 0.5, 1e-12,
	       "midpoint");
	ck_assert(dc_econ_airside_frac(C2K(10), C2K(5), 0, lo, hi) == 1);
	ck_assert(dc_econ_airside_frac(C2K(35), C2K(30), 0.9, lo, hi) == 0);
	for (double db = -10; db <= 45; db += 5) {
		double prev = 2;
		for (double wb = db - 20; wb <= db; wb += 0.5) {
			double f = dc_econ_airside_frac(C2K(db), C2K(wb), 0.8,
							lo, hi);
			ck_assert_msg(f >= 0 && f <= 1 && f <= prev,
				      "airside f %g (prev %g) db %g wb %g", f,
				      prev, db, wb);
			prev = f;
		}
	}
	ck_assert(isnan(dc_econ_airside_frac(C2K(20), C2K(10), 1.2, lo, hi)));
	ck_assert(isnan(dc_econ_airside_frac(C2K(20), C2K(10), 0.5, hi, lo)));
}
END_TEST

START_TEST(econ_drycooler)
{
	/* W45 class, dry cooler approach 5 K, CDU 5 K: chillerless up to 35 C */
	ck_rel(dc_drycooler_supply(C2K(30), 5), C2K(35), 1e-12, "supply");
	ck_assert_int_eq(dc_drycooler_chillerless(C2K(35), 5, C2K(45), 5), 1);
	ck_assert_int_eq(dc_drycooler_chillerless(C2K(35.1), 5, C2K(45), 5), 0);
	ck_assert_int_eq(dc_drycooler_chillerless(C2K(20), -1, C2K(45), 5),
			 DC_EINVAL);
	ck_assert(isnan(dc_drycooler_supply(C2K(20), -1)));
}
END_TEST

/* ---- plant bad inputs and parameter tables ------------------------- */

START_TEST(plant_bad_input)
{
	dc_refplant_out o;
	memset(&o, 0x33, sizeof o);
	dc_refplant_out sentinel = o;
	ck_assert_int_eq(dc_refplant_eval(-1, 10e6, 12, &o), DC_EINVAL);
	ck_assert_int_eq(dc_refplant_eval(1e6, 0, 12, &o), DC_EINVAL);
	ck_assert_int_eq(dc_refplant_eval(1e6, 10e6, NAN, &o), DC_EINVAL);
	ck_assert_int_eq(dc_refplant_eval(1e6, 10e6, 12, NULL), DC_EINVAL);
	/* 2x capacity in hot weather overloads the 1.2 C chiller */
	ck_assert_int_eq(dc_refplant_eval(20e6, 10e6, 30, &o), DC_ERANGE);
	ck_assert_msg(!memcmp(&o, &sentinel, sizeof o), "output written on error");
}
END_TEST

START_TEST(param_tables)
{
	dc_err err = DC_ERR_INIT;
	dc_ite ite;
	memset(&ite, 0, sizeof ite);
	ck_assert_msg(dc_params_defaults(&dc_ite_pset, &ite, NULL, &err) == DC_OK,
		      "ite defaults: %s", dc_err_text(&err));
	ck_rel(ite.flow_per_W, 1e-4, 1e-12, "flow_per_W default");
	ck_rel(ite.rho, 1.2, 1e-12, "rho default");
	ck_rel(ite.cp, 1005, 1e-12, "cp default");
	ck_rel(ite.ups_eff_design, 0.9, 1e-12, "ups default");
	dc_chiller ch = dc_chiller_doe2_centrifugal_5_50cop;
	ck_assert_int_eq(dc_params_set(&dc_chiller_pset, "chiller", "q_ref",
				       "12 MW", &ch, NULL, &err), DC_OK);
	ck_rel(ch.q_ref, 12e6, 1e-12, "q_ref set");
	ck_rel(ch.capft[0], CAPFT[0], 0, "curves kept");
	dc_loss_dev d;
	ck_assert_int_eq(dc_params_defaults(&dc_loss_dev_pset, &d, NULL, &err),
			 DC_OK);
	ck_assert_int_eq(dc_params_set(&dc_loss_dev_pset, "loss_device", "rated",
				       "0 W", &d, NULL, &err), DC_EINVAL);
	dc_err_free(&err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("facility_phys");
	struct { const char *name; const TTest *t; } tc[] = {
		{"v01_reference_plant", v01_reference_plant},
		{"v01_plant_chiller_on", v01_plant_chiller_on},
		{"plant_pue_sweep", plant_pue_sweep},
		{"plant_bad_input", plant_bad_input},
		{"v03_chiller", v03_chiller},
		{"chiller_clamps_limits", chiller_clamps_limits},
		{"chiller_cycling", chiller_cycling},
		{"chiller_over_capacity", chiller_over_capacity},
		{"v04_ite", v04_ite},
		{"ite_recirculation", ite_recirculation},
		{"v14_server_power", v14_server_power},
		{"v17_flows", v17_flows},
		{"v18_affinity_pump", v18_affinity_pump},
		{"loss_chain_conservation", loss_chain_conservation},
		{"loss_efficiency_closed_form", loss_efficiency_closed_form},
		{"loss_bad_input", loss_bad_input},
		{"tower_water", tower_water},
		{"econ_waterside", econ_waterside},
		{"econ_airside", econ_airside},
		{"econ_drycooler", econ_drycooler},
		{"param_tables", param_tables},
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
