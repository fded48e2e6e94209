// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary compare A.json B.json: two recordings of 'hotcanary record' side by side, per
 * function (the report is compare_report.c's, which 'ab' prints too).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "compare_report.h"
#include "units.h"

#define COMPARE_MAX_MATCHES 64

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hotcanary compare [OPTIONS] A.json B.json\n"
		"\n"
		"  Compares two files of 'hotcanary record', A before and B after a change.\n"
		"\n"
		"  -j, --json                one JSON document instead of the table\n"
		"  -s, --svg FILE            draw A's and B's latency distributions into FILE\n"
		"  -a, --alpha P             significance level (default 0.05)\n"
		"  -t, --threshold PCT       noise threshold: smaller changes never count\n"
		"                            (default 1)\n"
		"  -M, --match OLD=NEW       pair function OLD of A with NEW of B (renamed, or one\n"
		"                            of several processes); repeatable\n"
		"  -m, --max-input-size SIZE refuse a recording larger than SIZE (default 256M)\n"
		"  -h, --help                this help\n"
		"\n"
		"  Per function and metric: A and B with their 95%% interval as +-, the delta\n"
		"  B/A-1, its 95%% interval by resampling whole windows, and the two-sided\n"
		"  Mann-Whitney p-value over per-window values with n = windows of A + of B.\n"
		"  A delta shows as ~ unless p < alpha and its whole interval lies beyond the\n"
		"  noise threshold. Functions are paired by FUNC, then by binary and symbol: the\n"
		"  same function recorded in other processes (@PID) or on another host pairs.\n"
		"\n"
		"exit status: 0 compared (whatever the deltas), 2 bad usage or a bad recording,\n"
		"             1 any other error\n");
}

int cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "svg", required_argument, NULL, 's' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "threshold", required_argument, NULL, 't' },
		{ "max-input-size", required_argument, NULL, 'm' },
		{ "match", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct comparison_opts o = COMPARISON_OPTS_DEFAULT;
	struct recording ra = { 0 }, rb = { 0 };
	const char *svg = NULL, *pa, *pb;
	struct comparison_match matches[COMPARE_MAX_MATCHES];
	uint64_t max = RECORDING_MAX_BYTES;
	char err[512], *end, *eq;
	int c, ret, json = 0, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "js:a:t:m:M:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 's':
			svg = optarg;
			break;
		case 'a':
			o.alpha = strtod(optarg, &end);
			if (*end || end == optarg || !(o.alpha > 0 && o.alpha < 1)) {
				p_err("invalid alpha '%s': expected a probability such as 0.05 or 0.01",
				      optarg);
				return HC_EXIT_USAGE;
			}
			break;
		case 't':
			o.threshold = strtod(optarg, &end) / 100;
			if (*end || end == optarg || !(o.threshold >= 0 && o.threshold < 10)) {
				p_err("invalid threshold '%s': expected a percentage such as 1 or 0.5",
				      optarg);
				return HC_EXIT_USAGE;
			}
			break;
		case 'M':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1]) {
				p_err("invalid --match '%s': expected OLD=NEW, e.g. "
				      "--match parse_request=parse_request_fixed",
				      optarg);
				return HC_EXIT_USAGE;
			}
			if (o.nr_matches == COMPARE_MAX_MATCHES) {
				p_err("more than %d --match options", COMPARE_MAX_MATCHES);
				return HC_EXIT_USAGE;
			}
			*eq = '\0';
			matches[o.nr_matches++] = (struct comparison_match){ optarg, eq + 1 };
			o.matches = matches;
			break;
		case 'm':
			if (size__parse(optarg, &max) || !max || max > SIZE_MAX / 2) {
				p_err("invalid size '%s': expected bytes such as 268435456 or 256M",
				      optarg);
				return HC_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return HC_EXIT_OK;
		default:
			usage(stderr);
			return HC_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		p_err("compare takes two recordings, e.g. 'hotcanary compare before.json "
		      "after.json'");
		return HC_EXIT_USAGE;
	}
	pa = argv[optind];
	pb = argv[optind + 1];
	ret = recording__load(pa, max, &ra, err, sizeof(err));
	if (ret) {
		p_err("'%s': %s", pa, err);
		return HC_EXIT_USAGE;
	}
	ret = recording__load(pb, max, &rb, err, sizeof(err));
	if (ret) {
		p_err("'%s': %s", pb, err);
		recording__free(&ra);
		return HC_EXIT_USAGE;
	}
	rc = compare__report(pa, &ra, pb, &rb, &o, json, svg);
	recording__free(&ra);
	recording__free(&rb);
	return rc;
}
