/* dc.h - the few definitions every dcsim module shares: simulated time and
 * return codes.  Nothing here allocates or does I/O. */
#ifndef DC_DC_H
#define DC_DC_H

#include <stdint.h>
#include <stddef.h>

/* Simulated time: signed 64-bit nanoseconds since the start of a run
 * (about 292 years of range, exact ordering, no rounding drift). */
typedef int64_t dc_time;

#define DC_NS   ((dc_time)1)
#define DC_US   ((dc_time)1000)
#define DC_MS   ((dc_time)1000000)
#define DC_SEC  ((dc_time)1000000000)
#define DC_MIN  (60 * DC_SEC)
#define DC_HOUR (60 * DC_MIN)
#define DC_DAY  (24 * DC_HOUR)
#define DC_TIME_MAX INT64_MAX

/* Convert between simulated time and seconds.  dc_time_from_s rounds to the
 * nearest nanosecond; the caller range-checks (|s| < 9.2e9). */
static inline double dc_time_to_s(dc_time t) { return (double)t / 1e9; }
static inline dc_time dc_time_from_s(double s)
{
	double ns = s * 1e9;
	return (dc_time)(ns < 0 ? ns - 0.5 : ns + 0.5);
}

/* Return codes: DC_OK or a negative DC_E*.  Library code returns these and
 * puts the text into a caller-owned dc_err (err.h); only the CLI maps them
 * to process exit statuses. */
enum {
	DC_OK = 0,
	DC_ENOMEM = -1,   /* an allocation failed */
	DC_EINVAL = -2,   /* invalid input: scenario, argument, data file */
	DC_ENOENT = -3,   /* a named input does not exist */
	DC_EIO = -4,      /* read or write failed */
	DC_EEXIST = -5,   /* output exists and may not be overwritten */
	DC_ECREATE = -6,  /* cannot create output */
	DC_EINTR = -7,    /* interrupted (SIGINT): partial results kept */
	DC_ERANGE = -8,   /* a value is out of its representable range */
	DC_EFAIL = -9,    /* a run or check failed */
	DC_EUSAGE = -10   /* command-line usage error */
};

/* dc_strerror returns a static English text for a DC_* code; cannot fail. */
const char *dc_strerror(int rc);

#define DC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
