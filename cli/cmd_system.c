/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth system check: is the state sound? The DB's integrity and schema,
 * and whether the DB, the container folders and the cgroups agree. Reads
 * only; says what it finds and what to do. */

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup.h"
#include "cli.h"
#include "log.h"
#include "options.h"
#include "parse.h"
#include "util.h"

/* Removes the entries of dir that are over a minute old and that keep()
 * does not keep, with remove(); how many went. */
static size_t remove_old_entries(const char *dir, bool (*keep)(const char *name, const char *path, void *userdata),
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
		if (streq(de->d_name, ".") || streq(de->d_name, "..") || asprintf(&p, "%s/%s", dir, de->d_name) < 0 ||
		    lstat(p, &st) < 0 || st.st_mtime > time(NULL) - 60 || keep(de->d_name, p, userdata))
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
		printf("  fixed: removed %zu leftover folder%s of containers run with --rm (%s)\n", n,
		       n == 1 ? "" : "s", dir);
}

static bool keep_cgroup(const char *name, const char *path, void *userdata)
{
	char **ids = userdata;
	return !id_is_valid(name) || strv_contains(ids, name) || cgroup_is_populated(path) != 0;
}

/* A supervisor killed while it set a container up, before `berth run`
 * recorded it (common/protocol.h), leaves an empty cgroup that no row
 * names. A container's cgroup has processes in it from its clone to its
 * end, which removes it; one that has been there for over a minute with
 * none is such a leftover, whichever state DB (--root) its container was
 * to be in. */
static void remove_stale_cgroups(char **ids)
{
	_cleanup_free_ char *mnt = NULL, *dir = NULL;
	if (cgroup_v2_mount(&mnt) < 0 || asprintf(&dir, "%s/%s", mnt, CGROUP_BERTH_PARENT) < 0)
		return;
	size_t n = remove_old_entries(dir, keep_cgroup, cgroup_remove_empty, ids);
	if (n > 0)
		printf("  fixed: removed %zu empty cgroup%s of containers that were never recorded (%s)\n",
		       n, n == 1 ? "" : "s", dir);
}

static int system_check(Cli *cli)
{
	int problems = 0;
	_cleanup_free_ char *path = path_db(&cli->paths);
	if (!path)
		return -ENOMEM;
	printf("state DB:      %s\n", path);
	struct stat st;
	if (stat(path, &st) == 0) {
		if ((st.st_mode & 077) != 0) {
			printf("  PROBLEM: mode %03o; it should be 0600 (chmod 600 %s)\n",
			       st.st_mode & 0777, path);
			problems++;
		}
	}
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0) {
		printf("  PROBLEM: cannot open it (%s)\n", strerror(-r));
		printf("  Move it aside (mv %s %s.broken) to start with an empty state; the\n"
		       "  containers' folders under %s/containers stay for inspection.\n",
		       path, path, cli->paths.state_dir);
		return -EBADMSG;
	}
	_cleanup_free_ char *integrity = NULL;
	r = db_integrity_check(db, &integrity);
	if (r < 0 || !streq(integrity, "ok")) {
		printf("  PROBLEM: integrity check: %s\n", r < 0 ? strerror(-r) : integrity);
		problems++;
	} else
		printf("  integrity:   ok\n  schema:      version %d\n", DB_SCHEMA_VERSION);

	_cleanup_strv_free_ char **ids = NULL;
	r = db_container_list_ids(db, &ids);
	if (r < 0)
		return log_error_errno(r, "read the state DB: %m");
	printf("containers:    %zu in the DB\n", strv_length(ids));

	/* Every row needs its folder; every folder needs its row. */
	for (size_t i = 0; ids[i]; i++) {
		_cleanup_free_ char *b = path_container_dir(&cli->paths, ids[i]);
		if (b && !is_dir(b)) {
			printf("  PROBLEM: container %.12s has no folder %s (berth rm -f %.12s)\n", ids[i],
			       b, ids[i]);
			problems++;
		}
	}
	_cleanup_free_ char *cdir = NULL;
	if (asprintf(&cdir, "%s/containers", cli->paths.state_dir) < 0)
		return -ENOMEM;
	DIR *d = opendir(cdir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (id_is_valid(de->d_name) && !strv_contains(ids, de->d_name)) {
			printf("  PROBLEM: folder %s/%s belongs to no container (remove it)\n", cdir,
			       de->d_name);
			problems++;
		}
	if (d)
		closedir(d);
	empty_trash(cli);
	remove_stale_cgroups(ids);

	/* Running containers must have a live supervisor: the refresh fixes
	 * what it finds, like every command. */
	for (size_t i = 0; ids[i]; i++) {
		ContainerRow row;
		if (db_container_get(db, ids[i], &row) < 0)
			continue;
		ContainerState before = row.state;
		(void)container_refresh(cli, &row);
		if (before != row.state)
			printf("  fixed: %s was %s without a supervisor; now exited (unknown)\n",
			       row.name, container_state_to_string(before));
		container_row_done(&row);
	}

	printf("%s\n", problems ? "problems found" : "no problems found");
	return problems ? -EUCLEAN : 0;
}

static void system_check_help(void)
{
	printf("Usage: berth system check [OPTIONS]\n"
	       "\n"
	       "Check the state DB (integrity, schema, permissions) and that it agrees\n"
	       "with the containers' folders and supervisors. Exits 1 on a problem.\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help             show this help\n");
}

static int system_check_cmd(Cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":h", options, "system check")) > 0) {
		switch (c) {
		case 'h':
			system_check_help();
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (optind < argc)
		return log_error_errno(-EINVAL, "unexpected argument `%s` (see `berth system check "
						"--help`)",
				       argv[optind]);
	int r = system_check(cli);
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
