/* evq.c - the pending-event set as a ladder queue (Tang, Goh and Thng,
 * ACM TOMACS 2005) over a slot pool, with a small 4-ary heap as its bottom.
 *
 * Every event lives in a pool slot holding its key (time, seq) and payload.
 * A slot sits in exactly one place:
 *   top     an unsorted array of the events at or after top_start;
 *   rungs   rung i splits a time span into 2^k-wide buckets, each an
 *           unsorted list; rung i+1 refines one bucket of rung i;
 *   bottom  a 4-ary min-heap of 16-byte keys holding every event before
 *           the first unconsumed bucket of the innermost rung.
 * So bottom < innermost rung < ... < rung 0 < top, and the earliest event
 * is always the root of the bottom heap.  When the bottom runs dry the next
 * non-empty bucket is moved into it (or, when it holds more than SPLIT
 * events spread over time, refined into a new rung); when every rung is
 * consumed, the top becomes a new rung 0.  Each event is moved a small
 * constant number of times, so push and pop cost O(1) on average and touch
 * few cache lines, where a heap walks log N levels.  Ties in time are
 * broken by seq inside the bottom heap, so equal-time events run in the
 * order they were scheduled.
 *
 * Measured against a binary heap with bench/hold.c (README, "Benchmarks").
 */
#include "evq.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define NIL UINT32_MAX
#define MAX_RUNGS 8
#define SPLIT 64        /* a bucket larger than this is refined */

enum { SLOT_FREE = 0, SLOT_PENDING, SLOT_CANCELLED };

/* A slot is split hot and cold: the 16-byte key that ordering touches
 * (moved through top, rungs and bottom) and the 16-byte payload read once
 * when the event runs.  At 1e6 pending events the keys then fit in a
 * typical L3 cache.  .next links the slot into its bucket or the free
 * list. */
typedef struct slot {
	dc_time t;
	uint32_t seq;
	uint32_t next;
} slot;

typedef struct payload {
	uint64_t data;
	uint32_t target, type;
} payload;

typedef struct key {
	dc_time t;
	uint32_t seq;
	uint32_t slot;
} key;

typedef struct rung {
	dc_time start;      /* time of bucket 0 */
	unsigned shift;     /* bucket width 2^shift ns */
	uint32_t nb, cur;   /* buckets; first unconsumed one */
	uint32_t *head;     /* list head per bucket */
	uint32_t head_cap;
} rung;

struct dc_evq {
	slot *pool;
	payload *pay;
	uint32_t *state;    /* per slot: generation << 2 | SLOT_* */
	uint32_t pool_cap, free_head, live;
	key *h;             /* bottom heap, h[0] the root, 64-byte aligned + 3 */
	void *h_raw;
	size_t n, cap;
	rung rung[MAX_RUNGS];
	int nr;
	uint32_t *top, top_n, top_cap; /* slots at or after top_start */
	dc_time top_min, top_max, top_start;
	int top_open;       /* 1: no top_start bound (no epoch yet, or the last
			       rung 0 reached the end of time) */
	uint32_t seq, seq_limit;
};

/* ---- slot pool ---- */

static int grow_pool(dc_evq *q)
{
	if (q->pool_cap >= (NIL >> 1))
		return DC_ENOMEM;
	uint32_t cap = q->pool_cap ? q->pool_cap * 2 : 64;
	slot *p = dc_realloc(q->pool, (size_t)cap * sizeof *p);
	if (!p)
		return DC_ENOMEM;
	q->pool = p;
	payload *pl = dc_realloc(q->pay, (size_t)cap * sizeof *pl);
	if (!pl)
		return DC_ENOMEM;
	q->pay = pl;
	uint32_t *st = dc_realloc(q->state, (size_t)cap * sizeof *st);
	if (!st)
		return DC_ENOMEM;
	q->state = st;
	for (uint32_t i = cap; i-- > q->pool_cap;) {
		st[i] = 1u << 2 | SLOT_FREE;
		p[i].next = q->free_head;
		q->free_head = i;
	}
	q->pool_cap = cap;
	return DC_OK;
}

static void free_slot(dc_evq *q, uint32_t s)
{
	q->state[s] = (q->state[s] & ~3u) + (1u << 2); /* next generation */
	q->pool[s].next = q->free_head;
	q->free_head = s;
}

static inline int slot_state(const dc_evq *q, uint32_t s)
{
	return (int)(q->state[s] & 3u);
}

/* ---- bottom heap ---- */

static inline int key_less(const key *a, const key *b)
{
	return (a->t < b->t) | ((a->t == b->t) & (a->seq < b->seq));
}

static const key SENTINEL = {DC_TIME_MAX, UINT32_MAX, UINT32_MAX};
#define PAD 3   /* sentinels after the last key: every node has 4 children */

