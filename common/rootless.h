/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berth for a user who is not root ("rootless"; docs/rootless.md).
 *
 * The CLI first enters a user namespace of the user's own (rootless_enter()),
 * where the user is root and the user's subordinate ids (/etc/subuid,
 * /etc/subgid, mapped by newuidmap and newgidmap) are ids 1 to N. Everything
 * berth does then runs there: the supervisors it starts, the files it
 * unpacks, the containers. So root's code runs unchanged, and can do nothing
 * the user could not do. The namespace is marked as podman marks its own
 * (_CONTAINERS_USERNS_CONFIGURED, _CONTAINERS_ROOTLESS_UID), which skopeo
 * and berth's own children read. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci.h"

/* Whether berth runs for a user who is not root: its euid is not 0, or it
 * runs in the user namespace rootless_enter() made. */
bool rootless(void);

typedef struct {
	uid_t uid; /* the user, on the host */
	gid_t gid;
	uint32_t n_uids; /* ids the namespace maps: 1 + the subordinate ones */
	uint32_t n_gids;
} RootlessIds;

/* The user and the ids mapped, read from inside the namespace once and
 * kept (or, before rootless_enter(), the user alone). */
int rootless_ids(RootlessIds *ret);

/* Makes the user namespace and enters it (a no-op when in it already).
 * The ranges of /etc/subuid and /etc/subgid (those of the user's name, as
 * getpwuid() gives it, or NULL, and those of its uid) go through newuidmap and
 * newgidmap; a user without either gets the single-id map (only the user,
 * as root). Errors are logged, one line; returns a negative errno. Only
 * while the process has one thread. */
int rootless_enter(const char *name);
/* Enters the user namespace of a process of the user's (a supervisor's),
 * whose namespaces only a process of that user namespace can join; from
 * the host's user namespace only. -ESRCH when it is gone. */
int rootless_join(pid_t pid, uint64_t start_time);

/* --userns keep-id (as in podman): the user is the same id inside as
 * outside. In the ids of our user namespace (0 is the user, 1 to n-1 the
 * subordinate ones): container ids below the user's are ours from 1, the
 * user's is our 0, the rest stay. Into m, up to 3 ranges; returns how many. */
size_t rootless_keep_id_maps(SpecIdMap m[3], uint32_t id, uint32_t n);
/* The maps of a user namespace made inside ours, in our ids, each range
 * split where a line of our own uid_map or gid_map (path) begins: the
 * kernel maps every range of a map through one line of its parent's. */
int rootless_split_maps(const char *path, SpecIdMap **maps, size_t *n);
