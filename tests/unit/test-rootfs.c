/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the container's root (supervisor/rootfs.c).
 * open_in_root() against a temporary folder: found or made (folders, an
 * empty file), never outside the root whatever symlinks the image holds,
 * and refusing names it cannot make. The mounts (rootfs_setup(),
 * rootfs_pivot(), rootfs_finish()) in a forked child as root, in a mount
 * namespace of its own whose / is made private first, so nothing reaches
 * the host's mounts: the root bound, tmpfs and bind mounts with their
 * flags, /dev's devices, the pivot, read-only and masked paths, a
 * read-only root, and the one-line errors. Those skip without root. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init-plan.h"
#include "oci.h"
#include "rootfs.h"
#include "util.h"
#include "root-tests.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static char dir[] = "/tmp/test-rootfs.XXXXXX";
static char *root; /* dir/rootfs */
static int rootfd = -EBADF;

static char *at(const char *sub)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s%s", root, sub) > 0);
	return p;
}

static int setup(void **state)
{
	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&root, "%s/rootfs", dir) > 0);
	assert_int_equal(mkdir(root, 0755), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	safe_close(rootfd);
	free(root);
	return rm_rf(dir);
}

static void test_a_path_is_made_as_folders_when_asked(void **state)
{
	int fd = -EBADF;
	assert_int_equal(open_in_root(rootfd, "/made/a/b", false, false, &fd), -ENOENT);
	assert_int_equal(open_in_root(rootfd, "/made/a/b///", true, false, &fd), 0);
	close(fd);
	_cleanup_free_ char *b = at("/made/a/b");
	assert_true(is_dir(b));
	/* Found the second time, made or not. */
	assert_int_equal(open_in_root(rootfd, "/made/a/b", false, false, &fd), 0);
	close(fd);
}

static void test_a_file_is_made_empty_with_folders_above_it(void **state)
{
	int fd = -EBADF;
	assert_int_equal(open_in_root(rootfd, "/etc2/resolv.conf", true, true, &fd), 0);
	close(fd);
	_cleanup_free_ char *p = at("/etc2/resolv.conf");
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
	/* One that is there is kept as it is. */
	assert_int_equal(write_file(p, "x", 1, O_TRUNC, 0644), 0);
	assert_int_equal(open_in_root(rootfd, "/etc2/resolv.conf", true, true, &fd), 0);
	close(fd);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 1);
}

static void test_slash_is_the_root(void **state)
{
	int fd = -EBADF;
	struct stat a, b;
	assert_int_equal(fstat(rootfd, &a), 0);
	assert_int_equal(open_in_root(rootfd, "/", true, false, &fd), 0);
	assert_int_equal(fstat(fd, &b), 0);
	close(fd);
	assert_int_equal(a.st_ino, b.st_ino);
}

static void test_symlinks_in_the_image_never_lead_out(void **state)
{
	/* An absolute link and one of dots, both at a host folder that
	 * exists: they are resolved inside the root. */
	_cleanup_free_ char *target = NULL;
	assert_true(asprintf(&target, "%s/outside", dir) > 0);
	assert_int_equal(mkdir(target, 0755), 0);
	_cleanup_free_ char *abs = at("/abs"), *dots = at("/dots");
	assert_int_equal(symlink(target, abs), 0);
	assert_int_equal(symlink("../../../../../../..", dots), 0);

	int fd = -EBADF;
	/* The absolute one dangles inside the root: nothing is made through
	 * it, here or outside. */
	assert_true(open_in_root(rootfd, "/abs/x", true, false, &fd) < 0);
	_cleanup_free_ char *out_x = NULL;
	assert_true(asprintf(&out_x, "%s/x", target) > 0);
	assert_false(is_dir(out_x));

	/* The dots stop at the root, where y is made. */
	assert_int_equal(open_in_root(rootfd, "/dots/y", true, false, &fd), 0);
	close(fd);
	_cleanup_free_ char *y = at("/y");
	assert_true(is_dir(y));
	_cleanup_free_ char *host_y = NULL;
	assert_true(asprintf(&host_y, "%s/y", dir) > 0);
	assert_false(is_dir(host_y));
}

