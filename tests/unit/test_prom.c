// SPDX-License-Identifier: GPL-2.0
/*
 * user/prom.c against a strict parser of the Prometheus text exposition format 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats), written here from the spec and not
 * from the writer: names, label syntax and escapes, HELP/TYPE once and before the samples,
 * the samples of a family together, no duplicate series, counters named _total, and for a
 * histogram le on every _bucket, bounds ascending, counts cumulative, a +Inf bucket equal
 * to _count, and a _sum. Then the values themselves, and the atomic file replacement.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hist.h"
#include "prom.h"

#define MAX_SAMPLES 4096
#define MAX_LABELS  4

struct sample {
	char name[128];
	int nl;
	char key[MAX_LABELS][32];
	char val[MAX_LABELS][256]; /* unescaped */
	double v;
};

struct family {
	char name[128];
	char type[16];
	int help, typed, closed;
};

struct parsed {
	struct sample s[MAX_SAMPLES];
	int ns;
	struct family f[64];
	int nf;
	char err[256];
};

static int perr(struct parsed *p, int line, const char *msg)
{
	snprintf(p->err, sizeof(p->err), "line %d: %s", line, msg);
	return -1;
}

static const char *name_end(const char *s, int colon)
{
	if (!(isalpha((unsigned char)*s) || *s == '_' || (colon && *s == ':')))
		return NULL;
	for (s++; isalnum((unsigned char)*s) || *s == '_' || (colon && *s == ':'); s++)
		;
	return s;
}

/* the family a sample belongs to: a histogram's _bucket, _sum and _count are its own */
static struct family *family_of(struct parsed *p, const char *name)
{
	static const char *const suffix[] = { "_bucket", "_sum", "_count" };
	size_t n = strlen(name), k;
	int i;

	for (i = 0; i < p->nf; i++) {
		if (!strcmp(p->f[i].name, name) && strcmp(p->f[i].type, "histogram"))
			return &p->f[i];
		for (k = 0; k < 3 && !strcmp(p->f[i].type, "histogram"); k++)
			if (n == strlen(p->f[i].name) + strlen(suffix[k]) &&
			    !strncmp(name, p->f[i].name, strlen(p->f[i].name)) &&
			    !strcmp(name + strlen(p->f[i].name), suffix[k]))
				return &p->f[i];
	}
	return NULL;
}

static struct family *family_get(struct parsed *p, const char *name, int line)
{
	int i;

	for (i = 0; i < p->nf; i++)
		if (!strcmp(p->f[i].name, name)) {
			if (p->f[i].closed) {
				perr(p, line, "metadata of a family after its samples ended");
				return NULL;
			}
			return &p->f[i];
		}
	memset(&p->f[p->nf], 0, sizeof(p->f[0]));
	snprintf(p->f[p->nf].name, sizeof(p->f[0].name), "%s", name);
	return &p->f[p->nf++];
}

static int parse_value(const char *s, double *v)
{
	char *end;

	if (!strcmp(s, "+Inf")) {
		*v = INFINITY;
		return 0;
	}
	if (!strcmp(s, "-Inf")) {
		*v = -INFINITY;
		return 0;
	}
	if (!strcmp(s, "NaN")) {
		*v = NAN;
		return 0;
	}
	if (!*s || isspace((unsigned char)*s))
		return -1;
	*v = strtod(s, &end);
	return *end ? -1 : 0;
}

