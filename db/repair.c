/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* What `berth system check --repair` asks of the DB: indexes built again,
 * and the rows that can still be read out of a damaged DB copied into a
 * new one. SQLite reads a damaged table up to its first bad page and fails
 * there, so a table that fails whole is read again a row at a time, which
 * gets past the bad pages to the good rows behind them. */

#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "db-internal.h"
#include "util.h"

int db_reindex(sqlite3 *db)
{
	return db_exec(db, "REINDEX");
}

/* Tables in the order their references need. */
static const char *const salvage_tables[] = {
	"layers",   "images",     "image_layers",       "image_names",
	"networks", "containers", "container_networks", "container_ports",
	"events",
};

/* The columns of table in both schemas, comma-separated: a damaged DB may
 * be of an older schema version than the new one. */
static int common_columns(sqlite3 *db, const char *table, char **ret)
{
	_cleanup_free_ char *sql = NULL;
	if (asprintf(
		    &sql,
		    "SELECT group_concat('\"' || o.name || '\"', ', ') FROM "
		    "pragma_table_info('%s', 'old') AS o JOIN pragma_table_info('%s', 'main') AS m "
		    "ON o.name = m.name",
		    table, table) < 0)
		return -ENOMEM;
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		return db_errno(db, rc);
	if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		return -ENOENT;
	*ret = db_column_strdup(st, 0);
	return *ret ? 0 : -ENOMEM;
}

static int64_t count_rows(sqlite3 *db, const char *schema, const char *table)
{
	_cleanup_free_ char *sql = NULL;
	if (asprintf(&sql, "SELECT count(*) FROM %s.%s", schema, table) < 0)
		return -ENOMEM;
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		return -EBADMSG;
	return sqlite3_column_int64(st, 0);
}

/* Row by row, by rowid, up to the highest one the table's b-tree still
 * tells; rows on bad pages are skipped. */
static void copy_rows_one_by_one(sqlite3 *db, const char *table, const char *cols)
{
	_cleanup_free_ char *max_sql = NULL, *copy_sql = NULL;
	if (asprintf(&max_sql, "SELECT max(rowid) FROM old.%s", table) < 0 ||
	    asprintf(&copy_sql,
		     "INSERT OR IGNORE INTO main.%s (%s) SELECT %s FROM old.%s WHERE rowid = ?1",
		     table, cols, cols, table) < 0)
		return;
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL, *copy = NULL;
	int64_t max = 0;
	if (sqlite3_prepare_v2(db, max_sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		max = sqlite3_column_int64(st, 0);
	/* Where the b-tree cannot tell (its root page is bad), a rowid far
	 * above what berth makes in practice. */
	if (max <= 0)
		max = 100000;
	if (sqlite3_prepare_v2(db, copy_sql, -1, &copy, NULL) != SQLITE_OK)
		return;
	for (int64_t id = 1; id <= max; id++) {
		sqlite3_reset(copy);
		sqlite3_bind_int64(copy, 1, id);
		(void)sqlite3_step(copy);
	}
}

int db_salvage(sqlite3 *db, const char *from, DbSalvage *ret)
{
	*ret = (DbSalvage){ 0 };
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *attach = NULL;
	int rc = sqlite3_prepare_v2(db, "ATTACH ?1 AS old", -1, &attach, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(attach, 1, from, -1, SQLITE_STATIC);
	rc = sqlite3_step(attach);
	if (rc != SQLITE_DONE)
		return db_errno(db, rc);
	int r = db_begin(db);
	if (r < 0)
		goto detach;
	for (size_t i = 0; i < ELEMENTSOF(salvage_tables); i++) {
		const char *t = salvage_tables[i];
		_cleanup_free_ char *cols = NULL, *sql = NULL;
		if (common_columns(db, t, &cols) < 0)
			continue; /* not in the old DB, or its schema is unreadable */
		if (asprintf(&sql, "INSERT OR IGNORE INTO main.%s (%s) SELECT %s FROM old.%s", t,
			     cols, cols, t) < 0) {
			r = -ENOMEM;
			break;
		}
		if (db_exec(db, "SAVEPOINT copy") < 0)
			continue;
		if (db_exec(db, sql) < 0) {
			(void)db_exec(db, "ROLLBACK TO copy");
			copy_rows_one_by_one(db, t, cols);
		}
		(void)db_exec(db, "RELEASE copy");
		int64_t n = count_rows(db, "main", t);
		if (streq(t, "containers"))
			ret->containers = n > 0 ? n : 0;
		else if (streq(t, "images"))
			ret->images = n > 0 ? n : 0;
	}
	/* A damaged DB of an older schema holds absolute paths. */
	if (r >= 0)
		r = db_make_paths_relative(db);
	if (r >= 0)
		r = db_commit(db);
	else
		db_rollback(db);
detach:
	(void)db_exec(db, "DETACH old");
	return r;
}

int db_container_insert_recovered(sqlite3 *db, const ContainerRow *c)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		db,
		"INSERT INTO containers (id, name, image, command, state, created_at, started_at, "
		"finished_at, pid, pid_start_time, supervisor_pid, supervisor_start_time, boot_id, "
		"error, cgroup, rootfs, bundle, auto_remove, engine) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
		"?19)",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->image, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->command, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, container_state_to_string(c->state), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->created_at, -1, SQLITE_STATIC);
	db_bind_text_or_null(st, 7, c->started_at);
	db_bind_text_or_null(st, 8, c->finished_at);
	const int64_t ints[] = { c->pid, c->pid_start_time, c->supervisor_pid,
				 c->supervisor_start_time };
	for (int i = 0; i < 4; i++)
		if (ints[i] > 0)
			sqlite3_bind_int64(st, 9 + i, ints[i]);
		else
			sqlite3_bind_null(st, 9 + i);
	db_bind_text_or_null(st, 13, c->boot_id);
	db_bind_text_or_null(st, 14, c->error);
	db_bind_text_or_null(st, 15, c->cgroup);
	sqlite3_bind_text(st, 16, c->rootfs, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, c->bundle, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 18, c->auto_remove);
	db_bind_text_or_null(st, 19, c->engine);
	rc = db_step_write(db, st);
	return rc == SQLITE_DONE ? 0 : db_errno(db, rc);
}
