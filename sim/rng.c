/* rng.c - random number streams: xoshiro256** (Blackman and Vigna) as a
 * gsl_rng_type, the per-(replication, stream) seed mix, and generator lookup.
 *
 * GSL allocates a generator's state itself (gsl_rng_alloc uses malloc), so
 * generators are the one allocation in dcsim outside the dc_malloc seam: the
 * header promises "free with gsl_rng_free", which only works with GSL's own
 * allocation. */
#include "rng.h"

#include <string.h>

#include <gsl/gsl_errno.h>

typedef struct xoshiro_state {
	uint64_t s[4];
} xoshiro_state;

static inline uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* One step of xoshiro256**: the 64-bit output, then the state advance. */
static inline uint64_t xoshiro_next(xoshiro_state *st)
{
	uint64_t *s = st->s;
	uint64_t out = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return out;
}

/* splitmix64: advance the Weyl counter by the golden-ratio increment and
 * finalise it.  The finaliser is a bijection of the counter, and the
 * counters of four consecutive calls are distinct, so at most one of four
 * consecutive outputs can be zero: the expanded state is never all zero. */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static void xoshiro_set(void *vstate, unsigned long seed)
{
	xoshiro_state *st = vstate;
	uint64_t x = (uint64_t)seed;

	for (int i = 0; i < 4; i++)
		st->s[i] = splitmix64(&x);
}

static unsigned long xoshiro_get(void *vstate)
{
	return (unsigned long)(xoshiro_next(vstate) >> 32);
}

static double xoshiro_get_double(void *vstate)
{
	return (double)(xoshiro_next(vstate) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro_type = {
	"xoshiro256**",
	0xffffffffUL,
	0,
	sizeof(xoshiro_state),
	xoshiro_set,
	xoshiro_get,
	xoshiro_get_double
};

const gsl_rng_type *dc_rng_xoshiro256ss = &xoshiro_type;

/* Turn GSL's abort-on-error handler off.  Idempotent; cannot fail. */
void dc_rng_setup(void)
{
	gsl_set_error_handler_off();
}

/* A 32-bit bijective finaliser (the shape of MurmurHash3's fmix32, with
 * its odd multipliers).  Each step is invertible on 32-bit words:
 * x ^= x >> k (k >= 1) is undone by re-applying it until the shifts run
 * out, and multiplication by an odd constant is undone by multiplication by
 * its inverse mod 2^32.  A composition of bijections is a bijection. */
static inline uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* The seed of (BASE, REP, STREAM):
 *   h = mix(mix(mix(base + K0) + rep + K1) + stream + K2)   (mod 2^32)
 * Adding a constant mod 2^32 is a bijection, and so is mix32.  With any two
 * arguments fixed, the third enters through a chain of such steps only:
 * STREAM through "+ (stream + K2)" then mix; REP through "+ (rep + K1)",
 * mix, "+ const", mix; BASE through every step.  So each partial map is a
 * bijection of the 32-bit words.  The odd constants K* only move the fixed
 * point of mix32 at 0 away from (0, 0, 0).  Cannot fail. */
uint32_t dc_rng_seed(uint32_t base, uint32_t rep, uint32_t stream)
{
	uint32_t h = mix32(base + 0x9e3779b9u);
	h = mix32(h + rep + 0x7f4a7c15u);
	return mix32(h + stream + 0x632be5abu);
}

/* Look up a generator type by name: NULL, "" and "xoshiro256**" give ours,
 * anything else is searched in GSL's table.  Returns a static type, or NULL
 * if the name is unknown.  Cannot fail otherwise. */
const gsl_rng_type *dc_rng_type(const char *name)
{
	if (!name || !*name || strcmp(name, xoshiro_type.name) == 0)
		return dc_rng_xoshiro256ss;
	for (const gsl_rng_type **t = gsl_rng_types_setup(); *t; t++)
		if (strcmp((*t)->name, name) == 0)
			return *t;
	return NULL;
}

/* A new generator of type T (NULL: xoshiro256**) seeded with
 * dc_rng_seed(base, rep, stream).  The caller owns it and frees it with
 * gsl_rng_free.  Returns NULL on allocation failure (GSL aborts there
 * instead unless dc_rng_setup has been called). */
gsl_rng *dc_rng_new(const gsl_rng_type *t, uint32_t base, uint32_t rep,
		    uint32_t stream)
{
	gsl_rng *r = gsl_rng_alloc(t ? t : dc_rng_xoshiro256ss);
	if (!r)
		return NULL;
	gsl_rng_set(r, dc_rng_seed(base, rep, stream));
	return r;
}
