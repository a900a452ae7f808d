/* calib_fit.c - calibration profiles read back, checked and fitted
 * (calib_fit.h). */
#include "calib_fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"

/* ---- operator classes ---------------------------------------------------- */

static const struct {
	const char *op;
	dc_op_class c;
} op_classes[] = {
	{"qkv", DC_OC_GEMM},          {"attn_out", DC_OC_GEMM},
	{"mlp_up", DC_OC_GEMM},       {"mlp_down", DC_OC_GEMM},
	{"gemm", DC_OC_GEMM},         {"attn_decode", DC_OC_ATTN_DECODE},
	{"attn_prefill", DC_OC_ATTN_PREFILL},
	{"softmax", DC_OC_SOFTMAX},   {"rmsnorm", DC_OC_NORM},
	{"layernorm", DC_OC_NORM},    {"silu", DC_OC_ACT},
	{"gelu", DC_OC_ACT},          {"triad", DC_OC_STREAM},
	{"prefill", DC_OC_ITER},      {"decode", DC_OC_ITER_DECODE},
};

const char *dc_op_class_name(dc_op_class c)
{
	static const char *const names[DC_OC_COUNT] = {
		"gemm", "gemv", "attn_decode", "attn_prefill", "softmax",
		"norm", "activation", "stream", "prefill_iter",
		"decode_iter"};
	return c >= 0 && c < DC_OC_COUNT ? names[c] : "?";
}

int dc_op_class_of(const char *op)
{
	for (size_t i = 0; op && i < DC_ARRAY_LEN(op_classes); i++)
		if (!strcmp(op, op_classes[i].op))
			return (int)op_classes[i].c;
	return -1;
}

int dc_calib_row_class(const dc_calib_row *r)
{
	int c = dc_op_class_of(r->op);
	return c == DC_OC_GEMM && r->m == 1 ? DC_OC_GEMV : c;
}

double dc_calib_row_size(const dc_calib_row *r)
{
	double s;
	switch (dc_calib_row_class(r)) {
	case DC_OC_ATTN_DECODE:
	case DC_OC_ATTN_PREFILL: s = r->n; break;
	case DC_OC_SOFTMAX:
	case DC_OC_NORM:
	case DC_OC_ACT:
	case DC_OC_STREAM: s = (double)r->m * r->n; break;
	default: s = r->m;
	}
	return s < 1 ? 1 : s;
}

double dc_calib_row_width(const dc_calib_row *r)
{
	int c = dc_calib_row_class(r);
	return c == DC_OC_GEMM || c == DC_OC_GEMV ? (double)r->n * r->k : 0;
}

/* ---- reading a profile ---------------------------------------------------- */

void dc_profile_free(dc_profile *p)
{
	if (!p)
		return;
	dc_free(p->device);
	dc_free(p->source);
	dc_free(p->rows);
	memset(p, 0, sizeof *p);
}

static int need_meta(const dc_table *t, const char *key, const char **v,
		     dc_err *err)
{
	*v = dc_table_meta(t, key, NULL);
	if (*v && **v)
		return DC_OK;
	return dc_err_key(err, DC_EINVAL, dc_table_name(t), key, "profile "
			  "has no '# %s:' line (dcsim calibrate writes it)",
			  key);
}

static int meta_peak(const dc_table *t, const char *key, double *v,
		     dc_err *err)
{
	const char *s;
	int rc = need_meta(t, key, &s, err);
	if (rc)
		return rc;
	char *end;
	*v = strtod(s, &end);
	if (end == s || *end || !(*v > 0) || !isfinite(*v)) {
		int line = 0;
		dc_table_meta(t, key, &line);
		return dc_err_at(err, DC_EINVAL, dc_table_name(t), line, 1,
				 "'%s' must be a positive number, got '%s'",
				 key, s);
	}
	return DC_OK;
}

enum { C_OP, C_M, C_N, C_K, C_T, C_F, C_B, NCOL };

