/* registry.h - the component kinds a scenario may contain. */
#ifndef DC_REGISTRY_H
#define DC_REGISTRY_H

#include "../sim/scenario.h"

/* The kinds, in the order their sections are documented; *n receives the
 * count.  Static storage; cannot fail. */
const dc_component_kind *const *dc_registry_kinds(size_t *n);

#endif
