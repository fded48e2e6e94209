/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reproducible PRNG for the resampling that reports print (compare's bootstrap, check's
 * power): xorshift64*, seeded through splitmix64, so that a seed gives the same figures on
 * every host.
 */
#ifndef HC_PRNG_H
#define HC_PRNG_H

#include <stddef.h>
#include <stdint.h>

struct prng {
	uint64_t s;
};

static inline void prng_seed(struct prng *g, uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	g->s = (z ^ (z >> 31)) ?: 1;
}

static inline uint64_t prng_next(struct prng *g)
{
	g->s ^= g->s >> 12;
	g->s ^= g->s << 25;
	g->s ^= g->s >> 27;
	return g->s * 0x2545f4914f6cdd1dULL;
}

/* uniform in [0, n): Lemire's multiply-shift, whose bias of n / 2^64 is far below noise */
static inline size_t prng_below(struct prng *g, size_t n)
{
	return (size_t)(((unsigned __int128)prng_next(g) * n) >> 64);
}

/* uniform in (0, 1) */
static inline double prng_unit(struct prng *g)
{
	return ((double)(prng_next(g) >> 11) + 0.5) / 9007199254740992.0;
}

#endif
