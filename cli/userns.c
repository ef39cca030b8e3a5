/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "cancel.h"
#include "log.h"
#include "parse.h"
#include "rootless.h"
#include "subid.h"
#include "untrusted-file.h"
#include "userns.h"
#include "util.h"

#define OVERFLOW_ID 65534

int id_map_parse(const char *s, SpecIdMap *ret)
{
	/* CONTAINER:HOST:SIZE */
	_cleanup_free_ char *copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	char *a = copy, *b = strchr(a, ':'), *c = b ? strchr(b + 1, ':') : NULL;
	if (!b || !c)
		return -EINVAL;
	*b++ = 0;
	*c++ = 0;
	uint32_t x, y, z;
	if (parse_uint32(a, &x) < 0 || parse_uint32(b, &y) < 0 || parse_uint32(c, &z) < 0 || z == 0)
		return -EINVAL;
	*ret = (SpecIdMap){ x, y, z };
	return 0;
}

static bool overlaps(uint64_t base, const SubidRange *ranges, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (base < (uint64_t)ranges[i].start + ranges[i].count &&
		    ranges[i].start < base + USERNS_AUTO_SIZE)
			return true;
	return false;
}

int cli_userns(Cli *cli, const ContainerRow *join)
{
	(void)cli;
	if (!rootless() || geteuid() == 0)
		return 0;
	if (join) {
		int r = rootless_join((pid_t)join->supervisor_pid,
				      (uint64_t)join->supervisor_start_time);
		if (r == -ESRCH)
			return log_error_errno(r, "container %s is not running", join->name);
		if (r < 0)
			return log_error_errno(r, "enter the user namespace of container %s: %m",
					       join->name);
		RootlessIds ids;
		if ((r = rootless_ids(&ids)) < 0)
			return log_error_errno(r, "read the user namespace's map: %m");
		return 0;
	}
	struct passwd *pw = getpwuid(geteuid());
	/* A user without a name has only the lines of their uid ("" names
	 * no one; NULL would be every line). */
	int r = rootless_enter(pw ? pw->pw_name : "");
	/* Read now, while /proc is there for it (image-unpack.c chroots). */
	RootlessIds ids;
	if (r >= 0 && (r = rootless_ids(&ids)) < 0)
		log_error_errno(r, "read the user namespace's map: %m");
	return r;
}

int userns_auto_base(Cli *cli, uint32_t *ret)
{
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	_cleanup_free_ int64_t *used = NULL;
	size_t n = 0;
	r = db_userns_bases(db, &used, &n);
	if (r < 0)
		return r;
	/* The users' subordinate ranges are theirs: a user whose range a
	 * container's ids fell in could own its files through newuidmap. */
	_cleanup_free_ SubidRange *subids = NULL;
	size_t n_subids = 0;
	const char *files[] = { subid_file_uid(), subid_file_gid() };
	for (size_t k = 0; k < ELEMENTSOF(files); k++)
		if ((r = subid_ranges_read(files[k], NULL, 0, &subids, &n_subids)) < 0)
			return log_error_errno(r, "read %s: %m", files[k]);
	uint64_t base = USERNS_AUTO_FIRST;
	for (;;) {
		bool taken = overlaps(base, subids, n_subids);
		for (size_t i = 0; i < n && !taken; i++)
			taken = (uint64_t)used[i] == base;
		if (!taken)
			break;
		base += USERNS_AUTO_SIZE;
		if (base + USERNS_AUTO_SIZE > UINT32_MAX)
			return -ENOSPC;
	}
	*ret = (uint32_t)base;
	return 0;
}

static uid_t to_host(const SpecIdMap *m, size_t n, uint32_t id)
{
	int64_t h = id_map_to_host(m, n, id);
	return h < 0 ? OVERFLOW_ID : (uid_t)h;
}

static int copy_data(int from, int to, off_t size)
{
	while (size > 0) {
		ssize_t k = sendfile(to, from, NULL, (size_t)(size > (1 << 30) ? (1 << 30) : size));
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		size -= k;
	}
	return 0;
}

