/* gpu_trace.c - nvidia-smi trace lines, the power-vs-utilisation law, the
 * thermal RC fit and throttle reasons (gpu_trace.h). */
#include "gpu_trace.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"

#define MAX_ERRS 10 /* bad lines reported in full */

/* ================================================================ parsing */

enum { F_TIME, F_POWER, F_TEMP, F_CLOCK, F_UTIL, F_MASK, F_N };

static const char *const field_name[F_N] = {
	"timestamp", "power.draw", "temperature.gpu", "clocks.sm",
	"utilization.gpu", "clocks_throttle_reasons.active"};
static const char *const field_unit[F_N] = {"", "W", "degC", "MHz", "%",
					    ""};

typedef struct field {
	const char *p;
	size_t len;
	int col; /* 1-based byte column of the first non-blank byte */
} field;

typedef struct pctx {
	const char *name;
	int line;
	int nerr;
	dc_err *err;
} pctx;

/* One more error at column COL of the current line; only the first
 * MAX_ERRS are written out.  Returns DC_EINVAL. */
static int bad(pctx *c, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(pctx *c, int col, const char *fmt, ...)
{
	if (c->nerr++ >= MAX_ERRS)
		return DC_EINVAL;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return dc_err_at(c->err, DC_EINVAL, c->name, c->line, col, "%s", msg);
}

static int blank(char ch) { return ch == ' ' || ch == '\t'; }

/* Split LINE at commas into up to CAP trimmed fields; returns how many
 * fields the line has (which may exceed CAP). */
static size_t split(const char *line, size_t len, field *f, size_t cap)
{
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ',')
			continue;
		size_t a = start, b = i;
		while (a < b && blank(line[a]))
			a++;
		while (b > a && blank(line[b - 1]))
			b--;
		if (n < cap)
			f[n] = (field){line + a, b - a, (int)a + 1};
		n++;
		start = i + 1;
	}
	return n;
}

/* nvidia-smi's markers for a missing value: "N/A", "[N/A]",
 * "[Not Supported]", "[Unknown Error]", ... */
static int missing(const field *f)
{
	if (f->len == 3 && !memcmp(f->p, "N/A", 3))
		return 1;
	return f->len >= 2 && f->p[0] == '[' && f->p[f->len - 1] == ']';
}

static int num_field(pctx *c, const field *f, int which, double *v)
{
	if (missing(f)) {
		*v = NAN;
		return DC_OK;
	}
	char buf[64];
	char *end = buf;
	double x = NAN;
	if (f->len && f->len < sizeof buf) {
		memcpy(buf, f->p, f->len);
		buf[f->len] = 0;
		if (isdigit((unsigned char)buf[0]) || strchr("+-.", buf[0]))
			x = strtod(buf, &end);
	}
	if (!f->len || f->len >= sizeof buf || *end || end == buf ||
	    !isfinite(x) || strpbrk(buf, "xX"))
		return bad(c, f->col, "%s: expected a number (%s), got '%.*s'",
			   field_name[which], field_unit[which],
			   (int)(f->len < 40 ? f->len : 40), f->p);
	*v = x;
	return DC_OK;
}

/* Read exactly N decimal digits at *P (before END). */
static int digits(const char **p, const char *end, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (*p >= end || !isdigit((unsigned char)**p))
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return 0;
}

