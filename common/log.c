/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <jansson.h>
#include <stdarg.h>
#include <string.h>

#include "log.h"
#include "util.h"

static const char *log_prefix = "berth";
static int log_level = LOG_LEVEL_INFO;
static int log_fd = STDERR_FILENO;
static int log_file_fd = -EBADF;
static bool log_file_json;

void log_set_file(int fd, bool json)
{
	log_file_fd = fd;
	log_file_json = json;
}

/* The line again, for a log file (berth-runtime's --log): as runc writes
 * it, which conmon and containerd read back. */
static void log_to_file(int level, const char *msg)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char now[32];
	format_iso8601(now_usec(), now);
	char *line = NULL;
	if (log_file_json) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "level", names[level], "msg", msg, "time",
				      now);
		line = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
	} else {
		json_t *j = json_string(msg);
		char *quoted = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
		json_decref(j);
		if (quoted &&
		    asprintf(&line, "time=\"%s\" level=%s msg=%s", now, names[level], quoted) < 0)
			line = NULL;
		free(quoted);
	}
	if (!line)
		return;
	size_t n = strlen(line);
	line[n] = '\n'; /* over the NUL: one write(2) for the line */
	ssize_t w _unused_ = write(log_file_fd, line, n + 1);
	free(line);
}

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
	if (log_file_fd >= 0) {
		buf[len - 1] = 0;
		log_to_file(level, buf + n);
	}
	errno = saved_errno;
	return r;
}
