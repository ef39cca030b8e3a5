/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Unpacking a tar stream (plain, gzip, bzip2, xz or zstd) into an empty
 * folder, refusing anything that would reach outside it. */

#include <stdbool.h>
#include <stdint.h>

#include "sha256.h"

struct archive;

/* Defaults for the tar-bomb limits, per import (all layers together).
 * A full Debian system is about 30,000 files and 1 GiB; the largest
 * common images (CUDA, TeX Live) stay under 500,000 files and 20 GiB. */
#define UNPACK_MAX_FILES_DEFAULT UINT64_C(1000000)
#define UNPACK_MAX_BYTES_DEFAULT (UINT64_C(64) << 30)
/* Unpacking stops while the image store's file system has less than
 * this much space left, so that no archive can fill the host's disk. */
#define UNPACK_MIN_FREE_BYTES (UINT64_C(512) << 20)

typedef struct {
	const char *what;   /* the archive, for messages */
	bool whiteouts;     /* an OCI layer: turn .wh. entries into OverlayFS whiteouts */
	uint64_t max_files; /* entries */
	uint64_t max_bytes; /* uncompressed tar bytes */
	uint64_t total;     /* size of the input for the progress bar, 0 if unknown */
	bool progress;      /* draw a progress bar (only on a terminal) */
} UnpackOptions;

typedef struct {
	char blob_hex[SHA256_HEX_LEN + 1]; /* sha256 of the input as read */
	char diff_hex[SHA256_HEX_LEN + 1]; /* sha256 of the uncompressed tar */
	uint64_t files;
	uint64_t bytes; /* uncompressed tar bytes */
} UnpackResult;

/* Unpacks everything fd yields into dest (an existing, empty folder).
 * The work happens in a child process chrooted into dest, so that even a
 * flaw in the archive library cannot write outside it; the child dies with
 * us. Entries with an absolute path, a `..` component, a hard link out of
 * the tree, or a path through a symlink are refused, as are archives past
 * the limits. Errors are printed here, once, as one line. */
int unpack_tar_fd(int fd, const char *dest, const UnpackOptions *o, UnpackResult *ret);

/* The same for the data of the current entry of an open archive (a layer
 * inside a `docker save` tarball), fed to the child through a pipe. */
int unpack_tar_entry(struct archive *outer, const char *dest, const UnpackOptions *o,
		     UnpackResult *ret);
