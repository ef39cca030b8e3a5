/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "db-internal.h"
#include "parse.h"
#include "util.h"

static const char *const state_names[_STATE_MAX] = {
	[STATE_CREATED] = "created", [STATE_RUNNING] = "running", [STATE_PAUSED] = "paused",
	[STATE_EXITED] = "exited",   [STATE_STOPPED] = "stopped", [STATE_REMOVING] = "removing",
};

const char *container_state_to_string(ContainerState s)
{
	return s >= 0 && s < _STATE_MAX ? state_names[s] : NULL;
}

ContainerState container_state_from_string(const char *s)
{
	for (int i = 0; s && i < _STATE_MAX; i++)
		if (streq(state_names[i], s))
			return (ContainerState)i;
	return _STATE_INVALID;
}

void container_row_done(ContainerRow *c)
{
	free(c->id);
	free(c->name);
	free(c->image);
	free(c->command);
	free(c->created_at);
	free(c->started_at);
	free(c->finished_at);
	free(c->boot_id);
	free(c->error);
	free(c->cgroup);
	free(c->rootfs);
	free(c->bundle);
	free(c->engine);
	*c = (ContainerRow){ 0 };
}

void container_rows_free(ContainerRow *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		container_row_done(&rows[i]);
	free(rows);
}

#define CONTAINER_COLUMNS                                                                      \
	"id, name, image, command, state, created_at, started_at, finished_at, pid, "          \
	"pid_start_time, supervisor_pid, supervisor_start_time, boot_id, exit_code, "          \
	"exit_signal, oom_killed, error, cgroup, rootfs, bundle, auto_remove, restart_count, " \
	"userns_base, log_dropped, engine"

/* The row under st with its strings borrowed from SQLite (valid until the
 * next step); -ENOMEM when a NOT NULL column came back NULL, which means
 * SQLite ran out of memory. */
static int row_view(sqlite3_stmt *st, ContainerRow *c)
{
#define COL(i) ((char *)sqlite3_column_text(st, (i)))
	*c = (ContainerRow){
		.id = COL(0),
		.name = COL(1),
		.image = COL(2),
		.command = COL(3),
		.state = container_state_from_string(COL(4)),
		.created_at = COL(5),
		.started_at = COL(6),
		.finished_at = COL(7),
		.pid = sqlite3_column_int64(st, 8),
		.pid_start_time = sqlite3_column_int64(st, 9),
		.supervisor_pid = sqlite3_column_int64(st, 10),
		.supervisor_start_time = sqlite3_column_int64(st, 11),
		.boot_id = COL(12),
		.has_exit_code = sqlite3_column_type(st, 13) != SQLITE_NULL,
		.exit_code = sqlite3_column_int64(st, 13),
		.exit_signal = sqlite3_column_int64(st, 14),
		.oom_killed = sqlite3_column_int(st, 15) != 0,
		.error = COL(16),
		.cgroup = COL(17),
		.rootfs = COL(18),
		.bundle = COL(19),
		.auto_remove = sqlite3_column_int(st, 20) != 0,
		.restart_count = sqlite3_column_int64(st, 21),
		.userns_base = sqlite3_column_int64(st, 22),
		.log_dropped = sqlite3_column_int64(st, 23),
		.engine = COL(24),
	};
#undef COL
	if (!c->id || !c->name || !c->image || !c->command || !c->created_at || !c->rootfs ||
	    !c->bundle)
		return -ENOMEM;
	return 0;
}

/* The same, owned: the strings container_row_done() frees, copied. */
static int row_from_stmt(sqlite3_stmt *st, ContainerRow *c)
{
	int r = row_view(st, c);
	if (r < 0)
		return r;
	char **strings[] = { &c->id,         &c->name,       &c->image,       &c->command,
			     &c->created_at, &c->started_at, &c->finished_at, &c->boot_id,
			     &c->error,      &c->cgroup,     &c->rootfs,      &c->bundle,
			     &c->engine };
	bool failed = false;
	for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
		if (failed)
			*strings[i] = NULL; /* still SQLite's: not ours to free */
		else if (*strings[i] && !(*strings[i] = strdup(*strings[i])))
			failed = true;
	}
	if (failed) {
		container_row_done(c);
		return -ENOMEM;
	}
	return 0;
}

