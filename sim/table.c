/* table.c - CSV tables read with libcsv.
 *
 * libcsv calls back once per field and once per row end but tells no
 * positions, and it knows no comments.  So the text is fed to csv_parse in
 * chunks that each end at a delimiter or a line break (the only bytes that
 * can end a field or a row): a callback fired during a chunk was fired by
 * that chunk's last byte, which gives every field's starting byte.  Comment
 * lines are skipped between chunks, never fed, so offsets into the
 * original text (and so line numbers) stay right.  Whether a line starts
 * inside a quoted field is known from the parity of the quotes before it
 * ("" escapes toggle twice). */
#include "table.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <ctype.h>

#include "alloc.h"

#define MAX_ROW_ERRORS 10

struct dc_table {
	char *name;
	size_t nrows, ncols;
	char *buf;           /* every field's text, each NUL-terminated */
	struct cell {
		size_t off;  /* into buf */
		int line, col;
	} *cell;             /* (nrows + 1) * ncols; row 0 is the header */
	struct meta {
		char *key, *val;
		int line;
	} *meta;             /* "# key: value" lines above the header */
	size_t nmeta;
};

/* Parse state shared with the libcsv callbacks. */
typedef struct loader {
	dc_table *t;
	dc_err *err;
	const char *text;
	size_t *lstart;      /* offset of the start of each line */
	size_t nlines;
	size_t fstart;       /* offset where the current field starts */
	int fired, row_end;  /* callbacks seen during the current chunk */
	size_t buflen, bufcap;
	size_t nf, fcap;     /* fields stored (incl. the header) */
	size_t row_first;    /* index of the current row's first field */
	int rc;              /* first error */
	int row_errors;
} loader;

