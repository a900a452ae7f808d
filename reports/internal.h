/* internal.h - helpers shared by the files of reports/ (not a public
 * interface): names of enum values as stored in files, the CSV table
 * layouts that the CSV sink writes and the replay reads back, and output
 * file creation that refuses to overwrite. */
#ifndef DC_REPORTS_INTERNAL_H
#define DC_REPORTS_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "../sim/sink.h"

/* Size of the message buffer every sink keeps for its errmsg op. */
#define DC__MSG_LEN 1024

/* Format into BUF (CAP bytes, always NUL-terminated); cannot fail (long
 * text is truncated). */
void dc__msg_set(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "complete", "interrupted", "failed" (or "unknown" for a bad value);
 * cannot fail.  The string is static. */
const char *dc__run_status_name(dc_run_status s);
/* Parse a name from dc__run_status_name into *OUT; DC_OK or DC_EINVAL. */
int dc__run_status_parse(const char *s, dc_run_status *out);

/* "obs" or "level" ("unknown" for a bad value); cannot fail. */
const char *dc__metric_kind_name(dc_metric_kind k);
/* Parse a name from dc__metric_kind_name into *OUT; DC_OK or DC_EINVAL. */
int dc__metric_kind_parse(const char *s, dc_metric_kind *out);

/* The CSV files of a results folder, in the order the replay reads them. */
enum {
	DC__CSV_METRICS = 0,
	DC__CSV_RUNS,
	DC__CSV_RUN_STATS,
	DC__CSV_SAMPLES,
	DC__CSV_SUMMARY,
	DC__CSV_DIST,
	DC__CSV_COUNT
};

typedef struct dc__csv_table {
	const char *file;          /* "samples.csv" */
	int ncols;
	const char *const *cols;   /* header names, in column order */
} dc__csv_table;

/* The layout of each CSV file, indexed by DC__CSV_*; static data. */
extern const dc__csv_table dc__csv_tables[DC__CSV_COUNT];

/* "DIR/NAME" in a new dc_malloc'd string (the caller frees it), or NULL
 * when out of memory. */
char *dc__path_join(const char *dir, const char *name);

/* Create PATH for writing, failing if it exists (O_CREAT|O_EXCL, mode
 * 0644), and open it as a stdio stream in *OUT (the caller fcloses it).
 * Returns DC_OK, DC_EEXIST if PATH exists, DC_ECREATE otherwise; errno
 * tells why. */
int dc__file_create(const char *path, FILE **out);

/* Create directory DIR (mode 0755) unless it already is one.  Returns
 * DC_OK or DC_ECREATE (errno tells why). */
int dc__dir_ensure(const char *dir);

/* The gnuplot to run: $GNUPLOT, else "gnuplot".  Cannot fail. */
const char *dc__gnuplot_prog(void);

/* Whether PROG names an executable: a path, or a file in $PATH (as
 * posix_spawnp searches it).  Checked before spawning so that a missing
 * program is reported the same way wherever exec failures cannot be told
 * apart from an exit status.  Cannot fail. */
int dc__program_exists(const char *prog);

#endif
