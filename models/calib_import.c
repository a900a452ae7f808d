/* calib_import.c - Vidur and SplitwiseSim tables turned into calibration
 * profile rows (calib_import.h).  The Splitwise rules repeat
 * dc_splitwise_new's (llm_perf.c) so that an imported profile holds the
 * points that back end interpolates. */
#include "calib_import.h"

#include "calib_fit.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"

/* ------------------------------------------------------------------ */
/* shared                                                              */

/* Equal names, '-' and '_' taken as the same character. */
static int same_name(const char *a, const char *b)
{
	if (!a || !b)
		return 0;
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return 0;
	}
	return *a == *b;
}

static const struct {
	const char *hw, *accel, *tag, *note;
} accel_map[] = {
	{"a100-80gb", "a100_80gb", NULL, NULL},
	{"h100-80gb", "h100_sxm", NULL, NULL},
	{"h100-80gb-pcap", "h100_sxm", "pcap",
	 "DGX-H100 power-capped to 70 % (7.14 kW): SplitwiseSim's rows are "
	 "the uncapped ones with prompt time x 1.3 (llm.md V8)"},
	{"a100", "a100_80gb", NULL, NULL},
	{"h100", "h100_sxm", NULL, NULL},
};

const char *dc_import_accel_name(const char *hw, const char **tag,
				 const char **note)
{
	for (size_t i = 0; i < DC_ARRAY_LEN(accel_map); i++)
		if (same_name(hw, accel_map[i].hw)) {
			if (tag)
				*tag = accel_map[i].tag;
			if (note)
				*note = accel_map[i].note;
			return accel_map[i].accel;
		}
	return NULL;
}

const char *dc_import_accel_names(void)
{
	return "a100-80gb, h100-80gb, h100-80gb-pcap (SplitwiseSim), "
	       "a100, h100 (Vidur)";
}

/* Look every column of NAMES up into COL; each missing one reported. */
static int need_cols(const dc_table *t, const char *const *names, size_t n,
		     size_t *col, const char *what, dc_err *err)
{
	int rc = DC_OK;
	for (size_t i = 0; i < n; i++) {
		int c = dc_table_col(t, names[i]);
		col[i] = c < 0 ? 0 : (size_t)c;
		if (c < 0)
			rc = dc_err_key(err, DC_EINVAL, dc_table_name(t),
					names[i], "missing column '%s' (%s)",
					names[i], what);
	}
	return rc;
}

/* Field (R, C) as a whole number in [MIN, MAX]. */
static int whole(const dc_table *t, size_t r, size_t c, double min,
		 double max, double *v, dc_err *err)
{
	int rc = dc_table_num(t, r, c, v, err);
	if (!rc && (*v != floor(*v) || *v < min || *v > max))
		rc = dc_table_err(t, r, c, err, DC_EINVAL,
				  "expected a whole number in [%g, %g], got %g",
				  min, max, *v);
	return rc;
}

/* Field (R, C) as a time > 0. */
static int positive(const dc_table *t, size_t r, size_t c, double *v,
		    dc_err *err)
{
	int rc = dc_table_num(t, r, c, v, err);
	if (!rc && !(*v > 0))
		rc = dc_table_err(t, r, c, err, DC_EINVAL,
				  "expected a time > 0, got %g", *v);
	return rc;
}

static void set_op(dc_calib_row *o, const char *op)
{
	snprintf(o->op, sizeof o->op, "%s", op);
}

/* A row's place in its curve: (op, n, k) then m; I breaks ties. */
typedef struct mkey {
	const dc_calib_row *r;
	size_t i;
} mkey;

static int int_cmp(int a, int b)
{
	return (a > b) - (a < b);
}

static int mkey_cmp(const void *pa, const void *pb)
{
	const mkey *a = pa, *b = pb;
	int c = strcmp(a->r->op, b->r->op);
	if (!c)
		c = int_cmp(a->r->n, b->r->n);
	if (!c)
		c = int_cmp(a->r->k, b->r->k);
	if (!c)
		c = int_cmp(a->r->m, b->r->m);
	return c ? c : (a->i > b->i) - (a->i < b->i);
}

