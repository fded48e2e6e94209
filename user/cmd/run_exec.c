// SPDX-License-Identifier: GPL-2.0
/*
 * The lifecycle of one patch, as 'run' and 'ab' drive it: the checks, the journal, the
 * rollout with live progress, a before/after report and an exit code that says what
 * happened; and the pre-flight 'check' shares.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "atomic_file.h"
#include "cmd.h"
#include "journal.h"
#include "policy.h"
#include "privs.h"
#include "rollout.h"
#include "patch/patch.h"
#include "prom.h"
#include "run_exec.h"
#include "svg.h"
#include "units.h"

struct run_ctx {
	const struct hc_policy *pol;
	int tty;
	int json;
	const char *prom_file; /* node_exporter textfile, rewritten after every window */
	int prom_err;	       /* reported once */
};

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

static double error_rate(const struct hc_snapshot *s)
{
	return s->calls ? (double)s->errors / (double)s->calls : 0;
}

/* what a function did in the whole run, every arm and phase: a monotonic counter */
static void func_total(const struct rollout_func *f, struct hc_snapshot *t)
{
	*t = f->baseline;
	snapshot__accumulate(t, &f->canary);
	if (f->patched)
		snapshot__accumulate(t, &f->control);
}

/* the last verdict or decision of the timeline, and when it was taken */
static const struct rollout_mark *last_decision(const struct rollout *r)
{
	const struct rollout_mark *m;
	size_t n = rollout__timeline(r, &m);

	while (n-- > 0)
		if (!strcmp(m[n].what, "verdict") || !strcmp(m[n].what, "decision"))
			return &m[n];
	return NULL;
}

static void prom_write(const struct rollout *r, struct run_ctx *c)
{
	static const char *const states[] = { "baseline", "activate",  "stage",
					      "rollback", "committed", "rolled-back",
					      "held",	  "refused",   "failed" };
	size_t i, n = rollout__func_cnt(r);
	struct hc_snapshot *tot = calloc(n ? n : 1, sizeof(*tot));
	struct prom_func *pf = calloc(n ? n : 1, sizeof(*pf));
	const struct rollout_mark *dm = last_decision(r);
	char decision[64] = "";
	struct prom_rollout pr = {
		.name = c->pol->name,
		.stage_count = (unsigned int)c->pol->nr_stages,
		.states = states,
		.nr_states = sizeof(states) / sizeof(states[0]),
	};
	int ret;

	if (!tot || !pf)
		goto out;
	for (i = 0; i < n; i++) {
		func_total(rollout__func(r, i), &tot[i]);
		pf[i].name = rollout__func(r, i)->name;
		pf[i].total = &tot[i];
	}
	switch (rollout__phase(r)) {
	case ROLLOUT_PHASE_BASELINE:
		pr.state = "baseline";
		break;
	case ROLLOUT_PHASE_ACTIVATE:
		pr.state = "activate";
		break;
	case ROLLOUT_PHASE_STAGE:
		pr.state = "stage";
		break;
	case ROLLOUT_PHASE_ROLLBACK:
		pr.state = "rollback";
		break;
	case ROLLOUT_PHASE_DONE:
		pr.state = rollout__outcome_name(rollout__outcome(r));
		break;
	}
	pr.stage_index = rollout__stage_index(r);
	pr.stage = pr.stage_index ? c->pol->stages[pr.stage_index - 1].name : NULL;
	if (dm) {
		/* "stage canary: pass: ..." or "committed": the verdict word alone */
		const char *v = strncmp(dm->detail, "stage ", 6) ? dm->detail :
				strchr(dm->detail, ':')		 ? strchr(dm->detail, ':') + 2 :
								   dm->detail;

		snprintf(decision, sizeof(decision), "%.*s", (int)strcspn(v, ": "), v);
		pr.decision = decision;
		pr.decision_unix_s = dm->wall.tv_sec + dm->wall.tv_nsec / 1e9;
	}
	ret = prom__write_file(c->prom_file, pf, n, &pr);
	if (ret && !c->prom_err) {
		c->prom_err = ret;
		p_err("cannot write the metrics file '%s': %s; the rollout goes on without it",
		      c->prom_file, strerror(-ret));
	}
out:
	free(tot);
	free(pf);
}

