/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berth's default seccomp profile, as data: seccomp-filter.c turns it into
 * a filter. Included by seccomp-filter.c and its unit test only.
 *
 * The rule: a call that is not named here fails with ENOSYS, as in Podman's
 * profile. A program then takes it for a call its kernel lacks and falls
 * back to an older one (the C library does so for clone3, fchmodat2,
 * close_range...), and a call the kernel adds later is not allowed until
 * someone adds it here. A call named here is allowed (allowed[]), allowed
 * only to a container that holds a capability and EPERM otherwise
 * (gated[]), or refused with EPERM whatever it holds (refused[]). A few
 * calls are allowed or refused by their arguments (personality_allowed[],
 * arg_refused[]).
 *
 * Where the list comes from: Podman's default profile, the seccomp.json of
 * containers-common (Debian 12 ships version 0.50.1 of it as
 * /usr/share/containers/seccomp.json, package golang-github-containers-common),
 * with berth's own capability rules, which are Docker's (moby's
 * profiles/seccomp/default.json) or stricter. allowed[] is Podman's
 * unconditional list in `LC_ALL=C sort` order, less the calls berth gates
 * on a capability, followed by a short list of calls Podman allows under
 * conditions berth expresses otherwise, and of newer variants of calls
 * already allowed.
 *
 * To update it from a newer Podman profile:
 *
 *   jq -r '.syscalls[] | select(.action == "SCMP_ACT_ALLOW" and (.args | length) == 0
 *          and (.includes | length) == 0 and (.excludes | length) == 0) | .names[]' \
 *      seccomp.json | LC_ALL=C sort > podman.txt
 *   grep -o '"[a-z0-9_]*"' common/seccomp-default.h | tr -d '"' | LC_ALL=C sort -u > berth.txt
 *   comm -23 podman.txt berth.txt     # Podman allows it, berth has made no rule for it
 *
 * and decide, for each new call, which table it belongs in.
 * tests/system/75-seccomp.sh runs that comparison against the profile
 * installed on the machine, when there is one. A call libseccomp does not
 * know on this architecture is skipped (it fails with ENOSYS like any
 * other), so the list may name calls newer than the libseccomp berth is
 * built with. docs/security.md says how the profile differs from
 * Podman's and Docker's. */

#include <errno.h>
#include <sched.h>
#include <stdint.h>

#define CAP(x) ((uint64_t)1 << (x))
#define NO_CAP 0

/* CAP_* numbers, so this file needs no <linux/capability.h> clash. */
enum {
	C_DAC_READ_SEARCH = 2,
	C_SYS_MODULE = 16,
	C_SYS_RAWIO = 17,
	C_SYS_CHROOT = 18,
	C_SYS_PTRACE = 19,
	C_SYS_ADMIN = 21,
	C_SYS_BOOT = 22,
	C_SYS_NICE = 23,
	C_SYS_TIME = 25,
	C_SYS_TTY_CONFIG = 26,
	C_AUDIT_WRITE = 29,
	C_SYSLOG = 34,
	C_PERFMON = 38,
	C_BPF = 39,
};

