/* check_power.c - the supply side end to end: hydrogen and diesel
 * backup through an outage, the UPS running empty, flexible capacity
 * shedding by class, chip thermals under throttling, carbon. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/scen.h"
#include "util/run.h"

#define REL(a, b, tol) (fabs((a) - (b)) <= (tol) * fabs(b))

/* A 200 kW row, one facility, a 24 h outage from hour 6 of a 2 d run. */
static const char *row(const char *extra)
{
	static char text[4096];
	snprintf(text, sizeof text,
		 "name: row\nhorizon: 2 d\nsample_interval: 1 h\n"
		 "site:\n  climate: constant\n  dry_bulb: 20 C\n  wet_bulb: 12 C\n"
		 "facility:\n  name: f\n  generation: gen10\n"
		 "  it_capacity: 250 kW\n  physics_step: 10 min\n"
		 "halls:\n  - name: h\n    racks: 10\n    rack_power: 20 kW\n"
		 "    utilization: 100 %%\n"
		 "outages:\n  - at: 6 h\n    duration: 24 h\n%s", extra);
	return text;
}

/* Energy in = facility energy: utility + backup + battery + unserved -
 * recharge equals the facility's integral (J, 1e-9). */
static void check_conservation(const dc_rows *g, const char *ent)
{
	double facility = dc_test_row(g, "facility.energy", ent)->mean;
	double util = dc_test_row(g, "power.energy_utility", ent)->mean;
	double backup = dc_test_has(g, "power.energy_backup", ent)
				? dc_test_row(g, "power.energy_backup", ent)->mean
				: 0;
	double batt = dc_test_has(g, "power.energy_battery", ent)
			      ? dc_test_row(g, "power.energy_battery", ent)->mean
			      : 0;
	double unserved = dc_test_row(g, "power.energy_unserved", ent)->mean;
	/* recharge is a mean power (kW) over the run: MWh = kW x h / 1000 */
	double hours = 48;
	double recharge = dc_test_row(g, "power.recharge", ent)->mean * hours /
			  1e3;
	double in = util + backup + batt + unserved - recharge;
	ck_assert_msg(REL(in, facility, 1e-9),
		      "sources %.12g MWh != facility %.12g MWh", in, facility);
}

START_TEST(hydrogen_backup_carries_the_outage)
{
	static dc_rows g;
	dc_test_run(dc_test_write(row(
		"ups:\n  energy: 20 kWh\n  max_power: 400 kW\n"
		"  charge_power: 40 kW\n"
		"backup:\n  kind: pem_fuel_cell\n  rating: 300 kW\n"
		"  hydrogen: 1000 kg\n  pressure: 350 bar\n"
		"grid:\n  carbon_intensity: 500 g/kWh\n")), NULL, 0, &g);
	check_conservation(&g, "f");
	double e_b = dc_test_row(&g, "power.energy_backup", "f")->mean; /* MWh */
	double h2 = dc_test_row(&g, "power.hydrogen_used", "f")->mean;
	double left = dc_test_row(&g, "power.hydrogen_left", "f")->min;
	double water = dc_test_row(&g, "power.water_made", "f")->mean;
	/* the backup carried the 24 h (less the UPS bridge) */
	double p = dc_test_row(&g, "facility.power", "f")->max / 1e3; /* MW */
	ck_assert_msg(REL(e_b, p * 24, 0.01), "backup %.4f MWh vs %.4f", e_b,
		      p * 24);
	/* physics.md §3.2: 53.7 g/kWh_DC at 0.70 V; a real system (BoP,
	 * inverter) needs 55..67 g per kWh AC */
	double g_kwh = h2 * 1e3 / (e_b * 1e3);
	ck_assert_msg(g_kwh > 50 && g_kwh < 67, "%.2f g H2 per kWh", g_kwh);
	/* system LHV efficiency: 45..55 % typical (§3.2), = E / (m LHV) */
	double eff = dc_test_row(&g, "power.pem_efficiency_lhv", "f")->mean;
	ck_assert_msg(REL(eff, 100 * e_b * 1e3 / (h2 * 33.33), 1e-9),
		      "efficiency %.4f %%", eff);
	ck_assert_msg(eff > 45 && eff < 55, "efficiency %.2f %%", eff);
	/* stock never negative, mass balance */
	ck_assert_msg(left >= 0 && REL(left, 1000 - h2, 1e-9),
		      "left %.6f kg, used %.6f kg", left, h2);
	/* water: 18.015 / 2.016 kg per kg of hydrogen reacted (U_f 0.95) */
	ck_assert_msg(REL(water, h2 * 0.95 * 18.015 / 2.016, 1e-3),
		      "water %.3f kg from %.3f kg H2", water, h2);
	ck_assert_double_eq(dc_test_row(&g, "carbon.onsite", "f")->mean, 0);
	ck_assert_double_eq(dc_test_row(&g, "power.energy_unserved", "f")->mean, 0);
	ck_assert_msg(dc_test_row(&g, "power.load_dropped_at", "f")->n == 0,
		      "load dropped with a full hydrogen tank");
	/* grid carbon only for the utility energy */
	double util = dc_test_row(&g, "power.energy_utility", "f")->mean;
	ck_assert_msg(REL(dc_test_row(&g, "carbon.operational", "f")->mean,
			  util * 1e3 * 0.5, 1e-9), "operational carbon");
}
END_TEST

