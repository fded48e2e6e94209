/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/kmsg records: parsing and classifying the ones that mean the kernel is hurting.
 * Only kernel-originated records count (facility 0): a process writing "WARNING:" to
 * /dev/kmsg gets facility LOG_USER and is ignored.
 */
#ifndef HC_KMSG_H
#define HC_KMSG_H

#include <stddef.h>
#include <stdint.h>

enum kmsg_class {
	KMSG_NONE = 0,
	KMSG_WARNING, /* WARN() */
	KMSG_BUG,     /* BUG(), "BUG: ..." */
	KMSG_OOPS,    /* Oops, general protection fault */
	KMSG_PANIC,
	KMSG_SOFT_LOCKUP,
	KMSG_HARD_LOCKUP,
	KMSG_HUNG_TASK,
	KMSG_RCU_STALL,
};

struct kmsg_record {
	unsigned int facility;
	unsigned int level;
	uint64_t seq;
	uint64_t ts_us;	  /* CLOCK_MONOTONIC, microseconds */
	const char *text; /* points into the parsed buffer */
	size_t text_len;
};

/* parse one record as read(2) returns it: "prio,seq,ts,flags[,...];text\n[ KEY=val\n...]" */
int kmsg__parse(const char *buf, size_t len, struct kmsg_record *rec);
enum kmsg_class kmsg__classify(const struct kmsg_record *rec);
const char *kmsg_class__name(enum kmsg_class c);

/* open /dev/kmsg positioned after the records already logged; returns an fd or -errno */
int kmsg__open(void);

#endif
