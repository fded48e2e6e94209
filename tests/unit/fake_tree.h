/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake system tree for unit tests of code that reads /sys, /proc and module files: the
 * test sets @root to a temporary directory and builds what it needs below it.
 * Header-only: each test binary is one translation unit.
 */
#ifndef HC_TEST_FAKE_TREE_H
#define HC_TEST_FAKE_TREE_H

#include <elf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <ftw.h>
#include <unistd.h>

static char root[PATH_MAX];

static void mkdirs(const char *rel)
{
	char path[2 * PATH_MAX + 256], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void __attribute__((format(printf, 2, 3))) put(const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX + 200], dir[PATH_MAX + 200], *slash;
	va_list ap;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		mkdirs(dir);
	}
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static char *at(const char *rel)
{
	static char path[4][PATH_MAX + 200];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", root, rel);
	return path[i];
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/*
 * Compile the C @source into ROOT/@rel, an object file standing in for a .ko: what modinfo
 * and the checks read of a module is its sections. False when no compiler works (the
 * caller skips). @sig_len > 0 appends a fake PKCS#7 signature of that many bytes, its
 * struct module_signature (id_type 2, big-endian length) and the kernel's marker.
 */
static inline bool fake_module(const char *rel, const char *source, unsigned int sig_len)
{
	char src[PATH_MAX + 200], cmd[3 * PATH_MAX], dir[PATH_MAX], *out = at(rel), *slash;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		mkdirs(dir);
	}
	snprintf(src, sizeof(src), "%s/gen-%d.c", root, getpid());
	f = fopen(src, "w");
	assert_non_null(f);
	fputs(source, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cc -c -O2 -w -o '%s' '%s' 2>/dev/null", out, src);
	if (system(cmd)) {
		unlink(src);
		return false;
	}
	unlink(src);
	chmod(out, 0644);
	if (sig_len) {
		unsigned char ms[12] = {
			0, 0, 2, 0, 0, 0, 0, 0, sig_len >> 24, sig_len >> 16, sig_len >> 8, sig_len
		};
		unsigned int i;

		f = fopen(out, "ab");
		assert_non_null(f);
		for (i = 0; i < sig_len; i++)
			fputc(0x30, f);
		fwrite(ms, 1, sizeof(ms), f);
		fputs("~Module signature appended~\n", f);
		fclose(f);
	}
	return true;
}

/* ROOT/@rel: an ELF core file like /proc/kcore whose one segment holds @code at @vaddr */
static inline void fake_kcore(const char *rel, uint64_t vaddr, const void *code, size_t size)
{
	Elf64_Ehdr eh = { .e_type = ET_CORE,
			  .e_machine = EM_X86_64,
			  .e_version = EV_CURRENT,
			  .e_phoff = sizeof(Elf64_Ehdr),
			  .e_ehsize = sizeof(Elf64_Ehdr),
			  .e_phentsize = sizeof(Elf64_Phdr),
			  .e_phnum = 1 };
	Elf64_Phdr ph = { .p_type = PT_LOAD,
			  .p_offset = 4096,
			  .p_vaddr = vaddr,
			  .p_filesz = size,
			  .p_memsz = size,
			  .p_flags = PF_R | PF_X };
	FILE *f;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	f = fopen(at(rel), "we");
	if (!f || fwrite(&eh, sizeof(eh), 1, f) != 1 || fwrite(&ph, sizeof(ph), 1, f) != 1 ||
	    fseek(f, 4096, SEEK_SET) || fwrite(code, size, 1, f) != 1 || fclose(f)) {
		fprintf(stderr, "cannot write %s\n", at(rel));
		abort();
	}
}

#endif
