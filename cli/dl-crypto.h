/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libcrypto, for image digests, opened with dlopen() when first needed (common/dl.h
 * says why). Include this header instead of the library's own. */

#include <openssl/evp.h>

#define DL_CRYPTO_SYMS(X)     \
	X(EVP_DigestFinal_ex) \
	X(EVP_DigestInit_ex)  \
	X(EVP_DigestUpdate)   \
	X(EVP_MD_CTX_free)    \
	X(EVP_MD_CTX_new)     \
	X(EVP_sha256)

#define X(s) extern __typeof__(s) *sym_##s;
DL_CRYPTO_SYMS(X)
#undef X

/* Loads CRYPTO_SONAME (once); 0, or -ENOPKG after logging why. */
int dl_crypto_load(void);

#ifndef DL_CRYPTO_DEFINE
#define EVP_DigestFinal_ex sym_EVP_DigestFinal_ex
#define EVP_DigestInit_ex sym_EVP_DigestInit_ex
#define EVP_DigestUpdate sym_EVP_DigestUpdate
#define EVP_MD_CTX_free sym_EVP_MD_CTX_free
#define EVP_MD_CTX_new sym_EVP_MD_CTX_new
#define EVP_sha256 sym_EVP_sha256
#endif
