/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the control socket and stopping (supervisor/control.c):
 * the socket made where `berth stop` looks for it, also under a --root
 * too deep for sun_path; one fixed-size request (even in pieces), one
 * reply; bad signals and unknown requests refused; a stop that signals,
 * then kills after its grace period, and never lengthens a shorter grace
 * already running. Against a libuv loop and a child process of the
 * test's own, which stands for the container's init. */
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "supervisor.h"
#include "util.h"

typedef struct {
	char root[512];
	char log_path[600];
	int log_fd;
	uv_timer_t keepalive; /* the pidfd's poll does this in the supervisor */
	pid_t child;
	Supervisor s;
} Fixture;

static void on_keepalive(uv_timer_t *t)
{
	(void)t;
	fail_msg("the test took a minute");
}

static int setup_in(void **state, size_t depth)
{
	Fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/test-control.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	/* A --root deeper than sun_path's 108 bytes. */
	for (size_t i = 0; i < depth; i++) {
		strcat(f->root, "/a-rather-long-folder-name-0123456789");
		assert_int_equal(mkdir(f->root, 0700), 0);
	}
	Supervisor *s = &f->s;
	assert_int_equal(paths_init(&s->paths, f->root), 0);
	s->id = (char *)"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	s->ev.ctl_fd = s->pidfd = s->sync_fd = -EBADF;
	s->stop_signal = SIGTERM;
	s->pid = 4321;
	assert_int_equal(uv_loop_init(&s->ev.loop), 0);
	assert_int_equal(uv_timer_init(&s->ev.loop, &f->keepalive), 0);
	assert_int_equal(uv_timer_start(&f->keepalive, on_keepalive, 60000, 0), 0);
	snprintf(f->log_path, sizeof(f->log_path), "%.512s/log", f->root);
	f->log_fd = open(f->log_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(f->log_fd >= 0);
	log_set_fd(f->log_fd);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_in(state, 0);
}

static int setup_deep(void **state)
{
	return setup_in(state, 4);
}

static void close_if_open(uv_handle_t *h)
{
	if (h->loop && !uv_is_closing(h))
		uv_close(h, NULL);
}

static int teardown(void **state)
{
	Fixture *f = *state;
	Supervisor *s = &f->s;
	log_set_fd(STDERR_FILENO);
	close_if_open((uv_handle_t *)&f->keepalive);
	close_if_open((uv_handle_t *)&s->ev.ctl);
	close_if_open((uv_handle_t *)&s->ev.stop_timer);
	assert_int_equal(uv_run(&s->ev.loop, UV_RUN_DEFAULT), 0);
	/* Every connection was freed in its close callback. */
	assert_int_equal(uv_loop_close(&s->ev.loop), 0);
	safe_close(s->ev.ctl_fd);
	safe_close(s->pidfd);
	if (f->child > 0) {
		kill(f->child, SIGKILL);
		waitpid(f->child, NULL, 0);
	}
	safe_close(f->log_fd);
	/* The root's first component, made by mkdtemp(). */
	char top[64];
	snprintf(top, sizeof(top), "%.24s", f->root);
	assert_int_equal(rm_rf(top), 0);
	paths_done(&s->paths);
	free(f);
	return 0;
}

static char *logged(Fixture *f)
{
	char *text = NULL;
	assert_int_equal(read_full_file(f->log_path, &text, NULL), 0);
	return text;
}

static bool log_has(Fixture *f, const char *text)
{
	_cleanup_free_ char *log = logged(f);
	return strstr(log, text);
}

static char *socket_path(Fixture *f)
{
	_cleanup_free_ char *run = path_container_run_dir(&f->s.paths, f->s.id);
	char *p = NULL;
	assert_true(asprintf(&p, "%s/" CTL_SOCKET_NAME, run) > 0);
	return p;
}

/* Connects as `berth stop` does (through the folder's fd: the path may
 * be too long for sun_path). */
static int connect_ctl(Fixture *f)
{
	_cleanup_free_ char *run = path_container_run_dir(&f->s.paths, f->s.id);
	_cleanup_close_ int dfd = open(run, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" CTL_SOCKET_NAME, dfd);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void listen_and_serve(Fixture *f)
{
	assert_int_equal(control_listen(&f->s), 0);
	assert_int_equal(control_start(&f->s), 0);
	assert_int_equal(f->s.ev.ctl_fd, -EBADF);
}

/* Runs the loop until fd is readable (or 5 s). */
static void serve_until_readable(Fixture *f, int fd)
{
	for (int i = 0; i < 500; i++) {
		uv_run(&f->s.ev.loop, UV_RUN_NOWAIT);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 10) > 0)
			return;
	}
	fail_msg("no reply from the control socket");
}

static CtlReply ask(Fixture *f, const CtlRequest *req)
{
	_cleanup_close_ int fd = connect_ctl(f);
	assert_int_equal(write(fd, req, sizeof(*req)), sizeof(*req));
	serve_until_readable(f, fd);
	CtlReply reply;
	assert_int_equal(read(fd, &reply, sizeof(reply)), sizeof(reply));
	/* One request a connection: then it is closed. */
	char c;
	serve_until_readable(f, fd);
	assert_int_equal(read(fd, &c, 1), 0);
	return reply;
}

/* A child standing for the container's init: sig_exit makes it exit with
 * 40 + that signal, SIGTERM is ignored unless it is sig_exit. */
static void on_sig(int sig)
{
	_exit(40 + sig);
}

static void start_child(Fixture *f, int sig_exit)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	f->child = fork();
	assert_true(f->child >= 0);
	if (f->child == 0) {
		signal(SIGTERM, SIG_IGN);
		if (sig_exit)
			signal(sig_exit, on_sig);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	f->s.pid = f->child;
	f->s.pidfd = (int)syscall(SYS_pidfd_open, f->child, 0);
	assert_true(f->s.pidfd >= 0);
}

static int wait_child(Fixture *f)
{
	int status;
	assert_int_equal(waitpid(f->child, &status, 0), f->child);
	f->child = 0;
	return status;
}

static void test_serving_needs_a_socket_first(void **state)
{
	Fixture *f = *state;
	assert_int_equal(control_start(&f->s), -ENOTCONN);
}

static void test_the_socket_is_private_and_listening_twice_is_once(void **state)
{
	Fixture *f = *state;
	assert_int_equal(control_listen(&f->s), 0);
	int fd = f->s.ev.ctl_fd;
	assert_true(fd >= 0);
	assert_int_equal(control_listen(&f->s), 0);
	assert_int_equal(f->s.ev.ctl_fd, fd);
	_cleanup_free_ char *path = socket_path(f);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_a_stale_socket_file_is_replaced(void **state)
{
	Fixture *f = *state;
	/* A supervisor killed before it could remove its socket. */
	_cleanup_free_ char *run = path_container_run_dir(&f->s.paths, f->s.id);
	assert_int_equal(mkdir_p(run, 0700), 0);
	_cleanup_free_ char *path = socket_path(f);
	assert_int_equal(write_file(path, "", 0, O_CREAT, 0600), 0);
	listen_and_serve(f);
	CtlReply r = ask(f, &(CtlRequest){ .type = CTL_STATUS });
	assert_int_equal(r.error, 0);
}

static void test_status_tells_pid_exit_and_dropped_output(void **state)
{
	Fixture *f = *state;
	f->s.log.dropped = 12345;
	listen_and_serve(f);
	CtlReply r = ask(f, &(CtlRequest){ .type = CTL_STATUS });
	assert_int_equal(r.error, 0);
	assert_int_equal(r.pid, 4321);
	assert_int_equal(r.exited, 0);
	assert_int_equal(r.stopping, 0);
	assert_int_equal(r.log_dropped, 12345);
	f->s.end.exited = true;
	r = ask(f, &(CtlRequest){ .type = CTL_STATUS });
	assert_int_equal(r.exited, 1);
}

static void test_a_socket_under_a_root_too_deep_for_sun_path_works(void **state)
{
	Fixture *f = *state;
	_cleanup_free_ char *path = socket_path(f);
	assert_true(strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path));
	listen_and_serve(f);
	CtlReply r = ask(f, &(CtlRequest){ .type = CTL_STATUS });
	assert_int_equal(r.pid, 4321);
}

static void test_a_request_in_pieces_is_answered_once_whole(void **state)
{
	Fixture *f = *state;
	listen_and_serve(f);
	_cleanup_close_ int fd = connect_ctl(f);
	CtlRequest req = { .type = CTL_STATUS };
	assert_int_equal(write(fd, &req, 5), 5);
	for (int i = 0; i < 20; i++)
		uv_run(&f->s.ev.loop, UV_RUN_NOWAIT);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 50), 0);
	assert_int_equal(write(fd, (char *)&req + 5, sizeof(req) - 5), sizeof(req) - 5);
	serve_until_readable(f, fd);
	CtlReply r;
	assert_int_equal(read(fd, &r, sizeof(r)), sizeof(r));
	assert_int_equal(r.pid, 4321);
}

