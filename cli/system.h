/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "cli.h"

/* system-repair.c: `berth system check --repair` */

/* The pid of the supervisor at work on container id of this root, or 0;
 * its start time in ret_start_time. */
pid_t find_supervisor_of(const Cli *cli, const char *id, uint64_t *ret_start_time);
/* Moves the damaged state DB aside and makes a new one of what can still
 * be read from it; prints what it did. */
int repair_salvage(Cli *cli, int64_t *ret_containers, int64_t *ret_images);
/* Records container id again from its folder's config.json (and its
 * image, from the layers it uses); prints what it did. */
int repair_container(Cli *cli, const char *id);
