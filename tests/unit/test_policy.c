// SPDX-License-Identifier: GPL-2.0
/* user/policy.c: policy files, their defaults and every kind of error, with its position */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "policy.h"

#define NS(s) ((uint64_t)((s)*1e9 + 0.5))

/* ---- good policies ----------------------------------------------------------------------- */

static struct hc_policy *parse_ok(const char *text)
{
	struct hc_policy *pol = NULL;
	struct policy_err err;
	char line[800];
	int ret;

	ret = policy__parse("good.yaml", text, strlen(text), &pol, &err);
	if (ret)
		fail_msg("returned %d: %s\n%s", ret, policy_err__format(&err, line, sizeof(line)),
			 text);
	assert_non_null(pol);
	return pol;
}

static struct hc_policy *load_ok(const char *path)
{
	struct hc_policy *pol = NULL;
	struct policy_err err;
	char line[800];
	int ret;

	ret = policy__load(path, &pol, &err);
	if (ret)
		fail_msg("%s: returned %d: %s", path, ret,
			 policy_err__format(&err, line, sizeof(line)));
	assert_non_null(pol);
	assert_string_equal(pol->source, path);
	return pol;
}

static void assert_double(double got, double want)
{
	if (fabs(got - want) > 1e-12)
		fail_msg("%.17g, expected %.17g", got, want);
}

static void test_example_cmdline_fix(void **state)
{
	struct hc_policy *pol = load_ok(SRC_DIR "/policies/cmdline-fix.yaml");
	size_t i;

	assert_string_equal(pol->name, "cmdline-fix");
	assert_int_equal(pol->patch.type, HC_PATCH_KLP);
	assert_string_equal(pol->patch.klp.module, "/path/to/fix.ko");
	assert_string_equal(pol->patch.klp.replaces, "/path/to/prev.ko");
	assert_true(pol->patch.has_sha256);
	for (i = 0; i < 32; i += 4) {
		assert_int_equal(pol->patch.sha256[i], 0x01);
		assert_int_equal(pol->patch.sha256[i + 3], 0xcd);
	}
	assert_int_equal(pol->patch.klp.transition_timeout_ns, NS(30));
	assert_null(pol->patch.exec.apply);
	assert_null(pol->patch.ulp.library);

	assert_int_equal(pol->nr_watch, 1);
	assert_int_equal(pol->watch[0].func.kind, HC_FUNC_KERNEL);
	assert_string_equal(pol->watch[0].func.symbol, "cmdline_proc_show");
	assert_string_equal(pol->watch[0].func.text, "kernel:cmdline_proc_show");
	assert_int_equal(pol->watch[0].func.pid, 0);
	assert_int_equal(pol->watch[0].errors, HC_ERR_NEG);

	assert_true(pol->guardrails.kernel_log);
	assert_true(pol->guardrails.taint);
	assert_true(pol->guardrails.fatal_signals);
	assert_false(pol->guardrails.allow_tainted_die);
	assert_double(pol->guardrails.min_call_ratio, 0.1);
	assert_int_equal(pol->baseline.duration_ns, NS(20));

	assert_int_equal(pol->nr_stages, 2);
	assert_string_equal(pol->stages[0].name, "canary");
	assert_int_equal(pol->stages[0].duration_ns, NS(30));
	assert_int_equal(pol->stages[0].targets_kind, HC_TARGETS_NONE);
	assert_string_equal(pol->stages[1].name, "soak");
	assert_int_equal(pol->stages[1].duration_ns, NS(60));

	assert_double(pol->judge.alpha, 0.01);
	assert_int_equal(pol->judge.min_calls, 200);
	assert_double(pol->judge.max_p50_ratio, 1.10);
	assert_double(pol->judge.max_p99_ratio, 1.25);
	assert_double(pol->judge.max_error_ratio, 1.5);
	assert_int_equal(pol->judge.on_inconclusive, HC_INCONCLUSIVE_EXTEND);
	policy__free(pol);
}

static void test_example_kpatch_exec(void **state)
{
	struct hc_policy *pol = load_ok(SRC_DIR "/policies/kpatch-exec.yaml");

	assert_string_equal(pol->name, "kpatch-tcp-fix");
	assert_int_equal(pol->patch.type, HC_PATCH_EXEC);
	assert_false(pol->patch.has_sha256);
	assert_null(pol->patch.klp.module);
	assert_int_equal(pol->patch.exec.nr_apply, 3);
	assert_string_equal(pol->patch.exec.apply[0], "kpatch");
	assert_string_equal(pol->patch.exec.apply[1], "load");
	assert_string_equal(pol->patch.exec.apply[2], "/var/lib/kpatch/livepatch-tcp-fix.ko");
	assert_null(pol->patch.exec.apply[3]);
	assert_int_equal(pol->patch.exec.nr_revert, 3);
	assert_string_equal(pol->patch.exec.revert[2], "livepatch-tcp-fix");
	assert_null(pol->patch.exec.revert[3]);
	assert_int_equal(pol->patch.exec.timeout_ns, NS(120));

	assert_int_equal(pol->nr_watch, 3);
	assert_string_equal(pol->watch[1].func.symbol, "tcp_recvmsg");
	assert_int_equal(pol->watch[1].errors, HC_ERR_NEG);
	assert_string_equal(pol->watch[2].func.symbol, "tcp_v4_connect");
	assert_int_equal(pol->watch[2].func.pid, 4242);
	assert_int_equal(pol->watch[2].errors, HC_ERR_NONZERO);

	assert_int_equal(pol->baseline.duration_ns, NS(60));
	assert_int_equal(pol->nr_stages, 2);
	assert_int_equal(pol->stages[1].duration_ns, NS(600));
	assert_int_equal(pol->judge.on_inconclusive, HC_INCONCLUSIVE_HOLD);
	policy__free(pol);
}

