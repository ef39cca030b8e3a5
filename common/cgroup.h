/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
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

/* The cgroup a container with this id gets: "<mount>/berth/<id>". */
int cgroup_container_path(const char *id, char **ret);

/* mkdir the cgroup (and its berth/ parent). Returns an O_PATH|O_DIRECTORY
 * fd of it for CLONE_INTO_CGROUP in ret_fd (may be NULL). -EEXIST if it
 * exists already. */
int cgroup_create(const char *path, int *ret_fd);

int cgroup_freeze(const char *path, bool freeze, int timeout_ms);
/* 1 when cgroup.events says frozen 1, 0 when not, negative on error. */
int cgroup_is_frozen(const char *path);
int cgroup_is_populated(const char *path);
int cgroup_kill(const char *path);
/* Kills what is left, waits until the cgroup is empty, removes it, and
 * keeps the berth/ parent. Missing is not an error. */
int cgroup_destroy(const char *path, int timeout_ms);
int cgroup_read_procs(const char *path, pid_t **ret, size_t *ret_n);
