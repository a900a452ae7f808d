/* check_table.c - the CSV table reader: fields and quoting, comments and
 * line numbers, typed numbers with their line:col errors, ragged rows,
 * malformed quoting, missing files, lookups, a generated round trip and
 * allocation failures. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "../sim/table.h"
#include "util/run.h"

/* Load TEXT as table "t.csv"; the caller frees *err. */
static int load(const char *text, dc_table **t, dc_err *err)
{
	return dc_table_load_string("t.csv", text, strlen(text), t, err);
}

static dc_table *load_ok(const char *text)
{
	dc_err err = DC_ERR_INIT;
	dc_table *t = NULL;
	int rc = load(text, &t, &err);
	ck_assert_msg(rc == DC_OK && t, "load failed (%d): %s", rc,
		      dc_err_text(&err));
	dc_err_free(&err);
	return t;
}

static void assert_field(const dc_table *t, size_t r, size_t c,
			 const char *want)
{
	const char *got = dc_table_field(t, r, c);
	ck_assert_msg(got && !strcmp(got, want),
		      "field (%zu,%zu): want '%s', got '%s'", r, c, want,
		      got ? got : "(null)");
}

static void assert_pos(const dc_table *t, size_t r, size_t c, int line,
		       int col)
{
	int l, k;
	dc_table_pos(t, r, c, &l, &k);
	ck_assert_msg(l == line && k == col,
		      "pos (%zu,%zu): want %d:%d, got %d:%d", r, c, line, col,
		      l, k);
}

START_TEST(basic)
{
	dc_table *t = load_ok("name,power_w,source\n"
			      "a100,400,datasheet\n"
			      "h100,700,datasheet\n");
	ck_assert_uint_eq(dc_table_rows(t), 2);
	ck_assert_uint_eq(dc_table_cols(t), 3);
	ck_assert_int_eq(dc_table_col(t, "power_w"), 1);
	ck_assert_int_eq(dc_table_col(t, "Power_w"), -1);
	ck_assert_int_eq(dc_table_col(t, "nope"), -1);
	ck_assert_str_eq(dc_table_colname(t, 2), "source");
	ck_assert_ptr_null(dc_table_colname(t, 3));
	ck_assert_str_eq(dc_table_name(t), "t.csv");
	assert_field(t, 1, 0, "h100");
	ck_assert_ptr_null(dc_table_field(t, 2, 0));
	ck_assert_ptr_null(dc_table_field(t, 0, 3));
	assert_pos(t, 0, 0, 2, 1);
	assert_pos(t, 1, 2, 3, 10);
	assert_pos(t, 5, 0, 0, 0);
	double v = 0;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_table_num(t, 1, 1, &v, &err), DC_OK);
	ck_assert_double_eq(v, 700);
	ck_assert_int_eq(dc_err_text(&err)[0], 0);
	dc_table_free(t);
	dc_table_free(NULL);
}
END_TEST

START_TEST(quoted_fields)
{
	const char *text =
		"key,text\n"
		"a,\"x, y\"\n"                    /* line 2 */
		"b,\"say \"\"hi\"\"\"\n"          /* line 3 */
		"c,\"two\n# not a comment\nlines\"\n" /* lines 4-6 */
		"d,  padded  \n"                  /* line 7 */
		"e,\"\"\n"                        /* line 8: empty quoted */
		"f,\n";                           /* line 9: empty */
	dc_table *t = load_ok(text);
	ck_assert_uint_eq(dc_table_rows(t), 6);
	assert_field(t, 0, 1, "x, y");
	assert_field(t, 1, 1, "say \"hi\"");
	assert_field(t, 2, 1, "two\n# not a comment\nlines");
	assert_field(t, 3, 1, "padded");
	assert_field(t, 4, 1, "");
	assert_field(t, 5, 1, "");
	assert_pos(t, 0, 1, 2, 3);
	assert_pos(t, 2, 1, 4, 3);
	assert_pos(t, 3, 0, 7, 1);  /* the row after a multi-line field */
	assert_pos(t, 3, 1, 7, 3);  /* col of the leading blank */
	assert_pos(t, 5, 1, 9, 3);  /* empty last field: just past the ',' */
	dc_table_free(t);
}
END_TEST

