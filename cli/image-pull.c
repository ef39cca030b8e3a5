/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* `berth image pull`: an image from a registry, through skopeo.
 *
 *  1. The manifest (or index) by `skopeo inspect --raw`; a reference by
 *     digest is checked against it. An index gives the manifest of the
 *     host's platform (or --platform's), fetched by digest and checked.
 *  2. An image already stored with that manifest digest only gets the
 *     name: nothing is downloaded.
 *  3. The config by `skopeo inspect --config --raw`, checked against the
 *     manifest. Its diff_ids say which layers the store already has.
 *  4. `skopeo copy` into an OCI layout in a temporary folder of the store,
 *     in which every layer the store has is an empty file under its blob
 *     digest: skopeo takes a blob that exists for done and downloads only
 *     the others (containers/image's oci: destination, TryReusingBlob).
 *  5. Each downloaded blob is checked against its digest, unpacked into
 *     the layer store, and the image recorded (image-layers.c).
 *
 * Until the last step nothing is recorded; a killed pull leaves only
 * temporary folders, which the next import sweeps (images.c). */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "image-layers.h"
#include "image-ref.h"
#include "images.h"
#include "log.h"
#include "sha256.h"
#include "skopeo.h"
#include "util.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

typedef struct {
	Cli *cli;
	const PullOptions *o;
	RegistryOptions reg;
	ImageRef ref;
	char *name; /* DOMAIN/PATH:TAG or DOMAIN/PATH@DIGEST */
	char *index_digest;
	char *digest; /* of the manifest */
	char *manifest;
	size_t manifest_len;
	json_t *mdoc;
} Pull;

static void pull_done(Pull *p)
{
	image_ref_done(&p->ref);
	free(p->name);
	free(p->index_digest);
	free(p->digest);
	free(p->manifest);
	json_decref(p->mdoc);
}

static int fetch_raw(Pull *p, const char *what_ref, bool config, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *url = NULL, *what = NULL;
	if (asprintf(&url, "docker://%s", what_ref) < 0 ||
	    asprintf(&what, "%s %s", config ? "config of" : "manifest of", what_ref) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	char *const args[] = { "--raw", url, NULL };
	char *const cargs[] = { "--config", "--raw", url, NULL };
	return skopeo_run("inspect", &p->reg, NULL, config ? cargs : args, what, ret, ret_len,
			  IMAGE_JSON_MAX);
}

static int check_digest(const char *what, const char *expected, const char *data, size_t len)
{
	char hex[SHA256_HEX_LEN + 1];
	int r = sha256_data(data, len, hex);
	if (r < 0)
		return log_error_errno(r, "sha256: %m");
	if (!streq(hex, digest_hex(expected)))
		return log_error_errno(-EBADMSG,
				       "%s: digest mismatch: expected %s, got sha256:%s (the "
				       "registry sent something else)",
				       what, expected, hex);
	return 0;
}

static const char *doc_type(json_t *doc)
{
	const char *mt = json_object_get_string(doc, "mediaType");
	if (mt)
		return mt;
	/* OCI makes mediaType optional: tell them apart by their fields. */
	if (json_is_array(json_object_get(doc, "manifests")))
		return MT_OCI_INDEX;
	if (json_is_object(json_object_get(doc, "config")))
		return MT_OCI_MANIFEST;
	return "(unknown)";
}

static bool platform_wanted(const Pull *p, json_t *platform)
{
	const char *os = json_object_get_string(platform, "os");
	const char *arch = json_object_get_string(platform, "architecture");
	const char *variant = json_object_get_string(platform, "variant");
	const char *want_os = p->o->reg.os ? p->o->reg.os : "linux";
	const char *want_arch = p->o->reg.arch ? p->o->reg.arch : oci_host_arch();
	if (!os || !arch || !streq(os, want_os) || !streq(arch, want_arch))
		return false;
	return !p->o->reg.variant || (variant && streq(variant, p->o->reg.variant));
}

/* From an index, the digest of the manifest for the platform wanted. */
static int pick_platform(Pull *p, json_t *index, char **ret)
{
	json_t *manifests = json_object_get(index, "manifests"), *d;
	size_t i;
	_cleanup_strv_free_ char **seen = NULL;
	json_array_foreach(manifests, i, d) {
		json_t *pl = json_object_get(d, "platform");
		const char *digest = json_object_get_string(d, "digest");
		if (platform_wanted(p, pl) && digest_is_sha256(digest)) {
			*ret = strdup(digest);
			return *ret ? 0 : log_error_errno(-ENOMEM, "out of memory");
		}
		const char *os = json_object_get_string(pl, "os");
		const char *arch = json_object_get_string(pl, "architecture");
		const char *variant = json_object_get_string(pl, "variant");
		_cleanup_free_ char *s = NULL;
		if (os && arch &&
		    asprintf(&s, "%s/%s%s%s", os, arch, variant ? "/" : "",
			     variant ? variant : "") >= 0 &&
		    !strv_contains(seen, s))
			(void)strv_push(&seen, s);
	}
	_cleanup_free_ char *list = seen ? strv_join(seen, ", ") : NULL;
	return log_error_errno(-ENOEXEC, "%s: no image for %s/%s%s%s (the index has %s)", p->name,
			       p->o->reg.os ? p->o->reg.os : "linux",
			       p->o->reg.arch ? p->o->reg.arch : oci_host_arch(),
			       p->o->reg.variant ? "/" : "",
			       p->o->reg.variant ? p->o->reg.variant : "",
			       list ? list : "no platforms");
}

/* Steps 1: the manifest of the platform wanted, checked. */
static int resolve_manifest(Pull *p, const char *qualified)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r = fetch_raw(p, qualified, false, &data, &len);
	if (r < 0)
		return r;
	if (p->ref.digest && (r = check_digest(p->name, p->ref.digest, data, len)) < 0)
		return r;
	json_t *doc;
	if ((r = json_parse_object(data, len, p->name, &doc)) < 0)
		return r;
	json_t *sv = json_object_get(doc, "schemaVersion");
	const char *mt = doc_type(doc);
	if (json_is_integer(sv) && json_integer_value(sv) == 1) {
		json_decref(doc);
		return log_error_errno(-EPROTONOSUPPORT,
				       "%s: a Docker schema 1 manifest, which berth does not "
				       "take (push the image again with a current tool)",
				       p->name);
	}
	if (streq(mt, MT_OCI_INDEX) || streq(mt, MT_DOCKER_LIST)) {
		char hex[SHA256_HEX_LEN + 1];
		if ((r = sha256_data(data, len, hex)) < 0 ||
		    asprintf(&p->index_digest, "sha256:%s", hex) < 0) {
			json_decref(doc);
			return log_error_errno(-ENOMEM, "out of memory");
		}
		r = pick_platform(p, doc, &p->digest);
		json_decref(doc);
		if (r < 0)
			return r;
		_cleanup_free_ char *byd = image_ref_with_digest(&p->ref, p->digest);
		if (!byd)
			return log_error_errno(-ENOMEM, "out of memory");
		free(TAKE_PTR(data));
		if ((r = fetch_raw(p, byd, false, &data, &len)) < 0 ||
		    (r = check_digest(byd, p->digest, data, len)) < 0 ||
		    (r = json_parse_object(data, len, byd, &doc)) < 0)
			return r;
		mt = doc_type(doc);
		if (streq(mt, MT_OCI_INDEX) || streq(mt, MT_DOCKER_LIST)) {
			json_decref(doc);
			return log_error_errno(-EPROTONOSUPPORT, "%s: nested indexes are not taken",
					       p->name);
		}
	} else {
		char hex[SHA256_HEX_LEN + 1];
		if ((r = sha256_data(data, len, hex)) < 0 ||
		    asprintf(&p->digest, "sha256:%s", hex) < 0) {
			json_decref(doc);
			return log_error_errno(-ENOMEM, "out of memory");
		}
	}
	if (!streq(mt, MT_OCI_MANIFEST) && !streq(mt, MT_DOCKER_MANIFEST)) {
		json_decref(doc);
		return log_error_errno(-EPROTONOSUPPORT,
				       "%s: media type `%s` is not an image manifest berth can run",
				       p->name, mt);
	}
	p->mdoc = doc;
	p->manifest = TAKE_PTR(data);
	p->manifest_len = len;
	return 0;
}

/* An image of another digest has the name: it keeps its content under
 * DOMAIN/PATH@ITS-DIGEST, as a registry would name it, and the name moves
 * to the new image (as `podman pull` moves a tag). */
static int free_name(Pull *p, sqlite3 *db)
{
	ImageRow old;
	int r = db_image_get_by_name(db, p->name, &old);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return cli_db_error(p->cli, r, "read the state DB");
	if (!streq(old.name, p->name)) {
		/* Only an extra name: the image keeps its own. */
		image_row_done(&old);
		r = db_image_remove_name(db, p->name);
		return r < 0 && r != -ENOENT ? cli_db_error(p->cli, r, "untag %s", p->name) : 0;
	}
	_cleanup_free_ char *keep = NULL;
	if (old.digest && digest_is_sha256(old.digest))
		keep = image_ref_with_digest(&p->ref, old.digest);
	image_row_done(&old);
	if (!keep)
		return log_error_errno(-EEXIST,
				       "image %s exists and did not come from a registry: remove "
				       "it first (berth image rm %s)",
				       p->name, p->name);
	r = db_image_rename(db, p->name, keep);
	if (r == -EEXIST) {
		/* The old content is already stored under that name too. */
		r = db_image_get_by_name(db, keep, &old);
		image_row_done(&old);
		if (r >= 0)
			return log_error_errno(-EEXIST,
					       "image %s exists twice; remove one with berth image "
					       "rm %s",
					       keep, p->name);
	}
	if (r < 0)
		return cli_db_error(p->cli, r, "rename image %s", p->name);
	log_debug("%s: the previous image is now %s", p->name, keep);
	return 0;
}

/* Step 2: the content is stored already. */
static int name_existing(Pull *p, sqlite3 *db, ImageRow *have)
{
	ImageRow cur;
	int r = db_image_get_by_name(db, p->name, &cur);
	if (r >= 0) {
		bool same = streq(cur.id, have->id);
		image_row_done(&cur);
		if (same)
			return 0;
	} else if (r != -ENOENT)
		return cli_db_error(p->cli, r, "read the state DB");
	if ((r = free_name(p, db)) < 0)
		return r;
	r = db_image_add_name(db, have->id, p->name);
	if (r < 0)
		return cli_db_error(p->cli, r, "name image %s", p->name);
	return 0;
}

static int check_space(Pull *p, const char *dir, int64_t need)
{
	struct statvfs sv;
	if (statvfs(dir, &sv) < 0)
		return 0;
	uint64_t avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if ((uint64_t)need + UNPACK_MIN_FREE_BYTES > avail)
		return log_error_errno(-ENOSPC,
				       "%s: the download needs %lld MiB and `%s` has %llu MiB free "
				       "(berth keeps %llu MiB free)",
				       p->name, (long long)(need >> 20), dir,
				       (unsigned long long)(avail >> 20),
				       (unsigned long long)(UNPACK_MIN_FREE_BYTES >> 20));
	return 0;
}

/* Steps 3 to 5. */
static int fetch_and_store(Pull *p)
{
	_cleanup_(layered_import_done) LayeredImport im;
	_cleanup_free_ char *source = NULL, *byd = image_ref_with_digest(&p->ref, p->digest);
	if (!byd || asprintf(&source, "docker://%s", p->name) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	int r = layered_import_init(&im, p->cli, p->name, source, &p->o->limits);
	if (r < 0)
		return r;
	json_t *config = json_object_get(p->mdoc, "config");
	json_t *layers = json_object_get(p->mdoc, "layers");
	const char *cdigest = json_object_get_string(config, "digest");
	const char *ctype = json_object_get_string(config, "mediaType");
	if (!json_is_array(layers) || !digest_is_sha256(cdigest))
		return log_error_errno(-EBADMSG, "%s: the manifest has no config or layers",
				       p->name);
	if (ctype && !streq(ctype, MT_OCI_CONFIG) && !streq(ctype, MT_DOCKER_CONFIG))
		return log_error_errno(-EPROTONOSUPPORT,
				       "%s: config media type `%s`: an artifact, not a container "
				       "image",
				       p->name, ctype);
	json_t *csize = json_object_get(config, "size");
	if (json_is_integer(csize) && json_integer_value(csize) > (json_int_t)IMAGE_JSON_MAX)
		return log_error_errno(-EFBIG, "%s: the image config is larger than %u MiB",
				       p->name, IMAGE_JSON_MAX >> 20);
	size_t i;
	json_t *l;
	json_array_foreach(layers, i, l) {
		const char *mt = json_object_get_string(l, "mediaType");
		const char *d = json_object_get_string(l, "digest");
		json_t *size = json_object_get(l, "size");
		if (!layer_media_type_ok(mt))
			return log_error_errno(-EPROTONOSUPPORT,
					       "%s: layer %zu has media type `%s`, which berth "
					       "cannot unpack",
					       p->name, i + 1, mt);
		if (!digest_is_sha256(d))
			return log_error_errno(-EBADMSG,
					       "%s: layer %zu: `%s` is not a sha256 digest",
					       p->name, i + 1, d ? d : "(missing)");
		if ((r = layered_import_add_layer(
			     &im, d, d, json_is_integer(size) ? json_integer_value(size) : -1)) < 0)
			return r;
	}
	_cleanup_free_ char *cfg = NULL;
	size_t clen;
	if ((r = fetch_raw(p, byd, true, &cfg, &clen)) < 0 ||
	    (r = check_digest("the image config", cdigest, cfg, clen)) < 0 ||
	    (r = layered_import_set_config(&im, cfg, clen, p->name)) < 0)
		return r;
	if (!(im.digest = strdup(p->digest)) ||
	    !(im.manifest = strndup(p->manifest, p->manifest_len)))
		return log_error_errno(-ENOMEM, "out of memory");
	/* From here until the image is recorded, no layer the store has can
	 * go: removing one needs the lock exclusively. */
	if ((r = layered_import_lock(&im)) < 0)
		return r;

	size_t missing = 0;
	int64_t need = 0;
	for (i = 0; i < im.n_layers; i++)
		if (!im.layers[i].present) {
			missing++;
			need += im.layers[i].blob_size > 0 ? im.layers[i].blob_size : 0;
		}
	if (missing > 0) {
		_cleanup_free_ char *images = path_images_dir(&p->cli->paths), *tmp = NULL,
				    *blobs = NULL, *dest = NULL;
		if (!images)
			return log_error_errno(-ENOMEM, "out of memory");
		if ((r = check_space(p, images, need)) < 0)
			return r;
		if ((r = image_store_mktemp(images, &tmp)) < 0)
			return log_error_errno(r, "create a folder in `%s`: %m", images);
		if (strchr(tmp, ':')) {
			(void)rm_rf(tmp);
			return log_error_errno(
				-EINVAL,
				"the state folder `%s` has a ':', which skopeo's oci: "
				"destination cannot take",
				images);
		}
		if (asprintf(&blobs, "%s/blobs/sha256", tmp) < 0 ||
		    asprintf(&dest, "oci:%s:pull", tmp) < 0) {
			(void)rm_rf(tmp);
			return log_error_errno(-ENOMEM, "out of memory");
		}
		r = mkdir_p(blobs, 0700);
		if (r < 0)
			log_error_errno(r, "mkdir `%s`: %m", blobs);
		for (i = 0; r >= 0 && i < im.n_layers; i++) {
			if (!im.layers[i].present)
				continue;
			_cleanup_free_ char *f = NULL;
			if (asprintf(&f, "%s/%s", blobs, digest_hex(im.layers[i].blob_digest)) < 0)
				r = log_error_errno(-ENOMEM, "out of memory");
			else if ((r = write_file(f, "", 0, O_CREAT | O_EXCL, 0600)) < 0 &&
				 r != -EEXIST)
				log_error_errno(r, "create `%s`: %m", f);
			else
				r = 0;
		}
		_cleanup_free_ char *src = NULL;
		if (r >= 0 && asprintf(&src, "docker://%s", byd) < 0)
			r = log_error_errno(-ENOMEM, "out of memory");
		if (r >= 0) {
			char *const args[] = { src, dest, NULL };
			/* skopeo's own message may not say that the disk filled
			 * up (a write cut short fails the digest): ours does. */
			RegistryOptions ro = p->reg;
			ro.silent = true;
			r = skopeo_run("copy", &ro, "src", args, p->name, NULL, NULL, 0);
			struct statvfs sv;
			if (r < 0 && r != -ENOENT && statvfs(images, &sv) == 0 &&
			    (uint64_t)sv.f_bavail * sv.f_frsize < UNPACK_MIN_FREE_BYTES)
				log_error("%s: the disk under `%s` is full (%llu MiB free): %s",
					  p->name, images,
					  (unsigned long long)((uint64_t)sv.f_bavail *
								       sv.f_frsize >>
							       20),
					  skopeo_last_error());
			else if (r < 0 && r != -ENOENT)
				log_error("%s: %s", p->name, skopeo_last_error());
		}
		_cleanup_close_ int dirfd = -EBADF;
		if (r >= 0 && (dirfd = open(tmp, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			r = log_error_errno(-errno, "`%s`: %m", tmp);
		for (i = 0; r >= 0 && i < im.n_layers; i++) {
			if (im.layers[i].present)
				continue;
			char rel[14 + SHA256_HEX_LEN + 1], what[512];
			snprintf(rel, sizeof(rel), "blobs/sha256/%s",
				 digest_hex(im.layers[i].blob_digest));
			snprintf(what, sizeof(what), "%s: layer %zu (%.19s)", p->name, i + 1,
				 im.layers[i].blob_digest);
			r = layered_import_unpack_blob(&im, i, dirfd, rel, what);
			/* Each blob goes once unpacked: the disk holds one copy. */
			(void)unlinkat(dirfd, rel, 0);
		}
		(void)rm_rf(tmp);
		if (r < 0)
			return r;
	}
	sqlite3 *db;
	if ((r = cli_db(p->cli, &db)) < 0)
		return r;
	/* Another pull of the same image may have recorded it meanwhile:
	 * then it only gets the name (its layers are the same folders). */
	ImageRow have;
	if (db_image_get_by_digest(db, p->digest, &have) >= 0) {
		r = name_existing(p, db, &have);
		image_row_done(&have);
		return r;
	}
	if ((r = free_name(p, db)) < 0)
		return r;
	return layered_import_commit(&im);
}

static int pull_setup(Pull *p, Cli *cli, const PullOptions *o, const char *qualified)
{
	image_ref_done(&p->ref);
	free(p->name);
	p->name = NULL;
	int r = image_ref_parse(qualified, &p->ref);
	if (r < 0)
		return r;
	if (!(p->name = image_ref_name(&p->ref)))
		return log_error_errno(-ENOMEM, "out of memory");
	p->cli = cli;
	p->o = o;
	p->reg = o->reg;
	p->reg.registry = p->ref.domain;
	return 0;
}

int image_pull(Cli *cli, const char *ref, const PullOptions *o, char **ret_name)
{
	_cleanup_(pull_done) Pull p = { 0 };
	ImageRef r0;
	int r = image_ref_parse(ref, &r0);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **candidates = NULL;
	if (!r0.domain) {
		r = image_ref_candidates(&r0, &candidates);
		if (r >= 0 && !candidates)
			r = log_error_errno(-ENOENT,
					    "short name `%s` did not resolve: registries.conf has "
					    "no alias for it and no unqualified-search-registries; "
					    "name the registry (e.g. docker.io/library/%s)",
					    r0.path, r0.path);
		image_ref_done(&r0);
		if (r < 0)
			return r;
	} else {
		char *n = image_ref_name(&r0);
		image_ref_done(&r0);
		if (!n || strv_consume(&candidates, n) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
	}
	size_t n = strv_length(candidates);
	_cleanup_strv_free_ char **errors = NULL;
	for (size_t i = 0; i < n; i++) {
		if ((r = pull_setup(&p, cli, o, candidates[i])) < 0)
			return r;
		/* Of several registries, the first that has the image: a
		 * failure to reach one is only reported if none has it. */
		p.reg.silent = n > 1;
		free(p.digest);
		free(p.index_digest);
		free(p.manifest);
		json_decref(p.mdoc);
		p.digest = p.index_digest = p.manifest = NULL;
		p.mdoc = NULL;
		r = resolve_manifest(&p, candidates[i]);
		if (r >= 0)
			break;
		_cleanup_free_ char *e = NULL;
		if (asprintf(&e, "%s: %s", candidates[i], skopeo_last_error()) >= 0)
			(void)strv_consume(&errors, TAKE_PTR(e));
		if (i + 1 == n) {
			if (n > 1) {
				_cleanup_free_ char *all = strv_join(errors, "; ");
				return log_error_errno(r, "pull %s: no registry had it (%s)", ref,
						       all ? all : "?");
			}
			return r;
		}
	}
	p.reg.silent = false;
	sqlite3 *db;
	if ((r = cli_db(cli, &db)) < 0)
		return r;
	ImageRow have;
	r = db_image_get_by_digest(db, p.digest, &have);
	if (r >= 0) {
		r = name_existing(&p, db, &have);
		image_row_done(&have);
	} else if (r == -ENOENT)
		r = fetch_and_store(&p);
	else
		r = cli_db_error(cli, r, "read the state DB");
	if (r >= 0 && ret_name && !(*ret_name = strdup(p.name)))
		r = log_error_errno(-ENOMEM, "out of memory");
	return r;
}
