/* llm_fluid.c - fluid steady state of an LLM replica and unit sizing.
 * The approximations A1-A8 are listed in llm_fluid.h. */
#include "llm_fluid.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "../sim/alloc.h"

const char *const dc_fluid_limit_names[] = {
	"none", "budget", "batch", "kv", "prefill", "compute", NULL};

/* ---- parameter table ---------------------------------------------------- */

#define F(f) offsetof(dc_fluid_cfg, f)
static const dc_param fluid_params[] = {
	{.key = "scheduler", .type = DC_PT_ENUM, .def = "flywheel",
	 .choices = dc_sched_names, .off = F(scheduler),
	 .help = "naive, flywheel (token budget) or static batching"},
	/* llm.md §2.2 Vidur: Sarathi chunk_size 512; §3.5 tau */
	{.key = "token_budget", .type = DC_PT_INT, .def = "512",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 1 << 24,
	 .off = F(token_budget), .help = "flywheel: tokens per iteration"},
	/* llm.md §2.2 Vidur: batch_size_cap 128 */
	{.key = "max_batch", .type = DC_PT_INT, .def = "128",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 1 << 20,
	 .off = F(max_batch), .help = "most sequences in one iteration"},
	{.key = "kv_tokens", .type = DC_PT_INT, .def = "0",
	 .flags = DC_PF_MIN, .min = 0, .off = F(kv_tokens),
	 .help = "KV cache capacity, tokens (0: no KV limit)"},
	/* llm.md §4 V20: Azure LLM 2023 conversation trace, input mean 1,155 */
	{.key = "prompt_mean", .type = DC_PT_REAL, .def = "1155",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 1 << 28,
	 .off = F(prompt_mean), .help = "mean prompt tokens"},
	/* llm.md §4 V20: same trace, output mean 211 */
	{.key = "output_mean", .type = DC_PT_REAL, .def = "211",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 1, .max = 1 << 28,
	 .off = F(output_mean), .help = "mean output tokens (> 1)"},
	{.key = "prompt_m2", .type = DC_PT_REAL, .def = "0",
	 .flags = DC_PF_MIN, .min = 0, .off = F(prompt_m2),
	 .help = "E[prompt^2], tokens^2 (0: constant prompts)"},
	{.key = "output_m2", .type = DC_PT_REAL, .def = "0",
	 .flags = DC_PF_MIN, .min = 0, .off = F(output_m2),
	 .help = "E[output^2], tokens^2 (0: constant outputs)"},
	{.key = "clock", .type = DC_PT_REAL, .def = "1",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 1,
	 .off = F(clock), .help = "clock ratio passed to the cost model"},
	{.key = "queueing", .type = DC_PT_BOOL, .def = "false",
	 .off = F(queueing),
	 .help = "add an M/G/1 (Poisson arrivals) wait to the TTFT"},
	{.key = "idle_power", .type = DC_PT_QTY, .dim = DC_DIM_POWER,
	 .unit = "W", .def = "0 W", .flags = DC_PF_MIN, .min = 0,
	 .off = F(idle_power), .help = "replica GPU power when idle"},
	/* llm.md §3.5: Vidur-Search capacity uses TTFT <= 2 s, TBT <= 0.2 s
	 * (P90 / P99 there; the fluid model compares means) */
	{.key = "slo_ttft", .type = DC_PT_QTY, .dim = DC_DIM_TIME,
	 .unit = "s", .def = "2 s", .flags = DC_PF_MIN, .min = 0,
	 .off = F(slo_ttft), .help = "mean TTFT target (0: none)"},
	{.key = "slo_tpot", .type = DC_PT_QTY, .dim = DC_DIM_TIME,
	 .unit = "s", .def = "0.2 s", .flags = DC_PF_MIN, .min = 0,
	 .off = F(slo_tpot), .help = "mean TPOT target (0: none)"},
	/* scenario choice: llm.md §1 says PTUs come in "smaller increments"
	 * without a figure; 0.1 unit is this model's default */
	{.key = "granularity", .type = DC_PT_REAL, .def = "0.1",
	 .flags = DC_PF_MIN_EXCL, .min = 0, .off = F(granularity),
	 .help = "units are bought in multiples of this"},
};
#undef F

