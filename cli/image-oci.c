/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* OCI image layouts (image-spec image-layout.md), as `skopeo copy`,
 * `umoci` or `podman save --format oci-dir` write them:
 *
 *   DIR/oci-layout          {"imageLayoutVersion": "1.0.0"}
 *   DIR/index.json          descriptors of manifests (or of nested indexes)
 *   DIR/blobs/sha256/<hex>  manifests, configs and layers, named by digest
 *
 * Every blob is checked against its descriptor's size and digest. */

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "image-layers.h"
#include "log.h"
#include "sha256.h"
#include "untrusted-file.h"
#include "util.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define REF_NAME "org.opencontainers.image.ref.name"
#define MAX_INDEX_DEPTH 4

typedef struct {
	const char *dir; /* absolute */
	int fd;          /* of dir, O_PATH: what is read is looked up below it */
	const char *label;
} Layout;

static int blob_path(const Layout *lo, const char *digest, const char *what, char **ret)
{
	/* Checking the digest's form also keeps "../" out of the path. */
	const char *hex = digest_hex(digest);
	if (!hex)
		return log_error_errno(-EBADMSG, "%s: `%s` is not a sha256 digest", what,
				       digest ? digest : "(missing)");
	if (asprintf(ret, "%s/blobs/sha256/%s", lo->dir, hex) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	return 0;
}

/* Opens a file of the layout (rel below its folder) for reading: only a
 * regular file, never a FIFO or a device the layout holds in its place
 * (untrusted-file.h). */
static int open_in_layout(const Layout *lo, const char *rel, const char *what, int *ret_fd)
{
	mode_t type = 0;
	int r = untrusted_open(lo->fd, rel, false, &type, ret_fd);
	if (r == -EBADFD || r == -EISDIR)
		return log_error_errno(r, "%s: `%s` is %s, not a regular file", what, rel,
				       file_type_name(type));
	if (r < 0)
		return log_error_errno(r, "%s: `%s`: %m", what, rel);
	return 0;
}

static int read_small_file(const Layout *lo, const char *rel, const char *what, char **ret,
			   size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	int r = open_in_layout(lo, rel, what, &fd);
	if (r < 0)
		return r;
	r = untrusted_read_fd(fd, IMAGE_JSON_MAX, ret, ret_len);
	if (r == -EFBIG)
		return log_error_errno(r, "%s: `%s` is larger than %u MiB", what, rel,
				       IMAGE_JSON_MAX >> 20);
	if (r < 0)
		return log_error_errno(r, "%s: `%s`: read: %m", what, rel);
	return 0;
}

/* The blob's path below the layout's folder; digest was checked. */
static void blob_rel(const char *digest, char ret[static 14 + SHA256_HEX_LEN + 1])
{
	snprintf(ret, 14 + SHA256_HEX_LEN + 1, "blobs/sha256/%s", digest_hex(digest));
}

/* Reads the small blob a descriptor names, checking its size and digest. */
static int read_blob(const Layout *lo, json_t *desc, const char *what, char **ret, size_t *ret_len)
{
	const char *digest = json_object_get_string(desc, "digest");
	_cleanup_free_ char *path = NULL, *data = NULL;
	int r = blob_path(lo, digest, what, &path);
	if (r < 0)
		return r;
	char rel[14 + SHA256_HEX_LEN + 1];
	blob_rel(digest, rel);
	size_t len;
	r = read_small_file(lo, rel, what, &data, &len);
	if (r < 0)
		return r;
	json_t *size = json_object_get(desc, "size");
	if (json_is_integer(size) && json_integer_value(size) != (json_int_t)len)
		return log_error_errno(-EBADMSG,
				       "%s: size mismatch: the descriptor says %lld bytes, "
				       "the blob has %zu",
				       what, (long long)json_integer_value(size), len);
	char hex[SHA256_HEX_LEN + 1];
	if ((r = sha256_data(data, len, hex)) < 0)
		return log_error_errno(r, "sha256: %m");
	if (!streq(hex, digest_hex(digest)))
		return log_error_errno(-EBADMSG,
				       "%s: digest mismatch: expected %s, got sha256:%s "
				       "(the blob is damaged or was changed)",
				       what, digest, hex);
	*ret = TAKE_PTR(data);
	*ret_len = len;
	return 0;
}

static bool is_index(json_t *desc)
{
	const char *mt = json_object_get_string(desc, "mediaType");
	return mt && (streq(mt, MT_OCI_INDEX) || streq(mt, MT_DOCKER_LIST));
}

static bool platform_matches(json_t *desc)
{
	json_t *p = json_object_get(desc, "platform");
	const char *os = json_object_get_string(p, "os");
	const char *arch = json_object_get_string(p, "architecture");
	return os && arch && streq(os, "linux") && streq(arch, oci_host_arch());
}

static char *list_tags(json_t *manifests)
{
	_cleanup_strv_free_ char **tags = NULL;
	size_t i;
	json_t *d;
	json_array_foreach(manifests, i, d) {
		const char *t = json_object_get_string(json_object_get(d, "annotations"), REF_NAME);
		if (t && !strv_contains(tags, t) && strv_push(&tags, t) < 0)
			return NULL;
	}
	return tags ? strv_join(tags, ", ") : strdup("none");
}

/* From a list of descriptors, the one meant: by tag at the top level, by
 * platform inside a multi-platform index. */
static int pick(json_t *manifests, const char *tag, const char *what, json_t **ret)
{
	if (!json_is_array(manifests) || json_array_size(manifests) == 0)
		return log_error_errno(-EBADMSG, "%s: no manifests", what);
	json_t *found = NULL, *d;
	size_t i, n_tagged = 0, n_platform = 0;
	json_array_foreach(manifests, i, d) {
		const char *t = json_object_get_string(json_object_get(d, "annotations"), REF_NAME);
		if (tag && (!t || !streq(t, tag)))
			continue;
		n_tagged++;
		if (!found)
			found = d;
		if (platform_matches(d)) {
			if (n_platform++ == 0)
				found = d;
		}
	}
	if (n_tagged == 0) {
		_cleanup_free_ char *tags = list_tags(manifests);
		return log_error_errno(-ENOENT, "%s: no image tagged `%s` (tags: %s)", what, tag,
				       tags ? tags : "?");
	}
	if (n_tagged > 1 && n_platform != 1) {
		_cleanup_free_ char *tags = list_tags(manifests);
		return log_error_errno(-ENOTUNIQ,
				       "%s holds %zu images: name one with oci:DIR:TAG (tags: %s)",
				       what, n_tagged, tags ? tags : "?");
	}
	*ret = found;
	return 0;
}

static int layout_check(const Layout *lo)
{
	_cleanup_free_ char *path = NULL, *data = NULL;
	if (asprintf(&path, "%s/oci-layout", lo->dir) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	if (access(path, F_OK) < 0)
		return log_error_errno(-errno,
				       "`%s` is not an OCI image layout (no oci-layout file)",
				       lo->dir);
	size_t len;
	json_t *j;
	int r = read_small_file(lo, "oci-layout", path, &data, &len);
	if (r >= 0)
		r = json_parse_object(data, len, path, &j);
	if (r < 0)
		return r;
	const char *v = json_object_get_string(j, "imageLayoutVersion");
	if (!v || !startswith(v, "1."))
		r = log_error_errno(-EPROTONOSUPPORT, "%s: unsupported imageLayoutVersion `%s`",
				    path, v ? v : "(missing)");
	json_decref(j);
	return r;
}

/* Follows the index (and nested indexes) to one manifest and reads its
 * config and layer list into im. */
static int read_manifest(LayeredImport *im, const Layout *lo, const char *tag)
{
	_cleanup_free_ char *index_path = NULL, *data = NULL;
	if (asprintf(&index_path, "%s/index.json", lo->dir) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	size_t len;
	json_t *doc = NULL;
	int r = read_small_file(lo, "index.json", lo->label, &data, &len);
	if (r >= 0)
		r = json_parse_object(data, len, index_path, &doc);
	if (r < 0)
		return r;

	/* desc is a reference of our own, so that the document it came
	 * from can go when we follow it into a nested index. */
	json_t *desc = NULL;
	r = pick(json_object_get(doc, "manifests"), tag, lo->label, &desc);
	json_incref(desc);
	json_decref(doc);
	for (int depth = 0; r >= 0 && is_index(desc); depth++) {
		json_t *nested = NULL, *d = NULL;
		if (depth >= MAX_INDEX_DEPTH)
			r = log_error_errno(-ELOOP, "%s: indexes nested too deep", lo->label);
		free(TAKE_PTR(data));
		if (r >= 0)
			r = read_blob(lo, desc, lo->label, &data, &len);
		if (r >= 0)
			r = json_parse_object(data, len, lo->label, &nested);
		if (r >= 0)
			r = pick(json_object_get(nested, "manifests"), NULL, lo->label, &d);
		if (r >= 0) {
			json_incref(d);
			json_decref(desc);
			desc = d;
		}
		json_decref(nested);
	}
	json_t *manifest = NULL;
	free(TAKE_PTR(data));
	if (r >= 0)
		r = read_blob(lo, desc, lo->label, &data, &len);
	if (r >= 0 && !(im->digest = strdup(json_object_get_string(desc, "digest"))))
		r = log_error_errno(-ENOMEM, "out of memory");
	json_decref(desc);
	if (r >= 0)
		r = json_parse_object(data, len, lo->label, &manifest);
	if (r >= 0 && !(im->manifest = strndup(data, len)))
		r = log_error_errno(-ENOMEM, "out of memory");
	if (r < 0)
		return r;

	json_t *layers = json_object_get(manifest, "layers");
	json_t *config = json_object_get(manifest, "config");
	if (!json_is_array(layers) || !json_is_object(config))
		r = log_error_errno(-EBADMSG, "%s: the manifest has no config or layers",
				    lo->label);
	size_t i;
	json_t *l;
	json_array_foreach(layers, i, l) {
		if (r < 0)
			break;
		const char *mt = json_object_get_string(l, "mediaType");
		const char *digest = json_object_get_string(l, "digest");
		json_t *size = json_object_get(l, "size");
		_cleanup_free_ char *path = NULL;
		if (!layer_media_type_ok(mt))
			r = log_error_errno(
				-EPROTONOSUPPORT,
				"%s: layer %zu has media type `%s`, which berth cannot unpack",
				lo->label, i + 1, mt);
		else if ((r = blob_path(lo, digest, lo->label, &path)) >= 0)
			r = layered_import_add_layer(im, path, digest,
						     json_is_integer(size)
							     ? json_integer_value(size)
							     : -1);
	}
	_cleanup_free_ char *cfg = NULL;
	if (r >= 0)
		r = read_blob(lo, config, lo->label, &cfg, &len);
	if (r >= 0)
		r = layered_import_set_config(im, cfg, len, lo->label);
	json_decref(manifest);
	return r;
}

static int unpack_layer(LayeredImport *im, size_t i, const Layout *lo)
{
	ImportLayer *l = &im->layers[i];
	char rel[14 + SHA256_HEX_LEN + 1], what[PATH_MAX + 64];
	blob_rel(l->blob_digest, rel);
	snprintf(what, sizeof(what), "%s: layer %zu (%.19s)", lo->label, i + 1, l->blob_digest);
	return layered_import_unpack_blob(im, i, lo->fd, rel, what);
}

int layered_import_unpack_blob(LayeredImport *im, size_t i, int dirfd, const char *rel,
			       const char *what)
{
	ImportLayer *l = &im->layers[i];
	const Layout lo = { .fd = dirfd };
	_cleanup_close_ int fd = -EBADF;
	int r = open_in_layout(&lo, rel, what, &fd);
	if (r < 0)
		return r;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return log_error_errno(-errno, "%s: %m", l->path);
	if (l->blob_size >= 0 && st.st_size != l->blob_size)
		return log_error_errno(-EBADMSG,
				       "%s: size mismatch: the manifest says %lld bytes, "
				       "the blob has %lld (damaged or truncated)",
				       what, (long long)l->blob_size, (long long)st.st_size);
	/* Verified before unpacking, so that the archive code only ever parses
	 * the blob the manifest names; unpacking checks it again on the fly,
	 * in case the file changes in between. */
	char hex[SHA256_HEX_LEN + 1];
	r = sha256_fd(fd, hex);
	if (r < 0)
		return log_error_errno(r, "%s: read: %m", what);
	if (!streq(hex, digest_hex(l->blob_digest)))
		return log_error_errno(
			-EBADMSG,
			"%s: blob digest mismatch: expected %s, got sha256:%s (the blob "
			"is damaged or was changed)",
			what, l->blob_digest, hex);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return log_error_errno(-errno, "%s: %m", what);
	return layered_import_unpack(im, i, what, fd, NULL, (uint64_t)st.st_size);
}

int image_import_oci(Cli *cli, const char *name, const char *dir, const char *tag,
		     const ImportLimits *limits)
{
	return image_import_oci_as(cli, name, dir, tag, limits, NULL);
}

int image_import_oci_as(Cli *cli, const char *name, const char *dir, const char *tag,
			const ImportLimits *limits, const char *source)
{
	char abs[PATH_MAX];
	_cleanup_(layered_import_done) LayeredImport im;
	int r = layered_import_start(&im, cli, name, "oci", dir, tag, limits, abs);
	if (r < 0)
		return r;
	if (source) {
		free(im.source);
		if (!(im.source = strdup(source)))
			return log_error_errno(-ENOMEM, "out of memory");
	}
	_cleanup_close_ int dirfd = open(abs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return log_error_errno(-errno, "`%s`: %m", abs);
	Layout lo = { .dir = abs, .fd = dirfd, .label = im.source };
	r = layout_check(&lo);
	if (r >= 0)
		r = read_manifest(&im, &lo, tag);
	if (r >= 0)
		r = layered_import_lock(&im);
	for (size_t i = 0; r >= 0 && i < im.n_layers; i++)
		if (!im.layers[i].present)
			r = unpack_layer(&im, i, &lo);
	if (r >= 0)
		r = layered_import_commit(&im);
	return r;
}