static void progress(const struct rollout *r, void *ctx)
{
	struct run_ctx *c = ctx;
	char a[16], b[16], d[16], e[16];
	size_t i;

	if (c->prom_file)
		prom_write(r, c);
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
	char words[600];

	json_object_object_add(o, "metric", json_object_new_string(judge__metric_name(d->metric)));
	judge__describe(d, words, sizeof(words));
	json_object_object_add(o, "evidence", json_object_new_string(words));
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
	if (!isnan(d->dispersion))
		json_object_object_add(o, "dispersion", json_object_new_double(d->dispersion));
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

/* every stage the rollout reached, with the verdicts it ended on */
static struct json_object *stages_json(const struct rollout_func *f, const struct hc_policy *p)
{
	struct json_object *a = json_object_new_array();
	size_t s, j;

	for (s = 0; s < p->nr_stages; s++) {
		const struct rollout_stage_result *sr = &f->stages[s];
		struct json_object *o, *da;

		if (!sr->reached)
			continue;
		o = json_object_new_object();
		da = json_object_new_array();
		json_object_object_add(o, "name", json_object_new_string(p->stages[s].name));
		json_object_object_add(o, "reference",
				       json_object_new_string(sr->staggered  ? "patched_earlier" :
							      sr->concurrent ? "control" :
									       "baseline"));
		if (sr->not_judged) {
			json_object_object_add(o, "verdict", json_object_new_string("not-judged"));
			json_object_object_add(o, "note", json_object_new_string(sr->not_judged));
			json_object_put(da);
			json_object_array_add(a, o);
			continue;
		}
		json_object_object_add(o, "verdict",
				       json_object_new_string(judge__verdict_name(sr->res.verdict)));
		for (j = 0; j < JUDGE_NMETRICS; j++)
			json_object_array_add(da, decision_json(&sr->res.d[j]));
		json_object_object_add(o, "decisions", da);
		json_object_array_add(a, o);
	}
	return a;
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
		const char *verdict;

		json_object_object_add(fo, "name", json_object_new_string(f->name));
		json_object_object_add(fo, "baseline", snapshot_json(&f->baseline));
		json_object_object_add(fo, "canary", snapshot_json(&f->canary));
		if (f->patched) {
			json_object_object_add(fo, "control", snapshot_json(&f->control));
			json_object_object_add(fo, "reference",
					       json_object_new_string(
						       f->concurrent ? "control" : "baseline"));
		}
		if (f->module)
			json_object_object_add(fo, "module", json_object_new_string(f->module));
		for (j = 0; j < JUDGE_NMETRICS && !f->not_judged; j++)
			json_object_array_add(da, decision_json(&f->last.d[j]));
		verdict = f->not_judged ? "not-judged" : judge__verdict_name(f->last.verdict);
		json_object_object_add(fo, "verdict", json_object_new_string(verdict));
		if (f->not_judged)
			json_object_object_add(fo, "note", json_object_new_string(f->not_judged));
		json_object_object_add(fo, "decisions", da);
		json_object_object_add(fo, "stages", stages_json(f, p));
		json_object_array_add(fa, fo);
	}
	json_object_object_add(o, "functions", fa);
	n = rollout__timeline(r, &m);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();
		char wall[64];

		time__rfc3339(&m[i].wall, wall, sizeof(wall));
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

/*
 * The judge's estimate where it has one, so that the ratio lies inside the interval printed
 * beside it: latency ratios are means over windows, which the quantile of all calls pooled
 * (the REFERENCE and CANARY columns) need not match when a few windows hold most calls.
 * Without one, the pooled ratio.
 */
static void ratio_text(const struct judge_decision *d, double pooled, char *buf, size_t len)
{
	double x = isnan(d->observed) ? pooled : d->observed;

	if (isnan(x) || isinf(x))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3fx", x);
}

/*
 * What each function did under the patch against its reference: the baseline, or for a ulp
 * function the control processes in the same windows (CONTROL) while there were some.
 */
static void report_table(const struct rollout *r)
{
	char a[16], b[16];
	size_t i, j;

	printf("\n%-36s %-12s %10s %10s %8s %17s %9s  %s\n", "FUNCTION", "METRIC",
	       rollout__proc_cnt(r) ? "REFERENCE" : "BASELINE", "CANARY", "RATIO", "CI", "P/E",
	       "VERDICT");
	for (i = 0; i < rollout__func_cnt(r); i++) {
		const struct rollout_func *f = rollout__func(r, i);
		const struct hc_snapshot *bs =
			f->patched && f->concurrent ? &f->control : &f->baseline;
		const struct hc_snapshot *cs = &f->canary;
		static const struct {
			const char *name;
			double q;
		} qs[] = { { "p50", 0.5 }, { "p99", 0.99 } };

		/* never judged (a module's function): its calls, and why, without empty verdicts */
		if (f->not_judged && f->last.verdict == JUDGE_PENDING) {
			printf("%-36.36s %-12s %10llu %10llu   not judged: %s\n", f->name, "calls",
			       (unsigned long long)bs->calls, (unsigned long long)cs->calls,
			       f->not_judged);
			continue;
		}
		for (j = 0; j < 2; j++) {
			uint64_t bq = hist__quantile(bs->hist, qs[j].q);
			uint64_t cq = hist__quantile(cs->hist, qs[j].q);
			const struct judge_decision *d = &f->last.d[j ? JUDGE_P99 : JUDGE_P50];
			char ci[24] = "-", pe[16] = "-", rt[16];

			ci_text(d, ci, sizeof(ci));
			ratio_text(d, ratio((double)cq, (double)bq), rt, sizeof(rt));
			if (!isnan(d->p_value))
				snprintf(pe, sizeof(pe), "p=%.2g", d->p_value);
			printf("%-36.36s %-12s %10s %10s %8s %17s %9s  %s\n", j ? "" : f->name,
			       qs[j].name, duration__format(bq, a, sizeof(a)),
			       duration__format(cq, b, sizeof(b)), rt, ci, pe,
			       verdict_text(d->verdict));
		}
		{
			const struct judge_decision *d = &f->last.d[JUDGE_ERRORS];
			char ci[24] = "-", pe[16] = "-", rt[16];

			ci_text(d, ci, sizeof(ci));
			ratio_text(d, ratio(error_rate(cs), error_rate(bs)), rt, sizeof(rt));
			if (!isnan(d->p_value))
				snprintf(pe, sizeof(pe), "p=%.2g", d->p_value);
			printf("%-36s %-12s %9.3f%% %9.3f%% %8s %17s %9s  %s\n", "", "errors",
			       100 * error_rate(bs), 100 * error_rate(cs), rt, ci, pe,
			       verdict_text(d->verdict));
		}
		printf("%-36s %-12s %10llu %10llu%s\n", "", "calls", (unsigned long long)bs->calls,
		       (unsigned long long)cs->calls,
		       !f->patched   ? "" :
		       f->concurrent ? "   (reference: control processes)" :
				       "   (reference: baseline, no control process left)");
		if (f->not_judged)
			printf("%-36s not judged in the last stage: %s\n", "", f->not_judged);
	}
	if (rollout__func_cnt(r))
		printf("(latency RATIO and CI: the judge's, a mean over windows of the canary's "
		       "quantile against the reference's;\n %s and CANARY: all calls pooled)\n",
		       rollout__proc_cnt(r) ? "REFERENCE" : "BASELINE");
}

/* the report's picture: per function, the reference (baseline or control) against the canary */
static int write_svg(const char *path, const struct rollout *r, const struct hc_policy *pol)
{
	size_t i, n = rollout__func_cnt(r);
	struct svg_panel *pa = calloc(n ? n : 1, sizeof(*pa));
	char title[160];
	int ret;

	if (!pa)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct rollout_func *f = rollout__func(r, i);
		bool ctl = f->patched && f->concurrent;

		pa[i].title = f->name;
		pa[i].a = (struct svg_dist){ ctl ? "control processes" : "baseline",
					     ctl ? f->control.hist : f->baseline.hist,
					     ctl ? f->control.max_ns : f->baseline.max_ns };
		pa[i].b = (struct svg_dist){ "canary", f->canary.hist, f->canary.max_ns };
	}
	snprintf(title, sizeof(title), "hotcanary run %s: %s", pol->name,
		 rollout__outcome_name(rollout__outcome(r)));
	ret = svg__write_file(path, title, pa, n);
	free(pa);
	return ret;
}

