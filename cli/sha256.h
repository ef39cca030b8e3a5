/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* SHA-256 for content digests ("sha256:<64 hex>"), through OpenSSL's
 * libcrypto: a well-kept, hardware-accelerated implementation (SHA-NI on
 * these machines) rather than one of our own. */

#include <stdbool.h>
#include <stddef.h>

#define SHA256_HEX_LEN 64

typedef struct Sha256 Sha256;

int sha256_new(Sha256 **ret);
Sha256 *sha256_free(Sha256 *s);
static inline void sha256_freep(Sha256 **s)
{
	sha256_free(*s);
}
void sha256_update(Sha256 *s, const void *data, size_t len);
/* Writes the 64 lowercase hex digits and resets the context. */
int sha256_final_hex(Sha256 *s, char ret[static SHA256_HEX_LEN + 1]);

/* sha256 of everything read from fd until end of file. */
int sha256_fd(int fd, char ret[static SHA256_HEX_LEN + 1]);
int sha256_data(const void *data, size_t len, char ret[static SHA256_HEX_LEN + 1]);

/* "sha256:" and 64 lowercase hex digits: safe to use as a file name. */
bool digest_is_sha256(const char *digest);
/* The hex part of a valid "sha256:..." digest, else NULL. */
const char *digest_hex(const char *digest);
