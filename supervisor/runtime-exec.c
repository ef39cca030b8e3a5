/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth-runtime exec (runtime.h): one more process in a running container,
 * as conmon (podman exec) and containerd's shim (ctr task exec) ask for
 * it. Its description is a runtime-spec `process` object: --process FILE,
 * or the container's own process with the command line's arguments and
 * flags over it. That object takes the place of the container's in the
 * config.json create kept, and the whole is read by the same parser as
 * create's, so exec knows every field create does.
 *
 * We join the container's namespaces through its init's pidfd and clone
 * the process into its cgroup with the container-setup core
 * (setup_join_spawn(), as `berth exec` does). As with runc, the process
 * gets our stdio (the caller's pipes), or with --tty a terminal of the
 * container's devpts whose master goes to --console-socket. With
 * --detach we write --pid-file and return: the process is then the
 * child of the caller, a subreaper; without, we wait for it, pass signals
 * on, and exit with its status. */

#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "container-setup.h"
#include "log.h"
#include "oci.h"
#include "paths.h"
#include "runtime.h"
#include "sanitizer.h"
#include "tty.h"
#include "util.h"

/* From the error pipe's end to the command's execve(): it joins a cgroup
 * and namespaces and execs, which takes milliseconds; past this something
 * hangs (a frozen cgroup). */
#define EXEC_START_TIMEOUT_MS (30 * 1000)

static const int forwarded_signals[] = { SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
					 SIGUSR1, SIGUSR2, SIGWINCH };

typedef struct {
	const char *id;
	const char *process; /* --process FILE */
	const char *console_socket;
	char *pid_file; /* absolute, owned */
	const char *cwd;
	const char *user;
	char **env;  /* --env, owned */
	char **caps; /* --cap, owned */
	bool tty, detach, no_new_privs;
	int preserve_fds;
	char **args; /* after ID */
} ExecOptions;

static void exec_options_done(ExecOptions *o)
{
	strv_free(o->env);
	strv_free(o->caps);
	free(o->pid_file);
}

static int parse_exec(int argc, char **argv, ExecOptions *o)
{
	enum {
		ARG_PROCESS = 0x100,
		ARG_CONSOLE,
		ARG_PID_FILE,
		ARG_CWD,
		ARG_NNP,
		ARG_PRESERVE,
		ARG_LABEL,
		ARG_APPARMOR,
		ARG_CGROUP,
		ARG_GIDS
	};
	static const struct option options[] = {
		{ "process", required_argument, NULL, ARG_PROCESS },
		{ "console-socket", required_argument, NULL, ARG_CONSOLE },
		{ "pid-file", required_argument, NULL, ARG_PID_FILE },
		{ "cwd", required_argument, NULL, ARG_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "cap", required_argument, NULL, 'c' },
		{ "tty", no_argument, NULL, 't' },
		{ "detach", no_argument, NULL, 'd' },
		{ "no-new-privs", no_argument, NULL, ARG_NNP },
		{ "preserve-fds", required_argument, NULL, ARG_PRESERVE },
		{ "process-label", required_argument, NULL, ARG_LABEL },
		{ "apparmor", required_argument, NULL, ARG_APPARMOR },
		{ "cgroup", required_argument, NULL, ARG_CGROUP },
		{ "additional-gids", required_argument, NULL, ARG_GIDS },
		{},
	};
	int c;
	optind = 0;
	/* Options end at the ID: the command line after it is not ours. */
	while ((c = runtime_getopt(argc, argv, "e:u:c:td", options, "exec")) >= 0) {
		switch (c) {
		case ARG_PROCESS:
			o->process = optarg;
			break;
		case ARG_CONSOLE:
			o->console_socket = optarg;
			break;
		case ARG_PID_FILE: {
			/* Absolute: we write it after a trip through the
			 * container's mount namespace, which leaves us at /. */
			free(o->pid_file);
			_cleanup_free_ char *cwd = getcwd(NULL, 0);
			if (!cwd || !(o->pid_file = path_resolve(cwd, optarg)))
				return log_error_errno(-ENOMEM, "out of memory");
			break;
		}
		case ARG_CWD:
			o->cwd = optarg;
			break;
		case 'e':
			if (!strchr(optarg, '='))
				return log_error_errno(-EINVAL, "exec: --env `%s` is not KEY=VALUE",
						       optarg);
			if (strv_push(&o->env, optarg) < 0)
				return log_error_errno(-ENOMEM, "out of memory");
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'c':
			if (strv_push(&o->caps, optarg) < 0)
				return log_error_errno(-ENOMEM, "out of memory");
			break;
		case 't':
			o->tty = true;
			break;
		case 'd':
			o->detach = true;
			break;
		case ARG_NNP:
			o->no_new_privs = true;
			break;
		case ARG_PRESERVE: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (!*optarg || *end || n < 0 || n > 1024)
				return log_error_errno(-EINVAL, "exec: invalid --preserve-fds `%s`",
						       optarg);
			o->preserve_fds = (int)n;
			break;
		}
		case ARG_LABEL:
		case ARG_APPARMOR:
			return log_error_errno(-EOPNOTSUPP,
					       "exec: --%s: this host has no SELinux or AppArmor "
					       "that berth-runtime would apply",
					       c == ARG_LABEL ? "process-label" : "apparmor");
		case ARG_CGROUP:
			return log_error_errno(-EOPNOTSUPP,
					       "exec: --cgroup: a process joins the container's "
					       "cgroup only");
		case ARG_GIDS:
			return log_error_errno(-EOPNOTSUPP,
					       "exec: --additional-gids is not supported; use "
					       "--process with user.additionalGids");
		}
	}
	int r;
	if (c < -1 || (r = runtime_id_operand(argc, argv, "exec", argc, &o->id)) < 0)
		return c < -1 ? c : r;
	o->args = argv + optind + 1;
	if (!o->process && !o->args[0])
		return log_error_errno(-EINVAL, "exec: a command, or --process FILE, is needed");
	if (o->process && o->args[0])
		return log_error_errno(-EINVAL,
				       "exec: either --process FILE or a command, not both");
	return 0;
}

