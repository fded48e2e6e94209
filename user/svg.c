// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "histogram.h"
#include "atomic_file.h"
#include "svg.h"
#include "units.h"

/* the geometry of the picture, in SVG user units (pixels at 1:1) */
#define SVG_W	    900
#define SVG_HEAD    44 /* the picture's title */
#define PANEL_H	    330
#define PLOT_X0	    80
#define PLOT_X1	    870
#define PLOT_TOP    78	/* below the panel's title, note and quantile labels */
#define PLOT_BOTTOM 270 /* above the tick labels and the axis title */

static const char *const color[2] = { "#1f77b4", "#ff7f0e" }; /* A blue, B orange */

static void put_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		default:
			/* XML 1.0 allows no other control character, even escaped */
			if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
				fputc(*s, out);
		}
	}
}

static void text(FILE *out, double x, double y, const char *anchor, const char *attrs,
		 const char *s)
{
	/* a white halo keeps a label readable across the lines it crosses */
	fprintf(out,
		"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" paint-order=\"stroke\" "
		"stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\"%s%s>",
		x, y, anchor, attrs ? " " : "", attrs ? attrs : "");
	put_text(out, s);
	fputs("</text>\n", out);
}

/* ---- scales ------------------------------------------------------------------------------- */

struct scale {
	double lx0, lx1;	  /* log10 of the latency range */
	unsigned int first, last; /* the buckets drawn */
	double ymax;		  /* top of the density axis */
	double top;		  /* the panel's y offset */
};

static double sx(const struct scale *s, double ns)
{
	return PLOT_X0 + (log10(ns) - s->lx0) / (s->lx1 - s->lx0) * (PLOT_X1 - PLOT_X0);
}

static double sy(const struct scale *s, double d)
{
	return s->top + PLOT_BOTTOM - d / s->ymax * (PLOT_BOTTOM - PLOT_TOP);
}

static double bucket_upper(unsigned int b)
{
	/* the overflow bucket has no upper edge: draw it one octave wide */
	return b == HC_HIST_OVERFLOW ? 2.0 * (double)hc_hist_lower(b) : (double)hc_hist_upper(b);
}

/*
 * Buckets are of unequal width on a log axis: a bar's height is its share of calls per 1/8
 * octave, so that its area, not its height, is its share, and a shift looks like a shift.
 */
static double density(const uint64_t *h, uint64_t total, unsigned int b)
{
	double lo = (double)hc_hist_lower(b), hi = bucket_upper(b);

	return 100.0 * (double)h[b] / (double)total / (8 * log2(hi / lo));
}

/*
 * The buckets from the 0.1th percentile of either side to 1.5 times the larger p99: a few
 * preempted calls (0.1% of them can take milliseconds) would squeeze the body of both
 * distributions into a corner. Bucket 0 (0 ns) has no place on a log axis. What is cut off
 * is counted under the axis.
 */
static int used_range(const struct svg_panel *p, unsigned int *first, unsigned int *last)
{
	const uint64_t *h[2] = { p->a.hist, p->b.hist };
	unsigned int b;
	uint64_t v;
	int k, any = 0;

	*first = HC_HIST_BUCKETS;
	*last = 0;
	for (k = 0; k < 2; k++) {
		if (!h[k] || !hist__count(h[k]))
			continue;
		any = 1;
		v = hist__quantile(h[k], 0.001);
		b = hc_hist_bucket(v ? v : 1);
		if (b < *first)
			*first = b;
		b = hc_hist_bucket(hist__quantile(h[k], 0.99) * 3 / 2);
		if (b > *last)
			*last = b;
	}
	return any;
}

