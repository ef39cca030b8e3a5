/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* sd_notify(3) for units that wrap a detached container (Type=notify).
 * The protocol is one datagram of "KEY=VALUE" lines to the unix socket in
 * $NOTIFY_SOCKET (a leading '@' means the abstract namespace); systemd
 * documents it as a stable interface meant to be reimplemented. Doing so
 * keeps libsystemd's relocations and pages out of every idle supervisor. */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "supervisor.h"
#include "util.h"

int notify_ready(pid_t mainpid)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = 0;

	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%d\n", (int)mainpid);
	if (sendto(fd, msg, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		return -errno;
	return 1;
}
