// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel livepatch lifecycle primitives; see klp.h. Modules are loaded with finit_module(2)
 * and unloaded with delete_module(2) directly, and modinfo is read from the .modinfo section
 * with libelf: Debian ships no static libkmod (libkmod-dev has only the .so), and the VM
 * tests run a static binary (make static: -lbpf -lelf -lz -ljson-c -lyaml -lm).
 */
#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "klp.h"
#include "trust.h"

#define MAX_MODULE_BYTES	(512u << 20)	/* larger "modules" are refused */
#define SIG_MAGIC		"~Module signature appended~\n"
#define FORCED_MSG		"forcing remaining tasks to the patched state"

/* ---- small file helpers ----------------------------------------------------------------- */

/* snprintf() for paths built from other paths: truncation is possible and harmless (the
 * open fails), so gcc's -Wformat-truncation has nothing to say about it here */
static int __attribute__((format(printf, 3, 4))) pathf(char *buf, size_t len, const char *fmt,
							 ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

/* copy @val into @dst of @len bytes, cut if longer */
static void set_field(char *dst, size_t len, const char *val)
{
	size_t n = strnlen(val, len - 1);

	memcpy(dst, val, n);
	dst[n] = '\0';
}

char *klp_sys__path(const struct klp_sys *sys, char *buf, size_t len, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = (size_t)snprintf(buf, len, "%s", sys->root);
	if (n >= len)
		n = len - 1;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return buf;
}

int klp_sys__init(struct klp_sys *sys, const char *root)
{
	static const char *const tdirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[PATH_MAX];
	size_t i, n;

	memset(sys, 0, sizeof(*sys));
	sys->trusted_uid = 0;
	sys->poll_ms = 20;
	if (root && strcmp(root, "/")) {
		n = strlen(root);
		while (n > 1 && root[n - 1] == '/')
			n--;
		if (n >= sizeof(sys->root) - 64)
			return -ENAMETOOLONG;
		memcpy(sys->root, root, n);
		sys->root[n] = '\0';
		klp_sys__path(sys, sys->tracefs, sizeof(sys->tracefs), "/sys/kernel/tracing");
		return 0;
	}
	snprintf(sys->tracefs, sizeof(sys->tracefs), "%s", tdirs[0]);
	for (i = 0; i < sizeof(tdirs) / sizeof(tdirs[0]); i++) {
		pathf(path, sizeof(path), "%s/available_filter_functions", tdirs[i]);
		if (!access(path, R_OK)) {
			snprintf(sys->tracefs, sizeof(sys->tracefs), "%s", tdirs[i]);
			break;
		}
	}
	return 0;
}

/* the first line of a small file, without its newline */
static int read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int read_long(const char *path, long *v)
{
	char buf[64], *end;
	int ret;

	ret = read_line(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*v = strtol(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

/* "0"/"1" (or "N"/"Y") of a sysfs attribute; -1 if the attribute is absent */
static int read_bool_attr(const char *path)
{
	char buf[16];

	if (read_line(path, buf, sizeof(buf)))
		return -1;
	return buf[0] == '1' || buf[0] == 'Y' || buf[0] == 'y';
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* module names: the kernel turns '-' into '_' (KBUILD_MODNAME) */
static void modname(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = src[i] == '-' ? '_' : src[i];
	dst[i] = '\0';
}

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

static void parse_modinfo(const char *p, size_t size, struct klp_mod *mod)
{
	const char *end = p + size, *eq, *val;
	size_t n;

	while (p < end) {
		n = strnlen(p, (size_t)(end - p));
		if (!n) {
			p++;
			continue;
		}
		if (p + n == end)	/* not NUL-terminated: ignore the tail */
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
#undef KEY
		}
		p += n + 1;
	}
}

static int add_obj(struct klp_mod *mod, const char *name)
{
	char (*no)[KLP_NAME_MAX];
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

static int add_func(struct klp_func_ref **funcs, size_t *n, const char *obj, const char *name,
		    unsigned long sympos)
{
	struct klp_func_ref *nf;

	nf = realloc(*funcs, (*n + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	*funcs = nf;
	snprintf(nf[*n].obj, sizeof(nf[*n].obj), "%s", obj);
	snprintf(nf[*n].name, sizeof(nf[*n].name), "%s", name);
	nf[*n].sympos = sympos;
	(*n)++;
	return 0;
}

/* --- the static struct klp_patch, found through relocations --- */

struct rel {
	uint64_t off;		/* where, in the section being relocated */
	size_t tsec;		/* target section index, 0 for an undefined symbol */
	uint64_t toff;		/* target offset in it: symbol value + addend */
	bool this_module;	/* against the symbol __this_module */
};

struct sec {
	GElf_Shdr sh;
	Elf_Data *data;
	struct rel *rels;
	size_t nr;
};

struct elfmod {
	Elf *elf;
	bool swap;		/* file byte order differs from ours */
	size_t nsec;
	struct sec *secs;
	Elf_Data *symdata;
	size_t nsyms;
	size_t strndx;		/* string table of the symbols */
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
	const struct rel *a = find_rel(em, s, off), *b = find_rel(em, s, off + 8);

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
	uint64_t start, end, sympos;
	const struct sec *sec = &em->secs[fs];
	const char *name;
	size_t i;
	int ret;

	if (!sym_extent(em, fs, foff, &start, &end) || start != foff)
		end = foff + 8;		/* no symbol: only the first element */
	for (i = 0; i < sec->nr; i++) {
		if (sec->rels[i].off < foff || sec->rels[i].off >= end)
			continue;
		if (!is_func(em, fs, sec->rels[i].off, &name))
			continue;
		if (!read_u64(em, fs, sec->rels[i].off + 16, &sympos))
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
		end = ooff + 16;	/* no symbol: only the first element */
	for (i = 0; i < sec->nr; i++) {
		r = &sec->rels[i];
		if (r->off < ooff + 8 || r->off >= end || !sec_data(em, r->tsec) ||
		    !is_func(em, r->tsec, r->toff, &fname))
			continue;
		nr = find_rel(em, os, r->off - 8);
		name = nr ? string_at(em, nr->tsec, nr->toff) : NULL;
		if (nr && !name)
			continue;	/* the field before is a pointer, but not a name */
		ret = add_obj(mod, name ? name : "vmlinux");
		if (!ret)
			ret = walk_funcs(em, mod, name ? name : "vmlinux", r->tsec, r->toff);
		if (ret)
			return ret;
	}
	return 0;
}

/* the first word of a vermagic, as KLP_KVER(), 0 if it does not parse */
static unsigned int parse_kver(const char *release)
{
	unsigned int a = 0, b = 0, c = 0;

	if (sscanf(release, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	return KLP_KVER(a, b, c);
}

static int find_klp_patch(const struct elfmod *em, struct klp_mod *mod)
{
	unsigned int kver = parse_kver(mod->vermagic);
	const struct rel *r, *objs;
	uint8_t replace;
	size_t s, i;
	int ret;

	for (s = 1; s < em->nsec; s++) {
		for (i = 0; i < em->secs[s].nr; i++) {
			r = &em->secs[s].rels[i];
			if (!r->this_module)
				continue;
			objs = find_rel(em, s, r->off + 8);
			if (!objs || !sec_data(em, objs->tsec))
				continue;
			ret = walk_objs(em, mod, objs->tsec, objs->toff);
			if (ret)
				return ret;
			if (!mod->nr_funcs)
				continue;
			mod->funcs_known = true;
			/* replace follows mod, objs (and states, added in 5.5) */
			if (read_u8(em, s, r->off + (kver && kver < KLP_KVER(5, 5, 0) ? 16 : 24),
				    &replace))
				mod->replace = replace != 0;
			return 0;
		}
	}
	return 0;
}

static int read_elf(const char *buf, size_t size, struct klp_mod *mod, char *err,
		    size_t errlen)
{
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
			parse_modinfo(d->d_buf, d->d_size, mod);
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
	ret = read_elf(buf, size, mod, err, errlen);
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
	mod->objs = NULL;
	mod->funcs = NULL;
	mod->nr_objs = mod->nr_funcs = 0;
}

static bool same_func(const struct klp_func_ref *f, const char *obj, const char *name,
		      unsigned long sympos)
{
	unsigned long a = f->sympos ? f->sympos : 1, b = sympos ? sympos : 1;

	return !strcmp(f->obj, obj) && !strcmp(f->name, name) && a == b;
}

int klp_mod__patches(const struct klp_mod *mod, const char *obj, const char *name,
		     unsigned long sympos)
{
	size_t i;

	for (i = 0; i < mod->nr_funcs; i++)
		if (same_func(&mod->funcs[i], obj, name, sympos))
			return 1;
	return 0;
}

/* ---- enabled livepatches ---------------------------------------------------------------- */

static void patch_free_members(struct klp_patch *p);

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct klp_patch *)a)->name, ((const struct klp_patch *)b)->name);
}

/* the object dirs of a patch, and their "<func>,<sympos>" dirs */
static int read_patch_objs(const char *pdir, struct klp_patch *p)
{
	char odir[PATH_MAX], path[PATH_MAX + 300], fname[KLP_SYM_MAX], *comma, *end;
	struct klp_patch_obj *no;
	struct dirent *oe, *fe;
	unsigned long sympos;
	DIR *pd, *od;
	int ret = 0;

	pd = opendir(pdir);
	if (!pd)
		return -errno;
	while ((oe = readdir(pd))) {
		if (oe->d_name[0] == '.')
			continue;
		pathf(odir, sizeof(odir), "%s/%s", pdir, oe->d_name);
		if (!is_dir(odir))
			continue;
		no = realloc(p->objs, (p->nr_objs + 1) * sizeof(*no));
		if (!no) {
			ret = -ENOMEM;
			break;
		}
		p->objs = no;
		no = &p->objs[p->nr_objs++];
		set_field(no->name, sizeof(no->name), oe->d_name);
		pathf(path, sizeof(path), "%s/patched", odir);
		no->patched = read_bool_attr(path);
		od = opendir(odir);
		if (!od)
			continue;
		while ((fe = readdir(od))) {
			if (fe->d_name[0] == '.')
				continue;
			pathf(path, sizeof(path), "%s/%s", odir, fe->d_name);
			if (!is_dir(path))
				continue;
			set_field(fname, sizeof(fname), fe->d_name);
			sympos = 1;
			comma = strrchr(fname, ',');
			if (comma) {
				*comma = '\0';
				sympos = strtoul(comma + 1, &end, 10);
				if (*end || !sympos)
					sympos = 1;
			}
			ret = add_func(&p->funcs, &p->nr_funcs, no->name, fname, sympos);
			if (ret)
				break;
		}
		closedir(od);
		if (ret)
			break;
	}
	closedir(pd);
	return ret;
}

int klp__list(const struct klp_sys *sys, struct klp_patch **out, size_t *n, char *err,
	      size_t errlen)
{
	char dir[PATH_MAX], pdir[PATH_MAX + 300], path[PATH_MAX + 320];
	struct klp_patch *list = NULL, *nl, *p;
	struct dirent *de;
	size_t cnt = 0;
	long v;
	DIR *d;
	int ret = 0;

	*out = NULL;
	*n = 0;
	klp_sys__path(sys, dir, sizeof(dir), "/sys/kernel/livepatch");
	d = opendir(dir);
	if (!d) {
		ret = -errno;
		snprintf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
		return ret;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		pathf(pdir, sizeof(pdir), "%s/%s", dir, de->d_name);
		pathf(path, sizeof(path), "%s/enabled", pdir);
		if (!is_dir(pdir) || read_long(path, &v))
			continue;	/* not a patch, or gone meanwhile */
		nl = realloc(list, (cnt + 1) * sizeof(*nl));
		if (!nl) {
			ret = -ENOMEM;
			break;
		}
		list = nl;
		p = &list[cnt++];
		memset(p, 0, sizeof(*p));
		set_field(p->name, sizeof(p->name), de->d_name);
		p->enabled = v != 0;
		pathf(path, sizeof(path), "%s/transition", pdir);
		p->transition = read_bool_attr(path);
		pathf(path, sizeof(path), "%s/replace", pdir);
		p->replace = read_bool_attr(path);
		pathf(path, sizeof(path), "%s/stack_order", pdir);
		p->stack_order = read_long(path, &v) ? -1 : (int)v;
		ret = read_patch_objs(pdir, p);
		if (ret == -ENOENT) {	/* freed while we read it */
			patch_free_members(p);
			cnt--;
			ret = 0;
		} else if (ret) {
			break;
		}
	}
	closedir(d);
	if (ret) {
		snprintf(err, errlen, "reading %s: %s", dir, strerror(-ret));
		klp__list_free(list, cnt);
		return ret;
	}
	if (cnt > 1)
		qsort(list, cnt, sizeof(*list), name_cmp);
	*out = list;
	*n = cnt;
	return 0;
}

static void patch_free_members(struct klp_patch *p)
{
	free(p->objs);
	free(p->funcs);
	p->objs = NULL;
	p->funcs = NULL;
	p->nr_objs = p->nr_funcs = 0;
}

void klp__list_free(struct klp_patch *patches, size_t n)
{
	size_t i;

	for (i = 0; patches && i < n; i++)
		patch_free_members(&patches[i]);
	free(patches);
}

int klp_patch__patches(const struct klp_patch *p, const char *obj, const char *name,
		       unsigned long sympos)
{
	size_t i;

	for (i = 0; i < p->nr_funcs; i++)
		if (same_func(&p->funcs[i], obj, name, sympos))
			return 1;
	return 0;
}

/* ---- transitions ------------------------------------------------------------------------ */

static int read_patch_attr(const struct klp_sys *sys, const char *name, const char *attr)
{
	char path[PATH_MAX];
	long v;
	int ret;

	klp_sys__path(sys, path, sizeof(path), "/sys/kernel/livepatch/%s/%s", name, attr);
	ret = read_long(path, &v);
	if (ret)
		return ret;
	return v != 0;
}

int klp__transition(const struct klp_sys *sys, const char *name)
{
	return read_patch_attr(sys, name, "transition");
}

int klp__enabled(const struct klp_sys *sys, const char *name)
{
	return read_patch_attr(sys, name, "enabled");
}

int klp__in_transition(const struct klp_sys *sys, char *name, size_t len)
{
	char dir[PATH_MAX];
	struct dirent *de;
	int found = 0;
	DIR *d;

	if (len)
		name[0] = '\0';
	klp_sys__path(sys, dir, sizeof(dir), "/sys/kernel/livepatch");
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (klp__transition(sys, de->d_name) == 1) {
			if (len)
				snprintf(name, len, "%s", de->d_name);
			found = 1;
			break;
		}
	}
	closedir(d);
	return found;
}

int klp__wait_transition(const struct klp_sys *sys, const char *name, uint64_t timeout_ms,
			 char *err, size_t errlen)
{
	uint64_t deadline = now_ms() + timeout_ms;
	int t;

	for (;;) {
		t = klp__transition(sys, name);
		if (t == 0 || t == -ENOENT)
			return 0;
		if (t < 0) {
			snprintf(err, errlen, "cannot read /sys/kernel/livepatch/%s/transition: %s",
				 name, strerror(-t));
			return t;
		}
		if (now_ms() >= deadline)
			break;
		sleep_ms(sys->poll_ms ? sys->poll_ms : 20);
	}
	snprintf(err, errlen, "livepatch '%s' still in transition after %llu ms", name,
		 (unsigned long long)timeout_ms);
	return -ETIMEDOUT;
}

int klp__wait_gone(const struct klp_sys *sys, const char *name, uint64_t timeout_ms, char *err,
		   size_t errlen)
{
	uint64_t deadline = now_ms() + timeout_ms;
	char path[PATH_MAX];

	klp_sys__path(sys, path, sizeof(path), "/sys/kernel/livepatch/%s", name);
	for (;;) {
		if (access(path, F_OK) && errno == ENOENT)
			return 0;
		if (now_ms() >= deadline)
			break;
		sleep_ms(sys->poll_ms ? sys->poll_ms : 20);
	}
	snprintf(err, errlen, "%s still exists after %llu ms", path,
		 (unsigned long long)timeout_ms);
	return -ETIMEDOUT;
}

int klp__disable(const struct klp_sys *sys, const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	klp_sys__path(sys, path, sizeof(path), "/sys/kernel/livepatch/%s/enabled", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return ret;
	}
	if (write(fd, "0", 1) != 1) {
		ret = -errno;
		if (ret == -EINVAL)
			snprintf(err, errlen, "writing 0 to %s: the patch is already disabled",
				 path);
		else if (ret == -EBUSY)
			snprintf(err, errlen, "writing 0 to %s: another livepatch is in transition",
				 path);
		else
			snprintf(err, errlen, "writing 0 to %s: %s", path, strerror(-ret));
	}
	close(fd);
	return ret;
}

static int add_blocker(struct klp_blocker **out, size_t *n, pid_t pid, pid_t tid, int state,
		       const char *tdir)
{
	char path[PATH_MAX + 16], *stack = NULL;
	struct klp_blocker *nb, *b;
	size_t len = 0;
	FILE *f;

	nb = realloc(*out, (*n + 1) * sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	*out = nb;
	b = &nb[*n];
	memset(b, 0, sizeof(*b));
	b->pid = pid;
	b->tid = tid;
	b->state = state;
	pathf(path, sizeof(path), "%s/comm", tdir);
	read_line(path, b->comm, sizeof(b->comm));
	pathf(path, sizeof(path), "%s/stack", tdir);
	f = fopen(path, "re");
	if (f) {
		FILE *m = open_memstream(&stack, &len);
		char buf[512];
		size_t r;

		if (m) {
			while ((r = fread(buf, 1, sizeof(buf), f)) > 0)
				fwrite(buf, 1, r, m);
			fclose(m);
		}
		fclose(f);
	}
	b->stack = stack ? stack : strdup("");
	if (!b->stack)
		return -ENOMEM;
	(*n)++;
	return 0;
}

int klp__blockers(const struct klp_sys *sys, int target, struct klp_blocker **out, size_t *n)
{
	char proc[PATH_MAX], tasks[PATH_MAX + 300], tdir[PATH_MAX + 600], path[PATH_MAX + 620];
	struct dirent *pe, *te;
	DIR *pd, *td;
	long state;
	int ret = 0;

	*out = NULL;
	*n = 0;
	klp_sys__path(sys, proc, sizeof(proc), "/proc");
	pd = opendir(proc);
	if (!pd)
		return -errno;
	while (!ret && (pe = readdir(pd))) {
		if (!all_digits(pe->d_name))
			continue;
		pathf(tasks, sizeof(tasks), "%s/%s/task", proc, pe->d_name);
		td = opendir(tasks);
		if (!td)
			continue;	/* exited meanwhile */
		while ((te = readdir(td))) {
			if (!all_digits(te->d_name))
				continue;
			pathf(tdir, sizeof(tdir), "%s/%s", tasks, te->d_name);
			pathf(path, sizeof(path), "%s/patch_state", tdir);
			if (read_long(path, &state) || state == -1 || state == target)
				continue;
			ret = add_blocker(out, n, (pid_t)atol(pe->d_name), (pid_t)atol(te->d_name),
					  (int)state, tdir);
			if (ret)
				break;
		}
		closedir(td);
	}
	closedir(pd);
	if (ret) {
		klp__blockers_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

void klp__blockers_free(struct klp_blocker *b, size_t n)
{
	size_t i;

	for (i = 0; b && i < n; i++)
		free(b[i].stack);
	free(b);
}

/* ---- modules ---------------------------------------------------------------------------- */

int klp__load(const char *path, const char *params, char *err, size_t errlen)
{
	const char *hint = "";
	char why[1024];
	int fd, ret = 0;

	/* the descriptor checked is the one loaded: nobody swaps the file in between */
	fd = trust__open(path, TRUST_FILE, why, sizeof(why));
	if (fd == -EACCES)
		snprintf(err, errlen, "%s", why);
	else if (fd < 0)
		snprintf(err, errlen, "cannot load '%s': %s", path, why);
	if (fd < 0)
		return fd;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0)) {
		ret = -errno;
		switch (-ret) {
		case EBUSY:
			hint = " (another livepatch in transition, or an IPMODIFY ftrace user on a "
			       "patched function; see dmesg)";
			break;
		case EINVAL:
		case ENOENT:
			hint = " (incompatible with the installed livepatches, or a symbol did not "
			       "resolve; see dmesg)";
			break;
		case ENOEXEC:
			hint = " (vermagic or format does not match this kernel; see dmesg)";
			break;
		case EKEYREJECTED:
		case ENOKEY:
		case EPERM:
			hint = " (signature required by module.sig_enforce or lockdown, or no "
			       "CAP_SYS_MODULE)";
			break;
		case EEXIST:
			hint = " (a module of that name is already loaded)";
			break;
		}
		snprintf(err, errlen, "loading '%s' failed: %s%s", path, strerror(-ret), hint);
	}
	close(fd);
	return ret;
}

int klp__unload(const char *name, char *err, size_t errlen)
{
	char mn[KLP_NAME_MAX];

	modname(mn, sizeof(mn), name);
	if (syscall(SYS_delete_module, mn, O_NONBLOCK)) {
		int ret = -errno;

		snprintf(err, errlen, "unloading module '%s' failed: %s%s", mn, strerror(-ret),
			 ret == -EWOULDBLOCK || ret == -EBUSY ? " (still in use: refcnt > 0; a "
			 "livepatch must be disabled and gone from sysfs first)" : "");
		return ret;
	}
	return 0;
}

int klp__loaded(const struct klp_sys *sys, const char *name)
{
	char mn[KLP_NAME_MAX], path[PATH_MAX];

	modname(mn, sizeof(mn), name);
	klp_sys__path(sys, path, sizeof(path), "/sys/module/%s", mn);
	return is_dir(path);
}

int klp__refcnt(const struct klp_sys *sys, const char *name)
{
	char mn[KLP_NAME_MAX], path[PATH_MAX];
	long v;
	int ret;

	modname(mn, sizeof(mn), name);
	klp_sys__path(sys, path, sizeof(path), "/sys/module/%s/refcnt", mn);
	ret = read_long(path, &v);
	if (ret)
		return ret;
	return v < 0 ? -EINVAL : (int)v;
}

/* ---- kernel facts ----------------------------------------------------------------------- */

/* @rel (a path in modules.dep) is an in-tree module whose vermagic becomes the reference */
static bool ref_from(const char *dir, const char *rel, struct klp_kernel *k)
{
	char kpath[PATH_MAX * 2 + 2], err[256];
	struct klp_mod mod;

	pathf(kpath, sizeof(kpath), "%s/%s", dir, rel);
	if (klp_mod__read(kpath, &mod, err, sizeof(err)))
		return false;
	if (mod.intree && mod.vermagic[0]) {
		set_field(k->ref_vermagic, sizeof(k->ref_vermagic), mod.vermagic);
		set_field(k->ref_vermagic_src, sizeof(k->ref_vermagic_src), kpath);
	}
	klp_mod__free(&mod);
	return k->ref_vermagic[0] != '\0';
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

/*
 * The vermagic of an in-tree module under /lib/modules/<release>: the loaded ones (in
 * /proc/modules) first, then any; at most 8 files are read.
 */
static void find_ref_vermagic(const struct klp_sys *sys, struct klp_kernel *k)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], *line = NULL, *loaded = NULL;
	char name[KLP_NAME_MAX], key[KLP_NAME_MAX + 2], *colon, *base;
	size_t cap = 0, llen = 0;
	int pass, tries = 0;
	bool is_loaded;
	FILE *f, *m;

	klp_sys__path(sys, path, sizeof(path), "/proc/modules");
	f = fopen(path, "re");
	m = open_memstream(&loaded, &llen);
	if (f && m) {
		/* " name1 name2 ... ", to search for " name " */
		fputc(' ', m);
		while (getline(&line, &cap, f) > 0) {
			line[strcspn(line, " \n")] = '\0';
			fprintf(m, "%s ", line);
		}
	}
	if (f)
		fclose(f);
	if (m)
		fclose(m);
	klp_sys__path(sys, dir, sizeof(dir), "/lib/modules/%s", k->release);
	pathf(path, sizeof(path), "%s/modules.dep", dir);
	for (pass = 0; pass < 2 && tries < 8 && !k->ref_vermagic[0]; pass++) {
		f = fopen(path, "re");
		if (!f)
			break;
		while (tries < 8 && !k->ref_vermagic[0] && getline(&line, &cap, f) > 0) {
			colon = strchr(line, ':');
			if (!colon)
				continue;
			*colon = '\0';
			/* .ko.xz and .ko.zst cannot be read: no decompressor for them is linked */
			if (!ends_with(line, ".ko") && !ends_with(line, ".ko.gz"))
				continue;
			base = strrchr(line, '/');
			modname(name, sizeof(name), base ? base + 1 : line);
			name[strcspn(name, ".")] = '\0';
			pathf(key, sizeof(key), " %s ", name);
			is_loaded = loaded && strstr(loaded, key);
			if (is_loaded != (pass == 0))	/* loaded ones in pass 0, others in 1 */
				continue;
			tries++;
			ref_from(dir, line, k);
		}
		fclose(f);
	}
	free(line);
	free(loaded);
}

int klp_kernel__read(const struct klp_sys *sys, struct klp_kernel *k)
{
	char path[PATH_MAX], buf[128], *open_b, *close_b;
	long v;

	memset(k, 0, sizeof(*k));
	klp_sys__path(sys, path, sizeof(path), "/proc/sys/kernel/osrelease");
	read_line(path, k->release, sizeof(k->release));
	k->version = parse_kver(k->release);
	klp_sys__path(sys, path, sizeof(path), "/proc/sys/kernel/version");
	read_line(path, k->uts_version, sizeof(k->uts_version));
	klp_sys__path(sys, path, sizeof(path), "/sys/kernel/livepatch");
	k->livepatch = is_dir(path);
	klp_sys__path(sys, path, sizeof(path), "/proc/sys/kernel/ftrace_enabled");
	k->ftrace_enabled = read_long(path, &v) ? -1 : v != 0;
	klp_sys__path(sys, path, sizeof(path), "/sys/module/module/parameters/sig_enforce");
	k->sig_enforce = read_bool_attr(path);
	klp_sys__path(sys, path, sizeof(path), "/sys/kernel/security/lockdown");
	if (!read_line(path, buf, sizeof(buf))) {
		/* "[none] integrity confidentiality" */
		open_b = strchr(buf, '[');
		close_b = open_b ? strchr(open_b, ']') : NULL;
		if (open_b && close_b) {
			*close_b = '\0';
			snprintf(k->lockdown, sizeof(k->lockdown), "%s", open_b + 1);
		}
	}
	klp_sys__path(sys, path, sizeof(path), "/proc/sys/kernel/tainted");
	if (!read_line(path, buf, sizeof(buf))) {
		char *end;

		errno = 0;
		k->taint = strtoul(buf, &end, 10);
		k->have_taint = !errno && end != buf;
	}
	klp_sys__path(sys, path, sizeof(path), "/proc/cmdline");
	read_line(path, k->cmdline, sizeof(k->cmdline));
	klp_sys__path(sys, path, sizeof(path), "/sys/bus/event_source/devices/kprobe/type");
	k->kprobes = !access(path, F_OK);
	if (!k->kprobes) {
		pathf(path, sizeof(path), "%s/kprobe_events", sys->tracefs);
		k->kprobes = !access(path, F_OK);
	}
	if (k->release[0])
		find_ref_vermagic(sys, k);
	return 0;
}

/* does the space-separated list @s have the word @w */
static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	const char *p = s;

	while ((p = strstr(p, w))) {
		if ((p == s || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

/* @s without leading and trailing spaces, into @buf */
static const char *trim(const char *s, char *buf, size_t len)
{
	size_t n;

	s += strspn(s, " ");
	snprintf(buf, len, "%s", s);
	n = strlen(buf);
	while (n && buf[n - 1] == ' ')
		buf[--n] = '\0';
	return buf;
}

int klp__vermagic_match(const struct klp_kernel *k, const char *vermagic, char *why, size_t len)
{
	char rel[KLP_VERMAGIC_MAX], rest[KLP_VERMAGIC_MAX], ref[KLP_VERMAGIC_MAX];
	bool smp, preempt, rt, ksmp, kpreempt, krt;
	size_t n;

	n = strcspn(vermagic, " ");
	snprintf(rel, sizeof(rel), "%.*s", (int)n, vermagic);
	trim(vermagic + n, rest, sizeof(rest));
	if (!vermagic[0]) {
		snprintf(why, len, "the module has no vermagic");
		return -EINVAL;
	}
	if (strcmp(rel, k->release)) {
		snprintf(why, len, "built for kernel %s, this is %s", rel, k->release);
		return -EINVAL;
	}
	if (k->ref_vermagic[0]) {
		n = strcspn(k->ref_vermagic, " ");
		trim(k->ref_vermagic + n, ref, sizeof(ref));
		if (strcmp(rest, ref)) {
			snprintf(why, len, "vermagic flags '%s' differ from '%s' of in-tree %s",
				 rest, ref, k->ref_vermagic_src);
			return -EINVAL;
		}
		snprintf(why, len, "vermagic '%s %s' matches the kernel and in-tree %s", rel,
			 rest, k->ref_vermagic_src);
		return 0;
	}
	if (!k->uts_version[0]) {
		snprintf(why, len, "release %s matches; flags '%s' not checked (no in-tree module "
			 "file and no kernel version string to compare)", rel, rest);
		return 1;
	}
	smp = has_word(rest, "SMP");
	preempt = has_word(rest, "preempt");
	rt = has_word(rest, "preempt_rt");
	ksmp = has_word(k->uts_version, "SMP");
	krt = has_word(k->uts_version, "PREEMPT_RT");
	kpreempt = has_word(k->uts_version, "PREEMPT") || has_word(k->uts_version,
								    "PREEMPT_DYNAMIC");
	if (smp != ksmp || (krt ? !(rt || preempt) : (preempt != kpreempt || rt))) {
		snprintf(why, len, "vermagic flags '%s' do not fit the kernel's '%s'", rest,
			 k->uts_version);
		return -EINVAL;
	}
	snprintf(why, len, "release %s matches; SMP/preempt flags fit '%s' (no in-tree module "
		 "file to compare mod_unload/modversions with)", rel, k->uts_version);
	return 1;
}

/* ---- forced transitions ----------------------------------------------------------------- */

/* a kernel (facility 0) record of /dev/kmsg, "PRI,SEQ,TS,FLAGS;MESSAGE", containing @needle */
static bool kmsg_line_has(const char *line, const char *needle)
{
	const char *semi = strchr(line, ';');
	char *end;
	long pri;

	if (!semi || line[0] == ' ')
		return false;
	pri = strtol(line, &end, 10);
	if (end == line || *end != ',' || pri >= 8)
		return false;	/* facility != 0: written by a process */
	return strstr(semi + 1, needle) != NULL;
}

static int scan_kmsg(const struct klp_sys *sys, char *why, size_t len)
{
	char path[PATH_MAX], buf[8192], line[2048];
	size_t ll = 0, i;
	int fd, found = 0, rounds = 0;
	ssize_t n;

	klp_sys__path(sys, path, sizeof(path), "/dev/kmsg");
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* /dev/kmsg gives one record per read and EAGAIN at the end; a plain file, chunks */
	while (!found && rounds++ < 1000000) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE)
			continue;	/* records overwritten while reading: go on */
		if (n <= 0)
			break;
		for (i = 0; i < (size_t)n && !found; i++) {
			if (buf[i] != '\n') {
				if (ll + 1 < sizeof(line))
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = '\0';
			ll = 0;
			if (kmsg_line_has(line, FORCED_MSG)) {
				snprintf(why, len, "the kernel log says '%s'", FORCED_MSG);
				found = 1;
			}
		}
	}
	close(fd);
	return found;
}

int klp__forced(const struct klp_sys *sys, char *why, size_t len)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], taint[64];
	struct dirent *de;
	int found, refcnt;
	DIR *d;

	found = scan_kmsg(sys, why, len);
	if (found > 0)
		return 1;
	klp_sys__path(sys, dir, sizeof(dir), "/sys/module");
	d = opendir(dir);
	if (!d)
		return found < 0 && found != -ENOENT ? found : 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		pathf(path, sizeof(path), "%s/%s/taint", dir, de->d_name);
		if (read_line(path, taint, sizeof(taint)) || !strchr(taint, 'K'))
			continue;
		klp_sys__path(sys, path, sizeof(path), "/sys/kernel/livepatch/%s", de->d_name);
		if (is_dir(path))
			continue;
		refcnt = klp__refcnt(sys, de->d_name);
		if (refcnt > 0) {
			snprintf(why, len, "livepatch module '%s' is no longer a patch in "
				 "/sys/kernel/livepatch but keeps refcnt %d: its transition was "
				 "forced, so the kernel never dropped its reference", de->d_name,
				 refcnt);
			closedir(d);
			return 1;
		}
	}
	closedir(d);
	return 0;
}
