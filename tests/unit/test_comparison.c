// SPDX-License-Identifier: GPL-2.0
/*
 * user/comparison.c on synthetic recordings whose truth is known: the bootstrap interval's
 * coverage, the false-positive rate with no change, the power and accuracy for a 20% one,
 * reproducibility, the geomean row and the warnings. Calls are log-normal, and every window
 * gets its own small random scale (load drift), so windows, not calls, are independent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "rng.h"
#include "hist.h"
#include "comparison.h"
#include "recording.h"

#define MEDIAN_NS 200000.0
#define SIGMA	  0.3  /* per call: a spread over several buckets */
#define DRIFT	  0.02 /* per window: the sd of its log scale */

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

/* one function, @windows windows of @calls calls each, latencies scaled by @scale */
static void synth(struct recording *r, const char *kernel, size_t windows, uint64_t calls,
		  double scale, double drift)
{
	struct hc_snapshot *s = calloc(1, sizeof(*s));
	size_t w;
	uint64_t c;

	assert_non_null(s);
	assert_int_equal(recording__init(r, 1), 0);
	r->kernel = xstrdup(kernel);
	r->hostname = xstrdup("test");
	r->probe_mode = xstrdup("uprobe");
	r->start = xstrdup("2026-11-26T00:00:00.000Z");
	r->interval_ns = 1000000000ULL;
	r->funcs[0].spec = xstrdup("user:/bin/app:work");
	r->funcs[0].kind = xstrdup("user");
	r->funcs[0].path = xstrdup("/bin/app");
	r->funcs[0].symbol = xstrdup("work");
	r->funcs[0].build_id = xstrdup("abcd");
	for (w = 0; w < windows; w++) {
		double ws = scale * exp(drift * rng_normal());

		memset(s, 0, sizeof(*s));
		for (c = 0; c < calls; c++) {
			uint64_t v = (uint64_t)(MEDIAN_NS * ws * exp(SIGMA * rng_normal()));

			s->calls++;
			s->sum_ns += v;
			if (v > s->max_ns)
				s->max_ns = v;
			s->hist[hc_hist_bucket(v)]++;
		}
		assert_int_equal(recording__add_window(r, w * 1000000000ULL, 1000000000ULL, s), 0);
	}
	free(s);
}

/* the true B/A - 1 of quantile @q: both populations binned, from a million calls each */
static double true_delta(double scale, double q)
{
	struct recording a, b;
	struct rec_window ta, tb;
	double d;

	rng_seed(987654321);
	synth(&a, "k", 1, 1000000, 1.0, 0);
	synth(&b, "k", 1, 1000000, scale, 0);
	recording__total(&a, 0, &ta);
	recording__total(&b, 0, &tb);
	d = (double)hist__quantile(tb.hist, q) / (double)hist__quantile(ta.hist, q) - 1;
	recording__free(&a);
	recording__free(&b);
	return d;
}

struct trials {
	unsigned int n, covered, significant;
	double worst_err; /* largest |delta - truth| */
};

/* every delta a report prints lies inside its own interval */
static void assert_inside(const struct comparison *c)
{
	int m;

	for (m = 0; m < CMP_NMETRICS; m++)
		if (c->m[m].valid)
			assert_true(c->m[m].delta_lo <= c->m[m].delta &&
				    c->m[m].delta <= c->m[m].delta_hi);
}

/*
 * Few windows of few calls, where resampling has little to draw from and the rate's
 * interval has no width: still inside, in 200 comparisons of every size from 3 windows of 2
 * calls on
 */
static void test_delta_inside_interval(void **state)
{
	struct comparison_opts o = COMPARISON_OPTS_DEFAULT;
	struct recording a, b;
	struct comparison c;
	unsigned int i;

	o.resamples = 1000;
	for (i = 0; i < 200; i++) {
		rng_seed(3000 + i);
		synth(&a, "k", 3 + i % 5, 3 + i % 7, 1.0, DRIFT);
		synth(&b, "k", 3 + i % 4, 2 + i % 9, 1.0 + (i % 3) * 0.3, DRIFT);
		assert_int_equal(comparison__func(&a, 0, &b, 0, &o, &c), 0);
		assert_inside(&c);
		recording__free(&a);
		recording__free(&b);
	}
}

