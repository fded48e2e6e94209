// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "replace-stacked": a cumulative patch that replaces a previous patch built
 * without .replace (prev.c), and warns on its first call. The rollback loads prev.c again,
 * which stacks on this one, then disables this one: prev.c's text stays in /proc/cmdline
 * throughout, never the original.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	WARN_ONCE(1, "hc_replace_stacked livepatch: warning provoked by the hotcanary VM "
		     "scenario replace-stacked\n");
	seq_puts(m, "hotcanary livepatch replace-stacked\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(true,
		     "hotcanary VM scenario replace-stacked: replaces a non-cumulative patch");
