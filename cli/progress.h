/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A one-line progress bar on stderr, drawn only when stderr is a terminal:
 * logs and pipes get nothing but the final result. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	bool enabled;
	char label[48];
	uint64_t total; /* 0: unknown, show bytes only */
	uint64_t last_usec;
} Progress;

/* label: a path, shown from after its last '/', its end kept if too long. */
void progress_init(Progress *p, const char *label, uint64_t total);
/* Redraws at most ten times a second. */
void progress_update(Progress *p, uint64_t done);
/* Erases the bar so that the next line starts clean. */
void progress_done(Progress *p);