static void test_example_ulp_server(void **state)
{
	static const uint8_t build_id[] = {
		0x9f, 0x1c, 0x0a, 0xd3, 0xb7, 0xe4, 0xa1, 0xc2, 0xd3, 0xe4,
		0xf5, 0xa6, 0xb7, 0xc8, 0xd9, 0xe0, 0xf1, 0xa2, 0xb3, 0xc4,
	};
	struct hc_policy *pol = load_ok(SRC_DIR "/policies/ulp-server.yaml");

	assert_string_equal(pol->name, "server-parse-fix");
	assert_int_equal(pol->patch.type, HC_PATCH_ULP);
	assert_string_equal(pol->patch.ulp.library, "/path/to/fix.so");
	assert_string_equal(pol->patch.ulp.target, "/usr/local/bin/server");
	assert_true(pol->patch.has_sha256);
	assert_int_equal(pol->patch.ulp.build_id_len, sizeof(build_id));
	assert_memory_equal(pol->patch.ulp.build_id, build_id, sizeof(build_id));
	assert_int_equal(pol->patch.ulp.nr_functions, 1);
	assert_string_equal(pol->patch.ulp.functions[0].old_sym, "parse_request");
	assert_string_equal(pol->patch.ulp.functions[0].new_sym, "parse_request_fixed");
	assert_int_equal(pol->patch.ulp.functions[0].errors, HC_ERR_NEG);
	assert_int_equal(pol->patch.ulp.consistency, HC_CONSISTENCY_STRICT);

	assert_string_equal(pol->processes.exe, "/usr/local/bin/server");
	assert_null(pol->processes.pids);
	assert_int_equal(pol->processes.nr_pids, 0);

	assert_int_equal(pol->nr_watch, 1);
	assert_int_equal(pol->watch[0].func.kind, HC_FUNC_USER);
	assert_string_equal(pol->watch[0].func.path, "/usr/local/bin/server");
	assert_string_equal(pol->watch[0].func.symbol, "handle_request");

	assert_int_equal(pol->nr_stages, 3);
	assert_int_equal(pol->stages[0].targets_kind, HC_TARGETS_COUNT);
	assert_int_equal(pol->stages[0].targets, 1);
	assert_int_equal(pol->stages[1].targets_kind, HC_TARGETS_PERCENT);
	assert_int_equal(pol->stages[1].targets, 50);
	assert_int_equal(pol->stages[2].targets_kind, HC_TARGETS_PERCENT);
	assert_int_equal(pol->stages[2].targets, 100);
	assert_int_equal(pol->stages[2].duration_ns, NS(60));
	policy__free(pol);
}

/* every optional key left out: the defaults documented in policy.h */
/*
 * What a minimal policy leaves unset. The documented defaults themselves are compared with
 * what parsing gives in test_policy_defaults.c, key by key: they are not repeated here.
 */
static void test_defaults(void **state)
{
	struct hc_policy *pol = parse_ok(
		"name: min\n"
		"patch: {type: klp, module: m.ko}\n"
		"watch: [{function: 'kernel:vfs_read'}]\n"
		"stages: [{name: only, duration: 500ms}]\n");

	assert_string_equal(pol->source, "good.yaml");
	assert_false(pol->patch.has_sha256);
	assert_null(pol->patch.klp.replaces);
	assert_int_equal(pol->stages[0].duration_ns, 500000000ULL);
	assert_double(pol->judge.max_p90_ratio, pol->judge.max_p50_ratio);
	assert_null(pol->processes.exe);
	assert_null(pol->processes.pids);
	policy__free(pol);

	pol = parse_ok("name: e\n"
		       "patch: {type: exec, apply: [a], revert: [b]}\n"
		       "watch: [{function: 'kernel:f'}]\n"
		       "stages: [{name: s, duration: 1s}]\n"
		       "judge: {max_p50_ratio: 1.3}\n");
	assert_int_equal(pol->patch.exec.nr_apply, 1);
	/* max_p90_ratio follows max_p50_ratio, given or not */
	assert_double(pol->judge.max_p90_ratio, 1.3);
	policy__free(pol);

	/* ulp: no watch needed */
	pol = parse_ok("name: u\n"
		       "patch:\n"
		       "  type: ulp\n"
		       "  library: fix.so\n"
		       "  target: srv\n"
		       "  build_id: ABCDEF01\n"
		       "  functions: [{old: f, new: g}]\n"
		       "processes: {pids: [7, 9]}\n"
		       "stages: [{name: s, duration: 1s, targets: 2}]\n");
	assert_int_equal(pol->nr_watch, 0);
	assert_int_equal(pol->patch.ulp.build_id_len, 4);
	assert_int_equal(pol->patch.ulp.build_id[0], 0xab);
	assert_int_equal(pol->patch.ulp.build_id[3], 0x01);
	assert_int_equal(pol->processes.nr_pids, 2);
	assert_int_equal(pol->processes.pids[0], 7);
	assert_int_equal(pol->processes.pids[1], 9);
	assert_null(pol->processes.exe);
	assert_int_equal(pol->processes.order, HC_ORDER_RANDOM);
	assert_int_equal(pol->stages[0].targets_kind, HC_TARGETS_COUNT);
	assert_int_equal(pol->stages[0].targets, 2);
	policy__free(pol);
}

