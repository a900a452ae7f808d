/* internal.c - helpers shared by the files of reports/. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"

/* See internal.h: printf into a fixed buffer; cannot fail. */
void dc__msg_set(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	if (cap == 0)
		return;
	va_start(ap, fmt);
	if (vsnprintf(buf, cap, fmt, ap) < 0)
		buf[0] = '\0';
	va_end(ap);
}

static const char *const status_names[] = {
	[DC_RUN_COMPLETE] = "complete",
	[DC_RUN_INTERRUPTED] = "interrupted",
	[DC_RUN_FAILED] = "failed",
};

/* Static name of S; cannot fail. */
const char *dc__run_status_name(dc_run_status s)
{
	if ((unsigned)s >= DC_ARRAY_LEN(status_names))
		return "unknown";
	return status_names[s];
}

/* Name to status; DC_OK or DC_EINVAL (*OUT untouched). */
int dc__run_status_parse(const char *s, dc_run_status *out)
{
	for (size_t i = 0; i < DC_ARRAY_LEN(status_names); i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (dc_run_status)i;
			return DC_OK;
		}
	}
	return DC_EINVAL;
}

static const char *const kind_names[] = {
	[DC_METRIC_OBS] = "obs",
	[DC_METRIC_LEVEL] = "level",
};

/* Static name of K; cannot fail. */
const char *dc__metric_kind_name(dc_metric_kind k)
{
	if ((unsigned)k >= DC_ARRAY_LEN(kind_names))
		return "unknown";
	return kind_names[k];
}

/* Name to kind; DC_OK or DC_EINVAL (*OUT untouched). */
int dc__metric_kind_parse(const char *s, dc_metric_kind *out)
{
	for (size_t i = 0; i < DC_ARRAY_LEN(kind_names); i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (dc_metric_kind)i;
			return DC_OK;
		}
	}
	return DC_EINVAL;
}

static const char *const metrics_cols[] = {
	"metric", "entity", "unit", "kind", "help"
};
static const char *const runs_cols[] = {
	"run", "scenario", "seed", "status", "horizon", "t_end", "events"
};
static const char *const run_stats_cols[] = {
	"run", "metric", "entity", "unit", "n", "mean", "sd", "min",
	"p50", "p90", "p99", "p999", "max"
};
static const char *const samples_cols[] = {
	"run", "metric", "entity", "t", "value"
};
static const char *const summary_cols[] = {
	"metric", "entity", "unit", "reps", "n", "mean", "sd", "min",
	"p50", "p90", "p99", "p999", "max", "ci_lo", "ci_hi"
};
static const char *const dist_cols[] = {
	"metric", "entity", "unit", "q", "value"
};

#define TABLE(file, cols) { file, (int)DC_ARRAY_LEN(cols), cols }

/* The column layout of each CSV file (shared by csv.c and replay.c). */
const dc__csv_table dc__csv_tables[DC__CSV_COUNT] = {
	[DC__CSV_METRICS] = TABLE("metrics.csv", metrics_cols),
	[DC__CSV_RUNS] = TABLE("runs.csv", runs_cols),
	[DC__CSV_RUN_STATS] = TABLE("run_stats.csv", run_stats_cols),
	[DC__CSV_SAMPLES] = TABLE("samples.csv", samples_cols),
	[DC__CSV_SUMMARY] = TABLE("summary.csv", summary_cols),
	[DC__CSV_DIST] = TABLE("distribution.csv", dist_cols),
};

/* "DIR/NAME" (no doubled slash), dc_malloc'd; NULL when out of memory. */
char *dc__path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	int slash = dl > 0 && dir[dl - 1] != '/';
	char *p = dc_malloc(dl + (size_t)slash + nl + 1);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	if (slash)
		p[dl] = '/';
	memcpy(p + dl + (size_t)slash, name, nl + 1);
	return p;
}

/* O_CREAT|O_EXCL then fdopen; DC_OK, DC_EEXIST or DC_ECREATE (errno says
 * why); a file made but not opened is removed. */
int dc__file_create(const char *path, FILE **out)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		return errno == EEXIST ? DC_EEXIST : DC_ECREATE;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		unlink(path);
		errno = e;
		return DC_ECREATE;
	}
	*out = f;
	return DC_OK;
}

/* mkdir DIR unless it is a directory already; DC_OK or DC_ECREATE. */
int dc__dir_ensure(const char *dir)
{
	struct stat st;
	if (mkdir(dir, 0755) == 0)
		return DC_OK;
	if (errno != EEXIST)
		return DC_ECREATE;
	if (stat(dir, &st) != 0)
		return DC_ECREATE;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return DC_ECREATE;
	}
	return DC_OK;
}

const char *dc__gnuplot_prog(void)
{
	const char *p = getenv("GNUPLOT");
	return p && p[0] ? p : "gnuplot";
}

/* Whether PROG names an executable: a path, or a file in $PATH (as
 * posix_spawnp would search it).  Checked before spawning so that a
 * missing gnuplot is reported the same way wherever exec failures cannot
 * be told apart from an exit status. */
int dc__program_exists(const char *prog)
{
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin";
	char buf[4096];
	size_t pl = strlen(prog);
	while (*path) {
		size_t dl = strcspn(path, ":");
		if (dl + pl + 2 <= sizeof buf) {
			memcpy(buf, dl ? path : ".", dl ? dl : 1);
			size_t n = dl ? dl : 1;
			buf[n] = '/';
			memcpy(buf + n + 1, prog, pl + 1);
			if (access(buf, X_OK) == 0)
				return 1;
		}
		path += dl + (path[dl] == ':');
	}
	return 0;
}