static int row_read(const dc_table *t, size_t r, const size_t *col,
		    dc_calib_row *o, dc_err *err)
{
	const char *op = dc_table_field(t, r, col[C_OP]);
	if (dc_op_class_of(op) < 0)
		return dc_table_err(t, r, col[C_OP], err, DC_EINVAL,
				    "unknown operator '%s'", op);
	snprintf(o->op, sizeof o->op, "%s", op);
	double v[NCOL];
	int rc = DC_OK;
	for (int c = C_M; c < NCOL; c++) {
		int e = dc_table_num(t, r, col[c], &v[c], err);
		if (e) {
			rc = e;
			continue;
		}
		double lo = c == C_K ? 0 : c == C_F ? 0 : 1;
		int ok = c == C_T || c == C_B ? v[c] > 0 : v[c] >= lo;
		if (c <= C_K && ok)
			ok = v[c] == floor(v[c]) && v[c] < 2147483647.0;
		if (!ok)
			rc = dc_table_err(t, r, col[c], err, DC_EINVAL,
					  c <= C_K ? "expected a whole number "
						     ">= %g, got %g"
						   : "expected > %g, got %g",
					  c <= C_K ? lo : 0.0, v[c]);
	}
	if (rc)
		return rc;
	o->m = (int)v[C_M], o->n = (int)v[C_N], o->k = (int)v[C_K];
	o->time_s = v[C_T], o->flops = v[C_F], o->bytes = v[C_B];
	/* optional: how many calls, the reference check (nan: none) */
	int rc_ = dc_table_col(t, "reps"), ec = dc_table_col(t, "max_rel_err");
	const char *f = rc_ >= 0 ? dc_table_field(t, r, (size_t)rc_) : NULL;
	o->reps = f ? atoi(f) : 0;
	f = ec >= 0 ? dc_table_field(t, r, (size_t)ec) : NULL;
	o->max_rel_err = f && *f ? strtod(f, NULL) : NAN;
	return DC_OK;
}

/* Rows sorted by (op, n, k, m) through an index, for the monotonic check. */
static const dc_calib_row *sort_rows;

static int by_curve(const void *pa, const void *pb)
{
	const dc_calib_row *a = &sort_rows[*(const size_t *)pa];
	const dc_calib_row *b = &sort_rows[*(const size_t *)pb];
	int c = strcmp(a->op, b->op);
	if (c)
		return c;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	if (a->k != b->k)
		return a->k < b->k ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	return (*(const size_t *)pa > *(const size_t *)pb) -
	       (*(const size_t *)pa < *(const size_t *)pb);
}


size_t dc_calib_nonmonotonic(const dc_calib_row *rows, size_t n,
			     size_t *pairs, size_t cap)
{
	size_t *ix = dc_malloc((n ? n : 1) * sizeof *ix), found = 0;
	if (!ix)
		return (size_t)-1;
	for (size_t i = 0; i < n; i++)
		ix[i] = i;
	sort_rows = rows;
	qsort(ix, n, sizeof *ix, by_curve);
	size_t top = 0; /* the slowest row so far on the current curve */
	for (size_t i = 0; i < n; i++) {
		const dc_calib_row *a = &rows[ix[top]], *b = &rows[ix[i]];
		if (!i || strcmp(a->op, b->op) || a->n != b->n ||
		    a->k != b->k) {
			top = i;
			continue;
		}
		if (b->m != a->m && b->time_s < (1 - DC_CALIB_MONO_TOL) * a->time_s) {
			if (found < cap)
				pairs[2 * found] = ix[top],
				pairs[2 * found + 1] = ix[i];
			found++;
		}
		if (b->time_s > a->time_s)
			top = i;
	}
	dc_free(ix);
	return found;
}

static int monotonic(const dc_table *t, const dc_calib_row *rows, size_t n,
		     size_t tcol, dc_err *err)
{
	size_t pairs[2 * 10];
	size_t k = dc_calib_nonmonotonic(rows, n, pairs, 10);
	if (k == (size_t)-1)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	for (size_t i = 0; i < k && i < 10; i++) {
		const dc_calib_row *a = &rows[pairs[2 * i]];
		const dc_calib_row *b = &rows[pairs[2 * i + 1]];
		dc_table_err(t, pairs[2 * i + 1], tcol, err, DC_EINVAL,
			     "non-monotonic curve: %s %d x %d takes %.4g s at "
			     "m = %d but %.4g s at m = %d (more work, less "
			     "time)", b->op, b->n, b->k, b->time_s, b->m,
			     a->time_s, a->m);
	}
	return k ? DC_EINVAL : DC_OK;
}

