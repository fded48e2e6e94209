// SPDX-License-Identifier: GPL-2.0
/*
 * The processes that carry a ulp fix without a journal record: see carriers.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "carriers.h"
#include "proc.h"

static bool is_known(struct ulp_proc *const *known, size_t nk, pid_t pid, uint64_t start_time)
{
	size_t i;

	for (i = 0; i < nk; i++)
		if (known[i]->pid == pid && known[i]->start_time == start_time)
			return true;
	return false;
}

/*
 * @pid descends from one of @known: a fork of a patched process, or of its forks. A process
 * at a journaled PID with another start time is another process, and so are its children:
 * left alone, as the journal's own records are.
 */
static bool descends(struct ulp_proc *const *known, size_t nk, pid_t pid)
{
	uint64_t st;
	long long pp;
	int depth;

	for (depth = 0; depth < 64; depth++) {
		if (proc__status(pid, "PPid", &pp) || pp <= 1)
			return false;
		pid = (pid_t)pp;
		if (!proc__start_time(pid, &st) && is_known(known, nk, pid, st))
			return true;
	}
	return false;
}

/* the first of @known whose sites @c holds, patched or original, everyone of them */
static int match(struct ulp_proc *const *known, size_t nk, struct carrier *c)
{
	unsigned int patched, orig;
	size_t i;
	int ret;

	for (i = 0; i < nk; i++) {
		const struct ulp_proc *k = known[i];
		struct ulp_site *sites = malloc(k->nr_sites * sizeof(*sites));

		if (!sites)
			return -ENOMEM;
		memcpy(sites, k->sites, k->nr_sites * sizeof(*sites));
		free(c->p.sites);
		c->p.sites = sites;
		c->p.nr_sites = k->nr_sites;
		ret = ulp_proc__probe(&c->p, &patched, &orig);
		if (ret == -ESRCH)
			return ret;
		if (!ret && patched + orig == k->nr_sites) {
			c->like = k->pid;
			c->patched = patched;
			c->p.injected = true;
			c->p.patched = patched == k->nr_sites;
			return 0;
		}
	}
	free(c->p.sites);
	c->p.sites = NULL;
	c->p.nr_sites = 0;
	return 0;
}

int carriers__find(struct ulp_proc *const *known, size_t nk, const char *library,
		   struct carrier **out, size_t *n)
{
	struct carrier *v = NULL;
	size_t i, cnt = 0, nm;
	struct stat st;
	pid_t *pids;
	int ret;

	*out = NULL;
	*n = 0;
	if (stat(library, &st))
		return errno == ENOENT ? 0 : -errno; /* no copy: nothing maps it */
	ret = proc__mappers(st.st_dev, st.st_ino, &pids, &nm);
	if (ret)
		return ret;
	v = calloc(nm ? nm : 1, sizeof(*v));
	if (!v) {
		free(pids);
		return -ENOMEM;
	}
	for (i = 0; i < nm; i++) {
		struct carrier *c = &v[cnt];

		memset(c, 0, sizeof(*c));
		c->p.pid = pids[i];
		if (proc__start_time(pids[i], &c->p.start_time) ||
		    is_known(known, nk, pids[i], c->p.start_time) || !descends(known, nk, pids[i]))
			continue;
		proc__comm(pids[i], c->p.comm, sizeof(c->p.comm));
		ret = match(known, nk, c);
		if (ret) {
			ulp_proc__release(&c->p);
			if (ret == -ESRCH)
				continue; /* gone meanwhile: it carries nothing any more */
			carriers__free(v, cnt);
			free(pids);
			return ret;
		}
		cnt++;
	}
	free(pids);
	*out = v;
	*n = cnt;
	return 0;
}

int carrier__take_back(struct steps *s, struct carrier *c, const char *library, char *err,
		       size_t len)
{
	char why[256];
	int ret;

	if (!c->like) {
		snprintf(err, len,
			 "pid %d (%s) maps '%s', but its sites are none of the journal's "
			 "processes'; left alone",
			 c->p.pid, c->p.comm, library);
		return -ESTALE;
	}
	if (c->patched) {
		/* journaled first; unjournaled, the undo is still right to do */
		steps__ulp_found(s, &c->p, library, why, sizeof(why));
		ret = steps__ulp_revert(s, NULL, &c->p, NULL, library, err, len);
		if (ret)
			return ret;
	}
	why[0] = '\0';
	ret = steps__ulp_unload_proc(&c->p, library, why, sizeof(why));
	if (ret == -ESRCH)
		snprintf(err, len, "pid %d (%s) exited meanwhile", c->p.pid, c->p.comm);
	else if (ret)
		snprintf(err, len, "pid %d (%s), a fork with the sites of pid %d: %s; %s", c->p.pid,
			 c->p.comm, c->like, c->patched ? "original bytes restored" : "unpatched",
			 why);
	else
		snprintf(err, len,
			 "pid %d (%s), a fork with the sites of pid %d: %slibrary and trampoline "
			 "page unloaded",
			 c->p.pid, c->p.comm, c->like,
			 c->patched ? "original bytes restored and read back, " : "");
	/* the fix is out of it: a library left mapped is said, not a failure */
	return 0;
}

void carriers__free(struct carrier *c, size_t n)
{
	size_t i;

	for (i = 0; c && i < n; i++)
		ulp_proc__release(&c[i].p);
	free(c);
}
