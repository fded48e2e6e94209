// SPDX-License-Identifier: GPL-2.0
/*
 * The report of 'compare' and 'ab': two recordings side by side, per function, as benchstat
 * does for benchmarks: p50, p90, p99 and calls/s of A and B, the delta with its confidence
 * interval, the p-value and n, "~" where the change is not significant, and a geomean row.
 * See comparison.h for the statistics.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cmd.h"
#include "compare_report.h"
#include "svg.h"
#include "units.h"

/* a row of the table: function, A, B, delta, interval, test */
#define NCOLS 6

struct pair {
	struct comparison_pair f; /* the function's index in A and in B */
	char name[512];		  /* its row: the FUNC, or A's and B's when they differ */
	struct comparison c;
};

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* ---- text ------------------------------------------------------------------------------- */

static void fmt_value(enum comparison_metric m, double v, char *buf, size_t len)
{
	if (m == CMP_RATE)
		snprintf(buf, len, v < 100 ? "%.2f" : v < 10000 ? "%.1f" : "%.0f", v);
	else
		duration__format((uint64_t)llround(v), buf, len);
}

/* benchstat's "± x%": the larger distance of the interval's ends from the estimate */
static void fmt_spread(double v, double lo, double hi, char *buf, size_t len)
{
	double s;

	if (!isfinite(lo) || !isfinite(hi) || !(v > 0)) {
		snprintf(buf, len, "± ∞");
		return;
	}
	s = fmax(hi / v - 1, 1 - lo / v) * 100;
	snprintf(buf, len, s < 1 ? "± %.1f%%" : "± %.0f%%", s);
}

static void fmt_cell(enum comparison_metric m, double v, double lo, double hi, char *buf,
		     size_t len)
{
	char a[32], b[32];

	fmt_value(m, v, a, sizeof(a));
	fmt_spread(v, lo, hi, b, sizeof(b));
	snprintf(buf, len, "%s %s", a, b);
}

/* the display width of UTF-8 text: "±" and "∞" are one column each */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

struct table {
	char (*cell)[NCOLS][96];
	/* cppcheck-suppress unusedStructMember ; table_row() reads it, which cppcheck misses */
	size_t nr, cap;
};

static char (*table_row(struct table *t))[96]
{
	if (t->nr == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		void *c = realloc(t->cell, cap * sizeof(*t->cell));

		if (!c)
			return NULL;
		t->cell = c;
		t->cap = cap;
	}
	memset(t->cell[t->nr], 0, sizeof(t->cell[t->nr]));
	return t->cell[t->nr++];
}

static void table_print(const struct table *t)
{
	size_t w[NCOLS] = { 0 }, r, c, k;

	for (r = 0; r < t->nr; r++)
		for (c = 0; c < NCOLS; c++)
			if (width(t->cell[r][c]) > w[c])
				w[c] = width(t->cell[r][c]);
	for (r = 0; r < t->nr; r++) {
		size_t last = NCOLS;

		while (last > 0 && !t->cell[r][last - 1][0])
			last--;
		for (c = 0; c < last; c++) {
			const char *s = t->cell[r][c];
			/* names left, figures right, the test last */
			int left = c == 0 || c == NCOLS - 1;

			if (c)
				fputs("  ", stdout);
			if (!left)
				for (k = width(s); k < w[c]; k++)
					fputc(' ', stdout);
			fputs(s, stdout);
			if (left && c + 1 < last)
				for (k = width(s); k < w[c]; k++)
					fputc(' ', stdout);
		}
		fputc('\n', stdout);
	}
}