static void test_names_that_cannot_be_made_are_refused(void **state)
{
	int fd = -EBADF;
	assert_int_equal(open_in_root(rootfd, "/new/..", true, false, &fd), -EINVAL);
	assert_int_equal(open_in_root(rootfd, "/new2/deeper/.", true, false, &fd), -EINVAL);
	/* Refused without a trace: nothing above is made. */
	_cleanup_free_ char *made = at("/new"), *made2 = at("/new2");
	assert_false(is_dir(made));
	assert_false(is_dir(made2));
	/* Below a file. */
	_cleanup_free_ char *file = at("/file");
	assert_int_equal(write_file(file, "", 0, O_CREAT, 0644), 0);
	assert_int_equal(open_in_root(rootfd, "/file/sub", true, false, &fd), -ENOTDIR);
}

static void test_an_overlong_path_is_too_long(void **state)
{
	char path[5000];
	for (size_t i = 0; i < sizeof(path) - 1; i++)
		path[i] = i % 8 == 0 ? '/' : 'd';
	path[sizeof(path) - 1] = 0;
	int fd = -EBADF;
	assert_int_equal(open_in_root(rootfd, path, true, false, &fd), -ENAMETOOLONG);
}

/* The mounts, in a child of our own mount namespace. */

typedef int (*ChildFn)(SetupError *e, void *arg);

typedef struct {
	int status;
	ssize_t got;
	SetupError e;
} Child;

static Child in_mount_ns(ChildFn fn, void *arg)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		/* Ours alone, before anything is mounted. */
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(100);
		SetupError e = { 0 };
		int r = fn(&e, arg);
		if (r != 0 && e.msg[0])
			(void)!write(p[1], &e, sizeof(e));
		_exit(r);
	}
	close(p[1]);
	Child c = { 0 };
	c.got = read(p[0], &c.e, sizeof(c.e));
	close(p[0]);
	assert_int_equal(waitpid(pid, &c.status, 0), pid);
	assert_true(WIFEXITED(c.status));
	if (c.got > 0 && WEXITSTATUS(c.status) != 1)
		print_message("# child: %s\n", c.e.msg);
	return c;
}

static ContainerSpec *spec_with(const char *mounts, const char *linux_extra, bool ro)
{
	_cleanup_free_ char *json = NULL;
	assert_true(asprintf(&json,
			     "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"%s\", "
			     "\"readonly\": %s}, \"process\": {\"args\": [\"/bin/true\"], \"cwd\": "
			     "\"/\"}, \"mounts\": [%s], \"linux\": {\"rootfsPropagation\": "
			     "\"rprivate\"%s}}",
			     root, ro ? "true" : "false", mounts, linux_extra) > 0);
	ContainerSpec *s = NULL;
	_cleanup_free_ char *error = NULL;
	if (spec_from_json(json, &s, &error) < 0)
		fail_msg("spec_from_json: %s", error);
	return s;
}

typedef struct {
	const ContainerSpec *spec;
	bool pivot;
} RootCase;

/* Sets the root up (and pivots and finishes, if asked): 1 with e on a
 * failure of the module, 0, or 2..99 for what a check found wrong. */
static int set_up(SetupError *e, const RootCase *c, InitPlan *plan)
{
	if (init_plan_prepare(plan, c->spec, dir, false, e) < 0)
		return 1;
	if (rootfs_setup(plan, e) < 0)
		return 1;
	if (c->pivot && (rootfs_pivot(plan->rootfs, e) < 0 || rootfs_finish(plan, e) < 0))
		return 1;
	return 0;
}

static bool is_tmpfs(const char *path)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && sf.f_type == TMPFS_MAGIC;
}

