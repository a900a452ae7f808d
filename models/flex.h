/* flex.h - flexible datacenter capacity: xN/y distributed redundancy with
 * zero reserved power (Flex, ISCA 2021), a shed/cap planner for feed loss,
 * and the POLCA threshold controller for oversubscribed GPU groups
 * (physics.md §4.1, §4.2).
 *
 * Engine-free: plain functions on caller-owned structs.  Units SI (W, s).
 *
 * Capacity after losing k of x feeds.  The load of a distributed-redundant
 * room is spread over all x feeds; when k fail their load moves to the
 * x - k survivors, so the room can carry (x - k) R_u.  The design promise
 * (any y carry the load) covers k <= x - y.  This assumes the load
 * redistributes evenly; the real limit is per power domain (room, PDU:
 * physics.md §4.1 "per surviving-feed limits"), which a caller models by
 * running the planner once per domain with that domain's limit. */
#ifndef DC_FLEX_H
#define DC_FLEX_H

#include <stddef.h>
#include <stdint.h>

#include "../sim/dc.h"
#include "../sim/err.h"
#include "../sim/params.h"

/* ----------------------------------------------------------- capacity */

typedef struct dc_flex_capacity {
	double p_conv;     /* W, conventional allocatable y R_u */
	double p_flex;     /* W, zero-reserved allocatable x R_u */
	double reserved;   /* W, (x - y) R_u, reserved in a conventional room */
	double reserved_frac; /* (x - y) / x: 4N/3 -> 0.25 */
	double gain;       /* x / y - 1: 4N/3 -> 1/3 */
} dc_flex_capacity;

/* Capacity of an xN/y design with X feeds of rating R_U (W), any Y of
 * which carry the load (1 <= y <= x).  Returns DC_OK or DC_EINVAL with text
 * in ERR (may be NULL). */
int dc_flex_capacity_of(int64_t x, int64_t y, double r_u,
			dc_flex_capacity *out, dc_err *err);

/* After losing K feeds (0 <= k <= x) of an xN/y room drawing P_DRAW (W):
 * *cap_after = (x - k) R_u (see the header comment) and *shed =
 * max(0, P_draw - cap_after), the power that must be shed or capped within
 * the ride-through time.  Either output may be NULL.  Returns DC_OK or
 * DC_EINVAL. */
int dc_flex_after_loss(int64_t x, double r_u, int64_t k, double p_draw,
		       double *cap_after, double *shed, dc_err *err);

/* The seed-document split (physics.md §4.1): a room of P_TOTAL (W) with
 * P_FLEX (W) flexible: *guaranteed = total - flex (0 <= flex <= total).
 * Returns DC_OK or DC_EINVAL. */
int dc_flex_guaranteed(double p_total, double p_flex, double *guaranteed,
		       dc_err *err);

/* Stranded power of an xN/y room whose deployed load has a fraction
 * RED_FRAC in [0, 1] that can be removed on a feed loss (software-redundant
 * power plus the cappable part of NR-C power).  The safety constraint of
 * §4.1 for one lost feed, P (1 - red_frac) <= y R_u, bounds the deployable
 * load at *p_max = min(x R_u, y R_u / (1 - red_frac)); *stranded = x R_u -
 * p_max.  Either output may be NULL.  Returns DC_OK or DC_EINVAL. */
int dc_flex_stranded(int64_t x, int64_t y, double r_u, double red_frac,
		     double *p_max, double *stranded, dc_err *err);

/* ----------------------------------------------------------- planner */

typedef enum {
	DC_FLEX_SR = 0,   /* software-redundant: may be shut down */
	DC_FLEX_NRC,      /* non-redundant, cappable: power-capped */
	DC_FLEX_NR,       /* non-redundant, non-cappable: never touched */
	DC_FLEX_CLASS_N
} dc_flex_class;

/* A rack or rack group as the planner sees it. */
typedef struct dc_flex_group {
	double power;     /* W, present draw at full clock (>= 0) */
	int cls;          /* dc_flex_class */
	int order;        /* within a class, lower orders act first; ties by
			     index */
	double p_cap;     /* NR-C: W floor to cap to (0 < p_cap); 0: use
			     P(phi_min) */
	double p_idle;    /* W, group idle draw (for P(phi), <= power) */
	double alpha;     /* clock exponent; <= 0: 2.5 (physics.md §4.2, R) */
	double phi_min;   /* NR-C floor clock ratio when p_cap = 0, (0, 1] */
} dc_flex_group;

typedef enum {
	DC_FLEX_ACT_SHUT = 0,  /* SR group shut down: power -> 0 */
	DC_FLEX_ACT_CAP        /* NR-C group clock-capped to phi */
} dc_flex_act_kind;

typedef struct dc_flex_action {
	size_t group;      /* index into the caller's array */
	int kind;          /* dc_flex_act_kind */
	double phi;        /* clock ratio after (0 for SHUT) */
	double p_before, p_after; /* W */
	double t_done;     /* s after the start when it takes effect */
} dc_flex_action;

/* Action latencies and the deadline. */
typedef struct dc_flex_timing {
	double ride_through; /* s, UPS ride-through available */
	double t_shut;       /* s per shutdown action (default 5 s, R) */
	double t_cap;        /* s per cap action (default 1 s, R) */
	int serial;          /* 0: actions run in parallel; 1: one after another */
} dc_flex_timing;

/* Defaults: ride-through 10 s (physics.md V-11: "a 10 s shed in Flex"),
 * shut 5 s, cap 1 s (R: not in physics.md; Flex §4.1 "quickly reduces
 * power draw"), parallel.  Cannot fail. */
