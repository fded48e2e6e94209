// SPDX-License-Identifier: GPL-2.0
/*
 * Policy files, the schema: the table of fields of each mapping, the parser of each kind of
 * value and the checks across keys (unique names, a rollout that never shrinks), the patch
 * type read ahead and the defaults.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "policy_int.h"
#include "units.h"

#define WHAT_DURATION "a duration > 0 with a unit ms, s, m or h, e.g. 500ms, 30s, 2m"
#define WHAT_NAME     "a name of 1 to 64 characters from [a-z0-9-], not starting with '-'"
#define WHAT_RATIO    "a ratio > 1.0, e.g. 1.25"
#define WHAT_SYMBOL   "a symbol name (letters, digits, '_', '.', '$', '@'), e.g. parse_request"

const char *const policy__type_names[] = {
	[HC_PATCH_KLP] = "klp",
	[HC_PATCH_EXEC] = "exec",
	[HC_PATCH_ULP] = "ulp",
};
static const char *const err_mode_names[] = {
	[HC_ERR_NONE] = "none",
	[HC_ERR_NEG] = "neg",
	[HC_ERR_ZERO] = "zero",
	[HC_ERR_NONZERO] = "nonzero",
};
static const char *const consistency_names[] = {
	[HC_CONSISTENCY_STRICT] = "strict",
	[HC_CONSISTENCY_RELAXED] = "relaxed",
};
static const char *const order_names[] = {
	[HC_ORDER_RANDOM] = "random",
	[HC_ORDER_LISTED] = "listed",
};
static const char *const ab_end_names[] = {
	[HC_AB_END_REMOVED] = "removed",
	[HC_AB_END_APPLIED] = "applied",
};
static const char *const inconclusive_names[] = {
	[HC_INCONCLUSIVE_HOLD] = "hold",
	[HC_INCONCLUSIVE_EXTEND] = "extend",
	[HC_INCONCLUSIVE_ROLLBACK] = "rollback",
	[HC_INCONCLUSIVE_COMMIT] = "commit",
};
/* no extend: a function that is never called is not called more in a longer stage */
static const char *const nodata_names[] = {
	[HC_INCONCLUSIVE_HOLD] = "hold",
	[HC_INCONCLUSIVE_EXTEND] = NULL,
	[HC_INCONCLUSIVE_ROLLBACK] = "rollback",
	[HC_INCONCLUSIVE_COMMIT] = "commit",
};

/* ---- text checks ------------------------------------------------------------------------- */

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

	ret = policy__take_scalar(c, node, path, WHAT_NAME, &s);
	if (ret)
		return ret;
	if (!name_ok(s))
		return policy__fail_expected(c, node, path, WHAT_NAME);
	return policy__take_string(c, node, path, WHAT_NAME, dst);
}

static int parse_path(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	return policy__take_string(c, node, path, "a file path", dst);
}

static int parse_symbol(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	const char *s;
	int ret;

	ret = policy__take_scalar(c, node, path, WHAT_SYMBOL, &s);
	if (ret)
		return ret;
	if (!symbol_ok(s))
		return policy__fail_expected(c, node, path, WHAT_SYMBOL);
	return policy__take_string(c, node, path, WHAT_SYMBOL, dst);
}

static int parse_duration(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	const char *s, *p;
	uint64_t ns;
	int ret;

	ret = policy__take_scalar(c, node, path, WHAT_DURATION, &s);
	if (ret)
		return ret;
	/* digits, an optional fraction, a unit: no exponent, hex or blanks for strtod to take */
	for (p = s; isdigit((unsigned char)*p); p++)
		;
	if (p > s && *p == '.' && isdigit((unsigned char)p[1]))
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (p == s || (strcmp(p, "ms") && strcmp(p, "s") && strcmp(p, "m") && strcmp(p, "h")))
		return policy__fail_expected(c, node, path, WHAT_DURATION);
	ret = duration__parse(s, &ns);
	if (ret == -ERANGE)
		return policy__fail(c, node, path, "expected %s, got '%s', which is too long",
				    WHAT_DURATION, s);
	if (ret || !ns)
		return policy__fail_expected(c, node, path, WHAT_DURATION);
	*(uint64_t *)dst = ns;
	return 0;
}