/* every key set away from its default; YAML forms: keys in any order, quotes, anchors */
static void test_values(void **state)
{
	struct hc_policy *pol = parse_ok(
		"# keys in any order: patch after what depends on its type\n"
		"stages:\n"
		"  - {name: a-1, duration: 1.5s, targets: 10%}\n"
		"  - {name: \"b\", duration: 2m, targets: '10%'}\n"
		"  - {name: c, duration: 1h, targets: 3}\n"
		"  - {name: d, duration: 250ms, targets: 3}\n"
		"processes:\n"
		"  exe: &exe /srv/bin/app\n"
		"watch:\n"
		"  - function: user:/srv/lib/libx.so:f@12\n"
		"    errors: zero\n"
		"  - function: \"kernel:do_sys_open\"\n"
		"    errors: none\n"
		"guardrails:\n"
		"  kernel_log: false\n"
		"  taint: FALSE\n"
		"  fatal_signals: False\n"
		"  min_call_ratio: 0\n"
		"  allow_tainted_die: True\n"
		"baseline: {duration: 45s}\n"
		"judge:\n"
		"  alpha: .5\n"
		"  min_calls: 1\n"
		"  max_p50_ratio: 1.01\n"
		"  max_p90_ratio: 1.5\n"
		"  max_p99_ratio: 2\n"
		"  max_error_ratio: 1e1\n"
		"  on_inconclusive: commit\n"
		"name: \"0-fix\"\n"
		"patch:\n"
		"  consistency: relaxed\n"
		"  deadline: 250ms\n"
		"  functions:\n"
		"    - {old: a, new: a2, errors: nonzero}\n"
		"    - {old: 'b@V1', new: b2}\n"
		"  target: *exe\n"
		"  build_id: 00ff\n"
		"  library: ./fix.so\n"
		"  sha256: E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\n"
		"  type: ulp\n");

	assert_string_equal(pol->name, "0-fix");
	assert_int_equal(pol->patch.ulp.consistency, HC_CONSISTENCY_RELAXED);
	assert_int_equal(pol->patch.ulp.deadline_ns, 250000000ULL);
	assert_int_equal(pol->patch.ulp.nr_functions, 2);
	assert_int_equal(pol->patch.ulp.functions[0].errors, HC_ERR_NONZERO);
	assert_string_equal(pol->patch.ulp.functions[1].old_sym, "b@V1");
	assert_int_equal(pol->patch.ulp.functions[1].errors, HC_ERR_NEG);
	assert_string_equal(pol->patch.ulp.target, "/srv/bin/app");
	assert_string_equal(pol->processes.exe, "/srv/bin/app");
	assert_ptr_not_equal(pol->patch.ulp.target, pol->processes.exe);
	assert_int_equal(pol->patch.ulp.build_id_len, 2);
	assert_int_equal(pol->patch.sha256[0], 0xe3);
	assert_int_equal(pol->patch.sha256[31], 0x55);

	assert_int_equal(pol->watch[0].func.kind, HC_FUNC_USER);
	assert_string_equal(pol->watch[0].func.path, "/srv/lib/libx.so");
	assert_string_equal(pol->watch[0].func.symbol, "f");
	assert_int_equal(pol->watch[0].func.pid, 12);
	assert_int_equal(pol->watch[0].errors, HC_ERR_ZERO);
	assert_string_equal(pol->watch[1].func.symbol, "do_sys_open");
	assert_int_equal(pol->watch[1].errors, HC_ERR_NONE);

	assert_false(pol->guardrails.kernel_log);
	assert_false(pol->guardrails.taint);
	assert_false(pol->guardrails.fatal_signals);
	assert_true(pol->guardrails.allow_tainted_die);
	assert_double(pol->guardrails.min_call_ratio, 0.0);
	assert_int_equal(pol->baseline.duration_ns, NS(45));

	assert_int_equal(pol->nr_stages, 4);
	assert_int_equal(pol->stages[0].duration_ns, 1500000000ULL);
	assert_int_equal(pol->stages[0].targets_kind, HC_TARGETS_PERCENT);
	assert_int_equal(pol->stages[1].duration_ns, NS(120));
	assert_string_equal(pol->stages[1].name, "b");
	assert_int_equal(pol->stages[1].targets, 10);
	assert_int_equal(pol->stages[2].duration_ns, NS(3600));
	assert_int_equal(pol->stages[2].targets_kind, HC_TARGETS_COUNT);
	assert_int_equal(pol->stages[3].duration_ns, 250000000ULL);

	assert_double(pol->judge.alpha, 0.5);
	assert_int_equal(pol->judge.min_calls, 1);
	assert_double(pol->judge.max_p50_ratio, 1.01);
	assert_double(pol->judge.max_p90_ratio, 1.5);
	assert_double(pol->judge.max_p99_ratio, 2.0);
	assert_double(pol->judge.max_error_ratio, 10.0);
	assert_int_equal(pol->judge.on_inconclusive, HC_INCONCLUSIVE_COMMIT);
	policy__free(pol);
}

/* a watch list of exactly HC_MAX_FUNCS entries is fine, one more is not */
static void test_watch_limit(void **state)
{
	size_t cap = 64 + (HC_MAX_FUNCS + 1) * 40, len, i;
	struct hc_policy *pol = NULL;
	struct policy_err err;
	char *text = malloc(cap);
	int n;

	assert_non_null(text);
	for (n = HC_MAX_FUNCS; n <= HC_MAX_FUNCS + 1; n++) {
		len = (size_t)snprintf(text, cap,
				       "name: w\npatch: {type: klp, module: m.ko}\n"
				       "stages: [{name: s, duration: 1s}]\nwatch:\n");
		for (i = 0; i < (size_t)n; i++)
			len += (size_t)snprintf(text + len, cap - len,
						"  - function: kernel:f%zu\n", i);
		if (n == HC_MAX_FUNCS) {
			pol = parse_ok(text);
			assert_int_equal(pol->nr_watch, HC_MAX_FUNCS);
			assert_string_equal(pol->watch[HC_MAX_FUNCS - 1].func.symbol, "f255");
			policy__free(pol);
			continue;
		}
		assert_int_equal(policy__parse("w.yaml", text, len, &pol, &err), -EINVAL);
		assert_null(pol);
		assert_int_equal(err.line, 4 + HC_MAX_FUNCS + 1);
		assert_int_equal(err.column, 5);
		assert_string_equal(err.key, "watch");
		assert_non_null(strstr(err.msg, "at most 256"));
	}
	free(text);
}

