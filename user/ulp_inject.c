// SPDX-License-Identifier: GPL-2.0
/*
 * Injection: with the process stopped outside malloc and the loader, map the trampoline page
 * near the patched functions and dlopen() the fix library into it through glibc; fill the
 * page's slots and the library's hotcanary_ref__ pointers. No function is redirected yet.
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include "elfsym.h"
#include "proc.h"
#include "sigframe.h"
#include "tracee.h"
#include "ulp_int.h"
#include "unwind.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
/* glibc < 2.34 only has the internal entry point, which wants this flag beside RTLD_NOW */
#define RTLD_DLOPEN_INTERNAL 0x80000000

#define DLERROR_MAX   512
/* struct range's idx for the library and the page in quiet(); the unsafe ranges have 0 */
#define QUIET_LIBRARY 1

static const char *const as_unsafe[] = {
	"malloc",
	"free",
	"calloc",
	"realloc",
	"reallocarray",
	"memalign",
	"posix_memalign",
	"aligned_alloc",
	"valloc",
	"pvalloc",
	"malloc_trim",
	"malloc_usable_size",
	"mallinfo",
	"mallinfo2",
	"malloc_stats",
	"malloc_info",
	"mallopt",
	"fork",
	"_Fork",
	"dl_iterate_phdr",
	"dlopen",
	"dlclose",
	"dlsym",
	"dlvsym",
	"dladdr",
	"dladdr1",
	"dlinfo",
	"dlmopen",
	"__libc_dlopen_mode",
	"__libc_dlsym",
	"__libc_dlclose",
};

struct libc_info {
	uint64_t dlopen;
	bool internal; /* __libc_dlopen_mode */
	uint64_t dlerror;
	uint64_t dlclose;
	struct tracee_gadgets gadgets;
	struct range *unsafe; /* loader text, malloc family */
	size_t nr_unsafe;
};

static int add_range(struct libc_info *li, uint64_t lo, uint64_t hi)
{
	struct range *nr = realloc(li->unsafe, (li->nr_unsafe + 1) * sizeof(*nr));

	if (!nr)
		return -ENOMEM;
	li->unsafe = nr;
	nr[li->nr_unsafe++] = (struct range){ .lo = lo, .hi = hi, .body = true };
	return 0;
}

static uint64_t map_dev(const struct proc_map *m)
{
	return makedev(m->dev_major, m->dev_minor);
}

/* @name of the libc mapped at @libc, read from @file (its path as the process sees it) */
static int libc_sym(const struct proc_maps *maps, const struct proc_map *libc, const char *file,
		    const char *name, uint64_t *addr, uint64_t *size)
{
	struct hc_elfsym s;
	char why[256];

	if (elfsym__resolve(file, name, &s, why, sizeof(why)))
		return -ENOENT;
	if (size)
		*size = s.size;
	return proc_maps__addr_of(maps, map_dev(libc), libc->inode, s.offset, addr);
}

/*
 * In glibc's executable mappings: a "syscall; ret" (any 0f 05 c3 executes as one when
 * jumped to; getpid() is one) and __restore_rt, the way back of a remote system call.
 */
static int find_gadgets(pid_t pid, const struct proc_maps *maps, const struct proc_map *libc,
			struct tracee_gadgets *g)
{
	static const uint8_t restorer[] = SIGFRAME_RESTORER;
	size_t i, j, n;
	uint8_t *buf;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < maps->n && !(g->syscall_ret && g->restorer); i++) {
		const struct proc_map *m = &maps->v[i];

		if (m->inode != libc->inode || map_dev(m) != map_dev(libc) || !proc_map__is_exec(m))
			continue;
		n = m->end - m->start;
		buf = malloc(n);
		if (!buf)
			return -ENOMEM;
		if (proc__mem_read(pid, m->start, buf, n)) {
			free(buf);
			return -EIO;
		}
		for (j = 0; j + sizeof(restorer) <= n; j++) {
			if (!g->syscall_ret && buf[j] == 0x0f && buf[j + 1] == 0x05 &&
			    buf[j + 2] == 0xc3)
				g->syscall_ret = m->start + j;
			if (!g->restorer && !memcmp(buf + j, restorer, sizeof(restorer)))
				g->restorer = m->start + j;
		}
		free(buf);
	}
	return g->syscall_ret && g->restorer ? 0 : -ENOENT;
}

