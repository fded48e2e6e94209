/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whole files that hotcanary reads as input (policies, recordings, journals): regular files
 * only, of a bounded size, so that a FIFO cannot hang a command and /dev/zero cannot grow
 * one without limit.
 */
#ifndef HC_INPUT_H
#define HC_INPUT_H

#include <stdbool.h>
#include <stddef.h>

struct input_kind {
	const char *what;  /* "policy", "recording", ... for the messages */
	size_t max;	   /* bytes */
	const char *raise; /* how to accept a larger one, or NULL if it cannot be */
	bool trusted;	   /* root acts on it: it must pass trust__open()'s rule */
};

/*
 * All of regular file @path, NUL-terminated (the NUL not counted in *@len). Fails with
 * -EINVAL for anything but a regular file and -EFBIG past @kind->max, having read at most
 * one byte more; -EACCES when a @kind->trusted file breaks the trust rule (trust.h); else
 * -errno. @err gets what failed and the remedy, without the path for the caller to put in
 * front (the trust rule's messages name the directory they are about).
 */
int input__read(const char *path, const struct input_kind *kind, char **buf, size_t *len, char *err,
		size_t errlen);
/* the same for a file already open; read from offset 0 */
int input__read_fd(int fd, const struct input_kind *kind, char **buf, size_t *len, char *err,
		   size_t errlen);
/* "a FIFO", "a directory", ...: what a st_mode is, for messages */
const char *input__file_type(unsigned int mode);

#endif
