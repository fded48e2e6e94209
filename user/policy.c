// SPDX-License-Identifier: GPL-2.0
/*
 * Policy files. libyaml's document API gives the node tree with the position of every node;
 * a table of fields per mapping drives the checks, so that unknown, duplicate, missing and
 * wrongly typed keys are handled the same way everywhere. The first error stops the parse.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>
#include "input.h"
#include "policy.h"
#include "units.h"

/*
 * The patch types a key applies to, one bit per enum hc_patch_type. A type test outside the
 * drivers (user/patch/), on purpose: the schema is checked before any driver exists, so that
 * a policy is refused with the file, line and key, whatever its type.
 */
#define T_KLP		(1u << HC_PATCH_KLP)
#define T_EXEC		(1u << HC_PATCH_EXEC)
#define T_ULP		(1u << HC_PATCH_ULP)
#define T_ALL		(T_KLP | T_EXEC | T_ULP)

#define KEY_LEN		sizeof(((struct policy_err *)0)->key)
#define MAX_FIELDS	16

#define WHAT_DURATION	"a duration > 0 with a unit ms, s, m or h, e.g. 500ms, 30s, 2m"
#define WHAT_NAME	"a name of 1 to 64 characters from [a-z0-9-], not starting with '-'"
#define WHAT_RATIO	"a ratio > 1.0, e.g. 1.25"
#define WHAT_SYMBOL	"a symbol name (letters, digits, '_', '.', '$', '@'), e.g. parse_request"

struct ctx {
	yaml_document_t *doc;
	struct hc_policy *pol;
	struct policy_err *err;
	unsigned int type;	/* T_* of the patch type; T_ALL while it is not known */
};

typedef int (*parse_fn)(struct ctx *c, yaml_node_t *node, const char *path, void *dst);

struct field {
	const char *key;
	unsigned int types;	/* the patch types that take this key */
	unsigned int required;	/* the patch types that need it */
	parse_fn parse;
	size_t off;		/* of the destination, in the struct given to walk_mapping() */
	const char *what;	/* for "missing required key" */
};

/* the key and value nodes of each field met in a mapping, by field index */
struct seen {
	yaml_node_t *key[MAX_FIELDS];
	yaml_node_t *value[MAX_FIELDS];
};