static int mounts_child(SetupError *e, void *arg)
{
	InitPlan plan;
	int r = set_up(e, arg, &plan);
	if (r)
		return r;
	char p[PATH_MAX];
	/* The root is a mount of its own now (a bind). */
	snprintf(p, sizeof(p), "%s/tmp", root);
	if (!is_tmpfs(p))
		return 2;
	/* The bind mount is read-only and shows the host's file. */
	snprintf(p, sizeof(p), "%s/etc/hostfile", root);
	_cleanup_free_ char *text = NULL;
	if (read_full_file(p, &text, NULL) < 0 || !streq(text, "from the host\n"))
		return 3;
	if (open(p, O_WRONLY | O_CLOEXEC) >= 0 || errno != EROFS)
		return 4;
	/* /dev: a tmpfs with the devices and links. */
	snprintf(p, sizeof(p), "%s/dev", root);
	if (!is_tmpfs(p))
		return 5;
	struct stat st;
	snprintf(p, sizeof(p), "%s/dev/null", root);
	if (stat(p, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3) ||
	    (st.st_mode & 0777) != 0666)
		return 6;
	snprintf(p, sizeof(p), "%s/dev/urandom", root);
	if (stat(p, &st) < 0 || st.st_rdev != makedev(1, 9))
		return 7;
	char link[64];
	snprintf(p, sizeof(p), "%s/dev/fd", root);
	ssize_t n = readlink(p, link, sizeof(link) - 1);
	if (n < 0 || (link[n] = 0, !streq(link, "/proc/self/fd")))
		return 8;
	snprintf(p, sizeof(p), "%s/dev/ptmx", root);
	n = readlink(p, link, sizeof(link) - 1);
	if (n < 0 || (link[n] = 0, !streq(link, "pts/ptmx")))
		return 9;
	/* tmpfs with its options: nosuid, and the mode. */
	struct statfs sf;
	snprintf(p, sizeof(p), "%s/tmp", root);
	if (statfs(p, &sf) < 0 || !(sf.f_flags & ST_NOSUID) || stat(p, &st) < 0 ||
	    (st.st_mode & 07777) != 01777)
		return 10;
	return 0;
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static void host_file(void)
{
	_cleanup_free_ char *p = NULL;
	assert_true(asprintf(&p, "%s/hostfile", dir) > 0);
	assert_int_equal(write_file(p, "from the host\n", 14, O_CREAT | O_TRUNC, 0644), 0);
}

#define MOUNT(dest, type, src, opts)                                                        \
	"{\"destination\": \"" dest "\", \"type\": \"" type "\", \"source\": \"" src "\", " \
	"\"options\": [" opts "]}"

static void test_the_root_gets_its_mounts_and_devices(void **state)
{
	need_root();
	host_file();
	_cleanup_free_ char *mounts = NULL;
	assert_true(
		asprintf(&mounts,
			 MOUNT("/tmp", "tmpfs", "tmpfs", "\"nosuid\", \"mode=1777\"") ", " MOUNT(
				 "/dev", "tmpfs", "tmpfs",
				 "\"nosuid\", \"mode=755\"") ", {\"destination\": "
							     "\"/etc/hostfile\", \"type\": "
							     "\"bind\", \"source\": "
							     "\"%s/hostfile\", \"options\": "
							     "[\"ro\"]}",
			 dir) > 0);
	_cleanup_(spec_freep) ContainerSpec *s = spec_with(mounts, "", false);
	Child c = in_mount_ns(mounts_child, &(RootCase){ .spec = s });
	assert_int_equal(WEXITSTATUS(c.status), 0);
	/* Nothing of it is left on the host's side. */
	_cleanup_free_ char *tmp = at("/tmp");
	assert_true(is_dir(tmp));
	assert_false(is_tmpfs(tmp));
	_cleanup_free_ char *null = at("/dev/null");
	struct stat st;
	assert_int_equal(lstat(null, &st), -1);
}

static int pivot_child(SetupError *e, void *arg)
{
	InitPlan plan;
	int r = set_up(e, arg, &plan);
	if (r)
		return r;
	/* The root is ours: the host's folder above it is gone. */
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)) || !streq(cwd, "/"))
		return 2;
	if (access("/marker-in-root", F_OK) < 0)
		return 3;
	if (access(dir, F_OK) == 0)
		return 4; /* the host's folder, which is outside */
	/* Read-only paths. */
	if (open("/ro/file", O_WRONLY | O_CLOEXEC) >= 0 || errno != EROFS)
		return 5;
	/* Masked: a folder empty, a file empty, a missing one skipped. */
	if (access("/secret/key", F_OK) == 0)
		return 6;
	_cleanup_free_ char *text = NULL;
	if (read_full_file("/secret-file", &text, NULL) < 0 || text[0])
		return 7;
	/* The root read-only. */
	if (mkdir("/fresh", 0755) == 0 || errno != EROFS)
		return 8;
	return 0;
}