static int parse_labels(struct parsed *p, int line, const char **sp, struct sample *x)
{
	const char *s = *sp, *e;
	int i;

	s++;
	while (*s != '}') {
		char *o;

		if (x->nl == MAX_LABELS)
			return perr(p, line, "too many labels");
		e = name_end(s, 0);
		if (!e || e - s >= 32)
			return perr(p, line, "bad label name");
		memcpy(x->key[x->nl], s, e - s);
		x->key[x->nl][e - s] = '\0';
		for (i = 0; i < x->nl; i++)
			if (!strcmp(x->key[i], x->key[x->nl]))
				return perr(p, line, "duplicate label");
		s = e;
		if (s[0] != '=' || s[1] != '"')
			return perr(p, line, "expected =\" after a label name");
		s += 2;
		o = x->val[x->nl];
		while (*s != '"') {
			if (!*s || *s == '\n')
				return perr(p, line, "unterminated label value");
			if (*s == '\\') {
				s++;
				if (*s == 'n')
					*o++ = '\n';
				else if (*s == '\\' || *s == '"')
					*o++ = *s;
				else
					return perr(p, line, "bad escape in a label value");
				s++;
				continue;
			}
			*o++ = *s++;
		}
		*o = '\0';
		s++;
		x->nl++;
		if (*s == ',')
			s++;
		else if (*s != '}')
			return perr(p, line, "expected , or } after a label");
	}
	*sp = s + 1;
	return 0;
}

static bool same_series(const struct sample *a, const struct sample *b)
{
	int i;

	if (strcmp(a->name, b->name) || a->nl != b->nl)
		return false;
	for (i = 0; i < a->nl; i++)
		if (strcmp(a->key[i], b->key[i]) || strcmp(a->val[i], b->val[i]))
			return false;
	return true;
}

static const char *label(const struct sample *x, const char *k)
{
	int i;

	for (i = 0; i < x->nl; i++)
		if (!strcmp(x->key[i], k))
			return x->val[i];
	return NULL;
}

static int parse_line(struct parsed *p, int line, const char *s, struct family **cur)
{
	struct sample *x;
	struct family *f;
	const char *e;
	char name[128], word[16];
	int i;

	if (s[0] == '#') {
		if (strncmp(s, "# HELP ", 7) && strncmp(s, "# TYPE ", 7))
			return 0; /* a comment */
		e = name_end(s + 7, 1);
		if (!e || e[0] != ' ' || e - s - 7 >= (int)sizeof(name))
			return perr(p, line, "bad metric name in HELP/TYPE");
		snprintf(name, sizeof(name), "%.*s", (int)(e - s - 7), s + 7);
		f = family_get(p, name, line);
		if (!f)
			return -1;
		if (s[2] == 'H') {
			if (f->help++)
				return perr(p, line, "second HELP");
			for (e++; *e; e++)
				if (*e == '\\' && e[1] != '\\' && e[1] != 'n')
					return perr(p, line, "bad escape in HELP");
				else if (*e == '\\')
					e++;
			return 0;
		}
		if (f->typed++)
			return perr(p, line, "second TYPE");
		snprintf(word, sizeof(word), "%s", e + 1);
		if (strcmp(word, "counter") && strcmp(word, "gauge") && strcmp(word, "histogram") &&
		    strcmp(word, "summary") && strcmp(word, "untyped"))
			return perr(p, line, "unknown TYPE");
		if (!strcmp(word, "counter") &&
		    (strlen(name) < 6 || strcmp(name + strlen(name) - 6, "_total")))
			return perr(p, line, "a counter's name must end in _total");
		strcpy(f->type, word);
		return 0;
	}
	if (p->ns == MAX_SAMPLES)
		return perr(p, line, "too many samples");
	x = &p->s[p->ns];
	memset(x, 0, sizeof(*x));
	e = name_end(s, 1);
	if (!e || e - s >= (int)sizeof(x->name))
		return perr(p, line, "bad metric name");
	memcpy(x->name, s, e - s);
	s = e;
	if (*s == '{' && parse_labels(p, line, &s, x))
		return -1;
	if (*s != ' ')
		return perr(p, line, "expected one space before the value");
	s++;
	e = strchr(s, ' ');
	if (e)
		return perr(p, line, "a timestamp has no place in a textfile");
	if (parse_value(s, &x->v))
		return perr(p, line, "bad value");
	f = family_of(p, x->name);
	if (!f || !f->typed)
		return perr(p, line, "a sample without a TYPE before it");
	if (*cur && *cur != f)
		(*cur)->closed = 1;
	if (f->closed)
		return perr(p, line, "the samples of a family are not together");
	*cur = f;
	if (!strcmp(f->type, "histogram") && strstr(x->name, "_bucket") && !label(x, "le"))
		return perr(p, line, "a _bucket without le");
	for (i = 0; i < p->ns; i++)
		if (same_series(&p->s[i], x))
			return perr(p, line, "duplicate series");
	p->ns++;
	return 0;
}

