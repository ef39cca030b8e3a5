/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the mounts a user asks for (common/mount-spec.c: -v,
 * --mount, --tmpfs) and the tmpfs caps and bind checks of
 * common/mount-options.c. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "mount-options.h"
#include "mount-spec.h"
#include "util.h"

typedef int (*Parser)(const char *arg, MountSpec *ret, char *err, size_t errlen);

/* arg must be refused, with an error naming `what`. */
static void refused(Parser parse, const char *arg, const char *what)
{
	MountSpec m;
	char err[512] = "";
	int r = parse(arg, &m, err, sizeof(err));
	mount_spec_done(&m);
	if (r != -EINVAL)
		fail_msg("`%s` gave %d, not -EINVAL", arg, r);
	if (!strstr(err, what))
		fail_msg("`%s`: the error `%s` does not name `%s`", arg, err, what);
	if (strchr(err, '\n'))
		fail_msg("`%s`: the error is not one line: `%s`", arg, err);
}

/* arg is taken, and its OCI options are `want` (comma-joined). */
static void taken(Parser parse, const char *arg, const char *dst, const char *want)
{
	MountSpec m;
	char err[512] = "";
	int r = parse(arg, &m, err, sizeof(err));
	if (r < 0)
		fail_msg("`%s` was refused: %s", arg, err);
	assert_string_equal(m.destination, dst);
	char **opts = NULL;
	assert_int_equal(mount_spec_oci_options(&m, &opts), 0);
	_cleanup_free_ char *joined = strv_join(opts, ",");
	strv_free(opts);
	if (!streq(joined, want))
		fail_msg("`%s` gave options `%s`, not `%s`", arg, joined, want);
	mount_spec_done(&m);
}

static void test_volume_options_go_after_the_second_colon(void **state)
{
	/* The attack of issue 18: the option became part of the path, and
	 * the mount was read-write. */
	refused(mount_spec_parse_volume, "/src:/x,ro", "destination `/x,ro` contains a comma");
	refused(mount_spec_parse_volume, "/src:/x,ro:rw", "destination `/x,ro` contains a comma");
	taken(mount_spec_parse_volume, "/src:/x:ro", "/x", "rbind,ro,rprivate");
	taken(mount_spec_parse_volume, "/src:/x", "/x", "rbind,rprivate");
	taken(mount_spec_parse_volume, "/src:/x:rw", "/x", "rbind,rw,rprivate");
}

static void test_volume_takes_podmans_options(void **state)
{
	taken(mount_spec_parse_volume, "a:/b:ro,rslave", "/b", "rbind,ro,rslave");
	taken(mount_spec_parse_volume, "/a:/b:nosuid,nodev,noexec", "/b",
	      "rbind,nosuid,nodev,noexec,rprivate");
	taken(mount_spec_parse_volume, "/a:/b:suid,dev,exec,rshared", "/b",
	      "rbind,suid,dev,exec,rshared");
	taken(mount_spec_parse_volume, "/a:/b:bind", "/b", "bind,rprivate");
	taken(mount_spec_parse_volume, "/a:/b:rbind,private", "/b", "rbind,private");
	taken(mount_spec_parse_volume, "/a:/b:rro", "/b", "rbind,ro,rprivate");
	taken(mount_spec_parse_volume, "./a:/b:runbindable", "/b", "rbind,runbindable");
	/* z and Z have no option of their own: cli/mounts.c refuses them
	 * where SELinux is on. */
	MountSpec m;
	char err[256];
	assert_int_equal(mount_spec_parse_volume("/a:/b:Z,ro", &m, err, sizeof(err)), 0);
	assert_true(m.relabel && m.read_only);
	mount_spec_done(&m);
	taken(mount_spec_parse_volume, "/a:/b:z", "/b", "rbind,rprivate");
}

static void test_volume_refuses_unknown_and_unsupported_options_by_name(void **state)
{
	refused(mount_spec_parse_volume, "/a:/b:rx", "unknown option `rx`");
	refused(mount_spec_parse_volume, "/a:/b:ro,bogus", "unknown option `bogus`");
	refused(mount_spec_parse_volume, "/a:/b:foo=1", "unknown option `foo=1`");
	refused(mount_spec_parse_volume, "/a:/b:RO", "unknown option `RO`");
	refused(mount_spec_parse_volume, "/a:/b:O", "option `O`: overlay");
	refused(mount_spec_parse_volume, "/a:/b:U", "option `U`");
	refused(mount_spec_parse_volume, "/a:/b:nocopy",
		"option `nocopy`: applies to named volumes");
	refused(mount_spec_parse_volume, "/a:/b:idmap=uids=0-1000-10",
		"option `idmap=uids=0-1000-10`");
	/* Options of a tmpfs do not apply to a bind mount. */
	refused(mount_spec_parse_volume, "/a:/b:size=1m",
		"option `size=1m` does not apply to a bind");
	refused(mount_spec_parse_volume, "/a:/b:mode=755", "option `mode=755` does not apply");
}