/* Allowed to every container. */
static const char *const allowed[] = {
	/* Podman's unconditional list, less the calls of gated[] and keyctl
	 * (refused[]). */
	"_llseek",
	"_newselect",
	"accept",
	"accept4",
	"access",
	"adjtimex",
	"alarm",
	"bind",
	"brk",
	"capget",
	"capset",
	"chdir",
	"chmod",
	"chown",
	"chown32",
	"clock_getres",
	"clock_getres_time64",
	"clock_gettime",
	"clock_gettime64",
	"clock_nanosleep",
	"clock_nanosleep_time64",
	"clone",
	"close",
	"close_range",
	"connect",
	"copy_file_range",
	"creat",
	"dup",
	"dup2",
	"dup3",
	"epoll_create",
	"epoll_create1",
	"epoll_ctl",
	"epoll_ctl_old",
	"epoll_pwait",
	"epoll_pwait2",
	"epoll_wait",
	"epoll_wait_old",
	"eventfd",
	"eventfd2",
	"execve",
	"execveat",
	"exit",
	"exit_group",
	"faccessat",
	"faccessat2",
	"fadvise64",
	"fadvise64_64",
	"fallocate",
	"fanotify_mark",
	"fchdir",
	"fchmod",
	"fchmodat",
	"fchown",
	"fchown32",
	"fchownat",
	"fcntl",
	"fcntl64",
	"fdatasync",
	"fgetxattr",
	"flistxattr",
	"flock",
	"fork",
	"fremovexattr",
	"fsetxattr",
	"fstat",
	"fstat64",
	"fstatat64",
	"fstatfs",
	"fstatfs64",
	"fsync",
	"ftruncate",
	"ftruncate64",
	"futex",
	"futex_time64",
	"futimesat",
	"get_mempolicy",
	"get_robust_list",
	"get_thread_area",
	"getcpu",
	"getcwd",
	"getdents",
	"getdents64",
	"getegid",
	"getegid32",
	"geteuid",
	"geteuid32",
	"getgid",
	"getgid32",
	"getgroups",
	"getgroups32",
	"getitimer",
	"getpeername",
	"getpgid",
	"getpgrp",
	"getpid",
	"getppid",
	"getpriority",
	"getrandom",
	"getresgid",
	"getresgid32",
	"getresuid",
	"getresuid32",
	"getrlimit",
	"getrusage",
	"getsid",
	"getsockname",
	"getsockopt",
	"gettid",
	"gettimeofday",
	"getuid",
	"getuid32",
	"getxattr",
	"inotify_add_watch",
	"inotify_init",
	"inotify_init1",
	"inotify_rm_watch",
	"io_cancel",
	"io_destroy",
	"io_getevents",
	"io_setup",
	"io_submit",
	"ioctl",
	"ioprio_get",
	"ioprio_set",
	"ipc",
	"kill",
	"landlock_add_rule",
	"landlock_create_ruleset",
	"landlock_restrict_self",
	"lchown",
	"lchown32",
	"lgetxattr",
	"link",
	"linkat",
	"listen",
	"listxattr",
	"llistxattr",
	"lremovexattr",
	"lseek",
	"lsetxattr",
	"lstat",
	"lstat64",
	"madvise",
	"membarrier",
	"memfd_create",
	"memfd_secret",
	"mincore",
	"mkdir",
	"mkdirat",
	"mknod",
	"mknodat",
	"mlock",
	"mlock2",
	"mlockall",
	"mmap",
	"mmap2",
	"mprotect",
	"mq_getsetattr",
	"mq_notify",
	"mq_open",
	"mq_timedreceive",
	"mq_timedreceive_time64",
	"mq_timedsend",
	"mq_timedsend_time64",
	"mq_unlink",
	"mremap",
	"msgctl",
	"msgget",
	"msgrcv",
	"msgsnd",
	"msync",
	"munlock",
	"munlockall",
	"munmap",
	"name_to_handle_at",
	"nanosleep",
	"newfstatat",
	"open",
	"openat",
	"openat2",
	"pause",
	"pidfd_getfd",
	"pidfd_open",
	"pidfd_send_signal",
	"pipe",
	"pipe2",
	"pkey_alloc",
	"pkey_free",
	"pkey_mprotect",
	"poll",
	"ppoll",
	"ppoll_time64",
	"prctl",
	"pread64",
	"preadv",
	"preadv2",
	"prlimit64",
	"process_mrelease",
	"pselect6",
	"pselect6_time64",
	"ptrace",
	"pwrite64",
	"pwritev",
	"pwritev2",
	"read",
	"readahead",
	"readdir",
	"readlink",
	"readlinkat",
	"readv",
	"recv",
	"recvfrom",
	"recvmmsg",
	"recvmmsg_time64",
	"recvmsg",
	"remap_file_pages",
	"removexattr",
	"rename",
	"renameat",
	"renameat2",
	"restart_syscall",
	"rmdir",
	"rseq",
	"rt_sigaction",
	"rt_sigpending",
	"rt_sigprocmask",
	"rt_sigqueueinfo",
	"rt_sigreturn",
	"rt_sigsuspend",
	"rt_sigtimedwait",
	"rt_sigtimedwait_time64",
	"rt_tgsigqueueinfo",
	"sched_get_priority_max",
	"sched_get_priority_min",
	"sched_getaffinity",
	"sched_getattr",
	"sched_getparam",
	"sched_getscheduler",
	"sched_rr_get_interval",
	"sched_rr_get_interval_time64",
	"sched_setaffinity",
	"sched_setattr",
	"sched_setparam",
	"sched_setscheduler",
	"sched_yield",
	"seccomp",
	"select",
	"semctl",
	"semget",
	"semop",
	"semtimedop",
	"semtimedop_time64",
	"send",
	"sendfile",
	"sendfile64",
	"sendmmsg",
	"sendmsg",
	"sendto",
	"set_robust_list",
	"set_thread_area",
	"set_tid_address",
	"setfsgid",
	"setfsgid32",
	"setfsuid",
	"setfsuid32",
	"setgid",
	"setgid32",
	"setgroups",
	"setgroups32",
	"setitimer",
	"setpgid",
	"setpriority",
	"setregid",
	"setregid32",
	"setresgid",
	"setresgid32",
	"setresuid",
	"setresuid32",
	"setreuid",
	"setreuid32",
	"setrlimit",
	"setsid",
	"setsockopt",
	"setuid",
	"setuid32",
	"setxattr",
	"shmat",
	"shmctl",
	"shmdt",
	"shmget",
	"shutdown",
	"sigaction",
	"sigaltstack",
	"signal",
	"signalfd",
	"signalfd4",
	"sigpending",
	"sigprocmask",
	"sigreturn",
	"sigsuspend",
	"socketcall",
	"socketpair",
	"splice",
	"stat",
	"stat64",
	"statfs",
	"statfs64",
	"statx",
	"symlink",
	"symlinkat",
	"sync",
	"sync_file_range",
	"syncfs",
	"syscall",
	"sysinfo",
	"tee",
	"tgkill",
	"time",
	"timer_create",
	"timer_delete",
	"timer_getoverrun",
	"timer_gettime",
	"timer_gettime64",
	"timer_settime",
	"timer_settime64",
	"timerfd",
	"timerfd_create",
	"timerfd_gettime",
	"timerfd_gettime64",
	"timerfd_settime",
	"timerfd_settime64",
	"times",
	"tkill",
	"truncate",
	"truncate64",
	"ugetrlimit",
	"umask",
	"uname",
	"unlink",
	"unlinkat",
	"utime",
	"utimensat",
	"utimensat_time64",
	"utimes",
	"vfork",
	"wait4",
	"waitid",
	"waitpid",
	"write",
	"writev",
	/* Podman allows these only on the architecture that has them; a
	 * name no other architecture has is skipped there anyway. */
	"arch_prctl",
	"arm_fadvise64_64",
	"arm_sync_file_range",
	"breakpoint",
	"cacheflush",
	"modify_ldt",
	"riscv_flush_icache", /* Docker's */
	"s390_pci_mmio_read",
	"s390_pci_mmio_write",
	"s390_runtime_instr",
	"set_tls",
	"sync_file_range2",
	/* Podman allows it by argument rules; berth refuses the arguments it
	 * must in arg_refused[]. */
	"socket",
	/* Podman refuses these with EPERM; Docker, and berth before its
	 * profile was an allow list, allow them: they act on the caller's own
	 * pipes and AIO contexts. */
	"io_pgetevents",
	"io_pgetevents_time64",
	"vmsplice",
	/* Newer forms of calls allowed above, which Podman 0.50.1 does not
	 * name yet (Docker names futex_waitv). */
	"cachestat",
	"fchmodat2",
	"futex_requeue",
	"futex_wait",
	"futex_waitv",
	"futex_wake",
	"getxattrat",
	"listxattrat",
	"map_shadow_stack",
	"mseal",
	"removexattrat",
	"setxattrat",
};

