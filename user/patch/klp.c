// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel livepatch modules: loaded with finit_module from a copy kept in the state
 * directory, live once the kernel's transition finished, taken out by disabling and
 * unloading, or, when the load replaced a patch (atomic replace), by loading that one again
 * (check 13 found its module and the order; user/check_restore.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "patch/kernel.h"
#include "sha256.h"
#include "state_copy.h"

static int klp_begin(struct patch *p, struct journal *j, char *err, size_t len)
{
	const struct hc_policy *pol = p->pol;
	struct kpatch *k = p->priv;
	struct klp_patch *pl = NULL;
	size_t np = 0, i;
	int ret;

	steps__init(&p->steps, j, pol->patch.klp.transition_timeout_ns / 1000000);
	snprintf(k->module_name, sizeof(k->module_name), "%s", k->rep.mod.name);
	/* known before anything changes: after the load, a patch that vanished was replaced */
	ret = klp__list(&p->steps.sys, &pl, &np, err, len);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	k->before = calloc(np + 1, sizeof(*k->before));
	if (!k->before) {
		klp__list_free(pl, np);
		return -ENOMEM;
	}
	for (i = 0; i < np; i++)
		if (pl[i].enabled)
			memcpy(k->before[k->nr_before++], pl[i].name, KLP_NAME_MAX);
	klp__list_free(pl, np);
	return 0;
}

static void klp_describe(const struct patch *p, enum patch_view view, struct json_object *o)
{
	const struct hc_policy *pol = p->pol;
	const struct kpatch *k = p->priv;
	const struct klp_restore *rs = &k->rep.restore;

	if (view == PATCH_VIEW_JOURNAL) {
		json_object_object_add(o, "module", json_object_new_string(pol->patch.klp.module));
		json_object_object_add(o, "module_name", json_object_new_string(k->module_name));
		if (k->rep.have_restore) {
			json_object_object_add(o, "replaces", json_object_new_string(rs->path));
			json_object_object_add(o, "replaces_name",
					       json_object_new_string(rs->name));
			json_object_object_add(o, "disable_first",
					       json_object_new_boolean(rs->disable_first));
		}
	}
	kpatch__describe(p, view, o);
}

static int klp_load(struct patch *p, char *err, size_t len)
{
	const struct hc_policy *pol = p->pol;
	struct kpatch *k = p->priv;
	uint8_t digest[SHA256_DIGEST_LEN];
	char moddir[PATH_MAX];
	int ret;

	if ((size_t)snprintf(moddir, sizeof(moddir), "%s/modules",
			     p->state_dir ? p->state_dir : ".") >= sizeof(moddir))
		return -ENAMETOOLONG;
	/* the pin is checked on the bytes the kernel gets, not on the file check hashed */
	ret = state_copy__store(&(struct state_copy){ .dir = moddir,
						      .dir_mode = 0700,
						      .src = pol->patch.klp.module,
						      .what = "the livepatch module",
						      .name = k->module_name,
						      .suffix = ".ko",
						      .mode = 0600,
						      .pin = pol->patch.has_sha256 ?
								     pol->patch.sha256 :
								     NULL },
				k->copy, sizeof(k->copy), digest, err, len);
	if (ret)
		return ret;
	return steps__klp_load(&p->steps, k->copy, k->module_name, k->rep.mod.replace == 1,
			       pol->patch.klp.params, err, len);
}

/* was @name enabled after the load? */
static bool still_enabled(const struct klp_patch *pl, size_t np, const char *name)
{
	size_t i;

	for (i = 0; i < np; i++)
		if (!strcmp(pl[i].name, name) && pl[i].enabled)
			return true;
	return false;
}

/*
 * After the transition: the patches enabled before that are gone were replaced, whatever the
 * module file said. One the rollback cannot restore fails the load (which takes it out).
 */
static int verify_replaced(struct patch *p, char *err, size_t len)
{
	struct kpatch *k = p->priv;
	struct klp_patch *pl = NULL;
	char lost[256] = "";
	bool restore_gone = false;
	size_t np = 0, i;
	int ret;

	ret = klp__list(&p->steps.sys, &pl, &np, err, len);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	for (i = 0; i < k->nr_before; i++) {
		if (still_enabled(pl, np, k->before[i]))
			continue;
		if (k->rep.have_restore && !strcmp(k->before[i], k->rep.restore.name)) {
			restore_gone = true;
			continue;
		}
		if (strlen(lost) + strlen(k->before[i]) + 5 < sizeof(lost))
			sprintf(lost + strlen(lost), "%s'%s'", lost[0] ? ", " : "", k->before[i]);
	}
	klp__list_free(pl, np);
	/* a planned restore of a patch that stayed enabled would only disturb it */
	if (k->rep.have_restore && !restore_gone)
		k->rep.have_restore = false;
	if (!lost[0])
		return 0;
	snprintf(err, len,
		 "loading '%s' replaced %s, which check 13 did not expect and a rollback cannot "
		 "restore; name %s in patch.restore",
		 k->module_name, lost, lost);
	return -EPROTO;
}

static int klp_revert(struct patch *p, char *err, size_t len)
{
	const struct kpatch *k = p->priv;
	const struct klp_restore *rs = &k->rep.restore;
	int ret;

	if (k->rep.have_restore)
		ret = steps__klp_replace(&p->steps, rs->path, rs->name, k->module_name,
					 rs->disable_first, err, len);
	else
		ret = steps__klp_disable(&p->steps, k->module_name, err, len);
	return ret ?: steps__klp_unload(&p->steps, k->module_name, err, len);
}

static int klp_wait(struct patch *p, char *err, size_t len)
{
	const struct kpatch *k = p->priv;
	int ret;

	ret = steps__klp_wait(&p->steps, k->copy, k->module_name, k->rep.mod.replace == 1, err,
			      len);
	if (ret)
		return ret;
	ret = verify_replaced(p, err, len);
	if (ret) {
		char tmp[256];

		/* the loss is final; at least what is ours goes, as after any failed load */
		if (klp_revert(p, tmp, sizeof(tmp)))
			snprintf(err + strlen(err), len - strlen(err), "; then: %s", tmp);
	}
	return ret;
}

static const struct klp_patch *live_patch(const struct klp_patch *p, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(p[i].name, name))
			return &p[i];
	return NULL;
}

