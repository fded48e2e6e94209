/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The function monitor: validates FUNC specs, loads the BPF programs, attaches them (exits
 * first, then entries, then opens the ready gate) and reads the per-function counters.
 */
#ifndef HC_MONITOR_H
#define HC_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include "funcspec.h"
#include "histogram.h"

enum hc_probe_mode {
	HC_MODE_AUTO, /* fentry/fexit where the kernel allows it, else kprobes */
	HC_MODE_FENTRY,
	HC_MODE_KPROBE,
};

struct monitor;

struct monitor_health {
	uint64_t storage_fail; /* calls not timed: no per-thread storage */
	uint64_t prog_misses;  /* program runs the kernel skipped (recursion, busy CPU) */
};

int monitor__new(struct monitor **m, enum hc_probe_mode mode);
/*
 * Validate and resolve one function (file, symbol, kernel function, PID). Nothing is loaded
 * or attached yet. On failure @err holds a one-line reason.
 */
int monitor__add(struct monitor *m, const struct hc_funcspec *spec, int err_mode, char *err,
		 size_t errlen);
/*
 * monitor__add_flags(): not attached by monitor__attach(), nor checked against the PID's
 * mappings; monitor__attach_func() attaches it later (a patch library's function). A kernel
 * function is checked there too, at every monitor__attach_func(): a module's function, as
 * its module loads, or loads again.
 */
#define MONITOR_DEFERRED 0x1
/*
 * A user function of a file the process maps only later (a patch library not loaded yet):
 * attached now, with the rest, so that its place among the probes of its site is the
 * process's place among those of the function it replaces (rollout_arms.c); the kernel
 * installs the uprobe when the process maps the file.
 */
#define MONITOR_UNMAPPED 0x2
int monitor__add_flags(struct monitor *m, const struct hc_funcspec *spec, int err_mode,
		       unsigned int flags, char *err, size_t errlen);
/* load the programs and pick the kernel probe mode; @err as above */
int monitor__load(struct monitor *m, char *err, size_t errlen);
/* attach every probe, exits before entries, then open the gate; all or nothing */
int monitor__attach(struct monitor *m, char *err, size_t errlen);
/* close the gate and destroy every link, entries first; safe to call twice */
void monitor__detach(struct monitor *m);
void monitor__free(struct monitor *m);
/*
 * Attach or detach the probes of function @i alone, after monitor__attach(): how a process
 * moves between the arms of a ulp rollout, and how a module's function follows its module.
 * Attaching twice is a no-op. A deferred kernel function takes a kprobe unless the mode is
 * fentry or it cannot have one: an fentry program holds its module, which then cannot be
 * unloaded until monitor__detach_func() or monitor__free().
 */
int monitor__attach_func(struct monitor *m, size_t i, char *err, size_t errlen);
void monitor__detach_func(struct monitor *m, size_t i);

size_t monitor__func_cnt(const struct monitor *m);
const char *monitor__func_name(const struct monitor *m, size_t i);
/* user functions: the binary as resolved, and its GNU build-id in hex ("" if none); NULL for
 * kernel functions */
const char *monitor__func_path(const struct monitor *m, size_t i);
const char *monitor__func_build_id(const struct monitor *m, size_t i);
/* the mode used for kernel functions after load ("fentry", "kprobe"), or "uprobe" */
const char *monitor__mode_name(const struct monitor *m);
/* the probe of function @i as it is attached: "fentry", "kprobe" or "uprobe" */
const char *monitor__func_mode(const struct monitor *m, size_t i);
/*
 * Whether function @i's code is there to probe: for a kernel function of a module, 0 while
 * the module is not live, else a number that differs at each load of it; 1 for any other.
 */
uint64_t monitor__func_loaded(const struct monitor *m, size_t i);
/* start a new interval; returns the epoch of the interval that just ended */
uint32_t monitor__next_epoch(struct monitor *m);
/* the summed counters of function @i; max_ns is that of interval @epoch */
int monitor__read(struct monitor *m, size_t i, uint32_t epoch, struct hc_snapshot *out);
/*
 * Close the current interval: read every function and write what it did since the last
 * sample into @delta[i], moving @prev[i] on. Both arrays hold monitor__func_cnt() entries.
 */
int monitor__sample(struct monitor *m, struct hc_snapshot *prev, struct hc_snapshot *delta);
void monitor__health(struct monitor *m, struct monitor_health *h);
/* fd of the map of watched processes, shared with the guardrail programs */
int monitor__watched_fd(const struct monitor *m);

#endif
