// SPDX-License-Identifier: GPL-2.0
/*
 * The livepatches the kernel has (/sys/kernel/livepatch; see klp.h): the list with objects and
 * functions, enabled and transition, waiting for a transition to end or a patch to go,
 * disabling, the tasks that block a transition (/proc/<pid>/task/<tid>/patch_state), and
 * whether a transition was forced.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "klp.h"
#include "klp_int.h"

#define FORCED_MSG "forcing remaining tasks to the patched state"

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- enabled livepatches ---------------------------------------------------------------- */

static void patch_free_members(struct klp_patch *p);

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct klp_patch *)a)->name, ((const struct klp_patch *)b)->name);
}

/* the object dirs of a patch, and their "<func>,<sympos>" dirs */
static int read_patch_objs(const char *pdir, struct klp_patch *p)
{
	char odir[PATH_MAX], path[PATH_MAX + 300], fname[KLP_SYM_MAX], *comma, *end;
	struct klp_patch_obj *no;
	struct dirent *oe, *fe;
	unsigned long sympos;
	DIR *pd, *od;
	int ret = 0;

	pd = opendir(pdir);
	if (!pd)
		return -errno;
	while ((oe = readdir(pd))) {
		if (oe->d_name[0] == '.')
			continue;
		pathf(odir, sizeof(odir), "%s/%s", pdir, oe->d_name);
		if (!is_dir(odir))
			continue;
		no = realloc(p->objs, (p->nr_objs + 1) * sizeof(*no));
		if (!no) {
			ret = -ENOMEM;
			break;
		}
		p->objs = no;
		no = &p->objs[p->nr_objs++];
		set_field(no->name, sizeof(no->name), oe->d_name);
		pathf(path, sizeof(path), "%s/patched", odir);
		no->patched = read_bool_attr(path);
		od = opendir(odir);
		if (!od)
			continue;
		while ((fe = readdir(od))) {
			if (fe->d_name[0] == '.')
				continue;
			pathf(path, sizeof(path), "%s/%s", odir, fe->d_name);
			if (!is_dir(path))
				continue;
			set_field(fname, sizeof(fname), fe->d_name);
			sympos = 1;
			comma = strrchr(fname, ',');
			if (comma) {
				*comma = '\0';
				sympos = strtoul(comma + 1, &end, 10);
				if (*end || !sympos)
					sympos = 1;
			}
			ret = add_func(&p->funcs, &p->nr_funcs, no->name, fname, sympos);
			if (ret)
				break;
		}
		closedir(od);
		if (ret)
			break;
	}
	closedir(pd);
	return ret;
}

int klp__list(const struct klp_sys *sys, struct klp_patch **out, size_t *n, char *err,
	      size_t errlen)
{
	char dir[PATH_MAX], pdir[PATH_MAX + 300], path[PATH_MAX + 320];
	struct klp_patch *list = NULL, *nl, *p;
	struct dirent *de;
	size_t cnt = 0;
	long v;
	DIR *d;
	int ret = 0;

	*out = NULL;
	*n = 0;
	klp_sys__path(sys, dir, sizeof(dir), "/sys/kernel/livepatch");
	d = opendir(dir);
	if (!d) {
		ret = -errno;
		snprintf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
		return ret;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		pathf(pdir, sizeof(pdir), "%s/%s", dir, de->d_name);
		pathf(path, sizeof(path), "%s/enabled", pdir);
		if (!is_dir(pdir) || read_long(path, &v))
			continue; /* not a patch, or gone meanwhile */
		nl = realloc(list, (cnt + 1) * sizeof(*nl));
		if (!nl) {
			ret = -ENOMEM;
			break;
		}
		list = nl;
		p = &list[cnt++];
		memset(p, 0, sizeof(*p));
		set_field(p->name, sizeof(p->name), de->d_name);
		p->enabled = v != 0;
		pathf(path, sizeof(path), "%s/transition", pdir);
		p->transition = read_bool_attr(path);
		pathf(path, sizeof(path), "%s/replace", pdir);
		p->replace = read_bool_attr(path);
		pathf(path, sizeof(path), "%s/stack_order", pdir);
		p->stack_order = read_long(path, &v) ? -1 : (int)v;
		ret = read_patch_objs(pdir, p);
		if (ret == -ENOENT) { /* freed while we read it */
			patch_free_members(p);
			cnt--;
			ret = 0;
		} else if (ret) {
			break;
		}
	}
	closedir(d);
	if (ret) {
		snprintf(err, errlen, "reading %s: %s", dir, strerror(-ret));
		klp__list_free(list, cnt);
		return ret;
	}
	if (cnt > 1)
		qsort(list, cnt, sizeof(*list), name_cmp);
	*out = list;
	*n = cnt;
	return 0;
}

