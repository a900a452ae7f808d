/* table.h - read-only CSV tables for catalogs and time series.
 *
 * A table is a header row of column names followed by rows of text fields,
 * parsed with libcsv (RFC 4180 quoting: "a, b" and "say ""hi""" are one
 * field each; a quoted field may span lines).  Lines whose first byte is
 * '#' (outside a quoted field) are comments; blank lines are skipped.
 * Every row must have as many fields as the header.
 *
 * Positions in messages are "path:line:col", line 1-based counting every
 * physical line of the file (comments included), col the 1-based BYTE
 * column where the field starts (its first byte, a quote or leading space
 * included).  sim/ only reads files: nothing here writes. */
#ifndef DC_TABLE_H
#define DC_TABLE_H

#include <stddef.h>

#include "dc.h"
#include "err.h"

typedef struct dc_table dc_table;

/* Read the CSV file PATH into a new table (*out).  The caller owns *out and
 * frees it with dc_table_free.  Errors, each appended to ERR:
 *   DC_ENOENT  the file does not exist
 *              ("error: cannot open 'PATH': No such file or directory");
 *   DC_EIO     it cannot be opened or read;
 *   DC_EINVAL  malformed CSV, no header, an empty or duplicate column name,
 *              a row with the wrong number of fields (each such row is
 *              reported, up to 10), e.g.
 *              "PATH:7:9: error: row has 4 fields, the header has 3";
 *   DC_ENOMEM.
 * On error *out is NULL. */
int dc_table_load(const char *path, dc_table **out, dc_err *err);

/* Read the whole file PATH into a new buffer *BUF (dc_free it) of *LEN
 * bytes (not NUL-terminated).  The one place input files are read (models
 * never open files: scenario loading reads what they need).  Errors:
 * DC_ENOENT, DC_EIO, DC_ENOMEM with "cannot open 'PATH': ..." in ERR. */
int dc_file_read(const char *path, char **buf, size_t *len, dc_err *err);

/* Like dc_table_load, but parses LEN bytes of TEXT (need not be
 * NUL-terminated); NAME stands for the path in messages and is copied. */
int dc_table_load_string(const char *name, const char *text, size_t len,
			 dc_table **out, dc_err *err);

/* Free T and every string it owns.  dc_table_free(NULL) is a no-op. */
void dc_table_free(dc_table *t);

/* The name given at load (the path); owned by T.  Cannot fail. */
const char *dc_table_name(const dc_table *t);

/* The value of metadata line "# KEY: value" among the comment lines above
 * the header (provenance: calibration profiles carry device, peaks, host
 * and date this way), trimmed; NULL when there is none.  *LINE (may be
 * NULL) gets its line number, or 0.  The first of repeated keys wins.
 * Owned by T. */
const char *dc_table_meta(const dc_table *t, const char *key, int *line);

/* The number of metadata lines, and the I-th (in file order) as *KEY and
 * *VALUE (owned by T); out of range: both NULL.  Cannot fail. */
size_t dc_table_meta_count(const dc_table *t);
void dc_table_meta_at(const dc_table *t, size_t i, const char **key,
		      const char **value);

/* Number of data rows (the header excluded) and of columns.  Cannot fail. */
size_t dc_table_rows(const dc_table *t);
size_t dc_table_cols(const dc_table *t);

/* Index of the column named NAME (exact, case-sensitive), or -1 if there is
 * none.  Cannot fail. */
int dc_table_col(const dc_table *t, const char *name);

/* Name of column COL, or NULL if COL is out of range.  Owned by T. */
const char *dc_table_colname(const dc_table *t, size_t col);

/* Text of the field at (ROW, COL), NUL-terminated, quotes removed and
 * unquoted leading/trailing blanks trimmed; NULL if out of range.  Owned by
 * T and valid until dc_table_free. */
const char *dc_table_field(const dc_table *t, size_t row, size_t col);

/* Source position of field (ROW, COL): 1-based line and byte column.
 * Out of range: both 0.  Cannot fail. */
void dc_table_pos(const dc_table *t, size_t row, size_t col, int *line,
		  int *colno);

/* Parse field (ROW, COL) as a finite decimal number into *v.  Returns DC_OK,
 * or DC_EINVAL with
 *   "PATH:line:col: error: column 'x': expected a number, got 'abc'"
 * (also for empty fields, trailing text, hex, nan and inf; out-of-range values
 * say "out of range"), or DC_EINVAL for ROW/COL out of range.  *v is
 * untouched on error. */
int dc_table_num(const dc_table *t, size_t row, size_t col, double *v,
		 dc_err *err);

/* First row whose field in KEY_COL equals KEY exactly, or -1 (also when
 * KEY_COL is out of range).  Linear scan.  Cannot fail. */
long dc_table_find(const dc_table *t, size_t key_col, const char *key);

/* Append "PATH:line:col: error: column 'name': MSG" for field (ROW, COL) to
 * ERR, so that catalog readers report their own semantic errors at the
 * source position.  Returns RC. */
int dc_table_err(const dc_table *t, size_t row, size_t col, dc_err *err,
		 int rc, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#endif