static int print_text(const char *pa, const struct recording *a, const char *pb,
		      const struct recording *b, const struct pair *p, size_t n,
		      const struct comparison_opts *o)
{
	const struct recording *rec[2] = { a, b };
	const char *path[2] = { pa, pb };
	struct comparison *cs;
	struct table t = { 0 };
	char buf[64];
	size_t i;
	int m, k;

	for (k = 0; k < 2; k++)
		printf("%c: %s  %s  %s  kernel %s  %s  %zu windows of %s\n", 'A' + k, path[k],
		       rec[k]->start, rec[k]->hostname, rec[k]->kernel, rec[k]->probe_mode,
		       rec[k]->nr_windows, duration__format(rec[k]->interval_ns, buf, sizeof(buf)));
	cs = calloc(n ? n : 1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		cs[i] = p[i].c;
	for (m = 0; m < CMP_NMETRICS; m++) {
		char(*row)[96];
		double ga, gb, gd;

		t.nr = 0;
		row = table_row(&t);
		if (!row)
			goto nomem;
		snprintf(row[0], 96, "%s", comparison__metric_name(m));
		snprintf(row[1], 96, "A %s", base_name(pa));
		snprintf(row[2], 96, "B %s", base_name(pb));
		snprintf(row[3], 96, "vs A");
		snprintf(row[4], 96, "95%% interval");
		for (i = 0; i < n; i++) {
			const struct comparison_value *v = &p[i].c.m[m];

			row = table_row(&t);
			if (!row)
				goto nomem;
			snprintf(row[0], 96, "%s", p[i].name);
			if (!v->valid) {
				snprintf(row[1], 96, "-");
				snprintf(row[2], 96, "-");
				snprintf(row[3], 96, "no data");
				continue;
			}
			fmt_cell(m, v->a, v->a_lo, v->a_hi, row[1], 96);
			fmt_cell(m, v->b, v->b_lo, v->b_hi, row[2], 96);
			if (v->significant)
				snprintf(row[3], 96, "%+.2f%%", v->delta * 100);
			else
				snprintf(row[3], 96, "~");
			if (isfinite(v->delta_lo) && isfinite(v->delta_hi))
				snprintf(row[4], 96, "[%+.1f%%, %+.1f%%]", v->delta_lo * 100,
					 v->delta_hi * 100);
			else
				snprintf(row[4], 96, "[-∞, +∞]");
			snprintf(row[5], 96, "(p=%.3f n=%zu+%zu)", v->p, v->na, v->nb);
		}
		if (n > 1 && !comparison__geomean(cs, n, m, &ga, &gb, &gd)) {
			row = table_row(&t);
			if (!row)
				goto nomem;
			snprintf(row[0], 96, "geomean");
			fmt_value(m, ga, row[1], 96);
			fmt_value(m, gb, row[2], 96);
			snprintf(row[3], 96, "%+.2f%%", gd * 100);
		}
		putchar('\n');
		table_print(&t);
	}
	printf("\n~: not significant (p >= %g, or the interval reaches within +-%g%%); "
	       "+- and intervals: %g%%, resampling whole windows\n",
	       o->alpha, o->threshold * 100, o->conf * 100);
	free(t.cell);
	free(cs);
	return 0;
nomem:
	free(t.cell);
	free(cs);
	return -ENOMEM;
}

/* ---- JSON ------------------------------------------------------------------------------- */

static struct json_object *num(double v)
{
	/* JSON has no infinity: an unbounded interval end is null */
	return isfinite(v) ? json_object_new_double(v) : json_object_new_null();
}

static struct json_object *side_json(const char *path, const struct recording *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "file", json_object_new_string(path));
	json_object_object_add(o, "start", json_object_new_string(r->start));
	json_object_object_add(o, "hostname", json_object_new_string(r->hostname));
	json_object_object_add(o, "kernel", json_object_new_string(r->kernel));
	json_object_object_add(o, "probe_mode", json_object_new_string(r->probe_mode));
	json_object_object_add(o, "interval_ns", json_object_new_uint64(r->interval_ns));
	json_object_object_add(o, "windows", json_object_new_uint64(r->nr_windows));
	return o;
}

static const char *json_metric_name(enum comparison_metric m)
{
	return m == CMP_RATE ? "calls_per_s" : comparison__metric_name(m);
}

