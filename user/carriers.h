/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The processes that carry a ulp fix without a journal record of their own: fork() copies a
 * patched process's memory, so a child carries its parent's patch at the same addresses
 * (the workers a patched master starts on a reload or a respawn, a connection's process of a
 * patched server). A rollback and 'hotcanary revert' find them by the fix library they map
 * (the copy named by its sha256, which nothing else maps) and take the fix out of them too.
 */
#ifndef HC_CARRIERS_H
#define HC_CARRIERS_H

#include <stddef.h>
#include <sys/types.h>
#include "steps.h"
#include "ulp.h"

struct carrier {
	/* its pid, start time and comm; the sites of the known process it matched */
	struct ulp_proc p;
	pid_t like;	      /* that known process; 0: its sites match none (left alone) */
	unsigned int patched; /* its sites that hold the jump */
};

/*
 * Every process that maps @library, is none of @known (PID and start time) and descends
 * from one of them: each gets the sites of the first known process whose bytes it holds at
 * every site, patched or original. *@out is malloc'd (carriers__free()). 0 or -errno.
 */
int carriers__find(struct ulp_proc *const *known, size_t nk, const char *library,
		   struct carrier **out, size_t *n);
/*
 * Take the fix out of @c: its sites restored (journaled through @s, as a revert of its own),
 * then the library and trampoline page unloaded. @err says what was done or what is left.
 */
int carrier__take_back(struct steps *s, struct carrier *c, const char *library, char *err,
		       size_t len);
void carriers__free(struct carrier *c, size_t n);

#endif
