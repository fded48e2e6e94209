/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the policy parser's files share: not an API. user/policy_yaml.c walks the YAML and
 * places errors, user/policy_schema.c holds the keys and their parsers, user/policy.c loads,
 * parses and frees a policy (user/policy.h).
 */
#ifndef HC_POLICY_INT_H
#define HC_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>
#include "policy.h"

/*
 * The patch types a key applies to, one bit per enum hc_patch_type. A type test outside the
 * drivers (user/patch/), on purpose: the schema is checked before any driver exists, so that
 * a policy is refused with the file, line and key, whatever its type.
 */
#define T_KLP  (1u << HC_PATCH_KLP)
#define T_EXEC (1u << HC_PATCH_EXEC)
#define T_ULP  (1u << HC_PATCH_ULP)
#define T_ALL  (T_KLP | T_EXEC | T_ULP)

#define KEY_LEN	   sizeof(((struct policy_err *)0)->key)
#define MAX_FIELDS 24

struct ctx {
	yaml_document_t *doc;
	struct hc_policy *pol;
	struct policy_err *err;
	unsigned int type; /* T_* of the patch type; T_ALL while it is not known */
};

typedef int (*parse_fn)(struct ctx *c, yaml_node_t *node, const char *path, void *dst);

struct field {
	const char *key;
	unsigned int types;    /* the patch types that take this key */
	unsigned int required; /* the patch types that need it */
	parse_fn parse;
	size_t off;	  /* of the destination, in the struct policy__walk_mapping() fills */
	const char *what; /* for "missing required key" */
};

/* the key and value nodes of each field met in a mapping, by field index */
struct seen {
	yaml_node_t *key[MAX_FIELDS];
	yaml_node_t *value[MAX_FIELDS];
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* policy_schema.c */
extern const char *const policy__type_names[HC_PATCH_ULP + 1];

unsigned int policy__type_ahead(yaml_document_t *doc, yaml_node_t *root);
void policy__defaults(struct hc_policy *pol);
void policy__defaults_after(struct hc_policy *pol);
int policy__walk_root(struct ctx *c, yaml_node_t *root);

/* policy_yaml.c */
__attribute__((format(printf, 4, 5))) int
policy__fail(struct ctx *c, const yaml_node_t *node, const char *path, const char *fmt, ...);
__attribute__((format(printf, 4, 5))) int policy__fail_mark(
	struct policy_err *err, const yaml_mark_t *mark, const char *path, const char *fmt, ...);
int policy__fail_expected(struct ctx *c, const yaml_node_t *node, const char *path,
			  const char *what);
int policy__fail_yaml(yaml_parser_t *parser, struct policy_err *err, const char *text, size_t len);
bool policy__is_plain(const yaml_node_t *node);
bool policy__is_null(const yaml_node_t *node);

int policy__take_scalar(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
			const char **out);
int policy__take_string(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
			char **out);
int policy__take_choice(struct ctx *c, yaml_node_t *node, const char *path,
			const char *const *names, size_t nr, int *out);
int policy__take_number(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
			double *out);
int policy__take_integer(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
			 long long min, long long max, long long *out);

void policy__path_key(char *buf, const char *path, const char *key);
void policy__path_index(char *buf, const char *path, size_t i);
int policy__walk_mapping(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
			 const struct field *f, size_t nf, void *base, struct seen *seen);

int policy__check_list(struct ctx *c, yaml_node_t *node, const char *path, const char *what,
		       bool nonempty, size_t *nr);
yaml_node_t *policy__list_item(struct ctx *c, yaml_node_t *node, size_t i);

#endif
