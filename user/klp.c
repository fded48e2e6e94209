// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel livepatch lifecycle primitives; see klp.h. Modules are loaded with finit_module(2)
 * and unloaded with delete_module(2) directly, and modinfo is read from the .modinfo section
 * with libelf: Debian ships no static libkmod (libkmod-dev has only the .so), and the VM
 * tests run a static binary (make static: -lbpf -lelf -lz -ljson-c -lyaml -lm).
 *
 * Here: the system root, module load and unload, and the kernel facts. Reading a module file
 * is in klp_modfile.c, /sys/kernel/livepatch in klp_sysfs.c, their shared helpers in klp_int.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "klp.h"
#include "klp_int.h"
#include "trust.h"

char *klp_sys__path(const struct klp_sys *sys, char *buf, size_t len, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = (size_t)snprintf(buf, len, "%s", sys->root);
	if (n >= len)
		n = len - 1;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return buf;
}

int klp_sys__init(struct klp_sys *sys, const char *root)
{
	static const char *const tdirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[PATH_MAX];
	size_t i, n;

	memset(sys, 0, sizeof(*sys));
	sys->trusted_uid = 0;
	sys->poll_ms = 20;
	if (root && strcmp(root, "/")) {
		n = strlen(root);
		while (n > 1 && root[n - 1] == '/')
			n--;
		if (n >= sizeof(sys->root) - 64)
			return -ENAMETOOLONG;
		memcpy(sys->root, root, n);
		sys->root[n] = '\0';
		klp_sys__path(sys, sys->tracefs, sizeof(sys->tracefs), "/sys/kernel/tracing");
		return 0;
	}
	snprintf(sys->tracefs, sizeof(sys->tracefs), "%s", tdirs[0]);
	for (i = 0; i < sizeof(tdirs) / sizeof(tdirs[0]); i++) {
		pathf(path, sizeof(path), "%s/available_filter_functions", tdirs[i]);
		if (!access(path, R_OK)) {
			snprintf(sys->tracefs, sizeof(sys->tracefs), "%s", tdirs[i]);
			break;
		}
	}
	return 0;
}

int klp_sys__read_layout(struct klp_sys *sys)
{
	char path[PATH_MAX + 32];
	int ret;

	klp_sys__path(sys, path, sizeof(path), "/sys/kernel/btf/vmlinux");
	ret = klp_layout__from_btf(path, &sys->layout);
	sys->have_layout = !ret;
	return ret;
}

/* ---- modules ---------------------------------------------------------------------------- */

int klp__load(const char *path, const char *params, char *err, size_t errlen)
{
	const char *hint = "";
	int fd, ret = 0;

	/* the descriptor checked is the one loaded: nobody swaps the file in between */
	fd = trust__open_file(path, "the livepatch module", err, errlen);
	if (fd < 0)
		return fd;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0)) {
		ret = -errno;
		switch (-ret) {
		case EBUSY:
			hint = " (another livepatch in transition, or an IPMODIFY ftrace user on a "
			       "patched function; see dmesg)";
			break;
		case EINVAL:
		case ENOENT:
			hint = " (incompatible with the installed livepatches, or a symbol did not "
			       "resolve; see dmesg)";
			break;
		case ENOEXEC:
			hint = " (vermagic or format does not match this kernel; see dmesg)";
			break;
		case EKEYREJECTED:
		case ENOKEY:
		case EPERM:
			hint = " (signature required by module.sig_enforce or lockdown, or no "
			       "CAP_SYS_MODULE)";
			break;
		case EEXIST:
			hint = " (a module of that name is already loaded)";
			break;
		}
		snprintf(err, errlen, "loading '%s' failed: %s%s", path, strerror(-ret), hint);
	}
	close(fd);
	return ret;
}

int klp__unload(const char *name, char *err, size_t errlen)
{
	char mn[KLP_NAME_MAX];

	modname(mn, sizeof(mn), name);
	if (syscall(SYS_delete_module, mn, O_NONBLOCK)) {
		int ret = -errno;

		snprintf(err, errlen, "unloading module '%s' failed: %s%s", mn, strerror(-ret),
			 ret == -EWOULDBLOCK || ret == -EBUSY ?
				 " (still in use: refcnt > 0; a "
				 "livepatch must be disabled and gone from sysfs first)" :
				 "");
		return ret;
	}
	return 0;
}

int klp__loaded(const struct klp_sys *sys, const char *name)
{
	char mn[KLP_NAME_MAX], path[PATH_MAX];

	modname(mn, sizeof(mn), name);
	klp_sys__path(sys, path, sizeof(path), "/sys/module/%s", mn);
	return is_dir(path);
}

int klp__refcnt(const struct klp_sys *sys, const char *name)
{
	char mn[KLP_NAME_MAX], path[PATH_MAX];
	long v;
	int ret;

	modname(mn, sizeof(mn), name);
	klp_sys__path(sys, path, sizeof(path), "/sys/module/%s/refcnt", mn);
	ret = read_long(path, &v);
	if (ret)
		return ret;
	return v < 0 ? -EINVAL : (int)v;
}

