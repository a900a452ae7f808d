/* thermal.h - chip cooling and junction temperature: cooling kinds (air,
 * cold plate, microfluidic), ASHRAE envelopes, a lumped RC junction node
 * integrated exactly between events, and accelerator thermal throttling.
 *
 * Engine-free: plain functions on caller-owned structs; nothing here
 * allocates, prints or opens files.  Units are SI: W, J, s, m^3/s, Pa, and
 * kelvin for every temperature (the ASHRAE tables and the GPU limits are
 * published in degC and converted once, at the table).
 *
 * The chain (physics.md §2.1):
 *   T_j = T_coolant + P * R_th                    (steady state)
 *   C dT_j/dt = P - (T_j - T_coolant) / R_th      (transient, tau = R C)
 * For liquid cooling the chip sees the supply + CDU approach + half of its
 * own coolant rise P / (rho c_p V); that rise is proportional to P, so it is
 * folded into an effective series resistance (dc_cooling_chip.k_rise):
 *   T_j,ss = t_base + (r_th + k_rise) * P.
 * The coolant crosses a cold plate in well under a second, far faster than
 * the die's tau, so treating the rise as quasi-static is exact enough. */
#ifndef DC_THERMAL_H
#define DC_THERMAL_H

#include <stddef.h>
#include <stdint.h>

#include "../sim/dc.h"
#include "../sim/err.h"
#include "../sim/params.h"

/* ---------------------------------------------------------------- cooling */

typedef enum {
	DC_COOL_AIR = 0,
	DC_COOL_COLD_PLATE,
	DC_COOL_MICROFLUIDIC,
	DC_COOL_KIND_N
} dc_cooling_kind;

typedef enum {
	DC_COOLANT_WATER = 0,
	DC_COOLANT_PG25,
	DC_COOLANT_N
} dc_coolant;

/* Scenario-facing cooling configuration (section "cooling"), read through
 * dc_cooling_pset.  All values SI. */
typedef struct dc_cooling_cfg {
	int kind;              /* dc_cooling_kind */
	double supply_temp;    /* K: air inlet (air) or facility water supply */
	double preheat;        /* K (difference): air preheat before the GPU */
	double r_th;           /* K/W junction->coolant override; 0 = kind default */
	double micro_factor;   /* R_micro / R_coldplate (microfluidic) */
	double cdu_approach;   /* K (difference): facility water -> TCS loop */
	int coolant;           /* dc_coolant: TCS loop fluid (liquid kinds) */
	double flow_per_kw;    /* L/min of coolant per kW of rated chip power */
	double pump_head;      /* Pa: liquid loop pressure drop */
	double pump_eff;       /* pump wire-to-water efficiency (0,1] */
	double air_delta_t;    /* K (difference): air rise across the servers */
	double fan_pressure;   /* Pa: server fan static pressure */
	double fan_eff;        /* fan wire-to-air efficiency (0,1] */
	double die_area;       /* m^2: die area (microfluidic pumping, flux) */
	double micro_pump_flux;/* W/m^2 of die: microfluidic pumping power */
	double tau_die;        /* s: die thermal time constant */
} dc_cooling_cfg;

/* The parameter table of dc_cooling_cfg (section "cooling"). */
extern const dc_pset dc_cooling_pset;

/* What one chip sees, resolved from a dc_cooling_cfg for a chip of a given
 * rated (design) power. */
typedef struct dc_cooling_chip {
	int kind;        /* dc_cooling_kind */
	double r_th;     /* K/W junction -> coolant (heatsink/cold plate/pins) */
	double t_base;   /* K: coolant temperature at zero chip heat */
	double k_rise;   /* K/W: half the coolant rise per W (liquid), 0 for air */
	double flow;     /* m^3/s of coolant (liquid) or air per chip at rating */
	double tau;      /* s: die time constant (C = tau / r_th) */
} dc_cooling_chip;

/* Fill the defaults of dc_cooling_pset into CFG (scenario-free use, tests).
 * Returns DC_OK, or DC_EINVAL/DC_ENOMEM with text in ERR (a table bug). */
int dc_cooling_defaults(dc_cooling_cfg *cfg, dc_err *err);

