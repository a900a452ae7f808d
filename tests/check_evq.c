/* check_evq.c - the pending-event set: order, ties, cancellation. */
#include <check.h>
#include <stdlib.h>

#include "../sim/alloc.h"
#include "../sim/evq.h"
#include "util/run.h"

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

typedef struct ref {
	dc_time t;
	uint64_t order; /* scheduling order */
} ref;

static int ref_cmp(const void *a, const void *b)
{
	const ref *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Push N random times (many ties), pop all: the order must be the sort by
 * (time, scheduling order). */
static void check_order(size_t n, dc_time span, uint32_t seq_limit)
{
	dc_evq *q = dc_evq_new(4);
	ck_assert_ptr_nonnull(q);
	if (seq_limit)
		dc__evq_set_seq_limit(q, seq_limit);
	ref *r = malloc(n * sizeof *r);
	uint64_t s = 12345;
	for (size_t i = 0; i < n; i++) {
		r[i].t = (dc_time)(lcg(&s) % (uint64_t)span);
		r[i].order = i;
		dc_event ev = {r[i].t, 0, 0, i};
		ck_assert_int_eq(dc_evq_push(q, &ev, NULL), DC_OK);
	}
	ck_assert_uint_eq(dc_evq_size(q), n);
	qsort(r, n, sizeof *r, ref_cmp);
	dc_event ev;
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(dc_evq_pop(q, DC_TIME_MAX, &ev), 1);
		ck_assert_msg(ev.t == r[i].t && ev.data == r[i].order,
			      "pop %zu: got (%lld, %llu) want (%lld, %llu)", i,
			      (long long)ev.t, (unsigned long long)ev.data,
			      (long long)r[i].t, (unsigned long long)r[i].order);
	}
	ck_assert_int_eq(dc_evq_pop(q, DC_TIME_MAX, &ev), 0);
	free(r);
	dc_evq_free(q);
}

START_TEST(order_random) { check_order(100000, 1000000000, 0); }
END_TEST

START_TEST(order_ties_fifo) { check_order(20000, 7, 0); }
END_TEST

START_TEST(hold_interleaved)
{
	/* pop one, push one later: times seen never decrease, ties FIFO */
	dc_evq *q = dc_evq_new(0);
	uint64_t s = 7, order = 0;
	for (int i = 0; i < 1000; i++) {
		dc_event ev = {(dc_time)(lcg(&s) % 100), 0, 0, order++};
		dc_evq_push(q, &ev, NULL);
	}
	dc_time last = -1;
	uint64_t last_data = 0;
	for (int i = 0; i < 200000; i++) {
		dc_event ev;
		ck_assert_int_eq(dc_evq_pop(q, DC_TIME_MAX, &ev), 1);
		ck_assert_msg(ev.t > last || (ev.t == last && ev.data > last_data),
			      "step %d: (%lld,%llu) after (%lld,%llu)", i,
			      (long long)ev.t, (unsigned long long)ev.data,
			      (long long)last, (unsigned long long)last_data);
		last = ev.t;
		last_data = ev.data;
		dc_event nx = {ev.t + (dc_time)(lcg(&s) % 3), 0, 0, order++};
		ck_assert_int_eq(dc_evq_push(q, &nx, NULL), DC_OK);
	}
	ck_assert_uint_eq(dc_evq_size(q), 1000);
	dc_evq_free(q);
}
END_TEST

START_TEST(cancel)
{
	dc_evq *q = dc_evq_new(0);
	dc_event_id id[10];
	for (int i = 0; i < 10; i++) {
		dc_event ev = {i * 10, 1, 2, (uint64_t)i};
		dc_evq_push(q, &ev, &id[i]);
		ck_assert_uint_ne(id[i], 0);
	}
	ck_assert_int_eq(dc_evq_cancel(q, id[0]), DC_OK);
	ck_assert_int_eq(dc_evq_cancel(q, id[5]), DC_OK);
	ck_assert_int_eq(dc_evq_cancel(q, id[5]), DC_ENOENT);
	ck_assert_int_eq(dc_evq_cancel(q, 0), DC_ENOENT);
	ck_assert_uint_eq(dc_evq_size(q), 8);
	ck_assert_int_eq(dc_evq_peek_time(q), 10);
	dc_event ev;
	int seen = 0;
	while (dc_evq_pop(q, DC_TIME_MAX, &ev)) {
		ck_assert_msg(ev.data != 0 && ev.data != 5, "cancelled %llu ran",
			      (unsigned long long)ev.data);
		ck_assert_int_eq(ev.target, 1);
		ck_assert_int_eq(ev.type, 2);
		seen++;
	}
	ck_assert_int_eq(seen, 8);
	/* an id of an event that ran is stale, even after its slot is reused */
	ck_assert_int_eq(dc_evq_cancel(q, id[3]), DC_ENOENT);
	dc_event e2 = {5, 0, 0, 99};
	dc_event_id nid;
	dc_evq_push(q, &e2, &nid);
	ck_assert_int_eq(dc_evq_cancel(q, id[3]), DC_ENOENT);
	ck_assert_int_eq(dc_evq_cancel(q, nid), DC_OK);
	ck_assert_int_eq(dc_evq_pop(q, DC_TIME_MAX, &ev), 0);
	ck_assert_int_eq(dc_evq_peek_time(q), DC_TIME_MAX);
	dc_evq_free(q);
}
END_TEST

