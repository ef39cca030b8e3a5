/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The container-setup core's steps (container-setup.h): from a parsed
 * spec to an init in its namespaces and cgroup, released to exec its
 * command. */

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup-devices.h"
#include "cgroup-limits.h"
#include "init-plan.h"
#include "rootless.h"
#include "seccomp-filter.h"
#include "tty.h"

int setup_limits(const ContainerSpec *spec, const char *cgroup, SetupError *e)
{
	const SpecResources *res = &spec->resources;
	unsigned needed = cgroup_controllers_needed(res);
	if (!needed)
		return 0;
	if (!cgroup)
		return setup_err(e, -EOPNOTSUPP,
				 "cannot enforce the limits: the container has no cgroup of its "
				 "own, which a rootless berth gets only in a delegated cgroup v2 "
				 "subtree (docs/rootless.md)");
	int r = cgroup_controllers_enable(cgroup, needed);
	if (r < 0) {
		_cleanup_free_ char *missing = NULL;
		if (cgroup_controllers_check(needed, &missing) == -EOPNOTSUPP)
			return setup_err(e, r,
					 "cannot enforce the limits: no %s controller in the "
					 "cgroup v2 hierarchy",
					 missing);
		return setup_err(e, r, "enable the cgroup controllers the limits need: %m");
	}
	const char *what = NULL;
	r = cgroup_apply_resources(cgroup, res, &what);
	if (r < 0)
		return setup_err(e, r, "set %s of the container's cgroup: %m",
				 what ? what : "the limits");
	return 0;
}

/* The device cgroup program: only the default nodes may be opened, and
 * those linux.resources.devices allows, unless the spec lets the
 * container have them all. */
static int setup_devices(const ContainerSpec *spec, int cgroup_fd, SetupError *e)
{
	const char *devices = spec_get_annotation(spec, ANNOTATION_DEVICES);
	if (devices && streq(devices, "all"))
		return 0;
	/* A rootless container's devices are the host's nodes, bind-mounted
	 * (rootfs.c): the user's own permissions hold for them, and loading
	 * a device program needs the host's root. */
	if (rootless())
		return 0;
	/* linux.resources.devices, then the default devices, allowed after
	 * them whatever they say (as runc does): a container needs its
	 * /dev/null. */
	_cleanup_free_ DeviceRule *rules = NULL;
	if (spec->has_device_rules) {
		size_t n_default = 0;
		while (device_rules_default[n_default].type)
			n_default++;
		rules = calloc(spec->n_device_rules + n_default + 1, sizeof(DeviceRule));
		if (!rules)
			return setup_err(e, -ENOMEM, "out of memory");
		for (size_t i = 0; i < spec->n_device_rules; i++) {
			const SpecDeviceRule *d = &spec->device_rules[i];
			rules[i] =
				(DeviceRule){ d->type, d->major, d->minor, d->access, !d->allow };
		}
		memcpy(rules + spec->n_device_rules, device_rules_default,
		       (n_default + 1) * sizeof(DeviceRule));
	}
	int r = cgroup_devices_restrict(cgroup_fd, rules ? rules : device_rules_default);
	if (r == -E2BIG)
		return setup_err(e, r, "linux.resources.devices: too many rules");
	if (r < 0)
		return setup_err(e, r, "restrict the container's devices (cgroup BPF): %m");
	return 0;
}

/* Namespaces to share (--ipc container:NAME, a network set up by
 * netavark) are joined by us and inherited by the init; ours are kept in
 * ret_own, to go back to once it is cloned (restore_namespaces()): a
 * supervisor stays on the host's network, where it tears the container's
 * down. Never the mount namespace: we need the host's filesystem after
 * the clone; nor the user namespace, which the init makes last. */
static int join_namespaces(const ContainerSpec *spec, int ret_own[static _NS_MAX], SetupError *e)
{
	for (int t = 0; t < _NS_MAX; t++) {
		const char *path = spec->namespaces[t].path;
		const char *name = namespace_type_to_string((NamespaceType)t);
		if (!spec->namespaces[t].enabled || !path)
			continue;
		if (t == NS_MOUNT || t == NS_USER)
			return setup_err(e, -EOPNOTSUPP, "joining a %s namespace is not supported",
					 name);
		char own[64];
		snprintf(own, sizeof(own), "/proc/self/ns/%s",
			 t == NS_NETWORK ? "net"
			 : t == NS_MOUNT ? "mnt"
					 : name);
		ret_own[t] = open(own, O_RDONLY | O_CLOEXEC);
		if (ret_own[t] < 0)
			return setup_err(e, -errno, "open our own %s namespace: %m", name);
		_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
		int r = nsfd < 0 ? -errno
				 : RET_NERRNO(setns(nsfd,
						    namespace_type_clone_flag((NamespaceType)t)));
		if (r < 0)
			return setup_err(e, r, "join the %s namespace `%s`: %m", name, path);
	}
	return 0;
}