static int libc_info__get(pid_t pid, const struct proc_maps *maps, struct libc_info *li, char *err,
			  size_t len)
{
	const struct proc_map *libc = proc_maps__find_path(maps, "libc.so.6", true);
	char file[PATH_MAX + 64];
	uint64_t a, sz;
	size_t i;

	memset(li, 0, sizeof(*li));
	if (!libc)
		libc = proc_maps__find_path(maps, "libc-", true);
	if (!libc) {
		snprintf(err, len, "pid %d: maps no glibc; only glibc processes can load a patch",
			 pid);
		return -ENOENT;
	}
	/* its own mount namespace: the path as the process sees it */
	snprintf(file, sizeof(file), "/proc/%d/root%s", pid, libc->path);
	if (!libc_sym(maps, libc, file, "dlopen", &li->dlopen, NULL)) {
		li->internal = false;
	} else if (!libc_sym(maps, libc, file, "__libc_dlopen_mode", &li->dlopen, NULL)) {
		li->internal = true;
	} else {
		snprintf(err, len, "pid %d: no dlopen in its libc '%s'", pid, libc->path);
		return -ENOENT;
	}
	if (libc_sym(maps, libc, file, "dlerror", &li->dlerror, NULL))
		li->dlerror = 0;
	if (libc_sym(maps, libc, file, "dlclose", &li->dlclose, NULL))
		li->dlclose = 0;
	for (i = 0; i < sizeof(as_unsafe) / sizeof(as_unsafe[0]); i++)
		if (!libc_sym(maps, libc, file, as_unsafe[i], &a, &sz) && sz &&
		    add_range(li, a, a + sz))
			goto nomem;
	for (i = 0; i < maps->n; i++) {
		const struct proc_map *m = &maps->v[i];
		const char *slash = strrchr(m->path, '/');

		if (slash && !strncmp(slash + 1, "ld-linux", 8) && proc_map__is_exec(m) &&
		    add_range(li, m->start, m->end))
			goto nomem;
	}
	if (find_gadgets(pid, maps, libc, &li->gadgets)) {
		snprintf(err, len,
			 "pid %d: found no \"syscall; ret\" or no __restore_rt in its libc '%s', "
			 "which a remote system call returns through",
			 pid, libc->path);
		return -ENOENT;
	}
	return 0;
nomem:
	snprintf(err, len, "pid %d: out of memory", pid);
	return -ENOMEM;
}

/* a string of the process: read in small pieces, it may end just before unmapped memory */
static int remote_string(struct tracee *tr, uint64_t addr, char *out, size_t len)
{
	size_t got = 0, i;

	if (!addr)
		return -EFAULT;
	out[0] = '\0';
	while (got + 1 < len) {
		size_t k = len - 1 - got < 64 ? len - 1 - got : 64;

		if (tracee__read(tr, addr + got, out + got, k)) {
			out[got] = '\0';
			break;
		}
		if (memchr(out + got, '\0', k))
			break;
		got += k;
	}
	out[len - 1] = '\0';
	for (i = 0; out[i]; i++)
		if (out[i] == '\n')
			out[i] = ' ';
	return out[0] ? 0 : -EFAULT;
}

static void make_slot(uint8_t *slot, uint64_t target)
{
	static const uint8_t jmp_abs[] = { 0xff, 0x25, 0, 0, 0, 0 };

	/* jmp *0(%rip): reaches anywhere and clobbers no register */
	memcpy(slot, jmp_abs, sizeof(jmp_abs));
	memcpy(slot + sizeof(jmp_abs), &target, sizeof(target));
}