static void patch_free_members(struct klp_patch *p)
{
	free(p->objs);
	free(p->funcs);
	p->objs = NULL;
	p->funcs = NULL;
	p->nr_objs = p->nr_funcs = 0;
}

void klp__list_free(struct klp_patch *patches, size_t n)
{
	size_t i;

	for (i = 0; patches && i < n; i++)
		patch_free_members(&patches[i]);
	free(patches);
}

int klp_patch__patches(const struct klp_patch *p, const char *obj, const char *name,
		       unsigned long sympos)
{
	return klp_func_refs__has(p->funcs, p->nr_funcs, obj, name, sympos);
}

/* ---- transitions ------------------------------------------------------------------------ */

static int read_patch_attr(const struct klp_sys *sys, const char *name, const char *attr)
{
	char path[PATH_MAX];
	long v;
	int ret;

	klp_sys__path(sys, path, sizeof(path), "/sys/kernel/livepatch/%s/%s", name, attr);
	ret = read_long(path, &v);
	if (ret)
		return ret;
	return v != 0;
}

int klp__transition(const struct klp_sys *sys, const char *name)
{
	return read_patch_attr(sys, name, "transition");
}

int klp__enabled(const struct klp_sys *sys, const char *name)
{
	return read_patch_attr(sys, name, "enabled");
}

int klp__in_transition(const struct klp_sys *sys, char *name, size_t len)
{
	char dir[PATH_MAX];
	struct dirent *de;
	int found = 0;
	DIR *d;

	if (len)
		name[0] = '\0';
	klp_sys__path(sys, dir, sizeof(dir), "/sys/kernel/livepatch");
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (klp__transition(sys, de->d_name) == 1) {
			if (len)
				snprintf(name, len, "%s", de->d_name);
			found = 1;
			break;
		}
	}
	closedir(d);
	return found;
}

int klp__wait_transition(const struct klp_sys *sys, const char *name, uint64_t timeout_ms,
			 char *err, size_t errlen)
{
	uint64_t deadline = now_ms() + timeout_ms;
	int t;

	for (;;) {
		t = klp__transition(sys, name);
		if (t == 0 || t == -ENOENT)
			return 0;
		if (t < 0) {
			snprintf(err, errlen, "cannot read /sys/kernel/livepatch/%s/transition: %s",
				 name, strerror(-t));
			return t;
		}
		if (now_ms() >= deadline)
			break;
		sleep_ms(sys->poll_ms ? sys->poll_ms : 20);
	}
	snprintf(err, errlen, "livepatch '%s' still in transition after %llu ms", name,
		 (unsigned long long)timeout_ms);
	return -ETIMEDOUT;
}

int klp__wait_gone(const struct klp_sys *sys, const char *name, uint64_t timeout_ms, char *err,
		   size_t errlen)
{
	uint64_t deadline = now_ms() + timeout_ms;
	char path[PATH_MAX];

	klp_sys__path(sys, path, sizeof(path), "/sys/kernel/livepatch/%s", name);
	for (;;) {
		if (access(path, F_OK) && errno == ENOENT)
			return 0;
		if (now_ms() >= deadline)
			break;
		sleep_ms(sys->poll_ms ? sys->poll_ms : 20);
	}
	snprintf(err, errlen, "%s still exists after %llu ms", path,
		 (unsigned long long)timeout_ms);
	return -ETIMEDOUT;
}

int klp__disable(const struct klp_sys *sys, const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	klp_sys__path(sys, path, sizeof(path), "/sys/kernel/livepatch/%s/enabled", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return ret;
	}
	if (write(fd, "0", 1) != 1) {
		ret = -errno;
		if (ret == -EINVAL)
			snprintf(err, errlen, "writing 0 to %s: the patch is already disabled",
				 path);
		else if (ret == -EBUSY)
			snprintf(err, errlen, "writing 0 to %s: another livepatch is in transition",
				 path);
		else
			snprintf(err, errlen, "writing 0 to %s: %s", path, strerror(-ret));
	}
	close(fd);
	return ret;
}

