/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Layered images: verify, unpack once per digest, record. */

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "image-layers.h"
#include "log.h"
#include "sha256.h"
#include "util.h"

int json_parse_object(const char *data, size_t len, const char *what, json_t **ret)
{
	json_error_t err;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	if (!j)
		return log_error_errno(-EBADMSG, "%s: invalid JSON: %s (line %d)", what, err.text,
				       err.line);
	if (!json_is_object(j)) {
		json_decref(j);
		return log_error_errno(-EBADMSG, "%s: expected a JSON object", what);
	}
	*ret = j;
	return 0;
}

const char *json_object_get_string(json_t *o, const char *key)
{
	json_t *v = o ? json_object_get(o, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* libarchive finds the compression itself; the list only keeps out what
 * is not a tar layer at all (encrypted layers, artifacts). */
static const char *const layer_media_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
};

bool layer_media_type_ok(const char *mt)
{
	if (!mt)
		return true; /* optional in old Docker manifests */
	for (size_t i = 0; i < ELEMENTSOF(layer_media_types); i++)
		if (streq(mt, layer_media_types[i]))
			return true;
	return false;
}

const char *oci_host_arch(void)
{
	static const struct {
		const char *machine, *arch;
	} map[] = {
		{ "x86_64", "amd64" },    { "aarch64", "arm64" },   { "armv7l", "arm" },
		{ "i686", "386" },        { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" },
	};
	struct utsname u;
	if (uname(&u) == 0)
		for (size_t i = 0; i < ELEMENTSOF(map); i++)
			if (streq(u.machine, map[i].machine))
				return map[i].arch;
	return "unknown";
}

int layered_import_init(LayeredImport *im, Cli *cli, const char *name, const char *source,
			const ImportLimits *limits)
{
	*im = (LayeredImport){
		.cli = cli,
		.name = name,
		.files_left = limits->max_files,
		.bytes_left = limits->max_bytes,
		.lock_fd = -EBADF,
	};
	im->store = path_layers_dir(&cli->paths);
	if (!im->store || !(im->source = strdup(source)))
		return log_error_errno(-ENOMEM, "out of memory");
	return 0;
}

int layered_import_start(LayeredImport *im, Cli *cli, const char *name, const char *scheme,
			 const char *path, const char *suffix, const ImportLimits *limits,
			 char ret_abs[static PATH_MAX])
{
	*im = (LayeredImport){
		.cli = cli,
		.name = name,
		.files_left = limits->max_files,
		.bytes_left = limits->max_bytes,
		.lock_fd = -EBADF,
	};
	if (!realpath(path, ret_abs))
		return log_error_errno(-errno, "%s:%s: %m", scheme, path);
	im->store = path_layers_dir(&cli->paths);
	if (!im->store || asprintf(&im->source, "%s:%s%s%s", scheme, ret_abs, suffix ? ":" : "",
				   suffix ? suffix : "") < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	return 0;
}

void layered_import_done(LayeredImport *im)
{
	for (size_t i = 0; i < im->n_layers; i++) {
		free(im->layers[i].path);
		free(im->layers[i].blob_digest);
		free(im->layers[i].diff_id);
	}
	free(im->layers);
	free(im->source);
	free(im->digest);
	free(im->config_json);
	free(im->image_config);
	free(im->manifest);
	free(im->store);
	bool locked = im->lock_fd >= 0;
	im->lock_fd = safe_close(im->lock_fd);
	if (locked && !im->committed)
		image_store_sweep_if_idle(im->cli);
	*im = (LayeredImport){ .lock_fd = -EBADF };
}

int layered_import_add_layer(LayeredImport *im, const char *path, const char *blob_digest,
			     int64_t blob_size)
{
	ImportLayer *n = realloc(im->layers, (im->n_layers + 1) * sizeof(ImportLayer));
	if (!n)
		return log_error_errno(-ENOMEM, "out of memory");
	im->layers = n;
	ImportLayer *l = &im->layers[im->n_layers];
	*l = (ImportLayer){
		.path = strdup(path),
		.blob_digest = blob_digest ? strdup(blob_digest) : NULL,
		.blob_size = blob_size,
	};
	im->n_layers++;
	if (!l->path || (blob_digest && !l->blob_digest))
		return log_error_errno(-ENOMEM, "out of memory");
	return 0;
}

int layered_import_set_config(LayeredImport *im, const char *data, size_t len, const char *what)
{
	json_t *cfg;
	int r = json_parse_object(data, len, what, &cfg);
	if (r < 0)
		return r;
	const char *os = json_object_get_string(cfg, "os");
	const char *arch = json_object_get_string(cfg, "architecture");
	json_t *rootfs = json_object_get(cfg, "rootfs");
	json_t *diff_ids = json_object_get(rootfs, "diff_ids");
	const char *type = json_object_get_string(rootfs, "type");
	if (os && !streq(os, "linux"))
		r = log_error_errno(-ENOEXEC, "%s: an image for `%s`, not Linux", what, os);
	else if (!type || !streq(type, "layers") || !json_is_array(diff_ids))
		r = log_error_errno(-EBADMSG, "%s: no rootfs.diff_ids list of layers", what);
	else if (json_array_size(diff_ids) != im->n_layers)
		r = log_error_errno(-EBADMSG,
				    "%s: lists %zu layer digests, but the manifest has %zu layers",
				    what, json_array_size(diff_ids), im->n_layers);
	if (r >= 0 && im->n_layers == 0)
		r = log_error_errno(-EBADMSG, "%s: the image has no layers", what);
	for (size_t i = 0; r >= 0 && i < im->n_layers; i++) {
		const char *d = json_string_value(json_array_get(diff_ids, i));
		if (!digest_is_sha256(d))
			r = log_error_errno(-EBADMSG, "%s: layer %zu: `%s` is not a sha256 digest",
					    what, i + 1, d ? d : "(not a string)");
		else if (!(im->layers[i].diff_id = strdup(d)))
			r = log_error_errno(-ENOMEM, "out of memory");
	}
	if (r >= 0 && arch && !streq(arch, oci_host_arch()))
		log_warning("%s: an image for `%s`; this machine is `%s`", what, arch,
			    oci_host_arch());
	if (r >= 0 && !(im->image_config = strndup(data, len)))
		r = log_error_errno(-ENOMEM, "out of memory");
	json_t *defaults = json_object_get(cfg, "config");
	if (r >= 0 && json_is_object(defaults) && json_object_size(defaults) > 0 &&
	    !(im->config_json = json_dumps(defaults, JSON_COMPACT)))
		r = log_error_errno(-ENOMEM, "out of memory");
	json_decref(cfg);
	return r;
}

static int layer_dir(LayeredImport *im, const ImportLayer *l, char **ret)
{
	return asprintf(ret, "%s/%s", im->store, digest_hex(l->diff_id)) < 0 ? -ENOMEM : 0;
}

/* A folder named by a digest is complete: it is renamed into place only
 * after its digests were checked, and never changed afterwards. */
static int mark_present(LayeredImport *im, ImportLayer *l)
{
	_cleanup_free_ char *dir = NULL;
	if (layer_dir(im, l, &dir) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	if (!is_dir(dir))
		return 0;
	sqlite3 *db;
	int r = cli_db(im->cli, &db);
	if (r < 0)
		return r;
	LayerRow row;
	r = db_layer_get(db, l->diff_id, &row);
	if (r >= 0) {
		l->size = row.size;
		layer_row_done(&row);
	} else {
		/* Left by an import that died before recording it. */
		uint64_t size = 0;
		if ((r = disk_usage(dir, &size)) < 0)
			return log_error_errno(r, "measure `%s`: %m", dir);
		l->size = (int64_t)size;
	}
	for (size_t i = 0; i < im->n_layers; i++)
		if (im->layers[i].diff_id && streq(im->layers[i].diff_id, l->diff_id)) {
			im->layers[i].present = true;
			im->layers[i].size = l->size;
		}
	return 0;
}

int layered_import_lock(LayeredImport *im)
{
	int r = im->lock_fd >= 0 ? 0 : image_store_lock(im->cli, &im->lock_fd);
	if (r < 0)
		return r;
	for (size_t i = 0; i < im->n_layers; i++)
		if (!im->layers[i].present && im->layers[i].diff_id &&
		    (r = mark_present(im, &im->layers[i])) < 0)
			return r;
	return 0;
}

static int check_digest(const char *what, const char *kind, const char *expected, const char *hex)
{
	if (streq(digest_hex(expected), hex))
		return 0;
	return log_error_errno(-EBADMSG,
			       "%s: %s digest mismatch: expected %s, got sha256:%s (the blob is "
			       "damaged or was changed)",
			       what, kind, expected, hex);
}

int layered_import_unpack(LayeredImport *im, size_t i, const char *what, int fd,
			  struct archive *outer, uint64_t total)
{
	ImportLayer *l = &im->layers[i];
	_cleanup_free_ char *tmp = NULL, *dir = NULL;
	int r = image_store_mktemp(im->store, &tmp);
	if (r < 0)
		return log_error_errno(r, "create a folder in `%s`: %m", im->store);
	if (layer_dir(im, l, &dir) < 0) {
		(void)rm_rf(tmp);
		return log_error_errno(-ENOMEM, "out of memory");
	}
	/* The folder itself is the layer's root: give it the usual mode
	 * unless the layer's "./" entry says otherwise. */
	(void)chmod(tmp, 0755);
	UnpackOptions o = {
		.what = what,
		.whiteouts = true,
		.max_files = im->files_left,
		.max_bytes = im->bytes_left,
		.total = total,
		.progress = true,
	};
	UnpackResult res;
	r = outer ? unpack_tar_entry(outer, tmp, &o, &res) : unpack_tar_fd(fd, tmp, &o, &res);
	if (r >= 0 && l->blob_digest)
		r = check_digest(what, "blob", l->blob_digest, res.blob_hex);
	if (r >= 0)
		r = check_digest(what, "layer (diff_id)", l->diff_id, res.diff_hex);
	uint64_t size = 0;
	if (r >= 0 && (r = disk_usage(tmp, &size)) < 0)
		log_error_errno(r, "measure `%s`: %m", tmp);
	if (r >= 0 && rename(tmp, dir) < 0) {
		/* Another import put the same layer in place first: same
		 * digest, same content; use theirs. */
		if (errno != EEXIST && errno != ENOTEMPTY)
			r = log_error_errno(-errno, "move the layer into `%s`: %m", dir);
	}
	(void)rm_rf(tmp);
	if (r < 0)
		return r;
	im->files_left -= res.files;
	im->bytes_left -= res.bytes;
	log_debug("layer %s: %" PRIu64 " entries, %" PRIu64 " bytes", l->diff_id, res.files,
		  res.bytes);
	return mark_present(im, l);
}

int layered_import_commit(LayeredImport *im)
{
	for (size_t i = 0; i < im->n_layers; i++)
		if (!im->layers[i].present)
			return log_error_errno(-ENOENT,
					       "%s: layer %zu (%s) is missing from the source",
					       im->source, i + 1, im->layers[i].path);
	sqlite3 *db;
	int r = cli_db(im->cli, &db);
	if (r < 0)
		return r;

	char created[32];
	format_iso8601(now_usec(), created);
	_cleanup_free_ LayerRow *rows = calloc(im->n_layers, sizeof(LayerRow));
	json_t *dirs = json_array();
	int64_t size = 0;
	if (!rows || !dirs) {
		json_decref(dirs);
		return log_error_errno(-ENOMEM, "out of memory");
	}
	/* images.layers lists folders top first, each once: a layer that
	 * comes back higher up already provides everything it did lower down,
	 * and OverlayFS refuses the same lower folder twice. */
	for (size_t k = im->n_layers; k-- > 0;) {
		const ImportLayer *l = &im->layers[k];
		rows[k] =
			(LayerRow){ .digest = l->diff_id, .size = l->size, .created_at = created };
		bool seen = false;
		for (size_t j = k + 1; j < im->n_layers; j++)
			seen = seen || streq(im->layers[j].diff_id, l->diff_id);
		if (seen)
			continue;
		_cleanup_free_ char *dir = NULL, *stored = NULL;
		if (layer_dir(im, l, &dir) < 0 || !(stored = path_to_state(&im->cli->paths, dir)) ||
		    json_array_append_new(dirs, json_string(stored)) < 0) {
			json_decref(dirs);
			return log_error_errno(-ENOMEM, "out of memory");
		}
		size += l->size;
	}
	_cleanup_free_ char *layers_json = json_dumps(dirs, JSON_COMPACT);
	json_decref(dirs);
	char id[65];
	if ((r = random_hex(id, 64)) < 0)
		return log_error_errno(r, "random: %m");
	ImageRow row = {
		.id = id,
		.name = (char *)im->name,
		.layers = layers_json,
		.source = im->source,
		.size = size,
		.created_at = created,
		.config = im->config_json,
		.digest = im->digest,
		.manifest = im->manifest,
		.image_config = im->image_config,
	};
	r = layers_json ? db_image_insert_layered(db, &row, rows, im->n_layers) : -ENOMEM;
	if (r == -EEXIST)
		return log_error_errno(r, "image `%s` already exists", im->name);
	if (r < 0)
		return log_error_errno(r, "record image `%s`: %m", im->name);
	im->committed = true;
	return 0;
}
