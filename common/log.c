/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "log.h"

static const char *log_prefix = "berth";
static int log_level = LOG_LEVEL_INFO;
static int log_fd = STDERR_FILENO;

void log_setup(const char *prefix, int level)
{
	if (prefix)
		log_prefix = prefix;
	log_level = level;
}

void log_set_fd(int fd)
{
	log_fd = fd;
}

int log_get_level(void)
{
	return log_level;
}

/* Logging never changes errno: a caller may log and then report the error
 * it was handling. %m prints the error passed in or, for a plain log
 * call, the errno of the caller. */
int log_internal(int level, int error, const char *fmt, ...)
{
	int saved_errno = errno;
	int r = error < 0 ? error : -error;
	if (r == 0)
		r = -EIO;

	if (level > log_level)
		return r;

	char buf[2048];
	int n = snprintf(buf, sizeof(buf), "%s: ", log_prefix);
	va_list ap;
	va_start(ap, fmt);
	errno = error != 0 ? -r : saved_errno;
	int m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0) {
		errno = saved_errno;
		return r;
	}
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	/* One write(2) per line, so lines of concurrent processes do not interleave. */
	ssize_t w _unused_ = write(log_fd, buf, len);
	errno = saved_errno;
	return r;
}
