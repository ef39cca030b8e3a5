/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth system check: is the state sound? The DB's integrity, schema and
 * reserve, and whether the DB, the container folders, the supervisors and
 * the cgroups agree. Fixes what killed commands left; says what it cannot
 * fix and what to do; with --repair rebuilds what can be rebuilt
 * (system-repair.c). */

#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include "cgroup.h"
#include "cli.h"
#include "images.h"
#include "log.h"
#include "sha256.h"
#include "options.h"
#include "parse.h"
#include "run-network.h"
#include "system.h"
#include "util.h"

/* Removes the entries of dir that are over a minute old and that keep()
 * does not keep, with remove(); how many went. */
static size_t remove_old_entries(const char *dir,
				 bool (*keep)(const char *name, const char *path, void *userdata),
				 int (*remove)(const char *path), void *userdata)
{
	DIR *d = dir ? opendir(dir) : NULL;
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		_cleanup_free_ char *p = NULL;
		if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
		    asprintf(&p, "%s/%s", dir, de->d_name) < 0 || lstat(p, &st) < 0 ||
		    st.st_mtime > time(NULL) - 60 || keep(de->d_name, p, userdata))
			continue;
		if (remove(p) >= 0)
			n++;
	}
	closedir(d);
	return n;
}

static bool keep_nothing(const char *name, const char *path, void *userdata)
{
	(void)name, (void)path, (void)userdata;
	return false;
}

/* A supervisor of a --rm container deletes its folder from trash/ right
 * after `berth run` returned (supervisor/exit.c); what is still there after
 * a minute was left by one that was killed. */
static void empty_trash(Cli *cli)
{
	_cleanup_free_ char *dir = path_trash_dir(&cli->paths);
	size_t n = remove_old_entries(dir, keep_nothing, rm_rf, NULL);
	if (n > 0)
		printf("  fixed: removed %zu leftover folder%s of containers run with --rm (%s)\n",
		       n, n == 1 ? "" : "s", dir);
}

typedef struct {
	char **ids;
	const char *root;
} CgroupKeep;

static bool keep_cgroup(const char *name, const char *path, void *userdata)
{
	const CgroupKeep *k = userdata;
	return !id_is_valid(name) || strv_contains(k->ids, name) ||
	       cgroup_owned_by(path, k->root) != 1 || cgroup_is_populated(path) != 0;
}

/* A supervisor killed while it set a container up, before `berth run`
 * recorded it (common/protocol.h), leaves an empty cgroup that no row
 * names. A container's cgroup has processes in it from its clone to its
 * end, which removes it; one that has been there for over a minute with
 * none is such a leftover. Only this root's: every cgroup is marked with
 * the root it was made for (cgroup_create()), and another root's, or an
 * unmarked one, may belong to a container being set up there. */
static void remove_stale_cgroups(Cli *cli, char **ids)
{
	_cleanup_free_ char *mnt = NULL, *dir = NULL;
	if (cgroup_berth_base(&mnt) < 0 || asprintf(&dir, "%s/%s", mnt, CGROUP_BERTH_PARENT) < 0)
		return;
	CgroupKeep keep = { .ids = ids, .root = cli->paths.state_dir };
	size_t n = remove_old_entries(dir, keep_cgroup, cgroup_remove_empty, &keep);
	if (n > 0)
		printf("  fixed: removed %zu empty cgroup%s of containers that were never recorded (%s)\n",
		       n, n == 1 ? "" : "s", dir);
}

typedef struct {
	Cli *cli;
	bool repair;
	int problems;
} Check;

