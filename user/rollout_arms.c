// SPDX-License-Identifier: GPL-2.0
/*
 * The rollout's per-process arms: the processes and their states, their probes, moving
 * them between the control and the canary arm (and a whole-host patch in and out), and
 * the per-window sums of each arm.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "rollout_int.h"

static struct rollout_proc *proc_find(struct rollout *r, pid_t pid)
{
	size_t i;

	for (i = 0; i < r->nr_procs; i++)
		if (r->procs[i].pid == pid)
			return &r->procs[i];
	return NULL;
}

/* unpatched and judged as control: never patched, or busy when its turn came */
static bool in_control(const struct rollout_proc *pr)
{
	return pr->state == ROLLOUT_PROC_CONTROL || pr->state == ROLLOUT_PROC_BUSY;
}

/*
 * The arm process @p is judged in: 1 canary, 0 reference, -1 neither. Canaries against
 * controls; in a staggered stage, the processes patched in it against those patched before.
 */
static int judge_arm(const struct rollout *r, size_t p, bool staggered)
{
	const struct rollout_proc *pr = &r->procs[p];

	if (!staggered)
		return pr->state == ROLLOUT_PROC_CANARY ? 1 : in_control(pr) ? 0 : -1;
	if (pr->state != ROLLOUT_PROC_CANARY)
		return -1;
	return pr->patched_stage == r->stage_idx;
}

/* the probe process @p's calls of patched function @f are counted on now */
static size_t measured_id(const struct rollout *r, size_t f, size_t p)
{
	return ARM_ID(r, f, p, r->procs[p].state == ROLLOUT_PROC_CANARY && !r->funcs[f].same_site);
}

/* the PIDs of the processes in state @st, as "pid 1" or "pids 1, 2, 3" */
static void pids_in(const struct rollout *r, enum rollout_proc_state st, char *buf, size_t len)
{
	size_t i, n = 0, cnt = 0;
	char list[200];

	list[0] = '\0';
	for (i = 0; i < r->nr_procs && n + 12 < sizeof(list); i++) {
		if (r->procs[i].state != st)
			continue;
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%d", n ? ", " : "",
				      r->procs[i].pid);
		cnt++;
	}
	snprintf(buf, len, "pid%s %s", cnt == 1 ? "" : "s", list);
}

/*
 * A patched process that dies, or exits with a failure status (or one the kernel did not
 * report), takes the whole rollout back. One that exits 0 is a service replacing its
 * processes (a reload): no failure, but once the canary arm is empty there is nothing left
 * to judge, and the rollout holds with the reason. @sig 0 for an exit.
 */
void rollout__proc_died(struct rollout *r, pid_t pid, int sig)
{
	struct rollout_proc *p = proc_find(r, pid);
	char pids[220];
	size_t i;

	if (!p)
		return;
	if (p->state == ROLLOUT_PROC_CANARY && !sig && !p->exit_status) {
		p->state = ROLLOUT_PROC_EXITED;
		snprintf(p->note, sizeof(p->note), "exited with status 0 while patched");
		rollout__mark(r, "process", "canary pid %d %s", pid, p->note);
		for (i = 0; i < r->nr_procs; i++)
			if (r->procs[i].state == ROLLOUT_PROC_CANARY)
				return;
		pids_in(r, ROLLOUT_PROC_EXITED, pids, sizeof(pids));
		snprintf(r->hold, sizeof(r->hold),
			 "the canary arm is empty: %s exited with status 0 while patched (a "
			 "reload or a respawn of the service) and nothing failed, but no process "
			 "is left to judge the fix in: run the rollout again over the service's "
			 "new processes",
			 pids);
	} else if (p->state == ROLLOUT_PROC_CANARY) {
		p->state = ROLLOUT_PROC_LOST;
		if (sig)
			snprintf(p->note, sizeof(p->note), "died of signal %d (%s) while patched",
				 sig, strsignal(sig));
		else if (p->exit_status > 0)
			snprintf(p->note, sizeof(p->note), "exited with status %d while patched",
				 p->exit_status);
		else
			snprintf(p->note, sizeof(p->note),
				 "exited while patched, with a status the kernel did not report");
		rollout__trip(r, "guardrail", "canary pid %d %s", pid, p->note);
	} else if (p->state == ROLLOUT_PROC_CONTROL || p->state == ROLLOUT_PROC_BUSY ||
		   p->state == ROLLOUT_PROC_REVERTED) {
		p->state = ROLLOUT_PROC_GONE;
		if (sig)
			snprintf(p->note, sizeof(p->note), "died of signal %d, unpatched", sig);
		else if (p->exit_status >= 0)
			snprintf(p->note, sizeof(p->note), "exited with status %d, unpatched",
				 p->exit_status);
		else
			snprintf(p->note, sizeof(p->note), "exited, unpatched");
		rollout__mark(r, "process", "control pid %d %s", pid, p->note);
	}
}