/* the histogram rules, over the parsed samples of family @f */
static int check_histogram(struct parsed *p, const struct family *f)
{
	char b[160], su[160], co[160];
	int i, j;

	snprintf(b, sizeof(b), "%s_bucket", f->name);
	snprintf(su, sizeof(su), "%s_sum", f->name);
	snprintf(co, sizeof(co), "%s_count", f->name);
	for (i = 0; i < p->ns; i++) {
		const struct sample *c = &p->s[i];
		double last_le = -INFINITY, last = 0, inf = -1, count = -1;
		int sum = 0;

		if (strcmp(c->name, co))
			continue;
		count = c->v;
		/* every series with the same labels but le */
		for (j = 0; j < p->ns; j++) {
			const struct sample *x = &p->s[j];
			bool match = true;
			int k;
			double le;

			for (k = 0; k < c->nl; k++)
				if (!label(x, c->key[k]) || strcmp(label(x, c->key[k]), c->val[k]))
					match = false;
			if (!match)
				continue;
			if (!strcmp(x->name, su))
				sum++;
			if (strcmp(x->name, b))
				continue;
			if (parse_value(label(x, "le"), &le))
				return perr(p, 0, "bad le");
			if (!(le > last_le))
				return perr(p, 0, "le not ascending");
			if (x->v < last)
				return perr(p, 0, "bucket counts not cumulative");
			last_le = le;
			last = x->v;
			if (isinf(le))
				inf = x->v;
		}
		if (inf < 0)
			return perr(p, 0, "no +Inf bucket");
		if (inf != count)
			return perr(p, 0, "+Inf bucket differs from _count");
		if (sum != 1)
			return perr(p, 0, "not exactly one _sum");
	}
	return 0;
}

static int parse(const char *text, struct parsed *p)
{
	struct family *cur = NULL;
	char *copy = strdup(text), *line, *save = NULL;
	int n = 0, i, ret = 0;

	memset(p, 0, sizeof(*p));
	if (!*text || text[strlen(text) - 1] != '\n') {
		free(copy);
		return perr(p, 0, "the last line must end in a line feed");
	}
	for (line = strtok_r(copy, "\n", &save); line && !ret; line = strtok_r(NULL, "\n", &save))
		ret = parse_line(p, ++n, line, &cur);
	if (strstr(text, "\n\n"))
		ret = ret ?: perr(p, 0, "empty line");
	for (i = 0; i < p->nf && !ret; i++)
		if (!strcmp(p->f[i].type, "histogram"))
			ret = check_histogram(p, &p->f[i]);
	free(copy);
	return ret;
}

static const struct sample *find(const struct parsed *p, const char *name, const char *k1,
				 const char *v1, const char *k2, const char *v2)
{
	int i;

	for (i = 0; i < p->ns; i++) {
		const struct sample *x = &p->s[i];

		if (!strcmp(x->name, name) &&
		    (!k1 || (label(x, k1) && !strcmp(label(x, k1), v1))) &&
		    (!k2 || (label(x, k2) && !strcmp(label(x, k2), v2))))
			return x;
	}
	return NULL;
}

static char *format(const struct prom_func *f, size_t n, const struct prom_rollout *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	assert_int_equal(prom__format(m, f, n, r), 0);
	fclose(m);
	return buf;
}

static struct parsed p;

