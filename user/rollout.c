// SPDX-License-Identifier: GPL-2.0
/*
 * The rollout's engine: the timeline, the guardrail and operator events, prepare, the
 * baseline, the stages judged window by window, and the commit or the rollback. The
 * per-process arms are in rollout_arms.c, the ab switchback in rollout_ab.c and the
 * accessors in rollout_report.c; the private state in rollout_int.h.
 */
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
#include "rollout_int.h"

/* taint bits a livepatch itself sets (K, O, E): expected, never a reason to roll back */
#define TAINT_EXPECTED ((1UL << 15) | (1UL << 12) | (1UL << 13))

void rollout__mark(struct rollout *r, const char *what, const char *fmt, ...)
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

void rollout__progress(struct rollout *r)
{
	if (r->hooks.progress)
		r->hooks.progress(r, r->hooks.ctx);
}

/* @what: "guardrail", "judge" or "operator", for the timeline */
void rollout__trip(struct rollout *r, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (r->tripped)
		return;
	r->tripped = true;
	va_start(ap, fmt);
	vsnprintf(r->trip, sizeof(r->trip), fmt, ap);
	va_end(ap);
	rollout__mark(r, what, "%s", r->trip);
}

static void on_guard(const struct guard_event *ev, void *ctx)
{
	const struct hc_policy *pol;
	struct rollout *r = ctx;
	char letters[48], sig[16];
	int arm;

	pol = r->pol;
	switch (ev->kind) {
	case GUARD_KERNEL_LOG:
		if (pol->guardrails.kernel_log)
			rollout__trip(r, "guardrail", "kernel %s: %s", ev->log_class, ev->log_text);
		break;
	case GUARD_TAINT:
		if (pol->guardrails.taint && (ev->taint_new & ~TAINT_EXPECTED))
			rollout__trip(r, "guardrail", "kernel taint: new %s",
				      taint__letters(ev->taint_new & ~TAINT_EXPECTED, letters,
						     sizeof(letters)));
		break;
	case GUARD_FATAL_EXIT:
		if (!pol->guardrails.fatal_signals)
			break;
		snprintf(sig, sizeof(sig), "%d", ev->bpf->sig);
		rollout__mark(r, "fatal_exit", "pid %u (%.16s) died of signal %s", ev->bpf->pid,
			      ev->bpf->comm, sig);
		/*
		 * A host-wide patch may kill any process; a per-process one only its own, and
		 * there the control processes are the reference.
		 */
		arm = r->nr_procs ? rollout__fatal_arm(r, (pid_t)ev->bpf->pid) : 1;
		rollout__proc_died(r, (pid_t)ev->bpf->pid, ev->bpf->sig);
		if (arm < 0)
			break;
		if (r->phase == ROLLOUT_PHASE_BASELINE)
			r->base_fatal++;
		else if (arm)
			r->fatal_window++;
		else
			r->fatal_control++;
		break;
	case GUARD_OOM_KILL:
		rollout__mark(r, "oom_kill", "pid %u (%.16s)", ev->bpf->pid, ev->bpf->comm);
		break;
	case GUARD_EXIT:
		rollout__proc_exit_status(r, (pid_t)ev->bpf->pid, (ev->bpf->code >> 8) & 0xff);
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

static void on_proc_exit(size_t i, void *ctx)
{
	struct rollout *r = ctx;

	rollout__proc_died(r, r->procs[i].pid, 0);
}

static void on_stop(int sig, void *ctx)
{
	rollout__trip(ctx, "operator", "stopped by %s", strsignal(sig));
}

void rollout__judge_config(const struct hc_policy *p, size_t nr_funcs, bool concurrent,
			   struct judge_config *cfg)
{
	size_t tests = nr_funcs * (p->nr_stages ? p->nr_stages : 1), s;
	uint64_t longest = 0;

	judge__config_defaults(cfg);
	cfg->design = concurrent ? JUDGE_CONCURRENT : JUDGE_BEFORE_AFTER;
	/*
	 * The run's false-rollback budget, split over every function and stage and one share
	 * for the fatal-signal test (Bonferroni), and with processes in stages one per function
	 * for the guard of a staggered last stage (rollout__arms_begin_stage()). The false-pass
	 * budget only over the functions: a regression has to pass every stage to be committed.
	 */
	if (concurrent && p->nr_stages > 1)
		tests += nr_funcs;
	cfg->alpha = p->judge.alpha / (double)(tests + 1);
	cfg->beta = p->judge.beta / (double)(nr_funcs ? nr_funcs : 1);
	cfg->min_calls = p->judge.min_calls;
	cfg->max_p50_ratio = p->judge.max_p50_ratio;
	cfg->max_p90_ratio = p->judge.max_p90_ratio;
	cfg->max_p99_ratio = p->judge.max_p99_ratio;
	cfg->max_error_ratio = p->judge.max_error_ratio;
	cfg->max_finish = p->judge.on_inconclusive == HC_INCONCLUSIVE_EXTEND ? 2 : 1;
	/* the onset detector's horizon: the longest stage's windows, extension included */
	for (s = 0; s < p->nr_stages; s++)
		if (p->stages[s].duration_ns > longest)
			longest = p->stages[s].duration_ns;
	cfg->max_windows = (unsigned int)(longest / ROLLOUT_WINDOW_NS + 1) * cfg->max_finish;
}

/* the module of a watched kernel:MODULE:FUNC, or NULL */
static const char *module_of(const struct hc_funcspec *fs)
{
	return fs->kind == HC_FUNC_KERNEL ? fs->path : NULL;
}

int rollout__prepare(struct rollout *r, char *err, size_t len)
{
	const struct source_events ev = {
		.guard = on_guard,
		.proc_exit = on_proc_exit,
		.stop = on_stop,
		.ctx = r,
	};
	const struct hc_policy *p = r->pol;
	struct judge_config cfg;
	pid_t *pids;
	size_t i;
	int ret;

	ret = rollout__add_arms(r, err, len);
	if (ret)
		return ret;
	for (i = 0; i < p->nr_watch; i++) {
		const struct hc_funcspec *fs = &p->watch[i].func;

		/* a module's function follows its module: rollout__modules_start() */
		ret = r->src->ops->add(r->src, fs, p->watch[i].errors,
				       module_of(fs) ? MONITOR_DEFERRED : 0, err, len);
		if (ret)
			return ret;
	}
	r->nr_mon = r->src->ops->func_cnt(r->src);
	r->nr = r->nr_patched + p->nr_watch;
	r->funcs = calloc(r->nr, sizeof(*r->funcs));
	r->delta = calloc(r->nr_mon ? r->nr_mon : 1, sizeof(*r->delta));
	if (!r->funcs || !r->delta)
		return -ENOMEM;
	rollout__judge_config(r->pol, r->nr, r->nr_procs, &cfg);
	for (i = 0; i < r->nr; i++) {
		struct rollout_func *f = &r->funcs[i];
		struct judge_config solo = cfg;

		f->stages = calloc(p->nr_stages ? p->nr_stages : 1, sizeof(*f->stages));
		if (!f->stages)
			return -ENOMEM;
		f->patched = i < r->nr_patched;
		f->same_site = f->patched && r->pfuncs[i].probe_old;
		f->name = f->patched ? r->arm_names[i] :
				       r->src->ops->func_name(r->src, rollout__mon_id(r, i));
		f->module = f->patched ? NULL : module_of(&p->watch[i - r->nr_patched].func);
		f->whole = !f->module;
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
	ret = judge_fatal__init(&r->fatal, cfg.alpha, 1.0);
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
	ret = ret ?: rollout__modules_start(r, err, len);
	if (ret)
		return ret;
	if (r->nr_procs)
		rollout__mark(r, "monitor", "%zu function%s in %zu process%s, probes %s",
			      r->nr_patched, r->nr_patched == 1 ? "" : "s", r->nr_procs,
			      r->nr_procs == 1 ? "" : "es", r->src->ops->mode_name(r->src));
	else
		rollout__mark(r, "monitor", "%zu function%s, probes %s", r->nr,
			      r->nr == 1 ? "" : "s", r->src->ops->mode_name(r->src));
	for (i = 0; i < r->nr_patched; i++)
		if (r->pfuncs[i].probe_note[0])
			rollout__mark(r, "monitor", "%s: %s", r->funcs[i].name,
				      r->pfuncs[i].probe_note);
	return 0;
}

/* wait until @until (the source's clock), handling the events; false if tripped */
bool rollout__wait_until(struct rollout *r, uint64_t until)
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

static int baseline(struct rollout *r)
{
	uint64_t end = clock_ns(r) + r->pol->baseline.duration_ns, next;
	unsigned int windows = 0;
	size_t i;

	r->phase = ROLLOUT_PHASE_BASELINE;
	r->phase_end_ns = end;
	rollout__mark(r, "baseline", "start, %.1f s", r->pol->baseline.duration_ns / 1e9);
	rollout__progress(r);
	for (next = clock_ns(r) + ROLLOUT_WINDOW_NS; next <= end + ROLLOUT_WINDOW_NS / 2;
	     next += ROLLOUT_WINDOW_NS) {
		if (!rollout__wait_until(r, next))
			return -EINTR;
		rollout__sample(r);
		for (i = 0; i < r->nr; i++) {
			struct rollout_func *f = &r->funcs[i];
			/* before any change every process is in the control arm */
			const struct hc_snapshot *w = f->patched ? &r->control_window[i] :
								   &f->window;

			/* a module's function not probed all window long: no evidence of before */
			if (!f->whole)
				continue;
			snapshot__accumulate(&f->baseline, w);
			f->base_windows++;
			judge__add_baseline(&f->judge, w);
			if (f->patched)
				judge__add_baseline(&f->solo, w);
			rollout__add_cells(r, i);
		}
		for (i = 0; i < r->nr_procs; i++)
			r->procs[i].base_calls += r->procs[i].window_calls;
		rollout__did_keep(r);
		windows++;
		rollout__progress(r);
	}
	/* exposure in process-windows, or windows for a host-wide patch */
	judge_fatal__add_baseline(&r->fatal, r->base_fatal,
				  (double)windows * (r->nr_procs ? r->nr_procs : 1));
	rollout__mark(r, "baseline", "end");
	return 0;
}

/* guardrails that need no statistics, checked on every stage window */
static void window_guardrails(struct rollout *r)
{
	const struct hc_policy *p = r->pol;
	size_t i;

	rollout__proc_guardrails(r);
	for (i = 0; i < r->nr; i++) {
		const struct rollout_func *f = &r->funcs[i];
		double mean;

		/*
		 * the arms change size from stage to stage: rollout__proc_guardrails() judges
		 * them; a module's function makes no calls while its module is away
		 */
		if (f->patched || !f->whole || !f->base_windows ||
		    f->baseline.calls < p->judge.min_calls)
			continue;
		mean = (double)f->baseline.calls / f->base_windows;
		if ((double)f->window.calls < p->guardrails.min_call_ratio * mean)
			rollout__trip(r, "guardrail",
				      "%s: %llu calls in the last window, below %.2g x "
				      "the baseline's %.1f per window",
				      f->name, (unsigned long long)f->window.calls,
				      p->guardrails.min_call_ratio, mean);
	}
	if (p->guardrails.fatal_signals) {
		double can = 1, ctl = 0;

		if (r->nr_procs) {
			can = ctl = 0;
			for (i = 0; i < r->nr_procs; i++) {
				int arm = rollout__fatal_arm(r, r->procs[i].pid);

				can += arm == 1;
				ctl += arm == 0;
			}
		}
		judge_fatal__window(&r->fatal, r->fatal_window, can, r->fatal_control, ctl,
				    &r->fatal_d);
		if (r->fatal_d.verdict == JUDGE_FAIL)
			rollout__trip(r, "guardrail",
				      "fatal signals: %llu deaths in the canary "
				      "this stage against %llu in the reference (baseline and "
				      "control), in %llu and %llu process-windows: deaths per "
				      "process-window, ratio %.3g > limit %.3g, p=%.2g at alpha %.2g",
				      (unsigned long long)r->fatal_d.canary_bad,
				      (unsigned long long)r->fatal_d.ref_bad,
				      (unsigned long long)r->fatal_d.canary_n,
				      (unsigned long long)r->fatal_d.ref_n, r->fatal_d.observed,
				      r->fatal_d.limit, r->fatal_d.p_value, r->fatal_d.alpha);
		r->fatal_window = r->fatal_control = 0;
	}
}

/*
 * A staggered stage's guard failed (rollout__arms_begin_stage()): its verdicts, against the
 * baseline, are the stage's from now on
 */
static void guard_fail(struct rollout_func *f)
{
	if (f->guard.verdict != JUDGE_FAIL || f->last.verdict == JUDGE_FAIL)
		return;
	f->last = f->guard;
	f->staggered = false;
}

/* one stage window; false when the rollout must roll back now */
static bool stage_window(struct rollout *r, uint64_t until)
{
	char why[400];
	size_t i;

	if (!rollout__wait_until(r, until))
		return false;
	rollout__sample(r);
	rollout__did_keep(r);
	for (i = 0; i < r->nr; i++) {
		struct rollout_func *f = &r->funcs[i];

		snapshot__accumulate(&f->canary, &f->window);
		f->stage_loaded += f->whole;
		if (!rollout__judged(f))
			continue;
		if (f->patched && f->staggered) {
			judge__window(&f->judge, &r->stag_window[2 * i + 1], &r->stag_window[2 * i],
				      &f->last);
			judge__window(&f->solo, &f->window, NULL, &f->guard);
			guard_fail(f);
			rollout__add_cells(r, i);
		} else if (f->patched && f->concurrent) {
			snapshot__accumulate(&f->control, &r->control_window[i]);
			judge__window(&f->judge, &f->window, &r->control_window[i], &f->last);
			/* after the window's tests: they must not see its own spread */
			rollout__add_cells(r, i);
		} else {
			judge__window(f->patched ? &f->solo : &f->judge, &f->window, NULL,
				      &f->last);
		}
		if (f->last.verdict == JUDGE_FAIL && f->last.reason >= 0) {
			judge__describe(&f->last.d[f->last.reason], why, sizeof(why));
			rollout__trip(r, "judge", "%s", why);
		}
	}
	window_guardrails(r);
	rollout__progress(r);
	return !r->tripped;
}

/* what a stage's end-of-stage verdict leads to, from the mildest */
enum stage_next {
	STAGE_NEXT,   /* on to the next stage, or commit after the last */
	STAGE_EXTEND, /* run the stage again, once */
	STAGE_HOLD,   /* stop deciding: a human resumes the run */
	STAGE_ROLLBACK,
};

/* one function's verdict, and judge.on_inconclusive or judge.on_nodata when not conclusive */
static enum stage_next stage_next(const struct hc_policy *p, enum judge_verdict v, bool extended)
{
	enum hc_inconclusive what;

	if (v == JUDGE_FAIL)
		return STAGE_ROLLBACK;
	if (v != JUDGE_INCONCLUSIVE && v != JUDGE_NODATA)
		return STAGE_NEXT;
	what = v == JUDGE_NODATA ? p->judge.on_nodata : p->judge.on_inconclusive;
	switch (what) {
	case HC_INCONCLUSIVE_HOLD:
		return STAGE_HOLD;
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

/*
 * The end of a stage over every function: the function whose verdict leads furthest from
 * going on decides (rollback, hold, extend), and its decision is the reason.
 */
static enum stage_next stage_verdict(struct rollout *r, bool extended, enum judge_verdict *v,
				     char *why, size_t len)
{
	enum stage_next worst = STAGE_NEXT, n;
	const struct rollout_func *skipped = NULL;
	size_t i, judged = 0;

	why[0] = '\0';
	*v = JUDGE_PASS;
	for (i = 0; i < r->nr; i++) {
		struct rollout_func *f = &r->funcs[i];

		if (rollout__not_judged(f)) {
			skipped = skipped ?: f;
			continue;
		}
		judged++;
		if (judge__finish(f->patched && !f->concurrent && !f->staggered ? &f->solo :
										  &f->judge,
				  &f->last))
			continue;
		if (f->staggered && !judge__finish(&f->solo, &f->guard))
			guard_fail(f);
		n = stage_next(r->pol, f->last.verdict, extended);
		if (n > worst ||
		    (n == worst && *v == JUDGE_PASS && f->last.verdict != JUDGE_PASS)) {
			worst = n;
			*v = f->last.verdict;
			if (f->last.reason >= 0)
				judge__describe(&f->last.d[f->last.reason], why, len);
		}
	}
	if (!skipped)
		return worst;
	/* a stage that judged nothing has no evidence: as a stage without calls, never a pass */
	if (!judged) {
		*v = JUDGE_NODATA;
		snprintf(why, len, "no watched function was judged: %s %s", skipped->name,
			 rollout__not_judged(skipped));
		return stage_next(r->pol, JUDGE_NODATA, extended);
	}
	if (*v == JUDGE_PASS)
		snprintf(why, len, "%s not judged: %s", skipped->name,
			 rollout__not_judged(skipped));
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
		f->stages[s].staggered = f->patched && f->staggered;
		f->stages[s].res = f->last;
		f->stages[s].not_judged = f->not_judged = rollout__not_judged(f);
	}
}

static int stages(struct rollout *r)
{
	const struct hc_policy *p = r->pol;
	enum stage_next next_step;
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
			ret = rollout__activate(r, s, why, sizeof(why));
			if (ret) {
				rollout__trip(r, "apply", "stage %s: %s", st->name, why);
				return -EAGAIN;
			}
			/* calls made while processes moved belong to neither arm */
			rollout__sample(r);
		}
		rollout__arms_begin_stage(r);
		for (i = 0; i < r->nr; i++)
			r->funcs[i].stage_loaded = 0;
		end = clock_ns(r) + st->duration_ns;
again:
		r->phase_end_ns = end;
		rollout__mark(r, "stage", "%s%s, %.1f s", st->name, extended ? " (extended)" : "",
			      st->duration_ns / 1e9);
		rollout__progress(r);
		for (next = clock_ns(r) + ROLLOUT_WINDOW_NS; next <= end + ROLLOUT_WINDOW_NS / 2;
		     next += ROLLOUT_WINDOW_NS) {
			if (!stage_window(r, next)) {
				keep_stage(r, s);
				return -EAGAIN;
			}
			if (r->hold[0]) {
				keep_stage(r, s);
				snprintf(r->reason, sizeof(r->reason), "stage %s: %s", st->name,
					 r->hold);
				return -EINPROGRESS;
			}
		}
		next_step = stage_verdict(r, extended, &v, why, sizeof(why));
		keep_stage(r, s);
		rollout__mark(r, "verdict", "stage %s: %s%s%s", st->name, judge__verdict_name(v),
			      why[0] ? ": " : "", why);
		switch (next_step) {
		case STAGE_NEXT:
			break;
		case STAGE_EXTEND:
			extended = true;
			end = clock_ns(r) + st->duration_ns;
			goto again;
		case STAGE_HOLD:
			snprintf(r->reason, sizeof(r->reason), "stage %s %s%s%s", st->name,
				 judge__verdict_name(v), why[0] ? ": " : "", why);
			return -EINPROGRESS;
		case STAGE_ROLLBACK:
			if (v == JUDGE_FAIL)
				rollout__trip(r, "judge", "%s", why);
			else
				rollout__trip(r, "judge", "stage %s %s%s%s", st->name,
					      judge__verdict_name(v), why[0] ? ": " : "", why);
			return -EAGAIN;
		}
		for (i = 0; i < r->nr; i++) {
			judge__next_stage(&r->funcs[i].judge);
			if (r->funcs[i].patched)
				judge__next_stage(&r->funcs[i].solo);
		}
		judge_fatal__next_stage(&r->fatal);
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
		rollout__mark(r, "decision", "refused: %s", r->reason);
		r->phase = ROLLOUT_PHASE_DONE;
		return 0;
	}
	r->phase = ROLLOUT_PHASE_ACTIVATE;
	r->phase_end_ns = 0;
	r->stage = r->pol->nr_stages ? r->pol->stages[0].name : NULL;
	rollout__mark(r, "apply", "%s", patch->ops->name);
	rollout__progress(r);
	ret = rollout__activate(r, 0, err, sizeof(err));
	if (ret) {
		bool any = false;
		char rerr[256];
		size_t i;

		for (i = 0; i < r->nr_procs; i++)
			any |= r->procs[i].was_patched;
		if (r->nr_procs ? !any : !r->loaded && !patch->ops->revert_failed_load) {
			/*
			 * Nothing was ever redirected or loaded: a refusal, not a rollback, so that
			 * exit 3 always means a patch that was live was taken out.
			 */
			r->outcome = ROLLOUT_REFUSED;
			snprintf(r->reason, sizeof(r->reason), "%s%s",
				 ret == -EBUSY ? "" : "apply failed, nothing was changed: ", err);
			rollout__mark(r, "decision", "refused: %s", r->reason);
			r->phase = ROLLOUT_PHASE_DONE;
			return 0;
		}
		r->outcome = ROLLOUT_ROLLED_BACK;
		snprintf(r->reason, sizeof(r->reason), "apply failed and was undone: %s", err);
		if ((patch->ops->revert_failed_load || any) &&
		    rollout__deactivate(r, rerr, sizeof(rerr))) {
			r->outcome = ROLLOUT_FAILED;
			snprintf(r->reason, sizeof(r->reason),
				 "apply failed (%s), and so did the "
				 "revert: %s",
				 err, rerr);
		}
		rollout__mark(r, "decision", "%s: %s", rollout__outcome_name(r->outcome),
			      r->reason);
		r->phase = ROLLOUT_PHASE_DONE;
		return 0;
	}
	r->applied_ns = clock_ns(r);
	rollout__mark(r, "applied", "%s", patch->ops->name);
	/* calls made while the patch went in belong to neither side: the stage starts clean */
	rollout__sample(r);
	ret = stages(r);
	if (ret == -EINPROGRESS) {
		/* as the stage left it: no commit, no rollback, until a human decides */
		r->outcome = ROLLOUT_HELD;
		rollout__mark(r, "decision", "held: %s", r->reason);
		r->phase = ROLLOUT_PHASE_DONE;
		rollout__progress(r);
		return 0;
	}
	if (!ret) {
		if (patch->ops->commit) {
			err[0] = '\0';
			patch->ops->commit(r->patch, err, sizeof(err));
			if (err[0])
				rollout__mark(r, "commit", "%s", err);
		}
		r->outcome = ROLLOUT_COMMITTED;
		snprintf(r->reason, sizeof(r->reason), "every stage passed");
		rollout__mark(r, "decision", "committed");
		r->phase = ROLLOUT_PHASE_DONE;
		rollout__progress(r);
		return 0;
	}
	r->phase = ROLLOUT_PHASE_ROLLBACK;
	r->rollback_ns = clock_ns(r);
	snprintf(r->reason, sizeof(r->reason), "%s", r->trip);
	rollout__mark(r, "rollback", "%s", r->trip);
	rollout__progress(r);
	ret = rollout__deactivate(r, err, sizeof(err));
	r->phase = ROLLOUT_PHASE_DONE;
	if (ret) {
		r->outcome = ROLLOUT_FAILED;
		snprintf(r->reason + strlen(r->reason), sizeof(r->reason) - strlen(r->reason),
			 "; rollback FAILED: %s", err);
		rollout__mark(r, "decision", "rollback failed: %s", err);
		return ret;
	}
	r->outcome = ROLLOUT_ROLLED_BACK;
	rollout__mark(r, "decision", "rolled-back");
	rollout__progress(r);
	return 0;
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
	free(r->did_base.w);
	free(r->did_stage.w);
	free(r->stag_window);
	free(r->procs);
	free(r->order);
	free(r->funcs);
	free(r->delta);
	free(r);
}
