/* facility.c - facility overhead: power chain losses, air movers, pumps,
 * compressors, heat rejection and water, per physics.md §1.
 *
 * P_total = P_IT + losses(P_IT) + misc + fans + pumps + chiller + rejection
 * (§1.7).  Every watt drawn inside the building becomes heat the plant
 * removes: Q = P_IT + losses + misc + fans.  How Q is removed depends on
 * the architecture; free cooling (economizers, dry coolers) carries the
 * share the weather allows and a compressor (the DOE-2 EIR chiller of §1.4,
 * scaled to cop_ref) the rest.  Water is what the towers or the adiabatic
 * pads evaporate (§1.5, Lei-Masanet).
 *
 * The facility samples its halls and the climate every physics_step (at
 * the middle of the step) and whenever asked (dc_facility_touch); between
 * samples its powers are constant, and energies are integrated exactly
 * over those pieces, so totals do not depend on how results are sampled. */
#include "facility.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../sim/alloc.h"
#include "../sim/metrics.h"
#include "../sim/table.h"
#include "climate.h"
#include "facility_phys.h"
#include "hall.h"
#include "power.h"
#include "site.h"

#define C_TO_K 273.15

/* ---- the plant ---- */

/* Power chain: transformer, UPS, PDU in series, each rated at capacity. */
static double chain_losses(const dc_plant *p, double cap, double p_it)
{
	dc_loss_dev d[3] = {
		{p->xfmr_a, 0, p->xfmr_c, cap},
		{p->ups_a, p->ups_b, p->ups_c, cap},
		{0, 0, p->pdu_c, cap},
	};
	return dc_loss_chain(d, 3, p_it, NULL);
}

/* Compressor power removing Q_CH W at leaving water TCHW and condenser
 * entering TCOND (K), the DOE-2 curves scaled to the plant's COP and
 * capacity.  Heat above capacity is carried at capacity and reported
 * unmet. */
static double compressor(const dc_plant *p, double cap, double q_ch,
			 double tchw, double tcond, double *unmet)
{
	dc_chiller ch = dc_chiller_doe2_centrifugal_5_50cop;
	dc_chiller_out o;
	ch.cop_ref = p->cop_ref;
	ch.q_ref = p->chiller_oversize * cap;
	*unmet = 0;
	if (q_ch <= 0)
		return 0;
	double avail = dc_chiller_capacity(&ch, tchw, tcond);
	if (q_ch > avail) {
		*unmet = q_ch - avail;
		q_ch = avail;
	}
	if (dc_chiller_eval(&ch, q_ch, tchw, tcond, &o))
		return NAN;
	return o.power;
}

/* Water a direct evaporative pad uses to cool the air that carries Q_AIR W
 * from T_DB down to T_TO (K): the air flow at the IT temperature rise, the
 * sensible heat it gives up evaporates water (h_fg, §1.5). */
static double adiabatic_water(const dc_plant *p, double q_air, double t_db,
			      double t_to)
{
	if (t_to >= t_db || q_air <= 0)
		return 0;
	double m_air = q_air / (DC_AIR_CP * p->it_delta_t); /* kg/s */
	/* kg/s of water; 1 kg is 1 L (the convention of §1.5): m^3/s */
	return 1e-3 * m_air * DC_AIR_CP * (t_db - t_to) / DC_H_FG;
}

/* Tower: fans and water for rejecting Q_REJ W; FAN_SCALE trims the fans
 * when only the economizer runs (§1.8). */
static void tower(const dc_plant *p, double q_rej, double fan_scale,
		  dc_plant_out *o)
{
	o->rejection = p->rejection_fan * q_rej * fan_scale;
	double circ = dc_liquid_flow(q_rej, p->chwr - p->chws, DC_WATER_RHO,
				     DC_WATER_CP);
	o->water = 1e-3 * dc_tower_water(q_rej, circ, p->windage, p->coc, NULL);
}

static void cool_dx(const dc_plant *p, double cap, double t_db,
		    dc_plant_out *o)
{
	o->chiller = compressor(p, cap, o->heat, p->chws,
				t_db + p->condenser_approach, &o->unmet);
	o->rejection = p->rejection_fan * (o->heat + o->chiller);
	o->free_frac = 0;
}

static void cool_chiller(const dc_plant *p, double cap, double t_wb,
			 double f, dc_plant_out *o)
{
	double tcond = fmax(t_wb + p->tower_approach, p->tcond_min);
	o->free_frac = f;
	o->chiller = compressor(p, cap, (1 - f) * o->heat, p->chws, tcond,
				&o->unmet);
	tower(p, o->heat + o->chiller, f < 1 ? 1 : 0.6, o);
}

static void cool_airside(const dc_plant *p, double cap, double t_db,
			 double t_wb, dc_plant_out *o)
{
	double f = dc_econ_airside_frac(t_db, t_wb, p->adiabatic_eff,
					p->supply_lo, p->supply_hi);
	o->free_frac = f;
	o->chiller = compressor(p, cap, (1 - f) * o->heat, p->chws,
				t_db + p->condenser_approach, &o->unmet);
	o->rejection = p->rejection_fan * (1 - f) * (o->heat + o->chiller);
	/* the pads run when the outdoor air is warmer than the low set point */
	double t_to = fmax(dc_econ_evap_temp(t_db, t_wb, p->adiabatic_eff),
			   p->supply_lo);
	o->water = p->adiabatic_eff > 0
			   ? adiabatic_water(p, f * o->heat, t_db, t_to)
			   : 0;
}

/* Liquid: the CDU needs facility water at water_supply - cdu_approach; a
 * dry cooler gives T_db + approach (T_evap + approach with the pads on).
 * Partial free cooling as a series economizer (§1.5), the trim chiller
 * air-cooled. */
