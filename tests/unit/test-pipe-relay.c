/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the stdio relay of `berth exec` (common/pipe-relay.c):
 * pipes stand for the caller's stdin, stdout and stderr, and this process
 * plays the exec'd process on the ends the relay hands out. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "pipe-relay.h"
#include "util.h"

typedef struct {
	PipeRelay r;
	int child[3];                     /* the process's ends: 0, 1, 2 */
	int in[2], out[2], err[2];        /* the caller's: [0] read end, [1] write end */
} Fixture;

static int open_fixture(void **state, bool same_out_err)
{
	Fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	if (pipe2(f->in, O_CLOEXEC) < 0 || pipe2(f->out, O_CLOEXEC) < 0 ||
	    pipe2(f->err, O_CLOEXEC) < 0)
		return -1;
	if (fd_set_nonblock(f->out[0]) < 0 || fd_set_nonblock(f->err[0]) < 0)
		return -1;
	int err = same_out_err ? f->out[1] : f->err[1];
	if (pipe_relay_open(&f->r, f->in[0], f->out[1], err, f->child) < 0)
		return -1;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return open_fixture(state, false);
}

static int setup_same(void **state)
{
	return open_fixture(state, true);
}

static int teardown(void **state)
{
	Fixture *f = *state;
	pipe_relay_end(&f->r);
	safe_close(f->child[0]);
	if (f->child[2] != f->child[1])
		safe_close(f->child[2]);
	safe_close(f->child[1]);
	for (int i = 0; i < 2; i++) {
		safe_close(f->in[i]);
		safe_close(f->out[i]);
		safe_close(f->err[i]);
	}
	free(f);
	return 0;
}

/* One round of the caller's loop. */
static void relay_once(Fixture *f, int max_ms)
{
	struct pollfd p[PIPE_RELAY_NFDS];
	int timeout = pipe_relay_pollfds(&f->r, p);
	if (timeout < 0 || timeout > max_ms)
		timeout = max_ms;
	assert_true(poll(p, PIPE_RELAY_NFDS, timeout) >= 0);
	pipe_relay_handle(&f->r, p);
}

static void relay_for(Fixture *f, int ms)
{
	uint64_t end = now_mono_usec() + (uint64_t)ms * 1000;
	while (now_mono_usec() < end)
		relay_once(f, 5);
}

static void relay_until_done(Fixture *f)
{
	for (int i = 0; i < 10000 && !pipe_relay_done(&f->r); i++)
		relay_once(f, 5);
	assert_true(pipe_relay_done(&f->r));
}

static size_t read_all(int fd, char *buf, size_t size)
{
	size_t n = 0;
	for (;;) {
		ssize_t k = read(fd, buf + n, size - n);
		if (k <= 0)
			return n;
		n += (size_t)k;
	}
}

static void test_output_is_copied_byte_exact(void **state)
{
	Fixture *f = *state;
	/* Every byte value, more than a pipe holds, through a reader that
	 * drains as it goes. */
	size_t size = 300000;
	_cleanup_free_ char *data = malloc(size), *got = malloc(size + 1);
	for (size_t i = 0; i < size; i++)
		data[i] = (char)(i * 7 + i / 256);
	assert_int_equal(fd_set_nonblock(f->child[1]), 0);
	size_t written = 0, n = 0;
	while (n < size) {
		ssize_t w = written < size ? write(f->child[1], data + written, size - written) : 0;
		if (w > 0)
			written += (size_t)w;
		relay_once(f, 1);
		ssize_t k = read(f->out[0], got + n, size + 1 - n);
		if (k > 0)
			n += (size_t)k;
	}
	assert_int_equal(n, size);
	assert_memory_equal(got, data, size);
}

