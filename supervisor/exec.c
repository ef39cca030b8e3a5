/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* `berth-supervisor exec`: runs one more process in a running container,
 * as conmon does for `podman exec`. `berth exec` execs this binary in its
 * own place, so signals sent to `berth exec` arrive here and are passed
 * on, and our exit status is the process's.
 *
 * We join the container's namespaces through a pidfd of its init (one
 * setns() for all of them, so we cannot end up half in), then clone the
 * process straight into the container's cgroup. The new process joins the
 * PID namespace; we stay outside it, invisible to the container.
 *
 * Nothing of the caller's reaches the container. The process gets pipes
 * that we relay to the caller's stdio (common/stdio-relay.c), a terminal of
 * the container's own with -t, the container's /dev/null with -d: never
 * the caller's descriptors, nor the host's /dev/null (whose inode root in
 * the container could chmod through /proc/PID/fd/N), which root in the container could reopen through
 * /proc/PID/fd/N (a read-only file for writing, an O_APPEND log for
 * truncating, a directory to walk out of), and which a process it leaves
 * behind would keep after we return (the admin's terminal, its next
 * input). Until it execs its command the process is berth's and holds the
 * error pipe, whose other end we read: it is never dumpable, so the
 * container cannot reach it through /proc (see exec_main()), and every
 * wait on it is bounded and ends on a signal (wait_started()). */

#include <fcntl.h>
#include <getopt.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "log.h"
#include "parse.h"
#include "printable.h"
#include "resolve.h"
#include "seccomp-filter.h"
#include "stdio-relay.h"
#include "sanitizer.h"
#include "supervisor.h"
#include "tty.h"
#include "tty-relay.h"
#include "util.h"

/* How long the process may take from clone() to the execve() of its
 * command, which berth-stage tells by closing the error pipe. It joins a
 * cgroup and namespaces, changes directory and execs: milliseconds. Past
 * this something hangs (a frozen cgroup, a dead NFS mount), and `exec -d`
 * in a script must not wait for ever. */
#define START_TIMEOUT_MS (30 * 1000)
/* Once it has said why it failed, the process only exits. */
#define FAILED_EXIT_WAIT_MS 2000

/* What we pass on to the process, through a signalfd. */
static const int forwarded_signals[] = { SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
					 SIGUSR1, SIGUSR2, SIGWINCH };

typedef struct {
	const char *root;
	const char *run_root;
	const char *id;
	pid_t pid;
	uint64_t pid_start;
	const char *cgroup;
	bool detach;
	bool tty;
	char **env;
	const char *workdir;
	bool has_user;
	uint32_t uid, gid;
	char **args;
} ExecArgs;

static int parse_exec_argv(int argc, char *argv[], ExecArgs *a)
{
	enum {
		ARG_ROOT = 0x100,
		ARG_ID,
		ARG_PID,
		ARG_PID_START,
		ARG_CGROUP,
		ARG_DETACH,
		ARG_ENV,
		ARG_WORKDIR,
		ARG_USER,
		ARG_TTY,
		ARG_RUN_ROOT,
	};
	static const struct option options[] = {
		{ "root", required_argument, NULL, ARG_ROOT },
		{ "id", required_argument, NULL, ARG_ID },
		{ "pid", required_argument, NULL, ARG_PID },
		{ "pid-start", required_argument, NULL, ARG_PID_START },
		{ "cgroup", required_argument, NULL, ARG_CGROUP },
		{ "detach", no_argument, NULL, ARG_DETACH },
		{ "tty", no_argument, NULL, ARG_TTY },
		{ "env", required_argument, NULL, ARG_ENV },
		{ "workdir", required_argument, NULL, ARG_WORKDIR },
		{ "user", required_argument, NULL, ARG_USER },
		{ "run-root", required_argument, NULL, ARG_RUN_ROOT },
		{},
	};
	int c;
	long v;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", options, NULL)) >= 0) {
		switch (c) {
		case ARG_ROOT:
			a->root = optarg;
			break;
		case ARG_RUN_ROOT:
			a->run_root = optarg;
			break;
		case ARG_ID:
			a->id = optarg;
			break;
		case ARG_PID:
			if (parse_int_range(optarg, 1, INT32_MAX, &v) < 0)
				return -EINVAL;
			a->pid = (pid_t)v;
			break;
		case ARG_PID_START:
			if (parse_uint64(optarg, &a->pid_start) < 0)
				return -EINVAL;
			break;
		case ARG_CGROUP:
			a->cgroup = optarg;
			break;
		case ARG_DETACH:
			a->detach = true;
			break;
		case ARG_TTY:
			a->tty = true;
			break;
		case ARG_ENV:
			if (!env_assignment_is_valid(optarg) || strv_push(&a->env, optarg) < 0)
				return -EINVAL;
			break;
		case ARG_WORKDIR:
			a->workdir = optarg;
			break;
		case ARG_USER: {
			char *colon = strchr(optarg, ':');
			if (colon)
				*colon = 0;
			if (parse_ugid(optarg, &a->uid) < 0 ||
			    (colon && parse_ugid(colon + 1, &a->gid) < 0))
				return -EINVAL;
			if (!colon)
				a->gid = a->uid;
			a->has_user = true;
			break;
		}
		default:
			return -EINVAL;
		}
	}
	if (!a->id || !id_prefix_is_valid(a->id) || a->pid <= 0 || optind >= argc)
		return -EINVAL;
	a->args = argv + optind;
	return 0;
}

