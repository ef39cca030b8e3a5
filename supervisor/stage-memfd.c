/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The sealed memfd copy of berth-stage that processes entering a
 * container exec from (see stage.c for why). */

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "init-plan.h"
#include "util.h"

/* berth-stage lives next to berth-supervisor (build tree and libexecdir),
 * and so next to an uninstalled berth-runtime. */
static int stage_path(char *ret, size_t size)
{
	const char *env = getenv("BERTH_STAGE");
	if (env && *env) {
		snprintf(ret, size, "%s", env);
		return 0;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -errno;
	self[n] = 0;
	snprintf(ret, size, "%s/berth-stage", dirname(self));
	/* berth-runtime, installed in $(bindir): the installed one. */
	if (access(ret, X_OK) < 0)
		snprintf(ret, size, "%s", PKGLIBEXECDIR "/berth-stage");
	return 0;
}

int stage_memfd(int *ret_fd)
{
	char path[PATH_MAX];
	int r = stage_path(path, sizeof(path));
	if (r < 0)
		return r;
	_cleanup_close_ int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	struct stat st;
	if (fstat(in, &st) < 0)
		return -errno;
	_cleanup_close_ int fd = memfd_create("berth-stage", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	for (off_t left = st.st_size; left > 0;) {
		ssize_t k = sendfile(fd, in, NULL, (size_t)left);
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO;
		left -= k;
	}
	/* Sealed: nothing, not even root inside or outside, can change it now. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		return -errno;
	/* Execute-only: a process that execs a program it cannot read is not
	 * dumpable (the kernel's would_dump()), so a stage exec'd without
	 * CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH in its effective set, or in
	 * a user namespace where the host's root is unmapped, is out of the
	 * container's reach while it holds berth's error pipe (see exec.c). */
	if (fchmod(fd, 0111) < 0)
		return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Runs in the child, after everything else: execs the stage with the
 * command. Returns only on failure. */
void stage_exec(int stage_fd, int error_fd, char *const argv[], char *const envp[])
{
	size_t n = 0;
	while (argv[n])
		n++;
	char fdbuf[16];
	snprintf(fdbuf, sizeof(fdbuf), "%d", error_fd);
	char *args[n + 3];
	args[0] = (char *)"berth-stage";
	args[1] = fdbuf;
	for (size_t i = 0; i <= n; i++)
		args[i + 2] = argv[i];
	/* The error pipe must survive into the stage; it marks it again. */
	(void)fcntl(error_fd, F_SETFD, 0);
	syscall(SYS_execveat, stage_fd, "", args, envp, AT_EMPTY_PATH);
	if (errno == ENOSYS || errno == ENOENT) {
		/* Without execveat() (kernels before 3.19), or with one that
		 * looks the descriptor up by name (valgrind, which then finds
		 * "/memfd:berth-stage (deleted)"): the same file through
		 * /proc, which is ours here (our PID namespace's). The stage is
		 * static, so ENOENT cannot be a missing ELF interpreter. */
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", stage_fd);
		execve(path, args, envp);
	}
	(void)fcntl(error_fd, F_SETFD, FD_CLOEXEC);
}
