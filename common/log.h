/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "cleanup.h"

enum {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

void log_setup(const char *prefix, int level);
void log_set_fd(int fd);
/* Every line also goes to fd (a log file): as JSON ({"level", "msg",
 * "time"}) or as logfmt text (time=... level=... msg="..."). -EBADF: none. */
void log_set_file(int fd, bool json);
int log_get_level(void);

/* Logs one line "prefix: message" when level is enabled and returns
 * -abs(error) (or -EIO if error is 0), so a caller writes
 * "return log_error_errno(r, "...: %m", ...);". %m prints error. */
int log_internal(int level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_error_errno(r, ...) log_internal(LOG_LEVEL_ERROR, (r), __VA_ARGS__)
#define log_warning_errno(r, ...) log_internal(LOG_LEVEL_WARNING, (r), __VA_ARGS__)
#define log_debug_errno(r, ...) log_internal(LOG_LEVEL_DEBUG, (r), __VA_ARGS__)
#define log_error(...) ((void)log_internal(LOG_LEVEL_ERROR, 0, __VA_ARGS__))
#define log_warning(...) ((void)log_internal(LOG_LEVEL_WARNING, 0, __VA_ARGS__))
#define log_info(...) ((void)log_internal(LOG_LEVEL_INFO, 0, __VA_ARGS__))
#define log_debug(...) ((void)log_internal(LOG_LEVEL_DEBUG, 0, __VA_ARGS__))
