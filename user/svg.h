/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pictures of latency distributions as SVG: per function, two histograms overlaid on a log
 * time axis with their p50 and p99 marked, axis labels and a legend. The drawing is a pure
 * function of its input; it writes to any FILE (a memstream in the tests), and
 * svg__write_file() puts it in place atomically.
 */
#ifndef HC_SVG_H
#define HC_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct svg_dist {
	const char *label;    /* legend: "A before.json", "baseline" */
	const uint64_t *hist; /* HC_HIST_BUCKETS counts (bpf/hist.h) */
	uint64_t max_ns;      /* the largest call, 0 if unknown: caps the quantile marks */
};

struct svg_panel {
	const char *title;    /* the function */
	const char *note;     /* a line under the title, e.g. the deltas; NULL for none */
	struct svg_dist a, b; /* drawn in blue and orange */
};

/* one panel per function, stacked; @title heads the picture. 0, -EINVAL (no panel), -EIO */
int svg__compare(FILE *out, const char *title, const struct svg_panel *panels, size_t n);
/* the same into @path through a temporary file and rename(2); -errno */
int svg__write_file(const char *path, const char *title, const struct svg_panel *panels, size_t n);

#endif
