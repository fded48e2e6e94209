// SPDX-License-Identifier: GPL-2.0
/*
 * user/judge.c end to end: log-normal latencies bucketed with bpf/hist.h, per-call errors, in
 * both designs (baseline before activation, and a concurrent control arm).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rng.h"
#include "hist.h"
#include "histogram.h"
#include "judge.h"

/* what a function does in one window */
struct load {
	unsigned int calls;
	double median_ns; /* log-normal latency: median and sigma of the log */
	double sigma;
	double err_rate;
	double add_ns; /* added to every call, like the "slow" VM scenario */
};

static const struct load normal_load = { 1000, 50000, 0.5, 0.01, 0 };

/* the per-window latency tests */
static const enum judge_metric quantiles[3] = { JUDGE_P50, JUDGE_P90, JUDGE_P99 };

/* one window's counters, as snapshot__delta() would give them */
static void make_window(struct hc_snapshot *s, const struct load *l)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < l->calls; i++) {
		double ns = l->median_ns * exp(l->sigma * rng_normal()) + l->add_ns;

		s->calls++;
		s->errors += rng_unit() < l->err_rate;
		s->sum_ns += (uint64_t)ns;
		s->hist[hc_hist_bucket((uint64_t)ns)]++;
	}
}

static struct hc_snapshot win_c, win_r;

/*
 * One stage: @nbase baseline windows of @base, then @nwin windows of @canary (and, in the
 * concurrent design, of @base for the control arm). Returns the first window that FAILed,
 * 0 if none; the end-of-stage result in @res.
 */
static unsigned int run_stage(struct judge *j, const struct load *base, const struct load *canary,
			      unsigned int nbase, unsigned int nwin, struct judge_result *res)
{
	unsigned int w, first_fail = 0;

	for (w = 0; w < nbase; w++) {
		make_window(&win_r, base);
		assert_int_equal(judge__add_baseline(j, &win_r), 0);
	}
	for (w = 1; w <= nwin; w++) {
		bool concurrent = j->cfg.design == JUDGE_CONCURRENT;

		make_window(&win_c, canary);
		if (concurrent)
			make_window(&win_r, base);
		assert_int_equal(judge__window(j, &win_c, concurrent ? &win_r : NULL, res), 0);
		if (res->verdict == JUDGE_FAIL && !first_fail)
			first_fail = w;
		if (res->verdict != JUDGE_FAIL)
			assert_int_equal(res->verdict, JUDGE_PENDING);
	}
	assert_int_equal(judge__finish(j, res), 0);
	return first_fail;
}

static void init(struct judge *j, enum judge_design design, const char *name)
{
	struct judge_config cfg;

	judge__config_defaults(&cfg);
	cfg.design = design;
	assert_int_equal(judge__init(j, name, &cfg), 0);
}

static void show(const struct judge_result *res)
{
	int m;

	for (m = 0; m < JUDGE_NMETRICS; m++) {
		const struct judge_decision *d = &res->d[m];

		print_message("    %-30s %-12s obs %-9.4g limit %-6.4g CI [%.4g, %.4g] p %.3g "
			      "E %.3g/%.3g%s%s\n",
			      judge__metric_name(d->metric), judge__verdict_name(d->verdict),
			      d->observed, d->limit, d->ci_lo, d->ci_hi, d->p_value, d->e_value,
			      d->e_bar, d->note ? " " : "", d->note ? d->note : "");
	}
}

/* every decision names the function and its metric, and says what the evidence was */
static void check_decisions(const struct judge_result *res, const char *name)
{
	int m;

	for (m = 0; m < JUDGE_NMETRICS; m++) {
		const struct judge_decision *d = &res->d[m];

		assert_string_equal(d->function, name);
		assert_int_equal(d->metric, m);
		assert_false(isnan(d->limit));
		if (d->verdict == JUDGE_NODATA)
			continue;
		if (m == JUDGE_ERRORS_SEQ) {
			assert_false(isnan(d->e_value));
			assert_false(isnan(d->e_bar));
		}
		if (m == JUDGE_ERRORS && d->verdict != JUDGE_PENDING) {
			assert_false(isnan(d->p_value));
			assert_false(isnan(d->ci_lo));
			assert_false(isnan(d->ci_hi));
			assert_true(d->ci_lo <= d->ci_hi);
		}
		/* the window tests: e-values, and at a stage's end an interval around the estimate */
		if ((m == JUDGE_P50 || m == JUDGE_P90 || m == JUDGE_P99) && d->windows) {
			assert_false(isnan(d->e_value));
			if (d->verdict == JUDGE_PASS || d->verdict == JUDGE_INCONCLUSIVE)
				assert_false(isnan(d->ci_lo));
			if (!isnan(d->ci_lo))
				assert_true(d->ci_lo <= d->observed && d->observed <= d->ci_hi);
		}
		if (d->verdict == JUDGE_FAIL)
			assert_true(d->observed > d->limit);
	}
}

