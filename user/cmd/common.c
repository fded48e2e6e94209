// SPDX-License-Identifier: GPL-2.0
/*
 * What every command uses: its messages, libbpf's routed through -v, and the privilege
 * check that comes before any BPF program is loaded.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "cmd.h"

int verbose;

void p_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("hotcanary: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	fputs("hotcanary: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf explains a failed load in detail; the command reports the failure once */
	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void libbpf_setup(void)
{
	libbpf_set_print(libbpf_print);
}

int require_bpf_privileges(void)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %llx", &eff) == 1)
				break;
		fclose(f);
	}
	/* CAP_SYS_ADMIN (21), or CAP_BPF (39) with CAP_PERFMON (38) */
	if ((eff & (1ULL << 21)) || ((eff & (1ULL << 39)) && (eff & (1ULL << 38))))
		return 0;
	p_err("loading BPF programs needs root (CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON); "
	      "run it with sudo");
	return -EPERM;
}
