// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "comparison.h"
#include "prng.h"
#include "stats.h"

static const double quantile_q[] = { [CMP_P50] = 0.50, [CMP_P90] = 0.90, [CMP_P99] = 0.99 };

const char *comparison__metric_name(enum comparison_metric m)
{
	static const char *const names[] = {
		[CMP_P50] = "p50",
		[CMP_P90] = "p90",
		[CMP_P99] = "p99",
		[CMP_RATE] = "calls/s",
	};

	return m < CMP_NMETRICS ? names[m] : "?";
}

/* FNV-1a: a function's draws depend on its name only, not on its row or on other functions */
static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

/* ---- per-window values and the pooled estimate ------------------------------------------- */

/* a quantile interpolated inside its bucket can overshoot the largest call seen (as watch) */
static double quantile_of(const uint64_t *hist, uint64_t max_ns, double q)
{
	uint64_t v = hist__quantile(hist, q);

	return (double)(max_ns && v > max_ns ? max_ns : v);
}

static double window_value(const struct recording *r, size_t f, size_t w, enum comparison_metric m)
{
	const struct rec_window *x = &r->funcs[f].win[w];

	if (m == CMP_RATE)
		return (double)x->calls * 1e9 / (double)r->duration_ns[w];
	return quantile_of(x->hist, x->max_ns, quantile_q[m]);
}

/* the per-window values of metric @m: windows without calls have no quantile */
static size_t window_values(const struct recording *r, size_t f, enum comparison_metric m,
			    double *out)
{
	size_t w, n = 0;

	for (w = 0; w < r->nr_windows; w++)
		if (m == CMP_RATE || r->funcs[f].win[w].calls)
			out[n++] = window_value(r, f, w, m);
	return n;
}

/* ---- the block bootstrap ------------------------------------------------------------------ */

struct side {
	const struct recording *r;
	size_t f;
	uint64_t *hist;		  /* the sum of one draw */
	double est[CMP_NMETRICS]; /* the estimate from one draw */
	bool ok;		  /* the draw had calls */
};

