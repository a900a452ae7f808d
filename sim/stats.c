/* stats.c - streaming statistics: Welford moments, a DDSketch-style
 * relative-error quantile sketch, time-weighted averages and Student-t
 * confidence intervals. */
#include "stats.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "alloc.h"

/* ---- moments ---------------------------------------------------------- */

/* Add x to M (Welford's update).  NaN propagates into mean and variance.
 * Cannot fail. */
/* COUNT copies of X at once: the pairwise update with a block whose
 * mean is X and spread 0. */
void dc_moments_add_n(dc_moments *m, double x, uint64_t count)
{
	if (count == 0)
		return;
	if (count == 1) {
		dc_moments_add(m, x);
		return;
	}
	dc_moments b = {count, x, 0, x, x};
	dc_moments_merge(m, &b);
}

void dc_moments_add(dc_moments *m, double x)
{
	if (m->n == 0) {
		m->min = m->max = x;
	} else {
		if (x < m->min)
			m->min = x;
		if (x > m->max)
			m->max = x;
	}
	m->n++;
	double d = x - m->mean;
	m->mean += d / (double)m->n;
	m->m2 += d * (x - m->mean);
}

/* Combine B into A (Chan, Golub and LeVeque's pairwise update); B is not
 * changed and may equal A.  Cannot fail. */
void dc_moments_merge(dc_moments *a, const dc_moments *b)
{
	if (b->n == 0)
		return;
	if (a->n == 0) {
		*a = *b;
		return;
	}
	double na = (double)a->n, nb = (double)b->n, n = na + nb;
	double d = b->mean - a->mean;
	double min = b->min < a->min ? b->min : a->min;
	double max = b->max > a->max ? b->max : a->max;

	a->m2 = a->m2 + b->m2 + d * d * (na * nb / n);
	a->mean += d * (nb / n);
	a->n += b->n;
	a->min = min;
	a->max = max;
}

/* Sample variance (n-1 divisor); 0 when n < 2.  Cannot fail. */
double dc_moments_var(const dc_moments *m)
{
	if (m->n < 2)
		return 0.0;
	double v = m->m2 / (double)(m->n - 1);
	return v > 0.0 ? v : 0.0;
}

/* Sample standard deviation; 0 when n < 2.  Cannot fail. */
double dc_moments_sd(const dc_moments *m)
{
	return sqrt(dc_moments_var(m));
}

/* ---- quantile sketch -------------------------------------------------- *
 *
 * Buckets.  A positive value x goes to bucket i = ceil(log_g x), i.e.
 * g^(i-1) < x <= g^i, and bucket i answers v_i = 2 g^i / (g + 1).  For any x
 * in the bucket |v_i - x| / x <= (g - 1) / (g + 1), the worst cases being
 * the two ends.  Negative values use the same buckets for |x| in a second
 * store; |x| < DC_SKETCH_ZERO is counted as zero.
 *
 * The ratio.  The header's gamma (1 + alpha) / (1 - alpha) gives an error of
 * exactly alpha.  We use instead g = 2^(1/m) with m = ceil(log_gamma 2)
 * buckets per octave: g <= gamma, so the error bound (g-1)/(g+1) is at most
 * alpha (a little better), memory is at most one bucket per octave more,
 * and every octave [2^e, 2^(e+1)] starts on a bucket boundary.  Then
 * i = e*m + j, where x = 2^e * f with f in [1, 2) is read from the bits of
 * x and j = ceil(m log2 f) is found without log(): a table of the bucket
 * bounds b_j = 2^(j/m) within the octave, and a table indexed by the top
 * bits of f giving the first candidate j for that slice of [1, 2).  The
 * slices are narrower than the narrowest bucket (2^-k <= 1/(2m) <
 * 2^(1/m) - 1), so a slice holds at most one bound and one comparison
 * finishes the search.  For very small alpha (m > DC_SKETCH_TAB_MAX) the
 * tables would be large and j comes from log2() instead.
 *
 * Stores are dense count arrays over an index window [lo, lo + len) that
 * grows in either direction by at least doubling, so adds are O(1)
 * amortised and allocation-free once the value range has been seen. */

#define DC_SKETCH_ZERO 1e-12
#define DC_SKETCH_TAB_MAX 4096

typedef struct dc_store {
	uint64_t *cnt;   /* cnt[k] counts bucket lo + k */
	int64_t lo;
	size_t len;
	uint64_t total;
} dc_store;