static int profile_rows(const dc_table *t, dc_profile *p, size_t *col,
			dc_err *err)
{
	static const char *const names[NCOL] = {"op", "m", "n", "k",
						"time_s", "flops", "bytes"};
	int rc = DC_OK;
	for (int c = 0; c < NCOL; c++) {
		int i = dc_table_col(t, names[c]);
		if (i < 0)
			rc = dc_err_key(err, DC_EINVAL, dc_table_name(t),
					names[c], "profile has no column '%s'",
					names[c]);
		col[c] = (size_t)(i < 0 ? 0 : i);
	}
	if (rc)
		return rc;
	p->n = dc_table_rows(t);
	if (!p->n)
		return dc_err_key(err, DC_EINVAL, dc_table_name(t), "rows",
				  "profile has no rows");
	p->rows = dc_calloc(p->n, sizeof *p->rows);
	if (!p->rows)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	for (size_t r = 0; r < p->n; r++) {
		int e = row_read(t, r, col, &p->rows[r], err);
		rc = rc ? rc : e;
	}
	return rc;
}

int dc_profile_from_table(const dc_table *t, dc_profile *out, dc_err *err)
{
	dc_profile p;
	memset(&p, 0, sizeof p);
	const char *dev = NULL;
	size_t col[NCOL];
	int rc = need_meta(t, "device", &dev, err);
	int e = meta_peak(t, "peak_flops", &p.peak_flops, err);
	rc = rc ? rc : e;
	e = meta_peak(t, "peak_bw", &p.peak_bw, err);
	rc = rc ? rc : e;
	e = profile_rows(t, &p, col, err);
	rc = rc ? rc : e;
	if (!rc)
		rc = monotonic(t, p.rows, p.n, col[C_T], err);
	const char *host = dc_table_meta(t, "host", NULL);
	const char *date = dc_table_meta(t, "date", NULL);
	const char *src = dc_table_meta(t, "source", NULL);
	char buf[1024];
	if (src)
		snprintf(buf, sizeof buf, "imported from %s", src);
	else
		snprintf(buf, sizeof buf, "measured by dcsim calibrate on %s "
			 "at %s", host ? host : "?", date ? date : "?");
	if (!rc && (!(p.device = dc_strdup(dev)) ||
		    !(p.source = dc_strdup(buf))))
		rc = dc_err_msg(err, DC_ENOMEM, "out of memory");
	if (rc) {
		dc_profile_free(&p);
		return rc;
	}
	*out = p;
	return DC_OK;
}

/* ---- the law --------------------------------------------------------------- */

double dc_class_eta_c(const dc_class_fit *c, double s, double w)
{
	if (!c->hill_fitted)
		return c->eta_c_max;
	double x = s / c->s_half;
	if (w > 0 && c->w_ref > 0 && c->beta != 0)
		x *= pow(w / c->w_ref, c->beta);
	double a = pow(x, c->gamma);
	return c->eta_c_max * a / (a + 1);
}

double dc_class_time(const dc_class_fit *c, double P, double BW, double F,
		     double B, double s, double w, double clock, double *tc_out,
		     double *tm_out)
{
	double tc = F > 0 ? F / (dc_class_eta_c(c, s, w) * P * clock) : 0;
	double em = c->eta_m * (1 + c->cache_gain * c->cache_bytes /
					    (B + c->cache_bytes));
	double tm = B > 0 ? B / (em * BW) : 0;
	if (tc_out)
		*tc_out = tc;
	if (tm_out)
		*tm_out = tm;
	double hi = tc > tm ? tc : tm, lo = tc > tm ? tm : tc;
	if (hi <= 0)
		return c->t0;
	/* (tc^p + tm^p)^(1/p) without overflow */
	return c->t0 + hi * pow(1 + pow(lo / hi, c->overlap), 1 / c->overlap);
}

