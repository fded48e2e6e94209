// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "bad-vermagic": a harmless patch, but tests/vm/run-scenario builds it against
 * the headers of the other VM kernel (see build-for-other-kernel), so its vermagic names
 * the wrong kernel. hotcanary must refuse it before loading anything.
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch bad-vermagic\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false, "hotcanary VM scenario bad-vermagic: a patch built for another kernel");