/* ---- bad policies ------------------------------------------------------------------------ */

struct bad {
	const char *yaml;
	int line;
	int column;
	const char *key;
	const char *msg; /* a substring of the message */
};

/* valid parts to build bad policies from, with their line counts */
#define KLP    "name: t\npatch:\n  type: klp\n  module: /m.ko\n"	      /* 4 lines */
#define WATCH  "watch:\n  - function: kernel:f\n"			      /* 2 lines */
#define STAGES "stages:\n  - name: s\n    duration: 1s\n"		      /* 3 lines */
#define GOOD   KLP WATCH STAGES						      /* 9 lines */
#define EXEC   "name: t\npatch:\n  type: exec\n  apply: [a]\n  revert: [b]\n" /* 5 lines */
#define ULP                                                              \
	"name: t\npatch:\n  type: ulp\n  library: /l.so\n  target: /t\n" \
	"  build_id: abcd\n  functions: [{old: f, new: g}]\n"		  /* 7 lines */
#define PROCS  "processes:\n  exe: /t\n"				  /* 2 lines */
#define USTAGE "stages:\n  - name: s\n    duration: 1s\n    targets: 1\n" /* 4 lines */

static const struct bad bad_policies[] = {
	/* empty files and documents that are not a policy */
	{ "", 1, 1, "", "empty policy" },
	{ "# only a comment\n\n", 1, 1, "", "empty policy" },
	{ "# a comment\n---\n...\n", 1, 1, "", "empty policy" },
	{ "- name: t\n", 1, 1, "", "expected a mapping of policy keys" },
	{ "just words\n", 1, 1, "",
	  "expected a mapping of policy keys: name, patch, watch, stages, ..., got 'just words'" },
	{ GOOD "---\nname: u\n", 11, 1, "", "expected one YAML document, found a second one" },

	/* YAML syntax errors: libyaml's problem mark */
	{ "name: t\n  patch: x\n", 2, 8, "", "invalid YAML: mapping values are not allowed" },
	{ "name: t\npatch:\n\ttype: klp\n", 3, 1, "",
	  "invalid YAML: found character that cannot start any token" },
	{ "name: [t\n", 2, 1, "", "invalid YAML: did not find expected ',' or ']'" },
	{ "name: \"t\n", 2, 1, "", "invalid YAML: found unexpected end of stream" },
	{ "name: *nowhere\n", 1, 7, "", "invalid YAML: found undefined alias" },
	{ "name: t\npatch: \xff\n", 2, 8, "", "invalid YAML: invalid leading UTF-8 octet" },
	{ GOOD "--- [\n", 11, 1, "", "invalid YAML" },

	/* unknown keys, with what is allowed there */
	{ GOOD "stagez: []\n", 10, 1, "stagez",
	  "unknown key 'stagez'; "
	  "allowed: name, patch, watch, guardrails, baseline, stages, judge" },
	{ GOOD "judge:\n  max_p99: 1.2\n", 11, 3, "judge.max_p99",
	  "unknown key 'max_p99'; allowed: alpha, beta, min_calls, max_p50_ratio, max_p90_ratio, "
	  "max_p99_ratio, max_error_ratio, on_inconclusive, on_nodata" },
	{ KLP "watch:\n  - function: kernel:f\n    error: neg\n" STAGES, 7, 5, "watch[0].error",
	  "unknown key 'error'; allowed: function, errors" },
	{ GOOD "? [a, b]\n: c\n", 10, 3, "", "expected a key name, got a list" },

	/* duplicate keys */
	{ GOOD "name: u\n", 10, 1, "name", "duplicate key 'name' (first at line 1, column 1)" },
	{ GOOD "judge:\n  alpha: 0.1\n  alpha: 0.2\n", 12, 3, "judge.alpha",
	  "duplicate key 'alpha' (first at line 11, column 3)" },

	/* required keys missing: at the position of the mapping that lacks them */
	{ "patch:\n  type: klp\n  module: /m.ko\n" WATCH STAGES, 1, 1, "name",
	  "missing required key 'name'" },
	{ "name: t\n" WATCH STAGES, 1, 1, "patch", "missing required key 'patch'" },
	{ "name: t\npatch:\n  module: /m.ko\n" WATCH STAGES, 3, 3, "patch.type",
	  "missing required key 'type' (klp, exec or ulp)" },
	/* functions without old before the type is known: once a NULL dereference */
	{ "name: t\npatch:\n  functions:\n    - new: b\n    - new: c\n" WATCH STAGES, 3, 3,
	  "patch.type", "missing required key 'type' (klp, exec or ulp)" },
	{ "name: t\npatch:\n  functions:\n    - new: b\n    - {old: a, new: c}\n    - new: d\n" WATCH
		  STAGES,
	  3, 3, "patch.type", "missing required key 'type' (klp, exec or ulp)" },
	{ "name: t\npatch:\n  type: klp\n" WATCH STAGES, 3, 3, "patch.module",
	  "missing required key 'module'" },
	{ KLP STAGES, 1, 1, "watch", "missing required key 'watch'" },
	{ KLP WATCH, 1, 1, "stages", "missing required key 'stages'" },
	{ KLP WATCH "stages:\n  - name: s\n", 8, 5, "stages[0].duration",
	  "missing required key 'duration'" },
	{ KLP "watch:\n  - errors: neg\n" STAGES, 6, 5, "watch[0].function",
	  "missing required key 'function'" },

	/* patch.restore and patch.params */
	{ "name: t\npatch:\n  type: klp\n  module: /m.ko\n  restore: all\n" WATCH STAGES, 5, 12,
	  "patch.restore", "expected none, or a list of livepatch module paths" },
	{ "name: t\npatch:\n  type: klp\n  module: /m.ko\n  restore: []\n" WATCH STAGES, 5, 12,
	  "patch.restore", "got an empty list" },
	{ "name: t\npatch:\n  type: klp\n  module: /m.ko\n  params: [a]\n" WATCH STAGES, 5, 11,
	  "patch.params", "expected a mapping of module parameters" },
	{ "name: t\npatch:\n  type: klp\n  module: /m.ko\n  params: {a b: 1}\n" WATCH STAGES, 5, 12,
	  "patch.params.a b", "'a b' is not a module parameter name" },
	{ "name: t\npatch:\n  type: klp\n  module: /m.ko\n  params: {a: 'x\"y'}\n" WATCH STAGES, 5,
	  15, "patch.params.a", "cannot hold" },
	{ "name: t\npatch:\n  type: klp\n  module: /m.ko\n  params: {}\n" WATCH STAGES, 5, 11,
	  "patch.params", "expected at least one parameter" },
	{ "name: t\npatch:\n  type: klp\n  module: /m.ko\n  stacks_on: [fix1, 'a b']\n" WATCH STAGES,
	  5, 21, "patch.stacks_on[1]", "'a b' is not a module name" },
	{ "name: t\npatch:\n  type: klp\n  module: /m.ko\n  stacks_on: fix1\n" WATCH STAGES, 5, 14,
	  "patch.stacks_on", "expected a list of enabled livepatches' module names" },

	/* wrong types */
	{ "name: [t]\n", 1, 7, "name", "got a list" },
	{ "name:\npatch: {}\n", 1, 6, "name", "got nothing (null)" },
	{ "name: t\npatch: klp\n", 2, 8, "patch",
	  "expected a mapping with type: klp, exec or ulp, got 'klp'" },
	{ GOOD "judge:\n", 10, 7, "judge", "expected a mapping of judge settings, got nothing" },
	{ GOOD "judge:\n  max_p99_ratio: [1.2]\n", 11, 18, "judge.max_p99_ratio",
	  "expected a ratio > 1.0, e.g. 1.25, got a list" },
	{ GOOD "judge:\n  max_p50_ratio: \"1.1\"\n", 11, 18, "judge.max_p50_ratio",
	  "got the quoted string \"1.1\" (write numbers without quotes)" },
	{ GOOD "judge:\n  max_error_ratio: lots\n", 11, 20, "judge.max_error_ratio",
	  "expected a ratio > 1.0, e.g. 1.25, got 'lots'" },
	{ GOOD "judge:\n  min_calls: 1.5\n", 11, 14, "judge.min_calls",
	  "expected an integer >= 1, e.g. 200, got '1.5'" },
	{ GOOD "judge:\n  min_calls: 0x10\n", 11, 14, "judge.min_calls", "an integer >= 1" },
	{ GOOD "guardrails:\n  taint: yes\n", 11, 10, "guardrails.taint",
	  "expected true or false, got 'yes' (YAML 1.1 yes/no/on/off are not accepted)" },
	{ GOOD "guardrails:\n  kernel_log: 1\n", 11, 15, "guardrails.kernel_log",
	  "expected true or false, got '1'" },
	{ GOOD "guardrails:\n  fatal_signals: 'true'\n", 11, 18, "guardrails.fatal_signals",
	  "expected true or false, got the quoted string \"true\"" },
	{ GOOD "guardrails:\n  allow_tainted_die: {x: 1}\n", 11, 22, "guardrails.allow_tainted_die",
	  "expected true or false, got a mapping" },
	{ KLP "watch: kernel:f\n" STAGES, 5, 8, "watch", "expected a list of {function: FUNC" },
	{ KLP "watch:\n  - kernel:f\n" STAGES, 6, 5, "watch[0]",
	  "expected a mapping {function: FUNC, errors: MODE}, got 'kernel:f'" },
	{ KLP "watch: []\n" STAGES, 5, 8, "watch", "got an empty list" },
	{ KLP WATCH "stages: []\n", 7, 9, "stages",
	  "expected a list of {name, duration}, got an "
	  "empty list" },

	/* out-of-range and malformed values */
	{ "name: Cmdline_Fix\n", 1, 7, "name",
	  "expected a name of 1 to 64 characters from "
	  "[a-z0-9-], not starting with '-', got 'Cmdline_Fix'" },
	{ "name: -x\n", 1, 7, "name", "not starting with '-'" },
	{ "name: t\npatch:\n  type: kpatch\n", 3, 9, "patch.type",
	  "expected one of klp | exec | ulp, got 'kpatch'" },
	{ GOOD "judge:\n  max_p99_ratio: 0.9\n", 11, 18, "judge.max_p99_ratio",
	  "expected a ratio > 1.0, e.g. 1.25, got '0.9'" },
	{ GOOD "judge:\n  max_p50_ratio: 1\n", 11, 18, "judge.max_p50_ratio", "a ratio > 1.0" },
	{ GOOD "judge:\n  alpha: 0\n", 11, 10, "judge.alpha",
	  "expected a probability in (0, 0.5], e.g. 0.01, got '0'" },
	{ GOOD "judge:\n  alpha: 0.51\n", 11, 10, "judge.alpha", "(0, 0.5]" },
	{ GOOD "judge:\n  min_calls: 0\n", 11, 14, "judge.min_calls", "an integer >= 1" },
	{ GOOD "judge:\n  min_calls: -3\n", 11, 14, "judge.min_calls", "an integer >= 1" },
	{ GOOD "judge:\n  on_inconclusive: wait\n", 11, 20, "judge.on_inconclusive",
	  "expected one of hold | extend | rollback | commit, got 'wait'" },
	/* a function never called is not called more in a longer stage: no extend */
	{ GOOD "judge:\n  on_nodata: extend\n", 11, 14, "judge.on_nodata",
	  "expected one of hold | rollback | commit, got 'extend'" },
	{ GOOD "judge:\n  beta: 0.6\n", 11, 9, "judge.beta", "(0, 0.5]" },
	{ GOOD "guardrails:\n  min_call_ratio: 1.5\n", 11, 19, "guardrails.min_call_ratio",
	  "expected a ratio from 0 to 1" },
	{ GOOD "guardrails:\n  min_call_ratio: -0.1\n", 11, 19, "guardrails.min_call_ratio",
	  "from 0 to 1" },
	{ GOOD "baseline:\n  duration: 20\n", 11, 13, "baseline.duration",
	  "expected a duration > 0 with a unit ms, s, m or h, e.g. 500ms, 30s, 2m, got '20'" },
	{ KLP WATCH "stages:\n  - name: s\n    duration: 0s\n", 9, 15, "stages[0].duration",
	  "a duration > 0" },
	{ KLP WATCH "stages:\n  - name: s\n    duration: 1e3s\n", 9, 15, "stages[0].duration",
	  "got '1e3s'" },
	{ KLP WATCH "stages:\n  - name: s\n    duration: 30 s\n", 9, 15, "stages[0].duration",
	  "got '30 s'" },
	{ "name: t\npatch:\n  type: klp\n  module: /m.ko\n  transition_timeout: 1d\n", 5, 23,
	  "patch.transition_timeout", "a duration > 0 with a unit ms, s, m or h" },
	{ KLP "watch:\n  - function: kernel:f\n    errors: negative\n" STAGES, 7, 13,
	  "watch[0].errors", "expected one of none | neg | zero | nonzero, got 'negative'" },
	{ KLP "watch:\n  - function: 'kernel:'\n" STAGES, 6, 15, "watch[0].function",
	  "bad FUNC 'kernel:': missing kernel function name" },
	{ KLP "watch:\n  - function: vfs_read\n" STAGES, 6, 15, "watch[0].function",
	  "bad FUNC 'vfs_read': unknown kind" },
	{ KLP "watch:\n  - function: user:/bin/ls:main@0\n" STAGES, 6, 15, "watch[0].function",
	  "PID after '@' must be a positive process id" },
	{ KLP WATCH "  - function: kernel:f\n" STAGES, 7, 15, "watch[1].function",
	  "'kernel:f' is already watched by watch[0]" },
	{ GOOD "  - name: s\n    duration: 2s\n", 10, 11, "stages[1].name",
	  "stage name 's' is already used by stages[0]" },
	{ KLP WATCH "stages:\n  - name: Canary\n    duration: 1s\n", 8, 11, "stages[0].name",
	  "[a-z0-9-]" },
	{ "name: t\npatch:\n  type: klp\n  module: \"\"\n", 4, 11, "patch.module",
	  "expected a file path, got an empty string" },
	{ "name: t\npatch:\n  type: klp\n  module: \"/m\\0.ko\"\n", 4, 11, "patch.module",
	  "a NUL character" },
	{ "name: t\npatch:\n  type: klp\n  module: /m.ko\n  sha256: 0123abcd...\n", 5, 11,
	  "patch.sha256", "expected a sha256 digest of 64 hex digits" },

	/* keys of another patch type */
	{ ULP "  module: /m.ko\n", 8, 3, "patch.module",
	  "'module' is for patch type klp only, not ulp; allowed: type, sha256, library, target, "
	  "build_id, functions, consistency, deadline" },
	{ EXEC "  sha256: 0123\n", 6, 3, "patch.sha256",
	  "'sha256' is for patch type klp and ulp only, not exec" },
	{ EXEC "  transition_timeout: 5s\n", 6, 3, "patch.transition_timeout",
	  "is for patch type klp only, not exec" },
	{ KLP "  apply: [kpatch, load, x]\n", 5, 3, "patch.apply",
	  "'apply' is for patch type exec only, not klp" },
	{ GOOD "processes:\n  exe: /t\n", 10, 1, "processes",
	  "'processes' is for patch type ulp only, not klp" },
	{ KLP WATCH "stages:\n  - name: s\n    duration: 1s\n    targets: 1\n", 10, 5,
	  "stages[0].targets",
	  "'targets' is for patch type ulp only, not klp; allowed: name, "
	  "duration" },
	/* the type is read ahead: a key before it is checked against it too */
	{ "name: t\npatch:\n  module: /m.ko\n  type: exec\n", 3, 3, "patch.module", "not exec" },

	/* exec */
	{ EXEC "  timeout: 0s\n" WATCH STAGES, 6, 12, "patch.timeout", "a duration > 0" },
	{ "name: t\npatch:\n  type: exec\n  apply: []\n", 4, 10, "patch.apply",
	  "expected an argv list of strings, e.g. [kpatch, load, /path/fix.ko], got an empty "
	  "list" },
	{ "name: t\npatch:\n  type: exec\n  apply: kpatch load x\n", 4, 10, "patch.apply",
	  "expected an argv list of strings" },
	{ "name: t\npatch:\n  type: exec\n  apply: [kpatch, [x]]\n", 4, 19, "patch.apply[1]",
	  "expected a string, got a list" },
	{ "name: t\npatch:\n  type: exec\n  apply: ['', x]\n", 4, 11, "patch.apply[0]",
	  "expected the program to run" },
	{ "name: t\npatch:\n  type: exec\n  apply: [a]\n" WATCH STAGES, 3, 3, "patch.revert",
	  "missing required key 'revert'" },

	/* ulp */
	{ ULP USTAGE, 1, 1, "processes", "missing required key 'processes' (exe or pids)" },
	{ ULP "processes:\n  exe: /t\n  pids: [1]\n" USTAGE, 10, 3, "processes.pids",
	  "expected exactly one of exe or pids, not both" },
	{ ULP "processes: {}\n" USTAGE, 8, 12, "processes",
	  "missing exe or pids: expected exactly one of them" },
	{ ULP "processes:\n  pids: [3, 4, 3]\n" USTAGE, 9, 16, "processes.pids[2]",
	  "PID 3 is already listed as processes.pids[0]" },
	{ ULP "processes:\n  pids: [1]\n  order: first\n" USTAGE, 10, 10, "processes.order",
	  "expected one of random | listed, got 'first'" },
	{ ULP "processes:\n  pids: [0]\n" USTAGE, 9, 10, "processes.pids[0]",
	  "expected a process id >= 1, got '0'" },
	{ ULP "processes:\n  pids: [99999999999]\n" USTAGE, 9, 10, "processes.pids[0]",
	  "a process id >= 1" },
	{ ULP PROCS "stages:\n  - name: s\n    duration: 1s\n", 11, 5, "stages[0].targets",
	  "missing required key 'targets'" },
	{ ULP PROCS "stages:\n  - {name: s, duration: 1s, targets: 0%}\n", 11, 38,
	  "stages[0].targets",
	  "expected a count of processes >= 1 or a whole percent from 1% to "
	  "100%, e.g. 1 or 50%, got '0%'" },
	{ ULP PROCS "stages:\n  - {name: s, duration: 1s, targets: 150%}\n", 11, 38,
	  "stages[0].targets", "got '150%'" },
	{ ULP PROCS "stages:\n  - {name: s, duration: 1s, targets: 12.5%}\n", 11, 38,
	  "stages[0].targets", "a whole percent" },
	{ ULP PROCS "stages:\n  - {name: s, duration: 1s, targets: 0}\n", 11, 38,
	  "stages[0].targets", "a count of processes >= 1" },
	{ ULP PROCS "stages:\n  - {name: a, duration: 1s, targets: 50%}\n"
		    "  - {name: b, duration: 1s, targets: 2}\n"
		    "  - {name: c, duration: 1s, targets: 10%}\n",
	  13, 38, "stages[2].targets",
	  "expected at least 50% as in stages[0]: a rollout never shrinks" },
	{ "name: t\npatch:\n  type: ulp\n  build_id: abc\n", 4, 13, "patch.build_id",
	  "expected a GNU build-id in hex" },
	{ "name: t\npatch:\n  type: ulp\n  build_id: xyz0\n", 4, 13, "patch.build_id",
	  "got 'xyz0'" },
	{ "name: t\npatch:\n  type: ulp\n  functions: []\n", 4, 14, "patch.functions",
	  "got an empty list" },
	{ "name: t\npatch:\n  type: ulp\n  functions:\n    - old: 1f\n      new: g\n", 5, 12,
	  "patch.functions[0].old", "expected a symbol name" },
	{ "name: t\npatch:\n  type: ulp\n  functions:\n    - {old: f}\n", 5, 7,
	  "patch.functions[0].new", "missing required key 'new'" },
	{ "name: t\npatch:\n  type: ulp\n  functions:\n    - {old: f, new: g}\n"
	  "    - {old: f, new: h}\n",
	  6, 13, "patch.functions[1].old", "'f' is already redirected by patch.functions[0]" },
	{ "name: t\npatch:\n  type: ulp\n  consistency: loose\n", 4, 16, "patch.consistency",
	  "expected one of strict | relaxed, got 'loose'" },
	{ ULP "processes:\n  exe: /t\n"
	      "watch: [{function: 'kernel:f', errors: maybe}]\n" USTAGE,
	  10, 40, "watch[0].errors", "got 'maybe'" },
};

