/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/image-unpack.c, linked from libcli.a: hostile tar
 * archives (path escapes, links, symlinks on the way, whiteouts, overlay
 * xattrs, bombs) are refused with one line, good ones unpack with both
 * digests right. Unpacking chroots: the tests skip when not root. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "dl-archive.h"
#include "image-test-util.h"
#include "image-unpack.h"
#include "sha256.h"

static char *dest, *outside;

/* dest: an empty folder inside a folder of its own (outside), so that a
 * test can see whether anything landed next to it. */
static int each_setup(void **state)
{
	(void)state;
	outside = test_mkdtemp();
	dest = test_path(outside, "dest");
	if (mkdir(dest, 0755) < 0)
		return -1;
	(void)logged();
	return 0;
}

static int each_teardown(void **state)
{
	(void)state;
	(void)rm_rf(outside);
	free(dest);
	free(outside);
	return 0;
}

static UnpackOptions opts(void)
{
	return (UnpackOptions){
		.what = "layer.tar",
		.max_files = 1000,
		.max_bytes = UINT64_C(1) << 30,
	};
}

static int memfd_of(const void *data, size_t len)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, data, len), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static int unpack(const TarBuf *t, const UnpackOptions *o, UnpackResult *res)
{
	int fd = memfd_of(t->data, t->len);
	UnpackResult ignored;
	int r = unpack_tar_fd(fd, dest, o, res ? res : &ignored);
	close(fd);
	return r;
}

static char *read_dest(const char *rel)
{
	char *p = test_path(dest, rel), *data = NULL;
	size_t len;
	int r = read_full_file(p, &data, &len);
	free(p);
	return r < 0 ? NULL : data;
}