/* "UID[:GID]" */
static int parse_user(const char *s, json_t *user)
{
	char *end;
	errno = 0;
	unsigned long uid = strtoul(s, &end, 10), gid = 0;
	bool ok = end != s && errno == 0 && uid <= UINT32_MAX && *s != '-';
	if (ok && *end == ':') {
		const char *g = end + 1;
		gid = strtoul(g, &end, 10);
		ok = end != g && errno == 0 && gid <= UINT32_MAX && *g != '-';
	}
	if (!ok || *end)
		return log_error_errno(-EINVAL, "exec: invalid --user `%s`: UID[:GID], in numbers",
				       s);
	json_object_set_new(user, "uid", json_integer((json_int_t)uid));
	json_object_set_new(user, "gid", json_integer((json_int_t)gid));
	json_object_del(user, "additionalGids");
	return 0;
}

static int append_strings(json_t *o, const char *key, char **values)
{
	json_t *a = json_object_get(o, key);
	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(o, key, a);
	}
	for (size_t i = 0; values && values[i]; i++)
		if (json_array_append_new(a, json_string(values[i])) < 0)
			return -EINVAL;
	return 0;
}

/* The flags over the container's own process (runc's rules: --cap adds
 * to the bounding, effective and permitted sets, and to the ambient one
 * where the inheritable set is given). */
static int process_from_flags(const ExecOptions *o, json_t *process)
{
	json_t *args = json_array();
	json_object_set_new(process, "args", args);
	for (size_t i = 0; o->args[i]; i++)
		if (json_array_append_new(args, json_string(o->args[i])) < 0)
			return log_error_errno(-EINVAL, "exec: the command is not valid UTF-8");
	json_object_set_new(process, "terminal", json_boolean(o->tty));
	if (append_strings(process, "env", o->env) < 0)
		return log_error_errno(-EINVAL, "exec: --env is not valid UTF-8");
	if (o->cwd)
		json_object_set_new(process, "cwd", json_string(o->cwd));
	if (o->user) {
		json_t *user = json_object_get(process, "user");
		if (!json_is_object(user)) {
			user = json_object();
			json_object_set_new(process, "user", user);
		}
		int r = parse_user(o->user, user);
		if (r < 0)
			return r;
	}
	if (o->caps) {
		json_t *caps = json_object_get(process, "capabilities");
		if (!json_is_object(caps)) {
			caps = json_object();
			json_object_set_new(process, "capabilities", caps);
		}
		static const char *const sets[] = { "bounding", "effective", "permitted" };
		for (size_t i = 0; i < ELEMENTSOF(sets); i++)
			(void)append_strings(caps, sets[i], o->caps);
		if (json_object_get(caps, "inheritable"))
			(void)append_strings(caps, "ambient", o->caps);
	}
	if (o->no_new_privs)
		json_object_set_new(process, "noNewPrivileges", json_true());
	return 0;
}

