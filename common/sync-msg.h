/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Messages of the sync socket between `berth` and its supervisor
 * (protocol.h): one SyncMsg a send, optionally with a descriptor. */

#include <sys/types.h>

#include "protocol.h"

/* One sendmsg() of buf with passfd attached (SCM_RIGHTS), no SIGPIPE:
 * the bytes sent, or a negative errno. */
ssize_t send_with_fd(int sock, const void *buf, size_t len, int passfd);
/* One recvmsg() into buf (EINTR retried): the bytes received (0: the
 * peer closed), or a negative errno; a descriptor that came with them in
 * *ret_fd, else -EBADF. */
ssize_t recv_with_fd(int sock, void *buf, size_t len, int *ret_fd);
int sync_send(int fd, const SyncMsg *m);
/* Sends m with passfd attached (SCM_RIGHTS). */
int sync_send_fd(int fd, const SyncMsg *m, int passfd);
/* Receives one message; a descriptor that came with it goes to *ret_fd
 * when ret_fd is not NULL (else it is closed; -EBADF when none came).
 * -EPIPE: the peer closed the socket. */
int sync_recv(int fd, SyncMsg *m, int *ret_fd);
