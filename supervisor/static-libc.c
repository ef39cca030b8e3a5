/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Linked into berth-supervisor only when it is a static PIE (configure.ac),
 * with -Wl,--wrap=dlopen -Wl,--wrap=getpwuid_r (supervisor/local.mk).
 *
 * In a static program glibc can do two things only by loading the host's
 * shared libraries at run time, which must then be of the glibc version the
 * program was built with; ld warns of each call that could get there. Two
 * such calls are in the static libraries the supervisor links, in code it
 * never runs:
 *  - dlopen(), in SQLite's loader of extensions (os_unix.c, unixDlOpen()),
 *    reached only through sqlite3_load_extension() or the SQL function
 *    load_extension(), neither of which db/ enables or calls;
 *  - getpwuid_r(), in libuv's uv_os_get_passwd() and uv_os_homedir() (when
 *    HOME is unset), which the supervisor does not call; glibc would load
 *    the host's NSS modules (libnss_*.so) for it.
 * Here both refuse instead, the way each reports failure, so that a later
 * change that reaches one gets an error rather than a host library loaded
 * into the supervisor. glibc's own dlopen and getpwuid_r (with all of NSS)
 * are then not linked at all. */

#include <errno.h>
#include <pwd.h>
#include <stddef.h>

void *__wrap_dlopen(const char *file, int mode);
int __wrap_getpwuid_r(uid_t uid, struct passwd *pwd, char *buf, size_t buflen,
		      struct passwd **result);

/* NULL, as for a library that cannot be loaded; SQLite's caller takes a
 * NULL dlerror() as "no message". */
void *__wrap_dlopen(const char *file, int mode)
{
	return NULL;
}

/* ENOSYS: not "no such user" (0 and a NULL result), but "no lookup here";
 * libuv returns it as UV_ENOSYS. */
int __wrap_getpwuid_r(uid_t uid, struct passwd *pwd, char *buf, size_t buflen,
		      struct passwd **result)
{
	*result = NULL;
	return ENOSYS;
}
