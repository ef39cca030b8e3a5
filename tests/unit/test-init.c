/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the container init (supervisor/init.c), the code between
 * clone() and execve(), driven as every front end drives it: through the
 * container-setup core (setup_spawn(), setup_prepare_release(),
 * setup_release(), setup_wait_exec()). A real container of busybox in a
 * cgroup of the test's own (container-fixture.h): pid 1 of its PID
 * namespace with its hostname, stdio, loopback and ping range, its
 * working directory made, its user taken, a read-only root; a command
 * that cannot run, a working directory that cannot be, a mount that
 * fails, a bad hostname, each told as one line with its exit code; and
 * a run called off before the release, which runs nothing. Root only. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/wait.h>

#include "container-fixture.h"
#include "container-setup.h"
#include "root-tests.h"

static int setup(void **state)
{
	ContainerFixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	cf_done(*state);
	free(*state);
	return 0;
}

typedef struct {
	int r;      /* setup_wait_exec()'s, or an earlier step's */
	int status; /* the command's exit code; 128 + a signal */
	SetupError e;
	char out[4096]; /* its stdout and stderr */
} Run;

/* Runs spec's command in the container to its end, unless release is
 * false: then the release pipe is closed instead. */
static void run(ContainerFixture *f, const ContainerSpec *spec, bool release, Run *ret)
{
	*ret = (Run){ .status = -1 };
	int out[2], in[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	close(in[1]); /* stdin at its end */
	SetupParams p = { .spec = spec,
			  .bundle = f->bundle,
			  .cgroup_fd = f->cgroup_fd,
			  .stdio = { in[0], out[1], out[1] },
			  .stage_fd = -EBADF };
	SetupProcess proc = SETUP_PROCESS_INIT;
	int r = setup_spawn(&p, &proc, &ret->e);
	close(in[0]);
	close(out[1]);
	if (r >= 0)
		r = setup_prepare_release(&proc, spec, f->cgroup_fd, &ret->e);
	if (r >= 0 && release)
		r = setup_release(&proc);
	else if (r >= 0)
		proc.release_fd = safe_close(proc.release_fd);
	/* -EPIPE: the init failed before it read; it says why. */
	if (r >= 0 || r == -EPIPE)
		r = setup_wait_exec(&proc, &ret->e);
	ret->r = r;
	cf_read_all(out[0], ret->out, sizeof(ret->out));
	close(out[0]);
	if (proc.pidfd >= 0) {
		siginfo_t si = { 0 };
		assert_int_equal(waitid(P_PIDFD, (id_t)proc.pidfd, &si, WEXITED), 0);
		ret->status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	}
	setup_process_done(&proc);
}

static void test_the_command_is_pid_1_with_its_hostname_and_network(void **state)
{
	ContainerFixture *f = *state;
	cf_make(f);
	_cleanup_(spec_freep) ContainerSpec *s =
		cf_spec("[\"sh\", \"-c\", \"echo $$; hostname; pwd; "
			"cat /proc/sys/net/ipv4/ping_group_range; ifconfig lo | grep -c UP; "
			"cat; echo err >&2; exit 7\"]",
			"", "", "");
	Run r;
	run(f, s, true, &r);
	if (r.r < 0)
		fail_msg("%s", r.e.msg);
	assert_int_equal(r.status, 7);
	assert_string_equal(r.out, "1\nberth-unit\n/\n0\t2147483647\n1\nerr\n");
}

static void test_the_working_directory_is_made_and_the_user_taken(void **state)
{
	ContainerFixture *f = *state;
	cf_make(f);
	_cleanup_(spec_freep) ContainerSpec *s =
		cf_spec("[\"sh\", \"-c\", \"pwd; id -u; id -g\"]",
			", \"user\": {\"uid\": 1000, \"gid\": 1001}", "", "");
	free(s->cwd);
	s->cwd = strdup("/work/dir");
	Run r;
	run(f, s, true, &r);
	if (r.r < 0)
		fail_msg("%s", r.e.msg);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "/work/dir\n1000\n1001\n");
	_cleanup_free_ char *made = cf_join(f->rootfs, "work/dir");
	assert_true(is_dir(made));
}

static void test_a_read_only_root_cannot_be_written(void **state)
{
	ContainerFixture *f = *state;
	cf_make(f);
	_cleanup_(spec_freep) ContainerSpec *s =
		cf_spec("[\"sh\", \"-c\", \"touch /x 2>/dev/null || echo refused\"]", "", "", "");
	s->root_readonly = true;
	Run r;
	run(f, s, true, &r);
	assert_int_equal(r.r, 0);
	assert_string_equal(r.out, "refused\n");
	_cleanup_free_ char *x = cf_join(f->rootfs, "x");
	assert_int_equal(access(x, F_OK), -1);
}