/* The container's config.json with the process to run in place of its
 * own, parsed as create parses one. */
static int exec_spec(Runtime *rt, const ExecOptions *o, ContainerSpec **ret)
{
	_cleanup_free_ char *path = runtime_config_copy(rt, o->id), *text = NULL;
	int r = path ? read_full_file(path, &text, NULL) : -ENOMEM;
	if (r < 0)
		return log_error_errno(r, "cannot read the configuration of container %s: %m",
				       o->id);
	json_t *doc = json_loads(text, 0, NULL);
	if (!doc)
		return log_error_errno(-EINVAL, "the kept config.json of %s is not valid JSON",
				       o->id);
	json_t *process;
	if (o->process) {
		json_error_t jerr;
		process = json_load_file(o->process, 0, &jerr);
		if (!process || !json_is_object(process)) {
			json_decref(doc);
			json_decref(process);
			return log_error_errno(-EINVAL, "exec: --process %s: %s", o->process,
					       process ? "not a JSON object" : jerr.text);
		}
		json_object_set_new(doc, "process", process);
	} else {
		process = json_object_get(doc, "process");
		if (!json_is_object(process)) {
			process = json_object();
			json_object_set_new(doc, "process", process);
		}
		if ((r = process_from_flags(o, process)) < 0) {
			json_decref(doc);
			return r;
		}
	}
	static const char *const unsupported[] = { "apparmorProfile", "selinuxLabel" };
	for (size_t i = 0; i < ELEMENTSOF(unsupported); i++) {
		const char *v = json_string_value(json_object_get(process, unsupported[i]));
		if (v && *v) {
			json_decref(doc);
			return log_error_errno(-EOPNOTSUPP,
					       "exec: process.%s is not supported by berth-runtime "
					       "(see berth-runtime features)",
					       unsupported[i]);
		}
	}
	_cleanup_free_ char *merged = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	_cleanup_free_ char *why = NULL;
	r = merged ? spec_from_json(merged, ret, &why) : -ENOMEM;
	if (r < 0) {
		const char *text2 = why ? why : "invalid";
		if (startswith(text2, "config.json: "))
			text2 += strlen("config.json: ");
		return log_error_errno(r, "exec: %s", text2);
	}
	if (!(*ret)->args || !(*ret)->args[0]) {
		spec_free(*ret);
		*ret = NULL;
		return log_error_errno(-EINVAL, "exec: process.args is empty");
	}
	runtime_spec_defaults(*ret);
	if ((*ret)->terminal && !o->console_socket)
		return log_error_errno(-EINVAL,
				       "exec: a terminal needs --console-socket, where its master "
				       "goes");
	return 0;
}

/* What the process inherits from us: process.rlimits and oomScoreAdj. */
static int exec_inherited(const ContainerSpec *spec)
{
	for (size_t i = 0; i < spec->n_rlimits; i++) {
		const SpecRlimit *l = &spec->rlimits[i];
		struct rlimit rl = { .rlim_cur = l->soft, .rlim_max = l->hard };
		if (setrlimit(l->resource, &rl) < 0) {
			const char *name = rlimit_to_string(l->resource);
			return log_error_errno(-errno, "exec: cannot set the rlimit %s: %m",
					       name ? name : "?");
		}
	}
	if (spec->has_oom_score_adj) {
		char buf[16];
		snprintf(buf, sizeof(buf), "%d", spec->oom_score_adj);
		int r = write_file("/proc/self/oom_score_adj", buf, strlen(buf), O_WRONLY, 0);
		if (r < 0)
			return log_error_errno(r, "exec: cannot set oomScoreAdj: %m");
	}
	return 0;
}

