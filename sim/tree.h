/* tree.h - a YAML document as a small tree of scalars, maps and sequences,
 * each node carrying the line and column where it starts, so that every
 * later (semantic) check can point at the exact place in the file.
 * Parsed with libyaml.  Anchors/aliases and multiple documents are refused. */
#ifndef DC_TREE_H
#define DC_TREE_H

#include <stddef.h>

#include "err.h"

typedef enum { DC_NODE_SCALAR, DC_NODE_MAP, DC_NODE_SEQ } dc_node_kind;

typedef struct dc_node dc_node;
struct dc_node {
	dc_node_kind kind;
	int line, col;      /* 1-based position of the node's first character */
	char *value;        /* SCALAR: the text (NUL-terminated); else NULL */
	int quoted;         /* SCALAR: 1 if written in quotes or as a block */
	size_t n;           /* MAP: number of pairs; SEQ: number of items */
	char **keys;        /* MAP: keys[i] (scalar keys only) */
	int *key_line;      /* MAP: position of keys[i] */
	int *key_col;
	dc_node **items;    /* MAP: value of keys[i]; SEQ: item i */
};

/* Parse the YAML file PATH into *root (a MAP, SEQ or SCALAR; an empty file
 * gives an empty MAP).  The caller frees *root with dc_tree_free.
 * Errors appended to ERR as "PATH:line:col: error: ...":
 *   DC_ENOENT  the file does not exist (or cannot be opened for reading),
 *   DC_EIO     read error,
 *   DC_EINVAL  YAML syntax error, duplicate key in a map, non-scalar key,
 *              alias/anchor, more than one document,
 *   DC_ENOMEM.
 * On error *root is NULL. */
int dc_tree_load_file(const char *path, dc_node **root, dc_err *err);

/* The same for text in memory; NAME is used in error messages.  TEXT need
 * not be NUL-terminated. */
int dc_tree_load_string(const char *name, const char *text, size_t len,
			dc_node **root, dc_err *err);

/* Free a tree; dc_tree_free(NULL) is a no-op. */
void dc_tree_free(dc_node *root);

/* In MAP, the value node of KEY, or NULL if MAP is not a map or lacks KEY.
 * The pointer stays valid as long as the tree. */
const dc_node *dc_node_get(const dc_node *map, const char *key);

/* Index of KEY in MAP, or -1. */
long dc_node_find(const dc_node *map, const char *key);

/* A human word for a node kind ("a scalar", "a map", "a list"). */
const char *dc_node_kind_name(dc_node_kind k);

#endif
