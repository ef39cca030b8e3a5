/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The mounts a user asks for on the command line (-v, --mount, --tmpfs),
 * read as text and checked: every part and every option is understood or
 * refused with an error that names it, never dropped. `-v SRC:/x,ro` once
 * meant a read-write mount at "/x,ro". Nothing here looks at a file
 * system: cli/mounts.c resolves sources on the host. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	MOUNT_SPEC_BIND,
	MOUNT_SPEC_TMPFS,
} MountSpecType;

typedef struct {
	MountSpecType type;
	char *source;            /* bind: as given; NULL for a tmpfs */
	char *destination;       /* absolute, no "." or "..", single slashes, no trailing one */
	bool read_only;          /* ro (or rro: read-only, submounts too) */
	bool read_write;         /* rw given; a read-only source stays read-only all the same */
	bool nonrecursive;       /* bind: the source's submounts are left out */
	unsigned long set;       /* MS_NOSUID, MS_NODEV, MS_NOEXEC asked for */
	unsigned long clear;     /* suid, dev, exec: the same, asked off */
	const char *propagation; /* "rprivate", "rslave", ...; NULL: not given */
	bool relabel;            /* z, Z or relabel=: an SELinux label */
	uint64_t size;           /* tmpfs: bytes, 0 if not given */
	uint64_t nr_inodes;      /* tmpfs: 0 if not given */
	int mode;                /* tmpfs: -1 if not given */
	int64_t uid, gid;        /* tmpfs: -1 if not given */
} MountSpec;

/* Each parser fills ret (freed with mount_spec_done(), also after a
 * failure) and, on failure, returns -EINVAL with one line in err that
 * names the part at fault. */

/* -v / --volume: SRC:DST[:OPTIONS], OPTIONS comma-separated. */
int mount_spec_parse_volume(const char *arg, MountSpec *ret, char *err, size_t errlen);
/* --mount type=bind|tmpfs,src=...,dst=...,... (Docker's and Podman's
 * fields). */
int mount_spec_parse_fields(const char *arg, MountSpec *ret, char *err, size_t errlen);
/* --tmpfs DST[:OPTIONS] */
int mount_spec_parse_tmpfs(const char *arg, MountSpec *ret, char *err, size_t errlen);
/* A destination inside the container: absolute, not "/", no "." or ".."
 * component, no comma (what follows one was meant as an option). Gives it
 * normalised. */
int mount_spec_check_destination(const char *dst, char **ret, char *err, size_t errlen);
/* The OCI options (config.json) of a parsed mount, with berth's defaults:
 * a bind is rbind and rprivate; a tmpfs is nosuid, nodev, mode=1777. */
int mount_spec_oci_options(const MountSpec *m, char ***ret);
void mount_spec_done(MountSpec *m);