const dc_pset dc_fluid_pset = {"fluid", fluid_params,
			       DC_ARRAY_LEN(fluid_params),
			       "fluid steady state of an LLM replica and "
			       "throughput-unit sizing"};

void dc_fluid_cfg_default(dc_fluid_cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->scheduler = DC_SCHED_FLYWHEEL;
	cfg->token_budget = 512;   /* llm.md §2.2 Vidur */
	cfg->max_batch = 128;      /* llm.md §2.2 Vidur */
	cfg->prompt_mean = 1155;   /* llm.md §4 V20 */
	cfg->output_mean = 211;    /* llm.md §4 V20 */
	cfg->clock = 1;
	cfg->slo_ttft = 2.0;       /* llm.md §3.5 Vidur-Search */
	cfg->slo_tpot = 0.2;       /* llm.md §3.5 Vidur-Search */
	cfg->granularity = 0.1;    /* scenario choice, see the table */
}

static int bad(dc_err *err, const char *key, const char *what, double v)
{
	return dc_err_msg(err, DC_EINVAL, "fluid.%s: %.6g %s", key, v, what);
}

int dc_fluid_cfg_check(const dc_fluid_cfg *c, dc_err *err)
{
	if (!c)
		return dc_err_msg(err, DC_EINVAL, "fluid: no configuration");
	if (c->scheduler < DC_SCHED_NAIVE || c->scheduler > DC_SCHED_STATIC)
		return bad(err, "scheduler", "is not a scheduler",
			   c->scheduler);
	if (c->token_budget < 1 || c->token_budget > (1 << 24))
		return bad(err, "token_budget", "is outside [1, 2^24]",
			   (double)c->token_budget);
	if (c->max_batch < 1 || c->max_batch > (1 << 20))
		return bad(err, "max_batch", "is outside [1, 2^20]",
			   (double)c->max_batch);
	if (c->kv_tokens < 0)
		return bad(err, "kv_tokens", "is negative",
			   (double)c->kv_tokens);
	if (!(c->prompt_mean >= 1 && c->prompt_mean <= (1 << 28)))
		return bad(err, "prompt_mean", "is outside [1, 2^28]",
			   c->prompt_mean);
	if (!(c->output_mean > 1 && c->output_mean <= (1 << 28)))
		return bad(err, "output_mean", "is outside (1, 2^28]",
			   c->output_mean);
	if (!(c->prompt_m2 == 0 ||
	      c->prompt_m2 >= c->prompt_mean * c->prompt_mean * (1 - 1e-12)))
		return bad(err, "prompt_m2", "is below prompt_mean^2",
			   c->prompt_m2);
	if (!(c->output_m2 == 0 ||
	      c->output_m2 >= c->output_mean * c->output_mean * (1 - 1e-12)))
		return bad(err, "output_m2", "is below output_mean^2",
			   c->output_m2);
	if (!isfinite(c->prompt_m2) || !isfinite(c->output_m2))
		return bad(err, "prompt_m2", "or output_m2 is not finite",
			   c->prompt_m2);
	if (!(c->clock > 0 && c->clock <= 1))
		return bad(err, "clock", "is outside (0, 1]", c->clock);
	if (!(c->idle_power >= 0 && isfinite(c->idle_power)))
		return bad(err, "idle_power", "W is not >= 0", c->idle_power);
	if (!(c->slo_ttft >= 0) || !(c->slo_tpot >= 0))
		return bad(err, "slo_ttft", "or slo_tpot is negative",
			   fmin(c->slo_ttft, c->slo_tpot));
	if (!(c->granularity > 0 && isfinite(c->granularity)))
		return bad(err, "granularity", "is not > 0", c->granularity);
	return DC_OK;
}

