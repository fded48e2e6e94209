// SPDX-License-Identifier: GPL-2.0
/*
 * The other livepatch of the "conflict" scenario, loaded by setup.sh before hotcanary runs:
 * an ordinary (non-replace) patch of cmdline_proc_show, as a foreign tool or an earlier
 * manual insmod would leave it.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch conflict-other\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false, "hotcanary VM scenario conflict: the patch already there");
