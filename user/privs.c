// SPDX-License-Identifier: GPL-2.0
/*
 * Dropping the capabilities a command no longer needs, with libcap-ng: see privs.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <cap-ng.h>
#include "privs.h"

/*
 * Every command reads its maps with bpf(2), which kernel 6.1's __sys_bpf() refuses outright
 * to a process without CAP_BPF while kernel.unprivileged_bpf_disabled is set (Debian's
 * default); later kernels check only the commands that load.
 */
static const unsigned int base_caps[] = { CAP_BPF };
static const unsigned int write_caps[] = { CAP_DAC_OVERRIDE };
static const unsigned int ulp_caps[] = {
	CAP_SYS_PTRACE, CAP_SYS_ADMIN, CAP_BPF,	     CAP_PERFMON,      CAP_SETUID,
	CAP_SETGID,	CAP_KILL,      CAP_SYS_NICE, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

uint64_t privs__mask(unsigned int need)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(base_caps); i++)
		m |= 1ULL << base_caps[i];
	for (i = 0; (need & PRIVS_WRITE) && i < ARRAY_SIZE(write_caps); i++)
		m |= 1ULL << write_caps[i];
	for (i = 0; (need & PRIVS_ULP) && i < ARRAY_SIZE(ulp_caps); i++)
		m |= 1ULL << ulp_caps[i];
	return m;
}

int privs__drop(unsigned int need, char *err, size_t len)
{
	uint64_t keep = privs__mask(need);
	int ret, have_setpcap;
	unsigned int c;

	if (capng_get_caps_process()) {
		snprintf(err, len, "cannot read this process's capabilities");
		return -EIO;
	}
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
		return 0;
	have_setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	/* before CAP_BPF and CAP_PERFMON (kernel 5.8), CAP_SYS_ADMIN did their work */
	if ((keep & (1ULL << CAP_BPF)) && !capng_have_capability(CAPNG_PERMITTED, CAP_BPF))
		keep |= 1ULL << CAP_SYS_ADMIN;
	for (c = 0; c < 64; c++)
		if ((keep & (1ULL << c)) && !capng_have_capability(CAPNG_PERMITTED, c))
			keep &= ~(1ULL << c); /* never had it: nothing to keep */
	capng_clear(CAPNG_SELECT_BOTH);
	for (c = 0; c < 64; c++) {
		if (!(keep & (1ULL << c)))
			continue;
		if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
				 c)) {
			snprintf(err, len, "cannot keep capability %u", c);
			return -EINVAL;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		ret = -errno;
		snprintf(err, len, "cannot set no_new_privs: %s", strerror(-ret));
		return ret;
	}
	/* the bounding set needs CAP_SETPCAP to shrink, which a container may not give */
	ret = capng_apply(have_setpcap ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS);
	if (ret) {
		snprintf(err, len, "cannot drop capabilities (libcap-ng error %d)", ret);
		return -EPERM;
	}
	return 0;
}
