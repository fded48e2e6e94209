// SPDX-License-Identifier: GPL-2.0
/*
 * Policy files. libyaml's document API gives the node tree with the position of every node;
 * a table of fields per mapping drives the checks, so that unknown, duplicate, missing and
 * wrongly typed keys are handled the same way everywhere. The first error stops the parse.
 *
 * This file loads, parses and frees a policy; user/policy_yaml.c walks the YAML and places the
 * errors, user/policy_schema.c holds the tables of fields and the parsers of values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "input.h"
#include "policy_int.h"

/* ---- documents --------------------------------------------------------------------------- */

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
		return policy__fail_mark(err, &start, NULL, "no policy text");

	if (!yaml_parser_initialize(&parser)) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = policy__fail_yaml(&parser, err, text, len);
		goto out_parser;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root || policy__is_null(root)) {
		/* even after "---" or comments: the whole file is what is empty */
		ret = policy__fail_mark(err, &start, NULL,
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
	c.type = policy__type_ahead(&doc, root);
	ret = policy__walk_root(&c, root);
	if (ret)
		goto out_doc;
	policy__defaults_after(pol);

	/* one policy is one document: anything after it is an error too */
	if (!yaml_parser_load(&parser, &next)) {
		ret = policy__fail_yaml(&parser, err, text, len);
		goto out_doc;
	}
	root = yaml_document_get_root_node(&next);
	if (root)
		ret = policy__fail_mark(err, &root->start_mark, NULL,
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
	.what = "policy",
	.max = HC_POLICY_MAX_BYTES,
	.trusted = true,
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
	for (i = 0; i < pol->patch.klp.nr_restore; i++)
		free(pol->patch.klp.restore[i]);
	free(pol->patch.klp.restore);
	for (i = 0; i < pol->patch.klp.nr_stacks_on; i++)
		free(pol->patch.klp.stacks_on[i]);
	free(pol->patch.klp.stacks_on);
	free(pol->patch.klp.params);
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
	return (unsigned int)type < ARRAY_SIZE(policy__type_names) ? policy__type_names[type] : "?";
}

const char *policy_err__format(const struct policy_err *err, char *buf, size_t len)
{
	const char *file = err->file[0] ? err->file : "<policy>";

	if (!len)
		return buf;
	if (err->line <= 0)
		snprintf(buf, len, "%s: %s%s%s", file, err->key, err->key[0] ? ": " : "", err->msg);
	else
		snprintf(buf, len, "%s:%d:%d: %s%s%s", file, err->line, err->column, err->key,
			 err->key[0] ? ": " : "", err->msg);
	return buf;
}
