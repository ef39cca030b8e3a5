/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/cancel.c, linked from libcli.a: `berth run` called
 * off by a signal before its container exists. Each test runs in a
 * forked child (the note of a signal and the handlers are the process's):
 * the signal is noted (the first one kept), a blocking call returns
 * EINTR rather than restarting, the default actions come back, and the
 * process then dies of that signal, even one that was blocked. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>

#include "cancel.h"
#include "cli-test.h"

/* fn's exit status in a child, or 128 + the signal it died of. */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static bool is_default(int sig)
{
	struct sigaction sa;
	return sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL;
}

static int noted_then_stopped(void)
{
	cli_cancel_catch();
	if (cli_cancel_requested())
		return 10;
	/* Caught: the process goes on. */
	raise(SIGTERM);
	if (!cli_cancel_requested())
		return 11;
	int sig = cli_cancel_stop();
	if (sig != SIGTERM)
		return 12;
	const int each[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < ELEMENTSOF(each); i++)
		if (!is_default(each[i]))
			return 13;
	return 0;
}

static void test_a_signal_is_noted_and_the_defaults_come_back(void **state)
{
	(void)state;
	assert_int_equal(in_child(noted_then_stopped), 0);
}

static int first_one_kept(void)
{
	cli_cancel_catch();
	raise(SIGQUIT);
	raise(SIGUSR1);
	raise(SIGHUP);
	return cli_cancel_stop() == SIGQUIT ? 0 : 1;
}

static void test_the_first_signal_is_kept(void **state)
{
	(void)state;
	assert_int_equal(in_child(first_one_kept), 0);
}

static int none(void)
{
	cli_cancel_catch();
	return !cli_cancel_requested() && cli_cancel_stop() == 0 ? 0 : 1;
}

static void test_without_a_signal_nothing_is_noted(void **state)
{
	(void)state;
	assert_int_equal(in_child(none), 0);
}

static int interrupted_read(void)
{
	int p[2];
	if (pipe(p) < 0)
		return 20;
	cli_cancel_catch();
	pid_t parent = getpid();
	pid_t k = fork();
	if (k == 0) {
		usleep(50000);
		kill(parent, SIGUSR2);
		_exit(0);
	}
	/* Nobody writes: without SA_RESTART the signal ends the wait. */
	char c;
	ssize_t n = read(p[0], &c, 1);
	int e = errno;
	waitpid(k, NULL, 0);
	if (n != -1 || e != EINTR)
		return 21;
	return cli_cancel_stop() == SIGUSR2 ? 0 : 22;
}

static void test_a_blocking_call_returns_eintr(void **state)
{
	(void)state;
	assert_int_equal(in_child(interrupted_read), 0);
}

static int die_of_noted(void)
{
	cli_cancel_catch();
	raise(SIGINT);
	int sig = cli_cancel_stop();
	cli_cancel_die(sig);
}

static int die_while_blocked(void)
{
	cli_cancel_catch();
	raise(SIGHUP);
	int sig = cli_cancel_stop();
	/* As a foreground run blocks them before its container exists. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	cli_cancel_die(sig);
}

static int die_with_our_handler(void)
{
	/* Not stopped first: die() puts the default action back itself. */
	cli_cancel_catch();
	cli_cancel_die(SIGTERM);
}

static void test_the_run_dies_of_the_signal(void **state)
{
	(void)state;
	assert_int_equal(in_child(die_of_noted), 128 + SIGINT);
	assert_int_equal(in_child(die_while_blocked), 128 + SIGHUP);
	assert_int_equal(in_child(die_with_our_handler), 128 + SIGTERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_signal_is_noted_and_the_defaults_come_back),
		cmocka_unit_test(test_the_first_signal_is_kept),
		cmocka_unit_test(test_without_a_signal_nothing_is_noted),
		cmocka_unit_test(test_a_blocking_call_returns_eintr),
		cmocka_unit_test(test_the_run_dies_of_the_signal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
