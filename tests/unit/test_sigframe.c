// SPDX-License-Identifier: GPL-2.0
/*
 * user/sigframe.c: the rt_sigreturn frame's layout as arch/x86/kernel/signal_64.c reads it.
 * That the kernel takes it back whole is tested for real by tests/host/ulp.sh (engine, kill).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "sigframe.h"

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void regs_fill(struct user_regs_struct *r)
{
	memset(r, 0, sizeof(*r));
	r->r8 = 8, r->r15 = 15, r->rdi = 0xd1, r->rax = 0xa0, r->rsp = 0x7ffc0000;
	r->rip = 0x401000, r->eflags = 0x246, r->cs = 0x33, r->ss = 0x2b;
	r->orig_rax = (unsigned long long)-1;
}

/* registers where restore_sigcontext() reads them, the mask, the layout's alignment */
static void test_layout_fx_only(void **state)
{
	uint8_t fx[512], buf[2048];
	struct user_regs_struct r;
	struct sigframe fr;
	const uint8_t *mc;
	uint64_t below = 0x7ffbff00 - 3;

	regs_fill(&r);
	memset(fx, 0x5a, sizeof(fx));
	assert_int_equal(sigframe__build(below, &r, fx, sizeof(fx), 0x4001, 0x1234, buf,
					 sizeof(buf), &fr),
			 0);
	assert_int_equal(fr.frame % 16, 8);
	assert_int_equal(fr.fpstate % 64, 0);
	assert_true(fr.frame + SIGFRAME_SIZE <= fr.fpstate);
	assert_true(fr.fpstate + 512 + 4 <= below);
	assert_int_equal(fr.size, fr.fpstate + 512 + 4 - fr.frame);
	assert_int_equal(get64(buf), 0x1234);	  /* pretcode */
	assert_int_equal(get64(buf + 8), 0x7);	  /* uc_flags */
	assert_int_equal(get32(buf + 8 + 24), 3); /* ss_flags that change no altstack */
	mc = buf + 8 + 40;
	assert_int_equal(get64(mc + 0), 8);		  /* r8 */
	assert_int_equal(get64(mc + 7 * 8), 15);	  /* r15 */
	assert_int_equal(get64(mc + 8 * 8), 0xd1);	  /* rdi */
	assert_int_equal(get64(mc + 13 * 8), 0xa0);	  /* rax */
	assert_int_equal(get64(mc + 15 * 8), 0x7ffc0000); /* rsp */
	assert_int_equal(get64(mc + 16 * 8), 0x401000);	  /* rip */
	assert_int_equal(get64(mc + 17 * 8), 0x246);	  /* eflags */
	assert_int_equal(mc[144] | mc[145] << 8, 0x33);	  /* cs */
	assert_int_equal(mc[150] | mc[151] << 8, 0x2b);	  /* ss */
	assert_int_equal(get64(mc + 184), fr.fpstate);
	assert_int_equal(get64(buf + 8 + 40 + 256), 0x4001); /* uc_sigmask */
	/* an fxsave image goes as it is: no magic, the kernel uses fxrstor */
	assert_memory_equal(buf + (fr.fpstate - fr.frame), fx, sizeof(fx));
}

/* an XSAVE image: the software bytes say its size and components, MAGIC2 follows it */
static void test_layout_xsave(void **state)
{
	static uint8_t x[4096], buf[8192];
	uint64_t xcr0 = 0x7, bv = 0x7, xf = 0;
	struct user_regs_struct r;
	struct sigframe fr;
	const uint8_t *fp;
	size_t size;

	regs_fill(&r);
	memset(x, 0, sizeof(x));
	memcpy(x + 464, &xcr0, sizeof(xcr0)); /* the regset's XCR0 word */
	memcpy(x + 512, &bv, sizeof(bv));
	size = sigframe__xstate_size(x, sizeof(x), &xf);
	/* x87, SSE and AVX: the AVX state ends at 576 + 256 on every CPU that has it */
	assert_true(size >= 576 && size <= sizeof(x));
	assert_int_equal(xf, 0x7);
	assert_int_equal(sigframe__build(0x7ffbff00, &r, x, sizeof(x), 0, 0, buf, sizeof(buf), &fr),
			 0);
	fp = buf + (fr.fpstate - fr.frame);
	assert_int_equal(get32(fp + 464), 0x46505853);
	assert_int_equal(get32(fp + 468), size + 4);
	assert_int_equal(get64(fp + 472), 0x7);
	assert_int_equal(get32(fp + 480), size);
	assert_int_equal(get32(fp + size), 0x46505845);
	assert_int_equal(fr.size, fr.fpstate + size + 4 - fr.frame);
}

static void test_errors(void **state)
{
	uint8_t x[600] = { 0 }, buf[64];
	struct user_regs_struct r;
	struct sigframe fr;
	uint64_t xf;

	regs_fill(&r);
	assert_int_equal(sigframe__xstate_size(x, 500, &xf), 0);
	assert_int_equal(sigframe__build(0x7ffbff00, &r, x, 500, 0, 0, buf, sizeof(buf), &fr),
			 -EINVAL);
	assert_int_equal(sigframe__build(0x7ffbff00, &r, x, 512, 0, 0, buf, sizeof(buf), &fr),
			 -ENOSPC);
}

/* what the kernel does with an interrupted system call when no handler runs */
static void test_restart(void **state)
{
	static const long codes[] = { -512, -513, -514 };
	struct user_regs_struct r;
	size_t i;

	for (i = 0; i < 3; i++) {
		regs_fill(&r);
		r.orig_rax = SYS_epoll_wait;
		r.rax = (unsigned long long)codes[i];
		sigframe__restart(&r);
		assert_int_equal(r.rax, SYS_epoll_wait);
		assert_int_equal(r.rip, 0x401000 - 2);
	}
	regs_fill(&r);
	r.orig_rax = SYS_nanosleep;
	r.rax = (unsigned long long)-516;
	sigframe__restart(&r);
	assert_int_equal(r.rax, SYS_restart_syscall);
	assert_int_equal(r.rip, 0x401000 - 2);
	/* -EINTR is the call's answer; outside a system call rax is anything */
	regs_fill(&r);
	r.orig_rax = SYS_read;
	r.rax = (unsigned long long)-EINTR;
	sigframe__restart(&r);
	assert_int_equal(r.rip, 0x401000);
	regs_fill(&r);
	r.rax = (unsigned long long)-512;
	sigframe__restart(&r);
	assert_int_equal(r.rax, (unsigned long long)-512);
	assert_int_equal(r.rip, 0x401000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_fx_only),
		cmocka_unit_test(test_layout_xsave),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_restart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
