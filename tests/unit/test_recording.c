// SPDX-License-Identifier: GPL-2.0
/*
 * user/recording.c: a recording survives the round trip through its file, and every kind of
 * bad file is refused with the path of the offending field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "hist.h"
#include "recording.h"

static char dir[] = "/tmp/hc-test-recording.XXXXXX";

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

/* two functions, a user one with a build-id and a kernel one, three windows */
static void sample(struct recording *r)
{
	struct hc_snapshot s[2];
	unsigned int w;

	assert_int_equal(recording__init(r, 2), 0);
	r->kernel = xstrdup("6.1.0-27-amd64");
	r->hostname = xstrdup("web-3");
	r->probe_mode = xstrdup("kprobe");
	r->start = xstrdup("2026-11-26T11:40:03.123Z");
	r->interval_ns = 500000000ULL;
	r->prog_misses = 3;
	r->funcs[0].spec = xstrdup("user:/srv/app:parse");
	r->funcs[0].kind = xstrdup("user");
	r->funcs[0].path = xstrdup("/srv/app");
	r->funcs[0].symbol = xstrdup("parse");
	r->funcs[0].build_id = xstrdup("9f2c00");
	r->funcs[1].spec = xstrdup("kernel:vfs_read");
	r->funcs[1].kind = xstrdup("kernel");
	r->funcs[1].symbol = xstrdup("vfs_read");
	for (w = 0; w < 3; w++) {
		memset(s, 0, sizeof(s));
		s[0].calls = 10 + w;
		s[0].errors = w;
		s[0].sum_ns = 1000 * (10 + w);
		s[0].max_ns = 1500;
		s[0].hist[hc_hist_bucket(900)] = 5;
		s[0].hist[hc_hist_bucket(1200)] = 5 + w;
		s[0].lost_exits = 1;
		/* the kernel function is idle in window 1; 2^40 ns lands in the overflow bucket */
		if (w != 1) {
			s[1].calls = 2;
			s[1].sum_ns = (1ULL << 40) + 5;
			s[1].max_ns = 1ULL << 40;
			s[1].hist[5] = 1;
			s[1].hist[HC_HIST_OVERFLOW] = 1;
		}
		assert_int_equal(recording__add_window(r, w * 500000000ULL, 500000000ULL + w, s),
				 0);
	}
}

static void assert_same(const struct recording *a, const struct recording *b)
{
	size_t i;

	assert_string_equal(a->kernel, b->kernel);
	assert_string_equal(a->hostname, b->hostname);
	assert_string_equal(a->probe_mode, b->probe_mode);
	assert_string_equal(a->start, b->start);
	assert_int_equal(a->interval_ns, b->interval_ns);
	assert_int_equal(a->prog_misses, b->prog_misses);
	assert_int_equal(a->nr_windows, b->nr_windows);
	assert_memory_equal(a->offset_ns, b->offset_ns, a->nr_windows * sizeof(uint64_t));
	assert_memory_equal(a->duration_ns, b->duration_ns, a->nr_windows * sizeof(uint64_t));
	assert_int_equal(a->nr_funcs, b->nr_funcs);
	for (i = 0; i < a->nr_funcs; i++) {
		const struct rec_func *x = &a->funcs[i], *y = &b->funcs[i];

		assert_string_equal(x->spec, y->spec);
		assert_string_equal(x->kind, y->kind);
		assert_string_equal(x->symbol, y->symbol);
		assert_true((!x->path && !y->path) || !strcmp(x->path, y->path));
		assert_true((!x->build_id && !y->build_id) || !strcmp(x->build_id, y->build_id));
		assert_int_equal(x->lost_exits, y->lost_exits);
		assert_memory_equal(x->win, y->win, a->nr_windows * sizeof(*x->win));
	}
}

static void test_roundtrip(void **state)
{
	struct recording a, b;
	char path[128], err[256];
	struct rec_window t;

	sample(&a);
	assert_int_equal(a.funcs[0].lost_exits, 3);
	snprintf(path, sizeof(path), "%s/a.json", dir);
	assert_int_equal(recording__save(&a, path, err, sizeof(err)), 0);
	assert_int_equal(recording__load(path, RECORDING_MAX_BYTES, &b, err, sizeof(err)), 0);
	assert_same(&a, &b);
	assert_null(b.funcs[1].path);
	assert_null(b.funcs[1].build_id);
	recording__total(&b, 0, &t);
	assert_int_equal(t.calls, 33);
	assert_int_equal(t.errors, 3);
	assert_int_equal(recording__duration_ns(&b), 1500000003ULL);
	assert_int_equal(recording__find(&b, "kernel:vfs_read"), 1);
	assert_int_equal(recording__find(&b, "kernel:nope"), -1);
	recording__free(&a);
	recording__free(&b);
}

