/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/bulk.c, linked from libcli.a: one command acting on
 * many containers. Forked children stand for their supervisors (each
 * exits after a delay its container's name gives), a socketpair for a
 * control connection. What is checked: the waits overlap, the ends come
 * in the order given whatever the order of the exits, a container given
 * twice is begun again only after its first end, a missing container or
 * a failed begin is an error that does not stop the others, --all with
 * want(), a supervisor that outlives its timeout, and a low fd limit
 * served through a sliding window. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "bulk.h"
#include "cli-test.h"

static Cli cli;
static struct sigaction old_chld;

/* What the callbacks saw, in order: "b:name", "a:name:r", "e:name:r". */
static char trace[4096];
/* Containers begun and not yet ended, and the most at once. */
static int in_flight, most_in_flight;

static void note(const char *fmt, ...) _printf_(1, 2);
static void note(const char *fmt, ...)
{
	char item[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	if (*trace)
		strncat(trace, " ", sizeof(trace) - strlen(trace) - 1);
	strncat(trace, item, sizeof(trace) - strlen(trace) - 1);
}

static int setup(void **state)
{
	(void)state;
	test_log_catch();
	test_cli_init(&cli, "test-bulk");
	trace[0] = '\0';
	/* The supervisors' stand-ins are reaped at once, as a real
	 * supervisor (not our child) is gone when it exits. */
	struct sigaction ign = { .sa_handler = SIG_IGN };
	assert_int_equal(sigaction(SIGCHLD, &ign, &old_chld), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(sigaction(SIGCHLD, &old_chld, NULL), 0);
	test_cli_done(&cli);
	test_log_release();
	return 0;
}

static void insert(int n, const char *name)
{
	sqlite3 *db;
	assert_int_equal(cli_db(&cli, &db), 0);
	char id[65];
	snprintf(id, sizeof(id), "%064x", n);
	ContainerRow row = {
		.id = id,
		.name = (char *)name,
		.image = (char *)"busybox",
		.command = (char *)"[\"sh\"]",
		.state = STATE_EXITED,
		.created_at = (char *)"2026-01-01T00:00:00.000Z",
		.rootfs = (char *)"",
		.bundle = (char *)"",
	};
	assert_int_equal(db_container_insert(db, &row), 0);
}

/* A child that exits after ms milliseconds (never if ms < 0), and a
 * pidfd of it; -errno when there is none (EMFILE under a low limit). */
static int supervisor_after(int ms)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (ms < 0)
			for (;;)
				pause();
		usleep((useconds_t)ms * 1000);
		_exit(0);
	}
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0) {
		int r = -errno;
		kill(pid, SIGKILL);
		return r;
	}
	return fd;
}

/* The container's name says what begin() does:
 *   "wait<ms>"  a supervisor that exits after ms milliseconds
 *               (its timeout: 5 s)
 *   "hang"      one that does not exit within its 100 ms timeout
 *   "ask"       a control request answered at once
 *   "fail"      begin() fails
 *   anything else: nothing to wait for. */
static int begin(Cli *c, BulkJob *job, const void *arg)
{
	(void)c;
	(void)arg;
	const char *name = job->row.name;
	note("b:%s", name);
	if (++in_flight > most_in_flight)
		most_in_flight = in_flight;
	if (startswith(name, "wait") || streq(name, "hang")) {
		int fd = supervisor_after(streq(name, "hang") ? -1 : atoi(name + 4));
		if (fd < 0)
			return log_error_errno(fd, "%s: pidfd: %m", name);
		job->pidfd = fd;
		job->timeout_ms = streq(name, "hang") ? 100 : 5000;
	} else if (streq(name, "ask")) {
		int sv[2];
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		assert_int_equal(write(sv[1], "ok", 2), 2);
		close(sv[1]);
		job->ctl_fd = sv[0];
	} else if (streq(name, "fail"))
		return log_error_errno(-EIO, "%s failed", name);
	return 0;
}

static void answered(Cli *c, BulkJob *job, int r, const void *arg)
{
	(void)c;
	(void)arg;
	char buf[8] = "";
	if (r == 0)
		assert_int_equal(read(job->ctl_fd, buf, sizeof(buf) - 1), 2);
	note("a:%s:%s", job->row.name, r == 0 ? buf : "timeout");
}

static int end(Cli *c, BulkJob *job, int wait_r, const void *arg)
{
	(void)c;
	(void)arg;
	note("e:%s:%d", job->row.name, wait_r);
	in_flight--;
	if (wait_r == -ETIMEDOUT) {
		/* The pidfd is still open for us to end it. */
		if (job->pidfd < 0)
			return -EBADF;
		(void)syscall(SYS_pidfd_send_signal, job->pidfd, SIGKILL, NULL, 0);
		return -ETIMEDOUT;
	}
	return 0;
}

static bool want_even(Cli *c, ContainerRow *row, const void *arg)
{
	(void)c;
	(void)arg;
	return row->name[strlen(row->name) - 1] % 2 == 0;
}

static const BulkOps ops = { .begin = begin, .answered = answered, .end = end };

static void test_waits_overlap_and_ends_keep_the_order_given(void **state)
{
	(void)state;
	insert(1, "wait300");
	insert(2, "wait0");
	insert(3, "wait200");
	insert(4, "plain");
	char *keys[] = { "wait300", "wait0", "wait200", "plain" };
	uint64_t t0 = now_mono_usec();
	assert_int_equal(bulk_run(&cli, keys, ELEMENTSOF(keys), false, &ops, NULL), 0);
	uint64_t took = now_mono_usec() - t0;
	/* All begun before the first end, ends in the order given. */
	assert_string_equal(trace, "b:wait300 b:wait0 b:wait200 b:plain "
				   "e:wait300:0 e:wait0:0 e:wait200:0 e:plain:0");
	/* The slowest, not the sum (500 ms). */
	assert_true(took >= 300000);
	assert_true(took < 480000);
	assert_string_equal(logged(), "");
}

