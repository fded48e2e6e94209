// SPDX-License-Identifier: GPL-2.0
/*
 * The per-function judge of one stage ([stats §8], where "[stats §N]" cites section N of
 * tools/docs/design/statistics.md). Its design in brief:
 *
 * Error budget. cfg.alpha is this judge's share of the run's false-rollback budget. Its
 * JUDGE_NTESTS tests (three sequential, three end-of-stage) get alpha / JUDGE_NTESTS each, and
 * an end-of-stage test divides its share again by max_finish, the number of times it may be
 * evaluated (an extended stage is looked at twice). By Bonferroni a function that did not
 * regress FAILs with probability at most alpha, whatever the dependence between the tests
 * [stats §7].
 *
 * Every window: seqtest (stats.c) on three kinds of bad event [stats §8, tier B]:
 *  - error returns, H0: canary error rate <= max_error_ratio x the reference's;
 *  - calls at or above the p90 edge and the p99 edge [stats §2, "tail-exceedance test"]. The
 *    reference counts its calls at or above T, the upper edge of the bucket that holds the
 *    baseline's q-quantile; the canary counts its calls at or above T', the first bucket edge
 *    at or above tol x T, tol being the policy's latency limit (max_p90_ratio, max_p99_ratio).
 *    If the canary is at most tol times slower than the reference (in distribution: L_C is
 *    stochastically <= tol L_B) then P(L_C >= T') <= P(tol L_B >= tol T) = P(L_B >= T), so
 *    "canary share <= reference share" (r0 = 1) is implied by "within the policy": a
 *    rejection means a regression beyond the limit at that quantile, not merely a
 *    significant one. Rounding T' up to a bucket edge (<= 12.5%) only makes the test more
 *    lenient.
 * The edges must not depend on the counts they are compared with. Concurrent design: they
 * come from the baseline windows or, lacking those, from control windows before the current
 * one, so every window's test sees fixed edges. Before/after design: the reference counts
 * are baseline counts too, so the baseline windows are split, the even ones placing the edges
 * and the odd ones giving the held-out reference counts; with iid calls the two halves are
 * independent and the reference bound of stats.c stays valid for the chosen edges.
 *
 * End of stage [stats §4, §8 tier C]: per-window log p50 and log p99 of the canary against
 * those of the reference windows (baseline windows, or the control arm's stage windows).
 * H0: the canary is at most limit times slower; the one-sided Mann-Whitney test of
 * (log q_canary - log limit) against log q_reference decides FAIL, and exp of the
 * Hodges-Lehmann shift with its CI is the observed ratio. The error rates of the whole stage
 * get the conditional exact test of H0: ratio <= max_error_ratio [stats §5].
 *
 * Overdispersion [stats §1]: calls are not independent, so the counts above vary more than
 * binomially (stats.c, "Overdispersion"). The caller hands in the reference's cells
 * (judge__add_cell): one process's window on the ulp path, one window on the klp path. Their
 * spread phi discounts the counts of the sequential tests and of the end-of-stage error test,
 * so that a window weighs n / phi calls. The per-window latency tests need no such discount:
 * their unit is already the window.
 *
 * Verdict per metric: FAIL when its H0 is rejected; else INCONCLUSIVE when the estimate is
 * beyond the limit (a regression is suggested, not shown); else PASS. NODATA when the canary
 * stage or the reference has fewer than min_calls calls, or the test had nothing to work on.
 * The stage: FAIL if any metric FAILs (a sequential rejection also ends the stage early), else
 * NODATA on too few calls, else INCONCLUSIVE if any metric is, else PASS.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "judge.h"

#define SEQ_ERRORS	0
#define SEQ_P90		1
#define SEQ_P99		2

void judge__config_defaults(struct judge_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->design = JUDGE_BEFORE_AFTER;
	cfg->alpha = 0.01;
	cfg->min_calls = 200;
	cfg->max_p50_ratio = 1.10;
	cfg->max_p90_ratio = 0;
	cfg->max_p99_ratio = 1.25;
	cfg->max_error_ratio = 1.5;
	cfg->max_finish = 1;
	cfg->min_window_calls = 20;
}

static enum seqtest_design seq_design(const struct judge *j)
{
	return j->cfg.design == JUDGE_CONCURRENT ? SEQTEST_CONCURRENT : SEQTEST_BASELINE;
}

static void stage_reset(struct judge *j)
{
	int i;

	/* arguments were checked in judge__init(): these cannot fail */
	seqtest__init(&j->seq[SEQ_ERRORS], j->alpha_seq, seq_design(j), j->cfg.max_error_ratio);
	seqtest__init(&j->seq[SEQ_P90], j->alpha_seq, seq_design(j), 1.0);
	seqtest__init(&j->seq[SEQ_P99], j->alpha_seq, seq_design(j), 1.0);
	memset(j->seq_used, 0, sizeof(j->seq_used));
	j->windows = 0;
	j->finishes = 0;
	j->can_calls = j->can_errors = 0;
	j->ref_calls = j->ref_errors = 0;
	for (i = 0; i < 2; i++) {
		j->can_slow[i] = j->can_timed[i] = 0;
		j->ref_slow[i] = j->ref_timed[i] = 0;
		j->can_q[i].n = 0;
		if (j->cfg.design == JUDGE_CONCURRENT)
			j->ref_q[i].n = 0;
	}
}

