/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The compatibility checks of "hotcanary check POLICY" (README, "Canarying a patch"). They
 * read the system (through struct klp_sys, so they run on a fake tree in the unit tests) and
 * change nothing. Each check gives PASS, WARN or FAIL with a one-line reason that names the
 * file or function it looked at and, on FAIL, the remedy. Run them before the monitor is
 * attached: check 7 would otherwise see hotcanary's own probes.
 *
 *  1 livepatch   /sys/kernel/livepatch is a directory (CONFIG_LIVEPATCH) and
 *                /proc/sys/kernel/ftrace_enabled is not 0 (a livepatch cannot load then).
 *  2 module      the .ko's .modinfo: livepatch=Y; vermagic fits the running kernel
 *                (klp__vermagic_match(): release == uname -r, the other words as an in-tree
 *                module's or as /proc/sys/kernel/version implies); no module of the same name
 *                is loaded already; every target object is vmlinux or a loaded module
 *                (/sys/module/OBJ); every patched function is in /proc/kallsyms for its object,
 *                unambiguous or with a valid old_sympos (else klp_enable_patch() fails). WARN
 *                when the patched objects or functions cannot be found in the file.
 *  3 artifact    the sha256 pin (patch.sha256) matches the module; the policy file, the module
 *                and patch.replaces are owned by sys->trusted_uid (root) and not group- or
 *                world-writable, nor are their directories (unless sticky).
 *  4 functions   every watched kernel:NAME is exactly one text symbol in /proc/kallsyms (the
 *                monitor probes by name, so an ambiguous name is refused: FUNC specs have no
 *                sympos) and is in tracefs available_filter_functions. user: functions are
 *                checked by the monitor when it resolves them. A kernel:MODULE:NAME of a module
 *                that is not loaded passes with a note (the run probes it when the module
 *                loads), unless another function in kallsyms has its name.
 *  5 transition  no /sys/kernel/livepatch/<p>/transition reads 1 (with the number of tasks that
 *                block it, from /proc/<pid>/task/<tid>/patch_state).
 *  6 conflict    no enabled non-replace patch already patches one of the module's functions
 *                (/sys/kernel/livepatch/<p>/<obj>/<func,sympos>). Before 6.11 there is no
 *                "replace" attribute, so every enabled patch counts as non-replace. A module
 *                that is itself a replace patch conflicts with nothing (WARN: it replaces the
 *                enabled patches). When the module's functions are unknown, the watched kernel
 *                functions stand in for them (WARN).
 *  7 ftrace      tracefs enabled_functions has, on the patched functions (else the watched
 *                ones), no foreign IPMODIFY user ("I": a kprobe with a post_handler,
 *                fail_function, another tool; livepatch's own, on functions that an enabled
 *                patch patches or whose line names klp_ftrace_handler, is check 6's business)
 *                and no BPF direct trampoline ("D") before 6.0; on 6.0+ "D" is a WARN.
 *                "R" (save regs: kprobes, function tracer) is harmless.
 *  8 probes      the probe mode for the watched functions the patch touches (all watched kernel
 *                functions when the patched ones are unknown), returned in probe_mode:
 *                 - none touched: HC_MODE_AUTO (the monitor picks fentry or kprobe);
 *                 - else HC_MODE_KPROBE when the kernel has kprobes and no touched function
 *                   is on the kprobe blacklist. Entry kprobes without a post_handler
 *                   coexist with livepatch (selftest test-kprobe.sh), on every version.
 *                   fentry/fexit share a function with a livepatch only from v6.0 (Song Liu,
 *                   "ftrace: Allow IPMODIFY and DIRECT ops on the same function",
 *                   53cd885bc5c3, and "bpf: Support bpf_trampoline on functions with
 *                   IPMODIFY"); before that one of the two gets -EBUSY. Even on 6.0+, fexit
 *                   on a livepatched function fails on 6.6+ kernels without "ftrace: Fix BPF
 *                   fexit with livepatch" (56b3c85e153b, late 2025), and on x86 before v6.19
 *                   a BPF trampoline frame on a sleeping task's stack makes it unreliable
 *                   (fixed by 01bc3b6db18d), which stalls the transition. Exit probes are
 *                   return hooks that keep the function busy while a task sleeps in it: the
 *                   command layer may attach them only after the transition.
 *                 - no kprobes (or blacklisted) on 6.0+: HC_MODE_FENTRY with a WARN; before
 *                   6.0: FAIL, there is no safe mode.
 *                fmod_ret and bpf_override_return are never used (the monitor has neither).
 *  9 signature   module.sig_enforce=Y or lockdown integrity/confidentiality
 *                (/sys/kernel/security/lockdown) with an unsigned module: FAIL, with the
 *                remedy. A signature is only seen, not verified: the kernel does that.
 * 10 taint       /proc/sys/kernel/tainted is recorded as taint_baseline; bit 7 (D, the kernel
 *                died: oops/BUG) is a FAIL unless guardrails.allow_tainted_die (then WARN).
 * 11 forced      no evidence of a forced transition on this boot (klp__forced()).
 * 12 killswitch  /proc/cmdline has no hotcanary.disable=1 and /etc/hotcanary/disable is absent.
 *
 * For a patch type without a module of ours (exec) the module checks (2, 6, 9 and the pin of 3)
 * pass as "not applicable"; a type the kernel checks do not apply to (ulp) is refused (-EINVAL).
 */
#ifndef HC_CHECKS_H
#define HC_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include "klp.h"
#include "monitor.h"
#include "policy.h"

enum check_status {
	CHECK_PASS,
	CHECK_WARN,
	CHECK_FAIL,
};

enum check_id {
	CHECK_LIVEPATCH = 1,
	CHECK_MODULE,
	CHECK_ARTIFACT,
	CHECK_FUNCTIONS,
	CHECK_TRANSITION,
	CHECK_CONFLICT,
	CHECK_FTRACE,
	CHECK_PROBES,
	CHECK_SIGNATURE,
	CHECK_TAINT,
	CHECK_FORCED,
	CHECK_KILLSWITCH,
	CHECK_RESTORE,
};

#define CHECK_NR 13

struct check_result {
	enum check_id id;
	const char *name;  /* one word, stable: "livepatch", "module", ... */
	const char *title; /* "livepatch is supported", ... */
	enum check_status status;
	char reason[1024]; /* one line */
};

/*
 * The livepatch a load replaces (atomic replace drops every enabled patch), and how a
 * rollback brings it back (check 13). At most one: a rollback that had to rebuild a stack
 * of several patches in their order is refused up front instead.
 */
struct klp_restore {
	char name[KLP_NAME_MAX];
	char path[PATH_MAX]; /* its module file */
	bool replace;	     /* it is cumulative: loading it replaces ours atomically */
	/*
	 * Ours holds a newer version of one of its klp_states, and the kernel refuses to
	 * enable an older one over it: ours is disabled (its callbacks undo the state) and
	 * unloaded first, then it is loaded, a short window without either patch.
	 */
	bool disable_first;
};

struct checks_report {
	struct check_result r[CHECK_NR]; /* r[i].id == i + 1, in order */
	/* what the later lifecycle needs */
	struct klp_kernel kernel;
	struct klp_mod mod; /* valid when have_mod; freed by checks__free() */
	bool have_mod;
	char mod_err[512]; /* why the module could not be read (check 2) */
	bool have_taint;
	unsigned long taint_baseline;  /* check 10 */
	enum hc_probe_mode probe_mode; /* check 8 */
	char sha256[65];	       /* of the module, hex; "" when not computed */
	struct klp_restore restore;    /* check 13, valid when have_restore */
	bool have_restore;
};

/*
 * Run every check for policy @p on the system @sys into @rep. Returns 0 when the checks ran
 * (whatever they found: see checks__worst()), -EINVAL for a ulp policy, -ENOMEM. Call
 * checks__free() after either.
 */
int checks__run(const struct hc_policy *p, const struct klp_sys *sys, struct checks_report *rep);
void checks__free(struct checks_report *rep);
/* the worst status of the report: FAIL means refuse (exit code 4) */
enum check_status checks__worst(const struct checks_report *rep);
/* "pass", "warn", "fail" */
const char *check_status__name(enum check_status s);

#endif
