/* SPDX-License-Identifier: GPL-2.0 */
/* The exec patch type: external patchers (kpatch, kcarectl, ...) run as argv lists. */
#ifndef HC_EXEC_DRIVER_H
#define HC_EXEC_DRIVER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* the PATH commands are found in and run with: never the caller's, which its user controls */
#define EXEC_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * The program @argv0 names (searched in EXEC_PATH when it has no '/') into @buf, checked by
 * the trust rule (trust.h): 0, or -errno with @err naming the program, the rule and the fix.
 */
int exec__resolve(const char *argv0, char *buf, size_t len, char *err, size_t errlen);

/*
 * Run @argv (NULL-terminated, no shell; the program as exec__resolve() finds it) and wait up
 * to @timeout_ns, with stdin from /dev/null and an environment of PATH=EXEC_PATH alone, so
 * that nothing of the invoking user's environment reaches a program run as root. 0 when it
 * exited 0; otherwise -errno and @err says how it failed (not trusted, exit status, signal,
 * timeout: then it was sent SIGTERM, and SIGKILL a second later).
 */
int exec__run(char *const *argv, uint64_t timeout_ns, char *err, size_t len);

#endif
