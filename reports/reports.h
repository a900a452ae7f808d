/* reports.h - the metric sinks that turn a run's metrics into files, and
 * the readers that replay stored results (for `dcsim report DIR`). */
#ifndef DC_REPORTS_H
#define DC_REPORTS_H

#include <stdio.h>

#include "../sim/err.h"
#include "../sim/sink.h"

/* SQLite sink writing PATH (must not exist): STRICT tables
 *   metrics(metric TEXT, entity TEXT, unit TEXT, kind TEXT, help TEXT,
 *           PRIMARY KEY(metric, entity))
 *   runs(run INTEGER PRIMARY KEY, scenario TEXT, seed INTEGER,
 *        status TEXT ('complete'|'interrupted'|'failed'),
 *        horizon REAL (NULL if infinite), t_end REAL, events INTEGER)
 *   samples(run INTEGER, metric TEXT, entity TEXT, t REAL, value REAL)
 *   run_stats(run, metric, entity, unit, n, mean, sd, min, p50, p90, p99,
 *             p999, max)
 *   summary(metric, entity, unit, reps, n, mean, sd, min, p50, p90, p99,
 *           p999, max, ci_lo, ci_hi)
 * (NaN is stored as NULL.)  One transaction per replication (run_begin ..
 * run_end), one for the summary; persistent prepared statements.  Contains
 * nothing that varies between identical runs (no wall-clock time), so the
 * same scenario and seed give an identical `sqlite3 results.db .dump`.
 * On success *out is a sink owning the connection. */
int dc_sink_db_open(const char *path, dc_sink *out, dc_err *err);

/* CSV sink writing DIR/samples.csv (run,metric,entity,t,value),
 * DIR/metrics.csv, DIR/runs.csv, DIR/run_stats.csv and DIR/summary.csv
 * (columns as the tables above, header row first; metrics.csv lets a
 * replay from CSV give back the metric declarations).  Strings through libcsv's csv_fwrite,
 * numbers as %.17g, NaN as an empty field. */
int dc_sink_csv_open(const char *dir, dc_sink *out, dc_err *err);

/* Chart sink: keeps the samples in memory; at close writes, for each
 * (metric, entity) with samples at two or more times in some run (a
 * once-per-run total is left to the summary), DIR/<name>.csv (t, one column per run),
 * DIR/<name>.gp (a gnuplot script: `gnuplot -c <name>.gp <name>.csv
 * <name>.png`, noenhanced, axis labels with units) and runs gnuplot to
 * make DIR/<name>.png.  <name> is the metric, plus "-<entity>" when the
 * entity is not empty, with characters outside [A-Za-z0-9._-] replaced by
 * '_'.  DIR is created if missing.  If gnuplot is not installed (or
 * GNUPLOT names a program that is missing) close appends a warning to
 * WARN (if non-NULL) and still succeeds, leaving the .gp and .csv files. */
int dc_sink_charts_open(const char *dir, dc_err *warn, dc_sink *out);

/* Markdown summary sink: at close writes to F a report: the runs (status,
 * simulated time, events) and a table of the summary rows (metric, entity,
 * unit, mean, 95 % CI, sd, p50, p90, p99, max, reps).  F stays owned by the
 * caller.  TITLE heads the report. */
int dc_sink_md_open(FILE *f, const char *title, dc_sink *out);

/* A sink that forwards every call to sinks[0..n-1] in order, stopping at
 * the first failure, except close, which closes every sink and returns
 * the first failure (one bad output does not leave the others unfinished).
 * The tee adopts the sinks, even when it fails (its free frees them). */
int dc_sink_tee(const dc_sink *sinks, int n, dc_sink *out);

/* Replay stored results from DIR (DIR/results.db if present, else the five
 * CSV files) into SINK in the documented call order (close included).
 * Returns DC_ENOENT if DIR holds neither, DC_EIO / DC_EINVAL for unreadable
 * or malformed files, with a message in ERR naming the file. */
int dc_report_replay(const char *dir, const dc_sink *sink, dc_err *err);

/* Run manifest (manifest.json). */
typedef struct dc_manifest {
	const char *dcsim_version;
	const char *git_revision;   /* may be "unknown" */
	int argc;
	char *const *argv;
	const char *scenario_path;
	const char *scenario_name;
	uint32_t seed;
	int reps;
	const char *status;         /* "complete", "interrupted", "failed" */
	double wall_s;              /* wall-clock seconds of the whole run */
	uint64_t events;            /* events over all replications */
	const char *started_utc;    /* ISO 8601 "2026-11-28T21:41:12Z" */
	const char *host;
	const char *formats;        /* "csv", "sqlite", "both" */
	/* data files read (catalogs, calibration profiles), each listed
	 * with its '# key: value' provenance lines */
	size_t n_inputs;
	const char *const *input_names;
	const struct dc_table *const *input_tables;
	const char *data_dir;
} dc_manifest;

/* Write M as JSON to PATH (creating it; fails if it exists), with the
 * library versions (GSL, SQLite, libyaml) filled in by this function.
 * Strings are escaped per RFC 8259. */
int dc_manifest_write(const char *path, const dc_manifest *m, dc_err *err);

/* Write S as a JSON string literal (quotes included) to F. */
void dc_json_string(FILE *f, const char *s);

#endif
