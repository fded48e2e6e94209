// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-flight as the target, the second half: every symbol the fix library imports resolves
 * in the process. dlopen(RTLD_NOW) binds each one against the process's global scope (the
 * program and what it loaded) and the fix's own DT_NEEDED libraries; a missing one fails
 * the injection mid-rollout with "undefined symbol". Here it is found before anything
 * changes, from the files: the objects the process maps (through /proc/PID/map_files, the
 * very files) and the fix's needed libraries that it does not map yet, looked up below
 * /proc/PID/root as its loader would (the fix's RUNPATH, then the default directories).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <inttypes.h>
#include <libelf.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc.h"
#include "ulp_int.h"

/* a library's own needed ones are followed this deep: the loader's breadth-first scope */
#define NEEDED_MAX 64

struct strv {
	char **v;
	size_t n, cap;
};

static int strv__add(struct strv *s, const char *str)
{
	char **nv;

	if (s->n == s->cap) {
		nv = realloc(s->v, (s->cap ? 2 * s->cap : 64) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = s->cap ? 2 * s->cap : 64;
	}
	s->v[s->n] = strdup(str);
	return s->v[s->n] ? (s->n++, 0) : -ENOMEM;
}

static void strv__free(struct strv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool strv__has(const struct strv *s, const char *str)
{
	return bsearch(&str, s->v, s->n, sizeof(*s->v), str_cmp) != NULL;
}

/* what the dynamic section and .dynsym of one object say */
struct dynobj {
	struct strv defined; /* exported: global or weak, defined, default or protected */
	struct strv undef;   /* imported, non-weak: must resolve */
	struct strv needed;  /* DT_NEEDED */
	char runpath[PATH_MAX];
};

static void dynobj__free(struct dynobj *o)
{
	strv__free(&o->defined);
	strv__free(&o->undef);
	strv__free(&o->needed);
}

static int dynobj__read_fd(int fd, struct dynobj *o)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int ret = 0;
	Elf *elf;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		return -ENOEXEC;
	}
	while (!ret && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_DYNAMIC))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; !ret && i < n; i++) {
			const char *name;
			GElf_Sym sym;

			if (sh.sh_type == SHT_DYNAMIC) {
				GElf_Dyn dyn;

				if (!gelf_getdyn(data, (int)i, &dyn))
					continue;
				name = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
				if (dyn.d_tag == DT_NEEDED && name)
					ret = strv__add(&o->needed, name);
				else if ((dyn.d_tag == DT_RUNPATH || dyn.d_tag == DT_RPATH) && name)
					snprintf(o->runpath, sizeof(o->runpath), "%s", name);
				continue;
			}
			if (!gelf_getsym(data, (int)i, &sym) || !sym.st_name)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || GELF_ST_TYPE(sym.st_info) == STT_SECTION ||
			    GELF_ST_TYPE(sym.st_info) == STT_FILE)
				continue;
			if (sym.st_shndx == SHN_UNDEF) {
				if (GELF_ST_BIND(sym.st_info) != STB_WEAK)
					ret = strv__add(&o->undef, name);
			} else if (GELF_ST_BIND(sym.st_info) != STB_LOCAL &&
				   GELF_ST_VISIBILITY(sym.st_other) != STV_HIDDEN &&
				   GELF_ST_VISIBILITY(sym.st_other) != STV_INTERNAL) {
				ret = strv__add(&o->defined, name);
			}
		}
	}
	elf_end(elf);
	return ret;
}

static int dynobj__read(const char *path, struct dynobj *o)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = dynobj__read_fd(fd, o);
	close(fd);
	return ret;
}

/* every export of @o into @all */
static int add_exports(struct strv *all, const struct dynobj *o)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < o->defined.n; i++)
		ret = strv__add(all, o->defined.v[i]);
	return ret;
}

/*
 * Where the process's loader looks for a library that a DT_NEEDED names, after the object's
 * own RUNPATH: its LD_LIBRARY_PATH as it started, the directories of its root's
 * /etc/ld.so.conf.d (what ld.so.cache lists), and the default ones.
 */