static void test_volume_refuses_empty_parts(void **state)
{
	refused(mount_spec_parse_volume, ":/x", "the source is empty");
	refused(mount_spec_parse_volume, "a::ro", "the destination is empty");
	refused(mount_spec_parse_volume, "a:", "the destination is empty");
	refused(mount_spec_parse_volume, "/a:/x:", "the options after the second `:` are empty");
	refused(mount_spec_parse_volume, "/a:/x:ro,", "an empty option");
	refused(mount_spec_parse_volume, "/a:/x:,ro", "an empty option");
	refused(mount_spec_parse_volume, "/a:/x:ro,,nodev", "an empty option");
	refused(mount_spec_parse_volume, "/x", "expected SRC:DST[:OPTIONS]");
	refused(mount_spec_parse_volume, "", "expected SRC:DST[:OPTIONS]");
	refused(mount_spec_parse_volume, "/a:/b:ro:z", "too many `:`");
}

static void test_volume_refuses_duplicates_and_contradictions(void **state)
{
	refused(mount_spec_parse_volume, "/a:/b:ro,ro", "option `ro` is given twice");
	refused(mount_spec_parse_volume, "/a:/b:ro,rw", "option `rw` contradicts `ro`");
	refused(mount_spec_parse_volume, "/a:/b:rw,rro", "option `rro` contradicts `rw`");
	refused(mount_spec_parse_volume, "/a:/b:nosuid,suid", "option `suid` contradicts `nosuid`");
	refused(mount_spec_parse_volume, "/a:/b:nodev,dev", "option `dev` contradicts `nodev`");
	refused(mount_spec_parse_volume, "/a:/b:exec,noexec", "option `noexec` contradicts `exec`");
	refused(mount_spec_parse_volume, "/a:/b:rslave,rprivate",
		"option `rprivate` contradicts `rslave`");
	refused(mount_spec_parse_volume, "/a:/b:bind,rbind", "option `rbind` contradicts `bind`");
	refused(mount_spec_parse_volume, "/a:/b:z,Z", "option `Z` contradicts `z`");
}

static void test_paths_must_stay_where_they_say(void **state)
{
	refused(mount_spec_parse_volume, "/a:rel", "destination `rel` must be an absolute path");
	refused(mount_spec_parse_volume, "/a:/a/../../etc",
		"destination `/a/../../etc` may not contain");
	refused(mount_spec_parse_volume, "/a:/a/./b", "may not contain `.` or `..`");
	refused(mount_spec_parse_volume, "/a:/..", "may not contain");
	refused(mount_spec_parse_volume, "/a:/", "over the container's root");
	refused(mount_spec_parse_volume, "/a:///", "over the container's root");
	refused(mount_spec_parse_volume, "../a:/x", "source `../a` may not contain `..`");
	refused(mount_spec_parse_volume, "/srv/../etc:/x",
		"source `/srv/../etc` may not contain `..`");
	refused(mount_spec_parse_volume, "/srv/..:/x", "may not contain `..`");
	/* A name that merely starts with dots is a name. */
	taken(mount_spec_parse_volume, "/srv/..data:/x/...y", "/x/...y", "rbind,rprivate");
	taken(mount_spec_parse_volume, "/a:/x//y/", "/x/y", "rbind,rprivate");
	taken(mount_spec_parse_volume, "/a://x", "/x", "rbind,rprivate");

	char *norm = NULL, err[256];
	assert_int_equal(mount_spec_check_destination("/data/", &norm, err, sizeof(err)), 0);
	assert_string_equal(norm, "/data");
	free(norm);
	assert_int_equal(mount_spec_check_destination("/a,b", &norm, err, sizeof(err)), -EINVAL);
}

