/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth-runtime's commands on an existing container, and spec and
 * features (runtime.h). */

#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "oci.h"
#include "parse.h"
#include "runtime.h"
#include "util.h"

static int print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!s)
		return log_error_errno(-ENOMEM, "out of memory");
	puts(s);
	free(s);
	return 0;
}

/* The container named by the command's one ID operand. */
static int load_one(Runtime *rt, int argc, char **argv, const char *command, sqlite3 **ret_db,
		    RuntimeContainer *ret)
{
	const char *id;
	int r = runtime_one_id(argc, argv, command, &id);
	if (r < 0)
		return r;
	if ((r = runtime_db(rt, ret_db)) < 0)
		return r;
	return runtime_load(rt, *ret_db, id, ret);
}

int runtime_state(Runtime *rt, int argc, char **argv)
{
	_cleanup_db_ sqlite3 *db = NULL;
	_cleanup_(runtime_container_done) RuntimeContainer c = { .pidfd = -EBADF };
	int r = load_one(rt, argc, argv, "state", &db, &c);
	if (r < 0)
		return r;
	return print_json(runtime_state_json(rt, &c));
}

int runtime_kill(Runtime *rt, int argc, char **argv)
{
	static const struct option options[] = {
		{ "all", no_argument, NULL, 'a' },
		{},
	};
	bool all = false;
	int c, r;
	optind = 0;
	while ((c = runtime_getopt(argc, argv, "a", options, "kill")) >= 0)
		all = true;
	const char *id;
	if (c < -1 || (r = runtime_id_operand(argc, argv, "kill", 1, &id)) < 0)
		return c < -1 ? c : r;
	int sig = SIGTERM;
	if (argc - optind == 2 && parse_signal(argv[optind + 1], &sig) < 0)
		return log_error_errno(-EINVAL, "kill: unknown signal `%s`", argv[optind + 1]);
	_cleanup_db_ sqlite3 *db = NULL;
	if ((r = runtime_db(rt, &db)) < 0)
		return r;
	_cleanup_(runtime_container_done) RuntimeContainer ct;
	if ((r = runtime_load(rt, db, id, &ct)) < 0)
		return r;
	if (ct.status == RT_STOPPED || ct.status == RT_CREATING)
		return log_error_errno(-ESRCH, "container %s is not running", id);
	if (all && ct.row.cgroup) {
		if (sig == SIGKILL)
			r = cgroup_kill(ct.row.cgroup);
		else {
			_cleanup_free_ pid_t *pids = NULL;
			size_t n = 0;
			r = cgroup_read_procs(ct.row.cgroup, &pids, &n);
			for (size_t i = 0; r >= 0 && i < n; i++)
				if (kill(pids[i], sig) < 0 && errno != ESRCH)
					r = -errno;
		}
	} else
		r = RET_NERRNO((int)syscall(SYS_pidfd_send_signal, ct.pidfd, sig, NULL, 0));
	if (r < 0)
		return log_error_errno(r, "cannot signal container %s: %m", id);
	return 0;
}

int runtime_delete(Runtime *rt, int argc, char **argv)
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{},
	};
	bool force = false;
	int c, r;
	optind = 0;
	while ((c = runtime_getopt(argc, argv, "f", options, "delete")) >= 0)
		force = true;
	const char *id;
	if (c < -1 || (r = runtime_id_operand(argc, argv, "delete", 0, &id)) < 0)
		return c < -1 ? c : r;
	_cleanup_db_ sqlite3 *db = NULL;
	if ((r = runtime_db(rt, &db)) < 0)
		return r;
	_cleanup_(runtime_container_done) RuntimeContainer ct;
	r = force ? runtime_find(rt, db, id, &ct) : runtime_load(rt, db, id, &ct);
	if (r == -ENOENT && force)
		return 0;
	if (r < 0)
		return r;
	if (!force && (ct.status == RT_RUNNING || ct.status == RT_PAUSED))
		return log_error_errno(-EBUSY,
				       "cannot delete container %s: it is %s (stop it, or "
				       "delete --force)",
				       id, runtime_status_to_string(ct.status));
	if (!force && ct.status == RT_CREATING)
		return log_error_errno(-EBUSY, "cannot delete container %s: it is being created",
				       id);
	return runtime_delete_container(rt, db, &ct);
}

typedef struct {
	Runtime *rt;
	sqlite3 *db;
	char **ids;
} ListWalk;

