// SPDX-License-Identifier: GPL-2.0
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "proc.h"
#include "sigframe.h"
#include "tracee.h"

/* room for the XSAVE area of any current x86-64 CPU, AMX tiles included */
#define XSTATE_MAX	(16 * 1024)
/* below the red zone (128 bytes) with room to spare */
#define CALL_STACK_GAP	256
/* a thread that never stops after a timeout gets this long more before we give up on it */
#define DETACH_GRACE_NS (1000ULL * 1000 * 1000)
/* the kernel's first real-time signal; glibc's SIGRTMIN is above its own two */
#define KERNEL_SIGRTMIN 32

uint64_t tracee__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct tracee_thread *find(struct tracee *tr, pid_t tid)
{
	size_t i;

	for (i = 0; i < tr->nr; i++)
		if (tr->t[i].tid == tid)
			return &tr->t[i];
	return NULL;
}

static struct tracee_thread *add(struct tracee *tr, pid_t tid)
{
	struct tracee_thread *th;

	if (tr->nr == tr->cap) {
		size_t cap = tr->cap ? tr->cap * 2 : 16;
		struct tracee_thread *nt = realloc(tr->t, cap * sizeof(*nt));

		if (!nt)
			return NULL;
		tr->t = nt;
		tr->cap = cap;
	}
	th = &tr->t[tr->nr++];
	memset(th, 0, sizeof(*th));
	th->tid = tid;
	return th;
}

/*
 * @th exited with signals held: those sent to the process still have a taker in it. Whether
 * one was for this thread alone is not known; that one is moot now.
 */
static void forward_held(struct tracee *tr, struct tracee_thread *th)
{
	size_t i;

	for (i = 0; i < th->nr_held; i++)
		kill(tr->pid, th->held[i].si_signo);
	free(th->held);
	th->held = NULL;
	th->nr_held = 0;
}

static void drop(struct tracee *tr, struct tracee_thread *th)
{
	size_t i = (size_t)(th - tr->t);

	forward_held(tr, th);
	memmove(&tr->t[i], &tr->t[i + 1], (tr->nr - i - 1) * sizeof(*th));
	tr->nr--;
}

/*
 * Wait for @tid's next stop with a deadline. Polling with WNOHANG keeps other children of
 * the caller (a test harness's own target, say) out of it; the sleeps grow from a yield,
 * since an interrupted thread usually stops within microseconds.
 */
static int wait_tid(pid_t tid, int *status, uint64_t deadline)
{
	unsigned int round = 0;

	for (;;) {
		pid_t r = waitpid(tid, status, WNOHANG | __WALL);

		if (r == tid)
			return 0;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (tracee__now_ns() > deadline)
			return -ETIMEDOUT;
		if (round < 50) {
			sched_yield();
		} else {
			struct timespec ts = { 0, round < 200 ? 20000 : 500000 };

			nanosleep(&ts, NULL);
		}
		round++;
	}
}

/*
 * Keep the signal of @th's signal-delivery-stop for release. A standard signal is one
 * pending bit in the kernel too: a second while the first is held adds nothing. Real-time
 * signals queue, each with its own value: every one is kept.
 */
static int hold(struct tracee_thread *th, int sig)
{
	siginfo_t si, *n;
	size_t i;

	if (ptrace(PTRACE_GETSIGINFO, th->tid, 0, &si)) {
		memset(&si, 0, sizeof(si));
		si.si_signo = sig;
		si.si_code = SI_TKILL;
	}
	if (sig < KERNEL_SIGRTMIN)
		for (i = 0; i < th->nr_held; i++)
			if (th->held[i].si_signo == sig)
				return 0;
	n = realloc(th->held, (th->nr_held + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	th->held = n;
	th->held[th->nr_held++] = si;
	return 0;
}

/* a SIGTRAP or SIGSYS of the kernel's (si_code > 0), not one that somebody sent with kill() */
static bool from_kernel(pid_t tid)
{
	siginfo_t si;

	return ptrace(PTRACE_GETSIGINFO, tid, 0, &si) || si.si_code > 0;
}

/*
 * Account for one wait status of a thread we hold. Returns 1 stopped, 0 gone (dropped),
 * -errno on failure. A new thread of a clone event is added, not yet stopped.
 */
static int note_status(struct tracee *tr, struct tracee_thread *th, int status)
{
	unsigned long msg;
	int event = status >> 16;

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		drop(tr, th);
		return 0;
	}
	if (!WIFSTOPPED(status))
		return -EINVAL;
	if (event == PTRACE_EVENT_CLONE) {
		pid_t tid = th->tid;

		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg) == 0 && !find(tr, (pid_t)msg) &&
		    !add(tr, (pid_t)msg))
			return -ENOMEM;
		th = find(tr, tid);
	} else if (!event) {
		/* a signal-delivery-stop (SEIZE reports our interrupt as an event stop) */
		if (hold(th, WSTOPSIG(status)))
			return -ENOMEM;
	}
	th->at_signal = !event;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &th->regs)) {
		if (errno == ESRCH) {
			drop(tr, th);
			return 0;
		}
		return -errno;
	}
	th->stopped = true;
	return 1;
}

