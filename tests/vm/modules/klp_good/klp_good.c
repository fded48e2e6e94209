// SPDX-License-Identifier: GPL-2.0
/*
 * A harmless livepatch for the VM tests: replaces cmdline_proc_show() (what reading
 * /proc/cmdline runs) with a version that prints "hotcanary-klp-good". Written like the
 * kernel's samples/livepatch/livepatch-sample.c: the v5.1+ API, where loading the module
 * enables the patch (klp_enable_patch() in init) and nothing is needed at exit. The klp
 * structures are the same on 6.1 and 6.12. Not a replace (cumulative) patch, so it stacks
 * on, and is stacked on by, other livepatches of the same function (klp_other).
 */
#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary-klp-good\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false, "hotcanary test: a harmless livepatch of cmdline_proc_show");