static const char *const type_names[] = {
	[HC_PATCH_KLP] = "klp", [HC_PATCH_EXEC] = "exec", [HC_PATCH_ULP] = "ulp",
};
static const char *const err_mode_names[] = {
	[HC_ERR_NONE] = "none", [HC_ERR_NEG] = "neg",
	[HC_ERR_ZERO] = "zero", [HC_ERR_NONZERO] = "nonzero",
};
static const char *const consistency_names[] = {
	[HC_CONSISTENCY_STRICT] = "strict", [HC_CONSISTENCY_RELAXED] = "relaxed",
};
static const char *const ab_end_names[] = {
	[HC_AB_END_REMOVED] = "removed", [HC_AB_END_APPLIED] = "applied",
};
static const char *const inconclusive_names[] = {
	[HC_INCONCLUSIVE_EXTEND] = "extend", [HC_INCONCLUSIVE_ROLLBACK] = "rollback",
	[HC_INCONCLUSIVE_COMMIT] = "commit",
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- errors ------------------------------------------------------------------------------ */

static void err_set(struct policy_err *err, const yaml_mark_t *mark, const char *path,
		    const char *fmt, va_list ap)
{
	err->line = mark ? (int)mark->line + 1 : 0;
	err->column = mark ? (int)mark->column + 1 : 0;
	snprintf(err->key, sizeof(err->key), "%s", path ? path : "");
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

__attribute__((format(printf, 4, 5)))
static int fail(struct ctx *c, const yaml_node_t *node, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_set(c->err, &node->start_mark, path, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

__attribute__((format(printf, 4, 5)))
static int fail_mark(struct policy_err *err, const yaml_mark_t *mark, const char *path,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_set(err, mark, path, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_plain(const yaml_node_t *node)
{
	return node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* an empty value, "~" or "null", unquoted: YAML's null */
static bool is_null(const yaml_node_t *node)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (node->type != YAML_SCALAR_NODE || !is_plain(node))
		return false;
	for (i = 0; i < ARRAY_SIZE(nulls); i++)
		if (!strcmp((const char *)node->data.scalar.value, nulls[i]))
			return true;
	return false;
}

/* what a node is, for "expected X, got Y" */
static const char *describe(const yaml_node_t *node, char *buf, size_t len)
{
	const char *s;
	size_t n;

	switch (node->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		break;
	default:
		return "nothing";
	}
	if (is_null(node))
		return "nothing (null)";
	s = (const char *)node->data.scalar.value;
	n = strlen(s);
	if (is_plain(node))
		snprintf(buf, len, "'%.40s%s'", s, n > 40 ? "..." : "");
	else
		snprintf(buf, len, "the quoted string \"%.40s%s\"", s, n > 40 ? "..." : "");
	return buf;
}

static int fail_expected(struct ctx *c, const yaml_node_t *node, const char *path,
			 const char *what)
{
	char buf[96];

	return fail(c, node, path, "expected %s, got %s", what, describe(node, buf, sizeof(buf)));
}

/* ---- scalars ----------------------------------------------------------------------------- */

static yaml_node_t *node_at(struct ctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

/* a non-null scalar's text, with no NUL inside */
static int take_scalar(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
		       const char **out)
{
	if (node->type != YAML_SCALAR_NODE || is_null(node))
		return fail_expected(c, node, path, what);
	if (strlen((const char *)node->data.scalar.value) != node->data.scalar.length)
		return fail(c, node, path, "expected %s, got a string with a NUL character", what);
	*out = (const char *)node->data.scalar.value;
	return 0;
}

static int take_string(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
		       char **out)
{
	const char *s;
	int ret;

	ret = take_scalar(c, node, path, what, &s);
	if (ret)
		return ret;
	if (!*s)
		return fail(c, node, path, "expected %s, got an empty string", what);
	free(*out);
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static int take_choice(struct ctx *c, yaml_node_t *node, const char *path,
		       const char *const *names, size_t nr, int *out)
{
	char what[96] = "one of ";
	const char *s;
	size_t i;

	for (i = 0; i < nr; i++) {
		if (i)
			strncat(what, " | ", sizeof(what) - strlen(what) - 1);
		strncat(what, names[i], sizeof(what) - strlen(what) - 1);
	}
	if (node->type == YAML_SCALAR_NODE && !is_null(node)) {
		s = (const char *)node->data.scalar.value;
		for (i = 0; i < nr; i++) {
			if (!strcmp(s, names[i])) {
				*out = (int)i;
				return 0;
			}
		}
	}
	return fail_expected(c, node, path, what);
}

/* YAML 1.2 core schema floats, without .inf and .nan: [-+]?(.D+|D+(.D*)?)([eE][-+]?D+)? */
static bool float_syntax(const char *s)
{
	bool digits = false;

	if (*s == '-' || *s == '+')
		s++;
	while (isdigit((unsigned char)*s)) {
		s++;
		digits = true;
	}
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			s++;
			digits = true;
		}
	}
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return !*s;
}

static bool int_syntax(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	return !*s;
}

/* a number: a plain scalar, as a quoted one is a string */
static int take_number(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
		       double *out)
{
	const char *s;
	double v;

	if (node->type == YAML_SCALAR_NODE && !is_plain(node))
		return fail(c, node, path, "expected %s, got the quoted string \"%.40s\" "
			    "(write numbers without quotes)", what,
			    (const char *)node->data.scalar.value);
	if (node->type != YAML_SCALAR_NODE || is_null(node))
		return fail_expected(c, node, path, what);
	s = (const char *)node->data.scalar.value;
	if (!float_syntax(s))
		return fail_expected(c, node, path, what);
	errno = 0;
	v = strtod(s, NULL);
	if (errno || !isfinite(v))
		return fail_expected(c, node, path, what);
	*out = v;
	return 0;
}

/* an integer from @min to @max: a plain scalar of digits */
static int take_integer(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
			long long min, long long max, long long *out)
{
	const char *s;
	long long v;

	if (node->type == YAML_SCALAR_NODE && !is_plain(node))
		return fail(c, node, path, "expected %s, got the quoted string \"%.40s\" "
			    "(write numbers without quotes)", what,
			    (const char *)node->data.scalar.value);
	if (node->type != YAML_SCALAR_NODE || is_null(node))
		return fail_expected(c, node, path, what);
	s = (const char *)node->data.scalar.value;
	if (!int_syntax(s))
		return fail_expected(c, node, path, what);
	errno = 0;
	v = strtoll(s, NULL, 10);
	if (errno || v < min || v > max)
		return fail_expected(c, node, path, what);
	*out = v;
	return 0;
}

static int hex_value(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* @s as hex digits into at most @max bytes; the number of bytes, or -1 */
static int hex_decode(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s), i;
	int hi, lo;

	if (!n || n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		hi = hex_value((unsigned char)s[2 * i]);
		lo = hex_value((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n > HC_POLICY_NAME_MAX || s[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool symbol_ok(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.$@", *s))
			return false;
	return true;
}

/* ---- value parsers, one per kind of key -------------------------------------------------- */

static int parse_name(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	const char *s;
	int ret;

	ret = take_scalar(c, node, path, WHAT_NAME, &s);
	if (ret)
		return ret;
	if (!name_ok(s))
		return fail_expected(c, node, path, WHAT_NAME);
	return take_string(c, node, path, WHAT_NAME, dst);
}

static int parse_path(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	return take_string(c, node, path, "a file path", dst);
}

static int parse_symbol(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	const char *s;
	int ret;

	ret = take_scalar(c, node, path, WHAT_SYMBOL, &s);
	if (ret)
		return ret;
	if (!symbol_ok(s))
		return fail_expected(c, node, path, WHAT_SYMBOL);
	return take_string(c, node, path, WHAT_SYMBOL, dst);
}

static int parse_duration(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	const char *s, *p;
	uint64_t ns;
	int ret;

	ret = take_scalar(c, node, path, WHAT_DURATION, &s);
	if (ret)
		return ret;
	/* digits, an optional fraction, a unit: no exponent, hex or blanks for strtod to take */
	for (p = s; isdigit((unsigned char)*p); p++)
		;
	if (p > s && *p == '.' && isdigit((unsigned char)p[1]))
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (p == s || (strcmp(p, "ms") && strcmp(p, "s") && strcmp(p, "m") && strcmp(p, "h")))
		return fail_expected(c, node, path, WHAT_DURATION);
	ret = duration__parse(s, &ns);
	if (ret == -ERANGE)
		return fail(c, node, path, "expected %s, got '%s', which is too long",
			    WHAT_DURATION, s);
	if (ret || !ns)
		return fail_expected(c, node, path, WHAT_DURATION);
	*(uint64_t *)dst = ns;
	return 0;
}

static int parse_bool(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char *const yaml11[] = { "yes", "no", "on", "off", "y", "n" };
	const char *s;
	size_t i;

	if (node->type == YAML_SCALAR_NODE && is_plain(node)) {
		s = (const char *)node->data.scalar.value;
		if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
			*(bool *)dst = true;
			return 0;
		}
		if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
			*(bool *)dst = false;
			return 0;
		}
		for (i = 0; i < ARRAY_SIZE(yaml11); i++)
			if (!strcasecmp(s, yaml11[i]))
				return fail(c, node, path, "expected true or false, got '%s' "
					    "(YAML 1.1 yes/no/on/off are not accepted)", s);
	}
	return fail_expected(c, node, path, "true or false");
}

static int parse_ratio_gt1(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	double v;
	int ret;

	ret = take_number(c, node, path, WHAT_RATIO, &v);
	if (ret)
		return ret;
	if (!(v > 1.0))
		return fail_expected(c, node, path, WHAT_RATIO);
	*(double *)dst = v;
	return 0;
}

static int parse_alpha(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a probability in (0, 0.5], e.g. 0.01";
	double v;
	int ret;

	ret = take_number(c, node, path, what, &v);
	if (ret)
		return ret;
	if (!(v > 0.0 && v <= 0.5))
		return fail_expected(c, node, path, what);
	*(double *)dst = v;
	return 0;
}

static int parse_min_call_ratio(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a ratio from 0 to 1, e.g. 0.1 (0 turns the check off)";
	double v;
	int ret;

	ret = take_number(c, node, path, what, &v);
	if (ret)
		return ret;
	if (!(v >= 0.0 && v <= 1.0))
		return fail_expected(c, node, path, what);
	*(double *)dst = v == 0.0 ? 0.0 : v;	/* no -0 */
	return 0;
}

static int parse_min_calls(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	long long v;
	int ret;

	ret = take_integer(c, node, path, "an integer >= 1, e.g. 200", 1, LLONG_MAX, &v);
	if (ret)
		return ret;
	*(uint64_t *)dst = (uint64_t)v;
	return 0;
}

/* one parser per enum: the index of the choice in its name table is the enum value */
#define DEFINE_CHOICE_PARSER(fn, names, type)						\
static int fn(struct ctx *c, yaml_node_t *node, const char *path, void *dst)		\
{											\
	int v, ret;									\
											\
	ret = take_choice(c, node, path, names, ARRAY_SIZE(names), &v);			\
	if (ret)									\
		return ret;								\
	*(type *)dst = v;								\
	return 0;									\
}

DEFINE_CHOICE_PARSER(parse_type, type_names, enum hc_patch_type)
DEFINE_CHOICE_PARSER(parse_errors, err_mode_names, enum hc_err_mode)
DEFINE_CHOICE_PARSER(parse_consistency, consistency_names, enum hc_consistency)
DEFINE_CHOICE_PARSER(parse_inconclusive, inconclusive_names, enum hc_inconclusive)
DEFINE_CHOICE_PARSER(parse_ab_end, ab_end_names, enum hc_ab_end)

static int parse_sha256(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a sha256 digest of 64 hex digits, as sha256sum prints it";
	const char *s;
	int ret;

	ret = take_scalar(c, node, path, what, &s);
	if (ret)
		return ret;
	if (strlen(s) != 64 || hex_decode(s, c->pol->patch.sha256, 32) != 32)
		return fail_expected(c, node, path, what);
	c->pol->patch.has_sha256 = true;
	return 0;
}

static int parse_build_id(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a GNU build-id in hex, an even number of digits up to 128 "
				   "(readelf -n TARGET)";
	const char *s;
	int ret, n;

	ret = take_scalar(c, node, path, what, &s);
	if (ret)
		return ret;
	n = hex_decode(s, c->pol->patch.ulp.build_id, sizeof(c->pol->patch.ulp.build_id));
	if (n < 0)
		return fail_expected(c, node, path, what);
	c->pol->patch.ulp.build_id_len = (size_t)n;
	return 0;
}

static int parse_funcspec(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	struct hc_funcspec *spec = dst;
	char reason[160];
	const char *s;
	int ret;

	ret = take_scalar(c, node, path, "a FUNC spec, kernel:NAME[@PID] or user:PATH:SYMBOL[@PID]",
			  &s);
	if (ret)
		return ret;
	funcspec__free(spec);
	reason[0] = '\0';
	ret = funcspec__parse(s, spec, reason, sizeof(reason));
	if (ret == -EINVAL)
		return fail(c, node, path, "bad FUNC '%.60s': %s", s, reason);
	return ret;
}

/* a count of processes, or a percent of the matched ones */
static int parse_targets(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a count of processes >= 1 or a whole percent from 1% to "
				   "100%, e.g. 1 or 50%";
	struct hc_policy_stage *st = dst;
	const char *s;
	char *end;
	long v;
	int ret;

	ret = take_scalar(c, node, path, what, &s);
	if (ret)
		return ret;
	if (!isdigit((unsigned char)*s))
		return fail_expected(c, node, path, what);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno)
		return fail_expected(c, node, path, what);
	if (!strcmp(end, "%")) {
		if (v < 1 || v > 100)
			return fail_expected(c, node, path, what);
		st->targets_kind = HC_TARGETS_PERCENT;
	} else {
		if (*end || v < 1 || v > INT_MAX)
			return fail_expected(c, node, path, what);
		st->targets_kind = HC_TARGETS_COUNT;
	}
	st->targets = (unsigned int)v;
	return 0;
}

/* ---- mappings ---------------------------------------------------------------------------- */

/* append @s to the key path in @buf, cut at KEY_LEN */
static void path_cat(char *buf, const char *s)
{
	size_t n = strlen(buf), m = strlen(s);

	if (m > KEY_LEN - 1 - n)
		m = KEY_LEN - 1 - n;
	memcpy(buf + n, s, m);
	buf[n + m] = '\0';
}

static void path_key(char *buf, const char *path, const char *key)
{
	buf[0] = '\0';
	path_cat(buf, path);
	if (*path)
		path_cat(buf, ".");
	path_cat(buf, key);
}

static void path_index(char *buf, const char *path, size_t i)
{
	snprintf(buf, KEY_LEN, "%s[%zu]", path, i);
}

static void types_text(unsigned int types, char *buf, size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(type_names); i++) {
		if (!(types & (1u << i)))
			continue;
		if (buf[0])
			strncat(buf, " and ", len - strlen(buf) - 1);
		strncat(buf, type_names[i], len - strlen(buf) - 1);
	}
}

/* the keys of @f that this patch type takes */
static void allowed_text(struct ctx *c, const struct field *f, size_t nf, char *buf, size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < nf; i++) {
		if (!(f[i].types & c->type))
			continue;
		if (buf[0])
			strncat(buf, ", ", len - strlen(buf) - 1);
		strncat(buf, f[i].key, len - strlen(buf) - 1);
	}
}

static const char *type_text(struct ctx *c)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(type_names); i++)
		if (c->type == 1u << i)
			return type_names[i];
	return "?";
}

static int field_index(const struct field *f, size_t nf, const char *key)
{
	size_t i;

	for (i = 0; i < nf; i++)
		if (!strcmp(f[i].key, key))
			return (int)i;
	return -1;
}

/*
 * Check the mapping @node against @f and parse each value into @base + off. Unknown keys,
 * keys of another patch type, duplicates and missing required keys are errors. @seen, if
 * given, gets the nodes met.
 */
static int walk_mapping(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
			const struct field *f, size_t nf, void *base, struct seen *seen)
{
	char child[KEY_LEN], allowed[256], types[32];
	yaml_node_pair_t *pair;
	yaml_node_t *k, *v;
	struct seen local;
	const char *key;
	int i, ret;

	if (!seen)
		seen = &local;
	memset(seen, 0, sizeof(*seen));
	if (node->type != YAML_MAPPING_NODE)
		return fail_expected(c, node, path, what);
	allowed_text(c, f, nf, allowed, sizeof(allowed));
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		k = node_at(c, pair->key);
		v = node_at(c, pair->value);
		if (k->type != YAML_SCALAR_NODE)
			return fail(c, k, path, "expected a key name, got %s; allowed: %s",
				    k->type == YAML_MAPPING_NODE ? "a mapping" : "a list", allowed);
		key = (const char *)k->data.scalar.value;
		path_key(child, path, key);
		i = field_index(f, nf, key);
		if (i < 0)
			return fail(c, k, child, "unknown key '%.40s'; allowed: %s", key, allowed);
		if (!(f[i].types & c->type)) {
			types_text(f[i].types, types, sizeof(types));
			return fail(c, k, child,
				    "'%s' is for patch type %s only, not %s; allowed: %s",
				    key, types, type_text(c), allowed);
		}
		if (seen->key[i])
			return fail(c, k, child,
				    "duplicate key '%s' (first at line %zu, column %zu)",
				    key, seen->key[i]->start_mark.line + 1,
				    seen->key[i]->start_mark.column + 1);
		seen->key[i] = k;
		seen->value[i] = v;
		ret = f[i].parse(c, v, child, (char *)base + f[i].off);
		if (ret)
			return ret;
	}
	for (i = 0; i < (int)nf; i++) {
		if (seen->key[i] || (f[i].required & c->type) != c->type)
			continue;
		path_key(child, path, f[i].key);
		if (f[i].what)
			return fail(c, node, child, "missing required key '%s' (%s)", f[i].key,
				    f[i].what);
		return fail(c, node, child, "missing required key '%s'", f[i].key);
	}
	return 0;
}

#define FIELD(k, t, r, fn, o, w)	{ .key = k, .types = t, .required = r, .parse = fn, \
					  .off = o, .what = w }
#define P(member)			offsetof(struct hc_policy, member)

/* ---- lists ------------------------------------------------------------------------------- */

static int check_list(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
		      bool nonempty, size_t *nr)
{
	if (node->type != YAML_SEQUENCE_NODE)
		return fail_expected(c, node, path, what);
	*nr = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	if (nonempty && !*nr)
		return fail(c, node, path, "expected %s, got an empty list", what);
	return 0;
}

static yaml_node_t *list_item(struct ctx *c, yaml_node_t *node, size_t i)
{
	return node_at(c, node->data.sequence.items.start[i]);
}

/* an argv list of strings, NULL-terminated */
static int take_argv(struct ctx *c, yaml_node_t *node, const char *path, char ***argv,
		     size_t *nr)
{
	static const char what[] = "an argv list of strings, e.g. [kpatch, load, /path/fix.ko]";
	char child[KEY_LEN];
	yaml_node_t *item;
	const char *s;
	size_t n, i;
	int ret;

	ret = check_list(c, node, path, what, true, &n);
	if (ret)
		return ret;
	*argv = calloc(n + 1, sizeof(**argv));
	if (!*argv)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		item = list_item(c, node, i);
		path_index(child, path, i);
		ret = take_scalar(c, item, child, "a string", &s);
		if (ret)
			return ret;
		if (!i && !*s)
			return fail(c, item, child,
				    "expected the program to run, got an empty string");
		(*argv)[i] = strdup(s);
		if (!(*argv)[i])
			return -ENOMEM;
		*nr = i + 1;
	}
	return 0;
}

static int parse_apply(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	return take_argv(c, node, path, &c->pol->patch.exec.apply, &c->pol->patch.exec.nr_apply);
}

static int parse_revert(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	return take_argv(c, node, path, &c->pol->patch.exec.revert,
			 &c->pol->patch.exec.nr_revert);
}

static const struct field function_fields[] = {
	FIELD("old", T_ULP, T_ULP, parse_symbol, offsetof(struct hc_policy_func, old_sym),
	      "the function in the target"),
	FIELD("new", T_ULP, T_ULP, parse_symbol, offsetof(struct hc_policy_func, new_sym),
	      "its replacement in the library"),
	FIELD("errors", T_ULP, 0, parse_errors, offsetof(struct hc_policy_func, errors), NULL),
};

static int parse_functions(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a list of {old: SYMBOL, new: SYMBOL}";
	struct hc_policy *pol = c->pol;
	char child[KEY_LEN], key[KEY_LEN];
	struct hc_policy_func *fn;
	struct seen seen;
	size_t n, i, j;
	int ret;

	ret = check_list(c, node, path, what, true, &n);
	if (ret)
		return ret;
	pol->patch.ulp.functions = calloc(n, sizeof(*fn));
	if (!pol->patch.ulp.functions)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		fn = &pol->patch.ulp.functions[i];
		fn->errors = HC_ERR_NEG;
		pol->patch.ulp.nr_functions = i + 1;
		path_index(child, path, i);
		ret = walk_mapping(c, list_item(c, node, i), child, "a mapping {old, new}",
				   function_fields, ARRAY_SIZE(function_fields), fn, &seen);
		if (ret)
			return ret;
		for (j = 0; j < i; j++) {
			/* old is required only once the type is known to be ulp */
			if (!fn->old_sym || !pol->patch.ulp.functions[j].old_sym ||
			    strcmp(pol->patch.ulp.functions[j].old_sym, fn->old_sym))
				continue;
			path_key(key, child, "old");
			return fail(c, seen.value[0], key, "'%s' is already redirected by "
				    "%s[%zu]; each old function once", fn->old_sym, path, j);
		}
	}
	return 0;
}

