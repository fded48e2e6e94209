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
#include <sys/stat.h>
#include "proc.h"
#include "tracee.h"
#include "ulp_common.h"
#include "unwind.h"

#define ASM_TARGET    FIXTURE_DIR "/ulp_asm_target"
#define STRESS_ROUNDS 50
#define MAX_FREEZES   (4 * STRESS_ROUNDS + 64)

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
		.library = lib,
		.target = TARGET,
		.build_id = id,
		.build_id_len = id_len,
		.funcs = parse_funcs,
		.nr_funcs = 1,
		.strict = strict,
		.deadline_ns = deadline_ns,
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
	check(s1.delta == 2 && s1.new > s0.new &&s1.errors == 0,
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
	check(s2.delta == 1 && s2.new == s1.new &&s2.old > s1.old,
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
#define VDSO_STOPS 200

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
	snprintf(why, sizeof(why),
		 "%u threads stopped in the vDSO in %d stops, %u walked, "
		 "%u failed",
		 in_vdso, r, walked, failed);
	check(in_vdso >= VDSO_STOPS / 4 && !failed,
	      "threads stopped in the vDSO are walked to their "
	      "start",
	      why);
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
	struct ulp_spec spec = { .library = FIX("good"),
				 .target = ASM_TARGET,
				 .funcs = &f,
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
	/* cppcheck-suppress redundantAssignment ; the loop's value was read through spec.funcs */
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
	snprintf(what, sizeof(what),
		 "stress: calls %ld == old %ld + new %ld (no lost or doubled "
		 "call)",
		 s.calls, s.old, s.new);
	check(s.calls == s.old + s.new &&s.new > 0 && s.errors == 0, what, NULL);
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
	    !(p = ready(img, t.pid, err, sizeof(err))) ||
	    ulp_proc__patch(img, p, err, sizeof(err))) {
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

/* the counts ulp_target -i appends to its status line */
struct sigstatus {
	long forked, reaped, sigchld, sigalrm, sigusr1, sigrt, rtsum, usr1code;
};

static int sig_status_read(const struct target *t, struct sigstatus *s)
{
	char line[512] = "", *p;
	FILE *f = fopen(t->status, "r");

	memset(s, 0, sizeof(*s));
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	p = strstr(line, "forked=");
	if (!p || sscanf(p,
			 "forked=%ld reaped=%ld sigchld=%ld sigalrm=%ld sigusr1=%ld sigrt=%ld "
			 "rtsum=%ld usr1code=%ld",
			 &s->forked, &s->reaped, &s->sigchld, &s->sigalrm, &s->sigusr1, &s->sigrt,
			 &s->rtsum, &s->usr1code) != 8)
		return -1;
	return 0;
}

/* /proc/PID/maps; [heap] by its start only: the loader's malloc() may grow it, for good */
static char *maps_text(pid_t pid)
{
	char path[64], line[1024], *out;
	size_t n = 0, cap = 1 << 16;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	out = calloc(1, cap);
	if (!f || !out) {
		if (f)
			fclose(f);
		free(out);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo;

		if (strstr(line, "[heap]") && sscanf(line, "%llx", &lo) == 1)
			snprintf(line, sizeof(line), "%llx [heap]\n", lo);
		if (n + strlen(line) + 1 > cap)
			break;
		memcpy(out + n, line, strlen(line) + 1);
		n += strlen(line);
	}
	fclose(f);
	return out;
}

static bool has_line(const char *text, const char *line, size_t l)
{
	const char *p = text;

	while ((p = strstr(p, "\n")) && p[1]) {
		p++;
		if (!strncmp(p, line, l) && p[l] == '\n')
			return true;
	}
	return !strncmp(text, line, l) && text[l] == '\n';
}

/*
 * Whether @after is @before but for what an injection leaves by design: the mappings of
 * @lib, the anonymous ones that start where one of them ends (its .bss; a neighbour it
 * merged with counts as changed) and the trampoline page at @page. @why gets the first
 * difference.
 */
static bool maps_same(const char *before, const char *after, const char *lib, uint64_t page,
		      char *why, size_t len)
{
	unsigned long long lo, hi, lib_end = 0;
	const char *p;
	size_t l;

	for (p = before; *p; p += l + 1) {
		l = strcspn(p, "\n");
		if (!has_line(after, p, l)) {
			snprintf(why, len, "'%.*s' is gone or changed", (int)l, p);
			return false;
		}
		if (!p[l])
			break;
	}
	for (p = after; *p; p += l + 1) {
		l = strcspn(p, "\n");
		if (sscanf(p, "%llx-%llx", &lo, &hi) == 2 && !has_line(before, p, l)) {
			bool anon = !memchr(p, '/', l) && !memchr(p, '[', l);

			if (memmem(p, l, lib, strlen(lib)))
				lib_end = hi;
			else if (!(anon && (lo == lib_end || lo == page))) {
				snprintf(why, len, "'%.*s' is new", (int)l, p);
				return false;
			}
		}
		if (!p[l])
			break;
	}
	return true;
}

/* how many anonymous executable mappings, and whether one is at @page */
static unsigned int anon_exec(pid_t pid, uint64_t page, bool *at_page)
{
	struct proc_maps maps;
	unsigned int n = 0;
	size_t i;

	*at_page = false;
	if (proc_maps__read(pid, &maps))
		return 0;
	for (i = 0; i < maps.n; i++) {
		if (!proc_map__is_exec(&maps.v[i]) || maps.v[i].inode || maps.v[i].path[0])
			continue;
		n++;
		*at_page |= maps.v[i].start == page;
	}
	proc_maps__free(&maps);
	return n;
}

/*
 * A process whose main thread, the one a remote call runs in, takes a SIGCHLD every
 * millisecond and a SIGALRM every 100 us, as a postmaster under pgbench does. Every call
 * and syscall of the injection gets signals: they are held and sent on at release.
 */
#define SIGNAL_CYCLES 50
#define SIGNAL_FAILS  50
#define HELD_CALL_MS  30
#define RT_VALUE      4242

/*
 * A remote call that sleeps HELD_CALL_MS while SIGALRM keeps coming, with SIGUSR1 and a
 * queued SIGRTMIN sent once: these go while the process is stopped, so that the thread of
 * the call is the one to take them, whatever the load of the machine.
 */
static void signals_held_call(struct target *t, struct ulp_proc *p)
{
	uint64_t args[6] = { (uint64_t)-1 }, ret = 1, t0, took = 0;
	union sigval val = { .sival_int = RT_VALUE };
	bool usr1 = false, rt = false;
	struct sigstatus s0, s1;
	struct tracee tr;
	size_t i, j, held = 0;
	char err[512] = "", what[256];
	int rc;

	sig_status_read(t, &s0);
	rc = tracee__stop(&tr, t->pid, 1000000000ULL, err, sizeof(err));
	if (rc) {
		check(0, "stop the signalled target", err);
		return;
	}
	kill(t->pid, SIGUSR1);
	sigqueue(t->pid, SIGRTMIN, val);
	t0 = tracee__now_ns();
	/* parse_request(-1) sleeps -S ms: the signals cut the nanosleep, which must restart */
	rc = tracee__call(&tr, p->page, p->sites[0].func, args, &ret, 2000000000ULL, err,
			  sizeof(err));
	took = tracee__now_ns() - t0;
	for (i = 0; i < tr.nr; i++) {
		for (j = 0; j < tr.t[i].nr_held; j++) {
			usr1 |= tr.t[i].held[j].si_signo == SIGUSR1;
			rt |= tr.t[i].held[j].si_signo == SIGRTMIN;
		}
		held += tr.t[i].nr_held;
	}
	tracee__release(&tr, NULL, 0);
	snprintf(what, sizeof(what),
		 "a %d ms remote call under signals returns, whole (%.1f ms, "
		 "%zu signals held%s%s)",
		 HELD_CALL_MS, (double)took / 1e6, held, usr1 ? ", SIGUSR1" : "",
		 rt ? ", SIGRTMIN" : "");
	check(!rc && ret == 0 && took >= (HELD_CALL_MS - 5) * 1000000ULL && usr1 && rt, what, err);
	printf("#   %s\n", what);
	msleep(300);
	sig_status_read(t, &s1);
	/* SIGUSR1 is injected at the detach: its si_code stays kill()'s, not our tgkill()'s */
	snprintf(what, sizeof(what),
		 "held SIGUSR1 and SIGRTMIN arrive after the call, once each, "
		 "siginfo intact: usr1 +%ld (si_code %ld), rt +%ld, sum +%ld",
		 s1.sigusr1 - s0.sigusr1, s1.usr1code, s1.sigrt - s0.sigrt, s1.rtsum - s0.rtsum);
	check(s1.sigusr1 == s0.sigusr1 + 1 && s1.usr1code == SI_USER && s1.sigrt == s0.sigrt + 1 &&
		      s1.rtsum == s0.rtsum + RT_VALUE,
	      what, NULL);
}

/* injections whose dlopen() fails, the library gone: each must leave the maps as they were */
static void signals_failed_injections(struct target *t, uint8_t *id, size_t idl)
{
	char lib[128], away[160], cmd[512], err[512] = "", what[256], why[512] = "";
	struct ulp_spec spec;
	struct ulp_image *img = NULL;
	char *before = NULL, *after;
	int i, failed_right = 0, same = 0;

	snprintf(lib, sizeof(lib), "/tmp/ulp-engine-%d-gone.so", getpid());
	snprintf(cmd, sizeof(cmd), "cp %s %s", FIX("good"), lib);
	spec = spec_for(lib, id, idl, false, 0);
	if (system(cmd) || ulp_image__open(&img, &spec, err, sizeof(err))) {
		check(0, "a copy of the good fix to delete", err);
		unlink(lib);
		return;
	}
	snprintf(away, sizeof(away), "%s.away", lib);
	for (i = 0; i < SIGNAL_FAILS; i++) {
		struct ulp_proc *q = NULL;
		int ret;

		if (!before)
			before = maps_text(t->pid);
		/* gone between the pre-flight, which would refuse it, and the injection */
		ret = ulp_proc__preflight(img, t->pid, 0, &q, err, sizeof(err));
		if (!ret && rename(lib, away))
			ret = -errno;
		if (!ret)
			ret = ulp_proc__inject(img, q, err, sizeof(err));
		rename(away, lib);
		if (ret == -ENOEXEC && strstr(err, "dlopen") && !strstr(err, "still mapped"))
			failed_right++;
		else if (!why[0])
			snprintf(why, sizeof(why), "attempt %d: %d %s", i, ret, err);
		after = maps_text(t->pid);
		if (before && after && !strcmp(before, after))
			same++;
		else if (before && after && !why[0])
			maps_same(before, after, "/nonexistent", 0, why, sizeof(why));
		free(after);
		ulp_proc__free(q);
	}
	snprintf(what, sizeof(what),
		 "%d of %d injections of a deleted library under signals fail "
		 "at dlopen, %d leave the maps as they were",
		 failed_right, SIGNAL_FAILS, same);
	check(failed_right == SIGNAL_FAILS && same == SIGNAL_FAILS, what, why);
	printf("#   %s; last: %s\n", what, err);
	unlink(lib);
	free(before);
	ulp_image__free(img);
}

static void test_signals(uint8_t *id, size_t idl)
{
	static const char *const args[] = { "-t", "2", "-p", "200", "-S", "30", "-i", NULL };
	struct ulp_spec spec = spec_for(FIX("good"), id, idl, false, 0);
	struct ulp_image *img = NULL;
	struct ulp_proc *p = NULL;
	struct sigstatus g0, g1, gend;
	struct status s;
	struct target t;
	char err[512] = "", what[256], why[512] = "";
	char *before = NULL, *after = NULL;
	uint64_t t0, secs_ns, v[SIGNAL_CYCLES * 2];
	double med, max;
	unsigned int n_exec;
	int i, ok = 0, ret, ws = 0;
	bool at_page;
	size_t nv = 0;

	if (target_start(&t, args)) {
		check(0, "start ulp_target -i", "no status file");
		return;
	}
	msleep(300);
	before = maps_text(t.pid);
	sig_status_read(&t, &g0);
	t0 = tracee__now_ns();
	if (ulp_image__open(&img, &spec, err, sizeof(err))) {
		check(0, "open the good fix", err);
		goto out;
	}
	p = ready(img, t.pid, err, sizeof(err));
	check(p != NULL, "inject into a process taking SIGCHLD every 1 ms, SIGALRM every 100 us",
	      err);
	if (!p)
		goto out;
	printf("#   inject: %u attempts, freeze %.3f ms\n", p->attempts,
	       (double)p->freeze_ns / 1e6);
	signals_held_call(&t, p);
	for (i = 0; i < SIGNAL_CYCLES; i++) {
		ret = ulp_proc__patch(img, p, err, sizeof(err));
		v[nv++] = p->freeze_ns;
		if (!ret && !i) {
			msleep(300);
			status_read(&t, &s);
			if (s.delta != 2)
				snprintf(why, sizeof(why), "patched, but delta %ld", s.delta);
		}
		if (!ret) {
			msleep(2);
			ret = ulp_proc__unpatch(img, p, err, sizeof(err));
			v[nv++] = p->freeze_ns;
		}
		if (!ret)
			ok++;
		else if (!why[0])
			snprintf(why, sizeof(why), "cycle %d: %s", i, err);
	}
	percentiles(v, nv, &med, &max);
	snprintf(what, sizeof(what),
		 "%d of %d patch/unpatch cycles under signals (freeze median "
		 "%.3f ms, max %.3f ms)",
		 ok, SIGNAL_CYCLES, med, max);
	check(ok == SIGNAL_CYCLES && !why[0], what, why);
	printf("#   %s\n", what);
	msleep(300);
	status_read(&t, &s);
	check(s.delta == 1, "unpatched: the original runs", NULL);
	sig_status_read(&t, &g1);
	secs_ns = tracee__now_ns() - t0;
	snprintf(what, sizeof(what),
		 "signals kept coming: in %.1f s %ld children forked, %ld "
		 "reaped (%ld SIGCHLD), %ld SIGALRM",
		 (double)secs_ns / 1e9, g1.forked - g0.forked, g1.reaped - g0.reaped,
		 g1.sigchld - g0.sigchld, g1.sigalrm - g0.sigalrm);
	/*
	 * A tenth of the nominal rates, and reaping at most 50 ms behind: a 2-core machine
	 * shared with others starves the target now and then. That none is lost for good is
	 * checked at its exit, when every child must be reaped.
	 */
	check((double)(g1.forked - g0.forked) >= 100.0 * (double)secs_ns / 1e9 &&
		      (double)(g1.sigalrm - g0.sigalrm) >= 1000.0 * (double)secs_ns / 1e9 &&
		      g1.forked - g1.reaped <= 50,
	      what, NULL);
	printf("#   %s\n", what);
	after = maps_text(t.pid);
	why[0] = '\0';
	check(before && after && maps_same(before, after, FIX("good"), p->page, why, sizeof(why)),
	      "after the last unpatch the maps are as before the injection, but for the fix "
	      "library and the trampoline page, which stay",
	      before && after ? why : "unreadable");
	n_exec = anon_exec(t.pid, p->page, &at_page);
	snprintf(what, sizeof(what), "one anonymous executable mapping, the trampoline page: %u",
		 n_exec);
	check(n_exec == 1 && at_page, what, NULL);
	signals_failed_injections(&t, id, idl);
out:
	free(before);
	free(after);
	ulp_proc__free(p);
	ulp_image__free(img);
	/* target_stop() without the unlink, to read the last counts */
	kill(t.pid, SIGTERM);
	ret = waitpid(t.pid, &ws, 0) == t.pid ? 0 : -1;
	sig_status_read(&t, &gend);
	unlink(t.status);
	snprintf(what, sizeof(what),
		 "signalled target exits cleanly, every child reaped: %ld "
		 "forked, %ld reaped",
		 gend.forked, gend.reaped);
	check(!ret && WIFEXITED(ws) && !WEXITSTATUS(ws) && gend.forked == gend.reaped &&
		      gend.forked > 0,
	      what, NULL);
}

/*
 * The whole apply and revert, the injection included, SIGNAL_CYCLES times: a fresh target
 * each time, since the library and the trampoline page stay after a revert.
 */
static void test_signals_inject(uint8_t *id, size_t idl)
{
	static const char *const args[] = { "-t", "2", "-p", "200", "-i", NULL };
	struct ulp_spec spec = spec_for(FIX("good"), id, idl, false, 0);
	uint64_t v[SIGNAL_CYCLES];
	struct ulp_image *img = NULL;
	char err[512] = "", what[256], why[512] = "";
	long forked = 0, reaped = 0;
	int i, ok = 0, ws;
	double med, max;
	size_t nv = 0;

	if (ulp_image__open(&img, &spec, err, sizeof(err))) {
		check(0, "open the good fix", err);
		return;
	}
	for (i = 0; i < SIGNAL_CYCLES; i++) {
		struct ulp_proc *p = NULL;
		struct sigstatus g;
		struct target t;
		char *before = NULL, *after = NULL, here[512] = "";

		if (target_start(&t, args)) {
			snprintf(here, sizeof(here), "cycle %d: ulp_target -i did not start", i);
			goto next;
		}
		before = maps_text(t.pid);
		p = ready(img, t.pid, err, sizeof(err));
		if (!p) {
			snprintf(here, sizeof(here), "cycle %d: inject: %s", i, err);
			goto stop;
		}
		if (nv < SIGNAL_CYCLES)
			v[nv++] = p->freeze_ns;
		if (ulp_proc__patch(img, p, err, sizeof(err)) ||
		    ulp_proc__unpatch(img, p, err, sizeof(err))) {
			snprintf(here, sizeof(here), "cycle %d: %s", i, err);
			goto stop;
		}
		after = maps_text(t.pid);
		if (!before || !after ||
		    !maps_same(before, after, FIX("good"), p->page, here, sizeof(here)))
			goto stop;
stop:
		kill(t.pid, SIGTERM);
		if (waitpid(t.pid, &ws, 0) != t.pid || !WIFEXITED(ws) || WEXITSTATUS(ws))
			snprintf(here, sizeof(here), "cycle %d: the target did not exit cleanly",
				 i);
		if (sig_status_read(&t, &g) || g.forked != g.reaped)
			snprintf(here, sizeof(here), "cycle %d: %ld children forked, %ld reaped", i,
				 g.forked, g.reaped);
		forked += g.forked;
		reaped += g.reaped;
		unlink(t.status);
next:
		if (!here[0])
			ok++;
		else if (!why[0])
			snprintf(why, sizeof(why), "%s", here);
		free(before);
		free(after);
		ulp_proc__free(p);
	}
	ulp_image__free(img);
	percentiles(v, nv, &med, &max);
	snprintf(what, sizeof(what),
		 "%d of %d inject/patch/unpatch cycles under signals, fresh "
		 "targets, maps as before, every child reaped (%ld of %ld); inject freeze median "
		 "%.3f ms, max %.3f ms",
		 ok, SIGNAL_CYCLES, reaped, forked, med, max);
	check(ok == SIGNAL_CYCLES, what, why);
	printf("#   %s\n", what);
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

#define EJECT_CYCLES 20

/*
 * Apply and roll back EJECT_CYCLES times in one process, 4 threads calling the patched
 * function all along, each time unloading the library once reverted: the maps end as they
 * began, with no page left behind, and the fix ran in every cycle.
 */
static void test_eject_cycles(uint8_t *id, size_t idl)
{
	static const char *const args[] = { "-t", "4", NULL };
	struct ulp_spec spec = spec_for(FIX("good"), id, idl, false, 0);
	char err[512] = "", what[256], why[512] = "";
	char *before = NULL, *after = NULL;
	struct ulp_image *img = NULL;
	struct ulp_proc *p = NULL;
	uint64_t v[EJECT_CYCLES];
	unsigned int n_exec;
	int i, ok = 0, ws;
	struct status s;
	struct target t;
	double med, max;
	bool at_page;
	size_t nv = 0;

	if (target_start(&t, args)) {
		check(0, "start ulp_target", "no status file");
		return;
	}
	msleep(200);
	before = maps_text(t.pid);
	if (ulp_image__open(&img, &spec, err, sizeof(err)) ||
	    ulp_proc__preflight(img, t.pid, 0, &p, err, sizeof(err))) {
		check(0, "open the good fix and pre-flight", err);
		goto out;
	}
	check(ulp_proc__eject(img, p, err, sizeof(err)) == 0, "eject of a process not injected: 0",
	      err);
	for (i = 0; i < EJECT_CYCLES; i++) {
		if (ulp_proc__inject(img, p, err, sizeof(err)) ||
		    ulp_proc__patch(img, p, err, sizeof(err))) {
			snprintf(why, sizeof(why), "cycle %d: %s", i, err);
			break;
		}
		if (!i && ulp_proc__eject(img, p, err, sizeof(err)) != -EINVAL) {
			snprintf(why, sizeof(why), "eject of a patched process did not refuse");
			break;
		}
		msleep(300);
		status_read(&t, &s);
		if (s.delta != 2) {
			snprintf(why, sizeof(why), "cycle %d: patched, but delta %ld", i, s.delta);
			break;
		}
		if (ulp_proc__unpatch(img, p, err, sizeof(err)) ||
		    ulp_proc__eject(img, p, err, sizeof(err))) {
			snprintf(why, sizeof(why), "cycle %d: %s", i, err);
			break;
		}
		v[nv++] = p->freeze_ns;
		if (p->injected || p->page || p->lib_base) {
			snprintf(why, sizeof(why), "cycle %d: still marked injected", i);
			break;
		}
		ok++;
	}
	percentiles(v, nv, &med, &max);
	snprintf(what, sizeof(what),
		 "%d of %d inject/patch/unpatch/eject cycles in one process, 4 threads calling "
		 "(eject freeze median %.3f ms, max %.3f ms)",
		 ok, EJECT_CYCLES, med, max);
	check(ok == EJECT_CYCLES, what, why);
	printf("#   %s\n", what);
	msleep(100);
	status_read(&t, &s);
	check(s.delta == 1, "after the last eject the original runs", NULL);
	after = maps_text(t.pid);
	why[0] = '\0';
	check(before && after && maps_same(before, after, "/nonexistent", 0, why, sizeof(why)),
	      "after the last eject the maps are as before the first injection",
	      before && after ? why : "unreadable");
	n_exec = anon_exec(t.pid, 0, &at_page);
	snprintf(what, sizeof(what), "no anonymous executable mapping is left: %u", n_exec);
	check(n_exec == 0, what, NULL);
out:
	free(before);
	free(after);
	ulp_proc__free(p);
	ulp_image__free(img);
	check(!target_stop(&t, &s, &ws) && WIFEXITED(ws) && !WEXITSTATUS(ws),
	      "the target exits cleanly after the eject cycles", NULL);
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
	test_signals(id, idl);
	test_signals_inject(id, idl);
	test_eject_cycles(id, idl);
	percentiles(freezes, nr_freezes, &med, &max);
	printf("# freeze: %zu stops, median %.3f ms, max %.3f ms\n", nr_freezes, med, max);
	printf("1..%d\n", nr_test);
	if (nr_fail)
		printf("# %d of %d failed\n", nr_fail, nr_test);
	return nr_fail ? 1 : 0;
}
