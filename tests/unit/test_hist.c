// SPDX-License-Identifier: GPL-2.0
/*
 * bpf/hist.h bucket math and user/histogram.c: quantiles and snapshot arithmetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hist.h"
#include "histogram.h"

/* xorshift64*: a fixed-seed PRNG, so every run checks the same samples */
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

/* uniform in [0, 1) */
static double rng_unit(void)
{
	return (double)(rng_next() >> 11) / 9007199254740992.0;
}

/* roughly standard normal: Irwin-Hall, the sum of 12 uniforms (no libm in the link) */
static double rng_normal(void)
{
	double z = -6.0;
	int i;

	for (i = 0; i < 12; i++)
		z += rng_unit();
	return z;
}

/* e^x without libm: 2^k * e^r with |r| <= ln2 / 2, e^r by its Taylor series */
static double my_exp(double x)
{
	const double ln2 = 0.6931471805599453;
	double k = (double)(long long)(x / ln2 + (x < 0 ? -0.5 : 0.5)), r = x - k * ln2;
	double term = 1.0, sum = 1.0;
	int i;

	for (i = 1; i < 25; i++) {
		term *= r / i;
		sum += term;
	}
	for (; k > 0; k--)
		sum *= 2.0;
	for (; k < 0; k++)
		sum /= 2.0;
	return sum;
}

/* floor(log2(v)) the slow, obvious way */
static unsigned int ref_log2(uint64_t v)
{
	unsigned int r = 0;

	while (v >>= 1)
		r++;
	return r;
}

/* ---- bucket boundaries ---- */

static void test_bucket_roundtrip(void **state)
{
	unsigned int i;

	for (i = 0; i < HC_HIST_OVERFLOW; i++) {
		uint64_t lo = hc_hist_lower(i), hi = hc_hist_upper(i);

		if (lo >= hi)
			fail_msg("bucket %u: lower %llu >= upper %llu", i, (unsigned long long)lo,
				 (unsigned long long)hi);
		if (hc_hist_bucket(lo) != i)
			fail_msg("bucket(lower(%u) = %llu) = %u", i, (unsigned long long)lo,
				 hc_hist_bucket(lo));
		if (hc_hist_bucket(hi - 1) != i)
			fail_msg("bucket(upper(%u) - 1 = %llu) = %u", i,
				 (unsigned long long)(hi - 1), hc_hist_bucket(hi - 1));
		/* [lower, upper) of consecutive buckets tile the number line */
		assert_int_equal(hi, hc_hist_lower(i + 1));
		/* one below the bucket belongs to the previous one */
		if (i > 0)
			assert_int_equal(hc_hist_bucket(lo - 1), i - 1);
	}
	/* and the overflow bucket is reached right after the last regular one */
	assert_int_equal(hc_hist_bucket(hc_hist_upper(HC_HIST_OVERFLOW - 1)), HC_HIST_OVERFLOW);
}

static void test_bucket_coverage(void **state)
{
	const uint64_t sixty_s = 60ULL * 1000 * 1000 * 1000;

	/* contiguous from 0: bucket 0 starts at 0 and 0 ns is distinguished from 1 ns */
	assert_int_equal(hc_hist_lower(0), 0);
	assert_int_equal(hc_hist_bucket(0), 0);
	assert_int_not_equal(hc_hist_bucket(1), hc_hist_bucket(0));
	assert_int_equal(hc_hist_upper(hc_hist_bucket(1)) - hc_hist_lower(hc_hist_bucket(1)), 1);
	/* 60 s still has a regular bucket of its own, below the overflow one */
	assert_true(hc_hist_bucket(sixty_s) < HC_HIST_OVERFLOW);
	assert_true(hc_hist_upper(HC_HIST_OVERFLOW - 1) > sixty_s);
	assert_true(hc_hist_lower(HC_HIST_OVERFLOW) > sixty_s);
	/* exact 1 ns buckets below 8 */
	for (unsigned int v = 0; v < 8; v++) {
		assert_int_equal(hc_hist_lower(hc_hist_bucket(v)), v);
		assert_int_equal(hc_hist_upper(hc_hist_bucket(v)), v + 1);
	}
}

