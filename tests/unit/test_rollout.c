// SPDX-License-Identifier: GPL-2.0
/*
 * user/rollout.c driven window by window: a scripted sample source on a virtual clock plays
 * each function's calls and the guardrail events, and a patch driver records what the
 * rollout asks of it. Stage progression, hold/extend/commit/rollback on an inconclusive stage
 * and hold/commit/rollback on one without calls, a
 * guardrail mid-stage, the operator's stop, per-process stages, the journal's steps in
 * order (the real exec driver) and a failure at each step.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rng.h"
#include "hist.h"
#include "journal.h"
#include "patch/patch.h"
#include "policy.h"
#include "rollout.h"
#include "source.h"

#define SEC	   1000000000ULL
#define MAX_FUNCS  16
#define MAX_EVENTS 8

/* what a function does in one window */
struct load {
	unsigned int calls;
	double median_ns; /* log-normal latency */
	double err_rate;
};

static const struct load base_load = { 1000, 50000, 0.01 };
static const struct load slow_load = { 1000, 150000, 0.01 };
/* 8% slower: within 1.10, too close to it for a few windows to show */
static const struct load near_load = { 1000, 54000, 0.01 };
static const struct load idle_load = { 0, 50000, 0 };

enum script_event {
	EV_KERNEL_WARN,
	EV_STOP,
	EV_PROC_EXIT,
	EV_FATAL,  /* a process of the host dies of SIGSEGV */
	EV_EXIT_0, /* a process of the rollout exits with status 0, as on a reload */
	EV_EXIT_1, /* ... with status 1 */
};

/* ---- the scripted source ---------------------------------------------------------------- */

/* before sample .at (0, 1, ...), the load of every module's function becomes .load */
struct mod_event {
	unsigned int at;
	uint64_t load;
};

struct script {
	struct source src;
	uint64_t now;
	struct source_events ev;
	bool started;
	size_t nr;
	char names[MAX_FUNCS][64];
	bool attached[MAX_FUNCS];
	bool deferred[MAX_FUNCS]; /* a patch library's function: the new code */
	bool unmapped[MAX_FUNCS]; /* ... attached from the start (MONITOR_UNMAPPED) */
	/*
	 * the processes of proc_ops that are patched: a probe on the new code sees calls only
	 * in those, one on the old code only in the others, unless the jump keeps the old
	 * entry (entry_kept), which every process then calls
	 */
	bool proc_on[4];
	bool entry_kept;
	/* a module's function: the load of its module (0: not loaded) */
	bool module[MAX_FUNCS];
	uint64_t load[MAX_FUNCS];
	const struct mod_event *mod_events; /* ends with .at 0 */
	int attach_err;			    /* a module function's attach fails so */
	/* the code under the patch, while it is in (whole-host) or in the library (per process) */
	const struct load *base, *patched_load;
	bool patched; /* whole-host: set by the patch driver */
	unsigned int samples;
	/* called before each sample: the test changes the loads or queues events */
	void (*hook)(struct script *s);
	struct {
		uint64_t at;
		enum script_event kind;
		size_t proc;
	} events[MAX_EVENTS];
	size_t nr_events;
	int start_err;
};

static struct script *script_of(const struct source *s)
{
	return (struct script *)s;
}

/* attach_func() and detach_func() calls since run_setup() */
static unsigned int attach_changes;

static int sc_add(struct source *src, const struct hc_funcspec *spec, int err_mode,
		  unsigned int flags, char *err, size_t len)
{
	struct script *s = script_of(src);

	assert_false(s->started);
	if (s->nr == MAX_FUNCS) {
		snprintf(err, len, "too many functions for the script");
		return -E2BIG;
	}
	snprintf(s->names[s->nr], sizeof(s->names[0]), "%s", spec->text);
	s->deferred[s->nr] = flags & MONITOR_DEFERRED;
	s->unmapped[s->nr] = flags & MONITOR_UNMAPPED;
	s->module[s->nr] = spec->kind == HC_FUNC_KERNEL && spec->path;
	s->nr++;
	return 0;
}

static int sc_start(struct source *src, const struct source_events *ev, const pid_t *pids, size_t n,
		    char *err, size_t len)
{
	struct script *s = script_of(src);
	size_t i;

	if (s->start_err) {
		snprintf(err, len, "the script refuses to start");
		return s->start_err;
	}
	s->ev = *ev;
	s->started = true;
	for (i = 0; i < s->nr; i++)
		s->attached[i] = !s->deferred[i];
	return 0;
}

static size_t sc_func_cnt(const struct source *src)
{
	return script_of(src)->nr;
}

static const char *sc_func_name(const struct source *src, size_t i)
{
	return script_of(src)->names[i];
}

static const char *sc_mode_name(const struct source *src)
{
	return "script";
}

static uint64_t sc_now(const struct source *src)
{
	return script_of(src)->now;
}

static void deliver(struct script *s, size_t k)
{
	struct guard_event ge = {
		.kind = GUARD_KERNEL_LOG,
		.log_class = "warning",
		.log_text = "WARNING: at f+0x1",
	};

	switch (s->events[k].kind) {
	case EV_KERNEL_WARN:
		s->ev.guard(&ge, s->ev.ctx);
		break;
	case EV_STOP:
		s->ev.stop(SIGTERM, s->ev.ctx);
		break;
	case EV_PROC_EXIT:
		s->ev.proc_exit(s->events[k].proc, s->ev.ctx);
		break;
	case EV_EXIT_0:
	case EV_EXIT_1: {
		/* the kernel's exit event first, then the pidfd: as the BPF source delivers them */
		struct hc_event be = { .pid = 101 + (uint32_t)s->events[k].proc,
				       .code = (s->events[k].kind == EV_EXIT_1) << 8,
				       .comm = "worker" };

		ge.kind = GUARD_EXIT;
		ge.bpf = &be;
		s->ev.guard(&ge, s->ev.ctx);
		s->ev.proc_exit(s->events[k].proc, s->ev.ctx);
		break;
	}
	case EV_FATAL: {
		struct hc_event be = { .pid = 5000 + (uint32_t)s->events[k].proc,
				       .sig = SIGSEGV,
				       .comm = "worker" };

		ge.kind = GUARD_FATAL_EXIT;
		ge.bpf = &be;
		s->ev.guard(&ge, s->ev.ctx);
		break;
	}
	}
	memmove(&s->events[k], &s->events[k + 1], (s->nr_events - k - 1) * sizeof(s->events[0]));
	s->nr_events--;
}

static void sc_poll(struct source *src)
{
	struct script *s = script_of(src);
	size_t k = 0;

	while (k < s->nr_events) {
		if (s->events[k].at <= s->now)
			deliver(s, k);
		else
			k++;
	}
}

/* time jumps to the next event or to @until */
static void sc_wait(struct source *src, uint64_t until)
{
	struct script *s = script_of(src);
	size_t k;

	for (k = 0; k < s->nr_events; k++)
		if (s->events[k].at < until)
			until = s->events[k].at > s->now ? s->events[k].at : s->now;
	if (until > s->now)
		s->now = until;
	sc_poll(src);
}

static void make_window(struct hc_snapshot *w, const struct load *l)
{
	unsigned int i;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < l->calls; i++) {
		double ns = l->median_ns * exp(0.3 * rng_normal());

		w->calls++;
		w->errors += rng_unit() < l->err_rate;
		w->sum_ns += (uint64_t)ns;
		w->hist[hc_hist_bucket((uint64_t)ns)]++;
		if ((uint64_t)ns > w->max_ns)
			w->max_ns = (uint64_t)ns;
	}
}

