/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The power of a stage, before the run: from windows of a function's calls as they are (a
 * recording, or windows drawn to a given call rate), how often the judge passes a harmless
 * patch in that stage, and the smallest slowdown at p50 and at p99 it catches in most runs.
 * It drives the judge's own code (judge.c) on windows resampled from the sample, in blocks
 * so that bursts and drift stay as they were. Pure logic, no I/O: 'check' reports it.
 */
#ifndef HC_POWER_H
#define HC_POWER_H

#include <stddef.h>
#include <stdint.h>
#include "histogram.h"
#include "judge.h"

/* the most calls a second power__synth() draws: 300 windows of them take a second */
#define POWER_MAX_RATE 100000

/* the share of runs a slowdown must be caught in to count as detectable */
#define POWER_DETECT   0.9
/* the slowdowns tried, smallest first; none of them caught: power_result.detect 0 */
#define POWER_NFACTORS 8

struct power_input {
	struct judge_config cfg;    /* as the rollout judges the function (rollout__judge_config) */
	unsigned int base_windows;  /* baseline windows */
	unsigned int stage_windows; /* the stage's windows, an extension not counted */
	const struct hc_snapshot *sample; /* the function's windows, as they are */
	size_t nr_sample;
	unsigned int runs; /* simulated runs per point, >= 10 */
	uint64_t seed;
};

struct power_result {
	double pass, fail, hold; /* shares of harmless runs: passed, failed, neither */
	double detect[2];	 /* p50, p99: the smallest factor caught in POWER_DETECT
					 * of runs within the stage, or 0 if none up to 100x */
};

/*
 * Simulate @in->runs harmless runs of the stage and, per quantile, slowdowns from the
 * factor table up; 0, -EINVAL (no sample, too few runs, a bad configuration) or -ENOMEM.
 */
int power__stage(const struct power_input *in, struct power_result *out);

/*
 * @n windows of independent calls: Poisson @rate calls each, log-normal latency of median
 * @median_ns and log sd @sigma, from @seed. What 'check --calls-per-second' judges when no
 * recording shows the real calls; 0 or -EINVAL.
 */
int power__synth(double rate, double median_ns, double sigma, uint64_t seed,
		 struct hc_snapshot *out, size_t n);

#endif
