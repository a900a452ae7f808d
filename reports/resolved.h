/* resolved.h - the resolved-scenario dump: every parameter of a section
 * with its final value and where that value came from. */
#ifndef DC_RESOLVED_H
#define DC_RESOLVED_H

#include <stdio.h>

#include "../sim/err.h"
#include "../sim/params.h"

/* Write one line per parameter of SET, in table order, to F:
 *   "<INDENT spaces>key: value  # provenance\n"
 * where value is dc_param_format of the parameter in CFG (so the text reads
 * back through dc_params_read to the same value) and provenance is
 * dc_src_name(src[i]) ("default", "scenario", ...; "default" for all when
 * SRC is NULL).  An optional parameter without a default that nobody gave
 * is written as a comment, "# key: not given  # default", so that the file
 * reads back to the same configuration.  The section's own "section:" line
 * is the caller's to
 * write.  F stays owned by the caller and is not closed or flushed.
 * Returns DC_OK; DC_EINVAL if a value cannot be formatted (a table or
 * config bug) or DC_EIO if writing fails, with a message in ERR naming the
 * key path. */
int dc_resolved_section(FILE *f, const dc_pset *set, const void *cfg,
			const dc_src *src, int indent, dc_err *err);

#endif
