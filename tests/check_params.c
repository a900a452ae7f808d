/* check_params.c - declarative parameter tables: defaults, provenance,
 * every error kind with its exact text, several errors at once,
 * did-you-mean, command-line overrides, format round trips and the
 * resolved-scenario writer. */
#include <check.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reports/resolved.h"
#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "../sim/params.h"
#include "../sim/tree.h"
#include "util/run.h"

typedef struct qcfg {
	int64_t servers;
	double power;
	dc_time warmup;
	dc_time timeout;
	int policy;
	int enabled;
	char *name;
	double arrival_rate;
	double util;
	double inlet;
} qcfg;

static const char *const policies[] = {"fifo", "lifo", "random", NULL};

static const dc_param qparams[] = {
	{"servers", DC_PT_INT, 0, NULL, "8", DC_PF_MIN, 1, 0, NULL,
	 offsetof(qcfg, servers), "number of servers", NULL, 0},
	{"power", DC_PT_QTY, DC_DIM_POWER, "kW", "250 kW",
	 DC_PF_MIN | DC_PF_MAX, 0, 1e9, NULL, offsetof(qcfg, power),
	 "power per server", NULL, 0},
	{"warmup", DC_PT_TIME, 0, "s", "1 h", DC_PF_MIN, 1, 0, NULL,
	 offsetof(qcfg, warmup), "warm-up period", NULL, 0},
	{"timeout", DC_PT_TIME, 0, "ms", "250 ms", 0, 0, 0, NULL,
	 offsetof(qcfg, timeout), "request timeout", NULL, 0},
	{"policy", DC_PT_ENUM, 0, NULL, "fifo", 0, 0, 0, policies,
	 offsetof(qcfg, policy), "queue discipline", NULL, 0},
	{"enabled", DC_PT_BOOL, 0, NULL, "true", 0, 0, 0, NULL,
	 offsetof(qcfg, enabled), "whether the queue runs", NULL, 0},
	{"name", DC_PT_STR, 0, NULL, "rack-1", 0, 0, 0, NULL,
	 offsetof(qcfg, name), "display name", NULL, 0},
	{"arrival_rate", DC_PT_QTY, DC_DIM_RATE, "/s", NULL,
	 DC_PF_REQUIRED | DC_PF_MIN_EXCL, 0, 0, NULL,
	 offsetof(qcfg, arrival_rate), "mean arrivals per second", NULL, 0},
	{"util", DC_PT_REAL, 0, NULL, "0.5", DC_PF_MIN | DC_PF_MAX_EXCL, 0, 1,
	 NULL, offsetof(qcfg, util), "target utilisation", NULL, 0},
	{"inlet", DC_PT_QTY, DC_DIM_TEMPERATURE, "C", "27 C", 0, 0, 0, NULL,
	 offsetof(qcfg, inlet), "inlet air temperature", NULL, 0},
};

static const dc_pset qset = {"queue", qparams, DC_ARRAY_LEN(qparams),
			     "a queue"};

#define NP DC_ARRAY_LEN(qparams)

/* Load YAML TEXT and read its "queue" section into *cfg. */
static int read_text(const char *text, qcfg *cfg, dc_src *src, dc_err *err)
{
	dc_node *root = NULL;
	int rc = dc_tree_load_string("t.yaml", text, strlen(text), &root, err);
	ck_assert_msg(rc == DC_OK, "YAML: %s", dc_err_text(err));
	rc = dc_params_read(&qset, dc_node_get(root, "queue"), "t.yaml", "queue",
			    cfg, src, err);
	dc_tree_free(root);
	return rc;
}

