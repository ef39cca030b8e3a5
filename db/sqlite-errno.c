/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* SQLite's result codes turned into a negative errno, in one place; below
 * every other file of db/, which all use it. */

#include <errno.h>

#include "db-internal.h"
#include "log.h"

const char *db_errmsg(sqlite3 *db)
{
	return db ? sqlite3_errmsg(db) : "no database";
}

int db_errno(sqlite3 *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	default:
		log_debug("sqlite: %s", db_errmsg(db));
		return -EIO;
	}
}
