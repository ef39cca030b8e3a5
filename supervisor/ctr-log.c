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
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include "log.h"
#include "supervisor.h"
#include "util.h"

int ctr_log_open(Supervisor *s)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/" CTR_LOG_NAME, s->bundle) < 0)
		return -ENOMEM;
	s->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->log_fd < 0)
		return -errno;
	struct stat st;
	s->log_size = fstat(s->log_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

/* The log is capped: past log_max_size, ctr.log becomes ctr.log.1 (the one
 * before that is dropped) and a new ctr.log starts. So a chatty container
 * uses at most twice the cap on disk. */
static void rotate(Supervisor *s)
{
	_cleanup_free_ char *cur = NULL, *old = NULL;
	if (asprintf(&cur, "%s/" CTR_LOG_NAME, s->bundle) < 0 ||
	    asprintf(&old, "%s/" CTR_LOG_NAME ".1", s->bundle) < 0)
		return;
	if (rename(cur, old) < 0) {
		log_warning_errno(-errno, "rotate the container log: %m");
		return;
	}
	s->log_fd = safe_close(s->log_fd);
	int r = ctr_log_open(s);
	if (r < 0)
		log_warning_errno(r, "reopen the container log: %m");
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
		ssize_t w = writev(s->log_fd, iov, 3);
		if (w < 0) {
			log_warning_errno(-errno, "write the container log: %m");
			return;
		}
		s->log_size += (uint64_t)w;
		if (s->log_max_size > 0 && s->log_size >= s->log_max_size) {
			rotate(s);
			if (s->log_fd < 0)
				return;
		}
		buf += linelen + (nl ? 1 : 0);
		len -= linelen + (nl ? 1 : 0);
	}
}
