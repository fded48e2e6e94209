// SPDX-License-Identifier: GPL-2.0
/*
 * The previous cumulative patch of the "replace" scenario (PREV), loaded by setup.sh. The
 * policy names it in patch.replaces, so rolling back the new patch loads this one again,
 * which replaces the new one atomically and leaves this text in /proc/cmdline.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch replace-prev\n");
	return 0;
}

/* cumulative, so that loading it again atomically replaces the rolled-back patch */
HC_CMDLINE_LIVEPATCH(true, "hotcanary VM scenario replace-init: the previous cumulative patch");
