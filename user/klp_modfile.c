// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a livepatch module file (klp_mod__*; see klp.h): gzip-compressed or plain, its
 * appended signature, .modinfo, the objects of its .klp.rela sections, and the functions of
 * its static struct klp_patch, found through the relocations, all with libelf.
 */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "klp.h"
#include "klp_int.h"

#define MAX_MODULE_BYTES (512u << 20) /* larger "modules" are refused */
#define SIG_MAGIC	 "~Module signature appended~\n"

/* ---- reading a module file -------------------------------------------------------------- */

/* the whole file, decompressed if it is gzip (zlib reads plain files as they are) */
static int slurp(const char *path, char **out, size_t *size)
{
	size_t cap = 1 << 20, len = 0;
	char *buf, *nb;
	gzFile gz;
	int fd, n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		return -ENOMEM;
	}
	buf = malloc(cap);
	if (!buf) {
		gzclose(gz);
		return -ENOMEM;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_MODULE_BYTES) {
				free(buf);
				gzclose(gz);
				return -EFBIG;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				gzclose(gz);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		n = gzread(gz, buf + len, (unsigned int)(cap - len));
		if (n < 0) {
			free(buf);
			gzclose(gz);
			return -EIO;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	gzclose(gz);
	*out = buf;
	*size = len;
	return 0;
}

/*
 * The appended signature: the module, then a PKCS#7 blob, then struct module_signature
 * (u8 algo, hash, id_type, signer_len, key_id_len, pad[3], __be32 sig_len), then the magic.
 */
static void read_signature(const char *buf, size_t size, struct klp_mod *mod)
{
	const size_t mlen = sizeof(SIG_MAGIC) - 1;
	const unsigned char *ms;
	uint32_t sig_len;

	if (size < mlen + 12 || memcmp(buf + size - mlen, SIG_MAGIC, mlen))
		return;
	mod->signed_ = true;
	ms = (const unsigned char *)buf + size - mlen - 12;
	sig_len = (uint32_t)ms[8] << 24 | (uint32_t)ms[9] << 16 | (uint32_t)ms[10] << 8 | ms[11];
	snprintf(mod->sig_info, sizeof(mod->sig_info), "%s signature, %u bytes",
		 ms[2] == 2 ? "PKCS#7" : "non-PKCS#7", sig_len);
}

/* "NAME:TYPE" of a parmtype entry */
static int add_param(struct klp_mod *mod, const char *val)
{
	char(*np)[KLP_NAME_MAX];
	size_t n = strcspn(val, ":");

	if (!n || n >= KLP_NAME_MAX)
		return 0;
	np = realloc(mod->params, (mod->nr_params + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	mod->params = np;
	snprintf(mod->params[mod->nr_params++], KLP_NAME_MAX, "%.*s", (int)n, val);
	return 0;
}

static int parse_modinfo(const char *p, size_t size, struct klp_mod *mod)
{
	const char *end = p + size, *eq, *val;
	size_t n;

	while (p < end) {
		n = strnlen(p, (size_t)(end - p));
		if (!n) {
			p++;
			continue;
		}
		if (p + n == end) /* not NUL-terminated: ignore the tail */
			break;
		eq = memchr(p, '=', n);
		if (eq) {
			val = eq + 1;
#define KEY(k) ((size_t)(eq - p) == sizeof(k) - 1 && !memcmp(p, k, sizeof(k) - 1))
			if (KEY("name"))
				modname(mod->name, sizeof(mod->name), val);
			else if (KEY("vermagic"))
				set_field(mod->vermagic, sizeof(mod->vermagic), val);
			else if (KEY("license"))
				set_field(mod->license, sizeof(mod->license), val);
			else if (KEY("depends"))
				set_field(mod->depends, sizeof(mod->depends), val);
			else if (KEY("srcversion"))
				set_field(mod->srcversion, sizeof(mod->srcversion), val);
			else if (KEY("description"))
				set_field(mod->description, sizeof(mod->description), val);
			else if (KEY("livepatch"))
				mod->livepatch = !strcmp(val, "Y");
			else if (KEY("retpoline"))
				mod->retpoline = !strcmp(val, "Y");
			else if (KEY("intree"))
				mod->intree = !strcmp(val, "Y");
			else if (KEY("parmtype") && add_param(mod, val))
				return -ENOMEM;
#undef KEY
		}
		p += n + 1;
	}
	return 0;
}

static int add_obj(struct klp_mod *mod, const char *name)
{
	char(*no)[KLP_NAME_MAX];
	size_t i;

	for (i = 0; i < mod->nr_objs; i++)
		if (!strcmp(mod->objs[i], name))
			return 0;
	no = realloc(mod->objs, (mod->nr_objs + 1) * sizeof(*no));
	if (!no)
		return -ENOMEM;
	mod->objs = no;
	snprintf(mod->objs[mod->nr_objs++], KLP_NAME_MAX, "%s", name);
	return 0;
}

/* --- the static struct klp_patch, found through relocations --- */

struct rel {
	uint64_t off;	  /* where, in the section being relocated */
	size_t tsec;	  /* target section index, 0 for an undefined symbol */
	uint64_t toff;	  /* target offset in it: symbol value + addend */
	bool this_module; /* against the symbol __this_module */
};

struct sec {
	GElf_Shdr sh;
	Elf_Data *data;
	struct rel *rels;
	size_t nr;
};

struct elfmod {
	Elf *elf;
	bool swap; /* file byte order differs from ours */
	size_t nsec;
	struct sec *secs;
	Elf_Data *symdata;
	size_t nsyms;
	size_t strndx; /* string table of the symbols */
	const struct klp_layout *l;
};

static int rel_cmp(const void *a, const void *b)
{
	const struct rel *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static const struct rel *find_rel(const struct elfmod *em, size_t s, uint64_t off)
{
	const struct sec *sec = &em->secs[s];
	size_t lo = 0, hi = sec->nr, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (sec->rels[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sec->nr && sec->rels[lo].off == off ? &sec->rels[lo] : NULL;
}

static bool sec_exec(const struct elfmod *em, size_t s)
{
	return s && s < em->nsec && (em->secs[s].sh.sh_flags & SHF_EXECINSTR);
}

static bool sec_data(const struct elfmod *em, size_t s)
{
	return s && s < em->nsec && (em->secs[s].sh.sh_flags & SHF_ALLOC) &&
	       !(em->secs[s].sh.sh_flags & SHF_EXECINSTR);
}

/* a printable NUL-terminated string at @off of section @s, else NULL */
static const char *string_at(const struct elfmod *em, size_t s, uint64_t off)
{
	const struct sec *sec;
	const char *p;
	size_t n, i;

	if (!sec_data(em, s))
		return NULL;
	sec = &em->secs[s];
	if (sec->sh.sh_type != SHT_PROGBITS || !sec->data || off >= sec->data->d_size)
		return NULL;
	p = (const char *)sec->data->d_buf + off;
	n = strnlen(p, sec->data->d_size - off);
	if (!n || n == sec->data->d_size - off || n >= KLP_SYM_MAX)
		return NULL;
	for (i = 0; i < n; i++)
		if (!isgraph((unsigned char)p[i]))
			return NULL;
	return p;
}

static bool read_u8(const struct elfmod *em, size_t s, uint64_t off, uint8_t *v)
{
	const struct sec *sec = &em->secs[s];

	if (sec->sh.sh_type != SHT_PROGBITS || !sec->data || off + 1 > sec->data->d_size)
		return false;
	*v = ((const uint8_t *)sec->data->d_buf)[off];
	return true;
}

static bool read_u32(const struct elfmod *em, size_t s, uint64_t off, uint32_t *v)
{
	const struct sec *sec = &em->secs[s];

	if (sec->sh.sh_type != SHT_PROGBITS || !sec->data || off + 4 > sec->data->d_size)
		return false;
	memcpy(v, (const char *)sec->data->d_buf + off, 4);
	if (em->swap)
		*v = __builtin_bswap32(*v);
	return true;
}

static bool read_u64(const struct elfmod *em, size_t s, uint64_t off, uint64_t *v)
{
	const struct sec *sec = &em->secs[s];

	if (sec->sh.sh_type != SHT_PROGBITS || !sec->data || off + 8 > sec->data->d_size)
		return false;
	memcpy(v, (const char *)sec->data->d_buf + off, 8);
	if (em->swap)
		*v = __builtin_bswap64(*v);
	return true;
}

/* [*start, *end) of the data object symbol of section @s that holds @off */
static bool sym_extent(const struct elfmod *em, size_t s, uint64_t off, uint64_t *start,
		       uint64_t *end)
{
	GElf_Sym sym;
	size_t i;

	for (i = 0; i < em->nsyms; i++) {
		if (!gelf_getsym(em->symdata, (int)i, &sym) || sym.st_shndx != s ||
		    GELF_ST_TYPE(sym.st_info) != STT_OBJECT || !sym.st_size)
			continue;
		if (off >= sym.st_value && off < sym.st_value + sym.st_size) {
			*start = sym.st_value;
			*end = sym.st_value + sym.st_size;
			return true;
		}
	}
	return false;
}

/* a klp_func starts at @off of @s: old_name points to a string, new_func into code */
static bool is_func(const struct elfmod *em, size_t s, uint64_t off, const char **name)
{
	const struct rel *a = find_rel(em, s, off + em->l->func_old_name);
	const struct rel *b = find_rel(em, s, off + em->l->func_new_func);

	if (!a || !b || !sec_exec(em, b->tsec))
		return false;
	*name = string_at(em, a->tsec, a->toff);
	return *name != NULL;
}

static unsigned int abs64_type(unsigned int machine)
{
	switch (machine) {
	case EM_X86_64:
		return R_X86_64_64;
	case EM_AARCH64:
		return R_AARCH64_ABS64;
	case EM_PPC64:
		return R_PPC64_ADDR64;
	case EM_S390:
		return R_390_64;
	case EM_RISCV:
		return R_RISCV_64;
	}
	return 0;
}

static int load_rels(struct elfmod *em, unsigned int rtype)
{
	Elf_Scn *scn = NULL;
	size_t i, n, t;
	GElf_Shdr sh;
	GElf_Rela ra;
	GElf_Sym sym;
	Elf_Data *d;
	struct sec *ts;
	struct rel *nr;
	const char *sname;

	while ((scn = elf_nextscn(em->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		t = sh.sh_info;
		if (!sec_data(em, t))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		ts = &em->secs[t];
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			if (!gelf_getrela(d, (int)i, &ra) || GELF_R_TYPE(ra.r_info) != rtype)
				continue;
			if (!gelf_getsym(em->symdata, (int)GELF_R_SYM(ra.r_info), &sym))
				continue;
			nr = realloc(ts->rels, (ts->nr + 1) * sizeof(*nr));
			if (!nr)
				return -ENOMEM;
			ts->rels = nr;
			nr = &ts->rels[ts->nr++];
			memset(nr, 0, sizeof(*nr));
			nr->off = ra.r_offset;
			sname = elf_strptr(em->elf, em->strndx, sym.st_name);
			nr->this_module = sname && !strcmp(sname, "__this_module");
			if (sym.st_shndx != SHN_UNDEF && sym.st_shndx < SHN_LORESERVE) {
				nr->tsec = sym.st_shndx;
				nr->toff = sym.st_value + (uint64_t)ra.r_addend;
			}
		}
	}
	for (i = 0; i < em->nsec; i++)
		if (em->secs[i].nr > 1)
			qsort(em->secs[i].rels, em->secs[i].nr, sizeof(struct rel), rel_cmp);
	return 0;
}

/* the functions of the klp_func array at @fs/@foff, for object @obj */
static int walk_funcs(const struct elfmod *em, struct klp_mod *mod, const char *obj, size_t fs,
		      uint64_t foff)
{
	uint64_t start, end, sympos, e;
	const struct sec *sec = &em->secs[fs];
	const struct klp_layout *l = em->l;
	const char *name;
	size_t i;
	int ret;

	if (!sym_extent(em, fs, foff, &start, &end) || start != foff)
		end = foff + l->func_old_name + 8; /* no symbol: only the first element */
	for (i = 0; i < sec->nr; i++) {
		/* each relocation taken for an element's old_name */
		if (sec->rels[i].off < foff + l->func_old_name || sec->rels[i].off >= end)
			continue;
		e = sec->rels[i].off - l->func_old_name;
		if (!is_func(em, fs, e, &name))
			continue;
		if (!read_u64(em, fs, e + l->func_old_sympos, &sympos))
			sympos = 0;
		ret = add_func(&mod->funcs, &mod->nr_funcs, obj, name, (unsigned long)sympos);
		if (ret)
			return ret;
	}
	return 0;
}

/* the klp_object array at @os/@ooff: each element's funcs pointer, with its name before it */
static int walk_objs(const struct elfmod *em, struct klp_mod *mod, size_t os, uint64_t ooff)
{
	const struct sec *sec = &em->secs[os];
	const struct rel *r, *nr;
	uint64_t start, end;
	const char *name, *fname;
	size_t i;
	int ret;

	if (!sym_extent(em, os, ooff, &start, &end) || start != ooff)
		end = ooff + em->l->obj_funcs + 8; /* no symbol: only the first element */
	for (i = 0; i < sec->nr; i++) {
		/* each relocation to a klp_func array taken for an element's funcs */
		r = &sec->rels[i];
		if (r->off < ooff + em->l->obj_funcs || r->off >= end || !sec_data(em, r->tsec) ||
		    !is_func(em, r->tsec, r->toff, &fname))
			continue;
		nr = find_rel(em, os, r->off - em->l->obj_funcs + em->l->obj_name);
		name = nr ? string_at(em, nr->tsec, nr->toff) : NULL;
		if (nr && !name)
			continue; /* the field before is a pointer, but not a name */
		ret = add_obj(mod, name ? name : "vmlinux");
		if (!ret)
			ret = walk_funcs(em, mod, name ? name : "vmlinux", r->tsec, r->toff);
		if (ret)
			return ret;
	}
	return 0;
}

/* The klp_state array at @ss/@soff, ended by an id of 0 (klp_for_each_state()) */
static int read_states(const struct elfmod *em, struct klp_mod *mod, size_t ss, uint64_t soff)
{
	struct klp_state_ref *ns;
	uint64_t start, end, id;
	uint32_t version;
	uint64_t off;

	const struct klp_layout *l = em->l;

	if (!sym_extent(em, ss, soff, &start, &end))
		end = soff + 64 * l->state_size;
	for (off = soff; off + l->state_size <= end; off += l->state_size) {
		if (!read_u64(em, ss, off + l->state_id, &id) || !id ||
		    !read_u32(em, ss, off + l->state_version, &version))
			break;
		ns = realloc(mod->states, (mod->nr_states + 1) * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		mod->states = ns;
		mod->states[mod->nr_states].id = (unsigned long)id;
		mod->states[mod->nr_states++].version = version;
	}
	return 0;
}

/* the klp_patch at @s/@off: its replace flag and its states */
static int read_patch(const struct elfmod *em, struct klp_mod *mod, size_t s, uint64_t off)
{
	const struct klp_layout *l = em->l;
	const struct rel *states;
	uint8_t replace;

	mod->funcs_known = true;
	if (read_u8(em, s, off + l->patch_replace, &replace))
		mod->replace = replace != 0;
	states = l->patch_states ? find_rel(em, s, off + l->patch_states) : NULL;
	if (states && sec_data(em, states->tsec))
		return read_states(em, mod, states->tsec, states->toff);
	return 0;
}

/*
 * The first klp_object's funcs pointer (8 bytes in) points to data: a klp_func array, if
 * only an empty one. What tells a klp_patch from other structures that start with THIS_MODULE
 * when no function shows it (struct file_operations' second field is code).
 */
static bool objs_like(const struct elfmod *em, const struct rel *objs)
{
	const struct rel *f = find_rel(em, objs->tsec, objs->toff + em->l->obj_funcs);

	return f && f->tsec && f->tsec < em->nsec && (em->secs[f->tsec].sh.sh_flags & SHF_ALLOC) &&
	       !(em->secs[f->tsec].sh.sh_flags & SHF_EXECINSTR);
}

static int find_klp_patch(const struct elfmod *em, struct klp_mod *mod)
{
	const struct rel *r, *objs;
	size_t s, i, cs = 0;
	uint64_t coff = 0, p;
	int ret;

	for (s = 1; s < em->nsec; s++) {
		for (i = 0; i < em->secs[s].nr; i++) {
			/* THIS_MODULE in klp_patch.mod */
			r = &em->secs[s].rels[i];
			if (!r->this_module || r->off < em->l->patch_mod)
				continue;
			p = r->off - em->l->patch_mod;
			objs = find_rel(em, s, p + em->l->patch_objs);
			if (!objs || !sec_data(em, objs->tsec))
				continue;
			ret = walk_objs(em, mod, objs->tsec, objs->toff);
			if (ret)
				return ret;
			if (mod->nr_funcs)
				return read_patch(em, mod, s, p);
			if (!cs && objs_like(em, objs)) {
				cs = s;
				coff = p;
			}
		}
	}
	/*
	 * A patch of no function at all, only callbacks and klp_states (the kernel's
	 * test_klp_state modules): its objects' names are not known, its flags are.
	 */
	return cs ? read_patch(em, mod, cs, coff) : 0;
}

static int read_elf(const char *buf, size_t size, const struct klp_layout *l, struct klp_mod *mod,
		    char *err, size_t errlen)
{
	struct klp_layout def;
	struct elfmod em = { 0 };
	Elf_Scn *scn = NULL;
	const char *sname;
	size_t shstrndx, i;
	GElf_Ehdr eh;
	Elf_Data *d;
	int ret = 0;

	elf_version(EV_CURRENT);
	em.elf = elf_memory((char *)buf, size);
	if (!em.elf || elf_kind(em.elf) != ELF_K_ELF || !gelf_getehdr(em.elf, &eh) ||
	    eh.e_type != ET_REL || elf_getshdrstrndx(em.elf, &shstrndx) ||
	    elf_getshdrnum(em.elf, &em.nsec)) {
		snprintf(err, errlen, "'%s' is not a kernel module (not an ELF relocatable object)",
			 mod->path);
		ret = -ENOEXEC;
		goto out;
	}
	em.swap = (eh.e_ident[EI_DATA] == ELFDATA2LSB) !=
		  (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
	em.secs = calloc(em.nsec, sizeof(*em.secs));
	if (!em.secs) {
		ret = -ENOMEM;
		goto out;
	}
	while ((scn = elf_nextscn(em.elf, scn))) {
		i = elf_ndxscn(scn);
		if (i >= em.nsec || !gelf_getshdr(scn, &em.secs[i].sh))
			continue;
		em.secs[i].data = elf_getdata(scn, NULL);
		sname = elf_strptr(em.elf, shstrndx, em.secs[i].sh.sh_name);
		if (!sname)
			continue;
		d = em.secs[i].data;
		if (!strcmp(sname, ".modinfo") && d && d->d_buf) {
			mod->has_modinfo = true;
			ret = parse_modinfo(d->d_buf, d->d_size, mod);
			if (ret)
				goto out;
		} else if (!strncmp(sname, ".klp.rela.", 10)) {
			/* .klp.rela.<object>.<section>: module names have no '.' */
			char obj[KLP_NAME_MAX];
			size_t n = strcspn(sname + 10, ".");

			if (n && n < sizeof(obj)) {
				memcpy(obj, sname + 10, n);
				obj[n] = '\0';
				ret = add_obj(mod, obj);
				if (ret)
					goto out;
			}
		} else if (em.secs[i].sh.sh_type == SHT_SYMTAB && !em.symdata) {
			em.symdata = d;
			em.strndx = em.secs[i].sh.sh_link;
			if (em.secs[i].sh.sh_entsize)
				em.nsyms = em.secs[i].sh.sh_size / em.secs[i].sh.sh_entsize;
		}
	}
	if (em.symdata && eh.e_ident[EI_CLASS] == ELFCLASS64 && abs64_type(eh.e_machine)) {
		ret = load_rels(&em, abs64_type(eh.e_machine));
		/* .modinfo came first: the vermagic says which default layout */
		if (!l)
			klp_layout__default(&def, parse_kver(mod->vermagic));
		em.l = l ? l : &def;
		if (!ret)
			ret = find_klp_patch(&em, mod);
	}
out:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory reading '%s'", mod->path);
	for (i = 0; em.secs && i < em.nsec; i++)
		free(em.secs[i].rels);
	free(em.secs);
	if (em.elf)
		elf_end(em.elf);
	return ret;
}

int klp_mod__read(const char *path, struct klp_mod *mod, char *err, size_t errlen)
{
	return klp_mod__read_layout(path, NULL, mod, err, errlen);
}

int klp_mod__read_layout(const char *path, const struct klp_layout *l, struct klp_mod *mod,
			 char *err, size_t errlen)
{
	const char *base;
	size_t size = 0;
	char *buf = NULL;
	int ret;

	memset(mod, 0, sizeof(*mod));
	mod->replace = -1;
	snprintf(mod->path, sizeof(mod->path), "%s", path);
	ret = slurp(path, &buf, &size);
	if (ret) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(-ret));
		return ret;
	}
	read_signature(buf, size, mod);
	ret = read_elf(buf, size, l, mod, err, errlen);
	free(buf);
	if (ret) {
		klp_mod__free(mod);
		return ret;
	}
	if (!mod->name[0]) {
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		modname(mod->name, sizeof(mod->name), base);
		mod->name[strcspn(mod->name, ".")] = '\0';
	}
	return 0;
}

void klp_mod__free(struct klp_mod *mod)
{
	free(mod->objs);
	free(mod->funcs);
	free(mod->states);
	free(mod->params);
	mod->objs = NULL;
	mod->funcs = NULL;
	mod->states = NULL;
	mod->params = NULL;
	mod->nr_objs = mod->nr_funcs = mod->nr_states = mod->nr_params = 0;
}

int klp_mod__patches(const struct klp_mod *mod, const char *obj, const char *name,
		     unsigned long sympos)
{
	return klp_func_refs__has(mod->funcs, mod->nr_funcs, obj, name, sympos);
}