/* ---- kernel facts ----------------------------------------------------------------------- */

/* @rel (a path in modules.dep) is an in-tree module whose vermagic becomes the reference */
static bool ref_from(const char *dir, const char *rel, struct klp_kernel *k)
{
	char kpath[PATH_MAX * 2 + 2], err[256];
	struct klp_mod mod;

	pathf(kpath, sizeof(kpath), "%s/%s", dir, rel);
	if (klp_mod__read(kpath, &mod, err, sizeof(err)))
		return false;
	if (mod.intree && mod.vermagic[0]) {
		set_field(k->ref_vermagic, sizeof(k->ref_vermagic), mod.vermagic);
		set_field(k->ref_vermagic_src, sizeof(k->ref_vermagic_src), kpath);
	}
	klp_mod__free(&mod);
	return k->ref_vermagic[0] != '\0';
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

/*
 * The vermagic of an in-tree module under /lib/modules/<release>: the loaded ones (in
 * /proc/modules) first, then any; at most 8 files are read.
 */
static void find_ref_vermagic(const struct klp_sys *sys, struct klp_kernel *k)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], *line = NULL, *loaded = NULL;
	char name[KLP_NAME_MAX], key[KLP_NAME_MAX + 2], *colon, *base;
	size_t cap = 0, llen = 0;
	int pass, tries = 0;
	bool is_loaded;
	FILE *f, *m;

	klp_sys__path(sys, path, sizeof(path), "/proc/modules");
	f = fopen(path, "re");
	m = open_memstream(&loaded, &llen);
	if (f && m) {
		/* " name1 name2 ... ", to search for " name " */
		fputc(' ', m);
		while (getline(&line, &cap, f) > 0) {
			line[strcspn(line, " \n")] = '\0';
			fprintf(m, "%s ", line);
		}
	}
	if (f)
		fclose(f);
	if (m)
		fclose(m);
	klp_sys__path(sys, dir, sizeof(dir), "/lib/modules/%s", k->release);
	pathf(path, sizeof(path), "%s/modules.dep", dir);
	for (pass = 0; pass < 2 && tries < 8 && !k->ref_vermagic[0]; pass++) {
		f = fopen(path, "re");
		if (!f)
			break;
		while (tries < 8 && !k->ref_vermagic[0] && getline(&line, &cap, f) > 0) {
			colon = strchr(line, ':');
			if (!colon)
				continue;
			*colon = '\0';
			/* .ko.xz and .ko.zst cannot be read: no decompressor for them is linked */
			if (!ends_with(line, ".ko") && !ends_with(line, ".ko.gz"))
				continue;
			base = strrchr(line, '/');
			modname(name, sizeof(name), base ? base + 1 : line);
			name[strcspn(name, ".")] = '\0';
			pathf(key, sizeof(key), " %s ", name);
			is_loaded = loaded && strstr(loaded, key);
			if (is_loaded != (pass == 0)) /* loaded ones in pass 0, others in 1 */
				continue;
			tries++;
			ref_from(dir, line, k);
		}
		fclose(f);
	}
	free(line);
	free(loaded);
}

int klp_kernel__read(const struct klp_sys *sys, struct klp_kernel *k)
{
	char path[PATH_MAX], buf[128], *open_b, *close_b;
	long v;

	memset(k, 0, sizeof(*k));
	klp_sys__path(sys, path, sizeof(path), "/proc/sys/kernel/osrelease");
	read_line(path, k->release, sizeof(k->release));
	k->version = parse_kver(k->release);
	klp_sys__path(sys, path, sizeof(path), "/proc/sys/kernel/version");
	read_line(path, k->uts_version, sizeof(k->uts_version));
	klp_sys__path(sys, path, sizeof(path), "/sys/kernel/livepatch");
	k->livepatch = is_dir(path);
	klp_sys__path(sys, path, sizeof(path), "/proc/sys/kernel/ftrace_enabled");
	k->ftrace_enabled = read_long(path, &v) ? -1 : v != 0;
	klp_sys__path(sys, path, sizeof(path), "/sys/module/module/parameters/sig_enforce");
	k->sig_enforce = read_bool_attr(path);
	klp_sys__path(sys, path, sizeof(path), "/sys/kernel/security/lockdown");
	if (!read_line(path, buf, sizeof(buf))) {
		/* "[none] integrity confidentiality" */
		open_b = strchr(buf, '[');
		close_b = open_b ? strchr(open_b, ']') : NULL;
		if (open_b && close_b) {
			*close_b = '\0';
			snprintf(k->lockdown, sizeof(k->lockdown), "%s", open_b + 1);
		}
	}
	klp_sys__path(sys, path, sizeof(path), "/proc/sys/kernel/tainted");
	if (!read_line(path, buf, sizeof(buf))) {
		char *end;

		errno = 0;
		k->taint = strtoul(buf, &end, 10);
		k->have_taint = !errno && end != buf;
	}
	klp_sys__path(sys, path, sizeof(path), "/proc/cmdline");
	read_line(path, k->cmdline, sizeof(k->cmdline));
	klp_sys__path(sys, path, sizeof(path), "/sys/bus/event_source/devices/kprobe/type");
	k->kprobes = !access(path, F_OK);
	if (!k->kprobes) {
		pathf(path, sizeof(path), "%s/kprobe_events", sys->tracefs);
		k->kprobes = !access(path, F_OK);
	}
	if (k->release[0])
		find_ref_vermagic(sys, k);
	return 0;
}

