/* check_tree.c - YAML to dc_node trees: structure, positions, duplicate
 * keys, syntax errors, refused features, files, the depth limit and
 * allocation failures. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "../sim/tree.h"
#include "util/run.h"

/* Parse TEXT as "t.yaml"; returns rc, leaves the text in *err. */
static int load(const char *text, dc_node **root, dc_err *err)
{
	return dc_tree_load_string("t.yaml", text, strlen(text), root, err);
}

/* TEXT must fail with DC_EINVAL and exactly the error text WANT. */
static void ck_fails_at(const char *text, const char *want, const char *file,
			int line)
{
	dc_err err = DC_ERR_INIT;
	dc_node *root = (dc_node *)1;
	size_t before = dc_alloc_current();
	int rc = load(text, &root, &err);
	ck_assert_msg(rc == DC_EINVAL && root == NULL,
		      "%s:%d: rc %d root %p for:\n%s", file, line, rc,
		      (void *)root, text);
	ck_assert_msg(!strcmp(dc_err_text(&err), want),
		      "%s:%d: errors\n%s\nwant\n%s", file, line,
		      dc_err_text(&err), want);
	dc_err_free(&err);
	ck_assert_msg(dc_alloc_current() == before, "%s:%d: leaked %zu bytes",
		      file, line, dc_alloc_current() - before);
}
#define ck_fails(t, w) ck_fails_at(t, w, __FILE__, __LINE__)

static void ck_pos(const dc_node *n, int line, int col, const char *what)
{
	ck_assert_msg(n && n->line == line && n->col == col,
		      "%s at %d:%d, want %d:%d", what, n ? n->line : -1,
		      n ? n->col : -1, line, col);
}

START_TEST(nesting)
{
	const char *y = "dc:\n"
			"  rack:\n"
			"    servers: 8\n"
			"    tags: [a, b, c]\n"
			"  list:\n"
			"    - x: 1\n"
			"    - plain\n";
	dc_err err = DC_ERR_INIT;
	dc_node *root;
	ck_assert_int_eq(load(y, &root, &err), DC_OK);
	ck_assert_int_eq(root->kind, DC_NODE_MAP);
	ck_assert_uint_eq(root->n, 1);
	const dc_node *dc = dc_node_get(root, "dc");
	ck_assert_ptr_nonnull(dc);
	ck_assert_int_eq(dc->kind, DC_NODE_MAP);
	const dc_node *rack = dc_node_get(dc, "rack");
	ck_assert_str_eq(dc_node_get(rack, "servers")->value, "8");
	const dc_node *tags = dc_node_get(rack, "tags");
	ck_assert_int_eq(tags->kind, DC_NODE_SEQ);
	ck_assert_uint_eq(tags->n, 3);
	ck_assert_str_eq(tags->items[2]->value, "c");
	const dc_node *list = dc_node_get(dc, "list");
	ck_assert_uint_eq(list->n, 2);
	ck_assert_int_eq(list->items[0]->kind, DC_NODE_MAP);
	ck_assert_str_eq(dc_node_get(list->items[0], "x")->value, "1");
	ck_assert_str_eq(list->items[1]->value, "plain");
	ck_assert_int_eq((int)dc_node_find(dc, "list"), 1);
	ck_assert_int_eq((int)dc_node_find(dc, "nope"), -1);
	ck_assert_ptr_null(dc_node_get(tags, "a"));  /* not a map */
	ck_assert_ptr_null(dc_node_get(NULL, "a"));
	dc_tree_free(root);
	ck_assert_str_eq(dc_err_text(&err), "");
}
END_TEST

