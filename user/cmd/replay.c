// SPDX-License-Identifier: GPL-2.0
/*
 * Taking out what a journal says is applied, as recover, revert and resume do: they replay
 * the journal's plan, journaling every step, so they can themselves be interrupted and run
 * again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "carriers.h"
#include "cmd.h"
#include "journal.h"
#include "replay.h"
#include "steps.h"

/* exec patchers and transitions are given this long when replayed without their policy */
#define REPLAY_TIMEOUT_NS (60ULL * 1000000000ULL)

/*
 * The processes forked from the journal's patched processes carry the patch without a
 * record of their own (the workers a patched master started on a reload): found by the
 * library they map, taken back as the journal's are
 */
static int take_back_forks(struct steps *s, const struct journal_plan *plan, const char *name,
			   int quiet)
{
	struct ulp_proc *known = NULL, **kp = NULL;
	const char *library = NULL;
	struct carrier *c = NULL;
	size_t i, nk = 0, nc = 0;
	char err[1024];
	int ret = 0, failed = 0;

	known = calloc(plan->nr_steps ? plan->nr_steps : 1, sizeof(*known));
	kp = calloc(plan->nr_steps ? plan->nr_steps : 1, sizeof(*kp));
	if (!known || !kp) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < plan->nr_steps; i++) {
		const struct journal_step *st = &plan->steps[i];
		struct json_object *lib;

		if (st->action != JOURNAL_ACT_ULP_REVERT ||
		    steps__ulp_proc_from_detail(st->detail, &known[nk], err, sizeof(err)))
			continue;
		if (json_object_object_get_ex(st->detail, "library", &lib))
			library = json_object_get_string(lib);
		kp[nk] = &known[nk];
		nk++;
	}
	if (!nk || !library)
		goto out;
	ret = carriers__find(kp, nk, library, &c, &nc);
	for (i = 0; !ret && i < nc; i++) {
		err[0] = '\0';
		if (carrier__take_back(s, &c[i], library, err, sizeof(err))) {
			p_err("%s: revert pid %d, forked from a patched process, failed: %s", name,
			      c[i].p.pid, err);
			failed = -EIO;
		} else if (!quiet) {
			printf("%s: revert %s\n", name, err);
		}
	}
out:
	if (ret)
		p_err("%s: cannot look for processes forked from the patched ones: %s; run "
		      "'hotcanary revert %s' again",
		      name, strerror(-ret), name);
	carriers__free(c, nc);
	for (i = 0; i < nk; i++)
		ulp_proc__release(&known[i]);
	free(known);
	free(kp);
	return ret ? ret : failed;
}

/* @plan unloads the process that @revert restores, in a step of its own */
static bool unload_planned(const struct journal_plan *plan, const struct journal_step *revert)
{
	int64_t pid = json_object_get_int64(json_object_object_get(revert->detail, "pid"));
	size_t i;

	for (i = 0; i < plan->nr_steps; i++)
		if (plan->steps[i].action == JOURNAL_ACT_ULP_UNLOAD &&
		    json_object_get_int64(json_object_object_get(plan->steps[i].detail, "pid")) ==
			    pid)
			return true;
	return false;
}

int replay__plan(struct journal *j, const char *name, int quiet)
{
	struct journal_plan plan = { 0 };
	struct json_object *o;
	struct steps s;
	char err[1024];
	size_t i;
	int ret, failed = 0;

	ret = journal_plan__copy(&journal__current(j)->plan, &plan);
	if (ret)
		return ret;
	steps__init(&s, j, REPLAY_TIMEOUT_NS / 1000000);
	for (i = 0; i < plan.nr_steps; i++) {
		const struct journal_step *st = &plan.steps[i];

		if (st->action == JOURNAL_ACT_ULP_UNLOAD)
			continue;
		err[0] = '\0';
		ret = steps__replay(&s, st, REPLAY_TIMEOUT_NS, err, sizeof(err));
		if (ret) {
			p_err("%s: %s failed: %s", name, journal__action_name(st->action), err);
			failed = ret;
			break;
		}
		if (quiet)
			continue;
		if (st->action == JOURNAL_ACT_ULP_REVERT)
			printf("%s: %s pid %d: %s\n", name, journal__action_name(st->action),
			       json_object_get_int(json_object_object_get(st->detail, "pid")),
			       err[0] ? err : "original bytes restored and read back");
		else
			printf("%s: %s %s\n", name, journal__action_name(st->action),
			       json_object_to_json_string_ext(st->detail,
							      JSON_C_TO_STRING_PLAIN |
								      JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	if (!failed)
		failed = take_back_forks(&s, &plan, name, quiet);
	/*
	 * Every process back first, then the libraries out: no revert waits for an unload. A
	 * journal's ulp_unload steps are journaled; a revert of an older journal, or of a fork,
	 * has none, and its unload is not.
	 */
	for (i = 0; i < plan.nr_steps && !failed; i++) {
		const struct journal_step *st = &plan.steps[i];

		err[0] = '\0';
		if (st->action == JOURNAL_ACT_ULP_UNLOAD)
			ret = steps__replay(&s, st, REPLAY_TIMEOUT_NS, err, sizeof(err));
		else if (st->action == JOURNAL_ACT_ULP_REVERT && !unload_planned(&plan, st))
			ret = steps__ulp_unload(st->detail, err, sizeof(err));
		else
			continue;
		if (quiet || ret == -ESRCH || (!ret && err[0]))
			continue;
		printf("%s: unload pid %d: %s\n", name,
		       json_object_get_int(json_object_object_get(st->detail, "pid")),
		       ret ? err : "library and trampoline page unloaded");
	}
	journal_plan__free(&plan);
	if (failed)
		return failed;
	if (journal__current(j)->outcome == JOURNAL_OUTCOME_NONE ||
	    journal__current(j)->phase == JOURNAL_PHASE_ROLLING_BACK) {
		o = json_object_new_object();
		json_object_object_add(o, "outcome", json_object_new_string("rolled-back"));
		json_object_object_add(o, "reason", json_object_new_string("recovered"));
		journal__note(j, JOURNAL_ACT_DECISION, o, err, sizeof(err));
		json_object_put(o);
	}
	o = json_object_new_object();
	ret = journal__note(j, JOURNAL_ACT_RUN_END, o, err, sizeof(err));
	json_object_put(o);
	if (ret)
		p_err("%s: cannot close the journal: %s", name, err);
	return ret;
}

int replay__open(const char *dir, const char *name, const char *what, struct journal **j)
{
	char err[512];
	int ret;

	ret = journal__open(dir, name, 0, j, err, sizeof(err));
	if (!ret)
		return HC_EXIT_OK;
	p_err("cannot %s '%s': %s", what, name, err);
	return ret == -ENOENT ? HC_EXIT_USAGE : ret == -EACCES ? HC_EXIT_REFUSED : HC_EXIT_ERROR;
}

int replay__take_back(struct journal *j, const char *name, const char *reason)
{
	struct json_object *o;
	char err[512];
	int ret;

	o = json_object_new_object();
	json_object_object_add(o, "reason", json_object_new_string(reason));
	ret = journal__note(j, JOURNAL_ACT_REVERT_START, o, err, sizeof(err));
	json_object_put(o);
	if (ret) {
		p_err("cannot write the journal of '%s': %s", name, err);
		return HC_EXIT_ERROR;
	}
	return replay__plan(j, name, 0) ? HC_EXIT_ERROR : HC_EXIT_OK;
}
