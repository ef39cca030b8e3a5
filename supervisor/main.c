/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth-supervisor: one per container, started by `berth`, never by
 * users. It owns the container for its whole life: creates its cgroup,
 * clones its init into new namespaces, records every state change in the
 * state DB, copies its output to the log and cleans up after it. */

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "caps.h"
#include "cgroup-devices.h"
#include "cgroup-limits.h"
#include "cgroup.h"
#include "ctr-lock.h"
#include "log.h"
#include "rootless.h"
#include "parse.h"
#include "seccomp-filter.h"
#include "supervisor.h"
#include "util.h"

static char *arg_root = NULL;
static char *arg_run_root = NULL;
static char *arg_id = NULL;
static int arg_sync_fd = -EBADF;
static bool arg_foreground = false;
static bool arg_rm = false;
static bool arg_debug = false;
static char *arg_pidfile = NULL;
static bool arg_make_bundle = false;

static int parse_argv(int argc, char *argv[])
{
	enum {
		ARG_ROOT = 0x100,
		ARG_ID,
		ARG_SYNC_FD,
		ARG_FOREGROUND,
		ARG_RM,
		ARG_DEBUG,
		ARG_PIDFILE,
		ARG_MAKE_BUNDLE,
		ARG_RUN_ROOT,
	};
	static const struct option options[] = {
		{ "root", required_argument, NULL, ARG_ROOT },
		{ "id", required_argument, NULL, ARG_ID },
		{ "sync-fd", required_argument, NULL, ARG_SYNC_FD },
		{ "foreground", no_argument, NULL, ARG_FOREGROUND },
		{ "rm", no_argument, NULL, ARG_RM },
		{ "debug", no_argument, NULL, ARG_DEBUG },
		{ "pidfile", required_argument, NULL, ARG_PIDFILE },
		{ "make-bundle", no_argument, NULL, ARG_MAKE_BUNDLE },
		{ "run-root", required_argument, NULL, ARG_RUN_ROOT },
		{},
	};
	int c;
	while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		switch (c) {
		case ARG_ROOT:
			arg_root = optarg;
			break;
		case ARG_RUN_ROOT:
			arg_run_root = optarg;
			break;
		case ARG_ID:
			arg_id = optarg;
			break;
		case ARG_SYNC_FD: {
			long fd;
			if (parse_int_range(optarg, 0, 65535, &fd) < 0)
				return log_error_errno(-EINVAL, "invalid --sync-fd `%s`", optarg);
			arg_sync_fd = (int)fd;
			break;
		}
		case ARG_FOREGROUND:
			arg_foreground = true;
			break;
		case ARG_RM:
			arg_rm = true;
			break;
		case ARG_DEBUG:
			arg_debug = true;
			break;
		case ARG_PIDFILE:
			arg_pidfile = optarg;
			break;
		case ARG_MAKE_BUNDLE:
			arg_make_bundle = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (!id_is_valid(arg_id))
		return log_error_errno(-EINVAL, "this is berth's internal supervisor; "
						"run containers with `berth run`");
	return 0;
}

static void fail_to_cli(Supervisor *s, int error, int exit_code, const char *msg);
static void supervisor_abort(Supervisor *s);

#define REMOVED_WHILE_STARTING "the container was removed while it started"

/* The container could not be started: write that down (or remove it, for
 * --rm) first, then tell the CLI, so that what it sees next is final. */
static void start_failed(Supervisor *s, const SetupError *e)
{
	/* Nothing of the container goes to the DB before the CLI has put it
	 * there; a run it called off leaves nothing at all. */
	if (!supervisor_await_commit(s)) {
		supervisor_abort(s);
		return;
	}
	/* A failure because `rm` took the container's folder or row away
	 * meanwhile is said as that, not as the ENOENT it caused. */
	const char *msg = e->msg;
	supervisor_network_teardown(s);
	supervisor_rootfs_fuse_end(s);
	if (supervisor_record_start_failure(s, e->exit_code, msg) == -ESTALE)
		msg = REMOVED_WHILE_STARTING;
	fail_to_cli(s, e->error, e->exit_code, msg);
}

static void fail_to_cli(Supervisor *s, int error, int exit_code, const char *msg)
{
	SyncMsg m = { .type = SYNC_ERROR, .error = error, .exit_code = exit_code };
	snprintf(m.msg, sizeof(m.msg), "%s", msg);
	if (sync_send(s->sync_fd, &m) < 0)
		log_error("%s", msg);
}

static void redirect_stdio(Supervisor *s)
{
	/* From here on our own stdio must not keep the CLI's terminal or pipes
	 * open: the container has its own copies. Our messages go to
	 * supervisor.log in the bundle. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	if (s->self_log_fd >= 0)
		dup2(s->self_log_fd, STDERR_FILENO);
}

/* What we made for a container that the CLI never recorded goes. */
static void supervisor_abort(Supervisor *s)
{
	if (s->pidfd >= 0) {
		(void)syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
		siginfo_t si;
		(void)waitid(P_PIDFD, (id_t)s->pidfd, &si, WEXITED);
		s->pidfd = safe_close(s->pidfd);
	}
	s->mnt_ns_fd = safe_close(s->mnt_ns_fd);
	s->cgroup_fd = safe_close(s->cgroup_fd);
	supervisor_network_teardown(s);
	supervisor_rootfs_fuse_end(s);
	if (s->start.made_cgroup) {
		int r = cgroup_destroy(s->cgroup, 5000);
		if (r < 0)
			log_warning_errno(r, "remove cgroup `%s`: %m", s->cgroup);
		s->start.made_cgroup = false;
	}
	if (s->start.made_bundle) {
		spare_put_back(s);
		s->start.made_bundle = false;
	}
}

/* We are at work on the container until it is recorded running, or its
 * failure is (common/ctr-lock.h): the next command that finds it left
 * `created` with nobody holding this knows that we were killed. */
static void hold_start_lock(Supervisor *s)
{
	if (s->start.start_lock_fd < 0)
		(void)ctr_lock(s->bundle, LOCK_SH, 0, &s->start.start_lock_fd);
}

/* --make-bundle: the container's folder and the ones the overlay needs
 * (the CLI makes them itself for a user namespace, with the layers'
 * copies). Again after a failure: what exists of ours stays. */
static int make_bundle(Supervisor *s)
{
	if (!s->start.made_bundle) {
		if (spare_take(s)) {
			s->start.made_bundle = true;
			return 0;
		}
		if (mkdir(s->bundle, 0700) < 0)
			return -errno; /* EEXIST: not ours */
		s->start.made_bundle = true;
	}
	hold_start_lock(s);
	return bundle_make_subdirs(s->bundle);
}

/* What needs nothing but the id is done while the CLI prepares the
 * container (protocol.h): the sealed stage, the cgroup and the folder
 * (--make-bundle). The seccomp filter and the device program
 * come after the clone (spawn.c): here they would hold SYNC_GO up. A
 * failure here is not reported; the same step is done again, and
 * reported, after SYNC_GO. Returns 1 on SYNC_GO (with the configuration
 * in s->start.config, or none: `start`, which reads config.json), 0 when the
 * CLI gave up, after taking down what was made. */
static int prepare_and_wait(Supervisor *s)
{
	(void)stage_memfd(&s->start.stage_fd);
	if (cgroup_container_path(s->id, &s->cgroup) >= 0 &&
	    cgroup_create(s->cgroup, s->paths.state_dir, &s->cgroup_fd) >= 0)
		s->start.made_cgroup = true;
	else {
		/* run() tries again and says why. */
		free(s->cgroup);
		s->cgroup = NULL;
	}
	if (arg_make_bundle)
		(void)make_bundle(s);
	/* No SYNC_GO within a millisecond: the CLI is far behind (in the test
	 * VM its own DB work is the longer path by 60 ms, the time our open
	 * takes there). Open the DB meanwhile, rather than after the clone,
	 * where the init waits for the release behind it. Not when SYNC_GO is
	 * near (here, almost always): the open would delay the start, while
	 * after the clone it runs beside the init's mounts. Nothing is
	 * written before the commit. */
	struct pollfd pfd = { .fd = s->sync_fd, .events = POLLIN };
	if (poll(&pfd, 1, 1) == 0)
		(void)supervisor_open_db(s);
	SyncMsg m;
	_cleanup_close_ int config_fd = -EBADF;
	if (sync_recv(s->sync_fd, &m, &config_fd) < 0 || m.type != SYNC_GO ||
	    (config_fd >= 0 && (lseek(config_fd, 0, SEEK_SET) < 0 ||
				read_full_fd(config_fd, &s->start.config, NULL) < 0))) {
		supervisor_abort(s);
		return 0;
	}
	/* The CLI started us away from its CPU (protocol.h); the container
	 * inherits what we take now. */
	if (m.affinity) {
		cpu_set_t cpus;
		memcpy(&cpus, m.msg, sizeof(cpus));
		if (sched_setaffinity(0, sizeof(cpus), &cpus) < 0)
			log_debug_errno(-errno, "restore the CPU affinity: %m");
	}
	return 1;
}

/* `run`: the configuration came with SYNC_GO, and goes to the folder
 * once the init is on its way (spawn.c); `start`: it is there. */
static int read_spec(Supervisor *s, SetupError *e)
{
	_cleanup_free_ char *config = NULL, *error = NULL;
	int r;
	if (s->start.config)
		r = spec_from_json(s->start.config, &s->spec, &error);
	else if (asprintf(&config, "%s/config.json", s->bundle) < 0)
		return setup_err(e, -ENOMEM, "read the container's configuration: %m");
	else
		r = spec_read_file(config, &s->spec, &error);
	/* A container made by an older berth, whose root may have moved. */
	if (r >= 0)
		r = spec_relocate_paths(s->spec, s->bundle);
	if (r < 0)
		return error ? setup_err(e, r, "%s", error)
			     : setup_err(e, r, "read the container's configuration: %m");
	log_debug("container %.12s: configuration read (%s)", s->id,
		  s->start.config ? "from berth run" : "config.json");
	return 0;
}

/* The container's cgroup, unless it was made early. */
static int make_cgroup(Supervisor *s, SetupError *e)
{
	int r = 0;
	if (s->cgroup_fd < 0) { /* not made early */
		r = cgroup_container_path(s->id, &s->cgroup);
		if (r == -ENOMEDIUM && rootless()) {
			log_debug("no delegated cgroup: the container stays in ours");
			return 0;
		}
		if (r >= 0)
			r = cgroup_create(s->cgroup, s->paths.state_dir, &s->cgroup_fd);
		s->start.made_cgroup = r >= 0;
	}
	if (r < 0) {
		if (r == -EEXIST)
			setup_err(e, r,
				  "the cgroup %s exists and is not this berth root's (%s): "
				  "another root or engine made it",
				  s->cgroup, s->paths.state_dir);
		else
			setup_err(e, r, "create the container's cgroup%s%s: %m",
				  s->cgroup ? " " : "", s->cgroup ? s->cgroup : "");
		/* Not ours: the clean-up of the failure must not touch it. */
		free(s->cgroup);
		s->cgroup = NULL;
		return r;
	}
	return 0;
}

/* What the running container needs of its spec, and what it leaves
 * where others look for it: its log, its stop signal, the pid file, the
 * control socket. */
static void settle(Supervisor *s)
{
	int r;
	if (!s->foreground) {
		r = ctr_log_open(s);
		if (r < 0)
			log_warning_errno(r, "open the container log: %m");
	}

	const char *max = spec_get_annotation(s->spec, ANNOTATION_LOG_MAX_SIZE);
	s->log.max_size = CTR_LOG_DEFAULT_MAX_SIZE;
	if (max && parse_size(max, &s->log.max_size) < 0)
		log_warning("ignoring invalid log size `%s`", max);

	const char *stop = spec_get_annotation(s->spec, ANNOTATION_STOP_SIGNAL);
	if (stop && parse_signal(stop, &s->stop_signal) < 0)
		log_warning("ignoring invalid stop signal `%s`", stop);

	if (s->pidfile) {
		char pid[32];
		int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		r = write_file_atomic(s->pidfile, pid, (size_t)n, 0644);
		if (r < 0)
			log_warning_errno(r, "write pid file `%s`: %m", s->pidfile);
	}

	r = control_listen(s);
	if (r < 0)
		log_warning_errno(r, "control socket: %m; `berth stop` will kill the container "
				     "directly");
}

/* The container runs: the DB, systemd and the CLI are told. */
static void tell_running(Supervisor *s)
{
	/* --rm, and the command is over already (a short one): its row goes
	 * at the end, a moment from now, and a `running` written first would
	 * be a DB write no one can see (in the test VM, a tenth of such a
	 * run). */
	siginfo_t si = { 0 };
	bool over = s->auto_remove &&
		    waitid(P_PIDFD, (id_t)s->pidfd, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid != 0;
	int r = over ? 0 : supervisor_record_running(s);
	s->start.start_lock_fd = safe_close(s->start.start_lock_fd);
	if (r < 0) {
		/* The DB could not be told; a container nobody can see must not
		 * keep running. */
		if (s->cgroup)
			(void)cgroup_kill(s->cgroup);
		else
			supervisor_signal(s, SIGKILL);
		fail_to_cli(s, r, EXIT_BERTH_ERROR,
			    r == -ESTALE ? REMOVED_WHILE_STARTING
					 : "record the container as running in the state DB");
	} else {
		/* systemd first: our MAINPID must be known before the CLI, the
		 * unit's first main process, exits. */
		r = notify_ready(getpid());
		if (r < 0)
			log_warning_errno(r, "notify $NOTIFY_SOCKET: %m");
		SyncMsg m = { .type = SYNC_RUNNING, .pid = s->pid };
		if (s->foreground && s->tty_master >= 0) {
			/* An attached terminal is the CLI's to relay. */
			(void)sync_send_fd(s->sync_fd, &m, s->tty_master);
			s->tty_master = safe_close(s->tty_master);
		} else
			(void)sync_send(s->sync_fd, &m);
	}
}

static int run(Supervisor *s)
{
	SetupError e;
	int r;

	if (arg_make_bundle && (r = make_bundle(s)) < 0) {
		setup_err(&e, r, "create `%s`: %m", s->bundle);
		start_failed(s, &e);
		return r;
	}

	if (!arg_make_bundle)
		hold_start_lock(s);

	/* Our own messages go to supervisor.log from the start; the CLI hears
	 * of failures through the sync socket. Our stdio stays as it is: a
	 * foreground container inherits it. */
	_cleanup_free_ char *logpath = NULL;
	if (asprintf(&logpath, "%s/supervisor.log", s->bundle) >= 0) {
		s->self_log_fd =
			open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (s->self_log_fd >= 0)
			log_set_fd(s->self_log_fd);
	}

	r = read_spec(s, &e);
	if (r >= 0)
		r = make_cgroup(s, &e);
	/* Limits go on before the container's first instruction: the init is
	 * cloned straight into this cgroup. */
	if (r >= 0)
		r = setup_limits(s->spec, s->cgroup, &e);
	if (r >= 0)
		r = supervisor_network_setup(s, &e);
	if (r >= 0)
		r = supervisor_rootfs_fuse(s, &e);
	if (r >= 0)
		r = supervisor_spawn(s, &e);
	s->cgroup_fd = safe_close(s->cgroup_fd);
	if (r == -ECANCELED) {
		supervisor_abort(s);
		return r;
	}
	if (r < 0) {
		start_failed(s, &e);
		return r;
	}

	log_debug("container %.12s runs as pid %d in cgroup %s", s->id, (int)s->pid, s->cgroup);
	settle(s);
	tell_running(s);
	if (!s->foreground) {
		s->sync_fd = safe_close(s->sync_fd);
		/* Until the end: an idle supervisor holds no SQLite memory and
		 * no descriptor of the DB. */
		supervisor_release_db(s);
	}

	redirect_stdio(s);
	/* From here on we only wait. The parsed spec is no longer needed, and
	 * what start-up malloc()ed and freed (the spec, SQLite's caches, the
	 * seccomp filter) goes back to the kernel once the container has run
	 * for a second (supervisor_loop()): an idle supervisor's private
	 * memory is about halved, and a short container's exit is not
	 * delayed by the work. */
	s->spec = spec_free(s->spec);
	return supervisor_loop(s);
}

int main(int argc, char *argv[])
{
	log_setup("berth-supervisor", LOG_LEVEL_INFO);
	if (argc > 1 && streq(argv[1], "exec")) {
		log_setup("berth", LOG_LEVEL_INFO);
		return exec_main(argc - 1, argv + 1);
	}
	if (parse_argv(argc, argv) < 0)
		return EXIT_BERTH_ERROR;
	if (arg_debug)
		log_setup(NULL, LOG_LEVEL_DEBUG);

	/* berth started us in a new session, from a child that left it to
	 * us (cli/launch.c): we are not its leader, and so can never acquire
	 * a controlling terminal. */
	signal(SIGPIPE, SIG_IGN);
	/* Keep our name readable in ps: berth-supervisor <short id>. */
	char comm[16] = "berth-";
	memcpy(comm + 6, arg_id, 9);
	comm[15] = 0;
	(void)prctl(PR_SET_NAME, comm);

	Supervisor *s = calloc(1, sizeof(Supervisor));
	if (!s)
		return EXIT_BERTH_ERROR;
	s->cgroup_fd = s->pidfd = s->mnt_ns_fd = s->log.fd = -EBADF;
	s->out_pipe[0] = s->out_pipe[1] = s->err_pipe[0] = s->err_pipe[1] = -EBADF;
	s->tty_master = s->start.stage_fd = s->self_log_fd = -EBADF;
	s->ev.ctl_fd = s->start.start_lock_fd = s->net.lock_fd = -EBADF;
	s->sync_fd = arg_sync_fd;
	s->foreground = arg_foreground;
	s->auto_remove = arg_rm;
	s->pidfile = arg_pidfile;
	s->stop_signal = SIGTERM;

	int r = paths_init(&s->paths, arg_root);
	if (r >= 0 && arg_run_root)
		r = paths_set_run_dir(&s->paths, arg_run_root);
	if (r >= 0) {
		_cleanup_free_ char *cache = NULL;
		if (asprintf(&cache, "%s/cache", s->paths.run_dir) >= 0)
			seccomp_cache_dir(cache);
		s->id = strdup(arg_id);
		s->bundle = path_container_dir(&s->paths, arg_id);
		s->db_path = path_db(&s->paths);
		if (!s->id || !s->bundle || !s->db_path)
			r = -ENOMEM;
	}
	if (r >= 0)
		r = fd_set_cloexec(s->sync_fd, true);
	if (r >= 0 && prepare_and_wait(s) == 0)
		r = 1; /* nothing to do */
	if (r == 0)
		r = run(s);

	safe_close(s->sync_fd);
	safe_close(s->pidfd);
	safe_close(s->mnt_ns_fd);
	safe_close(s->log.fd);
	safe_close(s->out_pipe[0]);
	safe_close(s->err_pipe[0]);
	safe_close(s->tty_master);
	safe_close(s->start.stage_fd);
	safe_close(s->ev.ctl_fd);
	safe_close(s->start.start_lock_fd);
	db_close(s->db);
	spec_free(s->spec);
	free(s->start.config);
	free(s->cgroup);
	free(s->id);
	free(s->bundle);
	free(s->db_path);
	paths_done(&s->paths);
	/* Exit with the container's status, as conmon does: a systemd unit
	 * whose main process we are sees how the container ended. */
	int status = r < 0 ? EXIT_BERTH_ERROR : s->end.exited ? s->end.exit_code : 0;
	free(s);
	return status;
}
