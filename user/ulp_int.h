/* SPDX-License-Identifier: GPL-2.0 */
/* What user/ulp_image.c learned from the files, for user/ulp.c: not an API. */
#ifndef HC_ULP_INT_H
#define HC_ULP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "elfsym.h"
#include "insn.h"
#include "ulp.h"

/* the bytes from the function's start to the end of the overwritten instructions */
#define ULP_HEAD_MAX	32

struct ulp_image_func {
	char *old_sym;
	char *new_sym;
	struct hc_elfsym old;		/* in the target file */
	struct hc_elfsym new;		/* in the library */
	struct insn_site insn;		/* at the file's addresses (st_value) */
	uint8_t head[ULP_HEAD_MAX];	/* the file's bytes [func, covered_end) */
	size_t head_len;
};

/* a hotcanary_ref__SYMBOL pointer of the library and the target's SYMBOL it gets */
struct ulp_image_ref {
	char *name;			/* SYMBOL */
	uint64_t lib_vaddr;		/* the pointer variable, st_value in the library */
	uint64_t target_vaddr;		/* SYMBOL's st_value in the target */
};

struct ulp_image {
	char *library;			/* realpath */
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

#endif
