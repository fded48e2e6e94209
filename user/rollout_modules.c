// SPDX-License-Identifier: GPL-2.0
/*
 * The watched functions of kernel modules (kernel:MODULE:FUNC), probed while their module is
 * loaded: one that is not loaded when the run starts is probed when it loads, one that goes
 * is let go, and probed again if it comes back. The source says which load of the module is
 * there (source_ops.loaded), looked at after every sample; the probes go in and out through
 * the same attach_func and detach_func that move a process between the arms.
 */
#include <stdio.h>
#include <string.h>
#include "rollout_int.h"

/* seconds since the monitor started, as the timeline says them */
static double since(const struct rollout *r)
{
	return (double)(clock_ns(r) - r->start_ns) / 1e9;
}

/*
 * Look at function @i's module once. After a sample, the window it closed is whole if the
 * probes were in before it began and the module stayed the same load all along. @start: the
 * look before the baseline, where a function whose module is loaded but cannot be probed
 * refuses the run, as monitor__attach() does for any other (@err says why).
 */
static int follow(struct rollout *r, size_t i, bool start, char *err, size_t len)
{
	struct rollout_func *f = &r->funcs[i];
	size_t k = rollout__mon_id(r, i);
	uint64_t now = r->src->ops->loaded(r->src, k);
	const char *mode, *stage = rollout__stage_name(r);
	char aerr[256], held[128] = "";
	int ret;

	f->whole = f->probed && now == f->seen;
	if (now == f->seen && !start)
		return 0;
	if (f->probed) {
		r->src->ops->detach_func(r->src, k);
		f->probed = false;
		rollout__mark(r, "monitor", "%s detached at %.1f s: module %s (%s)", f->name,
			      since(r), now ? "loaded again" : "unloaded", stage);
	}
	f->seen = now;
	if (!now) {
		if (start)
			rollout__mark(r, "monitor",
				      "%s: module '%s' is not loaded: attached when it loads, "
				      "not judged until then",
				      f->name, f->module);
		return 0;
	}
	ret = r->src->ops->attach_func(r->src, k, aerr, sizeof(aerr));
	if (ret && start) {
		snprintf(err, len, "%s", aerr);
		return ret;
	}
	if (ret) {
		rollout__mark(r, "monitor",
			      "%s: module loaded at %.1f s (%s) but not attached: %s; not judged "
			      "until it loads again",
			      f->name, since(r), stage, aerr);
		return 0;
	}
	f->probed = true;
	mode = r->src->ops->func_mode(r->src, k);
	if (!strcmp(mode, "fentry"))
		snprintf(held, sizeof(held),
			 ", which holds the module: 'rmmod %s' fails until the run ends",
			 f->module);
	rollout__mark(r, "monitor", "%s attached at %.1f s: module %s (%s%s; %s)", f->name,
		      since(r), start ? "loaded before the run" : "loaded", mode, held, stage);
	return 0;
}

int rollout__modules_start(struct rollout *r, char *err, size_t len)
{
	bool probed = false;
	size_t i;
	int ret;

	r->start_ns = clock_ns(r);
	for (i = r->nr_patched; i < r->nr; i++) {
		if (!r->funcs[i].module)
			continue;
		ret = follow(r, i, true, err, len);
		if (ret)
			return ret;
		probed |= r->funcs[i].probed;
	}
	/*
	 * The source took its first sample before these probes went in (a second or so under
	 * TCG, reading kallsyms): the baseline's first window starts now, whole for every one.
	 */
	return probed ? r->src->ops->sample(r->src, r->delta) : 0;
}

void rollout__modules_follow(struct rollout *r)
{
	size_t i;

	for (i = r->nr_patched; i < r->nr; i++)
		if (r->funcs[i].module)
			follow(r, i, false, NULL, 0);
}

/* why the stage so far does not judge @f, or NULL when it does */
const char *rollout__not_judged(const struct rollout_func *f)
{
	if (!f->module)
		return NULL;
	if (!f->stage_loaded && f->seen && !f->probed)
		return "its module is loaded, but it could not be probed (see the timeline)";
	if (!f->stage_loaded)
		return "not loaded during the stage";
	if (!f->base_windows)
		return "loaded after the baseline: its calls are counted, but nothing from before "
		       "the patch can judge them";
	return NULL;
}
