/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* SetupError (container-setup.h): the one way an error leaves the set-up
 * path. A file of its own, below everything that uses it. */

#include <stdarg.h>
#include <stdio.h>

#include "container-setup.h"

int setup_err(SetupError *e, int r, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	errno = -r; /* for %m */
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	errno = saved;
	e->error = r;
	e->exit_code = EXIT_BERTH_ERROR;
	return r;
}
