/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* `berth system check --repair`: a state DB rebuilt from what is left.
 *
 * A damaged DB is moved aside (never deleted: it is the evidence) and a
 * new one takes every row SQLite can still read from it (db_salvage()).
 * Then each container folder that no row names gets its row back from
 * its config.json, which holds its name, image, command and layers; its
 * state comes from the machine: a supervisor still at work on it makes it
 * `running` (with that supervisor's and its init's pids), else it is
 * `exited` with an unknown status. The images those containers use get
 * their rows back from the same layers, under the names the containers
 * give them, so that no image folder a container needs is taken for a
 * leftover and swept. What cannot be rebuilt (an image no container names
 * any more, the exit codes) is reported. */

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "cli.h"
#include "log.h"
#include "parse.h"
#include "run-network.h"
#include "system.h"
#include "util.h"

pid_t find_supervisor_of(const Cli *cli, const char *id, uint64_t *ret_start_time)
{
	/* Its command line is berth-supervisor --root <state> --id <id> ...
	 * (cli/launch.c), NUL-separated in /proc. */
	_cleanup_free_ char *want = NULL;
	int n = asprintf(&want, "berth-supervisor%c--root%c%s%c--id%c%s", 0, 0,
			 cli->paths.state_dir, 0, 0, id);
	if (n < 0)
		return 0;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	pid_t found = 0;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);
		if (pid <= 0 || pid == getpid())
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		_cleanup_free_ char *cmd = NULL;
		size_t size = 0;
		if (read_full_file(path, &cmd, &size) < 0 || size < (size_t)n ||
		    memcmp(cmd, want, (size_t)n) != 0 || (size > (size_t)n && cmd[n] != 0))
			continue;
		uint64_t st;
		if (proc_start_time(pid, &st) >= 0) {
			found = pid;
			if (ret_start_time)
				*ret_start_time = st;
		}
	}
	closedir(d);
	return found;
}

/* The container's init: the process of its cgroup whose parent is its
 * supervisor. */
static pid_t find_init(const char *cgroup, pid_t supervisor)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (!cgroup || cgroup_read_procs(cgroup, &pids, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		_cleanup_free_ char *s = NULL;
		if (read_full_file(path, &s, NULL) < 0)
			continue;
		char *p = strrchr(s, ')');
		int ppid;
		if (p && sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid == supervisor)
			return pids[i];
	}
	return 0;
}

int repair_salvage(Cli *cli, int64_t *ret_containers, int64_t *ret_images)
{
	_cleanup_free_ char *path = path_db(&cli->paths);
	if (!path)
		return -ENOMEM;
	cli->db = db_close(cli->db);
	char stamp[32];
	format_iso8601(now_usec(), stamp);
	_cleanup_free_ char *aside = NULL, *from = NULL, *to = NULL;
	if (asprintf(&aside, "%s.broken-%s", path, stamp) < 0)
		return -ENOMEM;
	/* Its WAL goes with it, under the name SQLite looks for beside it:
	 * commits not yet copied into the DB file are in there. */
	if (rename(path, aside) < 0)
		return log_error_errno(-errno, "move `%s` aside: %m", path);
	if (asprintf(&from, "%s-wal", path) < 0 || asprintf(&to, "%s-wal", aside) < 0)
		return -ENOMEM;
	(void)rename(from, to);
	free(from);
	from = NULL;
	if (asprintf(&from, "%s-shm", path) >= 0)
		(void)unlink(from);
	printf("  fixed: moved the damaged DB aside to %s\n", aside);

	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	DbSalvage got;
	r = db_salvage(db, aside, &got);
	if (r < 0 && r != -EBADMSG)
		return log_error_errno(r, "read what is left of `%s`: %m", aside);
	printf("  fixed: a new DB holds what could be read from it: %" PRId64
	       " container%s, %" PRId64 " image%s\n",
	       got.containers, got.containers == 1 ? "" : "s", got.images,
	       got.images == 1 ? "" : "s");
	*ret_containers = got.containers;
	*ret_images = got.images;
	return 0;
}