/* Resolve CFG for one chip of rated power P_RATED (W, > 0; sets the coolant
 * flow V = flow_per_kw * P_rated for liquid kinds, and the air flow
 * P_rated / (rho c_p dT_air) for air) into OUT.
 *   air:          R = r_th or 0.06 K/W, t_base = supply + preheat
 *   cold_plate:   R = r_th or 0.03 K/W, t_base = supply + approach,
 *                 k_rise = 1 / (2 rho c_p V)
 *   microfluidic: R = micro_factor * (r_th or 0.03 K/W), t_base and k_rise
 *                 as cold plate (same facility water and TCS loop).
 * Returns DC_OK, or DC_EINVAL (unknown kind or coolant, non-positive or
 * non-finite value) with text in ERR (ERR may be NULL). */
int dc_cooling_resolve(const dc_cooling_cfg *cfg, double p_rated,
		       dc_cooling_chip *out, dc_err *err);

/* Coolant temperature the chip sees at heat P (W): t_base + k_rise * P, in
 * K.  Cannot fail (no checks: P is the caller's). */
double dc_cooling_coolant_temp(const dc_cooling_chip *c, double p);

/* Steady junction temperature at heat P (W): t_base + (r_th + k_rise) P,
 * in K.  Cannot fail. */
double dc_cooling_tj_steady(const dc_cooling_chip *c, double p);

/* Electrical power of a fan or pump moving FLOW (m^3/s) against DP (Pa)
 * with wire-to-fluid efficiency ETA (0,1]: *out = flow * dp / eta (W)
 * (physics.md §2.3).  Returns DC_OK or DC_EINVAL for a negative or
 * non-finite flow or dp, or eta outside (0,1]. */
int dc_cooling_mover_power(double flow, double dp, double eta, double *out);

/* Fan or pump electrical power of a rack group of N_CHIPS chips resolved as
 * CHIP from CFG (W, into *out):
 *   air:          n * flow * fan_pressure / fan_eff
 *   cold_plate:   n * flow * pump_head / pump_eff
 *   microfluidic: n * micro_pump_flux * die_area (the EPFL pin-fin figure,
 *                 physics.md §2.1: pumping power per die area at their
 *                 design point, taken as independent of the heat).
 * Returns DC_OK or DC_EINVAL (n_chips < 0, bad efficiency, unknown kind). */
int dc_cooling_group_mover_power(const dc_cooling_cfg *cfg,
				 const dc_cooling_chip *chip, int64_t n_chips,
				 double *out);

/* Microfluidic pumping power per W of chip heat at heat P (W > 0):
 * micro_pump_flux * die_area / P.  Returns DC_OK or DC_EINVAL. */
int dc_cooling_micro_pump_per_w(const dc_cooling_cfg *cfg, double p,
				double *out);

/* Average heat flux P / AREA (W/m^2; 1 W/cm^2 = 1e4 W/m^2).  Returns DC_OK
 * or DC_EINVAL for P < 0 or AREA <= 0. */
int dc_cooling_heat_flux(double p, double area, double *out);

/* The name of a cooling kind ("air", "cold_plate", "microfluidic") or NULL
 * for an unknown one.  Cannot fail. */
const char *dc_cooling_kind_name(int kind);

/* ------------------------------------------------------- ASHRAE envelopes */

/* One ASHRAE TC 9.9 class (physics.md §2.5, converted from degC).  Air
 * classes have an allowable and a recommended range; W classes only an
 * allowable one (rec_* equal to allow_*).  W+ has allow_hi = +inf. */
typedef struct dc_ashrae_class {
	const char *name;      /* "A1".."A4", "W17".."W45", "W+" */
	double allow_lo, allow_hi; /* K */
	double rec_lo, rec_hi;     /* K */
} dc_ashrae_class;

/* The air classes A1..A4 (*n set to their number); static, never freed.
 * Cannot fail. */
const dc_ashrae_class *dc_ashrae_air_classes(size_t *n);

/* The liquid classes W17, W27, W32, W40, W45, W+ (*n set); static.  Cannot
 * fail. */
const dc_ashrae_class *dc_ashrae_water_classes(size_t *n);

