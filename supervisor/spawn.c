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
#include "seccomp-filter.h"
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

/* --wait, while the init sets the container up (protocol.h): its
 * seccomp filter, compiled now and sent down fd, on which the init waits;
 * the device cgroup program, which needs to be on before the command runs
 * only; config.json, which the CLI handed us in SYNC_GO, into the
 * container's folder (where `berth start` and `inspect` read it). */
static int prepare_release(Supervisor *s, uint64_t caps, int fd, char **ret_error)
{
	char msg[SYNC_MSG_MAX] = "";
	struct sock_fprog prog = { 0 };
	_cleanup_free_ char *why = NULL;
	int r = seccomp_prepare(s->spec, caps, &prog, &why);
	if (r < 0)
		snprintf(msg, sizeof(msg), "prepare the container: %s", why ? why : strerror(-r));
	else {
		uint32_t n = prog.len;
		r = write_all(fd, &n, sizeof(n));
		if (r >= 0 && n > 0)
			r = write_all(fd, prog.filter, n * sizeof(prog.filter[0]));
		free(prog.filter);
		if (r < 0)
			snprintf(msg, sizeof(msg), "hand the seccomp filter over: %s", strerror(-r));
	}
	if (r >= 0)
		r = supervisor_restrict_devices(s, msg, sizeof(msg));
	if (r >= 0 && s->config) {
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s/config.json", s->bundle) < 0)
			return -ENOMEM;
		/* Written in place, so that a spare's (spare.c) keeps its
		 * inode. Only `start` needs it, after the container's end; an
		 * `inspect` that races this write, while the container is being
		 * created, shows no configuration (`null`) for a file missing
		 * or short alike. */
		r = write_file_in_place(path, s->config, strlen(s->config), 0600);
		if (r < 0)
			snprintf(msg, sizeof(msg), "write `%s`: %s", path, strerror(-r));
		free(s->config);
		s->config = NULL;
	}
	if (r < 0)
		*ret_error = strdup(msg);
	return r;
}

/* Then, once the CLI has recorded the container, the byte on fd that lets
 * the init exec the command. -ECANCELED: the CLI called the run off. */
static int release_init(Supervisor *s, int fd)
{
	if (!supervisor_await_commit(s))
		return -ECANCELED;
	char c = 'C';
	return write(fd, &c, 1) == 1 ? 0 : -errno;
}