START_TEST(diesel_burns_and_emits)
{
	static dc_rows g;
	dc_test_run(dc_test_write(row(
		"ups:\n  energy: 20 kWh\n  max_power: 400 kW\n"
		"  charge_power: 40 kW\n"
		"backup:\n  kind: diesel\n  rating: 300 kW\n  tank: 2000 L\n")),
		NULL, 0, &g);
	check_conservation(&g, "f");
	double litres = dc_test_row(&g, "power.diesel_used", "f")->mean;
	double co2 = dc_test_row(&g, "carbon.onsite", "f")->mean;
	ck_assert_msg(REL(co2, 2.68 * litres, 1e-9), "CO2 %.3f kg for %.3f L",
		      co2, litres);
	/* fuel curve (§3.3): at load fraction x, L/h = kW_rated (a + b x) */
	double p = dc_test_row(&g, "facility.power", "f")->max; /* kW */
	double x = p / 300;
	double expect = 300 * (0.019306 + 0.249837 * x) * 24;
	ck_assert_msg(REL(litres, expect, 0.01), "%.2f L vs %.2f", litres,
		      expect);
	ck_assert_msg(dc_test_row(&g, "power.diesel_left", "f")->min >= 0,
		      "negative fuel");
}
END_TEST

START_TEST(empty_battery_drops_load)
{
	static dc_rows g;
	/* no backup: a 10 kWh battery carries ~216 kW for ~2.7 min */
	dc_test_run(dc_test_write(row(
		"ups:\n  energy: 10 kWh\n  max_power: 400 kW\n"
		"  charge_power: 40 kW\n  efficiency: 100 %\n")), NULL, 0, &g);
	double drop = dc_test_row(&g, "power.load_dropped_at", "f")->mean;
	double p = dc_test_row(&g, "facility.power", "f")->max; /* kW */
	double t_empty = 6 + 10 / p;   /* hours: E / P after the outage */
	ck_assert_msg(drop >= 6 && drop <= t_empty + 1.0 / 3600 + 1e-9,
		      "load dropped at %.5f h, battery empty at %.5f h", drop,
		      t_empty);
	ck_assert_msg(dc_test_row(&g, "power.energy_unserved", "f")->mean > 0,
		      "no unserved energy reported");
	check_conservation(&g, "f");
}
END_TEST

