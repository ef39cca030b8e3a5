/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dl-crypto.h"
#include "parse.h"
#include "sha256.h"
#include "util.h"

struct Sha256 {
	EVP_MD_CTX *ctx;
};

int sha256_new(Sha256 **ret)
{
	int r = dl_crypto_load();
	if (r < 0)
		return r;
	Sha256 *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ctx = EVP_MD_CTX_new();
	if (!s->ctx || EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL) != 1) {
		sha256_free(s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

Sha256 *sha256_free(Sha256 *s)
{
	if (s) {
		EVP_MD_CTX_free(s->ctx);
		free(s);
	}
	return NULL;
}

void sha256_update(Sha256 *s, const void *data, size_t len)
{
	if (len > 0)
		(void)EVP_DigestUpdate(s->ctx, data, len);
}

int sha256_final_hex(Sha256 *s, char ret[static SHA256_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int n = 0;
	if (EVP_DigestFinal_ex(s->ctx, md, &n) != 1 || n != sizeof(md) ||
	    EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL) != 1)
		return -EIO;
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < n; i++) {
		ret[2 * i] = hex[md[i] >> 4];
		ret[2 * i + 1] = hex[md[i] & 15];
	}
	ret[SHA256_HEX_LEN] = 0;
	return 0;
}

int sha256_fd(int fd, char ret[static SHA256_HEX_LEN + 1])
{
	_cleanup_(sha256_freep) Sha256 *s = NULL;
	int r = sha256_new(&s);
	if (r < 0)
		return r;
	_cleanup_free_ char *buf = malloc(1 << 20);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		sha256_update(s, buf, (size_t)n);
	}
	return sha256_final_hex(s, ret);
}

int sha256_data(const void *data, size_t len, char ret[static SHA256_HEX_LEN + 1])
{
	_cleanup_(sha256_freep) Sha256 *s = NULL;
	int r = sha256_new(&s);
	if (r < 0)
		return r;
	sha256_update(s, data, len);
	return sha256_final_hex(s, ret);
}

bool digest_is_sha256(const char *digest)
{
	if (!digest || !startswith(digest, "sha256:"))
		return false;
	_Static_assert(SHA256_HEX_LEN == CONTAINER_ID_LEN, "a digest in hex is an id's length");
	return id_is_valid(digest + strlen("sha256:"));
}

const char *digest_hex(const char *digest)
{
	return digest_is_sha256(digest) ? digest + strlen("sha256:") : NULL;
}