static void restore_namespaces(int own[static _NS_MAX])
{
	for (int t = 0; t < _NS_MAX; t++) {
		if (own[t] < 0)
			continue;
		/* Cannot fail: it is ours, and we hold the capability. */
		(void)setns(own[t], namespace_type_clone_flag((NamespaceType)t));
		own[t] = safe_close(own[t]);
	}
}

int setup_spawn(const SetupParams *p, SetupProcess *ret, SetupError *e)
{
	const ContainerSpec *spec = p->spec;
	/* Ours from here on, whatever happens. */
	_cleanup_close_ int stage = p->stage_fd;
	_cleanup_close_ int console_socket = p->has_console_socket ? p->console_socket : -EBADF;
	_cleanup_(init_plan_done) InitPlan plan;
	int r = init_plan_prepare(&plan, spec, p->bundle, p->throwaway, e);
	if (r < 0)
		return r;
	if (stage < 0 && (r = stage_memfd(&stage)) < 0)
		return setup_err(e, r, "prepare berth-stage (next to berth-supervisor): %m");
	plan.stage_fd = stage;

	/* Each pair: [0] ours, [1] the init's (the release pipe: the other
	 * way round), which we close once it is cloned. */
	_cleanup_close_pair_ int errpipe[2] = { -EBADF, -EBADF };
	_cleanup_close_pair_ int console[2] = { -EBADF, -EBADF };
	_cleanup_close_pair_ int userns[2] = { -EBADF, -EBADF };
	_cleanup_close_pair_ int release[2] = { -EBADF, -EBADF };
	if (pipe2(errpipe, O_CLOEXEC) < 0 || pipe2(release, O_CLOEXEC) < 0)
		return setup_err(e, -errno, "prepare the container: pipe: %m");
	plan.error_fd = errpipe[1];
	plan.release_fd = release[0];
	plan.release_peer = release[1];
	plan.exec_fifo = p->exec_fifo;
	plan.preserve_fds = p->preserve_fds;
	plan.pause_before_pivot = p->exec_fifo && p->pause_before_pivot;
	if (spec->terminal && console_socket >= 0)
		/* The init sends its pty master to the caller's socket. */
		plan.console_fd = console_socket;
	else if (spec->terminal) {
		/* The init makes the pty and sends us its master. */
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0)
			return setup_err(e, -errno, "prepare the container's terminal: %m");
		plan.console_fd = console[1];
	} else
		memcpy(plan.stdio, p->stdio, sizeof(plan.stdio));
	/* The user namespace comes last, from the init itself (see
	 * enter_user_namespace()); we write its maps when it asks. */
	if (spec->namespaces[NS_USER].enabled) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, userns) < 0)
			return setup_err(e, -errno, "prepare the user namespace: %m");
		plan.userns_fd = userns[1];
		plan.userns_peer = userns[0];
	}

	uint64_t flags = 0;
	for (int t = 0; t < _NS_MAX; t++)
		if (spec->namespaces[t].enabled && !spec->namespaces[t].path && t != NS_USER)
			flags |= (uint64_t)namespace_type_clone_flag((NamespaceType)t);
	int own_ns[_NS_MAX];
	for (int t = 0; t < _NS_MAX; t++)
		own_ns[t] = -EBADF;
	r = join_namespaces(spec, own_ns, e);
	if (r < 0) {
		restore_namespaces(own_ns);
		return r;
	}

	/* Signals stay blocked across clone so that no handler of ours runs
	 * in the child; the init resets them before exec. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	int pidfd = -EBADF;
	bool joined;
	pid_t pid = clone_into_cgroup(flags, p->cgroup_fd, &pidfd, &joined);
	if (pid == 0) {
		if (!joined) {
			plan.join_cgroup_fd = p->cgroup_fd;
			plan.unshare_cgroupns = flags & CLONE_NEWCGROUP;
		}
		container_init(&plan);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	restore_namespaces(own_ns);
	if (pid < 0)
		return setup_err(e, pid, "create the container process: %m");

	*ret = (SetupProcess){
		.pid = pid,
		.pidfd = pidfd,
		.release_fd = TAKE_FD(release[1]),
		.error_fd = TAKE_FD(errpipe[0]),
		.console_fd = TAKE_FD(console[0]),
		.userns_fd = TAKE_FD(userns[0]),
		.tty_master = -EBADF,
		.caps = plan.identity.cap_effective,
	};
	return 0;
}

/* The init either execs (our end sees EOF, since the pipe is
 * close-on-exec) or writes one SetupError. A minute is far more than any
 * set-up needs; past it something hangs (a dead NFS lower folder). 1:
 * it wrote e. */