START_TEST(flex_sheds_by_class_within_the_deadline)
{
	static dc_rows base, g;
	dc_override no_outage[] = {{"--until", "horizon", "60 h"}};
	dc_test_run("scenarios/gen11-ai-hall.yaml", no_outage, 1, &base);
	dc_test_run("scenarios/gen11-ai-hall.yaml", NULL, 0, &g);
	ck_assert_double_eq(dc_test_row(&g, "flex.deadline_met", "hall9")->mean, 1);
	/* the critical (non-redundant) hall is untouched: same mean power
	 * with and without the outage */
	double crit = dc_test_row(&g, "hall.it_power", "critical")->mean;
	double crit0 = dc_test_row(&base, "hall.it_power", "critical")->mean;
	ck_assert_msg(REL(crit, crit0, 1e-9), "critical %.6f vs %.6f kW", crit,
		      crit0);
	/* the training hall (software-redundant) was off for the 6 h: its
	 * energy fell by about 6 h x its power (shutting takes 5 s) */
	double tr = dc_test_row(&g, "hall.it_power", "training")->mean * 168;
	double tr0 = dc_test_row(&base, "hall.it_power", "training")->mean * 168;
	double lost = tr0 - tr;     /* kWh */
	double p_tr = dc_test_row(&base, "hall.it_power", "training")->mean;
	ck_assert_msg(REL(lost, p_tr * 6, 0.01), "training lost %.1f kWh vs "
		      "%.1f", lost, p_tr * 6);
	ck_assert_double_eq(dc_test_row(&g, "power.energy_unserved", "hall9")->mean,
			    0);
	/* V-12: 4 x 3 MW feeds: 9 MW conventional, 12 MW zero-reserved, and
	 * one lost leaves 9 MW */
	ck_assert_double_eq(
		dc_test_row(&g, "flex.allocatable_conventional", "hall9")->mean,
		9000);
	ck_assert_double_eq(
		dc_test_row(&g, "flex.allocatable_zero_reserve", "hall9")->mean,
		12000);
	ck_assert_msg(dc_test_row(&g, "power.utility", "hall9")->max <= 12e3 + 1e-6,
		      "utility above 12 MW");
}
END_TEST

START_TEST(throttling_holds_the_junction)
{
	static dc_rows g;
	/* H100 on air at a 40 C inlet (ASHRAE A3 allowable) behind a poor
	 * heatsink: 40 + 0.09 x 700 = 103 C > 87 C */
	dc_test_run(dc_test_write(
		"name: hot\nhorizon: 1 d\nsample_interval: 1 h\n"
		"site:\n  climate: constant\n  dry_bulb: 30 C\n  wet_bulb: 20 C\n"
		"facility:\n  it_capacity: 1 MW\n  physics_step: 1 min\n"
		"halls:\n  - name: hot\n    racks: 10\n    rack_power: 10.2 kW\n"
		"    gpu: h100\n    gpus_per_rack: 8\n    utilization: 100 %\n"
		"    cooling: air\n    supply_temperature: 40 C\n"
		"    envelope: A3\n    thermal_resistance: 0.09 K/W\n"
		"  - name: cool\n    racks: 10\n    rack_power: 10.2 kW\n"
		"    gpu: h100\n    gpus_per_rack: 8\n    utilization: 100 %\n"
		"    cooling: cold_plate\n    supply_temperature: 30 C\n"),
		NULL, 0, &g);
	const dc_stat_row *tj = dc_test_row(&g, "hall.junction_temperature", "hot");
	ck_assert_msg(tj->max <= 87 + 1e-6, "hot junction max %.6f C > 87 C",
		      tj->max);
	ck_assert_msg(tj->max > 86.9, "hot junction %.4f C: not at the limit",
		      tj->max);
	double thr = dc_test_row(&g, "hall.throttled_gpu_hours", "hot")->mean;
	ck_assert_msg(thr > 0.95 * 80 * 24 && thr <= 80 * 24 + 1e-9,
		      "throttled %.2f GPU-hours of %d", thr, 80 * 24);
	ck_assert_double_eq(
		dc_test_row(&g, "hall.throttled_gpu_hours", "cool")->mean, 0);
	ck_assert_msg(dc_test_row(&g, "hall.gpu_clock", "hot")->mean < 100,
		      "hot hall ran at full clock");
	/* never above shutdown */
	ck_assert_msg(dc_test_row(&g, "hall.junction_temperature", "cool")->max
			      < 92, "cool hall above shutdown");
}
END_TEST