static void test_tmpfs_options(void **state)
{
	taken(mount_spec_parse_tmpfs, "/t", "/t", "nosuid,nodev,mode=1777");
	taken(mount_spec_parse_tmpfs, "/t:size=64m", "/t", "nosuid,nodev,mode=1777,size=67108864");
	taken(mount_spec_parse_tmpfs, "/t:size=1m,nr_inodes=16k,mode=700,noexec,ro", "/t",
	      "ro,nosuid,nodev,noexec,mode=0700,size=1048576,nr_inodes=16384");
	taken(mount_spec_parse_tmpfs, "/t:suid,exec", "/t", "suid,nodev,exec,mode=1777");
	taken(mount_spec_parse_tmpfs, "/t:uid=1000,gid=100,rw", "/t",
	      "rw,nosuid,nodev,mode=1777,uid=1000,gid=100");
	taken(mount_spec_parse_tmpfs, "/t:rslave,notmpcopyup", "/t",
	      "nosuid,nodev,mode=1777,rslave");

	refused(mount_spec_parse_tmpfs, "/t,ro", "destination `/t,ro` contains a comma");
	refused(mount_spec_parse_tmpfs, "/t:", "the options after `:` are empty");
	refused(mount_spec_parse_tmpfs, "t", "must be an absolute path");
	refused(mount_spec_parse_tmpfs, "/t:foo", "unknown option `foo`");
	refused(mount_spec_parse_tmpfs, "/t:size=lots", "option `size=lots`");
	/* 0 is no cap at all to the kernel. */
	refused(mount_spec_parse_tmpfs, "/t:size=0", "option `size=0`");
	refused(mount_spec_parse_tmpfs, "/t:nr_inodes=0", "option `nr_inodes=0`");
	refused(mount_spec_parse_tmpfs, "/t:size=50%", "option `size=50%`");
	refused(mount_spec_parse_tmpfs, "/t:mode=8", "option `mode=8`");
	refused(mount_spec_parse_tmpfs, "/t:mode=17777", "option `mode=17777`");
	refused(mount_spec_parse_tmpfs, "/t:mode=-1", "option `mode=-1`");
	refused(mount_spec_parse_tmpfs, "/t:uid=4294967295", "option `uid=4294967295`");
	refused(mount_spec_parse_tmpfs, "/t:gid=-1", "option `gid=-1`");
	refused(mount_spec_parse_tmpfs, "/t:size=1m,size=2m",
		"option `size=2m` contradicts `size=1m`");
	refused(mount_spec_parse_tmpfs, "/t:ro,rw", "option `rw` contradicts `ro`");
	refused(mount_spec_parse_tmpfs, "/t:rbind", "option `rbind` does not apply to a tmpfs");
	refused(mount_spec_parse_tmpfs, "/t:z", "option `z` does not apply to a tmpfs");
	refused(mount_spec_parse_tmpfs, "/t:tmpcopyup", "option `tmpcopyup`");
}

static void test_mount_fields(void **state)
{
	Parser p = mount_spec_parse_fields;
	taken(p, "type=bind,src=/a,dst=/b", "/b", "rbind,rprivate");
	taken(p, "type=bind,source=/a,target=/b,readonly", "/b", "rbind,ro,rprivate");
	taken(p, "type=bind,src=/a,destination=/b,ro=true,bind-propagation=rslave", "/b",
	      "rbind,ro,rslave");
	taken(p, "type=bind,src=/a,dst=/b,readonly=false,bind-nonrecursive", "/b",
	      "bind,rw,rprivate");
	taken(p, "type=bind,src=/a,dst=/b,nosuid,nodev", "/b", "rbind,nosuid,nodev,rprivate");
	taken(p, "type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=700", "/t",
	      "nosuid,nodev,mode=0700,size=1048576");

	refused(p, "src=/a,dst=/b", "needs type=bind or type=tmpfs");
	refused(p, "type=volume,src=a,dst=/b", "type `volume` is not supported");
	refused(p, "type=bind,dst=/b", "type=bind needs src=");
	refused(p, "type=bind,src=/a", "needs dst=");
	refused(p, "type=bind,src=/a,src=/c,dst=/b", "field `src` is given twice");
	refused(p, "type=bind,src=/a,dst=/b,bogus=1", "unknown field `bogus`");
	refused(p, "type=bind,src=/a,dst=/b,bogus", "unknown field `bogus`");
	refused(p, "type=bind,src=,dst=/b", "field `src` needs a value");
	refused(p, "type=bind,src=/a,dst=/b,readonly=maybe", "`readonly=maybe`: true or false");
	refused(p, "type=bind,src=/a,dst=/b,readonly,ro", "contradicts `readonly`");
	refused(p, "type=bind,src=/a,dst=/b,bind-propagation=sideways",
		"`bind-propagation=sideways`");
	refused(p, "type=bind,src=/a,dst=/b,,ro", "an empty option");
	refused(p, "type=bind,src=/a,dst=/b,tmpfs-size=1m", "does not apply to a bind mount");
	refused(p, "type=tmpfs,src=/a,dst=/t", "a tmpfs takes no src=");
	refused(p, "type=tmpfs,dst=/t,bind-propagation=rslave,relabel=private",
		"option `relabel=private` does not apply to a tmpfs");
	refused(p, "type=bind,src=/a,dst=/b,U", "option `U`");
}