static int collect(const ContainerRow *row, void *userdata)
{
	return strv_push(userdata, row->id);
}

int runtime_list(Runtime *rt, int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{},
	};
	bool json = false, quiet = false;
	int c, r;
	optind = 0;
	while ((c = runtime_getopt(argc, argv, "f:q", options, "list")) >= 0) {
		if (c == 'q')
			quiet = true;
		else if (streq(optarg, "json"))
			json = true;
		else if (!streq(optarg, "table"))
			return log_error_errno(-EINVAL,
					       "list: unknown --format `%s` (table or json)",
					       optarg);
	}
	if (c < -1)
		return c;
	if (optind < argc)
		return log_error_errno(-EINVAL, "list: takes no operand, got `%s`", argv[optind]);
	_cleanup_db_ sqlite3 *db = NULL;
	if ((r = runtime_db(rt, &db)) < 0)
		return r;
	_cleanup_strv_free_ char **ids = NULL;
	if ((r = db_container_foreach(db, false, collect, &ids)) < 0)
		return log_error_errno(r, "cannot read the state DB: %m");
	json_t *all = json_array();
	if (!json && !quiet)
		printf("%-24s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
	for (char **id = ids; id && *id; id++) {
		_cleanup_(runtime_container_done) RuntimeContainer ct;
		if (runtime_load(rt, db, *id, &ct) < 0)
			continue; /* removed meanwhile */
		if (json)
			json_array_append_new(all, runtime_state_json(rt, &ct));
		else if (quiet)
			puts(ct.row.id);
		else
			printf("%-24s %-8lld %-10s %-40s %s\n", ct.row.id,
			       ct.status == RT_STOPPED ? 0LL : (long long)ct.row.pid,
			       runtime_status_to_string(ct.status), ct.row.bundle,
			       ct.row.created_at);
	}
	if (json)
		return print_json(all);
	json_decref(all);
	return 0;
}

int runtime_ps(Runtime *rt, int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{},
	};
	bool json = false;
	int c, r;
	optind = 0;
	while ((c = runtime_getopt(argc, argv, "f:", options, "ps")) >= 0) {
		if (streq(optarg, "json"))
			json = true;
		else if (!streq(optarg, "table"))
			return log_error_errno(-EINVAL, "ps: unknown --format `%s` (table or json)",
					       optarg);
	}
	if (c < -1)
		return c;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "ps: missing the container's ID");
	const char *id = argv[optind];
	if ((r = runtime_check_id(id)) < 0)
		return r;
	_cleanup_db_ sqlite3 *db = NULL;
	if ((r = runtime_db(rt, &db)) < 0)
		return r;
	_cleanup_(runtime_container_done) RuntimeContainer ct;
	if ((r = runtime_load(rt, db, id, &ct)) < 0)
		return r;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (ct.row.cgroup && ct.status != RT_STOPPED &&
	    (r = cgroup_read_procs(ct.row.cgroup, &pids, &n)) < 0)
		return log_error_errno(r, "cannot read the processes of %s: %m", id);
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_integer(pids[i]));
		char *s = json_dumps(a, JSON_COMPACT);
		json_decref(a);
		if (!s)
			return log_error_errno(-ENOMEM, "out of memory");
		puts(s);
		free(s);
		return 0;
	}
	printf("PID\tCMD\n");
	for (size_t i = 0; i < n; i++) {
		char path[64];
		_cleanup_free_ char *comm = NULL;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
		(void)read_one_line(path, &comm);
		printf("%d\t%s\n", (int)pids[i], comm ? comm : "?");
	}
	return 0;
}

static int freeze(Runtime *rt, int argc, char **argv, bool on)
{
	const char *command = on ? "pause" : "resume";
	_cleanup_db_ sqlite3 *db = NULL;
	_cleanup_(runtime_container_done) RuntimeContainer c = { .pidfd = -EBADF };
	int r = load_one(rt, argc, argv, command, &db, &c);
	if (r < 0)
		return r;
	RuntimeStatus want = on ? RT_RUNNING : RT_PAUSED;
	if (c.status != want)
		return log_error_errno(-EBUSY, "cannot %s container %s: it is %s", command,
				       c.row.id, runtime_status_to_string(c.status));
	if (!c.row.cgroup)
		return log_error_errno(-EOPNOTSUPP, "container %s has no cgroup to freeze",
				       c.row.id);
	r = cgroup_freeze(c.row.cgroup, on, 10000);
	if (r < 0)
		return log_error_errno(r, "cannot %s container %s: %m", command, c.row.id);
	ContainerState from[] = { on ? STATE_RUNNING : STATE_PAUSED, _STATE_INVALID };
	(void)db_container_set_state(db, c.row.id, on ? STATE_PAUSED : STATE_RUNNING, from);
	return 0;
}

