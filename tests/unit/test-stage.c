/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for berth-stage (supervisor/stage.c), the program every
 * container command is exec'd from. It is a static program of its own
 * (built without a C library where configure can), so it is tested as
 * built: `berth-stage ERRFD COMMAND [ARG...]`, its PATH search in the
 * command's environment, the exit codes (127 nothing found, 126 cannot
 * run) and the InitError it writes to ERRFD, and hostile input. */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protocol.h"
#include "util.h"

static char *stage_path;
static char dir[] = "/tmp/test-stage.XXXXXX";

/* The berth-stage of this build: next to $BERTH (tests/local.mk), or two
 * folders up from this test's binary. */
static int find_stage(void **state)
{
	const char *berth = getenv("BERTH");
	if (berth && *berth) {
		_cleanup_free_ char *copy = strdup(berth);
		assert_true(asprintf(&stage_path, "%s/berth-stage", dirname(copy)) > 0);
	} else {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		assert_true(n > 0);
		self[n] = 0;
		assert_true(asprintf(&stage_path, "%s/../../berth-stage", dirname(self)) > 0);
	}
	assert_int_equal(access(stage_path, X_OK), 0);
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int cleanup(void **state)
{
	free(stage_path);
	return rm_rf(dir);
}

static void put(const char *name, const char *text, mode_t mode)
{
	_cleanup_free_ char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	assert_int_equal(write_file(p, text, strlen(text), O_CREAT | O_TRUNC, mode), 0);
	assert_int_equal(chmod(p, mode), 0);
}

typedef struct {
	int status;
	ssize_t got; /* bytes on the error pipe */
	InitError e;
	char out[256]; /* the command's stdout */
} StageResult;

/* berth-stage with the error pipe at fd 100, args after it, in dir. */
static StageResult stage(char *const args[], char *const envp[])
{
	char *argv[16] = { (char *)"berth-stage", (char *)"100" };
	size_t n = 2;
	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	int err[2], out[2];
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(err[1], 100) < 0 || dup2(out[1], 1) < 0 || chdir(dir) < 0)
			_exit(90);
		execve(stage_path, argv, envp);
		_exit(91);
	}
	close(err[1]);
	close(out[1]);
	StageResult r = { 0 };
	r.got = read(err[0], &r.e, sizeof(r.e));
	ssize_t k = read(out[0], r.out, sizeof(r.out) - 1);
	r.out[k > 0 ? k : 0] = 0;
	close(err[0]);
	close(out[0]);
	assert_int_equal(waitpid(pid, &r.status, 0), pid);
	assert_true(WIFEXITED(r.status));
	return r;
}

static void assert_failed(const StageResult *r, int error, int exit_code, const char *msg)
{
	assert_int_equal(r->got, sizeof(InitError));
	assert_int_equal(r->e.error, error);
	assert_int_equal(r->e.exit_code, exit_code);
	assert_int_equal(WEXITSTATUS(r->status), exit_code);
	assert_string_equal(r->e.msg, msg);
}

static void test_without_a_command_it_exits_125_and_says_nothing(void **state)
{
	char *const args[] = { NULL };
	StageResult r = stage(args, NULL);
	assert_int_equal(WEXITSTATUS(r.status), EXIT_BERTH_ERROR);
	assert_int_equal(r.got, 0);
}

static void test_a_command_by_path_runs_with_its_arguments_and_no_error_pipe(void **state)
{
	char *const args[] = { (char *)"/bin/sh",
			       (char *)"-c",
			       (char *)"test -e /proc/self/fd/100 && echo leaked; echo \"$0|$1\"",
			       (char *)"a b",
			       (char *)"",
			       NULL };
	char *const envp[] = { (char *)"PATH=/nonexistent", NULL };
	StageResult r = stage(args, envp);
	assert_int_equal(r.got, 0);
	assert_int_equal(WEXITSTATUS(r.status), 0);
	assert_string_equal(r.out, "a b|\n");
}

static void test_a_missing_command_by_path_is_127(void **state)
{
	char *const args[] = { (char *)"/nonexistent/cmd", NULL };
	StageResult r = stage(args, NULL);
	assert_failed(&r, -ENOENT, EXIT_NOT_FOUND,
		      "cannot execute `/nonexistent/cmd`: No such file or directory");
}

static void test_a_file_without_exec_permission_is_126(void **state)
{
	put("plain", "#!/bin/sh\necho no\n", 0644);
	char *const args[] = { (char *)"./plain", NULL };
	StageResult r = stage(args, NULL);
	/* Root may exec only what some execute bit allows. */
	assert_failed(&r, -EACCES, EXIT_CANNOT_EXEC, "cannot execute `./plain`: Permission denied");
}

static void test_a_folder_is_126(void **state)
{
	char *const args[] = { (char *)"/tmp", NULL };
	StageResult r = stage(args, NULL);
	assert_failed(&r, -EACCES, EXIT_CANNOT_EXEC, "cannot execute `/tmp`: Permission denied");
}

static void test_a_file_that_is_no_program_is_126_exec_format_error(void **state)
{
	put("junk",
	    "\x7f"
	    "ELF but not really",
	    0755);
	char *const args[] = { (char *)"./junk", NULL };
	StageResult r = stage(args, NULL);
	assert_failed(&r, -ENOEXEC, EXIT_CANNOT_EXEC, "cannot execute `./junk`: Exec format error");
}