/* Whether supply temperature T (K) is inside class NAME (an air or W class,
 * case-sensitive): *allowable and *recommended set to 0/1 (recommended is
 * the allowable answer for W classes).  Either output may be NULL.
 * Returns DC_OK, or DC_ENOENT for an unknown class name (text in ERR, which
 * may be NULL), DC_EINVAL for a non-finite T. */
int dc_ashrae_check(const char *name, double t, int *allowable,
		    int *recommended, dc_err *err);

/* ------------------------------------------------------- junction + GPU */

/* Published thermal and power figures of an accelerator (physics.md §5.1).
 * Temperatures in K (converted from the degC of nvidia-smi). */
typedef struct dc_gpu_spec {
	const char *name;    /* "h100", "a100", "h200" */
	double tdp;          /* W, board power limit */
	double p_idle;       /* W, idle draw */
	double p_min_cap;    /* W, lowest settable power cap */
	double t_max_op;     /* K, "GPU Max Operating Temp" (SW slowdown) */
	double t_slowdown;   /* K, "GPU Slowdown Temp" (HW, clock halving) */
	double t_shutdown;   /* K, "GPU Shutdown Temp" */
} dc_gpu_spec;

/* Look up an accelerator by NAME; NULL if unknown.  Static data.  Cannot
 * fail. */
const dc_gpu_spec *dc_gpu_spec_find(const char *name);

/* One GPU's thermal and clock-power model.  Power at clock ratio phi:
 *   P(phi) = p_idle + (P_full - p_idle) * phi^alpha,
 * P_full the demand at full clock (physics.md §4.2/§5.2). */
typedef struct dc_gpu_thermal {
	double r;           /* K/W effective junction -> t_cool (r_th + k_rise) */
	double c;           /* J/K junction heat capacity */
	double p_idle;      /* W */
	double alpha;       /* clock exponent (> 0) */
	double phi_min;     /* lowest SW clock ratio, (0, 1] */
	double t_max_op, t_slowdown, t_shutdown; /* K, increasing */
} dc_gpu_thermal;

/* Default clock exponent: dynamic power ~ f^2-3 (physics.md §5.2, R). */
#define DC_GPU_ALPHA_DEFAULT 2.5

/* Set up G for SPEC cooled as CHIP: r = chip->r_th + chip->k_rise, c =
 * chip->tau / chip->r_th (the die's own capacity), alpha = ALPHA (<= 0:
 * the default 2.5), phi_min such that P(phi_min) = p_min_cap at the TDP
 * (the lowest power the card can be capped to).  Returns DC_OK or
 * DC_EINVAL with text in ERR (may be NULL). */
int dc_gpu_thermal_setup(dc_gpu_thermal *g, const dc_gpu_spec *spec,
			 const dc_cooling_chip *chip, double alpha,
			 dc_err *err);

/* P(phi) for a GPU whose full-clock demand is P_FULL (W).  When P_FULL <
 * p_idle the draw does not depend on the clock and P_FULL is returned.
 * Cannot fail (no checks). */
double dc_gpu_power_at(const dc_gpu_thermal *g, double p_full, double phi);

/* The inverse of dc_gpu_power_at: the full-clock demand of a GPU that
 * drew P (W) at clock PHI (0 < phi <= 1): p_idle + (P - p_idle) /
 * phi^alpha; P itself when P <= p_idle or PHI is not in (0, 1).  Cannot
 * fail (no checks). */
double dc_gpu_full_at(const dc_gpu_thermal *g, double p, double phi);

/* The clock ratio at which P(phi) = P_TARGET for full-clock demand P_FULL:
 * ((P_target - p_idle) / (P_full - p_idle))^(1/alpha), clamped to [0, 1].
 * Returns 1 when P_FULL <= p_idle.  Cannot fail (no checks). */
double dc_gpu_phi_for_power(const dc_gpu_thermal *g, double p_full,
			    double p_target);

typedef enum {
	DC_GPU_NORMAL = 0,   /* full clock, T_ss <= max operating */
	DC_GPU_THROTTLED,    /* SW slowdown: T_ss = max operating, phi < 1 */
	DC_GPU_AT_MIN,       /* clamped at phi_min; T_ss in (max_op, slowdown] */
	DC_GPU_HW_SLOWDOWN,  /* phi = phi_min / 2; T_ss <= shutdown */
	DC_GPU_SHUTDOWN      /* protective shutdown: P = 0 */
} dc_gpu_state;

