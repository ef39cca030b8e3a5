/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The client side of a supervisor's control socket (common/protocol.h). */

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "cli.h"
#include "util.h"

#define CTL_TIMEOUT_MS 5000

static int io_all(int fd, void *buf, size_t len, bool writing)
{
	uint64_t deadline = now_mono_usec() + CTL_TIMEOUT_MS * 1000ull;
	size_t done = 0;
	while (done < len) {
		struct pollfd p = { .fd = fd, .events = writing ? POLLOUT : POLLIN };
		uint64_t now = now_mono_usec();
		if (now >= deadline)
			return -ETIMEDOUT;
		int r = poll(&p, 1, (int)((deadline - now) / 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		ssize_t n = writing ? send(fd, (char *)buf + done, len - done, MSG_NOSIGNAL)
				    : recv(fd, (char *)buf + done, len - done, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		done += (size_t)n;
	}
	return 0;
}

int ctl_send(Cli *cli, const char *id, const CtlRequest *req, int *ret_fd)
{
	_cleanup_free_ char *dir = path_container_run_dir(&cli->paths, id);
	if (!dir)
		return -ENOMEM;
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* Through the directory's fd: a deep --root would not fit sun_path. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" CTL_SOCKET_NAME, dfd);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	/* A new connection's buffer takes the request at once: this does not
	 * wait for the supervisor. */
	int r = io_all(fd, (void *)req, sizeof(*req), true);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int ctl_receive(int fd, CtlReply *ret)
{
	CtlReply reply;
	int r = io_all(fd, &reply, sizeof(reply), false);
	if (r < 0)
		return r;
	*ret = reply;
	return 0;
}
