/* sink.h - the metric sink: the one door through which results leave the
 * engine.  The engine and models call it; reports/ implements it (SQLite,
 * CSV, charts, Markdown) and a tee fans one stream out to several sinks.
 *
 * Call order for a run of R replications:
 *   metric* (declarations, before the first run_begin)
 *   for each replication: run_begin, sample*, run_stat*, run_end
 *   summary*
 *   close, then free.
 * Every op returns DC_OK or a negative DC_E* code; a sink that fails keeps
 * its text for dc_sink_errmsg.  Ops may be NULL (= nothing to do). */
#ifndef DC_SINK_H
#define DC_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "dc.h"

typedef enum {
	DC_RUN_COMPLETE = 0,
	DC_RUN_INTERRUPTED,  /* stopped by SIGINT: what it holds is valid up
				to t_end */
	DC_RUN_FAILED
} dc_run_status;

typedef enum {
	DC_METRIC_OBS = 0,   /* observations (a wait time per customer) */
	DC_METRIC_LEVEL      /* a piecewise-constant level (queue length,
				power): time-weighted */
} dc_metric_kind;

typedef struct dc_metric_info {
	const char *metric;  /* "queue.wait" */
	const char *entity;  /* "queue" (a component instance), "" if none */
	const char *unit;    /* display unit of every value, e.g. "s", "kW" */
	dc_metric_kind kind;
	const char *help;    /* one line */
} dc_metric_info;

typedef struct dc_run_info {
	int run;             /* replication index, 0-based */
	uint32_t seed;       /* base seed of the whole run */
	const char *scenario;/* scenario name */
	double horizon_s;    /* requested end of simulated time, s (may be
				INFINITY when the run ends by a model's own
				stop condition) */
	double t_end_s;      /* simulated time reached, s */
	uint64_t events;     /* events executed */
	dc_run_status status;
} dc_run_info;

/* One row of statistics for (metric, entity).  For a per-replication row
 * run >= 0 and reps = 1; for the summary across replications run = -1,
 * the moments and quantiles pool every observation of every replication,
 * and [ci_lo, ci_hi] is the 95 % Student-t interval of the mean across the
 * replications' means (NaN when reps < 2).  For LEVEL metrics, n counts
 * level changes, mean is the time-weighted mean, quantiles are NaN. */
typedef struct dc_stat_row {
	const char *metric, *entity, *unit;
	int run;
	int reps;
	uint64_t n;
	double mean, sd, min, p50, p90, p99, p999, max;
	double ci_lo, ci_hi;
} dc_stat_row;

typedef struct dc_sink_ops {
	const char *name;
	int (*metric)(void *ctx, const dc_metric_info *mi);
	int (*run_begin)(void *ctx, const dc_run_info *ri);
	/* One point of a time series: the value of METRIC for ENTITY over the
	 * bucket starting at t_s seconds (bucket mean of observations, or
	 * time-weighted mean of a level). */
	int (*sample)(void *ctx, int run, const char *metric,
		      const char *entity, double t_s, double value);
	int (*run_stat)(void *ctx, const dc_stat_row *row);
	int (*run_end)(void *ctx, const dc_run_info *ri);
	int (*summary)(void *ctx, const dc_stat_row *row);
	/* The distribution of an observation metric pooled over every
	 * replication (after its summary row): V[i] is its Q[i]-quantile,
	 * i < N, Q increasing from 0 (the minimum) to 1 (the maximum). */
	int (*dist)(void *ctx, const char *metric, const char *entity,
		    const char *unit, const double *q, const double *v,
		    size_t n);
	/* Flush and finish files.  After close only free may be called. */
	int (*close)(void *ctx);
	/* Release everything (without finishing files if close was not
	 * called: an aborted run leaves what it wrote for the caller to
	 * remove).  Must accept ctx == NULL. */
	void (*free)(void *ctx);
	/* Text of the last failure, or "" (never NULL). */
	const char *(*errmsg)(void *ctx);
} dc_sink_ops;

typedef struct dc_sink {
	const dc_sink_ops *ops;
	void *ctx;
} dc_sink;

#endif
