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
 * sealed copy, which no one can write. Static: it runs inside any root.
 *
 *   berth-stage ERRFD COMMAND [ARG...]
 *
 * On failure it writes an InitError to ERRFD and exits 126 or 127. */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor.h"

int main(int argc, char *argv[], char *envp[])
{
	if (argc < 3)
		return EXIT_BERTH_ERROR;
	int errfd = atoi(argv[1]);
	/* The error pipe reaches the command only if execve() fails. */
	(void)fcntl(errfd, F_SETFD, FD_CLOEXEC);

	InitError e = { 0 };
	char msg[SYNC_MSG_MAX];
	exec_in_path(argv + 2, envp, msg, sizeof(msg), &e.error, &e.exit_code);
	snprintf(e.msg, sizeof(e.msg), "%s", msg);
	ssize_t w = write(errfd, &e, sizeof(e));
	(void)w;
	return e.exit_code;
}
