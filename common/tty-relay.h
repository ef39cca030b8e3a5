/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

/* Relaying a container's terminal (the master of its pty) to the user's
 * stdin and stdout, for the foreground CLI and `berth exec -t`. Nothing
 * here blocks: the caller's poll() loop, which also takes the signals it
 * forwards, stays awake whatever the container, the input and the output
 * do (a container that reads nothing, a reader of our output that stalls).
 *
 *   tty_relay_begin()    takes the master; makes the user's terminal raw
 *   tty_relay_pollfds()  what to poll, and the poll() timeout
 *   tty_relay_handle()   after every poll(), whatever woke it
 *   tty_relay_finish()   the process ended: copy what it wrote last
 *   tty_relay_done()     ... that is copied
 *   tty_relay_end()      the user's terminal as it was; the master closed
 *
 * The end of the input (a pipe, a file, /dev/null) reaches the container
 * as its terminal's end-of-file character (VEOF), typed once the
 * container has read what came before it, as a user would type Ctrl-D.
 * A terminal of the user's that goes away (a hang-up: our stdin reads its
 * end, or EIO), and an output that goes away (EPIPE, EIO), hang up the
 * container's terminal. See tty-relay.c. */

#define TTY_RELAY_NFDS 3
/* PIPE_BUF: a write of at most this much after POLLOUT does not block on
 * a pipe (see write_output()). */
#define TTY_RELAY_BUF_SIZE 4096

typedef struct {
	int master; /* ours; -EBADF once hung up */
	int in, out, size_from;
	int peer; /* a slave descriptor of our own while the end of input is typed */
	bool raw; /* `in` is a terminal we made raw; saved is its mode */
	struct termios saved;
	bool reading_master, input_open, output_open;
	bool input_ended;   /* `in` reached its end, which is typed as VEOF */
	bool eof_typed_raw; /* ... and was typed once in raw mode */
	/* The last check found the reader waiting, with nothing to read:
	 * 1 in canonical mode, 2 in raw mode; 0 not. */
	int idle_mode;
	bool finishing;
	uint64_t eof_check_usec, drain_until_usec; /* CLOCK_MONOTONIC */
	unsigned eof_check_delay_ms;
	size_t in_off, in_len, out_off, out_len;
	char in_buf[TTY_RELAY_BUF_SIZE], out_buf[TTY_RELAY_BUF_SIZE];
} TtyRelay;

/* master < 0: no terminal, nothing to relay (every pollfd stays -1). */
void tty_relay_begin(TtyRelay *t, int master);
/* The same with other descriptors than stdin and stdout (tests). */
void tty_relay_begin_fds(TtyRelay *t, int master, int in, int out);
/* Returns the poll() timeout in ms, -1 for none. */
int tty_relay_pollfds(TtyRelay *t, struct pollfd p[TTY_RELAY_NFDS]);
void tty_relay_handle(TtyRelay *t, const struct pollfd p[TTY_RELAY_NFDS]);
/* SIGWINCH: the user's terminal changed its size. */
void tty_relay_winsize(TtyRelay *t);
void tty_relay_finish(TtyRelay *t);
bool tty_relay_done(const TtyRelay *t);
void tty_relay_end(TtyRelay *t);
