/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Can the first bytes of a function be overwritten by a 5-byte "jmp rel32"? Pure: the
 * function's bytes and the address they are at in, a verdict out (capstone, x86-64).
 */
#ifndef HC_INSN_H
#define HC_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INSN_JMP_LEN 5

struct insn_site {
	uint64_t site;	       /* where the jump goes: the function, or after its endbr64 */
	uint64_t covered_end;  /* the first instruction boundary at or after site + 5 */
	unsigned int nr_insns; /* instructions in the function */
};

/*
 * @code holds the whole function (@size bytes, its st_size) as it is at address @addr.
 * Returns 0, or -EINVAL with @err naming @name and why: too short, an instruction that does
 * not decode, or a direct jump, call or loop of the function landing strictly inside the
 * overwritten bytes (site, covered_end).
 */
int insn__check_site(const uint8_t *code, size_t size, uint64_t addr, const char *name,
		     struct insn_site *out, char *err, size_t len);

/* the longest x86-64 instruction */
#define INSN_MAX_LEN 15

/*
 * The first instruction of @code (@size bytes): its length in @ilen and its text in @text
 * ("push rbp"); 0, or -EINVAL if it does not decode
 */
int insn__first(const uint8_t *code, size_t size, size_t *ilen, char *text, size_t tlen);

/*
 * Where a uprobe on the function in @code (its whole @size bytes) goes, as an offset: past a
 * leading endbr64 (4), which the kernel single-steps out of line at 20 times the cost of an
 * emulated push (make bench, "probe sites"), unless a branch of the function lands there,
 * or a byte does not decode: then on the entry (0). A jump to the function passes both, and
 * an endbr64 moves no stack, so entry and return probes see the same calls either way.
 */
size_t insn__probe_skip(const uint8_t *code, size_t size);

/*
 * Does a uprobe cost the same on the first instruction of @a as on that of @b: the same
 * bytes, or both a push of a 64-bit register, which the kernel emulates alike
 */
bool insn__same_probe_cost(const uint8_t *a, size_t na, const uint8_t *b, size_t nb);

#endif
