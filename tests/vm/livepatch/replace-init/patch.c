// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "replace-init": a cumulative patch built the way kpatch-build's modules are
 * (kpatch's livepatch-patch-hook.c): its struct klp_patch, objects and functions are
 * allocated and filled in by the module's init, so the .ko holds no struct klp_patch to
 * read and check 13 cannot know that it replaces prev.c, loaded by setup.sh. It warns on
 * its first call; the rollback must load prev.c again (patch.restore).
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

static struct klp_patch *patch;

static int hc_cmdline_proc_show(struct seq_file *m, void *v)
{
	WARN_ONCE(1, "hc_replace_init livepatch: warning provoked by the hotcanary VM "
		     "scenario replace-init\n");
	seq_puts(m, "hotcanary livepatch replace-init\n");
	return 0;
}

static void hc_patch_free(void)
{
	if (patch && patch->objs)
		kfree(patch->objs[0].funcs);
	if (patch)
		kfree(patch->objs);
	kfree(patch);
	patch = NULL;
}

static int __init hc_patch_init(void)
{
	struct klp_object *objs;
	struct klp_func *funcs;
	int ret;

	patch = kzalloc(sizeof(*patch), GFP_KERNEL);
	objs = kcalloc(2, sizeof(*objs), GFP_KERNEL);
	funcs = kcalloc(2, sizeof(*funcs), GFP_KERNEL);
	if (!patch || !objs || !funcs) {
		kfree(funcs);
		kfree(objs);
		kfree(patch);
		patch = NULL;
		return -ENOMEM;
	}
	funcs[0].old_name = "cmdline_proc_show";
	funcs[0].new_func = hc_cmdline_proc_show;
	objs[0].funcs = funcs; /* name NULL: vmlinux */
	patch->mod = THIS_MODULE;
	patch->objs = objs;
	patch->replace = true;
	ret = klp_enable_patch(patch);
	if (ret)
		hc_patch_free();
	return ret;
}

static void __exit hc_patch_exit(void)
{
	hc_patch_free();
}

module_init(hc_patch_init);
module_exit(hc_patch_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("hotcanary VM scenario replace-init: a patch built at init, as kpatch's");
