/* llm_perf.c - catalogs, exact FLOP/byte helpers, the analytical per-operator
 * model with Vidur efficiency curves, and the Splitwise table look-up.
 * Formulas: shared/reference/llm.md 3.1-3.4, 3.8 (cited as llm.md X). */
#include "llm_perf.h"

#include "calib_fit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_math.h>
#include <gsl/gsl_statistics_double.h>

#include "../sim/alloc.h"

/* ------------------------------------------------------------------ */
/* catalogs                                                            */

/* "unknown KIND 'name' in PATH (known: a, b, c)" */
static int unknown_key(const dc_table *t, size_t col, const char *kind,
		       const char *name, dc_err *err)
{
	char list[1024];
	size_t len = 0;
	list[0] = '\0';
	for (size_t r = 0; r < dc_table_rows(t) && len + 2 < sizeof list; r++) {
		int k = snprintf(list + len, sizeof list - len, "%s%s",
				 r ? ", " : "", dc_table_field(t, r, col));
		if (k < 0)
			break;
		len += (size_t)k;
	}
	return dc_err_msg(err, DC_ENOENT, "unknown %s '%s' in %s (known: %s)",
			  kind, name, dc_table_name(t), list);
}

/* Find column NAME or report it missing. */
static int need_col(const dc_table *t, const char *name, size_t *col,
		    dc_err *err)
{
	int k = dc_table_col(t, name);
	*col = 0;
	if (k < 0) {
		dc_err_msg(err, DC_EINVAL, "%s: missing column '%s'",
			   dc_table_name(t), name);
		return DC_EINVAL;
	}
	*col = (size_t)k;
	return DC_OK;
}

/* Find the row of NAME in column "name". */
static int find_row(const dc_table *t, const char *kind, const char *name,
		    size_t *row, dc_err *err)
{
	size_t col;
	int rc = need_col(t, "name", &col, err);
	if (rc)
		return rc;
	long r = name ? dc_table_find(t, col, name) : -1;
	if (r < 0)
		return unknown_key(t, col, kind, name ? name : "(null)", err);
	*row = (size_t)r;
	return DC_OK;
}

/* An integer field >= MIN. */
static int table_int(const dc_table *t, size_t row, const char *name,
		     int64_t min, int64_t *out, dc_err *err)
{
	size_t col;
	double v;
	int rc = need_col(t, name, &col, err);
	if (!rc)
		rc = dc_table_num(t, row, col, &v, err);
	if (rc)
		return rc;
	if (v != floor(v) || v < (double)min || v > 1e12)
		return dc_table_err(t, row, col, err, DC_EINVAL,
				    "expected an integer >= %lld, got %g",
				    (long long)min, v);
	*out = (int64_t)v;
	return DC_OK;
}

int dc_llm_arch_load(const dc_table *t, const char *name, dc_llm_arch *a,
		     dc_err *err)
{
	static const char *const cols[] = {"layers", "hidden", "heads",
		"kv_heads", "ffn", "vocab", "gated", "tied"};
	int64_t v[8];
	size_t row;
	int rc = find_row(t, "model", name, &row, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < DC_ARRAY_LEN(cols); i++) {
		int r = table_int(t, row, cols[i], i < 6 ? 1 : 0, &v[i], err);
		if (!r && i >= 6 && v[i] > 1) {
			size_t col = (size_t)dc_table_col(t, cols[i]);
			r = dc_table_err(t, row, col, err, DC_EINVAL,
					 "expected 0 or 1, got %lld",
					 (long long)v[i]);
		}
		if (r && !rc)
			rc = r;
	}
	if (rc)
		return rc;
	if (v[1] % v[2])
		return dc_table_err(t, row, (size_t)dc_table_col(t, "hidden"),
				    err, DC_EINVAL,
				    "hidden %lld is not a multiple of heads %lld",
				    (long long)v[1], (long long)v[2]);
	if (v[2] % v[3])
		return dc_table_err(t, row, (size_t)dc_table_col(t, "kv_heads"),
				    err, DC_EINVAL,
				    "heads %lld is not a multiple of kv_heads %lld",
				    (long long)v[2], (long long)v[3]);
	memset(a, 0, sizeof *a);
	snprintf(a->name, sizeof a->name, "%s", name);
	a->layers = v[0];
	a->hidden = v[1];
	a->heads = v[2];
	a->kv_heads = v[3];
	a->ffn = v[4];
	a->vocab = v[5];
	a->gated = (int)v[6];
	a->tied = (int)v[7];
	return DC_OK;
}

/* A figure that may be empty (NAN); non-negative. */
static int table_opt(const dc_table *t, size_t row, const char *name,
		     double *out, dc_err *err)
{
	size_t col;
	int rc = need_col(t, name, &col, err);
	if (rc)
		return rc;
	const char *f = dc_table_field(t, row, col);
	if (!f || !*f) {
		*out = NAN;
		return DC_OK;
	}
	rc = dc_table_num(t, row, col, out, err);
	if (!rc && *out < 0)
		rc = dc_table_err(t, row, col, err, DC_EINVAL,
				  "expected a figure >= 0, got %g", *out);
	return rc;
}

int dc_accel_load(const dc_table *t, const char *name, dc_accel *g,
		  dc_err *err)
{
	static const char *const cols[] = {"peak_fp16", "peak_fp8",
		"hbm_bytes", "hbm_bw", "tdp_w", "tdp_min_w", "idle_w",
		"prefill_w", "decode_w", "t_max_op_c", "t_slowdown_c",
		"t_shutdown_c", "nvlink_bw"};
	double v[13];
	size_t row;
	int rc = find_row(t, "accelerator", name, &row, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < DC_ARRAY_LEN(cols); i++) {
		int r = table_opt(t, row, cols[i], &v[i], err);
		if (r && !rc)
			rc = r;
	}
	if (rc)
		return rc;
	memset(g, 0, sizeof *g);
	snprintf(g->name, sizeof g->name, "%s", name);
	g->peak_fp16 = v[0];
	g->peak_fp8 = v[1];
	g->hbm_bytes = v[2];
	g->hbm_bw = v[3];
	g->tdp_w = v[4];
	g->tdp_min_w = v[5];
	g->idle_w = v[6];
	g->prefill_w = v[7];
	g->decode_w = v[8];
	/* physics.md 5.1 gives the limits in degC: converted to K here. */
	g->t_max_op_k = v[9] + 273.15;
	g->t_slowdown_k = v[10] + 273.15;
	g->t_shutdown_k = v[11] + 273.15;
	g->nvlink_bw = v[12];
	return DC_OK;
}

int dc_server_load(const dc_table *t, const char *name, dc_server *s,
		   dc_err *err)
{
	size_t row, acol;
	int rc = find_row(t, "server", name, &row, err);
	if (!rc)
		rc = need_col(t, "accelerator", &acol, err);
	if (rc)
		return rc;
	memset(s, 0, sizeof *s);
	rc = table_int(t, row, "gpus", 1, &s->gpus, err);
	if (!rc)
		rc = table_opt(t, row, "idle_w", &s->idle_w, err);
	if (!rc)
		rc = table_opt(t, row, "peak_w", &s->peak_w, err);
	if (rc)
		return rc;
	const char *a = dc_table_field(t, row, acol);
	snprintf(s->name, sizeof s->name, "%s", name);
	snprintf(s->accelerator, sizeof s->accelerator, "%s", a ? a : "");
	return DC_OK;
}

/* ------------------------------------------------------------------ */
/* exact helpers (llm.md 3.1-3.3)                                      */

static uint64_t head_dim(const dc_llm_arch *a)
{
	return (uint64_t)(a->hidden / a->heads);
}

