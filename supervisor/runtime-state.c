/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* What berth-runtime's commands share (runtime.h): their options and
 * operands, the state DB, a container's status, its files, its removal.
 * The leaves of the calls: main() (runtime.c) calls the commands, which
 * call these. */

#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "oci.h"
#include "runtime.h"
#include "util.h"

int runtime_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
		   const char *command)
{
	char spec[64];
	snprintf(spec, sizeof(spec), "+:%s", shortopts);
	int idx = 0;
	int c = getopt_long(argc, argv, spec, longopts, &idx);
	/* command NULL: the global options. */
	const char *where = command ? command : "global", *sep = command ? ": " : " ";
	if (c == '?') {
		if (optopt)
			return log_error_errno(-EINVAL, "%s%sunknown option -%c", where, sep,
					       optopt);
		return log_error_errno(-EINVAL, "%s%sunknown option %s", where, sep,
				       argv[optind - 1]);
	}
	if (c == ':')
		return log_error_errno(-EINVAL, "%s%soption %s needs a value", where, sep,
				       argv[optind - 1]);
	return c;
}

int runtime_one_id(int argc, char **argv, const char *command, const char **ret)
{
	static const struct option none[] = { {} };
	int c;
	optind = 0;
	while ((c = runtime_getopt(argc, argv, "", none, command)) >= 0)
		;
	if (c < -1)
		return c;
	return runtime_id_operand(argc, argv, command, 0, ret);
}

int runtime_id_operand(int argc, char **argv, const char *command, int more, const char **ret)
{
	if (optind >= argc)
		return log_error_errno(-EINVAL, "%s: missing the container's ID", command);
	if (argc - optind > 1 + more)
		return log_error_errno(-EINVAL, "%s: too many operands, from `%s` on", command,
				       argv[optind + 1 + more]);
	*ret = argv[optind];
	return runtime_check_id(*ret);
}

int runtime_check_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0)
		return log_error_errno(-EINVAL, "the container's ID is empty");
	if (n > 1024)
		return log_error_errno(-EINVAL,
				       "the container's ID is longer than 1024 characters");
	if (streq(id, ".") || streq(id, ".."))
		return log_error_errno(-EINVAL, "invalid container ID `%s`", id);
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_+-.", *p)))
			return log_error_errno(-EINVAL,
					       "invalid container ID: only letters, digits and "
					       "_+-. may be used (no `/`, no control characters)");
	return 0;
}

void runtime_spec_defaults(ContainerSpec *spec)
{
	if (!spec->seccomp_profile)
		spec->seccomp_unconfined = true;
}

int runtime_db(Runtime *rt, sqlite3 **ret)
{
	int r = paths_ensure(&rt->paths, NULL, NULL);
	if (r < 0)
		return log_error_errno(r, "cannot make the runtime's folder %s: %m",
				       rt->paths.state_dir);
	_cleanup_free_ char *path = path_db(&rt->paths);
	if (!path)
		return log_error_errno(-ENOMEM, "out of memory");
	r = db_open(path, ret);
	if (r < 0)
		return log_error_errno(r, "cannot open the state DB %s: %m", path);
	return 0;
}

const char *runtime_status_to_string(RuntimeStatus s)
{
	static const char *const names[] = { "creating", "created", "running", "paused",
					     "stopped" };
	return names[s];
}

void runtime_container_done(RuntimeContainer *c)
{
	container_row_done(&c->row);
	c->pidfd = safe_close(c->pidfd);
}

char *runtime_run_dir(Runtime *rt, const char *id)
{
	return path_container_run_dir(&rt->paths, id);
}

char *runtime_fifo_path(Runtime *rt, const char *id)
{
	_cleanup_free_ char *dir = runtime_run_dir(rt, id);
	char *p = NULL;
	if (dir && asprintf(&p, "%s/exec.fifo", dir) < 0)
		p = NULL;
	return p;
}

