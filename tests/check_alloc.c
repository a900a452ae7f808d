/* check_alloc.c - tests for sim/alloc.c (accounting, failure injection,
 * realloc semantics) and sim/err.c (collected error lines). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "../sim/err.h"
#include "util/run.h"

/* Without fork mode the counters carry over between tests: every test
 * works with differences from its starting point and turns injection
 * off again. */
static void teardown(void)
{
	dc_alloc_fail_after(-1);
}

/* ---- alloc ------------------------------------------------------------ */

START_TEST(test_alloc_accounting)
{
	size_t base = dc_alloc_current();
	dc_alloc_reset_peak();
	ck_assert_uint_eq(dc_alloc_peak(), base);

	char *p = dc_malloc(100);
	ck_assert_ptr_nonnull(p);
	memset(p, 0xab, 100);
	ck_assert_uint_eq(dc_alloc_current(), base + 100);
	unsigned char *q = dc_calloc(10, 8);
	ck_assert_ptr_nonnull(q);
	for (int i = 0; i < 80; i++)
		ck_assert_msg(q[i] == 0, "calloc byte %d = %d", i, q[i]);
	ck_assert_uint_eq(dc_alloc_current(), base + 180);
	ck_assert_uint_eq(dc_alloc_peak(), base + 180);

	dc_free(p);
	ck_assert_uint_eq(dc_alloc_current(), base + 80);
	ck_assert_uint_eq(dc_alloc_peak(), base + 180);
	dc_alloc_reset_peak();
	ck_assert_uint_eq(dc_alloc_peak(), base + 80);
	dc_free(q);
	ck_assert_uint_eq(dc_alloc_current(), base);
	ck_assert_uint_eq(dc_alloc_peak(), base + 80);
}
END_TEST

START_TEST(test_alloc_zero_size)
{
	size_t base = dc_alloc_current();
	void *p = dc_malloc(0);
	ck_assert_uint_eq(dc_alloc_current(), base);
	dc_free(p);
	ck_assert_uint_eq(dc_alloc_current(), base);
}
END_TEST

START_TEST(test_alloc_free_null)
{
	size_t base = dc_alloc_current(), peak = dc_alloc_peak();
	dc_free(NULL);
	ck_assert_uint_eq(dc_alloc_current(), base);
	ck_assert_uint_eq(dc_alloc_peak(), peak);
}
END_TEST

START_TEST(test_alloc_fail_after)
{
	size_t base = dc_alloc_current();
	void *p[4];

	/* n = 2: two succeed, the third fails, then injection is off. */
	dc_alloc_fail_after(2);
	p[0] = dc_malloc(8);
	p[1] = dc_calloc(2, 8);
	p[2] = dc_malloc(8);
	p[3] = dc_malloc(8);
	ck_assert_ptr_nonnull(p[0]);
	ck_assert_ptr_nonnull(p[1]);
	ck_assert_ptr_null(p[2]);
	ck_assert_ptr_nonnull(p[3]);
	ck_assert_uint_eq(dc_alloc_current(), base + 32);
	for (int i = 0; i < 4; i++)
		dc_free(p[i]);
	ck_assert_uint_eq(dc_alloc_current(), base);

	/* n = 0: the very next one fails, whatever kind it is. */
	dc_alloc_fail_after(0);
	ck_assert_ptr_null(dc_strdup("abc"));
	dc_alloc_fail_after(0);
	ck_assert_ptr_null(dc_calloc(1, 1));
	dc_alloc_fail_after(0);
	ck_assert_ptr_null(dc_realloc(NULL, 16));
	ck_assert_uint_eq(dc_alloc_current(), base);

	/* n < 0: off. */
	dc_alloc_fail_after(-1);
	for (int i = 0; i < 4; i++) {
		p[i] = dc_malloc(1);
		ck_assert_ptr_nonnull(p[i]);
	}
	for (int i = 0; i < 4; i++)
		dc_free(p[i]);
	ck_assert_uint_eq(dc_alloc_current(), base);
}
END_TEST

START_TEST(test_alloc_calloc_overflow)
{
	size_t base = dc_alloc_current();
	ck_assert_ptr_null(dc_calloc(SIZE_MAX / 2, 3));
	ck_assert_ptr_null(dc_malloc(SIZE_MAX));
	ck_assert_uint_eq(dc_alloc_current(), base);
}
END_TEST

