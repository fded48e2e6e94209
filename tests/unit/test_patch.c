// SPDX-License-Identifier: GPL-2.0
/*
 * user/patch/patch.c: every patch type the policy knows has one complete driver in the table,
 * and a journal item finds the driver that left it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "patch/patch.h"
#include "policy.h"

static const enum hc_patch_type types[] = { HC_PATCH_KLP, HC_PATCH_EXEC, HC_PATCH_ULP };

static void test_every_type_has_a_driver(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const struct patch_ops *ops = patch__ops(types[i]);

		assert_non_null(ops);
		assert_int_equal(ops->type, types[i]);
		/* the journal's run_start type and the policy's patch.type are the same word */
		assert_string_equal(ops->name, policy__patch_type_name(types[i]));
		assert_ptr_equal(patch__ops_by_item(ops->item_kind), ops);
		/* what every command calls without asking */
		assert_non_null(ops->check);
		assert_non_null(ops->check_print);
		assert_non_null(ops->begin);
		assert_non_null(ops->describe);
		assert_non_null(ops->report);
		assert_non_null(ops->item_text);
		/* a patch goes in host-wide or per process, with the way back of the same kind */
		if (ops->patch_one) {
			assert_non_null(ops->revert_one);
			assert_non_null(ops->procs);
			assert_non_null(ops->funcs);
			assert_null(ops->load);
		} else {
			assert_non_null(ops->load);
			assert_non_null(ops->revert);
			assert_null(ops->revert_one);
		}
	}
	assert_null(patch__ops((enum hc_patch_type)99));
	assert_null(patch__ops_by_item(JOURNAL_ITEM_NONE));
}

static void test_kernel_checks_by_type(void **state)
{
	/* the compatibility checks read these instead of the type */
	assert_true(patch__ops(HC_PATCH_KLP)->kernel_checks);
	assert_true(patch__ops(HC_PATCH_KLP)->kernel_module);
	assert_true(patch__ops(HC_PATCH_EXEC)->kernel_checks);
	assert_false(patch__ops(HC_PATCH_EXEC)->kernel_module);
	assert_false(patch__ops(HC_PATCH_ULP)->kernel_checks);
	/* an external patcher may have changed something before it failed */
	assert_true(patch__ops(HC_PATCH_EXEC)->revert_failed_load);
	assert_false(patch__ops(HC_PATCH_KLP)->revert_failed_load);
}

static void test_item_text(void **state)
{
	struct journal_item it = { .kind = JOURNAL_ITEM_ULP, .pid = 42 };
	char buf[64];

	patch__ops_by_item(JOURNAL_ITEM_ULP)->item_text(&it, buf, sizeof(buf));
	assert_string_equal(buf, "pid:42");
	it.module_name = (char *)"livepatch_fix";
	patch__ops_by_item(JOURNAL_ITEM_KLP)->item_text(&it, buf, sizeof(buf));
	assert_string_equal(buf, "klp:livepatch_fix");
	patch__ops_by_item(JOURNAL_ITEM_EXEC)->item_text(&it, buf, sizeof(buf));
	assert_string_equal(buf, "exec");
}

static void test_new_per_policy(void **state)
{
	static const char text[] =
		"name: t\npatch:\n  type: ulp\n  library: /opt/fix.so\n  target: /usr/bin/srv\n"
		"  build_id: 9f1c0ad3b7e4a1c2d3e4f5a6b7c8d9e0f1a2b3c4\n  functions:\n"
		"    - old: parse\n      new: parse_fixed\n    - old: send\n      new: send_fixed\n"
		"processes:\n  pids: [7]\nstages:\n  - name: all\n    duration: 5s\n    targets: 1\n";
	const struct patch_func *f;
	struct hc_policy *pol;
	struct policy_err perr;
	struct patch *p;
	char msg[512];

	if (policy__parse("t.yaml", text, strlen(text), &pol, &perr))
		fail_msg("policy: %s", policy_err__format(&perr, msg, sizeof(msg)));
	assert_int_equal(patch__new(&p, pol), 0);
	assert_ptr_equal(p->ops, &patch_ulp_ops);
	assert_true(patch__per_process(p));
	/* the functions the rollout watches come from the policy, before any pre-flight */
	assert_int_equal(p->ops->funcs(p, &f), 2);
	assert_string_equal(f[1].target, "/usr/bin/srv");
	assert_string_equal(f[1].old_sym, "send");
	assert_string_equal(f[1].library, "/opt/fix.so");
	assert_string_equal(f[1].new_sym, "send_fixed");
	patch__free(p);
	policy__free(pol);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type_has_a_driver),
		cmocka_unit_test(test_kernel_checks_by_type),
		cmocka_unit_test(test_item_text),
		cmocka_unit_test(test_new_per_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
