// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kmsg.h"

int kmsg__parse(const char *buf, size_t len, struct kmsg_record *rec)
{
	const char *semi, *end, *p = buf;
	unsigned long long v[3];
	char *e;
	int i;

	memset(rec, 0, sizeof(*rec));
	semi = memchr(buf, ';', len);
	if (!semi)
		return -EINVAL;
	for (i = 0; i < 3; i++) {
		/* strtoull would accept blanks and a sign, which the kernel never writes */
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		errno = 0;
		v[i] = strtoull(p, &e, 10);
		if (errno || e == p || e > semi || (*e != ',' && *e != ';'))
			return -EINVAL;
		p = e + 1;
	}
	rec->facility = (unsigned int)(v[0] >> 3);
	rec->level = (unsigned int)(v[0] & 7);
	rec->seq = v[1];
	rec->ts_us = v[2];
	rec->text = semi + 1;
	end = memchr(rec->text, '\n', len - (size_t)(rec->text - buf));
	rec->text_len = end ? (size_t)(end - rec->text) : len - (size_t)(rec->text - buf);
	return 0;
}

static int starts(const struct kmsg_record *r, const char *prefix)
{
	size_t n = strlen(prefix);

	return r->text_len >= n && !memcmp(r->text, prefix, n);
}

static int contains(const struct kmsg_record *r, const char *needle)
{
	return memmem(r->text, r->text_len, needle, strlen(needle)) != NULL;
}

enum kmsg_class kmsg__classify(const struct kmsg_record *r)
{
	if (r->facility != 0)
		return KMSG_NONE;
	if (starts(r, "WARNING: "))
		return KMSG_WARNING;
	if (contains(r, "BUG: soft lockup"))
		return KMSG_SOFT_LOCKUP;
	if (contains(r, "Watchdog detected hard LOCKUP"))
		return KMSG_HARD_LOCKUP;
	if (starts(r, "kernel BUG at ") || starts(r, "BUG: "))
		return KMSG_BUG;
	/* 6.1 prints "Oops: 0002 [#1]" or "general protection fault, ...: 0000 [#1]";
	 * 6.12 prints "Oops: general protection fault, ..." */
	if (starts(r, "Oops") || starts(r, "general protection fault") ||
	    starts(r, "invalid opcode: "))
		return KMSG_OOPS;
	if (starts(r, "Kernel panic - not syncing"))
		return KMSG_PANIC;
	if (starts(r, "INFO: task ") && contains(r, " blocked for more than "))
		return KMSG_HUNG_TASK;
	if ((starts(r, "rcu: INFO: ") || starts(r, "INFO: rcu")) && contains(r, "stall"))
		return KMSG_RCU_STALL;
	return KMSG_NONE;
}

const char *kmsg_class__name(enum kmsg_class c)
{
	static const char *const names[] = {
		[KMSG_NONE] = "none",
		[KMSG_WARNING] = "warning",
		[KMSG_BUG] = "bug",
		[KMSG_OOPS] = "oops",
		[KMSG_PANIC] = "panic",
		[KMSG_SOFT_LOCKUP] = "soft_lockup",
		[KMSG_HARD_LOCKUP] = "hard_lockup",
		[KMSG_HUNG_TASK] = "hung_task",
		[KMSG_RCU_STALL] = "rcu_stall",
	};

	return (unsigned int)c < sizeof(names) / sizeof(names[0]) ? names[c] : "unknown";
}

int kmsg__open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* only what happens from now on: the history is not this run's business */
	if (lseek(fd, 0, SEEK_END) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}