static void test_unchanged_passes(void **state)
{
	static const enum judge_design designs[] = { JUDGE_BEFORE_AFTER, JUDGE_CONCURRENT };
	struct judge_result res;
	struct judge j;
	int i, m;

	for (i = 0; i < 2; i++) {
		rng_seed(1 + i);
		init(&j, designs[i], "kernel:cmdline_proc_show");
		assert_int_equal(run_stage(&j, &normal_load, &normal_load, 20, 30, &res), 0);
		check_decisions(&res, "kernel:cmdline_proc_show");
		assert_int_equal(res.verdict, JUDGE_PASS);
		assert_int_equal(res.reason, -1);
		/* the rare-call test had no call to judge */
		for (m = 0; m < JUDGE_NMETRICS; m++)
			if (m != JUDGE_RARE)
				assert_int_equal(res.d[m].verdict, JUDGE_PASS);
		/* the p50 ratio is about 1, and its CI says so */
		assert_true(res.d[JUDGE_P50].observed > 0.97 && res.d[JUDGE_P50].observed < 1.03);
		assert_true(res.d[JUDGE_P50].ci_lo < 1 && res.d[JUDGE_P50].ci_hi > 1);
		assert_true(res.d[JUDGE_P50].ci_hi < 1.10);
		/* so are the tail ratios, with intervals inside their limits (1.10, 1.25) */
		for (m = 1; m < 3; m++) {
			const struct judge_decision *d = &res.d[quantiles[m]];

			assert_true(d->observed > 0.95 && d->observed < 1.05);
			assert_true(d->ci_lo < 1 && d->ci_hi > 1);
			assert_true(d->ci_hi < d->limit);
		}
		judge__free(&j);
	}
}

/* 20% slower against max_p50_ratio 1.10: the end-of-stage p50 test shows it beyond the limit */
static void test_slower_fails(void **state)
{
	static const enum judge_design designs[] = { JUDGE_BEFORE_AFTER, JUDGE_CONCURRENT };
	struct load slow = normal_load;
	struct judge_result res;
	struct judge j;
	int i;

	slow.median_ns *= 1.20;
	for (i = 0; i < 2; i++) {
		rng_seed(10 + i);
		init(&j, designs[i], "kernel:slow");
		run_stage(&j, &normal_load, &slow, 20, 30, &res);
		show(&res);
		check_decisions(&res, "kernel:slow");
		assert_int_equal(res.verdict, JUDGE_FAIL);
		assert_int_equal(res.d[JUDGE_P50].verdict, JUDGE_FAIL);
		assert_true(res.d[JUDGE_P50].observed > 1.15 && res.d[JUDGE_P50].observed < 1.25);
		assert_true(res.d[JUDGE_P50].ci_lo > 1.10);
		assert_true(res.d[JUDGE_P50].e_value >= res.d[JUDGE_P50].e_bar);
		assert_true(res.d[JUDGE_P50].limit == 1.10);
		/* nothing else is wrong */
		assert_int_equal(res.d[JUDGE_ERRORS].verdict, JUDGE_PASS);
		assert_int_equal(res.d[JUDGE_ERRORS_SEQ].verdict, JUDGE_PASS);
		judge__free(&j);
	}
}

/* 5% slower is within max_p50_ratio 1.10: no test may call it a failure */
static void test_within_limit_passes(void **state)
{
	static const enum judge_design designs[] = { JUDGE_BEFORE_AFTER, JUDGE_CONCURRENT };
	struct load bit_slow = normal_load;
	struct judge_result res;
	struct judge j;
	int i;

	bit_slow.median_ns *= 1.05;
	for (i = 0; i < 2; i++) {
		rng_seed(20 + i);
		init(&j, designs[i], "kernel:bit_slow");
		assert_int_equal(run_stage(&j, &normal_load, &bit_slow, 20, 30, &res), 0);
		assert_int_equal(res.verdict, JUDGE_PASS);
		assert_true(res.d[JUDGE_P50].observed > 1.02 && res.d[JUDGE_P50].observed < 1.08);
		judge__free(&j);
	}
}

/*
 * the "slow" VM scenario: +1 ms on a 50 us function fails in the first windows, not at the
 * end. Window 2, not 1: no single window may decide alone (bursts come one window at a time).
 */
static void test_gross_regression_fails_fast(void **state)
{
	static const enum judge_design designs[] = { JUDGE_BEFORE_AFTER, JUDGE_CONCURRENT };
	struct load ms = normal_load;
	struct judge_result res;
	struct judge j;
	unsigned int first;
	int i;

	ms.add_ns = 1e6;
	for (i = 0; i < 2; i++) {
		rng_seed(30 + i);
		init(&j, designs[i], "kernel:ms");
		first = run_stage(&j, &normal_load, &ms, 20, 30, &res);
		print_message("    +1 ms: first FAIL in window %u\n", first);
		assert_true(first == 2);
		assert_int_equal(res.verdict, JUDGE_FAIL);
		assert_int_equal(res.d[JUDGE_P50].verdict, JUDGE_FAIL);
		assert_int_equal(res.d[JUDGE_P99].verdict, JUDGE_FAIL);
		assert_true(res.d[JUDGE_P99].e_value >= res.d[JUDGE_P99].e_bar);
		judge__free(&j);
	}
	/*
	 * Concurrent with no baseline window: nothing says how far two windows of like arms
	 * differ, so the window tests cannot judge; the stage is inconclusive, never a pass.
	 */
	rng_seed(32);
	init(&j, JUDGE_CONCURRENT, "kernel:ms");
	first = run_stage(&j, &normal_load, &ms, 0, 30, &res);
	assert_int_equal(first, 0);
	assert_int_equal(res.verdict, JUDGE_INCONCLUSIVE);
	assert_int_equal(res.d[JUDGE_P50].verdict, JUDGE_INCONCLUSIVE);
	judge__free(&j);
}

