// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-flight, the first per-process step of user/ulp.h: is it still the process we were
 * given, does it map the target file with the patch's build-id and bytes, may we ptrace it,
 * can it load the library (ulp_access.c) and resolve its imports (ulp_imports.c). Nothing in
 * the process is changed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elfsym.h"
#include "proc.h"
#include "ulp_int.h"
#include "unwind.h"

#define CAP_SYS_PTRACE_BIT 19

int ulp__check_identity(struct ulp_proc *p, char *err, size_t len)
{
	uint64_t st;

	if (proc__start_time(p->pid, &st)) {
		snprintf(err, len, "pid %d: no such process; it exited", p->pid);
		return -ESRCH;
	}
	if (p->start_time && st != p->start_time) {
		snprintf(err, len,
			 "pid %d is now another process (started at tick %" PRIu64 ", not %" PRIu64
			 "); it was left alone",
			 p->pid, st, p->start_time);
		return -ESRCH;
	}
	p->start_time = st;
	return 0;
}

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
		snprintf(err, len,
			 "pid %d: already traced by pid %lld (a debugger?); detach it "
			 "first",
			 pid, v);
		return -EPERM;
	}
	if (!proc__status(pid, "Seccomp", &v)) {
		if (v == 1) {
			snprintf(err, len,
				 "pid %d: runs in seccomp strict mode; it cannot be "
				 "patched",
				 pid);
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
		snprintf(err, len,
			 "pid %d: yama ptrace_scope is 3, no process may be traced; "
			 "it can only be lowered by a reboot",
			 pid);
		return -EPERM;
	}
	/*
	 * Not tried for real: a seized thread can only be detached once stopped, and preflight
	 * stops nothing. CAP_SYS_PTRACE passes every check below yama 3; without it the kernel
	 * wants our uid on all of the target's, and yama 1-2 want more.
	 */
	if (!has_cap_sys_ptrace()) {
		if (scope >= 2 || !same_uids(pid)) {
			snprintf(err, len,
				 "pid %d: ptrace not permitted (%s); run hotcanary as root", pid,
				 scope >= 2 ? "yama ptrace_scope 2 wants CAP_SYS_PTRACE" :
					      "it runs as another user");
			return -EPERM;
		}
		if (scope == 1 && !is_descendant(pid)) {
			snprintf(err, len,
				 "pid %d: yama ptrace_scope 1 lets us trace only our own "
				 "children; run hotcanary as root",
				 pid);
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
		snprintf(err, len, "pid %d: cannot read its memory map: %s", p->pid,
			 strerror(-ret));
		return ret == -ENOENT ? -ESRCH : ret;
	}
	m = proc_maps__find_inode(&maps, img->target_dev, img->target_ino);
	if (!m) {
		const char *base = strrchr(img->target, '/') + 1;

		m = proc_maps__find_path(&maps, base, true);
		if (m) {
			snprintf(err, len,
				 "pid %d: maps '%s', not the file '%s' of the patch (another "
				 "inode: replaced on disk since it started?)",
				 p->pid, m->path, img->target);
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
			snprintf(err, len,
				 "pid %d: '%s' at 0x%" PRIx64 " does not hold the bytes of "
				 "the file (patched already, or a breakpoint or uprobe on it?)",
				 p->pid, f->old_sym, s->func);
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
		snprintf(err, len, "pid %d: %s is never patched", pid,
			 pid == 1 ? "init" : "hotcanary itself");
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
	ret = ulp__check_identity(p, err, len);
	if (ret)
		goto fail;
	proc__comm(pid, p->comm, sizeof(p->comm));
	ret = check_mapped(img, p, err, len);
	if (!ret)
		ret = check_ptrace(pid, p, err, len);
	if (!ret)
		ret = ulp__check_access(img, p, err, len);
	if (!ret)
		ret = ulp__check_imports(img, p, err, len);
	if (ret)
		goto fail;
	*out = p;
	return 0;
fail:
	ulp_proc__free(p);
	return ret;
}

void ulp_proc__release(struct ulp_proc *p)
{
	if (p->priv)
		unwind__free(p->priv->uw);
	free(p->priv);
	free(p->sites);
	p->priv = NULL;
	p->sites = NULL;
}

void ulp_proc__free(struct ulp_proc *p)
{
	if (!p)
		return;
	ulp_proc__release(p);
	free(p);
}