static int parse_pids(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a list of process ids, e.g. [1234, 1235]";
	struct hc_policy *pol = c->pol;
	char child[KEY_LEN];
	yaml_node_t *item;
	long long v;
	size_t n, i, j;
	int ret;

	ret = check_list(c, node, path, what, true, &n);
	if (ret)
		return ret;
	pol->processes.pids = calloc(n, sizeof(pid_t));
	if (!pol->processes.pids)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		item = list_item(c, node, i);
		path_index(child, path, i);
		ret = take_integer(c, item, child, "a process id >= 1", 1, INT_MAX, &v);
		if (ret)
			return ret;
		for (j = 0; j < i; j++)
			if (pol->processes.pids[j] == (pid_t)v)
				return fail(c, item, child, "PID %lld is already listed as %s[%zu]",
					    v, path, j);
		pol->processes.pids[i] = (pid_t)v;
		pol->processes.nr_pids = i + 1;
	}
	return 0;
}

static const struct field watch_fields[] = {
	FIELD("function", T_ALL, T_ALL, parse_funcspec, offsetof(struct hc_policy_watch, func),
	      "kernel:NAME or user:PATH:SYMBOL"),
	FIELD("errors", T_ALL, 0, parse_errors, offsetof(struct hc_policy_watch, errors), NULL),
};

