/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel-wide patch types (klp and exec) share: the compatibility checks of
 * user/checks.c as their pre-flight, and how those appear in every report. Not an API.
 */
#ifndef HC_PATCH_KERNEL_H
#define HC_PATCH_KERNEL_H

#include "checks.h"
#include "patch/patch.h"

struct kpatch {
	struct checks_report rep;
	char module_name[KLP_NAME_MAX];
	/* klp: the livepatches enabled before the load; any that vanished was replaced */
	char (*before)[KLP_NAME_MAX];
	size_t nr_before;
	char copy[PATH_MAX]; /* klp: the module copy that is loaded (state_copy__store()) */
};

int kpatch__open(struct patch *p);
void kpatch__close(struct patch *p);
int kpatch__check(struct patch *p, char *err, size_t len);
void kpatch__check_print(const struct patch *p, FILE *out);
enum hc_probe_mode kpatch__probe_mode(const struct patch *p);
/* the keys klp and exec share; klp adds its module's before them */
void kpatch__describe(const struct patch *p, enum patch_view view, struct json_object *o);
void kpatch__report(const struct patch *p, const struct rollout *r, struct json_object *rj,
		    FILE *out);

#endif
