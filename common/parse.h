/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define CONTAINER_ID_LEN 64
#define CONTAINER_SHORT_ID_LEN 12
#define NAME_MAX_LEN 128

/* "512", "50M", "1G", "1.5g", "64KiB", "10mb": binary units (1K = 1024),
 * as Docker and Podman read them. Rejects negatives, junk and overflow. */
int parse_size(const char *s, uint64_t *ret);
/* A decimal unsigned number, nothing else (no sign, no spaces). */
int parse_uint64(const char *s, uint64_t *ret);
int parse_uint32(const char *s, uint32_t *ret);
/* A uid or a gid is a number from 0 to 4294967294. 4294967295 is
 * (uid_t)-1, which setresuid(), setresgid(), setgroups() and chown() take
 * as "leave it as it is": a process asked to switch to it stays root. So no
 * id berth reads (--user, an image's User, its /etc/passwd and /etc/group,
 * config.json) may be it. */
#define UGID_INVALID UINT32_MAX
static inline bool ugid_is_valid(uint32_t id)
{
	return id != UGID_INVALID;
}
/* A decimal uid or gid: -ERANGE for 4294967295 and above. */
int parse_ugid(const char *s, uint32_t *ret);
int parse_int_range(const char *s, long min, long max, long *ret);
/* "SIGTERM", "TERM", "term", "15" */
int parse_signal(const char *s, int *ret);
const char *signal_name(int sig);

/* [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most NAME_MAX_LEN: can never be a path
 * component like "." or ".." or contain "/". */
bool name_is_valid(const char *s);
/* 1..64 lowercase hex digits (an id or a prefix of one). */
bool id_prefix_is_valid(const char *s);
/* A whole id: 64 lowercase hex digits (also a sha256 in hex). */
bool id_is_valid(const char *s);
/* K=V with a non-empty K without '='. */
bool env_assignment_is_valid(const char *s);
/* Image names: like container names, plus '/' and ':' separators, but no
 * ".." component. A path (starts with '/' or '.') is handled separately. */
bool image_name_is_valid(const char *s);
/* A hostname per RFC 1123: labels of [a-zA-Z0-9-], at most 63 each, 253 total. */
bool hostname_is_valid(const char *s);
/* A cpu list as cpuset.cpus takes it: "0", "0-3", "0,2-3"; numbers < 4096. */
bool cpu_list_is_valid(const char *s);
/* "MAJ:MIN" */
int parse_devnum(const char *s, uint32_t *ret_major, uint32_t *ret_minor);
/* Picks a readable default name such as "brave_hopper". */
int generate_name(char *ret, size_t size);
