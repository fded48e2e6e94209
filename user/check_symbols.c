// SPDX-License-Identifier: GPL-2.0
/*
 * The checks about the kernel functions a patch touches or a policy watches, read from
 * kallsyms and tracefs: 4 (present, unique, traceable, else which callers to watch), 7
 * (other ftrace users) and 8 (how to probe them beside a livepatch).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checks_int.h"
#include "kcallers.h"
#include "symfile.h"

/* ---- the functions the checks are about ------------------------------------------------- */

int checks__targets(const struct hc_policy *p, const struct checks_report *rep,
		    struct checks_target **out, size_t *n, bool *from_module)
{
	struct checks_target *t;
	size_t i, cnt = 0;

	*from_module = rep->have_mod && rep->mod.funcs_known;
	t = calloc((*from_module ? rep->mod.nr_funcs : p->nr_watch) + 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (*from_module) {
		for (i = 0; i < rep->mod.nr_funcs; i++) {
			t[cnt].obj = rep->mod.funcs[i].obj;
			t[cnt].name = rep->mod.funcs[i].name;
			t[cnt++].sympos = rep->mod.funcs[i].sympos;
		}
	} else {
		for (i = 0; i < p->nr_watch; i++) {
			if (p->watch[i].func.kind != HC_FUNC_KERNEL)
				continue;
			t[cnt++].name = p->watch[i].func.symbol;
		}
	}
	*out = t;
	*n = cnt;
	return 0;
}

/* ---- 4 ---------------------------------------------------------------------------------- */

void check_functions(const struct hc_policy *p, const struct klp_sys *sys, struct check_result *r)
{
	char kallsyms[PATH_MAX], filter[PATH_MAX + 40], kcore[PATH_MAX];
	size_t i, nk = 0, nq = 0, nl = 0;
	struct kcallers_src callers;
	struct symq *q, *qf;
	int ret;

	klp_sys__path(sys, kallsyms, sizeof(kallsyms), "/proc/kallsyms");
	klp_sys__path(sys, kcore, sizeof(kcore), "/proc/kcore");
	snprintf(filter, sizeof(filter), "%s/available_filter_functions", sys->tracefs);
	/* read once, for all the untraceable functions there are */
	kcallers_src__init(&callers, kallsyms, kcore, filter);
	checks__set(r, CHECK_PASS, "%s", "");
	/* q: in the function's module (any, if none given), then anywhere: probes go by name */
	q = calloc(2 * p->nr_watch + 1, sizeof(*q));
	qf = calloc(p->nr_watch + 1, sizeof(*qf));
	if (!q || !qf) {
		checks__set(r, CHECK_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < p->nr_watch; i++) {
		if (p->watch[i].func.kind != HC_FUNC_KERNEL)
			continue;
		q[nq].name = qf[nq].name = p->watch[i].func.symbol;
		q[nq].obj = qf[nq].obj = p->watch[i].func.path;
		nq++;
	}
	for (i = 0; i < nq; i++)
		q[nq + i].name = q[i].name;
	if (!nq) {
		checks__set(r, CHECK_PASS,
			    "no kernel function watched (user functions are checked by the "
			    "monitor when it resolves them)");
		goto out;
	}
	ret = symfile__count(kallsyms, SYM_KALLSYMS, q, 2 * nq);
	if (ret) {
		checks__set(r, CHECK_FAIL, "cannot read %s: %s", kallsyms, strerror(-ret));
		goto out;
	}
	ret = symfile__count(filter, SYM_FILTER, qf, nq);
	if (ret) {
		checks__set(r, CHECK_FAIL,
			    "cannot read %s (%s): mount tracefs with 'mount -t tracefs "
			    "tracefs /sys/kernel/tracing'",
			    filter, strerror(-ret));
		goto out;
	}
	for (i = 0; i < nq; i++) {
		if (!q[i].count && q[i].obj && !klp__loaded(sys, q[i].obj)) {
			/* the run probes it when the module loads (rollout_modules.c), by name */
			if (q[nq + i].count)
				checks__add(r, CHECK_FAIL,
					    "watched kernel:%s:%s: module '%s' is not loaded, and %d "
					    "function%s elsewhere in %s %s that name: the monitor probes "
					    "by name, which would be ambiguous once the module loads; "
					    "watch another function",
					    q[i].obj, q[i].name, q[i].obj, q[nq + i].count,
					    q[nq + i].count == 1 ? "" : "s", kallsyms,
					    q[nq + i].count == 1 ? "has" : "have");
			else
				checks__add(r, CHECK_PASS,
					    "kernel:%s:%s: module '%s' is not loaded: watched when it "
					    "loads, not judged until then",
					    q[i].obj, q[i].name, q[i].obj);
			nl++;
		} else if (!q[i].count && q[i].obj) {
			checks__add(r, CHECK_FAIL,
				    "watched kernel:%s:%s is not a function of module '%s' in %s, "
				    "which is loaded: correct the function or the module name",
				    q[i].obj, q[i].name, q[i].obj, kallsyms);
		} else if (!q[i].count) {
			checks__add(r, CHECK_FAIL,
				    "watched kernel:%s is not a function in %s: not in this kernel, "
				    "or inlined everywhere, so that it has no symbol and its callers "
				    "cannot be found without the kernel's debug info; watch the "
				    "functions that contain it (a livepatch of it patches those)",
				    q[i].name, kallsyms);
		} else if (q[nq + i].count > 1) {
			checks__add(r, CHECK_FAIL,
				    "watched kernel:%s is ambiguous: %d functions in %s "
				    "have that name and the monitor probes by name; watch another function",
				    q[i].name, q[nq + i].count, kallsyms);
		} else if (!qf[i].count) {
			char what[512];

			kcallers__describe(&callers, q[i].name, q[i].obj, what, sizeof(what));
			checks__add(r, CHECK_FAIL,
				    "watched kernel:%s%s%s is not traceable (not in %s: notrace or "
				    "noinstr); %s",
				    q[i].obj ? q[i].obj : "", q[i].obj ? ":" : "", q[i].name,
				    filter, what);
		} else {
			nk++;
		}
	}
	if (r->status == CHECK_PASS && !nl)
		checks__set(r, CHECK_PASS,
			    "%zu watched kernel function%s in %s, once each, and traceable", nk,
			    nk == 1 ? "" : "s", kallsyms);
	else if (r->status == CHECK_PASS && nk)
		checks__add(r, CHECK_PASS,
			    "%zu other watched kernel function%s in %s, once each, and traceable",
			    nk, nk == 1 ? "" : "s", kallsyms);
out:
	kcallers_src__free(&callers);
	free(q);
	free(qf);
}

/* ---- 7 ---------------------------------------------------------------------------------- */

void check_ftrace(const struct hc_policy *p, const struct klp_sys *sys, struct checks_report *rep,
		  struct check_result *r)
{
	unsigned int kver = rep->kernel.version;
	struct klp_patch *pl = NULL;
	struct checks_target *t = NULL;
	size_t np = 0, nt = 0, i, j;
	char path[PATH_MAX + 40], err[256];
	struct symq *q = NULL;
	bool from_module, ours;
	int ret;

	if (checks__targets(p, rep, &t, &nt, &from_module)) {
		checks__set(r, CHECK_FAIL, "out of memory");
		return;
	}
	if (!nt) {
		checks__set(r, CHECK_PASS, "no kernel function to look at");
		goto out;
	}
	q = calloc(nt, sizeof(*q));
	if (!q) {
		checks__set(r, CHECK_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < nt; i++) {
		q[i].name = t[i].name;
		q[i].obj = t[i].obj;
	}
	snprintf(path, sizeof(path), "%s/enabled_functions", sys->tracefs);
	ret = symfile__enabled(path, q, nt);
	if (ret) {
		checks__set(r, CHECK_WARN,
			    "cannot read %s (%s): ftrace users of the functions unknown", path,
			    strerror(-ret));
		goto out;
	}
	if (klp__list(sys, &pl, &np, err, sizeof(err)))
		np = 0;
	checks__set(r, CHECK_PASS, "%s", "");
	for (i = 0; i < nt; i++) {
		const char *obj = t[i].obj ? t[i].obj : "vmlinux";

		ours = q[i].klp;
		for (j = 0; j < np && !ours; j++)
			ours = pl[j].enabled &&
			       klp_patch__patches(&pl[j], obj, t[i].name, t[i].sympos);
		if (q[i].flag_i && !ours)
			checks__add(r, CHECK_FAIL,
				    "%s has a foreign IP-modifying ftrace user ('I' in %s; "
				    "a kprobe with a post_handler, fail_function or another patching "
				    "tool): the livepatch would fail with -EBUSY; remove it first",
				    t[i].name, path);
		if (q[i].flag_d && kver && kver < KLP_KVER(6, 0, 0))
			checks__add(r, CHECK_FAIL,
				    "%s has a BPF trampoline ('D' in %s): before 6.0 a "
				    "livepatch and fentry/fexit exclude each other (fixed by "
				    "53cd885bc5c3); detach that BPF program first",
				    t[i].name, path);
		else if (q[i].flag_d)
			checks__add(r, CHECK_WARN,
				    "%s has a BPF trampoline ('D' in %s) that is not ours: "
				    "fexit + livepatch fails on 6.6+ without 56b3c85e153b, and on x86 "
				    "before 6.19 its frames make stacks unreliable and can stall the "
				    "transition",
				    t[i].name, path);
	}
	if (r->status == CHECK_PASS)
		checks__set(r, CHECK_PASS,
			    "no foreign IPMODIFY or direct ftrace user on the %s (%zu) "
			    "in %s",
			    from_module ? "patched functions" : "watched functions", nt, path);
out:
	klp__list_free(pl, np);
	free(q);
	free(t);
}

/* ---- 8 ---------------------------------------------------------------------------------- */

void check_probes(const struct hc_policy *p, const struct klp_sys *sys, struct checks_report *rep,
		  struct check_result *r)
{
	unsigned int kver = rep->kernel.version;
	size_t i, j, nt = 0, nw = 0, nbl = 0;
	char path[PATH_MAX], first[KLP_SYM_MAX] = "";
	struct checks_target *t = NULL;
	struct symq *q = NULL;
	bool from_module;

	rep->probe_mode = HC_MODE_AUTO;
	if (checks__targets(p, rep, &t, &nt, &from_module)) {
		checks__set(r, CHECK_FAIL, "out of memory");
		return;
	}
	q = calloc(p->nr_watch + 1, sizeof(*q));
	if (!q) {
		checks__set(r, CHECK_FAIL, "out of memory");
		goto out;
	}
	/* the watched kernel functions that the patch touches */
	for (i = 0; i < p->nr_watch; i++) {
		const char *w = p->watch[i].func.symbol;

		if (p->watch[i].func.kind != HC_FUNC_KERNEL)
			continue;
		for (j = 0; j < nt; j++) {
			if (strcmp(w, t[j].name))
				continue;
			q[nw++].name = w;
			if (!first[0])
				snprintf(first, sizeof(first), "%s", w);
			break;
		}
	}
	if (!nw) {
		checks__set(r, CHECK_PASS,
			    "no watched function is patched: probe mode auto (fentry where "
			    "the kernel allows it, else kprobes)");
		goto out;
	}
	klp_sys__path(sys, path, sizeof(path), "/sys/kernel/debug/kprobes/blacklist");
	if (!symfile__count(path, SYM_BLACKLIST, q, nw))
		for (i = 0; i < nw; i++)
			nbl += q[i].count > 0;
	if (rep->kernel.kprobes && !nbl) {
		rep->probe_mode = HC_MODE_KPROBE;
		checks__set(r, CHECK_PASS,
			    "kprobes on the %zu patched watched function%s (%s%s): entry "
			    "kprobes coexist with livepatch; fentry/fexit share a function with it only "
			    "from 6.0 (53cd885bc5c3), fexit fails on 6.6+ without 56b3c85e153b, and BPF "
			    "frames make stacks unreliable on x86 before 6.19 (01bc3b6db18d); never "
			    "fmod_ret or override",
			    nw, nw == 1 ? "" : "s", first, nw > 1 ? ", ..." : "");
		goto out;
	}
	if (kver >= KLP_KVER(6, 0, 0)) {
		rep->probe_mode = HC_MODE_FENTRY;
		checks__set(r, CHECK_WARN,
			    "%s on %s: fentry/fexit instead, allowed with livepatch from "
			    "6.0 (53cd885bc5c3); fexit fails on 6.6+ without 56b3c85e153b and BPF frames "
			    "can stall the transition on x86 before 6.19 (01bc3b6db18d)",
			    nbl ? "a patched watched function is on the kprobe blacklist" :
				  "no kprobes on this kernel",
			    rep->kernel.release);
		goto out;
	}
	checks__set(r, CHECK_FAIL,
		    "%s, and before 6.0 fentry/fexit cannot share a function with a "
		    "livepatch (53cd885bc5c3): no safe way to watch %s; watch a caller instead",
		    nbl ? "a patched watched function is on the kprobe blacklist" :
			  "no kprobes on this kernel",
		    first);
out:
	free(q);
	free(t);
}
