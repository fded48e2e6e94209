// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Function monitor: calls, error returns and a latency histogram per watched function.
 *
 * One entry/exit program pair per probe mechanism (uprobe, kprobe, fentry) serves every
 * function; which function fired comes from the BPF cookie. Entry timestamps live in a small
 * per-thread stack in task storage, so recursion and nesting are timed correctly and the
 * storage disappears with the thread. Counters are per-CPU: nothing crosses CPUs or goes
 * through a ring buffer on the hot path.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "hotcanary.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * A thread's open calls, innermost last. Return probes (uprobe, kprobe) also record the
 * stack pointer at entry: the return of a call deeper than the stack holds, or of a call
 * whose entry came before attach, is recognised by where its stack frame is, and frames
 * deeper than a returning call are known to be lost (longjmp, the kernel's limit of 64
 * pending uretprobes per thread). fexit never loses a return, so fentry frames go by id.
 */
struct frames {
	__u64 ts[HC_STACK_DEPTH];
	__u64 sp[HC_STACK_DEPTH];
	__u16 id[HC_STACK_DEPTH];
	__u32 depth;
	__u32 untracked;  /* fentry: calls above the stack, not timed */
	__u32 registered; /* tgid already in watched_tgids */
};

/* x86-64 'ret' pops the return address: at the return probe, sp is 8 above the entry's */
#define RET_SP_ADJ 8

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* sized to the number of functions before load */
	__type(key, __u32);
	__type(value, struct hc_fstats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hc_ctl);
} ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct frames);
} task_frames SEC(".maps");

#include "watched.bpf.h"

static __always_inline struct hc_ctl *ctl_ready(void)
{
	__u32 zero = 0;
	struct hc_ctl *c = bpf_map_lookup_elem(&ctl, &zero);

	if (!c || !c->ready)
		return NULL;
	return c;
}

static __always_inline struct hc_fstats *fstats_of(__u32 id)
{
	return bpf_map_lookup_elem(&stats, &id);
}

/* @sp: the stack pointer at entry for return probes, 0 for fentry */
static __always_inline int on_entry(__u64 cookie, bool user, __u64 sp)
{
	__u32 id = HC_COOKIE_ID(cookie), tgid = HC_COOKIE_TGID(cookie), d;
	struct hc_fstats *s;
	struct frames *f;
	struct hc_ctl *c;

	c = ctl_ready();
	if (!c)
		return 0;
	if (tgid && tgid != bpf_get_current_pid_tgid() >> 32)
		return 0;
	f = bpf_task_storage_get(&task_frames, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!f) {
		__sync_fetch_and_add(&c->storage_fail, 1);
		return 0;
	}
	if (user && !f->registered) {
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;
		__u8 one = 1;

		bpf_map_update_elem(&watched_tgids, &tgid, &one, BPF_ANY);
		f->registered = 1;
	}
	d = f->depth;
	if (d >= HC_STACK_DEPTH || f->untracked) {
		if (!sp)
			f->untracked++;
		s = fstats_of(id);
		if (s)
			s->depth_overflows++;
		return 0;
	}
	f->id[d & (HC_STACK_DEPTH - 1)] = id;
	f->sp[d & (HC_STACK_DEPTH - 1)] = sp;
	f->ts[d & (HC_STACK_DEPTH - 1)] = bpf_ktime_get_ns();
	f->depth = d + 1;
	return 0;
}

static __always_inline bool ret_is_error(__u64 cookie, __u64 ret)
{
	__s64 v;

	switch (HC_COOKIE_WIDTH(cookie)) {
	case 1:
		v = (__s8)ret;
		break;
	case 2:
		v = (__s16)ret;
		break;
	case 4:
		v = (__s32)ret;
		break;
	default:
		v = (__s64)ret;
		break;
	}
	switch (HC_COOKIE_MODE(cookie)) {
	case HC_ERR_NEG:
		return v < 0;
	case HC_ERR_ZERO:
		return v == 0;
	case HC_ERR_NONZERO:
		return v != 0;
	default:
		return false;
	}
}

static __always_inline void count_lost(struct frames *f, __u32 from, __u32 to)
{
	struct hc_fstats *ls;
	__u32 i;

#pragma unroll
	for (i = 0; i < HC_STACK_DEPTH; i++) {
		if (i < from || i >= to)
			continue;
		ls = fstats_of(f->id[i]);
		if (ls)
			ls->lost_exits++;
	}
}

/* fentry: the exit is the innermost open call of this id; calls above it lost their exit */
static __always_inline int match_by_id(struct frames *f, __u32 id, __u32 d)
{
	int found = -1;
	__u32 i;

	if (f->id[(d - 1) & (HC_STACK_DEPTH - 1)] == id)
		return (int)d - 1;
#pragma unroll
	/* unrolled: constant indexes keep the verifier's bounds trivial */
	for (i = HC_STACK_DEPTH - 1; (int)i >= 0; i--) {
		if (found < 0 && i < d && f->id[i] == id)
			found = i;
	}
	if (found >= 0)
		count_lost(f, found + 1, d);
	return found;
}