double dc_calib_gemm_time(const dc_calib_fit *f, double P, double BW, int n,
			  int k, double elem_bytes, double m, double clock,
			  double *tc, double *tm)
{
	const dc_class_fit *gv = &f->cls[DC_OC_GEMV], *gm = &f->cls[DC_OC_GEMM];
	double N = n, K = k, w = N * K;
#define GEMM_T(law, mm, c_, m_)                                            \
	dc_class_time(law, P, BW, 2 * (mm) * N * K,                        \
		      elem_bytes * ((mm) * K + K * N + (mm) * N), mm, w, clock, \
		      c_, m_)
	if (tc)
		*tc = 0;
	if (tm)
		*tm = 0;
	if (!gm->rows && !gv->rows)
		return NAN;
	if (!gm->rows || (gv->rows && m <= 1))
		return GEMM_T(gv, m, tc, tm);
	double t = GEMM_T(gm, m, tc, tm);
	if (!gv->rows || m >= gm->s_min || gm->s_min <= 1)
		return t;
	double t1 = GEMM_T(gv, 1.0, NULL, NULL);
	double ts = GEMM_T(gm, gm->s_min, NULL, NULL);
	double u = log(m) / log(gm->s_min);
#undef GEMM_T
	return exp((1 - u) * log(t1) + u * log(ts));
}

static double law(const dc_class_fit *c, double P, double BW, double F,
		  double B, double s, double w)
{
	return dc_class_time(c, P, BW, F, B, s, w, 1.0, NULL, NULL);
}

double dc_calib_predict(const dc_calib_fit *f, dc_op_class c, double flops,
			double bytes, double s, double w)
{
	if (c < 0 || c >= DC_OC_COUNT || !f->cls[c].rows)
		return NAN;
	return law(&f->cls[c], f->peak_flops, f->peak_bw, flops, bytes, s, w);
}

static const dc_calib_curve *curve_find(const dc_calib_fit *f, int n, int k)
{
	for (int i = 0; i < f->ncurves; i++)
		if (f->curve[i].n == n && f->curve[i].k == k)
			return &f->curve[i];
	return NULL;
}

/* LAW's time for a GEMM of curve CV at S tokens, at the profile's peaks. */
static double curve_law(const dc_calib_fit *f, const dc_class_fit *law,
			const dc_calib_curve *cv, double s)
{
	double n = cv->n, k = cv->k;
	if (law == &f->cls[DC_OC_GEMM] || law == &f->cls[DC_OC_GEMV])
		return dc_calib_gemm_time(f, f->peak_flops, f->peak_bw, cv->n,
					  cv->k, cv->elem_bytes, s, 1.0, NULL,
					  NULL);
	return dc_class_time(law, f->peak_flops, f->peak_bw, 2 * s * n * k,
			     cv->elem_bytes * (s * k + k * n + s * n), s,
			     n * k, 1.0, NULL, NULL);
}

double dc_calib_correction(const dc_calib_fit *f, const dc_class_fit *law,
			   int n, int k, double s)
{
	const dc_calib_curve *cv = curve_find(f, n, k);
	if (!cv || !cv->npts || !law || !law->rows)
		return 1;
	double x = log(s < 1 ? 1 : s);
	const double *X = cv->log_s, *Y = cv->log_t;
	int m = cv->npts;
	if (x <= X[0] || m == 1)
		return exp(Y[0]) / curve_law(f, law, cv, exp(X[0]));
	if (x >= X[m - 1])
		return exp(Y[m - 1]) / curve_law(f, law, cv, exp(X[m - 1]));
	int i = 1;
	while (X[i] < x)
		i++;
	double u = (x - X[i - 1]) / (X[i] - X[i - 1]);
	return exp(Y[i - 1] + u * (Y[i] - Y[i - 1])) /
	       curve_law(f, law, cv, exp(x));
}

double dc_calib_predict_row(const dc_calib_fit *f, const dc_calib_row *r)
{
	int c = dc_calib_row_class(r);
	if (c < 0)
		return NAN;
	double s = dc_calib_row_size(r);
	if (c != DC_OC_GEMM && c != DC_OC_GEMV)
		return dc_calib_predict(f, (dc_op_class)c, r->flops, r->bytes,
					s, dc_calib_row_width(r));
	double mk = (double)r->m * r->k + (double)r->k * r->n +
		    (double)r->m * r->n;
	return dc_calib_gemm_time(f, f->peak_flops, f->peak_bw, r->n, r->k,
				  r->bytes / mk, r->m, 1.0, NULL, NULL) *
	       dc_calib_correction(f, &f->cls[c], r->n, r->k, s);
}

