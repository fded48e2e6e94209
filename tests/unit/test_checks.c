// SPDX-License-Identifier: GPL-2.0
/*
 * user/checks.c and check_restore.c: the 13 compatibility checks, each passing on a good fake system and failing
 * (or warning) when the one thing it looks at is changed. The system is a tree of sysfs- and
 * procfs-like files in a temporary directory; the livepatch module is an ELF object that gcc
 * makes at test time with the kernel's klp structure layout and a .modinfo section.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake_tree.h"
#include "checks.h"
#include "sha256.h"

#define KREL	  "6.1.0-56-cloud-amd64"
#define KVERMAGIC KREL " SMP preempt mod_unload modversions "

static struct klp_sys sys;
static struct checks_report rep;
static struct hc_policy *pol;

struct genmod {
	const char *vermagic;
	bool no_livepatch;
	bool replace;
	bool target_module; /* also patches hc_target:hc_target_fn */
	bool sign;
	const char *func;   /* the vmlinux function patched; NULL: cmdline_proc_show */
	const char *name;   /* the module's name; NULL: klp_test */
	unsigned int state; /* the version of its klp_state 1; 0: no states */
	bool param;	    /* it takes a parameter block_transition */
};

static bool gen_module(const char *rel, const struct genmod *g)
{
	char *source;
	bool ok;

	assert_true(
		asprintf(&source,
			 "struct module;\n"
			 "extern struct module __this_module;\n"
			 "struct klp_func { const char *old_name; void *new_func; unsigned long old_sympos;"
			 " void *internal[12]; };\n"
			 "struct klp_object { const char *name; struct klp_func *funcs; void *cb[4];"
			 " void *internal[12]; };\n"
			 "struct klp_state { unsigned long id; unsigned int version; void *data; };\n"
			 "struct klp_patch { struct module *mod; struct klp_object *objs;"
			 " struct klp_state *states; _Bool replace; void *internal[12]; };\n"
			 "static struct klp_state states[] = { { .id = 1, .version = %u }, { 0 } };\n"
			 "static int new_fn(void) { return 0; }\n"
			 "static struct klp_func funcs[] = { { .old_name = \"%s\", .new_func = new_fn }, "
			 "{ 0 } };\n"
			 "static struct klp_func tfuncs[] = { { .old_name = \"hc_target_fn\", .new_func = "
			 "new_fn }, { 0 } };\n"
			 "static struct klp_object objs[] = { { .funcs = funcs }, %s { 0 } };\n"
			 "static struct klp_patch patch __attribute__((used)) = { .mod = &__this_module, "
			 ".objs = objs, .states = %s, .replace = %d };\n"
			 "static const char modinfo[] __attribute__((used, section(\".modinfo\"))) =\n"
			 "	\"license=GPL\\0\" %s %s \"vermagic=%s\\0name=%s\";\n",
			 g->state, g->func ? g->func : "cmdline_proc_show",
			 g->target_module ? "{ .name = \"hc_target\", .funcs = tfuncs }," : "",
			 g->state ? "states" : "0", g->replace,
			 g->no_livepatch ? "" : "\"livepatch=Y\\0\"",
			 g->param ? "\"parmtype=block_transition:bool\\0\"" : "",
			 g->vermagic ? g->vermagic : KVERMAGIC, g->name ? g->name : "klp_test") >
		0);
	ok = fake_module(rel, source, g->sign ? 64 : 0);
	free(source);
	return ok;
}

#define MODULE_REL "lib/hc/fix.ko"

#define GEN_OR_SKIP(...)                             \
	do {                                         \
		struct genmod __g = { __VA_ARGS__ }; \
		if (!gen_module(MODULE_REL, &__g))   \
			skip();                      \
	} while (0)

/*
 * The policy, written to ROOT/etc/policy.yaml and loaded: @patch_extra goes into patch:,
 * @watch is the list of kernel functions (comma-separated), @guard into guardrails:.
 */
static void policy(const char *type_block, const char *watch, const char *guard)
{
	char text[4096], one[256], *w, *save = NULL, list[512];
	struct policy_err err;
	size_t n = 0;

	snprintf(list, sizeof(list), "%s", watch);
	text[0] = '\0';
	n += (size_t)snprintf(text + n, sizeof(text) - n, "name: fix\npatch:\n%s\nwatch:\n",
			      type_block);
	for (w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		snprintf(one, sizeof(one), "  - function: kernel:%s\n", w);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", one);
	}
	snprintf(text + n, sizeof(text) - n,
		 "guardrails:\n  taint: true\n%s\nstages:\n"
		 "  - name: canary\n    duration: 1s\n",
		 guard);
	put("etc/policy.yaml", "%s", text);
	chmod(at("etc/policy.yaml"), 0644);
	if (pol)
		policy__free(pol);
	pol = NULL;
	if (policy__load(at("etc/policy.yaml"), &pol, &err))
		fail_msg("policy refused: %s:%d:%d: %s: %s\n%s", err.file, err.line, err.column,
			 err.key, err.msg, text);
}

static const char *klp_block(const char *extra)
{
	static char b[1024];

	snprintf(b, sizeof(b), "  type: klp\n  module: %s\n%s", at(MODULE_REL), extra ? extra : "");
	return b;
}