static int seize(struct tracee *tr, pid_t tid)
{
	/* TRACESYSGOOD: a framed run's system call stops are told from a SIGTRAP */
	if (ptrace(PTRACE_SEIZE, tid, 0,
		   (void *)(long)(PTRACE_O_TRACECLONE | PTRACE_O_TRACESYSGOOD)))
		return errno == ESRCH ? 0 : -errno;
	if (!tr->t_first)
		tr->t_first = tracee__now_ns();
	if (!add(tr, tid)) {
		ptrace(PTRACE_DETACH, tid, 0, 0);
		return -ENOMEM;
	}
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) && errno != ESRCH)
		return -errno;
	return 0;
}

int tracee__stop(struct tracee *tr, pid_t pid, uint64_t timeout_ns, char *err, size_t len)
{
	uint64_t deadline = tracee__now_ns() + timeout_ns;
	char path[64];
	int ret;
	size_t i;

	memset(tr, 0, sizeof(*tr));
	tr->pid = pid;
	tr->mem_fd = -1;
	for (;;) {
		bool fresh = false;
		pid_t *tids;
		size_t n;

		if (tracee__now_ns() > deadline) {
			ret = -ETIMEDOUT;
			snprintf(err, len,
				 "pid %d: its threads did not settle within %" PRIu64 " ms; "
				 "the process was left running",
				 pid, timeout_ns / 1000000);
			goto fail;
		}
		ret = proc__tids(pid, &tids, &n);
		if (ret) {
			snprintf(err, len, "pid %d: cannot list its threads: %s", pid,
				 strerror(-ret));
			goto fail;
		}
		for (i = 0; i < n && !ret; i++) {
			if (find(tr, tids[i]))
				continue;
			ret = seize(tr, tids[i]);
			fresh = true;
		}
		free(tids);
		if (ret) {
			snprintf(err, len, "pid %d: cannot ptrace it: %s", pid, strerror(-ret));
			goto fail;
		}
		for (i = 0; i < tr->nr; i++) {
			struct tracee_thread *th = &tr->t[i];
			int st, r;

			if (th->stopped)
				continue;
			ret = wait_tid(th->tid, &st, deadline);
			if (ret == -ECHILD) {
				/* exited and reaped by its process already */
				drop(tr, th);
				i--;
				ret = 0;
				continue;
			}
			if (ret) {
				snprintf(err, len,
					 "pid %d: thread %d did not stop within %" PRIu64
					 " ms (%s); the process was left running",
					 pid, th->tid, timeout_ns / 1000000, strerror(-ret));
				goto fail;
			}
			r = note_status(tr, th, st);
			if (r < 0) {
				ret = r;
				snprintf(err, len, "pid %d: cannot stop thread %d: %s", pid,
					 th->tid, strerror(-r));
				goto fail;
			}
			if (!r)
				i--;
			/* a clone event added a thread: the loop reaches it */
			fresh = true;
		}
		if (!fresh)
			break;
	}
	if (!tr->nr) {
		snprintf(err, len, "pid %d: exited while being stopped", pid);
		ret = -ESRCH;
		goto fail;
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	tr->mem_fd = open(path, O_RDWR | O_CLOEXEC);
	return 0;
fail:
	tracee__release(tr, NULL, 0);
	return ret;
}

/*
 * Every detached thread competes with us for a CPU: on a busy machine the scheduler may run
 * it for a whole slice (4 ms at HZ=250) before we detach the next, and the process stays
 * half-stopped for that long. A real-time policy for this thread, only while it detaches,
 * keeps the release in one go; without the privilege it goes as fast as it can.
 */
struct sched_save {
	int policy;
	struct sched_param param;
	bool changed;
};

static void boost(struct sched_save *s)
{
	struct sched_param rt = { .sched_priority = 1 };

	s->changed = false;
	s->policy = sched_getscheduler(0);
	if (s->policy < 0 || s->policy == SCHED_FIFO || s->policy == SCHED_RR ||
	    sched_getparam(0, &s->param))
		return;
	s->changed = !sched_setscheduler(0, SCHED_FIFO, &rt);
}

static void unboost(struct sched_save *s)
{
	if (s->changed)
		sched_setscheduler(0, s->policy, &s->param);
}

/* what rt_tgsigqueueinfo() takes from another process: not the kernel's, nor tgkill's */
static bool queueable(const siginfo_t *si)
{
	return si->si_code < 0 && si->si_code != SI_TKILL;
}

/*
 * What resending @si would lose, for the one signal a detach can inject intact: nothing when
 * rt_tgsigqueueinfo() takes it; little for the kernel's SI_KERNEL (an itimer's SIGALRM, a
 * tty's SIGINT carry no more than their number) or another tgkill(); the sender or the
 * child's exit otherwise (kill()'s SI_USER, SIGCHLD's CLD_*).
 */
static int resend_loss(const siginfo_t *si)
{
	if (queueable(si))
		return 0;
	return si->si_code == SI_KERNEL || si->si_code == SI_TKILL ? 1 : 2;
}

static void resend(struct tracee *tr, pid_t tid, const siginfo_t *si)
{
	siginfo_t copy = *si;

	if (queueable(si) && !syscall(SYS_rt_tgsigqueueinfo, tr->pid, tid, si->si_signo, &copy))
		return;
	syscall(SYS_tgkill, tr->pid, tid, si->si_signo);
}

/*
 * Send on what @th held; returns the signal for its detach to inject, or 0. A thread in a
 * signal-delivery-stop can take one signal out with its siginfo intact: PTRACE_SETSIGINFO,
 * then the detach injects it, and the kernel queues it again if the thread blocks it by
 * then: the one whose resending would lose the most (resend_loss()). The others are queued
 * to the thread before it goes. rt_tgsigqueueinfo() keeps the siginfo of a sigqueue() or a
 * timer, but refuses one the kernel made (a child's exit) or tgkill's: those arrive as our
 * tgkill(). Each arrives once; none is lost.
 */
static int send_on(struct tracee *tr, struct tracee_thread *th)
{
	size_t i, inject = th->nr_held;

	if (th->at_signal && th->nr_held) {
		inject = 0;
		for (i = 1; i < th->nr_held; i++)
			if (resend_loss(&th->held[i]) > resend_loss(&th->held[inject]))
				inject = i;
	}
	for (i = 0; i < th->nr_held; i++)
		if (i != inject)
			resend(tr, th->tid, &th->held[i]);
	if (inject == th->nr_held)
		return 0;
	if (ptrace(PTRACE_SETSIGINFO, th->tid, 0, &th->held[inject])) {
		resend(tr, th->tid, &th->held[inject]);
		return 0;
	}
	return th->held[inject].si_signo;
}

int tracee__release(struct tracee *tr, char *err, size_t len)
{
	struct sched_save save;
	int ret = 0;
	size_t i;

	boost(&save);
	for (i = 0; i < tr->nr; i++) {
		struct tracee_thread *th = &tr->t[i];

		if (!th->stopped) {
			/* seized, interrupted, not stopped yet: detach needs a stop */
			int st;

			if (wait_tid(th->tid, &st, tracee__now_ns() + DETACH_GRACE_NS) ||
			    WIFEXITED(st) || WIFSIGNALED(st)) {
				forward_held(tr, th);
				continue;
			}
			th->at_signal = !(st >> 16);
			if (th->at_signal)
				hold(th, WSTOPSIG(st));
		}
		if (th->dirty && ptrace(PTRACE_SETREGS, th->tid, 0, &th->regs) && errno != ESRCH) {
			if (!ret && err)
				snprintf(err, len,
					 "pid %d: cannot restore the registers of thread %d: "
					 "%s",
					 tr->pid, th->tid, strerror(errno));
			ret = ret ? ret : -errno;
		}
		ptrace(PTRACE_DETACH, th->tid, 0, (void *)(long)send_on(tr, th));
		free(th->held);
	}
	if (tr->t_first)
		tr->freeze_ns = tracee__now_ns() - tr->t_first;
	unboost(&save);
	if (tr->mem_fd >= 0)
		close(tr->mem_fd);
	tr->mem_fd = -1;
	free(tr->t);
	tr->t = NULL;
	tr->nr = tr->cap = 0;
	return ret;
}

static struct tracee_thread *worker(struct tracee *tr)
{
	size_t i;

	/*
	 * The leader first: it is the one thread sure to exist in a single-threaded process.
	 * One that stopped with a signal will do: the signal is held, and sent on at release.
	 */
	for (i = 0; i < tr->nr; i++)
		if (tr->t[i].stopped && tr->t[i].tid == tr->pid)
			return &tr->t[i];
	for (i = 0; i < tr->nr; i++)
		if (tr->t[i].stopped)
			return &tr->t[i];
	return NULL;
}

static int peek_read(struct tracee *tr, uint64_t addr, void *buf, size_t n)
{
	struct tracee_thread *th = worker(tr);
	uint8_t *out = buf;

	if (!th)
		return -ESRCH;
	while (n) {
		uint64_t base = addr & ~7ULL;
		size_t skip = addr - base, k = 8 - skip < n ? 8 - skip : n;
		long w;

		errno = 0;
		w = ptrace(PTRACE_PEEKDATA, th->tid, (void *)base, 0);
		if (errno)
			return -errno;
		memcpy(out, (uint8_t *)&w + skip, k);
		out += k;
		addr += k;
		n -= k;
	}
	return 0;
}

int tracee__read(struct tracee *tr, uint64_t addr, void *buf, size_t n)
{
	ssize_t r = tr->mem_fd >= 0 ? pread(tr->mem_fd, buf, n, (off_t)addr) : -1;

	if (r == (ssize_t)n)
		return 0;
	return peek_read(tr, addr, buf, n);
}

static int poke_write(struct tracee *tr, uint64_t addr, const void *buf, size_t n)
{
	struct tracee_thread *th = worker(tr);
	const uint8_t *in = buf;

	if (!th)
		return -ESRCH;
	while (n) {
		uint64_t base = addr & ~7ULL;
		size_t skip = addr - base, k = 8 - skip < n ? 8 - skip : n;
		long w;

		/* read-modify-write: POKEDATA writes whole words */
		errno = 0;
		w = ptrace(PTRACE_PEEKDATA, th->tid, (void *)base, 0);
		if (errno)
			return -errno;
		memcpy((uint8_t *)&w + skip, in, k);
		if (ptrace(PTRACE_POKEDATA, th->tid, (void *)base, (void *)w))
			return -errno;
		in += k;
		addr += k;
		n -= k;
	}
	return 0;
}

int tracee__write(struct tracee *tr, uint64_t addr, const void *buf, size_t n)
{
	uint8_t check[256];
	size_t done = 0;
	ssize_t r = tr->mem_fd >= 0 ? pwrite(tr->mem_fd, buf, n, (off_t)addr) : -1;
	int ret = 0;

	/* proc_mem.force_override=never refuses text writes through the file: POKEDATA can */
	if (r != (ssize_t)n)
		ret = poke_write(tr, addr, buf, n);
	if (ret)
		return ret;
	while (done < n) {
		size_t k = n - done < sizeof(check) ? n - done : sizeof(check);

		ret = tracee__read(tr, addr + done, check, k);
		if (ret)
			return ret;
		if (memcmp(check, (const uint8_t *)buf + done, k))
			return -EIO;
		done += k;
	}
	return 0;
}

/*
 * A thread we resumed after a PTRACE_INTERRUPT stops where it is: an interrupt stop, or a
 * signal's (held), after any system call stop on the way
 */
static int wait_stop(struct tracee *tr, struct tracee_thread **thp)
{
	uint64_t deadline = tracee__now_ns() + DETACH_GRACE_NS;
	struct tracee_thread *th = *thp;
	int st;

	for (;;) {
		if (wait_tid(th->tid, &st, deadline)) {
			th->stopped = false;
			return -ETIMEDOUT;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			drop(tr, th);
			*thp = NULL;
			return -ESRCH;
		}
		/* a system call's stop comes first; the interrupt's follows */
		if (WSTOPSIG(st) == (SIGTRAP | 0x80) && !(st >> 16)) {
			ptrace(PTRACE_CONT, th->tid, 0, 0);
			continue;
		}
		th->at_signal = !(st >> 16);
		if (th->at_signal && (WSTOPSIG(st) != SIGTRAP || !from_kernel(th->tid)))
			hold(th, WSTOPSIG(st));
		return 0;
	}
}

static int stop_again(struct tracee *tr, struct tracee_thread **thp)
{
	ptrace(PTRACE_INTERRUPT, (*thp)->tid, 0, 0);
	return wait_stop(tr, thp);
}

static void set_xstate(pid_t tid, const void *xstate, size_t xlen)
{
	struct iovec iov = { (void *)xstate, xlen };

	if (xlen)
		ptrace(PTRACE_SETREGSET, tid,
		       (void *)(long)(xlen == 512 ? NT_PRFPREG : NT_X86_XSTATE), &iov);
}

/* what a framed run of run_framed() waits for */
struct framed {
	uint64_t sys_end; /* a system call: rip after its "syscall", whose exit gives ret */
	uint64_t slot;	  /* a call: where the stub leaves rax for us */
	uint64_t sigret;  /* rip after the "syscall" of rt_sigreturn, the way back */
	uint64_t ret;
	bool got;
};

/*
 * Run @th from @set until it is back through rt_sigreturn, tracing its system calls: the
 * only stops of a framed run that it needs to see are the system call's exit (its result)
 * and rt_sigreturn's entry and exit. Any signal on the way is held and the thread resumed
 * without it: a process that gets SIGCHLD every millisecond (a postmaster) must not fail
 * every injection, and its handler must not run inside our code. SIGSYS of seccomp and an
 * exit abort; a clone event adds the new thread and resumes; a stale interrupt stop resumes.
 * On -ETIMEDOUT the thread is stopped again where it was.
 */
static int run_framed(struct tracee *tr, struct tracee_thread **thp,
		      const struct user_regs_struct *set, struct framed *f, uint64_t timeout_ns)
{
	uint64_t deadline = tracee__now_ns() + timeout_ns;
	struct tracee_thread *th = *thp;
	bool returning = false;
	pid_t tid = th->tid;
	int st, ret, event;

	th->dirty = true;
	if (ptrace(PTRACE_SETREGS, tid, 0, set))
		return -errno;
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, tid, 0, 0))
			return -errno;
		ret = wait_tid(tid, &st, deadline);
		if (ret == -ETIMEDOUT) {
			ret = stop_again(tr, thp);
			return ret == -ESRCH ? ret : -ETIMEDOUT;
		}
		if (ret)
			return ret;
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			drop(tr, th);
			*thp = NULL;
			return -ESRCH;
		}
		event = st >> 16;
		if (event == PTRACE_EVENT_CLONE) {
			unsigned long msg;

			if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg) == 0 &&
			    !find(tr, (pid_t)msg)) {
				size_t idx = (size_t)(th - tr->t);

				if (!add(tr, (pid_t)msg))
					return -ENOMEM;
				th = *thp = &tr->t[idx];
			}
			continue;
		}
		if (event)
			continue;
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			struct __ptrace_syscall_info si;

			if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(si), &si) <= 0)
				return -errno;
			if (returning && si.op == PTRACE_SYSCALL_INFO_EXIT)
				return f->got ? 0 : -EFAULT;
			if (si.op == PTRACE_SYSCALL_INFO_EXIT && f->sys_end && !f->got &&
			    si.instruction_pointer == f->sys_end) {
				f->ret = (uint64_t)si.exit.rval;
				f->got = true;
			} else if (si.op == PTRACE_SYSCALL_INFO_ENTRY &&
				   si.entry.nr == SYS_rt_sigreturn &&
				   si.instruction_pointer == f->sigret) {
				if (f->slot && !tracee__read(tr, f->slot, &f->ret, sizeof(f->ret)))
					f->got = true;
				returning = true;
			}
			continue;
		}
		if (WSTOPSIG(st) == SIGSYS && from_kernel(tid))
			return -EPERM;
		if (hold(th, WSTOPSIG(st)))
			return -ENOMEM;
	}
}