/* ---- the representative iteration (A2) ---------------------------------- */

typedef struct fl {
	const dc_fluid_cfg *cfg;
	dc_iter_fn fn;
	const void *ctx;
	double lambda;
	double P, nd;          /* prompt mean, decode steps O - 1 */
	double cdec;           /* mean context of a decode step (A2) */
	double p2;             /* E[P^2] / P^2 (A7) */
	double mb;             /* max_batch as double */
	int32_t *q, *c;
	size_t cap;
	dc_err *err;
	int rc;                /* first error seen inside a GSL callback */
} fl;

typedef struct cost {
	double t, e;           /* s, J */
} cost;

/* One call of the model: ND decodes at mean context CDEC, NCH prompt
 * chunks of QCH tokens at context CCH. */
static int call(fl *F, int64_t nd, double cdec, int64_t nch, int64_t qch,
		int64_t cch, cost *o)
{
	size_t n = (size_t)(nd + nch);
	o->t = o->e = 0;
	if (n == 0)
		return DC_OK;
	int64_t tot = nd ? llround((double)nd * cdec) : 0;
	int64_t base = nd ? tot / nd : 0, extra = nd ? tot % nd : 0;
	for (int64_t i = 0; i < nd; i++) {
		F->q[i] = 1;
		F->c[i] = (int32_t)(base + (i < extra));
	}
	for (int64_t i = nd; i < (int64_t)n; i++) {
		F->q[i] = (int32_t)qch;
		F->c[i] = (int32_t)cch;
	}
	dc_iter_out r;
	memset(&r, 0, sizeof r);
	int rc = F->fn(F->ctx, n, F->q, F->c, F->cfg->clock, &r);
	if (rc)
		return dc_err_msg(F->err, rc, "fluid: the performance model "
				  "failed (%s)", dc_strerror(rc));
	if (!(isfinite(r.time_s) && r.time_s > 0))
		return dc_err_msg(F->err, DC_ERANGE, "fluid: the performance "
				  "model gave an iteration time of %g s",
				  r.time_s);
	o->t = r.time_s;
	o->e = r.energy_J > 0 ? r.energy_J : r.power_W * r.time_s;  /* A8 */
	return DC_OK;
}

/* Cost of an iteration with B decodes and M chunks of Q tokens at context
 * CC, B and M real: bilinear interpolation between integer batches. */
static int icost(fl *F, double b, double m, double q, double cc, cost *o)
{
	b = fmin(fmax(b, 0), F->mb);
	m = fmin(fmax(m, 0), F->mb);
	double b0 = floor(b), m0 = floor(m), fb = b - b0, fm = m - m0;
	int64_t qi = llround(fmax(q, 1)), ci = llround(fmax(cc, 0));
	o->t = o->e = 0;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++) {
			double w = (i ? fb : 1 - fb) * (j ? fm : 1 - fm);
			if (w <= 0)
				continue;
			cost k;
			int rc = call(F, (int64_t)b0 + i, F->cdec,
				      (int64_t)m0 + j, qi, ci, &k);
			if (rc)
				return rc;
			o->t += w * k.t;
			o->e += w * k.e;
		}
	return DC_OK;
}

/* ---- scheduler states at a given batch --------------------------------- */

typedef struct st {
	double x;             /* the solver's variable (B, or static b) */
	double B, b;          /* A1, A2 */
	double tpot, iter_s;  /* s */
	double ttft0;         /* TTFT without the M/G/1 wait */
	double s_pre, rho;    /* prompt service time and its utilisation */
	double util, erate;   /* busy fraction, busy energy per s (W) */
	double p_iter;        /* prompt tokens per iteration */
	double kv, seqs;      /* mean KV tokens and sequences admitted */
	double resid;         /* fixed-point residual */
	int prefill_full;     /* naive: phi >= 1 */
} st;

