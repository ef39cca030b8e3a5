/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth rm */

#include <getopt.h>
#include <stdio.h>

#include "cgroup.h"
#include "cli.h"
#include "log.h"
#include "options.h"
#include "util.h"

static void rm_help(void)
{
	printf("Usage: berth rm [OPTIONS] CONTAINER...\n"
	       "\n"
	       "Remove containers: their writable layer, logs, runtime files and DB row.\n"
	       "\n"
	       "Options:\n"
	       "  -f, --force            kill running or paused containers first\n"
	       "  -a, --all              remove every container (with -f: running ones too)\n"
	       "  -h, --help             show this help\n");
}

static int rm_one(Cli *cli, const char *key, bool force)
{
	ContainerRow row;
	int r = cli_lookup_container(cli, key, &row);
	if (r < 0)
		return r;
	sqlite3 *db;
	if ((r = cli_db(cli, &db)) < 0)
		goto out;

	if ((row.state == STATE_RUNNING || row.state == STATE_PAUSED) && !force) {
		r = log_error_errno(-EBUSY, "container %s is %s: stop it first, or use `rm -f`",
				    row.name, container_state_to_string(row.state));
		goto out;
	}

	/* Claim the row: a supervisor that finishes now leaves a 'removing'
	 * row alone, and a second `rm` sees who is at work. */
	log_debug("mark container %s as removing", row.name);
	r = db_container_set_state(db, row.id, STATE_REMOVING, NULL);
	if (r < 0) {
		r = log_error_errno(r, "mark container %s for removal: %m", row.name);
		goto out;
	}
	if (row.state == STATE_CREATED) {
		/* Perhaps being started right now: its supervisor has not
		 * recorded it yet, but its cgroup tells. Kill what runs there and
		 * let the supervisor (which will find the row claimed) finish. */
		_cleanup_free_ char *cg = NULL;
		if (cgroup_container_path(row.id, &cg) >= 0 && access(cg, F_OK) == 0) {
			(void)cgroup_kill(cg);
			for (int i = 0; i < 100 && access(cg, F_OK) == 0; i++)
				usleep(50000);
			/* A supervisor that died before recording anything leaves the
			 * cgroup to us. */
			(void)cgroup_destroy(cg, 1000);
		}
	}
	if (row.state == STATE_RUNNING || row.state == STATE_PAUSED) {
		r = container_kill_and_wait(cli, &row, 10000);
		if (r < 0) {
			r = log_error_errno(r, "stop container %s: %m", row.name);
			goto out;
		}
	}
	r = container_remove_files(cli, row.id);
	if (r < 0)
		goto out;
	log_debug("delete container %s from the state DB", row.name);
	r = db_container_delete(db, row.id);
	if (r < 0 && r != -ENOENT) {
		r = log_error_errno(r, "delete container %s from the state DB: %m", row.name);
		goto out;
	}
	printf("%s\n", row.name);
	r = 0;
out:
	container_row_done(&row);
	return r;
}

/* rm --all and prune: every container, or only those not running. */
static int remove_all(Cli *cli, bool force, bool only_exited)
{
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **ids = NULL;
	r = db_container_list_ids(db, &ids);
	if (r < 0)
		return log_error_errno(r, "read the state DB: %m");
	int ret = 0;
	for (size_t i = 0; ids[i]; i++) {
		ContainerRow row;
		if (db_container_get(db, ids[i], &row) < 0)
			continue; /* removed meanwhile */
		(void)container_refresh(cli, &row);
		bool live = row.state == STATE_RUNNING || row.state == STATE_PAUSED;
		bool fresh = row.state == STATE_CREATED;
		container_row_done(&row);
		if ((only_exited && (live || fresh)) || (live && !force))
			continue;
		r = rm_one(cli, ids[i], force);
		if (r < 0 && r != -ENOENT && ret == 0)
			ret = r;
	}
	return ret;
}

static void prune_help(void)
{
	printf("Usage: berth prune [OPTIONS]\n"
	       "\n"
	       "Remove every exited container.\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help             show this help\n");
}

int cmd_prune(Cli *cli, int argc, char **argv)
{
	int r = cli_parse_help_only(argc, argv, "prune", prune_help);
	if (r <= 0)
		return r;
	if (optind < argc)
		return log_error_errno(-EINVAL, "unexpected argument `%s` (see `berth prune --help`)",
				       argv[optind]);
	return remove_all(cli, false, true);
}

int cmd_rm(Cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool force = false, all = false;
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":fah", options, "rm")) > 0) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'a':
			all = true;
			break;
		case 'h':
			rm_help();
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (all) {
		if (optind < argc)
			return log_error_errno(-EINVAL, "--all takes no CONTAINER");
		return remove_all(cli, force, false);
	}
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth rm --help`)");

	int ret = 0;
	for (int i = optind; i < argc; i++) {
		int r = rm_one(cli, argv[i], force);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}
