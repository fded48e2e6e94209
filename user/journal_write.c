// SPDX-License-Identifier: GPL-2.0
/*
 * Writing a journal: the state directory, the lock file and its PID, opening (a torn tail
 * cut, the rest folded), and appending a record: one write of the line, then fsync.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "journal.h"
#include "journal_int.h"
#include "trust.h"
#include "units.h"

/* ---- writing ------------------------------------------------------------------------- */

struct journal {
	int dirfd;
	int lockfd;
	int fd;
	char *name;
	char *path;
	char *lock_path;
	uint64_t next_seq;
	off_t size; /* of the file: the end of the last good line */
	int broken; /* 0, or the -errno that made appending unsafe */
	struct journal_state st;
};

static int fsync_parent(const char *dir)
{
	char *copy = strdup(dir), *slash;
	int fd, ret = 0;

	if (!copy)
		return -ENOMEM;
	while ((slash = strrchr(copy, '/')) && slash != copy && !slash[1])
		*slash = '\0'; /* "a/b/" is "a/b" */
	slash = strrchr(copy, '/');
	if (!slash)
		strcpy(copy, ".");
	else if (slash == copy)
		copy[1] = '\0';
	else
		*slash = '\0';
	fd = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return ret;
}

/*
 * The state directory, created root-owned 0700 if need be. Its journals say what to run and
 * what to undo as root: a directory another user can write is refused (trust.h).
 */
static int open_dir(const char *dir, bool create, char *err, size_t errlen)
{
	char why[1024];
	int fd, ret;

	if (create && mkdir(dir, 0700)) {
		if (errno != EEXIST)
			return fail(err, errlen, -errno, "cannot create the state directory %s: %s",
				    dir, strerror(errno));
	} else if (create) {
		ret = fsync_parent(dir);
		if (ret)
			return fail(err, errlen, ret, "%s: fsync of its parent: %s", dir,
				    strerror(-ret));
	}
	fd = trust__open(dir, TRUST_DIR, why, sizeof(why));
	if (fd < 0)
		return fail(err, errlen, fd, "state directory %s: %s", dir, why);
	return fd;
}

static bool alive(pid_t pid)
{
	return pid > 0 && (!kill(pid, 0) || errno == EPERM);
}

static int take_lock(struct journal *j, char *err, size_t errlen)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };
	char buf[32];
	int tries, n;
	pid_t pid;

	j->lockfd = openat(j->dirfd, strrchr(j->lock_path, '/') + 1,
			   O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (j->lockfd < 0)
		return fail(err, errlen, -errno, "%s: %s", j->lock_path, strerror(errno));
	for (tries = 0;; tries++) {
		if (!flock(j->lockfd, LOCK_EX | LOCK_NB))
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return fail(err, errlen, -errno, "%s: flock: %s", j->lock_path,
				    strerror(errno));
		pid = read_pid(j->lockfd);
		if (alive(pid))
			return fail(err, errlen, -EBUSY,
				    "%s: another hotcanary holds the journal of '%s': PID %d",
				    j->lock_path, j->name, (int)pid);
		/* no live PID in the file: a holder that has not written it yet, or a
		 * status probe; look again for a while */
		if (tries >= 20)
			return fail(err, errlen, -EBUSY,
				    "%s: another process holds the journal of '%s'%s", j->lock_path,
				    j->name, pid > 0 ? " (its PID file names a dead process)" : "");
		nanosleep(&pause, NULL);
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(j->lockfd, 0) || pwrite(j->lockfd, buf, n, 0) != n)
		return fail(err, errlen, -errno, "%s: %s", j->lock_path, strerror(errno));
	return 0;
}

