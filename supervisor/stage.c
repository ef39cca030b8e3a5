/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth-stage: the last step into a container, and the only berth code a
 * container's command is ever exec'd from.
 *
 * Until it calls execve(), a process berth starts in a container is a
 * copy of berth-supervisor, so /proc/self/exe names the host's binary; an
 * image whose command is "#!/proc/self/exe" would get the kernel to run
 * that binary inside the container, and a writable handle to it is the
 * CVE-2019-5736 escape. So the init and `berth exec` do not exec the
 * command themselves: they exec this small static program from a sealed
 * memfd copy (see stage_memfd() in stage-memfd.c), which then execs the
 * command. What the container can reach through /proc/self/exe is that
 * sealed copy, which no one can write.
 *
 *   berth-stage ERRFD COMMAND [ARG...]
 *
 * On failure it writes an InitError to ERRFD and exits 126 or 127.
 *
 * It runs in every container start, so it is kept tiny: on x86-64 and
 * arm64 it is built without a C library (STAGE_NOLIBC, configure.ac), its
 * own _start and four system calls, 20 KiB (10 KiB stripped) instead of 760 KiB of
 * static glibc: copying it into the memfd and starting it cost 0.5 ms of
 * every start, and far more under emulation. Elsewhere it links glibc
 * statically. Either way it calls nothing but what is defined here. */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "protocol.h"

#ifdef STAGE_NOLIBC

#if defined(__x86_64__)
static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov (%rsp), %rdi\n"          /* argc */
	"	lea 8(%rsp), %rsi\n"         /* argv */
	"	lea 16(%rsp,%rdi,8), %rdx\n" /* envp */
	"	and $-16, %rsp\n"
	"	call stage_main\n"
	"	mov %eax, %edi\n"
	"	mov $231, %eax\n" /* exit_group */
	"	syscall\n"
	"	hlt\n");
#elif defined(__aarch64__)
static long sys3(long n, long a, long b, long c)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory", "cc");
	return x0;
}

__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	ldr x0, [sp]\n"   /* argc */
	"	add x1, sp, #8\n" /* argv */
	"	add x2, x1, x0, lsl #3\n"
	"	add x2, x2, #8\n" /* envp */
	"	bl stage_main\n"
	"	mov x8, #94\n" /* exit_group */
	"	svc #0\n");
#else
#error "STAGE_NOLIBC is for x86-64 and arm64"
#endif

/* The compiler may emit calls to these for struct initialisation. */
void *memset(void *s, int c, size_t n);
void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;
	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n);
void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *o = d;
	const unsigned char *i = s;
	while (n--)
		*o++ = *i++;
	return d;
}

/* Each returns a negative errno on failure, as the kernel does. */
static int stage_execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)sys3(SYS_execve, (long)path, (long)argv, (long)envp);
}

static long stage_write(int fd, const void *buf, size_t n)
{
	return sys3(SYS_write, fd, (long)buf, (long)n);
}

static void stage_cloexec(int fd)
{
	(void)sys3(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
}

int stage_main(int argc, char *argv[], char *envp[]);
#define STAGE_MAIN stage_main

#else /* with glibc, statically */

#include <unistd.h>

static int stage_execve(const char *path, char *const argv[], char *const envp[])
{
	execve(path, argv, envp);
	return -errno;
}

static long stage_write(int fd, const void *buf, size_t n)
{
	return write(fd, buf, n);
}

static void stage_cloexec(int fd)
{
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

#define STAGE_MAIN main
int main(int argc, char *argv[], char *envp[]);
#endif

/* What strerror() would say, for what execve() fails with. */
static const char *error_text(int e)
{
	switch (e) {
	case ENOENT:
		return "No such file or directory";
	case EACCES:
		return "Permission denied";
	case EPERM:
		return "Operation not permitted";
	case ENOEXEC:
		return "Exec format error";
	case EISDIR:
		return "Is a directory";
	case ENOTDIR:
		return "Not a directory";
	case ETXTBSY:
		return "Text file busy";
	case ELOOP:
		return "Too many levels of symbolic links";
	case ENAMETOOLONG:
		return "File name too long";
	case E2BIG:
		return "Argument list too long";
	case ENOMEM:
		return "Cannot allocate memory";
	case EIO:
		return "Input/output error";
	case EFAULT:
		return "Bad address";
	case EINVAL:
		return "Invalid argument";
	case ELIBBAD:
		return "Accessing a corrupted shared library";
	case EMFILE:
		return "Too many open files";
	default:
		return "cannot execute";
	}
}

/* Appends s (at most max bytes) to buf[*len], always NUL-terminated. */
static void put(char *buf, size_t size, size_t *len, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i] && *len + 1 < size; i++)
		buf[(*len)++] = s[i];
	buf[*len] = 0;
}

