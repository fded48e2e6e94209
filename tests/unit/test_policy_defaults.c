// SPDX-License-Identifier: GPL-2.0
/*
 * One default per key: the policy schema (user/policy_schema.c) is the only place a key's
 * default is written. Everything that tells it is checked against what parsing yields:
 *  - the key table in user/policy.h (hotcanary-policy(5) is generated from it): every key
 *    with a value in its default column, for a minimal policy of each type that takes it;
 *  - the Markdown docs (README.md and the notes in tools/docs/design/), where a default is written
 *    "`KEY` (default VALUE)" or "`KEY: VALUE` (the default)";
 *  - user/judge.c's judge__config_defaults(), for the limits it shares with the policy.
 * A documented value is read by the policy parser itself: "30s" means what a policy that
 * says "30s" gets. A failure names the file, the key and both values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "judge.h"
#include "policy.h"

#define MAX_KEYS  64
#define TYPE(t)	  (1u << (t))
#define ALL_TYPES (TYPE(HC_PATCH_KLP) | TYPE(HC_PATCH_EXEC) | TYPE(HC_PATCH_ULP))
/* fail_msg() does not return (it jumps back to cmocka); tell the compiler */
#define die(...)                       \
	do {                           \
		fail_msg(__VA_ARGS__); \
		abort();               \
	} while (0)

/* ---- where each key lands in a parsed policy ---------------------------------------------- */

enum kind { K_BOOL, K_DOUBLE, K_U64, K_NS, K_ENUM };
enum base { B_POLICY, B_WATCH, B_FUNC };

struct place {
	const char *key; /* as the table in user/policy.h nests it; [] for a list's items */
	enum base base;
	size_t off;
	enum kind kind;
};

#define P(member) offsetof(struct hc_policy, member)

/* a key whose default is documented needs a row here: the test says so if one is missing */
static const struct place places[] = {
	{ "patch.transition_timeout", B_POLICY, P(patch.klp.transition_timeout_ns), K_NS },
	{ "patch.timeout", B_POLICY, P(patch.exec.timeout_ns), K_NS },
	{ "patch.functions[].errors", B_FUNC, offsetof(struct hc_policy_func, errors), K_ENUM },
	{ "patch.consistency", B_POLICY, P(patch.ulp.consistency), K_ENUM },
	{ "patch.deadline", B_POLICY, P(patch.ulp.deadline_ns), K_NS },
	{ "processes.order", B_POLICY, P(processes.order), K_ENUM },
	{ "watch[].errors", B_WATCH, offsetof(struct hc_policy_watch, errors), K_ENUM },
	{ "guardrails.kernel_log", B_POLICY, P(guardrails.kernel_log), K_BOOL },
	{ "guardrails.taint", B_POLICY, P(guardrails.taint), K_BOOL },
	{ "guardrails.fatal_signals", B_POLICY, P(guardrails.fatal_signals), K_BOOL },
	{ "guardrails.min_call_ratio", B_POLICY, P(guardrails.min_call_ratio), K_DOUBLE },
	{ "guardrails.allow_tainted_die", B_POLICY, P(guardrails.allow_tainted_die), K_BOOL },
	{ "baseline.duration", B_POLICY, P(baseline.duration_ns), K_NS },
	{ "judge.alpha", B_POLICY, P(judge.alpha), K_DOUBLE },
	{ "judge.beta", B_POLICY, P(judge.beta), K_DOUBLE },
	{ "judge.min_calls", B_POLICY, P(judge.min_calls), K_U64 },
	{ "judge.max_p50_ratio", B_POLICY, P(judge.max_p50_ratio), K_DOUBLE },
	{ "judge.max_p90_ratio", B_POLICY, P(judge.max_p90_ratio), K_DOUBLE },
	{ "judge.max_p99_ratio", B_POLICY, P(judge.max_p99_ratio), K_DOUBLE },
	{ "judge.max_error_ratio", B_POLICY, P(judge.max_error_ratio), K_DOUBLE },
	{ "judge.on_inconclusive", B_POLICY, P(judge.on_inconclusive), K_ENUM },
	{ "judge.on_nodata", B_POLICY, P(judge.on_nodata), K_ENUM },
	{ "ab.end", B_POLICY, P(ab.end), K_ENUM },
};