/* new threads that a remote call cloned were auto-attached: wait for their first stop */
static void settle_new(struct tracee *tr)
{
	size_t i;

	for (i = 0; i < tr->nr; i++) {
		int st;

		if (tr->t[i].stopped)
			continue;
		if (wait_tid(tr->t[i].tid, &st, tracee__now_ns() + DETACH_GRACE_NS))
			continue;
		if (note_status(tr, &tr->t[i], st) == 0)
			i--;
	}
}

static const char *why(int ret)
{
	switch (ret) {
	case -ETIMEDOUT:
		return "it did not return in time";
	case -EPERM:
		return "seccomp refused it (SIGSYS)";
	case -EFAULT:
		return "it came back without its result";
	case -ESRCH:
		return "the thread exited";
	default:
		return strerror(-ret);
	}
}

/* the names of the system calls run remotely, for messages; others by number */
static const char *syscall_name(long nr)
{
	static char buf[32];

	switch (nr) {
	case SYS_mmap:
		return "mmap";
	case SYS_munmap:
		return "munmap";
	case SYS_mprotect:
		return "mprotect";
	default:
		snprintf(buf, sizeof(buf), "system call %ld", nr);
		return buf;
	}
}

/*
 * Build @th's way back in its own stack: an rt_sigreturn frame of its registers as they
 * must come back (an interrupted system call set to restart, what the kernel does when no
 * handler runs), its extended state and its signal mask, below its red zone. Fills @fr;
 * @xstate and @sigmask keep the image and the mask for put_back().
 */
