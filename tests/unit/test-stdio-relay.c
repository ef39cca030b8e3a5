/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the stdio relay (common/stdio-relay.c): pipes and files
 * stand for the caller's stdin, stdout and stderr; the "container" is this
 * process, reading and writing the ends the relay made for it. */
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cleanup.h"
#include "stdio-relay.h"
#include "util.h"

/* Runs the relay for about ms milliseconds, or until it is done. */
static void relay_for(StdioRelay *r, int ms)
{
	uint64_t end = now_mono_usec() + (uint64_t)ms * 1000;
	while (now_mono_usec() < end && !stdio_relay_done(r)) {
		struct pollfd p[STDIO_RELAY_NFDS];
		int timeout = stdio_relay_pollfds(r, p);
		if (timeout < 0 || timeout > 5)
			timeout = 5;
		assert_true(poll(p, STDIO_RELAY_NFDS, timeout) >= 0);
		stdio_relay_handle(r, p);
	}
}

static int file_with(const char *data, size_t len)
{
	int fd = memfd_create("stdio-relay-test", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, data, len), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void read_exactly(int fd, char *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, buf + got, len - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
}

/* A container that reads part of its input from the caller's pipe leaves
 * the rest there, for whoever reads it next. */
static void test_pipe_input_what_is_not_read_stays(void **state)
{
	(void)state;
	int in[2], out[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(write_all(in[1], "one\ntwo\nthree\n", 14), 0);
	StdioRelay r;
	assert_int_equal(stdio_relay_open(&r, in[0], out[1], out[1]), 0);
	int child_in = TAKE_FD(r.child[STDIO_IN]);
	stdio_relay_close_child(&r);
	relay_for(&r, 50);
	char buf[4];
	read_exactly(child_in, buf, 4);
	assert_memory_equal(buf, "one\n", 4);
	relay_for(&r, 50);
	stdio_relay_finish(&r);
	close(child_in);
	close(in[1]);
	char rest[32] = "";
	assert_int_equal(read(in[0], rest, sizeof(rest)), 10);
	assert_memory_equal(rest, "two\nthree\n", 10);
	stdio_relay_end(&r);
	close(in[0]);
	close(out[0]);
	close(out[1]);
}

/* ... and the end of the caller's pipe is the end of its stdin. */
static void test_pipe_input_end_reaches_the_container(void **state)
{
	(void)state;
	int in[2], out[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	/* More than a page, in more than one piece, then the end. */
	static char data[20000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	assert_int_equal(write_all(in[1], data, sizeof(data)), 0);
	close(in[1]);
	StdioRelay r;
	assert_int_equal(stdio_relay_open(&r, in[0], out[1], out[1]), 0);
	int child_in = TAKE_FD(r.child[STDIO_IN]);
	stdio_relay_close_child(&r);
	assert_int_equal(fd_set_nonblock(child_in), 0);
	static char got[sizeof(data) + 1];
	size_t n = 0;
	for (int i = 0; i < 2000; i++) {
		relay_for(&r, 1);
		ssize_t k = read(child_in, got + n, sizeof(got) - n);
		if (k == 0)
			break;
		if (k > 0)
			n += (size_t)k;
	}
	assert_int_equal(n, sizeof(data));
	assert_memory_equal(got, data, sizeof(data));
	stdio_relay_end(&r);
	close(child_in);
	close(in[0]);
	close(out[0]);
	close(out[1]);
}

/* A file's offset is set back by what the container did not read. */
static void test_file_input_offset_set_back(void **state)
{
	(void)state;
	static char data[100000];
	memset(data, 'x', sizeof(data));
	int in = file_with(data, sizeof(data));
	int out[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	StdioRelay r;
	assert_int_equal(stdio_relay_open(&r, in, out[1], out[1]), 0);
	int child_in = TAKE_FD(r.child[STDIO_IN]);
	stdio_relay_close_child(&r);
	relay_for(&r, 50);
	char buf[10];
	read_exactly(child_in, buf, sizeof(buf));
	close(child_in);
	stdio_relay_finish(&r);
	assert_int_equal(lseek(in, 0, SEEK_CUR), 10);
	stdio_relay_end(&r);
	close(in);
	close(out[0]);
	close(out[1]);
}

/* Output: to a pipe (spliced), to a file opened O_APPEND (which takes no
 * splice: copied), all of it, and the relay is done at its end. */
static void test_output_to_pipe_and_append_file(void **state)
{
	(void)state;
	int in = file_with("", 0);
	int out[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	char path[] = "/tmp/berth-test-stdio-relay.XXXXXX";
	int tmp = mkstemp(path);
	assert_true(tmp >= 0);
	assert_int_equal(write_all(tmp, "before\n", 7), 0);
	int err = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(err >= 0);
	unlink(path);

	StdioRelay r;
	assert_int_equal(stdio_relay_open(&r, in, out[1], err), 0);
	assert_true(r.child[STDIO_ERR] != r.child[STDIO_OUT]);
	assert_int_equal(write_all(r.child[STDIO_OUT], "to-stdout\n", 10), 0);
	assert_int_equal(write_all(r.child[STDIO_ERR], "to-stderr\n", 10), 0);
	stdio_relay_close_child(&r);
	stdio_relay_finish(&r);
	relay_for(&r, 1000);
	assert_true(stdio_relay_done(&r));
	char buf[32] = "";
	assert_int_equal(read(out[0], buf, sizeof(buf)), 10);
	assert_memory_equal(buf, "to-stdout\n", 10);
	assert_int_equal(pread(tmp, buf, sizeof(buf), 0), 17);
	assert_memory_equal(buf, "before\nto-stderr\n", 17);
	stdio_relay_end(&r);
	close(in);
	close(err);
	close(tmp);
	close(out[0]);
	close(out[1]);
}

/* stdout and stderr that are one open file share one pipe, so that the
 * order of the container's writes to them is kept. */
static void test_one_file_one_pipe(void **state)
{
	(void)state;
	int in = file_with("", 0);
	int out[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	int err = dup(out[1]);
	StdioRelay r;
	assert_int_equal(stdio_relay_open(&r, in, out[1], err), 0);
	assert_int_equal(r.child[STDIO_ERR], r.child[STDIO_OUT]);
	stdio_relay_end(&r);
	/* Two opens of one pipe are two files: two pipes. */
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", out[1]);
	int again = open(self, O_WRONLY | O_CLOEXEC);
	assert_true(again >= 0);
	assert_int_equal(stdio_relay_open(&r, in, out[1], again), 0);
	assert_true(r.child[STDIO_ERR] != r.child[STDIO_OUT]);
	stdio_relay_end(&r);
	close(again);
	close(err);
	close(in);
	close(out[0]);
	close(out[1]);
}

/* The reader of the caller's stdout went away: the container's pipe is
 * closed, so that its next write fails as it would have written there. */
static void test_output_reader_gone(void **state)
{
	(void)state;
	int in = file_with("", 0);
	int out[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	close(out[0]);
	StdioRelay r;
	assert_int_equal(stdio_relay_open(&r, in, out[1], out[1]), 0);
	int child_out = TAKE_FD(r.child[STDIO_OUT]);
	r.child[STDIO_ERR] = -EBADF;
	stdio_relay_close_child(&r);
	assert_int_equal(write_all(child_out, "x", 1), 0);
	relay_for(&r, 50);
	assert_int_equal(write(child_out, "y", 1), -1);
	assert_int_equal(errno, EPIPE);
	stdio_relay_end(&r);
	close(child_out);
	close(in);
	close(out[1]);
}

/* At the container's end, what it wrote is copied, and nothing written
 * after that: a process it left behind (one that `berth exec` started)
 * reaches the caller no longer, and its pipes are closed. */
static void test_at_the_end_what_was_written_is_copied_and_no_more(void **state)
{
	(void)state;
	int in[2], out[2], err[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	StdioRelay r;
	assert_int_equal(stdio_relay_open(&r, in[0], out[1], err[1]), 0);
	int child[3];
	for (int i = 0; i < 3; i++)
		child[i] = TAKE_FD(r.child[i]);
	char big[40000];
	memset(big, 'x', sizeof(big));
	assert_int_equal(write_all(child[1], big, sizeof(big)), 0);
	assert_int_equal(write_all(child[2], "last words", 10), 0);
	stdio_relay_finish(&r);
	assert_int_equal(write_all(child[1], "later", 5), 0);
	relay_for(&r, 1000);
	assert_true(stdio_relay_done(&r));
	close(out[1]);
	close(err[1]);
	static char got[50000];
	size_t n = 0;
	for (ssize_t k; (k = read(out[0], got + n, sizeof(got) - n)) > 0;)
		n += (size_t)k;
	assert_int_equal(n, sizeof(big));
	assert_int_equal(read(err[0], got, sizeof(got)), 10);
	assert_memory_equal(got, "last words", 10);
	char buf[8];
	assert_int_equal(read(child[0], buf, sizeof(buf)), 0);
	assert_int_equal(write(child[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(write(child[2], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	stdio_relay_end(&r);
	for (int i = 0; i < 3; i++)
		close(child[i]);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(err[0]);
}

int main(void)
{
	/* The relay's EPIPE, and ours above, are no signal. */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_input_what_is_not_read_stays),
		cmocka_unit_test(test_pipe_input_end_reaches_the_container),
		cmocka_unit_test(test_file_input_offset_set_back),
		cmocka_unit_test(test_output_to_pipe_and_append_file),
		cmocka_unit_test(test_one_file_one_pipe),
		cmocka_unit_test(test_output_reader_gone),
		cmocka_unit_test(test_at_the_end_what_was_written_is_copied_and_no_more),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