static int expect(const char **p, const char *end, const char *set)
{
	if (*p >= end || !strchr(set, **p))
		return -1;
	(*p)++;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static long days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "YYYY/MM/DD HH:MM:SS[.fff...]" (or '-' between the date's parts) into
 * seconds since 1970-01-01 00:00 of the same zone. */
static int time_field(pctx *c, const field *f, double *epoch)
{
	const char *p = f->p, *end = f->p + f->len;
	int y, mo, d, h, mi, s;
	int ok = !digits(&p, end, 4, &y) && !expect(&p, end, "/-") &&
		 !digits(&p, end, 2, &mo) && !expect(&p, end, "/-") &&
		 !digits(&p, end, 2, &d) && !expect(&p, end, " T") &&
		 !digits(&p, end, 2, &h) && !expect(&p, end, ":") &&
		 !digits(&p, end, 2, &mi) && !expect(&p, end, ":") &&
		 !digits(&p, end, 2, &s);
	double frac = 0, scale = 0.1;
	if (ok && p < end && *p == '.')
		for (p++; p < end && isdigit((unsigned char)*p); p++) {
			frac += (*p - '0') * scale;
			scale *= 0.1;
		}
	ok = ok && p == end && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 &&
	     h <= 23 && mi <= 59 && s <= 60;
	if (!ok)
		return bad(c, f->col, "timestamp: expected YYYY/MM/DD "
			   "HH:MM:SS.fff, got '%.*s'",
			   (int)(f->len < 40 ? f->len : 40), f->p);
	*epoch = (double)days_from_civil(y, mo, d) * 86400.0 + h * 3600.0 +
		 mi * 60.0 + s + frac;
	return DC_OK;
}

static int mask_field(pctx *c, const field *f, uint64_t *mask)
{
	if (missing(f)) {
		*mask = DC_GPU_THROTTLE_NA;
		return DC_OK;
	}
	int ok = f->len > 2 && f->len <= 18 && f->p[0] == '0' &&
		 (f->p[1] == 'x' || f->p[1] == 'X');
	uint64_t v = 0;
	for (size_t i = 2; ok && i < f->len; i++) {
		int ch = (unsigned char)f->p[i];
		ok = isxdigit(ch);
		v = v * 16 + (uint64_t)(isdigit(ch) ? ch - '0'
						    : tolower(ch) - 'a' + 10);
	}
	if (!ok)
		return bad(c, f->col, "%s: expected a hex mask like "
			   "0x0000000000000004, got '%.*s'", field_name[F_MASK],
			   (int)(f->len < 40 ? f->len : 40), f->p);
	*mask = v;
	return DC_OK;
}

/* Range checks of a parsed line's numbers. */
static int ranges(pctx *c, const field *f, const double *v)
{
	int rc = DC_OK;
	for (int i = F_POWER; i <= F_UTIL; i++) {
		if (i == F_TEMP || isnan(v[i]))
			continue;
		if (v[i] < 0 || (i == F_UTIL && v[i] > 100))
			rc = bad(c, f[i].col, "%s: %g %s is outside %s",
				 field_name[i], v[i], field_unit[i],
				 i == F_UTIL ? "0..100" : "0..inf");
	}
	return rc;
}

static int parse_line(pctx *c, const char *line, size_t len,
		      dc_gpu_sample *s, double *epoch)
{
	field f[F_N + 1];
	size_t nf = split(line, len, f, F_N + 1);
	if (nf != F_N)
		return bad(c, nf > F_N ? f[F_N].col : (int)len + 1,
			   "expected %d fields (%s), got %zu", F_N,
			   DC_GPU_TRACE_QUERY, nf);
	double v[F_N] = {0};
	int rc = time_field(c, &f[F_TIME], epoch);
	for (int i = F_POWER; i <= F_UTIL; i++)
		if (num_field(c, &f[i], i, &v[i]))
			rc = DC_EINVAL;
	if (mask_field(c, &f[F_MASK], &s->throttle))
		rc = DC_EINVAL;
	if (!rc)
		rc = ranges(c, f, v);
	s->power_W = v[F_POWER], s->temp_C = v[F_TEMP];
	s->sm_clock_MHz = v[F_CLOCK], s->util = v[F_UTIL] / 100.0;
	return rc;
}

/* Blank lines, comments and nvidia-smi's header line. */
static int skip_line(const char *line, size_t len)
{
	size_t i = 0;
	while (i < len && (blank(line[i]) || line[i] == '\r'))
		i++;
	return i == len || line[i] == '#' ||
	       (len - i >= 9 && !memcmp(line + i, "timestamp", 9));
}

static int push(dc_gpu_trace *tr, size_t *cap, const dc_gpu_sample *s)
{
	if (tr->n == *cap) {
		size_t nc = *cap ? 2 * *cap : 256;
		dc_gpu_sample *v = dc_realloc(tr->s, nc * sizeof *v);
		if (!v)
			return DC_ENOMEM;
		tr->s = v, *cap = nc;
	}
	tr->s[tr->n++] = *s;
	return DC_OK;
}

/* One line: parsed, its time checked against the last good line's. */
static int take_line(pctx *c, const char *line, size_t len,
		     dc_gpu_trace *tr, size_t *cap, double *prev)
{
	dc_gpu_sample s;
	double ep = 0;
	if (parse_line(c, line, len, &s, &ep))
		return DC_EINVAL;
	if (ep < *prev)
		return bad(c, 1, "timestamp: %.3f s earlier than the line "
			   "before", *prev - ep);
	*prev = ep;
	if (!tr->n)
		tr->t0_epoch_s = ep;
	s.t_s = ep - tr->t0_epoch_s;
	return push(tr, cap, &s);
}

int dc_gpu_trace_parse(const char *name, const char *text, size_t len,
		       dc_gpu_trace *tr, dc_err *err)
{
	*tr = (dc_gpu_trace){0};
	pctx c = {name ? name : "trace", 0, 0, err};
	size_t cap = 0, pos = 0;
	double prev = -INFINITY;
	int rc = DC_OK;
	while (pos < len && rc != DC_ENOMEM) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t ll = end - pos;
		const char *line = text + pos;
		if (ll && line[ll - 1] == '\r')
			ll--;
		c.line++;
		pos = end + 1;
		if (!skip_line(line, ll))
			rc = take_line(&c, line, ll, tr, &cap, &prev);
	}
	if (rc == DC_ENOMEM)
		rc = dc_err_msg(err, DC_ENOMEM, "out of memory");
	else if (c.nerr > MAX_ERRS)
		rc = dc_err_msg(err, DC_EINVAL, "%s: %d more bad lines not "
				"shown", c.name, c.nerr - MAX_ERRS);
	else if (c.nerr)
		rc = DC_EINVAL;
	else if (!tr->n)
		rc = dc_err_msg(err, DC_EINVAL, "%s: no samples", c.name);
	if (rc)
		dc_gpu_trace_free(tr);
	return rc;
}

void dc_gpu_trace_free(dc_gpu_trace *tr)
{
	if (!tr)
		return;
	dc_free(tr->s);
	*tr = (dc_gpu_trace){0};
}

static void acc(double *sum, size_t *k, double v)
{
	if (isfinite(v))
		*sum += v, (*k)++;
}

size_t dc_gpu_trace_mean(const dc_gpu_trace *tr, double t0, double t1,
			 dc_gpu_sample *mean)
{
	double sum[5] = {0};
	size_t k[5] = {0}, n = 0;
	uint64_t mask = 0;
	int known = 0;
	for (size_t i = 0; i < tr->n; i++) {
		const dc_gpu_sample *s = &tr->s[i];
		if (!(s->t_s >= t0 && s->t_s < t1))
			continue;
		n++;
		acc(&sum[0], &k[0], s->t_s), acc(&sum[1], &k[1], s->power_W);
		acc(&sum[2], &k[2], s->temp_C);
		acc(&sum[3], &k[3], s->sm_clock_MHz);
		acc(&sum[4], &k[4], s->util);
		if (s->throttle != DC_GPU_THROTTLE_NA)
			mask |= s->throttle, known = 1;
	}
	double m[5];
	for (int j = 0; j < 5; j++)
		m[j] = k[j] ? sum[j] / (double)k[j] : NAN;
	*mean = (dc_gpu_sample){m[0], m[1], m[2], m[3], m[4],
				known ? mask : DC_GPU_THROTTLE_NA};
	return n;
}

double dc_gpu_trace_median_dt(const dc_gpu_trace *tr)
{
	if (tr->n < 2)
		return NAN;
	double *d = dc_malloc((tr->n - 1) * sizeof *d);
	if (!d)
		return NAN;
	for (size_t i = 1; i < tr->n; i++)
		d[i - 1] = tr->s[i].t_s - tr->s[i - 1].t_s;
	gsl_sort(d, 1, tr->n - 1);
	double m = gsl_stats_median_from_sorted_data(d, 1, tr->n - 1);
	dc_free(d);
	return m;
}

/* ============================================================ the solver */

/* Levenberg-Marquardt from X[0..P) (overwritten with the solution) on
 * FDF.  Returns DC_OK, DC_ENOMEM, or DC_EFAIL with *GSL the GSL status. */
static int lm_solve(gsl_multifit_nlinear_fdf *fdf, double *x, size_t p,
		    size_t *iters, int *gsl)
{
	gsl_multifit_nlinear_parameters prm =
		gsl_multifit_nlinear_default_parameters();
	prm.trs = gsl_multifit_nlinear_trs_lm;
	gsl_multifit_nlinear_workspace *w = gsl_multifit_nlinear_alloc(
		gsl_multifit_nlinear_trust, &prm, fdf->n, fdf->p);
	gsl_vector_view xv = gsl_vector_view_array(x, p);
	if (!w)
		return DC_ENOMEM;
	int info = 0;
	*gsl = gsl_multifit_nlinear_init(&xv.vector, fdf, w);
	if (!*gsl)
		*gsl = gsl_multifit_nlinear_driver(300, 1e-12, 1e-12, 0, NULL,
						   NULL, &info, w);
	const gsl_vector *sol = gsl_multifit_nlinear_position(w);
	int ok = !*gsl || *gsl == GSL_EMAXITER;
	for (size_t i = 0; ok && i < p; i++)
		ok = isfinite(gsl_vector_get(sol, i));
	for (size_t i = 0; ok && i < p; i++)
		x[i] = gsl_vector_get(sol, i);
	*iters = gsl_multifit_nlinear_niter(w);
	gsl_multifit_nlinear_free(w);
	return ok ? DC_OK : DC_EFAIL;
}

/* ============================================================= power law */

typedef struct pdata {
	double *u, *p;
	size_t n;
} pdata;

static double upow(double u, double a) { return u > 0 ? pow(u, a) : 0; }

/* x = (P_idle, P_max, ln alpha) */
static int pw_f(const gsl_vector *x, void *params, gsl_vector *f)
{
	const pdata *d = params;
	double pi = gsl_vector_get(x, 0), pm = gsl_vector_get(x, 1);
	double a = exp(gsl_vector_get(x, 2));
	for (size_t i = 0; i < d->n; i++)
		gsl_vector_set(f, i, pi + (pm - pi) * upow(d->u[i], a) - d->p[i]);
	return GSL_SUCCESS;
}

static int pw_df(const gsl_vector *x, void *params, gsl_matrix *j)
{
	const pdata *d = params;
	double pi = gsl_vector_get(x, 0), pm = gsl_vector_get(x, 1);
	double a = exp(gsl_vector_get(x, 2));
	for (size_t i = 0; i < d->n; i++) {
		double u = d->u[i], w = upow(u, a);
		gsl_matrix_set(j, i, 0, 1 - w);
		gsl_matrix_set(j, i, 1, w);
		gsl_matrix_set(j, i, 2, u > 0 ? (pm - pi) * w * log(u) * a : 0);
	}
	return GSL_SUCCESS;
}

/* For fixed alpha the law is linear in P_idle and P_max: solve the 2 x 2
 * normal equations into X; returns the residual sum of squares (INFINITY
 * when singular). */
static double pw_linear(const pdata *d, double alpha, double *x)
{
	double s00 = 0, s01 = 0, s11 = 0, r0 = 0, r1 = 0;
	for (size_t i = 0; i < d->n; i++) {
		double w = upow(d->u[i], alpha), b0 = 1 - w;
		s00 += b0 * b0, s01 += b0 * w, s11 += w * w;
		r0 += b0 * d->p[i], r1 += w * d->p[i];
	}
	double det = s00 * s11 - s01 * s01;
	if (!(det > 1e-12 * (s00 * s11)))
		return INFINITY;
	x[0] = (r0 * s11 - r1 * s01) / det;
	x[1] = (r1 * s00 - r0 * s01) / det;
	x[2] = log(alpha);
	double ss = 0;
	for (size_t i = 0; i < d->n; i++) {
		double r = x[0] + (x[1] - x[0]) * upow(d->u[i], alpha) - d->p[i];
		ss += r * r;
	}
	return ss;
}

/* The best start on a grid of alpha in 0.1..10. */
static void pw_start(const pdata *d, double *x)
{
	double best = INFINITY, y[3];
	x[0] = d->p[0], x[1] = d->p[0], x[2] = 0;
	for (int g = 0; g <= 40; g++) {
		double ss = pw_linear(d, exp(log(0.1) + g * log(100.0) / 40), y);
		if (ss < best)
			best = ss, memcpy(x, y, sizeof y);
	}
}

/* Copy the finite points, checking their ranges. */
static int pw_gather(const double *u, const double *p, size_t n, pdata *d,
		     dc_err *err)
{
	d->u = dc_malloc((n ? n : 1) * sizeof *d->u);
	d->p = dc_malloc((n ? n : 1) * sizeof *d->p);
	if (!d->u || !d->p)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	d->n = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(u[i]) || !isfinite(p[i]))
			continue;
		if (u[i] < 0 || u[i] > 1 || p[i] <= 0)
			return dc_err_msg(err, DC_EINVAL, "power fit: point %zu "
					  "(u %g, P %g W) is outside u in 0..1, "
					  "P > 0", i, u[i], p[i]);
		d->u[d->n] = u[i], d->p[d->n] = p[i], d->n++;
	}
	return DC_OK;
}

