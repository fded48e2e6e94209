/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The map of watched processes, declared by both BPF objects and shared through one fd:
 * the monitor adds processes that run a watched user function, the guardrail programs read
 * it to decide which fatal signals concern us, and forget a process when it exits.
 */
#ifndef HOTCANARY_WATCHED_BPF_H
#define HOTCANARY_WATCHED_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} watched_tgids SEC(".maps");

#endif