static void test_after_the_pivot_paths_are_read_only_masked_and_the_root_too(void **state)
{
	need_root();
	_cleanup_free_ char *marker = at("/marker-in-root"), *ro = at("/ro"),
			    *ro_file = at("/ro/file"), *secret = at("/secret"),
			    *key = at("/secret/key"), *secret_file = at("/secret-file");
	assert_int_equal(write_file(marker, "", 0, O_CREAT, 0644), 0);
	assert_int_equal(mkdir(ro, 0755), 0);
	assert_int_equal(write_file(ro_file, "x", 1, O_CREAT, 0644), 0);
	assert_int_equal(mkdir(secret, 0755), 0);
	assert_int_equal(write_file(key, "k", 1, O_CREAT, 0644), 0);
	assert_int_equal(write_file(secret_file, "s", 1, O_CREAT, 0644), 0);
	_cleanup_(spec_freep) ContainerSpec *s =
		spec_with(MOUNT("/dev", "tmpfs", "tmpfs", "\"nosuid\""),
			  ", \"readonlyPaths\": [\"/ro\", \"/not-there\"], \"maskedPaths\": "
			  "[\"/secret\", \"/secret-file\", \"/not-there-either\"]",
			  true);
	Child c = in_mount_ns(pivot_child, &(RootCase){ .spec = s, .pivot = true });
	assert_int_equal(WEXITSTATUS(c.status), 0);
	/* The host's view is untouched. */
	_cleanup_free_ char *text = NULL;
	assert_int_equal(read_full_file(key, &text, NULL), 0);
	assert_string_equal(text, "k");
}

/* The bind mount source: dir/src, with a file, made read-only (and
 * nosuid) in our namespace first when ro_source; with a tmpfs at sub/. */
typedef struct {
	RootCase root;
	bool ro_source;
	bool submount;
} BindCase;

static int bind_child(SetupError *e, void *arg)
{
	const BindCase *b = arg;
	char src[PATH_MAX];
	snprintf(src, sizeof(src), "%s/src", dir);
	if (b->ro_source &&
	    (mount(src, src, NULL, MS_BIND, NULL) < 0 ||
	     mount(NULL, src, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, NULL) < 0))
		return 20;
	if (b->submount) {
		char sub[PATH_MAX + 8];
		snprintf(sub, sizeof(sub), "%s/sub", src);
		if (mount("tmpfs", sub, "tmpfs", 0, "size=64k") < 0)
			return 21;
	}
	InitPlan plan;
	int r = set_up(e, &b->root, &plan);
	if (r)
		return r;
	char p[PATH_MAX];
	struct statvfs sv;
	snprintf(p, sizeof(p), "%s/data/file", root);
	/* Read-only in both cases: the source's, or asked for. */
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 || errno != EROFS)
		return 2;
	snprintf(p, sizeof(p), "%s/data", root);
	if (statvfs(p, &sv) < 0)
		return 3;
	if (b->ro_source && !(sv.f_flag & ST_NOSUID))
		return 4; /* the source's nosuid is kept */
	if (b->submount) {
		snprintf(p, sizeof(p), "%s/data/sub/x", root);
		fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EROFS)
			return 5; /* `ro` reaches the submount */
	}
	return 0;
}

