// SPDX-License-Identifier: GPL-2.0
/*
 * user/svg.c: the picture is well-formed XML (checked by a small strict checker here: tags
 * nest and close, attributes are quoted and unique, text and attribute values hold only the
 * five predefined entities, no control characters), every number is finite, both
 * distributions and their p50 and p99 marks are drawn, and hostile labels are escaped.
 * tests/host/run.sh renders it with rsvg-convert and checks the pixels.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "hist.h"
#include "svg.h"

static char err[256];

static bool bad(const char *what, const char *at)
{
	snprintf(err, sizeof(err), "%s at '%.40s'", what, at);
	return false;
}

/* an entity reference at @s: one of the five, or a numeric one */
static const char *entity(const char *s)
{
	static const char *const ok[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	size_t i;

	for (i = 0; i < 5; i++)
		if (!strncmp(s, ok[i], strlen(ok[i])))
			return s + strlen(ok[i]);
	if (s[1] == '#') {
		for (s += 2; isalnum((unsigned char)*s); s++)
			;
		return *s == ';' ? s + 1 : NULL;
	}
	return NULL;
}

static bool chardata(const char *s, const char *end, bool attr)
{
	while (s < end) {
		if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t' && *s != '\r')
			return bad("control character", s);
		if (*s == '<' || (attr && *s == '"'))
			return bad("unescaped < or \"", s);
		if (*s == '&') {
			s = entity(s);
			if (!s)
				return bad("bad entity", end);
			continue;
		}
		s++;
	}
	return true;
}

static const char *xml_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return NULL;
	while (isalnum((unsigned char)*s) || strchr("_-.:", *s))
		s++;
	return s;
}

static bool well_formed(const char *doc)
{
	char stack[64][32], attrs[32][32];
	const char *s = doc, *e;
	int depth = 0, roots = 0, na, i;

	if (strncmp(s, "<?xml ", 6))
		return bad("no XML declaration", s);
	s = strstr(s, "?>");
	if (!s)
		return bad("unterminated declaration", doc);
	s += 2;
	while (*s) {
		if (*s != '<') {
			e = strchr(s, '<');
			if (!e)
				e = s + strlen(s);
			if (!depth) {
				for (; s < e; s++)
					if (!isspace((unsigned char)*s))
						return bad("text outside the root", s);
				continue;
			}
			if (!chardata(s, e, false))
				return false;
			s = e;
			continue;
		}
		if (s[1] == '/') {
			e = xml_name(s + 2);
			if (!e || *e != '>' || !depth)
				return bad("bad end tag", s);
			if ((size_t)(e - s - 2) != strlen(stack[depth - 1]) ||
			    strncmp(s + 2, stack[depth - 1], e - s - 2))
				return bad("end tag does not match", s);
			depth--;
			s = e + 1;
			continue;
		}
		e = xml_name(s + 1);
		if (!e || e - s - 1 >= 32)
			return bad("bad tag name", s);
		if (!depth && roots++)
			return bad("a second root element", s);
		snprintf(stack[depth], 32, "%.*s", (int)(e - s - 1), s + 1);
		s = e;
		na = 0;
		for (;;) {
			const char *n = s, *v;

			while (isspace((unsigned char)*s))
				s++;
			if (*s == '>' || (s[0] == '/' && s[1] == '>'))
				break;
			if (s == n)
				return bad("no space before an attribute", s);
			e = xml_name(s);
			if (!e || e[0] != '=' || e[1] != '"' || e - s >= 32)
				return bad("bad attribute", s);
			snprintf(attrs[na], 32, "%.*s", (int)(e - s), s);
			for (i = 0; i < na; i++)
				if (!strcmp(attrs[i], attrs[na]))
					return bad("duplicate attribute", s);
			if (++na == 32)
				return bad("too many attributes", s);
			v = e + 2;
			e = strchr(v, '"');
			if (!e || !chardata(v, e, true))
				return e ? false : bad("unterminated attribute", v);
			s = e + 1;
		}
		if (*s == '/') {
			s += 2;
			continue;
		}
		if (++depth == 64)
			return bad("nested too deep", s);
		s++;
	}
	if (depth || roots != 1)
		return bad("unclosed elements or no root", s);
	return true;
}