int db_container_insert(sqlite3 *db, const ContainerRow *c)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "INSERT INTO containers (id, name, image, command, state, "
				    "created_at, rootfs, bundle, auto_remove, userns_base) "
				    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->image, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->command, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, container_state_to_string(c->state), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->created_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->rootfs, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, c->bundle, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, c->auto_remove);
	if (c->userns_base > 0)
		sqlite3_bind_int64(st, 10, c->userns_base);
	else
		sqlite3_bind_null(st, 10);
	rc = db_step_write(db, st);
	if (rc == SQLITE_CONSTRAINT && c->userns_base > 0 &&
	    strstr(sqlite3_errmsg(db), "userns_base"))
		return -EADDRINUSE; /* someone took that range meanwhile */
	return rc == SQLITE_DONE ? 0 : db_errno(db, rc);
}

static int get_one(sqlite3 *db, const char *sql, const char *key, ContainerRow *ret)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return db_errno(db, rc);
	return row_from_stmt(st, ret);
}

int db_container_get(sqlite3 *db, const char *id, ContainerRow *ret)
{
	return get_one(db, "SELECT " CONTAINER_COLUMNS " FROM containers WHERE id = ?1", id, ret);
}

int db_container_get_by_cgroup(sqlite3 *db, const char *cgroup, ContainerRow *ret)
{
	return get_one(db, "SELECT " CONTAINER_COLUMNS " FROM containers WHERE cgroup = ?1", cgroup,
		       ret);
}

int db_container_lookup(sqlite3 *db, const char *key, ContainerRow *ret, char ***ret_matches)
{
	/* A name wins over an id prefix, as in Podman. */
	int r = get_one(db, "SELECT " CONTAINER_COLUMNS " FROM containers WHERE name = ?1", key,
			ret);
	if (r != -ENOENT)
		return r;
	if (!id_prefix_is_valid(key))
		return -ENOENT;

	/* Ids are lowercase hex: every id with this prefix sorts in
	 * [key, key + "g"), which the primary key index answers. */
	char upper[80];
	snprintf(upper, sizeof(upper), "%sg", key);
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT " CONTAINER_COLUMNS " FROM containers "
				    "WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 11",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, upper, -1, SQLITE_STATIC);

	ContainerRow first = { 0 };
	_cleanup_strv_free_ char **matches = NULL;
	size_t n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == 0) {
			r = row_from_stmt(st, &first);
			if (r < 0)
				return r;
		}
		if (n < 10 && strv_push(&matches, (const char *)sqlite3_column_text(st, 0)) < 0) {
			container_row_done(&first);
			return -ENOMEM;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		container_row_done(&first);
		return db_errno(db, rc);
	}
	if (n == 0)
		return -ENOENT;
	if (n > 1) {
		container_row_done(&first);
		if (ret_matches)
			*ret_matches = TAKE_PTR(matches);
		return -ENOTUNIQ;
	}
	*ret = first;
	return 0;
}

int db_container_foreach(sqlite3 *db, bool unsettled_only, ContainerRowFn fn, void *userdata)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    unsettled_only
					    ? "SELECT " CONTAINER_COLUMNS " FROM containers "
					      "WHERE state IN ('running', 'paused', 'created', "
					      "'removing') "
					      "ORDER BY rowid"
					    : "SELECT " CONTAINER_COLUMNS " FROM containers "
					      "ORDER BY rowid",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ContainerRow c;
		int r = row_view(st, &c);
		if (r < 0)
			return r;
		r = fn(&c, userdata);
		if (r < 0)
			return r;
	}
	return rc == SQLITE_DONE ? 0 : db_errno(db, rc);
}

