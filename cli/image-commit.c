/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* `berth commit CONTAINER NAME`: the container's writable layer becomes a
 * new layer on top of its image's.
 *
 * The layers under the container stay what they are when they are layers
 * of the store (shared by digest); a folder that is not (a one-folder
 * image such as busybox, a --layers folder) becomes a layer first. Each
 * new layer is packed (image-pack.c) into a temporary file, which gives
 * its diff_id, and unpacked into the store as any pulled layer is
 * (image-layers.c): the folder the image gets went through the same
 * checks. A running container is frozen while its layer is read. Files a
 * user namespace owns are shifted back to the container's ids. */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "image-layers.h"
#include "image-pack.h"
#include "images.h"
#include "log.h"
#include "oci.h"
#include "sha256.h"
#include "util.h"

#define FREEZE_TIMEOUT_MS 5000

/* Packs folder into a temporary file of the store and unpacks it as
 * layer i of im (whose diff_id the packing gives). */
static int add_folder(LayeredImport *im, size_t i, const char *folder, const PackOptions *po,
		      const char *tmpdir)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/layer-%zu.tar", tmpdir, i) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return log_error_errno(-errno, "create `%s`: %m", path);
	PackResult res;
	int r = layer_pack_dir(folder, fd, po, &res);
	if (r < 0)
		return r;
	ImportLayer *l = &im->layers[i];
	if (asprintf(&l->diff_id, "sha256:%s", res.diff_hex) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	/* Another layer of the store may have the same content. */
	int k = layered_import_lock(im);
	if (k < 0)
		return k;
	if (!l->present) {
		if (lseek(fd, 0, SEEK_SET) < 0)
			return log_error_errno(-errno, "%s: %m", path);
		r = layered_import_unpack(im, i, po->what, fd, NULL, res.blob_size);
	}
	(void)unlink(path);
	return r;
}

static char *store_layer_digest(Cli *cli, const char *store, const char *folder)
{
	size_t n = strlen(store);
	if (strncmp(folder, store, n) != 0 || folder[n] != '/')
		return NULL;
	const char *hex = folder + n + 1;
	char *d = NULL;
	if (strlen(hex) != SHA256_HEX_LEN || hex[strspn(hex, "0123456789abcdef")] ||
	    asprintf(&d, "sha256:%s", hex) < 0)
		return NULL;
	sqlite3 *db;
	LayerRow row;
	if (cli_db(cli, &db) < 0 || db_layer_get(db, d, &row) < 0) {
		free(d);
		return NULL;
	}
	layer_row_done(&row);
	return d;
}

/* The config of the new image: its base image's, if it still exists,
 * with one more history entry; the diff_ids are set by the import. */
static int new_config(Cli *cli, const ContainerRow *row, json_t **ret)
{
	sqlite3 *db;
	ImageRow img = { 0 };
	json_t *cfg = NULL;
	if (cli_db(cli, &db) >= 0 && db_image_get_by_name(db, row->image, &img) >= 0) {
		if (img.image_config)
			cfg = json_loads(img.image_config, 0, NULL);
		else if (img.config)
			cfg = json_pack("{so}", "config", json_loads(img.config, 0, NULL));
	}
	image_row_done(&img);
	if (!json_is_object(cfg)) {
		json_decref(cfg);
		cfg = json_object();
	}
	char created[32];
	format_iso8601(now_usec(), created);
	json_object_set_new(cfg, "created", json_string(created));
	if (!json_object_get(cfg, "architecture"))
		json_object_set_new(cfg, "architecture", json_string(oci_host_arch()));
	json_object_set_new(cfg, "os", json_string("linux"));
	*ret = cfg;
	return 0;
}

