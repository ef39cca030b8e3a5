/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth-runtime create, start and run (runtime.h): the container is built
 * from the bundle's config.json by the container-setup core, its init
 * left waiting on the exec FIFO; start opens the FIFO, which lets the init
 * exec process.args. */

#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "container-setup.h"
#include "log.h"
#include "oci.h"
#include "resolve.h"
#include "runtime.h"
#include "util.h"

typedef struct {
	const char *id;
	char *bundle; /* its real path, owned */
	const char *console_socket;
	const char *pid_file;
	int preserve_fds;
} CreateOptions;

static bool apparmor_enabled(void)
{
	_cleanup_free_ char *v = NULL;
	return access("/sys/kernel/security/apparmor", F_OK) == 0 &&
	       read_full_file("/sys/module/apparmor/parameters/enabled", &v, NULL) >= 0 &&
	       v[0] == 'Y';
}

static bool selinux_enabled(void)
{
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

/* The parts of the runtime spec berth-runtime does not do (features lists
 * them): refused when a config.json asks for them, never ignored. An LSM
 * label on a host without that LSM is refused as runc refuses it, in its
 * words for SELinux; with the LSM there, berth cannot apply it yet. NULL,
 * or why not, in a static buffer. */
static const char *unsupported(json_t *doc)
{
	static const char *const fields[][2] = {
		{ "process", "apparmorProfile" }, { "process", "selinuxLabel" },
		{ "linux", "mountLabel" },        { "linux", "intelRdt" },
		{ "linux", "personality" },
	};
	static char why[160];
	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		json_t *v = json_object_get(json_object_get(doc, fields[i][0]), fields[i][1]);
		bool empty = !v || json_is_null(v) || (json_is_object(v) && !json_object_size(v)) ||
			     (json_is_array(v) && !json_array_size(v)) ||
			     (json_is_string(v) && !*json_string_value(v));
		if (empty)
			continue;
		if (i == 0 && !apparmor_enabled())
			snprintf(why, sizeof(why),
				 "process.apparmorProfile is specified in config, but AppArmor is "
				 "not enabled on this host (refused, as runc refuses it)");
		else if ((i == 1 || i == 2) && !selinux_enabled())
			snprintf(why, sizeof(why),
				 "selinux label is specified in config, but selinux is disabled or "
				 "not supported (%s.%s)",
				 fields[i][0], fields[i][1]);
		else
			snprintf(why, sizeof(why),
				 "%s.%s is not supported by berth-runtime yet (see berth-runtime "
				 "features)",
				 fields[i][0], fields[i][1]);
		return why;
	}
	return NULL;
}

static void create_options_done(CreateOptions *o)
{
	free(o->bundle);
}

/* The bundle's config.json, of a major ociVersion we know; whether it has
 * prestart or createRuntime hooks, for which the init stops before its
 * pivot_root. */
static int read_config(const char *bundle, ContainerSpec **ret, char **ret_text,
		       bool *ret_runtime_hooks)
{
	_cleanup_free_ char *path = path_resolve(bundle, "config.json"), *data = NULL;
	if (!path)
		return log_error_errno(-ENOMEM, "out of memory");
	int r = read_full_file(path, &data, NULL);
	if (r < 0)
		return log_error_errno(r, "cannot read %s: %m", path);
	json_error_t jerr;
	json_t *doc = json_loads(data, 0, &jerr);
	if (!doc)
		return log_error_errno(-EINVAL, "%s is not valid JSON: %s (line %d)", path,
				       jerr.text, jerr.line);
	const char *v = json_string_value(json_object_get(doc, "ociVersion"));
	_cleanup_free_ char *version = v ? strdup(v) : NULL;
	bool known = version && startswith(version, "1.");
	const char *missing = known ? unsupported(doc) : NULL;
	json_t *hooks = json_object_get(doc, "hooks");
	*ret_runtime_hooks = json_array_size(json_object_get(hooks, "prestart")) > 0 ||
			     json_array_size(json_object_get(hooks, "createRuntime")) > 0;
	json_decref(doc);
	if (!v)
		return log_error_errno(-EINVAL, "%s has no ociVersion", path);
	if (!known)
		return log_error_errno(-EINVAL,
				       "%s: unknown ociVersion `%s` (berth-runtime knows 1.x)",
				       path, version);
	if (missing)
		return log_error_errno(-EOPNOTSUPP, "%s: %s", path, missing);
	_cleanup_free_ char *why = NULL;
	r = spec_from_json(data, ret, &why);
	if (r < 0) {
		const char *text = why ? why : "invalid";
		if (startswith(text, "config.json: "))
			text += strlen("config.json: ");
		return log_error_errno(r, "%s: %s", path, text);
	}
	if (!(*ret)->args || !(*ret)->args[0]) {
		spec_free(*ret);
		*ret = NULL;
		return log_error_errno(-EINVAL, "%s: process.args is empty", path);
	}
	runtime_spec_defaults(*ret);
	*ret_text = TAKE_PTR(data);
	return 0;
}

