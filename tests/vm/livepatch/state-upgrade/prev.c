// SPDX-License-Identifier: GPL-2.0
/*
 * The previous patch of the "state-upgrade" scenario (PREV), loaded by setup.sh: cumulative,
 * with klp_state 1 at version 1. The new patch carries version 2, so the kernel refuses this
 * one while the new one is enabled: the rollback must take the new one out first.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch replace-prev\n");
	return 0;
}

static struct klp_state hc_states[] = { { .id = 1, .version = 1 }, {} };
#define HC_PATCH_STATES hc_states

HC_CMDLINE_LIVEPATCH(true, "hotcanary VM scenario state-upgrade: klp_state 1 version 1");
