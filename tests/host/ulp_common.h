/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the userspace hotpatching engine test and bench: start ulp_target, read its
 * status line, build the spec of a fix. Real processes only; run as root.
 */
#ifndef ULP_COMMON_H
#define ULP_COMMON_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "elfsym.h"
#include "ulp.h"

#define TARGET	  FIXTURE_DIR "/ulp_target"
#define FIX(name) FIXTURE_DIR "/ulp_fix_" name ".so"

struct status {
	long calls, errors, delta, old, new;
	double nspc;
};

struct target {
	pid_t pid;
	char status[256];
};

static inline void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline int status_read(const struct target *t, struct status *s)
{
	FILE *f = fopen(t->status, "r");
	int n;

	if (!f)
		return -1;
	memset(s, 0, sizeof(*s));
	n = fscanf(f, "calls=%ld errors=%ld delta=%ld old=%ld new=%ld nspc=%lf", &s->calls,
		   &s->errors, &s->delta, &s->old, &s->new, &s->nspc);
	fclose(f);
	return n >= 5 ? 0 : -1;
}

/* start ulp_target with @args (a NULL-terminated list after the program name) */
static inline int target_start(struct target *t, const char *const *args)
{
	static unsigned int seq;
	const char *argv[32];
	struct status s;
	int i = 0, j;

	snprintf(t->status, sizeof(t->status), "/tmp/ulp-engine-%d-%u.status", getpid(), seq++);
	unlink(t->status);
	argv[i++] = TARGET;
	argv[i++] = "-s";
	argv[i++] = t->status;
	for (j = 0; args && args[j] && i < 31; j++)
		argv[i++] = args[j];
	argv[i] = NULL;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (!t->pid) {
		execv(TARGET, (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if (!status_read(t, &s))
			return 0;
		msleep(20);
	}
	return -1;
}

/* SIGTERM, reap, and the final status; the exit status in *@wstatus */
static inline int target_stop(struct target *t, struct status *s, int *wstatus)
{
	int st = 0;

	kill(t->pid, SIGTERM);
	if (waitpid(t->pid, &st, 0) != t->pid)
		return -1;
	if (wstatus)
		*wstatus = st;
	if (s && status_read(t, s))
		return -1;
	unlink(t->status);
	return 0;
}

static inline int hex_build_id(const char *path, uint8_t *id, size_t *n)
{
	struct elfsymtab st;
	char err[256];
	size_t i, l;

	if (elfsymtab__load(path, &st, err, sizeof(err)))
		return -1;
	l = strlen(st.build_id) / 2;
	for (i = 0; i < l; i++)
		sscanf(st.build_id + 2 * i, "%2hhx", &id[i]);
	*n = l;
	elfsymtab__free(&st);
	return l ? 0 : -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static inline void percentiles(uint64_t *v, size_t n, double *median_ms, double *max_ms)
{
	if (!n) {
		*median_ms = *max_ms = 0;
		return;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	*median_ms = (double)v[n / 2] / 1e6;
	*max_ms = (double)v[n - 1] / 1e6;
}

#endif