static int check_bad(const struct bad *b, size_t row)
{
	struct hc_policy *pol = (struct hc_policy *)0x1;
	struct policy_err err;
	char line[1024];
	int ret;

	memset(&err, 0x5a, sizeof(err));
	ret = policy__parse("bad.yaml", b->yaml, strlen(b->yaml), &pol, &err);
	if (ret != -EINVAL) {
		print_error("row %zu: returned %d, expected -EINVAL\n%s\n", row, ret, b->yaml);
		if (!ret)
			policy__free(pol);
		return 1;
	}
	if (pol) {
		print_error("row %zu: *out not NULL on failure\n", row);
		return 1;
	}
	if (strcmp(err.file, "bad.yaml") || err.line != b->line || err.column != b->column ||
	    strcmp(err.key, b->key) || !strstr(err.msg, b->msg)) {
		print_error("row %zu: got      %s\n        expected bad.yaml:%d:%d: %s%s...%s...\n"
			    "--- policy:\n%s---\n",
			    row, policy_err__format(&err, line, sizeof(line)), b->line, b->column,
			    b->key, b->key[0] ? ": " : "", b->msg, b->yaml);
		return 1;
	}
	return 0;
}

static void test_bad_policies(void **state)
{
	size_t i, failed = 0, rows = 0;

	for (i = 0; i < sizeof(bad_policies) / sizeof(bad_policies[0]); i++) {
		failed += check_bad(&bad_policies[i], i);
		rows++;
	}
	if (failed)
		fail_msg("%zu of %zu bad policies got the wrong error", failed, rows);
	/* the issue asks for a table of at least 30 */
	assert_true(rows >= 30);
}

