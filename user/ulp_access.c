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

/*
 * In a child with @c's credentials, open @rel below @rootfd (the process's root) and map it
 * executable. The child makes system calls only: the parent may have threads.
 */
static int try_as(const struct creds *c, int rootfd, const char *rel, int *stage, int *err)
{
	int fds[2], res[2] = { ACCESS_CREDS, 0 }, ws, fd;
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
			} else {
				res[0] = ACCESS_MAP;
				m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
				if (m == MAP_FAILED)
					res[1] = errno;
				else
					res[0] = ACCESS_OK;
			}
		}
		got = write(fds[1], res, sizeof(res));
		_exit(got == sizeof(res) ? 0 : 1);
	}
	close(fds[1]);
	got = read(fds[0], res, sizeof(res));
	close(fds[0]);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof(res))
		return -EIO;
	*stage = res[0];
	*err = res[1];
	return 0;
}

static const char *user_of(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	snprintf(buf, len, "%s", pw ? pw->pw_name : "?");
	return buf;
}

int ulp__check_access(const struct ulp_image *img, const struct ulp_proc *p, char *err, size_t len)
{
	char path[64], who[64];
	int rootfd, ret, stage = ACCESS_OK, e = 0;
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
	ret = try_as(&c, rootfd, img->library[0] == '/' ? img->library + 1 : img->library, &stage,
		     &e);
	close(rootfd);
	if (ret) {
		snprintf(err, len, "pid %d: cannot check its access to '%s': %s", p->pid,
			 img->library, strerror(-ret));
		return ret;
	}
	user_of(c.uid, who, sizeof(who));
	switch (stage) {
	case ACCESS_OK:
		return 0;
	case ACCESS_CREDS:
		snprintf(err, len,
			 "pid %d: cannot take its credentials (uid %u) to check its access "
			 "to '%s': %s",
			 p->pid, (unsigned int)c.uid, img->library, strerror(e));
		return -EPERM;
	case ACCESS_OPEN:
		if (e == ENOENT || e == ENOTDIR) {
			snprintf(err, len,
				 "pid %d: the fix library '%s' is not there in its mount namespace "
				 "(below /proc/%d/root); its dlopen() would fail: put the library "
				 "where the process sees it",
				 p->pid, img->library, p->pid);
			return -ENOENT;
		}
		snprintf(err, len,
			 "pid %d runs as %s (uid %u, gid %u), which cannot open the fix library "
			 "'%s': %s; its dlopen() would fail: the file must be readable by that "
			 "user and every directory above it searchable (chmod o+x on the "
			 "directories, o+r on the file), or put the library where the service "
			 "can read it",
			 p->pid, who, (unsigned int)c.uid, (unsigned int)c.gid, img->library,
			 strerror(e));
		return -EACCES;
	default:
		snprintf(err, len,
			 "pid %d runs as %s (uid %u), which can open but not map executable the "
			 "fix library '%s': %s; its dlopen() would fail: put the library on a "
			 "filesystem mounted without noexec",
			 p->pid, who, (unsigned int)c.uid, img->library, strerror(e));
		return -EACCES;
	}
}
