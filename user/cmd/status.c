// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary status [--state-dir DIR]: what hotcanary has applied, by its journals and by the
 * kernel, and where the two disagree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "cmd.h"
#include "journal.h"
#include "klp.h"
#include "patch/patch.h"

static const char help[] =
	"usage: hotcanary status [--state-dir DIR]\n"
	"\n"
	"  What hotcanary has applied, by its journals and by the system now, and where the\n"
	"  two disagree (MISMATCH).\n"
	"\n"
	"  --state-dir DIR  where journals live (default " JOURNAL_DEFAULT_DIR ")\n"
	"  -h, --help       this help\n"
	"\n"
	"exit status: 0 every journal agrees with the system, 1 a mismatch or a journal that\n"
	"             cannot be read, 2 bad usage, 4 the state directory breaks the trust rule\n";

/*
 * One journal: its line, then what each item's driver found on the system. The line shows
 * the items' states now, not the journal's, so that it cannot say "yes" above a line that
 * says the process is gone; -EIO when the journal and the system disagree.
 */
static int entry_print(const struct journal_entry *e, const struct patch_live *lv)
{
	const struct journal_state *st = &e->state;
	char *details = NULL;
	size_t dlen = 0, k;
	FILE *out;
	int ret = 0;

	out = open_memstream(&details, &dlen);
	if (!out)
		return -ENOMEM;
	printf("%-24s %-13s %-9s %-5s", e->name, journal__phase_name(st->phase),
	       st->resolved ? "yes" :
	       e->holder    ? "running" :
			      "NO",
	       st->type ? st->type : "-");
	for (k = 0; k < st->nr_items; k++) {
		const struct journal_item *it = &st->items[k];
		const struct patch_ops *ops = patch__ops_by_item(it->kind);
		char what[KLP_NAME_MAX + 8];
		const char *now = NULL;

		if (!ops)
			continue;
		if (ops->status && ops->status(it, lv, out, &now))
			ret = -EIO;
		ops->item_text(it, what, sizeof(what));
		if (now)
			printf(" %s(%s)", what, now);
		else
			printf(" %s(journal: %s)", what, journal__tri_name(it->active));
	}
	printf("\n");
	if (st->phase == JOURNAL_PHASE_HELD)
		printf("  held in stage %s: %s\n  decide: hotcanary resume %s --commit | "
		       "--rollback\n",
		       st->held_stage ?: "?", st->reason ?: "no reason recorded", e->name);
	fclose(out);
	fputs(details ?: "", stdout);
	free(details);
	return ret;
}

int cmd_status(int argc, char **argv)
{
	struct klp_patch *live = NULL;
	struct journal_entry *e = NULL;
	size_t n = 0, nl = 0, i;
	struct patch_live lv;
	struct klp_sys sys;
	const char *dir;
	char err[512];
	int first, rc = HC_EXIT_OK, have_live, ret;

	dir = state_dir__parse(argc, argv, help, &first);
	if (first == STATE_DIR_HELP)
		return HC_EXIT_OK;
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
	printf("%-24s %-13s %-9s %-5s %s\n", "NAME", "PHASE", "RESOLVED", "TYPE",
	       "ITEMS (STATE NOW)");
	for (i = 0; i < n; i++) {
		if (e[i].error) {
			printf("%-24s %s\n", e[i].name, e[i].msg);
			rc = HC_EXIT_ERROR;
			continue;
		}
		if (entry_print(&e[i], &lv))
			rc = HC_EXIT_ERROR;
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
