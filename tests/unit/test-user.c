/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/user.c, linked from libcli.a: --user NAME|UID[:GROUP|GID]
 * resolved in a container's own /etc/passwd and /etc/group (never the
 * host's, not through a symlink out of its root), the supplementary
 * groups, numbers that need no entry, (uid_t)-1 refused, files that are
 * not regular or too large refused with one line, and the layer that
 * holds /etc/passwd found top first. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cli-test.h"
#include "user.h"

#define PASSWD                                          \
	"root:x:0:0:root:/root:/bin/sh\n"               \
	"short:x:5\n"                                   \
	"broken:x:notanumber:1::/:/bin/sh\n"            \
	"alice:x:1000:1000:Alice:/home/alice:/bin/sh\n" \
	"nohome:x:1001:1001:No Home::/bin/sh\n"         \
	"minus:x:4294967295:0::/:/bin/sh\n"             \
	"badgroup:x:1002:4294967295::/:/bin/sh\n"       \
	"alice:x:2000:2000:second alice:/x:/bin/sh\n"   \
	"last:x:1003:1003::/home/last:/bin/sh" /* no newline at the end */

#define GROUP                    \
	"root:x:0:\n"            \
	"alice:x:1000:alice\n"   \
	"wheel:x:10:bob,alice\n" \
	"junk:x:x:alice\n"       \
	"audio:x:29:alice\n"     \
	"staff:x:50:\n"          \
	"malice:x:51:malice\n"   \
	"alicegroup:x:52:alicex\n"

static char *root;
static int rootfd = -EBADF;

static int setup(void **state)
{
	(void)state;
	test_log_catch();
	root = test_make_dir("test-user");
	test_write_file(root, "etc/passwd", PASSWD);
	test_write_file(root, "etc/group", GROUP);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(rootfd);
	test_remove_dir(root);
	test_log_release();
	return 0;
}