static int parse_watch(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a list of {function: FUNC, errors: MODE}";
	struct hc_policy *pol = c->pol;
	char child[KEY_LEN], key[KEY_LEN];
	struct hc_policy_watch *w;
	struct seen seen;
	size_t n, i, j;
	int ret;

	/* ulp judges patch.functions anyway: its watch list may be empty */
	ret = check_list(c, node, path, what, c->type != T_ULP, &n);
	if (ret)
		return ret;
	if (n > HC_MAX_FUNCS)
		return fail(c, list_item(c, node, HC_MAX_FUNCS), path,
			    "too many functions: at most %d", HC_MAX_FUNCS);
	pol->watch = calloc(n ? n : 1, sizeof(*w));
	if (!pol->watch)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		w = &pol->watch[i];
		w->errors = HC_ERR_NEG;
		pol->nr_watch = i + 1;
		path_index(child, path, i);
		ret = walk_mapping(c, list_item(c, node, i), child,
				   "a mapping {function: FUNC, errors: MODE}", watch_fields,
				   ARRAY_SIZE(watch_fields), w, &seen);
		if (ret)
			return ret;
		for (j = 0; j < i; j++) {
			if (strcmp(pol->watch[j].func.text, w->func.text))
				continue;
			path_key(key, child, "function");
			return fail(c, seen.value[0], key, "'%s' is already watched by %s[%zu]",
				    w->func.text, path, j);
		}
	}
	return 0;
}

