// SPDX-License-Identifier: GPL-2.0
/*
 * user/elfsym.c against the fixtures and the system's libc. Every expected figure comes from
 * an independent source: a minimal ELF64 reader below (not libelf), readelf(1), and the
 * bytes the dynamic loader mapped into this very process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "elfsym.h"

#define FIXTURE	   FIXTURE_DIR "/fixture"
#define LIBFIXTURE FIXTURE_DIR "/libfixture.so"
#define NESTED	   FIXTURE_DIR "/nested"

/* .gnu.version: the bit of a hidden (non-default, "name@VER") definition */
#define VERSYM_HIDDEN_BIT 0x8000

/* ---- a minimal ELF64 reader, independent of the code under test ------------------------------ */

struct elf_file {
	unsigned char *data;
	size_t size;
	const Elf64_Ehdr *eh;
};

static void elf_load(const char *path, struct elf_file *f)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;

	if (!fp)
		fail_msg("cannot open %s", path);
	assert_int_equal(fstat(fileno(fp), &st), 0);
	f->size = (size_t)st.st_size;
	f->data = malloc(f->size);
	assert_non_null(f->data);
	assert_int_equal(fread(f->data, 1, f->size, fp), f->size);
	fclose(fp);
	assert_true(f->size >= sizeof(Elf64_Ehdr));
	assert_memory_equal(f->data, ELFMAG, SELFMAG);
	assert_int_equal(f->data[EI_CLASS], ELFCLASS64);
	f->eh = (const Elf64_Ehdr *)f->data;
}

static void elf_unload(struct elf_file *f)
{
	free(f->data);
	memset(f, 0, sizeof(*f));
}

static const Elf64_Shdr *elf_shdr(const struct elf_file *f, unsigned int i)
{
	assert_true(i < f->eh->e_shnum);
	assert_true(f->eh->e_shoff + (i + 1) * sizeof(Elf64_Shdr) <= f->size);
	return (const Elf64_Shdr *)(f->data + f->eh->e_shoff) + i;
}

static const Elf64_Phdr *elf_phdr(const struct elf_file *f, unsigned int i)
{
	assert_true(i < f->eh->e_phnum);
	assert_true(f->eh->e_phoff + (i + 1) * sizeof(Elf64_Phdr) <= f->size);
	return (const Elf64_Phdr *)(f->data + f->eh->e_phoff) + i;
}

/* the .gnu.version entries, parallel to .dynsym; NULL if there are none */
static const Elf64_Half *elf_versym(const struct elf_file *f)
{
	unsigned int i;

	for (i = 0; i < f->eh->e_shnum; i++)
		if (elf_shdr(f, i)->sh_type == SHT_GNU_versym)
			return (const Elf64_Half *)(f->data + elf_shdr(f, i)->sh_offset);
	return NULL;
}

/*
 * The first defined symbol @name in the tables of type @sh_type. In .dynsym, definitions under
 * a hidden version (name@VER, not name@@VER) are skipped: nothing binds to them by name.
 */
static const Elf64_Sym *
elf_find_defined(const struct elf_file *f, unsigned int sh_type, const char *name)
{
	const Elf64_Half *versym = sh_type == SHT_DYNSYM ? elf_versym(f) : NULL;
	unsigned int i;

	for (i = 0; i < f->eh->e_shnum; i++) {
		const Elf64_Shdr *sh = elf_shdr(f, i), *str;
		const Elf64_Sym *sym;
		size_t k, n;

		if (sh->sh_type != sh_type || !sh->sh_entsize)
			continue;
		str = elf_shdr(f, sh->sh_link);
		sym = (const Elf64_Sym *)(f->data + sh->sh_offset);
		n = sh->sh_size / sh->sh_entsize;
		for (k = 0; k < n; k++) {
			if (sym[k].st_shndx == SHN_UNDEF || sym[k].st_name >= str->sh_size)
				continue;
			if (versym && (versym[k] & VERSYM_HIDDEN_BIT))
				continue;
			if (!strcmp((const char *)f->data + str->sh_offset + sym[k].st_name, name))
				return &sym[k];
		}
	}
	return NULL;
}

