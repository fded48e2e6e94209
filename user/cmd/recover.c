// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary recover [--state-dir DIR]: finish what a dead controller left, every unresolved
 * journal rolled back by its plan (replay.c); a held run is left for its operator.
 */
#include <errno.h>
#include <stdio.h>
#include "cmd.h"
#include "journal.h"
#include "replay.h"

static const char help[] =
	"usage: hotcanary recover [--state-dir DIR]\n"
	"\n"
	"  Finish what an interrupted run left: every unresolved journal is rolled back by its\n"
	"  plan. A held run is left for 'hotcanary resume'.\n"
	"\n"
	"  --state-dir DIR  where journals live (default " JOURNAL_DEFAULT_DIR ")\n"
	"  -h, --help       this help\n" HC_HELP_JOURNAL_EXITS
	"             0 also when there was nothing to recover\n";

int cmd_recover(int argc, char **argv)
{
	struct journal_entry *e = NULL;
	const char *dir;
	size_t n = 0, i, done = 0, held = 0;
	int first, rc = HC_EXIT_OK, ret;
	char err[512];

	dir = state_dir__parse(argc, argv, help, &first);
	if (first == STATE_DIR_HELP)
		return HC_EXIT_OK;
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
			       "--commit' or '--rollback'\n",
			       e[i].name, e[i].state.held_stage ?: "?", e[i].name);
			held++;
			continue;
		}
		if (journal__open(dir, e[i].name, 0, &j, err, sizeof(err))) {
			/* a live controller holds it: its own run will settle it */
			p_err("cannot recover '%s': %s", e[i].name, err);
			rc = HC_EXIT_ERROR;
			continue;
		}
		if (replay__plan(j, e[i].name, 0))
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
