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
 * PID namespace; we stay outside it, invisible to the container. */

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "log.h"
#include "parse.h"
#include "seccomp-filter.h"
#include "sanitizer.h"
#include "supervisor.h"
#include "tty.h"
#include "tty-relay.h"
#include "util.h"

typedef struct {
	const char *root;
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
	enum { ARG_ROOT = 0x100, ARG_ID, ARG_PID, ARG_PID_START, ARG_CGROUP, ARG_DETACH, ARG_ENV,
	       ARG_WORKDIR, ARG_USER, ARG_TTY };
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
	if (!a->id || !id_prefix_is_valid(a->id) || a->pid <= 0 || !a->cgroup || optind >= argc)
		return -EINVAL;
	a->args = argv + optind;
	return 0;
}

_noreturn_ static void child(const ContainerSpec *spec, const ExecArgs *a,
			     const ProcessIdentity *id, char **env, int errfd, int slave, int stage,
			     int join_procs_fd, int pidfd)
{
	InitError e = { .exit_code = EXIT_BERTH_ERROR };

	/* Cloned with clone(): into the container's cgroup first.
	 * join_procs_fd is -EBADF when clone3() put us there already, and
	 * another -errno when it could not be opened. */
	if (join_procs_fd != -EBADF && (join_procs_fd < 0 || write(join_procs_fd, "0", 1) != 1)) {
		e.error = join_procs_fd < 0 ? join_procs_fd : -errno;
		snprintf(e.msg, sizeof(e.msg), "join the container's cgroup: %s", strerror(-e.error));
		goto fail;
	}
	/* In its cgroup, then its cgroup namespace (see exec_main()), and the
	 * user namespace last: once in it we would lack the host's privileges
	 * that joining the others needs (they belong to the host's). */
	if (spec->namespaces[NS_CGROUP].enabled && setns(pidfd, CLONE_NEWCGROUP) < 0) {
		e.error = -errno;
		snprintf(e.msg, sizeof(e.msg), "join the container's cgroup namespace: %s",
			 strerror(errno));
		goto fail;
	}
	if (spec->namespaces[NS_USER].enabled && setns(pidfd, CLONE_NEWUSER) < 0) {
		e.error = -errno;
		snprintf(e.msg, sizeof(e.msg), "join the container's user namespace: %s",
			 strerror(errno));
		goto fail;
	}

	/* Until execve() this process runs berth's code inside the container:
	 * not dumpable, so the container cannot reach our memory or
	 * /proc/PID/exe (the runc CVE-2019-5736 class). exec resets it. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	sigset_t none;
	sigemptyset(&none);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* A session of its own: a terminal's Ctrl-C reaches us, and we pass it
	 * on once, instead of it hitting both of us. */
	(void)setsid();
	if (slave >= 0) {
		for (int i = 0; i < 3; i++)
			(void)dup2(slave, i);
		(void)ioctl(0, TIOCSCTTY, 0);
	}

	const char *cwd = a->workdir ? a->workdir : spec->cwd;
	process_close_fds(errfd, stage);
	int r = process_chdir(cwd, false, e.msg, sizeof(e.msg));
	if (r < 0) {
		e.error = r;
		e.exit_code = EXIT_CANNOT_EXEC;
		goto fail;
	}
	r = process_apply_identity(id, e.msg, sizeof(e.msg));
	if (r < 0) {
		e.error = r;
		goto fail;
	}
	stage_exec(stage, errfd, a->args, env);
	e.error = -errno;
	snprintf(e.msg, sizeof(e.msg), "start the command (berth-stage): %s", strerror(errno));
fail:;
	ssize_t w _unused_ = write(errfd, &e, sizeof(e));
	_exit(e.exit_code);
}

/* Takes master. */
static int wait_forwarding(int pidfd, int master)
{
	/* Every signal we may forward, plus SIGCHLD, arrives on a signalfd. */
	sigset_t mask;
	sigemptyset(&mask);
	int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	TtyRelay t;
	tty_relay_begin(&t, master);
	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		tty_relay_end(&t);
		return log_error_errno(-errno, "signalfd: %m");
	}
	int ret = 0;
	bool exited = false;
	/* After the exit, until the relay has copied what the process wrote
	 * last; a signal then means "stop copying". */
	while (!exited || !tty_relay_done(&t)) {
		struct pollfd p[2 + TTY_RELAY_NFDS] = {
			{ .fd = exited ? -1 : pidfd, .events = POLLIN },
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
		if (p[1].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGWINCH)
					tty_relay_winsize(&t);
				else if (exited)
					stop = true;
				else
					(void)syscall(SYS_pidfd_send_signal, pidfd, si.ssi_signo, NULL, 0);
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
			tty_relay_finish(&t);
		}
	}
	tty_relay_end(&t);
	return ret;
}