static void test_plain_tar_unpacks_with_both_digests_and_counts(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_dir(&t, "etc/");
	tar_file(&t, "etc/hostname", "box\n");
	tar_add(&t, &(TarEntry){ .name = "etc/secret",
				 .type = '0',
				 .mode = 0600,
				 .uid = 1234,
				 .gid = 5678,
				 .data = "s",
				 .len = 1 });
	tar_symlink(&t, "etc/alias", "hostname");
	tar_hardlink(&t, "etc/hard", "etc/hostname");
	tar_end(&t);
	UnpackOptions o = opts();
	UnpackResult res;
	assert_int_equal(unpack(&t, &o, &res), 0);

	char hex[SHA256_HEX_LEN + 1];
	assert_int_equal(sha256_data(t.data, t.len, hex), 0);
	assert_string_equal(res.blob_hex, hex);
	assert_string_equal(res.diff_hex, hex); /* not compressed: the same bytes */
	assert_int_equal(res.files, 5);
	assert_int_equal(res.bytes, t.len);

	char *s = read_dest("etc/hostname");
	assert_string_equal(s, "box\n");
	free(s);
	char *p = test_path(dest, "etc/secret");
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	/* Ids are taken as numbers, whatever the names in the header say. */
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(st.st_mode & 07777, 0600);
	free(p);
	char target[64] = { 0 };
	p = test_path(dest, "etc/alias");
	assert_int_equal(readlink(p, target, sizeof(target) - 1), 8);
	assert_string_equal(target, "hostname");
	free(p);
	struct stat a, b;
	p = test_path(dest, "etc/hard");
	char *q = test_path(dest, "etc/hostname");
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(stat(q, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	free(p);
	free(q);
	tar_free(&t);
}

static void test_gzip_layer_gives_blob_and_diff_digests_of_each_form(void **state)
{
	(void)state;
	TarBuf t = { 0 }, gz = { 0 };
	tar_file(&t, "a", "alpha");
	tar_end(&t);
	gzip_stored(&t, &gz);
	UnpackOptions o = opts();
	UnpackResult res;
	assert_int_equal(unpack(&gz, &o, &res), 0);
	char tar_hex[SHA256_HEX_LEN + 1], gz_hex[SHA256_HEX_LEN + 1];
	assert_int_equal(sha256_data(t.data, t.len, tar_hex), 0);
	assert_int_equal(sha256_data(gz.data, gz.len, gz_hex), 0);
	assert_string_equal(res.blob_hex, gz_hex);
	assert_string_equal(res.diff_hex, tar_hex);
	assert_int_equal(res.bytes, t.len);
	char *s = read_dest("a");
	assert_string_equal(s, "alpha");
	free(s);
	tar_free(&t);
	tar_free(&gz);
}

static void test_bytes_after_the_end_marker_count_for_both_digests(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_file(&t, "a", "x");
	tar_end(&t);
	static const char tail[10240];
	tar_append(&t, tail, sizeof(tail));
	UnpackOptions o = opts();
	UnpackResult res;
	assert_int_equal(unpack(&t, &o, &res), 0);
	char hex[SHA256_HEX_LEN + 1];
	assert_int_equal(sha256_data(t.data, t.len, hex), 0);
	assert_string_equal(res.blob_hex, hex);
	assert_string_equal(res.diff_hex, hex);
	assert_int_equal(res.bytes, t.len);
	tar_free(&t);
}

static void test_absolute_path_is_refused(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_file(&t, "/escaped", "x");
	tar_end(&t);
	UnpackOptions o = opts();
	assert_int_equal(unpack(&t, &o, NULL), -EPERM);
	assert_logged("berth: layer.tar: refusing entry `/escaped`: absolute path\n");
	assert_false(test_exists(dest, "escaped"));
	tar_free(&t);
}

static void test_dotdot_is_refused_even_when_it_stays_inside(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_file(&t, "a/../../escaped", "x");
	tar_end(&t);
	UnpackOptions o = opts();
	assert_int_equal(unpack(&t, &o, NULL), -EPERM);
	assert_logged("refusing entry `a/../../escaped`: `..` in the path would leave the image");
	assert_false(test_exists(outside, "escaped"));

	tar_free(&t);
	tar_file(&t, "a/../b", "x");
	tar_end(&t);
	assert_int_equal(unpack(&t, &o, NULL), -EPERM);
	assert_logged("`a/../b`: `..` in the path");
	assert_false(test_exists(dest, "b"));
	tar_free(&t);
}

static void test_dot_components_and_repeated_slashes_are_dropped(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_dir(&t, "./d/");
	tar_file(&t, "./d//./f", "ok");
	tar_end(&t);
	UnpackOptions o = opts();
	assert_int_equal(unpack(&t, &o, NULL), 0);
	char *s = read_dest("d/f");
	assert_string_equal(s, "ok");
	free(s);
	tar_free(&t);
}

static void test_hard_link_out_of_the_tree_is_refused(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_hardlink(&t, "passwd", "../../etc/passwd");
	tar_end(&t);
	UnpackOptions o = opts();
	assert_int_equal(unpack(&t, &o, NULL), -EPERM);
	assert_logged("refusing entry `passwd`: hard link to `../../etc/passwd`: `..` in the path");
	assert_false(test_exists(dest, "passwd"));

	tar_free(&t);
	tar_hardlink(&t, "shadow", "/etc/shadow");
	tar_end(&t);
	assert_int_equal(unpack(&t, &o, NULL), -EPERM);
	assert_logged("refusing entry `shadow`: hard link to `/etc/shadow`: absolute path");
	tar_free(&t);
}

static void test_hard_link_to_the_root_is_refused(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_hardlink(&t, "root", "./");
	tar_end(&t);
	UnpackOptions o = opts();
	assert_int_equal(unpack(&t, &o, NULL), -EPERM);
	assert_logged("refusing entry `root`: hard link to `./`: the image's root");
	tar_free(&t);
}

static void test_write_through_a_symlink_is_refused(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_symlink(&t, "up", "../..");
	tar_file(&t, "up/escaped", "x");
	tar_end(&t);
	UnpackOptions o = opts();
	assert_int_equal(unpack(&t, &o, NULL), -EPERM);
	assert_logged("refusing entry `up/escaped`: ");
	assert_false(test_exists(outside, "escaped"));
	assert_false(test_exists(dest, "escaped"));
	tar_free(&t);
}

static void test_control_characters_in_a_name_are_not_printed(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_file(&t, "/x\033[2J\ny", "x");
	tar_end(&t);
	UnpackOptions o = opts();
	assert_int_equal(unpack(&t, &o, NULL), -EPERM);
	const char *l = logged();
	assert_non_null(strstr(l, "refusing entry `/x?[2J?y`: absolute path\n"));
	assert_null(strchr(l, '\033'));
	tar_free(&t);
}

static void test_overlong_name_is_cut_in_the_message(void **state)
{
	(void)state;
	char name[4001];
	name[0] = '/';
	memset(name + 1, 'n', sizeof(name) - 2);
	name[sizeof(name) - 1] = 0;
	TarBuf t = { 0 };
	tar_pax(&t, "path", name);
	tar_file(&t, "placeholder", "x");
	tar_end(&t);
	UnpackOptions o = opts();
	assert_int_equal(unpack(&t, &o, NULL), -EPERM);
	const char *l = logged();
	assert_non_null(strstr(l, "nnn...`: absolute path\n"));
	assert_true(strlen(l) < 400);
	tar_free(&t);
}

static void test_root_entry_sets_the_mode_of_the_folder(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_add(&t, &(TarEntry){ .name = "./", .type = '5', .mode = 0750, .uid = 42 });
	tar_end(&t);
	UnpackOptions o = opts();
	assert_int_equal(unpack(&t, &o, NULL), 0);
	struct stat st;
	assert_int_equal(stat(dest, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(st.st_uid, 42);

	tar_free(&t);
	tar_file(&t, ".", "not a folder");
	tar_end(&t);
	assert_int_equal(unpack(&t, &o, NULL), -EPERM);
	assert_logged("refusing entry `.`: the image's root must be a folder");
	tar_free(&t);
}

static void test_too_many_entries_is_a_tar_bomb(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_file(&t, "1", "");
	tar_file(&t, "2", "");
	tar_file(&t, "3", "");
	tar_end(&t);
	UnpackOptions o = opts();
	o.max_files = 3;
	assert_int_equal(unpack(&t, &o, NULL), 0);
	(void)rm_rf_contents(dest);
	o.max_files = 2;
	assert_int_equal(unpack(&t, &o, NULL), -EMFILE);
	assert_logged("layer.tar: more than 2 entries: refusing a possible tar bomb (see "
		      "--max-files)");
	assert_false(test_exists(dest, "3"));
	tar_free(&t);
}

static void test_entry_larger_than_the_limit_is_refused_before_it_is_written(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	/* The header claims 1 GiB; the data is not even there. */
	tar_add(&t, &(TarEntry){ .name = "big", .type = '0', .size = UINT64_C(1) << 30 });
	tar_end(&t);
	UnpackOptions o = opts();
	o.max_bytes = 1 << 20;
	assert_int_equal(unpack(&t, &o, NULL), -EFBIG);
	assert_logged("layer.tar: unpacks to more than 1048576 bytes: refusing a possible "
		      "archive bomb (see --max-size)");
	assert_false(test_exists(dest, "big"));
	tar_free(&t);
}

static void test_bomb_after_the_end_marker_is_refused(void **state)
{
	(void)state;
	TarBuf t = { 0 }, gz = { 0 };
	tar_file(&t, "a", "x");
	tar_end(&t);
	char *zeros = calloc(1, 256 * 1024);
	assert_non_null(zeros);
	tar_append(&t, zeros, 256 * 1024);
	free(zeros);
	gzip_stored(&t, &gz);
	UnpackOptions o = opts();
	o.max_bytes = 64 * 1024;
	assert_int_equal(unpack(&gz, &o, NULL), -EFBIG);
	assert_logged("unpacks to more than 65536 bytes");
	tar_free(&t);
	tar_free(&gz);
}

static void test_not_a_tar_archive_says_so(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	char junk[2048];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)('a' + i % 26);
	tar_append(&t, junk, sizeof(junk));
	UnpackOptions o = opts();
	assert_int_equal(unpack(&t, &o, NULL), -EBADMSG);
	assert_logged("layer.tar: not a tar archive (plain, gzip, bzip2, xz or zstd): ");
	tar_free(&t);
}

static void test_truncated_archive_says_so(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_file(&t, "first", "1");
	tar_add(&t,
		&(TarEntry){ .name = "cut", .type = '0', .size = 100000, .data = "abc", .len = 3 });
	UnpackOptions o = opts();
	assert_int_equal(unpack(&t, &o, NULL), -EBADMSG);
	assert_logged("layer.tar: damaged or truncated archive: ");
	tar_free(&t);
}

static bool is_whiteout_node(const char *rel)
{
	char *p = test_path(dest, rel);
	struct stat st;
	bool r = lstat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
	free(p);
	return r;
}

static bool is_opaque(const char *rel)
{
	char *p = test_path(dest, rel);
	char v[4] = { 0 };
	ssize_t n = lgetxattr(p, "trusted.overlay.opaque", v, sizeof(v));
	free(p);
	return n == 1 && v[0] == 'y';
}

static void test_whiteouts_become_overlayfs_whiteouts_and_opaque_folders(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_dir(&t, "etc/");
	tar_file(&t, "etc/.wh.motd", "");
	tar_dir(&t, "var/");
	tar_file(&t, "var/.wh..wh..opq", "");
	tar_file(&t, ".wh..wh.plnk", "");
	tar_end(&t);
	UnpackOptions o = opts();
	o.whiteouts = true;
	assert_int_equal(unpack(&t, &o, NULL), 0);
	assert_true(is_whiteout_node("etc/motd"));
	assert_false(test_exists(dest, "etc/.wh.motd"));
	assert_true(is_opaque("var"));
	assert_false(is_opaque("etc"));
	assert_false(test_exists(dest, "var/.wh..wh..opq"));
	assert_false(test_exists(dest, ".wh..wh.plnk"));
	assert_false(test_exists(dest, "plnk"));
	tar_free(&t);
}

static void test_whiteout_names_are_plain_files_without_the_option(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_file(&t, ".wh.motd", "kept");
	tar_end(&t);
	UnpackOptions o = opts();
	assert_int_equal(unpack(&t, &o, NULL), 0);
	char *s = read_dest(".wh.motd");
	assert_string_equal(s, "kept");
	free(s);
	assert_false(test_exists(dest, "motd"));
	tar_free(&t);
}

static void test_whiteout_does_not_hide_a_file_of_its_own_layer(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_file(&t, "f", "mine");
	tar_file(&t, ".wh.f", "");
	tar_end(&t);
	UnpackOptions o = opts();
	o.whiteouts = true;
	assert_int_equal(unpack(&t, &o, NULL), 0);
	char *s = read_dest("f");
	assert_string_equal(s, "mine");
	free(s);
	tar_free(&t);
}

static void test_folder_replacing_a_whiteout_is_opaque(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_file(&t, ".wh.d", "");
	tar_dir(&t, "d/");
	tar_file(&t, "d/new", "n");
	tar_end(&t);
	UnpackOptions o = opts();
	o.whiteouts = true;
	assert_int_equal(unpack(&t, &o, NULL), 0);
	char *p = test_path(dest, "d");
	assert_true(is_dir(p));
	free(p);
	assert_true(is_opaque("d"));
	assert_true(test_exists(dest, "d/new"));
	tar_free(&t);
}

static void test_invalid_whiteouts_are_refused(void **state)
{
	(void)state;
	UnpackOptions o = opts();
	o.whiteouts = true;
	/* No name, ".", "..": nothing a whiteout can hide. */
	static const char *const bad[] = { "d/.wh.", ".wh..", ".wh..." };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		TarBuf t = { 0 };
		tar_dir(&t, "d/");
		tar_file(&t, bad[i], "");
		tar_end(&t);
		assert_int_equal(unpack(&t, &o, NULL), -EPERM);
		assert_logged("not a valid whiteout");
		tar_free(&t);
		(void)rm_rf_contents(dest);
	}
}

static void test_opaque_marker_in_a_file_or_through_a_symlink_is_refused(void **state)
{
	(void)state;
	UnpackOptions o = opts();
	o.whiteouts = true;

	TarBuf t = { 0 };
	tar_file(&t, "f", "file");
	tar_file(&t, "f/.wh..wh..opq", "");
	tar_end(&t);
	assert_int_equal(unpack(&t, &o, NULL), -EPERM);
	assert_logged("refusing entry `f`: an opaque-folder marker in a non-folder");
	tar_free(&t);
	(void)rm_rf_contents(dest);

	/* The link points at a folder of the host were it followed. */
	char *target = test_path(outside, "victim");
	assert_int_equal(mkdir(target, 0755), 0);
	tar_symlink(&t, "s", target);
	tar_file(&t, "s/.wh..wh..opq", "");
	tar_end(&t);
	assert_int_equal(unpack(&t, &o, NULL), -EPERM);
	assert_logged("refusing entry `s`: an opaque-folder marker in a non-folder");
	char v[4];
	assert_true(lgetxattr(target, "trusted.overlay.opaque", v, sizeof(v)) < 0);
	free(target);
	tar_free(&t);
}

static void test_overlay_xattrs_of_an_archive_are_dropped(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_pax(&t, "SCHILY.xattr.trusted.overlay.redirect", "/etc");
	tar_dir(&t, "d/");
	tar_pax(&t, "SCHILY.xattr.user.keep", "yes");
	tar_file(&t, "f", "x");
	tar_pax(&t, "SCHILY.xattr.user.overlay.origin", "x");
	tar_file(&t, "g", "y");
	tar_end(&t);
	UnpackOptions o = opts();
	assert_int_equal(unpack(&t, &o, NULL), 0);
	char v[16] = { 0 };
	char *d = test_path(dest, "d"), *f = test_path(dest, "f"), *g = test_path(dest, "g");
	assert_true(lgetxattr(d, "trusted.overlay.redirect", v, sizeof(v)) < 0);
	assert_int_equal(errno, ENODATA);
	assert_true(lgetxattr(g, "user.overlay.origin", v, sizeof(v)) < 0);
	/* Other xattrs stay. */
	assert_int_equal(lgetxattr(f, "user.keep", v, sizeof(v)), 3);
	assert_memory_equal(v, "yes", 3);
	free(d);
	free(f);
	free(g);
	tar_free(&t);
}

static void test_missing_destination_is_named(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_end(&t);
	int fd = memfd_of(t.data, t.len);
	UnpackOptions o = opts();
	UnpackResult res;
	char *missing = test_path(outside, "missing");
	assert_int_equal(unpack_tar_fd(fd, missing, &o, &res), -ENOENT);
	assert_logged("enter `");
	close(fd);
	free(missing);
	tar_free(&t);
}

/* A layer inside an outer tar (docker save), fed through a pipe. */
static struct archive *open_outer(const TarBuf *outer, const char *member)
{
	char *file = test_path(outside, "outer.tar");
	test_write(outside, "outer.tar", outer->data, outer->len);
	assert_int_equal(dl_archive_load(), 0);
	struct archive *a = archive_read_new();
	assert_non_null(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, file, 10240), ARCHIVE_OK);
	free(file);
	struct archive_entry *e;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK)
		if (streq(archive_entry_pathname(e), member))
			return a;
	fail_msg("no member %s", member);
	return NULL;
}

