/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for what every process entering a container goes through
 * last (supervisor/process.c): the capability masks computed from the
 * spec and kept within what the kernel allows, every descriptor closed
 * but two, signals reset, the working directory found (or made) inside
 * the root, the identity taken and read back, and process_exec() as a
 * whole. Each step that changes the process runs in a forked child; the
 * identity and the chroot need root and skip without it. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init-plan.h"
#include "oci.h"
#include "util.h"
#include "root-tests.h"

#define BIT(c) ((uint64_t)1 << (c))

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static ContainerSpec *spec(const char *caps)
{
	_cleanup_free_ char *json = NULL;
	assert_true(asprintf(&json,
			     "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\"}, "
			     "\"process\": {\"args\": [\"/bin/true\"], \"cwd\": \"/\", "
			     "\"capabilities\": {%s}}}",
			     caps) > 0);
	ContainerSpec *s = NULL;
	_cleanup_free_ char *error = NULL;
	if (spec_from_json(json, &s, &error) < 0)
		fail_msg("spec_from_json: %s", error);
	return s;
}

/* What a child reports: its exit status, and the SetupError it wrote. */
typedef struct {
	int status;
	ssize_t got;
	SetupError e;
} Child;

typedef int (*ChildFn)(int report_fd, void *arg);

/* fn's return is the child's exit code; it may write a SetupError. */
static Child in_child(ChildFn fn, void *arg)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(fn(p[1], arg));
	}
	close(p[1]);
	Child c = { 0 };
	c.got = read(p[0], &c.e, sizeof(c.e));
	close(p[0]);
	assert_int_equal(waitpid(pid, &c.status, 0), pid);
	assert_true(WIFEXITED(c.status));
	return c;
}

static void test_the_masks_come_from_the_names_within_the_kernels_rules(void **state)
{
	need_root(); /* with every capability permitted */
	_cleanup_(spec_freep) ContainerSpec *s =
		spec("\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\"], "
		     "\"permitted\": [\"CAP_CHOWN\", \"CAP_NET_ADMIN\"], "
		     "\"effective\": [\"CAP_CHOWN\", \"CAP_NET_ADMIN\", \"CAP_KILL\"], "
		     "\"inheritable\": [\"CAP_CHOWN\", \"CAP_KILL\"], "
		     "\"ambient\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_NET_ADMIN\"]");
	ProcessIdentity id = { 0 };
	assert_int_equal(process_identity_caps(&id, s), 0);
	assert_int_equal(id.cap_bounding, BIT(CAP_CHOWN) | BIT(CAP_KILL));
	/* Permitted within bounding; effective within permitted. */
	assert_int_equal(id.cap_permitted, BIT(CAP_CHOWN));
	assert_int_equal(id.cap_effective, BIT(CAP_CHOWN));
	assert_int_equal(id.cap_inheritable, BIT(CAP_CHOWN) | BIT(CAP_KILL));
	/* Ambient within permitted and inheritable. */
	assert_int_equal(id.cap_ambient, BIT(CAP_CHOWN));
}

static int drop_to_chown_and_compute(int fd, void *arg)
{
	/* A root without most of its capabilities (as in a container). */
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { BIT(CAP_CHOWN), BIT(CAP_CHOWN), 0 }, { 0 } };
	if (syscall(SYS_capset, &h, d) < 0)
		return 10;
	if (process_permitted_caps() != BIT(CAP_CHOWN))
		return 11;
	ProcessIdentity id = { 0 };
	if (process_identity_caps(&id, arg) < 0)
		return 12;
	/* We cannot give what we do not have. */
	if (id.cap_permitted != BIT(CAP_CHOWN) || id.cap_effective != BIT(CAP_CHOWN) ||
	    id.cap_inheritable != 0 || id.cap_ambient != 0 ||
	    id.cap_bounding != (BIT(CAP_CHOWN) | BIT(CAP_SYS_ADMIN)))
		return 13;
	return 0;
}

