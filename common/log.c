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

int log_internal(int level, int error, const char *fmt, ...)
{
	int r = error < 0 ? error : -error;
	if (r == 0)
		r = -EIO;

	if (level > log_level)
		return r;

	char buf[2048];
	int n = snprintf(buf, sizeof(buf), "%s: ", log_prefix);
	va_list ap;
	va_start(ap, fmt);
	/* %m in the format prints the error passed in, not a stale errno. */
	errno = -r;
	int m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return r;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	/* One write(2) per line, so lines of concurrent processes do not interleave. */
	ssize_t w _unused_ = write(log_fd, buf, len);
	errno = -r;
	return r;
}