static void kill_process(int pidfd)
{
	(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
}

/* The process could not run its command and said why in e: the message
 * comes from berth's code, but shown only as printable text (printable.h)
 * and with one of the exit codes berth-stage and child() use. Returns
 * what we exit with. */
static int report_start_failure(const SetupError *e, int pidfd)
{
	if (pidfd_wait_exit(pidfd, FAILED_EXIT_WAIT_MS) < 0)
		kill_process(pidfd);
	char msg[2 * SYNC_MSG_MAX];
	log_error("%s", printable_text(msg, sizeof(msg), e->msg, sizeof(e->msg)));
	bool known = e->exit_code == EXIT_BERTH_ERROR || e->exit_code == EXIT_CANNOT_EXEC ||
		     e->exit_code == EXIT_NOT_FOUND;
	return known ? e->exit_code : EXIT_BERTH_ERROR;
}

/* Waits until the process has exec'd its command: berth-stage's execve()
 * closes the error pipe (errfd, non-blocking), or it writes an InitError
 * there. Returns 0 once it runs; else what we exit with, having said why.
 * Until then the process is berth's: a signal (but SIGWINCH) or
 * START_TIMEOUT_MS kill it and end this wait, whatever keeps it (a frozen
 * cgroup, an execve() that hangs). */
static int wait_started(int errfd, int pidfd, int sfd)
{
	uint64_t deadline = now_mono_usec() + START_TIMEOUT_MS * 1000ULL;
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = errfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
		};
		uint64_t now = now_mono_usec();
		int timeout = now >= deadline ? 0 : (int)((deadline - now + 999) / 1000);
		int n = poll(p, ELEMENTSOF(p), timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kill_process(pidfd);
			log_error_errno(-errno, "poll: %m");
			return EXIT_BERTH_ERROR;
		}
		if (n == 0) {
			kill_process(pidfd);
			log_error("the command did not start within %d s; it was killed",
				  START_TIMEOUT_MS / 1000);
			return EXIT_BERTH_ERROR;
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				if (si.ssi_signo != SIGWINCH) {
					kill_process(pidfd);
					return 128 + (int)si.ssi_signo;
				}
		}
		if (!p[0].revents && !p[2].revents)
			continue;
		SetupError e;
		ssize_t k = read(errfd, &e, sizeof(e));
		if (k == 0)
			return 0;
		if (k == (ssize_t)sizeof(e))
			return report_start_failure(&e, pidfd);
		/* The process ended, and yet the pipe has a writer: it can only
		 * be one it left, whose status the relay reports. */
		if (k < 0 && errno == EAGAIN && p[2].revents)
			return 0;
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		/* A message is one write of less than PIPE_BUF: never cut. */
		kill_process(pidfd);
		log_error_errno(k < 0 ? -errno : -EIO, "read why the command did not start: %m");
		return EXIT_BERTH_ERROR;
	}
}

