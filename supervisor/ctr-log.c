/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The log of a detached container: one line per line of output, in the
 * format Podman's k8s-file driver uses, which `berth logs` reads back:
 *
 *   2026-11-23T16:24:27.123456789Z stdout F hello
 *
 * F marks a full line, P a partial one (output that did not end in a
 * newline before the buffer was flushed). */

#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "log.h"
#include "supervisor.h"
#include "util.h"

int ctr_log_open(Supervisor *s)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/ctr.log", s->bundle) < 0)
		return -ENOMEM;
	s->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	return s->log_fd < 0 ? -errno : 0;
}

static void timestamp(char buf[static 40])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 40 - n, ".%09ldZ", ts.tv_nsec);
}

void ctr_log_write(Supervisor *s, const char *stream, const char *buf, size_t len)
{
	if (s->log_fd < 0)
		return;
	char ts[40];
	timestamp(ts);
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t linelen = nl ? (size_t)(nl - buf) : len;
		char head[64];
		int hn = snprintf(head, sizeof(head), "%s %s %c ", ts, stream, nl ? 'F' : 'P');
		struct iovec iov[3] = {
			{ head, (size_t)hn },
			{ (void *)buf, linelen },
			{ (void *)"\n", 1 },
		};
		/* One writev per line keeps lines whole even if the file is read
		 * concurrently by `berth logs -f`. */
		if (writev(s->log_fd, iov, 3) < 0) {
			log_warning_errno(-errno, "write the container log: %m");
			return;
		}
		buf += linelen + (nl ? 1 : 0);
		len -= linelen + (nl ? 1 : 0);
	}
}