int judge__init(struct judge *j, const char *function, const struct judge_config *cfg)
{
	if (!j || !function || !cfg)
		return -EINVAL;
	if (cfg->design != JUDGE_BEFORE_AFTER && cfg->design != JUDGE_CONCURRENT)
		return -EINVAL;
	if (!(cfg->alpha > 0 && cfg->alpha < 1) || !cfg->max_finish)
		return -EINVAL;
	if (!(cfg->max_p50_ratio > 0) || !(cfg->max_p99_ratio > 0) ||
	    !(cfg->max_error_ratio > 0) || !(cfg->max_p90_ratio >= 0) ||
	    !isfinite(cfg->max_p50_ratio) || !isfinite(cfg->max_p90_ratio) ||
	    !isfinite(cfg->max_p99_ratio) || !isfinite(cfg->max_error_ratio))
		return -EINVAL;
	memset(j, 0, sizeof(*j));
	snprintf(j->name, sizeof(j->name), "%s", function);
	j->cfg = *cfg;
	if (j->cfg.max_p90_ratio == 0)
		j->cfg.max_p90_ratio = j->cfg.max_p50_ratio;
	j->alpha_seq = cfg->alpha / JUDGE_NTESTS;
	j->alpha_end = cfg->alpha / JUDGE_NTESTS / cfg->max_finish;
	stage_reset(j);
	return 0;
}

void judge__free(struct judge *j)
{
	int i;

	for (i = 0; i < 2; i++) {
		free(j->can_q[i].v);
		free(j->ref_q[i].v);
		j->can_q[i] = (struct judge_series){ 0 };
		j->ref_q[i] = (struct judge_series){ 0 };
	}
}

void judge__next_stage(struct judge *j)
{
	stage_reset(j);
}