/* Takes master. */
static int wait_forwarding(int pidfd, int sfd, int master, StdioRelay *pipes)
{
	TtyRelay t;
	tty_relay_begin(&t, master);
	int ret = 0;
	bool exited = false;
	/* After the exit, until the relays have copied what the process wrote
	 * last; a signal then means "stop copying". */
	while (!exited || !tty_relay_done(&t) || !stdio_relay_done(pipes)) {
		struct pollfd p[2 + TTY_RELAY_NFDS + STDIO_RELAY_NFDS] = {
			{ .fd = exited ? -1 : pidfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		int timeout = tty_relay_pollfds(&t, p + 2);
		int pipe_timeout = stdio_relay_pollfds(pipes, p + 2 + TTY_RELAY_NFDS);
		if (pipe_timeout >= 0 && (timeout < 0 || pipe_timeout < timeout))
			timeout = pipe_timeout;
		if (poll(p, ELEMENTSOF(p), timeout) < 0) {
			if (errno == EINTR)
				continue;
			ret = log_error_errno(-errno, "poll: %m");
			break;
		}
		tty_relay_handle(&t, p + 2);
		stdio_relay_handle(pipes, p + 2 + TTY_RELAY_NFDS);
		bool stop = false;
		if (p[1].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGWINCH)
					tty_relay_winsize(&t);
				else if (exited)
					stop = true;
				else
					(void)syscall(SYS_pidfd_send_signal, pidfd, si.ssi_signo,
						      NULL, 0);
			}
		}
		if (stop)
			break;
		if (p[0].revents) {
			siginfo_t si = { 0 };
			if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0) {
				ret = log_error_errno(-errno, "wait: %m");
				break;
			}
			ret = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
			exited = true;
			/* exec returns when its process has ended, as podman's does:
			 * what the process wrote is copied, and then nothing it left
			 * behind reaches the caller any more (stdio-relay.h). */
			tty_relay_finish(&t);
			stdio_relay_finish(pipes);
		}
	}
	tty_relay_end(&t);
	stdio_relay_end(pipes);
	return ret;
}

/* The container's environment, with each -e KEY=VALUE replacing the
 * container's KEY or added to it. */
static char **exec_env(char *const *base, char *const *add)
{
	char **env = strv_copy(base);
	for (size_t i = 0; add && add[i]; i++) {
		size_t klen = (size_t)(strchr(add[i], '=') - add[i]) + 1;
		bool replaced = false;
		for (size_t k = 0; env && env[k]; k++)
			if (strncmp(env[k], add[i], klen) == 0) {
				free(env[k]);
				env[k] = strdup(add[i]);
				replaced = true;
			}
		if (!replaced)
			(void)strv_push(&env, add[i]);
	}
	return env;
}

/* -t: a pty of the container's devpts (the caller is in its mount
 * namespace); we relay the master, the process gets the slave. */
static int exec_terminal(int *ret_master, int *ret_slave)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = root < 0 ? -errno : tty_open_pair(root, ret_master, ret_slave);
	if (r < 0)
		return log_error_errno(r, "create a terminal in the container: %m");
	return 0;
}

/* -d: nobody relays a detached process's stdio: the container's own
 * /dev/null (the caller is in its mount namespace), checked to be that
 * device before it is handed on. */
static int exec_devnull(int *ret_fd)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r = root < 0 ? -errno
			 : resolve_in_root(root, "/dev/null", O_RDWR | O_NOCTTY | O_NONBLOCK, true,
					   &fd);
	if (r >= 0 && (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)))
		r = -ENODEV;
	if (r < 0)
		return log_error_errno(r, "open the container's /dev/null: %m");
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The same identity and privileges as the container's init, for the
 * process exec starts; its seccomp filter in ret_filter, which the
 * caller frees. */
