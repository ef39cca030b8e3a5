/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* image_ref_parse(), the reader of every registry reference a user or a
 * registries.conf alias gives. What it accepts names a registry image
 * under a name that is a valid image name (the store takes it, `run`
 * finds it), and that name reads back to itself. */
#include "config.h"

#include <errno.h>

#include "fuzz.h"
#include "image-ref.h"
#include "log.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	ImageRef r;
	int k = image_ref_parse_quiet(s, &r);
	if (k < 0) {
		fuzz_check(k == -EINVAL || k == -ENOMEM);
		free(s);
		return 0;
	}
	fuzz_check(r.path && *r.path);
	fuzz_check(!r.digest || (strncmp(r.digest, "sha256:", 7) == 0 && strlen(r.digest) == 71));
	fuzz_check(image_ref_is_qualified(s) == (r.domain != NULL) ||
		   strncmp(s, "index.docker.io/", 16) == 0 || strncmp(s, "docker.io/", 10) == 0);
	char *name = image_ref_name(&r);
	if (r.domain) {
		fuzz_check(name != NULL);
		if (!image_name_is_valid(name))
			fprintf(stderr, "stored name `%s` (from `%s`) is not a valid image name\n",
				name, s);
		fuzz_check(image_name_is_valid(name));
		ImageRef again;
		fuzz_check(image_ref_parse_quiet(name, &again) == 0);
		char *twice = image_ref_name(&again);
		fuzz_check(twice && strcmp(name, twice) == 0);
		free(twice);
		image_ref_done(&again);
	} else
		fuzz_check(name == NULL);
	free(name);
	image_ref_done(&r);
	free(s);
	return 0;
}
