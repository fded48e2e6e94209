/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What user/ulp_image.c learned from the files, and what the per-process steps (ulp_preflight.c,
 * ulp_inject.c, ulp.c) share: not an API.
 */
#ifndef HC_ULP_INT_H
#define HC_ULP_INT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>
#include "elfsym.h"
#include "insn.h"
#include "ulp.h"

/* the bytes from the function's start to the end of the overwritten instructions */
#define ULP_HEAD_MAX 32

struct ulp_image_func {
	char *old_sym;
	char *new_sym;
	struct hc_elfsym old;	    /* in the target file */
	struct hc_elfsym new;	    /* in the library */
	struct insn_site insn;	    /* at the file's addresses (st_value) */
	uint8_t head[ULP_HEAD_MAX]; /* the file's bytes [func, covered_end) */
	size_t head_len;
	/* the instructions old and new are probed on ("?": no decode) */
	char old_first[64], new_first[64];
	bool same_first; /* probes of the same cost (insn__same_probe_cost()) */
	size_t old_skip; /* old's probe, from its entry (insn__probe_skip()) */
};

/* a hotcanary_ref__SYMBOL pointer of the library and the target's SYMBOL it gets */
struct ulp_image_ref {
	char *name;	       /* SYMBOL */
	uint64_t lib_vaddr;    /* the pointer variable, st_value in the library */
	uint64_t target_vaddr; /* SYMBOL's st_value in the target */
};

struct ulp_image {
	char *library; /* realpath: what the processes map, the copy if there is one */
	char *source;  /* realpath of the spec's library */
	char *target;
	dev_t lib_dev;
	ino_t lib_ino;
	dev_t target_dev;
	ino_t target_ino;
	char build_id[41];
	bool strict;
	uint64_t deadline_ns;
	uint64_t call_timeout_ns;
	struct ulp_image_func *f;
	size_t nr;
	struct ulp_image_ref *refs;
	size_t nr_refs;
};

/* ---- shared by the per-process steps ---------------------------------------------------- */

struct tracee;
struct unwind;

/* the trampoline page: the call stub, one slot per function, the library's path */
#define PAGE_SIZE_ 4096
#define PAGE_STUB  0
#define PAGE_SLOTS 64
#define SLOT_SIZE  16
#define PAGE_PATH  (PAGE_SLOTS + ULP_MAX_FUNCS * SLOT_SIZE)
#define SLOT_LEN   14 /* ff 25 00 00 00 00 + imm64 */

#define BACKOFF_MIN_NS	(1000ULL * 1000)
#define BACKOFF_MAX_NS	(100ULL * 1000 * 1000)
/* a stop is short; a thread that takes this long to stop is in trouble (D state) */
#define STOP_TIMEOUT_NS (1000ULL * 1000 * 1000)

struct ulp_proc_priv {
	struct unwind *uw;
};

/* an address range that a thread must have no frame in */
struct range {
	uint64_t lo;
	uint64_t hi;
	bool body;  /* a function body: return addresses count as ret - 1 */
	size_t idx; /* the function it belongs to */
};

struct activeness {
	const struct range *r;
	size_t nr;
	uint64_t uprobes_lo; /* the [uprobes] page: a uretprobe hides what is above it */
	uint64_t uprobes_hi;
	/* out: what was found */
	size_t idx;
	pid_t tid;
	bool unknown;
};

static inline void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline const char *secs(uint64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f s", (double)ns / 1e9);
	return buf;
}

/* ulp_preflight.c: the pid is still the process first seen (p->start_time, set if 0) */
int ulp__check_identity(struct ulp_proc *p, char *err, size_t len);
/*
 * ulp.c: @p's unwinder, set up on first use, once the pid is known to be still @p
 * (ulp__check_identity()); @err says which failed
 */
int ulp__unwinder(struct ulp_proc *p, struct unwind **uw, char *err, size_t len);
/* 0: no thread in any range; -EBUSY: one is (a->idx, a->tid, a->unknown say which) */
int ulp__activeness(struct tracee *tr, struct unwind *uw, struct activeness *a);
/*
 * ulp_access.c: can @p, with its own credentials and root, open img->library and map it
 * executable, as its dlopen() must? -EACCES with the user, the file and the remedy.
 */
int ulp__check_access(const struct ulp_image *img, const struct ulp_proc *p, char *err, size_t len);
/*
 * ulp_imports.c: does every symbol img->library imports resolve in @p, against what it maps
 * and the fix's needed libraries as its loader would find them? -ENOENT naming the symbol or
 * the library, and the remedy.
 */
int ulp__check_imports(const struct ulp_image *img, const struct ulp_proc *p, char *err,
		       size_t len);
/* ulp.c: the process's [uprobes] page into @a, 0-0 if none */
void ulp__uprobes_range(pid_t pid, struct activeness *a);

#endif
