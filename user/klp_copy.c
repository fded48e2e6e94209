// SPDX-License-Identifier: GPL-2.0
/*
 * The copy of every livepatch module hotcanary loads, kept in the state directory
 * (<state dir>/modules/<name>.ko): a later patch built with atomic replace drops this one,
 * and its rollback must load it again (check 13, user/check_restore.c), long after the file
 * it came from may have changed or gone. The copy is also what is loaded: it is hashed as it
 * is written into a directory only root can change, so the pin checked is that of the bytes
 * the kernel gets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "klp.h"
#include "sha256.h"
#include "trust.h"

static int copy_fd(int in, int out, struct sha256 *h)
{
	char buf[65536];
	ssize_t n, w, off;

	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return 0;
		sha256__update(h, buf, (size_t)n);
		for (off = 0; off < n; off += w) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				return -errno;
		}
	}
}

int klp_copy__store(const char *moddir, const char *src, const char *name, char *out, size_t outlen,
		    uint8_t digest[SHA256_DIGEST_LEN], char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	struct sha256 h;
	int in, fd, ret;

	if (mkdir(moddir, 0700) && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "cannot create '%s': %s", moddir, strerror(errno));
		return ret;
	}
	if ((size_t)snprintf(out, outlen, "%s/%s.ko", moddir, name) >= outlen ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.ko.tmp", moddir, name) >= sizeof(tmp)) {
		snprintf(err, errlen, "the state directory path '%s' is too long", moddir);
		return -ENAMETOOLONG;
	}
	in = trust__open_file(src, "the livepatch module", err, errlen);
	if (in < 0)
		return in;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot create '%s': %s", tmp, strerror(errno));
		close(in);
		return ret;
	}
	sha256__init(&h);
	ret = copy_fd(in, fd, &h);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	close(in);
	if (!ret && rename(tmp, out))
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "cannot copy '%s' to '%s': %s; is the state directory full?",
			 src, out, strerror(-ret));
		unlink(tmp);
		return ret;
	}
	sha256__final(&h, digest);
	return 0;
}
