/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/PID helpers: identity (start time, comm), threads, memory map, status fields and
 * memory reads. The parsers take strings and touch no file, so they can be unit-tested.
 */
#ifndef HC_PROC_H
#define HC_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_map {
	uint64_t start;
	uint64_t end;
	uint64_t pgoff;
	unsigned int dev_major;
	unsigned int dev_minor;
	uint64_t inode;
	char perms[5]; /* "r-xp" */
	char *path;    /* "" for anonymous; "[vdso]", "[heap]", a file (maybe " (deleted)") */
};

struct proc_maps {
	struct proc_map *v; /* sorted by address, as the kernel lists them */
	size_t n;
};

/*
 * Parse one line of /proc/PID/maps. @line is modified (the trailing newline goes) and
 * m->path points into it. Returns 0 or -EINVAL.
 */
int proc_map__parse(char *line, struct proc_map *m);
bool proc_map__is_exec(const struct proc_map *m);

int proc_maps__read(pid_t pid, struct proc_maps *maps);
/* parse a whole maps text, for tests and for callers that read it themselves */
int proc_maps__parse(const char *text, struct proc_maps *maps);
void proc_maps__free(struct proc_maps *maps);
/* the mapping of file (dev, inode) that covers file offset @off; NULL if none */
const struct proc_map *
proc_maps__find_file(const struct proc_maps *maps, uint64_t dev, uint64_t inode, uint64_t off);
/* any mapping of file (dev, inode); NULL if none */
const struct proc_map *
proc_maps__find_inode(const struct proc_maps *maps, uint64_t dev, uint64_t inode);
/* the mapping at address @addr; NULL if none */
const struct proc_map *proc_maps__find_addr(const struct proc_maps *maps, uint64_t addr);
/* the first mapping whose path is exactly @path ("[vdso]") or, @base, whose basename starts so */
const struct proc_map *
proc_maps__find_path(const struct proc_maps *maps, const char *path, bool base);
/* where file offset @off of (dev, inode) is in the process: 0 or -ENOENT */
int proc_maps__addr_of(const struct proc_maps *maps, uint64_t dev, uint64_t inode, uint64_t off,
		       uint64_t *addr);
/*
 * A free, page-aligned range of @size bytes whose every byte is within +-2 GiB (a rel32) of
 * every byte of [@lo, @hi), with a guard page on both sides. Below @lo is preferred: above a
 * PIE's text lies its heap, and brk must keep room to grow. 0 or -ENOSPC.
 */
int proc_maps__free_near(const struct proc_maps *maps, uint64_t lo, uint64_t hi, uint64_t size,
			 uint64_t *addr);

/*
 * /proc/PID/stat: comm (in parentheses, may itself hold spaces and ')') and field 22, the
 * start time in clock ticks after boot. 0 or -EINVAL.
 */
int proc_stat__parse(const char *buf, char *comm, size_t comm_len, uint64_t *start_time);
int proc__start_time(pid_t pid, uint64_t *start_time);
int proc__comm(pid_t pid, char *comm, size_t len);
/* @pid is still the process started at @start_time, and not on its way out */
bool proc__running(pid_t pid, uint64_t start_time);

/* the value of "@key:\t123" in a /proc/PID/status text; 0, -ENOENT or -EINVAL */
int proc_status__parse(const char *text, const char *key, long long *val);
int proc__status(pid_t pid, const char *key, long long *val);

/*
 * Every process but the caller that @match accepts, in PID order: *@pids is malloc'd. 0 or
 * -errno.
 */
int proc__find(bool (*match)(pid_t pid, void *ctx), void *ctx, pid_t **pids, size_t *n);
/*
 * Every process but the caller that maps the file @dev/@inode, in PID order. Processes that
 * exit or deny their maps meanwhile are left out.
 */
int proc__mappers(uint64_t dev, uint64_t inode, pid_t **pids, size_t *n);

/* the thread ids in /proc/PID/task, sorted; *@tids is malloc'd. 0 or -errno */
int proc__tids(pid_t pid, pid_t **tids, size_t *n);

/* read @n bytes at @addr of @pid through /proc/PID/mem: 0, or -errno (-EIO: short) */
int proc__mem_read(pid_t pid, uint64_t addr, void *buf, size_t n);

#endif