/* TEXT must give DC_EINVAL and exactly the errors WANT. */
static void ck_errors_at(const char *text, const char *want, const char *file,
			 int line)
{
	qcfg cfg = {0};
	dc_err err = DC_ERR_INIT;
	size_t before = dc_alloc_current();
	int rc = read_text(text, &cfg, NULL, &err);
	ck_assert_msg(rc == DC_EINVAL, "%s:%d: rc %d for\n%s", file, line, rc,
		      text);
	ck_assert_msg(!strcmp(dc_err_text(&err), want),
		      "%s:%d: errors\n%s\nwant\n%s", file, line,
		      dc_err_text(&err), want);
	dc_params_free(&qset, &cfg);
	dc_err_free(&err);
	ck_assert_msg(dc_alloc_current() == before, "%s:%d: leaked %zu",
		      file, line, dc_alloc_current() - before);
}
#define ck_errors(t, w) ck_errors_at(t, w, __FILE__, __LINE__)

START_TEST(defaults)
{
	qcfg cfg = {0};
	dc_src src[NP];
	dc_err err = DC_ERR_INIT;
	memset(src, 0xff, sizeof src);
	ck_assert_int_eq(dc_params_defaults(&qset, &cfg, src, &err), DC_OK);
	ck_assert_int_eq(cfg.servers, 8);
	ck_assert_double_eq(cfg.power, 250e3);
	ck_assert_int_eq(cfg.warmup, 3600 * DC_SEC);
	ck_assert_int_eq(cfg.timeout, 250 * DC_MS);
	ck_assert_int_eq(cfg.policy, 0);
	ck_assert_int_eq(cfg.enabled, 1);
	ck_assert_str_eq(cfg.name, "rack-1");
	ck_assert_double_eq(cfg.arrival_rate, 0);
	ck_assert_double_eq(cfg.util, 0.5);
	ck_assert_double_eq_tol(cfg.inlet, 300.15, 1e-9);
	for (size_t i = 0; i < NP; i++)
		ck_assert_msg(src[i] == DC_SRC_DEFAULT, "src[%zu] = %d", i, src[i]);
	ck_assert_str_eq(dc_err_text(&err), "");
	dc_params_free(&qset, &cfg);
	ck_assert_ptr_null(cfg.name);
}
END_TEST

START_TEST(section_absent)
{
	qcfg cfg = {0};
	dc_err err = DC_ERR_INIT;
	int rc = dc_params_read(&qset, NULL, "t.yaml", "queue", &cfg, NULL, &err);
	ck_assert_int_eq(rc, DC_EINVAL);
	ck_assert_str_eq(dc_err_text(&err),
			 "t.yaml: queue.arrival_rate: error: required key is "
			 "missing\n");
	ck_assert_int_eq(cfg.servers, 8); /* defaults still set */
	dc_params_free(&qset, &cfg);
	dc_err_free(&err);
}
END_TEST

START_TEST(read_values)
{
	qcfg cfg = {0};
	dc_src src[NP];
	dc_err err = DC_ERR_INIT;
	const char *y = "queue:\n"
			"  servers: 1e3\n"
			"  power: 1.2 MW\n"
			"  warmup: 48 h\n"
			"  policy: random\n"
			"  enabled: off\n"
			"  name: \"web 1\"\n"
			"  arrival_rate: 7.2 /s\n"
			"  inlet: 86 F\n";
	ck_assert_int_eq(read_text(y, &cfg, src, &err), DC_OK);
	ck_assert_int_eq(cfg.servers, 1000);
	ck_assert_double_eq_tol(cfg.power, 1.2e6, 1e-6);
	ck_assert_int_eq(cfg.warmup, 48 * 3600 * DC_SEC);
	ck_assert_int_eq(cfg.timeout, 250 * DC_MS);
	ck_assert_int_eq(cfg.policy, 2);
	ck_assert_int_eq(cfg.enabled, 0);
	ck_assert_str_eq(cfg.name, "web 1");
	ck_assert_double_eq_tol(cfg.arrival_rate, 7.2, 1e-12);
	ck_assert_double_eq(cfg.util, 0.5);
	ck_assert_double_eq_tol(cfg.inlet, 303.15, 1e-9);
	static const dc_src want[NP] = {
		DC_SRC_SCENARIO, DC_SRC_SCENARIO, DC_SRC_SCENARIO, DC_SRC_DEFAULT,
		DC_SRC_SCENARIO, DC_SRC_SCENARIO, DC_SRC_SCENARIO, DC_SRC_SCENARIO,
		DC_SRC_DEFAULT, DC_SRC_SCENARIO};
	for (size_t i = 0; i < NP; i++)
		ck_assert_msg(src[i] == want[i], "%s: src %s, want %s",
			      qparams[i].key, dc_src_name(src[i]),
			      dc_src_name(want[i]));
	dc_params_free(&qset, &cfg);
}
END_TEST

