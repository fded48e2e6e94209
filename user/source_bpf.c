// SPDX-License-Identifier: GPL-2.0
/*
 * The rollout's windows from the BPF monitor, and its events from the guardrails, a signalfd
 * for the operator's stop and a pidfd per watched process, in one epoll loop.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "evloop.h"
#include "source.h"
#include "units.h"

/* epoll tags: a process's pidfd carries its index with this bit */
#define EV_PROC (1ULL << 40)

struct source_bpf {
	struct source src;
	struct monitor *mon;
	struct guard *guard;
	struct source_events ev;
	struct hc_snapshot *prev;
	int sfd, ep;
	int *pidfds;
	size_t nr_pids;
};

static struct source_bpf *bpf_of(const struct source *s)
{
	return (struct source_bpf *)s;
}

static int sb_add(struct source *s, const struct hc_funcspec *spec, int err_mode,
		  unsigned int flags, char *err, size_t len)
{
	return monitor__add_flags(bpf_of(s)->mon, spec, err_mode, flags, err, len);
}

static void on_guard(const struct guard_event *ev, void *ctx)
{
	struct source_bpf *b = ctx;

	b->ev.guard(ev, b->ev.ctx);
}

static int epoll_add(struct source_bpf *b, int fd, uint64_t tag, char *err, size_t len)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	int ret;

	if (fd < 0 || !epoll_ctl(b->ep, EPOLL_CTL_ADD, fd, &ev))
		return 0;
	ret = -errno;
	snprintf(err, len, "cannot set up the event loop: %s", strerror(-ret));
	return ret;
}

/* a pidfd per process: the exit of a patched one rolls back at once, not a window later */
static int watch_pids(struct source_bpf *b, const pid_t *pids, size_t n, char *err, size_t len)
{
	size_t i;
	int ret;

	b->pidfds = malloc((n ? n : 1) * sizeof(*b->pidfds));
	if (!b->pidfds)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		b->pidfds[i] = -1;
	b->nr_pids = n;
	for (i = 0; i < n; i++) {
		b->pidfds[i] = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (b->pidfds[i] < 0) {
			ret = -errno;
			snprintf(err, len, "cannot watch pid %d: %s", pids[i], strerror(-ret));
			return ret;
		}
		ret = epoll_add(b, b->pidfds[i], EV_PROC | i, err, len);
		if (ret)
			return ret;
	}
	return 0;
}

static int sb_start(struct source *s, const struct source_events *ev, const pid_t *pids, size_t n,
		    char *err, size_t len)
{
	struct source_bpf *b = bpf_of(s);
	size_t nf = monitor__func_cnt(b->mon);
	struct hc_snapshot *scratch;
	int ret;

	b->ev = *ev;
	b->prev = calloc(nf ? nf : 1, sizeof(*b->prev));
	if (!b->prev)
		return -ENOMEM;
	ret = monitor__load(b->mon, err, len);
	if (ret)
		return ret;
	/* host-wide: a livepatch can break any process */
	ret = guard__new(&b->guard, monitor__watched_fd(b->mon), 1, on_guard, b);
	if (!ret)
		/* a process of the rollout that exits 0 is no failure: its status tells */
		guard__report_exits(b->guard);
	ret = ret ?: guard__attach(b->guard, err, len);
	if (ret)
		return ret;
	b->sfd = evloop__stop_fd(SFD_CLOEXEC | SFD_NONBLOCK);
	b->ep = epoll_create1(EPOLL_CLOEXEC);
	if (b->sfd < 0 || b->ep < 0) {
		ret = b->sfd < 0 ? b->sfd : -errno;
		snprintf(err, len, "cannot set up the event loop: %s", strerror(-ret));
		return ret;
	}
	ret = epoll_add(b, b->sfd, (uint64_t)b->sfd, err, len);
	ret = ret   ?:
		      epoll_add(b, guard__ringbuf_fd(b->guard),
				(uint64_t)guard__ringbuf_fd(b->guard), err, len);
	ret = ret   ?:
		      epoll_add(b, guard__kmsg_fd(b->guard), (uint64_t)guard__kmsg_fd(b->guard),
				err, len);
	ret = ret ?: watch_pids(b, pids, n, err, len);
	ret = ret ?: monitor__attach(b->mon, err, len);
	if (ret)
		return ret;
	/* the first sample only sets the starting point */
	scratch = calloc(nf ? nf : 1, sizeof(*scratch));
	if (!scratch)
		return -ENOMEM;
	monitor__sample(b->mon, b->prev, scratch);
	free(scratch);
	return 0;
}

