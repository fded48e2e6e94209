/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86-64 frame that rt_sigreturn(2) reads (the kernel's struct rt_sigframe): every
 * general register, the flags, the extended (XSAVE) state and the signal mask. A remote call
 * or system call that returns into it puts the thread back as it was stopped by itself, so a
 * thread whose tracer is killed mid-call resumes its own work instead of running on with our
 * registers (tools/docs/design/ulp-redirection.md §4).
 */
#ifndef HC_SIGFRAME_H
#define HC_SIGFRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

/* struct rt_sigframe up to and with its siginfo: pretcode, ucontext, siginfo */
#define SIGFRAME_SIZE (8 + 304 + 128)
/* the fxsave area and the XSAVE header: the least of an image */
#define SIGFRAME_XMIN (512 + 64)
/* "mov $15, %rax; syscall": glibc's __restore_rt */
#define SIGFRAME_RESTORER                                            \
	{                                                            \
		0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05 \
	}
#define SIGFRAME_RESTORER_LEN 9

struct sigframe {
	uint64_t frame;	  /* the frame's address: rt_sigreturn finds it at its rsp - 8 */
	uint64_t fpstate; /* the XSAVE image's, 64-byte aligned, above the frame */
	size_t size;	  /* bytes from frame to the image's end marker, all in buf */
};

/*
 * Lay the frame out below @below (the lowest byte it may use is the thread's stack), with
 * the frame 8 bytes off a 16-byte boundary: a thread entering a "call" at frame + 8 gives
 * its callee the ABI's alignment, and the call's return address lands on pretcode, which
 * rt_sigreturn ignores. @regs as they must come back; @xstate, @xlen: the thread's
 * NT_X86_XSTATE regset, or only its 512-byte fxsave area; @sigmask: its blocked signals;
 * @pretcode: the frame's first word. Fills @buf (@cap bytes) with what goes at fr->frame.
 * -EINVAL on an image too short, -ENOSPC when @buf is.
 */
int sigframe__build(uint64_t below, const struct user_regs_struct *regs, const void *xstate,
		    size_t xlen, uint64_t sigmask, uint64_t pretcode, void *buf, size_t cap,
		    struct sigframe *fr);

/*
 * Of an NT_X86_XSTATE image of @xlen bytes: the size the kernel takes back from a signal
 * frame, that of the components every thread has (AMX tile data only if in use), and
 * those components in *@xfeatures. 0 if the image is shorter.
 */
size_t sigframe__xstate_size(const void *xstate, size_t xlen, uint64_t *xfeatures);

/*
 * A thread stopped in an interrupted system call (orig_rax >= 0, rax one of the kernel's
 * -ERESTART* codes) restarts it when it resumes with no signal handler to run: @r gets what
 * the kernel would do then (rip back on the syscall instruction, rax its number), since
 * rt_sigreturn turns restarting off. Other registers are left alone.
 */
void sigframe__restart(struct user_regs_struct *r);

#endif