/* a 6.1 system where every check passes for a patch of cmdline_proc_show */
static void good_system(void)
{
	put("proc/sys/kernel/osrelease", KREL "\n");
	put("proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)\n");
	put("proc/sys/kernel/ftrace_enabled", "1\n");
	put("proc/sys/kernel/tainted", "0\n");
	put("proc/cmdline", "BOOT_IMAGE=/vmlinuz console=ttyS0 quiet\n");
	put("proc/kallsyms",
	    "ffffffff81300000 t cmdline_proc_show\n"
	    "ffffffff81300100 T vfs_read\n"
	    "ffffffff81300200 t dup_fn\n"
	    "ffffffff81300300 t dup_fn\n"
	    "ffffffff81300400 t notrace_fn\n"
	    "ffffffff81300500 d not_text\n"
	    "ffffffffc0000000 t hc_target_fn\t[hc_target]\n");
	put("sys/kernel/tracing/available_filter_functions",
	    "cmdline_proc_show\nvfs_read\ndup_fn\ndup_fn\nhc_target_fn [hc_target]\n");
	put("sys/kernel/tracing/enabled_functions", "%s", "");
	put("sys/kernel/tracing/kprobe_events", "%s", "");
	put("sys/module/module/parameters/sig_enforce", "N\n");
	put("sys/kernel/security/lockdown", "[none] integrity confidentiality\n");
	put("dev/kmsg", "6,1,100,-;Linux version " KREL "\n");
	mkdirs("sys/kernel/livepatch");
	mkdirs("proc/1/task/1");
	put("proc/1/task/1/patch_state", "-1\n");
}

static int setup(void **state)
{
	umask(022);
	snprintf(root, sizeof(root), "/tmp/hc-checks.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	chmod(root, 0755);
	if (klp_sys__init(&sys, root))
		return -1;
	sys.trusted_uid = getuid();
	good_system();
	memset(&rep, 0, sizeof(rep));
	pol = NULL;
	return 0;
}

static int teardown(void **state)
{
	checks__free(&rep);
	if (pol)
		policy__free(pol);
	pol = NULL;
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void run(void)
{
	checks__free(&rep);
	assert_int_equal(checks__run(pol, &sys, &rep), 0);
}

static void dump(void)
{
	size_t i;

	for (i = 0; i < CHECK_NR; i++)
		print_message("  %2d %-10s %s: %s\n", rep.r[i].id, rep.r[i].name,
			      check_status__name(rep.r[i].status), rep.r[i].reason);
}

/* check @id has @st, and its reason contains @needle (if not NULL) */
static void expect(enum check_id id, enum check_status st, const char *needle)
{
	const struct check_result *r = &rep.r[id - 1];

	assert_int_equal(r->id, id);
	if (r->status != st || (needle && !strstr(r->reason, needle))) {
		dump();
		fail_msg("check %d (%s): %s '%s', expected %s with '%s'", id, r->name,
			 check_status__name(r->status), r->reason, check_status__name(st),
			 needle ? needle : "");
	}
	assert_null(strchr(r->reason, '\n'));
}

/* ---- everything passes ------------------------------------------------------------------ */

static void test_all_pass(void **state)
{
	size_t i;

	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "cmdline_proc_show", "");
	run();
	if (getenv("HC_TEST_VERBOSE"))
		dump();
	for (i = 0; i < CHECK_NR; i++) {
		if (rep.r[i].status != CHECK_PASS) {
			dump();
			fail_msg("check %zu did not pass", i + 1);
		}
		assert_non_null(rep.r[i].name);
		assert_true(rep.r[i].reason[0] != '\0');
	}
	assert_int_equal(checks__worst(&rep), CHECK_PASS);
	assert_true(rep.have_mod);
	assert_string_equal(rep.mod.name, "klp_test");
	assert_true(rep.have_taint);
	assert_int_equal(rep.taint_baseline, 0);
	assert_int_equal(rep.probe_mode, HC_MODE_KPROBE);
	assert_int_equal(strlen(rep.sha256), 64);
	assert_string_equal(rep.r[0].name, "livepatch");
	assert_string_equal(rep.r[CHECK_KILLSWITCH - 1].name, "killswitch");
	assert_string_equal(check_status__name(CHECK_WARN), "warn");
	assert_string_equal(check_status__name(CHECK_FAIL), "fail");
}

/* ---- 1 ---------------------------------------------------------------------------------- */

static void test_1_livepatch(void **state)
{
	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "cmdline_proc_show", "");
	rmdir(at("sys/kernel/livepatch"));
	run();
	expect(CHECK_LIVEPATCH, CHECK_FAIL, "CONFIG_LIVEPATCH");
	assert_int_equal(checks__worst(&rep), CHECK_FAIL);
	mkdirs("sys/kernel/livepatch");
	put("proc/sys/kernel/ftrace_enabled", "0\n");
	run();
	expect(CHECK_LIVEPATCH, CHECK_FAIL, "ftrace_enabled=1");
}

/* ---- 2 ---------------------------------------------------------------------------------- */

static void test_2_not_livepatch(void **state)
{
	GEN_OR_SKIP(.no_livepatch = true);
	policy(klp_block(NULL), "cmdline_proc_show", "");
	run();
	expect(CHECK_MODULE, CHECK_FAIL, "livepatch=Y");
}

static void test_2_vermagic(void **state)
{
	GEN_OR_SKIP(.vermagic = "6.12.117+deb12-cloud-amd64 SMP preempt mod_unload modversions ");
	policy(klp_block(NULL), "cmdline_proc_show", "");
	run();
	expect(CHECK_MODULE, CHECK_FAIL, "built for kernel 6.12.117+deb12-cloud-amd64");
	assert_non_null(strstr(rep.r[1].reason, "rebuild"));
}

