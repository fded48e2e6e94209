// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "good": a harmless livepatch of cmdline_proc_show. It only changes what
 * /proc/cmdline shows, neither its cost nor its return value, so hotcanary must commit it.
 * The template follows samples/livepatch/livepatch-sample.c.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch good\n");
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
MODULE_DESCRIPTION("hotcanary VM scenario good: harmless patch of cmdline_proc_show");