static const struct field stage_fields[] = {
	FIELD("name", T_ALL, T_ALL, parse_name, offsetof(struct hc_policy_stage, name),
	      "[a-z0-9-]+, e.g. canary"),
	FIELD("duration", T_ALL, T_ALL, parse_duration,
	      offsetof(struct hc_policy_stage, duration_ns), "e.g. 30s"),
	FIELD("targets", T_ULP, T_ULP, parse_targets, 0, "a count or a percent, e.g. 1 or 50%"),
};

static int parse_stages(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a list of {name, duration}";
	struct hc_policy *pol = c->pol;
	char child[KEY_LEN], key[KEY_LEN];
	size_t n, i, j, prev[3] = { 0, 0, 0 };
	bool have_prev[3] = { false, false, false };
	struct hc_policy_stage *st, *p;
	struct seen seen;
	int ret;

	ret = check_list(c, node, path, what, true, &n);
	if (ret)
		return ret;
	pol->stages = calloc(n, sizeof(*st));
	if (!pol->stages)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		st = &pol->stages[i];
		pol->nr_stages = i + 1;
		path_index(child, path, i);
		ret = walk_mapping(c, list_item(c, node, i), child, "a mapping {name, duration}",
				   stage_fields, ARRAY_SIZE(stage_fields), st, &seen);
		if (ret)
			return ret;
		for (j = 0; j < i; j++) {
			if (strcmp(pol->stages[j].name, st->name))
				continue;
			path_key(key, child, "name");
			return fail(c, seen.value[0], key, "stage name '%s' is already used by "
				    "%s[%zu]; stage names are unique", st->name, path, j);
		}
		if (st->targets_kind == HC_TARGETS_NONE)
			continue;
		/* a rollout only grows: compare with the last stage in the same form */
		p = &pol->stages[prev[st->targets_kind]];
		if (have_prev[st->targets_kind] && st->targets < p->targets) {
			path_key(key, child, "targets");
			return fail(c, seen.value[2], key,
				    "expected at least %u%s as in %s[%zu]: a rollout never shrinks",
				    p->targets, st->targets_kind == HC_TARGETS_PERCENT ? "%" : "",
				    path, prev[st->targets_kind]);
		}
		prev[st->targets_kind] = i;
		have_prev[st->targets_kind] = true;
	}
	return 0;
}

