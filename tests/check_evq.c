/* check_evq.c - the pending-event set: order, ties, cancellation. */
#include <check.h>
#include <stdlib.h>

#include "../sim/alloc.h"
#include "../sim/evq.h"

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

START_TEST(order_across_seq_renumbering)
{
	/* the counter wraps every 5000 pushes: order must survive */
	check_order(20000, 50, 5000);
}
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

static Suite *suite(void)
{
	Suite *s = suite_create("evq");
	struct { const char *name; const TTest *t; } tc[] = {
		{"order_random", order_random},
		{"order_ties_fifo", order_ties_fifo},
		{"order_across_seq_renumbering", order_across_seq_renumbering},
		{"hold_interleaved", hold_interleaved},
		{"cancel", cancel},
		{"pop_until", pop_until},
		{"alloc_failure", alloc_failure},
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
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