static void test_tmpfs_size_default_follows_the_memory_limit(void **state)
{
	assert_true(tmpfs_size_default(0) == TMPFS_SIZE_DEFAULT);
	assert_true(tmpfs_size_default(-1) == TMPFS_SIZE_DEFAULT);
	assert_true(tmpfs_size_default(INT64_MAX) == TMPFS_SIZE_DEFAULT);
	assert_true(tmpfs_size_default(2 * TMPFS_SIZE_DEFAULT) == TMPFS_SIZE_DEFAULT);
	assert_true(tmpfs_size_default(64 << 20) == 32 << 20);
	/* Whole pages, and never 0, which would be no cap at all. */
	assert_true(tmpfs_size_default(20000) == 8192);
	assert_true(tmpfs_size_default(4096) == 4096);
	assert_true(tmpfs_size_default(1) == 4096);
}

static void test_tmpfs_options_cap_adds_size_and_inodes(void **state)
{
	char **o = NULL;
	assert_int_equal(strv_push(&o, "nosuid"), 0);
	assert_int_equal(tmpfs_options_cap(&o, 256 << 20), 0);
	_cleanup_free_ char *a = strv_join(o, ",");
	assert_string_equal(a, "nosuid,size=268435456,nr_inodes=65536");
	/* Idempotent. */
	assert_int_equal(tmpfs_options_cap(&o, 1 << 20), 0);
	_cleanup_free_ char *b = strv_join(o, ",");
	assert_string_equal(b, a);
	strv_free(o);

	/* A size given stays, and sets the inodes; a small one gets 1024. */
	char **given = NULL;
	assert_int_equal(strv_push(&given, "size=65536k"), 0);
	assert_int_equal(tmpfs_options_cap(&given, 256 << 20), 0);
	_cleanup_free_ char *c = strv_join(given, ",");
	assert_string_equal(c, "size=65536k,nr_inodes=16384");
	strv_free(given);
	char **small = NULL;
	assert_int_equal(strv_push(&small, "size=1m"), 0);
	assert_int_equal(strv_push(&small, "nr_inodes=5"), 0);
	assert_int_equal(tmpfs_options_cap(&small, 256 << 20), 0);
	_cleanup_free_ char *d = strv_join(small, ",");
	assert_string_equal(d, "size=1m,nr_inodes=5");
	strv_free(small);
	char **tiny = NULL;
	assert_int_equal(strv_push(&tiny, "size=64k"), 0);
	assert_int_equal(tmpfs_options_cap(&tiny, 256 << 20), 0);
	_cleanup_free_ char *e = strv_join(tiny, ",");
	assert_string_equal(e, "size=64k,nr_inodes=1024");
	strv_free(tiny);
	/* Empty options grow from nothing. */
	char **none = NULL;
	assert_int_equal(tmpfs_options_cap(&none, 8192), 0);
	_cleanup_free_ char *f = strv_join(none, ",");
	assert_string_equal(f, "size=8192,nr_inodes=1024");
	strv_free(none);
}

static void test_mount_options_bad_names_what_a_bind_would_drop(void **state)
{
	char *fine[] = { "rbind", "ro", "nosuid", "nodev", "noexec", "rslave", "rw", NULL };
	assert_null(mount_options_bad(fine, true));
	char *data[] = { "rbind", "ro", "idmap", NULL };
	assert_string_equal(mount_options_bad(data, true), "idmap");
	char *rro[] = { "rbind", "rro", NULL };
	assert_string_equal(mount_options_bad(rro, true), "rro");
	/* A file system takes its data; the kernel checks it. */
	char *tmpfs[] = { "nosuid", "size=1m", "mode=1777", NULL };
	assert_null(mount_options_bad(tmpfs, false));
	char *comma[] = { "nosuid", "size=1m,uid=0", NULL };
	assert_string_equal(mount_options_bad(comma, false), "size=1m,uid=0");
	char *empty[] = { "nosuid", "", NULL };
	assert_string_equal(mount_options_bad(empty, false), "");
	assert_null(mount_options_bad(NULL, true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volume_options_go_after_the_second_colon),
		cmocka_unit_test(test_volume_takes_podmans_options),
		cmocka_unit_test(test_volume_refuses_unknown_and_unsupported_options_by_name),
		cmocka_unit_test(test_volume_refuses_empty_parts),
		cmocka_unit_test(test_volume_refuses_duplicates_and_contradictions),
		cmocka_unit_test(test_paths_must_stay_where_they_say),
		cmocka_unit_test(test_tmpfs_options),
		cmocka_unit_test(test_mount_fields),
		cmocka_unit_test(test_tmpfs_size_default_follows_the_memory_limit),
		cmocka_unit_test(test_tmpfs_options_cap_adds_size_and_inodes),
		cmocka_unit_test(test_mount_options_bad_names_what_a_bind_would_drop),
	};
	return cmocka_run_group_tests_name("mount-spec", tests, NULL, NULL);
}
