/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Relaying a container's stdin, stdout and stderr, when it has no
 * terminal, to the descriptors of whoever ran it (the foreground CLI's
 * stdio). The container gets pipes that berth made for it, never a
 * descriptor of the caller's: container root reopens a descriptor through
 * /proc/self/fd/N, and with CAP_DAC_OVERRIDE and CAP_FOWNER a file, a
 * folder, a named FIFO or a terminal of the host's is then its to write,
 * read back, truncate, chmod or walk out of (docs/security.md). A pipe of
 * the caller's is no better: reopened, it is open in either direction.
 *
 *   stdio_relay_open()       makes the pipes; child[] are the container's ends
 *   stdio_relay_close_child() once they are handed on (after the fork)
 *   stdio_relay_pollfds()    what to poll, and the poll() timeout
 *   stdio_relay_handle()     after every poll(), whatever woke it
 *   stdio_relay_finish()     the container ended: what it did not read of
 *                            its input is given back; what it wrote is
 *                            copied, and nothing written after that
 *   stdio_relay_done()       ... all of it is copied
 *   stdio_relay_flush()      a start that failed: copy what output is there
 *   stdio_relay_end()        closes everything
 *
 * Nothing blocks, as in tty-relay.h: the caller's poll() loop also takes
 * the signals it forwards and the supervisor's messages. Input is taken
 * from the caller only as the container reads it, so that a container
 * that reads nothing takes nothing: of a pipe (tee(2), then only what was
 * read is taken out of it; past the first 64 KiB read, in bulk, a pipe
 * ahead) and of a file (its offset is set back) what it read, of a
 * terminal or a socket one read (a line) at most. An
 * output whose reader went away (EPIPE) is closed, so that the container
 * gets EPIPE (or SIGPIPE) as it would writing to it itself. See
 * stdio-relay.c. */

enum {
	STDIO_IN,
	STDIO_OUT,
	STDIO_ERR,
	_STDIO_MAX,
};

/* Two pollfds per stream: its source and its destination. */
#define STDIO_RELAY_NFDS (2 * _STDIO_MAX)

typedef enum {
	XFER_SPLICE, /* splice(2): one end a pipe of ours, the other a pipe or a file */
	XFER_TEE,    /* tee(2) from the caller's pipe, then what was read taken out */
	XFER_COPY,   /* read() and write() through buf */
} XferMode;

typedef struct {
	int src, dst; /* -EBADF once closed */
	int peer;     /* seekable input: a read end of our pipe, to see what is left in it */
	XferMode mode;
	bool input;   /* src is the caller's, dst our pipe to the container */
	bool src_tty; /* read only while we are in the terminal's foreground */
	bool src_sock, dst_sock;
	bool dst_small; /* may block: at most PIPE_BUF per POLLOUT */
	bool seekable;  /* input from a file: its offset is set back at the end */
	bool on_demand; /* input: more only once the container read the last */
	bool wait_dst;  /* dst could not take more: wait for POLLOUT */
	bool done;
	bool draining; /* output after the container's end: drain_left more, then closed */
	size_t drain_left;
	size_t teed;  /* XFER_TEE: in the container's pipe, not yet taken */
	size_t taken; /* XFER_TEE: read by the container, and taken */
	size_t off, len, size;
	char *buf; /* XFER_COPY */
} StdioStream;

typedef struct {
	StdioStream s[_STDIO_MAX];
	int child[_STDIO_MAX]; /* the container's ends; child[ERR] == child[OUT] when merged */
	int devnull;           /* where what the container read of a pipe is taken to */
	bool finishing;
} StdioRelay;

/* Nothing to relay, and nothing for stdio_relay_end() to close. */
#define STDIO_RELAY_INIT                                                                       \
	{                                                                                      \
		.s = { [0 ... _STDIO_MAX -                                                     \
			1] = { .src = -EBADF, .dst = -EBADF, .peer = -EBADF, .done = true } }, \
		.child = { -EBADF, -EBADF, -EBADF }, .devnull = -EBADF                         \
	}

/* in, out, err: the caller's descriptors (stdin, stdout, stderr). stdout
 * and stderr that are one open file (`2>&1`, a terminal) share one pipe,
 * so that the container's writes to both keep their order. */
int stdio_relay_open(StdioRelay *r, int in, int out, int err);
void stdio_relay_close_child(StdioRelay *r);
/* Returns the poll() timeout in ms, -1 for none. */
int stdio_relay_pollfds(StdioRelay *r, struct pollfd p[STDIO_RELAY_NFDS]);
void stdio_relay_handle(StdioRelay *r, const struct pollfd p[STDIO_RELAY_NFDS]);
void stdio_relay_finish(StdioRelay *r);
bool stdio_relay_done(const StdioRelay *r);
void stdio_relay_flush(StdioRelay *r);
void stdio_relay_end(StdioRelay *r);
