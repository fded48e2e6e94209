// SPDX-License-Identifier: GPL-2.0
/*
 * The demo's bad fix: it also stops rejecting requests, but validates each one with a slow
 * scan that makes parse_request three times slower. hotcanary rolls it back at the canary.
 */
#include <stdio.h>

struct request {
	char line[64];
	int len;
};

unsigned int (*hotcanary_ref__next_rand)(void);
void (*hotcanary_ref__work_ns)(long ns);
long *hotcanary_ref__extra_ns;

int parse_request_fixed(struct request *r)
{
	unsigned int x = hotcanary_ref__next_rand();

	r->len = snprintf(r->line, sizeof(r->line), "GET /item/%u HTTP/1.1", x % 1000);
	hotcanary_ref__work_ns(3 * (20000 + (x % 16) * 2000) + *hotcanary_ref__extra_ns);
	return r->len;
}