#define NR_PLACES (sizeof(places) / sizeof(places[0]))

static const struct place *place_of(const char *key)
{
	size_t i;

	for (i = 0; i < NR_PLACES; i++)
		if (!strcmp(places[i].key, key))
			return &places[i];
	return NULL;
}

static size_t kind_size(enum kind k)
{
	switch (k) {
	case K_BOOL:
		return sizeof(bool);
	case K_DOUBLE:
		return sizeof(double);
	case K_U64:
	case K_NS:
		return sizeof(uint64_t);
	case K_ENUM:
		return sizeof(int);
	}
	return 0;
}

static const void *value_of(const struct hc_policy *pol, const struct place *pl)
{
	const char *base = (const char *)pol;

	if (pl->base == B_WATCH)
		base = pol->nr_watch ? (const char *)&pol->watch[0] : NULL;
	else if (pl->base == B_FUNC)
		base = pol->patch.ulp.nr_functions ? (const char *)&pol->patch.ulp.functions[0] :
						     NULL;
	if (!base)
		die("%s: the minimal policy has no list item to read it from", pl->key);
	return base + pl->off;
}

static bool same_value(const struct place *pl, const void *a, const void *b)
{
	return !memcmp(a, b, kind_size(pl->kind));
}

/* ---- minimal policies --------------------------------------------------------------------- */

static const char *const type_names[] = {
	[HC_PATCH_KLP] = "klp",
	[HC_PATCH_EXEC] = "exec",
	[HC_PATCH_ULP] = "ulp",
};

/*
 * A minimal policy of @type (every list with one item), with @key set to @value if @key is
 * not NULL. -1 when this test does not know where @key goes.
 */
static int policy_text(char *buf, size_t len, enum hc_patch_type type, const char *key,
		       const char *value)
{
	char patch[128] = "", func[128] = "", watch[128] = "", stage[128] = "", tail[128] = "";
	char procs[128] = "";
	const char *leaf = key ? strrchr(key, '.') : NULL;
	const char *dot;
	int n;

	if (key) {
		leaf = leaf ? leaf + 1 : key;
		dot = strchr(key, '.');
		if (!strncmp(key, "patch.functions[].", 18))
			snprintf(func, sizeof(func), "      %s: %s\n", leaf, value);
		else if (!strncmp(key, "patch.", 6) && !strchr(key + 6, '.'))
			snprintf(patch, sizeof(patch), "  %s: %s\n", leaf, value);
		else if (!strncmp(key, "watch[].", 8) && !strchr(key + 8, '.'))
			snprintf(watch, sizeof(watch), "    %s: %s\n", leaf, value);
		else if (!strncmp(key, "stages[].", 9) && !strchr(key + 9, '.'))
			snprintf(stage, sizeof(stage), "    %s: %s\n", leaf, value);
		else if (!strcmp(key, "processes.order"))
			snprintf(procs, sizeof(procs), "  %s: %s\n", leaf, value);
		else if (!dot)
			snprintf(tail, sizeof(tail), "%s: %s\n", key, value);
		else if (!strchr(dot + 1, '.') && !strchr(key, '[') &&
			 strncmp(key, "processes.", 10))
			snprintf(tail, sizeof(tail), "%.*s:\n  %s: %s\n", (int)(dot - key), key,
				 leaf, value);
		else
			return -1;
	}
	switch (type) {
	case HC_PATCH_KLP:
		n = snprintf(buf, len, "name: t\npatch:\n  type: klp\n  module: /fix.ko\n%s",
			     patch);
		break;
	case HC_PATCH_EXEC:
		n = snprintf(buf, len,
			     "name: t\npatch:\n  type: exec\n  apply: [a]\n  revert: [b]\n%s",
			     patch);
		break;
	case HC_PATCH_ULP:
		n = snprintf(buf, len,
			     "name: t\npatch:\n  type: ulp\n  library: /l.so\n  target: /t\n"
			     "  build_id: abcd\n%s  functions:\n    - old: f\n      new: g\n%s"
			     "processes:\n  exe: /t\n%s",
			     patch, func, procs);
		break;
	default:
		return -1;
	}
	n += snprintf(buf + n, len - n,
		      "watch:\n  - function: kernel:f\n%sstages:\n  - name: s\n"
		      "    duration: 1s\n%s%s%s",
		      watch, type == HC_PATCH_ULP ? "    targets: 1\n" : "", stage, tail);
	return (size_t)n < len ? 0 : -1;
}

