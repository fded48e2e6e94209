// SPDX-License-Identifier: GPL-2.0
/*
 * check's power report: for each judged function and stage of a policy, how often a
 * harmless patch passes and which slowdowns are caught (user/power.c), from a recording of
 * the function's calls or from a call rate.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "check_power.h"
#include "cmd.h"
#include "patch/patch.h"
#include "power.h"
#include "recording.h"
#include "rollout.h"

/* the runs simulated per point: the shares printed are good to about 3 points */
#define POWER_RUNS	      200
/* windows drawn to a call rate when no recording gives the real ones */
#define POWER_SYNTH_WINDOWS   300
/* the latency drawn to a call rate: a median, and a log sd as bench-judge's */
#define POWER_SYNTH_MEDIAN_NS 50000.0
#define POWER_SYNTH_SIGMA     0.35
/* a recording needs this many windows to stand for a function's calls */
#define POWER_MIN_SAMPLE      10
/* a stage a harmless patch passes less often than this is warned about */
#define POWER_WARN_PASS	      0.5
/* the share a longer stage is sought for, up to POWER_MAX_GROW times as long */
#define POWER_GOOD_PASS	      0.9
#define POWER_MAX_GROW	      16

struct judged {
	char spec[512];
};

/*
 * The functions the rollout judges, as rollout__new() lists them: a per-process patch's
 * redirected ones first (each judged in both arms: their old symbol), then the watch list
 */
static size_t judged_list(const struct patch *patch, struct judged **out)
{
	const struct hc_policy *p = patch->pol;
	const struct patch_func *pf = NULL;
	size_t n = 0, i, nf = 0;
	struct judged *v;

	if (patch->ops->funcs && patch->ops->procs)
		nf = patch->ops->funcs(patch, &pf);
	v = calloc(nf + p->nr_watch + 1, sizeof(*v));
	if (!v)
		return 0;
	for (i = 0; i < nf; i++, n++)
		snprintf(v[n].spec, sizeof(v[n].spec), "user:%s:%s", pf[i].target, pf[i].old_sym);
	for (i = 0; i < p->nr_watch; i++, n++)
		snprintf(v[n].spec, sizeof(v[n].spec), "%s", p->watch[i].func.text);
	*out = v;
	return n;
}

static int sample_from_rec(const struct recording *rec, size_t fi, struct hc_snapshot **out,
			   size_t *n)
{
	struct hc_snapshot *s = calloc(rec->nr_windows, sizeof(*s));
	size_t w;

	if (!s)
		return -ENOMEM;
	for (w = 0; w < rec->nr_windows; w++) {
		const struct rec_window *rw = &rec->funcs[fi].win[w];

		s[w].calls = rw->calls;
		s[w].errors = rw->errors;
		s[w].sum_ns = rw->sum_ns;
		s[w].max_ns = rw->max_ns;
		memcpy(s[w].hist, rw->hist, sizeof(s[w].hist));
	}
	*out = s;
	*n = rec->nr_windows;
	return 0;
}

static unsigned int windows_of(uint64_t ns)
{
	uint64_t w = ns / ROLLOUT_WINDOW_NS;

	return w ? (unsigned int)w : 1;
}

static void factor_text(double f, char *buf, size_t len)
{
	if (f == 0)
		snprintf(buf, len, "none up to 100x");
	else
		snprintf(buf, len, "%gx", f);
}

static json_object *jfactor(double f)
{
	return f == 0 ? NULL : json_object_new_double(f);
}

/*
 * A stage a harmless patch rarely passes: the shortest multiple of it (up to
 * POWER_MAX_GROW) that passes in POWER_GOOD_PASS of runs, or 0
 */
static unsigned int stage_needed(struct power_input *in, unsigned int windows)
{
	struct power_result r;
	unsigned int k;

	for (k = 2; k <= POWER_MAX_GROW; k *= 2) {
		in->stage_windows = windows * k;
		if (power__stage(in, &r))
			return 0;
		if (r.pass >= POWER_GOOD_PASS)
			return windows * k;
	}
	return 0;
}