static void test_only_capabilities_we_have_are_asked_for(void **state)
{
	need_root();
	_cleanup_(spec_freep) ContainerSpec *s =
		spec("\"bounding\": [\"CAP_CHOWN\", \"CAP_SYS_ADMIN\"], "
		     "\"permitted\": [\"CAP_CHOWN\", \"CAP_SYS_ADMIN\"], "
		     "\"effective\": [\"CAP_CHOWN\", \"CAP_SYS_ADMIN\"], "
		     "\"inheritable\": [\"CAP_SYS_ADMIN\"], \"ambient\": [\"CAP_SYS_ADMIN\"]");
	Child c = in_child(drop_to_chown_and_compute, s);
	assert_int_equal(WEXITSTATUS(c.status), 0);
}

static void test_an_unknown_capability_name_is_einval(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *s = spec("\"bounding\": [\"CAP_CHOWN\"]");
	assert_int_equal(strv_push(&s->cap_ambient, "CAP_NO_SUCH_THING"), 0);
	ProcessIdentity id = { 0 };
	assert_int_equal(process_identity_caps(&id, s), -EINVAL);
}

/* Opens fds 10, 11, 12, 50, 51 and 1000, closes all but keep[0] and
 * keep[1], and returns the first fd that is wrong, or 0. */
static int close_and_check(int fd, void *arg)
{
	const int *keep = arg;
	close(fd);
	int null = open("/dev/null", O_RDONLY);
	const int fds[] = { 10, 11, 12, 50, 51, 1000 };
	for (size_t i = 0; i < ELEMENTSOF(fds); i++)
		if (dup2(null, fds[i]) < 0)
			return 1;
	process_close_fds(keep[0], keep[1], 0);
	for (int i = 0; i <= 1000; i++) {
		bool open_now = fcntl(i, F_GETFD) >= 0;
		bool want = i <= 2 || i == keep[0] || i == keep[1];
		if (open_now != want)
			return i > 200 ? 200 : i == 0 ? 201 : i;
	}
	return 0;
}

static void test_every_descriptor_is_closed_but_stdio_and_the_two_kept(void **state)
{
	const int cases[][2] = { { 11, 50 }, { 50, 11 },   { -1, -1 }, { 12, 12 },
				 { 2, 51 },  { -1, 1000 }, { 10, 11 } };
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		Child c = in_child(close_and_check, (void *)cases[i]);
		if (WEXITSTATUS(c.status) != 0)
			fail_msg("keeping %d and %d: fd %d is wrong", cases[i][0], cases[i][1],
				 WEXITSTATUS(c.status));
	}
}

static void on_usr1(int sig)
{
	_exit(sig);
}

static int reset_and_check(int fd, void *arg)
{
	(void)arg;
	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, NULL);
	process_reset_signals();
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL)
			return sig;
	}
	sigset_t now;
	sigprocmask(SIG_SETMASK, NULL, &now);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&now, sig) == 1)
			return 100 + sig;
	return 0;
}

static void test_signals_are_reset_to_default_and_unblocked(void **state)
{
	Child c = in_child(reset_and_check, NULL);
	assert_int_equal(WEXITSTATUS(c.status), 0);
}

typedef struct {
	const char *root; /* chroot here first (root only), or NULL */
	const char *cwd;
	bool create;
	const char *want; /* getcwd() after, or NULL when it must fail */
} ChdirCase;

static int chdir_in_child(int fd, void *arg)
{
	const ChdirCase *c = arg;
	if (c->root && (chroot(c->root) < 0 || chdir("/") < 0))
		return 10;
	SetupError e;
	int r = process_chdir(c->cwd, c->create, &e);
	if (r < 0) {
		(void)!write(fd, &e, sizeof(e));
		return c->want ? 11 : 0;
	}
	char buf[PATH_MAX];
	if (!c->want || !getcwd(buf, sizeof(buf)) || !streq(buf, c->want))
		return 12;
	return 0;
}

static char dir[] = "/tmp/test-process.XXXXXX";