static void run_trials(double scale, unsigned int n, double threshold, struct trials *t)
{
	struct comparison_opts o = COMPARISON_OPTS_DEFAULT;
	double truth = true_delta(scale, 0.5);
	struct recording a, b;
	struct comparison c;
	unsigned int i;

	o.resamples = 1000;
	o.threshold = threshold;
	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		rng_seed(1000 + i);
		synth(&a, "k", 20, 500, 1.0, DRIFT);
		synth(&b, "k", 20, 500, scale, DRIFT);
		assert_int_equal(comparison__func(&a, 0, &b, 0, &o, &c), 0);
		assert_true(c.m[CMP_P50].valid);
		t->n++;
		assert_inside(&c);
		t->covered += c.m[CMP_P50].delta_lo <= truth && truth <= c.m[CMP_P50].delta_hi;
		t->significant += c.m[CMP_P50].significant;
		if (fabs(c.m[CMP_P50].delta - truth) > t->worst_err)
			t->worst_err = fabs(c.m[CMP_P50].delta - truth);
		recording__free(&a);
		recording__free(&b);
	}
}

/* the 95% interval of the p50 delta holds the truth in about 95% of 200 trials */
static void test_bootstrap_coverage(void **state)
{
	struct trials t;

	run_trials(1.2, 200, 0.01, &t);
	print_message("coverage %u/%u, significant %u/%u, worst error %.4f\n", t.covered, t.n,
		      t.significant, t.n, t.worst_err);
	/* binomial(200, 0.95) is below 181 with probability < 0.1%; the percentile bootstrap of
	 * 20 blocks runs a little narrow, so allow 0.88 */
	assert_true(t.covered >= 176);
	/* a 20% change is found every time, and measured within 4 points: the drift alone
	 * moves 20 windows' mean scale by 0.6% sd per side */
	assert_int_equal(t.significant, t.n);
	assert_true(t.worst_err < 0.04);
}

/* no change: significant (before the noise threshold) in about alpha = 5% of trials */
static void test_null_false_positives(void **state)
{
	struct trials t;

	run_trials(1.0, 200, 0, &t);
	print_message("no change: significant %u/%u, coverage %u/%u\n", t.significant, t.n,
		      t.covered, t.n);
	/* binomial(200, 0.05) exceeds 19 with probability < 0.5% */
	assert_true(t.significant <= 19);
	assert_true(t.covered >= 176);
	/* with the default 1% threshold, 2% window drift never makes a no-change count */
	run_trials(1.0, 100, 0.01, &t);
	assert_int_equal(t.significant, 0);
}

/* a per-call test would be overconfident under drift: the windows' test is not */
static void test_windows_not_calls(void **state)
{
	struct comparison_opts o = COMPARISON_OPTS_DEFAULT;
	struct recording a, b;
	struct comparison c;

	/* 20 windows of 5000 calls each, 5% drift per window and no change */
	rng_seed(42);
	synth(&a, "k", 20, 5000, 1.0, 0.05);
	synth(&b, "k", 20, 5000, 1.0, 0.05);
	o.threshold = 0;
	assert_int_equal(comparison__func(&a, 0, &b, 0, &o, &c), 0);
	assert_int_equal(c.m[CMP_P50].na, 20);
	assert_int_equal(c.m[CMP_P50].nb, 20);
	/* the interval is as wide as the drift, not as narrow as 100000 calls would make it */
	assert_true(c.m[CMP_P50].delta_hi - c.m[CMP_P50].delta_lo > 0.02);
	recording__free(&a);
	recording__free(&b);
}

static void test_reproducible(void **state)
{
	struct comparison_opts o = COMPARISON_OPTS_DEFAULT;
	struct recording a, b;
	struct comparison c1, c2;

	rng_seed(7);
	synth(&a, "k", 10, 300, 1.0, DRIFT);
	synth(&b, "k", 10, 300, 1.1, DRIFT);
	assert_int_equal(comparison__func(&a, 0, &b, 0, &o, &c1), 0);
	assert_int_equal(comparison__func(&a, 0, &b, 0, &o, &c2), 0);
	assert_memory_equal(&c1, &c2, sizeof(c1));
	recording__free(&a);
	recording__free(&b);
}

