/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A real container for the unit tests of the supervisor's start, init and
 * loop (test-init.c, test-spawn.c, test-loop.c): a bundle in a temporary
 * folder whose root holds the host's static busybox, a cgroup of the
 * test's own under /sys/fs/cgroup/unified (made and removed by the test,
 * never another), and the berth-stage of this build. Root only: the tests
 * skip without root, without that cgroup v2 mount or without a static
 * busybox. Include after cmocka.h. */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci.h"
#include "util.h"

#define CF_CGROUP_ROOT "/sys/fs/cgroup/unified"
#define CF_BUSYBOX "/usr/bin/busybox"

typedef struct {
	char dir[64];
	char *bundle; /* dir/bundle, root.path "rootfs" in it */
	char *rootfs;
	char *cgroup; /* CF_CGROUP_ROOT/berth-unit-<pid>-<n> */
	int cgroup_fd;
} ContainerFixture;

/* Why the container tests cannot run here, or NULL. */
static inline const char *cf_unusable(void)
{
	if (geteuid() != 0)
		return "not root";
	if (access(CF_CGROUP_ROOT "/cgroup.procs", W_OK) < 0)
		return "no cgroup v2 at " CF_CGROUP_ROOT;
	if (access(CF_BUSYBOX, X_OK) < 0)
		return "no " CF_BUSYBOX;
	return NULL;
}

/* The berth-stage of this build: next to $BERTH (tests/local.mk), or two
 * folders up from the test's binary. */
static inline char *cf_built_stage(void)
{
	char *p = NULL;
	const char *berth = getenv("BERTH");
	if (berth && *berth) {
		_cleanup_free_ char *copy = strdup(berth);
		if (asprintf(&p, "%s/berth-stage", dirname(copy)) < 0)
			return NULL;
		return p;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return NULL;
	self[n] = 0;
	if (asprintf(&p, "%s/../../berth-stage", dirname(self)) < 0)
		return NULL;
	return p;
}

/* For main(): as root, the whole test in a mount namespace of its own with
 * / private, so that not even a bug of the code tested reaches the host's
 * mounts; the stage found; and SIGPIPE ignored, as berth-supervisor does
 * (the release pipe of an init that failed has no reader). */
static inline void cf_init(void)
{
	signal(SIGPIPE, SIG_IGN);
	/* What a container's PID namespace leaves when it goes (the process
	 * `berth exec` started, once its parent is gone) is ours to reap, at
	 * once, rather than the host's init's: its cgroup is only empty then. */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	_cleanup_free_ char *stage = cf_built_stage();
	if (stage)
		setenv("BERTH_STAGE", stage, 1);
	if (cf_unusable())
		return;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		perror("private mount namespace");
		exit(99);
	}
}

static inline char *cf_join(const char *a, const char *b)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", a, b) > 0);
	return p;
}

static inline void cf_copy_busybox(const char *rootfs)
{
	_cleanup_free_ char *data = NULL;
	size_t size = 0;
	assert_int_equal(read_full_file(CF_BUSYBOX, &data, &size), 0);
	_cleanup_free_ char *bin = cf_join(rootfs, "bin");
	_cleanup_free_ char *bb = cf_join(bin, "busybox");
	assert_int_equal(mkdir(bin, 0755), 0);
	assert_int_equal(write_file(bb, data, size, O_CREAT | O_TRUNC, 0755), 0);
	static const char *const applets[] = { "sh",  "cat",   "echo",  "hostname",
					       "id",  "sleep", "touch", "ifconfig",
					       "pwd", "ls",    "true" };
	for (size_t i = 0; i < ELEMENTSOF(applets); i++) {
		_cleanup_free_ char *l = cf_join(bin, applets[i]);
		assert_int_equal(symlink("busybox", l), 0);
	}
}

