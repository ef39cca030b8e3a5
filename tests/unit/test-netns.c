/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the container's network namespace made beside the rest
 * of its start (supervisor/netns.c): the thread's namespace, new and with
 * its loopback up, sent down the socket; the init joining it once, or
 * making its own when a byte without one comes; and the one-line errors.
 * Everything that changes a namespace runs in a forked child; the host's
 * network is never touched. What needs root skips without it. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init-plan.h"
#include "rootfs.h"
#include "tty.h"
#include "util.h"
#include "root-tests.h"

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static ino_t ns_of_fd(int fd)
{
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static ino_t our_ns(void)
{
	struct stat st;
	assert_int_equal(stat("/proc/thread-self/ns/net", &st), 0);
	return st.st_ino;
}

/* 1 if lo is up in the namespace we are in, 0 if down, -errno. */
static int lo_is_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	int r = ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ? -errno : !!(ifr.ifr_flags & IFF_UP);
	close(fd);
	return r;
}

typedef struct {
	int status;
	ssize_t got;
	SetupError e;
} Child;

typedef int (*ChildFn)(int report_fd, void *arg);

static Child in_child(ChildFn fn, void *arg)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(fn(p[1], arg));
	}
	close(p[1]);
	Child c = { 0 };
	c.got = read(p[0], &c.e, sizeof(c.e));
	close(p[0]);
	assert_int_equal(waitpid(pid, &c.status, 0), pid);
	assert_true(WIFEXITED(c.status));
	return c;
}

static int loopback_in_new_netns(int fd, void *arg)
{
	(void)fd;
	(void)arg;
	if (unshare(CLONE_NEWNET) < 0)
		return 10;
	if (lo_is_up() != 0)
		return 11; /* a new namespace's lo starts down */
	if (loopback_up() < 0)
		return 12;
	return lo_is_up() == 1 ? 0 : 13;
}

static void test_loopback_up_brings_lo_up_in_a_new_namespace(void **state)
{
	need_root();
	Child c = in_child(loopback_in_new_netns, NULL);
	assert_int_equal(WEXITSTATUS(c.status), 0);
}

static int lo_up_in(int report_fd, void *arg)
{
	(void)report_fd;
	if (setns(*(int *)arg, CLONE_NEWNET) < 0)
		return 10;
	return lo_is_up() == 1 ? 0 : 11;
}

static void test_the_thread_sends_a_new_namespace_with_lo_up(void **state)
{
	need_root();
	NetnsPrep p = NETNS_PREP_INIT;
	ino_t before = our_ns();
	netns_prep_start(&p);
	assert_true(p.started);
	int fd = -EBADF;
	assert_int_equal(tty_recv_fd(p.sock[1], &fd), 0);
	assert_int_equal(netns_prep_done(&p), 0);
	assert_false(p.started);
	assert_int_equal(p.sock[0], -EBADF);
	assert_int_equal(p.sock[1], -EBADF);
	/* Made by the thread alone: ours is what it was. */
	assert_int_equal(our_ns(), before);
	assert_true(ns_of_fd(fd) != before);
	Child c = in_child(lo_up_in, &fd);
	assert_int_equal(WEXITSTATUS(c.status), 0);
	close(fd);
}

/* As nobody, whoever runs the test. */
static int drop_privileges(void)
{
	if (geteuid() != 0)
		return 0;
	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		return -errno;
	return 0;
}

static int unprivileged_prep(int fd, void *arg)
{
	(void)fd;
	(void)arg;
	if (drop_privileges() < 0)
		return 10;
	NetnsPrep p = NETNS_PREP_INIT;
	netns_prep_start(&p);
	char c;
	if (!p.started || recv(p.sock[1], &c, 1, 0) != 1 || c != '-')
		return 11;
	return netns_prep_done(&p) == -EPERM ? 0 : 12;
}

static void test_without_privilege_the_thread_sends_a_byte_and_its_error(void **state)
{
	Child c = in_child(unprivileged_prep, NULL);
	assert_int_equal(WEXITSTATUS(c.status), 0);
}

static void test_done_without_a_start_is_nothing(void **state)
{
	NetnsPrep p = NETNS_PREP_INIT;
	p.result = 0;
	assert_int_equal(netns_prep_done(&p), 0);
	assert_int_equal(p.sock[0], -EBADF);
	assert_int_equal(p.sock[1], -EBADF);
}

typedef struct {
	int sock;   /* what the init receives from */
	ino_t want; /* the namespace it must end in; 0: a new one */
	bool twice;
} JoinCase;

