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
#include "tracee.h"
#include "ulp_int.h"
#include "unwind.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
/* glibc < 2.34 only has the internal entry point, which wants this flag beside RTLD_NOW */
#define RTLD_DLOPEN_INTERNAL 0x80000000

#define DLERROR_MAX 512

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
	uint64_t syscall_insn;
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

static int find_syscall_insn(pid_t pid, const struct proc_maps *maps, uint64_t *addr)
{
	const struct proc_map *m = proc_maps__find_path(maps, "[vdso]", false);
	size_t i, n;
	uint8_t *buf;

	/* the vdso's fallbacks hold "syscall"; any 0f 05 executes as one when jumped to */
	if (!m)
		return -ENOENT;
	n = m->end - m->start;
	buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	if (proc__mem_read(pid, m->start, buf, n)) {
		free(buf);
		return -EIO;
	}
	for (i = 0; i + 1 < n; i++) {
		if (buf[i] == 0x0f && buf[i + 1] == 0x05) {
			*addr = m->start + i;
			free(buf);
			return 0;
		}
	}
	free(buf);
	return -ENOENT;
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
	if (find_syscall_insn(pid, maps, &li->syscall_insn)) {
		snprintf(err, len, "pid %d: found no syscall instruction in its vdso", pid);
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
	ret = tracee__syscall(tr, li->syscall_insn, SYS_munmap, args, &r, img->call_timeout_ns, why,
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
	ret = tracee__syscall(tr, li->syscall_insn, SYS_mmap, args, &r, img->call_timeout_ns, err,
			      len);
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

int ulp_proc__inject(struct ulp_image *img, struct ulp_proc *p, char *err, size_t len)
{
	uint64_t start = tracee__now_ns(), backoff = BACKOFF_MIN_NS, lo = UINT64_MAX, hi = 0, page;
	struct activeness a = { 0 };
	struct proc_maps maps;
	struct libc_info li;
	struct unwind *uw;
	struct tracee tr;
	char t[32];
	size_t i;
	int ret;

	if (p->injected)
		return 0;
	ret = ulp__unwinder(p, &uw, err, len);
	if (ret)
		return ret;
	ret = proc_maps__read(p->pid, &maps);
	if (ret) {
		snprintf(err, len, "pid %d: cannot read its memory map: %s", p->pid,
			 strerror(-ret));
		return ret;
	}
	ret = libc_info__get(p->pid, &maps, &li, err, len);
	if (ret)
		goto out_maps;
	for (i = 0; i < p->nr_sites; i++) {
		lo = p->sites[i].addr < lo ? p->sites[i].addr : lo;
		hi = p->sites[i].addr + ULP_JMP_LEN > hi ? p->sites[i].addr + ULP_JMP_LEN : hi;
	}
	ret = proc_maps__free_near(&maps, lo, hi, PAGE_SIZE_, &page);
	if (ret) {
		snprintf(err, len, "pid %d: no free page within 2 GiB of the patched functions",
			 p->pid);
		goto out_li;
	}
	a.r = li.unsafe;
	a.nr = li.nr_unsafe;
	for (p->attempts = 1;; p->attempts++) {
		ulp__uprobes_range(p->pid, &a);
		ret = tracee__stop(&tr, p->pid, STOP_TIMEOUT_NS, err, len);
		if (ret)
			goto out_li;
		/* a thread holding the loader's or malloc's lock would deadlock dlopen */
		ret = ulp__activeness(&tr, uw, &a);
		if (!ret) {
			p->threads = (unsigned int)tr.nr;
			ret = inject_stopped(img, p, &tr, &li, page, err, len);
			unwind__flush(uw);
			tracee__release(&tr, NULL, 0);
			p->freeze_ns = tr.freeze_ns;
			if (!ret)
				p->injected = true;
			goto out_li;
		}
		tracee__release(&tr, NULL, 0);
		if (tracee__now_ns() - start >= img->deadline_ns) {
			snprintf(err, len,
				 "pid %d: thread %d is %s after %s; nothing was loaded, "
				 "retry later",
				 p->pid, a.tid,
				 a.unknown ?
					 "on a stack that cannot be walked (uretprobe or no unwind info)" :
					 "inside malloc or the dynamic loader",
				 secs(img->deadline_ns, t, sizeof(t)));
			ret = -EBUSY;
			goto out_li;
		}
		sleep_ns(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : backoff * 2;
	}
out_li:
	free(li.unsafe);
out_maps:
	proc_maps__free(&maps);
	return ret;
}
