// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary run POLICY: the whole lifecycle of one patch, with live progress, a before/after
 * report and an exit code that says what happened.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cmd.h"
#include "exec_driver.h"
#include "policy.h"
#include "rollout.h"
#include "units.h"

struct run_ctx {
	const struct hc_policy *pol;
	int tty;
	int json;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hotcanary run POLICY [OPTIONS]\n"
		"\n"
		"  --dry-run            check the policy and the host, measure nothing, change nothing\n"
		"  --report FILE        write the report (decision, timeline, statistics) as JSON\n"
		"  --json               print the report as JSON instead of a table\n"
		"  -m, --mode MODE      kernel probes: auto (default), fentry, kprobe\n"
		"  -h, --help           this help\n"
		"\n"
		"exit status: 0 committed, 3 rolled back, 4 refused before any change,\n"
		"             2 bad usage or policy, 1 any other error (system left consistent)\n");
}

/* exec patches: the policy's argv lists */
static int exec_apply(void *ctx, char *err, size_t len)
{
	const struct hc_policy *p = ctx;

	return exec__run(p->patch.exec.apply, p->patch.exec.timeout_ns, err, len);
}

static int exec_revert(void *ctx, char *err, size_t len)
{
	const struct hc_policy *p = ctx;

	return exec__run(p->patch.exec.revert, p->patch.exec.timeout_ns, err, len);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

static double error_rate(const struct hc_snapshot *s)
{
	return s->calls ? (double)s->errors / (double)s->calls : 0;
}

static void progress(const struct rollout *r, void *ctx)
{
	struct run_ctx *c = ctx;
	char a[16], b[16], d[16], e[16];
	size_t i;

	if (!c->tty)
		return;
	fputs("\033[H\033[2J", stdout);
	printf("hotcanary run %s  phase %s  %.0fs left  probes %s\n", c->pol->name,
	       rollout__stage_name(r), rollout__remaining_ns(r) / 1e9, rollout__probe_mode(r));
	printf("%-36s %10s %10s %10s %10s %9s %9s  %s\n", "FUNCTION", "CALLS", "P50", "BASE P50",
	       "P99", "BASE P99", "ERR%", "VERDICT");
	for (i = 0; i < rollout__func_cnt(r); i++) {
		const struct rollout_func *f = rollout__func(r, i);
		const struct hc_snapshot *w = &f->window, *bs = &f->baseline;

		printf("%-36.36s %10llu %10s %10s %10s %9s %8.2f%%  %s\n", f->name,
		       (unsigned long long)w->calls,
		       duration__format(hist__quantile(w->hist, 0.5), a, sizeof(a)),
		       duration__format(hist__quantile(bs->hist, 0.5), b, sizeof(b)),
		       duration__format(hist__quantile(w->hist, 0.99), d, sizeof(d)),
		       duration__format(hist__quantile(bs->hist, 0.99), e, sizeof(e)),
		       100 * error_rate(w), judge__verdict_name(f->last.verdict));
	}
	fflush(stdout);
}

static struct json_object *decision_json(const struct judge_decision *d)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "metric", json_object_new_string(judge__metric_name(d->metric)));
	json_object_object_add(o, "verdict",
			       json_object_new_string(judge__verdict_name(d->verdict)));
	if (!isnan(d->observed))
		json_object_object_add(o, "observed", json_object_new_double(d->observed));
	json_object_object_add(o, "limit", json_object_new_double(d->limit));
	if (!isnan(d->ci_lo)) {
		json_object_object_add(o, "ci_lo", json_object_new_double(d->ci_lo));
		json_object_object_add(o, "ci_hi", json_object_new_double(d->ci_hi));
		json_object_object_add(o, "ci_conf", json_object_new_double(d->conf));
	}
	if (!isnan(d->p_value))
		json_object_object_add(o, "p_value", json_object_new_double(d->p_value));
	if (!isnan(d->e_value)) {
		json_object_object_add(o, "e_value", json_object_new_double(d->e_value));
		json_object_object_add(o, "e_bar", json_object_new_double(d->e_bar));
	}
	json_object_object_add(o, "alpha", json_object_new_double(d->alpha));
	json_object_object_add(o, "canary", json_object_new_uint64(d->canary_n));
	json_object_object_add(o, "reference", json_object_new_uint64(d->ref_n));
	if (d->note)
		json_object_object_add(o, "note", json_object_new_string(d->note));
	return o;
}

