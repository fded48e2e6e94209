// SPDX-License-Identifier: GPL-2.0
/*
 * Provokes a real kernel WARN() when loaded, so the VM tests can check that hotcanary's
 * kernel log watcher reports it and its taint watcher sees the W bit appear.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init hc_warn_init(void)
{
	WARN(1, "hc_warn: warning provoked by the hotcanary VM tests\n");
	return 0;
}

static void __exit hc_warn_exit(void)
{
}

module_init(hc_warn_init);
module_exit(hc_warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hotcanary test: provoke a kernel warning");
