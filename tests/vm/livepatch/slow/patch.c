// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "slow": the patched cmdline_proc_show busy-waits 2 ms per call, at least
 * 1 ms more than the original (a few microseconds even under TCG). Its p50 and p99 grow
 * a hundredfold, so the judge must roll it back within the canary stage.
 * The template follows samples/livepatch/livepatch-sample.c.
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	/* mdelay, not msleep: the cost must be CPU time inside the function, as in a real
	 * regression, and sleeping would let the workload run other calls in between */
	mdelay(2);
	seq_puts(m, "hotcanary livepatch slow\n");
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
MODULE_DESCRIPTION("hotcanary VM scenario slow: cmdline_proc_show takes 2 ms longer");