static int search_dirs(pid_t pid, struct strv *dirs)
{
	static const char *const defaults[] = {
		"/lib/x86_64-linux-gnu",
		"/usr/lib/x86_64-linux-gnu",
		"/lib64",
		"/usr/lib64",
		"/lib",
		"/usr/lib"
	};
	char path[PATH_MAX], *buf = NULL, *line = NULL, *save, *d;
	size_t cap = 0, n = 0, i;
	int ret = 0;
	glob_t g;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	f = fopen(path, "re");
	/* NUL-separated "NAME=value" strings */
	while (f && getdelim(&buf, &cap, '\0', f) > 0 && !ret) {
		if (strncmp(buf, "LD_LIBRARY_PATH=", 16))
			continue;
		for (d = strtok_r(buf + 16, ":;", &save); d && !ret;
		     d = strtok_r(NULL, ":;", &save))
			ret = strv__add(dirs, d);
	}
	if (f)
		fclose(f);
	free(buf);
	cap = 0;
	snprintf(path, sizeof(path), "/proc/%d/root/etc/ld.so.conf.d/*.conf", pid);
	if (!ret && !glob(path, 0, NULL, &g)) {
		for (n = 0; n < g.gl_pathc && !ret; n++) {
			f = fopen(g.gl_pathv[n], "re");
			while (f && getline(&line, &cap, f) > 0 && !ret) {
				line[strcspn(line, " \t\n#")] = '\0';
				if (line[0] == '/')
					ret = strv__add(dirs, line);
			}
			if (f)
				fclose(f);
		}
		globfree(&g);
	}
	free(line);
	for (i = 0; !ret && i < sizeof(defaults) / sizeof(defaults[0]); i++)
		ret = strv__add(dirs, defaults[i]);
	return ret;
}

/*
 * @soname in the process's namespace: in @runpath ($ORIGIN being @origin, the needing
 * object's directory there), then in @dirs. The path, below /proc/PID/root, in @out.
 */
static int find_lib(pid_t pid, const char *runpath, const char *origin, const struct strv *dirs,
		    const char *soname, char *out, size_t len)
{
	char rp[PATH_MAX], *save = NULL, *d;
	size_t i;

	snprintf(rp, sizeof(rp), "%s", runpath);
	for (d = strtok_r(rp, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (!strncmp(d, "$ORIGIN", 7))
			snprintf(out, len, "/proc/%d/root%s%s/%s", pid, origin, d + 7, soname);
		else if (!strncmp(d, "${ORIGIN}", 9))
			snprintf(out, len, "/proc/%d/root%s%s/%s", pid, origin, d + 9, soname);
		else
			snprintf(out, len, "/proc/%d/root%s/%s", pid, d, soname);
		if (!access(out, R_OK))
			return 0;
	}
	for (i = 0; i < dirs->n; i++) {
		snprintf(out, len, "/proc/%d/root%s/%s", pid, dirs->v[i], soname);
		if (!access(out, R_OK))
			return 0;
	}
	return -ENOENT;
}

/* the file names the process maps, its sonames in effect: which needed ones are in already */
static bool mapped_name(const struct proc_maps *maps, const char *soname)
{
	size_t i;

	for (i = 0; i < maps->n; i++) {
		const char *slash = strrchr(maps->v[i].path, '/');

		if (slash && !strcmp(slash + 1, soname))
			return true;
	}
	return false;
}

/* the exports of every file the process maps, each read once, from the mapped file itself */
static int process_exports(pid_t pid, const struct proc_maps *maps, struct strv *all)
{
	uint64_t last_ino = 0, last_dev = 0;
	char path[128];
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < maps->n; i++) {
		const struct proc_map *m = &maps->v[i];
		uint64_t dev = ((uint64_t)m->dev_major << 32) | m->dev_minor;
		struct dynobj o = { 0 };

		if (!m->inode || m->path[0] != '/' || (m->inode == last_ino && dev == last_dev))
			continue;
		last_ino = m->inode;
		last_dev = dev;
		snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid,
			 m->start, m->end);
		/* a data file, or a mapping that went meanwhile: nothing to export */
		if (dynobj__read(path, &o) == -ENOMEM)
			ret = -ENOMEM;
		else
			ret = add_exports(all, &o);
		dynobj__free(&o);
	}
	return ret;
}

