/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The control socket, <run>/<id>/ctl.sock: `berth stop` and `berth status`
 * talk to the supervisor through it. Each connection carries one fixed-size
 * request and gets one reply. */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cgroup.h"
#include "log.h"
#include "supervisor.h"
#include "util.h"

typedef struct {
	uv_pipe_t pipe;
	Supervisor *s;
	CtlRequest req;
	size_t got;
	uv_write_t write;
	CtlReply reply;
} CtlConn;

static void on_conn_closed(uv_handle_t *h)
{
	free(h->data);
}

static void conn_close(CtlConn *c)
{
	if (!uv_is_closing((uv_handle_t *)&c->pipe))
		uv_close((uv_handle_t *)&c->pipe, on_conn_closed);
}

static void on_written(uv_write_t *w, int status)
{
	(void)status;
	conn_close(w->data);
}

static void kill_container(Supervisor *s)
{
	if (s->end.exited)
		return;
	log_info("container did not stop within the grace period; killing it");
	int r = s->cgroup ? cgroup_kill(s->cgroup) : -ENOENT;
	if (r < 0)
		supervisor_signal(s, SIGKILL);
}

static void on_stop_timeout(uv_timer_t *t)
{
	kill_container(t->data);
}

int supervisor_stop(Supervisor *s, int sig, uint64_t timeout_ms)
{
	if (s->end.exited)
		return 0;
	if (sig <= 0)
		sig = s->stop_signal;
	/* A frozen container cannot handle its stop signal: thaw it first. */
	if (s->cgroup && cgroup_is_frozen(s->cgroup) > 0)
		(void)cgroup_freeze(s->cgroup, false, 1000);

	if (timeout_ms == 0) {
		kill_container(s);
		return 0;
	}
	supervisor_signal(s, sig);
	if (!s->ev.stop_timer.loop) {
		uv_timer_init(&s->ev.loop, &s->ev.stop_timer);
		s->ev.stop_timer.data = s;
	} else if (s->ev.stopping && uv_timer_get_due_in(&s->ev.stop_timer) < timeout_ms)
		return 0; /* a shorter grace is already running */
	s->ev.stopping = true;
	return uv_timer_start(&s->ev.stop_timer, on_stop_timeout, timeout_ms, 0);
}

static void handle_request(CtlConn *c)
{
	Supervisor *s = c->s;
	c->reply =
		(CtlReply){ .pid = s->pid, .exited = s->end.exited, .log_dropped = s->log.dropped };
	switch (c->req.type) {
	case CTL_STOP:
		if (c->req.signal < 0 || c->req.signal >= NSIG)
			c->reply.error = -EINVAL;
		else
			c->reply.error = supervisor_stop(s, c->req.signal, c->req.timeout_ms);
		break;
	case CTL_STATUS:
		break;
	default:
		c->reply.error = -EOPNOTSUPP;
	}
	c->reply.stopping = s->ev.stopping;
	uv_buf_t buf = uv_buf_init((char *)&c->reply, sizeof(c->reply));
	c->write.data = c;
	if (uv_write(&c->write, (uv_stream_t *)&c->pipe, &buf, 1, on_written) < 0)
		conn_close(c);
}

static void conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	CtlConn *c = h->data;
	(void)suggested;
	*buf = uv_buf_init((char *)&c->req + c->got, (unsigned)(sizeof(c->req) - c->got));
}

static void conn_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
	CtlConn *c = stream->data;
	(void)buf;
	if (n < 0) {
		conn_close(c);
		return;
	}
	c->got += (size_t)n;
	if (c->got < sizeof(c->req))
		return;
	uv_read_stop(stream);
	handle_request(c);
}

static void on_connection(uv_stream_t *server, int status)
{
	Supervisor *s = server->data;
	if (status < 0)
		return;
	CtlConn *c = calloc(1, sizeof(CtlConn));
	if (!c)
		return;
	c->s = s;
	uv_pipe_init(&s->ev.loop, &c->pipe, 0);
	c->pipe.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) < 0 ||
	    uv_read_start((uv_stream_t *)&c->pipe, conn_alloc, conn_read) < 0)
		conn_close(c);
}

int control_listen(Supervisor *s)
{
	if (s->ev.ctl_fd >= 0)
		return 0; /* listening already (spawn.c) */
	_cleanup_free_ char *dir = path_container_run_dir(&s->paths, s->id);
	if (!dir)
		return -ENOMEM;
	int r = mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	/* sun_path holds 108 bytes; a deep --root would not fit. Bind through
	 * the directory's fd instead, which is always short. */
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" CTL_SOCKET_NAME, dfd);
	(void)unlink(sa.sun_path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0)
		return -errno;
	(void)chmod(sa.sun_path, 0600);
	s->ev.ctl_fd = TAKE_FD(fd);
	return 0;
}

int control_start(Supervisor *s)
{
	if (s->ev.ctl_fd < 0)
		return -ENOTCONN;
	int r = uv_pipe_init(&s->ev.loop, &s->ev.ctl, 0);
	if (r < 0)
		return r;
	s->ev.ctl.data = s;
	r = uv_pipe_open(&s->ev.ctl, s->ev.ctl_fd);
	if (r >= 0) {
		s->ev.ctl_fd = -EBADF; /* the loop's now */
		r = uv_listen((uv_stream_t *)&s->ev.ctl, 8, on_connection);
	}
	if (r < 0) {
		uv_close((uv_handle_t *)&s->ev.ctl, NULL);
		return r;
	}
	/* The listener alone must not keep the loop (and us) alive. */
	uv_unref((uv_handle_t *)&s->ev.ctl);
	return 0;
}

void control_stop(Supervisor *s)
{
	_cleanup_free_ char *dir = path_container_run_dir(&s->paths, s->id);
	if (dir)
		(void)rm_rf(dir);
}