static int read_init_error(int fd, SetupError *e)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	for (;;) {
		int r = poll(&pfd, 1, 60000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		break;
	}
	ssize_t n = read(fd, e, sizeof(*e));
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof(*e))
		return -EIO;
	e->msg[sizeof(e->msg) - 1] = 0;
	return 1;
}

int setup_prepare_release(SetupProcess *proc, const ContainerSpec *spec, int cgroup_fd,
			  SetupError *e)
{
	struct sock_fprog prog = { 0 };
	_cleanup_free_ char *why = NULL;
	int r = seccomp_prepare(spec, proc->caps, &prog, &why);
	if (r < 0)
		return why ? setup_err(e, r, "prepare the container: %s", why)
			   : setup_err(e, r, "prepare the container's seccomp filter: %m");
	/* At most BPF_MAXINSNS (32 KiB): the pipe takes it without waiting. */
	uint32_t n = prog.len;
	r = write_all(proc->release_fd, &n, sizeof(n));
	if (r >= 0 && n > 0)
		r = write_all(proc->release_fd, prog.filter, n * sizeof(prog.filter[0]));
	free(prog.filter);
	/* A pipe the init closed: it ended, most often having said why. */
	if (r == -EPIPE && read_init_error(proc->error_fd, e) == 1 && e->error < 0)
		return e->error;
	if (r < 0)
		return setup_err(e, r, "hand the seccomp filter over: %m");
	return setup_devices(spec, cgroup_fd, e);
}

static int write_map(pid_t pid, const char *file, const SpecIdMap *m, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	/* One write with every line: the kernel takes a map only once. */
	_cleanup_free_ char *buf = malloc(n * 40 + 1);
	if (!buf)
		return -ENOMEM;
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%u %u %u\n", m[i].container_id, m[i].host_id,
				       m[i].size);
	return write_file(path, buf, len, 0, 0);
}

int setup_map_ids(SetupProcess *proc, const ContainerSpec *spec)
{
	if (proc->userns_fd < 0)
		return 0;
	/* Waits for the init to ask (it has made its user namespace), writes
	 * the maps, answers. If the init fails before asking, the socket
	 * closes and its error comes through the error pipe as usual; if we
	 * fail, closing the socket makes the init fail. */
	_cleanup_close_ int fd = TAKE_FD(proc->userns_fd);
	char c;
	if (read(fd, &c, 1) != 1 || c != 'U')
		return -EPIPE;
	int r = write_map(proc->pid, "uid_map", spec->uid_maps, spec->n_uid_maps);
	if (r >= 0)
		r = write_map(proc->pid, "gid_map", spec->gid_maps, spec->n_gid_maps);
	if (r < 0)
		return r;
	c = 'G';
	return write(fd, &c, 1) == 1 ? 0 : -errno;
}

int setup_release(SetupProcess *proc)
{
	_cleanup_close_ int fd = TAKE_FD(proc->release_fd);
	char c = 'C';
	return write(fd, &c, 1) == 1 ? 0 : -errno;
}

int setup_wait_exec(SetupProcess *proc, SetupError *e)
{
	_cleanup_close_ int fd = TAKE_FD(proc->error_fd);
	int r = read_init_error(fd, e);
	if (r == 0) {
		/* A terminal the caller does not get is its to report. */
		if (proc->console_fd >= 0)
			(void)tty_recv_fd(proc->console_fd, &proc->tty_master);
		proc->console_fd = safe_close(proc->console_fd);
		return 0;
	}
	if (r < 0)
		setup_err(e, r, "container set-up did not finish: %m");
	/* It never ran: collect it, so nothing is left behind. */
	setup_kill(proc);
	return e->error < 0 ? e->error : -EIO;
}

