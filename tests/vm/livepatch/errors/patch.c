// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "errors": the patched cmdline_proc_show fails one call in five with -EIO,
 * where the original never fails. The judge must see the error rate jump and roll back.
 */
#include "cmdline_patch.h"
#include <linux/atomic.h>
#include <linux/errno.h>

/* a counter, not a random draw: exactly 20% on every run, and the same code on 6.1 and
 * 6.12 (the random helpers were renamed in between) */
static atomic_t calls = ATOMIC_INIT(0);

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	if (atomic_inc_return(&calls) % 5 == 0)
		return -EIO;
	seq_puts(m, "hotcanary livepatch errors\n");
	return 0;
}

HC_CMDLINE_LIVEPATCH(
	false, "hotcanary VM scenario errors: cmdline_proc_show fails 20% of calls with -EIO");