/* the kernel's word on how a watched process ended, before its pidfd wakes the rollout */
void rollout__proc_exit_status(struct rollout *r, pid_t pid, int status)
{
	struct rollout_proc *p = proc_find(r, pid);

	if (p)
		p->exit_status = status;
}

/* the monitor id of watch entry @i (i >= nr_patched), or of function @i without arms */
size_t rollout__mon_id(const struct rollout *r, size_t i)
{
	return 2 * r->nr_patched * r->nr_procs + (i - r->nr_patched);
}

/*
 * When the library's probes of a process go in. A uprobe's measured time includes the
 * handlers of the probes attached to its site before its own: make bench's "probe order"
 * measures a process's p50 growing by its place among the per-process probes of one site.
 * So each process gets its probe on the new function now, in the order of those on the old
 * one, and keeps the old one while patched where the jump is written over it
 * (patch_func.probe_on_site): its place, and every other process's, stays what it was in
 * the baseline. On a kept entry (probe_old) the library is never probed.
 */
static unsigned int side_flags(const struct patch_func *pf)
{
	return pf->probe_old ? MONITOR_DEFERRED : MONITOR_UNMAPPED;
}

/*
 * processes.order random: a uniform shuffle of @o. A canary chosen by the order processes
 * were listed or started in is the same kind of process every run (the oldest worker, the
 * one the load balancer favours), and the judge would measure that process, not the fix.
 */
static int order_shuffle(size_t *o, size_t n)
{
	size_t i, j, t;
	uint64_t x;

	for (i = n; i > 1; i--) {
		if (getrandom(&x, sizeof(x), 0) != sizeof(x))
			return errno ? -errno : -EIO;
		j = (size_t)(x % i);
		t = o[i - 1];
		o[i - 1] = o[j];
		o[j] = t;
	}
	return 0;
}

/*
 * A per-process patch: its processes, the order the stages move them to the canary arm in,
 * and every function it redirects, per process, in the target (control) and the library
 * (canary)
 */
int rollout__add_arms(struct rollout *r, char *err, size_t len)
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
	r->order = calloc(r->nr_procs, sizeof(*r->order));
	if (!r->procs || !r->order) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < r->nr_procs; i++) {
		r->procs[i].pid = pids[i];
		r->procs[i].start_time = start_times[i];
		r->procs[i].exit_status = -1;
		r->order[i] = i;
	}
	if (p->processes.order == HC_ORDER_RANDOM) {
		ret = order_shuffle(r->order, r->nr_procs);
		if (ret) {
			snprintf(err, len,
				 "cannot draw the canary processes' order: %s; set "
				 "'processes.order: listed' to take them as listed",
				 strerror(-ret));
			return ret;
		}
	}
	nf = ops->funcs(r->patch, &funcs);
	if (2 * nf * r->nr_procs + p->nr_watch > HC_MAX_FUNCS) {
		snprintf(err, len,
			 "%zu functions in %zu processes need %zu probes; at most %d: "
			 "list fewer processes under 'processes.pids'",
			 nf, r->nr_procs, 2 * nf * r->nr_procs, HC_MAX_FUNCS);
		return -E2BIG;
	}
	r->nr_patched = nf;
	r->arm_names = calloc(r->nr_patched, sizeof(*r->arm_names));
	r->pfuncs = funcs;
	r->control_window = calloc(r->nr_patched, sizeof(*r->control_window));
	r->stag_window = calloc(2 * r->nr_patched, sizeof(*r->stag_window));
	if (!r->arm_names || !r->control_window || !r->stag_window)
		return -ENOMEM;
	if (nf && r->nr_procs) {
		r->did_base.w = calloc(ROLLOUT_DID_WINDOWS * nf * r->nr_procs,
				       sizeof(*r->did_base.w));
		r->did_stage.w = calloc(ROLLOUT_DID_WINDOWS * nf * r->nr_procs,
					sizeof(*r->did_stage.w));
		if (!r->did_base.w || !r->did_stage.w)
			return -ENOMEM;
	}
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

				snprintf(text, sizeof(text), "user:%s:%s@%d", spec.path,
					 spec.symbol, spec.pid);
				ret = r->src->ops->add(r->src, &spec, pf->errors,
						       side ? side_flags(pf) : 0, err, len);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

