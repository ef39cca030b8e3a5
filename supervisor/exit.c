/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* What the supervisor writes down: the container running, its end, and
 * the clean-up after it. Each DB write opens the database, writes in one
 * short transaction and closes it again: an idle supervisor holds no
 * SQLite memory and no file descriptors of the DB (a foreground one keeps
 * its connection from the first write to the last). */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "log.h"
#include "supervisor.h"
#include "util.h"

int supervisor_open_db(Supervisor *s)
{
	if (s->db)
		return 0;
	int r = db_open_existing(s->db_path, &s->db);
	if (r < 0)
		return r;
	db_defer_checkpoints(s->db);
	/* Its first statement would read the schema; the first use is a
	 * write the CLI waits for, so read it now. */
	db_load_schema(s->db);
	return 0;
}

static int with_db(Supervisor *s, sqlite3 **ret)
{
	int r = supervisor_open_db(s);
	if (r < 0)
		return log_error_errno(r, "open the state DB `%s`: %m", s->db_path);
	*ret = TAKE_PTR(s->db);
	return 0;
}

void supervisor_release_db(Supervisor *s)
{
	db_checkpoint_if_due(s->db);
	s->db = db_close(s->db);
}

int supervisor_record_running(Supervisor *s)
{
	_cleanup_db_ sqlite3 *db = NULL;
	int r = with_db(s, &db);
	if (r < 0)
		return r;
	char started[32];
	format_iso8601(now_usec(), started);
	RunningInfo info = {
		.pid = s->pid,
		.pid_start_time = (int64_t)s->pid_start_time,
		.supervisor_pid = getpid(),
		.supervisor_start_time = (int64_t)s->self_start_time,
		.boot_id = s->boot_id,
		.started_at = started,
		.cgroup = s->cgroup,
	};
	r = db_container_set_running(db, s->id, &info);
	if (r < 0)
		return log_error_errno(r, "record container %s as running: %m", s->id);
	/* Kept until the CLI has its answer (supervisor_release_db()); a
	 * foreground run keeps it for its one other write, the end, which the
	 * CLI waits for too (opening again parses the whole schema again). */
	s->db = TAKE_PTR(db);
	return 0;
}

static void destroy_cgroup(Supervisor *s)
{
	if (!s->cgroup)
		return;
	int r = cgroup_destroy(s->cgroup, 5000);
	if (r < 0)
		log_warning_errno(r, "remove cgroup `%s`: %m", s->cgroup);
}

/* The container's folder (where it is now: bundle), or, when it is ours
 * and as we made it, kept as a spare for the next run (spare.c); and its
 * run folder. Its init is gone, and its overlay with it. */
static void remove_files(Supervisor *s, const char *bundle)
{
	int r = s->start.made_bundle && spare_recycle(s, bundle) >= 0 ? 0 : rm_rf(bundle);
	if (r < 0)
		log_warning_errno(r, "remove `%s`: %m", bundle);
	_cleanup_free_ char *run = path_container_run_dir(&s->paths, s->id);
	if (run)
		(void)rm_rf(run);
}

static int delete_row(Supervisor *s, sqlite3 *db)
{
	int r = db_container_delete(db, s->id);
	if (r < 0 && r != -ENOENT && r != -ENOSPC)
		log_warning_errno(r, "delete container %s from the DB: %m", s->id);
	return r;
}

static void read_oom(Supervisor *s)
{
	if (!s->cgroup)
		return;
	_cleanup_free_ char *path = NULL, *data = NULL;
	if (asprintf(&path, "%s/memory.events", s->cgroup) < 0)
		return;
	if (read_full_file(path, &data, NULL) < 0)
		return; /* no memory controller here */
	const char *p = strstr(data, "oom_kill ");
	if (p && atol(p + 9) > 0)
		s->end.oom_killed = true;
}

static int record_exit(Supervisor *s, sqlite3 *db, const char *error)
{
	char finished[32];
	format_iso8601(now_usec(), finished);
	ExitInfo info = {
		.has_exit_code = true,
		.exit_code = s->end.exit_code,
		.exit_signal = s->end.exit_signal,
		.oom_killed = s->end.oom_killed,
		.finished_at = finished,
		.error = error,
		.log_dropped = (int64_t)s->log.dropped,
	};
	int r = db_container_set_exited(db, s->id, &info);
	/* -ESTALE: `rm -f` has claimed or removed the row; nothing to record.
	 * -ENOSPC: said by record_exit_when_room(). */
	if (r < 0 && r != -ESTALE && r != -ENOSPC)
		log_error_errno(r, "record the exit of container %s: %m", s->id);
	return r;
}

#define ROOM_RETRY_MAX_MS 10000

/* The disk under the state DB is full, and its reserve (db.c) used up:
 * the end of this run is known to us alone, and nobody could learn it
 * later. So wait for room, trying again with a growing pause, as long as
 * the row is there to be written. The CLI of a foreground run has had its
 * exit code already; `berth system check` and `status` show meanwhile that
 * the end is not recorded. */
