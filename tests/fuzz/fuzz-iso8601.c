/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* parse_iso8601(), which reads the times in the state DB: a time it accepts
 * must print back with format_iso8601() as one it accepts again, to the
 * same millisecond. */
#include "config.h"

#include <errno.h>

#include "fuzz.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	uint64_t t = 0xdeadbeef, back = 0;
	int r = parse_iso8601(s, &t);
	fuzz_check(r == 0 || r == -EINVAL);
	if (r < 0) {
		fuzz_check(t == 0xdeadbeef);
		free(s);
		return 0;
	}
	char buf[32];
	format_iso8601(t, buf);
	r = parse_iso8601(buf, &back);
	if (r < 0 || back != t)
		fprintf(stderr, "\"%s\" -> %llu -> \"%s\" -> %d, %llu\n", s, (unsigned long long)t,
			buf, r, (unsigned long long)back);
	fuzz_check(r == 0 && back == t);
	free(s);
	return 0;
}
