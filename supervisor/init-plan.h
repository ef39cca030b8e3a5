/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Inside the container-setup core (container-setup.h): what the init
 * needs, prepared before clone() so that nothing between clone() and
 * execve() parses or allocates. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "container-setup.h"
#include "mount-options.h"

/* One mount of the spec, with its options already split. */
typedef struct {
	const SpecMount *spec;
	MountOptions opts;
	const char *fstype; /* what mount(2) gets: "cgroup" becomes "cgroup2" */
} PreparedMount;

typedef struct {
	const ContainerSpec *spec;
	char *rootfs;              /* the root: root.path resolved (bundle/rootfs) */
	char *overlay_data;        /* lowerdir=...,upperdir=...,workdir=...[,volatile] or NULL */
	size_t overlay_volatile;   /* > 0: where ",volatile" starts in overlay_data */
	unsigned long propagation; /* for "/" before anything is mounted */
	PreparedMount *mounts;
	size_t n_mounts;
	int stdio[3];             /* dup2'ed onto 0, 1, 2; -EBADF keeps what we have */
	int error_fd;             /* write end of the exec error pipe (cloexec) */
	int console_fd;           /* a terminal: socket to send the pty master through */
	int userns_fd;            /* --userns: socket to ask for the id maps through */
	int stage_fd;             /* sealed memfd of berth-stage, which execs the command */
	ProcessIdentity identity; /* its seccomp filter comes on release_fd */
	int join_cgroup_fd;       /* clone() fallback: the cgroup the init joins itself */
	bool unshare_cgroupns;    /* ... and then its cgroup namespace to create */
	int release_fd;           /* the seccomp filter, then a byte that lets the command run */
	int release_peer;         /* the supervisor's end of it, which the init closes */
	int userns_peer;          /* the same for userns_fd */
	const char *exec_fifo;    /* released through this FIFO instead (SetupParams) */
	int preserve_fds;         /* fds 3 .. 3 + this - 1 go on to the command */
	bool pause_before_pivot;  /* SetupParams' */
} InitPlan;

/* Everything but the descriptors, which setup_spawn() opens. */
int init_plan_prepare(InitPlan *plan, const ContainerSpec *spec, const char *bundle, bool throwaway,
		      SetupError *e);
void init_plan_done(InitPlan *plan);

/* Runs in the child of clone(): sets up the root, waits for the release,
 * execs the command. Never returns; a failure goes to the error pipe. */
_Noreturn void container_init(const InitPlan *plan);

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* clone3() with CLONE_PIDFD and CLONE_INTO_CGROUP: one call creates every
 * namespace in flags, places the child in its cgroup (no window where it
 * runs elsewhere) and hands us a pidfd (no pid reuse race). Returns 0 in
 * the child, like fork(). Where clone3() answers ENOSYS (kernels before
 * 5.3, seccomp profiles that refuse it so that libc falls back, valgrind)
 * it falls back to clone() without CLONE_NEWCGROUP and *ret_joined is
 * false: the child has to join cgroup_fd, then unshare its cgroup
 * namespace, itself. */
pid_t clone_into_cgroup(uint64_t flags, int cgroup_fd, int *ret_pidfd, bool *ret_joined);

/* process.c */
int process_apply_identity(const ProcessIdentity *id, SetupError *e);
/* Default dispositions and an empty mask: the caller of clone() blocked
 * every signal around it, and a command starts clean. */
void process_reset_signals(void);
/* Closes every fd above 2 but keep1 and keep2 (-1: none). */
void process_close_fds(int keep1, int keep2, int preserve_fds);
/* chdir() to cwd resolved inside our root (made if create). */
int process_chdir(const char *cwd, bool create, SetupError *e);

/* stage-memfd.c: execs berth-stage from its sealed copy; returns only on
 * failure, with errno. */
void stage_exec(int stage_fd, int error_fd, char *const argv[], char *const envp[]);