static int join_in_child(int fd, void *arg)
{
	const JoinCase *j = arg;
	ino_t host = our_ns();
	InitPlan plan = { .netns_sock = j->sock };
	SetupError e;
	if (netns_join(&plan, &e) < 0) {
		(void)!write(fd, &e, sizeof(e));
		return 1;
	}
	/* The socket is the init's to close. */
	if (fcntl(j->sock, F_GETFD) >= 0)
		return 2;
	ino_t now = our_ns();
	if (j->want ? now != j->want : now == host)
		return 3;
	if (lo_is_up() != 1)
		return 4;
	if (j->twice) {
		/* Once: a second call, even with a namespace, changes nothing. */
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
		    send(sv[0], "-", 1, 0) != 1)
			return 5;
		plan.netns_sock = sv[1];
		if (netns_join(&plan, &e) < 0 || our_ns() != now)
			return 6;
		if (fcntl(sv[1], F_GETFD) < 0)
			return 7; /* not even read or closed */
	}
	return 0;
}

static void test_the_init_joins_the_namespace_the_thread_made(void **state)
{
	need_root();
	NetnsPrep p = NETNS_PREP_INIT;
	netns_prep_start(&p);
	/* What the init would receive, to compare with. */
	int fd = -EBADF;
	int sv[2];
	assert_int_equal(tty_recv_fd(p.sock[1], &fd), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(tty_send_fd(sv[0], fd), 0);
	JoinCase j = { .sock = sv[1], .want = ns_of_fd(fd), .twice = true };
	Child c = in_child(join_in_child, &j);
	if (c.got > 0)
		fail_msg("%s", c.e.msg);
	assert_int_equal(WEXITSTATUS(c.status), 0);
	close(fd);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(netns_prep_done(&p), 0);
}

static void test_without_a_namespace_sent_the_init_makes_its_own(void **state)
{
	need_root();
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(send(sv[0], "-", 1, 0), 1);
	JoinCase j = { .sock = sv[1] };
	Child c = in_child(join_in_child, &j);
	if (c.got > 0)
		fail_msg("%s", c.e.msg);
	assert_int_equal(WEXITSTATUS(c.status), 0);
	close(sv[0]);
	close(sv[1]);
}

static void test_a_closed_socket_also_makes_the_init_make_its_own(void **state)
{
	need_root();
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[0]); /* the supervisor's thread died */
	JoinCase j = { .sock = sv[1] };
	Child c = in_child(join_in_child, &j);
	assert_int_equal(WEXITSTATUS(c.status), 0);
	close(sv[1]);
}

static int join_no_socket(int fd, void *arg)
{
	ino_t before = our_ns();
	InitPlan plan = { .netns_sock = -EBADF };
	SetupError e;
	if (netns_join(&plan, &e) != 0)
		return 1;
	return our_ns() == before ? 0 : 2;
}

static void test_without_a_socket_the_namespace_is_left_alone(void **state)
{
	Child c = in_child(join_no_socket, NULL);
	assert_int_equal(WEXITSTATUS(c.status), 0);
}

static void test_a_descriptor_that_is_no_namespace_is_said_in_one_line(void **state)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(null >= 0);
	assert_int_equal(tty_send_fd(sv[0], null), 0);
	close(null);
	JoinCase j = { .sock = sv[1] };
	Child c = in_child(join_in_child, &j);
	assert_int_equal(WEXITSTATUS(c.status), 1);
	assert_int_equal(c.e.error, -EINVAL);
	assert_string_equal(c.e.msg, "join the container's network namespace: Invalid argument");
	close(sv[0]);
	close(sv[1]);
}

static int unprivileged_join(int fd, void *arg)
{
	if (drop_privileges() < 0)
		return 10;
	return join_in_child(fd, arg);
}

static void test_without_privilege_making_one_is_said_in_one_line(void **state)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(send(sv[0], "-", 1, 0), 1);
	JoinCase j = { .sock = sv[1] };
	Child c = in_child(unprivileged_join, &j);
	assert_int_equal(WEXITSTATUS(c.status), 1);
	assert_int_equal(c.e.error, -EPERM);
	assert_string_equal(c.e.msg, "create the network namespace: Operation not permitted");
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_without_privilege_the_thread_sends_a_byte_and_its_error),
		cmocka_unit_test(test_done_without_a_start_is_nothing),
		cmocka_unit_test(test_without_a_socket_the_namespace_is_left_alone),
		cmocka_unit_test(test_a_descriptor_that_is_no_namespace_is_said_in_one_line),
		cmocka_unit_test(test_without_privilege_making_one_is_said_in_one_line),
	};
	const struct CMUnitTest privileged[] = {
		cmocka_unit_test(test_loopback_up_brings_lo_up_in_a_new_namespace),
		cmocka_unit_test(test_the_thread_sends_a_new_namespace_with_lo_up),
		cmocka_unit_test(test_the_init_joins_the_namespace_the_thread_made),
		cmocka_unit_test(test_without_a_namespace_sent_the_init_makes_its_own),
		cmocka_unit_test(test_a_closed_socket_also_makes_the_init_make_its_own),
	};
	return RUN_UNIT_TESTS(tests, privileged, unless_root(), NULL, NULL);
}
