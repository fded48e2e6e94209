// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <string.h>
#include "histogram.h"

void snapshot__add_cpu(struct hc_snapshot *sum, const struct hc_fstats *cpu, uint32_t epoch)
{
	unsigned int i, slot = epoch & 1;

	sum->calls += cpu->calls;
	sum->errors += cpu->errors;
	sum->sum_ns += cpu->sum_ns;
	if (cpu->max_epoch[slot] == epoch && cpu->max_ns[slot] > sum->max_ns)
		sum->max_ns = cpu->max_ns[slot];
	sum->orphan_exits += cpu->orphan_exits;
	sum->lost_exits += cpu->lost_exits;
	sum->depth_overflows += cpu->depth_overflows;
	for (i = 0; i < HC_HIST_BUCKETS; i++)
		sum->hist[i] += cpu->hist[i];
}

void snapshot__delta(struct hc_snapshot *out, const struct hc_snapshot *now,
		     const struct hc_snapshot *prev)
{
	unsigned int i;

	out->calls = now->calls - prev->calls;
	out->errors = now->errors - prev->errors;
	out->sum_ns = now->sum_ns - prev->sum_ns;
	out->max_ns = now->max_ns;
	out->orphan_exits = now->orphan_exits - prev->orphan_exits;
	out->lost_exits = now->lost_exits - prev->lost_exits;
	out->depth_overflows = now->depth_overflows - prev->depth_overflows;
	for (i = 0; i < HC_HIST_BUCKETS; i++)
		out->hist[i] = now->hist[i] - prev->hist[i];
}

void snapshot__accumulate(struct hc_snapshot *acc, const struct hc_snapshot *d)
{
	unsigned int i;

	acc->calls += d->calls;
	acc->errors += d->errors;
	acc->sum_ns += d->sum_ns;
	if (d->max_ns > acc->max_ns)
		acc->max_ns = d->max_ns;
	acc->orphan_exits += d->orphan_exits;
	acc->lost_exits += d->lost_exits;
	acc->depth_overflows += d->depth_overflows;
	for (i = 0; i < HC_HIST_BUCKETS; i++)
		acc->hist[i] += d->hist[i];
}

uint64_t hist__count(const uint64_t *hist)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < HC_HIST_BUCKETS; i++)
		n += hist[i];
	return n;
}

uint64_t hist__quantile(const uint64_t *hist, double q)
{
	uint64_t total = hist__count(hist), seen = 0, lo, hi;
	double rank, frac;
	unsigned int i;

	if (!total)
		return 0;
	if (q <= 0)
		q = 1e-9;
	if (q > 1)
		q = 1;
	/* the rank-th smallest sample, 1-based, as in the nearest-rank definition */
	rank = q * (double)total;
	/* 0.07 * 100 is 7.000000000000001: that is rank 7, not a step into the next sample */
	if (fabs(rank - round(rank)) <= 1e-9 * rank)
		rank = round(rank);
	for (i = 0; i < HC_HIST_BUCKETS; i++) {
		if (!hist[i])
			continue;
		if ((double)(seen + hist[i]) >= rank)
			break;
		seen += hist[i];
	}
	if (i == HC_HIST_BUCKETS)
		i = HC_HIST_BUCKETS - 1;
	lo = hc_hist_lower(i);
	hi = i == HC_HIST_OVERFLOW ? lo : hc_hist_upper(i);
	/* samples spread evenly across the bucket: the k-th of n sits at (k - 0.5) / n */
	frac = (rank - (double)seen - 0.5) / (double)hist[i];
	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	return lo + (uint64_t)((double)(hi - lo) * frac);
}
