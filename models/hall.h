/* hall.h - a hall (or row) of identical racks: its IT power over time from
 * a utilization profile through the servers' power curve.  When the
 * workload engine lands it drives the same interface with measured phase
 * power; until then a profile makes facility scenarios stand on their own. */
#ifndef DC_HALL_H
#define DC_HALL_H

#include "../sim/scenario.h"
#include "flex.h"

typedef struct dc_hall dc_hall;

/* A workload driving a hall's accelerators: their total electric power
 * (W), averaged over [T0, T1).  Called once per facility piece, in time
 * order. */
typedef double (*dc_hall_load_fn)(void *ctx, dc_time t0, dc_time t1);

extern const dc_component_kind dc_hall_kind;

/* IT power the whole hall would draw at time T (W) with every rack on at
 * full clock: the demand before power control and throttling. */
double dc_hall_demand(const dc_hall *h, dc_time t);

/* IT power of the whole hall at simulated time T (W) at full clock (no
 * thermal throttling), racks switched off by power control excluded.
 * Cannot fail. */
double dc_hall_power(const dc_hall *h, dc_time t);

/* Advance the hall over [T, T + SPAN): utilization at the middle of the
 * span, the accelerators' junctions and thermal throttling integrated
 * exactly (models/thermal.h), metrics recorded at T.  Returns the mean IT
 * power over the span (W), so that energy is exact.  Cannot fail. */
double dc_hall_step(dc_hall *h, dc_time t, dc_time span);

/* Electric power of the chips' coolant movers outside the servers (CDU
 * and loop pumps, microfluidic pumping), W; 0 without modelled chips and
 * for air cooling (the servers' fans are part of rack_power). */
double dc_hall_movers(const dc_hall *h);

/* Power control: a clock ceiling CAP_PHI (0..1, 1 = none) for the
 * accelerators and a share SHED (0..1) of racks switched off.  Takes
 * effect from the next step. */
void dc_hall_control(dc_hall *h, double cap_phi, double shed);

/* The clock ratio the accelerators run at now: the power-control ceiling
 * times thermal throttling (0 when the hall is shed).  A workload reads it
 * before each iteration. */
double dc_hall_clock(const dc_hall *h);

/* Let workload FN drive the accelerators' power (instead of the
 * utilization profile).  DC_EINVAL when the hall models no accelerators. */
int dc_hall_attach(dc_hall *h, dc_hall_load_fn fn, void *ctx);

/* The accelerator model's catalog name, or NULL. */
const char *dc_hall_gpu(const dc_hall *h);

/* The controls in force, the hall's power class (dc_flex_class), whether
 * it is low priority (POLCA), its racks and accelerators. */
double dc_hall_cap(const dc_hall *h);
double dc_hall_shed(const dc_hall *h);
int dc_hall_class(const dc_hall *h);
int dc_hall_low_priority(const dc_hall *h);
double dc_hall_racks(const dc_hall *h);
double dc_hall_gpus(const dc_hall *h);

/* The hall as the flexible-capacity planner sees it at time T: its draw
 * at full clock, class, idle floor and clock floor. */
void dc_hall_flex_group(const dc_hall *h, dc_time t, dc_flex_group *g);

/* Peak IT power of the hall (all racks at full utilization), W. */
double dc_hall_peak(const dc_hall *h);

/* The hall's name (its entity in metrics). */
const char *dc_hall_name(const dc_hall *h);

/* Peak IT power and racks from a hall's configuration (for scenario
 * checks and tools). */
double dc_hall_cfg_peak(const void *cfg);
double dc_hall_cfg_racks(const void *cfg);
double dc_hall_cfg_gpus(const void *cfg);   /* modelled accelerators */

/* Name of the facility a hall (or a hall's configuration) belongs to; ""
 * when the scenario has a single facility. */
const char *dc_hall_facility(const dc_hall *h);
const char *dc_hall_cfg_facility(const void *cfg);

#endif
