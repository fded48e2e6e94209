// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "replace-implicit": a cumulative patch (.replace = true) whose policy does not
 * say what it replaces (no patch.replaces), as a user would write it for kpatch's default
 * build. It replaces prev.c, loaded by setup.sh, and warns on its first call; the rollback
 * must find out that prev.c was replaced and load it again from patch.restore.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	WARN_ONCE(1, "hc_replace_implicit livepatch: warning provoked by the hotcanary VM "
		     "scenario replace-implicit\n");
	seq_puts(m, "hotcanary livepatch replace-implicit\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(true, "hotcanary VM scenario replace-implicit: an undeclared atomic replace");
