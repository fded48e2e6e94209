// SPDX-License-Identifier: GPL-2.0
/*
 * Reading journals: a record from its JSON line, the tolerant parse of a file (a torn last
 * line is ignored), loading and folding NAME.journal, who holds its lock, and the list of
 * the journals in the state directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "input.h"
#include "journal.h"
#include "journal_int.h"
#include "trust.h"

/* ---- reading ------------------------------------------------------------------------- */

static int rec_from_json(struct json_object *o, struct journal_rec *r, char *why, size_t len)
{
	struct json_object *v;
	const char *s;
	unsigned int i;
	int64_t n;

	memset(r, 0, sizeof(*r));
	if (!json_object_is_type(o, json_type_object))
		return fail(why, len, -EINVAL, "not a JSON object");
#define GET(key, type)                                                                            \
	do {                                                                                      \
		if (!json_object_object_get_ex(o, key, &v))                                       \
			return fail(why, len, -EINVAL, "no \"%s\"", key);                         \
		if (!json_object_is_type(v, type))                                                \
			return fail(why, len, -EINVAL, "\"%s\" is not %s", key, type_name(type)); \
	} while (0)
	GET("seq", json_type_int);
	n = json_object_get_int64(v);
	if (n < 1)
		return fail(why, len, -EINVAL, "seq %lld is not positive", (long long)n);
	r->seq = n;
	GET("mono_ns", json_type_int);
	n = json_object_get_int64(v);
	if (n < 0)
		return fail(why, len, -EINVAL, "mono_ns is negative");
	r->mono_ns = n;
	GET("wall", json_type_string);
	s = json_object_get_string(v);
	if (strlen(s) >= sizeof(r->wall))
		return fail(why, len, -EINVAL, "wall is too long");
	strcpy(r->wall, s);
	GET("kind", json_type_string);
	s = json_object_get_string(v);
	for (i = 0; i < ARRAY_SIZE(journal_kind_names) && strcmp(s, journal_kind_names[i]); i++)
		;
	if (i == ARRAY_SIZE(journal_kind_names))
		return fail(why, len, -EINVAL, "unknown kind '%s'", s);
	r->kind = i;
	GET("action", json_type_string);
	s = json_object_get_string(v);
	if (journal__action_from_name(s, &r->action))
		return fail(why, len, -EINVAL, "unknown action '%s'", s);
	GET("ok", json_type_boolean);
	r->ok = json_object_get_boolean(v);
	GET("detail", json_type_object);
#undef GET
	r->detail = v;
	if (journal__check_record(r, why, len)) {
		r->detail = NULL;
		return -EINVAL;
	}
	r->detail = json_object_get(v);
	return 0;
}

static int parse_line(json_tokener *tok, const char *s, size_t len, struct journal_rec *r,
		      char *why, size_t whylen)
{
	struct json_object *o;
	enum json_tokener_error e;
	int ret;

	if (!len)
		return fail(why, whylen, -EINVAL, "empty line");
	if (memchr(s, '\0', len))
		return fail(why, whylen, -EINVAL, "NUL bytes in the line");
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, s, len);
	e = json_tokener_get_error(tok);
	if (!o || e != json_tokener_success) {
		json_object_put(o);
		return fail(why, whylen, -EINVAL, "not JSON (%s)",
			    e == json_tokener_continue ? "cut short" : json_tokener_error_desc(e));
	}
	if (json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		return fail(why, whylen, -EINVAL, "text after the JSON object");
	}
	ret = rec_from_json(o, r, why, whylen);
	json_object_put(o);
	return ret;
}

void journal_recs__free(struct journal_recs *recs)
{
	size_t i;

	if (!recs)
		return;
	for (i = 0; i < recs->n; i++)
		json_object_put(recs->v[i].detail);
	free(recs->v);
	memset(recs, 0, sizeof(*recs));
}

int journal__parse(const char *file, const char *text, size_t len, struct journal_recs *out,
		   char *err, size_t errlen)
{
	struct journal_rec r, *v;
	size_t pos = 0, cap = 0;
	unsigned int line = 0;
	json_tokener *tok;
	char why[256];
	int ret = 0;

	memset(out, 0, sizeof(*out));
	file = file ?: "<journal>";
	tok = json_tokener_new();
	if (!tok)
		return fail(err, errlen, -ENOMEM, "out of memory");
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n;
		bool last;

		line++;
		if (!nl) {
			out->torn_line = line; /* unterminated: a write cut short */
			break;
		}
		n = nl - s;
		last = pos + n + 1 == len;
		ret = parse_line(tok, s, n, &r, why, sizeof(why));
		if (ret == -ENOMEM)
			break;
		if (!ret && out->n && r.seq <= out->v[out->n - 1].seq) {
			snprintf(why, sizeof(why), "seq %llu after seq %llu",
				 (unsigned long long)r.seq,
				 (unsigned long long)out->v[out->n - 1].seq);
			json_object_put(r.detail);
			ret = -EINVAL;
		}
		if (ret) {
			if (last) {
				out->torn_line = line; /* the last line may be torn: ignored */
				ret = 0;
				break;
			}
			ret = fail(err, errlen, -EBADMSG, "%s:%u: corrupt record: %s", file, line,
				   why);
			break;
		}
		if (out->n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(out->v, cap * sizeof(*v));
			if (!v) {
				json_object_put(r.detail);
				ret = -ENOMEM;
				break;
			}
			out->v = v;
		}
		r.line = line;
		out->v[out->n++] = r;
		pos += n + 1;
		out->valid_len = pos;
	}
	json_tokener_free(tok);
	if (ret == -ENOMEM)
		fail(err, errlen, ret, "%s: out of memory", file);
	if (ret)
		journal_recs__free(out);
	return ret;
}

