/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth image import NAME SOURCE: a root filesystem tarball (Alpine's
 * minirootfs, `docker export` output) becomes a one-folder image; an OCI
 * layout (oci:DIR[:TAG]) or a `docker save` tarball (docker-archive:FILE)
 * becomes an image of shared layers. */

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "image-unpack.h"
#include "images.h"
#include "log.h"
#include "util.h"

typedef struct {
	const char *what;
	int fd;
	uint64_t size;
	const ImportLimits *limits;
	char digest[8 + SHA256_HEX_LEN];
} Tarball;

static int populate_tarball(Cli *cli, const char *rootfs, void *userdata)
{
	Tarball *t = userdata;
	UnpackOptions o = {
		.what = t->what,
		.max_files = t->limits->max_files,
		.max_bytes = t->limits->max_bytes,
		.total = t->size,
		.progress = true,
	};
	UnpackResult res;
	int r = unpack_tar_fd(t->fd, rootfs, &o, &res);
	if (r < 0)
		return r;
	/* The sha256 of the file as given, which is what download pages
	 * publish (Alpine's .sha256 files): the user can compare. */
	snprintf(t->digest, sizeof(t->digest), "sha256:%s", res.blob_hex);
	return 0;
}

static int import_tarball(Cli *cli, const char *name, const char *file, const ImportLimits *limits)
{
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return log_error_errno(-errno, "`%s`: %m", file);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return log_error_errno(-errno, "`%s`: %m", file);
	if (S_ISDIR(st.st_mode))
		return log_error_errno(-EISDIR,
				       "`%s` is a folder: for an OCI image layout write "
				       "oci:%s; a rootfs folder needs no import (berth run "
				       "%s ...)",
				       file, file, file);
	char abs[PATH_MAX];
	if (!realpath(file, abs))
		return log_error_errno(-errno, "`%s`: %m", file);
	_cleanup_free_ char *source = NULL;
	if (asprintf(&source, "tarball:%s", abs) < 0)
		return log_error_errno(-ENOMEM, "out of memory");

	Tarball t = {
		.what = file,
		.fd = fd,
		/* A pipe or FIFO has no size: the bar then shows bytes only. */
		.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0,
		.limits = limits,
	};
	FlatImage f = {
		.name = name,
		.source = source,
		.digest = t.digest,
		.populate = populate_tarball,
		.userdata = &t,
	};
	return image_create_flat(cli, &f);
}

/* Splits "PATH[:SUFFIX]" where PATH exists (and is a folder if want_dir):
 * a path may itself contain ':', so the first split that names an existing
 * path wins. */
static int split_ref(const char *spec, bool want_dir, char **ret_path, char **ret_suffix)
{
	_cleanup_free_ char *copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	for (char *colon = NULL;;) {
		struct stat st;
		if (stat(copy, &st) == 0 && S_ISDIR(st.st_mode) == want_dir) {
			char *suffix = colon ? strdup(spec + (colon - copy) + 1) : NULL;
			if (colon && !suffix)
				return -ENOMEM;
			if (suffix && !*suffix) {
				free(suffix);
				suffix = NULL;
			}
			*ret_suffix = suffix;
			*ret_path = TAKE_PTR(copy);
			return 0;
		}
		if (colon)
			*colon = ':';
		colon = strchr(colon ? colon + 1 : copy, ':');
		if (!colon)
			return -ENOENT;
		*colon = 0;
	}
}

int image_import(Cli *cli, const char *name, const char *ref, const ImportLimits *limits)
{
	int r = image_check_new_name(cli, name);
	if (r < 0)
		return r;
	bool oci = startswith(ref, "oci:");
	bool docker = startswith(ref, "docker-archive:");
	if (!oci && !docker)
		return import_tarball(cli, name, ref, limits);

	const char *spec = ref + (oci ? strlen("oci:") : strlen("docker-archive:"));
	_cleanup_free_ char *path = NULL, *suffix = NULL;
	r = split_ref(spec, oci, &path, &suffix);
	if (r == -ENOENT)
		return log_error_errno(r, "%s: no such %s", ref, oci ? "folder" : "file");
	if (r < 0)
		return log_error_errno(r, "out of memory");
	if (oci)
		return image_import_oci(cli, name, path, suffix, limits);
	return image_import_docker_archive(cli, name, path, suffix, limits);
}