#define ALL ((size_t)-1)

static int has_prefix(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return 0;
	return 1;
}

static void cannot_execute(InitError *e, const char *cmd, int err)
{
	size_t len = 0;
	put(e->msg, sizeof(e->msg), &len, "cannot execute `", ALL);
	put(e->msg, sizeof(e->msg), &len, cmd, ALL);
	put(e->msg, sizeof(e->msg), &len, "`: ", ALL);
	put(e->msg, sizeof(e->msg), &len, error_text(err), ALL);
	e->error = -err;
	e->exit_code = err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}

/* execvpe() would search the supervisor's PATH; this searches the one the
 * command gets. Returns only on failure, with a message and the exit code
 * Podman uses: 127 when nothing was found, 126 when it cannot run. */
static void exec_in_path(char *const argv[], char *const envp[], InitError *e)
{
	const char *cmd = argv[0];
	int slash = 0;
	for (const char *c = cmd; *c; c++)
		slash |= *c == '/';
	if (slash) {
		cannot_execute(e, cmd, -stage_execve(cmd, argv, envp));
		return;
	}

	const char *path = NULL;
	for (size_t i = 0; envp && envp[i]; i++)
		if (has_prefix(envp[i], "PATH="))
			path = envp[i] + 5;
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int saved = ENOENT;
	for (const char *p = path; *p;) {
		size_t n = 0;
		while (p[n] && p[n] != ':')
			n++;
		char full[4096];
		size_t fl = 0;
		put(full, sizeof(full), &fl, n == 0 ? "." : p, n == 0 ? 1 : n);
		put(full, sizeof(full), &fl, "/", ALL);
		put(full, sizeof(full), &fl, cmd, ALL);
		int err = -stage_execve(full, argv, envp);
		/* Like execvp(): remember a permission problem, but keep looking. */
		if (err == EACCES || err == ENOEXEC || err == EISDIR || err == ETXTBSY)
			saved = err;
		p += n;
		if (*p == ':')
			p++;
	}
	if (saved != ENOENT) {
		cannot_execute(e, cmd, saved);
		return;
	}
	size_t len = 0;
	put(e->msg, sizeof(e->msg), &len, "`", ALL);
	put(e->msg, sizeof(e->msg), &len, cmd, ALL);
	put(e->msg, sizeof(e->msg), &len, "`: executable file not found in $PATH", ALL);
	e->error = -ENOENT;
	e->exit_code = EXIT_NOT_FOUND;
}

int STAGE_MAIN(int argc, char *argv[], char *envp[])
{
	if (argc < 3)
		return EXIT_BERTH_ERROR;
	int errfd = 0;
	for (const char *c = argv[1]; *c >= '0' && *c <= '9'; c++)
		errfd = errfd * 10 + (*c - '0');
	/* The error pipe reaches the command only if execve() fails. */
	stage_cloexec(errfd);

	InitError e = { 0 };
	exec_in_path(argv + 2, envp, &e);
	(void)stage_write(errfd, &e, sizeof(e));
	return e.exit_code;
}
