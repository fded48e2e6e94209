/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The staged rollout of one patch: baseline, activation, stages judged window by window,
 * then commit or rollback. Generic over how a patch is applied and reverted (struct
 * patch_driver), so klp, exec and later ulp share the measuring and the judging. No printing:
 * the command layer follows progress through hooks and prints the report.
 */
#ifndef HC_ROLLOUT_H
#define HC_ROLLOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "guard.h"
#include "judge.h"
#include "monitor.h"
#include "policy.h"

/* every window is judged; 1 s gives a few windows even in the short stages of the VM tests */
#define ROLLOUT_WINDOW_NS	1000000000ULL
#define ROLLOUT_MAX_TIMELINE	256

enum rollout_outcome {
	ROLLOUT_RUNNING,
	ROLLOUT_COMMITTED,
	ROLLOUT_ROLLED_BACK,
	ROLLOUT_REFUSED,	/* nothing was changed */
	ROLLOUT_FAILED,		/* an error; the system was put back as it was */
};

enum rollout_phase {
	ROLLOUT_PHASE_BASELINE,
	ROLLOUT_PHASE_ACTIVATE,
	ROLLOUT_PHASE_STAGE,
	ROLLOUT_PHASE_ROLLBACK,
	ROLLOUT_PHASE_DONE,
};

struct patch_driver {
	const char *name;
	/* make the patch live; on failure leave the system as it was and say why */
	int (*apply)(void *ctx, char *err, size_t len);
	/* take it out again; @err says what is left if it fails */
	int (*revert)(void *ctx, char *err, size_t len);
	void *ctx;
	/* a failed apply may have changed something (an external patcher): revert it too */
	bool revert_failed_apply;
};

struct rollout_mark {
	uint64_t mono_ns;
	struct timespec wall;
	char what[32];
	char detail[320];
};

/* one watched function's figures for the report */
struct rollout_func {
	const char *name;
	struct judge judge;
	struct hc_snapshot baseline;	/* summed over the baseline */
	struct hc_snapshot canary;	/* summed over every stage window */
	struct hc_snapshot window;	/* the last window */
	unsigned int base_windows;
	struct judge_result last;	/* the latest verdicts */
};

struct rollout;

struct rollout_hooks {
	/* after every window, and at every phase change */
	void (*progress)(const struct rollout *r, void *ctx);
	void *ctx;
};

int rollout__new(struct rollout **r, const struct hc_policy *pol, enum hc_probe_mode mode,
		 const struct rollout_hooks *hooks);
/* load and attach the monitor and the guardrails; nothing on the system changes */
int rollout__prepare(struct rollout *r, char *err, size_t len);
/*
 * The whole lifecycle after prepare: baseline, apply, stages, commit or rollback. Returns
 * 0 with the outcome in rollout__outcome(), or -errno when even the rollback failed.
 */
int rollout__run(struct rollout *r, const struct patch_driver *drv);
void rollout__free(struct rollout *r);

enum rollout_outcome rollout__outcome(const struct rollout *r);
const char *rollout__outcome_name(enum rollout_outcome o);
const char *rollout__reason(const struct rollout *r);
enum rollout_phase rollout__phase(const struct rollout *r);
const char *rollout__stage_name(const struct rollout *r);
/* time left in the current phase */
uint64_t rollout__remaining_ns(const struct rollout *r);
size_t rollout__func_cnt(const struct rollout *r);
const struct rollout_func *rollout__func(const struct rollout *r, size_t i);
size_t rollout__timeline(const struct rollout *r, const struct rollout_mark **marks);
const char *rollout__probe_mode(const struct rollout *r);
/* the first apply's time to take effect and the rollback's, 0 if none */
uint64_t rollout__detect_ns(const struct rollout *r);

#endif