/* Enough points, distinct utilisations and a power that varies. */
static int pw_identifiable(const pdata *d, dc_err *err)
{
	double us[64];
	size_t nd = 0;
	double pmin = INFINITY, pmax = -INFINITY;
	for (size_t i = 0; i < d->n; i++) {
		size_t j = 0;
		while (j < nd && fabs(us[j] - d->u[i]) >= 0.01)
			j++;
		if (j == nd && nd < DC_ARRAY_LEN(us))
			us[nd++] = d->u[i];
		pmin = fmin(pmin, d->p[i]), pmax = fmax(pmax, d->p[i]);
	}
	if (d->n < 4 || nd < 3)
		return dc_err_msg(err, DC_EINVAL, "power fit: %zu points at %zu "
				  "distinct utilisations; alpha needs at least "
				  "4 points at 3 utilisations (0.01 apart)",
				  d->n, nd);
	if (pmax - pmin < 1)
		return dc_err_msg(err, DC_EINVAL, "power fit: the power does not "
				  "vary with utilisation (%.4g .. %.4g W)",
				  pmin, pmax);
	return DC_OK;
}

static void pw_quality(const pdata *d, dc_gpu_power_law *f)
{
	double mean = 0, ss_tot = 0, ss_res = 0, worst = 0;
	for (size_t i = 0; i < d->n; i++)
		mean += d->p[i] / (double)d->n;
	for (size_t i = 0; i < d->n; i++) {
		double r = dc_gpu_power_eval(f, d->u[i]) - d->p[i];
		ss_tot += (d->p[i] - mean) * (d->p[i] - mean);
		ss_res += r * r;
		worst = fmax(worst, fabs(r) / d->p[i]);
	}
	f->r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1;
	f->rms_W = sqrt(ss_res / (double)d->n);
	f->max_rel_err = worst;
	f->n = d->n;
}

