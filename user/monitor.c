// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "insn.h"
#include "monitor.h"
#include "monitor.skel.h"
#include "elfsym.h"
#include "ksym.h"

struct monitor_func {
	struct hc_funcspec spec;
	char *path; /* user: resolved path */
	dev_t dev;  /* user: the file, however it was named */
	ino_t ino;
	struct hc_elfsym sym; /* user: the function */
	uint64_t probe_off;   /* user: where its uprobes go, past an endbr64 (probe_offset()) */
	int kprobe_ok;	      /* kernel: not on the kprobe blacklist */
	uint64_t cookie;
	/* fentry: the instance whose programs target this one; NULL for a kprobe */
	struct monitor_bpf *inst;
	struct bpf_link *entry;
	struct bpf_link *exit;
	/*
	 * attached by monitor__attach_func() only; a kernel function of a module is checked and
	 * its probe chosen there, each time its module loads
	 */
	bool deferred;
};

struct monitor {
	enum hc_probe_mode mode;  /* as asked */
	enum hc_probe_mode kmode; /* as used for kernel functions */
	struct monitor_func *funcs;
	size_t nr, nr_kernel;
	struct monitor_bpf *skel;
	struct hc_ctl *ctl; /* mmap of the ctl map */
	int ncpus;
	struct hc_fstats *percpu;
};

int monitor__new(struct monitor **mp, enum hc_probe_mode mode)
{
	int ncpus = libbpf_num_possible_cpus();
	struct monitor *m;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->mode = mode;
	m->kmode = mode;
	m->ncpus = ncpus;
	*mp = m;
	return 0;
}

/* does process @pid map the file @path (same inode)? */
static int pid_maps_file(pid_t pid, const char *path)
{
	char maps[64], *line = NULL;
	size_t cap = 0;
	struct stat st;
	int found = 0;
	FILE *f;

	if (stat(path, &st))
		return -errno;
	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = fopen(maps, "re");
	if (!f)
		return -errno;
	while (!found && getline(&line, &cap, f) > 0) {
		unsigned long long ino;
		unsigned int maj, min;

		if (sscanf(line, "%*x-%*x %*s %*x %x:%x %llu", &maj, &min, &ino) == 3 &&
		    ino == st.st_ino && (dev_t)makedev(maj, min) == st.st_dev)
			found = 1;
	}
	free(line);
	fclose(f);
	return found;
}

/*
 * Which load of module @name is in the kernel: 0 while it is not live (not loaded, still in
 * its init, or going away), else the inode of its /sys/module directory, which sysfs makes
 * anew at every load, so that an unload and a load between two looks are seen.
 */
static uint64_t module_instance(const char *name)
{
	char path[PATH_MAX], state[16] = "";
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(state, sizeof(state), f))
		state[0] = '\0';
	fclose(f);
	if (strcmp(state, "live\n"))
		return 0;
	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) ? 0 : (uint64_t)st.st_ino;
}

/*
 * A function's probes go past its endbr64, which the kernel single-steps out of line: 17.7
 * us a call on the CI machine, against 0.8 us on the push after it (make bench, "probe
 * sites"). On the entry where that is not safe (insn__probe_skip()), where the bytes cannot
 * be read, and where the caller asks (hc_funcspec.entry).
 */
static uint64_t probe_offset(const struct monitor_func *fn)
{
	uint8_t *code;
	size_t skip = 0;

	if (!fn->spec.entry && !elfsym__read_code(fn->path, &fn->sym, &code)) {
		skip = insn__probe_skip(code, fn->sym.size);
		free(code);
	}
	return fn->sym.offset + skip;
}

