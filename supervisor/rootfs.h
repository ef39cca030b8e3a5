/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "init-plan.h"

/* Helpers for the container init, between clone() and execve(): no
 * allocation, errors as negative errno and, in err, one short line. */

int rootfs_setup(const InitPlan *plan, SetupError *err);
int rootfs_pivot(const char *rootfs, SetupError *err);
int rootfs_finish(const InitPlan *plan, SetupError *err);

/* Opens path (absolute, inside the root at rootfd) without ever leaving
 * that root, creating it as a directory (or an empty file) when missing. */
int open_in_root(int rootfd, const char *path, bool create, bool as_file, int *ret_fd);
