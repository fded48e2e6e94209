// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "exec_driver.h"
#include "steps.h"

int steps__init(struct steps *s, struct journal *j, uint64_t timeout_ms)
{
	memset(s, 0, sizeof(*s));
	s->j = j;
	s->timeout_ms = timeout_ms;
	return klp_sys__init(&s->sys, NULL);
}

static struct json_object *klp_detail(const char *path, const char *name)
{
	struct json_object *d = json_object_new_object();

	if (path)
		json_object_object_add(d, "module", json_object_new_string(path));
	json_object_object_add(d, "module_name", json_object_new_string(name));
	return d;
}

/* the journal must hold the intent before the system changes: no journal, no action */
static int intent(struct steps *s, enum journal_action a, struct json_object *d, char *err,
		  size_t len)
{
	char jerr[512];
	int ret;

	if (!s->j)
		return 0;
	ret = journal__intent(s->j, a, d, jerr, sizeof(jerr));
	if (ret)
		snprintf(err, len, "cannot journal '%s' before doing it: %s", journal__action_name(a),
			 jerr);
	return ret;
}

static int result(struct steps *s, enum journal_action a, struct json_object *d, int error,
		  const char *why, char *err, size_t len)
{
	char jerr[512];
	int ret;

	if (!s->j)
		return error;
	ret = journal__result(s->j, a, d, error, error ? why : NULL, jerr, sizeof(jerr));
	if (ret && !error) {
		snprintf(err, len, "'%s' was done but cannot be journaled: %s",
			 journal__action_name(a), jerr);
		return ret;
	}
	return error;
}

/* a task list short enough for one line: "pid 42 (kworker) in foo+0x1/0x2; ..." */
static void describe_blockers(struct steps *s, char *buf, size_t len)
{
	struct klp_blocker *b = NULL;
	size_t n = 0, i, used = 0;

	buf[0] = '\0';
	if (klp__blockers(&s->sys, 1, &b, &n) || !n) {
		snprintf(buf, len, "no blocking task found");
		return;
	}
	for (i = 0; i < n && i < 4 && used < len; i++) {
		char top[96] = "";
		const char *nl;

		if (b[i].stack && *b[i].stack) {
			/* "[<0>] func+0x1/0x2": the innermost frame is the first line */
			const char *p = strchr(b[i].stack, ']');

			p = p ? p + 2 : b[i].stack;
			nl = strchr(p, '\n');
			snprintf(top, sizeof(top), " in %.*s", nl ? (int)(nl - p) : 80, p);
		}
		used += snprintf(buf + used, len - used, "%stid %d (%s)%s", i ? "; " : "", b[i].tid,
				 b[i].comm, top);
	}
	if (n > 4 && used < len)
		snprintf(buf + used, len - used, "; and %zu more", n - 4);
	klp__blockers_free(b, n);
}

int steps__klp_disable(struct steps *s, const char *name, char *err, size_t len)
{
	struct json_object *d = klp_detail(NULL, name);
	int ret;

	ret = intent(s, JOURNAL_ACT_DISABLE, d, err, len);
	if (ret)
		goto out;
	ret = klp__disable(&s->sys, name, err, len);
	if (ret == -ENOENT || ret == -EINVAL)
		ret = 0;	/* gone or already disabled: the goal holds */
	if (!ret)
		ret = klp__wait_gone(&s->sys, name, s->timeout_ms, err, len);
	ret = result(s, JOURNAL_ACT_DISABLE, d, ret, err, err, len);
out:
	json_object_put(d);
	return ret;
}

/* rmmod; the module reference of a disabled patch is dropped by a worker, shortly after */
static int unload_retry(struct steps *s, const char *name, char *err, size_t len)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	int ret = 0, tries;

	for (tries = 0; tries < 100; tries++) {
		ret = klp__unload(name, err, len);
		if (ret == -ENOENT || !klp__loaded(&s->sys, name))
			return 0;
		if (ret != -EWOULDBLOCK && ret != -EBUSY && ret != -EAGAIN)
			break;
		nanosleep(&tick, NULL);
	}
	return ret;
}

int steps__klp_unload(struct steps *s, const char *name, char *err, size_t len)
{
	struct json_object *d = klp_detail(NULL, name);
	int ret;

	ret = intent(s, JOURNAL_ACT_UNLOAD, d, err, len);
	if (ret)
		goto out;
	ret = unload_retry(s, name, err, len);
	ret = result(s, JOURNAL_ACT_UNLOAD, d, ret, err, err, len);
out:
	json_object_put(d);
	return ret;
}