/* what a uprobe needs: .symtab if there is one, else .dynsym, as documented in elfsym.h */
static const Elf64_Sym *elf_find_function(const struct elf_file *f, const char *name)
{
	const Elf64_Sym *s = elf_find_defined(f, SHT_SYMTAB, name);

	if (!s)
		s = elf_find_defined(f, SHT_DYNSYM, name);
	return s;
}

/* file offset of @vaddr through the program headers; *@exec: its segment is executable */
static int64_t elf_segment_offset(const struct elf_file *f, uint64_t vaddr, int *exec)
{
	unsigned int i;

	for (i = 0; i < f->eh->e_phnum; i++) {
		const Elf64_Phdr *ph = elf_phdr(f, i);

		if (ph->p_type != PT_LOAD)
			continue;
		if (vaddr >= ph->p_vaddr && vaddr < ph->p_vaddr + ph->p_filesz) {
			*exec = !!(ph->p_flags & PF_X);
			return (int64_t)(vaddr - ph->p_vaddr + ph->p_offset);
		}
	}
	return -1;
}

/* file offset of a symbol through the section that holds it */
static uint64_t elf_section_offset(const struct elf_file *f, const Elf64_Sym *sym)
{
	const Elf64_Shdr *sh = elf_shdr(f, sym->st_shndx);

	assert_true(sh->sh_type == SHT_PROGBITS);
	assert_true(sh->sh_flags & SHF_EXECINSTR);
	assert_true(sym->st_value >= sh->sh_addr);
	assert_true(sym->st_value + sym->st_size <= sh->sh_addr + sh->sh_size);
	return sh->sh_offset + (sym->st_value - sh->sh_addr);
}

/* the NT_GNU_BUILD_ID note of any SHT_NOTE section, as lower-case hex; "" if none */
static void elf_build_id(const struct elf_file *f, char *out, size_t len)
{
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < f->eh->e_shnum; i++) {
		const Elf64_Shdr *sh = elf_shdr(f, i);
		size_t off = 0;

		if (sh->sh_type != SHT_NOTE)
			continue;
		while (off + sizeof(Elf64_Nhdr) <= sh->sh_size) {
			const Elf64_Nhdr *nh = (const Elf64_Nhdr *)(f->data + sh->sh_offset + off);
			const unsigned char *name = (const unsigned char *)(nh + 1);
			const unsigned char *desc = name + ((nh->n_namesz + 3) & ~3U);
			size_t k;

			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4)) {
				for (k = 0; k < nh->n_descsz && 2 * k + 2 < len; k++)
					snprintf(out + 2 * k, 3, "%02x", desc[k]);
				return;
			}
			off += sizeof(*nh) + ((nh->n_namesz + 3) & ~3U) +
			       ((nh->n_descsz + 3) & ~3U);
		}
	}
}

/* ---- readelf(1) ---- */

/* the GNU build-id readelf -n reports, "" if none; returns -1 when readelf cannot be run */
static int readelf_build_id(const char *path, char *out, size_t len)
{
	char cmd[512], line[512];
	FILE *p;
	int rc;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "readelf -n '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *b = strstr(line, "Build ID: ");

		if (b && !out[0])
			snprintf(out, len, "%.*s", (int)strcspn(b + 10, " \r\n"), b + 10);
	}
	rc = pclose(p);
	return rc == 0 ? 0 : -1;
}

/* ---- the checks ---- */