static int same_curve(const dc_calib_row *a, const dc_calib_row *b)
{
	return !strcmp(a->op, b->op) && a->n == b->n && a->k == b->k;
}

size_t dc_import_monotone(dc_calib_row *rows, size_t n)
{
	mkey *ix = dc_malloc((n ? n : 1) * sizeof *ix);
	if (!ix)
		return (size_t)-1;
	for (size_t i = 0; i < n; i++)
		ix[i] = (mkey){&rows[i], i};
	qsort(ix, n, sizeof *ix, mkey_cmp);
	size_t raised = 0, top = 0; /* the slowest row so far on a curve */
	for (size_t j = 0; j < n; j++) {
		const dc_calib_row *a = &rows[ix[top].i];
		dc_calib_row *b = &rows[ix[j].i];
		if (!j || !same_curve(a, b)) {
			top = j;
			continue;
		}
		double floor_ = (1 - DC_CALIB_MONO_TOL) * a->time_s;
		if (b->time_s < floor_) {
			b->time_s = floor_ * DC_IMPORT_RAISE_MARGIN;
			raised++;
		}
		if (b->time_s > a->time_s)
			top = j;
	}
	dc_free(ix);
	return raised;
}

/* Raise the curves of *ROWS; on ENOMEM free them. */
static int finish_rows(dc_calib_row **rows, size_t *n, dc_import_info *info,
		       dc_err *err)
{
	size_t k = dc_import_monotone(*rows, *n);
	if (k == (size_t)-1) {
		dc_free(*rows);
		*rows = NULL;
		*n = 0;
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	}
	info->raised = k;
	return DC_OK;
}

/* Append " T" (", T" after the first) to the TP list. */
static void tps_add(dc_import_info *info, int tp)
{
	size_t len = strlen(info->tps);
	snprintf(info->tps + len, sizeof info->tps - len, "%s%d",
		 len ? ", " : "", tp);
}

/* ------------------------------------------------------------------ */
/* Vidur mlp.csv                                                       */

enum { V_TOK, V_TP, V_NH, V_NKV, V_H, V_I, V_GATED, V_OP0,
       V_NCOL = V_OP0 + 4 };

static const char *const vidur_cols[V_NCOL] = {
	"num_tokens", "num_tensor_parallel_workers", "n_head", "n_kv_head",
	"n_embd", "n_expanded_embd", "use_gated_mlp",
	"time_stats.attn_pre_proj.median", "time_stats.attn_post_proj.median",
	"time_stats.mlp_up_proj.median", "time_stats.mlp_down_proj.median"};

static const char *const vidur_ops[4] = {"qkv", "attn_out", "mlp_up",
					 "mlp_down"};

#define SHAPE_MAX 16777216.0 /* 2^24: products of two stay exact ints */

/* The model shape of one row: n_h, n_kv, H, I, gated. */
typedef struct vshape {
	double v[4];
	int gated;
} vshape;

/* One (operator, tokens) measurement at a TP. */
typedef struct vraw {
	int tp, op, m;
	double t;
} vraw;

static int vraw_cmp(const void *pa, const void *pb)
{
	const vraw *a = pa, *b = pb;
	int c = int_cmp(a->tp, b->tp);
	if (!c)
		c = int_cmp(a->op, b->op);
	if (!c)
		c = int_cmp(a->m, b->m);
	return c ? c : (a->t > b->t) - (a->t < b->t);
}

static int read_shape(const dc_table *t, size_t r, const size_t *col,
		      vshape *s, dc_err *err)
{
	int rc = DC_OK;
	for (int i = 0; i < 4; i++) {
		int e = whole(t, r, col[V_NH + i], 1, SHAPE_MAX, &s->v[i], err);
		rc = rc ? rc : e;
	}
	const char *g = dc_table_field(t, r, col[V_GATED]);
	s->gated = !strcmp(g, "True") || !strcmp(g, "true") || !strcmp(g, "1");
	if (!s->gated && strcmp(g, "False") && strcmp(g, "false") &&
	    strcmp(g, "0"))
		rc = dc_table_err(t, r, col[V_GATED], err, DC_EINVAL,
				  "expected True or False, got '%s'", g);
	return rc;
}

