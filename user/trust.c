// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "input.h"
#include "trust.h"

bool trust__owner_ok(unsigned int uid)
{
	return uid == 0 || uid == (unsigned int)geteuid();
}

static const char *user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %u", (unsigned int)uid);
	return buf;
}

/*
 * @st of @what: "'/etc/x.yaml'" or "directory '/etc' above '/etc/x.yaml'". -EACCES and @err
 * when it breaks the rule.
 */
static int check(const struct stat *st, const char *path, const char *file, bool above, char *err,
		 size_t errlen)
{
	char what[PATH_MAX * 2 + 32], who[64];

	if (above)
		snprintf(what, sizeof(what), "directory '%s' above '%s'", path, file);
	else
		snprintf(what, sizeof(what), "'%s'", path);
	if (!trust__owner_ok(st->st_uid)) {
		snprintf(err, errlen,
			 "%s belongs to %s, and root acts only on what root (or you) "
			 "owns: another user could change it; chown root '%s'",
			 what, user_name(st->st_uid, who, sizeof(who)), path);
		return -EACCES;
	}
	if (!(st->st_mode & (S_IWGRP | S_IWOTH)))
		return 0;
	/* others cannot rename or remove what is in a sticky directory of root's (/tmp) */
	if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) && st->st_uid == 0 && above)
		return 0;
	snprintf(err, errlen,
		 "%s is writable by %s (mode %04o): another user could change it; "
		 "chmod go-w '%s'",
		 what,
		 (st->st_mode & S_IWOTH) ?
			 ((st->st_mode & S_IWGRP) ? "group and others" : "others") :
			 "its group",
		 (unsigned int)(st->st_mode & 07777), path);
	return -EACCES;
}

int trust__open_file(const char *path, const char *what, char *err, size_t errlen)
{
	char why[1024];
	int fd;

	fd = trust__open(path, TRUST_FILE, why, sizeof(why));
	if (fd == -EACCES)
		snprintf(err, errlen, "%s: %s", what, why);
	else if (fd < 0)
		snprintf(err, errlen, "cannot open %s '%s': %s", what, path, why);
	return fd;
}

int trust__check_fd(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int ret;

	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "cannot stat '%s': %s", path, strerror(-ret));
		return ret;
	}
	return check(&st, path, path, false, err, errlen);
}

/* @comp below @dirfd ("" for / itself) with @flags, not following a link, and its stat */
static int open_last(int dirfd, const char *comp, int flags, struct stat *st, char *err,
		     size_t errlen)
{
	int fd, ret;

	fd = *comp ? openat(dirfd, comp, flags | O_NOFOLLOW | O_CLOEXEC) :
		     open("/", flags | O_CLOEXEC);
	if (fd >= 0 && !fstat(fd, st))
		return fd;
	ret = -errno;
	if (fd >= 0)
		close(fd);
	snprintf(err, errlen, "cannot open: %s", strerror(-ret));
	return ret;
}

int trust__open(const char *path, enum trust_kind kind, char *err, size_t errlen)
{
	char *real, *comp, *next, prefix[PATH_MAX];
	int dirfd = -1, fd = -1, ret, flags;
	struct stat st, st2;
	size_t plen;

	real = realpath(path, NULL);
	if (!real) {
		ret = -errno;
		snprintf(err, errlen, "cannot open: %s", strerror(-ret));
		return ret;
	}
	dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || fstat(dirfd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "cannot open '/': %s", strerror(-ret));
		goto out;
	}
	prefix[0] = '\0';
	plen = 0;
	comp = real + 1;
	/* every directory from / down, then the file: each opened below the one checked */
	for (;;) {
		ret = check(&st, plen ? prefix : "/", real, true, err, errlen);
		if (ret)
			goto out;
		if (!*comp)
			break;
		next = strchr(comp, '/');
		if (!next)
			break;
		*next = '\0';
		plen += (size_t)snprintf(prefix + plen, sizeof(prefix) - plen, "/%s", comp);
		fd = openat(dirfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			ret = -errno;
			snprintf(err, errlen,
				 "cannot open '%s' (it changed while it was checked?): "
				 "%s",
				 prefix, strerror(-ret));
			goto out;
		}
		close(dirfd);
		dirfd = fd;
		fd = -1;
		*next = '/';
		comp = next + 1;
	}
	/* look before opening: opening a device can do things, a FIFO can wait */
	fd = open_last(dirfd, comp, O_PATH, &st, err, errlen);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	if (kind == TRUST_FILE ? !S_ISREG(st.st_mode) : !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "not %s but %s",
			 kind == TRUST_FILE ? "a regular file" : "a directory",
			 input__file_type(st.st_mode));
		ret = -EINVAL;
		goto out;
	}
	ret = check(&st, real, real, false, err, errlen);
	if (ret)
		goto out;
	close(fd);
	flags = kind == TRUST_DIR ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NONBLOCK | O_NOCTTY;
	fd = open_last(dirfd, comp, flags, &st2, err, errlen);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	/* the name now holds what was looked at, or it was swapped meanwhile */
	if (st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
		snprintf(err, errlen, "'%s' changed while it was checked; try again", real);
		ret = -EAGAIN;
		goto out;
	}
	ret = 0;
out:
	if (ret && fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	free(real);
	return ret ? ret : fd;
}