static char *draw(const char *title, const struct svg_panel *p, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	assert_int_equal(svg__compare(m, title, p, n), 0);
	fclose(m);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

static uint64_t ha[HC_HIST_BUCKETS], hb[HC_HIST_BUCKETS];

static void test_well_formed(void **state)
{
	struct svg_panel p[2] = {
		{ .title = "user:/srv/a<b>&\"c\":parse",
		  .note = "B vs A: p50 +20.0% 'quoted' \x01",
		  .a = { "A before.json", ha, 0 },
		  .b = { "B <after>.json", hb, 0 } },
		{ .title = "kernel:vfs_read", .a = { "A", ha, 0 }, .b = { "B", NULL, 0 } },
	};
	char *svg;

	memset(ha, 0, sizeof(ha));
	memset(hb, 0, sizeof(hb));
	ha[hc_hist_bucket(200000)] = 5000;
	ha[hc_hist_bucket(230000)] = 4000;
	ha[hc_hist_bucket(1000000)] = 3; /* beyond 1.5 times p99 */
	hb[hc_hist_bucket(240000)] = 7000;
	hb[hc_hist_bucket(280000)] = 2000;
	hb[0] = 3;		  /* 0 ns: no place on a log axis */
	hb[HC_HIST_OVERFLOW] = 1; /* no upper edge */
	svg = draw("A & B", p, 2);
	if (!well_formed(svg))
		fail_msg("%s\n%s", err, svg);
	assert_null(strstr(svg, "nan"));
	assert_null(strstr(svg, "inf"));
	assert_non_null(strstr(svg, "user:/srv/a&lt;b&gt;&amp;&quot;c&quot;:parse"));
	assert_non_null(strstr(svg, "B &lt;after&gt;.json"));
	/* the control character is dropped, the quote escaped */
	assert_non_null(strstr(svg, "&apos;quoted&apos; </text>"));
	/* two distributions in the first panel and one in the second, each a filled path */
	assert_int_equal(count(svg, "<path "), 3);
	/* p50 and p99 of each drawn distribution */
	assert_int_equal(count(svg, ">p50 "), 3);
	assert_int_equal(count(svg, ">p99 "), 3);
	assert_non_null(strstr(svg, "latency per call (log scale)"));
	/* the calls beyond 1.5 times p99 are counted, not silently dropped */
	assert_non_null(strstr(svg, "above"));
	free(svg);
}

static void test_degenerate(void **state)
{
	struct svg_panel p = { .title = "t", .a = { "A", ha, 0 }, .b = { "B", hb, 0 } };
	char *svg;

	/* nothing at all, and a single bucket: still a picture, still finite */
	memset(ha, 0, sizeof(ha));
	memset(hb, 0, sizeof(hb));
	svg = draw("empty", &p, 1);
	assert_true(well_formed(svg));
	assert_null(strstr(svg, "nan"));
	assert_int_equal(count(svg, "<path "), 0);
	free(svg);
	ha[hc_hist_bucket(5)] = 10;
	svg = draw("one", &p, 1);
	assert_true(well_formed(svg));
	assert_null(strstr(svg, "nan"));
	assert_null(strstr(svg, "inf"));
	assert_int_equal(count(svg, "<path "), 1);
	free(svg);
	assert_int_equal(svg__compare(stdout, "x", &p, 0), -EINVAL);
}

/* the checker itself refuses what XML forbids */
static void test_checker(void **state)
{
	assert_true(well_formed("<?xml version=\"1.0\"?>\n<a x=\"1\"><b/>t &amp; u</a>\n"));
	assert_false(well_formed("<?xml version=\"1.0\"?><a><b></a></b>"));
	assert_false(well_formed("<?xml version=\"1.0\"?><a>x & y</a>"));
	assert_false(well_formed("<?xml version=\"1.0\"?><a x=\"1\" x=\"2\"/>"));
	assert_false(well_formed("<?xml version=\"1.0\"?><a x=1/>"));
	assert_false(well_formed("<?xml version=\"1.0\"?><a/><b/>"));
	assert_false(well_formed("<?xml version=\"1.0\"?><a>"));
	assert_false(well_formed("<?xml version=\"1.0\"?><a>\x02</a>"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker),
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_degenerate),
	};

	return cmocka_run_group_tests_name("svg", tests, NULL, NULL);
}