static void pos_of(const loader *L, size_t off, int *line, int *col)
{
	size_t lo = 0, hi = L->nlines; /* last line start <= off */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (L->lstart[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	*line = (int)lo + 1;
	*col = (int)(off - L->lstart[lo]) + 1;
}

static int fail(loader *L, int rc)
{
	if (!L->rc)
		L->rc = rc;
	return rc;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return DC_OK;
	size_t n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	void *q = dc_realloc(*p, n * elem);
	if (!q)
		return DC_ENOMEM;
	*p = q;
	*cap = n;
	return DC_OK;
}

/* Store one field's text and position. */
static int add_field(loader *L, const char *s, size_t len)
{
	dc_table *t = L->t;
	if (grow((void **)&t->buf, &L->bufcap, L->buflen + len + 1, 1) ||
	    grow((void **)&t->cell, &L->fcap, L->nf + 1, sizeof *t->cell))
		return DC_ENOMEM;
	if (len)
		memcpy(t->buf + L->buflen, s, len);
	t->buf[L->buflen + len] = '\0';
	struct cell *c = &t->cell[L->nf];
	c->off = L->buflen;
	pos_of(L, L->fstart, &c->line, &c->col);
	L->buflen += len + 1;
	L->nf++;
	return DC_OK;
}

static void on_field(void *s, size_t len, void *data)
{
	loader *L = data;
	L->fired = 1;
	if (L->rc && L->rc != DC_EINVAL)
		return;
	if (add_field(L, s ? s : "", s ? len : 0))
		fail(L, dc_err_msg(L->err, DC_ENOMEM, "%s: out of memory",
				   L->t->name));
}

static int check_header(loader *L)
{
	dc_table *t = L->t;
	t->ncols = L->nf;
	for (size_t i = 0; i < t->ncols; i++) {
		const char *a = t->buf + t->cell[i].off;
		if (!a[0])
			fail(L, dc_err_at(L->err, DC_EINVAL, t->name,
					  t->cell[i].line, t->cell[i].col,
					  "empty column name "
					  "(column %zu of the header)", i + 1));
		for (size_t j = 0; j < i && a[0]; j++)
			if (!strcmp(a, t->buf + t->cell[j].off)) {
				fail(L, dc_err_at(L->err, DC_EINVAL, t->name,
						  t->cell[i].line, t->cell[i].col,
						  "duplicate column name '%s'",
						  a));
				break;
			}
	}
	return L->rc;
}

/* Forget the fields of the current row. */
static void drop_row(loader *L)
{
	if (L->nf > L->row_first)
		L->buflen = L->t->cell[L->row_first].off;
	L->nf = L->row_first;
}

/* A row of the wrong width: report it at its first extra field, or at its
 * last field when it is short, and drop it. */
static void ragged(loader *L, size_t n)
{
	dc_table *t = L->t;
	size_t at = n > t->ncols ? L->row_first + t->ncols : L->nf - 1;
	fail(L, dc_err_at(L->err, DC_EINVAL, t->name, t->cell[at].line,
			  t->cell[at].col,
			  "row has %zu field%s, the header has %zu", n,
			  n == 1 ? "" : "s", t->ncols));
	L->row_errors++;
	drop_row(L);
}

static void on_row(int c, void *data)
{
	loader *L = data;
	(void)c;
	L->fired = 1;
	L->row_end = 1;
	if (L->rc && L->rc != DC_EINVAL)
		return;
	size_t n = L->nf - L->row_first;
	if (L->row_first == 0 && L->t->ncols == 0) {
		check_header(L);
	} else if (n != L->t->ncols) {
		ragged(L, n);
	} else if (!L->rc) {
		L->t->nrows++;
	} else {
		drop_row(L); /* after an error, keep nothing */
	}
	L->row_first = L->nf;
}

/* Offsets of the line starts. */
static int index_lines(loader *L, const char *text, size_t len)
{
	size_t n = 1, cap = 0;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	if (grow((void **)&L->lstart, &cap, n, sizeof *L->lstart))
		return DC_ENOMEM;
	L->lstart[0] = 0;
	L->nlines = 1;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			L->lstart[L->nlines++] = i + 1;
	return DC_OK;
}

static size_t chunk_end(const char *text, size_t pos, size_t len)
{
	while (pos < len && text[pos] != ',' && text[pos] != '\n' &&
	       text[pos] != '\r')
		pos++;
	return pos < len ? pos + 1 : len;
}

static size_t skip_line(const char *text, size_t pos, size_t len)
{
	while (pos < len && text[pos] != '\n')
		pos++;
	return pos < len ? pos + 1 : len;
}

static int csv_fail(loader *L, struct csv_parser *p, size_t at)
{
	int line, col;
	int e = csv_error(p);
	if (e == CSV_ENOMEM)
		return fail(L, dc_err_msg(L->err, DC_ENOMEM, "%s: out of memory",
					  L->t->name));
	pos_of(L, at, &line, &col);
	return fail(L, dc_err_at(L->err, DC_EINVAL, L->t->name, line, col,
				 "malformed CSV: a quote inside an unquoted "
				 "field or text after a closing quote (quote "
				 "the whole field and write \"\" for a quote "
				 "inside it)"));
}

/* csv_fini failed: a quoted field still open at the end of the text. */
static int unclosed(loader *L, struct csv_parser *p)
{
	int line, col;
	if (csv_error(p) != CSV_EPARSE)
		return csv_fail(L, p, L->fstart);
	pos_of(L, L->fstart, &line, &col);
	return fail(L, dc_err_at(L->err, DC_EINVAL, L->t->name, line, col,
				 "malformed CSV: the quoted field that starts "
				 "here is never closed"));
}

/* Feed [pos, end) to libcsv; track where the next field starts. */
static int feed(loader *L, struct csv_parser *p, size_t pos, size_t end)
{
	const char *text = L->text;
	int nl = text[pos] == '\n' || text[pos] == '\r';
	if (L->fired && !(L->row_end && nl)) {
		L->fstart = pos;  /* first byte after a field or row ended */
		L->fired = L->row_end = 0;
	}
	size_t got = csv_parse(p, text + pos, end - pos, on_field, on_row, L);
	if (L->rc && L->rc != DC_EINVAL)
		return L->rc;
	if (got != end - pos)
		return csv_fail(L, p, pos + got);
	return DC_OK;
}

static void *csv_realloc(void *q, size_t n) { return dc_realloc(q, n); }
static void csv_free_fn(void *q) { dc_free(q); }

/* Keep a "# key: value" comment line [pos, end) above the header as
 * metadata: key a run of [A-Za-z0-9_], value trimmed.  Others are plain
 * comments. */
static int meta_add(loader *L, const char *text, size_t pos, size_t end)
{
	size_t k = pos + 1;
	while (k < end && text[k] == ' ')
		k++;
	size_t k0 = k;
	while (k < end && (isalnum((unsigned char)text[k]) || text[k] == '_'))
		k++;
	if (k == k0 || k >= end || text[k] != ':')
		return DC_OK;
	size_t v0 = k + 1, v1 = end;
	while (v0 < v1 && (text[v0] == ' ' || text[v0] == '\t'))
		v0++;
	while (v1 > v0 && isspace((unsigned char)text[v1 - 1]))
		v1--;
	dc_table *t = L->t;
	struct meta *m = dc_realloc(t->meta, (t->nmeta + 1) * sizeof *m);
	if (!m)
		return DC_ENOMEM;
	t->meta = m;
	m += t->nmeta;
	m->key = dc_strndup(text + k0, k - k0);
	m->val = dc_strndup(text + v0, v1 - v0);
	if (!m->key || !m->val) {
		dc_free(m->key);
		dc_free(m->val);
		return DC_ENOMEM;
	}
	int col = 0;
	pos_of(L, pos, &m->line, &col);
	t->nmeta++;
	return DC_OK;
}

static int parse(loader *L, const char *text, size_t len)
{
	struct csv_parser p;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL))
		return fail(L, dc_err_msg(L->err, DC_ENOMEM, "out of memory"));
	csv_set_realloc_func(&p, csv_realloc);
	csv_set_free_func(&p, csv_free_fn);
	L->text = text;
	L->fired = 1;
	L->row_end = 1;
	int quotes = 0, rc = DC_OK;
	size_t pos = 0;
	while (pos < len && !rc && L->row_errors < MAX_ROW_ERRORS) {
		if ((pos == 0 || text[pos - 1] == '\n') && !(quotes & 1) &&
		    text[pos] == '#') {
			size_t next = skip_line(text, pos, len);
			if (L->t->ncols == 0 && L->nf == 0 &&
			    meta_add(L, text, pos, next))
				return fail(L, dc_err_msg(L->err, DC_ENOMEM,
							  "out of memory"));
			pos = next;
			continue;
		}
		size_t end = chunk_end(text, pos, len);
		for (size_t i = pos; i < end; i++)
			quotes += text[i] == '"';
		rc = feed(L, &p, pos, end);
		pos = end;
	}
	if (L->row_errors >= MAX_ROW_ERRORS)
		dc_err_msg(L->err, DC_EINVAL, "%s: stopped after %d bad rows",
			   L->t->name, MAX_ROW_ERRORS);
	if (!rc && L->row_errors < MAX_ROW_ERRORS) {
		if (L->fired && !L->row_end)
			L->fstart = len;  /* "a,b," ends with an empty field */
		if (csv_fini(&p, on_field, on_row, L))
			rc = unclosed(L, &p);
	}
	csv_free(&p);
	return L->rc;
}

