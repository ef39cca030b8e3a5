/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "db-internal.h"
#include "util.h"

void image_row_done(ImageRow *i)
{
	free(i->id);
	free(i->name);
	free(i->layers);
	free(i->source);
	free(i->created_at);
	free(i->config);
	free(i->digest);
	free(i->manifest);
	free(i->image_config);
	*i = (ImageRow){ 0 };
}

void image_rows_free(ImageRow *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		image_row_done(&rows[i]);
	free(rows);
}

#define IMAGE_COLUMNS \
	"id, name, layers, source, size, created_at, config, digest, manifest, image_config"

static int row_from_stmt(sqlite3_stmt *st, ImageRow *i)
{
	*i = (ImageRow){
		.id = db_column_strdup(st, 0),
		.name = db_column_strdup(st, 1),
		.layers = db_column_strdup(st, 2),
		.source = db_column_strdup(st, 3),
		.size = sqlite3_column_int64(st, 4),
		.created_at = db_column_strdup(st, 5),
		.config = db_column_strdup(st, 6),
		.digest = db_column_strdup(st, 7),
		.manifest = db_column_strdup(st, 8),
		.image_config = db_column_strdup(st, 9),
	};
	if (!i->id || !i->name || !i->layers || !i->source || !i->created_at) {
		image_row_done(i);
		return -ENOMEM;
	}
	return 0;
}

int db_image_insert(sqlite3 *db, const ImageRow *i)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "INSERT INTO images (" IMAGE_COLUMNS ") "
				    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, i->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, i->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, i->layers, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, i->source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, i->size);
	sqlite3_bind_text(st, 6, i->created_at, -1, SQLITE_STATIC);
	db_bind_text_or_null(st, 7, i->config);
	db_bind_text_or_null(st, 8, i->digest);
	db_bind_text_or_null(st, 9, i->manifest);
	db_bind_text_or_null(st, 10, i->image_config);
	rc = sqlite3_step(st);
	return rc == SQLITE_DONE ? 0 : db_errno(db, rc);
}

/* The one image row sql (with ?1 bound to arg) finds; -ENOENT if none. */
static int get_one(sqlite3 *db, const char *sql, const char *arg, ImageRow *ret)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return db_errno(db, rc);
	return row_from_stmt(st, ret);
}

int db_image_get_by_name(sqlite3 *db, const char *name, ImageRow *ret)
{
	return get_one(db,
		       "SELECT " IMAGE_COLUMNS " FROM images WHERE name = ?1 "
		       "UNION ALL SELECT " IMAGE_COLUMNS " FROM images WHERE id = "
		       "(SELECT image_id FROM image_names WHERE name = ?1)",
		       name, ret);
}

int db_image_list(sqlite3 *db, ImageRow **ret, size_t *ret_n)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT " IMAGE_COLUMNS " FROM images ORDER BY name", -1,
				    &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	ImageRow *rows = NULL;
	size_t n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ImageRow *nr = realloc(rows, (n + 1) * sizeof(ImageRow));
		if (!nr) {
			image_rows_free(rows, n);
			return -ENOMEM;
		}
		rows = nr;
		int r = row_from_stmt(st, &rows[n]);
		if (r < 0) {
			image_rows_free(rows, n);
			return r;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		image_rows_free(rows, n);
		return db_errno(db, rc);
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

static int exec_bound(sqlite3 *db, const char *sql, const char *arg)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	return rc == SQLITE_DONE ? 0 : db_errno(db, rc);
}

static int exec_bound2(sqlite3 *db, const char *sql, const char *a, const char *b)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	return rc == SQLITE_DONE ? 0 : db_errno(db, rc);
}