static void test_2_unreadable(void **state)
{
	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "cmdline_proc_show", "");
	unlink(at(MODULE_REL));
	run();
	expect(CHECK_MODULE, CHECK_FAIL, "cannot read");
	expect(CHECK_ARTIFACT, CHECK_FAIL, "cannot hash");
	assert_false(rep.have_mod);
}

static void test_2_target_objects(void **state)
{
	GEN_OR_SKIP(.target_module = true);
	policy(klp_block(NULL), "cmdline_proc_show", "");
	run();
	/* the kernel patches a module when it loads: not a refusal */
	expect(CHECK_MODULE, CHECK_PASS, "target module 'hc_target' is not loaded: patched when");
	put("sys/module/hc_target/refcnt", "0\n");
	run();
	expect(CHECK_MODULE, CHECK_PASS, "patches 2 functions in 2 objects");
}

static void test_2_functions_and_loaded(void **state)
{
	GEN_OR_SKIP(.func = "no_such_fn");
	policy(klp_block(NULL), "cmdline_proc_show", "");
	run();
	expect(CHECK_MODULE, CHECK_FAIL, "vmlinux:no_such_fn is not in");
	GEN_OR_SKIP(.func = "dup_fn");
	run();
	expect(CHECK_MODULE, CHECK_FAIL, "ambiguous");
	GEN_OR_SKIP(.func = "not_text");
	run();
	expect(CHECK_MODULE, CHECK_FAIL, "not_text is not in");
	GEN_OR_SKIP(0);
	put("sys/module/klp_test/refcnt", "1\n");
	run();
	expect(CHECK_MODULE, CHECK_FAIL, "already loaded");
}

static void test_2_exec(void **state)
{
	policy("  type: exec\n  apply: [true, load, fix.ko]\n  revert: [true, unload, fix]",
	       "cmdline_proc_show", "");
	run();
	expect(CHECK_MODULE, CHECK_PASS, "not applicable");
	expect(CHECK_ARTIFACT, CHECK_PASS, "policy, apply and revert programs owned");
	expect(CHECK_CONFLICT, CHECK_PASS, "not applicable");
	expect(CHECK_SIGNATURE, CHECK_PASS, "not applicable");
	/* unknown patched functions: the watched ones stand in */
	expect(CHECK_PROBES, CHECK_PASS, "kprobes");
	assert_int_equal(rep.probe_mode, HC_MODE_KPROBE);
}

/* ---- 3 ---------------------------------------------------------------------------------- */

static void test_3_sha256(void **state)
{
	uint8_t d[SHA256_DIGEST_LEN];
	char hex[65], extra[128];

	GEN_OR_SKIP(0);
	assert_int_equal(sha256__file(at(MODULE_REL), d), 0);
	snprintf(extra, sizeof(extra), "  sha256: %s\n", sha256__hex(d, hex));
	policy(klp_block(extra), "cmdline_proc_show", "");
	run();
	expect(CHECK_ARTIFACT, CHECK_PASS, "matches the pin");
	assert_string_equal(rep.sha256, hex);
	hex[0] = hex[0] == '0' ? '1' : '0';
	snprintf(extra, sizeof(extra), "  sha256: %s\n", hex);
	policy(klp_block(extra), "cmdline_proc_show", "");
	run();
	expect(CHECK_ARTIFACT, CHECK_FAIL, "the policy pins");
}

static void test_3_ownership(void **state)
{
	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "cmdline_proc_show", "");
	chmod(at(MODULE_REL), 0666);
	run();
	expect(CHECK_ARTIFACT, CHECK_FAIL, "chmod go-w");
	chmod(at(MODULE_REL), 0644);
	chmod(at("etc/policy.yaml"), 0620);
	run();
	expect(CHECK_ARTIFACT, CHECK_FAIL, "policy");
	chmod(at("etc/policy.yaml"), 0644);
	chmod(at("lib/hc"), 0777);
	run();
	expect(CHECK_ARTIFACT, CHECK_FAIL, "without the sticky bit");
	chmod(at("lib/hc"), 01777);
	run();
	expect(CHECK_ARTIFACT, CHECK_PASS, NULL);
	chmod(at("lib/hc"), 0755);
	sys.trusted_uid = getuid() + 4242;
	run();
	expect(CHECK_ARTIFACT, CHECK_FAIL, "chown");
}

/* an exec patch's programs: found in a fixed PATH, and under the trust rule, as when they run */
static void test_3_exec_programs(void **state)
{
	char block[PATH_MAX + 200];

	policy("  type: exec\n  apply: [hc-no-such-patcher, load]\n  revert: [true]",
	       "cmdline_proc_show", "");
	run();
	expect(CHECK_ARTIFACT, CHECK_FAIL, "patch.apply: no program 'hc-no-such-patcher' in /usr/");
	expect(CHECK_ARTIFACT, CHECK_FAIL, "give its full path in the policy");
	/* a patcher in a directory anyone can write: anyone could swap it */
	put("opt/patcher", "#!/bin/sh\n");
	chmod(at("opt/patcher"), 0755);
	chmod(at("opt"), 0777);
	snprintf(block, sizeof(block), "  type: exec\n  apply: [true]\n  revert: [%s]",
		 at("opt/patcher"));
	policy(block, "cmdline_proc_show", "");
	run();
	expect(CHECK_ARTIFACT, CHECK_FAIL, "patch.revert: the program '");
	expect(CHECK_ARTIFACT, CHECK_FAIL, "chmod go-w");
	chmod(at("opt"), 0755);
	run();
	expect(CHECK_ARTIFACT, CHECK_PASS, "apply and revert programs owned");
}

/* ---- 4 ---------------------------------------------------------------------------------- */