/* linux.cgroupsPath under the cgroup v2 hierarchy; berth-runtime/ID without
 * one. */
static int cgroup_path(Runtime *rt, const ContainerSpec *spec, const char *id, char **ret)
{
	if (rt->systemd_cgroup)
		return log_error_errno(-EOPNOTSUPP,
				       "--systemd-cgroup: berth-runtime does not make cgroups "
				       "through systemd; use the cgroupfs manager");
	_cleanup_free_ char *mount = NULL;
	int r = cgroup_v2_mount(&mount);
	if (r < 0)
		return log_error_errno(r, "no cgroup v2 hierarchy: %m");
	const char *rel = spec->cgroups_path;
	while (rel && *rel == '/')
		rel++;
	if (rel && (strstr(rel, "..") || !*rel))
		return log_error_errno(-EINVAL, "invalid linux.cgroupsPath `%s`",
				       spec->cgroups_path);
	if ((rel ? asprintf(ret, "%s/%s", mount, rel)
		 : asprintf(ret, "%s/berth-runtime/%s", mount, id)) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	return 0;
}

/* What create made, to take down if it does not finish. */
typedef struct {
	Runtime *rt;
	sqlite3 *db;
	const char *id;
	bool row;
	char *cgroup;
	bool made_parents;
	bool made_cgroup;
	char *run_dir;
} Undo;

static void undo(Undo *u)
{
	if (u->made_cgroup)
		(void)cgroup_destroy(u->cgroup, 5000);
	if (u->made_parents)
		cgroup_remove_parents(u->cgroup, u->rt->paths.state_dir);
	if (u->run_dir)
		(void)rm_rf(u->run_dir);
	if (u->row)
		(void)db_container_delete(u->db, u->id);
}

static void now_iso(char buf[static 32])
{
	format_iso8601(now_usec(), buf);
}

/* What made the container: the engine, by the annotations each one marks
 * its containers with, else the monitor that runs us (our parent);
 * "berth-runtime" when run by hand. */
static const char *caller_engine(const ContainerSpec *spec)
{
	const char *manager = spec_get_annotation(spec, "io.container.manager");
	if (manager && streq(manager, "libpod"))
		return "podman";
	if (spec_get_annotation(spec, "io.kubernetes.cri.container-type"))
		return "containerd-cri";
	if (spec_get_annotation(spec, "io.kubernetes.cri-o.ContainerType"))
		return "cri-o";
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)getppid());
	_cleanup_free_ char *comm = NULL;
	if (read_full_file(path, &comm, NULL) >= 0) {
		if (startswith(comm, "containerd-shim"))
			return "containerd";
		if (startswith(comm, "conmon"))
			return "conmon";
	}
	return "berth-runtime";
}

/* Reserves the id: a `created` row without a pid, whose "supervisor" is
 * this create while it runs (`state` says creating). */
