/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The image store: images are rows in the DB and folders, named by image
 * id under <state>/images/ or by layer digest under <state>/layers/. Every
 * folder is made under a temporary name, renamed into place when complete,
 * and only then recorded, so a half-made image can never be used. */

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "images.h"
#include "log.h"
#include "parse.h"
#include "printable.h"
#include "sha256.h"
#include "util.h"

/* images.layers, made absolute (paths.h). */
int image_layers_from_json(Cli *cli, const char *json, char ***ret)
{
	json_t *a = json_loads(json, 0, NULL);
	_cleanup_strv_free_ char **l = NULL;
	int r = a && json_is_array(a) && json_array_size(a) > 0 ? strv_from_json(a, &l) : -EBADMSG;
	json_decref(a);
	for (size_t i = 0; r >= 0 && l[i]; i++) {
		char *abs = path_from_state(&cli->paths, l[i]);
		if (!abs)
			return -ENOMEM;
		free(l[i]);
		l[i] = abs;
	}
	if (r >= 0)
		*ret = TAKE_PTR(l);
	return r;
}

json_t *image_layer_paths(Cli *cli, const char *layers_json)
{
	_cleanup_strv_free_ char **l = NULL;
	if (image_layers_from_json(cli, layers_json, &l) < 0)
		return NULL;
	json_t *a = json_array();
	for (size_t i = 0; a && l[i]; i++)
		if (json_array_append_new(a, json_string(l[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* ---- the store ---- */

/* Removes what no DB row names in one store folder. keep: the names
 * (ids or layer hex digests) that rows name. */
static void sweep_dir(const char *dir, char *const *keep)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d)
		return;
	TAKE_FD(fd);
	struct dirent *de;
	while ((de = readdir(d))) {
		bool tmp = startswith(de->d_name, ".tmp-");
		if (!tmp && (!id_is_valid(de->d_name) || strv_contains(keep, de->d_name)))
			continue;
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			break;
		int r = rm_rf(p);
		if (r < 0)
			log_warning_errno(r, "remove leftover `%s`: %m", p);
		else
			log_debug("removed leftover %s", p);
	}
	closedir(d);
}

/* Needs the store lock held exclusively. */
static void sweep_locked(Cli *cli)
{
	sqlite3 *db;
	if (cli_db(cli, &db) < 0)
		return;
	ImageRow *rows = NULL;
	size_t n = 0;
	_cleanup_strv_free_ char **ids = NULL, **layers = NULL;
	if (db_image_list(db, &rows, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (strv_push(&ids, rows[i].id) < 0) {
			image_rows_free(rows, n);
			return;
		}
	image_rows_free(rows, n);
	if (db_layer_list_digests(db, &layers) < 0)
		return;
	for (size_t i = 0; layers[i]; i++) {
		const char *hex = digest_hex(layers[i]);
		if (hex)
			memmove(layers[i], hex, strlen(hex) + 1);
	}
	_cleanup_free_ char *images = path_images_dir(&cli->paths);
	_cleanup_free_ char *layer_dir = path_layers_dir(&cli->paths);
	if (!images || !layer_dir)
		return;
	sweep_dir(images, ids);
	sweep_dir(layer_dir, layers);
}

static int open_store_lock(Cli *cli, int *ret_fd)
{
	sqlite3 *db;
	int r = cli_db(cli, &db); /* also creates the store's folders */
	if (r < 0)
		return r;
	_cleanup_free_ char *images = path_images_dir(&cli->paths), *path = NULL;
	if (!images || asprintf(&path, "%s/.lock", images) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return log_error_errno(-errno, "open `%s`: %m", path);
	*ret_fd = fd;
	return 0;
}

int image_store_lock(Cli *cli, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	int r = open_store_lock(cli, &fd);
	if (r < 0)
		return r;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		sweep_locked(cli);
	/* From exclusive (or nothing) to shared: other imports may run
	 * alongside, removals wait for us. */
	if (flock(fd, LOCK_SH) < 0)
		return log_error_errno(-errno, "lock the image store: %m");
	*ret_fd = TAKE_FD(fd);
	return 0;
}

void image_store_sweep_if_idle(Cli *cli)
{
	_cleanup_close_ int fd = -EBADF;
	if (open_store_lock(cli, &fd) < 0)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		sweep_locked(cli);
	else
		log_debug("an import is running: unused layers are removed by the next one");
}

int image_store_mktemp(const char *dir, char **ret)
{
	char *t;
	if (asprintf(&t, "%s/.tmp-XXXXXX", dir) < 0)
		return -ENOMEM;
	if (!mkdtemp(t)) {
		int r = -errno;
		free(t);
		return r;
	}
	*ret = t;
	return 0;
}

typedef struct {
	ino_t ino;
	dev_t dev;
	uint64_t bytes;
} LinkedInode;

static int cmp_inode(const void *a, const void *b)
{
	const LinkedInode *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

typedef struct {
	uint64_t total;
	LinkedInode *linked;
	size_t n_linked, alloc_linked;
} UsageWalk;

/* Takes dirfd. Holds an fd for each level it is in: a tree deeper than
 * the fds left fails with -EMFILE rather than being counted in part. Only
 * an entry removed meanwhile is passed over. */
static int usage_walk(int dirfd, UsageWalk *w, unsigned depth)
{
	if (depth > 4096) {
		close(dirfd);
		return -ELOOP;
	}
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return -errno;
	}
	int r = 0;
	struct dirent *de;
	while (r >= 0 && (de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				r = -errno;
			continue;
		}
		uint64_t bytes = (uint64_t)st.st_blocks * 512;
		if (S_ISDIR(st.st_mode)) {
			w->total += bytes;
			int sub = openat(dirfd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				r = usage_walk(sub, w, depth + 1);
			else if (errno != ENOENT)
				r = -errno;
		} else if (st.st_nlink > 1) {
			if (w->n_linked == w->alloc_linked) {
				size_t na = w->alloc_linked ? w->alloc_linked * 2 : 256;
				LinkedInode *n = realloc(w->linked, na * sizeof(*n));
				if (!n) {
					r = -ENOMEM;
					break;
				}
				w->linked = n;
				w->alloc_linked = na;
			}
			w->linked[w->n_linked++] = (LinkedInode){ st.st_ino, st.st_dev, bytes };
		} else
			w->total += bytes;
	}
	closedir(d);
	return r;
}

int disk_usage(const char *path, uint64_t *ret)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	UsageWalk w = { .total = (uint64_t)st.st_blocks * 512 };
	int r = usage_walk(fd, &w, 0);
	if (r >= 0) {
		if (w.n_linked > 0)
			qsort(w.linked, w.n_linked, sizeof(LinkedInode), cmp_inode);
		for (size_t i = 0; i < w.n_linked; i++)
			if (i == 0 || cmp_inode(&w.linked[i - 1], &w.linked[i]) != 0)
				w.total += w.linked[i].bytes;
		*ret = w.total;
	}
	free(w.linked);
	return r;
}

int image_check_new_name(Cli *cli, const char *name)
{
	if (!image_name_is_valid(name) || name[0] == '.' || name[0] == '/') {
		/* Shown as one line, whatever the user typed. */
		char shown[256];
		return log_error_errno(-EINVAL, "invalid image name `%s`",
				       printable_text(shown, sizeof(shown), name, strlen(name)));
	}
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	ImageRow existing;
	r = db_image_get_by_name(db, name, &existing);
	if (r >= 0) {
		image_row_done(&existing);
		return log_error_errno(-EEXIST,
				       "image `%s` already exists (remove it first with "
				       "`berth image rm %s`)",
				       name, name);
	}
	if (r != -ENOENT)
		return log_error_errno(r, "look up image `%s`: %m", name);
	return 0;
}

int image_create_flat(Cli *cli, const FlatImage *f)
{
	int r = image_check_new_name(cli, f->name);
	if (r < 0)
		return r;
	_cleanup_close_ int lock = -EBADF;
	r = image_store_lock(cli, &lock);
	if (r < 0)
		return r;
	sqlite3 *db;
	if ((r = cli_db(cli, &db)) < 0)
		return r;

	char id[65];
	r = random_hex(id, 64);
	if (r < 0)
		return log_error_errno(r, "random: %m");
	_cleanup_free_ char *images = path_images_dir(&cli->paths);
	_cleanup_free_ char *final = path_image_dir(&cli->paths, id);
	_cleanup_free_ char *tmp = NULL, *rootfs = NULL, *final_rootfs = NULL;
	if (!images || !final)
		return log_error_errno(-ENOMEM, "out of memory");
	r = image_store_mktemp(images, &tmp);
	if (r < 0)
		return log_error_errno(r, "create a folder in `%s`: %m", images);
	if (asprintf(&rootfs, "%s/rootfs", tmp) < 0 ||
	    asprintf(&final_rootfs, "%s/rootfs", final) < 0) {
		(void)rm_rf(tmp);
		return log_error_errno(-ENOMEM, "out of memory");
	}
	if (mkdir(rootfs, 0755) < 0) {
		r = log_error_errno(-errno, "create `%s`: %m", rootfs);
		(void)rm_rf(tmp);
		return r;
	}
	r = f->populate(cli, rootfs, f->userdata);
	uint64_t size = 0;
	if (r >= 0 && (r = disk_usage(rootfs, &size)) < 0)
		log_error_errno(r, "measure `%s`: %m", rootfs);
	if (r >= 0 && rename(tmp, final) < 0)
		r = log_error_errno(-errno, "move the image into place: %m");
	if (r < 0) {
		(void)rm_rf(tmp);
		return r;
	}

	/* Relative to the root in the DB (paths.h). */
	_cleanup_free_ char *stored = path_to_state(&cli->paths, final_rootfs);
	json_t *layers = stored ? json_pack("[s]", stored) : NULL;
	_cleanup_free_ char *layers_json = layers ? json_dumps(layers, JSON_COMPACT) : NULL;
	json_decref(layers);
	char created[32];
	format_iso8601(now_usec(), created);
	ImageRow row = {
		.id = id,
		.name = (char *)f->name,
		.layers = layers_json,
		.source = (char *)f->source,
		.size = (int64_t)size,
		.created_at = created,
		.config = (char *)f->config,
		.digest = (char *)f->digest,
	};
	r = layers_json ? db_image_insert(db, &row) : -ENOMEM;
	if (r < 0) {
		(void)rm_rf(final);
		/* Lost a race with another CLI making the same image. */
		if (r == -EEXIST)
			return r;
		return log_error_errno(r, "record image `%s`: %m", f->name);
	}
	log_debug("created image %s (%s)", f->name, id);
	return 0;
}

int image_remove(Cli *cli, const ImageRow *img)
{
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	/* The row goes first: a folder without a row is never used (and the
	 * next sweep removes it), a row without its folder would be. */
	log_debug("delete image %s from the state DB, then its folder", img->name);
	r = db_image_delete(db, img->name);
	if (r < 0)
		return log_error_errno(r, "delete image %s from the state DB: %m", img->name);
	_cleanup_free_ char *dir = path_image_dir(&cli->paths, img->id);
	if (!dir)
		return log_error_errno(-ENOMEM, "out of memory");
	r = rm_rf(dir);
	if (r < 0)
		return log_error_errno(r, "remove `%s`: %m", dir);
	image_store_sweep_if_idle(cli);
	return 0;
}
