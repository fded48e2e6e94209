// SPDX-License-Identifier: GPL-2.0
/*
 * The previous cumulative patch of the "replace" scenario (PREV), loaded by setup.sh. The
 * policy names it in patch.replaces, so rolling back the new patch loads this one again,
 * which replaces the new one atomically and leaves this text in /proc/cmdline.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch replace-prev\n");
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
	/* cumulative, so that loading it again atomically replaces the rolled-back patch */
	.replace = true,
};

static int __init hc_prev_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit hc_prev_exit(void)
{
}

module_init(hc_prev_init);
module_exit(hc_prev_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("hotcanary VM scenario replace: the previous cumulative patch");
