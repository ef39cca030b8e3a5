/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

#define PROGRESS_INTERVAL_USEC 100000
#define BAR_WIDTH 30

void progress_init(Progress *p, const char *label, uint64_t total)
{
	*p = (Progress){ .enabled = isatty(STDERR_FILENO) == 1, .total = total };
	/* After the last '/': a file's name, or "FILE: layer N (sha256:...)".
	 * What does not fit is cut at the front, which leaves what tells one
	 * layer (or version) from another; never inside a UTF-8 character. */
	const char *slash = strrchr(label, '/');
	const char *s = slash && slash[1] ? slash + 1 : label;
	size_t n = strlen(s), room = sizeof(p->label) - 1;
	if (n <= room)
		snprintf(p->label, sizeof(p->label), "%s", s);
	else {
		const char *tail = s + n - (room - 3);
		while ((*tail & 0xc0) == 0x80)
			tail++;
		snprintf(p->label, sizeof(p->label), "...%s", tail);
	}
	if (p->enabled)
		progress_update(p, 0);
}

void progress_update(Progress *p, uint64_t done)
{
	if (!p || !p->enabled)
		return;
	uint64_t now = now_mono_usec();
	if (p->last_usec != 0 && now - p->last_usec < PROGRESS_INTERVAL_USEC)
		return;
	p->last_usec = now;
	char d[32], t[32];
	format_bytes(done, d, sizeof(d));
	if (p->total > 0) {
		uint64_t pct = done >= p->total ? 100 : done * 100 / p->total;
		char bar[BAR_WIDTH + 1];
		size_t fill = (size_t)(pct * BAR_WIDTH / 100);
		memset(bar, '#', fill);
		memset(bar + fill, '.', BAR_WIDTH - fill);
		bar[BAR_WIDTH] = 0;
		format_bytes(p->total, t, sizeof(t));
		fprintf(stderr, "\r\033[K%s [%s] %3u%%  %s / %s", p->label, bar, (unsigned)pct, d,
			t);
	} else
		fprintf(stderr, "\r\033[K%s  %s", p->label, d);
	fflush(stderr);
}

void progress_done(Progress *p)
{
	if (!p || !p->enabled)
		return;
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
}