/* the parser itself must refuse what the format forbids */
static void test_parser_is_strict(void **state)
{
	static const char *const bad[] = {
		"x_total 1\n",				  /* no TYPE */
		"# TYPE x_total counter\nx_total 1",	  /* no final line feed */
		"# TYPE x counter\nx 1\n",		  /* counter without _total */
		"# TYPE x gauge\nx{a=\"b} 1\n",		  /* unterminated value */
		"# TYPE x gauge\nx{a=\"\\t\"} 1\n",	  /* bad escape */
		"# TYPE x gauge\nx{a=\"1\",a=\"2\"} 1\n", /* duplicate label */
		"# TYPE x gauge\nx 1\nx 2\n",		  /* duplicate series */
		"# TYPE x gauge\nx  1\n",		  /* two spaces */
		"# TYPE x gauge\nx one\n",		  /* bad value */
		"# TYPE x gauge\n# TYPE x gauge\nx 1\n",  /* second TYPE */
		"# TYPE x gauge\n# TYPE y gauge\nx 1\ny 1\nx{a=\"b\"} 1\n", /* split */
		"# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
		"h_sum 1\nh_count 1\n", /* not cumulative */
		"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",    /* no +Inf */
		"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n", /* != count */
		"# TYPE h histogram\nh_bucket 1\n",				     /* no le */
		"# TYPE x gauge\nx 1 1700000000\n",				     /* timestamp */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!parse(bad[i], &p))
			fail_msg("accepted bad input %zu: %s", i, bad[i]);
	assert_int_equal(parse("# HELP x_total a \\\\ b\n# TYPE x_total counter\n"
			       "x_total{a=\"q\\\"\\n\\\\\"} 1.5e3\n",
			       &p),
			 0);
	assert_string_equal(p.s[0].val[0], "q\"\n\\");
}

static void test_functions(void **state)
{
	static struct hc_snapshot s[2];
	struct prom_func f[2] = {
		{ "user:/srv/app:parse", &s[0] },
		{ "user:/odd \"dir\"\\x\n:f", &s[1] },
	};
	const uint64_t *bounds;
	const struct sample *x;
	size_t nb, i;
	char *text;

	memset(s, 0, sizeof(s));
	s[0].calls = 1000;
	s[0].errors = 7;
	s[0].sum_ns = 1500000123ULL;
	s[0].hist[hc_hist_bucket(500)] = 100;  /* below the first bound, 1.023 us */
	s[0].hist[hc_hist_bucket(1024)] = 400; /* exactly the first edge: the next le */
	s[0].hist[hc_hist_bucket(200000)] = 499;
	s[0].hist[HC_HIST_OVERFLOW] = 1; /* only in +Inf */
	text = format(f, 2, NULL);
	if (parse(text, &p))
		fail_msg("%s\n%s", p.err, text);
	x = find(&p, "hotcanary_function_calls_total", "function", "user:/srv/app:parse", NULL,
		 NULL);
	assert_non_null(x);
	assert_true(x->v == 1000);
	x = find(&p, "hotcanary_function_errors_total", "function", "user:/srv/app:parse", NULL,
		 NULL);
	assert_true(x && x->v == 7);
	/* the label value comes back exactly, escapes and all */
	x = find(&p, "hotcanary_function_calls_total", "function", "user:/odd \"dir\"\\x\n:f", NULL,
		 NULL);
	assert_true(x && x->v == 0);
	x = find(&p, "hotcanary_function_latency_seconds_bucket", "function", "user:/srv/app:parse",
		 "le", "0.000001023");
	assert_true(x && x->v == 100);
	x = find(&p, "hotcanary_function_latency_seconds_bucket", "function", "user:/srv/app:parse",
		 "le", "0.000001279");
	assert_true(x && x->v == 500);
	x = find(&p, "hotcanary_function_latency_seconds_bucket", "function", "user:/srv/app:parse",
		 "le", "+Inf");
	assert_true(x && x->v == 1000);
	x = find(&p, "hotcanary_function_latency_seconds_sum", "function", "user:/srv/app:parse",
		 NULL, NULL);
	assert_true(x && fabs(x->v - 1.500000123) < 1e-12);
	/* every bound is an edge of bpf/hist.h less 1 ns, so each count is exact */
	nb = prom__bucket_bounds(&bounds);
	assert_int_equal(nb, 105);
	for (i = 0; i < nb; i++) {
		assert_int_equal(hc_hist_lower(hc_hist_bucket(bounds[i] + 1)), bounds[i] + 1);
		if (i)
			assert_true(bounds[i] > bounds[i - 1]);
	}
	free(text);
}

