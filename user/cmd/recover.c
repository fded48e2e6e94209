// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary status | revert NAME | recover | resume NAME: what hotcanary has applied, by its
 * journals and by the kernel, and taking it out again. recover finishes what a dead
 * controller left; revert takes out a committed (or any) rollout by hand; resume ends a run
 * the judge held, as the operator decides. They replay the journal's plan, journaling every
 * step, so they can themselves be interrupted and run again.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cmd.h"
#include "journal.h"
#include "klp.h"
#include "patch/patch.h"
#include "steps.h"

/* exec patchers and transitions are given this long when replayed without their policy */
#define REPLAY_TIMEOUT_NS	(60ULL * 1000000000ULL)

static const char *state_dir_arg(int argc, char **argv, int *first)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dir = JOURNAL_DEFAULT_DIR;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 's') {
			dir = optarg;
		} else {
			*first = -1;
			return NULL;
		}
	}
	*first = optind;
	return dir;
}

/* replay the plan of an open journal, then close the rollout as rolled back */
static int replay(struct journal *j, const char *name, int quiet)
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
			       json_object_to_json_string_ext(st->detail, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
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

int cmd_recover(int argc, char **argv)
{
	struct journal_entry *e = NULL;
	const char *dir;
	size_t n = 0, i, done = 0, held = 0;
	int first, rc = HC_EXIT_OK, ret;
	char err[512];

	dir = state_dir_arg(argc, argv, &first);
	if (!dir || first != argc) {
		p_err("usage: hotcanary recover [--state-dir DIR]");
		return HC_EXIT_USAGE;
	}
	ret = journal__list(dir, &e, &n, err, sizeof(err));
	if (ret) {
		/* nothing is run from a state directory another user could write */
		p_err("cannot read the journals in '%s': %s", dir, err);
		return ret == -EACCES ? HC_EXIT_REFUSED : HC_EXIT_ERROR;
	}
	for (i = 0; i < n; i++) {
		struct journal *j;

		if (e[i].error) {
			p_err("%s", e[i].msg);
			rc = HC_EXIT_ERROR;
			continue;
		}
		if (e[i].state.resolved)
			continue;
		if (e[i].state.phase == JOURNAL_PHASE_HELD) {
			/* a human was asked to decide: recovering it would decide for them */
			printf("%s: held in stage %s, left as it is; decide with 'hotcanary resume %s "
			       "--commit' or '--rollback'\n", e[i].name,
			       e[i].state.held_stage ?: "?", e[i].name);
			held++;
			continue;
		}
		if (journal__open(dir, e[i].name, 0, &j, err, sizeof(err))) {
			/* a live controller holds it: its own run will settle it */
			p_err("cannot recover '%s': %s", e[i].name, err);
			rc = HC_EXIT_ERROR;
			continue;
		}
		if (replay(j, e[i].name, 0))
			rc = HC_EXIT_ERROR;
		else
			printf("%s: recovered: rolled back\n", e[i].name);
		journal__close(j);
		done++;
	}
	if (!done && !held && rc == HC_EXIT_OK)
		printf("nothing to recover in %s\n", dir);
	journal__list_free(e, n);
	return rc;
}

/* open NAME's journal for revert or resume; 0 or the exit code, said */
static int journal_open_named(const char *dir, const char *name, const char *what,
			      struct journal **j)
{
	char err[512];
	int ret;

	ret = journal__open(dir, name, 0, j, err, sizeof(err));
	if (!ret)
		return HC_EXIT_OK;
	p_err("cannot %s '%s': %s", what, name, err);
	return ret == -ENOENT ? HC_EXIT_USAGE : ret == -EACCES ? HC_EXIT_REFUSED : HC_EXIT_ERROR;
}

/* take out everything the journal says is applied: revert_start, then the plan */
static int take_back(struct journal *j, const char *name, const char *reason)
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
	return replay(j, name, 0) ? HC_EXIT_ERROR : HC_EXIT_OK;
}

int cmd_revert(int argc, char **argv)
{
	struct journal *j;
	const char *dir;
	int first, rc;

	dir = state_dir_arg(argc, argv, &first);
	if (!dir || first != argc - 1) {
		p_err("usage: hotcanary revert [--state-dir DIR] NAME");
		return HC_EXIT_USAGE;
	}
	rc = journal_open_named(dir, argv[first], "revert", &j);
	if (rc)
		return rc;
	if (!journal__current(j)->nr_items) {
		printf("%s: nothing of it is applied\n", argv[first]);
		journal__close(j);
		return HC_EXIT_OK;
	}
	rc = take_back(j, argv[first], "hotcanary revert");
	journal__close(j);
	if (rc)
		return rc;
	printf("%s: reverted\n", argv[first]);
	/* it did what was asked, like every command's 0; 3 is a rollout's own rollback */
	return HC_EXIT_OK;
}

