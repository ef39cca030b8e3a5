/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "resolve.h"
#include "untrusted-file.h"

int untrusted_open(int rootfd, const char *path, bool no_symlinks, mode_t *ret_type, int *ret_fd)
{
	/* O_PATH opens nothing: no FIFO wait, no device's open routine. A
	 * symlink is followed, but inside the root (unless no_symlinks). */
	_cleanup_close_ int pfd = -EBADF;
	int r = resolve_in_root(rootfd, path, O_PATH, no_symlinks, &pfd);
	if (r < 0)
		return r;
	struct stat st;
	if (fstat(pfd, &st) < 0)
		return -errno;
	if (ret_type)
		*ret_type = st.st_mode & S_IFMT;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	/* The inode just checked, whatever its name points at by now. */
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	int fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int untrusted_read_fd(int fd, size_t max, char **ret, size_t *ret_size)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	/* A file that claims to be larger is refused at once; one that grows
	 * while we read is caught by the count. */
	if (st.st_size < 0 || (uint64_t)st.st_size > max)
		return -EFBIG;
	if (max > SIZE_MAX / 2)
		return -EINVAL;
	size_t alloc = (size_t)st.st_size + 1, size = 0;
	if (alloc < 4096)
		alloc = 4096;
	if (alloc > max + 2)
		alloc = max + 2;
	_cleanup_free_ char *buf = malloc(alloc);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		/* Room for one byte past max (so that we see it) and the NUL. */
		if (size + 1 >= alloc) {
			if (size > max)
				return -EFBIG;
			size_t n = alloc > (max + 2) / 2 ? max + 2 : alloc * 2;
			char *b = realloc(buf, n);
			if (!b)
				return -ENOMEM;
			buf = b;
			alloc = n;
		}
		ssize_t k = read(fd, buf + size, alloc - size - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		size += (size_t)k;
	}
	if (size > max)
		return -EFBIG;
	buf[size] = 0;
	if (ret_size)
		*ret_size = size;
	*ret = TAKE_PTR(buf);
	return 0;
}

int untrusted_read_file(int rootfd, const char *path, size_t max, mode_t *ret_type, char **ret,
			size_t *ret_size)
{
	_cleanup_close_ int fd = -EBADF;
	int r = untrusted_open(rootfd, path, false, ret_type, &fd);
	if (r < 0)
		return r;
	return untrusted_read_fd(fd, max, ret, ret_size);
}

const char *file_type_name(mode_t type)
{
	switch (type & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a folder";
	case S_IFLNK:
		return "a symbolic link";
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	default:
		return "of an unknown type";
	}
}
