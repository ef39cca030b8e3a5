/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#define DL_ARCHIVE_DEFINE
#include "dl-archive.h"
#include "dl.h"

#define X(s) __typeof__(s) *sym_##s;
DL_ARCHIVE_SYMS(X)
#undef X

int dl_archive_load(void)
{
	static void *handle;
	static const DlSym syms[] = { DL_ARCHIVE_SYMS(DL_SYM) };
	return dl_open_library(&handle, ARCHIVE_SONAME, syms, sizeof(syms) / sizeof(syms[0]),
			       "images");
}
