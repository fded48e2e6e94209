// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "atomic_file.h"
#include "input.h"
#include "recording.h"
#include "units.h"

int recording__init(struct recording *r, size_t nr_funcs)
{
	memset(r, 0, sizeof(*r));
	r->funcs = calloc(nr_funcs ? nr_funcs : 1, sizeof(*r->funcs));
	if (!r->funcs)
		return -ENOMEM;
	r->nr_funcs = nr_funcs;
	return 0;
}

int recording__set_context(struct recording *r, const char *probe_mode, uint64_t interval_ns)
{
	char host[HOST_NAME_MAX + 1] = "", when[40];
	struct timespec now;
	struct utsname u;

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	clock_gettime(CLOCK_REALTIME, &now);
	r->kernel = strdup(u.release);
	r->hostname = strdup(host);
	r->probe_mode = strdup(probe_mode);
	r->start = strdup(time__rfc3339(&now, when, sizeof(when)));
	r->interval_ns = interval_ns;
	r->cpus = libbpf_num_possible_cpus() > 0 ? (uint64_t)libbpf_num_possible_cpus() : 0;
	return r->kernel && r->hostname && r->probe_mode && r->start ? 0 : -ENOMEM;
}

static int grow_windows(struct recording *r)
{
	size_t n = r->nr_windows + 1, i;
	uint64_t *off, *dur;

	off = realloc(r->offset_ns, n * sizeof(*off));
	if (!off)
		return -ENOMEM;
	r->offset_ns = off;
	dur = realloc(r->duration_ns, n * sizeof(*dur));
	if (!dur)
		return -ENOMEM;
	r->duration_ns = dur;
	for (i = 0; i < r->nr_funcs; i++) {
		struct rec_window *w = realloc(r->funcs[i].win, n * sizeof(*w));

		if (!w)
			return -ENOMEM;
		r->funcs[i].win = w;
		memset(&w[n - 1], 0, sizeof(*w));
	}
	return 0;
}

int recording__add_window(struct recording *r, uint64_t offset_ns, uint64_t duration_ns,
			  const struct hc_snapshot *snap)
{
	size_t i, n = r->nr_windows;
	int ret;

	ret = grow_windows(r);
	if (ret)
		return ret;
	r->offset_ns[n] = offset_ns;
	r->duration_ns[n] = duration_ns;
	for (i = 0; i < r->nr_funcs; i++) {
		struct rec_window *w = &r->funcs[i].win[n];
		struct rec_func *f = &r->funcs[i];

		w->calls = snap[i].calls;
		w->errors = snap[i].errors;
		w->sum_ns = snap[i].sum_ns;
		w->max_ns = snap[i].max_ns;
		memcpy(w->hist, snap[i].hist, sizeof(w->hist));
		f->orphan_exits += snap[i].orphan_exits;
		f->lost_exits += snap[i].lost_exits;
		f->depth_overflows += snap[i].depth_overflows;
	}
	r->nr_windows = n + 1;
	return 0;
}

void recording__free(struct recording *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; r->funcs && i < r->nr_funcs; i++) {
		struct rec_func *f = &r->funcs[i];

		free(f->spec);
		free(f->kind);
		free(f->path);
		free(f->symbol);
		free(f->build_id);
		free(f->win);
	}
	free(r->funcs);
	free(r->kernel);
	free(r->hostname);
	free(r->probe_mode);
	free(r->start);
	free(r->offset_ns);
	free(r->duration_ns);
	memset(r, 0, sizeof(*r));
}

void recording__total(const struct recording *r, size_t i, struct rec_window *out)
{
	size_t w;
	unsigned int b;

	memset(out, 0, sizeof(*out));
	for (w = 0; w < r->nr_windows; w++) {
		const struct rec_window *x = &r->funcs[i].win[w];

		out->calls += x->calls;
		out->errors += x->errors;
		out->sum_ns += x->sum_ns;
		if (x->max_ns > out->max_ns)
			out->max_ns = x->max_ns;
		for (b = 0; b < HC_HIST_BUCKETS; b++)
			out->hist[b] += x->hist[b];
	}
}