int image_commit(Cli *cli, const char *key, const char *name)
{
	int r = image_check_new_name(cli, name);
	if (r < 0)
		return r;
	ContainerRow row;
	if ((r = cli_lookup_container(cli, key, &row)) < 0)
		return r;
	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	_cleanup_free_ char *cfgpath = NULL, *upper = NULL, *source = NULL, *err = NULL,
			    *tmp = NULL, *images = path_images_dir(&cli->paths), *doc = NULL,
			    *by = NULL;
	_cleanup_strv_free_ char **lower = NULL;
	json_t *cfg = NULL;
	bool frozen = false;
	_cleanup_(layered_import_done) LayeredImport im = { .lock_fd = -EBADF };
	ImportLimits limits = { UNPACK_MAX_FILES_DEFAULT, UNPACK_MAX_BYTES_DEFAULT };
	_cleanup_free_ char *bundle = path_from_state(&cli->paths, row.bundle);
	if (!images || !bundle || asprintf(&cfgpath, "%s/config.json", bundle) < 0 ||
	    asprintf(&upper, "%s/upper", bundle) < 0 ||
	    asprintf(&source, "commit:%s", row.name) < 0) {
		r = log_error_errno(-ENOMEM, "out of memory");
		goto out;
	}
	if ((r = spec_read_file(cfgpath, &spec, &err)) < 0) {
		r = log_error_errno(r, "container %s: its config.json: %s", row.name,
				    err ? err : strerror(-r));
		goto out;
	}
	if (!is_dir(upper)) {
		r = log_error_errno(-ENOENT, "container %s has no writable layer (`%s`)", row.name,
				    upper);
		goto out;
	}
	/* The lower folders, top first, as OverlayFS stacks them. */
	for (const char *p = row.rootfs; p && *p;) {
		size_t n = strcspn(p, ":");
		_cleanup_free_ char *rel = strndup(p, n), *abs = NULL;
		if (!rel || !(abs = path_from_state(&cli->paths, rel)) ||
		    strv_consume(&lower, TAKE_PTR(abs)) < 0) {
			r = log_error_errno(-ENOMEM, "out of memory");
			goto out;
		}
		p += n + (p[n] == ':');
	}
	if (!lower) {
		r = log_error_errno(-EINVAL, "container %s has no image layers to commit on",
				    row.name);
		goto out;
	}
	if ((r = layered_import_init(&im, cli, name, source, &limits)) < 0 ||
	    (r = new_config(cli, &row, &cfg)) < 0)
		goto out;
	size_t nl = strv_length(lower);
	for (size_t k = nl; k-- > 0;) {
		char *d = store_layer_digest(cli, im.store, lower[k]);
		r = layered_import_add_layer(&im, lower[k], NULL, -1);
		if (r < 0) {
			free(d);
			goto out;
		}
		im.layers[im.n_layers - 1].diff_id = d;
	}
	if ((r = layered_import_add_layer(&im, upper, NULL, -1)) < 0)
		goto out;
	if ((r = layered_import_lock(&im)) < 0)
		goto out;
	if ((r = image_store_mktemp(images, &tmp)) < 0) {
		r = log_error_errno(r, "create a folder in `%s`: %m", images);
		goto out;
	}
	/* Files a user namespace wrote are owned by host ids: shifted back. */
	PackOptions po = { .gzip = false };
	po.uid_map = spec->uid_maps;
	po.n_uid_map = spec->n_uid_maps;
	po.gid_map = spec->gid_maps;
	po.n_gid_map = spec->n_gid_maps;
	for (size_t i = 0; r >= 0 && i + 1 < im.n_layers; i++) {
		if (im.layers[i].diff_id)
			continue;
		char what[PATH_MAX + 32];
		snprintf(what, sizeof(what), "layer `%s`", im.layers[i].path);
		PackOptions lo = { .gzip = false, .what = what };
		r = add_folder(&im, i, im.layers[i].path, &lo, tmp);
	}
	if (r < 0)
		goto out;
	if (row.state == STATE_RUNNING && row.cgroup && *row.cgroup) {
		if ((r = cgroup_freeze(row.cgroup, true, FREEZE_TIMEOUT_MS)) < 0) {
			r = log_error_errno(r, "freeze container %s: %m", row.name);
			goto out;
		}
		frozen = true;
	}
	char what[256];
	snprintf(what, sizeof(what), "container %s: its writable layer", row.name);
	po.what = what;
	r = add_folder(&im, im.n_layers - 1, upper, &po, tmp);
	if (frozen)
		(void)cgroup_freeze(row.cgroup, false, FREEZE_TIMEOUT_MS);
	if (r < 0)
		goto out;

	/* The config: the base's, with these diff_ids and one more history
	 * entry (marked for the layers the base's history did not cover). */
	json_t *ids = json_array(), *history = json_object_get(cfg, "history");
	for (size_t i = 0; i < im.n_layers; i++)
		json_array_append_new(ids, json_string(im.layers[i].diff_id));
	json_object_set_new(cfg, "rootfs", json_pack("{ss so}", "type", "layers", "diff_ids", ids));
	if (!json_is_array(history)) {
		history = json_array();
		json_object_set_new(cfg, "history", history);
	}
	size_t covered = 0, i;
	json_t *h;
	json_array_foreach(history, i, h)
		if (!json_is_true(json_object_get(h, "empty_layer")))
			covered++;
	while (covered + 1 < im.n_layers) {
		json_array_append_new(history,
				      json_pack("{ss}", "created_by", "berth commit: base layer"));
		covered++;
	}
	if (asprintf(&by, "berth commit %s", row.name) >= 0)
		json_array_append_new(history,
				      json_pack("{ss ss}", "created",
						json_string_value(json_object_get(cfg, "created")),
						"created_by", by));
	doc = json_dumps(cfg, JSON_COMPACT);
	json_t *defaults = json_object_get(cfg, "config");
	if (!doc || !(im.image_config = strdup(doc)) ||
	    (json_is_object(defaults) && json_object_size(defaults) > 0 &&
	     !(im.config_json = json_dumps(defaults, JSON_COMPACT)))) {
		r = log_error_errno(-ENOMEM, "out of memory");
		goto out;
	}
	r = layered_import_commit(&im);
out:
	if (tmp)
		(void)rm_rf(tmp);
	json_decref(cfg);
	container_row_done(&row);
	return r;
}