static int frame_write(struct tracee *tr, struct tracee_thread *th, uint64_t pretcode, void *xstate,
		       size_t *xlen, uint64_t *sigmask, struct sigframe *fr)
{
	struct user_regs_struct back = th->regs;
	uint64_t mask = 0;
	struct iovec iov;
	void *buf;
	int ret;

	iov.iov_base = xstate;
	iov.iov_len = XSTATE_MAX;
	if (ptrace(PTRACE_GETREGSET, th->tid, (void *)(long)NT_X86_XSTATE, &iov)) {
		/* no XSAVE: the fxsave area alone */
		iov.iov_len = 512;
		if (ptrace(PTRACE_GETREGSET, th->tid, (void *)(long)NT_PRFPREG, &iov))
			return -errno;
	}
	*xlen = iov.iov_len;
	if (ptrace(PTRACE_GETSIGMASK, th->tid, sizeof(mask), &mask))
		return -errno;
	*sigmask = mask;
	sigframe__restart(&back);
	buf = malloc(XSTATE_MAX + SIGFRAME_SIZE + 128);
	if (!buf)
		return -ENOMEM;
	ret = sigframe__build(th->regs.rsp - CALL_STACK_GAP, &back, xstate, *xlen, mask, pretcode,
			      buf, XSTATE_MAX + SIGFRAME_SIZE + 128, fr);
	if (!ret)
		ret = tracee__write(tr, fr->frame, buf, fr->size);
	free(buf);
	return ret;
}

