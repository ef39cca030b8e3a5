/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for `berth-supervisor exec` (supervisor/exec.c), through
 * exec_main() in a forked child whose stdio the test reads: every bad
 * argument refused with one line and 125, a missing configuration or a
 * container that is not running said as such; and, in a real container
 * (container-fixture.h, root only), a process run in its namespaces
 * with its output relayed and its exit code returned, -e replacing or
 * adding to the container's environment, --user and --workdir taken,
 * 127 for a command not found, and -d returning once it runs. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/wait.h>

#include "container-fixture.h"
#include "container-setup.h"
#include "supervisor.h"
#include "root-tests.h"

#define ID "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"

typedef struct {
	int status;
	char out[4096];
	char err[4096];
} Exec;

/* exec_main(argv) in a child, stdin at its end. */
static Exec exec(char *const argv[])
{
	int out[2], err[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			_exit(99);
		/* Writable, as a program's arguments are (--user's are cut). */
		char **copy = strv_copy(argv);
		_exit(copy ? exec_main((int)strv_length(copy), copy) : 98);
	}
	close(out[1]);
	close(err[1]);
	Exec x = { 0 };
	cf_read_all(out[0], x.out, sizeof(x.out));
	cf_read_all(err[0], x.err, sizeof(x.err));
	close(out[0]);
	close(err[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	x.status = WEXITSTATUS(status);
	return x;
}

#define INVALID "berth: exec: invalid arguments; use `berth exec`\n"

static void refused(char *const argv[])
{
	Exec x = exec(argv);
	assert_int_equal(x.status, EXIT_BERTH_ERROR);
	/* getopt_long() may say which option before. */
	size_t n = strlen(x.err);
	assert_true(n >= strlen(INVALID));
	assert_string_equal(x.err + n - strlen(INVALID), INVALID);
	assert_string_equal(x.out, "");
}

#define A(...) ((char *const[]){ "exec", __VA_ARGS__, NULL })
#define OK_ARGS "--root", "/nonexistent", "--id", ID, "--pid", "1", "--cgroup", "/x"

static void test_every_bad_argument_is_refused_with_125(void **state)
{
	refused((char *const[]){ "exec", NULL });
	refused(A("--id", ID, "--pid", "1", "--cgroup", "/x")); /* no command */
	refused(A("--pid", "1", "--cgroup", "/x", "true"));     /* no id */
	refused(A("--id", "not/an-id", "--pid", "1", "--cgroup", "/x", "true"));
	refused(A("--id", ID, "--cgroup", "/x", "true")); /* no pid */
	refused(A("--id", ID, "--pid", "0", "--cgroup", "/x", "true"));
	refused(A("--id", ID, "--pid", "-5", "--cgroup", "/x", "true"));
	refused(A("--id", ID, "--pid", "12abc", "--cgroup", "/x", "true"));
	refused(A("--id", ID, "--pid", "99999999999", "--cgroup", "/x", "true"));
	refused(A(OK_ARGS, "--pid-start", "soon", "true"));
	refused(A(OK_ARGS, "--env", "NOEQUALS", "true"));
	refused(A(OK_ARGS, "--env", "=value", "true"));
	refused(A(OK_ARGS, "--user", "root", "true"));
	refused(A(OK_ARGS, "--user", "1000:", "true"));
	refused(A(OK_ARGS, "--user", "1000:x", "true"));
	refused(A(OK_ARGS, "--user", "-1", "true"));
	refused(A(OK_ARGS, "--no-such-option", "true"));
}

static void test_a_container_without_its_configuration_is_said(void **state)
{
	Exec x = exec(A(OK_ARGS, "true"));
	assert_int_equal(x.status, EXIT_BERTH_ERROR);
	assert_string_equal(x.err, "berth: read the container's configuration "
				   "`/nonexistent/containers/" ID "/config.json`: No such file or "
				   "directory\n");
}

typedef struct {
	ContainerFixture c;
	char *root;
	SetupProcess proc;
	char pid[16], start[24];
} Fixture;

static int setup(void **state)
{
	Fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->proc = (SetupProcess)SETUP_PROCESS_INIT;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;
	cf_kill_and_reap(f->proc.pidfd);
	setup_process_done(&f->proc);
	free(f->root);
	cf_done(&f->c);
	free(f);
	return 0;
}

/* A container running `sleep 30`, and its config.json where exec looks
 * for it (<root>/containers/<id>/). */
static void start(Fixture *f, const char *process)
{
	cf_make(&f->c);
	_cleanup_free_ char *json = cf_config("[\"sleep\", \"30\"]", process, "",
					      ", \"annotations\": {\"exec-test\": \"yes\"}");
	f->root = cf_join(f->c.dir, "root");
	_cleanup_free_ char *dir = NULL;
	assert_true(asprintf(&dir, "%s/containers/" ID, f->root) > 0);
	assert_int_equal(mkdir_p(dir, 0700), 0);
	_cleanup_free_ char *cfg = cf_join(dir, "config.json");
	assert_int_equal(write_file(cfg, json, strlen(json), O_CREAT | O_TRUNC, 0600), 0);

	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	_cleanup_free_ char *error = NULL;
	assert_int_equal(spec_from_json(json, &spec, &error), 0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(null >= 0);
	SetupParams p = { .spec = spec,
			  .bundle = f->c.bundle,
			  .cgroup_fd = f->c.cgroup_fd,
			  .stdio = { null, null, null },
			  .stage_fd = -EBADF };
	SetupError e;
	int r = setup_spawn(&p, &f->proc, &e);
	close(null);
	if (r >= 0)
		r = setup_prepare_release(&f->proc, spec, f->c.cgroup_fd, &e);
	if (r >= 0)
		r = setup_release(&f->proc);
	if (r >= 0)
		r = setup_wait_exec(&f->proc, &e);
	if (r < 0)
		fail_msg("start the container: %s", e.msg);
	uint64_t t;
	assert_int_equal(proc_start_time(f->proc.pid, &t), 0);
	snprintf(f->pid, sizeof(f->pid), "%d", (int)f->proc.pid);
	snprintf(f->start, sizeof(f->start), "%llu", (unsigned long long)t);
}

#define RUN_ARGS(f)                                                                          \
	"--root", f->root, "--id", ID, "--pid", f->pid, "--pid-start", f->start, "--cgroup", \
		f->c.cgroup

static void test_a_process_runs_in_the_container_and_its_exit_code_returns(void **state)
{
	Fixture *f = *state;
	start(f, "");
	Exec x = exec(A(RUN_ARGS(f), "sh", "-c",
			"echo $$; hostname; test -e /bin/busybox && echo inside; echo oops >&2; "
			"exit 4"));
	assert_int_equal(x.status, 4);
	/* Not the init: pid 2 or above in the container's PID namespace. */
	int pid = atoi(x.out);
	assert_true(pid >= 2 && pid < 100);
	assert_non_null(strstr(x.out, "\nberth-unit\ninside\n"));
	assert_string_equal(x.err, "oops\n");
}

static void test_env_replaces_or_adds_and_user_and_workdir_are_taken(void **state)
{
	Fixture *f = *state;
	start(f, "");
	Exec x = exec(A(RUN_ARGS(f), "--env", "PATH=/bin:/nowhere", "--env", "NEW=1", "--user",
			"1000:1001", "--workdir", "/bin", "sh", "-c",
			"echo $PATH $NEW; id -u; id -g; pwd"));
	assert_int_equal(x.status, 0);
	assert_string_equal(x.out, "/bin:/nowhere 1\n1000\n1001\n/bin\n");
}

static void test_a_command_not_found_is_127_and_said_in_one_line(void **state)
{
	Fixture *f = *state;
	start(f, "");
	Exec x = exec(A(RUN_ARGS(f), "no-such-command"));
	assert_int_equal(x.status, EXIT_NOT_FOUND);
	assert_string_equal(x.err,
			    "berth: `no-such-command`: executable file not found in $PATH\n");
}

static void test_a_missing_workdir_is_126(void **state)
{
	Fixture *f = *state;
	start(f, "");
	Exec x = exec(A(RUN_ARGS(f), "--workdir", "/not/there", "true"));
	assert_int_equal(x.status, EXIT_CANNOT_EXEC);
	assert_string_equal(x.err,
			    "berth: working directory `/not/there`: No such file or directory\n");
}

static void test_detached_it_returns_once_the_command_runs(void **state)
{
	Fixture *f = *state;
	start(f, "");
	uint64_t t0 = now_mono_usec();
	Exec x = exec(A(RUN_ARGS(f), "--detach", "sleep", "5"));
	assert_int_equal(x.status, 0);
	assert_true(now_mono_usec() - t0 < 4 * 1000000ULL);
	assert_string_equal(x.out, "");
	assert_string_equal(x.err, "");
}

static void test_a_container_that_is_not_running_is_said(void **state)
{
	Fixture *f = *state;
	start(f, "");
	/* The right pid with another start time: a pid reused. */
	snprintf(f->start, sizeof(f->start), "1");
	Exec x = exec(A(RUN_ARGS(f), "true"));
	assert_int_equal(x.status, EXIT_BERTH_ERROR);
	assert_string_equal(x.err, "berth: the container is not running\n");
}

int main(void)
{
	cf_init();
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_bad_argument_is_refused_with_125),
		cmocka_unit_test(test_a_container_without_its_configuration_is_said),
	};
	const struct CMUnitTest privileged[] = {
		T(test_a_process_runs_in_the_container_and_its_exit_code_returns),
		T(test_env_replaces_or_adds_and_user_and_workdir_are_taken),
		T(test_a_command_not_found_is_127_and_said_in_one_line),
		T(test_a_missing_workdir_is_126),
		T(test_detached_it_returns_once_the_command_runs),
		T(test_a_container_that_is_not_running_is_said),
	};
	return RUN_UNIT_TESTS(tests, privileged, cf_unusable(), NULL, NULL);
}
