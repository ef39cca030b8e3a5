/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Starting a supervisor and talking to it over the sync socket. */

#include <assert.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"
#include "stdio-relay.h"
#include "sync-msg.h"
#include "tty-relay.h"
#include "log.h"
#include "rootless.h"
#include "util.h"

extern char **environ;

#define SUPERVISOR_NAME "berth-supervisor"

int find_supervisor(char **ret)
{
	const char *env = getenv("BERTH_SUPERVISOR");
	if (env && *env) {
		if (access(env, X_OK) < 0)
			return -errno;
		*ret = strdup(env);
		return *ret ? 0 : -ENOMEM;
	}
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		char *dir = dirname(self);
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/%s", dir, SUPERVISOR_NAME) < 0)
			return -ENOMEM;
		if (access(p, X_OK) == 0) {
			*ret = TAKE_PTR(p);
			return 0;
		}
	}
	_cleanup_free_ char *p = strdup(PKGLIBEXECDIR "/" SUPERVISOR_NAME);
	if (!p)
		return -ENOMEM;
	if (access(p, X_OK) < 0)
		return -errno;
	*ret = TAKE_PTR(p);
	return 0;
}

/* Appends the text of errno e to msg (NUL-terminated, of size
 * SYNC_MSG_MAX) for the forked child below, with async-signal-safe calls
 * only: strlen() and memcpy() are (POSIX 2016), and so is glibc's
 * strerrordesc_np() (its manual), whose text is strerror()'s in the C
 * locale, which is berth's; snprintf() and strerror() are not. Without
 * strerrordesc_np(), the number: "errno 2". */
static void append_error_text(char *msg, int e)
{
	const char *text = NULL;
#if HAVE_STRERRORDESC_NP
	text = strerrordesc_np(e);
#endif
	char num[sizeof("errno 4294967295")] = "errno ";
	if (!text) {
		char digits[10];
		size_t n = 0, l = strlen(num);
		unsigned v = (unsigned)e;
		do
			digits[n++] = (char)('0' + v % 10);
		while ((v /= 10) > 0);
		while (n > 0)
			num[l++] = digits[--n];
		num[l] = '\0';
		text = num;
	}
	size_t used = strlen(msg), len = strlen(text);
	if (len > SYNC_MSG_MAX - 1 - used)
		len = SYNC_MSG_MAX - 1 - used;
	memcpy(msg + used, text, len);
	msg[used + len] = '\0';
}

static int read_msg(int fd, SyncMsg *m)
{
	return sync_recv(fd, m, NULL);
}

