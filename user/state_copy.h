/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copies of the files root loads, kept in the state directory: livepatch modules
 * (<state dir>/modules/NAME.ko) and ulp fix libraries (<state dir>/ulp/SHA256.so). The copy is
 * what is loaded, and it is hashed as it is written into a directory only root can change, so
 * a pin is checked on the bytes the kernel or the process gets, not on a file that another
 * open could find changed.
 */
#ifndef HC_STATE_COPY_H
#define HC_STATE_COPY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "sha256.h"

struct state_copy {
	const char *dir;  /* where the copy goes; created with @dir_mode if missing */
	mode_t dir_mode;  /* and set to it: 0711 lets a target's user reach a ulp copy */
	const char *src;  /* the file to copy: it must pass the trust rule */
	const char *what; /* "the livepatch module", for the messages */
	const char *name; /* the copy's file name; NULL: its sha256 in hex + @suffix */
	const char *suffix;
	mode_t mode;	    /* of the copy: 0600, or 0644 for a library a service maps */
	const uint8_t *pin; /* NULL, or the sha256 the bytes must have: nothing is kept if not */
};

/*
 * Copy @c->src into @c->dir through a temporary file and a rename; its path into @out and
 * the sha256 of the bytes copied into @digest. A content-addressed copy that is already
 * there, with those bytes, is used as it is: a process may map it. 0, -EBADF when the bytes
 * do not match @c->pin, else -errno; @err says what failed and what to do.
 */
int state_copy__store(const struct state_copy *c, char *out, size_t outlen,
		      uint8_t digest[SHA256_DIGEST_LEN], char *err, size_t errlen);

#endif
