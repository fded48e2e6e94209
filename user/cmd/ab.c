// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary ab POLICY --rounds N --period D: switchback. The patch goes out and in N times
 * each, every period is measured, and the on-periods are compared with the off-periods the
 * way 'compare' compares two recordings: interleaving cancels the drift that fools a single
 * before/after pair (tools/docs/design/statistics.md section 9). run_exec.c runs it,
 * ab_report.c reports it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "cmd.h"
#include "journal.h"
#include "run_exec.h"
#include "units.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hotcanary ab POLICY --rounds N --period DURATION [OPTIONS]\n"
		"\n"
		"Take the policy's patch out and in N times each, DURATION each time, and compare\n"
		"every watched function's on-periods with its off-periods. Rounds alternate\n"
		"off-on and on-off. The patch ends as the policy's ab.end says (default removed).\n"
		"\n"
		"  -n, --rounds N       rounds of one off and one on period (2 to 1000)\n"
		"  -p, --period D       length of each period, e.g. 5s (at least 1s)\n"
		"  --json               print the comparison as JSON\n"
		"  --svg FILE           draw the on and off latency distributions\n"
		"  --report FILE        write the run report, with every period, as JSON\n"
		"  -m, --mode MODE      kernel probes: auto, fentry, kprobe\n"
		"  --state-dir DIR      where journals live (default " JOURNAL_DEFAULT_DIR ")\n"
		"  -h, --help           this help\n"
		"\n"
		"exit status: 0 done, 3 stopped by a guardrail (patch taken out), 4 refused,\n"
		"             2 bad usage or policy, 1 any other error\n");
}

int cmd_ab(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'n' },
		{ "period", required_argument, NULL, 'p' },
		{ "report", required_argument, NULL, 'r' },
		{ "svg", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "mode", required_argument, NULL, 'm' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct run_opts o = { .state_dir = JOURNAL_DEFAULT_DIR, .mode = HC_MODE_AUTO, .ab = true };
	char *end;
	long v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:p:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 2 || v > 1000) {
				p_err("invalid rounds '%s': expected a whole number from 2 to 1000 (the "
				      "Mann-Whitney test needs 4 periods a side to reach p < 0.05)",
				      optarg);
				return HC_EXIT_USAGE;
			}
			o.rounds = (unsigned int)v;
			break;
		case 'p':
			if (duration__parse(optarg, &o.period_ns) || o.period_ns < 1000000000ULL) {
				p_err("invalid period '%s': expected a duration of at least 1s, e.g. 5s",
				      optarg);
				return HC_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return HC_EXIT_OK;
		default:
			c = run__option(c, optarg, &o);
			if (c < 0) {
				usage(stderr);
				return HC_EXIT_USAGE;
			}
			if (c > 0)
				return HC_EXIT_USAGE;
			break;
		}
	}
	if (optind != argc - 1 || !o.rounds || !o.period_ns) {
		p_err("expected one POLICY, --rounds N and --period D; see 'hotcanary ab -h'");
		return HC_EXIT_USAGE;
	}
	o.policy = argv[optind];
	return run__execute(&o);
}