/* the minimal policy of @type with @key: @value, or NULL with the parser's error in @why */
static struct hc_policy *parse_with(enum hc_patch_type type, const char *key, const char *value,
				    char *why, size_t len)
{
	struct hc_policy *pol = NULL;
	struct policy_err err;
	char text[1024];

	if (policy_text(text, sizeof(text), type, key, value)) {
		snprintf(why, len,
			 "tests/unit/test_policy_defaults.c cannot place %s in a policy; "
			 "teach policy_text() where it goes",
			 key);
		return NULL;
	}
	if (policy__parse("minimal.yaml", text, strlen(text), &pol, &err)) {
		policy_err__format(&err, why, len);
		return NULL;
	}
	return pol;
}

static struct hc_policy *minimal(enum hc_patch_type type)
{
	struct hc_policy *pol;
	char why[700];

	pol = parse_with(type, NULL, NULL, why, sizeof(why));
	if (!pol)
		die("the minimal %s policy is refused: %s", type_names[type], why);
	return pol;
}

/* ---- the documentation -------------------------------------------------------------------- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		die("%s: cannot open it: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		die("%s: cannot size it", path);
	buf = malloc(n + 1);
	if (!buf || fread(buf, 1, n, f) != (size_t)n)
		die("%s: cannot read it", path);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

struct doc_key {
	char key[64];	    /* "judge.alpha", "watch[].errors" */
	char value[32];	    /* the default column: "0.01", "req", "-"; "" when empty */
	unsigned int types; /* TYPE() of the patch types it belongs to */
	char desc[128];	    /* the rest of its line: the choices of an enum */
	int line;	    /* in user/policy.h */
};

/* the lists of the schema: their keys hold items, written KEY[] in a key's path */
static bool is_list(const char *path)
{
	return !strcmp(path, "watch") || !strcmp(path, "stages") ||
	       !strcmp(path, "patch.functions");
}

/*
 * The table of the comment in user/policy.h, from the line after "The keys, their types"
 * to the first blank line after it. A key starts before column 24 (the default column),
 * after an optional type prefix ("klp:"), nested by its column; its default starts at
 * column 24, or after the key if the key is longer. Lines that start at column 24 or
 * later go on the line before.
 */