dc_flex_timing dc_flex_timing_default(void);

typedef struct dc_flex_plan {
	dc_flex_action *actions; /* owned; free with dc_flex_plan_free */
	size_t n_actions;
	double p_before;   /* W, total draw before */
	double p_after;    /* W, total draw after all actions */
	double limit;      /* W, capacity limit planned for */
	double stranded;   /* W, limit - p_after when met (the overshoot of
			      whole-group shutdowns), else 0 */
	int met;           /* 1 if p_after <= limit */
	double t_needed;   /* s until the last action takes effect */
	int deadline_met;  /* met and t_needed <= ride_through */
} dc_flex_plan;

/* Plan actions that bring the N groups' total draw under LIMIT (W): shut
 * SR groups in order until the excess is gone, then cap NR-C groups in
 * order, each only as deep as still needed but not below its floor
 * (p_cap, or P(phi_min) = p_idle + (power - p_idle) phi_min^alpha); NR
 * groups are never touched.  A cap's clock ratio solves P(phi) = target.
 * When even every action leaves the total above LIMIT the plan holds all
 * of them and met = 0 (not an error).  TM may be NULL (defaults).
 * OUT is overwritten; the caller frees it with dc_flex_plan_free.
 * Returns DC_OK, DC_EINVAL (negative power or limit, unknown class, bad
 * floor) or DC_ENOMEM, with text in ERR (may be NULL); on error OUT holds
 * nothing to free. */
int dc_flex_plan_make(const dc_flex_group *groups, size_t n, double limit,
		      const dc_flex_timing *tm, dc_flex_plan *out,
		      dc_err *err);

/* Release the actions of PLAN and zero it.  dc_flex_plan_free(NULL) is a
 * no-op. */
void dc_flex_plan_free(dc_flex_plan *plan);

/* ----------------------------------------------------------- POLCA */

typedef enum {
	DC_POLCA_NORMAL = 0,
	DC_POLCA_CAP_LOW,   /* low-priority workloads clock-capped */
	DC_POLCA_CAP_ALL    /* low- and high-priority workloads capped */
} dc_polca_state;

typedef struct dc_polca_cfg {
	double p_prov;    /* W, provisioned power of the group */
	double t1, t2;    /* thresholds as fractions of p_prov, 0 < t1 < t2 */
	double hyst;      /* hysteresis margin as a fraction, 0 < hyst < t1 */
	double phi_low;   /* clock ratio of low priority in CAP_LOW */
	double phi_all;   /* clock ratio of everyone in CAP_ALL */
} dc_polca_cfg;

typedef struct dc_polca_out {
	dc_polca_state state;
	double phi_low_prio;   /* clock ratio for low-priority groups */
	double phi_high_prio;  /* clock ratio for high-priority groups */
} dc_polca_out;

/* One controller sample: from state CUR with measured group power P (W),
 * u = P / p_prov:
 *   NORMAL:  u > t2 -> CAP_ALL; u > t1 -> CAP_LOW
 *   CAP_LOW: u > t2 -> CAP_ALL; u < t1 - hyst -> NORMAL
 *   CAP_ALL: u < t2 - hyst -> (u < t1 - hyst ? NORMAL : CAP_LOW)
 * otherwise the state holds.  Clocks: NORMAL 1/1, CAP_LOW phi_low/1,
 * CAP_ALL min(phi_low, phi_all)/phi_all.  A state change needs u to move
 * by more than hyst after the opposite change, so the controller cannot
 * oscillate inside the band (as long as capping lowers the power by less
 * than hyst p_prov).  Returns DC_OK or DC_EINVAL (bad CFG or state,
 * negative power). */
int dc_polca_step(const dc_polca_cfg *c, dc_polca_state cur, double p,
		  dc_polca_out *o);

/* ----------------------------------------------------------- config */

/* Scenario-facing flexible-capacity configuration (section "flex"). */
typedef struct dc_flex_cfg {
	int64_t feeds;        /* x */
	int64_t needed;       /* y */
	double feed_rating;   /* W, R_u */
	dc_time ride_through; /* ns */
	dc_time shut_latency; /* ns */
	dc_time cap_latency;  /* ns */
	double polca_t1, polca_t2, polca_hyst; /* fractions ("80 %") */
	double polca_phi_low, polca_phi_all;   /* clock ratios */
} dc_flex_cfg;

/* The parameter table of dc_flex_cfg (section "flex"). */
extern const dc_pset dc_flex_pset;

/* Fill CFG with the defaults of dc_flex_pset.  Returns DC_OK or a DC_E*
 * code with text in ERR (may be NULL; a table bug). */
int dc_flex_defaults(dc_flex_cfg *cfg, dc_err *err);

/* Cross-field checks the table cannot express: needed <= feeds, t1 < t2,
 * hyst < t1.  FILE and PATH name the section in messages.  Returns DC_OK
 * or DC_EINVAL with text in ERR (may be NULL). */
int dc_flex_check(const dc_flex_cfg *cfg, const char *file, const char *path,
		  dc_err *err);

/* The POLCA configuration of CFG for a group provisioned at P_PROV (W).
 * Cannot fail (dc_polca_step validates). */
dc_polca_cfg dc_flex_polca_of(const dc_flex_cfg *cfg, double p_prov);

/* The timing of CFG (seconds, parallel actions).  Cannot fail. */
dc_flex_timing dc_flex_timing_of(const dc_flex_cfg *cfg);

#endif
