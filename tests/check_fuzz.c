/* check_fuzz.c - deterministic mutational fuzzing of the scenario-input
 * layer: mutated YAML snippets through dc_tree_load_string and
 * dc_params_read, mutated quantity strings through dc_qty_parse.  Every
 * failure must come with a negative code and non-empty text, successes
 * must be well-formed, and nothing may leak (dc_alloc_current returns to
 * its starting value after each input). */
#include <check.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../models/calib_fit.h"
#include "../reports/resolved.h"
#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "../sim/params.h"
#include "../sim/table.h"
#include "../sim/tree.h"
#include "../sim/units.h"
#include "util/run.h"

#define ITERATIONS 20000
#define TIME_CAP_S 20.0 /* stop early on a very slow machine (valgrind) */
#define BUF_MAX 1024

typedef struct fcfg {
	int64_t servers;
	double power, rate, util;
	dc_time warmup;
	int policy, enabled;
	char *name;
} fcfg;

static const char *const policies[] = {"fifo", "lifo", NULL};
static const dc_param fparams[] = {
	{"servers", DC_PT_INT, 0, NULL, "8", DC_PF_MIN | DC_PF_MAX, 1, 1e6,
	 NULL, offsetof(fcfg, servers), "", NULL, 0},
	{"power", DC_PT_QTY, DC_DIM_POWER, "kW", "250 kW", DC_PF_MIN, 0, 0,
	 NULL, offsetof(fcfg, power), "", NULL, 0},
	{"rate", DC_PT_QTY, DC_DIM_RATE, "/s", NULL, DC_PF_REQUIRED, 0, 0,
	 NULL, offsetof(fcfg, rate), "", NULL, 0},
	{"util", DC_PT_REAL, 0, NULL, "50 %", DC_PF_MAX_EXCL, 0, 1, NULL,
	 offsetof(fcfg, util), "", NULL, 0},
	{"warmup", DC_PT_TIME, 0, "h", "1 h", DC_PF_MIN_EXCL, 0, 0, NULL,
	 offsetof(fcfg, warmup), "", NULL, 0},
	{"policy", DC_PT_ENUM, 0, NULL, "fifo", 0, 0, 0, policies,
	 offsetof(fcfg, policy), "", NULL, 0},
	{"enabled", DC_PT_BOOL, 0, NULL, "yes", 0, 0, 0, NULL,
	 offsetof(fcfg, enabled), "", NULL, 0},
	{"name", DC_PT_STR, 0, NULL, "q", 0, 0, 0, NULL, offsetof(fcfg, name),
	 "", NULL, 0},
};
static const dc_pset fset = {"queue", fparams, DC_ARRAY_LEN(fparams), ""};

static const char *const yaml_seeds[] = {
	"queue:\n  servers: 16\n  power: 9 MW\n  rate: 7.2 /s\n"
	"  warmup: 48 h\n  policy: lifo\n  enabled: off\n  name: \"web\"\n",
	"queue: {servers: 1e3, rate: 5 /s, util: 5 %, name: 'a b'}\n",
	"# scenario\nqueue:\n  rate: 1 /s\n  servers: 0\n  sever: 3\n"
	"  power: 3 h\n  name: [x]\n",
	"queue:\n  rate: 2 Hz\n  warmup: |\n    30 min\n  power: >-\n"
	"    250 kW\n",
	"- a: 1\n- [b, c]\n- {d: e}\n---\nx: 1\n",
	"queue:\n  rate: &r 1 /s\n  util: *r\n  ? [k]\n  : v\n",
	"queue:\n  rate: 3e2 /min\n  servers: 12\n  util: 0.25\n",
	"queue:\n  rate: 1 Hz\n  name: x\n  power: 1.5 MW\n",
};