START_TEST(positions)
{
	const char *y = "server:\n"
			"  name: web\n"
			"  power:   250 kW\n"
			"  q: \"hi there\"\n"
			"  s: 'x'\n"
			"  seq: [1, 22]\n";
	dc_err err = DC_ERR_INIT;
	dc_node *root;
	ck_assert_int_eq(load(y, &root, &err), DC_OK);
	ck_assert_int_eq(root->key_line[0], 1);
	ck_assert_int_eq(root->key_col[0], 1);
	const dc_node *s = dc_node_get(root, "server");
	ck_pos(s, 2, 3, "server map");
	ck_assert_int_eq(s->key_line[0], 2);
	ck_assert_int_eq(s->key_col[0], 3);
	ck_pos(dc_node_get(s, "name"), 2, 9, "name value");
	ck_pos(dc_node_get(s, "power"), 3, 12, "power value");
	ck_assert_int_eq(s->key_line[1], 3);
	ck_assert_int_eq(s->key_col[1], 3);
	const dc_node *q = dc_node_get(s, "q");
	ck_pos(q, 4, 6, "quoted value");
	ck_assert_int_eq(q->quoted, 1);
	ck_assert_str_eq(q->value, "hi there");
	ck_assert_int_eq(dc_node_get(s, "s")->quoted, 1);
	ck_assert_int_eq(dc_node_get(s, "name")->quoted, 0);
	const dc_node *seq = dc_node_get(s, "seq");
	ck_pos(seq, 6, 8, "flow seq");
	ck_pos(seq->items[0], 6, 9, "item 0");
	ck_pos(seq->items[1], 6, 12, "item 1");
	dc_tree_free(root);
}
END_TEST

START_TEST(duplicate_keys)
{
	ck_fails("a: 1\nb: 2\na: 3\nb: 4\n",
		 "t.yaml:3:1: error: duplicate key 'a' (first at line 1)\n"
		 "t.yaml:4:1: error: duplicate key 'b' (first at line 2)\n");
	ck_fails("x:\n  k: 1\n  j: 2\ny:\n  k: 1\n  k: 2\n",
		 "t.yaml:6:3: error: duplicate key 'k' (first at line 5)\n");
	ck_fails("{a: 1, b: 2, a: 3}",
		 "t.yaml:1:14: error: duplicate key 'a' (first at line 1)\n");
}
END_TEST

START_TEST(many_keys)
{
	/* enough keys to exercise the duplicate hash growing */
	char *y = malloc(200000);
	size_t len = 0;
	for (int i = 0; i < 5000; i++)
		len += (size_t)sprintf(y + len, "key%d: %d\n", i, i);
	dc_err err = DC_ERR_INIT;
	dc_node *root;
	ck_assert_int_eq(dc_tree_load_string("t", y, len, &root, &err), DC_OK);
	ck_assert_uint_eq(root->n, 5000);
	ck_assert_str_eq(dc_node_get(root, "key4321")->value, "4321");
	dc_tree_free(root);
	len += (size_t)sprintf(y + len, "key77: again\n");
	ck_assert_int_eq(dc_tree_load_string("t", y, len, &root, &err),
			 DC_EINVAL);
	ck_assert_str_eq(dc_err_text(&err),
			 "t:5001:1: error: duplicate key 'key77' (first at line 78)\n");
	dc_err_free(&err);
	free(y);
}
END_TEST

START_TEST(syntax_errors)
{
	ck_fails("a: b: c\n",
		 "t.yaml:1:5: error: mapping values are not allowed in this "
		 "context\n");
	ck_fails("a:\n\tb: 1\n",
		 "t.yaml:2:1: error: found character that cannot start any "
		 "token\n");
	ck_fails("a:\n  b: 1\n c: 2\n",
		 "t.yaml:3:2: error: did not find expected key\n");
	ck_fails("a: \"open\n",
		 "t.yaml:2:1: error: found unexpected end of stream\n");
	/* a duplicate before the syntax error is still reported */
	ck_fails("a: 1\na: 2\nb: c: d\n",
		 "t.yaml:2:1: error: duplicate key 'a' (first at line 1)\n"
		 "t.yaml:3:5: error: mapping values are not allowed in this "
		 "context\n");
	/* reader errors: position from the byte offset */
	ck_fails("ok: 1\na: \xff\n",
		 "t.yaml:2:4: error: invalid leading UTF-8 octet\n");
}
END_TEST

