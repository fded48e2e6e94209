// SPDX-License-Identifier: GPL-2.0
/*
 * Check 13: what loading the patch replaces, and how a rollback brings it back.
 *
 * A patch built with atomic replace (klp_patch.replace, kpatch-build's default) disables
 * every enabled livepatch when its transition ends. The kernel never enables a replaced
 * patch again: its module stays loaded, disabled, until it is unloaded. A rollback that only
 * disabled the new patch would leave the host with neither fix, so the replaced patch's module
 * must be at hand to load again: the copy hotcanary kept when it loaded it (sys->moddir), or a
 * file the policy names (patch.replaces, patch.restore). Without one the run is refused,
 * unless 'patch.restore: none' accepts the loss.
 *
 * klp-state (kernel/livepatch/state.c, klp_is_patch_compatible()): the kernel refuses a patch
 * that carries an older version of a state an enabled patch holds, or a cumulative one that
 * drops such a state. The same rule, applied the other way round, says whether the replaced
 * patch can take over from ours on rollback, or ours must go first.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "checks_int.h"
#include "klp.h"

static const struct klp_state_ref *state_find(const struct klp_mod *m, unsigned long id)
{
	size_t i;

	for (i = 0; i < m->nr_states; i++)
		if (m->states[i].id == id)
			return &m->states[i];
	return NULL;
}

/* would the kernel refuse to enable @new while @old (named @old_name) is enabled? */
static bool state_refused(const struct klp_mod *new, const struct klp_mod *old,
			  const char *old_name, char *why, size_t len)
{
	const struct klp_state_ref *ns;
	size_t i;

	for (i = 0; i < old->nr_states; i++) {
		ns = state_find(new, old->states[i].id);
		if (!ns && new->replace == 1) {
			snprintf(why, len,
				 "'%s' is cumulative but lacks klp_state %lu of '%s' (a replace "
				 "patch must carry every state)",
				 new->name, old->states[i].id, old_name);
			return true;
		}
		if (ns && ns->version < old->states[i].version) {
			snprintf(why, len,
				 "'%s' has klp_state %lu version %u, older than version %u of '%s'",
				 new->name, ns->id, ns->version, old->states[i].version, old_name);
			return true;
		}
	}
	return false;
}

/* the same functions, whatever the order: the file is a build of the enabled patch */
static bool same_funcs(const struct klp_mod *m, const struct klp_patch *lp)
{
	size_t i;

	if (!m->funcs_known)
		return true; /* built at init: nothing to compare */
	if (m->nr_funcs != lp->nr_funcs)
		return false;
	for (i = 0; i < lp->nr_funcs; i++)
		if (!klp_mod__patches(m, lp->funcs[i].obj, lp->funcs[i].name, lp->funcs[i].sympos))
			return false;
	return true;
}

/*
 * Is @file a module of the enabled patch @lp? 1 with @m read, 0 (and @why, if it says
 * something the operator should know), or -ENOMEM.
 */
static int source_try(const struct klp_sys *sys, const char *file, const struct klp_patch *lp,
		      struct klp_mod *m, char *why, size_t len)
{
	char err[512], live[64];
	int ret;

	ret = klp_mod__read_layout(file, sys->have_layout ? &sys->layout : NULL, m, err,
				   sizeof(err));
	if (ret == -ENOENT)
		return 0;
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		snprintf(why, len, "%s", err);
		return 0;
	}
	if (strcmp(m->name, lp->name))
		goto no;
	if (!klp__srcversion(sys, lp->name, live, sizeof(live)) && m->srcversion[0] &&
	    strcmp(live, m->srcversion)) {
		snprintf(why, len,
			 "%s is another build of '%s' (srcversion %s, the loaded module's is %s)",
			 file, lp->name, m->srcversion, live);
		goto no;
	}
	if (!same_funcs(m, lp)) {
		snprintf(why, len,
			 "%s is another build of '%s': it patches %zu functions, the enabled "
			 "patch %zu",
			 file, lp->name, m->nr_funcs, lp->nr_funcs);
		goto no;
	}
	return 1;
no:
	klp_mod__free(m);
	return 0;
}

/*
 * The module file to load @lp again from: patch.replaces, then patch.restore, then the copy
 * kept when hotcanary loaded it. 1 with @path and @m set, 0 if none, or -ENOMEM.
 */
