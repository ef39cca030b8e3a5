/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* A rootless container's overlay through fuse-overlayfs, where the kernel
 * cannot mount OverlayFS for a user (before Linux 5.11), or where the user
 * asks for it ($BERTH_ROOTLESS_OVERLAY, written into config.json by `run`
 * as ANNOTATION_OVERLAY_DRIVER). We mount it, in a mount namespace of our
 * own (the host's belongs to the host's user namespace), on the container's
 * root folder before the init is cloned; the init, which gets a copy of
 * our mounts, binds that folder as its root. fuse-overlayfs stays our
 * child in the foreground and dies with us (PR_SET_PDEATHSIG); at the
 * container's end we unmount it, and it ends. */

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "supervisor.h"
#include "util.h"

static bool wants_fuse(const Supervisor *s)
{
	const char *driver = spec_get_annotation(s->spec, ANNOTATION_OVERLAY_DRIVER);
	return driver && streq(driver, "fuse-overlayfs") &&
	       spec_get_annotation(s->spec, ANNOTATION_LOWERDIR);
}

int supervisor_rootfs_fuse(Supervisor *s, SetupError *e)
{
	if (!wants_fuse(s))
		return 0;
	const char *lower_rel = spec_get_annotation(s->spec, ANNOTATION_LOWERDIR);
	const char *upper_rel = spec_get_annotation(s->spec, ANNOTATION_UPPERDIR);
	const char *work_rel = spec_get_annotation(s->spec, ANNOTATION_WORKDIR);
	if (!upper_rel || !work_rel || !s->spec->root_path)
		return setup_err(e, -EINVAL,
				 "the overlay's lower folders come without an upper "
				 "and a work folder");
	_cleanup_free_ char *lower = path_list_resolve(s->bundle, lower_rel);
	_cleanup_free_ char *upper = path_resolve(s->bundle, upper_rel);
	_cleanup_free_ char *work = path_resolve(s->bundle, work_rel);
	_cleanup_free_ char *rootfs = path_resolve(s->bundle, s->spec->root_path);
	_cleanup_free_ char *opts = NULL, *log = NULL, *program = NULL;
	if (!lower || !upper || !work || !rootfs ||
	    asprintf(&opts, "lowerdir=%s,upperdir=%s,workdir=%s,allow_other", lower, upper, work) <
		    0 ||
	    asprintf(&log, "%s/fuse-overlayfs.log", s->bundle) < 0)
		return setup_err(e, -ENOMEM, "out of memory");
	int r = find_program("fuse-overlayfs", &program);
	if (r < 0)
		return setup_err(e, r, "fuse-overlayfs: %s",
				 r == -ENOENT ? "not installed" : "out of memory");

	/* Our own mounts, which the host's do not reach back from. Once per
	 * supervisor: a `start` is a new one. */
	if (!s->own_mount_ns) {
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
			return setup_err(e, -errno,
					 "fuse-overlayfs: a mount namespace of our own: %m");
		s->own_mount_ns = true;
	}
	struct stat before;
	if (stat(rootfs, &before) < 0)
		return setup_err(e, -errno, "fuse-overlayfs: %s: %m", rootfs);
	_cleanup_close_ int logfd =
		open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (logfd < 0)
		return setup_err(e, -errno, "fuse-overlayfs: %s: %m", log);
	char *argv[] = { program, (char *)"-f", (char *)"-o", opts, rootfs, NULL };
	pid_t pid = supervisor_run_helper(argv, logfd, -EBADF);
	if (pid < 0)
		return setup_err(e, pid, "fuse-overlayfs: fork: %m");
	s->fuse_pid = pid;
	/* Mounted once the folder is another filesystem's. */
	uint64_t t0 = now_mono_usec();
	for (;;) {
		struct stat st;
		if (stat(rootfs, &st) == 0 && st.st_dev != before.st_dev)
			break;
		if (waitpid(pid, NULL, WNOHANG) == pid || now_mono_usec() - t0 > 10 * 1000 * 1000) {
			char why[256];
			helper_log_last_line(log, "unknown argument ignored", why, sizeof(why));
			supervisor_rootfs_fuse_end(s);
			return setup_err(e, -EIO, "fuse-overlayfs: %s", why);
		}
		usleep(500);
	}
	log_debug("container %.12s: fuse-overlayfs (pid %d) mounted its root in %.1f ms", s->id,
		  (int)pid, (double)(now_mono_usec() - t0) / 1000.0);
	/* The init binds the mounted folder, as for a plain rootfs. */
	spec_unset_annotation(s->spec, ANNOTATION_LOWERDIR);
	s->fuse_rootfs = TAKE_PTR(rootfs);
	return 0;
}

void supervisor_rootfs_fuse_end(Supervisor *s)
{
	if (s->fuse_rootfs) {
		if (umount2(s->fuse_rootfs, MNT_DETACH) < 0)
			log_warning_errno(-errno, "unmount fuse-overlayfs from %s: %m",
					  s->fuse_rootfs);
		free(s->fuse_rootfs);
		s->fuse_rootfs = NULL;
	}
	if (s->fuse_pid > 0) {
		/* Unmounted, it ends by itself; killed, should it not. */
		if (waitpid(s->fuse_pid, NULL, WNOHANG) == 0) {
			for (int i = 0; i < 200 && waitpid(s->fuse_pid, NULL, WNOHANG) == 0; i++)
				usleep(5000);
			if (kill(s->fuse_pid, SIGKILL) == 0)
				(void)waitpid(s->fuse_pid, NULL, 0);
		}
		s->fuse_pid = 0;
	}
}