static int exec_identity(const ContainerSpec *spec, const ExecArgs *a, ProcessIdentity *id,
			 struct sock_fprog *ret_filter)
{
	/* The same identity and privileges as the container's init. */
	*id = (ProcessIdentity){
		.uid = a->has_user ? a->uid : spec->uid,
		.gid = a->has_user ? a->gid : spec->gid,
		.groups = a->has_user ? NULL : spec->additional_gids,
		.n_groups = a->has_user ? 0 : spec->n_additional_gids,
		.no_new_privileges = spec->no_new_privileges,
	};
	if (process_identity_caps(id, spec) < 0)
		return log_error_errno(-EINVAL, "the container's capabilities are invalid");
	/* A non-root user keeps no capabilities, as in Podman. */
	if (id->uid != 0)
		id->cap_effective = id->cap_permitted = id->cap_ambient = id->cap_inheritable = 0;
	_cleanup_free_ char *serr = NULL;
	int r = process_identity_seccomp(id, spec, ret_filter, &serr);
	if (r < 0)
		return log_error_errno(r, "%s", serr ? serr : "build the seccomp filter");
	return 0;
}

/* The container's config.json (and the seccomp cache of its root). */
static int exec_read_config(const ExecArgs *a, ContainerSpec **ret)
{
	BerthPaths paths;
	if (paths_init(&paths, a->root) < 0 ||
	    (a->run_root && paths_set_run_dir(&paths, a->run_root) < 0))
		return log_error_errno(-ENOMEM, "out of memory");
	_cleanup_free_ char *config = path_container_file(&paths, a->id, "config.json");
	_cleanup_free_ char *cache = NULL;
	if (asprintf(&cache, "%s/cache", paths.run_dir) >= 0)
		seccomp_cache_dir(cache);
	paths_done(&paths);
	_cleanup_free_ char *error = NULL;
	int r = config ? spec_read_file(config, ret, &error) : -ENOMEM;
	if (r < 0 && error)
		return log_error_errno(r, "%s", error);
	if (r < 0)
		return log_error_errno(r, "read the container's configuration `%s`: %m",
				       config ? config : "config.json");
	return 0;
}

/* What we open while we still see the host's filesystem: the container's
 * init, the stage, the cgroup and (only for the clone() fallback, and
 * opened here: writing to it checks the cgroup namespace it was opened
 * in, and in the container's our own cgroup is out of reach) its
 * cgroup.procs. */
static int exec_host_side(const ExecArgs *a, int *pidfd, int *stage, int *cgfd, int *procs)
{
	if (pidfd_open_checked(a->pid, a->pid_start, pidfd) < 0)
		return log_error_errno(-ESRCH, "the container is not running");
	int r = stage_memfd(stage);
	if (r < 0)
		return log_error_errno(r, "prepare berth-stage (next to berth-supervisor): %m");
	/* None: a rootless container without a delegated cgroup, which runs
	 * in its supervisor's. */
	if (!a->cgroup)
		return 0;
	*cgfd = open(a->cgroup, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*cgfd < 0)
		return log_error_errno(-errno, "open the container's cgroup: %m");
	*procs = RET_NERRNO(openat(*cgfd, "cgroup.procs", O_WRONLY | O_CLOEXEC));
	return 0;
}

/* Joins the container's namespaces but its cgroup and user namespaces:
 * the process joins those itself once cloned into the container's cgroup
 * (child()). On a cgroup2 mounted with nsdelegate, as systemd mounts it,
 * the kernel places a process in a cgroup only for a caller whose cgroup
 * namespace shows both its old and its new cgroup, and the container's
 * hides ours: clone3() would fail with ENOENT. Then every signal is
 * blocked (the child resets its mask) and those we pass on come through
 * *sfd; errpipe is the error pipe, its reading end non-blocking. */
static int exec_enter(const ContainerSpec *spec, int pidfd, int *sfd, int errpipe[2])
{
	int flags = 0;
	for (int t = 0; t < _NS_MAX; t++)
		if (spec->namespaces[t].enabled && t != NS_USER && t != NS_CGROUP)
			flags |= namespace_type_clone_flag((NamespaceType)t);
	sanitizer_leak_check_before_setns();
	if (setns(pidfd, flags) < 0)
		return log_error_errno(-errno, "join the container's namespaces: %m");
	sigset_t all, mask;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	sigemptyset(&mask);
	for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
		sigaddset(&mask, forwarded_signals[i]);
	*sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (*sfd < 0 || pipe2(errpipe, O_CLOEXEC) < 0)
		return log_error_errno(-errno, "signalfd, pipe: %m");
	(void)fd_set_nonblock(errpipe[0]);
	return 0;
}