/*
 * Twice the errors against max_error_ratio 1.5. FAIL needs evidence that the ratio is above
 * 1.5, not merely above 1, at the test's share of alpha (0.01 / 7): with a 1% baseline rate
 * the power depends on the error counts. Normal approximation of the conditional test,
 * z = ln(2 / 1.5) / sqrt(1 / xb + 1 / xc) against z_{1 - 0.01/7} = 2.98:
 *   1000 calls a window: 200 baseline, 600 canary errors, z = 3.5, power 72%;
 *   3000 calls a window: 600 baseline, 1800 canary errors, z = 6.1, power 99.9%.
 * So 3000 calls must FAIL; 1000 calls must FAIL or be INCONCLUSIVE (estimate above the limit,
 * not yet shown), never PASS.
 */
static void test_double_errors_fail(void **state)
{
	static const enum judge_design designs[] = { JUDGE_BEFORE_AFTER, JUDGE_CONCURRENT };
	struct load base = normal_load, errs = normal_load;
	struct judge_result res;
	struct judge j;
	unsigned int first;
	int i;

	base.calls = errs.calls = 3000;
	errs.err_rate = 0.02;
	for (i = 0; i < 2; i++) {
		rng_seed(40 + i);
		init(&j, designs[i], "kernel:errs");
		first = run_stage(&j, &base, &errs, 20, 30, &res);
		print_message("    2x errors: first FAIL in window %u\n", first);
		show(&res);
		check_decisions(&res, "kernel:errs");
		assert_int_equal(res.verdict, JUDGE_FAIL);
		assert_int_equal(res.d[JUDGE_ERRORS].verdict, JUDGE_FAIL);
		assert_true(res.d[JUDGE_ERRORS].observed > 1.7);
		assert_true(res.d[JUDGE_ERRORS].observed < 2.3);
		assert_true(res.d[JUDGE_ERRORS].ci_lo > 1.5);
		/* the latency did not change */
		assert_int_equal(res.d[JUDGE_P50].verdict, JUDGE_PASS);
		assert_int_equal(res.d[JUDGE_P99].verdict, JUDGE_PASS);
		judge__free(&j);
	}
	errs.calls = 1000;
	for (i = 0; i < 10; i++) {
		rng_seed(140 + i);
		init(&j, designs[i % 2], "kernel:errs");
		run_stage(&j, &normal_load, &errs, 20, 30, &res);
		assert_true(res.verdict == JUDGE_FAIL || res.verdict == JUDGE_INCONCLUSIVE);
		assert_true(res.d[JUDGE_ERRORS].verdict != JUDGE_PASS);
		judge__free(&j);
	}
	/* the "errors" VM scenario: -EIO on 20% of calls fails in the first window */
	errs.err_rate = 0.20;
	for (i = 0; i < 2; i++) {
		rng_seed(42 + i);
		init(&j, designs[i], "kernel:eio");
		first = run_stage(&j, &normal_load, &errs, 20, 30, &res);
		assert_int_equal(first, 1);
		assert_int_equal(res.d[JUDGE_ERRORS_SEQ].verdict, JUDGE_FAIL);
		judge__free(&j);
	}
}

static void test_too_few_calls(void **state)
{
	struct load rare = normal_load;
	struct judge_result res;
	struct judge j;
	int m;

	/* 5 calls a window for 30 windows: 150 < min_calls 200 */
	rare.calls = 5;
	rng_seed(50);
	init(&j, JUDGE_BEFORE_AFTER, "kernel:rare");
	assert_int_equal(run_stage(&j, &normal_load, &rare, 20, 30, &res), 0);
	assert_int_equal(res.verdict, JUDGE_NODATA);
	assert_int_equal(res.reason, JUDGE_CALLS);
	assert_int_equal(res.d[JUDGE_CALLS].observed, 150);
	assert_int_equal(res.d[JUDGE_CALLS].limit, 200);
	for (m = JUDGE_P50; m < JUDGE_NMETRICS; m++)
		if (m != JUDGE_RARE)
			assert_int_equal(res.d[m].verdict, JUDGE_NODATA);
	/* the exact small-sample test judged those 150 calls, and found nothing */
	assert_int_equal(res.d[JUDGE_RARE].verdict, JUDGE_PASS);
	assert_int_equal(res.d[JUDGE_RARE].canary_n, 150);
	judge__free(&j);

	/* a baseline too thin to judge against is no data either, whatever the canary does */
	rng_seed(51);
	init(&j, JUDGE_BEFORE_AFTER, "kernel:thin");
	assert_int_equal(run_stage(&j, &rare, &normal_load, 20, 30, &res), 0);
	assert_int_equal(res.verdict, JUDGE_NODATA);
	assert_string_equal(res.d[JUDGE_CALLS].note, "fewer reference calls than min_calls");
	/* no baseline window has the calls for a quantile: the window tests say so, pass nothing */
	for (m = 0; m < 3; m++) {
		assert_int_equal(res.d[quantiles[m]].verdict, JUDGE_INCONCLUSIVE);
		assert_string_equal(res.d[quantiles[m]].note,
				    "fewer than two reference windows with enough calls");
	}
	judge__free(&j);
}