static int finish(loader *L)
{
	dc_table *t = L->t;
	if (t->ncols == 0) {
		int line = 1, col = 1;
		if (L->nlines)
			pos_of(L, L->fstart, &line, &col);
		return fail(L, dc_err_at(L->err, DC_EINVAL, t->name, line, col,
					 "no header row: expected a line of "
					 "column names"));
	}
	return DC_OK;
}

int dc_table_load_string(const char *name, const char *text, size_t len,
			 dc_table **out, dc_err *err)
{
	*out = NULL;
	loader L;
	memset(&L, 0, sizeof L);
	L.err = err;
	L.t = dc_calloc(1, sizeof *L.t);
	if (!L.t || !(L.t->name = dc_strdup(name ? name : "<string>")) ||
	    index_lines(&L, text, len)) {
		dc_free(L.lstart);
		dc_table_free(L.t);
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	}
	int rc = parse(&L, text, len);
	if (!rc)
		rc = finish(&L);
	dc_free(L.lstart);
	if (rc) {
		dc_table_free(L.t);
		return rc;
	}
	*out = L.t;
	return DC_OK;
}

/* Read the whole of FP into a new buffer (*buf, *len). */
static int slurp(FILE *fp, char **buf, size_t *len)
{
	size_t cap = 0, n = 0;
	char *b = NULL;
	for (;;) {
		if (grow((void **)&b, &cap, n + 65536, 1)) {
			dc_free(b);
			return DC_ENOMEM;
		}
		size_t got = fread(b + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		dc_free(b);
		return DC_EIO;
	}
	*buf = b;
	*len = n;
	return DC_OK;
}

int dc_file_read(const char *path, char **buf, size_t *len, dc_err *err)
{
	*buf = NULL;
	*len = 0;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		int e = errno;
		return dc_err_msg(err, e == ENOENT ? DC_ENOENT : DC_EIO,
				  "cannot open '%s': %s", path, strerror(e));
	}
	int rc = slurp(fp, buf, len);
	fclose(fp);
	if (rc == DC_ENOMEM)
		return dc_err_msg(err, rc, "%s: out of memory", path);
	if (rc)
		return dc_err_msg(err, rc, "cannot read '%s'", path);
	return DC_OK;
}