/*
 * The signal @th held that would lose the most by a resend, if it can stop @th in its
 * delivery: a standard one (one pending bit: the stand-in adds nothing) not in @sigmask.
 */
static int stand_in(const struct tracee_thread *th, uint64_t sigmask)
{
	const siginfo_t *best = NULL;
	size_t i;

	for (i = 0; i < th->nr_held; i++)
		if (!best || resend_loss(&th->held[i]) > resend_loss(best))
			best = &th->held[i];
	if (!best || !resend_loss(best) || best->si_signo >= KERNEL_SIGRTMIN ||
	    (sigmask & (1ULL << (best->si_signo - 1))))
		return 0;
	return best->si_signo;
}

/*
 * After a framed run: @th, back from rt_sigreturn in a system call's exit stop, is stopped
 * again with the registers it was stopped with, where resuming goes through the kernel's
 * signal delivery: that restarts an interrupted system call, or runs the handler of a
 * signal we held, as it would have; a thread let go from the exit stop would see
 * -ERESTARTSYS. An interrupt stop, or, when it held a signal whose siginfo a resend would
 * lose (a kill()'s sender), that signal's delivery stop, where release injects it intact:
 * a tgkill() of the same signal stands in. Either is asked for first: a thread whose tracer
 * dies between these steps still passes there.
 */