static void make_scale(const struct svg_panel *p, double top, struct scale *s)
{
	const struct svg_dist *d[2] = { &p->a, &p->b };
	unsigned int first, last, b;
	double span, pad;
	int k;

	s->top = top;
	s->ymax = 0;
	if (!used_range(p, &first, &last)) {
		s->first = s->last = 0;
		s->lx0 = 3;
		s->lx1 = 6;
		s->ymax = 1;
		return;
	}
	s->first = first;
	s->last = last;
	s->lx0 = log10((double)hc_hist_lower(first));
	s->lx1 = log10(bucket_upper(last));
	/* at least a factor of 2 across, and some air on both sides */
	span = s->lx1 - s->lx0;
	if (span < log10(2.0)) {
		pad = (log10(2.0) - span) / 2;
		s->lx0 -= pad;
		s->lx1 += pad;
	}
	pad = (s->lx1 - s->lx0) * 0.04;
	s->lx0 -= pad;
	s->lx1 += pad;
	for (k = 0; k < 2; k++) {
		uint64_t n = d[k]->hist ? hist__count(d[k]->hist) : 0;

		for (b = first; n && b <= last; b++)
			if (d[k]->hist[b] && density(d[k]->hist, n, b) > s->ymax)
				s->ymax = density(d[k]->hist, n, b);
	}
	s->ymax = s->ymax > 0 ? s->ymax * 1.08 : 1;
}

/* a round step that cuts @range into about @parts */
static double nice_step(double range, int parts)
{
	double raw = range / parts, mag = pow(10, floor(log10(raw))), f = raw / mag;

	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

#define MAX_TICKS 40

/*
 * x ticks: under a decade, evenly spaced round values (a log axis that short looks
 * linear); else 1, 2 and 5 times each power of ten, with labels on all of them up to 3
 * decades and on the powers of ten beyond. Returns how many; @label says which to label.
 */
static int x_ticks(const struct scale *s, double *v, bool *label)
{
	static const double mult[] = { 1, 2, 5 };
	double lo = pow(10, s->lx0), hi = pow(10, s->lx1), step, t;
	int e, i, n = 0;

	if (s->lx1 - s->lx0 < 1) {
		step = nice_step(hi - lo, 5);
		for (t = ceil(lo / step) * step; t <= hi && n < MAX_TICKS; t += step) {
			label[n] = true;
			v[n++] = t;
		}
		return n;
	}
	for (e = (int)floor(s->lx0); e <= (int)ceil(s->lx1); e++)
		for (i = 0; i < 3 && n < MAX_TICKS; i++) {
			t = mult[i] * pow(10, e);
			if (t < lo || t > hi)
				continue;
			label[n] = s->lx1 - s->lx0 <= 3 || i == 0;
			v[n++] = t;
		}
	return n;
}

static void axes(FILE *out, const struct scale *s)
{
	double v, step, y0 = s->top + PLOT_BOTTOM, y1 = s->top + PLOT_TOP, tick[MAX_TICKS];
	bool label[MAX_TICKS];
	int i, n = x_ticks(s, tick, label);
	char buf[32];

	fprintf(out, "<g stroke=\"#dddddd\" stroke-width=\"1\">\n");
	for (i = 0; i < n; i++)
		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
			sx(s, tick[i]), y0, sx(s, tick[i]), y1);
	step = nice_step(s->ymax, 4);
	for (v = step; v <= s->ymax; v += step)
		fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n", PLOT_X0,
			sy(s, v), PLOT_X1, sy(s, v));
	fprintf(out, "</g>\n<g font-size=\"11\" fill=\"#333333\">\n");
	for (i = 0; i < n; i++)
		if (label[i])
			text(out, sx(s, tick[i]), y0 + 15, "middle", NULL,
			     duration__format((uint64_t)llround(tick[i]), buf, sizeof(buf)));
	for (v = 0; v <= s->ymax; v += step) {
		snprintf(buf, sizeof(buf), step < 1 ? "%.1f%%" : "%.0f%%", v);
		text(out, PLOT_X0 - 6, sy(s, v) + 4, "end", NULL, buf);
	}
	fprintf(out, "</g>\n");
	fprintf(out,
		"<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
		"stroke=\"#333333\" stroke-width=\"1\"/>\n",
		PLOT_X0, y1, PLOT_X1 - PLOT_X0, PLOT_BOTTOM - PLOT_TOP);
	text(out, (PLOT_X0 + PLOT_X1) / 2.0, y0 + 34, "middle", "font-size=\"12\"",
	     "latency per call (log scale)");
	fprintf(out,
		"<text x=\"0\" y=\"0\" text-anchor=\"middle\" font-size=\"12\" "
		"transform=\"translate(%d %.1f) rotate(-90)\">share of calls per 1/8 octave</text>\n",
		PLOT_X0 - 50, (y0 + y1) / 2);
}