/* @deferred: the process may map the file only later (a patch library not yet loaded) */
static int add_user(struct monitor_func *fn, char *err, size_t errlen, bool deferred)
{
	char real[PATH_MAX];
	struct stat st;
	int ret;

	if (!realpath(fn->spec.path, real)) {
		ret = -errno;
		snprintf(err, errlen, "cannot open '%s': %s", fn->spec.path, strerror(errno));
		return ret;
	}
	fn->path = strdup(real);
	if (!fn->path)
		return -ENOMEM;
	if (stat(fn->path, &st)) {
		ret = -errno;
		snprintf(err, errlen, "cannot stat '%s': %s", fn->path, strerror(errno));
		return ret;
	}
	fn->dev = st.st_dev;
	fn->ino = st.st_ino;
	ret = elfsym__resolve(fn->path, fn->spec.symbol, &fn->sym, err, errlen);
	if (ret)
		return ret;
	fn->probe_off = probe_offset(fn);
	if (fn->spec.pid && !deferred) {
		ret = pid_maps_file(fn->spec.pid, fn->path);
		if (ret < 0) {
			snprintf(err, errlen, "no process %d (%s)", fn->spec.pid, strerror(-ret));
			return -ESRCH;
		}
		if (!ret) {
			snprintf(err, errlen, "process %d does not map '%s'", fn->spec.pid,
				 fn->path);
			return -ESRCH;
		}
	}
	return 0;
}

int monitor__add(struct monitor *m, const struct hc_funcspec *spec, int err_mode, char *err,
		 size_t errlen)
{
	return monitor__add_flags(m, spec, err_mode, 0, err, errlen);
}

int monitor__add_flags(struct monitor *m, const struct hc_funcspec *spec, int err_mode,
		       unsigned int flags, char *err, size_t errlen)
{
	struct monitor_func *funcs, *fn;
	int ret = 0, width = 4;
	size_t i;

	if (m->nr >= HC_MAX_FUNCS) {
		snprintf(err, errlen, "too many functions; at most %d", HC_MAX_FUNCS);
		return -E2BIG;
	}
	funcs = realloc(m->funcs, (m->nr + 1) * sizeof(*funcs));
	if (!funcs)
		return -ENOMEM;
	m->funcs = funcs;
	fn = &funcs[m->nr];
	memset(fn, 0, sizeof(*fn));
	fn->spec = *spec;
	fn->spec.text = strdup(spec->text);
	fn->spec.symbol = strdup(spec->symbol);
	fn->spec.path = spec->path ? strdup(spec->path) : NULL;
	if (!fn->spec.text || !fn->spec.symbol || (spec->path && !fn->spec.path)) {
		ret = -ENOMEM;
		goto err;
	}
	fn->deferred = flags & MONITOR_DEFERRED;
	if (spec->kind == HC_FUNC_USER) {
		ret = add_user(fn, err, errlen, fn->deferred || (flags & MONITOR_UNMAPPED));
		/*
		 * Without debug info the C return type is unknown: judge the low 32 bits, the
		 * int that error-returning C functions overwhelmingly use.
		 */
		width = 4;
	} else {
		/* a module's function is checked when it is attached, at each load of the module */
		if (!fn->deferred)
			ret = ksym__check(spec->symbol, spec->path, &fn->kprobe_ok, err, errlen);
		if (!ret && spec->pid && kill(spec->pid, 0) && errno == ESRCH) {
			snprintf(err, errlen, "no process %d", spec->pid);
			ret = -ESRCH;
		}
		width = ksym__ret_width(spec->symbol);
		m->nr_kernel++;
	}
	if (ret)
		goto err;
	/* two probes on one address fire in the same order at entry and at return, not nested */
	for (i = 0; i < m->nr; i++) {
		const struct monitor_func *o = &funcs[i];

		if (o->spec.kind != spec->kind || o->spec.pid != spec->pid)
			continue;
		if (spec->kind == HC_FUNC_KERNEL ? !strcmp(o->spec.symbol, spec->symbol) :
						   o->ino == fn->ino && o->dev == fn->dev &&
							   o->sym.offset == fn->sym.offset) {
			snprintf(err, errlen, "it is the same function as '%s', already watched",
				 o->spec.text);
			ret = -EEXIST;
			goto err;
		}
	}
	fn->cookie = HC_COOKIE(m->nr, err_mode, width == 8 ? 0 : width, spec->pid);
	m->nr++;
	return 0;
err:
	if (spec->kind == HC_FUNC_KERNEL && m->nr_kernel)
		m->nr_kernel--;
	free(fn->path);
	funcspec__free(&fn->spec);
	return ret;
}

