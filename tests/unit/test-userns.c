/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/userns.c, linked from libcli.a: --uidmap/--gidmap
 * CONTAINER:HOST:SIZE read, the first free host range of --userns auto
 * (from the state DB), and the chown'd copy of an image's layers: every
 * kind of file, its owner moved under the maps (unmapped: nobody), its
 * mode (set-id bits too), times and overlay xattrs kept, a signal
 * calling the copy off. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "cancel.h"
#include "cli-test.h"
#include "userns.h"

static int setup(void **state)
{
	(void)state;
	test_log_catch();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_log_release();
	return 0;
}

static void test_id_map_parse_reads_three_numbers(void **state)
{
	(void)state;
	SpecIdMap m = { 1, 2, 3 };
	assert_int_equal(id_map_parse("0:100000:65536", &m), 0);
	assert_int_equal(m.container_id, 0);
	assert_int_equal(m.host_id, 100000);
	assert_int_equal(m.size, 65536);
	assert_int_equal(id_map_parse("4294967294:0:1", &m), 0);
	assert_int_equal(m.container_id, 4294967294u);
}

static void test_id_map_parse_refuses_the_rest(void **state)
{
	(void)state;
	const char *bad[] = {
		"",       "0",       "0:1",     "0:1:",    ":1:2",  "0::2",
		"0:1:0",  "0:1:2:3", "-1:0:1",  "0:-1:1",  "a:b:c", "0:1:4294967296",
		"0:1: 2", "0x1:0:1", "1.5:0:1", "0:1:2\n",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		SpecIdMap m = { 7, 8, 9 };
		assert_int_equal(id_map_parse(bad[i], &m), -EINVAL);
		/* Not written on failure. */
		assert_int_equal(m.container_id, 7);
		assert_int_equal(m.host_id, 8);
		assert_int_equal(m.size, 9);
	}
	/* The parser prints nothing: its caller names the option. */
	assert_string_equal(logged(), "");
}

static void insert_with_base(Cli *cli, int n, int64_t base)
{
	sqlite3 *db;
	assert_int_equal(cli_db(cli, &db), 0);
	char id[65], name[32];
	snprintf(id, sizeof(id), "%064d", n);
	snprintf(name, sizeof(name), "c%d", n);
	ContainerRow row = {
		.id = id,
		.name = name,
		.image = (char *)"busybox",
		.command = (char *)"[\"sh\"]",
		.state = STATE_EXITED,
		.created_at = (char *)"2026-12-06T00:00:00Z",
		.rootfs = (char *)"",
		.bundle = (char *)"",
		.userns_base = base,
	};
	assert_int_equal(db_container_insert(db, &row), 0);
}

static uint32_t auto_base(Cli *cli)
{
	uint32_t base = 0;
	assert_int_equal(userns_auto_base(cli, &base), 0);
	return base;
}

static void test_auto_base_takes_the_first_free_range(void **state)
{
	(void)state;
	Cli cli;
	test_cli_init(&cli, "test-userns-db");
	/* None taken: the first. */
	assert_int_equal(auto_base(&cli), USERNS_AUTO_FIRST);
	/* A container without --userns auto takes none. */
	insert_with_base(&cli, 1, 0);
	assert_int_equal(auto_base(&cli), USERNS_AUTO_FIRST);
	insert_with_base(&cli, 2, USERNS_AUTO_FIRST);
	assert_int_equal(auto_base(&cli), USERNS_AUTO_FIRST + USERNS_AUTO_SIZE);
	/* Inserted out of order: the list is read sorted. */
	insert_with_base(&cli, 3, USERNS_AUTO_FIRST + 2 * USERNS_AUTO_SIZE);
	insert_with_base(&cli, 4, USERNS_AUTO_FIRST + USERNS_AUTO_SIZE);
	assert_int_equal(auto_base(&cli), USERNS_AUTO_FIRST + 3 * USERNS_AUTO_SIZE);
	test_cli_done(&cli);
}

static void test_auto_base_fills_a_hole(void **state)
{
	(void)state;
	Cli cli;
	test_cli_init(&cli, "test-userns-hole");
	/* The first range was freed (its container removed). */
	insert_with_base(&cli, 1, USERNS_AUTO_FIRST + USERNS_AUTO_SIZE);
	insert_with_base(&cli, 2, USERNS_AUTO_FIRST + 2 * USERNS_AUTO_SIZE);
	assert_int_equal(auto_base(&cli), USERNS_AUTO_FIRST);
	insert_with_base(&cli, 3, USERNS_AUTO_FIRST);
	insert_with_base(&cli, 4, USERNS_AUTO_FIRST + 4 * USERNS_AUTO_SIZE);
	/* One in the middle. */
	assert_int_equal(auto_base(&cli), USERNS_AUTO_FIRST + 3 * USERNS_AUTO_SIZE);
	test_cli_done(&cli);
}

