// SPDX-License-Identifier: GPL-2.0
/* user/funcspec.c: "kernel:[MODULE:]NAME[@PID]" and "user:PATH:SYMBOL[@PID]" */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "funcspec.h"

struct good {
	const char *text;
	enum hc_func_kind kind;
	const char *path; /* NULL for kernel */
	const char *symbol;
	pid_t pid;
};

static void check_good(const struct good *g)
{
	struct hc_funcspec spec;
	char err[256] = "";
	int ret;

	memset(&spec, 0x5a, sizeof(spec));
	ret = funcspec__parse(g->text, &spec, err, sizeof(err));
	if (ret)
		fail_msg("'%s': returned %d (%s)", g->text, ret, err);
	assert_int_equal(spec.kind, g->kind);
	assert_non_null(spec.text);
	assert_string_equal(spec.text, g->text);
	assert_non_null(spec.symbol);
	assert_string_equal(spec.symbol, g->symbol);
	if (g->path) {
		assert_non_null(spec.path);
		assert_string_equal(spec.path, g->path);
	} else {
		assert_null(spec.path);
	}
	assert_int_equal(spec.pid, g->pid);
	/* the spec owns its strings: they are copies, not views into the input */
	assert_ptr_not_equal(spec.text, g->text);
	funcspec__free(&spec);
	assert_null(spec.symbol);
	assert_null(spec.text);
	assert_null(spec.path);
}

static void test_kernel_specs(void **state)
{
	static const struct good g[] = {
		{ "kernel:vfs_read", HC_FUNC_KERNEL, NULL, "vfs_read", 0 },
		{ "kernel:vfs_read@1234", HC_FUNC_KERNEL, NULL, "vfs_read", 1234 },
		{ "kernel:foo.constprop.0", HC_FUNC_KERNEL, NULL, "foo.constprop.0", 0 },
		{ "kernel:tcp_v4_rcv.cold@7", HC_FUNC_KERNEL, NULL, "tcp_v4_rcv.cold", 7 },
		{ "kernel:_x", HC_FUNC_KERNEL, NULL, "_x", 0 },
		{ "kernel:__x64_sys_openat", HC_FUNC_KERNEL, NULL, "__x64_sys_openat", 0 },
		{ "kernel:f@2147483647", HC_FUNC_KERNEL, NULL, "f", 2147483647 },
		/* a module's function; '-' in the module's file name is '_' in its name */
		{ "kernel:livepatch_shadow_mod:dummy_alloc", HC_FUNC_KERNEL, "livepatch_shadow_mod",
		  "dummy_alloc", 0 },
		{ "kernel:livepatch-shadow-mod:dummy_alloc@9", HC_FUNC_KERNEL,
		  "livepatch_shadow_mod", "dummy_alloc", 9 },
	};
	size_t i;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		check_good(&g[i]);
}

static void test_user_specs(void **state)
{
	static const struct good g[] = {
		{ "user:/bin/ls:main", HC_FUNC_USER, "/bin/ls", "main", 0 },
		{ "user:/usr/lib/libfoo.so.1:foo_init@123", HC_FUNC_USER, "/usr/lib/libfoo.so.1",
		  "foo_init", 123 },
		/* the path may contain ':', the symbol is after the last one */
		{ "user:/opt/a:b/bin/app:handle", HC_FUNC_USER, "/opt/a:b/bin/app", "handle", 0 },
		{ "user:/opt/a:b/app:handle@42", HC_FUNC_USER, "/opt/a:b/app", "handle", 42 },
		/* a relative path is a path too */
		{ "user:./app:f", HC_FUNC_USER, "./app", "f", 0 },
		/* a path with '@' in it is not a PID */
		{ "user:/opt/v@2/app:f", HC_FUNC_USER, "/opt/v@2/app", "f", 0 },
		{ "user:/opt/v@2/app:f@9", HC_FUNC_USER, "/opt/v@2/app", "f", 9 },
		/* C++ symbols */
		{ "user:/usr/bin/app:_ZN3foo3barEv", HC_FUNC_USER, "/usr/bin/app", "_ZN3foo3barEv",
		  0 },
	};
	size_t i;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		check_good(&g[i]);
}

