/* check_sections.c - nested parameter tables (DC_PT_SECTION): defaults,
 * reading, provenance, error paths, and the resolved dump reading back. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reports/resolved.h"
#include "../sim/params.h"
#include "../sim/tree.h"

typedef struct inner {
	double rate;
	int64_t n;
} inner;

typedef struct outer {
	char *name;
	inner in;
	dc_src in_src[2];
} outer;

static const dc_param inner_params[] = {
	{.key = "rate", .type = DC_PT_QTY, .dim = DC_DIM_RATE, .unit = "/s",
	 .def = "2 /s", .flags = DC_PF_MIN_EXCL, .min = 0,
	 .off = offsetof(inner, rate), .help = "r"},
	{.key = "n", .type = DC_PT_INT, .def = "3", .flags = DC_PF_MIN, .min = 1,
	 .off = offsetof(inner, n), .help = "n"},
};
static const dc_pset inner_pset = {"arrivals", inner_params, 2, "inner"};

static const dc_param outer_params[] = {
	{.key = "name", .type = DC_PT_STR, .def = "x",
	 .off = offsetof(outer, name), .help = "name"},
	{.key = "arrivals", .type = DC_PT_SECTION, .sub = &inner_pset,
	 .off = offsetof(outer, in), .src_off = offsetof(outer, in_src),
	 .help = "nested"},
};
static const dc_pset outer_pset = {"w", outer_params, 2, "outer"};

static int read_text(const char *text, outer *o, dc_src *src, dc_err *err)
{
	dc_node *root = NULL;
	int rc = dc_tree_load_string("t.yaml", text, strlen(text), &root, err);
	if (!rc)
		rc = dc_params_read(&outer_pset, root, "t.yaml", "w", o, src, err);
	dc_tree_free(root);
	return rc;
}

START_TEST(defaults_and_nested_values)
{
	outer o = {0};
	dc_src src[2];
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(read_text("name: a\narrivals:\n  rate: 5 /min\n", &o,
				   src, &err), DC_OK);
	ck_assert_double_eq_tol(o.in.rate, 5.0 / 60, 1e-15);
	ck_assert_int_eq(o.in.n, 3);
	ck_assert_int_eq(src[1], DC_SRC_SCENARIO);
	ck_assert_int_eq(o.in_src[0], DC_SRC_SCENARIO);
	ck_assert_int_eq(o.in_src[1], DC_SRC_DEFAULT);
	dc_params_free(&outer_pset, &o);
	/* absent section: all defaults */
	ck_assert_int_eq(read_text("name: b\n", &o, src, &err), DC_OK);
	ck_assert_double_eq(o.in.rate, 2);
	ck_assert_int_eq(src[1], DC_SRC_DEFAULT);
	dc_params_free(&outer_pset, &o);
	dc_err_free(&err);
}
END_TEST

START_TEST(errors_name_the_nested_path)
{
	outer o = {0};
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(read_text("arrivals:\n  rate: 5 kW\n  nn: 2\n", &o,
				   NULL, &err), DC_EINVAL);
	const char *t = dc_err_text(&err);
	ck_assert_msg(strstr(t, "t.yaml:2:11: error: w.arrivals.rate: expected a rate"),
		      "got:\n%s", t);
	ck_assert_msg(strstr(t, "t.yaml:3:3: error: w.arrivals: unknown key 'nn' "
			     "(did you mean 'n'?)"), "got:\n%s", t);
	dc_err_free(&err);
	err = (dc_err)DC_ERR_INIT;
	ck_assert_int_eq(read_text("arrivals: 5\n", &o, NULL, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "expected a map"), "got:\n%s",
		      dc_err_text(&err));
	dc_params_free(&outer_pset, &o);
	dc_err_free(&err);
}
END_TEST

START_TEST(resolved_dump_reads_back)
{
	outer a = {0}, b = {0};
	dc_src src[2], src2[2];
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(read_text("name: a\narrivals:\n  n: 7\n", &a, src, &err),
			 DC_OK);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_eq(dc_resolved_section(f, &outer_pset, &a, src, 0, &err),
			 DC_OK);
	fclose(f);
	ck_assert_msg(strstr(buf, "arrivals:\n  rate: 2 /s  # default\n  n: 7  # scenario\n"),
		      "got:\n%s", buf);
	ck_assert_int_eq(read_text(buf, &b, src2, &err), DC_OK);
	ck_assert_double_eq(a.in.rate, b.in.rate);
	ck_assert_int_eq(b.in.n, 7);
	free(buf);
	dc_params_free(&outer_pset, &a);
	dc_params_free(&outer_pset, &b);
	dc_err_free(&err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sections");
	TCase *c = tcase_create("sections");
	tcase_add_test(c, defaults_and_nested_values);
	tcase_add_test(c, errors_name_the_nested_path);
	tcase_add_test(c, resolved_dump_reads_back);
	suite_add_tcase(s, c);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