/*
 * A/A at the level of the whole judge: 100 stages per design with the policy's shape (20
 * baseline + 30 stage windows of 300 calls), judge alpha 0.05 over its seven tests. A stage
 * FAILs only on a false alarm; the Bonferroni split makes that rarer than alpha, so more than
 * 5 of 100 (binomial 99% upper bound at 5%: 11) would be a bug; the run shows 0 or 1.
 */
static void test_judge_aa(void **state)
{
	static const enum judge_design designs[] = { JUDGE_BEFORE_AFTER, JUDGE_CONCURRENT };
	struct load small = normal_load;
	struct judge_result res;
	struct judge j;
	struct judge_config cfg;
	unsigned int run, fails, inconclusive;
	int i;

	small.calls = 300;
	for (i = 0; i < 2; i++) {
		fails = inconclusive = 0;
		rng_seed(60 + i);
		for (run = 0; run < 100; run++) {
			judge__config_defaults(&cfg);
			cfg.design = designs[i];
			cfg.alpha = 0.05;
			assert_int_equal(judge__init(&j, "aa", &cfg), 0);
			run_stage(&j, &small, &small, 20, 30, &res);
			fails += res.verdict == JUDGE_FAIL;
			inconclusive += res.verdict == JUDGE_INCONCLUSIVE;
			judge__free(&j);
		}
		print_message("    A/A judge (%s): %u FAIL, %u INCONCLUSIVE of 100 stages\n",
			      i ? "concurrent" : "before/after", fails, inconclusive);
		assert_true(fails <= 5);
	}
}

/* one process's window when how it is scheduled wanders: its latencies scaled by a factor */
static void make_cell(struct hc_snapshot *s, const struct load *l, double sigma)
{
	struct load c = *l;

	c.median_ns *= exp(sigma * rng_normal());
	make_window(s, &c);
}

/*
 * A good canary among processes that are each slowed, window by window, by a factor of
 * their own (log-normal, sigma 0.3): the per-process wander a loaded host gives (section
 * "Overdispersion" of stats.c). Concurrent design, 10 baseline windows of 3 processes, then
 * stages of 10 windows: 1 canary process against 2 control ones. Without cells, the binomial
 * tests blame the wander on the canary; with them the judge discounts it, and a canary
 * 3 times slower is still caught within the stage, later than without the discount.
 */
static void test_judge_cells(void **state)
{
	struct hc_snapshot cell[3], sum;
	struct load slow = normal_load;
	unsigned int run, w, i, fails[2] = { 0 }, caught = 0, first = 0; /* first: summed */
	struct judge_result res;
	struct judge j;
	int with;

	slow.median_ns *= 3;
	for (with = 0; with < 3; with++) {
		rng_seed(90 + with);
		for (run = 0; run < 20; run++) {
			init(&j, JUDGE_CONCURRENT, "cells");
			for (w = 0; w < 10; w++) {
				memset(&sum, 0, sizeof(sum));
				for (i = 0; i < 3; i++) {
					make_cell(&cell[i], &normal_load, 0.3);
					snapshot__accumulate(&sum, &cell[i]);
					if (with)
						assert_int_equal(judge__add_cell(&j, &cell[i]), 0);
				}
				assert_int_equal(judge__add_baseline(&j, &sum), 0);
			}
			for (w = 1; w <= 10; w++) {
				make_cell(&cell[0], with == 2 ? &slow : &normal_load, 0.3);
				make_cell(&cell[1], &normal_load, 0.3);
				make_cell(&cell[2], &normal_load, 0.3);
				memset(&sum, 0, sizeof(sum));
				snapshot__accumulate(&sum, &cell[1]);
				snapshot__accumulate(&sum, &cell[2]);
				assert_int_equal(judge__window(&j, &cell[0], &sum, &res), 0);
				if (with) {
					assert_int_equal(judge__add_cell(&j, &cell[1]), 0);
					assert_int_equal(judge__add_cell(&j, &cell[2]), 0);
				}
				if (res.verdict == JUDGE_FAIL)
					break;
			}
			if (res.verdict != JUDGE_FAIL)
				assert_int_equal(judge__finish(&j, &res), 0);
			if (with == 2) {
				caught += res.verdict == JUDGE_FAIL;
				first += res.verdict == JUDGE_FAIL ? w : 0;
			} else {
				fails[with] += res.verdict == JUDGE_FAIL;
			}
			if (with == 1 && run == 0)
				check_decisions(&res, "cells");
			judge__free(&j);
		}
	}
	print_message("    wandering processes, good canary: %u of 20 stages FAIL without cells, "
		      "%u with; 3x slower canary: %u caught, in window %.1f on average\n",
		      fails[0], fails[1], caught, caught ? (double)first / caught : 0);
	/*
	 * The window tests count windows, not calls: wandering processes widen the windows'
	 * spread, which sets their scale, so cells are no longer needed for latency.
	 */
	assert_true(fails[0] <= 1);
	assert_true(fails[1] <= 1);
	/*
	 * 10 windows against 9 baseline differences (no DiD baseline): evidence takes a few
	 * windows and a stage of 10 can run out before it is in
	 */
	assert_true(caught >= 18);
	assert_true(first <= 6 * caught);
}