static int open_journal(struct journal *j, bool create, char *err, size_t errlen)
{
	const char *base = strrchr(j->path, '/') + 1;

	j->fd = openat(j->dirfd, base, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (j->fd >= 0) {
		char why[1024];
		int ret = trust__check_fd(j->fd, j->path, why, sizeof(why));

		return ret ? fail(err, errlen, ret, "%s", why) : 0;
	}
	if (errno != ENOENT || !create)
		return fail(err, errlen, -errno, "%s: %s", j->path, strerror(errno));
	j->fd = openat(j->dirfd, base,
		       O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (j->fd < 0)
		return fail(err, errlen, -errno, "%s: %s", j->path, strerror(errno));
	/* the new name must survive a crash as much as the records in it */
	if (fsync(j->fd) || fsync(j->dirfd))
		return fail(err, errlen, -errno, "%s: fsync: %s", j->path, strerror(errno));
	return 0;
}

/* read what is there under the lock, cut a torn tail, and fold it */
static int load_existing(struct journal *j, char *err, size_t errlen)
{
	struct journal_recs recs;
	size_t len;
	char *buf;
	int ret;

	ret = journal__read_all(j->fd, j->path, &buf, &len, err, errlen);
	if (ret)
		return ret;
	ret = journal__parse(j->path, buf, len, &recs, err, errlen);
	free(buf);
	if (ret)
		return ret;
	if (recs.valid_len < len) {
		if (ftruncate(j->fd, recs.valid_len) || fsync(j->fd)) {
			ret = fail(err, errlen, -errno, "%s: cutting the torn line %u: %s", j->path,
				   recs.torn_line, strerror(errno));
			journal_recs__free(&recs);
			return ret;
		}
	}
	j->size = recs.valid_len;
	j->next_seq = recs.n ? recs.v[recs.n - 1].seq + 1 : 1;
	ret = journal__fold_file(j->name, j->path, &recs, &j->st, err, errlen);
	journal_recs__free(&recs);
	return ret;
}

int journal__open(const char *dir, const char *name, unsigned int flags, struct journal **jp,
		  char *err, size_t errlen)
{
	bool create = flags & JOURNAL_CREATE;
	struct journal *j;
	int ret;

	*jp = NULL;
	if (!dir || !dir[0])
		dir = JOURNAL_DEFAULT_DIR;
	if (!journal__valid_name(name))
		return fail(err, errlen, -EINVAL,
			    "'%s' is not a rollout name ([a-z0-9-], 1 to %d characters, not "
			    "starting with '-')",
			    name ?: "", JOURNAL_NAME_MAX);
	j = calloc(1, sizeof(*j));
	if (!j)
		return fail(err, errlen, -ENOMEM, "out of memory");
	j->dirfd = j->lockfd = j->fd = -1;
	j->name = strdup(name);
	j->path = join(dir, name, JOURNAL_SUFFIX);
	j->lock_path = join(dir, name, JOURNAL_LOCK_SUFFIX);
	if (!j->name || !j->path || !j->lock_path) {
		ret = fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	ret = open_dir(dir, create, err, errlen);
	if (ret < 0)
		goto out;
	j->dirfd = ret;
	/* without JOURNAL_CREATE, do not leave a lock file behind for a name never run */
	if (!create && faccessat(j->dirfd, strrchr(j->path, '/') + 1, F_OK, 0)) {
		ret = fail(err, errlen, -errno, "%s: %s", j->path, strerror(errno));
		goto out;
	}
	ret = take_lock(j, err, errlen);
	if (!ret)
		ret = open_journal(j, create, err, errlen);
	if (!ret)
		ret = load_existing(j, err, errlen);
out:
	if (ret) {
		journal__close(j);
		return ret;
	}
	*jp = j;
	return 0;
}

void journal__close(struct journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->lockfd >= 0) {
		/* clear the PID while still holding the lock, only if it is ours */
		if (read_pid(j->lockfd) == getpid() && !flock(j->lockfd, LOCK_EX | LOCK_NB))
			(void)!ftruncate(j->lockfd, 0);
		close(j->lockfd);
	}
	if (j->dirfd >= 0)
		close(j->dirfd);
	journal_state__free(&j->st);
	free(j->name);
	free(j->path);
	free(j->lock_path);
	free(j);
}

const struct journal_state *journal__current(const struct journal *j)
{
	return &j->st;
}

const char *journal__path(const struct journal *j)
{
	return j->path;
}

static void now(struct journal_rec *r)
{
	struct timespec ts;

	r->mono_ns = time__mono_ns();
	clock_gettime(CLOCK_REALTIME, &ts);
	time__rfc3339(&ts, r->wall, sizeof(r->wall));
}

static struct json_object *rec_to_json(const struct journal_rec *r)
{
	struct json_object *o = json_object_new_object();

	if (!o || add_int(o, "seq", r->seq) || add_int(o, "mono_ns", r->mono_ns) ||
	    add_str(o, "wall", r->wall) || add_str(o, "kind", journal_kind_names[r->kind]) ||
	    add_str(o, "action", journal_actions[r->action].name) ||
	    json_object_object_add(o, "ok", json_object_new_boolean(r->ok)) ||
	    json_object_object_add(o, "detail", json_object_get(r->detail))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int write_line(struct journal *j, const char *line, size_t len, char *err, size_t errlen)
{
	size_t done = 0;
	ssize_t n;
	int e;

	while (done < len) {
		n = write(j->fd, line + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			/* no half line may stay: the next append would glue onto it */
			if (done && ftruncate(j->fd, j->size))
				j->broken = -e;
			return fail(err, errlen, -e, "%s: write: %s", j->path, strerror(e));
		}
		done += n;
	}
	if (fsync(j->fd)) {
		e = errno;
		/* after a failed fsync the page cache says nothing about the disk */
		j->broken = -(e == EINTR ? EIO : e);
		return fail(err, errlen, j->broken, "%s: fsync: %s", j->path, strerror(e));
	}
	j->size += len;
	return 0;
}

int journal__append(struct journal *j, enum journal_kind kind, enum journal_action action, bool ok,
		    struct json_object *detail, uint64_t *seq, char *err, size_t errlen)
{
	struct journal_rec r = { .kind = kind, .action = action, .ok = ok };
	struct json_object *o = NULL;
	char why[256], *line = NULL;
	const char *s;
	size_t len;
	int ret;

	if (j->broken)
		return fail(err, errlen, -EIO,
			    "%s: an earlier append failed (%s); the journal takes no more records",
			    j->path, strerror(-j->broken));
	if (detail)
		ret = json_object_deep_copy(detail, &r.detail, NULL) ? -ENOMEM : 0;
	else
		ret = (r.detail = json_object_new_object()) ? 0 : -ENOMEM;
	if (ret)
		return fail(err, errlen, ret, "out of memory");
	r.seq = j->next_seq;
	now(&r);
	ret = journal__check_record(&r, why, sizeof(why));
	if (ret) {
		fail(err, errlen, ret, "%s: refusing to write %s %s: %s", j->path,
		     journal__kind_name(kind), journal__action_name(action), why);
		goto out;
	}
	o = rec_to_json(&r);
	s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE) :
		NULL;
	if (!s || asprintf(&line, "%s\n", s) < 0) {
		line = NULL;
		ret = fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	len = strlen(line);
	ret = write_line(j, line, len, err, errlen);
	if (ret)
		goto out;
	j->next_seq++;
	if (seq)
		*seq = r.seq;
	ret = journal__fold_one(&j->st, &r);
	if (!ret)
		ret = journal__derive(&j->st);
	if (ret) {
		/* the record is safe on disk, but the fold in memory is now behind */
		j->broken = ret;
		fail(err, errlen, ret, "%s: out of memory", j->path);
	}
out:
	free(line);
	json_object_put(o);
	json_object_put(r.detail);
	return ret;
}

int journal__intent(struct journal *j, enum journal_action action, struct json_object *detail,
		    char *err, size_t errlen)
{
	return journal__append(j, JOURNAL_INTENT, action, true, detail, NULL, err, errlen);
}

int journal__result(struct journal *j, enum journal_action action, struct json_object *detail,
		    int error, const char *reason, char *err, size_t errlen)
{
	struct json_object *d = NULL;
	int ret;

	if (detail ? json_object_deep_copy(detail, &d, NULL) : !(d = json_object_new_object()))
		return fail(err, errlen, -ENOMEM, "out of memory");
	if ((error && add_int(d, "errno", error < 0 ? -error : error)) ||
	    add_str(d, "reason", reason)) {
		json_object_put(d);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	ret = journal__append(j, JOURNAL_RESULT, action, !error, d, NULL, err, errlen);
	json_object_put(d);
	return ret;
}

int journal__note(struct journal *j, enum journal_action action, struct json_object *detail,
		  char *err, size_t errlen)
{
	return journal__append(j, JOURNAL_NOTE, action, true, detail, NULL, err, errlen);
}