uint64_t recording__duration_ns(const struct recording *r)
{
	uint64_t t = 0;
	size_t w;

	for (w = 0; w < r->nr_windows; w++)
		t += r->duration_ns[w];
	return t;
}

int recording__find(const struct recording *r, const char *spec)
{
	size_t i;

	for (i = 0; i < r->nr_funcs; i++)
		if (!strcmp(r->funcs[i].spec, spec))
			return (int)i;
	return -1;
}

/* @spec without a trailing "@PID" into @buf */
static const char *sans_pid(const char *spec, char *buf, size_t len)
{
	const char *at = strrchr(spec, '@');
	size_t n = strlen(spec);

	if (at && at[1] && strspn(at + 1, "0123456789") == strlen(at + 1))
		n = (size_t)(at - spec);
	snprintf(buf, len, "%.*s", (int)n, spec);
	return buf;
}

int recording__find_named(const struct recording *r, const char *name, size_t *idx)
{
	char buf[1024];
	size_t i, n = 0;

	for (i = 0; i < r->nr_funcs; i++) {
		if (!strcmp(r->funcs[i].spec, name)) {
			*idx = i;
			return 0;
		}
	}
	for (i = 0; i < r->nr_funcs; i++) {
		if (strcmp(sans_pid(r->funcs[i].spec, buf, sizeof(buf)), name) &&
		    strcmp(r->funcs[i].symbol ? r->funcs[i].symbol : "", name))
			continue;
		*idx = i;
		n++;
	}
	return n == 1 ? 0 : n ? -ENOTUNIQ : -ENOENT;
}

/* ---- to JSON ------------------------------------------------------------------------------ */

static int add_u64(struct json_object *o, const char *k, uint64_t v)
{
	struct json_object *x = json_object_new_uint64(v);

	return x ? json_object_object_add(o, k, x) : -1;
}

static int add_str(struct json_object *o, const char *k, const char *v)
{
	struct json_object *x = json_object_new_string(v ? v : "");

	return x ? json_object_object_add(o, k, x) : -1;
}

static struct json_object *window_json(const struct rec_window *w)
{
	struct json_object *o = json_object_new_object(), *h = json_object_new_array();
	unsigned int b;
	int bad = !o || !h;

