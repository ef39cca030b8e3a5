/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for berth-stage's sealed copy (supervisor/stage-memfd.c):
 * stage_memfd() copies the program whole into a memfd that nothing can
 * change any more and nobody can read, and stage_exec() runs a command
 * through it, the error pipe reaching the stage but never the command. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init-plan.h"
#include "util.h"

extern char **environ;

/* The berth-stage of this build: next to $BERTH (tests/local.mk), or two
 * folders up from this test's binary. */
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

static int stage_fd_of(const char *path)
{
	assert_int_equal(setenv("BERTH_STAGE", path, 1), 0);
	int fd = -EBADF;
	int r = stage_memfd(&fd);
	unsetenv("BERTH_STAGE");
	return r < 0 ? r : fd;
}

static void test_the_copy_is_whole_sealed_execute_only_and_cloexec(void **state)
{
	/* Larger than one sendfile() need copy: 300 KiB of a pattern. */
	char tmpl[] = "/tmp/test-stage-memfd.XXXXXX";
	int in = mkstemp(tmpl);
	assert_true(in >= 0);
	size_t size = 300 * 1024 + 17;
	_cleanup_free_ char *data = malloc(size);
	for (size_t i = 0; i < size; i++)
		data[i] = (char)(i * 7 + i / 251);
	assert_int_equal(write_all(in, data, size), 0);
	close(in);

	_cleanup_close_ int fd = stage_fd_of(tmpl);
	unlink(tmpl);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, size);
	assert_int_equal(st.st_mode & 07777, 0111);
	assert_int_equal(fcntl(fd, F_GET_SEALS),
			 F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);

	/* Its content, through the descriptor (the mode is the path's). */
	_cleanup_free_ char *back = malloc(size + 1);
	assert_int_equal(pread(fd, back, size + 1, 0), size);
	assert_memory_equal(back, data, size);

	/* Nothing changes it, not even its owner. */
	assert_int_equal(pwrite(fd, "x", 1, 0), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(fd, 1), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(fchmod(fd, 0755), 0); /* the mode is not sealed, the data is */
	assert_int_equal(pwrite(fd, "x", 1, 0), -1);
}

static void test_a_missing_stage_is_enoent(void **state)
{
	assert_int_equal(stage_fd_of("/nonexistent/berth-stage"), -ENOENT);
}

static void test_without_berth_stage_set_it_is_looked_for_next_to_us(void **state)
{
	/* This test's own folder has none: that is what it says. */
	assert_int_equal(setenv("BERTH_STAGE", "", 1), 0);
	int fd = -EBADF;
	assert_int_equal(stage_memfd(&fd), -ENOENT);
	assert_int_equal(fd, -EBADF);
	unsetenv("BERTH_STAGE");
}

static void test_a_folder_is_no_stage(void **state)
{
	int r = stage_fd_of("/tmp");
	assert_true(r < 0);
	if (r >= 0)
		close(r);
}

typedef struct {
	int status;
	ssize_t got; /* bytes on the error pipe */
	InitError e;
} ExecResult;

/* stage_exec() in a child, with the error pipe's write end at fd 100 (not
 * cloexec, as process_exec() leaves it). */
static ExecResult run_through_stage(char *const argv[])
{
	_cleanup_free_ char *stage = built_stage();
	_cleanup_close_ int fd = stage_fd_of(stage);
	if (fd < 0)
		fail_msg("stage_memfd(%s): %s", stage, strerror(-fd));
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(p[1], 100) < 0)
			_exit(90);
		stage_exec(fd, 100, argv, environ);
		_exit(91);
	}
	close(p[1]);
	ExecResult r = { 0 };
	r.got = read(p[0], &r.e, sizeof(r.e));
	close(p[0]);
	assert_int_equal(waitpid(pid, &r.status, 0), pid);
	return r;
}

static void test_a_command_runs_through_the_stage_without_the_error_pipe(void **state)
{
	/* Exit 3 if the command got fd 100 (the error pipe). */
	char *const argv[] = { (char *)"/bin/sh", (char *)"-c",
			       (char *)"test -e /proc/self/fd/100 && exit 3; exit 42", NULL };
	ExecResult r = run_through_stage(argv);
	assert_int_equal(r.got, 0);
	assert_true(WIFEXITED(r.status));
	assert_int_equal(WEXITSTATUS(r.status), 42);
}

static void test_a_command_that_cannot_run_is_told_on_the_error_pipe(void **state)
{
	char *const argv[] = { (char *)"/nonexistent/cmd", NULL };
	ExecResult r = run_through_stage(argv);
	assert_int_equal(r.got, sizeof(InitError));
	assert_int_equal(r.e.error, -ENOENT);
	assert_int_equal(r.e.exit_code, EXIT_NOT_FOUND);
	assert_string_equal(r.e.msg,
			    "cannot execute `/nonexistent/cmd`: No such file or directory");
	assert_true(WIFEXITED(r.status));
	assert_int_equal(WEXITSTATUS(r.status), EXIT_NOT_FOUND);
}

static void test_a_stage_that_cannot_run_returns_with_the_pipe_cloexec_again(void **state)
{
	/* A sealed copy of something that is no program. */
	char tmpl[] = "/tmp/test-stage-memfd.XXXXXX";
	int in = mkstemp(tmpl);
	assert_true(in >= 0);
	assert_int_equal(write_all(in, "not a program\n", 14), 0);
	close(in);
	_cleanup_close_ int fd = stage_fd_of(tmpl);
	unlink(tmpl);
	assert_true(fd >= 0);
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	char *const argv[] = { (char *)"/bin/true", NULL };
	errno = 0;
	stage_exec(fd, p[1], argv, environ);
	assert_int_equal(errno, ENOEXEC);
	assert_true(fcntl(p[1], F_GETFD) & FD_CLOEXEC);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_copy_is_whole_sealed_execute_only_and_cloexec),
		cmocka_unit_test(test_a_missing_stage_is_enoent),
		cmocka_unit_test(test_without_berth_stage_set_it_is_looked_for_next_to_us),
		cmocka_unit_test(test_a_folder_is_no_stage),
		cmocka_unit_test(test_a_command_runs_through_the_stage_without_the_error_pipe),
		cmocka_unit_test(test_a_command_that_cannot_run_is_told_on_the_error_pipe),
		cmocka_unit_test(test_a_stage_that_cannot_run_returns_with_the_pipe_cloexec_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
