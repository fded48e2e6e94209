// SPDX-License-Identifier: GPL-2.0
/* user/journal.c: records, the tolerant reader, the fold and its undo plan, the lock */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "journal.h"

/*
 * fsync() as the journal sees it: this definition in the test binary is the one the
 * statically linked journal.o calls. It counts file and directory syncs and can fail.
 */
static int fsync_files, fsync_dirs, fsync_fail_in;

int fsync(int fd)
{
	struct stat sb;

	if (fsync_fail_in > 0 && --fsync_fail_in == 0) {
		errno = EIO;
		return -1;
	}
	if (!fstat(fd, &sb)) {
		if (S_ISDIR(sb.st_mode))
			fsync_dirs++;
		else
			fsync_files++;
	}
	return syscall(SYS_fsync, fd);
}

/* ---- records built in memory --------------------------------------------------------- */

#define MAX_RECS 64

struct seqb {
	struct journal_rec v[MAX_RECS];
	size_t n;
};

static void add(struct seqb *b, enum journal_kind kind, enum journal_action action, bool ok,
		const char *detail)
{
	struct journal_rec *r;

	assert_true(b->n < MAX_RECS);
	r = &b->v[b->n];
	memset(r, 0, sizeof(*r));
	r->seq = b->n + 1;
	r->mono_ns = 1000000000ull * (b->n + 1);
	snprintf(r->wall, sizeof(r->wall), "2026-11-26T12:00:%02u.000Z", (unsigned int)b->n);
	r->kind = kind;
	r->action = action;
	r->ok = ok;
	r->detail = json_tokener_parse(detail ? detail : "{}");
	if (!r->detail)
		fail_msg("bad test detail '%s'", detail);
	b->n++;
}

static void seqb_free(struct seqb *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		json_object_put(b->v[i].detail);
	b->n = 0;
}

#define I(b, a, d)    add(b, JOURNAL_INTENT, JOURNAL_ACT_##a, true, d)
#define OK(b, a, d)   add(b, JOURNAL_RESULT, JOURNAL_ACT_##a, true, d)
#define FAIL(b, a, d) add(b, JOURNAL_RESULT, JOURNAL_ACT_##a, false, d)
#define N(b, a, d)    add(b, JOURNAL_NOTE, JOURNAL_ACT_##a, true, d)

#define FIX	 "{\"module\":\"/root/fix.ko\",\"module_name\":\"fix\"}"
#define FIX_NAME "{\"module_name\":\"fix\"}"
#define FIX_R	 "{\"module\":\"/root/fix.ko\",\"module_name\":\"fix\",\"replace\":true}"
#define PREV	 "{\"module\":\"/root/prev.ko\",\"module_name\":\"prev\"}"
#define RUN_KLP                                                     \
	"{\"type\":\"klp\",\"policy\":\"/etc/hotcanary/fix.yaml\"," \
	"\"policy_sha256\":\"00ff\",\"module\":\"/root/fix.ko\",\"module_name\":\"fix\"}"
#define RUN_KLP_REPL                                                             \
	"{\"type\":\"klp\",\"module\":\"/root/fix.ko\",\"module_name\":\"fix\"," \
	"\"replaces\":\"/root/prev.ko\",\"replaces_name\":\"prev\"}"
#define RUN_EXEC "{\"type\":\"exec\",\"policy\":\"/etc/hotcanary/kp.yaml\"}"
#define RUN_ULP                                                          \
	"{\"type\":\"ulp\",\"pids\":[{\"pid\":101,\"start_time\":5001}," \
	"{\"pid\":102,\"start_time\":5002},{\"pid\":103,\"start_time\":5003}]}"
#define EXEC_D                                              \
	"{\"argv\":[\"kpatch\",\"load\",\"/root/fix.ko\"]," \
	"\"revert\":[\"kpatch\",\"unload\",\"fix\"]}"
#define P101	 "{\"pid\":101,\"start_time\":5001}"
#define P102	 "{\"pid\":102,\"start_time\":5002}"
#define P103	 "{\"pid\":103,\"start_time\":5003}"
#define COMMIT	 "{\"outcome\":\"committed\",\"reason\":\"all stages passed\"}"
#define ROLLBACK "{\"outcome\":\"rolled-back\",\"reason\":\"p99 1.6x > 1.25x\"}"
#define STAGE(n) "{\"name\":\"" n "\"}"

struct step_exp {
	enum journal_action action;
	const char *detail;
	bool maybe;
};

static void fold(struct seqb *b, struct journal_state *st)
{
	char err[256] = "";
	int ret;

	ret = journal__state("fix", b->v, b->n, st, err, sizeof(err));
	if (ret)
		fail_msg("fold returned %d: %s", ret, err);
}

static void check_plan(const struct journal_state *st, const struct step_exp *exp, size_t n)
{
	size_t i;

	if (st->plan.nr_steps != n) {
		for (i = 0; i < st->plan.nr_steps; i++)
			print_message("step %zu: %s %s%s\n", i,
				      journal__action_name(st->plan.steps[i].action),
				      json_object_to_json_string(st->plan.steps[i].detail),
				      st->plan.steps[i].maybe ? " (maybe)" : "");
		fail_msg("%zu steps, expected %zu", st->plan.nr_steps, n);
	}
	for (i = 0; i < n; i++) {
		const struct journal_step *s = &st->plan.steps[i];
		struct json_object *want = json_tokener_parse(exp[i].detail);

		assert_non_null(want);
		if (s->action != exp[i].action)
			fail_msg("step %zu is %s, expected %s", i, journal__action_name(s->action),
				 journal__action_name(exp[i].action));
		if (!json_object_equal(want, s->detail))
			fail_msg("step %zu (%s): detail %s, expected %s", i,
				 journal__action_name(s->action),
				 json_object_to_json_string(s->detail), exp[i].detail);
		if (s->maybe != exp[i].maybe)
			fail_msg("step %zu (%s): maybe %d, expected %d", i,
				 journal__action_name(s->action), s->maybe, exp[i].maybe);
		json_object_put(want);
	}
}

#define CHECK_PLAN(st, ...)                                          \
	do {                                                         \
		static const struct step_exp e_[] = { __VA_ARGS__ }; \
		check_plan(st, e_, sizeof(e_) / sizeof(e_[0]));      \
	} while (0)

static const struct journal_item *item(const struct journal_state *st, const char *module_name)
{
	size_t i;

	for (i = st->nr_items; i > 0; i--) {
		const struct journal_item *it = &st->items[i - 1];

		if (it->kind == JOURNAL_ITEM_KLP && !strcmp(it->module_name, module_name))
			return it;
	}
	return NULL;
}

/* the lifecycle of a klp run up to the end of the canary stage */
static void klp_run_to_canary(struct seqb *b)
{
	N(b, RUN_START, RUN_KLP);
	I(b, PRECHECK, NULL);
	OK(b, PRECHECK, NULL);
	N(b, BASELINE_START, NULL);
	N(b, BASELINE_END, NULL);
	I(b, LOAD, FIX);
	OK(b, LOAD, FIX_NAME);
	I(b, TRANSITION_WAIT, FIX_NAME);
	OK(b, TRANSITION_WAIT, FIX_NAME);
	N(b, STAGE_START, STAGE("canary"));
}

/* ---- the fold: a dozen histories ----------------------------------------------------- */

static void test_fold_empty(void **state)
{
	struct journal_state st;
	char err[256];

	assert_int_equal(journal__state("fix", NULL, 0, &st, err, sizeof(err)), 0);
	assert_int_equal(st.phase, JOURNAL_PHASE_NONE);
	assert_true(st.resolved);
	assert_int_equal(st.plan.nr_steps, 0);
	assert_int_equal(journal__check_resolved(&st, err, sizeof(err)), 0);
	journal_state__free(&st);
}

