// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include "exec_driver.h"
#include "proc.h"
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

/*
 * The journal must hold the intent before the system changes: no journal, no action. Except
 * for an undo: what it takes back is already journaled (as "maybe" at worst), recover checks
 * the live state before it acts, and leaving a patch in because the disk is full is worse.
 */
static int intent(struct steps *s, enum journal_action a, struct json_object *d, char *err,
		  size_t len)
{
	char jerr[512];
	int ret;

	if (!s->j)
		return 0;
	ret = journal__intent(s->j, a, d, jerr, sizeof(jerr));
	if (ret && journal__action_undoes(a))
		return 0;
	if (ret)
		snprintf(err, len, "cannot journal '%s' before doing it: %s",
			 journal__action_name(a), jerr);
	return ret;
}

/* an undo done but not journaled is still done: see intent() */
static int result(struct steps *s, enum journal_action a, struct json_object *d, int error,
		  const char *why, char *err, size_t len)
{
	char jerr[512];
	int ret;

	if (!s->j)
		return error;
	ret = journal__result(s->j, a, d, error, error ? why : NULL, jerr, sizeof(jerr));
	if (ret && !error && !journal__action_undoes(a)) {
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
		ret = 0; /* gone or already disabled: the goal holds */
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

/*
 * A loaded patch whose load could not be completed (@ret, @why): never 'force', reverse the
 * transition, then take the module out again. Returns @ret, @err says it all.
 */
static int klp_reverse(struct steps *s, const char *name, int ret, const char *why, char *err,
		       size_t len)
{
	char tmp[256];
	int r2 = steps__klp_disable(s, name, tmp, sizeof(tmp));

	r2 = r2 ?: steps__klp_unload(s, name, tmp, sizeof(tmp));
	if (ret == -ETIMEDOUT)
		snprintf(err, len,
			 "transition of '%s' did not finish within %.1f s, "
			 "blocked by: %s; %s",
			 name, s->timeout_ms / 1e3, why, r2 ? tmp : "reversed and unloaded");
	else
		snprintf(err, len, "'%s' was loaded, then: %s; %s", name, why,
			 r2 ? tmp : "reversed and unloaded");
	return ret;
}

int steps__klp_load(struct steps *s, const char *path, const char *name, bool replace,
		    const char *params, char *err, size_t len)
{
	struct json_object *d = klp_detail(path, name);
	char why[600];
	int ret, load_err;

	json_object_object_add(d, "replace", json_object_new_boolean(replace));
	ret = intent(s, JOURNAL_ACT_LOAD, d, err, len);
	if (ret)
		goto out;
	load_err = klp__load(path, params, err, len);
	ret = result(s, JOURNAL_ACT_LOAD, d, load_err, err, err, len);
	/* the patch is live from here on: any failure must take it out again */
	if (ret && !load_err) {
		snprintf(why, sizeof(why), "%s", err);
		klp_reverse(s, name, ret, why, err, len);
	}
out:
	json_object_put(d);
	return ret;
}

int steps__klp_wait(struct steps *s, const char *path, const char *name, bool replace, char *err,
		    size_t len)
{
	struct json_object *d = klp_detail(path, name);
	char why[600], tmp[256];
	int ret;

	json_object_object_add(d, "replace", json_object_new_boolean(replace));
	ret = intent(s, JOURNAL_ACT_TRANSITION_WAIT, d, err, len);
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
	if (ret)
		klp_reverse(s, name, ret, why, err, len);
	json_object_put(d);
	return ret;
}

/* take @ours out from inside a restore step: disable if still enabled, wait until it is freed */
static int take_out(struct steps *s, const char *ours, char *err, size_t len)
{
	int ret = 0;

	if (klp__enabled(&s->sys, ours) == 1)
		ret = klp__disable(&s->sys, ours, err, len);
	if (ret == -ENOENT || ret == -EINVAL)
		ret = 0; /* gone or already disabled meanwhile */
	return ret ?: klp__wait_gone(&s->sys, ours, s->timeout_ms, err, len);
}

int steps__klp_replace(struct steps *s, const char *path, const char *name, const char *ours,
		       bool disable_first, char *err, size_t len)
{
	struct json_object *d = klp_detail(path, name);
	bool have_ours = ours && *ours;
	char params[512] = "";
	bool reload;
	int ret;

	if (have_ours)
		json_object_object_add(d, "replaced", json_object_new_string(ours));
	json_object_object_add(d, "disable_first", json_object_new_boolean(disable_first));
	ret = intent(s, JOURNAL_ACT_REPLACE_LOAD, d, err, len);
	if (ret)
		goto out;
	/*
	 * A patch that was replaced stays loaded, disabled, until someone unloads it: its module
	 * must go before it can be loaded again, with the parameters it has (test_klp_atomic_
	 * replace's "replace" makes it cumulative or not). One that is enabled already (a
	 * replayed step) is left alone. The parameters are read before ours is taken out, so
	 * that a failure to read them leaves ours in place.
	 */
	reload = klp__loaded(&s->sys, name) && klp__enabled(&s->sys, name) != 1;
	if (reload) {
		ret = klp__params(&s->sys, name, params, sizeof(params));
		if (ret)
			snprintf(err, len,
				 "cannot take the parameters of '%s' from /sys/module to load it "
				 "again: %s",
				 name, strerror(-ret));
		else
			json_object_object_add(d, "params", json_object_new_string(params));
	}
	/* a newer klp_state of ours: the kernel refuses the previous patch while ours is on */
	if (!ret && disable_first && have_ours && klp__enabled(&s->sys, name) != 1)
		ret = take_out(s, ours, err, len);
	if (!ret && reload)
		ret = unload_retry(s, name, err, len);
	if (!ret && klp__enabled(&s->sys, name) != 1)
		ret = klp__load(path, params, err, len);
	if (!ret)
		ret = klp__wait_transition(&s->sys, name, s->timeout_ms, err, len);
	/*
	 * A cumulative previous patch disabled ours (the kernel frees it); one that is not
	 * stacks on ours, which is then disabled: what the previous patch does not cover goes
	 * back to the original code, as it was before the run.
	 */
	if (!ret && have_ours)
		ret = take_out(s, ours, err, len);
	ret = result(s, JOURNAL_ACT_REPLACE_LOAD, d, ret, err, err, len);
out:
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

static bool detail_bool(const struct json_object *d, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(d, key, &v) && json_object_get_boolean(v);
}

static struct json_object *hex_json(const uint8_t *b, size_t n)
{
	char buf[2 * ULP_JMP_LEN + 1];
	size_t i;

	for (i = 0; i < n && i < ULP_JMP_LEN; i++)
		snprintf(buf + 2 * i, 3, "%02x", b[i]);
	buf[2 * i] = '\0';
	return json_object_new_string(buf);
}

static struct json_object *addr_json(uint64_t a)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)a);
	return json_object_new_string(buf);
}

