/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's symbol lists (kallsyms, tracefs available_filter_functions and
 * enabled_functions, kprobes/blacklist), read in one pass that answers every query: what the
 * compatibility checks look functions up in.
 */
#ifndef HC_SYMFILE_H
#define HC_SYMFILE_H

#include <stdbool.h>
#include <stddef.h>

struct symq {
	const char *name;
	const char *obj; /* NULL: any object; "vmlinux": the kernel proper; else a module */
	int count;
	bool flag_i, flag_d, klp; /* enabled_functions: IPMODIFY, direct, klp handler */
};

enum symfile {
	SYM_KALLSYMS,  /* "addr t name\t[mod]": text symbols only */
	SYM_FILTER,    /* available_filter_functions: "name [mod]" */
	SYM_BLACKLIST, /* kprobes/blacklist: "start-end\tname [mod]" */
};

/* count in @path the lines for each query; 0, or -errno if the file cannot be read */
int symfile__count(const char *path, enum symfile kind, struct symq *q, size_t n);
/*
 * tracefs enabled_functions: each query's lines and flags (IPMODIFY, direct, the klp
 * handler); 0 or -errno
 */
int symfile__enabled(const char *path, struct symq *q, size_t n);

#endif
