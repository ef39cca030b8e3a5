/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Opens path inside the directory rootfd as if rootfd were "/": ".." at
 * the top stays there, absolute symlinks start again from rootfd, magic
 * links (/proc/PID/fd/N, /proc/PID/root) are never followed into what
 * they point at. With no_symlinks, any symlink on the way is refused
 * (ELOOP). flags are open(2)'s; O_CLOEXEC is always added.
 *
 * openat2(RESOLVE_IN_ROOT) does this in the kernel. Where it answers
 * ENOSYS (kernels before 5.6, seccomp profiles that refuse it that way,
 * valgrind), resolve_in_root_walk() does the same in user space: one
 * component at a time with O_NOFOLLOW, symlinks read and spliced into the
 * rest of the path, ".." taken from our own stack of opened directories
 * rather than asked of the kernel, so a directory moved out of the root
 * meanwhile cannot take us with it. No allocation: it runs in the
 * container init too. Returns 0 or a negative errno. */
int resolve_in_root(int rootfd, const char *path, int flags, bool no_symlinks, int *ret_fd);
int resolve_in_root_walk(int rootfd, const char *path, int flags, bool no_symlinks, int *ret_fd);

/* Whether resolving path inside rootfd would climb above rootfd through a
 * symlink: a relative target with more ".." than the folders it is in
 * (resolve_in_root() keeps such a path inside; berth-runtime refuses it,
 * for a mount destination or root.path, as bad input). ".." of path's own
 * text at the top, and absolute targets (taken from rootfd), are not
 * escapes. 1, with the symlink's path from rootfd in ret_link; 0; or a
 * negative errno. A missing part ends the walk with 0. */
int resolve_escapes(int rootfd, const char *path, char *ret_link, size_t size);
