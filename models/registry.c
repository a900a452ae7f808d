/* registry.c - every component kind dcsim knows. */
#include "registry.h"

#include "facility.h"
#include "hall.h"
#include "inference.h"
#include "mmc.h"
#include "power.h"
#include "site.h"

static const dc_component_kind *const kinds[] = {
	&dc_site_kind,
	&dc_facility_kind,
	&dc_hall_kind,
	&dc_ups_kind,
	&dc_backup_kind,
	&dc_flex_kind,
	&dc_grid_kind,
	&dc_outage_kind,
	&dc_inference_kind,
	&dc_mmc_kind,
};

const dc_component_kind *const *dc_registry_kinds(size_t *n)
{
	*n = DC_ARRAY_LEN(kinds);
	return kinds;
}
