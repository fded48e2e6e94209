// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elfsymtab.h"

static void read_build_id(Elf *elf, char *out, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	out[0] = '\0';
	while ((scn = elf_nextscn(elf, scn))) {
		size_t off = 0, name_off, desc_off;
		Elf_Data *data;
		GElf_Nhdr nh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const unsigned char *desc = (const unsigned char *)data->d_buf + desc_off;
			size_t i;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)data->d_buf + name_off, "GNU", 4))
				continue;
			for (i = 0; i < nh.n_descsz && 2 * i + 2 < len; i++)
				snprintf(out + 2 * i, 3, "%02x", desc[i]);
			return;
		}
	}
}

static int add_syms(Elf *elf, Elf_Scn *scn, GElf_Shdr *sh, struct elfsymtab *t, size_t *cap)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, n;

	if (!data || !sh->sh_entsize)
		return 0;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 1; i < n; i++) {
		const char *name;
		GElf_Sym sym;

		if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || !*name || GELF_ST_TYPE(sym.st_info) == STT_SECTION ||
		    GELF_ST_TYPE(sym.st_info) == STT_FILE)
			continue;
		if (t->n == *cap) {
			size_t nc = *cap ? *cap * 2 : 256;
			struct elfsymtab_sym *nv = realloc(t->v, nc * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			t->v = nv;
			*cap = nc;
		}
		t->v[t->n].name = strdup(name);
		if (!t->v[t->n].name)
			return -ENOMEM;
		t->v[t->n].value = sym.st_value;
		t->v[t->n].size = sym.st_size;
		t->v[t->n].type = GELF_ST_TYPE(sym.st_info);
		t->n++;
	}
	return 0;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct elfsymtab_sym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return (x->value > y->value) - (x->value < y->value);
}

int elfsymtab__load(const char *path, struct elfsymtab *t, char *err, size_t len)
{
	Elf_Scn *scn = NULL;
	size_t cap = 0;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	int fd, ret = 0;
	Elf *elf;

	memset(t, 0, sizeof(*t));
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, len, "cannot open '%s': %s", path, strerror(errno));
		return ret;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		snprintf(err, len, "'%s' is not an ELF file", path);
		ret = -ENOEXEC;
		goto out;
	}
	t->is_dyn = eh.e_type == ET_DYN;
	while (!ret && (scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM))
			ret = add_syms(elf, scn, &sh, t, &cap);
	if (ret) {
		snprintf(err, len, "cannot read the symbols of '%s': %s", path, strerror(-ret));
		elfsymtab__free(t);
		goto out;
	}
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), cmp_sym);
	read_build_id(elf, t->build_id, sizeof(t->build_id));
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

void elfsymtab__free(struct elfsymtab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

const struct elfsymtab_sym *elfsymtab__find(const struct elfsymtab *t, const char *name,
					    bool *ambiguous)
{
	size_t lo = 0, hi = t->n, i;

	*ambiguous = false;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(t->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == t->n || strcmp(t->v[lo].name, name))
		return NULL;
	/* .symtab and .dynsym both list exported symbols: only a different address counts */
	for (i = lo + 1; i < t->n && !strcmp(t->v[i].name, name); i++)
		if (t->v[i].value != t->v[lo].value)
			*ambiguous = true;
	return &t->v[lo];
}