/* '@' in a symbol is a version unless what follows is all digits */
static void test_versioned_symbols(void **state)
{
	static const struct good g[] = {
		{ "user:/lib/libc.so.6:memcpy@GLIBC_2.14", HC_FUNC_USER, "/lib/libc.so.6",
		  "memcpy@GLIBC_2.14", 0 },
		{ "user:/lib/libc.so.6:memcpy@@GLIBC_2.14", HC_FUNC_USER, "/lib/libc.so.6",
		  "memcpy@@GLIBC_2.14", 0 },
		{ "user:/lib/libc.so.6:memcpy@GLIBC_2.14@77", HC_FUNC_USER, "/lib/libc.so.6",
		  "memcpy@GLIBC_2.14", 77 },
		{ "user:/lib/libx.so:f@V1", HC_FUNC_USER, "/lib/libx.so", "f@V1", 0 },
		/* starts with a digit but is not a number: still a version */
		{ "user:/lib/libx.so:f@1.2", HC_FUNC_USER, "/lib/libx.so", "f@1.2", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		check_good(&g[i]);
}

static void check_bad(const char *text)
{
	struct hc_funcspec spec;
	char err[256];
	int ret;

	memset(&spec, 0x5a, sizeof(spec));
	err[0] = '\0';
	ret = funcspec__parse(text, &spec, err, sizeof(err));
	if (ret != -EINVAL)
		fail_msg("'%s': returned %d, expected -EINVAL (symbol '%s', pid %d)", text, ret,
			 ret ? "?" : spec.symbol, ret ? 0 : (int)spec.pid);
	if (!err[0])
		fail_msg("'%s': no error message", text);
	/* nothing is left allocated or dangling in the spec */
	assert_null(spec.text);
	assert_null(spec.symbol);
	assert_null(spec.path);
	/* and freeing a failed spec is harmless */
	funcspec__free(&spec);
}

static void test_bad_specs(void **state)
{
	static const char *const bad[] = {
		"",
		"vfs_read",	   /* no kind */
		"kprobe:x",	   /* unknown kind */
		"Kernel:vfs_read", /* kinds are lower case */
		"kernel:",
		"kernel:1abc",
		"kernel:a-b",
		"kernel:a b",
		"kernel:foo:1bar", /* a module's function name is an identifier too */
		"kernel::bar",	   /* no module */
		"kernel:foo:",	   /* no function */
		"kernel:a b:bar",  /* not a module name */
		"kernel:foo:bar:baz",
		"user:/bin/ls", /* no symbol */
		"user:",
		"user::sym",	    /* no path */
		"user:/bin/ls:",    /* empty symbol */
		"user:/bin/ls:@12", /* empty symbol before a PID */
		"kernel:foo@",
		"kernel:foo@0",
		"kernel:foo@-3",
		"kernel:foo@99999999999",
		"kernel:foo@2147483648",
		"kernel:@5",
		"user:/bin/ls:main@",
		"user:/bin/ls:main@0",
		"user:/bin/ls:main@99999999999",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad(bad[i]);
}

static void test_null_text(void **state)
{
	struct hc_funcspec spec;
	char err[128] = "";

	assert_int_equal(funcspec__parse(NULL, &spec, err, sizeof(err)), -EINVAL);
	assert_true(err[0] != '\0');
}

/* the message fits whatever buffer it is given */
static void test_short_error_buffer(void **state)
{
	struct hc_funcspec spec;
	char err[8];

	memset(err, 'x', sizeof(err));
	assert_int_equal(funcspec__parse("kernel:", &spec, err, 5), -EINVAL);
	assert_int_equal(strlen(err), 4);
	assert_int_equal(err[5], 'x');
}

/* a reused spec: parsing again after a free gives a fresh result */
static void test_reuse(void **state)
{
	struct hc_funcspec spec;
	char err[128] = "";

	assert_int_equal(funcspec__parse("user:/bin/true:main@5", &spec, err, sizeof(err)), 0);
	funcspec__free(&spec);
	assert_int_equal(funcspec__parse("kernel:do_sys_open", &spec, err, sizeof(err)), 0);
	assert_int_equal(spec.kind, HC_FUNC_KERNEL);
	assert_null(spec.path);
	assert_int_equal(spec.pid, 0);
	assert_string_equal(spec.symbol, "do_sys_open");
	funcspec__free(&spec);
}

static void test_free_zeroed(void **state)
{
	struct hc_funcspec spec;

	memset(&spec, 0, sizeof(spec));
	funcspec__free(&spec);
	funcspec__free(&spec); /* twice: free() leaves it zeroed */
	funcspec__free(NULL);
	assert_null(spec.text);
	assert_null(spec.symbol);
	assert_null(spec.path);
	assert_int_equal(spec.pid, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_specs),
		cmocka_unit_test(test_user_specs),
		cmocka_unit_test(test_versioned_symbols),
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_null_text),
		cmocka_unit_test(test_short_error_buffer),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_free_zeroed),
	};

	return cmocka_run_group_tests_name("funcspec", tests, NULL, NULL);
}