static struct json_object *ulp_detail(const struct ulp_proc *p, const char *const *names,
				      const char *library)
{
	struct json_object *d = json_object_new_object(), *sa = json_object_new_array();
	size_t i;

	json_object_object_add(d, "pid", json_object_new_int(p->pid));
	json_object_object_add(d, "start_time", json_object_new_uint64(p->start_time));
	json_object_object_add(d, "comm", json_object_new_string(p->comm));
	if (library)
		json_object_object_add(d, "library", json_object_new_string(library));
	for (i = 0; i < p->nr_sites; i++) {
		const struct ulp_site *st = &p->sites[i];
		struct json_object *o = json_object_new_object();

		if (names && names[i])
			json_object_object_add(o, "function", json_object_new_string(names[i]));
		json_object_object_add(o, "func", addr_json(st->func));
		json_object_object_add(o, "func_size", json_object_new_uint64(st->func_size));
		json_object_object_add(o, "addr", addr_json(st->addr));
		json_object_object_add(o, "orig", hex_json(st->orig, ULP_JMP_LEN));
		json_object_object_add(o, "patched", hex_json(st->patched, ULP_JMP_LEN));
		json_object_object_add(o, "new_func", addr_json(st->new_func));
		json_object_object_add(o, "new_size", json_object_new_uint64(st->new_size));
		json_object_object_add(o, "slot", addr_json(st->slot));
		json_object_array_add(sa, o);
	}
	json_object_object_add(d, "sites", sa);
	return d;
}