static int source_find(const struct hc_policy *p, const struct klp_sys *sys,
		       const struct klp_patch *lp, char *path, size_t plen, struct klp_mod *m,
		       char *why, size_t len)
{
	char copy[PATH_MAX + KLP_NAME_MAX + 16];
	size_t i;
	int ret;

	why[0] = '\0';
	if (p->patch.klp.replaces) {
		ret = source_try(sys, p->patch.klp.replaces, lp, m, why, len);
		if (ret) {
			snprintf(path, plen, "%s", p->patch.klp.replaces);
			return ret;
		}
	}
	for (i = 0; i < p->patch.klp.nr_restore; i++) {
		ret = source_try(sys, p->patch.klp.restore[i], lp, m, why, len);
		if (ret) {
			snprintf(path, plen, "%s", p->patch.klp.restore[i]);
			return ret;
		}
	}
	if (!sys->moddir[0])
		return 0;
	klp_sys__path(sys, copy, sizeof(copy), "%s/%s.ko", sys->moddir, lp->name);
	ret = source_try(sys, copy, lp, m, why, len);
	if (ret == 1 && strlen(copy) >= plen) {
		klp_mod__free(m);
		return 0;
	}
	if (ret == 1)
		memcpy(path, copy, strlen(copy) + 1);
	return ret;
}

int checks__enabled_replace(const struct hc_policy *p, const struct klp_sys *sys,
			    const struct klp_patch *lp)
{
	char path[PATH_MAX], why[600];
	struct klp_mod m = { 0 };
	int replace;

	if (lp->replace >= 0 || !checks__is_klp(p))
		return lp->replace;
	if (source_find(p, sys, lp, path, sizeof(path), &m, why, sizeof(why)) != 1)
		return -1;
	replace = m.replace;
	klp_mod__free(&m);
	return replace;
}

/* the parameters @name is loaded again with on rollback: those it has now (klp__params()) */
static void restore_params(const struct klp_sys *sys, const char *name, struct check_result *r)
{
	char params[512];
	int ret = klp__params(sys, name, params, sizeof(params));

	if (ret)
		checks__add(r, CHECK_FAIL,
			    "the parameters of '%s' cannot be given back to it when it is loaded "
			    "again (%s): accept a rollback that leaves it disabled with "
			    "'patch.restore: none'",
			    name, strerror(-ret));
	else if (params[0])
		checks__add(r, CHECK_PASS, "'%s' is loaded again with the parameters it has: %s",
			    name, params);
}

/*
 * @new is not a replace patch in its file: it stacks on the enabled ones. Its init function
 * may still set klp_patch.replace (the kernel's test_klp_atomic_replace does, from a module
 * parameter), which only the load shows: with one enabled patch whose module is at hand, the
 * restore is planned all the same, and used if the patch vanishes (user/patch/klp.c).
 */
static int stacks(const struct hc_policy *p, const struct klp_sys *sys, struct checks_report *rep,
		  struct check_result *r, const struct klp_patch *lp, size_t nr_enabled,
		  const char *names, struct klp_patch *pl, size_t np)
{
	const struct klp_mod *new = &rep->mod;
	struct klp_mod old = { 0 };
	char why[600];
	int found = 0;

	if (nr_enabled == 1 && !p->patch.klp.restore_none)
		found = source_find(p, sys, lp, rep->restore.path, sizeof(rep->restore.path), &old,
				    why, sizeof(why));
	if (found == 1) {
		snprintf(rep->restore.name, sizeof(rep->restore.name), "%s", lp->name);
		rep->restore.replace = old.replace == 1 || lp->replace == 1;
		rep->have_restore = true;
		klp_mod__free(&old);
		checks__set(r, CHECK_PASS,
			    "'%s' is not a replace patch: it stacks on %s, which stays enabled; if "
			    "its init makes it one, a rollback loads %s again",
			    new->name, names, rep->restore.path);
		restore_params(sys, lp->name, r);
	} else if (found == 0 && !p->patch.klp.restore_none) {
		checks__set(r, CHECK_WARN,
			    "'%s' is not a replace patch in its file: it stacks on %s; should its "
			    "init function make it one, a rollback could not restore %s: name %s "
			    "in patch.restore",
			    new->name, names, nr_enabled == 1 ? "it" : "them",
			    nr_enabled == 1 ? "its module" : "their modules");
	} else if (found == 0) {
		checks__set(r, CHECK_PASS,
			    "'%s' is not a replace patch: it stacks on %s, which stay enabled; a "
			    "rollback disables and unloads it alone",
			    new->name, names);
	}
	klp__list_free(pl, np);
	return found < 0 ? found : 0;
}

int check_restore(const struct hc_policy *p, const struct klp_sys *sys, struct checks_report *rep,
		  struct check_result *r)
{
	const struct klp_mod *new = &rep->mod;
	struct klp_patch *pl = NULL, *lp = NULL;
	struct klp_mod old = { 0 };
	char err[256], why[600] = "", refused[600], names[256] = "";
	size_t np = 0, i, nr_enabled = 0;
	int ret, found;