/* ---- the fit ---------------------------------------------------------------- */

/* One class's points and which parameters are free.  Parameters are the
 * logs of t0, eta_m, eta_c_max, s_half, gamma (positive by construction);
 * the last three only when the compute part is fitted. */
typedef struct fitpts {
	size_t n;
	double *F, *B, *s, *w, *t;
	double P, BW, w_ref;
	int compute, hill, overlap, cache, shape;
} fitpts;

#define P_MAX 64.0 /* the overlap exponent when not fitted: the max */
/* Bounds that keep the parameters physical (and the fit identifiable: an
 * unbounded memory efficiency lets the compute curve mimic the
 * memory-bound regime): efficiencies up to 1.25 of the reference peaks
 * (a host's peaks are its own best measurements), a cache gain up to 16,
 * a Hill exponent between 0.25 and 1: above 1 the compute time
 * F / eta_c(s) P, F ~ s, would fall as s grows at small s (more work in
 * less time), which no kernel does. */
#define EFF_MAX 1.25
#define GAIN_MAX 16.0
#define GAMMA_LO 0.25
#define GAMMA_HI 1.0
#define BETA_MAX 2.0

/* x on the real line to (lo, hi), and back. */
static double bounded(double x, double lo, double hi)
{
	return lo + (hi - lo) / (1 + exp(-x));
}

static double unbounded(double v, double lo, double hi)
{
	double f = (v - lo) / (hi - lo);
	f = f < 1e-6 ? 1e-6 : f > 1 - 1e-6 ? 1 - 1e-6 : f;
	return log(f / (1 - f));
}

static size_t nparams(const fitpts *d)
{
	return 2 + 2 * (size_t)d->cache + (size_t)d->compute +
	       2 * (size_t)d->hill + (size_t)d->overlap + (size_t)d->shape;
}

static void unpack(const gsl_vector *x, const fitpts *d, dc_class_fit *c)
{
	size_t i = 2;
	c->t0 = exp(gsl_vector_get(x, 0));
	c->eta_m = bounded(gsl_vector_get(x, 1), 0, EFF_MAX);
	c->compute_fitted = d->compute;
	c->cache_fitted = d->cache;
	c->cache_gain = 0, c->cache_bytes = 1;
	if (d->cache) {
		c->cache_gain = bounded(gsl_vector_get(x, i++), 0, GAIN_MAX);
		c->cache_bytes = exp(gsl_vector_get(x, i++));
	}
	c->eta_c_max = 1, c->s_half = 1, c->gamma = 1, c->overlap = P_MAX;
	c->hill_fitted = d->hill;
	if (d->compute)
		c->eta_c_max = bounded(gsl_vector_get(x, i++), 0, EFF_MAX);
	if (d->hill) {
		c->s_half = exp(gsl_vector_get(x, i++));
		c->gamma = bounded(gsl_vector_get(x, i++), GAMMA_LO,
				   GAMMA_HI);
	}
	if (d->overlap)
		c->overlap = 1 + exp(gsl_vector_get(x, i++));
	c->beta = d->shape ? bounded(gsl_vector_get(x, i++), 0, BETA_MAX) : 0;
	c->w_ref = d->w_ref;
}

static int resid(const gsl_vector *x, void *params, gsl_vector *f)
{
	const fitpts *d = params;
	dc_class_fit c;
	unpack(x, d, &c);
	for (size_t i = 0; i < d->n; i++) {
		double p = law(&c, d->P, d->BW, d->F[i], d->B[i], d->s[i],
			       d->w[i]);
		gsl_vector_set(f, i, log(p) - log(d->t[i]));
	}
	return GSL_SUCCESS;
}

/* Starting point: the best achieved efficiencies, the size where the
 * compute rate first reaches half its best, a hundredth of the fastest
 * call as overhead, a small cache gain at the geometric middle of the
 * transfers, overlap p = 4. */
#define N_STARTS 6

