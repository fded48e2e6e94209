/* SPDX-License-Identifier: GPL-2.0 */
/* The report 'compare' and 'ab' share, in the command layer: it prints. */
#ifndef HC_COMPARE_REPORT_H
#define HC_COMPARE_REPORT_H

#include "comparison.h"
#include "recording.h"

/*
 * The benchstat-style report of 'compare' (and 'ab'): every function of @a also in @b, as a
 * table or JSON, and the picture in @svg if not NULL. Returns the exit code.
 */
int compare__report(const char *pa, const struct recording *a, const char *pb,
		    const struct recording *b, const struct comparison_opts *o, int json,
		    const char *svg);

#endif
