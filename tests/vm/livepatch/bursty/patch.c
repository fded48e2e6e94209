// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "bursty": the harmless livepatch of "good", judged under bursty load at the
 * default limits (1.10 at p50 and p90, 1.25 at p99). It must never be rolled back: the
 * judge commits it, or holds it when the bursts leave it without the evidence to pass.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch bursty\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false, "hotcanary VM scenario bursty: harmless patch under bursty load");
