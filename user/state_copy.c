// SPDX-License-Identifier: GPL-2.0
/*
 * The copies of what root loads, in the state directory (state_copy.h). A livepatch module's
 * copy is what a later rollback loads again, long after the file it came from may have
 * changed or gone (check 13, user/check_restore.c). A fix library's copy is named by its
 * sha256: a fix rebuilt at the same path is a new file for dlopen(), which would otherwise
 * hand back the library a process still maps under that path; and a file that the policy
 * names below a directory the service's user cannot enter is still one it can map.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "state_copy.h"
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

/*
 * @c->dir, created if missing, as a descriptor: it passes the trust rule and has @c->dir_mode.
 * Search bits for group or others are given to the directory above it too (the state
 * directory, 0700 as the journal creates it), or the copy could not be reached.
 */
static int open_dir(const struct state_copy *c, char *err, size_t errlen)
{
	const mode_t reach = c->dir_mode & (S_IXGRP | S_IXOTH);
	char parent[PATH_MAX], *slash;
	const char *at = c->dir;
	struct stat st;
	int fd, ret;

	snprintf(parent, sizeof(parent), "%s", c->dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	else
		slash = NULL;
	/* 'check' may come before any journal made the state directory */
	if (slash)
		mkdir(parent, 0700);
	if (mkdir(c->dir, c->dir_mode) && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "cannot create '%s': %s", c->dir, strerror(errno));
		return ret;
	}
	fd = trust__open(c->dir, TRUST_DIR, err, errlen);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || ((st.st_mode & 07777) != c->dir_mode && fchmod(fd, c->dir_mode)))
		goto fail;
	if (!reach || !slash)
		return fd;
	at = parent;
	if (stat(parent, &st) ||
	    ((st.st_mode & reach) != reach && chmod(parent, (st.st_mode & 07777) | reach)))
		goto fail;
	return fd;
fail:
	ret = -errno;
	snprintf(err, errlen, "cannot set the mode of '%s': %s", at, strerror(errno));
	close(fd);
	return ret;
}

/* is @name in @dfd already the copy: @digest's bytes, trusted, @mode? */
static bool have_copy(int dfd, const char *name, mode_t mode, const uint8_t *digest)
{
	uint8_t got[SHA256_DIGEST_LEN];
	struct stat st;
	bool same;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	same = !fstat(fd, &st) && S_ISREG(st.st_mode) && trust__owner_ok(st.st_uid) &&
	       (st.st_mode & 07777) == mode && !sha256__fd(fd, got) &&
	       !memcmp(got, digest, SHA256_DIGEST_LEN);
	close(fd);
	return same;
}

int state_copy__store(const struct state_copy *c, char *out, size_t outlen,
		      uint8_t digest[SHA256_DIGEST_LEN], char *err, size_t errlen)
{
	char tmp[64], name[NAME_MAX + 1], got[65], want[65];
	struct sha256 h;
	int dfd, in, fd, ret;

	dfd = open_dir(c, err, errlen);
	if (dfd < 0)
		return dfd;
	in = trust__open_file(c->src, c->what, err, errlen);
	if (in < 0) {
		close(dfd);
		return in;
	}
	snprintf(tmp, sizeof(tmp), ".copy.%d.tmp", (int)getpid());
	unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot create '%s/%s': %s", c->dir, tmp, strerror(errno));
		goto out;
	}
	sha256__init(&h);
	ret = copy_fd(in, fd, &h);
	if (!ret && (fchmod(fd, c->mode) || fsync(fd)))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "cannot copy '%s' to '%s': %s; is the state directory full?",
			 c->src, c->dir, strerror(-ret));
		goto drop;
	}
	sha256__final(&h, digest);
	if (c->pin && memcmp(digest, c->pin, SHA256_DIGEST_LEN)) {
		snprintf(err, errlen,
			 "%s '%s' has sha256 %s, the policy pins %s: the wrong file, or it "
			 "changed; rebuild it or fix the pin",
			 c->what, c->src, sha256__hex(digest, got), sha256__hex(c->pin, want));
		ret = -EBADF;
		goto drop;
	}
	snprintf(name, sizeof(name), "%s%s", c->name ? c->name : sha256__hex(digest, got),
		 c->suffix ? c->suffix : "");
	if ((size_t)snprintf(out, outlen, "%s/%s", c->dir, name) >= outlen) {
		snprintf(err, errlen, "the state directory path '%s' is too long", c->dir);
		ret = -ENAMETOOLONG;
		goto drop;
	}
	/* a process may map the one there: replacing it would give the name another inode */
	if (!c->name && have_copy(dfd, name, c->mode, digest))
		goto drop;
	if (renameat(dfd, tmp, dfd, name)) {
		ret = -errno;
		snprintf(err, errlen, "cannot rename '%s/%s' to '%s': %s", c->dir, tmp, out,
			 strerror(errno));
		goto drop;
	}
	goto out;
drop:
	unlinkat(dfd, tmp, 0);
out:
	close(in);
	close(dfd);
	return ret;
}
