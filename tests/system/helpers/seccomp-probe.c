/* A tiny static helper for 75-seccomp.sh: it makes raw system calls from
 * inside a busybox container and prints what the kernel (or the seccomp
 * filter) answered, as an errno name or "OK", one line per call.
 *
 *   seccomp-probe calls   calls the default profile does not list, an
 *                         unknown number, personality flags, AF_VSOCK
 *   seccomp-probe tty     terminal ioctls on fd 0: TIOCSTI (also with the
 *                         register's high half set), TIOCLINUX
 *
 * Each call runs in a child of its own, so a call that is killed (SIGSYS)
 * or succeeds changes nothing for the next. Arguments are chosen so that
 * an allowed call does no harm: NULL buffers (EFAULT), one byte pushed
 * into the container's own terminal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Numbers from 424 on are the same on every architecture; this C library's
 * headers may be older than the kernel. */
#define NR_STATMOUNT 457
#define NR_LISTMOUNT 458
#define NR_LSM_LIST_MODULES 461
#define NR_FCHMODAT2 452

static const char *err_name(int e)
{
	const char *n = e ? strerrorname_np(e) : "OK";
	return n ? n : "E?";
}

/* Runs fn in a child; prints NAME and the errno it reported, OK, or the
 * signal that ended it. */
static void probe(const char *name, long (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		errno = 0;
		long r = fn();
		_exit(r < 0 ? (errno ? errno : 255) : 0);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) < 0) {
		printf("%s %s\n", name, err_name(errno));
		return;
	}
	const char *sig = WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : NULL;
	if (WIFSIGNALED(st))
		printf("%s SIG%s\n", name, sig ? sig : "?");
	else
		printf("%s %s\n", name,
		       WEXITSTATUS(st) == 255 ? "FAILED" : err_name(WEXITSTATUS(st)));
}

/* Laid out by hand: one probe a line. */
/* clang-format off */
static long p_unknown(void) { return syscall(1000, 0, 0, 0); }
static long p_listmount(void) { return syscall(NR_LISTMOUNT, NULL, NULL, 0UL, 0U); }
static long p_statmount(void) { return syscall(NR_STATMOUNT, NULL, NULL, 0UL, 0U); }
static long p_lsm_list_modules(void) { return syscall(NR_LSM_LIST_MODULES, NULL, NULL, 0U); }
static long p_fchmodat2(void) { return syscall(NR_FCHMODAT2, AT_FDCWD, "/tmp", 01777, 0U); }
/* AF_VSOCK (40), also with the high half of the register set: the kernel
 * reads an int and makes a vsock socket all the same. */
static long p_vsock(void) { return syscall(SYS_socket, 40L, 1L /* SOCK_STREAM */, 0L); }
static long p_vsock_high(void) { return syscall(SYS_socket, 0x100000028L, 1L, 0L); }
static long p_personality_query(void) { return syscall(SYS_personality, 0xffffffffUL); }
static long p_personality_no_aslr(void) { return syscall(SYS_personality, 0x0040000UL); }
/* clang-format on */

static long p_tiocsti(void)
{
	char c = ' ';
	return syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI, &c);
}
/* The same request with the high half of the register set: the kernel
 * reads an unsigned int and sees TIOCSTI. */
static long p_tiocsti_high(void)
{
	char c = ' ';
	return syscall(SYS_ioctl, 0, 0x100000000UL | TIOCSTI, &c);
}
static long p_tioclinux(void)
{
	char sub = 12; /* TIOCL_GETFGCONSOLE: only reads */
	return syscall(SYS_ioctl, 0, (unsigned long)TIOCLINUX, &sub);
}
static long p_tcgets(void)
{
	char buf[64];
	return syscall(SYS_ioctl, 0, (unsigned long)TCGETS, buf);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2)
		return 2;
	if (strcmp(argv[1], "calls") == 0) {
		probe("syscall(1000)", p_unknown);
		probe("listmount", p_listmount);
		probe("statmount", p_statmount);
		probe("lsm_list_modules", p_lsm_list_modules);
		probe("fchmodat2", p_fchmodat2);
		probe("socket(AF_VSOCK)", p_vsock);
		probe("socket(AF_VSOCK|1<<32)", p_vsock_high);
		probe("personality(query)", p_personality_query);
		probe("personality(ADDR_NO_RANDOMIZE)", p_personality_no_aslr);
		return 0;
	}
	if (strcmp(argv[1], "tty") == 0) {
		printf("isatty %s\n", isatty(0) ? "yes" : "no");
		probe("TCGETS", p_tcgets);
		probe("TIOCSTI", p_tiocsti);
		probe("TIOCSTI|1<<32", p_tiocsti_high);
		probe("TIOCLINUX", p_tioclinux);
		return 0;
	}
	return 2;
}