static int reserve(sqlite3 *db, const CreateOptions *o, const ContainerSpec *spec,
		   const char *rootfs, const char *cgroup)
{
	_cleanup_free_ char *command = strv_to_json(spec->args);
	if (!command)
		return log_error_errno(-EINVAL, "process.args is not valid UTF-8");
	const char *image = spec_get_annotation(spec, "org.opencontainers.image.ref.name");
	if (!image)
		image = spec_get_annotation(spec, "io.kubernetes.cri.image-name");
	char created[32];
	now_iso(created);
	uint64_t self_start = 0;
	(void)proc_start_time(getpid(), &self_start);
	ContainerRow row = {
		.id = (char *)o->id,
		.name = (char *)o->id,
		.image = (char *)(image ? image : rootfs),
		.command = command,
		.state = STATE_CREATED,
		.created_at = created,
		.supervisor_pid = getpid(),
		.supervisor_start_time = (int64_t)self_start,
		.rootfs = (char *)rootfs,
		.bundle = o->bundle,
		.engine = (char *)caller_engine(spec),
		.cgroup = (char *)cgroup,
	};
	int r = db_container_insert_recovered(db, &row);
	if (r == -EEXIST)
		return log_error_errno(r, "container %s already exists", o->id);
	if (r < 0)
		return log_error_errno(r, "cannot record container %s in the state DB: %m", o->id);
	return 0;
}

/* The container's cgroup (u->cgroup), and its parents (marked as ours,
 * which delete removes once empty); made is noted in u. */
static int make_cgroup(Runtime *rt, Undo *u, int *ret_fd)
{
	int r;
	if ((r = cgroup_make_parents(u->cgroup, rt->paths.state_dir)) < 0)
		return log_error_errno(r, "cannot make the parents of the cgroup %s: %m",
				       u->cgroup);
	u->made_parents = true;
	if ((r = cgroup_create(u->cgroup, rt->paths.state_dir, ret_fd)) < 0) {
		if (r == -EEXIST)
			return log_error_errno(r, "the cgroup %s exists already", u->cgroup);
		return log_error_errno(r, "cannot make the cgroup %s: %m", u->cgroup);
	}
	u->made_cgroup = true;
	return 0;
}

/* The init waits: its pid in the row and in --pid-file. */
static int record_created(sqlite3 *db, const CreateOptions *o, pid_t pid, const char *cgroup)
{
	uint64_t start_time = 0;
	(void)proc_start_time(pid, &start_time);
	char boot[37] = "";
	(void)boot_id(boot);
	RunningInfo info = { .pid = pid,
			     .pid_start_time = (int64_t)start_time,
			     .supervisor_pid = pid,
			     .supervisor_start_time = (int64_t)start_time,
			     .boot_id = boot[0] ? boot : NULL,
			     .cgroup = cgroup };
	int r = db_container_set_created(db, o->id, &info);
	if (r < 0)
		return log_error_errno(r, "cannot record container %s in the state DB: %m", o->id);
	if (o->pid_file) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%d", (int)pid);
		if ((r = write_file_atomic(o->pid_file, buf, strlen(buf), 0644)) < 0)
			return log_error_errno(r, "cannot write the pid file %s: %m", o->pid_file);
	}
	return 0;
}

/* prestart and createRuntime, in our namespaces, while the init waits
 * before pivot_root with its mounts made: the state has its pid, and says
 * creating, as runc tells them. */
static int runtime_stage_hooks(Runtime *rt, sqlite3 *db, const char *id, pid_t pid,
			       const char *config)
{
	_cleanup_(runtime_container_done) RuntimeContainer c;
	int r = runtime_load(rt, db, id, &c);
	if (r < 0)
		return r;
	c.status = RT_CREATING;
	c.row.pid = pid;
	if ((r = runtime_hooks_run(rt, &c, "prestart", false, config)) < 0)
		return r;
	return runtime_hooks_run(rt, &c, "createRuntime", false, config);
}

/* createContainer, in the container's namespaces, once it is set up. */
static int create_hooks(Runtime *rt, sqlite3 *db, const char *id)
{
	_cleanup_(runtime_container_done) RuntimeContainer c;
	int r = runtime_load(rt, db, id, &c);
	if (r < 0)
		return r;
	c.status = RT_CREATING; /* as runc tells them */
	return runtime_hooks_run(rt, &c, "createContainer", true, NULL);
}

/* Bad input, said before anything is made: a relative root.path or a
 * mount destination whose symlinks climb out of the bundle or the root.
 * (The init resolves each destination inside the root all the same.) */
