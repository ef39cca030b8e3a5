/* A tiny static helper for the security and breakout tests: it runs in
 * busybox containers, which have no compiler, no strace and no way to make
 * a raw system call. Every probe prints what the kernel answered, as an
 * errno name ("EPERM") or "OK", so the test can say which protection
 * stopped it.
 *
 *   sec-probe syscalls            one line per call: NAME RESULT
 *   sec-probe mount-tmpfs DIR     mount a tmpfs on DIR and unmount it
 *   sec-probe ptrace PID          PTRACE_ATTACH (and detach) PID
 *   sec-probe kill PID            SIGKILL to PID
 *   sec-probe open PATH r|w|rw|o  open PATH, read or write one byte (o: open only)
 *   sec-probe mknod PATH b|c MAJ MIN   make a device node, then open it
 *   sec-probe fds                 the descriptors we were given: FD TARGET
 *   sec-probe cwd                 getcwd(), or its errno
 *   sec-probe exe-watch SECONDS   watch every other process's /proc/PID/exe,
 *                                 try to open each for writing
 *   sec-probe chroot-escape FILE  nested chroot, climb "..", then read FILE
 *   sec-probe tiocsti TEXT        push TEXT into the input of the terminal on fd 0
 *   sec-probe int80               getpid() through the 32-bit int $0x80 ABI
 *
 * Each system call of `syscalls` runs in a child of its own, so one that
 * succeeds (unshare, ptrace) changes nothing for the next. Arguments are
 * chosen so that a call that is allowed does no harm: bad magic for
 * reboot, a missing file for swapon, an invalid time for clock_settime. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000
#endif

static const char *err_name(int e)
{
	const char *n = e ? strerrorname_np(e) : "OK";
	return n ? n : "E?";
}

/* Runs fn in a child and returns 0 or the errno it reported. */
static int in_child(long (*fn)(void))
{
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		errno = 0;
		long r = fn();
		_exit(r < 0 ? (errno ? errno : 255) : 0);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return errno;
	if (WIFSIGNALED(st))
		return -WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* Laid out by hand: one probe a line. */
/* clang-format off */
static long p_kexec_load(void) { return syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL); }
static long p_kexec_file_load(void) { return syscall(SYS_kexec_file_load, -1, -1, 0UL, "", 0UL); }
static long p_open_by_handle_at(void)
{
	struct {
		unsigned int bytes;
		int type;
		unsigned char h[8];
	} fh = { 8, 1, { 0 } };
	int mfd = open("/", O_RDONLY | O_DIRECTORY);
	return syscall(SYS_open_by_handle_at, mfd, &fh, O_RDONLY);
}
static long p_init_module(void) { return syscall(SYS_init_module, NULL, 0UL, ""); }
static long p_finit_module(void) { return syscall(SYS_finit_module, -1, "", 0); }
static long p_delete_module(void) { return syscall(SYS_delete_module, "berth_no_such_module", O_NONBLOCK); }
static long p_bpf(void)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	return syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
}
static long p_mount(void)
{
	(void)mkdir("/tmp/.sec-probe-mnt", 0700);
	long r = mount("none", "/tmp/.sec-probe-mnt", "tmpfs", 0, "size=4k");
	if (r == 0)
		(void)umount2("/tmp/.sec-probe-mnt", MNT_DETACH);
	return r;
}
static long p_umount2(void) { return umount2("/berth-no-such-mount", 0); }
static long p_unshare_user(void) { return unshare(CLONE_NEWUSER); }
static long p_unshare_mnt(void) { return unshare(CLONE_NEWNS); }
static long p_clone_user(void)
{
	long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, 0);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid < 0 ? -1 : 0;
}
static long p_clone3(void)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} a = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
	long pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid < 0 ? -1 : 0;
}
static long p_keyctl(void) { return syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* session */, 0); }
static long p_add_key(void) { return syscall(SYS_add_key, "user", "berth-test", "x", 1UL, -2 /* process */); }
static long p_request_key(void) { return syscall(SYS_request_key, "user", "berth-test", NULL, 0); }
static long p_perf_event_open(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return syscall(SYS_perf_event_open, &a, 0, -1, -1, 0UL);
}
static long p_ptrace_1(void)
{
	long r = ptrace(PTRACE_ATTACH, 1, NULL, NULL);
	if (r == 0) {
		waitpid(1, NULL, __WALL);
		ptrace(PTRACE_DETACH, 1, NULL, NULL);
	}
	return r;
}
static long p_reboot(void) { return syscall(SYS_reboot, 0xdeadbeefUL, 0UL, 0UL, NULL); }
static long p_swapon(void) { return syscall(SYS_swapon, "/berth-no-such-swap", 0); }
static long p_swapoff(void) { return syscall(SYS_swapoff, "/berth-no-such-swap"); }
static long p_setns(void)
{
	int fd = open("/proc/self/ns/uts", O_RDONLY);
	return syscall(SYS_setns, fd, 0);
}
static long p_pivot_root(void) { return syscall(SYS_pivot_root, "/berth-no-such", "/berth-no-such"); }
static long p_fsopen(void) { return syscall(SYS_fsopen, "tmpfs", 0); }
static long p_open_tree(void) { return syscall(SYS_open_tree, AT_FDCWD, "/", 0); }
static long p_userfaultfd(void) { return syscall(SYS_userfaultfd, 0); }
static long p_acct(void) { return syscall(SYS_acct, NULL); }
static long p_clock_settime(void)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = -1 }; /* invalid: EINVAL if allowed */
	return syscall(SYS_clock_settime, CLOCK_REALTIME, &ts);
}
static long p_syslog(void) { return syscall(SYS_syslog, 10 /* SIZE_BUFFER */, NULL, 0); }
static long p_io_uring_setup(void)
{
	unsigned char params[120]; /* struct io_uring_params */
	memset(params, 0, sizeof(params));
	return syscall(SYS_io_uring_setup, 1, params);
}
/* AF_VSOCK is not network-namespaced: in a VM it reaches the hypervisor
 * and the host's services from any network namespace. */
