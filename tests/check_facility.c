/* check_facility.c - the facility model end to end: every generation's
 * annual PUE inside its published design range, energy conservation,
 * PUE >= 1, energy independent of the output interval, scenario errors. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/scen.h"
#include "util/run.h"

/* The seed table (SEED.md, "Datacenter generations and PUE"); gen1 is
 * "2.0+": read as 2.0 .. 2.6 here. */
static const double seed_range[11][2] = {
	{2.00, 2.60}, {1.50, 1.80}, {1.40, 1.60}, {1.10, 1.30}, {1.17, 1.25},
	{1.17, 1.19}, {1.15, 1.18}, {1.15, 1.18}, {1.15, 1.18}, {1.12, 1.14},
	{1.09, 1.17},
};

START_TEST(generations_inside_design_range)
{
	static dc_rows g;
	dc_test_run("scenarios/generations.yaml", NULL, 0, &g);
	for (int i = 0; i < 11; i++) {
		char ent[16];
		snprintf(ent, sizeof ent, "gen%d", i + 1);
		double pue = dc_test_row(&g, "facility.pue_period", ent)->mean;
		printf("%-5s annual PUE %.4f  design %.2f-%.2f\n", ent, pue,
		       seed_range[i][0], seed_range[i][1]);
		ck_assert_msg(pue >= seed_range[i][0] && pue <= seed_range[i][1],
			      "%s: annual PUE %.4f outside %.2f-%.2f", ent, pue,
			      seed_range[i][0], seed_range[i][1]);
		/* the year has 8760 h: the IT energy is 7.5 MW x 8760 h */
		double e_it = dc_test_row(&g, "facility.energy_it", ent)->mean;
		ck_assert_double_eq_tol(e_it, 7.5 * 8760, 1e-6 * 7.5 * 8760);
	}
}
END_TEST

/* Facility power = IT + every overhead, as time-weighted means (linear),
 * and the energy-weighted PUE equals energy / IT energy. */
START_TEST(energy_balance_and_pue_floor)
{
	static dc_rows g;
	dc_test_run("scenarios/default.yaml", NULL, 0, &g);
	static const char *parts[] = {"facility.it_power", "facility.losses",
				      "facility.misc", "facility.fans",
				      "facility.pumps", "facility.chiller",
				      "facility.heat_rejection"};
	double sum = 0;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		sum += dc_test_row(&g, parts[i], "dc1")->mean;
	double total = dc_test_row(&g, "facility.power", "dc1")->mean;
	ck_assert_msg(fabs(total - sum) <= 1e-9 * total,
		      "facility %.12g kW != sum of parts %.12g kW", total, sum);
	double e_it = dc_test_row(&g, "facility.energy_it", "dc1")->mean;
	double e = dc_test_row(&g, "facility.energy", "dc1")->mean;
	double pue = dc_test_row(&g, "facility.pue_period", "dc1")->mean;
	ck_assert_double_eq_tol(pue, e / e_it, 1e-12 * pue);
	/* energy = mean power x 7 d (kW x h -> MWh) */
	ck_assert_double_eq_tol(e, total * 168 / 1000, 1e-9 * e);
	ck_assert_msg(dc_test_row(&g, "facility.pue", "dc1")->min >= 1,
		      "instantaneous PUE below 1: %.6f",
		      dc_test_row(&g, "facility.pue", "dc1")->min);
}
END_TEST

