// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel livepatch modules: loaded with finit_module, live once the kernel's transition
 * finished, taken out by disabling and unloading, or by loading the cumulative patch they
 * replaced (patch.replaces), which leaves no unpatched window.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "patch/kernel.h"

static int klp_begin(struct patch *p, struct journal *j, char *err, size_t len)
{
	const struct hc_policy *pol = p->pol;
	struct kpatch *k = p->priv;
	struct klp_mod prev = { 0 };
	char merr[512];

	steps__init(&p->steps, j, pol->patch.klp.transition_timeout_ns / 1000000);
	snprintf(k->module_name, sizeof(k->module_name), "%s", k->rep.mod.name);
	if (!pol->patch.klp.replaces)
		return 0;
	/* known before anything changes: the rollback must not depend on reading it later */
	if (klp_mod__read(pol->patch.klp.replaces, &prev, merr, sizeof(merr))) {
		snprintf(err, len, "cannot read the previous patch: %s", merr);
		return -EINVAL;
	}
	snprintf(k->prev_name, sizeof(k->prev_name), "%s", prev.name);
	klp_mod__free(&prev);
	return 0;
}

static void klp_describe(const struct patch *p, enum patch_view view, struct json_object *o)
{
	const struct hc_policy *pol = p->pol;
	const struct kpatch *k = p->priv;

	if (view == PATCH_VIEW_JOURNAL) {
		json_object_object_add(o, "module", json_object_new_string(pol->patch.klp.module));
		json_object_object_add(o, "module_name", json_object_new_string(k->module_name));
		if (pol->patch.klp.replaces) {
			json_object_object_add(o, "replaces",
					       json_object_new_string(pol->patch.klp.replaces));
			json_object_object_add(o, "replaces_name",
					       json_object_new_string(k->prev_name));
		}
	}
	kpatch__describe(p, view, o);
}

static int klp_load(struct patch *p, char *err, size_t len)
{
	const struct kpatch *k = p->priv;

	return steps__klp_load(&p->steps, p->pol->patch.klp.module, k->module_name, false, err,
			       len);
}

static int klp_wait(struct patch *p, char *err, size_t len)
{
	const struct kpatch *k = p->priv;

	return steps__klp_wait(&p->steps, p->pol->patch.klp.module, k->module_name, false, err,
			       len);
}

static int klp_revert(struct patch *p, char *err, size_t len)
{
	const struct kpatch *k = p->priv;
	int ret;

	/* a previous cumulative patch takes over atomically: no unpatched window */
	if (p->pol->patch.klp.replaces)
		ret = steps__klp_replace(&p->steps, p->pol->patch.klp.replaces, k->prev_name,
					 k->module_name, err, len);
	else
		ret = steps__klp_disable(&p->steps, k->module_name, err, len);
	return ret ?: steps__klp_unload(&p->steps, k->module_name, err, len);
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
static int klp_status(const struct journal_item *it, const struct patch_live *live, FILE *out)
{
	const struct klp_patch *lp;

	if (!live->known)
		return 0;
	lp = live_patch(live->p, live->n, it->module_name);
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