int runtime_connect_console(const char *path, int *ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(-ENAMETOOLONG, "--console-socket %s: the path is too long",
				       path);
	strcpy(sa.sun_path, path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return log_error_errno(-errno, "--console-socket %s: %m", path);
	*ret = TAKE_FD(fd);
	return 0;
}

int runtime_check_preserve_fds(int n, const char *command)
{
	for (int fd = 3; fd < 3 + n; fd++) {
		int flags = fcntl(fd, F_GETFD);
		if (flags < 0 || (flags & FD_CLOEXEC))
			return log_error_errno(-EBADF,
					       "%s: --preserve-fds %d: fd %d is not one the caller "
					       "passed",
					       command, n, fd);
	}
	return 0;
}

int runtime_load(Runtime *rt, sqlite3 *db, const char *id, RuntimeContainer *ret)
{
	int r = runtime_find(rt, db, id, ret);
	if (r == -ENOENT)
		return log_error_errno(r, "container %s does not exist", id);
	return r;
}

int runtime_find(Runtime *rt, sqlite3 *db, const char *id, RuntimeContainer *ret)
{
	*ret = (RuntimeContainer){ .pidfd = -EBADF };
	int r = db_container_get(db, id, &ret->row);
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return log_error_errno(r, "cannot read container %s from the state DB: %m", id);
	ContainerRow *row = &ret->row;
	if (row->pid <= 0) {
		/* create is under way, or was killed: its process tells. */
		ret->status = pidfd_open_checked((pid_t)row->supervisor_pid,
						 (uint64_t)row->supervisor_start_time, NULL) == 0
				      ? RT_CREATING
				      : RT_STOPPED;
		return 0;
	}
	if (pidfd_open_checked((pid_t)row->pid, (uint64_t)row->pid_start_time, &ret->pidfd) < 0) {
		ret->status = RT_STOPPED;
		return 0;
	}
	_cleanup_free_ char *fifo = runtime_fifo_path(rt, id);
	if (fifo && access(fifo, F_OK) == 0)
		ret->status = RT_CREATED;
	else if (row->cgroup && cgroup_is_frozen(row->cgroup) > 0)
		ret->status = RT_PAUSED;
	else
		ret->status = RT_RUNNING;
	return 0;
}

int runtime_remove(Runtime *rt, sqlite3 *db, RuntimeContainer *c)
{
	int r = 0;
	if (c->row.cgroup) {
		r = cgroup_destroy(c->row.cgroup, 10000);
		if (r < 0)
			return log_error_errno(r, "cannot remove the cgroup %s: %m", c->row.cgroup);
		/* And the parents create made, once no other container uses them. */
		cgroup_remove_parents(c->row.cgroup, rt->paths.state_dir);
	} else if (c->pidfd >= 0) {
		/* Without a cgroup of its own: the init, and with it its PID
		 * namespace. */
		(void)syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
		(void)pidfd_wait_exit(c->pidfd, 10000);
	}
	_cleanup_free_ char *dir = runtime_run_dir(rt, c->row.id);
	if (dir && (r = rm_rf(dir)) < 0 && r != -ENOENT)
		return log_error_errno(r, "cannot remove %s: %m", dir);
	r = db_container_delete(db, c->row.id);
	if (r < 0 && r != -ENOENT)
		return log_error_errno(r, "cannot remove container %s from the state DB: %m",
				       c->row.id);
	return 0;
}

char *runtime_config_copy(Runtime *rt, const char *id)
{
	_cleanup_free_ char *dir = runtime_run_dir(rt, id);
	char *p = NULL;
	if (dir && asprintf(&p, "%s/config.json", dir) < 0)
		p = NULL;
	return p;
}

json_t *runtime_state_json(Runtime *rt, const RuntimeContainer *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "ociVersion", json_string(OCI_VERSION));
	json_object_set_new(o, "id", json_string(c->row.id));
	json_object_set_new(o, "status", json_string(runtime_status_to_string(c->status)));
	json_object_set_new(o, "pid", json_integer(c->status != RT_STOPPED ? c->row.pid : 0));
	json_object_set_new(o, "bundle", json_string(c->row.bundle));
	json_object_set_new(o, "rootfs", json_string(c->row.rootfs));
	json_object_set_new(o, "created", json_string(c->row.created_at));
	json_t *annotations = json_object();
	/* The config.json create read, kept in the run folder; the bundle's,
	 * which may have changed since, only without it. */
	_cleanup_free_ char *copy = runtime_config_copy(rt, c->row.id), *config = NULL;
	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	if ((copy && spec_read_file(copy, &spec, NULL) >= 0) ||
	    (asprintf(&config, "%s/config.json", c->row.bundle) >= 0 &&
	     spec_read_file(config, &spec, NULL) >= 0))
		for (size_t i = 0; i < spec->n_annotations; i++)
			json_object_set_new(annotations, spec->annotations[i].key,
					    json_string(spec->annotations[i].value));
	json_object_set_new(o, "annotations", annotations);
	return o;
}
