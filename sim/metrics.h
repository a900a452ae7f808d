/* metrics.h - the engine's metric collector.  Models declare metrics and
 * feed observations and levels in SI units; the collector keeps streaming
 * statistics and a time-bucketed series per replication, pools them across
 * replications, and hands everything to a dc_sink at the end of each
 * replication (so a replication is one unit: one transaction, no partial
 * rows from an unfinished one). */
#ifndef DC_METRICS_H
#define DC_METRICS_H

#include "dc.h"
#include "err.h"
#include "sink.h"

typedef struct dc_metrics dc_metrics;

/* A collector writing to SINK (not adopted; must outlive the collector),
 * with series buckets of width BUCKET (> 0).  NULL on allocation failure. */
dc_metrics *dc_metrics_new(const dc_sink *sink, dc_time bucket);

/* Free; dc_metrics_free(NULL) is a no-op. */
void dc_metrics_free(dc_metrics *m);

/* Declare (or find, when already declared by an earlier replication) the
 * metric (METRIC, ENTITY).  UNIT is the display unit of everything written
 * for it ("s", "kW", "" for a pure number); values are given in SI and
 * converted.  Strings are copied.  *id receives the handle.  Returns DC_OK,
 * DC_ENOMEM, or DC_EINVAL (unknown unit, or a redeclaration with another
 * unit or kind), with text in ERR. */
int dc_metrics_declare(dc_metrics *m, const char *metric, const char *entity,
		       const char *unit, dc_metric_kind kind, const char *help,
		       int *id, dc_err *err);

/* Start replication REP: per-replication state is reset; observations
 * before WARMUP count in the series but not in the statistics. */
void dc_metrics_rep_begin(dc_metrics *m, int rep, dc_time warmup);

/* An observation V (SI) of OBS metric ID at time T. */
void dc_metrics_obs(dc_metrics *m, int id, dc_time t, double v);

/* COUNT equal observations V at T (one call instead of COUNT). */
void dc_metrics_obs_n(dc_metrics *m, int id, dc_time t, double v,
		      uint64_t count);

/* LEVEL metric ID takes value V (SI) from time T on.  The first call of a
 * replication sets the initial level (at T, normally 0). */
void dc_metrics_level(dc_metrics *m, int id, dc_time t, double v);

/* End the replication at RI->t_end_s: close levels, then write to the sink
 * the new metric declarations, run_begin, the series, one run_stat row per
 * metric, run_end.  Only a complete replication (RI->status) is pooled
 * into the summary.  Returns DC_OK or the sink's error (text in ERR). */
int dc_metrics_rep_end(dc_metrics *m, const dc_run_info *ri, dc_err *err);

/* Write the summary across the replications ended so far: one row per
 * metric (see dc_stat_row).  Returns DC_OK or the sink's error. */
int dc_metrics_summary(dc_metrics *m, dc_err *err);

/* Number of metrics declared; the summary row of metric I of the
 * replications so far (for callers that check results, e.g. tests).
 * Returns DC_EINVAL if I is out of range. */
int dc_metrics_count(const dc_metrics *m);
int dc_metrics_summary_row(dc_metrics *m, int i, dc_stat_row *row);

#endif
