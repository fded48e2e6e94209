// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libunwind-ptrace.h>
#include <stdlib.h>
#include "unwind.h"

struct unwind {
	unw_addr_space_t as;
};

int unwind__new(struct unwind **out)
{
	struct unwind *u = calloc(1, sizeof(*u));

	if (!u)
		return -ENOMEM;
	u->as = unw_create_addr_space(&_UPT_accessors, 0);
	if (!u->as) {
		free(u);
		return -ENOMEM;
	}
	/* the cache outlives one stop: the next unwind does not parse .eh_frame again */
	unw_set_caching_policy(u->as, UNW_CACHE_GLOBAL);
	*out = u;
	return 0;
}

void unwind__free(struct unwind *u)
{
	if (!u)
		return;
	unw_destroy_addr_space(u->as);
	free(u);
}

void unwind__flush(struct unwind *u)
{
	unw_flush_cache(u->as, 0, 0);
}

int unwind__frames(struct unwind *u, pid_t tid, uint64_t *ips, size_t max)
{
	unw_cursor_t c;
	unw_word_t ip;
	size_t n = 0;
	void *upt;
	int r;

	upt = _UPT_create(tid);
	if (!upt)
		return -ENOMEM;
	r = unw_init_remote(&c, u->as, upt);
	if (r < 0) {
		_UPT_destroy(upt);
		return -EIO;
	}
	for (;;) {
		if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0) {
			r = -EIO;
			break;
		}
		if (n == max) {
			r = -E2BIG;
			break;
		}
		ips[n++] = ip;
		r = unw_step(&c);
		if (r <= 0) {
			r = r < 0 ? -EIO : 0;
			break;
		}
	}
	_UPT_destroy(upt);
	return r ? r : (int)n;
}