void rollout__sample(struct rollout *r)
{
	size_t i, p;

	r->src->ops->sample(r->src, r->delta);
	/* after the sample: a function attached now counts from the next window on */
	rollout__modules_follow(r);
	for (p = 0; p < r->nr_procs; p++)
		r->procs[p].window_calls = 0;
	for (i = 0; i < r->nr; i++) {
		struct rollout_func *f = &r->funcs[i];

		if (!f->patched) {
			f->window = r->delta[rollout__mon_id(r, i)];
			continue;
		}
		/* the arms as they are now: processes move only between windows */
		memset(&f->window, 0, sizeof(f->window));
		memset(&r->control_window[i], 0, sizeof(r->control_window[i]));
		memset(&r->stag_window[2 * i], 0, 2 * sizeof(r->stag_window[i]));
		for (p = 0; p < r->nr_procs; p++) {
			struct rollout_proc *pr = &r->procs[p];
			const struct hc_snapshot *d = &r->delta[measured_id(r, i, p)];
			int arm = f->staggered ? judge_arm(r, p, true) : -1;

			snapshot__accumulate(pr->state == ROLLOUT_PROC_CANARY ?
						     &f->window :
						     &r->control_window[i],
					     d);
			if (arm >= 0)
				snapshot__accumulate(&r->stag_window[2 * i + arm], d);
			pr->window_calls += d->calls;
		}
	}
}

/*
 * The reference's cells of the last window for function @i (judge__add_cell): each reference
 * process's window (a control's, or in a staggered stage an earlier canary's) where the
 * function has arms, else the whole window. A patched function's solo judge takes the
 * baseline's cells too: it has no control later.
 */
void rollout__add_cells(struct rollout *r, size_t i)
{
	struct rollout_func *f = &r->funcs[i];
	size_t p;

	if (!f->patched) {
		judge__add_cell(&f->judge, &f->window);
		return;
	}
	for (p = 0; p < r->nr_procs; p++) {
		const struct hc_snapshot *c = &r->delta[measured_id(r, i, p)];

		if (judge_arm(r, p, f->staggered) != 0)
			continue;
		judge__add_cell(&f->judge, c);
		if (r->phase == ROLLOUT_PHASE_BASELINE)
			judge__add_cell(&f->solo, c);
	}
}

/*
 * A patched process whose calls stop while the others' go on is hung or lost its callers.
 * Each process is held to its own baseline rate (a supervisor that never calls the function
 * is never expected to), scaled by how busy the control processes are now against their
 * baseline, so that a drop in load everywhere is not blamed on the patch.
 */
void rollout__proc_guardrails(struct rollout *r)
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

		if (in_control(pr)) {
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
			rollout__trip(r, "guardrail",
				      "canary pid %d made %llu calls in the last "
				      "window, below %.2g x the %.1f expected from its baseline%s",
				      pr->pid, (unsigned long long)pr->window_calls, ratio, expect,
				      ctl_base ? " and the control processes' load now" : "");
	}
}

/*
 * Stage @s's canary processes: its targets, and at least ROLLOUT_MIN_CANARIES where the
 * patch has twice as many processes, so that no one process's own speed or share of the
 * load is the canary arm's whole sample.
 */