static int parse_bool(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char *const yaml11[] = { "yes", "no", "on", "off", "y", "n" };
	const char *s;
	size_t i;

	if (node->type == YAML_SCALAR_NODE && policy__is_plain(node)) {
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
				return policy__fail(c, node, path,
						    "expected true or false, got '%s' "
						    "(YAML 1.1 yes/no/on/off are not accepted)",
						    s);
	}
	return policy__fail_expected(c, node, path, "true or false");
}

static int parse_ratio_gt1(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	double v;
	int ret;

	ret = policy__take_number(c, node, path, WHAT_RATIO, &v);
	if (ret)
		return ret;
	if (!(v > 1.0))
		return policy__fail_expected(c, node, path, WHAT_RATIO);
	*(double *)dst = v;
	return 0;
}

static int parse_alpha(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a probability in (0, 0.5], e.g. 0.01";
	double v;
	int ret;

	ret = policy__take_number(c, node, path, what, &v);
	if (ret)
		return ret;
	if (!(v > 0.0 && v <= 0.5))
		return policy__fail_expected(c, node, path, what);
	*(double *)dst = v;
	return 0;
}

static int parse_min_call_ratio(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a ratio from 0 to 1, e.g. 0.1 (0 turns the check off)";
	double v;
	int ret;

	ret = policy__take_number(c, node, path, what, &v);
	if (ret)
		return ret;
	if (!(v >= 0.0 && v <= 1.0))
		return policy__fail_expected(c, node, path, what);
	*(double *)dst = v == 0.0 ? 0.0 : v; /* no -0 */
	return 0;
}

static int parse_min_calls(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	long long v;
	int ret;

	ret = policy__take_integer(c, node, path, "an integer >= 1, e.g. 200", 1, LLONG_MAX, &v);
	if (ret)
		return ret;
	*(uint64_t *)dst = (uint64_t)v;
	return 0;
}

/* one parser per enum: the index of the choice in its name table is the enum value */
#define DEFINE_CHOICE_PARSER(fn, names, type)                                           \
	static int fn(struct ctx *c, yaml_node_t *node, const char *path, void *dst)    \
	{                                                                               \
		int v, ret;                                                             \
                                                                                        \
		ret = policy__take_choice(c, node, path, names, ARRAY_SIZE(names), &v); \
		if (ret)                                                                \
			return ret;                                                     \
		*(type *)dst = v;                                                       \
		return 0;                                                               \
	}

DEFINE_CHOICE_PARSER(parse_type, policy__type_names, enum hc_patch_type)
DEFINE_CHOICE_PARSER(parse_errors, err_mode_names, enum hc_err_mode)
DEFINE_CHOICE_PARSER(parse_consistency, consistency_names, enum hc_consistency)
DEFINE_CHOICE_PARSER(parse_inconclusive, inconclusive_names, enum hc_inconclusive)
DEFINE_CHOICE_PARSER(parse_nodata, nodata_names, enum hc_inconclusive)
DEFINE_CHOICE_PARSER(parse_ab_end, ab_end_names, enum hc_ab_end)
DEFINE_CHOICE_PARSER(parse_order, order_names, enum hc_proc_order)

static int parse_sha256(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a sha256 digest of 64 hex digits, as sha256sum prints it";
	const char *s;
	int ret;

	ret = policy__take_scalar(c, node, path, what, &s);
	if (ret)
		return ret;
	if (strlen(s) != 64 || hex_decode(s, c->pol->patch.sha256, 32) != 32)
		return policy__fail_expected(c, node, path, what);
	c->pol->patch.has_sha256 = true;
	return 0;
}

static int parse_build_id(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a GNU build-id in hex, an even number of digits up to 128 "
				   "(readelf -n TARGET)";
	const char *s;
	int ret, n;

	ret = policy__take_scalar(c, node, path, what, &s);
	if (ret)
		return ret;
	n = hex_decode(s, c->pol->patch.ulp.build_id, sizeof(c->pol->patch.ulp.build_id));
	if (n < 0)
		return policy__fail_expected(c, node, path, what);
	c->pol->patch.ulp.build_id_len = (size_t)n;
	return 0;
}