static void test_fold_clean_commit(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };
	const struct journal_item *it;
	char err[256];

	klp_run_to_canary(&b);
	N(&b, STAGE_END, STAGE("canary"));
	N(&b, STAGE_START, STAGE("soak"));
	N(&b, STAGE_END, STAGE("soak"));
	N(&b, DECISION, COMMIT);
	N(&b, RUN_END, NULL);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_COMMITTED);
	assert_true(st.resolved);
	assert_int_equal(st.outcome, JOURNAL_OUTCOME_COMMITTED);
	assert_string_equal(st.reason, "all stages passed");
	assert_string_equal(st.type, "klp");
	assert_int_equal(st.nr_runs, 1);
	assert_int_equal(st.nr_records, b.n);
	assert_null(st.stage);
	assert_false(st.has_pending);
	/* what stays applied: the module, loaded and enabled, kept */
	assert_int_equal(st.nr_items, 1);
	it = &st.items[0];
	assert_int_equal(it->kind, JOURNAL_ITEM_KLP);
	assert_string_equal(it->module_name, "fix");
	assert_string_equal(it->module, "/root/fix.ko");
	assert_int_equal(it->active, JOURNAL_YES);
	assert_int_equal(it->loaded, JOURNAL_YES);
	assert_true(it->committed);
	assert_int_equal(st.plan.nr_steps, 0);
	assert_int_equal(journal__check_resolved(&st, err, sizeof(err)), 0);
	journal_state__free(&st);
	seqb_free(&b);
}

static void test_fold_clean_rollback(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	klp_run_to_canary(&b);
	N(&b, DECISION, ROLLBACK);
	I(&b, DISABLE, FIX);
	OK(&b, DISABLE, FIX_NAME);
	I(&b, UNLOAD, FIX);
	OK(&b, UNLOAD, FIX_NAME);
	N(&b, RUN_END, NULL);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLED_BACK);
	assert_true(st.resolved);
	assert_int_equal(st.outcome, JOURNAL_OUTCOME_ROLLED_BACK);
	assert_string_equal(st.reason, "p99 1.6x > 1.25x");
	assert_int_equal(st.nr_items, 0);
	assert_int_equal(st.plan.nr_steps, 0);
	journal_state__free(&st);
	seqb_free(&b);
}

static void test_fold_crash_after_load_intent(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };
	char err[512];

	N(&b, RUN_START, RUN_KLP);
	I(&b, PRECHECK, NULL);
	OK(&b, PRECHECK, NULL);
	I(&b, LOAD, FIX);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_RUNNING);
	assert_false(st.resolved);
	assert_true(st.has_pending);
	assert_int_equal(st.pending, JOURNAL_ACT_LOAD);
	assert_int_equal(st.pending_seq, 4);
	assert_int_equal(st.nr_items, 1);
	assert_int_equal(st.items[0].active, JOURNAL_MAYBE);
	assert_int_equal(st.items[0].loaded, JOURNAL_MAYBE);
	/* maybe loaded (and so enabled): check, disable, unload */
	CHECK_PLAN(&st, { JOURNAL_ACT_DISABLE, FIX, true }, { JOURNAL_ACT_UNLOAD, FIX, true });
	assert_int_equal(journal__check_resolved(&st, err, sizeof(err)), -EINPROGRESS);
	assert_non_null(strstr(err, "hotcanary recover"));
	assert_non_null(strstr(err, "load (seq 4)"));
	assert_non_null(strstr(err, "running"));
	journal_state__free(&st);
	seqb_free(&b);
}

static void test_fold_crash_after_load_result(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	klp_run_to_canary(&b);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_RUNNING);
	assert_false(st.resolved);
	assert_false(st.has_pending);
	assert_string_equal(st.stage, "canary");
	assert_int_equal(st.items[0].active, JOURNAL_YES);
	assert_false(st.items[0].committed);
	CHECK_PLAN(&st, { JOURNAL_ACT_DISABLE, FIX, false }, { JOURNAL_ACT_UNLOAD, FIX, false });
	journal_state__free(&st);
	seqb_free(&b);
}

static void test_fold_crash_after_disable_intent(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	klp_run_to_canary(&b);
	N(&b, DECISION, ROLLBACK);
	I(&b, DISABLE, FIX);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLING_BACK);
	assert_false(st.resolved);
	assert_int_equal(st.pending, JOURNAL_ACT_DISABLE);
	/* finish the disable, then unload */
	CHECK_PLAN(&st, { JOURNAL_ACT_DISABLE, FIX, true }, { JOURNAL_ACT_UNLOAD, FIX, false });
	journal_state__free(&st);
	seqb_free(&b);
}

static void test_fold_crash_after_disable_result(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	klp_run_to_canary(&b);
	N(&b, DECISION, ROLLBACK);
	I(&b, DISABLE, FIX);
	OK(&b, DISABLE, FIX_NAME);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLING_BACK);
	assert_int_equal(st.items[0].active, JOURNAL_NO);
	assert_int_equal(st.items[0].loaded, JOURNAL_YES);
	CHECK_PLAN(&st, { JOURNAL_ACT_UNLOAD, FIX, false });
	journal_state__free(&st);
	seqb_free(&b);
}

/* the activation timed out: reversed and unloaded before any decision */
static void test_fold_transition_timeout(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	N(&b, RUN_START, RUN_KLP);
	I(&b, LOAD, FIX);
	OK(&b, LOAD, FIX_NAME);
	I(&b, TRANSITION_WAIT, FIX_NAME);
	FAIL(&b, TRANSITION_WAIT, "{\"module_name\":\"fix\",\"errno\":110,\"reason\":\"blocked\"}");
	I(&b, DISABLE, FIX);
	fold(&b, &st);
	/* an undo before the decision: the rollback has begun */
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLING_BACK);
	CHECK_PLAN(&st, { JOURNAL_ACT_DISABLE, FIX, true }, { JOURNAL_ACT_UNLOAD, FIX, false });
	journal_state__free(&st);

	OK(&b, DISABLE, FIX_NAME);
	I(&b, UNLOAD, FIX);
	OK(&b, UNLOAD, FIX_NAME);
	N(&b, DECISION, "{\"outcome\":\"rolled-back\",\"reason\":\"transition timeout\"}");
	N(&b, RUN_END, NULL);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLED_BACK);
	assert_true(st.resolved);
	assert_int_equal(st.plan.nr_steps, 0);
	journal_state__free(&st);
	seqb_free(&b);
}

/* the rollback said it was done, but rmmod failed: still owed */
static void test_fold_unload_failed(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };
	char err[512];

	klp_run_to_canary(&b);
	N(&b, DECISION, ROLLBACK);
	I(&b, DISABLE, FIX);
	OK(&b, DISABLE, FIX_NAME);
	I(&b, UNLOAD, FIX);
	FAIL(&b, UNLOAD, "{\"module_name\":\"fix\",\"errno\":16}");
	N(&b, RUN_END, NULL);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLING_BACK);
	assert_false(st.resolved);
	assert_true(st.ended);
	CHECK_PLAN(&st, { JOURNAL_ACT_UNLOAD, FIX, false });
	assert_int_equal(journal__check_resolved(&st, err, sizeof(err)), -EINPROGRESS);
	assert_non_null(strstr(err, "1 undo step owed"));
	journal_state__free(&st);
	seqb_free(&b);
}

static void test_fold_committed_no_run_end(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };
	char err[512];

	klp_run_to_canary(&b);
	N(&b, DECISION, COMMIT);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_COMMITTED);
	assert_false(st.resolved);
	assert_int_equal(st.plan.nr_steps, 0);
	assert_int_equal(journal__check_resolved(&st, err, sizeof(err)), -EINPROGRESS);
	assert_non_null(strstr(err, "committed but did not end"));
	journal_state__free(&st);
	seqb_free(&b);
}

/* refused by a check before any change: nothing to undo, resolved */
static void test_fold_refused(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	N(&b, RUN_START, RUN_KLP);
	I(&b, PRECHECK, NULL);
	FAIL(&b, PRECHECK, "{\"reason\":\"vermagic mismatch\"}");
	N(&b, RUN_END, NULL);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLED_BACK);
	assert_int_equal(st.outcome, JOURNAL_OUTCOME_NONE);
	assert_true(st.resolved);
	journal_state__free(&st);
	seqb_free(&b);
}