START_TEST(int_forms)
{
	qcfg cfg = {0};
	dc_err err = DC_ERR_INIT;
	static const struct { const char *text; int64_t v; } ok[] = {
		{"1000000", 1000000}, {"1e6", 1000000}, {"2.0", 2},
		{"+7", 7}, {"9223372036854775807", INT64_MAX}, {"1.5e3", 1500}};
	for (size_t i = 0; i < DC_ARRAY_LEN(ok); i++) {
		ck_assert_msg(dc_params_set(&qset, NULL, "servers", ok[i].text, &cfg,
					    NULL, &err) == DC_OK, "'%s': %s",
			      ok[i].text, dc_err_text(&err));
		ck_assert_msg(cfg.servers == ok[i].v, "'%s' -> %lld", ok[i].text,
			      (long long)cfg.servers);
	}
	static const struct { const char *text, *msg; } bad[] = {
		{"1.5", "error: queue.servers: expected an integer, got '1.5'\n"},
		{"eight", "error: queue.servers: expected an integer, got 'eight'\n"},
		{"0x10", "error: queue.servers: expected an integer, got '0x10'\n"},
		{"", "error: queue.servers: expected an integer, got ''\n"},
		{"1e30", "error: queue.servers: '1e30' is out of the integer range\n"},
		{"9223372036854775808", "error: queue.servers: "
		 "'9223372036854775808' is out of the integer range\n"},
		{"inf", "error: queue.servers: expected an integer, got 'inf'\n"},
		{"0", "error: queue.servers: 0 is below the minimum 1\n"},
		{"-5", "error: queue.servers: -5 is below the minimum 1\n"},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(bad); i++) {
		dc_err e = DC_ERR_INIT;
		ck_assert_int_eq(dc_params_set(&qset, NULL, "servers", bad[i].text,
					       &cfg, NULL, &e), DC_EINVAL);
		ck_assert_str_eq(dc_err_text(&e), bad[i].msg);
		dc_err_free(&e);
	}
	ck_assert_int_eq(cfg.servers, 1500); /* unchanged by failures */
}
END_TEST

START_TEST(error_kinds)
{
	ck_errors("queue:\n"
		  "  servers: eight\n"
		  "  power: 3 h\n"
		  "  warmup: 500 ms\n"
		  "  policy: lifa\n"
		  "  enabled: maybe\n"
		  "  sever: 3\n"
		  "  name: {a: 1}\n"
		  "  util: 1\n",
		  "t.yaml:2:12: error: queue.servers: expected an integer, got "
		  "'eight'\n"
		  "t.yaml:3:12: error: queue.power: expected a power (e.g. "
		  "'250 kW'), got a time ('h')\n"
		  "t.yaml:4:11: error: queue.warmup: 0.5 s is below the minimum "
		  "1 s\n"
		  "t.yaml:5:11: error: queue.policy: expected one of 'fifo', "
		  "'lifo', 'random', got 'lifa' (did you mean 'lifo'?)\n"
		  "t.yaml:6:12: error: queue.enabled: expected true or false, got "
		  "'maybe'\n"
		  "t.yaml:7:3: error: queue: unknown key 'sever' (did you mean "
		  "'servers'?)\n"
		  "t.yaml:8:9: error: queue.name: expected a scalar, got a map\n"
		  "t.yaml:9:9: error: queue.util: 1 must be below 1\n"
		  "t.yaml:2:3: error: queue.arrival_rate: required key is "
		  "missing\n");
}
END_TEST

