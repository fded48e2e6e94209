// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary ab POLICY --rounds N --period D: switchback. The patch goes out and in N times
 * each, every period is measured, and the on-periods are compared with the off-periods the
 * way 'compare' compares two recordings: interleaving cancels the drift that fools a single
 * before/after pair (tools/docs/design/statistics.md section 9).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "compare_report.h"
#include "journal.h"
#include "recording.h"
#include "run.h"
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

/* the periods of one side as a recording, one window per period */
static int side(const struct rollout *r, bool on, uint64_t period_ns, struct recording *rec)
{
	const struct rollout_period *p;
	size_t i, n = rollout__periods(r, &p), nf = rollout__func_cnt(r);
	uint64_t t0 = n ? p[0].start_ns : 0;
	int ret;

	ret = recording__init(rec, nf);
	ret = ret ?: recording__set_context(rec, rollout__probe_mode(r), period_ns);
	for (i = 0; !ret && i < nf; i++) {
		struct rec_func *f = &rec->funcs[i];

		/* both sides name the function alike: a ulp function is old off, new on */
		f->spec = strdup(rollout__func(r, i)->name);
		f->kind = strdup(rollout__proc_cnt(r) ? "user" : "kernel");
		f->symbol = strdup(rollout__func(r, i)->name);
		if (!f->spec || !f->kind || !f->symbol)
			ret = -ENOMEM;
	}
	for (i = 0; !ret && i < n; i++)
		if (p[i].on == on)
			ret = recording__add_window(rec, p[i].start_ns - t0, p[i].duration_ns,
						    p[i].funcs);
	return ret;
}

struct json_object *ab__report(const struct rollout *r, const struct hc_policy *pol,
			       const struct run_opts *o)
{
	struct comparison_opts co = COMPARISON_OPTS_DEFAULT;
	struct json_object *a = json_object_new_array();
	struct recording off = { 0 }, on = { 0 };
	const struct rollout_period *p;
	size_t i, k, n = rollout__periods(r, &p);

	for (i = 0; i < n; i++) {
		struct json_object *po = json_object_new_object(), *fa = json_object_new_array();

		json_object_object_add(po, "on", json_object_new_boolean(p[i].on));
		json_object_object_add(po, "duration_ns", json_object_new_uint64(p[i].duration_ns));
		for (k = 0; k < rollout__func_cnt(r); k++) {
			const struct hc_snapshot *s = &p[i].funcs[k];
			struct json_object *fo = json_object_new_object();

			json_object_object_add(fo, "name",
					       json_object_new_string(rollout__func(r, k)->name));
			json_object_object_add(fo, "calls", json_object_new_uint64(s->calls));
			json_object_object_add(fo, "errors", json_object_new_uint64(s->errors));
			json_object_object_add(fo, "p50_ns",
					       json_object_new_uint64(hist__quantile(s->hist, 0.5)));
			json_object_object_add(fo, "p99_ns",
					       json_object_new_uint64(hist__quantile(s->hist, 0.99)));
			json_object_array_add(fa, fo);
		}
		json_object_object_add(po, "functions", fa);
		json_object_array_add(a, po);
	}
	if (side(r, false, o->period_ns, &off) || side(r, true, o->period_ns, &on)) {
		p_err("out of memory");
	} else if (!off.nr_windows || !on.nr_windows) {
		p_err("'%s': no complete period on both sides; nothing to compare", pol->source);
	} else {
		if (!o->json)
			printf("\nab %s: %zu off and %zu on periods of %.1f s, A = off, B = on\n",
			       pol->name, off.nr_windows, on.nr_windows, o->period_ns / 1e9);
		compare__report("off", &off, "on", &on, &co, o->json, o->svg);
	}
	recording__free(&off);
	recording__free(&on);
	return a;
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
		case 'h': usage(stdout); return HC_EXIT_OK;
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
