/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Before/after statistics of one function in two recordings, in the manner of benchstat
 * [stats §9]: pure functions, no I/O, no printing. "[stats §N]" cites section N of
 * tools/docs/design/statistics.md.
 *
 * The unit of inference is the window, not the call. Calls are neither independent nor
 * identically distributed (bursts, preemption, drift within a recording), and with tens of
 * thousands of them a per-call test calls any shift significant [stats §1]. So:
 *  - the estimate of a quantile is that of the recording's pooled histogram;
 *  - its confidence interval comes from a block bootstrap that draws whole windows with
 *    replacement, sums their histograms and takes the quantile again [stats §2]; the delta's
 *    interval is the percentile interval of the B / A ratios of paired draws;
 *  - the p-value is a two-sided Mann-Whitney U test of A's per-window values against B's
 *    [stats §4], with n the number of windows on each side.
 * A delta is significant when p < alpha and its whole confidence interval lies beyond a
 * noise threshold, +-1% by default (Criterion.rs's rule [stats §9]): with thousands of calls per
 * window, per-window quantiles are so stable that a 0.1% shift of an unchanged function
 * (cache placement, the other function's new timing) would otherwise count, and a quantile
 * interpolated inside a 6-12% wide bucket means nothing at that scale [stats §2]. The bootstrap
 * uses a fixed seed: the same two files always give the same report.
 */
#ifndef HC_COMPARISON_H
#define HC_COMPARISON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "recording.h"

enum comparison_metric {
	CMP_P50,
	CMP_P90,
	CMP_P99,
	CMP_RATE, /* calls per second */
	CMP_NMETRICS,
};

/* --match OLD=NEW: a function of A paired with one of B by name */
struct comparison_match {
	const char *a;
	const char *b;
};

struct comparison_opts {
	double alpha;		/* significance level of the test, 0.05 */
	double conf;		/* confidence level of the intervals, 0.95 */
	double threshold;	/* noise threshold: smaller changes never count, 0.01 */
	unsigned int resamples; /* bootstrap draws, 2000 */
	uint64_t seed;
	/* compare's --match OLD=NEW pairs, for comparison__pair() */
	const struct comparison_match *matches;
	size_t nr_matches;
};

/* benchstat's defaults, and a seed */
#define COMPARISON_OPTS_DEFAULT                                                    \
	{                                                                          \
		.alpha = 0.05, .conf = 0.95, .threshold = 0.01, .resamples = 2000, \
		.seed = 0x686f7463616e6172ULL                                      \
	}

/* fewer windows with calls than this on a side cannot give p < 0.05 (benchstat's rule) */
#define COMPARISON_MIN_WINDOWS 4

struct comparison_value {
	bool valid;	   /* both sides had data for this metric */
	double a, b;	   /* ns for the quantiles, calls/s for the rate */
	double a_lo, a_hi; /* bootstrap interval of each side */
	double b_lo, b_hi;
	double delta; /* b / a - 1 */
	double delta_lo, delta_hi;
	double p;      /* two-sided Mann-Whitney over the per-window values */
	size_t na, nb; /* windows in the test */
	bool significant;
};

struct comparison {
	struct comparison_value m[CMP_NMETRICS];
	uint64_t calls_a, calls_b;
	size_t windows_a, windows_b; /* windows with at least one call */
};

const char *comparison__metric_name(enum comparison_metric m);

/*
 * Compare function @fa of @a (before) with function @fb of @b (after). 0, -EINVAL for bad
 * options or indexes, -ENOMEM.
 */
int comparison__func(const struct recording *a, size_t fa, const struct recording *b, size_t fb,
		     const struct comparison_opts *opts, struct comparison *out);

/*
 * The geometric means of a metric's A and B values over the @n comparisons where it is
 * valid, and their ratio - 1 (benchstat's geomean row). 0, or -ENODATA when none is.
 */
int comparison__geomean(const struct comparison *c, size_t n, enum comparison_metric m, double *ga,
			double *gb, double *delta);

struct comparison_pair {
	size_t fa, fb; /* the function's index in A and in B */
};

/*
 * Pair the functions of @a with those of @b. First @matches: OLD names a function of A and
 * NEW one of B, each as recorded (with or without its @PID) or by its bare symbol when that
 * is unique. Then each remaining function with the same FUNC in the other recording, then
 * with the same function (kind, binary and symbol) recorded in another process: a PID tells
 * where a function ran, not what it is. *@pairs is malloc'ed, in A's order after the
 * matches. 0, -ENOMEM, or -EINVAL with @err naming the --match that names nothing or more
 * than one function.
 */
int comparison__pair(const struct recording *a, const struct recording *b,
		     const struct comparison_match *matches, size_t nr_matches,
		     struct comparison_pair **pairs, size_t *nr, char *err, size_t errlen);

/*
 * What a reader must know before trusting the comparison, one line each: different kernels,
 * probe modes, hosts or window lengths; the functions only one side has (given the @pairs of
 * comparison__pair()), paired functions from different binaries; too few windows or calls,
 * lost returns. *@lines is malloc'ed (free with comparison__free_lines()).
 */
int comparison__warnings(const struct recording *a, const char *name_a, const struct recording *b,
			 const char *name_b, const struct comparison_pair *pairs, size_t nr_pairs,
			 char ***lines, size_t *nr);
void comparison__free_lines(char **lines, size_t nr);

#endif