int dc_gpu_fit_power(const double *u, const double *p, size_t n,
		     dc_gpu_power_law *out, dc_err *err)
{
	gsl_set_error_handler_off();
	pdata d = {0};
	int rc = pw_gather(u, p, n, &d, err);
	if (!rc)
		rc = pw_identifiable(&d, err);
	double x[3];
	size_t it = 0;
	int gsl = 0;
	if (!rc) {
		pw_start(&d, x);
		gsl_multifit_nlinear_fdf fdf = {.f = pw_f, .df = pw_df,
						.n = d.n, .p = 3, .params = &d};
		rc = lm_solve(&fdf, x, 3, &it, &gsl);
		if (rc)
			dc_err_msg(err, rc, "power fit: %s", rc == DC_ENOMEM
				   ? "out of memory" : gsl_strerror(gsl));
	}
	if (!rc && !(exp(x[2]) >= 0.05 && exp(x[2]) <= 20))
		rc = dc_err_msg(err, DC_EFAIL, "power fit: alpha %.3g is "
				"outside 0.05..20", exp(x[2]));
	if (!rc) {
		*out = (dc_gpu_power_law){.p_idle_W = x[0], .p_max_W = x[1],
					  .alpha = exp(x[2]), .iterations = it};
		pw_quality(&d, out);
	}
	dc_free(d.u), dc_free(d.p);
	return rc;
}