static void test_the_path_searched_is_the_commands_not_ours(void **state)
{
	_cleanup_free_ char *path = NULL;
	assert_true(asprintf(&path, "PATH=/nonexistent:%s/bin:/bin", dir) > 0);
	_cleanup_free_ char *bin = NULL;
	assert_true(asprintf(&bin, "%s/bin", dir) > 0);
	assert_int_equal(mkdir(bin, 0755), 0);
	put("bin/hello", "#!/bin/sh\necho \"found $1\"\n", 0755);
	char *const args[] = { (char *)"hello", (char *)"me", NULL };
	char *const envp[] = { (char *)"HOME=/", path, NULL };
	StageResult r = stage(args, envp);
	assert_int_equal(r.got, 0);
	assert_string_equal(r.out, "found me\n");
}

static void test_an_empty_path_element_is_the_working_directory(void **state)
{
	put("here", "#!/bin/sh\necho here\n", 0755);
	char *const args[] = { (char *)"here", NULL };
	char *const envp[] = { (char *)"PATH=/nonexistent::/bin", NULL };
	StageResult r = stage(args, envp);
	assert_int_equal(r.got, 0);
	assert_string_equal(r.out, "here\n");
}

static void test_without_path_the_default_one_is_searched(void **state)
{
	char *const args[] = { (char *)"sh", (char *)"-c", (char *)"echo default", NULL };
	char *const envp[] = { (char *)"NOTPATH=/nonexistent", NULL };
	StageResult r = stage(args, envp);
	assert_int_equal(r.got, 0);
	assert_string_equal(r.out, "default\n");
}

static void test_a_command_nowhere_in_path_is_127(void **state)
{
	char *const args[] = { (char *)"no-such-command", NULL };
	char *const envp[] = { (char *)"PATH=/bin:/usr/bin", NULL };
	StageResult r = stage(args, envp);
	assert_failed(&r, -ENOENT, EXIT_NOT_FOUND,
		      "`no-such-command`: executable file not found in $PATH");
}

static void test_a_command_found_only_without_permission_is_126(void **state)
{
	/* As execvp(): the permission problem is remembered while the search
	 * goes on, and told when nothing better was found. */
	put("locked", "#!/bin/sh\n", 0600);
	_cleanup_free_ char *path = NULL;
	assert_true(asprintf(&path, "PATH=%s:/bin", dir) > 0);
	char *const args[] = { (char *)"locked", NULL };
	char *const envp[] = { path, NULL };
	StageResult r = stage(args, envp);
	assert_failed(&r, -EACCES, EXIT_CANNOT_EXEC, "cannot execute `locked`: Permission denied");
}

static void test_a_runnable_one_later_in_path_wins_over_one_without_permission(void **state)
{
	_cleanup_free_ char *sub = NULL;
	assert_true(asprintf(&sub, "%s/later", dir) > 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	put("tool", "#!/bin/sh\necho first\n", 0600);
	put("later/tool", "#!/bin/sh\necho later\n", 0755);
	_cleanup_free_ char *path = NULL;
	assert_true(asprintf(&path, "PATH=%s:%s", dir, sub) > 0);
	char *const args[] = { (char *)"tool", NULL };
	char *const envp[] = { path, NULL };
	StageResult r = stage(args, envp);
	assert_int_equal(r.got, 0);
	assert_string_equal(r.out, "later\n");
}

static void test_an_overlong_command_name_gives_one_cut_message(void **state)
{
	char name[6000];
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	char *const args[] = { name, NULL };
	char *const envp[] = { (char *)"PATH=/bin", NULL };
	StageResult r = stage(args, envp);
	assert_int_equal(r.got, sizeof(InitError));
	assert_int_equal(r.e.exit_code, EXIT_NOT_FOUND);
	assert_int_equal(WEXITSTATUS(r.status), EXIT_NOT_FOUND);
	assert_int_equal(strnlen(r.e.msg, sizeof(r.e.msg)), sizeof(r.e.msg) - 1);
	assert_true(startswith(r.e.msg, "`xxxx"));
}

static void test_an_overlong_path_by_name_is_named_too_long(void **state)
{
	char name[6000] = "/";
	memset(name + 1, 'y', sizeof(name) - 2);
	name[sizeof(name) - 1] = 0;
	char *const args[] = { name, NULL };
	StageResult r = stage(args, NULL);
	assert_int_equal(r.e.error, -ENAMETOOLONG);
	assert_int_equal(WEXITSTATUS(r.status), EXIT_CANNOT_EXEC);
	const char *tail = ": File name too long";
	size_t len = strnlen(r.e.msg, sizeof(r.e.msg));
	/* The name is cut, so the reason is not there; the message is still
	 * one terminated line. */
	assert_int_equal(len, sizeof(r.e.msg) - 1);
	assert_true(startswith(r.e.msg, "cannot execute `/yyy"));
	assert_null(strstr(r.e.msg, tail));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_without_a_command_it_exits_125_and_says_nothing),
		cmocka_unit_test(test_a_command_by_path_runs_with_its_arguments_and_no_error_pipe),
		cmocka_unit_test(test_a_missing_command_by_path_is_127),
		cmocka_unit_test(test_a_file_without_exec_permission_is_126),
		cmocka_unit_test(test_a_folder_is_126),
		cmocka_unit_test(test_a_file_that_is_no_program_is_126_exec_format_error),
		cmocka_unit_test(test_the_path_searched_is_the_commands_not_ours),
		cmocka_unit_test(test_an_empty_path_element_is_the_working_directory),
		cmocka_unit_test(test_without_path_the_default_one_is_searched),
		cmocka_unit_test(test_a_command_nowhere_in_path_is_127),
		cmocka_unit_test(test_a_command_found_only_without_permission_is_126),
		cmocka_unit_test(
			test_a_runnable_one_later_in_path_wins_over_one_without_permission),
		cmocka_unit_test(test_an_overlong_command_name_gives_one_cut_message),
		cmocka_unit_test(test_an_overlong_path_by_name_is_named_too_long),
	};
	return cmocka_run_group_tests(tests, find_stage, cleanup);
}
