// SPDX-License-Identifier: GPL-2.0
/*
 * Functions that ftrace cannot trace and who calls them, known by construction, for check 4's
 * search of the nearest traceable callers (scenario 40-callers):
 *
 *   hc_calls_direct (traceable) -> hc_calls_raw (notrace)
 *   hc_calls_top (traceable) -> hc_calls_mid (notrace) -> hc_calls_raw
 *
 * Exported, so that the compiler keeps each function whole and under its own name.
 */
#include <linux/compiler.h>
#include <linux/module.h>

noinline notrace int hc_calls_raw(int x)
{
	barrier();
	return x + 1;
}
EXPORT_SYMBOL_GPL(hc_calls_raw);

noinline notrace int hc_calls_mid(int x)
{
	return hc_calls_raw(x) * 2;
}
EXPORT_SYMBOL_GPL(hc_calls_mid);

noinline int hc_calls_direct(int x)
{
	return hc_calls_raw(x) + 3;
}
EXPORT_SYMBOL_GPL(hc_calls_direct);

noinline int hc_calls_top(int x)
{
	return hc_calls_mid(x) - 1;
}
EXPORT_SYMBOL_GPL(hc_calls_top);

static int __init hc_calls_init(void)
{
	return 0;
}

static void __exit hc_calls_exit(void)
{
}

module_init(hc_calls_init);
module_exit(hc_calls_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hotcanary test: untraceable functions and their callers");
