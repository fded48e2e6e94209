// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "conflict": a harmless patch, but setup.sh first loads prev.c, another
 * livepatch (not a replace one) of the same function. Stacking a second patch on a
 * function makes the older one silently dead code and their removal order matter, so
 * hotcanary must refuse (check 6) before loading anything.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch conflict\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false, "hotcanary VM scenario conflict: a second patch of cmdline_proc_show");