size_t monitor__func_cnt(const struct monitor *m)
{
	return m->nr;
}

const char *monitor__func_name(const struct monitor *m, size_t i)
{
	return i < m->nr ? m->funcs[i].spec.text : NULL;
}

const char *monitor__func_path(const struct monitor *m, size_t i)
{
	return i < m->nr && m->funcs[i].spec.kind == HC_FUNC_USER ? m->funcs[i].path : NULL;
}

const char *monitor__func_build_id(const struct monitor *m, size_t i)
{
	return i < m->nr && m->funcs[i].spec.kind == HC_FUNC_USER ? m->funcs[i].sym.build_id : NULL;
}

const char *monitor__mode_name(const struct monitor *m)
{
	if (!m->nr_kernel)
		return "uprobe";
	return m->kmode == HC_MODE_FENTRY ? "fentry" : "kprobe";
}

uint64_t monitor__func_loaded(const struct monitor *m, size_t i)
{
	if (i >= m->nr)
		return 0;
	if (m->funcs[i].spec.kind != HC_FUNC_KERNEL || !m->funcs[i].spec.path)
		return 1;
	return module_instance(m->funcs[i].spec.path);
}

const char *monitor__func_mode(const struct monitor *m, size_t i)
{
	if (i >= m->nr || m->funcs[i].spec.kind == HC_FUNC_USER)
		return "uprobe";
	return m->funcs[i].inst ? "fentry" : "kprobe";
}

int monitor__watched_fd(const struct monitor *m)
{
	return m->skel ? bpf_map__fd(m->skel->maps.watched_tgids) : -EINVAL;
}

static void only_autoload(struct monitor_bpf *s, int fentry)
{
	bpf_program__set_autoload(s->progs.hc_uprobe, !fentry);
	bpf_program__set_autoload(s->progs.hc_uretprobe, !fentry);
	bpf_program__set_autoload(s->progs.hc_kprobe, !fentry);
	bpf_program__set_autoload(s->progs.hc_kretprobe, !fentry);
	bpf_program__set_autoload(s->progs.hc_fentry, fentry);
	bpf_program__set_autoload(s->progs.hc_fexit, fentry);
}

/*
 * fentry/fexit programs are bound to one kernel function at load time, so each kernel
 * function gets its own instance of the object whose maps are those of the main instance.
 */
static int load_fentry(struct monitor *m, struct monitor_func *fn, char *err, size_t errlen)
{
	struct monitor_bpf *s;
	int ret;

	s = monitor_bpf__open();
	if (!s)
		return -errno;
	only_autoload(s, 1);
	ret = bpf_map__set_max_entries(s->maps.stats, bpf_map__max_entries(m->skel->maps.stats));
	ret = ret ?: bpf_map__reuse_fd(s->maps.stats, bpf_map__fd(m->skel->maps.stats));
	ret = ret ?: bpf_map__reuse_fd(s->maps.ctl, bpf_map__fd(m->skel->maps.ctl));
	ret = ret ?: bpf_map__reuse_fd(s->maps.task_frames, bpf_map__fd(m->skel->maps.task_frames));
	ret = ret   ?:
		      bpf_map__reuse_fd(s->maps.watched_tgids,
					bpf_map__fd(m->skel->maps.watched_tgids));
	ret = ret ?: bpf_program__set_attach_target(s->progs.hc_fentry, 0, fn->spec.symbol);
	ret = ret ?: bpf_program__set_attach_target(s->progs.hc_fexit, 0, fn->spec.symbol);
	ret = ret ?: monitor_bpf__load(s);
	if (ret) {
		snprintf(err, errlen, "cannot load fentry/fexit programs for '%s': %s",
			 fn->spec.text, strerror(-ret));
		monitor_bpf__destroy(s);
		return ret;
	}
	fn->inst = s;
	return 0;
}

