/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The supervisor's start of its container, through the container-setup
 * core (container-setup.h), with what only a supervisor does around it:
 * the container's stdio, its config.json, the DB connection and the
 * control socket, made ready while the init sets the container up. */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "log.h"
#include "supervisor.h"
#include "util.h"

int supervisor_await_commit(Supervisor *s)
{
	if (s->start.committed)
		return 1;
	SyncMsg m;
	if (sync_recv(s->sync_fd, &m, NULL) < 0 || m.type != SYNC_COMMIT)
		return 0;
	s->start.committed = true;
	return 1;
}

/* The container's stdio when it has no terminal. In the foreground, our
 * own: pipes that the CLI made for the container and relays to its own
 * (cli/launch.c), never the CLI's stdio. Detached: stdin a pipe at its
 * end (not the host's /dev/null, whose inode container root could chmod
 * through /proc/self/fd/0, docs/security.md), stdout and stderr pipes
 * to the log. in[] holds stdin's pipe until it is handed over. */
static int container_stdio(Supervisor *s, int in[2], int ret_stdio[3], SetupError *e)
{
	if (s->spec->terminal || s->foreground) {
		for (int i = 0; i < 3; i++)
			ret_stdio[i] = s->spec->terminal ? -EBADF : i;
		return 0;
	}
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(s->out_pipe, O_CLOEXEC) < 0 ||
	    pipe2(s->err_pipe, O_CLOEXEC) < 0) {
		int r = setup_err(e, -errno, "make the container's stdio pipes: %m");
		close_pairp(&s->out_pipe);
		s->out_pipe[0] = s->out_pipe[1] = -EBADF;
		return r;
	}
	in[1] = safe_close(in[1]);
	ret_stdio[0] = in[0];
	ret_stdio[1] = s->out_pipe[1];
	ret_stdio[2] = s->err_pipe[1];
	return 0;
}

/* config.json, which the CLI handed us in SYNC_GO, into the container's
 * folder (where `berth start` and `inspect` read it). Written in place,
 * so that a spare's (spare.c) keeps its inode. Only `start` needs it,
 * after the container's end; an `inspect` that races this write, while
 * the container is being created, shows no configuration (`null`) for a
 * file missing or short alike. */
static int write_config(Supervisor *s, SetupError *e)
{
	if (!s->start.config)
		return 0;
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/config.json", s->bundle) < 0)
		return setup_err(e, -ENOMEM, "write config.json: %m");
	int r = write_file_in_place(path, s->start.config, strlen(s->start.config), 0600);
	if (r < 0)
		return setup_err(e, r, "write `%s`: %m", path);
	free(s->start.config);
	s->start.config = NULL;
	return 0;
}

/* The exit of the container's last process tears its mount namespace
 * down (every mount unmounted, an RCU grace period waited for) before the
 * kernel reports that exit: 0.4 to 1.5 ms of every `run` here. Holding
 * the namespace makes that our work, after the exit is told
 * (supervisor_finish()). Not when the host's files are bound in: who ran
 * the container may unmount their source the moment `run` returns, and
 * must not find it still in use. */
static void hold_mount_namespace(Supervisor *s, pid_t pid)
{
	for (size_t i = 0; i < s->spec->n_mounts; i++)
		if (streq(s->spec->mounts[i].type, "bind"))
			return;
	char ns[64];
	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)pid);
	s->mnt_ns_fd = open(ns, O_RDONLY | O_CLOEXEC);
}

