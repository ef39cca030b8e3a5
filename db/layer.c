/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Layers shared between OCI images, and the images made of them. */

#include <string.h>

#include "db-internal.h"
#include "util.h"

void layer_row_done(LayerRow *l)
{
	free(l->digest);
	free(l->created_at);
	*l = (LayerRow){ 0 };
}

void layer_rows_free(LayerRow *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		layer_row_done(&rows[i]);
	free(rows);
}

static int insert_layers(sqlite3 *db, const char *image_id, const LayerRow *layers, size_t n)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *add = NULL, *use = NULL;
	/* OR IGNORE: another image may have recorded the same layer first;
	 * its folder is the same, by digest. */
	int rc = sqlite3_prepare_v2(db,
				    "INSERT OR IGNORE INTO layers (digest, size, created_at) "
				    "VALUES (?1, ?2, ?3)",
				    -1, &add, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db,
					"INSERT INTO image_layers (image_id, position, digest) "
					"VALUES (?1, ?2, ?3)",
					-1, &use, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(add);
		sqlite3_bind_text(add, 1, layers[i].digest, -1, SQLITE_STATIC);
		sqlite3_bind_int64(add, 2, layers[i].size);
		sqlite3_bind_text(add, 3, layers[i].created_at, -1, SQLITE_STATIC);
		rc = sqlite3_step(add);
		if (rc != SQLITE_DONE)
			return db_errno(db, rc);
		sqlite3_reset(use);
		sqlite3_bind_text(use, 1, image_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(use, 2, (sqlite3_int64)i);
		sqlite3_bind_text(use, 3, layers[i].digest, -1, SQLITE_STATIC);
		rc = sqlite3_step(use);
		if (rc != SQLITE_DONE)
			return db_errno(db, rc);
	}
	return 0;
}

int db_image_insert_layered(sqlite3 *db, const ImageRow *i, const LayerRow *layers, size_t n)
{
	int r = db_begin(db);
	if (r < 0)
		return r;
	r = db_image_insert(db, i);
	if (r >= 0)
		r = insert_layers(db, i->id, layers, n);
	if (r < 0) {
		db_rollback(db);
		return r;
	}
	return db_commit(db);
}

int db_image_get_layers(sqlite3 *db, const char *image_id, LayerRow **ret, size_t *ret_n)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT l.digest, l.size, l.created_at FROM image_layers il "
				    "JOIN layers l ON l.digest = il.digest "
				    "WHERE il.image_id = ?1 ORDER BY il.position",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, image_id, -1, SQLITE_STATIC);
	LayerRow *rows = NULL;
	size_t n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		LayerRow *nr = realloc(rows, (n + 1) * sizeof(LayerRow));
		if (!nr) {
			layer_rows_free(rows, n);
			return -ENOMEM;
		}
		rows = nr;
		rows[n] = (LayerRow){
			.digest = db_column_strdup(st, 0),
			.size = sqlite3_column_int64(st, 1),
			.created_at = db_column_strdup(st, 2),
		};
		if (!rows[n].digest || !rows[n].created_at) {
			layer_rows_free(rows, n + 1);
			return -ENOMEM;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		layer_rows_free(rows, n);
		return db_errno(db, rc);
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

int db_layer_get(sqlite3 *db, const char *digest, LayerRow *ret)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT digest, size, created_at FROM layers WHERE digest = ?1",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return db_errno(db, rc);
	*ret = (LayerRow){
		.digest = db_column_strdup(st, 0),
		.size = sqlite3_column_int64(st, 1),
		.created_at = db_column_strdup(st, 2),
	};
	if (!ret->digest || !ret->created_at) {
		layer_row_done(ret);
		return -ENOMEM;
	}
	return 0;
}

int db_layer_list_digests(sqlite3 *db, char ***ret)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT digest FROM layers", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	return db_step_strv(db, st, ret);
}