/* insmod failed: nothing was loaded */
static void test_fold_load_failed(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	N(&b, RUN_START, RUN_KLP);
	I(&b, LOAD, FIX);
	FAIL(&b, LOAD, "{\"module_name\":\"fix\",\"errno\":22}");
	fold(&b, &st);
	assert_int_equal(st.nr_items, 0);
	assert_int_equal(st.plan.nr_steps, 0);
	assert_int_equal(st.phase, JOURNAL_PHASE_RUNNING);
	assert_false(st.resolved); /* no run_end yet: recover just closes it */
	journal_state__free(&st);
	seqb_free(&b);
}

static void test_fold_ulp_three_one_reverted(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };
	size_t i;

	N(&b, RUN_START, RUN_ULP);
	N(&b, STAGE_START, STAGE("canary"));
	I(&b, ULP_PATCH, P101);
	OK(&b, ULP_PATCH, P101);
	N(&b, STAGE_END, STAGE("canary"));
	N(&b, STAGE_START, STAGE("half"));
	I(&b, ULP_PATCH, P102);
	OK(&b, ULP_PATCH, P102);
	I(&b, ULP_PATCH, P103);
	OK(&b, ULP_PATCH, P103);
	N(&b, DECISION, ROLLBACK);
	I(&b, ULP_REVERT, P103);
	OK(&b, ULP_REVERT, P103);
	/* a revert of 102 under another start time is another process: untouched */
	I(&b, ULP_REVERT, "{\"pid\":102,\"start_time\":9999}");
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLING_BACK);
	assert_false(st.resolved);
	assert_string_equal(st.type, "ulp");
	assert_int_equal(st.nr_items, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(st.items[i].kind, JOURNAL_ITEM_ULP);
		assert_int_equal(st.items[i].pid, 101 + i);
		assert_int_equal(st.items[i].start_time, 5001 + i);
		assert_int_equal(st.items[i].active, JOURNAL_YES);
		assert_int_equal(st.items[i].loaded, JOURNAL_NO);
	}
	/* newest first */
	CHECK_PLAN(&st, { JOURNAL_ACT_ULP_REVERT, P102, false },
		   { JOURNAL_ACT_ULP_REVERT, P101, false });
	journal_state__free(&st);
	seqb_free(&b);
}

/* a process refused at activation is left untouched: nothing to revert */
static void test_fold_ulp_patch_failed(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	N(&b, RUN_START, RUN_ULP);
	I(&b, ULP_PATCH, P101);
	OK(&b, ULP_PATCH, P101);
	I(&b, ULP_PATCH, P102);
	FAIL(&b, ULP_PATCH, "{\"pid\":102,\"start_time\":5002,\"reason\":\"thread in function\"}");
	I(&b, ULP_PATCH, P103);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_RUNNING);
	assert_int_equal(st.nr_items, 2);
	CHECK_PLAN(&st, { JOURNAL_ACT_ULP_REVERT, P103, true },
		   { JOURNAL_ACT_ULP_REVERT, P101, false });
	journal_state__free(&st);
	seqb_free(&b);
}

#define INJ101                                                                          \
	"{\"pid\":101,\"start_time\":5001,\"library\":\"/var/lib/hotcanary/ulp/a.so\"," \
	"\"page\":\"0x1000\"}"
#define INJ102                                                                          \
	"{\"pid\":102,\"start_time\":5002,\"library\":\"/var/lib/hotcanary/ulp/a.so\"," \
	"\"page\":\"0x2000\"}"
#define INJ103                                                                          \
	"{\"pid\":103,\"start_time\":5003,\"library\":\"/var/lib/hotcanary/ulp/a.so\"," \
	"\"page\":\"0x3000\"}"
#define PATCH101                                                                        \
	"{\"pid\":101,\"start_time\":5001,\"library\":\"/var/lib/hotcanary/ulp/a.so\"," \
	"\"sites\":[{\"func\":4096}]}"

/*
 * An injection is an item's "loaded": one cut by a kill (an intent, no result) is unloaded
 * by the plan, maybe; once a patch follows, the unload takes its detail (the sites, which
 * must hold their original bytes again). Every revert comes before any unload.
 */
static void test_fold_ulp_inject(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	N(&b, RUN_START, RUN_ULP);
	I(&b, ULP_INJECT, INJ101);
	fold(&b, &st);
	assert_int_equal(st.nr_items, 1);
	assert_int_equal(st.items[0].active, JOURNAL_NO);
	assert_int_equal(st.items[0].loaded, JOURNAL_MAYBE);
	CHECK_PLAN(&st, { JOURNAL_ACT_ULP_UNLOAD, INJ101, true });
	journal_state__free(&st);

	OK(&b, ULP_INJECT, INJ101);
	I(&b, ULP_PATCH, PATCH101);
	OK(&b, ULP_PATCH, PATCH101);
	I(&b, ULP_INJECT, INJ102);
	OK(&b, ULP_INJECT, INJ102);
	fold(&b, &st);
	assert_int_equal(st.nr_items, 2);
	assert_int_equal(st.items[0].active, JOURNAL_YES);
	assert_int_equal(st.items[0].loaded, JOURNAL_YES);
	CHECK_PLAN(&st, { JOURNAL_ACT_ULP_REVERT, PATCH101, false },
		   { JOURNAL_ACT_ULP_UNLOAD, INJ102, false },
		   { JOURNAL_ACT_ULP_UNLOAD, PATCH101, false });
	journal_state__free(&st);

	/* a failed injection took itself out; a failed unload leaves nothing to retry */
	I(&b, ULP_INJECT, INJ103);
	FAIL(&b, ULP_INJECT, INJ103);
	N(&b, DECISION, ROLLBACK);
	I(&b, ULP_REVERT, P101);
	OK(&b, ULP_REVERT, P101);
	I(&b, ULP_UNLOAD, P102);
	OK(&b, ULP_UNLOAD, P102);
	I(&b, ULP_UNLOAD, P101);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLING_BACK);
	CHECK_PLAN(&st, { JOURNAL_ACT_ULP_UNLOAD, PATCH101, true });
	journal_state__free(&st);
	FAIL(&b, ULP_UNLOAD, P101);
	N(&b, RUN_END, NULL);
	fold(&b, &st);
	assert_int_equal(st.nr_items, 0);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLED_BACK);
	assert_true(st.resolved);
	journal_state__free(&st);
	seqb_free(&b);
}

static void test_fold_exec_apply_no_result(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	N(&b, RUN_START, RUN_EXEC);
	I(&b, PRECHECK, NULL);
	OK(&b, PRECHECK, NULL);
	I(&b, EXEC_APPLY, EXEC_D);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_RUNNING);
	assert_false(st.resolved);
	assert_int_equal(st.nr_items, 1);
	assert_int_equal(st.items[0].kind, JOURNAL_ITEM_EXEC);
	assert_int_equal(st.items[0].active, JOURNAL_MAYBE);
	/* the revert argv comes back from the apply intent */
	CHECK_PLAN(&st, { JOURNAL_ACT_EXEC_REVERT, EXEC_D, true });
	journal_state__free(&st);
	seqb_free(&b);
}

/* an external patcher that failed may have done part of its work: revert it anyway */
static void test_fold_exec_apply_failed(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	N(&b, RUN_START, RUN_EXEC);
	I(&b, EXEC_APPLY, EXEC_D);
	FAIL(&b, EXEC_APPLY, "{\"errno\":5,\"reason\":\"exit status 1\"}");
	fold(&b, &st);
	CHECK_PLAN(&st, { JOURNAL_ACT_EXEC_REVERT, EXEC_D, true });
	journal_state__free(&st);

	I(&b, EXEC_REVERT, EXEC_D);
	OK(&b, EXEC_REVERT, NULL);
	N(&b, DECISION, ROLLBACK);
	N(&b, RUN_END, NULL);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLED_BACK);
	assert_true(st.resolved);
	journal_state__free(&st);
	seqb_free(&b);
}