static int parse_funcspec(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	struct hc_funcspec *spec = dst;
	char reason[160];
	const char *s;
	int ret;

	ret = policy__take_scalar(c, node, path,
				  "a FUNC spec, kernel:NAME[@PID] or user:PATH:SYMBOL[@PID]", &s);
	if (ret)
		return ret;
	funcspec__free(spec);
	reason[0] = '\0';
	ret = funcspec__parse(s, spec, reason, sizeof(reason));
	if (ret == -EINVAL)
		return policy__fail(c, node, path, "bad FUNC '%.60s': %s", s, reason);
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

	ret = policy__take_scalar(c, node, path, what, &s);
	if (ret)
		return ret;
	if (!isdigit((unsigned char)*s))
		return policy__fail_expected(c, node, path, what);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno)
		return policy__fail_expected(c, node, path, what);
	if (!strcmp(end, "%")) {
		if (v < 1 || v > 100)
			return policy__fail_expected(c, node, path, what);
		st->targets_kind = HC_TARGETS_PERCENT;
	} else {
		if (*end || v < 1 || v > INT_MAX)
			return policy__fail_expected(c, node, path, what);
		st->targets_kind = HC_TARGETS_COUNT;
	}
	st->targets = (unsigned int)v;
	return 0;
}

#define FIELD(k, t, r, fn, o, w)                                                      \
	{                                                                             \
		.key = k, .types = t, .required = r, .parse = fn, .off = o, .what = w \
	}
#define P(member) offsetof(struct hc_policy, member)

/* ---- lists ------------------------------------------------------------------------------- */

/*
 * A list (@what) of strings (@item) into *@out (NULL-terminated) and *@nr; each one passes
 * @ok, if given, or fails with "'S' is not @bad".
 */
static int take_strings(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
			const char *item_what, bool (*ok)(const char *), const char *bad,
			char ***out, size_t *nr)
{
	char child[KEY_LEN];
	yaml_node_t *item;
	const char *s;
	size_t n, i;
	int ret;

	ret = policy__check_list(c, node, path, what, true, &n);
	if (ret)
		return ret;
	*out = calloc(n + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		item = policy__list_item(c, node, i);
		policy__path_index(child, path, i);
		ret = policy__take_scalar(c, item, child, item_what, &s);
		if (ret)
			return ret;
		if (ok && !ok(s))
			return policy__fail(c, item, child, "'%s' is not %s", s, bad);
		(*out)[i] = strdup(s);
		if (!(*out)[i])
			return -ENOMEM;
		*nr = i + 1;
	}
	return 0;
}

/* an argv list of strings, NULL-terminated */
static int take_argv(struct ctx *c, yaml_node_t *node, const char *path, char ***argv, size_t *nr)
{
	char child[KEY_LEN];
	int ret;

	ret = take_strings(c, node, path,
			   "an argv list of strings, e.g. [kpatch, load, /path/fix.ko]", "a string",
			   NULL, NULL, argv, nr);
	if (ret || (*argv)[0][0])
		return ret;
	policy__path_index(child, path, 0);
	return policy__fail(c, policy__list_item(c, node, 0), child,
			    "expected the program to run, got an empty string");
}

static int parse_apply(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	return take_argv(c, node, path, &c->pol->patch.exec.apply, &c->pol->patch.exec.nr_apply);
}

static int parse_revert(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	return take_argv(c, node, path, &c->pol->patch.exec.revert, &c->pol->patch.exec.nr_revert);
}

/* patch.restore: "none", or a list of module paths */
static int parse_restore(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "none, or a list of livepatch module paths";
	struct hc_policy *pol = c->pol;

	if (node->type == YAML_SCALAR_NODE) {
		if (strcmp((const char *)node->data.scalar.value, "none"))
			return policy__fail_expected(c, node, path, what);
		pol->patch.klp.restore_none = true;
		return 0;
	}
	return take_strings(c, node, path, what, "a file path", NULL, NULL, &pol->patch.klp.restore,
			    &pol->patch.klp.nr_restore);
}

static bool module_name_ok(const char *s)
{
	return *s &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
		       strlen(s);
}