/* Allowed when the container holds one of the capabilities `caps`, and
 * otherwise failing with `error` (EPERM, unless said). Docker's rules, and
 * where berth is stricter than Podman (which allows mount, unshare, syslog,
 * reboot... to every container and leaves the refusal to the kernel's
 * capability checks), it says why: each of these reaches kernel code that
 * an unprivileged process cannot otherwise reach, so the filter keeps it
 * out of reach even of a bug in that check. */
static const struct {
	const char *name;
	uint64_t caps;
	int error; /* 0: EPERM */
} gated[] = {
	/* Mounts and namespaces. */
	{ "mount", CAP(C_SYS_ADMIN) },
	{ "umount", CAP(C_SYS_ADMIN) },
	{ "umount2", CAP(C_SYS_ADMIN) },
	{ "pivot_root", CAP(C_SYS_ADMIN) },
	{ "fsopen", CAP(C_SYS_ADMIN) },
	{ "fsconfig", CAP(C_SYS_ADMIN) },
	{ "fsmount", CAP(C_SYS_ADMIN) },
	{ "fspick", CAP(C_SYS_ADMIN) },
	{ "move_mount", CAP(C_SYS_ADMIN) },
	{ "open_tree", CAP(C_SYS_ADMIN) },
	{ "open_tree_attr", CAP(C_SYS_ADMIN) },
	{ "mount_setattr", CAP(C_SYS_ADMIN) },
	{ "unshare", CAP(C_SYS_ADMIN) },
	{ "setns", CAP(C_SYS_ADMIN) },
	{ "sethostname", CAP(C_SYS_ADMIN) },
	{ "setdomainname", CAP(C_SYS_ADMIN) },
	{ "swapon", CAP(C_SYS_ADMIN) },
	{ "swapoff", CAP(C_SYS_ADMIN) },
	{ "quotactl", CAP(C_SYS_ADMIN) },
	{ "quotactl_fd", CAP(C_SYS_ADMIN) },
	{ "fanotify_init", CAP(C_SYS_ADMIN) },
	{ "lookup_dcookie", CAP(C_SYS_ADMIN) },
	/* clone3() hides its flags in memory a filter cannot read: without
	 * CAP_SYS_ADMIN it does not exist, and the C library falls back to
	 * clone(), whose flags arg_refused[] checks (Docker's rule). */
	{ "clone3", CAP(C_SYS_ADMIN), ENOSYS },
	/* File handles bypass path permissions (the "shocker" escape). */
	{ "open_by_handle_at", CAP(C_DAC_READ_SEARCH) },
	/* BPF and performance counters. */
	{ "bpf", CAP(C_SYS_ADMIN) | CAP(C_BPF) },
	{ "perf_event_open", CAP(C_SYS_ADMIN) | CAP(C_PERFMON) },
	/* Kernel modules and rebooting into another kernel. */
	{ "init_module", CAP(C_SYS_MODULE) },
	{ "finit_module", CAP(C_SYS_MODULE) },
	{ "delete_module", CAP(C_SYS_MODULE) },
	{ "kexec_load", CAP(C_SYS_BOOT) },
	{ "kexec_file_load", CAP(C_SYS_BOOT) },
	{ "reboot", CAP(C_SYS_BOOT) },
	/* Other processes' memory, and page-fault tricks. */
	{ "process_vm_readv", CAP(C_SYS_PTRACE) },
	{ "process_vm_writev", CAP(C_SYS_PTRACE) },
	{ "process_madvise", CAP(C_SYS_PTRACE) },
	{ "kcmp", CAP(C_SYS_PTRACE) },
	{ "userfaultfd", CAP(C_SYS_PTRACE) },
	/* The host's clock and log, raw I/O, the terminal. */
	{ "settimeofday", CAP(C_SYS_TIME) },
	{ "stime", CAP(C_SYS_TIME) },
	{ "clock_settime", CAP(C_SYS_TIME) },
	{ "clock_settime64", CAP(C_SYS_TIME) },
	{ "clock_adjtime", CAP(C_SYS_TIME) },
	{ "clock_adjtime64", CAP(C_SYS_TIME) },
	{ "syslog", CAP(C_SYSLOG) },
	{ "iopl", CAP(C_SYS_RAWIO) },
	{ "ioperm", CAP(C_SYS_RAWIO) },
	{ "vhangup", CAP(C_SYS_TTY_CONFIG) },
	{ "chroot", CAP(C_SYS_CHROOT) },
	/* Memory placement across NUMA nodes. */
	{ "mbind", CAP(C_SYS_NICE) },
	{ "set_mempolicy", CAP(C_SYS_NICE) },
	{ "set_mempolicy_home_node", CAP(C_SYS_NICE) },
	{ "migrate_pages", CAP(C_SYS_NICE) },
	{ "move_pages", CAP(C_SYS_NICE) },
};

