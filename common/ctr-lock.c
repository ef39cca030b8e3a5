/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "ctr-lock.h"
#include "util.h"

int ctr_lock(const char *bundle, int operation, int timeout_ms, int *ret_fd)
{
	_cleanup_close_ int fd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A start or a removal holds it for milliseconds; poll rather than
	 * block, so that the wait has an end. */
	uint64_t deadline = now_mono_usec() + (uint64_t)timeout_ms * 1000;
	while (flock(fd, operation | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (now_mono_usec() >= deadline)
			return -EBUSY;
		usleep(5000);
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int ctr_lock_held(const char *bundle)
{
	_cleanup_close_ int fd = -EBADF;
	int r = ctr_lock(bundle, LOCK_EX, 0, &fd);
	if (r == -EBUSY)
		return 1;
	return r < 0 ? r : 0;
}