static void problem(Check *c, const char *fmt, ...) _printf_(2, 3);
static void problem(Check *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("  PROBLEM: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	c->problems++;
}

/* Opens the DB; a damaged one is reported, and with --repair rebuilt:
 * indexes first, then, if that is not enough, a new DB of what can be
 * read from it. */
static int check_db(Check *c, sqlite3 **ret)
{
	Cli *cli = c->cli;
	_cleanup_free_ char *path = path_db(&cli->paths);
	if (!path)
		return -ENOMEM;
	printf("state DB:      %s\n", path);
	struct stat st;
	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0) {
		problem(c, "mode %03o; it should be 0600 (chmod 600 %s)", st.st_mode & 0777, path);
		if (c->repair && chmod(path, 0600) == 0)
			printf("  fixed: mode 0600\n");
	}
	int64_t n_containers, n_images;
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0) {
		problem(c, "cannot open it (%s)",
			r == -EBADMSG && stat(path, &st) == 0 && st.st_size == 0
				? "it is empty: 0 bytes"
				: strerror(-r));
		if (r != -EBADMSG)
			return r;
		if (!c->repair) {
			printf("  `berth system check --repair` moves it aside and rebuilds the state\n"
			       "  from what can still be read of it and from the containers' folders.\n");
			return r;
		}
		r = repair_salvage(cli, &n_containers, &n_images);
		if (r < 0)
			return r;
		if ((r = cli_db(cli, &db)) < 0)
			return r;
	}
	_cleanup_free_ char *integrity = NULL;
	r = db_integrity_check(db, &integrity);
	if (r >= 0 && streq(integrity, "ok")) {
		printf("  integrity:   ok\n  schema:      version %d\n", DB_SCHEMA_VERSION);
		*ret = db;
		return 0;
	}
	problem(c, "integrity check: %s", r < 0 ? strerror(-r) : integrity);
	if (!c->repair) {
		printf("  `berth system check --repair` rebuilds what can be rebuilt.\n");
		/* Reading on may fail: say what can be said. */
		*ret = db;
		return 0;
	}
	free(integrity);
	integrity = NULL;
	if (db_reindex(db) >= 0 && db_integrity_check(db, &integrity) >= 0 &&
	    streq(integrity, "ok")) {
		printf("  fixed: rebuilt the indexes; integrity: ok\n");
		*ret = db;
		return 0;
	}
	r = repair_salvage(cli, &n_containers, &n_images);
	if (r >= 0)
		r = cli_db(cli, &db);
	if (r < 0)
		return r;
	*ret = db;
	return 0;
}

/* The disk under the state, and the space the DB holds in reserve for
 * when it is full (db/db.c). */
static void check_space(Check *c)
{
	const char *dir = c->cli->paths.state_dir;
	_cleanup_free_ char *path = path_db(&c->cli->paths);
	struct statvfs vfs;
	if (!path || statvfs(dir, &vfs) < 0)
		return;
	uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	char free_space[32];
	format_bytes(avail, free_space, sizeof(free_space));
	if (db_reserve_check(path) < 0)
		problem(c,
			"the disk under %s is full (%s free): the state DB has no space in "
			"reserve (%s%s) and no room to make it again; free some space",
			dir, free_space, path, DB_RESERVE_SUFFIX);
	else if (avail < DB_RESERVE_BYTES)
		problem(c,
			"the disk under %s is full (%s free); the state DB writes on from its "
			"reserve, but containers and logs cannot: free some space",
			dir, free_space);
}

/* Every row needs its folder; every folder needs its row. A folder whose
 * row is gone while its container runs (a DB lost or rebuilt) is never to
 * be removed: --repair records it again. */
static void check_folders(Check *c, char **ids)
{
	Cli *cli = c->cli;
	for (size_t i = 0; ids[i]; i++) {
		_cleanup_free_ char *b = path_container_dir(&cli->paths, ids[i]);
		if (b && !is_dir(b))
			problem(c, "container %.12s has no folder %s (berth rm -f %.12s)", ids[i],
				b, ids[i]);
	}
	_cleanup_free_ char *cdir = NULL;
	if (asprintf(&cdir, "%s/containers", cli->paths.state_dir) < 0)
		return;
	DIR *d = opendir(cdir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (!id_is_valid(de->d_name) || strv_contains(ids, de->d_name))
			continue;
		pid_t sup = find_supervisor_of(cli, de->d_name, NULL);
		if (c->repair && repair_container(cli, de->d_name) >= 0)
			continue;
		if (sup > 0)
			problem(c,
				"folder %s/%s belongs to no row, but its container is running "
				"(supervisor %d): the state DB lost it; `berth system check "
				"--repair` records it again",
				cdir, de->d_name, (int)sup);
		else
			problem(c,
				"folder %s/%s belongs to no container (`berth system check "
				"--repair` records it again from its config.json; or remove it)",
				cdir, de->d_name);
	}
	if (d)
		closedir(d);
}

