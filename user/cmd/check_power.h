/* SPDX-License-Identifier: GPL-2.0 */
/* check's power report (user/power.c): how likely each stage passes, what it catches */
#ifndef HC_CHECK_POWER_H
#define HC_CHECK_POWER_H

struct json_object;
struct patch;

struct check_power_opts {
	const char *sample;	 /* a recording of the judged functions, or NULL */
	double calls_per_second; /* without a recording: calls drawn at this rate */
};

/*
 * Print, or add to @out as "power" with @json, each judged function's power per stage, and
 * warn of a stage a harmless patch rarely passes. Prints its own errors; 0 or -errno.
 */
int check__power(const struct patch *patch, const struct check_power_opts *o, int json,
		 struct json_object *out);

#endif
