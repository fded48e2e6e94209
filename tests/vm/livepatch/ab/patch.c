// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "ab": the patched cmdline_proc_show busy-waits 200 us per call. Run with
 * "hotcanary ab", the on-periods must show the added latency with an interval that
 * excludes zero, although TCG's own noise swings the p50 by a factor of five.
 */
#include "cmdline_patch.h"
#include <linux/delay.h>

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	udelay(200);
	seq_puts(m, "hotcanary livepatch ab\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false, "hotcanary VM scenario ab: cmdline_proc_show takes 200 us longer");
