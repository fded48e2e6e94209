/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every defined symbol of an ELF file (.symtab and .dynsym, functions and data, static
 * included) with its GNU build-id, for lookups by name that user/elfsym.c (functions only,
 * one at a time) does not cover.
 */
#ifndef HC_ELFSYMTAB_H
#define HC_ELFSYMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elfsymtab_sym {
	char *name;
	uint64_t value;		/* st_value */
	uint64_t size;
	unsigned char type;	/* STT_* */
};

struct elfsymtab {
	struct elfsymtab_sym *v;	/* sorted by name */
	size_t n;
	char build_id[41];		/* hex, "" when absent */
	bool is_dyn;
};

int elfsymtab__load(const char *path, struct elfsymtab *t, char *err, size_t len);
void elfsymtab__free(struct elfsymtab *t);
/*
 * The definition of @name: NULL if none. *@ambiguous is set when two definitions at different
 * addresses exist (static symbols of the same name in several units).
 */
const struct elfsymtab_sym *elfsymtab__find(const struct elfsymtab *t, const char *name,
					    bool *ambiguous);

#endif