static void near_rel(const char *what, double got, double want, double rel)
{
	ck_assert_msg(fabs(got - want) <= rel * fabs(want),
		      "%s: got %.12g, expected %.12g", what, got, want);
}

/* A data folder that is data/ plus calibration/<NAME>.csv, a GPU profile
 * whose only content that matters is its thermal-RC fit (R_th K/W, tau
 * s); made in a temporary folder of links and pointed at by DCSIM_DATA. */
static char gpuprof_dir[256];

static void data_with_gpu_profile_pw(const char *name, double r_th,
				     double tau, const char *power_lines);

static void data_with_gpu_profile(const char *name, double r_th, double tau)
{
	data_with_gpu_profile_pw(name, r_th, tau, "");
}

/* The same with extra '#' lines (a power law). */
static void data_with_gpu_profile_pw(const char *name, double r_th,
				     double tau, const char *power_lines)
{
	char *dir = gpuprof_dir;
	char cwd[4096], cmd[8192];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	if (!dir[0]) {
		snprintf(dir, sizeof gpuprof_dir, "/tmp/dcsim_gpuprof_%d",
			 (int)getpid());
		snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/calibration "
			 "&& for f in %s/data/*; do [ \"$(basename $f)\" = "
			 "calibration ] || ln -s $f %s/; done", dir, dir, cwd,
			 dir);
		ck_assert_int_eq(system(cmd), 0);
		setenv("DCSIM_DATA", dir, 1);
	}
	snprintf(cmd, sizeof cmd, "%s/calibration/%s.csv", dir, name);
	FILE *f = fopen(cmd, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "# device: test gpu\n# peak_flops: 1e15\n# peak_bw: 3e12\n"
		"# gpu_rc_r_th_k_per_w: %.17g\n# gpu_rc_tau_s: %.17g\n%s"
		"op,m,n,k,time_s,flops,bytes\ntriad,1,1024,0,1e-6,2048,"
		"12288\n", r_th, tau, power_lines);
	ck_assert_int_eq(fclose(f), 0);
}

/* A hall of 10 racks x 8 H100 at UTIL %, cold plate, taking PROFILE. */
static void hall_at(char *buf, size_t cap, const char *name,
		    const char *profile, int util)
{
	snprintf(buf, cap,
		 "  - name: %s\n    racks: 10\n    rack_power: 10.2 kW\n"
		 "    gpu: h100\n    gpus_per_rack: 8\n    utilization: %d %%\n"
		 "    cooling: cold_plate\n    supply_temperature: 30 C\n"
		 "    chip_profile: %s\n", name, util, profile);
}

static void hall_with(char *buf, size_t cap, const char *name,
		      const char *profile)
{
	hall_at(buf, cap, name, profile, 60);
}

/* A hall whose chips take a GPU profile's measured thermal RC: at the same
 * load the junctions of two halls differ by (R_2 - R_1) P - the coolant
 * supply and its rise cancel - with P each chip's power from the run. */