/* patch.stacks_on: a list of livepatch (module) names */
static int parse_stacks_on(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	struct hc_policy *pol = c->pol;
	size_t i;
	int ret;

	ret = take_strings(c, node, path, "a list of enabled livepatches' module names",
			   "a module name", module_name_ok, "a module name ([A-Za-z0-9_-])",
			   &pol->patch.klp.stacks_on, &pol->patch.klp.nr_stacks_on);
	/* as the kernel names it: '-' in a module's file name is '_' in its name */
	for (i = 0; i < pol->patch.klp.nr_stacks_on; i++)
		for (char *p = pol->patch.klp.stacks_on[i]; *p; p++)
			if (*p == '-')
				*p = '_';
	return ret;
}

/* a module parameter's name, as module_param() makes it: [a-z0-9_] plus '.' for built-ins */
static bool param_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/*
 * patch.params: a mapping NAME: VALUE, joined into the "NAME=VALUE ..." string that
 * finit_module() parses (kernel/params.c: a value with blanks is double-quoted, and a value
 * cannot hold a double quote).
 */
static int parse_params(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	static const char what[] = "a mapping of module parameters, e.g. {block_transition: Y}";
	char key[KEY_LEN], *out = NULL, *tmp;
	yaml_node_pair_t *pair;
	yaml_node_t *k, *v;
	const char *name, *val;
	size_t len = 0;
	int ret;

	if (node->type != YAML_MAPPING_NODE)
		return policy__fail_expected(c, node, path, what);
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(c->doc, pair->key);
		v = yaml_document_get_node(c->doc, pair->value);
		if (!k || k->type != YAML_SCALAR_NODE || !v) {
			free(out);
			return policy__fail_expected(c, node, path, what);
		}
		name = (const char *)k->data.scalar.value;
		policy__path_key(key, path, name);
		if (!param_name_ok(name)) {
			free(out);
			return policy__fail(c, k, key,
					    "'%s' is not a module parameter name ([a-z0-9_])",
					    name);
		}
		ret = policy__take_scalar(c, v, key, "a scalar value", &val);
		if (ret) {
			free(out);
			return ret;
		}
		if (strchr(val, '"') || strchr(val, '\n')) {
			free(out);
			return policy__fail(c, v, key,
					    "a module parameter's value cannot hold '\"' or a newline");
		}
		tmp = realloc(out, len + strlen(name) + strlen(val) + 5);
		if (!tmp) {
			free(out);
			return -ENOMEM;
		}
		out = tmp;
		len += (size_t)sprintf(out + len, "%s%s=%s%s%s", len ? " " : "", name,
				       strpbrk(val, " \t") ? "\"" : "", val,
				       strpbrk(val, " \t") ? "\"" : "");
	}
	if (!out)
		return policy__fail(c, node, path, "expected at least one parameter, got {}");
	c->pol->patch.klp.params = out;
	return 0;
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

	ret = policy__check_list(c, node, path, what, true, &n);
	if (ret)
		return ret;
	pol->patch.ulp.functions = calloc(n, sizeof(*fn));
	if (!pol->patch.ulp.functions)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		fn = &pol->patch.ulp.functions[i];
		fn->errors = HC_ERR_NEG;
		pol->patch.ulp.nr_functions = i + 1;
		policy__path_index(child, path, i);
		ret = policy__walk_mapping(c, policy__list_item(c, node, i), child,
					   "a mapping {old, new}", function_fields,
					   ARRAY_SIZE(function_fields), fn, &seen);
		if (ret)
			return ret;
		for (j = 0; j < i; j++) {
			/* old is required only once the type is known to be ulp */
			if (!fn->old_sym || !pol->patch.ulp.functions[j].old_sym ||
			    strcmp(pol->patch.ulp.functions[j].old_sym, fn->old_sym))
				continue;
			policy__path_key(key, child, "old");
			return policy__fail(c, seen.value[0], key,
					    "'%s' is already redirected by "
					    "%s[%zu]; each old function once",
					    fn->old_sym, path, j);
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

	ret = policy__check_list(c, node, path, what, true, &n);
	if (ret)
		return ret;
	pol->processes.pids = calloc(n, sizeof(pid_t));
	if (!pol->processes.pids)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		item = policy__list_item(c, node, i);
		policy__path_index(child, path, i);
		ret = policy__take_integer(c, item, child, "a process id >= 1", 1, INT_MAX, &v);
		if (ret)
			return ret;
		for (j = 0; j < i; j++)
			if (pol->processes.pids[j] == (pid_t)v)
				return policy__fail(c, item, child,
						    "PID %lld is already listed as %s[%zu]", v,
						    path, j);
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
	ret = policy__check_list(c, node, path, what, c->type != T_ULP, &n);
	if (ret)
		return ret;
	if (n > HC_MAX_FUNCS)
		return policy__fail(c, policy__list_item(c, node, HC_MAX_FUNCS), path,
				    "too many functions: at most %d", HC_MAX_FUNCS);
	pol->watch = calloc(n ? n : 1, sizeof(*w));
	if (!pol->watch)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		w = &pol->watch[i];
		w->errors = HC_ERR_NEG;
		pol->nr_watch = i + 1;
		policy__path_index(child, path, i);
		ret = policy__walk_mapping(c, policy__list_item(c, node, i), child,
					   "a mapping {function: FUNC, errors: MODE}", watch_fields,
					   ARRAY_SIZE(watch_fields), w, &seen);
		if (ret)
			return ret;
		for (j = 0; j < i; j++) {
			if (strcmp(pol->watch[j].func.text, w->func.text))
				continue;
			policy__path_key(key, child, "function");
			return policy__fail(c, seen.value[0], key,
					    "'%s' is already watched by %s[%zu]", w->func.text,
					    path, j);
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

	ret = policy__check_list(c, node, path, what, true, &n);
	if (ret)
		return ret;
	pol->stages = calloc(n, sizeof(*st));
	if (!pol->stages)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		st = &pol->stages[i];
		pol->nr_stages = i + 1;
		policy__path_index(child, path, i);
		ret = policy__walk_mapping(c, policy__list_item(c, node, i), child,
					   "a mapping {name, duration}", stage_fields,
					   ARRAY_SIZE(stage_fields), st, &seen);
		if (ret)
			return ret;
		for (j = 0; j < i; j++) {
			if (strcmp(pol->stages[j].name, st->name))
				continue;
			policy__path_key(key, child, "name");
			return policy__fail(c, seen.value[0], key,
					    "stage name '%s' is already used by "
					    "%s[%zu]; stage names are unique",
					    st->name, path, j);
		}
		if (st->targets_kind == HC_TARGETS_NONE)
			continue;
		/* a rollout only grows: compare with the last stage in the same form */
		p = &pol->stages[prev[st->targets_kind]];
		if (have_prev[st->targets_kind] && st->targets < p->targets) {
			policy__path_key(key, child, "targets");
			return policy__fail(c, seen.value[2], key,
					    "expected at least %u%s as in "
					    "%s[%zu]: a rollout never shrinks",
					    p->targets,
					    st->targets_kind == HC_TARGETS_PERCENT ? "%" : "", path,
					    prev[st->targets_kind]);
		}
		prev[st->targets_kind] = i;
		have_prev[st->targets_kind] = true;
	}
	return 0;
}

