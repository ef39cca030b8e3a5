/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The container init: the code between clone() and execve(). It runs as
 * pid 1 of the new PID namespace, already inside every new namespace and
 * the container's cgroup (CLONE_INTO_CGROUP; the clone() fallback joins
 * both first thing, below). Nothing here allocates: a failure is
 * formatted into a SetupError on the stack, so that reporting it cannot
 * fail too, and goes back to the supervisor through the error pipe as an
 * errno and one line. */

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "paths.h"
#include "rootfs.h"
#include "rootless.h"
#include "tty.h"
#include "util.h"

_noreturn_ static void init_fail(const InitPlan *plan, const SetupError *e)
{
	ssize_t w _unused_ = write(plan->error_fd, e, sizeof(*e));
	_exit(e->exit_code);
}

/* A step that failed with r (a negative errno): what it was, and why. */
_noreturn_ static void init_fail_step(const InitPlan *plan, int r, const char *what)
{
	SetupError e;
	setup_err(&e, r, "%s: %m", what);
	init_fail(plan, &e);
}

/* --userns: everything above was set up as the host's root; now the
 * container enters a user namespace of its own, where its root is an
 * unprivileged uid of the host. Its other namespaces stay owned by the
 * host's user namespace, so root in the container cannot mount or change
 * them. The supervisor writes our uid_map and gid_map. */
static int enter_user_namespace(const InitPlan *plan, SetupError *e)
{
	if (unshare(CLONE_NEWUSER) < 0)
		return setup_err(e, -errno, "create the user namespace: %m");
	char c = 'U';
	if (write(plan->userns_fd, &c, 1) != 1 || read(plan->userns_fd, &c, 1) != 1 || c != 'G')
		return setup_err(e, -EIO, "the supervisor did not map the user namespace");
	close(plan->userns_fd);
	return 0;
}

/* -t: a pty from the container's own devpts; the master goes to the
 * supervisor, the slave becomes our stdio and controlling terminal. */
static int setup_terminal(const InitPlan *plan, SetupError *e)
{
	_cleanup_close_ int rootfd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int master = -EBADF, slave = -EBADF;
	int r = rootfd < 0 ? -errno : tty_open_pair(rootfd, &master, &slave);
	if (r < 0)
		return setup_err(e, r, "create the container's terminal: %m");
	r = tty_send_fd(plan->console_fd, master);
	close(master);
	if (r < 0) {
		close(slave);
		return setup_err(e, r, "pass the terminal to the supervisor: %m");
	}
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return setup_err(e, -errno, "set up the terminal: %m");
	close(slave);
	/* We are a session leader without a terminal (setsid above). */
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		return setup_err(e, -errno, "make the terminal controlling: %m");
	return 0;
}

static int read_exact(int fd, void *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t k = read(fd, (char *)buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -EIO;
		got += (size_t)k;
	}
	return 0;
}

/* The seccomp filter the supervisor compiled after the clone
 * (setup_prepare_release()): its length in instructions, then the
 * instructions (0: none). Into static memory: nothing here allocates. */
static int read_seccomp(int fd, ProcessIdentity *id)
{
	static struct sock_filter insns[BPF_MAXINSNS];
	static struct sock_fprog prog;
	uint32_t n;
	if (read_exact(fd, &n, sizeof(n)) < 0 || n > BPF_MAXINSNS)
		return -EIO;
	if (n == 0)
		return 0;
	if (read_exact(fd, insns, n * sizeof(insns[0])) < 0)
		return -EIO;
	prog = (struct sock_fprog){ .len = (unsigned short)n, .filter = insns };
	id->seccomp = &prog;
	return 0;
}

static int loopback_up(void)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return RET_NERRNO(ioctl(fd, SIOCSIFFLAGS, &ifr));
}

/* A network namespace of the container's own: its loopback up, and its
 * sysctls. */
static int init_network(const InitPlan *plan)
{
	int r = loopback_up();
	if (r < 0)
		return r;
	/* ping without CAP_NET_RAW, through ICMP datagram sockets, as
	 * Docker and Podman allow in a container's own network. The
	 * sysctl belongs to the network namespace we are in. */
	int fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t w _unused_ = write(fd, "0 2147483647", 12);
		close(fd);
	}
	/* With --userns the network namespace belongs to the host's user
	 * namespace, where the container's root has no
	 * CAP_NET_BIND_SERVICE: open the low ports to everyone in it. */
	if (plan->userns_fd >= 0) {
		fd = open("/proc/sys/net/ipv4/ip_unprivileged_port_start", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t w _unused_ = write(fd, "0", 1);
			close(fd);
		}
	}
	return 0;
}

