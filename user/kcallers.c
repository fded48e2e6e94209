// SPDX-License-Identifier: GPL-2.0
/*
 * Callers of a kernel function, from the kernel's own text (kcallers.h). Without debug info
 * (Debian's cloud kernels ship none) the running text is the one record of who calls what:
 * /proc/kcore gives it, /proc/kallsyms says which function each byte belongs to.
 */
#include <capstone/capstone.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kcallers.h"

/* longer than any kernel function: a symbol followed by a gap (the end of vmlinux's text) */
#define FUNC_MAX (256 * 1024)
#define WINDOW	 (1024 * 1024)

static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };

static bool in_sorted(const uint64_t *t, size_t n, uint64_t a)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t[mid] == a)
			return true;
		if (t[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* where a call, jmp or jcc with a rel32 at @code[@k] lands; its length, or 0 if it is none */
static size_t rel32_dest(const uint8_t *code, size_t size, size_t k, uint64_t addr, uint64_t *dest)
{
	size_t len, op;
	int32_t rel;

	if (code[k] == 0xe8 || code[k] == 0xe9)
		len = 5, op = 1;
	else if (code[k] == 0x0f && k + 1 < size && (code[k + 1] & 0xf0) == 0x80)
		len = 6, op = 2;
	else
		return 0;
	if (k + len > size)
		return 0;
	memcpy(&rel, code + k + op, sizeof(rel)); /* x86 is little-endian */
	*dest = addr + k + len + (uint64_t)(int64_t)rel;
	return len;
}

int kcallers__scan(const uint8_t *code, size_t size, uint64_t addr, const uint64_t *targets,
		   size_t nt)
{
	const uint8_t *p = code;
	uint64_t pc = addr, dest;
	size_t k, left = size;
	bool maybe = false;
	cs_insn *insn;
	int n = 0;
	csh cs;

	/* a byte scan first: almost no function calls the target, and capstone is slow */
	for (k = 0; k < size && !maybe; k++)
		maybe = rel32_dest(code, size, k, addr, &dest) && in_sorted(targets, nt, dest);
	if (!maybe)
		return 0;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return -ENOMEM;
	insn = cs_malloc(cs);
	if (!insn) {
		cs_close(&cs);
		return -ENOMEM;
	}
	while (left) {
		if (!cs_disasm_iter(cs, &p, &left, &pc, insn)) {
			/* not code (a jump table, padding): resynchronise on the next byte */
			p++, left--, pc++;
			continue;
		}
		k = (size_t)(insn->address - addr);
		if (rel32_dest(code, size, k, addr, &dest) == insn->size &&
		    in_sorted(targets, nt, dest))
			n++;
	}
	cs_free(insn, 1);
	cs_close(&cs);
	return n;
}

/* ---- the kernel's symbols ----------------------------------------------------------------- */

struct ksym {
	uint64_t addr;
	char *name;
	char *mod;
	size_t group; /* index of the first symbol at this address */
};

struct ktext {
	struct ksym *s;
	size_t n;
	char **traceable; /* "name" or "name mod", sorted */
	size_t nt;
	char **names; /* every text symbol's name, sorted: is a name unique? */
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void ktext__free(struct ktext *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->s[i].name);
		free(t->s[i].mod);
	}
	for (i = 0; i < t->nt; i++)
		free(t->traceable[i]);
	free(t->s);
	free(t->traceable);
	free(t->names);
	memset(t, 0, sizeof(*t));
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*v, (*cap ? *cap * 2 : 4096) * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = *cap ? *cap * 2 : 4096;
	return 0;
}

static int ktext__read_kallsyms(struct ktext *t, const char *path)
{
	char *line = NULL, name[512], mod[128], type;
	size_t cap = 0, scap = 0, i;
	unsigned long long addr;
	bool any_addr = false;
	int ret = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		mod[0] = '\0';
		if (sscanf(line, "%llx %c %511s [%127[^]]]", &addr, &type, name, mod) < 3 ||
		    (type != 't' && type != 'T'))
			continue;
		ret = grow((void **)&t->s, &scap, t->n, sizeof(*t->s));
		if (ret)
			break;
		t->s[t->n].addr = addr;
		t->s[t->n].name = strdup(name);
		t->s[t->n].mod = mod[0] ? strdup(mod) : NULL;
		if (!t->s[t->n].name || (mod[0] && !t->s[t->n].mod)) {
			free(t->s[t->n].name);
			free(t->s[t->n].mod);
			ret = -ENOMEM;
			break;
		}
		any_addr |= addr != 0;
		t->n++;
	}
	free(line);
	fclose(f);
	if (ret)
		return ret;
	/* kptr_restrict shows zeros to whoever lacks CAP_SYSLOG */
	if (t->n && !any_addr)
		return -EPERM;
	qsort(t->s, t->n, sizeof(*t->s), ksym_cmp);
	t->names = malloc((t->n ? t->n : 1) * sizeof(*t->names));
	if (!t->names)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		t->s[i].group = i && t->s[i - 1].addr == t->s[i].addr ? t->s[i - 1].group : i;
		t->names[i] = t->s[i].name;
	}
	qsort(t->names, t->n, sizeof(*t->names), str_cmp);
	return 0;
}