static int sc_sample(struct source *src, struct hc_snapshot *delta)
{
	struct script *s = script_of(src);
	const struct mod_event *e;
	size_t i;

	if (s->hook)
		s->hook(s);
	for (e = s->mod_events; e && e->at; e++)
		for (i = 0; e->at == s->samples && i < s->nr; i++)
			if (s->module[i])
				s->load[i] = e->load;
	s->samples++;
	for (i = 0; i < s->nr; i++) {
		bool library = (s->deferred[i] || s->unmapped[i]) && !s->module[i];
		/* a module that went takes its calls with it, probes or not */
		bool busy = s->attached[i] && (!s->module[i] || s->load[i]);
		const char *at = strrchr(s->names[i], '@');
		int p = at ? atoi(at + 1) - 101 : -1;
		bool on = p >= 0 && p < 4 && s->proc_on[p];

		if (p >= 0 && p < 4)
			busy = busy && (library ? on : !on || s->entry_kept);
		make_window(&delta[i], !busy			   ? &idle_load :
				       library || s->patched || on ? s->patched_load :
								     s->base);
	}
	return 0;
}

static int sc_attach_func(struct source *src, size_t i, char *err, size_t len)
{
	struct script *s = script_of(src);

	if (s->module[i] && s->attach_err) {
		snprintf(err, len, "cannot attach probes to '%s': refused by the test",
			 s->names[i]);
		return s->attach_err;
	}
	s->attached[i] = true;
	attach_changes++;
	return 0;
}

static void sc_detach_func(struct source *src, size_t i)
{
	script_of(src)->attached[i] = false;
	attach_changes++;
}

static uint64_t sc_loaded(const struct source *src, size_t i)
{
	const struct script *s = script_of(src);

	return s->module[i] ? s->load[i] : 1;
}

static const char *sc_func_mode(const struct source *src, size_t i)
{
	return "kprobe";
}

static void sc_free(struct source *src)
{
}

static const struct source_ops script_ops = {
	.add = sc_add,
	.start = sc_start,
	.func_cnt = sc_func_cnt,
	.func_name = sc_func_name,
	.mode_name = sc_mode_name,
	.now = sc_now,
	.poll = sc_poll,
	.wait = sc_wait,
	.sample = sc_sample,
	.attach_func = sc_attach_func,
	.detach_func = sc_detach_func,
	.loaded = sc_loaded,
	.func_mode = sc_func_mode,
	.free = sc_free,
};

static void script_init(struct script *s, const struct load *patched_load)
{
	memset(s, 0, sizeof(*s));
	s->src.ops = &script_ops;
	s->now = 1000 * SEC;
	s->base = &base_load;
	s->patched_load = patched_load;
	rng_seed(42);
}

static void script_event(struct script *s, uint64_t in_ns, enum script_event kind, size_t proc)
{
	assert_true(s->nr_events < MAX_EVENTS);
	s->events[s->nr_events].at = s->now + in_ns;
	s->events[s->nr_events].kind = kind;
	s->events[s->nr_events].proc = proc;
	s->nr_events++;
}

/* ---- a patch driver that logs what it is asked ------------------------------------------- */

/* every call of the drivers below, in order: "load revert ", "patch:0 revert:0 " */
static char calls[512];
/* the driver step that fails ("load", "revert", "patch:1", ...), or "" */
static const char *fail_step = "";
static int fail_errno = -EIO;
static struct script *cur;

static int logged(const char *step)
{
	snprintf(calls + strlen(calls), sizeof(calls) - strlen(calls), "%s ", step);
	return strcmp(step, fail_step) ? 0 : fail_errno;
}

static int fake_load(struct patch *p, char *err, size_t len)
{
	int ret = logged("load");

	if (ret)
		snprintf(err, len, "load refused by the test");
	else
		cur->patched = true;
	return ret;
}

/* a livepatch's transition: the driver takes its patch out itself when it fails */
static int fake_wait(struct patch *p, char *err, size_t len)
{
	int ret = logged("wait");

	if (ret) {
		snprintf(err, len, "transition refused by the test; reversed");
		cur->patched = false;
	}
	return ret;
}

static int fake_revert(struct patch *p, char *err, size_t len)
{
	int ret = logged("revert");

	if (ret)
		snprintf(err, len, "revert refused by the test");
	else
		cur->patched = false;
	return ret;
}

static int fake_patch_one(struct patch *p, size_t i, char *err, size_t len)
{
	char step[32];
	int ret;

	snprintf(step, sizeof(step), "patch:%zu", i);
	ret = logged(step);
	if (ret)
		snprintf(err, len, "pid %zu: patch refused by the test", 101 + i);
	else if (i < 4)
		cur->proc_on[i] = true;
	return ret;
}

static int fake_revert_one(struct patch *p, size_t i, char *err, size_t len)
{
	char step[32];
	int ret;

	snprintf(step, sizeof(step), "revert:%zu", i);
	ret = logged(step);
	if (ret)
		snprintf(err, len, "pid %zu: revert refused by the test", 101 + i);
	else if (i < 4)
		cur->proc_on[i] = false;
	return ret;
}

static const struct patch_ops host_ops = {
	.name = "fake",
	.load = fake_load,
	.revert = fake_revert,
};

static const struct patch_ops waited_ops = {
	.name = "fake-wait",
	.load = fake_load,
	.wait = fake_wait,
	.revert = fake_revert,
};

static const pid_t fake_pids[] = { 101, 102, 103, 104 };
static const uint64_t fake_starts[] = { 1, 2, 3, 4 };

static size_t fake_procs(const struct patch *p, const pid_t **pids, const uint64_t **starts)
{
	*pids = fake_pids;
	*starts = fake_starts;
	return 4;
}

static size_t fake_funcs(const struct patch *p, const struct patch_func **funcs)
{
	static const struct patch_func f = {
		.target = "/usr/bin/server",
		.old_sym = "parse",
		.library = "/opt/fix.so",
		.new_sym = "parse_fixed",
	};

	*funcs = &f;
	return 1;
}

static const struct patch_ops proc_ops = {
	.name = "fake-procs",
	.procs = fake_procs,
	.funcs = fake_funcs,
	.patch_one = fake_patch_one,
	.revert_one = fake_revert_one,
};

/* a redirect that keeps the old function's endbr64, and a fix that begins otherwise */
static size_t fake_funcs_kept(const struct patch *p, const struct patch_func **funcs)
{
	static const struct patch_func f = {
		.target = "/usr/bin/server",
		.old_sym = "parse",
		.library = "/opt/fix.so",
		.new_sym = "parse_fixed",
		.probe_old = true,
		.probe_note = "both arms probed on 'parse' (endbr64)",
	};

	cur->entry_kept = true;
	*funcs = &f;
	return 1;
}

/* a redirect whose jump goes over the old function's probe */
static size_t fake_funcs_onsite(const struct patch *p, const struct patch_func **funcs)
{
	static const struct patch_func f = {
		.target = "/usr/bin/server",
		.old_sym = "parse",
		.library = "/opt/fix.so",
		.new_sym = "parse_fixed",
		.probe_on_site = true,
	};

	*funcs = &f;
	return 1;
}

static const struct patch_ops proc_onsite_ops = {
	.name = "fake-procs",
	.procs = fake_procs,
	.funcs = fake_funcs_onsite,
	.patch_one = fake_patch_one,
	.revert_one = fake_revert_one,
};

static const struct patch_ops proc_kept_ops = {
	.name = "fake-procs",
	.procs = fake_procs,
	.funcs = fake_funcs_kept,
	.patch_one = fake_patch_one,
	.revert_one = fake_revert_one,
};

/* ---- helpers ---------------------------------------------------------------------------- */

static const char host_policy[] =
	"name: t\n"
	"patch:\n"
	"  type: exec\n"
	"  apply: [/bin/true]\n"
	"  revert: [/bin/true]\n"
	"watch:\n"
	"  - function: kernel:tcp_sendmsg\n"
	"baseline:\n"
	"  duration: 10s\n"
	"stages:\n"
	"  - name: canary\n"
	"    duration: %s\n"
	"  - name: soak\n"
	"    duration: 8s\n";

/*
 * @text with @extra appended; host_policy's canary stage lasts 8 s. The judge needs about 8
 * windows of this script's calls to show a good patch within 10% of a 10 s baseline: 4 s
 * leave its stage inconclusive.
 */
static struct hc_policy *policy_canary(const char *text, const char *canary, const char *extra)
{
	struct hc_policy *pol = NULL;
	struct policy_err perr;
	char buf[4096], msg[512], body[2048];
	int ret;