START_TEST(qty_errors)
{
	ck_errors("queue:\n"
		  "  arrival_rate: 5\n"
		  "  power: \"3 h\"\n"
		  "  inlet: 30 Cx\n"
		  "  timeout: 1e12 s\n"
		  "  util: 5 kW\n",
		  "t.yaml:2:18: error: queue.arrival_rate: missing unit: expected "
		  "a rate (e.g. '5 /s')\n"
		  "t.yaml:3:13: error: queue.power: expected a power (e.g. "
		  "'250 kW'), got a time ('h')\n"
		  "t.yaml:4:13: error: queue.inlet: unknown unit 'Cx'\n"
		  "t.yaml:5:12: error: queue.timeout: '1e12 s' is out of the time "
		  "range (about 292 years)\n"
		  "t.yaml:6:11: error: queue.util: expected a dimensionless number "
		  "(e.g. '0.5'), got a power ('kW')\n");
	ck_errors("queue:\n"
		  "  arrival_rate: 0 /s\n"
		  "  power: 2 TW\n",
		  "t.yaml:2:17: error: queue.arrival_rate: 0 /s must be above "
		  "0 /s\n"
		  "t.yaml:3:10: error: queue.power: 2000000000 kW is above the "
		  "maximum 1000000 kW\n");
}
END_TEST

START_TEST(shape_errors)
{
	ck_errors("queue:\n"
		  "  arrival_rate:\n"
		  "  policy: [fifo]\n"
		  "  name:\n",
		  "t.yaml:2:16: error: queue.arrival_rate: missing value\n"
		  "t.yaml:3:11: error: queue.policy: expected a scalar, got a "
		  "list\n"
		  "t.yaml:4:8: error: queue.name: missing value\n");
	ck_errors("queue: [1, 2]\n",
		  "t.yaml:1:8: error: queue: expected a map, got a list\n");
	ck_errors("queue:\n  zzz: 1\n  arrival_rate: 1 /s\n",
		  "t.yaml:2:3: error: queue: unknown key 'zzz'\n");
}
END_TEST

START_TEST(quoted_strings)
{
	qcfg cfg = {0};
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(read_text("queue:\n  name: ''\n  arrival_rate: 1 /s\n",
				   &cfg, NULL, &err), DC_OK);
	ck_assert_str_eq(cfg.name, "");
	ck_assert_int_eq(read_text("queue:\n  name: 42\n  arrival_rate: 1 /s\n",
				   &cfg, NULL, &err), DC_OK);
	ck_assert_str_eq(cfg.name, "42");
	dc_params_free(&qset, &cfg);
}
END_TEST

START_TEST(did_you_mean)
{
	static const char *const c[] = {"servers", "power", "warmup", "policy",
					"arrival_rate"};
	ck_assert_str_eq(dc_did_you_mean("sever", c, 5), "servers");
	ck_assert_str_eq(dc_did_you_mean("polcy", c, 5), "policy");
	ck_assert_str_eq(dc_did_you_mean("Power", c, 5), "power");
	ck_assert_str_eq(dc_did_you_mean("arival_rte", c, 5), "arrival_rate");
	ck_assert_ptr_null(dc_did_you_mean("xyz", c, 5));
	ck_assert_ptr_null(dc_did_you_mean("banana", c, 5));
	/* 3 edits on a 6-letter word: over max(2, 6/3) */
	ck_assert_ptr_null(dc_did_you_mean("wxyzup", c, 5));
	ck_assert_ptr_null(dc_did_you_mean("sever", c, 0));
	static const char *const near[] = {"abcd", "abc"};
	ck_assert_str_eq(dc_did_you_mean("abc", near, 2), "abc");
}
END_TEST