/* does the space-separated list @s have the word @w */
static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	const char *p = s;

	while ((p = strstr(p, w))) {
		if ((p == s || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

/* @s without leading and trailing spaces, into @buf */
static const char *trim(const char *s, char *buf, size_t len)
{
	size_t n;

	s += strspn(s, " ");
	snprintf(buf, len, "%s", s);
	n = strlen(buf);
	while (n && buf[n - 1] == ' ')
		buf[--n] = '\0';
	return buf;
}

int klp__vermagic_match(const struct klp_kernel *k, const char *vermagic, char *why, size_t len)
{
	char rel[KLP_VERMAGIC_MAX], rest[KLP_VERMAGIC_MAX], ref[KLP_VERMAGIC_MAX];
	bool smp, preempt, rt, ksmp, kpreempt, krt;
	size_t n;

	n = strcspn(vermagic, " ");
	snprintf(rel, sizeof(rel), "%.*s", (int)n, vermagic);
	trim(vermagic + n, rest, sizeof(rest));
	if (!vermagic[0]) {
		snprintf(why, len, "the module has no vermagic");
		return -EINVAL;
	}
	if (strcmp(rel, k->release)) {
		snprintf(why, len, "built for kernel %s, this is %s", rel, k->release);
		return -EINVAL;
	}
	if (k->ref_vermagic[0]) {
		n = strcspn(k->ref_vermagic, " ");
		trim(k->ref_vermagic + n, ref, sizeof(ref));
		if (strcmp(rest, ref)) {
			snprintf(why, len, "vermagic flags '%s' differ from '%s' of in-tree %s",
				 rest, ref, k->ref_vermagic_src);
			return -EINVAL;
		}
		snprintf(why, len, "vermagic '%s %s' matches the kernel and in-tree %s", rel, rest,
			 k->ref_vermagic_src);
		return 0;
	}
	if (!k->uts_version[0]) {
		snprintf(why, len,
			 "release %s matches; flags '%s' not checked (no in-tree module "
			 "file and no kernel version string to compare)",
			 rel, rest);
		return 1;
	}
	smp = has_word(rest, "SMP");
	preempt = has_word(rest, "preempt");
	rt = has_word(rest, "preempt_rt");
	ksmp = has_word(k->uts_version, "SMP");
	krt = has_word(k->uts_version, "PREEMPT_RT");
	kpreempt = has_word(k->uts_version, "PREEMPT") ||
		   has_word(k->uts_version, "PREEMPT_DYNAMIC");
	if (smp != ksmp || (krt ? !(rt || preempt) : (preempt != kpreempt || rt))) {
		snprintf(why, len, "vermagic flags '%s' do not fit the kernel's '%s'", rest,
			 k->uts_version);
		return -EINVAL;
	}
	snprintf(why, len,
		 "release %s matches; SMP/preempt flags fit '%s' (no in-tree module "
		 "file to compare mod_unload/modversions with)",
		 rel, k->uts_version);
	return 1;
}

int klp__srcversion(const struct klp_sys *sys, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX + 64];

	klp_sys__path(sys, path, sizeof(path), "/sys/module/%s/srcversion", name);
	return read_line(path, buf, len);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int klp__params(const struct klp_sys *sys, const char *name, char *buf, size_t len)
{
	char mn[KLP_NAME_MAX], dir[PATH_MAX], path[PATH_MAX + 300], val[256], **names = NULL;
	size_t n = 0, cap = 0, used = 0, i;
	struct dirent *de;
	int ret = 0, w;
	DIR *d;

	buf[0] = '\0';
	modname(mn, sizeof(mn), name);
	klp_sys__path(sys, dir, sizeof(dir), "/sys/module/%s/parameters", mn);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno; /* a module without parameters has no dir */
	while ((de = readdir(d))) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				ret = -ENOMEM;
				break;
			}
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			ret = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (!ret && n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && !ret; i++) {
		pathf(path, sizeof(path), "%s/%s", dir, names[i]);
		/* 0200 parameters, and a charp never set ("(null)"), have no value to give back */
		if (read_line(path, val, sizeof(val)) || !strcmp(val, "(null)"))
			continue;
		if (strchr(val, '"')) {
			ret = -EINVAL; /* finit_module's parser has no escape for a quote */
			break;
		}
		w = snprintf(buf + used, len - used,
			     strpbrk(val, " \t") ? "%s%s=\"%s\"" : "%s%s=%s", used ? " " : "",
			     names[i], val);
		if (w < 0 || (size_t)w >= len - used) {
			ret = -ENAMETOOLONG;
			break;
		}
		used += (size_t)w;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (ret)
		buf[0] = '\0';
	return ret;
}
