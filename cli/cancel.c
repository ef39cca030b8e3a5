/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <signal.h>
#include <stddef.h>
#include <unistd.h>

#include "cancel.h"
#include "util.h"

static const int cancel_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
static volatile sig_atomic_t cancel_signal;

static void on_cancel_signal(int sig)
{
	if (!cancel_signal)
		cancel_signal = sig;
}

void cli_cancel_catch(void)
{
	struct sigaction sa = { .sa_handler = on_cancel_signal };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ELEMENTSOF(cancel_signals); i++)
		(void)sigaction(cancel_signals[i], &sa, NULL);
}

bool cli_cancel_requested(void)
{
	return cancel_signal != 0;
}

int cli_cancel_stop(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigemptyset(&dfl.sa_mask);
	for (size_t i = 0; i < ELEMENTSOF(cancel_signals); i++)
		(void)sigaction(cancel_signals[i], &dfl, NULL);
	return cancel_signal;
}

_Noreturn void cli_cancel_die(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigemptyset(&dfl.sa_mask);
	(void)sigaction(sig, &dfl, NULL);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	(void)sigprocmask(SIG_UNBLOCK, &one, NULL);
	(void)raise(sig);
	/* Not reached: each of them ends the process by default. */
	_exit(128 + sig);
}
