/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cleanup.h"
#include "tty.h"
#include "tty-relay.h"
#include "util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* After the process ended, its last output is copied until the master has
 * been quiet this long (or reads EIO: no slave is open any more). Something
 * the process left behind may hold the slave for ever (`exec -t` of a
 * command that starts a daemon). */
#define DRAIN_QUIET_MS 50
/* How soon to look again whether the container has read its input, so
 * that the end of it can be typed: at once after typing, then less and
 * less often while nothing reads (a container that never reads its
 * terminal costs four wake-ups a second). */
#define EOF_CHECK_MIN_MS 10
#define EOF_CHECK_MAX_MS 250

void tty_relay_begin_fds(TtyRelay *t, int master, int in, int out)
{
	*t = (TtyRelay){
		.master = master, .in = in, .out = out, .size_from = -EBADF, .peer = -EBADF
	};
	if (master < 0)
		return;
	t->reading_master = t->input_open = t->output_open = true;
	/* Raw: every key, Ctrl-C included, is the container's terminal's to
	 * interpret. */
	if (isatty(in))
		t->raw = tty_make_raw(in, &t->saved) >= 0;
	/* The size of whichever end is a terminal: `cmd | berth run -t` still
	 * shows on one. */
	t->size_from = isatty(in) ? in : isatty(out) ? out : -EBADF;
	tty_relay_winsize(t);
	/* Ours alone (the supervisor closed its copy): O_NONBLOCK changes
	 * nobody else's. Never on stdin or stdout, which we share. */
	(void)fd_set_nonblock(master);
}

void tty_relay_begin(TtyRelay *t, int master)
{
	tty_relay_begin_fds(t, master, STDIN_FILENO, STDOUT_FILENO);
}

void tty_relay_winsize(TtyRelay *t)
{
	if (t->master >= 0 && t->size_from >= 0)
		tty_copy_winsize(t->size_from, t->master);
}

static int ms_until(uint64_t when, uint64_t now)
{
	return when <= now ? 0 : (int)((when - now + 999) / 1000);
}

int tty_relay_pollfds(TtyRelay *t, struct pollfd p[TTY_RELAY_NFDS])
{
	short mev = 0;
	/* Never poll the master without wanting something of it: once the
	 * container's end is closed it reports POLLHUP for ever, and a
	 * poll() that returns at once is a busy loop. */
	if (t->reading_master && t->out_len == 0)
		mev |= POLLIN;
	if (t->in_len > 0)
		mev |= POLLOUT;
	p[0] = (struct pollfd){ .fd = mev ? t->master : -1, .events = mev };
	p[1] = (struct pollfd){ .fd = t->input_open && t->in_len == 0 ? t->in : -1,
				.events = POLLIN };
	p[2] = (struct pollfd){ .fd = t->output_open && t->out_len > 0 ? t->out : -1,
				.events = POLLOUT };

	uint64_t now = now_mono_usec();
	int timeout = -1;
	if (t->finishing && t->reading_master)
		timeout = ms_until(t->drain_until_usec, now);
	else if (t->input_ended && t->in_len == 0)
		timeout = ms_until(t->eof_check_usec, now);
	return timeout;
}

/* The user's terminal, or whoever read our output, is gone: so is the
 * container's terminal. Closing the last descriptor of the master hangs
 * up its slave, as a modem's dropped line did: the kernel sends SIGHUP to
 * the container's session, its reads see the end of file and its writes
 * fail with EIO. Most programs end on that; one that does not carries on
 * like a detached container's, until it ends or is stopped. */
static void hang_up(TtyRelay *t)
{
	t->master = safe_close(t->master);
	t->peer = safe_close(t->peer);
	t->reading_master = t->input_open = t->input_ended = false;
	t->in_len = t->in_off = 0;
}

