/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What user/journal.c, journal_fold.c, journal_read.c and journal_write.c share: the action
 * table's types, the small helpers (static inline, defined once here) and what each file
 * defines for the others. Not an API: that is journal.h.
 */
#ifndef HC_JOURNAL_INT_H
#define HC_JOURNAL_INT_H

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include <json-c/json.h>
#include "journal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define JOURNAL__NR_KINDS  (JOURNAL_NOTE + 1)
#define JOURNAL__NR_PHASES (JOURNAL_PHASE_HELD + 1)

/* ---- the action table (journal.c) ----------------------------------------------------- */

#define A_CHANGES 0x1 /* changes the system: an intent before, a result after */
#define A_UNDO	  0x2 /* takes something back: on an uncommitted item, a rollback */
#define A_CREATES 0x4 /* its intent makes the item when the run does not have it */

#define K_I   (1u << JOURNAL_INTENT)
#define K_R   (1u << JOURNAL_RESULT)
#define K_N   (1u << JOURNAL_NOTE)
#define K_IR  (K_I | K_R)
#define K_ALL (K_I | K_R | K_N)

/* what a record does to one field of an item */
enum eff {
	E_SAME, /* unchanged */
	E_NO,
	E_MAYBE,
	E_YES,
	E_SAVED, /* back to what it was before the intent */
};

struct effect {
	unsigned char active, loaded;
};

struct req {
	const char *key;
	json_type type;
	unsigned int kinds; /* K_*: the record kinds that need it */
};

struct action_info {
	const char *name;
	unsigned int flags;
	enum journal_item_kind item;
	struct req req[4];
	/* the generic item fold (when fold is NULL and item is not NONE) */
	struct effect intent, ok, fail;
	int (*fold)(struct journal_state *st, const struct journal_rec *r);
	/* value checks beyond the required keys' types; fill @why */
	int (*check)(const struct journal_rec *r, char *why, size_t len);
};

extern const struct action_info journal_actions[JOURNAL__NR_ACTIONS];
extern const char *const journal_kind_names[JOURNAL__NR_KINDS];
extern const char *const journal_phase_names[JOURNAL__NR_PHASES];

/* the rules every record obeys, for the reader and the writer alike (journal.c) */
int journal__check_record(const struct journal_rec *r, char *why, size_t len);

/* ---- the fold (journal_fold.c) -------------------------------------------------------- */

/* the actions' own folds, named in journal_actions[] */
int journal__fold_run_start(struct journal_state *st, const struct journal_rec *r);
int journal__fold_transition_wait(struct journal_state *st, const struct journal_rec *r);
int journal__fold_replace_load(struct journal_state *st, const struct journal_rec *r);
int journal__fold_stage_start(struct journal_state *st, const struct journal_rec *r);
int journal__fold_stage_end(struct journal_state *st, const struct journal_rec *r);
int journal__fold_decision(struct journal_state *st, const struct journal_rec *r);
int journal__fold_run_end(struct journal_state *st, const struct journal_rec *r);
int journal__fold_revert_start(struct journal_state *st, const struct journal_rec *r);
/* one record into @st; journal__derive() after the last */
int journal__fold_one(struct journal_state *st, const struct journal_rec *r);
/* phase, resolved and the plan, from what has been folded so far */
int journal__derive(struct journal_state *st);

/* ---- reading (journal_read.c) --------------------------------------------------------- */

/* all of @fd from offset 0 */
int journal__read_all(int fd, const char *path, char **buf, size_t *len, char *err, size_t errlen);
/* journal__state() of a file's records, with its path and torn line */
int journal__fold_file(const char *name, const char *path, const struct journal_recs *recs,
		       struct journal_state *st, char *err, size_t errlen);

/* ---- errors --------------------------------------------------------------------------- */

__attribute__((format(printf, 4, 5))) static inline int
fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* ---- detail helpers ------------------------------------------------------------------- */

static inline const char *dstr(const struct json_object *detail, const char *key)
{
	struct json_object *v;

	if (!detail || !json_object_object_get_ex(detail, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static inline bool dint(const struct json_object *detail, const char *key, int64_t *out)
{
	struct json_object *v;

	if (!detail || !json_object_object_get_ex(detail, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

static inline bool dbool(const struct json_object *detail, const char *key)
{
	struct json_object *v;

	return detail && json_object_object_get_ex(detail, key, &v) &&
	       json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static inline const char *type_name(json_type t)
{
	switch (t) {
	case json_type_string:
		return "a string";
	case json_type_int:
		return "an integer";
	case json_type_boolean:
		return "a boolean";
	default:
		return json_type_to_name(t);
	}
}

/* ---- strings and JSON ----------------------------------------------------------------- */

static inline int set_str(char **dst, const char *src)
{
	char *s = NULL;

	if (src && !(s = strdup(src)))
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

static inline int add_str(struct json_object *o, const char *key, const char *val)
{
	struct json_object *s;

	if (!o || !val)
		return 0;
	s = json_object_new_string(val);
	if (!s || json_object_object_add(o, key, s)) {
		json_object_put(s);
		return -ENOMEM;
	}
	return 0;
}

static inline int add_int(struct json_object *o, const char *key, int64_t val)
{
	struct json_object *v;

	if (!o)
		return 0;
	v = json_object_new_int64(val);
	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* ---- files ---------------------------------------------------------------------------- */

static inline char *join(const char *dir, const char *name, const char *suffix)
{
	char *s;

	if (asprintf(&s, "%s/%s%s", dir, name, suffix) < 0)
		return NULL;
	return s;
}

static inline pid_t read_pid(int fd)
{
	char buf[32];
	ssize_t n;
	long pid;
	char *end;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || pid <= 0 || pid > INT_MAX)
		return 0;
	return pid;
}

#endif /* HC_JOURNAL_INT_H */
