// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary resume [--state-dir DIR] NAME --commit | --rollback: end a run the judge held, as
 * the operator decides: its items kept, or taken out by its journal's plan (replay.c).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "cmd.h"
#include "journal.h"
#include "replay.h"

/* a held run, committed as it stands: its items are kept, the run ends resolved */
static int resume_commit(struct journal *j, const char *name)
{
	const struct journal_state *st = journal__current(j);
	struct json_object *o;
	char err[512], reason[256];
	int ret;

	snprintf(reason, sizeof(reason),
		 "committed by 'hotcanary resume --commit' after a hold in "
		 "stage %s",
		 st->held_stage ?: "?");
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
	static const char help[] =
		"\n"
		"  End a run the judge held (exit 5): --commit keeps its patch and commits it,\n"
		"  --rollback takes it out.\n"
		"\n"
		"  --state-dir DIR  where journals live (default " JOURNAL_DEFAULT_DIR ")\n"
		"  -h, --help       this help\n" HC_HELP_JOURNAL_EXITS
		"             2 also for a NAME that is not held\n";
	const char *dir = JOURNAL_DEFAULT_DIR;
	const struct journal_state *st;
	struct journal *j;
	int c, how = 0, rc;
	bool ulp;

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
		case 's':
			dir = optarg;
			break;
		case 'h':
			printf("%s\n%s", usage, help);
			return HC_EXIT_OK;
		default:
			p_err("%s", usage);
			return HC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !how) {
		p_err("%s", usage);
		return HC_EXIT_USAGE;
	}
	rc = replay__open(dir, argv[optind], "resume", &j);
	if (rc)
		return rc;
	st = journal__current(j);
	if (st->phase != JOURNAL_PHASE_HELD) {
		p_err("'%s' is not held (phase %s): nothing to resume; see 'hotcanary status'",
		      argv[optind], journal__phase_name(st->phase));
		journal__close(j);
		return HC_EXIT_USAGE;
	}
	ulp = st->type && !strcmp(st->type, "ulp");
	if (how == 'c')
		rc = resume_commit(j, argv[optind]);
	else
		rc = replay__take_back(j, argv[optind], "hotcanary resume --rollback");
	journal__close(j);
	if (!rc)
		printf("%s: %s\n", argv[optind], how == 'c' ? "committed" : "rolled back");
	/* a run's commit patches the parents; this one has no policy to do it with */
	if (!rc && how == 'c' && ulp)
		printf("%s: only the processes the held stage patched run the fix; their parents "
		       "were not patched, so processes they start (a reload, a respawn) run the old "
		       "code: run the rollout again to patch them\n",
		       argv[optind]);
	return rc;
}
