/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rollout's private state and the helpers its files share (rollout.c, rollout_arms.c,
 * rollout_ab.c, rollout_report.c): not an API.
 */
#ifndef HC_ROLLOUT_INT_H
#define HC_ROLLOUT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "rollout.h"

/* windows of every process per patched function, [window][function][process], in a ring */
struct rollout_ring {
	struct hc_snapshot *w;
	size_t nr, next;
};

struct rollout {
	const struct hc_policy *pol;
	struct rollout_hooks hooks;
	struct source *src; /* borrowed */
	struct rollout_func *funcs;
	size_t nr;
	struct hc_snapshot *delta; /* the last sample, per source function */
	enum rollout_outcome outcome;
	enum rollout_phase phase;
	const char *stage;
	unsigned int stage_idx; /* 1-based, 0 before the first stage */
	uint64_t phase_end_ns;
	char reason[1024];
	/* a guardrail tripped or the operator asked to stop: roll back at the next chance */
	bool tripped;
	/* a host-wide patch's load returned: from then on it may be live, even if its wait fails */
	bool loaded;
	char trip[512];
	/* hold at the end of this window: the canary arm is empty, though nothing failed */
	char hold[512];
	uint64_t start_ns; /* the monitor started: the timeline's times count from here */
	uint64_t applied_ns, rollback_ns;
	/*
	 * fatal signals, judged as a rate: deaths in the baseline, and per stage window in the
	 * canary (host-wide patches: any process) and in the control arm
	 */
	uint64_t base_fatal, fatal_window, fatal_control;
	struct judge_fatal fatal;
	struct judge_decision fatal_d;
	struct rollout_mark marks[ROLLOUT_MAX_TIMELINE];
	size_t nr_marks;
	/*
	 * ulp: funcs[0..nr_patched) are the policy's functions; monitor function
	 * ARM_ID(f, p, side) watches function f of process p, in the target (side 0, control) or
	 * in the library (side 1, canary). The watch entries follow, one monitor id each.
	 */
	struct rollout_proc *procs;
	size_t *order; /* the order processes join the canary arm */
	size_t nr_procs, nr_patched, nr_mon;
	char **arm_names;		    /* "old -> new", per patched function */
	const struct patch_func *pfuncs;    /* the patch's, borrowed: per patched function */
	struct hc_snapshot *control_window; /* per patched function, the last window */
	/*
	 * Difference in differences: the last ROLLOUT_DID_WINDOWS baseline windows of every
	 * process, to split as each stage's arms (judge__add_did_baseline), and those of the
	 * stage under way, as each process was measured, for a next stage that has no control
	 */
	struct rollout_ring did_base, did_stage;
	/* per patched function f, a staggered stage's last window: [2 f] earlier, [2 f + 1] new */
	struct hc_snapshot *stag_window;
	struct patch *patch; /* borrowed */
	/* ab */
	struct rollout_period *periods;
	size_t nr_periods;
};

#define ARM_ID(r, f, p, side) (((f) * (r)->nr_procs + (p)) * 2 + (side))

/* the source's clock: a scripted one in the tests */
static inline uint64_t clock_ns(const struct rollout *r)
{
	return r->src->ops->now(r->src);
}

/* rollout.c: the timeline, the hooks, the events */
void rollout__mark(struct rollout *r, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rollout__progress(struct rollout *r);
void rollout__trip(struct rollout *r, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool rollout__wait_until(struct rollout *r, uint64_t until);

/* rollout_modules.c: the functions of modules, probed while their module is loaded */
int rollout__modules_start(struct rollout *r, char *err, size_t len);
void rollout__modules_follow(struct rollout *r);
const char *rollout__not_judged(const struct rollout_func *f);

/* the last window is evidence: for a module's function, if whole and with a baseline */
static inline bool rollout__judged(const struct rollout_func *f)
{
	return !f->module || (f->whole && f->base_windows);
}

/* rollout_arms.c: the processes, their arms and the per-window sums */
void rollout__proc_died(struct rollout *r, pid_t pid, int sig);
void rollout__proc_exit_status(struct rollout *r, pid_t pid, int status);
size_t rollout__mon_id(const struct rollout *r, size_t i);
int rollout__add_arms(struct rollout *r, char *err, size_t len);
void rollout__sample(struct rollout *r);
void rollout__add_cells(struct rollout *r, size_t i);
void rollout__proc_guardrails(struct rollout *r);
int rollout__proc_patch(struct rollout *r, size_t i, char *err, size_t len);
int rollout__load(struct rollout *r, char *err, size_t len);
int rollout__activate(struct rollout *r, size_t s, char *err, size_t len);
int rollout__deactivate(struct rollout *r, char *err, size_t len);
void rollout__arms_begin_stage(struct rollout *r);
void rollout__did_keep(struct rollout *r);
int rollout__fatal_arm(const struct rollout *r, pid_t pid);

#endif
