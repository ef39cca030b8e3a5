/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "oci.h"

typedef struct {
	char *source;      /* absolute, resolved on the host */
	char *destination; /* absolute inside the container */
	bool read_only;
	const char *propagation; /* "rslave" for -M, else NULL */
} BindRequest;

typedef struct {
	char *destination;
	char *options; /* size=...,mode=... or NULL */
} TmpfsRequest;

typedef struct {
	BindRequest *binds;
	size_t n_binds;
	TmpfsRequest *tmpfs;
	size_t n_tmpfs;
	char **layers; /* --layers, top first */
} MountRequests;

int mount_parse_volume(MountRequests *m, const char *arg);    /* -v SRC:DST[:ro] */
int mount_parse_mount(MountRequests *m, const char *arg);     /* --mount, both syntaxes */
int mount_parse_tmpfs(MountRequests *m, const char *arg);     /* --tmpfs DST[:opts] */
int mount_parse_propagate(MountRequests *m, const char *arg); /* -M DIR[:DST] */
int mount_parse_layers(MountRequests *m, const char *arg);    /* --layers L1,L2 */
int mount_requests_apply(const MountRequests *m, ContainerSpec *s);
/* -M: makes the host folders shared mount points. Called just before the
 * container starts, once everything else was checked. */
int mount_requests_prepare_host(const MountRequests *m);
void mount_requests_done(MountRequests *m);