static void check_function(const char *path, const char *symbol, int want_dyn)
{
	struct hc_elfsym out;
	struct elf_file f;
	const Elf64_Sym *sym;
	char err[512] = "", build_id[128];
	int64_t seg_off;
	uint64_t sec_off;
	size_t n;
	int exec = 0, ret;

	memset(&out, 0x5a, sizeof(out));
	ret = elfsym__resolve(path, symbol, &out, err, sizeof(err));
	if (ret)
		fail_msg("%s:%s: returned %d (%s)", path, symbol, ret, err);

	elf_load(path, &f);
	assert_int_equal(out.is_dyn, f.eh->e_type == ET_DYN);
	assert_int_equal(out.is_dyn, want_dyn);
	sym = elf_find_function(&f, symbol);
	if (!sym)
		fail_msg("%s: my reader finds no '%s'", path, symbol);
	assert_int_equal(ELF64_ST_TYPE(sym->st_info), STT_FUNC);
	assert_int_equal(out.vaddr, sym->st_value);
	assert_int_equal(out.size, sym->st_size);
	assert_true(out.size > 0);

	/* the offset, through the loadable segments and, separately, through the section */
	seg_off = elf_segment_offset(&f, sym->st_value, &exec);
	assert_true(seg_off >= 0);
	assert_true(exec);
	sec_off = elf_section_offset(&f, sym);
	if (out.offset != (uint64_t)seg_off || out.offset != sec_off)
		fail_msg("%s:%s: offset %#llx, segments say %#llx, section says %#llx", path,
			 symbol, (unsigned long long)out.offset, (unsigned long long)seg_off,
			 (unsigned long long)sec_off);
	assert_true(out.offset + out.size <= f.size);
	/* an ET_EXEC is mapped at its link address: the offset is not the address */
	if (!want_dyn)
		assert_int_not_equal(out.offset, out.vaddr);

	/* the bytes there are the function's: the same through the segment mapping */
	n = out.size < 64 ? out.size : 64;
	assert_memory_equal(f.data + out.offset, f.data + seg_off, n);
	assert_memory_equal(f.data + out.offset, f.data + sec_off, n);

	/* build-id, as the notes hold it and as readelf -n sees it */
	elf_build_id(&f, build_id, sizeof(build_id));
	assert_string_equal(out.build_id, build_id);
	if (readelf_build_id(path, build_id, sizeof(build_id)) == 0) {
		assert_true(strlen(out.build_id) < sizeof(out.build_id));
		assert_string_equal(out.build_id, build_id);
	} else {
		print_message("readelf not available: build-id of %s not checked\n", path);
	}
	elf_unload(&f);
}

/* the code the dynamic loader mapped is what lies at the resolved file offset */
static void check_against_memory(const char *path, void *addr, const char *symbol)
{
	struct hc_elfsym out;
	struct elf_file f;
	char err[512] = "";
	size_t n;
	int ret;

	ret = elfsym__resolve(path, symbol, &out, err, sizeof(err));
	if (ret)
		fail_msg("%s:%s: returned %d (%s)", path, symbol, ret, err);
	elf_load(path, &f);
	n = out.size < 256 ? out.size : 256;
	assert_true(n > 0);
	if (memcmp(f.data + out.offset, addr, n))
		fail_msg("%s:%s: the file bytes at offset %#llx differ from the loaded code", path,
			 symbol, (unsigned long long)out.offset);
	elf_unload(&f);
}

/* every fixture is linked with a GNU build-id (the default of Debian's toolchain) */
static void test_fixture_build_ids(void **state)
{
	static const char *const paths[] = { FIXTURE, LIBFIXTURE, NESTED };
	static const char *const syms[] = { "fixture_work", "fixture_lib_work", "inner" };
	char ids[3][sizeof(((struct hc_elfsym *)0)->build_id)];
	struct hc_elfsym out;
	char err[512] = "";
	size_t i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(elfsym__resolve(paths[i], syms[i], &out, err, sizeof(err)), 0);
		/* hex: 40 digits for ld's default SHA-1, 32 for --build-id=md5 or uuid */
		assert_in_range(strlen(out.build_id), 32, 40);
		assert_int_equal(strspn(out.build_id, "0123456789abcdef"), strlen(out.build_id));
		memcpy(ids[i], out.build_id, sizeof(ids[i]));
	}
	/* three different binaries, three different ids */
	assert_string_not_equal(ids[0], ids[1]);
	assert_string_not_equal(ids[0], ids[2]);
	assert_string_not_equal(ids[1], ids[2]);
}

static void test_pie(void **state)
{
	check_function(FIXTURE, "fixture_work", 1);
	check_function(FIXTURE, "main", 1);
	/* a static function, only in .symtab */
	check_function(FIXTURE, "spin_ns", 1);
}