/* a held run, committed as it stands: its items are kept, the run ends resolved */
static int resume_commit(struct journal *j, const char *name)
{
	const struct journal_state *st = journal__current(j);
	struct json_object *o;
	char err[512], reason[256];
	int ret;

	snprintf(reason, sizeof(reason), "committed by 'hotcanary resume --commit' after a hold in "
		 "stage %s", st->held_stage ?: "?");
	o = json_object_new_object();
	json_object_object_add(o, "outcome", json_object_new_string("committed"));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	ret = journal__note(j, JOURNAL_ACT_DECISION, o, err, sizeof(err));
	json_object_put(o);
	if (!ret && !journal__current(j)->ended) {
		o = json_object_new_object();
		ret = journal__note(j, JOURNAL_ACT_RUN_END, o, err, sizeof(err));
		json_object_put(o);
	}
	if (ret) {
		p_err("cannot write the journal of '%s': %s", name, err);
		return HC_EXIT_ERROR;
	}
	return HC_EXIT_OK;
}

int cmd_resume(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "commit", no_argument, NULL, 'c' },
		{ "rollback", no_argument, NULL, 'r' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char usage[] = "usage: hotcanary resume [--state-dir DIR] NAME --commit | "
				    "--rollback";
	const char *dir = JOURNAL_DEFAULT_DIR;
	const struct journal_state *st;
	struct journal *j;
	int c, how = 0, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
		case 'r':
			if (how && how != c) {
				p_err("--commit and --rollback exclude each other; give one");
				return HC_EXIT_USAGE;
			}
			how = c;
			break;
		case 's': dir = optarg; break;
		case 'h': printf("%s\n", usage); return HC_EXIT_OK;
		default: p_err("%s", usage); return HC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !how) {
		p_err("%s", usage);
		return HC_EXIT_USAGE;
	}
	rc = journal_open_named(dir, argv[optind], "resume", &j);
	if (rc)
		return rc;
	st = journal__current(j);
	if (st->phase != JOURNAL_PHASE_HELD) {
		p_err("'%s' is not held (phase %s): nothing to resume; see 'hotcanary status'",
		      argv[optind], journal__phase_name(st->phase));
		journal__close(j);
		return HC_EXIT_USAGE;
	}
	if (how == 'c')
		rc = resume_commit(j, argv[optind]);
	else
		rc = take_back(j, argv[optind], "hotcanary resume --rollback");
	journal__close(j);
	if (!rc)
		printf("%s: %s\n", argv[optind], how == 'c' ? "committed" : "rolled back");
	return rc;
}

int cmd_status(int argc, char **argv)
{
	struct klp_patch *live = NULL;
	struct journal_entry *e = NULL;
	size_t n = 0, nl = 0, i, k;
	struct patch_live lv;
	struct klp_sys sys;
	const char *dir;
	char err[512];
	int first, rc = HC_EXIT_OK, have_live, ret;

	dir = state_dir_arg(argc, argv, &first);
	if (!dir || first != argc) {
		p_err("usage: hotcanary status [--state-dir DIR]");
		return HC_EXIT_USAGE;
	}
	ret = journal__list(dir, &e, &n, err, sizeof(err));
	if (ret) {
		/* nothing is run from a state directory another user could write */
		p_err("cannot read the journals in '%s': %s", dir, err);
		return ret == -EACCES ? HC_EXIT_REFUSED : HC_EXIT_ERROR;
	}
	klp_sys__init(&sys, NULL);
	have_live = !klp__list(&sys, &live, &nl, err, sizeof(err));
	lv = (struct patch_live){ .known = have_live, .p = live, .n = nl };
	printf("%-24s %-13s %-9s %-5s %s\n", "NAME", "PHASE", "RESOLVED", "TYPE", "APPLIED");
	for (i = 0; i < n; i++) {
		const struct journal_state *st = &e[i].state;

		if (e[i].error) {
			printf("%-24s %s\n", e[i].name, e[i].msg);
			rc = HC_EXIT_ERROR;
			continue;
		}
		printf("%-24s %-13s %-9s %-5s", e[i].name, journal__phase_name(st->phase),
		       st->resolved ? "yes" : e[i].holder ? "running" : "NO", st->type ? st->type : "-");
		for (k = 0; k < st->nr_items; k++) {
			const struct journal_item *it = &st->items[k];
			const struct patch_ops *ops = patch__ops_by_item(it->kind);
			char what[KLP_NAME_MAX + 8];

			if (!ops)
				continue;
			ops->item_text(it, what, sizeof(what));
			printf(" %s(%s)", what, journal__tri_name(it->active));
		}
		printf("\n");
		if (st->phase == JOURNAL_PHASE_HELD)
			printf("  held in stage %s: %s\n  decide: hotcanary resume %s --commit | "
			       "--rollback\n", st->held_stage ?: "?", st->reason ?: "no reason recorded",
			       e[i].name);
		/* the journal and the system must agree on every item it applied */
		for (k = 0; k < st->nr_items; k++) {
			const struct journal_item *it = &st->items[k];
			const struct patch_ops *ops = patch__ops_by_item(it->kind);

			if (ops && ops->status && ops->status(it, &lv, stdout))
				rc = HC_EXIT_ERROR;
		}
	}
	if (have_live) {
		for (i = 0; i < nl; i++)
			printf("%-24s %-13s %-9s %-5s kernel livepatch, enabled=%d transition=%d\n",
			       live[i].name, "-", "-", "klp", live[i].enabled, live[i].transition);
		klp__list_free(live, nl);
	}
	journal__list_free(e, n);
	return rc;
}