static void start(const fitpts *d, int v, gsl_vector *x)
{
	/* start V of N_STARTS: the Hill midpoint and the cache size moved
	 * by a factor 8 either way, the overlap from 3 or 12 */
	static const double shift[3] = {1, 0.125, 8};
	double tmin = INFINITY, em = 0, ec = 0, bmin = INFINITY, bmax = 0;
	for (size_t i = 0; i < d->n; i++) {
		tmin = GSL_MIN(tmin, d->t[i]);
		em = GSL_MAX(em, d->B[i] / d->BW / d->t[i]);
		ec = GSL_MAX(ec, d->F[i] / d->P / d->t[i]);
		bmin = GSL_MIN(bmin, d->B[i]);
		bmax = GSL_MAX(bmax, d->B[i]);
	}
	size_t i = 2;
	gsl_vector_set(x, 0, log(0.01 * tmin));
	gsl_vector_set(x, 1, unbounded(GSL_MIN(em, 1.0), 0, EFF_MAX));
	if (d->cache) {
		gsl_vector_set(x, i++, unbounded(0.05, 0, GAIN_MAX));
		gsl_vector_set(x, i++, 0.5 * (log(bmin) + log(bmax)) +
					       log(shift[v % 3]));
	}
	double sh = INFINITY;
	for (size_t k = 0; k < d->n; k++)
		if (d->F[k] / d->P / d->t[k] >= 0.5 * ec)
			sh = GSL_MIN(sh, d->s[k]);
	if (d->compute)
		gsl_vector_set(x, i++, unbounded(GSL_MIN(ec, 1.0), 0, EFF_MAX));
	if (d->hill) {
		gsl_vector_set(x, i++, log((isfinite(sh) ? sh : 1) *
					   shift[v % 3]));
		gsl_vector_set(x, i++, unbounded(0.9, GAMMA_LO, GAMMA_HI));
	}
	if (d->overlap)
		gsl_vector_set(x, i++, log(v < 3 ? 2.0 : 11.0));
	if (d->shape)
		gsl_vector_set(x, i++, unbounded(0.5, 0, BETA_MAX));
}

static void quality(const fitpts *d, dc_class_fit *c)
{
	double mean = 0, ss_tot = 0, ss_res = 0, worst = 0;
	for (size_t i = 0; i < d->n; i++)
		mean += log(d->t[i]) / (double)d->n;
	for (size_t i = 0; i < d->n; i++) {
		double p = law(c, d->P, d->BW, d->F[i], d->B[i], d->s[i],
			       d->w[i]);
		double y = log(d->t[i]);
		ss_tot += (y - mean) * (y - mean);
		ss_res += (log(p) - y) * (log(p) - y);
		worst = GSL_MAX(worst, fabs(p - d->t[i]) / d->t[i]);
	}
	c->r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1;
	c->max_rel_err = worst;
}

/* One start: solve from START V into *CHI2 and the parameters BEST
 * (kept when *CHI2 beats *BEST_CHI2). */
static int solve_from(fitpts *d, int v, gsl_multifit_nlinear_workspace *w,
		      gsl_vector *x, gsl_vector *best, double *best_chi2,
		      size_t *iters)
{
	gsl_multifit_nlinear_fdf fdf = {.f = resid, .df = NULL, .fvv = NULL,
					.n = d->n, .p = x->size, .params = d};
	start(d, v, x);
	int info = 0;
	int st = gsl_multifit_nlinear_init(x, &fdf, w);
	if (!st)
		st = gsl_multifit_nlinear_driver(500, 1e-10, 1e-10, 1e-12,
						 NULL, NULL, &info, w);
	if (st && st != GSL_EMAXITER)
		return st;
	const gsl_vector *sol = gsl_multifit_nlinear_position(w);
	const gsl_vector *f = gsl_multifit_nlinear_residual(w);
	double chi2 = 0;
	for (size_t i = 0; i < f->size; i++)
		chi2 += gsl_vector_get(f, i) * gsl_vector_get(f, i);
	for (size_t i = 0; i < sol->size; i++)
		if (!isfinite(gsl_vector_get(sol, i)))
			return GSL_EFAILED;
	if (isfinite(chi2) && chi2 < *best_chi2) {
		*best_chi2 = chi2;
		gsl_vector_memcpy(best, sol);
		*iters = gsl_multifit_nlinear_niter(w);
	}
	return GSL_SUCCESS;
}

/* Least squares from N_STARTS starting points (the law is not convex:
 * a Hill curve and an overlap can trade places), the best kept. */