/* a function called 3 times a second, made 5 ms slower, fails in its first stage */
static void test_rare_function_fails(void **state)
{
	struct load rare = normal_load, slow;
	struct judge_result res;
	struct judge j;
	unsigned int first;

	rare.calls = 3;
	slow = rare;
	slow.add_ns = 5e6;
	rng_seed(60);
	init(&j, JUDGE_BEFORE_AFTER, "kernel:rare_slow");
	first = run_stage(&j, &rare, &slow, 30, 30, &res);
	print_message("    3 calls/s, +5 ms: first FAIL in window %u\n", first);
	assert_true(first >= 1 && first <= 3);
	assert_int_equal(res.verdict, JUDGE_FAIL);
	assert_int_equal(res.reason, JUDGE_RARE);
	assert_true(res.d[JUDGE_RARE].p_value <= res.d[JUDGE_RARE].alpha);
	assert_true(res.d[JUDGE_RARE].observed > res.d[JUDGE_RARE].limit);
	judge__free(&j);
	/* unchanged, it is no data as before: the exact test found nothing */
	rng_seed(61);
	init(&j, JUDGE_BEFORE_AFTER, "kernel:rare");
	assert_int_equal(run_stage(&j, &rare, &rare, 30, 30, &res), 0);
	assert_int_equal(res.verdict, JUDGE_NODATA);
	assert_int_equal(res.d[JUDGE_RARE].verdict, JUDGE_PASS);
	judge__free(&j);
}

/*
 * 3 calls a second made 2x slower: few calls go beyond the baseline's maximum, but the
 * rank test of the calls over max_p50_ratio sees the bulk move, within the stage
 */
static void test_rare_function_slower_bulk(void **state)
{
	struct load rare = normal_load, slow;
	struct judge_result res;
	struct judge j;
	unsigned int first;

	rare.calls = 3;
	rare.sigma = 0.35;
	slow = rare;
	slow.median_ns *= 2;
	rng_seed(62);
	init(&j, JUDGE_BEFORE_AFTER, "kernel:rare_2x");
	first = run_stage(&j, &rare, &slow, 30, 30, &res);
	print_message("    3 calls/s, 2x: first FAIL in window %u\n", first);
	assert_true(first >= 1 && first <= 30);
	assert_int_equal(res.verdict, JUDGE_FAIL);
	assert_int_equal(res.reason, JUDGE_RARE);
	assert_true(res.d[JUDGE_RARE].p_value <= res.d[JUDGE_RARE].alpha / 2);
	assert_true(res.d[JUDGE_RARE].limit == j.cfg.max_p50_ratio);
	assert_non_null(strstr(res.d[JUDGE_RARE].note, "Mann-Whitney"));
	judge__free(&j);
	/* 5% slower, within max_p50_ratio: not failed */
	slow = rare;
	slow.median_ns *= 1.05;
	rng_seed(63);
	init(&j, JUDGE_BEFORE_AFTER, "kernel:rare_5pct");
	assert_int_equal(run_stage(&j, &rare, &slow, 30, 30, &res), 0);
	assert_int_not_equal(res.verdict, JUDGE_FAIL);
	judge__free(&j);
}

/*
 * Once a second with 10 baseline calls (the kernel's livepatch_shadow_mod): too few calls for
 * the rank test's normal tail, which its exact null stands in for; 5x slower is rolled back
 * by the canary's tenth call, and unchanged, never.
 */
static void test_rare_once_a_second(void **state)
{
	struct load rare = normal_load, slow;
	struct judge_result res;
	struct judge j;
	unsigned int first, trial, failed = 0;

	rare.calls = 1;
	rare.sigma = 0.35;
	slow = rare;
	slow.median_ns *= 5;
	rng_seed(64);
	init(&j, JUDGE_BEFORE_AFTER, "kernel:once_5x");
	first = run_stage(&j, &rare, &slow, 10, 20, &res);
	print_message("    1 call/s, 10 baseline calls, 5x: first FAIL in window %u\n", first);
	assert_true(first >= 1 && first <= 12);
	assert_int_equal(res.verdict, JUDGE_FAIL);
	assert_int_equal(res.reason, JUDGE_RARE);
	judge__free(&j);
	for (trial = 0; trial < 200; trial++) {
		rng_seed(1000 + trial);
		init(&j, JUDGE_BEFORE_AFTER, "kernel:once");
		run_stage(&j, &rare, &rare, 10, 20, &res);
		failed += res.verdict == JUDGE_FAIL;
		judge__free(&j);
	}
	print_message("    1 call/s, unchanged: %u of 200 stages failed\n", failed);
	assert_int_equal(failed, 0);
}