static void cool_liquid(const dc_plant *p, double cap, double t_db,
			double t_wb, dc_plant_out *o)
{
	double t_need = p->water_supply - p->cdu_approach;
	double t_ret = t_need + p->loop_delta_t;
	double t_dry = dc_drycooler_supply(t_db, p->drycooler_approach);
	int pads = p->adiabatic_eff > 0 && t_dry > t_need;
	double t_fws = pads ? dc_drycooler_supply(dc_econ_evap_temp(
					t_db, t_wb, p->adiabatic_eff),
					p->drycooler_approach)
			    : t_dry;
	double f = (t_ret - t_fws) / (t_ret - t_need);
	f = f < 0 ? 0 : f > 1 ? 1 : f;
	o->free_frac = f;
	o->chiller = compressor(p, cap, (1 - f) * o->heat, p->chws,
				t_db + p->condenser_approach, &o->unmet);
	o->rejection = p->rejection_fan * (o->heat + o->chiller);
	o->water = 0;
	if (pads) {
		/* pads cool the dry cooler's air: it carries the heat at the
		 * loop's temperature rise over the air */
		double t_to = dc_econ_evap_temp(t_db, t_wb, p->adiabatic_eff);
		o->water = adiabatic_water(p, o->heat, t_db, t_to);
	}
}

static int plant_check(const dc_plant *p, double cap, double p_it)
{
	if (!(cap > 0) || !(p_it >= 0) || !isfinite(p_it) || p->arch < 0 ||
	    p->arch > DC_PLANT_LIQUID || !(p->cop_ref > 0) ||
	    !(p->chwr > p->chws) || !(p->it_delta_t > 0) || !(p->coc > 1) ||
	    !(p->supply_hi > p->supply_lo) || !(p->loop_delta_t > 0))
		return DC_EINVAL;
	return DC_OK;
}

int dc_plant_eval(const dc_plant *p, double cap, double p_it, double t_db,
		  double t_wb, dc_plant_out *out)
{
	if (plant_check(p, cap, p_it) || !isfinite(t_db) || !isfinite(t_wb))
		return DC_EINVAL;
	dc_plant_out o = {.it = p_it};
	double x = p_it / cap;
	double air = p->arch == DC_PLANT_LIQUID ? 1 - p->liquid_share : 1;
	if (t_wb > t_db)
		t_wb = t_db; /* data rounding: the wet bulb never exceeds */
	o.losses = chain_losses(p, cap, p_it);
	o.misc = p->misc * cap;
	o.fans = p->fan_frac * cap * pow(fmax(p->fan_min, air * x), 3);
	o.pumps = p->pump_frac * cap * pow(fmax(p->pump_min, x), 2);
	o.heat = p_it + o.losses + o.misc + o.fans;
	switch (p->arch) {
	case DC_PLANT_DX: cool_dx(p, cap, t_db, &o); break;
	case DC_PLANT_CHILLER: cool_chiller(p, cap, t_wb, 0, &o); break;
	case DC_PLANT_WATERSIDE:
		cool_chiller(p, cap, t_wb,
			     dc_econ_waterside_frac(t_wb, p->tower_approach,
						    p->hx_approach, p->chwr,
						    p->chws), &o);
		break;
	case DC_PLANT_AIRSIDE: cool_airside(p, cap, t_db, t_wb, &o); break;
	default: cool_liquid(p, cap, t_db, t_wb, &o); break;
	}
	o.total = o.it + o.losses + o.misc + o.fans + o.pumps + o.chiller +
		  o.rejection;
	if (!isfinite(o.total) || !isfinite(o.water))
		return DC_EINVAL;
	*out = o;
	return DC_OK;
}

/* ---- configuration ---- */

static const char *const archs[] = {"dx", "chiller", "waterside", "airside",
				    "liquid", NULL};

typedef struct fac_cfg {
	char *name;
	char *generation;
	double capacity;     /* W */
	dc_time step, outage_step;
	int polca;
	double pue_lo, pue_hi;
	dc_plant plant;
} fac_cfg;

#define F(f) offsetof(fac_cfg, f)
#define P(f) offsetof(fac_cfg, plant.f)
#define FRAC(k, field, h) {.key = k, .type = DC_PT_QTY, .dim = DC_DIM_NONE, \
	.unit = "%", .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 1,     \
	.def = "0 %", .off = P(field), .help = h}
#define COEF(k, field, h) {.key = k, .type = DC_PT_REAL, .def = "0",        \
	.flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 1, .off = P(field), \
	.help = h}
#define TEMP(k, field, d, h) {.key = k, .type = DC_PT_QTY,                  \
	.dim = DC_DIM_TEMPERATURE, .unit = "C", .def = d, .off = P(field),  \
	.help = h}
#define DELTA(k, field, d, h) {.key = k, .type = DC_PT_QTY,                 \
	.dim = DC_DIM_TEMPERATURE, .unit = "K", .def = d,                   \
	.flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 50, .off = P(field), \
	.help = h}

/* Defaults are the §1.8 reference facility's; a generation's catalog row
 * replaces them, the scenario replaces those. */
