/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Durations: parsing "500ms", "30s", "2m", "1h" and printing nanoseconds for people; sizes:
 * parsing "256M".
 */
#ifndef HC_UNITS_H
#define HC_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* parse "<number><ms|s|m|h>" into nanoseconds; 0 or -EINVAL/-ERANGE */
int duration__parse(const char *text, uint64_t *ns);
/* parse "<digits>[K|KiB|M|MiB|G|GiB]" (powers of 1024) into bytes; 0 or -EINVAL/-ERANGE */
int size__parse(const char *text, uint64_t *bytes);
/* CLOCK_MONOTONIC in nanoseconds: the clock of every interval, window and deadline */
uint64_t time__mono_ns(void);
struct timespec;
/* @ts (CLOCK_REALTIME) as RFC 3339 UTC with milliseconds, "2026-11-26T11:40:03.123Z" */
const char *time__rfc3339(const struct timespec *ts, char *buf, size_t len);
/* "812ns", "3.41us", "12.0ms", "1.50s" into @buf */
const char *duration__format(uint64_t ns, char *buf, size_t len);

#endif