static void test_bucket_relative_width(void **state)
{
	unsigned int i, checked = 0;

	for (i = 0; i < HC_HIST_OVERFLOW; i++) {
		uint64_t lo = hc_hist_lower(i), w = hc_hist_upper(i) - lo;

		if (lo < 8) {
			assert_int_equal(w, 1);
			continue;
		}
		/* at least 4 sub-buckets per power of two ... */
		if (4 * w > lo)
			fail_msg("bucket %u [%llu, +%llu) is wider than 1/4", i,
				 (unsigned long long)lo, (unsigned long long)w);
		/* ... and 8 by design (hist.h: "at most 1/8 = 12.5% wide") */
		if (8 * w > lo)
			fail_msg("bucket %u [%llu, +%llu) is wider than 1/8", i,
				 (unsigned long long)lo, (unsigned long long)w);
		checked++;
	}
	assert_true(checked > 100);
}

/* every value lies in [lower, upper) of its bucket, and buckets grow with the value */
static void test_bucket_contains_value(void **state)
{
	uint64_t v, prev_v = 0;
	unsigned int i, b, prev_b = 0;

	for (v = 0; v < 70000; v++) {
		b = hc_hist_bucket(v);
		assert_true(hc_hist_lower(b) <= v);
		assert_true(v < hc_hist_upper(b));
		assert_true(b >= prev_b);
		assert_true(b <= prev_b + 1); /* consecutive values never skip a bucket */
		prev_b = b;
	}
	rng_seed(42);
	for (i = 0; i < 200000; i++) {
		v = rng_next() >> (rng_next() % 64);
		b = hc_hist_bucket(v);
		assert_true(b < HC_HIST_BUCKETS);
		assert_true(hc_hist_lower(b) <= v);
		if (b != HC_HIST_OVERFLOW)
			assert_true(v < hc_hist_upper(b));
		if (v >= prev_v)
			assert_true(b >= hc_hist_bucket(prev_v));
		else
			assert_true(b <= hc_hist_bucket(prev_v));
		prev_v = v;
	}
}

static void test_log2_reference(void **state)
{
	uint64_t v;
	unsigned int k, i, n = 0;

	for (v = 1; v <= 70000; v++, n++)
		assert_int_equal(hc_log2_u64(v), ref_log2(v));
	for (k = 0; k < 64; k++) {
		uint64_t p = 1ULL << k;

		assert_int_equal(hc_log2_u64(p), k);
		assert_int_equal(hc_log2_u64(p + 1), ref_log2(p + 1));
		assert_int_equal(hc_log2_u64(p - 1 ? p - 1 : 1), ref_log2(p - 1 ? p - 1 : 1));
		assert_int_equal(hc_log2_u64(p | (p - 1)), k); /* all ones up to bit k */
		n += 4;
	}
	assert_int_equal(hc_log2_u64(UINT64_MAX), 63);
	assert_int_equal(hc_log2_u64(UINT64_MAX - 1), 63);
	assert_int_equal(hc_log2_u64(0xFFFFFFFFULL), 31);
	assert_int_equal(hc_log2_u64(0x100000000ULL), 32);
	rng_seed(7);
	for (i = 0; i < 500000; i++, n++) {
		v = rng_next() >> (rng_next() % 64);
		if (!v)
			v = 1;
		if (hc_log2_u64(v) != ref_log2(v))
			fail_msg("log2(%#llx) = %u, expected %u", (unsigned long long)v,
				 hc_log2_u64(v), ref_log2(v));
	}
	assert_true(n > 500000);
}

static void test_bucket_overflow(void **state)
{
	uint64_t ovf = hc_hist_lower(HC_HIST_OVERFLOW);
	unsigned int k;

	assert_int_equal(HC_HIST_OVERFLOW, HC_HIST_BUCKETS - 1);
	assert_int_equal(hc_hist_bucket(ovf), HC_HIST_OVERFLOW);
	assert_int_equal(hc_hist_bucket(ovf - 1), HC_HIST_OVERFLOW - 1);
	assert_int_equal(hc_hist_bucket(UINT64_MAX), HC_HIST_OVERFLOW);
	assert_int_equal(hc_hist_bucket(UINT64_MAX / 2), HC_HIST_OVERFLOW);
	for (k = 0; k < 64; k++) {
		uint64_t v = 1ULL << k;

		if (v >= ovf)
			assert_int_equal(hc_hist_bucket(v), HC_HIST_OVERFLOW);
		else
			assert_true(hc_hist_bucket(v) < HC_HIST_OVERFLOW);
	}
	/* the overflow bucket is open-ended */
	assert_int_equal(hc_hist_upper(HC_HIST_OVERFLOW), UINT64_MAX);
}

