// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "guard.h"
#include "units.h"
#include "guard.skel.h"
#include "kmsg.h"
#include "ksym.h"
#include "taint.h"

struct guard {
	struct guard_bpf *skel;
	struct ring_buffer *rb;
	int watched_fd;
	int all_processes;
	bool report_exits;
	int kmsg_fd;
	unsigned long taint;
	int taint_ok;
	guard_cb cb;
	void *ctx;
};

int guard__new(struct guard **gp, int watched_fd, int all_processes, guard_cb cb, void *ctx)
{
	struct guard *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	g->watched_fd = watched_fd;
	g->all_processes = all_processes;
	g->kmsg_fd = -1;
	g->cb = cb;
	g->ctx = ctx;
	*gp = g;
	return 0;
}

static int on_bpf_event(void *ctx, void *data, size_t len)
{
	static const enum guard_kind kinds[] = {
		[HC_EV_FATAL_SIGNAL] = GUARD_FATAL_SIGNAL,
		[HC_EV_FATAL_EXIT] = GUARD_FATAL_EXIT,
		[HC_EV_OOM_KILL] = GUARD_OOM_KILL,
		[HC_EV_EXIT] = GUARD_EXIT,
	};
	const struct hc_event *e = data;
	struct guard *g = ctx;
	struct guard_event ev = { 0 };

	if (len < sizeof(*e) || e->type < HC_EV_FATAL_SIGNAL || e->type > HC_EV_EXIT)
		return 0;
	ev.kind = kinds[e->type];
	ev.ts_ns = e->ts_ns;
	ev.bpf = e;
	g->cb(&ev, g->ctx);
	return 0;
}

void guard__report_exits(struct guard *g)
{
	g->report_exits = true;
}

int guard__attach(struct guard *g, char *err, size_t errlen)
{
	int ret;

	g->skel = guard_bpf__open();
	if (!g->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the guardrail BPF object: %s", strerror(-ret));
		return ret;
	}
	g->skel->rodata->all_processes = g->all_processes;
	g->skel->rodata->report_exits = g->report_exits;
	ret = g->watched_fd >= 0 ? bpf_map__reuse_fd(g->skel->maps.watched_tgids, g->watched_fd) :
				   0;
	ret = ret ?: guard_bpf__load(g->skel);
	if (ret) {
		snprintf(err, errlen, "cannot load the guardrail BPF programs: %s", strerror(-ret));
		return ret;
	}
	/* libbpf finds tracepoint ids in tracefs, which a minimal system may not have mounted */
	if (!ksym__tracefs()) {
		snprintf(err, errlen,
			 "cannot find or mount tracefs for the guardrail tracepoints; "
			 "mount it with 'mount -t tracefs tracefs /sys/kernel/tracing'");
		return -ENOENT;
	}
	ret = guard_bpf__attach(g->skel);
	if (ret) {
		snprintf(err, errlen,
			 "cannot attach the guardrail tracepoints (signal, sched, oom): %s",
			 strerror(-ret));
		return ret;
	}
	g->rb = ring_buffer__new(bpf_map__fd(g->skel->maps.events), on_bpf_event, g, NULL);
	if (!g->rb) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the guardrail ring buffer: %s", strerror(-ret));
		return ret;
	}
	g->kmsg_fd = kmsg__open();
	if (g->kmsg_fd < 0) {
		ret = g->kmsg_fd;
		snprintf(err, errlen, "cannot open /dev/kmsg to watch the kernel log: %s",
			 strerror(-ret));
		return ret;
	}
	g->taint_ok = !taint__read(&g->taint);
	return 0;
}

int guard__ringbuf_fd(const struct guard *g)
{
	return g->rb ? ring_buffer__epoll_fd(g->rb) : -1;
}

int guard__kmsg_fd(const struct guard *g)
{
	return g->kmsg_fd;
}

int guard__watch_pid(struct guard *g, pid_t pid)
{
	__u32 key = (__u32)pid;
	__u8 one = 1;

	if (!g->skel)
		return -EINVAL;
	if (bpf_map_update_elem(bpf_map__fd(g->skel->maps.watched_tgids), &key, &one, BPF_ANY))
		return -errno;
	return 0;
}

static void poll_kmsg(struct guard *g)
{
	char buf[8192];
	ssize_t n;

	if (g->kmsg_fd < 0)
		return;
	for (;;) {
		struct kmsg_record rec;
		struct guard_event ev = { 0 };
		enum kmsg_class cls;
		char text[1024];
		size_t tl;

		n = read(g->kmsg_fd, buf, sizeof(buf) - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* records overwritten before we read them */
		if (n <= 0)
			break;
		buf[n] = '\0';
		if (kmsg__parse(buf, (size_t)n, &rec))
			continue;
		cls = kmsg__classify(&rec);
		if (cls == KMSG_NONE)
			continue;
		tl = rec.text_len < sizeof(text) - 1 ? rec.text_len : sizeof(text) - 1;
		memcpy(text, rec.text, tl);
		text[tl] = '\0';
		ev.kind = GUARD_KERNEL_LOG;
		ev.ts_ns = rec.ts_us * 1000;
		ev.log_class = kmsg_class__name(cls);
		ev.log_text = text;
		g->cb(&ev, g->ctx);
	}
}

static void poll_taint(struct guard *g)
{
	struct guard_event ev = { 0 };
	unsigned long now;

	if (!g->taint_ok || taint__read(&now) || !(now & ~g->taint))
		return;
	ev.kind = GUARD_TAINT;
	ev.ts_ns = time__mono_ns();
	ev.taint_new = now & ~g->taint;
	ev.taint_all = now;
	g->taint = now;
	g->cb(&ev, g->ctx);
}

int guard__poll(struct guard *g)
{
	int ret = 0;

	if (g->rb) {
		ret = ring_buffer__consume(g->rb);
		if (ret > 0)
			ret = 0;
	}
	poll_kmsg(g);
	poll_taint(g);
	return ret;
}

uint64_t guard__dropped(const struct guard *g)
{
	return g->skel && g->skel->bss ?
		       __atomic_load_n(&g->skel->bss->events_dropped, __ATOMIC_RELAXED) :
		       0;
}

void guard__free(struct guard *g)
{
	if (!g)
		return;
	ring_buffer__free(g->rb);
	if (g->kmsg_fd >= 0)
		close(g->kmsg_fd);
	guard_bpf__destroy(g->skel);
	free(g);
}
