// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary revert [--state-dir DIR] NAME: take out a committed (or any) rollout by hand,
 * by its journal's plan (replay.c).
 */
#include <stdio.h>
#include "cmd.h"
#include "journal.h"
#include "replay.h"

static const char help[] =
	"usage: hotcanary revert [--state-dir DIR] NAME\n"
	"\n"
	"  Take out the rollout NAME (committed or not) by its journal's plan: for ulp, from\n"
	"  the journal's processes and the forks that carry the fix.\n"
	"\n"
	"  --state-dir DIR  where journals live (default " JOURNAL_DEFAULT_DIR ")\n"
	"  -h, --help       this help\n" HC_HELP_JOURNAL_EXITS
	"             0 also when nothing of NAME was applied; 2 also for an unknown NAME\n";

int cmd_revert(int argc, char **argv)
{
	struct journal *j;
	const char *dir;
	int first, rc;

	dir = state_dir__parse(argc, argv, help, &first);
	if (first == STATE_DIR_HELP)
		return HC_EXIT_OK;
	if (!dir || first != argc - 1) {
		p_err("usage: hotcanary revert [--state-dir DIR] NAME");
		return HC_EXIT_USAGE;
	}
	rc = replay__open(dir, argv[first], "revert", &j);
	if (rc)
		return rc;
	if (!journal__current(j)->nr_items) {
		printf("%s: nothing of it is applied\n", argv[first]);
		journal__close(j);
		return HC_EXIT_OK;
	}
	rc = replay__take_back(j, argv[first], "hotcanary revert");
	journal__close(j);
	if (rc)
		return rc;
	printf("%s: reverted\n", argv[first]);
	/* it did what was asked, like every command's 0; 3 is a rollout's own rollback */
	return HC_EXIT_OK;
}