START_TEST(cli_set)
{
	qcfg cfg = {0};
	dc_src src[NP];
	dc_err err = DC_ERR_INIT;
	size_t before = dc_alloc_current();
	dc_params_defaults(&qset, &cfg, src, &err);
	ck_assert_int_eq(dc_params_set(&qset, NULL, "servers", "16", &cfg, src,
				       &err), DC_OK);
	ck_assert_int_eq(cfg.servers, 16);
	ck_assert_int_eq(src[0], DC_SRC_CLI);
	ck_assert_int_eq(dc_params_set(&qset, "q[2]", "name", "new", &cfg, src,
				       &err), DC_OK);
	ck_assert_str_eq(cfg.name, "new");
	ck_assert_int_eq(dc_params_set(&qset, NULL, "power", "3 h", &cfg, src,
				       &err), DC_EINVAL);
	ck_assert_int_eq(dc_params_set(&qset, NULL, "sevrers", "3", &cfg, src,
				       &err), DC_EINVAL);
	ck_assert_int_eq(dc_params_set(&qset, "q[2]", "util", "2", &cfg, src,
				       &err), DC_EINVAL);
	ck_assert_str_eq(dc_err_text(&err),
			 "error: queue.power: expected a power (e.g. '250 kW'), "
			 "got a time ('h')\n"
			 "error: queue: unknown key 'sevrers' (did you mean "
			 "'servers'?)\n"
			 "error: q[2].util: 2 must be below 1\n");
	ck_assert_int_eq(err.count, 3);
	ck_assert_double_eq(cfg.power, 250e3);
	ck_assert_int_eq(src[1], DC_SRC_DEFAULT);
	dc_params_free(&qset, &cfg);
	dc_err_free(&err);
	ck_assert_uint_eq(dc_alloc_current(), before);
}
END_TEST

/* Format every parameter of A as scenario text, read that back into B
 * through the YAML loader, and compare the stored values bit for bit. */
static void ck_round_trip(const qcfg *a)
{
	qcfg b = {0};
	dc_err err = DC_ERR_INIT;
	char buf[256], yaml[4096] = "queue:\n";
	for (size_t i = 0; i < NP; i++) {
		int n = dc_param_format(&qparams[i], a, buf, sizeof buf);
		ck_assert_msg(n > 0 && (size_t)n == strlen(buf), "%s: %d",
			      qparams[i].key, n);
		snprintf(yaml + strlen(yaml), sizeof yaml - strlen(yaml),
			 "  %s: %s\n", qparams[i].key, buf);
	}
	ck_assert_msg(read_text(yaml, &b, NULL, &err) == DC_OK, "%s\n%s", yaml,
		      dc_err_text(&err));
	for (size_t i = 0; i < NP; i++) {
		size_t sz = qparams[i].type == DC_PT_ENUM ||
				    qparams[i].type == DC_PT_BOOL ? sizeof(int) : 8;
		if (qparams[i].type == DC_PT_STR)
			continue;
		ck_assert_msg(!memcmp((const char *)a + qparams[i].off,
				      (const char *)&b + qparams[i].off, sz),
			      "%s reads back differently from:\n%s",
			      qparams[i].key, yaml);
	}
	ck_assert_str_eq(b.name, a->name);
	dc_params_free(&qset, &b);
}

START_TEST(format_text)
{
	qcfg cfg = {0};
	dc_err err = DC_ERR_INIT;
	char buf[64];
	dc_params_defaults(&qset, &cfg, NULL, &err);
	static const char *const want[NP] = {"8", "250 kW", "3600 s", "250 ms",
		"fifo", "true", "\"rack-1\"", "0 /s", "0.5", "27 C"};
	for (size_t i = 0; i < NP; i++) {
		dc_param_format(&qparams[i], &cfg, buf, sizeof buf);
		ck_assert_msg(!strcmp(buf, want[i]), "%s: '%s', want '%s'",
			      qparams[i].key, buf, want[i]);
	}
	ck_assert_int_eq(dc_param_format(&qparams[1], &cfg, buf, 4), DC_ERANGE);
	dc_params_free(&qset, &cfg);
}
END_TEST

