// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ksym.h"
#include "patch/kernel.h"

int kpatch__open(struct patch *p)
{
	p->priv = calloc(1, sizeof(struct kpatch));
	return p->priv ? 0 : -ENOMEM;
}

void kpatch__close(struct patch *p)
{
	struct kpatch *k = p->priv;

	if (k) {
		checks__free(&k->rep);
		free(k->before);
	}
	free(k);
	p->priv = NULL;
}

int kpatch__check(struct patch *p, char *err, size_t len)
{
	struct kpatch *k = p->priv;
	struct klp_sys sys;
	size_t i;
	int ret;

	ksym__tracefs();
	ret = klp_sys__init(&sys, NULL);
	if (p->state_dir)
		snprintf(sys.moddir, sizeof(sys.moddir), "%s/modules", p->state_dir);
	/* without BTF, the module reader assumes the layout of the module's kernel version */
	if (!ret)
		klp_sys__read_layout(&sys);
	ret = ret ?: checks__run(p->pol, &sys, &k->rep);
	if (ret) {
		snprintf(err, len, "cannot run the compatibility checks for '%s': %s",
			 p->pol->source, strerror(-ret));
		return ret == -EPERM ? -EIO : ret;
	}
	if (checks__worst(&k->rep) != CHECK_FAIL)
		return 0;
	snprintf(p->refusal, sizeof(p->refusal), "refused by the compatibility checks:");
	for (i = 0; i < CHECK_NR; i++)
		if (k->rep.r[i].status == CHECK_FAIL)
			snprintf(p->refusal + strlen(p->refusal),
				 sizeof(p->refusal) - strlen(p->refusal), " %s: %s;",
				 k->rep.r[i].name, k->rep.r[i].reason);
	snprintf(err, len, "refused by the compatibility checks above; nothing was changed");
	return -EPERM;
}

void kpatch__check_print(const struct patch *p, FILE *out)
{
	const struct kpatch *k = p->priv;
	size_t i;

	for (i = 0; i < CHECK_NR; i++)
		fprintf(out, "%-4s %2d %-12s %s\n", check_status__name(k->rep.r[i].status),
			k->rep.r[i].id, k->rep.r[i].name, k->rep.r[i].reason);
}

enum hc_probe_mode kpatch__probe_mode(const struct patch *p)
{
	const struct kpatch *k = p->priv;

	return k->rep.probe_mode;
}

static struct json_object *checks_json(const struct checks_report *rep)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < CHECK_NR; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_int(rep->r[i].id));
		json_object_object_add(o, "name", json_object_new_string(rep->r[i].name));
		json_object_object_add(o, "status",
				       json_object_new_string(check_status__name(rep->r[i].status)));
		json_object_object_add(o, "reason", json_object_new_string(rep->r[i].reason));
		json_object_array_add(a, o);
	}
	return a;
}

void kpatch__describe(const struct patch *p, enum patch_view view, struct json_object *o)
{
	const struct kpatch *k = p->priv;

	switch (view) {
	case PATCH_VIEW_CHECK:
	case PATCH_VIEW_REFUSAL:
		json_object_object_add(o, "checks", checks_json(&k->rep));
		break;
	case PATCH_VIEW_JOURNAL:
		if (k->rep.sha256[0])
			json_object_object_add(o, "artifact_sha256",
					       json_object_new_string(k->rep.sha256));
		break;
	}
}

void kpatch__report(const struct patch *p, const struct rollout *r, struct json_object *rj,
		    FILE *out)
{
	const struct kpatch *k = p->priv;

	json_object_object_add(rj, "checks", checks_json(&k->rep));
}
