/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* --user NAME|UID[:GROUP|GID], resolved in the container's own /etc/passwd
 * and /etc/group (never the host's), as Podman does. */
typedef struct {
	uint32_t uid, gid;
	uint32_t *groups; /* supplementary groups the user is a member of */
	size_t n_groups;
	char *home;
} ResolvedUser;

void resolved_user_done(ResolvedUser *u);
/* rootfd: the container's root (or an image layer). Returns -ESRCH with
 * a printed error when a name is unknown. */
int user_resolve_at(int rootfd, const char *spec, ResolvedUser *ret);
/* Looks in the image's layers, top first, for the layer that holds
 * /etc/passwd (and /etc/group). */
int user_resolve_in_layers(char *const *layers, const char *spec, ResolvedUser *ret);
