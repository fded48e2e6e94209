// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "evloop.h"

static void stop_set(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
}

void evloop__block_stop(void)
{
	sigset_t mask;

	stop_set(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
}

int evloop__stop_fd(int flags)
{
	sigset_t mask;
	int fd;

	stop_set(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	fd = signalfd(-1, &mask, flags);
	return fd < 0 ? -errno : fd;
}

int evloop__timer_fd(uint64_t interval_ns, int flags)
{
	struct itimerspec its = { 0 };
	int fd = timerfd_create(CLOCK_MONOTONIC, flags);

	if (fd < 0)
		return -errno;
	its.it_value.tv_sec = (time_t)(interval_ns / 1000000000ULL);
	its.it_value.tv_nsec = (long)(interval_ns % 1000000000ULL);
	its.it_interval = its.it_value;
	if (timerfd_settime(fd, 0, &its, NULL)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}
