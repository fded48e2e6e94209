// SPDX-License-Identifier: GPL-2.0
/*
 * user/kcallers.c: direct calls found in machine code only at real instruction boundaries,
 * and the walk up through callers that cannot be watched, on a fake kallsyms, tracefs list
 * and kcore.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_tree.h"
#include "kcallers.h"

#define BASE 0xffffffff81000000ull

/* @op (e8 call, e9 jmp) at @code[@off] to the address @to */
static size_t emit_rel32(uint8_t *code, size_t off, uint8_t op, uint64_t to)
{
	int32_t rel = (int32_t)(to - (BASE + off + 5));

	code[off] = op;
	memcpy(code + off + 1, &rel, sizeof(rel));
	return off + 5;
}

static void test_scan(void **state)
{
	const uint64_t target = BASE + 0x1000, other = BASE + 0x2000;
	uint64_t targets[] = { target, target + 4 };
	uint8_t code[64];
	size_t off = 0;
	int32_t rel;

	memset(code, 0xcc, sizeof(code));
	off = emit_rel32(code, off, 0xe8, target); /* call target */
	/* movabs rax, imm64 whose bytes spell "call target" at offset 7: not a call */
	code[off] = 0x48, code[off + 1] = 0xb8;
	emit_rel32(code, off + 2, 0xe8, target);
	off += 10;
	off = emit_rel32(code, off, 0xe9, target + 4); /* jmp past its endbr64: a tail call */
	/* je target: 0f 84 rel32 */
	rel = (int32_t)(target - (BASE + off + 6));
	code[off] = 0x0f, code[off + 1] = 0x84;
	memcpy(code + off + 2, &rel, sizeof(rel));
	off += 6;
	off = emit_rel32(code, off, 0xe8, other); /* call something else */
	code[off] = 0xc3;
	assert_int_equal(kcallers__scan(code, sizeof(code), BASE, targets, 2), 3);
	/* only the other function's calls count when it is the target */
	assert_int_equal(kcallers__scan(code, sizeof(code), BASE, &other, 1), 1);
	/* a call cut off by the end of the function is none */
	assert_int_equal(kcallers__scan(code, 3, BASE, targets, 2), 0);
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/hc-kcallers.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static char ks[PATH_MAX], kc[PATH_MAX], fl[PATH_MAX];

static void src_init(struct kcallers_src *src)
{
	snprintf(ks, sizeof(ks), "%s", at("kallsyms"));
	snprintf(kc, sizeof(kc), "%s", at("kcore"));
	snprintf(fl, sizeof(fl), "%s", at("filter"));
	kcallers_src__init(src, ks, kc, fl);
}

/* one search, from the files as they are now */
static int find(const char *name, const char *module, struct kcallers *k, const char **what)
{
	struct kcallers_src src;
	int ret;

	src_init(&src);
	ret = kcallers__find(&src, name, module, k, what);
	kcallers_src__free(&src);
	return ret;
}

/*
 * raw_fn (notrace) is called by a (traceable), by b (notrace) and by a module's m_fn; b is
 * called by c, which is traceable; d is called by no one. Callers: a and m_fn, then c.
 */
static void fake_text(void)
{
	uint8_t text[0x500];

	memset(text, 0x90, sizeof(text));
	emit_rel32(text, 0x008, 0xe8, BASE + 0x300); /* a: call raw_fn */
	emit_rel32(text, 0x108, 0xe8, BASE + 0x300); /* b: call raw_fn */
	emit_rel32(text, 0x110, 0xe8, BASE + 0x300); /* b: again */
	emit_rel32(text, 0x208, 0xe8, BASE + 0x100); /* c: call b */
	emit_rel32(text, 0x408, 0xe9, BASE + 0x300); /* m_fn: jmp raw_fn */
	fake_kcore("kcore", BASE, text, sizeof(text));
	put("kallsyms",
	    "ffffffff81000000 T a\n"
	    "ffffffff81000100 t b\n"
	    "ffffffff81000200 t c\n"
	    "ffffffff81000300 t raw_fn\n"
	    "ffffffff81000380 t d\n"
	    "ffffffff81000400 t m_fn\t[mod]\n");
	put("filter", "a\nc\nd\nm_fn [mod]\n");
}

static void test_find(void **state)
{
	struct kcallers k;
	const char *what;
	size_t i;

	fake_text();
	assert_int_equal(find("raw_fn", NULL, &k, &what), 0);
	assert_int_equal(k.sites, 4);
	assert_int_equal(k.n, 3);
	assert_int_equal(k.untraceable, 1);
	assert_int_equal(k.uncovered, 0);
	for (i = 0; i < k.n; i++) {
		if (!strcmp(k.c[i].name, "a"))
			assert_true(k.c[i].depth == 1 && !k.c[i].module);
		else if (!strcmp(k.c[i].name, "m_fn"))
			assert_true(k.c[i].depth == 1 && !strcmp(k.c[i].module, "mod"));
		else if (!strcmp(k.c[i].name, "c"))
			assert_int_equal(k.c[i].depth, 2);
		else
			fail_msg("unexpected caller %s", k.c[i].name);
	}
	kcallers__free(&k);
	/* the function in a module it is not in */
	assert_int_equal(find("raw_fn", "mod", &k, &what), -ENOENT);
	assert_string_equal(what, at("kallsyms"));
	/* no kcore (a locked-down kernel): the file is named */
	unlink(at("kcore"));
	assert_int_equal(find("raw_fn", NULL, &k, &what), -ENOENT);
	assert_string_equal(what, at("kcore"));
}

/*
 * Check 4 describes every untraceable function it meets from one read of the files: the
 * second search uses what the first read, even once the files are gone.
 */
static void test_describe_shared(void **state)
{
	struct kcallers_src src;
	char buf[512];

	fake_text();
	src_init(&src);
	kcallers__describe(&src, "raw_fn", NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "watch its nearest traceable callers instead:"));
	assert_non_null(strstr(buf, "kernel:mod:m_fn"));
	assert_non_null(strstr(buf, "kernel:c (2 calls up)"));
	assert_non_null(strstr(buf, "(4 direct call sites in"));
	unlink(at("kallsyms"));
	unlink(at("kcore"));
	unlink(at("filter"));
	kcallers__describe(&src, "b", NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "watch its nearest traceable caller instead: kernel:c (1 "));
	kcallers__describe(&src, "d", NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "no direct call of it in"));
	kcallers_src__free(&src);
	/* a new search reads the files again, and says which one is missing */
	src_init(&src);
	kcallers__describe(&src, "b", NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "its callers were not searched: cannot read"));
	assert_non_null(strstr(buf, "kallsyms: No such file or directory"));
	kcallers_src__free(&src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_describe_shared, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
