/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a command keeps of root once its probes are attached: a tracer compromised later (by
 * a crafted binary it reads symbols from, a process it unwinds) holds only what its work
 * still needs. The capabilities it drops are gone from its permitted and bounding sets, and
 * no_new_privs keeps any program it runs from getting them back.
 */
#ifndef HC_PRIVS_H
#define HC_PRIVS_H

#include <stddef.h>
#include <stdint.h>

/* what a command still needs, or'ed */
enum privs_need {
	/* only what reading the maps takes: a tracer whose probes are attached (CAP_BPF) */
	PRIVS_NONE = 0,
	/* write a report or a recording where the operator asked (CAP_DAC_OVERRIDE) */
	PRIVS_WRITE = 1 << 0,
	/*
	 * ulp's stages: ptrace and /proc/PID/mem of every user's processes, their map_files
	 * (CAP_SYS_ADMIN), uprobes moved between the arms (CAP_BPF, CAP_PERFMON), the pre-flight
	 * as the target's user (CAP_SETUID, CAP_SETGID), held signals sent on (CAP_KILL), the
	 * stop's SCHED_FIFO (CAP_SYS_NICE), and reading what the target's user owns
	 */
	PRIVS_ULP = 1 << 1,
};

/*
 * Keep only the capabilities @need names; 0, or -errno with @err saying what failed. Not
 * root (no capability to drop): 0, nothing done.
 */
int privs__drop(unsigned int need, char *err, size_t len);
/* the capability mask @need keeps (the tests compare it with /proc/self/status) */
uint64_t privs__mask(unsigned int need);

#endif