/* What follows dir/ in path, or NULL when path is not below dir. */
static const char *path_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && path[n] == '/' ? path + n : NULL;
}

/* The image a recovered container names, recorded again from its layers
 * (those of its lowerdir that are in the image store), unless an image of
 * that name is known. */
static int recover_image(Cli *cli, sqlite3 *db, const char *name, const char *lowerdir)
{
	ImageRow known;
	int r = db_image_get_by_name(db, name, &known);
	if (r >= 0) {
		image_row_done(&known);
		return 0;
	}
	if (r != -ENOENT)
		return r;
	_cleanup_free_ char *images = path_images_dir(&cli->paths);
	_cleanup_free_ char *layers_dir = path_layers_dir(&cli->paths);
	_cleanup_free_ char *copy = strdup(lowerdir);
	if (!images || !layers_dir || !copy)
		return -ENOMEM;
	_cleanup_strv_free_ char **folders = NULL;
	_cleanup_free_ char *layers_json = NULL;
	LayerRow layers[128];
	size_t n_layers = 0;
	char image_id[65] = "";
	char created[32];
	format_iso8601(now_usec(), created);
	char *save = NULL;
	for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
		const char *rest;
		/* Relative to the root in the DB (paths.h). */
		_cleanup_free_ char *stored = path_to_state(&cli->paths, p);
		if (!stored)
			return -ENOMEM;
		if ((rest = path_below(p, images))) {
			/* images/<id>/rootfs: a single-folder image */
			if (strv_push(&folders, stored) < 0)
				return -ENOMEM;
			snprintf(image_id, sizeof(image_id), "%.64s", rest + 1);
		} else if ((rest = path_below(p, layers_dir)) && n_layers < ELEMENTSOF(layers)) {
			if (strv_push(&folders, stored) < 0)
				return -ENOMEM;
			layers[n_layers++] = (LayerRow){ .digest = NULL, .created_at = created };
			if (asprintf(&layers[n_layers - 1].digest, "sha256:%s", rest + 1) < 0) {
				n_layers--;
				r = -ENOMEM;
				goto out;
			}
		}
	}
	if (!folders) {
		r = 0; /* a rootfs folder outside the store: nothing to record */
		goto out;
	}
	if (!*image_id && (r = random_hex(image_id, 64)) < 0)
		goto out;
	layers_json = strv_to_json(folders);
	ImageRow row = {
		.id = image_id,
		.name = (char *)name,
		.layers = layers_json,
		.source = (char *)"recovered by `berth system check --repair`",
		.created_at = created,
	};
	if (!layers_json) {
		r = -ENOMEM;
		goto out;
	}
	/* image_layers lists the layers bottom first; the lowerdir top first. */
	for (size_t i = 0; i < n_layers / 2; i++) {
		LayerRow t = layers[i];
		layers[i] = layers[n_layers - 1 - i];
		layers[n_layers - 1 - i] = t;
	}
	r = n_layers > 0 ? db_image_insert_layered(db, &row, layers, n_layers)
			 : db_image_insert(db, &row);
	if (r >= 0)
		printf("  fixed: recorded image %s again, from the layers its containers use\n",
		       name);
out:
	for (size_t i = 0; i < n_layers; i++)
		free(layers[i].digest);
	return r;
}

