// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "exec_driver.h"
#include "units.h"

/* reap @pid by @deadline; 1 when it exited, 0 on timeout */
static int reap(pid_t pid, uint64_t deadline, int *status)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (time__mono_ns() >= deadline)
			return 0;
		nanosleep(&tick, NULL);
	}
}

int exec__run(char *const *argv, uint64_t timeout_ns, char *err, size_t len)
{
	int status = 0, ret;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		ret = -errno;
		snprintf(err, len, "cannot fork to run '%s': %s", argv[0], strerror(errno));
		return ret;
	}
	if (!pid) {
		sigset_t none;

		/* the controller blocks these for its signalfd; the patcher must not inherit that */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], argv);
		fprintf(stderr, "hotcanary: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	ret = reap(pid, time__mono_ns() + timeout_ns, &status);
	if (ret == 0) {
		kill(pid, SIGTERM);
		if (reap(pid, time__mono_ns() + 1000000000ULL, &status) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		snprintf(err, len, "'%s' did not finish within %.1f s and was killed", argv[0],
			 timeout_ns / 1e9);
		return -ETIMEDOUT;
	}
	if (ret < 0) {
		snprintf(err, len, "cannot wait for '%s': %s", argv[0], strerror(-ret));
		return ret;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, len, "'%s' exited with status %d", argv[0], WEXITSTATUS(status));
	else
		snprintf(err, len, "'%s' was killed by signal %d", argv[0], WTERMSIG(status));
	return -ECHILD;
}