#define ROLLOUT_MIN_CANARIES 2

static size_t stage_targets(struct rollout *r, size_t s)
{
	const struct hc_policy_stage *st = &r->pol->stages[s];
	size_t k = st->targets;

	if (st->targets_kind == HC_TARGETS_PERCENT)
		k = (st->targets * r->nr_procs + 99) / 100;
	if (k < ROLLOUT_MIN_CANARIES && r->nr_procs >= 2 * ROLLOUT_MIN_CANARIES) {
		rollout__mark(r, "stage",
			      "%zu canary processes, not %zu: with %zu processes the "
			      "canary arm has at least %d",
			      (size_t)ROLLOUT_MIN_CANARIES, k, r->nr_procs, ROLLOUT_MIN_CANARIES);
		k = ROLLOUT_MIN_CANARIES;
	}
	return k > r->nr_procs ? r->nr_procs : k ? k : 1;
}

/*
 * Process @i into the canary arm. Where it keeps the old function's probe (probe_on_site),
 * nothing moves: the jump goes over the probe's int3, the library's probe is in since the
 * start. On a kept entry the old probe comes back once the jump is in: the process is
 * measured on the same site as the controls, at the same probe cost (§2). Else the old
 * probe goes before the bytes change, never to be under the jump.
 */
static bool keeps_old(const struct rollout *r, size_t f)
{
	return !r->funcs[f].same_site && r->pfuncs[f].probe_on_site;
}

int rollout__proc_patch(struct rollout *r, size_t i, char *err, size_t len)
{
	struct rollout_proc *pr = &r->procs[i];
	char aerr[200];
	size_t f;
	int ret;

	for (f = 0; f < r->nr_patched; f++)
		if (!keeps_old(r, f))
			r->src->ops->detach_func(r->src, ARM_ID(r, f, i, 0));
	ret = r->patch->ops->patch_one(r->patch, i, err, len);
	if (!ret) {
		pr->state = ROLLOUT_PROC_CANARY;
		pr->was_patched = true;
		pr->patched_stage = r->stage_idx;
		for (f = 0; f < r->nr_patched; f++)
			if (r->funcs[f].same_site &&
			    r->src->ops->attach_func(r->src, ARM_ID(r, f, i, 0), aerr, sizeof(aerr)))
				rollout__mark(r, "monitor", "pid %d: %s", pr->pid, aerr);
		return 0;
	}
	for (f = 0; f < r->nr_patched; f++)
		if (!keeps_old(r, f) &&
		    r->src->ops->attach_func(r->src, ARM_ID(r, f, i, 0), aerr, sizeof(aerr)))
			rollout__mark(r, "monitor", "pid %d: %s", pr->pid, aerr);
	return ret;
}

/*
 * The mirror: the original bytes back, then the old probes. A probe on a kept entry goes
 * out first: the revert reads the function's first bytes, which must be the file's, not a
 * probe's int3. One that the jump was written over is attached again, for the kernel to
 * put its int3 back (in this process only: a new probe is installed where its own filter
 * says); its place among the site's probes is then the last.
 */
static int proc_revert(struct rollout *r, size_t i, char *err, size_t len)
{
	struct rollout_proc *pr = &r->procs[i];
	char aerr[200];
	size_t f;
	int ret;

	for (f = 0; f < r->nr_patched; f++)
		if (r->funcs[f].same_site)
			r->src->ops->detach_func(r->src, ARM_ID(r, f, i, 0));
	ret = r->patch->ops->revert_one(r->patch, i, err, len);
	if (ret) {
		pr->state = ROLLOUT_PROC_FAILED;
		snprintf(pr->note, sizeof(pr->note), "revert failed: %s", err);
		return ret;
	}
	pr->state = ROLLOUT_PROC_REVERTED;
	for (f = 0; f < r->nr_patched; f++) {
		if (keeps_old(r, f))
			r->src->ops->detach_func(r->src, ARM_ID(r, f, i, 0));
		if (r->src->ops->attach_func(r->src, ARM_ID(r, f, i, 0), aerr, sizeof(aerr)))
			rollout__mark(r, "monitor", "pid %d: %s", pr->pid, aerr);
	}
	return 0;
}

