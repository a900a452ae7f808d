/* alloc.c - allocation seam with byte accounting and failure injection.
 * Each block carries a header holding its size, aligned for any type. */
#include "alloc.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef union hdr {
	size_t size;
	max_align_t align;
} hdr;

static size_t cur_bytes, peak_bytes;
static long fail_countdown = -1;

static int inject_failure(void)
{
	if (fail_countdown < 0)
		return 0;
	if (fail_countdown == 0) {
		fail_countdown = -1;
		return 1;
	}
	fail_countdown--;
	return 0;
}

static void account(size_t add, size_t sub)
{
	cur_bytes = cur_bytes + add - sub;
	if (cur_bytes > peak_bytes)
		peak_bytes = cur_bytes;
}

void *dc_malloc(size_t n)
{
	if (inject_failure() || n > SIZE_MAX - sizeof(hdr))
		return NULL;
	hdr *h = malloc(sizeof(hdr) + n);
	if (!h)
		return NULL;
	h->size = n;
	account(n, 0);
	return h + 1;
}

void *dc_calloc(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	void *p = dc_malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *dc_realloc(void *p, size_t n)
{
	if (!p)
		return dc_malloc(n);
	if (n == 0) {
		dc_free(p);
		return NULL;
	}
	if (inject_failure() || n > SIZE_MAX - sizeof(hdr))
		return NULL;
	hdr *h = (hdr *)p - 1;
	size_t old = h->size;
	hdr *nh = realloc(h, sizeof(hdr) + n);
	if (!nh)
		return NULL;
	nh->size = n;
	account(n, old);
	return nh + 1;
}

void dc_free(void *p)
{
	if (!p)
		return;
	hdr *h = (hdr *)p - 1;
	account(0, h->size);
	free(h);
}

char *dc_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = dc_malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

char *dc_strdup(const char *s)
{
	return dc_strndup(s, strlen(s));
}

void dc_alloc_fail_after(long n) { fail_countdown = n; }
size_t dc_alloc_current(void) { return cur_bytes; }
size_t dc_alloc_peak(void) { return peak_bytes; }
void dc_alloc_reset_peak(void) { peak_bytes = cur_bytes; }