static const dc_param fac_params[] = {
	{.key = "name", .type = DC_PT_STR, .off = F(name),
	 .help = "the facility's name (its entity in results)"},
	{.key = "generation", .type = DC_PT_STR, .def = "gen11",
	 .off = F(generation),
	 .help = "datacenter generation gen1..gen11 (data/generations.csv)"},
	{.key = "it_capacity", .type = DC_PT_QTY, .dim = DC_DIM_POWER,
	 .unit = "MW", .flags = DC_PF_REQUIRED | DC_PF_MIN_EXCL, .min = 0,
	 .off = F(capacity), .help = "critical IT capacity the plant serves"},
	{.key = "outage_step", .type = DC_PT_TIME, .unit = "s", .def = "1 s",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0, .max = 3600,
	 .off = F(outage_step),
	 .help = "step while the utility is impaired or the battery recharges"},
	{.key = "polca", .type = DC_PT_BOOL, .def = "false", .off = F(polca),
	 .help = "POLCA power oversubscription control (thresholds in the flex section)"},
	{.key = "physics_step", .type = DC_PT_TIME, .unit = "min",
	 .def = "15 min", .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 0,
	 .max = 86400, .off = F(step),
	 .help = "how often loads and weather are sampled"},
	{.key = "pue_design_lo", .type = DC_PT_REAL, .def = "1",
	 .flags = DC_PF_MIN, .min = 1, .off = F(pue_lo),
	 .help = "published design PUE range, low end (reported beside the result)"},
	{.key = "pue_design_hi", .type = DC_PT_REAL, .def = "3",
	 .flags = DC_PF_MIN, .min = 1, .off = F(pue_hi),
	 .help = "published design PUE range, high end"},
	{.key = "cooling", .type = DC_PT_ENUM, .def = "waterside",
	 .choices = archs, .off = P(arch), .help = "cooling architecture"},
	COEF("ups_a", ups_a, "UPS no-load loss, fraction of rating (§1.2)"),
	COEF("ups_b", ups_b, "UPS proportional loss, fraction of load"),
	COEF("ups_c", ups_c, "UPS square-law loss at rating"),
	COEF("transformer_a", xfmr_a, "transformer no-load loss"),
	COEF("transformer_c", xfmr_c, "transformer square-law loss"),
	COEF("pdu_c", pdu_c, "PDU and wiring square-law loss"),
	FRAC("misc", misc, "lighting, BMS, security: share of capacity"),
	FRAC("fan_fraction", fan_frac, "air movers at design: share of capacity"),
	FRAC("fan_min_speed", fan_min, "air movers' minimum speed"),
	FRAC("pump_fraction", pump_frac, "pumps at design: share of capacity"),
	FRAC("pump_min_flow", pump_min, "pumps' minimum flow"),
	{.key = "chiller_cop", .type = DC_PT_REAL, .def = "5.5",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 15,
	 .off = P(cop_ref), .help = "compressor COP at the DOE-2 reference point"},
	{.key = "chiller_oversize", .type = DC_PT_REAL, .def = "1.2",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0.5, .max = 3,
	 .off = P(chiller_oversize),
	 .help = "installed compressor capacity / IT capacity"},
	TEMP("chilled_water_supply", chws, "18 C", "chilled-water supply"),
	TEMP("chilled_water_return", chwr, "28 C", "chilled-water return"),
	TEMP("condenser_min", tcond_min, "15 C", "condenser-water floor"),
	DELTA("tower_approach", tower_approach, "4 K", "tower over wet bulb"),
	DELTA("hx_approach", hx_approach, "2 K", "economizer plate HX approach"),
	FRAC("rejection_fan", rejection_fan,
	     "heat-rejection fans: share of the heat rejected"),
	{.key = "cycles_of_concentration", .type = DC_PT_REAL, .def = "5",
	 .flags = DC_PF_MIN_EXCL | DC_PF_MAX, .min = 1, .max = 50,
	 .off = P(coc), .help = "tower cycles of concentration"},
	FRAC("windage", windage, "tower windage: share of circulating flow"),
	TEMP("supply_air_low", supply_lo, "18 C",
	     "supply air: full free cooling at or below"),
	TEMP("supply_air_high", supply_hi, "27 C",
	     "supply air: no free cooling at or above"),
	FRAC("adiabatic_effectiveness", adiabatic_eff,
	     "direct evaporative effectiveness (0: no pads)"),
	DELTA("it_air_rise", it_delta_t, "12 K", "air temperature rise across IT"),
	DELTA("condenser_approach", condenser_approach, "10 K",
	      "air-cooled condenser over dry bulb"),
	DELTA("drycooler_approach", drycooler_approach, "6 K",
	      "dry cooler water over dry bulb"),
	DELTA("cdu_approach", cdu_approach, "5 K", "CDU liquid-to-liquid"),
	TEMP("water_class_supply", water_supply, "40 C",
	     "facility water supply limit of the liquid loop (ASHRAE W class)"),
	FRAC("liquid_share", liquid_share, "IT heat to liquid (cooling: liquid)"),
	DELTA("loop_rise", loop_delta_t, "10 K", "facility water temperature rise"),
};
static const dc_pset fac_pset = {"facility", fac_params,
				 DC_ARRAY_LEN(fac_params),
				 "the facility's power chain and cooling plant"};

static long param_index(const char *key)
{
	for (size_t i = 0; i < fac_pset.n; i++)
		if (!strcmp(fac_params[i].key, key))
			return (long)i;
	return -1;
}

/* Fill every parameter the scenario left at its default from catalog row
 * ROW; values are scenario text (with units) and are checked as such. */
static int apply_row(const dc_table *t, long row, fac_cfg *c, dc_src *src,
		     const char *path, dc_err *err)
{
	int rc = DC_OK;
	for (size_t col = 0; col < dc_table_cols(t); col++) {
		long i = param_index(dc_table_colname(t, col));
		if (i < 0 || (src && src[i] != DC_SRC_DEFAULT))
			continue;
		const char *text = dc_table_field(t, (size_t)row, col);
		if (!text || !*text)
			continue;
		dc_err e = DC_ERR_INIT;
		if (dc_params_set(&fac_pset, path, fac_params[i].key, text, c,
				  NULL, &e)) {
			rc = dc_table_err(t, (size_t)row, col, err, DC_EINVAL,
					  "%s", dc_err_text(&e));
		} else if (src) {
			src[i] = DC_SRC_CATALOG;
		}
		dc_err_free(&e);
	}
	return rc;
}

static long find_generation(const dc_table *t, const char *gen)
{
	int col = dc_table_col(t, "generation");
	return col < 0 ? -1 : dc_table_find(t, (size_t)col, gen);
}

int dc_plant_from_catalog(const dc_table *t, const char *gen, dc_plant *p,
			  double *pue_lo, double *pue_hi, dc_err *err)
{
	fac_cfg c = {0};
	int rc = dc_params_defaults(&fac_pset, &c, NULL, err);
	long row = find_generation(t, gen);
	if (!rc && row < 0)
		rc = dc_err_msg(err, DC_EINVAL, "no generation '%s' in %s", gen,
				dc_table_name(t));
	if (!rc)
		rc = apply_row(t, row, &c, NULL, "facility", err);
	if (!rc) {
		*p = c.plant;
		*pue_lo = c.pue_lo;
		*pue_hi = c.pue_hi;
	}
	dc_params_free(&fac_pset, &c);
	return rc;
}

