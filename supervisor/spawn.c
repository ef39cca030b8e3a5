/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup.h"
#include "log.h"
#include "supervisor.h"
#include "tty.h"
#include "util.h"

static int write_map(pid_t pid, const char *file, const SpecIdMap *m, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	/* One write with every line: the kernel takes a map only once. */
	char *buf = malloc(n * 40 + 1);
	if (!buf)
		return -ENOMEM;
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%u %u %u\n", m[i].container_id, m[i].host_id,
				       m[i].size);
	int r = write_file(path, buf, len, 0, 0);
	free(buf);
	return r;
}

/* Waits for the init to ask (it has made its user namespace), writes the
 * maps, answers. If the init fails before asking, the socket closes and
 * its error comes through the error pipe as usual. */
static int map_user_namespace(Supervisor *s, pid_t pid, int fd)
{
	char c;
	ssize_t n = read(fd, &c, 1);
	if (n != 1 || c != 'U')
		return -EPIPE;
	int r = write_map(pid, "uid_map", s->spec->uid_maps, s->spec->n_uid_maps);
	if (r >= 0)
		r = write_map(pid, "gid_map", s->spec->gid_maps, s->spec->n_gid_maps);
	if (r < 0)
		return r; /* closing the socket makes the init fail */
	c = 'G';
	return write(fd, &c, 1) == 1 ? 0 : -errno;
}

static int read_init_error(int fd, InitError *ret)
{
	/* The init either execs (our end sees EOF, since the pipe is
	 * close-on-exec) or writes one InitError. A minute is far more than
	 * any set-up needs; past it something hangs (a dead NFS lower dir). */
	struct pollfd p = { .fd = fd, .events = POLLIN };
	for (;;) {
		int r = poll(&p, 1, 60000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		break;
	}
	ssize_t n = read(fd, ret, sizeof(*ret));
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof(*ret))
		return -EIO;
	ret->msg[sizeof(ret->msg) - 1] = 0;
	return 1;
}

/* A failure before the clone: everything opened for the child goes. */
static int spawn_abandon(Supervisor *s, InitPlan *plan, int errpipe[2], int console[2],
			 int userns[2], int r)
{
	safe_close(errpipe[0]);
	safe_close(errpipe[1]);
	safe_close(console[0]);
	safe_close(console[1]);
	safe_close(userns[0]);
	safe_close(userns[1]);
	if (!s->foreground && !s->spec->terminal) {
		safe_close(plan->stdio[0]);
		s->out_pipe[1] = safe_close(s->out_pipe[1]);
		s->err_pipe[1] = safe_close(s->err_pipe[1]);
	}
	init_plan_done(plan);
	return r;
}