static void test_shared_object(void **state)
{
	void *h, *fn;

	check_function(LIBFIXTURE, "fixture_lib_work", 1);
	h = dlopen(LIBFIXTURE, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		fail_msg("dlopen %s: %s", LIBFIXTURE, dlerror());
	fn = dlsym(h, "fixture_lib_work");
	assert_non_null(fn);
	check_against_memory(LIBFIXTURE, fn, "fixture_lib_work");
	dlclose(h);
}

static void test_non_pie(void **state)
{
	check_function(NESTED, "recurse", 0);
	check_function(NESTED, "inner", 0);
	check_function(NESTED, "outer", 0);
}

/* libc's path, from where the loader found getpid() */
static const char *libc_path(void)
{
	static char path[512];
	Dl_info info;
	void *fn = dlsym(RTLD_DEFAULT, "getpid");

	assert_non_null(fn);
	assert_true(dladdr(fn, &info) != 0);
	assert_non_null(info.dli_fname);
	snprintf(path, sizeof(path), "%s", info.dli_fname);
	return path;
}

/*
 * libc's own definition of @name: not RTLD_DEFAULT's, which a sanitizer build's interceptor
 * (posix_spawn, ...) comes before
 */
static void *libc_sym(const char *name)
{
	void *h = dlopen(libc_path(), RTLD_NOW | RTLD_NOLOAD);
	void *fn;

	assert_non_null(h);
	fn = dlsym(h, name);
	dlclose(h);
	assert_non_null(fn);
	return fn;
}

/* a stripped library: only .dynsym */
static void test_libc_function(void **state)
{
	const char *libc = libc_path();

	check_function(libc, "getpid", 1);
	check_against_memory(libc, libc_sym("getpid"), "getpid");
}

/* defined functions @name in .dynsym at an address other than the default version's */
static int hidden_variants(const struct elf_file *f, const char *name, uint64_t def)
{
	const Elf64_Half *versym = elf_versym(f);
	unsigned int i;
	int n = 0;

	for (i = 0; versym && i < f->eh->e_shnum; i++) {
		const Elf64_Shdr *sh = elf_shdr(f, i), *str;
		const Elf64_Sym *sym;
		size_t k;

		if (sh->sh_type != SHT_DYNSYM || !sh->sh_entsize)
			continue;
		str = elf_shdr(f, sh->sh_link);
		sym = (const Elf64_Sym *)(f->data + sh->sh_offset);
		for (k = 0; k < sh->sh_size / sh->sh_entsize; k++)
			if (sym[k].st_shndx != SHN_UNDEF && (versym[k] & VERSYM_HIDDEN_BIT) &&
			    sym[k].st_value != def &&
			    !strcmp((const char *)f->data + str->sh_offset + sym[k].st_name, name))
				n++;
	}
	return n;
}

/*
 * Symbol versions. libc keeps old implementations under hidden versions, e.g. posix_spawn@
 * GLIBC_2.2.5 beside the default posix_spawn@@GLIBC_2.15, at another address. Programs and
 * dlsym() get the default one, so that is the function to probe: the name is not ambiguous.
 */
static void test_libc_versioned(void **state)
{
	static const char *const names[] = { "posix_spawn", "pthread_cond_init", "fmemopen" };
	const char *libc = libc_path();
	struct elf_file f;
	size_t i, checked = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const Elf64_Sym *def;
		bool func;
		int variants;

		elf_load(libc, &f);
		def = elf_find_defined(&f, SHT_DYNSYM, names[i]);
		variants = def ? hidden_variants(&f, names[i], def->st_value) : 0;
		/* def points into the file's image: read it before the unload */
		func = def && ELF64_ST_TYPE(def->st_info) == STT_FUNC;
		elf_unload(&f);
		if (!func || !variants) {
			print_message("%s has no older version elsewhere in %s\n", names[i], libc);
			continue;
		}
		check_function(libc, names[i], 1);
		check_against_memory(libc, libc_sym(names[i]), names[i]);
		checked++;
	}
	if (!checked)
		skip();
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void check_error(const char *path, const char *symbol, int want, const char *needle);

/*
 * Two static functions of the same name in two units of one library: a probe on "helper"
 * could mean either, so it is refused. Built here with the compiler that built this test.
 */
static void test_ambiguous_static(void **state)
{
	char dir[] = "/tmp/hc-elfsym.XXXXXX", a[64], b[64], so[64], cmd[512];
	struct hc_elfsym out;
	char err[512] = "";

	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a.c", dir);
	snprintf(b, sizeof(b), "%s/b.c", dir);
	snprintf(so, sizeof(so), "%s/libdup.so", dir);
	write_file(a, "__attribute__((noinline, used)) static int helper(int x) { return x + 1; }\n"
		      "int a_entry(int x) { return helper(x); }\n");
	write_file(b, "__attribute__((noinline, used)) static int helper(int x) { return x * 3; }\n"
		      "int b_entry(int x) { return helper(x); }\n");
	snprintf(cmd, sizeof(cmd), "cc -O1 -fPIC -shared -o %s %s %s 2>/dev/null", so, a, b);
	if (system(cmd) != 0) {
		unlink(a);
		unlink(b);
		rmdir(dir);
		print_message("no C compiler to build %s\n", so);
		skip();
	}
	check_error(so, "helper", -ENOTUNIQ, "helper");
	/* the functions around it are fine */
	assert_int_equal(elfsym__resolve(so, "a_entry", &out, err, sizeof(err)), 0);
	assert_int_equal(elfsym__resolve(so, "b_entry", &out, err, sizeof(err)), 0);
	unlink(so);
	unlink(a);
	unlink(b);
	rmdir(dir);
}

static void check_error(const char *path, const char *symbol, int want, const char *needle)
{
	struct hc_elfsym out;
	char err[512];
	int ret;

	err[0] = '\0';
	ret = elfsym__resolve(path, symbol, &out, err, sizeof(err));
	if (ret != want)
		fail_msg("%s:%s: returned %d (%s), expected %d (offset %#llx)", path, symbol, ret,
			 err, want, ret ? 0ULL : (unsigned long long)out.offset);
	if (!err[0])
		fail_msg("%s:%s: no error message", path, symbol);
	if (!strstr(err, path))
		fail_msg("%s:%s: the message does not name the file: '%s'", path, symbol, err);
	if (needle && !strstr(err, needle))
		fail_msg("%s:%s: the message lacks '%s': '%s'", path, symbol, needle, err);
}

static void test_error_missing_file(void **state)
{
	check_error(FIXTURE_DIR "/no-such-binary", "main", -ENOENT, NULL);
}

static void test_error_not_elf(void **state)
{
	char obj[512];

	check_error(SRC_DIR "/Makefile", "main", -ENOEXEC, NULL);
	check_error(SRC_DIR "/tests/fixtures/fixture.c", "fixture_work", -ENOEXEC, NULL);
	/* an empty file */
	check_error("/dev/null", "main", -ENOEXEC, NULL);
	/* an ELF, but a relocatable object: neither executable nor shared library */
	snprintf(obj, sizeof(obj), "%s/../obj/funcspec.o", FIXTURE_DIR);
	if (access(obj, R_OK) == 0)
		check_error(obj, "funcspec__parse", -ENOEXEC, NULL);
}

static void test_error_unknown_symbol(void **state)
{
	check_error(FIXTURE, "no_such_function", -ESRCH, "no_such_function");
	check_error(NESTED, "fixture_work", -ESRCH, NULL);
	check_error(libc_path(), "no_such_function_in_libc", -ESRCH, NULL);
	/* a prefix of a real name is not that name */
	check_error(FIXTURE, "fixture_wor", -ESRCH, NULL);
}

static void test_error_data_symbol(void **state)
{
	const char *libc = libc_path();
	struct elf_file f;
	const Elf64_Sym *s;

	/* make sure the premise holds: environ is a data object in libc */
	elf_load(libc, &f);
	s = elf_find_defined(&f, SHT_DYNSYM, "environ");
	assert_non_null(s);
	assert_int_equal(ELF64_ST_TYPE(s->st_info), STT_OBJECT);
	elf_unload(&f);
	check_error(libc, "environ", -EINVAL, "environ");
	check_error(libc, "stdout", -EINVAL, "stdout");
}

/*
 * IFUNC resolvers. "memcpy" is the interesting one: libc also defines the GLIBC_2.2.5 compat
 * memcpy, a plain function under a hidden (non-default) version. Nothing binds to a hidden
 * version, so resolving "memcpy" must judge the default memcpy@@GLIBC_2.14, an IFUNC.
 */
static void test_error_ifunc(void **state)
{
	const char *libc = libc_path();
	static const char *const names[] = { "strlen", "memcpy" };
	struct elf_file f;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const Elf64_Sym *s;
		bool ifunc;

		elf_load(libc, &f);
		s = elf_find_defined(&f, SHT_DYNSYM, names[i]);
		ifunc = s && ELF64_ST_TYPE(s->st_info) == STT_GNU_IFUNC;
		elf_unload(&f);
		if (!ifunc) {
			print_message("%s in %s is not an IFUNC here\n", names[i], libc);
			continue;
		}
		check_error(libc, names[i], -EINVAL, "IFUNC");
	}
}

