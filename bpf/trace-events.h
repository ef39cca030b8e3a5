/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What bpf/trace.bpf.c sends to user space through its ring buffer. Shared
 * by both sides, so it holds fixed-width types only and includes nothing:
 * the BPF side gets __u32 and friends from vmlinux.h, user space from
 * <linux/types.h>, which it includes before this header. */

#define TRACE_COMM_LEN 16
#define TRACE_PATH_LEN 256
#define TRACE_FSTYPE_LEN 32

/* Event types. Each is one bit in the `event_mask` the loader sets. */
enum trace_event_type {
	TRACE_EV_FORK = 0,
	TRACE_EV_EXEC = 1,
	TRACE_EV_EXIT = 2,
	TRACE_EV_CGROUP = 3,
	TRACE_EV_NS = 4,
	TRACE_EV_MOUNT = 5,
	TRACE_EV_OOM = 6,
	TRACE_EV_MAX = 7,
};

/* What happened, within a type. */
enum trace_event_action {
	TRACE_ACT_NONE = 0,
	TRACE_ACT_MKDIR = 1,      /* cgroup */
	TRACE_ACT_RMDIR = 2,      /* cgroup */
	TRACE_ACT_CLONE = 3,      /* ns: new namespaces made by fork/clone/clone3 */
	TRACE_ACT_UNSHARE = 4,    /* ns */
	TRACE_ACT_SETNS = 5,      /* ns */
	TRACE_ACT_MOUNT = 6,      /* mount(2) */
	TRACE_ACT_MOVE_MOUNT = 7, /* move_mount(2): attaches a detached or moves a mount */
	TRACE_ACT_FSMOUNT = 8,    /* fsmount(2): makes a detached mount of an fs context */
	TRACE_ACT_MAX = 9,
};

/* The kernel's CLONE_NEW* bits (ABI, uapi/linux/sched.h), spelled out
 * because the BPF side can include no uapi header. */
#define TRACE_CLONE_NEWTIME 0x00000080ULL
#define TRACE_CLONE_NEWNS 0x00020000ULL
#define TRACE_CLONE_NEWCGROUP 0x02000000ULL
#define TRACE_CLONE_NEWUTS 0x04000000ULL
#define TRACE_CLONE_NEWIPC 0x08000000ULL
#define TRACE_CLONE_NEWUSER 0x10000000ULL
#define TRACE_CLONE_NEWPID 0x20000000ULL
#define TRACE_CLONE_NEWNET 0x40000000ULL
#define TRACE_CLONE_NEW_ALL                                                                     \
	(TRACE_CLONE_NEWTIME | TRACE_CLONE_NEWNS | TRACE_CLONE_NEWCGROUP | TRACE_CLONE_NEWUTS | \
	 TRACE_CLONE_NEWIPC | TRACE_CLONE_NEWUSER | TRACE_CLONE_NEWPID | TRACE_CLONE_NEWNET)

/* One event. Records come in three sizes, so that the common small ones
 * (fork, exit) do not carry 550 bytes of empty strings through the ring
 * buffer: TRACE_SIZE_SMALL ends before `path`, TRACE_SIZE_PATH before
 * `source`, TRACE_SIZE_FULL is all of it. User space must check a record's
 * size before reading the string fields.
 *
 * Field use by type:
 *   fork    pid/tid/ppid/comm of the parent; arg = the child's pid;
 *           cgroup_id = the child's cgroup (CLONE_INTO_CGROUP may differ)
 *   exec    path = the file name given to execve
 *   exit    result = the wait status (exit code << 8 | signal)
 *   cgroup  path = the cgroup path in the v2 hierarchy; cgroup_id = that
 *           cgroup's id; pid/comm = the process that made or removed it
 *   ns      flags = CLONE_NEW* bits; clone: pid = the child; setns: arg =
 *           the fd; unshare/setns: result = the syscall's return value
 *   mount   mount: source, path (target), fstype, flags; move_mount:
 *           source (from path), path (to path), flags, arg = from fd;
 *           fsmount: arg = fs fd, flags; result = the return value
 *   oom     pid/comm = the victim (comm empty when the kernel does not
 *           say); cgroup_id = its cgroup, or the allocating task's on
 *           kernels before 6.8, whose mark_victim tracepoint gives a pid
 */
struct berth_event {
	__u64 ts_ns;     /* CLOCK_MONOTONIC */
	__u64 cgroup_id; /* cgroup v2 id = inode number of its directory */
	__u32 type;      /* enum trace_event_type */
	__u32 action;    /* enum trace_event_action */
	__u32 pid;       /* thread group id, what user space calls a pid */
	__u32 tid;
	__u32 ppid;
	__u32 arg;
	__s64 result;
	__u64 flags;
	char comm[TRACE_COMM_LEN];
	/* Variable part, see above. */
	char path[TRACE_PATH_LEN];
	char source[TRACE_PATH_LEN];
	char fstype[TRACE_FSTYPE_LEN];
};

#define TRACE_SIZE_SMALL __builtin_offsetof(struct berth_event, path)
#define TRACE_SIZE_PATH __builtin_offsetof(struct berth_event, source)
#define TRACE_SIZE_FULL sizeof(struct berth_event)
