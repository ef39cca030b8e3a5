/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Registry references, as Docker and Podman write them:
 *
 *   [DOMAIN/]PATH[:TAG][@sha256:HEX]
 *
 * The first component is a DOMAIN when it has a '.' or a ':' or is
 * "localhost"; without one the reference is a short name, which
 * registries.conf resolves (image_ref_candidates). */

#include <stdbool.h>

typedef struct {
	char *domain; /* NULL for a short name */
	char *path;   /* "library/busybox" on docker.io */
	char *tag;    /* NULL if none was given */
	char *digest; /* "sha256:<hex>" or NULL */
} ImageRef;

void image_ref_done(ImageRef *r);
/* -EINVAL after a one-line message naming what is wrong with s. */
int image_ref_parse(const char *s, ImageRef *ret);
/* The same without the message. */
int image_ref_parse_quiet(const char *s, ImageRef *ret);
/* True when s parses as a reference with a domain. */
bool image_ref_is_qualified(const char *s);
/* The name berth stores a pulled image under: DOMAIN/PATH@DIGEST when the
 * reference has a digest, else DOMAIN/PATH:TAG (TAG "latest" if none).
 * NULL when out of memory or for a short name. */
char *image_ref_name(const ImageRef *r);
/* DOMAIN/PATH@digest: the same repository, one manifest. */
char *image_ref_with_digest(const ImageRef *r, const char *digest);

/* The fully qualified references a short name may mean, in the order to
 * try them: its alias in registries.conf ([aliases]), else the name in each
 * of unqualified-search-registries. Reads $CONTAINERS_REGISTRIES_CONF, or
 * /etc/containers/registries.conf and registries.conf.d/ *.conf, through
 * tomljson. *ret is NULL when registries.conf has neither. */
int image_ref_candidates(const ImageRef *r, char ***ret);
