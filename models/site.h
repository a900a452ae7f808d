/* site.h - the `site` section: where the datacenter stands and its weather
 * over time (models/climate.h). */
#ifndef DC_SITE_H
#define DC_SITE_H

#include "../sim/scenario.h"
#include "climate.h"

extern const dc_component_kind dc_site_kind;

/* The climate of a site instance (found with dc_world_find(w, "site", 0)).
 * Owned by the scenario; valid for the whole run. */
const dc_climate *dc_site_climate(const void *site);

#endif