/* a needed library to find, with what the object that needs it says of where */
static int need(struct strv *queue, struct strv *rpaths, struct strv *origins, const char *soname,
		const char *runpath, const char *needer)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", needer);
	return strv__add(queue, soname)		  ?:
		       strv__add(rpaths, runpath) ?:
						    strv__add(origins, dirname(dir));
}

int ulp__check_imports(const struct ulp_image *img, const struct ulp_proc *p, char *err, size_t len)
{
	struct strv all = { 0 }, queue = { 0 }, rpaths = { 0 }, origins = { 0 }, dirs = { 0 };
	char path[PATH_MAX + 64], root[64];
	struct proc_maps maps = { 0 };
	struct dynobj fix = { 0 };
	size_t i, k, rl;
	int ret;

	ret = dynobj__read(img->library, &fix);
	if (ret) {
		snprintf(err, len, "cannot read the dynamic symbols of '%s': %s", img->library,
			 strerror(-ret));
		goto out;
	}
	ret = proc_maps__read(p->pid, &maps);
	if (ret) {
		snprintf(err, len, "pid %d: cannot read its memory map: %s", p->pid,
			 strerror(-ret));
		goto out;
	}
	rl = (size_t)snprintf(root, sizeof(root), "/proc/%d/root", p->pid);
	ret = process_exports(p->pid, &maps, &all) ?:
		      add_exports(&all, &fix)	   ?:
						     search_dirs(p->pid, &dirs);
	/* the needed libraries the process does not map: found and read as its loader would */
	for (i = 0; !ret && i < fix.needed.n; i++)
		ret = need(&queue, &rpaths, &origins, fix.needed.v[i], fix.runpath, img->library);
	for (k = 0; !ret && k < queue.n && k < NEEDED_MAX; k++) {
		struct dynobj o = { 0 };

		if (mapped_name(&maps, queue.v[k]))
			continue;
		if (find_lib(p->pid, rpaths.v[k], origins.v[k], &dirs, queue.v[k], path,
			     sizeof(path))) {
			snprintf(err, len,
				 "pid %d: the fix library '%s' needs '%s', which its loader would "
				 "not find (not in a RUNPATH, the process's LD_LIBRARY_PATH, "
				 "ld.so.conf.d or the default directories of its root); dlopen() "
				 "would fail: install it there, or link the fix without it",
				 p->pid, img->library, queue.v[k]);
			ret = -ENOENT;
			break;
		}
		ret = dynobj__read(path, &o);
		if (ret == -ENOMEM)
			break;
		ret = add_exports(&all, &o);
		for (i = 0; !ret && i < o.needed.n; i++)
			ret = need(&queue, &rpaths, &origins, o.needed.v[i], o.runpath,
				   strlen(path) > rl ? path + rl : path);
		dynobj__free(&o);
	}
	if (ret)
		goto out;
	qsort(all.v, all.n, sizeof(*all.v), str_cmp);
	for (i = 0; i < fix.undef.n; i++) {
		if (strv__has(&all, fix.undef.v[i]))
			continue;
		snprintf(err, len,
			 "pid %d: the fix library '%s' imports '%s', which neither the process "
			 "(its program and the libraries it maps) nor a library the fix needs "
			 "defines; dlopen() would fail with 'undefined symbol': link the fix "
			 "against the library that has it, or build it for this target",
			 p->pid, img->library, fix.undef.v[i]);
		ret = -ENOENT;
		break;
	}
out:
	if (ret == -ENOMEM)
		snprintf(err, len, "pid %d: out of memory", p->pid);
	proc_maps__free(&maps);
	dynobj__free(&fix);
	strv__free(&all);
	strv__free(&queue);
	strv__free(&rpaths);
	strv__free(&origins);
	strv__free(&dirs);
	return ret;
}
