// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "replace": a new cumulative patch (.replace = true) that replaces prev.c, the
 * cumulative patch setup.sh loads first. This one hits a WARN_ONCE on its first call, so
 * hotcanary rolls it back, and with patch.replaces set it must do so by loading prev.c
 * again: /proc/cmdline then shows prev.c's text, never the original one.
 * The template follows samples/livepatch/livepatch-sample.c.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	WARN_ONCE(1, "hc_replace livepatch: warning provoked by the hotcanary VM scenario replace\n");
	seq_puts(m, "hotcanary livepatch replace\n");
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
	/* cumulative: replaces prev.c atomically, as prev.c will replace it on rollback */
	.replace = true,
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
MODULE_DESCRIPTION("hotcanary VM scenario replace: a cumulative patch rolled back to the previous one");