/* ---- one distribution --------------------------------------------------------------------- */

static void dist_shape(FILE *out, const struct scale *s, const struct svg_dist *d, int k)
{
	uint64_t n = d->hist ? hist__count(d->hist) : 0;
	unsigned int b, first = 0, last = 0;
	double y0 = s->top + PLOT_BOTTOM;

	for (b = s->first ? s->first : 1; n && b <= s->last; b++)
		if (d->hist[b]) {
			if (!first)
				first = b;
			last = b;
		}
	if (!first)
		return;
	fprintf(out,
		"<path fill=\"%s\" fill-opacity=\"0.30\" stroke=\"%s\" stroke-width=\"1.5\" "
		"stroke-linejoin=\"round\" d=\"M%.1f %.1f",
		color[k], color[k], sx(s, (double)hc_hist_lower(first)), y0);
	for (b = first; b <= last; b++) {
		double y = sy(s, d->hist[b] ? density(d->hist, n, b) : 0);

		fprintf(out, " L%.1f %.1f L%.1f %.1f", sx(s, (double)hc_hist_lower(b)), y,
			sx(s, bucket_upper(b)), y);
	}
	fprintf(out, " L%.1f %.1f Z\"/>\n", sx(s, bucket_upper(last)), y0);
}

static void dist_marks(FILE *out, const struct scale *s, const struct svg_dist *d, int k)
{
	static const struct {
		double q;
		const char *name, *dash;
	} mark[] = { { 0.50, "p50", "6 3" }, { 0.99, "p99", "2 3" } };
	uint64_t n = d->hist ? hist__count(d->hist) : 0, v;
	char buf[32], label[64];
	unsigned int i;
	double x;

	if (!n)
		return;
	for (i = 0; i < 2; i++) {
		v = hist__quantile(d->hist, mark[i].q);
		if (d->max_ns && v > d->max_ns)
			v = d->max_ns;
		if (!v)
			continue;
		x = sx(s, (double)v);
		fprintf(out,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"1.5\" stroke-dasharray=\"%s\"/>\n",
			x, s->top + PLOT_TOP - 2 - (k ? 0 : 14), x, s->top + PLOT_BOTTOM, color[k],
			mark[i].dash);
		snprintf(label, sizeof(label), "%s %s", mark[i].name,
			 duration__format(v, buf, sizeof(buf)));
		/* A's labels on the upper row, B's on the lower, both just above the plot */
		text(out, x + 3, s->top + PLOT_TOP - (k ? 4 : 18),
		     x > (PLOT_X0 + PLOT_X1) / 2.0 + 200 ? "end" : "start",
		     k ? "font-size=\"10\" fill=\"#c0600a\"" : "font-size=\"10\" fill=\"#1f5f8b\"",
		     label);
	}
}

/* one row at the panel's top right, outside the plot, where it hides no data */
static void legend(FILE *out, const struct scale *s, const struct svg_panel *p)
{
	const struct svg_dist *d[2] = { &p->a, &p->b };
	double x = PLOT_X1, y = s->top + 20;
	char label[2][64];
	int k;

	/* right to left: p99, p50, B, A; about 6 units a character at font-size 11 */
	fprintf(out,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555555\" "
		"stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>\n",
		x - 42, y - 4, x - 28, y - 4);
	text(out, x, y, "end", "font-size=\"11\"", "p99");
	x -= 54;
	fprintf(out,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555555\" "
		"stroke-width=\"1.5\" stroke-dasharray=\"6 3\"/>\n",
		x - 42, y - 4, x - 28, y - 4);
	text(out, x, y, "end", "font-size=\"11\"", "p50");
	x -= 54;
	for (k = 1; k >= 0; k--) {
		snprintf(label[k], sizeof(label[k]), "%s",
			 d[k]->label ? d[k]->label :
			 k	     ? "B" :
				       "A");
		text(out, x, y, "end", "font-size=\"11\"", label[k]);
		x -= 6.0 * (double)strlen(label[k]) + 5;
		fprintf(out,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"%s\" "
			"fill-opacity=\"0.30\" stroke=\"%s\" stroke-width=\"1.5\"/>\n",
			x - 14, y - 9, color[k], color[k]);
		x -= 30;
	}
}

