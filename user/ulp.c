// SPDX-License-Identifier: GPL-2.0
/* The per-process half of user/ulp.h: preflight, inject, patch, unpatch. */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "elfsym.h"
#include "proc.h"
#include "tracee.h"
#include "ulp_int.h"
#include "unwind.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
/* glibc < 2.34 only has the internal entry point, which wants this flag beside RTLD_NOW */
#define RTLD_DLOPEN_INTERNAL	0x80000000

/* the trampoline page: the call stub, one slot per function, the library's path */
#define PAGE_SIZE_		4096
#define PAGE_STUB		0
#define PAGE_SLOTS		64
#define SLOT_SIZE		16
#define PAGE_PATH		(PAGE_SLOTS + ULP_MAX_FUNCS * SLOT_SIZE)
#define SLOT_LEN		14		/* ff 25 00 00 00 00 + imm64 */

#define BACKOFF_MIN_NS		(1000ULL * 1000)
#define BACKOFF_MAX_NS		(100ULL * 1000 * 1000)
/* a stop is short; a thread that takes this long to stop is in trouble (D state) */
#define STOP_TIMEOUT_NS		(1000ULL * 1000 * 1000)
#define DLERROR_MAX		512

struct ulp_proc_priv {
	struct unwind *uw;
};

/* an address range that a thread must have no frame in */
struct range {
	uint64_t lo;
	uint64_t hi;
	bool body;		/* a function body: return addresses count as ret - 1 */
	size_t idx;		/* the function it belongs to */
};

struct activeness {
	const struct range *r;
	size_t nr;
	uint64_t uprobes_lo;	/* the [uprobes] page: a uretprobe hides what is above it */
	uint64_t uprobes_hi;
	/* out: what was found */
	size_t idx;
	pid_t tid;
	bool unknown;
};

static const char *const as_unsafe[] = {
	"malloc", "free", "calloc", "realloc", "reallocarray", "memalign", "posix_memalign",
	"aligned_alloc", "valloc", "pvalloc", "malloc_trim", "malloc_usable_size", "mallinfo",
	"mallinfo2", "malloc_stats", "malloc_info", "mallopt", "fork", "_Fork",
	"dl_iterate_phdr", "dlopen", "dlclose", "dlsym", "dlvsym", "dladdr", "dladdr1",
	"dlinfo", "dlmopen", "__libc_dlopen_mode", "__libc_dlsym", "__libc_dlclose",
};

