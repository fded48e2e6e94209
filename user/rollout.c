// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include "rollout.h"
#include "units.h"
#include "taint.h"

/* taint bits a livepatch itself sets (K, O, E): expected, never a reason to roll back */
#define TAINT_EXPECTED	((1UL << 15) | (1UL << 12) | (1UL << 13))

struct rollout {
	const struct hc_policy *pol;
	struct rollout_hooks hooks;
	struct source *src;		/* borrowed */
	struct rollout_func *funcs;
	size_t nr;
	struct hc_snapshot *delta;	/* the last sample, per source function */
	enum rollout_outcome outcome;
	enum rollout_phase phase;
	const char *stage;
	unsigned int stage_idx;		/* 1-based, 0 before the first stage */
	uint64_t phase_end_ns;
	char reason[1024];
	/* a guardrail tripped or the operator asked to stop: roll back at the next chance */
	bool tripped;
	char trip[512];
	uint64_t applied_ns, rollback_ns;
	/* fatal signals: counted in the baseline and per stage window, judged as a rate */
	uint64_t base_fatal, fatal_window;
	struct seqtest fatal;
	struct rollout_mark marks[ROLLOUT_MAX_TIMELINE];
	size_t nr_marks;
	/*
	 * ulp: funcs[0..nr_patched) are the policy's functions; monitor function
	 * ARM_ID(f, p, side) watches function f of process p, in the target (side 0, control) or
	 * in the library (side 1, canary). The watch entries follow, one monitor id each.
	 */
	struct rollout_proc *procs;
	size_t nr_procs, nr_patched, nr_mon;
	char **arm_names;			/* "old -> new", per patched function */
	struct hc_snapshot *control_window;	/* per patched function, the last window */
	struct patch *patch;		/* borrowed */
	/* ab */
	struct rollout_period *periods;
	size_t nr_periods;
};

#define ARM_ID(r, f, p, side)	(((f) * (r)->nr_procs + (p)) * 2 + (side))

/* the source's clock: a scripted one in the tests */
static uint64_t clock_ns(const struct rollout *r)
{
	return r->src->ops->now(r->src);
}

