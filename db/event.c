/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>

#include "cleanup.h"
#include "db-internal.h"

void event_row_done(EventRow *e)
{
	free(e->time);
	free(e->container_id);
	free(e->container_name);
	free(e->comm);
	free(e->path);
	free(e->details);
	*e = (EventRow){ 0 };
}

int db_event_insert_many(sqlite3 *db, const EventRow *rows, size_t n)
{
	if (n == 0)
		return 0;
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		db,
		"INSERT INTO events (time, type, action, container_id, "
		"container_name, cgroup_id, pid, tid, ppid, comm, path, details) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	int r = db_begin(db);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const EventRow *e = &rows[i];
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, e->time, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, e->type, -1, SQLITE_STATIC);
		db_bind_text_or_null(st, 3, e->action);
		db_bind_text_or_null(st, 4, e->container_id);
		db_bind_text_or_null(st, 5, e->container_name);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)e->cgroup_id);
		sqlite3_bind_int64(st, 7, e->pid);
		sqlite3_bind_int64(st, 8, e->tid);
		if (e->ppid > 0)
			sqlite3_bind_int64(st, 9, e->ppid);
		else
			sqlite3_bind_null(st, 9);
		sqlite3_bind_text(st, 10, e->comm ? e->comm : "", -1, SQLITE_STATIC);
		db_bind_text_or_null(st, 11, e->path);
		sqlite3_bind_text(st, 12, e->details ? e->details : "{}", -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc != SQLITE_DONE) {
			r = db_errno(db, rc);
			db_rollback(db);
			return r;
		}
	}
	return db_commit(db);
}
