/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* `docker save` tarballs (skopeo's docker-archive). manifest.json names a
 * config and the layers, all members of the same tar:
 *
 *   [{"Config": "<hex>.json", "RepoTags": ["app:1"],
 *     "Layers": ["<id>/layer.tar", ...]}]
 *
 * Docker 25 and later store them as blobs/sha256/<hex> instead (an OCI
 * layout inside the tar). Identical layers may be symlinks to another
 * member. manifest.json usually comes last, so the archive is read twice:
 * once for the small JSON members, once to unpack the layers it needs,
 * streamed straight from the tar without a copy on disk. */

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dl-archive.h"
#include "image-layers.h"
#include "log.h"
#include "sha256.h"
#include "util.h"

#define CACHE_MAX (64u << 20)
#define MAX_LINK_HOPS 16

typedef struct {
	char *name;
	char *data; /* small members only */
	size_t len;
	char *link; /* symlinks: the member they point to */
} Member;

typedef struct {
	Member *m;
	size_t n;
	size_t cached;
} Members;

static void members_done(Members *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		free(ms->m[i].name);
		free(ms->m[i].data);
		free(ms->m[i].link);
	}
	free(ms->m);
	*ms = (Members){ 0 };
}

/* Member names as a lexical path: no "./", no "//"; ".." resolved (NULL
 * when it leaves the archive). Used only to match names, never to write. */
static char *name_normalize(const char *dir, const char *name)
{
	_cleanup_free_ char *joined = NULL;
	if (asprintf(&joined, "%s%s%s", name[0] == '/' || !dir ? "" : dir,
		     name[0] == '/' || !dir || !*dir ? "" : "/", name) < 0)
		return NULL;
	char *out = malloc(strlen(joined) + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	char *save = NULL;
	for (char *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			if (o == 0) {
				free(out);
				return NULL;
			}
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, c, strlen(c));
		o += strlen(c);
	}
	out[o] = 0;
	return out;
}

static int open_archive(const char *file, struct archive **ret)
{
	int r = dl_archive_load();
	if (r < 0)
		return r;
	struct archive *a = archive_read_new();
	if (!a)
		return log_error_errno(-ENOMEM, "out of memory");
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, file, 1 << 20) != ARCHIVE_OK) {
		r = log_error_errno(-EBADMSG, "docker-archive:%s: not a tar archive: %s", file,
				    archive_error_string(a));
		archive_read_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

static bool worth_caching(const char *name, int64_t size)
{
	return size >= 0 && size <= (int64_t)IMAGE_JSON_MAX &&
	       (streq(name, "manifest.json") || streq(name, "oci-layout") ||
		(strlen(name) > 5 && streq(name + strlen(name) - 5, ".json")) ||
		startswith(name, "blobs/sha256/"));
}

/* Configs, manifests and indexes are JSON objects or arrays. gzip and
 * zstd data never start that way, a plain tar only when its first name
 * does (and is then merely kept). */
static bool looks_like_json(const char *data, size_t len)
{
	size_t i = 0;
	while (i < len && strchr(" \t\r\n", data[i]) && data[i])
		i++;
	return i < len && (data[i] == '{' || data[i] == '[');
}

static int read_members(const char *file, const char *label, Members *ms)
{
	struct archive *a;
	int r = open_archive(file, &a);
	if (r < 0)
		return r;
	struct archive_entry *e;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *path = archive_entry_pathname(e);
		_cleanup_free_ char *name = path ? name_normalize(NULL, path) : NULL;
		if (!name)
			continue;
		Member m = { 0 };
		if (archive_entry_filetype(e) == AE_IFLNK && archive_entry_symlink(e)) {
			_cleanup_free_ char *dir = strdup(name);
			char *slash = dir ? strrchr(dir, '/') : NULL;
			if (dir)
				*(slash ? slash : dir) = 0;
			m.link = dir ? name_normalize(dir, archive_entry_symlink(e)) : NULL;
			if (!m.link)
				continue;
		} else if (archive_entry_filetype(e) == AE_IFREG &&
			   worth_caching(name, archive_entry_size(e)) &&
			   ms->cached + (size_t)archive_entry_size(e) <= CACHE_MAX) {
			m.len = (size_t)archive_entry_size(e);
			m.data = malloc(m.len + 1);
			if (!m.data) {
				r = -ENOMEM;
				break;
			}
			la_ssize_t n = archive_read_data(a, m.data, m.len);
			if (n != (la_ssize_t)m.len) {
				free(m.data);
				r = ARCHIVE_FATAL;
				break;
			}
			/* Docker 25 stores layers as blobs too: kept, small ones
			 * would fill the cache before the config or manifest.json
			 * (the last member) came, and the import would fail. */
			if (startswith(name, "blobs/sha256/") && !looks_like_json(m.data, m.len)) {
				free(m.data);
				continue;
			}
			m.data[m.len] = 0;
			ms->cached += m.len;
		} else
			continue;
		Member *nm = realloc(ms->m, (ms->n + 1) * sizeof(Member));
		if (!nm) {
			free(m.data);
			free(m.link);
			r = -ENOMEM;
			break;
		}
		ms->m = nm;
		m.name = TAKE_PTR(name);
		ms->m[ms->n++] = m;
	}
	if (r == -ENOMEM)
		log_error_errno(r, "out of memory");
	else if (r != ARCHIVE_EOF)
		r = log_error_errno(-EBADMSG, "%s: damaged or truncated archive: %s", label,
				    archive_error_string(a));
	else
		r = 0;
	archive_read_free(a);
	return r;
}