double dc_gpu_power_eval(const dc_gpu_power_law *f, double u)
{
	u = u < 0 ? 0 : u > 1 ? 1 : u;
	return f->p_idle_W + (f->p_max_W - f->p_idle_W) * upow(u, f->alpha);
}

/* ============================================================ thermal RC */

typedef struct rcdata {
	double *t, *p, *y; /* time, held power, temperature (NAN: none) */
	size_t n;          /* samples */
	size_t m;          /* of them with a temperature: residuals */
	double dt_med, span;
} rcdata;

/* x = (T_ref, R_th, ln tau, T0); one step of T from sample I-1 to I */
static double rc_step(const rcdata *d, size_t i, double tr, double r,
		      double tau, double tprev, double *a)
{
	*a = exp(-(d->t[i] - d->t[i - 1]) / tau);
	double tss = tr + r * d->p[i - 1];
	return tss + (tprev - tss) * *a;
}

static int rc_f(const gsl_vector *x, void *params, gsl_vector *f)
{
	const rcdata *d = params;
	double tr = gsl_vector_get(x, 0), r = gsl_vector_get(x, 1);
	double tau = exp(gsl_vector_get(x, 2)), T = gsl_vector_get(x, 3), a;
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (i)
			T = rc_step(d, i, tr, r, tau, T, &a);
		if (!isnan(d->y[i]))
			gsl_vector_set(f, k++, T - d->y[i]);
	}
	return GSL_SUCCESS;
}

/* Sensitivities carried along the recursion:
 *   dT_i/dT_ref = (1 - a) + a dT_{i-1}/dT_ref
 *   dT_i/dR     = (1 - a) P_{i-1} + a dT_{i-1}/dR
 *   dT_i/dln tau = (T_{i-1} - T_ss) a dt / tau + a dT_{i-1}/dln tau
 *   dT_i/dT0    = a dT_{i-1}/dT0 */
static int rc_df(const gsl_vector *x, void *params, gsl_matrix *j)
{
	const rcdata *d = params;
	double tr = gsl_vector_get(x, 0), r = gsl_vector_get(x, 1);
	double tau = exp(gsl_vector_get(x, 2)), T = gsl_vector_get(x, 3);
	double g[4] = {0, 0, 0, 1};
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (i) {
			double a, dt = d->t[i] - d->t[i - 1];
			double tss = tr + r * d->p[i - 1];
			double tn = rc_step(d, i, tr, r, tau, T, &a);
			g[0] = (1 - a) + a * g[0];
			g[1] = (1 - a) * d->p[i - 1] + a * g[1];
			g[2] = (T - tss) * a * dt / tau + a * g[2];
			g[3] = a * g[3];
			T = tn;
		}
		if (isnan(d->y[i]))
			continue;
		for (int c = 0; c < 4; c++)
			gsl_matrix_set(j, k, (size_t)c, g[c]);
		k++;
	}
	return GSL_SUCCESS;
}

/* For fixed tau the model is linear in (T_ref, R_th, T0): least squares
 * into X (x[2] = ln tau); returns the residual sum of squares. */
typedef struct linws {
	gsl_matrix *X, *cov;
	gsl_vector *y;
	gsl_multifit_linear_workspace *w;
} linws;

static double rc_linear(const rcdata *d, double tau, linws *l, double *x)
{
	double b[3] = {0, 0, 1};
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (i) {
			double a = exp(-(d->t[i] - d->t[i - 1]) / tau);
			b[0] = (1 - a) + a * b[0];
			b[1] = (1 - a) * d->p[i - 1] + a * b[1];
			b[2] = a * b[2];
		}
		if (isnan(d->y[i]))
			continue;
		for (int c = 0; c < 3; c++)
			gsl_matrix_set(l->X, k, (size_t)c, b[c]);
		gsl_vector_set(l->y, k++, d->y[i]);
	}
	double c3[3], chisq;
	gsl_vector_view cv = gsl_vector_view_array(c3, 3);
	if (gsl_multifit_linear(l->X, l->y, &cv.vector, l->cov, &chisq, l->w))
		return INFINITY;
	x[0] = c3[0], x[1] = c3[1], x[2] = log(tau), x[3] = c3[2];
	return chisq;
}

/* The best start on a log grid of tau from half the median interval to
 * ten times the trace's length. */
static int rc_start(const rcdata *d, double *x)
{
	linws l = {gsl_matrix_alloc(d->m, 3), gsl_matrix_alloc(3, 3),
		   gsl_vector_alloc(d->m), gsl_multifit_linear_alloc(d->m, 3)};
	int rc = l.X && l.cov && l.y && l.w ? DC_OK : DC_ENOMEM;
	double lo = log(0.5 * d->dt_med), hi = log(10 * d->span);
	double best = INFINITY;
	for (int g = 0; !rc && g <= 80; g++) {
		double xt[4], tau = exp(lo + (hi - lo) * g / 80.0);
		double ss = rc_linear(d, tau, &l, xt);
		if (ss < best)
			best = ss, memcpy(x, xt, sizeof xt);
	}
	gsl_matrix_free(l.X), gsl_matrix_free(l.cov), gsl_vector_free(l.y);
	if (l.w)
		gsl_multifit_linear_free(l.w);
	if (!rc && !isfinite(best))
		rc = DC_EFAIL;
	return rc;
}

