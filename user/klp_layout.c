// SPDX-License-Identifier: GPL-2.0
/*
 * Where the fields of the kernel's livepatch structures are (include/linux/livepatch.h):
 * from the target kernel's BTF when it has them, else the layout every kernel since 5.5 has
 * had, which klp_modfile.c falls back to and the unit tests' fake systems use.
 */
#include <errno.h>
#include <string.h>
#include <bpf/btf.h>
#include "klp.h"

void klp_layout__default(struct klp_layout *l, unsigned int kver)
{
	memset(l, 0, sizeof(*l));
	l->patch_mod = 0;
	l->patch_objs = 8;
	/* 5.5 added states between objs and replace */
	l->patch_states = kver && kver < KLP_KVER(5, 5, 0) ? 0 : 16;
	l->patch_replace = kver && kver < KLP_KVER(5, 5, 0) ? 16 : 24;
	l->obj_name = 0;
	l->obj_funcs = 8;
	l->func_old_name = 0;
	l->func_new_func = 8;
	l->func_old_sympos = 16;
	l->state_id = 0;
	l->state_version = 8;
	l->state_size = 24;
}

/* the byte offset of @field in struct @type, or -ENOENT */
static long field_off(const struct btf *btf, const struct btf_type *t, const char *field)
{
	const struct btf_member *m = btf_members(t);
	__u16 i;

	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);

		if (name && !strcmp(name, field))
			return btf_member_bit_offset(t, i) / 8;
	}
	return -ENOENT;
}

static const struct btf_type *find_struct(const struct btf *btf, const char *name)
{
	__s32 id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);

	return id < 0 ? NULL : btf__type_by_id(btf, id);
}

int klp_layout__from_btf(const char *path, struct klp_layout *l)
{
	const struct btf_type *p, *o, *f, *s;
	struct btf *btf;
	long v[12];
	int ret = 0;
	size_t i;

	btf = btf__parse(path, NULL);
	if (!btf)
		return errno ? -errno : -EINVAL;
	p = find_struct(btf, "klp_patch");
	o = find_struct(btf, "klp_object");
	f = find_struct(btf, "klp_func");
	s = find_struct(btf, "klp_state");
	if (!p || !o || !f) {
		ret = -ENOENT; /* a kernel without CONFIG_LIVEPATCH */
		goto out;
	}
	v[0] = field_off(btf, p, "mod");
	v[1] = field_off(btf, p, "objs");
	v[2] = s ? field_off(btf, p, "states") : 0;
	v[3] = field_off(btf, p, "replace");
	v[4] = field_off(btf, o, "name");
	v[5] = field_off(btf, o, "funcs");
	v[6] = field_off(btf, f, "old_name");
	v[7] = field_off(btf, f, "new_func");
	v[8] = field_off(btf, f, "old_sympos");
	v[9] = s ? field_off(btf, s, "id") : 0;
	v[10] = s ? field_off(btf, s, "version") : 0;
	v[11] = s ? (long)s->size : 24;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (v[i] < 0) {
			ret = (int)v[i];
			goto out;
		}
	}
	memset(l, 0, sizeof(*l));
	l->from_btf = true;
	l->patch_mod = (unsigned int)v[0];
	l->patch_objs = (unsigned int)v[1];
	l->patch_states = (unsigned int)v[2];
	l->patch_replace = (unsigned int)v[3];
	l->obj_name = (unsigned int)v[4];
	l->obj_funcs = (unsigned int)v[5];
	l->func_old_name = (unsigned int)v[6];
	l->func_new_func = (unsigned int)v[7];
	l->func_old_sympos = (unsigned int)v[8];
	l->state_id = (unsigned int)v[9];
	l->state_version = (unsigned int)v[10];
	l->state_size = (unsigned int)v[11];
out:
	btf__free(btf);
	return ret;
}
