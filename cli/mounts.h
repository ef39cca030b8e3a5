/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "mount-spec.h"
#include "oci.h"

/* -v, --mount and -M binds (source resolved on the host), --tmpfs mounts;
 * destinations are unique. */
typedef struct {
	MountSpec *binds;
	size_t n_binds;
	MountSpec *tmpfs;
	size_t n_tmpfs;
	char **shared; /* -M: host folders made shared mount points at start */
	char **layers; /* --layers, top first */
} MountRequests;

int mount_parse_volume(MountRequests *m, const char *arg);    /* -v SRC:DST[:OPTIONS] */
int mount_parse_mount(MountRequests *m, const char *arg);     /* --mount, both syntaxes */
int mount_parse_tmpfs(MountRequests *m, const char *arg);     /* --tmpfs DST[:opts] */
int mount_parse_propagate(MountRequests *m, const char *arg); /* -M DIR[:DST] */
int mount_parse_layers(MountRequests *m, const char *arg);    /* --layers L1,L2 */
/* Puts the mounts into s; one at the destination of a default mount
 * (/tmp, /dev/shm, ...) takes its place. */
int mount_requests_apply(const MountRequests *m, ContainerSpec *s);
/* Caps every tmpfs of s that has no size= (tmpfs_options_cap()), after
 * the memory limit is set. */
int mount_tmpfs_caps_apply(ContainerSpec *s);
/* -M: makes the host folders shared mount points. Called just before the
 * container starts, once everything else was checked. */
int mount_requests_prepare_host(const MountRequests *m);
void mount_requests_done(MountRequests *m);