struct dc_sketch {
	double alpha;      /* as requested: merge needs equal alpha */
	double g;          /* bucket ratio 2^(1/m) */
	int64_t m;         /* buckets per octave */
	int kbits;         /* slice table has 2^kbits entries; 0: no tables */
	uint16_t *slice;   /* first candidate j for each slice of [1, 2) */
	double *bound;     /* bound[j] = 2^(j/m), j = 0..m */
	uint64_t n, zero;
	double min, max;
	dc_store pos, neg;
};

static int build_tables(dc_sketch *s)
{
	size_t m = (size_t)s->m, nslice;
	int k = 0;

	while (((size_t)1 << k) < 2 * m)
		k++;
	nslice = (size_t)1 << k;
	s->bound = dc_malloc((m + 1) * sizeof *s->bound);
	s->slice = dc_malloc(nslice * sizeof *s->slice);
	if (!s->bound || !s->slice)
		return DC_ENOMEM;
	for (size_t j = 0; j <= m; j++)
		s->bound[j] = exp2((double)j / (double)m);
	s->bound[0] = 1.0;
	s->bound[m] = 2.0;
	size_t j = 0;
	for (size_t i = 0; i < nslice; i++) {
		double lo = 1.0 + ldexp((double)i, -k);
		while (s->bound[j] < lo)
			j++;
		s->slice[i] = (uint16_t)j;
	}
	s->kbits = k;
	return DC_OK;
}

/* New empty sketch with relative accuracy ALPHA, 0 < alpha < 0.5.  The
 * caller owns it (dc_sketch_free).  NULL on bad alpha or no memory. */
dc_sketch *dc_sketch_new(double alpha)
{
	if (!(alpha > 0.0 && alpha < 0.5))
		return NULL;
	double per_octave = ceil(log(2.0) / log1p(2.0 * alpha / (1.0 - alpha)));
	if (!(per_octave >= 1.0 && per_octave < 1e15))
		return NULL;
	dc_sketch *s = dc_calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->alpha = alpha;
	s->m = (int64_t)per_octave;
	s->g = exp2(1.0 / per_octave);
	if (s->m <= DC_SKETCH_TAB_MAX && build_tables(s) != DC_OK) {
		dc_sketch_free(s);
		return NULL;
	}
	return s;
}

/* Free S and everything it holds; NULL is a no-op. */
void dc_sketch_free(dc_sketch *s)
{
	if (!s)
		return;
	dc_free(s->pos.cnt);
	dc_free(s->neg.cnt);
	dc_free(s->slice);
	dc_free(s->bound);
	dc_free(s);
}

/* Bucket index of AX, where AX >= DC_SKETCH_ZERO (a normal number) or inf. */
static inline int64_t sketch_index(const dc_sketch *s, double ax)
{
	uint64_t bits, fbits;
	double f;
	int64_t j;

	memcpy(&bits, &ax, sizeof bits);
	int64_t e = (int64_t)(bits >> 52) - 1023;
	uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
	fbits = frac | (UINT64_C(1023) << 52);
	memcpy(&f, &fbits, sizeof f);
	if (s->kbits) {
		j = s->slice[frac >> (52 - s->kbits)];
		j += f > s->bound[j];
	} else {
		j = (int64_t)ceil((double)s->m * log2(f));
	}
	return e * s->m + j;
}

/* Make ST's window cover indices [lo, hi].  DC_OK or DC_ENOMEM (ST is then
 * unchanged). */
