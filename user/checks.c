// SPDX-License-Identifier: GPL-2.0
/* The compatibility checks of "hotcanary check"; what each looks at is in checks.h. */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checks.h"
#include "checks_int.h"
#include "exec_driver.h"
#include "patch/patch.h"
#include "sha256.h"
#include "symfile.h"
#include "taint.h"

#define TAINT_DIE_BIT 7

static const struct {
	const char *name;
	const char *title;
} check_names[CHECK_NR] = {
	{ "livepatch", "livepatch is supported" },
	{ "module", "the module is a livepatch for this kernel" },
	{ "artifact", "the artefact is pinned and owned by root" },
	{ "functions", "the watched functions exist and are traceable" },
	{ "transition", "no livepatch transition is in progress" },
	{ "conflict", "no other non-replace patch patches the same functions" },
	{ "ftrace", "no foreign IP-modifying ftrace user on the functions" },
	{ "probes", "probes and livepatch are safe together" },
	{ "signature", "signature enforcement and lockdown allow the module" },
	{ "taint", "taint baseline" },
	{ "forced", "no livepatch was forced on this boot" },
	{ "killswitch", "the boot kill switch is off" },
	{ "restore", "a rollback can restore what the load replaces" },
};

const char *check_status__name(enum check_status s)
{
	switch (s) {
	case CHECK_PASS:
		return "pass";
	case CHECK_WARN:
		return "warn";
	case CHECK_FAIL:
		return "fail";
	}
	return "?";
}

