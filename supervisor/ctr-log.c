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
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "supervisor.h"
#include "util.h"

int ctr_log_open(Supervisor *s)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/" CTR_LOG_NAME, s->bundle) < 0)
		return -ENOMEM;
	s->log.fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->log.fd < 0)
		return -errno;
	struct stat st;
	s->log.size = fstat(s->log.fd, &st) == 0 ? (uint64_t)st.st_size : 0;
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
	s->log.fd = safe_close(s->log.fd);
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

static void drop(Supervisor *s, int error, size_t bytes)
{
	if (!s->log.drop_since_usec) {
		s->log.drop_since_usec = now_usec();
		s->log.drop_error = error;
	}
	s->log.drop_bytes += bytes;
	s->log.drop_lines++;
	s->log.dropped += bytes;
	s->log.dropped_lines++;
}

void ctr_log_report_drops(Supervisor *s)
{
	if (!s->log.drop_since_usec)
		return;
	char since[32], until[32];
	format_iso8601(s->log.drop_since_usec, since);
	format_iso8601(now_usec(), until);
	log_warning("the container log dropped %" PRIu64 " line%s (%" PRIu64 " bytes) of output "
		    "from %s to %s: %s",
		    s->log.drop_lines, s->log.drop_lines == 1 ? "" : "s", s->log.drop_bytes, since,
		    until, strerror(-s->log.drop_error));
	s->log.drop_since_usec = 0;
	s->log.drop_bytes = s->log.drop_lines = 0;
}

/* After the disk filled up, the log writes again only once there is room
 * for more than the state DB's reserve (checked at most once a second):
 * blocks that a berth command frees by giving back the reserve are for
 * the DB (a container's end, a removal), not for more output. */
static bool log_has_room(Supervisor *s)
{
	if (s->log.drop_error != -ENOSPC || !s->log.drop_since_usec)
		return true;
	uint64_t now = now_usec();
	if (now < s->log.drop_next_check_usec)
		return false;
	s->log.drop_next_check_usec = now + 1000000;
	struct statvfs sv;
	if (s->log.fd < 0 || fstatvfs(s->log.fd, &sv) < 0)
		return true;
	return (uint64_t)sv.f_bavail * sv.f_frsize > 2 * (uint64_t)DB_RESERVE_BYTES;
}

void ctr_log_write(Supervisor *s, const char *stream, const char *buf, size_t len)
{
	if (s->log.fd < 0) {
		/* Not opened (the disk was full at the start) or lost in a
		 * rotation: once more, and what cannot go in is counted. */
		int r = ctr_log_open(s);
		if (r < 0) {
			size_t lines = 0;
			for (const char *p = buf; (p = memchr(p, '\n', len - (size_t)(p - buf)));
			     p++)
				lines++;
			drop(s, r, len);
			s->log.drop_lines += lines ? lines - 1 : 0;
			s->log.dropped_lines += lines ? lines - 1 : 0;
			return;
		}
	}
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
		ssize_t w = log_has_room(s) ? writev(s->log.fd, iov, 3) : (errno = ENOSPC, -1);
		if (w < 0 || (size_t)w < (size_t)hn + linelen + 1) {
			/* A full disk (or a short write at its edge): the line is
			 * lost; what a part of it wrote stays, cut. Count it, so
			 * that the loss is known; the next line that fits
			 * reports it. */
			drop(s, w < 0 ? -errno : -ENOSPC, linelen + (nl ? 1 : 0));
		} else if (s->log.drop_since_usec)
			ctr_log_report_drops(s);
		if (w > 0)
			s->log.size += (uint64_t)w;
		if (s->log.max_size > 0 && s->log.size >= s->log.max_size) {
			rotate(s);
			if (s->log.fd < 0)
				return;
		}
		buf += linelen + (nl ? 1 : 0);
		len -= linelen + (nl ? 1 : 0);
	}
}