static int make_dir(void **state)
{
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int remove_dir(void **state)
{
	assert_int_equal(rm_rf(dir), 0);
	return 0;
}

static void test_a_missing_working_directory_is_made_when_asked(void **state)
{
	_cleanup_free_ char *cwd = NULL;
	assert_true(asprintf(&cwd, "%s/made/deeper/", dir) > 0);
	_cleanup_free_ char *want = NULL;
	assert_true(asprintf(&want, "%s/made/deeper", dir) > 0);
	Child c =
		in_child(chdir_in_child, &(ChdirCase){ .cwd = cwd, .create = true, .want = want });
	assert_int_equal(WEXITSTATUS(c.status), 0);
	assert_true(is_dir(want));
}

static void test_a_missing_working_directory_is_an_error_in_one_line(void **state)
{
	_cleanup_free_ char *cwd = NULL;
	assert_true(asprintf(&cwd, "%s/not-there", dir) > 0);
	Child c = in_child(chdir_in_child, &(ChdirCase){ .cwd = cwd });
	assert_int_equal(WEXITSTATUS(c.status), 0);
	assert_int_equal(c.got, sizeof(SetupError));
	assert_int_equal(c.e.error, -ENOENT);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "working directory `%s`: No such file or directory", cwd);
	assert_string_equal(c.e.msg, want);
	assert_false(is_dir(cwd));
}

static void test_a_file_is_no_working_directory(void **state)
{
	_cleanup_free_ char *file = NULL;
	assert_true(asprintf(&file, "%s/file", dir) > 0);
	assert_int_equal(write_file(file, "", 0, O_CREAT, 0644), 0);
	Child c = in_child(chdir_in_child, &(ChdirCase){ .cwd = file, .create = true });
	assert_int_equal(WEXITSTATUS(c.status), 0);
	assert_int_equal(c.e.error, -ENOTDIR);
}

static void test_without_a_working_directory_it_is_the_root(void **state)
{
	Child c = in_child(chdir_in_child, &(ChdirCase){ .cwd = NULL, .want = "/" });
	assert_int_equal(WEXITSTATUS(c.status), 0);
}

static void test_symlinks_and_dotdot_never_lead_out_of_the_root(void **state)
{
	need_root();
	_cleanup_free_ char *root = NULL, *link = NULL, *up = NULL;
	assert_true(asprintf(&root, "%s/root", dir) > 0);
	assert_true(asprintf(&link, "%s/root/to-etc", dir) > 0);
	assert_true(asprintf(&up, "%s/root/up", dir) > 0);
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(symlink("/etc", link), 0);
	assert_int_equal(symlink("../../../..", up), 0);
	/* /etc is the root's, which has none: not the host's. */
	Child c = in_child(chdir_in_child, &(ChdirCase){ .root = root, .cwd = "/to-etc" });
	assert_int_equal(WEXITSTATUS(c.status), 0);
	assert_int_equal(c.e.error, -ENOENT);
	c = in_child(chdir_in_child, &(ChdirCase){ .root = root, .cwd = "/up/../..", .want = "/" });
	assert_int_equal(WEXITSTATUS(c.status), 0);
	/* Made where a link leads inside the root: /data, not the host's. */
	_cleanup_free_ char *data = NULL, *to_data = NULL;
	assert_true(asprintf(&data, "%s/data", root) > 0);
	assert_true(asprintf(&to_data, "%s/to-data", root) > 0);
	assert_int_equal(mkdir(data, 0755), 0);
	assert_int_equal(symlink("/data", to_data), 0);
	c = in_child(chdir_in_child, &(ChdirCase){ .root = root,
						   .cwd = "/to-data/app",
						   .create = true,
						   .want = "/data/app" });
	assert_int_equal(WEXITSTATUS(c.status), 0);
	_cleanup_free_ char *made = NULL;
	assert_true(asprintf(&made, "%s/app", data) > 0);
	assert_true(is_dir(made));
	assert_false(is_dir("/data/app"));
}

static int apply_in_child(int fd, void *arg)
{
	const ProcessIdentity *id = arg;
	SetupError e;
	if (process_apply_identity(id, &e) < 0) {
		(void)!write(fd, &e, sizeof(e));
		return 1;
	}
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return 2;
	if (ru != id->uid || eu != id->uid || su != id->uid || rg != id->gid || eg != id->gid ||
	    sg != id->gid)
		return 3;
	gid_t groups[8];
	int n = getgroups(8, groups);
	if (n != (int)id->n_groups)
		return 4;
	for (int i = 0; i < n; i++)
		if (groups[i] != id->groups[i])
			return 5;
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return 6;
	if (d[0].effective != (uint32_t)id->cap_effective ||
	    d[0].permitted != (uint32_t)id->cap_permitted ||
	    d[0].inheritable != (uint32_t)id->cap_inheritable || d[1].effective || d[1].permitted)
		return 7;
	if (prctl(PR_CAPBSET_READ, CAP_CHOWN) != 1 || prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) != 0)
		return 8;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0) != 1 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0) != 0)
		return 9;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 || prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 0)
		return 10;
	return 0;
}

