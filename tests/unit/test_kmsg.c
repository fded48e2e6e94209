// SPDX-License-Identifier: GPL-2.0
/* user/kmsg.c: /dev/kmsg records and what they say about the kernel */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kmsg.h"

/* the text of @rec as a C string */
static const char *rec_text(const struct kmsg_record *rec)
{
	static char buf[1024];

	assert_non_null(rec->text);
	assert_true(rec->text_len < sizeof(buf));
	memcpy(buf, rec->text, rec->text_len);
	buf[rec->text_len] = '\0';
	return buf;
}

static void parse_ok(const char *raw, struct kmsg_record *rec)
{
	int ret = kmsg__parse(raw, strlen(raw), rec);

	if (ret)
		fail_msg("'%s': returned %d", raw, ret);
}

static void test_parse_basic(void **state)
{
	const char *raw = "6,1234,5678901,-;message";
	struct kmsg_record rec;

	parse_ok(raw, &rec);
	assert_int_equal(rec.facility, 0);
	assert_int_equal(rec.level, 6);
	assert_int_equal(rec.seq, 1234);
	assert_int_equal(rec.ts_us, 5678901);
	assert_string_equal(rec_text(&rec), "message");
	/* the text points into the buffer parsed, after the header */
	assert_ptr_equal(rec.text, raw + strlen("6,1234,5678901,-;"));
}

/* as read(2) returns it: the text ends at the first newline, dictionary lines follow */
static void test_parse_continuation(void **state)
{
	const char *raw = "3,877,103949227,-;usb 1-1: device descriptor read/64, error -71\n"
			  " SUBSYSTEM=usb\n"
			  " DEVICE=c189:0\n";
	struct kmsg_record rec;

	parse_ok(raw, &rec);
	assert_int_equal(rec.level, 3);
	assert_int_equal(rec.seq, 877);
	assert_int_equal(rec.ts_us, 103949227);
	assert_string_equal(rec_text(&rec), "usb 1-1: device descriptor read/64, error -71");

	/* a plain record with its trailing newline */
	parse_ok("4,5,6,-;eth0: link up\n", &rec);
	assert_string_equal(rec_text(&rec), "eth0: link up");
}

static void test_parse_extra_fields(void **state)
{
	struct kmsg_record rec;

	/* continuation flag 'c', and the caller id field of CONFIG_PRINTK_CALLER kernels */
	parse_ok("4,120,9000000,c,caller=T42;WARNING: x\n", &rec);
	assert_int_equal(rec.level, 4);
	assert_int_equal(rec.seq, 120);
	assert_int_equal(rec.ts_us, 9000000);
	assert_string_equal(rec_text(&rec), "WARNING: x");
	parse_ok("6,1,2,-,caller=C3,more=1;text; with; semicolons, and, commas", &rec);
	assert_int_equal(rec.seq, 1);
	assert_int_equal(rec.ts_us, 2);
	assert_string_equal(rec_text(&rec), "text; with; semicolons, and, commas");
	/* no flags field at all */
	parse_ok("6,7,8;x", &rec);
	assert_int_equal(rec.seq, 7);
	assert_int_equal(rec.ts_us, 8);
	assert_string_equal(rec_text(&rec), "x");
}

static void test_parse_prio_and_big_numbers(void **state)
{
	struct kmsg_record rec;

	/* prio = facility * 8 + level: 12 is LOG_USER|LOG_WARNING, what a process writes */
	parse_ok("12,55,66,-;WARNING: from user space", &rec);
	assert_int_equal(rec.facility, 1);
	assert_int_equal(rec.level, 4);
	parse_ok("0,0,0,-;emergency", &rec);
	assert_int_equal(rec.facility, 0);
	assert_int_equal(rec.level, 0);
	parse_ok("191,1,1,-;local7 debug", &rec);
	assert_int_equal(rec.facility, 23);
	assert_int_equal(rec.level, 7);
	/* sequence numbers and timestamps are 64-bit */
	parse_ok("6,18446744073709551615,8589934592000,-;late", &rec);
	assert_true(rec.seq == UINT64_MAX);
	assert_true(rec.ts_us == 8589934592000ULL);
	/* empty text */
	parse_ok("6,1,2,-;", &rec);
	assert_int_equal(rec.text_len, 0);
}

