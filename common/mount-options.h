/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct {
	unsigned long flags;       /* MS_* for mount(2) */
	unsigned long clear;       /* flags an option turned off explicitly (rw, suid, ...) */
	unsigned long propagation; /* MS_PRIVATE/MS_SLAVE/... (| MS_REC), 0 if none */
	bool bind;                 /* bind or rbind */
	char *data;                /* the filesystem-specific rest, comma-joined */
} MountOptions;

/* Splits OCI mount options into mount(2) flags, propagation and data. */
int mount_options_parse(char *const *options, MountOptions *ret);
void mount_options_done(MountOptions *o);

/* The first option that mount_options_parse() would refuse (empty, or
 * holding a comma) or, for a bind mount, one that is not a flag, a
 * propagation or bind/rbind: the kernel ignores a bind mount's data, so
 * such an option would be dropped without a word. NULL if none. */
const char *mount_options_bad(char *const *options, bool bind);

/* Every tmpfs berth mounts has a size cap: a tmpfs without one may take
 * half of the host's RAM, each. TMPFS_SIZE_DEFAULT, or half of the
 * container's memory limit when that is smaller (memory_limit <= 0: no
 * limit). At least one page: size=0 would be no cap at all. */
#define TMPFS_SIZE_DEFAULT (UINT64_C(256) << 20)
uint64_t tmpfs_size_default(int64_t memory_limit);
/* Adds size=default_size to a tmpfs's OCI options that have no size=, and
 * nr_inodes= (one inode per page of its size, at least 1024) when they
 * have none: each inode is kernel memory that size= does not count. */
int tmpfs_options_cap(char ***options, uint64_t default_size);