static void test_auto_base_with_a_root_it_cannot_make_fails(void **state)
{
	(void)state;
	Cli cli = { .argv0 = "berth" };
	_cleanup_free_ char *dir = test_make_dir("test-userns-file");
	test_write_file(dir, "file", "");
	_cleanup_free_ char *root = test_path(dir, "file/root");
	assert_int_equal(paths_init(&cli.paths, root), 0);
	uint32_t base = 7;
	assert_true(userns_auto_base(&cli, &base) < 0);
	assert_int_equal(base, 7);
	assert_non_null(strstr(logged(), "/file/root"));
	paths_done(&cli.paths);
	assert_int_equal(rm_rf(dir), 0);
}

static const SpecIdMap maps[] = { { 0, 200000, 1000 }, { 1000, 300000, 65536 } };

static ContainerSpec mapped_spec(void)
{
	return (ContainerSpec){
		.uid_maps = (SpecIdMap *)maps,
		.n_uid_maps = ELEMENTSOF(maps),
		.gid_maps = (SpecIdMap *)maps,
		.n_gid_maps = ELEMENTSOF(maps),
	};
}

static void make_at(const char *dir, const char *name, mode_t mode, uid_t uid, gid_t gid)
{
	_cleanup_free_ char *p = test_path(dir, name);
	assert_int_equal(lchown(p, uid, gid), 0);
	if (!S_ISLNK(mode))
		assert_int_equal(chmod(p, mode & 07777), 0);
}

static void lstat_at(const char *dir, const char *name, struct stat *st)
{
	_cleanup_free_ char *p = test_path(dir, name);
	assert_int_equal(lstat(p, st), 0);
}

static void test_shift_copies_every_kind_of_file_with_owners_moved(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* files of other owners: chown */
	_cleanup_free_ char *dir = test_make_dir("test-userns-shift");
	_cleanup_free_ char *layer = test_path(dir, "layer"), *dst = test_path(dir, "shifted");
	_cleanup_free_ char *out = test_path(dst, "0"), *p = NULL;
	test_write_file(layer, "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
	test_write_file(layer, "home/u/notes", "a note");
	test_write_file(layer, "bin/su", "#!/bin/sh\n");
	p = test_path(layer, "bin/sh");
	assert_int_equal(symlink("busybox", p), 0);
	free(p);
	p = test_path(layer, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	free(p);
	p = test_path(layer, "null");
	assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
	free(p);
	make_at(layer, "home/u", 0750, 1500, 1500);
	make_at(layer, "home/u/notes", 0640, 1500, 1501);
	make_at(layer, "bin/su", 04755, 0, 0);
	make_at(layer, "bin/sh", S_IFLNK, 999, 999);
	/* Beyond the maps: the host's nobody. */
	make_at(layer, "fifo", 0600, 70000, 5);
	make_at(layer, ".", 0755, 0, 0);
	struct timespec old[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1234567890 } };
	p = test_path(layer, "home/u/notes");
	assert_int_equal(utimensat(AT_FDCWD, p, old, 0), 0);
	free(p);
	/* Overlay metadata is kept, other trusted xattrs are not. */
	p = test_path(layer, "home");
	bool xattrs = setxattr(p, "trusted.overlay.opaque", "y", 1, 0) == 0 &&
		      setxattr(p, "trusted.other", "z", 1, 0) == 0 &&
		      setxattr(p, "user.note", "kept", 4, 0) == 0;
	free(p);

	ContainerSpec spec = mapped_spec();
	char *layers[] = { layer, NULL };
	assert_int_equal(userns_shift_layers(layers, dst, &spec), 0);

	struct stat st;
	lstat_at(out, ".", &st);
	assert_int_equal(st.st_uid, 200000);
	assert_int_equal(st.st_mode & 07777, 0755);
	lstat_at(out, "etc/passwd", &st);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_uid, 200000);
	assert_int_equal(st.st_gid, 200000);
	lstat_at(out, "home/u", &st);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(st.st_uid, 300000 + 500);
	lstat_at(out, "home/u/notes", &st);
	assert_int_equal(st.st_uid, 300500);
	assert_int_equal(st.st_gid, 300501);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_mtim.tv_sec, 1234567890);
	_cleanup_free_ char *text = NULL;
	p = test_path(out, "home/u/notes");
	assert_int_equal(read_full_file(p, &text, NULL), 0);
	free(p);
	assert_string_equal(text, "a note");
	/* The set-uid bit survives the chown. */
	lstat_at(out, "bin/su", &st);
	assert_int_equal(st.st_mode & 07777, 04755);
	assert_int_equal(st.st_uid, 200000);
	lstat_at(out, "bin/sh", &st);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_uid, 200999);
	char target[64] = "";
	p = test_path(out, "bin/sh");
	assert_int_equal(readlink(p, target, sizeof(target) - 1), 7);
	free(p);
	assert_string_equal(target, "busybox");
	lstat_at(out, "fifo", &st);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_gid, 200005);
	lstat_at(out, "null", &st);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	if (xattrs) {
		char v[16] = "";
		p = test_path(out, "home");
		assert_int_equal(getxattr(p, "trusted.overlay.opaque", v, sizeof(v)), 1);
		assert_int_equal(v[0], 'y');
		assert_int_equal(getxattr(p, "user.note", v, sizeof(v)), 4);
		assert_int_equal(getxattr(p, "trusted.other", v, sizeof(v)), -1);
		assert_int_equal(errno, ENODATA);
	}
	assert_int_equal(rm_rf(dir), 0);
}

