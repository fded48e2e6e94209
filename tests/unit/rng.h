/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xorshift64* for the unit tests: fixed seeds make every run check the same samples.
 * Header-only: each test binary is one translation unit.
 */
#ifndef HC_TEST_RNG_H
#define HC_TEST_RNG_H

#include <math.h>
#include <stdint.h>

static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* uniform in (0, 1) */
static double rng_unit(void)
{
	return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

/* standard normal, Box-Muller */
static double rng_normal(void)
{
	return sqrt(-2 * log(rng_unit())) * cos(2 * M_PI * rng_unit());
}

#endif
