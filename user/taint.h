/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel taint flags: reading /proc/sys/kernel/tainted and naming the bits. */
#ifndef HC_TAINT_H
#define HC_TAINT_H

#include <stddef.h>

int taint__read(unsigned long *mask);
/* the letters of the set bits, in bit order, as in the kernel's "Tainted:" line */
const char *taint__letters(unsigned long mask, char *buf, size_t len);
/* one-word reason for bit @bit ("warn", "die", "oot_module", ...), NULL if unknown */
const char *taint__bit_name(unsigned int bit);

#endif
