/* mmc.h - an M/M/c queue: Poisson arrivals, c servers with exponential
 * service, first come first served, unlimited waiting room.  It proves the
 * engine against closed forms (Erlang C). */
#ifndef DC_MMC_H
#define DC_MMC_H

#include "../sim/scenario.h"

extern const dc_component_kind dc_mmc_kind;

#endif
