/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "oci.h"

/* --userns, --uidmap, --gidmap */

#define USERNS_AUTO_FIRST 100000u
#define USERNS_AUTO_SIZE 65536u

int id_map_parse(const char *s, SpecIdMap *ret);
/* The first free range of USERNS_AUTO_SIZE host ids for --userns auto: on
 * the grid from USERNS_AUTO_FIRST, taken by no container of this root and
 * overlapping no user's subordinate range (/etc/subuid and /etc/subgid, or
 * $BERTH_SUBUID and $BERTH_SUBGID). */
int userns_auto_base(Cli *cli, uint32_t *ret);
/* Copies the image layers into dst/0, dst/1, ... with every owner moved to
 * its host id under the maps, so that the files look owned by their owners
 * inside the user namespace ("a chown'd copy": berth does not use idmapped
 * mounts yet). Unmapped owners become the host's nobody (65534). */
int userns_shift_layers(char *const *layers, const char *dst, const ContainerSpec *spec);
