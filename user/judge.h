/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-function judge of one stage. Evidence is counted in windows, not calls: every
 * window, anytime-valid e-processes on the window's log p50, log p90 and log p99 (against the
 * reference windows' spread), a change-point e-detector on the same scores, a sequential test
 * on the error rate, and an exact small-sample test while the function has fewer than
 * min_calls calls; at the end of the stage an exact test on the error ratio. Each latency test
 * ends a stage PASS (the bound shows the ratio within its limit), FAIL (beyond it) or
 * INCONCLUSIVE. tools/docs/design/judge.md explains the statistics and the alpha split. No
 * I/O: every decision is a struct the report prints.
 *
 * Use, per watched function:
 *   judge__init(&j, "kernel:foo", &cfg);
 *   judge__add_baseline(&j, &w) for every baseline window (before activation);
 *   ulp, per stage: judge__add_did_baseline(&j, &canary_w, &control_w) for every baseline
 *   window, split by the arms the stage will have (difference in differences);
 *   judge__window(&j, &canary, ref, &res) for every stage window: FAIL means roll back now;
 *   judge__finish(&j, &res) at the end of the stage;
 *   judge__next_stage(&j) to judge the next stage against the same baseline;
 *   judge__free(&j).
 */
#ifndef HC_JUDGE_H
#define HC_JUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "histogram.h"
#include "stats.h"

enum judge_design {
	/*
	 * The klp path: the reference is the baseline measured on this host before activation.
	 * judge__window() takes ref = NULL. Weaker: anything else that changed since the baseline
	 * (load, time of day) is blamed on the patch.
	 */
	JUDGE_BEFORE_AFTER,
	/* the ulp path: a control arm measured in the same windows; ref is its window */
	JUDGE_CONCURRENT,
};

enum judge_verdict {
	JUDGE_PENDING, /* the stage is still running and nothing has failed */
	JUDGE_PASS,
	JUDGE_FAIL,
	JUDGE_INCONCLUSIVE,
	JUDGE_NODATA,
};

enum judge_metric {
	JUDGE_CALLS,	  /* enough calls in both arms to judge at all (min_calls) */
	JUDGE_ERRORS_SEQ, /* error rate, sequential, every window */
	JUDGE_P50,	  /* per-window log p50: e-processes every window, HL at the end */
	JUDGE_P99,	  /* per-window log p99, as JUDGE_P50 */
	JUDGE_ERRORS,	  /* end of stage: error-rate ratio, conditional exact test */
	JUDGE_P90,	  /* per-window log p90, as JUDGE_P50 */
	JUDGE_RARE,	  /* fewer calls than min_calls: exceedances of the reference's max */
	JUDGE_ONSET,	  /* change-point e-detector on the p50 / p90 / p99 scores */
	JUDGE_NMETRICS,
};

/*
 * The tests that share a judge's alpha evenly: errors (sequential), errors (end of stage),
 * p50, p90, p99, rare calls, onset. JUDGE_CALLS decides nothing.
 */
#define JUDGE_NTESTS		7
/* the onset detector's horizon when judge_config.max_windows is 0 */
#define JUDGE_DEFAULT_HORIZON	600
#define JUDGE_NAME_MAX		128
/*
 * The window tests take a window's p90 and p99 from this many calls on: near its maximum,
 * whose law depends on the call count, but a window is compared only with reference windows
 * of the same arm and rate, so a process with 100 calls a second still gets a p99 most windows.
 */
#define JUDGE_TAIL_WINDOW_CALLS 50

struct judge_config {
	enum judge_design design;
	/*
	 * This judge's false-FAIL budget: the run's alpha divided by the functions and stages
	 * judged (Bonferroni). The judge splits it evenly over its JUDGE_NTESTS tests.
	 */
	double alpha;
	/*
	 * This judge's false-PASS budget: a function whose quantile is beyond its limit PASSes a
	 * stage with at most this probability. Split over the three quantile tests.
	 */
	double beta;
	uint64_t min_calls; /* fewer in the canary's stage or the reference: NODATA */
	double max_p50_ratio;
	double max_p90_ratio; /* the per-window p90 test's limit; 0: max_p50_ratio */
	double max_p99_ratio;
	double max_error_ratio;
	/* judge__finish() calls allowed per stage: 2 when on_inconclusive may extend once */
	unsigned int max_finish;
	uint64_t min_window_calls; /* a window with fewer calls gives no per-window p50 */
	/*
	 * The most windows one stage can have, extension included: the onset detector's bar
	 * grows with it (log). 0: JUDGE_DEFAULT_HORIZON.
	 */
	unsigned int max_windows;
};