/* Refused with EPERM to every container, whatever its capabilities: an
 * answer that says the call exists but is not for it. */
static const char *const refused[] = {
	/* Keys are not namespaced (Podman allows keyctl, Docker none). */
	"add_key",
	"keyctl",
	"request_key",
	/* io_uring: a second way to make system calls, out of seccomp's sight
	 * (Docker refuses it too; Podman does not name it). */
	"io_uring_enter",
	"io_uring_register",
	"io_uring_setup",
	/* Process accounting (Podman: with CAP_SYS_PACCT). */
	"acct",
	/* Obsolete or unsafe, refused by Podman too. */
	"_sysctl",
	"bdflush",
	"create_module",
	"get_kernel_syms",
	"nfsservctl",
	"nice",
	"oldfstat",
	"oldlstat",
	"oldolduname",
	"oldstat",
	"olduname",
	"pciconfig_iobase",
	"pciconfig_read",
	"pciconfig_write",
	"query_module",
	"sgetmask",
	"ssetmask",
	"swapcontext",
	"sysfs",
	"uselib",
	"ustat",
	"vm86",
	"vm86old",
};

/* personality() with these arguments only (Podman's and Docker's rule):
 * Linux and 32-bit Linux, each with or without UNAME26, and the query.
 * Other flags (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, other ABIs) reach
 * little-used kernel code; they fail with ENOSYS. */