static int ktext__read_filter(struct ktext *t, const char *path)
{
	char *line = NULL, name[512], mod[128], *key;
	size_t cap = 0, tcap = 0;
	int ret = 0, n;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		n = sscanf(line, "%511s [%127[^]]]", name, mod);
		if (n < 1)
			continue;
		ret = grow((void **)&t->traceable, &tcap, t->nt, sizeof(*t->traceable));
		if (ret)
			break;
		if (n == 2 ? asprintf(&key, "%s %s", name, mod) < 0 : !(key = strdup(name))) {
			ret = -ENOMEM;
			break;
		}
		t->traceable[t->nt++] = key;
	}
	free(line);
	fclose(f);
	if (!ret)
		qsort(t->traceable, t->nt, sizeof(*t->traceable), str_cmp);
	return ret;
}

/* can the monitor watch @s: ftrace can trace it and its name alone finds it */
static bool ktext__watchable(const struct ktext *t, const struct ksym *s)
{
	char key[700];
	const char *k = key, *n = s->name;
	char *const *lo;

	snprintf(key, sizeof(key), s->mod ? "%s %s" : "%s", s->name, s->mod);
	if (!bsearch(&k, t->traceable, t->nt, sizeof(*t->traceable), str_cmp))
		return false;
	lo = bsearch(&n, t->names, t->n, sizeof(*t->names), str_cmp);
	/* bsearch found one of possibly several equal names: look either side */
	return lo && !(lo > t->names && !strcmp(lo[-1], n)) &&
	       !(lo + 1 < t->names + t->n && !strcmp(lo[1], n));
}

/* ---- the kernel's text -------------------------------------------------------------------- */

struct kseg {
	uint64_t vaddr, off, size;
};

struct kcore {
	int fd;
	struct kseg *seg;
	size_t nseg;
	uint8_t *win;
	uint8_t small[16]; /* what targets_of() peeks at, without moving the window */
	uint64_t win_addr;
	size_t win_len;
	size_t read;
};

static void kcore__close(struct kcore *kc)
{
	if (kc->fd >= 0)
		close(kc->fd);
	free(kc->seg);
	free(kc->win);
	memset(kc, 0, sizeof(*kc));
	kc->fd = -1;
}

static int kcore__open(struct kcore *kc, const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	size_t i;

	memset(kc, 0, sizeof(*kc));
	kc->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (kc->fd < 0)
		return -errno;
	if (pread(kc->fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(ph))
		return -ENOEXEC;
	kc->seg = calloc(eh.e_phnum ? eh.e_phnum : 1, sizeof(*kc->seg));
	kc->win = malloc(FUNC_MAX > WINDOW ? FUNC_MAX : WINDOW);
	if (!kc->seg || !kc->win)
		return -ENOMEM;
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(kc->fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
		    sizeof(ph))
			return -ENOEXEC;
		if (ph.p_type != PT_LOAD)
			continue;
		kc->seg[kc->nseg++] = (struct kseg){ ph.p_vaddr, ph.p_offset, ph.p_filesz };
	}
	return 0;
}

/* the bytes at [@addr, @addr + *@len) as far as one segment has them; NULL if none */
static const uint8_t *kcore__at(struct kcore *kc, uint64_t addr, size_t *len)
{
	const struct kseg *s = NULL;
	size_t i, want;
	ssize_t got;

	if (addr >= kc->win_addr && addr + *len <= kc->win_addr + kc->win_len)
		return kc->win + (addr - kc->win_addr);
	for (i = 0; i < kc->nseg && !s; i++)
		if (addr >= kc->seg[i].vaddr && addr - kc->seg[i].vaddr < kc->seg[i].size)
			s = &kc->seg[i];
	if (!s)
		return NULL;
	if (*len <= sizeof(kc->small)) {
		want = *len;
		if (want > s->size - (addr - s->vaddr))
			want = s->size - (addr - s->vaddr);
		got = pread(kc->fd, kc->small, want, (off_t)(s->off + (addr - s->vaddr)));
		*len = got > 0 ? (size_t)got : 0;
		return got > 0 ? kc->small : NULL;
	}
	want = *len > WINDOW ? *len : WINDOW;
	if (want > s->size - (addr - s->vaddr))
		want = s->size - (addr - s->vaddr);
	got = pread(kc->fd, kc->win, want, (off_t)(s->off + (addr - s->vaddr)));
	if (got <= 0) {
		kc->win_len = 0;
		return NULL;
	}
	kc->read += (size_t)got;
	kc->win_addr = addr;
	kc->win_len = (size_t)got;
	if (*len > kc->win_len)
		*len = kc->win_len;
	return kc->win;
}

