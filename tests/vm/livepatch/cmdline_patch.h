/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The livepatch boilerplate every scenario shares: patch vmlinux's cmdline_proc_show with
 * the file's hc_cmdline_proc_show(). The template follows samples/livepatch/
 * livepatch-sample.c; hotcanary finds the patched function by following this static
 * struct klp_patch (user/klp.c), so keep it a plain static object.
 */
#ifndef HC_CMDLINE_PATCH_H
#define HC_CMDLINE_PATCH_H

#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

/*
 * @cumulative: an atomic-replace patch; @desc: its MODULE_DESCRIPTION. A file that defines
 * HC_PATCH_STATES (an array of struct klp_state) before the macro gives the patch those
 * states. Not for clang-format, which would indent the whole module as the macro's body.
 */
#ifndef HC_PATCH_STATES
#define HC_PATCH_STATES NULL
#endif

/* clang-format off */
#define HC_CMDLINE_LIVEPATCH(cumulative, desc)					\
static struct klp_func funcs[] = {						\
	{									\
		.old_name = "cmdline_proc_show",				\
		.new_func = hc_cmdline_proc_show,				\
	}, { }									\
};										\
										\
static struct klp_object objs[] = {						\
	{									\
		/* name NULL: the function is in vmlinux */			\
		.funcs = funcs,							\
	}, { }									\
};										\
										\
static struct klp_patch patch = {						\
	.mod = THIS_MODULE,							\
	.objs = objs,								\
	.states = HC_PATCH_STATES,						\
	.replace = cumulative,							\
};										\
										\
static int __init hc_patch_init(void)						\
{										\
	return klp_enable_patch(&patch);					\
}										\
										\
static void __exit hc_patch_exit(void)						\
{										\
}										\
										\
module_init(hc_patch_init);							\
module_exit(hc_patch_exit);							\
MODULE_LICENSE("GPL");								\
MODULE_INFO(livepatch, "Y");							\
MODULE_DESCRIPTION(desc)
/* clang-format on */

#endif
