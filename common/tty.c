/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <sys/vfs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "cleanup.h"
#include "resolve.h"
#include "sync-msg.h"
#include "tty.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int tty_open_pair(int rootfd, int *ret_master, int *ret_slave)
{
	/* Resolved inside rootfd without following any symlink, and without
	 * /proc: `berth exec` runs this outside the container's PID namespace,
	 * where the container's /proc has no "self". */
	_cleanup_close_ int master = -EBADF;
	int r = resolve_in_root(rootfd, "dev/pts/ptmx", O_RDWR | O_NOCTTY, true, &master);
	if (r < 0)
		return r;
	/* Whatever the container put at that path, it must be a devpts ptmx. */
	struct statfs sf;
	if (fstatfs(master, &sf) < 0)
		return -errno;
	if (sf.f_type != DEVPTS_SUPER_MAGIC)
		return -ENOTTY;
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return -errno;
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return -errno;
	*ret_master = TAKE_FD(master);
	*ret_slave = slave;
	return 0;
}

int tty_send_fd(int sock, int fd)
{
	char data = 'T';
	ssize_t n = send_with_fd(sock, &data, 1, fd);
	return n < 0 ? (int)n : 0;
}

int tty_recv_fd(int sock, int *ret_fd)
{
	char data;
	int fd;
	ssize_t n = recv_with_fd(sock, &data, 1, &fd);
	if (n < 0)
		return (int)n;
	if (n == 0 || fd < 0) {
		safe_close(fd);
		return -EBADMSG;
	}
	*ret_fd = fd;
	return 0;
}

int tty_make_raw(int fd, struct termios *ret_saved)
{
	struct termios t;
	if (tcgetattr(fd, &t) < 0)
		return -errno;
	*ret_saved = t;
	cfmakeraw(&t);
	/* Keep output post-processing off too: the container's pty does it. */
	return tcsetattr(fd, TCSANOW, &t) < 0 ? -errno : 0;
}

void tty_restore(int fd, const struct termios *saved)
{
	(void)tcsetattr(fd, TCSANOW, saved);
}

void tty_copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(to, TIOCSWINSZ, &ws);
}
