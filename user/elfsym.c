// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "elfsym.h"

/* where separate debug files are looked for: --debug-dir roots, then the system's */
#define ELFSYM_MAX_DEBUG_DIRS 8
static const char *debug_dirs[ELFSYM_MAX_DEBUG_DIRS + 1] = { "/usr/lib/debug" };
static size_t nr_debug_dirs = 1;

int elfsym__add_debug_dir(const char *dir)
{
	if (nr_debug_dirs > ELFSYM_MAX_DEBUG_DIRS)
		return -E2BIG;
	/* the user's roots first: they are the reason the option was given */
	memmove(&debug_dirs[1], &debug_dirs[0], nr_debug_dirs * sizeof(debug_dirs[0]));
	debug_dirs[0] = dir;
	nr_debug_dirs++;
	return 0;
}

struct match {
	GElf_Sym sym;
	int found;
	int ambiguous;
	uint64_t other; /* address of a second, different definition */
	int undefined;	/* seen only as an import */
	int not_func;	/* seen with a non-function type */
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

/* .gnu_debuglink: the debug file's name and the CRC-32 of its contents */
static int read_debuglink(Elf *elf, char *name, size_t len, uint32_t *crc)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx, n;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return -ENOENT;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *sname;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh))
			continue;
		sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!sname || strcmp(sname, ".gnu_debuglink"))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf)
			return -ENOENT;
		n = strnlen(data->d_buf, data->d_size);
		/* the name, NUL, padding to 4 bytes, then the CRC */
		if (!n || n >= len || ((n + 4) & ~3UL) + 4 > data->d_size)
			return -ENOENT;
		memcpy(name, data->d_buf, n);
		name[n] = '\0';
		memcpy(crc, (const char *)data->d_buf + ((n + 4) & ~3UL), 4);
		return 0;
	}
	return -ENOENT;
}

static int file_crc(int fd, uint32_t *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0L, Z_NULL, 0);
	off_t off = 0;
	ssize_t r;

	while ((r = pread(fd, buf, sizeof(buf), off)) > 0) {
		c = crc32(c, buf, (uInt)r);
		off += r;
	}
	if (r < 0)
		return -errno;
	*crc = (uint32_t)c;
	return 0;
}

struct debug_file {
	int fd;
	Elf *elf;
	char path[4096];
};

/* @path as the debug file of a binary with @build_id (or, without one, debuglink's @crc) */
static int try_debug_file(const char *path, const char *build_id, const uint32_t *crc,
			  struct debug_file *d)
{
	char id[41];
	uint32_t c;
	int fd;
	Elf *elf;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		goto no;
	/* a debug file of another build would give addresses of another binary */
	if (*build_id) {
		read_build_id(elf, id, sizeof(id));
		if (strcmp(id, build_id))
			goto no;
	} else if (!crc || file_crc(fd, &c) || c != *crc) {
		goto no;
	}
	d->fd = fd;
	d->elf = elf;
	snprintf(d->path, sizeof(d->path), "%s", path);
	return 0;
no:
	if (elf)
		elf_end(elf);
	close(fd);
	return -ENOENT;
}

/*
 * The separate debug file of stripped binary @path, where gdb and Debian's -dbgsym packages
 * put them: ROOT/.build-id/xx/rest.debug, then .gnu_debuglink's name beside the binary, in
 * its .debug/ and under ROOT/<its directory>, for each root (--debug-dir, /usr/lib/debug).
 */
static int find_debug_file(Elf *elf, const char *path, struct debug_file *d)
{
	char build_id[41], link[256], dir[4096], cand[4096 + 300];
	uint32_t crc;
	bool have_link;
	const char *slash;
	size_t i;

	read_build_id(elf, build_id, sizeof(build_id));
	have_link = !read_debuglink(elf, link, sizeof(link), &crc);
	for (i = 0; *build_id && strlen(build_id) > 2 && i < nr_debug_dirs; i++) {
		snprintf(cand, sizeof(cand), "%s/.build-id/%.2s/%s.debug", debug_dirs[i], build_id,
			 build_id + 2);
		if (!try_debug_file(cand, build_id, NULL, d))
			return 0;
	}
	if (!have_link)
		return -ENOENT;
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	snprintf(cand, sizeof(cand), "%s/%s", dir, link);
	/* the binary's own name: a debuglink to itself is no debug file */
	if (strcmp(cand, path) && !try_debug_file(cand, build_id, &crc, d))
		return 0;
	snprintf(cand, sizeof(cand), "%s/.debug/%s", dir, link);
	if (!try_debug_file(cand, build_id, &crc, d))
		return 0;
	for (i = 0; dir[0] == '/' && i < nr_debug_dirs; i++) {
		snprintf(cand, sizeof(cand), "%s%s/%s", debug_dirs[i], dir, link);
		if (!try_debug_file(cand, build_id, &crc, d))
			return 0;
	}
	return -ENOENT;
}

