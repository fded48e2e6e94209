/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one rule for every file hotcanary acts on as root: policies, livepatch modules, fix
 * libraries, exec programs, journals and the state directory, recordings. A file that another
 * user can change could make root load, inject or run what that user wants.
 *
 * The file, and every directory on its canonical path, belongs to root (or to the user
 * running hotcanary, when that is not root) and is not writable by group or others. A
 * root-owned sticky directory (/tmp) is allowed above it: others cannot rename or remove what
 * is in it. The path is walked one directory descriptor at a time, each component opened
 * with O_NOFOLLOW and checked with fstat on that descriptor, so what was checked is what is
 * read: the caller gets the descriptor, never a path to open again.
 */
#ifndef HC_TRUST_H
#define HC_TRUST_H

#include <stdbool.h>
#include <stddef.h>

/* what the file must be */
enum trust_kind {
	TRUST_FILE, /* a regular file */
	TRUST_DIR,  /* a directory (the state directory) */
};

/*
 * Open @path (O_RDONLY | O_CLOEXEC, plus O_NONBLOCK for a file, O_DIRECTORY for a directory)
 * if it and every directory above it pass the rule. Returns the descriptor, or -EACCES when a
 * rule fails, with @err naming the file or directory, the rule it breaks and the command that
 * fixes it ("chown root ...", "chmod go-w ..."); -EINVAL for the wrong kind of file ("not a
 * regular file but a FIFO"); else -errno ("cannot open: ..."). The last two do not name
 * @path: the caller puts it in front.
 */
int trust__open(const char *path, enum trust_kind kind, char *err, size_t errlen);

/*
 * trust__open() of a regular file that root is about to load or hand to a process, named
 * @what ("the patch library") in @err: "WHAT: <the rule it breaks and the fix>", or "cannot
 * open WHAT 'PATH': <why>". The descriptor, or -errno.
 */
int trust__open_file(const char *path, const char *what, char *err, size_t errlen);

/*
 * The rule for a file already open, whose directories were checked (a journal opened in the
 * trusted state directory): 0 or -EACCES with @err as above.
 */
int trust__check_fd(int fd, const char *path, char *err, size_t errlen);

/* the owner a trusted file may have besides root: the effective user when not root */
bool trust__owner_ok(unsigned int uid);

#endif