START_TEST(format_round_trip)
{
	qcfg a = {0};
	dc_err err = DC_ERR_INIT;
	size_t before = dc_alloc_current();
	dc_params_defaults(&qset, &a, NULL, &err);
	a.arrival_rate = 1; /* the required key has no valid default */
	ck_round_trip(&a);
	unsigned long long x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 2000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		double u = (double)(x >> 11) / 9007199254740992.0;
		a.servers = (int64_t)(x >> 1) - (int64_t)(x >> 2) + 1;
		a.power = u * pow(10, (int)(x % 13) - 3);
		a.warmup = (dc_time)(x % 9000000000000000000ull) + DC_SEC;
		a.timeout = (dc_time)(x % 1000000007ull) - 500000000;
		a.policy = (int)(x % 3);
		a.enabled = (int)(x & 1);
		a.arrival_rate = 1 / (u + 1e-3);
		a.util = (0.1 + 0.2) * u;
		a.inlet = 200 + 200 * u;
		dc_free(a.name);
		char s[8] = {(char)('a' + x % 26), '"', '\\', '\n', '\t', '#',
			     (char)(1 + x % 100), 0};
		a.name = dc_strdup(s);
		ck_round_trip(&a);
	}
	dc_params_free(&qset, &a);
	ck_assert_uint_eq(dc_alloc_current(), before);
}
END_TEST

/* The resolved dump of CFG under "queue:", in a malloc'd string. */
static char *resolved_text(const qcfg *cfg, const dc_src *src)
{
	char *text = NULL;
	size_t len = 0;
	dc_err err = DC_ERR_INIT;
	FILE *f = open_memstream(&text, &len);
	fputs("queue:\n", f);
	int rc = dc_resolved_section(f, &qset, cfg, src, 2, &err);
	ck_assert_msg(rc == DC_OK, "resolved: %s", dc_err_text(&err));
	fclose(f);
	return text;
}

START_TEST(resolved_dump)
{
	qcfg a = {0}, b = {0};
	dc_src src[NP], src2[NP];
	dc_err err = DC_ERR_INIT;
	const char *y = "queue:\n"
			"  servers: 1e3\n"
			"  power: 1.2 MW\n"
			"  warmup: 90 min\n"
			"  name: \"a # b: 'c'\"\n"
			"  arrival_rate: 7.2 /s\n";
	ck_assert_int_eq(read_text(y, &a, src, &err), DC_OK);
	dc_params_set(&qset, NULL, "util", "5 %", &a, src, &err);
	char *text = resolved_text(&a, src);
	ck_assert_str_eq(text,
			 "queue:\n"
			 "  servers: 1000  # scenario\n"
			 "  power: 1200 kW  # scenario\n"
			 "  warmup: 5400 s  # scenario\n"
			 "  timeout: 250 ms  # default\n"
			 "  policy: fifo  # default\n"
			 "  enabled: true  # default\n"
			 "  name: \"a # b: 'c'\"  # scenario\n"
			 "  arrival_rate: 7.2 /s  # scenario\n"
			 "  util: 0.05  # cli\n"
			 "  inlet: 27 C  # default\n");
	ck_assert_int_eq(read_text(text, &b, src2, &err), DC_OK);
	ck_assert_int_eq(b.servers, a.servers);
	ck_assert_double_eq(b.power, a.power);
	ck_assert_int_eq(b.warmup, a.warmup);
	ck_assert_int_eq(b.timeout, a.timeout);
	ck_assert_int_eq(b.policy, a.policy);
	ck_assert_int_eq(b.enabled, a.enabled);
	ck_assert_str_eq(b.name, a.name);
	ck_assert_double_eq(b.arrival_rate, a.arrival_rate);
	ck_assert_double_eq(b.util, a.util);
	ck_assert_double_eq(b.inlet, a.inlet);
	/* and the dump of what was read back is the same text */
	for (size_t i = 0; i < NP; i++)
		src2[i] = src[i];
	char *again = resolved_text(&b, src2);
	ck_assert_str_eq(again, text);
	free(text);
	free(again);
	dc_params_free(&qset, &a);
	dc_params_free(&qset, &b);
}
END_TEST

