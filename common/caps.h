/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Capability names ("CAP_CHOWN", "chown", "ALL") and sets as bit masks. */

/* Podman's default capability set for containers. */
extern const char *const caps_default[];

int cap_parse_name(const char *name, int *ret);
/* The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap). */
int cap_last(void);
uint64_t caps_all_mask(void);
/* OR of the named capabilities; -EINVAL on an unknown name. */
int caps_mask_from_names(char *const *names, uint64_t *ret);
/* NULL-terminated list of "CAP_..." names for a mask. */
char **caps_names_from_mask(uint64_t mask);