/* the journal and the kernel must agree on every livepatch it applied */
static int klp_status(const struct journal_item *it, const struct patch_live *live, FILE *out,
		      const char **now)
{
	const struct klp_patch *lp;

	*now = NULL;
	if (!live->known)
		return 0;
	lp = live_patch(live->p, live->n, it->module_name);
	*now = !lp ? "not loaded" : lp->enabled ? "enabled" : "disabled";
	if (it->active == JOURNAL_YES && (!lp || !lp->enabled)) {
		fprintf(out, "  MISMATCH: the journal has '%s' enabled, the kernel does not\n",
			it->module_name);
		return -EIO;
	}
	if (it->active == JOURNAL_NO && lp && lp->enabled) {
		fprintf(out, "  MISMATCH: '%s' is enabled in the kernel, not in the journal\n",
			it->module_name);
		return -EIO;
	}
	return 0;
}

static void klp_item_text(const struct journal_item *it, char *buf, size_t len)
{
	snprintf(buf, len, "klp:%s", it->module_name);
}

const struct patch_ops patch_klp_ops = {
	.privs = -1,
	.type = HC_PATCH_KLP,
	.name = "klp",
	.item_kind = JOURNAL_ITEM_KLP,
	.kernel_checks = true,
	.kernel_module = true,
	.open = kpatch__open,
	.close = kpatch__close,
	.check = kpatch__check,
	.check_print = kpatch__check_print,
	.probe_mode = kpatch__probe_mode,
	.begin = klp_begin,
	.describe = klp_describe,
	.load = klp_load,
	.wait = klp_wait,
	.revert = klp_revert,
	.report = kpatch__report,
	.status = klp_status,
	.item_text = klp_item_text,
};
