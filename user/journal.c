// SPDX-License-Identifier: GPL-2.0
/*
 * The journal: JSON Lines records appended with write + fsync under a flock, a tolerant
 * reader, and the fold that turns the records into "what is applied, what must be undone".
 * Everything an action means to the fold is in the journal_actions[] table below.
 *
 * This file holds the record format: the action table, the names, and the checks every
 * record passes. The fold and the plan are in journal_fold.c, reading in journal_read.c,
 * the writer (open, lock, append, fsync) in journal_write.c; journal_int.h joins them.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include "journal.h"
#include "journal_int.h"

/* ---- the action table ----------------------------------------------------------------- */

static int check_run_start(const struct journal_rec *r, char *why, size_t len);
static int check_decision(const struct journal_rec *r, char *why, size_t len);
static int check_ulp(const struct journal_rec *r, char *why, size_t len);

#define REQ_MODNAME                                   \
	{                                             \
		"module_name", json_type_string, K_IR \
	}
#define REQ_PID                                   \
	{ "pid", json_type_int, K_IR },           \
	{                                         \
		"start_time", json_type_int, K_IR \
	}

const struct action_info journal_actions[JOURNAL__NR_ACTIONS] = {
	[JOURNAL_ACT_RUN_START] = {
		.name = "run_start",
		.req = { { "type", json_type_string, K_ALL } },
		.fold = journal__fold_run_start, .check = check_run_start,
	},
	[JOURNAL_ACT_PRECHECK] = { .name = "precheck" },
	[JOURNAL_ACT_BASELINE_START] = { .name = "baseline_start" },
	[JOURNAL_ACT_BASELINE_END] = { .name = "baseline_end" },
	[JOURNAL_ACT_LOAD] = {
		.name = "load", .flags = A_CHANGES | A_CREATES, .item = JOURNAL_ITEM_KLP,
		.req = { REQ_MODNAME, { "module", json_type_string, K_I } },
		.intent = { E_MAYBE, E_MAYBE }, .ok = { E_YES, E_YES }, .fail = { E_SAVED, E_SAVED },
	},
	[JOURNAL_ACT_TRANSITION_WAIT] = {
		.name = "transition_wait", .item = JOURNAL_ITEM_KLP,
		.req = { REQ_MODNAME },
		.fold = journal__fold_transition_wait,
	},
	[JOURNAL_ACT_ENABLE] = {
		.name = "enable", .flags = A_CHANGES, .item = JOURNAL_ITEM_KLP,
		.req = { REQ_MODNAME },
		.intent = { E_MAYBE, E_SAME }, .ok = { E_YES, E_SAME }, .fail = { E_SAVED, E_SAME },
	},
	[JOURNAL_ACT_DISABLE] = {
		.name = "disable", .flags = A_CHANGES | A_UNDO, .item = JOURNAL_ITEM_KLP,
		.req = { REQ_MODNAME },
		.intent = { E_MAYBE, E_SAME }, .ok = { E_NO, E_SAME }, .fail = { E_MAYBE, E_SAME },
	},
	[JOURNAL_ACT_UNLOAD] = {
		.name = "unload", .flags = A_CHANGES | A_UNDO, .item = JOURNAL_ITEM_KLP,
		.req = { REQ_MODNAME },
		.intent = { E_SAME, E_MAYBE }, .ok = { E_NO, E_NO }, .fail = { E_SAVED, E_SAVED },
	},
	[JOURNAL_ACT_REPLACE_LOAD] = {
		.name = "replace_load", .flags = A_CHANGES | A_UNDO, .item = JOURNAL_ITEM_KLP,
		.req = { REQ_MODNAME, { "module", json_type_string, K_I } },
		.fold = journal__fold_replace_load,
	},
	[JOURNAL_ACT_EXEC_APPLY] = {
		.name = "exec_apply", .flags = A_CHANGES | A_CREATES, .item = JOURNAL_ITEM_EXEC,
		.intent = { E_MAYBE, E_SAME }, .ok = { E_YES, E_SAME }, .fail = { E_MAYBE, E_SAME },
	},
	[JOURNAL_ACT_EXEC_REVERT] = {
		.name = "exec_revert", .flags = A_CHANGES | A_UNDO, .item = JOURNAL_ITEM_EXEC,
		.intent = { E_MAYBE, E_SAME }, .ok = { E_NO, E_SAME }, .fail = { E_MAYBE, E_SAME },
	},
	[JOURNAL_ACT_ULP_PATCH] = {
		.name = "ulp_patch", .flags = A_CHANGES | A_CREATES, .item = JOURNAL_ITEM_ULP,
		.req = { REQ_PID }, .check = check_ulp,
		.intent = { E_MAYBE, E_SAME }, .ok = { E_YES, E_SAME }, .fail = { E_SAVED, E_SAME },
	},
	[JOURNAL_ACT_ULP_REVERT] = {
		.name = "ulp_revert", .flags = A_CHANGES | A_UNDO, .item = JOURNAL_ITEM_ULP,
		.req = { REQ_PID }, .check = check_ulp,
		.intent = { E_MAYBE, E_SAME }, .ok = { E_NO, E_SAME }, .fail = { E_MAYBE, E_SAME },
	},
	/* a ulp process's "loaded": its fix library and trampoline page are in */
	[JOURNAL_ACT_ULP_INJECT] = {
		.name = "ulp_inject", .flags = A_CHANGES | A_CREATES, .item = JOURNAL_ITEM_ULP,
		.req = { REQ_PID, { "library", json_type_string, K_I },
			 { "page", json_type_string, K_I } },
		.check = check_ulp,
		.intent = { E_SAME, E_MAYBE }, .ok = { E_SAME, E_YES }, .fail = { E_SAME, E_SAVED },
	},
	[JOURNAL_ACT_ULP_UNLOAD] = {
		.name = "ulp_unload", .flags = A_CHANGES | A_UNDO, .item = JOURNAL_ITEM_ULP,
		.req = { REQ_PID }, .check = check_ulp,
		.intent = { E_SAME, E_MAYBE }, .ok = { E_SAME, E_NO }, .fail = { E_SAME, E_NO },
	},
	[JOURNAL_ACT_STAGE_START] = { .name = "stage_start", .fold = journal__fold_stage_start },
	[JOURNAL_ACT_STAGE_END] = { .name = "stage_end", .fold = journal__fold_stage_end },
	[JOURNAL_ACT_DECISION] = {
		.name = "decision",
		.req = { { "outcome", json_type_string, K_ALL } },
		.fold = journal__fold_decision, .check = check_decision,
	},
	[JOURNAL_ACT_RUN_END] = { .name = "run_end", .fold = journal__fold_run_end },
	[JOURNAL_ACT_REVERT_START] = { .name = "revert_start", .fold = journal__fold_revert_start },
};

