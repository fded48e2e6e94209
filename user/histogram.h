/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-function counters as user space sees them: the per-CPU BPF values summed, and the
 * difference between two snapshots (the kernel side never resets anything, so intervals
 * are deltas and nothing races with the probes).
 */
#ifndef HC_HISTOGRAM_H
#define HC_HISTOGRAM_H

#include <stdint.h>
#include "hotcanary.h"

struct hc_snapshot {
	uint64_t calls;
	uint64_t errors;
	uint64_t sum_ns;
	uint64_t max_ns;
	uint64_t orphan_exits;
	uint64_t lost_exits;
	uint64_t depth_overflows;
	uint64_t hist[HC_HIST_BUCKETS];
};

/* add one CPU's counters; max_ns is that of interval @epoch only */
void snapshot__add_cpu(struct hc_snapshot *sum, const struct hc_fstats *cpu, uint32_t epoch);
/* @out = @now - @prev for every counter; max_ns is taken from @now as it is per interval */
void snapshot__delta(struct hc_snapshot *out, const struct hc_snapshot *now,
		     const struct hc_snapshot *prev);
/* @acc += @d, keeping the larger max_ns */
void snapshot__accumulate(struct hc_snapshot *acc, const struct hc_snapshot *d);

uint64_t hist__count(const uint64_t *hist);
/*
 * The q-quantile (0 < q <= 1) of a bucketed distribution, interpolated linearly inside the
 * bucket that holds it; 0 for an empty histogram. The true value lies in the same bucket.
 */
uint64_t hist__quantile(const uint64_t *hist, double q);

#endif