START_TEST(chip_profile_sets_the_thermal_rc)
{
	static dc_rows g;
	data_with_gpu_profile("gpu_a", 0.040, 20);
	data_with_gpu_profile("gpu_b", 0.070, 20);
	char text[2048], ha[512], hb[512];
	hall_with(ha, sizeof ha, "a", "gpu_a");
	hall_with(hb, sizeof hb, "b", "gpu_b");
	snprintf(text, sizeof text,
		 "name: rc\nhorizon: 6 h\nsample_interval: 1 h\n"
		 "site:\n  climate: constant\n  dry_bulb: 20 C\n"
		 "  wet_bulb: 12 C\nfacility:\n  it_capacity: 1 MW\n"
		 "  physics_step: 1 min\nhalls:\n%s%s", ha, hb);
	dc_test_run(dc_test_write(text), NULL, 0, &g);
	double pa = dc_test_row(&g, "hall.gpu_power", "a")->mean * 1e3 / 80;
	double pb = dc_test_row(&g, "hall.gpu_power", "b")->mean * 1e3 / 80;
	ck_assert_msg(fabs(pa - pb) < 1e-9 * pa && pa > 100, "P %g / %g W", pa,
		      pb);
	/* the steady junctions (the maxima: the first minute warms up from
	 * the coolant with tau 20 s) */
	double ta = dc_test_row(&g, "hall.junction_temperature", "a")->max;
	double tb = dc_test_row(&g, "hall.junction_temperature", "b")->max;
	ck_assert_msg(fabs((tb - ta) - 0.030 * pa) < 1e-6,
		      "dTj %.6f K, want 0.030 x %.3f W = %.6f K", tb - ta, pa,
		      0.030 * pa);
	/* a profile without a thermal fit is refused, naming the line */
	char bad[1024];
	snprintf(bad, sizeof bad, "%s/calibration/gpu_c.csv", gpuprof_dir);
	FILE *f = fopen(bad, "w");
	ck_assert_ptr_nonnull(f);
	fputs("# device: x\nop,m\ntriad,1\n", f);
	fclose(f);
	hall_with(hb, sizeof hb, "c", "gpu_c");
	snprintf(text, sizeof text,
		 "name: rc\nhorizon: 1 h\nfacility:\n  it_capacity: 1 MW\n"
		 "halls:\n%s", hb);
	dc_test_rejects(text, "needs a positive '# gpu_rc_r_th_k_per_w:' line");
	/* and its measured power law replaces the catalog's curve: at 50 %
	 * each chip draws 90 + (680 - 90) 0.5^0.9 W */
	data_with_gpu_profile_pw("gpu_p", 0.040, 20,
				 "# gpu_power_p_idle_w: 90\n"
				 "# gpu_power_p_max_w: 680\n"
				 "# gpu_power_alpha: 0.9\n");
	hall_at(ha, sizeof ha, "p", "gpu_p", 50);
	snprintf(text, sizeof text,
		 "name: pw\nhorizon: 2 h\nsample_interval: 1 h\n"
		 "site:\n  climate: constant\n  dry_bulb: 20 C\n"
		 "  wet_bulb: 12 C\nfacility:\n  it_capacity: 1 MW\n"
		 "  physics_step: 1 min\nhalls:\n%s", ha);
	static dc_rows g2;
	dc_test_run(dc_test_write(text), NULL, 0, &g2);
	double pp = dc_test_row(&g2, "hall.gpu_power", "p")->mean * 1e3 / 80;
	near_rel("measured power law", pp, 90 + 590 * pow(0.5, 0.9), 1e-9);
	/* leave no folder and no DCSIM_DATA behind (CK_FORK=no runs on) */
	snprintf(bad, sizeof bad, "rm -rf %s", gpuprof_dir);
	ck_assert_int_eq(system(bad), 0);
	unsetenv("DCSIM_DATA");
	gpuprof_dir[0] = 0;
}
END_TEST

/* A shed at an instant that is no physics step (3 h 17 min) and a restore
 * 2 h later: the shed hall's energy is exact to rounding. */