static struct json_object *snapshot_json(const struct hc_snapshot *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "calls", json_object_new_uint64(s->calls));
	json_object_object_add(o, "errors", json_object_new_uint64(s->errors));
	json_object_object_add(o, "p50_ns", json_object_new_uint64(hist__quantile(s->hist, 0.5)));
	json_object_object_add(o, "p90_ns", json_object_new_uint64(hist__quantile(s->hist, 0.9)));
	json_object_object_add(o, "p99_ns", json_object_new_uint64(hist__quantile(s->hist, 0.99)));
	json_object_object_add(o, "max_ns", json_object_new_uint64(s->max_ns));
	return o;
}

static struct json_object *report_json(const struct rollout *r, const struct hc_policy *p,
				       int exit_code)
{
	struct json_object *o = json_object_new_object(), *fa = json_object_new_array();
	struct json_object *tl = json_object_new_array();
	const struct rollout_mark *m;
	size_t i, j, n;

	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "policy", json_object_new_string(p->source));
	json_object_object_add(o, "patch_type",
			       json_object_new_string(policy__patch_type_name(p->patch.type)));
	json_object_object_add(o, "decision",
			       json_object_new_string(rollout__outcome_name(rollout__outcome(r))));
	json_object_object_add(o, "reason", json_object_new_string(rollout__reason(r)));
	json_object_object_add(o, "exit_code", json_object_new_int(exit_code));
	json_object_object_add(o, "probe_mode", json_object_new_string(rollout__probe_mode(r)));
	json_object_object_add(o, "detect_ns", json_object_new_uint64(rollout__detect_ns(r)));
	for (i = 0; i < rollout__func_cnt(r); i++) {
		const struct rollout_func *f = rollout__func(r, i);
		struct json_object *fo = json_object_new_object(), *da = json_object_new_array();

		json_object_object_add(fo, "name", json_object_new_string(f->name));
		json_object_object_add(fo, "baseline", snapshot_json(&f->baseline));
		json_object_object_add(fo, "canary", snapshot_json(&f->canary));
		for (j = 0; j < JUDGE_NMETRICS; j++)
			json_object_array_add(da, decision_json(&f->last.d[j]));
		json_object_object_add(fo, "verdict",
				       json_object_new_string(judge__verdict_name(f->last.verdict)));
		json_object_object_add(fo, "decisions", da);
		json_object_array_add(fa, fo);
	}
	json_object_object_add(o, "functions", fa);
	n = rollout__timeline(r, &m);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();
		char wall[64];
		struct tm tm;

		gmtime_r(&m[i].wall.tv_sec, &tm);
		strftime(wall, sizeof(wall), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(wall + strlen(wall), sizeof(wall) - strlen(wall), ".%03ldZ",
			 m[i].wall.tv_nsec / 1000000);
		json_object_object_add(e, "mono_ns", json_object_new_uint64(m[i].mono_ns));
		json_object_object_add(e, "wall", json_object_new_string(wall));
		json_object_object_add(e, "what", json_object_new_string(m[i].what));
		json_object_object_add(e, "detail", json_object_new_string(m[i].detail));
		json_object_array_add(tl, e);
	}
	json_object_object_add(o, "timeline", tl);
	return o;
}

/* a test the rollout never reached (it rolled back first) has no verdict to show */
static const char *verdict_text(enum judge_verdict v)
{
	return v == JUDGE_PENDING ? "-" : judge__verdict_name(v);
}

