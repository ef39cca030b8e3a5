/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the terminal relay (common/tty-relay.c): a pty of our own
 * (/dev/ptmx, no root needed) stands for the container's, pipes for the
 * user's stdin and stdout. The "container" is this process reading the
 * slave, so what the relay types is checked byte by byte. */
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
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "tty-relay.h"
#include "util.h"

typedef struct {
	TtyRelay t;
	int slave;
	int in[2], out[2]; /* [0] read end, [1] write end */
} Fixture;

static int setup(void **state)
{
	Fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		return -1;
	f->slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (f->slave < 0 || pipe2(f->in, O_CLOEXEC) < 0 || pipe2(f->out, O_CLOEXEC) < 0)
		return -1;
	/* No echo: what the slave's reader gets is all there is to check. */
	struct termios tio;
	if (tcgetattr(f->slave, &tio) < 0)
		return -1;
	tio.c_lflag &= ~(tcflag_t)ECHO;
	if (tcsetattr(f->slave, TCSANOW, &tio) < 0)
		return -1;
	tty_relay_begin_fds(&f->t, master, f->in[0], f->out[1]);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;
	tty_relay_end(&f->t);
	safe_close(f->slave);
	for (int i = 0; i < 2; i++) {
		safe_close(f->in[i]);
		safe_close(f->out[i]);
	}
	free(f);
	return 0;
}

/* Runs the relay for about ms milliseconds. */
static void relay_for(Fixture *f, int ms)
{
	uint64_t end = now_mono_usec() + (uint64_t)ms * 1000;
	while (now_mono_usec() < end) {
		struct pollfd p[TTY_RELAY_NFDS];
		int timeout = tty_relay_pollfds(&f->t, p);
		if (timeout < 0 || timeout > 5)
			timeout = 5;
		assert_true(poll(p, TTY_RELAY_NFDS, timeout) >= 0);
		tty_relay_handle(&f->t, p);
	}
}

/* What a reader of the slave gets from one read() now ("" for the end of
 * file, NULL when it would wait). */