static void unload_fentry(struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++) {
		monitor_bpf__destroy(m->funcs[i].inst);
		m->funcs[i].inst = NULL;
	}
}

/* a kernel function probed from the start, not one of a module that comes and goes */
static bool kernel_now(const struct monitor_func *fn)
{
	return fn->spec.kind == HC_FUNC_KERNEL && !fn->deferred;
}

static int pick_kernel_mode(struct monitor *m, char *err, size_t errlen)
{
	char ferr[256] = "";
	size_t i, now = 0;
	int ret = 0;

	for (i = 0; i < m->nr; i++)
		now += kernel_now(&m->funcs[i]);
	/* only modules' functions, which take kprobes where they can (monitor__attach_func()) */
	if (!now && m->mode == HC_MODE_AUTO && ksym__kprobes_available()) {
		m->kmode = HC_MODE_KPROBE;
		return 0;
	}
	if (m->mode != HC_MODE_KPROBE) {
		for (i = 0; i < m->nr && !ret; i++)
			if (kernel_now(&m->funcs[i]))
				ret = load_fentry(m, &m->funcs[i], ferr, sizeof(ferr));
		if (!ret) {
			m->kmode = HC_MODE_FENTRY;
			return 0;
		}
		unload_fentry(m);
		if (m->mode == HC_MODE_FENTRY) {
			snprintf(err, errlen, "%s; try '--mode kprobe'", ferr);
			return ret;
		}
	}
	/* the probe result decides: a kernel without trampolines falls back to kprobes */
	m->kmode = HC_MODE_KPROBE;
	if (!ksym__kprobes_available()) {
		snprintf(err, errlen,
			 "this kernel can trace no kernel function: fentry failed (%s) "
			 "and it has no kprobes (CONFIG_KPROBES)",
			 ferr[0] ? ferr : "not tried");
		return -EOPNOTSUPP;
	}
	for (i = 0; i < m->nr; i++) {
		if (kernel_now(&m->funcs[i]) && !m->funcs[i].kprobe_ok) {
			snprintf(err, errlen,
				 "kernel function '%s' is on the kprobe blacklist; "
				 "use '--mode fentry'",
				 m->funcs[i].spec.symbol);
			return -EPERM;
		}
	}
	return 0;
}

int monitor__load(struct monitor *m, char *err, size_t errlen)
{
	long page = sysconf(_SC_PAGESIZE);
	int ret;

	m->percpu = calloc(m->ncpus, sizeof(struct hc_fstats));
	if (!m->percpu)
		return -ENOMEM;
	m->skel = monitor_bpf__open();
	if (!m->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the monitor BPF object: %s", strerror(-ret));
		return ret;
	}
	only_autoload(m->skel, 0);
	ret = bpf_map__set_max_entries(m->skel->maps.stats, m->nr ? m->nr : 1);
	ret = ret ?: monitor_bpf__load(m->skel);
	if (ret) {
		snprintf(err, errlen, "cannot load the monitor BPF programs: %s", strerror(-ret));
		return ret;
	}
	m->ctl = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED,
		      bpf_map__fd(m->skel->maps.ctl), 0);
	if (m->ctl == MAP_FAILED) {
		m->ctl = NULL;
		ret = -errno;
		snprintf(err, errlen, "cannot map the monitor control block: %s", strerror(-ret));
		return ret;
	}
	if (m->nr_kernel)
		return pick_kernel_mode(m, err, errlen);
	return 0;
}