static int check_escapes(const char *bundle, const ContainerSpec *spec, const char *rootfs)
{
	char link[PATH_MAX];
	if (spec->root_path[0] != '/') {
		_cleanup_close_ int b = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
		int r = b < 0 ? -errno : resolve_escapes(b, spec->root_path, link, sizeof(link));
		if (r < 0)
			return log_error_errno(r, "cannot resolve root.path %s in %s: %m",
					       spec->root_path, bundle);
		if (r > 0)
			return log_error_errno(-EXDEV,
					       "root.path %s leads out of the bundle %s through "
					       "the symlink %s",
					       spec->root_path, bundle, link);
	}
	_cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return log_error_errno(-errno, "cannot open root.path %s: %m", rootfs);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const char *dest = spec->mounts[i].destination;
		int r = resolve_escapes(root, dest, link, sizeof(link));
		if (r < 0)
			return log_error_errno(r, "cannot resolve the mount destination %s: %m",
					       dest);
		if (r > 0)
			return log_error_errno(-EXDEV,
					       "the mount destination %s leads out of the root "
					       "through the symlink %s",
					       dest, link);
	}
	return 0;
}

/* The whole of create: the container waits on its FIFO, recorded; its
 * pid in *ret_pid and, when ret_pidfd, a pidfd of it. */
static int create_container(Runtime *rt, const CreateOptions *o, pid_t *ret_pid, int *ret_pidfd)
{
	int r = runtime_check_preserve_fds(o->preserve_fds, "create");
	if (r < 0)
		return r;
	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	_cleanup_free_ char *config = NULL, *copy = runtime_config_copy(rt, o->id);
	bool runtime_hooks = false;
	r = read_config(o->bundle, &spec, &config, &runtime_hooks);
	if (r < 0)
		return r;
	if (spec->terminal && !o->console_socket)
		return log_error_errno(-EINVAL,
				       "process.terminal needs --console-socket, where the "
				       "terminal's master goes");
	_cleanup_free_ char *rootfs = path_resolve(o->bundle, spec->root_path);
	if (!rootfs)
		return log_error_errno(-ENOMEM, "out of memory");
	if (!is_dir(rootfs))
		return log_error_errno(-ENOENT, "root.path %s is not a folder", rootfs);
	if ((r = check_escapes(o->bundle, spec, rootfs)) < 0)
		return r;
	_cleanup_db_ sqlite3 *db = NULL;
	if ((r = runtime_db(rt, &db)) < 0)
		return r;
	/* Every cleanup variable before the first goto. */
	_cleanup_free_ char *fifo = runtime_fifo_path(rt, o->id);
	_cleanup_close_ int cgroup_fd = -EBADF;
	_cleanup_(setup_process_done) SetupProcess proc = SETUP_PROCESS_INIT;
	SetupError e = { 0 };
	/* The cgroup's path is in the row from the start: berth trace
	 * attributes the container's first events (its set-up) by it. */
	_cleanup_free_ char *cgroup = NULL;
	if ((r = cgroup_path(rt, spec, o->id, &cgroup)) < 0 ||
	    (r = reserve(db, o, spec, rootfs, cgroup)) < 0)
		return r;
	Undo u = { .rt = rt, .db = db, .id = o->id, .row = true, .cgroup = TAKE_PTR(cgroup) };
	u.run_dir = runtime_run_dir(rt, o->id);
	if (!fifo || !u.run_dir) {
		r = log_error_errno(-ENOMEM, "out of memory");
		goto fail;
	}
	if ((r = mkdir_p(u.run_dir, 0700)) < 0) {
		log_error_errno(r, "cannot make %s: %m", u.run_dir);
		goto fail;
	}
	/* The config.json read, for state and the hooks of later commands. */
	if (!copy || (r = write_file_atomic(copy, config, strlen(config), 0600)) < 0) {
		log_error_errno(copy ? r : -ENOMEM, "cannot keep the container's config.json: %m");
		goto fail;
	}
	if (mkfifo(fifo, 0600) < 0) {
		r = log_error_errno(-errno, "cannot make the exec FIFO %s: %m", fifo);
		goto fail;
	}
	if ((r = make_cgroup(rt, &u, &cgroup_fd)) < 0)
		goto fail;

	SetupParams p = { .spec = spec,
			  .bundle = o->bundle,
			  .cgroup_fd = cgroup_fd,
			  .stdio = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO },
			  .stage_fd = -EBADF,
			  .exec_fifo = fifo,
			  .preserve_fds = o->preserve_fds,
			  .pause_before_pivot = runtime_hooks };
	if (spec->terminal) {
		if ((r = runtime_connect_console(o->console_socket, &p.console_socket)) < 0)
			goto fail;
		p.has_console_socket = true;
	}
	if ((r = setup_limits(spec, u.cgroup, &e)) < 0 || (r = setup_spawn(&p, &proc, &e)) < 0 ||
	    (r = setup_prepare_release(&proc, spec, cgroup_fd, &e)) < 0)
		goto fail_said;
	if (p.pause_before_pivot) {
		if ((r = setup_wait_ready(&proc, &e)) < 0)
			goto fail_said;
		if ((r = runtime_stage_hooks(rt, db, o->id, proc.pid, config)) < 0)
			goto fail;
		if ((r = setup_continue(&proc, &e)) < 0)
			goto fail_said;
	}
	if (spec->namespaces[NS_USER].enabled && (r = setup_map_ids(&proc, spec)) < 0) {
		setup_err(&e, r, "write the container's id maps: %m");
		goto fail_said;
	}
	proc.release_fd = safe_close(proc.release_fd);
	if ((r = setup_wait_ready(&proc, &e)) < 0)
		goto fail_said;

	if ((r = record_created(db, o, proc.pid, u.cgroup)) < 0 ||
	    (r = create_hooks(rt, db, o->id)) < 0)
		goto fail;
	*ret_pid = proc.pid;
	if (ret_pidfd)
		*ret_pidfd = TAKE_FD(proc.pidfd);
	else
		proc.pidfd = safe_close(proc.pidfd); /* left running: ours no more */
	free(u.cgroup);
	free(u.run_dir);
	return 0;