static void test_4_functions(void **state)
{
	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "cmdline_proc_show,vfs_read", "");
	run();
	expect(CHECK_FUNCTIONS, CHECK_PASS, "2 watched kernel functions");
	policy(klp_block(NULL), "cmdline_proc_show,no_such_fn", "");
	run();
	expect(CHECK_FUNCTIONS, CHECK_FAIL, "kernel:no_such_fn is not a function");
	policy(klp_block(NULL), "dup_fn", "");
	run();
	expect(CHECK_FUNCTIONS, CHECK_FAIL, "ambiguous: 2 functions");
	policy(klp_block(NULL), "notrace_fn", "");
	run();
	expect(CHECK_FUNCTIONS, CHECK_FAIL, "not traceable");
	/* a module's function: found in that module only */
	policy(klp_block(NULL), "hc_target:hc_target_fn", "");
	run();
	expect(CHECK_FUNCTIONS, CHECK_PASS, "1 watched kernel function");
	/* a module that is not loaded: watched when it loads, unless its name is taken */
	policy(klp_block(NULL), "other_mod:other_fn", "");
	run();
	expect(CHECK_FUNCTIONS, CHECK_PASS,
	       "kernel:other_mod:other_fn: module 'other_mod' is not loaded: watched when it loads");
	policy(klp_block(NULL), "cmdline_proc_show,other_mod:other_fn", "");
	run();
	expect(CHECK_FUNCTIONS, CHECK_PASS,
	       "is not loaded: watched when it loads, not judged until then; 1 other watched "
	       "kernel function in");
	policy(klp_block(NULL), "other_mod:hc_target_fn", "");
	run();
	expect(CHECK_FUNCTIONS, CHECK_FAIL,
	       "kernel:other_mod:hc_target_fn: module 'other_mod' is not loaded, and 1 function "
	       "elsewhere");
	/* loaded, without the function */
	mkdirs("sys/module/other_mod");
	policy(klp_block(NULL), "other_mod:other_fn", "");
	run();
	expect(CHECK_FUNCTIONS, CHECK_FAIL,
	       "kernel:other_mod:other_fn is not a function of module 'other_mod' in");
	expect(CHECK_FUNCTIONS, CHECK_FAIL, "which is loaded: correct the function");
	unlink(at("sys/kernel/tracing/available_filter_functions"));
	policy(klp_block(NULL), "cmdline_proc_show", "");
	run();
	expect(CHECK_FUNCTIONS, CHECK_FAIL, "mount -t tracefs");
}

/*
 * notrace_fn is not traceable: check 4 names what calls it, from the kernel text. Direct:
 * cmdline_proc_show; dup_fn also calls it, but its name is ambiguous, so the walk goes up to
 * vfs_read, which calls the first dup_fn.
 */
static void put_text(uint8_t *text, size_t at_off, uint8_t op, size_t to_off)
{
	int32_t rel = (int32_t)(to_off - (at_off + 5));

	text[at_off] = op;
	memcpy(text + at_off + 1, &rel, sizeof(rel));
}

static void test_4_callers(void **state)
{
	uint8_t text[0x500];

	GEN_OR_SKIP(0);
	memset(text, 0x90, sizeof(text));
	put_text(text, 0x010, 0xe8, 0x400); /* cmdline_proc_show: call notrace_fn */
	put_text(text, 0x120, 0xe8, 0x200); /* vfs_read: call dup_fn */
	put_text(text, 0x230, 0xe9, 0x400); /* dup_fn: jmp notrace_fn, a tail call */
	fake_kcore("proc/kcore", 0xffffffff81300000ull, text, sizeof(text));
	policy(klp_block(NULL), "notrace_fn", "");
	run();
	expect(CHECK_FUNCTIONS, CHECK_FAIL,
	       "watched kernel:notrace_fn is not traceable (not in " /* the filter's path */);
	expect(CHECK_FUNCTIONS, CHECK_FAIL,
	       "watch its nearest traceable callers instead: kernel:cmdline_proc_show, "
	       "kernel:vfs_read (2 calls up) (2 direct call sites in ");
	/* no caller at all */
	memset(text, 0x90, sizeof(text));
	fake_kcore("proc/kcore", 0xffffffff81300000ull, text, sizeof(text));
	run();
	expect(CHECK_FUNCTIONS, CHECK_FAIL, "no direct call of it in ");
	/* a non-root user sees kallsyms' addresses as zeros */
	put("proc/kallsyms", "0000000000000000 t cmdline_proc_show\n"
			     "0000000000000000 t notrace_fn\n");
	run();
	expect(CHECK_FUNCTIONS, CHECK_FAIL, "hides addresses (run as root)");
}

/* ---- 5 ---------------------------------------------------------------------------------- */

static void test_5_transition(void **state)
{
	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "vfs_read", "");
	put("sys/kernel/livepatch/klp_busy/enabled", "1\n");
	put("sys/kernel/livepatch/klp_busy/transition", "1\n");
	mkdirs("sys/kernel/livepatch/klp_busy/vmlinux/do_exit,1");
	put("proc/77/task/78/patch_state", "0\n");
	put("proc/77/task/78/comm", "kworker/stuck\n");
	run();
	expect(CHECK_TRANSITION, CHECK_FAIL, "'klp_busy' is in transition");
	expect(CHECK_TRANSITION, CHECK_FAIL, "1 task not switched yet, e.g. kworker/stuck");
	expect(CHECK_TRANSITION, CHECK_FAIL, "writing 0 to its enabled");
	put("sys/kernel/livepatch/klp_busy/transition", "0\n");
	run();
	expect(CHECK_TRANSITION, CHECK_PASS, NULL);
}

