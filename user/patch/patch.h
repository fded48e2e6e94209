/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The patch drivers: everything that depends on a policy's patch.type lives behind one table
 * of operations, one file per type in this directory (klp.c, exec.c, ulp.c). The commands
 * and the rollout call through the table; adding a patch type is one new file and one row in
 * patch.c.
 *
 * A driver's life in 'run': check (pre-flight, nothing changes), begin (the journal is
 * open), then the rollout moves it: load for a whole-host patch (and wait for it to take
 * effect), patch_one per process for a per-process one, at each stage; roll back with revert
 * or revert_one. 'recover' and 'revert' replay the journal (user/steps.c) and need no driver;
 * 'status' asks the driver of each journaled item whether the system still agrees.
 */
#ifndef HC_PATCH_H
#define HC_PATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <json-c/json.h>
#include "journal.h"
#include "klp.h"
#include "monitor.h"
#include "policy.h"
#include "steps.h"

struct rollout;

/* the kernel's livepatches, as 'status' compares them with the journals */
struct patch_live {
	bool known; /* the list could be read */
	const struct klp_patch *p;
	size_t n;
};

struct patch {
	const struct patch_ops *ops;
	const struct hc_policy *pol;
	/* the state directory (journals, kept module copies); NULL: none, as in a dry run */
	const char *state_dir;
	struct steps steps; /* every change is journaled through these */
	/* why check() refused, for the report (the printed message may differ) */
	char refusal[1200];
	void *priv; /* the driver's own state */
};

/* a function a per-process patch redirects: @old_sym in @target to @new_sym in @library */
struct patch_func {
	char *target, *old_sym; /* borrowed from the policy */
	char *library, *new_sym;
	int errors; /* enum hc_err_mode of the function's return */
	/*
	 * A patched process is measured on the old function's entry, which the jump keeps (an
	 * endbr64), because the new function begins with another instruction: a uprobe's cost
	 * depends on the instruction it is on, and both arms' probes are then on the same one.
	 * Else it is measured on the new function, past the jump. @probe_note says which, and
	 * why, for the timeline.
	 */
	bool probe_old;
	/*
	 * The old function's probe is on the jump's first byte (no endbr64, or one it is
	 * probed past): a process keeps that probe while patched, the jump written over the
	 * probe's int3, so that every probe of the site stays where it was (rollout_arms.c).
	 */
	bool probe_on_site;
	char probe_note[256];
};

/* what describe() is asked for: each is a set of keys added to a JSON object */
enum patch_view {
	PATCH_VIEW_CHECK,   /* 'check --json': the pre-flight's findings */
	PATCH_VIEW_REFUSAL, /* a refusal's report: what refused */
	PATCH_VIEW_JOURNAL, /* the journal's run_start: what recover needs to know */
};

struct patch_ops {
	enum hc_patch_type type;
	const char *name; /* patch.type in the policy and the journal */
	/* the journal items this driver leaves (status) */
	enum journal_item_kind item_kind;
	/*
	 * Properties the checks (user/checks.c) read: the kernel compatibility checks apply to
	 * this type at all; the patch is a livepatch module that hotcanary loads itself.
	 */
	bool kernel_checks;
	bool kernel_module;
	/* check() needs root (ptrace, /proc/PID/mem), even for 'hotcanary check' */
	bool check_needs_root;
	/* a load that failed may have changed something (an external patcher): revert it too */
	bool revert_failed_load;
	/*
	 * What a run keeps of root once its probes are attached (privs.h's PRIVS_*), or -1 to
	 * keep all: a livepatch's transition, and an exec patcher, need what root has.
	 */
	int privs;

