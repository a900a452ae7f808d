/* runner.h - run every replication of a resolved scenario: build the
 * components into an engine, run it, hand the metrics to the sink. */
#ifndef DC_RUNNER_H
#define DC_RUNNER_H

#include <signal.h>

#include "metrics.h"
#include "scenario.h"
#include "sink.h"

typedef struct dc_runner_opts {
	volatile sig_atomic_t *interrupt;  /* may be NULL */
	/* Progress: called between events about every progress_every
	 * events with the replication index and its engine.  May be NULL. */
	void (*progress)(void *ctx, int rep, const dc_sim *sim);
	void *progress_ctx;
	uint64_t progress_every;
} dc_runner_opts;

typedef struct dc_runner_result {
	int reps_done;       /* complete replications */
	uint64_t events;     /* events over all replications */
	dc_run_status status;
} dc_runner_result;

/* Run SC's replications in order into SINK (not adopted), then the
 * summary across the complete ones.  On interruption the replication in
 * progress is written as DC_RUN_INTERRUPTED, the summary covers the
 * complete ones, and DC_EINTR is returned.  Other failures return their
 * code with text in ERR; what was written stays for the caller to keep or
 * remove.  *res is filled in every case. */
int dc_runner_run(const dc_scenario *sc, const dc_sink *sink,
		  const dc_runner_opts *o, dc_runner_result *res, dc_err *err);

#endif
