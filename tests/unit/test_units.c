// SPDX-License-Identifier: GPL-2.0
/* user/units.c: parsing and printing durations */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "units.h"

#define SENTINEL 0xdeadbeefcafef00dULL

static void check_parse(const char *text, uint64_t want)
{
	uint64_t ns = SENTINEL;
	int ret = duration__parse(text, &ns);

	if (ret)
		fail_msg("'%s': returned %d", text, ret);
	if (ns != want)
		fail_msg("'%s': %llu ns, expected %llu", text, (unsigned long long)ns,
			 (unsigned long long)want);
}

static void test_parse_valid(void **state)
{
	check_parse("500ms", 500000000ULL);
	check_parse("30s", 30000000000ULL);
	check_parse("2m", 120000000000ULL);
	check_parse("1h", 3600000000000ULL);
	check_parse("1.5s", 1500000000ULL);
	check_parse("0.25s", 250000000ULL);
	check_parse("1ms", 1000000ULL);
	check_parse("0s", 0);
	check_parse("0.5ms", 500000ULL);
	check_parse("100ms", 100000000ULL);
	check_parse("24h", 86400000000000ULL);
	check_parse("1.25m", 75000000000ULL);
	/* decimal fractions land on the nearest nanosecond, not one below */
	check_parse("0.1s", 100000000ULL);
	check_parse("0.3s", 300000000ULL);
	check_parse("2.2ms", 2200000ULL);
	check_parse("1.001s", 1001000000ULL); /* 1.001 * 1e9 is 1000999999.9999999 */
	check_parse("1.005ms", 1005000ULL);
}

static void check_reject(const char *text)
{
	uint64_t ns = SENTINEL;
	int ret = duration__parse(text, &ns);

	if (ret != -EINVAL && ret != -ERANGE)
		fail_msg("'%s': returned %d (%llu ns), expected -EINVAL or -ERANGE", text, ret,
			 (unsigned long long)ns);
	/* a rejected text leaves the output alone */
	assert_int_equal(ns, SENTINEL);
}

static void test_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"",    "10",  "10x", "-1s",  "s",    "abc",  "ms",   "10 s", "10sec", "1s5",
		"+1s", "1.5", ".",   "1ms ", "10ns", "10us", "nans", "infs", "infh",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_reject(bad[i]);
	check_reject(NULL);
}

static void test_parse_range(void **state)
{
	uint64_t ns = SENTINEL;

	assert_int_equal(duration__parse("1e30h", &ns), -ERANGE);
	assert_int_equal(ns, SENTINEL);
	assert_int_equal(duration__parse("99999999999h", &ns), -ERANGE);
	assert_int_equal(duration__parse("1e300s", &ns), -ERANGE);
	/* about 317 years still fits in 64 bits of nanoseconds */
	check_parse("2777777h", 2777777ULL * 3600000000000ULL);
}

/*
 * A negative duration must never come out as a huge unsigned one. strtod() skips leading
 * white space, so " -1s" gets past a check of the first character alone.
 */
static void test_parse_negative_after_space(void **state)
{
	static const char *const bad[] = { " -1s", "\t-500ms", "\n-2m", " -0.5h" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ns = SENTINEL;
		int ret = duration__parse(bad[i], &ns);

		if (ret == 0)
			fail_msg("'%s' was accepted as %llu ns", bad[i], (unsigned long long)ns);
		assert_int_equal(ns, SENTINEL);
	}
}

/* "12.3ms" -> 12300000: the printed figure, scaled back by its unit */
static double format_value(const char *s, const char **unit)
{
	char *end;
	double v = strtod(s, &end);

	assert_ptr_not_equal(end, s);
	*unit = end;
	if (!strcmp(end, "ns"))
		return v;
	if (!strcmp(end, "us"))
		return v * 1e3;
	if (!strcmp(end, "ms"))
		return v * 1e6;
	if (!strcmp(end, "s"))
		return v * 1e9;
	fail_msg("'%s': unknown unit '%s'", s, end);
	return 0;
}

static const char *range_unit(uint64_t ns)
{
	return ns < 1000 ? "ns" : ns < 1000000 ? "us" : ns < 1000000000 ? "ms" : "s";
}

/* the unit of the range above @unit, for values that round up into it */
static const char *next_unit(const char *unit)
{
	return !strcmp(unit, "ns") ? "us" : !strcmp(unit, "us") ? "ms" : "s";
}

