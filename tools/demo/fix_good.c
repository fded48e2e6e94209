// SPDX-License-Identifier: GPL-2.0
/*
 * The demo's good fix: parse_request() without the 2% of requests it rejects as malformed.
 * Built as an ordinary shared object; hotcanary loads it into each demo process and
 * redirects parse_request to parse_request_fixed. The demo's static helpers are reached
 * through hotcanary_ref__ pointers, which hotcanary fills before the redirect.
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
	hotcanary_ref__work_ns(20000 + (x % 16) * 2000 + *hotcanary_ref__extra_ns);
	return r->len;
}
