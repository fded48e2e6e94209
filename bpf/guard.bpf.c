// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Guardrail events: fatal signals, deaths by fatal signal and OOM kills. These are rare, so
 * each one goes to user space through a ring buffer as it happens.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "hotcanary.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* report fatal signals for every process, not only watched ones */
const volatile bool all_processes = true;
/* report every end of a watched process (a rollout's), not only deaths by a fatal signal */
const volatile bool report_exits = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

#include "watched.bpf.h"

__u64 events_dropped = 0;

/* enum trace_signal_result in include/trace/events/signal.h */
#define TRACE_SIGNAL_DELIVERED 0
#define TRACE_SIGNAL_LOSE_INFO 4

/* __data_loc_comm was added to oom/mark_victim in 6.8; Debian backported it to 6.1 */
struct trace_event_raw_mark_victim___comm {
	u32 __data_loc_comm;
} __attribute__((preserve_access_index));

static __always_inline bool is_fatal(int sig)
{
	return sig > 0 && sig < 32 && (HC_FATAL_SIGMASK & (1U << sig));
}

static __always_inline bool is_watched(__u32 tgid)
{
	return bpf_map_lookup_elem(&watched_tgids, &tgid) != NULL;
}

static __always_inline struct hc_event *event_new(__u32 type)
{
	struct hc_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&events_dropped, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = type;
	e->ts_ns = bpf_ktime_get_ns();
	return e;
}

SEC("tracepoint/signal/signal_generate")
int hc_signal_generate(struct trace_event_raw_signal_generate *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct task_struct *task;
	struct hc_event *e;
	int sig = ctx->sig;
	__u32 target = ctx->pid;
	bool watched;

	if (!is_fatal(sig))
		return 0;
	/* ignored or already pending: no new delivery, so nothing new to report */
	if (ctx->result != TRACE_SIGNAL_DELIVERED && ctx->result != TRACE_SIGNAL_LOSE_INFO)
		return 0;
	/* a fault or abort() signals the current thread: report its process */
	if (target == (__u32)pid_tgid)
		target = pid_tgid >> 32;
	watched = is_watched(target);
	if (!all_processes && !watched)
		return 0;
	e = event_new(HC_EV_FATAL_SIGNAL);
	if (!e)
		return 0;
	e->pid = target;
	e->tid = ctx->pid;
	e->sig = sig;
	e->code = ctx->code;
	e->watched = watched;
	e->sender_pid = pid_tgid >> 32;
	/* the tracepoint context cannot be read at a variable offset: copy through a helper */
	bpf_probe_read_kernel(e->comm, sizeof(e->comm), ctx->comm);
	bpf_get_current_comm(e->sender_comm, sizeof(e->sender_comm));
	/*
	 * A thread signalling itself (fault, abort) can have a handler that survives the signal,
	 * as a JVM does for SIGSEGV: say so, the exit event tells whether it died.
	 */
	if (e->pid == e->sender_pid) {
		task = (struct task_struct *)bpf_get_current_task();
		if (BPF_CORE_READ(task, sighand, action[(sig - 1) & 63].sa.sa_handler) != NULL)
			e->handled = 1;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int hc_process_exit(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct hc_event *e;
	int code, sig;
	bool watched;

	/* only the last thread of a process: one report per death */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	watched = is_watched(tgid);
	if (watched)
		bpf_map_delete_elem(&watched_tgids, &tgid);
	code = BPF_CORE_READ(task, exit_code);
	sig = code & 0x7f;
	/*
	 * With report_exits, a watched process's other ends too, with their status: a worker
	 * that exits 0 on a reload is no failure, one that exits 1 may be. The pidfd that wakes
	 * the rollout cannot tell, as it is not our child.
	 */
	if (!is_fatal(sig) && (!watched || !report_exits))
		return 0;
	if (is_fatal(sig) && !all_processes && !watched)
		return 0;
	e = event_new(is_fatal(sig) ? HC_EV_FATAL_EXIT : HC_EV_EXIT);
	if (!e)
		return 0;
	e->pid = tgid;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->sig = sig;
	e->code = code;
	e->watched = watched;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/oom/mark_victim")
int hc_oom_victim(struct trace_event_raw_mark_victim *ctx)
{
	struct trace_event_raw_mark_victim___comm *c = (void *)ctx;
	struct hc_event *e;
	__u32 off;

	e = event_new(HC_EV_OOM_KILL);
	if (!e)
		return 0;
	e->pid = ctx->pid;
	e->watched = is_watched(e->pid);
	if (bpf_core_field_exists(c->__data_loc_comm)) {
		off = BPF_CORE_READ(c, __data_loc_comm) & 0xffff;
		bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), (void *)ctx + off);
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}