START_TEST(test_alloc_realloc)
{
	size_t base = dc_alloc_current();

	/* realloc(NULL, n) allocates. */
	char *p = dc_realloc(NULL, 10);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(dc_alloc_current(), base + 10);
	for (int i = 0; i < 10; i++)
		p[i] = (char)('a' + i);

	/* Growing keeps the contents and the accounting follows. */
	p = dc_realloc(p, 4000);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(dc_alloc_current(), base + 4000);
	ck_assert_msg(memcmp(p, "abcdefghij", 10) == 0, "contents lost");

	/* A failed realloc returns NULL and leaves the block as it was. */
	dc_alloc_fail_after(0);
	char *f = dc_realloc(p, 8000);
	ck_assert_ptr_null(f);
	ck_assert_uint_eq(dc_alloc_current(), base + 4000);
	ck_assert_msg(memcmp(p, "abcdefghij", 10) == 0, "contents lost");

	/* Shrinking keeps the prefix. */
	p = dc_realloc(p, 3);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(dc_alloc_current(), base + 3);
	ck_assert_msg(memcmp(p, "abc", 3) == 0, "prefix lost");

	/* realloc(p, 0) frees and returns NULL. */
	ck_assert_ptr_null(dc_realloc(p, 0));
	ck_assert_uint_eq(dc_alloc_current(), base);
}
END_TEST

START_TEST(test_alloc_strdup)
{
	size_t base = dc_alloc_current();
	char *a = dc_strdup("hello");
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a, "hello");
	ck_assert_uint_eq(dc_alloc_current(), base + 6);
	char *b = dc_strndup("hello, world", 5);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b, "hello");
	char *c = dc_strndup("hi", 10);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c, "hi");
	ck_assert_uint_eq(dc_alloc_current(), base + 6 + 6 + 3);
	dc_free(a);
	dc_free(b);
	dc_free(c);
	ck_assert_uint_eq(dc_alloc_current(), base);
}
END_TEST

/* ---- err -------------------------------------------------------------- */

START_TEST(test_err_lines)
{
	dc_err e = DC_ERR_INIT;
	ck_assert_str_eq(dc_err_text(&e), "");
	ck_assert_int_eq(e.count, 0);
	ck_assert_int_eq(e.rc, DC_OK);

	ck_assert_int_eq(dc_err_at(&e, DC_EINVAL, "f.yaml", 3, 7, "bad %s",
				   "value"), DC_EINVAL);
	ck_assert_int_eq(dc_err_key(&e, DC_ERANGE, "f.yaml", "racks[2].power",
				    "%d W over the limit", 150), DC_ERANGE);
	dc_err_warn(&e, "unused key %s", "colour");
	ck_assert_int_eq(dc_err_msg(&e, DC_EIO, "cannot read %s", "x.csv"),
			 DC_EIO);
	ck_assert_str_eq(dc_err_text(&e),
			 "f.yaml:3:7: error: bad value\n"
			 "f.yaml: racks[2].power: error: 150 W over the limit\n"
			 "warning: unused key colour\n"
			 "error: cannot read x.csv\n");
	ck_assert_int_eq(e.count, 3);
	ck_assert_int_eq(e.rc, DC_EINVAL);
	ck_assert_uint_eq(e.len, strlen(dc_err_text(&e)));

	dc_err_free(&e);
	ck_assert_int_eq(e.count, 0);
	ck_assert_int_eq(e.rc, DC_OK);
	ck_assert_uint_eq(e.len, 0);
	ck_assert_ptr_null(e.buf);
	ck_assert_str_eq(dc_err_text(&e), "");
	dc_err_free(NULL);
}
END_TEST

START_TEST(test_err_warn_only)
{
	dc_err e = DC_ERR_INIT;
	dc_err_warn(&e, "w%d", 1);
	ck_assert_int_eq(e.count, 0);
	ck_assert_int_eq(e.rc, DC_OK);
	ck_assert_str_eq(dc_err_text(&e), "warning: w1\n");
	dc_err_free(&e);
}
END_TEST