int supervisor_spawn(Supervisor *s, SetupError *e)
{
	const ContainerSpec *spec = s->spec;
	_cleanup_close_pair_ int in[2] = { -EBADF, -EBADF };
	SetupParams p = { .spec = spec,
			  .bundle = s->bundle,
			  .throwaway = s->auto_remove,
			  .cgroup_fd = s->cgroup_fd,
			  .stage_fd = TAKE_FD(s->start.stage_fd) };
	int r = container_stdio(s, in, p.stdio, e);
	if (r < 0) {
		safe_close(p.stage_fd);
		return r;
	}
	_cleanup_(setup_process_done) SetupProcess proc = SETUP_PROCESS_INIT;
	r = setup_spawn(&p, &proc, e);
	/* The container's ends are its own now (or no one's). */
	in[0] = safe_close(in[0]);
	s->out_pipe[1] = safe_close(s->out_pipe[1]);
	s->err_pipe[1] = safe_close(s->err_pipe[1]);
	if (r < 0)
		return r;

	/* While the init sets the container up (the thread sends it its
	 * network namespace): what it needs before it can exec, then the DB
	 * connection the next records use. All before the user namespace's
	 * maps, which the init asks for only after its mounts. */
	r = setup_prepare_release(&proc, spec, s->cgroup_fd, e);
	if (r >= 0)
		r = write_config(s, e);
	(void)supervisor_open_db(s);
	/* What the running record holds besides the time. */
	(void)proc_start_time(proc.pid, &s->pid_start_time);
	(void)proc_start_time(getpid(), &s->self_start_time);
	(void)boot_id(s->boot_id);
	int m = setup_map_ids(&proc, spec);
	if (m < 0)
		log_debug_errno(m, "map the user namespace: %m");
	hold_mount_namespace(s, proc.pid);
	if (r >= 0)
		r = supervisor_network_pasta(s, proc.pid, e);

	/* The command runs once the CLI has recorded the container
	 * (protocol.h); -ECANCELED: it called the run off. EPIPE: the init
	 * failed before it read, and says why below. */
	bool init_gone = r == -EPIPE;
	if (r >= 0 && !supervisor_await_commit(s))
		r = -ECANCELED;
	if (r >= 0) {
		r = setup_release(&proc);
		init_gone = r == -EPIPE;
		if (r < 0 && !init_gone)
			setup_err(e, r, "let the container's command run: %m");
	}
	if (r < 0 && !init_gone) {
		s->mnt_ns_fd = safe_close(s->mnt_ns_fd);
		return r; /* setup_process_done() kills the init */
	}
	/* The init mounts and execs for a millisecond or two: listen on the
	 * control socket meanwhile, which must be there before `running` is
	 * told (a failure is said, and tried again, by run()). */
	(void)control_listen(s);
	r = setup_wait_exec(&proc, e);
	if (r < 0) {
		if (s->ev.ctl_fd >= 0) {
			s->ev.ctl_fd = safe_close(s->ev.ctl_fd);
			control_stop(s);
		}
		s->mnt_ns_fd = safe_close(s->mnt_ns_fd);
		return r;
	}
	if (spec->terminal && proc.tty_master < 0)
		log_warning("the container's terminal did not reach us");
	s->pid = proc.pid;
	s->pidfd = TAKE_FD(proc.pidfd);
	s->tty_master = TAKE_FD(proc.tty_master);
	return 0;
}

pid_t supervisor_run_helper(char *const argv[], int log_fd, int keep_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(log_fd, 2) < 0 ||
	    (keep_fd >= 0 && keep_fd != 3 && dup2(keep_fd, 3) < 0) ||
	    (keep_fd == 3 && fd_set_cloexec(3, false) < 0))
		_exit(127);
	/* Nothing else of ours: our sync socket (fd 3) is not close-on-exec. */
	(void)syscall(SYS_close_range, keep_fd >= 0 ? 4 : 3, ~0U, 0);
	/* Signals as a new program expects them: pasta 2023-03-09 takes an
	 * ignored SIGPIPE for a failure to install its handlers. */
	for (int sig = 1; sig < _NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[0], argv);
	_exit(127);
}

void helper_log_last_line(const char *log, const char *skip, char *buf, size_t size)
{
	_cleanup_free_ char *text = NULL;
	snprintf(buf, size, "it ended without saying why");
	if (read_full_file(log, &text, NULL) < 0)
		return;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (*line && !strstr(line, skip))
			snprintf(buf, size, "%s", line);
	}
}
