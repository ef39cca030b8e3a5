/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <linux/filter.h>
#include <stdint.h>

#include "oci.h"

/* Builds the container's seccomp filter (the default profile, or the
 * spec's linux.seccomp) for a process with the effective capabilities
 * `caps`, as a BPF program for PR_SET_SECCOMP. ret->len == 0 when the
 * container is unconfined. On a bad profile returns -EINVAL and a line in
 * ret_error. Free ret->filter with free(). */
int seccomp_prepare(const ContainerSpec *spec, uint64_t caps, struct sock_fprog *ret,
		    char **ret_error);
/* The default profile's program for the architecture `arch` (an
 * SCMP_ARCH_* value; SCMP_ARCH_NATIVE: this machine's) and the effective
 * capabilities `caps`, uncached. seccomp_prepare() uses the native one;
 * tests build the others. Free ret->filter with free(). */
int seccomp_default_program(uint32_t arch, uint64_t caps, struct sock_fprog *ret);
/* Where seccomp_prepare() keeps the default profile's compiled programs
 * between runs (NULL: nowhere); the supervisor uses its run folder. */
void seccomp_cache_dir(const char *dir);