/* Copy times, held powers and temperatures out of S. */
static int rc_gather(const dc_gpu_sample *s, size_t n, rcdata *d, dc_err *err)
{
	size_t sz = (n ? n : 1) * sizeof(double);
	d->t = dc_malloc(sz), d->p = dc_malloc(sz), d->y = dc_malloc(sz);
	if (!d->t || !d->p || !d->y)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	double held = NAN;
	for (size_t i = 0; i < n && isnan(held); i++)
		held = isfinite(s[i].power_W) ? s[i].power_W : NAN;
	if (isnan(held))
		return dc_err_msg(err, DC_EINVAL, "thermal fit: no sample has "
				  "a power");
	d->n = n, d->m = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && !(s[i].t_s >= s[i - 1].t_s))
			return dc_err_msg(err, DC_EINVAL, "thermal fit: sample %zu "
					  "at %g s is before the one before "
					  "(%g s)", i, s[i].t_s, s[i - 1].t_s);
		held = isfinite(s[i].power_W) ? s[i].power_W : held;
		d->t[i] = s[i].t_s, d->p[i] = held;
		d->y[i] = isfinite(s[i].temp_C) ? s[i].temp_C : NAN;
		d->m += isfinite(s[i].temp_C);
	}
	return DC_OK;
}

/* The power must change and the temperature follow, or tau, R_th and
 * T_ref cannot be told apart. */
static int rc_identifiable(rcdata *d, dc_err *err)
{
	double pmin = INFINITY, pmax = -INFINITY, tmin = INFINITY,
	       tmax = -INFINITY;
	for (size_t i = 0; i < d->n; i++) {
		pmin = fmin(pmin, d->p[i]), pmax = fmax(pmax, d->p[i]);
		if (!isnan(d->y[i]))
			tmin = fmin(tmin, d->y[i]), tmax = fmax(tmax, d->y[i]);
	}
	if (d->m < 8)
		return dc_err_msg(err, DC_EINVAL, "thermal fit: %zu samples with "
				  "a temperature; at least 8 are needed", d->m);
	d->span = d->t[d->n - 1] - d->t[0];
	if (pmax - pmin < fmax(1.0, 0.05 * fabs(pmax)))
		return dc_err_msg(err, DC_EINVAL, "thermal fit: the power never "
				  "changes (%.4g .. %.4g W over %.4g s), so the "
				  "time constant, R_th and T_ref cannot be "
				  "identified; record a heat-up under load and "
				  "a cool-down", pmin, pmax, d->span);
	if (tmax - tmin < 2)
		return dc_err_msg(err, DC_EINVAL, "thermal fit: the temperature "
				  "stays within %.3g K (%.4g .. %.4g C); at least "
				  "2 K of change is needed", tmax - tmin, tmin,
				  tmax);
	double *dt = dc_malloc((d->n - 1) * sizeof *dt);
	if (!dt)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	size_t k = 0;
	for (size_t i = 1; i < d->n; i++)
		if (d->t[i] > d->t[i - 1])
			dt[k++] = d->t[i] - d->t[i - 1];
	gsl_sort(dt, 1, k);
	d->dt_med = k ? gsl_stats_median_from_sorted_data(dt, 1, k) : NAN;
	dc_free(dt);
	return k ? DC_OK : dc_err_msg(err, DC_EINVAL, "thermal fit: all "
				      "samples at one time");
}

static void rc_quality(const rcdata *d, const dc_gpu_sample *s,
		       dc_gpu_rc *f, double *model)
{
	dc_gpu_rc_eval(f, s, d->n, model);
	double mean = 0, ss_tot = 0, ss_res = 0, worst = 0;
	for (size_t i = 0; i < d->n; i++)
		if (!isnan(d->y[i]))
			mean += d->y[i] / (double)d->m;
	for (size_t i = 0; i < d->n; i++) {
		if (isnan(d->y[i]))
			continue;
		double r = model[i] - d->y[i];
		ss_tot += (d->y[i] - mean) * (d->y[i] - mean);
		ss_res += r * r;
		worst = fmax(worst, fabs(r));
	}
	f->r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1;
	f->rms_K = sqrt(ss_res / (double)d->m);
	f->max_abs_K = worst;
	f->n = d->m;
}

