/* tree.c - YAML text to a dc_node tree with positions, through libyaml's
 * event parser.  Recursion follows the nesting of the document and is
 * bounded by MAX_DEPTH, so hostile input cannot exhaust the stack.
 *
 * Errors are "hard" (syntax, depth, memory, a second document: parsing
 * stops) or "soft" (duplicate key, anchor, alias, non-scalar key: noted and
 * parsing goes on so that every such problem is reported). */
#include "tree.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "alloc.h"
#include "dc.h"

#define MAX_DEPTH 64
#define KEY_SHOW 60 /* at most this many bytes of a key in a message */

typedef struct ctx {
	yaml_parser_t parser;
	const char *name;
	const char *text;
	size_t len;
	dc_err *err;
	int nsoft; /* soft errors so far */
} ctx;

/* A map under construction: the node, its capacity and a hash of key
 * indexes (slot = index + 1, 0 = empty) for duplicate detection. */
typedef struct mbuild {
	dc_node *m;
	size_t cap;
	size_t *slots;
	size_t nslots;
} mbuild;

static int parse_node(ctx *c, yaml_event_t *ev, int depth, dc_node **out);

static int line_of(const yaml_mark_t *m) { return (int)m->line + 1; }
static int col_of(const yaml_mark_t *m) { return (int)m->column + 1; }

__attribute__((format(printf, 4, 5)))
static void soft_error(ctx *c, int line, int col, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	dc_err_at(c->err, DC_EINVAL, c->name, line, col, "%s", msg);
	c->nsoft++;
}

/* Line and column (1-based, column in characters) of byte OFF of the text. */
static void offset_pos(const ctx *c, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < c->len; i++) {
		unsigned char b = (unsigned char)c->text[i];
		if (b == '\n') {
			++*line;
			*col = 1;
		} else if ((b & 0xc0) != 0x80) {
			++*col;
		}
	}
}

static int syntax_error(ctx *c)
{
	yaml_parser_t *p = &c->parser;
	char problem[200];
	int line, col;
	if (p->error == YAML_MEMORY_ERROR)
		return dc_err_msg(c->err, DC_ENOMEM, "%s: out of memory",
				  c->name);
	snprintf(problem, sizeof problem, "%s",
		 p->problem ? p->problem : "invalid YAML");
	if (problem[0] >= 'A' && problem[0] <= 'Z')
		problem[0] = (char)(problem[0] - 'A' + 'a');
	if (p->error == YAML_READER_ERROR) {
		offset_pos(c, p->problem_offset, &line, &col);
	} else {
		line = line_of(&p->problem_mark);
		col = col_of(&p->problem_mark);
	}
	return dc_err_at(c->err, DC_EINVAL, c->name, line, col, "%s", problem);
}

/* The next event into *ev; a hard error if libyaml reports one. */
static int next_event(ctx *c, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&c->parser, ev))
		return syntax_error(c);
	return DC_OK;
}

static dc_node *node_new(dc_node_kind kind, const yaml_event_t *ev)
{
	dc_node *n = dc_calloc(1, sizeof *n);
	if (!n)
		return NULL;
	n->kind = kind;
	n->line = line_of(&ev->start_mark);
	n->col = col_of(&ev->start_mark);
	return n;
}

void dc_tree_free(dc_node *root)
{
	if (!root)
		return;
	for (size_t i = 0; i < root->n; i++) {
		if (root->keys)
			dc_free(root->keys[i]);
		dc_tree_free(root->items[i]);
	}
	dc_free(root->keys);
	dc_free(root->key_line);
	dc_free(root->key_col);
	dc_free(root->items);
	dc_free(root->value);
	dc_free(root);
}

