/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sync-msg.h"
#include "util.h"

ssize_t send_with_fd(int sock, const void *buf, size_t len, int passfd)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	memset(&c, 0, sizeof(c));
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = c.buf,
			     .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
	ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

int sync_send_fd(int fd, const SyncMsg *m, int passfd)
{
	if (fd < 0)
		return -ENOTCONN;
	ssize_t n = send_with_fd(fd, m, sizeof(*m), passfd);
	if (n < 0)
		return (int)n;
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

ssize_t recv_with_fd(int sock, void *buf, size_t len, int *ret_fd)
{
	*ret_fd = -EBADF;
	for (;;) {
		struct iovec iov = { .iov_base = buf, .iov_len = len };
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} c;
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = c.buf,
				     .msg_controllen = sizeof(c.buf) };
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		if (cm && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(ret_fd, CMSG_DATA(cm), sizeof(int));
		return n;
	}
}

int sync_recv(int fd, SyncMsg *m, int *ret_fd)
{
	int got;
	ssize_t n = recv_with_fd(fd, m, sizeof(*m), &got);
	/* A peer that closed its end with a message of ours unread (a
	 * supervisor that failed before reading SYNC_GO) makes the kernel
	 * report ECONNRESET once, before the messages it sent us, which are
	 * still queued: its last word is the one that says why. */
	if (n == -ECONNRESET)
		n = recv_with_fd(fd, m, sizeof(*m), &got);
	if (ret_fd)
		*ret_fd = -EBADF;
	if (n < 0)
		return (int)n;
	if (n != (ssize_t)sizeof(*m)) {
		safe_close(got);
		return n == 0 ? -EPIPE : -EIO;
	}
	if (ret_fd)
		*ret_fd = got;
	else
		safe_close(got);
	m->msg[sizeof(m->msg) - 1] = 0;
	return 0;
}
