/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the signals the supervisor passes on
 * (supervisor/forward.c): through the init's pidfd, never after its end,
 * a dead one silently and a bad descriptor in one line; and, for the
 * init of a PID namespace that has no handler for a signal that ends a
 * process, SIGKILL recorded as that signal. The PID namespace tests need
 * root (a child made with unshare(CLONE_NEWPID)) and skip without it. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "supervisor.h"
#include "util.h"
#include "root-tests.h"

typedef struct {
	Supervisor s;
	pid_t child; /* ours: the process, or in a PID namespace its parent */
	char log_path[64];
	int log_fd;
} Fixture;

static int setup(void **state)
{
	Fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->s.pidfd = -EBADF;
	snprintf(f->log_path, sizeof(f->log_path), "/tmp/test-forward.XXXXXX");
	f->log_fd = mkostemp(f->log_path, O_CLOEXEC);
	assert_true(f->log_fd >= 0);
	log_set_fd(f->log_fd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;
	log_set_fd(STDERR_FILENO);
	if (f->child > 0) {
		kill(f->child, SIGKILL);
		waitpid(f->child, NULL, 0);
	}
	if (f->s.pid > 0)
		kill(f->s.pid, SIGKILL);
	safe_close(f->s.pidfd);
	safe_close(f->log_fd);
	unlink(f->log_path);
	free(f);
	return 0;
}

static char *logged(Fixture *f)
{
	char *text = NULL;
	assert_int_equal(read_full_file(f->log_path, &text, NULL), 0);
	return text;
}

static void on_sig(int sig)
{
	_exit(40 + sig);
}

/* Installs a handler that exits 40 + sig for `handled` (0: none), ignores
 * SIGTERM unless handled, tells the test it is ready, and waits. */
static _Noreturn void wait_for_signals(int ready_fd, int handled)
{
	/* What the test runner left us does not count: a shell starts a
	 * background job with SIGINT and SIGQUIT ignored, and a child
	 * inherits that. */
	static const int sigs[] = { SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (handled != SIGTERM)
		signal(SIGTERM, SIG_IGN);
	if (handled)
		signal(handled, on_sig);
	pid_t me = getpid();
	if (write(ready_fd, &me, sizeof(me)) != sizeof(me))
		_exit(1);
	for (;;)
		pause();
}

static void open_pidfd(Fixture *f, pid_t pid)
{
	f->s.pid = pid;
	f->s.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	assert_true(f->s.pidfd >= 0);
}

/* A plain child process (not the init of a PID namespace). */
static void start_child(Fixture *f, int handled)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	f->child = fork();
	assert_true(f->child >= 0);
	if (f->child == 0)
		wait_for_signals(p[1], handled);
	close(p[1]);
	pid_t pid;
	assert_int_equal(read(p[0], &pid, sizeof(pid)), sizeof(pid));
	close(p[0]);
	open_pidfd(f, f->child);
	f->s.pid = f->child;
}

/* The init of a new PID namespace, as a container's is; its parent (our
 * child) exits with its status: 200 + the signal that killed it. */
static void start_init(Fixture *f, int handled)
{
	if (geteuid() != 0)
		skip();
	int p[2], q[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(pipe2(q, O_CLOEXEC), 0);
	f->child = fork();
	assert_true(f->child >= 0);
	if (f->child == 0) {
		if (unshare(CLONE_NEWPID) < 0)
			_exit(2);
		pid_t init = fork();
		if (init < 0)
			_exit(3);
		if (init == 0)
			wait_for_signals(q[1], handled);
		/* Ready, and pid 1 inside. */
		pid_t inside;
		if (read(q[0], &inside, sizeof(inside)) != sizeof(inside) || inside != 1 ||
		    write(p[1], &init, sizeof(init)) != sizeof(init))
			_exit(4);
		int status;
		if (waitpid(init, &status, 0) != init)
			_exit(5);
		_exit(WIFSIGNALED(status) ? 200 + WTERMSIG(status) : WEXITSTATUS(status));
	}
	close(p[1]);
	close(q[0]);
	close(q[1]);
	pid_t outside;
	assert_int_equal(read(p[0], &outside, sizeof(outside)), sizeof(outside));
	close(p[0]);
	open_pidfd(f, outside);
}

static int end_of_child(Fixture *f)
{
	int status;
	assert_int_equal(waitpid(f->child, &status, 0), f->child);
	f->child = 0;
	f->s.pid = 0;
	assert_true(WIFEXITED(status) || WIFSIGNALED(status));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

static bool still_there(Fixture *f)
{
	usleep(20000);
	return waitpid(f->child, NULL, WNOHANG) == 0;
}

static void test_a_signal_goes_through_the_pidfd(void **state)
{
	Fixture *f = *state;
	start_child(f, SIGUSR1);
	supervisor_signal(&f->s, SIGUSR1);
	assert_int_equal(end_of_child(f), 40 + SIGUSR1);
	_cleanup_free_ char *log = logged(f);
	assert_string_equal(log, "");
}

static void test_no_signal_after_the_end_or_without_a_pidfd(void **state)
{
	Fixture *f = *state;
	start_child(f, SIGUSR1);
	f->s.end.exited = true;
	supervisor_signal(&f->s, SIGUSR1);
	supervisor_forward_signal(&f->s, SIGUSR1);
	assert_true(still_there(f));
	f->s.end.exited = false;
	int fd = f->s.pidfd;
	f->s.pidfd = -EBADF;
	supervisor_signal(&f->s, SIGUSR1);
	assert_true(still_there(f));
	f->s.pidfd = fd;
	assert_int_equal(f->s.end.killed_for_signal, 0);
}

static void test_a_process_already_gone_is_no_error(void **state)
{
	Fixture *f = *state;
	start_child(f, SIGUSR1);
	kill(f->child, SIGKILL);
	assert_int_equal(end_of_child(f), 200 + SIGKILL);
	supervisor_signal(&f->s, SIGUSR1);
	_cleanup_free_ char *log = logged(f);
	assert_string_equal(log, "");
}

static void test_a_descriptor_that_is_no_pidfd_is_said_in_one_line(void **state)
{
	Fixture *f = *state;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	f->s.pidfd = p[0];
	supervisor_signal(&f->s, SIGUSR2);
	close(p[1]);
	_cleanup_free_ char *log = logged(f);
	char want[128];
	snprintf(want, sizeof(want), "berth: forward signal %d to the container: %s\n", SIGUSR2,
		 strerror(EBADF));
	assert_string_equal(log, want);
}

static void test_a_process_that_is_no_init_gets_the_signal_as_it_is(void **state)
{
	Fixture *f = *state;
	/* It ignores SIGTERM: outside a PID namespace's init, that is its
	 * choice, not the kernel's drop. */
	start_child(f, 0);
	supervisor_forward_signal(&f->s, SIGTERM);
	assert_true(still_there(f));
	assert_int_equal(f->s.end.killed_for_signal, 0);
}

static void test_an_init_without_a_handler_is_killed_for_the_signal(void **state)
{
	Fixture *f = *state;
	start_init(f, 0);
	supervisor_forward_signal(&f->s, SIGINT);
	assert_int_equal(f->s.end.killed_for_signal, SIGINT);
	assert_int_equal(end_of_child(f), 200 + SIGKILL);
}

static void test_an_init_with_a_handler_gets_the_signal(void **state)
{
	Fixture *f = *state;
	start_init(f, SIGTERM);
	supervisor_forward_signal(&f->s, SIGTERM);
	assert_int_equal(f->s.end.killed_for_signal, 0);
	assert_int_equal(end_of_child(f), 40 + SIGTERM);
}

static void test_an_init_that_ignores_a_signal_keeps_running(void **state)
{
	Fixture *f = *state;
	/* Ignoring is the init's choice, as a handler is: not our kill. */
	start_init(f, 0);
	supervisor_forward_signal(&f->s, SIGTERM);
	assert_int_equal(f->s.end.killed_for_signal, 0);
	assert_true(still_there(f));
}

static void test_a_signal_that_ends_nothing_is_passed_on_as_it_is(void **state)
{
	Fixture *f = *state;
	start_init(f, 0);
	supervisor_forward_signal(&f->s, SIGWINCH);
	supervisor_forward_signal(&f->s, SIGCHLD);
	supervisor_forward_signal(&f->s, SIGCONT);
	assert_int_equal(f->s.end.killed_for_signal, 0);
	assert_true(still_there(f));
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_a_signal_goes_through_the_pidfd),
		T(test_no_signal_after_the_end_or_without_a_pidfd),
		T(test_a_process_already_gone_is_no_error),
		T(test_a_descriptor_that_is_no_pidfd_is_said_in_one_line),
		T(test_a_process_that_is_no_init_gets_the_signal_as_it_is),
	};
	const struct CMUnitTest privileged[] = {
		T(test_an_init_without_a_handler_is_killed_for_the_signal),
		T(test_an_init_with_a_handler_gets_the_signal),
		T(test_an_init_that_ignores_a_signal_keeps_running),
		T(test_a_signal_that_ends_nothing_is_passed_on_as_it_is),
	};
	return RUN_UNIT_TESTS(tests, privileged, unless_root(), NULL, NULL);
}
