/* facility.h - the facility: its power chain losses, cooling plant and
 * heat rejection, turning the halls' IT power and the site's weather into
 * facility power, PUE and water use over time.
 *
 * A facility takes its physical defaults from a datacenter generation
 * (data/generations.csv: loss coefficients, cooling architecture, set
 * points, approaches, fan and pump fractions, misc load; each row with its
 * source); the scenario may override any of them. */
#ifndef DC_FACILITY_H
#define DC_FACILITY_H

#include "../sim/scenario.h"

extern const dc_component_kind dc_facility_kind;

/* Cooling architectures of the plant. */
enum {
	DC_PLANT_DX,        /* air-cooled direct expansion, no economizer */
	DC_PLANT_CHILLER,   /* water-cooled chiller and tower, no economizer */
	DC_PLANT_WATERSIDE, /* chiller + tower + waterside economizer */
	DC_PLANT_AIRSIDE,   /* airside economizer, adiabatic assist, DX trim */
	DC_PLANT_LIQUID     /* IT liquid cooling, dry cooler (adiabatic
			       assist), air-cooled trim chiller */
};

/* The plant parameters (SI: W, K, fractions). */
typedef struct dc_plant {
	int arch;
	double ups_a, ups_b, ups_c;  /* UPS loss coefficients (§1.2) */
	double xfmr_a, xfmr_c;       /* transformer */
	double pdu_c;                /* PDU and wiring */
	double misc;                 /* lighting, BMS: fraction of capacity */
	double fan_frac, fan_min;    /* air movers at design, minimum speed */
	double pump_frac, pump_min;  /* pumps at design, minimum flow */
	double cop_ref, chiller_oversize;
	double chws, chwr, tcond_min;          /* K */
	double tower_approach, hx_approach;    /* K */
	double rejection_fan;        /* heat-rejection fans: fraction of heat */
	double coc, windage;         /* cycles of concentration, windage */
	double supply_lo, supply_hi; /* supply-air set points, K */
	double adiabatic_eff;        /* direct evaporative effectiveness */
	double it_delta_t;           /* air temperature rise across IT, K */
	double condenser_approach;   /* air-cooled condenser over dry bulb, K */
	double drycooler_approach, cdu_approach, water_supply; /* K */
	double liquid_share;         /* IT heat to liquid (LIQUID) */
	double loop_delta_t;         /* facility water rise, K */
} dc_plant;

/* One evaluation of the plant (W, m^3/s). */
typedef struct dc_plant_out {
	double it, losses, misc, fans, pumps, chiller, rejection, total;
	double heat;       /* heat the plant removes, W */
	double free_frac;  /* share of the heat removed without compressors */
	double unmet;      /* heat above the chillers' capacity, W */
	double water;      /* site water (evaporation, blowdown, windage), m^3/s */
} dc_plant_out;

/* Evaluate plant P of capacity CAP (W) at IT power P_IT (W) with outdoor
 * dry and wet bulb T_DB, T_WB (K).  Energy balance: total = it + losses +
 * misc + fans + pumps + chiller + rejection exactly.  Returns DC_OK or
 * DC_EINVAL (negative power, bad parameters) with *O untouched. */
int dc_plant_eval(const dc_plant *p, double cap, double p_it, double t_db,
		  double t_wb, dc_plant_out *o);

/* The plant parameters of generation GEN from the catalog table (loaded by
 * the caller), for tools and tests; DC_EINVAL with a message if GEN is not
 * in it or a value is malformed. */
struct dc_table;
int dc_plant_from_catalog(const struct dc_table *t, const char *gen,
			  dc_plant *p, double *pue_lo, double *pue_hi,
			  dc_err *err);

#endif
