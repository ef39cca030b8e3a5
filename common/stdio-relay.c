/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kcmp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "stdio-relay.h"
#include "util.h"

/* How often to look again whether we are back in the foreground of the
 * terminal our input is, when we are not (a job put in the background). */
#define BACKGROUND_RECHECK_MS 250
/* One splice(2) moves at most this much; a pipe holds 64 KiB by default. */
#define SPLICE_CHUNK (1u << 20)
#define COPY_BUF_SIZE (64u * 1024)

static int fionread(int fd)
{
	int n = 0;
	return ioctl(fd, FIONREAD, &n) < 0 ? 0 : n;
}

/* Ours are the container's ends and the other end of each pipe: the
 * destination of the input, the source of an output. The caller's stay
 * open, whatever happens here. */
static void close_ours(StdioStream *st)
{
	if (st->input)
		st->dst = safe_close(st->dst);
	else
		st->src = safe_close(st->src);
	st->done = true;
	st->draining = false;
	st->off = st->len = 0;
	st->teed = 0;
	st->wait_dst = false;
}

/* stdout and stderr that are one open file description (a shell's `2>&1`,
 * a terminal opened once and duplicated) get one pipe: with two, the
 * relay would see a write to stderr before an earlier one to stdout
 * whenever both wait in their pipes at once. kcmp(2) says whether they are
 * one; where it is not there (seccomp, CONFIG_KCMP off), a terminal that is
 * both still is. */
static bool same_file(int a, int b)
{
	long r = syscall(SYS_kcmp, (pid_t)getpid(), (pid_t)getpid(), KCMP_FILE, a, b);
	if (r >= 0)
		return r == 0;
	struct stat sa, sb;
	return isatty(a) && isatty(b) && fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_rdev == sb.st_rdev;
}

static int alloc_buf(StdioStream *st, size_t size)
{
	if (!st->buf) {
		st->buf = malloc(size);
		if (!st->buf)
			return -ENOMEM;
		st->size = size;
	}
	return 0;
}

/* The pipe into the container holds one page: full as soon as anything is
 * in it, and writable (POLLOUT) again only once the container has read it
 * all. That is how we learn that it read, and when to give it more. */
static void pipe_one_page(int fd)
{
	(void)fcntl(fd, F_SETPIPE_SZ, (int)sysconf(_SC_PAGESIZE));
}

/* The container's stdin: a pipe, of which the caller's input is given only
 * as much as the container reads (stdio-relay.h):
 *   - the caller's pipe or FIFO: tee(2) copies into ours what is in it
 *     without taking it out; once the container has read our pipe empty,
 *     as much is taken out of the caller's (splice(2) to /dev/null), and
 *     what the container never read stays in the caller's pipe for the
 *     next reader (a `while read` loop around `berth run`, a `read` in
 *     the container). Past TEE_BULK_AFTER it is spliced in bulk;
 *   - a file: spliced in bulk, and at the end its offset is set back by
 *     what the container did not read, as a reader sharing it would have
 *     left it;
 *   - anything else (a terminal, a socket, a character device): one read
 *     at a time, the next once the container has read the last. What a
 *     container never reads of that is lost: at most one read, a line
 *     typed at a terminal. */
static int open_input(StdioRelay *r, int in)
{
	StdioStream *st = &r->s[STDIO_IN];
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	r->child[STDIO_IN] = p[0];
	*st = (StdioStream){ .src = in, .dst = p[1], .peer = -EBADF, .input = true };
	(void)fd_set_nonblock(p[1]);

	struct stat sb;
	if (fstat(in, &sb) < 0)
		sb.st_mode = 0;
	if (S_ISFIFO(sb.st_mode)) {
		r->devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (r->devnull < 0)
			return -errno;
		st->mode = XFER_TEE;
		st->on_demand = true;
		pipe_one_page(p[1]);
	} else if (S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode)) {
		st->mode = XFER_SPLICE;
		/* Our own read end: the container's end of file closes our
		 * write end, and after that this is what tells how much of
		 * the file is still in the pipe, unread. */
		st->seekable = lseek(in, 0, SEEK_CUR) >= 0;
		if (st->seekable) {
			st->peer = fcntl(p[0], F_DUPFD_CLOEXEC, 3);
			if (st->peer < 0)
				return -errno;
		}
	} else {
		st->mode = XFER_COPY;
		st->on_demand = true;
		st->src_tty = isatty(in);
		st->src_sock = S_ISSOCK(sb.st_mode);
		pipe_one_page(p[1]);
		int rr = alloc_buf(st, PIPE_BUF);
		if (rr < 0)
			return rr;
	}
	return 0;
}