static void test_rate_and_empty_windows(void **state)
{
	struct comparison_opts o = COMPARISON_OPTS_DEFAULT;
	struct recording a, b;
	struct comparison c;
	size_t w;

	rng_seed(9);
	synth(&a, "k", 12, 100, 1.0, 0);
	synth(&b, "k", 12, 200, 1.0, 0);
	/* a window without calls has a rate of 0 and no quantile */
	memset(&a.funcs[0].win[3], 0, sizeof(a.funcs[0].win[3]));
	assert_int_equal(comparison__func(&a, 0, &b, 0, &o, &c), 0);
	assert_int_equal(c.m[CMP_P50].na, 11);
	assert_int_equal(c.m[CMP_RATE].na, 12);
	assert_int_equal(c.windows_a, 11);
	assert_true(fabs(c.m[CMP_RATE].a - 1100.0 / 12) < 1e-6);
	assert_true(fabs(c.m[CMP_RATE].b - 200.0) < 1e-6);
	assert_true(c.m[CMP_RATE].significant);
	assert_true(c.m[CMP_RATE].delta > 1);
	/* one side without any call: the quantiles are not valid, nothing is significant */
	for (w = 0; w < a.nr_windows; w++)
		memset(&a.funcs[0].win[w], 0, sizeof(a.funcs[0].win[w]));
	assert_int_equal(comparison__func(&a, 0, &b, 0, &o, &c), 0);
	assert_false(c.m[CMP_P50].valid);
	assert_false(c.m[CMP_P50].significant);
	assert_int_equal(comparison__func(&a, 1, &b, 0, &o, &c), -EINVAL);
	o.alpha = 0;
	assert_int_equal(comparison__func(&a, 0, &b, 0, &o, &c), -EINVAL);
	recording__free(&a);
	recording__free(&b);
}

static void test_geomean(void **state)
{
	struct comparison c[3];
	double ga, gb, d;

	memset(c, 0, sizeof(c));
	c[0].m[CMP_P50] = (struct comparison_value){ .valid = true, .a = 100, .b = 200 };
	c[1].m[CMP_P50] = (struct comparison_value){ .valid = true, .a = 400, .b = 400 };
	c[2].m[CMP_P50] = (struct comparison_value){ .valid = false, .a = 1, .b = 1000 };
	assert_int_equal(comparison__geomean(c, 3, CMP_P50, &ga, &gb, &d), 0);
	assert_true(fabs(ga - 200) < 1e-9);
	assert_true(fabs(gb - sqrt(80000)) < 1e-9);
	/* a 2x change in one of two functions moves the geomean by sqrt 2 */
	assert_true(fabs(d - (sqrt(2) - 1)) < 1e-12);
	assert_int_equal(comparison__geomean(c, 3, CMP_P99, &ga, &gb, &d), -ENODATA);
}

static bool has_line(char **l, size_t n, const char *needle)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strstr(l[i], needle))
			return true;
	return false;
}

static void test_warnings(void **state)
{
	static const struct comparison_pair one[] = { { 0, 0 } };
	struct recording a, b;
	char **l = NULL;
	size_t n = 0;

	rng_seed(11);
	synth(&a, "6.1.0", 20, 200, 1.0, 0);
	synth(&b, "6.12.0", 3, 30, 1.0, 0);
	free(b.probe_mode);
	b.probe_mode = xstrdup("kprobe");
	free(b.funcs[0].build_id);
	b.funcs[0].build_id = xstrdup("ef01");
	b.funcs[0].lost_exits = 2;
	assert_int_equal(comparison__warnings(&a, "A", &b, "B", one, 1, &l, &n), 0);
	assert_true(has_line(l, n, "the kernels differ (A: 6.1.0, B: 6.12.0)"));
	assert_true(has_line(l, n, "the probe modes differ"));
	assert_true(has_line(l, n, "the build-ids differ (A: abcd, B: ef01)"));
	assert_true(has_line(l, n, "B: user:/bin/app:work has calls in 3 windows"));
	assert_true(has_line(l, n, "p99 needs at least 100"));
	assert_true(has_line(l, n, "lost 2 returns"));
	assert_false(has_line(l, n, "A: user:"));
	comparison__free_lines(l, n);
	/* the same recording twice: nothing to say */
	assert_int_equal(comparison__warnings(&a, "A", &a, "A", one, 1, &l, &n), 0);
	assert_int_equal(n, 0);
	comparison__free_lines(l, n);
	free(b.funcs[0].spec);
	b.funcs[0].spec = xstrdup("user:/bin/app:other");
	assert_int_equal(comparison__warnings(&a, "A", &b, "B", NULL, 0, &l, &n), 0);
	assert_true(has_line(l, n, "user:/bin/app:work is only in A"));
	assert_true(has_line(l, n, "user:/bin/app:other is only in B"));
	comparison__free_lines(l, n);
	recording__free(&a);
	recording__free(&b);
}