/* Halls fed by facility C (all of them when the scenario has one). */
static double halls_peak(const dc_scenario *sc, const fac_cfg *c, int single)
{
	double sum = 0;
	const dc_component *h;
	for (size_t i = 0; (h = dc_scenario_find(sc, "halls", i)); i++) {
		const char *f = dc_hall_cfg_facility(h->cfg);
		if ((!*f && single) || (c->name && !strcmp(f, c->name)))
			sum += dc_hall_cfg_peak(h->cfg);
	}
	return sum;
}

static int fac_resolve(void *cfgp, dc_src *src, const dc_scenario *sc,
		       const char *path, dc_err *err)
{
	fac_cfg *c = cfgp;
	const dc_table *t = dc_scenario_catalog(sc, "generations", err);
	if (!t)
		return DC_EINVAL;
	long row = find_generation(t, c->generation);
	if (row < 0)
		return dc_err_key(err, DC_EINVAL, sc->file, path,
				  "unknown generation '%s' (data/generations.csv "
				  "has gen1 .. gen11)", c->generation);
	int rc = apply_row(t, row, c, src, path, err);
	int single = dc_scenario_find(sc, "facility", 1) == NULL;
	double peak = halls_peak(sc, c, single);
	if (peak > c->capacity * (1 + 1e-12)) {
		char key[160];
		snprintf(key, sizeof key, "%s.it_capacity", path);
		rc = dc_err_key(err, DC_EINVAL, sc->file, key,
				"the halls draw up to %.6g MW at full load, "
				"above the capacity %.6g MW", peak / 1e6,
				c->capacity / 1e6);
	}
	return rc;
}

/* ---- the engine model ----
 *
 * Time is cut into pieces: a piece closes at every physics step and at
 * every event that changes the power state (an outage, a feed returning,
 * a shed or cap taking effect).  When a piece [t0, t1) closes, the halls
 * are advanced over it (their junctions and throttling exactly), the
 * plant is evaluated at its middle, the supply splits its demand, and
 * every level is recorded from t0.  So energies are exact across state
 * changes, and nothing depends on how results are sampled. */

enum { EV_STEP, EV_CONTROL };

/* Level metrics: unit and the field of dc_plant_out they show. */
static const struct lvl {
	const char *name, *unit, *help;
	size_t off;
} levels[] = {
	{"facility.it_power", "kW", "IT power", offsetof(dc_plant_out, it)},
	{"facility.power", "kW", "facility input power",
	 offsetof(dc_plant_out, total)},
	{"facility.losses", "kW", "transformer, UPS and PDU losses",
	 offsetof(dc_plant_out, losses)},
	{"facility.misc", "kW", "lighting, BMS", offsetof(dc_plant_out, misc)},
	{"facility.fans", "kW", "air movers", offsetof(dc_plant_out, fans)},
	{"facility.pumps", "kW", "pumps", offsetof(dc_plant_out, pumps)},
	{"facility.chiller", "kW", "compressors",
	 offsetof(dc_plant_out, chiller)},
	{"facility.heat_rejection", "kW", "tower, dry cooler, condenser fans",
	 offsetof(dc_plant_out, rejection)},
	{"facility.unmet_heat", "kW", "heat above compressor capacity",
	 offsetof(dc_plant_out, unmet)},
	{"facility.free_cooling", "%", "share of heat removed without compressors",
	 offsetof(dc_plant_out, free_frac)},
	{"facility.water", "L/h", "site water: evaporation, blowdown, windage",
	 offsetof(dc_plant_out, water)},
};
#define N_LEVELS DC_ARRAY_LEN(levels)

/* Supply levels and their dc_supply_out fields. */
static const struct lvl slevels[] = {
	{"power.utility", "kW", "drawn from the utility (incl. recharge)",
	 offsetof(dc_supply_out, utility)},
	{"power.backup", "kW", "from backup generation",
	 offsetof(dc_supply_out, backup)},
	{"power.battery", "kW", "from the UPS battery",
	 offsetof(dc_supply_out, battery)},
	{"power.recharge", "kW", "into the UPS battery",
	 offsetof(dc_supply_out, recharge)},
	{"power.unserved", "kW", "demand no source could supply",
	 offsetof(dc_supply_out, unserved)},
};
#define N_SLEVELS DC_ARRAY_LEN(slevels)

enum { M_PUE = N_LEVELS, M_TDB, M_TWB, M_PUE_PERIOD, M_WUE_PERIOD, M_E_IT,
       M_E_TOTAL, M_WATER_TOTAL, M_PUE_LO, M_PUE_HI,
       M_SUPPLY, M_SOC = M_SUPPLY + N_SLEVELS, M_H2, M_FUEL, M_LOST,
       M_SHED, M_E_UTIL, M_E_BACKUP, M_E_BATT, M_E_UNSERVED, M_H2_USED,
       M_FUEL_USED, M_CO2_SITE, M_NOX, M_WATER_MADE, M_FIRST_DROP,
       M_CARBON_OP, M_CARBON_EMB, M_DIESEL_EQ, M_CO2_AVOIDED, M_PEM_EFF,
       M_ALLOC_CONV, M_ALLOC_FLEX, M_CAPPED_H, M_SHED_E, M_DEADLINE,
       M_STRANDED, M_COUNT };

typedef struct facility {
	fac_cfg cfg;
	const char *name;
	uint32_t id;
	int primary;            /* owns the supply (the first facility) */
	const dc_climate *clim;
	dc_hall **halls;
	size_t n_halls;
	dc_supply *sup;
	dc_metrics *m;
	int mid[M_COUNT];
	dc_plant_out cur;
	dc_supply_out scur;
	dc_time t0;             /* start of the open piece */
	dc_time warmup;
	dc_event_id step_id;
	double e[N_LEVELS];     /* integrals of the levels since warmup */
	dc_supply_out se;       /* integrals of the supply since warmup (J,
				   and the used quantities) */
	double capped_gpu_s, shed_e, racks;
	double first_drop;      /* s, or NaN */
	int dropped, polca_state;
	double pending_cap[64], pending_shed[64];
	dc_sim *sim;
} facility;

static int fac_create(const void *cfgp, const char *entity, uint32_t stream,
		      void **self, dc_err *err)
{
	facility *f = dc_calloc(1, sizeof *f);
	if (!f)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	f->cfg = *(const fac_cfg *)cfgp;
	f->name = entity;
	f->first_drop = NAN;
	for (size_t i = 0; i < M_COUNT; i++)
		f->mid[i] = -1;
	*self = f;
	return DC_OK;
}

