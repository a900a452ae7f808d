/* sim.h - the discrete-event engine of one replication: simulated time, the
 * event loop, the models plugged in through an ops table, their random
 * streams and their metrics.  The engine knows no model and does no I/O;
 * progress and interruption reach it through a callback and a flag. */
#ifndef DC_SIM_H
#define DC_SIM_H

#include <signal.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "dc.h"
#include "err.h"
#include "evq.h"

typedef struct dc_sim dc_sim;
typedef struct dc_metrics dc_metrics;

/* How a model plugs into the engine (as ROSS's tw_lptype).  SELF is the
 * model's own state, owned by whoever created it. */
typedef struct dc_model_ops {
	const char *name;
	/* Declare metrics, schedule the first events.  DC_OK or DC_E* with a
	 * message in ERR. */
	int (*init)(void *self, dc_sim *sim, dc_err *err);
	/* Handle one event addressed to this model.  A non-zero return stops
	 * the run as failed; the model appends its reason to
	 * dc_sim_err(sim). */
	int (*handle)(void *self, dc_sim *sim, const dc_event *ev);
	/* Called once when the run ends (normally or interrupted), at the
	 * final simulated time: close open intervals, report levels.  May be
	 * NULL. */
	int (*finish)(void *self, dc_sim *sim, dc_err *err);
} dc_model_ops;

/* The run's fixed settings. */
typedef struct dc_sim_cfg {
	uint32_t seed;        /* base seed */
	uint32_t rep;         /* replication index */
	const gsl_rng_type *rng_type; /* NULL: xoshiro256** */
	dc_time until;        /* stop before events after this time */
	dc_time warmup;       /* observations before this time are not
				 counted in statistics (series keep them) */
	dc_metrics *metrics;  /* where metrics go (see metrics.h); may be
				 NULL for a bare engine (benchmarks) */
	volatile sig_atomic_t *interrupt; /* stop when *interrupt != 0; may
					     be NULL */
	/* Called about every progress_every events, with the engine between
	 * events; may be NULL. */
	void (*progress)(void *ctx, const dc_sim *sim);
	void *progress_ctx;
	uint64_t progress_every;
} dc_sim_cfg;

/* A new engine for one replication (CFG copied).  NULL on allocation
 * failure. */
dc_sim *dc_sim_new(const dc_sim_cfg *cfg);

/* Free the engine, its queue and its random streams (not the models). */
void dc_sim_free(dc_sim *sim);

/* Plug in a model.  *id receives its index, the target of its events.
 * SELF is not copied and must outlive the engine.  DC_OK / DC_ENOMEM. */
int dc_sim_add(dc_sim *sim, const dc_model_ops *ops, void *self, uint32_t *id);

/* Run the replication: init every model in the order added, then execute
 * events in (time, seq) order until the queue is empty, the next event lies
 * after cfg.until, a model calls dc_sim_stop, or *cfg.interrupt is set;
 * then finish every model.  Returns DC_OK, DC_EINTR (interrupted: state is
 * consistent at dc_sim_now), or the failing model's code with text in
 * dc_sim_err. */
int dc_sim_run(dc_sim *sim);

/* Schedule an event of TYPE with DATA for model TARGET at absolute time AT
 * (>= now; an earlier time is clamped to now).  *id may be NULL.  Returns
 * DC_OK or DC_ENOMEM. */
int dc_sim_at(dc_sim *sim, dc_time at, uint32_t target, uint32_t type,
	      uint64_t data, dc_event_id *id);

/* The same, DELAY (>= 0) after now. */
static inline int dc_sim_after(dc_sim *sim, dc_time delay, uint32_t target,
			       uint32_t type, uint64_t data, dc_event_id *id);

/* Cancel a pending event: DC_OK or DC_ENOENT (stale id). */
int dc_sim_cancel(dc_sim *sim, dc_event_id id);

/* Ask the loop to stop after the current event (a model's own end
 * condition, e.g. N customers served). */
void dc_sim_stop(dc_sim *sim);

/* Current simulated time. */
dc_time dc_sim_now(const dc_sim *sim);

/* Index of the model whose init, handle or finish op is running. */
uint32_t dc_sim_current(const dc_sim *sim);

/* Events executed so far. */
uint64_t dc_sim_events(const dc_sim *sim);

/* Pending events. */
size_t dc_sim_pending(const dc_sim *sim);

const dc_sim_cfg *dc_sim_config(const dc_sim *sim);

/* Random stream STREAM of this replication, created on first use, seeded
 * by dc_rng_seed(cfg.seed, cfg.rep, stream).  NULL only on allocation
 * failure.  Owned by the engine. */
gsl_rng *dc_sim_rng(dc_sim *sim, uint32_t stream);

/* The engine's error collector (models append their failure text). */
dc_err *dc_sim_err(dc_sim *sim);

/* The metrics collector given in cfg (may be NULL). */
dc_metrics *dc_sim_metrics(dc_sim *sim);

/* ---- inline ---- */
static inline int dc_sim_after(dc_sim *sim, dc_time delay, uint32_t target,
			       uint32_t type, uint64_t data, dc_event_id *id)
{
	return dc_sim_at(sim, dc_sim_now(sim) + delay, target, type, data, id);
}

#endif