/* too few windows give an unbounded interval: say so rather than print 0..inf */
static void ci_text(const struct judge_decision *d, char *buf, size_t len)
{
	if (isnan(d->ci_lo) || isinf(d->ci_hi) || d->ci_lo <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3f..%.3f", d->ci_lo, d->ci_hi);
}

/* the before/after table: what each function did under the patch against its baseline */
static void report_table(const struct rollout *r)
{
	char a[16], b[16];
	size_t i, j;

	printf("\n%-36s %-12s %10s %10s %8s %17s %9s  %s\n", "FUNCTION", "METRIC", "BASELINE",
	       "CANARY", "RATIO", "CI", "P/E", "VERDICT");
	for (i = 0; i < rollout__func_cnt(r); i++) {
		const struct rollout_func *f = rollout__func(r, i);
		const struct hc_snapshot *bs = &f->baseline, *cs = &f->canary;
		static const struct {
			const char *name;
			double q;
		} qs[] = { { "p50", 0.5 }, { "p99", 0.99 } };

		for (j = 0; j < 2; j++) {
			uint64_t bq = hist__quantile(bs->hist, qs[j].q);
			uint64_t cq = hist__quantile(cs->hist, qs[j].q);
			const struct judge_decision *d = &f->last.d[j ? JUDGE_P99 : JUDGE_P50];
			char ci[24] = "-", pe[16] = "-";

			ci_text(d, ci, sizeof(ci));
			if (!isnan(d->p_value))
				snprintf(pe, sizeof(pe), "p=%.2g", d->p_value);
			printf("%-36.36s %-12s %10s %10s %7.3fx %17s %9s  %s\n", j ? "" : f->name,
			       qs[j].name, duration__format(bq, a, sizeof(a)),
			       duration__format(cq, b, sizeof(b)), ratio((double)cq, (double)bq), ci,
			       pe, verdict_text(d->verdict));
		}
		{
			const struct judge_decision *d = &f->last.d[JUDGE_ERRORS];
			char ci[24] = "-", pe[16] = "-";

			ci_text(d, ci, sizeof(ci));
			if (!isnan(d->p_value))
				snprintf(pe, sizeof(pe), "p=%.2g", d->p_value);
			printf("%-36s %-12s %9.3f%% %9.3f%% %7.3fx %17s %9s  %s\n", "", "errors",
			       100 * error_rate(bs), 100 * error_rate(cs),
			       ratio(error_rate(cs), error_rate(bs)), ci, pe,
			       verdict_text(d->verdict));
		}
		printf("%-36s %-12s %10llu %10llu\n", "", "calls",
		       (unsigned long long)bs->calls, (unsigned long long)cs->calls);
	}
}

static int outcome_exit(enum rollout_outcome o)
{
	switch (o) {
	case ROLLOUT_COMMITTED: return HC_EXIT_OK;
	case ROLLOUT_ROLLED_BACK: return HC_EXIT_ROLLED_BACK;
	case ROLLOUT_REFUSED: return HC_EXIT_REFUSED;
	default: return HC_EXIT_ERROR;
	}
}

static int write_report(const char *path, struct json_object *o)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	if (fclose(f) || rename(tmp, path)) {
		int ret = -errno;

		unlink(tmp);
		return ret;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "report", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct rollout_hooks hooks = { .progress = progress };
	enum hc_probe_mode mode = HC_MODE_AUTO;
	const char *report = NULL;
	struct run_ctx ctx = { 0 };
	struct hc_policy *pol = NULL;
	struct patch_driver drv = { 0 };
	struct rollout *r = NULL;
	struct json_object *rep;
	struct policy_err perr;
	int dry = 0, c, ret, rc = HC_EXIT_ERROR;
	char err[1024];

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': dry = 1; break;
		case 'r': report = optarg; break;
		case 'j': ctx.json = 1; break;
		case 'm':
			if (!strcmp(optarg, "fentry"))
				mode = HC_MODE_FENTRY;
			else if (!strcmp(optarg, "kprobe"))
				mode = HC_MODE_KPROBE;
			else if (strcmp(optarg, "auto")) {
				p_err("invalid mode '%s': expected auto, fentry or kprobe", optarg);
				return HC_EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return HC_EXIT_OK;
		default: usage(stderr); return HC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		p_err("expected one POLICY file; see 'hotcanary run -h'");
		return HC_EXIT_USAGE;
	}
	ret = policy__load(argv[optind], &pol, &perr);
	if (ret) {
		p_err("invalid policy: %s", policy_err__format(&perr, err, sizeof(err)));
		return HC_EXIT_USAGE;
	}
	if (pol->patch.type == HC_PATCH_EXEC) {
		drv = (struct patch_driver){ "exec", exec_apply, exec_revert, pol };
	} else {
		p_err("patch type '%s' in '%s' is not supported by 'run' yet",
		      policy__patch_type_name(pol->patch.type), pol->source);
		goto out;
	}
	if (dry) {
		printf("policy '%s' is valid; --dry-run changes nothing\n", pol->source);
		rc = HC_EXIT_OK;
		goto out;
	}
	if (require_bpf_privileges())
		goto out;
	ctx.pol = pol;
	ctx.tty = !ctx.json && isatty(STDOUT_FILENO);
	hooks.ctx = &ctx;
	ret = rollout__new(&r, pol, mode, &hooks);
	if (ret) {
		p_err("cannot set up the rollout: %s", strerror(-ret));
		goto out;
	}
	ret = rollout__prepare(r, err, sizeof(err));
	if (ret) {
		p_err("%s; nothing was changed", err);
		rc = HC_EXIT_REFUSED;
		goto out;
	}
	ret = rollout__run(r, &drv);
	rc = outcome_exit(rollout__outcome(r));
	rep = report_json(r, pol, rc);
	if (ctx.json) {
		printf("%s\n", json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		report_table(r);
		printf("\ndecision: %s: %s\n", rollout__outcome_name(rollout__outcome(r)),
		       rollout__reason(r));
	}
	if (report) {
		ret = write_report(report, rep);
		if (ret)
			p_err("cannot write the report '%s': %s", report, strerror(-ret));
	}
	json_object_put(rep);
out:
	rollout__free(r);
	policy__free(pol);
	return rc;
}
