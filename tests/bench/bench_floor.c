// SPDX-License-Identifier: GPL-2.0
/*
 * bench_floor: attach the empty uprobe/uretprobe pair of bench_floor.bpf.c to one user
 * function and hold it until SIGINT or SIGTERM. Attached the same way hotcanary attaches
 * its programs (one perf-event uprobe link each), so the difference between the two is
 * what hotcanary's programs do, not how they are attached.
 *
 * usage: bench_floor [-s] BINARY:SYMBOL
 *   -s   count the programs' runs (kernel BPF run-time statistics) and print them at
 *        exit; this adds two clock reads per run, so never use it for a timed run
 *
 * Prints "bench_floor: ready ..." on stderr once both probes are attached.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench_floor.skel.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: bench_floor [-s] BINARY:SYMBOL\n"
		     "  -s   count program runs and print them at exit (not for timed runs)\n");
}

/* keep libbpf's warnings (they explain a failed load or attach), drop its chatter */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || level == LIBBPF_INFO)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static struct bpf_link *attach(struct bpf_program *prog, const char *path, const char *sym,
			       int retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = sym, .retprobe = retprobe);

	/* pid -1: every process that maps the binary, as hotcanary does without @PID */
	return bpf_program__attach_uprobe_opts(prog, -1, path, 0, &uo);
}

static void print_stats(const char *what, const struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len)) {
		fprintf(stderr, "bench_floor: cannot read the %s program's statistics: %s\n", what,
			strerror(errno));
		return;
	}
	fprintf(stderr, "bench_floor: %s runs=%llu run_ns=%llu\n", what,
		(unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns);
}

int main(int argc, char **argv)
{
	struct bench_floor_bpf *skel = NULL;
	char path[PATH_MAX], *spec, *sym;
	int c, sig, stats = 0, stats_fd = -1, rc = 1;
	sigset_t mask;

	while ((c = getopt(argc, argv, "sh")) != -1) {
		switch (c) {
		case 's':
			stats = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	spec = argv[optind];
	/* the last colon: a path may hold one, a C symbol never does */
	sym = strrchr(spec, ':');
	if (!sym || sym == spec || !sym[1]) {
		fprintf(stderr,
			"bench_floor: invalid target '%s': expected BINARY:SYMBOL, e.g. "
			"build/tests/bench_target:bench_fn\n",
			spec);
		return 2;
	}
	*sym++ = '\0';
	if (!realpath(spec, path)) {
		fprintf(stderr, "bench_floor: cannot open binary '%s': %s\n", spec,
			strerror(errno));
		return 1;
	}
	libbpf_set_print(libbpf_print);

	/* blocked before attaching: a signal that comes early must still end in a detach */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	if (stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0) {
			fprintf(stderr,
				"bench_floor: cannot enable BPF run statistics: %s; "
				"run as root\n",
				strerror(-stats_fd));
			return 1;
		}
	}
	skel = bench_floor_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr,
			"bench_floor: cannot load the floor BPF programs: %s; run as root "
			"on a kernel with uprobe BPF support\n",
			strerror(errno));
		goto out;
	}
	/* exit first, as hotcanary does, so that no entry runs without its exit in place */
	skel->links.floor_exit = attach(skel->progs.floor_exit, path, sym, 1);
	if (!skel->links.floor_exit) {
		fprintf(stderr,
			"bench_floor: cannot attach the uretprobe to '%s:%s': %s; check "
			"that the symbol is a function defined in the binary\n",
			path, sym, strerror(errno));
		goto out;
	}
	skel->links.floor_entry = attach(skel->progs.floor_entry, path, sym, 0);
	if (!skel->links.floor_entry) {
		fprintf(stderr,
			"bench_floor: cannot attach the uprobe to '%s:%s': %s; check that "
			"the symbol is a function defined in the binary\n",
			path, sym, strerror(errno));
		goto out;
	}
	fprintf(stderr, "bench_floor: ready, probing %s:%s\n", path, sym);

	do
		sig = sigwaitinfo(&mask, NULL);
	while (sig < 0 && errno == EINTR);

	/* entry first, then exit: calls under way still find their exit probe */
	bpf_link__destroy(skel->links.floor_entry);
	skel->links.floor_entry = NULL;
	bpf_link__destroy(skel->links.floor_exit);
	skel->links.floor_exit = NULL;
	if (stats) {
		print_stats("entry", skel->progs.floor_entry);
		print_stats("exit", skel->progs.floor_exit);
	}
	rc = 0;
out:
	bench_floor_bpf__destroy(skel);
	if (stats_fd >= 0)
		close(stats_fd);
	return rc;
}
