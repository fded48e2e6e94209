// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "rollout.h"
#include "units.h"
#include "taint.h"

/* taint bits a livepatch itself sets (K, O, E): expected, never a reason to roll back */
#define TAINT_EXPECTED	((1UL << 15) | (1UL << 12) | (1UL << 13))

struct rollout {
	const struct hc_policy *pol;
	struct rollout_hooks hooks;
	struct monitor *mon;
	struct guard *guard;
	struct rollout_func *funcs;
	size_t nr;
	struct hc_snapshot *prev, *delta;
	int sfd, ep;
	enum rollout_outcome outcome;
	enum rollout_phase phase;
	const char *stage;
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
};

static void mark(struct rollout *r, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void mark(struct rollout *r, const char *what, const char *fmt, ...)
{
	struct rollout_mark *m;
	va_list ap;

	if (r->nr_marks == ROLLOUT_MAX_TIMELINE)
		return;
	m = &r->marks[r->nr_marks++];
	m->mono_ns = time__mono_ns();
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

int rollout__new(struct rollout **rp, const struct hc_policy *pol, enum hc_probe_mode mode,
		 const struct rollout_hooks *hooks)
{
	struct rollout *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	r->pol = pol;
	r->sfd = r->ep = -1;
	if (hooks)
		r->hooks = *hooks;
	r->outcome = ROLLOUT_RUNNING;
	r->phase = ROLLOUT_PHASE_BASELINE;
	ret = monitor__new(&r->mon, mode);
	if (ret) {
		free(r);
		return ret;
	}
	*rp = r;
	return 0;
}

static int judge_config(const struct rollout *r, struct judge_config *cfg)
{
	const struct hc_policy *p = r->pol;
	size_t tests = r->nr * (p->nr_stages ? p->nr_stages : 1);

	judge__config_defaults(cfg);
	cfg->design = JUDGE_BEFORE_AFTER;
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
	const struct hc_policy *p = r->pol;
	struct judge_config cfg;
	sigset_t mask;
	size_t i;
	int ret;

	for (i = 0; i < p->nr_watch; i++) {
		ret = monitor__add(r->mon, &p->watch[i].func, p->watch[i].errors, err, len);
		if (ret)
			return ret;
	}
	r->nr = monitor__func_cnt(r->mon);
	r->funcs = calloc(r->nr, sizeof(*r->funcs));
	r->prev = calloc(r->nr, sizeof(*r->prev));
	r->delta = calloc(r->nr, sizeof(*r->delta));
	if (!r->funcs || !r->prev || !r->delta)
		return -ENOMEM;
	judge_config(r, &cfg);
	for (i = 0; i < r->nr; i++) {
		r->funcs[i].name = monitor__func_name(r->mon, i);
		ret = judge__init(&r->funcs[i].judge, r->funcs[i].name, &cfg);
		if (ret) {
			snprintf(err, len, "invalid judge settings for '%s'", r->funcs[i].name);
			return ret;
		}
	}
	ret = seqtest__init(&r->fatal, cfg.alpha, SEQTEST_BASELINE, 1.0);
	if (ret) {
		snprintf(err, len, "invalid judge alpha %g", cfg.alpha);
		return ret;
	}
	ret = monitor__load(r->mon, err, len);
	if (ret)
		return ret;
	/* host-wide: a livepatch can break any process */
	ret = guard__new(&r->guard, monitor__watched_fd(r->mon), 1, on_guard, r);
	ret = ret ?: guard__attach(r->guard, err, len);
	if (ret)
		return ret;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	r->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (r->sfd < 0 || r->ep < 0) {
		ret = -errno;
		snprintf(err, len, "cannot set up the event loop: %s", strerror(-ret));
		return ret;
	}
	{
		int fds[3] = { r->sfd, guard__ringbuf_fd(r->guard), guard__kmsg_fd(r->guard) };

		for (i = 0; i < 3; i++) {
			struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };

			if (fds[i] >= 0 && epoll_ctl(r->ep, EPOLL_CTL_ADD, fds[i], &ev)) {
				ret = -errno;
				snprintf(err, len, "cannot set up the event loop: %s", strerror(-ret));
				return ret;
			}
		}
	}
	ret = monitor__attach(r->mon, err, len);
	if (ret)
		return ret;
	/* the first sample only sets the starting point */
	monitor__sample(r->mon, r->prev, r->delta);
	mark(r, "monitor", "%zu function%s, probes %s", r->nr, r->nr == 1 ? "" : "s",
	     monitor__mode_name(r->mon));
	return 0;
}

/* wait until @until (CLOCK_MONOTONIC), handling guardrail events; false if tripped */
static bool wait_until(struct rollout *r, uint64_t until)
{
	struct signalfd_siginfo si;

	while (!r->tripped) {
		struct epoll_event evs[4];
		uint64_t now = time__mono_ns();
		int n, i;

		guard__poll(r->guard);
		if (r->tripped || now >= until)
			break;
		n = epoll_wait(r->ep, evs, 4, (int)((until - now + 999999) / 1000000));
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == r->sfd &&
			    read(r->sfd, &si, sizeof(si)) == sizeof(si))
				trip(r, "operator", "stopped by %s", strsignal((int)si.ssi_signo));
		}
	}
	return !r->tripped;
}

static void sample(struct rollout *r)
{
	size_t i;

	monitor__sample(r->mon, r->prev, r->delta);
	for (i = 0; i < r->nr; i++)
		r->funcs[i].window = r->delta[i];
}

