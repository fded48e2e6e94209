/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The crash-safe journal behind "hotcanary run", "status", "revert NAME" and "recover".
 *
 * One file per rollout name, STATE_DIR/NAME.journal (STATE_DIR defaults to
 * JOURNAL_DEFAULT_DIR; every function takes the directory). It is append-only JSON Lines,
 * one record per line, in this key order:
 *
 *   {"seq":7,"mono_ns":81234567890,"wall":"2026-11-26T11:40:03.123Z","kind":"intent",
 *    "action":"load","ok":true,"detail":{"module":"/root/fix.ko","module_name":"fix"}}
 *
 * - seq counts from 1 and only grows; mono_ns is CLOCK_MONOTONIC (it restarts at boot);
 *   wall is UTC, RFC 3339 with milliseconds.
 * - kind "intent" is written BEFORE an action that changes the system, "result" after it
 *   (ok false with detail.errno, a positive errno, and/or detail.reason), "note" for
 *   markers that change nothing (run_start, stages, decision, run_end...).
 * - Every append is one write() of the whole line, then fsync() of the file; creating the
 *   file (and the state directory) also fsyncs the directory it is in. A crash therefore
 *   leaves at worst a torn LAST line. The reader ignores an unterminated or invalid last
 *   line; an invalid line anywhere else is corruption: -EBADMSG naming FILE:LINE. Opening
 *   a journal for writing cuts a torn tail off before the next append.
 * - A caller acts only once the intent's append has returned 0, except to undo something
 *   the journal already holds (user/steps.c). If an append fails the journal refuses every
 *   later append (-EIO): the page cache can no longer be trusted.
 *
 * Detail keys the fold reads (callers may add any others; they are kept and shown):
 *
 *   run_start       type (req: "klp", "exec" or "ulp"), policy, policy_sha256, module,
 *                   module_name, replaces + replaces_name (klp: the previous cumulative
 *                   patch that rollback loads back), pids ([{pid, start_time}], ulp)
 *   load, enable, disable, unload, transition_wait
 *                   module_name (req), module (req for load: the .ko path);
 *                   load: replace (bool): the module is a cumulative (atomic replace) patch
 *   replace_load    module (req) and module_name (req) of the PREVIOUS patch being loaded
 *   exec_apply      anything; by convention argv and revert (the revert argv), which
 *                   come back in the exec_revert step of the plan
 *   exec_revert     anything
 *   ulp_patch, ulp_revert, ulp_inject, ulp_unload
 *                   pid (req, > 0), start_time (req: /proc/PID/stat field 22);
 *                   ulp_patch: sites, library; ulp_inject: library, page ("0x..": the
 *                   trampoline page, chosen before the injection): what an unload takes out
 *   stage_start     name
 *   decision        outcome (req: "committed", "rolled-back" or "held"), reason; held:
 *                   stage (the stage it was held in)
 *   revert_start    anything (e.g. reason): the first record of "revert NAME"
 *
 * Item actions need their required keys on intents and results, not on notes. The library
 * refuses to write a record without them (-EINVAL), and a journal line without them is
 * invalid. Results repeat the identifying keys of their intent (module_name, pid +
 * start_time): journal__result() takes the same detail object as journal__intent().
 *
 * The library does not print. Functions return 0 or a negative errno; where an error
 * needs words they are written into the caller's @err buffer (@errlen bytes), naming the
 * file and, for a bad record, its line.
 */
#ifndef HC_JOURNAL_H
#define HC_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#define JOURNAL_DEFAULT_DIR "/var/lib/hotcanary"
#define JOURNAL_SUFFIX	    ".journal"
#define JOURNAL_LOCK_SUFFIX ".lock"
#define JOURNAL_NAME_MAX    64	       /* as a policy's name: [a-z0-9-]+, no leading '-' */
#define JOURNAL_MAX_BYTES   (64 << 20) /* a larger journal is refused (-EFBIG) */

enum journal_kind {
	JOURNAL_INTENT,
	JOURNAL_RESULT,
	JOURNAL_NOTE,
};

