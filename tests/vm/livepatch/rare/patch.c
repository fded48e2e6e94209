// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "rare": the patched cmdline_proc_show busy-waits 5 ms per call, and the
 * workload calls it about 3 times a second, so a stage has a few dozen calls, far fewer
 * than min_calls. Every one of them is slower than any baseline call: the judge's exact
 * small-sample test must roll it back in its first stage, not call the stage "no data".
 */
#include "cmdline_patch.h"
#include <linux/delay.h>

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	/* CPU time inside the function, as in "slow" */
	mdelay(5);
	seq_puts(m, "hotcanary livepatch rare\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false,
		     "hotcanary VM scenario rare: a function called 3 times a second, 5 ms slower");