static int solve(fitpts *d, dc_class_fit *c, const char *cname, dc_err *err)
{
	size_t np = nparams(d);
	gsl_multifit_nlinear_parameters prm =
		gsl_multifit_nlinear_default_parameters();
	gsl_multifit_nlinear_workspace *w = gsl_multifit_nlinear_alloc(
		gsl_multifit_nlinear_trust, &prm, d->n, np);
	gsl_vector *x = gsl_vector_alloc(np), *best = gsl_vector_alloc(np);
	int rc = w && x && best ? DC_OK
				: dc_err_msg(err, DC_ENOMEM, "out of memory");
	double chi2 = INFINITY;
	int st = GSL_SUCCESS;
	size_t iters = 0;
	int starts = d->hill || d->cache || d->overlap ? N_STARTS : 1;
	for (int v = 0; !rc && v < starts; v++) {
		int e = solve_from(d, v, w, x, best, &chi2, &iters);
		st = e ? e : st;
	}
	if (!rc && isfinite(chi2)) {
		unpack(best, d, c);
		c->iterations = iters;
		c->rows = d->n;
		c->s_min = INFINITY;
		for (size_t i = 0; i < d->n; i++)
			c->s_min = GSL_MIN(c->s_min, d->s[i]);
		quality(d, c);
	} else if (!rc) {
		rc = dc_err_msg(err, DC_EFAIL, "calibration fit of class '%s' "
				"did not converge (%s)", cname,
				gsl_strerror(st));
	}
	if (w)
		gsl_multifit_nlinear_free(w);
	gsl_vector_free(x);
	gsl_vector_free(best);
	return rc;
}

/* Gather class C's rows (those USE marks) into D. */
/* A dense profile (Vidur's: every token count) is thinned to one row per
 * curve (op, n, k) and quarter-octave of size, so that each scale weighs
 * alike in the fit and the fit stays fast.  Whether row R repeats the
 * bucket of one of the KEPT rows already taken. */
#define THIN_ABOVE 512

static int same_bucket(const dc_calib_row *r, const dc_calib_row *q)
{
	return !strcmp(r->op, q->op) && r->n == q->n && r->k == q->k &&
	       floor(4 * log2(dc_calib_row_size(r))) ==
		       floor(4 * log2(dc_calib_row_size(q)));
}

static int class_rows(const dc_calib_row *rows, size_t n,
		      const unsigned char *use, dc_op_class c)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += (!use || use[i]) && dc_calib_row_class(&rows[i]) == (int)c;
	return k > THIN_ABOVE;
}

static int gather(const dc_calib_row *rows, size_t n,
		  const unsigned char *use, dc_op_class c, fitpts *d,
		  const dc_calib_row **kept)
{
	int thin = class_rows(rows, n, use, c);
	d->n = 0;
	for (size_t i = 0; i < n; i++) {
		const dc_calib_row *r = &rows[i];
		if ((use && !use[i]) || dc_calib_row_class(r) != (int)c)
			continue;
		int dup = 0;
		for (size_t j = 0; thin && !dup && j < d->n; j++)
			dup = same_bucket(r, kept[j]);
		if (dup)
			continue;
		kept[d->n] = r;
		d->F[d->n] = r->flops, d->B[d->n] = r->bytes;
		d->s[d->n] = dc_calib_row_size(r), d->t[d->n] = r->time_s;
		d->w[d->n] = dc_calib_row_width(r);
		d->n++;
	}
	/* the shape term when the widths span a factor 2 or more */
	double wmin = INFINITY, wmax = 0, lsum = 0;
	for (size_t i = 0; i < d->n; i++) {
		wmin = GSL_MIN(wmin, d->w[i]);
		wmax = GSL_MAX(wmax, d->w[i]);
		lsum += d->w[i] > 0 ? log(d->w[i]) : 0;
	}
	d->w_ref = wmin > 0 ? exp(lsum / (double)d->n) : 0;
	size_t cb = 0;
	double bmin = INFINITY, bmax = 0;
	for (size_t i = 0; i < d->n; i++) {
		cb += d->F[i] / d->P > d->B[i] / d->BW;
		bmin = GSL_MIN(bmin, d->B[i]);
		bmax = GSL_MAX(bmax, d->B[i]);
	}
	d->compute = cb >= 1;
	d->hill = cb >= 3;
	d->overlap = cb >= 1 && cb < d->n;
	d->cache = bmax >= 16 * bmin;
	d->shape = d->hill && d->w_ref > 0 && wmax >= 2 * wmin;
	/* a parameter per row at most */
	int *drop[] = {&d->cache, &d->shape, &d->overlap, &d->hill,
		       &d->compute};
	for (size_t i = 0; i < DC_ARRAY_LEN(drop) && nparams(d) > d->n; i++)
		*drop[i] = 0;
	if (!d->hill)
		d->shape = 0;
	return DC_OK;
}