/* a 2x regression that begins in window 20 of 30 is caught within 3 windows of its onset */
static void test_onset_mid_stage(void **state)
{
	struct load slow = normal_load;
	struct judge_result res;
	struct judge_config cfg;
	struct judge j;
	unsigned int w, first = 0;

	slow.median_ns *= 2;
	judge__config_defaults(&cfg);
	cfg.max_windows = 30;
	rng_seed(62);
	assert_int_equal(judge__init(&j, "kernel:onset", &cfg), 0);
	for (w = 0; w < 20; w++) {
		make_window(&win_r, &normal_load);
		assert_int_equal(judge__add_baseline(&j, &win_r), 0);
	}
	for (w = 1; w <= 30 && !first; w++) {
		make_window(&win_c, w >= 20 ? &slow : &normal_load);
		assert_int_equal(judge__window(&j, &win_c, NULL, &res), 0);
		if (res.verdict == JUDGE_FAIL)
			first = w;
	}
	print_message("    2x from window 20: FAIL in window %u\n", first);
	assert_true(first >= 20 && first <= 22);
	judge__free(&j);
}

/*
 * ulp: the canary process is 30% slower than the others for its whole life. Against its own
 * baseline (difference in differences) an unchanged patch passes and a 2x one fails.
 */
static void test_did(void **state)
{
	struct load fast = normal_load, slow_proc = normal_load, worse;
	struct hc_snapshot can, ctl;
	struct judge_result res;
	struct judge j;
	unsigned int w, k;

	slow_proc.median_ns *= 1.3;
	worse = slow_proc;
	worse.median_ns *= 2;
	for (k = 0; k < 2; k++) {
		rng_seed(63 + k);
		init(&j, JUDGE_CONCURRENT, "ulp:did");
		for (w = 0; w < 20; w++) {
			make_window(&can, &slow_proc);
			make_window(&ctl, &fast);
			snapshot__accumulate(&ctl, &can);
			assert_int_equal(judge__add_baseline(&j, &ctl), 0);
			make_window(&ctl, &fast);
			assert_int_equal(judge__add_did_baseline(&j, &can, &ctl), 0);
		}
		for (w = 0; w < 30; w++) {
			make_window(&can, k ? &worse : &slow_proc);
			make_window(&ctl, &fast);
			assert_int_equal(judge__window(&j, &can, &ctl, &res), 0);
			if (res.verdict == JUDGE_FAIL)
				break;
		}
		if (res.verdict != JUDGE_FAIL)
			assert_int_equal(judge__finish(&j, &res), 0);
		check_decisions(&res, "ulp:did");
		assert_int_equal(res.verdict, k ? JUDGE_FAIL : JUDGE_PASS);
		/* the stage has begun: its split is fixed */
		assert_int_equal(judge__add_did_baseline(&j, &can, &ctl), -EBUSY);
		judge__free(&j);
	}
	init(&j, JUDGE_BEFORE_AFTER, "klp:no_did");
	assert_int_equal(judge__add_did_baseline(&j, &can, &ctl), -EINVAL);
	judge__free(&j);
}

/* a crash storm fails in its window; deaths the control arm has as often do not */
static void test_fatal_counts(void **state)
{
	struct judge_decision d;
	struct judge_fatal f;
	unsigned int w, run, fails = 0;

	assert_int_equal(judge_fatal__init(&f, 0, 1), -EINVAL);
	assert_int_equal(judge_fatal__init(&f, 0.001, 1), 0);
	assert_int_equal(judge_fatal__add_baseline(&f, 0, 8 * 30), 0);
	for (w = 0; w < 5; w++) {
		assert_int_equal(judge_fatal__window(&f, 0, 1, 0, 7, &d), 0);
		assert_int_equal(d.verdict, JUDGE_PENDING);
	}
	assert_int_equal(judge_fatal__window(&f, 2, 1, 0, 7, &d), 0);
	assert_int_equal(d.verdict, JUDGE_FAIL);
	assert_true(d.p_value < 0.001);
	/* deaths at 0.05 per process-window in both arms: at most alpha of the runs fail */
	rng_seed(64);
	for (run = 0; run < 1000; run++) {
		judge_fatal__init(&f, 0.01, 1);
		for (w = 0; w < 30; w++)
			judge_fatal__add_baseline(&f, rng_unit() < 8 * 0.05, 8);
		for (w = 0; w < 60; w++) {
			unsigned int dc = rng_unit() < 0.05, dr = 0, i;

			for (i = 0; i < 7; i++)
				dr += rng_unit() < 0.05;
			judge_fatal__window(&f, dc, 1, dr, 7, &d);
		}
		fails += d.verdict == JUDGE_FAIL;
	}
	print_message("    fatal signals at the control's rate: %u of 1000 runs fail\n", fails);
	assert_true(fails <= 20);
}