static const struct field processes_fields[] = {
	FIELD("exe", T_ULP, 0, parse_path, P(processes.exe), NULL),
	FIELD("pids", T_ULP, 0, parse_pids, 0, NULL),
};

static int parse_processes(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	char key[KEY_LEN];
	struct seen seen;
	yaml_node_t *later;
	int ret;

	ret = walk_mapping(c, node, path, "a mapping with exe or pids", processes_fields,
			   ARRAY_SIZE(processes_fields), c->pol, &seen);
	if (ret)
		return ret;
	if (!seen.key[0] && !seen.key[1])
		return fail(c, node, path, "missing exe or pids: expected exactly one of them");
	if (seen.key[0] && seen.key[1]) {
		later = seen.key[0]->start_mark.index > seen.key[1]->start_mark.index ?
			seen.key[0] : seen.key[1];
		path_key(key, path, (const char *)later->data.scalar.value);
		return fail(c, later, key, "expected exactly one of exe or pids, not both");
	}
	return 0;
}

/* a section of the policy: a mapping whose keys are the fields of @fields */
#define DEFINE_SECTION_PARSER(fn, fields, what)						\
static int fn(struct ctx *c, yaml_node_t *node, const char *path, void *dst)		\
{											\
	return walk_mapping(c, node, path, what, fields, ARRAY_SIZE(fields), c->pol, NULL); \
}

static const struct field patch_fields[] = {
	FIELD("type", T_ALL, T_ALL, parse_type, P(patch.type), "klp, exec or ulp"),
	FIELD("module", T_KLP, T_KLP, parse_path, P(patch.klp.module),
	      "the livepatch module to load"),
	FIELD("sha256", T_KLP | T_ULP, 0, parse_sha256, 0, NULL),
	FIELD("replaces", T_KLP, 0, parse_path, P(patch.klp.replaces), NULL),
	FIELD("transition_timeout", T_KLP, 0, parse_duration, P(patch.klp.transition_timeout_ns),
	      NULL),
	FIELD("apply", T_EXEC, T_EXEC, parse_apply, 0, "the argv that applies the patch"),
	FIELD("revert", T_EXEC, T_EXEC, parse_revert, 0, "the argv that reverts it"),
	FIELD("timeout", T_EXEC, 0, parse_duration, P(patch.exec.timeout_ns), NULL),
	FIELD("library", T_ULP, T_ULP, parse_path, P(patch.ulp.library),
	      "the shared object with the new functions"),
	FIELD("target", T_ULP, T_ULP, parse_path, P(patch.ulp.target),
	      "the executable or library to patch"),
	FIELD("build_id", T_ULP, T_ULP, parse_build_id, 0, "the target's GNU build-id"),
	FIELD("functions", T_ULP, T_ULP, parse_functions, 0, "a list of {old, new}"),
	FIELD("consistency", T_ULP, 0, parse_consistency, P(patch.ulp.consistency), NULL),
	FIELD("deadline", T_ULP, 0, parse_duration, P(patch.ulp.deadline_ns), NULL),
};

DEFINE_SECTION_PARSER(parse_patch, patch_fields, "a mapping with type: klp, exec or ulp")