int exec_main(int argc, char *argv[])
{
	/* Not dumpable, before we hold anything to pass on: the process we
	 * clone inherits it (with our memory map), so from its first moment
	 * in the container's PID namespace to its execve() its /proc/PID
	 * entries are root's of the host, and ptrace, /proc/PID/fd and
	 * /proc/PID/exe are refused to the container (they need
	 * CAP_SYS_PTRACE in the host's user namespace, which the memory map
	 * belongs to). berth-stage, which it execs, stays so too (see the
	 * capabilities below); the command gets what execve() gives any
	 * program. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	ExecArgs a = { 0 };
	if (parse_exec_argv(argc, argv, &a) < 0) {
		log_error("exec: invalid arguments; use `berth exec`");
		return EXIT_BERTH_ERROR;
	}

	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	int r = exec_read_config(&a, &spec);
	if (r < 0)
		return EXIT_BERTH_ERROR;
	_cleanup_strv_free_ char **env = exec_env(spec->env, a.env);
	_cleanup_close_ int pidfd = -EBADF, stage = -EBADF, cgfd = -EBADF, procs = -EBADF;
	if (exec_host_side(&a, &pidfd, &stage, &cgfd, &procs) < 0)
		return EXIT_BERTH_ERROR;

	/* The process's stdio: pipes we relay. */
	_cleanup_(stdio_relay_end) StdioRelay pipes = STDIO_RELAY_INIT;
	int stdio[3] = { -EBADF, -EBADF, -EBADF };
	_cleanup_close_ int devnull = -EBADF;
	if (!a.tty && !a.detach) {
		r = stdio_relay_open(&pipes, STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO);
		if (r < 0) {
			log_error_errno(r, "make the command's stdio pipes: %m");
			return EXIT_BERTH_ERROR;
		}
		memcpy(stdio, pipes.child, sizeof(stdio));
	}

	_cleanup_close_ int sfd = -EBADF;
	int errpipe[2];
	if (exec_enter(spec, pidfd, &sfd, errpipe) < 0)
		return EXIT_BERTH_ERROR;
	_cleanup_close_ int master = -EBADF, slave = -EBADF;
	r = a.tty ? exec_terminal(&master, &slave) : a.detach ? exec_devnull(&devnull) : 0;
	if (r < 0)
		return EXIT_BERTH_ERROR;
	if (slave >= 0)
		stdio[0] = stdio[1] = stdio[2] = slave;
	else if (devnull >= 0)
		stdio[0] = stdio[1] = stdio[2] = devnull;
	ProcessIdentity id;
	struct sock_fprog filter = { 0 };
	r = exec_identity(spec, &a, &id, &filter);
	_cleanup_free_ struct sock_filter *filter_mem = filter.filter;
	if (r < 0)
		return EXIT_BERTH_ERROR;
	/* Not dumpable since before clone() (above): the container cannot
	 * reach its memory, /proc/PID/exe (the runc CVE-2019-5736 class) or
	 * its descriptors. */
	SetupJoin j = {
		.spec = spec,
		.target_pidfd = pidfd,
		.cgroup_fd = cgfd,
		.procs_fd = procs,
		.id = &id,
		.cwd = a.workdir ? a.workdir : spec->cwd,
		.argv = a.args,
		.envp = env,
		.stdio = { stdio[0], stdio[1], stdio[2] },
		.controlling_tty = a.tty,
		.stage_fd = stage,
		.error_fd = errpipe[1],
	};
	int child_pidfd = -EBADF;
	pid_t pid = setup_join_spawn(&j, &child_pidfd);
	close(errpipe[1]);
	/* The process's ends are its own now. */
	stdio_relay_close_child(&pipes);
	slave = safe_close(slave);
	devnull = safe_close(devnull);
	_cleanup_close_ int errfd = errpipe[0];
	if (pid < 0) {
		log_error_errno(pid, "start the process in the container: %m");
		return EXIT_BERTH_ERROR;
	}
	_cleanup_close_ int cpidfd = child_pidfd;

	r = wait_started(errfd, cpidfd, sfd);
	errfd = safe_close(errfd);
	if (r != 0 || a.detach)
		return r;
	r = wait_forwarding(cpidfd, sfd, TAKE_FD(master), &pipes);
	return r < 0 ? EXIT_BERTH_ERROR : r;
}
