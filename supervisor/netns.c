/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The container's network namespace, made beside the rest of its start.
 *
 * Creating a network namespace is most of what clone() with six new
 * namespaces costs: 0.9 of 1.1 ms here (the loopback device, the
 * per-namespace sysctl and proc tables), and the supervisor did nothing
 * else meanwhile. So as soon as the supervisor starts, before SYNC_GO
 * (--new-netns, main.c), a thread of ours makes the namespace (unshare()
 * changes that thread's namespace only), brings its loopback up and sends
 * it down a socket, while the main thread makes the cgroup, waits for the
 * configuration and clones the init without CLONE_NEWNET, with the other
 * end of that socket. The init mounts its root, /proc and /dev meanwhile; before /sys
 * (whose net class shows the mounter's namespace) it receives the
 * namespace and joins it (netns_join()). If the thread failed, a byte
 * without a namespace comes, and the init makes one itself.
 *
 * The namespace belongs to the host's user namespace either way, as one
 * made by clone() does. The thread may still run when the main thread
 * clones: it takes no lock the init could need (no allocation, no stdio;
 * and the init allocates nothing). */

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rootfs.h"
#include "tty.h"
#include "util.h"

int loopback_up(void)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return RET_NERRNO(ioctl(fd, SIOCSIFFLAGS, &ifr));
}

/* Sends the namespace, or a byte without one when it could not be made
 * (the init then makes its own), to the init's end of p->sock. */
static void *make_netns(void *arg)
{
	NetnsPrep *p = arg;
	int fd = -EBADF, r = RET_NERRNO(unshare(CLONE_NEWNET));
	if (r >= 0) {
		fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		r = fd < 0 ? -errno : loopback_up();
	}
	if (r >= 0)
		r = tty_send_fd(p->sock[0], fd);
	else
		(void)send(p->sock[0], "-", 1, MSG_NOSIGNAL);
	if (fd >= 0)
		close(fd);
	p->result = r;
	return NULL;
}

void netns_prep_start(NetnsPrep *p)
{
	*p = (NetnsPrep){ .result = -EAGAIN, .sock = { -EBADF, -EBADF } };
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->sock) < 0)
		return;
	pthread_attr_t attr;
	if (pthread_attr_init(&attr) != 0)
		return;
	/* It calls a few system calls: a small stack. */
	(void)pthread_attr_setstacksize(&attr, 64 * 1024);
	p->started = pthread_create(&p->thread, &attr, make_netns, p) == 0;
	pthread_attr_destroy(&attr);
}

int netns_prep_done(NetnsPrep *p)
{
	if (p->started) {
		(void)pthread_join(p->thread, NULL);
		p->started = false;
	}
	p->sock[0] = safe_close(p->sock[0]);
	p->sock[1] = safe_close(p->sock[1]);
	return p->result;
}

int netns_join(const InitPlan *plan, SetupError *err)
{
	static bool joined;
	if (plan->netns_sock < 0 || joined)
		return 0;
	joined = true;
	int fd = -EBADF;
	int r = tty_recv_fd(plan->netns_sock, &fd);
	close(plan->netns_sock);
	if (r >= 0) {
		r = RET_NERRNO(setns(fd, CLONE_NEWNET));
		close(fd);
		if (r < 0)
			return setup_err(err, r, "join the container's network namespace: %m");
		return 0;
	}
	/* The supervisor's thread could not make one: as clone() would. */
	r = RET_NERRNO(unshare(CLONE_NEWNET));
	if (r >= 0)
		r = loopback_up();
	if (r < 0)
		return setup_err(err, r, "create the network namespace: %m");
	return 0;
}
