// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace hotpatching engine (user/ulp.h) against real processes: ulp_target and its
 * fixes, ptrace and /proc/PID/mem for real. Run as root:
 *   build/tests/ulp_engine
 * Prints "ok N - ..." or "not ok N - ..." per check, the freeze times, and exits non-zero
 * if a check failed.
 */
#include <fcntl.h>
#include <inttypes.h>
#include "proc.h"
#include "tracee.h"
#include "ulp_common.h"
#include "unwind.h"

#define ASM_TARGET	FIXTURE_DIR "/ulp_asm_target"
#define STRESS_ROUNDS	50
#define MAX_FREEZES	(4 * STRESS_ROUNDS + 64)

static int nr_test, nr_fail;
static uint64_t freezes[MAX_FREEZES];
static size_t nr_freezes;

static void check(int ok, const char *what, const char *why)
{
	nr_test++;
	if (ok) {
		printf("ok %d - %s\n", nr_test, what);
		return;
	}
	nr_fail++;
	printf("not ok %d - %s%s%s\n", nr_test, what, why && *why ? ": " : "", why ? why : "");
	fflush(stdout);
}

static void note_freeze(const struct ulp_proc *p)
{
	if (nr_freezes < MAX_FREEZES)
		freezes[nr_freezes++] = p->freeze_ns;
}

static const struct ulp_spec_func parse_funcs[] = {
	{ .old_sym = "parse_request", .new_sym = "parse_request_fixed" },
};

static struct ulp_spec spec_for(const char *lib, uint8_t *id, size_t id_len, bool strict,
				uint64_t deadline_ns)
{
	struct ulp_spec s = {
		.library = lib, .target = TARGET, .build_id = id, .build_id_len = id_len,
		.funcs = parse_funcs, .nr_funcs = 1, .strict = strict, .deadline_ns = deadline_ns,
	};

	return s;
}

static int site_bytes(pid_t pid, uint64_t addr, uint8_t *out)
{
	return proc__mem_read(pid, addr, out, ULP_JMP_LEN);
}

/* preflight and inject with @img; NULL on failure, with the reason in @err */
static struct ulp_proc *ready(struct ulp_image *img, pid_t pid, char *err, size_t len)
{
	struct ulp_proc *p = NULL;

	if (ulp_proc__preflight(img, pid, 0, &p, err, len))
		return NULL;
	if (ulp_proc__inject(img, p, err, len)) {
		ulp_proc__free(p);
		return NULL;
	}
	return p;
}

static void test_patch_unpatch(uint8_t *id, size_t idl)
{
	static const char *const args[] = { "-t", "4", NULL };
	struct ulp_spec spec = spec_for(FIX("good"), id, idl, false, 0);
	struct ulp_image *img = NULL;
	struct ulp_proc *p;
	struct status s0, s1, s2;
	struct target t;
	char err[512] = "";
	uint8_t b[ULP_JMP_LEN];
	int ret, ws;

	if (target_start(&t, args)) {
		check(0, "start ulp_target", "no status file");
		return;
	}
	ret = ulp_image__open(&img, &spec, err, sizeof(err));
	check(!ret, "ulp_image__open the good fix", err);
	if (ret)
		goto out;
	p = ready(img, t.pid, err, sizeof(err));
	check(p != NULL, "preflight and inject", err);
	if (!p)
		goto out;
	check(p->page && p->lib_base && p->sites[0].new_func, "inject filled page, base, new_func",
	      NULL);
	ret = ulp_proc__patch(img, p, err, sizeof(err));
	check(!ret && p->patched, "patch", err);
	note_freeze(p);
	site_bytes(t.pid, p->sites[0].addr, b);
	check(!memcmp(b, p->sites[0].patched, ULP_JMP_LEN), "site holds the jump after patch",
	      NULL);
	msleep(300);
	status_read(&t, &s0);
	msleep(300);
	status_read(&t, &s1);
	check(s1.delta == 2 && s1.new > s0.new && s1.errors == 0,
	      "patched: behaviour changed (delta 2, new function counting)", NULL);
	ret = ulp_proc__unpatch(img, p, err, sizeof(err));
	check(!ret && !p->patched, "unpatch", err);
	note_freeze(p);
	site_bytes(t.pid, p->sites[0].addr, b);
	check(!memcmp(b, p->sites[0].orig, ULP_JMP_LEN), "site holds the original after unpatch",
	      NULL);
	msleep(300);
	status_read(&t, &s1);
	msleep(300);
	status_read(&t, &s2);
	check(s2.delta == 1 && s2.new == s1.new && s2.old > s1.old,
	      "unpatched: behaviour back (delta 1, old function counting)", NULL);
	ulp_proc__free(p);
out:
	ulp_image__free(img);
	ret = target_stop(&t, &s2, &ws);
	check(!ret && WIFEXITED(ws) && !WEXITSTATUS(ws) && s2.calls == s2.old + s2.new,
	      "target exits cleanly, calls == old + new", NULL);
}

