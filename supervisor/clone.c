/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init-plan.h"

/* struct clone_args of linux/sched.h, declared here to avoid clashes
 * between the kernel's and glibc's sched.h. */
struct berth_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
};

pid_t clone_into_cgroup(uint64_t flags, int cgroup_fd, int *ret_pidfd, bool *ret_joined)
{
	int pidfd = -1;
	struct berth_clone_args args = {
		/* No cgroup of its own (a rootless berth without a delegated
		 * one): it stays in ours. */
		.flags = flags | CLONE_PIDFD | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = cgroup_fd >= 0 ? (uint64_t)cgroup_fd : 0,
	};
	/* Without a stack clone3() behaves like fork(): the child returns
	 * here with a copy of our memory. */
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	*ret_joined = true;
	if (pid < 0 && errno == ENOSYS) {
		/* clone() cannot place the child in a cgroup: the child joins
		 * it itself, and only then makes its cgroup namespace. A NULL
		 * stack makes it fork-like; on x86-64 and arm64 the third
		 * argument is parent_tid, where CLONE_PIDFD stores the pidfd. */
		unsigned long f = (unsigned long)(flags & ~(uint64_t)CLONE_NEWCGROUP);
		pid = syscall(SYS_clone, f | CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, 0);
		*ret_joined = false;
	}
	if (pid < 0)
		return -errno;
	if (pid > 0)
		*ret_pidfd = pidfd;
	return (pid_t)pid;
}
