/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Packing a folder in OverlayFS form (an unpacked layer, a container's
 * upper folder) into an OCI layer tar: the reverse of image-unpack.h. */

#include <stdbool.h>
#include <stdint.h>

#include "oci.h"
#include "sha256.h"

typedef struct {
	bool gzip;        /* gzip the output (no time or name in the gzip header) */
	const char *what; /* the layer, for messages; the folder when NULL */
	/* A user namespace's maps (container id -> host id): owners are
	 * written as the container sees them; an owner they lack fails. */
	const SpecIdMap *uid_map, *gid_map;
	size_t n_uid_map, n_gid_map;
} PackOptions;

typedef struct {
	char diff_hex[SHA256_HEX_LEN + 1]; /* sha256 of the uncompressed tar stream */
	char blob_hex[SHA256_HEX_LEN + 1]; /* sha256 of the bytes written to out_fd */
	uint64_t blob_size;                /* bytes written to out_fd */
	uint64_t files;                    /* entries written */
} PackResult;

/* Writes the folder dir as an OCI layer tar (pax, as libarchive's
 * "restricted pax" writes it: ustar headers, a pax header only where
 * ustar cannot say it) to out_fd, and the same folder always gives the
 * same bytes:
 *  - "./" (the folder itself) first, then each folder's entries sorted by
 *    name (strcmp), every folder directly followed by its contents, as
 *    Go's filepath.Walk orders them for docker and containerd;
 *  - numeric uid and gid only, the mode, mtime in whole seconds, no atime
 *    or ctime; symlinks, fifos, devices; files of st_nlink > 1 that share
 *    an inode inside dir written once, then as hard links to that name;
 *  - of the xattrs, "security.capability" and "user.*" only (without
 *    "user.overlay.*", which image-unpack.c drops as well);
 *  - OverlayFS whiteouts back in OCI form: a 0:0 character device NAME
 *    becomes an empty ".wh.NAME" (mode 0, owner 0:0), a folder with
 *    trusted.overlay.opaque="y" is followed by an empty ".wh..wh..opq"
 *    inside it;
 *  - sockets skipped; folders of another file system written, their
 *    contents not.
 * Refused: a real file named ".wh.*" (it would read as a whiteout), and
 * OverlayFS metacopy files and redirected folders (their data or contents
 * live in a lower layer). Errors are logged here, once, as one line that
 * names the path. ret is written only on success. */
int layer_pack_dir(const char *dir, int out_fd, const PackOptions *o, PackResult *ret);