static int st_flywheel(fl *F, double B, st *s)
{
	double tau = (double)F->cfg->token_budget, P = F->P, lam = F->lambda;
	double b = fmax(B, 1), p = b * P / F->nd;
	double r = fmax(tau - b, 1), q = fmin(P, r), cc = (P - q) / 2;
	cost it, ch;
	int rc = icost(F, b, p / q, q, cc, &it);
	if (!rc)
		rc = icost(F, b, 1, q, cc, &ch);
	if (rc)
		return rc;
	double K = ceil(P / q - 1e-9);
	s->B = B;
	s->b = b;
	s->tpot = s->iter_s = it.t;
	s->util = B / b;
	s->erate = s->util * it.e / it.t;
	s->ttft0 = s->util * it.t / 2 + K * ch.t;        /* A3, A7 */
	s->s_pre = P / q * ch.t;
	s->rho = lam * s->s_pre;
	s->p_iter = p;
	s->kv = B * (F->cdec + 1) + lam * K * ch.t * P;
	s->seqs = B + lam * K * ch.t;
	s->resid = B - lam * F->nd * it.t;
	return DC_OK;
}

static int st_naive(fl *F, double B, st *s)
{
	double lam = F->lambda, P = F->P;
	double b = fmax(B, 1);
	cost d, p;
	int rc = icost(F, b, 0, 1, 0, &d);
	if (rc)
		return rc;
	double m = fmin(fmax(1, lam * d.t), F->mb);       /* A4 */
	if ((rc = icost(F, 0, m, P, 0, &p)))
		return rc;
	double phi = lam * p.t / m, rd = lam * F->nd / b;
	s->B = B;
	s->b = b;
	s->prefill_full = phi >= 1;
	s->tpot = phi < 1 ? d.t / (1 - phi) : INFINITY;
	s->resid = phi < 1 ? B - lam * F->nd * s->tpot : -1e300;
	s->util = phi + rd * d.t;
	s->erate = lam / m * p.e + rd * d.e;
	s->iter_s = s->util > 0 ? s->util / (lam / m + rd) : d.t;
	s->ttft0 = (lam / m * p.t * p.t + rd * d.t * d.t) / 2 + p.t;
	s->s_pre = p.t / m;
	s->rho = phi;
	s->p_iter = m * P;
	s->kv = B * (F->cdec + 1) + lam * p.t * P;
	s->seqs = B + lam * p.t;
	return DC_OK;
}

/* static: the variable is the batch b of a cycle (A5) */
static int st_static(fl *F, double b, st *s)
{
	double lam = F->lambda, P = F->P;
	cost d, p;
	int rc = icost(F, b, 0, 1, 0, &d);
	if (!rc)
		rc = icost(F, 0, b, P, 0, &p);
	if (rc)
		return rc;
	double C = p.t + F->nd * d.t;
	s->b = b;
	s->tpot = d.t;
	s->B = lam * F->nd * d.t;
	s->util = fmin(1, lam * C / b);
	s->erate = s->util / C * (p.e + F->nd * d.e);
	s->iter_s = C / (1 + F->nd);
	s->ttft0 = s->util * C / 2 + p.t;
	s->s_pre = C;
	s->rho = 0;                  /* no M/G/1 term for static (A7) */
	s->p_iter = b * P;
	s->kv = s->util * b * (P + F->nd + 1);
	s->seqs = b;
	s->resid = b - fmax(1, lam * C);
	return DC_OK;
}

static int state(fl *F, double x, st *s)
{
	memset(s, 0, sizeof *s);
	s->x = x;
	switch (F->cfg->scheduler) {
	case DC_SCHED_NAIVE: return st_naive(F, x, s);
	case DC_SCHED_FLYWHEEL: return st_flywheel(F, x, s);
	default: return st_static(F, x, s);
	}
}

/* ---- the fixed point (A1) ----------------------------------------------- */

static double resid_cb(double x, void *p)
{
	fl *F = p;
	st s;
	int rc = state(F, x, &s);
	if (rc) {
		if (!F->rc)
			F->rc = rc;
		return GSL_NAN;
	}
	return s.resid;
}

