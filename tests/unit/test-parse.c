/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the string parsers and validators (common/parse.c), mount
 * option splitting (common/mount-options.c) and the helpers of
 * common/util.c that need no privileges, and the user-space twin of
 * openat2(RESOLVE_IN_ROOT) (common/resolve.c), the dlopen() loader
 * (common/dl.c) and the paths relative to the root (common/paths.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dl.h"
#include "mount-options.h"
#include "network.h"
#include "parse.h"
#include "paths.h"
#include "resolve.h"
#include "util.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define TiB (UINT64_C(1) << 40)
#define PiB (UINT64_C(1) << 50)

/* ---- parse_size ---- */

static void assert_size(const char *s, uint64_t expected)
{
	uint64_t v = 0;
	int r = parse_size(s, &v);
	if (r != 0)
		fail_msg("parse_size(\"%s\") = %d, expected success", s, r);
	if (v != expected)
		fail_msg("parse_size(\"%s\") = %llu, expected %llu", s, (unsigned long long)v,
			 (unsigned long long)expected);
}

static void assert_size_fails(const char *s, int expected)
{
	uint64_t v = 0xdeadbeef;
	int r = parse_size(s, &v);
	if (r != expected)
		fail_msg("parse_size(\"%s\") = %d, expected %d", s, r, expected);
	/* ret is written only on success. */
	assert_int_equal(v, 0xdeadbeef);
}

static void test_parse_size_reads_binary_units(void **state)
{
	assert_size("512", 512);
	assert_size("0", 0);
	assert_size("50M", 50 * MiB);
	assert_size("50m", 50 * MiB);
	assert_size("10mb", 10 * MiB);
	assert_size("1G", GiB);
	assert_size("1.5g", GiB + GiB / 2);
	assert_size("64KiB", 64 * KiB);
	assert_size("64k", 64 * KiB);
	assert_size("64KB", 64 * KiB);
	assert_size("2T", 2 * TiB);
	assert_size("1P", PiB);
	assert_size("100b", 100);
	assert_size("100B", 100);
	assert_size("0.5K", 512);
	assert_size(".5K", 512);
	assert_size("1.25M", MiB + MiB / 4);
}

static void test_parse_size_accepts_the_largest_values(void **state)
{
	assert_size("18446744073709551615", UINT64_MAX);
	/* 2^24 - 1 TiB is the largest whole number of TiB that fits. */
	assert_size("16777215T", (UINT64_C(16777215)) << 40);
}

static void test_parse_size_rejects_junk(void **state)
{
	assert_size_fails("", -EINVAL);
	assert_size_fails("-5M", -EINVAL);
	assert_size_fails("1Q", -EINVAL);
	assert_size_fails("M", -EINVAL);
	assert_size_fails(".", -EINVAL);
	assert_size_fails(" 5M", -EINVAL);
	assert_size_fails("5M ", -EINVAL);
	assert_size_fails("5 M", -EINVAL);
	assert_size_fails("5MM", -EINVAL);
	assert_size_fails("5bb", -EINVAL);
	assert_size_fails("5ib", -EINVAL);
	assert_size_fails("1.5.5", -EINVAL);
	assert_size_fails("+5", -EINVAL);
	assert_size_fails("0x10", -EINVAL);
	uint64_t v;
	assert_int_equal(parse_size(NULL, &v), -EINVAL);
}

static void test_parse_size_rejects_overflow(void **state)
{
	assert_size_fails("99999999999999999999", -ERANGE);
	assert_size_fails("18446744073709551616", -ERANGE);
	assert_size_fails("16777216T", -ERANGE);
	assert_size_fails("16384P", -ERANGE);
	assert_size_fails("18446744073709551616b", -ERANGE);
}

/* ---- parse_uint64 / parse_uint32 / parse_int_range ---- */

static void test_parse_uint64_reads_the_full_range(void **state)
{
	uint64_t v;
	assert_int_equal(parse_uint64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_uint64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_uint64("007", &v), 0);
	assert_int_equal(v, 7);
}

static void test_parse_uint64_rejects_overflow_and_junk(void **state)
{
	uint64_t v = 42;
	assert_int_equal(parse_uint64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(parse_uint64("99999999999999999999", &v), -ERANGE);
	assert_int_equal(parse_uint64("", &v), -EINVAL);
	assert_int_equal(parse_uint64(NULL, &v), -EINVAL);
	assert_int_equal(parse_uint64("-1", &v), -EINVAL);
	assert_int_equal(parse_uint64("+1", &v), -EINVAL);
	assert_int_equal(parse_uint64(" 1", &v), -EINVAL);
	assert_int_equal(parse_uint64("1 ", &v), -EINVAL);
	assert_int_equal(parse_uint64("1k", &v), -EINVAL);
	assert_int_equal(v, 42);
}

static void test_parse_ugid_rejects_the_id_that_means_unchanged(void **state)
{
	uint32_t v = 42;
	assert_int_equal(parse_ugid("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_ugid("4294967294", &v), 0);
	assert_true(v == 4294967294u);
	v = 42;
	assert_int_equal(parse_ugid("4294967295", &v), -ERANGE);
	assert_int_equal(parse_ugid("4294967296", &v), -ERANGE);
	assert_int_equal(parse_ugid("-1", &v), -EINVAL);
	assert_int_equal(parse_ugid("", &v), -EINVAL);
	assert_int_equal(v, 42);
	assert_false(ugid_is_valid(UGID_INVALID));
	assert_true(ugid_is_valid(0));
}

static void test_parse_uint32_rejects_values_above_32_bits(void **state)
{
	uint32_t v = 42;
	assert_int_equal(parse_uint32("4294967295", &v), 0);
	assert_true(v == UINT32_MAX);
	v = 42;
	assert_int_equal(parse_uint32("4294967296", &v), -ERANGE);
	assert_int_equal(parse_uint32("99999999999999999999", &v), -ERANGE);
	assert_int_equal(parse_uint32("x", &v), -EINVAL);
	assert_int_equal(v, 42);
}

static void test_parse_int_range_enforces_bounds(void **state)
{
	long v = 42;
	assert_int_equal(parse_int_range("-5", -10, 10, &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(parse_int_range("10", -10, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_int_range("-10", -10, 10, &v), 0);
	assert_int_equal(v, -10);
	v = 42;
	assert_int_equal(parse_int_range("11", -10, 10, &v), -ERANGE);
	assert_int_equal(parse_int_range("-11", -10, 10, &v), -ERANGE);
	assert_int_equal(parse_int_range("65536", 0, 65535, &v), -ERANGE);
	assert_int_equal(parse_int_range("9223372036854775808", LONG_MIN, LONG_MAX, &v), -ERANGE);
	assert_int_equal(parse_int_range("-9223372036854775809", LONG_MIN, LONG_MAX, &v), -ERANGE);
	assert_int_equal(v, 42);
}

static void test_parse_int_range_accepts_the_limits_of_long(void **state)
{
	long v = 42;
	assert_int_equal(parse_int_range("9223372036854775807", LONG_MIN, LONG_MAX, &v), 0);
	assert_true(v == LONG_MAX);
	assert_int_equal(parse_int_range("-9223372036854775808", LONG_MIN, LONG_MAX, &v), 0);
	assert_true(v == LONG_MIN);
}

static void test_parse_int_range_rejects_junk(void **state)
{
	long v = 42;
	assert_int_equal(parse_int_range("", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_int_range(NULL, 0, 10, &v), -EINVAL);
	assert_int_equal(parse_int_range("-", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_int_range("--5", -10, 10, &v), -EINVAL);
	assert_int_equal(parse_int_range("+5", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_int_range("5x", 0, 10, &v), -EINVAL);
	assert_int_equal(v, 42);
}

/* ---- signals ---- */

static void test_parse_signal_reads_names_and_numbers(void **state)
{
	static const char *const terms[] = {
		"SIGTERM", "TERM", "term", "sigterm", "SigTerm", "15"
	};
	for (size_t i = 0; i < ELEMENTSOF(terms); i++) {
		int sig = 0;
		if (parse_signal(terms[i], &sig) != 0 || sig != SIGTERM)
			fail_msg("parse_signal(\"%s\") did not give SIGTERM", terms[i]);
	}
	int sig;
	assert_int_equal(parse_signal("KILL", &sig), 0);
	assert_int_equal(sig, SIGKILL);
	assert_int_equal(parse_signal("SIGHUP", &sig), 0);
	assert_int_equal(sig, SIGHUP);
	assert_int_equal(parse_signal("usr1", &sig), 0);
	assert_int_equal(sig, SIGUSR1);
	assert_int_equal(parse_signal("1", &sig), 0);
	assert_int_equal(sig, 1);
	char max[16];
	snprintf(max, sizeof(max), "%d", SIGRTMAX);
	assert_int_equal(parse_signal(max, &sig), 0);
	assert_int_equal(sig, SIGRTMAX);
}

static void test_parse_signal_rejects_unknown_signals(void **state)
{
	char over[16];
	snprintf(over, sizeof(over), "%d", SIGRTMAX + 1);
	const char *const bad[] = { "",      "SIG",   "SIGFOO", "FOO", "0",
				    "-15",   "15x",   "1 5",    over,  "999999999999999999999",
				    "SIG15", " TERM", "TERM " };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		int sig = -1;
		int r = parse_signal(bad[i], &sig);
		if (r != -EINVAL)
			fail_msg("parse_signal(\"%s\") = %d, expected -EINVAL", bad[i], r);
		assert_int_equal(sig, -1);
	}
	int sig;
	assert_int_equal(parse_signal(NULL, &sig), -EINVAL);
}

static void test_signal_name_round_trips_with_parse_signal(void **state)
{
	assert_string_equal(signal_name(SIGTERM), "TERM");
	assert_string_equal(signal_name(SIGKILL), "KILL");
	assert_null(signal_name(0));
	assert_null(signal_name(SIGRTMIN + 1));
	for (int s = 1; s < 32; s++) {
		const char *n = signal_name(s);
		if (!n)
			continue;
		int back;
		assert_int_equal(parse_signal(n, &back), 0);
		assert_int_equal(back, s);
	}
}

/* ---- names ---- */

static void test_name_is_valid_accepts_ordinary_names(void **state)
{
	assert_true(name_is_valid("web"));
	assert_true(name_is_valid("a"));
	assert_true(name_is_valid("0"));
	assert_true(name_is_valid("my_app.v2-test"));
	assert_true(name_is_valid("x.."));
	assert_true(name_is_valid("Web1"));
}

static void test_name_is_valid_refuses_path_like_names(void **state)
{
	assert_false(name_is_valid(NULL));
	assert_false(name_is_valid(""));
	assert_false(name_is_valid("."));
	assert_false(name_is_valid(".."));
	assert_false(name_is_valid(".x"));
	assert_false(name_is_valid("a/b"));
	assert_false(name_is_valid("/a"));
	assert_false(name_is_valid("-x"));
	assert_false(name_is_valid("_x"));
	assert_false(name_is_valid("a b"));
	assert_false(name_is_valid("a:b"));
	assert_false(name_is_valid("a\nb"));
	assert_false(name_is_valid("caf\xc3\xa9"));
}

static void test_name_is_valid_allows_128_characters_not_129(void **state)
{
	char s[NAME_MAX_LEN + 2];
	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = 0;
	assert_int_equal(strlen(s), 129);
	assert_false(name_is_valid(s));
	s[128] = 0;
	assert_true(name_is_valid(s));
}

static void test_id_prefix_is_valid_wants_lowercase_hex(void **state)
{
	assert_true(id_prefix_is_valid("a"));
	assert_true(id_prefix_is_valid("0123456789abcdef"));
	char id[CONTAINER_ID_LEN + 2];
	memset(id, 'f', sizeof(id) - 1);
	id[sizeof(id) - 1] = 0;
	assert_false(id_prefix_is_valid(id)); /* 65 */
	id[CONTAINER_ID_LEN] = 0;
	assert_true(id_prefix_is_valid(id)); /* 64 */

	assert_false(id_prefix_is_valid(NULL));
	assert_false(id_prefix_is_valid(""));
	assert_false(id_prefix_is_valid("ABC"));
	assert_false(id_prefix_is_valid("abg"));
	assert_false(id_prefix_is_valid("web"));
	assert_false(id_prefix_is_valid("ab-c"));
}

static void test_id_is_valid_wants_all_64_digits(void **state)
{
	char id[CONTAINER_ID_LEN + 2];
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = 0;
	assert_false(id_is_valid(id)); /* 65 */
	id[CONTAINER_ID_LEN] = 0;
	assert_true(id_is_valid(id));
	id[CONTAINER_ID_LEN - 1] = 'G';
	assert_false(id_is_valid(id));
	id[CONTAINER_ID_LEN - 1] = 0;
	assert_false(id_is_valid(id)); /* 63 */
	assert_false(id_is_valid(NULL));
	assert_false(id_is_valid(""));
}

static void test_env_assignment_is_valid_needs_a_key_and_equals(void **state)
{
	assert_true(env_assignment_is_valid("A=b"));
	assert_true(env_assignment_is_valid("A="));
	assert_true(env_assignment_is_valid("A=b=c"));
	assert_true(env_assignment_is_valid("lower_case=1"));
	assert_false(env_assignment_is_valid(NULL));
	assert_false(env_assignment_is_valid(""));
	assert_false(env_assignment_is_valid("A"));
	assert_false(env_assignment_is_valid("=b"));
	assert_false(env_assignment_is_valid("="));
}

static void test_image_name_is_valid_accepts_references(void **state)
{
	assert_true(image_name_is_valid("alpine"));
	assert_true(image_name_is_valid("alpine:3.19"));
	assert_true(image_name_is_valid("library/busybox"));
	assert_true(image_name_is_valid("registry.example.com/team/app:v1.2-rc"));
}

static void test_image_name_is_valid_refuses_traversal_and_empty_parts(void **state)
{
	assert_false(image_name_is_valid(NULL));
	assert_false(image_name_is_valid(""));
	assert_false(image_name_is_valid("a/../b"));
	assert_false(image_name_is_valid(".."));
	assert_false(image_name_is_valid("../a"));
	assert_false(image_name_is_valid("a/.."));
	assert_false(image_name_is_valid("a/./b"));
	assert_false(image_name_is_valid("/abs"));
	assert_false(image_name_is_valid("./rel"));
	assert_false(image_name_is_valid("a//b"));
	assert_false(image_name_is_valid("a/"));
	assert_false(image_name_is_valid("a:"));
	assert_false(image_name_is_valid(":a"));
	assert_false(image_name_is_valid("a b"));

	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	/* Components of 128 are fine, 256 characters in all are not. */
	for (size_t i = 100; i < sizeof(longname) - 1; i += 101)
		longname[i] = '/';
	assert_false(image_name_is_valid(longname));
	longname[255] = 0;
	assert_true(image_name_is_valid(longname));
}

static void test_hostname_is_valid_follows_rfc1123(void **state)
{
	assert_true(hostname_is_valid("web"));
	assert_true(hostname_is_valid("web-1.example.com"));
	assert_true(hostname_is_valid("1a"));
	assert_true(hostname_is_valid("A"));
	assert_false(hostname_is_valid(NULL));
	assert_false(hostname_is_valid(""));
	assert_false(hostname_is_valid("-web"));
	assert_false(hostname_is_valid("web-"));
	assert_false(hostname_is_valid("a-.b"));
	assert_false(hostname_is_valid("a.-b"));
	assert_false(hostname_is_valid(".a"));
	assert_false(hostname_is_valid("a."));
	assert_false(hostname_is_valid("a..b"));
	assert_false(hostname_is_valid("a_b"));
	assert_false(hostname_is_valid("a b"));

	char label[70];
	memset(label, 'a', sizeof(label));
	label[63] = 0;
	assert_true(hostname_is_valid(label));
	label[63] = 'a';
	label[64] = 0;
	assert_false(hostname_is_valid(label));

	/* 4 labels of 63 and dots: 255 characters; 253 is the limit. */
	char total[300];
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		if (i > 0)
			total[n++] = '.';
		memset(total + n, 'b', 63);
		n += 63;
	}
	total[n] = 0;
	assert_int_equal(n, 255);
	assert_false(hostname_is_valid(total));
	total[253] = 0; /* ends in "bb", still valid labels */
	assert_true(hostname_is_valid(total));
}

static void test_generate_name_produces_valid_names(void **state)
{
	for (int i = 0; i < 100; i++) {
		char name[NAME_MAX_LEN + 1];
		assert_int_equal(generate_name(name, sizeof(name)), 0);
		if (!name_is_valid(name) || !strchr(name, '_'))
			fail_msg("generate_name() made \"%s\"", name);
		/* A generated name must not be mistaken for an id prefix. */
		assert_false(id_prefix_is_valid(name));
	}
	char tiny[4];
	assert_int_equal(generate_name(tiny, sizeof(tiny)), -ENOBUFS);
}

/* ---- mount options ---- */

static void test_mount_options_sets_flags(void **state)
{
	char *opts[] = { "nosuid", "nodev", "noexec", "ro", "noatime", NULL };
	MountOptions o;
	assert_int_equal(mount_options_parse(opts, &o), 0);
	assert_true(o.flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY | MS_NOATIME));
	assert_true(o.clear == 0);
	assert_true(o.propagation == 0);
	assert_false(o.bind);
	assert_null(o.data);
	mount_options_done(&o);
}

static void test_mount_options_later_option_wins(void **state)
{
	char *ro_rw[] = { "ro", "rw", NULL };
	MountOptions o;
	assert_int_equal(mount_options_parse(ro_rw, &o), 0);
	assert_false(o.flags & MS_RDONLY);
	assert_true(o.clear & MS_RDONLY);
	mount_options_done(&o);

	char *rw_ro[] = { "rw", "ro", NULL };
	assert_int_equal(mount_options_parse(rw_ro, &o), 0);
	assert_true(o.flags & MS_RDONLY);
	assert_false(o.clear & MS_RDONLY);
	mount_options_done(&o);

	char *suid[] = { "nosuid", "suid", "exec", "dev", NULL };
	assert_int_equal(mount_options_parse(suid, &o), 0);
	assert_true(o.flags == 0);
	assert_true(o.clear == (MS_NOSUID | MS_NOEXEC | MS_NODEV));
	mount_options_done(&o);
}

static void test_mount_options_reads_propagation(void **state)
{
	static const struct {
		const char *opt;
		unsigned long expected;
	} cases[] = {
		{ "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
		{ "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
		{ "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
		{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char *opts[] = { (char *)cases[i].opt, NULL };
		MountOptions o;
		assert_int_equal(mount_options_parse(opts, &o), 0);
		assert_true(o.propagation == cases[i].expected);
		/* Propagation is a separate mount(2) call: not mixed into flags. */
		assert_true(o.flags == 0);
		mount_options_done(&o);
	}
	char *last_wins[] = { "rshared", "private", NULL };
	MountOptions o;
	assert_int_equal(mount_options_parse(last_wins, &o), 0);
	assert_true(o.propagation == MS_PRIVATE);
	mount_options_done(&o);
}

static void test_mount_options_bind_and_rbind(void **state)
{
	char *bind[] = { "bind", "ro", NULL };
	MountOptions o;
	assert_int_equal(mount_options_parse(bind, &o), 0);
	assert_true(o.bind);
	assert_true(o.flags == (MS_BIND | MS_RDONLY));
	mount_options_done(&o);

	char *rbind[] = { "rbind", NULL };
	assert_int_equal(mount_options_parse(rbind, &o), 0);
	assert_true(o.bind);
	assert_true(o.flags == (MS_BIND | MS_REC));
	mount_options_done(&o);
}

static void test_mount_options_joins_filesystem_data(void **state)
{
	char *opts[] = { "nosuid", "mode=755", "noexec", "size=65536k", "uid=0", NULL };
	MountOptions o;
	assert_int_equal(mount_options_parse(opts, &o), 0);
	assert_string_equal(o.data, "mode=755,size=65536k,uid=0");
	assert_true(o.flags == (MS_NOSUID | MS_NOEXEC));
	mount_options_done(&o);
	assert_null(o.data);

	MountOptions empty;
	assert_int_equal(mount_options_parse(NULL, &empty), 0);
	assert_true(empty.flags == 0);
	assert_null(empty.data);
	mount_options_done(&empty);
}

static void test_mount_options_rejects_commas_and_empty_options(void **state)
{
	char *comma[] = { "mode=755", "size=1k,uid=0", NULL };
	MountOptions o = { .data = (char *)"untouched" };
	assert_int_equal(mount_options_parse(comma, &o), -EINVAL);
	assert_string_equal(o.data, "untouched");

	char *empty[] = { "nosuid", "", NULL };
	assert_int_equal(mount_options_parse(empty, &o), -EINVAL);
	char *smuggled[] = { "ro,exec", NULL };
	assert_int_equal(mount_options_parse(smuggled, &o), -EINVAL);
}

/* ---- util: string vectors ---- */

static void test_strv_push_copy_join_contains(void **state)
{
	_cleanup_strv_free_ char **l = NULL;
	assert_int_equal(strv_length(l), 0);
	assert_false(strv_contains(l, "a"));

	_cleanup_free_ char *empty = strv_join(l, ",");
	assert_string_equal(empty, "");

	assert_int_equal(strv_push(&l, "a"), 0);
	assert_int_equal(strv_push(&l, "bb"), 0);
	assert_int_equal(strv_consume(&l, strdup("ccc")), 0);
	assert_int_equal(strv_length(l), 3);
	assert_null(l[3]);
	assert_true(strv_contains(l, "bb"));
	assert_false(strv_contains(l, "b"));

	_cleanup_free_ char *joined = strv_join(l, ", ");
	assert_string_equal(joined, "a, bb, ccc");

	_cleanup_strv_free_ char **c = strv_copy(l);
	assert_non_null(c);
	assert_int_equal(strv_length(c), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(c[i], l[i]);
		assert_ptr_not_equal(c[i], l[i]);
	}

	_cleanup_strv_free_ char **c0 = strv_copy(NULL);
	assert_non_null(c0);
	assert_null(c0[0]);

	/* strv_consume(NULL) reports the failed allocation of its argument. */
	assert_int_equal(strv_consume(&l, NULL), -ENOMEM);
	assert_int_equal(strv_length(l), 3);
	assert_null(strv_free(NULL));
}

/* ---- util: time ---- */

static void test_iso8601_round_trips_with_milliseconds(void **state)
{
	static const uint64_t times[] = {
		0,
		UINT64_C(1700000000123000),
		UINT64_C(1795969467123000), /* 2026-11-29T16:24:27.123Z */
		UINT64_C(951782400999000),  /* 2000-02-29T00:00:00.999Z */
		UINT64_C(4102444799001000), /* 2099-12-31T23:59:59.001Z */
	};
	for (size_t i = 0; i < ELEMENTSOF(times); i++) {
		char buf[32];
		format_iso8601(times[i], buf);
		uint64_t back = 1;
		assert_int_equal(parse_iso8601(buf, &back), 0);
		if (back != times[i])
			fail_msg("%s parsed back as %llu, not %llu", buf, (unsigned long long)back,
				 (unsigned long long)times[i]);
	}

	static const struct {
		uint64_t usec;
		const char *text;
	} known[] = {
		{ UINT64_C(951782400999000), "2000-02-29T00:00:00.999Z" },
		{ UINT64_C(1000000), "1970-01-01T00:00:01.000Z" },
		{ UINT64_C(4102444799001000), "2099-12-31T23:59:59.001Z" },
		{ UINT64_C(1795969467123000), "2026-11-29T16:24:27.123Z" },
		{ UINT64_C(1709251199000000), "2024-02-29T23:59:59.000Z" },
		{ UINT64_C(1709251200000000), "2024-03-01T00:00:00.000Z" },
		{ UINT64_C(4107542400000000), "2100-03-01T00:00:00.000Z" },
	};
	char buf[32];
	for (size_t i = 0; i < ELEMENTSOF(known); i++) {
		format_iso8601(known[i].usec, buf);
		assert_string_equal(buf, known[i].text);
	}
	/* Every day for 400 years, against the C library. */
	for (uint64_t day = 0; day < 146097; day += 1) {
		uint64_t us = day * 86400 * 1000000 + UINT64_C(45296789000);
		time_t tt = (time_t)(us / 1000000);
		struct tm tm;
		char want[32], got[32];
		gmtime_r(&tt, &tm);
		size_t n = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + n, sizeof(want) - n, ".789Z");
		format_iso8601(us, got);
		if (strcmp(want, got) != 0)
			fail_msg("day %llu: %s, not %s", (unsigned long long)day, got, want);
	}

	/* Microseconds are dropped, not rounded. */
	uint64_t t;
	format_iso8601(UINT64_C(1700000000123999), buf);
	assert_int_equal(parse_iso8601(buf, &t), 0);
	assert_true(t == UINT64_C(1700000000123000));

	/* Now survives a round trip to the millisecond. */
	uint64_t now = now_usec();
	format_iso8601(now, buf);
	assert_int_equal(parse_iso8601(buf, &t), 0);
	assert_true(t == now / 1000 * 1000);
}

static void test_parse_iso8601_reads_other_precisions(void **state)
{
	uint64_t t;
	assert_int_equal(parse_iso8601("2023-11-14T22:13:20Z", &t), 0);
	assert_true(t == UINT64_C(1700000000000000));
	assert_int_equal(parse_iso8601("2023-11-14T22:13:20.5Z", &t), 0);
	assert_true(t == UINT64_C(1700000000500000));
	assert_int_equal(parse_iso8601("2023-11-14T22:13:20.123456789Z", &t), 0);
	assert_true(t == UINT64_C(1700000000123000));
	/* A fraction too long for any integer type is cut, not overflowed. */
	assert_int_equal(parse_iso8601("2023-11-14T22:13:20.987654321098765432109876Z", &t), 0);
	assert_true(t == UINT64_C(1700000000987000));
}

static void test_parse_iso8601_rejects_malformed_times(void **state)
{
	static const char *const bad[] = {
		"",
		"yesterday",
		"2023-11-14",
		"2023-11-14T22:13:20",
		"2023-11-14T22:13:20.123",
		"2023-11-14T22:13:20.123+01:00",
		"2023-11-14T22:13:20.123Zjunk",
		"2023-11-14T22:13:20.Z",
		"2023-11-14T22:13:20.-5Z",
		"2023-11-14T22:13:20.+5Z",
		"2023-11-14T22:13:20. 5Z",
		"2023-13-14T22:13:20Z",
		"1969-12-31T23:59:59Z",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		uint64_t t = 42;
		int r = parse_iso8601(bad[i], &t);
		if (r != -EINVAL)
			fail_msg("parse_iso8601(\"%s\") = %d (t=%llu), expected -EINVAL", bad[i], r,
				 (unsigned long long)t);
		assert_true(t == 42);
	}
}

/* Found by fuzz-iso8601: a leap second on the last day of 9999 normalises
 * to 10000-01-01, which format_iso8601() prints with a five-digit year that
 * parse_iso8601() (strptime's %Y takes four) cannot read back. */
static void test_parse_iso8601_refuses_times_past_the_year_9999(void **state)
{
	uint64_t t = 42;
	assert_int_equal(parse_iso8601("9999-12-31T23:59:60Z", &t), -EINVAL);
	assert_int_equal(parse_iso8601("9999-12-31T23:59:61.5Z", &t), -EINVAL);
	assert_true(t == 42);

	/* The last second of 9999 is fine, and round-trips. */
	char buf[32];
	assert_int_equal(parse_iso8601("9999-12-31T23:59:59.999Z", &t), 0);
	format_iso8601(t, buf);
	assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
	/* A leap second anywhere else normalises to the next minute. */
	assert_int_equal(parse_iso8601("2016-12-31T23:59:60Z", &t), 0);
	format_iso8601(t, buf);
	assert_string_equal(buf, "2017-01-01T00:00:00.000Z");
}

static void test_format_ago_picks_the_largest_unit(void **state)
{
	static const struct {
		uint64_t secs;
		const char *expected;
	} cases[] = {
		{ 0, "just now" },
		{ 1, "1 second ago" },
		{ 59, "59 seconds ago" },
		{ 60, "1 minute ago" },
		{ 119, "1 minute ago" },
		{ 3600 * 2, "2 hours ago" },
		{ 86400, "1 day ago" },
		{ 86400 * 13, "1 week ago" },
		{ 86400 * 14, "2 weeks ago" },
		{ 86400 * 365 * 3, "3 years ago" },
	};
	const uint64_t now = UINT64_C(1700000000000000);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char buf[64];
		format_ago(now - cases[i].secs * 1000000, now, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].expected);
	}
	char buf[64];
	/* Less than a second, and a time in the future (clock skew). */
	format_ago(now - 999999, now, buf, sizeof(buf));
	assert_string_equal(buf, "just now");
	format_ago(now + 5000000, now, buf, sizeof(buf));
	assert_string_equal(buf, "just now");
	/* A short buffer truncates, never overflows. */
	char tiny[5];
	format_ago(now - 60 * 1000000, now, tiny, sizeof(tiny));
	assert_string_equal(tiny, "1 mi");
}

/* ---- util: files ---- */

/* File tests get a fresh temporary folder in *state, removed afterwards
 * even when the test fails. */
static int setup_tmpdir(void **state)
{
	const char *base = getenv("TMPDIR");
	char *dir;
	if (asprintf(&dir, "%s/berth-test-parse.XXXXXX", base && *base ? base : "/tmp") < 0)
		return -1;
	if (!mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int teardown_tmpdir(void **state)
{
	char *dir = *state;
	int r = rm_rf(dir);
	free(dir);
	return r < 0 ? -1 : 0;
}

static void write_text(const char *path, const char *s)
{
	assert_int_equal(write_file(path, s, strlen(s), O_CREAT | O_TRUNC, 0644), 0);
}

static char *path_join(const char *a, const char *b)
{
	char *p;
	assert_true(asprintf(&p, "%s/%s", a, b) >= 0);
	return p;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_rm_rf_removes_a_tree_without_following_symlinks(void **state)
{
	const char *top = *state;
	_cleanup_free_ char *outside_dir = path_join(top, "outside");
	_cleanup_free_ char *outside_file = path_join(top, "outside/precious");
	_cleanup_free_ char *tree = path_join(top, "tree");
	_cleanup_free_ char *deep = path_join(top, "tree/a/b/c");
	_cleanup_free_ char *f1 = path_join(top, "tree/file");
	_cleanup_free_ char *f2 = path_join(top, "tree/a/b/c/deep-file");
	_cleanup_free_ char *link_file = path_join(top, "tree/a/link-to-file");
	_cleanup_free_ char *link_dir = path_join(top, "tree/a/b/link-to-dir");
	_cleanup_free_ char *dangling = path_join(top, "tree/dangling");
	_cleanup_free_ char *empty_dir = path_join(top, "tree/empty");

	assert_int_equal(mkdir_p(outside_dir, 0755), 0);
	write_text(outside_file, "keep me");
	assert_int_equal(mkdir_p(deep, 0755), 0);
	assert_int_equal(mkdir_p(empty_dir, 0755), 0);
	write_text(f1, "x");
	write_text(f2, "y");
	assert_int_equal(symlink(outside_file, link_file), 0);
	assert_int_equal(symlink(outside_dir, link_dir), 0);
	assert_int_equal(symlink("/nonexistent/berth", dangling), 0);
	/* A directory we cannot write or list does not stop the removal. */
	_cleanup_free_ char *locked = path_join(top, "tree/a/locked");
	assert_int_equal(mkdir(locked, 0), 0);

	assert_int_equal(rm_rf(tree), 0);

	struct stat st;
	assert_int_equal(lstat(tree, &st), -1);
	assert_int_equal(errno, ENOENT);
	_cleanup_free_ char *content = NULL;
	assert_int_equal(read_full_file(outside_file, &content, NULL), 0);
	assert_string_equal(content, "keep me");
	assert_true(is_dir(outside_dir));

	/* Missing paths are fine, a symlink to a directory is removed as a link. */
	assert_int_equal(rm_rf(tree), 0);
	_cleanup_free_ char *top_link = path_join(top, "link");
	assert_int_equal(symlink(outside_dir, top_link), 0);
	assert_int_equal(rm_rf(top_link), 0);
	assert_int_equal(lstat(top_link, &st), -1);
	assert_true(is_dir(outside_dir));
	assert_int_equal(stat(outside_file, &st), 0);

	/* A plain file is removed too. */
	assert_int_equal(rm_rf(outside_file), 0);
	assert_int_equal(lstat(outside_file, &st), -1);
}

static void test_mkdir_p_creates_parents_and_tolerates_existing(void **state)
{
	const char *top = *state;
	_cleanup_free_ char *deep = path_join(top, "a/b/c/d");
	_cleanup_free_ char *slash = path_join(top, "x/y/");
	_cleanup_free_ char *file = path_join(top, "file");
	_cleanup_free_ char *under_file = path_join(top, "file/sub");

	mode_t old = umask(022);
	assert_int_equal(mkdir_p(deep, 0750), 0);
	umask(old);
	assert_true(is_dir(deep));
	struct stat st;
	assert_int_equal(stat(deep, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(mkdir_p(deep, 0750), 0);
	assert_int_equal(mkdir_p(slash, 0755), 0);
	assert_true(is_dir(slash));

	write_text(file, "");
	assert_int_equal(mkdir_p(file, 0755), -ENOTDIR);
	assert_int_equal(mkdir_p(under_file, 0755), -ENOTDIR);
	assert_false(is_dir(file));
}

static void test_write_file_atomic_replaces_content_and_leaves_no_temp(void **state)
{
	const char *top = *state;
	_cleanup_free_ char *path = path_join(top, "config.json");

	mode_t old = umask(022);
	assert_int_equal(write_file_atomic(path, "first", 5, 0600), 0);
	_cleanup_free_ char *a = NULL;
	size_t n;
	assert_int_equal(read_full_file(path, &a, &n), 0);
	assert_string_equal(a, "first");
	assert_int_equal(n, 5);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* Binary data with NUL bytes and a shorter replacement. */
	assert_int_equal(write_file_atomic(path, "a\0b", 3, 0640), 0);
	umask(old);
	_cleanup_free_ char *b = NULL;
	assert_int_equal(read_full_file(path, &b, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(b, "a\0b", 3);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	/* The temporary file is gone. */
	_cleanup_free_ char *tmp = NULL;
	assert_true(asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) >= 0);
	assert_int_equal(lstat(tmp, &st), -1);

	/* Failure (no such directory) leaves nothing behind either. */
	_cleanup_free_ char *missing = path_join(top, "nodir/file");
	assert_int_equal(write_file_atomic(missing, "x", 1, 0600), -ENOENT);

	/* Nothing but the file itself is in the folder. */
	assert_int_equal(count_entries(top), 1);
}

static void test_write_file_in_place_keeps_the_inode_and_trims(void **state)
{
	const char *top = *state;
	_cleanup_free_ char *path = path_join(top, "config.json");

	assert_int_equal(write_file_in_place(path, "a longer first text", 19, 0600), 0);
	struct stat st, st2;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* A shorter text replaces it whole: nothing of the old one stays. */
	assert_int_equal(write_file_in_place(path, "short", 5, 0600), 0);
	_cleanup_free_ char *a = NULL;
	size_t n;
	assert_int_equal(read_full_file(path, &a, &n), 0);
	assert_int_equal(n, 5);
	assert_string_equal(a, "short");
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_ino, st.st_ino);

	/* A symlink is not followed. */
	_cleanup_free_ char *link = path_join(top, "link");
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(write_file_in_place(link, "x", 1, 0600), -ELOOP);
	_cleanup_free_ char *b = NULL;
	assert_int_equal(read_full_file(path, &b, NULL), 0);
	assert_string_equal(b, "short");
}

static void test_rm_rf_contents_keeps_the_folder(void **state)
{
	const char *top = *state;
	_cleanup_free_ char *work = path_join(top, "work");
	_cleanup_free_ char *deep = path_join(top, "work/work/incompat/volatile");
	_cleanup_free_ char *file = path_join(top, "work/file");
	assert_int_equal(mkdir_p(deep, 0755), 0);
	write_text(file, "x");
	struct stat st, st2;
	assert_int_equal(stat(work, &st), 0);

	assert_int_equal(rm_rf_contents(work), 0);
	assert_int_equal(stat(work, &st2), 0);
	assert_int_equal(st2.st_ino, st.st_ino);
	assert_int_equal(count_entries(work), 0);
	assert_int_equal(rm_rf_contents(work), 0);
	_cleanup_free_ char *missing = path_join(top, "missing");
	assert_int_equal(rm_rf_contents(missing), -ENOENT);
}

static void test_read_one_line_stops_at_newline(void **state)
{
	const char *top = *state;
	_cleanup_free_ char *path = path_join(top, "f");
	write_text(path, "first line\nsecond\n");
	_cleanup_free_ char *line = NULL;
	assert_int_equal(read_one_line(path, &line), 0);
	assert_string_equal(line, "first line");
	_cleanup_free_ char *missing = path_join(top, "missing");
	char *none = NULL;
	assert_int_equal(read_one_line(missing, &none), -ENOENT);
	assert_null(none);
}

/* ---- util: processes ---- */

/* Reads field 22 of /proc/PID/stat independently of proc_start_time(). */
static uint64_t start_time_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_free_ char *s = NULL;
	assert_int_equal(read_full_file(path, &s, NULL), 0);
	char *p = strrchr(s, ')');
	assert_non_null(p);
	unsigned long long v = 0;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime cutime cstime priority nice threads itreal
	 * starttime */
	int n = sscanf(p + 1,
		       "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
		       "%*s %*s %llu",
		       &v);
	assert_int_equal(n, 1);
	return v;
}

static void test_proc_start_time_reads_field_22(void **state)
{
	uint64_t t = 0;
	assert_int_equal(proc_start_time(getpid(), &t), 0);
	assert_true(t == start_time_of(getpid()));
	assert_true(t > 0 || getpid() == 1);

	uint64_t parent;
	assert_int_equal(proc_start_time(getppid(), &parent), 0);
	/* The parent started no later than we did. */
	assert_true(parent <= t);

	/* A pid beyond pid_max never exists. */
	assert_int_equal(proc_start_time(INT_MAX, &t), -ESRCH);
}

static void
test_proc_status_init_drops_signal_only_for_an_unhandled_one_of_a_namespace_init(void **state)
{
	/* SIGTERM is 15: bit 14 (0x4000); SIGHUP is 1: bit 0. */
	const char *init = "Name:\tsleep\nNSpid:\t4242\t1\nSigQ:\t0/1\nSigPnd:\t0000000000000000\n"
			   "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000001\n"
			   "SigCgt:\t0000000000000000\n";
	bool drops = false;
	assert_int_equal(proc_status_init_drops_signal(init, SIGTERM, &drops), 0);
	assert_true(drops);
	/* Ignored on purpose: that is the init's choice, as anywhere. */
	assert_int_equal(proc_status_init_drops_signal(init, SIGHUP, &drops), 0);
	assert_false(drops);

	const char *trapped = "NSpid:\t4242\t1\nSigBlk:\t0000000000000000\n"
			      "SigIgn:\t0000000000000000\nSigCgt:\t0000000000004000\n";
	assert_int_equal(proc_status_init_drops_signal(trapped, SIGTERM, &drops), 0);
	assert_false(drops);
	/* Blocked: it waits for a sigwait() or a signalfd. */
	const char *blocked = "NSpid:\t4242\t1\nSigBlk:\t0000000000004000\n"
			      "SigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\n";
	assert_int_equal(proc_status_init_drops_signal(blocked, SIGTERM, &drops), 0);
	assert_false(drops);
	/* Not an init (pid 7 in its namespace), and the host's own init
	 * (one level): the signal's default action applies. */
	const char *child = "NSpid:\t4243\t7\nSigBlk:\t0\nSigIgn:\t0\nSigCgt:\t0\n";
	assert_int_equal(proc_status_init_drops_signal(child, SIGTERM, &drops), 0);
	assert_false(drops);
	const char *host = "NSpid:\t1\nSigBlk:\t0\nSigIgn:\t0\nSigCgt:\t0\n";
	assert_int_equal(proc_status_init_drops_signal(host, SIGTERM, &drops), 0);
	assert_false(drops);

	assert_int_equal(proc_status_init_drops_signal("Name:\tx\n", SIGTERM, &drops), -EIO);
	assert_int_equal(proc_status_init_drops_signal("NSpid:\t5\t1\n", SIGTERM, &drops), -EIO);
	assert_int_equal(proc_status_init_drops_signal(init, 0, &drops), -EINVAL);

	/* We are no namespace's init. */
	drops = true;
	assert_int_equal(proc_init_drops_signal(getpid(), SIGTERM, &drops), 0);
	assert_false(drops);
	assert_int_equal(proc_init_drops_signal(INT_MAX, SIGTERM, &drops), -ESRCH);
}

static void test_proc_start_time_survives_odd_command_names(void **state)
{
	/* A comm with spaces and parentheses must not shift the fields. */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* prctl(PR_SET_NAME) without the header: write to comm. */
		int fd = open("/proc/self/comm", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)!write(fd, "a) b (c) 1 2", 12);
			close(fd);
		}
		pause();
		_exit(0);
	}
	/* Wait until the child has renamed itself. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	for (int i = 0; i < 1000; i++) {
		_cleanup_free_ char *comm = NULL;
		if (read_one_line(path, &comm) == 0 && startswith(comm, "a)"))
			break;
		usleep(1000);
	}
	uint64_t t;
	int r = proc_start_time(pid, &t);
	uint64_t expected = start_time_of(pid);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(r, 0);
	assert_true(t == expected);
}

static void test_pidfd_open_checked_refuses_a_wrong_start_time(void **state)
{
	uint64_t t;
	assert_int_equal(proc_start_time(getpid(), &t), 0);

	_cleanup_close_ int fd = -EBADF;
	int r = pidfd_open_checked(getpid(), t, &fd);
	if (r == -ENOSYS || r == -EPERM)
		skip(); /* pidfd_open(2) is missing or filtered here */
	assert_int_equal(r, 0);
	assert_true(fd >= 0);
	/* Our own process has not exited. */
	assert_int_equal(pidfd_wait_exit(fd, 0), -ETIMEDOUT);

	int fd2 = -EBADF;
	assert_int_equal(pidfd_open_checked(getpid(), t + 1, &fd2), -ESRCH);
	assert_int_equal(fd2, -EBADF);
	assert_int_equal(pidfd_open_checked(0, t, &fd2), -ESRCH);
	assert_int_equal(pidfd_open_checked(-1, t, &fd2), -ESRCH);
	assert_int_equal(pidfd_open_checked(INT_MAX, t, &fd2), -ESRCH);
	assert_int_equal(fd2, -EBADF);
}

static void test_pidfd_open_checked_treats_a_zombie_as_gone(void **state)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	/* Until we reap it, the child stays a zombie with its /proc entry. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 1000; i++) {
		_cleanup_free_ char *s = NULL;
		if (read_full_file(path, &s, NULL) == 0 && strstr(s, ") Z "))
			break;
		usleep(1000);
	}
	uint64_t t = start_time_of(pid);
	int fd = -EBADF;
	int r = pidfd_open_checked(pid, t, &fd);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	if (r == -ENOSYS || r == -EPERM)
		skip();
	assert_int_equal(r, -ESRCH);
	assert_int_equal(fd, -EBADF);
}

static void test_random_hex_gives_lowercase_hex_of_the_asked_length(void **state)
{
	char buf[CONTAINER_ID_LEN + 1];
	assert_int_equal(random_hex(buf, CONTAINER_ID_LEN), 0);
	assert_int_equal(strlen(buf), CONTAINER_ID_LEN);
	assert_true(id_prefix_is_valid(buf));
	char odd[8];
	assert_int_equal(random_hex(odd, 7), 0);
	assert_int_equal(strlen(odd), 7);
	assert_true(id_prefix_is_valid(odd));
	char big[200];
	assert_int_equal(random_hex(big, 129), -EINVAL);
}

/* resolve_in_root_walk() stands in for openat2(RESOLVE_IN_ROOT) where the
 * kernel has none: on this kernel both run, and for every path they must
 * agree, on the error or on the inode. */
static void make_resolve_tree(int dfd)
{
	assert_int_equal(mkdirat(dfd, "a", 0755), 0);
	assert_int_equal(mkdirat(dfd, "a/b", 0755), 0);
	int fd = openat(dfd, "a/b/file", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mkdirat(dfd, "etc", 0755), 0);
	fd = openat(dfd, "etc/passwd", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	static const char *const links[][2] = {
		{ "/a", "abs" },
		{ "../../../../..", "up" },
		{ "../../../../etc/passwd", "a/b/passwd" },
		{ "/proc/self/root", "self" },
		{ "loop2", "loop1" },
		{ "loop1", "loop2" },
		{ "abs/b", "chain" },
		{ "b/../../abs/b/file", "a/rel" },
		{ "", "a/missing" },
		{ "a/b/file/", "filedir" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (*links[i][0])
			assert_int_equal(symlinkat(links[i][0], dfd, links[i][1]), 0);
}

static void assert_resolves_alike(int dfd, const char *path, int flags, bool no_symlinks)
{
	int kfd = -1, ufd = -1;
	int kr = resolve_in_root(dfd, path, flags, no_symlinks, &kfd);
	int ur = resolve_in_root_walk(dfd, path, flags, no_symlinks, &ufd);
	if (kr == -ENOSYS)
		skip();
	if (kr != ur)
		fail_msg("%s: openat2 gives %d, the walk %d", path, kr, ur);
	if (kr < 0)
		return;
	struct stat ks, us;
	assert_int_equal(fstat(kfd, &ks), 0);
	assert_int_equal(fstat(ufd, &us), 0);
	if (ks.st_dev != us.st_dev || ks.st_ino != us.st_ino)
		fail_msg("%s: openat2 and the walk open different files", path);
	assert_int_equal(fcntl(ufd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(fcntl(ufd, F_GETFL) & O_PATH, flags & O_PATH);
	close(kfd);
	close(ufd);
}

static void test_resolve_in_root_walk_agrees_with_openat2(void **state)
{
	const char *dir = *state;
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	make_resolve_tree(dfd);
	static const char *const paths[] = {
		"",
		"/",
		".",
		"..",
		"/..",
		"../../..",
		"a",
		"/a/b/file",
		"a/./b/../b/file",
		"up",
		"up/a/b/file",
		"abs/b/file",
		"chain/file",
		"a/rel",
		"a/b/passwd",
		"self",
		"self/etc",
		"loop1",
		"loop1/x",
		"missing",
		"a/b/missing",
		"a/b/file/",
		"a/b/file/x",
		"filedir",
		"a//b///file",
		"up/../../etc/passwd",
		"/etc/passwd/",
		"a/b/",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_resolves_alike(dfd, paths[i], O_PATH, false);
		assert_resolves_alike(dfd, paths[i], O_PATH, true);
		assert_resolves_alike(dfd, paths[i], O_RDONLY, false);
		assert_resolves_alike(dfd, paths[i], O_PATH | O_DIRECTORY, false);
	}
	close(dfd);
}

static void test_resolve_in_root_walk_never_leaves_the_root(void **state)
{
	const char *dir = *state;
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	make_resolve_tree(dfd);
	struct stat root, st;
	assert_int_equal(fstat(dfd, &root), 0);
	/* Every way up ends at the root itself... */
	static const char *const up[] = { "..", "up", "/../..", "abs/../../..", "a/b/../../../.." };
	for (size_t i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		int fd = -1;
		assert_int_equal(resolve_in_root_walk(dfd, up[i], O_PATH, false, &fd), 0);
		assert_int_equal(fstat(fd, &st), 0);
		assert_true(st.st_ino == root.st_ino && st.st_dev == root.st_dev);
		close(fd);
	}
	/* ...a symlink to the host's /etc/passwd opens the root's, and
	 * /proc/self/root is looked for inside the root, where it is not. */
	int fd = -1, host = open("/etc/passwd", O_PATH | O_CLOEXEC);
	assert_int_equal(resolve_in_root_walk(dfd, "a/b/passwd", O_PATH, false, &fd), 0);
	struct stat hs;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(fstat(host, &hs), 0);
	assert_false(st.st_ino == hs.st_ino && st.st_dev == hs.st_dev);
	assert_int_equal(st.st_size, 0);
	close(fd);
	close(host);
	assert_int_equal(resolve_in_root_walk(dfd, "self", O_PATH, false, &fd), -ENOENT);
	assert_int_equal(resolve_in_root_walk(dfd, "loop1", O_PATH, false, &fd), -ELOOP);
	assert_int_equal(resolve_in_root_walk(dfd, "abs", O_PATH, true, &fd), -ELOOP);
	assert_int_equal(resolve_in_root_walk(dfd, "a", O_CREAT | O_WRONLY, false, &fd), -EINVAL);
	close(dfd);
}

#define TEST_TMPDIR(t) cmocka_unit_test_setup_teardown(t, setup_tmpdir, teardown_tmpdir)

/* ---- dl_open_library ---- */

static void test_dl_open_library_refuses_a_missing_library(void **state)
{
	void *handle = NULL;
	void *sym_getpid = NULL;
	const DlSym syms[] = { { "getpid", &sym_getpid } };
	assert_int_equal(dl_open_library(&handle, "libberth-missing.so.0", syms, 1, "a test"),
			 -ENOPKG);
	assert_null(handle);
	assert_null(sym_getpid);
}

static void test_dl_open_library_resolves_every_symbol_once(void **state)
{
	void *handle = NULL;
	void *sym_getpid = NULL, *sym_getppid = NULL;
	const DlSym syms[] = { { "getpid", &sym_getpid }, { "getppid", &sym_getppid } };
	assert_int_equal(dl_open_library(&handle, "libc.so.6", syms, 2, "a test"), 0);
	assert_non_null(handle);
	assert_int_equal(((pid_t(*)(void))sym_getpid)(), getpid());
	assert_int_equal(((pid_t(*)(void))sym_getppid)(), getppid());
	/* A second call keeps what the first one found. */
	sym_getpid = NULL;
	assert_int_equal(dl_open_library(&handle, "libc.so.6", syms, 2, "a test"), 0);
	assert_null(sym_getpid);
}

static void test_dl_open_library_refuses_a_missing_symbol_and_keeps_none(void **state)
{
	void *handle = NULL;
	void *sym_getpid = NULL, *sym_missing = NULL;
	const DlSym syms[] = { { "getpid", &sym_getpid },
			       { "berth_no_such_function", &sym_missing } };
	assert_int_equal(dl_open_library(&handle, "libc.so.6", syms, 2, "a test"), -ENOPKG);
	assert_null(handle);
	assert_null(sym_getpid);
	assert_null(sym_missing);
}

/* ---- paths relative to the root (common/paths.c) ---- */

static void assert_path(char *got, const char *want)
{
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_path_relative_names_the_store_from_the_state_folder_and_the_bundle(void **state)
{
	const char *root = "/srv/berth", *bundle = "/srv/berth/containers/ab12";
	assert_path(path_relative(root, root, "/srv/berth/layers/ff"), "layers/ff");
	assert_path(path_relative(root, root, "/srv/berth/images/ee/rootfs"), "images/ee/rootfs");
	assert_path(path_relative(root, root, bundle), "containers/ab12");
	assert_path(path_relative(root, bundle, "/srv/berth/layers/ff"), "../../layers/ff");
	assert_path(path_relative(root, bundle, "/srv/berth/containers/ab12/upper"), "upper");
	assert_path(path_relative(root, bundle, "/srv/berth/containers/ab12/lower/0"), "lower/0");
	assert_path(path_relative(root, bundle, "/srv/berth/containers/ab1"), "../ab1");
	assert_path(path_relative(root, bundle, "/srv/berth/containers/ab12x"), "../ab12x");
	assert_path(path_relative(root, bundle, bundle), ".");
	assert_path(path_relative(root, bundle, root), "../..");
	assert_path(path_relative(root, root, root), ".");
}

static void test_path_relative_keeps_paths_outside_the_root_absolute(void **state)
{
	const char *root = "/srv/berth";
	assert_path(path_relative(root, root, "/srv/berth2/layers/ff"), "/srv/berth2/layers/ff");
	assert_path(path_relative(root, root, "/srv/rootfs"), "/srv/rootfs");
	assert_path(path_relative(root, "/elsewhere", "/srv/berth/layers/ff"),
		    "/srv/berth/layers/ff");
}

static void test_path_resolve_climbs_out_of_the_folder_without_a_look_at_the_disk(void **state)
{
	const char *bundle = "/srv/berth/containers/ab12";
	assert_path(path_resolve(bundle, "../../layers/ff"), "/srv/berth/layers/ff");
	assert_path(path_resolve(bundle, "rootfs"), "/srv/berth/containers/ab12/rootfs");
	assert_path(path_resolve(bundle, "./upper"), "/srv/berth/containers/ab12/upper");
	assert_path(path_resolve(bundle, "."), bundle);
	assert_path(path_resolve(bundle, "../.."), "/srv/berth");
	assert_path(path_resolve("/srv/berth/", "layers/ff"), "/srv/berth/layers/ff");
	assert_path(path_resolve("/srv", "../../../x"), "/x");
	assert_path(path_resolve(bundle, "/abs/olute"), "/abs/olute");
}

static void test_path_lists_map_every_member(void **state)
{
	const char *root = "/r", *bundle = "/r/containers/c";
	assert_path(path_list_relative(root, bundle, "/r/layers/a:/r/images/b/rootfs:/x/y"),
		    "../../layers/a:../../images/b/rootfs:/x/y");
	assert_path(path_list_resolve(bundle, "../../layers/a:lower/0:/x/y"),
		    "/r/layers/a:/r/containers/c/lower/0:/x/y");
	assert_path(path_list_relative(root, root, "/r/layers/a:/r/layers/b"), "layers/a:layers/b");
	assert_path(path_list_resolve(root, ""), "");
}

/* ---- IPv4 and published ports (common/network.c) ---- */

static void test_ipv4_parse_format_and_cidr(void **state)
{
	(void)state;
	uint32_t a, net;
	unsigned prefix;
	char buf[16];
	assert_int_equal(ipv4_parse("10.90.0.2", &a), 0);
	assert_int_equal(a, 0x0a5a0002);
	ipv4_format(a, buf);
	assert_string_equal(buf, "10.90.0.2");
	assert_int_equal(ipv4_parse("10.90.0", &a), -EINVAL);
	assert_int_equal(ipv4_parse("10.90.0.256", &a), -EINVAL);
	assert_int_equal(ipv4_parse("fd00::1", &a), -EINVAL);
	assert_int_equal(ipv4_parse_cidr("10.91.3.7/24", &net, &prefix), 0);
	assert_int_equal(net, 0x0a5b0300); /* host bits cleared */
	assert_int_equal(prefix, 24);
	assert_int_equal(ipv4_parse_cidr("10.0.0.0/7", &net, &prefix), -EINVAL);
	assert_int_equal(ipv4_parse_cidr("10.0.0.0/31", &net, &prefix), -EINVAL);
	assert_int_equal(ipv4_parse_cidr("10.0.0.0/", &net, &prefix), -EINVAL);
	assert_int_equal(ipv4_parse_cidr("10.0.0.0/24x", &net, &prefix), -EINVAL);
	assert_int_equal(ipv4_parse_cidr("10.0.0.0", &net, &prefix), -EINVAL);
	assert_true(ipv4_in_subnet(0x0a5b0305, 0x0a5b0300, 24));
	assert_false(ipv4_in_subnet(0x0a5b0405, 0x0a5b0300, 24));
	assert_true(ipv4_subnets_overlap(0x0a5b0000, 16, 0x0a5b0300, 24));
	assert_false(ipv4_subnets_overlap(0x0a5b0200, 24, 0x0a5b0300, 24));
}

static void test_port_mapping_parse(void **state)
{
	(void)state;
	PortMapping p;
	char err[128];
	assert_int_equal(port_mapping_parse("8080:80", &p, err, sizeof(err)), 0);
	assert_string_equal(p.host_ip, "");
	assert_int_equal(p.host_port, 8080);
	assert_int_equal(p.container_port, 80);
	assert_string_equal(p.protocol, "tcp");
	assert_int_equal(port_mapping_parse("127.0.0.1:5353:53/udp", &p, err, sizeof(err)), 0);
	assert_string_equal(p.host_ip, "127.0.0.1");
	assert_string_equal(p.protocol, "udp");
	static const char *const bad[] = { "80",        "0:80",     "65536:80",   "80:0",
					   "80:-1",     "a:80",     "80:80/sctp", "1.2.3:80:80",
					   "::1:80:80", "8080:80/", ":80",        NULL };
	for (size_t i = 0; bad[i]; i++)
		if (port_mapping_parse(bad[i], &p, err, sizeof(err)) != -EINVAL)
			fail_msg("port_mapping_parse(\"%s\") did not fail", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size_reads_binary_units),
		cmocka_unit_test(test_parse_size_accepts_the_largest_values),
		cmocka_unit_test(test_parse_size_rejects_junk),
		cmocka_unit_test(test_parse_size_rejects_overflow),
		cmocka_unit_test(test_parse_uint64_reads_the_full_range),
		cmocka_unit_test(test_parse_uint64_rejects_overflow_and_junk),
		cmocka_unit_test(test_parse_uint32_rejects_values_above_32_bits),
		cmocka_unit_test(test_parse_ugid_rejects_the_id_that_means_unchanged),
		cmocka_unit_test(test_parse_int_range_enforces_bounds),
		cmocka_unit_test(test_parse_int_range_accepts_the_limits_of_long),
		cmocka_unit_test(test_parse_int_range_rejects_junk),
		cmocka_unit_test(test_parse_signal_reads_names_and_numbers),
		cmocka_unit_test(test_parse_signal_rejects_unknown_signals),
		cmocka_unit_test(test_signal_name_round_trips_with_parse_signal),
		cmocka_unit_test(test_name_is_valid_accepts_ordinary_names),
		cmocka_unit_test(test_name_is_valid_refuses_path_like_names),
		cmocka_unit_test(test_name_is_valid_allows_128_characters_not_129),
		cmocka_unit_test(test_id_prefix_is_valid_wants_lowercase_hex),
		cmocka_unit_test(test_id_is_valid_wants_all_64_digits),
		cmocka_unit_test(test_env_assignment_is_valid_needs_a_key_and_equals),
		cmocka_unit_test(test_image_name_is_valid_accepts_references),
		cmocka_unit_test(test_image_name_is_valid_refuses_traversal_and_empty_parts),
		cmocka_unit_test(test_hostname_is_valid_follows_rfc1123),
		cmocka_unit_test(test_generate_name_produces_valid_names),
		cmocka_unit_test(test_mount_options_sets_flags),
		cmocka_unit_test(test_mount_options_later_option_wins),
		cmocka_unit_test(test_mount_options_reads_propagation),
		cmocka_unit_test(test_mount_options_bind_and_rbind),
		cmocka_unit_test(test_mount_options_joins_filesystem_data),
		cmocka_unit_test(test_mount_options_rejects_commas_and_empty_options),
		cmocka_unit_test(test_strv_push_copy_join_contains),
		cmocka_unit_test(test_iso8601_round_trips_with_milliseconds),
		cmocka_unit_test(test_parse_iso8601_reads_other_precisions),
		cmocka_unit_test(test_parse_iso8601_rejects_malformed_times),
		cmocka_unit_test(test_parse_iso8601_refuses_times_past_the_year_9999),
		cmocka_unit_test(test_format_ago_picks_the_largest_unit),
		TEST_TMPDIR(test_rm_rf_removes_a_tree_without_following_symlinks),
		TEST_TMPDIR(test_mkdir_p_creates_parents_and_tolerates_existing),
		TEST_TMPDIR(test_write_file_atomic_replaces_content_and_leaves_no_temp),
		TEST_TMPDIR(test_write_file_in_place_keeps_the_inode_and_trims),
		TEST_TMPDIR(test_rm_rf_contents_keeps_the_folder),
		TEST_TMPDIR(test_read_one_line_stops_at_newline),
		TEST_TMPDIR(test_resolve_in_root_walk_agrees_with_openat2),
		TEST_TMPDIR(test_resolve_in_root_walk_never_leaves_the_root),
		cmocka_unit_test(test_proc_start_time_reads_field_22),
		cmocka_unit_test(test_proc_start_time_survives_odd_command_names),
		cmocka_unit_test(test_pidfd_open_checked_refuses_a_wrong_start_time),
		cmocka_unit_test(test_pidfd_open_checked_treats_a_zombie_as_gone),
		cmocka_unit_test(
			test_proc_status_init_drops_signal_only_for_an_unhandled_one_of_a_namespace_init),
		cmocka_unit_test(test_random_hex_gives_lowercase_hex_of_the_asked_length),
		cmocka_unit_test(test_dl_open_library_refuses_a_missing_library),
		cmocka_unit_test(test_dl_open_library_resolves_every_symbol_once),
		cmocka_unit_test(test_dl_open_library_refuses_a_missing_symbol_and_keeps_none),
		cmocka_unit_test(
			test_path_relative_names_the_store_from_the_state_folder_and_the_bundle),
		cmocka_unit_test(test_path_relative_keeps_paths_outside_the_root_absolute),
		cmocka_unit_test(
			test_path_resolve_climbs_out_of_the_folder_without_a_look_at_the_disk),
		cmocka_unit_test(test_path_lists_map_every_member),
		cmocka_unit_test(test_ipv4_parse_format_and_cidr),
		cmocka_unit_test(test_port_mapping_parse),
	};
	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
