/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The supervisor's event loop, for the life of the container:
 *   - the container's pidfd: readable when it exits;
 *   - its stdout/stderr pipes (detached runs), copied to the log;
 *   - the sync socket to a foreground CLI: signals to forward;
 *   - SIGTERM/SIGINT/SIGHUP sent to the supervisor, passed on.
 * Every handle is closed through uv_close() and the loop must end empty. */

#include <malloc.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup.h"
#include "log.h"
#include "supervisor.h"
#include "util.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* After the container's init is gone, whatever still holds its output
 * pipes (nothing, normally: the PID namespace dies with it) gets this long
 * before we stop reading. */
#define DRAIN_TIMEOUT_MS 2000

/* An idle supervisor gives back its start-up memory this long after the
 * start: most `run --rm` containers are over by then, and their exit is
 * not made to wait for the work (0.1-0.2 ms). */
#define IDLE_AFTER_MS 1000

/* The heap start-up freed goes back (malloc_trim()). And most of this
 * binary is start-up code (SQLite, jansson, libseccomp are
 * linked in, configure.ac says why) that an idle supervisor does not run.
 * Its pages stay in our page tables, and, mapped by us alone, count whole
 * in our PSS: 1.5 MiB for one idle container. Unmap them
 * (drop_text_pages()). */
static void drop_startup_memory(void)
{
	(void)malloc_trim(0);
	drop_text_pages();
}

static void maybe_finish(Supervisor *s);

static void on_close_noop(uv_handle_t *h)
{
	(void)h;
}

static void close_handle(uv_handle_t *h)
{
	if (h->loop && !uv_is_closing(h))
		uv_close(h, on_close_noop);
}

static void on_stream_closed(uv_handle_t *h)
{
	Supervisor *s = h->data;
	s->ev.open_streams--;
	maybe_finish(s);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char buffer[65536];
	(void)h;
	(void)suggested;
	/* Reads are handled one at a time, so one static buffer serves both
	 * streams and keeps the idle supervisor's heap small. */
	*buf = uv_buf_init(buffer, sizeof(buffer));
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
	Supervisor *s = stream->data;
	if (n > 0) {
		ctr_log_write(s, stream == (uv_stream_t *)&s->ev.out_stream ? "stdout" : "stderr",
			      buf->base, (size_t)n);
		return;
	}
	if (n == 0)
		return;
	/* A pty master reads EIO once the last slave is closed: its EOF. */
	if (n != UV_EOF && n != UV_EIO)
		log_warning("read container output: %s", uv_strerror((int)n));
	uv_read_stop(stream);
	if (!uv_is_closing((uv_handle_t *)stream))
		uv_close((uv_handle_t *)stream, on_stream_closed);
}

static void on_drain_timeout(uv_timer_t *t)
{
	Supervisor *s = t->data;
	log_warning("container output still open %d ms after exit; closing it", DRAIN_TIMEOUT_MS);
	if (s->ev.out_stream.loop && !uv_is_closing((uv_handle_t *)&s->ev.out_stream))
		uv_close((uv_handle_t *)&s->ev.out_stream, on_stream_closed);
	if (s->ev.err_stream.loop && !uv_is_closing((uv_handle_t *)&s->ev.err_stream))
		uv_close((uv_handle_t *)&s->ev.err_stream, on_stream_closed);
}

