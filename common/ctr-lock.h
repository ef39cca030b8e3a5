/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Who is at work on a container. A change of a container's state that
 * takes steps a kill can cut short holds a lock (flock(2)) on the
 * container's folder for as long as it takes:
 *
 *   - a start, from the CLI's claim (state `created`) until the supervisor
 *     has recorded the container running, or its failure: shared, held by
 *     the CLI and by the supervisor it started, so that either may die;
 *   - a removal, from its claim (state `removing`) until the row is gone:
 *     exclusive.
 *
 * The kernel drops a lock when its holder dies, however it dies. So a row
 * left `created` or `removing` whose folder nobody holds was left by a
 * killed process, and the next command that meets it finishes the removal
 * or records why the start never ended (cli/container.c). */

#include <sys/file.h>

/* Takes the lock on the folder at bundle (LOCK_SH or LOCK_EX), waiting up
 * to timeout_ms (0: not at all): the held fd in ret_fd. -EBUSY when
 * someone else holds it still, -ENOENT when there is no folder. */
int ctr_lock(const char *bundle, int operation, int timeout_ms, int *ret_fd);
/* 1 when someone holds the folder's lock, 0 when nobody does, -ENOENT
 * when there is no folder. */
int ctr_lock_held(const char *bundle);