static int put_back(struct tracee *tr, struct tracee_thread **thp, const void *xstate, size_t xlen,
		    uint64_t sigmask)
{
	struct tracee_thread *th = *thp;
	int sig = stand_in(th, sigmask);

	if (!sig || syscall(SYS_tgkill, tr->pid, th->tid, sig))
		ptrace(PTRACE_INTERRUPT, th->tid, 0, 0);
	if (ptrace(PTRACE_SETREGS, th->tid, 0, &th->regs))
		return -errno;
	set_xstate(th->tid, xstate, xlen);
	if (ptrace(PTRACE_CONT, th->tid, 0, 0))
		return -errno;
	return wait_stop(tr, thp);
}

/* the registers and extended state @th was stopped with, after a run that failed */
static void restore(struct tracee_thread *th, const void *xstate, size_t xlen)
{
	if (!th || !th->stopped)
		return;
	ptrace(PTRACE_SETREGS, th->tid, 0, &th->regs);
	set_xstate(th->tid, xstate, xlen);
}

/*
 * One framed run: the frame, the run, the way back. @set's rip and arguments are the
 * caller's; its rsp is set here. @call: @set enters a call at the frame, else a system call
 * that returns into tr's restorer.
 */
static int framed(struct tracee *tr, struct tracee_thread *th, struct user_regs_struct *set,
		  uint64_t pretcode, bool call, struct framed *f, uint64_t timeout_ns)
{
	uint64_t sigmask = 0;
	struct sigframe fr;
	size_t xlen = 0;
	void *xstate;
	int ret;

	xstate = malloc(XSTATE_MAX);
	if (!xstate)
		return -ENOMEM;
	ret = frame_write(tr, th, pretcode, xstate, &xlen, &sigmask, &fr);
	if (ret)
		goto out;
	/* a call's return address lands on pretcode; a system call's "ret" pops it */
	set->rsp = call ? fr.frame + 8 : fr.frame;
	set->orig_rax = (unsigned long long)-1;
	if (call)
		f->slot = fr.frame;
	ret = run_framed(tr, &th, set, f, timeout_ns);
	if (!ret)
		ret = put_back(tr, &th, xstate, xlen, sigmask);
	else
		restore(th, xstate, xlen);
out:
	free(xstate);
	settle_new(tr);
	return ret;
}