static size_t sb_func_cnt(const struct source *s)
{
	return monitor__func_cnt(bpf_of(s)->mon);
}

static const char *sb_func_name(const struct source *s, size_t i)
{
	return monitor__func_name(bpf_of(s)->mon, i);
}

static const char *sb_mode_name(const struct source *s)
{
	return monitor__mode_name(bpf_of(s)->mon);
}

static uint64_t sb_now(const struct source *s)
{
	return time__mono_ns();
}

static void sb_poll(struct source *s)
{
	guard__poll(bpf_of(s)->guard);
}

static void sb_wait(struct source *s, uint64_t until)
{
	struct source_bpf *b = bpf_of(s);
	struct signalfd_siginfo si;
	struct epoll_event evs[4];
	uint64_t now = time__mono_ns();
	int n, i;

	if (now >= until)
		return;
	n = epoll_wait(b->ep, evs, 4, (int)((until - now + 999999) / 1000000));
	for (i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;

		if (tag & EV_PROC) {
			size_t p = tag & ~EV_PROC;

			epoll_ctl(b->ep, EPOLL_CTL_DEL, b->pidfds[p], NULL);
			/* the exit tracepoint fires before the pidfd wakes: take its signal first */
			guard__poll(b->guard);
			b->ev.proc_exit(p, b->ev.ctx);
			continue;
		}
		if ((int)tag == b->sfd && read(b->sfd, &si, sizeof(si)) == sizeof(si))
			b->ev.stop((int)si.ssi_signo, b->ev.ctx);
	}
}

static int sb_sample(struct source *s, struct hc_snapshot *delta)
{
	struct source_bpf *b = bpf_of(s);

	return monitor__sample(b->mon, b->prev, delta);
}

static int sb_attach_func(struct source *s, size_t i, char *err, size_t len)
{
	return monitor__attach_func(bpf_of(s)->mon, i, err, len);
}

static void sb_detach_func(struct source *s, size_t i)
{
	monitor__detach_func(bpf_of(s)->mon, i);
}

static uint64_t sb_loaded(const struct source *s, size_t i)
{
	return monitor__func_loaded(bpf_of(s)->mon, i);
}

static const char *sb_func_mode(const struct source *s, size_t i)
{
	return monitor__func_mode(bpf_of(s)->mon, i);
}

static void sb_free(struct source *s)
{
	struct source_bpf *b = bpf_of(s);
	size_t i;

	monitor__free(b->mon);
	guard__free(b->guard);
	for (i = 0; i < b->nr_pids; i++)
		if (b->pidfds[i] >= 0)
			close(b->pidfds[i]);
	free(b->pidfds);
	if (b->sfd >= 0)
		close(b->sfd);
	if (b->ep >= 0)
		close(b->ep);
	free(b->prev);
	free(b);
}

static const struct source_ops source_bpf_ops = {
	.add = sb_add,
	.start = sb_start,
	.func_cnt = sb_func_cnt,
	.func_name = sb_func_name,
	.mode_name = sb_mode_name,
	.now = sb_now,
	.poll = sb_poll,
	.wait = sb_wait,
	.sample = sb_sample,
	.attach_func = sb_attach_func,
	.detach_func = sb_detach_func,
	.loaded = sb_loaded,
	.func_mode = sb_func_mode,
	.free = sb_free,
};

int source_bpf__new(struct source **s, enum hc_probe_mode mode)
{
	struct source_bpf *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	b->src.ops = &source_bpf_ops;
	b->sfd = b->ep = -1;
	ret = monitor__new(&b->mon, mode);
	if (ret) {
		free(b);
		return ret;
	}
	*s = &b->src;
	return 0;
}