struct judge_decision {
	char function[JUDGE_NAME_MAX];
	enum judge_metric metric;
	enum judge_verdict verdict;
	/*
	 * The canary against the reference, as a ratio: latency (exp of the Hodges-Lehmann shift
	 * of log quantiles), error rate, or share of calls beyond the reference's maximum against
	 * its null (JUDGE_RARE); canary calls for JUDGE_CALLS. FAIL needs evidence that it
	 * exceeds limit.
	 */
	double observed;
	double limit;
	double ci_lo, ci_hi; /* CI of observed at conf; NAN when not computed */
	double conf;
	double p_value; /* end of stage: p of H0 observed <= limit, or NAN */
	double e_value; /* sequential: the largest e-value so far, or NAN */
	double e_bar;	/* ... and the e-value that rejects */
	double alpha;	/* this test's share of the budget */
	/* what the evidence rests on: events and calls, or windows for JUDGE_P50 / JUDGE_P99 */
	uint64_t canary_bad, canary_n, ref_bad, ref_n;
	/* the reference's overdispersion the counts were discounted by (1: none), or NAN */
	double dispersion;
	unsigned int windows;
	const char *note; /* why a test gave no data or passed trivially, or NULL */
};

struct judge_result {
	enum judge_verdict verdict;
	int reason;				 /* index in d[] behind the verdict, or -1 */
	struct judge_decision d[JUDGE_NMETRICS]; /* indexed by enum judge_metric */
};

struct judge_series {
	double *v;
	size_t n, cap;
};

/* reference cells (judge__add_cell): the overdispersion of their errors, not the cells */
struct judge_cells {
	struct dispersion errors;
};

/* one per-window latency test (p50, p90 or p99) */
struct judge_qtest {
	double q, limit;
	uint64_t min_calls;	      /* per window, in each arm */
	struct judge_series base;     /* baseline windows' log quantile */
	struct judge_series did;      /* DiD: canary-arm minus control-arm log quantile, baseline */
	struct judge_series can;      /* the stage's window values */
	struct judge_series fallback; /* concurrent without DiD: differences of baseline windows */
	/* the reference in use this stage, from its first window on */
	bool ready, usable;
	unsigned int unjudged; /* canary windows seen without a usable reference */
	const struct judge_series *ref;
	double m, s, m_hi, m_lo; /* its mean, scale and the mean's confidence bounds */
	double infl;		 /* before/after: the scale's inflation for drift, >= 1 */
	struct eproc fail_par, fail_rank, pass_par, pass_rank, onset;
	const char *note;
};

struct judge {
	char name[JUDGE_NAME_MAX];
	struct judge_config cfg;
	double alpha_seq, alpha_end;
	double beta_test; /* one quantile test's false-PASS budget */
	/* the baseline */
	unsigned int base_windows;
	uint64_t base_calls, base_errors;
	bool started; /* a stage window came: baseline closed */
	/* the stage */
	struct seqtest seq; /* the error rate, every window */
	bool seq_used;	    /* a window had reference calls */
	unsigned int windows, finishes;
	uint64_t can_calls, can_errors, ref_calls, ref_errors;
	struct judge_cells cells; /* over the whole run, not reset per stage */
	/* the per-window tests (p50, p90, p99) and the rare-call test */
	struct judge_qtest qt[3];
	double alpha_test;
	uint64_t base_hist[HC_HIST_BUCKETS]; /* every baseline window */
	uint64_t did_hist[HC_HIST_BUCKETS];  /* DiD: the canary arm's baseline windows */
	bool did;			     /* this stage has DiD baseline windows */
	uint64_t rare_k, rare_m;	     /* canary calls above the bar, judged calls */
	unsigned int rare_looks;
	bool rare_active, rare_rejected;
	double rare_p, rare_bar_p;
	/* the rare calls' rank test: the canary's judged calls over max_p50_ratio */
	uint64_t rare_hist[HC_HIST_BUCKETS];
	unsigned int rank_looks;
	bool rank_rejected;
	double rank_p, rank_bar_p;
};