static void record_exit_when_room(Supervisor *s)
{
	log_error("cannot record the end of container %s (exit code %d%s): the disk under the "
		  "state DB is full; trying again until there is room",
		  s->id, s->end.exit_code, s->end.oom_killed ? ", killed for memory" : "");
	ctr_log_report_drops(s);
	uint64_t since = now_mono_usec();
	int r = -ENOSPC;
	for (unsigned delay = 100; r == -ENOSPC;
	     delay = delay * 2 < ROOM_RETRY_MAX_MS ? delay * 2 : ROOM_RETRY_MAX_MS) {
		usleep(delay * 1000);
		_cleanup_db_ sqlite3 *db = NULL;
		r = db_open_existing(s->db_path, &db);
		if (r >= 0)
			r = record_exit(s, db, NULL);
	}
	/* Said again in full: the first line went to a full disk. */
	if (r >= 0)
		log_info("recorded the end of container %s (exit code %d%s) %" PRIu64 " s late: "
			 "until then the disk under the state DB was full",
			 s->id, s->end.exit_code, s->end.oom_killed ? ", killed for memory" : "",
			 (now_mono_usec() - since) / 1000000);
	else if (r != -ESTALE)
		log_error_errno(r, "gave up recording the end of container %s: %m", s->id);
}

static void send_exited(Supervisor *s)
{
	if (s->sync_fd < 0)
		return;
	SyncMsg m = {
		.type = SYNC_EXITED,
		.exit_code = s->end.exit_code,
		.signal = s->end.exit_signal,
		.oom_killed = s->end.oom_killed,
	};
	(void)sync_send(s->sync_fd, &m);
}

/* Moves the container's folder to trash/<id>; returns the new path, or
 * NULL when it stays where it was. */
static char *move_to_trash(Supervisor *s)
{
	_cleanup_free_ char *dir = path_trash_dir(&s->paths);
	char *dest = NULL;
	if (!dir || asprintf(&dest, "%s/%s", dir, s->id) < 0)
		return NULL;
	if (rename(s->bundle, dest) < 0 &&
	    (errno != ENOENT || mkdir(dir, 0700) < 0 || rename(s->bundle, dest) < 0)) {
		log_debug("move `%s` to `%s`: %m", s->bundle, dest);
		free(dest);
		return NULL;
	}
	return dest;
}

/* --rm: `berth run` may return, and the name is free, as soon as the row
 * is gone; the files and the cgroup go after that, off the user's wait
 * (they cost 1 to 3 ms on ext4: the overlay's folders, the cgroup's
 * rmdir). Only a new name or id can come after, and neither can collide
 * with what is left: the folder is in trash/ (which `berth system check`
 * empties, should this process be killed now), the cgroup and the run
 * folder are named by this container's id. */
static void finish_removed(Supervisor *s)
{
	_cleanup_free_ char *trash = move_to_trash(s);
	int r = with_db(s, &s->db);
	if (r >= 0)
		r = delete_row(s, s->db);
	send_exited(s);
	supervisor_network_teardown(s);
	supervisor_release_db(s);
	s->mnt_ns_fd = safe_close(s->mnt_ns_fd);

	destroy_cgroup(s);
	supervisor_rootfs_fuse_end(s);
	remove_files(s, trash ? trash : s->bundle);
	if (r == -ENOSPC) {
		/* A full disk: the container's files made room. */
		_cleanup_db_ sqlite3 *db = NULL;
		if (db_open_existing(s->db_path, &db) >= 0 && delete_row(s, db) == -ENOSPC)
			log_error("cannot remove container %s from the state DB: the disk is full; "
				  "`berth system check` will",
				  s->id);
	}
}

void supervisor_finish(Supervisor *s)
{
	log_debug("container %.12s ended: exit code %d, signal %d%s; %s", s->id, s->end.exit_code,
		  s->end.exit_signal, s->end.oom_killed ? ", OOM" : "",
		  s->auto_remove ? "removing it (--rm)" : "recording the exit");
	control_stop(s);
	if (s->pidfile)
		(void)unlink(s->pidfile);
	read_oom(s);
	/* Before the row changes: its addresses are free once it does, and
	 * a `start` may set the network up again; both wait for this lock. */
	supervisor_network_hold(s);
	if (s->auto_remove) {
		finish_removed(s);
		return;
	}
	/* A kept container can be started again once its exit is recorded:
	 * by then the old overlay must be gone, or two would share its
	 * upper folder. */
	s->mnt_ns_fd = safe_close(s->mnt_ns_fd);
	destroy_cgroup(s);
	supervisor_rootfs_fuse_end(s);
	int r = with_db(s, &s->db);
	if (r >= 0)
		r = record_exit(s, s->db, NULL);
	send_exited(s);
	supervisor_network_teardown(s);
	supervisor_release_db(s);
	if (r == -ENOSPC)
		record_exit_when_room(s);
	else
		ctr_log_report_drops(s);
}

int supervisor_record_start_failure(Supervisor *s, int exit_code, const char *msg)
{
	destroy_cgroup(s);
	s->end.exit_code = exit_code;
	s->end.exit_signal = 0;
	_cleanup_db_ sqlite3 *db = NULL;
	int r = with_db(s, &db);
	if (r < 0)
		return r;
	if (s->auto_remove) {
		remove_files(s, s->bundle);
		delete_row(s, db);
		return 0;
	}
	return record_exit(s, db, msg);
}
