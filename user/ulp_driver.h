/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ulp patch driver of 'run': which processes a policy names, their pre-flight, and the
 * journaled patch and restore of one process at a time for the rollout's stages.
 */
#ifndef HC_ULP_DRIVER_H
#define HC_ULP_DRIVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "policy.h"
#include "steps.h"
#include "ulp.h"

struct ulp_driver {
	const struct hc_policy *pol;
	struct steps *steps;
	struct ulp_spec spec;
	struct ulp_spec_func *funcs;
	const char **names;		/* the old symbols, for the journal */
	struct ulp_image *img;
	struct ulp_proc **procs;	/* in PID order: the order the stages patch them */
	size_t nr;
	pid_t *pids;			/* for rollout__set_procs() */
	uint64_t *start_times;
};

/*
 * Resolve the policy's target and library, find its processes (processes.exe or .pids) and
 * pre-flight every one of them. Nothing is changed. Any failure is a refusal: @err names the
 * process or file and what to do.
 */
int ulp_driver__open(struct ulp_driver *d, const struct hc_policy *pol, struct steps *steps,
		     char *err, size_t len);
void ulp_driver__free(struct ulp_driver *d);
/* struct patch_driver's per-process hooks; @ctx is the struct ulp_driver */
int ulp_driver__patch_one(void *ctx, size_t i, char *err, size_t len);
int ulp_driver__revert_one(void *ctx, size_t i, char *err, size_t len);
/*
 * Processes that match the policy now but were not there at open: started during the
 * rollout, so unpatched. A new array in *@pids (free it), 0 or -errno.
 */
int ulp_driver__newcomers(const struct ulp_driver *d, pid_t **pids, size_t *n);
/* the PIDs of the processes of @exe (same file), in PID order, without the caller */
int ulp__find_exe(const char *exe, pid_t **pids, size_t *n);

#endif