/* a recording of functions named by @specs ("user:/bin/app:work@12", ...), no windows */
static void named(struct recording *r, const char *const *specs, size_t n)
{
	char buf[256], *sym, *at;
	size_t i;

	assert_int_equal(recording__init(r, n), 0);
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s", specs[i]);
		r->funcs[i].spec = xstrdup(buf);
		r->funcs[i].kind = xstrdup(strncmp(buf, "user:", 5) ? "kernel" : "user");
		at = strrchr(buf, '@');
		if (at)
			*at = '\0';
		sym = strrchr(buf, ':');
		r->funcs[i].symbol = xstrdup(sym + 1);
		*sym = '\0';
		if (!strcmp(r->funcs[i].kind, "user"))
			r->funcs[i].path = xstrdup(buf + 5);
	}
}

static void test_pairing(void **state)
{
	static const char *const sa[] = {
		"user:/bin/app:work@100", "kernel:tcp_sendmsg",	   "user:/bin/app:parse@100",
		"user:/bin/app:only_a",	  "user:/bin/app:twice@1", "user:/bin/app:twice@2",
	};
	static const char *const sb[] = {
		"kernel:tcp_sendmsg",	  "user:/bin/app:work@200", "user:/bin/app:parse_fixed@200",
		"user:/bin/other:only_a", "user:/bin/app:twice@3",  "user:/bin/app:twice@4",
	};
	struct comparison_match m[] = { { "parse", "user:/bin/app:parse_fixed" } };
	struct comparison_pair *p = NULL;
	struct recording a, b;
	char err[256], **l = NULL;
	size_t n = 0, nl = 0;

	named(&a, sa, 6);
	named(&b, sb, 6);
	/* by FUNC, then by binary and symbol whatever the PID; nothing else */
	assert_int_equal(comparison__pair(&a, &b, NULL, 0, &p, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].fa, 1); /* kernel:tcp_sendmsg, the same FUNC */
	assert_int_equal(p[0].fb, 0);
	assert_int_equal(p[1].fa, 0); /* work@100 with work@200 */
	assert_int_equal(p[1].fb, 1);
	assert_int_equal(comparison__warnings(&a, "A", &b, "B", p, n, &l, &nl), 0);
	/* another binary is another function; two processes per side cannot be told apart */
	assert_true(has_line(l, nl,
			     "user:/bin/app:only_a is only in A; if it is in B under "
			     "another name or process, pair them with --match OLD=NEW"));
	assert_true(has_line(l, nl, "user:/bin/other:only_a is only in B"));
	assert_true(has_line(l, nl, "user:/bin/app:twice@1 is only in A"));
	comparison__free_lines(l, nl);
	free(p);
	/* --match by bare symbol and by FUNC without @PID, first in the pairs */
	assert_int_equal(comparison__pair(&a, &b, m, 1, &p, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(p[0].fa, 2);
	assert_int_equal(p[0].fb, 2);
	free(p);
	/* a --match that names nothing, or two functions, is refused by name */
	m[0].b = "nothing";
	assert_int_equal(comparison__pair(&a, &b, m, 1, &p, &n, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--match: 'nothing' names no function in B; give the FUNC as "
				 "recorded (see compare --json's names)");
	m[0].a = "twice";
	m[0].b = "user:/bin/app:twice@4";
	assert_int_equal(comparison__pair(&a, &b, m, 1, &p, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'twice' names more than one function in A"));
	/* once two are paired by hand, the other two are one per side: they pair too */
	m[0].a = "user:/bin/app:twice@2";
	assert_int_equal(comparison__pair(&a, &b, m, 1, &p, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_int_equal(p[0].fa, 5);
	assert_int_equal(p[0].fb, 5);
	assert_int_equal(p[3].fa, 4);
	assert_int_equal(p[3].fb, 4);
	free(p);
	recording__free(&a);
	recording__free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bootstrap_coverage),
		cmocka_unit_test(test_delta_inside_interval),
		cmocka_unit_test(test_null_false_positives),
		cmocka_unit_test(test_windows_not_calls),
		cmocka_unit_test(test_reproducible),
		cmocka_unit_test(test_rate_and_empty_windows),
		cmocka_unit_test(test_geomean),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_pairing),
	};

	return cmocka_run_group_tests_name("comparison", tests, NULL, NULL);
}