static void test_the_identity_is_taken_whole(void **state)
{
	need_root();
	static const uint32_t groups[] = { 2000, 2001 };
	ProcessIdentity id = {
		.uid = 1000,
		.gid = 1001,
		.groups = groups,
		.n_groups = 2,
		.no_new_privileges = true,
		.cap_bounding = BIT(CAP_CHOWN) | BIT(CAP_KILL),
		.cap_permitted = BIT(CAP_CHOWN) | BIT(CAP_KILL),
		.cap_effective = BIT(CAP_CHOWN),
		.cap_inheritable = BIT(CAP_CHOWN),
		.cap_ambient = BIT(CAP_CHOWN),
	};
	Child c = in_child(apply_in_child, &id);
	if (c.got > 0)
		fail_msg("%s", c.e.msg);
	assert_int_equal(WEXITSTATUS(c.status), 0);
}

static void test_an_id_of_minus_one_that_would_leave_us_root_is_refused(void **state)
{
	need_root();
	/* setresuid(-1, -1, -1) succeeds and changes nothing. */
	ProcessIdentity id = { .uid = UINT32_MAX, .gid = 0, .cap_bounding = UINT64_MAX };
	Child c = in_child(apply_in_child, &id);
	assert_int_equal(WEXITSTATUS(c.status), 1);
	assert_int_equal(c.e.error, -EPERM);
	assert_string_equal(c.e.msg, "switch to uid 4294967295 gid 0: the process has uid 0 gid 0");
	id = (ProcessIdentity){ .uid = 0, .gid = UINT32_MAX, .cap_bounding = UINT64_MAX };
	c = in_child(apply_in_child, &id);
	assert_int_equal(WEXITSTATUS(c.status), 1);
	assert_string_equal(c.e.msg, "switch to uid 0 gid 4294967295: the process has uid 0 gid 0");
}

static int unprivileged_apply(int fd, void *arg)
{
	if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
			       setresuid(65534, 65534, 65534) < 0))
		return 20;
	return apply_in_child(fd, arg);
}

static void test_without_privileges_each_step_says_what_failed(void **state)
{
	/* Dropping from the bounding set needs CAP_SETPCAP. */
	ProcessIdentity id = { .uid = 0, .gid = 0, .cap_bounding = BIT(CAP_CHOWN) };
	Child c = in_child(unprivileged_apply, &id);
	assert_int_equal(WEXITSTATUS(c.status), 1);
	assert_int_equal(c.e.error, -EPERM);
	assert_int_equal(c.e.exit_code, EXIT_BERTH_ERROR);
	/* The first one it drops: 1 (0 is CAP_CHOWN, kept). */
	assert_string_equal(c.e.msg,
			    "drop capability 1 from the bounding set: Operation not permitted");
	/* Nothing to drop: then the groups. */
	id.cap_bounding = UINT64_MAX;
	c = in_child(unprivileged_apply, &id);
	assert_int_equal(WEXITSTATUS(c.status), 1);
	assert_string_equal(c.e.msg, "setgroups: Operation not permitted");
}

