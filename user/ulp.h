/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace hotpatching of one running process: the recipe of
 * tools/docs/design/ulp-redirection.md section 1, for x86-64.
 *
 *   ulp_image__open()     once per policy, no process touched: resolve every old function in
 *                         the target file and every new one in the library, check the target's
 *                         build-id, and check each site with capstone (whole instructions, no
 *                         branch of the function landing inside the overwritten bytes).
 *   ulp_proc__preflight() per process, while it runs: identity (PID + start time), that it
 *                         maps the target (path and inode, same build-id), the expected bytes
 *                         at every site, that ptrace is permitted (yama, seccomp, tracer),
 *                         that the process, as its own user, can open and map the library,
 *                         and that every symbol the library imports resolves in it.
 *   ulp_proc__inject()    a short stop: map the trampoline page within +-2 GiB of the sites,
 *                         dlopen() the library, fill its hotcanary_ref__SYMBOL pointers.
 *   ulp_proc__patch()     stop every thread, check that none is inside the overwritten bytes
 *                         (and, strict, has no frame in an old function), write the 5-byte
 *                         "jmp rel32" after any endbr64, read it back, restore, detach. Busy:
 *                         resume, back off, retry until the deadline; then -EBUSY, untouched.
 *   ulp_proc__unpatch()   the mirror: our bytes must still be there, no thread in a new
 *                         function (strict) or in the overwritten bytes; the original bytes
 *                         go back and are read back. The library stays mapped.
 *   ulp_proc__eject()     after unpatch, once no thread is in the library or the page (nor in
 *                         malloc or the loader): dlclose() the library, unmap the page.
 *
 * Every failure after a change undoes it: registers and memory are restored and every thread
 * is detached. The library does not print; @err gets one line naming the PID and function.
 */
#ifndef HC_ULP_H
#define HC_ULP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ULP_JMP_LEN	    5 /* e9 rel32 */
#define ULP_MAX_FUNCS	    64
/* defaults of struct ulp_spec's timeouts */
#define ULP_DEADLINE_NS	    (5ULL * 1000000000ULL)
#define ULP_CALL_TIMEOUT_NS (5ULL * 1000000000ULL)

struct ulp_spec_func {
	const char *old_sym; /* in the target */
	const char *new_sym; /* in the library */
};

struct ulp_spec {
	const char *library;	 /* the patch library, an absolute path */
	const char *target;	 /* the patched executable or shared library */
	const uint8_t *build_id; /* the target's GNU build-id the policy names */
	size_t build_id_len;
	const struct ulp_spec_func *funcs;
	size_t nr_funcs;
	bool strict;		  /* consistency: strict (no frame in the old function) */
	uint64_t deadline_ns;	  /* activeness retries, per patch or unpatch; 0: default */
	uint64_t call_timeout_ns; /* every injected call; 0: default */
	const uint8_t *sha256;	  /* the library's pin (32 bytes), or NULL for none */
	/*
	 * Where the library is copied, by its sha256, and mapped from (<state dir>/ulp, made
	 * 0711, the copy 0644); NULL: it is mapped where it is (the engine's tests).
	 */
	const char *copy_dir;
};

/* one redirected function in one process; everything recover needs to undo it */
struct ulp_site {
	uint64_t func; /* the old function's address in the process */
	uint64_t func_size;
	uint64_t addr; /* where the jump goes: func, or func + 4 after endbr64 */
	uint8_t orig[ULP_JMP_LEN];
	uint8_t patched[ULP_JMP_LEN]; /* e9 rel32 to the trampoline slot */
	uint64_t new_func;	      /* the new function's address in the process */
	uint64_t new_size;
	uint64_t slot; /* trampoline slot: jmp *0(%rip); .quad new_func */
	/*
	 * a uprobe of the rollout's may hold the first byte (its int3): the bytes count as the
	 * original ones then, and the jump is written over it (patch_func.probe_on_site)
	 */
	bool probed;
};

struct ulp_proc_priv;