/* The member a name ends at, after symlinks. */
static const Member *member_find(const Members *ms, const char *name)
{
	for (int hops = 0; hops < MAX_LINK_HOPS; hops++) {
		const Member *found = NULL;
		for (size_t i = 0; i < ms->n && !found; i++)
			if (streq(ms->m[i].name, name))
				found = &ms->m[i];
		if (!found || !found->link)
			return found;
		name = found->link;
	}
	return NULL;
}

/* Follows symlinks to the name of a regular member (which need not be
 * cached: layers are big). */
static char *member_resolve(const Members *ms, const char *name)
{
	_cleanup_free_ char *n = name_normalize(NULL, name);
	for (int hops = 0; n && hops < MAX_LINK_HOPS; hops++) {
		const Member *m = NULL;
		for (size_t i = 0; i < ms->n && !m; i++)
			if (streq(ms->m[i].name, n))
				m = &ms->m[i];
		if (!m || !m->link)
			return TAKE_PTR(n);
		free(n);
		n = strdup(m->link);
	}
	return NULL;
}

/* "<hex>.json" (legacy) or "blobs/sha256/<hex>": the digest the name
 * promises, as "sha256:<hex>"; NULL if the name promises none. */
static char *digest_from_name(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	char *d;
	if (asprintf(&d, "sha256:%.*s", SHA256_HEX_LEN, base) < 0)
		return NULL;
	bool json = strlen(base) == SHA256_HEX_LEN + 5 && streq(base + SHA256_HEX_LEN, ".json");
	bool blob = startswith(name, "blobs/sha256/") && strlen(base) == SHA256_HEX_LEN;
	if ((json || blob) && digest_is_sha256(d))
		return d;
	free(d);
	return NULL;
}

static bool repo_tags_match(json_t *entry, const char *ref)
{
	json_t *tags = json_object_get(entry, "RepoTags"), *t;
	size_t i;
	json_array_foreach(tags, i, t) {
		const char *s = json_string_value(t);
		if (!s)
			continue;
		size_t n = strlen(ref);
		if (streq(s, ref) || (strncmp(s, ref, n) == 0 && streq(s + n, ":latest")))
			return true;
	}
	return false;
}