/* only @len bytes are the record: nothing past them is looked at */
static void test_parse_respects_len(void **state)
{
	const char *raw = "6,1,2,-;hello world\n";
	struct kmsg_record rec;

	assert_int_equal(kmsg__parse(raw, strlen("6,1,2,-;hello"), &rec), 0);
	assert_string_equal(rec_text(&rec), "hello");
	/* the ';' is past len */
	assert_int_equal(kmsg__parse(raw, strlen("6,1,2,-"), &rec), -EINVAL);
}

static void test_parse_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"message without a header",
		";text",
		"6;text",
		"6;1,2,-;text",	     /* the header ends at the first ';' */
		"6,1234;text",	     /* no timestamp */
		"6,,5678901,-;text", /* empty sequence */
		"x,1,2,-;text",
		"6,1,y,-;text",
		"6 1 2 -;text",
		"6,1,2x,-;text",
		"6,1,2,-",			      /* no ';' */
		"6,1,99999999999999999999999,-;text", /* over 64 bits */
	};
	struct kmsg_record rec;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = kmsg__parse(bad[i], strlen(bad[i]), &rec);

		if (ret != -EINVAL)
			fail_msg("'%s': returned %d, expected -EINVAL", bad[i], ret);
	}
}

struct sample {
	const char *text;
	enum kmsg_class want;
};

/* real first lines of kernel reports, 6.1 and 6.12 */
static const struct sample kernel_reports[] = {
	{ "WARNING: CPU: 1 PID: 42 at kernel/foo.c:12 bar+0x1/0x2", KMSG_WARNING },
	{ "WARNING: CPU: 0 PID: 1 at mm/page_alloc.c:4403 __alloc_pages+0x2a1/0x330",
	  KMSG_WARNING },
	{ "kernel BUG at mm/slub.c:123!", KMSG_BUG },
	{ "BUG: kernel NULL pointer dereference, address: 0000000000000000", KMSG_BUG },
	{ "BUG: unable to handle page fault for address: ffffffffc0a01000", KMSG_BUG },
	{ "BUG: scheduling while atomic: swapper/0/0/0x00000002", KMSG_BUG },
	{ "Oops: 0002 [#1] PREEMPT SMP NOPTI", KMSG_OOPS },
	{ "Oops: general protection fault, probably for non-canonical address 0xdead: "
	  "0000 [#1] PREEMPT SMP NOPTI",
	  KMSG_OOPS },
	{ "general protection fault, probably for non-canonical address 0x1: 0000 [#1] SMP "
	  "NOPTI",
	  KMSG_OOPS },
	/* after "kernel BUG at": 6.1 prints the trap, 6.12 prefixes it with "Oops: " */
	{ "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", KMSG_OOPS },
	{ "Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", KMSG_OOPS },
	{ "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [foo:123]", KMSG_SOFT_LOCKUP },
	{ "Watchdog detected hard LOCKUP on cpu 3", KMSG_HARD_LOCKUP },
	{ "watchdog: Watchdog detected hard LOCKUP on cpu 3", KMSG_HARD_LOCKUP },
	/* 6.6+: the buddy detector names the CPU that noticed */
	{ "watchdog: CPU2: Watchdog detected hard LOCKUP on cpu 3", KMSG_HARD_LOCKUP },
	{ "INFO: task kworker/0:1:42 blocked for more than 120 seconds.", KMSG_HUNG_TASK },
	{ "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", KMSG_RCU_STALL },
	{ "rcu: INFO: rcu_sched self-detected stall on CPU", KMSG_RCU_STALL },
	{ "rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: {", KMSG_RCU_STALL },
	{ "INFO: rcu_sched detected stalls on CPUs/tasks:", KMSG_RCU_STALL },
	{ "Kernel panic - not syncing: Fatal exception", KMSG_PANIC },
	{ "Kernel panic - not syncing: softlockup: hung tasks", KMSG_PANIC },
};