static long p_socket_vsock(void) { return socket(40 /* AF_VSOCK */, SOCK_STREAM, 0); }
static long p_personality(void) { return syscall(SYS_personality, 0x0040000UL /* ADDR_NO_RANDOMIZE */); }
static long p_process_vm_readv(void) { return syscall(SYS_process_vm_readv, 1, NULL, 0UL, NULL, 0UL, 0UL); }
/* clang-format on */

static const struct {
	const char *name;
	long (*fn)(void);
} probes[] = {
	{ "kexec_load", p_kexec_load },
	{ "kexec_file_load", p_kexec_file_load },
	{ "open_by_handle_at", p_open_by_handle_at },
	{ "init_module", p_init_module },
	{ "finit_module", p_finit_module },
	{ "delete_module", p_delete_module },
	{ "bpf", p_bpf },
	{ "mount", p_mount },
	{ "umount2", p_umount2 },
	{ "unshare(CLONE_NEWUSER)", p_unshare_user },
	{ "unshare(CLONE_NEWNS)", p_unshare_mnt },
	{ "clone(CLONE_NEWUSER)", p_clone_user },
	{ "clone3(CLONE_NEWUSER)", p_clone3 },
	{ "keyctl", p_keyctl },
	{ "add_key", p_add_key },
	{ "request_key", p_request_key },
	{ "perf_event_open", p_perf_event_open },
	{ "ptrace(ATTACH,1)", p_ptrace_1 },
	{ "reboot", p_reboot },
	{ "swapon", p_swapon },
	{ "swapoff", p_swapoff },
	{ "setns", p_setns },
	{ "pivot_root", p_pivot_root },
	{ "fsopen", p_fsopen },
	{ "open_tree", p_open_tree },
	{ "userfaultfd", p_userfaultfd },
	{ "acct", p_acct },
	{ "clock_settime", p_clock_settime },
	{ "syslog", p_syslog },
	{ "process_vm_readv", p_process_vm_readv },
	{ "io_uring_setup", p_io_uring_setup },
	{ "socket(AF_VSOCK)", p_socket_vsock },
	{ "personality(ADDR_NO_RANDOMIZE)", p_personality },
};

