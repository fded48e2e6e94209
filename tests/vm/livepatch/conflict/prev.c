// SPDX-License-Identifier: GPL-2.0
/*
 * The other livepatch of the "conflict" scenario, loaded by setup.sh before hotcanary runs:
 * an ordinary (non-replace) patch of cmdline_proc_show, as a foreign tool or an earlier
 * manual insmod would leave it.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch conflict-other\n");
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
MODULE_DESCRIPTION("hotcanary VM scenario conflict: the patch already there");
