/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Images out of the store: an OCI image layout made from an image's layer
 * folders (image-pack.c), which skopeo then copies where it should go:
 * `image save` (an oci-archive or docker-archive file), `image push` (a
 * registry). And back in: `image load`.
 *
 * A layer is packed again from its folder, reproducibly, so an image
 * exported twice has the same digests. They are not the digests it was
 * pulled with (a registry's tarballs are not rebuilt byte for byte); the
 * files, owners, modes and the image's config are the same. */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image-layers.h"
#include "image-pack.h"
#include "image-ref.h"
#include "images.h"
#include "log.h"
#include "sha256.h"
#include "skopeo.h"
#include "util.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define REF_NAME "org.opencontainers.image.ref.name"

static int write_blob(const char *dir, const char *data, size_t len, const char *media_type,
		      json_t **ret_desc)
{
	char hex[SHA256_HEX_LEN + 1];
	int r = sha256_data(data, len, hex);
	if (r < 0)
		return log_error_errno(r, "sha256: %m");
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/blobs/sha256/%s", dir, hex) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	if ((r = write_file(path, data, len, O_CREAT | O_TRUNC, 0644)) < 0)
		return log_error_errno(r, "write `%s`: %m", path);
	char digest[8 + SHA256_HEX_LEN + 1];
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	*ret_desc = json_pack("{ss ss sI}", "mediaType", media_type, "digest", digest, "size",
			      (json_int_t)len);
	return *ret_desc ? 0 : log_error_errno(-ENOMEM, "out of memory");
}

/* One layer folder as a gzip blob of the layout; its diff_id in ret_diff. */
static int pack_layer(const char *dir, const char *folder, const char *what, json_t **ret_desc,
		      char ret_diff[static 8 + SHA256_HEX_LEN + 1])
{
	_cleanup_free_ char *tmp = NULL, *final = NULL;
	if (asprintf(&tmp, "%s/blobs/sha256/.pack", dir) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return log_error_errno(-errno, "create `%s`: %m", tmp);
	PackOptions po = { .gzip = true, .what = what };
	PackResult res;
	int r = layer_pack_dir(folder, fd, &po, &res);
	if (r < 0)
		return r;
	if (asprintf(&final, "%s/blobs/sha256/%s", dir, res.blob_hex) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	if (rename(tmp, final) < 0)
		return log_error_errno(-errno, "rename `%s`: %m", tmp);
	char digest[8 + SHA256_HEX_LEN + 1];
	snprintf(digest, sizeof(digest), "sha256:%s", res.blob_hex);
	snprintf(ret_diff, 8 + SHA256_HEX_LEN + 1, "sha256:%s", res.diff_hex);
	*ret_desc = json_pack("{ss ss sI}", "mediaType", MT_OCI_LAYER_GZIP, "digest", digest,
			      "size", (json_int_t)res.blob_size);
	return *ret_desc ? 0 : log_error_errno(-ENOMEM, "out of memory");
}

/* History entries that stand for a layer: one per layer, or the history
 * no longer fits the layers (a layer given twice is exported once). */
static size_t history_layers(json_t *history)
{
	size_t n = 0, i;
	json_t *h;
	json_array_foreach(history, i, h)
		if (!json_is_true(json_object_get(h, "empty_layer")))
			n++;
	return n;
}

/* The image config for the layers exported: the image's own (history,
 * labels, everything) with the new diff_ids, or one made from its run
 * defaults. */
static int make_config(const ImageRow *img, json_t *diff_ids, char **ret)
{
	json_t *cfg = img->image_config ? json_loads(img->image_config, 0, NULL) : NULL;
	if (!json_is_object(cfg)) {
		json_decref(cfg);
		json_t *defaults = img->config ? json_loads(img->config, 0, NULL) : NULL;
		cfg = json_pack("{ss ss ss so}", "created", img->created_at, "architecture",
				oci_host_arch(), "os", "linux", "config",
				json_is_object(defaults) ? defaults : json_object());
		if (!json_is_object(defaults))
			json_decref(defaults);
		if (!cfg)
			return log_error_errno(-ENOMEM, "out of memory");
	}
	json_object_set_new(cfg, "rootfs",
			    json_pack("{ss sO}", "type", "layers", "diff_ids", diff_ids));
	json_t *history = json_object_get(cfg, "history");
	if (!json_is_array(history) || history_layers(history) != json_array_size(diff_ids)) {
		json_t *h = json_array();
		for (size_t i = 0; i < json_array_size(diff_ids); i++)
			json_array_append_new(h, json_pack("{ss ss}", "created", img->created_at,
							   "created_by", img->source));
		json_object_set_new(cfg, "history", h);
	}
	*ret = json_dumps(cfg, JSON_COMPACT);
	json_decref(cfg);
	return *ret ? 0 : log_error_errno(-ENOMEM, "out of memory");
}

int image_export_layout(Cli *cli, const ImageRow *img, const char *dir, const char *tag,
			char **ret_digest)
{
	_cleanup_strv_free_ char **folders = NULL;
	int r = image_layers_from_json(cli, img->layers, &folders);
	if (r < 0)
		return log_error_errno(r, "image %s has a damaged layer list in the DB", img->name);
	_cleanup_free_ char *blobs = NULL;
	if (asprintf(&blobs, "%s/blobs/sha256", dir) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	if ((r = mkdir_p(blobs, 0755)) < 0)
		return log_error_errno(r, "mkdir `%s`: %m", blobs);
	json_t *layers = json_array(), *diff_ids = json_array();
	/* images.layers is top first; a manifest lists the bottom first. */
	for (size_t n = strv_length(folders); r >= 0 && n-- > 0;) {
		char what[128], diff[8 + SHA256_HEX_LEN + 1];
		json_t *desc = NULL;
		snprintf(what, sizeof(what), "%s: layer %zu", img->name, strv_length(folders) - n);
		if (!is_dir(folders[n]))
			r = log_error_errno(-ENOENT, "%s: its folder `%s` is missing", what,
					    folders[n]);
		else if ((r = pack_layer(dir, folders[n], what, &desc, diff)) >= 0) {
			json_array_append_new(layers, desc);
			json_array_append_new(diff_ids, json_string(diff));
		}
	}
	_cleanup_free_ char *cfg = NULL, *manifest = NULL, *index = NULL;
	json_t *cdesc = NULL, *mdesc = NULL;
	if (r >= 0)
		r = make_config(img, diff_ids, &cfg);
	if (r >= 0)
		r = write_blob(dir, cfg, strlen(cfg), MT_OCI_CONFIG, &cdesc);
	if (r >= 0) {
		json_t *m = json_pack("{si ss sO sO}", "schemaVersion", 2, "mediaType",
				      MT_OCI_MANIFEST, "config", cdesc, "layers", layers);
		manifest = m ? json_dumps(m, JSON_COMPACT) : NULL;
		json_decref(m);
		r = manifest ? write_blob(dir, manifest, strlen(manifest), MT_OCI_MANIFEST, &mdesc)
			     : log_error_errno(-ENOMEM, "out of memory");
	}
	json_decref(layers);
	json_decref(diff_ids);
	json_decref(cdesc);
	if (r < 0)
		return r;
	json_object_set_new(mdesc, "annotations", json_pack("{ss}", REF_NAME, tag));
	json_t *ix = json_pack("{si so}", "schemaVersion", 2, "manifests", json_pack("[O]", mdesc));
	index = ix ? json_dumps(ix, JSON_COMPACT) : NULL;
	json_decref(ix);
	_cleanup_free_ char *digest = strdup(json_string_value(json_object_get(mdesc, "digest")));
	json_decref(mdesc);
	_cleanup_free_ char *ipath = NULL, *lpath = NULL;
	if (!index || !digest || asprintf(&ipath, "%s/index.json", dir) < 0 ||
	    asprintf(&lpath, "%s/oci-layout", dir) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	const char *layout = "{\"imageLayoutVersion\":\"1.0.0\"}";
	if ((r = write_file(ipath, index, strlen(index), O_CREAT | O_TRUNC, 0644)) < 0 ||
	    (r = write_file(lpath, layout, strlen(layout), O_CREAT | O_TRUNC, 0644)) < 0)
		return log_error_errno(r, "write the layout in `%s`: %m", dir);
	if (ret_digest)
		*ret_digest = TAKE_PTR(digest);
	return 0;
}

/* The image, exported into a temporary folder of the store, for skopeo
 * to copy from; the store lock is held (no layer goes meanwhile). */
typedef struct {
	Cli *cli;
	ImageRow img;
	int lock_fd;
	char *tmp;
	char *src; /* oci:TMP:export */
	char *digest;
} Export;

static void export_done(Export *e)
{
	if (e->tmp)
		(void)rm_rf(e->tmp);
	free(e->tmp);
	free(e->src);
	free(e->digest);
	image_row_done(&e->img);
	safe_close(e->lock_fd);
	if (e->cli)
		image_store_sweep_if_idle(e->cli);
}

static int export_start(Export *e, Cli *cli, const char *name)
{
	*e = (Export){ .lock_fd = -EBADF };
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	r = db_image_get_by_name(db, name, &e->img);
	if (r < 0)
		return log_error_errno(r,
				       r == -ENOENT ? "no such image: %s" : "look up image %s: %m",
				       name);
	e->cli = cli;
	if ((r = image_store_lock(cli, &e->lock_fd)) < 0)
		return r;
	_cleanup_free_ char *images = path_images_dir(&cli->paths);
	if (!images)
		return log_error_errno(-ENOMEM, "out of memory");
	if ((r = image_store_mktemp(images, &e->tmp)) < 0)
		return log_error_errno(r, "create a folder in `%s`: %m", images);
	if (strchr(e->tmp, ':'))
		return log_error_errno(-EINVAL,
				       "the state folder `%s` has a ':', which skopeo's oci: "
				       "transport cannot take",
				       images);
	if (asprintf(&e->src, "oci:%s:export", e->tmp) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	return image_export_layout(cli, &e->img, e->tmp, "export", &e->digest);
}

int image_push(Cli *cli, const char *name, const char *dest, const RegistryOptions *o,
	       char **ret_digest)
{
	ImageRef ref;
	int r = image_ref_parse(dest ? dest : name, &ref);
	if (r < 0)
		return r;
	_cleanup_free_ char *qualified = image_ref_name(&ref), *url = NULL;
	if (!ref.domain) {
		image_ref_done(&ref);
		return log_error_errno(-EINVAL,
				       "push to `%s`: name the registry (REGISTRY/REPO[:TAG])",
				       dest ? dest : name);
	}
	if (ref.digest) {
		image_ref_done(&ref);
		return log_error_errno(-EINVAL,
				       "push to `%s`: a registry names what is pushed by its own "
				       "digest; give a tag",
				       dest ? dest : name);
	}
	RegistryOptions ro = *o;
	ro.registry = ref.domain;
	_cleanup_(export_done) Export e;
	if (!qualified || asprintf(&url, "docker://%s", qualified) < 0) {
		image_ref_done(&ref);
		return log_error_errno(-ENOMEM, "out of memory");
	}
	r = export_start(&e, cli, name);
	if (r >= 0) {
		char *const args[] = { e.src, url, NULL };
		r = skopeo_run("copy", &ro, "dest", args, qualified, NULL, NULL, 0);
	}
	image_ref_done(&ref);
	if (r >= 0 && ret_digest && !(*ret_digest = strdup(e.digest)))
		r = log_error_errno(-ENOMEM, "out of memory");
	return r;
}

int image_save(Cli *cli, const char *name, const char *file, const char *format)
{
	bool docker = streq(format, "docker-archive");
	if (!docker && !streq(format, "oci-archive"))
		return log_error_errno(-EINVAL,
				       "unknown --format `%s` (oci-archive or docker-archive)",
				       format);
	_cleanup_free_ char *abs = NULL, *tmpfile = NULL, *dest = NULL;
	int r = absolute_path(file, &abs);
	if (r < 0)
		return log_error_errno(r, "`%s`: %m", file);
	if (strchr(abs, ':'))
		return log_error_errno(-EINVAL,
				       "`%s`: a ':' in the path, which skopeo's archive transports "
				       "cannot take",
				       abs);
	if (is_dir(abs))
		return log_error_errno(-EISDIR, "`%s` is a folder; give a file", abs);
	_cleanup_(export_done) Export e;
	r = export_start(&e, cli, name);
	if (r < 0)
		return r;
	/* docker archives name their image by a registry reference, REPO:TAG
	 * (no digest): a local name app:1 becomes localhost/app:1, as podman
	 * names local images (docker.io/library/app:1 otherwise). The OCI
	 * archive's index keeps the name as it is. */
	const char *ref = e.img.name;
	_cleanup_free_ char *local = NULL;
	bool nameless = docker && strchr(ref, '@');
	if (docker && !nameless && !image_ref_is_qualified(ref)) {
		if (asprintf(&local, "localhost/%s", ref) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
		ref = local;
	}
	if (asprintf(&tmpfile, "%s.berth-tmp-%d", abs, (int)getpid()) < 0 ||
	    asprintf(&dest, "%s:%s%s%s", format, tmpfile, nameless ? "" : ":",
		     nameless ? "" : ref) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	char *const args[] = { e.src, dest, NULL };
	RegistryOptions ro = { .tls_verify = -1, .quiet = true };
	r = skopeo_run("copy", &ro, NULL, args, abs, NULL, NULL, 0);
	/* Written whole, or not at all. */
	if (r >= 0 && rename(tmpfile, abs) < 0)
		r = log_error_errno(-errno, "rename to `%s`: %m", abs);
	if (r < 0)
		(void)unlink(tmpfile);
	return r;
}

int image_load(Cli *cli, const char *file, const char *name, const ImportLimits *limits,
	       char **ret_name)
{
	_cleanup_free_ char *abs = NULL;
	int r = absolute_path(file, &abs);
	if (r < 0)
		return log_error_errno(r, "`%s`: %m", file);
	if (access(abs, R_OK) < 0)
		return log_error_errno(-errno, "`%s`: %m", abs);
	_cleanup_strv_free_ char **tags = NULL;
	bool oci;
	if ((r = docker_archive_kind(abs, &tags, &oci)) < 0)
		return r;
	if (!oci) {
		if (!name && !(name = tags ? tags[0] : NULL))
			return log_error_errno(-EINVAL,
					       "%s names no image (no RepoTags): give a NAME", abs);
		if ((r = image_check_new_name(cli, name)) < 0)
			return r;
		/* The archive must hold one image (`image import` picks one of
		 * several: docker-archive:FILE:REPO:TAG). */
		if ((r = image_import_docker_archive(cli, name, abs, NULL, limits)) < 0)
			return r;
		return (*ret_name = strdup(name)) ? 0 : log_error_errno(-ENOMEM, "out of memory");
	}

	/* An OCI archive: unpacked (safely, as any tarball) into a temporary
	 * folder of the store, then imported as a layout. */
	_cleanup_free_ char *images = path_images_dir(&cli->paths), *tmp = NULL, *source = NULL;
	if (asprintf(&source, "oci-archive:%s", abs) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	int lock_fd = -EBADF;
	if (!images)
		return log_error_errno(-ENOMEM, "out of memory");
	if ((r = image_store_lock(cli, &lock_fd)) < 0)
		return r;
	r = image_store_mktemp(images, &tmp);
	if (r < 0) {
		safe_close(lock_fd);
		return log_error_errno(r, "create a folder in `%s`: %m", images);
	}
	_cleanup_close_ int fd = open(abs, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		r = log_error_errno(-errno, "`%s`: %m", abs);
	UnpackOptions uo = { .what = abs,
			     .max_files = limits->max_files,
			     .max_bytes = limits->max_bytes };
	UnpackResult res;
	if (r >= 0)
		r = unpack_tar_fd(fd, tmp, &uo, &res);
	_cleanup_free_ char *data = NULL, *ipath = NULL, *tag = NULL;
	size_t len;
	if (r >= 0 && asprintf(&ipath, "%s/index.json", tmp) < 0)
		r = log_error_errno(-ENOMEM, "out of memory");
	if (r >= 0 && (r = read_full_file(ipath, &data, &len)) < 0)
		log_error_errno(r, "%s: no index.json: %m", abs);
	if (r >= 0) {
		json_t *ix = json_loadb(data, len, 0, NULL);
		json_t *ms = json_object_get(ix, "manifests");
		const char *t = json_object_get_string(
			json_object_get(json_array_get(ms, 0), "annotations"), REF_NAME);
		if (json_array_size(ms) != 1)
			r = log_error_errno(-ENOTUNIQ,
					    "%s holds %zu images; berth loads archives of one", abs,
					    json_array_size(ms));
		else if (t && !(tag = strdup(t)))
			r = log_error_errno(-ENOMEM, "out of memory");
		json_decref(ix);
	}
	if (r >= 0 && !name && !(name = tag))
		r = log_error_errno(-EINVAL, "%s names no image (no %s): give a NAME", abs,
				    REF_NAME);
	/* The import takes the lock again (shared, as here). */
	if (r >= 0 && (r = image_check_new_name(cli, name)) >= 0)
		r = image_import_oci_as(cli, name, tmp, NULL, limits, source);
	(void)rm_rf(tmp);
	safe_close(lock_fd);
	if (r < 0)
		return r;
	return (*ret_name = strdup(name)) ? 0 : log_error_errno(-ENOMEM, "out of memory");
}