START_TEST(energy_exact_across_a_shed)
{
	static dc_rows g;
	dc_test_run(dc_test_write(
		"name: shed\nhorizon: 24 h\nsample_interval: 1 h\n"
		"site:\n  climate: constant\n  dry_bulb: 20 C\n  wet_bulb: 12 C\n"
		"facility:\n  name: f\n  generation: gen10\n  it_capacity: 2 MW\n"
		"  physics_step: 15 min\n"
		"halls:\n  - name: sr\n    racks: 10\n    rack_power: 50 kW\n"
		"    idle_fraction: 0 %\n    curve_exponent: 1\n"
		"    utilization: 100 %\n    class: software_redundant\n"
		"  - name: nr\n    racks: 10\n    rack_power: 50 kW\n"
		"    utilization: 100 %\n"
		"ups:\n  energy: 100 kWh\n  max_power: 2 MW\n  charge_power: 100 kW\n"
		"flex:\n  feeds: 2\n  needed: 1\n  feed_rating: 600 kW\n"
		"  ride_through: 5 min\n"
		"outages:\n  - at: 197 min\n    duration: 2 h\n    feeds: 1\n"),
		NULL, 0, &g);
	/* 500 kW for 24 h less the 2 h minus the 5 s it took to shut */
	double kwh = dc_test_row(&g, "hall.it_power", "sr")->mean * 24;
	double expect = 500 * (24 - 2 + 5.0 / 3600);
	ck_assert_msg(REL(kwh, expect, 1e-12), "shed hall %.12g kWh vs %.12g",
		      kwh, expect);
	ck_assert_double_eq(dc_test_row(&g, "hall.it_power", "nr")->min,
			    dc_test_row(&g, "hall.it_power", "nr")->max);
	ck_assert_double_eq(dc_test_row(&g, "flex.deadline_met", "f")->mean, 1);
}
END_TEST

static const char *stochastic(const char *seed)
{
	static char text[2048];
	snprintf(text, sizeof text,
		 "name: st\nseed: %s\nhorizon: 2000 h\nsample_interval: 1 d\n"
		 "site:\n  climate: constant\n"
		 "facility:\n  name: f\n  it_capacity: 1 MW\n  physics_step: 1 h\n"
		 "  outage_step: 10 min\n"
		 "halls:\n  - racks: 10\n    rack_power: 50 kW\n"
		 "ups:\n  energy: 100 kWh\n  max_power: 2 MW\n  charge_power: 100 kW\n"
		 "backup:\n  kind: diesel\n  rating: 1 MW\n  tank: 100000 L\n"
		 "outages:\n  - mtbf: 100 h\n    mttr: 10 h\n", seed);
	return text;
}

START_TEST(stochastic_outages)
{
	static dc_rows a, b, c;
	dc_test_run(dc_test_write(stochastic("5")), NULL, 0, &a);
	dc_test_run(dc_test_write(stochastic("5")), NULL, 0, &b);
	dc_test_run(dc_test_write(stochastic("6")), NULL, 0, &c);
	double la = dc_test_row(&a, "power.feeds_lost", "f")->mean;
	double lb = dc_test_row(&b, "power.feeds_lost", "f")->mean;
	double lc = dc_test_row(&c, "power.feeds_lost", "f")->mean;
	ck_assert_msg(la == lb, "same seed, %.17g vs %.17g", la, lb);
	ck_assert_msg(la != lc, "seeds 5 and 6 gave the same outages");
	/* unavailability MTTR / (MTBF + MTTR) = 1/11; about 18 cycles in
	 * 2000 h: allow a wide band */
	ck_assert_msg(la > 0.02 && la < 0.25, "down %.3f of the time", la);
	ck_assert_msg(dc_test_row(&a, "power.diesel_used", "f")->mean > 0,
		      "the generator never ran");
}
END_TEST