static int store_cover(dc_store *st, int64_t lo, int64_t hi)
{
	if (st->len == 0) {
		size_t len = (size_t)(hi - lo) + 1;
		len = len < 64 ? 64 : len;
		uint64_t *c = dc_calloc(len, sizeof *c);
		if (!c)
			return DC_ENOMEM;
		st->cnt = c;
		st->lo = lo - (int64_t)(len - (size_t)(hi - lo) - 1) / 2;
		st->len = len;
		return DC_OK;
	}
	int64_t cur_hi = st->lo + (int64_t)st->len - 1;
	if (lo >= st->lo && hi <= cur_hi)
		return DC_OK;
	int64_t nlo = lo < st->lo ? lo : st->lo;
	int64_t nhi = hi > cur_hi ? hi : cur_hi;
	size_t need = (size_t)(nhi - nlo) + 1;
	size_t len = need > 2 * st->len ? need : 2 * st->len;
	size_t extra = len - need;
	/* Put the slack on the side that grew (both: split it). */
	if (lo < st->lo && hi > cur_hi)
		nlo -= (int64_t)(extra / 2);
	else if (lo < st->lo)
		nlo -= (int64_t)extra;
	if (len > SIZE_MAX / sizeof *st->cnt)
		return DC_ENOMEM;
	uint64_t *c = dc_realloc(st->cnt, len * sizeof *c);
	if (!c)
		return DC_ENOMEM;
	size_t shift = (size_t)(st->lo - nlo);
	memmove(c + shift, c, st->len * sizeof *c);
	memset(c, 0, shift * sizeof *c);
	memset(c + shift + st->len, 0, (len - shift - st->len) * sizeof *c);
	st->cnt = c;
	st->lo = nlo;
	st->len = len;
	return DC_OK;
}

/* Add x to S; NaN is ignored.  Returns DC_OK, or DC_ENOMEM when the value
 * lies outside every range seen so far and the store cannot grow (S is then
 * unchanged). */
int dc_sketch_add(dc_sketch *s, double x)
{
	return dc_sketch_add_n(s, x, 1);
}

int dc_sketch_add_n(dc_sketch *s, double x, uint64_t count)
{
	if (isnan(x) || count == 0)
		return DC_OK;
	double ax = fabs(x);
	if (ax < DC_SKETCH_ZERO) {
		s->zero += count;
	} else {
		dc_store *st = x > 0 ? &s->pos : &s->neg;
		int64_t i = sketch_index(s, ax);
		uint64_t k = (uint64_t)(i - st->lo);
		if (k >= st->len) {
			int rc = store_cover(st, i, i);
			if (rc != DC_OK)
				return rc;
			k = (uint64_t)(i - st->lo);
		}
		st->cnt[k] += count;
		st->total += count;
	}
	if (s->n == 0) {
		s->min = s->max = x;
	} else {
		if (x < s->min)
			s->min = x;
		if (x > s->max)
			s->max = x;
	}
	s->n += count;
	return DC_OK;
}

/* The index window [lo, hi] of ST's nonzero buckets; 0 if it has none. */
static int store_used(const dc_store *st, int64_t *lo, int64_t *hi)
{
	size_t a = 0, b = st->len;

	if (st->total == 0)
		return 0;
	while (st->cnt[a] == 0)
		a++;
	while (st->cnt[b - 1] == 0)
		b--;
	*lo = st->lo + (int64_t)a;
	*hi = st->lo + (int64_t)b - 1;
	return 1;
}

static void store_add(dc_store *dst, const dc_store *src, int64_t lo,
		      int64_t hi)
{
	for (int64_t i = lo; i <= hi; i++)
		dst->cnt[i - dst->lo] += src->cnt[i - src->lo];
	dst->total += src->total;
}

/* Merge B into A; B is not changed and may equal A.  Returns DC_OK,
 * DC_EINVAL (different alpha) or DC_ENOMEM (A is then unchanged). */
int dc_sketch_merge(dc_sketch *a, const dc_sketch *b)
{
	int64_t plo = 0, phi = 0, nlo = 0, nhi = 0;
	int rc;

	if (a->alpha != b->alpha)
		return DC_EINVAL;
	if (b->n == 0)
		return DC_OK;
	int has_pos = store_used(&b->pos, &plo, &phi);
	int has_neg = store_used(&b->neg, &nlo, &nhi);
	/* Grow both stores before changing any count, so that a failure
	 * leaves A's contents as they were. */
	if (has_pos && (rc = store_cover(&a->pos, plo, phi)) != DC_OK)
		return rc;
	if (has_neg && (rc = store_cover(&a->neg, nlo, nhi)) != DC_OK)
		return rc;
	if (has_pos)
		store_add(&a->pos, &b->pos, plo, phi);
	if (has_neg)
		store_add(&a->neg, &b->neg, nlo, nhi);
	if (a->n == 0 || b->min < a->min)
		a->min = b->min;
	if (a->n == 0 || b->max > a->max)
		a->max = b->max;
	a->zero += b->zero;
	a->n += b->n;
	return DC_OK;
}

/* Number of values added (NaN excluded).  Cannot fail. */
uint64_t dc_sketch_count(const dc_sketch *s)
{
	return s->n;
}