/* The first row's shape, checked: H a multiple of n_h. */
static int vidur_shape(const dc_table *t, const size_t *col, vshape *s,
		       dc_err *err)
{
	if (!dc_table_rows(t))
		return dc_err_key(err, DC_EINVAL, dc_table_name(t), "rows",
				  "a Vidur profile needs rows");
	int rc = read_shape(t, 0, col, s, err);
	if (!rc && fmod(s->v[2], s->v[0]) != 0)
		rc = dc_table_err(t, 0, col[V_H], err, DC_EINVAL,
				  "n_embd %g is not a multiple of n_head %g",
				  s->v[2], s->v[0]);
	return rc;
}

/* Row R's shape must be the first row's. */
static int same_shape(const dc_table *t, size_t r, const size_t *col,
		      const vshape *s0, dc_err *err)
{
	vshape s;
	int rc = read_shape(t, r, col, &s, err);
	for (int i = 0; !rc && i < 4; i++)
		if (s.v[i] != s0->v[i])
			rc = dc_table_err(t, r, col[V_NH + i], err, DC_EINVAL,
					  "%g differs from the first row's %g "
					  "(one table, one model)", s.v[i],
					  s0->v[i]);
	if (!rc && s.gated != s0->gated)
		rc = dc_table_err(t, r, col[V_GATED], err, DC_EINVAL,
				  "differs from the first row's");
	return rc;
}

/* Read row R into OUT[0..4). */
static int vidur_row(const dc_table *t, size_t r, const size_t *col,
		     const vshape *s0, vraw *out, dc_err *err)
{
	double tok, tp, ms[4];
	int rc = r ? same_shape(t, r, col, s0, err) : DC_OK;
	int e = whole(t, r, col[V_TOK], 1, INT_MAX, &tok, err);
	rc = rc ? rc : e;
	e = whole(t, r, col[V_TP], 1, SHAPE_MAX, &tp, err);
	if (!e && (fmod(s0->v[0], tp) != 0 || fmod(s0->v[3], tp) != 0))
		e = dc_table_err(t, r, col[V_TP], err, DC_EINVAL,
				 "tp %g does not divide n_head %g and "
				 "n_expanded_embd %g", tp, s0->v[0], s0->v[3]);
	rc = rc ? rc : e;
	for (int k = 0; k < 4; k++) {
		e = positive(t, r, col[V_OP0 + k], &ms[k], err);
		rc = rc ? rc : e;
	}
	if (rc)
		return rc;
	for (int k = 0; k < 4; k++) /* Vidur times are in ms */
		out[k] = (vraw){(int)tp, k, (int)tok, ms[k] / 1000.0};
	return DC_OK;
}

/* The GEMM of operator OP on one GPU at TP T: output width *N, input *K
 * (llm_perf.c layer_gemms). */
static void vidur_gemm(const vshape *s, int t, int op, int *n, int *k)
{
	long nh = (long)s->v[0], nkv = (long)s->v[1], H = (long)s->v[2];
	long I = (long)s->v[3], d = H / nh;
	long w[4][2] = {{d * (nh / t + 2 * ((nkv + t - 1) / t)), H},
			{H, nh / t * d},
			{(s->gated ? 2 : 1) * I / t, H},
			{H, I / t}};
	*n = (int)w[op][0];
	*k = (int)w[op][1];
}

static void gemm_row(dc_calib_row *o, const vshape *s, const vraw *v,
		     double time_s)
{
	memset(o, 0, sizeof *o);
	set_op(o, vidur_ops[v->op]);
	vidur_gemm(s, v->tp, v->op, &o->n, &o->k);
	o->m = v->m;
	double m = o->m, n = o->n, k = o->k;
	o->time_s = time_s;
	o->flops = 2.0 * m * n * k;
	o->bytes = 2.0 * (m * k + k * n + m * n); /* fp16 */
	o->max_rel_err = NAN;
}

