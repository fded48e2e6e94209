/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The staged rollout of one patch: baseline, activation, stages judged window by window,
 * then commit or rollback. Generic over how a patch is applied and reverted (the driver
 * table of user/patch/patch.h), so every patch type shares the measuring and the judging,
 * and over where the samples come from (user/source.h), so that tests can script them. No
 * printing: the command layer follows progress through hooks and prints the report.
 */
#ifndef HC_ROLLOUT_H
#define HC_ROLLOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>
#include "guard.h"
#include "judge.h"
#include "monitor.h"
#include "source.h"
#include "policy.h"
#include "patch/patch.h"

/* every window is judged; 1 s gives a few windows even in the short stages of the VM tests */
#define ROLLOUT_WINDOW_NS    1000000000ULL
#define ROLLOUT_MAX_TIMELINE 256
/* baseline windows kept per process for difference in differences: more add little */
#define ROLLOUT_DID_WINDOWS  120

enum rollout_outcome {
	ROLLOUT_RUNNING,
	ROLLOUT_COMMITTED,
	ROLLOUT_ROLLED_BACK,
	ROLLOUT_REFUSED, /* nothing was changed */
	ROLLOUT_FAILED,	 /* an error; the system was put back as it was */
	/*
	 * a stage was inconclusive (or had no data) and the policy says hold: the patch is left
	 * as that stage had it, for a human to decide ('hotcanary resume')
	 */
	ROLLOUT_HELD,
};

enum rollout_phase {
	ROLLOUT_PHASE_BASELINE,
	ROLLOUT_PHASE_ACTIVATE,
	ROLLOUT_PHASE_STAGE,
	ROLLOUT_PHASE_ROLLBACK,
	ROLLOUT_PHASE_DONE,
};

enum rollout_proc_state {
	ROLLOUT_PROC_CONTROL,  /* unpatched, in the control arm */
	ROLLOUT_PROC_CANARY,   /* patched */
	ROLLOUT_PROC_REVERTED, /* patched, then restored: unpatched, not in an arm */
	ROLLOUT_PROC_BUSY,     /* could not be patched in time: left untouched, control */
	ROLLOUT_PROC_GONE,     /* exited while unpatched */
	ROLLOUT_PROC_LOST,     /* died, or exited with a failure status, while patched */
	ROLLOUT_PROC_EXITED,   /* exited with status 0 while patched: a reload, not a failure */
	ROLLOUT_PROC_FAILED,   /* its revert failed: 'hotcanary recover' owes it */
};

struct rollout_proc {
	pid_t pid;
	uint64_t start_time;
	enum rollout_proc_state state;
	bool was_patched; /* patched at some point of the run */
	int exit_status;  /* its exit(): -1 until the kernel reports one */
	char note[448];	  /* why it is busy, lost or failed */
	/* private to the rollout */
	uint64_t window_calls;	    /* its calls in the last window, in either arm */
	uint64_t base_calls;	    /* its calls in the baseline */
	unsigned int patched_stage; /* the stage_idx it was patched at: 0 is the first stage's */
};

struct rollout_mark {
	uint64_t mono_ns;
	struct timespec wall;
	char what[32];
	char detail[320];
};

/* one watched function's figures for the report */
/* a stage's last verdicts for one function, for the report */
struct rollout_stage_result {
	bool reached;
	bool concurrent; /* judged against control processes, not the baseline */
	bool staggered;	 /* against the processes patched earlier (rollout_func.staggered) */
	/* why the function was not judged in this stage (a module's, not loaded), or NULL */
	const char *not_judged;
	struct judge_result res;
};

struct rollout_func {
	const char *name;
	struct judge judge;
	struct hc_snapshot baseline; /* summed over the baseline */
	struct hc_snapshot canary;   /* summed over every stage window */
	struct hc_snapshot window;   /* the last window */
	unsigned int base_windows;
	struct judge_result last; /* the latest verdicts */
	/* ulp: a redirected function, judged against the control arm in the same windows */
	bool patched;
	/*
	 * ... and measured in a patched process on its own entry, as in the others
	 * (patch_func.probe_old), not on the new function
	 */
	bool same_site;
	struct hc_snapshot control; /* the control arm, summed over every stage window */
	struct judge solo;	    /* a stage without control processes: before/after */
	bool concurrent;	    /* the last stage judged had a control arm */
	/*
	 * ... or, with no control process left, judged by its processes patched in this stage
	 * against those patched in earlier stages, each arm's change since the previous stage
	 * (rollout__arms_begin_stage()); the solo judge runs alongside, its FAIL a guard
	 */
	bool staggered;
	struct judge_result guard;	     /* the solo judge's latest verdicts in such a stage */
	struct rollout_stage_result *stages; /* one per policy stage */
	/*
	 * A function of a module (kernel:MODULE:FUNC), probed while its module is loaded
	 * (rollout_modules.c). Only a window that it was probed for from end to end counts, and
	 * a stage judges it only with such windows and a baseline to compare them with.
	 */
	const char *module; /* the module's name; NULL for any other function */
	uint64_t seen;	    /* the load of the module last seen (source_ops.loaded), 0: none */
	bool probed;	    /* its probes are in, on that load */
	bool whole;	    /* the last window was measured with the probes in throughout */
	unsigned int stage_loaded; /* such windows in the current stage */
	const char *not_judged;	   /* as rollout_stage_result's, for the last stage kept */
};

