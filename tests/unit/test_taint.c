// SPDX-License-Identifier: GPL-2.0
/* user/taint.c: taint letters and bit names */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "taint.h"

/*
 * The letters of bits 0..18 as Documentation/admin-guide/tainted-kernels.rst lists them (and
 * as the kernel prints them in "Tainted: G W O E", kernel/panic.c taint_flags[]).
 */
static const char kernel_letters[] = "PFSRMBUDAWCIOELKXTN";

static void test_letters_examples(void **state)
{
	char buf[64];

	assert_string_equal(taint__letters(0, buf, sizeof(buf)), "");
	assert_string_equal(taint__letters(1UL << 9, buf, sizeof(buf)), "W");
	assert_string_equal(taint__letters((1UL << 12) | (1UL << 13) | (1UL << 15), buf,
					   sizeof(buf)),
			    "OEK");
	assert_string_equal(taint__letters(1UL << 7, buf, sizeof(buf)), "D");
	assert_string_equal(taint__letters(1UL << 0, buf, sizeof(buf)), "P");
	/* a WARN plus an out-of-tree unsigned module, as on many test machines */
	assert_string_equal(taint__letters((1UL << 9) | (1UL << 12) | (1UL << 13), buf, sizeof(buf)),
			    "WOE");
	/* returns the buffer it was given */
	assert_ptr_equal(taint__letters(1UL << 9, buf, sizeof(buf)), buf);
}

static void test_letters_match_kernel(void **state)
{
	char buf[64], want[2] = "";
	unsigned int bit;

	for (bit = 0; bit < sizeof(kernel_letters) - 1; bit++) {
		want[0] = kernel_letters[bit];
		if (strcmp(taint__letters(1UL << bit, buf, sizeof(buf)), want))
			fail_msg("bit %u: '%s', the kernel prints '%s'", bit, buf, want);
	}
	/* all of them at once, in bit order */
	assert_string_equal(taint__letters((1UL << (sizeof(kernel_letters) - 1)) - 1, buf,
					   sizeof(buf)),
			    kernel_letters);
}

static void test_letters_bit_order(void **state)
{
	char buf[80], one[4], want[80];
	unsigned long mask = 0x8a5a5UL; /* an arbitrary mix of known bits */
	unsigned int bit;

	want[0] = '\0';
	for (bit = 0; bit < 20; bit++) {
		if (!(mask & (1UL << bit)))
			continue;
		taint__letters(1UL << bit, one, sizeof(one));
		assert_int_equal(strlen(one), 1);
		strcat(want, one);
	}
	assert_string_equal(taint__letters(mask, buf, sizeof(buf)), want);
	/* one letter per set bit, known or not */
	assert_int_equal(strlen(taint__letters(~0UL, buf, sizeof(buf))), 8 * sizeof(long));
	assert_int_equal(strlen(taint__letters(1UL << 40 | 1UL << 9, buf, sizeof(buf))), 2);
}

static void test_letters_truncation(void **state)
{
	unsigned long mask = (1UL << 9) | (1UL << 12) | (1UL << 13) | (1UL << 15);
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	assert_string_equal(taint__letters(mask, buf, 3), "WO");
	assert_int_equal(buf[3], 'x'); /* nothing written past len */
	memset(buf, 'x', sizeof(buf));
	assert_string_equal(taint__letters(mask, buf, 1), "");
	assert_int_equal(buf[1], 'x');
	memset(buf, 'x', sizeof(buf));
	assert_string_equal(taint__letters(mask, buf, 5), "WOEK");
	assert_string_equal(taint__letters(mask, buf, 4), "WOE");
	/* len 0: not a byte written */
	memset(buf, 'x', sizeof(buf));
	taint__letters(mask, buf, 0);
	assert_int_equal(buf[0], 'x');
}

static void test_bit_names(void **state)
{
	const char *names[32];
	unsigned int bit, i, known = 0;

	assert_string_equal(taint__bit_name(9), "warn");
	assert_string_equal(taint__bit_name(7), "die");
	assert_null(taint__bit_name(63));
	assert_null(taint__bit_name(64));
	assert_null(taint__bit_name(1000));
	assert_null(taint__bit_name(~0U));
	/* every bit the kernel documents has a distinct, non-empty name */
	for (bit = 0; bit < 32; bit++) {
		names[bit] = taint__bit_name(bit);
		if (bit < sizeof(kernel_letters) - 1 && !names[bit])
			fail_msg("documented taint bit %u has no name", bit);
		if (!names[bit])
			continue;
		known++;
		assert_true(names[bit][0] != '\0');
		for (i = 0; i < bit; i++)
			if (names[i] && !strcmp(names[i], names[bit]))
				fail_msg("bits %u and %u are both '%s'", i, bit, names[bit]);
	}
	assert_true(known >= sizeof(kernel_letters) - 1);
	/* the named bits are a prefix: once unknown, unknown for good */
	for (bit = known; bit < 32; bit++)
		assert_null(names[bit]);
}

/* /proc/sys/kernel/tainted, read the same way by hand */
static void test_read(void **state)
{
	unsigned long mask = 12345, want;
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");
	int ret;

	if (!f) {
		assert_true(taint__read(&mask) < 0);
		return;
	}
	ret = fscanf(f, "%lu", &want);
	fclose(f);
	assert_int_equal(ret, 1);
	assert_int_equal(taint__read(&mask), 0);
	/* the kernel only ever adds taint, so a second read can only have more bits */
	assert_int_equal(mask & want, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_letters_examples),
		cmocka_unit_test(test_letters_match_kernel),
		cmocka_unit_test(test_letters_bit_order),
		cmocka_unit_test(test_letters_truncation),
		cmocka_unit_test(test_bit_names),
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests_name("taint", tests, NULL, NULL);
}