/* Largest value of the solver's variable the limits allow; *LIM says
 * which limit that is. */
static double upper(const fl *F, int *lim)
{
	const dc_fluid_cfg *c = F->cfg;
	double hi = F->mb, kv = INFINITY;
	*lim = DC_FLUID_LIM_BATCH;
	if (c->scheduler == DC_SCHED_STATIC) {
		if (c->kv_tokens > 0)
			kv = (double)c->kv_tokens / (F->P + F->nd + 1);
	} else {
		if (c->kv_tokens > 0)
			kv = (double)c->kv_tokens / (F->cdec + 1);
		if (c->scheduler == DC_SCHED_FLYWHEEL) {
			double bud = (double)c->token_budget * F->nd /
				(F->nd + F->P);
			if (bud < hi)
				hi = bud, *lim = DC_FLUID_LIM_BUDGET;
		}
	}
	if (kv < hi)
		hi = kv, *lim = DC_FLUID_LIM_KV;
	return hi;
}

static int brent(fl *F, double lo, double hi, double *root)
{
	gsl_function fn = {resid_cb, F};
	gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	if (!s)
		return dc_err_msg(F->err, DC_ENOMEM, "out of memory");
	int rc = gsl_root_fsolver_set(s, &fn, lo, hi), t = GSL_CONTINUE;
	for (int i = 0; rc == GSL_SUCCESS && t == GSL_CONTINUE && i < 200;
	     i++) {
		rc = gsl_root_fsolver_iterate(s);
		t = gsl_root_test_interval(gsl_root_fsolver_x_lower(s),
					   gsl_root_fsolver_x_upper(s),
					   1e-13, 1e-13);
	}
	*root = gsl_root_fsolver_root(s);
	gsl_root_fsolver_free(s);
	if (F->rc)
		return F->rc;
	if (rc != GSL_SUCCESS || t != GSL_SUCCESS)
		return dc_err_msg(F->err, DC_ERANGE, "fluid: the fixed point "
				  "did not converge (%s)",
				  gsl_strerror(rc ? rc : t));
	return DC_OK;
}

/* Solve at F->lambda: *S the state, *LIM the binding limit or NONE. */
static int solve(fl *F, st *s, int *lim)
{
	int hlim;
	double lo = F->cfg->scheduler == DC_SCHED_STATIC ? 1 : 0;
	double hi = upper(F, &hlim), x = lo;
	*lim = DC_FLUID_LIM_NONE;
	if (hi < lo) {               /* not even one request fits */
		*lim = hlim;
		return state(F, lo, s);
	}
	st a;
	int rc = state(F, lo, &a);
	if (rc)
		return rc;
	if (a.resid < 0) {
		st z;
		if ((rc = state(F, hi, &z)))
			return rc;
		if (z.resid < 0) {
			*lim = z.prefill_full ? DC_FLUID_LIM_PREFILL : hlim;
			*s = z;
			return DC_OK;
		}
		if (z.resid == 0)
			x = hi;
		else if ((rc = brent(F, lo, hi, &x)))
			return rc;
	}
	if ((rc = state(F, x, s)))
		return rc;
	const dc_fluid_cfg *c = F->cfg;
	if (s->prefill_full || (c->queueing && s->rho >= 1))
		*lim = DC_FLUID_LIM_PREFILL;
	else if (s->seqs > F->mb * (1 + 1e-12))
		*lim = DC_FLUID_LIM_BATCH;
	else if (c->kv_tokens > 0 && s->kv > (double)c->kv_tokens)
		*lim = DC_FLUID_LIM_KV;
	return DC_OK;
}

static double ttft_of(const fl *F, const st *s)
{
	double t = s->ttft0;
	if (F->cfg->queueing && s->rho > 0) {           /* A7: P-K */
		if (s->rho >= 1)
			return INFINITY;
		double es2 = s->s_pre * s->s_pre * F->p2;
		t += F->lambda * es2 / (2 * (1 - s->rho));
	}
	return t;
}

