// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary check POLICY [--json] [--calls-per-second N | --sample RECORDING]: the
 * pre-flight of 'run' alone, its findings printed, and with a call rate or a recording, each
 * stage's power; nothing is changed.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "check_power.h"
#include "cmd.h"
#include "journal.h"
#include "patch/patch.h"
#include "policy.h"
#include "power.h"
#include "run_exec.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hotcanary check [OPTIONS] POLICY\n"
		"\n"
		"  Runs the pre-flight of 'run' on POLICY and prints its findings; changes nothing.\n"
		"\n"
		"  -j, --json                   one JSON document instead of the text\n"
		"  -c, --calls-per-second N     also simulate each stage's power with calls drawn\n"
		"                               at N a second (log-normal latency)\n"
		"  -s, --sample RECORDING       ... with the real calls of a 'hotcanary record'\n"
		"                               file of the judged functions instead\n"
		"      --state-dir DIR          where 'run' keeps its journals and the copies of\n"
		"                               the livepatch modules it loaded (default\n"
		"                               " JOURNAL_DEFAULT_DIR ")\n"
		"  -h, --help                   this help\n"
		"\n"
		"  The power: per judged function and stage, how often the judge passes a\n"
		"  harmless patch, holds or rolls it back, and the smallest slowdowns at p50 and\n"
		"  p99 it catches in 90%% of runs within the stage, simulated with the judge's own\n"
		"  code and the policy's limits, alpha, beta and durations. A stage a harmless\n"
		"  patch passes in less than half the runs gets a warning: the run would hold.\n"
		"\n"
		"exit status: 0 every check passed, 4 a check refused the patch, 2 bad usage or\n"
		"             policy, 1 any other error\n");
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "calls-per-second", required_argument, NULL, 'c' },
		{ "sample", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct check_power_opts po = { 0 };
	struct hc_policy *pol = NULL;
	struct patch *patch = NULL;
	struct json_object *o = NULL;
	const char *state_dir = JOURNAL_DEFAULT_DIR;
	int c, rc, json = 0;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jc:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'c':
			po.calls_per_second = strtod(optarg, &end);
			if (*end || end == optarg || !(po.calls_per_second > 0) ||
			    po.calls_per_second > POWER_MAX_RATE) {
				p_err("invalid --calls-per-second '%s': expected a rate above 0 and at "
				      "most %d, e.g. 400 (a window's quantiles are as sure at %d)",
				      optarg, POWER_MAX_RATE, POWER_MAX_RATE);
				return HC_EXIT_USAGE;
			}
			break;
		case 's':
			po.sample = optarg;
			break;
		case 'D':
			state_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return HC_EXIT_OK;
		default:
			usage(stderr);
			return HC_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return HC_EXIT_USAGE;
	}
	if (po.sample && po.calls_per_second > 0) {
		p_err("--sample and --calls-per-second both give the calls: use one");
		return HC_EXIT_USAGE;
	}
	rc = run__load_policy(argv[optind], &pol);
	if (rc)
		return rc;
	if (patch__new(&patch, pol)) {
		p_err("out of memory");
		policy__free(pol);
		return HC_EXIT_ERROR;
	}
	patch->state_dir = state_dir;
	state_dir__mkparents(state_dir);
	/* the same pre-flight as 'run', nothing changed */
	rc = patch->ops->check_needs_root && require_bpf_privileges() ?
		     HC_EXIT_ERROR :
		     run__precheck(patch, json);
	if (json)
		o = json_object_new_object();
	if (!rc && (po.sample || po.calls_per_second > 0) && check__power(patch, &po, json, o))
		rc = HC_EXIT_ERROR;
	if (json) {
		json_object_object_add(o, "policy", json_object_new_string(pol->source));
		patch->ops->describe(patch, PATCH_VIEW_CHECK, o);
		json_object_object_add(o, "result",
				       json_object_new_string(rc == HC_EXIT_REFUSED ? "refused" :
							      rc		    ? "error" :
										      "passed"));
		printf("%s\n",
		       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	patch__free(patch);
	policy__free(pol);
	return rc;
}
