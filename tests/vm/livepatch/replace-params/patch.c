// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "replace-params": a cumulative patch over the kernel's test_klp_atomic_replace,
 * which setup.sh loaded with replace=1. It warns on its first call; the rollback must load
 * test_klp_atomic_replace again with replace=1, so that it is the cumulative patch it was.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	WARN_ONCE(1, "hc_replace_params livepatch: warning provoked by the hotcanary VM "
		     "scenario replace-params\n");
	seq_puts(m, "hotcanary livepatch replace-params\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(true, "hotcanary VM scenario replace-params: over a patch with a parameter");
