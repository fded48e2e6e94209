// SPDX-License-Identifier: GPL-2.0
#include <capstone/capstone.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "insn.h"

static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };

/*
 * "push r64": 50+r, or 41 50+r for r8-r15. The kernel's uprobes emulate each alike
 * (push_setup_xol_ops() in arch/x86/kernel/uprobes.c), with no second trap: make bench's
 * "probe sites" measures it on the CI machine's kernel.
 */
static bool push_reg(const uint8_t *c, size_t len)
{
	return (len == 1 && c[0] >= 0x50 && c[0] <= 0x57) ||
	       (len == 2 && c[0] == 0x41 && c[1] >= 0x50 && c[1] <= 0x57);
}

/* a direct branch's target, if @insn is one (jmp, jcc, call, loop, jrcxz) */
static bool branch_target(const cs_insn *insn, uint64_t *target)
{
	const cs_x86 *x = &insn->detail->x86;
	bool branch = false;
	uint8_t i;

	for (i = 0; i < insn->detail->groups_count; i++) {
		uint8_t g = insn->detail->groups[i];

		if (g == CS_GRP_JUMP || g == CS_GRP_CALL || g == CS_GRP_BRANCH_RELATIVE)
			branch = true;
	}
	/* capstone 4 files loop and jrcxz under no group on some builds: name them */
	switch (insn->id) {
	case X86_INS_LOOP:
	case X86_INS_LOOPE:
	case X86_INS_LOOPNE:
	case X86_INS_JCXZ:
	case X86_INS_JECXZ:
	case X86_INS_JRCXZ:
		branch = true;
		break;
	default:
		break;
	}
	if (!branch || x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
		return false;
	*target = (uint64_t)x->operands[0].imm;
	return true;
}

int insn__first(const uint8_t *code, size_t size, size_t *ilen, char *text, size_t tlen)
{
	cs_insn *insn = NULL;
	int ret = -EINVAL;
	csh cs;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return -ENOMEM;
	if (cs_disasm(cs, code, size, 0, 1, &insn) == 1) {
		*ilen = insn->size;
		snprintf(text, tlen, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "",
			 insn->op_str);
		cs_free(insn, 1);
		ret = 0;
	}
	cs_close(&cs);
	return ret;
}

size_t insn__probe_skip(const uint8_t *code, size_t size)
{
	const uint8_t *p = code;
	uint64_t pc = 0, target;
	size_t left = size, skip = 0;
	cs_insn *insn;
	csh cs;

	if (size <= sizeof(endbr64) || memcmp(code, endbr64, sizeof(endbr64)))
		return 0;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return 0;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	insn = cs_malloc(cs);
	while (insn && cs_disasm_iter(cs, &p, &left, &pc, insn)) {
		if (branch_target(insn, &target) && target == sizeof(endbr64))
			break;
		if (!left)
			skip = sizeof(endbr64);
	}
	if (insn)
		cs_free(insn, 1);
	cs_close(&cs);
	return skip;
}

bool insn__same_probe_cost(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	size_t la, lb;
	char text[64];

	if (insn__first(a, na, &la, text, sizeof(text)) ||
	    insn__first(b, nb, &lb, text, sizeof(text)))
		return false;
	if (la == lb && !memcmp(a, b, la))
		return true;
	return push_reg(a, la) && push_reg(b, lb);
}

int insn__check_site(const uint8_t *code, size_t size, uint64_t addr, const char *name,
		     struct insn_site *out, char *err, size_t len)
{
	uint64_t site = addr, end, pc, target;
	const uint8_t *p = code;
	size_t left = size;
	cs_insn *insn = NULL;
	bool covered = false;
	int ret = 0;
	csh cs;

	memset(out, 0, sizeof(*out));
	if (size >= sizeof(endbr64) && !memcmp(code, endbr64, sizeof(endbr64)))
		site = addr + sizeof(endbr64);
	if (site + INSN_JMP_LEN > addr + size) {
		snprintf(err, len,
			 "'%s' is too short to redirect: %zu bytes, fewer than the %d a "
			 "%d-byte jump%s needs; patch its caller instead",
			 name, size, INSN_JMP_LEN + (int)(site - addr), INSN_JMP_LEN,
			 site > addr ? " after its endbr64" : "");
		return -EINVAL;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
		snprintf(err, len, "cannot check '%s': capstone does not open for x86-64", name);
		return -ENOMEM;
	}
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	insn = cs_malloc(cs);
	if (!insn) {
		cs_close(&cs);
		snprintf(err, len, "cannot check '%s': out of memory", name);
		return -ENOMEM;
	}
	end = site + INSN_JMP_LEN;
	pc = addr;
	/* first pass: find where the overwritten instructions end */
	while (left) {
		uint64_t at = pc;

		if (!cs_disasm_iter(cs, &p, &left, &pc, insn)) {
			snprintf(err, len,
				 "cannot decode '%s' at +0x%" PRIx64 " (byte %02x); it may "
				 "hold data or an instruction capstone does not know",
				 name, at - addr, code[at - addr]);
			ret = -EINVAL;
			goto out;
		}
		out->nr_insns++;
		if (!covered && at < site + INSN_JMP_LEN && pc >= site + INSN_JMP_LEN) {
			end = pc;
			covered = true;
		}
		if (at < site && pc > site) {
			snprintf(err, len, "'%s': an instruction straddles the site at +0x%" PRIx64,
				 name, site - addr);
			ret = -EINVAL;
			goto out;
		}
	}
	/* second pass: no branch may land inside what the jump overwrites */
	p = code;
	left = size;
	pc = addr;
	while (left && cs_disasm_iter(cs, &p, &left, &pc, insn)) {
		if (!branch_target(insn, &target))
			continue;
		if (target > site && target < end) {
			snprintf(err, len,
				 "'%s': the %s at +0x%" PRIx64 " branches to +0x%" PRIx64
				 ", inside the %u bytes a jump would overwrite; it cannot be "
				 "redirected safely",
				 name, insn->mnemonic, insn->address - addr, target - addr,
				 (unsigned int)(end - site));
			ret = -EINVAL;
			goto out;
		}
	}
	out->site = site;
	out->covered_end = end;
out:
	cs_free(insn, 1);
	cs_close(&cs);
	return ret;
}