/* Sets a container up, or skips the test. */
static inline void cf_make(ContainerFixture *f)
{
	const char *why = cf_unusable();
	if (why) {
		print_message("# skip: %s\n", why);
		skip();
	}
	*f = (ContainerFixture){ .cgroup_fd = -EBADF };
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-container.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->bundle = cf_join(f->dir, "bundle");
	f->rootfs = cf_join(f->bundle, "rootfs");
	assert_int_equal(mkdir(f->bundle, 0700), 0);
	assert_int_equal(mkdir(f->rootfs, 0755), 0);
	cf_copy_busybox(f->rootfs);
	static unsigned n;
	assert_true(asprintf(&f->cgroup, CF_CGROUP_ROOT "/berth-unit-%d-%u", (int)getpid(), n++) >
		    0);
	assert_int_equal(mkdir(f->cgroup, 0755), 0);
	f->cgroup_fd = open(f->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->cgroup_fd >= 0);
}

/* Kills a container's init and reaps it, and whatever else is ours to
 * reap meanwhile: the init of a PID namespace exits only once every
 * process of its namespace is reaped, and those whose parent (in our
 * namespace: `berth exec`'s) went before are ours (cf_init()). */
static inline void cf_kill_and_reap(int pidfd)
{
	if (pidfd < 0)
		return;
	(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

/* Kills what is left in our cgroup and removes it (it may be gone
 * already: the supervisor removes a container's), and the folder. */
static inline void cf_done(ContainerFixture *f)
{
	if (!f->bundle)
		return;
	f->cgroup_fd = safe_close(f->cgroup_fd);
	if (f->cgroup && access(f->cgroup, F_OK) == 0) {
		_cleanup_free_ char *kill_file = cf_join(f->cgroup, "cgroup.kill");
		(void)write_string_file(kill_file, "1");
		for (int i = 0; i < 500 && rmdir(f->cgroup) < 0 && errno == EBUSY; i++) {
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			usleep(10000);
		}
		assert_false(access(f->cgroup, F_OK) == 0);
	}
	assert_int_equal(rm_rf(f->dir), 0);
	free(f->bundle);
	free(f->rootfs);
	free(f->cgroup);
	*f = (ContainerFixture){ .cgroup_fd = -EBADF };
}

/* A config.json: args (a JSON array), then what else goes into process,
 * into linux and at the top (each empty or starting with a comma). */
static inline char *cf_config(const char *args, const char *process, const char *linux_,
			      const char *top)
{
	char *json = NULL;
	assert_true(
		asprintf(&json,
			 "{\"ociVersion\": \"1.1.0\", \"process\": {\"args\": %s, \"cwd\": \"/\", "
			 "\"env\": [\"PATH=/bin\"]%s}, \"root\": {\"path\": \"rootfs\"}, "
			 "\"hostname\": \"berth-unit\", \"mounts\": [{\"destination\": \"/proc\", "
			 "\"type\": \"proc\", \"source\": \"proc\", \"options\": [\"nosuid\", "
			 "\"noexec\", \"nodev\"]}, {\"destination\": \"/dev\", \"type\": "
			 "\"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"nosuid\", "
			 "\"mode=755\"]}], \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, "
			 "{\"type\": \"mount\"}, {\"type\": \"ipc\"}, {\"type\": \"uts\"}, "
			 "{\"type\": \"network\"}, {\"type\": \"cgroup\"}]%s}%s}",
			 args, process, linux_, top) > 0);
	return json;
}

static inline ContainerSpec *cf_spec(const char *args, const char *process, const char *linux_,
				     const char *top)
{
	_cleanup_free_ char *json = cf_config(args, process, linux_, top);
	ContainerSpec *s = NULL;
	_cleanup_free_ char *error = NULL;
	if (spec_from_json(json, &s, &error) < 0)
		fail_msg("spec_from_json: %s\n%s", error, json);
	return s;
}

/* Everything fd has until its end of file, at most size - 1 bytes. */
static inline void cf_read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	for (ssize_t n; len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) != 0;) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
}