static void test_shift_numbers_the_layers_and_fails_on_a_missing_one(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = test_make_dir("test-userns-layers");
	_cleanup_free_ char *a = test_path(dir, "a"), *b = test_path(dir, "b");
	_cleanup_free_ char *gone = test_path(dir, "gone"), *dst = test_path(dir, "dst");
	_cleanup_free_ char *dst2 = test_path(dir, "dst2");
	_cleanup_free_ char *top = test_path(dir, "dst/0/top"),
			    *bottom = test_path(dir, "dst/1/bottom");
	test_write_file(a, "top", "A");
	test_write_file(b, "bottom", "B");
	/* No map at all: everything belongs to nobody on the host. */
	ContainerSpec spec = { 0 };
	char *layers[] = { a, b, NULL };
	if (geteuid() == 0) {
		assert_int_equal(userns_shift_layers(layers, dst, &spec), 0);
		struct stat st;
		assert_int_equal(lstat(top, &st), 0);
		assert_int_equal(st.st_uid, 65534);
		assert_int_equal(lstat(bottom, &st), 0);
		/* Done already: the copy is not made over an old one. */
		assert_int_equal(userns_shift_layers(layers, dst, &spec), -EEXIST);
	}
	char *missing[] = { gone, NULL };
	assert_int_equal(userns_shift_layers(missing, dst2, &spec), -ENOENT);
	assert_int_equal(rm_rf(dir), 0);
}

static void test_shift_is_called_off_by_a_signal(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = test_make_dir("test-userns-cancel");
	_cleanup_free_ char *a = test_path(dir, "a"), *dst = test_path(dir, "dst");
	_cleanup_free_ char *copied = test_path(dir, "dst/0/file");
	test_write_file(a, "file", "x");
	/* In a child: the note of the signal stays for the process's life. */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		cli_cancel_catch();
		raise(SIGTERM);
		ContainerSpec spec = { 0 };
		char *layers[] = { a, NULL };
		_exit(userns_shift_layers(layers, dst, &spec) == -ECANCELED ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* Nothing was copied. */
	assert_int_equal(access(copied, F_OK), -1);
	assert_int_equal(rm_rf(dir), 0);
}

int main(void)
{
	/* The host's users' subordinate ranges, which --userns auto keeps
	 * clear of, are not this test's. */
	setenv("BERTH_SUBUID", "/dev/null", 1);
	setenv("BERTH_SUBGID", "/dev/null", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_map_parse_reads_three_numbers),
		cmocka_unit_test(test_id_map_parse_refuses_the_rest),
		cmocka_unit_test(test_auto_base_takes_the_first_free_range),
		cmocka_unit_test(test_auto_base_fills_a_hole),
		cmocka_unit_test(test_auto_base_with_a_root_it_cannot_make_fails),
		cmocka_unit_test(test_shift_copies_every_kind_of_file_with_owners_moved),
		cmocka_unit_test(test_shift_numbers_the_layers_and_fails_on_a_missing_one),
		cmocka_unit_test(test_shift_is_called_off_by_a_signal),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
