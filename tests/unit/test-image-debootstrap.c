/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/image-debootstrap.c, linked from libcli.a, of what
 * runs without debootstrap: the mirror chosen from apt's sources (one-line
 * and deb822, written to a private folder), and the suite and mirror
 * checks that come before anything is made. debootstrap itself is left
 * to tests/system. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "image-test-util.h"
#include "images.h"

static char *apt;

static int each_setup(void **state)
{
	(void)state;
	apt = test_mkdtemp();
	char *d = test_path(apt, "sources.list.d");
	int r = mkdir(d, 0755);
	free(d);
	(void)logged();
	return r;
}

static int each_teardown(void **state)
{
	(void)state;
	(void)rm_rf(apt);
	free(apt);
	return 0;
}

static void put(const char *rel, const char *text)
{
	test_write(apt, rel, text, strlen(text));
}

static void assert_mirror(const char *suite, const char *expect)
{
	char *m = debootstrap_find_mirror(apt, suite);
	assert_non_null(m);
	assert_string_equal(m, expect);
	free(m);
}

static void test_without_sources_debians_own_mirror_is_used(void **state)
{
	(void)state;
	assert_mirror("bookworm", "http://deb.debian.org/debian");
	char *missing = test_path(apt, "missing");
	char *m = debootstrap_find_mirror(missing, "bookworm");
	assert_string_equal(m, "http://deb.debian.org/debian");
	free(m);
	free(missing);
}

static void test_debian_archive_of_the_suite_wins(void **state)
{
	(void)state;
	put("sources.list", "# deb http://commented.example/debian bookworm main\n"
			    "deb-src http://src.example/debian bookworm main\n"
			    "deb http://ppa.example/ubuntu bookworm main\n"
			    "deb http://other.example/debian trixie main\n"
			    "deb http://updates.example/debian bookworm-updates main\n"
			    "  deb [arch=amd64 signed-by=/k.gpg] http://local.example/debian/ "
			    "bookworm main contrib\n"
			    "deb http://later.example/debian bookworm main\n");
	/* The first of the best: a Debian archive that lists the suite
	 * itself (not only bookworm-updates), options skipped. */
	assert_mirror("bookworm", "http://local.example/debian/");
	/* For another suite, the first Debian archive that lists it. */
	assert_mirror("trixie", "http://other.example/debian");
	/* For a suite none lists, any Debian archive. */
	assert_mirror("sid", "http://other.example/debian");
}

static void test_security_third_party_and_non_http_sources_never_qualify(void **state)
{
	(void)state;
	put("sources.list", "deb http://security.debian.org/debian-security bookworm main\n"
			    "deb http://deb.debian.org/debian bookworm contrib non-free\n"
			    "deb file:/srv/debian bookworm main\n"
			    "deb cdrom:[Debian]/ bookworm main\n"
			    "deb [broken http://bad.example/debian bookworm main\n"
			    "deb http://ppa.example/ubuntu jammy main\n");
	assert_mirror("bookworm", "http://deb.debian.org/debian");
	/* Not a Debian archive, but one that lists the suite: the last resort. */
	put("sources.list", "deb https://ppa.example/repo bookworm main\n");
	assert_mirror("bookworm", "https://ppa.example/repo");
}

static void test_a_mirror_with_security_in_its_name_is_a_mirror(void **state)
{
	(void)state;
	put("sources.list",
	    "deb http://security.debian.org/debian-security bookworm-security main\n"
	    "deb http://securitymirror.example/debian bookworm main\n");
	assert_mirror("bookworm", "http://securitymirror.example/debian");
	put("sources.list", "deb https://mirror.example/security/debian/ bookworm main\n");
	assert_mirror("bookworm", "https://mirror.example/security/debian/");
	/* The security archive itself never qualifies, however it is spelt,
	 * even when it lists the suite: the first source that lists it, if
	 * it were one, would win over the later one of the same rank. */
	put("sources.list", "deb http://mirror.example/debian-security/ bookworm main\n"
			    "deb https://user@Security.Debian.Org:443/ bookworm main\n"
			    "deb http://security.debian.org bookworm main\n"
			    "deb https://ppa.example/repo bookworm main\n");
	assert_mirror("bookworm", "https://ppa.example/repo");
}

static void test_deb822_sources_are_read(void **state)
{
	(void)state;
	put("sources.list.d/debian.sources",
	    "# Managed by hand\n"
	    "Types: deb-src\n"
	    "URIs: http://src.example/debian\n"
	    "Suites: bookworm\n"
	    "Components: main\n"
	    "\n"
	    "Types: deb\n"
	    "URIs: http://off.example/debian\n"
	    "Suites: bookworm\n"
	    "Components: main\n"
	    "Enabled: no\n"
	    "\n"
	    "Types: deb deb-src\n"
	    "URIs: http://ppa.example/x http://deb822.example/debian\n"
	    "Suites: bookworm bookworm-updates\n"
	    "Components: main contrib\n");
	assert_mirror("bookworm", "http://deb822.example/debian");
}

