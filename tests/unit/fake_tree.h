/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake system tree for unit tests of code that reads /sys, /proc and module files: the
 * test sets @root to a temporary directory and builds what it needs below it.
 * Header-only: each test binary is one translation unit.
 */
#ifndef HC_TEST_FAKE_TREE_H
#define HC_TEST_FAKE_TREE_H

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <ftw.h>

static char root[PATH_MAX];

static void mkdirs(const char *rel)
{
	char path[PATH_MAX + 200], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void __attribute__((format(printf, 2, 3))) put(const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX + 200], dir[PATH_MAX + 200], *slash;
	va_list ap;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		mkdirs(dir);
	}
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static char *at(const char *rel)
{
	static char path[4][PATH_MAX + 200];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", root, rel);
	return path[i];
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

#endif