/* ---- walking up ----------------------------------------------------------------------------- */

static int add_caller(struct kcallers *out, const struct ksym *s, unsigned int depth)
{
	struct kcaller *c;

	c = realloc(out->c, (out->n + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	out->c = c;
	c = &out->c[out->n];
	c->name = strdup(s->name);
	c->module = s->mod ? strdup(s->mod) : NULL;
	c->depth = depth;
	if (!c->name || (s->mod && !c->module)) {
		free(c->name);
		free(c->module);
		return -ENOMEM;
	}
	out->n++;
	return 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Targets: each group's address, and the address after its endbr64 where a direct call may
 * skip it. Returns how many, in @t (room for 2 * @n).
 */
static size_t targets_of(struct ktext *t, struct kcore *kc, const size_t *groups, size_t n,
			 uint64_t *out)
{
	size_t i, nt = 0, len;
	const uint8_t *b;

	for (i = 0; i < n; i++) {
		uint64_t a = t->s[groups[i]].addr;

		out[nt++] = a;
		len = sizeof(endbr64);
		b = kcore__at(kc, a, &len);
		if (b && len == sizeof(endbr64) && !memcmp(b, endbr64, sizeof(endbr64)))
			out[nt++] = a + sizeof(endbr64);
	}
	qsort(out, nt, sizeof(*out), u64_cmp);
	return nt;
}

/* one level: every group that calls one of @level; watchable ones join @out, others @next */
static int walk_level(struct ktext *t, struct kcore *kc, const size_t *level, size_t nl,
		      unsigned int depth, bool *seen, size_t *next, size_t *nn,
		      struct kcallers *out)
{
	uint64_t *targets = malloc(2 * nl * sizeof(*targets));
	size_t i, j, nt, len;
	const uint8_t *code;
	int ret = 0, calls;

	if (!targets)
		return -ENOMEM;
	nt = targets_of(t, kc, level, nl, targets);
	*nn = 0;
	for (i = 0; i < t->n && !ret; i++) {
		if (t->s[i].group != i || seen[i])
			continue;
		for (j = i + 1; j < t->n && t->s[j].group == i; j++)
			;
		len = j < t->n ? (size_t)(t->s[j].addr - t->s[i].addr) : FUNC_MAX;
		if (len > FUNC_MAX)
			len = FUNC_MAX;
		code = kcore__at(kc, t->s[i].addr, &len);
		if (!code)
			continue;
		calls = kcallers__scan(code, len, t->s[i].addr, targets, nt);
		if (calls < 0) {
			ret = calls;
			break;
		}
		if (!calls)
			continue;
		seen[i] = true;
		if (depth == 1)
			out->sites += (size_t)calls;
		for (j = i; j < t->n && t->s[j].group == i; j++)
			if (ktext__watchable(t, &t->s[j]))
				break;
		if (j < t->n && t->s[j].group == i) {
			ret = add_caller(out, &t->s[j], depth);
		} else {
			out->untraceable++;
			next[(*nn)++] = i;
		}
	}
	free(targets);
	return ret;
}

struct kcallers_text {
	struct ktext t;
	struct kcore kc;
};

void kcallers_src__init(struct kcallers_src *src, const char *kallsyms, const char *kcore,
			const char *filter)
{
	memset(src, 0, sizeof(*src));
	src->kallsyms = kallsyms;
	src->kcore = kcore;
	src->filter = filter;
}

/* read kallsyms and the filter, open kcore: once, on the first search; an error sticks */
static int kcallers_src__load(struct kcallers_src *src, const char **what)
{
	struct kcallers_text *x;
	int ret;

	if (src->text || src->err) {
		*what = src->what;
		return src->err;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		*what = NULL;
		return -ENOMEM;
	}
	x->kc.fd = -1;
	*what = src->kallsyms;
	ret = ktext__read_kallsyms(&x->t, src->kallsyms);
	if (!ret) {
		*what = src->filter;
		ret = ktext__read_filter(&x->t, src->filter);
	}
	if (!ret) {
		*what = src->kcore;
		ret = kcore__open(&x->kc, src->kcore);
	}
	if (ret) {
		kcore__close(&x->kc);
		ktext__free(&x->t);
		free(x);
		src->err = ret;
		src->what = *what;
		return ret;
	}
	src->text = x;
	*what = NULL;
	return 0;
}

void kcallers_src__free(struct kcallers_src *src)
{
	if (src->text) {
		kcore__close(&src->text->kc);
		ktext__free(&src->text->t);
		free(src->text);
	}
	src->text = NULL;
}

int kcallers__find(struct kcallers_src *src, const char *name, const char *module,
		   struct kcallers *out, const char **what)
{
	size_t *level = NULL, *next = NULL, nl = 0, nn = 0, i, read0;
	unsigned int depth;
	struct ktext *t;
	struct kcore *kc;
	bool *seen = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = kcallers_src__load(src, what);
	if (ret)
		return ret;
	t = &src->text->t;
	kc = &src->text->kc;
	read0 = kc->read;
	level = malloc((t->n ? t->n : 1) * sizeof(*level));
	next = malloc((t->n ? t->n : 1) * sizeof(*next));
	seen = calloc(t->n ? t->n : 1, sizeof(*seen));
	if (!level || !next || !seen) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < t->n; i++) {
		if (strcmp(t->s[i].name, name) ||
		    (module ? !t->s[i].mod || strcmp(t->s[i].mod, module) : !!t->s[i].mod))
			continue;
		level[nl++] = t->s[i].group;
		seen[t->s[i].group] = true;
	}
	if (!nl) {
		*what = src->kallsyms;
		ret = -ENOENT;
		goto out;
	}
	/*
	 * A watchable caller ends its path; an unwatchable one is walked past, so that the
	 * callers found cover every direct path to the function within the depth.
	 */
	for (depth = 1; depth <= KCALLERS_MAX_DEPTH && nl && !ret; depth++) {
		ret = walk_level(t, kc, level, nl, depth, seen, next, &nn, out);
		memcpy(level, next, nn * sizeof(*level));
		nl = nn;
	}
	out->uncovered = nl;
	out->scanned = kc->read - read0;
out:
	if (ret)
		kcallers__free(out);
	free(level);
	free(next);
	free(seen);
	return ret;
}

void kcallers__free(struct kcallers *k)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		free(k->c[i].name);
		free(k->c[i].module);
	}
	free(k->c);
	memset(k, 0, sizeof(*k));
}