static int exec_identity(const ContainerSpec *spec, ProcessIdentity *id,
			 struct sock_fprog *ret_filter)
{
	*id = (ProcessIdentity){
		.uid = spec->uid,
		.gid = spec->gid,
		.groups = spec->additional_gids,
		.n_groups = spec->n_additional_gids,
		.no_new_privileges = spec->no_new_privileges,
	};
	if (process_identity_caps(id, spec) < 0)
		return log_error_errno(-EINVAL, "exec: invalid capabilities");
	_cleanup_free_ char *why = NULL;
	int r = process_identity_seccomp(id, spec, ret_filter, &why);
	if (r < 0)
		return log_error_errno(r, "exec: %s",
				       why ? why : "cannot build the seccomp filter");
	return 0;
}

/* What we open while we still see the host: the stage, the cgroup and its
 * cgroup.procs (the clone() fallback's, see exec.c), our own mount
 * namespace (to write --pid-file in it afterwards) and the console
 * socket. */
typedef struct {
	int stage, cgroup, procs, host_mnt, console;
} HostSide;

static void host_side_done(HostSide *h)
{
	safe_close(h->stage);
	safe_close(h->cgroup);
	safe_close(h->procs);
	safe_close(h->host_mnt);
	safe_close(h->console);
}

static int exec_host_side(const RuntimeContainer *c, const ExecOptions *o, bool tty, HostSide *h)
{
	int r = stage_memfd(&h->stage);
	if (r < 0)
		return log_error_errno(r, "exec: cannot prepare berth-stage: %m");
	if (!c->row.cgroup)
		return log_error_errno(-ENOENT, "exec: container %s has no cgroup", o->id);
	h->cgroup = open(c->row.cgroup, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (h->cgroup < 0)
		return log_error_errno(-errno, "exec: cannot open the container's cgroup: %m");
	h->procs = RET_NERRNO(openat(h->cgroup, "cgroup.procs", O_WRONLY | O_CLOEXEC));
	h->host_mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (h->host_mnt < 0)
		return log_error_errno(-errno, "exec: cannot open our mount namespace: %m");
	if (tty)
		return runtime_connect_console(o->console_socket, &h->console);
	return 0;
}

/* Waits until the process has exec'd its command (the error pipe's end
 * of file), or said why it could not. */
static int wait_started(int errfd, int pidfd)
{
	struct pollfd p[2] = { { .fd = errfd, .events = POLLIN },
			       { .fd = pidfd, .events = POLLIN } };
	int n;
	while ((n = poll(p, 2, EXEC_START_TIMEOUT_MS)) < 0 && errno == EINTR)
		;
	SetupError e;
	ssize_t k = n > 0 ? read(errfd, &e, sizeof(e)) : -1;
	if (k == 0 || (k < 0 && errno == EAGAIN && p[1].revents))
		return 0;
	(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	if (k == (ssize_t)sizeof(e)) {
		e.msg[sizeof(e.msg) - 1] = 0;
		return log_error_errno(e.error < 0 ? e.error : -EIO, "exec: %s", e.msg);
	}
	return log_error_errno(n == 0 ? -ETIMEDOUT : -EIO,
			       "exec: the process did not start within %d s",
			       EXEC_START_TIMEOUT_MS / 1000);
}

/* In the foreground: signals passed on, its exit status ours. */
static int wait_exit(int pidfd, int sfd)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return log_error_errno(-errno, "exec: poll: %m");
		if (p[1].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				(void)syscall(SYS_pidfd_send_signal, pidfd, si.ssi_signo, NULL, 0);
		}
		if (p[0].revents) {
			siginfo_t si = { 0 };
			if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0)
				return log_error_errno(-errno, "exec: wait: %m");
			return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
		}
	}
}

static int write_pid_file(const char *path, pid_t pid)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	int r = write_file_atomic(path, buf, strlen(buf), 0644);
	if (r < 0)
		return log_error_errno(r, "exec: cannot write the pid file %s: %m", path);
	return 0;
}

/* In the container's namespaces: the process cloned, its pid (and pidfd)
 * back. A terminal is made here, in the container's devpts, its master
 * sent to the console socket. */
