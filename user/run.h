/* SPDX-License-Identifier: GPL-2.0 */
/* What the 'run' and 'ab' commands share: one executor of a policy, in the command layer. */
#ifndef HC_RUN_H
#define HC_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "monitor.h"
#include "policy.h"
#include "rollout.h"

struct run_opts {
	const char *policy;
	const char *report;		/* JSON report file, or NULL */
	const char *svg;		/* picture file, or NULL */
	const char *prom_file;		/* Prometheus textfile, or NULL */
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
/* check, journal, apply, judge and report one policy; returns the exit code */
int run__execute(const struct run_opts *o);
/*
 * ab's report: on-periods against off-periods per function, printed as 'compare' does (and
 * drawn into o->svg); returns the periods as JSON for the --report file.
 */
struct json_object *ab__report(const struct rollout *r, const struct hc_policy *pol,
			       const struct run_opts *o);

#endif