static int detail_u64(const struct json_object *d, const char *key, uint64_t *out)
{
	struct json_object *v;
	const char *str;
	char *end;

	if (!json_object_object_get_ex(d, key, &v))
		return -EINVAL;
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_uint64(v);
		return 0;
	}
	str = json_object_get_string(v);
	if (!json_object_is_type(v, json_type_string) || strncmp(str, "0x", 2))
		return -EINVAL;
	errno = 0;
	*out = strtoull(str, &end, 16);
	return errno || *end || end == str + 2 ? -EINVAL : 0;
}

static int detail_hex(const struct json_object *d, const char *key, uint8_t *b)
{
	const char *str = detail_str(d, key);
	size_t i;

	if (!str || strlen(str) != 2 * ULP_JMP_LEN)
		return -EINVAL;
	for (i = 0; i < ULP_JMP_LEN; i++) {
		unsigned int v;

		if (sscanf(str + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		b[i] = (uint8_t)v;
	}
	return 0;
}

int steps__ulp_proc_from_detail(const struct json_object *d, struct ulp_proc *p, char *err,
				size_t len)
{
	struct json_object *sa;
	uint64_t pid;
	size_t i, n;

	memset(p, 0, sizeof(*p));
	if (detail_u64(d, "pid", &pid) || detail_u64(d, "start_time", &p->start_time) ||
	    !json_object_object_get_ex(d, "sites", &sa) ||
	    !json_object_is_type(sa, json_type_array) || !(n = json_object_array_length(sa))) {
		snprintf(err, len,
			 "the journal's ulp_patch record has no pid, start_time or sites");
		return -EINVAL;
	}
	p->pid = (pid_t)pid;
	p->sites = calloc(n, sizeof(*p->sites));
	if (!p->sites)
		return -ENOMEM;
	p->nr_sites = n;
	p->injected = p->patched = true;
	for (i = 0; i < n; i++) {
		const struct json_object *o = json_object_array_get_idx(sa, i);
		struct ulp_site *st = &p->sites[i];

		if (detail_u64(o, "func", &st->func) ||
		    detail_u64(o, "func_size", &st->func_size) ||
		    detail_u64(o, "addr", &st->addr) || detail_hex(o, "orig", st->orig) ||
		    detail_hex(o, "patched", st->patched) ||
		    detail_u64(o, "new_func", &st->new_func) ||
		    detail_u64(o, "new_size", &st->new_size) || detail_u64(o, "slot", &st->slot)) {
			snprintf(err, len, "site %zu of pid %d in the journal is incomplete", i,
				 p->pid);
			free(p->sites);
			p->sites = NULL;
			return -EINVAL;
		}
	}
	return 0;
}

int steps__ulp_patch(struct steps *s, struct ulp_image *img, struct ulp_proc *p,
		     const char *const *names, const char *library, char *err, size_t len)
{
	struct json_object *d = ulp_detail(p, names, library);
	int ret;

	ret = intent(s, JOURNAL_ACT_ULP_PATCH, d, err, len);
	if (!ret) {
		int patch_err = ulp_proc__patch(img, p, err, len);

		if (!patch_err) {
			json_object_object_add(d, "freeze_ns",
					       json_object_new_uint64(p->freeze_ns));
			json_object_object_add(d, "attempts", json_object_new_int(p->attempts));
		}
		ret = result(s, JOURNAL_ACT_ULP_PATCH, d, patch_err, err, err, len);
		/* patched but not journaled as such: the caller counts it unpatched, so it is */
		if (ret && !patch_err) {
			char uerr[256];

			if (steps__ulp_revert(s, img, p, names, library, uerr, sizeof(uerr)))
				snprintf(err + strlen(err), len - strlen(err),
					 "; and restoring pid %d "
					 "failed: %s",
					 p->pid, uerr);
		}
	}
	json_object_put(d);
	return ret;
}

static struct json_object *
inject_detail(const struct ulp_proc *p, const char *library, uint64_t page)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "pid", json_object_new_int(p->pid));
	json_object_object_add(d, "start_time", json_object_new_uint64(p->start_time));
	json_object_object_add(d, "comm", json_object_new_string(p->comm));
	json_object_object_add(d, "library", json_object_new_string(library ?: ""));
	json_object_object_add(d, "page", addr_json(page));
	return d;
}