	snprintf(body, sizeof(body), text, canary);
	snprintf(buf, sizeof(buf), "%s%s", body, extra ? extra : "");
	ret = policy__parse("t.yaml", buf, strlen(buf), &pol, &perr);
	if (ret)
		fail_msg("policy: %s", policy_err__format(&perr, msg, sizeof(msg)));
	return pol;
}

static struct hc_policy *policy(const char *text, const char *extra)
{
	return policy_canary(text, "8s", extra);
}

struct seen {
	char phases[256]; /* one letter per phase change: B A S R D */
	unsigned int max_stage;
};

static void on_progress(const struct rollout *r, void *ctx)
{
	static const char letter[] = { 'B', 'A', 'S', 'R', 'D' };
	struct seen *s = ctx;
	size_t n = strlen(s->phases);
	char c = letter[rollout__phase(r)];

	if (rollout__stage_index(r) > s->max_stage)
		s->max_stage = rollout__stage_index(r);
	if ((!n || s->phases[n - 1] != c) && n + 1 < sizeof(s->phases))
		s->phases[n] = c;
}

/* the timeline as "what:detail|what:detail|...", for strstr */
static void timeline(const struct rollout *r, char *buf, size_t len)
{
	const struct rollout_mark *m;
	size_t i, n = rollout__timeline(r, &m), used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s:%s|", m[i].what, m[i].detail);
}

struct run {
	struct hc_policy *pol;
	struct script s;
	struct patch patch;
	struct rollout *r;
	struct seen seen;
	char tl[16384];
	int ret;
};

static struct run *run_of(struct script *s)
{
	return (struct run *)((char *)s - offsetof(struct run, s));
}

/* set up a rollout of @pol on the script with driver @ops; prepare must succeed */
static void run_setup(struct run *x, struct hc_policy *pol, const struct patch_ops *ops,
		      const struct load *patched_load)
{
	struct rollout_hooks hooks = { .progress = on_progress, .ctx = &x->seen };

	memset(&x->seen, 0, sizeof(x->seen));
	x->pol = pol;
	script_init(&x->s, patched_load);
	cur = &x->s;
	attach_changes = 0;
	calls[0] = '\0';
	fail_step = "";
	fail_errno = -EIO;
	memset(&x->patch, 0, sizeof(x->patch));
	x->patch.ops = ops;
	x->patch.pol = pol;
	assert_int_equal(rollout__new(&x->r, pol, &x->patch, &x->s.src, &hooks), 0);
}

static void run_prepare(struct run *x)
{
	char err[512];

	assert_int_equal(rollout__prepare(x->r, err, sizeof(err)), 0);
}

static void run_go(struct run *x)
{
	x->ret = rollout__run(x->r);
	timeline(x->r, x->tl, sizeof(x->tl));
}

static void run_free(struct run *x)
{
	rollout__free(x->r);
	policy__free(x->pol);
}

/* ---- stage progression ------------------------------------------------------------------ */