static void assert_groups(const ResolvedUser *u, const uint32_t *want, size_t n)
{
	assert_int_equal(u->n_groups, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(u->groups[i], want[i]);
}

static void test_name_gives_ids_home_and_groups(void **state)
{
	(void)state;
	ResolvedUser u;
	assert_int_equal(user_resolve_at(rootfd, "alice", &u), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_string_equal(u.home, "/home/alice");
	/* The primary group first, as initgroups() puts it, then those that
	 * list her, not twice, and not "malice" or "alicex". */
	const uint32_t want[] = { 1000, 10, 29 };
	assert_groups(&u, want, ELEMENTSOF(want));
	resolved_user_done(&u);
	assert_null(u.groups);
	assert_null(u.home);
	assert_string_equal(logged(), "");
}

static void test_uid_number_finds_the_entry(void **state)
{
	(void)state;
	ResolvedUser u;
	assert_int_equal(user_resolve_at(rootfd, "1000", &u), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_string_equal(u.home, "/home/alice");
	assert_int_equal(u.n_groups, 3);
	resolved_user_done(&u);
	/* The first entry of a name wins. */
	assert_int_equal(user_resolve_at(rootfd, "0", &u), 0);
	assert_int_equal(u.uid, 0);
	assert_string_equal(u.home, "/root");
	resolved_user_done(&u);
}

static void test_empty_home_is_root_and_last_line_without_newline_is_read(void **state)
{
	(void)state;
	ResolvedUser u;
	assert_int_equal(user_resolve_at(rootfd, "nohome", &u), 0);
	assert_int_equal(u.uid, 1001);
	assert_string_equal(u.home, "/");
	resolved_user_done(&u);
	assert_int_equal(user_resolve_at(rootfd, "last", &u), 0);
	assert_int_equal(u.uid, 1003);
	assert_string_equal(u.home, "/home/last");
	resolved_user_done(&u);
}

static void test_group_given_replaces_the_primary_and_the_supplementary(void **state)
{
	(void)state;
	ResolvedUser u;
	assert_int_equal(user_resolve_at(rootfd, "alice:staff", &u), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 50);
	assert_int_equal(u.n_groups, 0);
	resolved_user_done(&u);
	assert_int_equal(user_resolve_at(rootfd, "alice:29", &u), 0);
	assert_int_equal(u.gid, 29);
	resolved_user_done(&u);
	/* A gid in no entry is taken as it is. */
	assert_int_equal(user_resolve_at(rootfd, "alice:4242", &u), 0);
	assert_int_equal(u.gid, 4242);
	resolved_user_done(&u);
}

static void test_numbers_in_no_entry_are_taken_with_group_0(void **state)
{
	(void)state;
	ResolvedUser u;
	assert_int_equal(user_resolve_at(rootfd, "1234", &u), 0);
	assert_int_equal(u.uid, 1234);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.home, "/");
	assert_int_equal(u.n_groups, 0);
	resolved_user_done(&u);
	assert_int_equal(user_resolve_at(rootfd, "1234:audio", &u), 0);
	assert_int_equal(u.uid, 1234);
	assert_int_equal(u.gid, 29);
	resolved_user_done(&u);
}

static void test_unknown_names_fail_with_esrch(void **state)
{
	(void)state;
	ResolvedUser u;
	assert_int_equal(user_resolve_at(rootfd, "bob", &u), -ESRCH);
	assert_string_equal(logged(), "berth: unknown user `bob`: not in the container's "
				      "/etc/passwd\n");
	/* An entry whose uid is not a number is no match. */
	assert_int_equal(user_resolve_at(rootfd, "broken", &u), -ESRCH);
	assert_int_equal(user_resolve_at(rootfd, "short", &u), -ESRCH);
	logged();
	assert_int_equal(user_resolve_at(rootfd, "alice:nogroup", &u), -ESRCH);
	assert_string_equal(logged(), "berth: unknown group `nogroup`: not in the container's "
				      "/etc/group\n");
	assert_int_equal(user_resolve_at(rootfd, "alice:junk", &u), -ESRCH);
	logged();
}

static void test_malformed_spec_fails_with_einval(void **state)
{
	(void)state;
	const char *bad[] = { "", ":", ":0", "alice:" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		ResolvedUser u;
		char want[128];
		assert_int_equal(user_resolve_at(rootfd, bad[i], &u), -EINVAL);
		snprintf(want, sizeof(want),
			 "berth: invalid --user `%s`: expected NAME|UID[:GROUP|GID]\n", bad[i]);
		assert_string_equal(logged(), want);
	}
}

static void test_minus_one_ids_are_refused_wherever_they_come_from(void **state)
{
	(void)state;
	struct {
		const char *spec, *what;
	} cases[] = {
		{ "4294967295", "uid 4294967295 is (uid_t)-1" },
		{ "minus", "uid 4294967295 is (uid_t)-1" },
		{ "badgroup", "gid 4294967295 is (gid_t)-1" },
		{ "alice:4294967295", "gid 4294967295 is (gid_t)-1" },
		{ "0:4294967295", "gid 4294967295 is (gid_t)-1" },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		ResolvedUser u = { .uid = 7 };
		char want[256];
		assert_int_equal(user_resolve_at(rootfd, cases[i].spec, &u), -ERANGE);
		snprintf(want, sizeof(want),
			 "berth: user `%s`: %s, which the kernel takes as \"leave unchanged\" "
			 "(root): refused\n",
			 cases[i].spec, cases[i].what);
		assert_string_equal(logged(), want);
		assert_int_equal(u.uid, 7); /* not written */
	}
	/* One more than that is no number at all. */
	ResolvedUser u;
	assert_int_equal(user_resolve_at(rootfd, "4294967296", &u), -ESRCH);
	logged();
}

static void test_supplementary_minus_one_is_refused(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = test_make_dir("test-user-sgid");
	test_write_file(dir, "etc/passwd", "u:x:1:1::/:/bin/sh\n");
	test_write_file(dir, "etc/group", "g:x:4294967295:u\n");
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	ResolvedUser u;
	assert_int_equal(user_resolve_at(fd, "u", &u), -ERANGE);
	assert_non_null(strstr(logged(), "supplementary gid 4294967295 is (gid_t)-1"));
	close(fd);
	assert_int_equal(rm_rf(dir), 0);
}

static void test_no_passwd_at_all_takes_numbers_only(void **state)
{
	(void)state;
	ResolvedUser u;
	/* rootfd < 0: no layer had an /etc/passwd. */
	assert_int_equal(user_resolve_at(-EBADF, "0:0", &u), 0);
	assert_int_equal(u.uid, 0);
	assert_int_equal(u.gid, 0);
	resolved_user_done(&u);
	assert_int_equal(user_resolve_at(-EBADF, "alice", &u), -ESRCH);
	assert_int_equal(user_resolve_at(-EBADF, "5:wheel", &u), -ESRCH);
	logged();
	_cleanup_free_ char *empty = test_make_dir("test-user-empty");
	int fd = open(empty, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(user_resolve_at(fd, "33:44", &u), 0);
	assert_int_equal(u.uid, 33);
	assert_int_equal(u.gid, 44);
	resolved_user_done(&u);
	close(fd);
	assert_int_equal(rm_rf(empty), 0);
}

/* A root whose etc/passwd is made by make(path). */
static int root_with(const char *name, void (*make)(const char *path, const char *dir))
{
	char *dir = test_make_dir(name);
	char etc[PATH_MAX], path[PATH_MAX + 8];
	snprintf(etc, sizeof(etc), "%s/etc", dir);
	assert_int_equal(mkdir(etc, 0755), 0);
	snprintf(path, sizeof(path), "%s/passwd", etc);
	make(path, dir);
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	/* remove_root() finds the folder again through the fd. */
	free(dir);
	return fd;
}

static void remove_root(int fd)
{
	char path[64], dir[PATH_MAX];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, dir, sizeof(dir) - 1);
	assert_true(n > 0);
	dir[n] = '\0';
	close(fd);
	assert_int_equal(rm_rf(dir), 0);
}

static void make_fifo(const char *path, const char *dir)
{
	(void)dir;
	assert_int_equal(mkfifo(path, 0644), 0);
}

static void make_folder(const char *path, const char *dir)
{
	(void)dir;
	assert_int_equal(mkdir(path, 0755), 0);
}

static void make_huge(const char *path, const char *dir)
{
	(void)dir;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (9 << 20) + 1), 0);
	close(fd);
}