/* Fit from the grid's start and check the result is identified. */
static int rc_solve(rcdata *d, const dc_gpu_sample *s, dc_gpu_rc *out,
		    dc_err *err)
{
	double x[4];
	size_t it = 0;
	int gsl = 0, rc = rc_start(d, x);
	if (!rc) {
		gsl_multifit_nlinear_fdf fdf = {.f = rc_f, .df = rc_df,
						.n = d->m, .p = 4, .params = d};
		rc = lm_solve(&fdf, x, 4, &it, &gsl);
	}
	if (rc)
		return dc_err_msg(err, rc, "thermal fit: %s", rc == DC_ENOMEM
				  ? "out of memory" : gsl ? gsl_strerror(gsl)
				  : "no start found");
	double tau = exp(x[2]);
	if (!(x[1] > 0))
		return dc_err_msg(err, DC_EFAIL, "thermal fit: R_th %.4g K/W is "
				  "not positive: the temperature does not rise "
				  "with the power", x[1]);
	if (!(tau >= 0.5 * d->dt_med && tau <= 10 * d->span))
		return dc_err_msg(err, DC_EFAIL, "thermal fit: time constant "
				  "%.4g s is not identified by a %.4g s trace "
				  "sampled every %.3g s", tau, d->span, d->dt_med);
	*out = (dc_gpu_rc){.t_ref_C = x[0], .r_th = x[1], .tau_s = tau,
			   .c_th = tau / x[1], .t0_C = x[3], .iterations = it};
	double *model = dc_malloc(d->n * sizeof *model);
	if (!model)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	rc_quality(d, s, out, model);
	dc_free(model);
	return DC_OK;
}

int dc_gpu_fit_rc(const dc_gpu_sample *s, size_t n, dc_gpu_rc *out,
		  dc_err *err)
{
	gsl_set_error_handler_off();
	rcdata d = {0};
	dc_gpu_rc f;
	int rc = rc_gather(s, n, &d, err);
	if (!rc)
		rc = rc_identifiable(&d, err);
	if (!rc)
		rc = rc_solve(&d, s, &f, err);
	if (!rc)
		*out = f;
	dc_free(d.t), dc_free(d.p), dc_free(d.y);
	return rc;
}

void dc_gpu_rc_eval(const dc_gpu_rc *f, const dc_gpu_sample *s, size_t n,
		    double *t)
{
	double T = f->t0_C, held = NAN;
	for (size_t i = 0; i < n && isnan(held); i++)
		held = isfinite(s[i].power_W) ? s[i].power_W : NAN;
	for (size_t i = 0; i < n; i++) {
		if (i) {
			double a = exp(-(s[i].t_s - s[i - 1].t_s) / f->tau_s);
			double tss = f->t_ref_C + f->r_th * held;
			T = tss + (T - tss) * a;
		}
		held = isfinite(s[i].power_W) ? s[i].power_W : held;
		t[i] = T;
	}
}

/* ====================================================== throttle reasons */

static const struct {
	uint64_t bit;
	const char *name;
} reasons[DC_GPU_THROTTLE_BITS] = {
	{0x1, "gpu_idle"},
	{0x2, "applications_clocks_setting"},
	{0x4, "sw_power_cap"},
	{0x8, "hw_slowdown"},
	{0x10, "sync_boost"},
	{0x20, "sw_thermal_slowdown"},
	{0x40, "hw_thermal_slowdown"},
	{0x80, "hw_power_brake_slowdown"},
	{0x100, "display_clock_setting"},
};

const char *dc_gpu_throttle_name(uint64_t bit)
{
	for (size_t i = 0; i < DC_ARRAY_LEN(reasons); i++)
		if (reasons[i].bit == bit)
			return reasons[i].name;
	return NULL;
}

size_t dc_gpu_throttle_shares(const dc_gpu_sample *s, size_t n,
			      dc_gpu_throttle_share *out)
{
	size_t known = 0;
	for (size_t b = 0; b < DC_ARRAY_LEN(reasons); b++)
		out[b] = (dc_gpu_throttle_share){reasons[b].bit,
						 reasons[b].name, 0, NAN};
	for (size_t i = 0; i < n; i++) {
		if (s[i].throttle == DC_GPU_THROTTLE_NA)
			continue;
		known++;
		for (size_t b = 0; b < DC_ARRAY_LEN(reasons); b++)
			out[b].samples += (s[i].throttle & reasons[b].bit) != 0;
	}
	for (size_t b = 0; known && b < DC_ARRAY_LEN(reasons); b++)
		out[b].share = (double)out[b].samples / (double)known;
	return known;
}

/* ============================================================= analysis */

static void trace_ranges(const dc_gpu_trace *tr, dc_gpu_analysis *a)
{
	double lo[3] = {INFINITY, INFINITY, INFINITY};
	double hi[3] = {-INFINITY, -INFINITY, -INFINITY};
	for (size_t i = 0; i < tr->n; i++) {
		const dc_gpu_sample *s = &tr->s[i];
		double v[3] = {s->temp_C, s->power_W, s->sm_clock_MHz};
		for (int j = 0; j < 3; j++)
			if (isfinite(v[j]))
				lo[j] = fmin(lo[j], v[j]), hi[j] = fmax(hi[j], v[j]);
	}
	for (int j = 0; j < 3; j++)
		if (!isfinite(lo[j]))
			lo[j] = hi[j] = NAN;
	a->t_min_C = lo[0], a->t_max_C = hi[0];
	a->p_min_W = lo[1], a->p_max_W = hi[1];
	a->clk_min_MHz = lo[2], a->clk_max_MHz = hi[2];
}

/* One (u, P) point per stage from its settled window. */
static void power_points(const dc_gpu_trace *tr, const double *t_start,
			 const double *duty, size_t n, double settle,
			 double window, dc_gpu_analysis *a)
{
	for (size_t i = 0; i < n; i++) {
		double t0 = t_start[i] - tr->t0_epoch_s + settle;
		double t1 = fmin(t_start[i + 1] - tr->t0_epoch_s, t0 + window);
		dc_gpu_sample m;
		if (!(t1 > t0) || !dc_gpu_trace_mean(tr, t0, t1, &m) ||
		    isnan(m.power_W))
			continue;
		a->u[a->points] = isnan(m.util) ? duty[i] : m.util;
		a->p[a->points++] = m.power_W;
	}
}