static void test_good_patch_commits(void **state)
{
	struct run x;

	run_setup(&x, policy(host_policy, NULL), &host_ops, &base_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(x.ret, 0);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	assert_string_equal(rollout__reason(x.r), "every stage passed");
	assert_string_equal(calls, "load ");
	/* baseline, the apply, the stages, done; both stages were reached in order */
	assert_string_equal(x.seen.phases, "BASD");
	assert_int_equal(x.seen.max_stage, 2);
	assert_non_null(strstr(x.tl, "baseline:start, 10.0 s|"));
	assert_non_null(strstr(x.tl, "|apply:fake|applied:fake|stage:canary, 8.0 s|"));
	assert_non_null(strstr(x.tl, "verdict:stage canary: pass|stage:soak, 8.0 s|"));
	assert_non_null(strstr(x.tl, "verdict:stage soak: pass|decision:committed|"));
	/* 10 baseline windows, 8 per stage, and one after each activation */
	assert_int_equal(x.s.samples, 10 + 1 + 8 + 1 + 8);
	assert_int_equal(rollout__func(x.r, 0)->base_windows, 10);
	assert_true(rollout__func(x.r, 0)->stages[1].reached);
	assert_int_equal(rollout__detect_ns(x.r), 0);
	run_free(&x);
}

static void test_slow_patch_rolls_back_at_canary(void **state)
{
	struct run x;

	run_setup(&x, policy(host_policy, NULL), &host_ops, &slow_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(x.ret, 0);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_string_equal(calls, "load revert ");
	assert_false(x.s.patched);
	assert_string_equal(x.seen.phases, "BASRD");
	assert_int_equal(x.seen.max_stage, 1);
	assert_string_equal(rollout__last_stage(x.r), "canary");
	assert_non_null(strstr(rollout__reason(x.r), "kernel:tcp_sendmsg"));
	assert_non_null(strstr(x.tl, "|judge:"));
	assert_non_null(strstr(x.tl, "|decision:rolled-back|"));
	assert_null(strstr(x.tl, "stage:soak"));
	/* judged within the stage, on the first windows: not at its end */
	assert_true(rollout__detect_ns(x.r) > 0);
	assert_true(rollout__detect_ns(x.r) < 4 * SEC);
	assert_false(rollout__func(x.r, 0)->stages[1].reached);
	run_free(&x);
}

/* ---- the inconclusive paths: hold, extend, rollback, commit ----------------------------- */

static const char on_inconclusive[] = "judge:\n"
				      "  on_inconclusive: %s\n";

/*
 * A patch whose canary stage is @canary long: one window is too short for the end-of-stage
 * test on the mean, which needs two, and too few for the per-window e-processes.
 */
static struct hc_policy *inconclusive_policy(const char *what, const char *canary)
{
	char extra[256];

	extra[0] = '\0';
	if (what)
		snprintf(extra, sizeof(extra), on_inconclusive, what);
	return policy_canary(host_policy, canary, extra);
}

static void test_inconclusive_holds(void **state)
{
	struct run x;

	/* the default: neither pass nor fail stops the run with the patch left in */
	run_setup(&x, inconclusive_policy(NULL, "1s"), &host_ops, &base_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(x.ret, 0);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_HELD);
	assert_non_null(strstr(rollout__reason(x.r), "stage canary inconclusive: "));
	assert_non_null(strstr(x.tl, "verdict:stage canary: inconclusive"));
	assert_non_null(strstr(x.tl, "|decision:held: stage canary inconclusive"));
	assert_null(strstr(x.tl, "stage:soak"));
	assert_string_equal(calls, "load ");
	assert_true(x.s.patched);
	assert_string_equal(rollout__last_stage(x.r), "canary");
	assert_string_equal(rollout__outcome_name(ROLLOUT_HELD), "held");
	run_free(&x);
}

static void test_inconclusive_extends_once_then_commits(void **state)
{
	struct run x;

	/* one window, then one more: the evidence adds up over the extension */
	run_setup(&x, inconclusive_policy("extend", "1s"), &host_ops, &base_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	assert_non_null(strstr(x.tl, "verdict:stage canary: inconclusive"));
	assert_non_null(strstr(x.tl, "stage:canary (extended), 1.0 s|"));
	assert_non_null(strstr(x.tl, "verdict:stage canary: pass|stage:soak"));
	assert_string_equal(calls, "load ");
	run_free(&x);
}

static void test_inconclusive_extended_twice_rolls_back(void **state)
{
	struct run x;

	/* 8% slower against a limit of 10%: 2 windows and 2 more cannot tell */
	run_setup(&x, inconclusive_policy("extend", "2s"), &host_ops, &near_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_non_null(strstr(x.tl, "stage:canary (extended), 2.0 s|"));
	assert_non_null(strstr(rollout__reason(x.r), "stage canary inconclusive"));
	assert_string_equal(calls, "load revert ");
	run_free(&x);
}

static void test_inconclusive_rollback(void **state)
{
	struct run x;

	run_setup(&x, inconclusive_policy("rollback", "1s"), &host_ops, &base_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_null(strstr(x.tl, "(extended)"));
	assert_non_null(strstr(rollout__reason(x.r), "stage canary inconclusive"));
	assert_string_equal(calls, "load revert ");
	run_free(&x);
}

static void test_inconclusive_commit(void **state)
{
	struct run x;

	run_setup(&x, inconclusive_policy("commit", "1s"), &host_ops, &base_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	assert_non_null(strstr(x.tl, "verdict:stage canary: inconclusive"));
	assert_non_null(strstr(x.tl, "verdict:stage soak: pass"));
	assert_null(strstr(x.tl, "(extended)"));
	assert_string_equal(calls, "load ");
	run_free(&x);
}

/* ---- a watched function without calls: judge.on_nodata --------------------------------- */

static const char quiet_canary[] =
	"guardrails:\n"
	"  min_call_ratio: 0\n"
	"judge:\n"
	"  on_nodata: %s\n";

static struct hc_policy *nodata_policy(const char *what)
{
	char extra[256];

	snprintf(extra, sizeof(extra), quiet_canary, what);
	return policy(host_policy, extra);
}

static void test_nodata_holds(void **state)
{
	struct run x;

	/* the canary never calls: nothing to judge, and no reason to roll back either */
	run_setup(&x, nodata_policy("hold"), &host_ops, &idle_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_HELD);
	assert_non_null(strstr(rollout__reason(x.r), "stage canary no data"));
	assert_non_null(strstr(rollout__reason(x.r), "kernel:tcp_sendmsg"));
	assert_string_equal(calls, "load ");
	run_free(&x);
}

static void test_nodata_rollback(void **state)
{
	struct run x;

	run_setup(&x, nodata_policy("rollback"), &host_ops, &idle_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_non_null(strstr(rollout__reason(x.r), "stage canary no data"));
	assert_string_equal(calls, "load revert ");
	run_free(&x);
}

static void test_nodata_commit(void **state)
{
	struct run x;

	run_setup(&x, nodata_policy("commit"), &host_ops, &idle_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	assert_non_null(strstr(x.tl, "verdict:stage canary: no data"));
	assert_non_null(strstr(x.tl, "verdict:stage soak: no data"));
	assert_string_equal(calls, "load ");
	run_free(&x);
}

/* ---- a module's function, probed while its module is loaded ------------------------------ */

/*
 * host_policy watching kernel:late_mod:late_fn after kernel:tcp_sendmsg (functions 1 and 0),
 * or (@alone) instead of it. Samples: 0-9 the baseline (t = 1..10 s after the start), 10
 * after the apply, 11-18 canary (t = 11..18), 19 after soak's start, 20-27 soak (t = 19..26).
 */
static struct hc_policy *module_policy(bool alone, const char *extra)
{
	static const char tcp[] = "  - function: kernel:tcp_sendmsg\n";
	const char *at = strstr(host_policy, tcp);
	char text[2048];

	snprintf(text, sizeof(text), "%.*s%s  - function: kernel:late_mod:late_fn\n%s",
		 (int)(at - host_policy), host_policy, alone ? "" : tcp, at + strlen(tcp));
	return policy_canary(text, "8s", extra);
}

/* how many times @what is in @s */
static int count_of(const char *s, const char *what)
{
	int n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

static void test_module_never_loads(void **state)
{
	const struct rollout_func *f;
	struct run x;

	run_setup(&x, module_policy(false, NULL), &host_ops, &base_load);
	run_prepare(&x);
	run_go(&x);
	/* judged on tcp_sendmsg alone: the module's absence is evidence of nothing */
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	assert_non_null(strstr(x.tl, "monitor:kernel:late_mod:late_fn: module 'late_mod' is not "
				     "loaded: attached when it loads, not judged until then|"));
	assert_non_null(strstr(x.tl, "verdict:stage canary: pass: kernel:late_mod:late_fn not "
				     "judged: not loaded during the stage|"));
	assert_non_null(strstr(x.tl, "verdict:stage soak: pass: kernel:late_mod:late_fn not "
				     "judged: not loaded during the stage|"));
	f = rollout__func(x.r, 1);
	assert_string_equal(f->module, "late_mod");
	assert_int_equal(f->base_windows, 0);
	assert_int_equal(f->canary.calls, 0);
	assert_string_equal(f->stages[0].not_judged, "not loaded during the stage");
	assert_string_equal(f->stages[1].not_judged, "not loaded during the stage");
	assert_string_equal(f->not_judged, "not loaded during the stage");
	assert_null(rollout__func(x.r, 0)->stages[1].not_judged);
	assert_int_equal(rollout__func(x.r, 0)->stages[1].res.verdict, JUDGE_PASS);
	assert_false(x.s.attached[1]);
	run_free(&x);
}

/* nothing judged is no pass: the stage follows judge.on_nodata (hold), never a rollback */
static void test_module_alone_never_loads_holds(void **state)
{
	struct run x;

	run_setup(&x, module_policy(true, NULL), &host_ops, &base_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_HELD);
	assert_string_equal(rollout__reason(x.r),
			    "stage canary no data: no watched function was judged: "
			    "kernel:late_mod:late_fn not loaded during the stage");
	assert_null(strstr(x.tl, "guardrail"));
	assert_string_equal(calls, "load ");
	run_free(&x);
}

static void test_module_loads_mid_stage(void **state)
{
	const struct rollout_func *f;
	struct run x;

	run_setup(&x, module_policy(false, NULL), &host_ops, &base_load);
	/* loads in canary, goes in soak, comes back, and is loaded again within one window */
	x.s.mod_events =
		(const struct mod_event[]){ { 13, 7 }, { 22, 0 }, { 24, 8 }, { 26, 9 }, {} };
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	assert_non_null(strstr(x.tl, "monitor:kernel:late_mod:late_fn attached at 13.0 s: module "
				     "loaded (kprobe; canary)|"));
	assert_non_null(strstr(x.tl, "monitor:kernel:late_mod:late_fn detached at 21.0 s: module "
				     "unloaded (soak)|"));
	assert_non_null(strstr(x.tl, "monitor:kernel:late_mod:late_fn attached at 23.0 s: module "
				     "loaded (kprobe; soak)|"));
	assert_non_null(
		strstr(x.tl, "monitor:kernel:late_mod:late_fn detached at 25.0 s: module "
			     "loaded again (soak)|monitor:kernel:late_mod:late_fn attached at "
			     "25.0 s"));
	f = rollout__func(x.r, 1);
	/* every call of a stage window with the probes in: 14-18, 20-21, 25-27 */
	assert_int_equal(f->canary.calls, 10 * base_load.calls);
	assert_int_equal(f->base_windows, 0);
	/* counted, but no window from before the patch to judge them against */
	assert_non_null(strstr(f->stages[0].not_judged, "loaded after the baseline"));
	assert_non_null(strstr(f->stages[1].not_judged, "loaded after the baseline"));
	assert_non_null(strstr(x.tl, "verdict:stage canary: pass: kernel:late_mod:late_fn not "
				     "judged: loaded after the baseline"));
	assert_true(x.s.attached[1]);
	run_free(&x);
}

/*
 * ab: a period counts a module's function only in windows it was probed for throughout. The
 * module is loaded before the run and loaded again within the first period's second window,
 * whose calls (busy, but from two loads) belong to no period.
 */
static void test_module_ab_whole_windows(void **state)
{
	const struct rollout_period *p;
	uint64_t sum[2] = { 0, 0 };
	struct run x;
	size_t n, i;

	run_setup(&x, module_policy(false, NULL), &host_ops, &base_load);
	x.s.load[1] = 7;
	x.s.mod_events = (const struct mod_event[]){ { 2, 8 }, {} };
	run_prepare(&x);
	assert_int_equal(rollout__ab(x.r, 2, 3000000000ULL, false), 0);
	timeline(x.r, x.tl, sizeof(x.tl));
	assert_non_null(strstr(x.tl, "monitor:kernel:late_mod:late_fn detached at "));
	n = rollout__periods(x.r, &p);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++) {
		sum[0] += p[i].funcs[0].calls;
		sum[1] += p[i].funcs[1].calls;
	}
	/* every window of every period makes 1000 calls of each, but one is not whole */
	assert_int_equal(sum[0] % 1000, 0);
	assert_true(sum[0] >= 4 * 2 * 1000);
	assert_int_equal(sum[1], sum[0] - 1000);
	run_free(&x);
}

static void test_module_loaded_in_baseline_then_goes(void **state)
{
	const struct rollout_func *f;
	struct run x;

	/* soak's three windows may not show the module's function within the limits */
	run_setup(&x, module_policy(false, "judge:\n  on_inconclusive: commit\n"), &host_ops,
		  &base_load);
	/* loads halfway through the baseline, goes after soak's third window */
	x.s.mod_events = (const struct mod_event[]){ { 4, 3 }, { 23, 0 }, {} };
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	f = rollout__func(x.r, 1);
	/* the baseline from the window after the load: samples 5 to 9 */
	assert_int_equal(f->base_windows, 5);
	assert_int_equal(f->baseline.calls, 5 * base_load.calls);
	assert_null(f->stages[0].not_judged);
	assert_int_not_equal(f->stages[0].res.verdict, JUDGE_PENDING);
	assert_int_not_equal(f->stages[0].res.verdict, JUDGE_FAIL);
	/* its calls stopped with the module: not a stall (min_call_ratio), not a rollback */
	assert_null(f->stages[1].not_judged);
	assert_int_not_equal(f->stages[1].res.verdict, JUDGE_FAIL);
	assert_null(strstr(x.tl, "guardrail"));
	assert_non_null(strstr(x.tl, "detached at 22.0 s: module unloaded (soak)|"));
	assert_false(x.s.attached[1]);
	run_free(&x);
}

static void test_module_loaded_from_start(void **state)
{
	const struct rollout_func *f;
	struct run x;

	run_setup(&x, module_policy(false, "judge:\n  on_inconclusive: commit\n"), &host_ops,
		  &base_load);
	x.s.load[1] = 2;
	run_prepare(&x);
	/* the window in which its probes went in is no one's: the baseline starts after it */
	assert_int_equal(x.s.samples, 1);
	assert_true(x.s.attached[1]);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	assert_non_null(strstr(x.tl, "monitor:kernel:late_mod:late_fn attached at 0.0 s: module "
				     "loaded before the run (kprobe; baseline)|"));
	f = rollout__func(x.r, 1);
	assert_int_equal(f->base_windows, 10);
	assert_int_equal(f->baseline.calls, 10 * base_load.calls);
	assert_null(f->stages[0].not_judged);
	assert_null(f->stages[1].not_judged);
	assert_int_not_equal(f->stages[1].res.verdict, JUDGE_PENDING);
	run_free(&x);
}

static void test_module_attach_fails(void **state)
{
	const struct rollout_func *f;
	struct run x;
	char err[512];

	/* loaded from the start: refused before anything changes, as any function */
	run_setup(&x, module_policy(false, NULL), &host_ops, &base_load);
	x.s.load[1] = 4;
	x.s.attach_err = -EPERM;
	assert_int_equal(rollout__prepare(x.r, err, sizeof(err)), -EPERM);
	assert_string_equal(err,
			    "cannot attach probes to 'kernel:late_mod:late_fn': refused by the test");
	assert_string_equal(calls, "");
	run_free(&x);
	/* loaded later: said once, not judged, tried again at its next load */
	run_setup(&x, module_policy(false, NULL), &host_ops, &base_load);
	x.s.mod_events = (const struct mod_event[]){ { 13, 5 }, {} };
	x.s.attach_err = -EPERM;
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	assert_int_equal(count_of(x.tl, "but not attached"), 1);
	assert_non_null(
		strstr(x.tl, "monitor:kernel:late_mod:late_fn: module loaded at 13.0 s "
			     "(canary) but not attached: cannot attach probes to "
			     "'kernel:late_mod:late_fn': refused by the test; not judged until "
			     "it loads again|"));
	f = rollout__func(x.r, 1);
	assert_string_equal(f->stages[0].not_judged,
			    "its module is loaded, but it could not be probed (see the timeline)");
	assert_int_equal(f->canary.calls, 0);
	run_free(&x);
}

/* ---- guardrails and the operator --------------------------------------------------------- */

/* a kernel warning half a window into the second stage window of soak */
static void warn_in_soak(struct script *s)
{
	struct run *x = run_of(s);
	static unsigned int soak_samples;

	if (s->samples == 0)
		soak_samples = 0;
	if (rollout__stage_index(x->r) == 2 && ++soak_samples == 2)
		script_event(s, SEC / 2, EV_KERNEL_WARN, 0);
}

static void test_guardrail_mid_stage(void **state)
{
	struct run x;

	run_setup(&x, policy(host_policy, NULL), &host_ops, &base_load);
	x.s.hook = warn_in_soak;
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_true(rollout__tripped(x.r));
	assert_string_equal(rollout__reason(x.r), "kernel warning: WARNING: at f+0x1");
	assert_string_equal(rollout__last_stage(x.r), "soak");
	assert_non_null(strstr(x.tl, "verdict:stage canary: pass|stage:soak"));
	assert_non_null(strstr(x.tl, "|guardrail:kernel warning: WARNING: at f+0x1|rollback:"));
	/* the canary stage's verdicts are kept, and so are soak's up to the trip */
	assert_true(rollout__func(x.r, 0)->stages[0].reached);
	assert_true(rollout__func(x.r, 0)->stages[1].reached);
	assert_string_equal(calls, "load revert ");
	run_free(&x);
}

/*
 * Crashes as counts, per window of exposure: one crash in the canary stage is no evidence
 * against a clean baseline of 10 windows; three in the first window of soak are a storm,
 * rolled back in that window. (Three spread over a longer stage weigh less: the exposure
 * grows with it.)
 */
static void test_fatal_storm(void **state)
{
	struct run x;

	run_setup(&x, policy(host_policy, NULL), &host_ops, &base_load);
	run_prepare(&x);
	script_event(&x.s, 14 * SEC + SEC / 2, EV_FATAL, 2);
	/* baseline 10 s, canary 8 s: the first window of soak */
	script_event(&x.s, 18 * SEC + SEC / 4, EV_FATAL, 3);
	script_event(&x.s, 18 * SEC + SEC / 2, EV_FATAL, 4);
	script_event(&x.s, 18 * SEC + 3 * SEC / 4, EV_FATAL, 5);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_non_null(strstr(x.tl, "verdict:stage canary: pass|stage:soak"));
	assert_non_null(strstr(rollout__reason(x.r), "fatal signals: 3 deaths in the canary this "
						     "stage against 0 in the reference"));
	/* the 8 s of canary and soak's first window after the patch went in */
	assert_int_equal(rollout__detect_ns(x.r), 9 * SEC);
	assert_string_equal(rollout__last_stage(x.r), "soak");
	assert_string_equal(calls, "load revert ");
	run_free(&x);
}

static void test_guardrail_in_baseline_refuses(void **state)
{
	struct run x;

	run_setup(&x, policy(host_policy, NULL), &host_ops, &base_load);
	run_prepare(&x);
	script_event(&x.s, 2 * SEC + SEC / 3, EV_KERNEL_WARN, 0);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_REFUSED);
	assert_string_equal(rollout__reason(x.r), "during the baseline, before any change: "
						  "kernel warning: WARNING: at f+0x1");
	/* nothing was changed */
	assert_string_equal(calls, "");
	assert_string_equal(x.seen.phases, "B");
	assert_int_equal(rollout__phase(x.r), ROLLOUT_PHASE_DONE);
	run_free(&x);
}

static void test_operator_stop_rolls_back(void **state)
{
	struct run x;

	run_setup(&x, policy(host_policy, NULL), &host_ops, &base_load);
	run_prepare(&x);
	/* baseline 10 s, then 1.5 s into the canary */
	script_event(&x.s, 11 * SEC + SEC / 2, EV_STOP, 0);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_string_equal(rollout__reason(x.r), "stopped by Terminated");
	assert_non_null(strstr(x.tl, "|operator:stopped by Terminated|rollback:"));
	assert_string_equal(calls, "load revert ");
	run_free(&x);
}

/* ---- failures at each driver step -------------------------------------------------------- */

static void test_load_fails(void **state)
{
	struct run x;

	run_setup(&x, policy(host_policy, NULL), &host_ops, &base_load);
	run_prepare(&x);
	fail_step = "load";
	run_go(&x);
	assert_int_equal(x.ret, 0);
	/* nothing went live: a refusal (exit 4), not a rollback (exit 3) */
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_REFUSED);
	assert_string_equal(rollout__reason(x.r),
			    "apply failed, nothing was changed: load refused by the test");
	/* a driver whose failed load changed nothing is not reverted */
	assert_string_equal(calls, "load ");
	assert_null(strstr(x.tl, "applied:"));
	run_free(&x);
}

static void test_load_fails_revert_too(void **state)
{
	struct patch_ops ops = host_ops;
	struct run x;

	/* an external patcher may have half-applied: its failed load is reverted */
	ops.revert_failed_load = true;
	run_setup(&x, policy(host_policy, NULL), &ops, &base_load);
	run_prepare(&x);
	fail_step = "load";
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_string_equal(calls, "load revert ");
	run_free(&x);
}

static void test_wait_after_load(void **state)
{
	struct run x;

	run_setup(&x, policy(host_policy, NULL), &waited_ops, &slow_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	/* in effect only once the wait is over: "applied" follows it */
	assert_string_equal(calls, "load wait revert ");
	assert_non_null(strstr(x.tl, "|apply:fake-wait|applied:fake-wait|"));
	run_free(&x);
}

static void test_wait_fails(void **state)
{
	struct run x;

	run_setup(&x, policy(host_policy, NULL), &waited_ops, &base_load);
	run_prepare(&x);
	fail_step = "wait";
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_string_equal(rollout__reason(x.r), "apply failed and was undone: "
						  "transition refused by the test; reversed");
	/* the driver took it out itself: no revert on top */
	assert_string_equal(calls, "load wait ");
	assert_null(strstr(x.tl, "applied:"));
	run_free(&x);
}

static void test_rollback_fails(void **state)
{
	struct run x;

	run_setup(&x, policy(host_policy, NULL), &host_ops, &slow_load);
	run_prepare(&x);
	fail_step = "revert";
	run_go(&x);
	assert_int_equal(x.ret, -EIO);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_FAILED);
	assert_non_null(
		strstr(rollout__reason(x.r), "; rollback FAILED: revert refused by the test"));
	assert_non_null(strstr(x.tl, "|decision:rollback failed: revert refused by the test|"));
	assert_string_equal(calls, "load revert ");
	run_free(&x);
}

static void test_prepare_fails(void **state)
{
	struct run x;
	char err[512];

	run_setup(&x, policy(host_policy, NULL), &host_ops, &base_load);
	x.s.start_err = -EPERM;
	assert_int_equal(rollout__prepare(x.r, err, sizeof(err)), -EPERM);
	assert_string_equal(err, "the script refuses to start");
	assert_string_equal(calls, "");
	run_free(&x);
}

/* ---- per-process stages ------------------------------------------------------------------ */

static const char proc_policy[] =
	"name: t\n"
	"patch:\n"
	"  type: ulp\n"
	"  library: /opt/fix.so\n"
	"  target: /usr/bin/server\n"
	"  build_id: 9f1c0ad3b7e4a1c2d3e4f5a6b7c8d9e0f1a2b3c4\n"
	"  functions:\n"
	"    - old: parse\n"
	"      new: parse_fixed\n"
	"processes:\n"
	"  pids: [101, 102, 103, 104]\n"
	"%s"
	"baseline:\n"
	"  duration: 20s\n"
	"stages:\n"
	"  - name: canary\n"
	"    duration: 8s\n"
	"    targets: 1\n"
	"  - name: half\n"
	"    duration: 8s\n"
	"    targets: 50%%\n"
	"  - name: all\n"
	"    duration: 8s\n"
	"    targets: 100%%\n";

/* proc_policy with @order (a "  order: ...\n" line, or "") in its processes */
static struct hc_policy *proc_policy_of(const char *order)
{
	return policy_canary(proc_policy, order, NULL);
}

/* as listed, so that each test knows which process is the canary */
static void proc_setup(struct run *x, const struct load *patched_load)
{
	run_setup(x, proc_policy_of("  order: listed\n"), &proc_ops, patched_load);
	run_prepare(x);
	assert_int_equal(rollout__proc_cnt(x->r), 4);
	/*
	 * per function and process: the target's side, then the library's, attached from the
	 * start, in the same order
	 */
	assert_int_equal(x->s.nr, 8);
	assert_string_equal(x->s.names[0], "user:/usr/bin/server:parse@101");
	assert_string_equal(x->s.names[1], "user:/opt/fix.so:parse_fixed@101");
	assert_true(x->s.unmapped[1] && !x->s.unmapped[0] && !x->s.deferred[1]);
}

static void test_procs_stage_by_stage(void **state)
{
	struct run x;
	size_t i;

	proc_setup(&x, &base_load);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	/* two processes (the least of 4), then half of them, then all, as listed */
	assert_string_equal(calls, "patch:0 patch:1 patch:2 patch:3 ");
	assert_non_null(strstr(x.tl, "stage:2 canary processes, not 1: with 4 processes the "
				     "canary arm has at least 2|"));
	assert_non_null(strstr(x.tl, "patched:pid 101 (1 of 2 in the canary)|"));
	assert_non_null(strstr(x.tl, "patched:pid 102 (2 of 2 in the canary)|"));
	assert_non_null(strstr(x.tl, "patched:pid 104 (4 of 4 in the canary)|"));
	/*
	 * the last stage has no control left: its 2 new canaries are judged against the 2
	 * patched before, each against itself in stage half
	 */
	assert_non_null(strstr(x.tl, "judge:no control process left: stage all judges the 2 "
				     "processes patched in it against the 2 patched before"));
	assert_true(rollout__func(x.r, 0)->stages[0].concurrent);
	assert_false(rollout__func(x.r, 0)->stages[2].concurrent);
	assert_true(rollout__func(x.r, 0)->stages[2].staggered);
	assert_false(rollout__func(x.r, 0)->stages[1].staggered);
	for (i = 0; i < 4; i++) {
		assert_int_equal(rollout__proc(x.r, i)->state, ROLLOUT_PROC_CANARY);
		/* the library's probes are in, the target's are out */
		assert_true(x.s.attached[2 * i + 1]);
		assert_false(x.s.attached[2 * i]);
	}
	run_free(&x);
}

/* every process 10% faster, or 3x slower, from the last stage on: the patched load */
static const struct load fast_load = { 1000, 45000, 0.01 };

static void shift_in_last_stage(struct script *s, const struct load *l)
{
	if (rollout__stage_index(run_of(s)->r) == 3)
		s->patched_load = l;
}

static void faster_in_last_stage(struct script *s)
{
	shift_in_last_stage(s, &fast_load);
}

static void slower_in_last_stage(struct script *s)
{
	shift_in_last_stage(s, &slow_load);
}

/*
 * The host gets 10% faster as the last stage begins, in every process: the staggered stage
 * measures its new canaries against the earlier ones, each against itself in stage half,
 * and sees no change (1 in its interval), where the baseline would show 0.9
 */
static void test_procs_staggered_drift(void **state)
{
	const struct judge_decision *d, *g;
	struct run x;

	proc_setup(&x, &base_load);
	x.s.hook = faster_in_last_stage;
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	assert_true(rollout__func(x.r, 0)->stages[2].staggered);
	d = &rollout__func(x.r, 0)->stages[2].res.d[JUDGE_P50];
	assert_true(d->observed > 0.97 && d->observed < 1.03);
	assert_true(d->ci_lo <= d->observed && d->observed <= d->ci_hi);
	assert_true(d->ci_lo < 1 && d->ci_hi > 1);
	/* the guard, against the baseline, saw the drift and did not fail on a faster host */
	g = &rollout__func(x.r, 0)->guard.d[JUDGE_P50];
	assert_true(g->observed < 0.95);
	run_free(&x);
}

/*
 * A harm only the fully patched service shows (every process 3x slower once all are
 * patched) is common to both arms of the staggered stage: the guard against the baseline
 * rolls it back, and the stage's verdicts are the guard's
 */
static void test_procs_staggered_guard(void **state)
{
	const struct rollout_func *f;
	struct run x;

	proc_setup(&x, &base_load);
	x.s.hook = slower_in_last_stage;
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_string_equal(calls, "patch:0 patch:1 patch:2 patch:3 revert:3 revert:2 revert:1 "
				   "revert:0 ");
	f = rollout__func(x.r, 0);
	assert_int_equal(f->stages[2].res.verdict, JUDGE_FAIL);
	assert_false(f->stages[2].staggered);
	assert_false(f->stages[2].concurrent);
	assert_true(f->stages[2].res.d[f->stages[2].res.reason].observed > 2);
	run_free(&x);
}

/*
 * Probed on the kept entry: a patched process's old-side probe comes back after the jump,
 * the library's never goes in, and its calls count for the canary from the old side
 */
static void test_procs_kept_entry(void **state)
{
	const struct rollout_func *f;
	struct run x;
	size_t i;

	run_setup(&x, proc_policy_of("  order: listed\n"), &proc_kept_ops, &base_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	assert_non_null(strstr(x.tl, "monitor:parse -> parse_fixed: both arms probed on 'parse' "
				     "(endbr64)|"));
	f = rollout__func(x.r, 0);
	assert_true(f->same_site);
	/* the canary's calls: every stage window's, from the old side's probes */
	assert_true(f->canary.calls >= 1000);
	for (i = 0; i < 4; i++) {
		assert_int_equal(rollout__proc(x.r, i)->state, ROLLOUT_PROC_CANARY);
		assert_true(x.s.attached[2 * i]);
		assert_false(x.s.attached[2 * i + 1]);
	}
	run_free(&x);
}

static void test_procs_bad_fix_reverts_the_canary(void **state)
{
	struct run x;

	proc_setup(&x, &slow_load);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_string_equal(calls, "patch:0 patch:1 revert:1 revert:0 ");
	assert_int_equal(rollout__proc(x.r, 0)->state, ROLLOUT_PROC_REVERTED);
	assert_int_equal(rollout__proc(x.r, 2)->state, ROLLOUT_PROC_CONTROL);
	assert_true(rollout__proc(x.r, 0)->was_patched);
	/* the reference was the control processes in the same windows */
	assert_true(rollout__func(x.r, 0)->stages[0].concurrent);
	/* the old probe back; the library's stays, its calls gone with the jump */
	assert_true(x.s.attached[0] && x.s.attached[1]);
	run_free(&x);
}

/*
 * The old probe on the jump's first byte: no probe moves when a process is patched or
 * reverted but the reverted process's old one, attached again for the kernel to arm it
 */
static void test_procs_probe_on_site(void **state)
{
	struct run x;
	size_t i;

	run_setup(&x, proc_policy_of("  order: listed\n"), &proc_onsite_ops, &base_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	assert_int_equal(attach_changes, 0);
	for (i = 0; i < 4; i++)
		assert_true(x.s.attached[2 * i] && x.s.attached[2 * i + 1]);
	assert_true(rollout__func(x.r, 0)->canary.calls > 0);
	run_free(&x);

	run_setup(&x, proc_policy_of("  order: listed\n"), &proc_onsite_ops, &slow_load);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_string_equal(calls, "patch:0 patch:1 revert:1 revert:0 ");
	/* detached and attached again: processes 1 and 0, once each */
	assert_int_equal(attach_changes, 4);
	assert_true(x.s.attached[0] && x.s.attached[2]);
	run_free(&x);
}

static void test_procs_patch_fails_in_a_later_stage(void **state)
{
	struct run x;

	proc_setup(&x, &base_load);
	fail_step = "patch:2";
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_string_equal(rollout__reason(x.r), "stage all: pid 103: patch refused by the test");
	/* the processes patched before are taken out again, newest first */
	assert_string_equal(calls, "patch:0 patch:1 patch:2 revert:1 revert:0 ");
	assert_int_equal(rollout__proc(x.r, 2)->state, ROLLOUT_PROC_CONTROL);
	run_free(&x);
}

static void test_procs_random_order(void **state)
{
	unsigned int seen = 0, run, i, n;

	/* by default the canaries are drawn anew each run: in 24 runs each of 4 was one */
	for (run = 0; run < 24; run++) {
		struct run x;

		run_setup(&x, proc_policy_of(""), &proc_ops, &slow_load);
		run_prepare(&x);
		run_go(&x);
		assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
		for (i = n = 0; i < 4; i++) {
			if (!rollout__proc(x.r, i)->was_patched)
				continue;
			assert_int_equal(rollout__proc(x.r, i)->state, ROLLOUT_PROC_REVERTED);
			seen |= 1U << i;
			n++;
		}
		assert_int_equal(n, 2);
		run_free(&x);
	}
	assert_int_equal(seen, 0xf);
}

static void test_procs_busy_is_left_in_control(void **state)
{
	struct run x;

	proc_setup(&x, &base_load);
	fail_step = "patch:0";
	fail_errno = -EBUSY;
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	/* 101 stays busy in canary and half; the last stage tries it again, last */
	assert_int_equal(rollout__proc(x.r, 0)->state, ROLLOUT_PROC_BUSY);
	assert_non_null(strstr(x.tl, "busy:pid 101: patch refused by the test|"));
	assert_non_null(strstr(x.tl, "patched:pid 102 (1 of 2 in the canary)|"));
	run_free(&x);
}

/* a connection's process that ended before its turn is left out; the next one is patched */
static void test_procs_gone_before_its_turn(void **state)
{
	struct run x;

	proc_setup(&x, &base_load);
	fail_step = "patch:0";
	fail_errno = -ESRCH;
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	assert_int_equal(rollout__proc(x.r, 0)->state, ROLLOUT_PROC_GONE);
	assert_string_equal(rollout__proc(x.r, 0)->note, "exited before its turn: left out");
	assert_non_null(strstr(x.tl, "patched:pid 102 (1 of 2 in the canary)|"));
	assert_non_null(strstr(x.tl, "patched:pid 103 (2 of 2 in the canary)|"));
	run_free(&x);
}

static void test_procs_canary_exits(void **state)
{
	struct run x;

	proc_setup(&x, &base_load);
	/* 1.5 s into the canary stage, its process exits */
	script_event(&x.s, 21 * SEC + SEC / 2, EV_PROC_EXIT, 0);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_string_equal(rollout__reason(x.r), "canary pid 101 exited while patched, with a "
						  "status the kernel did not report");
	assert_int_equal(rollout__proc(x.r, 0)->state, ROLLOUT_PROC_LOST);
	/* a lost process has nothing to revert */
	assert_string_equal(calls, "patch:0 patch:1 revert:1 ");
	run_free(&x);
}

static void test_procs_canary_exits_failing(void **state)
{
	struct run x;

	proc_setup(&x, &base_load);
	script_event(&x.s, 21 * SEC + SEC / 2, EV_EXIT_1, 0);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_ROLLED_BACK);
	assert_string_equal(rollout__reason(x.r),
			    "canary pid 101 exited with status 1 while patched");
	assert_int_equal(rollout__proc(x.r, 0)->state, ROLLOUT_PROC_LOST);
	run_free(&x);
}

/* a reload: every process exits 0; the canary arm is empty, nothing failed: held */
static void test_procs_reload_holds(void **state)
{
	struct run x;
	size_t i;

	proc_setup(&x, &base_load);
	for (i = 0; i < 4; i++)
		script_event(&x.s, 21 * SEC + SEC / 2 + i * SEC / 10, EV_EXIT_0, 3 - i);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_HELD);
	assert_non_null(strstr(rollout__reason(x.r),
			       "stage canary: the canary arm is empty: pids 101, 102 exited with "
			       "status 0 while patched"));
	assert_int_equal(rollout__proc(x.r, 0)->state, ROLLOUT_PROC_EXITED);
	assert_int_equal(rollout__proc(x.r, 1)->state, ROLLOUT_PROC_EXITED);
	assert_int_equal(rollout__proc(x.r, 3)->state, ROLLOUT_PROC_GONE);
	assert_string_equal(rollout__proc(x.r, 3)->note, "exited with status 0, unpatched");
	/* nothing to revert: no process is left with the patch */
	assert_string_equal(calls, "patch:0 patch:1 ");
	run_free(&x);
}

/* one canary exits 0, the other stays: the rollout goes on with it */
static void test_procs_canary_exit_0_goes_on(void **state)
{
	struct run x;

	proc_setup(&x, &base_load);
	script_event(&x.s, 21 * SEC + SEC / 2, EV_EXIT_0, 0);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_COMMITTED);
	assert_int_equal(rollout__proc(x.r, 0)->state, ROLLOUT_PROC_EXITED);
	assert_non_null(strstr(x.tl, "process:canary pid 101 exited with status 0 while patched|"));
	assert_string_equal(calls, "patch:0 patch:1 patch:2 patch:3 ");
	run_free(&x);
}

static void test_procs_revert_fails(void **state)
{
	struct run x;

	proc_setup(&x, &slow_load);
	fail_step = "revert:0";
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), ROLLOUT_FAILED);
	assert_int_equal(rollout__proc(x.r, 0)->state, ROLLOUT_PROC_FAILED);
	assert_string_equal(rollout__proc(x.r, 0)->note,
			    "revert failed: pid 101: revert refused by the test");
	run_free(&x);
}

/* ---- the journal's steps, with the real exec driver -------------------------------------- */

static char dir[] = "/tmp/hc-test-rollout.XXXXXX";

/* the exec driver, and the script told when its patch is in */
static int exec_load(struct patch *p, char *err, size_t len)
{
	int ret = patch_exec_ops.load(p, err, len);

	cur->patched = !ret;
	return ret;
}

static int exec_revert(struct patch *p, char *err, size_t len)
{
	int ret = patch_exec_ops.revert(p, err, len);

	if (!ret)
		cur->patched = false;
	return ret;
}

/*
 * Run the exec policy with @apply and @revert (argv lists) against @patched_load, with a
 * journal; return the journal's steps as "intent:exec_apply result:exec_apply!..." (! a
 * failed result).
 */
static void journaled_run(const char *apply, const char *revert, const struct load *patched_load,
			  enum rollout_outcome want, char *steps, size_t len)
{
	struct patch_ops ops = patch_exec_ops;
	struct journal_recs recs = { 0 };
	char text[2048], err[512], path[PATH_MAX];
	struct journal *j;
	struct run x;
	size_t i, used = 0;

	snprintf(text, sizeof(text),
		 "name: t\npatch:\n  type: exec\n  apply: %s\n  revert: %s\n"
		 "watch:\n  - function: kernel:tcp_sendmsg\nbaseline:\n  duration: 10s\n"
		 "stages:\n  - name: canary\n    duration: 8s\n",
		 apply, revert);
	ops.load = exec_load;
	ops.revert = exec_revert;
	run_setup(&x, policy(text, NULL), &ops, patched_load);
	assert_int_equal(journal__open(dir, "t", JOURNAL_CREATE, &j, err, sizeof(err)), 0);
	assert_int_equal(ops.begin(&x.patch, j, err, sizeof(err)), 0);
	run_prepare(&x);
	run_go(&x);
	assert_int_equal(rollout__outcome(x.r), want);
	snprintf(path, sizeof(path), "%s", journal__path(j));
	journal__close(j);
	assert_int_equal(journal__read(path, &recs, err, sizeof(err)), 0);
	steps[0] = '\0';
	for (i = 0; i < recs.n && used < len; i++)
		used += snprintf(steps + used, len - used, "%s%s:%s%s", i ? " " : "",
				 journal__kind_name(recs.v[i].kind),
				 journal__action_name(recs.v[i].action),
				 recs.v[i].kind == JOURNAL_RESULT && !recs.v[i].ok ? "!" : "");
	journal_recs__free(&recs);
	unlink(path);
	run_free(&x);
}

static void test_journal_commit(void **state)
{
	char steps[512];

	journaled_run("[/bin/true]", "[/bin/true]", &base_load, ROLLOUT_COMMITTED, steps,
		      sizeof(steps));
	assert_string_equal(steps, "intent:exec_apply result:exec_apply");
}

static void test_journal_rollback(void **state)
{
	char steps[512];

	journaled_run("[/bin/true]", "[/bin/true]", &slow_load, ROLLOUT_ROLLED_BACK, steps,
		      sizeof(steps));
	assert_string_equal(steps, "intent:exec_apply result:exec_apply "
				   "intent:exec_revert result:exec_revert");
}

static void test_journal_apply_fails(void **state)
{
	char steps[512];

	/* the patcher failed: it may have done half, so its revert runs too */
	journaled_run("[/bin/false]", "[/bin/true]", &base_load, ROLLOUT_ROLLED_BACK, steps,
		      sizeof(steps));
	assert_string_equal(steps, "intent:exec_apply result:exec_apply! "
				   "intent:exec_revert result:exec_revert");
}

static void test_journal_revert_fails(void **state)
{
	char steps[512];

	journaled_run("[/bin/true]", "[/bin/false]", &slow_load, ROLLOUT_FAILED, steps,
		      sizeof(steps));
	assert_string_equal(steps, "intent:exec_apply result:exec_apply "
				   "intent:exec_revert result:exec_revert!");
}

static int setup_dir(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char lock[PATH_MAX];

	snprintf(lock, sizeof(lock), "%s/t.lock", dir);
	unlink(lock);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_patch_commits),
		cmocka_unit_test(test_slow_patch_rolls_back_at_canary),
		cmocka_unit_test(test_inconclusive_holds),
		cmocka_unit_test(test_inconclusive_extends_once_then_commits),
		cmocka_unit_test(test_inconclusive_extended_twice_rolls_back),
		cmocka_unit_test(test_inconclusive_rollback),
		cmocka_unit_test(test_inconclusive_commit),
		cmocka_unit_test(test_nodata_holds),
		cmocka_unit_test(test_nodata_rollback),
		cmocka_unit_test(test_nodata_commit),
		cmocka_unit_test(test_module_never_loads),
		cmocka_unit_test(test_module_alone_never_loads_holds),
		cmocka_unit_test(test_module_loads_mid_stage),
		cmocka_unit_test(test_module_ab_whole_windows),
		cmocka_unit_test(test_module_loaded_in_baseline_then_goes),
		cmocka_unit_test(test_module_loaded_from_start),
		cmocka_unit_test(test_module_attach_fails),
		cmocka_unit_test(test_guardrail_mid_stage),
		cmocka_unit_test(test_fatal_storm),
		cmocka_unit_test(test_guardrail_in_baseline_refuses),
		cmocka_unit_test(test_operator_stop_rolls_back),
		cmocka_unit_test(test_load_fails),
		cmocka_unit_test(test_load_fails_revert_too),
		cmocka_unit_test(test_wait_after_load),
		cmocka_unit_test(test_wait_fails),
		cmocka_unit_test(test_rollback_fails),
		cmocka_unit_test(test_prepare_fails),
		cmocka_unit_test(test_procs_stage_by_stage),
		cmocka_unit_test(test_procs_staggered_drift),
		cmocka_unit_test(test_procs_staggered_guard),
		cmocka_unit_test(test_procs_kept_entry),
		cmocka_unit_test(test_procs_bad_fix_reverts_the_canary),
		cmocka_unit_test(test_procs_probe_on_site),
		cmocka_unit_test(test_procs_patch_fails_in_a_later_stage),
		cmocka_unit_test(test_procs_random_order),
		cmocka_unit_test(test_procs_busy_is_left_in_control),
		cmocka_unit_test(test_procs_gone_before_its_turn),
		cmocka_unit_test(test_procs_canary_exits),
		cmocka_unit_test(test_procs_canary_exits_failing),
		cmocka_unit_test(test_procs_reload_holds),
		cmocka_unit_test(test_procs_canary_exit_0_goes_on),
		cmocka_unit_test(test_procs_revert_fails),
		cmocka_unit_test(test_journal_commit),
		cmocka_unit_test(test_journal_rollback),
		cmocka_unit_test(test_journal_apply_fails),
		cmocka_unit_test(test_journal_revert_fails),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
