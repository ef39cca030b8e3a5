/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>

#include "dl.h"
#include "log.h"

int dl_open_library(void **handle, const char *soname, const DlSym *syms, size_t n,
		    const char *what)
{
	if (*handle)
		return 0;
	/* RTLD_NOW: a missing symbol is one clear error here, not a crash in
	 * the middle of an import. */
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return log_error_errno(-ENOPKG, "%s cannot be loaded (needed for %s): %s", soname,
				       what, dlerror());
	for (size_t i = 0; i < n; i++) {
		(void)dlerror();
		void *p = dlsym(h, syms[i].name);
		if (!p) {
			/* Said before dlclose(), which frees dlerror()'s string. */
			const char *e = dlerror();
			int r = log_error_errno(-ENOPKG, "%s lacks %s (needed for %s)%s%s", soname,
						syms[i].name, what, e ? ": " : "", e ? e : "");
			for (size_t j = 0; j < i; j++)
				*syms[j].ptr = NULL;
			(void)dlclose(h);
			return r;
		}
		*syms[i].ptr = p;
	}
	*handle = h;
	return 0;
}
