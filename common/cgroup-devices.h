/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Which device nodes a container may open, on cgroup v2: a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to its cgroup. */

typedef struct {
	char type;          /* 'c', 'b' or 'a' (either) */
	int64_t major;      /* -1: any */
	int64_t minor;      /* -1: any */
	const char *access; /* of "rwm" */
	bool deny;          /* a rule that denies: the last rule that matches decides */
} DeviceRule;

/* The devices a default container may use: null, zero, full, random,
 * urandom, tty, console, ptmx and the pts; mknod of any node (useless
 * without the right to open it). */
extern const DeviceRule device_rules_default[];

/* Loads the program for `rules` (terminated by type 0) and attaches it to
 * the cgroup whose directory fd is cgroup_fd. What no rule matches is
 * denied; with deny rules among them (linux.resources.devices), the last
 * rule that matches decides. */
int cgroup_devices_restrict(int cgroup_fd, const DeviceRule *rules);
/* The two halves: the load (the verifier's work) can be done before the
 * cgroup exists. */
int cgroup_devices_load(const DeviceRule *rules, int *ret_prog_fd);
int cgroup_devices_attach(int cgroup_fd, int prog_fd);