static struct bpf_link *attach_one(struct monitor *m, struct monitor_func *fn, int ret_probe)
{
	if (fn->spec.kind == HC_FUNC_USER) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = ret_probe, .bpf_cookie = fn->cookie);

		return bpf_program__attach_uprobe_opts(ret_probe ? m->skel->progs.hc_uretprobe :
								   m->skel->progs.hc_uprobe,
						       fn->spec.pid ? fn->spec.pid : -1, fn->path,
						       fn->probe_off, &uo);
	}
	if (fn->inst) {
		LIBBPF_OPTS(bpf_trace_opts, to, .cookie = fn->cookie);

		return bpf_program__attach_trace_opts(ret_probe ? fn->inst->progs.hc_fexit :
								  fn->inst->progs.hc_fentry,
						      &to);
	}
	{
		LIBBPF_OPTS(bpf_kprobe_opts, ko, .retprobe = ret_probe, .bpf_cookie = fn->cookie);

		return bpf_program__attach_kprobe_opts(ret_probe ? m->skel->progs.hc_kretprobe :
								   m->skel->progs.hc_kprobe,
						       fn->spec.symbol, &ko);
	}
}

int monitor__attach(struct monitor *m, char *err, size_t errlen)
{
	size_t i;
	int pass, ret;

	/*
	 * Exits first: an entry seen without its exit probe in place would leave a frame that
	 * no exit pops. The gate stays closed until both are in, so no call is half-counted.
	 */
	for (pass = 1; pass >= 0; pass--) {
		for (i = 0; i < m->nr; i++) {
			struct monitor_func *fn = &m->funcs[i];
			struct bpf_link *l;

			if (fn->deferred)
				continue;
			l = attach_one(m, fn, pass);

			if (!l) {
				ret = -errno;
				snprintf(err, errlen, "cannot attach %s probe to '%s': %s",
					 pass ? "exit" : "entry", fn->spec.text, strerror(-ret));
				monitor__detach(m);
				return ret;
			}
			if (pass)
				fn->exit = l;
			else
				fn->entry = l;
		}
	}
	__atomic_store_n(&m->ctl->ready, 1, __ATOMIC_RELEASE);
	return 0;
}

void monitor__detach(struct monitor *m)
{
	size_t i;

	if (!m)
		return;
	if (m->ctl)
		__atomic_store_n(&m->ctl->ready, 0, __ATOMIC_RELEASE);
	for (i = 0; i < m->nr; i++) {
		bpf_link__destroy(m->funcs[i].entry);
		m->funcs[i].entry = NULL;
	}
	for (i = 0; i < m->nr; i++) {
		bpf_link__destroy(m->funcs[i].exit);
		m->funcs[i].exit = NULL;
	}
}

/*
 * A module's function, each time its module loads: checked again (it may be another build of
 * the module), then probed. With a kprobe where the mode allows one: fentry on a module's
 * function holds a reference on the module (the kernel's BPF selftest module_attach checks
 * that delete_module() fails meanwhile), so 'rmmod' of the module would fail with EBUSY for
 * as long as we watch it, and nothing would tell the user that hotcanary is the holder. A
 * kprobe holds none: the module can go whenever its user wants, and the rollout takes the
 * probes out when it has gone. fentry only with '--mode fentry', or where kprobes cannot do
 * it; the rollout's timeline then says that the module is held.
 */
static int prepare_module_func(struct monitor *m, struct monitor_func *fn, char *err, size_t errlen)
{
	bool kprobe;
	int ret;

	ret = ksym__check(fn->spec.symbol, fn->spec.path, &fn->kprobe_ok, err, errlen);
	if (ret)
		return ret;
	kprobe = m->mode == HC_MODE_KPROBE ||
		 (m->mode == HC_MODE_AUTO && fn->kprobe_ok && ksym__kprobes_available());
	if (kprobe && !fn->kprobe_ok) {
		snprintf(err, errlen,
			 "kernel function '%s' is on the kprobe blacklist; use '--mode fentry'",
			 fn->spec.symbol);
		return -EPERM;
	}
	return kprobe || fn->inst ? 0 : load_fentry(m, fn, err, errlen);
}