/*
 * Threads that live in clock_gettime() and nanosleep(), as every real service has: each stop
 * finds some inside the vDSO, and their stacks must be walked through it to the thread's
 * start. Then the whole patch and unpatch, which needs every stack walked.
 */
#define VDSO_STOPS	200

static void test_vdso(uint8_t *id, size_t idl)
{
	static const char *const args[] = { "-t", "2", "-p", "200", "-c", "4", NULL };
	struct ulp_spec spec = spec_for(FIX("good"), id, idl, false, 0);
	uint64_t ips[UNWIND_MAX_FRAMES], lo = 0, hi = 0;
	unsigned int in_vdso = 0, walked = 0, failed = 0;
	struct ulp_image *img = NULL;
	struct proc_maps maps;
	const struct proc_map *m;
	struct unwind *uw = NULL;
	struct ulp_proc *p;
	struct status s0, s1;
	struct target t;
	char err[512] = "", why[256];
	size_t i;
	int ret, r, n, ws;

	if (target_start(&t, args)) {
		check(0, "start ulp_target -c 4", "no status file");
		return;
	}
	if (!proc_maps__read(t.pid, &maps)) {
		m = proc_maps__find_path(&maps, "[vdso]", false);
		if (m) {
			lo = m->start;
			hi = m->end;
		}
		proc_maps__free(&maps);
	}
	check(hi > lo, "the target maps a vDSO", NULL);
	ret = unwind__new(&uw, t.pid);
	check(!ret, "unwinder for the target", strerror(-ret));
	for (r = 0; !ret && r < VDSO_STOPS; r++) {
		struct tracee tr;

		if (tracee__stop(&tr, t.pid, 1000000000ULL, err, sizeof(err)))
			break;
		for (i = 0; i < tr.nr; i++) {
			if (tr.t[i].regs.rip < lo || tr.t[i].regs.rip >= hi)
				continue;
			in_vdso++;
			n = unwind__frames(uw, tr.t[i].tid, ips, UNWIND_MAX_FRAMES);
			/* the vDSO, libc's clock_gettime, now_ns or clocker, start_thread, clone3 */
			if (n < 4)
				failed++;
			else
				walked++;
		}
		tracee__release(&tr, NULL, 0);
	}
	unwind__free(uw);
	snprintf(why, sizeof(why), "%u threads stopped in the vDSO in %d stops, %u walked, "
		 "%u failed", in_vdso, r, walked, failed);
	check(in_vdso >= VDSO_STOPS / 4 && !failed, "threads stopped in the vDSO are walked to their "
	      "start", why);
	printf("#   %s\n", why);

	ret = ulp_image__open(&img, &spec, err, sizeof(err));
	check(!ret, "ulp_image__open the good fix", err);
	if (ret)
		goto out;
	p = ready(img, t.pid, err, sizeof(err));
	check(p != NULL, "preflight and inject with 4 threads in the vDSO", err);
	if (!p)
		goto out;
	ret = ulp_proc__patch(img, p, err, sizeof(err));
	check(!ret && p->patched, "patch with 4 threads in the vDSO", err);
	msleep(300);
	status_read(&t, &s0);
	check(s0.delta == 2, "patched: the fix runs", NULL);
	ret = ulp_proc__unpatch(img, p, err, sizeof(err));
	check(!ret && !p->patched, "unpatch with 4 threads in the vDSO", err);
	msleep(300);
	status_read(&t, &s1);
	check(s1.delta == 1, "unpatched: the original runs", NULL);
	ulp_proc__free(p);
out:
	ulp_image__free(img);
	ret = target_stop(&t, &s1, &ws);
	check(!ret && WIFEXITED(ws) && !WEXITSTATUS(ws), "vDSO target exits cleanly", NULL);
}