/* ---- 6 ---------------------------------------------------------------------------------- */

static void other_patch(const char *name, const char *replace)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "sys/kernel/livepatch/%s/enabled", name);
	put(rel, "1\n");
	snprintf(rel, sizeof(rel), "sys/kernel/livepatch/%s/transition", name);
	put(rel, "0\n");
	if (replace) {
		snprintf(rel, sizeof(rel), "sys/kernel/livepatch/%s/replace", name);
		put(rel, "%s\n", replace);
	}
	snprintf(rel, sizeof(rel), "sys/kernel/livepatch/%s/vmlinux/cmdline_proc_show,1", name);
	mkdirs(rel);
}

static void test_6_conflict(void **state)
{
	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "vfs_read", "");
	other_patch("klp_other", NULL); /* 6.1: no replace attribute */
	run();
	expect(CHECK_CONFLICT, CHECK_FAIL, "'klp_other' (no replace attribute before 6.11");
	expect(CHECK_CONFLICT, CHECK_FAIL, "vmlinux:cmdline_proc_show");
	put("sys/kernel/livepatch/klp_other/replace", "0\n");
	run();
	expect(CHECK_CONFLICT, CHECK_FAIL, "non-replace livepatch 'klp_other' already patches");
	/* meant to stack on it, as the kernel's shadow-fix2 sample on fix1 */
	policy(klp_block("  stacks_on: [klp_other]\n"), "vfs_read", "");
	run();
	expect(CHECK_CONFLICT, CHECK_PASS, "stacks on 1 enabled livepatch as patch.stacks_on says");
	policy(klp_block("  stacks_on: [klp-nope]\n"), "vfs_read", "");
	run();
	expect(CHECK_CONFLICT, CHECK_FAIL,
	       "patch.stacks_on names 'klp_nope', which is not an enabled livepatch");
	policy(klp_block(NULL), "vfs_read", "");
	/* an enabled replace patch is not a conflict */
	put("sys/kernel/livepatch/klp_other/replace", "1\n");
	run();
	expect(CHECK_CONFLICT, CHECK_PASS, "none of the 1 enabled livepatch (klp_other)");
	/* a patch of another function is not either */
	put("sys/kernel/livepatch/klp_other/replace", "0\n");
	rmdir(at("sys/kernel/livepatch/klp_other/vmlinux/cmdline_proc_show,1"));
	mkdirs("sys/kernel/livepatch/klp_other/vmlinux/vfs_read,1");
	run();
	expect(CHECK_CONFLICT, CHECK_PASS, NULL);
}

static void test_6_replace_module(void **state)
{
	GEN_OR_SKIP(.replace = true);
	policy(klp_block(NULL), "cmdline_proc_show", "");
	run();
	expect(CHECK_CONFLICT, CHECK_PASS, "replace patch; no livepatch is enabled");
	other_patch("klp_other", NULL);
	run();
	expect(CHECK_CONFLICT, CHECK_PASS, "disables the 1 enabled livepatch (klp_other)");
}

/* ---- 7 ---------------------------------------------------------------------------------- */

static void test_7_ftrace(void **state)
{
	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "cmdline_proc_show", "");
	/* a kprobe without post_handler: R only */
	put("sys/kernel/tracing/enabled_functions",
	    "cmdline_proc_show (1) R       \ttramp: 0xffffffffc0201000 "
	    "(kprobe_ftrace_handler+0x0/0x160) ->kprobe_ftrace_handler+0x0/0x160\n");
	run();
	expect(CHECK_FTRACE, CHECK_PASS, "no foreign IPMODIFY");
	/* IPMODIFY by someone else */
	put("sys/kernel/tracing/enabled_functions",
	    "vfs_read (1)    \n"
	    "cmdline_proc_show (1) R I     \ttramp: 0xffffffffc0201000 "
	    "(kprobe_ftrace_handler+0x0/0x160) ->kprobe_ftrace_handler+0x0/0x160\n");
	run();
	expect(CHECK_FTRACE, CHECK_FAIL, "cmdline_proc_show has a foreign IP-modifying");
	/* IPMODIFY by a livepatch (its handler on the line) is check 6's business */
	put("sys/kernel/tracing/enabled_functions",
	    "cmdline_proc_show (1) R I     \ttramp: 0xffffffffc0201000 "
	    "(klp_ftrace_handler+0x0/0x1c0) ->klp_ftrace_handler+0x0/0x1c0\n");
	run();
	expect(CHECK_FTRACE, CHECK_PASS, NULL);
	/* as 6.12 prints it, with the M(odified) flag */
	put("sys/kernel/tracing/enabled_functions",
	    "cmdline_proc_show (1)   I     M \ttramp: 0xffffffffc04d3000 "
	    "(klp_ftrace_handler+0x0/0x100) ->klp_ftrace_handler+0x0/0x100\n");
	run();
	expect(CHECK_FTRACE, CHECK_PASS, NULL);
	/* a function name after "->" is not a flag */
	put("sys/kernel/tracing/enabled_functions", "cmdline_proc_show (2) R       ->I D\n");
	run();
	expect(CHECK_FTRACE, CHECK_PASS, NULL);
	/* ... also when two users share the record and no handler is printed */
	put("sys/kernel/tracing/enabled_functions",
	    "cmdline_proc_show (2) R I   ->arch_ftrace_ops_list_func+0x0/0x1d0\n");
	run();
	expect(CHECK_FTRACE, CHECK_FAIL, "foreign");
	other_patch("klp_other", "1");
	run();
	expect(CHECK_FTRACE, CHECK_PASS, NULL);
	/* a BPF trampoline: a warning from 6.0 on */
	put("sys/kernel/tracing/enabled_functions",
	    "cmdline_proc_show (1)     D   \n\tdirect-->bpf_trampoline_6442501234+0x0/0xf1\n");
	run();
	expect(CHECK_FTRACE, CHECK_WARN, "56b3c85e153b");
	/* a module function of the same name is another function */
	put("sys/kernel/tracing/enabled_functions", "cmdline_proc_show [other_mod] (1) R I     \n");
	run();
	expect(CHECK_FTRACE, CHECK_PASS, NULL);
	unlink(at("sys/kernel/tracing/enabled_functions"));
	run();
	expect(CHECK_FTRACE, CHECK_WARN, "cannot read");
}