static char *built_stage(void)
{
	char *p = NULL;
	const char *berth = getenv("BERTH");
	if (berth && *berth) {
		_cleanup_free_ char *copy = strdup(berth);
		assert_true(asprintf(&p, "%s/berth-stage", dirname(copy)) > 0);
		return p;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = 0;
	assert_true(asprintf(&p, "%s/../../berth-stage", dirname(self)) > 0);
	return p;
}

typedef struct {
	int stage_fd;
	int out_fd;
	const char *cwd;
	bool create;
	const ProcessIdentity *id;
	char *const *argv;
} ExecCase;

static int exec_in_child(int fd, void *arg)
{
	const ExecCase *x = arg;
	if (dup2(x->out_fd, 1) < 0 || dup2(1, 100) < 0) /* 100: a descriptor to leak */
		return 30;
	static char *const envp[] = { (char *)"PATH=/bin:/usr/bin", NULL };
	process_exec(x->id, x->cwd, x->create, x->stage_fd, fd, 0, x->argv, envp);
}

static Child exec_case(ExecCase *x, char *out, size_t size)
{
	_cleanup_free_ char *stage = built_stage();
	assert_int_equal(setenv("BERTH_STAGE", stage, 1), 0);
	assert_int_equal(stage_memfd(&x->stage_fd), 0);
	unsetenv("BERTH_STAGE");
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	x->out_fd = p[1];
	Child c = in_child(exec_in_child, x);
	close(p[1]);
	close(x->stage_fd);
	size_t len = 0;
	for (ssize_t n; len < size - 1 && (n = read(p[0], out + len, size - 1 - len)) > 0;)
		len += (size_t)n;
	out[len] = 0;
	close(p[0]);
	return c;
}

static void test_a_process_takes_its_identity_and_directory_then_runs(void **state)
{
	need_root();
	assert_int_equal(chmod(dir, 0755), 0);
	ProcessIdentity id = { .uid = 65534, .gid = 65534, .cap_bounding = UINT64_MAX };
	char *const argv[] = { (char *)"sh", (char *)"-c",
			       (char *)"test -e /proc/self/fd/100 && echo leaked; id -u; pwd",
			       NULL };
	_cleanup_free_ char *cwd = NULL;
	assert_true(asprintf(&cwd, "%s/work", dir) > 0);
	ExecCase x = { .cwd = cwd, .create = true, .id = &id, .argv = argv };
	char out[256];
	Child c = exec_case(&x, out, sizeof(out));
	assert_int_equal(c.got, 0);
	assert_int_equal(WEXITSTATUS(c.status), 0);
	char want[PATH_MAX + 16];
	snprintf(want, sizeof(want), "65534\n%s\n", cwd);
	assert_string_equal(out, want);
}

static void test_a_working_directory_that_cannot_be_entered_exits_126(void **state)
{
	need_root();
	ProcessIdentity id = { .cap_bounding = UINT64_MAX };
	char *const argv[] = { (char *)"true", NULL };
	ExecCase x = { .cwd = "/nonexistent/dir", .id = &id, .argv = argv };
	char out[64];
	Child c = exec_case(&x, out, sizeof(out));
	assert_int_equal(WEXITSTATUS(c.status), EXIT_CANNOT_EXEC);
	assert_int_equal(c.got, sizeof(SetupError));
	assert_int_equal(c.e.exit_code, EXIT_CANNOT_EXEC);
	assert_string_equal(c.e.msg,
			    "working directory `/nonexistent/dir`: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_an_unknown_capability_name_is_einval),
		cmocka_unit_test(test_every_descriptor_is_closed_but_stdio_and_the_two_kept),
		cmocka_unit_test(test_signals_are_reset_to_default_and_unblocked),
		cmocka_unit_test(test_a_missing_working_directory_is_made_when_asked),
		cmocka_unit_test(test_a_missing_working_directory_is_an_error_in_one_line),
		cmocka_unit_test(test_a_file_is_no_working_directory),
		cmocka_unit_test(test_without_a_working_directory_it_is_the_root),
		cmocka_unit_test(test_without_privileges_each_step_says_what_failed),
	};
	const struct CMUnitTest privileged[] = {
		cmocka_unit_test(test_the_masks_come_from_the_names_within_the_kernels_rules),
		cmocka_unit_test(test_only_capabilities_we_have_are_asked_for),
		cmocka_unit_test(test_symlinks_and_dotdot_never_lead_out_of_the_root),
		cmocka_unit_test(test_the_identity_is_taken_whole),
		cmocka_unit_test(test_an_id_of_minus_one_that_would_leave_us_root_is_refused),
		cmocka_unit_test(test_a_process_takes_its_identity_and_directory_then_runs),
		cmocka_unit_test(test_a_working_directory_that_cannot_be_entered_exits_126),
	};
	return RUN_UNIT_TESTS(tests, privileged, unless_root(), make_dir, remove_dir);
}