/* ---- setup -------------------------------------------------------------- */

static int fl_init(fl *F, const dc_fluid_cfg *cfg, dc_iter_fn fn,
		   const void *ctx, dc_err *err)
{
	memset(F, 0, sizeof *F);
	if (!fn)
		return dc_err_msg(err, DC_EINVAL, "fluid: no cost function");
	int rc = dc_fluid_cfg_check(cfg, err);
	if (rc)
		return rc;
	F->cfg = cfg;
	F->fn = fn;
	F->ctx = ctx;
	F->err = err;
	F->P = cfg->prompt_mean;
	F->nd = cfg->output_mean - 1;
	F->mb = (double)cfg->max_batch;
	double O = cfg->output_mean;
	double m2 = cfg->output_m2 > 0 ? cfg->output_m2 : O * O;
	/* A2: E[(O-1)(O-2)] = E[O^2] - 3 E[O] + 2 */
	F->cdec = F->P + fmax(m2 - 3 * O + 2, 0) / (2 * F->nd);
	F->p2 = cfg->prompt_m2 > 0 ? cfg->prompt_m2 / (F->P * F->P) : 1;
	if (F->cdec + 1 > INT32_MAX / 2)
		return dc_err_msg(err, DC_EINVAL, "fluid: contexts of %g "
				  "tokens do not fit the cost interface",
				  F->cdec);
	F->cap = 2 * (size_t)cfg->max_batch + 4;
	F->q = dc_malloc(F->cap * sizeof *F->q);
	F->c = dc_malloc(F->cap * sizeof *F->c);
	if (!F->q || !F->c) {
		dc_free(F->q);
		dc_free(F->c);
		F->q = F->c = NULL;
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	}
	return DC_OK;
}

static void fl_fini(fl *F)
{
	dc_free(F->q);
	dc_free(F->c);
	F->q = F->c = NULL;
}

/* ---- capacity by bisection ---------------------------------------------- */

typedef struct slo {
	fl *F;
	double ttft, tpot;   /* <= 0 or inf: none */
} slo;

static int feasible(slo *S, double lambda, int *ok)
{
	st s;
	int lim;
	S->F->lambda = lambda;
	int rc = solve(S->F, &s, &lim);
	if (rc)
		return rc;
	double ttft = ttft_of(S->F, &s);
	*ok = lim == DC_FLUID_LIM_NONE &&
		!(S->ttft > 0 && ttft > S->ttft) &&
		!(S->tpot > 0 && s.tpot > S->tpot);
	return DC_OK;
}

static double feas_cb(double lambda, void *p)
{
	slo *S = p;
	int ok = 0, rc = feasible(S, lambda, &ok);
	if (rc) {
		if (!S->F->rc)
			S->F->rc = rc;
		return GSL_NAN;
	}
	return ok ? 1.0 : -1.0;
}

/* Bracket [*LO, *HI] with LO feasible and HI not; *NONE when no load
 * is feasible. */
static int bracket(slo *S, double *lo, double *hi, int *none)
{
	int ok, rc;
	double x = 1;
	*none = 0;
	if ((rc = feasible(S, x, &ok)))
		return rc;
	if (ok) {
		for (; ok; x *= 2) {
			if (x > 1e15)
				return dc_err_msg(S->F->err, DC_ERANGE, "fluid: "
						  "capacity above 1e15 req/s");
			if ((rc = feasible(S, 2 * x, &ok)))
				return rc;
		}
		*lo = x / 2, *hi = x;
		return DC_OK;
	}
	while (!ok) {
		x /= 2;
		if (x < 1e-12) {
			*none = 1;
			return DC_OK;
		}
		if ((rc = feasible(S, x, &ok)))
			return rc;
	}
	*lo = x, *hi = 2 * x;
	return DC_OK;
}