/* ---- files and messages ------------------------------------------------------------------ */

static void test_load_errors(void **state)
{
	struct hc_policy *pol = (struct hc_policy *)0x1;
	struct policy_err err;
	char line[800];

	assert_int_equal(policy__load(SRC_DIR "/policies/nonexistent.yaml", &pol, &err), -ENOENT);
	assert_null(pol);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.file, SRC_DIR "/policies/nonexistent.yaml");
	assert_string_equal(policy_err__format(&err, line, sizeof(line)), SRC_DIR
			    "/policies/nonexistent.yaml: cannot open: "
			    "No such file or directory");

	assert_int_equal(policy__load(SRC_DIR "/policies", &pol, &err), -EINVAL);
	assert_null(pol);
	assert_non_null(strstr(err.msg, "not a regular file but a directory"));
	/* neither waits for a writer nor reads forever */
	assert_int_equal(policy__load("/dev/zero", &pol, &err), -EINVAL);
	assert_string_equal(policy_err__format(&err, line, sizeof(line)),
			    "/dev/zero: not a regular file but a character device; give the path "
			    "of a policy file");
	{
		char fifo[] = "/tmp/hc-policy-fifo.XXXXXX";
		int fd = mkstemp(fifo);

		assert_true(fd >= 0);
		close(fd);
		unlink(fifo);
		assert_int_equal(mkfifo(fifo, 0600), 0);
		assert_int_equal(policy__load(fifo, &pol, &err), -EINVAL);
		unlink(fifo);
		assert_non_null(strstr(err.msg, "not a regular file but a FIFO"));
	}

	/* the input that once crashed the parser, kept as it was found */
	assert_int_equal(policy__load(SRC_DIR "/tests/unit/policies/crash-untyped-functions.yaml",
				      &pol, &err),
			 -EINVAL);
	assert_string_equal(err.key, "patch.type");

	/* a fixture file: the error names the file given, with the position in it */
	assert_int_equal(policy__load(SRC_DIR "/tests/unit/policies/bad-ratio.yaml", &pol, &err),
			 -EINVAL);
	assert_null(pol);
	assert_string_equal(policy_err__format(&err, line, sizeof(line)), SRC_DIR
			    "/tests/unit/policies/bad-ratio.yaml:18:18: "
			    "judge.max_p99_ratio: expected a ratio > 1.0, e.g. 1.25, got '0.95'");
	assert_int_equal(policy__load(SRC_DIR "/tests/unit/policies/empty.yaml", &pol, &err),
			 -EINVAL);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 1);
	assert_non_null(strstr(err.msg, "empty policy"));
}