static void test_a_command_not_found_is_127_in_one_line(void **state)
{
	ContainerFixture *f = *state;
	cf_make(f);
	_cleanup_(spec_freep) ContainerSpec *s = cf_spec("[\"no-such-command\"]", "", "", "");
	Run r;
	run(f, s, true, &r);
	assert_int_equal(r.r, -ENOENT);
	assert_int_equal(r.e.exit_code, EXIT_NOT_FOUND);
	assert_string_equal(r.e.msg, "`no-such-command`: executable file not found in $PATH");
	assert_string_equal(r.out, "");
}

static void test_a_working_directory_below_a_file_is_126(void **state)
{
	ContainerFixture *f = *state;
	cf_make(f);
	_cleanup_(spec_freep) ContainerSpec *s = cf_spec("[\"true\"]", "", "", "");
	free(s->cwd);
	s->cwd = strdup("/bin/busybox/sub");
	Run r;
	run(f, s, true, &r);
	assert_int_equal(r.r, -ENOTDIR);
	assert_int_equal(r.e.exit_code, EXIT_CANNOT_EXEC);
	assert_string_equal(r.e.msg, "working directory `/bin/busybox/sub`: Not a directory");
}

static void test_a_mount_that_fails_stops_the_init_with_125(void **state)
{
	ContainerFixture *f = *state;
	cf_make(f);
	_cleanup_(spec_freep) ContainerSpec *s = cf_spec("[\"true\"]", "", "", "");
	SpecMount *m = reallocarray(s->mounts, s->n_mounts + 1, sizeof(*m));
	assert_non_null(m);
	s->mounts = m;
	m[s->n_mounts] = (SpecMount){ .destination = strdup("/data"),
				      .type = strdup("bind"),
				      .source = strdup("/nonexistent/source"),
				      .options = calloc(1, sizeof(char *)) };
	s->n_mounts++;
	Run r;
	run(f, s, true, &r);
	assert_int_equal(r.r, -ENOENT);
	assert_int_equal(r.e.exit_code, EXIT_BERTH_ERROR);
	assert_string_equal(r.e.msg,
			    "bind mount source `/nonexistent/source`: No such file or directory");
}

static void test_a_hostname_too_long_is_said_in_one_line(void **state)
{
	ContainerFixture *f = *state;
	cf_make(f);
	_cleanup_(spec_freep) ContainerSpec *s = cf_spec("[\"true\"]", "", "", "");
	free(s->hostname);
	s->hostname = malloc(100);
	memset(s->hostname, 'h', 99);
	s->hostname[99] = 0;
	Run r;
	run(f, s, true, &r);
	assert_int_equal(r.r, -EINVAL);
	assert_int_equal(r.e.exit_code, EXIT_BERTH_ERROR);
	assert_string_equal(r.e.msg, "set the hostname: Invalid argument");
}

static void test_a_run_called_off_before_the_release_runs_nothing(void **state)
{
	ContainerFixture *f = *state;
	cf_make(f);
	_cleanup_free_ char *marker = cf_join(f->rootfs, "ran");
	_cleanup_(spec_freep) ContainerSpec *s = cf_spec("[\"touch\", \"/ran\"]", "", "", "");
	Run r;
	run(f, s, false, &r);
	/* The init exits 125 without a word (the caller is killing it
	 * anyway), so to setup_wait_exec() it looks like an exec. */
	assert_int_equal(r.r, 0);
	assert_int_equal(r.status, EXIT_BERTH_ERROR);
	assert_int_equal(access(marker, F_OK), -1);
}

int main(void)
{
	cf_init();
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest privileged[] = {
		T(test_the_command_is_pid_1_with_its_hostname_and_network),
		T(test_the_working_directory_is_made_and_the_user_taken),
		T(test_a_read_only_root_cannot_be_written),
		T(test_a_command_not_found_is_127_in_one_line),
		T(test_a_working_directory_below_a_file_is_126),
		T(test_a_mount_that_fails_stops_the_init_with_125),
		T(test_a_hostname_too_long_is_said_in_one_line),
		T(test_a_run_called_off_before_the_release_runs_nothing),
	};
	return run_unit_tests("privileged", NULL, 0, privileged, ELEMENTSOF(privileged),
			      cf_unusable(), NULL, NULL);
}