START_TEST(resolved_defaults_no_src)
{
	qcfg a = {0};
	dc_err err = DC_ERR_INIT;
	dc_params_defaults(&qset, &a, NULL, &err);
	char *text = resolved_text(&a, NULL);
	ck_assert_msg(strstr(text, "  servers: 8  # default\n") &&
		      strstr(text, "  arrival_rate: 0 /s  # default\n"), "%s",
		      text);
	free(text);
	dc_params_free(&qset, &a);
}
END_TEST

START_TEST(src_names)
{
	ck_assert_str_eq(dc_src_name(DC_SRC_DEFAULT), "default");
	ck_assert_str_eq(dc_src_name(DC_SRC_SCENARIO), "scenario");
	ck_assert_str_eq(dc_src_name(DC_SRC_CATALOG), "catalog");
	ck_assert_str_eq(dc_src_name(DC_SRC_CLI), "cli");
	ck_assert_str_eq(dc_src_name(DC_SRC_CALIBRATION), "calibration");
}
END_TEST

START_TEST(bad_default)
{
	static const dc_param bad[] = {
		{"p", DC_PT_QTY, DC_DIM_POWER, "kW", "3 h", 0, 0, 0, NULL,
		 offsetof(qcfg, power), "broken", NULL, 0},
	};
	static const dc_pset bset = {"b", bad, 1, "broken"};
	qcfg cfg = {0};
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_params_defaults(&bset, &cfg, NULL, &err), DC_EINVAL);
	ck_assert_str_eq(dc_err_text(&err),
			 "error: b.p: bad default '3 h': expected a power (e.g. "
			 "'250 kW'), got a time ('h')\n");
	dc_err_free(&err);
}
END_TEST

START_TEST(alloc_failures)
{
	const char *y = "queue:\n  name: abc\n  arrival_rate: 1 /s\n";
	dc_node *root = NULL;
	dc_err e0 = DC_ERR_INIT;
	ck_assert_int_eq(dc_tree_load_string("t", y, strlen(y), &root, &e0), 0);
	size_t before = dc_alloc_current();
	int ok = 0;
	for (long n = 0; n < 50 && !ok; n++) {
		qcfg cfg = {0};
		dc_err err = DC_ERR_INIT;
		dc_alloc_fail_after(n);
		int rc = dc_params_read(&qset, dc_node_get(root, "queue"), "t",
					"queue", &cfg, NULL, &err);
		dc_alloc_fail_after(-1);
		ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM, "n=%ld rc %d: %s", n,
			      rc, dc_err_text(&err));
		ok = rc == DC_OK;
		dc_params_free(&qset, &cfg);
		dc_err_free(&err);
		ck_assert_msg(dc_alloc_current() == before, "n=%ld leaked %zu", n,
			      dc_alloc_current() - before);
	}
	ck_assert(ok);
	dc_tree_free(root);
}
END_TEST

static Suite *params_suite(void)
{
	Suite *s = suite_create("params");
	struct { const char *name; const TTest *fn; } t[] = {
		{"defaults", defaults}, {"section_absent", section_absent},
		{"read_values", read_values}, {"int_forms", int_forms},
		{"error_kinds", error_kinds}, {"qty_errors", qty_errors},
		{"shape_errors", shape_errors}, {"quoted_strings", quoted_strings},
		{"did_you_mean", did_you_mean}, {"cli_set", cli_set},
		{"format_text", format_text},
		{"format_round_trip", format_round_trip},
		{"resolved_dump", resolved_dump},
		{"resolved_defaults_no_src", resolved_defaults_no_src},
		{"src_names", src_names}, {"bad_default", bad_default},
		{"alloc_failures", alloc_failures},
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
	return dc_test_main(params_suite());
}
