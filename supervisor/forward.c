/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The signals a foreground `berth run` or `berth start -a` passes on
 * (SYNC_SIGNAL): the user's Ctrl-C without -t, the SIGTERM of timeout(1),
 * systemd or a CI runner, the SIGHUP of a terminal that closed.
 *
 * The container's command is the init of its PID namespace, and the
 * kernel drops every signal such an init has no handler for (except
 * SIGKILL and SIGSTOP from outside). Passed on as it is, the SIGTERM that
 * ends `sleep 100` on the host would do nothing to it in a container, and
 * berth, waiting for a container that never ends, could be stopped by
 * SIGKILL alone, which leaves the container running. So when the init
 * neither blocks, ignores nor catches a signal whose default action ends
 * a process, we end the container as that signal would have ended the
 * command outside a container: with SIGKILL, recorded as a death by the
 * signal forwarded (exit status 128+N, also what a run under an init such
 * as tini, Docker's --init, exits with). An init that handles the signal
 * (a shell's trap, a server's SIGTERM handler) gets it and decides, as
 * always.
 *
 * A process that installs its handler between our reading of
 * /proc/PID/status and the kill is killed: a window of microseconds, at
 * its start only. `berth stop`, `berth kill` and signals sent to the
 * supervisor keep the plain semantics (stop has its grace period and its
 * kill). */

#include <signal.h>
#include <sys/syscall.h>

#include "log.h"
#include "supervisor.h"
#include "util.h"

static bool default_action_ends_process(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
	case SIGURG:
	case SIGWINCH:
	case SIGKILL: /* delivered anyway */
		return false;
	default:
		return true;
	}
}

void supervisor_forward_signal(Supervisor *s, int sig)
{
	bool drops = false;
	if (!s->end.exited && default_action_ends_process(sig)) {
		int r = proc_init_drops_signal(s->pid, sig, &drops);
		if (r < 0)
			log_debug("read the signal masks of %d: %s", (int)s->pid, strerror(-r));
	}
	if (!drops) {
		supervisor_signal(s, sig);
		return;
	}
	log_debug("the container's init has no handler for signal %d: ending it", sig);
	s->end.killed_for_signal = sig;
	supervisor_signal(s, SIGKILL);
}

void supervisor_signal(Supervisor *s, int sig)
{
	if (s->end.exited || s->pidfd < 0)
		return;
	if (syscall(SYS_pidfd_send_signal, s->pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
		log_warning_errno(-errno, "forward signal %d to the container: %m", sig);
}
