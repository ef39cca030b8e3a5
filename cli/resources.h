/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli.h"
#include "oci.h"

/* The resource flags shared by `berth run` and `berth update`. */

enum {
	ARG_RES_MEMORY_SWAP = 0x200,
	ARG_RES_CPUS,
	ARG_RES_CPU_SHARES,
	ARG_RES_CPU_WEIGHT,
	ARG_RES_PIDS,
	ARG_RES_IO_DEVICE,
	ARG_RES_RT_PRIORITY,
	ARG_RES_CPUSET,
};

/* Short options: -m SIZE, -C QUOTA, -w BPS, -r BPS, -p[CPU]. */
#define RESOURCE_SHORT_OPTIONS "m:C:w:r:p::"
/* Laid out by hand: an array's entries, a line each. */
/* clang-format off */
#define RESOURCE_LONG_OPTIONS                                                         \
	{ "mem", required_argument, NULL, 'm' },                                      \
	{ "memory", required_argument, NULL, 'm' },                                   \
	{ "memory-swap", required_argument, NULL, ARG_RES_MEMORY_SWAP },              \
	{ "cpu", required_argument, NULL, 'C' },                                      \
	{ "cpu-quota", required_argument, NULL, 'C' },                                \
	{ "cpus", required_argument, NULL, ARG_RES_CPUS },                            \
	{ "cpu-shares", required_argument, NULL, ARG_RES_CPU_SHARES },                \
	{ "cpu-weight", required_argument, NULL, ARG_RES_CPU_WEIGHT },                \
	{ "pids-limit", required_argument, NULL, ARG_RES_PIDS },                      \
	{ "io-write-bps", required_argument, NULL, 'w' },                             \
	{ "device-write-bps", required_argument, NULL, 'w' },                         \
	{ "io-read-bps", required_argument, NULL, 'r' },                              \
	{ "device-read-bps", required_argument, NULL, 'r' },                          \
	{ "io-device", required_argument, NULL, ARG_RES_IO_DEVICE },                  \
	{ "pin-cpu", optional_argument, NULL, 'p' },                                  \
	{ "rt-priority", required_argument, NULL, ARG_RES_RT_PRIORITY },              \
	{ "cpuset-cpus", required_argument, NULL, ARG_RES_CPUSET }
/* clang-format on */

#define RESOURCE_HELP                                                                            \
	"  -m, --mem SIZE           memory limit (50M, 1G; alias --memory); no swap unless\n"    \
	"                           --memory-swap SIZE (memory + swap in total, -1: no cap)\n"   \
	"  -C, --cpu QUOTA          CPU time per 100 ms period in microseconds: 20000 is 20%%\n" \
	"                           of one CPU (alias --cpu-quota); or --cpus 0.5\n"             \
	"      --cpu-shares N       relative CPU share (cgroup v1 style, 2-262144), or\n"        \
	"      --cpu-weight N       cpu.weight directly (1-10000)\n"                             \
	"      --pids-limit N       at most N processes (-1: no limit)\n"                        \
	"  -w, --io-write-bps BPS   write bytes/s on the storage's disk (10M, 1048576)\n"        \
	"  -r, --io-read-bps BPS    read bytes/s likewise (Podman's --device-write-bps and\n"    \
	"                           --device-read-bps DEVICE:RATE are taken too)\n"              \
	"      --io-device DEV      the disk for -w/-r: a path (/dev/vda) or MAJ:MIN\n"          \
	"  -p, --pin-cpu[=CPU]      run only on CPU (default: the least loaded one), with\n"     \
	"                           SCHED_RR at --rt-priority N (default 1)\n"                   \
	"      --cpuset-cpus LIST   run only on these CPUs (0-3,6)\n"

typedef struct {
	bool has_memory;
	uint64_t memory;
	bool has_swap;
	int64_t swap;
	bool has_quota;
	int64_t quota;
	bool has_shares;
	uint64_t shares;
	bool has_weight;
	uint64_t weight;
	bool has_pids;
	int64_t pids;
	bool has_write_bps, has_read_bps;
	uint64_t write_bps, read_bps;
	const char *io_device;
	char *io_device_owned; /* from Podman's DEVICE:RATE form */
	bool pin;
	int pin_cpu; /* -1: choose */
	bool has_rt_priority;
	int rt_priority;
	const char *cpuset;
} ResourceOptions;

static inline void resource_options_done(ResourceOptions *o)
{
	free(o->io_device_owned);
	o->io_device_owned = NULL;
}

/* Handles one resource option; 1 if it was one, 0 if not, <0 on error
 * (already printed). next: the argument that follows on the command line
 * (NULL if none), which for a bare -p may be a value meant for it. */
int resource_option(int opt, const char *arg, const char *next, ResourceOptions *o);
bool resource_options_any(const ResourceOptions *o);
/* Fills the spec's resources (and scheduler) from the options; `storage`
 * is a folder on the disk -w/-r limit unless --io-device names one. */
int resource_options_apply(const ResourceOptions *o, const char *storage, ContainerSpec *s);
/* Checks that this host can enforce them, before anything is created. */
int resource_options_check(const SpecResources *r);