int supervisor_start(Cli *cli, const LaunchParams *p, int *ret_sync_fd, pid_t *ret_pid)
{
	_cleanup_free_ char *sup = NULL;
	int r = find_supervisor(&sup);
	if (r < 0)
		return log_error_errno(r,
				       "cannot find %s (set BERTH_SUPERVISOR or reinstall "
				       "berth): %m",
				       SUPERVISOR_NAME);

	/* In the foreground the container's stdin, stdout and stderr are
	 * pipes of ours, which we relay to our own (common/stdio-relay.h):
	 * the supervisor gets their other ends as its own stdio, and passes
	 * them on to the container. Never our stdio itself, which is the
	 * caller's: a file, a folder or a terminal of the host's. */
	if (p->stdio) {
		r = stdio_relay_open(p->stdio, STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO);
		if (r < 0)
			return log_error_errno(r, "make the container's stdio pipes: %m");
	}

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return log_error_errno(-errno, "socketpair: %m");
	_cleanup_close_ int ours = sv[0], theirs = sv[1];

	/* The supervisor gets its end as fd 3. */
	char *argv[20];
	size_t a = 0;
	argv[a++] = (char *)SUPERVISOR_NAME;
	argv[a++] = (char *)"--root";
	argv[a++] = cli->paths.state_dir;
	argv[a++] = (char *)"--id";
	argv[a++] = (char *)p->id;
	/* A rootless berth's runtime files are not below its state. */
	if (rootless()) {
		argv[a++] = (char *)"--run-root";
		argv[a++] = cli->paths.run_dir;
	}
	argv[a++] = (char *)"--sync-fd";
	argv[a++] = (char *)"3";
	if (p->foreground)
		argv[a++] = (char *)"--foreground";
	if (p->auto_remove)
		argv[a++] = (char *)"--rm";
	if (cli->debug)
		argv[a++] = (char *)"--debug";
	if (p->pidfile) {
		argv[a++] = (char *)"--pidfile";
		argv[a++] = (char *)p->pidfile;
	}
	if (p->make_bundle)
		argv[a++] = (char *)"--make-bundle";
	argv[a] = NULL;

	/* fork(), not posix_spawn(): posix_spawn() shares our memory with the
	 * child until its execve() is past the point of no return, then wakes
	 * us, and our wake-up preempts the child on its CPU: the supervisor's
	 * exec and start-up then waited for our work instead of running beside
	 * it (1.5 to 2.4 ms of every `run` here, seen with perf sched
	 * events). A forked child is placed on an idle CPU and we go on at
	 * once; our memory is small this early, so the copy is cheap. Only
	 * async-signal-safe calls in the child; a failed exec is told over the
	 * socket, as any other failure to start: what names the supervisor
	 * is formatted here, before the fork, and the child only appends the
	 * error's text (append_error_text()). */
	/* Away from our CPU until SYNC_GO (protocol.h). */
	cpu_set_t away;
	bool pin = false;
	int cpu = sched_getcpu();
	if (cpu >= 0 && cpu < CPU_SETSIZE && sched_getaffinity(0, sizeof(away), &away) == 0) {
		CPU_CLR(cpu, &away);
		pin = CPU_COUNT(&away) > 0 && !getenv("BERTH_NO_PIN");
	}
	SyncMsg failed = { .type = SYNC_ERROR, .exit_code = EXIT_BERTH_ERROR };
	snprintf(failed.msg, sizeof(failed.msg), "start %s: ", sup);
	pid_t pid = fork();
	if (pid < 0)
		return log_error_errno(-errno, "start %s: fork: %m", sup);
	if (pid == 0) {
		/* Out of the terminal's session first: a ^C from now on is not
		 * the supervisor's. */
		int e = setsid() < 0 ? errno : 0;
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		for (int sig = 1; sig < NSIG; sig++)
			(void)sigaction(sig, &dfl, NULL);
		sigset_t none;
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		/* Before fd 3, which may be one of them. They are above 2: our
		 * stdio is always open (main.c). */
		for (int fd = 0; p->stdio && !e && fd < 3; fd++)
			if (dup2(p->stdio->child[fd], fd) < 0)
				e = errno;
		/* dup2() onto itself would keep O_CLOEXEC. */
		if (!e && (theirs == 3 ? fcntl(3, F_SETFD, 0) : dup2(theirs, 3)) < 0)
			e = errno;
		if (!e && !p->foreground) {
			int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
				e = errno;
		}
		if (!e) {
			/* Once more, so that the supervisor is not the session's
			 * leader (it can never acquire a controlling terminal) and
			 * we can reap our child at once. A vfork() copies nothing:
			 * here it costs less than the fork() of the supervisor
			 * after its exec that it replaces (0.2 ms on its path). */
			volatile int exec_error = 0;
			pid_t g = vfork();
			if (g == 0) {
				execve(sup, argv, environ);
				exec_error = errno;
				_exit(EXIT_BERTH_ERROR);
			}
			if (g < 0)
				e = errno;
			else if (exec_error == 0)
				_exit(0);
			else
				e = exec_error;
		}
		failed.error = -e;
		append_error_text(failed.msg, e);
		(void)send(theirs, &failed, sizeof(failed), MSG_NOSIGNAL);
		_exit(EXIT_BERTH_ERROR);
	}
	log_debug("forked %d to start %s for container %.12s, which waits for its configuration",
		  (int)pid, sup, p->id);
	/* By us, not by the child: it would have to get our CPU first. */
	if (pin)
		(void)sched_setaffinity(pid, sizeof(away), &away);
	theirs = safe_close(theirs);
	if (p->stdio)
		stdio_relay_close_child(p->stdio);

	*ret_sync_fd = TAKE_FD(ours);
	*ret_pid = pid;
	return 0;
}

static void reap_first(pid_t pid)
{
	/* Our child ends as soon as the supervisor, its vfork()ed child, has
	 * exec'd: reap it (ECHILD: done). */
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

int supervisor_send_config(int sync_fd, const char *config)
{
	SyncMsg m = { .type = SYNC_GO };
	/* Our affinity is the one the supervisor started without. */
	static_assert(sizeof(cpu_set_t) <= sizeof(m.msg), "a cpu_set_t fits in a message");
	cpu_set_t cpus;
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0) {
		memcpy(m.msg, &cpus, sizeof(cpus));
		m.affinity = 1;
	}
	if (!config) {
		/* A supervisor that died meanwhile is reported by the next read. */
		(void)sync_send(sync_fd, &m);
		log_debug("let the supervisor set the container up from its config.json (SYNC_GO)");
		return 0;
	}
	/* The configuration goes in a memfd: no size limit of a message,
	 * and no file of ours to write before the supervisor can start. */
	_cleanup_close_ int mfd = memfd_create("berth-config", MFD_CLOEXEC);
	if (mfd < 0)
		return -errno;
	int r = write_all(mfd, config, strlen(config));
	if (r < 0)
		return r;
	(void)sync_send_fd(sync_fd, &m, mfd);
	log_debug("handed the configuration (%zu bytes) to the supervisor (SYNC_GO)",
		  strlen(config));
	return 0;
}

