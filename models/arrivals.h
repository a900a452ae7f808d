/* arrivals.h - request sources for the LLM serving engine.
 *
 * A source yields dc_req_spec records (arrival time, prompt tokens, output
 * tokens) in non-decreasing arrival order, from one of:
 *   poisson  exponential inter-arrival times of mean 1/rate;
 *   gamma    gamma inter-arrival times of mean 1/rate and coefficient of
 *            variation cv (shape 1/cv^2, scale cv^2/rate);
 *   trace    a recorded request trace replayed: arrivals start at the
 *            trace's first timestamp (t = 0) and are divided by speedup.
 * Prompt and output lengths are fixed numbers or "from trace": a trace
 * replays its own lengths; poisson/gamma draw a trace row uniformly with
 * the caller's RNG and take that row's lengths (prompt and output of one
 * row together, keeping their correlation).  Lengths are multiplied by
 * length_scale, rounded to the nearest integer (halves away from zero) and
 * raised to at least 1.
 *
 * Traces (shipped under DATA_DIR/traces/, see data/README.md):
 *   azure_conv          Azure LLM inference 2023, conversation (CSV)
 *   azure_code          Azure LLM inference 2023, code (CSV)
 *   mooncake_conv       Mooncake FAST'25 conversation trace (JSONL)
 *   mooncake_synthetic  Mooncake FAST'25 synthetic trace (JSONL)
 * A trace is read once into memory; its rows are sorted by timestamp
 * (stable: equal times keep file order). */
#ifndef DC_ARRIVALS_H
#define DC_ARRIVALS_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "../sim/dc.h"
#include "../sim/err.h"
#include "../sim/params.h"
#include "llm_types.h"

/* Kinds of source (index into the "kind" choices). */
typedef enum {
	DC_ARR_POISSON = 0,
	DC_ARR_GAMMA,
	DC_ARR_TRACE
} dc_arrivals_kind;

/* The shipped traces (index into the "trace" choices). */
typedef enum {
	DC_TRACE_AZURE_CONV = 0,
	DC_TRACE_AZURE_CODE,
	DC_TRACE_MOONCAKE_CONV,
	DC_TRACE_MOONCAKE_SYNTHETIC,
	DC_TRACE_COUNT
} dc_trace_id;

/* A workload's arrivals section, read through dc_arrivals_pset. */
typedef struct dc_arrivals_cfg {
	int kind;	      /* dc_arrivals_kind */
	double rate;	      /* poisson/gamma: mean arrival rate, 1/s (> 0) */
	double cv;	      /* gamma: CV of inter-arrival times (> 0) */
	int trace;	      /* dc_trace_id: the replayed trace, or the one
				 whose lengths "from trace" samples */
	double speedup;	      /* trace: time compression factor (> 0) */
	double length_scale;  /* multiplies prompt and output lengths (> 0) */
	char *prompt;	      /* "from trace" or a token count >= 1 (owned) */
	char *output;	      /* "from trace" or a token count >= 1 (owned) */
	int64_t max_requests; /* stop after this many; 0 = unlimited */
	dc_time start;	      /* offset added to every arrival time, ns */
} dc_arrivals_cfg;

/* The declarative parameter table of dc_arrivals_cfg (section "arrivals";
 * see sim/params.h for reading, defaults and help).  Defaults: kind trace,
 * trace azure_conv, speedup 1, length_scale 1, prompt and output
 * "from trace", cv 1, max_requests 0, start 0 s; rate has no default. */
extern const dc_pset dc_arrivals_pset;

/* The scenario names of the kinds and traces (NULL-terminated), e.g.
 * dc_arrivals_trace_names[DC_TRACE_AZURE_CODE] = "azure_code". */
extern const char *const dc_arrivals_kind_names[];
extern const char *const dc_arrivals_trace_names[];

/* Check the semantic rules of CFG that a parameter table cannot express:
 * poisson/gamma need rate > 0 (finite), gamma needs cv > 0, kind and trace
 * in range, speedup and length_scale > 0, max_requests >= 0, start >= 0,
 * prompt/output "from trace" or an integer in [1, 2^31-1].  Messages name
 * "arrivals.KEY".  Returns DC_OK or DC_EINVAL (each problem appended to
 * ERR).  Does not read any file. */
int dc_arrivals_check(const dc_arrivals_cfg *cfg, dc_err *err);

/* ---- traces ---- */

typedef struct dc_arrivals_trace dc_arrivals_trace;

/* Summary statistics of one length column (tokens).  median: the middle
 * value of the sorted column, or the mean of the two middle values when
 * the count is even; p99: linear interpolation between closest ranks on
 * the sorted column x[0..n-1] at h = 0.99 (n - 1), i.e.
 * x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]) (GSL's
 * gsl_stats_quantile_from_sorted_data; numpy's default). */
typedef struct dc_len_stats {
	double mean, median, p99;
	int32_t min, max;
} dc_len_stats;

/* Statistics of a loaded trace, on its raw values (no speedup, no
 * length_scale). */
typedef struct dc_trace_stats {
	size_t count;  /* requests */
	double span_s; /* last minus first timestamp, s */
	double rate;   /* count / span_s, 1/s (0 if span_s is 0) */
	dc_len_stats input, output;
	size_t hash_blocks; /* Mooncake: total hash_ids over all rows; else 0 */
} dc_trace_stats;