fail_said:
	log_error_errno(r, "%s", e.msg);
fail:
	setup_kill(&proc);
	undo(&u);
	free(u.cgroup);
	free(u.run_dir);
	return r;
}

static int parse_create(int argc, char **argv, const char *command, CreateOptions *o, bool *detach)
{
	enum { ARG_CONSOLE = 0x100, ARG_PID_FILE, ARG_NO_PIVOT, ARG_NO_KEYRING, ARG_PRESERVE };
	static const struct option options[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "console-socket", required_argument, NULL, ARG_CONSOLE },
		{ "pid-file", required_argument, NULL, ARG_PID_FILE },
		{ "no-pivot", no_argument, NULL, ARG_NO_PIVOT },
		{ "no-new-keyring", no_argument, NULL, ARG_NO_KEYRING },
		{ "preserve-fds", required_argument, NULL, ARG_PRESERVE },
		{ "detach", no_argument, NULL, 'd' },
		{},
	};
	const char *bundle = ".";
	int c;
	optind = 0;
	while ((c = runtime_getopt(argc, argv, detach ? "b:d" : "b:", options, command)) >= 0) {
		switch (c) {
		case 'b':
			bundle = optarg;
			break;
		case ARG_CONSOLE:
			o->console_socket = optarg;
			break;
		case ARG_PID_FILE:
			o->pid_file = optarg;
			break;
		case ARG_NO_PIVOT:
			/* berth always pivots: a root it cannot pivot into is
			 * an error, said at create. */
		case ARG_NO_KEYRING:
			/* berth makes no session keyring anyway. */
			break;
		case ARG_PRESERVE: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 0 || n > 1024)
				return log_error_errno(-EINVAL, "invalid --preserve-fds `%s`",
						       optarg);
			o->preserve_fds = (int)n;
			break;
		}
		case 'd':
			if (!detach)
				return log_error_errno(-EINVAL, "%s: unknown option --detach",
						       command);
			*detach = true;
			break;
		}
	}
	int r;
	if (c < -1 || (r = runtime_id_operand(argc, argv, command, 0, &o->id)) < 0)
		return c < -1 ? c : r;
	/* The bundle's real path: the one `state` reports and the DB keeps. */
	if (!(o->bundle = realpath(bundle, NULL)))
		return log_error_errno(-errno, "bundle %s: %m", bundle);
	return 0;
}

