/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/image-pack.c, linked from libcli.a: a folder in
 * OverlayFS form packs into the same bytes every time, in OCI form
 * (.wh. whiteouts, no OverlayFS xattrs), and berth's own unpacker gives
 * the folder back. Whiteout devices and trusted.* xattrs need root, and
 * unpacking chroots: those tests are left out when not root. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "dl-archive.h"
#include "image-pack.h"
#include "image-test-util.h"
#include "image-unpack.h"
#include "sha256.h"

#define PASSWD "root:x:0:0:root:/root:/bin/sh\n"

/* What make_tree()'s folder packs to, in order. */
static const char *const tree_entries[] = {
	"./",   ".wh.gone",         "etc/",     "etc/hard", "etc/link", "etc/passwd", "fifo",
	"opq/", "opq/.wh..wh..opq", "opq/keep", "usr/",     "usr/bin/",
};

static char *tmp, *src;

static int each_setup(void **state)
{
	(void)state;
	tmp = test_mkdtemp();
	src = test_path(tmp, "src");
	if (mkdir(src, 0755) < 0)
		return -1;
	(void)logged();
	return 0;
}

static int each_teardown(void **state)
{
	(void)state;
	(void)rm_rf(tmp);
	free(src);
	free(tmp);
	return 0;
}

static void at(const char *root, const char *rel, char **ret)
{
	free(*ret);
	*ret = test_path(root, rel);
}

static void set_xattr(const char *root, const char *rel, const char *name, const char *value)
{
	char *p = test_path(root, rel);
	assert_int_equal(lsetxattr(p, name, value, strlen(value), 0), 0);
	free(p);
}

/* An unpacked layer, or a container's upper folder: a file with xattrs
 * and a second link, a symlink, a fifo, a socket, a whiteout, an opaque
 * folder, and an xattr of OverlayFS's own. */
static void make_tree(const char *root)
{
	char *p = NULL;
	at(root, "etc", &p);
	assert_int_equal(mkdir(p, 0755), 0);
	at(root, "usr", &p);
	assert_int_equal(mkdir(p, 0755), 0);
	at(root, "usr/bin", &p);
	assert_int_equal(mkdir(p, 0755), 0);
	at(root, "opq", &p);
	assert_int_equal(mkdir(p, 0700), 0);

	test_write(root, "etc/passwd", PASSWD, strlen(PASSWD));
	at(root, "etc/passwd", &p);
	assert_int_equal(chown(p, 12, 34), 0);
	assert_int_equal(chmod(p, 0640), 0);
	set_xattr(root, "etc/passwd", "user.b", "2");
	set_xattr(root, "etc/passwd", "user.a", "1");
	set_xattr(root, "etc/passwd", "user.overlay.origin", "x");
	char *hard = test_path(root, "etc/hard");
	assert_int_equal(link(p, hard), 0);
	free(hard);
	at(root, "etc/link", &p);
	assert_int_equal(symlink("passwd", p), 0);
	set_xattr(root, "etc", "trusted.overlay.impure", "y");

	at(root, "gone", &p);
	assert_int_equal(mknod(p, S_IFCHR | 0, makedev(0, 0)), 0);
	at(root, "fifo", &p);
	assert_int_equal(mkfifo(p, 0600), 0);
	test_write(root, "opq/keep", "k\n", 2);
	set_xattr(root, "opq", "trusted.overlay.opaque", "y");

	at(root, "sock", &p);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	assert_true(strlen(p) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, p);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	free(p);
}

