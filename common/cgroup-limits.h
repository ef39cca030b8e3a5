/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "oci.h"

/* Resource limits on cgroup v2, and the usage figures next to them. */

typedef enum {
	CONTROLLER_CPU = 1 << 0,
	CONTROLLER_CPUSET = 1 << 1,
	CONTROLLER_IO = 1 << 2,
	CONTROLLER_MEMORY = 1 << 3,
	CONTROLLER_PIDS = 1 << 4,
} Controller;

/* The controllers these limits need. */
unsigned cgroup_controllers_needed(const SpecResources *r);
/* Checks that the cgroup v2 hierarchy offers every controller in `needed`.
 * -EOPNOTSUPP and, in ret_missing, their names ("memory io") when not. */
int cgroup_controllers_check(unsigned needed, char **ret_missing);
/* Enables `needed` in cgroup.subtree_control from the hierarchy's root
 * down to the parent of `path` (a container's cgroup). */
int cgroup_controllers_enable(const char *path, unsigned needed);
/* Writes the limits into the cgroup's files. On failure ret_what names the
 * file that refused. */
int cgroup_apply_resources(const char *path, const SpecResources *r, const char **ret_what);

typedef struct {
	bool has_memory;
	uint64_t memory_current, memory_peak, memory_max; /* max: UINT64_MAX = none */
	uint64_t memory_swap_max;
	uint64_t oom_kills;
	bool has_cpu;
	uint64_t cpu_usage_usec, cpu_user_usec, cpu_system_usec;
	uint64_t cpu_throttled_usec, cpu_nr_throttled;
	int64_t cpu_quota; /* -1: none */
	uint64_t cpu_period, cpu_weight;
	bool has_pids;
	uint64_t pids_current, pids_max;
	bool has_io;
	uint64_t io_rbytes, io_wbytes;
	char io_max[256];
	char cpuset[128];
} CgroupStats;

int cgroup_read_stats(const char *path, CgroupStats *ret);