/*
 * Return probes: the frames entered deeper than the returning call (a lower stack pointer)
 * can never return any more; drop and count them. The call itself is the frame left on top
 * if its stack pointer matches; if not, its entry was never recorded (too deep, or before
 * attach) and there is nothing to time.
 */
static __always_inline int match_by_sp(struct frames *f, __u32 id, __u32 d, __u64 ret_sp)
{
	__u32 i, keep = 0, top;

	top = (d - 1) & (HC_STACK_DEPTH - 1);
	if (f->sp[top] == ret_sp && f->id[top] == id)
		return (int)d - 1;
#pragma unroll
	for (i = 0; i < HC_STACK_DEPTH; i++) {
		if (i < d && f->sp[i] >= ret_sp)
			keep = i + 1;
	}
	if (keep < d) {
		count_lost(f, keep, d);
		f->depth = keep;
	}
	top = (keep - 1) & (HC_STACK_DEPTH - 1);
	if (keep && f->sp[top] == ret_sp && f->id[top] == id)
		return (int)keep - 1;
	/* deeper than every open frame: a call the full stack could not hold, already counted */
	if (keep == d && f->sp[top] > ret_sp)
		return -2;
	return -1;
}

static __always_inline int on_exit(__u64 cookie, __u64 ret, __u64 sp)
{
	__u64 now = bpf_ktime_get_ns(), delta;
	__u32 id = HC_COOKIE_ID(cookie), d, b, epoch;
	struct hc_fstats *s;
	struct frames *f;
	struct hc_ctl *c;
	int found;

	c = ctl_ready();
	if (!c)
		return 0;
	if (HC_COOKIE_TGID(cookie) && HC_COOKIE_TGID(cookie) != bpf_get_current_pid_tgid() >> 32)
		return 0;
	s = fstats_of(id);
	if (!s)
		return 0;
	f = bpf_task_storage_get(&task_frames, bpf_get_current_task_btf(), 0, 0);
	if (!f) {
		s->orphan_exits++;
		return 0;
	}
	if (!sp && f->untracked) {
		f->untracked--;
		return 0;
	}
	d = f->depth;
	if (d == 0 || d > HC_STACK_DEPTH) {
		s->orphan_exits++;
		return 0;
	}
	found = sp ? match_by_sp(f, id, d, sp - RET_SP_ADJ) : match_by_id(f, id, d);
	if (found == -2)
		return 0;
	if (found < 0) {
		/* entered before the probes were ready, or deeper than the stack holds */
		s->orphan_exits++;
		return 0;
	}
	/* the 6.1 verifier loses found's range through clang's sign juggling: mask it opaquely */
	barrier_var(found);
	delta = now - f->ts[(__u32)found & (HC_STACK_DEPTH - 1)];
	f->depth = found;

	s->calls++;
	if (ret_is_error(cookie, ret))
		s->errors++;
	s->sum_ns += delta;
	epoch = c->epoch;
	if (s->max_epoch[epoch & 1] != epoch) {
		s->max_epoch[epoch & 1] = epoch;
		s->max_ns[epoch & 1] = delta;
	} else if (delta > s->max_ns[epoch & 1]) {
		s->max_ns[epoch & 1] = delta;
	}
	b = hc_hist_bucket(delta);
	/* clang 14 may bound-check a copy of b and index with the original: pin one register */
	barrier_var(b);
	if (b < HC_HIST_BUCKETS)
		s->hist[b]++;
	return 0;
}

SEC("uprobe")
int hc_uprobe(struct pt_regs *ctx)
{
	return on_entry(bpf_get_attach_cookie(ctx), true, PT_REGS_SP(ctx));
}

SEC("uretprobe")
int hc_uretprobe(struct pt_regs *ctx)
{
	return on_exit(bpf_get_attach_cookie(ctx), PT_REGS_RC(ctx), PT_REGS_SP(ctx));
}

SEC("kprobe")
int hc_kprobe(struct pt_regs *ctx)
{
	return on_entry(bpf_get_attach_cookie(ctx), false, PT_REGS_SP(ctx));
}

SEC("kretprobe")
int hc_kretprobe(struct pt_regs *ctx)
{
	return on_exit(bpf_get_attach_cookie(ctx), PT_REGS_RC(ctx), PT_REGS_SP(ctx));
}

SEC("fentry")
int hc_fentry(void *ctx)
{
	return on_entry(bpf_get_attach_cookie(ctx), false, 0);
}

SEC("fexit")
int hc_fexit(void *ctx)
{
	__u64 ret = 0;

	/* generic over the prototype: the return value sits after a variable number of args */
	bpf_get_func_ret(ctx, &ret);
	return on_exit(bpf_get_attach_cookie(ctx), ret, 0);
}
