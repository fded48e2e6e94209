// SPDX-License-Identifier: GPL-2.0
/*
 * Helper of the VM scenario "stuck", loaded before hotcanary runs. Its kthread sits inside
 * hc_stuck_helper_wait(), one of the functions the stuck patch replaces, in uninterruptible
 * sleeps. A livepatch transition switches a task only when none of the functions being
 * patched is on its stack, and the fake signal it sends after ~15 s wakes only
 * interruptible kthreads, so the transition can never complete: hotcanary must reverse it
 * after patch.transition_timeout, without force.
 *
 * The thread leaves the function when "block" is cleared
 * (echo 0 > /sys/module/hc_stuck_helper/parameters/block) or the module is unloaded, so
 * that the VM can always finish.
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>

static bool block = true;
module_param(block, bool, 0644);
MODULE_PARM_DESC(block, "keep the kthread inside hc_stuck_helper_wait(); 0 lets it go");

static struct task_struct *thread;

/*
 * noinline and noclone: the patch finds this function by name, and the kthread must sleep
 * in that very symbol, not in an inlined copy or a .part/.constprop clone of it.
 */
static noinline __noclone void hc_stuck_helper_wait(void)
{
	/*
	 * msleep sleeps in TASK_UNINTERRUPTIBLE; short sleeps keep the hung-task detector
	 * quiet (it only reports a task that has not run at all for 120 s), so the only
	 * kernel log line a stuck transition causes is livepatch's own.
	 */
	while (READ_ONCE(block) && !kthread_should_stop())
		msleep(20);
}

static int hc_stuck_helper_thread(void *data)
{
	hc_stuck_helper_wait();
	/* kthread_stop() must find the thread alive, whenever the module is unloaded */
	while (!kthread_should_stop())
		msleep(20);
	return 0;
}

static int __init hc_stuck_helper_init(void)
{
	thread = kthread_run(hc_stuck_helper_thread, NULL, "hc_stuck_helper");
	return PTR_ERR_OR_ZERO(thread);
}

static void __exit hc_stuck_helper_exit(void)
{
	kthread_stop(thread);
}

module_init(hc_stuck_helper_init);
module_exit(hc_stuck_helper_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hotcanary VM scenario stuck: a kthread that blocks a livepatch transition");