static int series__push(struct judge_series *s, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		double *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

/*
 * A window's log p50 and log p99 [stats §4]: log, so that a ratio limit is a shift. The p99 of
 * fewer than JUDGE_P99_WINDOW_CALLS calls is their maximum, whose distribution depends on the
 * call count; such windows are left out rather than compared with busier ones.
 */
static int push_quantiles(const struct judge *j, struct judge_series *q, const uint64_t *hist)
{
	uint64_t n = hist__count(hist);
	uint64_t p99_min = j->cfg.min_window_calls > JUDGE_P99_WINDOW_CALLS ?
			   j->cfg.min_window_calls : JUDGE_P99_WINDOW_CALLS;
	int err;

	if (n && n >= j->cfg.min_window_calls) {
		err = series__push(&q[0], log(fmax(1, (double)hist__quantile(hist, 0.50))));
		if (err)
			return err;
	}
	if (n >= p99_min) {
		err = series__push(&q[1], log(fmax(1, (double)hist__quantile(hist, 0.99))));
		if (err)
			return err;
	}
	return 0;
}

static uint64_t sum_from(const uint64_t *hist, unsigned int idx)
{
	uint64_t n = 0;

	for (; idx < HC_HIST_BUCKETS; idx++)
		n += hist[idx];
	return n;
}

int judge__add_baseline(struct judge *j, const struct hc_snapshot *w)
{
	uint64_t *dst;
	unsigned int i;

	if (!j || !w)
		return -EINVAL;
	if (j->started)
		return -EBUSY;
	if (j->cfg.design == JUDGE_BEFORE_AFTER) {
		int err = push_quantiles(j, j->ref_q, w->hist);

		if (err)
			return err;
		j->base_calls += w->calls;
		j->base_errors += w->errors < w->calls ? w->errors : w->calls;
		/* even windows place the edges, odd ones are held out to count against them */
		dst = j->base_windows % 2 ? j->held_hist : j->thr_hist;
	} else {
		dst = j->thr_hist;
	}
	for (i = 0; i < HC_HIST_BUCKETS; i++)
		dst[i] += w->hist[i];
	j->base_windows++;
	return 0;
}

int judge__add_cell(struct judge *j, const struct hc_snapshot *c)
{
	struct judge_cells *cl;
	uint64_t n, tail = 0;
	unsigned int i;

	if (!j || !c)
		return -EINVAL;
	cl = &j->cells;
	dispersion__add(&cl->errors, c->errors, c->calls);
	n = hist__count(c->hist);
	if (!n)
		return 0;
	cl->timed++;
	for (i = HC_HIST_BUCKETS; i-- > 0;) {
		tail += c->hist[i];
		cl->hist[i] += c->hist[i];
		cl->tail_sq[i] += (double)tail * (double)tail / (double)n;
	}
	return 0;
}

/* the overdispersion of the reference's calls at or above bucket @idx */
static double cells_phi(const struct judge *j, unsigned int idx)
{
	const struct judge_cells *cl = &j->cells;
	struct dispersion d = {
		.cells = cl->timed,
		.bad = sum_from(cl->hist, idx),
		.n = hist__count(cl->hist),
		.sq = cl->tail_sq[idx],
	};

	return dispersion__phi_upper(&d, SEQTEST_PHI_CONF);
}

/*
 * Place edge @e (0: p90, 1: p99) from thr_hist: T is the upper edge of the bucket holding the
 * nearest-rank q-quantile, which needs about ten calls above it to mean anything.
 */
static void edge_place(struct judge *j, int e)
{
	static const uint64_t permille[2] = { 900, 990 };
	struct judge_edge *ed = &j->edge[e];
	uint64_t n = hist__count(j->thr_hist), rank, seen = 0;
	double tol = e ? j->cfg.max_p99_ratio : j->cfg.max_p90_ratio, t;
	unsigned int i, c;

	memset(ed, 0, sizeof(*ed));
	ed->tolerance = tol;
	if (n < 10 * 1000 / (1000 - permille[e])) {
		ed->note = "too few baseline calls to place the edge";
		return;
	}
	rank = (permille[e] * n + 999) / 1000;
	for (i = 0; i < HC_HIST_BUCKETS; i++) {
		seen += j->thr_hist[i];
		if (seen >= rank)
			break;
	}
	if (i + 1 >= HC_HIST_OVERFLOW) {
		ed->note = "the quantile is in the last bucket";
		return;
	}
	t = (double)hc_hist_lower(i + 1);
	for (c = 0; c <= HC_HIST_OVERFLOW; c++)
		if ((double)hc_hist_lower(c) >= tol * t)
			break;
	if (c > HC_HIST_OVERFLOW) {
		ed->note = "the tolerated edge is beyond the histogram";
		return;
	}
	ed->ref_idx = i + 1;
	ed->canary_idx = c;
	if (j->cfg.design == JUDGE_BEFORE_AFTER) {
		ed->ref_n = hist__count(j->held_hist);
		ed->ref_bad = sum_from(j->held_hist, ed->ref_idx);
		if (!ed->ref_n) {
			ed->note = "the baseline needs two windows: one places the edge, "
				   "one counts";
			return;
		}
	}
	ed->ok = true;
}

static double share_ratio(uint64_t cb, uint64_t cn, uint64_t rb, uint64_t rn)
{
	if (!cn || !rn)
		return NAN;
	if (!rb)
		return cb ? INFINITY : NAN;
	return ((double)cb / cn) / ((double)rb / rn);
}

static void decision_init(const struct judge *j, struct judge_decision *d, enum judge_metric m)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->function, sizeof(d->function), "%s", j->name);
	d->metric = m;
	d->verdict = JUDGE_PENDING;
	d->observed = d->limit = NAN;
	d->ci_lo = d->ci_hi = d->conf = NAN;
	d->p_value = d->e_value = d->e_bar = NAN;
	d->alpha = NAN;
	d->tolerance = NAN;
	d->dispersion = NAN;
}

