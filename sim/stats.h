/* stats.h - streaming statistics: moments, quantiles with a stated error
 * bound, time-weighted averages, and Student-t confidence intervals. */
#ifndef DC_STATS_H
#define DC_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "dc.h"

/* Running count, mean, variance (Welford), min, max.  Zero-initialise. */
typedef struct dc_moments {
	uint64_t n;
	double mean, m2, min, max;
} dc_moments;

void dc_moments_add(dc_moments *m, double x);
/* COUNT copies of X (as COUNT calls of dc_moments_add, up to rounding). */
void dc_moments_add_n(dc_moments *m, double x, uint64_t count);
/* Combine B into A (Chan et al. parallel formula). */
void dc_moments_merge(dc_moments *a, const dc_moments *b);
/* Sample variance (n-1 divisor); 0 when n < 2. */
double dc_moments_var(const dc_moments *m);
double dc_moments_sd(const dc_moments *m);

/* Quantile sketch with bounded relative error: every quantile it returns
 * is within a factor (1 +- alpha) of a value whose rank is the requested
 * one (logarithmic buckets of ratio g <= (1+alpha)/(1-alpha), a whole
 * number of buckets per octave so the index comes from the float's bits; as in
 * DDSketch, Masson et al., VLDB 2019).  Handles zero and negative values;
 * values with |x| < 1e-12 count as exact zeros.  Memory grows with the log
 * of the value range, not with the count.  Mergeable (same alpha). */
typedef struct dc_sketch dc_sketch;

#define DC_SKETCH_ALPHA 0.001 /* 0.1 % relative error: the default */

/* New empty sketch with relative accuracy ALPHA (0 < alpha < 0.5); NULL on
 * allocation failure or bad alpha. */
dc_sketch *dc_sketch_new(double alpha);
void dc_sketch_free(dc_sketch *s);
/* Add x (NaN is ignored).  Returns DC_OK or DC_ENOMEM. */
int dc_sketch_add(dc_sketch *s, double x);
/* COUNT copies of X (exactly as COUNT calls of dc_sketch_add). */
int dc_sketch_add_n(dc_sketch *s, double x, uint64_t count);
/* Merge B into A (same alpha).  Returns DC_OK, DC_EINVAL, DC_ENOMEM. */
int dc_sketch_merge(dc_sketch *a, const dc_sketch *b);
uint64_t dc_sketch_count(const dc_sketch *s);
/* The q-quantile, 0 <= q <= 1 (lower quantile: the value of rank
 * floor(q*(n-1)) in sorted order, within relative error alpha); q = 0 and
 * q = 1 return the exact min and max.  NaN when empty. */
double dc_sketch_quantile(const dc_sketch *s, double q);
double dc_sketch_alpha(const dc_sketch *s);

/* Time-weighted average of a piecewise-constant level (queue length, power).
 * dc_twavg_init at t0 with value v; dc_twavg_set when the level changes;
 * dc_twavg_mean over [t0, t]. */
typedef struct dc_twavg {
	dc_time t0, t_last;
	double v;       /* current level */
	double area;    /* integral of the level over [t0, t_last], value*s */
	double vmax, vmin;
} dc_twavg;

void dc_twavg_init(dc_twavg *w, dc_time t0, double v);
void dc_twavg_set(dc_twavg *w, dc_time t, double v);   /* t >= t_last */
/* Integral over [t0, t] in value*seconds, and the mean over [t0, t]
 * (the current level if t == t0). */
double dc_twavg_area(const dc_twavg *w, dc_time t);
double dc_twavg_mean(const dc_twavg *w, dc_time t);

/* Student-t confidence interval for the mean of x[0..n-1] at LEVEL (0.95):
 * *mean, *half (half-width; t_{(1+level)/2, n-1} * sd / sqrt(n)).  n = 1
 * gives half = NaN.  Returns DC_OK or DC_EINVAL (n == 0, bad level). */
int dc_ci_t(const double *x, size_t n, double level, double *mean,
	    double *half);

#endif
