// SPDX-License-Identifier: GPL-2.0
/*
 * The journal's fold: the records, one by one, into the items applied and what of each is
 * in effect; then the phase, whether the run is resolved, and the plan of steps that takes
 * back what is left (recover, revert).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "journal.h"
#include "journal_int.h"

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
		it->disable_first = st->disable_first;
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

/* the generic fold of an item action, driven by its row in journal_actions[] */
static int fold_item(struct journal_state *st, const struct journal_rec *r)
{
	const struct action_info *a = &journal_actions[r->action];
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
		return 0; /* an undo of something this journal never applied */
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
	/* a ulp revert restores the sites its patch wrote; an injection alone has none */
	if (r->action == JOURNAL_ACT_ULP_PATCH &&
	    json_object_object_get_ex(r->detail, "sites", NULL)) {
		json_object_put(it->detail);
		it->detail = json_object_get(r->detail);
	}
	module = dstr(r->detail, "module");
	if (it->kind == JOURNAL_ITEM_KLP && module && set_str(&it->module, module))
		return -ENOMEM;
	return 0;
}

static bool marker(const struct journal_rec *r)
{
	return r->kind != JOURNAL_RESULT;
}

int journal__fold_run_start(struct journal_state *st, const struct journal_rec *r)
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
	    set_str(&st->held_stage, NULL) || set_str(&st->type, dstr(r->detail, "type")) ||
	    set_str(&st->replaces, dstr(r->detail, "replaces")) ||
	    set_str(&st->replaces_name, dstr(r->detail, "replaces_name")))
		return -ENOMEM;
	st->disable_first = dbool(r->detail, "disable_first");
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

int journal__fold_transition_wait(struct journal_state *st, const struct journal_rec *r)
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

int journal__fold_replace_load(struct journal_state *st, const struct journal_rec *r)
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

int journal__fold_stage_start(struct journal_state *st, const struct journal_rec *r)
{
	if (!marker(r))
		return 0;
	return set_str(&st->stage, dstr(r->detail, "name") ?: "?");
}

int journal__fold_stage_end(struct journal_state *st, const struct journal_rec *r)
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

int journal__fold_decision(struct journal_state *st, const struct journal_rec *r)
{
	const char *o = dstr(r->detail, "outcome") ?: "";
	bool committed = !strcmp(o, "committed");
	int ret;

	if (!marker(r))
		return 0;
	ret = set_str(&st->held_stage, NULL);
	if (!strcmp(o, "held")) {
		/* nothing is committed or undone: the items stay as the stage had them */
		st->outcome = JOURNAL_OUTCOME_HELD;
		ret = ret ?: set_str(&st->held_stage, dstr(r->detail, "stage"));
		return ret ?: set_str(&st->reason, dstr(r->detail, "reason"));
	}
	st->outcome = committed ? JOURNAL_OUTCOME_COMMITTED : JOURNAL_OUTCOME_ROLLED_BACK;
	commit_run(st, st->run_seq, committed);
	return ret ?: set_str(&st->reason, dstr(r->detail, "reason"));
}

int journal__fold_run_end(struct journal_state *st, const struct journal_rec *r)
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
int journal__fold_revert_start(struct journal_state *st, const struct journal_rec *r)
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

int journal__fold_one(struct journal_state *st, const struct journal_rec *r)
{
	const struct action_info *a = &journal_actions[r->action];
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

static struct json_object *klp_detail(const char *module, const char *name)
{
	struct json_object *o = json_object_new_object();

	if (add_str(o, "module", module) || add_str(o, "module_name", name)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/*
 * The steps that take @it back; *@replaced once a replace_load is in the plan. @unloads:
 * the second pass, for ulp libraries, which go once every process runs its old code again.
 */
static int plan_item(struct journal_plan *plan, const struct journal_item *it, bool *replaced,
		     bool unloads)
{
	bool maybe = it->active == JOURNAL_MAYBE;
	struct json_object *o;
	int ret = 0;

	if (unloads)
		return it->kind == JOURNAL_ITEM_ULP && it->loaded != JOURNAL_NO ?
			       add_step(plan, JOURNAL_ACT_ULP_UNLOAD, json_object_get(it->detail),
					it->loaded == JOURNAL_MAYBE) :
			       0;
	switch (it->kind) {
	case JOURNAL_ITEM_KLP:
		if (it->active != JOURNAL_NO && it->replaces && !it->replace_failed) {
			/* one load of the previous cumulative patch replaces every patch */
			if (!*replaced) {
				o = klp_detail(it->replaces, it->replaces_name);
				if (o)
					json_object_object_add(o, "disable_first",
							       json_object_new_boolean(
								       it->disable_first));
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
int journal__derive(struct journal_state *st)
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
		ret = plan_item(&st->plan, it, &replaced, false);
		if (ret)
			return ret;
	}
	for (i = st->nr_items; i > 0; i--) {
		ret = st->items[i - 1].committed ?
			      0 :
			      plan_item(&st->plan, &st->items[i - 1], &replaced, true);
		if (ret)
			return ret;
	}
	if (!st->started)
		st->phase = JOURNAL_PHASE_NONE;
	else if (st->outcome == JOURNAL_OUTCOME_COMMITTED)
		st->phase = JOURNAL_PHASE_COMMITTED;
	else if (st->outcome == JOURNAL_OUTCOME_HELD && left)
		st->phase = JOURNAL_PHASE_HELD;
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
		ret = journal__check_record(&recs[i], why, sizeof(why));
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
		ret = journal__fold_one(st, &recs[i]);
	}
	if (!ret)
		ret = journal__derive(st);
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
	free(st->held_stage);
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
			 journal_actions[st->pending].name, (unsigned long long)st->pending_seq);
	if (st->phase == JOURNAL_PHASE_HELD)
		return fail(err, errlen, -EINPROGRESS,
			    "%s: the run of '%s' started %s is held in stage %s (%s), its patch "
			    "left in place; decide it first with 'hotcanary resume %s --commit' or "
			    "'--rollback'",
			    st->path ?: st->name, st->name,
			    st->run_wall[0] ? st->run_wall : "(unknown)", st->held_stage ?: "?",
			    st->reason ?: "no reason recorded", st->name);
	if (st->started && !st->ended && st->phase == JOURNAL_PHASE_COMMITTED)
		return fail(err, errlen, -EINPROGRESS,
			    "%s: the run of '%s' started %s was committed but did not end; run "
			    "'hotcanary recover' first",
			    st->path ?: st->name, st->name, st->run_wall);
	return fail(err, errlen, -EINPROGRESS,
		    "%s: the run of '%s' started %s is unresolved (phase %s, %zu undo step%s "
		    "owed%s); run 'hotcanary recover' first",
		    st->path ?: st->name, st->name, st->run_wall[0] ? st->run_wall : "(unknown)",
		    journal_phase_names[st->phase], st->plan.nr_steps,
		    st->plan.nr_steps == 1 ? "" : "s", pending);
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