static void decide_calls(const struct judge *j, struct judge_decision *d, bool final)
{
	uint64_t ref = j->cfg.design == JUDGE_CONCURRENT ? j->ref_calls : j->base_calls;

	decision_init(j, d, JUDGE_CALLS);
	d->observed = (double)j->can_calls;
	d->limit = (double)j->cfg.min_calls;
	d->canary_n = j->can_calls;
	d->ref_n = ref;
	d->windows = j->windows;
	if (!final)
		return;
	if (j->can_calls < j->cfg.min_calls) {
		d->verdict = JUDGE_NODATA;
		d->note = "fewer canary calls than min_calls";
	} else if (ref < j->cfg.min_calls) {
		d->verdict = JUDGE_NODATA;
		d->note = "fewer reference calls than min_calls";
	} else {
		d->verdict = JUDGE_PASS;
	}
}

static void decide_seq(const struct judge *j, struct judge_decision *d, int s, bool final)
{
	static const enum judge_metric metric[3] = {
		JUDGE_ERRORS_SEQ, JUDGE_P90_SEQ, JUDGE_P99_SEQ,
	};
	const struct seqtest *t = &j->seq[s];

	decision_init(j, d, metric[s]);
	d->alpha = j->alpha_seq;
	d->e_value = seqtest__evalue_max(t);
	d->e_bar = seqtest__bar(t);
	d->windows = t->windows;
	d->dispersion = t->phi;
	d->canary_bad = t->canary_bad;
	d->canary_n = t->canary_n;
	d->ref_bad = t->ref_bad;
	d->ref_n = t->ref_n;
	d->observed = share_ratio(t->canary_bad, t->canary_n, t->ref_bad, t->ref_n);
	if (s == SEQ_ERRORS) {
		d->limit = j->cfg.max_error_ratio;
	} else {
		const struct judge_edge *ed = &j->edge[s - 1];

		d->limit = 1;
		d->tolerance = ed->tolerance;
		if (ed->ok) {
			d->ref_edge_ns = hc_hist_lower(ed->ref_idx);
			d->canary_edge_ns = hc_hist_lower(ed->canary_idx);
		} else {
			d->note = ed->note;
		}
	}
	if (seqtest__rejected(t))
		d->verdict = JUDGE_FAIL;
	else if (!final)
		d->verdict = JUDGE_PENDING;
	else if (!j->seq_used[s])
		d->verdict = JUDGE_NODATA;
	else
		d->verdict = JUDGE_PASS;
	if (d->verdict == JUDGE_NODATA && !d->note)
		d->note = "no reference calls";
	if (t->disabled && !d->note)
		d->note = "the reference rate is too high for this limit to be exceeded";
}

static void result_verdict(struct judge_result *res, bool final)
{
	int m;

	res->verdict = final ? JUDGE_PASS : JUDGE_PENDING;
	res->reason = -1;
	for (m = 0; m < JUDGE_NMETRICS; m++) {
		if (res->d[m].verdict == JUDGE_FAIL) {
			res->verdict = JUDGE_FAIL;
			res->reason = m;
			return;
		}
	}
	if (!final)
		return;
	if (res->d[JUDGE_CALLS].verdict == JUDGE_NODATA) {
		res->verdict = JUDGE_NODATA;
		res->reason = JUDGE_CALLS;
		return;
	}
	for (m = 0; m < JUDGE_NMETRICS; m++) {
		if (res->d[m].verdict == JUDGE_INCONCLUSIVE) {
			res->verdict = JUDGE_INCONCLUSIVE;
			res->reason = m;
			return;
		}
	}
}