uint64_t dc_llm_params_lin(const dc_llm_arch *a)
{
	uint64_t H = (uint64_t)a->hidden, d = head_dim(a);
	uint64_t nh = (uint64_t)a->heads, nkv = (uint64_t)a->kv_heads;
	uint64_t attn = H * d * (nh + 2 * nkv) + nh * d * H;
	uint64_t mlp = (a->gated ? 3u : 2u) * H * (uint64_t)a->ffn;
	return (uint64_t)a->layers * (attn + mlp);
}

uint64_t dc_llm_params(const dc_llm_arch *a)
{
	uint64_t H = (uint64_t)a->hidden;
	return dc_llm_params_lin(a) +
	       (uint64_t)a->vocab * H * (a->tied ? 1u : 2u) + H;
}

static uint64_t kv_heads_gpu(const dc_llm_arch *a, int tp)
{
	uint64_t t = tp < 1 ? 1u : (uint64_t)tp;
	return ((uint64_t)a->kv_heads + t - 1) / t;
}

uint64_t dc_llm_kv_bytes_per_token(const dc_llm_arch *a, int tp,
				   int kv_bytes)
{
	return 2u * (uint64_t)a->layers * kv_heads_gpu(a, tp) * head_dim(a) *
	       (uint64_t)(kv_bytes < 0 ? 0 : kv_bytes);
}

static double nonneg(int32_t x)
{
	return x < 0 ? 0.0 : (double)x;
}

double dc_llm_flops(const dc_llm_arch *a, size_t n, const int32_t *q,
		    const int32_t *c, const unsigned char *emit)
{
	double nlin = (double)dc_llm_params_lin(a);
	double attn = 4.0 * (double)a->layers * (double)a->heads *
		      (double)head_dim(a);
	double head = 2.0 * (double)a->hidden * (double)a->vocab;
	double f = 0;
	for (size_t i = 0; i < n; i++) {
		double qi = nonneg(q[i]), ci = nonneg(c[i]);
		f += 2.0 * nlin * qi + attn * qi * (ci + (qi + 1.0) / 2.0);
		if (!emit || emit[i])
			f += head;
	}
	return f;
}

double dc_llm_hbm_bytes(const dc_llm_arch *a, int tp, int w_bytes,
			int kv_bytes, size_t n, const int32_t *q,
			const int32_t *c)
{
	double t = tp < 1 ? 1.0 : (double)tp;
	double kv = (double)dc_llm_kv_bytes_per_token(a, tp, kv_bytes);
	double b = (double)w_bytes * (double)dc_llm_params(a) / t;
	for (size_t i = 0; i < n; i++)
		b += (nonneg(c[i]) + nonneg(q[i])) * kv;
	return b;
}

/* ------------------------------------------------------------------ */
/* efficiency curves                                                   */

/* eta_c, eta_m against log(tokens), from one (profile, TP) group. */
typedef struct eta_curve {
	size_t n;
	double *logn, *ec, *em;
	double size;   /* per-GPU linear parameters of one layer */
} eta_curve;

/* One GEMM y[n x dout] = x[n x din] W[din x dout]. */
typedef struct gemm {
	double din, dout;
} gemm;

/* The four linear operators of one layer on one GPU (Vidur's taxonomy:
 * attn_pre_proj, attn_post_proj, mlp_up_proj incl. gate, mlp_down_proj). */
static void layer_gemms(double H, double nh, double nkvg, double I, int gated,
			double t, gemm g[4])
{
	double d = H / nh;
	g[0] = (gemm){H, d * (nh / t + 2.0 * nkvg)};
	g[1] = (gemm){nh * d / t, H};
	g[2] = (gemm){H, (gated ? 2.0 : 1.0) * I / t};
	g[3] = (gemm){I / t, H};
}

static double gemm_flops(gemm g, double n)
{
	return 2.0 * n * g.din * g.dout;
}

/* Weights once, activations in and out. */
static double gemm_bytes(gemm g, double n, double b)
{
	return b * (g.din * g.dout + n * (g.din + g.dout));
}

static double gemms_size(const gemm g[4])
{
	double s = 0;
	for (int k = 0; k < 4; k++)
		s += g[k].din * g[k].dout;
	return s;
}

static void curve_free(eta_curve *c)
{
	dc_free(c->logn);
	dc_free(c->ec);
	dc_free(c->em);
	memset(c, 0, sizeof *c);
}