static int vraw_same_point(const vraw *a, const vraw *b)
{
	return a->tp == b->tp && a->op == b->op && a->m == b->m;
}

/* Median of the sorted times of V[0..K) (llm.md V3's rule for repeats;
 * the mean of the middle two for an even count). */
static double vraw_median(const vraw *v, size_t k)
{
	return (v[(k - 1) / 2].t + v[k / 2].t) / 2.0;
}

/* Sorted raw measurements V[0..N) into OUT (room for N): one row per (tp,
 * op, m), the median of its times.  Returns the rows written. */
static size_t vidur_merge(const vraw *v, size_t n, const vshape *s,
			  dc_calib_row *out)
{
	size_t m = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && vraw_same_point(&v[i], &v[j]))
			j++;
		gemm_row(&out[m++], s, &v[i], vraw_median(&v[i], j - i));
		i = j;
	}
	return m;
}

static int arch_matches(const dc_llm_arch *a, const vshape *s)
{
	return (double)a->heads == s->v[0] && (double)a->kv_heads == s->v[1] &&
	       (double)a->hidden == s->v[2] && (double)a->ffn == s->v[3] &&
	       a->gated == s->gated;
}

/* The table's vocab_size (optional: NAN when absent or not a number). */
static double vidur_vocab(const dc_table *t)
{
	int c = dc_table_col(t, "vocab_size");
	double v = NAN;
	if (c < 0 || dc_table_num(t, 0, (size_t)c, &v, NULL) || !(v > 0))
		return NAN;
	return v;
}

/* Check that catalog row MODEL has shape S. */
static int vidur_model_given(const dc_table *t, const vshape *s,
			     const dc_table *models, const char *model,
			     char *name, dc_err *err)
{
	dc_llm_arch a;
	int rc = dc_llm_arch_load(models, model, &a, err);
	if (rc)
		return rc;
	if (!arch_matches(&a, s))
		return dc_err_msg(err, DC_EINVAL, "%s measured a model with "
				  "n_head %g, n_kv_head %g, n_embd %g, "
				  "n_expanded_embd %g, %s MLP; '%s' in %s has "
				  "heads %lld, kv_heads %lld, hidden %lld, "
				  "ffn %lld, %s MLP", dc_table_name(t),
				  s->v[0], s->v[1], s->v[2], s->v[3],
				  s->gated ? "gated" : "plain", model,
				  dc_table_name(models), (long long)a.heads,
				  (long long)a.kv_heads, (long long)a.hidden,
				  (long long)a.ffn,
				  a.gated ? "gated" : "plain");
	snprintf(name, DC_LLM_NAME_MAX, "%s", model);
	return DC_OK;
}

/* Name the model: the catalog row with shape S (of several, the nearest
 * vocabulary to the table's), or MODEL's row checked against S. */
static int vidur_model(const dc_table *t, const vshape *s,
		       const dc_table *models, const char *model, char *name,
		       dc_err *err)
{
	if (model)
		return vidur_model_given(t, s, models, model, name, err);
	int nc = dc_table_col(models, "name");
	if (nc < 0)
		return dc_err_key(err, DC_EINVAL, dc_table_name(models), "name",
				  "missing column 'name' (a model catalog)");
	double vs = vidur_vocab(t), best = INFINITY;
	for (size_t r = 0; r < dc_table_rows(models); r++) {
		const char *nm = dc_table_field(models, r, (size_t)nc);
		dc_llm_arch a;
		if (dc_llm_arch_load(models, nm, &a, NULL) ||
		    !arch_matches(&a, s))
			continue;
		double dist = isnan(vs) ? 0 : fabs(log((double)a.vocab / vs));
		if (dist < best) {
			best = dist;
			snprintf(name, DC_LLM_NAME_MAX, "%s", nm);
		}
	}
	if (isinf(best))
		return dc_err_msg(err, DC_ENOENT, "%s: no model in %s has the "
				  "shape this table measured (n_head %g, "
				  "n_kv_head %g, n_embd %g, n_expanded_embd "
				  "%g, %s MLP); add its row to the catalog",
				  dc_table_name(t), dc_table_name(models),
				  s->v[0], s->v[1], s->v[2], s->v[3],
				  s->gated ? "gated" : "plain");
	return DC_OK;
}