static void bind_case(const char *options, bool ro_source, bool submount)
{
	need_root();
	_cleanup_free_ char *src = NULL, *file = NULL, *sub = NULL;
	assert_true(asprintf(&src, "%s/src", dir) > 0);
	assert_true(asprintf(&file, "%s/file", src) > 0);
	assert_true(asprintf(&sub, "%s/sub", src) > 0);
	assert_int_equal(mkdir_p(sub, 0755), 0);
	assert_int_equal(write_file(file, "", 0, O_CREAT, 0644), 0);
	_cleanup_free_ char *mounts = NULL;
	assert_true(asprintf(&mounts,
			     "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"%s\", "
			     "\"options\": [%s]}",
			     src, options) > 0);
	_cleanup_(spec_freep) ContainerSpec *s = spec_with(mounts, "", false);
	BindCase b = { .root = { .spec = s }, .ro_source = ro_source, .submount = submount };
	Child c = in_mount_ns(bind_child, &b);
	assert_int_equal(WEXITSTATUS(c.status), 0);
	assert_int_equal(rm_rf(src), 0);
}

static void test_rw_never_makes_a_read_only_source_writable(void **state)
{
	/* `rw` is Podman's default in every mount, not a request to undo
	 * the host's `ro`; the source's nosuid stays too. */
	bind_case("\"rbind\", \"rw\"", true, false);
}

static void test_ro_reaches_every_submount_of_an_rbind(void **state)
{
	bind_case("\"rbind\", \"ro\"", false, true);
}

static void test_a_bind_mount_of_nothing_is_said_in_one_line(void **state)
{
	need_root();
	_cleanup_(spec_freep) ContainerSpec *s =
		spec_with(MOUNT("/data", "bind", "/nonexistent/source", "\"rbind\""), "", false);
	Child c = in_mount_ns(mounts_child, &(RootCase){ .spec = s });
	assert_int_equal(WEXITSTATUS(c.status), 1);
	assert_int_equal(c.e.error, -ENOENT);
	assert_string_equal(c.e.msg,
			    "bind mount source `/nonexistent/source`: No such file or directory");
}

static void test_an_unknown_filesystem_is_said_in_one_line(void **state)
{
	need_root();
	_cleanup_(spec_freep) ContainerSpec *s =
		spec_with(MOUNT("/x", "nosuchfs", "none", "\"size=1k\""), "", false);
	Child c = in_mount_ns(mounts_child, &(RootCase){ .spec = s });
	assert_int_equal(WEXITSTATUS(c.status), 1);
	assert_int_equal(c.e.error, -ENODEV);
	assert_string_equal(c.e.msg, "mount nosuchfs on `/x` (size=1k): No such device");
}

static void test_a_mount_point_through_a_dangling_link_is_said_in_one_line(void **state)
{
	need_root();
	_cleanup_free_ char *link = at("/dangling");
	assert_int_equal(symlink("/nowhere/at/all", link), 0);
	_cleanup_(spec_freep) ContainerSpec *s =
		spec_with(MOUNT("/dangling/tmp", "tmpfs", "tmpfs", ""), "", false);
	Child c = in_mount_ns(mounts_child, &(RootCase){ .spec = s });
	assert_int_equal(WEXITSTATUS(c.status), 1);
	assert_int_equal(c.e.error, -ENOENT);
	assert_string_equal(c.e.msg, "mount point `/dangling/tmp` in the container: No such "
				     "file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_path_is_made_as_folders_when_asked),
		cmocka_unit_test(test_a_file_is_made_empty_with_folders_above_it),
		cmocka_unit_test(test_slash_is_the_root),
		cmocka_unit_test(test_symlinks_in_the_image_never_lead_out),
		cmocka_unit_test(test_names_that_cannot_be_made_are_refused),
		cmocka_unit_test(test_an_overlong_path_is_too_long),
	};
	const struct CMUnitTest privileged[] = {
		cmocka_unit_test(test_the_root_gets_its_mounts_and_devices),
		cmocka_unit_test(test_after_the_pivot_paths_are_read_only_masked_and_the_root_too),
		cmocka_unit_test(test_rw_never_makes_a_read_only_source_writable),
		cmocka_unit_test(test_ro_reaches_every_submount_of_an_rbind),
		cmocka_unit_test(test_a_bind_mount_of_nothing_is_said_in_one_line),
		cmocka_unit_test(test_an_unknown_filesystem_is_said_in_one_line),
		cmocka_unit_test(test_a_mount_point_through_a_dangling_link_is_said_in_one_line),
	};
	return RUN_UNIT_TESTS(tests, privileged, unless_root(), setup, teardown);
}