/* how many calls of each side lie left and right of the axis */
static void cut_off(FILE *out, const struct scale *s, const struct svg_panel *p)
{
	const struct svg_dist *d[2] = { &p->a, &p->b };
	char buf[160], lo[32], hi[32];
	uint64_t below[2] = { 0 }, above[2] = { 0 };
	unsigned int b;
	int k;

	if (!s->last)
		return;
	for (k = 0; k < 2; k++)
		for (b = 0; d[k]->hist && b < HC_HIST_BUCKETS; b++) {
			if (b < s->first)
				below[k] += d[k]->hist[b];
			else if (b > s->last)
				above[k] += d[k]->hist[b];
		}
	duration__format(hc_hist_lower(s->first), lo, sizeof(lo));
	duration__format(hc_hist_upper(s->last), hi, sizeof(hi));
	if (below[0] || below[1]) {
		snprintf(buf, sizeof(buf), "below %s: A %llu, B %llu calls", lo,
			 (unsigned long long)below[0], (unsigned long long)below[1]);
		text(out, PLOT_X0, s->top + PLOT_BOTTOM + 34, "start",
		     "font-size=\"10\" fill=\"#666666\"", buf);
	}
	if (above[0] || above[1]) {
		snprintf(buf, sizeof(buf), "above %s: A %llu, B %llu calls", hi,
			 (unsigned long long)above[0], (unsigned long long)above[1]);
		text(out, PLOT_X1, s->top + PLOT_BOTTOM + 34, "end",
		     "font-size=\"10\" fill=\"#666666\"", buf);
	}
}

static void panel(FILE *out, const struct svg_panel *p, double top)
{
	struct scale s;

	make_scale(p, top, &s);
	text(out, PLOT_X0, top + 20, "start", "font-size=\"14\" font-weight=\"bold\"", p->title);
	if (p->note)
		text(out, PLOT_X0, top + 38, "start", "font-size=\"12\" fill=\"#333333\"", p->note);
	axes(out, &s);
	dist_shape(out, &s, &p->a, 0);
	dist_shape(out, &s, &p->b, 1);
	dist_marks(out, &s, &p->a, 0);
	dist_marks(out, &s, &p->b, 1);
	legend(out, &s, p);
	cut_off(out, &s, p);
}

int svg__compare(FILE *out, const char *title, const struct svg_panel *panels, size_t n)
{
	int h = SVG_HEAD + (int)n * PANEL_H;
	size_t i;

	if (!n)
		return -EINVAL;
	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
		SVG_W, h, SVG_W, h);
	fputs("<title>", out);
	put_text(out, title);
	fputs("</title>\n", out);
	fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	text(out, SVG_W / 2.0, 28, "middle", "font-size=\"16\" font-weight=\"bold\"", title);
	for (i = 0; i < n; i++) {
		fprintf(out, "<g>\n");
		panel(out, &panels[i], SVG_HEAD + (double)i * PANEL_H);
		fprintf(out, "</g>\n");
	}
	fputs("</svg>\n", out);
	return ferror(out) ? -EIO : 0;
}

struct svg_fill {
	const char *title;
	const struct svg_panel *panels;
	size_t n;
};

static int svg_fill(FILE *f, void *ctx)
{
	const struct svg_fill *s = ctx;

	return svg__compare(f, s->title, s->panels, s->n);
}

int svg__write_file(const char *path, const char *title, const struct svg_panel *panels, size_t n)
{
	struct svg_fill s = { title, panels, n };

	return atomic_file__write(path, svg_fill, &s);
}
