/* scenario.h - a scenario file resolved: the run settings every scenario
 * has, plus one configured instance per component section, each value
 * with its provenance.  Which sections exist is not known here: the caller
 * passes the component kinds (models/ registers them), so the engine stays
 * free of model headers. */
#ifndef DC_SCENARIO_H
#define DC_SCENARIO_H

#include <stdint.h>

#include "dc.h"
#include "err.h"
#include "params.h"
#include "sim.h"

/* Top-level run settings (section "" of the file). */
typedef struct dc_run_cfg {
	char *name;          /* scenario name: names the output folder */
	int64_t seed;        /* base seed, 0 .. 2^32-1 */
	int64_t reps;        /* replications */
	dc_time horizon;     /* simulated time to run */
	dc_time warmup;      /* statistics ignore what happens before */
	dc_time sample;      /* width of the time-series buckets */
	char *rng;           /* generator name (rng.h) */
} dc_run_cfg;

extern const dc_pset dc_run_params;

/* A kind of component a scenario may contain, keyed by its top-level
 * section name.  A section holds one map (one instance, entity = key) or,
 * when MULTI, a list of maps (entity = the item's "name" parameter if the
 * table has one, else "key[i]"). */
typedef struct dc_scenario dc_scenario;
typedef struct dc_world dc_world;

typedef struct dc_component_kind {
	const char *key;
	const char *help;
	const dc_pset *params;
	size_t cfg_size;
	int multi;
	const dc_model_ops *ops;
	/* Cross-field checks after every parameter was read (may be NULL).
	 * Errors as "FILE: PATH.key: error: ...". */
	int (*check)(const void *cfg, const char *file, const char *path,
		     dc_err *err);
	/* After every section was read: cross-references between sections
	 * and catalog lookups (values taken from a catalog are recorded in
	 * SRC as DC_SRC_CATALOG).  May be NULL. */
	int (*resolve)(void *cfg, dc_src *src, const dc_scenario *sc,
		       const char *path, dc_err *err);
	/* A model instance for one replication; STREAM is the first of the
	 * 16 random streams reserved for it. */
	int (*create)(const void *cfg, const char *entity, uint32_t stream,
		      void **self, dc_err *err);
	void (*destroy)(void *self);
	/* Release what resolve attached to CFG beyond its STR parameters
	 * (freed by the table).  May be NULL. */
	void (*cfg_free)(void *cfg);
	/* After every instance of a replication was created: find the other
	 * components this one works with (dc_world_find).  May be NULL. */
	int (*link)(void *self, const dc_world *w, dc_err *err);
} dc_component_kind;

typedef struct dc_component {
	const dc_component_kind *kind;
	char *entity;
	char *path;          /* key path in the file ("queue", "halls[2]") */
	void *cfg;           /* kind->cfg_size bytes */
	dc_src *src;         /* provenance of each parameter */
} dc_component;

struct dc_scenario {
	char *file;
	char *data_dir;      /* where catalogs and series are read from */
	dc_run_cfg run;
	dc_src run_src[16];
	dc_component *comp;
	size_t n_comp;
	struct dc_catalog *catalogs; /* loaded on first use */
};

/* An override from the command line: section "" is the run settings. */
typedef struct dc_override {
	const char *option;  /* for messages, e.g. "--seed" */
	const char *key;
	const char *text;
} dc_override;

/* Load and validate PATH against the run settings and KINDS, then apply
 * the overrides.  Every error found is appended to ERR (file:line:col or
 * file: key.path), and loading goes on where it can.  Returns DC_OK with
 * *out set, DC_ENOENT (missing file), DC_EINVAL (invalid scenario), DC_EIO
 * or DC_ENOMEM with *out NULL. */
int dc_scenario_load(const char *path, const dc_component_kind *const *kinds,
		     size_t nkinds, const dc_override *ov, size_t nov,
		     dc_scenario **out, dc_err *err);

void dc_scenario_free(dc_scenario *sc);

/* The configuration of the I-th component of kind KEY, or NULL. */
const dc_component *dc_scenario_find(const dc_scenario *sc, const char *key,
				     size_t i);

/* The catalog NAME (data/NAME.csv), loaded on first use and kept with the
 * scenario.  NULL with an error in ERR if it cannot be read.  The data
 * folder is, in order: $DCSIM_DATA, the scenario's folder's ../data,
 * ./data. */
const struct dc_table *dc_scenario_catalog(const dc_scenario *sc,
					   const char *name, dc_err *err);

/* The data files the scenario has read so far (catalogs, profiles), in
 * name order: up to CAP into NAMES (the catalog name, e.g.
 * "calibration/host") and TABLES; returns how many there are.  For the
 * run's provenance (manifest.json lists them with their '#' metadata). */
size_t dc_scenario_inputs(const dc_scenario *sc, const char **names,
			  const struct dc_table **tables, size_t cap);

/* The instances of one replication, for components to find each other. */
/* The I-th instance of kind KEY (its model state), or NULL.  *kind (if
 * KIND is non-NULL) receives its kind. */
void *dc_world_find(const dc_world *w, const char *key, size_t i);

/* How many instances of kind KEY. */
size_t dc_world_count(const dc_world *w, const char *key);

#endif
