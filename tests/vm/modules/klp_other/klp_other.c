// SPDX-License-Identifier: GPL-2.0
/*
 * A second livepatch of cmdline_proc_show() for the VM tests: prints "hotcanary-klp-other".
 * Like klp_good it is not a replace patch, so with both loaded the kernel stacks them (the
 * one enabled last wins). hotcanary's check 6 must refuse to add a non-replace patch of a
 * function that another enabled non-replace patch already patches: this module is that
 * other patch in the conflict scenario.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int livepatch_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary-klp-other\n");
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_cmdline_proc_show,
	},
	{ }
};

static struct klp_object objs[] = {
	{
		/* name NULL: vmlinux */
		.funcs = funcs,
	},
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
	.replace = false,
};

static int __init klp_other_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit klp_other_exit(void)
{
}

module_init(klp_other_init);
module_exit(klp_other_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("hotcanary test: a second livepatch of cmdline_proc_show");
