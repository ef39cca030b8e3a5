/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sync-msg.h"

int sync_send_fd(int fd, const SyncMsg *m, int passfd)
{
	if (fd < 0)
		return -ENOTCONN;
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	memset(&c, 0, sizeof(c));
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
			     .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
	ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*m) ? 0 : -EIO;
}

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

int sync_recv(int fd, SyncMsg *m, int *ret_fd)
{
	if (ret_fd)
		*ret_fd = -EBADF;
	for (;;) {
		struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} c;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
				     .msg_controllen = sizeof(c.buf) };
		ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n > 0) {
			struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
			if (cm && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int))) {
				int got;
				memcpy(&got, CMSG_DATA(cm), sizeof(int));
				if (ret_fd)
					*ret_fd = got;
				else
					close(got);
			}
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		if (n != (ssize_t)sizeof(*m)) {
			if (ret_fd && *ret_fd >= 0)
				*ret_fd = (close(*ret_fd), -EBADF);
			return -EIO;
		}
		m->msg[sizeof(m->msg) - 1] = 0;
		return 0;
	}
}
