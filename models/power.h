/* power.h - the facility's power supply: utility feeds, UPS battery and
 * backup generation (PEM hydrogen fuel cells or diesel), utility outages
 * (scheduled or stochastic), and the grid's carbon intensity.
 *
 * The scenario sections `ups`, `backup`, `flex` (feeds and their rating),
 * `grid` and `outages` configure it; the facility owns the supply state
 * (dc_supply) and splits its demand over the sources every piece of time:
 * utility first (up to the surviving feeds' capacity), then backup (once
 * started and ramped), then the UPS battery; what none can give is
 * unserved load, reported with its time.  Energies are exact for a
 * constant demand over each piece (backup ramps and tank or battery
 * exhaustion are integrated inside the piece by models/backup_phys.c). */
#ifndef DC_POWER_H
#define DC_POWER_H

#include "../sim/scenario.h"
#include "backup_phys.h"
#include "flex.h"

extern const dc_component_kind dc_ups_kind, dc_backup_kind, dc_flex_kind,
	dc_grid_kind, dc_outage_kind;

typedef struct dc_supply dc_supply;

/* What one piece of time drew from each source (W, averages over it). */
typedef struct dc_supply_out {
	double utility;      /* from the grid, incl. battery recharge */
	double backup;       /* from the generators */
	double battery;      /* from the UPS battery */
	double recharge;     /* part of utility going into the battery */
	double unserved;     /* demand nobody could supply */
	double h2_kg, fuel_L, co2_kg, nox_kg, water_kg; /* used or made */
	double carbon_kg;    /* grid emissions of the utility energy */
	double diesel_equiv_L; /* PEM: diesel a set of the same rating would
				  have burnt for the same energy (§3.3) */
} dc_supply_out;

/* The supply of a facility from the world's sections (any may be absent:
 * no ups = no battery, no backup = none, no flex = one feed of unlimited
 * capacity).  NULL-safe free.  DC_ENOMEM / DC_EINVAL with text in ERR. */
int dc_supply_new(const dc_world *w, dc_supply **out, dc_err *err);
void dc_supply_free(dc_supply *s);

/* Feeds of the utility now lost (0: all up). */
int dc_supply_feeds_lost(const dc_supply *s);

/* Utility capacity now (W; INFINITY when unconstrained and up). */
double dc_supply_utility_capacity(const dc_supply *s);

/* Lose (DELTA > 0) or regain (DELTA < 0) feeds; ALL = every feed. */
void dc_supply_feeds_change(dc_supply *s, int delta, int all);

/* Supply DEMAND W over DT s starting at time T (s, for the grid's carbon
 * intensity).  Fills *O.  Returns DC_OK or DC_EINVAL (text in ERR). */
int dc_supply_step(dc_supply *s, double t, double demand, double dt,
		   dc_supply_out *o, dc_err *err);

/* State for metrics: battery state of charge (0..1, NaN without UPS),
 * hydrogen left (kg, NaN without PEM), diesel left (L, NaN without
 * diesel), and whether backup is running. */
double dc_supply_soc(const dc_supply *s);
double dc_supply_h2_left(const dc_supply *s);
double dc_supply_fuel_left(const dc_supply *s);
int dc_supply_backup_running(const dc_supply *s);

/* 1 when the scenario gives the grid's carbon intensity. */
int dc_supply_has_grid(const dc_supply *s);

/* The flexible-capacity configuration, or NULL when the scenario has no
 * flex section; the UPS ride-through at power P (s; 0 without UPS). */
const dc_flex_cfg *dc_supply_flex(const dc_supply *s);
double dc_supply_ride_through(const dc_supply *s, double p);

/* Embodied carbon per hour of operation (kg/h) of IT racks and batteries,
 * from the grid section's factors, for RACKS racks and the UPS. */
double dc_supply_embodied_rate(const dc_supply *s, double racks);

/* Outage notifications: the outage component calls the facility through
 * this hook (set by the facility when it links). */
typedef void (*dc_outage_fn)(void *ctx, dc_sim *sim, int delta, int all);
void dc_outage_listen(void *outage, dc_outage_fn fn, void *ctx);

#endif
