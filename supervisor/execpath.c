/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "supervisor.h"
#include "util.h"

/* execvpe() would search the supervisor's PATH; this searches the one the
 * command gets. Returns only on failure, with a message and the exit code
 * Podman uses: 127 when nothing was found, 126 when it cannot run. */
void exec_in_path(char *const argv[], char *const envp[], char *msg, size_t msglen,
		  int *ret_error, int *ret_exit_code)
{
	const char *cmd = argv[0];
	if (strchr(cmd, '/')) {
		execve(cmd, argv, envp);
		int e = errno;
		snprintf(msg, msglen, "cannot execute `%s`: %s", cmd, strerror(e));
		*ret_error = -e;
		*ret_exit_code = e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
		return;
	}

	const char *path = NULL;
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int saved = ENOENT;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		char full[4096];
		if (n == 0)
			snprintf(full, sizeof(full), "./%s", cmd);
		else
			snprintf(full, sizeof(full), "%.*s/%s", (int)n, p, cmd);
		execve(full, argv, envp);
		/* Like execvp(): remember a permission problem, but keep looking. */
		if (errno == EACCES || errno == ENOEXEC || errno == EISDIR || errno == ETXTBSY)
			saved = errno;
		p += n;
		if (*p == ':')
			p++;
	}
	if (saved == ENOENT)
		snprintf(msg, msglen, "`%s`: executable file not found in $PATH", cmd);
	else
		snprintf(msg, msglen, "cannot execute `%s`: %s", cmd, strerror(saved));
	*ret_error = -saved;
	*ret_exit_code = saved == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}
