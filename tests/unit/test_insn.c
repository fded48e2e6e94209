// SPDX-License-Identifier: GPL-2.0
/*
 * user/insn.c: which function heads a 5-byte jump may overwrite. Hand-assembled bytes
 * (encodings checked against the Intel SDM), then the real fixtures: ulp_asm_target's
 * hand-written functions and ulp_target's compiled parse_request, read from the files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "elfsym.h"
#include "insn.h"

#define ADDR 0x401000ULL

static char err[512];
static struct insn_site site;

static int check(const uint8_t *code, size_t n)
{
	err[0] = '\0';
	return insn__check_site(code, n, ADDR, "f", &site, err, sizeof(err));
}

static void test_plain(void **state)
{
	/* push %rbp; mov %rsp,%rbp; mov %edi,%eax; add $1,%eax; pop %rbp; ret */
	static const uint8_t f[] = { 0x55, 0x48, 0x89, 0xe5, 0x89, 0xf8,
				     0x83, 0xc0, 0x01, 0x5d, 0xc3 };

	(void)state;
	assert_int_equal(check(f, sizeof(f)), 0);
	assert_true(site.site == ADDR);
	/* 1 + 3 + 2 = 6: the first boundary at or after 5 */
	assert_true(site.covered_end == ADDR + 6);
	assert_int_equal(site.nr_insns, 6);
}

static void test_endbr(void **state)
{
	/* endbr64; mov 0x10(%rip),%rax (7 bytes); ret */
	static const uint8_t f[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x8b, 0x05, 0x10, 0, 0, 0, 0xc3 };

	(void)state;
	assert_int_equal(check(f, sizeof(f)), 0);
	assert_true(site.site == ADDR + 4);
	assert_true(site.covered_end == ADDR + 11);
}

static void test_too_short(void **state)
{
	static const uint8_t f1[] = { 0x31, 0xc0, 0xc3 }; /* xor; ret */
	static const uint8_t f2[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x31, 0xc0, 0xc3, 0x90 };

	(void)state;
	assert_int_equal(check(f1, sizeof(f1)), -EINVAL);
	assert_non_null(strstr(err, "too short"));
	/* 8 bytes are enough without endbr64, not after it */
	assert_int_equal(check(f2, sizeof(f2)), -EINVAL);
	assert_non_null(strstr(err, "too short"));
}

static void test_branch_inside(void **state)
{
	/* xor %eax,%eax; 1: add $1,%eax; cmp %edi,%eax; jl 1b; ret -- 1b is site + 2 */
	static const uint8_t loop[] = { 0x31, 0xc0, 0x83, 0xc0, 0x01, 0x39, 0xf8, 0x7c, 0xf9, 0xc3 };
	/* nop; nop; nop; nop; nop; nop; call site+3 (e8 rel32) ; ret */
	static const uint8_t call[] = { 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
					0xe8, 0xf8, 0xff, 0xff, 0xff, 0xc3 };
	/* nop x6; loop site+1 (e2 rel8); ret */
	static const uint8_t lp[] = { 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0xe2, 0xf9, 0xc3 };
	/* 7-byte mov, then jmp into its middle, site + 5 < covered_end (7) */
	static const uint8_t mid[] = { 0x48, 0x8b, 0x05, 0, 0, 0, 0, 0xeb, 0xfc, 0xc3 };

	(void)state;
	assert_int_equal(check(loop, sizeof(loop)), -EINVAL);
	assert_non_null(strstr(err, "jl"));
	assert_int_equal(check(call, sizeof(call)), -EINVAL);
	assert_non_null(strstr(err, "call"));
	assert_int_equal(check(lp, sizeof(lp)), -EINVAL);
	assert_non_null(strstr(err, "loop"));
	assert_int_equal(check(mid, sizeof(mid)), -EINVAL);
}

static void test_branch_allowed(void **state)
{
	/* to the site itself: the thread then runs the jump, fine */
	static const uint8_t to_site[] = { 0x55, 0x48, 0x89, 0xe5, 0x90, 0x5d, 0xeb, 0xf8 };
	/* to covered_end (7): original code that stays */
	static const uint8_t to_end[] = { 0x48, 0x8b, 0x05, 0, 0, 0, 0, 0x90, 0xeb, 0xfd, 0xc3 };
	/* a call outside the function */
	static const uint8_t out[] = { 0x55, 0xe8, 0x00, 0x10, 0x00, 0x00, 0x5d, 0xc3 };

	(void)state;
	assert_int_equal(check(to_site, sizeof(to_site)), 0);
	assert_int_equal(check(to_end, sizeof(to_end)), 0);
	assert_true(site.covered_end == ADDR + 7);
	assert_int_equal(check(out, sizeof(out)), 0);
}

static void test_undecodable(void **state)
{
	/* 0x06 (push %es) does not exist in 64-bit mode */
	static const uint8_t f[] = { 0x55, 0x48, 0x89, 0xe5, 0x90, 0x06, 0xc3 };

	(void)state;
	assert_int_equal(check(f, sizeof(f)), -EINVAL);
	assert_non_null(strstr(err, "cannot decode"));
}

