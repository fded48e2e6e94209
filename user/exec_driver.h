/* SPDX-License-Identifier: GPL-2.0 */
/* The exec patch type: external patchers (kpatch, kcarectl, ...) run as argv lists. */
#ifndef HC_EXEC_DRIVER_H
#define HC_EXEC_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Run @argv (NULL-terminated, no shell) and wait up to @timeout_ns. 0 when it exited 0;
 * otherwise -errno and @err says how it failed (exit status, signal, timeout: then it was
 * sent SIGTERM, and SIGKILL a second later).
 */
int exec__run(char *const *argv, uint64_t timeout_ns, char *err, size_t len);

#endif
