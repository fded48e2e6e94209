// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "replace-alone": a cumulative patch (.replace = true) with no other livepatch
 * enabled, which warns on its first call: it replaces nothing, so the rollback disables and
 * unloads it, and nothing is restored.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	WARN_ONCE(1, "hc_replace_alone livepatch: warning provoked by the hotcanary VM "
		     "scenario replace-alone\n");
	seq_puts(m, "hotcanary livepatch replace-alone\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(
	true, "hotcanary VM scenario replace-alone: a replace patch with nothing to replace");
