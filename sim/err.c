/* err.c - collected error lines and the code-to-text table. */
#include "err.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "dc.h"

const char *dc_strerror(int rc)
{
	switch (rc) {
	case DC_OK: return "success";
	case DC_ENOMEM: return "out of memory";
	case DC_EINVAL: return "invalid input";
	case DC_ENOENT: return "no such file";
	case DC_EIO: return "input/output error";
	case DC_EEXIST: return "output exists";
	case DC_ECREATE: return "cannot create output";
	case DC_EINTR: return "interrupted";
	case DC_ERANGE: return "value out of range";
	case DC_EFAIL: return "run or check failed";
	case DC_EUSAGE: return "usage error";
	default: return "unknown error";
	}
}

static void append_v(dc_err *e, const char *prefix, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int plen = snprintf(NULL, 0, "%s", prefix);
	int mlen = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (plen < 0 || mlen < 0)
		return;
	size_t need = e->len + (size_t)plen + (size_t)mlen + 2;
	if (need > e->cap) {
		size_t cap = e->cap ? e->cap : 256;
		while (cap < need)
			cap *= 2;
		char *nb = dc_realloc(e->buf, cap);
		if (!nb)
			return;
		e->buf = nb;
		e->cap = cap;
	}
	memcpy(e->buf + e->len, prefix, (size_t)plen);
	e->len += (size_t)plen;
	vsnprintf(e->buf + e->len, (size_t)mlen + 1, fmt, ap);
	e->len += (size_t)mlen;
	e->buf[e->len++] = '\n';
	e->buf[e->len] = '\0';
}

static void note_error(dc_err *e, int rc)
{
	if (e->count++ == 0)
		e->rc = rc;
}

int dc_err_at(dc_err *e, int rc, const char *file, int line, int col,
	      const char *fmt, ...)
{
	if (!e)
		return rc;
	char prefix[512];
	snprintf(prefix, sizeof prefix, "%s:%d:%d: error: ", file, line, col);
	va_list ap;
	va_start(ap, fmt);
	append_v(e, prefix, fmt, ap);
	va_end(ap);
	note_error(e, rc);
	return rc;
}

int dc_err_key(dc_err *e, int rc, const char *file, const char *keypath,
	       const char *fmt, ...)
{
	if (!e)
		return rc;
	char prefix[512];
	snprintf(prefix, sizeof prefix, "%s: %s: error: ", file, keypath);
	va_list ap;
	va_start(ap, fmt);
	append_v(e, prefix, fmt, ap);
	va_end(ap);
	note_error(e, rc);
	return rc;
}

int dc_err_msg(dc_err *e, int rc, const char *fmt, ...)
{
	if (!e)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	append_v(e, "error: ", fmt, ap);
	va_end(ap);
	note_error(e, rc);
	return rc;
}

void dc_err_warn(dc_err *e, const char *fmt, ...)
{
	if (!e)
		return;
	va_list ap;
	va_start(ap, fmt);
	append_v(e, "warning: ", fmt, ap);
	va_end(ap);
}

const char *dc_err_text(const dc_err *e)
{
	return e->buf ? e->buf : "";
}

void dc_err_free(dc_err *e)
{
	if (!e)
		return;
	dc_free(e->buf);
	*e = (dc_err)DC_ERR_INIT;
}
