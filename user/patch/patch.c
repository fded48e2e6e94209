// SPDX-License-Identifier: GPL-2.0
/* The table of patch drivers: one row per patch type. */
#include <errno.h>
#include <stdlib.h>
#include "patch/patch.h"

static const struct patch_ops *const patch_types[] = {
	[HC_PATCH_KLP] = &patch_klp_ops,
	[HC_PATCH_EXEC] = &patch_exec_ops,
	[HC_PATCH_ULP] = &patch_ulp_ops,
};

#define NR_TYPES (sizeof(patch_types) / sizeof(patch_types[0]))

const struct patch_ops *patch__ops(enum hc_patch_type type)
{
	return (size_t)type < NR_TYPES ? patch_types[type] : NULL;
}

const struct patch_ops *patch__ops_by_item(enum journal_item_kind kind)
{
	size_t i;

	for (i = 0; i < NR_TYPES; i++)
		if (patch_types[i] && patch_types[i]->item_kind == kind)
			return patch_types[i];
	return NULL;
}

int patch__new(struct patch **pp, const struct hc_policy *pol)
{
	const struct patch_ops *ops = patch__ops(pol->patch.type);
	struct patch *p;
	int ret;

	if (!ops)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ops = ops;
	p->pol = pol;
	ret = ops->open ? ops->open(p) : 0;
	if (ret) {
		free(p);
		return ret;
	}
	*pp = p;
	return 0;
}

void patch__free(struct patch *p)
{
	if (!p)
		return;
	if (p->ops->close)
		p->ops->close(p);
	free(p);
}

bool patch__per_process(const struct patch *p)
{
	return p->ops->patch_one != NULL;
}
