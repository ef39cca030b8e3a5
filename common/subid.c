/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "subid.h"
#include "util.h"

const char *subid_file_uid(void)
{
	const char *e = getenv("BERTH_SUBUID");
	return e && *e ? e : "/etc/subuid";
}

const char *subid_file_gid(void)
{
	const char *e = getenv("BERTH_SUBGID");
	return e && *e ? e : "/etc/subgid";
}

static bool owner_matches(const char *field, const char *owner, uid_t id)
{
	if (!owner)
		return true;
	if (streq(field, owner))
		return true;
	uint32_t n;
	return parse_uint32(field, &n) >= 0 && n == (uint32_t)id;
}

int subid_ranges_read(const char *path, const char *owner, uid_t id, SubidRange **ranges, size_t *n)
{
	_cleanup_free_ char *data = NULL;
	int r = read_full_file(path, &data, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/* NAME-OR-ID:START:COUNT a line; anything else is skipped, as
	 * newuidmap skips it. */
	for (char *line = data, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		uint32_t start, count;
		if (line[0] == '#' || !a || !b)
			continue;
		*a = 0;
		*b = 0;
		if (parse_uint32(a + 1, &start) < 0 || parse_uint32(b + 1, &count) < 0 ||
		    count == 0 || (uint64_t)start + count > UINT32_MAX)
			continue;
		if (!owner_matches(line, owner, id))
			continue;
		SubidRange *nr = realloc(*ranges, (*n + 1) * sizeof(SubidRange));
		if (!nr)
			return -ENOMEM;
		*ranges = nr;
		(*ranges)[(*n)++] = (SubidRange){ start, count };
	}
	return 0;
}
