/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a rollout's windows of samples come from: the functions it watches, what each did
 * since the last sample, the clock, and the events between samples (guardrails, a watched
 * process exiting, the operator's stop). In production the BPF monitor and the guardrails
 * (user/source_bpf.c); in the unit tests a scripted source on a virtual clock, so that every
 * decision of the rollout can be driven window by window.
 */
#ifndef HC_SOURCE_H
#define HC_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "funcspec.h"
#include "guard.h"
#include "histogram.h"
#include "monitor.h"

/* what a source reports between samples: the rollout's callbacks */
struct source_events {
	void (*guard)(const struct guard_event *ev, void *ctx);
	/* process @i of start()'s @pids exited */
	void (*proc_exit)(size_t i, void *ctx);
	/* the operator asked to stop (@sig: SIGINT or SIGTERM) */
	void (*stop)(int sig, void *ctx);
	void *ctx;
};

/* a source is the first member of its implementation's struct */
struct source {
	const struct source_ops *ops;
};

struct source_ops {
	/*
	 * Watch one more function, as monitor__add_flags() does (MONITOR_DEFERRED: attached
	 * later, by attach_func). Function ids count from 0 in the order of the calls.
	 */
	int (*add)(struct source *s, const struct hc_funcspec *spec, int err_mode,
		   unsigned int flags, char *err, size_t len);
	/*
	 * After the last add: start measuring, and report events to @ev from now on; @pids
	 * (@n of them) are watched for their exit. The first sample counts from here.
	 */
	int (*start)(struct source *s, const struct source_events *ev, const pid_t *pids, size_t n,
		     char *err, size_t len);
	size_t (*func_cnt)(const struct source *s);
	const char *(*func_name)(const struct source *s, size_t i);
	/* how kernel functions are probed ("fentry", "kprobe"), or "uprobe" */
	const char *(*mode_name)(const struct source *s);
	/* CLOCK_MONOTONIC, ns: the clock every window and deadline of the rollout is on */
	uint64_t (*now)(const struct source *s);
	/* report the events pending now; never blocks */
	void (*poll)(struct source *s);
	/* block until an event is reported or @until (now()'s clock), whichever is first */
	void (*wait)(struct source *s, uint64_t until);
	/* what every function did since the last sample: @delta holds func_cnt() entries */
	int (*sample)(struct source *s, struct hc_snapshot *delta);
	/*
	 * A deferred function's probes in, or any function's out: moving a process's arm, and a
	 * module's function as its module comes and goes
	 */
	int (*attach_func)(struct source *s, size_t i, char *err, size_t len);
	void (*detach_func)(struct source *s, size_t i);
	/* as monitor__func_loaded(): 0 while a module's function is not there, else its load */
	uint64_t (*loaded)(const struct source *s, size_t i);
	/* how function @i is probed now: "fentry", "kprobe", "uprobe" */
	const char *(*func_mode)(const struct source *s, size_t i);
	void (*free)(struct source *s);
};

/* the production source: the BPF monitor probing in @mode, and the host-wide guardrails */
int source_bpf__new(struct source **s, enum hc_probe_mode mode);

static inline void source__free(struct source *s)
{
	if (s)
		s->ops->free(s);
}

#endif