/* Overlay metadata (opaque dirs, whiteout redirects) must survive. */
static void copy_xattrs(int sfd, int dfd, const char *name)
{
	char list[4096], full_s[4200], full_d[4200];
	snprintf(full_s, sizeof(full_s), "/proc/self/fd/%d/%s", sfd, name);
	snprintf(full_d, sizeof(full_d), "/proc/self/fd/%d/%s", dfd, name);
	ssize_t n = llistxattr(full_s, list, sizeof(list));
	for (ssize_t off = 0; off < n; off += (ssize_t)strlen(list + off) + 1) {
		const char *k = list + off;
		if (!startswith(k, "trusted.overlay.") && !startswith(k, "user."))
			continue;
		char v[4096];
		ssize_t vl = lgetxattr(full_s, k, v, sizeof(v));
		if (vl >= 0)
			(void)lsetxattr(full_d, k, v, (size_t)vl, 0);
	}
}

static int shift_tree(const ContainerSpec *spec, int sfd, int dfd)
{
	_cleanup_close_ int dupfd = dup(sfd);
	if (dupfd < 0)
		return -errno;
	DIR *d = fdopendir(TAKE_FD(dupfd));
	if (!d)
		return -errno;
	int r = 0;
	struct dirent *de;
	while (r >= 0 && (de = readdir(d))) {
		/* The copy of a large image takes a while: a signal ends it. */
		if (cli_cancel_requested()) {
			r = -ECANCELED;
			break;
		}
		const char *name = de->d_name;
		if (streq(name, ".") || streq(name, ".."))
			continue;
		struct stat st;
		if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		/* Hard links become separate copies: rare in images, and harmless. */
		switch (st.st_mode & S_IFMT) {
		case S_IFDIR: {
			if (mkdirat(dfd, name, 0700) < 0) {
				r = -errno;
				break;
			}
			_cleanup_close_ int s2 =
				openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			_cleanup_close_ int d2 =
				openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0) {
				r = -errno;
				break;
			}
			r = shift_tree(spec, s2, d2);
			break;
		}
		case S_IFREG: {
			/* Only while it is still a regular file: one swapped
			 * for a FIFO or a device meanwhile is not opened. */
			_cleanup_close_ int in = -EBADF;
			r = untrusted_open(sfd, name, true, NULL, &in);
			if (r < 0)
				break;
			_cleanup_close_ int out =
				openat(dfd, name,
				       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (out < 0) {
				r = -errno;
				break;
			}
			r = copy_data(in, out, st.st_size);
			break;
		}
		case S_IFLNK: {
			char target[4096];
			ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);
			if (n < 0) {
				r = -errno;
				break;
			}
			target[n] = 0;
			if (symlinkat(target, dfd, name) < 0)
				r = -errno;
			break;
		}
		case S_IFCHR:
		case S_IFBLK:
		case S_IFIFO:
			if (mknodat(dfd, name, st.st_mode, st.st_rdev) < 0)
				r = -errno;
			break;
		default:
			continue; /* sockets: nothing to copy */
		}
		if (r < 0)
			break;
		uid_t uid = to_host(spec->uid_maps, spec->n_uid_maps, st.st_uid);
		gid_t gid = to_host(spec->gid_maps, spec->n_gid_maps, st.st_gid);
		if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		if (!S_ISLNK(st.st_mode)) {
			/* After chown, which clears set-id bits. */
			if (fchmodat(dfd, name, st.st_mode & 07777, 0) < 0) {
				r = -errno;
				break;
			}
			copy_xattrs(sfd, dfd, name);
		}
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		(void)utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW);
	}
	closedir(d);
	return r;
}

int userns_shift_layers(char *const *layers, const char *dst, const ContainerSpec *spec)
{
	if (mkdir(dst, 0700) < 0 && errno != EEXIST)
		return -errno;
	for (size_t i = 0; layers && layers[i]; i++) {
		_cleanup_free_ char *to = NULL;
		if (asprintf(&to, "%s/%zu", dst, i) < 0)
			return -ENOMEM;
		if (mkdir(to, 0755) < 0)
			return -errno;
		_cleanup_close_ int sfd = open(layers[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_close_ int dfd = open(to, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sfd < 0 || dfd < 0)
			return -errno;
		int r = shift_tree(spec, sfd, dfd);
		if (r < 0)
			return r;
		/* The layer's root directory itself. */
		struct stat st;
		if (fstat(sfd, &st) < 0)
			return -errno;
		if (fchown(dfd, to_host(spec->uid_maps, spec->n_uid_maps, st.st_uid),
			   to_host(spec->gid_maps, spec->n_gid_maps, st.st_gid)) < 0 ||
		    fchmod(dfd, st.st_mode & 07777) < 0)
			return -errno;
	}
	return 0;
}
