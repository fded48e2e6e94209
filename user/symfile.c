// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's symbol lists, one pass over a file for every query (symfile.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "symfile.h"

static int symq_cmp(const void *a, const void *b)
{
	return strcmp((*(struct symq *const *)a)->name, (*(struct symq *const *)b)->name);
}

/* @n queries sorted by name, for symq_match(); NULL when out of memory */
static struct symq **symq_index(struct symq *q, size_t n)
{
	struct symq **idx = malloc((n ? n : 1) * sizeof(*idx));
	size_t i;

	if (!idx)
		return NULL;
	for (i = 0; i < n; i++)
		idx[i] = &q[i];
	qsort(idx, n, sizeof(*idx), symq_cmp);
	return idx;
}

/* the queries named @name among the sorted @idx (pointers into the queries) */
static void symq_match(struct symq **idx, size_t n, const char *name, const char *mod,
		       void (*fn)(struct symq *q, void *arg), void *arg)
{
	size_t lo = 0, hi = n, mid, i;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (strcmp(idx[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < n && !strcmp(idx[i]->name, name); i++) {
		struct symq *q = idx[i];

		if (q->obj && (strcmp(q->obj, "vmlinux") ? !mod || strcmp(q->obj, mod) : !!mod))
			continue;
		fn(q, arg);
	}
}

static void count_one(struct symq *q, void *arg)
{
	q->count++;
}

int symfile__count(const char *path, enum symfile kind, struct symq *q, size_t n)
{
	char *line = NULL, name[512], type, *mod, *end;
	struct symq **idx;
	size_t cap = 0, i;
	FILE *f;

	for (i = 0; i < n; i++)
		q[i].count = 0;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	idx = symq_index(q, n);
	if (!idx) {
		fclose(f);
		return -ENOMEM;
	}
	while (getline(&line, &cap, f) > 0) {
		switch (kind) {
		case SYM_KALLSYMS:
			if (sscanf(line, "%*s %c %511s", &type, name) != 2 ||
			    (type != 't' && type != 'T'))
				continue;
			break;
		case SYM_FILTER:
			if (sscanf(line, "%511s", name) != 1)
				continue;
			break;
		case SYM_BLACKLIST:
			if (sscanf(line, "%*s %511s", name) != 1)
				continue;
			break;
		}
		mod = strchr(line, '[');
		if (mod) {
			mod++;
			end = strchr(mod, ']');
			if (end)
				*end = '\0';
		}
		symq_match(idx, n, name, mod, count_one, NULL);
	}
	free(line);
	free(idx);
	fclose(f);
	return 0;
}

struct ef_line {
	bool i, d, klp;
};

static void ef_one(struct symq *q, void *arg)
{
	const struct ef_line *l = arg;

	q->count++;
	q->flag_i |= l->i;
	q->flag_d |= l->d;
	q->klp |= l->klp;
}

/*
 * tracefs enabled_functions (kernel/trace/ftrace.c t_show()):
 *   "name [mod] (refs) R I D O M \ttramp: ... (handler+0x0/0x..)", continuation lines start
 * with a tab ("\tdirect-->..."). A flag column is blank when the flag is off.
 */
int symfile__enabled(const char *path, struct symq *q, size_t n)
{
	char *line = NULL, name[512], mod[128], *p, *tab;
	struct symq **idx;
	struct ef_line l;
	size_t cap = 0, i;
	FILE *f;

	for (i = 0; i < n; i++) {
		q[i].count = 0;
		q[i].flag_i = q[i].flag_d = q[i].klp = false;
	}
	f = fopen(path, "re");
	if (!f)
		return -errno;
	idx = symq_index(q, n);
	if (!idx) {
		fclose(f);
		return -ENOMEM;
	}
	while (getline(&line, &cap, f) > 0) {
		if (line[0] == ' ' || line[0] == '\t' || sscanf(line, "%511s", name) != 1)
			continue;
		mod[0] = '\0';
		p = line + strlen(name);
		if (sscanf(p, " [%127[^]]]", mod) == 1)
			p = strchr(p, ']') + 1;
		p = strchr(p, ')'); /* after "(refs)" */
		if (!p)
			continue;
		p++;
		memset(&l, 0, sizeof(l));
		l.klp = strstr(p, "klp_ftrace_handler") != NULL;
		tab = strchr(p, '\t');
		if (tab)
			*tab = '\0';
		/* the flags are one-letter words; " ->func" or the tab ends them */
		for (; *p && *p != '\n'; p++) {
			if (*p == ' ')
				continue;
			if (p[1] != ' ' && p[1] != '\0' && p[1] != '\n')
				break;
			l.i |= *p == 'I';
			l.d |= *p == 'D';
		}
		symq_match(idx, n, name, mod[0] ? mod : NULL, ef_one, &l);
	}
	free(line);
	free(idx);
	fclose(f);
	return 0;
}
