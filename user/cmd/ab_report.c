// SPDX-License-Identifier: GPL-2.0
/*
 * ab's report: the on-periods are compared with the off-periods the way 'compare' compares
 * two recordings, every period kept for the --report file.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cmd.h"
#include "compare_report.h"
#include "recording.h"
#include "run_exec.h"

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
					       json_object_new_uint64(
						       hist__quantile(s->hist, 0.99)));
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