	if (!checks__is_klp(p)) {
		checks__set(r, CHECK_PASS, "not applicable: patch.type %s",
			    policy__patch_type_name(p->patch.type));
		return 0;
	}
	if (!rep->have_mod) {
		checks__set(r, CHECK_FAIL, "the module cannot be read (see check 2)");
		return 0;
	}
	ret = klp__list(sys, &pl, &np, err, sizeof(err));
	if (ret == -ENOENT) {
		checks__set(r, CHECK_PASS, "no livepatch is enabled: the load replaces nothing");
		return 0;
	}
	if (ret) {
		checks__set(r, CHECK_FAIL, "%s", err);
		return ret == -ENOMEM ? ret : 0;
	}
	checks__set(r, CHECK_PASS, "%s", "");
	for (i = 0; i < np; i++) {
		if (!pl[i].enabled || !strcmp(pl[i].name, new->name))
			continue;
		nr_enabled++;
		lp = &pl[i];
		if (strlen(names) + strlen(pl[i].name) + 5 < sizeof(names))
			sprintf(names + strlen(names), "%s'%s'", names[0] ? ", " : "", pl[i].name);
		/* the kernel's own refusal, known before anything changes */
		found = source_find(p, sys, &pl[i], rep->restore.path, sizeof(rep->restore.path),
				    &old, why, sizeof(why));
		if (found < 0) {
			ret = found;
			goto out;
		}
		if (found && state_refused(new, &old, pl[i].name, refused, sizeof(refused)))
			checks__add(r, CHECK_FAIL, "the kernel would refuse it: %s", refused);
		if (found)
			klp_mod__free(&old);
	}
	if (r->status == CHECK_FAIL)
		goto out;
	if (!nr_enabled) {
		checks__set(r, CHECK_PASS,
			    "no other livepatch is enabled: the load replaces nothing");
		goto out;
	}
	if (new->replace == 0)
		return stacks(p, sys, rep, r, lp, nr_enabled, names, pl, np);
	if (p->patch.klp.restore_none) {
		checks__set(r, CHECK_WARN,
			    "'%s' %s %s; patch.restore: none accepts that a rollback leaves %s",
			    new->name, new->replace == 1 ? "replaces" : "may replace", names,
			    nr_enabled == 1 ? "it disabled" : "them all disabled");
		goto out;
	}
	if (nr_enabled > 1) {
		checks__set(r, CHECK_FAIL,
			    "'%s' %s the %zu enabled livepatches (%s), and a rollback restores at "
			    "most one: replace them with one cumulative patch first, or accept "
			    "the loss with 'patch.restore: none'",
			    new->name, new->replace == 1 ? "replaces" : "may replace", nr_enabled,
			    names);
		goto out;
	}
	found = source_find(p, sys, lp, rep->restore.path, sizeof(rep->restore.path), &old, why,
			    sizeof(why));
	if (found < 0) {
		ret = found;
		goto out;
	}
	if (!found) {
		checks__set(r, CHECK_FAIL,
			    "'%s' %s the enabled livepatch '%s', and no module to load it again "
			    "on rollback was found%s%s: name its .ko in patch.restore, or accept "
			    "the loss with 'patch.restore: none'",
			    new->name,
			    new->replace == 1 ? "replaces" :
						"may replace (its struct klp_patch cannot be read)",
			    lp->name, why[0] ? ": " : "", why);
		goto out;
	}
	snprintf(rep->restore.name, sizeof(rep->restore.name), "%s", lp->name);
	rep->restore.replace = old.replace == 1 || lp->replace == 1;
	rep->restore.disable_first = state_refused(&old, new, new->name, refused, sizeof(refused));
	rep->have_restore = true;
	if (rep->restore.disable_first)
		checks__set(r, CHECK_PASS,
			    "'%s' replaces '%s'; a rollback disables and unloads it first (%s: "
			    "'%s' cannot take over while it is enabled), then loads %s",
			    new->name, lp->name, refused, lp->name, rep->restore.path);
	else
		checks__set(r, CHECK_PASS, "'%s' %s '%s'%s; a rollback loads %s again, which %s",
			    new->name, new->replace == 1 ? "replaces" : "may replace", lp->name,
			    new->replace == 1 ? "" : " (its file holds no struct klp_patch to say)",
			    rep->restore.path,
			    rep->restore.replace ? "replaces it atomically" :
						   "stacks on it, then disables it");
	restore_params(sys, lp->name, r);
	klp_mod__free(&old);
out:
	klp__list_free(pl, np);
	return ret == -ENOMEM ? ret : 0;
}
