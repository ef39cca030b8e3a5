/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Migration 8: the paths the DB holds of files under the root made
 * relative to it (images.layers, containers.rootfs, containers.bundle).
 * Until then berth stored them absolute, so a root that was moved or
 * restored from a backup kept using the original's files, or failed when
 * they were gone.
 *
 * The root a path was recorded under is not asked for, nor taken to be
 * where the DB is now: the root may have moved before this migration runs
 * (an old berth's root, moved, then opened by this berth). Instead berth's
 * own part of each path is recognised by its shape, at the end of the
 * path:
 *
 *   .../images/<64 hex>/rootfs      a one-folder image
 *   .../layers/<64 hex>[/...]       a layer of an OCI image
 *   .../containers/<64 hex>[/...]   a container's folder
 *
 * and kept only when it names what this DB records (an image id in
 * `images`, a layer in `layers`, the container's own id), so that a path
 * of another root that merely looks alike (e.g. `--layers` of another
 * root's layer) stays as it was. What precedes it, the old root, is
 * dropped. A path that matches no pattern is left as it is: a rootfs
 * folder given as the image, a `--layers` folder, anything already
 * relative. Running it again changes nothing. */

#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "db-internal.h"
#include "util.h"

#define HEX_LEN 64

typedef enum {
	STORE_IMAGE,
	STORE_LAYER,
	STORE_CONTAINER,
} StoreKind;

static bool is_hex64(const char *s)
{
	for (size_t i = 0; i < HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Whether s, just after a '/', starts berth's part of a path. */
static bool store_part(const char *s, StoreKind *ret_kind, const char **ret_hex)
{
	static const struct {
		const char *dir;
		StoreKind kind;
	} dirs[] = {
		{ "images/", STORE_IMAGE },
		{ "layers/", STORE_LAYER },
		{ "containers/", STORE_CONTAINER },
	};
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		if (!startswith(s, dirs[i].dir))
			continue;
		const char *hex = s + strlen(dirs[i].dir);
		if (strnlen(hex, HEX_LEN) < HEX_LEN || !is_hex64(hex))
			return false;
		const char *after = hex + HEX_LEN;
		bool ok = dirs[i].kind == STORE_IMAGE ? streq(after, "/rootfs")
						      : *after == 0 || *after == '/';
		if (ok) {
			*ret_kind = dirs[i].kind;
			*ret_hex = hex;
		}
		return ok;
	}
	return false;
}

typedef struct {
	sqlite3 *db;
	sqlite3_stmt *image_known, *layer_known;
} Ctx;

static int known(Ctx *c, sqlite3_stmt *st, const char *hex)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, hex, HEX_LEN, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : db_errno(c->db, rc);
}

/* path in the form the DB keeps from now on. owner: the id of the
 * container whose path it is, or NULL. */
static int relative(Ctx *c, const char *path, const char *owner, char **ret)
{
	if (path[0] == '/')
		/* The last match: berth's part is at the end, after a root
		 * whose own path may look like anything. */
		for (const char *p = path + strlen(path); p > path; p--) {
			StoreKind kind;
			const char *hex;
			if (p[-1] != '/' || !store_part(p, &kind, &hex))
				continue;
			int r = kind == STORE_IMAGE   ? known(c, c->image_known, hex)
				: kind == STORE_LAYER ? known(c, c->layer_known, hex)
						      : owner && strncmp(hex, owner, HEX_LEN) == 0;
			if (r < 0)
				return r;
			if (r > 0) {
				*ret = strdup(p);
				return *ret ? 1 : -ENOMEM;
			}
			break;
		}
	*ret = strdup(path);
	return *ret ? 0 : -ENOMEM;
}

/* The same for each member of a ':'-separated list (containers.rootfs). */
static int relative_list(Ctx *c, const char *list, const char *owner, char **ret)
{
	_cleanup_strv_free_ char **out = NULL;
	int changed = 0;
	for (const char *p = list; *p;) {
		const char *end = strchrnul(p, ':');
		_cleanup_free_ char *member = strndup(p, (size_t)(end - p)), *m = NULL;
		if (!member)
			return -ENOMEM;
		int r = relative(c, member, owner, &m);
		if (r < 0)
			return r;
		changed |= r;
		if (strv_push(&out, m) < 0)
			return -ENOMEM;
		p = *end ? end + 1 : end;
	}
	*ret = out ? strv_join(out, ":") : strdup("");
	return *ret ? changed : -ENOMEM;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret)
{
	return db_errno(db, sqlite3_prepare_v2(db, sql, -1, ret, NULL));
}

static int containers_relative(Ctx *c)
{
	/* Read first, then write: no update under a running SELECT. */
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *sel = NULL, *upd = NULL;
	int r = prepare(c->db, "SELECT id, rootfs, bundle FROM containers", &sel);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **ids = NULL, **rootfs = NULL, **bundles = NULL;
	int rc;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(sel, 0);
		const char *fs = (const char *)sqlite3_column_text(sel, 1);
		const char *b = (const char *)sqlite3_column_text(sel, 2);
		if (!id || !fs || !b)
			continue;
		_cleanup_free_ char *new_fs = NULL, *new_b = NULL;
		int fs_changed = relative_list(c, fs, id, &new_fs);
		if (fs_changed < 0)
			return fs_changed;
		int b_changed = relative(c, b, id, &new_b);
		if (b_changed < 0)
			return b_changed;
		if (!fs_changed && !b_changed)
			continue;
		if (strv_push(&ids, id) < 0 || strv_push(&rootfs, new_fs) < 0 ||
		    strv_push(&bundles, new_b) < 0)
			return -ENOMEM;
	}
	if (rc != SQLITE_DONE)
		return db_errno(c->db, rc);
	r = prepare(c->db, "UPDATE containers SET rootfs = ?2, bundle = ?3 WHERE id = ?1", &upd);
	for (size_t i = 0; r >= 0 && ids && ids[i]; i++) {
		sqlite3_reset(upd);
		sqlite3_bind_text(upd, 1, ids[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(upd, 2, rootfs[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(upd, 3, bundles[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(upd);
		r = rc == SQLITE_DONE ? 0 : db_errno(c->db, rc);
	}
	return r;
}

static int images_relative(Ctx *c)
{
	/* images.layers is a JSON array: each member is read with json_each
	 * and written back in place with json_set. A value that is no JSON
	 * (damaged) is left for `image rm` to deal with. */
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *sel = NULL, *upd = NULL;
	int r = prepare(
		c->db,
		"SELECT i.id, j.key, j.value FROM images AS i, "
		"json_each(CASE WHEN json_valid(i.layers) THEN i.layers ELSE '[]' END) AS j "
		"WHERE json_type(i.layers) = 'array' AND j.type = 'text'",
		&sel);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **ids = NULL, **paths = NULL;
	_cleanup_free_ int64_t *keys = NULL;
	size_t n = 0;
	int rc;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(sel, 0);
		const char *path = (const char *)sqlite3_column_text(sel, 2);
		if (!id || !path)
			continue;
		_cleanup_free_ char *rel = NULL;
		r = relative(c, path, NULL, &rel);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		int64_t *k = reallocarray(keys, n + 1, sizeof(int64_t));
		if (!k)
			return -ENOMEM;
		keys = k;
		keys[n++] = sqlite3_column_int64(sel, 1);
		if (strv_push(&ids, id) < 0 || strv_push(&paths, rel) < 0)
			return -ENOMEM;
	}
	if (rc != SQLITE_DONE)
		return db_errno(c->db, rc);
	r = prepare(
		c->db,
		"UPDATE images SET layers = json_set(layers, '$[' || ?2 || ']', ?3) WHERE id = ?1",
		&upd);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		sqlite3_reset(upd);
		sqlite3_bind_text(upd, 1, ids[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 2, keys[i]);
		sqlite3_bind_text(upd, 3, paths[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(upd);
		r = rc == SQLITE_DONE ? 0 : db_errno(c->db, rc);
	}
	return r;
}

int db_make_paths_relative(sqlite3 *db)
{
	Ctx c = { .db = db };
	int r = prepare(db, "SELECT 1 FROM images WHERE id = ?1", &c.image_known);
	if (r >= 0)
		r = prepare(db, "SELECT 1 FROM layers WHERE digest = 'sha256:' || ?1",
			    &c.layer_known);
	if (r >= 0)
		r = images_relative(&c);
	if (r >= 0)
		r = containers_relative(&c);
	sqlite3_finalizep(&c.image_known);
	sqlite3_finalizep(&c.layer_known);
	return r;
}