static size_t read_table(const char *path, struct doc_key *keys, size_t max)
{
	struct {
		int col;
		char path[64];
	} stack[8];
	char *text = slurp(path), *line, *next;
	unsigned int scope = ALL_TYPES;
	int depth = 0, lineno = 0, scope_col = 0;
	bool in = false, started = false;
	size_t n = 0;

	for (line = text; line; line = next) {
		char buf[256], key[64], full[64], *s;
		int col, kcol, kend, vcol, i;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (!in) {
			in = strstr(line, "The keys, their types") != NULL;
			continue;
		}
		if (strncmp(line, " *", 2))
			break;
		snprintf(buf, sizeof(buf), "%s", line[2] == ' ' ? line + 3 : line + 2);
		for (col = 0; buf[col] == ' '; col++)
			;
		if (!buf[col]) {
			if (started)
				break;
			continue;
		}
		started = true;
		if (col >= 24)
			continue;
		s = buf + col;
		kcol = col;
		/* a type prefix: the keys from here to the next prefix or outdent are its */
		if (!strncmp(s, "klp:", 4) || !strncmp(s, "exec:", 5) || !strncmp(s, "ulp:", 4)) {
			scope = !strncmp(s, "klp:", 4)	? TYPE(HC_PATCH_KLP) :
				!strncmp(s, "exec:", 5) ? TYPE(HC_PATCH_EXEC) :
							  TYPE(HC_PATCH_ULP);
			scope_col = col;
			while (depth && stack[depth - 1].col >= col)
				depth--;
			s = strchr(s, ':') + 1;
			while (*s == ' ')
				s++;
			kcol = s - buf;
		} else if (col <= scope_col || scope_col == 0) {
			scope = ALL_TYPES;
			scope_col = 0;
		}
		for (i = 0; s[i] && (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
				     s[i] == '_');
		     i++)
			;
		if (!i || i >= (int)sizeof(key) || (s[i] && s[i] != ' '))
			die("%s:%d: expected a key at column %d: '%s'", path, lineno, kcol, buf);
		snprintf(key, sizeof(key), "%.*s", i, s);
		kend = kcol + i;
		while (depth && stack[depth - 1].col >= kcol)
			depth--;
		if (depth >= (int)(sizeof(stack) / sizeof(stack[0])))
			die("%s:%d: nested too deep", path, lineno);
		stack[depth].col = kcol;
		if (depth)
			i = snprintf(full, sizeof(full), "%s%s.%s", stack[depth - 1].path,
				     is_list(stack[depth - 1].path) ? "[]" : "", key);
		else
			i = snprintf(full, sizeof(full), "%s", key);
		if (i >= (int)sizeof(full))
			die("%s:%d: the key's path is too long", path, lineno);
		memcpy(stack[depth].path, full, sizeof(full));
		depth++;

		if (n == max)
			die("%s: more than %zu keys; raise MAX_KEYS", path, max);
		memset(&keys[n], 0, sizeof(keys[n]));
		memcpy(keys[n].key, stack[depth - 1].path, sizeof(keys[n].key));
		keys[n].types = scope;
		keys[n].line = lineno;
		/* the default column */
		if (kend <= 22)
			vcol = strlen(buf) > 24 && buf[23] == ' ' && buf[24] != ' ' ? 24 : -1;
		else
			for (vcol = kend; buf[vcol] == ' '; vcol++)
				;
		if (vcol > 0 && buf[vcol]) {
			i = strcspn(buf + vcol, " ");
			snprintf(keys[n].value, sizeof(keys[n].value), "%.*s", i, buf + vcol);
			snprintf(keys[n].desc, sizeof(keys[n].desc), "%s", buf + vcol + i);
		}
		n++;
	}
	free(text);
	if (!n)
		die("%s: no key table after \"The keys, their types\"", path);
	return n;
}

static const struct doc_key *doc_key(const struct doc_key *keys, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(keys[i].key, key))
			return &keys[i];
	return NULL;
}

/* a default column that is no value: required, none, a note on the types */
static bool no_value(const char *v)
{
	size_t len = strlen(v);

	return !len || !strcmp(v, "req") || !strcmp(v, "-") || !strcmp(v, "all") ||
	       v[len - 1] == ':' || v[len - 1] == ',';
}

/* "5 s" as the docs' prose writes it is "5s" in a policy */
static void squeeze_unit(char *v)
{
	char *sp = strchr(v, ' ');

	if (sp && sp > v && isdigit((unsigned char)sp[-1]) && isalpha((unsigned char)sp[1]))
		memmove(sp, sp + 1, strlen(sp));
}

/* ---- comparing ---------------------------------------------------------------------------- */

/* the first word of @desc that, as @pl's value, parses to @v: the name of an enum value */
static bool name_enum(const struct place *pl, enum hc_patch_type type, const char *desc,
		      const void *v, char *buf, size_t len)
{
	struct hc_policy *pol;
	char word[32], why[700];
	bool found = false;
	size_t i;

	while (*desc && !found) {
		while (*desc && !islower((unsigned char)*desc))
			desc++;
		for (i = 0; i < sizeof(word) - 1 && islower((unsigned char)desc[i]); i++)
			word[i] = desc[i];
		word[i] = '\0';
		while (islower((unsigned char)*desc))
			desc++;
		if (!i)
			break;
		pol = parse_with(type, pl->key, word, why, sizeof(why));
		found = pol && same_value(pl, value_of(pol, pl), v);
		if (found)
			snprintf(buf, len, "%s", word);
		policy__free(pol);
	}
	return found;
}

