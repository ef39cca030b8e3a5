/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sqlite3.h>

#include "db.h"

static inline void sqlite3_finalizep(sqlite3_stmt **st)
{
	if (*st)
		sqlite3_finalize(*st);
}

/* Maps an SQLite result code to a negative errno (0 for OK/ROW/DONE). */
int db_errno(sqlite3 *db, int rc);
int db_exec(sqlite3 *db, const char *sql);
/* sqlite3_step() of a write: when the disk is full, gives back the DB's
 * reserve and tries once more. */
int db_step_write(sqlite3 *db, sqlite3_stmt *st);
int db_begin(sqlite3 *db);
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);
char *db_column_strdup(sqlite3_stmt *st, int col);
/* Steps st to the end and returns column 0 of every row as a string list
 * (never NULL on success; grown by doubling: strv_push() measures the list
 * on every call, which made 10,000 ids cost 30 ms). */
int db_step_strv(sqlite3 *db, sqlite3_stmt *st, char ***ret);
int db_bind_text_or_null(sqlite3_stmt *st, int idx, const char *s);
/* relative-paths.c: migration 8, the paths under the root made relative
 * to it; run again on rows salvaged from an older DB. */
int db_make_paths_relative(sqlite3 *db);