/* Add point (log s, log t) to curve CV, keeping it sorted by size. */
static void curve_add(dc_calib_curve *cv, double ls, double lt)
{
	if (cv->npts >= DC_CALIB_CURVE_PTS)
		return;
	int i = cv->npts++;
	for (; i > 0 && cv->log_s[i - 1] > ls; i--) {
		cv->log_s[i] = cv->log_s[i - 1];
		cv->log_t[i] = cv->log_t[i - 1];
	}
	cv->log_s[i] = ls;
	cv->log_t[i] = lt;
}

/* The measured GEMM shapes among D's rows (rows KEPT). */
static void curves_add(dc_calib_fit *f, const fitpts *d,
		       const dc_calib_row *const *kept)
{
	for (size_t i = 0; i < d->n; i++) {
		const dc_calib_row *r = kept[i];
		dc_calib_curve *cv = (dc_calib_curve *)curve_find(f, r->n, r->k);
		double mk = (double)r->m * r->k + (double)r->k * r->n +
			    (double)r->m * r->n;
		if (!cv && f->ncurves < DC_CALIB_CURVES) {
			cv = &f->curve[f->ncurves++];
			*cv = (dc_calib_curve){.n = r->n, .k = r->k,
					       .elem_bytes = r->bytes / mk};
		}
		if (cv)
			curve_add(cv, log(d->s[i]), log(d->t[i]));
	}
}

int dc_calib_fit_rows(const dc_calib_row *rows, size_t n,
		      const unsigned char *use, double peak_flops,
		      double peak_bw, dc_calib_fit *out, dc_err *err)
{
	if (!(peak_flops > 0) || !(peak_bw > 0) || !isfinite(peak_flops) ||
	    !isfinite(peak_bw))
		return dc_err_msg(err, DC_EINVAL, "calibration fit: peaks must "
				  "be positive (got %g FLOP/s, %g B/s)",
				  peak_flops, peak_bw);
	if (!rows || !n)
		return dc_err_msg(err, DC_EINVAL, "calibration fit: no rows");
	gsl_set_error_handler_off();
	memset(out, 0, sizeof *out);
	out->peak_flops = peak_flops, out->peak_bw = peak_bw;
	fitpts d = {.P = peak_flops, .BW = peak_bw};
	double *buf = dc_malloc(5 * n * sizeof *buf);
	const dc_calib_row **kept = dc_malloc(n * sizeof *kept);
	if (!buf || !kept) {
		dc_free(buf);
		dc_free(kept);
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	}
	d.F = buf, d.B = buf + n, d.s = buf + 2 * n, d.t = buf + 3 * n;
	d.w = buf + 4 * n;
	int rc = DC_OK, any = 0;
	for (int c = 0; !rc && c < DC_OC_COUNT; c++) {
		gather(rows, n, use, (dc_op_class)c, &d, kept);
		if (!d.n)
			continue;
		if (d.n < 2)
			rc = dc_err_msg(err, DC_EINVAL, "calibration fit: class "
					"'%s' has one row; it needs two or "
					"more", dc_op_class_name(c));
		else
			rc = solve(&d, &out->cls[c], dc_op_class_name(c), err);
		if (!rc && (c == DC_OC_GEMM || c == DC_OC_GEMV))
			curves_add(out, &d, kept);
		any = 1;
	}
	dc_free(buf);
	dc_free(kept);
	if (!rc && !any)
		rc = dc_err_msg(err, DC_EINVAL, "calibration fit: no rows "
				"selected");
	return rc;
}