/*
 * Actions, in the journal by the names in comments. Their rules live in one table in
 * journal.c (name, whether they change the system, the item they act on, required detail
 * keys, and the effect of an intent, a good result and a failed result on that item): a
 * new action is an enum value here plus a row there.
 */
enum journal_action {
	JOURNAL_ACT_RUN_START,	     /* "run_start" */
	JOURNAL_ACT_PRECHECK,	     /* "precheck" */
	JOURNAL_ACT_BASELINE_START,  /* "baseline_start" */
	JOURNAL_ACT_BASELINE_END,    /* "baseline_end" */
	JOURNAL_ACT_LOAD,	     /* "load": klp module load (= enable on 5.1+) */
	JOURNAL_ACT_TRANSITION_WAIT, /* "transition_wait" */
	JOURNAL_ACT_ENABLE,	     /* "enable" */
	JOURNAL_ACT_DISABLE,	     /* "disable": enabled=0, wait for the transition */
	JOURNAL_ACT_UNLOAD,	     /* "unload": rmmod */
	JOURNAL_ACT_REPLACE_LOAD,    /* "replace_load": load the previous cumulative patch */
	JOURNAL_ACT_EXEC_APPLY,	     /* "exec_apply" */
	JOURNAL_ACT_EXEC_REVERT,     /* "exec_revert" */
	JOURNAL_ACT_ULP_PATCH,	     /* "ulp_patch" */
	JOURNAL_ACT_ULP_REVERT,	     /* "ulp_revert" */
	JOURNAL_ACT_ULP_INJECT,	     /* "ulp_inject" */
	JOURNAL_ACT_ULP_UNLOAD,	     /* "ulp_unload" */
	JOURNAL_ACT_STAGE_START,     /* "stage_start" */
	JOURNAL_ACT_STAGE_END,	     /* "stage_end" */
	JOURNAL_ACT_DECISION,	     /* "decision" */
	JOURNAL_ACT_RUN_END,	     /* "run_end" */
	JOURNAL_ACT_REVERT_START,    /* "revert_start": "revert NAME" begins */
	JOURNAL__NR_ACTIONS,
};

struct journal_rec {
	uint64_t seq;
	uint64_t mono_ns;
	char wall[32];
	enum journal_kind kind;
	enum journal_action action;
	bool ok;
	struct json_object *detail; /* one reference owned by the record; never NULL */
	unsigned int line;	    /* 1-based line in its file; 0 when not read from one */
};

struct journal_recs {
	struct journal_rec *v;
	size_t n;
	unsigned int torn_line; /* the ignored torn last line, 0 if there was none */
	size_t valid_len;	/* bytes up to the end of the last good line */
};

/* ---- the fold ----------------------------------------------------------------------- */

enum journal_phase {
	JOURNAL_PHASE_NONE,	    /* "none": no run yet */
	JOURNAL_PHASE_RUNNING,	    /* "running": a run without a decision */
	JOURNAL_PHASE_ROLLING_BACK, /* "rolling-back": rollback begun or still owed */
	JOURNAL_PHASE_COMMITTED,    /* "committed" */
	JOURNAL_PHASE_ROLLED_BACK,  /* "rolled-back": ended, nothing of the run left */
	/*
	 * "held": the judge could not decide; the patch is left as its stage had it until
	 * 'hotcanary resume'
	 */
	JOURNAL_PHASE_HELD,
};

enum journal_outcome {
	JOURNAL_OUTCOME_NONE, /* no decision record in the current run */
	JOURNAL_OUTCOME_COMMITTED,
	JOURNAL_OUTCOME_ROLLED_BACK,
	JOURNAL_OUTCOME_HELD,
};

/* what the journal knows about a piece of system state: "no", "maybe", "yes" */
enum journal_tri {
	JOURNAL_NO,
	JOURNAL_MAYBE, /* an intent without its result, or a failed undo */
	JOURNAL_YES,
};

