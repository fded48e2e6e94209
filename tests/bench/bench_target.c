// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark target: calls a tiny out-of-line function in a tight loop and reports the
 * average cost per call, so that a probe's added cost is the difference between a traced
 * and an untraced run. Options:
 *   -n N        calls per run (default 1000000)
 *   -f FUNC     what to call: bench_fn (default), bench_fn0 .. bench_fn19, or "all" for
 *               the 20 numbered functions round robin; or one of the probe sites below
 *   -t SECS     instead of N calls, call the 20 numbered functions round robin for SECS
 *               seconds (a steady load for measuring the tracer's own CPU use)
 *   -w          wait for a line (or EOF) on stdin before starting, so a tracer can attach
 * Output, one line on stdout:
 *   bench_target: fn=FUNC calls=N total_ns=T ns_per_call=X sum=S
 * sum is the folded results; printing it keeps the compiler from dropping the calls.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NR_FUNCS 20

/*
 * noipa, not just noinline: at -O2 gcc would otherwise clone a function for a constant
 * argument (bench_fn.constprop.0, which the probe on bench_fn never sees), fold the 20
 * look-alike functions into one (identical code folding) or treat them as const. Each
 * body differs as well, so even a linker-level fold has nothing to merge.
 */
#define BENCH_FN(name, k)                                               \
	__attribute__((noipa, used)) int name(int x);                   \
	__attribute__((noipa, used)) int name(int x)                    \
	{                                                               \
		/* unsigned: the loop index overflows an int product */ \
		return (int)((unsigned int)x * (2 * (k) + 3) + (k));    \
	}

BENCH_FN(bench_fn, 100)
BENCH_FN(bench_fn0, 0)
BENCH_FN(bench_fn1, 1)
BENCH_FN(bench_fn2, 2)
BENCH_FN(bench_fn3, 3)
BENCH_FN(bench_fn4, 4)
BENCH_FN(bench_fn5, 5)
BENCH_FN(bench_fn6, 6)
BENCH_FN(bench_fn7, 7)
BENCH_FN(bench_fn8, 8)
BENCH_FN(bench_fn9, 9)
BENCH_FN(bench_fn10, 10)
BENCH_FN(bench_fn11, 11)
BENCH_FN(bench_fn12, 12)
BENCH_FN(bench_fn13, 13)
BENCH_FN(bench_fn14, 14)
BENCH_FN(bench_fn15, 15)
BENCH_FN(bench_fn16, 16)
BENCH_FN(bench_fn17, 17)
BENCH_FN(bench_fn18, 18)
BENCH_FN(bench_fn19, 19)

typedef int (*bench_fn_t)(int);

/*
 * The same two-instruction body behind three first instructions, the kinds of site a uprobe
 * is put on: one the kernel emulates (push), one it single-steps out of line (imul), and a
 * 5-byte nop, which kernels with optimized uprobes (x86-64, 6.16 on) turn into a call to a
 * trampoline instead of a trap. Written in assembly, so that the compiler keeps each first
 * instruction as it is.
 */
int site_push(int x);
int site_xol(int x);
int site_nop5(int x);
int site_endbr(int x);
__asm__(".text\n"
	".globl site_push\n.type site_push, @function\n"
	"site_push:\n\tpush %rbx\n\tlea 3(%rdi), %eax\n\tpop %rbx\n\tret\n"
	".size site_push, .-site_push\n"
	".globl site_xol\n.type site_xol, @function\n"
	"site_xol:\n\timul $7, %edi, %eax\n\tadd $3, %eax\n\tret\n"
	".size site_xol, .-site_xol\n"
	".globl site_nop5\n.type site_nop5, @function\n"
	"site_nop5:\n\t.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n\tlea 3(%rdi), %eax\n\tret\n"
	".size site_nop5, .-site_nop5\n"
	".globl site_endbr\n.type site_endbr, @function\n"
	"site_endbr:\n\tendbr64\n\tpush %rbx\n\tlea 3(%rdi), %eax\n\tpop %rbx\n\tret\n"
	".size site_endbr, .-site_endbr\n");

static const struct {
	const char *name;
	bench_fn_t fn;
} sites[] = { { "site_push", site_push },
	      { "site_xol", site_xol },
	      { "site_nop5", site_nop5 },
	      { "site_endbr", site_endbr } };

static const bench_fn_t funcs[NR_FUNCS] = {
	bench_fn0,  bench_fn1,	bench_fn2,  bench_fn3,	bench_fn4,  bench_fn5,	bench_fn6,
	bench_fn7,  bench_fn8,	bench_fn9,  bench_fn10, bench_fn11, bench_fn12, bench_fn13,
	bench_fn14, bench_fn15, bench_fn16, bench_fn17, bench_fn18, bench_fn19,
};

static void usage(FILE *out)
{
	fprintf(out, "usage: bench_target [-n N] [-f FUNC] [-t SECS] [-w]\n"
		     "  -n N      calls per run (default 1000000)\n"
		     "  -f FUNC   bench_fn (default), bench_fn0 .. bench_fn19, all (round robin),\n"
		     "            or a probe site: site_push, site_xol, site_nop5,\n"
		     "            site_endbr\n"
		     "  -t SECS   call bench_fn0 .. bench_fn19 round robin for SECS seconds\n"
		     "  -w        wait for a line on stdin before starting\n");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* the measured case: a direct call, so the loop adds nothing but the call itself */
static int64_t run_direct(uint64_t n)
{
	int64_t sum = 0;
	uint64_t i;

	for (i = 0; i < n; i++)
		sum += bench_fn((int)i);
	return sum;
}

static int64_t run_one(bench_fn_t fn, uint64_t n)
{
	int64_t sum = 0;
	uint64_t i;

	for (i = 0; i < n; i++)
		sum += fn((int)i);
	return sum;
}

static int64_t run_round_robin(uint64_t n)
{
	int64_t sum = 0;
	uint64_t i;
	int f = 0;

	for (i = 0; i < n; i++) {
		sum += funcs[f]((int)i);
		if (++f == NR_FUNCS)
			f = 0;
	}
	return sum;
}

/* round robin until @secs have passed; returns the number of calls made in *calls */
static int64_t run_for(double secs, uint64_t *calls)
{
	uint64_t deadline = now_ns() + (uint64_t)(secs * 1e9), n = 0;
	int64_t sum = 0;
	int f, r;

	do {
		/* read the clock every 64 rounds: cheap next to 1280 calls, even untraced */
		for (r = 0; r < 64; r++)
			for (f = 0; f < NR_FUNCS; f++)
				sum += funcs[f]((int)n++);
	} while (now_ns() < deadline);
	*calls = n;
	return sum;
}

/*
 * -1: bench_fn, NR_FUNCS: all, NR_FUNCS + 1 + k: sites[k], else the index of bench_fnK;
 * -2: unknown
 */
static int parse_func(const char *s)
{
	char *end;
	size_t j;
	long k;

	if (!strcmp(s, "bench_fn"))
		return -1;
	for (j = 0; j < sizeof(sites) / sizeof(sites[0]); j++)
		if (!strcmp(s, sites[j].name))
			return NR_FUNCS + 1 + (int)j;
	if (!strcmp(s, "all"))
		return NR_FUNCS;
	if (strncmp(s, "bench_fn", 8) || !s[8])
		return -2;
	errno = 0;
	k = strtol(s + 8, &end, 10);
	if (errno || *end || k < 0 || k >= NR_FUNCS)
		return -2;
	return (int)k;
}

int main(int argc, char **argv)
{
	uint64_t n = 1000000, t0, t1;
	const char *fname = "bench_fn";
	double secs = 0;
	int64_t sum;
	int c, wait = 0, which = -1;
	char *end;

	while ((c = getopt(argc, argv, "n:f:t:wh")) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			n = strtoull(optarg, &end, 10);
			if (errno || *end || !n || optarg[0] == '-') {
				fprintf(stderr,
					"bench_target: invalid call count '%s': expected a "
					"positive integer, e.g. -n 100000\n",
					optarg);
				return 2;
			}
			break;
		case 'f':
			which = parse_func(optarg);
			if (which == -2) {
				fprintf(stderr,
					"bench_target: unknown function '%s': expected "
					"bench_fn, bench_fn0 .. bench_fn19, all, site_push, "
					"site_xol, site_nop5 or site_endbr\n",
					optarg);
				return 2;
			}
			fname = optarg;
			break;
		case 't':
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno || *end || !(secs > 0)) {
				fprintf(stderr,
					"bench_target: invalid duration '%s': expected "
					"seconds, e.g. -t 15\n",
					optarg);
				return 2;
			}
			break;
		case 'w':
			wait = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (wait) {
		char line[64];

		/* EOF also starts the run: a harness that closes the pipe means "go" too */
		if (!fgets(line, sizeof(line), stdin) && ferror(stdin)) {
			fprintf(stderr, "bench_target: cannot read stdin: %s\n", strerror(errno));
			return 1;
		}
	}

	t0 = now_ns();
	if (secs > 0) {
		fname = "all";
		sum = run_for(secs, &n);
	} else if (which == -1) {
		sum = run_direct(n);
	} else if (which == NR_FUNCS) {
		sum = run_round_robin(n);
	} else if (which > NR_FUNCS) {
		sum = run_one(sites[which - NR_FUNCS - 1].fn, n);
	} else {
		sum = run_one(funcs[which], n);
	}
	t1 = now_ns();

	printf("bench_target: fn=%s calls=%llu total_ns=%llu ns_per_call=%.3f sum=%lld\n", fname,
	       (unsigned long long)n, (unsigned long long)(t1 - t0), (double)(t1 - t0) / (double)n,
	       (long long)sum);
	return 0;
}
