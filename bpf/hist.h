/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Log-linear latency buckets, shared by the BPF programs and user space so that both agree
 * on every boundary. Each power of two is split into HC_HIST_SUB sub-buckets (HDR-histogram
 * style), so a bucket is at most 1/8 = 12.5% wide: fine enough to tell a 20% regression at
 * p50 while the bucket index stays a few shifts, with no loop and no division in BPF.
 *
 *   v < 8                 bucket v (exact, 1 ns wide)
 *   2^b <= v < 2^(b+1)    bucket (b - 2) * 8 + ((v >> (b - 3)) & 7), for 3 <= b <= 38
 *   v >= 2^39 (~550 s)    the overflow bucket, HC_HIST_BUCKETS - 1
 */
#ifndef HOTCANARY_HIST_H
#define HOTCANARY_HIST_H

#define HC_HIST_SUB_BITS 3
#define HC_HIST_SUB	 (1U << HC_HIST_SUB_BITS)
#define HC_HIST_MAX_LOG2 38
/* exact buckets, then HC_HIST_SUB per power of two from 2^3 to 2^38, then overflow */
#define HC_HIST_BUCKETS	 (((HC_HIST_MAX_LOG2 - HC_HIST_SUB_BITS + 2) << HC_HIST_SUB_BITS) + 1)
#define HC_HIST_OVERFLOW (HC_HIST_BUCKETS - 1)

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* floor(log2(v)) for v > 0, as a branchless cascade: the BPF ISA has no clz instruction */
static __always_inline unsigned int hc_log2_u64(unsigned long long v)
{
	unsigned int r, shift;

	r = (v > 0xFFFFFFFFULL) << 5;
	v >>= r;
	shift = (v > 0xFFFF) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (unsigned int)(v >> 1);
	return r;
}

static __always_inline unsigned int hc_hist_bucket(unsigned long long v)
{
	unsigned int b;

	if (v < HC_HIST_SUB)
		return (unsigned int)v;
	b = hc_log2_u64(v);
	if (b > HC_HIST_MAX_LOG2)
		return HC_HIST_OVERFLOW;
	return ((b - HC_HIST_SUB_BITS + 1) << HC_HIST_SUB_BITS) +
	       (unsigned int)((v >> (b - HC_HIST_SUB_BITS)) & (HC_HIST_SUB - 1));
}

/* smallest value that lands in bucket @idx */
static __always_inline unsigned long long hc_hist_lower(unsigned int idx)
{
	unsigned int b;

	if (idx < HC_HIST_SUB)
		return idx;
	if (idx >= HC_HIST_OVERFLOW)
		return 1ULL << (HC_HIST_MAX_LOG2 + 1);
	b = (idx >> HC_HIST_SUB_BITS) + HC_HIST_SUB_BITS - 1;
	return (unsigned long long)(HC_HIST_SUB + (idx & (HC_HIST_SUB - 1)))
	       << (b - HC_HIST_SUB_BITS);
}

/* first value above bucket @idx: buckets are [lower, upper) */
static __always_inline unsigned long long hc_hist_upper(unsigned int idx)
{
	if (idx >= HC_HIST_OVERFLOW)
		return ~0ULL;
	return hc_hist_lower(idx + 1);
}

#endif /* HOTCANARY_HIST_H */