/* Linear interpolation in X (sorted, n >= 1), held outside. */
static double interp(const double *x, const double *y, size_t n, double v)
{
	if (v <= x[0])
		return y[0];
	if (v >= x[n - 1])
		return y[n - 1];
	size_t lo = 0, hi = n - 1;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (x[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	double f = (v - x[lo]) / (x[hi] - x[lo]);
	return y[lo] + f * (y[hi] - y[lo]);
}

/* A profile row: tokens and the summed median time of the four ops. */
typedef struct prow {
	double n, tp, t;
} prow;

static int prow_cmp(const void *pa, const void *pb)
{
	const prow *a = pa, *b = pb;
	if (a->tp != b->tp)
		return a->tp < b->tp ? -1 : 1;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	return (a->t > b->t) - (a->t < b->t);
}

/* The model shape a Vidur table describes (first row; all rows share it). */
typedef struct pshape {
	double nh, nkv, H, I;
	int gated;
} pshape;

static int profile_shape(const dc_table *t, pshape *s, dc_err *err)
{
	static const char *const cols[] = {"n_head", "n_kv_head", "n_embd",
					   "n_expanded_embd"};
	double v[4];
	size_t col;
	if (dc_table_rows(t) < 2) {
		dc_err_msg(err, DC_EINVAL, "%s: a Vidur profile needs rows",
			   dc_table_name(t));
		return DC_EINVAL;
	}
	for (int k = 0; k < 4; k++) {
		int rc = need_col(t, cols[k], &col, err);
		if (!rc)
			rc = dc_table_num(t, 0, col, &v[k], err);
		if (rc)
			return rc;
		if (v[k] < 1)
			return dc_table_err(t, 0, col, err, DC_EINVAL,
					    "expected >= 1, got %g", v[k]);
	}
	int rc = need_col(t, "use_gated_mlp", &col, err);
	if (rc)
		return rc;
	const char *gf = dc_table_field(t, 0, col);
	*s = (pshape){v[0], v[1], v[2], v[3],
		      gf && (!strcmp(gf, "True") || !strcmp(gf, "1"))};
	return DC_OK;
}

/* Read (tokens, tp, sum of the four ops' median times in s) of every row. */
static int profile_rows(const dc_table *t, prow *rows, dc_err *err)
{
	static const char *const ops[] = {"time_stats.attn_pre_proj.median",
		"time_stats.attn_post_proj.median",
		"time_stats.mlp_up_proj.median",
		"time_stats.mlp_down_proj.median"};
	size_t cn, ct, co[4];
	int rc = need_col(t, "num_tokens", &cn, err);
	if (!rc)
		rc = need_col(t, "num_tensor_parallel_workers", &ct, err);
	for (int k = 0; !rc && k < 4; k++)
		rc = need_col(t, ops[k], &co[k], err);
	for (size_t r = 0; !rc && r < dc_table_rows(t); r++) {
		double ms = 0, v;
		rc = dc_table_num(t, r, cn, &rows[r].n, err);
		if (!rc)
			rc = dc_table_num(t, r, ct, &rows[r].tp, err);
		for (int k = 0; !rc && k < 4; k++) {
			rc = dc_table_num(t, r, co[k], &v, err);
			ms += v;
		}
		if (!rc && (rows[r].n < 1 || rows[r].tp < 1 || ms <= 0))
			rc = dc_table_err(t, r, cn, err, DC_EINVAL,
					  "tokens, tp and times must be "
					  "positive");
		rows[r].t = ms * 1e-3; /* Vidur times are in ms */
	}
	return rc;
}

/* Fill curve C from the sorted rows [lo, hi) of one TP group: duplicates
 * at the same token count are reduced to their median (llm.md V3's rule)
 * and the times made non-decreasing in tokens (running maximum);
 * eta_c = achieved FLOP/s / peak where the source is compute-bound, eta_m =
 * achieved bytes/s / BW where it is memory-bound; each is held constant
 * into the other regime from its last point there (achieved rates in the
 * other regime say little about the capability), but never below the rate
 * achieved there, so the source's own times are reproduced exactly. */
static int curve_fill(eta_curve *c, const prow *r, size_t lo, size_t hi,
		      const pshape *s, const dc_accel *src)
{
	gemm g[4];
	double tp = r[lo].tp;
	layer_gemms(s->H, s->nh, ceil(s->nkv / tp), s->I, s->gated, tp, g);
	c->size = gemms_size(g);
	size_t m = 0, cap = hi - lo;
	double tprev = 0;
	c->logn = dc_malloc(cap * sizeof *c->logn);
	c->ec = dc_malloc(cap * sizeof *c->ec);
	c->em = dc_malloc(cap * sizeof *c->em);
	double *tt = dc_malloc(cap * sizeof *tt);
	unsigned char *cb = dc_malloc(cap);
	if (!c->logn || !c->ec || !c->em || !tt || !cb) {
		dc_free(tt);
		dc_free(cb);
		return DC_ENOMEM;
	}
	for (size_t i = lo; i < hi;) {
		size_t j = i, k = 0;
		while (j < hi && r[j].n == r[i].n)
			tt[k++] = r[j++].t;
		double T = gsl_stats_median_from_sorted_data(tt, 1, k);
		if (m && T < tprev)
			T = tprev; /* running maximum: never faster with more
				      tokens (the profile has timing noise) */
		tprev = T;
		double n = r[i].n, F = 0, B = 0;
		for (int o = 0; o < 4; o++) {
			F += gemm_flops(g[o], n);
			B += gemm_bytes(g[o], n, 2.0); /* profiles are fp16 */
		}
		c->logn[m] = log(n);
		c->ec[m] = F / (src->peak_fp16 * T);
		c->em[m] = B / (src->hbm_bw * T);
		cb[m] = F / src->peak_fp16 > B / src->hbm_bw;
		m++;
		i = j;
	}
	c->n = m;
	/* hold eta_c below the first compute-bound point, eta_m above the
	 * last memory-bound one */
	size_t fc = m, lm = m;
	for (size_t i = 0; i < m; i++) {
		if (cb[i] && fc == m)
			fc = i;
		if (!cb[i])
			lm = i;
	}
	for (size_t i = 0; fc < m && i < fc; i++)
		c->ec[i] = GSL_MAX(c->ec[fc], c->ec[i]);
	for (size_t i = lm + 1; lm < m && i < m; i++)
		c->em[i] = GSL_MAX(c->em[lm], c->em[i]);
	dc_free(tt);
	dc_free(cb);
	return DC_OK;
}

/* Append one curve per TP group of the Vidur table T to *CV. */
static int curves_from_table(const dc_table *t, const dc_accel *src,
			     eta_curve **cv, size_t *ncv, dc_err *err)
{
	pshape s = {0, 0, 0, 0, 0};
	int rc = profile_shape(t, &s, err);
	if (rc)
		return rc;
	size_t nr = dc_table_rows(t);
	prow *rows = dc_calloc(nr, sizeof *rows);
	if (!rows)
		return DC_ENOMEM;
	rc = profile_rows(t, rows, err);
	if (!rc)
		qsort(rows, nr, sizeof *rows, prow_cmp);
	for (size_t i = 0; !rc && i < nr;) {
		size_t j = i;
		while (j < nr && rows[j].tp == rows[i].tp)
			j++;
		eta_curve *nc = dc_realloc(*cv, (*ncv + 1) * sizeof **cv);
		if (!nc) {
			rc = DC_ENOMEM;
			break;
		}
		*cv = nc;
		memset(&nc[*ncv], 0, sizeof *nc);
		rc = curve_fill(&nc[*ncv], rows, i, j, &s, src);
		(*ncv)++;
		i = j;
	}
	dc_free(rows);
	if (rc == DC_ENOMEM)
		dc_err_msg(err, rc, "out of memory reading %s",
			   dc_table_name(t));
	return rc;
}

/* ------------------------------------------------------------------ */
/* the analytical model                                                */

struct dc_llm_perf {
	dc_llm_arch a;
	dc_accel g;
	dc_llm_perf_opts o;
	int tp;
	double peak, bw, link_bw; /* FLOP/s, bytes/s, bytes/s */
	double idle_w, prefill_w, decode_w;
	eta_curve cv;              /* the chosen efficiency curve */
	double *eta_tab;           /* eta_c, eta_m at 1..ETA_TAB-1 tokens */
	dc_calib_fit fit;          /* calibrated: the profile's laws */
	const dc_class_fit *law[DC_OC_COUNT]; /* per class, with fallbacks */
};

/* Iterations have whole token counts, mostly small: the efficiencies at
 * 1..ETA_TAB-1 tokens are tabulated once (the interpolation in log n costs
 * two logs and two searches per operator; bench/serving measured it at a
 * sixth of the run). */
#define ETA_TAB 16384

/* Defaults and their sources:
 * - cpu_per_layer 0.28 ms: fitted so that Llama-2-70B, TP8, H100, batch-1
 *   decode reproduces Splitwise's 29.7 ms token time (llm.md V7, 3.3 "CPU/
 *   launch overhead is first-order"): this model's kernel time there is
 *   about 7.45 ms, and (29.7 - 7.45) ms / 80 layers = 0.278 ms ~ 0.28 ms.  Per layer,
 *   because launch overheads scale with the kernels launched.  The
 *   link latency defaults to 0: the fitted overhead absorbs TP sync.
 * - mem_margin 0.10: dcsim's choice (Vidur's memory planner keeps a margin,
 *   llm.md 2.2; its value is not quoted there).
 * - eta 0.70 / 0.75: llm.md 3.3 (Vidur A100 eta_c 0.68-0.72, eta_m 0.75).
 * - power_clock_exp 2.5: middle of physics.md 4.2's alpha 2-3 (R). */
#define OF(f) offsetof(dc_llm_perf_opts, f)
static const char *const profile_names[] = {"vidur", "roofline", "splitwise",
					    "calibrated", NULL};
static const dc_param perf_params[] = {
	{.key = "profile", .type = DC_PT_ENUM, .def = "vidur",
	 .choices = profile_names, .off = OF(profile),
	 .help = "iteration-time source: vidur (roofline with Vidur A100 "
		 "efficiency curves), roofline (constant efficiencies), "
		 "splitwise (SplitwiseSim measured table), calibrated (the "
		 "fitted laws of the profile named by perf.calibration)"},
	{.key = "calibration", .type = DC_PT_STR, .off = OF(calibration),
	 .help = "calibration profile under data/calibration/ (without .csv: "
		 "one dcsim calibrate wrote or --import made) for profile "
		 "calibrated"},
	{.key = "cpu_overhead", .type = DC_PT_QTY, .dim = DC_DIM_TIME,
	 .unit = "ms", .def = "0 ms", .flags = DC_PF_MIN, .min = 0,
	 .off = OF(cpu_overhead_s),
	 .help = "fixed CPU/launch overhead per iteration"},
	{.key = "cpu_overhead_per_layer", .type = DC_PT_QTY,
	 .dim = DC_DIM_TIME, .unit = "ms", .def = "0.28 ms",
	 .flags = DC_PF_MIN, .min = 0, .off = OF(cpu_per_layer_s),
	 .help = "CPU/launch overhead per iteration and layer (default "
		 "fitted to Splitwise's 70B TP8 H100 decode, llm.md V7)"},
	{.key = "memory_margin", .type = DC_PT_REAL, .def = "0.1",
	 .flags = DC_PF_MIN | DC_PF_MAX_EXCL, .min = 0, .max = 1,
	 .off = OF(mem_margin),
	 .help = "fraction of HBM kept free when sizing the KV cache"},
	{.key = "weight_bytes", .type = DC_PT_INT, .def = "2",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 2,
	 .off = OF(weight_bytes),
	 .help = "bytes per weight: 2 (fp16/bf16) or 1 (fp8)"},
	{.key = "kv_bytes", .type = DC_PT_INT, .def = "2",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 2,
	 .off = OF(kv_bytes), .help = "bytes per KV-cache element"},
	{.key = "link_bandwidth", .type = DC_PT_QTY, .dim = DC_DIM_DATARATE,
	 .unit = "GB/s", .def = "0 GB/s", .flags = DC_PF_MIN, .min = 0,
	 .off = OF(link_bw),
	 .help = "TP link bandwidth per GPU, one direction (0: the "
		 "accelerator catalog's nvlink_bw)"},
	{.key = "link_latency", .type = DC_PT_QTY, .dim = DC_DIM_TIME,
	 .unit = "us", .def = "0 us", .flags = DC_PF_MIN, .min = 0,
	 .off = OF(link_latency_s),
	 .help = "all-reduce latency alpha per ring step (llm.md 3.4)"},
	{.key = "eta_compute", .type = DC_PT_REAL, .def = "0.70",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 1,
	 .off = OF(eta_compute),
	 .help = "roofline profile: compute efficiency (llm.md 3.3)"},
	{.key = "eta_memory", .type = DC_PT_REAL, .def = "0.75",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 1,
	 .off = OF(eta_memory),
	 .help = "roofline profile: memory-bandwidth efficiency (llm.md 3.3)"},
	{.key = "power_clock_exponent", .type = DC_PT_REAL, .def = "2.5",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 4,
	 .off = OF(power_clock_exp),
	 .help = "compute-bound dynamic power ~ clock^x (physics.md 4.2)"},
};
#undef OF

const dc_pset dc_llm_perf_pset = {"perf", perf_params,
				  DC_ARRAY_LEN(perf_params),
				  "LLM iteration-time and power model"};

void dc_llm_perf_opts_default(dc_llm_perf_opts *o)
{
	memset(o, 0, sizeof *o);
	/* Constant defaults: cannot fail (checked by the tests). */
	(void)dc_params_defaults(&dc_llm_perf_pset, o, NULL, NULL);
}

static int missing(const dc_accel *g, const char *field, const char *why,
		   dc_err *err)
{
	return dc_err_msg(err, DC_EINVAL,
			  "accelerator '%s': %s is not in the catalog (no "
			  "sourced figure)%s", g->name, field, why);
}

/* Check G has what the model needs; set peak, bw, link, powers. */
static int perf_hw(dc_llm_perf *p, dc_err *err)
{
	const dc_accel *g = &p->g;
	p->peak = p->o.weight_bytes == 1 ? g->peak_fp8 : g->peak_fp16;
	if (!(p->peak > 0))
		return missing(g, p->o.weight_bytes == 1 ? "peak_fp8" :
			       "peak_fp16", "", err);
	if (!(g->hbm_bw > 0))
		return missing(g, "hbm_bw", "", err);
	if (!(g->hbm_bytes > 0))
		return missing(g, "hbm_bytes", "", err);
	if (!(g->idle_w >= 0))
		return missing(g, "idle_w", "", err);
	p->bw = g->hbm_bw;
	p->link_bw = p->o.link_bw > 0 ? p->o.link_bw / 8.0 : g->nvlink_bw;
	if (p->tp > 1 && !(p->link_bw > 0))
		return missing(g, "nvlink_bw",
			       "; give perf.link_bandwidth for TP > 1", err);
	p->idle_w = g->idle_w;
	/* Phase powers (llm.md 3.8); where the catalog lacks them, physics.md
	 * 5.2: prefill ~0.8-1.0 TDP (upper end, as Splitwise's A100/H100
	 * prompt power equals TDP), decode 0.2-0.45 TDP (upper end). */
	p->prefill_w = g->prefill_w >= 0 ? g->prefill_w : g->tdp_w;
	p->decode_w = g->decode_w >= 0 ? g->decode_w : 0.45 * g->tdp_w;
	if (!(p->prefill_w >= 0) || !(p->decode_w >= 0))
		return missing(g, "prefill_w/decode_w (and tdp_w)", "", err);
	return DC_OK;
}

static int perf_opts_check(const dc_llm_perf_opts *o, dc_err *err)
{
	if (o->profile == DC_LLM_PROFILE_SPLITWISE)
		return dc_err_msg(err, DC_EINVAL, "perf.profile 'splitwise' is "
				  "the table back end: use dc_splitwise_new");
	if (o->profile == DC_LLM_PROFILE_CALIBRATED && !o->calib)
		return dc_err_msg(err, DC_EINVAL, "perf.profile 'calibrated' "
				  "needs a fitted profile (perf.calibration)");
	if (o->profile != DC_LLM_PROFILE_VIDUR &&
	    o->profile != DC_LLM_PROFILE_ROOFLINE &&
	    o->profile != DC_LLM_PROFILE_CALIBRATED)
		return dc_err_msg(err, DC_EINVAL, "perf.profile: unknown "
				  "value %d", o->profile);
	if ((o->weight_bytes != 1 && o->weight_bytes != 2) ||
	    (o->kv_bytes != 1 && o->kv_bytes != 2))
		return dc_err_msg(err, DC_EINVAL, "perf.weight_bytes and "
				  "perf.kv_bytes must be 1 or 2");
	if (!(o->mem_margin >= 0 && o->mem_margin < 1) ||
	    !(o->cpu_overhead_s >= 0) || !(o->cpu_per_layer_s >= 0) ||
	    !(o->link_bw >= 0) || !(o->link_latency_s >= 0) ||
	    !(o->eta_compute > 0 && o->eta_compute <= 1) ||
	    !(o->eta_memory > 0 && o->eta_memory <= 1) ||
	    !(o->power_clock_exp >= 0))
		return dc_err_msg(err, DC_EINVAL, "perf: an option is out of "
				  "range (see dcsim help perf)");
	return DC_OK;
}

/* Pick the Vidur curve whose per-GPU layer size is nearest (in log) to
 * ours: GEMM efficiency depends on the matrix shape, which the two
 * profiled models at TP 1/2/4/8 span (25 M - 855 M parameters a layer).
 * The curves are A100 measurements applied to any accelerator as the same
 * efficiency (an assumption: llm.md 3.3 gives no other device's curve). */
static int perf_vidur(dc_llm_perf *p, dc_err *err)
{
	const dc_llm_perf_opts *o = &p->o;
	const dc_accel *src = o->vidur_accel;
	if (!o->vidur || !o->n_vidur || !src)
		return dc_err_msg(err, DC_EINVAL, "perf.profile 'vidur' needs "
				  "the Vidur profile tables and their "
				  "accelerator (a100_80gb)");
	if (!(src->peak_fp16 > 0) || !(src->hbm_bw > 0))
		return missing(src, "peak_fp16/hbm_bw", " (profile device)",
			       err);
	eta_curve *cv = NULL;
	size_t ncv = 0;
	int rc = DC_OK;
	for (size_t i = 0; !rc && i < o->n_vidur; i++)
		rc = o->vidur[i] ? curves_from_table(o->vidur[i], src, &cv,
						     &ncv, err)
				 : dc_err_msg(err, DC_EINVAL, "NULL profile");
	if (!rc) {
		gemm g[4];
		const dc_llm_arch *a = &p->a;
		layer_gemms((double)a->hidden, (double)a->heads,
			    (double)kv_heads_gpu(a, p->tp), (double)a->ffn,
			    a->gated, p->tp, g);
		double want = log(gemms_size(g)), best = INFINITY;
		size_t bi = 0;
		for (size_t i = 0; i < ncv; i++) {
			double dist = fabs(log(cv[i].size) - want);
			if (dist < best) {
				best = dist;
				bi = i;
			}
		}
		p->cv = cv[bi];
		memset(&cv[bi], 0, sizeof cv[bi]);
	}
	for (size_t i = 0; i < ncv; i++)
		curve_free(&cv[i]);
	dc_free(cv);
	return rc;
}


/* Each operator class's law.  A class the profile lacks borrows the law of
 * the nearest kind it has: memory-bound classes look to the stream, then
 * the GEMV; compute-bound ones to the GEMM; everything ends at the GEMM,
 * then at whole iterations (a Splitwise profile lends its one law to all). */
static int perf_calibrated(dc_llm_perf *p, dc_err *err)
{
	static const int chain[DC_OC_COUNT][4] = {
		[DC_OC_GEMM] = {DC_OC_GEMV, DC_OC_ITER, -1, -1},
		[DC_OC_GEMV] = {DC_OC_GEMM, DC_OC_ITER, -1, -1},
		[DC_OC_ATTN_DECODE] = {DC_OC_STREAM, DC_OC_GEMV, DC_OC_GEMM,
				       DC_OC_ITER},
		[DC_OC_ATTN_PREFILL] = {DC_OC_GEMM, DC_OC_ITER, -1, -1},
		[DC_OC_SOFTMAX] = {DC_OC_STREAM, DC_OC_GEMV, DC_OC_GEMM,
				   DC_OC_ITER},
		[DC_OC_NORM] = {DC_OC_STREAM, DC_OC_GEMV, DC_OC_GEMM,
				DC_OC_ITER},
		[DC_OC_ACT] = {DC_OC_STREAM, DC_OC_GEMV, DC_OC_GEMM,
			       DC_OC_ITER},
		[DC_OC_STREAM] = {DC_OC_GEMV, DC_OC_GEMM, DC_OC_ITER, -1},
		[DC_OC_ITER] = {DC_OC_GEMM, DC_OC_GEMV, -1, -1},
		[DC_OC_ITER_DECODE] = {DC_OC_ITER, DC_OC_GEMV, DC_OC_GEMM, -1},
	};
	p->fit = *p->o.calib;
	for (int c = 0; c < DC_OC_COUNT; c++) {
		p->law[c] = p->fit.cls[c].rows ? &p->fit.cls[c] : NULL;
		for (int k = 0; k < 4 && !p->law[c] && chain[c][k] >= 0; k++)
			if (p->fit.cls[chain[c][k]].rows)
				p->law[c] = &p->fit.cls[chain[c][k]];
		if (!p->law[c])
			return dc_err_msg(err, DC_EINVAL, "perf.calibration: "
					  "the profile has neither GEMM nor "
					  "whole-iteration rows, so linear "
					  "layers cannot be timed");
	}
	return DC_OK;
}

/* The table starts empty (NaN) and fills as token counts are met. */
static int eta_tabulate(dc_llm_perf *p, dc_err *err)
{
	double *t = dc_malloc(2 * ETA_TAB * sizeof *t);
	if (!t)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	for (size_t i = 0; i < 2 * ETA_TAB; i++)
		t[i] = NAN;
	p->eta_tab = t;
	return DC_OK;
}

int dc_llm_perf_new(const dc_llm_arch *a, const dc_accel *g, int tp,
		    const dc_llm_perf_opts *o, dc_llm_perf **out, dc_err *err)
{
	*out = NULL;
	if (!a || !g || a->layers < 1 || a->heads < 1 || a->kv_heads < 1)
		return dc_err_msg(err, DC_EINVAL, "llm_perf: no architecture "
				  "or accelerator");
	if (tp < 1 || a->heads % tp)
		return dc_err_msg(err, DC_EINVAL, "tensor_parallel %d must be "
				  ">= 1 and divide the %lld heads of '%s'", tp,
				  (long long)a->heads, a->name);
	dc_llm_perf *p = dc_calloc(1, sizeof *p);
	if (!p)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	p->a = *a;
	p->g = *g;
	p->tp = tp;
	if (o)
		p->o = *o;
	else
		dc_llm_perf_opts_default(&p->o);
	int rc = perf_opts_check(&p->o, err);
	if (!rc)
		rc = perf_hw(p, err);
	if (!rc && p->o.profile == DC_LLM_PROFILE_VIDUR)
		rc = perf_vidur(p, err);
	if (!rc && p->o.profile == DC_LLM_PROFILE_CALIBRATED)
		rc = perf_calibrated(p, err);
	if (!rc)
		rc = eta_tabulate(p, err);
	p->o.vidur = NULL; /* not retained */
	p->o.n_vidur = 0;
	p->o.vidur_accel = NULL;
	p->o.calib = NULL;
	p->o.calibration = NULL;
	if (rc) {
		dc_llm_perf_free(p);
		return rc;
	}
	*out = p;
	return DC_OK;
}

void dc_llm_perf_free(dc_llm_perf *p)
{
	if (!p)
		return;
	curve_free(&p->cv);
	dc_free(p->eta_tab);
	dc_free(p);
}

void dc_llm_perf_eta(const dc_llm_perf *p, double tokens, double *eta_c,
		     double *eta_m)
{
	size_t i = 0;
	if (p->eta_tab && tokens >= 1 && tokens < ETA_TAB &&
	    tokens == (double)(int64_t)tokens) {
		i = (size_t)tokens;
		if (!isnan(p->eta_tab[2 * i])) {
			*eta_c = p->eta_tab[2 * i];
			*eta_m = p->eta_tab[2 * i + 1];
			return;
		}
	}
	if (p->o.profile == DC_LLM_PROFILE_CALIBRATED) {
		*eta_c = dc_class_eta_c(p->law[DC_OC_GEMM], tokens, 0);
		*eta_m = p->law[DC_OC_GEMM]->eta_m;
		return;
	}
	if (p->o.profile == DC_LLM_PROFILE_ROOFLINE || !p->cv.n) {
		*eta_c = p->o.eta_compute;
		*eta_m = p->o.eta_memory;
		return;
	}
	double x = log(tokens < 1 ? 1 : tokens);
	*eta_c = interp(p->cv.logn, p->cv.ec, p->cv.n, x);
	*eta_m = interp(p->cv.logn, p->cv.em, p->cv.n, x);
	if (i) { /* a cache: logically const */
		double *t = ((dc_llm_perf *)p)->eta_tab;
		t[2 * i] = *eta_c;
		t[2 * i + 1] = *eta_m;
	}
}

/* Accumulates operator times split by what binds them. */
typedef struct acc {
	double comp, mem, flops, bytes;
} acc;

/* One operator: F FLOPs and B bytes at efficiency for N tokens; with a
 * calibration profile, class CLS's law at size N without its per-call
 * overhead (added per kernel launched, dc_llm_perf_iter). */
static void op_add(const dc_llm_perf *p, acc *s, int cls, double F, double B,
		   double n, double w, double clock, double mult)
{
	if (p->o.profile == DC_LLM_PROFILE_CALIBRATED) {
		const dc_class_fit *law = p->law[cls];
		double tc, tm;
		double t = dc_class_time(law, p->peak, p->bw, F, B, n, w, clock,
					 &tc, &tm) - law->t0;
		*(tc > tm ? &s->comp : &s->mem) += mult * t;
		s->flops += mult * F;
		s->bytes += mult * B;
		return;
	}
	double ec, em;
	dc_llm_perf_eta(p, n, &ec, &em);
	double tc = F / (ec * p->peak * clock), tm = B / (em * p->bw);
	if (tc > tm)
		s->comp += mult * tc;
	else
		s->mem += mult * tm;
	s->flops += mult * F;
	s->bytes += mult * B;
}

/* Calibrated, with the profile's own GEMV/GEMM laws: one GEMM G over T
 * tokens by dc_calib_gemm_time (the kernel switch between m = 1 and the
 * GEMMs bridged) times the measured-shape factor, without the per-call
 * overhead (added per kernel).  Returns 0 when the profile lacks both
 * laws (op_add's fallback then applies). */
static int gemm_add(const dc_llm_perf *p, acc *s, gemm g, double T, double b,
		    double clock, double mult)
{
	const dc_calib_fit *f = &p->fit;
	if (p->o.profile != DC_LLM_PROFILE_CALIBRATED ||
	    (!f->cls[DC_OC_GEMM].rows && !f->cls[DC_OC_GEMV].rows))
		return 0;
	int cls = T > 1 ? DC_OC_GEMM : DC_OC_GEMV;
	const dc_class_fit *law = p->law[cls];
	double tc, tm;
	double t = dc_calib_gemm_time(f, p->peak, p->bw, (int)g.dout,
				      (int)g.din, b, T, clock, &tc, &tm) -
		   law->t0;
	t *= dc_calib_correction(f, law, (int)g.dout, (int)g.din, T);
	*(tc > tm ? &s->comp : &s->mem) += mult * t;
	s->flops += mult * gemm_flops(g, T);
	s->bytes += mult * gemm_bytes(g, T, b);
	return 1;
}

static void linear_ops(const dc_llm_perf *p, acc *s, double T, double clock,
		       double mult)
{
	const dc_llm_arch *a = &p->a;
	gemm g[4];
	double b = (double)p->o.weight_bytes;
	layer_gemms((double)a->hidden, (double)a->heads,
		    (double)kv_heads_gpu(a, p->tp), (double)a->ffn, a->gated,
		    p->tp, g);
	for (int k = 0; k < 4; k++)
		if (!gemm_add(p, s, g[k], T, b, clock, mult))
			op_add(p, s, T > 1 ? DC_OC_GEMM : DC_OC_GEMV,
			       gemm_flops(g[k], T), gemm_bytes(g[k], T, b), T,
			       g[k].din * g[k].dout, clock, mult);
}

double dc_llm_perf_linear_time(const dc_llm_perf *p, double tokens,
			       double clock)
{
	acc s = {0, 0, 0, 0};
	linear_ops(p, &s, tokens, clock, 1.0);
	return s.comp + s.mem;
}

/* Element-wise operators of one layer over T tokens (memory-bound): two
 * norms (read+write H), RoPE on q and k, the MLP activation, two residual
 * adds (2 reads + 1 write). */
static double elementwise_bytes(const dc_llm_perf *p, double T)
{
	const dc_llm_arch *a = &p->a;
	double b = (double)p->o.weight_bytes, t = p->tp;
	double H = (double)a->hidden, d = (double)head_dim(a);
	double I = (double)a->ffn / t;
	double rope = 2.0 * ((double)a->heads / t +
			     (double)kv_heads_gpu(a, p->tp)) * d;
	double act = a->gated ? 3.0 * I : 2.0 * I;
	return b * T * (2.0 * 2.0 * H + rope + act + 2.0 * 3.0 * H);
}

/* Attention of sequence (q, c) in one layer on one GPU: causal FLOPs
 * (llm.md 3.3, Vidur counts the full square; dcsim uses the exact causal
 * count), KV reads of c tokens and writes of q, q/o activations. */
static void attention_op(const dc_llm_perf *p, acc *s, double q, double c,
			 double clock)
{
	const dc_llm_arch *a = &p->a;
	double t = p->tp, d = (double)head_dim(a);
	double nhg = (double)a->heads / t;
	double kv_layer = (double)dc_llm_kv_bytes_per_token(a, p->tp,
		(int)p->o.kv_bytes) / (double)a->layers;
	double F = 4.0 * nhg * d * q * (c + (q + 1.0) / 2.0);
	double B = kv_layer * (c + q) +
		   (double)p->o.weight_bytes * 2.0 * q * nhg * d;
	/* size: the query tokens, as in the Vidur curves; a calibration
	 * profile's attention law is a function of the context */
	op_add(p, s, q > 1 ? DC_OC_ATTN_PREFILL : DC_OC_ATTN_DECODE, F, B,
	       p->o.profile == DC_LLM_PROFILE_CALIBRATED ? c + q : q, 0,
	       clock, (double)a->layers);
}

/* Ring all-reduce (llm.md 3.4): 2 per layer of T H b bytes. */
static double comm_time(const dc_llm_perf *p, double T)
{
	if (p->tp < 2)
		return 0;
	double t = p->tp, S = T * (double)p->a.hidden *
			      (double)p->o.weight_bytes;
	double one = 2.0 * (t - 1.0) / t * S / p->link_bw +
		     2.0 * (t - 1.0) * p->o.link_latency_s;
	return 2.0 * (double)p->a.layers * one;
}

/* Calibrated: the per-call overheads of the kernels an iteration
 * launches - per layer four GEMMs, one attention (all sequences in one
 * kernel) and one element-wise pass - and the LM head. */
static double launch_overhead(const dc_llm_perf *p, double T, int prefill)
{
	if (p->o.profile != DC_LLM_PROFILE_CALIBRATED)
		return 0;
	double L = (double)p->a.layers;
	const dc_class_fit *g = p->law[T > 1 ? DC_OC_GEMM : DC_OC_GEMV];
	const dc_class_fit *at =
		p->law[prefill ? DC_OC_ATTN_PREFILL : DC_OC_ATTN_DECODE];
	return L * (4 * g->t0 + at->t0 + p->law[DC_OC_STREAM]->t0) + g->t0;
}

static int iter_args_ok(size_t n, const int32_t *q, const int32_t *c,
			double clock, const dc_iter_out *o)
{
	if (!o || (n && (!q || !c)) || !(clock > 0 && clock <= 1))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (q[i] < 1 || c[i] < 0)
			return 0;
	return 1;
}

/* GPU power (llm.md 3.8, physics.md 4.2): idle + the prefill-phase excess
 * weighted by the compute-bound share s_c of the iteration + the
 * decode-phase excess weighted by the rest (memory-bound, comm and CPU
 * time: Splitwise's token-phase power is measured over an
 * overhead-dominated phase, llm.md 7), the whole dynamic part scaled by
 * clock^x (P = P_idle + P_dyn phi^alpha, the law the hall's thermal
 * controller uses).  Times the TP GPUs. */
static void iter_power(double idle, double pre, double dec, double clk_pow,
		       int tp, dc_iter_out *o)
{
	double sc = o->time_s > 0 ? o->compute_s / o->time_s : 0;
	double w = idle + ((pre - idle) * sc + (dec - idle) * (1 - sc)) *
				  clk_pow;
	o->power_W = o->time_s > 0 ? w * tp : 0;
	o->energy_J = o->power_W * o->time_s;
}

static void count_tokens(size_t n, const int32_t *q, const int32_t *c,
			 dc_iter_out *o)
{
	for (size_t i = 0; i < n; i++) {
		if (q[i] > 1 || c[i] == 0)
			o->prefill_tokens += q[i];
		else
			o->decode_tokens += q[i];
	}
}

/* A profile of whole iterations only (an imported Splitwise table): the
 * iteration is timed as one call of that law with the FLOPs and HBM bytes
 * per GPU its rows were given (calib_import.h), at size = the prompt
 * tokens of an iteration with a prefill, else the batch, as Splitwise's
 * table is read.  Its times include TP communication and CPU overheads,
 * so none is added. */
static int whole_iteration(const dc_llm_perf *p)
{
	return p->o.profile == DC_LLM_PROFILE_CALIBRATED &&
	       !p->fit.cls[DC_OC_GEMM].rows && !p->fit.cls[DC_OC_GEMV].rows &&
	       (p->fit.cls[DC_OC_ITER].rows ||
		p->fit.cls[DC_OC_ITER_DECODE].rows);
}

static void iter_whole(const dc_llm_perf *p, size_t n, const int32_t *q,
		       const int32_t *c, double clock, dc_iter_out *o)
{
	const dc_llm_arch *a = &p->a;
	double T = 0;
	int prefill = 0;
	for (size_t i = 0; i < n; i++) {
		T += q[i];
		prefill |= q[i] > 1 || c[i] == 0;
	}
	double F = dc_llm_flops(a, n, q, c, NULL) / p->tp;
	double B = dc_llm_hbm_bytes(a, p->tp, (int)p->o.weight_bytes,
				    (int)p->o.kv_bytes, n, q, c);
	double tc, tm;
	double t = dc_class_time(p->law[prefill ? DC_OC_ITER
						: DC_OC_ITER_DECODE],
				 p->peak, p->bw, F, B, prefill ? T : (double)n,
				 0, clock, &tc, &tm);
	*(tc > tm ? &o->compute_s : &o->memory_s) = t;
	o->time_s = t;
	o->flops = F * p->tp;
	o->bytes = B * p->tp;
}

int dc_llm_perf_iter(const void *ctx, size_t n, const int32_t *q,
		     const int32_t *c, double clock, dc_iter_out *o)
{
	const dc_llm_perf *p = ctx;
	if (!p || !iter_args_ok(n, q, c, clock, o))
		return DC_EINVAL;
	memset(o, 0, sizeof *o);
	if (!n)
		return DC_OK;
	if (whole_iteration(p)) {
		iter_whole(p, n, q, c, clock, o);
		count_tokens(n, q, c, o);
		iter_power(p->idle_w, p->prefill_w, p->decode_w,
			   pow(clock, p->o.power_clock_exp), p->tp, o);
		return DC_OK;
	}
	const dc_llm_arch *a = &p->a;
	double T = 0, L = (double)a->layers;
	acc s = {0, 0, 0, 0};
	for (size_t i = 0; i < n; i++) {
		T += q[i];
		attention_op(p, &s, q[i], c[i], clock);
	}
	linear_ops(p, &s, T, clock, L);
	op_add(p, &s, DC_OC_STREAM, 0, elementwise_bytes(p, T), T, 0, clock,
	       L);
	/* LM head (vocab-parallel) for one position per sequence, plus the
	 * embedding rows read */
	double H = (double)a->hidden, Vt = (double)a->vocab / p->tp;
	double b = (double)p->o.weight_bytes, ns = (double)n;
	if (gemm_add(p, &s, (gemm){H, Vt}, ns, b, clock, 1.0))
		op_add(p, &s, DC_OC_STREAM, 0, b * T * H, T, 0, clock, 1.0);
	else
		op_add(p, &s, n > 1 ? DC_OC_GEMM : DC_OC_GEMV,
		       2.0 * ns * H * Vt,
		       b * (H * Vt + ns * (H + Vt) + T * H), ns, H * Vt, clock,
		       1.0);
	o->compute_s = s.comp;
	o->memory_s = s.mem;
	o->comm_s = comm_time(p, T);
	o->cpu_s = p->o.cpu_overhead_s + p->o.cpu_per_layer_s * L +
		   launch_overhead(p, T, T > (double)n);
	o->time_s = o->compute_s + o->memory_s + o->comm_s + o->cpu_s;
	/* model FLOPs per llm.md 3.3 (not the per-op sum, which counts the
	 * TP-replicated KV heads); bytes: per-op sum over the TP GPUs */
	o->flops = dc_llm_flops(a, n, q, c, NULL);
	o->bytes = s.bytes * p->tp;
	count_tokens(n, q, c, o);
	iter_power(p->idle_w, p->prefill_w, p->decode_w,
		   pow(clock, p->o.power_clock_exp), p->tp, o);
	return DC_OK;
}

int64_t dc_llm_perf_kv_tokens(const dc_llm_perf *p, double mem_margin)
{
	if (!p || !(mem_margin >= 0 && mem_margin < 1))
		return DC_EINVAL;
	double w = (double)p->o.weight_bytes * (double)dc_llm_params(&p->a) /
		   p->tp;
	double free_b = p->g.hbm_bytes * (1.0 - mem_margin) - w;
	double kv = (double)dc_llm_kv_bytes_per_token(&p->a, p->tp,
						      (int)p->o.kv_bytes);
	if (free_b <= 0 || kv <= 0)
		return 0;
	return (int64_t)floor(free_b / kv);
}

/* ------------------------------------------------------------------ */
/* Splitwise table back end                                            */

typedef struct curve1 {
	size_t n;
	double *x, *y;
} curve1;

struct dc_splitwise {
	curve1 prompt;  /* total prompt tokens -> s */
	curve1 token;   /* batch size -> s */
	dc_llm_arch a;
	int has_arch, tp;
	dc_accel g;
	int has_accel;
};

/* Linear interpolation, held below, extrapolated along the last segment
 * above (never below the last value). */
static double curve1_eval(const curve1 *c, double v)
{
	if (v <= c->x[0])
		return c->y[0];
	if (v <= c->x[c->n - 1])
		return interp(c->x, c->y, c->n, v);
	size_t k = c->n - 1;
	double slope = (c->y[k] - c->y[k - 1]) / (c->x[k] - c->x[k - 1]);
	return c->y[k] + (slope > 0 ? slope : 0) * (v - c->x[k]);
}

/* A Splitwise row reduced to what the curves use. */
typedef struct srow {
	double prompt, batch, token, pt, tt;
} srow;

static int srow_cmp_key(double a, double b)
{
	return (a > b) - (a < b);
}

/* by key x (pt curve: T then batch; tt curve: batch) */
static int srow_cmp_prompt(const void *pa, const void *pb)
{
	const srow *a = pa, *b = pb;
	int k = srow_cmp_key(a->prompt * a->batch, b->prompt * b->batch);
	return k ? k : srow_cmp_key(a->batch, b->batch);
}

static int srow_cmp_batch(const void *pa, const void *pb)
{
	const srow *a = pa, *b = pb;
	return srow_cmp_key(a->batch, b->batch);
}

/* Read the rows of (model, hardware, tp); *n rows into *out (owned). */
static int sw_rows(const dc_table *t, const char *model, const char *hw,
		   int tp, srow **out, size_t *n, dc_err *err)
{
	static const char *const cols[] = {"model", "hardware",
		"tensor_parallel", "prompt_size", "batch_size", "token_size",
		"prompt_time", "token_time"};
	size_t col[8];
	for (int k = 0; k < 8; k++) {
		int rc = need_col(t, cols[k], &col[k], err);
		if (rc)
			return rc;
	}
	srow *r = dc_calloc(dc_table_rows(t) + 1, sizeof *r);
	if (!r)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	size_t m = 0;
	int rc = DC_OK;
	for (size_t i = 0; !rc && i < dc_table_rows(t); i++) {
		double v[6], tpv;
		if (strcmp(dc_table_field(t, i, col[0]), model) ||
		    strcmp(dc_table_field(t, i, col[1]), hw))
			continue;
		rc = dc_table_num(t, i, col[2], &tpv, err);
		if (rc || tpv != tp)
			continue;
		for (int k = 0; !rc && k < 5; k++)
			rc = dc_table_num(t, i, col[3 + k], &v[k], err);
		if (!rc && (v[0] < 1 || v[1] < 1 || v[3] <= 0 || v[4] <= 0))
			rc = dc_table_err(t, i, col[3], err, DC_EINVAL,
					  "sizes and times must be positive");
		if (rc)
			break;
		/* Splitwise times are in ms */
		r[m++] = (srow){v[0], v[1], v[2], v[3] * 1e-3, v[4] * 1e-3};
	}
	if (rc) {
		dc_free(r);
		return rc;
	}
	*out = r;
	*n = m;
	return DC_OK;
}

/* The known "model/hardware/tp" combinations, for the error message. */
static int sw_unknown(const dc_table *t, const char *model, const char *hw,
		      int tp, dc_err *err)
{
	char list[1024] = "", prev[160] = "";
	size_t len = 0;
	int cm = dc_table_col(t, "model"), ch = dc_table_col(t, "hardware"),
	    ct = dc_table_col(t, "tensor_parallel");
	for (size_t i = 0; i < dc_table_rows(t) && len + 2 < sizeof list; i++) {
		char cur[160];
		snprintf(cur, sizeof cur, "%s/%s/tp%s",
			 dc_table_field(t, i, (size_t)cm),
			 dc_table_field(t, i, (size_t)ch),
			 dc_table_field(t, i, (size_t)ct));
		if (!strcmp(cur, prev) || strstr(list, cur))
			continue;
		int k = snprintf(list + len, sizeof list - len, "%s%s",
				 len ? ", " : "", cur);
		if (k < 0)
			break;
		len += (size_t)k;
		snprintf(prev, sizeof prev, "%s", cur);
	}
	return dc_err_msg(err, DC_ENOENT, "no rows for model '%s', hardware "
			  "'%s', tp %d in %s (known: %s)", model, hw, tp,
			  dc_table_name(t), list);
}

/* The most common value of field F over rows R (keyed by offset). */
static double sw_mode(const srow *r, size_t n, size_t off)
{
	double best = 0;
	size_t bestc = 0;
	for (size_t i = 0; i < n; i++) {
		double v = *(const double *)((const char *)&r[i] + off);
		size_t k = 0;
		for (size_t j = 0; j < n; j++)
			k += *(const double *)((const char *)&r[j] + off) == v;
		if (k > bestc || (k == bestc && v < best)) {
			bestc = k;
			best = v;
		}
	}
	return best;
}

/* Append point (x, mean of ys) to C. */
static void curve1_push(curve1 *c, double x, double sum, size_t k)
{
	c->x[c->n] = x;
	c->y[c->n] = sum / (double)k;
	c->n++;
}

/* prompt curve: rows sorted by (T, batch); for each T the rows of the
 * smallest batch, averaged. */
static void sw_prompt_curve(srow *r, size_t n, curve1 *c)
{
	qsort(r, n, sizeof *r, srow_cmp_prompt);
	for (size_t i = 0; i < n;) {
		double T = r[i].prompt * r[i].batch, sum = 0;
		size_t j = i, k = 0;
		while (j < n && r[j].prompt * r[j].batch == T) {
			if (r[j].batch == r[i].batch) {
				sum += r[j].pt;
				k++;
			}
			j++;
		}
		curve1_push(c, T, sum, k);
		i = j;
	}
}

/* token curve: rows at prompt size P0, averaged per batch size. */
static void sw_token_curve(srow *r, size_t n, double p0, curve1 *c)
{
	qsort(r, n, sizeof *r, srow_cmp_batch);
	for (size_t i = 0; i < n;) {
		double B = r[i].batch, sum = 0;
		size_t j = i, k = 0;
		for (; j < n && r[j].batch == B; j++)
			if (r[j].prompt == p0) {
				sum += r[j].tt;
				k++;
			}
		if (k)
			curve1_push(c, B, sum, k);
		i = j;
	}
}

/* The prompt size with the most distinct batch sizes (the batch sweep). */
static double sw_sweep_prompt(srow *r, size_t n)
{
	double best = r[0].prompt;
	size_t bestk = 0;
	qsort(r, n, sizeof *r, srow_cmp_batch);
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		double last = -1;
		for (size_t j = 0; j < n; j++)
			if (r[j].prompt == r[i].prompt && r[j].batch != last) {
				k++;
				last = r[j].batch;
			}
		if (k > bestk || (k == bestk && r[i].prompt < best)) {
			bestk = k;
			best = r[i].prompt;
		}
	}
	return best;
}

static int sw_build(dc_splitwise *s, srow *r, size_t n, const char *name,
		    dc_err *err)
{
	double base = sw_mode(r, n, offsetof(srow, token));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (r[i].token == base)
			r[m++] = r[i];
	s->prompt.x = dc_malloc(m * sizeof(double));
	s->prompt.y = dc_malloc(m * sizeof(double));
	s->token.x = dc_malloc(m * sizeof(double));
	s->token.y = dc_malloc(m * sizeof(double));
	if (!s->prompt.x || !s->prompt.y || !s->token.x || !s->token.y)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	double p0 = sw_sweep_prompt(r, m);
	sw_token_curve(r, m, p0, &s->token);
	sw_prompt_curve(r, m, &s->prompt);
	if (s->prompt.n < 2 || s->token.n < 2)
		return dc_err_msg(err, DC_EINVAL, "%s: fewer than 2 prompt "
				  "sizes or batch sizes for this model/"
				  "hardware/tp", name);
	return DC_OK;
}

void dc_splitwise_free(dc_splitwise *s)
{
	if (!s)
		return;
	dc_free(s->prompt.x);
	dc_free(s->prompt.y);
	dc_free(s->token.x);
	dc_free(s->token.y);
	dc_free(s);
}

int dc_splitwise_new(const dc_table *t, const char *model,
		     const char *hardware, int tp, const dc_llm_arch *a,
		     const dc_accel *g, dc_splitwise **out, dc_err *err)
{
	*out = NULL;
	if (!t || !model || !hardware || tp < 1)
		return dc_err_msg(err, DC_EINVAL, "splitwise: no table, model "
				  "or hardware, or tp %d < 1", tp);
	srow *r = NULL;
	size_t n = 0;
	int rc = sw_rows(t, model, hardware, tp, &r, &n, err);
	if (rc)
		return rc;
	if (!n) {
		dc_free(r);
		return sw_unknown(t, model, hardware, tp, err);
	}
	dc_splitwise *s = dc_calloc(1, sizeof *s);
	if (!s) {
		dc_free(r);
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	}
	rc = sw_build(s, r, n, dc_table_name(t), err);
	dc_free(r);
	if (rc) {
		dc_splitwise_free(s);
		return rc;
	}
	s->tp = tp;
	if (a) {
		s->a = *a;
		s->has_arch = 1;
	}
	if (g) {
		s->g = *g;
		s->has_accel = 1;
	}
	*out = s;
	return DC_OK;
}

double dc_splitwise_prompt_time(const dc_splitwise *s, double tokens)
{
	return curve1_eval(&s->prompt, tokens < 1 ? 1 : tokens);
}

double dc_splitwise_token_time(const dc_splitwise *s, double batch)
{
	return curve1_eval(&s->token, batch < 1 ? 1 : batch);
}

int dc_splitwise_iter(const void *ctx, size_t n, const int32_t *q,
		      const int32_t *c, double clock, dc_iter_out *o)
{
	const dc_splitwise *s = ctx;
	if (!s || !iter_args_ok(n, q, c, clock, o))
		return DC_EINVAL;
	memset(o, 0, sizeof *o);
	if (!n)
		return DC_OK;
	count_tokens(n, q, c, o);
	if (o->prefill_tokens > 0) {
		double T = (double)(o->prefill_tokens + o->decode_tokens);
		o->compute_s = dc_splitwise_prompt_time(s, T) / clock;
	} else {
		o->memory_s = dc_splitwise_token_time(s, (double)n);
	}
	o->time_s = o->compute_s + o->memory_s;
	if (s->has_arch) {
		o->flops = dc_llm_flops(&s->a, n, q, c, NULL);
		o->bytes = s->tp * dc_llm_hbm_bytes(&s->a, s->tp, 2, 2, n, q,
						    c);
	}
	if (s->has_accel) {
		/* Splitwise's constant per-phase power (llm.md 3.8) */
		double w = o->prefill_tokens > 0 ? s->g.prefill_w
						 : s->g.decode_w;
		o->power_W = (w >= 0 ? w : 0) * s->tp;
		o->energy_J = o->power_W * o->time_s;
	}
	return DC_OK;
}
