// SPDX-License-Identifier: GPL-2.0
/*
 * The journal: JSON Lines records appended with write + fsync under a flock, a tolerant
 * reader, and the fold that turns the records into "what is applied, what must be undone".
 * Everything an action means to the fold is in the actions[] table below.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "input.h"
#include "journal.h"
#include "trust.h"
#include "units.h"

/* ---- the action table ----------------------------------------------------------------- */

#define A_CHANGES	0x1	/* changes the system: an intent before, a result after */
#define A_UNDO		0x2	/* takes something back: on an uncommitted item, a rollback */
#define A_CREATES	0x4	/* its intent makes the item when the run does not have it */

#define K_I		(1u << JOURNAL_INTENT)
#define K_R		(1u << JOURNAL_RESULT)
#define K_N		(1u << JOURNAL_NOTE)
#define K_IR		(K_I | K_R)
#define K_ALL		(K_I | K_R | K_N)

/* what a record does to one field of an item */
enum eff {
	E_SAME,		/* unchanged */
	E_NO,
	E_MAYBE,
	E_YES,
	E_SAVED,	/* back to what it was before the intent */
};

struct effect {
	unsigned char active, loaded;
};

struct req {
	const char *key;
	json_type type;
	unsigned int kinds;	/* K_*: the record kinds that need it */
};

struct action_info {
	const char *name;
	unsigned int flags;
	enum journal_item_kind item;
	struct req req[3];
	/* the generic item fold (when fold is NULL and item is not NONE) */
	struct effect intent, ok, fail;
	int (*fold)(struct journal_state *st, const struct journal_rec *r);
	/* value checks beyond the required keys' types; fill @why */
	int (*check)(const struct journal_rec *r, char *why, size_t len);
};

static int fold_run_start(struct journal_state *st, const struct journal_rec *r);
static int fold_transition_wait(struct journal_state *st, const struct journal_rec *r);
static int fold_replace_load(struct journal_state *st, const struct journal_rec *r);
static int fold_stage_start(struct journal_state *st, const struct journal_rec *r);
static int fold_stage_end(struct journal_state *st, const struct journal_rec *r);
static int fold_decision(struct journal_state *st, const struct journal_rec *r);
static int fold_run_end(struct journal_state *st, const struct journal_rec *r);
static int fold_revert_start(struct journal_state *st, const struct journal_rec *r);
static int check_run_start(const struct journal_rec *r, char *why, size_t len);
static int check_decision(const struct journal_rec *r, char *why, size_t len);
static int check_ulp(const struct journal_rec *r, char *why, size_t len);

#define REQ_MODNAME	{ "module_name", json_type_string, K_IR }
#define REQ_PID		{ "pid", json_type_int, K_IR }, { "start_time", json_type_int, K_IR }

