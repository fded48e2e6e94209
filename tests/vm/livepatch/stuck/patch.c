// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "stuck": a patch of cmdline_proc_show (vmlinux) and of hc_stuck_helper_wait()
 * in the helper module (helper.c), whose kthread sleeps inside that function for as long
 * as it is told to. The transition covers both objects and cannot complete while the
 * thread is there, so hotcanary must reverse it after patch.transition_timeout, unload
 * it, and report a rollback. A function of our own stands in for the blocked kernel
 * function because nothing in cmdline_proc_show can sleep; the kernel selftests do the
 * same (test_klp_callbacks_busy).
 * The template follows samples/livepatch/livepatch-sample.c.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotcanary livepatch stuck\n");
	return 0;
}

/* never runs: the only caller is the kthread, which never gets switched to the patch */
static void hc_stuck_helper_wait(void)
{
}

static struct klp_func vmlinux_funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = hc_cmdline_proc_show,
	},
	{}
};

static struct klp_func helper_funcs[] = {
	{
		.old_name = "hc_stuck_helper_wait",
		.new_func = hc_stuck_helper_wait,
	},
	{}
};

static struct klp_object objs[] = {
	{
		/* name NULL: the function is in vmlinux */
		.funcs = vmlinux_funcs,
	},
	{
		/* the helper module, as tests/vm/run-scenario names it: hc_<scenario>_helper */
		.name = "hc_stuck_helper",
		.funcs = helper_funcs,
	},
	{}
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
MODULE_DESCRIPTION("hotcanary VM scenario stuck: a patch whose transition cannot complete");
