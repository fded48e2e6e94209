/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 (FIPS 180-4), for the sha256 pin of a patch artefact. None of the libraries the
 * static binary links (libbpf 1.1, libelf, zlib, json-c, libyaml) exports a hash, and an
 * OpenSSL dependency for one checksum is not worth it, so this is a small implementation
 * of the standard, tested against the FIPS 180-2 example vectors.
 */
#ifndef HC_SHA256_H
#define HC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t used; /* bytes in buf */
};

void sha256__init(struct sha256 *s);
void sha256__update(struct sha256 *s, const void *data, size_t len);
void sha256__final(struct sha256 *s, uint8_t out[SHA256_DIGEST_LEN]);
/* the whole of @len bytes at @data */
void sha256__buf(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN]);
/* the hash of the file @path; 0 or -errno of opening or reading it */
int sha256__file(const char *path, uint8_t out[SHA256_DIGEST_LEN]);
/* the digest of everything @fd holds, read from offset 0; 0 or -errno */
int sha256__fd(int fd, uint8_t out[SHA256_DIGEST_LEN]);
/* 64 lower-case hex digits and a NUL into @hex (at least 65 bytes); returns @hex */
char *sha256__hex(const uint8_t digest[SHA256_DIGEST_LEN], char *hex);

#endif