START_TEST(comments_and_lines)
{
	const char *text = "# a catalog\n"          /* 1 */
			   "#   with a preamble\n"   /* 2 */
			   "name,value\n"            /* 3 */
			   "\n"                      /* 4: blank */
			   "# comment, with, commas\n" /* 5 */
			   "x,1\n"                   /* 6 */
			   "#\n"                     /* 7 */
			   "y,#2\n"                  /* 8: '#' inside: data */
			   "z,3";                    /* 9: no final newline */
	dc_table *t = load_ok(text);
	ck_assert_uint_eq(dc_table_rows(t), 3);
	ck_assert_uint_eq(dc_table_cols(t), 2);
	ck_assert_str_eq(dc_table_colname(t, 0), "name");
	assert_field(t, 1, 1, "#2");
	assert_field(t, 2, 1, "3");
	assert_pos(t, 0, 0, 6, 1);
	assert_pos(t, 1, 1, 8, 3);
	assert_pos(t, 2, 1, 9, 3);
	dc_table_free(t);
	/* CRLF line ends: same fields, same lines */
	t = load_ok("# c\r\nname,value\r\n\r\nx,1\r\ny,2\r\n");
	ck_assert_uint_eq(dc_table_rows(t), 2);
	assert_field(t, 1, 1, "2");
	assert_pos(t, 0, 0, 4, 1);
	assert_pos(t, 1, 1, 5, 3);
	dc_table_free(t);
}
END_TEST

/* dc_table_num on field (r, c) must fail with exactly WANT. */
static void bad_num(const dc_table *t, size_t r, size_t c, const char *want)
{
	dc_err err = DC_ERR_INIT;
	double v = 42;
	int rc = dc_table_num(t, r, c, &v, &err);
	ck_assert_msg(rc == DC_EINVAL, "rc %d for (%zu,%zu)", rc, r, c);
	ck_assert_msg(!strcmp(dc_err_text(&err), want),
		      "want '%s', got '%s'", want, dc_err_text(&err));
	ck_assert_double_eq(v, 42);
	dc_err_free(&err);
}

START_TEST(bad_numbers)
{
	dc_table *t = load_ok("# header next\n"
			      "name,x,y\n"
			      "a,1.5,-2e3\n"
			      "b,abc,  12abc\n"
			      "c,,nan\n"
			      "d,inf,1e999\n"
			      "e,0x10,  1.25  \n");
	double v;
	dc_err err = DC_ERR_INIT;
	ck_assert_int_eq(dc_table_num(t, 0, 2, &v, &err), DC_OK);
	ck_assert_double_eq(v, -2000);
	bad_num(t, 1, 1, "t.csv:4:3: error: column 'x': expected a number, "
			 "got 'abc'\n");
	bad_num(t, 1, 2, "t.csv:4:7: error: column 'y': expected a number, "
			 "got '12abc'\n");
	bad_num(t, 2, 1, "t.csv:5:3: error: column 'x': expected a number, "
			 "got ''\n");
	bad_num(t, 2, 2, "t.csv:5:4: error: column 'y': expected a number, "
			 "got 'nan'\n");
	bad_num(t, 3, 1, "t.csv:6:3: error: column 'x': expected a number, "
			 "got 'inf'\n");
	bad_num(t, 3, 2, "t.csv:6:7: error: column 'y': expected a number, "
			 "got '1e999'\n");
	bad_num(t, 4, 1, "t.csv:7:3: error: column 'x': expected a number, "
			 "got '0x10'\n");
	ck_assert_int_eq(dc_table_num(t, 4, 2, &v, &err), DC_OK);
	ck_assert_double_eq(v, 1.25);
	ck_assert_int_eq(dc_table_num(t, 9, 0, &v, &err), DC_EINVAL);
	dc_err_free(&err);
	dc_table_free(t);
}
END_TEST

