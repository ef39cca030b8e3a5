/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What OCI layouts and docker save archives have in common once parsed:
 * an image config and a list of layers, each unpacked once into
 * <state>/layers/<hex of its diff_id>/ and shared by every image that has
 * it. The format readers (image-oci.c, image-docker-archive.c) fill a
 * LayeredImport; this module verifies, unpacks and records it. */

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "image-unpack.h"
#include "images.h"

struct archive;

/* Manifests, indexes and configs are small; anything bigger is refused
 * before it is read into memory. */
#define IMAGE_JSON_MAX (4u << 20)

typedef struct {
	char *path;        /* the blob file (OCI) or archive member (docker save) */
	char *blob_digest; /* "sha256:..." of the blob as stored, or NULL if unknown */
	int64_t blob_size; /* -1 if unknown */
	char *diff_id;     /* "sha256:..." of the uncompressed tar, from the config */
	bool present;      /* its folder is in the store */
	int64_t size;      /* bytes on disk */
} ImportLayer;

typedef struct {
	Cli *cli;
	const char *name;
	uint64_t files_left, bytes_left;
	char *source;        /* for the images.source column */
	char *digest;        /* manifest digest, or NULL */
	char *config_json;   /* the image config's "config" object: run defaults */
	char *image_config;  /* the whole image config document, as verified */
	char *manifest;      /* the manifest, as verified, or NULL */
	ImportLayer *layers; /* bottom first */
	size_t n_layers;
	char *store; /* <state>/layers */
	int lock_fd;
	bool committed;
} LayeredImport;

/* Starts importing image `name` (image_import() has checked it) from
 * SCHEME:PATH[:SUFFIX]: PATH made absolute in ret_abs, im->source set. */
int layered_import_start(LayeredImport *im, Cli *cli, const char *name, const char *scheme,
			 const char *path, const char *suffix, const ImportLimits *limits,
			 char ret_abs[static PATH_MAX]);
/* The same for a source that is no file: source is stored as given. */
int layered_import_init(LayeredImport *im, Cli *cli, const char *name, const char *source,
			const ImportLimits *limits);
/* After a failure, also removes the layers this import moved into place
 * but never recorded, unless another import is running. */
void layered_import_done(LayeredImport *im);
/* Layers in manifest order (bottom first). */
int layered_import_add_layer(LayeredImport *im, const char *path, const char *blob_digest,
			     int64_t blob_size);
/* The image config document, already verified against its digest: takes
 * rootfs.diff_ids (one per layer) and the run defaults. */
int layered_import_set_config(LayeredImport *im, const char *data, size_t len, const char *what);
/* Takes the store lock and marks the layers the store already has. */
int layered_import_lock(LayeredImport *im);
/* Unpacks layer i from fd (or from the current entry of outer) into a
 * temporary folder, checks both digests, and moves it into place. */
int layered_import_unpack(LayeredImport *im, size_t i, const char *what, int fd,
			  struct archive *outer, uint64_t total);
/* Unpacks layer i from the blob file at path, after checking its size and
 * digest against the manifest's. */
int layered_import_unpack_blob(LayeredImport *im, size_t i, int dirfd, const char *rel,
			       const char *what);
/* Every layer present: records the image. */
int layered_import_commit(LayeredImport *im);

/* JSON helpers shared by the format readers. */
int json_parse_object(const char *data, size_t len, const char *what, json_t **ret);
const char *json_object_get_string(json_t *o, const char *key);
/* A layer of this media type (OCI or Docker, plain, gzip or zstd tar) is
 * one berth can unpack; NULL (optional in old manifests) is taken. */
bool layer_media_type_ok(const char *mt);
/* "amd64", "arm64", ...: the host's architecture in OCI's words. */
const char *oci_host_arch(void);
