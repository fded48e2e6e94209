// SPDX-License-Identifier: GPL-2.0
/*
 * user/steps.c with a journal that can no longer write (a failed fsync, as on a full or
 * failing disk): nothing new may be done, but whatever takes a change back still is.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "exec_driver.h"
#include "steps.h"

static int fsync_fail_in;

/* the journal's fsync(): the statically linked journal.o calls this definition */
int fsync(int fd)
{
	if (fsync_fail_in > 0 && --fsync_fail_in == 0) {
		errno = EIO;
		return -1;
	}
	return syscall(SYS_fsync, fd);
}

static char dir[] = "/tmp/hc-test-steps.XXXXXX";

/* an open journal whose last append failed: every later one is refused */
static struct journal *broken_journal(void)
{
	struct json_object *run = json_object_new_object();
	struct journal *j;
	char err[512];

	json_object_object_add(run, "type", json_object_new_string("exec"));
	assert_int_equal(journal__open(dir, "fix", JOURNAL_CREATE, &j, err, sizeof(err)), 0);
	fsync_fail_in = 1;
	assert_int_equal(journal__note(j, JOURNAL_ACT_RUN_START, run, err, sizeof(err)), -EIO);
	json_object_put(run);
	assert_int_equal(journal__note(j, JOURNAL_ACT_RUN_END, NULL, err, sizeof(err)), -EIO);
	return j;
}

static void touch_argv(char **argv, char *cmd, const char *file)
{
	snprintf(cmd, PATH_MAX, "touch '%.4000s'", file);
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = cmd;
	argv[3] = NULL;
}

static void test_broken_journal(void **state)
{
	struct journal *j = broken_journal();
	char apply[PATH_MAX], revert[PATH_MAX], cmd[PATH_MAX], err[512];
	char *argv[4];
	struct steps s;

	snprintf(apply, sizeof(apply), "%s/applied", dir);
	snprintf(revert, sizeof(revert), "%s/reverted", dir);
	steps__init(&s, j, 1000);
	/* a change the journal cannot announce is not made */
	touch_argv(argv, cmd, apply);
	assert_int_equal(steps__exec(&s, JOURNAL_ACT_EXEC_APPLY, argv, NULL, 5000000000ULL, err,
				     sizeof(err)),
			 -EIO);
	assert_non_null(strstr(err, "cannot journal 'exec_apply' before doing it"));
	assert_int_equal(access(apply, F_OK), -1);
	/* taking one back is still done, and is a success */
	touch_argv(argv, cmd, revert);
	assert_int_equal(steps__exec(&s, JOURNAL_ACT_EXEC_REVERT, argv, NULL, 5000000000ULL, err,
				     sizeof(err)),
			 0);
	assert_int_equal(access(revert, F_OK), 0);
	journal__close(j);
	unlink(revert);
}

/*
 * What an exec program gets, run as root on the caller's behalf: PATH=EXEC_PATH and nothing
 * else of the caller's environment, stdin at end of file; a program outside the trust rule
 * never runs.
 */
static void test_exec_environment(void **state)
{
	char *argv[] = { "sh", "-c",
			 "[ \"$PATH\" = " EXEC_PATH " ] && [ -z \"$HC_TEST_SECRET\" ] && "
			 "[ -z \"$HOME\" ] && ! read -r line",
			 NULL };
	char err[512], prog[PATH_MAX], marker[PATH_MAX], cmd[PATH_MAX];
	char *untrusted[] = { prog, NULL };
	FILE *f;

	setenv("HC_TEST_SECRET", "x", 1);
	assert_int_equal(exec__run(argv, 5000000000ULL, err, sizeof(err)), 0);
	unsetenv("HC_TEST_SECRET");
	/* a program in a directory anyone can write: refused, not run */
	snprintf(prog, sizeof(prog), "%s/open/patcher", dir);
	snprintf(marker, sizeof(marker), "%s/ran", dir);
	snprintf(cmd, sizeof(cmd), "%s/open", dir);
	assert_int_equal(mkdir(cmd, 0777), 0);
	assert_int_equal(chmod(cmd, 0777), 0);
	f = fopen(prog, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\ntouch '%s'\n", marker);
	fclose(f);
	assert_int_equal(chmod(prog, 0755), 0);
	assert_int_equal(exec__run(untrusted, 5000000000ULL, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "chmod go-w"));
	assert_int_equal(access(marker, F_OK), -1);
	/* fixed: it runs */
	assert_int_equal(chmod(cmd, 0755), 0);
	assert_int_equal(exec__run(untrusted, 5000000000ULL, err, sizeof(err)), 0);
	assert_int_equal(access(marker, F_OK), 0);
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	return system(path) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_broken_journal),
		cmocka_unit_test(test_exec_environment),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