/* a process's window whose error rate is its own: log-normal around @l's, sigma @sigma */
static void make_err_cell(struct hc_snapshot *s, const struct load *l, double sigma)
{
	struct load c = *l;

	c.err_rate = fmin(1, c.err_rate * exp(sigma * rng_normal()));
	make_window(s, &c);
}

/*
 * Every estimate lies inside the interval reported beside it, whatever the counts: no error
 * in one arm, a handful, and errors overdispersed between processes, whose discount rounds
 * small counts. And every decision's words say what was compared, in its unit.
 */
static void test_estimate_inside_interval(void **state)
{
	static const double rates[] = { 0, 0.0005, 0.002, 0.02, 0.2 };
	unsigned int run, w, i, inside = 0, words = 0;
	struct hc_snapshot cell[3], sum;
	struct judge_result res;
	struct judge j;
	char text[600];
	int m;

	rng_seed(110);
	for (run = 0; run < 100; run++) {
		struct load base = normal_load, can = normal_load;

		base.calls = can.calls = run % 3 ? 200 : 2000;
		base.err_rate = rates[run % 5];
		can.err_rate = rates[(run / 5) % 5];
		init(&j, JUDGE_CONCURRENT, "interval");
		for (w = 0; w < 10; w++) {
			memset(&sum, 0, sizeof(sum));
			for (i = 0; i < 3; i++) {
				make_err_cell(&cell[i], &base, 1.5);
				snapshot__accumulate(&sum, &cell[i]);
				assert_int_equal(judge__add_cell(&j, &cell[i]), 0);
			}
			assert_int_equal(judge__add_baseline(&j, &sum), 0);
		}
		for (w = 0; w < 8; w++) {
			make_err_cell(&cell[0], &can, 1.5);
			make_err_cell(&cell[1], &base, 1.5);
			make_err_cell(&cell[2], &base, 1.5);
			memset(&sum, 0, sizeof(sum));
			snapshot__accumulate(&sum, &cell[1]);
			snapshot__accumulate(&sum, &cell[2]);
			assert_int_equal(judge__window(&j, &cell[0], &sum, &res), 0);
			assert_int_equal(judge__add_cell(&j, &cell[1]), 0);
			assert_int_equal(judge__add_cell(&j, &cell[2]), 0);
		}
		assert_int_equal(judge__finish(&j, &res), 0);
		for (m = 0; m < JUDGE_NMETRICS; m++) {
			const struct judge_decision *d = &res.d[m];

			if (!isnan(d->ci_lo) && !isnan(d->observed)) {
				if (!(d->ci_lo <= d->observed && d->observed <= d->ci_hi))
					show(&res);
				assert_true(d->ci_lo <= d->observed && d->observed <= d->ci_hi);
				inside++;
			}
			assert_int_equal(judge__describe(d, text, sizeof(text)), 0);
			if (m == JUDGE_ERRORS && d->canary_n) {
				assert_non_null(
					strstr(text, "share of calls that returned an error: "
						     "canary "));
				words++;
			}
			if (m == JUDGE_P50 && d->windows)
				assert_non_null(strstr(text, "canary p50 over the reference's, "
							     "window by window"));
		}
		judge__free(&j);
	}
	print_message("    %u estimates checked inside their intervals, %u error tests in words\n",
		      inside, words);
	assert_true(inside >= 100);
	assert_true(words == 100);
}

/* the words of each test: its evidence in its own unit, and the verdict's comparison */
static void test_describe(void **state)
{
	struct judge_decision d;
	char text[600], tiny[16];

	memset(&d, 0, sizeof(d));
	snprintf(d.function, sizeof(d.function), "user:/bin/x:f");
	d.metric = JUDGE_ERRORS_SEQ;
	d.verdict = JUDGE_FAIL;
	d.canary_bad = 41;
	d.canary_n = 1000;
	d.ref_bad = 10;
	d.ref_n = 1000;
	d.observed = 4.1;
	d.limit = 2;
	d.ci_lo = d.ci_hi = d.conf = d.p_value = NAN;
	d.e_value = 250;
	d.e_bar = 200;
	d.dispersion = 1;
	assert_int_equal(judge__describe(&d, text, sizeof(text)), 0);
	assert_string_equal(text, "user:/bin/x:f error rate (sequential) fail: share of calls that "
				  "returned an error: canary 4.1% (41 of 1000 calls) vs reference "
				  "1% (10 of 1000 calls), ratio 4.1 > limit 2, e=250 (rejects at "
				  "200)");

	d.metric = JUDGE_P90;
	d.verdict = JUDGE_PASS;
	d.windows = 12;
	d.ref_n = 30;
	d.observed = 1.02;
	d.limit = 1.1;
	d.ci_lo = 0.97;
	d.ci_hi = 1.08;
	d.conf = 0.999;
	d.e_value = NAN;
	d.dispersion = 0.2; /* a quantile test's scale, no discount of calls */
	assert_int_equal(judge__describe(&d, text, sizeof(text)), 0);
	assert_string_equal(text, "user:/bin/x:f p90 pass: canary p90 over the reference's, window "
				  "by window (geometric mean of 12 windows against 30 reference "
				  "windows): ratio 1.02 <= limit 1.1, 99.9% CI 0.97..1.08");

	d.metric = JUDGE_RARE;
	d.verdict = JUDGE_FAIL;
	d.canary_bad = 3;
	d.canary_n = 30;
	d.ref_n = 999;
	d.observed = 100;
	d.limit = 1.25;
	d.ci_lo = NAN;
	d.p_value = 1e-6;
	assert_int_equal(judge__describe(&d, text, sizeof(text)), 0);
	assert_string_equal(text, "user:/bin/x:f rare calls (beyond the reference's maximum, by "
				  "rank) fail: share of canary calls slower than max_p99_ratio "
				  "(1.25) x the reference's slowest: 10% (3 of 30 calls) vs 1 in "
				  "1000 by chance, ratio 100, p=1e-06");

	/* cut to fit, and said so */
	assert_int_equal(judge__describe(&d, tiny, sizeof(tiny)), -ENOSPC);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	assert_int_equal(judge__describe(NULL, text, sizeof(text)), -EINVAL);
}

