/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Libraries that only one command needs (libarchive and libcrypto for
 * `image import`, libbpf for `trace`) are opened with dlopen() when that
 * command runs, as systemd does for its optional libraries: linked at
 * start, libarchive alone (with libxml2, ICU and libstdc++ behind it) cost
 * every `berth` call about 3 ms of loading and relocation, more than half
 * of `berth list`.
 *
 * A wrapper header per library includes the library's own headers, then
 * declares one pointer sym_NAME per function, typed from the library's
 * own prototype, and #defines NAME to sym_NAME, so the code using the
 * library reads as if it were linked.
 */

#include <stddef.h>

typedef struct DlSym {
	const char *name;
	void **ptr;
} DlSym;

#define DL_SYM(s) { #s, (void **)&sym_##s },

/* Opens SONAME once and resolves every symbol of SYMS; on a second call
 * returns at once. WHAT names the feature for the one-line error, which is
 * logged here: "<soname> cannot be loaded (needed for WHAT): …". */
int dl_open_library(void **handle, const char *soname, const DlSym *syms, size_t n,
		    const char *what);
