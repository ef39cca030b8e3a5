/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/control.c, linked from libcli.a: the client side of
 * a supervisor's control socket. The test plays the supervisor on a
 * socket in a root deeper than sun_path can hold: the request arrives
 * whole, a reply sent in pieces is read whole, and a supervisor that is
 * not there, hangs up half way or never answers is an error, not a
 * hang. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/un.h>

#include "cli-test.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static Cli cli;
static char *top;

static int setup(void **state)
{
	(void)state;
	/* A root whose socket path is longer than sun_path (108 bytes). */
	top = test_make_dir("test-control");
	_cleanup_free_ char *root = test_path(top, "a-folder-name-long-enough-that-the-socket-path-"
						   "does-not-fit-in-sun-path-at-all");
	cli = (Cli){ .argv0 = "berth" };
	assert_int_equal(paths_init(&cli.paths, root), 0);
	_cleanup_free_ char *run = path_container_run_dir(&cli.paths, ID);
	test_write_file(run, "placeholder", "");
	assert_true(strlen(run) + strlen("/" CTL_SOCKET_NAME) >=
		    sizeof(((struct sockaddr_un *)0)->sun_path));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	paths_done(&cli.paths);
	test_remove_dir(top);
	return 0;
}

/* The supervisor's listening socket, bound through the folder's fd. */
static int listen_ctl(void)
{
	_cleanup_free_ char *run = path_container_run_dir(&cli.paths, ID);
	int dfd = open(run, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" CTL_SOCKET_NAME, dfd);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	(void)unlink(sa.sun_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	close(dfd);
	return fd;
}

static void remove_ctl(void)
{
	_cleanup_free_ char *run = path_container_run_dir(&cli.paths, ID);
	_cleanup_free_ char *sock = test_path(run, CTL_SOCKET_NAME);
	(void)unlink(sock);
}

static void test_request_and_reply_cross_whole(void **state)
{
	(void)state;
	int lfd = listen_ctl();
	CtlRequest req = { .type = CTL_STOP, .signal = 15, .timeout_ms = 10000, .reserved = 0 };
	int fd = -1;
	assert_int_equal(ctl_send(&cli, ID, &req, &fd), 0);
	assert_true(fd >= 0);
	/* The request waits in the connection until the supervisor reads it. */
	int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(conn >= 0);
	CtlRequest got;
	assert_int_equal(read(conn, &got, sizeof(got)), sizeof(got));
	assert_memory_equal(&got, &req, sizeof(req));
	/* A reply in two pieces is read as one. */
	CtlReply reply = {
		.error = -ESRCH, .pid = 1234, .stopping = 1, .exited = 0, .log_dropped = 1ull << 40
	};
	assert_int_equal(write(conn, &reply, 5), 5);
	usleep(20000);
	assert_int_equal(write(conn, (char *)&reply + 5, sizeof(reply) - 5),
			 (ssize_t)sizeof(reply) - 5);
	CtlReply r;
	assert_int_equal(ctl_receive(fd, &r), 0);
	assert_memory_equal(&r, &reply, sizeof(reply));
	close(conn);
	close(fd);
	close(lfd);
	remove_ctl();
}

static void test_a_reply_cut_short_is_econnreset(void **state)
{
	(void)state;
	int lfd = listen_ctl();
	CtlRequest req = { .type = CTL_STATUS };
	int fd = -1;
	assert_int_equal(ctl_send(&cli, ID, &req, &fd), 0);
	int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(conn >= 0);
	assert_int_equal(write(conn, "abc", 3), 3);
	close(conn);
	CtlReply r = { .pid = 77 };
	assert_int_equal(ctl_receive(fd, &r), -ECONNRESET);
	/* Not written on failure. */
	assert_int_equal(r.pid, 77);
	close(fd);
	close(lfd);
	remove_ctl();
}

static void test_no_supervisor_is_an_error(void **state)
{
	(void)state;
	CtlRequest req = { .type = CTL_STATUS };
	int fd = -1;
	/* No socket in the folder. */
	assert_int_equal(ctl_send(&cli, ID, &req, &fd), -ENOENT);
	/* No folder at all. */
	assert_int_equal(ctl_send(&cli, "fedcba", &req, &fd), -ENOENT);
	/* A socket left behind by a supervisor that is gone. */
	int lfd = listen_ctl();
	close(lfd);
	assert_int_equal(ctl_send(&cli, ID, &req, &fd), -ECONNREFUSED);
	assert_int_equal(fd, -1);
	remove_ctl();
}

static void test_a_supervisor_that_never_answers_times_out(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
	uint64_t t0 = now_mono_usec();
	CtlReply r;
	assert_int_equal(ctl_receive(sv[0], &r), -ETIMEDOUT);
	uint64_t took = now_mono_usec() - t0;
	/* 5 s, not for ever. */
	assert_true(took >= 4900000);
	assert_true(took < 8000000);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_and_reply_cross_whole),
		cmocka_unit_test(test_a_reply_cut_short_is_econnreset),
		cmocka_unit_test(test_no_supervisor_is_an_error),
		cmocka_unit_test(test_a_supervisor_that_never_answers_times_out),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