static void test_format(void **state)
{
	struct policy_err err = {
		.file = "p.yaml",
		.line = 3,
		.column = 18,
		.key = "judge.max_p99_ratio",
		.msg = "expected a ratio > 1.0, e.g. 1.25, got '0.9'",
	};
	char buf[256], small[12];

	assert_string_equal(policy_err__format(&err, buf, sizeof(buf)),
			    "p.yaml:3:18: judge.max_p99_ratio: expected a ratio > 1.0, e.g. 1.25, "
			    "got '0.9'");
	err.key[0] = '\0';
	assert_string_equal(policy_err__format(&err, buf, sizeof(buf)),
			    "p.yaml:3:18: expected a ratio > 1.0, e.g. 1.25, got '0.9'");
	/* cut to the buffer, always terminated */
	memset(small, 'x', sizeof(small));
	assert_string_equal(policy_err__format(&err, small, sizeof(small)), "p.yaml:3:18");
	/* a policy parsed without a name */
	assert_int_equal(policy__parse(NULL, "", 0, (struct hc_policy *[]){ NULL }, &err), -EINVAL);
	assert_string_equal(policy_err__format(&err, buf, sizeof(buf)),
			    "<policy>:1:1: empty policy; expected a mapping with at least name, "
			    "patch and stages (see policies/)");
}

/* no error buffer, length-bounded text, freeing nothing */
static void test_api_edges(void **state)
{
	static const char text[] = GOOD "judge: {alpha: 0}\n";
	struct hc_policy *pol = NULL;

	/* @len bounds the text: the bad line after it is not read */
	assert_int_equal(policy__parse("x", text, strlen(GOOD), &pol, NULL), 0);
	assert_non_null(pol);
	policy__free(pol);
	assert_int_equal(policy__parse("x", text, strlen(text), &pol, NULL), -EINVAL);
	assert_null(pol);
	policy__free(NULL);
	assert_string_equal(policy__patch_type_name(HC_PATCH_KLP), "klp");
	assert_string_equal(policy__patch_type_name(HC_PATCH_EXEC), "exec");
	assert_string_equal(policy__patch_type_name(HC_PATCH_ULP), "ulp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_cmdline_fix),
		cmocka_unit_test(test_example_kpatch_exec),
		cmocka_unit_test(test_example_ulp_server),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_watch_limit),
		cmocka_unit_test(test_bad_policies),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_api_edges),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
