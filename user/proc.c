// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "proc.h"

#define PAGE	    4096ULL
#define REL32_REACH 0x7fff0000ULL /* a little under 2 GiB: room for the jump's own length */
/* the kernel refuses lower addresses (vm.mmap_min_addr is at most 64 KiB by default) */
#define LOWEST_MAP  0x10000ULL
/* the end of the 47-bit user address space: 5-level paging users opt in above it */
#define HIGHEST_MAP 0x7ffffffff000ULL

static int read_file(const char *path, char **out, size_t *outlen)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ssize_t r;
	int fd;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		if (cap - n < 2) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			free(buf);
			close(fd);
			return (int)r;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	if (outlen)
		*outlen = n;
	return 0;
}

int proc_map__parse(char *line, struct proc_map *m)
{
	unsigned long long start, end, pgoff, inode;
	unsigned int maj, min;
	char perms[8];
	int pos = 0;
	size_t l;

	memset(m, 0, sizeof(*m));
	l = strlen(line);
	while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
		line[--l] = '\0';
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu%n", &start, &end, perms, &pgoff, &maj, &min,
		   &inode, &pos) != 7 ||
	    strlen(perms) != 4 || end < start)
		return -EINVAL;
	/* the path starts after the padding; it may hold spaces of its own */
	while (line[pos] == ' ' || line[pos] == '\t')
		pos++;
	m->start = start;
	m->end = end;
	m->pgoff = pgoff;
	m->dev_major = maj;
	m->dev_minor = min;
	m->inode = inode;
	memcpy(m->perms, perms, 5);
	m->path = line + pos;
	return 0;
}

bool proc_map__is_exec(const struct proc_map *m)
{
	return m->perms[2] == 'x';
}

void proc_maps__free(struct proc_maps *maps)
{
	size_t i;

	for (i = 0; i < maps->n; i++)
		free(maps->v[i].path);
	free(maps->v);
	maps->v = NULL;
	maps->n = 0;
}

int proc_maps__parse(const char *text, struct proc_maps *maps)
{
	size_t cap = 0;
	const char *p = text;
	char *line = NULL;
	int ret = 0;

	maps->v = NULL;
	maps->n = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		struct proc_map m;

		line = strndup(p, l);
		if (!line) {
			ret = -ENOMEM;
			break;
		}
		p += l + (nl ? 1 : 0);
		if (!l) {
			free(line);
			continue;
		}
		ret = proc_map__parse(line, &m);
		if (ret) {
			free(line);
			break;
		}
		m.path = strdup(m.path);
		free(line);
		if (!m.path) {
			ret = -ENOMEM;
			break;
		}
		if (maps->n == cap) {
			struct proc_map *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(maps->v, cap * sizeof(*nv));
			if (!nv) {
				free(m.path);
				ret = -ENOMEM;
				break;
			}
			maps->v = nv;
		}
		maps->v[maps->n++] = m;
	}
	if (ret)
		proc_maps__free(maps);
	return ret;
}

int proc_maps__read(pid_t pid, struct proc_maps *maps)
{
	char path[64], *text;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	ret = read_file(path, &text, NULL);
	if (ret)
		return ret == -ENOENT ? -ESRCH : ret;
	ret = proc_maps__parse(text, maps);
	free(text);
	return ret;
}

static bool same_file(const struct proc_map *m, uint64_t dev, uint64_t inode)
{
	return m->inode == inode && m->dev_major == major(dev) && m->dev_minor == minor(dev);
}

const struct proc_map *
proc_maps__find_file(const struct proc_maps *maps, uint64_t dev, uint64_t inode, uint64_t off)
{
	size_t i;

	for (i = 0; i < maps->n; i++) {
		const struct proc_map *m = &maps->v[i];

		if (same_file(m, dev, inode) && off >= m->pgoff &&
		    off - m->pgoff < m->end - m->start)
			return m;
	}
	return NULL;
}