static pid_t exec_spawn(const RuntimeContainer *c, const ContainerSpec *spec, HostSide *h,
			int preserve_fds, int errpipe[2], int *ret_pidfd)
{
	int flags = 0;
	for (int t = 0; t < _NS_MAX; t++)
		if (spec->namespaces[t].enabled && t != NS_USER && t != NS_CGROUP)
			flags |= namespace_type_clone_flag((NamespaceType)t);
	sanitizer_leak_check_before_setns();
	if (setns(c->pidfd, flags) < 0)
		return log_error_errno(-errno, "exec: cannot join the container's namespaces: %m");
	_cleanup_close_ int master = -EBADF, slave = -EBADF;
	if (spec->terminal) {
		_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		int r = root < 0 ? -errno : tty_open_pair(root, &master, &slave);
		if (r < 0 || (r = tty_send_fd(h->console, master)) < 0)
			return log_error_errno(r, "exec: cannot make the process's terminal: %m");
	}
	ProcessIdentity id;
	struct sock_fprog filter = { 0 };
	int r = exec_identity(spec, &id, &filter);
	_cleanup_free_ struct sock_filter *filter_mem = filter.filter;
	if (r < 0)
		return r;
	SetupJoin j = {
		.spec = spec,
		.target_pidfd = c->pidfd,
		.cgroup_fd = h->cgroup,
		.procs_fd = h->procs,
		.id = &id,
		.cwd = spec->cwd,
		.argv = spec->args,
		.envp = spec->env,
		.stdio = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO },
		.controlling_tty = spec->terminal,
		.stage_fd = h->stage,
		.error_fd = errpipe[1],
		.preserve_fds = preserve_fds,
	};
	if (slave >= 0)
		j.stdio[0] = j.stdio[1] = j.stdio[2] = slave;
	pid_t pid = setup_join_spawn(&j, ret_pidfd);
	if (pid < 0)
		return log_error_errno(pid, "exec: cannot start the process: %m");
	return pid;
}

int runtime_exec(Runtime *rt, int argc, char **argv)
{
	/* Not dumpable, as `berth exec` (exec.c): the process cloned from us
	 * is out of the container's reach until it execs its command. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	_cleanup_(exec_options_done) ExecOptions o = { 0 };
	int r = parse_exec(argc, argv, &o);
	if (r < 0 || (r = runtime_check_preserve_fds(o.preserve_fds, "exec")) < 0)
		return r;
	_cleanup_db_ sqlite3 *db = NULL;
	if ((r = runtime_db(rt, &db)) < 0)
		return r;
	_cleanup_(runtime_container_done) RuntimeContainer c;
	if ((r = runtime_load(rt, db, o.id, &c)) < 0)
		return r;
	if (c.status != RT_RUNNING && c.status != RT_CREATED)
		return log_error_errno(-EBUSY, "cannot exec in container %s: it is %s", o.id,
				       runtime_status_to_string(c.status));
	db = db_close(db);
	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	if ((r = exec_spec(rt, &o, &spec)) < 0)
		return r;
	_cleanup_(host_side_done) HostSide h = { -EBADF, -EBADF, -EBADF, -EBADF, -EBADF };
	if ((r = exec_host_side(&c, &o, spec->terminal, &h)) < 0 || (r = exec_inherited(spec)) < 0)
		return r;
	/* Every signal blocked (the process resets its mask); those we pass
	 * on come through sfd. */
	sigset_t all, mask;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	sigemptyset(&mask);
	for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
		sigaddset(&mask, forwarded_signals[i]);
	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	int errpipe[2];
	if (sfd < 0 || pipe2(errpipe, O_CLOEXEC) < 0)
		return log_error_errno(-errno, "exec: signalfd, pipe: %m");
	(void)fd_set_nonblock(errpipe[0]);
	_cleanup_close_ int errfd = errpipe[0];
	int pidfd_raw = -EBADF;
	pid_t pid = exec_spawn(&c, spec, &h, o.preserve_fds, errpipe, &pidfd_raw);
	close(errpipe[1]);
	_cleanup_close_ int pidfd = pidfd_raw;
	/* Back in our mount namespace, where --pid-file's path is. */
	if (setns(h.host_mnt, CLONE_NEWNS) < 0 && pid > 0) {
		(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		return log_error_errno(-errno, "exec: cannot return to our mount namespace: %m");
	}
	if (pid < 0)
		return pid;
	if ((r = wait_started(errfd, pidfd)) < 0)
		return r;
	if (o.pid_file && (r = write_pid_file(o.pid_file, pid)) < 0) {
		(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		return r;
	}
	if (o.detach)
		return 0; /* our caller, a subreaper, is its parent now */
	return wait_exit(pidfd, sfd);
}