struct rollout;

struct rollout_hooks {
	/* after every window, and at every phase change */
	void (*progress)(const struct rollout *r, void *ctx);
	void *ctx;
};

/*
 * A rollout of @pol that moves @patch (checked, its journal begun) and measures it through
 * @src, the BPF monitor in production (source_bpf__new()). Both are borrowed: free them
 * after the rollout. A per-process patch's processes (patch_ops.procs) are the arms the
 * stages move, in that order; each function it redirects is watched in the target for the
 * control processes and in the library for the canary ones.
 */
/*
 * How the rollout configures the judge of each of @nr_funcs judged functions of policy @p:
 * the run's alpha split over the functions and stages (and the fatal-signal test), beta
 * over the functions, the limits, the looks an extension adds, the onset horizon
 */
void rollout__judge_config(const struct hc_policy *p, size_t nr_funcs, bool concurrent,
			   struct judge_config *cfg);
int rollout__new(struct rollout **r, const struct hc_policy *pol, struct patch *patch,
		 struct source *src, const struct rollout_hooks *hooks);
size_t rollout__proc_cnt(const struct rollout *r);
const struct rollout_proc *rollout__proc(const struct rollout *r, size_t i);
const char *rollout__proc_state_name(enum rollout_proc_state s);
/* load and attach the monitor and the guardrails; nothing on the system changes */
int rollout__prepare(struct rollout *r, char *err, size_t len);
/*
 * The whole lifecycle after prepare: baseline, apply, stages, commit or rollback. Returns
 * 0 with the outcome in rollout__outcome(), or -errno when even the rollback failed.
 */
int rollout__run(struct rollout *r);
void rollout__free(struct rollout *r);

/* 'hotcanary ab': one period with the patch in (on) or out, every function's figures */
struct rollout_period {
	bool on;
	uint64_t start_ns; /* CLOCK_MONOTONIC */
	uint64_t duration_ns;
	struct hc_snapshot *funcs; /* rollout__func_cnt() of them */
};

/*
 * Switchback instead of stages: after prepare, take the patch out and in, @rounds times
 * each, measuring @period_ns after every switch (the calls made while it switches belong to
 * neither). Rounds alternate off-on and on-off, so that a linear drift cancels. Ends with the
 * patch in (@end_on) or out. A guardrail ends it early with the patch out: outcome
 * rolled-back. Else committed (@end_on) or rolled-back with an "as the policy says" reason.
 * Returns 0, or -errno when even taking the patch out failed.
 */
int rollout__ab(struct rollout *r, unsigned int rounds, uint64_t period_ns, bool end_on);
size_t rollout__periods(const struct rollout *r, const struct rollout_period **periods);

enum rollout_outcome rollout__outcome(const struct rollout *r);
const char *rollout__outcome_name(enum rollout_outcome o);
const char *rollout__reason(const struct rollout *r);
/* a guardrail, the judge or the operator stopped it */
bool rollout__tripped(const struct rollout *r);
enum rollout_phase rollout__phase(const struct rollout *r);
const char *rollout__stage_name(const struct rollout *r);
/* the name of the stage running or last run, NULL before the first */
const char *rollout__last_stage(const struct rollout *r);
/* the stage running or last run, 1-based; 0 before the first */
unsigned int rollout__stage_index(const struct rollout *r);
/* time left in the current phase */
uint64_t rollout__remaining_ns(const struct rollout *r);
size_t rollout__func_cnt(const struct rollout *r);
const struct rollout_func *rollout__func(const struct rollout *r, size_t i);
size_t rollout__timeline(const struct rollout *r, const struct rollout_mark **marks);
const char *rollout__probe_mode(const struct rollout *r);
/* the first apply's time to take effect and the rollback's, 0 if none */
uint64_t rollout__detect_ns(const struct rollout *r);

#endif