static void make_jump(uint8_t *out, uint64_t from, uint64_t to)
{
	int32_t rel = (int32_t)(int64_t)(to - (from + ULP_JMP_LEN));

	out[0] = 0xe9;
	memcpy(out + 1, &rel, sizeof(rel));
}

/* the trampoline page, as the mmap of inject_stopped() leaves it */
static bool is_our_page(pid_t pid, uint64_t page)
{
	struct proc_maps maps;
	const struct proc_map *m;
	bool ours;

	if (proc_maps__read(pid, &maps))
		return false;
	m = proc_maps__find_addr(&maps, page);
	ours = m && m->start == page && m->end == page + PAGE_SIZE_ && !m->inode &&
	       !strcmp(m->perms, "r-xp") && !m->path[0];
	proc_maps__free(&maps);
	return ours;
}

/*
 * Take the trampoline page out again, on a failure of inject_stopped(). @known: the mmap's
 * result was read, the page is ours. Otherwise it may or may not have run: the page is ours
 * if an anonymous r-x page sits exactly there, since it was free when chosen and
 * MAP_FIXED_NOREPLACE maps over nothing. On failure @err gets a note appended: the process
 * keeps an executable page that nothing uses.
 */
static void unmap_page(struct ulp_image *img, struct tracee *tr, const struct libc_info *li,
		       uint64_t page, bool known, char *err, size_t len)
{
	uint64_t args[6] = { page, PAGE_SIZE_ };
	char why[256];
	size_t l = strlen(err);
	int64_t r = 0;
	int ret;

	if (!known && !is_our_page(tr->pid, page))
		return;
	ret = tracee__syscall(tr, &li->gadgets, SYS_munmap, args, &r, img->call_timeout_ns, why,
			      sizeof(why));
	if (!ret && r < 0)
		snprintf(why, sizeof(why), "munmap: %s", strerror((int)-r));
	if ((ret || r < 0) && l < len)
		snprintf(err + l, len - l,
			 "; the trampoline page at 0x%" PRIx64 " is still "
			 "mapped (%s)",
			 page, why);
}

/*
 * Everything done with the process stopped: the caller checked the lock state. On failure
 * whatever was changed is undone before returning, the trampoline page unmapped; the library,
 * once dlopen() returned it, is dlclose()d.
 */