static int power_function(const struct hc_policy *p, const struct judged *f, size_t nr,
			  const struct hc_snapshot *sample, size_t ns, int json, json_object *arr)
{
	struct power_input in;
	struct power_result r;
	char d50[32], d99[32];
	size_t s;
	int ret;

	memset(&in, 0, sizeof(in));
	rollout__judge_config(p, nr, false, &in.cfg);
	in.base_windows = windows_of(p->baseline.duration_ns);
	in.sample = sample;
	in.nr_sample = ns;
	in.runs = POWER_RUNS;
	in.seed = 1;
	if (!json)
		printf("  %s\n", f->spec);
	for (s = 0; s < p->nr_stages; s++) {
		unsigned int sw = windows_of(p->stages[s].duration_ns), need;

		in.stage_windows = sw;
		ret = power__stage(&in, &r);
		if (ret)
			return ret;
		factor_text(r.detect[0], d50, sizeof(d50));
		factor_text(r.detect[1], d99, sizeof(d99));
		if (json) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "function", json_object_new_string(f->spec));
			json_object_object_add(o, "stage",
					       json_object_new_string(p->stages[s].name));
			json_object_object_add(o, "windows", json_object_new_int(sw));
			json_object_object_add(o, "pass", json_object_new_double(r.pass));
			json_object_object_add(o, "hold", json_object_new_double(r.hold));
			json_object_object_add(o, "fail", json_object_new_double(r.fail));
			json_object_object_add(o, "detect_p50", jfactor(r.detect[0]));
			json_object_object_add(o, "detect_p99", jfactor(r.detect[1]));
			json_object_array_add(arr, o);
		} else {
			printf("    stage %-10s %4u s: a harmless patch passes in %.0f%%, held in %.0f%%, "
			       "rolled back in %.0f%%; caught in %.0f%% of runs: p50 %s, p99 %s\n",
			       p->stages[s].name, sw, r.pass * 100, r.hold * 100, r.fail * 100,
			       POWER_DETECT * 100, d50, d99);
		}
		if (r.pass >= POWER_WARN_PASS)
			continue;
		need = stage_needed(&in, sw);
		in.stage_windows = sw;
		if (need)
			p_info("warning: stage '%s' is too short for '%s': a harmless patch passes it in "
			       "%.0f%% of simulated runs and the run would hold; %u s pass in %.0f%% or "
			       "more",
			       p->stages[s].name, f->spec, r.pass * 100, need,
			       POWER_GOOD_PASS * 100);
		else
			p_info("warning: stage '%s' is too short for '%s': a harmless patch passes it in "
			       "%.0f%% of simulated runs and the run would hold, even %u times as long; "
			       "a longer baseline or wider limits may",
			       p->stages[s].name, f->spec, r.pass * 100, POWER_MAX_GROW);
	}
	return 0;
}

int check__power(const struct patch *patch, const struct check_power_opts *o, int json,
		 json_object *out)
{
	const struct hc_policy *p = patch->pol;
	struct recording rec;
	struct judged *f = NULL;
	struct hc_snapshot *sample = NULL;
	json_object *arr = json ? json_object_new_array() : NULL;
	char err[512];
	size_t nr, i, ns = 0;
	int ret = 0, have_rec = 0;

	memset(&rec, 0, sizeof(rec));
	nr = judged_list(patch, &f);
	if (!f)
		return -ENOMEM;
	if (o->sample) {
		ret = recording__load(o->sample, RECORDING_MAX_BYTES, &rec, err, sizeof(err));
		if (ret) {
			p_err("cannot read the recording '%s': %s", o->sample, err);
			goto out;
		}
		have_rec = 1;
		if (rec.nr_windows < POWER_MIN_SAMPLE) {
			p_err("'%s' has %zu windows; the power needs at least %d: record longer",
			      o->sample, rec.nr_windows, POWER_MIN_SAMPLE);
			ret = -EINVAL;
			goto out;
		}
	}
	if (!json) {
		if (o->sample)
			printf("power (%d simulated runs a stage, from the %zu windows of '%s'):\n",
			       POWER_RUNS, rec.nr_windows, o->sample);
		else
			printf("power (%d simulated runs a stage, %g calls a second, log-normal "
			       "latency of log sd %g):\n",
			       POWER_RUNS, o->calls_per_second, POWER_SYNTH_SIGMA);
	}
	for (i = 0; i < nr; i++) {
		free(sample);
		sample = NULL;
		if (o->sample) {
			size_t fi;

			ret = recording__find_named(&rec, f[i].spec, &fi);
			if (ret) {
				p_err("'%s' %s '%s': record it, e.g. 'hotcanary record -o FILE %s'",
				      o->sample,
				      ret == -ENOENT ? "has no windows of" : "has more than one",
				      f[i].spec, f[i].spec);
				goto out;
			}
			ret = sample_from_rec(&rec, fi, &sample, &ns);
		} else {
			ns = POWER_SYNTH_WINDOWS;
			sample = calloc(ns, sizeof(*sample));
			ret = sample ? power__synth(o->calls_per_second, POWER_SYNTH_MEDIAN_NS,
						    POWER_SYNTH_SIGMA, i + 1, sample, ns) :
				       -ENOMEM;
		}
		ret = ret ?: power_function(p, &f[i], nr, sample, ns, json, arr);
		if (ret) {
			p_err("cannot simulate the power of '%s': %s", f[i].spec, strerror(-ret));
			goto out;
		}
	}
	if (json)
		json_object_object_add(out, "power", json_object_get(arr));
out:
	json_object_put(arr);
	free(sample);
	free(f);
	if (have_rec)
		recording__free(&rec);
	return ret;
}