static const struct field processes_fields[] = {
	FIELD("exe", T_ULP, 0, parse_path, P(processes.exe), NULL),
	FIELD("pids", T_ULP, 0, parse_pids, 0, NULL),
	FIELD("order", T_ULP, 0, parse_order, P(processes.order), NULL),
};

static int parse_processes(struct ctx *c, yaml_node_t *node, const char *path, void *dst)
{
	char key[KEY_LEN];
	struct seen seen;
	yaml_node_t *later;
	int ret;

	ret = policy__walk_mapping(c, node, path, "a mapping with exe or pids", processes_fields,
				   ARRAY_SIZE(processes_fields), c->pol, &seen);
	if (ret)
		return ret;
	if (!seen.key[0] && !seen.key[1])
		return policy__fail(c, node, path,
				    "missing exe or pids: expected exactly one of them");
	if (seen.key[0] && seen.key[1]) {
		later = seen.key[0]->start_mark.index > seen.key[1]->start_mark.index ?
				seen.key[0] :
				seen.key[1];
		policy__path_key(key, path, (const char *)later->data.scalar.value);
		return policy__fail(c, later, key, "expected exactly one of exe or pids, not both");
	}
	return 0;
}

/* a section of the policy: a mapping whose keys are the fields of @fields */
#define DEFINE_SECTION_PARSER(fn, fields, what)                                              \
	static int fn(struct ctx *c, yaml_node_t *node, const char *path, void *dst)         \
	{                                                                                    \
		return policy__walk_mapping(c, node, path, what, fields, ARRAY_SIZE(fields), \
					    c->pol, NULL);                                   \
	}