int monitor__attach_func(struct monitor *m, size_t i, char *err, size_t errlen)
{
	struct monitor_func *fn;
	int ret;

	if (i >= m->nr || !m->skel)
		return -EINVAL;
	fn = &m->funcs[i];
	if (fn->entry)
		return 0;
	if (fn->deferred && fn->spec.kind == HC_FUNC_KERNEL) {
		ret = prepare_module_func(m, fn, err, errlen);
		if (ret)
			return ret;
	}
	/* exit first, as in monitor__attach() */
	fn->exit = attach_one(m, fn, 1);
	fn->entry = fn->exit ? attach_one(m, fn, 0) : NULL;
	if (!fn->entry) {
		ret = -errno;
		monitor__detach_func(m, i);
		snprintf(err, errlen, "cannot attach probes to '%s': %s", fn->spec.text,
			 strerror(-ret));
		return ret;
	}
	return 0;
}

void monitor__detach_func(struct monitor *m, size_t i)
{
	struct monitor_func *fn;

	if (i >= m->nr)
		return;
	fn = &m->funcs[i];
	bpf_link__destroy(fn->entry);
	fn->entry = NULL;
	bpf_link__destroy(fn->exit);
	fn->exit = NULL;
	/* the program as well as its link may hold the module (prepare_module_func()) */
	if (fn->deferred && fn->spec.kind == HC_FUNC_KERNEL) {
		monitor_bpf__destroy(fn->inst);
		fn->inst = NULL;
	}
}

uint32_t monitor__next_epoch(struct monitor *m)
{
	return __atomic_fetch_add(&m->ctl->epoch, 1, __ATOMIC_ACQ_REL);
}

int monitor__read(struct monitor *m, size_t i, uint32_t epoch, struct hc_snapshot *out)
{
	__u32 key = (__u32)i;
	int c;

	memset(out, 0, sizeof(*out));
	if (i >= m->nr)
		return -EINVAL;
	if (bpf_map_lookup_elem(bpf_map__fd(m->skel->maps.stats), &key, m->percpu))
		return -errno;
	for (c = 0; c < m->ncpus; c++)
		snapshot__add_cpu(out, &m->percpu[c], epoch);
	return 0;
}

int monitor__sample(struct monitor *m, struct hc_snapshot *prev, struct hc_snapshot *delta)
{
	uint32_t epoch = monitor__next_epoch(m);
	struct hc_snapshot cur;
	size_t i;
	int ret;

	for (i = 0; i < m->nr; i++) {
		ret = monitor__read(m, i, epoch, &cur);
		if (ret)
			return ret;
		snapshot__delta(&delta[i], &cur, &prev[i]);
		prev[i] = cur;
	}
	return 0;
}

static uint64_t prog_misses(const struct bpf_program *p)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_program__fd(p);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

void monitor__health(struct monitor *m, struct monitor_health *h)
{
	struct bpf_program *p;
	size_t i;

	memset(h, 0, sizeof(*h));
	if (!m->ctl)
		return;
	h->storage_fail = __atomic_load_n(&m->ctl->storage_fail, __ATOMIC_RELAXED);
	bpf_object__for_each_program(p, m->skel->obj)
		h->prog_misses += prog_misses(p);
	for (i = 0; i < m->nr; i++) {
		if (!m->funcs[i].inst)
			continue;
		bpf_object__for_each_program(p, m->funcs[i].inst->obj)
			h->prog_misses += prog_misses(p);
	}
}

void monitor__free(struct monitor *m)
{
	size_t i;

	if (!m)
		return;
	monitor__detach(m);
	unload_fentry(m);
	for (i = 0; i < m->nr; i++) {
		free(m->funcs[i].path);
		funcspec__free(&m->funcs[i].spec);
	}
	if (m->ctl)
		munmap(m->ctl, sysconf(_SC_PAGESIZE));
	monitor_bpf__destroy(m->skel);
	free(m->percpu);
	free(m->funcs);
	free(m);
}