static void on_child_exit(uv_poll_t *p, int status, int events)
{
	Supervisor *s = p->data;
	(void)status;
	(void)events;

	siginfo_t si = { 0 };
	if (waitid(P_PIDFD, (id_t)s->pidfd, &si, WEXITED | WNOHANG) < 0) {
		log_warning_errno(-errno, "collect the container's exit status: %m");
		si.si_code = CLD_KILLED;
		si.si_status = SIGKILL;
	} else if (si.si_pid == 0)
		return; /* spurious wake-up */

	s->end.exited = true;
	if (si.si_code == CLD_EXITED) {
		s->end.exit_code = si.si_status;
		s->end.exit_signal = 0;
	} else {
		s->end.exit_signal = si.si_status;
		/* Our SIGKILL for a signal its init would have died of. */
		if (si.si_status == SIGKILL && s->end.killed_for_signal > 0)
			s->end.exit_signal = s->end.killed_for_signal;
		s->end.exit_code = 128 + s->end.exit_signal;
	}
	uv_poll_stop(p);
	close_handle((uv_handle_t *)p);

	/* The PID namespace is gone with its init; kill the cgroup anyway in
	 * case the container shares a PID namespace and left processes. */
	if (s->cgroup)
		(void)cgroup_kill(s->cgroup);

	if (s->ev.open_streams > 0) {
		uv_timer_init(&s->ev.loop, &s->ev.drain_timer);
		s->ev.drain_timer.data = s;
		uv_timer_start(&s->ev.drain_timer, on_drain_timeout, DRAIN_TIMEOUT_MS, 0);
		uv_unref((uv_handle_t *)&s->ev.drain_timer);
	}
	maybe_finish(s);
}

static void on_sync(uv_poll_t *p, int status, int events)
{
	Supervisor *s = p->data;
	SyncMsg m;
	ssize_t n = -1;
	if (status >= 0) {
		n = recv(s->sync_fd, &m, sizeof(m), MSG_DONTWAIT);
		/* errno only of recv(): a poll error (status < 0) sets none. */
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
	}
	if (n == (ssize_t)sizeof(m)) {
		if (m.type == SYNC_SIGNAL && m.signal > 0 && m.signal < NSIG)
			supervisor_forward_signal(s, m.signal);
		return;
	}
	/* The CLI went away (end of file or junk): the container carries on,
	 * like a detached one; its exit is still recorded in the DB. */
	(void)events;
	uv_poll_stop(p);
	close_handle((uv_handle_t *)p);
	s->sync_fd = safe_close(s->sync_fd);
}

/* Default grace when someone stops us with SIGTERM (systemctl stop). */
#define SUPERVISOR_SIGTERM_GRACE_MS 10000

static void on_signal(uv_signal_t *h, int sig)
{
	Supervisor *s = h->data;
	/* SIGTERM to the supervisor means "stop the container" (systemctl
	 * stop): its stop signal, a grace period, then the cgroup is killed.
	 * Other signals are passed on as they are. */
	if (sig == SIGTERM)
		(void)supervisor_stop(s, 0, SUPERVISOR_SIGTERM_GRACE_MS);
	else
		supervisor_signal(s, sig);
}

static void on_idle(uv_timer_t *t)
{
	(void)t;
	drop_startup_memory();
}

static void maybe_finish(Supervisor *s)
{
	if (!s->end.exited || s->ev.open_streams > 0 || s->ev.finished)
		return;
	s->ev.finished = true;

	supervisor_finish(s);

	close_handle((uv_handle_t *)&s->ev.drain_timer);
	close_handle((uv_handle_t *)&s->ev.stop_timer);
	close_handle((uv_handle_t *)&s->ev.idle_timer);
	close_handle((uv_handle_t *)&s->ev.ctl);
	close_handle((uv_handle_t *)&s->ev.sync_poll);
	close_handle((uv_handle_t *)&s->ev.sig_term);
	close_handle((uv_handle_t *)&s->ev.sig_int);
	close_handle((uv_handle_t *)&s->ev.sig_hup);
}

static int open_stream(Supervisor *s, uv_pipe_t *stream, int fd)
{
	int r = uv_pipe_init(&s->ev.loop, stream, 0);
	if (r < 0)
		return r;
	stream->data = s;
	r = uv_pipe_open(stream, fd);
	if (r < 0)
		return r;
	s->ev.open_streams++;
	return uv_read_start((uv_stream_t *)stream, alloc_cb, on_read);
}