/* The alpha S was created with.  Cannot fail. */
double dc_sketch_alpha(const dc_sketch *s)
{
	return s->alpha;
}

/* The value bucket I answers: 2 g^i / (g + 1). */
static double bucket_value(const dc_sketch *s, int64_t i)
{
	return 2.0 * exp2((double)i / (double)s->m) / (s->g + 1.0);
}

/* The q-quantile: a value within relative error alpha of the value of
 * 0-based rank floor(q * (n - 1)) in ascending order (the lower quantile);
 * q = 0 and q = 1 give the exact min and max.  NaN when S is empty or q is
 * outside [0, 1].  Cannot fail. */
double dc_sketch_quantile(const dc_sketch *s, double q)
{
	if (s->n == 0 || !(q >= 0.0 && q <= 1.0))
		return NAN;
	if (q == 0.0)
		return s->min;
	if (q == 1.0)
		return s->max;
	uint64_t rank = (uint64_t)floor(q * (double)(s->n - 1));
	double v;

	if (rank < s->neg.total) {
		/* Most negative first: the highest |x| bucket down. */
		uint64_t seen = 0;
		size_t k = s->neg.len;
		do {
			k--;
			seen += s->neg.cnt[k];
		} while (seen <= rank);
		v = -bucket_value(s, s->neg.lo + (int64_t)k);
	} else if (rank < s->neg.total + s->zero) {
		v = 0.0;
	} else {
		uint64_t left = rank - s->neg.total - s->zero, seen = 0;
		size_t k = 0;
		while ((seen += s->pos.cnt[k]) <= left)
			k++;
		v = bucket_value(s, s->pos.lo + (int64_t)k);
	}
	/* The value of that rank lies in [min, max], so clamping can only
	 * bring v closer to it. */
	if (v < s->min)
		v = s->min;
	if (v > s->max)
		v = s->max;
	return v;
}

/* ---- time-weighted average -------------------------------------------- */

/* Start W at time T0 with level V.  Cannot fail. */
void dc_twavg_init(dc_twavg *w, dc_time t0, double v)
{
	w->t0 = w->t_last = t0;
	w->v = v;
	w->area = 0.0;
	w->vmax = w->vmin = v;
}

/* The level becomes V at time T (T >= t_last; an earlier T is taken as
 * t_last).  Cannot fail. */
void dc_twavg_set(dc_twavg *w, dc_time t, double v)
{
	if (t > w->t_last) {
		w->area += w->v * dc_time_to_s(t - w->t_last);
		w->t_last = t;
	}
	w->v = v;
	if (v > w->vmax)
		w->vmax = v;
	if (v < w->vmin)
		w->vmin = v;
}

/* Integral of the level over [t0, T] in value*seconds (T < t_last counts
 * as t_last).  Cannot fail. */
double dc_twavg_area(const dc_twavg *w, dc_time t)
{
	if (t <= w->t_last)
		return w->area;
	return w->area + w->v * dc_time_to_s(t - w->t_last);
}

/* Mean level over [t0, T]; the current level when T <= t0.  Cannot
 * fail. */
double dc_twavg_mean(const dc_twavg *w, dc_time t)
{
	if (t <= w->t0)
		return w->v;
	return dc_twavg_area(w, t) / dc_time_to_s(t - w->t0);
}

/* ---- confidence interval ---------------------------------------------- */

/* Student-t interval for the mean of X[0..N-1] at LEVEL in (0, 1):
 * *MEAN, and *HALF = t_{(1+level)/2, n-1} * sd / sqrt(n) (NaN when n = 1).
 * Returns DC_OK, or DC_EINVAL for n == 0, a NULL pointer or a bad level
 * (outputs then untouched). */
int dc_ci_t(const double *x, size_t n, double level, double *mean,
	    double *half)
{
	dc_moments m = {0};

	if (n == 0 || !x || !mean || !half || !(level > 0.0 && level < 1.0))
		return DC_EINVAL;
	for (size_t i = 0; i < n; i++)
		dc_moments_add(&m, x[i]);
	*mean = m.mean;
	if (n == 1) {
		*half = NAN;
		return DC_OK;
	}
	double t = gsl_cdf_tdist_Pinv((1.0 + level) / 2.0, (double)(n - 1));
	*half = t * dc_moments_sd(&m) / sqrt((double)n);
	return DC_OK;
}