/* ---- quantiles ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* nearest rank: the ceil(p/100 * n)-th smallest, in integer arithmetic */
static uint64_t exact_quantile(const uint64_t *sorted, size_t n, unsigned int pct)
{
	size_t k = ((size_t)pct * n + 99) / 100;

	if (k < 1)
		k = 1;
	return sorted[k - 1];
}

static unsigned int bucket_distance(uint64_t a, uint64_t b)
{
	unsigned int x = hc_hist_bucket(a), y = hc_hist_bucket(b);

	return x > y ? x - y : y - x;
}

static void check_quantiles(const char *name, uint64_t *samples, size_t n)
{
	static const unsigned int pcts[] = { 1, 10, 25, 50, 75, 90, 95, 99, 100 };
	uint64_t hist[HC_HIST_BUCKETS] = { 0 }, prev = 0;
	size_t i;

	for (i = 0; i < n; i++)
		hist[hc_hist_bucket(samples[i])]++;
	assert_int_equal(hist__count(hist), n);
	qsort(samples, n, sizeof(*samples), cmp_u64);
	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		uint64_t want = exact_quantile(samples, n, pcts[i]);
		uint64_t got = hist__quantile(hist, pcts[i] / 100.0);

		if (bucket_distance(got, want) > 1)
			fail_msg("%s n=%zu p%u: got %llu (bucket %u), exact %llu (bucket %u)", name,
				 n, pcts[i], (unsigned long long)got, hc_hist_bucket(got),
				 (unsigned long long)want, hc_hist_bucket(want));
		/* never outside the range of the data's buckets */
		assert_true(got >= hc_hist_lower(hc_hist_bucket(samples[0])));
		assert_true(got < hc_hist_upper(hc_hist_bucket(samples[n - 1])) ||
			    hc_hist_bucket(samples[n - 1]) == HC_HIST_OVERFLOW);
		/* quantiles do not decrease with p */
		if (got < prev)
			fail_msg("%s: p%u = %llu below the previous quantile %llu", name, pcts[i],
				 (unsigned long long)got, (unsigned long long)prev);
		prev = got;
	}
}

#define NSAMPLES 20000

static void test_quantile_constant(void **state)
{
	static uint64_t s[NSAMPLES];
	uint64_t hist[HC_HIST_BUCKETS] = { 0 };
	const uint64_t c = 123457;
	size_t i;

	for (i = 0; i < NSAMPLES; i++)
		s[i] = c;
	check_quantiles("constant", s, NSAMPLES);
	/* one bucket holds everything: every quantile is in it */
	hist[hc_hist_bucket(c)] = NSAMPLES;
	assert_int_equal(hc_hist_bucket(hist__quantile(hist, 0.5)), hc_hist_bucket(c));
	assert_int_equal(hc_hist_bucket(hist__quantile(hist, 0.99)), hc_hist_bucket(c));
	assert_int_equal(hc_hist_bucket(hist__quantile(hist, 1.0)), hc_hist_bucket(c));
	/* exact buckets give exact answers */
	for (i = 0; i < 8; i++) {
		memset(hist, 0, sizeof(hist));
		hist[i] = 3;
		assert_int_equal(hist__quantile(hist, 0.5), i);
	}
}

static void test_quantile_uniform(void **state)
{
	static uint64_t s[NSAMPLES];
	size_t i;

	rng_seed(1);
	for (i = 0; i < NSAMPLES; i++)
		s[i] = 1000 + rng_next() % 999000; /* 1 us .. 1 ms */
	check_quantiles("uniform", s, NSAMPLES);
	rng_seed(2);
	for (i = 0; i < NSAMPLES; i++)
		s[i] = rng_next() % 64; /* the exact small buckets too */
	check_quantiles("uniform-small", s, NSAMPLES);
}