static int add_blocker(struct klp_blocker **out, size_t *n, pid_t pid, pid_t tid, int state,
		       const char *tdir)
{
	char path[PATH_MAX + 16], *stack = NULL;
	struct klp_blocker *nb, *b;
	size_t len = 0;
	FILE *f;

	nb = realloc(*out, (*n + 1) * sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	*out = nb;
	b = &nb[*n];
	memset(b, 0, sizeof(*b));
	b->pid = pid;
	b->tid = tid;
	b->state = state;
	pathf(path, sizeof(path), "%s/comm", tdir);
	read_line(path, b->comm, sizeof(b->comm));
	pathf(path, sizeof(path), "%s/stack", tdir);
	f = fopen(path, "re");
	if (f) {
		FILE *m = open_memstream(&stack, &len);
		char buf[512];
		size_t r;

		if (m) {
			while ((r = fread(buf, 1, sizeof(buf), f)) > 0)
				fwrite(buf, 1, r, m);
			fclose(m);
		}
		fclose(f);
	}
	b->stack = stack ? stack : strdup("");
	if (!b->stack)
		return -ENOMEM;
	(*n)++;
	return 0;
}

int klp__blockers(const struct klp_sys *sys, int target, struct klp_blocker **out, size_t *n)
{
	char proc[PATH_MAX], tasks[PATH_MAX + 300], tdir[PATH_MAX + 600], path[PATH_MAX + 620];
	struct dirent *pe, *te;
	DIR *pd, *td;
	long state;
	int ret = 0;

	*out = NULL;
	*n = 0;
	klp_sys__path(sys, proc, sizeof(proc), "/proc");
	pd = opendir(proc);
	if (!pd)
		return -errno;
	while (!ret && (pe = readdir(pd))) {
		if (!all_digits(pe->d_name))
			continue;
		pathf(tasks, sizeof(tasks), "%s/%s/task", proc, pe->d_name);
		td = opendir(tasks);
		if (!td)
			continue; /* exited meanwhile */
		while ((te = readdir(td))) {
			if (!all_digits(te->d_name))
				continue;
			pathf(tdir, sizeof(tdir), "%s/%s", tasks, te->d_name);
			pathf(path, sizeof(path), "%s/patch_state", tdir);
			if (read_long(path, &state) || state == -1 || state == target)
				continue;
			ret = add_blocker(out, n, (pid_t)atol(pe->d_name), (pid_t)atol(te->d_name),
					  (int)state, tdir);
			if (ret)
				break;
		}
		closedir(td);
	}
	closedir(pd);
	if (ret) {
		klp__blockers_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

void klp__blockers_free(struct klp_blocker *b, size_t n)
{
	size_t i;

	for (i = 0; b && i < n; i++)
		free(b[i].stack);
	free(b);
}

/* ---- forced transitions ----------------------------------------------------------------- */

/* a kernel (facility 0) record of /dev/kmsg, "PRI,SEQ,TS,FLAGS;MESSAGE", containing @needle */
static bool kmsg_line_has(const char *line, const char *needle)
{
	const char *semi = strchr(line, ';');
	char *end;
	long pri;

	if (!semi || line[0] == ' ')
		return false;
	pri = strtol(line, &end, 10);
	if (end == line || *end != ',' || pri >= 8)
		return false; /* facility != 0: written by a process */
	return strstr(semi + 1, needle) != NULL;
}

static int scan_kmsg(const struct klp_sys *sys, char *why, size_t len)
{
	char path[PATH_MAX], buf[8192], line[2048];
	size_t ll = 0, i;
	int fd, found = 0, rounds = 0;
	ssize_t n;

	klp_sys__path(sys, path, sizeof(path), "/dev/kmsg");
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* /dev/kmsg gives one record per read and EAGAIN at the end; a plain file, chunks */
	while (!found && rounds++ < 1000000) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE)
			continue; /* records overwritten while reading: go on */
		if (n <= 0)
			break;
		for (i = 0; i < (size_t)n && !found; i++) {
			if (buf[i] != '\n') {
				if (ll + 1 < sizeof(line))
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = '\0';
			ll = 0;
			if (kmsg_line_has(line, FORCED_MSG)) {
				snprintf(why, len, "the kernel log says '%s'", FORCED_MSG);
				found = 1;
			}
		}
	}
	close(fd);
	return found;
}

int klp__forced(const struct klp_sys *sys, char *why, size_t len)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], taint[64];
	struct dirent *de;
	int found, refcnt;
	DIR *d;

	found = scan_kmsg(sys, why, len);
	if (found > 0)
		return 1;
	klp_sys__path(sys, dir, sizeof(dir), "/sys/module");
	d = opendir(dir);
	if (!d)
		return found < 0 && found != -ENOENT ? found : 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		pathf(path, sizeof(path), "%s/%s/taint", dir, de->d_name);
		if (read_line(path, taint, sizeof(taint)) || !strchr(taint, 'K'))
			continue;
		klp_sys__path(sys, path, sizeof(path), "/sys/kernel/livepatch/%s", de->d_name);
		if (is_dir(path))
			continue;
		refcnt = klp__refcnt(sys, de->d_name);
		if (refcnt > 0) {
			snprintf(why, len,
				 "livepatch module '%s' is no longer a patch in "
				 "/sys/kernel/livepatch but keeps refcnt %d: its transition was "
				 "forced, so the kernel never dropped its reference",
				 de->d_name, refcnt);
			closedir(d);
			return 1;
		}
	}
	closedir(d);
	return 0;
}
