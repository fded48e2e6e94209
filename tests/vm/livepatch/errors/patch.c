// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "errors": the patched cmdline_proc_show fails one call in five with -EIO,
 * where the original never fails. The judge must see the error rate jump and roll back.
 * The template follows samples/livepatch/livepatch-sample.c.
 */
#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

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

static struct klp_func funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = hc_cmdline_proc_show,
	}, { }
};

static struct klp_object objs[] = {
	{
		/* name NULL: the function is in vmlinux */
		.funcs = funcs,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int __init hc_patch_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit hc_patch_exit(void)
{
}

module_init(hc_patch_init);
module_exit(hc_patch_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("hotcanary VM scenario errors: cmdline_proc_show fails 20% of calls with -EIO");