int exec_main(int argc, char *argv[])
{
	ExecArgs a = { 0 };
	if (parse_exec_argv(argc, argv, &a) < 0) {
		log_error("exec: invalid arguments; use `berth exec`");
		return EXIT_BERTH_ERROR;
	}

	BerthPaths paths;
	if (paths_init(&paths, a.root) < 0)
		return EXIT_BERTH_ERROR;
	_cleanup_free_ char *config = path_container_file(&paths, a.id, "config.json");
	_cleanup_free_ char *cache = NULL;
	if (asprintf(&cache, "%s/cache", paths.run_dir) >= 0)
		seccomp_cache_dir(cache);
	paths_done(&paths);
	_cleanup_free_ char *error = NULL;
	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	int r = config ? spec_read_file(config, &spec, &error) : -ENOMEM;
	if (r < 0) {
		log_error("%s", error ? error : strerror(-r));
		return EXIT_BERTH_ERROR;
	}
	_cleanup_strv_free_ char **env = strv_copy(spec->env);
	for (size_t i = 0; a.env && a.env[i]; i++) {
		/* -e KEY=VALUE replaces the container's KEY. */
		size_t klen = (size_t)(strchr(a.env[i], '=') - a.env[i]) + 1;
		bool replaced = false;
		for (size_t k = 0; env && env[k]; k++)
			if (strncmp(env[k], a.env[i], klen) == 0) {
				free(env[k]);
				env[k] = strdup(a.env[i]);
				replaced = true;
			}
		if (!replaced)
			(void)strv_push(&env, a.env[i]);
	}

	_cleanup_close_ int pidfd = -EBADF;
	r = pidfd_open_checked(a.pid, a.pid_start, &pidfd);
	if (r < 0) {
		log_error("the container is not running");
		return EXIT_BERTH_ERROR;
	}
	/* The stage and the cgroup, while we still see the host's filesystem. */
	_cleanup_close_ int stage = -EBADF;
	r = stage_memfd(&stage);
	if (r < 0) {
		log_error_errno(r, "prepare berth-stage (next to berth-supervisor): %m");
		return EXIT_BERTH_ERROR;
	}
	_cleanup_close_ int cgfd = open(a.cgroup, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		log_error_errno(-errno, "open the container's cgroup: %m");
		return EXIT_BERTH_ERROR;
	}

	/* Only for the clone() fallback, and opened here: writing to it checks
	 * the cgroup namespace it was opened in, and in the container's our
	 * own cgroup is out of reach. */
	_cleanup_close_ int procs = RET_NERRNO(openat(cgfd, "cgroup.procs", O_WRONLY | O_CLOEXEC));

	/* Not the cgroup namespace, nor the user namespace: the process joins
	 * them itself once cloned into the container's cgroup (child()). On a
	 * cgroup2 mounted with nsdelegate, as systemd mounts it, the kernel
	 * places a process in a cgroup only for a caller whose cgroup
	 * namespace shows both its old and its new cgroup, and the container's
	 * hides ours: clone3() would fail with ENOENT. */
	int flags = 0;
	for (int t = 0; t < _NS_MAX; t++)
		if (spec->namespaces[t].enabled && t != NS_USER && t != NS_CGROUP)
			flags |= namespace_type_clone_flag((NamespaceType)t);
	sanitizer_leak_check_before_setns();
	if (setns(pidfd, flags) < 0) {
		log_error_errno(-errno, "join the container's namespaces: %m");
		return EXIT_BERTH_ERROR;
	}

	/* Blocked from here on: the child resets its mask; we take signals
	 * through a signalfd and pass them on. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	int errpipe[2];
	if (pipe2(errpipe, O_CLOEXEC) < 0) {
		log_error_errno(-errno, "pipe: %m");
		return EXIT_BERTH_ERROR;
	}
	/* -t: a pty of the container's devpts (we are in its mount
	 * namespace now); we relay it, the process gets the slave. */
	_cleanup_close_ int master = -EBADF, slave = -EBADF;
	if (a.tty) {
		_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		r = root < 0 ? -errno : tty_open_pair(root, &master, &slave);
		if (r < 0) {
			log_error_errno(r, "create a terminal in the container: %m");
			return EXIT_BERTH_ERROR;
		}
	}
	/* The same identity and privileges as the container's init. */
	ProcessIdentity id = {
		.uid = a.has_user ? a.uid : spec->uid,
		.gid = a.has_user ? a.gid : spec->gid,
		.groups = a.has_user ? NULL : spec->additional_gids,
		.n_groups = a.has_user ? 0 : spec->n_additional_gids,
		.no_new_privileges = spec->no_new_privileges,
	};
	if (process_identity_caps(&id, spec) < 0) {
		log_error("the container's capabilities are invalid");
		return EXIT_BERTH_ERROR;
	}
	/* A non-root user keeps no capabilities, as in Podman. */
	if (id.uid != 0)
		id.cap_effective = id.cap_permitted = id.cap_ambient = id.cap_inheritable = 0;
	struct sock_fprog filter;
	_cleanup_free_ char *serr = NULL;
	if (seccomp_prepare(spec, id.cap_effective, &filter, &serr) < 0) {
		log_error("%s", serr ? serr : "build the seccomp filter");
		return EXIT_BERTH_ERROR;
	}
	_cleanup_free_ struct sock_filter *filter_mem = filter.filter;
	if (filter.len > 0)
		id.seccomp = &filter;
	int child_pidfd = -1;
	bool joined;
	pid_t pid = clone_into_cgroup(0, cgfd, &child_pidfd, &joined);
	if (pid == 0)
		child(spec, &a, &id, env, errpipe[1], slave, stage, joined ? -EBADF : procs, pidfd);
	close(errpipe[1]);
	slave = safe_close(slave);
	if (pid < 0) {
		close(errpipe[0]);
		log_error_errno(pid, "start the process in the container: %m");
		return EXIT_BERTH_ERROR;
	}
	_cleanup_close_ int cpidfd = child_pidfd;

	InitError e;
	ssize_t n = read(errpipe[0], &e, sizeof(e));
	close(errpipe[0]);
	if (n == (ssize_t)sizeof(e)) {
		siginfo_t si;
		(void)waitid(P_PIDFD, (id_t)cpidfd, &si, WEXITED);
		e.msg[sizeof(e.msg) - 1] = 0;
		log_setup("berth", log_get_level());
		log_error("%s", e.msg);
		return e.exit_code;
	}
	if (a.detach)
		return 0;
	r = wait_forwarding(cpidfd, TAKE_FD(master));
	return r < 0 ? EXIT_BERTH_ERROR : r;
}