int db_container_list(sqlite3 *db, ContainerRow **ret, size_t *ret_n)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT " CONTAINER_COLUMNS " FROM containers "
				    "ORDER BY rowid",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	ContainerRow *rows = NULL;
	size_t n = 0, alloc = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 32;
			ContainerRow *nr = realloc(rows, alloc * sizeof(ContainerRow));
			if (!nr) {
				container_rows_free(rows, n);
				return -ENOMEM;
			}
			rows = nr;
		}
		int r = row_from_stmt(st, &rows[n]);
		if (r < 0) {
			container_rows_free(rows, n);
			return r;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		container_rows_free(rows, n);
		return db_errno(db, rc);
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

int db_userns_bases(sqlite3 *db, int64_t **ret, size_t *ret_n)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		db,
		"SELECT userns_base FROM containers WHERE userns_base IS NOT NULL "
		"ORDER BY userns_base",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	int64_t *v = NULL;
	size_t n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t *nv = realloc(v, (n + 1) * sizeof(int64_t));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		free(v);
		return db_errno(db, rc);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int db_container_list_ids(sqlite3 *db, char ***ret)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT id FROM containers ORDER BY rowid", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	return db_step_strv(db, st, ret);
}

int db_container_has_engines(sqlite3 *db)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM containers WHERE engine IS NOT NULL LIMIT 1",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	rc = sqlite3_step(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : db_errno(db, rc);
}

static int step_changes(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = db_step_write(db, st);
	if (rc != SQLITE_DONE)
		return db_errno(db, rc);
	return sqlite3_changes(db);
}

int db_container_set_running(sqlite3 *db, const char *id, const RunningInfo *info)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		db,
		"UPDATE containers SET state = 'running', pid = ?2, pid_start_time = ?3, "
		"supervisor_pid = ?4, supervisor_start_time = ?5, boot_id = ?6, started_at = ?7, "
		"cgroup = ?8, finished_at = NULL, exit_code = NULL, exit_signal = NULL, "
		"oom_killed = 0, error = NULL, "
		"restart_count = restart_count + (started_at IS NOT NULL) "
		"WHERE id = ?1 AND state IN ('created', 'exited', 'stopped')",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, info->pid);
	sqlite3_bind_int64(st, 3, info->pid_start_time);
	sqlite3_bind_int64(st, 4, info->supervisor_pid);
	sqlite3_bind_int64(st, 5, info->supervisor_start_time);
	db_bind_text_or_null(st, 6, info->boot_id);
	db_bind_text_or_null(st, 7, info->started_at);
	db_bind_text_or_null(st, 8, info->cgroup);
	int r = step_changes(db, st);
	if (r < 0)
		return r;
	return r == 0 ? -ESTALE : 0;
}

int db_container_set_created(sqlite3 *db, const char *id, const RunningInfo *info)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc =
		sqlite3_prepare_v2(db,
				   "UPDATE containers SET pid = ?2, pid_start_time = ?3, "
				   "supervisor_pid = ?4, supervisor_start_time = ?5, boot_id = ?6, "
				   "cgroup = ?7 WHERE id = ?1 AND state = 'created'",
				   -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, info->pid);
	sqlite3_bind_int64(st, 3, info->pid_start_time);
	sqlite3_bind_int64(st, 4, info->supervisor_pid);
	sqlite3_bind_int64(st, 5, info->supervisor_start_time);
	db_bind_text_or_null(st, 6, info->boot_id);
	db_bind_text_or_null(st, 7, info->cgroup);
	int r = step_changes(db, st);
	if (r < 0)
		return r;
	return r == 0 ? -ESTALE : 0;
}