static int outcome_exit(enum rollout_outcome o)
{
	switch (o) {
	case ROLLOUT_COMMITTED:
		return HC_EXIT_OK;
	case ROLLOUT_ROLLED_BACK:
		return HC_EXIT_ROLLED_BACK;
	case ROLLOUT_REFUSED:
		return HC_EXIT_REFUSED;
	case ROLLOUT_HELD:
		return HC_EXIT_HELD;
	default:
		return HC_EXIT_ERROR;
	}
}

static int write_report(const char *path, struct json_object *o)
{
	return atomic_file__write_json(path, o,
				       JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
}

int run__precheck(struct patch *p, int quiet)
{
	char err[1024];
	int ret;

	ret = p->ops->check(p, err, sizeof(err));
	if (ret && ret != -EPERM) {
		p_err("%s", err);
		return HC_EXIT_ERROR;
	}
	if (!quiet)
		p->ops->check_print(p, stdout);
	if (ret) {
		p_err("%s", err);
		return HC_EXIT_REFUSED;
	}
	return 0;
}

/* a refusal is a decision too: the report says what refused and why */
static void write_refusal(const char *path, const struct patch *p, int rc)
{
	struct json_object *o = json_object_new_object();
	const struct hc_policy *pol = p->pol;
	int ret;

	json_object_object_add(o, "name", json_object_new_string(pol->name));
	json_object_object_add(o, "policy", json_object_new_string(pol->source));
	json_object_object_add(o, "decision", json_object_new_string("refused"));
	json_object_object_add(o, "reason", json_object_new_string(p->refusal));
	json_object_object_add(o, "exit_code", json_object_new_int(rc));
	p->ops->describe(p, PATCH_VIEW_REFUSAL, o);
	json_object_object_add(o, "timeline", json_object_new_array());
	ret = write_report(path, o);
	if (ret)
		p_err("cannot write the report '%s': %s", path, strerror(-ret));
	json_object_put(o);
}

int run__load_policy(const char *path, struct hc_policy **pol)
{
	struct policy_err perr;
	char err[1024];
	int ret;

	ret = policy__load(path, pol, &perr);
	if (!ret)
		return HC_EXIT_OK;
	if (ret == -EACCES) {
		p_err("refused policy: %s", policy_err__format(&perr, err, sizeof(err)));
		return HC_EXIT_REFUSED;
	}
	p_err("invalid policy: %s", policy_err__format(&perr, err, sizeof(err)));
	return HC_EXIT_USAGE;
}

static int journal_note(struct journal *j, enum journal_action a, struct json_object *d)
{
	char jerr[512];
	int ret = journal__note(j, a, d, jerr, sizeof(jerr));

	if (ret)
		p_err("cannot write the journal: %s", jerr);
	json_object_put(d);
	return ret;
}

/*
 * What 'run' and 'ab' share: the checks, the journal, the drivers, the rollout and its
 * report. @o->ab selects the switchback of 'ab' instead of the stages.
 */
int run__execute(const struct run_opts *opt)
{
	struct rollout_hooks hooks = { .progress = progress };
	enum hc_probe_mode mode = opt->mode;
	struct run_ctx ctx = { .json = opt->json, .prom_file = opt->prom_file };
	const char *report = opt->report, *svg = opt->svg, *state_dir = opt->state_dir;
	struct hc_policy *pol = NULL;
	struct patch *patch = NULL;
	struct journal *j = NULL;
	struct rollout *r = NULL;
	struct source *src = NULL;
	struct json_object *o, *rj;
	int dry = opt->dry, ret, rc = HC_EXIT_ERROR, mode_set = opt->mode_set;
	char err[1024];

	ret = run__load_policy(opt->policy, &pol);
	if (ret)
		return ret;
	if (require_bpf_privileges())
		goto out;
	if (patch__new(&patch, pol)) {
		p_err("out of memory");
		goto out;
	}
	patch->state_dir = state_dir;
	state_dir__mkparents(state_dir);
	rc = run__precheck(patch, ctx.json);
	if (rc) {
		if (report && rc == HC_EXIT_REFUSED)
			write_refusal(report, patch, rc);
		goto out;
	}
	if (!mode_set && patch->ops->probe_mode)
		mode = patch->ops->probe_mode(patch);
	if (dry) {
		printf("dry run: the policy and the checks pass; nothing was changed\n");
		goto out;
	}
	rc = HC_EXIT_ERROR;
	ret = journal__open(state_dir, pol->name, JOURNAL_CREATE, &j, err, sizeof(err));
	if (ret) {
		p_err("cannot open the journal of '%s': %s", pol->name, err);
		goto out;
	}
	if (journal__check_resolved(journal__current(j), err, sizeof(err))) {
		p_err("%s", err);
		goto out;
	}
	if (patch->ops->begin(patch, j, err, sizeof(err))) {
		p_err("%s", err);
		goto out;
	}
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string(patch->ops->name));
	json_object_object_add(o, "policy", json_object_new_string(pol->source));
	patch->ops->describe(patch, PATCH_VIEW_JOURNAL, o);
	if (journal_note(j, JOURNAL_ACT_RUN_START, o))
		goto out;
	ctx.pol = pol;
	ctx.tty = !ctx.json && isatty(STDOUT_FILENO);
	hooks.ctx = &ctx;
	ret = source_bpf__new(&src, mode);
	ret = ret ?: rollout__new(&r, pol, patch, src, &hooks);
	if (ret) {
		p_err("cannot set up the rollout: %s", strerror(-ret));
		goto end;
	}
	ret = rollout__prepare(r, err, sizeof(err));
	if (ret) {
		p_err("%s; nothing was changed", err);
		rc = HC_EXIT_REFUSED;
		goto end;
	}
	/* the monitor is attached; a stage moves probes, and ulp stops processes */
	if (patch->ops->privs >= 0 &&
	    privs__drop((unsigned int)patch->ops->privs, err, sizeof(err))) {
		p_err("cannot give up the capabilities the run no longer needs: %s; nothing was "
		      "changed",
		      err);
		rc = HC_EXIT_REFUSED;
		goto end;
	}
	/* the outcome says how it ended, a failed rollback included */
	if (opt->ab)
		rollout__ab(r, opt->rounds, opt->period_ns, pol->ab.end == HC_AB_END_APPLIED);
	else
		rollout__run(r);
	rc = outcome_exit(rollout__outcome(r));
	/* ab ending removed as the policy says is its normal end, not a rollback */
	if (opt->ab && rollout__outcome(r) == ROLLOUT_ROLLED_BACK && !rollout__tripped(r))
		rc = HC_EXIT_OK;
	if (rollout__outcome(r) == ROLLOUT_COMMITTED ||
	    rollout__outcome(r) == ROLLOUT_ROLLED_BACK || rollout__outcome(r) == ROLLOUT_HELD) {
		o = json_object_new_object();
		json_object_object_add(o, "outcome",
				       json_object_new_string(
					       rollout__outcome_name(rollout__outcome(r))));
		json_object_object_add(o, "reason", json_object_new_string(rollout__reason(r)));
		if (rollout__outcome(r) == ROLLOUT_HELD)
			json_object_object_add(o, "stage",
					       json_object_new_string(rollout__last_stage(r)));
		journal_note(j, JOURNAL_ACT_DECISION, o);
	}
	if (patch->ops->tidy)
		patch->ops->tidy(patch, rollout__outcome(r) == ROLLOUT_ROLLED_BACK ||
						rollout__outcome(r) == ROLLOUT_FAILED);
	rj = report_json(r, pol, rc);
	patch->ops->report(patch, r, rj, ctx.json ? NULL : stdout);
	if (opt->ab) {
		json_object_object_add(rj, "ab", ab__report(r, pol, opt));
		if (!ctx.json)
			printf("\ndecision: %s: %s\n", rollout__outcome_name(rollout__outcome(r)),
			       rollout__reason(r));
	} else if (ctx.json) {
		printf("%s\n",
		       json_object_to_json_string_ext(rj, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		report_table(r);
		if (rollout__detect_ns(r) && rollout__last_stage(r))
			printf("\ndecision: %s in stage %s, %.1f s after the patch went in: %s\n",
			       rollout__outcome_name(rollout__outcome(r)), rollout__last_stage(r),
			       rollout__detect_ns(r) / 1e9, rollout__reason(r));
		else
			printf("\ndecision: %s: %s\n", rollout__outcome_name(rollout__outcome(r)),
			       rollout__reason(r));
	}
	if (report) {
		ret = write_report(report, rj);
		if (ret)
			p_err("cannot write the report '%s': %s", report, strerror(-ret));
	}
	json_object_put(rj);
	if (svg && !opt->ab) {
		ret = write_svg(svg, r, pol);
		if (ret)
			p_err("cannot write the picture '%s': %s", svg, strerror(-ret));
	}
	if (rollout__outcome(r) == ROLLOUT_FAILED)
		p_err("the rollback did not complete; run 'hotcanary recover' to finish it");
	if (rollout__outcome(r) == ROLLOUT_HELD)
		p_err("held in stage %s with the patch in place; decide with 'hotcanary resume %s "
		      "--commit' or 'hotcanary resume %s --rollback'",
		      rollout__last_stage(r), pol->name, pol->name);
end:
	/* a run that failed before its decision stays unresolved for 'recover' to settle */
	if (rc != HC_EXIT_ERROR)
		journal_note(j, JOURNAL_ACT_RUN_END, json_object_new_object());
out:
	rollout__free(r);
	source__free(src);
	patch__free(patch);
	journal__close(j);
	policy__free(pol);
	return rc;
}

int run__option(int c, const char *arg, struct run_opts *o)
{
	int mode;

	switch (c) {
	case 'r':
		o->report = arg;
		return 0;
	case 'S':
		o->svg = arg;
		return 0;
	case 'P':
		o->prom_file = arg;
		return 0;
	case 'j':
		o->json = 1;
		return 0;
	case 's':
		o->state_dir = arg;
		return 0;
	case 'm':
		mode = probe_mode__parse(arg);
		if (mode < 0) {
			p_err("invalid mode '%s': expected auto, fentry or kprobe", arg);
			return 1;
		}
		o->mode = mode;
		o->mode_set = 1;
		return 0;
	}
	return -EINVAL;
}
