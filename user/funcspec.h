/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FUNC specs: "kernel:NAME", "kernel:MODULE:NAME" (a function of that module) or
 * "user:PATH:SYMBOL", each with an optional "@PID".
 */
#ifndef HC_FUNCSPEC_H
#define HC_FUNCSPEC_H

#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>

enum hc_func_kind {
	HC_FUNC_KERNEL,
	HC_FUNC_USER,
};

struct hc_funcspec {
	enum hc_func_kind kind;
	char *text;   /* the spec as given, for messages and output */
	char *path;   /* user: the binary or library; kernel: the module, or NULL */
	char *symbol; /* kernel function or user symbol */
	pid_t pid;    /* 0: every process */
	bool entry;   /* user: probed on its first byte, even an endbr64 (monitor.c) */
};

/*
 * The error rule of @spec: @given when one was given (>= 0), else neg (ret < 0) for a kernel
 * function, whose -errno convention is the kernel's, and none for a user function, whose
 * negative returns are as often results (a comparator's -1) as errors.
 */
int funcspec__err_mode(const struct hc_funcspec *spec, int given);

/*
 * Parse @text into @spec. On failure return -EINVAL and write a one-line reason into @err
 * (without the spec itself, which the caller quotes).
 */
int funcspec__parse(const char *text, struct hc_funcspec *spec, char *err, size_t errlen);
void funcspec__free(struct hc_funcspec *spec);

#endif