static void test_a_client_that_leaves_early_costs_nothing(void **state)
{
	Fixture *f = *state;
	listen_and_serve(f);
	int fd = connect_ctl(f);
	assert_int_equal(write(fd, "ab", 2), 2);
	close(fd);
	for (int i = 0; i < 20; i++)
		uv_run(&f->s.ev.loop, UV_RUN_NOWAIT);
	/* Still serving; teardown checks the connection was freed. */
	CtlReply r = ask(f, &(CtlRequest){ .type = CTL_STATUS });
	assert_int_equal(r.pid, 4321);
}

static void test_an_unknown_request_is_not_supported(void **state)
{
	Fixture *f = *state;
	listen_and_serve(f);
	CtlReply r = ask(f, &(CtlRequest){ .type = 99 });
	assert_int_equal(r.error, -EOPNOTSUPP);
	assert_int_equal(r.pid, 4321);
	r = ask(f, &(CtlRequest){ .type = 0 });
	assert_int_equal(r.error, -EOPNOTSUPP);
}

static void test_a_stop_with_a_bad_signal_is_refused_and_sends_nothing(void **state)
{
	Fixture *f = *state;
	start_child(f, SIGUSR1);
	listen_and_serve(f);
	const int bad[] = { -1, NSIG, 1000, INT32_MIN };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		CtlReply r =
			ask(f,
			    &(CtlRequest){ .type = CTL_STOP, .signal = bad[i], .timeout_ms = 0 });
		assert_int_equal(r.error, -EINVAL);
		assert_int_equal(r.stopping, 0);
	}
	/* The child is still there. */
	assert_int_equal(waitpid(f->child, NULL, WNOHANG), 0);
}

