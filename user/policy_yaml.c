// SPDX-License-Identifier: GPL-2.0
/*
 * Policy files, the YAML side: errors with the line, column and key path of the node they are
 * about, typed scalars, and the walk of a mapping against a table of fields (policy_schema.c).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "policy_int.h"

/* ---- errors ------------------------------------------------------------------------------ */

static void err_set(struct policy_err *err, const yaml_mark_t *mark, const char *path,
		    const char *fmt, va_list ap)
{
	err->line = mark ? (int)mark->line + 1 : 0;
	err->column = mark ? (int)mark->column + 1 : 0;
	snprintf(err->key, sizeof(err->key), "%s", path ? path : "");
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

__attribute__((format(printf, 4, 5))) int
policy__fail(struct ctx *c, const yaml_node_t *node, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_set(c->err, &node->start_mark, path, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

__attribute__((format(printf, 4, 5))) int policy__fail_mark(
	struct policy_err *err, const yaml_mark_t *mark, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_set(err, mark, path, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool policy__is_plain(const yaml_node_t *node)
{
	return node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* an empty value, "~" or "null", unquoted: YAML's null */
bool policy__is_null(const yaml_node_t *node)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (node->type != YAML_SCALAR_NODE || !policy__is_plain(node))
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
	if (policy__is_null(node))
		return "nothing (null)";
	s = (const char *)node->data.scalar.value;
	n = strlen(s);
	if (policy__is_plain(node))
		snprintf(buf, len, "'%.40s%s'", s, n > 40 ? "..." : "");
	else
		snprintf(buf, len, "the quoted string \"%.40s%s\"", s, n > 40 ? "..." : "");
	return buf;
}

int policy__fail_expected(struct ctx *c, const yaml_node_t *node, const char *path,
			  const char *what)
{
	char buf[96];

	return policy__fail(c, node, path, "expected %s, got %s", what,
			    describe(node, buf, sizeof(buf)));
}

/* ---- scalars ----------------------------------------------------------------------------- */

static yaml_node_t *node_at(struct ctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

/* a non-null scalar's text, with no NUL inside */
int policy__take_scalar(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
			const char **out)
{
	if (node->type != YAML_SCALAR_NODE || policy__is_null(node))
		return policy__fail_expected(c, node, path, what);
	if (strlen((const char *)node->data.scalar.value) != node->data.scalar.length)
		return policy__fail(c, node, path, "expected %s, got a string with a NUL character",
				    what);
	*out = (const char *)node->data.scalar.value;
	return 0;
}

int policy__take_string(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
			char **out)
{
	const char *s;
	int ret;

	ret = policy__take_scalar(c, node, path, what, &s);
	if (ret)
		return ret;
	if (!*s)
		return policy__fail(c, node, path, "expected %s, got an empty string", what);
	free(*out);
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

int policy__take_choice(struct ctx *c, yaml_node_t *node, const char *path,
			const char *const *names, size_t nr, int *out)
{
	char what[96] = "one of ";
	const char *s;
	size_t i;

	/* a NULL name: an enum value this key does not offer */
	for (i = 0; i < nr; i++) {
		if (!names[i])
			continue;
		if (strcmp(what, "one of "))
			strncat(what, " | ", sizeof(what) - strlen(what) - 1);
		strncat(what, names[i], sizeof(what) - strlen(what) - 1);
	}
	if (node->type == YAML_SCALAR_NODE && !policy__is_null(node)) {
		s = (const char *)node->data.scalar.value;
		for (i = 0; i < nr; i++) {
			if (names[i] && !strcmp(s, names[i])) {
				*out = (int)i;
				return 0;
			}
		}
	}
	return policy__fail_expected(c, node, path, what);
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
	/* an exponent is an integer: [-+]?D+ */
	return !*s || ((*s == 'e' || *s == 'E') && int_syntax(s + 1));
}

/* the text of a number: a plain scalar, as a quoted one is a string */
static int number_scalar(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
			 const char **s)
{
	if (node->type == YAML_SCALAR_NODE && !policy__is_plain(node))
		return policy__fail(c, node, path,
				    "expected %s, got the quoted string \"%.40s\" "
				    "(write numbers without quotes)",
				    what, (const char *)node->data.scalar.value);
	if (node->type != YAML_SCALAR_NODE || policy__is_null(node))
		return policy__fail_expected(c, node, path, what);
	*s = (const char *)node->data.scalar.value;
	return 0;
}

/* a number: a plain scalar, as a quoted one is a string */
int policy__take_number(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
			double *out)
{
	const char *s;
	double v;
	int ret;

	ret = number_scalar(c, node, path, what, &s);
	if (ret)
		return ret;
	if (!float_syntax(s))
		return policy__fail_expected(c, node, path, what);
	errno = 0;
	v = strtod(s, NULL);
	if (errno || !isfinite(v))
		return policy__fail_expected(c, node, path, what);
	*out = v;
	return 0;
}

/* an integer from @min to @max: a plain scalar of digits */
int policy__take_integer(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
			 long long min, long long max, long long *out)
{
	const char *s;
	long long v;
	int ret;

	ret = number_scalar(c, node, path, what, &s);
	if (ret)
		return ret;
	if (!int_syntax(s))
		return policy__fail_expected(c, node, path, what);
	errno = 0;
	v = strtoll(s, NULL, 10);
	if (errno || v < min || v > max)
		return policy__fail_expected(c, node, path, what);
	*out = v;
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

void policy__path_key(char *buf, const char *path, const char *key)
{
	buf[0] = '\0';
	path_cat(buf, path);
	if (*path)
		path_cat(buf, ".");
	path_cat(buf, key);
}

void policy__path_index(char *buf, const char *path, size_t i)
{
	snprintf(buf, KEY_LEN, "%s[%zu]", path, i);
}

static void types_text(unsigned int types, char *buf, size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(policy__type_names); i++) {
		if (!(types & (1u << i)))
			continue;
		if (buf[0])
			strncat(buf, " and ", len - strlen(buf) - 1);
		strncat(buf, policy__type_names[i], len - strlen(buf) - 1);
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

	for (i = 0; i < ARRAY_SIZE(policy__type_names); i++)
		if (c->type == 1u << i)
			return policy__type_names[i];
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
int policy__walk_mapping(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
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
		return policy__fail_expected(c, node, path, what);
	allowed_text(c, f, nf, allowed, sizeof(allowed));
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		k = node_at(c, pair->key);
		v = node_at(c, pair->value);
		if (k->type != YAML_SCALAR_NODE)
			return policy__fail(c, k, path, "expected a key name, got %s; allowed: %s",
					    k->type == YAML_MAPPING_NODE ? "a mapping" : "a list",
					    allowed);
		key = (const char *)k->data.scalar.value;
		policy__path_key(child, path, key);
		i = field_index(f, nf, key);
		if (i < 0)
			return policy__fail(c, k, child, "unknown key '%.40s'; allowed: %s", key,
					    allowed);
		if (!(f[i].types & c->type)) {
			types_text(f[i].types, types, sizeof(types));
			return policy__fail(c, k, child,
					    "'%s' is for patch type %s only, not %s; allowed: %s",
					    key, types, type_text(c), allowed);
		}
		if (seen->key[i])
			return policy__fail(c, k, child,
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
		policy__path_key(child, path, f[i].key);
		if (f[i].what)
			return policy__fail(c, node, child, "missing required key '%s' (%s)",
					    f[i].key, f[i].what);
		return policy__fail(c, node, child, "missing required key '%s'", f[i].key);
	}
	return 0;
}

/* ---- lists ------------------------------------------------------------------------------- */

int policy__check_list(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
		       bool nonempty, size_t *nr)
{
	if (node->type != YAML_SEQUENCE_NODE)
		return policy__fail_expected(c, node, path, what);
	*nr = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	if (nonempty && !*nr)
		return policy__fail(c, node, path, "expected %s, got an empty list", what);
	return 0;
}

yaml_node_t *policy__list_item(struct ctx *c, yaml_node_t *node, size_t i)
{
	return node_at(c, node->data.sequence.items.start[i]);
}

/* ---- documents --------------------------------------------------------------------------- */

/* libyaml's own error, at its problem mark */
int policy__fail_yaml(yaml_parser_t *parser, struct policy_err *err, const char *text, size_t len)
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
			return policy__fail_mark(err, &mark, NULL, "invalid YAML: %s (#x%X)",
						 problem, parser->problem_value);
		return policy__fail_mark(err, &mark, NULL, "invalid YAML: %s", problem);
	}
	if (parser->context)
		return policy__fail_mark(err, &mark, NULL,
					 "invalid YAML: %s (%s at line %zu, column %zu)", problem,
					 parser->context, parser->context_mark.line + 1,
					 parser->context_mark.column + 1);
	return policy__fail_mark(err, &mark, NULL, "invalid YAML: %s", problem);
}