static int inject_stopped(struct ulp_image *img, struct ulp_proc *p, struct tracee *tr,
			  const struct libc_info *li, uint64_t page, char *err, size_t len)
{
	uint64_t args[6] = { 0 }, handle = 0, lib_bias, target_bias, addr;
	static const uint8_t stub[] = TRACEE_STUB;
	uint8_t buf[PAGE_SIZE_] = { 0 };
	const struct proc_map *m;
	struct proc_maps maps = { 0 };
	int64_t r;
	size_t i;
	int ret;

	args[0] = page;
	args[1] = PAGE_SIZE_;
	args[2] = PROT_READ | PROT_EXEC;
	args[3] = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;
	args[4] = (uint64_t)-1;
	ret = tracee__syscall(tr, &li->gadgets, SYS_mmap, args, &r, img->call_timeout_ns, err, len);
	if (ret) {
		/* it may have run before the thread timed out or trapped */
		unmap_page(img, tr, li, page, false, err, len);
		return ret;
	}
	if ((uint64_t)r != page) {
		int64_t got = r;

		snprintf(err, len, "pid %d: cannot map the trampoline page at 0x%" PRIx64 ": %s",
			 p->pid, page, r < 0 ? strerror((int)-r) : "placed elsewhere");
		/* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
		if (got > 0)
			unmap_page(img, tr, li, (uint64_t)got, true, err, len);
		return -ENOMEM;
	}
	memcpy(buf + PAGE_STUB, stub, sizeof(stub));
	memcpy(buf + PAGE_PATH, img->library, strlen(img->library) + 1);
	ret = tracee__write(tr, page, buf, PAGE_PATH + strlen(img->library) + 1);
	if (ret) {
		snprintf(err, len, "pid %d: cannot write the trampoline page: %s", p->pid,
			 strerror(-ret));
		goto unmap;
	}
	memset(args, 0, sizeof(args));
	args[0] = page + PAGE_PATH;
	args[1] = RTLD_NOW | (li->internal ? RTLD_DLOPEN_INTERNAL : 0);
	ret = tracee__call(tr, page + PAGE_STUB, li->dlopen, args, &handle, img->call_timeout_ns,
			   err, len);
	if (ret)
		goto unmap;
	if (!handle) {
		char msg[DLERROR_MAX] = "";
		uint64_t s = 0;

		memset(args, 0, sizeof(args));
		if (li->dlerror && !tracee__call(tr, page + PAGE_STUB, li->dlerror, args, &s,
						 img->call_timeout_ns, err, len))
			remote_string(tr, s, msg, sizeof(msg));
		snprintf(err, len, "pid %d: dlopen('%s') failed: %s", p->pid, img->library,
			 msg[0] ? msg : "no reason given");
		ret = -ENOEXEC;
		goto unmap;
	}
	ret = proc_maps__read(p->pid, &maps);
	if (ret) {
		snprintf(err, len, "pid %d: cannot read its memory map: %s", p->pid,
			 strerror(-ret));
		goto close;
	}
	m = proc_maps__find_inode(&maps, img->lib_dev, img->lib_ino);
	if (!m) {
		snprintf(err, len,
			 "pid %d: dlopen('%s') succeeded but the file is not mapped (a "
			 "different file in its mount namespace?)",
			 p->pid, img->library);
		ret = -ENOENT;
		goto close;
	}
	p->lib_base = m->start - m->pgoff;
	ret = -ENOENT;
	if (proc_maps__addr_of(&maps, img->lib_dev, img->lib_ino, img->f[0].new.offset, &addr))
		goto notmapped;
	lib_bias = addr - img->f[0].new.vaddr;
	target_bias = p->sites[0].func - img->f[0].old.vaddr;
	for (i = 0; i < img->nr; i++) {
		struct ulp_site *s = &p->sites[i];

		if (proc_maps__addr_of(&maps, img->lib_dev, img->lib_ino, img->f[i].new.offset,
				       &s->new_func))
			goto notmapped;
		s->new_size = img->f[i].new.size;
		s->slot = page + PAGE_SLOTS + i * SLOT_SIZE;
		make_slot(buf + PAGE_SLOTS + i * SLOT_SIZE, s->new_func);
		make_jump(s->patched, s->addr, s->slot);
	}
	for (i = 0; i < img->nr_refs; i++) {
		uint64_t where = lib_bias + img->refs[i].lib_vaddr;
		uint64_t what = target_bias + img->refs[i].target_vaddr;

		ret = tracee__write(tr, where, &what, sizeof(what));
		if (ret) {
			snprintf(err, len,
				 "pid %d: cannot set hotcanary_ref__%s at 0x%" PRIx64 ": %s",
				 p->pid, img->refs[i].name, where, strerror(-ret));
			goto close;
		}
	}
	ret = tracee__write(tr, page + PAGE_SLOTS, buf + PAGE_SLOTS, img->nr * SLOT_SIZE);
	if (ret) {
		snprintf(err, len, "pid %d: cannot write the trampoline slots: %s", p->pid,
			 strerror(-ret));
		goto close;
	}
	proc_maps__free(&maps);
	p->page = page;
	return 0;
notmapped:
	snprintf(err, len, "pid %d: a function of '%s' is not mapped after dlopen", p->pid,
		 img->library);
close:
	proc_maps__free(&maps);
	if (li->dlclose) {
		char ignore[64];

		memset(args, 0, sizeof(args));
		args[0] = handle;
		tracee__call(tr, page + PAGE_STUB, li->dlclose, args, &handle, img->call_timeout_ns,
			     ignore, sizeof(ignore));
	}
unmap:
	unmap_page(img, tr, li, page, true, err, len);
	return ret;
}

/* what inject and eject start from: @p's unwinder, its memory map, its libc's entry points */
static int proc_setup(struct ulp_proc *p, struct unwind **uw, struct proc_maps *maps,
		      struct libc_info *li, char *err, size_t len)
{
	int ret;

	ret = ulp__unwinder(p, uw, err, len);
	if (ret)
		return ret;
	ret = proc_maps__read(p->pid, maps);
	if (ret) {
		snprintf(err, len, "pid %d: cannot read its memory map: %s", p->pid,
			 strerror(-ret));
		return ret;
	}
	ret = libc_info__get(p->pid, maps, li, err, len);
	if (ret) {
		free(li->unsafe); /* what it found before it failed */
		proc_maps__free(maps);
	}
	return ret;
}

/* what to do with the process stopped and no thread in the ranges of quiet() */
typedef int (*quiet_fn)(struct ulp_image *img, struct ulp_proc *p, struct tracee *tr,
			const struct libc_info *li, uint64_t page, char *err, size_t len);

/*
 * Stop @p until no thread is in one of the ranges @a (malloc, the loader and what the caller
 * adds), then run @fn, backing off between tries until img->deadline_ns; -EBUSY after it,
 * the error ending with @left (what that leaves).
 */
static int quiet(struct ulp_image *img, struct ulp_proc *p, struct unwind *uw, struct activeness *a,
		 const struct libc_info *li, uint64_t page, quiet_fn fn, const char *left,
		 char *err, size_t len)
{
	uint64_t start = tracee__now_ns(), backoff = BACKOFF_MIN_NS;
	struct tracee tr;
	char t[32];
	int ret;

	for (p->attempts = 1;; p->attempts++) {
		ulp__uprobes_range(p->pid, a);
		ret = tracee__stop(&tr, p->pid, STOP_TIMEOUT_NS, err, len);
		if (ret)
			return ret;
		/* a thread holding the loader's or malloc's lock would deadlock dlopen */
		ret = ulp__activeness(&tr, uw, a);
		if (!ret) {
			p->threads = (unsigned int)tr.nr;
			ret = fn(img, p, &tr, li, page, err, len);
			unwind__flush(uw);
			tracee__release(&tr, NULL, 0);
			p->freeze_ns = tr.freeze_ns;
			return ret;
		}
		tracee__release(&tr, NULL, 0);
		if (tracee__now_ns() - start >= img->deadline_ns) {
			snprintf(err, len, "pid %d: thread %d is %s after %s; %s", p->pid, a->tid,
				 a->unknown ? "on a stack that cannot be walked (uretprobe or no "
					      "unwind info)" :
				 a->idx == QUIET_LIBRARY ? "inside the fix library" :
							   "inside malloc or the dynamic loader",
				 secs(img->deadline_ns, t, sizeof(t)), left);
			return -EBUSY;
		}
		sleep_ns(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : backoff * 2;
	}
}

int ulp_proc__place(struct ulp_proc *p, uint64_t *page, char *err, size_t len)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	struct proc_maps maps;
	size_t i;
	int ret;

	ret = proc_maps__read(p->pid, &maps);
	if (ret) {
		snprintf(err, len, "pid %d: cannot read its memory map: %s", p->pid,
			 strerror(-ret));
		return ret;
	}
	for (i = 0; i < p->nr_sites; i++) {
		lo = p->sites[i].addr < lo ? p->sites[i].addr : lo;
		hi = p->sites[i].addr + ULP_JMP_LEN > hi ? p->sites[i].addr + ULP_JMP_LEN : hi;
	}
	ret = proc_maps__free_near(&maps, lo, hi, PAGE_SIZE_, page);
	if (ret)
		snprintf(err, len, "pid %d: no free page within 2 GiB of the patched functions",
			 p->pid);
	proc_maps__free(&maps);
	return ret;
}

int ulp_proc__inject(struct ulp_image *img, struct ulp_proc *p, char *err, size_t len)
{
	uint64_t page;
	int ret;

	if (p->injected)
		return 0;
	ret = ulp_proc__place(p, &page, err, len);
	return ret ?: ulp_proc__inject_at(img, p, page, err, len);
}

int ulp_proc__inject_at(struct ulp_image *img, struct ulp_proc *p, uint64_t page, char *err,
			size_t len)
{
	struct activeness a = { 0 };
	struct proc_maps maps;
	struct libc_info li;
	struct unwind *uw;
	int ret;

	if (p->injected)
		return 0;
	ret = proc_setup(p, &uw, &maps, &li, err, len);
	if (ret)
		return ret;
	a.r = li.unsafe;
	a.nr = li.nr_unsafe;
	ret = quiet(img, p, uw, &a, &li, page, inject_stopped, "nothing was loaded, retry later",
		    err, len);
	if (!ret)
		p->injected = true;
	free(li.unsafe);
	proc_maps__free(&maps);
	return ret;
}

/*
 * With the process stopped and no thread in the library or the page: the handle back from
 * dlopen(RTLD_NOLOAD), which takes a reference, and two dlclose()s, for it and inject's; then
 * the page. A library that stays mapped (the process dlopen()ed it too, or it is NODELETE) is
 * said, and is as harmless as before: no site leads to it.
 */
static int eject_stopped(struct ulp_image *img, struct ulp_proc *p, struct tracee *tr,
			 const struct libc_info *li, uint64_t page, char *err, size_t len)
{
	static const uint8_t stub[] = TRACEE_STUB;
	size_t n = strlen(img->library) + 1;
	uint64_t args[6] = { 0 }, handle = 0, rc;
	struct proc_maps maps;
	int ret, k;

	if (n > PAGE_SIZE_ - PAGE_PATH) {
		snprintf(err, len, "pid %d: the library's path is too long for the trampoline page",
			 p->pid);
		return -ENAMETOOLONG;
	}
	/* the stub too: the page may be an older hotcanary's, with another */
	ret = tracee__write(tr, page + PAGE_STUB, stub, sizeof(stub));
	if (!ret)
		ret = tracee__write(tr, page + PAGE_PATH, img->library, n);
	if (ret) {
		snprintf(err, len, "pid %d: cannot write the trampoline page: %s", p->pid,
			 strerror(-ret));
		return ret;
	}
	args[0] = page + PAGE_PATH;
	args[1] = RTLD_NOW | RTLD_NOLOAD | (li->internal ? RTLD_DLOPEN_INTERNAL : 0);
	ret = tracee__call(tr, page + PAGE_STUB, li->dlopen, args, &handle, img->call_timeout_ns,
			   err, len);
	/*
	 * From the first dlclose() on, the slots may lead into an unloaded library: whatever
	 * fails below, a later patch must inject again, never reuse them.
	 */
	if (!ret && handle)
		p->injected = false;
	for (k = 0; !ret && handle && k < 2; k++) {
		memset(args, 0, sizeof(args));
		args[0] = handle;
		ret = tracee__call(tr, page + PAGE_STUB, li->dlclose, args, &rc,
				   img->call_timeout_ns, err, len);
	}
	if (ret)
		return ret;
	err[0] = '\0';
	unmap_page(img, tr, li, page, true, err, len);
	if (err[0]) {
		/* "; the trampoline page ... is still mapped (...)" */
		memmove(err, err + 2, strlen(err + 2) + 1);
		return -EIO;
	}
	p->injected = false;
	p->page = 0;
	/* dlclose() returned; whether the file went too, the map says, if it can be read */
	if (proc_maps__read(p->pid, &maps))
		return 0;
	if (proc_maps__find_inode(&maps, img->lib_dev, img->lib_ino)) {
		snprintf(err, len,
			 "pid %d: '%s' is still mapped after dlclose() (the process holds it "
			 "too, or it cannot be unloaded); no site leads to it",
			 p->pid, img->library);
		ret = -EEXIST;
	} else {
		p->lib_base = 0;
	}
	proc_maps__free(&maps);
	return ret;
}

/*
 * Without the policy's image (revert, recover: the journal's sites): the library is the file
 * mapped where the first new function is, by the path the process maps it with; the page is
 * where the first slot is; the default deadline and call timeout.
 */
static int journal_image(struct ulp_image *img, struct ulp_proc *p, const struct proc_maps *maps,
			 char *err, size_t len)
{
	const struct proc_map *m =
		p->nr_sites	   ? proc_maps__find_addr(maps, p->sites[0].new_func) :
		p->journal_library ? proc_maps__find_path(maps, p->journal_library, false) :
				     NULL;

	if (!p->page && p->nr_sites)
		p->page = p->sites[0].slot & ~(uint64_t)(PAGE_SIZE_ - 1);
	/* unloaded already (by the run, or an earlier revert): nothing to do */
	if ((!m || !m->inode) && !is_our_page(p->pid, p->page)) {
		p->injected = false;
		return 1;
	}
	if (!m || !m->inode) {
		snprintf(err, len,
			 "pid %d: no library is mapped where the journal's new function is",
			 p->pid);
		return -ENOENT;
	}
	if (strstr(m->path, " (deleted)")) {
		snprintf(err, len,
			 "pid %d: the library file '%s' was deleted since, so dlclose() cannot be "
			 "given its handle; it stays, unused",
			 p->pid, m->path);
		return -ENOENT;
	}
	memset(img, 0, sizeof(*img));
	img->library = m->path;
	img->lib_dev = map_dev(m);
	img->lib_ino = m->inode;
	img->deadline_ns = ULP_DEADLINE_NS;
	img->call_timeout_ns = ULP_CALL_TIMEOUT_NS;
	return 0;
}

int ulp_proc__eject(struct ulp_image *img, struct ulp_proc *p, char *err, size_t len)
{
	struct activeness a = { 0 };
	struct ulp_image from_journal;
	struct range *r = NULL;
	struct proc_maps maps;
	struct libc_info li;
	struct unwind *uw;
	size_t i, n = 0;
	int ret;

	if (!p->injected)
		return 0;
	if (p->patched) {
		snprintf(err, len, "pid %d: still patched; the library stays until it is reverted",
			 p->pid);
		return -EINVAL;
	}
	ret = proc_setup(p, &uw, &maps, &li, err, len);
	if (ret)
		return ret;
	if (!img) {
		ret = journal_image(&from_journal, p, &maps, err, len);
		if (ret)
			goto out_li; /* 1: nothing is loaded */
		img = &from_journal;
	}
	if (!li.dlclose) {
		snprintf(err, len, "pid %d: no dlclose in its libc; the library stays, unused",
			 p->pid);
		ret = -EOPNOTSUPP;
		goto out_li;
	}
	/* no thread in the library, in a call it made, or in the page: what goes must be idle */
	r = calloc(li.nr_unsafe + maps.n + 1, sizeof(*r));
	if (!r) {
		ret = -ENOMEM;
		goto out_li;
	}
	memcpy(r, li.unsafe, li.nr_unsafe * sizeof(*r));
	n = li.nr_unsafe;
	for (i = 0; i < maps.n; i++)
		if (maps.v[i].inode == img->lib_ino && map_dev(&maps.v[i]) == img->lib_dev)
			r[n++] = (struct range){ maps.v[i].start, maps.v[i].end, true,
						 QUIET_LIBRARY };
	r[n++] = (struct range){ p->page, p->page + PAGE_SIZE_, true, QUIET_LIBRARY };
	a.r = r;
	a.nr = n;
	ret = quiet(img, p, uw, &a, &li, p->page, eject_stopped,
		    "the library stays loaded, unused: no site leads to it", err, len);
	free(r);
out_li:
	free(li.unsafe);
	proc_maps__free(&maps);
	return ret > 0 ? 0 : ret;
}