static void test_files_of_other_names_in_sources_list_d_are_ignored(void **state)
{
	(void)state;
	put("sources.list.d/old.list.save", "deb http://save.example/debian bookworm main\n");
	put("sources.list.d/x.sources.disabled", "Types: deb\nURIs: http://dis.example/debian\n"
						 "Suites: bookworm\n");
	assert_mirror("bookworm", "http://deb.debian.org/debian");
	put("sources.list.d/mirror.list", "deb http://list.example/debian bookworm main\n");
	assert_mirror("bookworm", "http://list.example/debian");
}

static void assert_codename(const char *os_release, const char *expect)
{
	put("os-release", os_release);
	char *p = test_path(apt, "os-release"), *c = debootstrap_host_codename(p);
	assert_non_null(c);
	assert_string_equal(c, expect);
	free(c);
	free(p);
}

static void test_host_codename_is_read_from_os_release(void **state)
{
	(void)state;
	assert_codename(
		"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_CODENAME=bookworm\n"
		"ID=debian\n",
		"bookworm");
	/* os-release(5) allows the value to be quoted. */
	assert_codename("VERSION_CODENAME=\"trixie\"\n", "trixie");
	assert_codename("VERSION_CODENAME='noble'\n", "noble");
	/* Without one, or with an empty one: stable. */
	assert_codename("ID=debian\n", "stable");
	assert_codename("VERSION_CODENAME=\n", "stable");
	assert_codename("VERSION_CODENAME=\"\"\n", "stable");
	char *missing = test_path(apt, "missing"), *c = debootstrap_host_codename(missing);
	assert_string_equal(c, "stable");
	free(c);
	free(missing);
}

static void test_suite_and_mirror_are_checked_before_anything_is_made(void **state)
{
	(void)state;
	char *root = test_path(apt, "root");
	Cli cli;
	test_cli_init(&cli, root);
	static const char *const bad_suites[] = { "", "Bookworm", "bookworm;reboot", "../x",
						  "--help x" };
	for (size_t i = 0; i < ELEMENTSOF(bad_suites); i++) {
		DebootstrapOptions o = { .suite = bad_suites[i],
					 .mirror = "http://deb.debian.org/debian" };
		assert_int_equal(image_debootstrap(&cli, "deb", &o), -EINVAL);
		char expect[64];
		snprintf(expect, sizeof(expect), "invalid suite `%s`", bad_suites[i]);
		assert_logged(expect);
	}
	static const char *const bad_mirrors[] = { "ftp://ftp.debian.org/debian",
						   "deb.debian.org/debian", "file:relative",
						   "--variant=buildd", "" };
	for (size_t i = 0; i < ELEMENTSOF(bad_mirrors); i++) {
		DebootstrapOptions o = { .suite = "bookworm", .mirror = bad_mirrors[i] };
		assert_int_equal(image_debootstrap(&cli, "deb", &o), -EINVAL);
		char expect[128];
		snprintf(expect, sizeof(expect),
			 "invalid mirror `%s`: expected an http(s):// or file:/// URL",
			 bad_mirrors[i]);
		assert_logged(expect);
	}
	/* Nothing was made: not even the root. */
	assert_false(test_exists(apt, "root"));
	test_cli_done(&cli);
	free(root);
}

static void test_bad_suite_or_mirror_is_shown_on_one_line(void **state)
{
	(void)state;
	char *root = test_path(apt, "root");
	Cli cli;
	test_cli_init(&cli, root);
	/* Control characters would break the line, or fake one. */
	static const struct {
		const char *suite, *mirror, *line;
	} bad[] = {
		{ "stable\n", "http://deb.debian.org/debian",
		  "berth: invalid suite `stable\\x0a`\n" },
		{ "x\nberth: fake line", "http://deb.debian.org/debian",
		  "berth: invalid suite `x\\x0aberth: fake line`\n" },
		{ "\x1b[2J", "http://deb.debian.org/debian", "berth: invalid suite `\\x1b[2J`\n" },
		{ "bookworm", "ftp://x\r\ny",
		  "berth: invalid mirror `ftp://x\\x0d\\x0ay`: expected an http(s):// or file:/// "
		  "URL\n" },
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		DebootstrapOptions o = { .suite = bad[i].suite, .mirror = bad[i].mirror };
		assert_int_equal(image_debootstrap(&cli, "deb", &o), -EINVAL);
		assert_string_equal(logged(), bad[i].line);
	}
	assert_false(test_exists(apt, "root"));
	test_cli_done(&cli);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)
		T(test_without_sources_debians_own_mirror_is_used),
		T(test_debian_archive_of_the_suite_wins),
		T(test_security_third_party_and_non_http_sources_never_qualify),
		T(test_a_mirror_with_security_in_its_name_is_a_mirror),
		T(test_deb822_sources_are_read),
		T(test_files_of_other_names_in_sources_list_d_are_ignored),
		T(test_host_codename_is_read_from_os_release),
		T(test_suite_and_mirror_are_checked_before_anything_is_made),
		T(test_bad_suite_or_mirror_is_shown_on_one_line),
#undef T
	};
	return cmocka_run_group_tests(tests, test_log_setup, test_log_teardown);
}
