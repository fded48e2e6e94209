// SPDX-License-Identifier: GPL-2.0
/*
 * user/proc.c: the /proc parsers on hand-written text (odd comms, paths with spaces,
 * anonymous mappings), the free-gap search on made-up maps, and the readers on this process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "proc.h"

#define GiB   (1ULL << 30)
#define REACH 0x7fff0000ULL

static void test_map_line(void **state)
{
	char l1[] = "55d0c3a00000-55d0c3a01000 r-xp 00001000 fe:00 332835"
		    "                     /usr/bin/my prog (deleted)\n";
	char l2[] = "7ffd5a1f0000-7ffd5a1f2000 r-xp 00000000 00:00 0                  [vdso]";
	char l3[] = "7f0000000000-7f0000021000 rw-p 00000000 00:00 0 ";
	char bad1[] = "55d0c3a00000 r-xp 00001000 fe:00 332835 /x";
	char bad2[] = "zz-55 r-xp 0 fe:00 1 /x";
	struct proc_map m;

	(void)state;
	assert_int_equal(proc_map__parse(l1, &m), 0);
	assert_true(m.start == 0x55d0c3a00000ULL && m.end == 0x55d0c3a01000ULL);
	assert_true(m.pgoff == 0x1000 && m.dev_major == 0xfe && m.dev_minor == 0);
	assert_true(m.inode == 332835);
	assert_string_equal(m.perms, "r-xp");
	assert_true(proc_map__is_exec(&m));
	assert_string_equal(m.path, "/usr/bin/my prog (deleted)");
	assert_int_equal(proc_map__parse(l2, &m), 0);
	assert_string_equal(m.path, "[vdso]");
	assert_int_equal(proc_map__parse(l3, &m), 0);
	assert_string_equal(m.path, "");
	assert_false(proc_map__is_exec(&m));
	assert_int_equal(proc_map__parse(bad1, &m), -EINVAL);
	assert_int_equal(proc_map__parse(bad2, &m), -EINVAL);
}

static const char maps_text[] =
	"555555554000-555555555000 r--p 00000000 08:01 42 /srv/app\n"
	"555555555000-555555556000 r-xp 00001000 08:01 42 /srv/app\n"
	"555555556000-555555557000 r--p 00002000 08:01 42 /srv/app\n"
	"555555558000-555555579000 rw-p 00000000 00:00 0 [heap]\n"
	"7ffff7d80000-7ffff7da8000 r--p 00000000 08:01 77 /lib/libc.so.6\n"
	"7ffff7da8000-7ffff7f3d000 r-xp 00028000 08:01 77 /lib/libc.so.6\n"
	"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 [stack]\n";

static void test_maps_find(void **state)
{
	struct proc_maps maps;
	const struct proc_map *m;
	uint64_t addr;

	(void)state;
	assert_int_equal(proc_maps__parse(maps_text, &maps), 0);
	assert_int_equal(maps.n, 7);
	m = proc_maps__find_file(&maps, makedev(8, 1), 42, 0x1234);
	assert_non_null(m);
	assert_true(m->start == 0x555555555000ULL);
	assert_int_equal(proc_maps__addr_of(&maps, makedev(8, 1), 42, 0x1234, &addr), 0);
	assert_true(addr == 0x555555555234ULL);
	/* past the file's last mapping */
	assert_int_equal(proc_maps__addr_of(&maps, makedev(8, 1), 42, 0x3000, &addr), -ENOENT);
	/* same inode, other device: another file */
	assert_null(proc_maps__find_inode(&maps, makedev(8, 2), 42));
	assert_non_null(proc_maps__find_path(&maps, "[heap]", false));
	m = proc_maps__find_path(&maps, "libc.so.6", true);
	assert_non_null(m);
	assert_true(m->inode == 77);
	assert_non_null(proc_maps__find_addr(&maps, 0x7ffff7da9000ULL));
	assert_null(proc_maps__find_addr(&maps, 0x555555557800ULL));
	proc_maps__free(&maps);
}

static bool overlaps(const struct proc_maps *maps, uint64_t a, uint64_t size)
{
	size_t i;

	for (i = 0; i < maps->n; i++)
		if (a < maps->v[i].end + 4096 && maps->v[i].start < a + size + 4096)
			return true;
	return false;
}