static void test_error_import(void **state)
{
	check_error(FIXTURE, "clock_gettime", -EINVAL, "imported");
	check_error(FIXTURE, "printf", -EINVAL, "imported");
	/* defined in libfixture.so, imported by the fixture */
	check_error(FIXTURE, "fixture_lib_work", -EINVAL, "imported");
	check_error(LIBFIXTURE, "clock_gettime", -EINVAL, "imported");
}

/*
 * Stripped binaries and their separate debug files: found by .gnu_debuglink in .debug/ and by
 * build-id under a --debug-dir root; the offsets are those of the unstripped binary. Without a
 * debug file, the error says how to get one.
 */
static void test_debug_file(void **state)
{
	static const char *const funcs[] = { "recurse", "inner", "outer" };
	char root[] = "/tmp/hc-debug.XXXXXX", dir[128], link[256], err[512];
	struct hc_elfsym full, s, rec = { 0 };
	struct elfsymtab t;
	const struct elfsymtab_sym *ts;
	bool amb;
	size_t i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(elfsym__resolve(NESTED, funcs[i], &full, err, sizeof(err)), 0);
		memset(&s, 0, sizeof(s));
		assert_int_equal(elfsym__resolve(FIXTURE_DIR "/stripped/nested", funcs[i], &s, err,
						 sizeof(err)),
				 0);
		assert_int_equal(s.offset, full.offset);
		assert_int_equal(s.vaddr, full.vaddr);
		assert_int_equal(s.size, full.size);
		assert_string_equal(s.build_id, full.build_id);
		if (!i)
			rec = full;
	}
	assert_int_equal(elfsymtab__load(FIXTURE_DIR "/stripped/nested", &t, err, sizeof(err)), 0);
	ts = elfsymtab__find(&t, "recurse", &amb);
	assert_non_null(ts);
	assert_int_equal(ts->value, rec.vaddr);
	elfsymtab__free(&t);

	/* no link, no root that has it: not found, and the remedy is given */
	assert_int_equal(elfsym__resolve(FIXTURE_DIR "/stripped-id/nested", "recurse", &s, err,
					 sizeof(err)),
			 -ESRCH);
	assert_non_null(strstr(err, "it is stripped and no debug file was found"));
	assert_non_null(strstr(err, "--debug-dir"));

	/* ROOT/.build-id/xx/rest.debug, as a -dbgsym package installs it */
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/.build-id", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/.build-id/%.2s", root, rec.build_id);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(link, sizeof(link), "%s/%s.debug", dir, rec.build_id + 2);
	assert_int_equal(symlink(FIXTURE_DIR "/stripped/.debug/nested.debug", link), 0);
	assert_int_equal(elfsym__add_debug_dir(root), 0);
	assert_int_equal(elfsym__resolve(FIXTURE_DIR "/stripped-id/nested", "recurse", &s, err,
					 sizeof(err)),
			 0);
	assert_int_equal(s.offset, rec.offset);
	unlink(link);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/.build-id", root);
	rmdir(dir);
	rmdir(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pie),
		cmocka_unit_test(test_fixture_build_ids),
		cmocka_unit_test(test_shared_object),
		cmocka_unit_test(test_non_pie),
		cmocka_unit_test(test_libc_function),
		cmocka_unit_test(test_libc_versioned),
		cmocka_unit_test(test_debug_file),
		cmocka_unit_test(test_ambiguous_static),
		cmocka_unit_test(test_error_missing_file),
		cmocka_unit_test(test_error_not_elf),
		cmocka_unit_test(test_error_unknown_symbol),
		cmocka_unit_test(test_error_data_symbol),
		cmocka_unit_test(test_error_ifunc),
		cmocka_unit_test(test_error_import),
	};

	return cmocka_run_group_tests_name("elfsym", tests, NULL, NULL);
}