static void draw(struct side *s, struct prng *g, unsigned int lo, unsigned int hi)
{
	const struct recording *r = s->r;
	uint64_t calls = 0, dur = 0, max_ns = 0;
	size_t k, n = r->nr_windows;
	unsigned int b;
	int m;

	memset(s->hist + lo, 0, (hi - lo) * sizeof(*s->hist));
	for (k = 0; k < n; k++) {
		size_t w = prng_below(g, n);
		const struct rec_window *x = &r->funcs[s->f].win[w];

		calls += x->calls;
		dur += r->duration_ns[w];
		if (x->max_ns > max_ns)
			max_ns = x->max_ns;
		if (!x->calls)
			continue;
		for (b = lo; b < hi; b++)
			s->hist[b] += x->hist[b];
	}
	s->ok = calls > 0;
	for (m = 0; m < CMP_RATE && s->ok; m++)
		s->est[m] = quantile_of(s->hist, max_ns, quantile_q[m]);
	s->est[CMP_RATE] = dur ? (double)calls * 1e9 / (double)dur : 0;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* the p-quantile of @n sorted values, interpolated between order statistics (R's type 7) */
static double sorted_quantile(const double *v, size_t n, double p)
{
	double h = p * (double)(n - 1);
	size_t i = (size_t)h;

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (h - (double)i) * (v[i + 1] - v[i]);
}

/* the used bucket range of both sides: a draw sums only those */
static void bucket_range(const struct side *s, unsigned int *lo, unsigned int *hi)
{
	unsigned int b;
	size_t k, w;

	*lo = HC_HIST_BUCKETS;
	*hi = 0;
	for (k = 0; k < 2; k++)
		for (w = 0; w < s[k].r->nr_windows; w++)
			for (b = 0; b < HC_HIST_BUCKETS; b++)
				if (s[k].r->funcs[s[k].f].win[w].hist[b]) {
					if (b < *lo)
						*lo = b;
					if (b + 1 > *hi)
						*hi = b + 1;
				}
	if (*lo > *hi)
		*lo = *hi = 0;
}

/*
 * B draws of both sides, each side drawing its own windows: the percentile intervals of A, B
 * and of the log of B / A for every metric.
 */
static int bootstrap(struct side *s, const struct comparison_opts *o, uint64_t seed,
		     struct comparison *out)
{
	double *v[3 * CMP_NMETRICS];
	size_t n[3 * CMP_NMETRICS] = { 0 };
	double tail = (1 - o->conf) / 2;
	unsigned int lo, hi, i;
	struct prng g;
	int m, k, ret = 0;

	memset(v, 0, sizeof(v));
	for (k = 0; k < 3 * CMP_NMETRICS; k++) {
		v[k] = malloc(o->resamples * sizeof(double));
		if (!v[k])
			ret = -ENOMEM;
	}
	if (ret)
		goto out;
	bucket_range(s, &lo, &hi);
	prng_seed(&g, seed);
	for (i = 0; i < o->resamples; i++) {
		draw(&s[0], &g, lo, hi);
		draw(&s[1], &g, lo, hi);
		for (m = 0; m < CMP_NMETRICS; m++) {
			bool quant = m != CMP_RATE;

			if (!quant || s[0].ok)
				v[3 * m][n[3 * m]++] = s[0].est[m];
			if (!quant || s[1].ok)
				v[3 * m + 1][n[3 * m + 1]++] = s[1].est[m];
			if ((!quant || (s[0].ok && s[1].ok)) && s[0].est[m] > 0 && s[1].est[m] > 0)
				v[3 * m + 2][n[3 * m + 2]++] = log(s[1].est[m] / s[0].est[m]);
		}
	}
	for (m = 0; m < CMP_NMETRICS; m++) {
		struct comparison_value *c = &out->m[m];
		double *x;

		for (k = 0; k < 3; k++)
			if (n[3 * m + k])
				qsort(v[3 * m + k], n[3 * m + k], sizeof(double), cmp_double);
		c->a_lo = c->b_lo = c->delta_lo = -INFINITY;
		c->a_hi = c->b_hi = c->delta_hi = INFINITY;
		if (n[3 * m]) {
			x = v[3 * m];
			c->a_lo = sorted_quantile(x, n[3 * m], tail);
			c->a_hi = sorted_quantile(x, n[3 * m], 1 - tail);
		}
		if (n[3 * m + 1]) {
			x = v[3 * m + 1];
			c->b_lo = sorted_quantile(x, n[3 * m + 1], tail);
			c->b_hi = sorted_quantile(x, n[3 * m + 1], 1 - tail);
		}
		/* too many draws without a ratio leave the interval unbounded, not optimistic */
		if (n[3 * m + 2] >= o->resamples * (1 - tail)) {
			x = v[3 * m + 2];
			c->delta_lo = expm1(sorted_quantile(x, n[3 * m + 2], tail));
			c->delta_hi = expm1(sorted_quantile(x, n[3 * m + 2], 1 - tail));
		}
	}
out:
	for (k = 0; k < 3 * CMP_NMETRICS; k++)
		free(v[k]);
	return ret;
}

/* ---- one function ------------------------------------------------------------------------- */

static int test_windows(const struct recording *a, size_t fa, const struct recording *b, size_t fb,
			enum comparison_metric m, struct comparison_value *c)
{
	double *x, *y;
	struct stats_mw mw;
	int ret = 0;

	x = malloc((a->nr_windows + 1) * sizeof(*x));
	y = malloc((b->nr_windows + 1) * sizeof(*y));
	if (!x || !y) {
		ret = -ENOMEM;
		goto out;
	}
	c->na = window_values(a, fa, m, x);
	c->nb = window_values(b, fb, m, y);
	c->p = 1;
	if (c->na && c->nb) {
		/* H1 either way: a before/after report looks for any change */
		ret = stats__mann_whitney(y, c->nb, x, c->na, 0, &mw);
		if (!ret)
			c->p = mw.p_two;
	}
out:
	free(x);
	free(y);
	return ret;
}

int comparison__func(const struct recording *a, size_t fa, const struct recording *b, size_t fb,
		     const struct comparison_opts *opts, struct comparison *out)
{
	struct side s[2] = { { .r = a, .f = fa }, { .r = b, .f = fb } };
	struct rec_window ta, tb;
	size_t w;
	int m, ret;

	if (fa >= a->nr_funcs || fb >= b->nr_funcs || !opts->resamples || !(opts->alpha > 0) ||
	    !(opts->alpha < 1) || !(opts->conf > 0) || !(opts->conf < 1) || !(opts->threshold >= 0))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	recording__total(a, fa, &ta);
	recording__total(b, fb, &tb);
	out->calls_a = ta.calls;
	out->calls_b = tb.calls;
	for (w = 0; w < a->nr_windows; w++)
		out->windows_a += a->funcs[fa].win[w].calls > 0;
	for (w = 0; w < b->nr_windows; w++)
		out->windows_b += b->funcs[fb].win[w].calls > 0;
	for (m = 0; m < CMP_NMETRICS; m++) {
		struct comparison_value *c = &out->m[m];

		if (m == CMP_RATE) {
			c->a = (double)ta.calls * 1e9 / (double)(recording__duration_ns(a) ?: 1);
			c->b = (double)tb.calls * 1e9 / (double)(recording__duration_ns(b) ?: 1);
			c->valid = a->nr_windows && b->nr_windows;
		} else {
			c->valid = ta.calls && tb.calls;
			c->a = c->valid ? quantile_of(ta.hist, ta.max_ns, quantile_q[m]) : 0;
			c->b = c->valid ? quantile_of(tb.hist, tb.max_ns, quantile_q[m]) : 0;
		}
		c->delta = c->a > 0 ? c->b / c->a - 1 : NAN;
		ret = test_windows(a, fa, b, fb, m, c);
		if (ret)
			return ret;
	}
	s[0].hist = calloc(HC_HIST_BUCKETS, sizeof(uint64_t));
	s[1].hist = calloc(HC_HIST_BUCKETS, sizeof(uint64_t));
	ret = s[0].hist && s[1].hist ? 0 : -ENOMEM;
	if (!ret && a->nr_windows && b->nr_windows)
		ret = bootstrap(s, opts, opts->seed ^ hash_str(a->funcs[fa].spec), out);
	free(s[0].hist);
	free(s[1].hist);
	if (ret)
		return ret;
	for (m = 0; m < CMP_NMETRICS; m++) {
		struct comparison_value *c = &out->m[m];

		c->valid = c->valid && isfinite(c->delta);
		/*
		 * A percentile interval of resampled estimates need not hold the whole sample's
		 * own estimate (a skewed resampling law; the rate's log and expm1 round it just
		 * outside a zero-width interval): a report must not print a delta outside its
		 * interval, so the interval is widened to it, never the delta moved.
		 */
		if (c->valid) {
			c->delta_lo = fmin(c->delta_lo, c->delta);
			c->delta_hi = fmax(c->delta_hi, c->delta);
		}
		c->significant = c->valid && c->p < opts->alpha &&
				 (c->delta_lo > opts->threshold || c->delta_hi < -opts->threshold);
	}
	return 0;
}

int comparison__geomean(const struct comparison *c, size_t n, enum comparison_metric m, double *ga,
			double *gb, double *delta)
{
	double la = 0, lb = 0;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		const struct comparison_value *v = &c[i].m[m];

		if (!v->valid || !(v->a > 0) || !(v->b > 0))
			continue;
		la += log(v->a);
		lb += log(v->b);
		k++;
	}
	if (!k)
		return -ENODATA;
	*ga = exp(la / (double)k);
	*gb = exp(lb / (double)k);
	*delta = *gb / *ga - 1;
	return 0;
}

/* ---- warnings ----------------------------------------------------------------------------- */

struct lines {
	char **v;
	size_t n;
	int err;
};

static void __attribute__((format(printf, 2, 3))) say(struct lines *l, const char *fmt, ...)
{
	char **v;
	va_list ap;
	char *s;

	if (l->err)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	v = s ? realloc(l->v, (l->n + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(s);
		l->err = -ENOMEM;
		return;
	}
	v[l->n++] = s;
	l->v = v;
}

static void data_warnings(struct lines *l, const struct recording *r, const char *name)
{
	struct rec_window t;
	size_t i, w, with;

	if (r->storage_fail || r->prog_misses)
		say(l,
		    "%s: %llu calls were not timed (no per-thread storage %llu, program runs "
		    "skipped %llu); its figures miss them",
		    name, (unsigned long long)(r->storage_fail + r->prog_misses),
		    (unsigned long long)r->storage_fail, (unsigned long long)r->prog_misses);
	for (i = 0; i < r->nr_funcs; i++) {
		const struct rec_func *f = &r->funcs[i];

		recording__total(r, i, &t);
		for (w = 0, with = 0; w < r->nr_windows; w++)
			with += f->win[w].calls > 0;
		if (with < COMPARISON_MIN_WINDOWS)
			say(l,
			    "%s: %s has calls in %zu window%s; fewer than %d can never be "
			    "significant: take more windows (record: a longer -d or a shorter -i; "
			    "ab: more --rounds)",
			    name, f->spec, with, with == 1 ? "" : "s", COMPARISON_MIN_WINDOWS);
		else if (with < 10)
			say(l,
			    "%s: %s has calls in only %zu windows; intervals from fewer than 10 "
			    "are rough: take more windows (record: a longer -d or a shorter -i; "
			    "ab: more --rounds)",
			    name, f->spec, with);
		if (t.calls < 100)
			say(l, "%s: %s made only %llu calls; p99 needs at least 100", name, f->spec,
			    (unsigned long long)t.calls);
		if (f->lost_exits || f->depth_overflows)
			say(l,
			    "%s: %s lost %llu returns and did not time %llu calls nested too "
			    "deep; its figures miss them",
			    name, f->spec, (unsigned long long)f->lost_exits,
			    (unsigned long long)f->depth_overflows);
	}
}

static bool differ(const char *x, const char *y)
{
	return strcmp(x ? x : "", y ? y : "") != 0;
}

/* the same function: kind, binary and symbol, wherever it ran */
static bool same_func(const struct rec_func *x, const struct rec_func *y)
{
	return !differ(x->kind, y->kind) && !differ(x->symbol, y->symbol) &&
	       !differ(x->path, y->path);
}

static int match_error(int ret, const char *name, const char *side, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "--match: '%s' %s in %s; give the FUNC as recorded (see compare "
		 "--json's names)",
		 name, ret == -ENOENT ? "names no function" : "names more than one function", side);
	return -EINVAL;
}

int comparison__pair(const struct recording *a, const struct recording *b,
		     const struct comparison_match *matches, size_t nr_matches,
		     struct comparison_pair **pairs, size_t *nr, char *err, size_t errlen)
{
	bool *used_a = calloc(a->nr_funcs + 1, sizeof(bool));
	bool *used_b = calloc(b->nr_funcs + 1, sizeof(bool));
	struct comparison_pair *p = calloc(a->nr_funcs + 1, sizeof(*p));
	size_t i, j, k, n = 0, hits;
	int ret = -ENOMEM;

	if (!used_a || !used_b || !p)
		goto out;
	for (k = 0; k < nr_matches; k++) {
		ret = recording__find_named(a, matches[k].a, &i);
		if (ret) {
			ret = match_error(ret, matches[k].a, "A", err, errlen);
			goto out;
		}
		ret = recording__find_named(b, matches[k].b, &j);
		if (ret) {
			ret = match_error(ret, matches[k].b, "B", err, errlen);
			goto out;
		}
		if (used_a[i] || used_b[j]) {
			snprintf(err, errlen,
				 "--match: '%s=%s' pairs a function already paired; "
				 "give each function once",
				 matches[k].a, matches[k].b);
			ret = -EINVAL;
			goto out;
		}
		used_a[i] = used_b[j] = true;
		p[n++] = (struct comparison_pair){ i, j };
	}
	for (i = 0; i < a->nr_funcs; i++) {
		if (used_a[i])
			continue;
		for (j = 0; j < b->nr_funcs; j++) {
			if (used_b[j] || strcmp(a->funcs[i].spec, b->funcs[j].spec))
				continue;
			used_a[i] = used_b[j] = true;
			p[n++] = (struct comparison_pair){ i, j };
			break;
		}
	}
	/*
	 * The same function in other processes: only where it is one on each side, as two
	 * processes of one side could be paired either way (--match says which)
	 */
	for (i = 0; i < a->nr_funcs; i++) {
		if (used_a[i])
			continue;
		for (hits = 0, k = 0; k < a->nr_funcs; k++)
			hits += !used_a[k] && same_func(&a->funcs[i], &a->funcs[k]);
		if (hits != 1)
			continue;
		for (hits = 0, k = 0; k < b->nr_funcs; k++) {
			if (!used_b[k] && same_func(&a->funcs[i], &b->funcs[k])) {
				j = k;
				hits++;
			}
		}
		if (hits != 1)
			continue;
		used_a[i] = used_b[j] = true;
		p[n++] = (struct comparison_pair){ i, j };
	}
	*pairs = p;
	*nr = n;
	p = NULL;
	ret = 0;
out:
	free(p);
	free(used_a);
	free(used_b);
	return ret;
}

int comparison__warnings(const struct recording *a, const char *name_a, const struct recording *b,
			 const char *name_b, const struct comparison_pair *pairs, size_t nr_pairs,
			 char ***lines, size_t *nr)
{
	struct lines l = { 0 };
	size_t i, k;

	if (differ(a->kernel, b->kernel))
		say(&l,
		    "the kernels differ (%s: %s, %s: %s): the kernel may explain a change, "
		    "not the patch",
		    name_a, a->kernel, name_b, b->kernel);
	if (differ(a->probe_mode, b->probe_mode))
		say(&l,
		    "the probe modes differ (%s: %s, %s: %s): they add different overheads "
		    "to every call; record both with the same --mode",
		    name_a, a->probe_mode, name_b, b->probe_mode);
	if (differ(a->hostname, b->hostname))
		say(&l, "recorded on different hosts (%s: %s, %s: %s)", name_a, a->hostname, name_b,
		    b->hostname);
	if (a->interval_ns != b->interval_ns)
		say(&l,
		    "the windows differ in length (%s: %llu ns, %s: %llu ns): per-window "
		    "figures are compared; record both with the same -i",
		    name_a, (unsigned long long)a->interval_ns, name_b,
		    (unsigned long long)b->interval_ns);
	for (k = 0; k < nr_pairs; k++) {
		const struct rec_func *fa = &a->funcs[pairs[k].fa], *fb = &b->funcs[pairs[k].fb];

		if (differ(fa->build_id, fb->build_id))
			say(&l, "%s: the build-ids differ (%s: %s, %s: %s): a different binary",
			    fa->spec, name_a, fa->build_id && *fa->build_id ? fa->build_id : "none",
			    name_b, fb->build_id && *fb->build_id ? fb->build_id : "none");
	}
	for (i = 0; i < a->nr_funcs; i++) {
		for (k = 0; k < nr_pairs && pairs[k].fa != i; k++)
			;
		/* B has unpaired functions too: one of them may be this one, renamed */
		if (k == nr_pairs)
			say(&l, "%s is only in %s%s", a->funcs[i].spec, name_a,
			    b->nr_funcs > nr_pairs ? "; if it is in B under another name or "
						     "process, pair them with --match OLD=NEW" :
						     "");
	}
	for (i = 0; i < b->nr_funcs; i++) {
		for (k = 0; k < nr_pairs && pairs[k].fb != i; k++)
			;
		if (k == nr_pairs)
			say(&l, "%s is only in %s", b->funcs[i].spec, name_b);
	}
	data_warnings(&l, a, name_a);
	data_warnings(&l, b, name_b);
	if (l.err) {
		comparison__free_lines(l.v, l.n);
		return l.err;
	}
	*lines = l.v;
	*nr = l.n;
	return 0;
}

void comparison__free_lines(char **lines, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(lines[i]);
	free(lines);
}
