// SPDX-License-Identifier: GPL-2.0
/*
 * Remote unwinding with elfutils' libdwfl. It reads the unwind tables of every module the
 * process maps, the vDSO included: libdwfl finds the vDSO from the process's auxv and reads
 * its image from memory, where libunwind-ptrace only opens mapped files by path and so
 * failed on threads sleeping in clock_gettime(). Code without CFI falls back to the frame
 * pointer (elfutils' x86_64 backend).
 */
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "unwind.h"

struct unwind {
	Dwfl *dwfl;
	pid_t pid;
	bool stale; /* modules to report again before the next walk */
};

static char *debuginfo_path;

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

static int report(struct unwind *u)
{
	dwfl_report_begin(u->dwfl);
	if (dwfl_linux_proc_report(u->dwfl, u->pid)) {
		dwfl_report_end(u->dwfl, NULL, NULL);
		return -ESRCH;
	}
	if (dwfl_report_end(u->dwfl, NULL, NULL))
		return -EIO;
	u->stale = false;
	return 0;
}

int unwind__new(struct unwind **out, pid_t pid)
{
	struct unwind *u = calloc(1, sizeof(*u));
	int ret;

	if (!u)
		return -ENOMEM;
	u->pid = pid;
	u->dwfl = dwfl_begin(&callbacks);
	if (!u->dwfl) {
		free(u);
		return -ENOMEM;
	}
	ret = report(u);
	/*
	 * The caller stops the threads itself (tracee.c) and holds them stopped while it
	 * walks: libdwfl must neither attach nor detach them.
	 */
	if (!ret && dwfl_linux_proc_attach(u->dwfl, pid, true))
		ret = -ESRCH;
	if (ret) {
		unwind__free(u);
		return ret;
	}
	*out = u;
	return 0;
}

void unwind__free(struct unwind *u)
{
	if (!u)
		return;
	dwfl_end(u->dwfl);
	free(u);
}

void unwind__flush(struct unwind *u)
{
	u->stale = true;
}

struct walk {
	uint64_t *ips;
	size_t n;
	size_t max;
	bool full;
};

static int frame_cb(Dwfl_Frame *frame, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;

	if (!dwfl_frame_pc(frame, &pc, NULL))
		return DWARF_CB_ABORT;
	if (w->n == w->max) {
		w->full = true;
		return DWARF_CB_ABORT;
	}
	w->ips[w->n++] = pc;
	return DWARF_CB_OK;
}

int unwind__frames(struct unwind *u, pid_t tid, uint64_t *ips, size_t max)
{
	struct walk w = { .ips = ips, .max = max };
	int ret;

	if (u->stale) {
		ret = report(u);
		if (ret)
			return ret;
	}
	ret = dwfl_getthread_frames(u->dwfl, tid, frame_cb, &w);
	if (w.full)
		return -E2BIG;
	if (ret)
		return -EIO;
	return (int)w.n;
}