struct ulp_proc {
	pid_t pid;
	uint64_t start_time; /* /proc/PID/stat field 22, clock ticks after boot */
	char comm[16];
	bool injected;		/* library and trampoline page are in */
	bool patched;		/* every site holds its jump */
	uint64_t page;		/* the trampoline page */
	uint64_t lib_base;	/* where the library is mapped */
	struct ulp_site *sites; /* nr_funcs of the image, same order */
	size_t nr_sites;
	/* of the last patch or unpatch */
	uint64_t freeze_ns;    /* every thread stopped, for the successful attempt */
	unsigned int attempts; /* stops it took (busy ones included) */
	unsigned int threads;
	bool seccomp_filter;	    /* preflight: a seccomp filter may refuse our syscalls */
	struct ulp_proc_priv *priv; /* engine cache (unwinder); NULL in a journal's copy */
	/* a journal's copy of an injection without sites: the library it names, by path */
	const char *journal_library;
};

struct ulp_image;

int ulp_image__open(struct ulp_image **img, const struct ulp_spec *spec, char *err, size_t len);
/* the absolute path the processes dlopen(): the copy in spec->copy_dir, if there is one */
const char *ulp_image__library(const struct ulp_image *img);
void ulp_image__free(struct ulp_image *img);
/* file offsets, for the uprobes of the arms: old function @i in the target, new in the lib */
uint64_t ulp_image__old_offset(const struct ulp_image *img, size_t i);
uint64_t ulp_image__new_offset(const struct ulp_image *img, size_t i);
/*
 * Old function @i keeps its first instruction: the jump goes after its endbr64, so a uprobe
 * on the function's entry still runs that endbr64 and goes on into the jump
 */
bool ulp_image__entry_kept(const struct ulp_image *img, size_t i);
/* is function @i's probe (past any endbr64) on the first byte the jump overwrites */
bool ulp_image__probe_on_site(const struct ulp_image *img, size_t i);
/* old and new function @i begin with the same instruction; both as text */
bool ulp_image__same_first(const struct ulp_image *img, size_t i, const char **old_first,
			   const char **new_first);

/*
 * -ESRCH no such process (or @start_time given, non-zero, and different); -ENOENT it does
 * not map the target; -EBADF other build-id or inode; -EILSEQ unexpected bytes at a site;
 * -EPERM ptrace not permitted. *@out is a new struct ulp_proc for the other calls.
 */
int ulp_proc__preflight(struct ulp_image *img, pid_t pid, uint64_t start_time,
			struct ulp_proc **out, char *err, size_t len);
int ulp_proc__inject(struct ulp_image *img, struct ulp_proc *p, char *err, size_t len);
/*
 * ulp_proc__inject() in two: a free page within +-2 GiB of the sites for the trampoline,
 * then the injection with it there, so that the journal can name the page first.
 */
int ulp_proc__place(struct ulp_proc *p, uint64_t *page, char *err, size_t len);
int ulp_proc__inject_at(struct ulp_image *img, struct ulp_proc *p, uint64_t page, char *err,
			size_t len);
int ulp_proc__patch(struct ulp_image *img, struct ulp_proc *p, char *err, size_t len);
/*
 * @img may be NULL (recover, from the journal's sites): then the activeness check looks at
 * the new functions' ranges and the overwritten bytes only. Already unpatched (every site
 * holds its original bytes) is success. -ESRCH: the process is gone or is another one now.
 */
int ulp_proc__unpatch(struct ulp_image *img, struct ulp_proc *p, char *err, size_t len);
/*
 * Unload what inject put in @p, which unpatch left with every site original. Not injected is
 * success. -EBUSY: a thread stayed in the library, its page, malloc or the loader until the
 * deadline; -EEXIST: dlclose() left the file mapped (the process dlopen()ed it too, or it is
 * NODELETE), the page is gone. Either way no site leads to what stays, which is harmless.
 * @img may be NULL (revert, recover): the library is then the file mapped at the first site's
 * new function, under the path the process maps it by.
 */
int ulp_proc__eject(struct ulp_image *img, struct ulp_proc *p, char *err, size_t len);
void ulp_proc__free(struct ulp_proc *p);
/* what the calls above allocated in @p, and its sites, but not @p (a journal's copy) */
void ulp_proc__release(struct ulp_proc *p);
/*
 * Read-only, no stop: how many of @p's sites hold the patched bytes and how many the
 * original ones. -ESRCH when the process is gone or its start time differs.
 */
int ulp_proc__probe(const struct ulp_proc *p, unsigned int *patched, unsigned int *orig);

#endif