int db_image_delete(sqlite3 *db, const char *name)
{
	int r = db_begin(db);
	if (r < 0)
		return r;
	r = exec_bound(db,
		       "DELETE FROM image_layers WHERE image_id IN "
		       "(SELECT id FROM images WHERE name = ?1)",
		       name);
	if (r >= 0)
		r = exec_bound(db, "DELETE FROM images WHERE name = ?1", name);
	if (r >= 0 && sqlite3_changes(db) == 0)
		r = -ENOENT;
	/* Reference counts are computed, never stored: a layer no image_layers
	 * row names is unused. */
	if (r >= 0)
		r = exec_bound(db,
			       "DELETE FROM layers WHERE digest NOT IN "
			       "(SELECT digest FROM image_layers)",
			       NULL);
	if (r < 0) {
		db_rollback(db);
		return r;
	}
	return db_commit(db);
}

int db_image_count_users(sqlite3 *db, const char *name)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM containers WHERE image = ?1", -1, &st,
				    NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		return db_errno(db, rc);
	return sqlite3_column_int(st, 0);
}

int db_image_get_by_digest(sqlite3 *db, const char *digest, ImageRow *ret)
{
	return get_one(db,
		       "SELECT " IMAGE_COLUMNS " FROM images WHERE digest = ?1 "
		       "ORDER BY created_at DESC LIMIT 1",
		       digest, ret);
}

int db_image_add_name(sqlite3 *db, const char *image_id, const char *name)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "INSERT INTO image_names (name, image_id) VALUES (?1, ?2)",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, image_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	return rc == SQLITE_DONE ? 0 : db_errno(db, rc);
}

int db_image_remove_name(sqlite3 *db, const char *name)
{
	int r = exec_bound(db, "DELETE FROM image_names WHERE name = ?1", name);
	if (r >= 0 && sqlite3_changes(db) == 0)
		r = -ENOENT;
	return r;
}

int db_image_names(sqlite3 *db, const char *image_id, char ***ret)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		db, "SELECT name FROM image_names WHERE image_id = ?1 ORDER BY rowid", -1, &st,
		NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, image_id, -1, SQLITE_STATIC);
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r = strv_push(&l, (const char *)sqlite3_column_text(st, 0));
		if (r < 0)
			return r;
	}
	if (rc != SQLITE_DONE)
		return db_errno(db, rc);
	*ret = TAKE_PTR(l);
	return 0;
}

int db_image_rename(sqlite3 *db, const char *old_name, const char *new_name)
{
	int r = db_begin(db);
	if (r < 0)
		return r;
	r = exec_bound2(db, "UPDATE images SET name = ?2 WHERE name = ?1", old_name, new_name);
	if (r >= 0 && sqlite3_changes(db) == 0)
		r = -ENOENT;
	if (r >= 0)
		r = exec_bound2(db, "UPDATE containers SET image = ?2 WHERE image = ?1", old_name,
				new_name);
	if (r < 0) {
		db_rollback(db);
		return r;
	}
	return db_commit(db);
}

int db_image_untag(sqlite3 *db, const char *name)
{
	int r = db_begin(db);
	if (r < 0)
		return r;
	r = exec_bound(db, "DELETE FROM image_names WHERE name = ?1", name);
	if (r >= 0 && sqlite3_changes(db) > 0)
		return db_commit(db) < 0 ? -EIO : 1;
	/* images.name: the image's next name takes its place. */
	_cleanup_free_ char *next = NULL;
	if (r >= 0) {
		_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(db,
					    "SELECT n.name FROM image_names n JOIN images i ON "
					    "i.id = n.image_id WHERE i.name = ?1 ORDER BY n.rowid "
					    "LIMIT 1",
					    -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW)
				next = db_column_strdup(st, 0);
			else if (rc != SQLITE_DONE)
				r = db_errno(db, rc);
		} else
			r = db_errno(db, rc);
	}
	if (r >= 0 && next) {
		r = exec_bound(db, "DELETE FROM image_names WHERE name = ?1", next);
		if (r >= 0)
			r = exec_bound2(db, "UPDATE images SET name = ?2 WHERE name = ?1", name,
					next);
		if (r >= 0)
			r = exec_bound2(db, "UPDATE containers SET image = ?2 WHERE image = ?1",
					name, next);
	}
	if (r < 0 || !next) {
		db_rollback(db);
		return r < 0 ? r : 0;
	}
	r = db_commit(db);
	return r < 0 ? r : 1;
}