START_TEST(energy_independent_of_output_interval)
{
	static dc_rows a, b;
	dc_override fine[] = {{"--until", "horizon", "2 d"}};
	dc_test_run("scenarios/default.yaml", fine, 1, &a);
	/* the same run sampled every day instead of every hour: the
	 * scenario's sample_interval is not a run key we override, so use a
	 * copy written by the test */
	FILE *f = fopen("/tmp/dcsim-check-facility.yaml", "w");
	ck_assert_ptr_nonnull(f);
	FILE *in = fopen("scenarios/default.yaml", "r");
	ck_assert_ptr_nonnull(in);
	char line[512];
	while (fgets(line, sizeof line, in))
		fputs(strncmp(line, "sample_interval:", 16) ? line
			      : "sample_interval: 1 d\n", f);
	fclose(in);
	fclose(f);
	dc_test_run("/tmp/dcsim-check-facility.yaml", fine, 1, &b);
	remove("/tmp/dcsim-check-facility.yaml");
	double ea = dc_test_row(&a, "facility.energy", "dc1")->mean;
	double eb = dc_test_row(&b, "facility.energy", "dc1")->mean;
	ck_assert_msg(ea == eb, "energy %.17g MWh (1 h samples) vs %.17g (1 d)",
		      ea, eb);
	double ma = dc_test_row(&a, "facility.power", "dc1")->mean;
	double mb = dc_test_row(&b, "facility.power", "dc1")->mean;
	ck_assert_double_eq_tol(ma, mb, 1e-9 * ma);
}
END_TEST


/* A utilization series: with a linear power curve (idle 0, r = 1), hourly
 * linear interpolation and 15-min steps, the day's IT energy is P_max x
 * the trapezoid sum of the series, read here straight from the file. */
START_TEST(utilization_series)
{
	static dc_rows g;
	FILE *f = fopen("data/series/example_utilization.csv", "r");
	ck_assert_ptr_nonnull(f);
	char line[256];
	double u[48];
	int n = 0;
	while (fgets(line, sizeof line, f) && n < 48) {
		int h;
		double v;
		if (line[0] != '#' && sscanf(line, "%d,%lf", &h, &v) == 2)
			u[n++] = v;
	}
	fclose(f);
	ck_assert_int_eq(n, 24);
	double sum = 0;
	for (int h = 0; h < 24; h++)
		sum += (u[h] + u[(h + 1) % 24]) / 2; /* hour-hours */
	dc_test_run(dc_test_write(
		"name: s\nhorizon: 1 d\nsample_interval: 1 h\n"
		"site:\n  climate: constant\n"
		"facility:\n  name: f\n  it_capacity: 1 MW\n  physics_step: 15 min\n"
		"halls:\n  - name: h\n    racks: 10\n    rack_power: 100 kW\n"
		"    idle_fraction: 0 %\n    curve_exponent: 1\n"
		"    profile: series\n    series: example_utilization\n"),
		NULL, 0, &g);
	double mwh = dc_test_row(&g, "facility.energy_it", "f")->mean;
	ck_assert_msg(fabs(mwh - 1.0 * sum) < 1e-9 * mwh,
		      "IT energy %.12g MWh vs %.12g", mwh, sum);
}
END_TEST

#define HEAD "name: x\nhorizon: 1 d\nsite:\n  climate: chicago_il\n"

START_TEST(bad_input)
{
	dc_test_rejects(HEAD "facility:\n  generation: gen12\n  it_capacity: 1 MW\n",
		     "unknown generation 'gen12'");
	dc_test_rejects(HEAD "facility:\n  it_capacity: -1 MW\n",
		     "facility.it_capacity");
	dc_test_rejects(HEAD "facility:\n  it_capacity: 1 MW\n  cooling: immersion\n",
		     "facility.cooling");
	dc_test_rejects(HEAD "facility:\n  it_capacity: 1 MW\nhalls:\n"
		     "  - racks: 10\n    rack_power: 200 kW\n",
		     "above the capacity");
	dc_test_rejects("name: x\nhorizon: 1 d\nsite:\n  climate: atlantis\n"
		     "facility:\n  it_capacity: 1 MW\n", "atlantis");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("facility");
	struct { const char *name; const TTest *t; } tc[] = {
		{"generations_inside_design_range",
		 generations_inside_design_range},
		{"energy_balance_and_pue_floor", energy_balance_and_pue_floor},
		{"energy_independent_of_output_interval",
		 energy_independent_of_output_interval},
		{"utilization_series", utilization_series},
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