void supervisor_commit(int sync_fd)
{
	SyncMsg m = { .type = SYNC_COMMIT };
	(void)sync_send(sync_fd, &m);
	log_debug("let the supervisor run the command (SYNC_COMMIT)");
}

void supervisor_abandon(int sync_fd, pid_t pid)
{
	reap_first(pid);
	log_debug("abandon the container: its supervisor takes down what it made");
	/* No SYNC_COMMIT will come: the supervisor takes down what it made
	 * (the cgroup, the folder, an init waiting to exec), then exits,
	 * which closes its end. Wait for that, so that when we report the
	 * failure nothing of the container is left; but not for ever. */
	(void)shutdown(sync_fd, SHUT_WR);
	for (int waited = 0; waited < 10000;) {
		struct pollfd pfd = { .fd = sync_fd, .events = POLLIN };
		int n = poll(&pfd, 1, 100);
		if (n < 0 && errno != EINTR)
			return;
		if (n <= 0) {
			waited += 100;
			continue;
		}
		char buf[sizeof(SyncMsg)];
		ssize_t k = recv(sync_fd, buf, sizeof(buf), 0);
		if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN))
			return;
	}
}

/* A layer of the container's root that is no longer there: removed (by
 * hand, or with the state folder) while the container started. Whatever
 * the start failed on then (an overlay mount, a command "not found" in a
 * half-deleted layer) follows from that, which is what the user needs to
 * hear. */
static bool layer_gone(const char *rootfs, char *ret, size_t size)
{
	for (const char *p = rootfs; p && *p;) {
		const char *end = strchrnul(p, ':');
		if ((size_t)(end - p) < size) {
			memcpy(ret, p, (size_t)(end - p));
			ret[end - p] = 0;
			if (!is_dir(ret))
				return true;
		}
		p = *end ? end + 1 : end;
	}
	return false;
}

int supervisor_wait_started(const LaunchParams *p, int sync_fd, pid_t pid, int *ret_tty_fd,
			    int *ret_exit_code)
{
	*ret_exit_code = EXIT_BERTH_ERROR;
	*ret_tty_fd = -EBADF;
	reap_first(pid);
	SyncMsg m;
	int r = sync_recv(sync_fd, &m, ret_tty_fd);
	if ((r < 0 || m.type != SYNC_RUNNING) && p->stdio)
		/* What the supervisor said on its way out comes before our
		 * line, which says what went wrong. */
		stdio_relay_flush(p->stdio);
	char gone[PATH_MAX];
	if ((r < 0 || m.type == SYNC_ERROR) && layer_gone(p->rootfs, gone, sizeof(gone))) {
		*ret_tty_fd = safe_close(*ret_tty_fd);
		return log_error_errno(-ENOENT,
				       "the layer `%s` of the container's image was "
				       "removed while the container started",
				       gone);
	}
	if (r < 0)
		/* With --rm the container goes with its failure: nothing to see. */
		return log_error_errno(r,
				       p->auto_remove
					       ? "the supervisor ended before the container started"
					       : "the supervisor ended before the container "
						 "started (see `berth status %.12s`)",
				       p->id);
	if (m.type == SYNC_ERROR) {
		*ret_tty_fd = safe_close(*ret_tty_fd);
		*ret_exit_code = m.exit_code > 0 ? m.exit_code : EXIT_BERTH_ERROR;
		return log_error_errno(m.error < 0 ? m.error : -EIO, "%s", m.msg);
	}
	if (m.type != SYNC_RUNNING) {
		*ret_tty_fd = safe_close(*ret_tty_fd);
		return log_error_errno(-EPROTO, "unexpected message %u from the supervisor",
				       m.type);
	}
	log_debug("container %.12s runs: pid %d%s", p->id, (int)m.pid,
		  *ret_tty_fd >= 0 ? ", with a terminal" : "");
	*ret_exit_code = 0;
	return 0;
}