static void test_a_stop_signals_then_kills_after_the_grace(void **state)
{
	Fixture *f = *state;
	start_child(f, 0); /* ignores SIGTERM */
	listen_and_serve(f);
	CtlReply r = ask(f, &(CtlRequest){ .type = CTL_STOP, .signal = 0, .timeout_ms = 100 });
	assert_int_equal(r.error, 0);
	assert_int_equal(r.stopping, 1);
	assert_true(f->s.ev.stopping);
	/* Not yet killed. */
	assert_int_equal(waitpid(f->child, NULL, WNOHANG), 0);
	uint64_t start = now_mono_usec();
	for (int i = 0; i < 300 && !log_has(f, "killing it"); i++) {
		uv_run(&f->s.ev.loop, UV_RUN_NOWAIT);
		usleep(10000);
	}
	assert_true(now_mono_usec() - start >= 50 * 1000);
	int status = wait_child(f);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	_cleanup_free_ char *log = logged(f);
	assert_string_equal(log,
			    "berth: container did not stop within the grace period; killing it\n");
}

static void test_a_stop_sends_the_containers_stop_signal_by_default(void **state)
{
	Fixture *f = *state;
	start_child(f, SIGUSR2);
	f->s.stop_signal = SIGUSR2;
	assert_int_equal(supervisor_stop(&f->s, 0, 10000), 0);
	int status = wait_child(f);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 40 + SIGUSR2);
}

static void test_a_stop_without_grace_kills_at_once(void **state)
{
	Fixture *f = *state;
	start_child(f, SIGTERM);
	assert_int_equal(supervisor_stop(&f->s, SIGTERM, 0), 0);
	int status = wait_child(f);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_false(f->s.ev.stopping);
	assert_null(f->s.ev.stop_timer.loop);
}

static void test_a_longer_grace_never_replaces_a_shorter_one(void **state)
{
	Fixture *f = *state;
	start_child(f, 0);
	assert_int_equal(supervisor_stop(&f->s, SIGTERM, 5000), 0);
	assert_true(uv_timer_get_due_in(&f->s.ev.stop_timer) <= 5000);
	assert_int_equal(supervisor_stop(&f->s, SIGTERM, 60000), 0);
	assert_true(uv_timer_get_due_in(&f->s.ev.stop_timer) <= 5000);
	/* A shorter one does. */
	assert_int_equal(supervisor_stop(&f->s, SIGTERM, 1000), 0);
	assert_true(uv_timer_get_due_in(&f->s.ev.stop_timer) <= 1000);
	assert_true(f->s.ev.stopping);
}

static void test_stopping_an_ended_container_does_nothing(void **state)
{
	Fixture *f = *state;
	start_child(f, SIGTERM);
	f->s.end.exited = true;
	assert_int_equal(supervisor_stop(&f->s, SIGTERM, 0), 0);
	assert_int_equal(supervisor_stop(&f->s, SIGTERM, 100), 0);
	assert_null(f->s.ev.stop_timer.loop);
	assert_false(f->s.ev.stopping);
	assert_int_equal(waitpid(f->child, NULL, WNOHANG), 0);
}

static void test_control_stop_removes_the_run_folder(void **state)
{
	Fixture *f = *state;
	assert_int_equal(control_listen(&f->s), 0);
	_cleanup_free_ char *run = path_container_run_dir(&f->s.paths, f->s.id);
	assert_true(is_dir(run));
	control_stop(&f->s);
	assert_false(is_dir(run));
	/* And again, with nothing there. */
	control_stop(&f->s);
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_serving_needs_a_socket_first),
		T(test_the_socket_is_private_and_listening_twice_is_once),
		T(test_a_stale_socket_file_is_replaced),
		T(test_status_tells_pid_exit_and_dropped_output),
		cmocka_unit_test_setup_teardown(
			test_a_socket_under_a_root_too_deep_for_sun_path_works, setup_deep,
			teardown),
		T(test_a_request_in_pieces_is_answered_once_whole),
		T(test_a_client_that_leaves_early_costs_nothing),
		T(test_an_unknown_request_is_not_supported),
		T(test_a_stop_with_a_bad_signal_is_refused_and_sends_nothing),
		T(test_a_stop_signals_then_kills_after_the_grace),
		T(test_a_stop_sends_the_containers_stop_signal_by_default),
		T(test_a_stop_without_grace_kills_at_once),
		T(test_a_longer_grace_never_replaces_a_shorter_one),
		T(test_stopping_an_ended_container_does_nothing),
		T(test_control_stop_removes_the_run_folder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