int repair_container(Cli *cli, const char *id)
{
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	_cleanup_free_ char *bundle = path_container_dir(&cli->paths, id);
	_cleanup_free_ char *config = path_container_file(&cli->paths, id, "config.json");
	if (!bundle || !config)
		return -ENOMEM;
	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	_cleanup_free_ char *error = NULL;
	r = spec_read_file(config, &spec, &error);
	if (r < 0) {
		printf("  not fixed: folder %s: its config.json cannot be read (%s)\n", bundle,
		       error ? error : strerror(-r));
		return r;
	}
	const char *name = spec_get_annotation(spec, ANNOTATION_NAME);
	const char *image = spec_get_annotation(spec, ANNOTATION_IMAGE);
	/* The layers, relative to the folder in its config.json (paths.h). */
	r = spec_relocate_paths(spec, bundle);
	if (r < 0)
		return r;
	const char *lower_rel = spec_get_annotation(spec, ANNOTATION_LOWERDIR);
	_cleanup_free_ char *lower = lower_rel ? path_list_resolve(bundle, lower_rel) : NULL;
	/* And relative to the root in the DB. */
	_cleanup_free_ char *rootfs = lower ? path_list_to_state(&cli->paths, lower) : strdup("");
	_cleanup_free_ char *stored_bundle = path_to_state(&cli->paths, bundle);
	if ((lower_rel && !lower) || !rootfs || !stored_bundle)
		return -ENOMEM;
	char fallback[32];
	if (!name || !name_is_valid(name)) {
		snprintf(fallback, sizeof(fallback), "recovered-%.12s", id);
		name = fallback;
	}
	_cleanup_free_ char *command = strv_to_json(spec->args);
	struct stat st;
	char created[32];
	format_iso8601(stat(config, &st) == 0 ? (uint64_t)st.st_mtim.tv_sec * 1000000 : now_usec(),
		       created);

	ContainerRow row = {
		.id = (char *)id,
		.name = (char *)name,
		.image = (char *)(image ? image : "?"),
		.command = command ? command : (char *)"[]",
		.created_at = created,
		.rootfs = rootfs,
		.bundle = stored_bundle,
	};
	/* Its supervisor may be at work still: then the container runs, and
	 * the supervisor, which opens the DB by its path at every write,
	 * records its end in the new DB. */
	uint64_t sup_start = 0;
	pid_t sup = find_supervisor_of(cli, id, &sup_start);
	_cleanup_free_ char *cgroup = NULL;
	char boot[37] = "", started[32] = "";
	uint64_t init_start = 0;
	pid_t init = 0;
	if (sup > 0 && cgroup_container_path(id, &cgroup) >= 0 &&
	    (init = find_init(cgroup, sup)) > 0 && proc_start_time(init, &init_start) >= 0) {
		row.state = STATE_RUNNING;
		row.pid = init;
		row.pid_start_time = (int64_t)init_start;
		row.supervisor_pid = sup;
		row.supervisor_start_time = (int64_t)sup_start;
		row.cgroup = cgroup;
		(void)boot_id(boot);
		row.boot_id = boot;
		format_iso8601(now_usec(), started);
		row.started_at = started;
		row.error = (char *)"its row was recovered by `berth system check --repair`; the "
				    "start time is that of the recovery";
	} else {
		row.state = STATE_EXITED;
		row.finished_at = created;
		row.error = (char *)"recovered by `berth system check --repair`: how it ended was "
				    "lost with the state DB";
	}
	r = db_container_insert_recovered(db, &row);
	if (r == -EEXIST) {
		/* Its name is taken (by a container the salvage brought back). */
		snprintf(fallback, sizeof(fallback), "recovered-%.12s", id);
		row.name = fallback;
		r = db_container_insert_recovered(db, &row);
	}
	if (r < 0) {
		printf("  not fixed: container %.12s: %s\n", id, strerror(-r));
		return r;
	}
	printf("  fixed: recorded container %s (%.12s) again from its folder: %s\n", row.name, id,
	       row.state == STATE_RUNNING ? "running" : "exited (unknown)");
	(void)network_repair_rows(cli, db, id, row.name, spec);
	if (image && lower) {
		r = recover_image(cli, db, image, lower);
		if (r < 0)
			printf("  not fixed: image %s of container %s: %s\n", image, row.name,
			       strerror(-r));
	}
	return 0;
}