/* Packs dir into tmp/NAME; returns the file, open for reading at 0. */
static int pack_to(const char *dir, const char *name, bool gzip, PackResult *res)
{
	char *p = test_path(tmp, name);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	free(p);
	assert_true(fd >= 0);
	PackOptions o = { .gzip = gzip, .what = "layer" };
	assert_int_equal(layer_pack_dir(dir, fd, &o, res), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* Somewhere to write a layer that is expected to fail. */
static int scratch_fd(void)
{
	char *p = test_path(tmp, "scratch");
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	free(p);
	assert_true(fd >= 0);
	return fd;
}

static char *read_all(int fd, size_t *ret_size)
{
	char *data = NULL;
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(read_full_fd(fd, &data, ret_size), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return data;
}

static void assert_one_line(const char *l)
{
	const char *nl = strchr(l, '\n');
	assert_non_null(nl);
	assert_null(strchr(nl + 1, '\n'));
}

/* The digests, the size and the count say what was written. */
static void assert_result_matches_file(const PackResult *res, int fd, size_t n_entries)
{
	char hex[SHA256_HEX_LEN + 1];
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(res->blob_size, (uint64_t)st.st_size);
	assert_int_equal(sha256_fd(fd, hex), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_string_equal(res->blob_hex, hex);
	assert_int_equal(res->files, n_entries);
}

static void test_same_folder_packs_to_the_same_bytes(void **state)
{
	(void)state;
	make_tree(src);
	for (int gzip = 0; gzip <= 1; gzip++) {
		PackResult a, b;
		int fa = pack_to(src, "a", gzip, &a);
		int fb = pack_to(src, "b", gzip, &b);
		assert_string_equal(a.diff_hex, b.diff_hex);
		assert_string_equal(a.blob_hex, b.blob_hex);
		assert_int_equal(a.blob_size, b.blob_size);
		assert_int_equal(a.files, b.files);
		size_t na, nb;
		char *da = read_all(fa, &na), *db = read_all(fb, &nb);
		assert_int_equal(na, nb);
		assert_memory_equal(da, db, na);
		assert_result_matches_file(&a, fa, ELEMENTSOF(tree_entries));
		if (gzip) {
			assert_string_not_equal(a.blob_hex, a.diff_hex);
			/* gzip magic, deflate, no FNAME flag, mtime 0. */
			assert_true(na > 10);
			assert_memory_equal(da, "\x1f\x8b\x08\x00\x00\x00\x00\x00", 8);
		} else
			assert_string_equal(a.blob_hex, a.diff_hex);
		free(da);
		free(db);
		close(fa);
		close(fb);
	}
	assert_string_equal(logged(), "");
}

/* libarchive's pax headers can carry a pid or the time; ours do not. */
static void test_another_process_later_packs_the_same_bytes(void **state)
{
	(void)state;
	make_tree(src);
	PackResult here;
	close(pack_to(src, "here", true, &here));
	sleep(1);
	int pfd[2];
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		PackResult there = { 0 };
		PackOptions o = { .gzip = true, .what = "layer" };
		char *p = test_path(tmp, "there");
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int r = fd < 0 ? -errno : layer_pack_dir(src, fd, &o, &there);
		_exit(r == 0 && write_all(pfd[1], &there, sizeof(there)) == 0 ? 0 : 1);
	}
	close(pfd[1]);
	PackResult there;
	assert_int_equal(read(pfd[0], &there, sizeof(there)), (ssize_t)sizeof(there));
	close(pfd[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_string_equal(here.diff_hex, there.diff_hex);
	assert_string_equal(here.blob_hex, there.blob_hex);
}

static void assert_xattr(const char *root, const char *rel, const char *name, const char *value)
{
	char *p = test_path(root, rel);
	char buf[64];
	ssize_t n = lgetxattr(p, name, buf, sizeof(buf));
	if (!value)
		assert_true(n < 0 && errno == ENODATA);
	else {
		assert_int_equal(n, (ssize_t)strlen(value));
		assert_memory_equal(buf, value, (size_t)n);
	}
	free(p);
}

static void lstat_at(const char *root, const char *rel, struct stat *st)
{
	char *p = test_path(root, rel);
	assert_int_equal(lstat(p, st), 0);
	free(p);
}

static void test_unpacking_gives_the_folder_back(void **state)
{
	(void)state;
	make_tree(src);
	PackResult packed;
	int fd = pack_to(src, "layer.tar.gz", true, &packed);
	char *dest = test_path(tmp, "dest");
	assert_int_equal(mkdir(dest, 0755), 0);
	UnpackOptions uo = {
		.what = "layer",
		.whiteouts = true,
		.max_files = 1000,
		.max_bytes = UINT64_C(1) << 30,
	};
	UnpackResult unpacked;
	assert_int_equal(unpack_tar_fd(fd, dest, &uo, &unpacked), 0);
	close(fd);
	/* The unpacker hashes both forms of the stream itself. */
	assert_string_equal(unpacked.blob_hex, packed.blob_hex);
	assert_string_equal(unpacked.diff_hex, packed.diff_hex);
	assert_int_equal(unpacked.files, packed.files);

	struct stat st, st2;
	lstat_at(dest, "gone", &st);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	assert_false(test_exists(dest, ".wh.gone"));
	assert_xattr(dest, "opq", "trusted.overlay.opaque", "y");
	assert_false(test_exists(dest, "opq/.wh..wh..opq"));
	lstat_at(dest, "opq", &st);
	assert_int_equal(st.st_mode & 07777, 0700);

	char *p = test_path(dest, "opq/keep"), *data = NULL;
	size_t size;
	assert_int_equal(read_full_file(p, &data, &size), 0);
	assert_int_equal(size, 2);
	assert_memory_equal(data, "k\n", 2);
	free(data);
	free(p);
	p = test_path(dest, "etc/passwd");
	assert_int_equal(read_full_file(p, &data, &size), 0);
	assert_int_equal(size, strlen(PASSWD));
	assert_memory_equal(data, PASSWD, size);
	free(data);
	free(p);
	lstat_at(dest, "etc/passwd", &st);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, 12);
	assert_int_equal(st.st_gid, 34);
	assert_int_equal(st.st_nlink, 2);
	lstat_at(dest, "etc/hard", &st2);
	assert_int_equal(st.st_ino, st2.st_ino);
	assert_xattr(dest, "etc/passwd", "user.a", "1");
	assert_xattr(dest, "etc/passwd", "user.b", "2");
	assert_xattr(dest, "etc/passwd", "user.overlay.origin", NULL);
	assert_xattr(dest, "etc", "trusted.overlay.impure", NULL);

	char target[16];
	p = test_path(dest, "etc/link");
	assert_int_equal(readlink(p, target, sizeof(target)), 6);
	assert_memory_equal(target, "passwd", 6);
	free(p);
	lstat_at(dest, "fifo", &st);
	assert_true(S_ISFIFO(st.st_mode));
	assert_false(test_exists(dest, "sock"));

	/* All of it: packed again, the folder gives the same tar. Only the
	 * root's time is not set by the unpacker. */
	lstat_at(src, ".", &st);
	assert_int_equal(
		utimensat(AT_FDCWD, dest, (struct timespec[]){ st.st_atim, st.st_mtim }, 0), 0);
	PackResult again;
	close(pack_to(dest, "again.tar.gz", true, &again));
	assert_string_equal(again.diff_hex, packed.diff_hex);
	free(dest);
}

/* A reader of the plain tar file path, with berth's libarchive. */
static struct archive *tar_open(const char *path)
{
	assert_int_equal(dl_archive_load(), 0);
	struct archive *a = archive_read_new();
	assert_non_null(a);
	assert_int_equal(archive_read_support_format_tar(a), ARCHIVE_OK);
	assert_int_equal(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
	return a;
}

static uint64_t octal(const unsigned char *f, size_t width)
{
	uint64_t v = 0;
	for (size_t i = 0; i < width && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (f[i] - '0');
	return v;
}

/* Every ustar header, pax ones too: no user or group name. */
static void assert_no_owner_names(const unsigned char *tar, size_t len)
{
	static const unsigned char zero[64];
	size_t off = 0, headers = 0;
	while (off + 512 <= len && memcmp(tar + off, zero, sizeof(zero)) != 0) {
		const unsigned char *h = tar + off;
		assert_memory_equal(h + 257, "ustar", 5);
		assert_memory_equal(h + 265, zero, 32); /* uname */
		assert_memory_equal(h + 297, zero, 32); /* gname */
		off += 512 + (octal(h + 124, 12) + 511) / 512 * 512;
		headers++;
	}
	assert_true(headers >= ELEMENTSOF(tree_entries));
}

static void test_stream_has_oci_whiteouts_and_no_overlay_xattrs(void **state)
{
	(void)state;
	make_tree(src);
	PackResult res;
	int fd = pack_to(src, "layer.tar", false, &res);
	size_t len;
	char *tar = read_all(fd, &len);
	assert_null(memmem(tar, len, "overlay", 7));
	assert_no_owner_names((const unsigned char *)tar, len);
	free(tar);

	char *path = test_path(tmp, "layer.tar");
	struct archive *a = tar_open(path);
	free(path);
	size_t i = 0;
	struct archive_entry *e;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		assert_true(i < ELEMENTSOF(tree_entries));
		assert_string_equal(name, tree_entries[i]);
		i++;

		/* Only the file's own user.*, each once. */
		const char *xname;
		const void *xvalue;
		size_t xsize, n_xattrs = 0;
		archive_entry_xattr_reset(e);
		while (archive_entry_xattr_next(e, &xname, &xvalue, &xsize) == ARCHIVE_OK) {
			assert_int_equal(xsize, 1);
			if (streq(xname, "user.a"))
				assert_memory_equal(xvalue, "1", 1);
			else if (streq(xname, "user.b"))
				assert_memory_equal(xvalue, "2", 1);
			else
				fail_msg("xattr %s in %s", xname, name);
			n_xattrs++;
		}
		assert_int_equal(n_xattrs, streq(name, "etc/hard") ? 2 : 0);

		if (test_endswith(name, ".wh.gone") || test_endswith(name, "/.wh..wh..opq")) {
			assert_int_equal(archive_entry_filetype(e), AE_IFREG);
			assert_int_equal(archive_entry_perm(e), 0);
			assert_int_equal(archive_entry_uid(e), 0);
			assert_int_equal(archive_entry_gid(e), 0);
			assert_int_equal(archive_entry_size(e), 0);
		}
		if (streq(name, "etc/passwd"))
			assert_string_equal(archive_entry_hardlink(e), "etc/hard");
		else
			assert_null(archive_entry_hardlink(e));
		if (streq(name, "etc/link"))
			assert_string_equal(archive_entry_symlink(e), "passwd");
		if (streq(name, "fifo"))
			assert_int_equal(archive_entry_filetype(e), AE_IFIFO);
	}
	assert_int_equal(i, ELEMENTSOF(tree_entries));
	archive_read_free(a);
	close(fd);
}

/* Names of the entries of a plain tar file, in order, joined by spaces. */
static char *tar_names(const char *path)
{
	struct archive *a = tar_open(path);
	char **names = NULL;
	struct archive_entry *e;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK)
		assert_int_equal(strv_push(&names, archive_entry_pathname(e)), 0);
	archive_read_free(a);
	char *joined = strv_join(names, " ");
	assert_non_null(joined);
	strv_free(names);
	return joined;
}

/* A folder mounted inside is written, what is in it is not (as with
 * tar --one-file-system). The mount lives in a mount namespace of a
 * child of ours, and goes with it. */
static void test_other_file_system_is_not_entered(void **state)
{
	(void)state;
	test_write(src, "a", "a", 1);
	char *mnt = test_path(src, "mnt"), *out = test_path(tmp, "layer.tar");
	assert_int_equal(mkdir(mnt, 0755), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", mnt, "tmpfs", 0, "mode=0750") < 0)
			_exit(2);
		char *inside = test_path(mnt, "inside");
		int fd = open(inside, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			_exit(3);
		close(fd);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		PackOptions o = { .what = "layer" };
		PackResult res;
		_exit(fd >= 0 && layer_pack_dir(src, fd, &o, &res) == 0 ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 2) {
		printf("# no mount namespace here: %s not run\n", __func__);
		free(mnt);
		free(out);
		return;
	}
	assert_int_equal(WEXITSTATUS(status), 0);
	char *names = tar_names(out);
	assert_string_equal(names, "./ a mnt/");
	free(names);
	free(mnt);
	free(out);
}

static void test_name_that_reads_as_a_whiteout_is_refused(void **state)
{
	(void)state;
	test_write(src, ".wh.x", "", 0);
	PackResult res;
	PackOptions o = { .what = "layer" };
	int fd = scratch_fd();
	assert_int_equal(layer_pack_dir(src, fd, &o, &res), -EINVAL);
	close(fd);
	const char *l = logged();
	char *p = test_path(src, ".wh.x");
	assert_non_null(strstr(l, p));
	assert_one_line(l);
	free(p);
}

static void test_metacopy_file_is_refused(void **state)
{
	(void)state;
	test_write(src, "big", "", 0);
	set_xattr(src, "big", "trusted.overlay.metacopy", "");
	PackResult res;
	PackOptions o = { .what = "layer" };
	int fd = scratch_fd();
	assert_int_equal(layer_pack_dir(src, fd, &o, &res), -EOPNOTSUPP);
	close(fd);
	const char *l = logged();
	char *p = test_path(src, "big");
	assert_non_null(strstr(l, p));
	assert_non_null(strstr(l, "metacopy"));
	assert_one_line(l);
	free(p);
}

static void test_missing_folder_is_named(void **state)
{
	(void)state;
	char *missing = test_path(tmp, "missing");
	PackResult res;
	PackOptions o = { .what = "layer" };
	int fd = scratch_fd();
	assert_int_equal(layer_pack_dir(missing, fd, &o, &res), -ENOENT);
	close(fd);
	const char *l = logged();
	assert_non_null(strstr(l, missing));
	assert_one_line(l);
	free(missing);
}

static void test_write_error_is_one_line(void **state)
{
	(void)state;
	test_write(src, "f", "data", 4);
	char *out = test_path(tmp, "out");
	test_write(tmp, "out", "", 0);
	int fd = open(out, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	for (int gzip = 0; gzip <= 1; gzip++) {
		PackResult res;
		PackOptions o = { .gzip = gzip, .what = "layer" };
		assert_int_equal(layer_pack_dir(src, fd, &o, &res), -EBADF);
		const char *l = logged();
		assert_non_null(strstr(l, "layer: write the layer: "));
		assert_one_line(l);
	}
	close(fd);
	free(out);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)
	const struct CMUnitTest tests[] = {
		T(test_missing_folder_is_named),
		T(test_write_error_is_one_line),
		T(test_name_that_reads_as_a_whiteout_is_refused),
	};
	/* Whiteout devices, trusted.* xattrs, unpacking. */
	const struct CMUnitTest root_tests[] = {
		T(test_same_folder_packs_to_the_same_bytes),
		T(test_another_process_later_packs_the_same_bytes),
		T(test_unpacking_gives_the_folder_back),
		T(test_stream_has_oci_whiteouts_and_no_overlay_xattrs),
		T(test_metacopy_file_is_refused),
		T(test_other_file_system_is_not_entered),
	};
#undef T
	return run_image_tests(tests, root_tests, test_log_setup, test_log_teardown);
}