static const struct field guardrails_fields[] = {
	FIELD("kernel_log", T_ALL, 0, parse_bool, P(guardrails.kernel_log), NULL),
	FIELD("taint", T_ALL, 0, parse_bool, P(guardrails.taint), NULL),
	FIELD("fatal_signals", T_ALL, 0, parse_bool, P(guardrails.fatal_signals), NULL),
	FIELD("min_call_ratio", T_ALL, 0, parse_min_call_ratio, P(guardrails.min_call_ratio),
	      NULL),
	FIELD("allow_tainted_die", T_ALL, 0, parse_bool, P(guardrails.allow_tainted_die), NULL),
};

DEFINE_SECTION_PARSER(parse_guardrails, guardrails_fields, "a mapping of guardrails")

static const struct field baseline_fields[] = {
	FIELD("duration", T_ALL, 0, parse_duration, P(baseline.duration_ns), NULL),
};

DEFINE_SECTION_PARSER(parse_baseline, baseline_fields, "a mapping {duration}")

static const struct field judge_fields[] = {
	FIELD("alpha", T_ALL, 0, parse_alpha, P(judge.alpha), NULL),
	FIELD("min_calls", T_ALL, 0, parse_min_calls, P(judge.min_calls), NULL),
	FIELD("max_p50_ratio", T_ALL, 0, parse_ratio_gt1, P(judge.max_p50_ratio), NULL),
	FIELD("max_p99_ratio", T_ALL, 0, parse_ratio_gt1, P(judge.max_p99_ratio), NULL),
	FIELD("max_error_ratio", T_ALL, 0, parse_ratio_gt1, P(judge.max_error_ratio), NULL),
	FIELD("on_inconclusive", T_ALL, 0, parse_inconclusive, P(judge.on_inconclusive), NULL),
};

DEFINE_SECTION_PARSER(parse_judge, judge_fields, "a mapping of judge settings")

static const struct field ab_fields[] = {
	FIELD("end", T_ALL, 0, parse_ab_end, P(ab.end), NULL),
};

DEFINE_SECTION_PARSER(parse_ab, ab_fields, "a mapping of 'hotcanary ab' settings")

static const struct field root_fields[] = {
	FIELD("name", T_ALL, T_ALL, parse_name, P(name), "[a-z0-9-]+, names the journal"),
	FIELD("patch", T_ALL, T_ALL, parse_patch, 0, "a mapping with type: klp, exec or ulp"),
	FIELD("processes", T_ULP, T_ULP, parse_processes, 0, "exe or pids"),
	FIELD("watch", T_ALL, T_KLP | T_EXEC, parse_watch, 0, "a list of functions to judge"),
	FIELD("guardrails", T_ALL, 0, parse_guardrails, 0, NULL),
	FIELD("baseline", T_ALL, 0, parse_baseline, 0, NULL),
	FIELD("stages", T_ALL, T_ALL, parse_stages, 0, "a list of {name, duration}"),
	FIELD("judge", T_ALL, 0, parse_judge, 0, NULL),
	FIELD("ab", T_ALL, 0, parse_ab, 0, NULL),
};

/*
 * The patch type decides which keys are allowed anywhere, and keys come in any order: read
 * the first patch.type ahead. Anything wrong with it is reported when patch is walked; till
 * then every type's keys are allowed.
 */
static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pair;
	yaml_node_t *k;

	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(doc, pair->key);
		if (k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
			return yaml_document_get_node(doc, pair->value);
	}
	return NULL;
}

static unsigned int type_ahead(yaml_document_t *doc, yaml_node_t *root)
{
	yaml_node_t *patch, *type;
	size_t i;

	patch = map_get(doc, root, "patch");
	type = patch ? map_get(doc, patch, "type") : NULL;
	if (!type || type->type != YAML_SCALAR_NODE)
		return T_ALL;
	for (i = 0; i < ARRAY_SIZE(type_names); i++)
		if (!strcmp((const char *)type->data.scalar.value, type_names[i]))
			return 1u << i;
	return T_ALL;
}

static void policy__defaults(struct hc_policy *pol)
{
	pol->patch.klp.transition_timeout_ns = 30ULL * 1000000000;
	pol->patch.exec.timeout_ns = 60ULL * 1000000000;
	pol->patch.ulp.consistency = HC_CONSISTENCY_STRICT;
	pol->patch.ulp.deadline_ns = 5ULL * 1000000000;
	pol->guardrails.kernel_log = true;
	pol->guardrails.taint = true;
	pol->guardrails.fatal_signals = true;
	pol->guardrails.allow_tainted_die = false;
	pol->guardrails.min_call_ratio = 0.1;
	pol->baseline.duration_ns = 30ULL * 1000000000;
	pol->judge.alpha = 0.01;
	pol->judge.min_calls = 200;
	pol->judge.max_p50_ratio = 1.10;
	pol->judge.max_p99_ratio = 1.25;
	pol->judge.max_error_ratio = 1.5;
	pol->judge.on_inconclusive = HC_INCONCLUSIVE_ROLLBACK;
}

/* ---- documents --------------------------------------------------------------------------- */

