/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A recording: what 'hotcanary record' measured, window by window, and the context needed to
 * trust a comparison of two of them (kernel, host, probe mode, build-ids, time). It is stored
 * as one self-describing JSON document (format below); this file converts between that and
 * memory and validates what it reads. No printing: errors come back as one line naming the
 * field, and the caller adds the file name.
 *
 *   {"format": "hotcanary-recording", "version": 1,
 *    "kernel": "6.1.0-27-amd64", "hostname": "web-3", "probe_mode": "uprobe",
 *    "start": "2026-11-26T11:40:03.123Z", "interval_ns": 1000000000,
 *    "health": {"storage_fail": 0, "prog_misses": 0},
 *    "windows": [{"offset_ns": 0, "duration_ns": 1000021345}, ...],
 *    "functions": [{"spec": "user:/srv/app:parse", "kind": "user", "path": "/srv/app",
 *                   "symbol": "parse", "build_id": "9f2c...", "orphan_exits": 0,
 *                   "lost_exits": 0, "depth_overflows": 0,
 *                   "windows": [{"calls": 2411, "errors": 3, "sum_ns": 250112230,
 *                                "max_ns": 1803113, "hist": [[98304, 106496, 370], ...]},
 *                               ...]}]}
 *
 * Each function has exactly one entry per top-level window. "hist" lists the non-empty
 * buckets of bpf/hist.h as [lower_ns, upper_ns, count] in increasing order, as 'watch --json'
 * does, so a reader needs no knowledge of the layout; this reader insists on it, so that two
 * recordings always share their buckets. "build_id" is "" when the binary has none and is
 * absent for kernel functions.
 */
#ifndef HC_RECORDING_H
#define HC_RECORDING_H

#include <stddef.h>
#include <stdint.h>
#include "histogram.h"

#define RECORDING_FORMAT  "hotcanary-recording"
#define RECORDING_VERSION 1

struct json_object;

struct rec_window {
	uint64_t calls;
	uint64_t errors;
	uint64_t sum_ns;
	uint64_t max_ns;
	uint64_t hist[HC_HIST_BUCKETS];
};

struct rec_func {
	char *spec; /* the FUNC as given: what rows are matched by */
	char *kind; /* "user" or "kernel" */
	char *path; /* user: the binary as resolved; NULL for kernel functions */
	char *symbol;
	char *build_id; /* user: hex GNU build-id, "" if none; NULL for kernel ones */
	uint64_t orphan_exits, lost_exits, depth_overflows;
	struct rec_window *win; /* nr_windows of them */
};

struct recording {
	char *kernel; /* uname -r */
	char *hostname;
	char *probe_mode; /* monitor__mode_name() */
	char *start;	  /* RFC 3339 UTC */
	uint64_t interval_ns;
	uint64_t storage_fail, prog_misses;
	/* possible CPUs: a window's histogram may differ from its calls by up to one each */
	uint64_t cpus;
	size_t nr_windows;
	uint64_t *offset_ns; /* window start, from the first window's */
	uint64_t *duration_ns;
	size_t nr_funcs;
	struct rec_func *funcs;
};

/* an empty recording of @nr_funcs functions; the caller fills the strings it owns */
int recording__init(struct recording *r, size_t nr_funcs);
/* this host's kernel and name, the time now, @probe_mode and @interval_ns; 0 or -ENOMEM */
int recording__set_context(struct recording *r, const char *probe_mode, uint64_t interval_ns);
/* append one window; @snap holds nr_funcs interval deltas */
int recording__add_window(struct recording *r, uint64_t offset_ns, uint64_t duration_ns,
			  const struct hc_snapshot *snap);
void recording__free(struct recording *r);

/* the JSON document of @r; NULL on -ENOMEM */
struct json_object *recording__to_json(const struct recording *r);
/*
 * Validate @o and fill @r. 0, or -EINVAL with @err holding "FIELD: what is wrong; remedy",
 * FIELD a path such as "functions[1].windows[7].hist[2]", or -ENOMEM.
 */
int recording__from_json(const struct json_object *o, struct recording *r, char *err,
			 size_t errlen);

/* write @r to @path through a temporary file and rename(2); @err as above */
int recording__save(const struct recording *r, const char *path, char *err, size_t errlen);
/*
 * Read and validate @path. -errno of the open or read (-ENOENT ...), -EINVAL for a file that
 * is not a valid recording; @err gets the reason without the file name.
 */
/* a larger recording is refused unless the caller raises the limit (compare's option) */
#define RECORDING_MAX_BYTES (256ULL << 20)
/* @len bytes of a recording's text (a whole file) into @r */
int recording__parse(const char *buf, size_t len, struct recording *r, char *err, size_t errlen);
/* read a recording of at most @max bytes (a regular file only) */
int recording__load(const char *path, uint64_t max, struct recording *r, char *err, size_t errlen);

/* the whole recording of function @i summed over its windows */
void recording__total(const struct recording *r, size_t i, struct rec_window *out);
uint64_t recording__duration_ns(const struct recording *r);
/* index of the function whose spec is @spec, or -1 */
int recording__find(const struct recording *r, const char *spec);
/*
 * The one function of @r that @name names: its FUNC, its FUNC without "@PID" (the same
 * function recorded in one process), or its bare symbol. 0 with @idx, -ENOENT, or
 * -ENOTUNIQ when @name names more than one (compare's --match, check's --sample).
 */
int recording__find_named(const struct recording *r, const char *name, size_t *idx);

#endif
