// SPDX-License-Identifier: GPL-2.0
/*
 * user/klp.c on a fake system tree built in a temporary directory (sysfs-like files under
 * ROOT/sys, ROOT/proc, ...), and on livepatch modules: ELF objects generated at test time
 * with gcc (a .modinfo section and static klp structures laid out as the kernel's), and the
 * real klp_good.ko of 'make vm-modules' when it has been built.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include <bpf/btf.h>

#include "fake_tree.h"
#include "klp.h"
#include "steps.h"

#define KREL	  "6.1.0-56-cloud-amd64"
#define KVERMAGIC KREL " SMP preempt mod_unload modversions "

static struct klp_sys sys;

/* ---- the fake tree (helpers in fake_tree.h) ------------------------------------------- */

static int setup(void **state)
{
	umask(022);
	snprintf(root, sizeof(root), "/tmp/hc-klp.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	chmod(root, 0755);
	return klp_sys__init(&sys, root);
}

static int teardown(void **state)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* ---- generated livepatch-like modules --------------------------------------------------- */

struct genmod {
	const char *vermagic; /* NULL: KVERMAGIC */
	bool no_livepatch;
	bool replace;
	bool target_module; /* a second object, module hc_target, with sympos 2 */
	bool klp_rela;	    /* a .klp.rela.hc_mod2..text section, as kpatch-build makes */
	bool no_patch;	    /* no static struct klp_patch at all */
	bool intree;
	bool sign;	  /* append a fake PKCS#7 signature */
	const char *name; /* modinfo name=; NULL: klp_test */
};

/*
 * An ELF relocatable object that looks to klp_mod__read() like a hand-written livepatch: the
 * external fields of klp_func/klp_object/klp_patch in the kernel's layout (5.5+), padded
 * like the internal ones. Returns false (the test skips) when there is no compiler.
 */
static bool gen_module(const char *rel, const struct genmod *g)
{
	char *source;
	bool ok;

	assert_true(
		asprintf(&source,
			 "struct module;\n"
			 "extern struct module __this_module;\n"
			 "struct klp_func { const char *old_name; void *new_func; unsigned long old_sympos;"
			 " void *internal[12]; };\n"
			 "struct klp_object { const char *name; struct klp_func *funcs; void *cb[4];"
			 " void *internal[12]; };\n"
			 "struct klp_patch { struct module *mod; struct klp_object *objs; void *states;"
			 " _Bool replace; void *internal[12]; };\n"
			 "static int new_show(void *m, void *v) { return 0; }\n"
			 "static int new_target(void) { return 1; }\n"
			 "static int pre_patch(void *o) { return 0; }\n"
			 "static struct klp_func funcs[] = {\n"
			 "  { .old_name = \"cmdline_proc_show\", .new_func = new_show },\n"
			 "  { .old_name = \"vfs_read\", .new_func = new_show, .old_sympos = 0 },\n"
			 "  { 0 }\n"
			 "};\n"
			 "static struct klp_func tfuncs[] = {\n"
			 "  { .old_name = \"hc_target_fn\", .new_func = new_target, .old_sympos = 2 },\n"
			 "  { 0 }\n"
			 "};\n"
			 "static struct klp_object objs[] = {\n"
			 "  { .funcs = funcs, .cb = { pre_patch } },\n"
			 "%s"
			 "  { 0 }\n"
			 "};\n"
			 "%s"
			 "%s"
			 "static const char modinfo[] __attribute__((used, section(\".modinfo\"))) =\n"
			 "  \"license=GPL\\0\" %s \"vermagic=%s\\0name=%s\\0depends=\\0retpoline=Y\\0\"\n"
			 "  %s \"srcversion=0123456789ABCDEF012345\\0description=a generated test\";\n",
			 g->target_module ? "  { .name = \"hc_target\", .funcs = tfuncs },\n" : "",
			 g->no_patch ?
				 "" :
			 g->replace ?
				 "static struct klp_patch patch __attribute__((used)) = { .mod = &__this_module,"
				 " .objs = objs, .replace = 1 };\n" :
				 "static struct klp_patch patch __attribute__((used)) = { .mod = &__this_module,"
				 " .objs = objs };\n",
			 g->klp_rela ? "static const char klp_rela[] __attribute__((used, section("
				       "\".klp.rela.hc_mod2..text\"))) = \"x\";\n" :
				       "",
			 g->no_livepatch ? "" : "\"livepatch=Y\\0\"",
			 g->vermagic ? g->vermagic : KVERMAGIC, g->name ? g->name : "klp_test",
			 g->intree ? "\"intree=Y\\0\"" : "") > 0);
	ok = fake_module(rel, source, g->sign ? 256 : 0);
	free(source);
	return ok;
}

#define GEN_OR_SKIP(rel, ...)                        \
	do {                                         \
		struct genmod __g = { __VA_ARGS__ }; \
		if (!gen_module(rel, &__g))          \
			skip();                      \
	} while (0)

static void test_sys_paths(void **state)
{
	char buf[PATH_MAX], slashed[PATH_MAX + 2];
	struct klp_sys real;

	assert_string_equal(klp_sys__path(&sys, buf, sizeof(buf), "/proc/%s", "cmdline"),
			    at("proc/cmdline"));
	assert_int_equal(klp_sys__init(&real, "/"), 0);
	assert_string_equal(real.root, "");
	assert_string_equal(klp_sys__path(&real, buf, sizeof(buf), "/sys/module/%s", "x"),
			    "/sys/module/x");
	assert_int_equal(real.trusted_uid, 0);
	assert_int_equal(klp_sys__init(&real, NULL), 0);
	assert_string_equal(real.root, "");
	/* a trailing slash is dropped */
	snprintf(slashed, sizeof(slashed), "%s/", root);
	assert_int_equal(klp_sys__init(&real, slashed), 0);
	assert_string_equal(real.root, root);
	assert_string_equal(real.tracefs, at("sys/kernel/tracing"));
}

/* ---- modinfo and patched functions ------------------------------------------------------ */

static void test_modinfo_generated(void **state)
{
	struct klp_mod m;
	char err[256];

	GEN_OR_SKIP("fix.ko", .target_module = true);
	assert_int_equal(klp_mod__read(at("fix.ko"), &m, err, sizeof(err)), 0);
	assert_true(m.has_modinfo);
	assert_string_equal(m.name, "klp_test");
	assert_string_equal(m.vermagic, KVERMAGIC);
	assert_string_equal(m.license, "GPL");
	assert_string_equal(m.srcversion, "0123456789ABCDEF012345");
	assert_string_equal(m.description, "a generated test");
	assert_true(m.livepatch);
	assert_true(m.retpoline);
	assert_false(m.intree);
	assert_false(m.signed_);
	assert_true(m.funcs_known);
	assert_int_equal(m.replace, 0);
	assert_int_equal(m.nr_objs, 2);
	assert_string_equal(m.objs[0], "vmlinux");
	assert_string_equal(m.objs[1], "hc_target");
	assert_int_equal(m.nr_funcs, 3);
	assert_string_equal(m.funcs[0].obj, "vmlinux");
	assert_string_equal(m.funcs[0].name, "cmdline_proc_show");
	assert_int_equal(m.funcs[0].sympos, 0);
	assert_string_equal(m.funcs[1].name, "vfs_read");
	assert_string_equal(m.funcs[2].obj, "hc_target");
	assert_string_equal(m.funcs[2].name, "hc_target_fn");
	assert_int_equal(m.funcs[2].sympos, 2);
	assert_int_equal(klp_mod__patches(&m, "vmlinux", "cmdline_proc_show", 1), 1);
	assert_int_equal(klp_mod__patches(&m, "vmlinux", "cmdline_proc_show", 0), 1);
	assert_int_equal(klp_mod__patches(&m, "hc_target", "hc_target_fn", 2), 1);
	assert_int_equal(klp_mod__patches(&m, "hc_target", "hc_target_fn", 1), 0);
	assert_int_equal(klp_mod__patches(&m, "vmlinux", "hc_target_fn", 2), 0);
	klp_mod__free(&m);
}

static void test_modinfo_replace_signed(void **state)
{
	struct klp_mod m;
	char err[256];

	GEN_OR_SKIP("r.ko", .replace = true, .sign = true, .intree = true, .name = "klp-dash");
	assert_int_equal(klp_mod__read(at("r.ko"), &m, err, sizeof(err)), 0);
	assert_int_equal(m.replace, 1);
	assert_true(m.signed_);
	assert_string_equal(m.sig_info, "PKCS#7 signature, 256 bytes");
	assert_true(m.intree);
	assert_string_equal(m.name, "klp_dash"); /* as the kernel names it */
	assert_int_equal(m.nr_funcs, 2);
	klp_mod__free(&m);
}

static void test_modinfo_no_patch_struct(void **state)
{
	struct klp_mod m;
	char err[256];

	/* kpatch-build style: no static klp_patch, the objects only from .klp.rela.* names */
	GEN_OR_SKIP("k.ko", .no_patch = true, .klp_rela = true, .no_livepatch = true);
	assert_int_equal(klp_mod__read(at("k.ko"), &m, err, sizeof(err)), 0);
	assert_false(m.livepatch);
	assert_false(m.funcs_known);
	assert_int_equal(m.replace, -1);
	assert_int_equal(m.nr_funcs, 0);
	assert_int_equal(m.nr_objs, 1);
	assert_string_equal(m.objs[0], "hc_mod2");
	klp_mod__free(&m);
}

/*
 * A kernel whose struct klp_patch has a field more (a hypothetical 'pad' before states): read
 * with its BTF, the replace flag and the states are where that kernel puts them; assumed to be
 * laid out as since 5.5, they are not. The BTF is written as the kernel's raw BTF file.
 */
static void test_layout_from_btf(void **state)
{
	static const char src[] =
		"struct module;\n"
		"extern struct module __this_module;\n"
		"struct klp_func { const char *old_name; void *new_func; unsigned long old_sympos; };\n"
		"struct klp_object { const char *name; struct klp_func *funcs; };\n"
		"struct klp_state { unsigned long id; unsigned int version; void *data; };\n"
		"struct klp_patch { struct module *mod; struct klp_object *objs; void *pad;\n"
		"	struct klp_state *states; _Bool replace; };\n"
		"static int new_fn(void) { return 0; }\n"
		"static struct klp_func funcs[] = { { .old_name = \"f1\", .new_func = new_fn }, {} };\n"
		"static struct klp_object objs[] = { { .funcs = funcs }, {} };\n"
		"static struct klp_state states[] = { { .id = 7, .version = 3 }, {} };\n"
		"static struct klp_patch patch __attribute__((used)) = { .mod = &__this_module,\n"
		"	.objs = objs, .states = states, .replace = 1 };\n"
		"static const char modinfo[] __attribute__((used, section(\".modinfo\"))) =\n"
		"	\"license=GPL\\0livepatch=Y\\0name=klp_pad\";\n";
	struct btf *btf = btf__new_empty();
	int ul, ptr, u8, u32, patch, obj, func, st;
	const void *raw;
	struct klp_mod m;
	char err[256];
	__u32 size;
	FILE *f;

	if (!fake_module("pad.ko", src, 0))
		skip();
	assert_non_null(btf);
	ul = btf__add_int(btf, "long unsigned int", 8, 0);
	u32 = btf__add_int(btf, "unsigned int", 4, 0);
	u8 = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	ptr = btf__add_ptr(btf, 0);
	assert_true(ul > 0 && u32 > 0 && u8 > 0 && ptr > 0);
	func = btf__add_struct(btf, "klp_func", 24);
	btf__add_field(btf, "old_name", ptr, 0, 0);
	btf__add_field(btf, "new_func", ptr, 64, 0);
	btf__add_field(btf, "old_sympos", ul, 128, 0);
	obj = btf__add_struct(btf, "klp_object", 16);
	btf__add_field(btf, "name", ptr, 0, 0);
	btf__add_field(btf, "funcs", ptr, 64, 0);
	st = btf__add_struct(btf, "klp_state", 24);
	btf__add_field(btf, "id", ul, 0, 0);
	btf__add_field(btf, "version", u32, 64, 0);
	btf__add_field(btf, "data", ptr, 128, 0);
	patch = btf__add_struct(btf, "klp_patch", 40);
	btf__add_field(btf, "mod", ptr, 0, 0);
	btf__add_field(btf, "objs", ptr, 64, 0);
	btf__add_field(btf, "pad", ptr, 128, 0);
	btf__add_field(btf, "states", ptr, 192, 0);
	btf__add_field(btf, "replace", u8, 256, 0);
	assert_true(func > 0 && obj > 0 && st > 0 && patch > 0);
	raw = btf__raw_data(btf, &size);
	assert_non_null(raw);
	mkdirs("sys/kernel/btf");
	f = fopen(at("sys/kernel/btf/vmlinux"), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(raw, 1, size, f), size);
	fclose(f);
	btf__free(btf);

	assert_int_equal(klp_sys__read_layout(&sys), 0);
	assert_true(sys.have_layout && sys.layout.from_btf);
	assert_int_equal(sys.layout.patch_states, 24);
	assert_int_equal(sys.layout.patch_replace, 32);
	assert_int_equal(klp_mod__read_layout(at("pad.ko"), &sys.layout, &m, err, sizeof(err)), 0);
	assert_int_equal(m.replace, 1);
	assert_int_equal(m.nr_funcs, 1);
	assert_int_equal(m.nr_states, 1);
	assert_int_equal(m.states[0].id, 7);
	assert_int_equal(m.states[0].version, 3);
	klp_mod__free(&m);
	/* the layout since 5.5 reads 'pad' as the states and the states pointer as replace */
	assert_int_equal(klp_mod__read(at("pad.ko"), &m, err, sizeof(err)), 0);
	assert_int_equal(m.nr_states, 0);
	assert_int_not_equal(m.replace, 1);
	klp_mod__free(&m);
	/* a BTF without livepatch structures: no layout */
	f = fopen(at("sys/kernel/btf/vmlinux"), "wb");
	btf = btf__new_empty();
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	raw = btf__raw_data(btf, &size);
	assert_int_equal(fwrite(raw, 1, size, f), size);
	fclose(f);
	btf__free(btf);
	assert_int_equal(klp_sys__read_layout(&sys), -ENOENT);
	assert_false(sys.have_layout);
}

static void test_modinfo_gzip_and_errors(void **state)
{
	char buf[65536], err[256];
	struct klp_mod m;
	gzFile gz;
	size_t n;
	FILE *f;

	GEN_OR_SKIP("z.ko", .name = "zipped");
	f = fopen(at("z.ko"), "rb");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	gz = gzopen(at("z.ko.gz"), "wb");
	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, buf, (unsigned int)n), (int)n);
	gzclose(gz);
	assert_int_equal(klp_mod__read(at("z.ko.gz"), &m, err, sizeof(err)), 0);
	assert_string_equal(m.name, "zipped");
	assert_int_equal(m.nr_funcs, 2);
	klp_mod__free(&m);

	assert_int_equal(klp_mod__read(at("missing.ko"), &m, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "missing.ko"));
	put("text.ko", "not an ELF file\n");
	assert_int_equal(klp_mod__read(at("text.ko"), &m, err, sizeof(err)), -ENOEXEC);
	assert_non_null(strstr(err, "not a kernel module"));
	/* an executable is ELF, but not a relocatable object */
	assert_int_equal(klp_mod__read("/proc/self/exe", &m, err, sizeof(err)), -ENOEXEC);
}