/* the policy example's judge block: alpha 0.01, min_calls 200, 1.10 / 1.25 / 1.5 */
void judge__config_defaults(struct judge_config *cfg);
/* 0, or -EINVAL for a bad configuration */
int judge__init(struct judge *j, const char *function, const struct judge_config *cfg);
void judge__free(struct judge *j);
/* one baseline window, before the first judge__window(); -EBUSY after it */
int judge__add_baseline(struct judge *j, const struct hc_snapshot *w);
/*
 * One cell of the reference: the smallest part of it that varies on its own, a process's
 * window on the ulp path, the window on the klp path. The cells' spread is the
 * overdispersion the two error tests (sequential, end of stage) discount their counts by;
 * without cells the counts are taken as binomial. Baseline cells, and the control's cells of a
 * stage window once judge__window() has seen that window, never before: the tests must not
 * see a window's own spread. May be called at any time; 0 or -EINVAL.
 */
int judge__add_cell(struct judge *j, const struct hc_snapshot *cell);
/*
 * One stage window of the canary, and of the control arm (JUDGE_CONCURRENT) or NULL
 * (JUDGE_BEFORE_AFTER). @res gets FAIL as soon as a sequential test rejects, else PENDING.
 * 0, -EINVAL for a @ref that does not fit the design, -ENOMEM.
 */
int judge__window(struct judge *j, const struct hc_snapshot *canary, const struct hc_snapshot *ref,
		  struct judge_result *res);
/* the end-of-stage verdict; -ERANGE past cfg.max_finish calls, -ENOMEM */
int judge__finish(struct judge *j, struct judge_result *res);
/* forget the stage, keep the baseline */
void judge__next_stage(struct judge *j);
/*
 * ulp, difference in differences: one baseline window of the processes that form this stage's
 * canary arm, and of those that form its control arm. Each stage window is then judged by
 * (canary - control) against the same difference before the patch, so a process's own speed
 * and load common to every process cancel out. Call after judge__next_stage() (which forgets
 * them) and before the stage's first judge__window(); JUDGE_CONCURRENT only. 0, -EINVAL,
 * -EBUSY once the stage has begun, -ENOMEM.
 */
int judge__add_did_baseline(struct judge *j, const struct hc_snapshot *canary,
			    const struct hc_snapshot *control);

/*
 * Deaths by fatal signals as counts: the canary arm's rate against the reference's (the
 * control arm's same windows, and the baseline), exposure in process-windows (or windows on
 * the klp path). Every window the stage's totals get the exact conditional test of
 * H0: canary rate <= r0 x reference rate, at alpha spent over the looks (6 / (pi^2 i^2) at
 * the i-th window with a canary death), so a storm fails in its window and deaths the control
 * arm has at the same rate do not.
 */
struct judge_fatal {
	double alpha, r0;
	uint64_t base_deaths;
	double base_exposure;
	uint64_t can_deaths, ref_deaths;
	double can_exposure, ref_exposure;
	unsigned int looks;
	bool rejected;
	double p; /* the last look's p-value, or NAN */
};

/* 0, or -EINVAL unless 0 < alpha < 1 and r0 > 0 */
int judge_fatal__init(struct judge_fatal *f, double alpha, double r0);
/* baseline deaths over @exposure (every process is a reference then) */
int judge_fatal__add_baseline(struct judge_fatal *f, uint64_t deaths, double exposure);
/*
 * One stage window: the canary arm's deaths and exposure, the control arm's (0, 0 on the klp
 * path). @d gets FAIL when H0 is rejected (and stays so), else PENDING. 0 or -EINVAL.
 */
int judge_fatal__window(struct judge_fatal *f, uint64_t can_deaths, double can_exposure,
			uint64_t ref_deaths, double ref_exposure, struct judge_decision *d);
/* a new stage: the canary's counts start again, the reference keeps its baseline */
void judge_fatal__next_stage(struct judge_fatal *f);

const char *judge__verdict_name(enum judge_verdict v);
const char *judge__metric_name(enum judge_metric m);
/*
 * @d in words, each test's evidence in its own unit ("share of calls that returned an error:
 * canary 4.1% (41 of 1000 calls) vs reference 1% (10 of 1000 calls), ratio 4.1 > limit 2");
 * 0, or -ENOSPC when cut to fit @len
 */
int judge__describe(const struct judge_decision *d, char *buf, size_t len);

#endif