/* @v as text; an enum by the word of a line of the table (@d's first) that parses to it */
static const char *show(const struct place *pl, const struct doc_key *keys, size_t nkeys,
			const struct doc_key *d, enum hc_patch_type type, const void *v, char *buf,
			size_t len)
{
	size_t i;

	switch (pl->kind) {
	case K_BOOL:
		return *(const bool *)v ? "true" : "false";
	case K_DOUBLE:
		snprintf(buf, len, "%g", *(const double *)v);
		return buf;
	case K_U64:
		snprintf(buf, len, "%" PRIu64, *(const uint64_t *)v);
		return buf;
	case K_NS:
		snprintf(buf, len, "%gs", *(const uint64_t *)v / 1e9);
		return buf;
	case K_ENUM:
		break;
	}
	if (d && name_enum(pl, type, d->desc, v, buf, len))
		return buf;
	for (i = 0; i < nkeys; i++)
		if (name_enum(pl, type, keys[i].desc, v, buf, len))
			return buf;
	snprintf(buf, len, "enum value %d", *(const int *)v);
	return buf;
}

/*
 * Does a @type policy without @key get what @doc says (@where: "FILE:LINE")? A @doc that
 * names another key of the table means that key's value.
 */
static int check_one(const char *where, const struct doc_key *keys, size_t nkeys, const char *key,
		     const char *doc, enum hc_patch_type type)
{
	const struct doc_key *d = doc_key(keys, nkeys, key), *other = NULL;
	const struct place *pl = place_of(key), *opl = NULL;
	struct hc_policy *pol0, *pol1 = NULL;
	char why[700], sib[64], a[64], b[64];
	const void *want;
	const char *dot;
	int bad = 0;

	if (!pl) {
		print_error("%s: %s: no row in places[] of tests/unit/test_policy_defaults.c; add "
			    "where a parsed policy keeps it\n",
			    where, key);
		return 1;
	}
	/* a sibling key as the default: "max_p90_ratio  max_p50_ratio" */
	dot = strrchr(key, '.');
	snprintf(sib, sizeof(sib), "%.*s%s", dot ? (int)(dot - key + 1) : 0, key, doc);
	other = doc_key(keys, nkeys, sib);
	opl = other ? place_of(sib) : NULL;
	if (other && !opl) {
		print_error("%s: %s: no row in places[] of tests/unit/test_policy_defaults.c\n",
			    where, sib);
		return 1;
	}

	pol0 = minimal(type);
	if (opl) {
		want = value_of(pol0, opl);
	} else {
		pol1 = parse_with(type, key, doc, why, sizeof(why));
		if (!pol1) {
			print_error("%s: %s: the documented default '%s' is refused by a %s policy: "
				    "%s\n",
				    where, key, doc, type_names[type], why);
			policy__free(pol0);
			return 1;
		}
		want = value_of(pol1, pl);
	}
	if (!same_value(pl, value_of(pol0, pl), want)) {
		show(pl, keys, nkeys, d, type, want, a, sizeof(a));
		print_error("%s: %s: documented as %s%s%s%s, but a policy of type %s without it "
			    "gets %s; make the schema's default (user/policy_schema.c) and every doc "
			    "say the same\n",
			    where, key, doc, opl ? " (" : "", opl ? a : "", opl ? ")" : "",
			    type_names[type],
			    show(pl, keys, nkeys, d, type, value_of(pol0, pl), b, sizeof(b)));
		bad = 1;
	}
	policy__free(pol1);
	policy__free(pol0);
	return bad;
}

static enum hc_patch_type first_type(unsigned int types)
{
	enum hc_patch_type t;

	for (t = HC_PATCH_KLP; t <= HC_PATCH_ULP; t++)
		if (types & TYPE(t))
			return t;
	return HC_PATCH_KLP;
}

