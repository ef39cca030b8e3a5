/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/image-ref.c: registry references as Docker and Podman
 * write them, the names pulled images are stored under, and short names
 * resolved through a registries.conf (read through tomljson, which the
 * tests of resolution need). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image-ref.h"
#include "image-test-util.h"
#include "util.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void assert_name(const char *in, const char *domain, const char *path, const char *name)
{
	ImageRef r;
	assert_int_equal(image_ref_parse(in, &r), 0);
	if (domain)
		assert_string_equal(r.domain, domain);
	else
		assert_null(r.domain);
	assert_string_equal(r.path, path);
	_cleanup_free_ char *n = image_ref_name(&r);
	if (name)
		assert_string_equal(n, name);
	else
		assert_null(n);
	image_ref_done(&r);
}

static void test_references_are_normalized_as_docker_does(void **state)
{
	(void)state;
	assert_name("docker.io/busybox", "docker.io", "library/busybox",
		    "docker.io/library/busybox:latest");
	assert_name("index.docker.io/library/debian:12", "docker.io", "library/debian",
		    "docker.io/library/debian:12");
	assert_name("docker.io/team/app:1.0", "docker.io", "team/app", "docker.io/team/app:1.0");
	assert_name("127.0.0.1:5000/test/app:v1", "127.0.0.1:5000", "test/app",
		    "127.0.0.1:5000/test/app:v1");
	assert_name("localhost/app", "localhost", "app", "localhost/app:latest");
	assert_name("quay.io/a/b/c@sha256:" HEX, "quay.io", "a/b/c", "quay.io/a/b/c@sha256:" HEX);
	/* A tag and a digest: the digest names what is pulled. */
	assert_name("quay.io/a:1@sha256:" HEX, "quay.io", "a", "quay.io/a@sha256:" HEX);
	/* No domain: a short name, which has no stored name of its own. */
	assert_name("debian:12", NULL, "debian", NULL);
	assert_name("team/app", NULL, "team/app", NULL);
	assert_true(image_ref_is_qualified("registry.example.com/app"));
	assert_false(image_ref_is_qualified("team/app"));
	assert_false(image_ref_is_qualified("app"));
}

static void assert_bad(const char *in, const char *why)
{
	ImageRef r;
	assert_int_equal(image_ref_parse(in, &r), -EINVAL);
	assert_logged(why);
	assert_int_equal(image_ref_parse_quiet(in, &r), -EINVAL);
}

static void test_bad_references_are_refused_with_the_reason(void **state)
{
	(void)state;
	assert_bad("", "empty image reference");
	assert_bad("Docker.io/x/App", "not a valid repository name component");
	assert_bad("quay.io/a@sha256:1234", "64 lowercase hex digits");
	assert_bad("quay.io/a@md5:" HEX, "64 lowercase hex digits");
	assert_bad("quay.io/a:-bad", "invalid tag");
	assert_bad("quay.io:99999999/a", "is not a registry host[:port]");
	assert_bad("quay.io/a..b", "not a valid repository name component");
	assert_bad("quay.io//a", "not a valid repository name component");
	assert_bad("../etc/passwd", "is not a registry host");
	assert_bad("..", "not a valid repository name component");
}

static char conf[] = "/tmp/berth-unit-conf.XXXXXX";

static void write_conf(const char *text)
{
	FILE *f = fopen(conf, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	setenv("CONTAINERS_REGISTRIES_CONF", conf, 1);
}

static void test_short_names_resolve_through_registries_conf(void **state)
{
	(void)state;
	if (system("command -v tomljson >/dev/null") != 0)
		skip();
	int fd = mkstemp(conf);
	assert_true(fd >= 0);
	close(fd);
	write_conf("unqualified-search-registries = [\"registry.example.com\", \"docker.io\"]\n"
		   "[aliases]\n\"myapp\" = \"quay.io/team/myapp\"\n");
	ImageRef r;
	char **c = NULL;
	assert_int_equal(image_ref_parse("debian:12", &r), 0);
	assert_int_equal(image_ref_candidates(&r, &c), 0);
	assert_int_equal(strv_length(c), 2);
	assert_string_equal(c[0], "registry.example.com/debian:12");
	assert_string_equal(c[1], "docker.io/library/debian:12");
	strv_free(c);
	image_ref_done(&r);
	/* An alias wins, and takes the tag given. */
	assert_int_equal(image_ref_parse("myapp:2", &r), 0);
	assert_int_equal(image_ref_candidates(&r, &c), 0);
	assert_int_equal(strv_length(c), 1);
	assert_string_equal(c[0], "quay.io/team/myapp:2");
	strv_free(c);
	image_ref_done(&r);
	/* Neither: no candidates, and no error (the caller says what). */
	write_conf("[aliases]\n");
	assert_int_equal(image_ref_parse("debian", &r), 0);
	c = NULL;
	assert_int_equal(image_ref_candidates(&r, &c), 0);
	assert_null(c);
	/* Not TOML: an error naming the file. */
	write_conf("unqualified-search-registries = [\n");
	assert_int_equal(image_ref_candidates(&r, &c), -EBADMSG);
	assert_logged("not valid TOML");
	image_ref_done(&r);
	unlink(conf);
	unsetenv("CONTAINERS_REGISTRIES_CONF");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, test_log_setup, test_log_teardown)
	const struct CMUnitTest tests[] = {
		T(test_references_are_normalized_as_docker_does),
		T(test_bad_references_are_refused_with_the_reason),
		T(test_short_names_resolve_through_registries_conf),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
