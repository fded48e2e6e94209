/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the compatibility checks share (user/checks.c, user/check_symbols.c,
 * user/check_restore.c): not an API.
 */
#ifndef HC_CHECKS_INT_H
#define HC_CHECKS_INT_H

#include <stdbool.h>
#include "checks.h"
#include "klp.h"
#include "policy.h"

/* the result's status and reason */
void checks__set(struct check_result *r, enum check_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* append to the reason; a status only ever gets worse */
void checks__add(struct check_result *r, enum check_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* the policy loads a livepatch module itself */
bool checks__is_klp(const struct hc_policy *p);

/* a kernel function a check is about */
struct checks_target {
	const char *obj; /* NULL when only the name is known (a watched function) */
	const char *name;
	unsigned long sympos;
};

/*
 * The functions the module patches, else the watched kernel functions; *@from_module says
 * which. 0 or -ENOMEM; the caller frees *@out.
 */
int checks__targets(const struct hc_policy *p, const struct checks_report *rep,
		    struct checks_target **out, size_t *n, bool *from_module);

/*
 * Is the enabled livepatch @lp cumulative: its replace attribute (6.11 and later), else its
 * module file's klp_patch.replace when check 13 finds its module (patch.replaces,
 * patch.restore, hotcanary's copy); -1 unknown.
 */
int checks__enabled_replace(const struct hc_policy *p, const struct klp_sys *sys,
			    const struct klp_patch *lp);

/* checks 4, 7 and 8 (check_symbols.c) */
void check_functions(const struct hc_policy *p, const struct klp_sys *sys, struct check_result *r);
void check_ftrace(const struct hc_policy *p, const struct klp_sys *sys, struct checks_report *rep,
		  struct check_result *r);
void check_probes(const struct hc_policy *p, const struct klp_sys *sys, struct checks_report *rep,
		  struct check_result *r);

/* check 13 (check_restore.c): 0, or -ENOMEM */
int check_restore(const struct hc_policy *p, const struct klp_sys *sys, struct checks_report *rep,
		  struct check_result *r);

#endif
