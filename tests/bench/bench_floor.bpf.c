// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The floor of the overhead benchmark: an entry and an exit program that do nothing, so
 * what they cost per call is the uprobe machinery alone (trap, dispatch, BPF entry), the
 * part no tracer can avoid. A tracer's added cost is judged against this.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("uprobe")
int floor_entry(void *ctx)
{
	return 0;
}

SEC("uretprobe")
int floor_exit(void *ctx)
{
	return 0;
}