const char *const journal_kind_names[JOURNAL__NR_KINDS] = {
	[JOURNAL_INTENT] = "intent",
	[JOURNAL_RESULT] = "result",
	[JOURNAL_NOTE] = "note",
};

const char *const journal_phase_names[JOURNAL__NR_PHASES] = {
	[JOURNAL_PHASE_NONE] = "none",
	[JOURNAL_PHASE_RUNNING] = "running",
	[JOURNAL_PHASE_ROLLING_BACK] = "rolling-back",
	[JOURNAL_PHASE_COMMITTED] = "committed",
	[JOURNAL_PHASE_ROLLED_BACK] = "rolled-back",
	[JOURNAL_PHASE_HELD] = "held",
};

static const char *const outcome_names[] = {
	[JOURNAL_OUTCOME_NONE] = "none",
	[JOURNAL_OUTCOME_COMMITTED] = "committed",
	[JOURNAL_OUTCOME_ROLLED_BACK] = "rolled-back",
	[JOURNAL_OUTCOME_HELD] = "held",
};

static const char *const tri_names[] = {
	[JOURNAL_NO] = "no",
	[JOURNAL_MAYBE] = "maybe",
	[JOURNAL_YES] = "yes",
};

bool journal__action_undoes(enum journal_action action)
{
	return (unsigned int)action < JOURNAL__NR_ACTIONS &&
	       (journal_actions[action].flags & A_UNDO);
}

