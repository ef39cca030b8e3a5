/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#define DL_CRYPTO_DEFINE
#include "dl-crypto.h"
#include "dl.h"

#define X(s) __typeof__(s) *sym_##s;
DL_CRYPTO_SYMS(X)
#undef X

int dl_crypto_load(void)
{
	static void *handle;
	static const DlSym syms[] = { DL_CRYPTO_SYMS(DL_SYM) };
	return dl_open_library(&handle, CRYPTO_SONAME, syms, sizeof(syms) / sizeof(syms[0]),
			       "image digests");
}