/* Sort, merge and raise the raw measurements V[0..NV) into *ROWS. */
static int vidur_build(vraw *v, size_t nv, const vshape *s,
		       dc_calib_row **rows, size_t *n, dc_import_info *info,
		       dc_err *err)
{
	qsort(v, nv, sizeof *v, vraw_cmp);
	dc_calib_row *out = dc_malloc(nv * sizeof *out);
	if (!out)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	size_t m = vidur_merge(v, nv, s, out);
	info->used = nv / 4;
	info->merged = nv - m;
	for (size_t i = 0; i < nv; i++)
		if (!i || v[i].tp != v[i - 1].tp)
			tps_add(info, v[i].tp);
	*rows = out;
	*n = m;
	return finish_rows(rows, n, info, err);
}

int dc_import_vidur(const dc_table *t, const dc_table *models,
		    const char *model, dc_calib_row **rows, size_t *n,
		    dc_import_info *info, dc_err *err)
{
	*rows = NULL;
	*n = 0;
	dc_import_info inf;
	memset(&inf, 0, sizeof inf);
	size_t col[V_NCOL];
	vshape s;
	int rc = need_cols(t, vidur_cols, V_NCOL, col, "a Vidur mlp.csv has "
			   "it", err);
	if (!rc)
		rc = vidur_shape(t, col, &s, err);
	if (!rc && models)
		rc = vidur_model(t, &s, models, model, inf.model, err);
	if (rc)
		return rc;
	size_t nr = dc_table_rows(t);
	vraw *v = dc_malloc(4 * nr * sizeof *v);
	if (!v)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	for (size_t r = 0; r < nr; r++) {
		int e = vidur_row(t, r, col, &s, &v[4 * r], err);
		rc = rc ? rc : e;
	}
	if (!rc)
		rc = vidur_build(v, 4 * nr, &s, rows, n, &inf, err);
	dc_free(v);
	if (!rc && info)
		*info = inf;
	return rc;
}

/* ------------------------------------------------------------------ */
/* SplitwiseSim perf_model.csv                                         */

enum { S_MODEL, S_HW, S_TP, S_PROMPT, S_BATCH, S_TOKEN, S_PT, S_TT,
       S_NCOL };

static const char *const sw_cols[S_NCOL] = {
	"model", "hardware", "tensor_parallel", "prompt_size", "batch_size",
	"token_size", "prompt_time", "token_time"};

#define BATCH_MAX 65536.0

/* A Splitwise row reduced to what the curves use; times in s. */
typedef struct srow {
	double prompt, batch, token, pt, tt;
	size_t row;   /* in the table */
	int used;
} srow;

static int dbl_cmp(double a, double b)
{
	return (a > b) - (a < b);
}

/* by (prompt, batch, row) */
static int srow_cmp_sweep(const void *pa, const void *pb)
{
	const srow *a = pa, *b = pb;
	int c = dbl_cmp(a->prompt, b->prompt);
	if (!c)
		c = dbl_cmp(a->batch, b->batch);
	return c ? c : (a->row > b->row) - (a->row < b->row);
}

/* by (total prompt tokens, batch, row) */
static int srow_cmp_total(const void *pa, const void *pb)
{
	const srow *a = pa, *b = pb;
	int c = dbl_cmp(a->prompt * a->batch, b->prompt * b->batch);
	if (!c)
		c = dbl_cmp(a->batch, b->batch);
	return c ? c : (a->row > b->row) - (a->row < b->row);
}