static const struct action_info actions[JOURNAL__NR_ACTIONS] = {
	[JOURNAL_ACT_RUN_START] = {
		.name = "run_start",
		.req = { { "type", json_type_string, K_ALL } },
		.fold = fold_run_start, .check = check_run_start,
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
		.fold = fold_transition_wait,
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
		.fold = fold_replace_load,
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
	[JOURNAL_ACT_STAGE_START] = { .name = "stage_start", .fold = fold_stage_start },
	[JOURNAL_ACT_STAGE_END] = { .name = "stage_end", .fold = fold_stage_end },
	[JOURNAL_ACT_DECISION] = {
		.name = "decision",
		.req = { { "outcome", json_type_string, K_ALL } },
		.fold = fold_decision, .check = check_decision,
	},
	[JOURNAL_ACT_RUN_END] = { .name = "run_end", .fold = fold_run_end },
	[JOURNAL_ACT_REVERT_START] = { .name = "revert_start", .fold = fold_revert_start },
};

static const char *const kind_names[] = {
	[JOURNAL_INTENT] = "intent",
	[JOURNAL_RESULT] = "result",
	[JOURNAL_NOTE] = "note",
};

static const char *const phase_names[] = {
	[JOURNAL_PHASE_NONE] = "none",
	[JOURNAL_PHASE_RUNNING] = "running",
	[JOURNAL_PHASE_ROLLING_BACK] = "rolling-back",
	[JOURNAL_PHASE_COMMITTED] = "committed",
	[JOURNAL_PHASE_ROLLED_BACK] = "rolled-back",
};

static const char *const outcome_names[] = {
	[JOURNAL_OUTCOME_NONE] = "none",
	[JOURNAL_OUTCOME_COMMITTED] = "committed",
	[JOURNAL_OUTCOME_ROLLED_BACK] = "rolled-back",
};

static const char *const tri_names[] = {
	[JOURNAL_NO] = "no",
	[JOURNAL_MAYBE] = "maybe",
	[JOURNAL_YES] = "yes",
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

bool journal__action_undoes(enum journal_action action)
{
	return (unsigned int)action < JOURNAL__NR_ACTIONS && (actions[action].flags & A_UNDO);
}

const char *journal__action_name(enum journal_action action)
{
	return (unsigned int)action < JOURNAL__NR_ACTIONS ? actions[action].name : "?";
}

int journal__action_from_name(const char *name, enum journal_action *action)
{
	unsigned int i;

	for (i = 0; name && i < JOURNAL__NR_ACTIONS; i++) {
		if (!strcmp(name, actions[i].name)) {
			*action = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *journal__kind_name(enum journal_kind kind)
{
	return (unsigned int)kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : "?";
}

const char *journal__phase_name(enum journal_phase phase)
{
	return (unsigned int)phase < ARRAY_SIZE(phase_names) ? phase_names[phase] : "?";
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

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* ---- detail helpers ------------------------------------------------------------------- */

static const char *dstr(const struct json_object *detail, const char *key)
{
	struct json_object *v;

	if (!detail || !json_object_object_get_ex(detail, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool dint(const struct json_object *detail, const char *key, int64_t *out)
{
	struct json_object *v;

	if (!detail || !json_object_object_get_ex(detail, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

static bool dbool(const struct json_object *detail, const char *key)
{
	struct json_object *v;

	return detail && json_object_object_get_ex(detail, key, &v) &&
	       json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static const char *type_name(json_type t)
{
	switch (t) {
	case json_type_string:
		return "a string";
	case json_type_int:
		return "an integer";
	case json_type_boolean:
		return "a boolean";
	default:
		return json_type_to_name(t);
	}
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

	if (strcmp(o, "committed") && strcmp(o, "rolled-back"))
		return fail(why, len, -EINVAL,
			    "detail.outcome '%s' is not committed or rolled-back", o);
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
		return fail(why, len, -EINVAL, "detail.start_time %lld is negative",
			    (long long)st);
	return 0;
}

/* the rules every record obeys, for the reader and the writer alike */
static int check_record(const struct journal_rec *r, char *why, size_t len)
{
	const struct action_info *a;
	const struct req *q;
	struct json_object *v;

	if ((unsigned int)r->kind >= ARRAY_SIZE(kind_names))
		return fail(why, len, -EINVAL, "bad kind %d", (int)r->kind);
	if ((unsigned int)r->action >= JOURNAL__NR_ACTIONS)
		return fail(why, len, -EINVAL, "bad action %d", (int)r->action);
	if (!r->detail || !json_object_is_type(r->detail, json_type_object))
		return fail(why, len, -EINVAL, "detail is not an object");
	a = &actions[r->action];
	for (q = a->req; q < a->req + ARRAY_SIZE(a->req) && q->key; q++) {
		if (!(q->kinds & (1u << r->kind)))
			continue;
		if (!json_object_object_get_ex(r->detail, q->key, &v))
			return fail(why, len, -EINVAL, "%s %s without detail.%s",
				    kind_names[r->kind], a->name, q->key);
		if (!json_object_is_type(v, q->type))
			return fail(why, len, -EINVAL, "%s %s: detail.%s is not %s",
				    kind_names[r->kind], a->name, q->key, type_name(q->type));
	}
	return a->check ? a->check(r, why, len) : 0;
}

/* ---- the fold ------------------------------------------------------------------------ */

static void item_free(struct journal_item *it)
{
	free(it->module);
	free(it->module_name);
	free(it->replaces);
	free(it->replaces_name);
	json_object_put(it->detail);
	memset(it, 0, sizeof(*it));
}

static int set_str(char **dst, const char *src)
{
	char *s = NULL;

	if (src && !(s = strdup(src)))
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

static bool same_key(const struct journal_item *it, enum journal_item_kind kind,
		     const struct json_object *detail)
{
	const char *name;
	int64_t pid, st;

	if (it->kind != kind)
		return false;
	switch (kind) {
	case JOURNAL_ITEM_KLP:
		name = dstr(detail, "module_name");
		return it->module_name && name && !strcmp(it->module_name, name);
	case JOURNAL_ITEM_ULP:
		return dint(detail, "pid", &pid) && dint(detail, "start_time", &st) &&
		       it->pid == pid && it->start_time == (uint64_t)st;
	case JOURNAL_ITEM_EXEC:
		return true;
	default:
		return false;
	}
}

/* the newest item that @detail names */
static struct journal_item *find_item(struct journal_state *st, enum journal_item_kind kind,
				      const struct json_object *detail)
{
	size_t i;

	for (i = st->nr_items; i > 0; i--) {
		if (same_key(&st->items[i - 1], kind, detail))
			return &st->items[i - 1];
	}
	return NULL;
}

/* a new item, applied by the current run, with nothing yet in effect */
static struct journal_item *new_item(struct journal_state *st, enum journal_item_kind kind,
				     const struct journal_rec *r)
{
	struct journal_item *items, *it;
	int64_t v;

	items = realloc(st->items, (st->nr_items + 1) * sizeof(*items));
	if (!items)
		return NULL;
	st->items = items;
	it = &items[st->nr_items];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->run_seq = st->run_seq;
	it->first_seq = it->last_seq = r->seq;
	it->detail = json_object_get(r->detail);
	if (kind == JOURNAL_ITEM_KLP) {
		if (set_str(&it->module_name, dstr(r->detail, "module_name")) ||
		    set_str(&it->module, dstr(r->detail, "module")) ||
		    set_str(&it->replaces, st->replaces) ||
		    set_str(&it->replaces_name, st->replaces_name)) {
			item_free(it);
			return NULL;
		}
		it->replace = dbool(r->detail, "replace");
	} else if (kind == JOURNAL_ITEM_ULP) {
		if (dint(r->detail, "pid", &v))
			it->pid = v;
		if (dint(r->detail, "start_time", &v))
			it->start_time = v;
	}
	st->nr_items++;
	return it;
}

static void save(struct journal_item *it, uint64_t seq)
{
	it->saved_by = seq;
	it->saved_active = it->active;
	it->saved_loaded = it->loaded;
}

static void apply_one(enum journal_tri *field, unsigned char e, enum journal_tri saved,
		      bool have_saved)
{
	switch (e) {
	case E_NO:
		*field = JOURNAL_NO;
		break;
	case E_MAYBE:
		*field = JOURNAL_MAYBE;
		break;
	case E_YES:
		*field = JOURNAL_YES;
		break;
	case E_SAVED:
		if (have_saved)
			*field = saved;
		break;
	default:
		break;
	}
}

static void apply(struct journal_item *it, const struct effect *e)
{
	bool have = it->saved_by != 0;

	apply_one(&it->active, e->active, it->saved_active, have);
	apply_one(&it->loaded, e->loaded, it->saved_loaded, have);
}

static void restore(struct journal_item *it)
{
	it->active = it->saved_active;
	it->loaded = it->saved_loaded;
	it->saved_by = 0;
}

static bool live(const struct journal_item *it)
{
	return it->active != JOURNAL_NO || it->loaded != JOURNAL_NO;
}

static void drop_dead(struct journal_state *st)
{
	size_t i, n = 0;

	for (i = 0; i < st->nr_items; i++) {
		if (live(&st->items[i]))
			st->items[n++] = st->items[i];
		else
			item_free(&st->items[i]);
	}
	st->nr_items = n;
}

/* the generic fold of an item action, driven by its row in actions[] */
static int fold_item(struct journal_state *st, const struct journal_rec *r)
{
	const struct action_info *a = &actions[r->action];
	struct journal_item *it;
	const char *module;

	if (r->kind == JOURNAL_NOTE)
		return 0;
	it = find_item(st, a->item, r->detail);
	if ((a->flags & A_CREATES) && (!it || it->run_seq != st->run_seq) &&
	    (r->kind == JOURNAL_INTENT || r->ok)) {
		/* a new application; a result without its intent is believed too */
		it = new_item(st, a->item, r);
		if (!it)
			return -ENOMEM;
	}
	if (!it)
		return 0;	/* an undo of something this journal never applied */
	if (r->kind == JOURNAL_INTENT) {
		if ((a->flags & A_UNDO) && !it->committed)
			st->rollback_begun = true;
		save(it, r->seq);
		apply(it, &a->intent);
	} else {
		apply(it, r->ok ? &a->ok : &a->fail);
		it->saved_by = 0;
	}
	it->last_seq = r->seq;
	module = dstr(r->detail, "module");
	if (it->kind == JOURNAL_ITEM_KLP && module && set_str(&it->module, module))
		return -ENOMEM;
	return 0;
}

static bool marker(const struct journal_rec *r)
{
	return r->kind != JOURNAL_RESULT;
}

static int fold_run_start(struct journal_state *st, const struct journal_rec *r)
{
	if (!marker(r))
		return 0;
	st->started = true;
	st->nr_runs++;
	st->run_seq = r->seq;
	snprintf(st->run_wall, sizeof(st->run_wall), "%s", r->wall);
	st->outcome = JOURNAL_OUTCOME_NONE;
	st->ended = false;
	st->rollback_begun = false;
	json_object_put(st->run_detail);
	st->run_detail = json_object_get(r->detail);
	if (set_str(&st->reason, NULL) || set_str(&st->stage, NULL) ||
	    set_str(&st->type, dstr(r->detail, "type")) ||
	    set_str(&st->replaces, dstr(r->detail, "replaces")) ||
	    set_str(&st->replaces_name, dstr(r->detail, "replaces_name")))
		return -ENOMEM;
	return 0;
}

/* a cumulative patch's transition is complete: every other patch is replaced */
static void replaced_by(struct journal_state *st, const struct journal_item *keep)
{
	size_t i;

	for (i = 0; i < st->nr_items; i++) {
		struct journal_item *it = &st->items[i];

		if (it != keep && it->kind == JOURNAL_ITEM_KLP && it->active != JOURNAL_NO) {
			it->active = JOURNAL_NO;
			it->saved_by = 0;
			it->last_seq = keep->last_seq;
		}
	}
}

static int fold_transition_wait(struct journal_state *st, const struct journal_rec *r)
{
	struct journal_item *it;

	if (r->kind != JOURNAL_RESULT || !r->ok)
		return 0;
	it = find_item(st, JOURNAL_ITEM_KLP, r->detail);
	if (it && it->replace && it->active == JOURNAL_YES) {
		it->last_seq = r->seq;
		replaced_by(st, it);
	}
	return 0;
}

static int fold_replace_load(struct journal_state *st, const struct journal_rec *r)
{
	struct journal_item *prev;
	size_t i;

	if (r->kind == JOURNAL_NOTE)
		return 0;
	st->rollback_begun = true;
	prev = find_item(st, JOURNAL_ITEM_KLP, r->detail);
	if (r->kind == JOURNAL_RESULT && !r->ok) {
		/* nothing was replaced: all as before, and the plan stops trying this way */
		for (i = 0; i < st->nr_items; i++) {
			struct journal_item *it = &st->items[i];

			if (!st->replace_intent_seq || it->saved_by != st->replace_intent_seq)
				continue;
			restore(it);
			if (it != prev && it->kind == JOURNAL_ITEM_KLP)
				it->replace_failed = true;
		}
		st->replace_intent_seq = 0;
		return 0;
	}
	if (!prev) {
		/* the previous patch is the state rolled back to: kept, never undone */
		prev = new_item(st, JOURNAL_ITEM_KLP, r);
		if (!prev)
			return -ENOMEM;
		prev->restored = true;
		prev->committed = true;
	}
	prev->last_seq = r->seq;
	if (r->kind == JOURNAL_RESULT) {
		prev->active = prev->loaded = JOURNAL_YES;
		prev->committed = true;
		prev->saved_by = 0;
		replaced_by(st, prev);
		st->replace_intent_seq = 0;
		return 0;
	}
	st->replace_intent_seq = r->seq;
	for (i = 0; i < st->nr_items; i++) {
		struct journal_item *it = &st->items[i];

		if (it == prev || it->kind != JOURNAL_ITEM_KLP || it->active == JOURNAL_NO)
			continue;
		save(it, r->seq);
		it->active = JOURNAL_MAYBE;
		it->replace_failed = false;
		if (!it->committed && !it->replaces &&
		    (set_str(&it->replaces, dstr(r->detail, "module")) ||
		     set_str(&it->replaces_name, dstr(r->detail, "module_name"))))
			return -ENOMEM;
	}
	save(prev, r->seq);
	prev->active = JOURNAL_MAYBE;
	if (prev->loaded == JOURNAL_NO)
		prev->loaded = JOURNAL_MAYBE;
	return 0;
}

static int fold_stage_start(struct journal_state *st, const struct journal_rec *r)
{
	if (!marker(r))
		return 0;
	return set_str(&st->stage, dstr(r->detail, "name") ?: "?");
}

static int fold_stage_end(struct journal_state *st, const struct journal_rec *r)
{
	return marker(r) ? set_str(&st->stage, NULL) : 0;
}

/* commit (or uncommit) the items the current run applied */
static void commit_run(struct journal_state *st, uint64_t run_seq, bool committed)
{
	size_t i;

	for (i = 0; i < st->nr_items; i++) {
		struct journal_item *it = &st->items[i];

		if (it->run_seq == run_seq && !it->restored)
			it->committed = committed;
	}
}

static int fold_decision(struct journal_state *st, const struct journal_rec *r)
{
	bool committed;

	if (!marker(r))
		return 0;
	committed = !strcmp(dstr(r->detail, "outcome") ?: "", "committed");
	st->outcome = committed ? JOURNAL_OUTCOME_COMMITTED : JOURNAL_OUTCOME_ROLLED_BACK;
	commit_run(st, st->run_seq, committed);
	return set_str(&st->reason, dstr(r->detail, "reason"));
}

static int fold_run_end(struct journal_state *st, const struct journal_rec *r)
{
	if (!marker(r))
		return 0;
	st->ended = true;
	return set_str(&st->stage, NULL);
}

/*
 * "revert NAME": the newest run that still has something applied is taken back. That is
 * usually the current run, but not after a later run that was refused before any change.
 */
static int fold_revert_start(struct journal_state *st, const struct journal_rec *r)
{
	uint64_t target = 0;
	size_t i;

	if (!marker(r))
		return 0;
	for (i = 0; i < st->nr_items; i++) {
		if (!st->items[i].restored && st->items[i].run_seq > target)
			target = st->items[i].run_seq;
	}
	if (target)
		commit_run(st, target, false);
	st->started = true;
	st->ended = false;
	st->rollback_begun = true;
	st->outcome = JOURNAL_OUTCOME_NONE;
	return set_str(&st->reason, NULL);
}

static int fold_one(struct journal_state *st, const struct journal_rec *r)
{
	const struct action_info *a = &actions[r->action];
	int ret = 0;

	st->nr_records++;
	st->last_seq = r->seq;
	snprintf(st->last_wall, sizeof(st->last_wall), "%s", r->wall);
	if (a->flags & A_CHANGES) {
		if (r->kind == JOURNAL_INTENT) {
			st->has_pending = true;
			st->pending = r->action;
			st->pending_seq = r->seq;
		} else if (r->kind == JOURNAL_RESULT && st->has_pending &&
			   st->pending == r->action) {
			st->has_pending = false;
		}
	}
	if (a->fold)
		ret = a->fold(st, r);
	else if (a->item != JOURNAL_ITEM_NONE)
		ret = fold_item(st, r);
	drop_dead(st);
	return ret;
}

static int add_step(struct journal_plan *plan, enum journal_action action,
		    struct json_object *detail, bool maybe)
{
	struct journal_step *steps;

	if (!detail)
		return -ENOMEM;
	steps = realloc(plan->steps, (plan->nr_steps + 1) * sizeof(*steps));
	if (!steps) {
		json_object_put(detail);
		return -ENOMEM;
	}
	plan->steps = steps;
	steps[plan->nr_steps].action = action;
	steps[plan->nr_steps].detail = detail;
	steps[plan->nr_steps].maybe = maybe;
	plan->nr_steps++;
	return 0;
}

static int add_str(struct json_object *o, const char *key, const char *val)
{
	struct json_object *s;

	if (!o || !val)
		return 0;
	s = json_object_new_string(val);
	if (!s || json_object_object_add(o, key, s)) {
		json_object_put(s);
		return -ENOMEM;
	}
	return 0;
}

static int add_int(struct json_object *o, const char *key, int64_t val)
{
	struct json_object *v;

	if (!o)
		return 0;
	v = json_object_new_int64(val);
	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static struct json_object *klp_detail(const char *module, const char *name)
{
	struct json_object *o = json_object_new_object();

	if (add_str(o, "module", module) || add_str(o, "module_name", name)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* the steps that take @it back; *@replaced once a replace_load is in the plan */
static int plan_item(struct journal_plan *plan, const struct journal_item *it, bool *replaced)
{
	bool maybe = it->active == JOURNAL_MAYBE;
	struct json_object *o;
	int ret = 0;

	switch (it->kind) {
	case JOURNAL_ITEM_KLP:
		if (it->active != JOURNAL_NO && it->replaces && !it->replace_failed) {
			/* one load of the previous cumulative patch replaces every patch */
			if (!*replaced) {
				o = klp_detail(it->replaces, it->replaces_name);
				if (add_str(o, "replaced", it->module_name)) {
					json_object_put(o);
					o = NULL;
				}
				ret = add_step(plan, JOURNAL_ACT_REPLACE_LOAD, o, maybe);
				*replaced = true;
			}
		} else if (it->active != JOURNAL_NO && !*replaced) {
			ret = add_step(plan, JOURNAL_ACT_DISABLE,
				       klp_detail(it->module, it->module_name), maybe);
		}
		if (!ret && (it->loaded != JOURNAL_NO || it->active != JOURNAL_NO))
			ret = add_step(plan, JOURNAL_ACT_UNLOAD,
				       klp_detail(it->module, it->module_name),
				       it->loaded != JOURNAL_YES);
		return ret;
	case JOURNAL_ITEM_EXEC:
		if (it->active == JOURNAL_NO)
			return 0;
		return add_step(plan, JOURNAL_ACT_EXEC_REVERT,
				json_object_get(it->detail) ?: json_object_new_object(), maybe);
	case JOURNAL_ITEM_ULP:
		if (it->active == JOURNAL_NO)
			return 0;
		/* the ulp_patch record's detail: the sites and bytes the revert restores */
		if (it->detail)
			return add_step(plan, JOURNAL_ACT_ULP_REVERT, json_object_get(it->detail),
					maybe);
		o = json_object_new_object();
		if (add_int(o, "pid", it->pid) || add_int(o, "start_time", it->start_time)) {
			json_object_put(o);
			o = NULL;
		}
		return add_step(plan, JOURNAL_ACT_ULP_REVERT, o, maybe);
	default:
		return 0;
	}
}

/* phase, resolved and the plan, from what has been folded so far */
static int derive(struct journal_state *st)
{
	size_t i, left = 0;
	bool replaced = false;
	int ret;

	journal_plan__free(&st->plan);
	for (i = st->nr_items; i > 0; i--) {
		const struct journal_item *it = &st->items[i - 1];

		if (it->committed)
			continue;
		left++;
		ret = plan_item(&st->plan, it, &replaced);
		if (ret)
			return ret;
	}
	if (!st->started)
		st->phase = JOURNAL_PHASE_NONE;
	else if (st->outcome == JOURNAL_OUTCOME_COMMITTED)
		st->phase = JOURNAL_PHASE_COMMITTED;
	else if (st->ended)
		st->phase = left ? JOURNAL_PHASE_ROLLING_BACK : JOURNAL_PHASE_ROLLED_BACK;
	else if (st->outcome == JOURNAL_OUTCOME_ROLLED_BACK || st->rollback_begun)
		st->phase = JOURNAL_PHASE_ROLLING_BACK;
	else
		st->phase = JOURNAL_PHASE_RUNNING;
	st->resolved = (!st->started || st->ended) && !left;
	return 0;
}

static int state_init(struct journal_state *st, const char *name)
{
	memset(st, 0, sizeof(*st));
	return set_str(&st->name, name ?: "");
}

static void rec_where(const struct journal_rec *r, char *buf, size_t len)
{
	if (r->line)
		snprintf(buf, len, "record seq %llu (line %u)", (unsigned long long)r->seq,
			 r->line);
	else
		snprintf(buf, len, "record seq %llu", (unsigned long long)r->seq);
}

int journal__state(const char *name, const struct journal_rec *recs, size_t n,
		   struct journal_state *st, char *err, size_t errlen)
{
	char why[256], where[64];
	uint64_t last = 0;
	size_t i;
	int ret;

	ret = state_init(st, name);
	for (i = 0; !ret && i < n; i++) {
		ret = check_record(&recs[i], why, sizeof(why));
		if (!ret && recs[i].seq <= last) {
			snprintf(why, sizeof(why), "seq %llu after seq %llu",
				 (unsigned long long)recs[i].seq, (unsigned long long)last);
			ret = -EINVAL;
		}
		if (ret) {
			rec_where(&recs[i], where, sizeof(where));
			fail(err, errlen, ret, "%s: %s", where, why);
			break;
		}
		last = recs[i].seq;
		ret = fold_one(st, &recs[i]);
	}
	if (!ret)
		ret = derive(st);
	if (ret == -ENOMEM)
		fail(err, errlen, ret, "out of memory");
	if (ret)
		journal_state__free(st);
	return ret;
}

void journal_state__free(struct journal_state *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->nr_items; i++)
		item_free(&st->items[i]);
	free(st->items);
	journal_plan__free(&st->plan);
	json_object_put(st->run_detail);
	free(st->name);
	free(st->path);
	free(st->reason);
	free(st->type);
	free(st->stage);
	free(st->replaces);
	free(st->replaces_name);
	memset(st, 0, sizeof(*st));
}

int journal__check_resolved(const struct journal_state *st, char *err, size_t errlen)
{
	char pending[96] = "";

	if (st->resolved)
		return 0;
	if (st->has_pending)
		snprintf(pending, sizeof(pending), "; it stopped after the intent of %s (seq %llu)",
			 actions[st->pending].name, (unsigned long long)st->pending_seq);
	if (st->started && !st->ended && st->phase == JOURNAL_PHASE_COMMITTED)
		return fail(err, errlen, -EINPROGRESS,
			    "%s: the run of '%s' started %s was committed but did not end; run "
			    "'hotcanary recover' first", st->path ?: st->name, st->name,
			    st->run_wall);
	return fail(err, errlen, -EINPROGRESS,
		    "%s: the run of '%s' started %s is unresolved (phase %s, %zu undo step%s "
		    "owed%s); run 'hotcanary recover' first", st->path ?: st->name, st->name,
		    st->run_wall[0] ? st->run_wall : "(unknown)", phase_names[st->phase],
		    st->plan.nr_steps, st->plan.nr_steps == 1 ? "" : "s", pending);
}

void journal_plan__free(struct journal_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; i < plan->nr_steps; i++)
		json_object_put(plan->steps[i].detail);
	free(plan->steps);
	plan->steps = NULL;
	plan->nr_steps = 0;
}

int journal_plan__copy(const struct journal_plan *src, struct journal_plan *dst)
{
	size_t i;

	dst->steps = NULL;
	dst->nr_steps = 0;
	if (!src->nr_steps)
		return 0;
	dst->steps = calloc(src->nr_steps, sizeof(*dst->steps));
	if (!dst->steps)
		return -ENOMEM;
	for (i = 0; i < src->nr_steps; i++) {
		dst->steps[i] = src->steps[i];
		dst->steps[i].detail = NULL;
		if (json_object_deep_copy(src->steps[i].detail, &dst->steps[i].detail, NULL)) {
			dst->nr_steps = i;
			journal_plan__free(dst);
			return -ENOMEM;
		}
	}
	dst->nr_steps = src->nr_steps;
	return 0;
}

/* ---- reading ------------------------------------------------------------------------- */

static int rec_from_json(struct json_object *o, struct journal_rec *r, char *why, size_t len)
{
	struct json_object *v;
	const char *s;
	unsigned int i;
	int64_t n;

	memset(r, 0, sizeof(*r));
	if (!json_object_is_type(o, json_type_object))
		return fail(why, len, -EINVAL, "not a JSON object");
#define GET(key, type)									\
	do {										\
		if (!json_object_object_get_ex(o, key, &v))				\
			return fail(why, len, -EINVAL, "no \"%s\"", key);		\
		if (!json_object_is_type(v, type))					\
			return fail(why, len, -EINVAL, "\"%s\" is not %s", key,	\
				    type_name(type));					\
	} while (0)
	GET("seq", json_type_int);
	n = json_object_get_int64(v);
	if (n < 1)
		return fail(why, len, -EINVAL, "seq %lld is not positive", (long long)n);
	r->seq = n;
	GET("mono_ns", json_type_int);
	n = json_object_get_int64(v);
	if (n < 0)
		return fail(why, len, -EINVAL, "mono_ns is negative");
	r->mono_ns = n;
	GET("wall", json_type_string);
	s = json_object_get_string(v);
	if (strlen(s) >= sizeof(r->wall))
		return fail(why, len, -EINVAL, "wall is too long");
	strcpy(r->wall, s);
	GET("kind", json_type_string);
	s = json_object_get_string(v);
	for (i = 0; i < ARRAY_SIZE(kind_names) && strcmp(s, kind_names[i]); i++)
		;
	if (i == ARRAY_SIZE(kind_names))
		return fail(why, len, -EINVAL, "unknown kind '%s'", s);
	r->kind = i;
	GET("action", json_type_string);
	s = json_object_get_string(v);
	if (journal__action_from_name(s, &r->action))
		return fail(why, len, -EINVAL, "unknown action '%s'", s);
	GET("ok", json_type_boolean);
	r->ok = json_object_get_boolean(v);
	GET("detail", json_type_object);
#undef GET
	r->detail = v;
	if (check_record(r, why, len)) {
		r->detail = NULL;
		return -EINVAL;
	}
	r->detail = json_object_get(v);
	return 0;
}

static int parse_line(json_tokener *tok, const char *s, size_t len, struct journal_rec *r,
		      char *why, size_t whylen)
{
	struct json_object *o;
	enum json_tokener_error e;
	int ret;

	if (!len)
		return fail(why, whylen, -EINVAL, "empty line");
	if (memchr(s, '\0', len))
		return fail(why, whylen, -EINVAL, "NUL bytes in the line");
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, s, len);
	e = json_tokener_get_error(tok);
	if (!o || e != json_tokener_success) {
		json_object_put(o);
		return fail(why, whylen, -EINVAL, "not JSON (%s)",
			    e == json_tokener_continue ? "cut short" :
			    json_tokener_error_desc(e));
	}
	if (json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		return fail(why, whylen, -EINVAL, "text after the JSON object");
	}
	ret = rec_from_json(o, r, why, whylen);
	json_object_put(o);
	return ret;
}

void journal_recs__free(struct journal_recs *recs)
{
	size_t i;

	if (!recs)
		return;
	for (i = 0; i < recs->n; i++)
		json_object_put(recs->v[i].detail);
	free(recs->v);
	memset(recs, 0, sizeof(*recs));
}

int journal__parse(const char *file, const char *text, size_t len, struct journal_recs *out,
		   char *err, size_t errlen)
{
	struct journal_rec r, *v;
	size_t pos = 0, cap = 0;
	unsigned int line = 0;
	json_tokener *tok;
	char why[256];
	int ret = 0;

	memset(out, 0, sizeof(*out));
	file = file ?: "<journal>";
	tok = json_tokener_new();
	if (!tok)
		return fail(err, errlen, -ENOMEM, "out of memory");
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n;
		bool last;

		line++;
		if (!nl) {
			out->torn_line = line;	/* unterminated: a write cut short */
			break;
		}
		n = nl - s;
		last = pos + n + 1 == len;
		ret = parse_line(tok, s, n, &r, why, sizeof(why));
		if (ret == -ENOMEM)
			break;
		if (!ret && out->n && r.seq <= out->v[out->n - 1].seq) {
			snprintf(why, sizeof(why), "seq %llu after seq %llu",
				 (unsigned long long)r.seq,
				 (unsigned long long)out->v[out->n - 1].seq);
			json_object_put(r.detail);
			ret = -EINVAL;
		}
		if (ret) {
			if (last) {
				out->torn_line = line;	/* the last line may be torn: ignored */
				ret = 0;
				break;
			}
			ret = fail(err, errlen, -EBADMSG, "%s:%u: corrupt record: %s", file,
				   line, why);
			break;
		}
		if (out->n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(out->v, cap * sizeof(*v));
			if (!v) {
				json_object_put(r.detail);
				ret = -ENOMEM;
				break;
			}
			out->v = v;
		}
		r.line = line;
		out->v[out->n++] = r;
		pos += n + 1;
		out->valid_len = pos;
	}
	json_tokener_free(tok);
	if (ret == -ENOMEM)
		fail(err, errlen, ret, "%s: out of memory", file);
	if (ret)
		journal_recs__free(out);
	return ret;
}

static const struct input_kind journal_input = {
	.what = "journal", .max = JOURNAL_MAX_BYTES, .trusted = true,
};

/* all of @fd from offset 0 */
static int read_all(int fd, const char *path, char **buf, size_t *len, char *err,
		    size_t errlen)
{
	char why[256];
	int ret;

	ret = input__read_fd(fd, &journal_input, buf, len, why, sizeof(why));
	if (ret)
		return fail(err, errlen, ret, "%s: %s", path, why);
	return 0;
}

int journal__read(const char *path, struct journal_recs *out, char *err, size_t errlen)
{
	char why[256];
	size_t len;
	char *buf;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = input__read(path, &journal_input, &buf, &len, why, sizeof(why));
	if (ret)
		return fail(err, errlen, ret, "%s: %s", path, why);
	ret = journal__parse(path, buf, len, out, err, errlen);
	free(buf);
	return ret;
}

static char *join(const char *dir, const char *name, const char *suffix)
{
	char *s;

	if (asprintf(&s, "%s/%s%s", dir, name, suffix) < 0)
		return NULL;
	return s;
}

static int fold_file(const char *name, const char *path, const struct journal_recs *recs,
		     struct journal_state *st, char *err, size_t errlen)
{
	char why[384];
	int ret;

	ret = journal__state(name, recs->v, recs->n, st, why, sizeof(why));
	if (ret)
		return fail(err, errlen, ret, "%s: %s", path, why);
	st->torn_line = recs->torn_line;
	if (set_str(&st->path, path)) {
		journal_state__free(st);
		return fail(err, errlen, -ENOMEM, "%s: out of memory", path);
	}
	return 0;
}

int journal__load(const char *dir, const char *name, struct journal_state *st, char *err,
		  size_t errlen)
{
	struct journal_recs recs;
	char *path;
	int ret;

	memset(st, 0, sizeof(*st));
	if (!journal__valid_name(name))
		return fail(err, errlen, -EINVAL,
			    "'%s' is not a rollout name ([a-z0-9-], 1 to %d characters, not "
			    "starting with '-')", name ?: "", JOURNAL_NAME_MAX);
	path = join(dir, name, JOURNAL_SUFFIX);
	if (!path)
		return fail(err, errlen, -ENOMEM, "out of memory");
	ret = journal__read(path, &recs, err, errlen);
	if (!ret) {
		ret = fold_file(name, path, &recs, st, err, errlen);
		journal_recs__free(&recs);
	}
	free(path);
	return ret;
}

static pid_t read_pid(int fd)
{
	char buf[32];
	ssize_t n;
	long pid;
	char *end;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || pid <= 0 || pid > INT_MAX)
		return 0;
	return pid;
}

int journal__holder(const char *dir, const char *name, pid_t *pid)
{
	char *path;
	int fd, ret = 0;

	*pid = 0;
	if (!journal__valid_name(name))
		return -EINVAL;
	path = join(dir, name, JOURNAL_LOCK_SUFFIX);
	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!flock(fd, LOCK_SH | LOCK_NB))
		flock(fd, LOCK_UN);
	else if (errno == EWOULDBLOCK)
		*pid = read_pid(fd) ?: -1;
	else
		ret = -errno;
	close(fd);
	return ret;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct journal_entry *)a)->name,
		      ((const struct journal_entry *)b)->name);
}

int journal__list(const char *dir, struct journal_entry **out, size_t *nr, char *err,
		  size_t errlen)
{
	struct journal_entry *v = NULL, *nv;
	size_t n = 0, cap = 0, i, sl = strlen(JOURNAL_SUFFIX);
	struct dirent *de;
	char why[1024];
	int fd;
	DIR *d;

	*out = NULL;
	*nr = 0;
	fd = trust__open(dir, TRUST_DIR, why, sizeof(why));
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fail(err, errlen, fd, "state directory %s: %s", dir, why);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return fail(err, errlen, -errno, "%s: %s", dir, strerror(errno));
	}
	while ((errno = 0, de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[JOURNAL_NAME_MAX + 1];

		if (len <= sl || len - sl > JOURNAL_NAME_MAX ||
		    strcmp(de->d_name + len - sl, JOURNAL_SUFFIX))
			continue;
		memcpy(name, de->d_name, len - sl);
		name[len - sl] = '\0';
		if (!journal__valid_name(name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				closedir(d);
				journal__list_free(v, n);
				return fail(err, errlen, -ENOMEM, "out of memory");
			}
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		strcpy(v[n].name, name);
		n++;
	}
	if (errno) {
		int e = errno;

		closedir(d);
		journal__list_free(v, n);
		return fail(err, errlen, -e, "%s: %s", dir, strerror(e));
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_entry);
	for (i = 0; i < n; i++) {
		v[i].error = journal__load(dir, v[i].name, &v[i].state, v[i].msg,
					   sizeof(v[i].msg));
		journal__holder(dir, v[i].name, &v[i].holder);
	}
	*out = v;
	*nr = n;
	return 0;
}

void journal__list_free(struct journal_entry *entries, size_t nr)
{
	size_t i;

	for (i = 0; entries && i < nr; i++)
		journal_state__free(&entries[i].state);
	free(entries);
}

/* ---- writing ------------------------------------------------------------------------- */

struct journal {
	int dirfd;
	int lockfd;
	int fd;
	char *name;
	char *path;
	char *lock_path;
	uint64_t next_seq;
	off_t size;		/* of the file: the end of the last good line */
	int broken;		/* 0, or the -errno that made appending unsafe */
	struct journal_state st;
};

static int fsync_parent(const char *dir)
{
	char *copy = strdup(dir), *slash;
	int fd, ret = 0;

	if (!copy)
		return -ENOMEM;
	while ((slash = strrchr(copy, '/')) && slash != copy && !slash[1])
		*slash = '\0';	/* "a/b/" is "a/b" */
	slash = strrchr(copy, '/');
	if (!slash)
		strcpy(copy, ".");
	else if (slash == copy)
		copy[1] = '\0';
	else
		*slash = '\0';
	fd = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return ret;
}

/*
 * The state directory, created root-owned 0700 if need be. Its journals say what to run and
 * what to undo as root: a directory another user can write is refused (trust.h).
 */
static int open_dir(const char *dir, bool create, char *err, size_t errlen)
{
	char why[1024];
	int fd, ret;

	if (create && mkdir(dir, 0700)) {
		if (errno != EEXIST)
			return fail(err, errlen, -errno, "cannot create the state directory %s: %s",
				    dir, strerror(errno));
	} else if (create) {
		ret = fsync_parent(dir);
		if (ret)
			return fail(err, errlen, ret, "%s: fsync of its parent: %s", dir,
				    strerror(-ret));
	}
	fd = trust__open(dir, TRUST_DIR, why, sizeof(why));
	if (fd < 0)
		return fail(err, errlen, fd, "state directory %s: %s", dir, why);
	return fd;
}

static bool alive(pid_t pid)
{
	return pid > 0 && (!kill(pid, 0) || errno == EPERM);
}

static int take_lock(struct journal *j, char *err, size_t errlen)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };
	char buf[32];
	int tries, n;
	pid_t pid;

	j->lockfd = openat(j->dirfd, strrchr(j->lock_path, '/') + 1,
			   O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (j->lockfd < 0)
		return fail(err, errlen, -errno, "%s: %s", j->lock_path, strerror(errno));
	for (tries = 0;; tries++) {
		if (!flock(j->lockfd, LOCK_EX | LOCK_NB))
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return fail(err, errlen, -errno, "%s: flock: %s", j->lock_path,
				    strerror(errno));
		pid = read_pid(j->lockfd);
		if (alive(pid))
			return fail(err, errlen, -EBUSY,
				    "%s: another hotcanary holds the journal of '%s': PID %d",
				    j->lock_path, j->name, (int)pid);
		/* no live PID in the file: a holder that has not written it yet, or a
		 * status probe; look again for a while */
		if (tries >= 20)
			return fail(err, errlen, -EBUSY,
				    "%s: another process holds the journal of '%s'%s", j->lock_path,
				    j->name, pid > 0 ? " (its PID file names a dead process)" :
				    "");
		nanosleep(&pause, NULL);
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(j->lockfd, 0) || pwrite(j->lockfd, buf, n, 0) != n)
		return fail(err, errlen, -errno, "%s: %s", j->lock_path, strerror(errno));
	return 0;
}

static int open_journal(struct journal *j, bool create, char *err, size_t errlen)
{
	const char *base = strrchr(j->path, '/') + 1;

	j->fd = openat(j->dirfd, base, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (j->fd >= 0) {
		char why[1024];
		int ret = trust__check_fd(j->fd, j->path, why, sizeof(why));

		return ret ? fail(err, errlen, ret, "%s", why) : 0;
	}
	if (errno != ENOENT || !create)
		return fail(err, errlen, -errno, "%s: %s", j->path, strerror(errno));
	j->fd = openat(j->dirfd, base, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC |
		       O_NOFOLLOW, 0600);
	if (j->fd < 0)
		return fail(err, errlen, -errno, "%s: %s", j->path, strerror(errno));
	/* the new name must survive a crash as much as the records in it */
	if (fsync(j->fd) || fsync(j->dirfd))
		return fail(err, errlen, -errno, "%s: fsync: %s", j->path, strerror(errno));
	return 0;
}

/* read what is there under the lock, cut a torn tail, and fold it */
static int load_existing(struct journal *j, char *err, size_t errlen)
{
	struct journal_recs recs;
	size_t len;
	char *buf;
	int ret;

	ret = read_all(j->fd, j->path, &buf, &len, err, errlen);
	if (ret)
		return ret;
	ret = journal__parse(j->path, buf, len, &recs, err, errlen);
	free(buf);
	if (ret)
		return ret;
	if (recs.valid_len < len) {
		if (ftruncate(j->fd, recs.valid_len) || fsync(j->fd)) {
			ret = fail(err, errlen, -errno, "%s: cutting the torn line %u: %s",
				   j->path, recs.torn_line, strerror(errno));
			journal_recs__free(&recs);
			return ret;
		}
	}
	j->size = recs.valid_len;
	j->next_seq = recs.n ? recs.v[recs.n - 1].seq + 1 : 1;
	ret = fold_file(j->name, j->path, &recs, &j->st, err, errlen);
	journal_recs__free(&recs);
	return ret;
}

int journal__open(const char *dir, const char *name, unsigned int flags, struct journal **jp,
		  char *err, size_t errlen)
{
	bool create = flags & JOURNAL_CREATE;
	struct journal *j;
	int ret;

	*jp = NULL;
	if (!dir || !dir[0])
		dir = JOURNAL_DEFAULT_DIR;
	if (!journal__valid_name(name))
		return fail(err, errlen, -EINVAL,
			    "'%s' is not a rollout name ([a-z0-9-], 1 to %d characters, not "
			    "starting with '-')", name ?: "", JOURNAL_NAME_MAX);
	j = calloc(1, sizeof(*j));
	if (!j)
		return fail(err, errlen, -ENOMEM, "out of memory");
	j->dirfd = j->lockfd = j->fd = -1;
	j->name = strdup(name);
	j->path = join(dir, name, JOURNAL_SUFFIX);
	j->lock_path = join(dir, name, JOURNAL_LOCK_SUFFIX);
	if (!j->name || !j->path || !j->lock_path) {
		ret = fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	ret = open_dir(dir, create, err, errlen);
	if (ret < 0)
		goto out;
	j->dirfd = ret;
	/* without JOURNAL_CREATE, do not leave a lock file behind for a name never run */
	if (!create && faccessat(j->dirfd, strrchr(j->path, '/') + 1, F_OK, 0)) {
		ret = fail(err, errlen, -errno, "%s: %s", j->path, strerror(errno));
		goto out;
	}
	ret = take_lock(j, err, errlen);
	if (!ret)
		ret = open_journal(j, create, err, errlen);
	if (!ret)
		ret = load_existing(j, err, errlen);
out:
	if (ret) {
		journal__close(j);
		return ret;
	}
	*jp = j;
	return 0;
}

void journal__close(struct journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->lockfd >= 0) {
		/* clear the PID while still holding the lock, only if it is ours */
		if (read_pid(j->lockfd) == getpid() && !flock(j->lockfd, LOCK_EX | LOCK_NB))
			(void)!ftruncate(j->lockfd, 0);
		close(j->lockfd);
	}
	if (j->dirfd >= 0)
		close(j->dirfd);
	journal_state__free(&j->st);
	free(j->name);
	free(j->path);
	free(j->lock_path);
	free(j);
}

const struct journal_state *journal__current(const struct journal *j)
{
	return &j->st;
}

const char *journal__path(const struct journal *j)
{
	return j->path;
}

static void now(struct journal_rec *r)
{
	struct timespec ts;

	r->mono_ns = time__mono_ns();
	clock_gettime(CLOCK_REALTIME, &ts);
	time__rfc3339(&ts, r->wall, sizeof(r->wall));
}

static struct json_object *rec_to_json(const struct journal_rec *r)
{
	struct json_object *o = json_object_new_object();

	if (!o || add_int(o, "seq", r->seq) || add_int(o, "mono_ns", r->mono_ns) ||
	    add_str(o, "wall", r->wall) || add_str(o, "kind", kind_names[r->kind]) ||
	    add_str(o, "action", actions[r->action].name) ||
	    json_object_object_add(o, "ok", json_object_new_boolean(r->ok)) ||
	    json_object_object_add(o, "detail", json_object_get(r->detail))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int write_line(struct journal *j, const char *line, size_t len, char *err,
		      size_t errlen)
{
	size_t done = 0;
	ssize_t n;
	int e;

	while (done < len) {
		n = write(j->fd, line + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			/* no half line may stay: the next append would glue onto it */
			if (done && ftruncate(j->fd, j->size))
				j->broken = -e;
			return fail(err, errlen, -e, "%s: write: %s", j->path, strerror(e));
		}
		done += n;
	}
	if (fsync(j->fd)) {
		e = errno;
		/* after a failed fsync the page cache says nothing about the disk */
		j->broken = -(e == EINTR ? EIO : e);
		return fail(err, errlen, j->broken, "%s: fsync: %s", j->path, strerror(e));
	}
	j->size += len;
	return 0;
}

int journal__append(struct journal *j, enum journal_kind kind, enum journal_action action,
		    bool ok, struct json_object *detail, uint64_t *seq, char *err,
		    size_t errlen)
{
	struct journal_rec r = { .kind = kind, .action = action, .ok = ok };
	struct json_object *o = NULL;
	char why[256], *line = NULL;
	const char *s;
	size_t len;
	int ret;

	if (j->broken)
		return fail(err, errlen, -EIO,
			    "%s: an earlier append failed (%s); the journal takes no more records",
			    j->path, strerror(-j->broken));
	if (detail)
		ret = json_object_deep_copy(detail, &r.detail, NULL) ? -ENOMEM : 0;
	else
		ret = (r.detail = json_object_new_object()) ? 0 : -ENOMEM;
	if (ret)
		return fail(err, errlen, ret, "out of memory");
	r.seq = j->next_seq;
	now(&r);
	ret = check_record(&r, why, sizeof(why));
	if (ret) {
		fail(err, errlen, ret, "%s: refusing to write %s %s: %s", j->path,
		     journal__kind_name(kind), journal__action_name(action), why);
		goto out;
	}
	o = rec_to_json(&r);
	s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					       JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
	if (!s || asprintf(&line, "%s\n", s) < 0) {
		line = NULL;
		ret = fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	len = strlen(line);
	ret = write_line(j, line, len, err, errlen);
	if (ret)
		goto out;
	j->next_seq++;
	if (seq)
		*seq = r.seq;
	ret = fold_one(&j->st, &r);
	if (!ret)
		ret = derive(&j->st);
	if (ret) {
		/* the record is safe on disk, but the fold in memory is now behind */
		j->broken = ret;
		fail(err, errlen, ret, "%s: out of memory", j->path);
	}
out:
	free(line);
	json_object_put(o);
	json_object_put(r.detail);
	return ret;
}

int journal__intent(struct journal *j, enum journal_action action, struct json_object *detail,
		    char *err, size_t errlen)
{
	return journal__append(j, JOURNAL_INTENT, action, true, detail, NULL, err, errlen);
}

int journal__result(struct journal *j, enum journal_action action, struct json_object *detail,
		    int error, const char *reason, char *err, size_t errlen)
{
	struct json_object *d = NULL;
	int ret;

	if (detail ? json_object_deep_copy(detail, &d, NULL) : !(d = json_object_new_object()))
		return fail(err, errlen, -ENOMEM, "out of memory");
	if ((error && add_int(d, "errno", error < 0 ? -error : error)) ||
	    add_str(d, "reason", reason)) {
		json_object_put(d);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	ret = journal__append(j, JOURNAL_RESULT, action, !error, d, NULL, err, errlen);
	json_object_put(d);
	return ret;
}

int journal__note(struct journal *j, enum journal_action action, struct json_object *detail,
		  char *err, size_t errlen)
{
	return journal__append(j, JOURNAL_NOTE, action, true, detail, NULL, err, errlen);
}
