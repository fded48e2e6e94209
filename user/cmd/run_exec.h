/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the 'run' and 'ab' commands share, and 'check' the pre-flight of: one executor of a
 * policy, in the command layer (run_exec.c, ab_report.c).
 */
#ifndef HC_RUN_EXEC_H
#define HC_RUN_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "monitor.h"
#include "policy.h"
#include "rollout.h"

struct patch;

struct run_opts {
	const char *policy;
	const char *report;    /* JSON report file, or NULL */
	const char *svg;       /* picture file, or NULL */
	const char *prom_file; /* Prometheus textfile, or NULL */
	const char *state_dir;
	int json, dry, mode_set;
	enum hc_probe_mode mode;
	/* ab: switchback instead of stages */
	bool ab;
	unsigned int rounds;
	uint64_t period_ns;
};

/*
 * An option 'run' and 'ab' share (--report -r, --svg -S, --prom-file -P, --json -j,
 * --state-dir -s, --mode -m) into @o: 0, 1 for a bad value (reported), -EINVAL if @c is
 * none of them.
 */
int run__option(int c, const char *arg, struct run_opts *o);
/*
 * Load @path, or say why not: a policy that another user could change is refused (exit 4)
 * before anything is read from it; a malformed one is bad input (exit 2).
 */
int run__load_policy(const char *path, struct hc_policy **pol);
/*
 * The driver's pre-flight: its findings printed unless @quiet, then 0, or the exit code to
 * stop with (nothing was changed either way).
 */
int run__precheck(struct patch *p, int quiet);
/* check, journal, apply, judge and report one policy; returns the exit code */
int run__execute(const struct run_opts *o);
/*
 * ab's report: on-periods against off-periods per function, printed as 'compare' does (and
 * drawn into o->svg); returns the periods as JSON for the --report file.
 */
struct json_object *ab__report(const struct rollout *r, const struct hc_policy *pol,
			       const struct run_opts *o);

#endif