/* Die with the supervisor: a container is never left unsupervised.
 * Released through a FIFO instead, the init outlives its caller, whose
 * own caller (conmon, containerd's shim) becomes its parent: the FIFO,
 * opened while its path is still the host's. */
static int die_with_parent_or_open_fifo(const InitPlan *plan)
{
	if (!plan->exec_fifo) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			init_fail_step(plan, -errno, "set the parent death signal");
		return -EBADF;
	}
	int fd = open(plan->exec_fifo, O_PATH | O_CLOEXEC);
	if (fd < 0)
		init_fail_step(plan, -errno, "open the exec FIFO");
	return fd;
}

/* process.oomScoreAdj: while /proc is still the host's, and we may lower
 * it (CAP_SYS_RESOURCE). */
static void set_oom_score_adj(const InitPlan *plan)
{
	if (!plan->spec->has_oom_score_adj)
		return;
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", plan->spec->oom_score_adj);
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		init_fail_step(plan, -errno, "set the OOM score adjustment");
	close(fd);
}

/* process.rlimits, inherited by the command; before the user namespace,
 * where raising a hard limit is no longer ours. */
static void set_rlimits(const InitPlan *plan)
{
	for (size_t i = 0; i < plan->spec->n_rlimits; i++) {
		const SpecRlimit *l = &plan->spec->rlimits[i];
		struct rlimit rl = { .rlim_cur = l->soft, .rlim_max = l->hard };
		if (setrlimit(l->resource, &rl) < 0) {
			SetupError err;
			const char *name = rlimit_to_string(l->resource);
			setup_err(&err, -errno, "set the rlimit %s (soft %llu, hard %llu): %m",
				  name ? name : "?", (unsigned long long)l->soft,
				  (unsigned long long)l->hard);
			init_fail(plan, &err);
		}
	}
}

/* After pivot_root, before /proc/sys is made read-only (rootfs_finish()). */
static void write_sysctls(const InitPlan *plan)
{
	for (size_t i = 0; i < plan->spec->n_sysctls; i++) {
		const SpecAnnotation *s = &plan->spec->sysctls[i];
		char path[256] = "/proc/sys/";
		size_t n = strlen(path);
		for (const char *k = s->key; *k && n < sizeof(path) - 1; k++)
			path[n++] = *k == '.' ? '/' : *k;
		path[n] = 0;
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		size_t len = strlen(s->value);
		if (fd < 0 || write(fd, s->value, len) != (ssize_t)len) {
			SetupError err;
			setup_err(&err, -errno, "set sysctl %s to `%.64s`: %m", s->key, s->value);
			init_fail(plan, &err);
		}
		close(fd);
	}
}

/* An executable at path: a file, not a folder, with an execute bit (Go's
 * exec.LookPath, which runc uses). 0, or the errno that says why not. */
static int executable(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno;
	if (S_ISDIR(st.st_mode))
		return EISDIR;
	return st.st_mode & 0111 ? 0 : EACCES;
}

/* berth-runtime: a command that is not there fails `create`, in runc's
 * words, which podman and containerd match (podman exits 127 on "not
 * found", 126 on "permission denied"); the caller has nothing to start.
 * Looked up as runc does, by the PATH the command gets, inside the root;
 * berth-stage then finds it again. */
static void check_command(const InitPlan *plan)
{
	const ContainerSpec *spec = plan->spec;
	const char *cmd = spec->args[0];
	SetupError err;
	char full[4096];
	int e;
	if (strchr(cmd, '/')) {
		if (cmd[0] == '/' || !spec->cwd)
			snprintf(full, sizeof(full), "%s", cmd);
		else
			snprintf(full, sizeof(full), "%s/%s", spec->cwd, cmd);
		if ((e = executable(full)) == 0)
			return;
		if (e == ENOENT)
			setup_err(&err, -e,
				  "exec: \"%.256s\": stat %.256s: no such file or directory", cmd,
				  cmd);
		else
			setup_err(&err, -e, "exec: \"%.256s\": permission denied", cmd);
		err.exit_code = e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
		init_fail(plan, &err);
	}
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (size_t i = 0; spec->env && spec->env[i]; i++)
		if (startswith(spec->env[i], "PATH="))
			path = spec->env[i] + 5;
	bool denied = false;
	for (const char *p = path;;) {
		size_t n = strcspn(p, ":");
		snprintf(full, sizeof(full), "%.*s/%s", n ? (int)n : 1, n ? p : ".", cmd);
		if ((e = executable(full)) == 0)
			return;
		denied |= e == EACCES;
		if (!p[n])
			break;
		p += n + 1;
	}
	if (denied)
		setup_err(&err, -EACCES, "exec: \"%.256s\": permission denied", cmd);
	else
		setup_err(&err, -ENOENT, "exec: \"%.256s\": executable file not found in $PATH",
			  cmd);
	err.exit_code = denied ? EXIT_CANNOT_EXEC : EXIT_NOT_FOUND;
	init_fail(plan, &err);
}