enum journal_item_kind {
	JOURNAL_ITEM_NONE,
	JOURNAL_ITEM_KLP,  /* a livepatch module, by module_name */
	JOURNAL_ITEM_EXEC, /* an external patcher's patch, one per run */
	JOURNAL_ITEM_ULP,  /* one patched process, by pid + start_time */
};

/* something the journal says is (maybe) applied right now */
struct journal_item {
	enum journal_item_kind kind;
	char *module;		    /* klp: the .ko path (NULL if never journaled) */
	char *module_name;	    /* klp */
	pid_t pid;		    /* ulp */
	uint64_t start_time;	    /* ulp */
	enum journal_tri active;    /* klp: patch enabled; exec: applied; ulp: patched */
	enum journal_tri loaded;    /* klp: module loaded; always NO for exec and ulp */
	bool committed;		    /* kept by a committed decision: not undone */
	bool restored;		    /* klp: a previous patch loaded back by replace_load */
	bool replace;		    /* klp: a cumulative (atomic replace) patch */
	char *replaces;		    /* klp: its rollback route, the previous cumulative */
	char *replaces_name;	    /*   patch (from run_start or replace_load), or NULL */
	bool replace_failed;	    /* klp: a replace_load back to it failed: use disable */
	bool disable_first;	    /* klp: ours goes before it is loaded (a newer klp_state) */
	uint64_t run_seq;	    /* seq of the run_start of the run that applied it */
	uint64_t first_seq;	    /* the record that made it */
	uint64_t last_seq;	    /* the last record about it */
	struct json_object *detail; /* that first record's detail (a reference) */
	/* private to the fold */
	uint64_t saved_by;
	enum journal_tri saved_active, saved_loaded;
};

struct journal_step {
	enum journal_action action; /* disable, unload, replace_load, exec_revert, ulp_revert */
	struct json_object *detail; /* a reference owned by the step */
	/* the journal does not know whether what this step undoes took effect: check first */
	bool maybe;
};

struct journal_plan {
	struct journal_step *steps;
	size_t nr_steps;
};

struct journal_state {
	char *name;
	char *path; /* the file, when read from one; else NULL */
	enum journal_phase phase;
	bool resolved;
	enum journal_outcome outcome; /* of the current run */
	char *reason;		      /* the decision's reason, or NULL */
	char *held_stage;	      /* held: the stage it was held in, or NULL */
	bool ended;		      /* run_end seen for the current run */
	size_t nr_records;
	size_t nr_runs; /* run_start records */
	uint64_t last_seq;
	char last_wall[32];
	unsigned int torn_line; /* from the reader: an ignored torn last line */
	/* the current run: the last run_start */
	uint64_t run_seq;
	char run_wall[32];
	char *type;			/* "klp", "exec", "ulp", or NULL */
	struct json_object *run_detail; /* the run_start's detail, or NULL */
	char *stage;			/* the stage started and not yet ended, or NULL */
	/* the last intent of an action that changes the system, if it has no result yet */
	bool has_pending;
	enum journal_action pending;
	uint64_t pending_seq;
	/* what the journal says is applied, in the order it was applied */
	struct journal_item *items;
	size_t nr_items;
	/* what "recover" (or "revert NAME") must do, in order */
	struct journal_plan plan;
	/* private to the fold */
	bool started, rollback_begun;
	char *replaces, *replaces_name; /* of the current run */
	bool disable_first;		/* of the current run: see journal_item */
	uint64_t replace_intent_seq;
};