const char *journal__action_name(enum journal_action action)
{
	return (unsigned int)action < JOURNAL__NR_ACTIONS ? journal_actions[action].name : "?";
}

int journal__action_from_name(const char *name, enum journal_action *action)
{
	unsigned int i;

	for (i = 0; name && i < JOURNAL__NR_ACTIONS; i++) {
		if (!strcmp(name, journal_actions[i].name)) {
			*action = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *journal__kind_name(enum journal_kind kind)
{
	return (unsigned int)kind < ARRAY_SIZE(journal_kind_names) ? journal_kind_names[kind] : "?";
}

const char *journal__phase_name(enum journal_phase phase)
{
	return (unsigned int)phase < ARRAY_SIZE(journal_phase_names) ?
		       journal_phase_names[phase] :
		       "?";
}

const char *journal__outcome_name(enum journal_outcome outcome)
{
	return (unsigned int)outcome < ARRAY_SIZE(outcome_names) ? outcome_names[outcome] : "?";
}

const char *journal__tri_name(enum journal_tri tri)
{
	return (unsigned int)tri < ARRAY_SIZE(tri_names) ? tri_names[tri] : "?";
}

bool journal__valid_name(const char *name)
{
	size_t i;

	if (!name || !name[0] || name[0] == '-')
		return false;
	for (i = 0; name[i]; i++) {
		if (i >= JOURNAL_NAME_MAX)
			return false;
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-'))
			return false;
	}
	return true;
}

static int check_run_start(const struct journal_rec *r, char *why, size_t len)
{
	const char *t = dstr(r->detail, "type") ?: "";

	if (strcmp(t, "klp") && strcmp(t, "exec") && strcmp(t, "ulp"))
		return fail(why, len, -EINVAL, "detail.type '%s' is not klp, exec or ulp", t);
	return 0;
}

static int check_decision(const struct journal_rec *r, char *why, size_t len)
{
	const char *o = dstr(r->detail, "outcome") ?: "";

	if (strcmp(o, "committed") && strcmp(o, "rolled-back") && strcmp(o, "held"))
		return fail(why, len, -EINVAL,
			    "detail.outcome '%s' is not committed, rolled-back or held", o);
	return 0;
}

static int check_ulp(const struct journal_rec *r, char *why, size_t len)
{
	int64_t pid = 0, st = 0;

	if (r->kind == JOURNAL_NOTE)
		return 0;
	dint(r->detail, "pid", &pid);
	dint(r->detail, "start_time", &st);
	if (pid <= 0 || pid > INT_MAX)
		return fail(why, len, -EINVAL, "detail.pid %lld is not a PID", (long long)pid);
	if (st < 0)
		return fail(why, len, -EINVAL, "detail.start_time %lld is negative", (long long)st);
	return 0;
}

/* the rules every record obeys, for the reader and the writer alike */
int journal__check_record(const struct journal_rec *r, char *why, size_t len)
{
	const struct action_info *a;
	const struct req *q;
	struct json_object *v;

	if ((unsigned int)r->kind >= ARRAY_SIZE(journal_kind_names))
		return fail(why, len, -EINVAL, "bad kind %d", (int)r->kind);
	if ((unsigned int)r->action >= JOURNAL__NR_ACTIONS)
		return fail(why, len, -EINVAL, "bad action %d", (int)r->action);
	if (!r->detail || !json_object_is_type(r->detail, json_type_object))
		return fail(why, len, -EINVAL, "detail is not an object");
	a = &journal_actions[r->action];
	for (q = a->req; q < a->req + ARRAY_SIZE(a->req) && q->key; q++) {
		if (!(q->kinds & (1u << r->kind)))
			continue;
		if (!json_object_object_get_ex(r->detail, q->key, &v))
			return fail(why, len, -EINVAL, "%s %s without detail.%s",
				    journal_kind_names[r->kind], a->name, q->key);
		if (!json_object_is_type(v, q->type))
			return fail(why, len, -EINVAL, "%s %s: detail.%s is not %s",
				    journal_kind_names[r->kind], a->name, q->key,
				    type_name(q->type));
	}
	return a->check ? a->check(r, why, len) : 0;
}