static int priv_get(struct ulp_proc *p, struct unwind **uw)
{
	int ret;

	if (!p->priv) {
		p->priv = calloc(1, sizeof(*p->priv));
		if (!p->priv)
			return -ENOMEM;
	}
	if (!p->priv->uw) {
		ret = unwind__new(&p->priv->uw, p->pid);
		if (ret)
			return ret;
	}
	*uw = p->priv->uw;
	return 0;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int check_identity(struct ulp_proc *p, char *err, size_t len)
{
	uint64_t st;

	if (proc__start_time(p->pid, &st)) {
		snprintf(err, len, "pid %d: no such process; it exited", p->pid);
		return -ESRCH;
	}
	if (p->start_time && st != p->start_time) {
		snprintf(err, len, "pid %d is now another process (started at tick %" PRIu64
			 ", not %" PRIu64 "); it was left alone", p->pid, st, p->start_time);
		return -ESRCH;
	}
	p->start_time = st;
	return 0;
}

static bool in(uint64_t a, uint64_t lo, uint64_t hi)
{
	return a >= lo && a < hi;
}

/* 0: no thread in any range; -EBUSY: one is (a->idx, a->tid, a->unknown say which) */
static int activeness(struct tracee *tr, struct unwind *uw, struct activeness *a)
{
	uint64_t ips[UNWIND_MAX_FRAMES];
	size_t i, j;
	int k, n;

	for (i = 0; i < tr->nr; i++) {
		struct tracee_thread *th = &tr->t[i];

		a->tid = th->tid;
		a->unknown = false;
		for (j = 0; j < a->nr; j++) {
			if (in(th->regs.rip, a->r[j].lo, a->r[j].hi)) {
				a->idx = a->r[j].idx;
				return -EBUSY;
			}
		}
		if (in(th->regs.rip, a->uprobes_lo, a->uprobes_hi)) {
			a->unknown = true;
			return -EBUSY;
		}
		n = unwind__frames(uw, th->tid, ips, UNWIND_MAX_FRAMES);
		if (n < 0) {
			a->unknown = true;
			return -EBUSY;
		}
		for (k = 1; k < n; k++) {
			if (in(ips[k], a->uprobes_lo, a->uprobes_hi)) {
				a->unknown = true;
				return -EBUSY;
			}
			for (j = 0; j < a->nr; j++) {
				uint64_t ip = a->r[j].body ? ips[k] - 1 : ips[k];

				if (in(ip, a->r[j].lo, a->r[j].hi)) {
					a->idx = a->r[j].idx;
					return -EBUSY;
				}
			}
		}
	}
	return 0;
}

static void uprobes_range(pid_t pid, struct activeness *a)
{
	struct proc_maps maps;
	const struct proc_map *m;

	a->uprobes_lo = a->uprobes_hi = 0;
	if (proc_maps__read(pid, &maps))
		return;
	m = proc_maps__find_path(&maps, "[uprobes]", false);
	if (m) {
		a->uprobes_lo = m->start;
		a->uprobes_hi = m->end;
	}
	proc_maps__free(&maps);
}

/* ---- preflight --------------------------------------------------------------------------- */

#define CAP_SYS_PTRACE_BIT	19

static bool has_cap_sys_ptrace(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	unsigned long long caps = 0;
	char *end, buf[64];

	if (!f)
		return false;
	while (fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, "CapEff:", 7))
			caps = strtoull(buf + 7, &end, 16);
	fclose(f);
	return caps & (1ULL << CAP_SYS_PTRACE_BIT);
}

/* the kernel's rule without CAP_SYS_PTRACE: our uid is every one of the target's */
static bool same_uids(pid_t pid)
{
	char path[64], buf[256];
	unsigned int r, e, s, fs;
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "Uid: %u %u %u %u", &r, &e, &s, &fs) == 4)
			ok = r == getuid() && e == getuid() && s == getuid();
	fclose(f);
	return ok;
}

static bool is_descendant(pid_t pid)
{
	long long ppid = pid;
	int depth;

	for (depth = 0; depth < 4096 && ppid > 1; depth++) {
		if (proc__status((pid_t)ppid, "PPid", &ppid))
			return false;
		if (ppid == getpid())
			return true;
	}
	return false;
}

static int check_ptrace(pid_t pid, struct ulp_proc *p, char *err, size_t len)
{
	long long v;
	FILE *f;
	int scope = 0;

	if (!proc__status(pid, "TracerPid", &v) && v) {
		snprintf(err, len, "pid %d: already traced by pid %lld (a debugger?); detach it "
			 "first", pid, v);
		return -EPERM;
	}
	if (!proc__status(pid, "Seccomp", &v)) {
		if (v == 1) {
			snprintf(err, len, "pid %d: runs in seccomp strict mode; it cannot be "
				 "patched", pid);
			return -EPERM;
		}
		p->seccomp_filter = v == 2;
	}
	f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = 0;
		fclose(f);
	}
	if (scope >= 3) {
		snprintf(err, len, "pid %d: yama ptrace_scope is 3, no process may be traced; "
			 "it can only be lowered by a reboot", pid);
		return -EPERM;
	}
	/*
	 * Not tried for real: a seized thread can only be detached once stopped, and preflight
	 * stops nothing. CAP_SYS_PTRACE passes every check below yama 3; without it the kernel
	 * wants our uid on all of the target's, and yama 1-2 want more.
	 */
	if (!has_cap_sys_ptrace()) {
		if (scope >= 2 || !same_uids(pid)) {
			snprintf(err, len, "pid %d: ptrace not permitted (%s); run hotcanary as root",
				 pid, scope >= 2 ? "yama ptrace_scope 2 wants CAP_SYS_PTRACE" :
				 "it runs as another user");
			return -EPERM;
		}
		if (scope == 1 && !is_descendant(pid)) {
			snprintf(err, len, "pid %d: yama ptrace_scope 1 lets us trace only our own "
				 "children; run hotcanary as root", pid);
			return -EPERM;
		}
	}
	return 0;
}