/* the real modules of 'make vm-modules', if built (FIXTURE_DIR is build/tests) */
static void test_modinfo_real_ko(void **state)
{
	struct klp_mod m;
	char err[256];
	glob_t g;
	size_t i;

	if (glob(FIXTURE_DIR "/../modules/*/klp_good.ko", 0, NULL, &g)) {
		print_message("no klp_good.ko under " FIXTURE_DIR "/../modules: run "
			      "'make vm-modules' to test on real modules\n");
		skip();
	}
	for (i = 0; i < g.gl_pathc; i++) {
		assert_int_equal(klp_mod__read(g.gl_pathv[i], &m, err, sizeof(err)), 0);
		assert_string_equal(m.name, "klp_good");
		assert_true(m.livepatch);
		assert_string_equal(m.license, "GPL");
		/* build/modules/<kver>/klp_good.ko: vermagic starts with that kver */
		assert_non_null(strstr(g.gl_pathv[i],
				       m.vermagic[0] ? strtok(strcpy(err, m.vermagic), " ") : "?"));
		assert_true(m.funcs_known);
		assert_int_equal(m.replace, 0);
		assert_int_equal(m.nr_objs, 1);
		assert_string_equal(m.objs[0], "vmlinux");
		assert_int_equal(m.nr_funcs, 1);
		assert_string_equal(m.funcs[0].name, "cmdline_proc_show");
		assert_int_equal(m.funcs[0].sympos, 0);
		klp_mod__free(&m);
	}
	globfree(&g);
}