static void fac_destroy(void *self)
{
	facility *f = self;
	dc_supply_free(f->sup);
	dc_free(f->halls);
	dc_free(f);
}

static void on_outage(void *ctx, dc_sim *sim, int delta, int all);

static int link_supply(facility *f, const dc_world *w, dc_err *err)
{
	int rc = dc_supply_new(w, &f->sup, err);
	for (size_t i = 0; !rc && i < dc_world_count(w, "outages"); i++)
		dc_outage_listen(dc_world_find(w, "outages", i), on_outage, f);
	return rc;
}

static int fac_link(void *self, const dc_world *w, dc_err *err)
{
	facility *f = self;
	void *site = dc_world_find(w, "site", 0);
	if (!site)
		return dc_err_msg(err, DC_EINVAL, "facility %s needs a 'site' "
				  "section (its climate)", f->name);
	f->clim = dc_site_climate(site);
	size_t n = dc_world_count(w, "halls");
	int single = dc_world_count(w, "facility") == 1;
	f->primary = dc_world_find(w, "facility", 0) == self;
	f->halls = dc_calloc(n ? n : 1, sizeof *f->halls);
	if (!f->halls)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		dc_hall *h = dc_world_find(w, "halls", i);
		const char *fn = dc_hall_facility(h);
		if ((!*fn && single) ||
		    (f->cfg.name && !strcmp(fn, f->cfg.name)))
			f->halls[f->n_halls++] = h;
	}
	for (size_t i = 0; i < f->n_halls; i++)
		f->racks += dc_hall_racks(f->halls[i]);
	if (f->n_halls > DC_ARRAY_LEN(f->pending_cap))
		return dc_err_msg(err, DC_EINVAL, "facility %s: more than %zu "
				  "halls", f->name,
				  DC_ARRAY_LEN(f->pending_cap));
	return f->primary ? link_supply(f, w, err) : DC_OK;
}

/* What a supply metric needs to exist (see has()). */
enum { NEED_ANY, NEED_UPS, NEED_PEM, NEED_DIESEL, NEED_BACKUP, NEED_GRID,
       NEED_FLEX };

typedef struct mdef {
	int id;
	const char *name, *unit, *help;
	dc_metric_kind k;
	int need;
} mdef;

static const mdef fac_more[] = {
	{M_PUE, "facility.pue", "", "instantaneous PUE", DC_METRIC_LEVEL, NEED_ANY},
	{M_TDB, "site.dry_bulb", "C", "outdoor dry bulb", DC_METRIC_LEVEL, NEED_ANY},
	{M_TWB, "site.wet_bulb", "C", "outdoor wet bulb", DC_METRIC_LEVEL, NEED_ANY},
	{M_PUE_PERIOD, "facility.pue_period", "",
	 "energy-weighted PUE over the simulated period (annual for a 365 d "
	 "horizon)", DC_METRIC_OBS, NEED_ANY},
	{M_WUE_PERIOD, "facility.wue_period", "L/kWh",
	 "site water per IT energy over the simulated period", DC_METRIC_OBS, NEED_ANY},
	{M_E_IT, "facility.energy_it", "MWh", "IT energy", DC_METRIC_OBS, NEED_ANY},
	{M_E_TOTAL, "facility.energy", "MWh", "facility energy", DC_METRIC_OBS, NEED_ANY},
	{M_WATER_TOTAL, "facility.water_used", "m3", "site water", DC_METRIC_OBS, NEED_ANY},
	{M_PUE_LO, "facility.pue_design_lo", "",
	 "the generation's design PUE, low end", DC_METRIC_OBS, NEED_ANY},
	{M_PUE_HI, "facility.pue_design_hi", "",
	 "the generation's design PUE, high end", DC_METRIC_OBS, NEED_ANY},
};

static const mdef supply_more[] = {
	{M_SOC, "power.battery_soc", "%", "UPS state of charge", DC_METRIC_LEVEL, NEED_UPS},
	{M_H2, "power.hydrogen_left", "kg", "hydrogen in storage", DC_METRIC_LEVEL, NEED_PEM},
	{M_FUEL, "power.diesel_left", "L", "diesel in the tank", DC_METRIC_LEVEL, NEED_DIESEL},
	{M_LOST, "power.feeds_lost", "", "utility feeds down", DC_METRIC_LEVEL, NEED_ANY},
	{M_SHED, "flex.it_removed", "kW",
	 "IT power removed by shedding and capping", DC_METRIC_LEVEL, NEED_FLEX},
	{M_E_UTIL, "power.energy_utility", "MWh", "energy from the utility",
	 DC_METRIC_OBS, NEED_ANY},
	{M_E_BACKUP, "power.energy_backup", "MWh", "energy from backup",
	 DC_METRIC_OBS, NEED_BACKUP},
	{M_E_BATT, "power.energy_battery", "MWh", "energy from the UPS battery",
	 DC_METRIC_OBS, NEED_UPS},
	{M_E_UNSERVED, "power.energy_unserved", "MWh",
	 "demand no source could supply", DC_METRIC_OBS, NEED_ANY},
	{M_H2_USED, "power.hydrogen_used", "kg", "hydrogen consumed",
	 DC_METRIC_OBS, NEED_PEM},
	{M_FUEL_USED, "power.diesel_used", "L", "diesel burnt", DC_METRIC_OBS, NEED_DIESEL},
	{M_CO2_SITE, "carbon.onsite", "kg", "on-site CO2 (diesel; none from "
	 "hydrogen)", DC_METRIC_OBS, NEED_BACKUP},
	{M_NOX, "power.nox", "kg", "NOx from diesel", DC_METRIC_OBS, NEED_DIESEL},
	{M_WATER_MADE, "power.water_made", "kg", "water made by fuel cells",
	 DC_METRIC_OBS, NEED_PEM},
	{M_FIRST_DROP, "power.load_dropped_at", "h",
	 "when load was first dropped (absent: never)", DC_METRIC_OBS, NEED_ANY},
	{M_DIESEL_EQ, "power.diesel_equivalent", "L",
	 "diesel a generator of the same rating would have burnt",
	 DC_METRIC_OBS, NEED_PEM},
	{M_CO2_AVOIDED, "carbon.avoided", "kg",
	 "on-site CO2 the fuel cells avoided against that diesel (2.68 kg/L)",
	 DC_METRIC_OBS, NEED_PEM},
	{M_PEM_EFF, "power.pem_efficiency_lhv", "%",
	 "fuel-cell system: AC energy per hydrogen LHV (33.33 kWh/kg)",
	 DC_METRIC_OBS, NEED_PEM},
	{M_ALLOC_CONV, "flex.allocatable_conventional", "kW",
	 "IT-side power allocatable keeping (x-y) feeds in reserve (y R_u)",
	 DC_METRIC_OBS, NEED_FLEX},
	{M_ALLOC_FLEX, "flex.allocatable_zero_reserve", "kW",
	 "power allocatable with zero reserved power (x R_u)", DC_METRIC_OBS,
	 NEED_FLEX},
	{M_CARBON_OP, "carbon.operational", "kg",
	 "grid emissions of the utility energy", DC_METRIC_OBS, NEED_GRID},
	{M_CARBON_EMB, "carbon.embodied", "kg",
	 "embodied carbon of racks and batteries amortised over the period",
	 DC_METRIC_OBS, NEED_GRID},
	{M_CAPPED_H, "flex.capped_gpu_hours", "h",
	 "accelerator-hours under a power-control clock cap", DC_METRIC_OBS, NEED_FLEX},
	{M_SHED_E, "flex.shed_energy", "MWh",
	 "IT energy not drawn because of shedding or capping", DC_METRIC_OBS, NEED_FLEX},
	{M_DEADLINE, "flex.deadline_met", "",
	 "1 when a shed/cap plan finished within the UPS ride-through",
	 DC_METRIC_OBS, NEED_FLEX},
	{M_STRANDED, "flex.stranded", "kW",
	 "allocatable power the plan left unused", DC_METRIC_OBS, NEED_FLEX},
};