static int check_mapped(struct ulp_image *img, struct ulp_proc *p, char *err, size_t len)
{
	const struct proc_map *m;
	struct proc_maps maps;
	struct elfsymtab st;
	char path[96], why[256];
	size_t i;
	int ret;

	ret = proc_maps__read(p->pid, &maps);
	if (ret) {
		snprintf(err, len, "pid %d: cannot read its memory map: %s", p->pid, strerror(-ret));
		return ret == -ENOENT ? -ESRCH : ret;
	}
	m = proc_maps__find_inode(&maps, img->target_dev, img->target_ino);
	if (!m) {
		const char *base = strrchr(img->target, '/') + 1;

		m = proc_maps__find_path(&maps, base, true);
		if (m) {
			snprintf(err, len, "pid %d: maps '%s', not the file '%s' of the patch (another "
				 "inode: replaced on disk since it started?)", p->pid, m->path,
				 img->target);
			ret = -EBADF;
		} else {
			snprintf(err, len, "pid %d: does not map '%s'; it runs something else",
				 p->pid, img->target);
			ret = -ENOENT;
		}
		goto out;
	}
	/* the mapped file itself, even if it was replaced under its name */
	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, p->pid, m->start,
		 m->end);
	ret = elfsymtab__load(path, &st, why, sizeof(why));
	if (!ret) {
		ret = strcmp(st.build_id, img->build_id) ? -EBADF : 0;
		if (ret)
			snprintf(err, len, "pid %d: its '%s' has build-id %s, the patch is for %s",
				 p->pid, img->target, st.build_id, img->build_id);
		elfsymtab__free(&st);
		if (ret)
			goto out;
	}
	for (i = 0; i < img->nr; i++) {
		struct ulp_image_func *f = &img->f[i];
		struct ulp_site *s = &p->sites[i];
		uint8_t now[ULP_HEAD_MAX];

		ret = proc_maps__addr_of(&maps, img->target_dev, img->target_ino, f->old.offset,
					 &s->func);
		if (ret) {
			snprintf(err, len, "pid %d: '%s' of '%s' is not mapped", p->pid, f->old_sym,
				 img->target);
			ret = -ENOENT;
			goto out;
		}
		s->func_size = f->old.size;
		s->addr = s->func + (f->insn.site - f->old.vaddr);
		memcpy(s->orig, f->head + (f->insn.site - f->old.vaddr), ULP_JMP_LEN);
		ret = proc__mem_read(p->pid, s->func, now, f->head_len);
		if (ret) {
			snprintf(err, len, "pid %d: cannot read '%s' at 0x%" PRIx64 ": %s", p->pid,
				 f->old_sym, s->func, strerror(-ret));
			goto out;
		}
		if (memcmp(now, f->head, f->head_len)) {
			snprintf(err, len, "pid %d: '%s' at 0x%" PRIx64 " does not hold the bytes of "
				 "the file (patched already, or a breakpoint or uprobe on it?)", p->pid,
				 f->old_sym, s->func);
			ret = -EILSEQ;
			goto out;
		}
	}
out:
	proc_maps__free(&maps);
	return ret;
}

int ulp_proc__preflight(struct ulp_image *img, pid_t pid, uint64_t start_time,
			struct ulp_proc **out, char *err, size_t len)
{
	struct ulp_proc *p;
	int ret;