static void test_entry_of_an_outer_archive_unpacks(void **state)
{
	(void)state;
	TarBuf inner = { 0 }, outer = { 0 };
	tar_file(&inner, "hello", "world");
	tar_end(&inner);
	tar_file(&outer, "other", "zzz");
	tar_add(&outer, &(TarEntry){ .name = "l/layer.tar", .data = inner.data, .len = inner.len });
	tar_end(&outer);
	struct archive *a = open_outer(&outer, "l/layer.tar");
	UnpackOptions o = opts();
	UnpackResult res;
	assert_int_equal(unpack_tar_entry(a, dest, &o, &res), 0);
	archive_read_free(a);
	char hex[SHA256_HEX_LEN + 1];
	assert_int_equal(sha256_data(inner.data, inner.len, hex), 0);
	assert_string_equal(res.diff_hex, hex);
	assert_int_equal(res.files, 1);
	char *s = read_dest("hello");
	assert_string_equal(s, "world");
	free(s);
	tar_free(&inner);
	tar_free(&outer);
}

static void test_refused_entry_of_an_outer_archive_reports_the_childs_reason(void **state)
{
	(void)state;
	TarBuf inner = { 0 }, outer = { 0 };
	tar_file(&inner, "../escape", "x");
	/* Enough data after it that the child stops reading first. */
	char *big = calloc(1, 1 << 20);
	assert_non_null(big);
	tar_add(&inner, &(TarEntry){ .name = "big", .data = big, .len = 1 << 20 });
	free(big);
	tar_end(&inner);
	tar_add(&outer, &(TarEntry){ .name = "layer.tar", .data = inner.data, .len = inner.len });
	tar_end(&outer);
	struct archive *a = open_outer(&outer, "layer.tar");
	UnpackOptions o = opts();
	UnpackResult res;
	assert_int_equal(unpack_tar_entry(a, dest, &o, &res), -EPERM);
	archive_read_free(a);
	const char *l = logged();
	assert_non_null(strstr(l, "refusing entry `../escape`"));
	assert_null(strstr(l, "unpacking process"));
	assert_false(test_exists(outside, "escape"));
	tar_free(&inner);
	tar_free(&outer);
}

