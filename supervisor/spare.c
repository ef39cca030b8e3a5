/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Spare container folders. Every `run` needs a folder with upper/, work/
 * and rootfs/ (the overlay's), and every --rm container's goes again when
 * it ends: seven directory inodes made and freed per container. On ext4
 * each is a block allocated and freed (discarded, on a disk mounted with
 * `discard`), and without a journal every inode allocation skips the ones
 * freed in the last seconds one by one, so the more containers ran, the
 * slower each mkdir: 0.1 to 0.2 ms each here. So the supervisor of a --rm
 * container that ended cleanly empties its folder and moves it to
 * spare/<id> (at most SPARE_MAX of them), and the next run's supervisor
 * takes one by rename() instead of making four folders.
 *
 * A folder is recycled only when it is as the supervisor made it: upper/
 * and rootfs/ empty, nothing but files beside them, and the overlay gone
 * (we held its mount namespace and closed it before). work/ is emptied:
 * OverlayFS makes work/work (and, for a volatile mount, the
 * work/work/incompat/volatile marker that refuses a second mount) at every
 * mount. supervisor.log stays, emptied, and saves its inode too. */

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "parse.h"
#include "supervisor.h"
#include "util.h"

#define SPARE_MAX 4

bool spare_take(Supervisor *s)
{
	_cleanup_free_ char *dir = path_spare_dir(&s->paths);
	DIR *d = dir ? opendir(dir) : NULL;
	if (!d)
		return false;
	bool taken = false;
	struct dirent *de;
	while (!taken && (de = readdir(d))) {
		if (!id_is_valid(de->d_name))
			continue;
		if (renameat(dirfd(d), de->d_name, AT_FDCWD, s->bundle) == 0) {
			taken = true;
			memcpy(s->spare_name, de->d_name, CONTAINER_ID_LEN);
			s->spare_name[CONTAINER_ID_LEN] = 0;
		} else if (errno != ENOENT) /* ENOENT: another run took it first */
			break;
	}
	closedir(d);
	return taken;
}

void spare_put_back(Supervisor *s)
{
	if (*s->spare_name) {
		_cleanup_free_ char *dir = path_spare_dir(&s->paths);
		_cleanup_free_ char *dest = NULL;
		if (dir && asprintf(&dest, "%s/%s", dir, s->spare_name) >= 0 &&
		    rename(s->bundle, dest) == 0)
			return;
	}
	(void)rm_rf(s->bundle);
}

static bool dir_is_empty(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	bool empty = true;
	struct dirent *de;
	while (empty && (de = readdir(d)))
		empty = streq(de->d_name, ".") || streq(de->d_name, "..");
	closedir(d);
	return empty;
}

static size_t count_spares(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += id_is_valid(de->d_name);
	closedir(d);
	return n;
}

int spare_recycle(Supervisor *s, const char *path)
{
	_cleanup_free_ char *dir = path_spare_dir(&s->paths);
	if (!dir)
		return -ENOMEM;
	if (count_spares(dir) >= SPARE_MAX)
		return -ENOSPC;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!dir_is_empty(fd, "upper") || !dir_is_empty(fd, "rootfs"))
		return -ENOTEMPTY;
	_cleanup_free_ char *work = NULL;
	if (asprintf(&work, "%s/work", path) < 0)
		return -ENOMEM;
	/* Whatever OverlayFS left in work/ goes; work/ itself stays. */
	int r = rm_rf(work);
	if (r < 0)
		return r;
	if (mkdir(work, 0755) < 0)
		return -errno;

	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0)
		return -errno;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	struct dirent *de;
	r = 0;
	while (r >= 0 && (de = readdir(d))) {
		const char *n = de->d_name;
		if (streq(n, ".") || streq(n, "..") || streq(n, "upper") || streq(n, "rootfs") ||
		    streq(n, "work"))
			continue;
		struct stat st;
		if (fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			r = -ENOTEMPTY; /* not as we made it */
		else if (streq(n, "supervisor.log")) {
			int lfd = openat(fd, n, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
			r = lfd < 0 ? -errno : 0;
			if (lfd >= 0)
				close(lfd);
		} else if (unlinkat(fd, n, 0) < 0)
			r = -errno;
	}
	closedir(d);
	if (r < 0)
		return r;

	_cleanup_free_ char *dest = NULL;
	if (asprintf(&dest, "%s/%s", dir, s->id) < 0)
		return -ENOMEM;
	if (rename(path, dest) < 0 && (errno != ENOENT || mkdir(dir, 0700) < 0 || rename(path, dest) < 0))
		return -errno;
	return 0;
}
