// SPDX-License-Identifier: GPL-2.0
/*
 * The previous patch of the "replace-stacked" scenario (PREV), loaded by setup.sh: not
 * cumulative (.replace = false), so loading it again on rollback stacks it on the new patch
 * instead of replacing it, and hotcanary must then disable the new one itself.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch replace-prev\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false,
		     "hotcanary VM scenario replace-stacked: a previous, non-cumulative patch");
