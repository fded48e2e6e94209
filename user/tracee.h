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
 * A signal that arrives while a thread runs a remote syscall or call is held, not delivered:
 * its handler must not run in the middle of our code. The thread goes on with the call and
 * the signal is sent on at release, with its siginfo where the kernel lets us (see release).
 *
 * Run syscall @nr in one stopped thread by single-stepping the "syscall" instruction at
 * @insn (two bytes 0f 05 in any executable mapping). *@ret gets rax (-errno on failure).
 * @nr must not sleep interruptibly: a signal held meanwhile would cut it short, and *@ret
 * would be -ERESTARTSYS (-512) or a kin. mmap and munmap do not sleep so.
 */
int tracee__syscall(struct tracee *tr, uint64_t insn, long nr, const uint64_t args[6], int64_t *ret,
		    uint64_t timeout_ns, char *err, size_t len);
/*
 * Call @func(@args[0..5]) in one stopped thread through @stub, which holds
 * "call *%rax; int3" (ff d0 cc), on the thread's own stack below its red zone; other
 * threads stay stopped. Registers and extended state are restored whatever happens.
 * -ETIMEDOUT, -ESRCH (it exited), -EPERM (SIGSYS: seccomp), -EFAULT (a trap elsewhere).
 */
int tracee__call(struct tracee *tr, uint64_t stub, uint64_t func, const uint64_t args[6],
		 uint64_t *ret, uint64_t timeout_ns, char *err, size_t len);

#define TRACEE_STUB              \
	{                        \
		0xff, 0xd0, 0xcc \
	}
#define TRACEE_STUB_LEN 3

#endif
