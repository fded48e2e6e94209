// SPDX-License-Identifier: GPL-2.0
/*
 * Deaths by fatal signals as counts (struct judge_fatal): the canary arm's rate against the
 * baseline's and the control arm's, tools/docs/design/judge.md, "Fatal signals".
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "judge.h"
#include "stats.h"

int judge_fatal__init(struct judge_fatal *f, double alpha, double r0)
{
	if (!f || !(alpha > 0 && alpha < 1) || !(r0 > 0) || !isfinite(r0))
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->alpha = alpha;
	f->r0 = r0;
	f->p = NAN;
	return 0;
}

int judge_fatal__add_baseline(struct judge_fatal *f, uint64_t deaths, double exposure)
{
	if (!f || !(exposure >= 0) || !isfinite(exposure))
		return -EINVAL;
	f->base_deaths += deaths;
	f->base_exposure += exposure;
	return 0;
}

void judge_fatal__next_stage(struct judge_fatal *f)
{
	f->can_deaths = f->ref_deaths = 0;
	f->can_exposure = f->ref_exposure = 0;
	f->looks = 0;
	f->rejected = false;
	f->p = NAN;
}

/*
 * The reference is the baseline and the control arm's windows of this stage: a death rate
 * that rises in every process at once (a load, a bad host) raises both arms. Without
 * reference exposure (no baseline, no control) no rate can be compared: the test waits.
 */
int judge_fatal__window(struct judge_fatal *f, uint64_t can_deaths, double can_exposure,
			uint64_t ref_deaths, double ref_exposure, struct judge_decision *d)
{
	double er, bar;

	if (!f || !d || !(can_exposure >= 0) || !(ref_exposure >= 0) || !isfinite(can_exposure) ||
	    !isfinite(ref_exposure))
		return -EINVAL;
	f->can_deaths += can_deaths;
	f->can_exposure += can_exposure;
	f->ref_deaths += ref_deaths;
	f->ref_exposure += ref_exposure;
	er = f->base_exposure + f->ref_exposure;
	if (can_deaths && !f->rejected && f->can_exposure > 0 && er > 0) {
		f->looks++;
		bar = stats__look_alpha(f->alpha, f->looks);
		stats__count_ratio_p(f->can_deaths, f->can_exposure, f->base_deaths + f->ref_deaths,
				     er, f->r0, &f->p);
		f->rejected = f->p <= bar;
	}
	memset(d, 0, sizeof(*d));
	snprintf(d->function, sizeof(d->function), "%s", "fatal signals");
	d->metric = JUDGE_ERRORS_SEQ;
	d->verdict = f->rejected ? JUDGE_FAIL : JUDGE_PENDING;
	d->observed = er > 0 && f->can_exposure > 0 ?
			      (f->can_deaths / f->can_exposure) /
				      ((f->base_deaths + f->ref_deaths + 0.5) / er) :
			      NAN;
	d->limit = f->r0;
	d->ci_lo = d->ci_hi = d->conf = NAN;
	d->p_value = f->p;
	d->e_value = d->e_bar = NAN;
	d->alpha = f->alpha;
	d->canary_bad = f->can_deaths;
	d->canary_n = (uint64_t)f->can_exposure;
	d->ref_bad = f->base_deaths + f->ref_deaths;
	d->ref_n = (uint64_t)er;
	d->dispersion = NAN;
	d->note = "deaths by fatal signals per process-window";
	return 0;
}