static void test_7_direct_before_6_0(void **state)
{
	GEN_OR_SKIP(.vermagic = "5.15.0-1-amd64 SMP mod_unload ");
	policy(klp_block(NULL), "cmdline_proc_show", "");
	put("proc/sys/kernel/osrelease", "5.15.0-1-amd64\n");
	put("sys/kernel/tracing/enabled_functions", "cmdline_proc_show (1)     D \n");
	run();
	expect(CHECK_FTRACE, CHECK_FAIL, "before 6.0");
}

/* ---- 8 ---------------------------------------------------------------------------------- */

static void test_8_probes(void **state)
{
	GEN_OR_SKIP(0);
	/* a watched function the patch does not touch: the monitor's usual choice */
	policy(klp_block(NULL), "vfs_read", "");
	run();
	expect(CHECK_PROBES, CHECK_PASS, "probe mode auto");
	assert_int_equal(rep.probe_mode, HC_MODE_AUTO);
	/* a patched one: kprobes */
	policy(klp_block(NULL), "vfs_read,cmdline_proc_show", "");
	run();
	expect(CHECK_PROBES, CHECK_PASS,
	       "kprobes on the 1 patched watched function "
	       "(cmdline_proc_show)");
	assert_int_equal(rep.probe_mode, HC_MODE_KPROBE);
	/* on the kprobe blacklist: fentry, with a warning, on 6.0+ */
	put("sys/kernel/debug/kprobes/blacklist",
	    "0xffffffff81300000-0xffffffff81300080\tcmdline_proc_show\n");
	run();
	expect(CHECK_PROBES, CHECK_WARN, "kprobe blacklist");
	assert_int_equal(rep.probe_mode, HC_MODE_FENTRY);
	/* no kprobes at all */
	unlink(at("sys/kernel/debug/kprobes/blacklist"));
	unlink(at("sys/kernel/tracing/kprobe_events"));
	run();
	expect(CHECK_PROBES, CHECK_WARN, "no kprobes");
	assert_int_equal(rep.probe_mode, HC_MODE_FENTRY);
	/* and before 6.0 nothing is safe */
	put("proc/sys/kernel/osrelease", "5.15.0-1-amd64\n");
	run();
	expect(CHECK_PROBES, CHECK_FAIL, "before 6.0");
	/* the kprobe PMU counts as kprobes */
	put("sys/bus/event_source/devices/kprobe/type", "6\n");
	run();
	expect(CHECK_PROBES, CHECK_PASS, NULL);
	assert_int_equal(rep.probe_mode, HC_MODE_KPROBE);
}

/* ---- 9 ---------------------------------------------------------------------------------- */

static void test_9_signature(void **state)
{
	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "cmdline_proc_show", "");
	run();
	expect(CHECK_SIGNATURE, CHECK_PASS, "unsigned, which this kernel allows");
	put("sys/module/module/parameters/sig_enforce", "Y\n");
	run();
	expect(CHECK_SIGNATURE, CHECK_FAIL, "sign-file");
	expect(CHECK_SIGNATURE, CHECK_FAIL, "module.sig_enforce=Y");
	put("sys/module/module/parameters/sig_enforce", "N\n");
	put("sys/kernel/security/lockdown", "none [integrity] confidentiality\n");
	run();
	expect(CHECK_SIGNATURE, CHECK_FAIL, "lockdown integrity");
	GEN_OR_SKIP(.sign = true);
	run();
	expect(CHECK_SIGNATURE, CHECK_PASS, "PKCS#7 signature, 64 bytes");
}

/* ---- 10 --------------------------------------------------------------------------------- */

static void test_10_taint(void **state)
{
	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "cmdline_proc_show", "");
	put("proc/sys/kernel/tainted", "%lu\n", (1UL << 12) | (1UL << 13) | (1UL << 15));
	run();
	expect(CHECK_TAINT, CHECK_PASS, "baseline 45056 (OEK)");
	assert_true(rep.have_taint);
	assert_int_equal(rep.taint_baseline, 45056);
	put("proc/sys/kernel/tainted", "%lu\n", (1UL << 7) | (1UL << 9));
	run();
	expect(CHECK_TAINT, CHECK_FAIL, "allow_tainted_die");
	assert_int_equal(rep.taint_baseline, 640); /* recorded all the same */
	policy(klp_block(NULL), "cmdline_proc_show", "  allow_tainted_die: true");
	run();
	expect(CHECK_TAINT, CHECK_WARN, "(DW)");
	unlink(at("proc/sys/kernel/tainted"));
	run();
	expect(CHECK_TAINT, CHECK_WARN, "no taint baseline");
	assert_false(rep.have_taint);
}

/* ---- 11 --------------------------------------------------------------------------------- */