START_TEST(pop_until)
{
	dc_evq *q = dc_evq_new(0);
	for (int i = 1; i <= 5; i++) {
		dc_event ev = {i * 100, 0, 0, (uint64_t)i};
		dc_evq_push(q, &ev, NULL);
	}
	dc_event ev;
	ck_assert_int_eq(dc_evq_pop(q, 250, &ev), 1);
	ck_assert_int_eq(dc_evq_pop(q, 250, &ev), 1);
	ck_assert_int_eq(ev.t, 200);
	ck_assert_int_eq(dc_evq_pop(q, 250, &ev), 0);
	ck_assert_uint_eq(dc_evq_size(q), 3);
	ck_assert_int_eq(dc_evq_peek_time(q), 300);
	dc_evq_free(q);
}
END_TEST

START_TEST(alloc_failure)
{
	dc_evq *q = dc_evq_new(0);
	size_t pushed = 0;
	int failed = 0;
	for (int i = 0; i < 5000 && !failed; i++) {
		if (i == 1000)
			dc_alloc_fail_after(0);
		dc_event ev = {i, 0, 0, (uint64_t)i};
		int rc = dc_evq_push(q, &ev, NULL);
		if (rc) {
			ck_assert_int_eq(rc, DC_ENOMEM);
			failed = 1;
		} else {
			pushed++;
		}
	}
	dc_alloc_fail_after(-1);
	ck_assert_msg(failed, "no growth happened between 1000 and 5000 events");
	ck_assert_uint_eq(dc_evq_size(q), pushed);
	dc_event ev;
	for (size_t i = 0; i < pushed; i++) {
		ck_assert_int_eq(dc_evq_pop(q, DC_TIME_MAX, &ev), 1);
		ck_assert_uint_eq(ev.data, i);
	}
	dc_evq_free(q);
	ck_assert_uint_eq(dc_alloc_current(), 0);
}
END_TEST


/* ---- differential test against a reference binary heap ---- */
typedef struct rkey {
	dc_time t;
	uint64_t order;
} rkey;

static int rless(const rkey *a, const rkey *b)
{
	return a->t < b->t || (a->t == b->t && a->order < b->order);
}

