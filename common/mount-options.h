/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

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