int db_container_set_exited(sqlite3 *db, const char *id, const ExitInfo *info)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		db,
		"UPDATE containers SET state = 'exited', exit_code = ?2, "
		"exit_signal = ?3, oom_killed = ?4, finished_at = ?5, error = ?6, "
		"pid = NULL, pid_start_time = NULL, supervisor_pid = NULL, "
		"supervisor_start_time = NULL, log_dropped = log_dropped + ?7 "
		"WHERE id = ?1 AND state != 'removing'",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (info->has_exit_code)
		sqlite3_bind_int64(st, 2, info->exit_code);
	else
		sqlite3_bind_null(st, 2);
	if (info->exit_signal > 0)
		sqlite3_bind_int64(st, 3, info->exit_signal);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int(st, 4, info->oom_killed);
	db_bind_text_or_null(st, 5, info->finished_at);
	db_bind_text_or_null(st, 6, info->error);
	sqlite3_bind_int64(st, 7, info->log_dropped);
	int r = step_changes(db, st);
	if (r < 0)
		return r;
	return r == 0 ? -ESTALE : 0;
}

int db_container_set_state(sqlite3 *db, const char *id, ContainerState to,
			   const ContainerState *from)
{
	char sql[512] = "UPDATE containers SET state = ?2 WHERE id = ?1";
	if (from) {
		strcat(sql, " AND state IN (");
		for (size_t i = 0; from[i] >= 0; i++) {
			if (i > 0)
				strcat(sql, ", ");
			strcat(sql, "'");
			strcat(sql, container_state_to_string(from[i]));
			strcat(sql, "'");
		}
		strcat(sql, ")");
	}
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, container_state_to_string(to), -1, SQLITE_STATIC);
	int r = step_changes(db, st);
	if (r < 0)
		return r;
	if (r > 0)
		return 0;
	/* Nothing changed: tell "gone" from "in another state". */
	ContainerRow c;
	r = db_container_get(db, id, &c);
	if (r < 0)
		return r;
	container_row_done(&c);
	return -ESTALE;
}

int db_container_delete(sqlite3 *db, const char *id)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "DELETE FROM containers WHERE id = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int r = step_changes(db, st);
	if (r < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int db_container_mark_lost(sqlite3 *db, const char *id, int64_t supervisor_pid,
			   const char *finished_at, const char *error)
{
	/* Only if the row still describes the run whose supervisor was found
	 * dead: a concurrent `start` may already have begun a new one. */
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "UPDATE containers SET state = 'exited', exit_code = NULL, "
				    "exit_signal = NULL, finished_at = ?3, error = ?4, pid = NULL, "
				    "pid_start_time = NULL, supervisor_pid = NULL, "
				    "supervisor_start_time = NULL "
				    "WHERE id = ?1 AND state IN ('running', 'paused') AND "
				    "supervisor_pid IS ?2",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (supervisor_pid > 0)
		sqlite3_bind_int64(st, 2, supervisor_pid);
	else
		sqlite3_bind_null(st, 2);
	db_bind_text_or_null(st, 3, finished_at);
	db_bind_text_or_null(st, 4, error);
	int r = step_changes(db, st);
	if (r < 0)
		return r;
	return r == 0 ? -ESTALE : 0;
}

int db_container_claim_start(sqlite3 *db, const char *id)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "UPDATE containers SET state = 'created', error = NULL "
				    "WHERE id = ?1 AND state IN ('exited', 'stopped')",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int r = step_changes(db, st);
	if (r < 0)
		return r;
	return r == 0 ? -ESTALE : 0;
}

int db_container_mark_unstarted(sqlite3 *db, const char *id, const char *finished_at,
				const char *error)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		db,
		"UPDATE containers SET state = 'exited', exit_code = NULL, "
		"exit_signal = NULL, oom_killed = 0, finished_at = ?2, error = ?3, "
		"pid = NULL, pid_start_time = NULL, supervisor_pid = NULL, "
		"supervisor_start_time = NULL "
		"WHERE id = ?1 AND state = 'created'",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	db_bind_text_or_null(st, 2, finished_at);
	db_bind_text_or_null(st, 3, error);
	int r = step_changes(db, st);
	if (r < 0)
		return r;
	return r == 0 ? -ESTALE : 0;
}
