// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "slow": the patched cmdline_proc_show busy-waits 2 ms per call, at least
 * 1 ms more than the original (a few microseconds even under TCG). Its p50 and p99 grow
 * a hundredfold, so the judge must roll it back within the canary stage.
 */
#include "cmdline_patch.h"
#include <linux/delay.h>

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	/* mdelay, not msleep: the cost must be CPU time inside the function, as in a real
	 * regression, and sleeping would let the workload run other calls in between */
	mdelay(2);
	seq_puts(m, "hotcanary livepatch slow\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false, "hotcanary VM scenario slow: cmdline_proc_show takes 2 ms longer");
