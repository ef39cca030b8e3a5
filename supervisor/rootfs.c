/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "resolve.h"
#include "rootfs.h"
#include "rootless.h"
#include "util.h"

int open_in_root(int rootfd, const char *path, bool create, bool as_file, int *ret_fd)
{
	int r = resolve_in_root(rootfd, path, O_PATH, false, ret_fd);
	if (r != -ENOENT || !create)
		return r;

	/* Create the missing parts one by one, each resolved inside the
	 * root, so a symlink planted in the image cannot redirect us. */
	char buf[4096];
	size_t len = strlen(path);
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = 0;
	char *slash = strrchr(buf, '/');
	const char *last = slash ? slash + 1 : buf;
	/* Refused before anything above it is made. */
	if (streq(last, ".") || streq(last, "..") || !*last)
		return -EINVAL;
	int parent = -EBADF;
	if (slash && slash != buf) {
		*slash = 0;
		r = open_in_root(rootfd, buf, true, false, &parent);
	} else
		r = resolve_in_root(rootfd, "/", O_PATH, false, &parent);
	if (r < 0)
		return r;
	if (as_file) {
		int fd = openat(parent, last, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
				0644);
		if (fd >= 0)
			close(fd);
		else if (errno != EEXIST) {
			r = -errno;
			close(parent);
			return r;
		}
	} else if (mkdirat(parent, last, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		close(parent);
		return r;
	}
	close(parent);
	return resolve_in_root(rootfd, path, O_PATH, false, ret_fd);
}

static void fd_path(int fd, char buf[static 64])
{
	snprintf(buf, 64, "/proc/self/fd/%d", fd);
}

static int do_mount(const char *src, int target_fd, const char *fstype, unsigned long flags,
		    const char *data)
{
	char p[64];
	fd_path(target_fd, p);
	return RET_NERRNO(mount(src, p, fstype, flags, data));
}

/* Sets a bind mount's flags. mount_setattr() changes only the flags
 * named, so those the source had (a host mount's nosuid, nodev, noexec)
 * stay, and with AT_RECURSIVE (rbind) it reaches every submount: `ro`
 * leaves no writable mount below. A remount (MS_REMOUNT | MS_BIND), the
 * only way before Linux 5.12, replaces all the flags of the top mount and
 * no others, so it is given the source's own first. `rw` never makes a
 * read-only source writable: it is the default that Podman writes into
 * every mount and users by habit, not a request to undo the host's `ro`;
 * suid, dev and exec are never defaults, so they are taken at their word. */
static int bind_set_flags(int fd, const MountOptions *o)
{
	unsigned long clear = o->clear & ~MS_RDONLY;
	static const struct {
		unsigned long ms, attr;
	} map[] = {
		{ MS_RDONLY, MOUNT_ATTR_RDONLY },         { MS_NOSUID, MOUNT_ATTR_NOSUID },
		{ MS_NODEV, MOUNT_ATTR_NODEV },           { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
		{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
	};
	struct mount_attr attr = { 0 };
	for (size_t i = 0; i < ELEMENTSOF(map); i++) {
		if (o->flags & map[i].ms)
			attr.attr_set |= map[i].attr;
		else if (clear & map[i].ms)
			attr.attr_clr |= map[i].attr;
	}
	/* The access time is one setting of three. */
	unsigned long atime = o->flags & MS_NOATIME       ? MOUNT_ATTR_NOATIME
			      : o->flags & MS_STRICTATIME ? MOUNT_ATTR_STRICTATIME
			      : o->flags & MS_RELATIME    ? MOUNT_ATTR_RELATIME
							  : ~0UL;
	if (atime != ~0UL) {
		attr.attr_clr |= MOUNT_ATTR__ATIME;
		attr.attr_set |= atime;
	}
	if (!attr.attr_set && !attr.attr_clr)
		return 0;
	unsigned at = AT_EMPTY_PATH | (o->flags & MS_REC ? AT_RECURSIVE : 0);
	int r = RET_NERRNO(syscall(SYS_mount_setattr, fd, "", at, &attr, sizeof(attr)));
	if (r != -ENOSYS)
		return r;

	char p[64];
	fd_path(fd, p);
	struct statvfs sv;
	if (statvfs(p, &sv) < 0)
		return -errno;
	static const struct {
		unsigned long st, ms;
	} kept[] = {
		{ ST_RDONLY, MS_RDONLY },     { ST_NOSUID, MS_NOSUID },
		{ ST_NODEV, MS_NODEV },       { ST_NOEXEC, MS_NOEXEC },
		{ ST_NOATIME, MS_NOATIME },   { ST_NODIRATIME, MS_NODIRATIME },
		{ ST_RELATIME, MS_RELATIME },
	};
	unsigned long flags = o->flags & ~(MS_BIND | MS_REC);
	for (size_t i = 0; i < ELEMENTSOF(kept); i++)
		if ((sv.f_flag & kept[i].st) && !(clear & kept[i].ms))
			flags |= kept[i].ms;
	return do_mount(NULL, fd, NULL, MS_REMOUNT | MS_BIND | flags, NULL);
}

/* Takes the option KEY=... out of a comma-separated list; false when it
 * has none. */
static bool drop_option(char *data, const char *key)
{
	for (char *p = data; *p;) {
		char *end = strchrnul(p, ',');
		if (startswith(p, key)) {
			if (*end)
				memmove(p, end + 1, strlen(end + 1) + 1);
			else
				p[p > data ? -1 : 0] = 0;
			return true;
		}
		p = *end ? end + 1 : end;
	}
	return false;
}

static int mount_one(int rootfd, const PreparedMount *m, SetupError *err)
{
	const SpecMount *sm = m->spec;
	bool bind = m->opts.bind;
	bool as_file = false;

	if (bind) {
		struct stat st;
		if (stat(sm->source, &st) < 0)
			return setup_err(err, -errno, "bind mount source `%s`: %m", sm->source);
		as_file = !S_ISDIR(st.st_mode);
	}
	_cleanup_close_ int target = -EBADF;
	int r = open_in_root(rootfd, sm->destination, true, as_file, &target);
	if (r < 0)
		return setup_err(err, r, "mount point `%s` in the container: %m", sm->destination);

	unsigned long flags = m->opts.flags;
	if (bind) {
		/* A bind mount ignores most flags on creation: bind first, then
		 * set them. */
		r = do_mount(sm->source, target, NULL, MS_BIND | (flags & MS_REC), NULL);
		if (r < 0)
			return setup_err(err, r, "bind mount `%s` on `%s`: %m", sm->source,
					 sm->destination);
		_cleanup_close_ int t2 = -EBADF;
		r = open_in_root(rootfd, sm->destination, false, false, &t2);
		if (r >= 0)
			r = bind_set_flags(t2, &m->opts);
		if (r < 0)
			return setup_err(err, r, "set the options of `%s`: %m", sm->destination);
	} else {
		r = do_mount(sm->source, target, m->fstype, flags & ~MS_REMOUNT, m->opts.data);
		/* With the single-id map, the tty group (gid=5) has no id in
		 * the user namespace: the terminals keep the user's group. */
		if (r == -EINVAL && rootless() && m->fstype && streq(m->fstype, "devpts") &&
		    m->opts.data) {
			_cleanup_free_ char *data = strdup(m->opts.data);
			if (data && drop_option(data, "gid="))
				r = do_mount(sm->source, target, m->fstype, flags & ~MS_REMOUNT,
					     data);
		}
		/* A rootless container that shares the host's PID, network or
		 * IPC namespace, which belongs to the host's user namespace,
		 * may not mount a new proc, sysfs or mqueue: it gets the host's,
		 * bound (read-only where it was asked for), as crun does. */
		const char *host = !rootless() || r != -EPERM || !m->fstype ? NULL
				   : streq(m->fstype, "proc")               ? "/proc"
				   : streq(m->fstype, "sysfs")              ? "/sys"
				   : streq(m->fstype, "mqueue")             ? "/dev/mqueue"
									    : NULL;
		if (host) {
			r = do_mount(host, target, NULL, MS_BIND | MS_REC, NULL);
			/* A host without a /dev/mqueue of its own has no view of
			 * its queues to give either. */
			if (r == -ENOENT && streq(host, "/dev/mqueue"))
				return 0;
			if (r >= 0) {
				_cleanup_close_ int t2 = -EBADF;
				r = open_in_root(rootfd, sm->destination, false, false, &t2);
				if (r >= 0)
					r = bind_set_flags(t2, &m->opts);
			}
		}
		if (r < 0)
			return setup_err(err, r, "mount %s on `%s` (%s): %m", m->fstype,
					 sm->destination, m->opts.data ? m->opts.data : "no data");
	}
	if (m->opts.propagation) {
		_cleanup_close_ int t3 = -EBADF;
		r = open_in_root(rootfd, sm->destination, false, false, &t3);
		if (r >= 0)
			r = do_mount(NULL, t3, NULL, m->opts.propagation, NULL);
		if (r < 0)
			return setup_err(err, r, "set propagation of `%s`: %m", sm->destination);
	}
	return 0;
}

/* A rootless container cannot make device nodes (its user namespace is
 * not the host's): an empty file at name in dir gets the host's node at
 * host_path bound over it, as runc and crun do. The node must be the
 * device asked for. */
static int bind_device(int dir, const char *name, const char *host_path, mode_t type, dev_t rdev)
{
	struct stat st;
	if (stat(host_path, &st) < 0)
		return -errno;
	if ((st.st_mode & S_IFMT) != type || st.st_rdev != rdev)
		return -ENODEV;
	_cleanup_close_ int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	char p[64];
	fd_path(fd, p);
	return RET_NERRNO(mount(host_path, p, NULL, MS_BIND, NULL));
}

static int make_devices(int rootfd, SetupError *err)
{
	static const struct {
		const char *path;
		unsigned maj, min;
	} devices[] = {
		{ "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
		{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
	};
	static const struct {
		const char *target, *link;
	} links[] = {
		{ "pts/ptmx", "ptmx" },          { "/proc/self/fd", "fd" },
		{ "/proc/self/fd/0", "stdin" },  { "/proc/self/fd/1", "stdout" },
		{ "/proc/self/fd/2", "stderr" },
	};

	_cleanup_close_ int devfd = -EBADF;
	int r = open_in_root(rootfd, "/dev", true, false, &devfd);
	if (r < 0)
		return setup_err(err, r, "open /dev in the container: %m");
	char p[64];
	fd_path(devfd, p);
	_cleanup_close_ int dir = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return setup_err(err, -errno, "open /dev in the container: %m");

	for (size_t i = 0; i < ELEMENTSOF(devices); i++) {
		const char *name = devices[i].path + 5;
		if (rootless()) {
			r = bind_device(dir, name, devices[i].path, S_IFCHR,
					makedev(devices[i].maj, devices[i].min));
			if (r < 0 && r != -EEXIST)
				return setup_err(err, r, "bind the host's %s: %m", devices[i].path);
			continue;
		}
		if (mknodat(dir, name, S_IFCHR | 0666, makedev(devices[i].maj, devices[i].min)) <
		    0) {
			if (errno == EEXIST)
				continue;
			return setup_err(err, -errno, "create %s: %m", devices[i].path);
		}
		/* mknod honours the umask: make the mode exact. */
		(void)fchmodat(dir, name, 0666, 0);
	}
	for (size_t i = 0; i < ELEMENTSOF(links); i++)
		if (symlinkat(links[i].target, dir, links[i].link) < 0 && errno != EEXIST)
			return setup_err(err, -errno, "create /dev/%s: %m", links[i].link);
	return 0;
}

/* linux.devices: each node made at its path, resolved inside the root,
 * with its mode and owner. One that is there already (the defaults) is
 * left as it is, as runc leaves it. Whether the container may open it is
 * the device cgroup's to say (linux.resources.devices). */
static int make_spec_devices(int rootfd, const ContainerSpec *spec, SetupError *err)
{
	for (size_t i = 0; i < spec->n_devices; i++) {
		const SpecDevice *d = &spec->devices[i];
		char parent_path[4096];
		snprintf(parent_path, sizeof(parent_path), "%s", d->path);
		char *slash = strrchr(parent_path, '/');
		const char *name = d->path + (slash - parent_path) + 1;
		if (!*name || streq(name, ".") || streq(name, ".."))
			return setup_err(err, -EINVAL, "device path `%s` names no file", d->path);
		*slash = 0;
		_cleanup_close_ int parent = -EBADF;
		int r = open_in_root(rootfd, slash == parent_path ? "/" : parent_path, true, false,
				     &parent);
		if (r < 0)
			return setup_err(err, r, "create the folder of device %s: %m", d->path);
		char p[64];
		fd_path(parent, p);
		_cleanup_close_ int dir = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0)
			return setup_err(err, -errno, "open the folder of device %s: %m", d->path);
		mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
		if (rootless()) {
			/* The host's node at the same path, which the user
			 * may open or not. */
			r = type == S_IFIFO ? -EOPNOTSUPP
					    : bind_device(dir, name, d->path, type,
							  makedev(d->major, d->minor));
			if (r == -EEXIST)
				continue;
			if (r < 0)
				return setup_err(err, r, "bind the host's device %s: %m", d->path);
			continue;
		}
		if (mknodat(dir, name, type | d->file_mode, makedev(d->major, d->minor)) < 0) {
			if (errno == EEXIST)
				continue;
			return setup_err(err, -errno, "create device %s: %m", d->path);
		}
		/* The owner is the container's uid and gid: the host's that
		 * they map to in a user namespace of its own. */
		int64_t uid = !d->has_uid ? -1
			      : spec->namespaces[NS_USER].enabled
				      ? id_map_to_host(spec->uid_maps, spec->n_uid_maps, d->uid)
				      : d->uid;
		int64_t gid = !d->has_gid ? -1
			      : spec->namespaces[NS_USER].enabled
				      ? id_map_to_host(spec->gid_maps, spec->n_gid_maps, d->gid)
				      : d->gid;
		if ((d->has_uid && uid < 0) || (d->has_gid && gid < 0))
			return setup_err(err, -EINVAL,
					 "device %s: its uid or gid is not mapped in the user "
					 "namespace",
					 d->path);
		/* mknod honours the umask: make the mode exact. */
		if (fchmodat(dir, name, d->file_mode, 0) < 0 ||
		    ((uid >= 0 || gid >= 0) &&
		     fchownat(dir, name, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0))
			return setup_err(err, -errno, "set the mode and owner of device %s: %m",
					 d->path);
	}
	return 0;
}

int rootfs_setup(const InitPlan *plan, SetupError *err)
{
	const ContainerSpec *spec = plan->spec;

	/* Our copy of the host's mounts must not propagate back. rslave (the
	 * default) still lets host mounts under a shared point flow in. */
	int r = RET_NERRNO(mount(NULL, "/", NULL, plan->propagation, NULL));
	if (r < 0)
		return setup_err(err, r, "make / %s: %m", spec->rootfs_propagation);

	if (plan->overlay_data) {
		r = RET_NERRNO(mount("overlay", plan->rootfs, "overlay", 0, plan->overlay_data));
		if (r == -EINVAL && plan->overlay_volatile > 0) {
			/* A kernel before 5.10 has no `volatile`: the syncs stay. */
			plan->overlay_data[plan->overlay_volatile] = 0;
			r = RET_NERRNO(
				mount("overlay", plan->rootfs, "overlay", 0, plan->overlay_data));
		}
		if (r < 0)
			return setup_err(err, r, "mount the overlay root on `%s`: %m",
					 plan->rootfs);
	} else {
		r = RET_NERRNO(mount(plan->rootfs, plan->rootfs, NULL, MS_BIND | MS_REC, NULL));
		if (r < 0)
			return setup_err(err, r, "bind the root `%s`: %m", plan->rootfs);
	}
	/* pivot_root needs the new root's mount to be not shared. */
	r = RET_NERRNO(mount(NULL, plan->rootfs, NULL, MS_PRIVATE, NULL));
	if (r < 0)
		return setup_err(err, r, "make the root private: %m");

	_cleanup_close_ int rootfd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return setup_err(err, -errno, "open the root `%s`: %m", plan->rootfs);

	bool have_dev = false;
	for (size_t i = 0; i < plan->n_mounts; i++) {
		r = mount_one(rootfd, &plan->mounts[i], err);
		if (r < 0)
			return r;
		if (streq(plan->mounts[i].spec->destination, "/dev"))
			have_dev = true;
	}
	if (have_dev) {
		r = make_devices(rootfd, err);
		if (r < 0)
			return r;
	}
	return make_spec_devices(rootfd, spec, err);
}

int rootfs_pivot(const char *rootfs, SetupError *err)
{
	/* pivot_root(".", ".") stacks the old root under the new one at the
	 * same place; detaching "." then drops the old root entirely, without
	 * needing a directory for it inside the image. */
	if (chdir(rootfs) < 0)
		return setup_err(err, -errno, "chdir to the root: %m");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return setup_err(err, -errno, "pivot_root: %m");
	if (umount2(".", MNT_DETACH) < 0)
		return setup_err(err, -errno, "detach the old root: %m");
	if (chdir("/") < 0)
		return setup_err(err, -errno, "chdir /: %m");
	return 0;
}

static int mask_path(const char *path, SetupError *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : setup_err(err, -errno, "mask %s: %m", path);
	int r;
	if (S_ISDIR(st.st_mode))
		r = RET_NERRNO(mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0"));
	else
		r = RET_NERRNO(mount("/dev/null", path, NULL, MS_BIND, NULL));
	if (r < 0 && r != -ENOENT)
		return setup_err(err, r, "mask %s: %m", path);
	return 0;
}

static int readonly_path(const char *path, SetupError *err)
{
	int r = RET_NERRNO(mount(path, path, NULL, MS_BIND | MS_REC, NULL));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return setup_err(err, r, "make %s read-only: %m", path);
	r = RET_NERRNO(mount(NULL, path, NULL,
			     MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			     NULL));
	if (r < 0)
		return setup_err(err, r, "make %s read-only: %m", path);
	return 0;
}

int rootfs_finish(const InitPlan *plan, SetupError *err)
{
	const ContainerSpec *spec = plan->spec;
	int r;
	for (size_t i = 0; spec->readonly_paths && spec->readonly_paths[i]; i++)
		if ((r = readonly_path(spec->readonly_paths[i], err)) < 0)
			return r;
	for (size_t i = 0; spec->masked_paths && spec->masked_paths[i]; i++)
		if ((r = mask_path(spec->masked_paths[i], err)) < 0)
			return r;
	if (spec->root_readonly) {
		r = RET_NERRNO(mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
		if (r < 0)
			return setup_err(err, r, "make the root read-only: %m");
	}
	return 0;
}