START_TEST(refused_features)
{
	ck_fails("a: &x 1\nb: *x\n",
		 "t.yaml:1:4: error: anchors are not supported\n"
		 "t.yaml:2:4: error: aliases are not supported\n");
	ck_fails("- &a [1]\n- {k: *a}\n",
		 "t.yaml:1:3: error: anchors are not supported\n"
		 "t.yaml:2:7: error: aliases are not supported\n");
	ck_fails("a: 1\n---\nb: 2\n",
		 "t.yaml:2:1: error: more than one document (only one is "
		 "allowed)\n");
	ck_fails("? [a, b]\n: 1\nc: 2\n",
		 "t.yaml:1:3: error: keys must be scalars, got a list\n");
	ck_fails("? {k: v}\n: 1\n",
		 "t.yaml:1:3: error: keys must be scalars, got a map\n");
}
END_TEST

START_TEST(empty_documents)
{
	static const char *const texts[] = {"", "\n\n", "# only a comment\n",
					    "---\n", "--- # c\n...\n"};
	for (size_t i = 0; i < DC_ARRAY_LEN(texts); i++) {
		dc_err err = DC_ERR_INIT;
		dc_node *root = NULL;
		ck_assert_msg(load(texts[i], &root, &err) == DC_OK, "'%s': %s",
			      texts[i], dc_err_text(&err));
		ck_assert_msg(root && root->kind == DC_NODE_MAP && root->n == 0,
			      "'%s': not an empty map", texts[i]);
		dc_tree_free(root);
	}
	dc_err err = DC_ERR_INIT;
	dc_node *root;
	ck_assert_int_eq(load("just text", &root, &err), DC_OK);
	ck_assert_int_eq(root->kind, DC_NODE_SCALAR);
	ck_assert_str_eq(root->value, "just text");
	dc_tree_free(root);
	ck_assert_int_eq(load("''", &root, &err), DC_OK); /* quoted: a scalar */
	ck_assert_int_eq(root->kind, DC_NODE_SCALAR);
	dc_tree_free(root);
}
END_TEST

START_TEST(not_nul_terminated)
{
	const char buf[] = "a: 1\nb: 2\nGARBAGE: [";
	dc_err err = DC_ERR_INIT;
	dc_node *root;
	ck_assert_int_eq(dc_tree_load_string("t", buf, 10, &root, &err), DC_OK);
	ck_assert_uint_eq(root->n, 2);
	ck_assert_str_eq(dc_node_get(root, "b")->value, "2");
	dc_tree_free(root);
}
END_TEST

