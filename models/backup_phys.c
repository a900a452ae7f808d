/* backup_phys.c - backup-power physics: PEM polarization (Amphlett,
 * Larminie-Dicks), plant sizing and its inverse, hydrogen by Faraday and
 * storage, PEM system / diesel generator / UPS advanced exactly over an
 * interval of constant demand.  See backup_phys.h for the contracts and
 * physics.md §3 for the equations and their sources. */
#include "backup_phys.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_roots.h>

#define ROOT_EPSREL 1e-14  /* Brent stops at ~1 ulp anyway (GSL tol) */
#define ROOT_ITMAX 400
#define QUAD_EPSREL 1e-12
#define QUAD_LIMIT 200
#define BAR 1e5           /* Pa */

static int fail(dc_err *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Append "error: MSG" to ERR when there is one; return RC. */
static int fail(dc_err *err, int rc, const char *fmt, ...)
{
	if (err) {
		char buf[320];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(buf, sizeof buf, fmt, ap);
		va_end(ap);
		dc_err_msg(err, rc, "%s", buf);
	}
	return rc;
}

/* ns -> s by division: whole seconds come out exact (dc_time_to_s
 * multiplies by 1e-9, which gives 10.000000000000002 for 10 s). */
static double ns_to_s(dc_time t) { return (double)t / 1e9; }

static int pos(double x) { return isfinite(x) && x > 0; }
static int nonneg(double x) { return isfinite(x) && x >= 0; }
static int frac01(double x) { return isfinite(x) && x > 0 && x <= 1; }

/* ---- 1. Amphlett (physics.md §3.1, OPEM, V) -------------------------- */

/* Empirical activation coefficients xi1, xi3, xi4 (§3.1, V); xi2 depends
 * on A and c_H2 and is computed below. */
#define XI1 (-0.948)
#define XI3 7.6e-5
#define XI4 (-1.93e-4)

const dc_amphlett dc_amphlett_std = {
	.T = 343.15, .p_h2 = 1.0, .p_o2 = 1.0, .A_cm2 = 50.6, .l_cm = 0.0178,
	.lambda = 23.0, .B = 0.016, .J_max = 1.5, .R_elec = 0.0, .N_cells = 1,
};

int dc_amphlett_check(const dc_amphlett *m, dc_err *err)
{
	if (!m || !pos(m->T) || !pos(m->p_h2) || !pos(m->p_o2) ||
	    !pos(m->A_cm2) || !pos(m->l_cm) || !pos(m->J_max) ||
	    !nonneg(m->B) || !nonneg(m->R_elec) || m->N_cells < 1)
		return fail(err, DC_EINVAL, "amphlett: T, p_H2, p_O2, A, l, "
			    "J_max must be > 0, B, R_elec >= 0, N >= 1");
	if (!(m->lambda > 0.634 + 3 * m->J_max))
		return fail(err, DC_EINVAL, "amphlett: lambda %g must exceed "
			    "0.634 + 3 J_max = %g", m->lambda,
			    0.634 + 3 * m->J_max);
	return DC_OK;
}

double dc_amphlett_e_nernst(const dc_amphlett *m)
{
	double T = m->T;
	return 1.229 - 8.5e-4 * (T - 298.15) +
	       4.308e-5 * T * (log(m->p_h2) + 0.5 * log(m->p_o2));
}

/* The loss terms without domain checks (valid for 0 < J < J_max). */
static double amp_act(const dc_amphlett *m, double I)
{
	double T = m->T;
	double c_o2 = m->p_o2 / (5.08e6 * exp(-498.0 / T));   /* mol/cm^3 */
	double c_h2 = m->p_h2 / (1.09e6 * exp(77.0 / T));     /* mol/cm^3 */
	double xi2 = 0.00286 + 0.0002 * log(m->A_cm2) + 4.3e-5 * log(c_h2);
	return -(XI1 + xi2 * T + XI3 * T * log(c_o2) + XI4 * T * log(I));
}

static double amp_ohm(const dc_amphlett *m, double I)
{
	double T = m->T, J = I / m->A_cm2, tr = T / 303.0;
	double rho = 181.6 * (1 + 0.03 * J + 0.062 * tr * tr * pow(J, 2.5)) /
		     ((m->lambda - 0.634 - 3 * J) *
		      exp(4.18 * (T - 303.0) / T));          /* ohm cm */
	return I * (rho * m->l_cm / m->A_cm2 + m->R_elec);
}

static double amp_conc(const dc_amphlett *m, double I)
{
	return -m->B * log1p(-(I / m->A_cm2) / m->J_max);
}

static double amp_v(const dc_amphlett *m, double I)
{
	return dc_amphlett_e_nernst(m) - amp_act(m, I) - amp_ohm(m, I) -
	       amp_conc(m, I);
}

static int amp_domain(const dc_amphlett *m, double I, dc_err *err)
{
	if (!m || isnan(I))
		return fail(err, DC_EINVAL, "amphlett: NULL model or NaN current");
	double J = I / m->A_cm2;
	if (!(I > 0) || !(J < m->J_max))
		return fail(err, DC_ERANGE, "amphlett: current %g A (J = %g "
			    "A/cm2) outside 0 < J < J_max = %g A/cm2", I, J,
			    m->J_max);
	if (!(m->lambda - 0.634 - 3 * J > 0))
		return fail(err, DC_ERANGE, "amphlett: membrane term lambda - "
			    "0.634 - 3J <= 0 at J = %g A/cm2", J);
	return DC_OK;
}

int dc_amphlett_eta_act(const dc_amphlett *m, double I, double *v, dc_err *err)
{
	int rc = amp_domain(m, I, err);
	if (!rc)
		*v = amp_act(m, I);
	return rc;
}

int dc_amphlett_eta_ohm(const dc_amphlett *m, double I, double *v, dc_err *err)
{
	int rc = amp_domain(m, I, err);
	if (!rc)
		*v = amp_ohm(m, I);
	return rc;
}

int dc_amphlett_eta_conc(const dc_amphlett *m, double I, double *v,
			 dc_err *err)
{
	int rc = amp_domain(m, I, err);
	if (!rc)
		*v = amp_conc(m, I);
	return rc;
}

int dc_amphlett_vcell(const dc_amphlett *m, double I, double *v, dc_err *err)
{
	int rc = amp_domain(m, I, err);
	if (!rc)
		*v = amp_v(m, I);
	return rc;
}

int dc_amphlett_vstack(const dc_amphlett *m, double I, double *v, dc_err *err)
{
	int rc = amp_domain(m, I, err);
	if (!rc)
		*v = m->N_cells * amp_v(m, I);
	return rc;
}

int dc_amphlett_power(const dc_amphlett *m, double I, double *p, dc_err *err)
{
	int rc = amp_domain(m, I, err);
	if (!rc)
		*p = m->N_cells * amp_v(m, I) * I;
	return rc;
}

double dc_amphlett_eta_hhv(double v_cell, double mu_f)
{
	return mu_f * v_cell / 1.482;   /* OPEM, physics.md §3.1 (V) */
}

/* ---- 2. Larminie-Dicks (physics.md §3.1, OPEM, V) --------------------- */

const dc_larminie_dicks dc_ld_std = {
	.E0 = 1.178, .A = 0.0587, .B = 0.0517, .R_M = 0.0018, .i_0 = 0.00654,
	.i_L = 100.0, .i_n = 0.23, .N_cells = 23,
};

int dc_ld_check(const dc_larminie_dicks *m, dc_err *err)
{
	if (!m || !isfinite(m->E0) || !nonneg(m->A) || !nonneg(m->B) ||
	    !nonneg(m->R_M) || !pos(m->i_0) || !pos(m->i_L) ||
	    !nonneg(m->i_n) || !(m->i_n < m->i_L) || m->N_cells < 1)
		return fail(err, DC_EINVAL, "larminie_dicks: need i_0, i_L > 0, "
			    "0 <= i_n < i_L, A, B, R_M >= 0, N >= 1");
	return DC_OK;
}

static double ld_v(const dc_larminie_dicks *m, double I)
{
	double x = I + m->i_n;
	return m->E0 - m->A * log(x / m->i_0) - m->R_M * x +
	       m->B * log1p(-x / m->i_L);
}

static int ld_domain(const dc_larminie_dicks *m, double I, dc_err *err)
{
	if (!m || isnan(I))
		return fail(err, DC_EINVAL, "larminie_dicks: NULL model or NaN");
	double x = I + m->i_n;
	if (!(I >= 0) || !(x > 0) || !(x < m->i_L))
		return fail(err, DC_ERANGE, "larminie_dicks: current %g A "
			    "outside 0 <= I, 0 < I + i_n < i_L = %g A", I,
			    m->i_L);
	return DC_OK;
}

int dc_ld_vcell(const dc_larminie_dicks *m, double I, double *v, dc_err *err)
{
	int rc = ld_domain(m, I, err);
	if (!rc)
		*v = ld_v(m, I);
	return rc;
}

int dc_ld_vstack(const dc_larminie_dicks *m, double I, double *v, dc_err *err)
{
	int rc = ld_domain(m, I, err);
	if (!rc)
		*v = m->N_cells * ld_v(m, I);
	return rc;
}

int dc_ld_power(const dc_larminie_dicks *m, double I, double *p, dc_err *err)
{
	int rc = ld_domain(m, I, err);
	if (!rc)
		*p = m->N_cells * ld_v(m, I) * I;
	return rc;
}

/* ---- 3. model union, maximum power, sizing, inverse ------------------- */

int dc_fc_check(const dc_fc_model *m, dc_err *err)
{
	if (!m)
		return fail(err, DC_EINVAL, "fuel cell: NULL model");
	switch (m->kind) {
	case DC_FC_AMPHLETT: return dc_amphlett_check(&m->u.amp, err);
	case DC_FC_LARMINIE_DICKS: return dc_ld_check(&m->u.ld, err);
	}
	return fail(err, DC_EINVAL, "fuel cell: unknown model kind %d",
		    (int)m->kind);
}

/* Cell voltage without checks; valid inside the model's domain. */
static double fc_v(const dc_fc_model *m, double I)
{
	return m->kind == DC_FC_AMPHLETT ? amp_v(&m->u.amp, I)
					  : ld_v(&m->u.ld, I);
}

/* Cell power I V(I), with its limit 0 at I = 0. */
static double fc_p(const dc_fc_model *m, double I)
{
	return I > 0 ? I * fc_v(m, I) : 0.0;
}

int dc_fc_vcell(const dc_fc_model *m, double I, double *v, dc_err *err)
{
	if (!m)
		return fail(err, DC_EINVAL, "fuel cell: NULL model");
	return m->kind == DC_FC_AMPHLETT ? dc_amphlett_vcell(&m->u.amp, I, v, err)
					  : dc_ld_vcell(&m->u.ld, I, v, err);
}

double dc_fc_imax(const dc_fc_model *m)
{
	return m->kind == DC_FC_AMPHLETT ? m->u.amp.J_max * m->u.amp.A_cm2
					  : m->u.ld.i_L - m->u.ld.i_n;
}

/* Brent root of F in [lo, hi] (must bracket a sign change) into *x. */
static int root_brent(gsl_function *F, double lo, double hi, double *x,
		      dc_err *err)
{
	gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	if (!s)
		return fail(err, DC_ENOMEM, "out of memory (root solver)");
	int rc = DC_EFAIL;
	if (gsl_root_fsolver_set(s, F, lo, hi) != GSL_SUCCESS) {
		gsl_root_fsolver_free(s);
		return fail(err, DC_EFAIL, "root not bracketed in [%g, %g]",
			    lo, hi);
	}
	for (int it = 0; it < ROOT_ITMAX; it++) {
		if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
			break;
		double a = gsl_root_fsolver_x_lower(s);
		double b = gsl_root_fsolver_x_upper(s);
		if (gsl_root_test_interval(a, b, 0, ROOT_EPSREL) == GSL_SUCCESS) {
			rc = DC_OK;
			break;
		}
	}
	*x = gsl_root_fsolver_root(s);
	gsl_root_fsolver_free(s);
	if (rc)
		return fail(err, rc, "root finding did not converge in [%g, %g]",
			    lo, hi);
	return DC_OK;
}

static double neg_pcell(double I, void *ctx)
{
	return -fc_p(ctx, I);
}

/* Refine a bracketed maximum of fc_p in [lo, hi] around GUESS. */
static int mpp_refine(const dc_fc_model *m, double lo, double guess,
		      double hi, double *i_mpp, dc_err *err)
{
	gsl_function F = {neg_pcell, (void *)m};
	gsl_min_fminimizer *s = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
	if (!s)
		return fail(err, DC_ENOMEM, "out of memory (minimizer)");
	int rc = DC_EFAIL;
	if (gsl_min_fminimizer_set(s, &F, guess, lo, hi) != GSL_SUCCESS) {
		*i_mpp = guess;   /* flat to rounding: the grid point will do */
		gsl_min_fminimizer_free(s);
		return DC_OK;
	}
	for (int it = 0; it < 200; it++) {
		if (gsl_min_fminimizer_iterate(s) != GSL_SUCCESS)
			break;
		double a = gsl_min_fminimizer_x_lower(s);
		double b = gsl_min_fminimizer_x_upper(s);
		/* GSL's Brent minimizer resolves x to ~sqrt(eps) relative;
		 * P is flat there, so P_mpp is exact to ~1e-15. */
		if (gsl_min_test_interval(a, b, 0, 1e-7) == GSL_SUCCESS) {
			rc = DC_OK;
			break;
		}
	}
	*i_mpp = gsl_min_fminimizer_x_minimum(s);
	gsl_min_fminimizer_free(s);
	if (rc)
		return fail(err, rc, "maximum power point did not converge");
	return DC_OK;
}

int dc_fc_mpp(const dc_fc_model *m, double *i_mpp, double *p_mpp, dc_err *err)
{
	int rc = dc_fc_check(m, err);
	if (rc)
		return rc;
	const int n = 256;                 /* coarse scan to bracket */
	double imax = dc_fc_imax(m), best = -HUGE_VAL;
	int kb = 1;
	for (int k = 1; k < n; k++) {
		double p = fc_p(m, imax * k / n);
		if (p > best) {
			best = p;
			kb = k;
		}
	}
	double lo = kb == 1 ? imax * 1e-9 : imax * (kb - 1) / n;
	double hi = kb == n - 1 ? imax * (1 - 1e-12) : imax * (kb + 1) / n;
	double guess = imax * kb / n, I = guess;
	if (fc_p(m, hi) >= best)
		I = hi;                    /* maximum at the current limit */
	else if (fc_p(m, lo) < best)
		rc = mpp_refine(m, lo, guess, hi, &I, err);
	if (rc)
		return rc;
	*i_mpp = I;
	*p_mpp = fc_p(m, I);
	return DC_OK;
}

typedef struct fc_target {
	const dc_fc_model *m;
	double y;
} fc_target;

static double v_minus(double I, void *ctx)
{
	const fc_target *t = ctx;
	return fc_v(t->m, I) - t->y;
}

static double p_minus(double I, void *ctx)
{
	const fc_target *t = ctx;
	return fc_p(t->m, I) - t->y;
}

static int size_args(const dc_fc_model *m, double p_ac, double v_design,
		     double v_bus, double eta_inv, double bop_frac,
		     dc_err *err)
{
	int rc = dc_fc_check(m, err);
	if (rc)
		return rc;
	if (!pos(p_ac) || !pos(v_design) || !pos(v_bus) || !frac01(eta_inv) ||
	    !nonneg(bop_frac) || !(bop_frac < 1))
		return fail(err, DC_EINVAL, "sizing: need P_AC, v_design, v_bus "
			    "> 0, 0 < eta_inv <= 1, 0 <= bop < 1 (got %g W, %g V, "
			    "%g V, %g, %g)", p_ac, v_design, v_bus, eta_inv,
			    bop_frac);
	return DC_OK;
}

int dc_fc_size(const dc_fc_model *m, double p_ac, double v_design,
	       double v_bus, double eta_inv, double bop_frac,
	       dc_fc_plant *out, dc_err *err)
{
	int rc = size_args(m, p_ac, v_design, v_bus, eta_inv, bop_frac, err);
	if (rc)
		return rc;
	dc_fc_plant p = {.model = *m, .v_design = v_design};
	if ((rc = dc_fc_mpp(m, &p.i_mpp, &p.p_cell_mpp, err)))
		return rc;
	double lo = dc_fc_imax(m) * 1e-9;
	if (!(fc_v(m, lo) > v_design) || !(fc_v(m, p.i_mpp) <= v_design))
		return fail(err, DC_ERANGE, "sizing: design cell voltage %g V "
			    "not on the rising power branch (%g V at maximum "
			    "power)", v_design, fc_v(m, p.i_mpp));
	fc_target t = {m, v_design};
	gsl_function F = {v_minus, &t};
	if ((rc = root_brent(&F, lo, p.i_mpp, &p.i_design, err)))
		return rc;
	double p_dc = p_ac / (eta_inv * (1 - bop_frac));
	double ns = ceil(v_bus / v_design);
	double np = ceil(p_dc / (ns * v_design * p.i_design));
	if (ns > 1e6 || np > 1e6)
		return fail(err, DC_ERANGE, "sizing: %g cells x %g stacks is "
			    "too many", ns, np);
	p.n_series = (int)ns;
	p.n_parallel = (int)np;
	p.p_dc_design = ns * np * v_design * p.i_design;
	p.p_dc_max = ns * np * p.p_cell_mpp;
	*out = p;
	return DC_OK;
}

static double plant_cells(const dc_fc_plant *p)
{
	return (double)p->n_series * (double)p->n_parallel;
}

int dc_fc_plant_current(const dc_fc_plant *p, double p_dc, double *I,
			dc_err *err)
{
	if (!p || !I || !(p_dc >= 0))
		return fail(err, DC_EINVAL, "fuel cell: bad power %g W", p_dc);
	if (p_dc > p->p_dc_max * (1 + 1e-12))
		return fail(err, DC_ERANGE, "fuel cell: demanded DC power %g W "
			    "exceeds the maximum power point %g W", p_dc,
			    p->p_dc_max);
	double pc = p_dc / plant_cells(p);
	if (pc == 0) {
		*I = 0;
		return DC_OK;
	}
	if (pc >= p->p_cell_mpp) {
		*I = p->i_mpp;
		return DC_OK;
	}
	fc_target t = {&p->model, pc};
	gsl_function F = {p_minus, &t};
	return root_brent(&F, 0.0, p->i_mpp, I, err);
}

/* ---- 4. hydrogen (physics.md §3.2, C) ---------------------------------- */

int dc_h2_mass_rate(double n_cells, double I, double U_f, double *kg_s,
		    dc_err *err)
{
	if (!nonneg(n_cells) || !nonneg(I) || !frac01(U_f))
		return fail(err, DC_EINVAL, "h2: need n >= 0, I >= 0, 0 < U_f "
			    "<= 1 (got %g, %g A, %g)", n_cells, I, U_f);
	*kg_s = n_cells * I / (2 * DC_FARADAY * U_f) * DC_M_H2;
	return DC_OK;
}

int dc_h2_per_energy(double v_cell, double U_f, double *kg_J, dc_err *err)
{
	if (!pos(v_cell) || !frac01(U_f))
		return fail(err, DC_EINVAL, "h2: need V_cell > 0, 0 < U_f <= 1 "
			    "(got %g V, %g)", v_cell, U_f);
	*kg_J = DC_M_H2 / (2 * DC_FARADAY * v_cell * U_f);
	return DC_OK;
}

double dc_h2_eta_lhv(double v_cell, double U_f)
{
	return U_f * v_cell / DC_H2_E_LHV;
}

double dc_h2_eta_hhv(double v_cell, double U_f)
{
	return U_f * v_cell / DC_H2_E_HHV;
}

double dc_h2_water_rate(double n_cells, double I)
{
	return n_cells * I / (2 * DC_FARADAY) * DC_M_H2O;
}

double dc_h2_heat(double n_cells, double I, double v_cell)
{
	return n_cells * I * (DC_H2_E_LHV - v_cell);
}

int dc_h2_mass_for_energy(double e_J, double eta_lhv, double *kg, dc_err *err)
{
	if (!nonneg(e_J) || !frac01(eta_lhv))
		return fail(err, DC_EINVAL, "h2: need E >= 0, 0 < eta <= 1 "
			    "(got %g J, %g)", e_J, eta_lhv);
	*kg = e_J / (eta_lhv * DC_H2_LHV);
	return DC_OK;
}

int dc_h2_density(double p_Pa, double *rho, dc_err *err)
{
	/* §3.2 (R): 23.3 kg/m3 at 350 bar, 39.3 kg/m3 at 700 bar (~15 C). */
	const double p1 = 350 * BAR, r1 = 23.3, p2 = 700 * BAR, r2 = 39.3;
	if (!(p_Pa > 0) || !(p_Pa <= p2))
		return fail(err, DC_ERANGE, "h2: storage pressure %g bar outside "
			    "(0, 700] bar", p_Pa / BAR);
	*rho = p_Pa <= p1 ? r1 * p_Pa / p1
			  : r1 + (r2 - r1) * (p_Pa - p1) / (p2 - p1);
	return DC_OK;
}

int dc_h2_volume(double kg, double p_Pa, double *m3, dc_err *err)
{
	double rho;
	if (!nonneg(kg))
		return fail(err, DC_EINVAL, "h2: mass %g kg < 0", kg);
	int rc = dc_h2_density(p_Pa, &rho, err);
	if (!rc)
		*m3 = kg / rho;
	return rc;
}

/* ---- parameter tables --------------------------------------------------- */

static const char *const backup_kinds[] = {"pem_fuel_cell", "diesel", NULL};
static const char *const fc_models[] = {"amphlett", "larminie_dicks", NULL};
static const char *const tiers[] = {"tier2", "tier4_final", NULL};

#define B(f) offsetof(dc_backup_cfg, f)
static const dc_param backup_params[] = {
	{.key = "kind", .type = DC_PT_ENUM, .def = "pem_fuel_cell",
	 .choices = backup_kinds, .off = B(kind),
	 .help = "backup generator: pem_fuel_cell or diesel"},
	{.key = "rating", .type = DC_PT_QTY, .dim = DC_DIM_POWER, .unit = "kW",
	 .flags = DC_PF_REQUIRED | DC_PF_MIN_EXCL, .min = 0, .off = B(rating),
	 .help = "net AC power rating"},
	{.key = "hydrogen", .type = DC_PT_QTY, .dim = DC_DIM_MASS, .unit = "kg",
	 .def = "0 kg", .flags = DC_PF_MIN, .min = 0, .off = B(hydrogen),
	 .help = "hydrogen stock (pem_fuel_cell; must be > 0 there)"},
	{.key = "pressure", .type = DC_PT_QTY, .dim = DC_DIM_PRESSURE,
	 .unit = "bar", .def = "350 bar", /* §3.2 (R) storage density point */
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 700 * BAR,
	 .off = B(pressure), .help = "hydrogen storage pressure (volume only)"},
	{.key = "tank", .type = DC_PT_QTY, .dim = DC_DIM_VOLUME, .unit = "L",
	 .def = "0 L", .flags = DC_PF_MIN, .min = 0, .off = B(tank),
	 .help = "diesel tank volume (diesel; must be > 0 there)"},
	{.key = "start_delay", .type = DC_PT_TIME, .unit = "s",
	 .def = "10 s", /* NFPA 110 Type 10, §3.3 (V/S) */
	 .flags = DC_PF_MIN, .min = 0, .off = B(start_delay),
	 .help = "start command to first power (NFPA 110 Type 10: 10 s)"},
	{.key = "ramp", .type = DC_PT_TIME, .unit = "s",
	 .def = "30 s", /* §3.1: budget 10-60 s to full load (R) */
	 .flags = DC_PF_MIN, .min = 0, .off = B(ramp),
	 .help = "pem: linear ramp 0 -> rating after the start delay"},
	{.key = "inverter_efficiency", .type = DC_PT_QTY, .dim = DC_DIM_NONE,
	 .unit = "%", .def = "97 %", /* §3.2: inverter 96-98 % (R) */
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 1,
	 .off = B(inverter_efficiency), .help = "pem: DC/AC inverter efficiency"},
	{.key = "bop_parasitic", .type = DC_PT_QTY, .dim = DC_DIM_NONE,
	 .unit = "%", .def = "5 %", /* R: gives ~49 % system LHV at 0.70 V,
				       inside §3.2's 45-55 % */
	 .flags = DC_PF_MIN | DC_PF_MAX_EXCL, .min = 0, .max = 1,
	 .off = B(bop_parasitic),
	 .help = "pem: balance-of-plant share of gross stack power"},
	{.key = "fuel_utilisation", .type = DC_PT_QTY, .dim = DC_DIM_NONE,
	 .unit = "%", .def = "95 %", /* OPEM mu_F, §3.1 (V) */
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 1,
	 .off = B(fuel_utilisation), .help = "pem: hydrogen utilisation U_f"},
	{.key = "cell_voltage", .type = DC_PT_QTY, .dim = DC_DIM_VOLTAGE,
	 .unit = "V", .def = "0.7 V", /* §3.2 table / V-08 design point */
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX_EXCL, .min = 0, .max = 1.5,
	 .off = B(cell_voltage), .help = "pem: design cell voltage for sizing"},
	{.key = "bus_voltage", .type = DC_PT_QTY, .dim = DC_DIM_VOLTAGE,
	 .unit = "V", .def = "800 V", /* R: MW-class inverter DC link */
	 .flags = DC_PF_MIN_EXCL, .min = 0, .off = B(bus_voltage),
	 .help = "pem: DC bus voltage; sets cells in series per stack"},
	{.key = "model", .type = DC_PT_ENUM, .def = "amphlett",
	 .choices = fc_models, .off = B(model),
	 .help = "pem: polarization model (OPEM standard vector)"},
	{.key = "tier", .type = DC_PT_ENUM, .def = "tier2", /* §3.3 (R) */
	 .choices = tiers, .off = B(tier),
	 .help = "diesel: EPA tier for NOx (tier2 6.4, tier4_final 0.67 g/kWh)"},
};
#undef B
const dc_pset dc_backup_pset = {"backup", backup_params,
				DC_ARRAY_LEN(backup_params),
				"backup generation: PEM fuel cell or diesel"};

#define U(f) offsetof(dc_ups_cfg, f)
static const dc_param ups_params[] = {
	{.key = "energy", .type = DC_PT_QTY, .dim = DC_DIM_ENERGY, .unit = "kWh",
	 .flags = DC_PF_REQUIRED | DC_PF_MIN_EXCL, .min = 0, .off = U(energy),
	 .help = "usable battery energy (V-11: 9 MW x 5 min = 750 kWh)"},
	{.key = "max_power", .type = DC_PT_QTY, .dim = DC_DIM_POWER, .unit = "kW",
	 .flags = DC_PF_REQUIRED | DC_PF_MIN_EXCL, .min = 0, .off = U(max_power),
	 .help = "maximum discharge power (AC side)"},
	{.key = "charge_power", .type = DC_PT_QTY, .dim = DC_DIM_POWER,
	 .unit = "kW", .flags = DC_PF_REQUIRED | DC_PF_MIN, .min = 0,
	 .off = U(charge_power), .help = "recharge power drawn (AC side)"},
	{.key = "efficiency", .type = DC_PT_QTY, .dim = DC_DIM_NONE, .unit = "%",
	 .def = "96 %", /* §3.2 inverter 96-98 % (R), low end */
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 1,
	 .off = U(efficiency), .help = "inverter/charger efficiency, each way"},
	{.key = "soc", .type = DC_PT_QTY, .dim = DC_DIM_NONE, .unit = "%",
	 .def = "100 %", .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 1,
	 .off = U(soc), .help = "initial state of charge"},
};
#undef U
const dc_pset dc_ups_pset = {"ups", ups_params, DC_ARRAY_LEN(ups_params),
			     "UPS battery bridge"};

int dc_backup_check(const dc_backup_cfg *c, const char *file,
		    const char *path, dc_err *err)
{
	char kp[256];
	int rc = DC_OK;
	if (c->kind == DC_BACKUP_PEM) {
		if (!(c->hydrogen > 0)) {
			snprintf(kp, sizeof kp, "%s.hydrogen", path);
			rc = dc_err_key(err, DC_EINVAL, file, kp, "a "
					"pem_fuel_cell backup needs hydrogen > 0");
		}
		dc_pem_sys s;
		dc_err e2 = DC_ERR_INIT;
		if (dc_pem_init(&s, c, &e2)) {
			const char *t = dc_err_text(&e2);
			size_t n = strcspn(t, "\n");
			if (!strncmp(t, "error: ", 7)) {
				t += 7;
				n -= 7;
			}
			rc = dc_err_key(err, DC_EINVAL, file, path, "%.*s",
					(int)n, t);
		}
		dc_err_free(&e2);
	} else if (!(c->tank > 0)) {
		snprintf(kp, sizeof kp, "%s.tank", path);
		rc = dc_err_key(err, DC_EINVAL, file, kp,
				"a diesel backup needs a tank > 0");
	} else if (ns_to_s(c->start_delay) > DC_NFPA110_TYPE10) {
		dc_err_warn(err, "%s: %s.start_delay: %g s exceeds NFPA 110 "
			    "Type 10 (10 s)", file, path,
			    ns_to_s(c->start_delay));
	}
	return rc;
}

/* ---- 5. PEM system ------------------------------------------------------ */

int dc_pem_init(dc_pem_sys *s, const dc_backup_cfg *c, dc_err *err)
{
	if (!s || !c || c->kind != DC_BACKUP_PEM)
		return fail(err, DC_EINVAL, "pem: not a pem_fuel_cell config");
	double delay = ns_to_s(c->start_delay), ramp = ns_to_s(c->ramp);
	if (!pos(c->rating) || !nonneg(c->hydrogen) || !nonneg(delay) ||
	    !nonneg(ramp) || !frac01(c->fuel_utilisation))
		return fail(err, DC_EINVAL, "pem: need rating > 0, hydrogen, "
			    "start delay, ramp >= 0, 0 < U_f <= 1 (got %g W, %g "
			    "kg, %g s, %g s, %g)", c->rating, c->hydrogen, delay,
			    ramp, c->fuel_utilisation);
	dc_fc_model m = {.kind = (dc_fc_kind)c->model};
	if (c->model == DC_FC_AMPHLETT)
		m.u.amp = dc_amphlett_std;
	else if (c->model == DC_FC_LARMINIE_DICKS)
		m.u.ld = dc_ld_std;
	else
		return fail(err, DC_EINVAL, "pem: unknown model %d", c->model);
	dc_pem_sys t = {
		.rating_W = c->rating, .start_delay_s = delay, .ramp_s = ramp,
		.bop_frac = c->bop_parasitic, .eta_inv = c->inverter_efficiency,
		.U_f = c->fuel_utilisation, .h2_kg = c->hydrogen,
		.state = DC_BK_OFF,
	};
	int rc = dc_fc_size(&m, c->rating, c->cell_voltage, c->bus_voltage,
			    c->inverter_efficiency, c->bop_parasitic, &t.plant,
			    err);
	if (!rc)
		*s = t;
	return rc;
}

/* Gross DC power per net AC power. */
static double pem_dc_per_ac(const dc_pem_sys *s)
{
	return 1.0 / (s->eta_inv * (1 - s->bop_frac));
}

/* Hydrogen supplied per unit cell current, kg/(s A), for the whole plant. */
static double pem_k(const dc_pem_sys *s)
{
	return plant_cells(&s->plant) * DC_M_H2 / (2 * DC_FARADAY * s->U_f);
}

int dc_pem_h2_rate(const dc_pem_sys *s, double p_ac, double *kg_s, dc_err *err)
{
	if (!s || !(p_ac >= 0))
		return fail(err, DC_EINVAL, "pem: bad power %g W", p_ac);
	if (p_ac > s->rating_W * (1 + 1e-12))
		return fail(err, DC_ERANGE, "pem: power %g W above rating %g W",
			    p_ac, s->rating_W);
	double I;
	int rc = dc_fc_plant_current(&s->plant, p_ac * pem_dc_per_ac(s), &I,
				     err);
	if (!rc)
		*kg_s = pem_k(s) * I;
	return rc;
}

/* One advance in progress, on a working copy of the system. */
typedef struct pem_run {
	dc_pem_sys s;
	double D, dt;      /* demand W, interval s */
	double t;          /* time done in the interval, s */
	double e_ac, h2;   /* delivered J, hydrogen used kg */
	double t_empty;
	gsl_integration_workspace *w;
	dc_err *err;
} pem_run;

static void set_state(dc_pem_sys *s, dc_bk_state st)
{
	s->state = st;
	s->t_state_s = 0;
}

/* Advance the clocks by SEG; LAST: this finishes the interval. */
static void pem_tick(pem_run *r, double seg, int last)
{
	r->t = last ? r->dt : r->t + seg;
	r->s.t_state_s += seg;
}

static void pem_empty_at(pem_run *r, double te)
{
	r->h2 += r->s.h2_kg;
	r->s.h2_kg = 0;
	r->t += te;
	r->t_empty = r->t;
	set_state(&r->s, DC_BK_EMPTY);
}

/* Constant net AC power P for SEG seconds. */
static int pem_flat(pem_run *r, double p, double seg, int last)
{
	double rate = 0;
	int rc = p > 0 ? dc_pem_h2_rate(&r->s, p, &rate, r->err) : DC_OK;
	if (rc)
		return rc;
	double need = rate * seg;
	if (rate > 0 && need >= r->s.h2_kg) {
		double te = r->s.h2_kg / rate;
		r->e_ac += p * te;
		pem_empty_at(r, te);
		return DC_OK;
	}
	r->s.h2_kg -= need;
	r->h2 += need;
	r->e_ac += p * seg;
	pem_tick(r, seg, last);
	return DC_OK;
}

static double pcell_fn(double I, void *ctx)
{
	return fc_p(ctx, I);
}

/* int_{a}^{b} p_cell(I) dI by gsl_integration_qags. */
static int pem_quad(pem_run *r, double a, double b, double *res)
{
	if (!r->w && !(r->w = gsl_integration_workspace_alloc(QUAD_LIMIT)))
		return fail(r->err, DC_ENOMEM, "out of memory (quadrature)");
	if (b <= a) {
		*res = 0;
		return DC_OK;
	}
	gsl_function F = {pcell_fn, &r->s.plant.model};
	double abserr;
	int st = gsl_integration_qags(&F, a, b, 0, QUAD_EPSREL, QUAD_LIMIT,
				      r->w, res, &abserr);
	if (st && !(abserr <= 1e-9 * fabs(*res)))
		return fail(r->err, DC_EFAIL, "pem: hydrogen integral failed "
			    "(%s)", gsl_strerror(st));
	return DC_OK;
}

/* Ramp-integral context: mass(I) = C [I p(I) - Ia pa - int_Ia^I p] - stock */
typedef struct ramp_ctx {
	pem_run *r;
	double C, Ia, pa, stock;
	int rc;
} ramp_ctx;

static double ramp_mass_minus(double I, void *vctx)
{
	ramp_ctx *c = vctx;
	double q = 0;
	if (!c->rc)
		c->rc = pem_quad(c->r, c->Ia, I, &q);
	return c->C * (I * fc_p(&c->r->s.plant.model, I) - c->Ia * c->pa - q) -
	       c->stock;
}

/* The tank empties on the ramp pa -> pb (AC): find where and stop there. */
static int pem_ramp_empty(pem_run *r, ramp_ctx *c, double Ib, double pa,
			  double slope)
{
	gsl_function F = {ramp_mass_minus, c};
	double Is;
	int rc = root_brent(&F, c->Ia, Ib, &Is, r->err);
	if (rc || (rc = c->rc))
		return rc;
	double ps = fc_p(&r->s.plant.model, Is) * plant_cells(&r->s.plant) /
		    pem_dc_per_ac(&r->s);
	double te = (ps - pa) / slope;
	r->e_ac += 0.5 * (pa + ps) * te;
	pem_empty_at(r, te);
	return DC_OK;
}

/* Net AC power rising linearly from PA to PB over SEG seconds.  Exact:
 * dt = dP/slope, so m = K/slope_dc int I dQ = K N/slope_dc [I p - int p dI]
 * (Q = N p plant DC power, p cell power, K kg/(s A)). */
static int pem_ramp(pem_run *r, double pa, double pb, double seg, int last)
{
	if (!(seg > 0))
		return DC_OK;
	double c = pem_dc_per_ac(&r->s), n = plant_cells(&r->s.plant);
	double Ia, Ib, q, slope = (pb - pa) / seg;
	int rc = dc_fc_plant_current(&r->s.plant, pa * c, &Ia, r->err);
	if (rc || (rc = dc_fc_plant_current(&r->s.plant, pb * c, &Ib, r->err)) ||
	    (rc = pem_quad(r, Ia, Ib, &q)))
		return rc;
	ramp_ctx x = {r, pem_k(&r->s) * n / (slope * c), Ia, pa * c / n,
		      r->s.h2_kg, DC_OK};
	double mass = x.C * (Ib * pb * c / n - Ia * x.pa - q);
	if (mass >= r->s.h2_kg)
		return pem_ramp_empty(r, &x, Ib, pa, slope);
	r->s.h2_kg -= mass;
	r->h2 += mass;
	r->e_ac += 0.5 * (pa + pb) * seg;
	pem_tick(r, seg, last);
	return DC_OK;
}

/* Ramp phase for up to REM seconds: demand D against available power. */
static int pem_ramp_phase(pem_run *r, double rem)
{
	dc_pem_sys *s = &r->s;
	double tr = s->t_state_s - s->start_delay_s;
	if (tr >= s->ramp_s) {
		set_state(s, DC_BK_ON);
		return DC_OK;
	}
	double seg = s->ramp_s - tr, slope = s->rating_W / s->ramp_s;
	int done = seg <= rem, rc;
	if (!done)
		seg = rem;
	double pa = slope * tr, pb = done ? s->rating_W : slope * (tr + seg);
	if (r->D <= pa) {
		rc = pem_flat(r, r->D, seg, !done);
	} else if (r->D >= pb) {
		rc = pem_ramp(r, pa, pb, seg, !done);
	} else {
		double tc = (r->D - pa) / slope;
		rc = pem_ramp(r, pa, r->D, tc, 0);
		if (!rc && s->state == DC_BK_STARTING)
			rc = pem_flat(r, r->D, seg - tc, !done);
	}
	if (!rc && done && s->state == DC_BK_STARTING) {
		r->t = fmin(r->t, r->dt);
		set_state(s, DC_BK_ON);
	}
	return rc;
}

/* STARTING: the start delay, then the ramp. */
static int pem_starting(pem_run *r, double rem)
{
	dc_pem_sys *s = &r->s;
	if (s->t_state_s < s->start_delay_s) {
		double seg = s->start_delay_s - s->t_state_s;
		if (seg > rem) {
			pem_tick(r, rem, 1);
			return DC_OK;
		}
		pem_tick(r, seg, seg == rem);
		s->t_state_s = s->start_delay_s;
		if (!(s->ramp_s > 0))
			set_state(s, DC_BK_ON);
		return DC_OK;
	}
	return pem_ramp_phase(r, rem);
}

static double pem_p_end(const dc_pem_sys *s, double D)
{
	double tr = s->t_state_s - s->start_delay_s;
	switch (s->state) {
	case DC_BK_ON: return fmin(D, s->rating_W);
	case DC_BK_STARTING:
		if (tr <= 0)
			return 0;
		return fmin(D, s->ramp_s > 0 ? s->rating_W * fmin(1, tr / s->ramp_s)
					     : s->rating_W);
	default: return 0;
	}
}

/* The state machine over the whole interval. */
static int pem_run_all(pem_run *r)
{
	int rc = DC_OK;
	while (!rc && r->t < r->dt) {
		double rem = r->dt - r->t;
		switch (r->s.state) {
		case DC_BK_OFF:
			if (r->D > 0)
				set_state(&r->s, r->s.h2_kg > 0 ? DC_BK_STARTING
								 : DC_BK_EMPTY);
			else
				pem_tick(r, rem, 1);
			break;
		case DC_BK_STARTING: rc = pem_starting(r, rem); break;
		case DC_BK_ON:
			rc = pem_flat(r, fmin(r->D, r->s.rating_W), rem, 1);
			break;
		default: pem_tick(r, rem, 1); break;
		}
	}
	return rc;
}

int dc_pem_advance(dc_pem_sys *s, double p_demand_W, double dt_s,
		   dc_pem_step *out, dc_err *err)
{
	if (!s || !out || !(p_demand_W >= 0) || !(dt_s >= 0) ||
	    !isfinite(p_demand_W) || !isfinite(dt_s))
		return fail(err, DC_EINVAL, "pem: bad demand %g W or interval "
			    "%g s", p_demand_W, dt_s);
	if (!pos(s->rating_W) || !frac01(s->eta_inv) || !frac01(s->U_f) ||
	    !nonneg(s->bop_frac) || !(s->bop_frac < 1) || !nonneg(s->h2_kg) ||
	    !nonneg(s->start_delay_s) || !nonneg(s->ramp_s))
		return fail(err, DC_EINVAL, "pem: corrupt system state");
	pem_run r = {.s = *s, .D = p_demand_W, .dt = dt_s, .t_empty = -1,
		     .err = err};
	int rc = pem_run_all(&r);
	gsl_integration_workspace_free(r.w);
	if (rc)
		return rc;
	double reacted = s->U_f * r.h2 / DC_M_H2;         /* mol H2 */
	*out = (dc_pem_step){
		.e_delivered_J = r.e_ac,
		.e_shortfall_J = fmax(0, p_demand_W * dt_s - r.e_ac),
		.h2_kg = r.h2,
		.water_kg = reacted * DC_M_H2O,
		.heat_J = reacted * 2 * DC_FARADAY * DC_H2_E_LHV -
			  r.e_ac * pem_dc_per_ac(s),
		.t_empty_s = r.t_empty,
		.p_end_W = pem_p_end(&r.s, p_demand_W),
	};
	*s = r.s;
	return DC_OK;
}

void dc_pem_stop(dc_pem_sys *s)
{
	if (s->state != DC_BK_EMPTY)
		set_state(s, DC_BK_OFF);
}

/* ---- 6. diesel (physics.md §3.3) ----------------------------------------- */

int dc_diesel_init(dc_diesel *d, const dc_backup_cfg *c, dc_err *err)
{
	if (!d || !c || c->kind != DC_BACKUP_DIESEL)
		return fail(err, DC_EINVAL, "diesel: not a diesel config");
	double delay = ns_to_s(c->start_delay);
	if (!pos(c->rating) || !nonneg(c->tank) || !nonneg(delay) ||
	    (c->tier != DC_TIER2 && c->tier != DC_TIER4_FINAL))
		return fail(err, DC_EINVAL, "diesel: need rating > 0, tank, "
			    "start delay >= 0, a known tier (got %g W, %g m3, "
			    "%g s, %d)", c->rating, c->tank, delay, c->tier);
	*d = (dc_diesel){
		.rating_W = c->rating, .start_delay_s = delay,
		.tank_L = c->tank * 1e3, .fuel_L = c->tank * 1e3,
		.a_L_kWh = DC_DIESEL_A, .b_L_kWh = DC_DIESEL_B,
		.co2_kg_L = DC_DIESEL_CO2,
		.nox_g_kWh = c->tier == DC_TIER2 ? DC_NOX_TIER2 : DC_NOX_TIER4F,
		.state = DC_BK_OFF,
	};
	return DC_OK;
}

int dc_diesel_fuel_rate(const dc_diesel *d, double p, double *L_s, dc_err *err)
{
	if (!d || !(p >= 0) || !pos(d->rating_W))
		return fail(err, DC_EINVAL, "diesel: bad load %g W", p);
	if (p > d->rating_W * (1 + 1e-12))
		return fail(err, DC_ERANGE, "diesel: load %g W above rating %g W",
			    p, d->rating_W);
	double x = p / d->rating_W;
	*L_s = d->rating_W / 1e3 * (d->a_L_kWh + d->b_L_kWh * x) / 3600.0;
	return DC_OK;
}

typedef struct gen_acc {
	double t, e, fuel, t_empty;
} gen_acc;

/* Running at min(D, rating) for REM seconds, or until the tank is dry. */
static int diesel_on(dc_diesel *d, double D, double rem, int last, double dt,
		     gen_acc *a, dc_err *err)
{
	double p = fmin(D, d->rating_W), rate;
	int rc = dc_diesel_fuel_rate(d, p, &rate, err);
	if (rc)
		return rc;
	if (rate > 0 && rate * rem >= d->fuel_L) {
		double te = d->fuel_L / rate;
		a->fuel += d->fuel_L;
		a->e += p * te;
		d->fuel_L = 0;
		a->t += te;
		a->t_empty = a->t;
		d->state = DC_BK_EMPTY;
		d->t_state_s = 0;
		return DC_OK;
	}
	d->fuel_L -= rate * rem;
	a->fuel += rate * rem;
	a->e += p * rem;
	a->t = last ? dt : a->t + rem;
	d->t_state_s += rem;
	return DC_OK;
}

static int diesel_step(dc_diesel *d, double D, double dt, gen_acc *a,
		       dc_err *err)
{
	int rc = DC_OK;
	while (!rc && a->t < dt) {
		double rem = dt - a->t;
		switch (d->state) {
		case DC_BK_OFF:
			if (D > 0) {
				d->state = d->fuel_L > 0 ? DC_BK_STARTING
							 : DC_BK_EMPTY;
				d->t_state_s = 0;
				break;
			}
			a->t = dt;
			d->t_state_s += rem;
			break;
		case DC_BK_STARTING: {
			double seg = d->start_delay_s - d->t_state_s;
			if (seg > rem) {
				a->t = dt;
				d->t_state_s += rem;
			} else {
				a->t += fmax(seg, 0);
				d->state = DC_BK_ON;
				d->t_state_s = 0;
			}
			break;
		}
		case DC_BK_ON:
			rc = diesel_on(d, D, rem, 1, dt, a, err);
			break;
		default:
			a->t = dt;
			d->t_state_s += rem;
			break;
		}
	}
	return rc;
}

int dc_diesel_advance(dc_diesel *d, double p_demand_W, double dt_s,
		      dc_diesel_step *out, dc_err *err)
{
	if (!d || !out || !(p_demand_W >= 0) || !(dt_s >= 0) ||
	    !isfinite(p_demand_W) || !isfinite(dt_s))
		return fail(err, DC_EINVAL, "diesel: bad demand %g W or interval "
			    "%g s", p_demand_W, dt_s);
	dc_diesel w = *d;
	gen_acc a = {0, 0, 0, -1};
	int rc = diesel_step(&w, p_demand_W, dt_s, &a, err);
	if (rc)
		return rc;
	*out = (dc_diesel_step){
		.e_delivered_J = a.e,
		.e_shortfall_J = fmax(0, p_demand_W * dt_s - a.e),
		.fuel_L = a.fuel,
		.co2_kg = w.co2_kg_L * a.fuel,
		.nox_kg = w.nox_g_kWh * (a.e / 3.6e6) / 1e3,
		.t_empty_s = a.t_empty,
		.p_end_W = w.state == DC_BK_ON ? fmin(p_demand_W, w.rating_W) : 0,
	};
	*d = w;
	return DC_OK;
}

void dc_diesel_stop(dc_diesel *d)
{
	if (d->state != DC_BK_EMPTY) {
		d->state = DC_BK_OFF;
		d->t_state_s = 0;
	}
}

/* ---- 7. UPS (physics.md §3.4) -------------------------------------------- */

int dc_ups_bridge_energy(double p, double t, double eta, double *e_J,
			 dc_err *err)
{
	if (!nonneg(p) || !nonneg(t) || !frac01(eta))
		return fail(err, DC_EINVAL, "ups: need P, t >= 0, 0 < eta <= 1 "
			    "(got %g W, %g s, %g)", p, t, eta);
	*e_J = p * t / eta;
	return DC_OK;
}

int dc_ups_init(dc_ups *u, const dc_ups_cfg *c, dc_err *err)
{
	if (!u || !c || !pos(c->energy) || !pos(c->max_power) ||
	    !nonneg(c->charge_power) || !frac01(c->efficiency) ||
	    !(c->soc >= 0 && c->soc <= 1))
		return fail(err, DC_EINVAL, "ups: need energy, max power > 0, "
			    "charge power >= 0, 0 < efficiency <= 1, 0 <= soc "
			    "<= 1");
	*u = (dc_ups){c->energy, c->max_power, c->charge_power, c->efficiency,
		      c->soc};
	return DC_OK;
}

/* Discharge: deliver min(P, p_max) until empty. */
static void ups_discharge(dc_ups *u, double p, double dt, dc_ups_step *o)
{
	double pd = fmin(p, u->p_max_W), drain = pd / u->eta;
	double e = u->soc * u->energy_J;
	if (drain > 0 && drain * dt >= e) {
		double te = e / drain;
		o->e_delivered_J = pd * te;
		o->t_empty_s = te;
		u->soc = 0;
	} else {
		o->e_delivered_J = pd * dt;
		u->soc = (e - drain * dt) / u->energy_J;
	}
	o->e_shortfall_J = fmax(0, p * dt - o->e_delivered_J);
}

/* Recharge: draw min(|P|, p_chg), store eta times it, until full. */
static void ups_charge(dc_ups *u, double p, double dt, dc_ups_step *o)
{
	double pin = fmin(p, u->p_chg_W), store = pin * u->eta;
	double room = (1 - u->soc) * u->energy_J;
	if (store <= 0)
		return;
	if (store * dt >= room) {
		double tf = room / store;
		o->e_charged_J = pin * tf;
		o->t_full_s = tf;
		u->soc = 1;
	} else {
		o->e_charged_J = pin * dt;
		u->soc += store * dt / u->energy_J;
	}
}

int dc_ups_advance(dc_ups *u, double p_load_W, double dt_s, dc_ups_step *out,
		   dc_err *err)
{
	if (!u || !out || !isfinite(p_load_W) || !nonneg(dt_s) ||
	    !pos(u->energy_J) || !frac01(u->eta) || !nonneg(u->p_max_W) ||
	    !nonneg(u->p_chg_W) || !(u->soc >= 0) || !(u->soc <= 1))
		return fail(err, DC_EINVAL, "ups: bad load %g W, interval %g s "
			    "or state", p_load_W, dt_s);
	*out = (dc_ups_step){0, 0, 0, -1, -1};
	if (p_load_W > 0)
		ups_discharge(u, p_load_W, dt_s, out);
	else if (p_load_W < 0)
		ups_charge(u, -p_load_W, dt_s, out);
	return DC_OK;
}