typedef struct dc_throttle_out {
	double phi;          /* clock ratio (0 when shut down) */
	double power;        /* W at that clock */
	double t_ss;         /* K steady junction temperature at that power */
	dc_gpu_state state;
} dc_throttle_out;

/* Steady-state thermal throttling of G at full-clock demand P_DEMAND (W)
 * with coolant at T_COOL (K):
 *   T_ss(1) <= t_max_op              -> NORMAL, phi = 1;
 *   else phi from T_cool + r P(phi) = t_max_op (closed form) ->
 *     phi >= phi_min                 -> THROTTLED;
 *   else phi_min, T_ss <= slowdown   -> AT_MIN;
 *   else phi_min/2, T_ss <= shutdown -> HW_SLOWDOWN;
 *   else                             -> SHUTDOWN, phi = P = 0, T_ss = T_cool.
 * Returns DC_OK or DC_EINVAL (bad G, negative or non-finite demand or
 * temperature); O is untouched on error.  No error text (hot path). */
int dc_gpu_throttle(const dc_gpu_thermal *g, double p_demand_full_clock,
		    double t_cool_K, dc_throttle_out *o);

/* Advance junction temperature *T_J (K) over DT seconds at constant power
 * P (W) and coolant T_COOL (K), exactly:
 *   T <- T_ss + (T - T_ss) exp(-dt / (r c)),  T_ss = T_cool + r P.
 * Returns DC_OK or DC_EINVAL (negative dt or P, non-finite input, bad G);
 * *T_J unchanged on error. */
int dc_gpu_advance(const dc_gpu_thermal *g, double *t_j, double p,
		   double t_cool, double dt);

/* The exact time (s) for the junction, starting at T0 (K) under constant P
 * and T_COOL, to reach T_TARGET: tau ln((T0 - T_ss) / (T_target - T_ss)).
 * *out = 0 when T0 == T_target, +INFINITY when it never gets there (the
 * target lies beyond or at T_ss, or on the other side of T0).  To schedule
 * an event in integer nanoseconds round up (the crossing is then reached).
 * Returns DC_OK or DC_EINVAL. */
int dc_gpu_time_to(const dc_gpu_thermal *g, double t0, double p,
		   double t_cool, double t_target, double *out);

/* A rack group of N identical GPUs sharing one state (computed once,
 * multiplied by N). */
typedef struct dc_gpu_group {
	dc_gpu_thermal g;        /* copied */
	int64_t n;               /* GPUs in the group */
	double t_j;              /* K, junction temperature of each GPU */
	double phi;              /* clock ratio at the end of the last step */
	double power;            /* W, group draw at the end of the last step */
	dc_gpu_state state;      /* state at the end of the last step */
	double energy;           /* J, group energy since init */
	double throttled_gpu_s;  /* GPU-seconds run with phi < 1 */
	double shutdown_gpu_s;   /* GPU-seconds spent shut down */
} dc_gpu_group;

/* Initialise GRP: N GPUs (N >= 0) of model G at junction temperature T0
 * (K), full clock, counters zero.  Returns DC_OK or DC_EINVAL. */
int dc_gpu_group_init(dc_gpu_group *grp, const dc_gpu_thermal *g, int64_t n,
		      double t0);

/* Advance GRP over DT seconds at full-clock demand P_DEMAND (W per GPU)
 * and coolant T_COOL (K), with the SW thermal controller modelled exactly:
 * if the steady state at full clock exceeds t_max_op the GPUs run at full
 * clock until the junction reaches t_max_op (dc_gpu_time_to) and from then
 * on at the dc_gpu_throttle decision (for THROTTLED that holds T_j exactly
 * at t_max_op).  Accumulates energy, throttled and shutdown GPU-seconds.
 * O (may be NULL) receives the decision in force at the end.  Returns
 * DC_OK or DC_EINVAL (GRP unchanged). */
int dc_gpu_group_step(dc_gpu_group *grp, double p_demand, double t_cool,
		      double dt, dc_throttle_out *o);

#endif
