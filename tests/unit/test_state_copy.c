// SPDX-License-Identifier: GPL-2.0
/*
 * user/state_copy.c: the copies root loads, in a private state directory under /tmp. Real
 * files and modes; what is checked is what a process or the kernel would get.
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

#include "sha256.h"
#include "state_copy.h"

static char dir[PATH_MAX / 2];

static const char *at(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, rel);
	return buf[k];
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state)
{
	char *real;

	snprintf(dir, sizeof(dir), "/tmp/hc-copy.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	real = realpath(dir, NULL);
	if (!real)
		return -1;
	snprintf(dir, sizeof(dir), "%s", real);
	free(real);
	/* the state directory, as the journal creates it */
	return mkdir(at("st"), 0700);
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* at()'s buffers are reused: the copy's paths get their own */
static char src_path[PATH_MAX], dir_path[PATH_MAX];

static struct state_copy ulp_copy(const char *src)
{
	snprintf(src_path, sizeof(src_path), "%s", src);
	snprintf(dir_path, sizeof(dir_path), "%s", at("st/ulp"));
	return (struct state_copy){ .dir = dir_path,
				    .dir_mode = 0711,
				    .src = src_path,
				    .what = "the patch library",
				    .suffix = ".so",
				    .mode = 0644 };
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static ino_t inode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* the number of entries in @rel other than . and .. */
static int entries(const char *rel)
{
	char cmd[PATH_MAX + 32];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", at(rel));
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

/* named by its sha256, readable by a service, in a directory it can reach */
static void test_content_addressed(void **state)
{
	struct state_copy c = ulp_copy(at("fix.so"));
	uint8_t digest[SHA256_DIGEST_LEN], want[SHA256_DIGEST_LEN];
	char out[PATH_MAX], err[1024], hex[65], name[PATH_MAX];
	ino_t first;

	write_file(at("fix.so"), "version one\n", 0644);
	sha256__buf("version one\n", 12, want);
	assert_int_equal(state_copy__store(&c, out, sizeof(out), digest, err, sizeof(err)), 0);
	assert_memory_equal(digest, want, sizeof(want));
	snprintf(name, sizeof(name), "%s/%s.so", at("st/ulp"), sha256__hex(want, hex));
	assert_string_equal(out, name);
	assert_int_equal(mode_of(out), 0644);
	assert_int_equal(mode_of(at("st/ulp")), 0711);
	/* the state directory gains search, not read: a service reaches the copy, lists nothing */
	assert_int_equal(mode_of(at("st")), 0711);
	first = inode_of(out);
	/* the same bytes again: the same file, not a new inode a process would not match */
	assert_int_equal(state_copy__store(&c, out, sizeof(out), digest, err, sizeof(err)), 0);
	assert_string_equal(out, name);
	assert_int_equal(inode_of(out), first);
	/* rebuilt at the same path: a new name, for dlopen() a new file; the old copy stays */
	write_file(at("fix.so"), "version two\n", 0644);
	assert_int_equal(state_copy__store(&c, out, sizeof(out), digest, err, sizeof(err)), 0);
	assert_string_not_equal(out, name);
	assert_int_equal(entries("st/ulp"), 2);
}

/* a copy whose bytes changed under its name is replaced, never used */
static void test_tampered_copy(void **state)
{
	struct state_copy c = ulp_copy(at("fix.so"));
	uint8_t digest[SHA256_DIGEST_LEN];
	char out[PATH_MAX], err[1024], got[PATH_MAX];
	FILE *f;

	write_file(at("fix.so"), "the fix\n", 0644);
	assert_int_equal(state_copy__store(&c, out, sizeof(out), digest, err, sizeof(err)), 0);
	write_file(out, "something else\n", 0644);
	assert_int_equal(state_copy__store(&c, out, sizeof(out), digest, err, sizeof(err)), 0);
	f = fopen(out, "r");
	assert_non_null(f);
	assert_non_null(fgets(got, sizeof(got), f));
	fclose(f);
	assert_string_equal(got, "the fix\n");
}

/* bytes that do not match the pin get no name; nothing is left behind */
static void test_pin(void **state)
{
	struct state_copy c = ulp_copy(at("fix.so"));
	uint8_t digest[SHA256_DIGEST_LEN], pin[SHA256_DIGEST_LEN];
	char out[PATH_MAX], err[1024];

	write_file(at("fix.so"), "the fix\n", 0644);
	sha256__buf("the fix\n", 8, pin);
	c.pin = pin;
	assert_int_equal(state_copy__store(&c, out, sizeof(out), digest, err, sizeof(err)), 0);
	assert_int_equal(unlink(out), 0);
	write_file(at("fix.so"), "changed after check\n", 0644);
	assert_int_equal(state_copy__store(&c, out, sizeof(out), digest, err, sizeof(err)), -EBADF);
	assert_non_null(strstr(err, "the patch library '"));
	assert_non_null(strstr(err, "the policy pins"));
	assert_non_null(strstr(err, "rebuild it or fix the pin"));
	assert_int_equal(entries("st/ulp"), 0);
}

/* a source another user could change is refused before anything is copied */
static void test_untrusted_source(void **state)
{
	struct state_copy c = ulp_copy(at("fix.so"));
	uint8_t digest[SHA256_DIGEST_LEN];
	char out[PATH_MAX], err[1024];

	write_file(at("fix.so"), "the fix\n", 0666);
	assert_int_equal(state_copy__store(&c, out, sizeof(out), digest, err, sizeof(err)),
			 -EACCES);
	assert_non_null(strstr(err, "chmod go-w"));
	assert_int_equal(entries("st/ulp"), 0);
}

/* a named copy (a livepatch module) is replaced by each store; the directory stays 0700 */
static void test_named(void **state)
{
	struct state_copy c = { .dir = dir_path,
				.dir_mode = 0700,
				.src = src_path,
				.what = "the livepatch module",
				.name = "livepatch_x",
				.suffix = ".ko",
				.mode = 0600 };
	uint8_t digest[SHA256_DIGEST_LEN];
	char out[PATH_MAX], err[1024];

	snprintf(src_path, sizeof(src_path), "%s", at("m.ko"));
	snprintf(dir_path, sizeof(dir_path), "%s", at("st/modules"));
	write_file(at("m.ko"), "one\n", 0644);
	assert_int_equal(state_copy__store(&c, out, sizeof(out), digest, err, sizeof(err)), 0);
	assert_string_equal(out, at("st/modules/livepatch_x.ko"));
	assert_int_equal(mode_of(out), 0600);
	assert_int_equal(mode_of(at("st")), 0700);
	write_file(at("m.ko"), "two\n", 0644);
	assert_int_equal(state_copy__store(&c, out, sizeof(out), digest, err, sizeof(err)), 0);
	assert_int_equal(entries("st/modules"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_content_addressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_named, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
