// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "warn": the patched cmdline_proc_show hits a WARN_ONCE on its first call. The
 * kernel_log guardrail (and the W taint) must roll it back at once, with no statistics.
 *
 * hctest-module: hc_lp_warn
 * (tests/vm/run-scenario would call it hc_warn, the name of the guardrail test module in
 * tests/vm/modules, and the kernel refuses a second module of the same name)
 *
 * The template follows samples/livepatch/livepatch-sample.c.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	WARN_ONCE(1, "hc_lp_warn: warning provoked by the hotcanary VM scenario warn\n");
	seq_puts(m, "hotcanary livepatch warn\n");
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
MODULE_DESCRIPTION("hotcanary VM scenario warn: WARN_ONCE in cmdline_proc_show");
