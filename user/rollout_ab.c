// SPDX-License-Identifier: GPL-2.0
/*
 * 'hotcanary ab': the switchback loop, the patch taken out and put in period by period,
 * each period's figures kept for the report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "rollout_int.h"

/* ab: every process in (on) or out; a process that stays busy fails the switch */
static int ab_switch(struct rollout *r, bool on, char *err, size_t len)
{
	size_t i;
	int ret;

	if (!on)
		return rollout__deactivate(r, err, len);
	if (!r->nr_procs)
		return rollout__load(r, err, len);
	for (i = 0; i < r->nr_procs; i++) {
		enum rollout_proc_state st = r->procs[i].state;

		/* ab: a process reverted by the last off-switch goes in again */
		if (st != ROLLOUT_PROC_CONTROL && st != ROLLOUT_PROC_BUSY &&
		    st != ROLLOUT_PROC_REVERTED)
			continue;
		ret = rollout__proc_patch(r, i, err, len);
		if (ret)
			return ret;
	}
	return 0;
}

static int ab_period(struct rollout *r, bool on, uint64_t period_ns)
{
	struct rollout_period *p, *np;
	uint64_t next, end;
	size_t i;

	np = realloc(r->periods, (r->nr_periods + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	r->periods = np;
	p = &np[r->nr_periods];
	p->funcs = calloc(r->nr ? r->nr : 1, sizeof(*p->funcs));
	if (!p->funcs)
		return -ENOMEM;
	r->nr_periods++;
	p->on = on;
	p->start_ns = clock_ns(r);
	end = p->start_ns + period_ns;
	r->phase_end_ns = end;
	rollout__mark(r, "period", "%s, %.1f s", on ? "on" : "off", period_ns / 1e9);
	rollout__progress(r);
	/* 1 s windows, so that guardrail events and dead processes are seen as they happen */
	for (next = p->start_ns + ROLLOUT_WINDOW_NS;; next += ROLLOUT_WINDOW_NS) {
		if (next > end)
			next = end;
		if (!rollout__wait_until(r, next))
			return -EINTR;
		rollout__sample(r);
		for (i = 0; i < r->nr; i++) {
			const struct rollout_func *f = &r->funcs[i];

			/* a module's function counts only in windows probed throughout */
			if (!f->whole)
				continue;
			snapshot__accumulate(&p->funcs[i],
					     f->patched && !on ? &r->control_window[i] :
								 &f->window);
		}
		rollout__progress(r);
		if (next >= end)
			break;
	}
	p->duration_ns = clock_ns(r) - p->start_ns;
	return 0;
}

int rollout__ab(struct rollout *r, unsigned int rounds, uint64_t period_ns, bool end_on)
{
	bool on_now = false;
	char err[400];
	unsigned int i;
	int k, ret = 0;

	r->phase = ROLLOUT_PHASE_STAGE;
	r->stage = "ab";
	for (i = 0; i < rounds && !r->tripped && !ret; i++) {
		for (k = 0; k < 2 && !r->tripped && !ret; k++) {
			/* off-on, then on-off: ABBA order cancels a linear drift */
			bool on = (i % 2) ? k == 0 : k == 1;

			if (on != on_now) {
				r->phase = ROLLOUT_PHASE_ACTIVATE;
				rollout__mark(r, on ? "apply" : "revert", "round %u of %u", i + 1,
					      rounds);
				ret = ab_switch(r, on, err, sizeof(err));
				r->phase = ROLLOUT_PHASE_STAGE;
				if (ret) {
					rollout__trip(r, on ? "apply" : "revert", "round %u: %s",
						      i + 1, err);
					if (on)
						on_now = true; /* partly in: take it out below */
					break;
				}
				on_now = on;
				/* the switch's own calls belong to neither side */
				rollout__sample(r);
			}
			ret = ab_period(r, on, period_ns);
			if (ret == -EINTR)
				ret = 0;
		}
	}
	if (ret && ret != -ENOMEM)
		ret = 0;
	r->phase = ROLLOUT_PHASE_ROLLBACK;
	if (r->tripped || !end_on) {
		if (on_now && rollout__deactivate(r, err, sizeof(err))) {
			r->outcome = ROLLOUT_FAILED;
			snprintf(r->reason, sizeof(r->reason),
				 "%s; taking the patch out FAILED: %s",
				 r->tripped ? r->trip : "ab done", err);
			rollout__mark(r, "decision", "failed: %s", err);
			r->phase = ROLLOUT_PHASE_DONE;
			return -EIO;
		}
		r->outcome = ROLLOUT_ROLLED_BACK;
		if (r->tripped)
			snprintf(r->reason, sizeof(r->reason), "%s", r->trip);
		else
			snprintf(r->reason, sizeof(r->reason),
				 "%u rounds done; the patch ends "
				 "removed, as the policy's ab.end says",
				 rounds);
	} else {
		if (!on_now && ab_switch(r, true, err, sizeof(err))) {
			char rerr[256];

			/* could not end applied: end removed, the state that is known to be safe */
			r->outcome = rollout__deactivate(r, rerr, sizeof(rerr)) ?
					     ROLLOUT_FAILED :
					     ROLLOUT_ROLLED_BACK;
			snprintf(r->reason, sizeof(r->reason),
				 "%u rounds done, but the patch could "
				 "not be put back: %s",
				 rounds, err);
		} else {
			r->outcome = ROLLOUT_COMMITTED;
			snprintf(r->reason, sizeof(r->reason),
				 "%u rounds done; the patch ends "
				 "applied, as the policy's ab.end says",
				 rounds);
		}
	}
	rollout__mark(r, "decision", "%s: %s", rollout__outcome_name(r->outcome), r->reason);
	r->phase = ROLLOUT_PHASE_DONE;
	rollout__progress(r);
	return r->outcome == ROLLOUT_FAILED ? -EIO : ret;
}

size_t rollout__periods(const struct rollout *r, const struct rollout_period **periods)
{
	*periods = r->periods;
	return r->nr_periods;
}
