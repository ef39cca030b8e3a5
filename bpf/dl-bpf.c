/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#define DL_BPF_DEFINE
#include "dl-bpf.h"
#include "dl.h"

#define X(s) __typeof__(s) *sym_##s;
DL_BPF_SYMS(X)
#undef X

int dl_bpf_load(void)
{
	static void *handle;
	static const DlSym syms[] = { DL_BPF_SYMS(DL_SYM) };
	return dl_open_library(&handle, BPF_SONAME, syms, sizeof(syms) / sizeof(syms[0]),
			       "berth trace");
}