/* ---- tests -------------------------------------------------------------------------------- */

#define POLICY_H SRC_DIR "/user/policy.h"

static void test_table(void **state)
{
	struct doc_key keys[MAX_KEYS];
	size_t n = read_table(POLICY_H, keys, MAX_KEYS), i, checked = 0;
	enum hc_patch_type t;
	char where[256];
	int bad = 0;

	for (i = 0; i < n; i++) {
		if (no_value(keys[i].value))
			continue;
		snprintf(where, sizeof(where), "user/policy.h:%d", keys[i].line);
		for (t = HC_PATCH_KLP; t <= HC_PATCH_ULP; t++) {
			if (!(keys[i].types & TYPE(t)))
				continue;
			bad |= check_one(where, keys, n, keys[i].key, keys[i].value, t);
			checked++;
		}
	}
	/* the other way round: a row of places[] whose default the table lost */
	for (i = 0; i < NR_PLACES; i++) {
		const struct doc_key *d = doc_key(keys, n, places[i].key);

		if (!d || no_value(d->value)) {
			print_error("user/policy.h: %s: no default in the key table, but "
				    "tests/unit/test_policy_defaults.c has a row for it; document "
				    "its default or drop the row\n",
				    places[i].key);
			bad = 1;
		}
	}
	if (bad)
		fail_msg("user/policy.h documents a default that parsing does not give (above)");
	/* the table was read at all: 22 keys with defaults, some in more than one type */
	assert_true(checked >= NR_PLACES);
}

/*
 * A key of the table, from what the docs put in backquotes: its whole path, or (in
 * "`KEY: VALUE`") a last component no other key with a default has. NULL if neither.
 */
static const struct doc_key *find_key(const struct doc_key *keys, size_t n, const char *name,
				      bool leaf_ok, bool *ambiguous)
{
	const struct doc_key *found = NULL;
	const char *last;
	size_t i;

	*ambiguous = false;
	for (i = 0; i < n; i++)
		if (!strcmp(keys[i].key, name))
			return &keys[i];
	if (!leaf_ok)
		return NULL;
	for (i = 0; i < n; i++) {
		last = strrchr(keys[i].key, '.');
		if (no_value(keys[i].value) || strcmp(last ? last + 1 : keys[i].key, name))
			continue;
		if (found)
			*ambiguous = true;
		found = &keys[i];
	}
	return found;
}

static int lineno_at(const char *text, const char *p)
{
	int n = 1;

	for (; text < p; text++)
		n += *text == '\n';
	return n;
}

/* blank out the fenced blocks of Markdown @text, fences included, keeping its lines */
static void blank_fences(char *text)
{
	bool fenced = false, fence;
	char *s, *e;

	for (s = text; *s; s = *e ? e + 1 : e) {
		e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		fence = !strncmp(s + strspn(s, " "), "```", 3);
		if (fence)
			fenced = !fenced;
		if (fence || fenced)
			memset(s, ' ', e - s);
	}
}