void checks__set(struct check_result *r, enum check_status st, const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

/* append to a reason; a status only ever gets worse */
void checks__add(struct check_result *r, enum check_status st, const char *fmt, ...)
{
	size_t n = strlen(r->reason);
	va_list ap;

	if (st > r->status)
		r->status = st;
	if (n + 3 >= sizeof(r->reason))
		return;
	if (n) {
		memcpy(r->reason + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(r->reason + n, sizeof(r->reason) - n, fmt, ap);
	va_end(ap);
}

/* a livepatch module that hotcanary loads itself: the module's own checks apply */
bool checks__is_klp(const struct hc_policy *p)
{
	const struct patch_ops *ops = patch__ops(p->patch.type);

	return ops && ops->kernel_module;
}

/* ---- 1 ---------------------------------------------------------------------------------- */

static void check_livepatch(const struct hc_policy *p, const struct klp_sys *sys,
			    struct checks_report *rep, struct check_result *r)
{
	const struct klp_kernel *k = &rep->kernel;
	char path[PATH_MAX];

	klp_sys__path(sys, path, sizeof(path), "/sys/kernel/livepatch");
	/* an external patcher may bring its own mechanism (kcarectl does): its business */
	if (!k->livepatch && !checks__is_klp(p)) {
		checks__set(r, CHECK_WARN,
			    "%s does not exist on kernel %s; the exec patcher must not "
			    "need kernel livepatch",
			    path, k->release);
		return;
	}
	if (!k->livepatch) {
		checks__set(r, CHECK_FAIL,
			    "%s does not exist: kernel %s has no livepatch support; it "
			    "needs CONFIG_LIVEPATCH=y (and sysfs mounted)",
			    path, k->release);
		return;
	}
	if (k->ftrace_enabled == 0) {
		checks__set(r, CHECK_FAIL,
			    "/proc/sys/kernel/ftrace_enabled is 0: a livepatch cannot load; "
			    "run 'sysctl kernel.ftrace_enabled=1'");
		return;
	}
	checks__set(r, CHECK_PASS, "%s present on kernel %s", path, k->release);
}

/* ---- 2 ---------------------------------------------------------------------------------- */

/* every name in patch.params is a parameter the module takes */
static void check_params(const struct hc_policy *p, const struct klp_mod *m, struct check_result *r)
{
	const char *s = p->patch.klp.params;
	char names[256] = "none";
	size_t n, i;

	for (i = 0; i < m->nr_params && strlen(names) + KLP_NAME_MAX + 3 < sizeof(names); i++)
		sprintf(i ? names + strlen(names) : names, "%s%s", i ? ", " : "", m->params[i]);
	while (s && *s) {
		n = strcspn(s, "=");
		for (i = 0; i < m->nr_params; i++)
			if (strlen(m->params[i]) == n && !strncmp(m->params[i], s, n))
				break;
		if (i == m->nr_params)
			checks__add(r, CHECK_FAIL,
				    "patch.params: '%.*s' is not a parameter of '%s' (it takes: %s); "
				    "correct or remove it",
				    (int)n, s, m->name, names);
		/* the policy parser quoted values with blanks: skip "NAME=VALUE " */
		s += n;
		if (*s == '=')
			s++;
		if (*s == '"')
			s = strchr(s + 1, '"') ? strchr(s + 1, '"') + 1 : s + strlen(s);
		s += strcspn(s, " ");
		s += strspn(s, " ");
	}
}

static void check_module(const struct hc_policy *p, const struct klp_sys *sys,
			 struct checks_report *rep, struct check_result *r)
{
	struct klp_mod *m = &rep->mod;
	char why[1024], path[PATH_MAX];
	struct symq *q;
	size_t i;
	int ret;

	if (!checks__is_klp(p)) {
		checks__set(r, CHECK_PASS, "not applicable: patch.type %s loads no module itself",
			    policy__patch_type_name(p->patch.type));
		return;
	}
	if (!rep->have_mod) {
		checks__set(r, CHECK_FAIL, "%s", rep->mod_err);
		return;
	}
	if (!m->has_modinfo) {
		checks__set(r, CHECK_FAIL, "%s has no .modinfo section: not a kernel module",
			    m->path);
		return;
	}
	if (!m->livepatch) {
		checks__set(r, CHECK_FAIL,
			    "%s: modinfo has no livepatch=Y, so '%s' is not a livepatch; "
			    "build it with MODULE_INFO(livepatch, \"Y\") (kpatch-build and klp-build do)",
			    m->path, m->name);
		return;
	}
	ret = klp__vermagic_match(&rep->kernel, m->vermagic, why, sizeof(why));
	if (ret < 0) {
		checks__set(r, CHECK_FAIL, "%s: %s; rebuild it against the headers of %s", m->path,
			    why, rep->kernel.release);
		return;
	}
	checks__set(r, CHECK_PASS, "%s: livepatch=Y, %s", m->path, why);
	check_params(p, m, r);
	if (klp__loaded(sys, m->name)) {
		checks__add(r, CHECK_FAIL,
			    "a module named '%s' is already loaded (/sys/module/%s): unload "
			    "it, or run 'hotcanary recover' if an earlier run left it",
			    m->name, m->name);
		return;
	}
	if (!m->nr_objs) {
		checks__add(r, CHECK_WARN,
			    "the patched objects cannot be read from the file (no static "
			    "struct klp_patch, no .klp.rela sections): they are checked only at load");
		return;
	}
	for (i = 0; i < m->nr_objs; i++) {
		if (!strcmp(m->objs[i], "vmlinux") || klp__loaded(sys, m->objs[i]))
			continue;
		/* the kernel patches a module when it loads (klp_module_coming()) */
		checks__add(r, CHECK_PASS,
			    "target module '%s' is not loaded: patched when it loads", m->objs[i]);
	}
	if (!m->funcs_known) {
		checks__add(r, CHECK_WARN,
			    "objects %zu, but the patched functions are built at module "
			    "init (kpatch-build/klp-build style): they are checked only at load",
			    m->nr_objs);
		return;
	}
	q = calloc(m->nr_funcs + 1, sizeof(*q));
	if (!q) {
		checks__add(r, CHECK_FAIL, "out of memory");
		return;
	}
	for (i = 0; i < m->nr_funcs; i++) {
		q[i].name = m->funcs[i].name;
		q[i].obj = m->funcs[i].obj;
	}
	klp_sys__path(sys, path, sizeof(path), "/proc/kallsyms");
	ret = symfile__count(path, SYM_KALLSYMS, q, m->nr_funcs);
	if (ret) {
		checks__add(r, CHECK_WARN, "cannot read %s (%s): patched functions not verified",
			    path, strerror(-ret));
		free(q);
		return;
	}
	for (i = 0; i < m->nr_funcs; i++) {
		const struct klp_func_ref *f = &m->funcs[i];

		if (strcmp(f->obj, "vmlinux") && !klp__loaded(sys, f->obj))
			continue;
		if (!q[i].count)
			checks__add(r, CHECK_FAIL,
				    "patched function %s:%s is not in %s: "
				    "klp_enable_patch() would fail",
				    f->obj, f->name, path);
		else if (!f->sympos && q[i].count > 1)
			checks__add(r, CHECK_FAIL,
				    "patched function %s:%s is ambiguous (%d in %s) and the "
				    "patch gives no old_sympos",
				    f->obj, f->name, q[i].count, path);
		else if (f->sympos > (unsigned long)q[i].count)
			checks__add(r, CHECK_FAIL, "patched function %s:%s,%lu: only %d in %s",
				    f->obj, f->name, f->sympos, q[i].count, path);
	}
	if (r->status == CHECK_PASS)
		checks__add(r, CHECK_PASS,
			    "patches %zu function%s in %zu object%s, all found (struct klp_patch "
			    "read with %s)",
			    m->nr_funcs, m->nr_funcs == 1 ? "" : "s", m->nr_objs,
			    m->nr_objs == 1 ? "" : "s",
			    sys->have_layout ? "the kernel's BTF" : "the layout of 5.5 and later");
	free(q);
}

/* ---- 3 ---------------------------------------------------------------------------------- */

static void check_owner(const struct klp_sys *sys, const char *what, const char *path,
			struct check_result *r)
{
	char *copy, *dir;
	struct stat st;

	if (stat(path, &st)) {
		checks__add(r, CHECK_FAIL, "cannot stat %s %s: %s", what, path, strerror(errno));
		return;
	}
	if (st.st_uid != sys->trusted_uid)
		checks__add(r, CHECK_FAIL, "%s %s is owned by uid %u, not %u: 'chown %u %s'", what,
			    path, (unsigned int)st.st_uid, (unsigned int)sys->trusted_uid,
			    (unsigned int)sys->trusted_uid, path);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		checks__add(r, CHECK_FAIL,
			    "%s %s is group- or world-writable (mode %04o): 'chmod go-w %s'", what,
			    path, (unsigned int)(st.st_mode & 07777), path);
	copy = strdup(path);
	if (!copy)
		return;
	dir = dirname(copy);
	if (!stat(dir, &st) && (st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		checks__add(r, CHECK_FAIL,
			    "the directory %s of %s %s is group- or world-writable without "
			    "the sticky bit: anyone could replace the file; 'chmod go-w %s'",
			    dir, what, path, dir);
	free(copy);
}

static void check_artifact(const struct hc_policy *p, const struct klp_sys *sys,
			   struct checks_report *rep, struct check_result *r)
{
	uint8_t digest[SHA256_DIGEST_LEN];
	char want[65];
	int ret;

	checks__set(r, CHECK_PASS, "%s", "");
	if (checks__is_klp(p)) {
		ret = sha256__file(p->patch.klp.module, digest);
		if (ret) {
			checks__add(r, CHECK_FAIL, "cannot hash %s: %s", p->patch.klp.module,
				    strerror(-ret));
		} else {
			sha256__hex(digest, rep->sha256);
			if (!p->patch.has_sha256) {
				checks__add(r, CHECK_PASS,
					    "no sha256 pin in the policy (the module's "
					    "is %s)",
					    rep->sha256);
			} else if (memcmp(digest, p->patch.sha256, sizeof(digest))) {
				checks__add(r, CHECK_FAIL,
					    "sha256 of %s is %s, the policy pins %s: the "
					    "wrong file, or it changed",
					    p->patch.klp.module, rep->sha256,
					    sha256__hex(p->patch.sha256, want));
			} else {
				checks__add(r, CHECK_PASS, "sha256 %s matches the pin",
					    rep->sha256);
			}
		}
	}
	if (p->source && p->source[0] != '<')
		check_owner(sys, "policy", p->source, r);
	if (checks__is_klp(p)) {
		check_owner(sys, "module", p->patch.klp.module, r);
		if (p->patch.klp.replaces)
			check_owner(sys, "patch.replaces module", p->patch.klp.replaces, r);
		for (size_t i = 0; i < p->patch.klp.nr_restore; i++)
			check_owner(sys, "patch.restore module", p->patch.klp.restore[i], r);
	}
	if (p->patch.type == HC_PATCH_EXEC) {
		char *const *cmds[] = { p->patch.exec.apply, p->patch.exec.revert };
		char prog[PATH_MAX], err[PATH_MAX + 256];

		/* the same search and rule as when they run (exec__run()), refused up front */
		for (size_t i = 0; i < 2; i++)
			if (cmds[i] && cmds[i][0] &&
			    exec__resolve(cmds[i][0], prog, sizeof(prog), err, sizeof(err)))
				checks__add(r, CHECK_FAIL, "patch.%s: %s", i ? "revert" : "apply",
					    err);
	}
	if (r->status == CHECK_PASS)
		checks__add(r, CHECK_PASS, "policy%s owned by uid %u and not group/world-writable",
			    checks__is_klp(p)		   ? " and module" :
			    p->patch.type == HC_PATCH_EXEC ? ", apply and revert programs" :
							     "",
			    (unsigned int)sys->trusted_uid);
}

/* ---- 5 ---------------------------------------------------------------------------------- */

static void check_transition(const struct klp_sys *sys, struct check_result *r)
{
	struct klp_blocker *b = NULL;
	char name[KLP_NAME_MAX];
	size_t nb = 0;
	int ret, target;

	ret = klp__in_transition(sys, name, sizeof(name));
	if (ret < 0) {
		checks__set(r, ret == -ENOENT ? CHECK_PASS : CHECK_WARN,
			    "cannot read /sys/kernel/livepatch: %s", strerror(-ret));
		return;
	}
	if (!ret) {
		checks__set(r, CHECK_PASS, "no /sys/kernel/livepatch/*/transition reads 1");
		return;
	}
	target = klp__enabled(sys, name);
	if (target >= 0)
		klp__blockers(sys, target, &b, &nb);
	checks__set(r, CHECK_FAIL,
		    "livepatch '%s' is in transition (/sys/kernel/livepatch/%s/transition "
		    "is 1; %zu task%s not switched yet%s%s): wait for it, or reverse it by writing %d to "
		    "its enabled; never force",
		    name, name, nb, nb == 1 ? "" : "s", nb ? ", e.g. " : "", nb ? b[0].comm : "",
		    target == 1 ? 0 : 1);
	klp__blockers_free(b, nb);
}

/* ---- 6 ---------------------------------------------------------------------------------- */

static bool stacks_on(const struct hc_policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->patch.klp.nr_stacks_on; i++)
		if (!strcmp(p->patch.klp.stacks_on[i], name))
			return true;
	return false;
}

static void check_conflict(const struct hc_policy *p, const struct klp_sys *sys,
			   struct checks_report *rep, struct check_result *r)
{
	struct klp_patch *pl = NULL;
	struct checks_target *t = NULL;
	size_t np = 0, nt = 0, i, j, k, others = 0, stacked = 0;
	char err[256], names[256] = "";
	bool from_module;
	int ret;

	if (!checks__is_klp(p)) {
		checks__set(r, CHECK_PASS, "not applicable: patch.type %s",
			    policy__patch_type_name(p->patch.type));
		return;
	}
	ret = klp__list(sys, &pl, &np, err, sizeof(err));
	if (ret == -ENOENT) {
		checks__set(r, CHECK_PASS,
			    "no /sys/kernel/livepatch: nothing is enabled (see check 1)");
		return;
	}
	if (ret) {
		checks__set(r, CHECK_WARN, "%s", err);
		return;
	}
	for (i = 0; i < np; i++) {
		if (!pl[i].enabled)
			continue;
		others++;
		if (strlen(names) + strlen(pl[i].name) + 3 < sizeof(names))
			sprintf(names + strlen(names), "%s%s", names[0] ? ", " : "", pl[i].name);
	}
	if (rep->have_mod && rep->mod.replace == 1) {
		/* whether a rollback can bring them back is check 13's */
		if (others)
			checks__set(r, CHECK_PASS,
				    "'%s' is a replace patch: enabling it disables the %zu "
				    "enabled livepatch%s (%s); see check 13 for the rollback",
				    rep->mod.name, others, others == 1 ? "" : "es", names);
		else
			checks__set(r, CHECK_PASS,
				    "'%s' is a replace patch; no livepatch is enabled",
				    rep->mod.name);
		goto out;
	}
	if (checks__targets(p, rep, &t, &nt, &from_module)) {
		checks__set(r, CHECK_FAIL, "out of memory");
		goto out;
	}
	checks__set(r, CHECK_PASS, "%s", "");
	for (i = 0; i < p->patch.klp.nr_stacks_on; i++)
		if (klp__enabled(sys, p->patch.klp.stacks_on[i]) != 1)
			checks__add(r, CHECK_FAIL,
				    "patch.stacks_on names '%s', which is not an enabled livepatch: "
				    "load it first, or correct the name",
				    p->patch.klp.stacks_on[i]);
	for (i = 0; i < np; i++) {
		/* before 6.11 sysfs does not say; the module file, when it is at hand, does */
		if (pl[i].enabled && pl[i].replace < 0)
			pl[i].replace = checks__enabled_replace(p, sys, &pl[i]);
		if (!pl[i].enabled || pl[i].replace == 1)
			continue;
		/* meant to supersede it, as the kernel's shadow-fix2 sample does fix1 */
		if (stacks_on(p, pl[i].name)) {
			stacked++;
			continue;
		}
		for (j = 0; j < nt; j++) {
			for (k = 0; k < pl[i].nr_funcs; k++) {
				const struct klp_func_ref *f = &pl[i].funcs[k];
				unsigned long a = f->sympos ? f->sympos : 1;
				unsigned long b = t[j].sympos ? t[j].sympos : 1;

				if (strcmp(f->name, t[j].name) ||
				    (t[j].obj && (strcmp(f->obj, t[j].obj) || a != b)))
					continue;
				checks__add(r, CHECK_FAIL,
					    "enabled non-replace livepatch '%s'%s already "
					    "patches %s:%s (/sys/kernel/livepatch/%s/%s/%s,%lu): disable "
					    "it first, or ship one cumulative replace patch",
					    pl[i].name,
					    pl[i].replace < 0 ?
						    " (no replace attribute before 6.11 and no "
						    "module file at hand: taken as non-replace)" :
						    "",
					    f->obj, f->name, pl[i].name, f->obj, f->name, a);
			}
		}
	}
	if (r->status == CHECK_PASS && stacked) {
		checks__set(r, CHECK_PASS,
			    "stacks on %zu enabled livepatch%s as patch.stacks_on says (%s): where both "
			    "patch a function, this one runs until it is disabled",
			    stacked, stacked == 1 ? "" : "es", names);
	} else if (r->status == CHECK_PASS) {
		if (from_module && !others)
			checks__set(r, CHECK_PASS, "no livepatch is enabled");
		else if (from_module)
			checks__set(r, CHECK_PASS,
				    "none of the %zu enabled livepatch%s (%s) patches the "
				    "module's functions",
				    others, others == 1 ? "" : "es", names);
		else
			checks__set(r, CHECK_WARN,
				    "the module's functions are unknown before loading; "
				    "none of the %zu enabled livepatch%s patches the watched functions",
				    others, others == 1 ? "" : "es");
	}
out:
	free(t);
	klp__list_free(pl, np);
}

/* ---- 9 ---------------------------------------------------------------------------------- */

static void check_signature(const struct hc_policy *p, struct checks_report *rep,
			    struct check_result *r)
{
	const struct klp_kernel *k = &rep->kernel;
	bool locked = k->lockdown[0] && strcmp(k->lockdown, "none");
	char state[128];

	snprintf(state, sizeof(state), "module.sig_enforce=%s, lockdown %s",
		 k->sig_enforce < 0 ? "absent" :
		 k->sig_enforce	    ? "Y" :
				      "N",
		 k->lockdown[0] ? k->lockdown : "absent");
	if (!checks__is_klp(p)) {
		checks__set(r, CHECK_PASS, "not applicable: patch.type %s (%s)",
			    policy__patch_type_name(p->patch.type), state);
		return;
	}
	if (!rep->have_mod) {
		checks__set(r, CHECK_WARN, "module unreadable (see check 2); %s", state);
		return;
	}
	if (rep->mod.signed_) {
		checks__set(r, CHECK_PASS,
			    "%s carries a %s (verified by the kernel at load, not here); %s",
			    rep->mod.path, rep->mod.sig_info, state);
		return;
	}
	if (k->sig_enforce == 1 || locked) {
		checks__set(r, CHECK_FAIL,
			    "%s is unsigned and the kernel refuses unsigned modules (%s): "
			    "sign it with a key the kernel trusts (scripts/sign-file sha256 KEY.pem "
			    "CERT.der %s) or boot without module.sig_enforce/lockdown",
			    rep->mod.path, state, rep->mod.path);
		return;
	}
	checks__set(r, CHECK_PASS,
		    "%s is unsigned, which this kernel allows (%s): loading it taints E",
		    rep->mod.path, state);
}

/* ---- 10 --------------------------------------------------------------------------------- */

static void check_taint(const struct hc_policy *p, struct checks_report *rep,
			struct check_result *r)
{
	char letters[80];

	if (!rep->kernel.have_taint) {
		checks__set(r, CHECK_WARN,
			    "cannot read /proc/sys/kernel/tainted: no taint baseline, the "
			    "taint guardrail cannot work");
		return;
	}
	rep->have_taint = true;
	rep->taint_baseline = rep->kernel.taint;
	taint__letters(rep->kernel.taint, letters, sizeof(letters));
	if (rep->kernel.taint & (1UL << TAINT_DIE_BIT)) {
		checks__set(r, p->guardrails.allow_tainted_die ? CHECK_WARN : CHECK_FAIL,
			    "baseline %lu (%s): the kernel already died once (D: oops or BUG) on this "
			    "boot%s",
			    rep->kernel.taint, letters,
			    p->guardrails.allow_tainted_die ?
				    "; allowed by guardrails.allow_tainted_die" :
				    "; reboot, or set "
				    "guardrails.allow_tainted_die: true to go on anyway");
		return;
	}
	checks__set(r, CHECK_PASS, "baseline %lu (%s) recorded from /proc/sys/kernel/tainted",
		    rep->kernel.taint, letters[0] ? letters : "not tainted");
}

/* ---- 11, 12 ----------------------------------------------------------------------------- */

static void check_forced(const struct klp_sys *sys, struct check_result *r)
{
	char why[512];
	int ret;

	ret = klp__forced(sys, why, sizeof(why));
	if (ret > 0) {
		checks__set(r, CHECK_FAIL,
			    "a livepatch transition was forced on this boot (%s): forced "
			    "patch modules can never be removed; reboot before applying more livepatches",
			    why);
		return;
	}
	checks__set(r, CHECK_PASS,
		    "no forced transition in the kernel log or the livepatch modules' "
		    "refcnt%s",
		    ret < 0 ? " (kernel log unreadable)" : "");
}

static void check_killswitch(const struct klp_sys *sys, struct checks_report *rep,
			     struct check_result *r)
{
	const char *c = rep->kernel.cmdline, *hit = NULL, *s;
	char path[PATH_MAX];

	for (s = c; (s = strstr(s, "hotcanary.disable=1")); s++) {
		if ((s == c || s[-1] == ' ') && (s[19] == ' ' || s[19] == '\0')) {
			hit = s;
			break;
		}
	}
	klp_sys__path(sys, path, sizeof(path), "/etc/hotcanary/disable");
	if (hit) {
		checks__set(r, CHECK_FAIL,
			    "/proc/cmdline has hotcanary.disable=1: hotcanary is switched "
			    "off for this boot; reboot without it");
		if (!access(path, F_OK))
			checks__add(r, CHECK_FAIL, "%s exists too", path);
		return;
	}
	if (!access(path, F_OK)) {
		checks__set(r, CHECK_FAIL,
			    "%s exists: hotcanary is switched off; remove the file to allow "
			    "patching",
			    path);
		return;
	}
	checks__set(r, CHECK_PASS, "no hotcanary.disable=1 in /proc/cmdline and no %s", path);
}

/* ---- all -------------------------------------------------------------------------------- */

int checks__run(const struct hc_policy *p, const struct klp_sys *sys, struct checks_report *rep)
{
	size_t i;
	int ret;

	memset(rep, 0, sizeof(*rep));
	rep->probe_mode = HC_MODE_AUTO;
	for (i = 0; i < CHECK_NR; i++) {
		rep->r[i].id = (enum check_id)(i + 1);
		rep->r[i].name = check_names[i].name;
		rep->r[i].title = check_names[i].title;
	}
	if (!patch__ops(p->patch.type) || !patch__ops(p->patch.type)->kernel_checks)
		return -EINVAL;
	ret = klp_kernel__read(sys, &rep->kernel);
	if (ret)
		return ret;
	if (checks__is_klp(p)) {
		ret = klp_mod__read_layout(p->patch.klp.module,
					   sys->have_layout ? &sys->layout : NULL, &rep->mod,
					   rep->mod_err, sizeof(rep->mod_err));
		if (ret == -ENOMEM)
			return ret;
		rep->have_mod = !ret; /* else check 2 reports mod_err */
	}
	check_livepatch(p, sys, rep, &rep->r[CHECK_LIVEPATCH - 1]);
	check_module(p, sys, rep, &rep->r[CHECK_MODULE - 1]);
	check_artifact(p, sys, rep, &rep->r[CHECK_ARTIFACT - 1]);
	check_functions(p, sys, &rep->r[CHECK_FUNCTIONS - 1]);
	check_transition(sys, &rep->r[CHECK_TRANSITION - 1]);
	check_conflict(p, sys, rep, &rep->r[CHECK_CONFLICT - 1]);
	check_ftrace(p, sys, rep, &rep->r[CHECK_FTRACE - 1]);
	check_probes(p, sys, rep, &rep->r[CHECK_PROBES - 1]);
	check_signature(p, rep, &rep->r[CHECK_SIGNATURE - 1]);
	check_taint(p, rep, &rep->r[CHECK_TAINT - 1]);
	check_forced(sys, &rep->r[CHECK_FORCED - 1]);
	check_killswitch(sys, rep, &rep->r[CHECK_KILLSWITCH - 1]);
	return check_restore(p, sys, rep, &rep->r[CHECK_RESTORE - 1]);
}

void checks__free(struct checks_report *rep)
{
	if (rep->have_mod)
		klp_mod__free(&rep->mod);
	rep->have_mod = false;
}

enum check_status checks__worst(const struct checks_report *rep)
{
	enum check_status w = CHECK_PASS;
	size_t i;

	for (i = 0; i < CHECK_NR; i++)
		if (rep->r[i].status > w)
			w = rep->r[i].status;
	return w;
}
