/* evq.h - the pending-event set: events ordered by (time, seq), seq a
 * monotonic counter so that events at equal times run in the order they
 * were scheduled.  Events live in a pool and are cancellable by id.
 *
 * Structure (chosen by measurement, see bench/hold.c and README): a ladder
 * queue over a slot pool, with a small 4-ary heap for the events due next.
 * A cache-aligned 4-ary heap with a slot pool was tried first and lost to a
 * plain binary heap by 10-20 % at 1e5-1e6 pending events (each pop walked
 * log N levels and missed the cache on the payload); the ladder moves each
 * event a constant number of times.  Cancellation is lazy: a cancelled
 * event stays where it is and is dropped when it is reached. */
#ifndef DC_EVQ_H
#define DC_EVQ_H

#include <stddef.h>
#include <stdint.h>

#include "dc.h"

/* What an event carries: its time, the model it is for, a model-defined
 * type, and a 64-bit payload (an index, a small integer, or a pointer the
 * model owns). */
typedef struct dc_event {
	dc_time t;
	uint32_t target;
	uint32_t type;
	uint64_t data;
} dc_event;

/* Identifies a scheduled event for cancellation; 0 is never a valid id.
 * An id goes stale once its event has run or been cancelled. */
typedef uint64_t dc_event_id;

typedef struct dc_evq dc_evq;

/* A new empty queue with room for HINT events before it grows.  NULL on
 * allocation failure. */
dc_evq *dc_evq_new(size_t hint);

/* Free the queue and every pending event; dc_evq_free(NULL) is a no-op. */
void dc_evq_free(dc_evq *q);

/* Schedule EV (copied).  *id (if ID is non-NULL) receives its id.  Returns
 * DC_OK or DC_ENOMEM (the queue is unchanged). */
int dc_evq_push(dc_evq *q, const dc_event *ev, dc_event_id *id);

/* Remove the earliest event into *ev if its time is <= UNTIL: returns 1;
 * returns 0 (queue unchanged) if the queue is empty or the earliest event
 * lies after UNTIL.  Cancelled events are skipped.  Cannot fail. */
int dc_evq_pop(dc_evq *q, dc_time until, dc_event *ev);

/* Cancel a pending event.  Returns DC_OK, or DC_ENOENT if ID is stale
 * (already run, already cancelled, or never issued). */
int dc_evq_cancel(dc_evq *q, dc_event_id id);

/* Time of the earliest pending event, or DC_TIME_MAX when empty. */
dc_time dc_evq_peek_time(dc_evq *q);

/* Number of pending (not cancelled) events.  Cannot fail. */
size_t dc_evq_size(const dc_evq *q);

/* Bytes the queue holds (heap keys plus pool). */
size_t dc_evq_bytes(const dc_evq *q);

/* For tests: make the seq counter wrap after LIMIT pushes so that the
 * renumbering path runs (LIMIT >= 2). */
void dc__evq_set_seq_limit(dc_evq *q, uint32_t limit);

#endif