/* a whole-host patch in, and in effect everywhere */
int rollout__load(struct rollout *r, char *err, size_t len)
{
	const struct patch_ops *ops = r->patch->ops;
	int ret;

	ret = ops->load(r->patch, err, len);
	if (ret)
		return ret;
	r->loaded = true;
	return ops->wait ? ops->wait(r->patch, err, len) : 0;
}

/*
 * Make stage @s's share of the patch live: the whole patch at stage 0 for klp and exec; for
 * ulp, patch processes in order until the stage's target count is reached. A process busy
 * past the deadline stays unpatched in the control arm; any other failure is returned.
 */
int rollout__activate(struct rollout *r, size_t s, char *err, size_t len)
{
	size_t i, o, k, n = 0, busy = 0;
	char perr[400];
	int pass, ret;

	/* not a type test: a driver either goes in process by process or host-wide */
	if (!r->nr_procs)
		return s ? 0 : rollout__load(r, err, len);
	k = stage_targets(r, s);
	for (i = 0; i < r->nr_procs; i++)
		n += r->procs[i].state == ROLLOUT_PROC_CANARY;
	/*
	 * Processes that called the functions in the baseline first: a canary that makes no
	 * calls (a supervisor) gives the judge nothing. A process that was busy before is tried
	 * again last.
	 */
	for (pass = 0; pass < 3; pass++) {
		for (o = 0; o < r->nr_procs && n < k && !r->tripped; o++) {
			struct rollout_proc *pr = &r->procs[r->order[o]];

			if (pass < 2 ? pr->state != ROLLOUT_PROC_CONTROL ||
					       !pr->base_calls != (pass == 1) :
				       pr->state != ROLLOUT_PROC_BUSY)
				continue;
			i = r->order[o];
			ret = rollout__proc_patch(r, i, perr, sizeof(perr));
			if (ret == -ESRCH) {
				/* a connection's process that ended: the next one takes its place */
				pr->state = ROLLOUT_PROC_GONE;
				snprintf(pr->note, sizeof(pr->note),
					 "exited before its turn: left out");
				rollout__mark(r, "process", "pid %d %s", pr->pid, pr->note);
				continue;
			}
			if (ret == -EBUSY) {
				pr->state = ROLLOUT_PROC_BUSY;
				snprintf(pr->note, sizeof(pr->note), "%s", perr);
				rollout__mark(r, "busy", "%s", perr);
				busy++;
				continue;
			}
			if (ret) {
				snprintf(err, len, "%s", perr);
				return ret;
			}
			n++;
			rollout__mark(r, "patched", "pid %d (%zu of %zu in the canary)", pr->pid, n,
				      k);
		}
	}
	if (!n) {
		snprintf(err, len, "no process could be patched%s%.360s", busy ? ": " : "",
			 busy ? perr : "");
		return -EBUSY;
	}
	if (n < k)
		rollout__mark(r, "stage", "%zu of %zu processes patched; %zu busy, left unpatched",
			      n, k, busy);
	return 0;
}

/* take every patched process back, newest first; all are tried even if one fails */
int rollout__deactivate(struct rollout *r, char *err, size_t len)
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
			rollout__mark(r, "reverted", "pid %d", r->procs[i].pid);
		}
	}
	if (failed > 1)
		snprintf(err + strlen(err), len - strlen(err), " (and %zu more processes)",
			 failed - 1);
	return first;
}

/* the arm of @pid for the fatal-signal test: 1 canary, 0 control, -1 not one of the run's */
int rollout__fatal_arm(const struct rollout *r, pid_t pid)
{
	size_t i;

	for (i = 0; i < r->nr_procs; i++)
		if (r->procs[i].pid == pid)
			return r->procs[i].state == ROLLOUT_PROC_CANARY ? 1 :
			       in_control(&r->procs[i])			? 0 :
									  -1;
	return -1;
}

/*
 * Keep the last window of every process as it was measured (rollout__sample() just took
 * it): the baseline's, or the stage's under way.
 */