static void test_quantile_bimodal(void **state)
{
	static uint64_t s[NSAMPLES];
	size_t i;

	/* 90% around 100 us, 10% around 1 ms, shuffled, with a little jitter */
	rng_seed(3);
	for (i = 0; i < NSAMPLES; i++) {
		uint64_t base = rng_next() % 10 ? 100000 : 1000000;

		s[i] = base + rng_next() % (base / 20);
	}
	check_quantiles("bimodal", s, NSAMPLES);
	/* the exact 90/10 split, no jitter: p50 and p90 in the low mode, p99 in the high one */
	for (i = 0; i < NSAMPLES; i++)
		s[i] = i % 10 == 9 ? 1000000 : 100000;
	check_quantiles("bimodal-exact", s, NSAMPLES);
	{
		uint64_t hist[HC_HIST_BUCKETS] = { 0 };

		hist[hc_hist_bucket(100000)] = 900;
		hist[hc_hist_bucket(1000000)] = 100;
		assert_int_equal(hc_hist_bucket(hist__quantile(hist, 0.5)), hc_hist_bucket(100000));
		assert_int_equal(hc_hist_bucket(hist__quantile(hist, 0.9)), hc_hist_bucket(100000));
		assert_int_equal(hc_hist_bucket(hist__quantile(hist, 0.99)),
				 hc_hist_bucket(1000000));
	}
}

static void test_quantile_lognormal(void **state)
{
	static uint64_t s[NSAMPLES];
	size_t i;

	/* median ~50 us (e^10.82), sigma 1.5: spans ns to tens of ms */
	rng_seed(4);
	for (i = 0; i < NSAMPLES; i++)
		s[i] = (uint64_t)my_exp(10.82 + 1.5 * rng_normal());
	check_quantiles("lognormal", s, NSAMPLES);
	/* a wide one, median ~1 ms (e^13.8), reaching the overflow bucket */
	rng_seed(5);
	for (i = 0; i < NSAMPLES; i++) {
		double x = my_exp(13.8 + 6.0 * rng_normal());

		s[i] = x >= 1.8e19 ? UINT64_MAX : (uint64_t)x;
	}
	check_quantiles("lognormal-wide", s, NSAMPLES);
}

static void test_quantile_small_counts(void **state)
{
	uint64_t s[16];
	size_t n, i;

	/* nearest rank matters most with a handful of samples */
	rng_seed(6);
	for (n = 1; n <= 16; n++) {
		for (i = 0; i < n; i++)
			s[i] = 1000 + rng_next() % 100000;
		check_quantiles("small", s, n);
	}
}

/*
 * Every percentile of a two-valued distribution: with exactly k = ceil(p * n / 100) samples at
 * 1 us and the rest at 1 ms, the p-th percentile is 1 us (the k-th smallest); with one fewer
 * low sample it is 1 ms. A rank computed as p / 100.0 * n in floating point can land just above
 * an integer (0.07 * 100 = 7.000000000000001) and skip to the next sample, here 1000x away.
 */
static void test_quantile_every_percentile(void **state)
{
	static const uint64_t ns[] = { 25, 50, 100, 200, 300, 1000, 20000 };
	const uint64_t lo = 1000, hi = 1000000;
	unsigned int p, i, bad = 0;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		for (p = 1; p <= 100; p++) {
			uint64_t hist[HC_HIST_BUCKETS] = { 0 }, n = ns[i], k = (p * n + 99) / 100;
			uint64_t got;

			hist[hc_hist_bucket(lo)] = k;
			hist[hc_hist_bucket(hi)] = n - k;
			got = hist__quantile(hist, p / 100.0);
			if (hc_hist_bucket(got) != hc_hist_bucket(lo)) {
				if (bad++ < 5)
					print_message("n=%llu p%u: %d of %llu samples at %llu ns, "
						      "quantile %llu ns\n",
						      (unsigned long long)n, p, (int)k,
						      (unsigned long long)n, (unsigned long long)lo,
						      (unsigned long long)got);
				continue;
			}
			if (k < 2)
				continue;
			hist[hc_hist_bucket(lo)] = k - 1;
			hist[hc_hist_bucket(hi)] = n - k + 1;
			got = hist__quantile(hist, p / 100.0);
			if (hc_hist_bucket(got) != hc_hist_bucket(hi)) {
				if (bad++ < 5)
					print_message("n=%llu p%u: %d of %llu samples at %llu ns, "
						      "quantile %llu ns\n",
						      (unsigned long long)n, p, (int)k - 1,
						      (unsigned long long)n, (unsigned long long)lo,
						      (unsigned long long)got);
			}
		}
	}
	if (bad)
		fail_msg("%u percentiles off by a whole sample", bad);
}

static void test_quantile_empty(void **state)
{
	uint64_t hist[HC_HIST_BUCKETS] = { 0 };

	assert_int_equal(hist__count(hist), 0);
	assert_int_equal(hist__quantile(hist, 0.5), 0);
	assert_int_equal(hist__quantile(hist, 0.99), 0);
	assert_int_equal(hist__quantile(hist, 1.0), 0);
	assert_int_equal(hist__quantile(hist, 0.0), 0);
}