int supervisor_spawn(Supervisor *s, char **ret_error, int *ret_exit_code)
{
	const ContainerSpec *spec = s->spec;
	InitPlan plan;
	_cleanup_free_ char *why = NULL;
	int r = init_plan_prepare(&plan, spec, s->bundle, s->auto_remove, &why);
	if (r < 0) {
		init_plan_done(&plan);
		if (asprintf(ret_error, "prepare the container: %s", why ? why : strerror(-r)) < 0)
			*ret_error = NULL;
		*ret_exit_code = EXIT_BERTH_ERROR;
		return r;
	}
	_cleanup_free_ char *rootfs = NULL;
	if (spec->root_path[0] == '/')
		rootfs = strdup(spec->root_path);
	else if (asprintf(&rootfs, "%s/%s", s->bundle, spec->root_path) < 0)
		rootfs = NULL;
	if (!rootfs) {
		init_plan_done(&plan);
		return -ENOMEM;
	}
	plan.rootfs = rootfs;

	if (s->stage_fd >= 0) {
		plan.stage_fd = TAKE_FD(s->stage_fd);
		r = 0;
	} else
		r = stage_memfd(&plan.stage_fd);
	if (r < 0) {
		init_plan_done(&plan);
		if (asprintf(ret_error, "prepare berth-stage (next to berth-supervisor): %s",
			     strerror(-r)) < 0)
			*ret_error = NULL;
		*ret_exit_code = EXIT_BERTH_ERROR;
		return r;
	}

	int errpipe[2];
	if (pipe2(errpipe, O_CLOEXEC) < 0) {
		r = -errno;
		init_plan_done(&plan);
		return r;
	}
	plan.error_fd = errpipe[1];

	int console[2] = { -EBADF, -EBADF };
	if (spec->terminal) {
		/* The init makes the pty and sends us its master. */
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0) {
			r = -errno;
			safe_close(errpipe[0]);
			safe_close(errpipe[1]);
			init_plan_done(&plan);
			return r;
		}
		plan.console_fd = console[1];
	} else if (s->foreground) {
		/* The CLI's own stdin/stdout/stderr, which we inherited. */
		plan.stdio[0] = STDIN_FILENO;
		plan.stdio[1] = STDOUT_FILENO;
		plan.stdio[2] = STDERR_FILENO;
	} else {
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull < 0 || pipe2(s->out_pipe, O_CLOEXEC) < 0 ||
		    pipe2(s->err_pipe, O_CLOEXEC) < 0) {
			r = -errno;
			safe_close(devnull);
			safe_close(errpipe[0]);
			safe_close(errpipe[1]);
			init_plan_done(&plan);
			return r;
		}
		plan.stdio[0] = devnull;
		plan.stdio[1] = s->out_pipe[1];
		plan.stdio[2] = s->err_pipe[1];
	}

	uint64_t flags = 0;
	for (int t = 0; t < _NS_MAX; t++)
		if (spec->namespaces[t].enabled && !spec->namespaces[t].path && t != NS_USER)
			flags |= (uint64_t)namespace_type_clone_flag((NamespaceType)t);
	/* A network namespace a thread of ours is making (netns.c): the init
	 * is cloned without one, and gets that one through netns[] once the
	 * thread is done. */
	int netns[2] = { -EBADF, -EBADF };
	if ((flags & CLONE_NEWNET) && s->netns.started &&
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, netns) == 0) {
		plan.netns_sock = netns[1];
		plan.netns_peer = netns[0];
		flags &= ~(uint64_t)CLONE_NEWNET;
	} else
		netns_prep_done(&s->netns); /* not wanted, or no way to hand it over */
	/* The user namespace comes last, from the init itself (see
	 * enter_user_namespace()); we write its maps when it asks. */
	int userns[2] = { -EBADF, -EBADF };
	if (spec->namespaces[NS_USER].enabled) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, userns) < 0) {
			r = -errno;
			safe_close(netns[0]);
			return spawn_abandon(s, &plan, errpipe, console, userns, r);
		}
		plan.userns_fd = userns[1];
	}
	/* Namespaces to share (--ipc container:NAME) are joined by us, the
	 * supervisor, and inherited by the child. Never the mount namespace:
	 * we need the host's filesystem after the clone. */
	for (int t = 0; t < _NS_MAX; t++) {
		const char *path = spec->namespaces[t].path;
		if (!spec->namespaces[t].enabled || !path)
			continue;
		if (t == NS_MOUNT || t == NS_USER) {
			r = -EOPNOTSUPP;
			if (asprintf(ret_error, "joining a %s namespace is not supported",
				     namespace_type_to_string((NamespaceType)t)) < 0)
				*ret_error = NULL;
		} else {
			int nsfd = open(path, O_RDONLY | O_CLOEXEC);
			r = nsfd < 0 ? -errno : RET_NERRNO(setns(nsfd, namespace_type_clone_flag((NamespaceType)t)));
			safe_close(nsfd);
			if (r < 0 && asprintf(ret_error, "join the %s namespace `%s`: %s",
					      namespace_type_to_string((NamespaceType)t), path,
					      strerror(-r)) < 0)
				*ret_error = NULL;
		}
		if (r < 0) {
			*ret_exit_code = EXIT_BERTH_ERROR;
			safe_close(netns[0]);
			return spawn_abandon(s, &plan, errpipe, console, userns, r);
		}
	}

	/* Signals stay blocked across clone so that no handler of ours runs
	 * in the child; the init resets them before exec. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	int pidfd = -1;
	bool joined;
	pid_t pid = clone_into_cgroup(flags, s->cgroup_fd, &pidfd, &joined);
	if (pid == 0) {
		if (!joined) {
			plan.join_cgroup_fd = s->cgroup_fd;
			plan.unshare_cgroupns = flags & CLONE_NEWCGROUP;
		}
		container_init(&plan);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);

	/* While the init sets the container up: the network namespace it
	 * waits for before /sys (if the thread failed, nothing goes and the
	 * init makes its own), then the DB connection the next records use.
	 * Both before the user namespace's maps, which the init asks for only
	 * after that. */
	if (netns[0] >= 0) {
		int fd = netns_prep_take(&s->netns);
		if (fd >= 0 && pid > 0)
			(void)tty_send_fd(netns[0], fd);
		else if (pid > 0) {
			/* A byte without a descriptor: the init makes its own. */
			log_debug_errno(fd, "make the network namespace beside the clone: %m");
			(void)send(netns[0], "-", 1, MSG_NOSIGNAL);
		}
		safe_close(fd);
		netns[0] = safe_close(netns[0]);
	}
	if (pid > 0) {
		(void)supervisor_open_db(s);
		/* What the running record holds besides the time. */
		(void)proc_start_time(pid, &s->pid_start_time);
		(void)proc_start_time(getpid(), &s->self_start_time);
		(void)boot_id(s->boot_id);
	}

	close(errpipe[1]);
	safe_close(console[1]);
	safe_close(userns[1]);
	plan.netns_sock = plan.netns_peer = -EBADF;
	safe_close(netns[1]);
	if (pid > 0 && userns[0] >= 0) {
		r = map_user_namespace(s, pid, userns[0]);
		if (r < 0)
			log_debug_errno(r, "map the user namespace: %m");
	}
	safe_close(userns[0]);
	if (!s->foreground && !spec->terminal) {
		close(plan.stdio[0]);
		s->out_pipe[1] = safe_close(s->out_pipe[1]);
		s->err_pipe[1] = safe_close(s->err_pipe[1]);
	}
	init_plan_done(&plan);

	if (pid < 0) {
		close(errpipe[0]);
		if (asprintf(ret_error, "create the container process: %s", strerror(-pid)) < 0)
			*ret_error = NULL;
		*ret_exit_code = EXIT_BERTH_ERROR;
		return pid;
	}
	s->pid = pid;
	s->pidfd = pidfd;

	/* The exit of the container's last process tears its mount namespace
	 * down (every mount unmounted, an RCU grace period waited for) before
	 * the kernel reports that exit: 0.4 to 1.5 ms of every `run` here.
	 * Holding the namespace makes that our work, after the exit is told
	 * (supervisor_finish()). Not when the host's files are bound in: who
	 * ran the container may unmount their source the moment `run`
	 * returns, and must not find it still in use. */
	bool binds = false;
	for (size_t i = 0; i < spec->n_mounts; i++)
		binds = binds || streq(spec->mounts[i].type, "bind");
	if (!binds) {
		char ns[64];
		snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)pid);
		s->mnt_ns_fd = open(ns, O_RDONLY | O_CLOEXEC);
	}

	InitError ie;
	r = read_init_error(errpipe[0], &ie);
	close(errpipe[0]);
	if (r == 0) {
		if (console[0] >= 0) {
			r = tty_recv_fd(console[0], &s->tty_master);
			safe_close(console[0]);
			if (r < 0)
				log_warning_errno(r, "receive the container's terminal: %m");
		}
		return 0;
	}
	safe_close(console[0]);

	/* It never ran: collect it, so nothing is left behind. */
	if (r < 0) {
		(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		ie.exit_code = EXIT_BERTH_ERROR;
		snprintf(ie.msg, sizeof(ie.msg), "container set-up did not finish: %s", strerror(-r));
		ie.error = r;
	}
	siginfo_t si;
	(void)waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED);
	s->pidfd = safe_close(s->pidfd);
	s->mnt_ns_fd = safe_close(s->mnt_ns_fd);
	s->pid = 0;
	*ret_error = strdup(ie.msg);
	*ret_exit_code = ie.exit_code;
	return ie.error < 0 ? ie.error : -EIO;
}