static const struct input_kind journal_input = {
	.what = "journal",
	.max = JOURNAL_MAX_BYTES,
	.trusted = true,
};

/* all of @fd from offset 0 */
int journal__read_all(int fd, const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	char why[256];
	int ret;

	ret = input__read_fd(fd, &journal_input, buf, len, why, sizeof(why));
	if (ret)
		return fail(err, errlen, ret, "%s: %s", path, why);
	return 0;
}

int journal__read(const char *path, struct journal_recs *out, char *err, size_t errlen)
{
	char why[256];
	size_t len;
	char *buf;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = input__read(path, &journal_input, &buf, &len, why, sizeof(why));
	if (ret)
		return fail(err, errlen, ret, "%s: %s", path, why);
	ret = journal__parse(path, buf, len, out, err, errlen);
	free(buf);
	return ret;
}

int journal__fold_file(const char *name, const char *path, const struct journal_recs *recs,
		       struct journal_state *st, char *err, size_t errlen)
{
	char why[384];
	int ret;

	ret = journal__state(name, recs->v, recs->n, st, why, sizeof(why));
	if (ret)
		return fail(err, errlen, ret, "%s: %s", path, why);
	st->torn_line = recs->torn_line;
	if (set_str(&st->path, path)) {
		journal_state__free(st);
		return fail(err, errlen, -ENOMEM, "%s: out of memory", path);
	}
	return 0;
}

int journal__load(const char *dir, const char *name, struct journal_state *st, char *err,
		  size_t errlen)
{
	struct journal_recs recs;
	char *path;
	int ret;

	memset(st, 0, sizeof(*st));
	if (!journal__valid_name(name))
		return fail(err, errlen, -EINVAL,
			    "'%s' is not a rollout name ([a-z0-9-], 1 to %d characters, not "
			    "starting with '-')",
			    name ?: "", JOURNAL_NAME_MAX);
	path = join(dir, name, JOURNAL_SUFFIX);
	if (!path)
		return fail(err, errlen, -ENOMEM, "out of memory");
	ret = journal__read(path, &recs, err, errlen);
	if (!ret) {
		ret = journal__fold_file(name, path, &recs, st, err, errlen);
		journal_recs__free(&recs);
	}
	free(path);
	return ret;
}

int journal__holder(const char *dir, const char *name, pid_t *pid)
{
	char *path;
	int fd, ret = 0;

	*pid = 0;
	if (!journal__valid_name(name))
		return -EINVAL;
	path = join(dir, name, JOURNAL_LOCK_SUFFIX);
	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!flock(fd, LOCK_SH | LOCK_NB))
		flock(fd, LOCK_UN);
	else if (errno == EWOULDBLOCK)
		*pid = read_pid(fd) ?: -1;
	else
		ret = -errno;
	close(fd);
	return ret;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct journal_entry *)a)->name,
		      ((const struct journal_entry *)b)->name);
}

int journal__list(const char *dir, struct journal_entry **out, size_t *nr, char *err, size_t errlen)
{
	struct journal_entry *v = NULL, *nv;
	size_t n = 0, cap = 0, i, sl = strlen(JOURNAL_SUFFIX);
	struct dirent *de;
	char why[1024];
	int fd;
	DIR *d;

	*out = NULL;
	*nr = 0;
	fd = trust__open(dir, TRUST_DIR, why, sizeof(why));
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fail(err, errlen, fd, "state directory %s: %s", dir, why);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return fail(err, errlen, -errno, "%s: %s", dir, strerror(errno));
	}
	while ((errno = 0, de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[JOURNAL_NAME_MAX + 1];

		if (len <= sl || len - sl > JOURNAL_NAME_MAX ||
		    strcmp(de->d_name + len - sl, JOURNAL_SUFFIX))
			continue;
		memcpy(name, de->d_name, len - sl);
		name[len - sl] = '\0';
		if (!journal__valid_name(name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				closedir(d);
				journal__list_free(v, n);
				return fail(err, errlen, -ENOMEM, "out of memory");
			}
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		strcpy(v[n].name, name);
		n++;
	}
	if (errno) {
		int e = errno;

		closedir(d);
		journal__list_free(v, n);
		return fail(err, errlen, -e, "%s: %s", dir, strerror(e));
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_entry);
	for (i = 0; i < n; i++) {
		v[i].error = journal__load(dir, v[i].name, &v[i].state, v[i].msg, sizeof(v[i].msg));
		journal__holder(dir, v[i].name, &v[i].holder);
	}
	*out = v;
	*nr = n;
	return 0;
}

void journal__list_free(struct journal_entry *entries, size_t nr)
{
	size_t i;

	for (i = 0; entries && i < nr; i++)
		journal_state__free(&entries[i].state);
	free(entries);
}