START_TEST(files)
{
	char path[] = "/tmp/check_tree_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	fputs("a:\n  b: 2\n  b: 3\n", f);
	fclose(f);
	dc_err err = DC_ERR_INIT;
	dc_node *root = (dc_node *)1;
	ck_assert_int_eq(dc_tree_load_file(path, &root, &err), DC_EINVAL);
	ck_assert_ptr_null(root);
	char want[128];
	snprintf(want, sizeof want,
		 "%s:3:3: error: duplicate key 'b' (first at line 2)\n", path);
	ck_assert_str_eq(dc_err_text(&err), want);
	dc_err_free(&err);
	f = fopen(path, "w");
	fputs("a:\n  b: 2\n", f);
	fclose(f);
	ck_assert_int_eq(dc_tree_load_file(path, &root, &err), DC_OK);
	ck_assert_str_eq(dc_node_get(dc_node_get(root, "a"), "b")->value, "2");
	dc_tree_free(root);
	unlink(path);
	ck_assert_int_eq(dc_tree_load_file(path, &root, &err), DC_ENOENT);
	ck_assert_ptr_null(root);
	ck_assert_int_eq(err.rc, DC_ENOENT);
	snprintf(want, sizeof want,
		 "error: %s: cannot open: No such file or directory\n", path);
	ck_assert_str_eq(dc_err_text(&err), want);
	dc_err_free(&err);
	ck_assert_int_eq(dc_tree_load_file("/", &root, &err), DC_EIO);
	ck_assert_msg(strstr(dc_err_text(&err), "/: cannot read"), "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
}
END_TEST

/* N nested flow sequences: "[[[...]]]". */
static char *nested(int n)
{
	char *s = malloc(2 * (size_t)n + 1);
	for (int i = 0; i < n; i++) {
		s[i] = '[';
		s[2 * n - 1 - i] = ']';
	}
	s[2 * n] = '\0';
	return s;
}

START_TEST(depth_limit)
{
	dc_err err = DC_ERR_INIT;
	dc_node *root;
	char *ok = nested(64), *deep = nested(65), *huge = nested(200000);
	ck_assert_int_eq(load(ok, &root, &err), DC_OK);
	const dc_node *n = root;
	int depth = 1;
	while (n->n) {
		n = n->items[0];
		depth++;
	}
	ck_assert_int_eq(depth, 64);
	dc_tree_free(root);
	ck_fails(deep, "t.yaml:1:65: error: nesting deeper than 64 levels\n");
	ck_assert_int_eq(load(huge, &root, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), "nesting deeper than 64"), "%s",
		      dc_err_text(&err));
	dc_err_free(&err);
	/* block style too */
	char block[8192] = "", *p = block;
	for (int i = 0; i < 70; i++)
		p += sprintf(p, "%*sk:\n", 2 * i, "");
	ck_assert_int_eq(load(block, &root, &err), DC_EINVAL);
	ck_assert_msg(strstr(dc_err_text(&err), ":65:129: error: nesting deeper"),
		      "%s", dc_err_text(&err));
	dc_err_free(&err);
	free(ok);
	free(deep);
	free(huge);
}
END_TEST

START_TEST(kind_names)
{
	ck_assert_str_eq(dc_node_kind_name(DC_NODE_SCALAR), "a scalar");
	ck_assert_str_eq(dc_node_kind_name(DC_NODE_MAP), "a map");
	ck_assert_str_eq(dc_node_kind_name(DC_NODE_SEQ), "a list");
	dc_tree_free(NULL);
}
END_TEST

START_TEST(alloc_failures)
{
	const char *y = "a:\n  b: [1, 2, {c: d}]\n  e: f\ng: h\n";
	size_t before = dc_alloc_current();
	int ok = 0;
	for (long n = 0; n < 200 && !ok; n++) {
		dc_err err = DC_ERR_INIT;
		dc_node *root = NULL;
		dc_alloc_fail_after(n);
		int rc = load(y, &root, &err);
		dc_alloc_fail_after(-1);
		ck_assert_msg(rc == DC_OK || rc == DC_ENOMEM, "n=%ld rc %d", n, rc);
		ck_assert_msg(rc == DC_OK || root == NULL, "n=%ld root set", n);
		ok = rc == DC_OK;
		dc_tree_free(root);
		dc_err_free(&err);
		ck_assert_msg(dc_alloc_current() == before, "n=%ld: leaked %zu", n,
			      dc_alloc_current() - before);
	}
	ck_assert_msg(ok, "never succeeded");
}
END_TEST

static Suite *tree_suite(void)
{
	Suite *s = suite_create("tree");
	struct { const char *name; const TTest *fn; } t[] = {
		{"nesting", nesting}, {"positions", positions},
		{"duplicate_keys", duplicate_keys}, {"many_keys", many_keys},
		{"syntax_errors", syntax_errors},
		{"refused_features", refused_features},
		{"empty_documents", empty_documents},
		{"not_nul_terminated", not_nul_terminated}, {"files", files},
		{"depth_limit", depth_limit}, {"kind_names", kind_names},
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
	return dc_test_main(tree_suite());
}
