// SPDX-License-Identifier: GPL-2.0
/*
 * The rt_sigreturn frame of user/sigframe.h, as arch/x86/kernel/signal_64.c reads it:
 * restore_sigcontext() for the registers, fpu__restore_sig() for the XSAVE image, which it
 * takes whole only when the software bytes of the fxsave area (FP_XSTATE_MAGIC1 and sizes)
 * and FP_XSTATE_MAGIC2 after the image agree; otherwise it restores only x87 and SSE.
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include "sigframe.h"

#define FP_XSTATE_MAGIC1      0x46505853U
#define FP_XSTATE_MAGIC2      0x46505845U
/* struct _fpx_sw_bytes, in the fxsave area's software-reserved bytes */
#define FX_SW_OFF	      464
#define FX_SW_LEN	      48
/* XSAVE header: xstate_bv, then xcomp_bv (0: the standard format) */
#define XSAVE_HDR_OFF	      512
/* AMX tile config and data: in a thread's image only once it asked for them */
#define XFEATURE_XTILECFG     17
/* uc_flags: UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS */
#define UC_FLAGS	      0x7ULL
/*
 * uc_stack.ss_flags that do_sigaltstack() refuses (-EINVAL) before it changes anything, and
 * restore_altstack() ignores the refusal: the thread keeps its alternate stack, which no
 * interface lets us read.
 */
#define SS_FLAGS_KEEP	      3
/* the kernel's internal restart codes, include/linux/errno.h */
#define ERESTARTSYS	      512
#define ERESTARTNOINTR	      513
#define ERESTARTNOHAND	      514
#define ERESTART_RESTARTBLOCK 516

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

size_t sigframe__xstate_size(const void *xstate, size_t xlen, uint64_t *xfeatures)
{
	const uint8_t *x = xstate;
	uint64_t xcr0, bv, amx = 3ULL << XFEATURE_XTILECFG;
	size_t size = SIGFRAME_XMIN;
	unsigned int i;

	if (xlen < SIGFRAME_XMIN)
		return 0;
	/* the regset's software bytes hold the user XCR0 (for debuggers) */
	memcpy(&xcr0, x + FX_SW_OFF, sizeof(xcr0));
	memcpy(&bv, x + XSAVE_HDR_OFF, sizeof(bv));
	if (!(bv & amx))
		xcr0 &= ~amx;
	for (i = 2; i < 64; i++) {
		unsigned int a = 0, b = 0, c = 0, d = 0;

		if (!(xcr0 & (1ULL << i)))
			continue;
		/* CPUID.(EAX=0DH,ECX=i): EAX its size, EBX its offset in the standard format */
		__cpuid_count(0xd, i, a, b, c, d);
		if (a && (size_t)a + b > size)
			size = (size_t)a + b;
	}
	*xfeatures = xcr0;
	return size <= xlen ? size : 0;
}

void sigframe__restart(struct user_regs_struct *r)
{
	if ((int64_t)r->orig_rax < 0)
		return;
	switch ((int64_t)r->rax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		r->rax = r->orig_rax;
		r->rip -= 2;
		break;
	case -ERESTART_RESTARTBLOCK:
		r->rax = SYS_restart_syscall;
		r->rip -= 2;
		break;
	}
}

int sigframe__build(uint64_t below, const struct user_regs_struct *regs, const void *xstate,
		    size_t xlen, uint64_t sigmask, uint64_t pretcode, void *buf, size_t cap,
		    struct sigframe *fr)
{
	const uint64_t gregs[] = {
		regs->r8,  regs->r9,  regs->r10, regs->r11, regs->r12, regs->r13,
		regs->r14, regs->r15, regs->rdi, regs->rsi, regs->rbp, regs->rbx,
		regs->rdx, regs->rax, regs->rcx, regs->rsp, regs->rip, regs->eflags,
	};
	uint64_t xfeatures = 0;
	size_t img = 512, i;
	uint8_t *b = buf, *uc, *mc, *fp;

	if (xlen != 512) {
		img = sigframe__xstate_size(xstate, xlen, &xfeatures);
		if (!img)
			return -EINVAL;
	}
	fr->fpstate = (below - (img + 4)) & ~63ULL;
	fr->frame = ((fr->fpstate - SIGFRAME_SIZE) & ~15ULL) - 8;
	fr->size = fr->fpstate + img + 4 - fr->frame;
	if (fr->size > cap)
		return -ENOSPC;
	memset(b, 0, fr->size);
	put64(b, pretcode);
	uc = b + 8;
	put64(uc, UC_FLAGS);
	/* uc_link 0; uc_stack: ss_sp, ss_flags, ss_size */
	put32(uc + 16 + 8, SS_FLAGS_KEEP);
	mc = uc + 40;
	for (i = 0; i < sizeof(gregs) / sizeof(gregs[0]); i++)
		put64(mc + 8 * i, gregs[i]);
	/* cs, gs, fs, ss: 16 bits each; gs and fs are not restored on x86-64 */
	put16(mc + 144, (uint16_t)regs->cs);
	put16(mc + 150, (uint16_t)regs->ss);
	/* err, trapno, oldmask, cr2 stay 0 */
	put64(mc + 184, fr->fpstate);
	put64(uc + 40 + 256, sigmask);
	fp = b + (fr->fpstate - fr->frame);
	memcpy(fp, xstate, img);
	if (img == 512)
		return 0; /* no magic: the kernel restores x87 and SSE with fxrstor */
	memset(fp + FX_SW_OFF, 0, FX_SW_LEN);
	put32(fp + FX_SW_OFF, FP_XSTATE_MAGIC1);
	put32(fp + FX_SW_OFF + 4, (uint32_t)(img + 4));
	put64(fp + FX_SW_OFF + 8, xfeatures);
	put32(fp + FX_SW_OFF + 16, (uint32_t)img);
	put32(fp + img, FP_XSTATE_MAGIC2);
	return 0;
}
