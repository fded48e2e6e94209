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

struct frames {
	__u64 ts[HC_STACK_DEPTH];
	__u16 id[HC_STACK_DEPTH];
	__u32 depth;
	__u32 registered;	/* tgid already in watched_tgids */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);	/* sized to the number of functions before load */
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

/* processes that ran a watched user function; shared with the guardrail programs */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} watched_tgids SEC(".maps");

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

static __always_inline int on_entry(__u64 cookie, bool user)
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
	if (d >= HC_STACK_DEPTH) {
		/* still counted in depth so the exits above stay matched */
		f->depth = d + 1;
		s = fstats_of(id);
		if (s)
			s->depth_overflows++;
		return 0;
	}
	f->id[d & (HC_STACK_DEPTH - 1)] = id;
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

static __always_inline int on_exit(__u64 cookie, __u64 ret)
{
	__u64 now = bpf_ktime_get_ns(), delta;
	__u32 id = HC_COOKIE_ID(cookie), d, i, b, epoch;
	struct hc_fstats *s;
	struct frames *f;
	struct hc_ctl *c;
	int found = -1;

	c = ctl_ready();
	if (!c)
		return 0;
	if (HC_COOKIE_TGID(cookie) && HC_COOKIE_TGID(cookie) != bpf_get_current_pid_tgid() >> 32)
		return 0;
	s = fstats_of(id);
	if (!s)
		return 0;
	f = bpf_task_storage_get(&task_frames, bpf_get_current_task_btf(), 0, 0);
	if (!f || f->depth == 0) {
		s->orphan_exits++;
		return 0;
	}
	d = f->depth;
	if (d > HC_STACK_DEPTH) {
		f->depth = d - 1;
		return 0;
	}
	/* the common case: the returning call is the innermost one */
	if (f->id[(d - 1) & (HC_STACK_DEPTH - 1)] == id) {
		found = (int)d - 1;
	} else {
		/*
		 * Find our frame from the top down. Frames above it are calls whose exit never
		 * came (longjmp, a uretprobe dropped past the kernel's depth limit): drop and
		 * count them. Unrolled: constant indexes keep the verifier's bounds trivial.
		 */
#pragma unroll
		for (i = HC_STACK_DEPTH - 1; (int)i >= 0; i--) {
			if (found < 0 && i < d && f->id[i] == id)
				found = i;
		}
		if (found < 0) {
			/* entered before the probes were ready, or its entry was dropped */
			s->orphan_exits++;
			return 0;
		}
#pragma unroll
		for (i = 1; i < HC_STACK_DEPTH; i++) {
			struct hc_fstats *ls;

			if ((int)i <= found || i >= d)
				continue;
			ls = fstats_of(f->id[i]);
			if (ls)
				ls->lost_exits++;
		}
	}
	delta = now - f->ts[found & (HC_STACK_DEPTH - 1)];
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
	return on_entry(bpf_get_attach_cookie(ctx), true);
}

SEC("uretprobe")
int hc_uretprobe(struct pt_regs *ctx)
{
	return on_exit(bpf_get_attach_cookie(ctx), PT_REGS_RC(ctx));
}

SEC("kprobe")
int hc_kprobe(struct pt_regs *ctx)
{
	return on_entry(bpf_get_attach_cookie(ctx), false);
}

SEC("kretprobe")
int hc_kretprobe(struct pt_regs *ctx)
{
	return on_exit(bpf_get_attach_cookie(ctx), PT_REGS_RC(ctx));
}

SEC("fentry")
int hc_fentry(void *ctx)
{
	return on_entry(bpf_get_attach_cookie(ctx), false);
}

SEC("fexit")
int hc_fexit(void *ctx)
{
	__u64 ret = 0;

	/* generic over the prototype: the return value sits after a variable number of args */
	bpf_get_func_ret(ctx, &ret);
	return on_exit(bpf_get_attach_cookie(ctx), ret);
}