static int capacity(fl *F, double slo_ttft, double slo_tpot, double *out)
{
	slo S = {F, slo_ttft, slo_tpot};
	double lo = 0, hi = 0;
	int none, rc = bracket(&S, &lo, &hi, &none);
	*out = 0;
	if (rc || none)
		return rc;
	gsl_function fn = {feas_cb, &S};
	gsl_root_fsolver *s =
		gsl_root_fsolver_alloc(gsl_root_fsolver_bisection);
	if (!s)
		return dc_err_msg(F->err, DC_ENOMEM, "out of memory");
	int g = gsl_root_fsolver_set(s, &fn, lo, hi), t = GSL_CONTINUE;
	for (int i = 0; g == GSL_SUCCESS && t == GSL_CONTINUE && i < 200; i++) {
		g = gsl_root_fsolver_iterate(s);
		t = gsl_root_test_interval(gsl_root_fsolver_x_lower(s),
					   gsl_root_fsolver_x_upper(s), 0, 1e-12);
	}
	*out = gsl_root_fsolver_x_lower(s);   /* the feasible side */
	gsl_root_fsolver_free(s);
	if (F->rc)
		return F->rc;
	if (g != GSL_SUCCESS || t != GSL_SUCCESS)
		return dc_err_msg(F->err, DC_ERANGE, "fluid: capacity "
				  "bisection failed (%s)",
				  gsl_strerror(g ? g : t));
	return DC_OK;
}

/* ---- public ------------------------------------------------------------- */

static void fill(const fl *F, const st *s, dc_fluid_out *o)
{
	const dc_fluid_cfg *c = F->cfg;
	double lam = F->lambda;
	o->throughput = lam;
	o->tokens_out_s = lam * c->output_mean;
	o->tokens_in_s = lam * F->P;
	o->batch = s->B;
	o->batch_iter = s->b;
	o->prefill_iter = s->p_iter;
	o->iter_s = s->iter_s;
	o->tpot = s->tpot;
	o->ttft = ttft_of(F, s);
	o->e2e = o->ttft + F->nd * s->tpot;
	o->concurrency = lam * o->e2e;
	o->util = fmin(s->util, 1);
	o->kv_used = s->kv;
	o->power = s->erate + (1 - o->util) * c->idle_power;
	o->energy_token = o->tokens_out_s > 0 ? o->power / o->tokens_out_s : 0;
}

static int eval(fl *F, double lambda, dc_fluid_out *out)
{
	st s;
	int lim, rc;
	double cap;
	memset(out, 0, sizeof *out);
	if ((rc = capacity(F, 0, 0, &cap)))
		return rc;
	F->lambda = lambda;
	if ((rc = solve(F, &s, &lim)))
		return rc;
	if (lim != DC_FLUID_LIM_NONE) {
		F->lambda = cap;
		int l2;
		if ((rc = solve(F, &s, &l2)))
			return rc;
		fill(F, &s, out);
		out->ttft = out->e2e = out->concurrency = INFINITY;
		out->saturated = 1;
		out->limit = lim;
	} else {
		fill(F, &s, out);
	}
	out->lambda = lambda;
	out->capacity = cap;
	out->units = 1;
	return DC_OK;
}

static int check_rate(double x, const char *what, int pos, dc_err *err)
{
	if (!isfinite(x) || x < 0 || (pos && x == 0))
		return dc_err_msg(err, DC_EINVAL, "fluid: %s %g is not %s", what,
				  x, pos ? "> 0" : ">= 0");
	return DC_OK;
}

int dc_fluid_eval(const dc_fluid_cfg *cfg, dc_iter_fn fn, const void *ctx,
		  double lambda, dc_fluid_out *out, dc_err *err)
{
	if (!out)
		return dc_err_msg(err, DC_EINVAL, "fluid: NULL output");
	memset(out, 0, sizeof *out);
	int rc = check_rate(lambda, "arrival rate", 0, err);
	if (rc)
		return rc;
	fl F;
	if ((rc = fl_init(&F, cfg, fn, ctx, err)))
		return rc;
	rc = eval(&F, lambda, out);
	fl_fini(&F);
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}