static void check_format(uint64_t ns)
{
	char buf[64];
	const char *unit, *want = range_unit(ns);
	double v, err;

	assert_ptr_equal(duration__format(ns, buf, sizeof(buf)), buf);
	/* for people: plain digits, no exponent */
	if (strpbrk(buf, "eE+"))
		fail_msg("%llu ns printed as '%s'", (unsigned long long)ns, buf);
	v = format_value(buf, &unit);
	if (strcmp(unit, want) && strcmp(unit, next_unit(want)))
		fail_msg("%llu ns printed as '%s', expected a value in %s", (unsigned long long)ns,
			 buf, want);
	/* at least three significant digits: within 0.5% (whole ns below 1 us) */
	err = v - (double)ns;
	if (err < 0)
		err = -err;
	if (ns < 1000 ? err != 0 : err > 0.005 * (double)ns)
		fail_msg("%llu ns printed as '%s'", (unsigned long long)ns, buf);
}

static void test_size_parse(void **state)
{
	static const struct {
		const char *text;
		int ret;
		uint64_t bytes;
	} cases[] = {
		{ "0", 0, 0 },
		{ "4096", 0, 4096 },
		{ "1K", 0, 1024 },
		{ "3KiB", 0, 3072 },
		{ "256M", 0, 256ULL << 20 },
		{ "256MiB", 0, 256ULL << 20 },
		{ "2G", 0, 2ULL << 30 },
		{ "", -EINVAL, 0 },
		{ "M", -EINVAL, 0 },
		{ " 1M", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "1.5M", -EINVAL, 0 },
		{ "1m", -EINVAL, 0 },
		{ "1MB", -EINVAL, 0 },
		{ "99999999999999999999", -ERANGE, 0 },
		{ "17179869184G", -ERANGE, 0 },
	};
	uint64_t b;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = 12345;
		assert_int_equal(size__parse(cases[i].text, &b), cases[i].ret);
		assert_int_equal(b, cases[i].ret ? 12345 : cases[i].bytes);
	}
}

static void test_format_ranges(void **state)
{
	static const uint64_t ns[] = {
		0,	   1,	       812,	   999,
		1000,	   1001,       3410,	   12345,
		999000,	   1000000,    1234567,	   12000000,
		999000000, 1000000000, 1500000000, 59000000000ULL,
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		check_format(ns[i]);
	/* the examples units.h documents */
	assert_string_equal(duration__format(812, buf, sizeof(buf)), "812ns");
	assert_string_equal(duration__format(3410, buf, sizeof(buf)), "3.41us");
	assert_string_equal(duration__format(12000000, buf, sizeof(buf)), "12.0ms");
	assert_string_equal(duration__format(1500000000, buf, sizeof(buf)), "1.50s");
	assert_string_equal(duration__format(0, buf, sizeof(buf)), "0ns");
}

/* the edges of each range, where rounding to three digits reaches the next power of ten */
static void test_format_boundaries(void **state)
{
	static const uint64_t ns[] = {
		999499,	   999500,    999999,	 /* 999.5us .. 1ms */
		999499999, 999500000, 999999999, /* 999.5ms .. 1s */
	};
	size_t i;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		check_format(ns[i]);
}

/* seconds do not stop at 999: minutes-long and hour-long intervals print plainly */
static void test_format_long(void **state)
{
	static const uint64_t ns[] = {
		999500000000ULL,
		1000000000000ULL,
		3600000000000ULL,
		86400000000000ULL,
	};
	size_t i;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		check_format(ns[i]);
}

/* parse, then format: the same duration comes back */
static void test_roundtrip(void **state)
{
	static const char *const texts[] = { "500ms", "30s", "1.5s", "0.25s", "2.5ms", "12s" };
	char buf[64];
	const char *unit;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		uint64_t ns;

		assert_int_equal(duration__parse(texts[i], &ns), 0);
		assert_true(format_value(duration__format(ns, buf, sizeof(buf)), &unit) ==
			    (double)ns);
	}
}

static void test_format_short_buffer(void **state)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	duration__format(123456789, buf, 4);
	assert_int_equal(strlen(buf), 3);
	assert_int_equal(buf[4], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_size_parse),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_range),
		cmocka_unit_test(test_parse_negative_after_space),
		cmocka_unit_test(test_format_ranges),
		cmocka_unit_test(test_format_boundaries),
		cmocka_unit_test(test_format_long),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_format_short_buffer),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