int dc_gpu_trace_analyse(const dc_gpu_trace *tr, const double *t_start,
			 const double *duty, size_t n, double settle_s,
			 double window_s, dc_gpu_analysis *out, dc_err *err)
{
	memset(out, 0, sizeof *out);
	if (!n || n > DC_GPU_STAGES_MAX || !tr || !tr->n)
		return dc_err_msg(err, DC_EINVAL, "gpu trace analysis: %zu "
				  "stages (1..%d), %zu samples", n,
				  DC_GPU_STAGES_MAX, tr ? tr->n : 0);
	out->samples = tr->n;
	double dt = dc_gpu_trace_median_dt(tr);
	out->rate_hz = dt > 0 ? 1 / dt : NAN;
	out->span_s = tr->s[tr->n - 1].t_s - tr->s[0].t_s;
	trace_ranges(tr, out);
	power_points(tr, t_start, duty, n, settle_s, window_s, out);
	out->power_rc = dc_gpu_fit_power(out->u, out->p, out->points,
					 &out->power, err);
	out->rc_rc = dc_gpu_fit_rc(tr->s, tr->n, &out->rc, err);
	out->throttle_known = dc_gpu_throttle_shares(tr->s, tr->n,
						     out->throttle);
	return out->power_rc ? out->power_rc : out->rc_rc;
}

/* Append to BUF as snprintf would, *LEN counting what was needed. */
static void add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = *len < cap ? vsnprintf(buf + *len, cap - *len, fmt, ap)
			   : vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (k > 0)
		*len += (size_t)k;
}

static void power_lines(const dc_gpu_analysis *a, char *buf, size_t cap,
			size_t *len)
{
	if (a->power_rc) {
		add(buf, cap, len, "gpu_power_law: not fitted (%zu stage "
		    "means)\n", a->points);
		return;
	}
	const dc_gpu_power_law *f = &a->power;
	add(buf, cap, len, "gpu_power_law: P(u) = P_idle + (P_max - P_idle) "
	    "u^alpha, fitted to %zu stage means (u, W):", a->points);
	for (size_t i = 0; i < a->points; i++)
		add(buf, cap, len, " (%.3f, %.1f)", a->u[i], a->p[i]);
	add(buf, cap, len, "\ngpu_power_p_idle_w: %.6g\ngpu_power_p_max_w: "
	    "%.6g\ngpu_power_alpha: %.6g\ngpu_power_r2: %.6g\n"
	    "gpu_power_max_rel_err: %.3g\n", f->p_idle_W, f->p_max_W,
	    f->alpha, f->r2, f->max_rel_err);
}

static void rc_lines(const dc_gpu_analysis *a, char *buf, size_t cap,
		     size_t *len)
{
	if (a->rc_rc) {
		add(buf, cap, len, "gpu_rc_law: not fitted\n");
		return;
	}
	const dc_gpu_rc *f = &a->rc;
	add(buf, cap, len, "gpu_rc_law: tau dT/dt = T_ref + R_th P - T, "
	    "fitted to %zu samples\ngpu_rc_t_ref_c: %.6g\n"
	    "gpu_rc_r_th_k_per_w: %.6g\ngpu_rc_tau_s: %.6g\n"
	    "gpu_rc_c_th_j_per_k: %.6g\ngpu_rc_t0_c: %.6g\ngpu_rc_r2: %.6g\n"
	    "gpu_rc_rms_k: %.3g\ngpu_rc_max_abs_k: %.3g\n", f->n, f->t_ref_C,
	    f->r_th, f->tau_s, f->c_th, f->t0_C, f->r2, f->rms_K,
	    f->max_abs_K);
}

size_t dc_gpu_analysis_lines(const dc_gpu_analysis *a, char *buf, size_t cap)
{
	size_t len = 0;
	if (cap)
		buf[0] = 0;
	add(buf, cap, &len, "gpu_trace: %zu samples at %.1f Hz over %.1f s; "
	    "T %.0f .. %.0f C, P %.1f .. %.1f W, SM clock %.0f .. %.0f MHz\n",
	    a->samples, a->rate_hz, a->span_s, a->t_min_C, a->t_max_C,
	    a->p_min_W, a->p_max_W, a->clk_min_MHz, a->clk_max_MHz);
	power_lines(a, buf, cap, &len);
	rc_lines(a, buf, cap, &len);
	add(buf, cap, &len, "gpu_throttle:");
	int any = 0;
	for (size_t b = 0; a->throttle_known && b < DC_GPU_THROTTLE_BITS; b++)
		if (a->throttle[b].samples) {
			add(buf, cap, &len, "%s %s %.3f", any ? "," : "",
			    a->throttle[b].name, a->throttle[b].share);
			any = 1;
		}
	add(buf, cap, &len, "%s\n", !a->throttle_known ? " not reported"
				    : any ? " (share of samples)"
					  : " none active");
	return len;
}