/* ---- snapshots ---- */

static void fill_cpu(struct hc_fstats *c, uint64_t base)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->calls = base + 1;
	c->errors = base + 2;
	c->sum_ns = base + 3;
	c->orphan_exits = base + 4;
	c->lost_exits = base + 5;
	c->depth_overflows = base + 6;
	for (i = 0; i < HC_HIST_BUCKETS; i++)
		c->hist[i] = base * i + i % 7;
}

static void test_snapshot_add_cpu(void **state)
{
	static struct hc_fstats cpu[3];
	static struct hc_snapshot sum;
	unsigned int i;

	fill_cpu(&cpu[0], 100);
	fill_cpu(&cpu[1], 2000);
	fill_cpu(&cpu[2], 30000);
	/* epoch 5 uses slot 1 */
	cpu[0].max_epoch[1] = 5; /* current: counts */
	cpu[0].max_ns[1] = 700;
	cpu[1].max_epoch[1] = 3; /* stale slot, from interval 3: must not count */
	cpu[1].max_ns[1] = 90000;
	cpu[1].max_epoch[0] = 4; /* the previous interval's slot: must not count */
	cpu[1].max_ns[0] = 80000;
	cpu[2].max_epoch[1] = 5;
	cpu[2].max_ns[1] = 650;
	cpu[2].max_epoch[0] = 5; /* a matching epoch, but in the other slot */
	cpu[2].max_ns[0] = 70000;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < 3; i++)
		snapshot__add_cpu(&sum, &cpu[i], 5);
	assert_int_equal(sum.calls, cpu[0].calls + cpu[1].calls + cpu[2].calls);
	assert_int_equal(sum.errors, cpu[0].errors + cpu[1].errors + cpu[2].errors);
	assert_int_equal(sum.sum_ns, cpu[0].sum_ns + cpu[1].sum_ns + cpu[2].sum_ns);
	assert_int_equal(sum.orphan_exits, 104 + 2004 + 30004);
	assert_int_equal(sum.lost_exits, 105 + 2005 + 30005);
	assert_int_equal(sum.depth_overflows, 106 + 2006 + 30006);
	for (i = 0; i < HC_HIST_BUCKETS; i++)
		assert_int_equal(sum.hist[i], cpu[0].hist[i] + cpu[1].hist[i] + cpu[2].hist[i]);
	assert_int_equal(sum.max_ns, 700);

	/* reading interval 4 takes slot 0, where only cpu 1 is tagged 4 */
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < 3; i++)
		snapshot__add_cpu(&sum, &cpu[i], 4);
	assert_int_equal(sum.max_ns, 80000);

	/* interval 7 (slot 1): nobody recorded anything yet */
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < 3; i++)
		snapshot__add_cpu(&sum, &cpu[i], 7);
	assert_int_equal(sum.max_ns, 0);
	assert_int_equal(sum.calls, cpu[0].calls + cpu[1].calls + cpu[2].calls);

	/* the order of the CPUs does not matter */
	memset(&sum, 0, sizeof(sum));
	for (i = 3; i-- > 0;)
		snapshot__add_cpu(&sum, &cpu[i], 5);
	assert_int_equal(sum.max_ns, 700);
}

static void test_snapshot_delta(void **state)
{
	static struct hc_snapshot prev, now, d;
	unsigned int i;

	memset(&prev, 0, sizeof(prev));
	memset(&now, 0, sizeof(now));
	prev.calls = 10;
	prev.errors = 1;
	prev.sum_ns = 5000;
	prev.max_ns = 999999; /* the previous interval's max is not this one's */
	prev.orphan_exits = 2;
	prev.lost_exits = 3;
	prev.depth_overflows = 4;
	now.calls = 25;
	now.errors = 6;
	now.sum_ns = 12000;
	now.max_ns = 800;
	now.orphan_exits = 2;
	now.lost_exits = 7;
	now.depth_overflows = 9;
	for (i = 0; i < HC_HIST_BUCKETS; i++) {
		prev.hist[i] = i;
		now.hist[i] = 3 * i + (i & 1);
	}
	memset(&d, 0xa5, sizeof(d));
	snapshot__delta(&d, &now, &prev);
	assert_int_equal(d.calls, 15);
	assert_int_equal(d.errors, 5);
	assert_int_equal(d.sum_ns, 7000);
	assert_int_equal(d.max_ns, 800);
	assert_int_equal(d.orphan_exits, 0);
	assert_int_equal(d.lost_exits, 4);
	assert_int_equal(d.depth_overflows, 5);
	for (i = 0; i < HC_HIST_BUCKETS; i++)
		assert_int_equal(d.hist[i], 2 * i + (i & 1));
	assert_int_equal(hist__count(d.hist), hist__count(now.hist) - hist__count(prev.hist));

	/* no change: all zero except the interval's own max */
	snapshot__delta(&d, &now, &now);
	assert_int_equal(d.calls, 0);
	assert_int_equal(hist__count(d.hist), 0);
	assert_int_equal(d.max_ns, 800);
}