static int make_scalar(ctx *c, const yaml_event_t *ev, dc_node **out)
{
	dc_node *n = node_new(DC_NODE_SCALAR, ev);
	if (!n)
		return dc_err_msg(c->err, DC_ENOMEM, "%s: out of memory", c->name);
	n->value = dc_strndup((const char *)ev->data.scalar.value,
			      ev->data.scalar.length);
	if (!n->value) {
		dc_free(n);
		return dc_err_msg(c->err, DC_ENOMEM, "%s: out of memory", c->name);
	}
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	if (ev->data.scalar.anchor)
		soft_error(c, n->line, n->col, "anchors are not supported");
	*out = n;
	return DC_OK;
}

/* Grow the item arrays of N (and its key arrays for a map) to hold one more. */
static int grow_items(dc_node *n, size_t *cap)
{
	if (n->n < *cap)
		return DC_OK;
	size_t nc = *cap ? *cap * 2 : 4;
	dc_node **items = dc_realloc(n->items, nc * sizeof *items);
	if (!items)
		return DC_ENOMEM;
	n->items = items;
	if (n->kind == DC_NODE_MAP) {
		char **keys = dc_realloc(n->keys, nc * sizeof *keys);
		if (keys)
			n->keys = keys;
		int *kl = keys ? dc_realloc(n->key_line, nc * sizeof *kl) : NULL;
		if (kl)
			n->key_line = kl;
		int *kc = kl ? dc_realloc(n->key_col, nc * sizeof *kc) : NULL;
		if (!kc)
			return DC_ENOMEM;
		n->key_col = kc;
	}
	*cap = nc;
	return DC_OK;
}

