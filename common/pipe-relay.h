/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

/* Relaying a process's stdin, stdout and stderr through pipes of our own,
 * for `berth exec` without a terminal, as conmon does for podman: the
 * process never holds the caller's descriptors, so nothing in the
 * container can reopen the caller's file, directory or terminal through
 * /proc/self/fd/N, and once the relay has ended nothing can reach them.
 * Nothing here blocks: the caller's poll() loop, which also takes the
 * signals it forwards, stays awake whatever the process and the caller's
 * ends do.
 *
 *   pipe_relay_open()     makes the pipes; the process's ends to dup onto 0-2
 *   pipe_relay_pollfds()  what to poll, and the poll() timeout
 *   pipe_relay_handle()   after every poll(), whatever woke it
 *   pipe_relay_finish()   the process ended: see below
 *   pipe_relay_done()     ... and what it wrote is copied
 *   pipe_relay_end()      our ends closed
 *
 * The end of the caller's stdin closes the process's stdin pipe: it reads
 * its end of file. A caller's stdout or stderr that goes away (EPIPE)
 * closes the process's pipe: it gets EPIPE too, as it would have.
 *
 * When the process ends, the relay stops: its stdin pipe is closed, what
 * is in its stdout and stderr pipes at that moment is copied (all it
 * wrote, since a write to a pipe is there before the writer can exit;
 * nothing written after), and then those pipes are closed. A process it left behind that still
 * holds them reads the end of file and gets EPIPE (SIGPIPE) on writing. */

#define PIPE_RELAY_NFDS 6
#define PIPE_RELAY_BUF_SIZE 65536

typedef enum {
	PIPE_RELAY_STDIN,
	PIPE_RELAY_STDOUT,
	PIPE_RELAY_STDERR,
	_PIPE_RELAY_MAX,
} PipeRelayStream;

typedef struct {
	int from, to;          /* -EBADF once done with */
	bool own_from, own_to; /* ours to close; the caller's stdio is shared */
	bool chunked;          /* `to` is shared and blocking: see write_out() */
	bool draining;         /* the process ended: copy what is there, no more */
	size_t drain_left;     /* ... which is this much */
	size_t off, len;
	char buf[PIPE_RELAY_BUF_SIZE];
} PipeRelayCopy;

typedef struct {
	PipeRelayCopy c[_PIPE_RELAY_MAX];
} PipeRelay;

/* A relay of nothing: every pollfd stays -1, and it is done. */
void pipe_relay_init(PipeRelay *r);
/* Pipes between the caller's fds in, out and err and new ones for the
 * process, returned in ret_child[0..2] (close-on-exec: dup them onto 0-2;
 * close them in the caller once the process has them). When out and err
 * are the same file (a terminal, usually), the process gets one pipe for
 * both, so that what it writes keeps its order. */
int pipe_relay_open(PipeRelay *r, int in, int out, int err, int ret_child[3]);
/* Returns the poll() timeout in ms, -1 for none. */
int pipe_relay_pollfds(PipeRelay *r, struct pollfd p[PIPE_RELAY_NFDS]);
void pipe_relay_handle(PipeRelay *r, const struct pollfd p[PIPE_RELAY_NFDS]);
void pipe_relay_finish(PipeRelay *r);
bool pipe_relay_done(const PipeRelay *r);
void pipe_relay_end(PipeRelay *r);
