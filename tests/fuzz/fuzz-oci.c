/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spec_from_json(), the reader of every config.json the supervisor runs.
 * What it accepts must survive a round trip: written with spec_to_json()
 * and read again, it gives the same document. */
#include "config.h"

#include <errno.h>

#include "fuzz.h"
#include "oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = fuzz_strndup(data, size);
	ContainerSpec *s = NULL;
	char *error = NULL;
	int r = spec_from_json(json, &s, &error);
	free(json);
	if (r < 0) {
		/* A refusal always says why, and leaves nothing behind. */
		fuzz_check(r == -EINVAL || r == -ENOMEM);
		fuzz_check(!s && error && strncmp(error, "config.json: ", 13) == 0);
		free(error);
		return 0;
	}
	fuzz_check(r == 0 && s && !error);

	char *once = NULL, *twice = NULL;
	ContainerSpec *again = NULL;
	fuzz_check(spec_to_json(s, &once) == 0);
	r = spec_from_json(once, &again, &error);
	if (r < 0)
		fprintf(stderr, "the written document is refused: %s\n%s\n", error, once);
	fuzz_check(r == 0);
	fuzz_check(spec_to_json(again, &twice) == 0);
	if (strcmp(once, twice) != 0)
		fprintf(stderr, "first:\n%s\nsecond:\n%s\n", once, twice);
	fuzz_check(strcmp(once, twice) == 0);

	free(once);
	free(twice);
	spec_free(again);
	spec_free(s);
	return 0;
}
