/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the klp library (klp.c, klp_modfile.c, klp_sysfs.c): the small helpers more than
 * one of them uses. Not for other callers: they include klp.h.
 */
#ifndef HC_KLP_INT_H
#define HC_KLP_INT_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "klp.h"

/* ---- small file helpers ----------------------------------------------------------------- */

/* snprintf() for paths built from other paths: truncation is possible and harmless (the
 * open fails), so gcc's -Wformat-truncation has nothing to say about it here */
static inline int __attribute__((format(printf, 3, 4)))
pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

/* copy @val into @dst of @len bytes, cut if longer */
static inline void set_field(char *dst, size_t len, const char *val)
{
	size_t n = strnlen(val, len - 1);

	memcpy(dst, val, n);
	dst[n] = '\0';
}

/* the first line of a small file, without its newline */
static inline int read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static inline int read_long(const char *path, long *v)
{
	char buf[64], *end;
	int ret;

	ret = read_line(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*v = strtol(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

/* "0"/"1" (or "N"/"Y") of a sysfs attribute; -1 if the attribute is absent */
static inline int read_bool_attr(const char *path)
{
	char buf[16];

	if (read_line(path, buf, sizeof(buf)))
		return -1;
	return buf[0] == '1' || buf[0] == 'Y' || buf[0] == 'y';
}

static inline bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* module names: the kernel turns '-' into '_' (KBUILD_MODNAME) */
static inline void modname(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = src[i] == '-' ? '_' : src[i];
	dst[i] = '\0';
}

static inline int add_func(struct klp_func_ref **funcs, size_t *n, const char *obj,
			   const char *name, unsigned long sympos)
{
	struct klp_func_ref *nf;

	nf = realloc(*funcs, (*n + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	*funcs = nf;
	snprintf(nf[*n].obj, sizeof(nf[*n].obj), "%s", obj);
	snprintf(nf[*n].name, sizeof(nf[*n].name), "%s", name);
	nf[*n].sympos = sympos;
	(*n)++;
	return 0;
}

/* 1 if one of @n functions @f is OBJ's NAME at SYMPOS (0 and 1 are the same), else 0 */
static inline int klp_func_refs__has(const struct klp_func_ref *f, size_t n, const char *obj,
				     const char *name, unsigned long sympos)
{
	unsigned long b = sympos ? sympos : 1;
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(f[i].obj, obj) && !strcmp(f[i].name, name) &&
		    (f[i].sympos ? f[i].sympos : 1) == b)
			return 1;
	return 0;
}

/* the first word of a vermagic, as KLP_KVER(), 0 if it does not parse */
static inline unsigned int parse_kver(const char *release)
{
	unsigned int a = 0, b = 0, c = 0;

	if (sscanf(release, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	return KLP_KVER(a, b, c);
}

#endif /* HC_KLP_INT_H */
