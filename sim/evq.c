/* evq.c - 4-ary cache-aligned heap of event keys plus a slot pool. */
#include "evq.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

typedef struct key {
	dc_time t;
	uint32_t seq;
	uint32_t slot;
} key;

enum { SLOT_FREE = 0, SLOT_PENDING, SLOT_CANCELLED };

/* 24 bytes: a free slot keeps the free-list link in .target. */
typedef struct slot {
	uint64_t data;
	uint32_t target, type;
	uint32_t gen;
	uint32_t state;     /* SLOT_* */
} slot;

struct dc_evq {
	key *h;             /* h[0] is the root; h is 64-byte aligned + 3 */
	void *h_raw;
	size_t n, cap;      /* keys in the heap (incl. cancelled, pending root) */
	int root_dead;      /* h[0] was popped and awaits removal */
	slot *pool;
	uint32_t pool_cap, free_head, live;
	uint32_t seq, seq_limit;
};

#define NIL UINT32_MAX

/* Branch-free: the heap's comparisons are unpredictable by nature, and a
 * mispredicted branch costs more than evaluating both halves. */
static inline int key_less(const key *a, const key *b)
{
	return (a->t < b->t) | ((a->t == b->t) & (a->seq < b->seq));
}

/* Keys past the end compare greater than any real key, so that every
 * node can be treated as having four children. */
static const key SENTINEL = {DC_TIME_MAX, UINT32_MAX, UINT32_MAX};
#define PAD 3

static int grow_heap(dc_evq *q)
{
	size_t cap = q->cap ? q->cap * 2 : 64;
	/* 3 keys before h[0] so that h[1..4] start a cache line; PAD
	 * sentinels after the last key */
	void *raw = dc_malloc((cap + 3 + PAD) * sizeof(key) + 64);
	if (!raw)
		return DC_ENOMEM;
	uintptr_t base = ((uintptr_t)raw + 63) & ~(uintptr_t)63;
	key *h = (key *)base + 3;
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

static int grow_pool(dc_evq *q)
{
	uint32_t cap = q->pool_cap ? q->pool_cap * 2 : 64;
	if (q->pool_cap >= NIL / 2)
		return DC_ENOMEM;
	slot *p = dc_realloc(q->pool, (size_t)cap * sizeof(slot));
	if (!p)
		return DC_ENOMEM;
	for (uint32_t i = cap; i-- > q->pool_cap;) {
		p[i].state = SLOT_FREE;
		p[i].gen = 1;
		p[i].target = q->free_head;
		q->free_head = i;
	}
	q->pool = p;
	q->pool_cap = cap;
	return DC_OK;
}

dc_evq *dc_evq_new(size_t hint)
{
	dc_evq *q = dc_calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->free_head = NIL;
	q->seq_limit = UINT32_MAX;
	while (q->cap < hint || q->cap == 0)
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
	dc_free(q->h_raw);
	dc_free(q->pool);
	dc_free(q);
}

/* Move key K down from the root position I until the heap property holds. */
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
		/* the next level's four children share one cache line */
		__builtin_prefetch(&h[4 * m + 1]);
		h[i] = h[m];
		i = m;
	}
	h[i] = k;
}

/* The next pop reads the root's slot: start fetching it now, while the
 * model handles the current event. */
static inline void prefetch_root(const dc_evq *q)
{
	if (q->n)
		__builtin_prefetch(&q->pool[q->h[0].slot]);
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

/* Physically remove a popped root. */
static void settle(dc_evq *q)
{
	if (!q->root_dead)
		return;
	q->root_dead = 0;
	if (--q->n > 0)
		sift_down(q->h, q->n, 0, q->h[q->n]);
	q->h[q->n] = SENTINEL;
	prefetch_root(q);
}

static void free_slot(dc_evq *q, uint32_t s)
{
	q->pool[s].state = SLOT_FREE;
	q->pool[s].gen++;
	q->pool[s].target = q->free_head;
	q->free_head = s;
}

static int cmp_keys(const void *a, const void *b)
{
	const key *x = a, *y = b;
	return key_less(x, y) ? -1 : key_less(y, x) ? 1 : 0;
}

/* The seq counter is 32-bit: before it wraps, renumber the pending keys in
 * order.  A sorted array is a valid heap, and relative order is kept. */
static void renumber(dc_evq *q)
{
	settle(q);
	qsort(q->h, q->n, sizeof(key), cmp_keys); /* sentinels stay put */
	for (size_t i = 0; i < q->n; i++)
		q->h[i].seq = (uint32_t)i;
	q->seq = (uint32_t)q->n;
}

int dc_evq_push(dc_evq *q, const dc_event *ev, dc_event_id *id)
{
	if (q->seq >= q->seq_limit)
		renumber(q);
	if (q->free_head == NIL && grow_pool(q))
		return DC_ENOMEM;
	if (!q->root_dead && q->n == q->cap && grow_heap(q))
		return DC_ENOMEM;
	uint32_t s = q->free_head;
	slot *sl = &q->pool[s];
	q->free_head = sl->target;
	sl->target = ev->target;
	sl->type = ev->type;
	sl->data = ev->data;
	sl->state = SLOT_PENDING;
	q->live++;
	key k = {ev->t, q->seq++, s};
	if (q->root_dead) {
		q->root_dead = 0;
		sift_down(q->h, q->n, 0, k);
	} else {
		sift_up(q->h, q->n++, k);
	}
	prefetch_root(q);
	if (id)
		*id = (uint64_t)sl->gen << 32 | s;
	return DC_OK;
}

int dc_evq_pop(dc_evq *q, dc_time until, dc_event *ev)
{
	settle(q);
	while (q->n > 0) {
		const key *top = &q->h[0];
		slot *sl = &q->pool[top->slot];
		if (sl->state == SLOT_CANCELLED) {
			free_slot(q, top->slot);
			q->root_dead = 1;
			settle(q);
			continue;
		}
		if (top->t > until)
			return 0;
		ev->t = top->t;
		ev->target = sl->target;
		ev->type = sl->type;
		ev->data = sl->data;
		free_slot(q, top->slot);
		q->live--;
		q->root_dead = 1;
		return 1;
	}
	return 0;
}

int dc_evq_cancel(dc_evq *q, dc_event_id id)
{
	uint32_t s = (uint32_t)id;
	uint32_t gen = (uint32_t)(id >> 32);
	if (s >= q->pool_cap || q->pool[s].gen != gen ||
	    q->pool[s].state != SLOT_PENDING)
		return DC_ENOENT;
	q->pool[s].state = SLOT_CANCELLED;
	q->live--;
	return DC_OK;
}

dc_time dc_evq_peek_time(dc_evq *q)
{
	settle(q);
	while (q->n > 0 && q->pool[q->h[0].slot].state == SLOT_CANCELLED) {
		free_slot(q, q->h[0].slot);
		q->root_dead = 1;
		settle(q);
	}
	return q->n ? q->h[0].t : DC_TIME_MAX;
}

size_t dc_evq_size(const dc_evq *q) { return q->live; }

size_t dc_evq_bytes(const dc_evq *q)
{
	return (q->cap + 3 + PAD) * sizeof(key) + 64 + (size_t)q->pool_cap * sizeof(slot);
}

void dc__evq_set_seq_limit(dc_evq *q, uint32_t limit)
{
	q->seq_limit = limit < 2 ? 2 : limit;
}
