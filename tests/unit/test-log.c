/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for common/log.c: one line per call, %m, and errno left as
 * the caller had it. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int pipe_fds[2];

static int setup(void **state)
{
	(void)state;
	if (pipe(pipe_fds) < 0)
		return -1;
	log_setup("test", LOG_LEVEL_DEBUG);
	log_set_fd(pipe_fds[1]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	log_set_fd(STDERR_FILENO);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	return 0;
}

static void read_line(char *buf, size_t size)
{
	ssize_t n = read(pipe_fds[0], buf, size - 1);
	assert_true(n > 0);
	buf[n] = '\0';
}

static void test_plain_log_keeps_errno(void **state)
{
	(void)state;
	char buf[256];
	errno = EXDEV;
	log_debug("move: %m");
	assert_int_equal(errno, EXDEV);
	read_line(buf, sizeof(buf));
	assert_string_equal(buf, "test: move: Invalid cross-device link\n");
}

static void test_error_log_prints_its_error(void **state)
{
	(void)state;
	char buf[256];
	errno = EXDEV;
	int r = log_error_errno(-ENOENT, "open: %m");
	assert_int_equal(r, -ENOENT);
	assert_int_equal(errno, EXDEV);
	read_line(buf, sizeof(buf));
	assert_string_equal(buf, "test: open: No such file or directory\n");
	/* A positive error is taken as an errno value. */
	assert_int_equal(log_warning_errno(EACCES, "x"), -EACCES);
	read_line(buf, sizeof(buf));
	assert_int_equal(errno, EXDEV);
}

static void test_below_level_keeps_errno(void **state)
{
	(void)state;
	log_setup(NULL, LOG_LEVEL_INFO);
	errno = EPERM;
	assert_int_equal(log_debug_errno(-EBUSY, "quiet: %m"), -EBUSY);
	log_debug("quiet");
	assert_int_equal(errno, EPERM);
	log_setup(NULL, LOG_LEVEL_DEBUG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_log_keeps_errno),
		cmocka_unit_test(test_error_log_prints_its_error),
		cmocka_unit_test(test_below_level_keeps_errno),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