static const char *const unit_seeds[] = {
	"9 MW", "250 kW", "48 h", "30 min", "30 C", "1.5 L/min", "400 Gb/s",
	"80 GB", "5 %", "7.2 /s", "3 K", "1e6", "2 bar", "8000 kg", "5 kWh",
	"0.4 kg/MWh", "700 W", "2.5 GHz", "192 GiB", "3.35 TB/s", "1.2 m3/h",
	"3 kg m^2 s^-3", "86 \xc2\xb0\x46", "2 W\xc2\xb7h", "60 min^-1",
};

static const dc_dim wants[] = {
	DC_DIM_NONE, DC_DIM_POWER, DC_DIM_TIME, DC_DIM_TEMPERATURE,
	DC_DIM_VOLFLOW, DC_DIM_DATARATE, DC_DIM_DATA, DC_DIM_RATE,
	DC_DIM_ENERGY, DC_DIM_MASS_PER_ENERGY, DC_DIM_PRESSURE,
};

static const char interesting[] = ":-[]{}&*\"'\n #\t|>!%0123456789./^eE"
				  "\xc2\xb0\xb5\xff\x80";

typedef struct rng { uint64_t s; } rng;

/* xorshift64* (Vigna): small, fast, deterministic. */
static uint64_t next(rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ull;
}

static size_t below(rng *r, size_t n) { return n ? next(r) % n : 0; }

/* Apply one random mutation to buf[0..*len), capacity BUF_MAX. */
static void mutate_once(rng *r, char *buf, size_t *len, const char *const *seeds,
			size_t nseeds)
{
	size_t at = below(r, *len + 1);
	switch (below(r, 6)) {
	case 0: /* flip a bit */
		if (*len)
			buf[below(r, *len)] ^= (char)(1u << below(r, 8));
		break;
	case 1: /* insert an interesting or random byte */
		if (*len + 1 < BUF_MAX) {
			memmove(buf + at + 1, buf + at, *len - at);
			buf[at] = below(r, 4) ? interesting[below(r, sizeof interesting - 1)]
					      : (char)next(r);
			++*len;
		}
		break;
	case 2: /* delete a run */
		if (at < *len) {
			size_t k = 1 + below(r, *len - at < 8 ? *len - at : 8);
			memmove(buf + at, buf + at + k, *len - at - k);
			*len -= k;
		}
		break;
	case 3: /* splice a piece of another seed */
	{
		const char *s = seeds[below(r, nseeds)];
		size_t sl = strlen(s), from = below(r, sl), k = below(r, sl - from + 1);
		if (*len + k < BUF_MAX) {
			memmove(buf + at + k, buf + at, *len - at);
			memcpy(buf + at, s + from, k);
			*len += k;
		}
		break;
	}
	case 4: /* truncate */
		*len = at;
		break;
	default: /* overwrite with a random byte */
		if (*len)
			buf[below(r, *len)] = (char)next(r);
		break;
	}
}