	int (*open)(struct patch *p);
	void (*close)(struct patch *p);
	/*
	 * Pre-flight: nothing is changed. 0; -EPERM when refused; other -errno when the checks
	 * could not run. On failure @err is the message for the operator, and on -EPERM
	 * p->refusal the reason for the report.
	 */
	int (*check)(struct patch *p, char *err, size_t len);
	/* the pre-flight's findings for the terminal, one line each (none after a refusal) */
	void (*check_print)(const struct patch *p, FILE *out);
	/* the kernel probe mode the checks chose for the watched functions, or HC_MODE_AUTO */
	enum hc_probe_mode (*probe_mode)(const struct patch *p);
	/* the run starts: journal every step in @j; what the rollback needs is resolved now */
	int (*begin)(struct patch *p, struct journal *j, char *err, size_t len);
	void (*describe)(const struct patch *p, enum patch_view view, struct json_object *o);
	/*
	 * The processes a per-process patch moves from stage to stage, in order (borrowed, valid
	 * until close); 0 for a whole-host patch.
	 */
	size_t (*procs)(const struct patch *p, const pid_t **pids, const uint64_t **start_times);
	/*
	 * Per-process: the functions it redirects (borrowed, valid until close), each watched
	 * in every process, in the target for the control arm and in the library for the canary.
	 */
	size_t (*funcs)(const struct patch *p, const struct patch_func **funcs);

	/* whole-host: make the patch live; on failure leave the system as it was, say why */
	int (*load)(struct patch *p, char *err, size_t len);
	/*
	 * Whole-host, optional: after load, wait until the patch took effect everywhere (a
	 * livepatch's transition). On failure take it out again and say why.
	 */
	int (*wait)(struct patch *p, char *err, size_t len);
	/* whole-host: take it out again (roll back); @err says what is left if it fails */
	int (*revert)(struct patch *p, char *err, size_t len);
	/*
	 * Per-process: patch or restore process @i of procs(). patch_one's -EBUSY means "busy
	 * past the deadline, left untouched": that process stays in the control arm; -ESRCH
	 * that it exited before its turn, and is left out.
	 */
	int (*patch_one)(struct patch *p, size_t i, char *err, size_t len);
	int (*revert_one)(struct patch *p, size_t i, char *err, size_t len);
	/*
	 * Per-process, optional: the last stage passed and the patch is committed; make it
	 * last (ulp: into the parents that start the service's processes). Not a failure of
	 * the commit: @err, if set, is what the timeline says about it.
	 */
	void (*commit)(struct patch *p, char *err, size_t len);
	/*
	 * Per-process, optional: once the run has ended, take out what it left loaded in the
	 * processes it reverted and nothing uses any more (ulp: the fix library and the
	 * trampoline page), and, when it was @rolled_back, the patch out of the processes that
	 * carry it without having been patched (ulp: forks of patched processes). The report
	 * says what stayed, and why.
	 */
	void (*tidy)(struct patch *p, bool rolled_back);

	/*
	 * The run's report: the driver's part of the JSON @rj, and its table on @out (NULL:
	 * print nothing).
	 */
	void (*report)(const struct patch *p, const struct rollout *r, struct json_object *rj,
		       FILE *out);
	/*
	 * 'status': does the system still hold journal item @it as the journal says? Writes a
	 * line to @out if it has something to say, and sets @now to the item's state on the
	 * system in a word or two ("enabled", "gone"), or NULL if it cannot tell; 0, or -errno
	 * on a mismatch.
	 */
	int (*status)(const struct journal_item *it, const struct patch_live *live, FILE *out,
		      const char **now);
	/* a journal item in one word for 'status': "klp:NAME", "exec", "pid:PID" */
	void (*item_text)(const struct journal_item *it, char *buf, size_t len);
};

extern const struct patch_ops patch_klp_ops, patch_exec_ops, patch_ulp_ops;

/* the driver of a patch type, or of the items of a journal; NULL if none */
const struct patch_ops *patch__ops(enum hc_patch_type type);
const struct patch_ops *patch__ops_by_item(enum journal_item_kind kind);
/* a driver instance for @pol (kept, not copied): 0 or -ENOMEM */
int patch__new(struct patch **p, const struct hc_policy *pol);
void patch__free(struct patch *p);
/* true when the patch goes in process by process (ops->patch_one) */
bool patch__per_process(const struct patch *p);

#endif
