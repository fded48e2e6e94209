/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stop every thread of a process with ptrace, look at and change it while it is stopped,
 * then put every register back and let it go. All calls on one struct tracee must come from
 * the same thread of the caller: ptrace binds a tracee to the thread that seized it.
 */
#ifndef HC_TRACEE_H
#define HC_TRACEE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

struct tracee_thread {
	pid_t tid;
	bool stopped;	 /* in a ptrace stop, regs valid */
	bool dirty;	 /* regs changed: put them back before detaching */
	bool at_signal;	 /* in a signal-delivery-stop: detach can inject one */
	siginfo_t *held; /* arrived while we held it; sent on at release */
	size_t nr_held;
	struct user_regs_struct regs; /* as the thread was stopped */
};

struct tracee {
	pid_t pid;
	struct tracee_thread *t;
	size_t nr;
	size_t cap;
	int mem_fd;
	uint64_t t_first;   /* CLOCK_MONOTONIC ns of the first interrupt */
	uint64_t freeze_ns; /* first interrupt to last detach, set by release */
};

uint64_t tracee__now_ns(void);

/*
 * Seize and interrupt every thread, until /proc/PID/task lists no thread we do not hold.
 * On failure nothing stays stopped. -ESRCH gone, -EPERM refused, -ETIMEDOUT a thread did
 * not stop in time.
 */
int tracee__stop(struct tracee *tr, pid_t pid, uint64_t timeout_ns, char *err, size_t len);
/*
 * Put back every thread's registers, send on every signal held while it was stopped, and
 * detach all; tr->freeze_ns gets the stop's length.
 */
int tracee__release(struct tracee *tr, char *err, size_t len);

/* memory of the stopped process: writes reach read-only text (FOLL_FORCE) and are read back */
int tracee__read(struct tracee *tr, uint64_t addr, void *buf, size_t n);
int tracee__write(struct tracee *tr, uint64_t addr, const void *buf, size_t n);

/*
 * A remote system call or call runs in one stopped thread, other threads staying stopped,
 * and returns through an rt_sigreturn frame that we write on the thread's stack below its
 * red zone (user/sigframe.h): every register, the extended state and the signal mask come
 * back by themselves, so a thread whose tracer dies at any point finishes the call and
 * resumes its own work. Tracing the thread's system calls tells us when it is back; it is
 * then stopped again as it was stopped first.
 *
 * A signal that arrives meanwhile is held, not delivered: its handler must not run in the
 * middle of our code. The thread goes on with the call and the signal is sent on at release,
 * with its siginfo where the kernel lets us (see release). A tracer that dies loses what it
 * held.
 *
 * -ETIMEDOUT, -ESRCH (the thread exited), -EPERM (SIGSYS: seccomp), -EFAULT (it came back
 * without its result).
 */

/* code of the process's that a remote system call runs through (user/ulp_inject.c finds it) */
struct tracee_gadgets {
	uint64_t syscall_ret; /* "syscall; ret" (0f 05 c3) */
	uint64_t restorer;    /* SIGFRAME_RESTORER: glibc's __restore_rt */
};

/*
 * System call @nr at @g's "syscall; ret", which returns into its restorer. *@ret gets rax
 * (-errno on failure). @nr must not sleep interruptibly: a signal held meanwhile would cut it
 * short, and *@ret would be -ERESTARTSYS (-512) or a kin. mmap and munmap do not sleep so.
 */
int tracee__syscall(struct tracee *tr, const struct tracee_gadgets *g, long nr,
		    const uint64_t args[6], int64_t *ret, uint64_t timeout_ns, char *err,
		    size_t len);
/* Call @func(@args[0..5]) through @stub, which holds TRACEE_STUB. */
int tracee__call(struct tracee *tr, uint64_t stub, uint64_t func, const uint64_t args[6],
		 uint64_t *ret, uint64_t timeout_ns, char *err, size_t len);

/*
 * call *%rax; mov %rax, -8(%rsp) (the frame's pretcode: the result for us); mov $15, %eax;
 * syscall (rt_sigreturn); ud2
 */
#define TRACEE_STUB                                                                           \
	{                                                                                     \
		0xff, 0xd0, 0x48, 0x89, 0x44, 0x24, 0xf8, 0xb8, 0x0f, 0x00, 0x00, 0x00, 0x0f, \
			0x05, 0x0f, 0x0b                                                      \
	}
#define TRACEE_STUB_LEN	   16
/* rip after the stub's rt_sigreturn */
#define TRACEE_STUB_SIGRET 14

#endif