/* Whether the supply has what metric need N describes. */
static int has(const facility *f, int n)
{
	switch (n) {
	case NEED_UPS: return !isnan(dc_supply_soc(f->sup));
	case NEED_PEM: return !isnan(dc_supply_h2_left(f->sup));
	case NEED_DIESEL: return !isnan(dc_supply_fuel_left(f->sup));
	case NEED_BACKUP: return has(f, NEED_PEM) || has(f, NEED_DIESEL);
	case NEED_GRID: return dc_supply_has_grid(f->sup);
	case NEED_FLEX: return dc_supply_flex(f->sup) != NULL;
	default: return 1;
	}
}

static int declare_list(facility *f, const mdef *d, size_t n, dc_err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (f->sup && !has(f, d[i].need))
			continue;
		int rc = dc_metrics_declare(f->m, d[i].name, f->name, d[i].unit,
					    d[i].k, d[i].help, &f->mid[d[i].id],
					    err);
		if (rc)
			return rc;
	}
	return DC_OK;
}

static int declare(facility *f, dc_err *err)
{
	for (size_t i = 0; i < N_LEVELS; i++) {
		int rc = dc_metrics_declare(f->m, levels[i].name, f->name,
					    levels[i].unit, DC_METRIC_LEVEL,
					    levels[i].help, &f->mid[i], err);
		if (rc)
			return rc;
	}
	int rc = declare_list(f, fac_more, DC_ARRAY_LEN(fac_more), err);
	if (rc || !f->sup)
		return rc;
	for (size_t i = 0; i < N_SLEVELS; i++) {
		rc = dc_metrics_declare(f->m, slevels[i].name, f->name,
					slevels[i].unit, DC_METRIC_LEVEL,
					slevels[i].help, &f->mid[M_SUPPLY + i],
					err);
		if (rc)
			return rc;
	}
	return declare_list(f, supply_more, DC_ARRAY_LEN(supply_more), err);
}

static double field(const void *o, size_t off)
{
	return *(const double *)((const char *)o + off);
}

/* Metrics not declared (the supply lacks that part) have id -1. */
static void set_level(facility *f, int id, dc_time t, double v)
{
	if (f->mid[id] >= 0 && !isnan(v))
		dc_metrics_level(f->m, f->mid[id], t, v);
}

static void obs(facility *f, int id, dc_time t, double v)
{
	if (f->mid[id] >= 0)
		dc_metrics_obs(f->m, f->mid[id], t, v);
}

/* Accumulate the supply's piece (after warmup). */
static void supply_add(facility *f, const dc_supply_out *o, double dt)
{
	f->se.utility += o->utility * dt;
	f->se.backup += o->backup * dt;
	f->se.battery += o->battery * dt;
	f->se.unserved += o->unserved * dt;
	f->se.h2_kg += o->h2_kg;
	f->se.fuel_L += o->fuel_L;
	f->se.co2_kg += o->co2_kg;
	f->se.nox_kg += o->nox_kg;
	f->se.water_kg += o->water_kg;
	f->se.carbon_kg += o->carbon_kg;
	f->se.diesel_equiv_L += o->diesel_equiv_L;
}

/* The power state after the piece: supply levels and load dropping. */
static void supply_levels(facility *f, dc_time t)
{
	for (size_t i = 0; i < N_SLEVELS; i++)
		set_level(f, (int)(M_SUPPLY + i), t,
			  field(&f->scur, slevels[i].off));
	set_level(f, M_SOC, t, dc_supply_soc(f->sup));
	set_level(f, M_H2, t, dc_supply_h2_left(f->sup));
	set_level(f, M_FUEL, t, 1e-3 * dc_supply_fuel_left(f->sup)); /* m^3 */
	set_level(f, M_LOST, t, dc_supply_feeds_lost(f->sup));
}

/* Halls over [t0, t1): mean IT power and coolant movers; capped
 * accelerator-seconds and IT power removed by controls. */