#define REPLACE_STEP \
	"{\"module\":\"/root/prev.ko\",\"module_name\":\"prev\",\"disable_first\":false,\"replaced\":\"fix\"}"

/* rollback by loading the previous cumulative patch */
static void test_fold_replace_rollback(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };
	const struct journal_item *prev;

	N(&b, RUN_START, RUN_KLP_REPL);
	I(&b, LOAD, FIX_R);
	OK(&b, LOAD, FIX_NAME);
	I(&b, TRANSITION_WAIT, FIX_NAME);
	OK(&b, TRANSITION_WAIT, FIX_NAME);
	fold(&b, &st);
	/* no decision yet: the rollback route is the replace */
	CHECK_PLAN(&st, { JOURNAL_ACT_REPLACE_LOAD, REPLACE_STEP, false },
		   { JOURNAL_ACT_UNLOAD, FIX, false });
	journal_state__free(&st);

	N(&b, DECISION, ROLLBACK);
	I(&b, REPLACE_LOAD, PREV);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLING_BACK);
	prev = item(&st, "prev");
	assert_non_null(prev);
	assert_true(prev->restored);
	assert_int_equal(prev->active, JOURNAL_MAYBE);
	CHECK_PLAN(&st, { JOURNAL_ACT_REPLACE_LOAD, REPLACE_STEP, true },
		   { JOURNAL_ACT_UNLOAD, FIX, false });
	journal_state__free(&st);

	OK(&b, REPLACE_LOAD, "{\"module_name\":\"prev\"}");
	fold(&b, &st);
	/* prev replaced fix: fix is still loaded and must be unloaded */
	assert_int_equal(item(&st, "fix")->active, JOURNAL_NO);
	assert_int_equal(item(&st, "fix")->loaded, JOURNAL_YES);
	assert_int_equal(item(&st, "prev")->active, JOURNAL_YES);
	CHECK_PLAN(&st, { JOURNAL_ACT_UNLOAD, FIX, false });
	journal_state__free(&st);

	I(&b, UNLOAD, FIX);
	OK(&b, UNLOAD, FIX_NAME);
	N(&b, RUN_END, NULL);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLED_BACK);
	assert_true(st.resolved);
	/* what is applied now: the previous patch, kept */
	assert_int_equal(st.nr_items, 1);
	assert_string_equal(st.items[0].module_name, "prev");
	assert_true(st.items[0].committed);
	journal_state__free(&st);
	seqb_free(&b);
}

/* the previous patch would not load: fall back to disable and unload */
static void test_fold_replace_failed(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	N(&b, RUN_START, RUN_KLP_REPL);
	I(&b, LOAD, FIX);
	OK(&b, LOAD, FIX_NAME);
	N(&b, DECISION, ROLLBACK);
	I(&b, REPLACE_LOAD, PREV);
	FAIL(&b, REPLACE_LOAD, "{\"module_name\":\"prev\",\"errno\":2}");
	fold(&b, &st);
	assert_null(item(&st, "prev"));
	assert_int_equal(item(&st, "fix")->active, JOURNAL_YES);
	CHECK_PLAN(&st, { JOURNAL_ACT_DISABLE, FIX, false }, { JOURNAL_ACT_UNLOAD, FIX, false });
	journal_state__free(&st);
	seqb_free(&b);
}

/* run 1 committed prev; run 2 loads fix (replace) over it and dies in the canary */
static void test_fold_second_run_replace(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	N(&b, RUN_START,
	  "{\"type\":\"klp\",\"module\":\"/root/prev.ko\",\"module_name\":\"prev\"}");
	I(&b, LOAD, PREV);
	OK(&b, LOAD, "{\"module_name\":\"prev\"}");
	N(&b, DECISION, COMMIT);
	N(&b, RUN_END, NULL);
	N(&b, RUN_START, RUN_KLP_REPL);
	I(&b, LOAD, FIX_R);
	OK(&b, LOAD, FIX_NAME);
	I(&b, TRANSITION_WAIT, FIX_NAME);
	OK(&b, TRANSITION_WAIT, FIX_NAME);
	N(&b, STAGE_START, STAGE("canary"));
	fold(&b, &st);
	assert_int_equal(st.nr_runs, 2);
	assert_int_equal(st.phase, JOURNAL_PHASE_RUNNING);
	/* the cumulative patch replaced prev, whose module stays loaded */
	assert_int_equal(item(&st, "prev")->active, JOURNAL_NO);
	assert_int_equal(item(&st, "prev")->loaded, JOURNAL_YES);
	assert_true(item(&st, "prev")->committed);
	/* prev is the committed past: only fix is undone, by loading prev back */
	CHECK_PLAN(&st, { JOURNAL_ACT_REPLACE_LOAD, REPLACE_STEP, false },
		   { JOURNAL_ACT_UNLOAD, FIX, false });
	journal_state__free(&st);

	N(&b, DECISION, "{\"outcome\":\"rolled-back\",\"reason\":\"recovered\"}");
	I(&b, REPLACE_LOAD, PREV);
	OK(&b, REPLACE_LOAD, "{\"module_name\":\"prev\"}");
	I(&b, UNLOAD, FIX);
	OK(&b, UNLOAD, FIX_NAME);
	N(&b, RUN_END, NULL);
	fold(&b, &st);
	assert_true(st.resolved);
	assert_int_equal(st.nr_items, 1);
	assert_string_equal(st.items[0].module_name, "prev");
	assert_int_equal(st.items[0].active, JOURNAL_YES);
	assert_true(st.items[0].committed);
	journal_state__free(&st);
	seqb_free(&b);
}

/* "revert NAME" of a committed run, also after a later run was refused */
/* held: the patch stays, the run is unresolved; resume commits it or takes it back */
static void test_fold_held(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };
	char err[512];

	klp_run_to_canary(&b);
	N(&b, DECISION,
	  "{\"outcome\":\"held\",\"stage\":\"canary\","
	  "\"reason\":\"stage canary inconclusive\"}");
	N(&b, RUN_END, NULL);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_HELD);
	assert_int_equal(st.outcome, JOURNAL_OUTCOME_HELD);
	assert_false(st.resolved);
	assert_string_equal(st.held_stage, "canary");
	assert_string_equal(st.reason, "stage canary inconclusive");
	assert_int_equal(st.nr_items, 1);
	assert_false(st.items[0].committed);
	assert_int_equal(st.items[0].active, JOURNAL_YES);
	/* a new run must not start over a patch nobody decided on */
	assert_int_equal(journal__check_resolved(&st, err, sizeof(err)), -EINPROGRESS);
	assert_non_null(strstr(err, "is held in stage canary (stage canary inconclusive)"));
	assert_non_null(strstr(err, "'hotcanary resume fix --commit'"));
	journal_state__free(&st);

	/* resume --commit */
	N(&b, DECISION, "{\"outcome\":\"committed\",\"reason\":\"resumed\"}");
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_COMMITTED);
	assert_true(st.resolved);
	assert_true(st.items[0].committed);
	assert_null(st.held_stage);
	journal_state__free(&st);
	seqb_free(&b);

	/* resume --rollback: revert_start and the plan, as revert NAME */
	klp_run_to_canary(&b);
	N(&b, DECISION, "{\"outcome\":\"held\",\"stage\":\"canary\",\"reason\":\"no data\"}");
	N(&b, RUN_END, NULL);
	N(&b, REVERT_START, "{\"reason\":\"hotcanary resume --rollback\"}");
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLING_BACK);
	CHECK_PLAN(&st, { JOURNAL_ACT_DISABLE, FIX, false }, { JOURNAL_ACT_UNLOAD, FIX, false });
	journal_state__free(&st);
	seqb_free(&b);
}