void kcallers__describe(struct kcallers_src *src, const char *name, const char *module, char *buf,
			size_t len)
{
	const char *kallsyms = src->kallsyms, *kcore = src->kcore;
	char more[64] = "";
	struct kcallers k;
	const char *what;
	size_t i, n = 0;
	int ret;

	ret = kcallers__find(src, name, module, &k, &what);
	if (ret == -EPERM && what && !strcmp(what, kallsyms)) {
		snprintf(buf, len,
			 "its callers were not searched: %s hides addresses (run as root)",
			 kallsyms);
		return;
	}
	if (ret == -ENOENT && what && !strcmp(what, kallsyms) && !access(kallsyms, R_OK)) {
		snprintf(buf, len, "its callers were not searched: no text symbol '%s' in %s", name,
			 kallsyms);
		return;
	}
	if (ret) {
		snprintf(buf, len,
			 "its callers were not searched: cannot read %s: %s; watch a caller",
			 what ? what : "the kernel text", strerror(-ret));
		return;
	}
	if (!k.sites) {
		snprintf(buf, len,
			 "no direct call of it in %s (%zu KiB of kernel text read): it is called "
			 "through pointers; watch the function that makes that call",
			 kcore, k.scanned >> 10);
		kcallers__free(&k);
		return;
	}
	if (!k.n) {
		snprintf(buf, len,
			 "its %zu direct call site%s in %s lead to no traceable function within %d "
			 "calls; watch a function further up",
			 k.sites, k.sites == 1 ? "" : "s", kcore, KCALLERS_MAX_DEPTH);
		kcallers__free(&k);
		return;
	}
	n += (size_t)snprintf(buf + n, len - n,
			      "watch its nearest traceable caller%s instead:", k.n == 1 ? "" : "s");
	for (i = 0; i < k.n && n < len; i++) {
		char up[24] = "";

		/* room for the tail: a list cut short says how many it left out */
		if (n + 120 > len) {
			snprintf(more, sizeof(more), " and %zu more", k.n - i);
			break;
		}
		if (k.c[i].depth > 1)
			snprintf(up, sizeof(up), " (%u calls up)", k.c[i].depth);
		n += (size_t)snprintf(buf + n, len - n, "%s kernel:%s%s%s%s", i ? "," : "",
				      k.c[i].module ? k.c[i].module : "", k.c[i].module ? ":" : "",
				      k.c[i].name, up);
	}
	if (n < len)
		snprintf(buf + n, len - n, "%s (%zu direct call site%s in %s%s)", more, k.sites,
			 k.sites == 1 ? "" : "s", kcore,
			 k.uncovered ? "; some paths are longer than the search" : "");
	kcallers__free(&k);
}