int dc_fluid_capacity(const dc_fluid_cfg *cfg, dc_iter_fn fn,
		      const void *ctx, double slo_ttft, double slo_tpot,
		      double *lambda_max, dc_err *err)
{
	if (!lambda_max)
		return dc_err_msg(err, DC_EINVAL, "fluid: NULL output");
	*lambda_max = 0;
	if (isnan(slo_ttft) || isnan(slo_tpot))
		return dc_err_msg(err, DC_EINVAL, "fluid: SLO is NaN");
	fl F;
	int rc = fl_init(&F, cfg, fn, ctx, err);
	if (rc)
		return rc;
	rc = capacity(&F, isinf(slo_ttft) ? 0 : slo_ttft,
		      isinf(slo_tpot) ? 0 : slo_tpot, lambda_max);
	fl_fini(&F);
	if (rc)
		*lambda_max = 0;
	return rc;
}

int dc_fluid_units(const dc_fluid_cfg *cfg, dc_iter_fn fn, const void *ctx,
		   double lambda, double slo_ttft, double slo_tpot,
		   double granularity, double *units, dc_err *err)
{
	if (!units)
		return dc_err_msg(err, DC_EINVAL, "fluid: NULL output");
	*units = 0;
	int rc = check_rate(lambda, "arrival rate", 1, err);
	if (!rc)
		rc = check_rate(granularity, "granularity", 1, err);
	if (rc)
		return rc;
	double theta;
	if ((rc = dc_fluid_capacity(cfg, fn, ctx, slo_ttft, slo_tpot, &theta,
				    err)))
		return rc;
	if (theta <= 0)
		return dc_err_msg(err, DC_ERANGE, "fluid: one unit misses the "
				  "SLOs at any load");
	double n = ceil(lambda / (theta * granularity) * (1 - 1e-9));
	double k = fmax(n, 1) * granularity;
	fl F;
	if ((rc = fl_init(&F, cfg, fn, ctx, err)))
		return rc;
	slo S = {&F, isinf(slo_ttft) ? 0 : slo_ttft,
		 isinf(slo_tpot) ? 0 : slo_tpot};
	int ok = 0;
	for (int i = 0; i < 4 && !rc && !ok; i++) {
		rc = feasible(&S, lambda / k, &ok);
		if (!rc && !ok)
			k += granularity;
	}
	fl_fini(&F);
	if (!rc && !ok)
		rc = dc_err_msg(err, DC_ERANGE, "fluid: no unit count found "
				"near %g (feasibility not monotone?)", k);
	if (!rc)
		*units = k;
	return rc;
}

int dc_fluid_eval_units(const dc_fluid_cfg *cfg, dc_iter_fn fn,
			const void *ctx, double units, double lambda,
			dc_fluid_out *out, dc_err *err)
{
	if (!out)
		return dc_err_msg(err, DC_EINVAL, "fluid: NULL output");
	memset(out, 0, sizeof *out);
	int rc = check_rate(units, "units", 1, err);
	if (!rc)
		rc = check_rate(lambda, "arrival rate", 0, err);
	if (!rc)
		rc = dc_fluid_eval(cfg, fn, ctx, lambda / units, out, err);
	if (rc)
		return rc;
	out->lambda = lambda;
	out->units = units;
	out->capacity *= units;
	out->throughput *= units;
	out->tokens_out_s *= units;
	out->tokens_in_s *= units;
	out->batch *= units;
	out->concurrency *= units;
	out->kv_used *= units;
	out->power *= units;
	return DC_OK;
}

double dc_fluid_tpm(const dc_fluid_cfg *cfg, double lambda)
{
	if (!cfg)
		return NAN;
	return 60 * lambda * (cfg->prompt_mean + cfg->output_mean);
}