void rollout__did_keep(struct rollout *r)
{
	struct rollout_ring *g = r->phase == ROLLOUT_PHASE_BASELINE ? &r->did_base : &r->did_stage;
	size_t per = r->nr_patched * r->nr_procs, f, p;
	struct hc_snapshot *w;

	if (!g->w)
		return;
	w = &g->w[g->next * per];
	for (f = 0; f < r->nr_patched; f++)
		for (p = 0; p < r->nr_procs; p++)
			w[f * r->nr_procs + p] = r->delta[measured_id(r, f, p)];
	g->next = (g->next + 1) % ROLLOUT_DID_WINDOWS;
	if (g->nr < ROLLOUT_DID_WINDOWS)
		g->nr++;
}

/*
 * The windows of ring @g as this stage's arms: every kept window, summed over the processes
 * that are now canaries and over those that are now the reference, so the judge compares
 * the stage's difference between the arms with the same processes' difference before: in
 * the baseline, or (staggered) in the previous stage, when the new canaries were controls
 * and the earlier ones already patched.
 */
static void did_baseline(struct rollout *r, size_t f, const struct rollout_ring *g, bool staggered)
{
	size_t per = r->nr_patched * r->nr_procs, w, p;
	struct hc_snapshot arm[2];

	for (w = 0; w < g->nr; w++) {
		const struct hc_snapshot *c = &g->w[w * per + f * r->nr_procs];

		memset(arm, 0, sizeof(arm));
		for (p = 0; p < r->nr_procs; p++) {
			int a = judge_arm(r, p, staggered);

			if (a >= 0)
				snapshot__accumulate(&arm[a], &c[p]);
		}
		judge__add_did_baseline(&r->funcs[f].judge, &arm[1], &arm[0]);
	}
}

/*
 * Each patched function is judged against the control arm while it has a process. Once
 * none is left, a stage that patched some is staggered: its new canaries against the
 * earlier ones, each against itself in the previous stage, so that what every process
 * shares over time (a machine's load, its caches) cancels as it does between arms. Against
 * the baseline alone, a patch identical to its function measured 0.964 and 0.967 in 2 of
 * 20 last stages (ulp.sh same). A harm only a fully patched service shows (contention) is
 * common to both: the solo judge, against the baseline, runs alongside as a guard.
 */
void rollout__arms_begin_stage(struct rollout *r)
{
	size_t i, nctl = 0, arm[2] = { 0, 0 };
	bool stag;

	for (i = 0; i < r->nr_procs; i++) {
		int a = judge_arm(r, i, true);

		nctl += in_control(&r->procs[i]);
		if (a >= 0)
			arm[a]++;
	}
	/* the judge needs two windows of a reference: qtest_prepare() */
	stag = !nctl && arm[0] && arm[1] && r->did_stage.nr >= 2;
	for (i = 0; i < r->nr_patched; i++) {
		r->funcs[i].concurrent = nctl > 0;
		r->funcs[i].staggered = stag;
		if (nctl)
			did_baseline(r, i, &r->did_base, false);
		else if (stag)
			did_baseline(r, i, &r->did_stage, true);
	}
	r->did_stage.nr = r->did_stage.next = 0;
	if (stag)
		rollout__mark(r, "judge",
			      "no control process left: stage %s judges the %zu process%s patched "
			      "in it against the %zu patched before, each against itself in the "
			      "previous stage, and every process against the baseline",
			      r->stage, arm[1], arm[1] == 1 ? "" : "es", arm[0]);
	else if (r->nr_procs && !nctl)
		rollout__mark(r, "judge",
			      "no control process left: stage %s is judged against the "
			      "baseline",
			      r->stage);
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
	case ROLLOUT_PROC_CONTROL:
		return "unpatched";
	case ROLLOUT_PROC_REVERTED:
		return "reverted";
	case ROLLOUT_PROC_CANARY:
		return "patched";
	case ROLLOUT_PROC_BUSY:
		return "busy";
	case ROLLOUT_PROC_GONE:
		return "gone";
	case ROLLOUT_PROC_LOST:
		return "lost";
	case ROLLOUT_PROC_EXITED:
		return "exited";
	case ROLLOUT_PROC_FAILED:
		return "revert-failed";
	}
	return "?";
}
