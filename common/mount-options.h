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
