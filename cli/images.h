/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The image store and the ways images get into it. See
 * docs/state-db.md, "Images and layers", for the layout on disk and in the DB. */

#include <stdint.h>

#include "cli.h"
#include "skopeo.h"

/* ---- the store (images.c) ---- */

/* Every command that adds to the store holds <state>/images/.lock shared
 * from before it looks for reusable layers until its DB row is committed.
 * Removing garbage (temporary folders of killed imports, folders no DB row
 * names) needs it exclusively, so it never races an import: whatever an
 * import is still building is safe, and whatever nobody is building is
 * garbage. This takes the lock shared, sweeping first if nobody holds it. */
int image_store_lock(Cli *cli, int *ret_fd);
/* After a removal: sweeps now if no import holds the lock, else leaves the
 * garbage to the next import. */
void image_store_sweep_if_idle(Cli *cli);
/* A fresh <dir>/.tmp-XXXXXX (0700): the only kind of name the sweep
 * removes besides folders without a DB row. */
int image_store_mktemp(const char *dir, char **ret);
/* images.layers (relative to the root in the DB) as a JSON array of
 * absolute paths, for users to read; NULL when it is damaged. */
typedef struct json_t json_t;
json_t *image_layer_paths(Cli *cli, const char *layers_json);
/* The same as a string vector; -EBADMSG when it is damaged. */
int image_layers_from_json(Cli *cli, const char *layers_json, char ***ret);
/* Bytes on disk under path (st_blocks), hard-linked files counted once. */
int disk_usage(const char *path, uint64_t *ret);
/* Fails with a clear message when name is not a valid image name or is
 * taken: checked before any long work. */
int image_check_new_name(Cli *cli, const char *name);

/* An image that is one folder, <state>/images/<id>/rootfs: busybox,
 * rootfs tarballs, debootstrap. populate() fills rootfs (an empty folder,
 * in a temporary place); the image is then renamed into place and only
 * then recorded. */
typedef int (*ImagePopulate)(Cli *cli, const char *rootfs, void *userdata);
typedef struct {
	const char *name;
	const char *source;
	const char *config; /* run defaults (JSON) or NULL */
	const char *digest; /* or NULL */
	ImagePopulate populate;
	void *userdata;
} FlatImage;
int image_create_flat(Cli *cli, const FlatImage *f);

/* Removes the row, the image's own folder and, if no import is running,
 * the layers no image uses any more. */
int image_remove(Cli *cli, const ImageRow *img);

/* ---- import (image-import.c, image-oci.c) ---- */

typedef struct {
	uint64_t max_files;
	uint64_t max_bytes;
} ImportLimits;

/* ref: a rootfs tarball, oci:DIR[:TAG] or docker-archive:FILE[:REF]. */
int image_import(Cli *cli, const char *name, const char *ref, const ImportLimits *limits);
int image_import_oci(Cli *cli, const char *name, const char *dir, const char *tag,
		     const ImportLimits *limits);
/* The same, recording source (not oci:DIR) as where the image came from. */
int image_import_oci_as(Cli *cli, const char *name, const char *dir, const char *tag,
			const ImportLimits *limits, const char *source);
int image_import_docker_archive(Cli *cli, const char *name, const char *file, const char *ref,
				const ImportLimits *limits);
/* What kind of archive file is: an OCI archive (*ret_oci) or a docker
 * archive, with the RepoTags of its images (*ret_tags, NULL if none). */
int docker_archive_kind(const char *file, char ***ret_tags, bool *ret_oci);

/* ---- registries (image-pull.c, image-push.c) ---- */

struct PullOptions {
	RegistryOptions reg;
	ImportLimits limits;
};
/* Pulls ref (a reference, or a short name resolved through
 * registries.conf) into the store; ret_name: the name it is stored under.
 * Prints nothing on success. */
int image_pull(Cli *cli, const char *ref, const PullOptions *o, char **ret_name);

/* ---- commit (image-commit.c) ---- */

/* A new image `name`: the layers under container key and its writable
 * layer on top. */
int image_commit(Cli *cli, const char *key, const char *name);

/* ---- out of the store (image-save.c) ---- */

/* The image as an OCI image layout in dir (made if missing), tagged tag,
 * its layers packed again from their folders; the manifest digest in
 * *ret_digest. The caller holds the store lock. */
int image_export_layout(Cli *cli, const ImageRow *img, const char *dir, const char *tag,
			char **ret_digest);
/* To a registry: dest (or name itself) is REGISTRY/REPO[:TAG]. */
int image_push(Cli *cli, const char *name, const char *dest, const RegistryOptions *o,
	       char **ret_digest);
/* To a file: format "oci-archive" or "docker-archive". */
int image_save(Cli *cli, const char *name, const char *file, const char *format);
/* From a file of image_save's (or podman save's, docker save's): the
 * image named name, or as the archive names it. */
int image_load(Cli *cli, const char *file, const char *name, const ImportLimits *limits,
	       char **ret_name);

/* The options every registry command takes (cmd_image.c): getopt codes
 * from 0x400, clear of every command's own. */
enum {
	ARG_REG_TLS_VERIFY = 0x400,
	ARG_REG_CREDS,
	ARG_REG_AUTHFILE,
	ARG_REG_CERT_DIR,
	ARG_REG_PLATFORM,
};
#define REGISTRY_LONG_OPTIONS                                              \
	{ "tls-verify", optional_argument, NULL, ARG_REG_TLS_VERIFY },     \
		{ "creds", required_argument, NULL, ARG_REG_CREDS },       \
		{ "authfile", required_argument, NULL, ARG_REG_AUTHFILE }, \
	{                                                                  \
		"cert-dir", required_argument, NULL, ARG_REG_CERT_DIR      \
	}
/* 1 when c was a registry option (taken into o), 0 when not, or an error. */
int registry_option_parse(int c, const char *arg, RegistryOptions *o);

/* ---- debootstrap (image-debootstrap.c) ---- */

typedef struct {
	const char *suite;   /* NULL: the host's release */
	const char *mirror;  /* NULL: from /etc/apt/sources.list* */
	const char *variant; /* NULL: minbase */
	const char *include; /* extra packages, comma-separated, or NULL */
} DebootstrapOptions;
int image_debootstrap(Cli *cli, const char *name, const DebootstrapOptions *o);
/* The mirror used when none is given: the best http(s) source of the
 * suite's main component in apt's sources under apt_dir ("/etc/apt"), a
 * Debian archive first, never a security one; else deb.debian.org. NULL
 * when out of memory. */
char *debootstrap_find_mirror(const char *apt_dir, const char *suite);
/* The suite used when none is given: VERSION_CODENAME of os_release
 * ("/etc/os-release"), else "stable". NULL when out of memory. */
char *debootstrap_host_codename(const char *os_release);

/* ---- run defaults (image-config.c) ---- */

/* The part of an OCI image config that `berth run` uses. */
typedef struct {
	char **entrypoint;
	char **cmd;
	char **env;
	char *workdir;
	char *user;
	char *stop_signal;
} ImageDefaults;
void image_defaults_done(ImageDefaults *d);
/* A JSON array of strings (or null) as a string vector (or NULL);
 * -EBADMSG for anything else. */
int strv_from_json(json_t *a, char ***ret);

/* json: the images.config column (NULL gives empty defaults). */
int image_defaults_parse(const char *json, ImageDefaults *ret);