static void test_build_id(uint8_t *id, size_t idl)
{
	static const char *const args[] = { "-t", "2", NULL };
	uint8_t wrong[64], before[64], after[64];
	struct ulp_spec spec;
	struct ulp_image *img = NULL;
	struct target t;
	char err[512] = "";
	uint64_t addr = 0;
	struct ulp_proc *p = NULL;
	int ret;

	memcpy(wrong, id, idl);
	wrong[0] ^= 0xff;
	spec = spec_for(FIX("good"), wrong, idl, false, 0);
	if (target_start(&t, args)) {
		check(0, "start ulp_target", "no status file");
		return;
	}
	/* the right image, only to learn where the site is */
	{
		struct ulp_spec good = spec_for(FIX("good"), id, idl, false, 0);
		struct ulp_image *gi;

		if (!ulp_image__open(&gi, &good, err, sizeof(err))) {
			if (!ulp_proc__preflight(gi, t.pid, 0, &p, err, sizeof(err)))
				addr = p->sites[0].func;
			ulp_proc__free(p);
			ulp_image__free(gi);
		}
	}
	proc__mem_read(t.pid, addr, before, sizeof(before));
	ret = ulp_image__open(&img, &spec, err, sizeof(err));
	check(ret == -EBADF && strstr(err, "build-id"), "build-id mismatch refused", err);
	printf("#   %s\n", err);
	msleep(100);
	proc__mem_read(t.pid, addr, after, sizeof(after));
	check(addr && !memcmp(before, after, sizeof(before)), "build-id mismatch: bytes untouched",
	      NULL);
	ulp_image__free(img);
	target_stop(&t, NULL, NULL);
}

static void test_asm(void)
{
	static const char *const names[] = { "ulp_too_short", "ulp_branch_into_site" };
	static const char *const want[] = { "too short", "inside the" };
	struct ulp_spec_func f = { .new_sym = "parse_request_fixed" };
	struct ulp_spec spec = { .library = FIX("good"), .target = ASM_TARGET, .funcs = &f,
				 .nr_funcs = 1 };
	struct ulp_image *img = NULL;
	uint8_t id[64];
	char err[512], what[128];
	size_t idl, i;
	int ret;

	if (hex_build_id(ASM_TARGET, id, &idl)) {
		check(0, "build-id of ulp_asm_target", NULL);
		return;
	}
	spec.build_id = id;
	spec.build_id_len = idl;
	for (i = 0; i < 2; i++) {
		f.old_sym = names[i];
		err[0] = '\0';
		ret = ulp_image__open(&img, &spec, err, sizeof(err));
		snprintf(what, sizeof(what), "%s refused by ulp_image__open", names[i]);
		check(ret == -EINVAL && strstr(err, want[i]), what, err);
		printf("#   %s\n", err);
		ulp_image__free(img);
		img = NULL;
	}
	/* a fine site, but the fix wants statics this program does not have */
	f.old_sym = "ulp_redirectable";
	ret = ulp_image__open(&img, &spec, err, sizeof(err));
	check(ret == -ENOENT && (strstr(err, "work_ns") || strstr(err, "new_calls")),
	      "a hotcanary_ref__ symbol missing from the target is refused, by name", err);
	printf("#   %s\n", err);
	ulp_image__free(img);
}