int attach_wait(int sync_fd, StdioRelay *stdio)
{
	/* A reader of our output that went away is an EPIPE for the relay,
	 * which closes that pipe of the container's, not a SIGPIPE that
	 * kills us and leaves the container running without anyone waiting. */
	signal(SIGPIPE, SIG_IGN);
	/* Signals were blocked by the caller before the supervisor started;
	 * now they arrive through a signalfd and go to the container. */
	sigset_t mask;
	sigemptyset(&mask);
	int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return log_error_errno(-errno, "signalfd: %m");

	log_debug("relay the container's stdio until it exits, forwarding signals to it");
	int ret = 0;
	bool exited = false;
	/* After the exit, until the relay has copied what the container
	 * wrote last; a signal then means "stop copying". */
	while (!exited || !stdio_relay_done(stdio)) {
		struct pollfd p[2 + STDIO_RELAY_NFDS] = {
			{ .fd = exited ? -1 : sync_fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		int timeout = stdio_relay_pollfds(stdio, p + 2);
		if (poll(p, ELEMENTSOF(p), timeout) < 0) {
			if (errno == EINTR)
				continue;
			ret = log_error_errno(-errno, "poll: %m");
			break;
		}
		stdio_relay_handle(stdio, p + 2);
		bool stop = false;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (exited) {
					stop = true;
					continue;
				}
				SyncMsg m = { .type = SYNC_SIGNAL,
					      .signal = (int32_t)si.ssi_signo };
				log_debug("forward signal %u to the container", si.ssi_signo);
				(void)send(sync_fd, &m, sizeof(m), MSG_NOSIGNAL);
			}
		}
		if (stop)
			break;
		if (p[0].revents) {
			SyncMsg m;
			int r = read_msg(sync_fd, &m);
			if (r < 0) {
				ret = log_error_errno(
					r, "lost the supervisor while the container ran");
				break;
			}
			if (m.type == SYNC_EXITED) {
				log_debug("the container exited: status %d", (int)m.exit_code);
				ret = m.exit_code;
				exited = true;
				/* What it did not read of its input goes back; what
				 * it wrote is copied to its end. */
				stdio_relay_finish(stdio);
			} else if (m.type == SYNC_ERROR) {
				ret = log_error_errno(m.error < 0 ? m.error : -EIO, "%s", m.msg);
				break;
			}
		}
	}
	stdio_relay_end(stdio);
	return ret;
}

int attach_tty(int sync_fd, int master)
{
	TtyRelay t;
	tty_relay_begin(&t, master);
	/* A reader of our output that went away is an EPIPE for the relay,
	 * which hangs up the container's terminal, not a SIGPIPE that kills
	 * us and leaves the container running without anyone waiting. */
	signal(SIGPIPE, SIG_IGN);
	sigset_t mask;
	sigemptyset(&mask);
	int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		tty_relay_end(&t);
		return log_error_errno(-errno, "signalfd: %m");
	}

	log_debug("relay the terminal until the container exits, forwarding signals to it");
	int ret = 0;
	bool exited = false;
	/* After the exit, until the relay has copied what the container
	 * wrote last; a signal then means "stop copying". */
	while (!exited || !tty_relay_done(&t)) {
		struct pollfd p[2 + TTY_RELAY_NFDS] = {
			{ .fd = exited ? -1 : sync_fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		int timeout = tty_relay_pollfds(&t, p + 2);
		if (poll(p, ELEMENTSOF(p), timeout) < 0) {
			if (errno == EINTR)
				continue;
			ret = log_error_errno(-errno, "poll: %m");
			break;
		}
		tty_relay_handle(&t, p + 2);
		bool stop = false;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGWINCH)
					tty_relay_winsize(&t);
				else if (exited)
					stop = true;
				else {
					SyncMsg m = { .type = SYNC_SIGNAL,
						      .signal = (int32_t)si.ssi_signo };
					log_debug("forward signal %u to the container",
						  si.ssi_signo);
					(void)send(sync_fd, &m, sizeof(m), MSG_NOSIGNAL);
				}
			}
		}
		if (stop)
			break;
		if (p[0].revents) {
			SyncMsg m;
			int r = read_msg(sync_fd, &m);
			if (r < 0) {
				ret = log_error_errno(
					r, "lost the supervisor while the container ran");
				break;
			}
			if (m.type == SYNC_EXITED) {
				log_debug("the container exited: status %d", (int)m.exit_code);
				ret = m.exit_code;
				exited = true;
				tty_relay_finish(&t);
			} else if (m.type == SYNC_ERROR) {
				ret = log_error_errno(m.error < 0 ? m.error : -EIO, "%s", m.msg);
				break;
			}
		}
	}
	tty_relay_end(&t);
	return ret;
}

void cli_block_forwarded_signals(void)
{
	sigset_t mask;
	sigemptyset(&mask);
	int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
}