START_TEST(polca_caps_low_priority_first)
{
	static dc_rows g;
	/* IT 85 % of 1 MW: above t1 = 80 %, below t2 = 90 %: only the
	 * low-priority hall is capped */
	dc_test_run(dc_test_write(
		"name: polca\nhorizon: 1 d\nsample_interval: 1 h\n"
		"site:\n  climate: constant\n"
		"facility:\n  name: f\n  it_capacity: 1 MW\n  physics_step: 5 min\n"
		"  polca: true\n"
		"halls:\n  - name: low\n    racks: 5\n    rack_power: 85 kW\n"
		"    gpu: h100\n    gpus_per_rack: 8\n    cooling: cold_plate\n"
		"    supply_temperature: 30 C\n    utilization: 100 %\n"
		"    priority: low\n"
		"  - name: high\n    racks: 5\n    rack_power: 85 kW\n"
		"    gpu: h100\n    gpus_per_rack: 8\n    cooling: cold_plate\n"
		"    supply_temperature: 30 C\n    utilization: 100 %\n"
		"flex:\n  feeds: 2\n  needed: 1\n  feed_rating: 1 MW\n"
		"  polca_t1: 80 %\n  polca_t2: 90 %\n  polca_hysteresis: 5 %\n"),
		NULL, 0, &g);
	double low = dc_test_row(&g, "hall.gpu_clock", "low")->mean;
	double high = dc_test_row(&g, "hall.gpu_clock", "high")->mean;
	ck_assert_msg(low < 100 && high == 100, "clocks low %.2f %%, high %.2f %%",
		      low, high);
	ck_assert_msg(dc_test_row(&g, "flex.capped_gpu_hours", "f")->mean > 0,
		      "no capped GPU-hours");
}
END_TEST

#define HEAD "name: x\nhorizon: 1 d\nsite:\n  climate: constant\n" \
	     "facility:\n  it_capacity: 1 MW\n"

START_TEST(bad_input)
{
	dc_test_rejects(HEAD "backup:\n  kind: pem_fuel_cell\n  rating: 1 MW\n",
			"hydrogen");
	dc_test_rejects(HEAD "backup:\n  kind: steam\n  rating: 1 MW\n",
			"backup.kind");
	dc_test_rejects(HEAD "ups:\n  energy: -5 kWh\n  max_power: 1 MW\n"
			"  charge_power: 1 kW\n", "ups.energy");
	dc_test_rejects(HEAD "outages:\n  - at: 1 h\n", "duration");
	dc_test_rejects(HEAD "halls:\n  - racks: 2\n    rack_power: 5 kW\n"
			"    gpu: h100\n    gpus_per_rack: 8\n", "rack_power");
	dc_test_rejects(HEAD "halls:\n  - racks: 2\n    rack_power: 50 kW\n"
			"    gpu: b300\n    gpus_per_rack: 8\n", "unknown accelerator");
	dc_test_rejects(HEAD "halls:\n  - racks: 2\n    rack_power: 50 kW\n"
			"    gpu: h100\n    gpus_per_rack: 8\n"
			"    supply_temperature: 50 C\n", "allowable range of ASHRAE A2");
	dc_test_rejects(HEAD "flex:\n  feeds: 2\n  needed: 3\n"
			"  feed_rating: 1 MW\n", "needed");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("power");
	struct { const char *name; const TTest *t; } tc[] = {
		{"hydrogen_backup_carries_the_outage",
		 hydrogen_backup_carries_the_outage},
		{"diesel_burns_and_emits", diesel_burns_and_emits},
		{"empty_battery_drops_load", empty_battery_drops_load},
		{"flex_sheds_by_class_within_the_deadline",
		 flex_sheds_by_class_within_the_deadline},
		{"throttling_holds_the_junction", throttling_holds_the_junction},
		{"chip_profile_sets_the_thermal_rc",
		 chip_profile_sets_the_thermal_rc},
		{"energy_exact_across_a_shed", energy_exact_across_a_shed},
		{"stochastic_outages", stochastic_outages},
		{"polca_caps_low_priority_first", polca_caps_low_priority_first},
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