/* Read trace ID from DATA_DIR/traces/... (DATA_DIR NULL means "data")
 * into *out, owned by the caller (dc_arrivals_trace_free).  Errors:
 * DC_ENOENT / DC_EIO (file), DC_EINVAL with "path:line:col: error: ..."
 * for malformed rows (up to 10 reported), or an unknown ID, DC_ENOMEM.
 * On error *out is NULL. */
int dc_arrivals_trace_load(int id, const char *data_dir,
			   dc_arrivals_trace **out, dc_err *err);

/* Parse LEN bytes of TEXT (need not be NUL-terminated) as a trace: an
 * Azure CSV (header TIMESTAMP,ContextTokens,GeneratedTokens) when CSV is
 * nonzero, else Mooncake JSONL.  NAME stands for the path in messages and
 * is copied.  Errors as dc_arrivals_trace_load; an empty trace (no rows)
 * is DC_EINVAL. */
int dc_arrivals_trace_parse(const char *name, const char *text, size_t len,
			    int csv, dc_arrivals_trace **out, dc_err *err);

/* Free T.  dc_arrivals_trace_free(NULL) is a no-op. */
void dc_arrivals_trace_free(dc_arrivals_trace *t);

/* Statistics of T, computed at load.  Owned by T.  Cannot fail. */
const dc_trace_stats *dc_arrivals_trace_stats(const dc_arrivals_trace *t);

/* Row I of T (in arrival order; t_arrival_s relative to the first
 * timestamp, raw lengths) into *out.  Returns 1, or 0 if I is out of
 * range (*out untouched).  Cannot fail otherwise. */
int dc_arrivals_trace_row(const dc_arrivals_trace *t, size_t i,
			  dc_req_spec *out);

/* The hash_ids (512-token prefix-block ids) of row I of a Mooncake trace:
 * returns a pointer owned by T and sets *n; NULL with *n = 0 for an Azure
 * trace or I out of range.  Cannot fail. */
const int64_t *dc_arrivals_trace_hashes(const dc_arrivals_trace *t, size_t i,
					size_t *n);

/* Parse the Azure timestamp text S ("2023-11-16 18:15:46.6805900": date,
 * one space, 24-hour time, optionally '.' and 1..9 fraction digits; the
 * proleptic Gregorian calendar, no time zone) into integer nanoseconds
 * since 1970-01-01 00:00:00 (*ns).  Exact: no floating point.  Returns
 * DC_OK, or DC_EINVAL with *bad the 0-based offset of the first offending
 * byte.  Cannot fail otherwise. */
int dc_arrivals_parse_time(const char *s, int64_t *ns, size_t *bad);

/* One Mooncake JSONL record. */
typedef struct dc_jsonl_rec {
	double timestamp_ms;
	int64_t input_length, output_length;
	size_t n_hash; /* number of hash_ids (all of them, even when
			  more than the caller's buffer holds) */
} dc_jsonl_rec;

/* Parse one JSONL line LINE[0..LEN) (no newline; a trailing '\r' is
 * whitespace): exactly one flat JSON object whose keys are exactly
 * "timestamp" (a JSON number, finite, >= 0), "input_length" and
 * "output_length" (integers >= 0 without fraction or exponent) and
 * "hash_ids" (an array of integers >= 0), each once, in any order, with
 * JSON whitespace anywhere between tokens.  Keys with escapes are
 * rejected.  The first min(n_hash, HASH_CAP) ids are stored in HASH (may
 * be NULL when HASH_CAP is 0).  Allocation-free.  Returns DC_OK, or
 * DC_EINVAL with *col the 1-based byte column of the problem and *why a
 * static English text ("expected ':'", "unknown key 'x'", ...). */
int dc_arrivals_jsonl_parse(const char *line, size_t len, dc_jsonl_rec *rec,
			    int64_t *hash, size_t hash_cap, int *col,
			    const char **why);

/* ---- sources ---- */

typedef struct dc_arrivals dc_arrivals;

/* A new source for CFG (checked with dc_arrivals_check; copied) in *out,
 * owned by the caller (dc_arrivals_free).  The trace is loaded from
 * DATA_DIR (NULL: "data") when kind is trace or a length is "from trace".
 * R is borrowed, must outlive the source and is the only randomness used
 * (the same seed gives the same sequence); it may be NULL only when
 * nothing random is drawn (trace kind).  Errors: DC_EINVAL (config), those
 * of dc_arrivals_trace_load, DC_ENOMEM; *out NULL on error. */
int dc_arrivals_new(const dc_arrivals_cfg *cfg, const char *data_dir,
		    gsl_rng *r, dc_arrivals **out, dc_err *err);

/* Like dc_arrivals_new but with an already loaded trace TRACE (borrowed,
 * must outlive the source; cfg->trace is ignored) so that several sources
 * share one copy.  TRACE may be NULL when CFG needs no trace. */
int dc_arrivals_new_with(const dc_arrivals_cfg *cfg,
			 const dc_arrivals_trace *trace, gsl_rng *r,
			 dc_arrivals **out, dc_err *err);

/* The next request into *out: returns 1, or 0 when the source is
 * exhausted (end of trace or max_requests reached; *out untouched).
 * Arrival times (s, including cfg->start) never decrease.  Cannot fail. */
int dc_arrivals_next(dc_arrivals *a, dc_req_spec *out);

/* The trace the source uses (owned or borrowed), or NULL.  Cannot fail. */
const dc_arrivals_trace *dc_arrivals_get_trace(const dc_arrivals *a);

/* Free A (and its trace if it loaded it).  dc_arrivals_free(NULL) is a
 * no-op. */
void dc_arrivals_free(dc_arrivals *a);

#endif