/* The container's stdout or stderr: a pipe, spliced to the caller's pipe
 * or file (without a copy; a file opened O_APPEND takes no splice, and is
 * copied), copied to anything else. */
static int open_output(StdioRelay *r, int which, int out)
{
	StdioStream *st = &r->s[which];
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	r->child[which] = p[1];
	*st = (StdioStream){ .src = p[0], .dst = out, .peer = -EBADF };
	(void)fd_set_nonblock(p[0]);

	struct stat sb;
	if (fstat(out, &sb) < 0)
		sb.st_mode = 0;
	if (S_ISFIFO(sb.st_mode) || S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode))
		st->mode = XFER_SPLICE;
	else {
		st->mode = XFER_COPY;
		st->dst_sock = S_ISSOCK(sb.st_mode);
		/* Shared with others, so it stays blocking: after POLLOUT a
		 * write of PIPE_BUF bytes or less does not wait (tty-relay.c). */
		st->dst_small = isatty(out);
		return alloc_buf(st, COPY_BUF_SIZE);
	}
	return 0;
}

int stdio_relay_open(StdioRelay *r, int in, int out, int err)
{
	*r = (StdioRelay)STDIO_RELAY_INIT;
	int ret = open_input(r, in);
	if (ret >= 0)
		ret = open_output(r, STDIO_OUT, out);
	if (ret >= 0 && same_file(out, err))
		r->child[STDIO_ERR] = r->child[STDIO_OUT];
	else if (ret >= 0)
		ret = open_output(r, STDIO_ERR, err);
	if (ret < 0) {
		stdio_relay_end(r);
		return ret;
	}
	return 0;
}

void stdio_relay_close_child(StdioRelay *r)
{
	if (r->child[STDIO_ERR] == r->child[STDIO_OUT])
		r->child[STDIO_ERR] = -EBADF;
	for (int i = 0; i < _STDIO_MAX; i++)
		r->child[i] = safe_close(r->child[i]);
}

/* Reading a terminal whose foreground we are not in (berth put in the
 * background by its shell) would stop us with SIGTTIN, and the output
 * would stop with us: wait to be in the foreground again. A terminal that
 * is not our controlling one has no foreground for us. */
static bool tty_background(int fd)
{
	pid_t pg = tcgetpgrp(fd);
	return pg > 0 && pg != getpgrp();
}

/* What the container read of the input, taken out of the caller's pipe;
 * the rest of it (still in ours) stays there. */
static void tee_take_read(StdioRelay *r, StdioStream *st)
{
	size_t left = (size_t)fionread(st->dst);
	size_t read = st->teed > left ? st->teed - left : 0;
	for (size_t taken = 0; taken < read;) {
		ssize_t n =
			splice(st->src, NULL, r->devnull, NULL, read - taken, SPLICE_F_NONBLOCK);
		if (n <= 0)
			break; /* someone else read it (n < 0), or it is gone */
		taken += (size_t)n;
	}
	st->teed = left;
	st->taken += read;
}

/* A container that has read this much of the caller's pipe reads it in
 * bulk (cat, tar, a checksum), and a page at a time costs it: 5 µs a
 * page here, 200 MB/s at most. From then on our pipe is filled ahead,
 * by splice(2), as far as it holds; only what a container leaves unread
 * after this much is lost to the caller's next reader, at most one pipe
 * (64 KiB). */
#define TEE_BULK_AFTER (64u * 1024)

static void tee_to_bulk(StdioStream *st)
{
	if (st->teed > 0 || st->taken < TEE_BULK_AFTER)
		return;
	(void)fcntl(st->dst, F_SETPIPE_SZ, (int)COPY_BUF_SIZE);
	st->mode = XFER_SPLICE;
	st->on_demand = false;
	st->wait_dst = false;
}

/* The container will read no more of its input (it ended, or closed its
 * stdin): what it did not read goes back to the caller where it can. */
static void give_back(StdioRelay *r, StdioStream *st)
{
	if (!st->input)
		return;
	if (st->seekable && st->peer >= 0) {
		/* Also after the end of the file, which the container may
		 * not have read to. */
		off_t unread = (off_t)fionread(st->peer) + (off_t)(st->len - st->off);
		if (unread > 0)
			(void)lseek(st->src, -unread, SEEK_CUR);
		st->peer = safe_close(st->peer);
	}
	if (st->done)
		return;
	if (st->mode == XFER_TEE)
		tee_take_read(r, st);
	close_ours(st);
}