/* the defaults one Markdown file states; returns how many it states */
static int check_markdown(const char *file, const struct doc_key *keys, size_t n, int *bad)
{
	static const char *const forms[] = {
		/* `judge.alpha` (default 0.01) */
		"`([a-z0-9_.]+)`[[:space:]]+\\(default[[:space:]]+([^)]+)\\)",
		/* `consistency: strict` (the default) */
		"`([a-z0-9_.]+):[[:space:]]*([^`]+)`[[:space:]]+\\(the[[:space:]]+default\\)",
	};
	char path[512], where[600], name[64], value[64];
	char *text, *p, *q;
	const struct doc_key *d;
	regmatch_t m[3];
	bool amb;
	int found = 0, ret;
	size_t f;
	regex_t re;

	snprintf(path, sizeof(path), "%s/%s", SRC_DIR, file);
	text = slurp(path);
	blank_fences(text);
	for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		assert_int_equal(regcomp(&re, forms[f], REG_EXTENDED), 0);
		for (p = text; !regexec(&re, p, 3, m, p == text ? 0 : REG_NOTBOL);
		     p += m[0].rm_eo) {
			snprintf(name, sizeof(name), "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
				 p + m[1].rm_so);
			snprintf(value, sizeof(value), "%.*s", (int)(m[2].rm_eo - m[2].rm_so),
				 p + m[2].rm_so);
			for (q = value; *q; q++)
				if (*q == '\n' || *q == '\t')
					*q = ' ';
			squeeze_unit(value);
			d = find_key(keys, n, name, f == 1, &amb);
			snprintf(where, sizeof(where), "%s:%d", file,
				 lineno_at(text, p + m[0].rm_so));
			if (amb) {
				print_error("%s: '%s' names more than one policy key; write its whole "
					    "path\n",
					    where, name);
				*bad = 1;
				continue;
			}
			if (!d)
				continue; /* not a policy key: a command-line option, ... */
			found++;
			*bad |= check_one(where, keys, n, d->key, value, first_type(d->types));
		}
		regfree(&re);
	}

	/* a key followed closely by "default" in a form read above is checked; else say so */
	for (p = strchr(text, '`'); p && (q = strchr(p + 1, '`')); p = strchr(q + 1, '`')) {
		const char *after = q + 1, *def;

		snprintf(name, sizeof(name), "%.*s", (int)(q - p - 1), p + 1);
		d = find_key(keys, n, name, false, &amb);
		def = strstr(after, "default");
		if (!d || no_value(d->value) || !def || def - after > 30)
			continue;
		ret = regcomp(&re, "^[[:space:]]+\\(default[[:space:]]", REG_EXTENDED);
		assert_int_equal(ret, 0);
		ret = regexec(&re, after, 0, NULL, 0);
		regfree(&re);
		if (ret) {
			print_error("%s:%d: `%s` is followed by 'default' in a form this test cannot "
				    "read; write `%s` (default VALUE)\n",
				    file, lineno_at(text, p), name, name);
			*bad = 1;
		}
	}
	free(text);
	return found;
}

static void test_markdown(void **state)
{
	struct doc_key keys[MAX_KEYS];
	size_t n = read_table(POLICY_H, keys, MAX_KEYS), i;
	int bad = 0, found;
	glob_t g;

	/* README.md states several: at least those must be found */
	found = check_markdown("README.md", keys, n, &bad);
	if (found < 5)
		fail_msg("README.md: %d policy defaults found; expected at least 5 (judge.alpha, "
			 "judge.beta, ...): has the form changed?",
			 found);
	assert_int_equal(glob(SRC_DIR "/tools/docs/design/*.md", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++)
		check_markdown(g.gl_pathv[i] + strlen(SRC_DIR) + 1, keys, n, &bad);
	globfree(&g);
	if (bad)
		fail_msg("the Markdown docs state a default that parsing does not give (above)");
}

/* the figures the judge library uses without a policy (tests, bench-judge) are the same */
static void test_judge_library(void **state)
{
	struct hc_policy *pol = minimal(HC_PATCH_KLP);
	struct judge_config cfg;
	int bad = 0;

	judge__config_defaults(&cfg);
#define SAME(field, fmt, pv)                                                                      \
	do {                                                                                      \
		if (cfg.field != (pv)) {                                                          \
			print_error("user/judge.c: judge__config_defaults() sets " #field " " fmt \
				    ", the policy's default is " fmt "\n",                        \
				    cfg.field, (pv));                                             \
			bad = 1;                                                                  \
		}                                                                                 \
	} while (0)
	SAME(min_calls, "%" PRIu64, (uint64_t)pol->judge.min_calls);
	SAME(max_p50_ratio, "%g", pol->judge.max_p50_ratio);
	SAME(max_p99_ratio, "%g", pol->judge.max_p99_ratio);
	SAME(max_error_ratio, "%g", pol->judge.max_error_ratio);
#undef SAME
	policy__free(pol);
	if (bad)
		fail_msg("the judge's own defaults differ from the policy's (above)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_judge_library),
	};

	return cmocka_run_group_tests_name("policy_defaults", tests, NULL, NULL);
}