static void mark(struct rollout *r, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void mark(struct rollout *r, const char *what, const char *fmt, ...)
{
	struct rollout_mark *m;
	va_list ap;

	if (r->nr_marks == ROLLOUT_MAX_TIMELINE)
		return;
	m = &r->marks[r->nr_marks++];
	m->mono_ns = clock_ns(r);
	clock_gettime(CLOCK_REALTIME, &m->wall);
	snprintf(m->what, sizeof(m->what), "%s", what);
	va_start(ap, fmt);
	vsnprintf(m->detail, sizeof(m->detail), fmt, ap);
	va_end(ap);
}

static void progress(struct rollout *r)
{
	if (r->hooks.progress)
		r->hooks.progress(r, r->hooks.ctx);
}

static void trip(struct rollout *r, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* @what: "guardrail", "judge" or "operator", for the timeline */
static void trip(struct rollout *r, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (r->tripped)
		return;
	r->tripped = true;
	va_start(ap, fmt);
	vsnprintf(r->trip, sizeof(r->trip), fmt, ap);
	va_end(ap);
	mark(r, what, "%s", r->trip);
}

static struct rollout_proc *proc_find(struct rollout *r, pid_t pid)
{
	size_t i;

	for (i = 0; i < r->nr_procs; i++)
		if (r->procs[i].pid == pid)
			return &r->procs[i];
	return NULL;
}

/* a patched process that dies or exits takes the whole rollout back: @sig 0 for an exit */
static void proc_died(struct rollout *r, pid_t pid, int sig)
{
	struct rollout_proc *p = proc_find(r, pid);

	if (!p)
		return;
	if (p->state == ROLLOUT_PROC_CANARY) {
		p->state = ROLLOUT_PROC_LOST;
		if (sig)
			snprintf(p->note, sizeof(p->note), "died of signal %d (%s) while patched",
				 sig, strsignal(sig));
		else
			snprintf(p->note, sizeof(p->note), "exited while patched");
		trip(r, "guardrail", "canary pid %d %s", pid, p->note);
	} else if (p->state == ROLLOUT_PROC_CONTROL || p->state == ROLLOUT_PROC_BUSY ||
		   p->state == ROLLOUT_PROC_REVERTED) {
		p->state = ROLLOUT_PROC_GONE;
		snprintf(p->note, sizeof(p->note), sig ? "died of signal %d, unpatched" :
			 "exited, unpatched", sig);
		mark(r, "process", "control pid %d %s", pid, p->note);
	}
}

static void on_guard(const struct guard_event *ev, void *ctx)
{
	const struct hc_policy *pol;
	struct rollout *r = ctx;
	char letters[48], sig[16];

	pol = r->pol;
	switch (ev->kind) {
	case GUARD_KERNEL_LOG:
		if (pol->guardrails.kernel_log)
			trip(r, "guardrail", "kernel %s: %s", ev->log_class, ev->log_text);
		break;
	case GUARD_TAINT:
		if (pol->guardrails.taint && (ev->taint_new & ~TAINT_EXPECTED))
			trip(r, "guardrail", "kernel taint: new %s",
			     taint__letters(ev->taint_new & ~TAINT_EXPECTED, letters, sizeof(letters)));
		break;
	case GUARD_FATAL_EXIT:
		if (!pol->guardrails.fatal_signals)
			break;
		snprintf(sig, sizeof(sig), "%d", ev->bpf->sig);
		mark(r, "fatal_exit", "pid %u (%.16s) died of signal %s", ev->bpf->pid,
		     ev->bpf->comm, sig);
		proc_died(r, (pid_t)ev->bpf->pid, ev->bpf->sig);
		if (r->phase == ROLLOUT_PHASE_BASELINE)
			r->base_fatal++;
		else
			r->fatal_window++;
		break;
	case GUARD_OOM_KILL:
		mark(r, "oom_kill", "pid %u (%.16s)", ev->bpf->pid, ev->bpf->comm);
		break;
	case GUARD_FATAL_SIGNAL:
		break;
	}
}

int rollout__new(struct rollout **rp, const struct hc_policy *pol, struct patch *patch,
		 struct source *src, const struct rollout_hooks *hooks)
{
	struct rollout *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->pol = pol;
	r->patch = patch;
	r->src = src;
	if (hooks)
		r->hooks = *hooks;
	r->outcome = ROLLOUT_RUNNING;
	r->phase = ROLLOUT_PHASE_BASELINE;
	*rp = r;
	return 0;
}

/* the monitor id of watch entry @i (i >= nr_patched), or of function @i without arms */
static size_t mon_id(const struct rollout *r, size_t i)
{
	return 2 * r->nr_patched * r->nr_procs + (i - r->nr_patched);
}

/*
 * A per-process patch: its processes, whose arms the stages move (in this order), and every
 * function it redirects, per process, in the target (control) and the library (canary)
 */
static int add_arms(struct rollout *r, char *err, size_t len)
{
	const struct patch_ops *ops = r->patch->ops;
	const struct hc_policy *p = r->pol;
	const struct patch_func *funcs;
	const uint64_t *start_times;
	const pid_t *pids;
	size_t f, i, nf;
	int side, ret;

	r->nr_procs = ops->procs ? ops->procs(r->patch, &pids, &start_times) : 0;
	if (!r->nr_procs)
		return 0;
	r->procs = calloc(r->nr_procs, sizeof(*r->procs));
	if (!r->procs) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < r->nr_procs; i++) {
		r->procs[i].pid = pids[i];
		r->procs[i].start_time = start_times[i];
	}
	nf = ops->funcs(r->patch, &funcs);
	if (2 * nf * r->nr_procs + p->nr_watch > HC_MAX_FUNCS) {
		snprintf(err, len, "%zu functions in %zu processes need %zu probes; at most %d: "
			 "list fewer processes under 'processes.pids'", nf, r->nr_procs,
			 2 * nf * r->nr_procs, HC_MAX_FUNCS);
		return -E2BIG;
	}
	r->nr_patched = nf;
	r->arm_names = calloc(r->nr_patched, sizeof(*r->arm_names));
	r->control_window = calloc(r->nr_patched, sizeof(*r->control_window));
	if (!r->arm_names || !r->control_window)
		return -ENOMEM;
	for (f = 0; f < r->nr_patched; f++) {
		const struct patch_func *pf = &funcs[f];

		if (asprintf(&r->arm_names[f], "%s -> %s", pf->old_sym, pf->new_sym) < 0) {
			r->arm_names[f] = NULL;
			return -ENOMEM;
		}
		for (i = 0; i < r->nr_procs; i++) {
			for (side = 0; side < 2; side++) {
				char text[PATH_MAX + 160];
				struct hc_funcspec spec = {
					.kind = HC_FUNC_USER,
					.text = text,
					.path = side ? pf->library : pf->target,
					.symbol = side ? pf->new_sym : pf->old_sym,
					.pid = r->procs[i].pid,
				};

				snprintf(text, sizeof(text), "user:%s:%s@%d", spec.path, spec.symbol,
					 spec.pid);
				/* the library's side is attached when the process is patched */
				ret = r->src->ops->add(r->src, &spec, pf->errors,
						       side ? MONITOR_DEFERRED : 0, err, len);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

static void on_proc_exit(size_t i, void *ctx)
{
	struct rollout *r = ctx;

	proc_died(r, r->procs[i].pid, 0);
}

static void on_stop(int sig, void *ctx)
{
	trip(ctx, "operator", "stopped by %s", strsignal(sig));
}

static int judge_config(const struct rollout *r, struct judge_config *cfg)
{
	const struct hc_policy *p = r->pol;
	size_t tests = r->nr * (p->nr_stages ? p->nr_stages : 1);

	judge__config_defaults(cfg);
	cfg->design = r->nr_procs ? JUDGE_CONCURRENT : JUDGE_BEFORE_AFTER;
	/* the run's false-rollback budget, split over every function and stage (Bonferroni) */
	cfg->alpha = p->judge.alpha / (double)(tests + 1);
	cfg->min_calls = p->judge.min_calls;
	cfg->max_p50_ratio = p->judge.max_p50_ratio;
	cfg->max_p99_ratio = p->judge.max_p99_ratio;
	cfg->max_error_ratio = p->judge.max_error_ratio;
	cfg->max_finish = p->judge.on_inconclusive == HC_INCONCLUSIVE_EXTEND ? 2 : 1;
	return 0;
}

int rollout__prepare(struct rollout *r, char *err, size_t len)
{
	const struct source_events ev = {
		.guard = on_guard, .proc_exit = on_proc_exit, .stop = on_stop, .ctx = r,
	};
	const struct hc_policy *p = r->pol;
	struct judge_config cfg;
	pid_t *pids;
	size_t i;
	int ret;

	ret = add_arms(r, err, len);
	if (ret)
		return ret;
	for (i = 0; i < p->nr_watch; i++) {
		ret = r->src->ops->add(r->src, &p->watch[i].func, p->watch[i].errors, 0, err,
				       len);
		if (ret)
			return ret;
	}
	r->nr_mon = r->src->ops->func_cnt(r->src);
	r->nr = r->nr_patched + p->nr_watch;
	r->funcs = calloc(r->nr, sizeof(*r->funcs));
	r->delta = calloc(r->nr_mon ? r->nr_mon : 1, sizeof(*r->delta));
	if (!r->funcs || !r->delta)
		return -ENOMEM;
	judge_config(r, &cfg);
	for (i = 0; i < r->nr; i++) {
		struct rollout_func *f = &r->funcs[i];
		struct judge_config solo = cfg;

		f->stages = calloc(p->nr_stages ? p->nr_stages : 1, sizeof(*f->stages));
		if (!f->stages)
			return -ENOMEM;
		f->patched = i < r->nr_patched;
		f->name = f->patched ? r->arm_names[i] :
			  r->src->ops->func_name(r->src, mon_id(r, i));
		/* a watch entry of a ulp policy has no control arm: before/after */
		if (!f->patched)
			cfg.design = JUDGE_BEFORE_AFTER;
		solo.design = JUDGE_BEFORE_AFTER;
		ret = judge__init(&f->judge, f->name, &cfg);
		ret = ret ?: f->patched ? judge__init(&f->solo, f->name, &solo) : 0;
		if (ret) {
			snprintf(err, len, "invalid judge settings for '%s'", f->name);
			return ret;
		}
	}
	ret = seqtest__init(&r->fatal, cfg.alpha, SEQTEST_BASELINE, 1.0);
	if (ret) {
		snprintf(err, len, "invalid judge alpha %g", cfg.alpha);
		return ret;
	}
	pids = calloc(r->nr_procs ? r->nr_procs : 1, sizeof(*pids));
	if (!pids)
		return -ENOMEM;
	for (i = 0; i < r->nr_procs; i++)
		pids[i] = r->procs[i].pid;
	ret = r->src->ops->start(r->src, &ev, pids, r->nr_procs, err, len);
	free(pids);
	if (ret)
		return ret;
	if (r->nr_procs)
		mark(r, "monitor", "%zu function%s in %zu process%s, probes %s", r->nr_patched,
		     r->nr_patched == 1 ? "" : "s", r->nr_procs, r->nr_procs == 1 ? "" : "es",
		     r->src->ops->mode_name(r->src));
	else
		mark(r, "monitor", "%zu function%s, probes %s", r->nr, r->nr == 1 ? "" : "s",
		     r->src->ops->mode_name(r->src));
	return 0;
}

/* wait until @until (the source's clock), handling the events; false if tripped */
static bool wait_until(struct rollout *r, uint64_t until)
{
	while (!r->tripped) {
		uint64_t t = clock_ns(r);

		r->src->ops->poll(r->src);
		if (r->tripped || t >= until)
			break;
		r->src->ops->wait(r->src, until);
	}
	return !r->tripped;
}

static void sample(struct rollout *r)
{
	size_t i, p;

	r->src->ops->sample(r->src, r->delta);
	for (p = 0; p < r->nr_procs; p++)
		r->procs[p].window_calls = 0;
	for (i = 0; i < r->nr; i++) {
		struct rollout_func *f = &r->funcs[i];

		if (!f->patched) {
			f->window = r->delta[mon_id(r, i)];
			continue;
		}
		/* the arms as they are now: processes move only between windows */
		memset(&f->window, 0, sizeof(f->window));
		memset(&r->control_window[i], 0, sizeof(r->control_window[i]));
		for (p = 0; p < r->nr_procs; p++) {
			struct rollout_proc *pr = &r->procs[p];

			if (pr->state == ROLLOUT_PROC_CANARY) {
				snapshot__accumulate(&f->window, &r->delta[ARM_ID(r, i, p, 1)]);
				pr->window_calls += r->delta[ARM_ID(r, i, p, 1)].calls;
			} else {
				snapshot__accumulate(&r->control_window[i],
						     &r->delta[ARM_ID(r, i, p, 0)]);
				pr->window_calls += r->delta[ARM_ID(r, i, p, 0)].calls;
			}
		}
	}
}

/*
 * The reference's cells of the last window for function @i (judge__add_cell): each control
 * process's window where the function has arms, else the whole window. A patched function's
 * solo judge takes the baseline's cells too: it has no control later.
 */
static void add_cells(struct rollout *r, size_t i)
{
	struct rollout_func *f = &r->funcs[i];
	size_t p;

	if (!f->patched) {
		judge__add_cell(&f->judge, &f->window);
		return;
	}
	for (p = 0; p < r->nr_procs; p++) {
		const struct hc_snapshot *c = &r->delta[ARM_ID(r, i, p, 0)];

		if (r->procs[p].state == ROLLOUT_PROC_CANARY)
			continue;
		judge__add_cell(&f->judge, c);
		if (r->phase == ROLLOUT_PHASE_BASELINE)
			judge__add_cell(&f->solo, c);
	}
}

static int baseline(struct rollout *r)
{
	uint64_t end = clock_ns(r) + r->pol->baseline.duration_ns, next;
	size_t i;

	r->phase = ROLLOUT_PHASE_BASELINE;
	r->phase_end_ns = end;
	mark(r, "baseline", "start, %.1f s", r->pol->baseline.duration_ns / 1e9);
	progress(r);
	for (next = clock_ns(r) + ROLLOUT_WINDOW_NS; next <= end + ROLLOUT_WINDOW_NS / 2;
	     next += ROLLOUT_WINDOW_NS) {
		if (!wait_until(r, next))
			return -EINTR;
		sample(r);
		for (i = 0; i < r->nr; i++) {
			struct rollout_func *f = &r->funcs[i];
			/* before any change every process is in the control arm */
			const struct hc_snapshot *w = f->patched ? &r->control_window[i] : &f->window;

			snapshot__accumulate(&f->baseline, w);
			f->base_windows++;
			judge__add_baseline(&f->judge, w);
			if (f->patched)
				judge__add_baseline(&f->solo, w);
			add_cells(r, i);
		}
		for (i = 0; i < r->nr_procs; i++)
			r->procs[i].base_calls += r->procs[i].window_calls;
		progress(r);
	}
	mark(r, "baseline", "end");
	return 0;
}

static void format_decision(const struct judge_decision *d, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "%s %s %s: observed %.3g, limit %.3g", d->function,
		     judge__metric_name(d->metric), judge__verdict_name(d->verdict), d->observed,
		     d->limit);
	if (!isnan(d->ci_lo) && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, ", %.0f%% CI %.3g..%.3g", d->conf * 100, d->ci_lo,
			      d->ci_hi);
	if (!isnan(d->p_value) && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, ", p=%.2g", d->p_value);
	if (!isnan(d->e_value) && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, ", e=%.3g (rejects at %.3g)", d->e_value, d->e_bar);
	if (d->dispersion > 1 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, ", calls discounted %.3gx for dispersion",
			      d->dispersion);
	if (d->note && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " (%s)", d->note);
}

/*
 * A patched process whose calls stop while the others' go on is hung or lost its callers.
 * Each process is held to its own baseline rate (a supervisor that never calls the function
 * is never expected to), scaled by how busy the control processes are now against their
 * baseline, so that a drop in load everywhere is not blamed on the patch.
 */
static void proc_guardrails(struct rollout *r)
{
	const struct hc_policy *p = r->pol;
	const double ratio = p->guardrails.min_call_ratio;
	uint64_t ctl_now = 0, ctl_base = 0;
	double windows, drift = 1;
	size_t i;

	if (!r->nr_procs || !ratio || !r->nr_patched || !r->funcs[0].base_windows)
		return;
	windows = r->funcs[0].base_windows;
	for (i = 0; i < r->nr_procs; i++) {
		const struct rollout_proc *pr = &r->procs[i];

		if (pr->state == ROLLOUT_PROC_CONTROL || pr->state == ROLLOUT_PROC_BUSY) {
			ctl_now += pr->window_calls;
			ctl_base += pr->base_calls;
		}
	}
	if (ctl_base) {
		drift = ctl_now / (ctl_base / windows);
		/* the controls stopped too: nothing the patch did */
		if (drift < ratio)
			return;
	}
	for (i = 0; i < r->nr_procs; i++) {
		const struct rollout_proc *pr = &r->procs[i];
		double expect = pr->base_calls / windows * fmin(drift, 1);

		/* below a few calls per window silence is normal, not a stall */
		if (pr->state != ROLLOUT_PROC_CANARY || expect * ratio < 2)
			continue;
		if ((double)pr->window_calls < ratio * expect)
			trip(r, "guardrail", "canary pid %d made %llu calls in the last window, below "
			     "%.2g x the %.1f expected from its baseline%s", pr->pid,
			     (unsigned long long)pr->window_calls, ratio, expect,
			     ctl_base ? " and the control processes' load now" : "");
	}
}

/* guardrails that need no statistics, checked on every stage window */
static void window_guardrails(struct rollout *r)
{
	const struct hc_policy *p = r->pol;
	size_t i;

	proc_guardrails(r);
	for (i = 0; i < r->nr; i++) {
		const struct rollout_func *f = &r->funcs[i];
		double mean;

		/* the arms change size from stage to stage: proc_guardrails() judges them */
		if (f->patched || !f->base_windows || f->baseline.calls < p->judge.min_calls)
			continue;
		mean = (double)f->baseline.calls / f->base_windows;
		if ((double)f->window.calls < p->guardrails.min_call_ratio * mean)
			trip(r, "guardrail", "%s: %llu calls in the last window, below %.2g x the baseline's "
			     "%.1f per window", f->name, (unsigned long long)f->window.calls,
			     p->guardrails.min_call_ratio, mean);
	}
	if (p->guardrails.fatal_signals) {
		/* fatal deaths per window against the baseline's rate, exposure in windows */
		seqtest__update(&r->fatal, r->fatal_window, 1, r->base_fatal,
				r->funcs ? r->funcs[0].base_windows : 1);
		if (seqtest__rejected(&r->fatal))
			trip(r, "guardrail", "fatal signals: %llu in the last window against %llu in the "
			     "baseline, e=%.3g", (unsigned long long)r->fatal_window,
			     (unsigned long long)r->base_fatal, seqtest__evalue(&r->fatal));
		r->fatal_window = 0;
	}
}

static size_t stage_targets(const struct rollout *r, size_t s)
{
	const struct hc_policy_stage *st = &r->pol->stages[s];
	size_t k = st->targets;

	if (st->targets_kind == HC_TARGETS_PERCENT)
		k = (st->targets * r->nr_procs + 99) / 100;
	return k > r->nr_procs ? r->nr_procs : k ? k : 1;
}

/*
 * Move process @i into the canary arm. Its probes on the old function go first: the kernel
 * would execute the file's original instruction under a uprobe, not our jump (research 6.7).
 * The library's probes go in before the jump, so no patched call is missed.
 */
static int proc_patch(struct rollout *r, size_t i, char *err, size_t len)
{
	struct rollout_proc *pr = &r->procs[i];
	char aerr[200];
	size_t f;
	int ret = 0;

	for (f = 0; f < r->nr_patched; f++)
		r->src->ops->detach_func(r->src, ARM_ID(r, f, i, 0));
	for (f = 0; f < r->nr_patched && !ret; f++)
		ret = r->src->ops->attach_func(r->src, ARM_ID(r, f, i, 1), err, len);
	ret = ret ?: r->patch->ops->patch_one(r->patch, i, err, len);
	if (!ret) {
		pr->state = ROLLOUT_PROC_CANARY;
		pr->was_patched = true;
		return 0;
	}
	for (f = 0; f < r->nr_patched; f++)
		r->src->ops->detach_func(r->src, ARM_ID(r, f, i, 1));
	for (f = 0; f < r->nr_patched; f++)
		if (r->src->ops->attach_func(r->src, ARM_ID(r, f, i, 0), aerr, sizeof(aerr)))
			mark(r, "monitor", "pid %d: %s", pr->pid, aerr);
	return ret;
}

/* the mirror: the library's probes out, the original bytes back, then the old probes */
static int proc_revert(struct rollout *r, size_t i, char *err, size_t len)
{
	struct rollout_proc *pr = &r->procs[i];
	char aerr[200];
	size_t f;
	int ret;

	for (f = 0; f < r->nr_patched; f++)
		r->src->ops->detach_func(r->src, ARM_ID(r, f, i, 1));
	ret = r->patch->ops->revert_one(r->patch, i, err, len);
	if (ret) {
		pr->state = ROLLOUT_PROC_FAILED;
		snprintf(pr->note, sizeof(pr->note), "revert failed: %s", err);
		return ret;
	}
	pr->state = ROLLOUT_PROC_REVERTED;
	for (f = 0; f < r->nr_patched; f++)
		if (r->src->ops->attach_func(r->src, ARM_ID(r, f, i, 0), aerr, sizeof(aerr)))
			mark(r, "monitor", "pid %d: %s", pr->pid, aerr);
	return 0;
}

/* a whole-host patch in, and in effect everywhere */
static int load(struct rollout *r, char *err, size_t len)
{
	const struct patch_ops *ops = r->patch->ops;
	int ret;

	ret = ops->load(r->patch, err, len);
	return ret ?: ops->wait ? ops->wait(r->patch, err, len) : 0;
}

/*
 * Make stage @s's share of the patch live: the whole patch at stage 0 for klp and exec; for
 * ulp, patch processes in order until the stage's target count is reached. A process busy
 * past the deadline stays unpatched in the control arm; any other failure is returned.
 */
static int activate(struct rollout *r, size_t s, char *err, size_t len)
{
	size_t i, k, n = 0, busy = 0;
	char perr[400];
	int pass, ret;

	/* not a type test: a driver either goes in process by process or host-wide */
	if (!r->nr_procs)
		return s ? 0 : load(r, err, len);
	k = stage_targets(r, s);
	for (i = 0; i < r->nr_procs; i++)
		n += r->procs[i].state == ROLLOUT_PROC_CANARY;
	/*
	 * Processes that called the functions in the baseline first: a canary that makes no
	 * calls (a supervisor) gives the judge nothing. A process that was busy before is tried
	 * again last.
	 */
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < r->nr_procs && n < k && !r->tripped; i++) {
			struct rollout_proc *pr = &r->procs[i];

			if (pass < 2 ? pr->state != ROLLOUT_PROC_CONTROL ||
				       !pr->base_calls != (pass == 1) :
				       pr->state != ROLLOUT_PROC_BUSY)
				continue;
			ret = proc_patch(r, i, perr, sizeof(perr));
			if (ret == -EBUSY) {
				pr->state = ROLLOUT_PROC_BUSY;
				snprintf(pr->note, sizeof(pr->note), "%s", perr);
				mark(r, "busy", "%s", perr);
				busy++;
				continue;
			}
			if (ret) {
				snprintf(err, len, "%s", perr);
				return ret;
			}
			n++;
			mark(r, "patched", "pid %d (%zu of %zu in the canary)", pr->pid, n, k);
		}
	}
	if (!n) {
		snprintf(err, len, "no process could be patched%s%.360s", busy ? ": " : "",
			 busy ? perr : "");
		return -EBUSY;
	}
	if (n < k)
		mark(r, "stage", "%zu of %zu processes patched; %zu busy, left unpatched", n, k,
		     busy);
	return 0;
}

/* take every patched process back, newest first; all are tried even if one fails */
static int deactivate(struct rollout *r, char *err, size_t len)
{
	char perr[400];
	size_t i, failed = 0;
	int ret, first = 0;

	if (!r->nr_procs)
		return r->patch->ops->revert(r->patch, err, len);
	for (i = r->nr_procs; i-- > 0;) {
		if (r->procs[i].state != ROLLOUT_PROC_CANARY)
			continue;
		ret = proc_revert(r, i, perr, sizeof(perr));
		if (ret) {
			if (!failed++)
				snprintf(err, len, "%s", perr);
			first = first ?: ret;
		} else {
			mark(r, "reverted", "pid %d", r->procs[i].pid);
		}
	}
	if (failed > 1)
		snprintf(err + strlen(err), len - strlen(err), " (and %zu more processes)",
			 failed - 1);
	return first;
}

/* each patched function is judged against the control arm while it has a process */
static void arms_begin_stage(struct rollout *r)
{
	size_t i, nctl = 0;

	for (i = 0; i < r->nr_procs; i++)
		nctl += r->procs[i].state == ROLLOUT_PROC_CONTROL ||
			r->procs[i].state == ROLLOUT_PROC_BUSY;
	for (i = 0; i < r->nr_patched; i++)
		r->funcs[i].concurrent = nctl > 0;
	if (r->nr_procs && !nctl)
		mark(r, "judge", "no control process left: stage %s is judged against the baseline",
		     r->stage);
}

/* one stage window; false when the rollout must roll back now */
static bool stage_window(struct rollout *r, uint64_t until)
{
	char why[400];
	size_t i;

	if (!wait_until(r, until))
		return false;
	sample(r);
	for (i = 0; i < r->nr; i++) {
		struct rollout_func *f = &r->funcs[i];

		snapshot__accumulate(&f->canary, &f->window);
		if (f->patched && f->concurrent) {
			snapshot__accumulate(&f->control, &r->control_window[i]);
			judge__window(&f->judge, &f->window, &r->control_window[i], &f->last);
			/* after the window's tests: they must not see its own spread */
			add_cells(r, i);
		} else {
			judge__window(f->patched ? &f->solo : &f->judge, &f->window, NULL,
				      &f->last);
		}
		if (f->last.verdict == JUDGE_FAIL && f->last.reason >= 0) {
			format_decision(&f->last.d[f->last.reason], why, sizeof(why));
			trip(r, "judge", "%s", why);
		}
	}
	window_guardrails(r);
	progress(r);
	return !r->tripped;
}

/* the end-of-stage verdict over every function: the worst one decides */
static enum judge_verdict stage_verdict(struct rollout *r, char *why, size_t len)
{
	enum judge_verdict worst = JUDGE_PASS;
	static const int rank[] = {
		[JUDGE_PENDING] = 0, [JUDGE_PASS] = 0, [JUDGE_NODATA] = 1,
		[JUDGE_INCONCLUSIVE] = 2, [JUDGE_FAIL] = 3,
	};
	size_t i;

	why[0] = '\0';
	for (i = 0; i < r->nr; i++) {
		struct rollout_func *f = &r->funcs[i];

		if (judge__finish(f->patched && !f->concurrent ? &f->solo : &f->judge, &f->last))
			continue;
		if (rank[f->last.verdict] > rank[worst]) {
			worst = f->last.verdict;
			if (f->last.reason >= 0)
				format_decision(&f->last.d[f->last.reason], why, len);
		}
	}
	return worst;
}

/* each function's verdicts in stage @s, kept for the report once the stage ends or trips */
static void keep_stage(struct rollout *r, size_t s)
{
	size_t i;

	for (i = 0; i < r->nr; i++) {
		struct rollout_func *f = &r->funcs[i];

		f->stages[s].reached = true;
		f->stages[s].concurrent = f->patched && f->concurrent;
		f->stages[s].res = f->last;
	}
}

/* what a stage's end-of-stage verdict leads to */
enum stage_next {
	STAGE_NEXT,		/* on to the next stage, or commit after the last */
	STAGE_EXTEND,		/* run the stage again, once */
	STAGE_ROLLBACK,
};

/* the judge's verdict, and judge.on_inconclusive when it is not conclusive */
static enum stage_next stage_next(const struct hc_policy *p, enum judge_verdict v, bool extended)
{
	if (v == JUDGE_FAIL)
		return STAGE_ROLLBACK;
	if (v != JUDGE_INCONCLUSIVE && v != JUDGE_NODATA)
		return STAGE_NEXT;
	switch (p->judge.on_inconclusive) {
	case HC_INCONCLUSIVE_EXTEND:
		/* extended once already: as rollback */
		return extended ? STAGE_ROLLBACK : STAGE_EXTEND;
	case HC_INCONCLUSIVE_ROLLBACK:
		return STAGE_ROLLBACK;
	case HC_INCONCLUSIVE_COMMIT:
		return STAGE_NEXT;
	}
	return STAGE_ROLLBACK;
}

static int stages(struct rollout *r)
{
	const struct hc_policy *p = r->pol;
	enum judge_verdict v;
	char why[400];
	size_t s, i;
	int ret;

	r->phase = ROLLOUT_PHASE_STAGE;
	for (s = 0; s < p->nr_stages; s++) {
		const struct hc_policy_stage *st = &p->stages[s];
		bool extended = false;
		uint64_t end, next;

		r->stage = st->name;
		r->stage_idx = (unsigned int)s + 1;
		if (s) {
			ret = activate(r, s, why, sizeof(why));
			if (ret) {
				trip(r, "apply", "stage %s: %s", st->name, why);
				return -EAGAIN;
			}
			/* calls made while processes moved belong to neither arm */
			sample(r);
		}
		arms_begin_stage(r);
		end = clock_ns(r) + st->duration_ns;
again:
		r->phase_end_ns = end;
		mark(r, "stage", "%s%s, %.1f s", st->name, extended ? " (extended)" : "",
		     st->duration_ns / 1e9);
		progress(r);
		for (next = clock_ns(r) + ROLLOUT_WINDOW_NS; next <= end + ROLLOUT_WINDOW_NS / 2;
		     next += ROLLOUT_WINDOW_NS) {
			if (!stage_window(r, next)) {
				keep_stage(r, s);
				return -EAGAIN;
			}
		}
		v = stage_verdict(r, why, sizeof(why));
		keep_stage(r, s);
		mark(r, "verdict", "stage %s: %s%s%s", st->name, judge__verdict_name(v),
		     why[0] ? ": " : "", why);
		switch (stage_next(p, v, extended)) {
		case STAGE_NEXT:
			break;
		case STAGE_EXTEND:
			extended = true;
			end = clock_ns(r) + st->duration_ns;
			goto again;
		case STAGE_ROLLBACK:
			if (v == JUDGE_FAIL)
				trip(r, "judge", "%s", why);
			else
				trip(r, "judge", "stage %s %s%s%s", st->name, judge__verdict_name(v),
				     why[0] ? ": " : "", why);
			return -EAGAIN;
		}
		for (i = 0; i < r->nr; i++) {
			judge__next_stage(&r->funcs[i].judge);
			if (r->funcs[i].patched)
				judge__next_stage(&r->funcs[i].solo);
		}
	}
	return 0;
}

int rollout__run(struct rollout *r)
{
	const struct patch *patch = r->patch;
	char err[400];
	int ret;

	ret = baseline(r);
	if (ret || r->tripped) {
		/* the host was unhealthy before anything changed: do not make it worse */
		r->outcome = ROLLOUT_REFUSED;
		snprintf(r->reason, sizeof(r->reason), "during the baseline, before any change: %s",
			 r->trip);
		mark(r, "decision", "refused: %s", r->reason);
		r->phase = ROLLOUT_PHASE_DONE;
		return 0;
	}
	r->phase = ROLLOUT_PHASE_ACTIVATE;
	r->phase_end_ns = 0;
	r->stage = r->pol->nr_stages ? r->pol->stages[0].name : NULL;
	mark(r, "apply", "%s", patch->ops->name);
	progress(r);
	ret = activate(r, 0, err, sizeof(err));
	if (ret) {
		bool any = false;
		char rerr[256];
		size_t i;

		for (i = 0; i < r->nr_procs; i++)
			any |= r->procs[i].was_patched;
		if (ret == -EBUSY && r->nr_procs && !any) {
			/* every process was left untouched: a refusal, not a rollback */
			r->outcome = ROLLOUT_REFUSED;
			snprintf(r->reason, sizeof(r->reason), "%s", err);
			mark(r, "decision", "refused: %s", r->reason);
			r->phase = ROLLOUT_PHASE_DONE;
			return 0;
		}
		r->outcome = ROLLOUT_ROLLED_BACK;
		snprintf(r->reason, sizeof(r->reason), "apply failed and was undone: %s", err);
		if ((patch->ops->revert_failed_load || any) && deactivate(r, rerr, sizeof(rerr))) {
			r->outcome = ROLLOUT_FAILED;
			snprintf(r->reason, sizeof(r->reason), "apply failed (%s), and so did the "
				 "revert: %s", err, rerr);
		}
		mark(r, "decision", "%s: %s", rollout__outcome_name(r->outcome), r->reason);
		r->phase = ROLLOUT_PHASE_DONE;
		return 0;
	}
	r->applied_ns = clock_ns(r);
	mark(r, "applied", "%s", patch->ops->name);
	/* calls made while the patch went in belong to neither side: the stage starts clean */
	sample(r);
	ret = stages(r);
	if (!ret) {
		r->outcome = ROLLOUT_COMMITTED;
		snprintf(r->reason, sizeof(r->reason), "every stage passed");
		mark(r, "decision", "committed");
		r->phase = ROLLOUT_PHASE_DONE;
		progress(r);
		return 0;
	}
	r->phase = ROLLOUT_PHASE_ROLLBACK;
	r->rollback_ns = clock_ns(r);
	snprintf(r->reason, sizeof(r->reason), "%s", r->trip);
	mark(r, "rollback", "%s", r->trip);
	progress(r);
	ret = deactivate(r, err, sizeof(err));
	r->phase = ROLLOUT_PHASE_DONE;
	if (ret) {
		r->outcome = ROLLOUT_FAILED;
		snprintf(r->reason + strlen(r->reason), sizeof(r->reason) - strlen(r->reason),
			 "; rollback FAILED: %s", err);
		mark(r, "decision", "rollback failed: %s", err);
		return ret;
	}
	r->outcome = ROLLOUT_ROLLED_BACK;
	mark(r, "decision", "rolled-back");
	progress(r);
	return 0;
}

/* ab: every process in (on) or out; a process that stays busy fails the switch */
static int ab_switch(struct rollout *r, bool on, char *err, size_t len)
{
	size_t i;
	int ret;

	if (!on)
		return deactivate(r, err, len);
	if (!r->nr_procs)
		return load(r, err, len);
	for (i = 0; i < r->nr_procs; i++) {
		enum rollout_proc_state st = r->procs[i].state;

		/* ab: a process reverted by the last off-switch goes in again */
		if (st != ROLLOUT_PROC_CONTROL && st != ROLLOUT_PROC_BUSY &&
		    st != ROLLOUT_PROC_REVERTED)
			continue;
		ret = proc_patch(r, i, err, len);
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
	mark(r, "period", "%s, %.1f s", on ? "on" : "off", period_ns / 1e9);
	progress(r);
	/* 1 s windows, so that guardrail events and dead processes are seen as they happen */
	for (next = p->start_ns + ROLLOUT_WINDOW_NS; ; next += ROLLOUT_WINDOW_NS) {
		if (next > end)
			next = end;
		if (!wait_until(r, next))
			return -EINTR;
		sample(r);
		for (i = 0; i < r->nr; i++) {
			const struct rollout_func *f = &r->funcs[i];

			snapshot__accumulate(&p->funcs[i], f->patched && !on ? &r->control_window[i] :
					     &f->window);
		}
		progress(r);
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
				mark(r, on ? "apply" : "revert", "round %u of %u", i + 1, rounds);
				ret = ab_switch(r, on, err, sizeof(err));
				r->phase = ROLLOUT_PHASE_STAGE;
				if (ret) {
					trip(r, on ? "apply" : "revert", "round %u: %s", i + 1, err);
					if (on)
						on_now = true;	/* partly in: take it out below */
					break;
				}
				on_now = on;
				/* the switch's own calls belong to neither side */
				sample(r);
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
		if (on_now && deactivate(r, err, sizeof(err))) {
			r->outcome = ROLLOUT_FAILED;
			snprintf(r->reason, sizeof(r->reason), "%s; taking the patch out FAILED: %s",
				 r->tripped ? r->trip : "ab done", err);
			mark(r, "decision", "failed: %s", err);
			r->phase = ROLLOUT_PHASE_DONE;
			return -EIO;
		}
		r->outcome = ROLLOUT_ROLLED_BACK;
		if (r->tripped)
			snprintf(r->reason, sizeof(r->reason), "%s", r->trip);
		else
			snprintf(r->reason, sizeof(r->reason), "%u rounds done; the patch ends "
				 "removed, as the policy's ab.end says", rounds);
	} else {
		if (!on_now && ab_switch(r, true, err, sizeof(err))) {
			char rerr[256];

			/* could not end applied: end removed, the state that is known to be safe */
			r->outcome = deactivate(r, rerr, sizeof(rerr)) ? ROLLOUT_FAILED :
				     ROLLOUT_ROLLED_BACK;
			snprintf(r->reason, sizeof(r->reason), "%u rounds done, but the patch could "
				 "not be put back: %s", rounds, err);
		} else {
			r->outcome = ROLLOUT_COMMITTED;
			snprintf(r->reason, sizeof(r->reason), "%u rounds done; the patch ends "
				 "applied, as the policy's ab.end says", rounds);
		}
	}
	mark(r, "decision", "%s: %s", rollout__outcome_name(r->outcome), r->reason);
	r->phase = ROLLOUT_PHASE_DONE;
	progress(r);
	return r->outcome == ROLLOUT_FAILED ? -EIO : ret;
}

size_t rollout__periods(const struct rollout *r, const struct rollout_period **periods)
{
	*periods = r->periods;
	return r->nr_periods;
}

void rollout__free(struct rollout *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nr_periods; i++)
		free(r->periods[i].funcs);
	free(r->periods);
	for (i = 0; r->funcs && i < r->nr; i++) {
		judge__free(&r->funcs[i].judge);
		judge__free(&r->funcs[i].solo);
		free(r->funcs[i].stages);
	}
	for (i = 0; r->arm_names && i < r->nr_patched; i++)
		free(r->arm_names[i]);
	free(r->arm_names);
	free(r->control_window);
	free(r->procs);
	free(r->funcs);
	free(r->delta);
	free(r);
}

enum rollout_outcome rollout__outcome(const struct rollout *r)
{
	return r->outcome;
}

const char *rollout__outcome_name(enum rollout_outcome o)
{
	switch (o) {
	case ROLLOUT_RUNNING: return "running";
	case ROLLOUT_COMMITTED: return "committed";
	case ROLLOUT_ROLLED_BACK: return "rolled-back";
	case ROLLOUT_REFUSED: return "refused";
	case ROLLOUT_FAILED: return "failed";
	}
	return "unknown";
}

const char *rollout__reason(const struct rollout *r)
{
	return r->reason;
}

bool rollout__tripped(const struct rollout *r)
{
	return r->tripped;
}

enum rollout_phase rollout__phase(const struct rollout *r)
{
	return r->phase;
}

const char *rollout__stage_name(const struct rollout *r)
{
	switch (r->phase) {
	case ROLLOUT_PHASE_BASELINE: return "baseline";
	case ROLLOUT_PHASE_ACTIVATE: return "activate";
	case ROLLOUT_PHASE_STAGE: return r->stage;
	case ROLLOUT_PHASE_ROLLBACK: return "rollback";
	case ROLLOUT_PHASE_DONE: return "done";
	}
	return "?";
}

const char *rollout__last_stage(const struct rollout *r)
{
	return r->stage;
}

unsigned int rollout__stage_index(const struct rollout *r)
{
	return r->stage_idx;
}

uint64_t rollout__remaining_ns(const struct rollout *r)
{
	uint64_t now = clock_ns(r);

	if (r->phase == ROLLOUT_PHASE_DONE || r->phase == ROLLOUT_PHASE_ROLLBACK)
		return 0;
	return r->phase_end_ns > now ? r->phase_end_ns - now : 0;
}

size_t rollout__func_cnt(const struct rollout *r)
{
	return r->nr;
}

const struct rollout_func *rollout__func(const struct rollout *r, size_t i)
{
	return i < r->nr ? &r->funcs[i] : NULL;
}

size_t rollout__timeline(const struct rollout *r, const struct rollout_mark **marks)
{
	*marks = r->marks;
	return r->nr_marks;
}

const char *rollout__probe_mode(const struct rollout *r)
{
	return r->src->ops->mode_name(r->src);
}

uint64_t rollout__detect_ns(const struct rollout *r)
{
	return r->rollback_ns && r->applied_ns ? r->rollback_ns - r->applied_ns : 0;
}

size_t rollout__proc_cnt(const struct rollout *r)
{
	return r->nr_procs;
}

const struct rollout_proc *rollout__proc(const struct rollout *r, size_t i)
{
	return i < r->nr_procs ? &r->procs[i] : NULL;
}

const char *rollout__proc_state_name(enum rollout_proc_state s)
{
	switch (s) {
	case ROLLOUT_PROC_CONTROL: return "unpatched";
	case ROLLOUT_PROC_REVERTED: return "reverted";
	case ROLLOUT_PROC_CANARY: return "patched";
	case ROLLOUT_PROC_BUSY: return "busy";
	case ROLLOUT_PROC_GONE: return "gone";
	case ROLLOUT_PROC_LOST: return "lost";
	case ROLLOUT_PROC_FAILED: return "revert-failed";
	}
	return "?";
}