static int do_syscalls(void)
{
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		int e = in_child(probes[i].fn);
		if (e < 0)
			printf("%s SIG%s\n", probes[i].name,
			       sigabbrev_np(-e) ? sigabbrev_np(-e) : "?");
		else
			printf("%s %s\n", probes[i].name, e == 255 ? "FAILED" : err_name(e));
	}
	return 0;
}

static int do_open(const char *path, const char *mode)
{
	/* r: read a byte; w: write a NUL byte; rw: open read-write, write;
	 * o: open for writing only, write nothing (for files where any write
	 * would act, like /proc/sysrq-trigger). */
	int flags = strcmp(mode, "r") == 0 ? O_RDONLY : strcmp(mode, "rw") == 0 ? O_RDWR : O_WRONLY;
	int fd = open(path, flags | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		printf("open %s\n", err_name(errno));
		return 1;
	}
	if (strcmp(mode, "o") == 0) {
		printf("open OK\n");
		close(fd);
		return 0;
	}
	char c = 0;
	ssize_t n = flags == O_RDONLY ? read(fd, &c, 1) : write(fd, &c, 1);
	printf("open OK %s %s\n", flags == O_RDONLY ? "read" : "write",
	       n < 0    ? err_name(errno)
	       : n == 0 ? "EOF"
			: "OK");
	close(fd);
	return 0;
}

static int do_mknod(const char *path, const char *type, const char *maj, const char *min)
{
	mode_t m = (type[0] == 'b' ? S_IFBLK : S_IFCHR) | 0600;
	if (mknod(path, m, makedev(atoi(maj), atoi(min))) < 0) {
		printf("mknod %s\n", err_name(errno));
		return 1;
	}
	/* A block device read-only, a character device write-only (like
	 * /dev/kmsg, which only a reader needs a capability for). */
	int fd = open(path, (type[0] == 'b' ? O_RDONLY : O_WRONLY) | O_NONBLOCK | O_NOCTTY);
	int e = fd < 0 ? errno : 0;
	printf("mknod OK open %s\n", err_name(e));
	if (fd >= 0)
		close(fd);
	unlink(path);
	return e ? 1 : 0;
}

static int do_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		printf("opendir %s\n", err_name(errno));
		return 1;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		char p[300], t[4096];
		snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(p, t, sizeof(t) - 1);
		t[n < 0 ? 0 : n] = 0;
		printf("%s %s\n", e->d_name, t);
	}
	closedir(d);
	return 0;
}

static int do_cwd(void)
{
	char buf[4096];
	if (!getcwd(buf, sizeof(buf))) {
		printf("getcwd %s\n", err_name(errno));
		return 1;
	}
	printf("%s\n", buf);
	return 0;
}

/* The CVE-2019-5736 class: a process of the container watches for any
 * other process whose /proc/PID/exe it can resolve, and tries to open that
 * binary for writing. Prints each distinct target once, with what the
 * open answered, and "watched N" at the end. */
static int do_exe_watch(int seconds)
{
	char seen[64][256];
	int n_seen = 0;
	long checks = 0;
	time_t end = time(NULL) + seconds;
	pid_t self = getpid();
	while (time(NULL) < end) {
		DIR *d = opendir("/proc");
		if (!d)
			return 1;
		struct dirent *e;
		while ((e = readdir(d))) {
			pid_t pid = atoi(e->d_name);
			if (pid <= 0 || pid == self)
				continue;
			char p[64], t[256];
			snprintf(p, sizeof(p), "/proc/%d/exe", pid);
			ssize_t n = readlink(p, t, sizeof(t) - 1);
			checks++;
			if (n < 0)
				continue;
			t[n] = 0;
			int known = 0;
			for (int i = 0; i < n_seen; i++)
				known |= strcmp(seen[i], t) == 0;
			if (known || n_seen >= 64)
				continue;
			snprintf(seen[n_seen++], sizeof(seen[0]), "%s", t);
			int fd = open(p, O_WRONLY);
			printf("exe %s write %s\n", t, err_name(fd < 0 ? errno : 0));
			if (fd >= 0)
				close(fd);
			fflush(stdout);
		}
		closedir(d);
	}
	printf("watched %ld\n", checks);
	return 0;
}

