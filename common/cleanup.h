/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Scope-bound clean-up in the style of systemd: every exit path frees what
 * the scope owns, and TAKE_PTR()/TAKE_FD() hand ownership on explicitly. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _noreturn_ __attribute__((noreturn))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand over ownership: returns the value and resets the variable, so the
 * cleanup attribute on it becomes a no-op. */
#define TAKE_PTR(p)                    \
	({                             \
		typeof(p) _tp_ = (p);  \
		(p) = (typeof(p))NULL; \
		_tp_;                  \
	})

#define TAKE_FD(fd)                                                           \
	({                                                                    \
		_Static_assert(__builtin_types_compatible_p(typeof(fd), int), \
			       "TAKE_FD on a non-int");                       \
		int _tf_ = (fd);                                              \
		(fd) = -EBADF;                                                \
		_tf_;                                                         \
	})

/* Turn a libc-style "-1 and errno" result into a negative errno. */
#define RET_NERRNO(expr)                              \
	({                                            \
		typeof(expr) _r_ = (expr);            \
		_r_ < 0 ? (typeof(expr))-errno : _r_; \
	})

/* Close an fd and return -EBADF, for "fd = safe_close(fd);". */
static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return -EBADF;
}

/* Both ends of a pipe or a socketpair, each -EBADF or open. */
static inline void close_pairp(int (*pair)[2])
{
	safe_close((*pair)[0]);
	safe_close((*pair)[1]);
}
#define _cleanup_close_pair_ _cleanup_(close_pairp)

/* A NULL-terminated string vector. */
char **strv_free(char **l);
static inline void strv_freep(char ***l)
{
	strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)