static void debug_file__close(struct debug_file *d)
{
	if (d->elf)
		elf_end(d->elf);
	if (d->fd >= 0)
		close(d->fd);
	d->elf = NULL;
	d->fd = -1;
}

int elfsym__read_code(const char *path, const struct hc_elfsym *sym, uint8_t **code)
{
	int fd, ret = 0;
	ssize_t r;

	*code = NULL;
	if (!sym->size || sym->size > ELFSYM_CODE_MAX)
		return -EFBIG;
	*code = malloc(sym->size);
	if (!*code)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		r = pread(fd, *code, sym->size, (off_t)sym->offset);
		if (r < 0)
			ret = -errno;
		else if ((uint64_t)r != sym->size)
			ret = -EIO;
		close(fd);
	}
	if (ret) {
		free(*code);
		*code = NULL;
	}
	return ret;
}

int elfsym__resolve(const char *path, const char *symbol, struct hc_elfsym *out, char *err,
		    size_t errlen)
{
	struct debug_file dbg = { .fd = -1 };
	struct match m = { 0 };
	int fd, ret, have_symtab = 0; /* 2: in the separate debug file */
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
	/* stripped: the static functions are in its separate debug file, if there is one */
	if (!m.found && !have_symtab && !find_debug_file(elf, path, &dbg)) {
		scn = NULL;
		while ((scn = elf_nextscn(dbg.elf, scn))) {
			if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
				have_symtab = 2;
				scan_symtab(dbg.elf, scn, &sh, NULL, symbol, &m);
			}
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
		snprintf(err, errlen,
			 "'%s' has several functions named '%s' (at 0x%llx and 0x%llx)", path,
			 symbol, (unsigned long long)m.sym.st_value, (unsigned long long)m.other);
		ret = -ENOTUNIQ;
		goto out;
	}
	if (!m.found) {
		ret = -EINVAL;
		if (m.ifunc)
			snprintf(err, errlen,
				 "'%s' in '%s' is an IFUNC resolver, not the function "
				 "that runs; name the implementation it selects",
				 symbol, path);
		else if (m.not_func)
			snprintf(err, errlen, "'%s' in '%s' is not a function", symbol, path);
		else if (m.undefined)
			snprintf(err, errlen,
				 "'%s' is imported by '%s', not defined there; name the "
				 "shared library that defines it",
				 symbol, path);
		else {
			ret = -ESRCH;
			snprintf(err, errlen, "no function '%s' in '%s'%s%s%s", symbol, path,
				 have_symtab == 2 ? " nor in its debug file '" : "",
				 have_symtab == 2 ? dbg.path : "",
				 have_symtab == 2 ?
					 "'" :
				 have_symtab ?
					 "" :
					 " (it is stripped and no debug file was found: install its -dbgsym "
					 "package, or give the directory of its .debug file with --debug-dir)");
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
	debug_file__close(&dbg);
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
	struct debug_file dbg = { .fd = -1 };
	bool have_symtab = false;
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
	while (!ret && (scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &sh) &&
		    (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM))
			ret = add_syms(elf, scn, &sh, t, &cap);
		have_symtab |= sh.sh_type == SHT_SYMTAB;
	}
	/* stripped: its static symbols are in its separate debug file, if there is one */
	if (!ret && !have_symtab && !find_debug_file(elf, path, &dbg)) {
		scn = NULL;
		while (!ret && (scn = elf_nextscn(dbg.elf, scn)))
			if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
				ret = add_syms(dbg.elf, scn, &sh, t, &cap);
		debug_file__close(&dbg);
	}
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

const struct elfsymtab_sym *
elfsymtab__find(const struct elfsymtab *t, const char *name, bool *ambiguous)
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