static int pick_entry(json_t *manifest, const char *ref, const char *label, json_t **ret)
{
	if (!json_is_array(manifest) || json_array_size(manifest) == 0)
		return log_error_errno(-EBADMSG, "%s: manifest.json lists no images", label);
	if (!ref && json_array_size(manifest) == 1) {
		*ret = json_array_get(manifest, 0);
		return 0;
	}
	json_t *e, *found = NULL;
	size_t i;
	_cleanup_strv_free_ char **all = NULL;
	json_array_foreach(manifest, i, e) {
		if (ref && repo_tags_match(e, ref) && !found)
			found = e;
		json_t *t;
		size_t k;
		json_array_foreach(json_object_get(e, "RepoTags"), k, t)
			if (json_is_string(t) && strv_push(&all, json_string_value(t)) < 0)
				return log_error_errno(-ENOMEM, "out of memory");
	}
	if (found) {
		*ret = found;
		return 0;
	}
	_cleanup_free_ char *list = all ? strv_join(all, ", ") : strdup("none");
	if (ref)
		return log_error_errno(-ENOENT, "%s: no image tagged `%s` (tags: %s)", label, ref,
				       list ? list : "?");
	return log_error_errno(-ENOTUNIQ,
			       "%s holds %zu images: name one with docker-archive:FILE:REPO:TAG "
			       "(tags: %s)",
			       label, json_array_size(manifest), list ? list : "?");
}

static int read_config(LayeredImport *im, const Members *ms, json_t *entry, const char *label)
{
	const char *cfg_name = json_object_get_string(entry, "Config");
	json_t *layers = json_object_get(entry, "Layers");
	if (!cfg_name || !json_is_array(layers))
		return log_error_errno(-EBADMSG, "%s: manifest.json: no Config or Layers", label);

	size_t i;
	json_t *l;
	json_array_foreach(layers, i, l) {
		const char *p = json_string_value(l);
		_cleanup_free_ char *name = p ? member_resolve(ms, p) : NULL;
		if (!name)
			return log_error_errno(-EBADMSG, "%s: manifest.json: layer %zu: bad name",
					       label, i + 1);
		_cleanup_free_ char *digest = digest_from_name(name);
		int r = layered_import_add_layer(im, name, digest, -1);
		if (r < 0)
			return r;
	}

	_cleanup_free_ char *cfg_resolved = member_resolve(ms, cfg_name);
	const Member *cfg = cfg_resolved ? member_find(ms, cfg_resolved) : NULL;
	if (!cfg || !cfg->data)
		return log_error_errno(-ENOENT, "%s: config `%s` is not in the archive", label,
				       cfg_name);
	_cleanup_free_ char *digest = digest_from_name(cfg->name);
	if (!digest)
		return log_error_errno(-EBADMSG,
				       "%s: config `%s` is not named by its digest, so it "
				       "cannot be verified",
				       label, cfg_name);
	char hex[SHA256_HEX_LEN + 1];
	int r = sha256_data(cfg->data, cfg->len, hex);
	if (r < 0)
		return log_error_errno(r, "sha256: %m");
	if (!streq(hex, digest_hex(digest)))
		return log_error_errno(-EBADMSG,
				       "%s: config digest mismatch: expected %s, got "
				       "sha256:%s (the archive is damaged or was changed)",
				       label, digest, hex);
	im->digest = TAKE_PTR(digest);
	return layered_import_set_config(im, cfg->data, cfg->len, label);
}