static void test_11_forced(void **state)
{
	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "cmdline_proc_show", "");
	put("dev/kmsg", "4,9,900,-;livepatch: forcing remaining tasks to the patched state\n");
	run();
	expect(CHECK_FORCED, CHECK_FAIL, "reboot");
	put("dev/kmsg", "6,1,100,-;nothing\n");
	put("sys/module/klp_old/taint", "OEK\n");
	put("sys/module/klp_old/refcnt", "1\n");
	run();
	expect(CHECK_FORCED, CHECK_FAIL, "klp_old");
	put("sys/module/klp_old/refcnt", "0\n");
	run();
	expect(CHECK_FORCED, CHECK_PASS, NULL);
}

/* ---- 12 --------------------------------------------------------------------------------- */

static void test_12_killswitch(void **state)
{
	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "cmdline_proc_show", "");
	put("proc/cmdline", "console=ttyS0 hotcanary.disable=1 quiet\n");
	run();
	expect(CHECK_KILLSWITCH, CHECK_FAIL, "hotcanary.disable=1");
	put("proc/cmdline", "hotcanary.disable=1\n");
	run();
	expect(CHECK_KILLSWITCH, CHECK_FAIL, "hotcanary.disable=1");
	put("proc/cmdline", "hotcanary.disable=10 xhotcanary.disable=1 hotcanary.disable=0\n");
	run();
	expect(CHECK_KILLSWITCH, CHECK_PASS, NULL);
	put("etc/hotcanary/disable", "%s", "");
	run();
	expect(CHECK_KILLSWITCH, CHECK_FAIL, "/etc/hotcanary/disable exists");
}

/* ---- 13 --------------------------------------------------------------------------------- */

#define PREV_REL "lib/hc/prev.ko"

static void gen_prev(const struct genmod *g)
{
	if (!gen_module(PREV_REL, g))
		skip();
}

/* 6.1 shows no replace attribute: the enabled patch's module file, when named, says it */
static void test_6_replace_from_file(void **state)
{
	char extra[512];

	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "vfs_read", "");
	other_patch("klp_other", NULL);
	run();
	expect(CHECK_CONFLICT, CHECK_FAIL, "no module file at hand: taken as non-replace");
	gen_prev(&(struct genmod){ .name = "klp_other", .replace = true });
	snprintf(extra, sizeof(extra), "  restore: [%s]\n", at(PREV_REL));
	policy(klp_block(extra), "vfs_read", "");
	run();
	expect(CHECK_CONFLICT, CHECK_PASS, "none of the 1 enabled livepatch (klp_other)");
	/* its file says non-replace: a conflict, and no guess about it */
	gen_prev(&(struct genmod){ .name = "klp_other" });
	run();
	expect(CHECK_CONFLICT, CHECK_FAIL, "livepatch 'klp_other' already patches");
	assert_null(strstr(rep.r[CHECK_CONFLICT - 1].reason, "taken as non-replace"));
}

static void test_13_restore(void **state)
{
	char extra[512];

	GEN_OR_SKIP(.replace = true);
	gen_prev(&(struct genmod){ .name = "klp_other", .replace = true });
	policy(klp_block(NULL), "cmdline_proc_show", "");
	run();
	expect(CHECK_RESTORE, CHECK_PASS, "no other livepatch is enabled");
	/* a replace patch over an enabled one nobody can load again: refused */
	other_patch("klp_other", "1");
	run();
	expect(CHECK_RESTORE, CHECK_FAIL,
	       "'klp_test' replaces the enabled livepatch 'klp_other', and no module");
	expect(CHECK_RESTORE, CHECK_FAIL, "patch.restore: none");
	assert_false(rep.have_restore);
	/* named in patch.restore: restored, atomically (it is cumulative) */
	snprintf(extra, sizeof(extra), "  restore: [%s]\n", at(PREV_REL));
	policy(klp_block(extra), "cmdline_proc_show", "");
	run();
	expect(CHECK_RESTORE, CHECK_PASS, "replaces it atomically");
	assert_true(rep.have_restore);
	assert_string_equal(rep.restore.name, "klp_other");
	assert_string_equal(rep.restore.path, at(PREV_REL));
	assert_true(rep.restore.replace);
	assert_false(rep.restore.disable_first);
	/* loaded again with the parameters it has now, in /sys/module (one with a blank quoted) */
	put("sys/module/klp_other/parameters/replace", "1\n");
	put("sys/module/klp_other/parameters/label", "a b\n");
	run();
	expect(CHECK_RESTORE, CHECK_PASS,
	       "'klp_other' is loaded again with the parameters it has: label=\"a b\" replace=1");
	/* a value finit_module cannot take back: refused up front, not failed at rollback */
	put("sys/module/klp_other/parameters/label", "say \"hi\"\n");
	run();
	expect(CHECK_RESTORE, CHECK_FAIL, "the parameters of 'klp_other' cannot be given back");
	unlink(at("sys/module/klp_other/parameters/label"));
	unlink(at("sys/module/klp_other/parameters/replace"));
	/* another build of it (other functions) is not a source */
	gen_prev(&(struct genmod){ .name = "klp_other", .func = "vfs_read" });
	run();
	expect(CHECK_RESTORE, CHECK_FAIL, "is another build of 'klp_other'");
	/* the copy a run kept in the state directory is */
	gen_prev(&(struct genmod){ .name = "klp_other" });
	mkdirs("var/lib/hotcanary/modules");
	assert_int_equal(rename(at(PREV_REL), at("var/lib/hotcanary/modules/klp_other.ko")), 0);
	snprintf(sys.moddir, sizeof(sys.moddir), "/var/lib/hotcanary/modules");
	put("sys/kernel/livepatch/klp_other/replace", "0\n");
	policy(klp_block(NULL), "cmdline_proc_show", "");
	run();
	expect(CHECK_RESTORE, CHECK_PASS, "stacks on it, then disables it");
	assert_false(rep.restore.replace);
	/* two patches to restore in their order: refused */
	other_patch("klp_third", "0");
	run();
	expect(CHECK_RESTORE, CHECK_FAIL, "the 2 enabled livepatches ('klp_other', 'klp_third')");
	/* ... unless the loss is accepted in writing */
	policy(klp_block("  restore: none\n"), "cmdline_proc_show", "");
	run();
	expect(CHECK_RESTORE, CHECK_WARN, "patch.restore: none accepts");
	sys.moddir[0] = '\0';
}

