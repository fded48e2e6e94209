// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary run POLICY: the whole lifecycle of one patch, with live progress, a before/after
 * report and an exit code that says what happened (run_exec.c, which 'ab' drives too).
 */
#include <getopt.h>
#include <stdio.h>
#include "cmd.h"
#include "journal.h"
#include "run_exec.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hotcanary run POLICY [OPTIONS]\n"
		"\n"
		"  --dry-run            check the policy and the host, measure nothing, change nothing\n"
		"  --report FILE        write the report (decision, timeline, statistics) as JSON\n"
		"  --svg FILE           draw each function's latency, reference against canary\n"
		"  --prom-file PATH     keep Prometheus metrics in PATH (node_exporter textfile)\n"
		"  --json               print the report as JSON instead of a table\n"
		"  -m, --mode MODE      kernel probes: auto (the checks' choice), fentry, kprobe\n"
		"  --state-dir DIR      where journals live (default " JOURNAL_DEFAULT_DIR ")\n"
		"  -h, --help           this help\n"
		"\n"
		"exit status: 0 committed, 3 rolled back, 4 refused before any change, 5 held\n"
		"             (the judge could not decide: 'hotcanary resume' ends the run),\n"
		"             2 bad usage or policy, 1 any other error (system left consistent)\n");
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "report", required_argument, NULL, 'r' },
		{ "svg", required_argument, NULL, 'S' },
		{ "prom-file", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "mode", required_argument, NULL, 'm' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct run_opts o = { .state_dir = JOURNAL_DEFAULT_DIR, .mode = HC_MODE_AUTO };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.dry = 1;
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
	if (optind != argc - 1) {
		p_err("expected one POLICY file; see 'hotcanary run -h'");
		return HC_EXIT_USAGE;
	}
	o.policy = argv[optind];
	return run__execute(&o);
}