static char host_passwd[PATH_MAX];

/* An absolute symlink to a file of the host's. */
static void make_escape(const char *path, const char *dir)
{
	(void)dir;
	assert_int_equal(symlink(host_passwd, path), 0);
}

static void test_passwd_that_is_not_a_regular_file_is_refused(void **state)
{
	(void)state;
	ResolvedUser u;
	int fd = root_with("test-user-fifo", make_fifo);
	/* A FIFO is never opened: this would hang otherwise. */
	assert_int_equal(user_resolve_at(fd, "root", &u), -EBADFD);
	assert_string_equal(logged(), "berth: the container's /etc/passwd is a FIFO, not a "
				      "regular file: refused\n");
	remove_root(fd);
	fd = root_with("test-user-dir", make_folder);
	assert_int_equal(user_resolve_at(fd, "root", &u), -EISDIR);
	assert_string_equal(logged(), "berth: the container's /etc/passwd is a folder, not a "
				      "regular file: refused\n");
	remove_root(fd);
}

static void test_passwd_larger_than_8_mib_is_refused(void **state)
{
	(void)state;
	ResolvedUser u;
	int fd = root_with("test-user-huge", make_huge);
	assert_int_equal(user_resolve_at(fd, "root", &u), -EFBIG);
	assert_string_equal(logged(), "berth: the container's /etc/passwd is larger than 8 MiB: "
				      "refused\n");
	remove_root(fd);
}

static void test_symlink_out_of_the_root_stays_inside(void **state)
{
	(void)state;
	/* A file of the host's that names a user the container lacks. */
	_cleanup_free_ char *host = test_make_dir("test-user-host");
	test_write_file(host, "passwd", "hostonly:x:4321:4321::/:/bin/sh\n");
	snprintf(host_passwd, sizeof(host_passwd), "%s/passwd", host);
	int fd = root_with("test-user-escape", make_escape);
	ResolvedUser u;
	/* Looked up inside the root, the link leads nowhere: no passwd. */
	assert_int_equal(user_resolve_at(fd, "hostonly", &u), -ESRCH);
	assert_string_equal(logged(), "berth: unknown user `hostonly`: not in the container's "
				      "/etc/passwd\n");
	remove_root(fd);
	assert_int_equal(rm_rf(host), 0);
}