/* The classic chroot escape: chroot into a subfolder without entering it,
 * climb with "..", chroot to where we landed. With CAP_SYS_CHROOT (in the
 * default set) it works, but only gets back to the root of the mount
 * namespace, which pivot_root made the container's own. */
static int do_chroot_escape(const char *file)
{
	(void)mkdir("/tmp/.sec-probe-jail", 0700);
	if (chroot("/tmp/.sec-probe-jail") < 0) {
		printf("chroot %s\n", err_name(errno));
		return 1;
	}
	for (int i = 0; i < 64; i++)
		(void)chdir("..");
	if (chroot(".") < 0) {
		printf("chroot-back %s\n", err_name(errno));
		return 1;
	}
	int fd = open(file, O_RDONLY);
	printf("chroot OK read %s\n", err_name(fd < 0 ? errno : 0));
	return 0;
}

static int do_tiocsti(const char *text)
{
	for (const char *c = text; *c; c++)
		if (ioctl(0, TIOCSTI, c) < 0) {
			printf("tiocsti %s\n", err_name(errno));
			return 1;
		}
	printf("tiocsti OK\n");
	return 0;
}

static int do_int80(void)
{
	long r;
	/* getpid is 20 in the i386 table. */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	printf("int80 %s\n", r < 0 ? err_name((int)-r) : "OK");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return 2;
	const char *cmd = argv[1];
	if (strcmp(cmd, "syscalls") == 0)
		return do_syscalls();
	if (strcmp(cmd, "mount-tmpfs") == 0 && argc == 3) {
		int r = mount("none", argv[2], "tmpfs", 0, "size=4k");
		printf("mount %s\n", err_name(r < 0 ? errno : 0));
		if (r == 0)
			(void)umount2(argv[2], MNT_DETACH);
		return r < 0;
	}
	if (strcmp(cmd, "ptrace") == 0 && argc == 3) {
		pid_t pid = atoi(argv[2]);
		long r = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
		printf("ptrace %s\n", err_name(r < 0 ? errno : 0));
		if (r == 0) {
			waitpid(pid, NULL, __WALL);
			ptrace(PTRACE_DETACH, pid, NULL, NULL);
		}
		return r < 0;
	}
	if (strcmp(cmd, "kill") == 0 && argc == 3) {
		int r = kill(atoi(argv[2]), SIGKILL);
		printf("kill %s\n", err_name(r < 0 ? errno : 0));
		return r < 0;
	}
	if (strcmp(cmd, "open") == 0 && argc == 4)
		return do_open(argv[2], argv[3]);
	if (strcmp(cmd, "mknod") == 0 && argc == 6)
		return do_mknod(argv[2], argv[3], argv[4], argv[5]);
	if (strcmp(cmd, "fds") == 0)
		return do_fds();
	if (strcmp(cmd, "cwd") == 0)
		return do_cwd();
	if (strcmp(cmd, "exe-watch") == 0 && argc == 3)
		return do_exe_watch(atoi(argv[2]));
	if (strcmp(cmd, "chroot-escape") == 0 && argc == 3)
		return do_chroot_escape(argv[2]);
	if (strcmp(cmd, "tiocsti") == 0 && argc == 3)
		return do_tiocsti(argv[2]);
	if (strcmp(cmd, "int80") == 0)
		return do_int80();
	return 2;
}
