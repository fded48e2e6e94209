/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel functions: existence, traceability and return-value width, checked before attach. */
#ifndef HC_KSYM_H
#define HC_KSYM_H

#include <stddef.h>

/*
 * 0 if @name is a kernel text symbol that ftrace can trace, and if @module is not NULL, one
 * of that module's. Otherwise -ENOENT (no such
 * function), -EPERM (exists but not traceable), or -errno reading kallsyms/tracefs; @err
 * says which. @kprobe_ok is set to 0 when the function is on the kprobe blacklist.
 */
int ksym__check(const char *name, const char *module, int *kprobe_ok, char *err, size_t errlen);

/* size in bytes of @name's return type from kernel BTF: 1, 2, 4 or 8; 0 if unknown or void */
int ksym__ret_width(const char *name);

/* the tracefs directory, mounting tracefs at /sys/kernel/tracing if nothing is mounted */
const char *ksym__tracefs(void);

/* 1 if the kernel can create kprobes (the kprobe PMU or tracefs kprobe_events exist) */
int ksym__kprobes_available(void);

#endif