/* A failure before the clone: everything opened for the child goes. */
static int spawn_abandon(Supervisor *s, InitPlan *plan, int errpipe[2], int console[2],
			 int userns[2], int r)
{
	/* The network namespace's socket is the thread's (netns.c). */
	plan->netns_sock = plan->netns_peer = -EBADF;
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
	int r = init_plan_prepare(&plan, spec, s->bundle, s->auto_remove, !s->committed, &why);
	if (r < 0) {
		init_plan_done(&plan);
		if (asprintf(ret_error, "prepare the container: %s", why ? why : strerror(-r)) < 0)
			*ret_error = NULL;
		*ret_exit_code = EXIT_BERTH_ERROR;
		return r;
	}
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
		/* Our stdio: pipes that the CLI made for the container and
		 * relays to its own (cli/launch.c), never the CLI's stdio. */
		plan.stdio[0] = STDIN_FILENO;
		plan.stdio[1] = STDOUT_FILENO;
		plan.stdio[2] = STDERR_FILENO;
	} else {
		/* stdin: a pipe at its end (we close its other end at once),
		 * not the host's /dev/null, whose inode container root could
		 * chmod through /proc/self/fd/0 (docs/security.md). */
		int in[2] = { -EBADF, -EBADF };
		if (pipe2(in, O_CLOEXEC) < 0 || pipe2(s->out_pipe, O_CLOEXEC) < 0 ||
		    pipe2(s->err_pipe, O_CLOEXEC) < 0) {
			r = -errno;
			safe_close(in[0]);
			safe_close(in[1]);
			s->out_pipe[0] = safe_close(s->out_pipe[0]);
			s->out_pipe[1] = safe_close(s->out_pipe[1]);
			safe_close(errpipe[0]);
			safe_close(errpipe[1]);
			init_plan_done(&plan);
			return r;
		}
		safe_close(in[1]);
		plan.stdio[0] = in[0];
		plan.stdio[1] = s->out_pipe[1];
		plan.stdio[2] = s->err_pipe[1];
	}

	uint64_t flags = 0;
	for (int t = 0; t < _NS_MAX; t++)
		if (spec->namespaces[t].enabled && !spec->namespaces[t].path && t != NS_USER)
			flags |= (uint64_t)namespace_type_clone_flag((NamespaceType)t);
	/* A network namespace a thread of ours is making (netns.c): the init
	 * is cloned without one, and receives that one from the thread. */
	bool netns_late = (flags & CLONE_NEWNET) && s->netns.started;
	if (netns_late) {
		plan.netns_sock = s->netns.sock[1];
		plan.netns_peer = s->netns.sock[0];
		flags &= ~(uint64_t)CLONE_NEWNET;
	} else
		(void)netns_prep_done(&s->netns); /* not wanted */
	/* The user namespace comes last, from the init itself (see
	 * enter_user_namespace()); we write its maps when it asks. */
	int userns[2] = { -EBADF, -EBADF };
	if (spec->namespaces[NS_USER].enabled) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, userns) < 0) {
			r = -errno;
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
			return spawn_abandon(s, &plan, errpipe, console, userns, r);
		}
	}

	/* --wait: the init execs the command once the CLI has recorded the
	 * container (protocol.h); it waits for a byte on this pipe. */
	int commit[2] = { -EBADF, -EBADF };
	if (!s->committed && pipe2(commit, O_CLOEXEC) < 0) {
		r = -errno;
		return spawn_abandon(s, &plan, errpipe, console, userns, r);
	}
	plan.commit_fd = commit[0];
	plan.commit_peer = commit[1];

	uint64_t caps = plan.identity.cap_effective;
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

	/* While the init sets the container up (the thread sends it its
	 * network namespace): what it needs before it can exec (--wait), then
	 * the DB connection the next records use. All before the user
	 * namespace's maps, which the init asks for only after its mounts. */
	if (netns_late)
		s->netns.sock[1] = safe_close(s->netns.sock[1]);
	int released = 0;
	if (pid > 0 && commit[1] >= 0)
		released = prepare_release(s, caps, commit[1], ret_error);
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
	safe_close(commit[0]);
	plan.netns_sock = plan.netns_peer = plan.commit_fd = plan.commit_peer = -EBADF;
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
		safe_close(commit[1]);
		safe_close(console[0]);
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
	if (commit[1] >= 0) {
		r = released < 0 ? released : release_init(s, commit[1]);
		safe_close(commit[1]);
		/* EPIPE: the init failed before it read, and says why below. */
		if (r < 0 && r != -EPIPE) {
			(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			siginfo_t si;
			(void)waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED);
			s->pidfd = safe_close(s->pidfd);
			s->mnt_ns_fd = safe_close(s->mnt_ns_fd);
			s->pid = 0;
			close(errpipe[0]);
			safe_close(console[0]);
			*ret_exit_code = EXIT_BERTH_ERROR;
			return r;
		}
	}
	/* The init mounts and execs for a millisecond or two: listen on the
	 * control socket meanwhile, which must be there before `running` is
	 * told (a failure is said, and tried again, by run()). */
	(void)control_listen(s);
	r = read_init_error(errpipe[0], &ie);
	close(errpipe[0]);
	/* The thread is done: the init had its namespace before /sys. */
	(void)netns_prep_done(&s->netns);
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
	if (s->ctl_fd >= 0) {
		s->ctl_fd = safe_close(s->ctl_fd);
		control_stop(s);
	}

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
