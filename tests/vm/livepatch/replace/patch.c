// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "replace": a new cumulative patch (.replace = true) that replaces prev.c, the
 * cumulative patch setup.sh loads first. This one hits a WARN_ONCE on its first call, so
 * hotcanary rolls it back, and with patch.replaces set it must do so by loading prev.c
 * again: /proc/cmdline then shows prev.c's text, never the original one.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	WARN_ONCE(1,
		  "hc_replace livepatch: warning provoked by the hotcanary VM scenario replace\n");
	seq_puts(m, "hotcanary livepatch replace\n");
	return 0;
}

/* cumulative: replaces prev.c atomically, as prev.c will replace it on rollback */
HC_CMDLINE_LIVEPATCH(
	true, "hotcanary VM scenario replace: a cumulative patch rolled back to the previous one");