/* libyaml's own error, at its problem mark */
static int fail_yaml(yaml_parser_t *parser, struct policy_err *err, const char *text,
		     size_t len)
{
	const char *problem = parser->problem ? parser->problem : "cannot parse";
	yaml_mark_t mark = parser->problem_mark;
	size_t i;

	if (parser->error == YAML_MEMORY_ERROR) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	if (parser->error == YAML_READER_ERROR) {
		/* the reader has only a byte offset: count lines and characters up to it */
		memset(&mark, 0, sizeof(mark));
		for (i = 0; i < parser->problem_offset && i < len; i++) {
			if (text[i] == '\n') {
				mark.line++;
				mark.column = 0;
			} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
				mark.column++;
			}
		}
		if (parser->problem_value >= 0)
			return fail_mark(err, &mark, NULL, "invalid YAML: %s (#x%X)", problem,
					 parser->problem_value);
		return fail_mark(err, &mark, NULL, "invalid YAML: %s", problem);
	}
	if (parser->context)
		return fail_mark(err, &mark, NULL, "invalid YAML: %s (%s at line %zu, column %zu)",
				 problem, parser->context, parser->context_mark.line + 1,
				 parser->context_mark.column + 1);
	return fail_mark(err, &mark, NULL, "invalid YAML: %s", problem);
}

int policy__parse(const char *name, const char *text, size_t len, struct hc_policy **out,
		  struct policy_err *err)
{
	static const yaml_mark_t start = { 0, 0, 0 };
	struct policy_err local;
	yaml_document_t doc, next;
	struct hc_policy *pol = NULL;
	yaml_parser_t parser;
	yaml_node_t *root;
	struct ctx c;
	int ret;

	if (!err)
		err = &local;
	memset(err, 0, sizeof(*err));
	if (!name)
		name = "<policy>";
	snprintf(err->file, sizeof(err->file), "%s", name);
	*out = NULL;
	if (!text)
		return fail_mark(err, &start, NULL, "no policy text");

	if (!yaml_parser_initialize(&parser)) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = fail_yaml(&parser, err, text, len);
		goto out_parser;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root || is_null(root)) {
		/* even after "---" or comments: the whole file is what is empty */
		ret = fail_mark(err, &start, NULL,
				"empty policy; expected a mapping with at least name, patch and "
				"stages (see policies/)");
		goto out_doc;
	}

	ret = -ENOMEM;
	pol = calloc(1, sizeof(*pol));
	if (!pol)
		goto out_doc;
	policy__defaults(pol);
	pol->source = strdup(name);
	if (!pol->source)
		goto out_doc;

	c.doc = &doc;
	c.pol = pol;
	c.err = err;
	c.type = type_ahead(&doc, root);
	ret = walk_mapping(&c, root, "", "a mapping of policy keys: name, patch, watch, "
			   "stages, ...", root_fields, ARRAY_SIZE(root_fields), pol, NULL);
	if (ret)
		goto out_doc;

	/* one policy is one document: anything after it is an error too */
	if (!yaml_parser_load(&parser, &next)) {
		ret = fail_yaml(&parser, err, text, len);
		goto out_doc;
	}
	root = yaml_document_get_root_node(&next);
	if (root)
		ret = fail_mark(err, &root->start_mark, NULL,
				"expected one YAML document, found a second one");
	yaml_document_delete(&next);
out_doc:
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	if (ret == -ENOMEM && !err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "out of memory");
	if (ret) {
		policy__free(pol);
		return ret;
	}
	*out = pol;
	return 0;
}

static const struct input_kind policy_input = {
	.what = "policy", .max = HC_POLICY_MAX_BYTES, .trusted = true,
};

int policy__load(const char *path, struct hc_policy **out, struct policy_err *err)
{
	struct policy_err local;
	size_t len;
	char *buf;
	int ret;

	if (!err)
		err = &local;
	memset(err, 0, sizeof(*err));
	*out = NULL;
	snprintf(err->file, sizeof(err->file), "%s", path ? path : "");
	if (!path || !*path) {
		snprintf(err->msg, sizeof(err->msg), "no policy file given");
		return -EINVAL;
	}
	ret = input__read(path, &policy_input, &buf, &len, err->msg, sizeof(err->msg));
	if (ret)
		return ret;
	ret = policy__parse(path, buf, len, out, err);
	free(buf);
	return ret;
}

static void argv_free(char **argv)
{
	char **p;

	if (!argv)
		return;
	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}

void policy__free(struct hc_policy *pol)
{
	size_t i;

	if (!pol)
		return;
	free(pol->source);
	free(pol->name);
	free(pol->patch.klp.module);
	free(pol->patch.klp.replaces);
	argv_free(pol->patch.exec.apply);
	argv_free(pol->patch.exec.revert);
	free(pol->patch.ulp.library);
	free(pol->patch.ulp.target);
	for (i = 0; i < pol->patch.ulp.nr_functions; i++) {
		free(pol->patch.ulp.functions[i].old_sym);
		free(pol->patch.ulp.functions[i].new_sym);
	}
	free(pol->patch.ulp.functions);
	free(pol->processes.exe);
	free(pol->processes.pids);
	for (i = 0; i < pol->nr_watch; i++)
		funcspec__free(&pol->watch[i].func);
	free(pol->watch);
	for (i = 0; i < pol->nr_stages; i++)
		free(pol->stages[i].name);
	free(pol->stages);
	free(pol);
}

const char *policy__patch_type_name(enum hc_patch_type type)
{
	return (unsigned int)type < ARRAY_SIZE(type_names) ? type_names[type] : "?";
}

const char *policy_err__format(const struct policy_err *err, char *buf, size_t len)
{
	const char *file = err->file[0] ? err->file : "<policy>";

	if (!len)
		return buf;
	if (err->line <= 0)
		snprintf(buf, len, "%s: %s%s%s", file, err->key, err->key[0] ? ": " : "",
			 err->msg);
	else
		snprintf(buf, len, "%s:%d:%d: %s%s%s", file, err->line, err->column, err->key,
			 err->key[0] ? ": " : "", err->msg);
	return buf;
}
