/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Spare container folders. Every `run` needs a folder with upper/, work/
 * and rootfs/ (the overlay's), and every --rm container's goes again when
 * it ends: seven directory inodes made and freed per container. On ext4
 * each is a block allocated and freed (discarded, on a disk mounted with
 * `discard`), and without a journal every inode allocation skips the ones
 * freed in the last seconds one by one, so the more containers ran, the
 * slower each mkdir: 0.1 to 0.2 ms each here. So the supervisor of a --rm
 * container that ended cleanly empties its folder and moves it to one of
 * SPARE_MAX slots, spare/0 to spare/3 (renameat2() with RENAME_NOREPLACE:
 * a slot taken meanwhile is never overwritten), and the next run's
 * supervisor takes one by rename() instead of making four folders.
 *
 * A folder is recycled only when it is as the supervisor made it: upper/
 * and rootfs/ empty, nothing but files beside them, and the overlay gone
 * (we held its mount namespace and closed it before). work/ is emptied:
 * OverlayFS makes work/work (and, for a volatile mount, the
 * work/work/incompat/volatile marker that refuses a second mount) at every
 * mount. supervisor.log and config.json stay, emptied, and save their
 * inodes too (the next run writes config.json in place, spawn.c). */

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "supervisor.h"
#include "util.h"

#define SPARE_MAX 4

static bool is_slot(const char *name)
{
	return name[0] >= '0' && name[0] < '0' + SPARE_MAX && name[1] == 0;
}

bool spare_take(Supervisor *s)
{
	_cleanup_free_ char *dir = path_spare_dir(&s->paths);
	DIR *d = dir ? opendir(dir) : NULL;
	if (!d)
		return false;
	bool taken = false;
	struct dirent *de;
	while (!taken && (de = readdir(d))) {
		if (!is_slot(de->d_name))
			continue;
		if (renameat(dirfd(d), de->d_name, AT_FDCWD, s->bundle) == 0) {
			taken = true;
			s->start.spare_slot = de->d_name[0];
		} else if (errno != ENOENT) /* ENOENT: another run took it first */
			break;
	}
	closedir(d);
	return taken;
}

/* Moves path into a free slot; -EEXIST when all are taken. */
static int put_in_slot(const char *dir, const char *path, char first)
{
	for (int i = 0; i < SPARE_MAX; i++) {
		char slot = (char)('0' + (first - '0' + i) % SPARE_MAX);
		_cleanup_free_ char *dest = NULL;
		if (asprintf(&dest, "%s/%c", dir, slot) < 0)
			return -ENOMEM;
		if (renameat2(AT_FDCWD, path, AT_FDCWD, dest, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == ENOENT && mkdir(dir, 0700) == 0 &&
		    renameat2(AT_FDCWD, path, AT_FDCWD, dest, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno != EEXIST && errno != ENOTEMPTY)
			return -errno;
	}
	return -EEXIST;
}

static int clean_folder(const char *path);

void spare_put_back(Supervisor *s)
{
	/* The init may have mounted its root on it: emptied as after a run. */
	_cleanup_free_ char *dir = path_spare_dir(&s->paths);
	if (!s->start.spare_slot || !dir || clean_folder(s->bundle) < 0 ||
	    put_in_slot(dir, s->bundle, s->start.spare_slot) < 0)
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

/* Empties the folder at path for the next container, if it is as we made
 * it; -ENOTEMPTY when it is not. */
static int clean_folder(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!dir_is_empty(fd, "upper") || !dir_is_empty(fd, "rootfs"))
		return -ENOTEMPTY;
	_cleanup_free_ char *work = NULL;
	if (asprintf(&work, "%s/work", path) < 0)
		return -ENOMEM;
	/* Whatever OverlayFS left in work/ goes; work/ itself stays. */
	int r = rm_rf_contents(work);
	if (r < 0)
		return r;

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
		else if (streq(n, "supervisor.log") || streq(n, "config.json")) {
			int lfd = openat(fd, n, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
			r = lfd < 0 ? -errno : 0;
			if (lfd >= 0)
				close(lfd);
		} else if (unlinkat(fd, n, 0) < 0)
			r = -errno;
	}
	closedir(d);
	return r;
}

int spare_recycle(Supervisor *s, const char *path)
{
	_cleanup_free_ char *dir = path_spare_dir(&s->paths);
	if (!dir)
		return -ENOMEM;
	/* Room for it? (The rename decides; this spares the work.) */
	bool room = false;
	for (int i = 0; i < SPARE_MAX && !room; i++) {
		_cleanup_free_ char *slot = NULL;
		if (asprintf(&slot, "%s/%d", dir, i) < 0)
			return -ENOMEM;
		room = access(slot, F_OK) < 0 && errno == ENOENT;
	}
	if (!room)
		return -ENOSPC;
	int r = clean_folder(path);
	if (r < 0)
		return r;
	return put_in_slot(dir, path, '0');
}