/* A supervisor of a --rm container that was killed before it finished
 * leaves its runtime folder (run/<id>/): one with no row and no container
 * folder, over a minute old, is such a leftover. */
static bool keep_run_dir(const char *name, const char *path, void *userdata)
{
	Cli *cli = userdata;
	(void)path;
	if (!id_is_valid(name))
		return true;
	_cleanup_free_ char *bundle = path_container_dir(&cli->paths, name);
	ContainerRow row;
	if (!bundle || is_dir(bundle) || find_supervisor_of(cli, name, NULL) > 0)
		return true;
	if (db_container_get(cli->db, name, &row) < 0)
		return false;
	container_row_done(&row);
	return true;
}

static void remove_stale_run_dirs(Cli *cli)
{
	size_t n = remove_old_entries(cli->paths.run_dir, keep_run_dir, rm_rf, cli);
	if (n > 0)
		printf("  fixed: removed %zu runtime folder%s of containers that are gone (%s)\n",
		       n, n == 1 ? "" : "s", cli->paths.run_dir);
}

/* What each row says against the machine: the refresh fixes what it finds,
 * like every command does, and says when it cannot write it down. */
static void refresh_rows(Check *c, sqlite3 *db, char **ids)
{
	for (size_t i = 0; ids[i]; i++) {
		ContainerRow row;
		if (db_container_get(db, ids[i], &row) < 0)
			continue;
		ContainerState before = row.state;
		_cleanup_free_ char *name = strdup(row.name);
		int r = container_refresh(c->cli, &row);
		if (r == -ENOENT && before == STATE_REMOVING)
			printf("  fixed: %s was being removed by a command that was killed: removed\n",
			       name ? name : ids[i]);
		else if (r == -ENOENT)
			printf("  fixed: %s, whose start was cut short, was run with --rm: removed\n",
			       name ? name : ids[i]);
		else if (r == REFRESH_UNRECORDED)
			problem(c,
				"%s was %s without a supervisor, but that cannot be recorded (the "
				"disk is full?)",
				row.name, container_state_to_string(before));
		else if (r >= 0 && before != row.state)
			printf("  fixed: %s was %s with nobody at work on it; now exited (unknown)\n",
			       row.name, container_state_to_string(before));
		if (r >= 0 && container_ended_unrecorded(&row)) {
			/* At every exit, for a moment: look again after one. */
			sleep(1);
			ContainerRow again;
			if (db_container_get(db, ids[i], &again) >= 0) {
				if (container_ended_unrecorded(&again))
					problem(c,
						"%s has ended, but its supervisor (%lld) has not "
						"been able to record it: is the disk under the "
						"state DB full? (see its supervisor.log)",
						again.name, (long long)again.supervisor_pid);
				container_row_done(&again);
			}
		}
		container_row_done(&row);
	}
}

/* Network namespaces (run/netns/<id>) whose container has no supervisor
 * at work: what a killed supervisor left after its row went too, or what
 * netavark failed to tear down. The refresh of the rows took the others. */
static void remove_stale_networks(Cli *cli)
{
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/netns", cli->paths.run_dir) < 0)
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!id_is_valid(de->d_name) || find_supervisor_of(cli, de->d_name, NULL) > 0)
			continue;
		if (container_network_cleanup(cli, de->d_name) > 0)
			printf("  fixed: tore down the network of container %.12s, which had no "
			       "supervisor\n",
			       de->d_name);
	}
	closedir(d);
}

/* The image store and the DB agree: every image's folders and every
 * layer's folder are there. What killed imports and pulls left (temporary
 * folders, folders no row names) is swept first when none runs. */