static void test_truncated_outer_archive_is_our_error_not_the_childs(void **state)
{
	(void)state;
	TarBuf inner = { 0 }, outer = { 0 };
	char *big = calloc(1, 256 * 1024);
	assert_non_null(big);
	tar_add(&inner, &(TarEntry){ .name = "big", .data = big, .len = 256 * 1024 });
	free(big);
	tar_end(&inner);
	tar_add(&outer, &(TarEntry){ .name = "layer.tar", .data = inner.data, .len = inner.len });
	/* The outer file ends half-way through the member. */
	outer.len = 512 + inner.len / 2;
	struct archive *a = open_outer(&outer, "layer.tar");
	UnpackOptions o = opts();
	UnpackResult res;
	assert_int_equal(unpack_tar_entry(a, dest, &o, &res), -EBADMSG);
	archive_read_free(a);
	const char *l = logged();
	assert_non_null(strstr(l, "berth: layer.tar: damaged or truncated archive: "));
	/* One line: the child, killed, adds nothing of its own. */
	assert_int_equal(strchr(l, '\n') - l + 1, (ptrdiff_t)strlen(l));
	tar_free(&inner);
	tar_free(&outer);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)
	/* Every one unpacks. */
	const struct CMUnitTest root_tests[] = {
		T(test_plain_tar_unpacks_with_both_digests_and_counts),
		T(test_gzip_layer_gives_blob_and_diff_digests_of_each_form),
		T(test_bytes_after_the_end_marker_count_for_both_digests),
		T(test_absolute_path_is_refused),
		T(test_dotdot_is_refused_even_when_it_stays_inside),
		T(test_dot_components_and_repeated_slashes_are_dropped),
		T(test_hard_link_out_of_the_tree_is_refused),
		T(test_hard_link_to_the_root_is_refused),
		T(test_write_through_a_symlink_is_refused),
		T(test_control_characters_in_a_name_are_not_printed),
		T(test_overlong_name_is_cut_in_the_message),
		T(test_root_entry_sets_the_mode_of_the_folder),
		T(test_too_many_entries_is_a_tar_bomb),
		T(test_entry_larger_than_the_limit_is_refused_before_it_is_written),
		T(test_bomb_after_the_end_marker_is_refused),
		T(test_not_a_tar_archive_says_so),
		T(test_truncated_archive_says_so),
		T(test_whiteouts_become_overlayfs_whiteouts_and_opaque_folders),
		T(test_whiteout_names_are_plain_files_without_the_option),
		T(test_whiteout_does_not_hide_a_file_of_its_own_layer),
		T(test_folder_replacing_a_whiteout_is_opaque),
		T(test_invalid_whiteouts_are_refused),
		T(test_opaque_marker_in_a_file_or_through_a_symlink_is_refused),
		T(test_overlay_xattrs_of_an_archive_are_dropped),
		T(test_missing_destination_is_named),
		T(test_entry_of_an_outer_archive_unpacks),
		T(test_refused_entry_of_an_outer_archive_reports_the_childs_reason),
		T(test_truncated_outer_archive_is_our_error_not_the_childs),
	};
#undef T
	return run_image_tests_n(NULL, 0, root_tests, ELEMENTSOF(root_tests), test_log_setup,
				 test_log_teardown);
}