static size_t hash_key(const char *s)
{
	size_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Index of KEY in the map under construction, or -1. */
static long mb_lookup(const mbuild *b, const char *key)
{
	if (!b->nslots)
		return -1;
	for (size_t i = hash_key(key) & (b->nslots - 1);; i = (i + 1) & (b->nslots - 1)) {
		size_t s = b->slots[i];
		if (!s)
			return -1;
		if (!strcmp(b->m->keys[s - 1], key))
			return (long)(s - 1);
	}
}

static void mb_insert(mbuild *b, size_t idx)
{
	size_t i = hash_key(b->m->keys[idx]) & (b->nslots - 1);
	while (b->slots[i])
		i = (i + 1) & (b->nslots - 1);
	b->slots[i] = idx + 1;
}

/* Make room in the hash for one more key (load factor at most 1/2). */
static int mb_reserve(mbuild *b)
{
	if ((b->m->n + 1) * 2 <= b->nslots)
		return DC_OK;
	size_t ns = b->nslots ? b->nslots * 2 : 16;
	size_t *slots = dc_calloc(ns, sizeof *slots);
	if (!slots)
		return DC_ENOMEM;
	dc_free(b->slots);
	b->slots = slots;
	b->nslots = ns;
	for (size_t i = 0; i < b->m->n; i++)
		mb_insert(b, i);
	return DC_OK;
}

/* Read one key (its start event is *kev) and its value into the map. */
static int map_pair(ctx *c, mbuild *b, yaml_event_t *kev, int depth)
{
	dc_node *key = NULL, *val = NULL;
	yaml_event_t vev;
	int rc = parse_node(c, kev, depth + 1, &key);
	if (rc)
		return rc;
	if (key && key->kind != DC_NODE_SCALAR)
		soft_error(c, key->line, key->col, "keys must be scalars, got %s",
			   dc_node_kind_name(key->kind));
	rc = next_event(c, &vev);
	if (!rc)
		rc = parse_node(c, &vev, depth + 1, &val);
	if (rc || !key || key->kind != DC_NODE_SCALAR)
		goto out_free;
	long first = mb_lookup(b, key->value);
	if (first >= 0) {
		soft_error(c, key->line, key->col, "duplicate key '%.*s' (first at "
			   "line %d)", KEY_SHOW, key->value,
			   b->m->key_line[first]);
		goto out_free;
	}
	if (mb_reserve(b) || grow_items(b->m, &b->cap)) {
		rc = dc_err_msg(c->err, DC_ENOMEM, "%s: out of memory", c->name);
		goto out_free;
	}
	size_t i = b->m->n++;
	b->m->keys[i] = key->value;
	key->value = NULL;
	b->m->key_line[i] = key->line;
	b->m->key_col[i] = key->col;
	b->m->items[i] = val;
	mb_insert(b, i);
	val = NULL;
out_free:
	dc_tree_free(key);
	dc_tree_free(val);
	return rc;
}

/* Read items until the end event of a map or sequence. */
static int collection_body(ctx *c, dc_node *n, int depth)
{
	mbuild b = {n, 0, NULL, 0};
	yaml_event_t ev;
	yaml_event_type_t end = n->kind == DC_NODE_MAP ? YAML_MAPPING_END_EVENT
						       : YAML_SEQUENCE_END_EVENT;
	int rc;
	while (!(rc = next_event(c, &ev)) && ev.type != end) {
		if (n->kind == DC_NODE_MAP) {
			rc = map_pair(c, &b, &ev, depth);
		} else {
			dc_node *item = NULL;
			rc = parse_node(c, &ev, depth + 1, &item);
			if (!rc && item && grow_items(n, &b.cap))
				rc = dc_err_msg(c->err, DC_ENOMEM,
						"%s: out of memory", c->name);
			if (!rc && item)
				n->items[n->n++] = item;
			else
				dc_tree_free(item);
		}
		if (rc)
			break;
	}
	if (!rc)
		yaml_event_delete(&ev);
	dc_free(b.slots);
	return rc;
}

static int make_collection(ctx *c, yaml_event_t *ev, int depth, dc_node **out)
{
	int is_map = ev->type == YAML_MAPPING_START_EVENT;
	const yaml_char_t *anchor = is_map ? ev->data.mapping_start.anchor
					   : ev->data.sequence_start.anchor;
	if (depth >= MAX_DEPTH)
		return dc_err_at(c->err, DC_EINVAL, c->name,
				 line_of(&ev->start_mark), col_of(&ev->start_mark),
				 "nesting deeper than %d levels", MAX_DEPTH);
	dc_node *n = node_new(is_map ? DC_NODE_MAP : DC_NODE_SEQ, ev);
	if (!n)
		return dc_err_msg(c->err, DC_ENOMEM, "%s: out of memory", c->name);
	if (anchor)
		soft_error(c, n->line, n->col, "anchors are not supported");
	int rc = collection_body(c, n, depth);
	if (rc) {
		dc_tree_free(n);
		return rc;
	}
	*out = n;
	return DC_OK;
}

/* Build the node that starts with event *EV (consumed here) into *out.
 * *out stays NULL for a refused alias. */
static int parse_node(ctx *c, yaml_event_t *ev, int depth, dc_node **out)
{
	int rc = DC_OK;
	*out = NULL;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		rc = make_scalar(c, ev, out);
		break;
	case YAML_ALIAS_EVENT:
		soft_error(c, line_of(&ev->start_mark), col_of(&ev->start_mark),
			   "aliases are not supported");
		break;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		rc = make_collection(c, ev, depth, out);
		break;
	default:
		rc = dc_err_at(c->err, DC_EINVAL, c->name, line_of(&ev->start_mark),
			       col_of(&ev->start_mark), "unexpected YAML event");
		break;
	}
	yaml_event_delete(ev);
	return rc;
}

/* An empty document ("" or "---") gives an empty map. */
static int empty_map(ctx *c, dc_node **root, int line, int col)
{
	dc_tree_free(*root);
	*root = dc_calloc(1, sizeof **root);
	if (!*root)
		return dc_err_msg(c->err, DC_ENOMEM, "%s: out of memory", c->name);
	(*root)->kind = DC_NODE_MAP;
	(*root)->line = line;
	(*root)->col = col;
	return DC_OK;
}