START_TEST(ragged_rows)
{
	const char *text = "a,b,c\n"
			   "1,2,3\n"
			   "# fine\n"
			   "1,2,3,4\n"  /* line 4: one too many, at col 7 */
			   "1,2,3\n"
			   "1,22\n";    /* line 6: short, its last field col 3 */
	dc_err err = DC_ERR_INIT;
	dc_table *t = (dc_table *)1;
	int rc = load(text, &t, &err);
	ck_assert_int_eq(rc, DC_EINVAL);
	ck_assert_ptr_null(t);
	const char *want = "t.csv:4:7: error: row has 4 fields, the header "
			   "has 3\n"
			   "t.csv:6:3: error: row has 2 fields, the header "
			   "has 3\n";
	ck_assert_msg(!strcmp(dc_err_text(&err), want), "want '%s', got '%s'",
		      want, dc_err_text(&err));
	ck_assert_int_eq(err.count, 2);
	dc_err_free(&err);
	/* many bad rows: the first 10, then a note */
	char big[1024] = "a,b\n";
	for (int i = 0; i < 15; i++)
		strcat(big, "1\n");
	rc = load(big, &t, &err);
	ck_assert_int_eq(rc, DC_EINVAL);
	ck_assert_int_eq(err.count, 11);
	ck_assert_msg(strstr(dc_err_text(&err), "t.csv:11:1: error: row has 1 "
			     "field, the header has 2\nerror: t.csv: stopped "
			     "after 10 bad rows\n"), "%s", dc_err_text(&err));
	dc_err_free(&err);
}
END_TEST

START_TEST(malformed)
{
	struct { const char *text, *want_prefix; } c[] = {
		{"a,b\n1,\"x\"y\n", "t.csv:2:6: error: malformed CSV"},
		{"a,b\n1,2\n3,\"open\n",                /* unclosed */
		 "t.csv:3:3: error: malformed CSV: the quoted field"},
		{"a,b\n1,x\"y\n", "t.csv:2:4: error: malformed CSV"},
		{"a,a\n1,2\n", "t.csv:1:3: error: duplicate column name 'a'"},
		{"a,,c\n1,2,3\n", "t.csv:1:3: error: empty column name"},
		{"", "t.csv:1:1: error: no header row"},
		{"# only\n# comments\n", "t.csv:"},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(c); i++) {
		dc_err err = DC_ERR_INIT;
		dc_table *t = NULL;
		int rc = load(c[i].text, &t, &err);
		ck_assert_msg(rc == DC_EINVAL && !t, "case %zu: rc %d", i, rc);
		ck_assert_msg(!strncmp(dc_err_text(&err), c[i].want_prefix,
				       strlen(c[i].want_prefix)),
			      "case %zu: want prefix '%s', got '%s'", i,
			      c[i].want_prefix, dc_err_text(&err));
		dc_err_free(&err);
	}
}
END_TEST

START_TEST(missing_file)
{
	dc_err err = DC_ERR_INIT;
	dc_table *t = (dc_table *)1;
	int rc = dc_table_load("/nonexistent/dir/none.csv", &t, &err);
	ck_assert_int_eq(rc, DC_ENOENT);
	ck_assert_ptr_null(t);
	ck_assert_msg(strstr(dc_err_text(&err), "/nonexistent/dir/none.csv"),
		      "message names the path: %s", dc_err_text(&err));
	dc_err_free(&err);
}
END_TEST