static void test_api(void **state)
{
	struct judge_config cfg;
	struct judge_result res;
	struct judge j;
	unsigned int w;

	judge__config_defaults(&cfg);
	cfg.alpha = 0;
	assert_int_equal(judge__init(&j, "f", &cfg), -EINVAL);
	judge__config_defaults(&cfg);
	cfg.max_finish = 0;
	assert_int_equal(judge__init(&j, "f", &cfg), -EINVAL);
	judge__config_defaults(&cfg);
	cfg.max_finish = 2; /* on_inconclusive: extend */
	assert_int_equal(judge__init(&j, "f", &cfg), 0);
	/* the stage-end tests share their alpha between the two looks */
	rng_seed(70);
	make_window(&win_r, &normal_load);
	assert_int_equal(judge__add_baseline(&j, &win_r), 0);
	make_window(&win_r, &normal_load);
	assert_int_equal(judge__add_baseline(&j, &win_r), 0);
	make_window(&win_c, &normal_load);
	/* before/after takes no reference window */
	assert_int_equal(judge__window(&j, &win_c, &win_r, &res), -EINVAL);
	assert_int_equal(judge__window(&j, &win_c, NULL, &res), 0);
	assert_int_equal(res.verdict, JUDGE_PENDING);
	assert_int_equal(res.d[JUDGE_P50].verdict, JUDGE_PENDING);
	/* the baseline is closed once the stage runs */
	assert_int_equal(judge__add_baseline(&j, &win_r), -EBUSY);
	assert_int_equal(judge__finish(&j, &res), 0);
	/* the window tests are anytime-valid: looking twice costs them nothing */
	assert_true(fabs(res.d[JUDGE_P50].alpha - 0.01 / JUDGE_NTESTS) < 1e-15);
	assert_true(fabs(res.d[JUDGE_ERRORS].alpha - 0.01 / JUDGE_NTESTS / 2) < 1e-15);
	assert_true(fabs(res.d[JUDGE_ERRORS_SEQ].alpha - 0.01 / JUDGE_NTESTS) < 1e-15);
	for (w = 0; w < 3; w++) {
		make_window(&win_c, &normal_load);
		assert_int_equal(judge__window(&j, &win_c, NULL, &res), 0);
	}
	assert_int_equal(judge__finish(&j, &res), 0);
	assert_int_equal(judge__finish(&j, &res), -ERANGE);
	/* the next stage starts clean against the same baseline */
	judge__next_stage(&j);
	assert_int_equal(j.windows, 0);
	assert_int_equal(j.base_windows, 2);
	assert_int_equal(judge__finish(&j, &res), 0);
	assert_int_equal(res.verdict, JUDGE_NODATA);
	judge__free(&j);

	/* the concurrent design needs the control's window */
	init(&j, JUDGE_CONCURRENT, "g");
	assert_int_equal(judge__window(&j, &win_c, NULL, &res), -EINVAL);
	assert_int_equal(judge__window(&j, &win_c, &win_r, &res), 0);
	judge__free(&j);

	assert_string_equal(judge__verdict_name(JUDGE_INCONCLUSIVE), "inconclusive");
	assert_string_equal(judge__verdict_name(JUDGE_NODATA), "no data");
	assert_string_equal(judge__metric_name(JUDGE_P99), "p99");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unchanged_passes),
		cmocka_unit_test(test_slower_fails),
		cmocka_unit_test(test_within_limit_passes),
		cmocka_unit_test(test_gross_regression_fails_fast),
		cmocka_unit_test(test_double_errors_fail),
		cmocka_unit_test(test_too_few_calls),
		cmocka_unit_test(test_judge_aa),
		cmocka_unit_test(test_judge_cells),
		cmocka_unit_test(test_rare_function_fails),
		cmocka_unit_test(test_rare_function_slower_bulk),
		cmocka_unit_test(test_rare_once_a_second),
		cmocka_unit_test(test_onset_mid_stage),
		cmocka_unit_test(test_did),
		cmocka_unit_test(test_fatal_counts),
		cmocka_unit_test(test_estimate_inside_interval),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_api),
	};

	return cmocka_run_group_tests_name("judge", tests, NULL, NULL);
}