static double step_halls(facility *f, dc_time t0, dc_time span,
			 double *movers, double *removed)
{
	double p_it = 0, dt = dc_time_to_s(span);
	int after = t0 >= f->warmup;
	*movers = *removed = 0;
	for (size_t i = 0; i < f->n_halls; i++) {
		dc_hall *h = f->halls[i];
		double full = dc_hall_demand(h, t0 + span / 2);
		double p = dc_hall_step(h, t0, span);
		p_it += p;
		*movers += dc_hall_movers(h);
		if (dc_hall_shed(h) > 0 || dc_hall_cap(h) < 1)
			*removed += fmax(0, full - p);
		if (after && dc_hall_cap(h) < 1)
			f->capped_gpu_s += dc_hall_gpus(h) *
					   (1 - dc_hall_shed(h)) * dt;
	}
	if (after)
		f->shed_e += *removed * dt;
	return p_it;
}

/* Close the open piece [t0, T): advance halls, plant and supply over it
 * and record its levels from t0. */
static int close_piece(facility *f, dc_sim *sim, dc_time t)
{
	if (t <= f->t0)
		return DC_OK;
	dc_time t0 = f->t0, span = t - t0;
	double dt = dc_time_to_s(span), movers, removed, t_db, t_wb;
	double p_it = step_halls(f, t0, span, &movers, &removed);
	dc_climate_at(f->clim, dc_time_to_s(t0 + span / 2), &t_db, &t_wb);
	if (dc_plant_eval(&f->cfg.plant, f->cfg.capacity, p_it, t_db, t_wb,
			  &f->cur))
		return dc_err_msg(dc_sim_err(sim), DC_EINVAL,
				  "facility %s: plant cannot be evaluated at "
				  "IT %.6g W, %.2f/%.2f K", f->name, p_it,
				  t_db, t_wb);
	/* the chips' own coolant movers are facility pumps */
	f->cur.pumps += movers;
	f->cur.total += movers;
	int after = t0 >= f->warmup;
	for (size_t i = 0; i < N_LEVELS; i++) {
		double v = field(&f->cur, levels[i].off);
		dc_metrics_level(f->m, f->mid[i], t0, v);
		if (after)
			f->e[i] += v * dt;
	}
	set_level(f, M_PUE, t0, p_it > 0 ? f->cur.total / p_it : NAN);
	set_level(f, M_TDB, t0, t_db);
	set_level(f, M_TWB, t0, t_wb);
	f->t0 = t;
	if (!f->sup)
		return DC_OK;
	set_level(f, M_SHED, t0, removed);
	int rc = dc_supply_step(f->sup, dc_time_to_s(t0), f->cur.total, dt,
				&f->scur, dc_sim_err(sim));
	if (rc)
		return rc;
	if (after)
		supply_add(f, &f->scur, dt);
	supply_levels(f, t0);
	if (f->scur.unserved > 0 && !f->dropped) {
		/* the batteries and backup are spent: the load goes down */
		f->dropped = 1;
		if (isnan(f->first_drop))
			f->first_drop = dc_time_to_s(t0);
		for (size_t i = 0; i < f->n_halls; i++)
			dc_hall_control(f->halls[i], 1, 1);
	}
	return DC_OK;
}

/* Is the supply in a state that needs fine steps? */
static int impaired(const facility *f)
{
	if (!f->sup)
		return 0;
	double soc = dc_supply_soc(f->sup);
	return dc_supply_feeds_lost(f->sup) > 0 ||
	       dc_supply_backup_running(f->sup) || (!isnan(soc) && soc < 1);
}

static int schedule_step(facility *f, dc_sim *sim)
{
	dc_time step = impaired(f) && f->cfg.outage_step < f->cfg.step
			       ? f->cfg.outage_step
			       : f->cfg.step;
	dc_time until = dc_sim_config(sim)->until;
	dc_time next = dc_sim_now(sim) + step;
	if (next > until)
		next = until;
	if (f->step_id)
		dc_sim_cancel(sim, f->step_id);
	f->step_id = 0;
	if (next <= dc_sim_now(sim))
		return DC_OK;
	return dc_sim_at(sim, next, f->id, EV_STEP, 0, &f->step_id);
}

/* Flexible capacity: bring the IT draw under what the surviving feeds
 * (and backup) carry, by class, within the UPS ride-through. */
static int plan_flex(facility *f, dc_sim *sim)
{
	const dc_flex_cfg *fx = dc_supply_flex(f->sup);
	dc_time now = dc_sim_now(sim);
	if (!fx || dc_supply_feeds_lost(f->sup) == 0 || !f->n_halls)
		return DC_OK;
	double cap = dc_supply_utility_capacity(f->sup);
	double pue = f->cur.it > 0 ? f->cur.total / f->cur.it : 1;
	dc_flex_group g[64];
	for (size_t i = 0; i < f->n_halls; i++)
		dc_hall_flex_group(f->halls[i], now, &g[i]);
	dc_flex_timing tm = dc_flex_timing_of(fx);
	tm.ride_through = dc_supply_ride_through(f->sup, fmax(0, f->cur.total - cap));
	dc_flex_plan plan;
	int rc = dc_flex_plan_make(g, f->n_halls, cap / pue, &tm, &plan,
				   dc_sim_err(sim));
	if (rc)
		return rc;
	for (size_t i = 0; i < f->n_halls; i++) {
		f->pending_cap[i] = 1;
		f->pending_shed[i] = 0;
	}
	for (size_t k = 0; k < plan.n_actions; k++) {
		const dc_flex_action *a = &plan.actions[k];
		if (a->kind == DC_FLEX_ACT_SHUT)
			f->pending_shed[a->group] = 1;
		else
			f->pending_cap[a->group] = a->phi;
	}
	if (now >= f->warmup) {
		obs(f, M_DEADLINE, now, plan.deadline_met);
		obs(f, M_STRANDED, now, plan.stranded * pue);
	}
	dc_time delay = dc_time_from_s(plan.t_needed);
	dc_flex_plan_free(&plan);
	return dc_sim_after(sim, delay, f->id, EV_CONTROL, 0, NULL);
}