static int print_json(const char *pa, const struct recording *a, const char *pb,
		      const struct recording *b, const struct pair *p, size_t n,
		      const struct comparison_opts *o, char **warn, size_t nwarn)
{
	struct json_object *root = json_object_new_object(), *fa = json_object_new_array();
	struct json_object *geo = json_object_new_object(), *wa = json_object_new_array();
	struct comparison *cs = calloc(n ? n : 1, sizeof(*cs));
	size_t i;
	int m;

	if (!cs) {
		json_object_put(root);
		return -ENOMEM;
	}
	json_object_object_add(root, "a", side_json(pa, a));
	json_object_object_add(root, "b", side_json(pb, b));
	json_object_object_add(root, "alpha", json_object_new_double(o->alpha));
	json_object_object_add(root, "confidence", json_object_new_double(o->conf));
	json_object_object_add(root, "threshold", json_object_new_double(o->threshold));
	json_object_object_add(root, "resamples", json_object_new_uint64(o->resamples));
	for (i = 0; i < n; i++) {
		struct json_object *f = json_object_new_object(), *ms = json_object_new_object();

		cs[i] = p[i].c;
		json_object_object_add(f, "name", json_object_new_string(p[i].name));
		json_object_object_add(f, "func_a",
				       json_object_new_string(a->funcs[p[i].f.fa].spec));
		json_object_object_add(f, "func_b",
				       json_object_new_string(b->funcs[p[i].f.fb].spec));
		json_object_object_add(f, "calls_a", json_object_new_uint64(p[i].c.calls_a));
		json_object_object_add(f, "calls_b", json_object_new_uint64(p[i].c.calls_b));
		for (m = 0; m < CMP_NMETRICS; m++) {
			const struct comparison_value *v = &p[i].c.m[m];
			struct json_object *x = json_object_new_object();

			json_object_object_add(x, "valid", json_object_new_boolean(v->valid));
			json_object_object_add(x, "a", num(v->a));
			json_object_object_add(x, "a_lo", num(v->a_lo));
			json_object_object_add(x, "a_hi", num(v->a_hi));
			json_object_object_add(x, "b", num(v->b));
			json_object_object_add(x, "b_lo", num(v->b_lo));
			json_object_object_add(x, "b_hi", num(v->b_hi));
			json_object_object_add(x, "delta", num(v->delta));
			json_object_object_add(x, "delta_lo", num(v->delta_lo));
			json_object_object_add(x, "delta_hi", num(v->delta_hi));
			json_object_object_add(x, "p", num(v->p));
			json_object_object_add(x, "n_a", json_object_new_uint64(v->na));
			json_object_object_add(x, "n_b", json_object_new_uint64(v->nb));
			json_object_object_add(x, "significant",
					       json_object_new_boolean(v->significant));
			json_object_object_add(ms, json_metric_name(m), x);
		}
		json_object_object_add(f, "metrics", ms);
		json_object_array_add(fa, f);
	}
	json_object_object_add(root, "functions", fa);
	for (m = 0; m < CMP_NMETRICS; m++) {
		double ga, gb, gd;
		struct json_object *x;

		if (comparison__geomean(cs, n, m, &ga, &gb, &gd))
			continue;
		x = json_object_new_object();
		json_object_object_add(x, "a", num(ga));
		json_object_object_add(x, "b", num(gb));
		json_object_object_add(x, "delta", num(gd));
		json_object_object_add(geo, json_metric_name(m), x);
	}
	json_object_object_add(root, "geomean", geo);
	for (i = 0; i < nwarn; i++)
		json_object_array_add(wa, json_object_new_string(warn[i]));
	json_object_object_add(root, "warnings", wa);
	printf("%s\n",
	       json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	free(cs);
	return 0;
}

/* ---- SVG -------------------------------------------------------------------------------- */

static int write_svg(const char *path, const char *pa, const struct recording *a, const char *pb,
		     const struct recording *b, const struct pair *p, size_t n)
{
	struct svg_panel *panels = calloc(n, sizeof(*panels));
	struct rec_window *tot = calloc(2 * n, sizeof(*tot));
	char(*note)[256] = calloc(n, sizeof(*note)), la[300], lb[300], title[600];
	size_t i, len;
	int m, ret;

	if (!panels || !tot || !note) {
		ret = -ENOMEM;
		goto out;
	}
	snprintf(la, sizeof(la), "A  %s", base_name(pa));
	snprintf(lb, sizeof(lb), "B  %s", base_name(pb));
	snprintf(title, sizeof(title), "latency per call: A %s against B %s", base_name(pa),
		 base_name(pb));
	for (i = 0; i < n; i++) {
		recording__total(a, p[i].f.fa, &tot[2 * i]);
		recording__total(b, p[i].f.fb, &tot[2 * i + 1]);
		len = 0;
		for (m = CMP_P50; m <= CMP_P99; m += 2) {
			const struct comparison_value *v = &p[i].c.m[m];

			if (!v->valid)
				continue;
			if (v->significant)
				len += snprintf(note[i] + len, sizeof(note[i]) - len,
						"%s%s %+.1f%% [%+.1f%%, %+.1f%%] p=%.3f",
						len ? "    " : "B vs A:  ",
						comparison__metric_name(m), v->delta * 100,
						v->delta_lo * 100, v->delta_hi * 100, v->p);
			else
				len += snprintf(note[i] + len, sizeof(note[i]) - len,
						"%s%s ~ (p=%.3f)", len ? "    " : "B vs A:  ",
						comparison__metric_name(m), v->p);
			if (len >= sizeof(note[i]))
				len = sizeof(note[i]) - 1;
		}
		panels[i] = (struct svg_panel){
			.title = p[i].name,
			.note = note[i][0] ? note[i] : NULL,
			.a = { .label = la, .hist = tot[2 * i].hist, .max_ns = tot[2 * i].max_ns },
			.b = { .label = lb,
			       .hist = tot[2 * i + 1].hist,
			       .max_ns = tot[2 * i + 1].max_ns },
		};
	}
	ret = svg__write_file(path, title, panels, n);
out:
	free(panels);
	free(tot);
	free(note);
	return ret;
}

/*
 * Compare every function of @a found in @b, print the table (or JSON) and draw @svg if not
 * NULL; @pa and @pb name the two sides. Also the report of 'ab'. Returns the exit code.
 */
int compare__report(const char *pa, const struct recording *ra, const char *pb,
		    const struct recording *rb, const struct comparison_opts *op, int json,
		    const char *svg)
{
	struct comparison_opts o = *op;
	struct comparison_pair *cp = NULL;
	struct pair *pairs = NULL;
	char **warn = NULL, err[512];
	size_t i, n = 0, nwarn = 0;
	int ret, rc = HC_EXIT_ERROR;

	ret = comparison__pair(ra, rb, o.matches, o.nr_matches, &cp, &n, err, sizeof(err));
	if (ret) {
		if (ret == -EINVAL)
			p_err("%s", err);
		else
			p_err("cannot pair the functions: %s", strerror(-ret));
		return ret == -EINVAL ? HC_EXIT_USAGE : HC_EXIT_ERROR;
	}
	pairs = calloc(n + 1, sizeof(*pairs));
	if (!pairs)
		goto out;
	for (i = 0; i < n; i++) {
		const char *sa = ra->funcs[cp[i].fa].spec, *sb = rb->funcs[cp[i].fb].spec;

		pairs[i].f = cp[i];
		if (strcmp(sa, sb))
			snprintf(pairs[i].name, sizeof(pairs[i].name), "%s vs %s", sa, sb);
		else
			snprintf(pairs[i].name, sizeof(pairs[i].name), "%s", sa);
		ret = comparison__func(ra, cp[i].fa, rb, cp[i].fb, &o, &pairs[i].c);
		if (ret) {
			p_err("cannot compare '%s': %s", pairs[i].name, strerror(-ret));
			goto out;
		}
	}
	ret = comparison__warnings(ra, "A", rb, "B", cp, n, &warn, &nwarn);
	if (ret)
		goto out;
	if (!n) {
		p_err("'%s' and '%s' have no function in common; record the same FUNCs, or pair "
		      "them with --match OLD=NEW",
		      pa, pb);
		rc = HC_EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < nwarn; i++)
		p_info("warning: %s", warn[i]);
	ret = json ? print_json(pa, ra, pb, rb, pairs, n, &o, warn, nwarn) :
		     print_text(pa, ra, pb, rb, pairs, n, &o);
	if (ret) {
		p_err("cannot print the comparison: %s", strerror(-ret));
		goto out;
	}
	if (svg) {
		ret = write_svg(svg, pa, ra, pb, rb, pairs, n);
		if (ret) {
			p_err("cannot write '%s': %s", svg, strerror(-ret));
			goto out;
		}
	}
	rc = HC_EXIT_OK;
out:
	comparison__free_lines(warn, nwarn);
	free(pairs);
	free(cp);
	return rc;
}