static const struct field patch_fields[] = {
	FIELD("type", T_ALL, T_ALL, parse_type, P(patch.type), "klp, exec or ulp"),
	FIELD("module", T_KLP, T_KLP, parse_path, P(patch.klp.module),
	      "the livepatch module to load"),
	FIELD("sha256", T_KLP | T_ULP, 0, parse_sha256, 0, NULL),
	FIELD("replaces", T_KLP, 0, parse_path, P(patch.klp.replaces), NULL),
	FIELD("restore", T_KLP, 0, parse_restore, 0, NULL),
	FIELD("params", T_KLP, 0, parse_params, 0, NULL),
	FIELD("stacks_on", T_KLP, 0, parse_stacks_on, 0, NULL),
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
	FIELD("min_call_ratio", T_ALL, 0, parse_min_call_ratio, P(guardrails.min_call_ratio), NULL),
	FIELD("allow_tainted_die", T_ALL, 0, parse_bool, P(guardrails.allow_tainted_die), NULL),
};

DEFINE_SECTION_PARSER(parse_guardrails, guardrails_fields, "a mapping of guardrails")

static const struct field baseline_fields[] = {
	FIELD("duration", T_ALL, 0, parse_duration, P(baseline.duration_ns), NULL),
};

DEFINE_SECTION_PARSER(parse_baseline, baseline_fields, "a mapping {duration}")

static const struct field judge_fields[] = {
	FIELD("alpha", T_ALL, 0, parse_alpha, P(judge.alpha), NULL),
	FIELD("beta", T_ALL, 0, parse_alpha, P(judge.beta), NULL),
	FIELD("min_calls", T_ALL, 0, parse_min_calls, P(judge.min_calls), NULL),
	FIELD("max_p50_ratio", T_ALL, 0, parse_ratio_gt1, P(judge.max_p50_ratio), NULL),
	FIELD("max_p90_ratio", T_ALL, 0, parse_ratio_gt1, P(judge.max_p90_ratio), NULL),
	FIELD("max_p99_ratio", T_ALL, 0, parse_ratio_gt1, P(judge.max_p99_ratio), NULL),
	FIELD("max_error_ratio", T_ALL, 0, parse_ratio_gt1, P(judge.max_error_ratio), NULL),
	FIELD("on_inconclusive", T_ALL, 0, parse_inconclusive, P(judge.on_inconclusive), NULL),
	FIELD("on_nodata", T_ALL, 0, parse_nodata, P(judge.on_nodata), NULL),
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

/* the whole document: the root mapping against root_fields */
int policy__walk_root(struct ctx *c, yaml_node_t *root)
{
	return policy__walk_mapping(c, root, "",
				    "a mapping of policy keys: name, patch, watch, "
				    "stages, ...",
				    root_fields, ARRAY_SIZE(root_fields), c->pol, NULL);
}

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

unsigned int policy__type_ahead(yaml_document_t *doc, yaml_node_t *root)
{
	yaml_node_t *patch, *type;
	size_t i;

	patch = map_get(doc, root, "patch");
	type = patch ? map_get(doc, patch, "type") : NULL;
	if (!type || type->type != YAML_SCALAR_NODE)
		return T_ALL;
	for (i = 0; i < ARRAY_SIZE(policy__type_names); i++)
		if (!strcmp((const char *)type->data.scalar.value, policy__type_names[i]))
			return 1u << i;
	return T_ALL;
}

void policy__defaults(struct hc_policy *pol)
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
	/* max_p90_ratio: policy__defaults_after() */
	pol->judge.max_p99_ratio = 1.25;
	pol->judge.max_error_ratio = 1.5;
	pol->judge.beta = 0.05;
	pol->judge.on_inconclusive = HC_INCONCLUSIVE_HOLD;
	pol->judge.on_nodata = HC_INCONCLUSIVE_HOLD;
	pol->processes.order = HC_ORDER_RANDOM;
}

/* the defaults that are another key's value, once the whole policy is read */
void policy__defaults_after(struct hc_policy *pol)
{
	if (!pol->judge.max_p90_ratio)
		pol->judge.max_p90_ratio = pol->judge.max_p50_ratio;
}
