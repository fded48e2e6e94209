// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "killed": a harmless patch, like "good". The scenario SIGKILLs hotcanary in
 * the middle of the canary stage; "hotcanary recover" must then roll this patch back from
 * the journal, since it was never committed.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch killed\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false,
		     "hotcanary VM scenario killed: harmless patch whose controller is killed");
