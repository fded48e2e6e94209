/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELF symbols: one function resolved to a uprobe file offset (elfsym__resolve), and every
 * defined symbol of a file, data and static ones included, with its GNU build-id, for the
 * lookups by name of userspace hotpatches (elfsymtab__*).
 */
#ifndef HC_ELFSYM_H
#define HC_ELFSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hc_elfsym {
	uint64_t vaddr;	   /* st_value */
	uint64_t size;	   /* st_size */
	uint64_t offset;   /* file offset, what a uprobe takes */
	int is_dyn;	   /* ET_DYN: a PIE or a shared library */
	char build_id[41]; /* GNU build-id as hex, "" when absent */
};

/*
 * Find @symbol, a function defined in @path (.symtab, else .dynsym). Returns 0, or:
 *   -ENOENT  @path does not exist;      -ENOEXEC not an ELF file;
 *   -ESRCH   no such function symbol;   -ENOTUNIQ several functions of that name;
 *   -EINVAL  the symbol is not a function (data, IFUNC resolver, undefined import).
 * @err gets a one-line reason for every failure.
 */
int elfsym__resolve(const char *path, const char *symbol, struct hc_elfsym *out, char *err,
		    size_t errlen);

/*
 * @sym's bytes as they are in @path (st_size of them, from its file offset), into a new
 * buffer @code: 0, or -EFBIG (no size, or more than ELFSYM_CODE_MAX), -EIO (short), -errno
 */
#define ELFSYM_CODE_MAX (1 << 20)
int elfsym__read_code(const char *path, const struct hc_elfsym *sym, uint8_t **code);

/*
 * A stripped binary's .symtab is looked for in its separate debug file: by build-id under
 * ROOT/.build-id/, by .gnu_debuglink beside it, in its .debug/ and under ROOT/<its dir>,
 * ROOT being each directory added here (first) and /usr/lib/debug. 0, or -E2BIG past 8.
 * @dir must stay valid.
 */
int elfsym__add_debug_dir(const char *dir);

/* every defined symbol of .symtab and .dynsym (or the debug file's .symtab when stripped) */
struct elfsymtab_sym {
	char *name;
	uint64_t value; /* st_value */
	uint64_t size;
	unsigned char type; /* STT_* */
};

struct elfsymtab {
	struct elfsymtab_sym *v; /* sorted by name */
	size_t n;
	char build_id[41]; /* hex, "" when absent */
	bool is_dyn;
};

int elfsymtab__load(const char *path, struct elfsymtab *t, char *err, size_t len);
void elfsymtab__free(struct elfsymtab *t);
/*
 * The definition of @name: NULL if none. *@ambiguous is set when two definitions at different
 * addresses exist (static symbols of the same name in several units).
 */
const struct elfsymtab_sym *
elfsymtab__find(const struct elfsymtab *t, const char *name, bool *ambiguous);

#endif
