// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "funcspec.h"
#include "hotcanary.h"

#define FORMS "expected 'kernel:[MODULE:]NAME[@PID]' or 'user:PATH:SYMBOL[@PID]'"

static int fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -EINVAL;
}

/* C identifiers, plus '.' for compiler clones such as "foo.constprop.0" */
static int kernel_name_ok(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.')
			return 0;
	return 1;
}

static int module_name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

/* Split a trailing "@PID" off @s. Symbols may contain '@' (versions), PIDs are all digits. */
static int split_pid(char *s, pid_t *pid, char *err, size_t errlen)
{
	char *at = strrchr(s, '@'), *end;
	long v;

	*pid = 0;
	if (!at)
		return 0;
	if (!at[1] || !isdigit((unsigned char)at[1])) {
		if (!at[1])
			return fail(err, errlen, "missing PID after '@'");
		return 0;
	}
	errno = 0;
	v = strtol(at + 1, &end, 10);
	if (*end)
		return 0;
	if (errno || v <= 0 || v > INT_MAX)
		return fail(err, errlen, "PID after '@' must be a positive process id");
	*pid = (pid_t)v;
	*at = '\0';
	return 0;
}

int funcspec__err_mode(const struct hc_funcspec *spec, int given)
{
	if (given >= 0)
		return given;
	return spec->kind == HC_FUNC_USER ? HC_ERR_NONE : HC_ERR_NEG;
}

int funcspec__parse(const char *text, struct hc_funcspec *spec, char *err, size_t errlen)
{
	char *body = NULL, *colon;
	int ret;

	memset(spec, 0, sizeof(*spec));
	if (!text || !*text)
		return fail(err, errlen, "empty function spec; " FORMS);
	if (!strncmp(text, "kernel:", 7)) {
		spec->kind = HC_FUNC_KERNEL;
		body = strdup(text + 7);
	} else if (!strncmp(text, "user:", 5)) {
		spec->kind = HC_FUNC_USER;
		body = strdup(text + 5);
	} else {
		return fail(err, errlen, "unknown kind; " FORMS);
	}
	if (!body)
		return -ENOMEM;
	ret = split_pid(body, &spec->pid, err, errlen);
	if (ret)
		goto err;
	if (spec->kind == HC_FUNC_KERNEL && (colon = strchr(body, ':'))) {
		/* kernel:MODULE:NAME, a function of a module */
		*colon = '\0';
		if (!module_name_ok(body)) {
			ret = fail(err, errlen,
				   *body ? "a kernel module name is made of [A-Za-z0-9_-]" :
					   "missing module name before ':'");
			goto err;
		}
		if (!kernel_name_ok(colon + 1)) {
			ret = fail(err, errlen,
				   colon[1] ? "kernel function name must be a C identifier" :
					      "missing kernel function name after the module");
			goto err;
		}
		/* as the kernel names it: '-' in a module's file name is '_' in its name */
		for (char *c = body; *c; c++)
			if (*c == '-')
				*c = '_';
		spec->path = body;
		spec->symbol = strdup(colon + 1);
		if (!spec->symbol) {
			ret = -ENOMEM;
			goto err;
		}
	} else if (spec->kind == HC_FUNC_KERNEL) {
		if (!kernel_name_ok(body)) {
			ret = fail(err, errlen,
				   *body ? "kernel function name must be a C identifier" :
					   "missing kernel function name");
			goto err;
		}
		spec->symbol = body;
	} else {
		/* the path may itself contain ':', the symbol cannot */
		colon = strrchr(body, ':');
		if (!colon) {
			ret = fail(err, errlen, "missing ':SYMBOL' after the path; " FORMS);
			goto err;
		}
		*colon = '\0';
		if (!*body) {
			ret = fail(err, errlen, "missing binary path; " FORMS);
			goto err;
		}
		if (!colon[1]) {
			ret = fail(err, errlen, "missing symbol after the path; " FORMS);
			goto err;
		}
		spec->path = body;
		spec->symbol = strdup(colon + 1);
		if (!spec->symbol) {
			ret = -ENOMEM;
			goto err;
		}
	}
	spec->text = strdup(text);
	if (!spec->text) {
		ret = -ENOMEM;
		goto err;
	}
	return 0;
err:
	if (spec->symbol != body)
		free(spec->symbol);
	free(body);
	memset(spec, 0, sizeof(*spec));
	return ret;
}

void funcspec__free(struct hc_funcspec *spec)
{
	if (!spec)
		return;
	/* a user spec's binary, a kernel spec's module (or NULL) */
	free(spec->path);
	free(spec->symbol);
	free(spec->text);
	memset(spec, 0, sizeof(*spec));
}
