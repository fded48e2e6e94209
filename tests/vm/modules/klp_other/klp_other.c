// SPDX-License-Identifier: GPL-2.0
/*
 * A second livepatch of cmdline_proc_show() for the VM tests: prints "hotcanary-klp-other".
 * Like klp_good it is not a replace patch, so with both loaded the kernel stacks them (the
 * one enabled last wins). hotcanary's check 6 must refuse to add a non-replace patch of a
 * function that another enabled non-replace patch already patches: this module is that
 * other patch in the conflict scenario.
 */
#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary-klp-other\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false, "hotcanary test: a second livepatch of cmdline_proc_show");