int steps__ulp_inject(struct steps *s, struct ulp_image *img, struct ulp_proc *p,
		      const char *library, char *err, size_t len)
{
	struct json_object *d;
	uint64_t page;
	int ret;

	if (p->injected)
		return 0;
	ret = ulp_proc__place(p, &page, err, len);
	if (ret)
		return ret;
	d = inject_detail(p, library, page);
	ret = intent(s, JOURNAL_ACT_ULP_INJECT, d, err, len);
	if (!ret) {
		int inj = ulp_proc__inject_at(img, p, page, err, len);

		ret = result(s, JOURNAL_ACT_ULP_INJECT, d, inj, err, err, len);
		/* in but not journaled as such: out again, or recover would not know it */
		if (ret && !inj) {
			char uerr[256];

			if (ulp_proc__eject(img, p, uerr, sizeof(uerr)))
				snprintf(err + strlen(err), len - strlen(err),
					 "; and taking the library out of pid %d failed: %s",
					 p->pid, uerr);
		}
	}
	json_object_put(d);
	return ret;
}

int steps__ulp_eject(struct steps *s, struct ulp_image *img, struct ulp_proc *p,
		     const char *library, char *err, size_t len)
{
	struct json_object *d = inject_detail(p, library, p->page);
	int ret, ej;

	ret = intent(s, JOURNAL_ACT_ULP_UNLOAD, d, err, len);
	if (!ret) {
		ej = proc__running(p->pid, p->start_time) ? ulp_proc__eject(img, p, err, len) :
							    -ESRCH;
		if (ej == -ESRCH) {
			snprintf(err, len, "pid %d is gone", p->pid);
			json_object_object_add(d, "note", json_object_new_string(err));
		}
		/* an undo is done even when the journal cannot say so: see result() */
		result(s, JOURNAL_ACT_ULP_UNLOAD, d, ej == -ESRCH ? 0 : ej, err, err, len);
		ret = ej;
	}
	json_object_put(d);
	return ret;
}

int steps__ulp_found(struct steps *s, const struct ulp_proc *p, const char *library, char *err,
		     size_t len)
{
	struct json_object *d = ulp_detail(p, NULL, library);
	int ret;

	json_object_object_add(d, "found", json_object_new_string("forked from a patched process"));
	ret = result(s, JOURNAL_ACT_ULP_PATCH, d, 0, NULL, err, len);
	json_object_put(d);
	return ret;
}

int steps__ulp_revert(struct steps *s, struct ulp_image *img, struct ulp_proc *p,
		      const char *const *names, const char *library, char *err, size_t len)
{
	struct json_object *d = ulp_detail(p, names, library);
	int ret;

	ret = intent(s, JOURNAL_ACT_ULP_REVERT, d, err, len);
	if (!ret) {
		ret = ulp_proc__unpatch(img, p, err, len);
		if (ret == -ESRCH) {
			/* nothing of ours is left in a process that is gone */
			json_object_object_add(d, "note", json_object_new_string(err));
			ret = 0;
		} else if (!ret) {
			json_object_object_add(d, "freeze_ns",
					       json_object_new_uint64(p->freeze_ns));
			err[0] = '\0';
		}
		ret = result(s, JOURNAL_ACT_ULP_REVERT, d, ret, err, err, len);
	}
	json_object_put(d);
	return ret;
}

/*
 * What is mapped at @p's first new function, if anything, is the journal's @library, so
 * that the dlclose()s of ulp_proc__eject() never drop a library the process loaded itself
 * (the fix gone, another file mapped there since). -ESTALE if not.
 */
static int same_library(const struct ulp_proc *p, const char *library, char *err, size_t len)
{
	const struct proc_map *m;
	struct proc_maps maps;
	struct stat st;
	int ret = 0;

	if (proc_maps__read(p->pid, &maps))
		return 0; /* ulp_proc__eject() reads them again, and says */
	m = proc_maps__find_addr(&maps, p->sites[0].new_func);
	if (m && m->inode &&
	    (!library || stat(library, &st) || st.st_ino != m->inode ||
	     major(st.st_dev) != m->dev_major || minor(st.st_dev) != m->dev_minor)) {
		snprintf(err, len,
			 "pid %d: the file mapped at its new function, '%s', is not the journal's "
			 "library '%s' any more; left alone",
			 p->pid, m->path, library ? library : "");
		ret = -ESTALE;
	}
	proc_maps__free(&maps);
	return ret;
}

