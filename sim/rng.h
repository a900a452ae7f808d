/* rng.h - random number streams.  One gsl_rng per (replication, stream),
 * seeded from (base seed, replication, stream id) only, so results never
 * depend on how work is spread across processes and every sweep point sees
 * the same numbers (common random numbers). */
#ifndef DC_RNG_H
#define DC_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* xoshiro256** as a gsl_rng_type: every gsl_ran_* distribution works with
 * it.  Its set() expands the 32-bit seed into the 256-bit state with
 * splitmix64.  get() returns 32 bits (max 2^32-1); get_double() uses the
 * top 53 bits of one 64-bit output, in [0,1). */
extern const gsl_rng_type *dc_rng_xoshiro256ss;

/* Turn GSL's abort-on-error handler off (library code checks returns).
 * Idempotent; call once at start-up.  Cannot fail. */
void dc_rng_setup(void);

/* The seed of stream STREAM in replication REP for base seed BASE: a
 * bijective 32-bit mix in each argument when the other two are held fixed
 * (distinct streams, distinct replications never share a seed).  Cannot
 * fail. */
uint32_t dc_rng_seed(uint32_t base, uint32_t rep, uint32_t stream);

/* Look up a generator by name: "xoshiro256**" (the default, also "" or
 * NULL) or any GSL name ("mt19937", "ranlxd2", ...).  NULL if unknown. */
const gsl_rng_type *dc_rng_type(const char *name);

/* A new generator of type T (NULL = xoshiro256**) seeded with
 * dc_rng_seed(base, rep, stream).  Free with gsl_rng_free.  NULL on
 * allocation failure. */
gsl_rng *dc_rng_new(const gsl_rng_type *t, uint32_t base, uint32_t rep,
		    uint32_t stream);

#endif
