/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* cgroup v2 only. This module is the only code in berth that writes
 * cgroup files. Paths passed in are absolute filesystem paths of a cgroup
 * directory (e.g. /sys/fs/cgroup/unified/berth/<id>). */

#define CGROUP_BERTH_PARENT "berth"

/* Finds the cgroup v2 mount: /sys/fs/cgroup on a unified host,
 * /sys/fs/cgroup/unified on a hybrid one, else from mountinfo. */
int cgroup_v2_mount(char **ret);
/* Removes the cgroup at path if no process is in it; -EBUSY otherwise. */
int cgroup_remove_empty(const char *path);

/* Where berth's cgroups go (the parent of berth/): the mount for root; for
 * a rootless berth (common/rootless.h) the cgroup v2 subtree delegated to
 * the user that it runs in, the topmost cgroup above its own whose folder
 * and cgroup.procs are the user's. -ENOMEDIUM when it runs in none: its
 * containers then get no cgroup. */
int cgroup_berth_base(char **ret);
/* The same from the mount and our cgroup's path in it ("/a/b"). */
int cgroup_delegated_base(const char *mnt, const char *self, char **ret);
/* The cgroup a container with this id gets: "<base>/berth/<id>". */
int cgroup_container_path(const char *id, char **ret);

/* The extended attribute that names the berth root (its state folder) a
 * container's cgroup belongs to. */
#define CGROUP_OWNER_XATTR "user.berth.root"
/* mkdir the cgroup (and its berth/ parent), marked as owner's. Returns an
 * O_PATH|O_DIRECTORY fd of it for CLONE_INTO_CGROUP in ret_fd (may be
 * NULL). One that exists already with owner's mark is a leftover of a
 * killed supervisor: it is taken down and made again; -EEXIST if it
 * exists without that mark. */
int cgroup_create(const char *path, const char *owner, int *ret_fd);
/* The owner mark of a cgroup into buf: 1, or 0 when it has none. */
int cgroup_owner(const char *path, char *buf, size_t size);
/* 1 when the cgroup carries owner's mark, 0 when not. */
int cgroup_owned_by(const char *path, const char *owner);

int cgroup_freeze(const char *path, bool freeze, int timeout_ms);
/* Makes the missing ancestors of the cgroup at path (cgroup_create()
 * makes only its direct parent), marked as owner's. */
int cgroup_make_parents(const char *path, const char *owner);
/* Removes path's ancestors that carry owner's mark and are empty, from its
 * parent up, stopping at the first that is in use or not owner's. */
void cgroup_remove_parents(const char *path, const char *owner);
/* 1 when cgroup.events says frozen 1, 0 when not, negative on error. */
int cgroup_is_frozen(const char *path);
int cgroup_is_populated(const char *path);
int cgroup_kill(const char *path);
/* Kills what is left, waits until the cgroup is empty, removes it, and
 * keeps the berth/ parent. Missing is not an error. */
int cgroup_destroy(const char *path, int timeout_ms);
int cgroup_read_procs(const char *path, pid_t **ret, size_t *ret_n);
