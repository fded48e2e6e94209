// SPDX-License-Identifier: GPL-2.0
/*
 * A harmless livepatch for the VM tests: replaces cmdline_proc_show() (what reading
 * /proc/cmdline runs) with a version that prints "hotcanary-klp-good". Written like the
 * kernel's samples/livepatch/livepatch-sample.c: the v5.1+ API, where loading the module
 * enables the patch (klp_enable_patch() in init) and nothing is needed at exit. The klp
 * structures are the same on 6.1 and 6.12. Not a replace (cumulative) patch, so it stacks
 * on, and is stacked on by, other livepatches of the same function (klp_other).
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int livepatch_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary-klp-good\n");
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

static int __init klp_good_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit klp_good_exit(void)
{
}

module_init(klp_good_init);
module_exit(klp_good_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("hotcanary test: a harmless livepatch of cmdline_proc_show");