static const uint64_t personality_allowed[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };

/* Calls refused by their arguments, before any rule above is looked at.
 * Each compares the argument under a mask: an int or unsigned int argument
 * is compared on its low 32 bits only, as the kernel reads it, so that
 * setting the high bits of the register does not get around the rule. */
#define ARG32 0xffffffffULL
#define TIOCSTI_NR 0x5412
#define TIOCLINUX_NR 0x541C
#define AF_VSOCK_NR 40
#define AF_NETLINK_NR 16
#define NETLINK_AUDIT_NR 9

typedef struct {
	unsigned arg;
	uint64_t mask, value;
} ArgMatch;

static const struct {
	const char *name;
	int error;
	uint64_t unless;   /* not refused to a container that holds one of these */
	ArgMatch match[2]; /* all must match; mask 0 ends */
} arg_refused[] = {
	/* TIOCSTI pushes input into a terminal, as if typed: to the shell
	 * that started the container, if the container ever gets hold of its
	 * terminal. TIOCLINUX can do the same on a virtual console (selection
	 * paste). Neither has a use in a container (Flatpak and snapd refuse
	 * both). */
	{ "ioctl", EPERM, NO_CAP, { { 1, ARG32, TIOCSTI_NR } } },
	{ "ioctl", EPERM, NO_CAP, { { 1, ARG32, TIOCLINUX_NR } } },
	/* AF_VSOCK is not confined by the network namespace: it would reach
	 * the hypervisor and the host's vsock services (Docker's rule). */
	{ "socket", EPERM, CAP(C_SYS_ADMIN), { { 0, ARG32, AF_VSOCK_NR } } },
	/* The audit socket: without CAP_AUDIT_WRITE (not in berth's default
	 * set), EINVAL, which libaudit takes for "no audit in this kernel", so
	 * that sudo, login and sshd go on rather than fail (Podman's rule). */
	{ "socket",
	  EINVAL,
	  CAP(C_AUDIT_WRITE),
	  { { 0, ARG32, AF_NETLINK_NR }, { 2, ARG32, NETLINK_AUDIT_NR } } },
	/* clone() into new namespaces, flags being its first argument (its
	 * second on s390, which seccomp-filter.c handles). */
	{ "clone", EPERM, CAP(C_SYS_ADMIN), { { 0, CLONE_NEWNS, CLONE_NEWNS } } },
	{ "clone", EPERM, CAP(C_SYS_ADMIN), { { 0, CLONE_NEWUTS, CLONE_NEWUTS } } },
	{ "clone", EPERM, CAP(C_SYS_ADMIN), { { 0, CLONE_NEWIPC, CLONE_NEWIPC } } },
	{ "clone", EPERM, CAP(C_SYS_ADMIN), { { 0, CLONE_NEWUSER, CLONE_NEWUSER } } },
	{ "clone", EPERM, CAP(C_SYS_ADMIN), { { 0, CLONE_NEWPID, CLONE_NEWPID } } },
	{ "clone", EPERM, CAP(C_SYS_ADMIN), { { 0, CLONE_NEWNET, CLONE_NEWNET } } },
	{ "clone", EPERM, CAP(C_SYS_ADMIN), { { 0, CLONE_NEWCGROUP, CLONE_NEWCGROUP } } },
};