static void test_fold_manual_revert(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };

	klp_run_to_canary(&b);
	N(&b, DECISION, COMMIT);
	N(&b, RUN_END, NULL);
	N(&b, RUN_START, RUN_KLP);
	I(&b, PRECHECK, NULL);
	FAIL(&b, PRECHECK, "{\"reason\":\"transition in progress\"}");
	N(&b, RUN_END, NULL);
	fold(&b, &st);
	assert_true(st.resolved);
	assert_int_equal(st.nr_items, 1);
	assert_true(st.items[0].committed);
	journal_state__free(&st);

	N(&b, REVERT_START, "{\"reason\":\"manual\"}");
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLING_BACK);
	assert_false(st.resolved);
	CHECK_PLAN(&st, { JOURNAL_ACT_DISABLE, FIX, false }, { JOURNAL_ACT_UNLOAD, FIX, false });
	journal_state__free(&st);

	I(&b, DISABLE, FIX);
	OK(&b, DISABLE, FIX_NAME);
	I(&b, UNLOAD, FIX);
	OK(&b, UNLOAD, FIX_NAME);
	N(&b, DECISION, "{\"outcome\":\"rolled-back\",\"reason\":\"manual revert\"}");
	N(&b, RUN_END, NULL);
	fold(&b, &st);
	assert_int_equal(st.phase, JOURNAL_PHASE_ROLLED_BACK);
	assert_true(st.resolved);
	assert_int_equal(st.nr_items, 0);
	journal_state__free(&st);
	seqb_free(&b);
}

/* records the fold cannot use are refused, naming the record */
static void test_fold_bad_records(void **state)
{
	struct journal_state st;
	struct seqb b = { .n = 0 };
	char err[256];

	N(&b, RUN_START, RUN_KLP);
	I(&b, LOAD, "{\"module\":\"/root/fix.ko\"}");
	assert_int_equal(journal__state("fix", b.v, b.n, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "record seq 2"));
	assert_non_null(strstr(err, "module_name"));
	seqb_free(&b);

	N(&b, DECISION, "{\"outcome\":\"maybe\"}");
	assert_int_equal(journal__state("fix", b.v, b.n, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "outcome"));
	seqb_free(&b);

	N(&b, RUN_START, RUN_KLP);
	N(&b, RUN_END, NULL);
	b.v[1].seq = 1;
	assert_int_equal(journal__state("fix", b.v, b.n, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "seq 1 after seq 1"));
	seqb_free(&b);

	I(&b, ULP_PATCH, "{\"pid\":0,\"start_time\":1}");
	assert_int_equal(journal__state("fix", b.v, b.n, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "pid"));
	seqb_free(&b);
}

static void test_names(void **state)
{
	enum journal_action a;
	unsigned int i;

	for (i = 0; i < JOURNAL__NR_ACTIONS; i++) {
		assert_int_equal(journal__action_from_name(journal__action_name(i), &a), 0);
		assert_int_equal(a, i);
	}
	assert_int_equal(journal__action_from_name("reboot", &a), -EINVAL);
	assert_string_equal(journal__action_name(JOURNAL_ACT_REPLACE_LOAD), "replace_load");
	assert_string_equal(journal__phase_name(JOURNAL_PHASE_ROLLING_BACK), "rolling-back");
	assert_string_equal(journal__tri_name(JOURNAL_MAYBE), "maybe");
	assert_true(journal__valid_name("cmdline-fix"));
	assert_true(journal__valid_name("a"));
	assert_false(journal__valid_name(""));
	assert_false(journal__valid_name("-x"));
	assert_false(journal__valid_name("../x"));
	assert_false(journal__valid_name("Fix"));
	assert_false(journal__valid_name("a.journal"));
	assert_false(journal__valid_name(
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 65 */
}

/* ---- the reader ---------------------------------------------------------------------- */

#define L_RUN                                                                                \
	"{\"seq\":1,\"mono_ns\":10,\"wall\":\"2026-11-26T12:00:00.000Z\",\"kind\":\"note\"," \
	"\"action\":\"run_start\",\"ok\":true,\"detail\":{\"type\":\"klp\"}}\n"
#define L_LOAD                                                                                 \
	"{\"seq\":2,\"mono_ns\":20,\"wall\":\"2026-11-26T12:00:01.000Z\",\"kind\":\"intent\"," \
	"\"action\":\"load\",\"ok\":true,\"detail\":" FIX "}\n"
#define L_LOADED                                                                               \
	"{\"seq\":3,\"mono_ns\":30,\"wall\":\"2026-11-26T12:00:02.000Z\",\"kind\":\"result\"," \
	"\"action\":\"load\",\"ok\":true,\"detail\":" FIX_NAME "}\n"

static void test_parse_good(void **state)
{
	const char *text = L_RUN L_LOAD L_LOADED;
	struct journal_recs recs;
	char err[256];

	assert_int_equal(journal__parse("j", text, strlen(text), &recs, err, sizeof(err)), 0);
	assert_int_equal(recs.n, 3);
	assert_int_equal(recs.torn_line, 0);
	assert_int_equal(recs.valid_len, strlen(text));
	assert_int_equal(recs.v[1].seq, 2);
	assert_int_equal(recs.v[1].mono_ns, 20);
	assert_int_equal(recs.v[1].kind, JOURNAL_INTENT);
	assert_int_equal(recs.v[1].action, JOURNAL_ACT_LOAD);
	assert_int_equal(recs.v[1].line, 2);
	assert_true(recs.v[1].ok);
	assert_string_equal(recs.v[1].wall, "2026-11-26T12:00:01.000Z");
	assert_string_equal(json_object_get_string(
				    json_object_object_get(recs.v[1].detail, "module")),
			    "/root/fix.ko");
	journal_recs__free(&recs);
}

static void test_parse_torn_last_line(void **state)
{
	static const char *const torn[] = {
		L_RUN L_LOAD "{\"seq\":3,\"mono_ns\":30,\"wall\":\"2026-11",   /* cut short */
		L_RUN L_LOAD "{\"seq\":3,\"mono_ns\":30,\"wall\":\"2026-11\n", /* invalid */
		L_RUN L_LOAD "\n",					       /* empty */
		L_RUN L_LOAD "\0\0\0\0\0\0\0\0",			       /* zeroes */
	};
	static const size_t extra[] = { 0, 0, 0, 8 };
	struct journal_recs recs;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(torn) / sizeof(torn[0]); i++) {
		size_t len = strlen(torn[i]) + extra[i];

		err[0] = '\0';
		if (journal__parse("j", torn[i], len, &recs, err, sizeof(err)))
			fail_msg("case %zu: %s", i, err);
		assert_int_equal(recs.n, 2);
		assert_int_equal(recs.torn_line, 3);
		assert_int_equal(recs.valid_len, strlen(L_RUN L_LOAD));
		journal_recs__free(&recs);
	}
	/* a complete record without its newline was never acknowledged: ignored too */
	{
		const char *text = L_RUN L_LOAD;

		assert_int_equal(journal__parse("j", text, strlen(text) - 1, &recs, err,
						sizeof(err)),
				 0);
		assert_int_equal(recs.n, 1);
		assert_int_equal(recs.torn_line, 2);
		journal_recs__free(&recs);
	}
}

static void test_parse_corrupt_middle(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} bad[] = {
		{ L_RUN "{\"seq\":2,\"mono_ns\":20,\"wall\":\"x\"\n" L_LOADED, "j:2: " },
		{ L_RUN L_LOAD "garbage\n" L_LOADED, "j:3: " },
		{ L_RUN L_LOAD "\n" L_LOADED, "j:3: corrupt record: empty line" },
		{ L_RUN L_LOADED L_LOAD L_LOADED, "j:3: corrupt record: seq 2 after seq 3" },
		{ L_RUN "{\"seq\":2,\"mono_ns\":20,\"wall\":\"w\",\"kind\":\"intent\",\"action\":"
			"\"reboot\",\"ok\":true,\"detail\":{}}\n" L_LOADED,
		  "unknown action 'reboot'" },
		{ L_RUN "{\"seq\":2,\"mono_ns\":20,\"wall\":\"w\",\"kind\":\"intent\",\"action\":"
			"\"load\",\"ok\":true,\"detail\":{\"module\":\"/x.ko\"}}\n" L_LOADED,
		  "j:2: corrupt record: intent load without detail.module_name" },
		{ L_RUN "{\"seq\":2,\"mono_ns\":20,\"wall\":\"w\",\"kind\":\"intent\",\"action\":"
			"\"load\",\"ok\":\"yes\",\"detail\":" FIX "}\n" L_LOADED,
		  "\"ok\" is not a boolean" },
		{ "[1,2]\n" L_LOAD, "j:1: corrupt record: not a JSON object" },
		{ L_RUN L_LOAD "{} {}\n" L_LOADED, "text after the JSON object" },
	};
	struct journal_recs recs;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret;

		err[0] = '\0';
		ret = journal__parse("j", bad[i].text, strlen(bad[i].text), &recs, err,
				     sizeof(err));
		if (ret != -EBADMSG)
			fail_msg("case %zu: returned %d (%s)", i, ret, err);
		if (!strstr(err, bad[i].want))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].want);
		assert_null(recs.v);
		assert_int_equal(recs.n, 0);
	}
}