	*out = NULL;
	if (pid <= 0) {
		snprintf(err, len, "pid %d: not a process id", pid);
		return -ESRCH;
	}
	if (pid == 1 || pid == getpid()) {
		snprintf(err, len, "pid %d: %s is never patched", pid, pid == 1 ? "init" :
			 "hotcanary itself");
		return -EPERM;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, len, "pid %d: out of memory", pid);
		return -ENOMEM;
	}
	p->pid = pid;
	p->start_time = start_time;
	p->nr_sites = img->nr;
	p->sites = calloc(img->nr, sizeof(*p->sites));
	if (!p->sites) {
		snprintf(err, len, "pid %d: out of memory", pid);
		ret = -ENOMEM;
		goto fail;
	}
	ret = check_identity(p, err, len);
	if (ret)
		goto fail;
	proc__comm(pid, p->comm, sizeof(p->comm));
	ret = check_mapped(img, p, err, len);
	if (!ret)
		ret = check_ptrace(pid, p, err, len);
	if (ret)
		goto fail;
	*out = p;
	return 0;
fail:
	ulp_proc__free(p);
	return ret;
}

void ulp_proc__free(struct ulp_proc *p)
{
	if (!p)
		return;
	if (p->priv)
		unwind__free(p->priv->uw);
	free(p->priv);
	free(p->sites);
	free(p);
}

/* ---- inject ------------------------------------------------------------------------------ */

