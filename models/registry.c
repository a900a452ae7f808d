/* registry.c - every component kind dcsim knows. */
#include "registry.h"

#include "mmc.h"

static const dc_component_kind *const kinds[] = {
	&dc_mmc_kind,
};

const dc_component_kind *const *dc_registry_kinds(size_t *n)
{
	*n = DC_ARRAY_LEN(kinds);
	return kinds;
}