static void test_snapshot_accumulate(void **state)
{
	static struct hc_snapshot acc, a, b, snaps[4], d;
	unsigned int i, k;

	memset(&acc, 0, sizeof(acc));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.calls = 3;
	a.errors = 1;
	a.sum_ns = 300;
	a.max_ns = 200;
	a.orphan_exits = 1;
	a.lost_exits = 2;
	a.depth_overflows = 3;
	a.hist[10] = 2;
	a.hist[HC_HIST_OVERFLOW] = 1;
	b.calls = 4;
	b.errors = 0;
	b.sum_ns = 40;
	b.max_ns = 15;
	b.lost_exits = 5;
	b.hist[10] = 1;
	b.hist[3] = 3;

	snapshot__accumulate(&acc, &a);
	snapshot__accumulate(&acc, &b);
	assert_int_equal(acc.calls, 7);
	assert_int_equal(acc.errors, 1);
	assert_int_equal(acc.sum_ns, 340);
	assert_int_equal(acc.max_ns, 200); /* the larger, not the last or the sum */
	assert_int_equal(acc.orphan_exits, 1);
	assert_int_equal(acc.lost_exits, 7);
	assert_int_equal(acc.depth_overflows, 3);
	assert_int_equal(acc.hist[10], 3);
	assert_int_equal(acc.hist[3], 3);
	assert_int_equal(acc.hist[HC_HIST_OVERFLOW], 1);
	assert_int_equal(hist__count(acc.hist), 7);

	/* a larger max later wins */
	b.max_ns = 5000;
	snapshot__accumulate(&acc, &b);
	assert_int_equal(acc.max_ns, 5000);

	/* summing the deltas of consecutive snapshots gives last - first */
	memset(snaps, 0, sizeof(snaps));
	for (k = 1; k < 4; k++) {
		snaps[k] = snaps[k - 1];
		snaps[k].calls += 10 * k;
		snaps[k].sum_ns += 1000 * k;
		snaps[k].max_ns = 100 * (4 - k);
		for (i = 0; i < HC_HIST_BUCKETS; i += 7)
			snaps[k].hist[i] += k;
	}
	memset(&acc, 0, sizeof(acc));
	for (k = 1; k < 4; k++) {
		snapshot__delta(&d, &snaps[k], &snaps[k - 1]);
		snapshot__accumulate(&acc, &d);
	}
	assert_int_equal(acc.calls, snaps[3].calls);
	assert_int_equal(acc.sum_ns, snaps[3].sum_ns);
	assert_int_equal(acc.max_ns, 300); /* the largest interval max */
	for (i = 0; i < HC_HIST_BUCKETS; i++)
		assert_int_equal(acc.hist[i], snaps[3].hist[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_roundtrip),
		cmocka_unit_test(test_bucket_coverage),
		cmocka_unit_test(test_bucket_relative_width),
		cmocka_unit_test(test_bucket_contains_value),
		cmocka_unit_test(test_log2_reference),
		cmocka_unit_test(test_bucket_overflow),
		cmocka_unit_test(test_quantile_constant),
		cmocka_unit_test(test_quantile_uniform),
		cmocka_unit_test(test_quantile_bimodal),
		cmocka_unit_test(test_quantile_lognormal),
		cmocka_unit_test(test_quantile_small_counts),
		cmocka_unit_test(test_quantile_every_percentile),
		cmocka_unit_test(test_quantile_empty),
		cmocka_unit_test(test_snapshot_add_cpu),
		cmocka_unit_test(test_snapshot_delta),
		cmocka_unit_test(test_snapshot_accumulate),
	};

	return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