static size_t mutate(rng *r, char *buf, const char *const *seeds, size_t n)
{
	size_t len = strlen(strcpy(buf, seeds[below(r, n)]));
	int k = 1 + (int)below(r, 4);
	for (int i = 0; i < k; i++)
		mutate_once(r, buf, &len, seeds, n);
	return len;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Every parameter of a config that read without error formats. */
static void ck_formats(const fcfg *cfg, long it)
{
	char buf[BUF_MAX * 4 + 64];
	for (size_t i = 0; i < fset.n; i++) {
		int n = dc_param_format(&fparams[i], cfg, buf, sizeof buf);
		ck_assert_msg(n > 0, "it %ld: %s does not format (%d)", it,
			      fparams[i].key, n);
	}
}

/* One YAML input through the tree loader and the parameter reader.
 * Returns 0 if the YAML failed, 1 if the parameters failed, 2 if both
 * succeeded. */
static int run_yaml(const char *buf, size_t len, long it)
{
	dc_err err = DC_ERR_INIT;
	dc_node *root = (dc_node *)1;
	fcfg cfg;
	memset(&cfg, 0, sizeof cfg);
	int rc = dc_tree_load_string("f.yaml", buf, len, &root, &err);
	ck_assert_msg(rc <= 0, "it %ld: positive rc %d", it, rc);
	if (rc) {
		ck_assert_msg(root == NULL, "it %ld: root set on error", it);
		ck_assert_msg(err.count > 0 && dc_err_text(&err)[0] && err.rc == rc,
			      "it %ld: rc %d without text", it, rc);
		dc_err_free(&err);
		return 0;
	}
	const dc_node *sec = dc_node_get(root, "queue");
	rc = dc_params_read(&fset, sec ? sec : root, "f.yaml", "queue", &cfg,
			    NULL, &err);
	ck_assert_msg(rc <= 0, "it %ld: positive rc %d", it, rc);
	if (rc)
		ck_assert_msg(dc_err_text(&err)[0], "it %ld: rc %d, no text", it, rc);
	else
		ck_formats(&cfg, it);
	dc_params_free(&fset, &cfg);
	dc_tree_free(root);
	dc_err_free(&err);
	return rc ? 1 : 2;
}

START_TEST(yaml_and_params)
{
	rng r = {0x2545f4914f6cdd1dull};
	char buf[BUF_MAX + 1];
	size_t start = dc_alloc_current();
	double t0 = now_s();
	long it, outcome[3] = {0, 0, 0};
	for (it = 0; it < ITERATIONS && now_s() - t0 < TIME_CAP_S; it++) {
		size_t len = mutate(&r, buf, yaml_seeds,
				    DC_ARRAY_LEN(yaml_seeds));
		outcome[run_yaml(buf, len, it)]++;
		ck_assert_msg(dc_alloc_current() == start,
			      "it %ld: %zu bytes leaked for:\n%.*s", it,
			      dc_alloc_current() - start, (int)len, buf);
	}
	/* the mutations must reach every stage, not only the YAML errors */
	for (int k = 0; k < 3; k++)
		ck_assert_msg(outcome[k] >= it / 100, "outcomes %ld/%ld/%ld of %ld",
			      outcome[0], outcome[1], outcome[2], it);
}
END_TEST

/* The CLI path: mutated values set one parameter at a time. */
START_TEST(cli_values)
{
	rng r = {0x9e3779b97f4a7c15ull};
	char buf[BUF_MAX + 1];
	size_t start = dc_alloc_current();
	double t0 = now_s();
	fcfg cfg;
	memset(&cfg, 0, sizeof cfg);
	for (long it = 0; it < ITERATIONS && now_s() - t0 < TIME_CAP_S; it++) {
		dc_err err = DC_ERR_INIT;
		size_t len = mutate(&r, buf, unit_seeds, DC_ARRAY_LEN(unit_seeds));
		buf[len] = '\0';
		const dc_param *p = &fparams[below(&r, fset.n)];
		int rc = dc_params_set(&fset, NULL, p->key, buf, &cfg, NULL, &err);
		ck_assert_msg(rc <= 0, "it %ld: positive rc", it);
		ck_assert_msg(!rc || dc_err_text(&err)[0], "it %ld: no text", it);
		dc_err_free(&err);
		dc_params_free(&fset, &cfg);
		ck_assert_msg(dc_alloc_current() == start, "it %ld: leak", it);
	}
}
END_TEST

START_TEST(quantities)
{
	rng r = {0xd1b54a32d192ed03ull};
	char buf[BUF_MAX + 1], msg[160];
	size_t start = dc_alloc_current();
	double t0 = now_s();
	for (long it = 0; it < ITERATIONS && now_s() - t0 < TIME_CAP_S; it++) {
		size_t len = mutate(&r, buf, unit_seeds, DC_ARRAY_LEN(unit_seeds));
		buf[len] = '\0';
		dc_dim want = wants[below(&r, DC_ARRAY_LEN(wants))];
		double si = NAN;
		int col = -1;
		msg[0] = '\0';
		int rc = dc_qty_parse(buf, want, &si, &col, msg, sizeof msg);
		if (rc == DC_OK) {
			ck_assert_msg(isfinite(si), "it %ld: '%s' -> %g", it, buf, si);
		} else {
			ck_assert_msg(rc == DC_EINVAL, "it %ld: rc %d", it, rc);
			ck_assert_msg(msg[0], "it %ld: '%s': empty message", it, buf);
			ck_assert_msg(col >= 0 && (size_t)col <= strlen(buf),
				      "it %ld: '%s': errcol %d", it, buf, col);
		}
		ck_assert_msg(dc_alloc_current() == start, "it %ld: allocated", it);
	}
}
END_TEST

/* Calibration profiles: mutated profile texts through the table reader and
 * dc_profile_from_table, and what loads through the fit: no crash, no
 * leak, an error with text or a profile whose every row is sane. */
static const char *const profile_seeds[] = {
	"# device: cpu\n# peak_flops: 2e11\n# peak_bw: 2e10\n"
	"op,m,n,k,reps,time_s,flops,bytes\n"
	"qkv,1,64,64,3,1e-5,8192,33024\nqkv,4,64,64,3,2e-5,32768,34816\n"
	"qkv,16,64,64,3,3e-5,131072,41984\ntriad,1,4096,0,3,1e-6,8192,49152\n"
	"triad,1,65536,0,3,1e-5,131072,786432\n",
	"# device: g\n# peak_flops: 1e14\n# peak_bw: 2e12\nop,m,n,k,time_s,flops,"
	"bytes\nattn_decode,32,128,128,1e-4,2e6,4e6\n"
	"attn_decode,32,512,128,3e-4,8e6,1.6e7\n",
};

START_TEST(profiles)
{
	rng r = {0xd1b54a32d192ed03ull};
	char buf[BUF_MAX + 1];
	size_t start = dc_alloc_current();
	double t0 = now_s();
	long it, ok = 0, bad = 0;
	for (it = 0; it < ITERATIONS && now_s() - t0 < TIME_CAP_S; it++) {
		size_t len = mutate(&r, buf, profile_seeds,
				    DC_ARRAY_LEN(profile_seeds));
		dc_err err = DC_ERR_INIT;
		dc_table *t = NULL;
		dc_profile p;
		int rc = dc_table_load_string("p.csv", buf, len, &t, &err);
		if (!rc)
			rc = dc_profile_from_table(t, &p, &err);
		if (!rc) {
			static dc_calib_fit f;
			for (size_t i = 0; i < p.n; i++)
				ck_assert(p.rows[i].time_s > 0 &&
					  p.rows[i].m >= 1);
			(void)dc_calib_fit_rows(p.rows, p.n, NULL, p.peak_flops,
						p.peak_bw, &f, &err);
			dc_profile_free(&p);
			ok++;
		} else {
			ck_assert_msg(dc_err_text(&err)[0], "it %ld: rc %d, "
				      "no text", it, rc);
			bad++;
		}
		dc_table_free(t);
		dc_err_free(&err);
		ck_assert_msg(dc_alloc_current() == start,
			      "it %ld: %zu bytes leaked for:\n%.*s", it,
			      dc_alloc_current() - start, (int)len, buf);
	}
	ck_assert_msg(ok >= it / 100 && bad >= it / 100, "ok %ld bad %ld of %ld",
		      ok, bad, it);
}
END_TEST

static Suite *fuzz_suite(void)
{
	Suite *s = suite_create("fuzz");
	struct { const char *name; const TTest *fn; } t[] = {
		{"yaml_and_params", yaml_and_params},
		{"cli_values", cli_values},
		{"quantities", quantities},
		{"profiles", profiles},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(t); i++) {
		TCase *tc = tcase_create(t[i].name);
		tcase_set_timeout(tc, 3 * TIME_CAP_S);
		tcase_add_test(tc, t[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return dc_test_main(fuzz_suite());
}
