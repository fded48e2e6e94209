// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "exec_driver.h"
#include "trust.h"
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

int exec__resolve(const char *argv0, char *buf, size_t len, char *err, size_t errlen)
{
	const char *dir = EXEC_PATH, *colon;
	char what[PATH_MAX + 32];
	int fd;

	if (!argv0 || !*argv0) {
		snprintf(err, errlen,
			 "an empty program name; give the command's path in the policy");
		return -EINVAL;
	}
	if (strchr(argv0, '/')) {
		snprintf(buf, len, "%s", argv0);
	} else {
		for (buf[0] = '\0'; *dir && !buf[0]; dir = *colon ? colon + 1 : colon) {
			colon = strchrnul(dir, ':');
			snprintf(buf, len, "%.*s/%s", (int)(colon - dir), dir, argv0);
			if (access(buf, X_OK))
				buf[0] = '\0';
		}
		if (!buf[0]) {
			snprintf(err, errlen,
				 "no program '%s' in %s (hotcanary does not use the caller's PATH); "
				 "give its full path in the policy",
				 argv0, EXEC_PATH);
			return -ENOENT;
		}
	}
	snprintf(what, sizeof(what), "the program '%s'", argv0);
	fd = trust__open_file(buf, what, err, errlen);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int exec__run(char *const *argv, uint64_t timeout_ns, char *err, size_t len)
{
	static char *const envp[] = { "PATH=" EXEC_PATH, NULL };
	char path[PATH_MAX];
	int status = 0, ret;
	pid_t pid;

	/*
	 * The path, not a descriptor, is run: a script's interpreter reopens it by name, and
	 * the trust rule leaves only root able to change the file or a directory above it.
	 */
	ret = exec__resolve(argv[0], path, sizeof(path), err, len);
	if (ret)
		return ret;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		snprintf(err, len, "cannot fork to run '%s': %s", argv[0], strerror(errno));
		return ret;
	}
	if (!pid) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		sigset_t none;

		/* the controller blocks these for its signalfd; the patcher must not inherit that */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0) {
			fprintf(stderr, "hotcanary: cannot open /dev/null for '%s': %s\n", argv[0],
				strerror(errno));
			_exit(127);
		}
		execve(path, argv, envp);
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