/* write @text, load it, expect -EINVAL and @want in the message */
static void refused(const char *text, const char *want)
{
	struct recording r;
	char path[128], err[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/bad.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(recording__load(path, RECORDING_MAX_BYTES, &r, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
}

/* the sample as JSON text with the first @from replaced by @to */
static char *edited(const char *from, const char *to)
{
	struct recording r;
	struct json_object *o;
	const char *s, *at;
	char *out;

	sample(&r);
	o = recording__to_json(&r);
	assert_non_null(o);
	s = json_object_to_json_string_ext(o,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	at = strstr(s, from);
	if (!at)
		fail_msg("'%s' not in %s", from, s);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from)) > 0);
	json_object_put(o);
	recording__free(&r);
	return out;
}

static void refused_edit(const char *from, const char *to, const char *want)
{
	char *t = edited(from, to);

	refused(t, want);
	free(t);
}

static void test_refused(void **state)
{
	struct recording r;
	char err[256];

	assert_int_equal(recording__load("/nonexistent/x.json", RECORDING_MAX_BYTES, &r, err,
					 sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "cannot open: No such file or directory");
	/* a device is refused before anything is read; a large file past the limit */
	assert_int_equal(recording__load("/dev/zero", RECORDING_MAX_BYTES, &r, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "not a regular file but a character device"));
	assert_int_equal(recording__load(SRC_DIR "/README.md", 1024, &r, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "raise it with --max-input-size"));
	refused("", "truncated");
	refused("{\"format\": \"hotcanary-recording\", ", "truncated");
	refused("{\"format\": }", "line 1: not valid JSON");
	refused("[]", "not a JSON object");
	refused("{\"format\": \"other\"}", "format: expected \"hotcanary-recording\"");
	refused_edit("\"version\":1", "\"version\":2", "version: version 2 is not supported");
	refused_edit("\"kernel\":\"6.1.0-27-amd64\",", "", "kernel: missing; expected a string");
	refused_edit("\"interval_ns\":500000000", "\"interval_ns\":-5",
		     "interval_ns: expected a non-negative integer");
	refused_edit("\"interval_ns\":500000000", "\"interval_ns\":\"1s\"",
		     "interval_ns: expected a non-negative integer");
	refused_edit("\"duration_ns\":500000001", "\"duration_ns\":0",
		     "windows[1].duration_ns: a window must last longer than 0 ns");
	refused_edit("\"kind\":\"kernel\"", "\"kind\":\"bpf\"",
		     "functions[1].kind: 'bpf' is neither user nor kernel");
	refused_edit("[896,960,5]", "[896,1000,5]",
		     "functions[0].windows[0].hist[0]: [896, 1000) is not a bucket");
	refused_edit("[896,960,5]", "[896,960]",
		     "functions[0].windows[0].hist[0]: expected [lower_ns, upper_ns, count]");
	refused_edit("[896,960,5]", "[896,960,6]",
		     "functions[0].windows[0].hist: the counts add up to 11, but calls is 10");
	refused_edit("\"errors\":0", "\"errors\":99",
		     "functions[0].windows[0].errors: 99 errors in 10 calls");
	refused_edit("\"spec\":\"kernel:vfs_read\"", "\"spec\":\"user:/srv/app:parse\"",
		     "functions[1].spec: 'user:/srv/app:parse' is recorded twice");
	refused_edit("{\"offset_ns\":0,\"duration_ns\":500000000},", "",
		     "functions[0].windows: 3 entries, but the recording has 2 windows");
	refused_edit("\"functions\":[", "\"functions\":[] , \"x\":[",
		     "functions: no function was recorded");
	refused_edit("\"health\":{\"storage_fail\":0,", "\"health\":{",
		     "health.storage_fail: missing");
}

/* @text with the first "cpus":0 made "cpus":@cpus, written and loaded: the load's return */
static int load_with_cpus(const char *text, int cpus)
{
	const char *at = strstr(text, "\"cpus\":0");
	struct recording r;
	char path[300], err[256];
	FILE *f;
	int ret;

	assert_non_null(at);
	snprintf(path, sizeof(path), "%s/cpus.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%.*s\"cpus\":%d%s", (int)(at - text), text, cpus, at + strlen("\"cpus\":0"));
	fclose(f);
	ret = recording__load(path, RECORDING_MAX_BYTES, &r, err, sizeof(err));
	if (!ret)
		recording__free(&r);
	return ret;
}

/*
 * A window's histogram may be off its calls by one per CPU, as each CPU's probe may be
 * between its two counters when the window is read; any more is a damaged file.
 */
static void test_cpu_slack(void **state)
{
	char *one = edited("[896,960,5]", "[896,960,6]");
	char *three = edited("[896,960,5]", "[896,960,8]");

	assert_int_equal(load_with_cpus(one, 2), 0);
	assert_int_equal(load_with_cpus(one, 0), -EINVAL);
	assert_int_equal(load_with_cpus(three, 2), -EINVAL);
	free(one);
	free(three);
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_cpu_slack),
	};

	return cmocka_run_group_tests_name("recording", tests, setup, teardown);
}