/* by (batch, row) */
static int srow_cmp_batch(const void *pa, const void *pb)
{
	const srow *a = pa, *b = pb;
	int c = dbl_cmp(a->batch, b->batch);
	return c ? c : (a->row > b->row) - (a->row < b->row);
}

/* The sizes and times of row R into *S (times in s). */
static int sw_fields(const dc_table *t, size_t r, const size_t *col,
		     srow *s, dc_err *err)
{
	double ms[2];
	int rc = whole(t, r, col[S_PROMPT], 1, SHAPE_MAX, &s->prompt, err);
	int e = whole(t, r, col[S_BATCH], 1, BATCH_MAX, &s->batch, err);
	if (!rc && !e && s->prompt * s->batch > INT_MAX)
		e = dc_table_err(t, r, col[S_BATCH], err, DC_EINVAL,
				 "prompt_size x batch_size = %g tokens is "
				 "past %d", s->prompt * s->batch, INT_MAX);
	rc = rc ? rc : e;
	e = whole(t, r, col[S_TOKEN], 1, SHAPE_MAX, &s->token, err);
	rc = rc ? rc : e;
	for (int k = 0; k < 2; k++) {
		e = positive(t, r, col[S_PT + k], &ms[k], err);
		rc = rc ? rc : e;
	}
	s->pt = ms[0] * 1e-3; /* Splitwise times are in ms (as llm_perf.c) */
	s->tt = ms[1] * 1e-3;
	s->row = r;
	return rc;
}

/* The rows of (MODEL, HW, TP) into OUT (room for every row). */
static int sw_read(const dc_table *t, const size_t *col, const char *model,
		   const char *hw, int tp, srow *out, size_t *n, dc_err *err)
{
	int rc = DC_OK;
	size_t m = 0;
	for (size_t r = 0; r < dc_table_rows(t); r++) {
		double tpv;
		if (!same_name(dc_table_field(t, r, col[S_MODEL]), model) ||
		    !same_name(dc_table_field(t, r, col[S_HW]), hw))
			continue;
		int e = dc_table_num(t, r, col[S_TP], &tpv, err);
		if (!e && tpv != tp)
			continue;
		if (!e)
			e = sw_fields(t, r, col, &out[m], err);
		if (e)
			rc = rc ? rc : e;
		else
			m++;
	}
	*n = m;
	return rc;
}

/* "no rows for ... (known: model/hardware/tpN, ...)" */
static int sw_unknown(const dc_table *t, const size_t *col, const char *model,
		      const char *hw, int tp, dc_err *err)
{
	char list[1024] = "";
	size_t len = 0;
	for (size_t i = 0; i < dc_table_rows(t) && len + 2 < sizeof list; i++) {
		char cur[160];
		snprintf(cur, sizeof cur, "%s/%s/tp%s",
			 dc_table_field(t, i, col[S_MODEL]),
			 dc_table_field(t, i, col[S_HW]),
			 dc_table_field(t, i, col[S_TP]));
		const char *at = strstr(list, cur);
		size_t cl = strlen(cur);
		if (at && (at[cl] == ',' || at[cl] == '\0'))
			continue;
		int k = snprintf(list + len, sizeof list - len, "%s%s",
				 len ? ", " : "", cur);
		if (k < 0)
			break;
		len += (size_t)k;
	}
	return dc_err_msg(err, DC_ENOENT, "no rows for model '%s', hardware "
			  "'%s', tp %d in %s (known: %s)", model, hw, tp,
			  dc_table_name(t), list);
}

/* The most common token_size (the smallest of equally common ones). */
static double sw_base_token(const srow *r, size_t n)
{
	double best = 0;
	size_t bestc = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		for (size_t j = 0; j < n; j++)
			k += r[j].token == r[i].token;
		if (k > bestc || (k == bestc && r[i].token < best)) {
			bestc = k;
			best = r[i].token;
		}
	}
	return best;
}

/* The prompt size with the most distinct batch sizes (the batch sweep;
 * the smallest of equals).  Sorts R. */
