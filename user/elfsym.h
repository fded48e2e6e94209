/* SPDX-License-Identifier: GPL-2.0 */
/* Resolve a function symbol of an ELF executable or shared library to a uprobe file offset. */
#ifndef HC_ELFSYM_H
#define HC_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

struct hc_elfsym {
	uint64_t vaddr;		/* st_value */
	uint64_t size;		/* st_size */
	uint64_t offset;	/* file offset, what a uprobe takes */
	int is_dyn;		/* ET_DYN: a PIE or a shared library */
	char build_id[41];	/* GNU build-id as hex, "" when absent */
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

#endif