static void check_images(Check *c, sqlite3 *db)
{
	image_store_sweep_if_idle(c->cli);
	ImageRow *rows = NULL;
	size_t n = 0;
	_cleanup_strv_free_ char **digests = NULL;
	int r = db_image_list(db, &rows, &n);
	if (r >= 0)
		r = db_layer_list_digests(db, &digests);
	if (r < 0) {
		image_rows_free(rows, n);
		problem(c, "cannot read the images: %s", strerror(-r));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_strv_free_ char **dirs = NULL;
		if (image_layers_from_json(c->cli, rows[i].layers, &dirs) < 0) {
			problem(c, "image %s has a damaged layer list", rows[i].name);
			continue;
		}
		for (size_t k = 0; dirs[k]; k++)
			if (!is_dir(dirs[k]))
				problem(c,
					"image %s is missing its folder %s (remove it with `berth "
					"image rm %s` and pull or import it again)",
					rows[i].name, dirs[k], rows[i].name);
	}
	_cleanup_free_ char *store = path_layers_dir(&c->cli->paths);
	for (size_t k = 0; store && digests[k]; k++) {
		_cleanup_free_ char *dir = NULL;
		const char *hex = digest_hex(digests[k]);
		if (hex && asprintf(&dir, "%s/%s", store, hex) >= 0 && !is_dir(dir))
			problem(c, "layer %s has a row but no folder %s", digests[k], dir);
	}
	printf("images:        %zu in the DB, %zu layers\n", n, strv_length(digests));
	image_rows_free(rows, n);
}

static int system_check(Cli *cli, bool repair)
{
	Check c = { .cli = cli, .repair = repair };
	sqlite3 *db;
	int r = check_db(&c, &db);
	if (r < 0) {
		printf("problems found\n");
		return -EUCLEAN;
	}
	check_space(&c);

	_cleanup_strv_free_ char **ids = NULL;
	r = db_container_list_ids(db, &ids);
	if (r < 0) {
		problem(&c, "cannot read the containers: %s", strerror(-r));
		printf("problems found\n");
		return -EUCLEAN;
	}
	printf("containers:    %zu in the DB\n", strv_length(ids));
	check_folders(&c, ids);
	check_images(&c, db);
	if (repair) {
		strv_free(ids);
		ids = NULL;
		if (db_container_list_ids(db, &ids) < 0)
			return -EUCLEAN;
	}
	empty_trash(cli);
	remove_stale_run_dirs(cli);
	remove_stale_cgroups(cli, ids);
	refresh_rows(&c, db, ids);
	remove_stale_networks(cli);

	printf("%s\n", c.problems ? (repair ? "problems found (see what was fixed above)"
					    : "problems found")
				  : "no problems found");
	return c.problems ? -EUCLEAN : 0;
}

static void system_check_help(void)
{
	printf("Usage: berth system check [OPTIONS]\n"
	       "\n"
	       "Check the state DB (integrity, schema, permissions, space in reserve) and\n"
	       "that it agrees with the containers' folders, supervisors and cgroups. Fixes\n"
	       "what killed commands left (stale states, removals and starts cut short,\n"
	       "leftover folders and this root's empty cgroups). Exits 1 on a problem.\n"
	       "\n"
	       "Options:\n"
	       "      --repair           also rebuild what can be rebuilt: the DB's indexes,\n"
	       "                         a damaged DB (moved aside, a new one made of what\n"
	       "                         can be read of it), the rows of containers whose\n"
	       "                         folders are there (from their config.json)\n"
	       "  -h, --help             show this help\n");
}

static int system_check_cmd(Cli *cli, int argc, char **argv)
{
	enum { ARG_REPAIR = 0x100 };
	static const struct option options[] = {
		{ "repair", no_argument, NULL, ARG_REPAIR },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool repair = false;
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":h", options, "system check")) > 0) {
		switch (c) {
		case ARG_REPAIR:
			repair = true;
			break;
		case 'h':
			system_check_help();
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (optind < argc)
		return log_error_errno(-EINVAL,
				       "unexpected argument `%s` (see `berth system check "
				       "--help`)",
				       argv[optind]);
	int r = system_check(cli, repair);
	return r == -EUCLEAN || r == -EBADMSG ? 1 : r;
}

int cmd_system(Cli *cli, int argc, char **argv)
{
	static const CliVerb verbs[] = {
		{ "check", NULL, system_check_cmd,
		  "check the state DB and what it describes, and fix what is left over" },
	};
	return cli_run_verb(cli, argc, argv, "system", verbs, ELEMENTSOF(verbs));
}
