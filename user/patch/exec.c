// SPDX-License-Identifier: GPL-2.0
/*
 * External patchers (kpatch, kcarectl, ...): the policy's apply and revert argv lists, run
 * with a timeout. The kernel checks apply, but there is no module of ours to check.
 */
#include <stdio.h>
#include "patch/kernel.h"

/* an external patcher gets this long per transition-like wait of ours */
#define EXEC_STEPS_TIMEOUT_MS 30000

static int exec_begin(struct patch *p, struct journal *j, char *err, size_t len)
{
	steps__init(&p->steps, j, EXEC_STEPS_TIMEOUT_MS);
	return 0;
}

static int exec_load(struct patch *p, char *err, size_t len)
{
	const struct hc_policy *pol = p->pol;

	return steps__exec(&p->steps, JOURNAL_ACT_EXEC_APPLY, pol->patch.exec.apply,
			   pol->patch.exec.revert, pol->patch.exec.timeout_ns, err, len);
}

static int exec_revert(struct patch *p, char *err, size_t len)
{
	const struct hc_policy *pol = p->pol;

	return steps__exec(&p->steps, JOURNAL_ACT_EXEC_REVERT, pol->patch.exec.revert, NULL,
			   pol->patch.exec.timeout_ns, err, len);
}

static void exec_item_text(const struct journal_item *it, char *buf, size_t len)
{
	snprintf(buf, len, "exec");
}

const struct patch_ops patch_exec_ops = {
	.privs = -1,
	.type = HC_PATCH_EXEC,
	.name = "exec",
	.item_kind = JOURNAL_ITEM_EXEC,
	.kernel_checks = true,
	/* the patcher may have changed something before it failed */
	.revert_failed_load = true,
	.open = kpatch__open,
	.close = kpatch__close,
	.check = kpatch__check,
	.check_print = kpatch__check_print,
	/* no probe_mode: the checks cannot see what an external patcher patches; auto */
	.begin = exec_begin,
	.describe = kpatch__describe,
	.load = exec_load,
	.revert = exec_revert,
	.report = kpatch__report,
	.item_text = exec_item_text,
};
