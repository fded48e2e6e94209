// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace hotpatching costs, on real ulp_target processes (run as root):
 *   build/tests/ulp_bench [CYCLES]
 * 1. stop-the-world time of patch and unpatch, median and max, for 1, 8 and 32 threads
 *    calling parse_request() at full speed (CYCLES patch/unpatch pairs each, default 30);
 * 2. the per-call cost of the redirect: ns per call of one thread before and after patching
 *    (the fix does the same work as the original, so the difference is the two jumps).
 * Acceptance: freeze median <= 2 ms with 8 threads.
 */
#include "../host/ulp_common.h"

#define MAX_CYCLES 1000
#define SAMPLES	   15

static const struct ulp_spec_func funcs[] = {
	{ .old_sym = "parse_request", .new_sym = "parse_request_fixed" },
};

static int freeze_row(const struct ulp_spec *spec, const char *threads, int cycles, double *med,
		      double *max)
{
	const char *args[] = { "-t", threads, "-w", "0", NULL };
	static uint64_t v[2 * MAX_CYCLES];
	struct ulp_image *img = NULL;
	struct ulp_proc *p = NULL;
	struct target t;
	char err[512] = "";
	size_t n = 0;
	int i, ret = -1;

	if (target_start(&t, args))
		return -1;
	if (ulp_image__open(&img, spec, err, sizeof(err)) ||
	    ulp_proc__preflight(img, t.pid, 0, &p, err, sizeof(err)) ||
	    ulp_proc__inject(img, p, err, sizeof(err)))
		goto out;
	for (i = 0; i < cycles; i++) {
		if (ulp_proc__patch(img, p, err, sizeof(err)))
			goto out;
		v[n++] = p->freeze_ns;
		msleep(5);
		if (ulp_proc__unpatch(img, p, err, sizeof(err)))
			goto out;
		v[n++] = p->freeze_ns;
		msleep(5);
	}
	percentiles(v, n, med, max);
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "ulp_bench: %s threads: %s\n", threads, err);
	ulp_proc__free(p);
	ulp_image__free(img);
	target_stop(&t, NULL, NULL);
	return ret;
}

static double median_nspc(const struct target *t)
{
	double v[SAMPLES], x;
	struct status s;
	int i, j;

	for (i = 0; i < SAMPLES; i++) {
		msleep(110);
		status_read(t, &s);
		v[i] = s.nspc;
	}
	for (i = 1; i < SAMPLES; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return v[SAMPLES / 2];
}

static int redirect_cost(const struct ulp_spec *spec, double *before, double *after)
{
	static const char *const args[] = { "-t", "1", "-w", "0", "-b", NULL };
	struct ulp_image *img = NULL;
	struct ulp_proc *p = NULL;
	struct target t;
	char err[512] = "";
	int ret = -1;

	if (target_start(&t, args))
		return -1;
	if (ulp_image__open(&img, spec, err, sizeof(err)) ||
	    ulp_proc__preflight(img, t.pid, 0, &p, err, sizeof(err)) ||
	    ulp_proc__inject(img, p, err, sizeof(err)))
		goto out;
	msleep(300);
	*before = median_nspc(&t);
	if (ulp_proc__patch(img, p, err, sizeof(err)))
		goto out;
	msleep(300);
	*after = median_nspc(&t);
	ret = ulp_proc__unpatch(img, p, err, sizeof(err));
out:
	if (ret)
		fprintf(stderr, "ulp_bench: redirect cost: %s\n", err);
	ulp_proc__free(p);
	ulp_image__free(img);
	target_stop(&t, NULL, NULL);
	return ret;
}

int main(int argc, char **argv)
{
	static const char *const threads[] = { "1", "8", "32" };
	struct ulp_spec spec = { .library = FIX("good"),
				 .target = TARGET,
				 .funcs = funcs,
				 .nr_funcs = 1 };
	int cycles = argc > 1 ? atoi(argv[1]) : 30, fail = 0;
	double med, max, before = 0, after = 0;
	uint8_t id[64];
	size_t idl, i;

	if (cycles < 1 || cycles > MAX_CYCLES)
		cycles = 30;
	if (hex_build_id(TARGET, id, &idl)) {
		fprintf(stderr, "ulp_bench: no build-id in %s\n", TARGET);
		return 1;
	}
	spec.build_id = id;
	spec.build_id_len = idl;
	printf("stop-the-world per patch or unpatch, %d cycles, threads at full speed:\n", cycles);
	printf("  %-8s %12s %12s\n", "threads", "median ms", "max ms");
	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		if (freeze_row(&spec, threads[i], cycles, &med, &max)) {
			fail = 1;
			continue;
		}
		printf("  %-8s %12.3f %12.3f\n", threads[i], med, max);
	}
	if (redirect_cost(&spec, &before, &after)) {
		fail = 1;
	} else {
		printf("per call of parse_request (1 thread, no work):\n");
		printf("  unpatched %.2f ns, redirected %.2f ns: +%.2f ns per call\n", before,
		       after, after - before);
	}
	return fail;
}