/* The end of a stream: the input's makes the container read its end of
 * file; an output whose caller's side went away (EPIPE, a full disk) is
 * closed, and the container's next write to it fails with EPIPE. */
static void stream_end(StdioRelay *r, StdioStream *st)
{
	if (st->input)
		give_back(r, st);
	else
		close_ours(st);
}

static void to_copy(StdioStream *st)
{
	if (alloc_buf(st, st->on_demand ? PIPE_BUF : COPY_BUF_SIZE) < 0) {
		close_ours(st);
		return;
	}
	st->mode = XFER_COPY;
	st->wait_dst = false;
}

static void step_splice(StdioRelay *r, StdioStream *st)
{
	size_t want = st->draining && st->drain_left < SPLICE_CHUNK ? st->drain_left : SPLICE_CHUNK;
	ssize_t n = splice(st->src, NULL, st->dst, NULL, want, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
	if (n > 0) {
		st->wait_dst = false;
		if (st->draining && (st->drain_left -= (size_t)n) == 0)
			close_ours(st);
		return;
	}
	if (n == 0) {
		/* The end of the input (the container's end of file), or of
		 * the output (nothing in the container holds it any more). */
		close_ours(st);
		return;
	}
	switch (errno) {
	case EINTR:
		return;
	case EAGAIN:
		/* Nothing to read, or no room where it goes: the input's
		 * source is a file, which always has something. */
		st->wait_dst = st->input || fionread(st->src) > 0;
		return;
	case EINVAL:
	case ENOSYS:
		/* No splice between these two (a file opened O_APPEND). */
		to_copy(st);
		return;
	default:
		/* EPIPE: the reader went away; or EIO, ENOSPC: so did its
		 * room. */
		stream_end(r, st);
	}
}

static void step_tee(StdioRelay *r, StdioStream *st, short src_ev, short dst_ev)
{
	if (st->teed > 0) {
		if (!(dst_ev & POLLOUT))
			return;
		tee_take_read(r, st);
		if (st->teed > 0)
			return;
		tee_to_bulk(st);
		if (st->mode != XFER_TEE)
			return;
		/* Read: the next at once (tee() does not wait), rather than
		 * after another poll(). */
	} else if (!src_ev)
		return;
	ssize_t n = tee(st->src, st->dst, SPLICE_CHUNK, SPLICE_F_NONBLOCK);
	if (n > 0)
		st->teed = (size_t)n;
	else if (n == 0)
		close_ours(st); /* the caller's pipe ended, and so does ours */
	else if (errno == EINVAL)
		to_copy(st); /* (not a pipe after all) */
	else if (errno != EAGAIN && errno != EINTR)
		stream_end(r, st);
}

static void step_copy(StdioRelay *r, StdioStream *st, short src_ev, short dst_ev)
{
	if (st->len > st->off) {
		/* Our own pipe (the input's) takes what it can at any time. */
		if (!st->input && !(dst_ev & (POLLOUT | POLLERR | POLLHUP)))
			return;
		size_t len = st->len - st->off;
		if (st->dst_small && len > PIPE_BUF)
			len = PIPE_BUF;
		ssize_t n = st->dst_sock ? send(st->dst, st->buf + st->off, len,
						MSG_DONTWAIT | MSG_NOSIGNAL)
					 : write(st->dst, st->buf + st->off, len);
		if (n > 0) {
			st->off += (size_t)n;
			if (st->off == st->len) {
				st->off = st->len = 0;
				/* More input once the container has read this. */
				st->wait_dst = st->on_demand;
				if (st->draining && st->drain_left == 0)
					close_ours(st);
			}
		} else if (n < 0 && errno == EAGAIN && st->input)
			st->wait_dst = true;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			stream_end(r, st);
		return;
	}
	if (st->wait_dst) {
		if (dst_ev & POLLOUT)
			st->wait_dst = false;
		return;
	}
	if (!src_ev)
		return;
	size_t want = st->draining && st->drain_left < st->size ? st->drain_left : st->size;
	ssize_t n = st->src_sock ? recv(st->src, st->buf, want, MSG_DONTWAIT)
				 : read(st->src, st->buf, want);
	if (n > 0) {
		st->off = 0;
		st->len = (size_t)n;
		if (st->draining)
			st->drain_left -= (size_t)n;
		if (st->input)
			step_copy(r, st, 0, POLLOUT);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		/* The end of the input or of the output (or an error reading
		 * it: EIO from a terminal that hung up, no more either way). */
		close_ours(st);
	}
}

int stdio_relay_pollfds(StdioRelay *r, struct pollfd p[STDIO_RELAY_NFDS])
{
	int timeout = -1;
	for (int i = 0; i < _STDIO_MAX; i++) {
		StdioStream *st = &r->s[i];
		struct pollfd *ps = &p[2 * i], *pd = &p[2 * i + 1];
		*ps = (struct pollfd){ .fd = -1 };
		*pd = (struct pollfd){ .fd = -1 };
		if (st->done)
			continue;
		bool want_dst = st->wait_dst || (st->mode == XFER_TEE && st->teed > 0) ||
				(st->mode == XFER_COPY && st->len > st->off);
		if (want_dst)
			*pd = (struct pollfd){ .fd = st->dst, .events = POLLOUT };
		else if (st->input)
			/* No events: POLLERR alone, which says that nothing in
			 * the container reads its stdin any more. */
			*pd = (struct pollfd){ .fd = st->dst };
		if (!want_dst) {
			if (st->src_tty && tty_background(st->src))
				timeout = BACKGROUND_RECHECK_MS;
			else
				*ps = (struct pollfd){ .fd = st->src, .events = POLLIN };
		}
	}
	return timeout;
}

void stdio_relay_handle(StdioRelay *r, const struct pollfd p[STDIO_RELAY_NFDS])
{
	for (int i = 0; i < _STDIO_MAX; i++) {
		StdioStream *st = &r->s[i];
		short src_ev = p[2 * i].fd >= 0 ? p[2 * i].revents : 0;
		short dst_ev = p[2 * i + 1].fd >= 0 ? p[2 * i + 1].revents : 0;
		if (st->done || (!src_ev && !dst_ev))
			continue;
		/* Nobody reads the container's stdin any more: it closed it,
		 * or it ended. */
		if (st->input && (dst_ev & POLLERR)) {
			give_back(r, st);
			continue;
		}
		switch (st->mode) {
		case XFER_SPLICE:
			if (st->wait_dst ? dst_ev : src_ev)
				step_splice(r, st);
			break;
		case XFER_TEE:
			step_tee(r, st, src_ev, dst_ev);
			break;
		case XFER_COPY:
			step_copy(r, st, src_ev, dst_ev);
			break;
		}
	}
}

void stdio_relay_finish(StdioRelay *r)
{
	if (r->finishing)
		return;
	r->finishing = true;
	give_back(r, &r->s[STDIO_IN]);
	/* What the container wrote is in its pipes by now: a write to a
	 * pipe is there before the writer can exit, and every process that
	 * held them is gone (its PID namespace went with its init; an exec'd
	 * process is the one waited for). That much is copied, and no more:
	 * a process left behind that holds the pipes yet (one that `berth
	 * exec` started, or a run that shares the host's PID namespace)
	 * reaches the caller no longer, and reads the end of file, or gets
	 * EPIPE, once they are closed. */
	for (int i = STDIO_OUT; i < _STDIO_MAX; i++) {
		StdioStream *st = &r->s[i];
		if (st->done)
			continue;
		st->draining = true;
		st->drain_left = (size_t)fionread(st->src);
		if (st->drain_left == 0 && st->len == st->off)
			close_ours(st);
	}
}

bool stdio_relay_done(const StdioRelay *r)
{
	for (int i = 0; i < _STDIO_MAX; i++)
		if (!r->s[i].done)
			return false;
	return true;
}

void stdio_relay_flush(StdioRelay *r)
{
	stdio_relay_finish(r);
	/* Only what is there now: a supervisor that failed may hold the
	 * pipes yet. */
	for (int i = 0; i < 64 && !stdio_relay_done(r); i++) {
		struct pollfd p[STDIO_RELAY_NFDS];
		(void)stdio_relay_pollfds(r, p);
		if (poll(p, STDIO_RELAY_NFDS, 0) <= 0)
			break;
		stdio_relay_handle(r, p);
	}
}

void stdio_relay_end(StdioRelay *r)
{
	stdio_relay_close_child(r);
	for (int i = 0; i < _STDIO_MAX; i++) {
		StdioStream *st = &r->s[i];
		if (!st->done)
			close_ours(st);
		st->peer = safe_close(st->peer);
		free(st->buf);
		st->buf = NULL;
	}
	r->devnull = safe_close(r->devnull);
}
