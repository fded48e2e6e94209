// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "kcallers.h"
#include "ksym.h"

const char *ksym__tracefs(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/available_filter_functions", dirs[i]);
		if (!access(path, R_OK))
			return dirs[i];
	}
	/* systemd mounts it on demand; a minimal system or an initramfs may not have it yet */
	if (!mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) &&
	    !access("/sys/kernel/tracing/available_filter_functions", R_OK))
		return "/sys/kernel/tracing";
	return NULL;
}

int ksym__kprobes_available(void)
{
	const char *tracefs = ksym__tracefs();
	char path[128];

	if (!access("/sys/bus/event_source/devices/kprobe/type", R_OK))
		return 1;
	if (!tracefs)
		return 0;
	snprintf(path, sizeof(path), "%s/kprobe_events", tracefs);
	return !access(path, W_OK);
}

/* lines of @path whose first field after @skip fields is @name */
static int count_name(const char *path, int skip, const char *name, int *count)
{
	size_t cap = 0, nlen = strlen(name);
	char *line = NULL, *p;
	FILE *f;
	int i;

	*count = 0;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		p = line;
		for (i = 0; i < skip && p; i++) {
			p = strpbrk(p, " \t");
			if (p)
				p += strspn(p, " \t");
		}
		if (!p || strncmp(p, name, nlen))
			continue;
		if (p[nlen] == '\n' || p[nlen] == ' ' || p[nlen] == '\t' || p[nlen] == '\0')
			(*count)++;
	}
	free(line);
	fclose(f);
	return 0;
}

/* text symbols named @name in /proc/kallsyms: "ffffffff81234560 t name [module]" */
/* text symbols @name in kallsyms: *@count of them, *@in_module of them in @module */
static int count_text_symbols(const char *name, const char *module, int *count, int *in_module)
{
	char *line = NULL, type, sym[256], mod[64];
	size_t cap = 0;
	FILE *f;
	int n;

	*count = *in_module = 0;
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		mod[0] = '\0';
		n = sscanf(line, "%*s %c %255s [%63[^]]]", &type, sym, mod);
		if (n < 2 || (type != 't' && type != 'T') || strcmp(sym, name))
			continue;
		(*count)++;
		if (module && !strcmp(mod, module))
			(*in_module)++;
	}
	free(line);
	fclose(f);
	return 0;
}

int ksym__check(const char *name, const char *module, int *kprobe_ok, char *err, size_t errlen)
{
	const char *tracefs;
	char path[160];
	int n, in_module, ret;

	*kprobe_ok = 1;
	ret = count_text_symbols(name, module, &n, &in_module);
	if (ret) {
		snprintf(err, errlen, "cannot read /proc/kallsyms: %s", strerror(-ret));
		return ret;
	}
	if (module && !in_module) {
		snprintf(err, errlen,
			 "no function '%s' in module '%s' (/proc/kallsyms); is the module loaded? "
			 "(lsmod)",
			 name, module);
		return -ENOENT;
	}
	if (!n) {
		snprintf(err, errlen, "no kernel function '%s' (not in /proc/kallsyms)", name);
		return -ENOENT;
	}
	/* probes by name land on the first of several static functions: refuse to guess */
	if (n > 1) {
		snprintf(err, errlen,
			 "kernel function name '%s' is ambiguous: %d functions in "
			 "/proc/kallsyms have it",
			 name, n);
		return -ENOTUNIQ;
	}
	tracefs = ksym__tracefs();
	if (!tracefs) {
		snprintf(err, errlen,
			 "cannot find tracefs to check that '%s' is traceable; "
			 "mount it with 'mount -t tracefs tracefs /sys/kernel/tracing'",
			 name);
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/available_filter_functions", tracefs);
	ret = count_name(path, 0, name, &n);
	if (ret) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-ret));
		return ret;
	}
	if (!n) {
		struct kcallers_src src;
		char callers[512];

		kcallers_src__init(&src, "/proc/kallsyms", "/proc/kcore", path);
		kcallers__describe(&src, name, module, callers, sizeof(callers));
		kcallers_src__free(&src);
		snprintf(err, errlen,
			 "kernel function '%s' is not traceable (not in %s: notrace or noinstr); %s",
			 name, path, callers);
		return -EPERM;
	}
	/* "0xffffffff81000000-0xffffffff81000010\tname": absent without debugfs, which is fine */
	if (!count_name("/sys/kernel/debug/kprobes/blacklist", 1, name, &n) && n)
		*kprobe_ok = 0;
	return 0;
}

int ksym__ret_width(const char *name)
{
	const struct btf_type *t;
	struct btf *btf;
	__s64 size;
	int id, width = 0;

	/* parsed once: several MB, and every kernel function of a run asks */
	static struct btf *vmlinux_btf;

	if (!vmlinux_btf)
		vmlinux_btf = btf__load_vmlinux_btf();
	btf = vmlinux_btf;
	if (!btf)
		return 0;
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	if (id <= 0)
		goto out;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL; /* the FUNC_PROTO */
	if (!t || !t->type)
		goto out;
	size = btf__resolve_size(btf, t->type);
	if (size == 1 || size == 2 || size == 4 || size == 8)
		width = (int)size;
out:
	return width;
}