static void test_groups_are_capped(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = test_make_dir("test-user-many");
	test_write_file(dir, "etc/passwd", "u:x:1:1::/:/bin/sh\n");
	char *group = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&group, &len);
	assert_non_null(f);
	for (int g = 0; g < 400; g++)
		fprintf(f, "g%d:x:%d:other,u\n", g, 100 + g);
	assert_int_equal(fclose(f), 0);
	test_write_file(dir, "etc/group", group);
	free(group);
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	ResolvedUser u;
	assert_int_equal(user_resolve_at(fd, "u", &u), 0);
	/* The primary group and then the first 255 that list u. */
	assert_int_equal(u.n_groups, 256);
	assert_int_equal(u.groups[0], 1);
	assert_int_equal(u.groups[1], 100);
	assert_int_equal(u.groups[255], 354);
	resolved_user_done(&u);
	close(fd);
	assert_int_equal(rm_rf(dir), 0);
}

static void test_layers_top_first(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = test_make_dir("test-user-layers");
	test_write_file(dir, "top/bin/sh", "");
	test_write_file(dir, "mid/etc/passwd", "u:x:7:8::/mid:/bin/sh\n");
	test_write_file(dir, "low/etc/passwd", "u:x:9:9::/low:/bin/sh\n");
	char top[PATH_MAX], mid[PATH_MAX], low[PATH_MAX], gone[PATH_MAX];
	snprintf(top, sizeof(top), "%s/top", dir);
	snprintf(mid, sizeof(mid), "%s/mid", dir);
	snprintf(low, sizeof(low), "%s/low", dir);
	snprintf(gone, sizeof(gone), "%s/gone", dir);
	char *layers[] = { gone, top, mid, low, NULL };
	ResolvedUser u;
	assert_int_equal(user_resolve_in_layers(layers, "u", &u), 0);
	assert_int_equal(u.uid, 7);
	assert_string_equal(u.home, "/mid");
	resolved_user_done(&u);
	char *none[] = { top, NULL };
	assert_int_equal(user_resolve_in_layers(none, "u", &u), -ESRCH);
	logged();
	assert_int_equal(user_resolve_in_layers(NULL, "5", &u), 0);
	assert_int_equal(u.uid, 5);
	resolved_user_done(&u);
	assert_int_equal(rm_rf(dir), 0);
}

static void test_whiteout_in_an_upper_layer_hides_the_lower_passwd(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* mknod of a whiteout (0:0) needs CAP_MKNOD */
	_cleanup_free_ char *dir = test_make_dir("test-user-whiteout");
	test_write_file(dir, "low/etc/passwd", "u:x:9:9::/low:/bin/sh\n");
	char top[PATH_MAX], low[PATH_MAX], wh[PATH_MAX + 16];
	snprintf(top, sizeof(top), "%s/top", dir);
	snprintf(low, sizeof(low), "%s/low", dir);
	test_write_file(dir, "top/etc/.keep", "");
	snprintf(wh, sizeof(wh), "%s/etc/passwd", top);
	assert_int_equal(mknod(wh, S_IFCHR | 0, makedev(0, 0)), 0);
	char *layers[] = { top, low, NULL };
	ResolvedUser u;
	assert_int_equal(user_resolve_in_layers(layers, "u", &u), -ESRCH);
	assert_non_null(strstr(logged(), "unknown user `u`"));
	assert_int_equal(user_resolve_in_layers(layers, "9", &u), 0);
	assert_int_equal(u.gid, 0); /* no entry: group 0 */
	resolved_user_done(&u);
	assert_int_equal(rm_rf(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_gives_ids_home_and_groups),
		cmocka_unit_test(test_uid_number_finds_the_entry),
		cmocka_unit_test(test_empty_home_is_root_and_last_line_without_newline_is_read),
		cmocka_unit_test(test_group_given_replaces_the_primary_and_the_supplementary),
		cmocka_unit_test(test_numbers_in_no_entry_are_taken_with_group_0),
		cmocka_unit_test(test_unknown_names_fail_with_esrch),
		cmocka_unit_test(test_malformed_spec_fails_with_einval),
		cmocka_unit_test(test_minus_one_ids_are_refused_wherever_they_come_from),
		cmocka_unit_test(test_supplementary_minus_one_is_refused),
		cmocka_unit_test(test_no_passwd_at_all_takes_numbers_only),
		cmocka_unit_test(test_passwd_that_is_not_a_regular_file_is_refused),
		cmocka_unit_test(test_passwd_larger_than_8_mib_is_refused),
		cmocka_unit_test(test_symlink_out_of_the_root_stays_inside),
		cmocka_unit_test(test_groups_are_capped),
		cmocka_unit_test(test_layers_top_first),
		cmocka_unit_test(test_whiteout_in_an_upper_layer_hides_the_lower_passwd),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