static int start_signal(Supervisor *s, uv_signal_t *h, int sig)
{
	int r = uv_signal_init(&s->ev.loop, h);
	if (r < 0)
		return r;
	h->data = s;
	r = uv_signal_start(h, on_signal, sig);
	if (r < 0)
		return r;
	/* Signal watchers alone must not keep the loop alive. */
	uv_unref((uv_handle_t *)h);
	return 0;
}

int supervisor_loop(Supervisor *s)
{
	int r = uv_loop_init(&s->ev.loop);
	if (r < 0)
		return log_error_errno(r, "uv_loop_init: %s", uv_strerror(r));

	r = uv_poll_init(&s->ev.loop, &s->ev.pidfd_poll, s->pidfd);
	if (r >= 0) {
		s->ev.pidfd_poll.data = s;
		r = uv_poll_start(&s->ev.pidfd_poll, UV_READABLE, on_child_exit);
	}
	if (r >= 0 && !s->foreground && s->tty_master >= 0) {
		/* A detached container with a terminal: its output is the pty's. */
		r = open_stream(s, &s->ev.out_stream, s->tty_master);
		if (r >= 0)
			s->tty_master = -EBADF;
	} else if (r >= 0 && !s->foreground) {
		r = open_stream(s, &s->ev.out_stream, s->out_pipe[0]);
		if (r >= 0) {
			s->out_pipe[0] = -EBADF;
			r = open_stream(s, &s->ev.err_stream, s->err_pipe[0]);
			if (r >= 0)
				s->err_pipe[0] = -EBADF;
		}
	}
	if (r >= 0 && s->sync_fd >= 0) {
		r = uv_poll_init(&s->ev.loop, &s->ev.sync_poll, s->sync_fd);
		if (r >= 0) {
			s->ev.sync_poll.data = s;
			r = uv_poll_start(&s->ev.sync_poll, UV_READABLE | UV_DISCONNECT, on_sync);
			uv_unref((uv_handle_t *)&s->ev.sync_poll);
		}
	}
	if (r >= 0) {
		r = control_start(s);
		if (r < 0 && r != -ENOTCONN) /* -ENOTCONN: said already */
			log_warning("control socket: %s; `berth stop` will kill the container "
				    "directly",
				    uv_strerror(r));
		r = 0;
	}
	if (r >= 0 && uv_timer_init(&s->ev.loop, &s->ev.idle_timer) >= 0) {
		(void)uv_timer_start(&s->ev.idle_timer, on_idle, IDLE_AFTER_MS, 0);
		uv_unref((uv_handle_t *)&s->ev.idle_timer);
	}
	if (r >= 0)
		r = start_signal(s, &s->ev.sig_term, SIGTERM);
	if (r >= 0)
		r = start_signal(s, &s->ev.sig_int, SIGINT);
	if (r >= 0)
		r = start_signal(s, &s->ev.sig_hup, SIGHUP);
	if (r < 0) {
		log_error("set up the event loop: %s", uv_strerror(r));
		/* Nothing can watch the container now: end it, and record it. */
		supervisor_signal(s, SIGKILL);
	}

	uv_run(&s->ev.loop, UV_RUN_DEFAULT);

	if (!s->ev.finished) {
		/* The loop ran dry without an exit (set-up failed above). */
		siginfo_t si = { 0 };
		if (waitid(P_PIDFD, (id_t)s->pidfd, &si, WEXITED) == 0) {
			s->end.exited = true;
			s->end.exit_code =
				si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
			s->end.exit_signal = si.si_code == CLD_EXITED ? 0 : si.si_status;
		}
		s->ev.open_streams = 0;
		maybe_finish(s);
	}
	close_handle((uv_handle_t *)&s->ev.pidfd_poll);
	close_handle((uv_handle_t *)&s->ev.out_stream);
	close_handle((uv_handle_t *)&s->ev.err_stream);
	uv_run(&s->ev.loop, UV_RUN_DEFAULT);
	r = uv_loop_close(&s->ev.loop);
	if (r < 0)
		log_warning("event loop did not close cleanly: %s", uv_strerror(r));
	return r;
}