/* ---- /sys/kernel/livepatch -------------------------------------------------------------- */

static void fake_patches(void)
{
	/* 6.1-like: no replace or stack_order attribute */
	put("sys/kernel/livepatch/klp_b/enabled", "1\n");
	put("sys/kernel/livepatch/klp_b/transition", "0\n");
	put("sys/kernel/livepatch/klp_b/force", "%s", "");
	put("sys/kernel/livepatch/klp_b/vmlinux/patched", "1\n");
	mkdirs("sys/kernel/livepatch/klp_b/vmlinux/cmdline_proc_show,1");
	/* 6.13-like, in transition, two objects */
	put("sys/kernel/livepatch/klp_a/enabled", "1\n");
	put("sys/kernel/livepatch/klp_a/transition", "1\n");
	put("sys/kernel/livepatch/klp_a/replace", "1\n");
	put("sys/kernel/livepatch/klp_a/stack_order", "2\n");
	put("sys/kernel/livepatch/klp_a/vmlinux/patched", "1\n");
	mkdirs("sys/kernel/livepatch/klp_a/vmlinux/vfs_read,1");
	mkdirs("sys/kernel/livepatch/klp_a/vmlinux/do_sys_open,1");
	put("sys/kernel/livepatch/klp_a/hc_mod/patched", "0\n");
	mkdirs("sys/kernel/livepatch/klp_a/hc_mod/hc_fn,2");
	/* not a patch */
	put("sys/kernel/livepatch/stray", "x\n");
}