static char *read_slave(Fixture *f)
{
	static char buf[256];
	struct pollfd p = { .fd = f->slave, .events = POLLIN };
	if (poll(&p, 1, 0) <= 0)
		return NULL;
	ssize_t n = read(f->slave, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = 0;
	return buf;
}

/* Runs the relay until the slave's reader gets something (at most ms);
 * what it gets, as read_slave(). */
static char *relay_until_read(Fixture *f, int ms)
{
	uint64_t end = now_mono_usec() + (uint64_t)ms * 1000;
	char *r;
	while (!(r = read_slave(f)) && now_mono_usec() < end)
		relay_for(f, 2);
	return r;
}

static void write_input(Fixture *f, const char *s, bool end)
{
	assert_int_equal(write_all(f->in[1], s, strlen(s)), 0);
	if (end)
		f->in[1] = safe_close(f->in[1]);
}

static void test_a_line_then_the_end_reads_as_the_line_then_end_of_file(void **state)
{
	Fixture *f = *state;
	write_input(f, "x\n", true);
	assert_string_equal(relay_until_read(f, 1000), "x\n");
	assert_string_equal(relay_until_read(f, 1000), "");
}

static void test_a_partial_line_is_handed_over_then_the_end_of_file(void **state)
{
	Fixture *f = *state;
	write_input(f, "x", true);
	assert_string_equal(relay_until_read(f, 1000), "x");
	assert_string_equal(relay_until_read(f, 1000), "");
}

static void test_the_end_is_typed_only_once_the_input_was_read(void **state)
{
	Fixture *f = *state;
	write_input(f, "a\nb\n", true);
	relay_for(f, 100);
	/* Nobody read: the lines wait, and no end-of-file character after
	 * them yet (typed now, a reader that made the terminal raw before
	 * reading would find a NUL instead). */
	assert_string_equal(read_slave(f), "a\n");
	assert_string_equal(read_slave(f), "b\n");
	assert_null(read_slave(f));
	assert_string_equal(relay_until_read(f, 1000), "");
}

static void test_every_read_at_the_end_sees_an_end_of_file(void **state)
{
	Fixture *f = *state;
	write_input(f, "", true);
	for (int i = 0; i < 3; i++)
		assert_string_equal(relay_until_read(f, 1000), "");
}

static void test_raw_mode_gets_one_ctrl_d_key_and_no_more(void **state)
{
	Fixture *f = *state;
	struct termios tio;
	assert_int_equal(tcgetattr(f->slave, &tio), 0);
	cfmakeraw(&tio);
	assert_int_equal(tcsetattr(f->slave, TCSANOW, &tio), 0);
	write_input(f, "ab", true);
	assert_string_equal(relay_until_read(f, 1000), "ab");
	assert_string_equal(relay_until_read(f, 1000), "\x04");
	/* Longer than the relay waits between two looks (250 ms). */
	relay_for(f, 600);
	assert_null(read_slave(f));
}

static void test_container_output_reaches_stdout(void **state)
{
	Fixture *f = *state;
	assert_int_equal(write_all(f->slave, "hello\n", 6), 0);
	relay_for(f, 50);
	char buf[16] = { 0 };
	/* ONLCR: the terminal's own output processing. */
	assert_int_equal(read(f->out[0], buf, sizeof(buf)), 7);
	assert_string_equal(buf, "hello\r\n");
}

static void test_a_reader_of_stdout_that_goes_away_hangs_up_the_terminal(void **state)
{
	Fixture *f = *state;
	signal(SIGPIPE, SIG_IGN);
	f->out[0] = safe_close(f->out[0]);
	assert_int_equal(write_all(f->slave, "hello\n", 6), 0);
	relay_for(f, 30);
	assert_true(f->t.master < 0);
	/* Hung up: the slave reads its end and cannot be written. */
	assert_string_equal(read_slave(f), "");
	assert_true(write(f->slave, "x", 1) < 0);
	assert_int_equal(errno, EIO);
	assert_false(f->t.reading_master);
	assert_false(f->t.input_open);
}

static void test_a_large_input_and_output_at_once_do_not_deadlock(void **state)
{
	Fixture *f = *state;
	/* 64 KiB each way, more than a pty and a pipe hold, with the relay
	 * the only thing moving data between them. */
	static char line[64];
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	int flags = fcntl(f->in[1], F_GETFL);
	assert_int_equal(fcntl(f->in[1], F_SETFL, flags | O_NONBLOCK), 0);
	assert_int_equal(fd_set_nonblock(f->slave), 0);
	assert_int_equal(fd_set_nonblock(f->out[0]), 0);
	size_t sent = 0, got_in = 0, wrote_out = 0, lines_out = 0;
	const size_t lines = 1024, total = lines * sizeof(line);
	uint64_t end = now_mono_usec() + 10 * 1000 * 1000;
	while ((got_in < total || lines_out < lines) && now_mono_usec() < end) {
		if (sent < total && write(f->in[1], line, sizeof(line)) > 0)
			sent += sizeof(line);
		char buf[4096];
		ssize_t n = read(f->slave, buf, sizeof(buf));
		if (n > 0)
			got_in += (size_t)n;
		if (wrote_out < total && write(f->slave, line, sizeof(line)) > 0)
			wrote_out += sizeof(line);
		n = read(f->out[0], buf, sizeof(buf));
		for (ssize_t i = 0; i < n; i++)
			lines_out += buf[i] == '\n';
		relay_for(f, 1);
	}
	assert_int_equal(got_in, total);
	assert_int_equal(lines_out, lines);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_a_line_then_the_end_reads_as_the_line_then_end_of_file),
		T(test_a_partial_line_is_handed_over_then_the_end_of_file),
		T(test_the_end_is_typed_only_once_the_input_was_read),
		T(test_every_read_at_the_end_sees_an_end_of_file),
		T(test_raw_mode_gets_one_ctrl_d_key_and_no_more),
		T(test_container_output_reaches_stdout),
		T(test_a_reader_of_stdout_that_goes_away_hangs_up_the_terminal),
		T(test_a_large_input_and_output_at_once_do_not_deadlock),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