START_TEST(test_err_long_text)
{
	/* Many long lines force the buffer to grow several times. */
	size_t base = dc_alloc_current();
	dc_err e = DC_ERR_INIT;
	char msg[301];
	memset(msg, 'x', 300);
	msg[300] = '\0';
	for (int i = 0; i < 50; i++)
		dc_err_at(&e, i == 0 ? DC_ENOENT : DC_EINVAL, "a.yaml", i + 1,
			  1, "%s", msg);
	ck_assert_int_eq(e.count, 50);
	ck_assert_int_eq(e.rc, DC_ENOENT);
	/* Each line: "a.yaml:N:1: error: " + 300 x + "\n". */
	size_t want = 0;
	for (int i = 0; i < 50; i++)
		want += strlen("a.yaml::1: error: ") + (i + 1 < 10 ? 1 : 2) +
			300 + 1;
	ck_assert_uint_eq(e.len, want);
	ck_assert_uint_eq(strlen(dc_err_text(&e)), want);
	const char *t = dc_err_text(&e);
	ck_assert_msg(strncmp(t, "a.yaml:1:1: error: xxx", 22) == 0, "%.40s",
		      t);
	ck_assert_msg(strstr(t, "\na.yaml:50:1: error: xxx") != NULL,
		      "line 50 missing");
	dc_err_free(&e);
	ck_assert_uint_eq(dc_alloc_current(), base);
}
END_TEST

START_TEST(test_err_nomem)
{
	/* When the text cannot be stored the line is dropped, but count and
	 * rc still change. */
	dc_err e = DC_ERR_INIT;
	dc_alloc_fail_after(0);
	ck_assert_int_eq(dc_err_msg(&e, DC_EFAIL, "lost"), DC_EFAIL);
	ck_assert_int_eq(e.count, 1);
	ck_assert_int_eq(e.rc, DC_EFAIL);
	ck_assert_str_eq(dc_err_text(&e), "");
	ck_assert_int_eq(dc_err_msg(&e, DC_EIO, "kept"), DC_EIO);
	ck_assert_int_eq(e.count, 2);
	ck_assert_int_eq(e.rc, DC_EFAIL);
	ck_assert_str_eq(dc_err_text(&e), "error: kept\n");
	dc_err_free(&e);
}
END_TEST

START_TEST(test_strerror)
{
	const int codes[] = {DC_OK, DC_ENOMEM, DC_EINVAL, DC_ENOENT, DC_EIO,
			     DC_EEXIST, DC_ECREATE, DC_EINTR, DC_ERANGE,
			     DC_EFAIL, DC_EUSAGE};
	const char *unknown = dc_strerror(12345);
	ck_assert_ptr_nonnull(unknown);
	for (size_t i = 0; i < DC_ARRAY_LEN(codes); i++) {
		const char *a = dc_strerror(codes[i]);
		ck_assert_msg(a && *a, "code %d has no text", codes[i]);
		ck_assert_msg(strcmp(a, unknown) != 0, "code %d unknown",
			      codes[i]);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(a, dc_strerror(codes[j])) != 0,
				      "codes %d and %d share \"%s\"", codes[i],
				      codes[j], a);
	}
	ck_assert_str_eq(dc_strerror(DC_OK), "success");
	ck_assert_str_eq(dc_strerror(DC_ENOMEM), "out of memory");
}
END_TEST

static Suite *alloc_suite(void)
{
	Suite *s = suite_create("alloc");
	struct {
		const char *name;
		const TTest *fn;
	} t[] = {
		{"alloc_accounting", test_alloc_accounting},
		{"alloc_zero_size", test_alloc_zero_size},
		{"alloc_free_null", test_alloc_free_null},
		{"alloc_fail_after", test_alloc_fail_after},
		{"alloc_calloc_overflow", test_alloc_calloc_overflow},
		{"alloc_realloc", test_alloc_realloc},
		{"alloc_strdup", test_alloc_strdup},
		{"err_lines", test_err_lines},
		{"err_warn_only", test_err_warn_only},
		{"err_long_text", test_err_long_text},
		{"err_nomem", test_err_nomem},
		{"strerror", test_strerror},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(t); i++) {
		TCase *tc = tcase_create(t[i].name);
		tcase_add_checked_fixture(tc, NULL, teardown);
		tcase_add_test(tc, t[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return dc_test_main(alloc_suite());
}