static int grow_heap(dc_evq *q)
{
	size_t cap = q->cap ? q->cap * 2 : 64;
	void *raw = dc_malloc((cap + 3 + PAD) * sizeof(key) + 64);
	if (!raw)
		return DC_ENOMEM;
	/* 3 keys before h[0] so that each group of four children h[4i+1..4i+4]
	 * fills one 64-byte line */
	key *h = (key *)(((uintptr_t)raw + 63) & ~(uintptr_t)63) + 3;
	if (q->n)
		memcpy(h, q->h, q->n * sizeof(key));
	for (size_t i = q->n; i < cap + PAD; i++)
		h[i] = SENTINEL;
	dc_free(q->h_raw);
	q->h_raw = raw;
	q->h = h;
	q->cap = cap;
	return DC_OK;
}

static void sift_down(key *h, size_t n, size_t i, key k)
{
	for (;;) {
		size_t c = 4 * i + 1;
		if (c >= n)
			break;
		size_t a = c + (size_t)key_less(&h[c + 1], &h[c]);
		size_t b = c + 2 + (size_t)key_less(&h[c + 3], &h[c + 2]);
		size_t m = key_less(&h[b], &h[a]) ? b : a;
		if (!key_less(&h[m], &k))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = k;
}

static void sift_up(key *h, size_t i, key k)
{
	while (i > 0) {
		size_t p = (i - 1) / 4;
		if (!key_less(&k, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = k;
}

static int heap_push(dc_evq *q, uint32_t s)
{
	if (q->n == q->cap && grow_heap(q))
		return DC_ENOMEM;
	key k = {q->pool[s].t, q->pool[s].seq, s};
	sift_up(q->h, q->n++, k);
	return DC_OK;
}

static void heap_remove_root(dc_evq *q)
{
	if (--q->n > 0)
		sift_down(q->h, q->n, 0, q->h[q->n]);
	q->h[q->n] = SENTINEL;
}

/* ---- routing ---- */

static int top_add(dc_evq *q, uint32_t s)
{
	dc_time t = q->pool[s].t;
	if (q->top_n == q->top_cap) {
		uint32_t cap = q->top_cap ? 2 * q->top_cap : 256;
		uint32_t *v = dc_realloc(q->top, (size_t)cap * sizeof *v);
		if (!v)
			return DC_ENOMEM;
		q->top = v;
		q->top_cap = cap;
	}
	q->top[q->top_n++] = s;
	if (t < q->top_min)
		q->top_min = t;
	if (t > q->top_max)
		q->top_max = t;
	return DC_OK;
}

/* Put slot S where its time belongs.  DC_ENOMEM if the top array or the
 * bottom heap cannot grow. */
static int route(dc_evq *q, uint32_t s)
{
	dc_time t = q->pool[s].t;
	if (q->top_open ? q->nr == 0 && q->n == 0 : t >= q->top_start)
		return top_add(q, s);
	for (int i = 0; i < q->nr; i++) {
		rung *r = &q->rung[i];
		if (t < r->start)
			continue;
		uint64_t b = (uint64_t)(t - r->start) >> r->shift;
		if (b >= r->cur) {
			q->pool[s].next = r->head[b];
			r->head[b] = s;
			return DC_OK;
		}
	}
	return heap_push(q, s);
}

/* ---- refilling the bottom ---- */

static int rung_init(rung *r, dc_time start, unsigned shift, uint32_t nb)
{
	if (nb > r->head_cap) {
		uint32_t *h = dc_realloc(r->head, (size_t)nb * sizeof *h);
		if (!h)
			return DC_ENOMEM;
		r->head = h;
		r->head_cap = nb;
	}
	memset(r->head, 0xff, (size_t)nb * sizeof *r->head);
	r->start = start;
	r->shift = shift;
	r->nb = nb;
	r->cur = 0;
	return DC_OK;
}

/* Link slot S into its bucket of rung R, or free it if cancelled. */
static inline void bucket_add(dc_evq *q, rung *r, uint32_t s)
{
	if (slot_state(q, s) == SLOT_CANCELLED) {
		free_slot(q, s);
		return;
	}
	uint64_t b = (uint64_t)(q->pool[s].t - r->start) >> r->shift;
	q->pool[s].next = r->head[b];
	r->head[b] = s;
}

/* Move the list at HEAD into rung R. */
static void scatter_list(dc_evq *q, rung *r, uint32_t head)
{
	while (head != NIL) {
		uint32_t s = head;
		head = q->pool[s].next;
		bucket_add(q, r, s);
	}
}

/* Move the top array into rung R, loading slots a few ahead (the array
 * is sequential; the slots it names are not). */
static void scatter_top(dc_evq *q, rung *r)
{
	enum { AHEAD = 8 };
	for (uint32_t i = 0; i < q->top_n; i++) {
		if (i + AHEAD < q->top_n)
			__builtin_prefetch(&q->pool[q->top[i + AHEAD]]);
		bucket_add(q, r, q->top[i]);
	}
}

/* Turn the top list into rung 0, about one bucket per event. */
static int epoch(dc_evq *q)
{
	uint64_t range = (uint64_t)(q->top_max - q->top_min);
	unsigned shift = 0;
	while ((range >> shift) >= q->top_n)
		shift++;
	uint32_t nb = (uint32_t)(range >> shift) + 1;
	rung *r = &q->rung[0];
	if (rung_init(r, q->top_min, shift, nb))
		return DC_ENOMEM;
	/* the new bound, unless it lies past the end of time */
	uint64_t span = (uint64_t)nb << shift;
	q->top_open = span > (uint64_t)(DC_TIME_MAX - q->top_min);
	if (!q->top_open)
		q->top_start = q->top_min + (dc_time)span;
	q->nr = 1;
	scatter_top(q, r);
	q->top_n = 0;
	q->top_min = DC_TIME_MAX;
	q->top_max = INT64_MIN;
	return DC_OK;
}

/* Count the list at HEAD; *same says whether all its times are equal. */
static uint32_t list_count(const dc_evq *q, uint32_t head, int *same)
{
	uint32_t n = 0;
	*same = 1;
	dc_time t0 = head != NIL ? q->pool[head].t : 0;
	for (uint32_t s = head; s != NIL; s = q->pool[s].next) {
		n++;
		*same &= q->pool[s].t == t0;
	}
	return n;
}

static int to_bottom(dc_evq *q, uint32_t head)
{
	while (head != NIL) {
		uint32_t s = head;
		head = q->pool[s].next;
		if (slot_state(q, s) == SLOT_CANCELLED) {
			free_slot(q, s);
			continue;
		}
		if (heap_push(q, s))
			return DC_ENOMEM;
		__builtin_prefetch(&q->pay[s]); /* read when it runs */
	}
	return DC_OK;
}

/* Refine bucket list HEAD of width 2^SHIFT starting at START into a new
 * innermost rung of about N buckets. */
static int spawn(dc_evq *q, uint32_t head, uint32_t n, dc_time start,
		 unsigned shift)
{
	unsigned lg = 0;
	while ((2u << lg) <= n && lg < shift)
		lg++;
	rung *r = &q->rung[q->nr];
	if (rung_init(r, start, shift - lg, 1u << lg))
		return DC_ENOMEM;
	q->nr++;
	scatter_list(q, r, head);
	return DC_OK;
}

/* The bottom is empty: fill it from the next non-empty bucket.  Returns 1
 * if it now holds events, 0 if the queue is empty, DC_ENOMEM. */
static int refill(dc_evq *q)
{
	while (q->n == 0) {
		if (q->nr == 0) {
			if (q->top_n == 0)
				return 0;
			if (epoch(q))
				return DC_ENOMEM;
			continue;
		}
		rung *r = &q->rung[q->nr - 1];
		while (r->cur < r->nb && r->head[r->cur] == NIL)
			r->cur++;
		if (r->cur == r->nb) {
			q->nr--;
			continue;
		}
		uint32_t b = r->cur++;
		uint32_t head = r->head[b];
		r->head[b] = NIL;
		/* the next bucket is likely the next one moved: start loading
		 * its first event while this one runs */
		if (r->cur < r->nb && r->head[r->cur] != NIL)
			__builtin_prefetch(&q->pool[r->head[r->cur]]);
		int same;
		uint32_t n = list_count(q, head, &same);
		int rc;
		if (n > SPLIT && !same && r->shift > 0 && q->nr < MAX_RUNGS)
			rc = spawn(q, head, n, r->start + ((dc_time)b << r->shift),
				   r->shift);
		else
			rc = to_bottom(q, head);
		if (rc)
			return rc;
	}
	return 1;
}

/* ---- the API ---- */

dc_evq *dc_evq_new(size_t hint)
{
	dc_evq *q = dc_calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->free_head = NIL;
	q->top_open = 1;
	q->top_min = DC_TIME_MAX;
	q->top_max = INT64_MIN;
	q->seq_limit = UINT32_MAX;
	if (grow_heap(q))
		goto out_free;
	while (q->pool_cap < hint || q->pool_cap == 0)
		if (grow_pool(q))
			goto out_free;
	return q;
out_free:
	dc_evq_free(q);
	return NULL;
}

void dc_evq_free(dc_evq *q)
{
	if (!q)
		return;
	for (int i = 0; i < MAX_RUNGS; i++)
		dc_free(q->rung[i].head);
	dc_free(q->top);
	dc_free(q->h_raw);
	dc_free(q->pool);
	dc_free(q->pay);
	dc_free(q->state);
	dc_free(q);
}


/* Slots in use, for renumbering. */
static const slot *sort_pool;
static int cmp_slot_idx(const void *a, const void *b)
{
	const slot *x = &sort_pool[*(const uint32_t *)a];
	const slot *y = &sort_pool[*(const uint32_t *)b];
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The seq counter is 32-bit: before it wraps, renumber every pending
 * event in (time, seq) order.  Relative order is kept, so the heap stays
 * valid once its copies of seq are updated. */
static int renumber(dc_evq *q)
{
	uint32_t *idx = dc_malloc((size_t)q->pool_cap * sizeof *idx);
	if (!idx)
		return DC_ENOMEM;
	uint32_t n = 0;
	for (uint32_t s = 0; s < q->pool_cap; s++)
		if (slot_state(q, s) != SLOT_FREE)
			idx[n++] = s;
	sort_pool = q->pool;
	qsort(idx, n, sizeof *idx, cmp_slot_idx);
	for (uint32_t i = 0; i < n; i++)
		q->pool[idx[i]].seq = i;
	for (size_t i = 0; i < q->n; i++)
		q->h[i].seq = q->pool[q->h[i].slot].seq;
	q->seq = n;
	dc_free(idx);
	return DC_OK;
}

int dc_evq_push(dc_evq *q, const dc_event *ev, dc_event_id *id)
{
	if (q->seq >= q->seq_limit && renumber(q))
		return DC_ENOMEM;
	if (q->free_head == NIL && grow_pool(q))
		return DC_ENOMEM;
	uint32_t s = q->free_head;
	slot *sl = &q->pool[s];
	q->free_head = sl->next;
	*sl = (slot){ev->t, q->seq, NIL};
	q->pay[s] = (payload){ev->data, ev->target, ev->type};
	if (route(q, s)) {
		sl->next = q->free_head;
		q->free_head = s;
		return DC_ENOMEM;
	}
	q->seq++;
	q->state[s] = (q->state[s] & ~3u) | SLOT_PENDING;
	q->live++;
	if (id)
		*id = (uint64_t)(q->state[s] >> 2) << 32 | s;
	return DC_OK;
}

/* Make the root of the bottom heap the earliest pending event.  Returns 1,
 * or 0 when the queue is empty (or memory ran out refilling it: the events
 * stay queued and the caller sees an empty queue only then). */
static int settle(dc_evq *q)
{
	for (;;) {
		if (q->n == 0 && refill(q) != 1)
			return 0;
		uint32_t s = q->h[0].slot;
		if (slot_state(q, s) != SLOT_CANCELLED)
			return 1;
		heap_remove_root(q);
		free_slot(q, s);
	}
}

int dc_evq_pop(dc_evq *q, dc_time until, dc_event *ev)
{
	if (!settle(q) || q->h[0].t > until)
		return 0;
	uint32_t s = q->h[0].slot;
	const payload *pl = &q->pay[s];
	ev->t = q->h[0].t;
	ev->target = pl->target;
	ev->type = pl->type;
	ev->data = pl->data;
	heap_remove_root(q);
	free_slot(q, s);
	q->live--;
	return 1;
}

int dc_evq_cancel(dc_evq *q, dc_event_id id)
{
	uint32_t s = (uint32_t)id;
	uint32_t gen = (uint32_t)(id >> 32);
	if (s >= q->pool_cap || (q->state[s] >> 2) != gen ||
	    slot_state(q, s) != SLOT_PENDING)
		return DC_ENOENT;
	q->state[s] = (q->state[s] & ~3u) | SLOT_CANCELLED;
	q->live--;
	return DC_OK;
}

dc_time dc_evq_peek_time(dc_evq *q)
{
	return settle(q) ? q->h[0].t : DC_TIME_MAX;
}

size_t dc_evq_size(const dc_evq *q) { return q->live; }

size_t dc_evq_bytes(const dc_evq *q)
{
	size_t b = (q->cap + 3 + PAD) * sizeof(key) + 64 +
		   (size_t)q->pool_cap *
			   (sizeof(slot) + sizeof(payload) + sizeof(uint32_t));
	for (int i = 0; i < MAX_RUNGS; i++)
		b += (size_t)q->rung[i].head_cap * sizeof(uint32_t);
	return b + (size_t)q->top_cap * sizeof(uint32_t);
}

void dc__evq_set_seq_limit(dc_evq *q, uint32_t limit)
{
	q->seq_limit = limit < 2 ? 2 : limit;
}
