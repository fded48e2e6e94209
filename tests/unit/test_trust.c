// SPDX-License-Identifier: GPL-2.0
/*
 * user/trust.c: what root may act on. Real files, directories, owners and modes in a private
 * directory under /tmp (a root-owned sticky directory, itself allowed above a trusted file).
 * Changing owners needs root: as another user the owner cases are skipped, said so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "trust.h"

#define NOBODY 65534

static char dir[PATH_MAX / 2];

static const char *at(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, rel);
	return buf[k];
}

static void make(const char *rel, mode_t mode)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
	assert_int_equal(chmod(at(rel), mode), 0);
}

static int setup(void **state)
{
	char *real;

	snprintf(dir, sizeof(dir), "/tmp/hc-trust.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	/* /tmp may be a symlink: the messages name the canonical path */
	real = realpath(dir, NULL);
	if (!real)
		return -1;
	snprintf(dir, sizeof(dir), "%s", real);
	free(real);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* open @rel: the descriptor (closed here) or the error, with the message in @err */
static int try(const char *rel, enum trust_kind kind, char *err, size_t len)
{
	int fd = trust__open(at(rel), kind, err, len);

	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : fd;
}

static void test_modes(void **state)
{
	char err[1024];

	make("ok.yaml", 0644);
	assert_int_equal(try("ok.yaml", TRUST_FILE, err, sizeof(err)), 0);
	make("ro.yaml", 0400);
	assert_int_equal(try("ro.yaml", TRUST_FILE, err, sizeof(err)), 0);

	make("gw.yaml", 0664);
	assert_int_equal(try("gw.yaml", TRUST_FILE, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "is writable by its group (mode 0664)"));
	assert_non_null(strstr(err, "chmod go-w '"));
	make("ow.yaml", 0646);
	assert_int_equal(try("ow.yaml", TRUST_FILE, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "writable by others (mode 0646)"));

	/* a directory above that others can write: they could swap the file */
	assert_int_equal(mkdir(at("open"), 0777), 0);
	assert_int_equal(chmod(at("open"), 0777), 0);
	make("open/p.yaml", 0644);
	assert_int_equal(try("open/p.yaml", TRUST_FILE, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "directory '"));
	assert_non_null(strstr(err, "/open' above '"));
	assert_non_null(strstr(err, "(mode 0777)"));
	/* ... unless it is sticky and root's, as /tmp is */
	assert_int_equal(chmod(at("open"), 01777), 0);
	assert_int_equal(try("open/p.yaml", TRUST_FILE, err, sizeof(err)), geteuid() ? -EACCES : 0);
	/* the sticky directory itself is no trusted state directory */
	assert_int_equal(try("open", TRUST_DIR, err, sizeof(err)), -EACCES);
}

static void test_kinds_and_links(void **state)
{
	char err[1024];

	make("f", 0644);
	assert_int_equal(mkdir(at("d"), 0700), 0);
	assert_int_equal(try("d", TRUST_DIR, err, sizeof(err)), 0);
	assert_int_equal(try("d", TRUST_FILE, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "not a regular file but a directory");
	assert_int_equal(try("f", TRUST_DIR, err, sizeof(err)), -EINVAL);
	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	assert_int_equal(try("fifo", TRUST_FILE, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "not a regular file but a FIFO");
	assert_int_equal(try("none", TRUST_FILE, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "cannot open: No such file or directory");

	/*
	 * A link is followed to what it names, and that is what is checked and read: a link
	 * in a directory anyone can write, to a trusted file, reads the trusted file
	 */
	assert_int_equal(mkdir(at("pub"), 0777), 0);
	assert_int_equal(chmod(at("pub"), 0777), 0);
	assert_int_equal(symlink(at("f"), at("pub/link")), 0);
	assert_int_equal(try("pub/link", TRUST_FILE, err, sizeof(err)), 0);
	make("pub/g", 0644);
	assert_int_equal(symlink(at("pub/g"), at("d/link")), 0);
	assert_int_equal(try("d/link", TRUST_FILE, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "/pub' above '"));
}

static void test_owners(void **state)
{
	char err[1024];

	if (geteuid()) {
		print_message("not root: another user's files cannot be made here\n");
		skip();
	}
	make("theirs.yaml", 0644);
	assert_int_equal(chown(at("theirs.yaml"), NOBODY, NOBODY), 0);
	assert_int_equal(try("theirs.yaml", TRUST_FILE, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "chown root '"));
	assert_int_equal(mkdir(at("home"), 0755), 0);
	assert_int_equal(chown(at("home"), NOBODY, NOBODY), 0);
	make("home/p.yaml", 0644);
	assert_int_equal(try("home/p.yaml", TRUST_FILE, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "/home' above '"));
	/* root's file in root's directory, under /tmp: fine */
	make("mine.yaml", 0644);
	assert_int_equal(try("mine.yaml", TRUST_FILE, err, sizeof(err)), 0);
	/* a journal opened in a checked directory */
	{
		int fd = open(at("theirs.yaml"), O_RDONLY);

		assert_true(fd >= 0);
		assert_int_equal(trust__check_fd(fd, "theirs.yaml", err, sizeof(err)), -EACCES);
		close(fd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kinds_and_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owners, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