static void test_sleeper(uint8_t *id, size_t idl)
{
	static const char *const args[] = { "-t", "0", "-S", "1500", NULL };
	struct ulp_spec fast = spec_for(FIX("good"), id, idl, true, 300ULL * 1000000);
	struct ulp_spec slow = spec_for(FIX("good"), id, idl, true, 4000ULL * 1000000);
	struct ulp_image *img_fast = NULL, *img_slow = NULL;
	struct ulp_proc *p = NULL;
	uint8_t b[ULP_JMP_LEN];
	struct target t;
	char err[512] = "";
	uint64_t t0;
	int ret;

	if (target_start(&t, args)) {
		check(0, "start ulp_target -S", "no status file");
		return;
	}
	if (ulp_image__open(&img_fast, &fast, err, sizeof(err)) ||
	    ulp_image__open(&img_slow, &slow, err, sizeof(err))) {
		check(0, "open the strict images", err);
		goto out;
	}
	p = ready(img_fast, t.pid, err, sizeof(err));
	if (!p) {
		check(0, "inject (sleeper)", err);
		goto out;
	}
	ret = ulp_proc__patch(img_fast, p, err, sizeof(err));
	check(ret == -EBUSY && strstr(err, "parse_request"),
	      "thread sleeping in the old function, deadline 0.3 s < sleep: -EBUSY", err);
	printf("#   %s\n", err);
	site_bytes(t.pid, p->sites[0].addr, b);
	check(!memcmp(b, p->sites[0].orig, ULP_JMP_LEN) && !p->patched,
	      "-EBUSY left the bytes unchanged", NULL);
	t0 = (uint64_t)time(NULL);
	ret = ulp_proc__patch(img_slow, p, err, sizeof(err));
	check(!ret && p->attempts > 1, "deadline 4 s > sleep: patched once the thread left", err);
	printf("#   after %u attempts, %lu s\n", p->attempts, (unsigned long)(time(NULL) - t0));
	note_freeze(p);
	ret = ulp_proc__unpatch(img_slow, p, err, sizeof(err));
	check(!ret, "unpatch (sleeper)", err);
out:
	ulp_proc__free(p);
	ulp_image__free(img_fast);
	ulp_image__free(img_slow);
	target_stop(&t, NULL, NULL);
}

static void test_stress(uint8_t *id, size_t idl)
{
	static const char *const args[] = { "-t", "8", "-w", "0", NULL };
	struct ulp_spec spec = spec_for(FIX("good"), id, idl, false, 0);
	struct ulp_image *img = NULL;
	struct ulp_proc *p = NULL;
	struct status s;
	struct target t;
	char err[512] = "", what[128];
	unsigned int attempts = 0;
	int i, ret = 0, ws = 0;

	if (target_start(&t, args)) {
		check(0, "start ulp_target -t 8 -w 0", "no status file");
		return;
	}
	if (ulp_image__open(&img, &spec, err, sizeof(err)) ||
	    !(p = ready(img, t.pid, err, sizeof(err)))) {
		check(0, "stress: open and inject", err);
		goto out;
	}
	for (i = 0; i < STRESS_ROUNDS && !ret; i++) {
		ret = ulp_proc__patch(img, p, err, sizeof(err));
		attempts += p->attempts;
		note_freeze(p);
		if (!ret) {
			msleep(2);
			ret = ulp_proc__unpatch(img, p, err, sizeof(err));
			attempts += p->attempts;
			note_freeze(p);
		}
	}
	snprintf(what, sizeof(what), "stress: %d patch/unpatch rounds, 8 threads at full speed",
		 STRESS_ROUNDS);
	check(!ret, what, err);
	printf("#   %u stops for %d switches\n", attempts, 2 * STRESS_ROUNDS);
out:
	ulp_proc__free(p);
	ulp_image__free(img);
	ret = target_stop(&t, &s, &ws);
	check(!ret && WIFEXITED(ws) && !WEXITSTATUS(ws), "stress: target alive, exits cleanly",
	      NULL);
	snprintf(what, sizeof(what), "stress: calls %ld == old %ld + new %ld (no lost or doubled "
		 "call)", s.calls, s.old, s.new);
	check(s.calls == s.old + s.new && s.new > 0 && s.errors == 0, what, NULL);
}

