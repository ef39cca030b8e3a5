/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "resolve.h"

#define RESOLVE_MAX_DEPTH 256 /* directories deep; deeper is ENAMETOOLONG */
#define RESOLVE_MAX_LINKS 40  /* as the kernel's MAXSYMLINKS */

int resolve_in_root(int rootfd, const char *path, int flags, bool no_symlinks, int *ret_fd)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
			   (no_symlinks ? RESOLVE_NO_SYMLINKS : 0),
	};
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd >= 0) {
		*ret_fd = fd;
		return 0;
	}
	if (errno != ENOSYS)
		return -errno;
	return resolve_in_root_walk(rootfd, path, flags, no_symlinks, ret_fd);
}

static void close_stack(int *stack, size_t depth)
{
	for (size_t i = 0; i <= depth; i++)
		if (stack[i] >= 0)
			close(stack[i]);
}

int resolve_in_root_walk(int rootfd, const char *path, int flags, bool no_symlinks, int *ret_fd)
{
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		return -EINVAL; /* not needed by berth, so not done */
	/* What is left to resolve, and room to splice a symlink's target in
	 * front of it. */
	char left[2][PATH_MAX];
	int cur = 0;
	size_t len = strlen(path);
	if (len == 0)
		return -ENOENT; /* as open("") */
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(left[cur], path, len + 1);

	int stack[RESOLVE_MAX_DEPTH];
	size_t depth = 0;
	stack[0] = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (stack[0] < 0)
		return -errno;

	unsigned links = 0;
	char name[NAME_MAX + 1] = ""; /* of the last directory entry pushed */
	char *p = left[cur];
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		char comp[NAME_MAX + 1];
		if (n > NAME_MAX) {
			close_stack(stack, depth);
			return -ENAMETOOLONG;
		}
		memcpy(comp, p, n);
		comp[n] = 0;
		p = end;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (depth > 0)
				close(stack[depth--]);
			continue;
		}
		int fd = openat(stack[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			int r = -errno;
			if (fd >= 0)
				close(fd);
			close_stack(stack, depth);
			return r;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t t = no_symlinks || ++links > RESOLVE_MAX_LINKS
					    ? (errno = ELOOP, -1)
					    : readlinkat(fd, "", target, sizeof(target));
			int r = t < 0 ? -errno : 0;
			close(fd);
			if (r == 0 && (t == 0 || (size_t)t >= sizeof(target)))
				r = t == 0 ? -ENOENT : -ENAMETOOLONG;
			size_t restlen = strlen(p);
			if (r == 0 && (size_t)t + restlen + 1 > PATH_MAX)
				r = -ENAMETOOLONG;
			if (r < 0) {
				close_stack(stack, depth);
				return r;
			}
			/* target + the rest (which starts with "/" or is empty) */
			char *next = left[!cur];
			memcpy(next, target, (size_t)t);
			memcpy(next + t, p, restlen + 1);
			cur = !cur;
			p = next;
			if (target[0] == '/')
				while (depth > 0)
					close(stack[depth--]);
			continue;
		}
		/* A name followed by "/", even a final one, must be a directory. */
		if (*p == '/' && !S_ISDIR(st.st_mode)) {
			close(fd);
			close_stack(stack, depth);
			return -ENOTDIR;
		}
		if (depth + 1 >= RESOLVE_MAX_DEPTH) {
			close(fd);
			close_stack(stack, depth);
			return -ENAMETOOLONG;
		}
		stack[++depth] = fd;
		memcpy(name, comp, n + 1);
	}

	/* stack[depth] is what the path names (O_PATH). */
	struct stat st;
	int r = fstat(stack[depth], &st) < 0 ? -errno : 0;
	if (r == 0 && (flags & O_DIRECTORY) && !S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	int fd = -EBADF;
	if (r < 0)
		;
	else if (flags & O_PATH) {
		fd = stack[depth];
		stack[depth] = -EBADF;
	} else if (S_ISDIR(st.st_mode))
		fd = openat(stack[depth], ".", flags | O_CLOEXEC);
	else
		/* Not a directory, so the last step pushed it: reopened by
		 * name from its parent, O_NOFOLLOW so that a swap for a
		 * symlink meanwhile fails rather than leads out. */
		fd = openat(stack[depth - 1], name, flags | O_NOFOLLOW | O_CLOEXEC);
	if (r == 0 && fd < 0)
		r = -errno;
	close_stack(stack, depth);
	if (r < 0)
		return r;
	*ret_fd = fd;
	return 0;
}

int resolve_escapes(int rootfd, const char *path, char *ret_link, size_t size)
{
	/* What is left to walk; `orig` counts its last bytes that are still
	 * path's own, the rest came from symlinks. */
	char left[2][PATH_MAX];
	int cur = 0;
	size_t len = strlen(path);
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(left[cur], path, len + 1);
	size_t orig = len;
	/* Where we are, as a path from the root, for the message. */
	char at[PATH_MAX] = "";
	size_t at_len = 0;
	int stack[RESOLVE_MAX_DEPTH];
	size_t depth = 0;
	stack[0] = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (stack[0] < 0)
		return -errno;
	unsigned links = 0;
	int r = 0;
	char *p = left[cur];
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		bool from_path = strlen(p) <= orig;
		char comp[NAME_MAX + 1];
		if (n > NAME_MAX) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = 0;
		p = end;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (depth == 0 && !from_path) {
				r = 1; /* a symlink's target climbs above the root */
				break;
			}
			if (depth > 0) {
				close(stack[depth--]);
				while (at_len > 0 && at[at_len - 1] != '/')
					at_len--;
				if (at_len > 0)
					at_len--;
				at[at_len] = 0;
			}
			continue;
		}
		if (at_len + 1 + n < sizeof(at)) {
			at[at_len++] = '/';
			memcpy(at + at_len, comp, n + 1);
			at_len += n;
		}
		int fd = openat(stack[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			/* Missing: made as a folder later, no symlink there. */
			r = errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
			if (fd >= 0)
				close(fd);
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t t = ++links > RESOLVE_MAX_LINKS
					    ? (errno = ELOOP, -1)
					    : readlinkat(fd, "", target, sizeof(target));
			close(fd);
			size_t restlen = strlen(p);
			if (t <= 0 || (size_t)t + restlen + 1 > PATH_MAX) {
				r = t < 0 ? -errno : t == 0 ? 0 : -ENAMETOOLONG;
				break;
			}
			if (ret_link && size)
				snprintf(ret_link, size, "%s", at);
			/* The link's own name is not a folder we are in. */
			while (at_len > 0 && at[at_len - 1] != '/')
				at_len--;
			if (at_len > 0)
				at_len--;
			at[at_len] = 0;
			char *next = left[!cur];
			memcpy(next, target, (size_t)t);
			memcpy(next + t, p, restlen + 1);
			if (orig > restlen)
				orig = restlen;
			cur = !cur;
			p = next;
			if (target[0] == '/') {
				/* Absolute: from the root again, inside it. */
				while (depth > 0)
					close(stack[depth--]);
				at_len = 0;
				at[0] = 0;
			}
			continue;
		}
		if (!S_ISDIR(st.st_mode) || depth + 1 >= RESOLVE_MAX_DEPTH) {
			close(fd);
			break; /* a file ends the walk; mounting there is not ours to judge */
		}
		stack[++depth] = fd;
	}
	close_stack(stack, depth);
	return r;
}
