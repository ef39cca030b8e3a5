/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mount_options_parse(): the input, split at NUL bytes, is one OCI options
 * list (so an option may hold a comma, which must be refused); split at
 * commas as well, it is the list a user would write. */
#include "config.h"

#include <errno.h>
#include <sys/mount.h>

#include "fuzz.h"
#include "mount-options.h"
#include "util.h"

static char **split(const uint8_t *data, size_t size, const char *seps)
{
	char **l = calloc(size + 2, sizeof(char *));
	if (!l)
		abort();
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= size; i++)
		if (i == size || strchr(seps, data[i]) || data[i] == 0) {
			l[n++] = fuzz_strndup(data + start, i - start);
			start = i + 1;
		}
	return l;
}

static void check(char **options)
{
	MountOptions o = { .data = (char *)"untouched" };
	int r = mount_options_parse(options, &o);
	fuzz_check(r == 0 || r == -EINVAL);
	if (r < 0) {
		fuzz_check(o.data && streq(o.data, "untouched"));
		return;
	}
	/* An option turned on and off ends in one state, never both. */
	fuzz_check((o.flags & o.clear) == 0);
	fuzz_check(o.bind == !!(o.flags & MS_BIND));
	if (o.data) {
		/* The data string is the unknown options, none empty, comma-joined. */
		size_t n = strlen(o.data);
		fuzz_check(n > 0 && o.data[0] != ',' && o.data[n - 1] != ',');
		fuzz_check(!strstr(o.data, ",,"));
	}
	mount_options_done(&o);
	fuzz_check(!o.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **l = split(data, size, "");
	check(l);
	strv_free(l);
	l = split(data, size, ",");
	check(l);
	strv_free(l);
	return 0;
}