static int baseline(struct rollout *r)
{
	uint64_t end = time__mono_ns() + r->pol->baseline.duration_ns, next;
	size_t i;

	r->phase = ROLLOUT_PHASE_BASELINE;
	r->phase_end_ns = end;
	mark(r, "baseline", "start, %.1f s", r->pol->baseline.duration_ns / 1e9);
	progress(r);
	for (next = time__mono_ns() + ROLLOUT_WINDOW_NS; next <= end + ROLLOUT_WINDOW_NS / 2;
	     next += ROLLOUT_WINDOW_NS) {
		if (!wait_until(r, next))
			return -EINTR;
		sample(r);
		for (i = 0; i < r->nr; i++) {
			struct rollout_func *f = &r->funcs[i];

			snapshot__accumulate(&f->baseline, &r->delta[i]);
			f->base_windows++;
			judge__add_baseline(&f->judge, &r->delta[i]);
		}
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
	if (d->note && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " (%s)", d->note);
}

/* guardrails that need no statistics, checked on every stage window */
static void window_guardrails(struct rollout *r)
{
	const struct hc_policy *p = r->pol;
	size_t i;

	for (i = 0; i < r->nr; i++) {
		const struct rollout_func *f = &r->funcs[i];
		double mean;

		if (!f->base_windows || f->baseline.calls < p->judge.min_calls)
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

		snapshot__accumulate(&f->canary, &r->delta[i]);
		judge__window(&f->judge, &r->delta[i], NULL, &f->last);
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

		if (judge__finish(&f->judge, &f->last))
			continue;
		if (rank[f->last.verdict] > rank[worst]) {
			worst = f->last.verdict;
			if (f->last.reason >= 0)
				format_decision(&f->last.d[f->last.reason], why, len);
		}
	}
	return worst;
}

static int stages(struct rollout *r)
{
	const struct hc_policy *p = r->pol;
	enum judge_verdict v;
	char why[400];
	size_t s, i;

	r->phase = ROLLOUT_PHASE_STAGE;
	for (s = 0; s < p->nr_stages; s++) {
		const struct hc_policy_stage *st = &p->stages[s];
		bool extended = false;
		uint64_t end, next;

		r->stage = st->name;
		end = time__mono_ns() + st->duration_ns;
again:
		r->phase_end_ns = end;
		mark(r, "stage", "%s%s, %.1f s", st->name, extended ? " (extended)" : "",
		     st->duration_ns / 1e9);
		progress(r);
		for (next = time__mono_ns() + ROLLOUT_WINDOW_NS; next <= end + ROLLOUT_WINDOW_NS / 2;
		     next += ROLLOUT_WINDOW_NS)
			if (!stage_window(r, next))
				return -EAGAIN;
		v = stage_verdict(r, why, sizeof(why));
		mark(r, "verdict", "stage %s: %s%s%s", st->name, judge__verdict_name(v),
		     why[0] ? ": " : "", why);
		if (v == JUDGE_FAIL) {
			trip(r, "judge", "%s", why);
			return -EAGAIN;
		}
		if (v == JUDGE_INCONCLUSIVE || v == JUDGE_NODATA) {
			switch (p->judge.on_inconclusive) {
			case HC_INCONCLUSIVE_EXTEND:
				if (!extended) {
					extended = true;
					end = time__mono_ns() + st->duration_ns;
					goto again;
				}
				/* extended once already */
				__attribute__((fallthrough));
			case HC_INCONCLUSIVE_ROLLBACK:
				trip(r, "judge", "stage %s %s%s%s", st->name, judge__verdict_name(v),
				     why[0] ? ": " : "", why);
				return -EAGAIN;
			case HC_INCONCLUSIVE_COMMIT:
				break;
			}
		}
		for (i = 0; i < r->nr; i++)
			judge__next_stage(&r->funcs[i].judge);
	}
	return 0;
}

int rollout__run(struct rollout *r, const struct patch_driver *drv)
{
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
	mark(r, "apply", "%s", drv->name);
	progress(r);
	ret = drv->apply(drv->ctx, err, sizeof(err));
	if (ret) {
		char rerr[256];

		r->outcome = ROLLOUT_ROLLED_BACK;
		snprintf(r->reason, sizeof(r->reason), "apply failed and was undone: %s", err);
		if (drv->revert_failed_apply && drv->revert(drv->ctx, rerr, sizeof(rerr))) {
			r->outcome = ROLLOUT_FAILED;
			snprintf(r->reason, sizeof(r->reason), "apply failed (%s), and so did the "
				 "revert: %s", err, rerr);
		}
		mark(r, "decision", "%s: %s", rollout__outcome_name(r->outcome), r->reason);
		r->phase = ROLLOUT_PHASE_DONE;
		return 0;
	}
	r->applied_ns = time__mono_ns();
	mark(r, "applied", "%s", drv->name);
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
	r->rollback_ns = time__mono_ns();
	snprintf(r->reason, sizeof(r->reason), "%s", r->trip);
	mark(r, "rollback", "%s", r->trip);
	progress(r);
	ret = drv->revert(drv->ctx, err, sizeof(err));
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

void rollout__free(struct rollout *r)
{
	size_t i;

	if (!r)
		return;
	monitor__free(r->mon);
	guard__free(r->guard);
	for (i = 0; r->funcs && i < r->nr; i++)
		judge__free(&r->funcs[i].judge);
	if (r->sfd >= 0)
		close(r->sfd);
	if (r->ep >= 0)
		close(r->ep);
	free(r->funcs);
	free(r->prev);
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

uint64_t rollout__remaining_ns(const struct rollout *r)
{
	uint64_t now = time__mono_ns();

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
	return monitor__mode_name(r->mon);
}

uint64_t rollout__detect_ns(const struct rollout *r)
{
	return r->rollback_ns && r->applied_ns ? r->rollback_ns - r->applied_ns : 0;
}
