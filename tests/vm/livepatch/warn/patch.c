// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "warn": the patched cmdline_proc_show hits a WARN_ONCE on its first call. The
 * kernel_log guardrail (and the W taint) must roll it back at once, with no statistics.
 *
 * hctest-module: hc_lp_warn
 * (tests/vm/run-scenario would call it hc_warn, the name of the guardrail test module in
 * tests/vm/modules, and the kernel refuses a second module of the same name)
 *
 */

#include "cmdline_patch.h"

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	WARN_ONCE(1, "hc_lp_warn: warning provoked by the hotcanary VM scenario warn\n");
	seq_puts(m, "hotcanary livepatch warn\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(false, "hotcanary VM scenario warn: WARN_ONCE in cmdline_proc_show");