/* Second pass: unpack each needed layer as its member streams by. */
static int unpack_layers(LayeredImport *im, const char *file, const char *label)
{
	bool needed = false;
	for (size_t i = 0; i < im->n_layers; i++)
		needed = needed || !im->layers[i].present;
	if (!needed)
		return 0;
	struct stat st;
	if (stat(file, &st) < 0)
		return log_error_errno(-errno, "%s: %m", label);
	struct archive *a;
	int r = open_archive(file, &a);
	if (r < 0)
		return r;
	struct archive_entry *e;
	int h = ARCHIVE_EOF;
	while (r >= 0 &&
	       ((h = archive_read_next_header(a, &e)) == ARCHIVE_OK || h == ARCHIVE_WARN)) {
		if (archive_entry_filetype(e) != AE_IFREG || !archive_entry_pathname(e))
			continue;
		_cleanup_free_ char *name = name_normalize(NULL, archive_entry_pathname(e));
		for (size_t i = 0; name && i < im->n_layers; i++) {
			if (im->layers[i].present || !streq(im->layers[i].path, name))
				continue;
			/* Named by its digest, as for an OCI layout: the member's
			 * name is blobs/sha256/<hex> or <id>/layer.tar, whose
			 * end says nothing on a progress bar (progress.h). The
			 * legacy layout names no blob digest. */
			const ImportLayer *l = &im->layers[i];
			char what[PATH_MAX + 64];
			snprintf(what, sizeof(what), "%s: layer %zu (%.19s)", label, i + 1,
				 l->blob_digest ? l->blob_digest : l->diff_id);
			r = layered_import_unpack(im, i, what, -EBADF, a, (uint64_t)st.st_size);
			break; /* the member's data is consumed */
		}
	}
	if (r >= 0 && h != ARCHIVE_EOF)
		r = log_error_errno(-EBADMSG, "%s: damaged or truncated archive: %s", label,
				    archive_error_string(a));
	archive_read_free(a);
	return r;
}

int image_import_docker_archive(Cli *cli, const char *name, const char *file, const char *ref,
				const ImportLimits *limits)
{
	char abs[PATH_MAX];
	_cleanup_(layered_import_done) LayeredImport im;
	int r = layered_import_start(&im, cli, name, "docker-archive", file, ref, limits, abs);
	if (r < 0)
		return r;

	Members ms = { 0 };
	r = read_members(abs, im.source, &ms);
	const Member *mf = r >= 0 ? member_find(&ms, "manifest.json") : NULL;
	json_t *manifest = NULL;
	if (r >= 0 && (!mf || !mf->data))
		r = log_error_errno(-ENOENT, "%s: not a docker save archive (no manifest.json)",
				    im.source);
	if (r >= 0) {
		json_error_t err;
		manifest = json_loadb(mf->data, mf->len, JSON_REJECT_DUPLICATES, &err);
		if (!manifest)
			r = log_error_errno(-EBADMSG, "%s: manifest.json: invalid JSON: %s",
					    im.source, err.text);
	}
	json_t *entry = NULL;
	if (r >= 0)
		r = pick_entry(manifest, ref, im.source, &entry);
	if (r >= 0)
		r = read_config(&im, &ms, entry, im.source);
	json_decref(manifest);
	members_done(&ms);
	if (r >= 0)
		r = layered_import_lock(&im);
	if (r >= 0)
		r = unpack_layers(&im, abs, im.source);
	if (r >= 0)
		r = layered_import_commit(&im);
	return r;
}

int docker_archive_kind(const char *file, char ***ret_tags, bool *ret_oci)
{
	*ret_tags = NULL;
	*ret_oci = false;
	Members ms = { 0 };
	int r = read_members(file, file, &ms);
	if (r < 0)
		return r;
	if (member_find(&ms, "oci-layout")) {
		*ret_oci = true;
		members_done(&ms);
		return 0;
	}
	const Member *mf = member_find(&ms, "manifest.json");
	json_t *manifest = mf && mf->data ? json_loadb(mf->data, mf->len, 0, NULL) : NULL;
	if (!mf || !mf->data)
		r = log_error_errno(
			-EBADMSG,
			"%s: neither an OCI archive (no oci-layout) nor a docker archive "
			"(no manifest.json)",
			file);
	else if (!json_is_array(manifest))
		r = log_error_errno(-EBADMSG, "%s: manifest.json: invalid", file);
	json_t *e, *t;
	size_t i, k;
	json_array_foreach(manifest, i, e)
		json_array_foreach(json_object_get(e, "RepoTags"), k, t)
			if (r >= 0 && json_is_string(t) &&
			    strv_push(ret_tags, json_string_value(t)) < 0)
				r = log_error_errno(-ENOMEM, "out of memory");
	json_decref(manifest);
	members_done(&ms);
	return r;
}