static void test_list(void **state)
{
	struct klp_patch *p;
	size_t n, i, j;
	char err[256];
	int seen = 0;

	fake_patches();
	assert_int_equal(klp__list(&sys, &p, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(p[0].name, "klp_a");
	assert_string_equal(p[1].name, "klp_b");

	assert_int_equal(p[0].enabled, 1);
	assert_int_equal(p[0].transition, 1);
	assert_int_equal(p[0].replace, 1);
	assert_int_equal(p[0].stack_order, 2);
	assert_int_equal(p[0].nr_objs, 2);
	assert_int_equal(p[0].nr_funcs, 3);
	for (i = 0; i < p[0].nr_objs; i++)
		if (!strcmp(p[0].objs[i].name, "hc_mod"))
			assert_int_equal(p[0].objs[i].patched, 0);
	for (j = 0; j < p[0].nr_funcs; j++) {
		if (!strcmp(p[0].funcs[j].name, "hc_fn")) {
			assert_string_equal(p[0].funcs[j].obj, "hc_mod");
			assert_int_equal(p[0].funcs[j].sympos, 2);
			seen++;
		}
	}
	assert_int_equal(seen, 1);
	assert_int_equal(klp_patch__patches(&p[0], "vmlinux", "vfs_read", 0), 1);
	assert_int_equal(klp_patch__patches(&p[0], "hc_mod", "hc_fn", 2), 1);
	assert_int_equal(klp_patch__patches(&p[0], "hc_mod", "hc_fn", 1), 0);

	assert_int_equal(p[1].enabled, 1);
	assert_int_equal(p[1].transition, 0);
	assert_int_equal(p[1].replace, -1);	/* absent before 6.11 */
	assert_int_equal(p[1].stack_order, -1); /* absent before 6.13 */
	assert_int_equal(p[1].nr_objs, 1);
	assert_int_equal(p[1].objs[0].patched, 1);
	assert_int_equal(p[1].nr_funcs, 1);
	assert_string_equal(p[1].funcs[0].obj, "vmlinux");
	assert_string_equal(p[1].funcs[0].name, "cmdline_proc_show");
	assert_int_equal(p[1].funcs[0].sympos, 1);
	klp__list_free(p, n);
}

static void test_list_empty_and_missing(void **state)
{
	struct klp_patch *p;
	char err[256];
	size_t n;

	assert_int_equal(klp__list(&sys, &p, &n, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/sys/kernel/livepatch"));
	mkdirs("sys/kernel/livepatch");
	assert_int_equal(klp__list(&sys, &p, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	klp__list_free(p, n);
}

static void test_transition_state(void **state)
{
	char name[KLP_NAME_MAX];

	fake_patches();
	assert_int_equal(klp__transition(&sys, "klp_a"), 1);
	assert_int_equal(klp__transition(&sys, "klp_b"), 0);
	assert_int_equal(klp__transition(&sys, "gone"), -ENOENT);
	assert_int_equal(klp__enabled(&sys, "klp_a"), 1);
	assert_int_equal(klp__in_transition(&sys, name, sizeof(name)), 1);
	assert_string_equal(name, "klp_a");
	put("sys/kernel/livepatch/klp_a/transition", "0\n");
	assert_int_equal(klp__in_transition(&sys, name, sizeof(name)), 0);
	assert_string_equal(name, "");
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *finish_later(void *arg)
{
	usleep(80 * 1000);
	put("sys/kernel/livepatch/klp_a/transition", "0\n");
	return NULL;
}

static void test_wait_transition(void **state)
{
	uint64_t t0, dt;
	pthread_t th;
	char err[256];

	fake_patches();
	sys.poll_ms = 10;
	/* stuck: times out after about the timeout, not much later */
	t0 = mono_ms();
	assert_int_equal(klp__wait_transition(&sys, "klp_a", 150, err, sizeof(err)), -ETIMEDOUT);
	dt = mono_ms() - t0;
	assert_true(dt >= 150);
	assert_true(dt < 1000);
	assert_non_null(strstr(err, "klp_a"));
	assert_non_null(strstr(err, "150 ms"));
	/* completes while we wait */
	assert_int_equal(pthread_create(&th, NULL, finish_later, NULL), 0);
	t0 = mono_ms();
	assert_int_equal(klp__wait_transition(&sys, "klp_a", 5000, err, sizeof(err)), 0);
	dt = mono_ms() - t0;
	pthread_join(th, NULL);
	assert_true(dt >= 60 && dt < 2000);
	/* already done, and gone (an unpatching transition frees the patch) */
	assert_int_equal(klp__wait_transition(&sys, "klp_b", 0, err, sizeof(err)), 0);
	assert_int_equal(klp__wait_transition(&sys, "gone", 0, err, sizeof(err)), 0);
}

static void test_wait_gone_and_disable(void **state)
{
	char err[256], buf[8] = "";
	FILE *f;

	fake_patches();
	sys.poll_ms = 10;
	assert_int_equal(klp__wait_gone(&sys, "klp_b", 50, err, sizeof(err)), -ETIMEDOUT);
	assert_non_null(strstr(err, "klp_b"));
	assert_int_equal(klp__wait_gone(&sys, "other", 50, err, sizeof(err)), 0);

	assert_int_equal(klp__disable(&sys, "klp_b", err, sizeof(err)), 0);
	f = fopen(at("sys/kernel/livepatch/klp_b/enabled"), "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(buf[0], '0');
	assert_int_equal(klp__disable(&sys, "gone", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "gone/enabled"));
	/* "force" is never written: it is still the empty file fake_patches() made */
	f = fopen(at("sys/kernel/livepatch/klp_b/force"), "r");
	assert_non_null(f);
	assert_int_equal(fgetc(f), EOF);
	fclose(f);
}

static void test_blockers(void **state)
{
	struct klp_blocker *b;
	size_t n;

	put("proc/100/task/100/patch_state", "1\n");
	put("proc/100/task/100/comm", "worker\n");
	put("proc/100/task/100/stack", "[<0>] msleep+0x2d/0x40\n[<0>] busy_fn+0x11/0x30\n");
	put("proc/100/task/101/patch_state", "0\n");
	put("proc/100/task/101/comm", "worker-2\n");
	put("proc/200/task/200/patch_state", "-1\n");
	put("proc/300/task/300/patch_state", "0\n"); /* no comm or stack: best effort */
	put("proc/self/task/1/patch_state", "0\n");  /* not a pid */
	put("proc/400/status", "no task dir\n");

	/* patching (target 1): the tasks still unpatched block */
	assert_int_equal(klp__blockers(&sys, 1, &b, &n), 0);
	assert_int_equal(n, 2);
	if (b[0].tid != 101) {
		struct klp_blocker t = b[0];

		b[0] = b[1];
		b[1] = t;
	}
	assert_int_equal(b[0].pid, 100);
	assert_int_equal(b[0].tid, 101);
	assert_int_equal(b[0].state, 0);
	assert_string_equal(b[0].comm, "worker-2");
	assert_string_equal(b[0].stack, "");
	assert_int_equal(b[1].pid, 300);
	assert_string_equal(b[1].comm, "");
	klp__blockers_free(b, n);

	/* unpatching (target 0): the patched ones */
	assert_int_equal(klp__blockers(&sys, 0, &b, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(b[0].tid, 100);
	assert_string_equal(b[0].comm, "worker");
	assert_non_null(strstr(b[0].stack, "busy_fn+0x11/0x30"));
	klp__blockers_free(b, n);
}

static void test_modules(void **state)
{
	char err[256];

	put("sys/module/klp_good/refcnt", "1\n");
	mkdirs("sys/module/no_refcnt");
	assert_int_equal(klp__loaded(&sys, "klp_good"), 1);
	assert_int_equal(klp__loaded(&sys, "klp-good"), 1); /* '-' is '_' */
	assert_int_equal(klp__loaded(&sys, "klp_bad"), 0);
	assert_int_equal(klp__refcnt(&sys, "klp_good"), 1);
	assert_int_equal(klp__refcnt(&sys, "klp_bad"), -ENOENT);
	assert_int_equal(klp__refcnt(&sys, "no_refcnt"), -ENOENT);
	/* the syscalls themselves need a kernel with modules: only their error paths here */
	assert_int_equal(klp__load(at("none.ko"), NULL, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "none.ko"));
	assert_true(klp__unload("hc_no_such_module_xyz", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "hc_no_such_module_xyz"));
}

/* ---- kernel facts ----------------------------------------------------------------------- */

static void fake_kernel(void)
{
	put("proc/sys/kernel/osrelease", KREL "\n");
	put("proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)\n");
	put("proc/sys/kernel/ftrace_enabled", "1\n");
	put("proc/sys/kernel/tainted", "12288\n");
	put("proc/cmdline", "console=ttyS0 panic=-1 quiet\n");
	put("sys/module/module/parameters/sig_enforce", "N\n");
	put("sys/kernel/security/lockdown", "none [integrity] confidentiality\n");
	mkdirs("sys/kernel/livepatch");
}

static void test_kernel_facts(void **state)
{
	struct klp_kernel k;

	assert_int_equal(klp_kernel__read(&sys, &k), 0);
	assert_string_equal(k.release, "");
	assert_false(k.livepatch);
	assert_int_equal(k.ftrace_enabled, -1);
	assert_int_equal(k.sig_enforce, -1);
	assert_string_equal(k.lockdown, "");
	assert_false(k.have_taint);
	assert_false(k.kprobes);

	fake_kernel();
	put("sys/kernel/tracing/kprobe_events", "%s", "");
	assert_int_equal(klp_kernel__read(&sys, &k), 0);
	assert_string_equal(k.release, KREL);
	assert_int_equal(k.version, KLP_KVER(6, 1, 0));
	assert_non_null(strstr(k.uts_version, "PREEMPT_DYNAMIC"));
	assert_true(k.livepatch);
	assert_int_equal(k.ftrace_enabled, 1);
	assert_int_equal(k.sig_enforce, 0);
	assert_string_equal(k.lockdown, "integrity");
	assert_true(k.have_taint);
	assert_int_equal(k.taint, 12288);
	assert_string_equal(k.cmdline, "console=ttyS0 panic=-1 quiet");
	assert_true(k.kprobes);
	assert_string_equal(k.ref_vermagic, "");

	put("proc/sys/kernel/osrelease", "6.12.117+deb12-cloud-amd64\n");
	put("sys/module/module/parameters/sig_enforce", "Y\n");
	assert_int_equal(klp_kernel__read(&sys, &k), 0);
	assert_int_equal(k.version, KLP_KVER(6, 12, 117));
	assert_int_equal(k.sig_enforce, 1);
}

static void test_ref_vermagic(void **state)
{
	struct klp_kernel k;

	fake_kernel();
	GEN_OR_SKIP("lib/modules/" KREL "/kernel/fs/first.ko", .intree = true,
		    .vermagic = KREL " SMP first ");
	GEN_OR_SKIP("lib/modules/" KREL "/kernel/fs/fuse/fuse.ko", .intree = true,
		    .vermagic = KREL " SMP preempt mod_unload modversions ");
	GEN_OR_SKIP("lib/modules/" KREL "/extra/oot.ko", .vermagic = KREL " oot ");
	put("lib/modules/" KREL "/modules.dep",
	    "kernel/drivers/x.ko.xz:\n"
	    "extra/oot.ko:\n"
	    "kernel/fs/first.ko:\n"
	    "kernel/fs/fuse/fuse.ko: kernel/fs/first.ko\n");
	/* nothing loaded: the first readable in-tree module (xz is skipped, oot is not in-tree) */
	assert_int_equal(klp_kernel__read(&sys, &k), 0);
	assert_string_equal(k.ref_vermagic, KREL " SMP first ");
	assert_string_equal(k.ref_vermagic_src, at("lib/modules/" KREL "/kernel/fs/first.ko"));
	/* a loaded module comes first */
	put("proc/modules", "fuse 1 0 - Live 0x0000000000000000\n");
	assert_int_equal(klp_kernel__read(&sys, &k), 0);
	assert_string_equal(k.ref_vermagic, KREL " SMP preempt mod_unload modversions ");
}

static void test_vermagic_match(void **state)
{
	struct klp_kernel k;
	char why[512];

	memset(&k, 0, sizeof(k));
	strcpy(k.release, KREL);
	strcpy(k.uts_version, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)");
	/* without a reference: the release, SMP and preempt */
	assert_int_equal(klp__vermagic_match(&k, KVERMAGIC, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "SMP/preempt"));
	assert_int_equal(klp__vermagic_match(&k,
					     "6.12.117+deb12-cloud-amd64 SMP preempt "
					     "mod_unload modversions ",
					     why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "built for kernel 6.12.117+deb12-cloud-amd64"));
	assert_int_equal(klp__vermagic_match(&k, KREL " SMP mod_unload modversions ", why,
					     sizeof(why)),
			 -EINVAL);
	assert_int_equal(klp__vermagic_match(&k, KREL " preempt mod_unload ", why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(klp__vermagic_match(&k, KREL " SMP preempt_rt mod_unload ", why,
					     sizeof(why)),
			 -EINVAL);
	assert_int_equal(klp__vermagic_match(&k, "", why, sizeof(why)), -EINVAL);
	/* a release that only starts like ours */
	assert_int_equal(klp__vermagic_match(&k, KREL "x SMP preempt ", why, sizeof(why)), -EINVAL);
	/* an RT kernel takes preempt_rt (or preempt) */
	strcpy(k.uts_version, "#1 SMP PREEMPT_RT Debian");
	assert_int_equal(klp__vermagic_match(&k, KREL " SMP preempt_rt mod_unload ", why,
					     sizeof(why)),
			 1);
	/* with a reference, every word after the release */
	strcpy(k.ref_vermagic, KREL " SMP preempt mod_unload modversions ");
	strcpy(k.ref_vermagic_src, "/lib/modules/x/fuse.ko");
	assert_int_equal(klp__vermagic_match(&k, KVERMAGIC, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "fuse.ko"));
	assert_int_equal(klp__vermagic_match(&k, KREL " SMP preempt mod_unload ", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "differ"));
	/* no version string either: only the release */
	memset(&k, 0, sizeof(k));
	strcpy(k.release, KREL);
	assert_int_equal(klp__vermagic_match(&k, KREL " anything ", why, sizeof(why)), 1);
	assert_non_null(strstr(why, "not checked"));
}

/* ---- forced transitions ----------------------------------------------------------------- */

static void test_forced(void **state)
{
	char why[512];

	/* nothing at all */
	assert_int_equal(klp__forced(&sys, why, sizeof(why)), 0);
	/* the kernel's line, in /dev/kmsg record format */
	put("dev/kmsg", "6,100,1000,-;livepatch: enabling patch 'klp_a'\n"
			"4,101,2000,-;livepatch: forcing remaining tasks to the patched state\n"
			" SUBSYSTEM=none\n");
	assert_int_equal(klp__forced(&sys, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "forcing remaining tasks"));
	/* the same words written by a process (facility user, 12 = 1 * 8 + 4) do not count */
	put("dev/kmsg", "12,101,2000,-;livepatch: forcing remaining tasks to the patched state\n");
	assert_int_equal(klp__forced(&sys, why, sizeof(why)), 0);

	/* a K-tainted module with no patch in sysfs but a reference kept: forced */
	put("sys/module/old_lp/taint", "OEK\n");
	put("sys/module/old_lp/refcnt", "1\n");
	put("sys/module/hc_warn/taint", "OE\n");
	put("sys/module/hc_warn/refcnt", "3\n");
	assert_int_equal(klp__forced(&sys, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "old_lp"));
	/* still a patch: normal */
	mkdirs("sys/kernel/livepatch/old_lp");
	assert_int_equal(klp__forced(&sys, why, sizeof(why)), 0);
	/* disabled and its reference dropped: normal, waiting for rmmod */
	rmdir(at("sys/kernel/livepatch/old_lp"));
	put("sys/module/old_lp/refcnt", "0\n");
	assert_int_equal(klp__forced(&sys, why, sizeof(why)), 0);
}

/* what a replaced patch is loaded again with: its parameters as they are now, sorted */
static void test_params(void **state)
{
	char buf[128], err[256];
	struct steps s;
	FILE *f;

	/* a module without parameters has no directory */
	put("sys/module/old_lp/refcnt", "0\n");
	assert_int_equal(klp__params(&sys, "old_lp", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	put("sys/module/old_lp/parameters/replace", "N\n");
	put("sys/module/old_lp/parameters/banner", "two words\n");
	put("sys/module/old_lp/parameters/unset", "(null)\n");
	assert_int_equal(klp__params(&sys, "old_lp", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "banner=\"two words\" replace=N");
	/* too long for the caller's buffer: an error, not a truncated command line */
	assert_int_equal(klp__params(&sys, "old_lp", buf, 12), -ENAMETOOLONG);

	/*
	 * A quote has no escape in finit_module's parser: refused, and before our patch is
	 * taken out for a newer klp_state (disable_first), so that ours stays enabled.
	 */
	put("sys/module/old_lp/parameters/banner", "say \"hi\"\n");
	assert_int_equal(klp__params(&sys, "old_lp", buf, sizeof(buf)), -EINVAL);
	put("sys/kernel/livepatch/old_lp/enabled", "0\n");
	put("sys/kernel/livepatch/new_lp/enabled", "1\n");
	put("sys/kernel/livepatch/new_lp/transition", "0\n");
	steps__init(&s, NULL, 100);
	s.sys = sys;
	assert_int_equal(steps__klp_replace(&s, "/nonexistent/old_lp.ko", "old_lp", "new_lp", true,
					    err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "parameters of 'old_lp'"));
	f = fopen(at("sys/kernel/livepatch/new_lp/enabled"), "r");
	assert_non_null(f);
	assert_int_equal(fgetc(f), '1');
	fclose(f);
	assert_int_equal(access(at("sys/module/old_lp"), F_OK), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_sys_paths),
		T(test_modinfo_generated),
		T(test_modinfo_replace_signed),
		T(test_modinfo_no_patch_struct),
		T(test_layout_from_btf),
		T(test_modinfo_gzip_and_errors),
		T(test_modinfo_real_ko),
		T(test_list),
		T(test_list_empty_and_missing),
		T(test_transition_state),
		T(test_wait_transition),
		T(test_wait_gone_and_disable),
		T(test_blockers),
		T(test_modules),
		T(test_kernel_facts),
		T(test_ref_vermagic),
		T(test_vermagic_match),
		T(test_forced),
		T(test_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