START_TEST(load_file)
{
	char path[] = "/tmp/check_table_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char *text = "# x\nk,v\nalpha,1\nbeta,2\n";
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	dc_err err = DC_ERR_INIT;
	dc_table *t = NULL;
	int rc = dc_table_load(path, &t, &err);
	unlink(path);
	ck_assert_msg(rc == DC_OK, "%s", dc_err_text(&err));
	ck_assert_str_eq(dc_table_name(t), path);
	ck_assert_int_eq(dc_table_find(t, 0, "beta"), 1);
	double v;
	ck_assert_int_eq(dc_table_num(t, 1, 1, &v, &err), DC_OK);
	ck_assert_double_eq(v, 2);
	dc_table_free(t);
	dc_err_free(&err);
}
END_TEST

START_TEST(find)
{
	dc_table *t = load_ok("id,name\n1,x\n2,y\n3,y\n");
	ck_assert_int_eq(dc_table_find(t, 1, "y"), 1); /* the first match */
	ck_assert_int_eq(dc_table_find(t, 0, "3"), 2);
	ck_assert_int_eq(dc_table_find(t, 0, "4"), -1);
	ck_assert_int_eq(dc_table_find(t, 5, "x"), -1);
	ck_assert_int_eq(dc_table_find(t, 0, NULL), -1);
	dc_table_free(t);
}
END_TEST

START_TEST(table_err)
{
	dc_table *t = load_ok("id,gpu\n1,  h999\n");
	dc_err err = DC_ERR_INIT;
	int rc = dc_table_err(t, 0, 1, &err, DC_EINVAL, "unknown GPU '%s'",
			      dc_table_field(t, 0, 1));
	ck_assert_int_eq(rc, DC_EINVAL);
	ck_assert_str_eq(dc_err_text(&err),
			 "t.csv:2:3: error: column 'gpu': unknown GPU 'h999'\n");
	dc_err_free(&err);
	dc_table_free(t);
}
END_TEST

/* xorshift64: a deterministic generator local to the test. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A random field: letters, and sometimes a comma, a quote, a newline or a
 * leading '#'. */
static void rand_field(uint64_t *s, char *f, size_t n)
{
	const char alpha[] = "abcXYZ019 .-,\"\n#";
	size_t len = rnd(s) % (n - 1);
	for (size_t i = 0; i < len; i++)
		f[i] = alpha[rnd(s) % (sizeof alpha - 1)];
	f[len] = '\0';
	if (len && (f[0] == ' ' || f[len - 1] == ' '))
		f[0] = f[len - 1] = 'q'; /* unquoted blanks are trimmed */
}

/* Append F to OUT as a CSV field (quoted when needed); tracks lines. */
static void put_field(char *out, size_t *o, const char *f, int *line)
{
	int q = strpbrk(f, ",\"\n#") != NULL || !f[0];
	if (q)
		out[(*o)++] = '"';
	for (; *f; f++) {
		if (*f == '"')
			out[(*o)++] = '"';
		*line += *f == '\n';
		out[(*o)++] = *f;
	}
	if (q)
		out[(*o)++] = '"';
}

enum { RT_ROWS = 40, RT_COLS = 4, RT_LEN = 12 };