int steps__ulp_unload_proc(struct ulp_proc *p, const char *library, char *err, size_t len)
{
	unsigned int patched = 0, orig = 0;
	int ret;

	ret = ulp_proc__probe(p, &patched, &orig);
	if (ret == -ESRCH) {
		snprintf(err, len, "pid %d is gone", p->pid);
	} else if (!ret && orig != p->nr_sites) {
		snprintf(err, len,
			 "pid %d: %u of its %zu sites do not hold the original bytes; the library "
			 "stays",
			 p->pid, (unsigned int)(p->nr_sites - orig), p->nr_sites);
		ret = -EBUSY;
	} else if (!ret) {
		ret = same_library(p, library, err, len);
		p->patched = false;
		ret = ret ?: ulp_proc__eject(NULL, p, err, len);
	} else {
		snprintf(err, len, "pid %d: cannot read its sites: %s", p->pid, strerror(-ret));
	}
	return ret;
}

int steps__ulp_unload(const struct json_object *d, char *err, size_t len)
{
	struct ulp_proc p;
	uint64_t pid;
	int ret;

	if (!json_object_object_get_ex(d, "sites", NULL)) {
		/* an injection that no patch followed: the library by its path, the page */
		memset(&p, 0, sizeof(p));
		if (detail_u64(d, "pid", &pid) || detail_u64(d, "start_time", &p.start_time) ||
		    detail_u64(d, "page", &p.page) || !detail_str(d, "library")) {
			snprintf(err, len,
				 "the journal's ulp_inject record has no pid, start_time, page or "
				 "library");
			return -EINVAL;
		}
		p.pid = (pid_t)pid;
		p.injected = true;
		p.journal_library = detail_str(d, "library");
		if (!proc__running(p.pid, p.start_time)) {
			snprintf(err, len, "pid %d is gone", p.pid);
			return -ESRCH;
		}
		ret = ulp_proc__eject(NULL, &p, err, len);
		ulp_proc__release(&p);
		return ret;
	}
	ret = steps__ulp_proc_from_detail(d, &p, err, len);
	if (ret)
		return ret;
	ret = steps__ulp_unload_proc(&p, detail_str(d, "library"), err, len);
	ulp_proc__release(&p);
	return ret;
}

static struct json_object *argv_json(char *const *argv)
{
	struct json_object *a = json_object_new_array();

	for (; argv && *argv; argv++)
		json_object_array_add(a, json_object_new_string(*argv));
	return a;
}

int steps__exec(struct steps *s, enum journal_action action, char *const *argv, char *const *revert,
		uint64_t timeout_ns, char *err, size_t len)
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
		return steps__klp_replace(s, path, name, detail_str(step->detail, "replaced"),
					  detail_bool(step->detail, "disable_first"), err, len);
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
		ret = steps__exec(s, JOURNAL_ACT_EXEC_REVERT, argv, NULL, exec_timeout_ns, err,
				  len);
		free(argv);
		return ret;
	case JOURNAL_ACT_ULP_UNLOAD: {
		struct json_object *d = json_object_get(step->detail);

		ret = intent(s, JOURNAL_ACT_ULP_UNLOAD, d, err, len);
		if (!ret) {
			ret = steps__ulp_unload(d, err, len);
			if (ret == -ESRCH)
				json_object_object_add(d, "note", json_object_new_string(err));
			ret = result(s, JOURNAL_ACT_ULP_UNLOAD, d, ret == -ESRCH ? 0 : ret, err,
				     err, len);
		}
		json_object_put(d);
		return ret;
	}
	case JOURNAL_ACT_ULP_REVERT: {
		struct ulp_proc p;

		ret = steps__ulp_proc_from_detail(step->detail, &p, err, len);
		if (ret)
			return ret;
		ret = steps__ulp_revert(s, NULL, &p, NULL, detail_str(step->detail, "library"), err,
					len);
		ulp_proc__release(&p);
		return ret;
	}
	default:
		snprintf(err, len, "'%s' steps cannot be replayed by this version",
			 journal__action_name(step->action));
		return -EOPNOTSUPP;
	}
}