int setup_wait_ready(SetupProcess *proc, SetupError *e)
{
	int r = read_init_error(proc->error_fd, e);
	if (r == 1 && e->error == 0)
		return 0; /* set up, and waiting on the FIFO */
	if (r == 0)
		r = setup_err(e, -EIO, "the container's init ended while it was set up");
	else if (r < 0)
		setup_err(e, r, "container set-up did not finish: %m");
	setup_kill(proc);
	return e->error < 0 ? e->error : -EIO;
}

int setup_continue(SetupProcess *proc, SetupError *e)
{
	int r = write_all(proc->release_fd, "", 1);
	if (r == -EPIPE && read_init_error(proc->error_fd, e) == 1 && e->error < 0)
		return e->error;
	return r < 0 ? setup_err(e, r, "let the container's init go on: %m") : 0;
}

void setup_kill(SetupProcess *proc)
{
	if (proc->pidfd < 0)
		return;
	(void)syscall(SYS_pidfd_send_signal, proc->pidfd, SIGKILL, NULL, 0);
	siginfo_t si;
	(void)waitid(P_PIDFD, (id_t)proc->pidfd, &si, WEXITED);
	proc->pidfd = safe_close(proc->pidfd);
	proc->pid = 0;
}

void setup_process_done(SetupProcess *proc)
{
	/* A process its caller did not take (TAKE_FD(proc->pidfd)) does not
	 * outlive it. */
	setup_kill(proc);
	proc->release_fd = safe_close(proc->release_fd);
	proc->error_fd = safe_close(proc->error_fd);
	proc->console_fd = safe_close(proc->console_fd);
	proc->userns_fd = safe_close(proc->userns_fd);
	proc->tty_master = safe_close(proc->tty_master);
}

_noreturn_ static void join_child(const SetupJoin *j)
{
	SetupError e;
	/* Cloned with clone(): into the container's cgroup first. procs_fd
	 * is -EBADF when clone3() put us there already, and another -errno
	 * when it could not be opened. */
	if (j->procs_fd != -EBADF && (j->procs_fd < 0 || write(j->procs_fd, "0", 1) != 1)) {
		setup_err(&e, j->procs_fd < 0 ? j->procs_fd : -errno,
			  "join the container's cgroup: %m");
		goto fail;
	}
	/* In its cgroup, then its cgroup namespace, and the user namespace
	 * last: once in it we would lack the host's privileges that joining
	 * the others needs (they belong to the host's). */
	if (j->spec->namespaces[NS_CGROUP].enabled && setns(j->target_pidfd, CLONE_NEWCGROUP) < 0) {
		setup_err(&e, -errno, "join the container's cgroup namespace: %m");
		goto fail;
	}
	if (j->spec->namespaces[NS_USER].enabled && setns(j->target_pidfd, CLONE_NEWUSER) < 0) {
		setup_err(&e, -errno, "join the container's user namespace: %m");
		goto fail;
	}
	process_reset_signals();
	/* A session of its own: a terminal's Ctrl-C reaches this process, and
	 * the caller passes it on once, instead of it hitting both. */
	(void)setsid();
	for (int i = 0; i < 3; i++)
		(void)dup2(j->stdio[i], i);
	if (j->controlling_tty)
		(void)ioctl(0, TIOCSCTTY, 0);
	process_exec(j->id, j->cwd, false, j->stage_fd, j->error_fd, j->preserve_fds, j->argv,
		     j->envp);
fail:;
	ssize_t w _unused_ = write(j->error_fd, &e, sizeof(e));
	_exit(e.exit_code);
}

pid_t setup_join_spawn(const SetupJoin *j, int *ret_pidfd)
{
	int pidfd = -EBADF;
	bool joined;
	pid_t pid = clone_into_cgroup(0, j->cgroup_fd, &pidfd, &joined);
	if (pid == 0) {
		SetupJoin mine = *j;
		if (joined)
			mine.procs_fd = -EBADF;
		join_child(&mine);
	}
	if (pid > 0)
		*ret_pidfd = pidfd;
	return pid;
}