int judge__window(struct judge *j, const struct hc_snapshot *canary,
		  const struct hc_snapshot *ref, struct judge_result *res)
{
	bool concurrent;
	uint64_t cc, ce, rc, re;
	int e, err, m;

	if (!j || !canary || !res)
		return -EINVAL;
	concurrent = j->cfg.design == JUDGE_CONCURRENT;
	if (concurrent != !!ref)
		return -EINVAL;
	if (!j->started && !concurrent) {
		edge_place(j, 0);
		edge_place(j, 1);
	}
	j->started = true;
	for (e = 0; concurrent && e < 2; e++)
		if (!j->edge[e].ok)
			edge_place(j, e);

	/* errors: the control's window, or the baseline's totals */
	cc = canary->calls;
	ce = canary->errors < cc ? canary->errors : cc;
	if (concurrent) {
		rc = ref->calls;
		re = ref->errors < rc ? ref->errors : rc;
	} else {
		rc = j->base_calls;
		re = j->base_errors;
	}
	if (rc) {
		/* the reference's spread before this window: see judge__add_cell() */
		seqtest__set_phi(&j->seq[SEQ_ERRORS],
				 dispersion__phi_upper(&j->cells.errors, SEQTEST_PHI_CONF));
		err = seqtest__update(&j->seq[SEQ_ERRORS], ce, cc, re, rc);
		if (err)
			return err;
		j->seq_used[SEQ_ERRORS] = true;
	}

	/* slow calls above the tolerated edges */
	for (e = 0; e < 2; e++) {
		const struct judge_edge *ed = &j->edge[e];
		uint64_t cb, cn, rb, rn;

		if (!ed->ok)
			continue;
		cb = sum_from(canary->hist, ed->canary_idx);
		cn = hist__count(canary->hist);
		if (concurrent) {
			rb = sum_from(ref->hist, ed->ref_idx);
			rn = hist__count(ref->hist);
		} else {
			rb = ed->ref_bad;
			rn = ed->ref_n;
		}
		if (!rn)
			continue;
		seqtest__set_phi(&j->seq[SEQ_P90 + e], cells_phi(j, ed->ref_idx));
		err = seqtest__update(&j->seq[SEQ_P90 + e], cb, cn, rb, rn);
		if (err)
			return err;
		j->seq_used[SEQ_P90 + e] = true;
	}

	err = push_quantiles(j, j->can_q, canary->hist);
	if (!err && concurrent)
		err = push_quantiles(j, j->ref_q, ref->hist);
	if (err)
		return err;
	j->can_calls += cc;
	j->can_errors += ce;
	if (concurrent) {
		unsigned int i;

		j->ref_calls += rc;
		j->ref_errors += re;
		/* edges still unplaced count this control window from the next window on */
		if (!j->edge[0].ok || !j->edge[1].ok)
			for (i = 0; i < HC_HIST_BUCKETS; i++)
				j->thr_hist[i] += ref->hist[i];
	}
	j->windows++;

	decide_calls(j, &res->d[JUDGE_CALLS], false);
	for (e = 0; e < 3; e++)
		decide_seq(j, &res->d[JUDGE_ERRORS_SEQ + e], e, false);
	for (m = JUDGE_P50; m < JUDGE_NMETRICS; m++)
		decision_init(j, &res->d[m], m);
	result_verdict(res, false);
	return 0;
}

/* end of stage, latency: [stats §4] Mann-Whitney against the limit, Hodges-Lehmann for the size */
static int decide_latency(const struct judge *j, struct judge_decision *d, int q)
{
	const struct judge_series *c = &j->can_q[q], *r = &j->ref_q[q];
	double limit = q ? j->cfg.max_p99_ratio : j->cfg.max_p50_ratio, *shifted;
	struct stats_mw mw;
	struct stats_hl hl;
	size_t i;
	int err;

	decision_init(j, d, q ? JUDGE_P99 : JUDGE_P50);
	d->limit = limit;
	d->alpha = j->alpha_end;
	d->canary_n = c->n;
	d->ref_n = r->n;
	d->windows = j->windows;
	if (!c->n || !r->n) {
		d->verdict = JUDGE_NODATA;
		d->note = q ? "no window with enough calls for a p99" :
			      "no window with enough calls for a p50";
		return 0;
	}
	shifted = malloc(c->n * sizeof(*shifted));
	if (!shifted)
		return -ENOMEM;
	for (i = 0; i < c->n; i++)
		shifted[i] = c->v[i] - log(limit);
	err = stats__mann_whitney(shifted, c->n, r->v, r->n, 0, &mw);
	free(shifted);
	if (err)
		return err;
	err = stats__hodges_lehmann(c->v, c->n, r->v, r->n, 1 - 2 * j->alpha_end, &hl);
	if (err)
		return err;
	d->p_value = mw.p_greater;
	d->observed = exp(hl.shift);
	d->ci_lo = exp(hl.lo);
	d->ci_hi = exp(hl.hi);
	d->conf = hl.conf;
	if (d->p_value <= j->alpha_end)
		d->verdict = JUDGE_FAIL;
	else if (d->observed > limit)
		d->verdict = JUDGE_INCONCLUSIVE;
	else
		d->verdict = JUDGE_PASS;
	return 0;
}

/* a count discounted by the dispersion @phi, as a count: an event seen stays one */
static uint64_t effective(uint64_t x, double phi)
{
	return x ? (uint64_t)fmax(1, round((double)x / phi)) : 0;
}

/*
 * end of stage, errors: [stats §5] the conditional exact test of H0: ratio <= max_error_ratio,
 * on the counts discounted by the reference's dispersion (stats.c, "Overdispersion")
 */