/* Set up: says so on the error pipe, whose reader then goes (berth-runtime
 * create), and waits until the FIFO is opened for reading (start). From
 * then on no one reads the error pipe: it becomes /dev/null, so that a
 * command that cannot run ends the init with its exit status (126, 127)
 * rather than with SIGPIPE. */
static void wait_exec_fifo(const InitPlan *plan, int fifo)
{
	SetupError ready = { .error = 0 };
	if (write(plan->error_fd, &ready, sizeof(ready)) != (ssize_t)sizeof(ready))
		_exit(EXIT_BERTH_ERROR);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0 || dup3(null, plan->error_fd, O_CLOEXEC) < 0)
		_exit(EXIT_BERTH_ERROR);
	close(null);
	char path[32];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fifo);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		_exit(EXIT_BERTH_ERROR);
	close(fd);
	close(fifo);
}

_Noreturn void container_init(const InitPlan *plan)
{
	const ContainerSpec *spec = plan->spec;
	SetupError err;
	int r;

	/* Our copy of the supervisor's end of the release socket: without
	 * it, the supervisor closing its own is an end of file. */
	if (plan->release_peer >= 0)
		close(plan->release_peer);
	/* The same for the user namespace's: a supervisor that cannot map it
	 * closes its end, and we fail at once rather than wait. */
	if (plan->userns_peer >= 0)
		close(plan->userns_peer);

	int exec_fifo = die_with_parent_or_open_fifo(plan);
	set_oom_score_adj(plan);

	/* Cloned with clone() instead of clone3() (see spawn.c): into the
	 * container's cgroup before anything else, and only then a cgroup
	 * namespace, whose root is the cgroup we are in when it is made. */
	if (plan->join_cgroup_fd >= 0) {
		_cleanup_close_ int procs =
			openat(plan->join_cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		if (procs < 0 || write(procs, "0", 1) != 1)
			init_fail_step(plan, -errno, "join the container's cgroup");
		if (plan->unshare_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
			init_fail_step(plan, -errno, "create the cgroup namespace");
	}

	/* The supervisor blocked signals around clone(); the command starts
	 * with a clean mask and default dispositions. */
	process_reset_signals();

	for (int i = 0; i < 3; i++)
		if (plan->stdio[i] >= 0 && plan->stdio[i] != i && dup2(plan->stdio[i], i) < 0)
			init_fail_step(plan, -errno, "set up stdio");
	if (setsid() < 0)
		init_fail_step(plan, -errno, "setsid");

	r = rootfs_setup(plan, &err);
	if (r < 0)
		init_fail(plan, &err);
	if (plan->console_fd >= 0) {
		r = setup_terminal(plan, &err);
		if (r < 0)
			init_fail(plan, &err);
	}

	if (spec->hostname && spec->namespaces[NS_UTS].enabled &&
	    sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		init_fail_step(plan, -errno, "set the hostname");

	if (spec->namespaces[NS_NETWORK].enabled && !spec->namespaces[NS_NETWORK].path &&
	    (r = init_network(plan)) < 0)
		init_fail_step(plan, r, "bring the loopback interface up");

	/* berth-runtime with prestart or createRuntime hooks: they run once
	 * the mounts are made and before pivot_root (the runtime spec). Say
	 * so on the error pipe, as "set up" is said, and wait for the byte
	 * that follows the seccomp filter on the release pipe. */
	ProcessIdentity identity = plan->identity;
	bool have_filter = false;
	char c;
	if (plan->pause_before_pivot) {
		SetupError mounted = { .error = 0 };
		if (write(plan->error_fd, &mounted, sizeof(mounted)) != (ssize_t)sizeof(mounted) ||
		    read_seccomp(plan->release_fd, &identity) < 0 ||
		    read(plan->release_fd, &c, 1) != 1)
			_exit(EXIT_BERTH_ERROR);
		have_filter = true;
	}

	r = rootfs_pivot(plan->rootfs, &err);
	if (r < 0)
		init_fail(plan, &err);
	write_sysctls(plan);
	r = rootfs_finish(plan, &err);
	if (r < 0)
		init_fail(plan, &err);

	/* -p/--pin-cpu: SCHED_RR, inherited by every process of the
	 * container; set while we still have CAP_SYS_NICE. */
	if (spec->sched_policy == SCHED_RR) {
		struct sched_param sp = { .sched_priority = spec->sched_priority };
		if (sched_setscheduler(0, SCHED_RR, &sp) < 0)
			init_fail_step(plan, -errno, "set the SCHED_RR policy");
	}

	set_rlimits(plan);

	if (plan->userns_fd >= 0) {
		r = enter_user_namespace(plan, &err);
		if (r < 0)
			init_fail(plan, &err);
	}
	/* The command runs only once the caller releases it (setup_release();
	 * berth-supervisor: once the container is in the DB, protocol.h).
	 * Nothing comes when the run was called off: the caller is killing
	 * us. */
	if (!have_filter && read_seccomp(plan->release_fd, &identity) < 0)
		_exit(EXIT_BERTH_ERROR);
	if (exec_fifo >= 0) {
		check_command(plan);
		wait_exec_fifo(plan, exec_fifo);
	} else if (read(plan->release_fd, &c, 1) != 1)
		_exit(EXIT_BERTH_ERROR);
	close(plan->release_fd);

	/* Not dumpable until the command's execve(): nothing in the
	 * container may reach our memory or /proc/PID/exe meanwhile. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	process_exec(&identity, spec->cwd, true, plan->stage_fd, plan->error_fd, plan->preserve_fds,
		     spec->args, spec->env);
}

#define INIT_PLAN_INIT                                                                             \
	{                                                                                          \
		.error_fd = -EBADF, .console_fd = -EBADF, .userns_fd = -EBADF, .stage_fd = -EBADF, \
		.join_cgroup_fd = -EBADF, .release_fd = -EBADF, .release_peer = -EBADF,            \
		.userns_peer = -EBADF, .stdio = {                                                  \
			-EBADF,                                                                    \
			-EBADF,                                                                    \
			-EBADF                                                                     \
		}                                                                                  \
	}

/* linux.sysctl: only keys of the namespaces the container has of its own
 * (as runc: IPC's, the network's, UTS's), which the init writes under
 * its /proc/sys; any other would change the host. */
static int check_sysctls(const ContainerSpec *spec, SetupError *e)
{
	static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb",
					   "kernel.msgmni", "kernel.sem",
					   "kernel.shmall", "kernel.shmmax",
					   "kernel.shmmni", "kernel.shm_rmid_forced" };
	for (size_t i = 0; i < spec->n_sysctls; i++) {
		const char *k = spec->sysctls[i].key;
		if (!*k || strlen(k) > 200 ||
		    strspn(k, "abcdefghijklmnopqrstuvwxyz"
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(k) ||
		    strstr(k, "..") || k[0] == '.')
			return setup_err(e, -EINVAL, "invalid sysctl name `%.64s`", k);
		if (strchr(spec->sysctls[i].value, '\n'))
			return setup_err(e, -EINVAL, "the value of sysctl %s has a newline", k);
		NamespaceType t = _NS_INVALID;
		for (size_t j = 0; j < ELEMENTSOF(ipc); j++)
			if (streq(k, ipc[j]))
				t = NS_IPC;
		if (startswith(k, "fs.mqueue."))
			t = NS_IPC;
		else if (startswith(k, "net."))
			t = NS_NETWORK;
		else if (streq(k, "kernel.hostname") || streq(k, "kernel.domainname"))
			t = NS_UTS;
		if (t == _NS_INVALID)
			return setup_err(e, -EPERM,
					 "sysctl %s is not of a namespace of the container's: it "
					 "would change the host",
					 k);
		if (!spec->namespaces[t].enabled)
			return setup_err(e, -EPERM,
					 "sysctl %s needs a %s namespace of the container's own", k,
					 namespace_type_to_string(t));
	}
	return 0;
}

int init_plan_prepare(InitPlan *plan, const ContainerSpec *spec, const char *bundle, bool throwaway,
		      SetupError *e)
{
	*plan = (InitPlan)INIT_PLAN_INIT;
	plan->spec = spec;
	int r = check_sysctls(spec, e);
	if (r < 0)
		return r;

	MountOptions prop;
	_cleanup_strv_free_ char **p = NULL;
	r = strv_push(&p, spec->rootfs_propagation ? spec->rootfs_propagation : "rslave");
	if (r >= 0)
		r = mount_options_parse(p, &prop);
	if (r < 0)
		return setup_err(e, r, "root propagation `%s`: %m",
				 spec->rootfs_propagation ? spec->rootfs_propagation : "rslave");
	mount_options_done(&prop);
	plan->propagation = prop.propagation ? prop.propagation : (MS_SLAVE | MS_REC);

	const char *lower_rel = spec_get_annotation(spec, ANNOTATION_LOWERDIR);
	const char *upper_rel = spec_get_annotation(spec, ANNOTATION_UPPERDIR);
	const char *work_rel = spec_get_annotation(spec, ANNOTATION_WORKDIR);
	if (lower_rel) {
		if (!upper_rel || !work_rel)
			return setup_err(e, -EINVAL,
					 "the overlay's lower folders come without an "
					 "upper and a work folder");
		/* Relative to the bundle, where it is now (paths.h). */
		_cleanup_free_ char *lower = path_list_resolve(bundle, lower_rel);
		_cleanup_free_ char *upper = path_resolve(bundle, upper_rel);
		_cleanup_free_ char *work = path_resolve(bundle, work_rel);
		if (!lower || !upper || !work)
			return setup_err(e, -ENOMEM, "prepare the container: %m");
		/* A writable layer that is deleted with the container is mounted
		 * `volatile`: otherwise, when the last process of the container's
		 * mount namespace exits, OverlayFS syncs the whole filesystem that
		 * holds the upper folder before the exit is reported
		 * (ovl_sync_fs -> sync_filesystem): 2 to 4 ms of every
		 * `run --rm` on an idle disk here, far more on a busy one. Kept
		 * containers keep the syncs, which a host crash needs. */
		/* A rootless berth's overlay keeps its metadata in user.overlay.*
		 * xattrs: trusted.* are the host root's. */
		if (asprintf(&plan->overlay_data, "lowerdir=%s,upperdir=%s,workdir=%s%s%s", lower,
			     upper, work, rootless() ? ",userxattr" : "",
			     throwaway ? ",volatile" : "") < 0) {
			plan->overlay_data = NULL;
			return setup_err(e, -ENOMEM, "prepare the container: %m");
		}
		if (throwaway)
			plan->overlay_volatile = strlen(plan->overlay_data) - strlen(",volatile");
		/* mount(2) takes one page of options. */
		if (strlen(plan->overlay_data) >= 4096)
			return setup_err(e, -E2BIG,
					 "the overlay's options are longer than a page: "
					 "too many layers");
	}
	plan->rootfs = path_resolve(bundle, spec->root_path);
	if (!plan->rootfs)
		return setup_err(e, -ENOMEM, "prepare the container: %m");

	plan->identity = (ProcessIdentity){
		.uid = spec->uid,
		.gid = spec->gid,
		.groups = spec->additional_gids,
		.n_groups = spec->n_additional_gids,
		.no_new_privileges = spec->no_new_privileges,
	};
	r = process_identity_caps(&plan->identity, spec);
	if (r < 0)
		return setup_err(e, r, "the container's capabilities: %m");

	plan->mounts = calloc(spec->n_mounts ? spec->n_mounts : 1, sizeof(PreparedMount));
	if (!plan->mounts)
		return setup_err(e, -ENOMEM, "prepare the container: %m");
	for (size_t i = 0; i < spec->n_mounts; i++) {
		PreparedMount *m = &plan->mounts[i];
		m->spec = &spec->mounts[i];
		char *const *o = spec->mounts[i].options;
		bool bind = streq(spec->mounts[i].type, "bind") || strv_contains(o, "bind") ||
			    strv_contains(o, "rbind");
		const char *bad = mount_options_bad(o, bind);
		if (bad)
			return setup_err(e, -EINVAL, "mount at `%s`: option `%s` %s",
					 spec->mounts[i].destination, bad,
					 !*bad || strchr(bad, ',')
						 ? "is not one option"
						 : "is not known for a bind mount");
		r = mount_options_parse(o, &m->opts);
		if (r < 0)
			return setup_err(e, r, "mount at `%s`: its options: %m",
					 spec->mounts[i].destination);
		plan->n_mounts = i + 1;
		const char *t = spec->mounts[i].type;
		m->fstype = streq(t, "cgroup") ? "cgroup2" : t;
		/* A bind mount is recursive unless its options say `bind`. */
		if (streq(t, "bind") && !m->opts.bind)
			m->opts.bind = true, m->opts.flags |= MS_BIND | MS_REC;
	}
	return 0;
}

void init_plan_done(InitPlan *plan)
{
	/* Its descriptors are setup_spawn()'s. */
	for (size_t i = 0; i < plan->n_mounts; i++)
		mount_options_done(&plan->mounts[i].opts);
	free(plan->mounts);
	free(plan->overlay_data);
	free(plan->rootfs);
	*plan = (InitPlan)INIT_PLAN_INIT;
}
