/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Types shared by the BPF programs and user space. Keep every field fixed-width: the same
 * struct is read from maps and ring buffers on both sides.
 */
#ifndef HOTCANARY_H
#define HOTCANARY_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "hist.h"

#define HC_MAX_FUNCS   256
/* entries remembered per thread; deeper nesting is counted in depth_overflows */
#define HC_STACK_DEPTH 16
#define HC_COMM_LEN    16

/* what counts as an error return of a watched function */
enum hc_err_mode {
	HC_ERR_NONE = 0,
	HC_ERR_NEG,	/* ret < 0 */
	HC_ERR_ZERO,	/* ret == 0, e.g. a NULL pointer */
	HC_ERR_NONZERO, /* ret != 0 */
};

/*
 * The BPF cookie of every probe carries the function id and how to judge its return value,
 * so the hot path needs no map lookup to know which function fired:
 *   bits  0-15  function id (index into the stats map)
 *   bits 16-19  enum hc_err_mode
 *   bits 20-23  return value width in bytes (1, 2, 4, 8; 0 means 8): the upper bits of the
 *               return register are undefined for narrower C types
 *   bits 32-63  only count calls made by this process (tgid), 0 for all
 */
#define HC_COOKIE(id, mode, width, tgid) \
	((__u64)(id) | ((__u64)(mode) << 16) | ((__u64)(width) << 20) | ((__u64)(tgid) << 32))
#define HC_COOKIE_ID(c)	   ((__u32)((c)&0xffff))
#define HC_COOKIE_MODE(c)  ((__u32)(((c) >> 16) & 0xf))
#define HC_COOKIE_WIDTH(c) ((__u32)(((c) >> 20) & 0xf))
#define HC_COOKIE_TGID(c)  ((__u32)((c) >> 32))

/* per function, per CPU; user space sums the CPUs and takes deltas between snapshots */
struct hc_fstats {
	__u64 calls; /* completed calls: an exit matched with its entry */
	__u64 errors;
	__u64 sum_ns;
	/*
	 * Largest latency of interval max_epoch[i], i = epoch & 1. Tagging the slot with its
	 * epoch lets user space read an interval's max without ever writing to this map.
	 */
	__u64 max_ns[2];
	__u32 max_epoch[2];
	__u64 orphan_exits;    /* exit without a recorded entry (entered before attach) */
	__u64 lost_exits;      /* entry whose exit never came (longjmp, missed uretprobe) */
	__u64 depth_overflows; /* entry deeper than HC_STACK_DEPTH, not timed */
	__u64 hist[HC_HIST_BUCKETS];
};

/* control block shared by every monitor instance; user space mmaps it */
struct hc_ctl {
	__u32 ready;	    /* probes do nothing until every probe is attached */
	__u32 epoch;	    /* interval number, selects hc_fstats.max_ns[] */
	__u64 storage_fail; /* per-thread storage unavailable: call not timed */
};

enum hc_event_type {
	HC_EV_FATAL_SIGNAL = 1, /* a fatal signal was generated for a process */
	HC_EV_FATAL_EXIT,	/* a process died of a fatal signal */
	HC_EV_OOM_KILL,		/* the OOM killer chose a victim */
	HC_EV_EXIT,		/* a watched process exited, not of a fatal signal */
};

struct hc_event {
	__u64 ts_ns;	  /* CLOCK_MONOTONIC */
	__u32 type;	  /* enum hc_event_type */
	__u32 pid;	  /* target process (tgid) */
	__u32 tid;	  /* target thread */
	__u32 sender_pid; /* signal: the sending process */
	__s32 sig;
	__s32 code;    /* signal: si_code; exit: the raw exit code */
	__u32 watched; /* the target is a watched process */
	__u32 handled; /* signal: the target has a handler, so it may survive */
	char comm[HC_COMM_LEN];
	char sender_comm[HC_COMM_LEN];
};

/* fatal signal numbers (x86 and generic): SIGILL 4, SIGABRT 6, SIGBUS 7, SIGFPE 8, SIGSEGV 11, SIGSYS 31 */
#define HC_FATAL_SIGMASK ((1U << 4) | (1U << 6) | (1U << 7) | (1U << 8) | (1U << 11) | (1U << 31))

#endif /* HOTCANARY_H */