static void test_journal(uint8_t *id, size_t idl)
{
	/*
	 * Workers that pause between requests: an unpatch from the journal alone cannot know
	 * whether the patch was strict, so it waits until no thread is inside the new function,
	 * which workers that never leave it do not give.
	 */
	static const char *const args[] = { "-t", "4", "-p", "200", NULL };
	struct ulp_spec spec = spec_for(FIX("good"), id, idl, false, 0);
	struct ulp_image *img = NULL;
	struct ulp_proc *p = NULL, *q = NULL, *other = NULL;
	uint8_t b[ULP_JMP_LEN];
	struct target t;
	char err[512] = "";
	int ret;

	if (target_start(&t, args)) {
		check(0, "start ulp_target", "no status file");
		return;
	}
	if (ulp_image__open(&img, &spec, err, sizeof(err)) ||
	    !(p = ready(img, t.pid, err, sizeof(err))) || ulp_proc__patch(img, p, err, sizeof(err))) {
		check(0, "journal: open, inject, patch", err);
		goto out;
	}
	/* what recover has: the journal's pid, start time and sites, nothing else */
	q = calloc(1, sizeof(*q));
	q->pid = p->pid;
	q->start_time = p->start_time + 1;
	q->nr_sites = p->nr_sites;
	q->sites = calloc(p->nr_sites, sizeof(*q->sites));
	memcpy(q->sites, p->sites, p->nr_sites * sizeof(*q->sites));
	ret = ulp_proc__unpatch(NULL, q, err, sizeof(err));
	site_bytes(t.pid, p->sites[0].addr, b);
	check(ret == -ESRCH && !memcmp(b, p->sites[0].patched, ULP_JMP_LEN),
	      "journal with a wrong start time (pid reuse): -ESRCH, untouched", err);
	printf("#   %s\n", err);
	ret = ulp_proc__preflight(img, t.pid, p->start_time + 1, &other, err, sizeof(err));
	check(ret == -ESRCH, "preflight with a wrong start time: -ESRCH", err);
	q->start_time = p->start_time;
	ret = ulp_proc__unpatch(NULL, q, err, sizeof(err));
	site_bytes(t.pid, p->sites[0].addr, b);
	check(!ret && !memcmp(b, p->sites[0].orig, ULP_JMP_LEN),
	      "unpatch from the journal (img NULL) restores the bytes, read from /proc/PID/mem",
	      err);
	note_freeze(q);
	ret = ulp_proc__unpatch(NULL, q, err, sizeof(err));
	check(!ret, "unpatch again: already unpatched is success", err);
	{
		unsigned int np, no;

		ret = ulp_proc__probe(q, &np, &no);
		check(!ret && np == 0 && no == 1, "probe: 0 patched, 1 original", NULL);
	}
out:
	ulp_proc__free(q);
	ulp_proc__free(p);
	ulp_proc__free(other);
	ulp_image__free(img);
	target_stop(&t, NULL, NULL);
}

static void test_not_mapped(uint8_t *id, size_t idl)
{
	struct ulp_spec spec = spec_for(FIX("good"), id, idl, false, 0);
	struct ulp_image *img = NULL;
	struct ulp_proc *p = NULL;
	char err[512] = "";
	pid_t pid;
	int ret;

	pid = fork();
	if (!pid) {
		execlp("sleep", "sleep", "5", (char *)NULL);
		_exit(127);
	}
	msleep(100);
	if (ulp_image__open(&img, &spec, err, sizeof(err))) {
		check(0, "open", err);
		goto out;
	}
	ret = ulp_proc__preflight(img, pid, 0, &p, err, sizeof(err));
	check(ret == -ENOENT, "preflight of a process without the target: -ENOENT", err);
	ret = ulp_proc__preflight(img, 1, 0, &p, err, sizeof(err));
	check(ret == -EPERM, "preflight of pid 1: -EPERM", err);
out:
	ulp_proc__free(p);
	ulp_image__free(img);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	double med, max;
	uint8_t id[64];
	size_t idl;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid()) {
		printf("1..0 # SKIP ulp_engine needs root (ptrace of its own children may be "
		       "enough, but /proc/PID/mem writes and yama are not guaranteed)\n");
		return 0;
	}
	if (hex_build_id(TARGET, id, &idl)) {
		printf("not ok 1 - build-id of %s\n", TARGET);
		return 1;
	}
	test_patch_unpatch(id, idl);
	test_vdso(id, idl);
	test_build_id(id, idl);
	test_asm();
	test_sleeper(id, idl);
	test_stress(id, idl);
	test_journal(id, idl);
	test_not_mapped(id, idl);
	percentiles(freezes, nr_freezes, &med, &max);
	printf("# freeze: %zu stops, median %.3f ms, max %.3f ms\n", nr_freezes, med, max);
	printf("1..%d\n", nr_test);
	if (nr_fail)
		printf("# %d of %d failed\n", nr_fail, nr_test);
	return nr_fail ? 1 : 0;
}