START_TEST(round_trip)
{
	/* Property: any table written with RFC 4180 quoting and sprinkled
	 * with comment lines reads back field for field, each at the line
	 * and byte column where it was written. */
	uint64_t s = 0x9e3779b97f4a7c15ull + (uint64_t)_i;
	static char f[RT_ROWS][RT_COLS][RT_LEN];
	static int fl[RT_ROWS][RT_COLS], fc[RT_ROWS][RT_COLS];
	static char out[RT_ROWS * RT_COLS * RT_LEN * 3 + 4096];
	size_t o = 0;
	int line = 1;
	o += (size_t)sprintf(out, "c0,c1,c2,c3\n");
	line++;
	for (int r = 0; r < RT_ROWS; r++) {
		if (rnd(&s) % 4 == 0) {
			o += (size_t)sprintf(out + o, "# comment %d, \"x\n", r);
			line++;
		}
		for (int c = 0; c < RT_COLS; c++) {
			if (c)
				out[o++] = ',';
			rand_field(&s, f[r][c], RT_LEN);
			fl[r][c] = line;
			/* byte column: counted from the last newline written */
			size_t k = o;
			while (k > 0 && out[k - 1] != '\n')
				k--;
			fc[r][c] = (int)(o - k) + 1;
			put_field(out, &o, f[r][c], &line);
		}
		out[o++] = '\n';
		line++;
	}
	out[o] = '\0';
	dc_table *t = load_ok(out);
	ck_assert_uint_eq(dc_table_rows(t), RT_ROWS);
	for (int r = 0; r < RT_ROWS; r++)
		for (int c = 0; c < RT_COLS; c++) {
			assert_field(t, (size_t)r, (size_t)c, f[r][c]);
			assert_pos(t, (size_t)r, (size_t)c, fl[r][c],
				   fc[r][c]);
		}
	dc_table_free(t);
}
END_TEST

START_TEST(alloc_failures)
{
	/* Every allocation failure gives DC_ENOMEM and leaks nothing. */
	const char *text = "# c\nname,x\n\"a,b\",1\nc,2\nd,3\n";
	size_t before = dc_alloc_current();
	int ok = 0;
	for (long n = 0; n < 200 && !ok; n++) {
		dc_err err = DC_ERR_INIT;
		dc_table *t = NULL;
		dc_alloc_fail_after(n);
		int rc = load(text, &t, &err);
		dc_alloc_fail_after(-1);
		ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM,
			      "fail after %ld: rc %d %s", n, rc,
			      dc_err_text(&err));
		ok = rc == DC_OK;
		if (ok)
			assert_field(t, 0, 0, "a,b");
		dc_table_free(t);
		dc_err_free(&err);
		ck_assert_uint_eq(dc_alloc_current(), before);
	}
	ck_assert_msg(ok, "never succeeded");
}
END_TEST

/* "# key: value" lines above the header are metadata (provenance); other
 * comments, and any below the header, are not. */
START_TEST(metadata)
{
	dc_table *t = load_ok("# a profile\n# device:  Test CPU \n"
			      "#peak_bw: 2e10\n# device: again\n"
			      "# not a key line\n# bad key!: x\n"
			      "op,m\n# host: below\nqkv,1\n");
	int line = -1;
	ck_assert_str_eq(dc_table_meta(t, "device", &line), "Test CPU");
	ck_assert_int_eq(line, 2);   /* the first of a repeated key */
	ck_assert_str_eq(dc_table_meta(t, "peak_bw", NULL), "2e10");
	ck_assert_ptr_null(dc_table_meta(t, "host", &line));
	ck_assert_int_eq(line, 0);
	ck_assert_ptr_null(dc_table_meta(t, "bad key!", NULL));
	ck_assert_uint_eq(dc_table_rows(t), 1);
	dc_table_free(t);
}
END_TEST

static Suite *table_suite(void)
{
	Suite *s = suite_create("table");
	struct { const char *name; const TTest *fn; } t[] = {
		{"basic", basic}, {"quoted_fields", quoted_fields},
		{"comments_and_lines", comments_and_lines},
		{"bad_numbers", bad_numbers}, {"ragged_rows", ragged_rows},
		{"malformed", malformed}, {"missing_file", missing_file},
		{"load_file", load_file}, {"find", find},
		{"table_err", table_err}, {"alloc_failures", alloc_failures},
		{"metadata", metadata},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(t); i++) {
		TCase *tc = tcase_create(t[i].name);
		tcase_add_test(tc, t[i].fn);
		suite_add_tcase(s, tc);
	}
	TCase *tc = tcase_create("round_trip");
	tcase_add_loop_test(tc, round_trip, 0, 20);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return dc_test_main(table_suite());
}
