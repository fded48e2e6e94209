// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-flight as the target: can the process, with its own credentials and in its own mount
 * namespace, open the fix library and map it executable, as its dlopen() will have to. A
 * library in a directory only root may enter passes every check that root makes, then
 * fails in a service that runs as www-data; this asks the kernel, as that user, before
 * anything is changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ulp_int.h"

#define MAX_GROUPS 256

struct creds {
	uid_t uid; /* the filesystem ones: what open() checks */
	gid_t gid;
	gid_t groups[MAX_GROUPS];
	int ngroups;
};

static int creds__read(pid_t pid, struct creds *c)
{
	unsigned int r, e, s, fs;
	char path[64], *line = NULL, *p, *end;
	size_t cap = 0;
	int found = 0;
	FILE *f;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "Uid: %u %u %u %u", &r, &e, &s, &fs) == 4) {
			c->uid = fs;
			found |= 1;
		} else if (sscanf(line, "Gid: %u %u %u %u", &r, &e, &s, &fs) == 4) {
			c->gid = fs;
			found |= 2;
		} else if (!strncmp(line, "Groups:", 7)) {
			for (p = line + 7; c->ngroups < MAX_GROUPS; p = end) {
				unsigned long g = strtoul(p, &end, 10);

				if (end == p)
					break;
				c->groups[c->ngroups++] = (gid_t)g;
			}
			found |= 4;
		}
	}
	free(line);
	fclose(f);
	return found == 7 ? 0 : -ENODATA;
}

/* what the child failed at, and its errno */
enum { ACCESS_OK, ACCESS_CREDS, ACCESS_OPEN, ACCESS_MAP };

/* the length of the first directory of @rel that the caller cannot search, or 0 */
static int blocked_at(int rootfd, const char *rel)
{
	char dir[PATH_MAX];
	const char *p;

	for (p = strchr(rel, '/'); p; p = strchr(p + 1, '/')) {
		if ((size_t)(p - rel) >= sizeof(dir))
			break;
		memcpy(dir, rel, (size_t)(p - rel));
		dir[p - rel] = '\0';
		if (faccessat(rootfd, dir, X_OK, 0) && errno == EACCES)
			return (int)(p - rel);
	}
	return 0;
}

/*
 * In a child with @c's credentials, open @rel below @rootfd (the process's root) and map it
 * executable; in res[2] the length of the directory of @rel it could not enter, if that was
 * why. The child makes system calls only: the parent may have threads.
 */
static int try_as(const struct creds *c, int rootfd, const char *rel, int res[3])
{
	int fds[2], ws, fd;
	ssize_t got;
	pid_t pid;
	void *m;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (!pid) {
		res[0] = ACCESS_CREDS;
		res[1] = res[2] = 0;
		close(fds[0]);
		/* not root: only our own processes can be traced, so try as ourselves */
		if (!geteuid() &&
		    (setgroups((size_t)c->ngroups, c->groups) ||
		     setresgid(c->gid, c->gid, c->gid) || setresuid(c->uid, c->uid, c->uid))) {
			res[1] = errno;
		} else {
			res[0] = ACCESS_OPEN;
			fd = openat(rootfd, rel, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				res[1] = errno;
				if (errno == EACCES)
					res[2] = blocked_at(rootfd, rel);
			} else {
				res[0] = ACCESS_MAP;
				m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
				if (m == MAP_FAILED)
					res[1] = errno;
				else
					res[0] = ACCESS_OK;
			}
		}
		got = write(fds[1], res, 3 * sizeof(*res));
		_exit(got == 3 * sizeof(*res) ? 0 : 1);
	}
	close(fds[1]);
	got = read(fds[0], res, 3 * sizeof(*res));
	close(fds[0]);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	return got == 3 * sizeof(*res) ? 0 : -EIO;
}

static const char *user_of(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	snprintf(buf, len, "%s", pw ? pw->pw_name : "?");
	return buf;
}