int dc_table_load(const char *path, dc_table **out, dc_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	*out = NULL;
	int rc = dc_file_read(path, &buf, &len, err);
	if (rc)
		return rc;
	rc = dc_table_load_string(path, buf, len, out, err);
	dc_free(buf);
	return rc;
}

void dc_table_free(dc_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nmeta; i++) {
		dc_free(t->meta[i].key);
		dc_free(t->meta[i].val);
	}
	dc_free(t->meta);
	dc_free(t->name);
	dc_free(t->buf);
	dc_free(t->cell);
	dc_free(t);
}

const char *dc_table_name(const dc_table *t) { return t->name; }

size_t dc_table_meta_count(const dc_table *t) { return t ? t->nmeta : 0; }

void dc_table_meta_at(const dc_table *t, size_t i, const char **key,
		      const char **value)
{
	int in = t && i < t->nmeta;
	*key = in ? t->meta[i].key : NULL;
	*value = in ? t->meta[i].val : NULL;
}

const char *dc_table_meta(const dc_table *t, const char *key, int *line)
{
	for (size_t i = 0; t && key && i < t->nmeta; i++)
		if (!strcmp(t->meta[i].key, key)) {
			if (line)
				*line = t->meta[i].line;
			return t->meta[i].val;
		}
	if (line)
		*line = 0;
	return NULL;
}
size_t dc_table_rows(const dc_table *t) { return t->nrows; }
size_t dc_table_cols(const dc_table *t) { return t->ncols; }

int dc_table_col(const dc_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->buf + t->cell[i].off, name))
			return (int)i;
	return -1;
}

const char *dc_table_colname(const dc_table *t, size_t col)
{
	return col < t->ncols ? t->buf + t->cell[col].off : NULL;
}

/* Index of field (ROW, COL) in the arrays (the header is row 0 there). */
static size_t idx(const dc_table *t, size_t row, size_t col)
{
	return (row + 1) * t->ncols + col;
}

const char *dc_table_field(const dc_table *t, size_t row, size_t col)
{
	if (row >= t->nrows || col >= t->ncols)
		return NULL;
	return t->buf + t->cell[idx(t, row, col)].off;
}

void dc_table_pos(const dc_table *t, size_t row, size_t col, int *line,
		  int *colno)
{
	int in = row < t->nrows && col < t->ncols;
	if (line)
		*line = in ? t->cell[idx(t, row, col)].line : 0;
	if (colno)
		*colno = in ? t->cell[idx(t, row, col)].col : 0;
}

int dc_table_err(const dc_table *t, size_t row, size_t col, dc_err *err,
		 int rc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int line, c;
	dc_table_pos(t, row, col, &line, &c);
	const char *cn = dc_table_colname(t, col);
	return dc_err_at(err, rc, t->name, line, c, "column '%s': %s",
			 cn ? cn : "?", msg);
}

int dc_table_num(const dc_table *t, size_t row, size_t col, double *v,
		 dc_err *err)
{
	const char *s = dc_table_field(t, row, col);
	if (!s)
		return dc_err_msg(err, DC_EINVAL, "%s: no field at row %zu, "
				  "column %zu", t->name, row, col);
	char *end;
	errno = 0;
	double x = strtod(s, &end);
	if (end == s || *end || !isfinite(x) || strpbrk(s, "xX"))
		return dc_table_err(t, row, col, err, DC_EINVAL,
				    "expected a number, got '%s'", s);
	if (errno == ERANGE && fabs(x) > 1)
		return dc_table_err(t, row, col, err, DC_EINVAL,
				    "number '%s' is out of range", s);
	*v = x;
	return DC_OK;
}

long dc_table_find(const dc_table *t, size_t key_col, const char *key)
{
	if (key_col >= t->ncols || !key)
		return -1;
	for (size_t r = 0; r < t->nrows; r++)
		if (!strcmp(t->buf + t->cell[idx(t, r, key_col)].off, key))
			return (long)r;
	return -1;
}