static void test_13_not_replace(void **state)
{
	char extra[512];

	GEN_OR_SKIP(0);
	policy(klp_block(NULL), "cmdline_proc_show", "");
	other_patch("klp_other", "0");
	run();
	/* its init could still set replace (test_klp_atomic_replace does): warned */
	expect(CHECK_RESTORE, CHECK_WARN, "it stacks on 'klp_other'; should its init function");
	assert_false(rep.have_restore);
	/* with the module at hand, the restore is planned in case */
	gen_prev(&(struct genmod){ .name = "klp_other" });
	snprintf(extra, sizeof(extra), "  restore: [%s]\n", at(PREV_REL));
	policy(klp_block(extra), "cmdline_proc_show", "");
	run();
	expect(CHECK_RESTORE, CHECK_PASS, "if its init makes it one, a rollback loads");
	assert_true(rep.have_restore);
	assert_false(rep.restore.replace);
	/* patch.restore: none says it is not wanted */
	policy(klp_block("  restore: none\n"), "cmdline_proc_show", "");
	run();
	expect(CHECK_RESTORE, CHECK_PASS, "a rollback disables and unloads it alone");
	assert_false(rep.have_restore);
}

static void test_13_states(void **state)
{
	char extra[512];

	snprintf(extra, sizeof(extra), "  restore: [%s]\n", at(PREV_REL));
	other_patch("klp_other", "1");
	/* a downgrade: the kernel refuses an older klp_state version */
	GEN_OR_SKIP(.replace = true, .state = 1);
	gen_prev(&(struct genmod){ .name = "klp_other", .replace = true, .state = 2 });
	policy(klp_block(extra), "cmdline_proc_show", "");
	run();
	expect(CHECK_RESTORE, CHECK_FAIL,
	       "the kernel would refuse it: 'klp_test' has klp_state 1 version 1, older than "
	       "version 2 of 'klp_other'");
	/* a cumulative patch must carry every state */
	GEN_OR_SKIP(.replace = true);
	run();
	expect(CHECK_RESTORE, CHECK_FAIL, "lacks klp_state 1 of 'klp_other'");
	/* an upgrade: allowed, and the previous version can only come back after it */
	GEN_OR_SKIP(.replace = true, .state = 3);
	run();
	expect(CHECK_RESTORE, CHECK_PASS, "a rollback disables and unloads it first");
	assert_true(rep.restore.disable_first);
	/* the same version: the previous patch takes over atomically */
	GEN_OR_SKIP(.replace = true, .state = 2);
	run();
	expect(CHECK_RESTORE, CHECK_PASS, "replaces it atomically");
	assert_false(rep.restore.disable_first);
	assert_int_equal(rep.mod.nr_states, 1);
	assert_int_equal(rep.mod.states[0].id, 1);
	assert_int_equal(rep.mod.states[0].version, 2);
}

static void test_2_params(void **state)
{
	GEN_OR_SKIP(.param = true);
	policy(klp_block("  params:\n    block_transition: Y\n"), "cmdline_proc_show", "");
	assert_string_equal(pol->patch.klp.params, "block_transition=Y");
	run();
	expect(CHECK_MODULE, CHECK_PASS, "livepatch=Y");
	policy(klp_block("  params: {block_transition: Y, delay: 'a b'}\n"), "cmdline_proc_show",
	       "");
	assert_string_equal(pol->patch.klp.params, "block_transition=Y delay=\"a b\"");
	run();
	expect(CHECK_MODULE, CHECK_FAIL,
	       "patch.params: 'delay' is not a parameter of 'klp_test' (it takes: "
	       "block_transition)");
	assert_int_equal(rep.mod.nr_params, 1);
}

static void test_ulp_refused(void **state)
{
	struct hc_policy p;

	memset(&p, 0, sizeof(p));
	p.patch.type = HC_PATCH_ULP;
	assert_int_equal(checks__run(&p, &sys, &rep), -EINVAL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_all_pass),
		T(test_1_livepatch),
		T(test_2_not_livepatch),
		T(test_2_vermagic),
		T(test_2_unreadable),
		T(test_2_target_objects),
		T(test_2_functions_and_loaded),
		T(test_2_exec),
		T(test_3_sha256),
		T(test_3_ownership),
		T(test_3_exec_programs),
		T(test_4_functions),
		T(test_4_callers),
		T(test_5_transition),
		T(test_6_conflict),
		T(test_6_replace_from_file),
		T(test_6_replace_module),
		T(test_7_ftrace),
		T(test_7_direct_before_6_0),
		T(test_8_probes),
		T(test_9_signature),
		T(test_10_taint),
		T(test_11_forced),
		T(test_12_killswitch),
		T(test_13_restore),
		T(test_13_not_replace),
		T(test_13_states),
		T(test_2_params),
		T(test_ulp_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
