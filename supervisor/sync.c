/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <sys/socket.h>

#include "supervisor.h"

int sync_send(int fd, const SyncMsg *m)
{
	if (fd < 0)
		return -ENOTCONN;
	/* MSG_NOSIGNAL: a CLI that went away must not kill us with SIGPIPE. */
	ssize_t n = send(fd, m, sizeof(*m), MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*m) ? 0 : -EIO;
}