static void test_rollout(void **state)
{
	static const char *const states[] = { "baseline", "canary", "committed", "rolled-back" };
	struct prom_rollout r = {
		.name = "cmdline-fix",
		.stage = "canary-10",
		.stage_index = 2,
		.stage_count = 3,
		.state = "canary",
		.states = states,
		.nr_states = 4,
		.decision = "continue",
		.decision_unix_s = 1795694403.25,
	};
	const struct sample *x;
	char *text;

	text = format(NULL, 0, &r);
	if (parse(text, &p))
		fail_msg("%s\n%s", p.err, text);
	x = find(&p, "hotcanary_rollout_stage", "rollout", "cmdline-fix", "stage", "canary-10");
	assert_true(x && x->v == 2);
	x = find(&p, "hotcanary_rollout_stages", "rollout", "cmdline-fix", NULL, NULL);
	assert_true(x && x->v == 3);
	x = find(&p, "hotcanary_rollout_state", "rollout", "cmdline-fix", "state", "canary");
	assert_true(x && x->v == 1);
	x = find(&p, "hotcanary_rollout_state", "rollout", "cmdline-fix", "state", "committed");
	assert_true(x && x->v == 0);
	x = find(&p, "hotcanary_rollout_last_decision", "rollout", "cmdline-fix", "decision",
		 "continue");
	assert_true(x && x->v == 1);
	x = find(&p, "hotcanary_rollout_last_decision_timestamp_seconds", NULL, NULL, NULL, NULL);
	assert_true(x && x->v == 1795694403.25);
	free(text);
	/* no list of states, no decision yet: the current state alone, no decision series */
	r.states = NULL;
	r.decision = NULL;
	r.stage = NULL;
	r.stage_index = 0;
	text = format(NULL, 0, &r);
	if (parse(text, &p))
		fail_msg("%s\n%s", p.err, text);
	assert_non_null(find(&p, "hotcanary_rollout_state", "state", "canary", NULL, NULL));
	assert_null(find(&p, "hotcanary_rollout_last_decision", NULL, NULL, NULL, NULL));
	free(text);
	r.name = NULL;
	assert_int_equal(prom__format(stdout, NULL, 0, &r), -EINVAL);
}

/* replaced whole, readable by the collector's user, no temporary file left behind */
static void test_write_file(void **state)
{
	static struct hc_snapshot s;
	struct prom_func f = { "user:/a:b", &s };
	char dir[] = "/tmp/hc-test-prom.XXXXXX", path[64], buf[65536];
	struct dirent *de;
	struct stat st;
	size_t n;
	FILE *in;
	DIR *d;
	int files = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hotcanary.prom", dir);
	s.calls = 5;
	assert_int_equal(prom__write_file(path, &f, 1, NULL), 0);
	s.calls = 6;
	assert_int_equal(prom__write_file(path, &f, 1, NULL), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	in = fopen(path, "r");
	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf) - 1, in);
	fclose(in);
	buf[n] = '\0';
	assert_int_equal(parse(buf, &p), 0);
	assert_true(find(&p, "hotcanary_function_calls_total", NULL, NULL, NULL, NULL)->v == 6);
	d = opendir(dir);
	while ((de = readdir(d)))
		files += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	assert_int_equal(files, 1);
	unlink(path);
	rmdir(dir);
	assert_int_equal(prom__write_file("/nonexistent/dir/x.prom", &f, 1, NULL), -ENOENT);
}

/* "test_prom FILE": the strict parser alone on FILE, for the host test without promtool */
static int check_file(const char *path)
{
	static char buf[1 << 20];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (parse(buf, &p)) {
		fprintf(stderr, "%s: %s\n", path, p.err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parser_is_strict),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_rollout),
		cmocka_unit_test(test_write_file),
	};

	if (argc > 1)
		return check_file(argv[1]);
	return cmocka_run_group_tests_name("prom", tests, NULL, NULL);
}
