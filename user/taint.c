// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include "taint.h"

/* Documentation/admin-guide/tainted-kernels.rst, in bit order */
static const struct {
	char letter;
	const char *name;
} bits[] = {
	{ 'P', "proprietary_module" },
	{ 'F', "forced_module" },
	{ 'S', "cpu_out_of_spec" },
	{ 'R', "forced_rmmod" },
	{ 'M', "machine_check" },
	{ 'B', "bad_page" },
	{ 'U', "user" },
	{ 'D', "die" },
	{ 'A', "overridden_acpi_table" },
	{ 'W', "warn" },
	{ 'C', "crap" },
	{ 'I', "firmware_workaround" },
	{ 'O', "oot_module" },
	{ 'E', "unsigned_module" },
	{ 'L', "soft_lockup" },
	{ 'K', "livepatch" },
	{ 'X', "aux" },
	{ 'T', "randstruct" },
	{ 'N', "test" },
	{ 'J', "fwctl" },
};

#define NR_BITS (sizeof(bits) / sizeof(bits[0]))

int taint__read(unsigned long *mask)
{
	FILE *f = fopen("/proc/sys/kernel/tainted", "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (fscanf(f, "%lu", mask) != 1)
		ret = -EINVAL;
	fclose(f);
	return ret;
}

const char *taint__letters(unsigned long mask, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < 8 * sizeof(mask) && n + 1 < len; i++) {
		if (!(mask & (1UL << i)))
			continue;
		buf[n++] = i < NR_BITS ? bits[i].letter : '?';
	}
	if (len)
		buf[n < len ? n : len - 1] = '\0';
	return buf;
}

const char *taint__bit_name(unsigned int bit)
{
	return bit < NR_BITS ? bits[bit].name : NULL;
}
