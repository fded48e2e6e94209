// SPDX-License-Identifier: GPL-2.0
/*
 * A stage's power, simulated with the judge's own code: tools/docs/design/judge.md,
 * "Power in check", says what is drawn and why.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "power.h"
#include "prng.h"
#include "stats.h"

static const double power_factors[POWER_NFACTORS] = { 1.1, 1.25, 1.5, 2, 3, 5, 10, 100 };

/*
 * Windows are drawn in runs of this many consecutive ones from the sample: a burst or a
 * drift lasts several windows, and the judge must see it as it was, not spread thin.
 */
#define POWER_BLOCK 5

enum power_effect { POWER_NONE, POWER_P50, POWER_P99 };

struct power_sim {
	const struct power_input *in;
	struct prng g;
	size_t block_left, at;
	double tail; /* the sample's pooled p98: a p99 slowdown hits above it */
};

static void sim_next(struct power_sim *s, struct hc_snapshot *w)
{
	size_t n = s->in->nr_sample;

	if (!s->block_left || s->at + 1 >= n) {
		s->at = n > POWER_BLOCK ? prng_below(&s->g, n - POWER_BLOCK + 1) :
					  prng_below(&s->g, n);
		s->block_left = POWER_BLOCK;
	} else {
		s->at++;
	}
	s->block_left--;
	*w = s->in->sample[s->at];
}

/* the bucket's middle, which is what a slowdown of its calls is applied to */
static double bucket_mid(unsigned int b)
{
	return ((double)hc_hist_lower(b) + (double)hc_hist_upper(b)) / 2;
}

/* every call (p50), or every call above the sample's p98 (p99), @f times slower */
static void slow_down(struct hc_snapshot *w, enum power_effect e, double f, double tail)
{
	uint64_t out[HC_HIST_BUCKETS];
	unsigned int b;

	memset(out, 0, sizeof(out));
	for (b = 0; b < HC_HIST_BUCKETS; b++) {
		double v = bucket_mid(b);

		if (!w->hist[b])
			continue;
		if (b < HC_HIST_OVERFLOW && (e == POWER_P50 || v > tail))
			out[hc_hist_bucket((uint64_t)fmin(v * f, 1e18))] += w->hist[b];
		else
			out[b] += w->hist[b];
	}
	memcpy(w->hist, out, sizeof(out));
}

/* one simulated rollout of the stage: its verdict, FAIL as soon as the judge says so */
static int sim_run(struct power_sim *s, enum power_effect e, double f, enum judge_verdict *v)
{
	const struct power_input *in = s->in;
	struct judge_result res;
	struct hc_snapshot w;
	unsigned int t, look;
	struct judge j;
	int err;

	err = judge__init(&j, "power", &in->cfg);
	if (err)
		return err;
	for (t = 0; t < in->base_windows && !err; t++) {
		sim_next(s, &w);
		err = judge__add_baseline(&j, &w);
	}
	/* the stage, and its extension when on_inconclusive says extend */
	for (look = 0; look < in->cfg.max_finish && !err; look++) {
		for (t = 0; t < in->stage_windows && !err; t++) {
			sim_next(s, &w);
			if (e != POWER_NONE)
				slow_down(&w, e, f, s->tail);
			err = judge__window(&j, &w, NULL, &res);
			if (!err && res.verdict == JUDGE_FAIL)
				goto out;
		}
		err = err ?: judge__finish(&j, &res);
		if (!err && res.verdict != JUDGE_INCONCLUSIVE)
			break;
	}
out:
	*v = res.verdict;
	judge__free(&j);
	return err;
}

static int sim_share(struct power_sim *s, enum power_effect e, double f, double *fail, double *pass)
{
	unsigned int i, nf = 0, np = 0;
	enum judge_verdict v;
	int err;

	for (i = 0; i < s->in->runs; i++) {
		err = sim_run(s, e, f, &v);
		if (err)
			return err;
		nf += v == JUDGE_FAIL;
		np += v == JUDGE_PASS;
	}
	*fail = (double)nf / s->in->runs;
	if (pass)
		*pass = (double)np / s->in->runs;
	return 0;
}

/* the smallest factor of the table caught in POWER_DETECT of runs: a bisection, as power grows */
static int sim_detect(struct power_sim *s, enum power_effect e, double *out)
{
	int lo = 0, hi = POWER_NFACTORS - 1, mid, err;
	double fail;

	err = sim_share(s, e, power_factors[hi], &fail, NULL);
	if (err)
		return err;
	if (fail < POWER_DETECT) {
		*out = 0;
		return 0;
	}
	while (lo < hi) {
		mid = (lo + hi) / 2;
		err = sim_share(s, e, power_factors[mid], &fail, NULL);
		if (err)
			return err;
		if (fail >= POWER_DETECT)
			hi = mid;
		else
			lo = mid + 1;
	}
	*out = power_factors[lo];
	return 0;
}

int power__stage(const struct power_input *in, struct power_result *out)
{
	uint64_t pooled[HC_HIST_BUCKETS];
	struct power_sim s = { .in = in };
	size_t i;
	unsigned int b;
	int err;

	if (!in || !out || !in->sample || !in->nr_sample || in->runs < 10 || !in->stage_windows ||
	    !in->base_windows)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memset(pooled, 0, sizeof(pooled));
	for (i = 0; i < in->nr_sample; i++)
		for (b = 0; b < HC_HIST_BUCKETS; b++)
			pooled[b] += in->sample[i].hist[b];
	s.tail = (double)hist__quantile(pooled, 0.98);
	prng_seed(&s.g, in->seed);
	err = sim_share(&s, POWER_NONE, 1, &out->fail, &out->pass);
	if (err)
		return err;
	out->hold = fmax(0, 1 - out->pass - out->fail);
	err = sim_detect(&s, POWER_P50, &out->detect[0]);
	return err ?: sim_detect(&s, POWER_P99, &out->detect[1]);
}

static uint64_t poisson(struct prng *g, double mean)
{
	double l, p = 1;
	uint64_t k = 0;

	/* a normal approximation where exp(-mean) would underflow or the loop run long */
	if (mean > 500)
		return (uint64_t)fmax(0, round(mean +
					       sqrt(mean) * stats__norm_quantile(prng_unit(g))));
	l = exp(-mean);
	for (;;) {
		p *= prng_unit(g);
		if (p <= l)
			return k;
		k++;
	}
}

int power__synth(double rate, double median_ns, double sigma, uint64_t seed,
		 struct hc_snapshot *out, size_t n)
{
	struct prng g;
	size_t i;
	uint64_t c, k;

	if (!out || !(rate > 0) || !(median_ns >= 1) || !(sigma >= 0) || rate > POWER_MAX_RATE)
		return -EINVAL;
	prng_seed(&g, seed);
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		c = poisson(&g, rate);
		for (k = 0; k < c; k++) {
			double z = stats__norm_quantile(prng_unit(&g));
			uint64_t ns = (uint64_t)fmin(median_ns * exp(sigma * z), 1e18);

			out[i].hist[hc_hist_bucket(ns)]++;
			out[i].sum_ns += ns;
			if (ns > out[i].max_ns)
				out[i].max_ns = ns;
		}
		out[i].calls = c;
	}
	return 0;
}