/* kernel records (facility 0) that are nothing to worry about */
static const char *const harmless[] = {
	"eth0: link up",
	"------------[ cut here ]------------",
	"Modules linked in: hotcanary_fixture(OE)",
	"CPU: 1 PID: 42 Comm: kworker/0:1 Tainted: G        W          6.1.0 #1",
	"Call Trace:",
	"usb 1-1: new high-speed USB device number 2 using xhci_hcd",
	"audit: type=1400 audit(0.0:2): apparmor=\"DENIED\" operation=\"open\"",
	"INFO: task scheduled",
	"---[ end trace 0000000000000000 ]---",
	"",
};

static enum kmsg_class classify_raw(unsigned int prio, const char *text)
{
	char raw[1024];
	struct kmsg_record rec;

	snprintf(raw, sizeof(raw), "%u,100,2000000,-;%s\n SUBSYSTEM=test\n", prio, text);
	parse_ok(raw, &rec);
	return kmsg__classify(&rec);
}

static void test_classify_kernel_reports(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(kernel_reports) / sizeof(kernel_reports[0]); i++) {
		const struct sample *s = &kernel_reports[i];
		/* the kernel logs these at KERN_WARNING, KERN_EMERG, KERN_ALERT or KERN_ERR */
		static const unsigned int prios[] = { 4, 0, 1, 3 };
		size_t p;

		for (p = 0; p < sizeof(prios) / sizeof(prios[0]); p++) {
			enum kmsg_class got = classify_raw(prios[p], s->text);

			if (got != s->want)
				fail_msg("'%s' (prio %u): %s, expected %s", s->text, prios[p],
					 kmsg_class__name(got), kmsg_class__name(s->want));
		}
	}
}

static void test_classify_user_written(void **state)
{
	size_t i;

	/* the same texts written to /dev/kmsg by a process: facility LOG_USER, not the kernel */
	for (i = 0; i < sizeof(kernel_reports) / sizeof(kernel_reports[0]); i++) {
		enum kmsg_class got = classify_raw(12, kernel_reports[i].text);

		if (got != KMSG_NONE)
			fail_msg("user-written '%s' classified %s", kernel_reports[i].text,
				 kmsg_class__name(got));
		/* and any other facility (daemon, local0) */
		assert_int_equal(classify_raw(3 * 8 + 4, kernel_reports[i].text), KMSG_NONE);
		assert_int_equal(classify_raw(16 * 8 + 0, kernel_reports[i].text), KMSG_NONE);
	}
}

static void test_classify_harmless(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(harmless) / sizeof(harmless[0]); i++) {
		enum kmsg_class got = classify_raw(4, harmless[i]);

		if (got != KMSG_NONE)
			fail_msg("'%s' classified %s", harmless[i], kmsg_class__name(got));
	}
}

/* the class comes from the text, not from the dictionary lines after it */
static void test_classify_ignores_continuation(void **state)
{
	const char *raw = "4,1,2,-;eth0: link up\n SUBSYSTEM=WARNING: x\n DEVICE=BUG: y\n";
	struct kmsg_record rec;

	parse_ok(raw, &rec);
	assert_int_equal(kmsg__classify(&rec), KMSG_NONE);
}

static void test_class_names(void **state)
{
	const char *names[KMSG_RCU_STALL + 1];
	int c, d;

	for (c = KMSG_NONE; c <= KMSG_RCU_STALL; c++) {
		names[c] = kmsg_class__name((enum kmsg_class)c);
		assert_non_null(names[c]);
		assert_true(names[c][0] != '\0');
		for (d = 0; d < c; d++)
			if (!strcmp(names[c], names[d]))
				fail_msg("classes %d and %d are both '%s'", d, c, names[c]);
	}
	/* out of range: still a string to print */
	assert_non_null(kmsg_class__name((enum kmsg_class)(KMSG_RCU_STALL + 1)));
	assert_non_null(kmsg_class__name((enum kmsg_class) - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_basic),
		cmocka_unit_test(test_parse_continuation),
		cmocka_unit_test(test_parse_extra_fields),
		cmocka_unit_test(test_parse_prio_and_big_numbers),
		cmocka_unit_test(test_parse_respects_len),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_classify_kernel_reports),
		cmocka_unit_test(test_classify_user_written),
		cmocka_unit_test(test_classify_harmless),
		cmocka_unit_test(test_classify_ignores_continuation),
		cmocka_unit_test(test_class_names),
	};

	return cmocka_run_group_tests_name("kmsg", tests, NULL, NULL);
}
