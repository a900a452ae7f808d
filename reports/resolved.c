/* resolved.c - the resolved-scenario dump of one parameter section. */
#include "resolved.h"

#include "../sim/alloc.h"
#include "../sim/dc.h"

#define BIG_MAX ((size_t)1 << 26) /* give up on values longer than this */

/* Format P into *buf (STACK, or a heap buffer grown for long strings that
 * the caller frees with dc_free when *buf != stack). */
static int format_value(const dc_param *p, const void *cfg, char *stack,
			size_t n, char **buf)
{
	int len = dc_param_format(p, cfg, stack, n);
	*buf = stack;
	for (size_t cap = n * 64; len == DC_ERANGE && cap <= BIG_MAX; cap *= 4) {
		if (*buf != stack)
			dc_free(*buf);
		*buf = dc_malloc(cap);
		if (!*buf) {
			*buf = stack;
			return DC_ENOMEM;
		}
		len = dc_param_format(p, cfg, *buf, cap);
	}
	return len;
}

int dc_resolved_section(FILE *f, const dc_pset *set, const void *cfg,
			const dc_src *src, int indent, dc_err *err)
{
	char stack[1024], *val;
	const char *sec = set->section ? set->section : "";
	const char *dot = *sec ? "." : "";
	int rc = DC_OK;
	if (indent < 0)
		indent = 0;
	for (size_t i = 0; i < set->n && !rc; i++) {
		const dc_param *p = &set->params[i];
		dc_src from = src ? src[i] : DC_SRC_DEFAULT;
		if (p->type == DC_PT_SECTION) {
			const char *sub = (const char *)cfg + p->off;
			const dc_src *ssrc =
				(const dc_src *)((const char *)cfg + p->src_off);
			if (fprintf(f, "%*s%s:\n", indent, "", p->key) < 0)
				rc = dc_err_msg(err, DC_EIO, "%s%s%s: write failed",
						sec, dot, p->key);
			else
				rc = dc_resolved_section(f, p->sub, sub, ssrc,
							 indent + 2, err);
			continue;
		}
		/* an optional value nobody gave has no text to write back: say
		 * so in a comment, so the file reads back the same */
		if (!p->def && !(p->flags & DC_PF_REQUIRED) &&
		    from == DC_SRC_DEFAULT) {
			if (fprintf(f, "%*s# %s: not given  # default\n", indent,
				    "", p->key) < 0)
				rc = dc_err_msg(err, DC_EIO, "%s%s%s: write failed",
						sec, dot, p->key);
			continue;
		}
		int len = format_value(p, cfg, stack, sizeof stack, &val);
		if (len < 0)
			rc = dc_err_msg(err, len == DC_ENOMEM ? DC_ENOMEM : DC_EINVAL,
					"%s%s%s: cannot format the value: %s",
					sec, dot, p->key, dc_strerror(len));
		else if (fprintf(f, "%*s%s: %s  # %s\n", indent, "", p->key, val,
				 dc_src_name(from)) < 0)
			rc = dc_err_msg(err, DC_EIO, "%s%s%s: write failed", sec,
					dot, p->key);
		if (val != stack)
			dc_free(val);
	}
	if (!rc && ferror(f))
		rc = dc_err_msg(err, DC_EIO, "%s: write failed", sec);
	return rc;
}