/* ---- the file: writer, reader, lock -------------------------------------------------- */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup_dir(void **state)
{
	char *dir = strdup("/tmp/hc-journal.XXXXXX");

	if (!dir || !mkdtemp(dir))
		return -1;
	*state = dir;
	fsync_fail_in = 0;
	return 0;
}

static int teardown_dir(void **state)
{
	nftw(*state, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(*state);
	return 0;
}

static char *path_in(const char *dir, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

static void spit(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static struct json_object *J(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	assert_non_null(o);
	return o;
}

static void must(int ret, const char *err)
{
	if (ret)
		fail_msg("returned %d: %s", ret, err);
}

static void test_file_round_trip(void **state)
{
	const char *dir = *state;
	struct json_object *run = J(RUN_KLP), *fix = J(FIX), *stage = J(STAGE("canary"));
	char *path = path_in(dir, "fix.journal"), err[512] = "", *text;
	struct journal_recs recs;
	const struct journal_state *st;
	struct journal *j;
	struct stat sb;
	uint64_t seq = 0;
	size_t i, len;

	must(journal__open(dir, "fix", JOURNAL_CREATE, &j, err, sizeof(err)), err);
	assert_string_equal(journal__path(j), path);
	assert_int_equal(journal__current(j)->phase, JOURNAL_PHASE_NONE);
	must(journal__append(j, JOURNAL_NOTE, JOURNAL_ACT_RUN_START, true, run, &seq, err,
			     sizeof(err)),
	     err);
	assert_int_equal(seq, 1);
	must(journal__intent(j, JOURNAL_ACT_LOAD, fix, err, sizeof(err)), err);
	must(journal__result(j, JOURNAL_ACT_LOAD, fix, 0, NULL, err, sizeof(err)), err);
	must(journal__note(j, JOURNAL_ACT_STAGE_START, stage, err, sizeof(err)), err);
	must(journal__intent(j, JOURNAL_ACT_DISABLE, fix, err, sizeof(err)), err);
	must(journal__result(j, JOURNAL_ACT_DISABLE, fix, -EBUSY, "transition in progress", err,
			     sizeof(err)),
	     err);
	/* the state follows every append */
	st = journal__current(j);
	assert_int_equal(st->nr_records, 6);
	assert_int_equal(st->phase, JOURNAL_PHASE_ROLLING_BACK);
	assert_string_equal(st->stage, "canary");
	assert_int_equal(st->items[0].active, JOURNAL_MAYBE);
	/* the caller's detail is not changed, nor kept */
	assert_null(json_object_object_get(fix, "errno"));
	journal__close(j);

	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	text = slurp(path, &len);
	assert_true(len > 0 && text[len - 1] == '\n');
	assert_non_null(strstr(text, "{\"seq\":1,\"mono_ns\":"));
	assert_non_null(strstr(text, ",\"kind\":\"note\",\"action\":\"run_start\",\"ok\":true,"
				     "\"detail\":{\"type\":\"klp\""));
	/* no escaped slashes: paths read as paths */
	assert_non_null(strstr(text, "\"module\":\"/root/fix.ko\""));
	free(text);

	must(journal__read(path, &recs, err, sizeof(err)), err);
	assert_int_equal(recs.n, 6);
	{
		struct journal_recs none;
		char e2[256];

		/* only regular files: a device is refused before a byte is read */
		assert_int_equal(journal__read("/dev/zero", &none, e2, sizeof(e2)), -EINVAL);
		assert_string_equal(e2, "/dev/zero: not a regular file but a character device; "
					"give the path of a journal file");
	}
	assert_int_equal(recs.torn_line, 0);
	for (i = 0; i < recs.n; i++) {
		const char *w = recs.v[i].wall;

		assert_int_equal(recs.v[i].seq, i + 1);
		assert_int_equal(recs.v[i].line, i + 1);
		/* RFC 3339, UTC, milliseconds: 2026-11-26T11:40:03.123Z */
		assert_int_equal(strlen(w), 24);
		assert_true(w[4] == '-' && w[7] == '-' && w[10] == 'T' && w[13] == ':' &&
			    w[16] == ':' && w[19] == '.' && w[23] == 'Z');
		if (i)
			assert_true(recs.v[i].mono_ns >= recs.v[i - 1].mono_ns);
	}
	assert_int_equal(recs.v[0].kind, JOURNAL_NOTE);
	assert_int_equal(recs.v[1].kind, JOURNAL_INTENT);
	assert_int_equal(recs.v[2].kind, JOURNAL_RESULT);
	assert_true(recs.v[2].ok);
	assert_int_equal(recs.v[5].action, JOURNAL_ACT_DISABLE);
	assert_false(recs.v[5].ok);
	assert_int_equal(json_object_get_int(json_object_object_get(recs.v[5].detail, "errno")),
			 EBUSY);
	assert_string_equal(json_object_get_string(
				    json_object_object_get(recs.v[5].detail, "reason")),
			    "transition in progress");
	assert_string_equal(json_object_get_string(
				    json_object_object_get(recs.v[5].detail, "module_name")),
			    "fix");
	journal_recs__free(&recs);

	/* reopened: the fold is back, and seq goes on */
	must(journal__open(dir, "fix", 0, &j, err, sizeof(err)), err);
	st = journal__current(j);
	assert_int_equal(st->nr_records, 6);
	assert_int_equal(st->last_seq, 6);
	assert_string_equal(st->path, path);
	assert_int_equal(st->phase, JOURNAL_PHASE_ROLLING_BACK);
	must(journal__append(j, JOURNAL_INTENT, JOURNAL_ACT_DISABLE, true, fix, &seq, err,
			     sizeof(err)),
	     err);
	assert_int_equal(seq, 7);
	journal__close(j);

	json_object_put(run);
	json_object_put(fix);
	json_object_put(stage);
	free(path);
}

static void test_file_open_errors(void **state)
{
	const char *dir = *state;
	char *lock = path_in(dir, "nope.lock"), *missing = path_in(dir, "no/such/dir"), err[512];
	struct journal *j = (void *)1;

	assert_int_equal(journal__open(dir, "nope", 0, &j, err, sizeof(err)), -ENOENT);
	assert_null(j);
	assert_non_null(strstr(err, "nope.journal"));
	/* no lock file is left behind for a name that was never run */
	assert_int_equal(access(lock, F_OK), -1);
	assert_int_equal(journal__open(dir, "../etc/passwd", JOURNAL_CREATE, &j, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "not a rollout name"));
	assert_int_equal(journal__open(missing, "fix", JOURNAL_CREATE, &j, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "no/such/dir"));
	free(lock);
	free(missing);
}

/* a record the table refuses is not written */
static void test_file_refuses_bad_record(void **state)
{
	const char *dir = *state;
	struct json_object *bad = J("{\"module\":\"/root/fix.ko\"}"), *run = J(RUN_KLP);
	char *path = path_in(dir, "fix.journal"), err[512] = "", *text;
	struct journal *j;
	size_t len;

	must(journal__open(dir, "fix", JOURNAL_CREATE, &j, err, sizeof(err)), err);
	must(journal__note(j, JOURNAL_ACT_RUN_START, run, err, sizeof(err)), err);
	assert_int_equal(journal__intent(j, JOURNAL_ACT_LOAD, bad, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "module_name"));
	assert_int_equal(journal__note(j, JOURNAL_ACT_DECISION, NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(journal__note(j, JOURNAL_ACT_RUN_END, NULL, err, sizeof(err)), 0);
	journal__close(j);
	text = slurp(path, &len);
	assert_null(strstr(text, "\"load\""));
	assert_non_null(strstr(text, "{\"seq\":2,"));
	free(text);
	json_object_put(bad);
	json_object_put(run);
	free(path);
}

/* SIGKILL mid-append: the torn tail is ignored by readers and cut by the next writer */
static void test_file_torn_tail(void **state)
{
	const char *dir = *state;
	const char *text = L_RUN L_LOAD "{\"seq\":3,\"mono_ns\":30,\"wall\":\"2026-";
	char *path = path_in(dir, "fix.journal"), err[512] = "", *back;
	struct json_object *d;
	struct journal_state st;
	struct journal_recs recs;
	struct journal *j;
	uint64_t seq;
	size_t len;

	spit(path, text, strlen(text));
	must(journal__load(dir, "fix", &st, err, sizeof(err)), err);
	assert_int_equal(st.nr_records, 2);
	assert_int_equal(st.torn_line, 3);
	CHECK_PLAN(&st, { JOURNAL_ACT_DISABLE, FIX, true }, { JOURNAL_ACT_UNLOAD, FIX, true });
	journal_state__free(&st);

	fsync_files = 0;
	must(journal__open(dir, "fix", 0, &j, err, sizeof(err)), err);
	assert_int_equal(journal__current(j)->torn_line, 3);
	assert_true(fsync_files >= 1); /* the cut is made durable */
	back = slurp(path, &len);
	assert_int_equal(len, strlen(L_RUN L_LOAD));
	free(back);
	d = J(FIX_NAME);
	must(journal__append(j, JOURNAL_RESULT, JOURNAL_ACT_LOAD, true, d, &seq, err, sizeof(err)),
	     err);
	json_object_put(d);
	assert_int_equal(seq, 3);
	journal__close(j);
	must(journal__read(path, &recs, err, sizeof(err)), err);
	assert_int_equal(recs.n, 3);
	assert_int_equal(recs.torn_line, 0);
	journal_recs__free(&recs);
	free(path);
}

static void test_file_corrupt_middle(void **state)
{
	const char *dir = *state;
	const char *text = L_RUN "{\"seq\":2,oops}\n" L_LOADED;
	char *path = path_in(dir, "fix.journal"), err[512] = "", want[600];
	struct journal_state st;
	struct journal *j;

	spit(path, text, strlen(text));
	snprintf(want, sizeof(want), "%s:2: corrupt record", path);
	assert_int_equal(journal__load(dir, "fix", &st, err, sizeof(err)), -EBADMSG);
	if (!strstr(err, want))
		fail_msg("'%s' does not say '%s'", err, want);
	err[0] = '\0';
	assert_int_equal(journal__open(dir, "fix", 0, &j, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, want));
	/* and the file is left as it was, for a human to look at */
	{
		size_t len;
		char *back = slurp(path, &len);

		assert_int_equal(len, strlen(text));
		free(back);
	}
	free(path);
}

static void test_file_fsync(void **state)
{
	const char *dir = *state;
	char *sdir = path_in(dir, "state"), err[512] = "";
	struct json_object *run = J(RUN_KLP), *fix = J(FIX);
	struct journal_recs recs;
	struct journal *j;
	char *path;

	/* a new state directory and a new journal: both names are synced */
	fsync_files = fsync_dirs = 0;
	must(journal__open(sdir, "fix", JOURNAL_CREATE, &j, err, sizeof(err)), err);
	assert_int_equal(fsync_dirs, 2); /* the parent of the state dir, the state dir */
	assert_int_equal(fsync_files, 1);
	/* one fsync of the file per record */
	must(journal__note(j, JOURNAL_ACT_RUN_START, run, err, sizeof(err)), err);
	must(journal__intent(j, JOURNAL_ACT_LOAD, fix, err, sizeof(err)), err);
	assert_int_equal(fsync_files, 3);
	assert_int_equal(fsync_dirs, 2);
	/* a failed fsync fails the append, and every later one */
	fsync_fail_in = 1;
	assert_int_equal(journal__result(j, JOURNAL_ACT_LOAD, fix, 0, NULL, err, sizeof(err)),
			 -EIO);
	assert_non_null(strstr(err, "fsync"));
	assert_int_equal(journal__note(j, JOURNAL_ACT_RUN_END, NULL, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "earlier append failed"));
	journal__close(j);

	/* an existing journal: opening it syncs nothing */
	fsync_files = fsync_dirs = 0;
	must(journal__open(sdir, "fix", 0, &j, err, sizeof(err)), err);
	assert_int_equal(fsync_files + fsync_dirs, 0);
	journal__close(j);

	/* the record whose fsync failed may be there: it is complete, never torn */
	path = path_in(sdir, "fix.journal");
	must(journal__read(path, &recs, err, sizeof(err)), err);
	assert_int_equal(recs.torn_line, 0);
	assert_true(recs.n == 2 || recs.n == 3);
	journal_recs__free(&recs);
	free(path);
	json_object_put(run);
	json_object_put(fix);
	free(sdir);
}

static void wait_byte(int fd)
{
	char c;

	assert_int_equal(read(fd, &c, 1), 1);
}

/* a child holds the lock: the parent is refused with the child's PID, until it dies */
static void test_lock_held_by_child(void **state)
{
	const char *dir = *state;
	char err[512] = "", want[64];
	struct journal *j;
	int p[2], status;
	pid_t pid, holder;

	/* the journal exists first, so the child does not create it */
	must(journal__open(dir, "fix", JOURNAL_CREATE, &j, err, sizeof(err)), err);
	journal__close(j);
	assert_int_equal(journal__holder(dir, "fix", &holder), 0);
	assert_int_equal(holder, 0);

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		if (journal__open(dir, "fix", 0, &j, err, sizeof(err)))
			_exit(1);
		if (write(p[1], "k", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	wait_byte(p[0]);
	close(p[0]);

	assert_int_equal(journal__open(dir, "fix", 0, &j, err, sizeof(err)), -EBUSY);
	assert_null(j);
	snprintf(want, sizeof(want), "PID %d", (int)pid);
	if (!strstr(err, want))
		fail_msg("'%s' does not name %s", err, want);
	assert_int_equal(journal__holder(dir, "fix", &holder), 0);
	assert_int_equal(holder, pid);

	/* SIGKILL releases the lock: a crashed run never blocks recover */
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	must(journal__open(dir, "fix", 0, &j, err, sizeof(err)), err);
	assert_int_equal(journal__holder(dir, "fix", &holder), 0);
	assert_int_equal(holder, getpid());
	journal__close(j);
	assert_int_equal(journal__holder(dir, "fix", &holder), 0);
	assert_int_equal(holder, 0);
}

/* the parent holds it: a forked child's open fails with -EBUSY naming the parent */
static void test_lock_from_forked_child(void **state)
{
	const char *dir = *state;
	char err[512] = "", msg[512] = "";
	struct journal *j, *j2;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	must(journal__open(dir, "fix", JOURNAL_CREATE, &j, err, sizeof(err)), err);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char want[64];
		int ret;

		close(p[0]);
		ret = journal__open(dir, "fix", JOURNAL_CREATE, &j2, err, sizeof(err));
		if (write(p[1], err, strlen(err) + 1) < 0)
			_exit(3);
		snprintf(want, sizeof(want), "PID %d", (int)getppid());
		_exit(ret == -EBUSY && strstr(err, want) ? 0 : 1);
	}
	close(p[1]);
	n = read(p[0], msg, sizeof(msg) - 1);
	close(p[0]);
	assert_true(n > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status))
		fail_msg("child: %s", msg);
	assert_non_null(strstr(msg, "fix.lock"));
	journal__close(j);
	/* free again */
	must(journal__open(dir, "fix", 0, &j2, err, sizeof(err)), err);
	journal__close(j2);
}

/* a run killed mid-stage, then recover following the plan: resolved */
static void test_file_crash_and_recover(void **state)
{
	const char *dir = *state;
	struct json_object *run = J(RUN_KLP), *fix = J(FIX), *d;
	const struct journal_state *st;
	struct journal_plan plan;
	struct journal *j;
	char err[512] = "";
	size_t i;

	must(journal__open(dir, "fix", JOURNAL_CREATE, &j, err, sizeof(err)), err);
	must(journal__check_resolved(journal__current(j), err, sizeof(err)), err);
	must(journal__note(j, JOURNAL_ACT_RUN_START, run, err, sizeof(err)), err);
	must(journal__intent(j, JOURNAL_ACT_LOAD, fix, err, sizeof(err)), err);
	must(journal__result(j, JOURNAL_ACT_LOAD, fix, 0, NULL, err, sizeof(err)), err);
	d = J(STAGE("canary"));
	must(journal__note(j, JOURNAL_ACT_STAGE_START, d, err, sizeof(err)), err);
	json_object_put(d);
	journal__close(j); /* "killed" */

	/* the next run is refused */
	must(journal__open(dir, "fix", JOURNAL_CREATE, &j, err, sizeof(err)), err);
	assert_int_equal(journal__check_resolved(journal__current(j), err, sizeof(err)),
			 -EINPROGRESS);
	assert_non_null(strstr(err, "fix.journal"));
	journal__close(j);

	/* recover: the plan, kept across the appends that follow it */
	must(journal__open(dir, "fix", 0, &j, err, sizeof(err)), err);
	st = journal__current(j);
	assert_int_equal(st->phase, JOURNAL_PHASE_RUNNING);
	must(journal_plan__copy(&st->plan, &plan), "copy");
	assert_int_equal(plan.nr_steps, 2);
	d = J(ROLLBACK);
	must(journal__note(j, JOURNAL_ACT_DECISION, d, err, sizeof(err)), err);
	json_object_put(d);
	for (i = 0; i < plan.nr_steps; i++) {
		must(journal__intent(j, plan.steps[i].action, plan.steps[i].detail, err,
				     sizeof(err)),
		     err);
		must(journal__result(j, plan.steps[i].action, plan.steps[i].detail, 0, NULL, err,
				     sizeof(err)),
		     err);
	}
	journal_plan__free(&plan);
	must(journal__note(j, JOURNAL_ACT_RUN_END, NULL, err, sizeof(err)), err);
	st = journal__current(j);
	assert_int_equal(st->phase, JOURNAL_PHASE_ROLLED_BACK);
	assert_true(st->resolved);
	assert_int_equal(st->plan.nr_steps, 0);
	journal__close(j);

	must(journal__open(dir, "fix", 0, &j, err, sizeof(err)), err);
	must(journal__check_resolved(journal__current(j), err, sizeof(err)), err);
	journal__close(j);
	json_object_put(run);
	json_object_put(fix);
}

static void test_list(void **state)
{
	const char *dir = *state;
	struct json_object *run = J(RUN_KLP), *fix = J(FIX), *commit = J(COMMIT);
	struct journal_entry *e;
	struct journal *j;
	char err[512] = "", *p;
	size_t n;

	/* an empty or missing directory is an empty list */
	p = path_in(dir, "missing");
	must(journal__list(p, &e, &n, err, sizeof(err)), err);
	assert_int_equal(n, 0);
	free(p);

	must(journal__open(dir, "b-done", JOURNAL_CREATE, &j, err, sizeof(err)), err);
	must(journal__note(j, JOURNAL_ACT_RUN_START, run, err, sizeof(err)), err);
	must(journal__intent(j, JOURNAL_ACT_LOAD, fix, err, sizeof(err)), err);
	must(journal__result(j, JOURNAL_ACT_LOAD, fix, 0, NULL, err, sizeof(err)), err);
	must(journal__note(j, JOURNAL_ACT_DECISION, commit, err, sizeof(err)), err);
	must(journal__note(j, JOURNAL_ACT_RUN_END, NULL, err, sizeof(err)), err);
	journal__close(j);
	must(journal__open(dir, "a-live", JOURNAL_CREATE, &j, err, sizeof(err)), err);
	must(journal__note(j, JOURNAL_ACT_RUN_START, run, err, sizeof(err)), err);
	must(journal__intent(j, JOURNAL_ACT_LOAD, fix, err, sizeof(err)), err);
	/* j stays open: a run in progress */
	p = path_in(dir, "c-bad.journal");
	spit(p, L_RUN "nonsense\n" L_LOADED, strlen(L_RUN "nonsense\n" L_LOADED));
	free(p);
	p = path_in(dir, "Not_A_Name.journal");
	spit(p, L_RUN, strlen(L_RUN));
	free(p);
	p = path_in(dir, "notes.txt");
	spit(p, "x", 1);
	free(p);

	must(journal__list(dir, &e, &n, err, sizeof(err)), err);
	assert_int_equal(n, 3);
	assert_string_equal(e[0].name, "a-live");
	assert_int_equal(e[0].error, 0);
	assert_int_equal(e[0].holder, getpid());
	assert_int_equal(e[0].state.phase, JOURNAL_PHASE_RUNNING);
	assert_false(e[0].state.resolved);
	assert_int_equal(e[0].state.plan.nr_steps, 2);
	assert_string_equal(e[1].name, "b-done");
	assert_int_equal(e[1].error, 0);
	assert_int_equal(e[1].holder, 0);
	assert_int_equal(e[1].state.phase, JOURNAL_PHASE_COMMITTED);
	assert_true(e[1].state.resolved);
	assert_int_equal(e[1].state.nr_items, 1);
	assert_string_equal(e[2].name, "c-bad");
	assert_int_equal(e[2].error, -EBADMSG);
	assert_non_null(strstr(e[2].msg, "c-bad.journal:2:"));
	journal__list_free(e, n);
	journal__close(j);
	json_object_put(run);
	json_object_put(fix);
	json_object_put(commit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fold_empty),
		cmocka_unit_test(test_fold_clean_commit),
		cmocka_unit_test(test_fold_clean_rollback),
		cmocka_unit_test(test_fold_crash_after_load_intent),
		cmocka_unit_test(test_fold_crash_after_load_result),
		cmocka_unit_test(test_fold_crash_after_disable_intent),
		cmocka_unit_test(test_fold_crash_after_disable_result),
		cmocka_unit_test(test_fold_transition_timeout),
		cmocka_unit_test(test_fold_unload_failed),
		cmocka_unit_test(test_fold_committed_no_run_end),
		cmocka_unit_test(test_fold_refused),
		cmocka_unit_test(test_fold_load_failed),
		cmocka_unit_test(test_fold_ulp_three_one_reverted),
		cmocka_unit_test(test_fold_ulp_patch_failed),
		cmocka_unit_test(test_fold_ulp_inject),
		cmocka_unit_test(test_fold_exec_apply_no_result),
		cmocka_unit_test(test_fold_exec_apply_failed),
		cmocka_unit_test(test_fold_replace_rollback),
		cmocka_unit_test(test_fold_replace_failed),
		cmocka_unit_test(test_fold_second_run_replace),
		cmocka_unit_test(test_fold_held),
		cmocka_unit_test(test_fold_manual_revert),
		cmocka_unit_test(test_fold_bad_records),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_torn_last_line),
		cmocka_unit_test(test_parse_corrupt_middle),
		cmocka_unit_test_setup_teardown(test_file_round_trip, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_open_errors, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_refuses_bad_record, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_torn_tail, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_corrupt_middle, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_fsync, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_lock_held_by_child, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_lock_from_forked_child, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_crash_and_recover, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_list, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