/* The utility lost (DELTA > 0) or regained feeds. */
static void on_outage(void *ctx, dc_sim *sim, int delta, int all)
{
	facility *f = ctx;
	dc_time now = dc_sim_now(sim);
	int rc = close_piece(f, sim, now);
	dc_supply_feeds_change(f->sup, delta, all);
	if (!rc && dc_supply_feeds_lost(f->sup) == 0) {
		/* power is back: everything runs again */
		f->dropped = 0;
		for (size_t i = 0; i < f->n_halls; i++)
			dc_hall_control(f->halls[i], 1, 0);
	} else if (!rc && delta > 0) {
		rc = plan_flex(f, sim);
	}
	if (!rc)
		rc = schedule_step(f, sim);
	if (rc)
		dc_sim_stop(sim);
}

/* POLCA: cap low- then high-priority halls when the IT draw nears the
 * provisioned capacity (physics.md §4.2). */
static void polca(facility *f, dc_time t)
{
	const dc_flex_cfg *fx = f->sup ? dc_supply_flex(f->sup) : NULL;
	if (!f->cfg.polca || !fx || f->dropped ||
	    dc_supply_feeds_lost(f->sup) > 0)
		return;
	dc_polca_cfg pc = dc_flex_polca_of(fx, f->cfg.capacity);
	dc_polca_out o;
	double p = 0;
	for (size_t i = 0; i < f->n_halls; i++)
		p += dc_hall_power(f->halls[i], t);
	if (dc_polca_step(&pc, (dc_polca_state)f->polca_state, p, &o))
		return;
	f->polca_state = o.state;
	for (size_t i = 0; i < f->n_halls; i++)
		dc_hall_control(f->halls[i],
				dc_hall_low_priority(f->halls[i])
					? o.phi_low_prio
					: o.phi_high_prio,
				dc_hall_shed(f->halls[i]));
}

static int fac_init(void *self, dc_sim *sim, dc_err *err)
{
	facility *f = self;
	f->id = dc_sim_current(sim);
	f->m = dc_sim_metrics(sim);
	f->warmup = dc_sim_config(sim)->warmup;
	f->sim = sim;
	if (!f->m)
		return dc_err_msg(err, DC_EINVAL, "facility needs metrics");
	int rc = declare(f, err);
	return rc ? rc : schedule_step(f, sim);
}

static int fac_handle(void *self, dc_sim *sim, const dc_event *ev)
{
	facility *f = self;
	dc_time now = dc_sim_now(sim);
	int rc = close_piece(f, sim, now);
	if (rc)
		return rc;
	if (ev->type == EV_CONTROL) {
		if (!f->dropped && dc_supply_feeds_lost(f->sup) > 0)
			for (size_t i = 0; i < f->n_halls; i++)
				dc_hall_control(f->halls[i], f->pending_cap[i],
						f->pending_shed[i]);
		return DC_OK;
	}
	f->step_id = 0;
	polca(f, now);
	return schedule_step(f, sim);
}

static void report_supply(facility *f, dc_time now)
{
	/* values in SI (J, kg, m^3, s): the metrics' units convert */
	obs(f, M_E_UTIL, now, f->se.utility);
	obs(f, M_E_BACKUP, now, f->se.backup);
	obs(f, M_E_BATT, now, f->se.battery);
	obs(f, M_E_UNSERVED, now, f->se.unserved);
	obs(f, M_H2_USED, now, f->se.h2_kg);
	obs(f, M_FUEL_USED, now, f->se.fuel_L * 1e-3);
	obs(f, M_CO2_SITE, now, f->se.co2_kg);
	obs(f, M_NOX, now, f->se.nox_kg);
	obs(f, M_WATER_MADE, now, f->se.water_kg);
	if (!isnan(f->first_drop))
		obs(f, M_FIRST_DROP, now, f->first_drop);
	obs(f, M_CARBON_OP, now, f->se.carbon_kg);
	obs(f, M_DIESEL_EQ, now, f->se.diesel_equiv_L * 1e-3);
	obs(f, M_CO2_AVOIDED, now, DC_DIESEL_CO2 * f->se.diesel_equiv_L);
	if (f->se.h2_kg > 0)
		obs(f, M_PEM_EFF, now, f->se.backup / (f->se.h2_kg * DC_H2_LHV));
	const dc_flex_cfg *fx = dc_supply_flex(f->sup);
	dc_flex_capacity fc;
	if (fx && !dc_flex_capacity_of(fx->feeds, fx->needed, fx->feed_rating,
				       &fc, NULL)) {
		obs(f, M_ALLOC_CONV, now, fc.p_conv);
		obs(f, M_ALLOC_FLEX, now, fc.p_flex);
	}
	double hours = dc_time_to_s(now - (f->warmup < now ? f->warmup : now)) /
		       3600.0;
	obs(f, M_CARBON_EMB, now,
		       dc_supply_embodied_rate(f->sup, f->racks) * hours);
	obs(f, M_CAPPED_H, now, f->capped_gpu_s);
	obs(f, M_SHED_E, now, f->shed_e);
}

static int fac_finish(void *self, dc_sim *sim, dc_err *err)
{
	facility *f = self;
	dc_time now = dc_sim_now(sim);
	int rc = close_piece(f, sim, now);
	if (rc)
		return rc;
	double e_it = f->e[0], e_tot = f->e[1];
	double water_m3 = f->e[N_LEVELS - 1]; /* m^3/s * s */
	if (e_it > 0) {
		obs(f, M_PUE_PERIOD, now, e_tot / e_it);
		obs(f, M_WUE_PERIOD, now, water_m3 / e_it);
	}
	obs(f, M_E_IT, now, e_it);
	obs(f, M_E_TOTAL, now, e_tot);
	obs(f, M_WATER_TOTAL, now, water_m3);
	obs(f, M_PUE_LO, now, f->cfg.pue_lo);
	obs(f, M_PUE_HI, now, f->cfg.pue_hi);
	if (f->sup)
		report_supply(f, now);
	return DC_OK;
}

static const dc_model_ops fac_ops = {"facility", fac_init, fac_handle,
				     fac_finish};

const dc_component_kind dc_facility_kind = {
	.key = "facility",
	.help = "a facility: power chain, cooling plant, heat rejection",
	.params = &fac_pset,
	.cfg_size = sizeof(fac_cfg),
	.multi = 1,
	.ops = &fac_ops,
	.resolve = fac_resolve,
	.create = fac_create,
	.destroy = fac_destroy,
	.link = fac_link,
};
