/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The nearest traceable callers of a kernel function that cannot be traced itself (notrace,
 * noinstr): direct calls and jumps to it found in the live kernel text (/proc/kcore), walked
 * up through callers that cannot be traced either, so that check 4 names what to watch
 * instead of only refusing.
 */
#ifndef HC_KCALLERS_H
#define HC_KCALLERS_H

#include <stddef.h>
#include <stdint.h>

#define KCALLERS_MAX_DEPTH 3

struct kcaller {
	char *name;
	char *module;	    /* NULL: vmlinux */
	unsigned int depth; /* 1: calls the function itself; 2: calls such a caller; ... */
};

struct kcallers {
	struct kcaller *c; /* the traceable callers, nearest first */
	size_t n;
	size_t sites;	    /* direct call sites of the function itself */
	size_t scanned;	    /* bytes of kernel text read */
	size_t untraceable; /* callers met that cannot be watched, walked past */
	size_t uncovered;   /* of those, how many are still unwatched at the depth limit */
};

/*
 * Pure: the direct calls and jumps (call, jmp and jcc with a 32-bit displacement) in @code, a
 * function's bytes as they are at @addr, that land on one of the @nt sorted addresses
 * @targets. Only real instruction boundaries count: a byte pattern inside another
 * instruction is not a call. Returns how many; -ENOMEM if capstone cannot start.
 */
int kcallers__scan(const uint8_t *code, size_t size, uint64_t addr, const uint64_t *targets,
		   size_t nt);

/*
 * Where callers are searched: @kallsyms, @kcore and @filter are the paths of /proc/kallsyms,
 * /proc/kcore and tracefs available_filter_functions, read once, on the first search, and
 * kept for the next ones (check 4 asks for every untraceable function it meets).
 */
struct kcallers_text;
struct kcallers_src {
	const char *kallsyms, *kcore, *filter;
	struct kcallers_text *text; /* private: what was read */
	int err;		    /* private: why it could not be, sticky */
	const char *what;	    /* private: the file that failed */
};

void kcallers_src__init(struct kcallers_src *src, const char *kallsyms, const char *kcore,
			const char *filter);
void kcallers_src__free(struct kcallers_src *src);

/*
 * The nearest watchable callers of @name (in @module, or vmlinux if NULL) on every path of
 * direct calls up to KCALLERS_MAX_DEPTH calls long: traceable by ftrace, and named by no other
 * function (the monitor attaches by name). Calls through pointers are not seen. 0, or -errno
 * with *@what naming the file that failed (-EPERM: kallsyms addresses hidden, not root).
 */
int kcallers__find(struct kcallers_src *src, const char *name, const char *module,
		   struct kcallers *out, const char **what);
void kcallers__free(struct kcallers *k);

/*
 * What to watch instead of @name, which cannot be traced, as one clause for an error
 * message: its nearest watchable callers, or why there are none, or why they were not
 * searched (in @buf, @len bytes).
 */
void kcallers__describe(struct kcallers_src *src, const char *name, const char *module, char *buf,
			size_t len);

#endif