/*
 * Fold @n records into *@st (which this initializes; free it with journal_state__free()).
 * Pure: no file system. @name names the rollout. Return 0, -EINVAL for a record that is
 * not valid (with "record seq N[ (line L)]: ..." in @err), or -ENOMEM.
 *
 * The rules:
 * - run_start begins a run: phase running. revert_start ("revert NAME") makes the items
 *   of the newest run that still has something applied uncommitted again (patches merely
 *   restored by replace_load are not taken): phase rolling-back.
 * - Item actions change what is applied. An intent sets what it touches to "maybe"; a good
 *   result sets the final value; a failed result either restores what was there before the
 *   intent or leaves "maybe", per action:
 *       action        intent            ok                  failed
 *       load          active,loaded ?   active,loaded yes   as before (nothing loaded)
 *       enable        active ?          active yes          as before
 *       disable       active ?          active no           active ? (may be reversing)
 *       unload        loaded ?          active,loaded no    as before
 *       exec_apply    active ?          active yes          active ? (unknown to us)
 *       exec_revert   active ?          active no           active ?
 *       ulp_patch     active ?          active yes          as before (restored)
 *       ulp_revert    active ?          active no           active ?
 *       ulp_inject    loaded ?          loaded yes          as before (taken out)
 *       ulp_unload    loaded ?          loaded no           loaded no (said; harmless:
 *                                                           no site leads to it)
 *       replace_load  prev: active,loaded ?, other active patches: active ?
 *                     ok: prev yes (restored, kept), the others no (replaced, still loaded)
 *                     failed: all as before, and the plan falls back to disable
 *   transition_wait ok for a patch loaded with replace:true: every other patch is replaced
 *   (active no). Items with nothing left (active and loaded no) are dropped.
 * - An undo action (disable, unload, replace_load, exec_revert, ulp_revert) on an
 *   uncommitted item while running means a rollback has begun: phase rolling-back.
 * - decision committed: the run's items are committed (never undone), phase committed.
 *   decision rolled-back: the run's items are uncommitted, phase rolling-back.
 *   decision held: the items stay as they are, uncommitted, and the run is unresolved
 *   (phase held, also after run_end): "recover" leaves it alone, "run" refuses, and
 *   "resume NAME" ends it with a decision committed, or a revert_start.
 * - run_end: committed stays committed; otherwise (rolled back, or no decision: a refusal)
 *   phase rolled-back if no uncommitted item is left, else rolling-back.
 * - resolved: the current run has its run_end (or there never was a run) and no
 *   uncommitted item is left. Else unresolved, and "run" must refuse.
 * - The plan undoes every uncommitted item, newest first: klp disable (or, if the run
 *   names "replaces" and no replace_load failed, one replace_load of the previous patch
 *   first) then unload; exec_revert; ulp_revert. Steps may be redone safely: each must
 *   check the live state and count "already so" as done. A step's detail is what its
 *   intent and result records take: recover journals each step like any action. A target
 *   that is gone (module not loaded, e.g. after a reboot; process exited or its start time
 *   differs) gets a good result with a reason, which settles it. After the steps, recover
 *   writes a decision rolled-back (if the run had none) and run_end. A committed run that
 *   died before run_end has an empty plan: recover only writes run_end.
 */
int journal__state(const char *name, const struct journal_rec *recs, size_t n,
		   struct journal_state *st, char *err, size_t errlen);
void journal_state__free(struct journal_state *st);

/*
 * 0 if a new run may start: no journal, or resolved. Else -EINPROGRESS and a sentence in
 * @err naming the journal, its phase, the action in flight and "hotcanary recover".
 */
int journal__check_resolved(const struct journal_state *st, char *err, size_t errlen);

int journal_plan__copy(const struct journal_plan *src, struct journal_plan *dst);
void journal_plan__free(struct journal_plan *plan);

/* ---- reading ------------------------------------------------------------------------ */

/*
 * Parse @len bytes of journal text; @file names it in errors. Return 0, -EBADMSG for a bad
 * line that is not the last ("FILE:LINE: ..." in @err) or -ENOMEM.
 */
int journal__parse(const char *file, const char *text, size_t len, struct journal_recs *out,
		   char *err, size_t errlen);
/* the same for the file at @path (-ENOENT when there is none, -EFBIG when too large) */
int journal__read(const char *path, struct journal_recs *out, char *err, size_t errlen);
void journal_recs__free(struct journal_recs *recs);

/* read and fold DIR/NAME.journal */
int journal__load(const char *dir, const char *name, struct journal_state *st, char *err,
		  size_t errlen);

