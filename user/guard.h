/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guardrail events from BPF (fatal signals, deaths by them, OOM kills) and from user space
 * (kernel log records, taint bits), delivered as one event type to the command layer.
 */
#ifndef HC_GUARD_H
#define HC_GUARD_H

#include <stdint.h>
#include <sys/types.h>
#include "hotcanary.h"

enum guard_kind {
	GUARD_FATAL_SIGNAL,
	GUARD_FATAL_EXIT,
	GUARD_OOM_KILL,
	GUARD_EXIT, /* a watched process exited, not of a fatal signal: bpf->code its status */
	GUARD_KERNEL_LOG,
	GUARD_TAINT,
};

struct guard_event {
	enum guard_kind kind;
	uint64_t ts_ns;		    /* CLOCK_MONOTONIC */
	const struct hc_event *bpf; /* the first three kinds */
	const char *log_class;	    /* kernel log: "warning", "bug", "oops", ... */
	const char *log_text;	    /* kernel log: the record's message */
	unsigned long taint_new;    /* taint: bits that appeared */
	unsigned long taint_all;    /* taint: every bit now set */
};

typedef void (*guard_cb)(const struct guard_event *ev, void *ctx);

struct guard;

/*
 * @watched_fd: the monitor's map of watched processes, or -1 for a private one.
 * @all_processes: report fatal signals of every process, not only watched ones.
 */
int guard__new(struct guard **g, int watched_fd, int all_processes, guard_cb cb, void *ctx);
/* before attach: report every exit of a watched process (GUARD_EXIT), with its status */
void guard__report_exits(struct guard *g);
/* attach the tracepoints and start the kernel log and taint watchers */
int guard__attach(struct guard *g, char *err, size_t errlen);
/* fds to poll for input: the ring buffer and /dev/kmsg; -1 when absent */
int guard__ringbuf_fd(const struct guard *g);
int guard__kmsg_fd(const struct guard *g);
/* deliver whatever is pending; checks the taint bits too */
int guard__poll(struct guard *g);
/* add a process to the watched set (an explicit @PID) */
int guard__watch_pid(struct guard *g, pid_t pid);
uint64_t guard__dropped(const struct guard *g);
void guard__free(struct guard *g);

#endif
