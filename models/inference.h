/* inference.h - the `inference` section: an LLM served by replicas of a
 * model on GPUs (request fidelity).  Requests arrive (Poisson, gamma or a
 * trace), a router spreads them over replicas, each replica batches them
 * iteration by iteration (naive, flywheel or static scheduling, paged KV
 * cache), and every iteration's time and energy come from the performance
 * model (models/llm_perf.h).  When the workload runs in a hall, its GPUs'
 * power drives the hall's power and heat, and the hall's clock (thermal
 * throttling, power caps) slows its compute-bound work. */
#ifndef DC_INFERENCE_H
#define DC_INFERENCE_H

#include "../sim/scenario.h"

extern const dc_component_kind dc_inference_kind;

#endif