static void rpush(rkey *h, size_t *n, rkey k)
{
	size_t i = (*n)++;
	while (i > 0 && rless(&k, &h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = k;
}

static rkey rpop(rkey *h, size_t *n)
{
	rkey top = h[0], last = h[--*n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && rless(&h[c + 1], &h[c]))
			c++;
		if (!rless(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = last;
	return top;
}

/* A delay drawn from a mixture of time scales: zero (same instant),
 * nanoseconds, seconds, days, and "never" (near the end of time). */
static dc_time mixed_delay(uint64_t *s, dc_time now)
{
	uint64_t u = lcg(s);
	switch (u % 8) {
	case 0: return 0;
	case 1: return (dc_time)(lcg(s) % 5);
	case 2: return (dc_time)(lcg(s) % 1000);
	case 3:
	case 4: return (dc_time)(lcg(s) % 2000000000ULL);
	case 5: return (dc_time)(lcg(s) % 1000) * DC_DAY;
	case 6: return DC_TIME_MAX - now; /* clamped below */
	default: return (dc_time)(lcg(s) % 100) * DC_SEC;
	}
}

/* Random pushes (mixed scales), pops and cancellations, every pop checked
 * against the reference.  SEQ_LIMIT > 0 makes the seq counter wrap. */
static void differential(uint32_t seq_limit)
{
	enum { OPS = 300000 };
	dc_evq *q = dc_evq_new(0);
	if (seq_limit)
		dc__evq_set_seq_limit(q, seq_limit);
	rkey *rh = malloc(OPS * sizeof *rh);
	dc_event_id *ids = malloc(OPS * sizeof *ids);
	unsigned char *dead = calloc(OPS, 1);
	size_t rn = 0;
	uint64_t s = 99, order = 0, pops = 0, cancels = 0;
	dc_time now = 0;
	for (int op = 0; op < OPS; op++) {
		uint64_t u = lcg(&s) % 100;
		if (u < 55 || rn == 0) {
			dc_time d = mixed_delay(&s, now);
			/* near the end of time: the last three instants */
			dc_time t = d > DC_TIME_MAX - 3 - now
					    ? DC_TIME_MAX - (dc_time)(lcg(&s) % 3)
					    : now + d;
			dc_event ev = {t, 0, 0, order};
			ck_assert_int_eq(dc_evq_push(q, &ev, &ids[order]), DC_OK);
			rpush(rh, &rn, (rkey){t, order});
			order++;
		} else if (u < 60) {
			uint64_t victim = lcg(&s) % order;
			int rc = dc_evq_cancel(q, ids[victim]);
			/* pending and not yet cancelled iff the reference agrees */
			if (rc == DC_OK) {
				ck_assert_msg(!dead[victim], "cancelled %llu twice",
					      (unsigned long long)victim);
				dead[victim] = 1;
				cancels++;
			}
		} else {
			dc_event ev;
			rkey k;
			do
				k = rpop(rh, &rn);
			while (dead[k.order] && rn > 0);
			int got = dc_evq_pop(q, DC_TIME_MAX, &ev);
			if (dead[k.order]) {
				ck_assert_int_eq(got, 0);
				continue;
			}
			ck_assert_int_eq(got, 1);
			ck_assert_msg(ev.t == k.t && ev.data == k.order,
				      "op %d: got (%lld, %llu) want (%lld, %llu)",
				      op, (long long)ev.t,
				      (unsigned long long)ev.data, (long long)k.t,
				      (unsigned long long)k.order);
			dead[k.order] = 2; /* ran: its id is stale now */
			ck_assert_int_eq(dc_evq_cancel(q, ids[k.order]), DC_ENOENT);
			now = ev.t;
			pops++;
		}
	}
	ck_assert_msg(pops > 100000 && cancels > 1000, "pops %llu cancels %llu",
		      (unsigned long long)pops, (unsigned long long)cancels);
	free(rh);
	free(ids);
	free(dead);
	dc_evq_free(q);
}

START_TEST(differential_mixed_scales) { differential(0); }
END_TEST

START_TEST(differential_seq_renumbering)
{
	/* fewer than 50000 events are ever pending: the counter wraps
	 * three times during the 165000 pushes */
	differential(50000);
}
END_TEST

START_TEST(many_equal_times)
{
	/* 200k events at one instant, then 200k at another, pushed
	 * interleaved: FIFO within each instant */
	dc_evq *q = dc_evq_new(0);
	for (uint64_t i = 0; i < 400000; i++) {
		dc_event ev = {(i & 1) ? 5 * DC_SEC : 3 * DC_SEC, 0, 0, i};
		ck_assert_int_eq(dc_evq_push(q, &ev, NULL), DC_OK);
	}
	dc_event ev;
	for (uint64_t i = 0; i < 400000; i++) {
		uint64_t want = i < 200000 ? 2 * i : 2 * (i - 200000) + 1;
		ck_assert_int_eq(dc_evq_pop(q, DC_TIME_MAX, &ev), 1);
		if (ev.data != want)
			ck_abort_msg("pop %llu: got %llu want %llu",
				     (unsigned long long)i,
				     (unsigned long long)ev.data,
				     (unsigned long long)want);
	}
	dc_evq_free(q);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("evq");
	struct { const char *name; const TTest *t; } tc[] = {
		{"order_random", order_random},
		{"order_ties_fifo", order_ties_fifo},
		{"hold_interleaved", hold_interleaved},
		{"cancel", cancel},
		{"pop_until", pop_until},
		{"alloc_failure", alloc_failure},
		{"differential_mixed_scales", differential_mixed_scales},
		{"differential_seq_renumbering", differential_seq_renumbering},
		{"many_equal_times", many_equal_times},
	};
	for (size_t i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		TCase *c = tcase_create(tc[i].name);
		tcase_set_timeout(c, 60);
		tcase_add_test(c, tc[i].t);
		suite_add_tcase(s, c);
	}
	return s;
}

int main(void)
{
	return dc_test_main(suite());
}
