// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "idle": a harmless patch of a function nobody calls during the run (the
 * workload never reads /proc/cmdline). No stage has a call to judge: the run must end held
 * (exit 5), its patch left in, not committed on no evidence and not rolled back.
 */
#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch idle\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false, "hotcanary VM scenario idle: a patched function that is never called");
