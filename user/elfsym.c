// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elfsym.h"

struct match {
	GElf_Sym sym;
	int found;
	int ambiguous;
	uint64_t other;		/* address of a second, different definition */
	int undefined;		/* seen only as an import */
	int not_func;		/* seen with a non-function type */
	int ifunc;
};

/*
 * @versym: the .gnu.version entries of .dynsym, or NULL. A hidden version (memcpy@GLIBC_2.2.5
 * beside the default memcpy@@GLIBC_2.14) is kept only for old binaries; probing it would
 * catch no call from current ones, so only default versions count.
 */
static void scan_symtab(Elf *elf, Elf_Scn *scn, GElf_Shdr *sh, Elf_Data *versym, const char *symbol,
			struct match *m)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	GElf_Versym ver;
	size_t i, n;
	GElf_Sym sym;
	const char *name;

	if (!data || !sh->sh_entsize)
		return;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		if (!gelf_getsym(data, (int)i, &sym))
			continue;
		if (versym && gelf_getversym(versym, (int)i, &ver) && (ver & 0x8000))
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || strcmp(name, symbol))
			continue;
		if (sym.st_shndx == SHN_UNDEF) {
			m->undefined = 1;
			continue;
		}
		switch (GELF_ST_TYPE(sym.st_info)) {
		case STT_FUNC:
			break;
		case STT_GNU_IFUNC:
			m->ifunc = 1;
			continue;
		default:
			m->not_func = 1;
			continue;
		}
		if (!m->found) {
			m->sym = sym;
			m->found = 1;
		} else if (sym.st_value != m->sym.st_value) {
			/* a static function of the same name in another unit */
			m->ambiguous = 1;
			m->other = sym.st_value;
		}
	}
}

static void read_build_id(Elf *elf, char *out, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	out[0] = '\0';
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		size_t off = 0, name_off, desc_off;
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

/* the uprobe offset: where the symbol's bytes are in the file, via its PT_LOAD segment */
static int vaddr_to_offset(Elf *elf, uint64_t vaddr, uint64_t *offset)
{
	size_t i, n;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return -ENOEXEC;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz) {
			*offset = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

int elfsym__resolve(const char *path, const char *symbol, struct hc_elfsym *out, char *err,
		    size_t errlen)
{
	struct match m = { 0 };
	int fd, ret, have_symtab = 0;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	Elf *elf;

	memset(out, 0, sizeof(*out));
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return ret;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)) {
		snprintf(err, errlen, "'%s' is not an ELF executable or shared library", path);
		ret = -ENOEXEC;
		goto out;
	}
	/* .symtab has static functions too; stripped binaries keep only .dynsym */
	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
			have_symtab = 1;
			scan_symtab(elf, scn, &sh, NULL, symbol, &m);
		}
	}
	if (!m.found) {
		Elf_Data *versym = NULL;

		scn = NULL;
		while ((scn = elf_nextscn(elf, scn)))
			if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym)
				versym = elf_getdata(scn, NULL);
		scn = NULL;
		while ((scn = elf_nextscn(elf, scn)))
			if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_DYNSYM)
				scan_symtab(elf, scn, &sh, versym, symbol, &m);
	}
	if (m.ambiguous) {
		snprintf(err, errlen, "'%s' has several functions named '%s' (at 0x%llx and 0x%llx)",
			 path, symbol, (unsigned long long)m.sym.st_value,
			 (unsigned long long)m.other);
		ret = -ENOTUNIQ;
		goto out;
	}
	if (!m.found) {
		ret = -EINVAL;
		if (m.ifunc)
			snprintf(err, errlen, "'%s' in '%s' is an IFUNC resolver, not the function "
				 "that runs; name the implementation it selects", symbol, path);
		else if (m.not_func)
			snprintf(err, errlen, "'%s' in '%s' is not a function", symbol, path);
		else if (m.undefined)
			snprintf(err, errlen, "'%s' is imported by '%s', not defined there; name the "
				 "shared library that defines it", symbol, path);
		else {
			ret = -ESRCH;
			snprintf(err, errlen, "no function '%s' in '%s'%s", symbol, path,
				 have_symtab ? "" : " (it has no .symtab: stripped?)");
		}
		goto out;
	}
	ret = vaddr_to_offset(elf, m.sym.st_value, &out->offset);
	if (ret) {
		snprintf(err, errlen, "'%s' in '%s' is not in an executable segment", symbol, path);
		ret = -EINVAL;
		goto out;
	}
	out->vaddr = m.sym.st_value;
	out->size = m.sym.st_size;
	out->is_dyn = eh.e_type == ET_DYN;
	read_build_id(elf, out->build_id, sizeof(out->build_id));
	ret = 0;
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

/* ---- every symbol, for lookups by name ---------------------------------------------------- */

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