int runtime_create(Runtime *rt, int argc, char **argv)
{
	_cleanup_(create_options_done) CreateOptions o = { 0 };
	int r = parse_create(argc, argv, "create", &o, NULL);
	if (r < 0)
		return r;
	pid_t pid;
	return create_container(rt, &o, &pid, NULL);
}

/* Opens the FIFO, which lets the init exec; 0 once it has taken the
 * release, or an error (said). */
static int release(Runtime *rt, sqlite3 *db, RuntimeContainer *c)
{
	_cleanup_free_ char *fifo = runtime_fifo_path(rt, c->row.id);
	if (!fifo)
		return log_error_errno(-ENOMEM, "out of memory");
	/* A startContainer hook that fails stops the container (runtime.md). */
	int r = runtime_hooks_run(rt, c, "startContainer", true, NULL);
	if (r < 0) {
		(void)syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
		return r;
	}
	_cleanup_close_ int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "cannot open the exec FIFO %s: %m", fifo);
	struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
				 { .fd = c->pidfd, .events = POLLIN } };
	for (;;) {
		int n = poll(pfd, 2, 60000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return log_error_errno(n < 0 ? -errno : -ETIMEDOUT,
					       "container %s did not take its start: %m",
					       c->row.id);
		break;
	}
	char b;
	if (read(fd, &b, 1) != 1)
		return log_error_errno(-ESRCH, "container %s ended before it could start",
				       c->row.id);
	(void)unlink(fifo);
	char started[32];
	now_iso(started);
	RunningInfo info = { .pid = c->row.pid,
			     .pid_start_time = c->row.pid_start_time,
			     .supervisor_pid = c->row.supervisor_pid,
			     .supervisor_start_time = c->row.supervisor_start_time,
			     .boot_id = c->row.boot_id,
			     .started_at = started,
			     .cgroup = c->row.cgroup };
	r = db_container_set_running(db, c->row.id, &info);
	if (r < 0)
		return log_error_errno(r, "cannot record the start of %s: %m", c->row.id);
	/* poststart: a failure is a warning, the container runs on. */
	c->status = RT_RUNNING;
	if (runtime_hooks_run(rt, c, "poststart", false, NULL) < 0)
		log_warning("container %s runs, though a poststart hook failed", c->row.id);
	return 0;
}

int runtime_start(Runtime *rt, int argc, char **argv)
{
	const char *id;
	int r = runtime_one_id(argc, argv, "start", &id);
	if (r < 0)
		return r;
	_cleanup_db_ sqlite3 *db = NULL;
	if ((r = runtime_db(rt, &db)) < 0)
		return r;
	_cleanup_(runtime_container_done) RuntimeContainer c;
	if ((r = runtime_load(rt, db, id, &c)) < 0)
		return r;
	if (c.status != RT_CREATED)
		return log_error_errno(-EBUSY, "cannot start container %s: it is %s, not created",
				       id, runtime_status_to_string(c.status));
	return release(rt, db, &c);
}

int runtime_run(Runtime *rt, int argc, char **argv)
{
	_cleanup_(create_options_done) CreateOptions o = { 0 };
	bool detach = false;
	int r = parse_create(argc, argv, "run", &o, &detach);
	if (r < 0)
		return r;
	pid_t pid;
	_cleanup_close_ int pidfd = -EBADF;
	if ((r = create_container(rt, &o, &pid, &pidfd)) < 0)
		return r;
	_cleanup_db_ sqlite3 *db = NULL;
	if ((r = runtime_db(rt, &db)) < 0)
		return r;
	_cleanup_(runtime_container_done) RuntimeContainer c;
	if ((r = runtime_load(rt, db, o.id, &c)) < 0)
		return r;
	if ((r = release(rt, db, &c)) < 0 || detach) {
		if (r < 0)
			(void)runtime_delete_container(rt, db, &c);
		return r;
	}
	/* In the foreground, as runc run: its exit status is ours, and the
	 * container goes with it. */
	siginfo_t si = { 0 };
	while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
		;
	int status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	c.pidfd = safe_close(c.pidfd);
	(void)runtime_delete_container(rt, db, &c);
	return status;
}