const struct proc_map *
proc_maps__find_inode(const struct proc_maps *maps, uint64_t dev, uint64_t inode)
{
	size_t i;

	for (i = 0; i < maps->n; i++)
		if (same_file(&maps->v[i], dev, inode))
			return &maps->v[i];
	return NULL;
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int proc__find(bool (*match)(pid_t pid, void *ctx), void *ctx, pid_t **pids, size_t *n)
{
	pid_t *v = NULL, self = getpid();
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	DIR *dir;

	*pids = NULL;
	*n = 0;
	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		pid_t pid = (pid_t)atoi(de->d_name);

		if (!isdigit((unsigned char)de->d_name[0]) || pid == self || !match(pid, ctx))
			continue;
		if (cnt == cap) {
			pid_t *nv = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!nv) {
				free(v);
				closedir(dir);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = pid;
	}
	closedir(dir);
	qsort(v, cnt, sizeof(*v), pid_cmp);
	*pids = v;
	*n = cnt;
	return 0;
}

struct mapper_ctx {
	uint64_t dev, inode;
};

static bool maps_file(pid_t pid, void *ctx)
{
	const struct mapper_ctx *m = ctx;
	struct proc_maps maps;
	bool hit;

	if (proc_maps__read(pid, &maps))
		return false;
	hit = proc_maps__find_inode(&maps, m->dev, m->inode) != NULL;
	proc_maps__free(&maps);
	return hit;
}

int proc__mappers(uint64_t dev, uint64_t inode, pid_t **pids, size_t *n)
{
	struct mapper_ctx m = { dev, inode };

	return proc__find(maps_file, &m, pids, n);
}

const struct proc_map *proc_maps__find_addr(const struct proc_maps *maps, uint64_t addr)
{
	size_t i;

	for (i = 0; i < maps->n; i++)
		if (addr >= maps->v[i].start && addr < maps->v[i].end)
			return &maps->v[i];
	return NULL;
}

const struct proc_map *
proc_maps__find_path(const struct proc_maps *maps, const char *path, bool base)
{
	size_t i, l = strlen(path);

	for (i = 0; i < maps->n; i++) {
		const char *p = maps->v[i].path, *slash = strrchr(p, '/');

		if (!base && !strcmp(p, path))
			return &maps->v[i];
		if (base && slash && !strncmp(slash + 1, path, l))
			return &maps->v[i];
	}
	return NULL;
}

int proc_maps__addr_of(const struct proc_maps *maps, uint64_t dev, uint64_t inode, uint64_t off,
		       uint64_t *addr)
{
	const struct proc_map *m = proc_maps__find_file(maps, dev, inode, off);

	if (!m)
		return -ENOENT;
	*addr = m->start + (off - m->pgoff);
	return 0;
}

static uint64_t dist(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

int proc_maps__free_near(const struct proc_maps *maps, uint64_t lo, uint64_t hi, uint64_t size,
			 uint64_t *addr)
{
	uint64_t win_lo, win_hi, best = 0, best_dist = UINT64_MAX;
	bool found = false, below = false;
	size_t i;

	size = (size + PAGE - 1) & ~(PAGE - 1);
	if (hi < lo || hi - lo >= REL32_REACH)
		return -ENOSPC;
	/* every byte of the new range must reach every byte of [lo, hi) and back */
	win_lo = hi > REL32_REACH + LOWEST_MAP ? hi - REL32_REACH : LOWEST_MAP;
	win_hi = lo + REL32_REACH < HIGHEST_MAP ? lo + REL32_REACH : HIGHEST_MAP;
	win_lo = (win_lo + PAGE - 1) & ~(PAGE - 1);
	win_hi &= ~(PAGE - 1);

	for (i = 0; i <= maps->n; i++) {
		uint64_t gs = i ? maps->v[i - 1].end : LOWEST_MAP;
		uint64_t ge = i < maps->n ? maps->v[i].start : HIGHEST_MAP;
		uint64_t a, d;
		bool is_below;

		/* a guard page on both sides keeps stack and heap growth off the page */
		gs += PAGE;
		if (ge < PAGE)
			continue;
		ge -= PAGE;
		if (gs < win_lo)
			gs = win_lo;
		if (ge > win_hi)
			ge = win_hi;
		if (ge <= gs || ge - gs < size)
			continue;
		is_below = ge <= lo;
		a = is_below ? ge - size : gs;
		d = dist(a, lo);
		if (found && below && !is_below)
			continue;
		if (!found || (is_below && !below) || d < best_dist) {
			best = a;
			best_dist = d;
			below = is_below;
			found = true;
		}
	}
	if (!found)
		return -ENOSPC;
	*addr = best;
	return 0;
}

int proc_stat__parse(const char *buf, char *comm, size_t comm_len, uint64_t *start_time)
{
	const char *open = strchr(buf, '('), *close = strrchr(buf, ')'), *p;
	unsigned long long v;
	int field;
	char *end;

	/* comm is whatever lies between the first '(' and the last ')' */
	if (!open || !close || close < open)
		return -EINVAL;
	if (comm && comm_len) {
		size_t l = (size_t)(close - open - 1);

		if (l >= comm_len)
			l = comm_len - 1;
		memcpy(comm, open + 1, l);
		comm[l] = '\0';
	}
	/* field 3 (state) follows ") " */
	p = close + 1;
	for (field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		if (field == 22) {
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			errno = 0;
			v = strtoull(p, &end, 10);
			if (errno || (*end && *end != ' ' && *end != '\n'))
				return -EINVAL;
			if (start_time)
				*start_time = v;
			return 0;
		}
		while (*p && *p != ' ')
			p++;
	}
	return -EINVAL;
}

static int read_stat(pid_t pid, char *comm, size_t len, uint64_t *start_time)
{
	char path[64], *text;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ret = read_file(path, &text, NULL);
	if (ret)
		return ret == -ENOENT ? -ESRCH : ret;
	ret = proc_stat__parse(text, comm, len, start_time);
	free(text);
	return ret;
}

int proc__start_time(pid_t pid, uint64_t *start_time)
{
	return read_stat(pid, NULL, 0, start_time);
}

bool proc__running(pid_t pid, uint64_t start_time)
{
	char path[64];
	uint64_t st;
	struct stat sb;

	/* exit_mm() drops the executable before the process is a zombie: it is going then */
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	return !proc__start_time(pid, &st) && st == start_time && !stat(path, &sb);
}

int proc__comm(pid_t pid, char *comm, size_t len)
{
	return read_stat(pid, comm, len, NULL);
}

int proc_status__parse(const char *text, const char *key, long long *val)
{
	size_t kl = strlen(key);
	const char *p = text;
	char *end;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ':') {
			p += kl + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			errno = 0;
			*val = strtoll(p, &end, 10);
			if (errno || end == p)
				return -EINVAL;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

int proc__status(pid_t pid, const char *key, long long *val)
{
	char path[64], *text;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	ret = read_file(path, &text, NULL);
	if (ret)
		return ret == -ENOENT ? -ESRCH : ret;
	ret = proc_status__parse(text, key, val);
	free(text);
	return ret;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int proc__tids(pid_t pid, pid_t **tids, size_t *n)
{
	size_t cap = 16, cnt = 0;
	struct dirent *de;
	char path[64];
	pid_t *v;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	v = malloc(cap * sizeof(*v));
	if (!v) {
		closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		char *end;
		long t = strtol(de->d_name, &end, 10);

		if (*end || t <= 0)
			continue;
		if (cnt == cap) {
			pid_t *nv = realloc(v, 2 * cap * sizeof(*v));

			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
			cap *= 2;
		}
		v[cnt++] = (pid_t)t;
	}
	closedir(d);
	qsort(v, cnt, sizeof(*v), cmp_pid);
	*tids = v;
	*n = cnt;
	return 0;
}

int proc__mem_read(pid_t pid, uint64_t addr, void *buf, size_t n)
{
	char path[64];
	ssize_t r;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	r = pread(fd, buf, n, (off_t)addr);
	if (r < 0)
		ret = -errno;
	else if ((size_t)r != n)
		ret = -EIO;
	close(fd);
	return ret;
}