static void test_answers_are_read_before_the_end(void **state)
{
	(void)state;
	insert(1, "ask");
	insert(2, "plain");
	char *keys[] = { "ask", "plain" };
	assert_int_equal(bulk_run(&cli, keys, ELEMENTSOF(keys), false, &ops, NULL), 0);
	assert_string_equal(trace, "b:ask b:plain a:ask:ok e:ask:0 e:plain:0");
}

static void test_a_container_given_twice_begins_again_after_its_end(void **state)
{
	(void)state;
	insert(1, "wait100");
	insert(2, "plain");
	char *keys[] = { "wait100", "plain", "wait100" };
	assert_int_equal(bulk_run(&cli, keys, ELEMENTSOF(keys), false, &ops, NULL), 0);
	assert_string_equal(trace, "b:wait100 b:plain e:wait100:0 e:plain:0 b:wait100 "
				   "e:wait100:0");
}

static void test_errors_do_not_stop_the_others_and_the_first_is_returned(void **state)
{
	(void)state;
	insert(1, "fail");
	insert(2, "wait50");
	char *keys[] = { "nope", "wait50", "fail" };
	assert_int_equal(bulk_run(&cli, keys, ELEMENTSOF(keys), false, &ops, NULL), -ENOENT);
	assert_string_equal(trace, "b:wait50 b:fail e:wait50:0");
	assert_string_equal(logged(), "berth: no such container: nope\nberth: fail failed\n");
	/* The first error in the order given. */
	char *keys2[] = { "fail", "nope" };
	trace[0] = '\0';
	assert_int_equal(bulk_run(&cli, keys2, ELEMENTSOF(keys2), false, &ops, NULL), -EIO);
	logged();
}

static void test_a_supervisor_past_its_timeout_is_left_to_end(void **state)
{
	(void)state;
	insert(1, "hang");
	insert(2, "plain");
	char *keys[] = { "hang", "plain" };
	uint64_t t0 = now_mono_usec();
	assert_int_equal(bulk_run(&cli, keys, ELEMENTSOF(keys), false, &ops, NULL), -ETIMEDOUT);
	assert_true(now_mono_usec() - t0 < 2000000);
	char want[128];
	snprintf(want, sizeof(want), "b:hang b:plain e:hang:%d e:plain:0", -ETIMEDOUT);
	assert_string_equal(trace, want);
}

static void test_all_in_list_order_with_want(void **state)
{
	(void)state;
	insert(1, "c1");
	insert(2, "c2");
	insert(3, "c3");
	insert(4, "c4");
	assert_int_equal(bulk_run(&cli, NULL, 0, true, &ops, NULL), 0);
	assert_string_equal(trace, "b:c1 b:c2 b:c3 b:c4 e:c1:0 e:c2:0 e:c3:0 e:c4:0");
	trace[0] = '\0';
	BulkOps some = ops;
	some.want = want_even;
	assert_int_equal(bulk_run(&cli, NULL, 0, true, &some, NULL), 0);
	assert_string_equal(trace, "b:c2 b:c4 e:c2:0 e:c4:0");
	/* None at all: nothing to do. */
	trace[0] = '\0';
	assert_int_equal(bulk_run(&cli, NULL, 0, false, &ops, NULL), 0);
	assert_string_equal(trace, "");
}

static size_t count(const char *prefix)
{
	size_t n = 0;
	for (const char *p = trace; (p = strstr(p, prefix)); p++)
		if (p == trace || p[-1] == ' ')
			n++;
	return n;
}

/* In a child: a hard limit cannot be raised again. */
static void test_a_low_fd_limit_goes_through_a_window(void **state)
{
	(void)state;
	enum { N = 60 };
	char *keys[N];
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "wait%d-%d", 20 + i % 3, i);
		insert(i + 1, name);
		keys[i] = strdup(name);
		assert_non_null(keys[i]);
	}
	/* Our child's status is ours to wait for. Under its limit, the
	 * supervisors' pidfds would take more fds than it has, all at once:
	 * bulk_run() must begin containers as others free theirs, and never
	 * fail with EMFILE. */
	struct sigaction dfl = { .sa_handler = SIG_DFL }, ign = { .sa_handler = SIG_IGN };
	assert_int_equal(sigaction(SIGCHLD, &dfl, NULL), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Room for about 20 containers in flight: far fewer than 60. */
		struct rlimit rl = { 40, 40 };
		if (sigaction(SIGCHLD, &ign, NULL) < 0 || setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(2);
		in_flight = most_in_flight = 0;
		if (bulk_run(&cli, keys, N, false, &ops, NULL) != 0)
			_exit(3);
		/* Overlapping all the same. */
		if (most_in_flight < 10)
			_exit(6);
		/* Each begun and ended once, the ends in the order given. */
		if (count("b:") != N || count("e:") != N)
			_exit(4);
		const char *p = trace;
		for (int i = 0; i < N; i++) {
			char e[48];
			snprintf(e, sizeof(e), "e:%s:0", keys[i]);
			if (!(p = strstr(p, e)))
				_exit(5);
		}
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	for (int i = 0; i < N; i++)
		free(keys[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_waits_overlap_and_ends_keep_the_order_given,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_answers_are_read_before_the_end, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_a_container_given_twice_begins_again_after_its_end, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_errors_do_not_stop_the_others_and_the_first_is_returned, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_a_supervisor_past_its_timeout_is_left_to_end,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_in_list_order_with_want, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_low_fd_limit_goes_through_a_window, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