struct libc_info {
	uint64_t dlopen;
	bool internal;		/* __libc_dlopen_mode */
	uint64_t dlerror;
	uint64_t dlclose;
	uint64_t syscall_insn;
	struct range *unsafe;	/* loader text, malloc family */
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

static int libc_info__get(pid_t pid, const struct proc_maps *maps, struct libc_info *li,
			  char *err, size_t len)
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
	ret = tracee__syscall(tr, li->syscall_insn, SYS_munmap, args, &r, img->call_timeout_ns,
			      why, sizeof(why));
	if (!ret && r < 0)
		snprintf(why, sizeof(why), "munmap: %s", strerror((int)-r));
	if ((ret || r < 0) && l < len)
		snprintf(err + l, len - l, "; the trampoline page at 0x%" PRIx64 " is still "
			 "mapped (%s)", page, why);
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
		snprintf(err, len, "pid %d: cannot read its memory map: %s", p->pid, strerror(-ret));
		goto close;
	}
	m = proc_maps__find_inode(&maps, img->lib_dev, img->lib_ino);
	if (!m) {
		snprintf(err, len, "pid %d: dlopen('%s') succeeded but the file is not mapped (a "
			 "different file in its mount namespace?)", p->pid, img->library);
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
			snprintf(err, len, "pid %d: cannot set hotcanary_ref__%s at 0x%" PRIx64 ": %s",
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

static const char *secs(uint64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f s", (double)ns / 1e9);
	return buf;
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
	ret = check_identity(p, err, len);
	if (ret)
		return ret;
	ret = priv_get(p, &uw);
	if (ret) {
		snprintf(err, len, "pid %d: cannot set up the unwinder: %s", p->pid, strerror(-ret));
		return ret;
	}
	ret = proc_maps__read(p->pid, &maps);
	if (ret) {
		snprintf(err, len, "pid %d: cannot read its memory map: %s", p->pid, strerror(-ret));
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
		uprobes_range(p->pid, &a);
		ret = tracee__stop(&tr, p->pid, STOP_TIMEOUT_NS, err, len);
		if (ret)
			goto out_li;
		/* a thread holding the loader's or malloc's lock would deadlock dlopen */
		ret = activeness(&tr, uw, &a);
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
			snprintf(err, len, "pid %d: thread %d is %s after %s; nothing was loaded, "
				 "retry later", p->pid, a.tid, a.unknown ?
				 "on a stack that cannot be walked (uretprobe or no unwind info)" :
				 "inside malloc or the dynamic loader", secs(img->deadline_ns, t,
									      sizeof(t)));
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

/* ---- patch and unpatch ------------------------------------------------------------------- */

static const char *site_name(struct ulp_image *img, const struct ulp_proc *p, size_t i,
			     char *buf, size_t len)
{
	if (img && i < img->nr)
		return img->f[i].old_sym;
	snprintf(buf, len, "0x%" PRIx64, p->sites[i].func);
	return buf;
}

/* write @patch ? patched : orig to the sites in @todo; on failure put back what was written */
static int write_sites(struct tracee *tr, struct ulp_proc *p, const bool *todo, bool patch,
		       size_t *bad)
{
	size_t i, j;
	int ret;

	for (i = 0; i < p->nr_sites; i++) {
		struct ulp_site *s = &p->sites[i];

		if (!todo[i])
			continue;
		ret = tracee__write(tr, s->addr, patch ? s->patched : s->orig, ULP_JMP_LEN);
		if (!ret)
			continue;
		*bad = i;
		for (j = 0; j < i; j++)
			if (todo[j])
				tracee__write(tr, p->sites[j].addr, patch ? p->sites[j].orig :
					      p->sites[j].patched, ULP_JMP_LEN);
		/* the failed one too: a partial write leaves half an instruction */
		tracee__write(tr, s->addr, patch ? s->orig : s->patched, ULP_JMP_LEN);
		return ret;
	}
	return 0;
}

/*
 * One stop-the-world switch of every site, @patch or back. The ranges no thread may be in
 * come from the caller. Busy: release, back off, retry until the deadline.
 */
static int flip(struct ulp_image *img, struct ulp_proc *p, bool patch, const struct range *r,
		size_t nr, char *err, size_t len)
{
	uint64_t deadline = img ? img->deadline_ns : ULP_DEADLINE_NS;
	uint64_t start = tracee__now_ns(), backoff = BACKOFF_MIN_NS;
	struct activeness a = { .r = r, .nr = nr };
	const char *verb = patch ? "patch" : "unpatch";
	char name[32], t[32];
	struct unwind *uw;
	struct tracee tr;
	bool todo[ULP_MAX_FUNCS];
	size_t i, bad = 0;
	int ret;

	ret = check_identity(p, err, len);
	if (ret)
		return ret;
	ret = priv_get(p, &uw);
	if (ret) {
		snprintf(err, len, "pid %d: cannot set up the unwinder: %s", p->pid, strerror(-ret));
		return ret;
	}
	for (p->attempts = 1;; p->attempts++) {
		size_t want = 0;

		uprobes_range(p->pid, &a);
		ret = tracee__stop(&tr, p->pid, STOP_TIMEOUT_NS, err, len);
		if (ret)
			return ret;
		/* stopped a recycled pid? */
		ret = check_identity(p, err, len);
		if (ret)
			goto release;
		for (i = 0; i < p->nr_sites; i++) {
			struct ulp_site *s = &p->sites[i];
			uint8_t now[ULP_JMP_LEN];

			ret = tracee__read(&tr, s->addr, now, sizeof(now));
			if (ret) {
				snprintf(err, len, "pid %d: cannot read '%s' at 0x%" PRIx64 ": %s",
					 p->pid, site_name(img, p, i, name, sizeof(name)), s->addr,
					 strerror(-ret));
				goto release;
			}
			todo[i] = !memcmp(now, patch ? s->orig : s->patched, ULP_JMP_LEN);
			if (todo[i]) {
				want++;
			} else if (memcmp(now, patch ? s->patched : s->orig, ULP_JMP_LEN)) {
				snprintf(err, len, "pid %d: someone else changed the bytes of '%s' at "
					 "0x%" PRIx64 "; left them as they are, %s refused", p->pid,
					 site_name(img, p, i, name, sizeof(name)), s->addr, verb);
				ret = -EILSEQ;
				goto release;
			}
		}
		if (!want)
			goto done;
		ret = activeness(&tr, uw, &a);
		if (!ret) {
			ret = write_sites(&tr, p, todo, patch, &bad);
			if (ret) {
				snprintf(err, len, "pid %d: cannot write '%s' at 0x%" PRIx64 " (%s); "
					 "every site was put back", p->pid,
					 site_name(img, p, bad, name, sizeof(name)),
					 p->sites[bad].addr, strerror(-ret));
				goto release;
			}
			goto done;
		}
		tracee__release(&tr, NULL, 0);
		if (tracee__now_ns() - start >= deadline) {
			if (a.unknown)
				snprintf(err, len, "pid %d: thread %d's stack cannot be walked (a "
					 "uretprobe, or code without unwind info) after %s; the "
					 "process was left untouched", p->pid, a.tid,
					 secs(deadline, t, sizeof(t)));
			else
				snprintf(err, len, "pid %d: a thread is still inside '%s' after %s; "
					 "the process was left untouched", p->pid,
					 !patch && img && a.idx < img->nr ? img->f[a.idx].new_sym :
					 site_name(img, p, a.idx, name, sizeof(name)),
					 secs(deadline, t, sizeof(t)));
			return -EBUSY;
		}
		sleep_ns(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : backoff * 2;
	}
done:
	p->threads = (unsigned int)tr.nr;
	ret = tracee__release(&tr, err, len);
	p->freeze_ns = tr.freeze_ns;
	if (!ret)
		p->patched = patch;
	return ret;
release:
	tracee__release(&tr, NULL, 0);
	return ret;
}

int ulp_proc__patch(struct ulp_image *img, struct ulp_proc *p, char *err, size_t len)
{
	struct range r[2 * ULP_MAX_FUNCS];
	size_t i, n = 0;

	if (!p->injected) {
		snprintf(err, len, "pid %d: the patch library is not loaded; inject it first", p->pid);
		return -EINVAL;
	}
	if (p->nr_sites != img->nr) {
		snprintf(err, len, "pid %d: %zu sites recorded for a patch of %zu functions", p->pid,
			 p->nr_sites, img->nr);
		return -EINVAL;
	}
	for (i = 0; i < p->nr_sites; i++) {
		const struct ulp_site *s = &p->sites[i];
		uint64_t end = s->addr + (img->f[i].insn.covered_end - img->f[i].insn.site);

		/* the overwritten instructions: a return address there is as bad as a rip */
		r[n++] = (struct range){ .lo = s->addr + 1, .hi = end, .idx = i };
		if (img->strict)
			r[n++] = (struct range){ .lo = s->func, .hi = s->func + s->func_size,
						 .body = true, .idx = i };
	}
	return flip(img, p, true, r, n, err, len);
}

int ulp_proc__unpatch(struct ulp_image *img, struct ulp_proc *p, char *err, size_t len)
{
	struct range r[3 * ULP_MAX_FUNCS];
	size_t i, n = 0;

	if (!p->nr_sites || p->nr_sites > ULP_MAX_FUNCS) {
		snprintf(err, len, "pid %d: no sites recorded to unpatch", p->pid);
		return -EINVAL;
	}
	for (i = 0; i < p->nr_sites; i++) {
		const struct ulp_site *s = &p->sites[i];
		uint64_t end = s->addr + ULP_JMP_LEN;

		if (img && i < img->nr)
			end = s->addr + (img->f[i].insn.covered_end - img->f[i].insn.site);
		r[n++] = (struct range){ .lo = s->addr + 1, .hi = end, .idx = i };
		if (!img || img->strict) {
			if (s->new_func)
				r[n++] = (struct range){ .lo = s->new_func,
							 .hi = s->new_func + s->new_size,
							 .body = true, .idx = i };
			/* on its way through the slot: as good as in the new function */
			if (s->slot)
				r[n++] = (struct range){ .lo = s->slot, .hi = s->slot + SLOT_LEN,
							 .idx = i };
		}
	}
	return flip(img, p, false, r, n, err, len);
}

int ulp_proc__probe(const struct ulp_proc *p, unsigned int *patched, unsigned int *orig)
{
	uint64_t st;
	size_t i;
	int ret;

	*patched = *orig = 0;
	if (proc__start_time(p->pid, &st) || (p->start_time && st != p->start_time))
		return -ESRCH;
	for (i = 0; i < p->nr_sites; i++) {
		const struct ulp_site *s = &p->sites[i];
		uint8_t now[ULP_JMP_LEN];

		ret = proc__mem_read(p->pid, s->addr, now, sizeof(now));
		if (ret)
			return ret;
		if (!memcmp(now, s->patched, sizeof(now)))
			(*patched)++;
		else if (!memcmp(now, s->orig, sizeof(now)))
			(*orig)++;
	}
	/* it may have exited while we read: an answer about another process is no answer */
	if (proc__start_time(p->pid, &st) || (p->start_time && st != p->start_time))
		return -ESRCH;
	return 0;
}
