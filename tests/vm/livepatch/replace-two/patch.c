// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "replace-two": a cumulative patch (.replace = true) over two enabled patches
 * (the kernel's test_klp_livepatch and test_klp_atomic_replace, loaded by setup.sh). A
 * rollback would have to rebuild that stack in its order, which hotcanary does not do: the
 * run is refused before anything changes, even with both modules in patch.restore.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	WARN_ONCE(1, "hc_replace_two livepatch: warning provoked by the hotcanary VM "
		     "scenario replace-two\n");
	seq_puts(m, "hotcanary livepatch replace-two\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(true, "hotcanary VM scenario replace-two: a replace of two patches");
