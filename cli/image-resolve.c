/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* What `berth run IMAGE` names: a rootfs folder, or an image in the store,
 * where the default image is made on first use. Apart from the store
 * (images.c), which the ways images are made (image-busybox.c and the
 * others) build on: resolving uses both, and neither calls back here. */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "image-ref.h"
#include "images.h"
#include "log.h"
#include "parse.h"
#include "util.h"

#define DEFAULT_IMAGE "busybox"

void resolved_image_done(ResolvedImage *i)
{
	free(i->name);
	strv_free(i->layers);
	free(i->config);
	*i = (ResolvedImage){ 0 };
}

static bool looks_like_path(const char *ref)
{
	return ref[0] == '/' || startswith(ref, "./") || startswith(ref, "../") ||
	       streq(ref, ".") || streq(ref, "..");
}

/* The names under which a pulled image of ref would be stored: ref
 * normalised (docker.io/library/..., :latest), or for a short name those
 * of its registries. */
static int stored_names(const char *ref, char ***ret)
{
	*ret = NULL;
	ImageRef r;
	/* Not a registry reference (a local name such as `My_Image`). */
	if (image_ref_parse_quiet(ref, &r) < 0)
		return 0;
	int k = 0;
	if (r.domain) {
		char *n = image_ref_name(&r);
		k = n ? strv_consume(ret, n) : -ENOMEM;
	} else
		k = image_ref_candidates(&r, ret);
	image_ref_done(&r);
	return k;
}

int image_resolve_pull(Cli *cli, const char *ref, const char *policy, const PullOptions *po,
		       ResolvedImage *ret)
{
	*ret = (ResolvedImage){ 0 };
	if (looks_like_path(ref) || (streq(ref, DEFAULT_IMAGE) && !streq(policy, "always")))
		return image_resolve(cli, ref, ret);
	if (!image_name_is_valid(ref))
		return log_error_errno(-EINVAL, "invalid image name `%s`", ref);
	_cleanup_free_ char *pulled = NULL;
	if (streq(policy, "always")) {
		int r = image_pull(cli, ref, po, &pulled);
		if (r < 0)
			return r;
		return image_resolve(cli, pulled, ret);
	}
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	ImageRow img;
	if ((r = db_image_get_by_name(db, ref, &img)) >= 0) {
		image_row_done(&img);
		return image_resolve(cli, ref, ret);
	}
	_cleanup_strv_free_ char **names = NULL;
	if ((r = stored_names(ref, &names)) < 0)
		return r;
	for (size_t i = 0; names && names[i]; i++)
		if (db_image_get_by_name(db, names[i], &img) >= 0) {
			image_row_done(&img);
			return image_resolve(cli, names[i], ret);
		}
	/* Nothing stored, and nowhere to pull it from: the local name was
	 * wrong, most likely. */
	if (!names || streq(policy, "never"))
		return image_resolve(cli, ref, ret);
	if ((r = image_pull(cli, ref, po, &pulled)) < 0)
		return r;
	return image_resolve(cli, pulled, ret);
}

int image_resolve(Cli *cli, const char *ref, ResolvedImage *ret)
{
	*ret = (ResolvedImage){ 0 };
	if (looks_like_path(ref)) {
		char real[PATH_MAX];
		if (!realpath(ref, real))
			return log_error_errno(-errno, "rootfs `%s`: %m", ref);
		if (!is_dir(real))
			return log_error_errno(-ENOTDIR, "rootfs `%s` is not a directory", ref);
		/* overlay's lowerdir option uses ':' and ',' as separators. */
		if (strpbrk(real, ":,\n"))
			return log_error_errno(-EINVAL,
					       "rootfs path `%s` contains ':' or ',', which "
					       "OverlayFS cannot take",
					       real);
		ret->name = strdup(real);
		if (!ret->name || strv_push(&ret->layers, real) < 0) {
			resolved_image_done(ret);
			return log_error_errno(-ENOMEM, "out of memory");
		}
		return 0;
	}

	if (!image_name_is_valid(ref))
		return log_error_errno(-EINVAL, "invalid image name `%s`", ref);
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	ImageRow img;
	r = db_image_get_by_name(db, ref, &img);
	if (r == -ENOENT && streq(ref, DEFAULT_IMAGE)) {
		/* The default image is made on first use: no network needed. */
		r = image_create_busybox(cli, ref);
		if (r < 0 && r != -EEXIST)
			return r;
		r = db_image_get_by_name(db, ref, &img);
	}
	if (r == -ENOENT)
		return log_error_errno(r,
				       "image `%s` not found (see `berth image list`; a rootfs "
				       "folder works too: ./path/to/rootfs)",
				       ref);
	if (r < 0)
		return log_error_errno(r, "look up image `%s`: %m", ref);

	r = image_layers_from_json(cli, img.layers, &ret->layers);
	if (r < 0) {
		image_row_done(&img);
		return log_error_errno(r, "image `%s` has a damaged layer list in the DB", ref);
	}
	for (size_t i = 0; ret->layers[i]; i++)
		if (!is_dir(ret->layers[i])) {
			r = log_error_errno(-ENOENT,
					    "image `%s` is missing its layer `%s`; remove it "
					    "with `berth image rm %s` and create it again",
					    ref, ret->layers[i], ref);
			image_row_done(&img);
			resolved_image_done(ret);
			return r;
		}
	ret->name = TAKE_PTR(img.name);
	ret->config = TAKE_PTR(img.config);
	image_row_done(&img);
	return 0;
}
