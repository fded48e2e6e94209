// SPDX-License-Identifier: GPL-2.0
/*
 * VM scenario "upstream-shadow-slow": a fix for the kernel's own livepatch_shadow_mod sample
 * (loaded by setup.sh) that plugs dummy_alloc's leak but sleeps 5 ms on every call, about a
 * thousand times the original's cost, in a function the module calls once a second: the
 * regression on a rarely called function that hotcanary must roll back.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/slab.h>

/* as in samples/livepatch/livepatch-shadow-mod.c */
#define EXPIRE_PERIOD 12

struct dummy {
	struct list_head list;
	unsigned long jiffies_expire;
};

static struct dummy *hc_dummy_alloc(void)
{
	struct dummy *d;

	mdelay(5);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return NULL;
	d->jiffies_expire = jiffies + msecs_to_jiffies(1000 * EXPIRE_PERIOD);
	return d;
}

static struct klp_func funcs[] = { {
					   .old_name = "dummy_alloc",
					   .new_func = hc_dummy_alloc,
				   },
				   {} };

static struct klp_object objs[] = { {
					    .name = "livepatch_shadow_mod",
					    .funcs = funcs,
				    },
				    {} };

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
MODULE_DESCRIPTION("hotcanary VM scenario upstream-shadow-slow: dummy_alloc 5 ms slower");