static void write_output(TtyRelay *t)
{
	/* out is blocking (it is shared, so it stays so), but after POLLOUT a
	 * write of at most PIPE_BUF bytes finds room in a pipe, and a file
	 * never waits: we cannot get stuck here while a signal waits. (A
	 * terminal with less room than that, stopped with Ctrl-S, can hold
	 * us until it drains.) */
	ssize_t n = write(t->out, t->out_buf + t->out_off, t->out_len - t->out_off);
	if (n >= 0) {
		t->out_off += (size_t)n;
		if (t->out_off == t->out_len)
			t->out_off = t->out_len = 0;
		return;
	}
	if (errno == EAGAIN || errno == EINTR)
		return;
	/* EPIPE (SIGPIPE is the caller's to ignore), EIO: nobody reads. */
	t->output_open = false;
	t->out_len = t->out_off = 0;
	hang_up(t);
}

static void read_master(TtyRelay *t)
{
	ssize_t n = read(t->master, t->out_buf, sizeof(t->out_buf));
	if (n > 0) {
		t->out_off = 0;
		t->out_len = (size_t)n;
		if (t->finishing)
			t->drain_until_usec = now_mono_usec() + DRAIN_QUIET_MS * 1000;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EIO: every descriptor of the slave is closed. */
	t->reading_master = false;
}

static void write_master(TtyRelay *t)
{
	ssize_t n = write(t->master, t->in_buf + t->in_off, t->in_len - t->in_off);
	if (n >= 0) {
		t->in_off += (size_t)n;
		if (t->in_off == t->in_len)
			t->in_off = t->in_len = 0;
		return;
	}
	if (errno == EAGAIN || errno == EINTR)
		return;
	/* EIO: nothing in the container holds its terminal any more, so
	 * nothing will read what is left of the input. */
	t->input_open = t->input_ended = false;
	t->in_len = t->in_off = 0;
}

static void read_input(TtyRelay *t)
{
	ssize_t n = read(t->in, t->in_buf, sizeof(t->in_buf));
	if (n > 0) {
		t->in_off = 0;
		t->in_len = (size_t)n;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	t->input_open = false;
	if (t->raw) {
		/* A raw terminal has no end of file (Ctrl-D is a byte like any
		 * other): reading 0 or EIO from it means it was hung up. */
		hang_up(t);
		return;
	}
	/* The end of a pipe, a file or /dev/null (or an error reading it:
	 * no more input either way). */
	t->input_ended = true;
	t->idle_mode = 0;
	t->eof_check_delay_ms = EOF_CHECK_MIN_MS;
	t->eof_check_usec = now_mono_usec();
}

/* The end of the input, given to the container as its terminal can: as
 * the end-of-file character (VEOF, Ctrl-D), typed when nothing is left
 * for its reader to read, as a user at the terminal would type it. We
 * learn that from a descriptor of the slave of our own (TIOCGPTPEER):
 * poll() on it reports POLLIN while a reader would get something.
 *
 * Canonical mode (ICANON: `cat`, `read`, a shell without line editing):
 * a VEOF ends the line being typed, and at the start of a line it makes
 * the reader's read() return 0, its end of file. So after a partial line
 * (`printf x`) the first VEOF hands over the "x", the next one is the end
 * of file; and once that is read, a reader that reads again gets another,
 * as at the end of a pipe, where every read() returns 0 (`cat; cat`). We
 * type one whenever two checks in a row find nothing left to read, so the
 * first is typed only once the container has read all of the input, and
 * not while a line editor runs the command it read: typed earlier, it would
 * wait in the line discipline's buffer, where a program that switches
 * the terminal to raw mode before reading it (a shell's line editor)
 * gets a NUL byte instead of an end of file.
 *
 * Raw mode (no ICANON: bash's and busybox's line editors, full-screen
 * programs): the terminal has no end of file at all, and Ctrl-D is a key
 * like any other. We type it once, as the user would: line editors take
 * it, on an empty line, as the end of input and end; another program
 * gets a 0x04 byte and carries on, as it would at a terminal, until it
 * ends or berth is signalled. It is not repeated: in raw mode it is a
 * key press, not an end of file. Podman's conmon types nothing at all,
 * and such a run never ends (podman #8916, #23931); util-linux's
 * script(1) also waits for the slave to be read and then types one VEOF.
 *
 * What stays out of reach: a shell whose line editor reads the next
 * command after a long last one (`printf 'sleep 1\n' | berth run -t
 * busybox sh`) finds the VEOF that was typed while the command ran in
 * canonical mode, as a NUL. Scripts want a pipe, not a terminal: `berth
 * run` without -t. */
/* Whether the terminal's foreground process (its group's leader) sleeps,
 * as a reader waiting for input does; true when we cannot tell. */
static bool foreground_waits(int master)
{
	pid_t pgrp = tcgetpgrp(master);
	if (pgrp <= 0)
		return true;
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pgrp);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return true;
	buf[n] = 0;
	/* "pid (comm) S ...": comm may hold anything, so after its last ')'. */
	const char *end = strrchr(buf, ')');
	return !end || end[1] != ' ' || end[2] == 'S';
}

static void type_eof(TtyRelay *t)
{
	uint64_t now = now_mono_usec();
	if (now < t->eof_check_usec)
		return;
	if (t->peer < 0) {
		/* O_NOCTTY: it never becomes anybody's controlling terminal. */
		t->peer =
			ioctl(t->master, TIOCGPTPEER, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (t->peer < 0) {
			t->input_ended = false;
			return;
		}
	}
	struct pollfd p = { .fd = t->peer, .events = POLLIN };
	struct termios tio;
	unsigned delay = t->eof_check_delay_ms * 2;
	bool idle = poll(&p, 1, 0) == 0 && tcgetattr(t->master, &tio) == 0 &&
		    tio.c_cc[VEOF] != _POSIX_VDISABLE && foreground_waits(t->master);
	bool canonical = idle && (tio.c_lflag & ICANON);
	/* Waiting, in the same mode, at two checks in a row: a line editor
	 * (busybox sh, bash) is in raw mode while it takes in the line it
	 * read, and may flush the input when it goes to canonical mode to
	 * run the command, and back; a VEOF typed meanwhile is lost, or
	 * reaches it as a NUL. A reader that stays put gets it one check
	 * later. */
	int mode = !idle ? 0 : canonical ? 1 : 2;
	bool settled = mode != 0 && mode == t->idle_mode;
	t->idle_mode = mode;
	if (settled) {
		if (canonical || !t->eof_typed_raw) {
			t->in_buf[0] = (char)tio.c_cc[VEOF];
			t->in_off = 0;
			t->in_len = 1;
			t->eof_typed_raw = !canonical;
			t->idle_mode = 0;
			delay = EOF_CHECK_MIN_MS;
		}
	}
	t->eof_check_delay_ms = delay < EOF_CHECK_MAX_MS ? delay : EOF_CHECK_MAX_MS;
	t->eof_check_usec = now + t->eof_check_delay_ms * 1000ULL;
}

void tty_relay_handle(TtyRelay *t, const struct pollfd p[TTY_RELAY_NFDS])
{
	if (t->master < 0 && !t->output_open)
		return;
	if (p[2].revents && t->out_len > 0)
		write_output(t);
	if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && t->reading_master && t->out_len == 0)
		read_master(t);
	if ((p[0].revents & (POLLOUT | POLLHUP | POLLERR)) && t->in_len > 0)
		write_master(t);
	if (p[1].revents && t->input_open && t->in_len == 0)
		read_input(t);
	if (t->input_ended && t->in_len == 0 && t->master >= 0)
		type_eof(t);
	if (t->finishing && t->out_len == 0 && now_mono_usec() >= t->drain_until_usec)
		t->reading_master = false;
}

void tty_relay_finish(TtyRelay *t)
{
	t->finishing = true;
	t->input_open = t->input_ended = false;
	t->in_len = t->in_off = 0;
	t->peer = safe_close(t->peer);
	t->drain_until_usec = now_mono_usec() + DRAIN_QUIET_MS * 1000;
}

bool tty_relay_done(const TtyRelay *t)
{
	return !t->reading_master && (t->out_len == 0 || !t->output_open);
}

void tty_relay_end(TtyRelay *t)
{
	if (t->raw)
		tty_restore(t->in, &t->saved);
	t->raw = false;
	t->master = safe_close(t->master);
	t->peer = safe_close(t->peer);
}