static double sw_sweep_prompt(srow *r, size_t n)
{
	double best = r[0].prompt;
	size_t bestk = 0;
	qsort(r, n, sizeof *r, srow_cmp_sweep);
	for (size_t i = 0; i < n;) {
		size_t j = i, k = 0;
		for (; j < n && r[j].prompt == r[i].prompt; j++)
			k += j == i || r[j].batch != r[j - 1].batch;
		if (k > bestk) {
			bestk = k;
			best = r[i].prompt;
		}
		i = j;
	}
	return best;
}

/* Per-GPU FLOPs and HBM bytes of BATCH sequences adding Q tokens each
 * after C cached, at TP (fp16 weights and KV). */
static int sw_cost(const dc_llm_arch *a, int tp, int batch, int q, int c,
		   dc_calib_row *o)
{
	int32_t *qa = dc_malloc(2 * (size_t)batch * sizeof *qa);
	if (!qa)
		return DC_ENOMEM;
	int32_t *ca = qa + batch;
	for (int i = 0; i < batch; i++) {
		qa[i] = q;
		ca[i] = c;
	}
	o->flops = dc_llm_flops(a, (size_t)batch, qa, ca, NULL) / tp;
	o->bytes = dc_llm_hbm_bytes(a, tp, 2, 2, (size_t)batch, qa, ca);
	dc_free(qa);
	return DC_OK;
}

/* The iteration a point stands for: BATCH sequences adding Q tokens each
 * after C cached. */
typedef struct sw_iter {
	int batch, q, c;
} sw_iter;

/* Output row OP (m, n = TP, k) with the mean time SUM / CNT and the
 * FLOPs and bytes of iteration IT. */
static int sw_point(const char *op, int m, int tp, int k, double sum,
		    size_t cnt, const dc_llm_arch *a, sw_iter it,
		    dc_calib_row *o)
{
	memset(o, 0, sizeof *o);
	set_op(o, op);
	o->m = m;
	o->n = tp;
	o->k = k;
	o->time_s = sum / (double)cnt;
	o->max_rel_err = NAN;
	return sw_cost(a, tp, it.batch, it.q, it.c, o);
}

/* Prefill rows: for each total T the smallest batch's rows, averaged. */
static int sw_prompt_rows(srow *r, size_t n, const dc_llm_arch *a, int tp,
			  dc_calib_row *out, size_t *m, size_t *merged)
{
	qsort(r, n, sizeof *r, srow_cmp_total);
	for (size_t i = 0; i < n;) {
		double T = r[i].prompt * r[i].batch, sum = 0;
		size_t j = i, k = 0;
		for (; j < n && r[j].prompt * r[j].batch == T; j++)
			if (r[j].batch == r[i].batch) {
				sum += r[j].pt;
				r[j].used = 1;
				k++;
			}
		*merged += k - 1;
		sw_iter it = {(int)r[i].batch, (int)r[i].prompt, 0};
		if (sw_point("prefill", (int)T, tp, it.q, sum, k, a, it,
			     &out[(*m)++]))
			return DC_ENOMEM;
		i = j;
	}
	return DC_OK;
}

/* Decode rows: the rows at prompt size P0, averaged per batch size. */
static int sw_token_rows(srow *r, size_t n, double p0, const dc_llm_arch *a,
			 int tp, dc_calib_row *out, size_t *m, size_t *merged)
{
	qsort(r, n, sizeof *r, srow_cmp_batch);
	for (size_t i = 0; i < n;) {
		double B = r[i].batch, sum = 0;
		size_t j = i, k = 0;
		for (; j < n && r[j].batch == B; j++)
			if (r[j].prompt == p0) {
				sum += r[j].tt;
				r[j].used = 1;
				k++;
			}
		/* one token each, in the middle of the measured generation */
		sw_iter it = {(int)B, 1, (int)(p0 + floor(r[i].token / 2))};
		if (k && sw_point("decode", (int)B, tp, (int)p0, sum, k, a, it,
				  &out[(*m)++]))
			return DC_ENOMEM;
		*merged += k ? k - 1 : 0;
		i = j;
	}
	return DC_OK;
}

