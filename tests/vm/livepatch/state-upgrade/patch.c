// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "state-upgrade": a cumulative patch that upgrades klp_state 1 from version 1
 * (prev.c) to 2, and warns on its first call. The kernel will not enable prev.c again while
 * this one is enabled (a lower state version), so the rollback disables and unloads this one
 * first, then loads prev.c: the end state is prev.c enabled, never 'failed' in between.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	WARN_ONCE(1, "hc_state_upgrade livepatch: warning provoked by the hotcanary VM "
		     "scenario state-upgrade\n");
	seq_puts(m, "hotcanary livepatch state-upgrade\n");
	return 0;
}

static struct klp_state hc_states[] = { { .id = 1, .version = 2 }, {} };
#define HC_PATCH_STATES hc_states

HC_CMDLINE_LIVEPATCH(true, "hotcanary VM scenario state-upgrade: klp_state 1 version 2");