static void test_free_near(void **state)
{
	struct proc_maps maps;
	uint64_t lo = 0x555555555100ULL, hi = 0x555555555200ULL, page = lo & ~4095ULL, a;
	/* everything from 2 GiB below to 2 GiB above the site is taken but one page */
	char full[512];

	(void)state;
	assert_int_equal(proc_maps__parse(maps_text, &maps), 0);
	assert_int_equal(proc_maps__free_near(&maps, lo, hi, 4096, &a), 0);
	assert_true(a % 4096 == 0);
	assert_false(overlaps(&maps, a, 4096));
	assert_true(a + 4096 <= lo && lo - a < REACH);
	assert_true(hi - a < REACH);
	proc_maps__free(&maps);

	snprintf(full, sizeof(full),
		 "%llx-%llx r-xp 00000000 08:01 42 /srv/app\n"
		 "%llx-%llx rw-p 00000000 00:00 0\n",
		 (unsigned long long)(page - 2 * GiB), (unsigned long long)(page + 4096),
		 (unsigned long long)(page + 4 * 4096), (unsigned long long)(page + 3 * GiB));
	assert_int_equal(proc_maps__parse(full, &maps), 0);
	/* the one hole: three pages, one left between the guards */
	assert_int_equal(proc_maps__free_near(&maps, lo, hi, 4096, &a), 0);
	assert_true(a == page + 2 * 4096);
	assert_int_equal(proc_maps__free_near(&maps, lo, hi, 4 * 4096, &a), -ENOSPC);
	/* a range wider than a rel32 can span */
	assert_int_equal(proc_maps__free_near(&maps, lo, lo + 3 * GiB, 4096, &a), -ENOSPC);
	proc_maps__free(&maps);
}

static void test_stat(void **state)
{
	static const char odd[] = "1234 (a) (b c)) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 6 0 0 "
				  "20 0 3 0 987654321 12345678 100 18446744073709551615\n";
	static const char plain[] = "7 (sshd) S 1 7 7 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 42 "
				    "0 0\n";
	char comm[16];
	uint64_t st = 0;

	(void)state;
	assert_int_equal(proc_stat__parse(odd, comm, sizeof(comm), &st), 0);
	assert_string_equal(comm, "a) (b c)");
	assert_true(st == 987654321ULL);
	assert_int_equal(proc_stat__parse(plain, comm, sizeof(comm), &st), 0);
	assert_string_equal(comm, "sshd");
	assert_true(st == 42);
	/* comm is cut, not overflowed */
	assert_int_equal(proc_stat__parse(odd, comm, 4, &st), 0);
	assert_string_equal(comm, "a) ");
	assert_int_equal(proc_stat__parse("1234 (x S 1", comm, sizeof(comm), &st), -EINVAL);
	assert_int_equal(proc_stat__parse("1 (x) S 1 2 3", comm, sizeof(comm), &st), -EINVAL);
	assert_int_equal(proc_stat__parse("1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 zz", comm,
					  sizeof(comm), &st),
			 -EINVAL);
}

static void test_status(void **state)
{
	static const char text[] = "Name:\tx\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nSeccomp:\t2\n"
				   "Seccomp_filters:\t1\n";
	long long v = -1;

	(void)state;
	assert_int_equal(proc_status__parse(text, "TracerPid", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(proc_status__parse(text, "Seccomp", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(proc_status__parse(text, "Seccomp_filters", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(proc_status__parse(text, "NoSuch", &v), -ENOENT);
	assert_int_equal(proc_status__parse(text, "Name", &v), -EINVAL);
}

/* against this very process, read independently with stdio */
static void test_self(void **state)
{
	char buf[1024], *p, comm[16];
	uint64_t st = 0, want = 0;
	pid_t *tids;
	size_t n, i;
	bool me = false;
	int field;
	FILE *f;

	(void)state;
	f = fopen("/proc/self/stat", "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')') + 2;
	for (field = 3; field < 22; field++)
		p = strchr(p, ' ') + 1;
	want = strtoull(p, NULL, 10);
	assert_int_equal(proc__start_time(getpid(), &st), 0);
	assert_true(st == want);
	assert_int_equal(proc__comm(getpid(), comm, sizeof(comm)), 0);
	assert_string_equal(comm, "test_proc");
	assert_int_equal(proc__tids(getpid(), &tids, &n), 0);
	for (i = 0; i < n; i++)
		me |= tids[i] == getpid();
	assert_true(me);
	free(tids);
	assert_int_equal(proc__start_time(0x3ffffff0, &st), -ESRCH);
	assert_int_equal(proc__mem_read(getpid(), (uintptr_t)buf, comm, 8), 0);
	assert_memory_equal(comm, buf, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_line),  cmocka_unit_test(test_maps_find),
		cmocka_unit_test(test_free_near), cmocka_unit_test(test_stat),
		cmocka_unit_test(test_status),	  cmocka_unit_test(test_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