/* After the root node: DOCUMENT_END, then STREAM_END (not a second doc). */
static int document_tail(ctx *c)
{
	yaml_event_t ev;
	int rc = next_event(c, &ev);
	if (rc)
		return rc;
	yaml_event_delete(&ev);
	rc = next_event(c, &ev);
	if (rc)
		return rc;
	if (ev.type == YAML_DOCUMENT_START_EVENT)
		rc = dc_err_at(c->err, DC_EINVAL, c->name, line_of(&ev.start_mark),
			       col_of(&ev.start_mark),
			       "more than one document (only one is allowed)");
	yaml_event_delete(&ev);
	return rc;
}

/* Parse the whole stream into *root. */
static int parse_stream(ctx *c, dc_node **root)
{
	yaml_event_t ev;
	int rc = next_event(c, &ev); /* STREAM_START */
	if (rc)
		return rc;
	yaml_event_delete(&ev);
	rc = next_event(c, &ev);
	if (rc)
		return rc;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return empty_map(c, root, 1, 1);
	}
	yaml_event_delete(&ev); /* DOCUMENT_START */
	rc = next_event(c, &ev);
	if (!rc)
		rc = parse_node(c, &ev, 0, root);
	if (!rc)
		rc = document_tail(c);
	if (!rc && *root && (*root)->kind == DC_NODE_SCALAR &&
	    !(*root)->quoted && !(*root)->value[0])
		rc = empty_map(c, root, (*root)->line, (*root)->col);
	return rc;
}

int dc_tree_load_string(const char *name, const char *text, size_t len,
			dc_node **root, dc_err *err)
{
	ctx c = {.name = name ? name : "<string>", .text = text, .len = len,
		 .err = err};
	int rc;
	*root = NULL;
	if (!yaml_parser_initialize(&c.parser))
		return dc_err_msg(err, DC_ENOMEM, "%s: out of memory", c.name);
	yaml_parser_set_input_string(&c.parser, (const unsigned char *)text, len);
	rc = parse_stream(&c, root);
	yaml_parser_delete(&c.parser);
	if (!rc && c.nsoft)
		rc = DC_EINVAL;
	if (rc) {
		dc_tree_free(*root);
		*root = NULL;
	}
	return rc;
}

/* Read all of F into a new buffer (*buf, *len). */
static int read_all(FILE *f, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = dc_malloc(cap);
	if (!b)
		return DC_ENOMEM;
	for (;;) {
		n += fread(b + n, 1, cap - n, f);
		if (n < cap)
			break;
		char *nb = dc_realloc(b, cap * 2);
		if (!nb) {
			dc_free(b);
			return DC_ENOMEM;
		}
		b = nb;
		cap *= 2;
	}
	if (ferror(f)) {
		dc_free(b);
		return DC_EIO;
	}
	*buf = b;
	*len = n;
	return DC_OK;
}

int dc_tree_load_file(const char *path, dc_node **root, dc_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;
	*root = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return dc_err_msg(err, DC_ENOENT, "%s: cannot open: %s", path,
				  strerror(errno));
	errno = 0;
	rc = read_all(f, &buf, &len);
	if (rc == DC_EIO)
		dc_err_msg(err, rc, "%s: cannot read: %s", path,
			   strerror(errno ? errno : EIO));
	else if (rc)
		dc_err_msg(err, rc, "%s: out of memory", path);
	fclose(f);
	if (rc)
		return rc;
	rc = dc_tree_load_string(path, buf, len, root, err);
	dc_free(buf);
	return rc;
}

long dc_node_find(const dc_node *map, const char *key)
{
	if (!map || map->kind != DC_NODE_MAP || !key)
		return -1;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i], key))
			return (long)i;
	return -1;
}

const dc_node *dc_node_get(const dc_node *map, const char *key)
{
	long i = dc_node_find(map, key);
	return i < 0 ? NULL : map->items[i];
}

const char *dc_node_kind_name(dc_node_kind k)
{
	switch (k) {
	case DC_NODE_SCALAR: return "a scalar";
	case DC_NODE_MAP: return "a map";
	case DC_NODE_SEQ: return "a list";
	}
	return "a node";
}
