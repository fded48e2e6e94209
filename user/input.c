// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "input.h"
#include "trust.h"

const char *input__file_type(unsigned int mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	case S_IFLNK:
		return "a symbolic link";
	default:
		return "not a regular file";
	}
}

static int too_large(const struct input_kind *kind, char *err, size_t errlen)
{
	snprintf(err, errlen, "larger than %zu bytes, the limit for a %s%s%s", kind->max,
		 kind->what, kind->raise ? "; " : "", kind->raise ? kind->raise : "");
	return -EFBIG;
}

int input__read_fd(int fd, const struct input_kind *kind, char **buf, size_t *len, char *err,
		   size_t errlen)
{
	size_t cap, n = 0;
	struct stat st;
	ssize_t r;
	char *b, *nb;

	if (fstat(fd, &st)) {
		int ret = -errno;

		snprintf(err, errlen, "cannot stat: %s", strerror(-ret));
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file but %s; give the path of a %s file",
			 input__file_type(st.st_mode), kind->what);
		return -EINVAL;
	}
	if ((unsigned long long)st.st_size > kind->max)
		return too_large(kind, err, errlen);
	/*
	 * The size may change while we read (a journal being appended): grow as needed, to
	 * at most one byte past max, which is enough to know it is too large.
	 */
	cap = (size_t)st.st_size + 1;
	b = malloc(cap);
	if (!b)
		goto nomem;
	for (;;) {
		if (n + 1 == cap) {
			if (n > kind->max) {
				free(b);
				return too_large(kind, err, errlen);
			}
			cap = cap > (kind->max + 2) / 2 ? kind->max + 2 : cap * 2;
			nb = realloc(b, cap);
			if (!nb) {
				free(b);
				goto nomem;
			}
			b = nb;
		}
		r = pread(fd, b + n, cap - 1 - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int ret = -errno;

			free(b);
			snprintf(err, errlen, "cannot read: %s", strerror(-ret));
			return ret;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	if (n > kind->max) {
		free(b);
		return too_large(kind, err, errlen);
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
nomem:
	snprintf(err, errlen, "cannot read: out of memory");
	return -ENOMEM;
}

int input__read(const char *path, const struct input_kind *kind, char **buf, size_t *len, char *err,
		size_t errlen)
{
	int fd, ret;

	if (kind->trusted) {
		fd = trust__open(path, TRUST_FILE, err, errlen);
		if (fd == -EINVAL) {
			size_t n = strlen(err);

			snprintf(err + n, errlen - n, "; give the path of a %s file", kind->what);
		}
	} else {
		/* O_NONBLOCK: opening a FIFO with no writer would wait forever */
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0) {
			fd = -errno;
			snprintf(err, errlen, "cannot open: %s", strerror(-fd));
		}
	}
	if (fd < 0)
		return fd;
	ret = input__read_fd(fd, kind, buf, len, err, errlen);
	close(fd);
	return ret;
}