int tracee__syscall(struct tracee *tr, const struct tracee_gadgets *g, long nr,
		    const uint64_t args[6], int64_t *ret, uint64_t timeout_ns, char *err,
		    size_t len)
{
	struct tracee_thread *th = worker(tr);
	struct framed f = { .sys_end = g->syscall_ret + 2,
			    .sigret = g->restorer + SIGFRAME_RESTORER_LEN };
	struct user_regs_struct r;
	int rc;

	if (!th) {
		snprintf(err, len, "pid %d: no stopped thread to run a system call in", tr->pid);
		return -ESRCH;
	}
	r = th->regs;
	r.rip = g->syscall_ret;
	r.rax = (unsigned long long)nr;
	r.rdi = args[0];
	r.rsi = args[1];
	r.rdx = args[2];
	r.r10 = args[3];
	r.r8 = args[4];
	r.r9 = args[5];
	rc = framed(tr, th, &r, g->restorer, false, &f, timeout_ns);
	if (rc) {
		snprintf(err, len, "pid %d: remote %s() failed: %s", tr->pid, syscall_name(nr),
			 why(rc));
		return rc;
	}
	*ret = (int64_t)f.ret;
	return 0;
}

int tracee__call(struct tracee *tr, uint64_t stub, uint64_t func, const uint64_t args[6],
		 uint64_t *ret, uint64_t timeout_ns, char *err, size_t len)
{
	struct tracee_thread *th = worker(tr);
	struct framed f = { .sigret = stub + TRACEE_STUB_SIGRET };
	struct user_regs_struct r;
	int rc;

	if (!th) {
		snprintf(err, len, "pid %d: no stopped thread to run a call in", tr->pid);
		return -ESRCH;
	}
	r = th->regs;
	r.rip = stub;
	r.rax = func;
	r.rdi = args[0];
	r.rsi = args[1];
	r.rdx = args[2];
	r.rcx = args[3];
	r.r8 = args[4];
	r.r9 = args[5];
	/* the callee may use any vector register: the frame has the thread's, and puts them back */
	rc = framed(tr, th, &r, 0, true, &f, timeout_ns);
	if (rc) {
		snprintf(err, len, "pid %d: remote call of 0x%" PRIx64 " failed: %s", tr->pid, func,
			 why(rc));
		return rc;
	}
	*ret = f.ret;
	return 0;
}