struct journal_entry {
	char name[JOURNAL_NAME_MAX + 1];
	int error; /* 0, or why this journal could not be read: */
	char msg[512];
	pid_t holder;		    /* PID holding its lock (a run in progress), 0 if none */
	struct journal_state state; /* valid when error is 0 */
};

/*
 * Every DIR/NAME.journal with a valid NAME, sorted by name, into a new array *@out of
 * *@nr entries. A journal that cannot be read is an entry with its error, not a failure.
 * A missing @dir is an empty list. Return 0, or -errno reading @dir.
 */
int journal__list(const char *dir, struct journal_entry **out, size_t *nr, char *err,
		  size_t errlen);
void journal__list_free(struct journal_entry *entries, size_t nr);

/* the PID holding DIR/NAME's lock into *@pid (0 when free; -1 if it is held but the PID
 * is unknown). Probes with a shared lock for an instant; changes nothing. */
int journal__holder(const char *dir, const char *name, pid_t *pid);

/* ---- writing ------------------------------------------------------------------------ */

struct journal;

#define JOURNAL_CREATE 0x1 /* create DIR (one level) and the journal if missing */

/*
 * Open DIR/NAME.journal for appending, under an exclusive flock of DIR/NAME.lock, which
 * then holds this process's PID. Return 0, -EINVAL for a bad name, -ENOENT (no journal and
 * no JOURNAL_CREATE), -EBUSY if another process holds the lock ("... held by PID N" in
 * @err), -EBADMSG for a corrupt journal, or another -errno. The records already there are
 * folded (journal__current()); a torn last line is cut off.
 * The lock belongs to the open file description: it is not inherited across exec (the
 * descriptors are O_CLOEXEC), but a fork()ed child shares it until it exits.
 */
int journal__open(const char *dir, const char *name, unsigned int flags, struct journal **jp,
		  char *err, size_t errlen);
/* release the lock (and clear the PID in the lock file); NULL is fine */
void journal__close(struct journal *j);

/*
 * The fold of every record in the journal, this process's appends included. It is rebuilt
 * by every append: pointers into it (the plan too) are valid until the next append or
 * close; journal_plan__copy() keeps a plan across appends.
 */
const struct journal_state *journal__current(const struct journal *j);
const char *journal__path(const struct journal *j);

/*
 * Append one record and fsync it. @detail is borrowed (NULL: {}). The record's seq goes to
 * *@seq if @seq is not NULL. Return 0, -EINVAL for a record the table refuses (a missing
 * key, a bad outcome...), -EIO after an earlier failure, or the -errno of write or fsync.
 */
int journal__append(struct journal *j, enum journal_kind kind, enum journal_action action, bool ok,
		    struct json_object *detail, uint64_t *seq, char *err, size_t errlen);
int journal__intent(struct journal *j, enum journal_action action, struct json_object *detail,
		    char *err, size_t errlen);
/* a result: @error is 0 (ok) or a negative errno, written as detail.errno (positive) with
 * @reason (may be NULL) as detail.reason, next to a copy of @detail's keys */
int journal__result(struct journal *j, enum journal_action action, struct json_object *detail,
		    int error, const char *reason, char *err, size_t errlen);
int journal__note(struct journal *j, enum journal_action action, struct json_object *detail,
		  char *err, size_t errlen);

/* ---- names -------------------------------------------------------------------------- */

const char *journal__action_name(enum journal_action action);
/* does @action take something back (disable, unload, replace_load, exec_revert, ulp_revert)? */
bool journal__action_undoes(enum journal_action action);
/* -EINVAL if @name is not an action */
int journal__action_from_name(const char *name, enum journal_action *action);
const char *journal__kind_name(enum journal_kind kind);
const char *journal__phase_name(enum journal_phase phase);
const char *journal__outcome_name(enum journal_outcome outcome); /* "none", ... */
const char *journal__tri_name(enum journal_tri tri);		 /* "no", "maybe", "yes" */
/* true for [a-z0-9-]{1,64} not starting with '-' */
bool journal__valid_name(const char *name);

#endif
