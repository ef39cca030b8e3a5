/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "pipe-relay.h"
#include "util.h"

static void close_from(PipeRelayCopy *c)
{
	if (c->own_from)
		safe_close(c->from);
	c->from = -EBADF;
}

static void close_to(PipeRelayCopy *c)
{
	if (c->own_to)
		safe_close(c->to);
	c->to = -EBADF;
}

/* Copies from `from` to `to`; either may be ours, the other is the
 * caller's (shared, so it stays blocking). */
static void copy_init(PipeRelayCopy *c, int from, bool own_from, int to, bool own_to)
{
	*c = (PipeRelayCopy){ .from = from, .own_from = own_from, .to = to, .own_to = own_to };
	/* A write to a shared, blocking descriptor after POLLOUT finds room
	 * for PIPE_BUF bytes in a pipe, and a file never waits: no more than
	 * that, or we could get stuck in write() while a signal waits. */
	struct stat st;
	c->chunked = !own_to && !(fstat(to, &st) == 0 && S_ISREG(st.st_mode));
}

void pipe_relay_init(PipeRelay *r)
{
	for (int k = 0; k < _PIPE_RELAY_MAX; k++)
		r->c[k] = (PipeRelayCopy){ .from = -EBADF, .to = -EBADF };
}

int pipe_relay_open(PipeRelay *r, int in, int out, int err, int ret_child[3])
{
	pipe_relay_init(r);
	struct stat so, se;
	bool merged = fstat(out, &so) == 0 && fstat(err, &se) == 0 && so.st_dev == se.st_dev &&
		      so.st_ino == se.st_ino;
	int p[3][2] = { { -EBADF, -EBADF }, { -EBADF, -EBADF }, { -EBADF, -EBADF } };
	int r_pipe = 0;
	for (int k = 0; k < (merged ? 2 : 3) && r_pipe == 0; k++)
		r_pipe = RET_NERRNO(pipe2(p[k], O_CLOEXEC));
	if (r_pipe < 0) {
		for (int k = 0; k < 3; k++) {
			safe_close(p[k][0]);
			safe_close(p[k][1]);
		}
		return r_pipe;
	}
	/* Ours are non-blocking; the process's ends are other open files. */
	(void)fd_set_nonblock(p[0][1]);
	(void)fd_set_nonblock(p[1][0]);
	copy_init(&r->c[PIPE_RELAY_STDIN], in, false, p[0][1], true);
	copy_init(&r->c[PIPE_RELAY_STDOUT], p[1][0], true, out, false);
	ret_child[0] = p[0][0];
	ret_child[1] = p[1][1];
	ret_child[2] = p[1][1];
	if (!merged) {
		(void)fd_set_nonblock(p[2][0]);
		copy_init(&r->c[PIPE_RELAY_STDERR], p[2][0], true, err, false);
		ret_child[2] = p[2][1];
	}
	return 0;
}

int pipe_relay_pollfds(PipeRelay *r, struct pollfd p[PIPE_RELAY_NFDS])
{
	int timeout = -1;
	for (int k = 0; k < _PIPE_RELAY_MAX; k++) {
		PipeRelayCopy *c = &r->c[k];
		bool want_in = c->from >= 0 && c->len == 0;
		/* Draining: what is left is read at once, without waiting. */
		if (want_in && c->draining)
			timeout = 0;
		p[2 * k] = (struct pollfd){ .fd = want_in && !c->draining ? c->from : -1,
					    .events = POLLIN };
		p[2 * k + 1] = (struct pollfd){ .fd = c->len > 0 ? c->to : -1, .events = POLLOUT };
	}
	return timeout;
}

static void read_in(PipeRelayCopy *c)
{
	size_t want = sizeof(c->buf);
	if (c->draining && c->drain_left < want)
		want = c->drain_left;
	ssize_t n = want > 0 ? read(c->from, c->buf, want) : 0;
	if (n > 0) {
		c->off = 0;
		c->len = (size_t)n;
		if (c->draining)
			c->drain_left -= (size_t)n;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR) && !c->draining)
		return;
	/* The end of the input (or an error reading it: no more input either
	 * way; from a terminal in the background it is EIO, as SIGTTIN is
	 * blocked), or all there was to drain. */
	close_from(c);
	close_to(c);
}

static void write_out(PipeRelayCopy *c)
{
	size_t size = c->len - c->off;
	if (c->chunked && size > PIPE_BUF)
		size = PIPE_BUF;
	ssize_t n = write(c->to, c->buf + c->off, size);
	if (n >= 0) {
		c->off += (size_t)n;
		if (c->off == c->len) {
			c->off = c->len = 0;
			if (c->from < 0)
				close_to(c);
		}
		return;
	}
	if (errno == EAGAIN || errno == EINTR)
		return;
	/* EPIPE (SIGPIPE is blocked or ignored by the caller), EIO: nobody
	 * reads any more. The process learns it as it would have, from a
	 * write to its closed pipe; a process that closed its stdin stops
	 * our reading the caller's. */
	c->off = c->len = 0;
	close_from(c);
	close_to(c);
}

void pipe_relay_handle(PipeRelay *r, const struct pollfd p[PIPE_RELAY_NFDS])
{
	for (int k = 0; k < _PIPE_RELAY_MAX; k++) {
		PipeRelayCopy *c = &r->c[k];
		if (c->len > 0 && c->to >= 0 && p[2 * k + 1].revents)
			write_out(c);
		if (c->from >= 0 && c->len == 0 && (p[2 * k].revents || c->draining))
			read_in(c);
		/* A `from` that ended with nothing left to write. */
		if (c->from < 0 && c->len == 0 && c->to >= 0)
			close_to(c);
	}
}

void pipe_relay_finish(PipeRelay *r)
{
	PipeRelayCopy *in = &r->c[PIPE_RELAY_STDIN];
	in->off = in->len = 0;
	close_from(in);
	close_to(in);
	for (int k = PIPE_RELAY_STDOUT; k < _PIPE_RELAY_MAX; k++) {
		PipeRelayCopy *c = &r->c[k];
		if (c->from < 0)
			continue;
		int n = 0;
		c->draining = true;
		c->drain_left = ioctl(c->from, FIONREAD, &n) == 0 && n > 0 ? (size_t)n : 0;
	}
}

bool pipe_relay_done(const PipeRelay *r)
{
	for (int k = 0; k < _PIPE_RELAY_MAX; k++)
		if (r->c[k].from >= 0 || (r->c[k].len > 0 && r->c[k].to >= 0))
			return false;
	return true;
}

void pipe_relay_end(PipeRelay *r)
{
	for (int k = 0; k < _PIPE_RELAY_MAX; k++) {
		close_from(&r->c[k]);
		close_to(&r->c[k]);
		r->c[k].off = r->c[k].len = 0;
	}
}
