// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "good": a harmless livepatch of cmdline_proc_show. It only changes what
 * /proc/cmdline shows, neither its cost nor its return value, so hotcanary must commit it.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch good\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false, "hotcanary VM scenario good: harmless patch of cmdline_proc_show");