int runtime_pause(Runtime *rt, int argc, char **argv)
{
	return freeze(rt, argc, argv, true);
}

int runtime_resume(Runtime *rt, int argc, char **argv)
{
	return freeze(rt, argc, argv, false);
}

/* A config.json to start from, as runc spec writes one: sh on a
 * terminal, in ./rootfs, read-only. */
int runtime_spec(Runtime *rt, int argc, char **argv)
{
	(void)rt;
	static const struct option options[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{},
	};
	const char *bundle = ".";
	int c, r;
	optind = 0;
	while ((c = runtime_getopt(argc, argv, "b:", options, "spec")) >= 0) {
		if (c == 'r')
			return log_error_errno(-EOPNOTSUPP,
					       "spec: --rootless is not supported yet");
		bundle = optarg;
	}
	if (c < -1)
		return c;
	if (optind < argc)
		return log_error_errno(-EINVAL, "spec: takes no operand, got `%s`", argv[optind]);
	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	if ((r = spec_new_default(&spec)) < 0)
		return log_error_errno(r, "out of memory");
	strv_free(spec->args);
	spec->args = strv_copy((char *const[]){ (char *)"sh", NULL });
	free(spec->root_path);
	spec->root_path = strdup("rootfs");
	spec->root_readonly = true;
	spec->terminal = true;
	if (!spec->args || !spec->root_path)
		return log_error_errno(-ENOMEM, "out of memory");
	_cleanup_free_ char *json = NULL, *path = NULL;
	if ((r = spec_to_json(spec, &json)) < 0 || asprintf(&path, "%s/config.json", bundle) < 0)
		return log_error_errno(r < 0 ? r : -ENOMEM, "cannot make the spec: %m");
	r = write_file(path, json, strlen(json), O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (r == -EEXIST)
		return log_error_errno(r, "spec: %s exists already", path);
	if (r < 0)
		return log_error_errno(r, "spec: cannot write %s: %m", path);
	return 0;
}

/* The runtime spec's features document (features.md): what berth-runtime
 * takes. What is left out is refused when a config.json asks for it. */
int runtime_features(Runtime *rt, int argc, char **argv)
{
	(void)rt;
	if (argc > 1)
		return log_error_errno(-EINVAL, "features: takes no operand, got `%s`", argv[1]);
	json_error_t err;
	json_t *f = json_pack_ex(
		&err, 0,
		"{s:s, s:s, s:[ssssss], s:[ssssssssssssssssssss], s:{s:[sssssss], s:{s:b, s:b, s:b, "
		"s:b}, s:{s:b}, s:{s:b}, s:{s:b}, s:{s:b}}, s:{s:s}}",
		"ociVersionMin", "1.0.0", "ociVersionMax", OCI_VERSION, "hooks", "prestart",
		"createRuntime", "createContainer", "startContainer", "poststart", "poststop",
		"mountOptions", "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec",
		"bind", "rbind", "private", "rprivate", "shared", "rshared", "slave", "rslave",
		"relatime", "noatime", "mode", "size", "linux", "namespaces", "cgroup", "ipc",
		"mount", "network", "pid", "user", "uts", "cgroup", "v1", 0, "v2", 1, "systemd", 0,
		"systemdUser", 0, "seccomp", "enabled", 1, "apparmor", "enabled", 0, "selinux",
		"enabled", 0, "intelRdt", "enabled", 0, "annotations",
		"org.berth.runtime.unsupported",
		"process.apparmorProfile, process.selinuxLabel, linux.mountLabel, linux.intelRdt, "
		"linux.personality, linux.resources other than memory.limit and swap, cpu.quota, "
		"period, shares and cpus, pids.limit, blockIO.throttleReadBpsDevice and "
		"throttleWriteBpsDevice, unified cpu.weight and devices: refused when asked for");
	if (!f)
		return log_error_errno(-EIO, "features: %s", err.text);
	return print_json(f);
}
