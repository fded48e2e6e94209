/* SPDX-License-Identifier: GPL-2.0 */
/* The frames of a stopped thread of another process, with elfutils' libdwfl. */
#ifndef HC_UNWIND_H
#define HC_UNWIND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UNWIND_MAX_FRAMES 256

struct unwind;

/*
 * One per process: it caches what it parsed of every ELF file between stops. The threads
 * must be stopped under ptrace by the caller's thread when they are walked.
 */
int unwind__new(struct unwind **u, pid_t pid);
void unwind__free(struct unwind *u);
/* forget cached unwind info: after a library was mapped or unmapped */
void unwind__flush(struct unwind *u);

/*
 * The frame IPs of stopped thread @tid, innermost (its rip) first; caller frames hold
 * return addresses. Returns the number of frames, or -errno when the walk failed before the
 * outermost frame: the caller cannot know what is on that stack.
 */
int unwind__frames(struct unwind *u, pid_t tid, uint64_t *ips, size_t max);

#endif
