/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth rm */

#include <getopt.h>
#include <poll.h>
#include <stdio.h>

#include "bulk.h"
#include "cgroup.h"
#include "cli.h"
#include "ctr-lock.h"
#include "log.h"
#include "options.h"
#include "util.h"

/* How long the supervisor of a killed container may take to finish. */
#define RM_KILL_TIMEOUT_MS 10000
/* How long a removal waits for a start under way to finish. */
#define RM_LOCK_TIMEOUT_MS 5000

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

typedef struct {
	bool force;       /* -f */
	bool only_exited; /* prune */
} RmArgs;

/* Kills a container and waits a moment for its supervisor, which then
 * cannot record the end (the disk is full): ended if it does not go. */
static void kill_now(Cli *cli, ContainerRow *row)
{
	_cleanup_close_ int pidfd = -1;
	if (container_kill(cli, row, &pidfd) < 0 || pidfd < 0)
		return;
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	if (poll(&p, 1, 2000) == 0)
		(void)container_end_supervisor(cli, row, pidfd);
}

static int rm_begin(Cli *cli, BulkJob *job, const void *arg)
{
	bool force = ((const RmArgs *)arg)->force;
	ContainerRow *row = &job->row;
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;

	if (row->state == STATE_REMOVING)
		/* Its remover is at work still: container_refresh() finishes
		 * the removal of one left by a killed command. */
		return log_error_errno(-EBUSY, "container %s is being removed by another command",
				       row->name);
	if ((row->state == STATE_RUNNING || row->state == STATE_PAUSED) && !force)
		return log_error_errno(-EBUSY, "container %s is %s: stop it first, or use `rm -f`",
				       row->name, container_state_to_string(row->state));

	/* At work on it until the row is gone (common/ctr-lock.h), so that a
	 * removal cut short is finished by whoever meets it next. A start
	 * under way holds the lock until its container runs: wait for that,
	 * then act on what it made. */
	_cleanup_free_ char *bundle = path_container_dir(&cli->paths, row->id);
	if (!bundle)
		return log_error_errno(-ENOMEM, "out of memory");
	r = ctr_lock(bundle, LOCK_EX, RM_LOCK_TIMEOUT_MS, &job->lock_fd);
	if (r == -EBUSY)
		return log_error_errno(r,
				       "container %s is being started or removed by another "
				       "command",
				       row->name);
	if (r < 0 && r != -ENOENT) /* ENOENT: no folder; the row goes all the same */
		return log_error_errno(r, "lock `%s`: %m", bundle);
	ContainerRow now;
	r = db_container_get(db, row->id, &now);
	if (r == -ENOENT)
		return log_error_errno(r, "no such container: %s (removed meanwhile)", row->name);
	if (r < 0)
		return cli_db_error(cli, r, "read container %s from the state DB", row->name);
	container_row_done(row);
	*row = now;
	if ((row->state == STATE_RUNNING || row->state == STATE_PAUSED) && !force)
		return log_error_errno(-EBUSY, "container %s is %s: stop it first, or use `rm -f`",
				       row->name, container_state_to_string(row->state));

	/* Claim the row: a supervisor that finishes now leaves a 'removing'
	 * row alone, and a second `rm` sees who is at work. */
	log_debug("mark container %s as removing", row->name);
	r = db_container_set_state(db, row->id, STATE_REMOVING, NULL);
	if (r == -ENOSPC) {
		/* The disk is full and the DB's reserve used up: make room with
		 * the container's own files first. A running one is stopped for
		 * that (its supervisor, which cannot record its end either, may
		 * not finish meanwhile). */
		if (row->state == STATE_RUNNING || row->state == STATE_PAUSED)
			kill_now(cli, row);
		(void)container_remove_files(cli, row->id);
		r = db_container_set_state(db, row->id, STATE_REMOVING, NULL);
		if (r >= 0)
			row->state = STATE_EXITED; /* nothing left to kill */
	}
	if (r < 0)
		return log_error_errno(r, "mark container %s for removal: %m", row->name);
	if (row->state == STATE_CREATED) {
		/* Perhaps being started right now: its supervisor has not
		 * recorded it yet, but its cgroup tells. Kill what runs there and
		 * let the supervisor (which will find the row claimed) finish. */
		_cleanup_free_ char *cg = NULL;
		if (cgroup_container_path(row->id, &cg) >= 0 && access(cg, F_OK) == 0) {
			(void)cgroup_kill(cg);
			for (int i = 0; i < 100 && access(cg, F_OK) == 0; i++)
				usleep(50000);
			/* A supervisor that died before recording anything leaves the
			 * cgroup to us. */
			(void)cgroup_destroy(cg, 1000);
		}
	}
	if (row->state == STATE_RUNNING || row->state == STATE_PAUSED) {
		/* Then wait for its supervisor to finish (rm_end()). */
		r = container_kill(cli, row, &job->pidfd);
		if (r < 0)
			return log_error_errno(r, "stop container %s: %m", row->name);
		job->timeout_ms = RM_KILL_TIMEOUT_MS;
	}
	return 0;
}

static int rm_end(Cli *cli, BulkJob *job, int wait_r, const void *arg)
{
	(void)arg;
	ContainerRow *row = &job->row;
	int r;
	if (wait_r == -ETIMEDOUT) {
		/* The supervisor itself hangs: end it; the refresh records it. */
		r = container_end_supervisor(cli, row, job->pidfd);
		if (r < 0)
			return log_error_errno(r, "stop container %s: %m", row->name);
	}
	sqlite3 *db;
	r = cli_db(cli, &db);
	if (r < 0)
		return r;
	r = container_remove_files(cli, row->id);
	if (r < 0)
		return r;
	log_debug("delete container %s from the state DB", row->name);
	r = db_container_delete(db, row->id);
	if (r < 0 && r != -ENOENT)
		return cli_db_error(cli, r, "delete container %s from the state DB", row->name);
	printf("%s\n", row->name);
	return 0;
}

/* rm --all and prune: every container, or only those not running. The
 * row is refreshed first: one whose supervisor is gone is not running. */
static bool rm_want(Cli *cli, ContainerRow *row, const void *arg)
{
	const RmArgs *a = arg;
	if (container_refresh(cli, row) == -ENOENT)
		return false; /* removed meanwhile */
	bool live = row->state == STATE_RUNNING || row->state == STATE_PAUSED;
	bool fresh = row->state == STATE_CREATED;
	return !((a->only_exited && (live || fresh)) || (live && !a->force));
}

static const BulkOps rm_ops = {
	.want = rm_want,
	.begin = rm_begin,
	.end = rm_end,
};

static int remove_all(Cli *cli, bool force, bool only_exited)
{
	RmArgs a = { .force = force, .only_exited = only_exited };
	return bulk_run(cli, NULL, 0, true, &rm_ops, &a);
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
		return log_error_errno(-EINVAL,
				       "unexpected argument `%s` (see `berth prune --help`)",
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

	RmArgs a = { .force = force };
	return bulk_run(cli, argv + optind, (size_t)(argc - optind), false, &rm_ops, &a);
}