static int decide_errors(const struct judge *j, struct judge_decision *d)
{
	uint64_t rc = j->cfg.design == JUDGE_CONCURRENT ? j->ref_calls : j->base_calls;
	uint64_t re = j->cfg.design == JUDGE_CONCURRENT ? j->ref_errors : j->base_errors;
	double h, phi = dispersion__phi_upper(&j->cells.errors, SEQTEST_PHI_CONF);
	struct stats_rate rate;
	int err;

	decision_init(j, d, JUDGE_ERRORS);
	d->dispersion = phi;
	d->limit = j->cfg.max_error_ratio;
	d->alpha = j->alpha_end;
	d->canary_bad = j->can_errors;
	d->canary_n = j->can_calls;
	d->ref_bad = re;
	d->ref_n = rc;
	d->windows = j->windows;
	if (!j->can_calls || !rc) {
		d->verdict = JUDGE_NODATA;
		d->note = "no calls";
		return 0;
	}
	err = stats__rate_ratio(effective(j->can_errors, phi), effective(j->can_calls, phi),
				effective(re, phi), effective(rc, phi), j->cfg.max_error_ratio,
				1 - 2 * j->alpha_end, &rate);
	if (err)
		return err;
	d->p_value = rate.p;
	d->ci_lo = rate.lo;
	d->ci_hi = rate.hi;
	d->conf = rate.conf;
	if (!j->can_errors && !re) {
		d->verdict = JUDGE_PASS;
		d->note = "no errors in either arm";
		return 0;
	}
	/* a zero count makes the ratio 0 or infinite: add 1/2 to both, as the Wald CI [stats §5] */
	h = j->can_errors && re ? 0 : 0.5;
	d->observed = (((double)j->can_errors + h) / j->can_calls) / (((double)re + h) / rc);
	if (h)
		d->note = "1/2 added to both error counts, one of them being 0";
	if (d->p_value <= j->alpha_end)
		d->verdict = JUDGE_FAIL;
	else if (d->observed > d->limit)
		d->verdict = JUDGE_INCONCLUSIVE;
	else
		d->verdict = JUDGE_PASS;
	return 0;
}

int judge__finish(struct judge *j, struct judge_result *res)
{
	int e, err;

	if (!j || !res)
		return -EINVAL;
	if (j->finishes >= j->cfg.max_finish)
		return -ERANGE;
	j->finishes++;
	decide_calls(j, &res->d[JUDGE_CALLS], true);
	for (e = 0; e < 3; e++)
		decide_seq(j, &res->d[JUDGE_ERRORS_SEQ + e], e, true);
	if (res->d[JUDGE_CALLS].verdict == JUDGE_NODATA) {
		int m;

		for (m = JUDGE_P50; m < JUDGE_NMETRICS; m++) {
			decision_init(j, &res->d[m], m);
			res->d[m].verdict = JUDGE_NODATA;
			res->d[m].note = res->d[JUDGE_CALLS].note;
			res->d[m].limit = m == JUDGE_P50 ? j->cfg.max_p50_ratio :
					  m == JUDGE_P99 ? j->cfg.max_p99_ratio :
							   j->cfg.max_error_ratio;
		}
	} else {
		err = decide_latency(j, &res->d[JUDGE_P50], 0);
		if (!err)
			err = decide_latency(j, &res->d[JUDGE_P99], 1);
		if (!err)
			err = decide_errors(j, &res->d[JUDGE_ERRORS]);
		if (err)
			return err;
	}
	result_verdict(res, true);
	return 0;
}

const char *judge__verdict_name(enum judge_verdict v)
{
	switch (v) {
	case JUDGE_PENDING:
		return "pending";
	case JUDGE_PASS:
		return "pass";
	case JUDGE_FAIL:
		return "fail";
	case JUDGE_INCONCLUSIVE:
		return "inconclusive";
	case JUDGE_NODATA:
		return "no data";
	}
	return "?";
}

const char *judge__metric_name(enum judge_metric m)
{
	switch (m) {
	case JUDGE_CALLS:
		return "calls";
	case JUDGE_ERRORS_SEQ:
		return "error rate (sequential)";
	case JUDGE_P90_SEQ:
		return "calls above p90 (sequential)";
	case JUDGE_P99_SEQ:
		return "calls above p99 (sequential)";
	case JUDGE_P50:
		return "p50";
	case JUDGE_P99:
		return "p99";
	case JUDGE_ERRORS:
		return "error rate";
	case JUDGE_NMETRICS:
		break;
	}
	return "?";
}
