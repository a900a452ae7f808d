/* alloc.h - the one allocation seam of dcsim.  Every heap allocation goes
 * through these so that tests can fail the Nth allocation and benchmarks can
 * report peak bytes. */
#ifndef DC_ALLOC_H
#define DC_ALLOC_H

#include <stddef.h>

/* Like malloc/calloc/realloc/free/strdup.  They return NULL on failure (or
 * on the injected failure, see dc_alloc_fail_after); dc_free(NULL) is a
 * no-op.  dc_realloc(p, 0) frees p and returns NULL. */
void *dc_malloc(size_t n);
void *dc_calloc(size_t count, size_t size);
void *dc_realloc(void *p, size_t n);
void dc_free(void *p);
char *dc_strdup(const char *s);
char *dc_strndup(const char *s, size_t n);

/* Make the allocation after the next n succeed-count fail (n = 0: the next
 * one fails); n < 0 turns injection off (the default).  For tests only. */
void dc_alloc_fail_after(long n);

/* Bytes currently allocated and the high-water mark since start or the last
 * dc_alloc_reset_peak.  Cannot fail. */
size_t dc_alloc_current(void);
size_t dc_alloc_peak(void);
void dc_alloc_reset_peak(void);

#endif
