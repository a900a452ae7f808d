/* err.h - error reports.  A dc_err collects one or more formatted error
 * lines so a loader can report every problem it finds, not only the first.
 * The caller owns the dc_err; functions that fail append to it. */
#ifndef DC_ERR_H
#define DC_ERR_H

#include <stdarg.h>
#include <stddef.h>

typedef struct dc_err {
	int count;     /* number of error lines appended */
	int rc;        /* code of the first error appended (DC_E*), 0 if none */
	size_t len;    /* bytes of text in buf, excluding the NUL */
	size_t cap;
	char *buf;     /* NUL-terminated, each line ends in '\n'; may be NULL */
} dc_err;

#define DC_ERR_INIT {0, 0, 0, 0, NULL}

/* Every function below accepts E == NULL: nothing is recorded and the
 * code is still returned (for callers that want the code only). */

/* Release the text and reset to empty.  dc_err_free(NULL) is a no-op. */
void dc_err_free(dc_err *e);

/* Append "file:line:col: error: MSG\n" (syntax, type, unit, range errors).
 * Returns rc so callers can write `return dc_err_at(...)`.  If the text
 * cannot be allocated the line is dropped but count and rc still change. */
int dc_err_at(dc_err *e, int rc, const char *file, int line, int col,
	      const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Append "file: key.path: error: MSG\n" (semantic errors). Returns rc. */
int dc_err_key(dc_err *e, int rc, const char *file, const char *keypath,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Append "error: MSG\n" (no location).  Returns rc. */
int dc_err_msg(dc_err *e, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Append "warning: MSG\n" without counting it as an error or changing rc. */
void dc_err_warn(dc_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The collected text ("" when none); valid until the next append or free. */
const char *dc_err_text(const dc_err *e);

#endif