/* the function as the file holds it, through elfsym (symbol -> offset) and pread */
static int check_file(const char *path, const char *sym, struct hc_elfsym *s)
{
	char why[256];
	uint8_t *code;
	int fd, ret;

	assert_int_equal(elfsym__resolve(path, sym, s, why, sizeof(why)), 0);
	code = malloc(s->size);
	assert_non_null(code);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, code, s->size, (off_t)s->offset), (ssize_t)s->size);
	close(fd);
	err[0] = '\0';
	ret = insn__check_site(code, s->size, s->vaddr, sym, &site, err, sizeof(err));
	free(code);
	return ret;
}

static void test_fixtures(void **state)
{
	const char *asm_target = FIXTURE_DIR "/ulp_asm_target";
	struct hc_elfsym s;

	(void)state;
	assert_int_equal(check_file(asm_target, "ulp_too_short", &s), -EINVAL);
	assert_non_null(strstr(err, "too short"));
	assert_int_equal(check_file(asm_target, "ulp_branch_into_site", &s), -EINVAL);
	assert_non_null(strstr(err, "branches to +0x6"));
	assert_int_equal(check_file(asm_target, "ulp_redirectable", &s), 0);
	assert_true(site.site == s.vaddr + 4);
	/* mov %edi,%eax (2) + add $1,%eax (3) = 5 */
	assert_true(site.covered_end == s.vaddr + 9);
	/* -fcf-protection: endbr64 first, the jump after it */
	assert_int_equal(check_file(FIXTURE_DIR "/ulp_target", "parse_request", &s), 0);
	assert_true(site.site == s.vaddr + 4);
	assert_true(site.covered_end >= site.site + 5 && site.covered_end <= site.site + 20);
}

/* the first instruction in words and its length: where a uprobe sits, and what it costs */
static void test_first(void **state)
{
	static const uint8_t endbr[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55 };
	static const uint8_t push[] = { 0x53, 0x8d, 0x47, 0x03 };
	static const uint8_t nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	char text[48];
	size_t n;

	assert_int_equal(insn__first(endbr, sizeof(endbr), &n, text, sizeof(text)), 0);
	assert_int_equal(n, 4);
	assert_string_equal(text, "endbr64");
	assert_int_equal(insn__first(push, sizeof(push), &n, text, sizeof(text)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(text, "push rbx");
	assert_int_equal(insn__first(nop5, sizeof(nop5), &n, text, sizeof(text)), 0);
	assert_int_equal(n, 5);
	/* a truncated instruction does not decode */
	assert_int_equal(insn__first(nop5, 3, &n, text, sizeof(text)), -EINVAL);
}

/* a probe goes past a leading endbr64, unless a branch of the function lands there */
static void test_probe_skip(void **state)
{
	/* endbr64; push rbx; lea 3(rdi),eax; pop rbx; ret */
	static const uint8_t plain[] = {
		0xf3, 0x0f, 0x1e, 0xfa, 0x53, 0x8d, 0x47, 0x03, 0x5b, 0xc3
	};
	/* endbr64; dec edi; jnz -4 (back to +4); ret: the loop would count each turn */
	static const uint8_t loop[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0xff, 0xcf, 0x75, 0xfc, 0xc3 };
	/* endbr64; then a byte that does not decode */
	static const uint8_t junk[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x53, 0x0f, 0x0b, 0xc3, 0x06 };
	static const uint8_t push[] = { 0x53, 0x5b, 0xc3 };

	assert_int_equal(insn__probe_skip(plain, sizeof(plain)), 4);
	assert_int_equal(insn__probe_skip(loop, sizeof(loop)), 0);
	assert_int_equal(insn__probe_skip(junk, sizeof(junk)), 0);
	assert_int_equal(insn__probe_skip(push, sizeof(push)), 0);
	/* nothing after the endbr64 */
	assert_int_equal(insn__probe_skip(plain, 4), 0);
}

/* the same first instruction, or pushes of two registers, cost a probe alike */
static void test_same_probe_cost(void **state)
{
	static const uint8_t rbx[] = { 0x53, 0xc3 }, rbp[] = { 0x55, 0xc3 };
	static const uint8_t r12[] = { 0x41, 0x54, 0xc3 }, sub[] = { 0x48, 0x83, 0xec, 0x08 };
	static const uint8_t sub16[] = { 0x48, 0x83, 0xec, 0x10 };

	assert_true(insn__same_probe_cost(rbx, sizeof(rbx), rbp, sizeof(rbp)));
	assert_true(insn__same_probe_cost(rbx, sizeof(rbx), r12, sizeof(r12)));
	assert_true(insn__same_probe_cost(sub, sizeof(sub), sub, sizeof(sub)));
	assert_false(insn__same_probe_cost(sub, sizeof(sub), sub16, sizeof(sub16)));
	assert_false(insn__same_probe_cost(rbx, sizeof(rbx), sub, sizeof(sub)));
	assert_false(insn__same_probe_cost(rbx, 0, rbx, sizeof(rbx)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),	       cmocka_unit_test(test_endbr),
		cmocka_unit_test(test_too_short),      cmocka_unit_test(test_branch_inside),
		cmocka_unit_test(test_branch_allowed), cmocka_unit_test(test_undecodable),
		cmocka_unit_test(test_fixtures),       cmocka_unit_test(test_first),
		cmocka_unit_test(test_probe_skip),     cmocka_unit_test(test_same_probe_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
