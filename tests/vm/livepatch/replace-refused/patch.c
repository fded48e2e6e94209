// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "replace-refused": a cumulative patch (.replace = true) over prev.c, loaded by
 * setup.sh, with a policy that says nothing about prev.c: no module to load it again if a
 * rollback came, so the run must be refused before anything changes, prev.c left alone.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	WARN_ONCE(1, "hc_replace_refused livepatch: warning provoked by the hotcanary VM "
		     "scenario replace-refused\n");
	seq_puts(m, "hotcanary livepatch replace-refused\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(true, "hotcanary VM scenario replace-refused: a replace nothing could undo");
