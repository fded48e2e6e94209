// SPDX-License-Identifier: GPL-2.0
/* user/sha256.c against the FIPS 180-2 examples (appendix B) and sha256sum(1) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sha256.h"

static const char *hex_of(const void *data, size_t len, char *hex)
{
	uint8_t d[SHA256_DIGEST_LEN];

	sha256__buf(data, len, d);
	return sha256__hex(d, hex);
}

static void test_fips_vectors(void **state)
{
	char hex[65];

	/* B.1: "abc" */
	assert_string_equal(hex_of("abc", 3, hex),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* B.2: the 448-bit two-block message */
	assert_string_equal(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
				   hex),
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* the empty message */
	assert_string_equal(hex_of("", 0, hex),
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* B.3: one million 'a', fed in uneven pieces to exercise the buffering */
static void test_fips_million_a(void **state)
{
	uint8_t d[SHA256_DIGEST_LEN];
	char chunk[1024], hex[65];
	struct sha256 s;
	size_t left = 1000000, n, step = 1;

	memset(chunk, 'a', sizeof(chunk));
	sha256__init(&s);
	while (left) {
		n = step < left ? step : left;
		sha256__update(&s, chunk, n);
		left -= n;
		step = step % 997 + 7; /* 1 to 1003 bytes */
	}
	sha256__final(&s, d);
	assert_string_equal(sha256__hex(d, hex),
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* lengths around the 55/56/64-byte padding edges agree whether hashed at once or bytewise */
static void test_padding_edges(void **state)
{
	uint8_t a[SHA256_DIGEST_LEN], b[SHA256_DIGEST_LEN], msg[130];
	struct sha256 s;
	size_t len, i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 1);
	for (len = 50; len <= sizeof(msg); len++) {
		sha256__buf(msg, len, a);
		sha256__init(&s);
		for (i = 0; i < len; i++)
			sha256__update(&s, msg + i, 1);
		sha256__final(&s, b);
		assert_memory_equal(a, b, sizeof(a));
	}
}

static void test_file(void **state)
{
	char path[] = "/tmp/hc-sha256.XXXXXX", hex[65];
	uint8_t d[SHA256_DIGEST_LEN];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	/* the whole file whatever the descriptor's offset, which stays where it was */
	assert_int_equal(sha256__fd(fd, d), 0);
	assert_string_equal(sha256__hex(d, hex),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 3);
	close(fd);
	assert_int_equal(sha256__file(path, d), 0);
	assert_string_equal(sha256__hex(d, hex),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	unlink(path);
	assert_int_equal(sha256__file(path, d), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_vectors),
		cmocka_unit_test(test_fips_million_a),
		cmocka_unit_test(test_padding_edges),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
