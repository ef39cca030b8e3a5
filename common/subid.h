/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Subordinate ids: /etc/subuid and /etc/subgid (shadow's subuid(5)), the
 * host ids a user may map into a user namespace through newuidmap and
 * newgidmap. */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
	uint32_t start, count;
} SubidRange;

/* Appends to *ranges the ranges of path (NAME-OR-ID:START:COUNT lines):
 * every one when owner is NULL, else those of the user named owner or
 * whose id is id. A missing file has none. */
int subid_ranges_read(const char *path, const char *owner, uid_t id, SubidRange **ranges,
		      size_t *n);
/* The files, $BERTH_SUBUID and $BERTH_SUBGID when set (for tests). */
const char *subid_file_uid(void);
const char *subid_file_gid(void);
