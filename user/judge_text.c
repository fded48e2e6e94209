// SPDX-License-Identifier: GPL-2.0
/*
 * A judge decision in words: what each test compared, in its own unit, so that a reader of a
 * rollback's reason knows what "1.5" measured without the source. Pure: it formats, it never
 * prints.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include "judge.h"

struct text {
	char *buf;
	size_t len;
	int n;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (t->n < 0 || (size_t)t->n >= t->len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(t->buf + t->n, t->len - t->n, fmt, ap);
	va_end(ap);
	t->n = k < 0 ? -1 : t->n + k;
}

/* "3.1% (31 of 1000 calls)" */
static void share(struct text *t, uint64_t k, uint64_t n, const char *unit)
{
	put(t, "%.3g%% (%llu of %llu %s)", n ? 100.0 * (double)k / (double)n : 0.0,
	    (unsigned long long)k, (unsigned long long)n, unit);
}

/* "ratio 1.52 > limit 1.1", the comparison the verdict rests on */
static void against(struct text *t, double observed, double limit)
{
	if (isnan(observed))
		put(t, "no estimate yet, limit %.3g", limit);
	else if (isinf(observed))
		put(t, "ratio unbounded (none in the reference) > limit %.3g", limit);
	else
		put(t, "ratio %.3g %s limit %.3g", observed, observed > limit ? ">" : "<=", limit);
}

static void quantile(struct text *t, const struct judge_decision *d, const char *q)
{
	put(t,
	    "canary %s over the reference's, window by window (geometric mean of %u window%s "
	    "against %llu reference windows): ",
	    q, d->windows, d->windows == 1 ? "" : "s", (unsigned long long)d->ref_n);
	against(t, d->observed, d->limit);
}

static void errors(struct text *t, const struct judge_decision *d)
{
	put(t, "share of calls that returned an error: canary ");
	share(t, d->canary_bad, d->canary_n, "calls");
	put(t, " vs reference ");
	share(t, d->ref_bad, d->ref_n, "calls");
	put(t, ", ");
	against(t, d->observed, d->limit);
}

static void rare(struct text *t, const struct judge_decision *d)
{
	if (isnan(d->observed)) {
		put(t, "%llu canary calls ranked against %llu reference calls",
		    (unsigned long long)d->canary_n, (unsigned long long)d->ref_n);
		return;
	}
	put(t, "share of canary calls slower than max_p99_ratio (%.3g) x the reference's slowest: ",
	    d->limit);
	share(t, d->canary_bad, d->canary_n, "calls");
	put(t, " vs 1 in %llu by chance, ratio %.3g", (unsigned long long)d->ref_n + 1,
	    d->observed);
}

static void evidence(struct text *t, const struct judge_decision *d)
{
	switch (d->metric) {
	case JUDGE_CALLS:
		put(t, "calls: canary %llu, reference %llu, min_calls %.0f",
		    (unsigned long long)d->canary_n, (unsigned long long)d->ref_n, d->limit);
		return;
	case JUDGE_ERRORS_SEQ:
	case JUDGE_ERRORS:
		errors(t, d);
		return;
	case JUDGE_P50:
		quantile(t, d, "p50");
		return;
	case JUDGE_P90:
		quantile(t, d, "p90");
		return;
	case JUDGE_P99:
		quantile(t, d, "p99");
		return;
	case JUDGE_RARE:
		rare(t, d);
		return;
	case JUDGE_ONSET:
		put(t,
		    "canary %s over the reference's since a change within the stage (%u "
		    "windows): ",
		    d->note ? d->note : "latency", d->windows);
		against(t, d->observed, d->limit);
		return;
	case JUDGE_NMETRICS:
		break;
	}
	against(t, d->observed, d->limit);
}

int judge__describe(const struct judge_decision *d, char *buf, size_t len)
{
	struct text t = { buf, len, 0 };

	if (!d || !buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	put(&t, "%s %s %s: ", d->function, judge__metric_name(d->metric),
	    judge__verdict_name(d->verdict));
	evidence(&t, d);
	if (!isnan(d->ci_lo))
		put(&t, ", %.4g%% CI %.3g..%.3g", d->conf * 100, d->ci_lo, d->ci_hi);
	if (!isnan(d->p_value))
		put(&t, ", p=%.2g", d->p_value);
	if (!isnan(d->e_value))
		put(&t, ", e=%.3g (rejects at %.3g)", d->e_value, d->e_bar);
	if (d->dispersion > 1 && (d->metric == JUDGE_ERRORS_SEQ || d->metric == JUDGE_ERRORS))
		put(&t, ", calls discounted %.3gx for dispersion", d->dispersion);
	/* the onset's note is the quantile, said above */
	if (d->note && d->metric != JUDGE_ONSET)
		put(&t, " (%s)", d->note);
	return t.n < 0 ? -EINVAL : (size_t)t.n >= len ? -ENOSPC : 0;
}