int steps__klp_load(struct steps *s, const char *path, const char *name, bool replace,
		    char *err, size_t len)
{
	struct json_object *d = klp_detail(path, name);
	char why[600], tmp[256];
	int ret, load_err;

	json_object_object_add(d, "replace", json_object_new_boolean(replace));
	ret = intent(s, JOURNAL_ACT_LOAD, d, err, len);
	if (ret)
		goto out;
	load_err = klp__load(path, NULL, err, len);
	ret = result(s, JOURNAL_ACT_LOAD, d, load_err, err, err, len);
	if (load_err)
		goto out;
	/* the patch is live from here on: any failure below must take it out again */
	ret = ret ?: intent(s, JOURNAL_ACT_TRANSITION_WAIT, d, err, len);
	if (!ret) {
		ret = klp__wait_transition(&s->sys, name, s->timeout_ms, err, len);
		if (ret == -ETIMEDOUT)
			describe_blockers(s, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "%s", err);
		result(s, JOURNAL_ACT_TRANSITION_WAIT, d, ret, err, tmp, sizeof(tmp));
	} else {
		snprintf(why, sizeof(why), "%s", err);
	}
	if (ret) {
		/* never 'force': reverse the transition, then take the module out again */
		int r2 = steps__klp_disable(s, name, tmp, sizeof(tmp));

		r2 = r2 ?: steps__klp_unload(s, name, tmp, sizeof(tmp));
		if (ret == -ETIMEDOUT)
			snprintf(err, len, "transition of '%s' did not finish within %.1f s, "
				 "blocked by: %s; %s", name, s->timeout_ms / 1e3, why,
				 r2 ? tmp : "reversed and unloaded");
		else
			snprintf(err, len, "'%s' was loaded, then: %s; %s", name, why,
				 r2 ? tmp : "reversed and unloaded");
	}
out:
	json_object_put(d);
	return ret;
}

int steps__klp_replace(struct steps *s, const char *path, const char *name, const char *ours,
		       char *err, size_t len)
{
	struct json_object *d = klp_detail(path, name);
	int ret;

	ret = intent(s, JOURNAL_ACT_REPLACE_LOAD, d, err, len);
	if (ret)
		goto out;
	/*
	 * A patch that was replaced stays loaded, disabled, until someone unloads it: its module
	 * must go before it can be loaded again. One that is enabled already (a replayed step)
	 * is left alone.
	 */
	if (klp__loaded(&s->sys, name) && klp__enabled(&s->sys, name) != 1)
		ret = unload_retry(s, name, err, len);
	if (!ret && klp__enabled(&s->sys, name) != 1)
		ret = klp__load(path, NULL, err, len);
	if (!ret)
		ret = klp__wait_transition(&s->sys, name, s->timeout_ms, err, len);
	/* the replaced patch is disabled by the kernel; its directory goes when it is freed */
	if (!ret && ours && *ours)
		ret = klp__wait_gone(&s->sys, ours, s->timeout_ms, err, len);
	ret = result(s, JOURNAL_ACT_REPLACE_LOAD, d, ret, err, err, len);
out:
	json_object_put(d);
	return ret;
}

static struct json_object *argv_json(char *const *argv)
{
	struct json_object *a = json_object_new_array();

	for (; argv && *argv; argv++)
		json_object_array_add(a, json_object_new_string(*argv));
	return a;
}

int steps__exec(struct steps *s, enum journal_action action, char *const *argv,
		char *const *revert, uint64_t timeout_ns, char *err, size_t len)
{
	struct json_object *d = json_object_new_object();
	int ret;

	json_object_object_add(d, "argv", argv_json(argv));
	if (revert)
		json_object_object_add(d, "revert", argv_json(revert));
	ret = intent(s, action, d, err, len);
	if (!ret) {
		ret = exec__run(argv, timeout_ns, err, len);
		ret = result(s, action, d, ret, err, err, len);
	}
	json_object_put(d);
	return ret;
}

static const char *detail_str(const struct json_object *d, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(d, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int steps__replay(struct steps *s, const struct journal_step *step, uint64_t exec_timeout_ns,
		  char *err, size_t len)
{
	const char *name = detail_str(step->detail, "module_name");
	const char *path = detail_str(step->detail, "module");
	struct json_object *rv;
	char **argv;
	size_t i, n;
	int ret;

	switch (step->action) {
	case JOURNAL_ACT_DISABLE:
		return name ? steps__klp_disable(s, name, err, len) : -EINVAL;
	case JOURNAL_ACT_UNLOAD:
		return name ? steps__klp_unload(s, name, err, len) : -EINVAL;
	case JOURNAL_ACT_REPLACE_LOAD: {
		if (!name || !path)
			return -EINVAL;
		/* the plan's next step unloads the patch this one replaces */
		return steps__klp_replace(s, path, name, NULL, err, len);
	}
	case JOURNAL_ACT_EXEC_REVERT:
		if (!json_object_object_get_ex(step->detail, "revert", &rv) ||
		    !json_object_is_type(rv, json_type_array)) {
			snprintf(err, len, "the journal has no revert command for this exec patch");
			return -EINVAL;
		}
		n = json_object_array_length(rv);
		argv = calloc(n + 1, sizeof(*argv));
		if (!argv)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			argv[i] = (char *)json_object_get_string(json_object_array_get_idx(rv, i));
		ret = steps__exec(s, JOURNAL_ACT_EXEC_REVERT, argv, NULL, exec_timeout_ns, err, len);
		free(argv);
		return ret;
	default:
		snprintf(err, len, "'%s' steps cannot be replayed by this version",
			 journal__action_name(step->action));
		return -EOPNOTSUPP;
	}
}
