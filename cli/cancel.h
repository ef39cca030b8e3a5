/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* `berth run` called off by a signal before its container exists.
 *
 * From the start of `berth run` until its container is about to be
 * recorded, the signals that attach_wait() forwards later (SIGINT,
 * SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2) call the run off: the
 * handler only notes the signal (without SA_RESTART, so a call that waits
 * returns EINTR), slow steps look at the note and stop, what was made is
 * taken down as for any other failure, and berth then dies of that
 * signal, as whoever sent it expects. Blocked for that time instead (as
 * they were), a run that stalled there on what the image holds could only
 * be ended with SIGKILL. */
void cli_cancel_catch(void);
/* Whether a signal called the run off (for slow loops). */
bool cli_cancel_requested(void);
/* The container is about to exist: signals are the container's from now
 * on (the caller blocks them first for a foreground run, so that none is
 * lost). Puts the default actions back, and returns the signal that
 * called the run off meanwhile, or 0. */
int cli_cancel_stop(void);
/* After the clean-up: dies of sig. */
_Noreturn void cli_cancel_die(int sig);