static void test_end_of_stdin_reaches_the_process(void **state)
{
	Fixture *f = *state;
	assert_int_equal(write(f->in[1], "abc", 3), 3);
	f->in[1] = safe_close(f->in[1]);
	relay_for(f, 50);
	char buf[8];
	assert_int_equal(read(f->child[0], buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	/* The end of file, not a read that waits. */
	assert_int_equal(read(f->child[0], buf, sizeof(buf)), 0);
}

static void test_stdout_and_stderr_are_kept_apart(void **state)
{
	Fixture *f = *state;
	assert_int_not_equal(f->child[1], f->child[2]);
	assert_int_equal(write(f->child[1], "out", 3), 3);
	assert_int_equal(write(f->child[2], "err", 3), 3);
	relay_for(f, 50);
	char buf[8] = "";
	assert_int_equal(read(f->out[0], buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "out", 3);
	assert_int_equal(read(f->err[0], buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "err", 3);
}

static void test_one_pipe_when_stdout_and_stderr_are_one_file(void **state)
{
	Fixture *f = *state;
	/* The order the process wrote in is the order the caller sees. */
	assert_int_equal(f->child[1], f->child[2]);
	assert_int_equal(write(f->child[1], "1", 1), 1);
	assert_int_equal(write(f->child[2], "2", 1), 1);
	assert_int_equal(write(f->child[1], "3", 1), 1);
	relay_for(f, 50);
	char buf[8] = "";
	assert_int_equal(read(f->out[0], buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "123", 3);
}

static void test_at_the_end_what_was_written_is_copied_and_no_more(void **state)
{
	Fixture *f = *state;
	/* Written before the process ended, not yet read by the relay. */
	char big[40000];
	memset(big, 'x', sizeof(big));
	assert_int_equal(write(f->child[1], big, sizeof(big)), sizeof(big));
	assert_int_equal(write(f->child[2], "last words", 10), 10);
	pipe_relay_finish(&f->r);
	/* A process left behind writes on after the end. */
	assert_int_equal(write(f->child[1], "later", 5), 5);
	relay_until_done(f);
	char got[50000];
	assert_int_equal(read_all(f->out[0], got, sizeof(got)), sizeof(big));
	assert_int_equal(read_all(f->err[0], got, sizeof(got)), 10);
	assert_memory_equal(got, "last words", 10);
	/* Its pipes are closed: reads see the end, writes fail with EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	char buf[8];
	assert_int_equal(read(f->child[0], buf, sizeof(buf)), 0);
	assert_int_equal(write(f->child[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(write(f->child[2], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
}

static void test_stdin_left_unread_is_not_passed_on_after_the_end(void **state)
{
	Fixture *f = *state;
	pipe_relay_finish(&f->r);
	assert_int_equal(write(f->in[1], "typed later", 11), 11);
	relay_until_done(f);
	char buf[16];
	assert_int_equal(read(f->child[0], buf, sizeof(buf)), 0);
	/* Still there for the caller's next reader. */
	assert_int_equal(read(f->in[0], buf, sizeof(buf)), 11);
}

static void test_a_caller_that_stops_reading_closes_the_pipe(void **state)
{
	Fixture *f = *state;
	f->out[0] = safe_close(f->out[0]);
	assert_int_equal(write(f->child[1], "x", 1), 1);
	signal(SIGPIPE, SIG_IGN);
	relay_for(f, 50);
	assert_int_equal(write(f->child[1], "y", 1), -1);
	assert_int_equal(errno, EPIPE);
}

int main(void)
{
#define T(name, setup_fn) cmocka_unit_test_setup_teardown(name, setup_fn, teardown)
	const struct CMUnitTest tests[] = {
		T(test_output_is_copied_byte_exact, setup),
		T(test_end_of_stdin_reaches_the_process, setup),
		T(test_stdout_and_stderr_are_kept_apart, setup),
		T(test_one_pipe_when_stdout_and_stderr_are_one_file, setup_same),
		T(test_at_the_end_what_was_written_is_copied_and_no_more, setup),
		T(test_stdin_left_unread_is_not_passed_on_after_the_end, setup),
		T(test_a_caller_that_stops_reading_closes_the_pipe, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