/* Keep the base grid of R, then both curves into *ROWS. */
static int sw_build(srow *r, size_t n, const dc_llm_arch *a, int tp,
		    const char *name, dc_calib_row **rows, size_t *nout,
		    dc_import_info *info, dc_err *err)
{
	double base = sw_base_token(r, n);
	size_t nb = 0, np = 0, m = 0;
	for (size_t i = 0; i < n; i++)
		if (r[i].token == base)
			r[nb++] = r[i];
	double p0 = sw_sweep_prompt(r, nb);
	dc_calib_row *out = dc_malloc(2 * nb * sizeof *out);
	if (!out)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	int rc = sw_prompt_rows(r, nb, a, tp, out, &m, &info->merged);
	np = m;
	if (!rc)
		rc = sw_token_rows(r, nb, p0, a, tp, out, &m, &info->merged);
	if (rc)
		rc = dc_err_msg(err, DC_ENOMEM, "out of memory");
	else if (np < 2 || m - np < 2)
		rc = dc_err_msg(err, DC_EINVAL, "%s: fewer than 2 prompt sizes "
				"or batch sizes for this model/hardware/tp",
				name);
	if (rc) {
		dc_free(out);
		return rc;
	}
	for (size_t i = 0; i < nb; i++)
		info->used += (size_t)r[i].used;
	info->token_size = base;
	info->sweep_prompt = p0;
	*rows = out;
	*nout = m;
	return finish_rows(rows, nout, info, err);
}

/* The architecture of Splitwise model MODEL: its catalog row with '-'
 * turned into '_'. */
static int sw_arch(const dc_table *models, const char *model,
		   dc_llm_arch *a, char *name, dc_err *err)
{
	char cname[DC_LLM_NAME_MAX];
	snprintf(cname, sizeof cname, "%s", model);
	for (char *p = cname; *p; p++)
		if (*p == '-')
			*p = '_';
	if (!models)
		return dc_err_msg(err, DC_EINVAL, "splitwise import: no model "
				  "catalog");
	int rc = dc_llm_arch_load(models, cname, a, err);
	if (rc)
		return dc_err_msg(err, rc, "the Splitwise model '%s' needs its "
				  "architecture (row '%s' of %s) for the "
				  "rows' FLOPs and bytes; add the row or "
				  "import another model", model, cname,
				  dc_table_name(models));
	snprintf(name, DC_LLM_NAME_MAX, "%s", cname);
	return DC_OK;
}

int dc_import_splitwise(const dc_table *t, const dc_table *models,
			const char *model, const char *hardware, int tp,
			dc_calib_row **rows, size_t *n, dc_import_info *info,
			dc_err *err)
{
	*rows = NULL;
	*n = 0;
	model = model ? model : DC_IMPORT_SW_MODEL;
	hardware = hardware ? hardware : DC_IMPORT_SW_HARDWARE;
	tp = tp > 0 ? tp : DC_IMPORT_SW_TP;
	dc_import_info inf;
	memset(&inf, 0, sizeof inf);
	size_t col[S_NCOL], nr = 0;
	int rc = need_cols(t, sw_cols, S_NCOL, col, "a SplitwiseSim "
			   "perf_model.csv has it", err);
	if (rc)
		return rc;
	srow *r = dc_calloc(dc_table_rows(t) + 1, sizeof *r);
	if (!r)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	dc_llm_arch a;
	rc = sw_read(t, col, model, hardware, tp, r, &nr, err);
	if (!rc && !nr)
		rc = sw_unknown(t, col, model, hardware, tp, err);
	if (!rc)
		rc = sw_arch(models, model, &a, inf.model, err);
	if (!rc)
		rc = sw_build(r, nr, &a, tp, dc_table_name(t), rows, n, &inf,
			      err);
	dc_free(r);
	if (!rc && info) {
		tps_add(&inf, tp);
		*info = inf;
	}
	return rc;
}
