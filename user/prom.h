/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus metrics in the text exposition format (version 0.0.4), for node_exporter's
 * textfile collector: per-function counters and latency histograms, and a rollout's stage,
 * state and last decision as labelled gauges. prom__format() is a pure function of its input
 * and writes to any FILE; prom__write_file() replaces a file atomically (temporary file in
 * the same directory, then rename(2)), so the collector never reads half a file.
 *
 *   hotcanary_function_calls_total{function="F"}             counter
 *   hotcanary_function_errors_total{function="F"}            counter
 *   hotcanary_function_latency_seconds_bucket{function="F",le="..."}, _sum, _count  histogram
 *   hotcanary_rollout_stage{rollout="R",stage="S"}           gauge: 1-based stage, 0 before
 *   hotcanary_rollout_stages{rollout="R"}                    gauge: how many stages
 *   hotcanary_rollout_state{rollout="R",state="X"}           gauge: 1 for the current state
 *                                                            (0 for the others listed)
 *   hotcanary_rollout_last_decision{rollout="R",decision="D"} gauge: 1
 *   hotcanary_rollout_last_decision_timestamp_seconds{rollout="R"}  gauge: Unix time
 */
#ifndef HC_PROM_H
#define HC_PROM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "histogram.h"

struct prom_func {
	const char *name;		 /* label function="": the FUNC spec */
	const struct hc_snapshot *total; /* counters since the start */
};

struct prom_rollout {
	const char *name;	  /* label rollout="": the policy's name */
	const char *stage;	  /* the current stage's name; NULL before the first */
	unsigned int stage_index; /* 1-based; 0 before the first stage */
	unsigned int stage_count;
	const char *state; /* e.g. "baseline", "canary", "committed", "rolled-back" */
	/* every state the rollout can be in, so that each has a series (0 or 1); may be NULL */
	const char *const *states;
	size_t nr_states;
	const char *decision;	/* the last one, e.g. "continue"; NULL if none yet */
	double decision_unix_s; /* when it was taken (CLOCK_REALTIME) */
};

/*
 * The metrics of @nr functions and, if @rollout is not NULL, of a rollout. 0, -EINVAL for a
 * NULL name or snapshot, -EIO if writing failed.
 */
int prom__format(FILE *out, const struct prom_func *funcs, size_t nr,
		 const struct prom_rollout *rollout);
/* the same into @path, replaced atomically (the file is readable by all, as the collector
 * may run as another user); -errno */
int prom__write_file(const char *path, const struct prom_func *funcs, size_t nr,
		     const struct prom_rollout *rollout);

/* the le bounds of the histogram, in ns, ascending (+Inf excluded); returns how many */
size_t prom__bucket_bounds(const uint64_t **bounds);

#endif