	bad = bad || add_u64(o, "calls", w->calls) || add_u64(o, "errors", w->errors) ||
	      add_u64(o, "sum_ns", w->sum_ns) || add_u64(o, "max_ns", w->max_ns);
	for (b = 0; b < HC_HIST_BUCKETS && !bad; b++) {
		struct json_object *e;

		if (!w->hist[b])
			continue;
		e = json_object_new_array_ext(3);
		bad = !e || json_object_array_add(e, json_object_new_uint64(hc_hist_lower(b))) ||
		      json_object_array_add(e, json_object_new_uint64(hc_hist_upper(b))) ||
		      json_object_array_add(e, json_object_new_uint64(w->hist[b])) ||
		      json_object_array_add(h, e);
	}
	if (bad || json_object_object_add(o, "hist", h)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *func_json(const struct recording *r, const struct rec_func *f)
{
	struct json_object *o = json_object_new_object(), *wa = json_object_new_array();
	size_t w;
	int bad = !o || !wa;

	bad = bad || add_str(o, "spec", f->spec) || add_str(o, "kind", f->kind) ||
	      add_str(o, "symbol", f->symbol);
	if (f->path)
		bad = bad || add_str(o, "path", f->path);
	if (f->build_id)
		bad = bad || add_str(o, "build_id", f->build_id);
	bad = bad || add_u64(o, "orphan_exits", f->orphan_exits) ||
	      add_u64(o, "lost_exits", f->lost_exits) ||
	      add_u64(o, "depth_overflows", f->depth_overflows);
	for (w = 0; w < r->nr_windows && !bad; w++) {
		struct json_object *x = window_json(&f->win[w]);

		bad = !x || json_object_array_add(wa, x);
	}
	if (bad || json_object_object_add(o, "windows", wa)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *recording__to_json(const struct recording *r)
{
	struct json_object *o = json_object_new_object(), *wa = json_object_new_array();
	struct json_object *fa = json_object_new_array(), *h = json_object_new_object();
	size_t i;
	int bad = !o || !wa || !fa || !h;

	bad = bad || add_str(o, "format", RECORDING_FORMAT) ||
	      add_u64(o, "version", RECORDING_VERSION) || add_str(o, "kernel", r->kernel) ||
	      add_str(o, "hostname", r->hostname) || add_str(o, "probe_mode", r->probe_mode) ||
	      add_str(o, "start", r->start) || add_u64(o, "interval_ns", r->interval_ns) ||
	      add_u64(h, "storage_fail", r->storage_fail) ||
	      add_u64(h, "prog_misses", r->prog_misses) || add_u64(h, "cpus", r->cpus);
	if (!bad) {
		bad = json_object_object_add(o, "health", h);
		h = NULL;
	}
	for (i = 0; i < r->nr_windows && !bad; i++) {
		struct json_object *w = json_object_new_object();

		bad = !w || add_u64(w, "offset_ns", r->offset_ns[i]) ||
		      add_u64(w, "duration_ns", r->duration_ns[i]) || json_object_array_add(wa, w);
	}
	if (!bad) {
		bad = json_object_object_add(o, "windows", wa);
		wa = NULL;
	}
	for (i = 0; i < r->nr_funcs && !bad; i++) {
		struct json_object *f = func_json(r, &r->funcs[i]);

		bad = !f || json_object_array_add(fa, f);
	}
	if (!bad) {
		bad = json_object_object_add(o, "functions", fa);
		fa = NULL;
	}
	json_object_put(h);
	json_object_put(wa);
	json_object_put(fa);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* ---- from JSON: every field checked, every error names its path ---------------------------- */

struct reader {
	char *err;
	size_t errlen;
	char path[128];
	uint64_t slack; /* how far a window's histogram may be from its calls */
};

static int __attribute__((format(printf, 3, 4)))
bad(struct reader *rd, const char *field, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = (size_t)snprintf(rd->err, rd->errlen, "%s%s%s: ", rd->path,
			     rd->path[0] && field[0] && field[0] != '[' ? "." : "", field);
	if (n < rd->errlen) {
		va_start(ap, fmt);
		vsnprintf(rd->err + n, rd->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* descend into @fmt below the current path; leave() restores it */
static size_t __attribute__((format(printf, 2, 3))) enter(struct reader *rd, const char *fmt, ...)
{
	size_t n = strlen(rd->path);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rd->path + n, sizeof(rd->path) - n, fmt, ap);
	va_end(ap);
	return n;
}

static void leave(struct reader *rd, size_t n)
{
	rd->path[n] = '\0';
}

static int get(struct reader *rd, const struct json_object *o, const char *k, json_type t,
	       const char *what, struct json_object **v)
{
	if (!json_object_object_get_ex(o, k, v))
		return bad(rd, k, "missing; expected %s", what);
	if (!json_object_is_type(*v, t))
		return bad(rd, k, "expected %s", what);
	return 0;
}

/* json-c keeps values above INT64_MAX as uint64 and negatives as int64 */
static bool is_u64(const struct json_object *v)
{
	return json_object_is_type(v, json_type_int) &&
	       (json_object_get_int64(v) >= 0 || json_object_get_uint64(v) > (uint64_t)INT64_MAX);
}

static int get_u64(struct reader *rd, const struct json_object *o, const char *k, uint64_t *out)
{
	struct json_object *v;
	int ret = get(rd, o, k, json_type_int, "a non-negative integer", &v);

	if (ret)
		return ret;
	if (!is_u64(v))
		return bad(rd, k, "expected a non-negative integer");
	*out = json_object_get_uint64(v);
	return 0;
}

static int get_str(struct reader *rd, const struct json_object *o, const char *k, int optional,
		   char **out)
{
	struct json_object *v;
	int ret;

	if (optional && !json_object_object_get_ex(o, k, &v))
		return 0;
	ret = get(rd, o, k, json_type_string, "a string", &v);
	if (ret)
		return ret;
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : -ENOMEM;
}

static int read_bucket(struct reader *rd, const struct json_object *e, uint64_t *v)
{
	int k;

	if (!json_object_is_type(e, json_type_array) || json_object_array_length(e) != 3)
		return bad(rd, "", "expected [lower_ns, upper_ns, count]");
	for (k = 0; k < 3; k++) {
		struct json_object *x = json_object_array_get_idx(e, k);

		if (!is_u64(x))
			return bad(rd, "",
				   "expected [lower_ns, upper_ns, count] of non-negative "
				   "integers");
		v[k] = json_object_get_uint64(x);
	}
	return 0;
}

static int read_hist(struct reader *rd, const struct json_object *a, uint64_t *hist, uint64_t calls)
{
	size_t i, n = json_object_array_length(a), p;
	unsigned int b, last = 0;
	uint64_t sum = 0, v[3];
	int ret;

	for (i = 0; i < n; i++) {
		p = enter(rd, "[%zu]", i);
		ret = read_bucket(rd, json_object_array_get_idx(a, i), v);
		b = ret ? 0 : hc_hist_bucket(v[0]);
		if (!ret && (hc_hist_lower(b) != v[0] || hc_hist_upper(b) != v[1]))
			ret = bad(rd, "",
				  "[%llu, %llu) is not a bucket of this hotcanary's histogram "
				  "(bpf/hist.h); record both sides with the same version",
				  (unsigned long long)v[0], (unsigned long long)v[1]);
		if (!ret && i && b <= last)
			ret = bad(rd, "", "buckets must be listed in increasing order");
		if (!ret && !v[2])
			ret = bad(rd, "", "a listed bucket must have a count above 0");
		leave(rd, p);
		if (ret)
			return ret;
		hist[b] = v[2];
		sum += v[2];
		last = b;
	}
	if ((sum > calls ? sum - calls : calls - sum) > rd->slack)
		return bad(rd, "",
			   "the counts add up to %llu, but calls is %llu; the file was "
			   "changed by hand or truncated",
			   (unsigned long long)sum, (unsigned long long)calls);
	return 0;
}

static int read_window(struct reader *rd, const struct json_object *o, struct rec_window *w)
{
	struct json_object *h;
	size_t n;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return bad(rd, "", "expected an object");
	ret = get_u64(rd, o, "calls", &w->calls)	   ?:
		      get_u64(rd, o, "errors", &w->errors) ?:
		      get_u64(rd, o, "sum_ns", &w->sum_ns) ?:
		      get_u64(rd, o, "max_ns", &w->max_ns) ?:
		      get(rd, o, "hist", json_type_array, "an array of [lower_ns, upper_ns, count]",
			  &h);
	if (ret)
		return ret;
	if (w->errors > w->calls)
		return bad(rd, "errors", "%llu errors in %llu calls", (unsigned long long)w->errors,
			   (unsigned long long)w->calls);
	n = enter(rd, ".hist");
	ret = read_hist(rd, h, w->hist, w->calls);
	leave(rd, n);
	return ret;
}

static int read_func(struct reader *rd, const struct json_object *o, struct recording *r,
		     struct rec_func *f)
{
	struct json_object *wa;
	size_t i, n;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return bad(rd, "", "expected an object");
	ret = get_str(rd, o, "spec", 0, &f->spec)			     ?:
		      get_str(rd, o, "kind", 0, &f->kind)		     ?:
		      get_str(rd, o, "symbol", 0, &f->symbol)		     ?:
		      get_str(rd, o, "path", 1, &f->path)		     ?:
		      get_str(rd, o, "build_id", 1, &f->build_id)	     ?:
		      get_u64(rd, o, "orphan_exits", &f->orphan_exits)	     ?:
		      get_u64(rd, o, "lost_exits", &f->lost_exits)	     ?:
		      get_u64(rd, o, "depth_overflows", &f->depth_overflows) ?:
		      get(rd, o, "windows", json_type_array, "an array", &wa);
	if (ret)
		return ret;
	if (strcmp(f->kind, "user") && strcmp(f->kind, "kernel"))
		return bad(rd, "kind", "'%s' is neither user nor kernel", f->kind);
	if (json_object_array_length(wa) != r->nr_windows)
		return bad(rd, "windows", "%zu entries, but the recording has %zu windows",
			   json_object_array_length(wa), r->nr_windows);
	f->win = calloc(r->nr_windows ? r->nr_windows : 1, sizeof(*f->win));
	if (!f->win)
		return -ENOMEM;
	for (i = 0; i < r->nr_windows; i++) {
		n = enter(rd, ".windows[%zu]", i);
		ret = read_window(rd, json_object_array_get_idx(wa, i), &f->win[i]);
		leave(rd, n);
		if (ret)
			return ret;
	}
	return 0;
}

static int read_windows(struct reader *rd, const struct json_object *wa, struct recording *r)
{
	size_t i, n = json_object_array_length(wa), p;
	int ret;

	r->offset_ns = calloc(n ? n : 1, sizeof(*r->offset_ns));
	r->duration_ns = calloc(n ? n : 1, sizeof(*r->duration_ns));
	if (!r->offset_ns || !r->duration_ns)
		return -ENOMEM;
	r->nr_windows = n;
	for (i = 0; i < n; i++) {
		struct json_object *w = json_object_array_get_idx(wa, i);

		p = enter(rd, "windows[%zu]", i);
		if (!json_object_is_type(w, json_type_object))
			ret = bad(rd, "", "expected an object");
		else
			ret = get_u64(rd, w, "offset_ns", &r->offset_ns[i]) ?:
				      get_u64(rd, w, "duration_ns", &r->duration_ns[i]);
		if (!ret && !r->duration_ns[i])
			ret = bad(rd, "duration_ns", "a window must last longer than 0 ns");
		leave(rd, p);
		if (ret)
			return ret;
	}
	return 0;
}

int recording__from_json(const struct json_object *o, struct recording *r, char *err, size_t errlen)
{
	struct reader rd = { .err = err, .errlen = errlen };
	struct json_object *v, *wa, *fa, *h;
	uint64_t version;
	size_t i, p;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!json_object_is_type(o, json_type_object))
		return bad(&rd, "", "the document is not a JSON object; is this a recording?");
	if (!json_object_object_get_ex(o, "format", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), RECORDING_FORMAT))
		return bad(&rd, "format", "expected \"%s\"; is this a file of 'hotcanary record'?",
			   RECORDING_FORMAT);
	ret = get_u64(&rd, o, "version", &version);
	if (ret)
		return ret;
	if (version != RECORDING_VERSION)
		return bad(&rd, "version",
			   "version %llu is not supported (this hotcanary reads "
			   "version %d); record it again",
			   (unsigned long long)version, RECORDING_VERSION);
	ret = get_str(&rd, o, "kernel", 0, &r->kernel)			       ?:
		      get_str(&rd, o, "hostname", 0, &r->hostname)	       ?:
		      get_str(&rd, o, "probe_mode", 0, &r->probe_mode)	       ?:
		      get_str(&rd, o, "start", 0, &r->start)		       ?:
		      get_u64(&rd, o, "interval_ns", &r->interval_ns)	       ?:
		      get(&rd, o, "health", json_type_object, "an object", &h) ?:
		      get(&rd, o, "windows", json_type_array, "an array", &wa) ?:
		      get(&rd, o, "functions", json_type_array, "an array", &fa);
	if (ret)
		goto fail;
	p = enter(&rd, "health");
	ret = get_u64(&rd, h, "storage_fail", &r->storage_fail) ?:
		      get_u64(&rd, h, "prog_misses", &r->prog_misses);
	if (!ret && json_object_object_get_ex(h, "cpus", NULL))
		ret = get_u64(&rd, h, "cpus", &r->cpus);
	leave(&rd, p);
	/*
	 * A probe bumps its CPU's call count and its histogram one after the other, and a read
	 * does not stop it: at a window's edge, each CPU may have counted a call in one and not
	 * yet in the other.
	 */
	rd.slack = r->cpus;
	if (ret)
		goto fail;
	if (!r->interval_ns) {
		ret = bad(&rd, "interval_ns", "must be above 0");
		goto fail;
	}
	ret = read_windows(&rd, wa, r);
	if (ret)
		goto fail;
	r->nr_funcs = json_object_array_length(fa);
	if (!r->nr_funcs) {
		ret = bad(&rd, "functions", "no function was recorded");
		goto fail;
	}
	r->funcs = calloc(r->nr_funcs, sizeof(*r->funcs));
	if (!r->funcs) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < r->nr_funcs; i++) {
		p = enter(&rd, "functions[%zu]", i);
		ret = read_func(&rd, json_object_array_get_idx(fa, i), r, &r->funcs[i]);
		leave(&rd, p);
		if (ret)
			goto fail;
		if (recording__find(r, r->funcs[i].spec) != (int)i) {
			p = enter(&rd, "functions[%zu]", i);
			ret = bad(&rd, "spec", "'%s' is recorded twice", r->funcs[i].spec);
			leave(&rd, p);
			goto fail;
		}
	}
	return 0;
fail:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	recording__free(r);
	return ret;
}

/* ---- files -------------------------------------------------------------------------------- */

int recording__save(const struct recording *r, const char *path, char *err, size_t errlen)
{
	struct json_object *o = recording__to_json(r);
	int ret;

	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* a reader never sees half a recording, and an old one survives a failed write */
	ret = atomic_file__write_json(path, o,
				      JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (ret)
		snprintf(err, errlen, "cannot write it: %s", strerror(-ret));
	json_object_put(o);
	return ret;
}

int recording__parse(const char *buf, size_t len, struct recording *r, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t end, i, line = 1;
	int ret;

	memset(r, 0, sizeof(*r));
	if (len > INT_MAX) {
		snprintf(err, errlen, "larger than %d bytes; not a recording", INT_MAX);
		return -EFBIG;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	o = json_tokener_parse_ex(tok, buf, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!o && json_tokener_get_error(tok) == json_tokener_continue) {
		snprintf(err, errlen,
			 "the JSON document ends early; the file is truncated, "
			 "record it again");
		ret = -EINVAL;
	} else if (!o || json_tokener_get_error(tok) != json_tokener_success) {
		for (i = 0; i < end && i < len; i++)
			line += buf[i] == '\n';
		snprintf(err, errlen, "line %zu: not valid JSON (%s); is it a recording?", line,
			 json_tokener_error_desc(json_tokener_get_error(tok)));
		ret = -EINVAL;
	} else {
		while (end < len && strchr(" \t\r\n", buf[end]))
			end++;
		if (end < len) {
			snprintf(err, errlen,
				 "more text after the JSON document; a recording is "
				 "one document");
			ret = -EINVAL;
		} else {
			ret = recording__from_json(o, r, err, errlen);
		}
	}
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}

int recording__load(const char *path, uint64_t max, struct recording *r, char *err, size_t errlen)
{
	const struct input_kind kind = {
		.what = "recording",
		.max = (size_t)max,
		.raise = "raise it with --max-input-size if this recording is real",
		.trusted = true,
	};
	size_t len = 0;
	char *buf = NULL;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = input__read(path, &kind, &buf, &len, err, errlen);
	if (ret)
		return ret;
	ret = recording__parse(buf, len, r, err, errlen);
	free(buf);
	return ret;
}
