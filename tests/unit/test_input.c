// SPDX-License-Identifier: GPL-2.0
/* user/input.c: whole input files, regular and bounded, never a hang on a FIFO */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "input.h"

static const struct input_kind small = { .what = "thing", .max = 100, .raise = "use --big" };

/* a temporary file holding @n bytes of 'a' */
static void make_file(char *path, size_t n)
{
	char buf[4096];
	int fd = mkstemp(path);
	size_t left = n, k;

	assert_true(fd >= 0);
	memset(buf, 'a', sizeof(buf));
	while (left) {
		k = left < sizeof(buf) ? left : sizeof(buf);
		assert_int_equal(write(fd, buf, k), (ssize_t)k);
		left -= k;
	}
	close(fd);
}

static void test_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 99, 100 };
	char path[] = "/tmp/hc-input.XXXXXX", err[256];
	size_t i, len;
	char *buf;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		strcpy(path, "/tmp/hc-input.XXXXXX");
		make_file(path, sizes[i]);
		assert_int_equal(input__read(path, &small, &buf, &len, err, sizeof(err)), 0);
		assert_int_equal(len, sizes[i]);
		assert_int_equal(buf[len], '\0');
		assert_true(len == 0 || (buf[0] == 'a' && buf[len - 1] == 'a'));
		free(buf);
		unlink(path);
	}
	/* one byte over the limit: refused, with the limit and the remedy */
	strcpy(path, "/tmp/hc-input.XXXXXX");
	make_file(path, 101);
	buf = (char *)0x1;
	assert_int_equal(input__read(path, &small, &buf, &len, err, sizeof(err)), -EFBIG);
	assert_ptr_equal(buf, (char *)0x1);
	assert_string_equal(err, "larger than 100 bytes, the limit for a thing; use --big");
	unlink(path);
}

/* a file that grows after fstat: what is read is bounded by max, not by the first size */
static void test_grows_while_read(void **state)
{
	const struct input_kind big = { .what = "thing", .max = 1 << 20 };
	char path[] = "/tmp/hc-input.XXXXXX", err[256];
	size_t len;
	char *buf;
	int fd;

	make_file(path, 10);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	/* appended between the open and the read: the reader sees all 10 + 5000 bytes */
	assert_int_equal(pwrite(fd, "b", 1, 5009), 1);
	assert_int_equal(input__read_fd(fd, &big, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 5010);
	assert_int_equal(buf[5009], 'b');
	free(buf);
	assert_int_equal(input__read_fd(fd, &small, &buf, &len, err, sizeof(err)), -EFBIG);
	close(fd);
	unlink(path);
}

static void test_not_regular(void **state)
{
	char fifo[] = "/tmp/hc-input-fifo.XXXXXX", err[256];
	size_t len;
	char *buf;
	int fd;

	assert_int_equal(input__read("/dev/zero", &small, &buf, &len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "not a regular file but a character device; give the path of "
				 "a thing file");
	assert_int_equal(input__read("/tmp", &small, &buf, &len, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "but a directory"));
	/* no writer: a blocking open would wait forever */
	fd = mkstemp(fifo);
	assert_true(fd >= 0);
	close(fd);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(input__read(fifo, &small, &buf, &len, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "but a FIFO"));
	unlink(fifo);
	assert_int_equal(input__read("/nonexistent/x", &small, &buf, &len, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "cannot open: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_grows_while_read),
		cmocka_unit_test(test_not_regular),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