/* why @who cannot open the library: @e, and the directory it cannot enter when that is why */
static void open_denied(const struct ulp_image *img, const struct ulp_proc *p, const char *who,
			const struct creds *c, const int res[3], char *err, size_t len)
{
	const bool copy = strcmp(img->library, img->source) != 0;
	char dir[PATH_MAX];
	int n;

	n = snprintf(err, len,
		     "pid %d runs as %s (uid %u, gid %u), which cannot open the fix library "
		     "'%s'%s%s%s: %s; its dlopen() would fail: ",
		     p->pid, who, (unsigned int)c->uid, (unsigned int)c->gid, img->library,
		     copy ? " (hotcanary's copy of '" : "", copy ? img->source : "",
		     copy ? "')" : "", strerror(res[1]));
	if (n < 0 || (size_t)n >= len)
		return;
	if (res[2] > 0 && (size_t)res[2] < sizeof(dir) - 1) {
		snprintf(dir, sizeof(dir), "/%.*s", res[2], img->library + 1);
		snprintf(err + n, len - (size_t)n, "it cannot enter '%s'; chmod o+x '%s'%s", dir,
			 dir,
			 copy ? ", or give --state-dir a directory the service can enter" : "");
		return;
	}
	snprintf(err + n, len - (size_t)n,
		 "the file must be readable by that user and every directory above it "
		 "searchable (chmod o+x on the directories, o+r on the file)%s",
		 copy ? "" : ", or put the library where the service can read it");
}

int ulp__check_access(const struct ulp_image *img, const struct ulp_proc *p, char *err, size_t len)
{
	char path[64], who[64];
	int rootfd, ret, res[3] = { ACCESS_OK, 0, 0 };
	struct creds c;

	ret = creds__read(p->pid, &c);
	if (ret) {
		snprintf(err, len, "pid %d: cannot read its credentials from /proc/%d/status: %s",
			 p->pid, p->pid, strerror(-ret));
		return ret;
	}
	/* dlopen() in the process resolves the path from its root, in its mount namespace */
	snprintf(path, sizeof(path), "/proc/%d/root", p->pid);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		ret = -errno;
		snprintf(err, len, "pid %d: cannot open %s: %s", p->pid, path, strerror(-ret));
		return ret;
	}
	ret = try_as(&c, rootfd, img->library[0] == '/' ? img->library + 1 : img->library, res);
	close(rootfd);
	if (ret) {
		snprintf(err, len, "pid %d: cannot check its access to '%s': %s", p->pid,
			 img->library, strerror(-ret));
		return ret;
	}
	user_of(c.uid, who, sizeof(who));
	switch (res[0]) {
	case ACCESS_OK:
		return 0;
	case ACCESS_CREDS:
		snprintf(err, len,
			 "pid %d: cannot take its credentials (uid %u) to check its access "
			 "to '%s': %s",
			 p->pid, (unsigned int)c.uid, img->library, strerror(res[1]));
		return -EPERM;
	case ACCESS_OPEN:
		if (res[1] == ENOENT || res[1] == ENOTDIR) {
			snprintf(err, len,
				 "pid %d: the fix library '%s' is not there in its mount namespace "
				 "(below /proc/%d/root); its dlopen() would fail: %s",
				 p->pid, img->library, p->pid,
				 strcmp(img->library, img->source) ?
					 "give --state-dir a directory that the process sees at "
					 "the same path" :
					 "put the library where the process sees it");
			return -ENOENT;
		}
		open_denied(img, p, who, &c, res, err, len);
		return -EACCES;
	default:
		snprintf(err, len,
			 "pid %d runs as %s (uid %u), which can open but not map executable the "
			 "fix library '%s': %s; its dlopen() would fail: put %s on a "
			 "filesystem mounted without noexec",
			 p->pid, who, (unsigned int)c.uid, img->library, strerror(res[1]),
			 strcmp(img->library, img->source) ? "the state directory" : "the library");
		return -EACCES;
	}
}
