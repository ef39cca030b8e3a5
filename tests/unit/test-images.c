/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/images.c, linked from libcli.a: the image store in a
 * private root. Layer lists read from the DB, temporary folders, disk
 * usage with hard links counted once, new names checked, one-folder
 * images made whole or not at all, removal, and the sweep that removes
 * garbage only while no import runs. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <sys/file.h>
#include <sys/resource.h>

#include "image-test-util.h"
#include "images.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static char *top, *images;
static Cli cli;

static int each_setup(void **state)
{
	(void)state;
	top = test_mkdtemp();
	char *root = test_path(top, "root");
	test_cli_init(&cli, root);
	free(root);
	sqlite3 *db;
	if (cli_db(&cli, &db) < 0)
		return -1;
	images = path_images_dir(&cli.paths);
	(void)logged();
	return 0;
}

static int each_teardown(void **state)
{
	(void)state;
	test_cli_done(&cli);
	(void)rm_rf(top);
	free(images);
	free(top);
	return 0;
}

static void test_layer_list_is_made_absolute_against_the_root(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **l = NULL;
	assert_int_equal(image_layers_from_json(&cli, "[\"images/x/rootfs\",\"/srv/rootfs\"]", &l),
			 0);
	assert_int_equal(strv_length(l), 2);
	char *expect = test_path(cli.paths.state_dir, "images/x/rootfs");
	assert_string_equal(l[0], expect);
	assert_string_equal(l[1], "/srv/rootfs");
	free(expect);

	json_t *a = image_layer_paths(&cli, "[\"layers/" HEX_A "\"]");
	assert_non_null(a);
	expect = test_path(cli.paths.state_dir, "layers/" HEX_A);
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_array_get(a, 0)), expect);
	free(expect);
	json_decref(a);
}

static void test_damaged_layer_list_is_refused(void **state)
{
	(void)state;
	static const char *const bad[] = { "[]", "{}", "[1]", "[\"a\", null]", "not json", "" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char **l = NULL;
		assert_int_equal(image_layers_from_json(&cli, bad[i], &l), -EBADMSG);
		assert_null(l);
		assert_null(image_layer_paths(&cli, bad[i]));
	}
}

static void test_mktemp_makes_a_private_folder_the_sweep_knows(void **state)
{
	(void)state;
	char *t = NULL;
	assert_int_equal(image_store_mktemp(top, &t), 0);
	assert_true(startswith(t, top));
	assert_true(startswith(t + strlen(top), "/.tmp-"));
	assert_int_equal(strlen(t + strlen(top)), strlen("/.tmp-XXXXXX"));
	struct stat st;
	assert_int_equal(stat(t, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	free(t);
	char *missing = test_path(top, "missing");
	t = NULL;
	assert_int_equal(image_store_mktemp(missing, &t), -ENOENT);
	assert_null(t);
	free(missing);
}

static void test_disk_usage_counts_hard_links_once(void **state)
{
	(void)state;
	char *d = test_path(top, "d");
	assert_int_equal(mkdir(d, 0755), 0);
	uint64_t empty, one, linked, two, deep;
	assert_int_equal(disk_usage(d, &empty), 0);
	static char data[65536];
	memset(data, 'x', sizeof(data));
	test_write(d, "f", data, sizeof(data));
	assert_int_equal(disk_usage(d, &one), 0);
	assert_true(one >= empty + sizeof(data));
	char *f = test_path(d, "f"), *g = test_path(d, "g");
	assert_int_equal(link(f, g), 0);
	assert_int_equal(disk_usage(d, &linked), 0);
	assert_int_equal(linked, one);
	/* A symlink to a big file is not followed. */
	char *s = test_path(d, "s");
	assert_int_equal(symlink(f, s), 0);
	test_write(d, "h", data, sizeof(data));
	assert_int_equal(disk_usage(d, &two), 0);
	assert_true(two >= one + sizeof(data));
	assert_true(two < one + 2 * sizeof(data));
	/* Folders below count, with what is in them. */
	char *sub = test_path(d, "sub");
	assert_int_equal(mkdir(sub, 0755), 0);
	test_write(sub, "i", data, sizeof(data));
	assert_int_equal(disk_usage(d, &deep), 0);
	assert_true(deep >= two + sizeof(data));

	uint64_t v = 12345;
	assert_int_equal(disk_usage(f, &v), -ENOTDIR);
	assert_int_equal(disk_usage(s, &v), -ENOTDIR);
	char *missing = test_path(top, "missing");
	assert_int_equal(disk_usage(missing, &v), -ENOENT);
	assert_int_equal(v, 12345);
	free(missing);
	free(sub);
	free(s);
	free(g);
	free(f);
	free(d);
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	size_t n = 0;
	for (struct dirent *de; (de = readdir(d));)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_disk_usage_of_a_tree_too_deep_fails_and_closes_every_fd(void **state)
{
	(void)state;
	/* One fd a level is open at the bottom: make room for them. */
	struct rlimit old, rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	if (old.rlim_max < 5000) {
		fprintf(stderr, "# skipped: RLIMIT_NOFILE's hard limit is below 5000\n");
		skip();
	}
	rl = (struct rlimit){ .rlim_cur = old.rlim_max, .rlim_max = old.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	char *d = test_path(top, "deep");
	assert_int_equal(mkdir(d, 0755), 0);
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; fd >= 0 && i < 4100; i++) {
		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		int next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	assert_true(fd >= 0);
	close(fd);
	size_t before = open_fds();
	uint64_t v = 12345;
	int r = disk_usage(d, &v);
	size_t after = open_fds();
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(r, -ELOOP);
	assert_int_equal(v, 12345);
	assert_int_equal(after, before);
	free(d);
}

static void test_disk_usage_beyond_the_fd_limit_fails_instead_of_counting_less(void **state)
{
	(void)state;
	/* A tree deeper than the fds left: with a soft limit of 1024, one of
	 * about 1000 levels. */
	char *d = test_path(top, "deep");
	assert_int_equal(mkdir(d, 0755), 0);
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; fd >= 0 && i < 100; i++) {
		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		int next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	assert_true(fd >= 0);
	close(fd);
	size_t before = open_fds();
	struct rlimit old, rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = (struct rlimit){ .rlim_cur = before + 50, .rlim_max = old.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	uint64_t v = 12345;
	int r = disk_usage(d, &v);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(r, -EMFILE);
	assert_int_equal(v, 12345);
	assert_int_equal(open_fds(), before);
	/* With the fds it needs, the same tree is counted. */
	assert_int_equal(disk_usage(d, &v), 0);
	assert_true(v >= 100 * 512);
	free(d);
}

static int populated;

static int populate_ok(Cli *c, const char *rootfs, void *userdata)
{
	(void)c;
	populated++;
	test_write(rootfs, "file", userdata, strlen(userdata));
	return 0;
}

static int populate_fail(Cli *c, const char *rootfs, void *userdata)
{
	(void)c;
	(void)userdata;
	populated++;
	test_write(rootfs, "half", "x", 1);
	return log_error_errno(-EIO, "populate failed on purpose");
}

static int make_image(const char *name, ImagePopulate populate)
{
	FlatImage f = {
		.name = name,
		.source = "test:source",
		.config = "{\"Cmd\":[\"sh\"]}",
		.digest = "sha256:" HEX_A,
		.populate = populate,
		.userdata = (void *)"content",
	};
	return image_create_flat(&cli, &f);
}

static void test_flat_image_is_recorded_relative_to_the_root(void **state)
{
	(void)state;
	populated = 0;
	assert_int_equal(make_image("one", populate_ok), 0);
	assert_int_equal(populated, 1);
	sqlite3 *db;
	assert_int_equal(cli_db(&cli, &db), 0);
	ImageRow row;
	assert_int_equal(db_image_get_by_name(db, "one", &row), 0);
	char expect[128];
	snprintf(expect, sizeof(expect), "[\"images/%s/rootfs\"]", row.id);
	assert_string_equal(row.layers, expect);
	assert_string_equal(row.source, "test:source");
	assert_string_equal(row.config, "{\"Cmd\":[\"sh\"]}");
	assert_string_equal(row.digest, "sha256:" HEX_A);
	assert_true(row.size > 0);
	snprintf(expect, sizeof(expect), "%s/rootfs/file", row.id);
	assert_true(test_exists(images, expect));
	/* Only the image's folder and the lock: no temporary folder. */
	assert_int_equal(test_count_entries(images), 2);
	image_row_done(&row);
}

static void test_failed_populate_leaves_nothing(void **state)
{
	(void)state;
	populated = 0;
	assert_int_equal(make_image("bad", populate_fail), -EIO);
	assert_int_equal(populated, 1);
	assert_logged("populate failed on purpose");
	sqlite3 *db;
	assert_int_equal(cli_db(&cli, &db), 0);
	ImageRow row;
	assert_int_equal(db_image_get_by_name(db, "bad", &row), -ENOENT);
	assert_int_equal(test_count_entries(images), 1); /* the lock */
}

static void test_new_name_is_checked_before_any_work(void **state)
{
	(void)state;
	assert_int_equal(make_image("one", populate_ok), 0);
	populated = 0;
	assert_int_equal(make_image("one", populate_ok), -EEXIST);
	assert_logged("image `one` already exists (remove it first with `berth image rm one`)");
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	static const char *const bad[] = { "", ".hidden", "/abs", "a b", "x/../y" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_int_equal(image_check_new_name(&cli, bad[i]), -EINVAL);
		char expect[64];
		snprintf(expect, sizeof(expect), "invalid image name `%s`", bad[i]);
		assert_logged(expect);
	}
	assert_int_equal(make_image(longname, populate_ok), -EINVAL);
	assert_logged("invalid image name `aaaa");
	assert_int_equal(populated, 0);
	assert_int_equal(image_check_new_name(&cli, "repo/app:1.0"), 0);
}

static void test_invalid_name_is_shown_on_one_line(void **state)
{
	(void)state;
	/* Control characters would break the line, or fake one. */
	static const struct {
		const char *name, *line;
	} bad[] = {
		{ "tab\tname", "berth: invalid image name `tab\\x09name`\n" },
		{ "x\nberth: fake line", "berth: invalid image name `x\\x0aberth: fake line`\n" },
		{ "\x1b[2Jclear", "berth: invalid image name `\\x1b[2Jclear`\n" },
		{ "cr\r", "berth: invalid image name `cr\\x0d`\n" },
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_int_equal(image_check_new_name(&cli, bad[i].name), -EINVAL);
		assert_string_equal(logged(), bad[i].line);
	}
	populated = 0;
	assert_int_equal(make_image("bad\nname", populate_ok), -EINVAL);
	assert_string_equal(logged(), "berth: invalid image name `bad\\x0aname`\n");
	assert_int_equal(populated, 0);
	assert_int_equal(test_count_entries(images), 0);
}

static void test_remove_takes_the_row_and_the_folder(void **state)
{
	(void)state;
	assert_int_equal(make_image("one", populate_ok), 0);
	sqlite3 *db;
	assert_int_equal(cli_db(&cli, &db), 0);
	ImageRow row;
	assert_int_equal(db_image_get_by_name(db, "one", &row), 0);
	assert_true(test_exists(images, row.id));
	assert_int_equal(image_remove(&cli, &row), 0);
	assert_false(test_exists(images, row.id));
	ImageRow gone;
	assert_int_equal(db_image_get_by_name(db, "one", &gone), -ENOENT);
	image_row_done(&row);
}

#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void insert_layered(sqlite3 *db, const char *name, char id_char, const char *const *hexes)
{
	char id[65];
	memset(id, id_char, 64);
	id[64] = 0;
	LayerRow rows[4] = { 0 };
	size_t n = 0;
	for (; hexes[n]; n++) {
		char *dir = path_layer_dir(&cli.paths, hexes[n]);
		(void)mkdir(dir, 0755);
		free(dir);
		char *d = NULL;
		assert_true(asprintf(&d, "sha256:%s", hexes[n]) > 0);
		rows[n] = (LayerRow){ .digest = d, .size = 1, .created_at = (char *)"2026-01-01" };
	}
	ImageRow img = { .id = id,
			 .name = (char *)name,
			 .layers = (char *)"[]",
			 .source = (char *)"test",
			 .created_at = (char *)"2026-01-01" };
	assert_int_equal(db_image_insert_layered(db, &img, rows, n), 0);
	for (size_t i = 0; i < n; i++)
		free(rows[i].digest);
}

static void test_remove_sweeps_the_layers_no_image_uses_any_more(void **state)
{
	(void)state;
	sqlite3 *db;
	assert_int_equal(cli_db(&cli, &db), 0);
	insert_layered(db, "a", '1', (const char *const[]){ HEX_A, HEX_B, NULL });
	insert_layered(db, "b", '2', (const char *const[]){ HEX_B, NULL });
	char *layers = path_layers_dir(&cli.paths);
	ImageRow row;
	assert_int_equal(db_image_get_by_name(db, "a", &row), 0);
	/* A layered image has no folder of its own: nothing to fail on. */
	assert_int_equal(image_remove(&cli, &row), 0);
	image_row_done(&row);
	assert_false(test_exists(layers, HEX_A));
	assert_true(test_exists(layers, HEX_B));
	assert_int_equal(db_image_get_by_name(db, "b", &row), 0);
	assert_int_equal(image_remove(&cli, &row), 0);
	image_row_done(&row);
	assert_false(test_exists(layers, HEX_B));
	free(layers);
}

/* Garbage: a temporary folder, and a folder named like an id that no row
 * names; a name that is no id is never touched. */
static void make_garbage(void)
{
	static const char *const dirs[] = { ".tmp-abcdef", HEX_A, "keep-me" };
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		char *p = test_path(images, dirs[i]);
		assert_int_equal(mkdir(p, 0700), 0);
		free(p);
	}
	char *layers = path_layers_dir(&cli.paths), *p = test_path(layers, HEX_A);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	free(layers);
}

static void test_lock_sweeps_garbage_when_nobody_imports(void **state)
{
	(void)state;
	assert_int_equal(make_image("one", populate_ok), 0);
	make_garbage();
	int fd = -EBADF;
	assert_int_equal(image_store_lock(&cli, &fd), 0);
	assert_false(test_exists(images, ".tmp-abcdef"));
	assert_false(test_exists(images, HEX_A));
	assert_true(test_exists(images, "keep-me"));
	char *layers = path_layers_dir(&cli.paths);
	assert_false(test_exists(layers, HEX_A));
	free(layers);
	/* The recorded image stays. */
	sqlite3 *db;
	assert_int_equal(cli_db(&cli, &db), 0);
	ImageRow row;
	assert_int_equal(db_image_get_by_name(db, "one", &row), 0);
	assert_true(test_exists(images, row.id));
	image_row_done(&row);
	/* Held shared: a removal's sweep waits. */
	char *lock = test_path(images, ".lock");
	int other = open(lock, O_RDWR | O_CLOEXEC);
	assert_true(other >= 0);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	assert_int_equal(flock(other, LOCK_SH | LOCK_NB), 0);
	close(other);
	close(fd);
	free(lock);
}

static void test_nothing_is_swept_while_an_import_runs(void **state)
{
	(void)state;
	char *lock = test_path(images, ".lock");
	int importer = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(importer >= 0);
	assert_int_equal(flock(importer, LOCK_SH), 0);
	make_garbage();
	image_store_sweep_if_idle(&cli);
	assert_true(test_exists(images, ".tmp-abcdef"));
	assert_true(test_exists(images, HEX_A));
	int fd = -EBADF;
	assert_int_equal(image_store_lock(&cli, &fd), 0);
	assert_true(test_exists(images, ".tmp-abcdef"));
	close(fd);
	close(importer);
	/* Once it is done, the next removal sweeps. */
	image_store_sweep_if_idle(&cli);
	assert_false(test_exists(images, ".tmp-abcdef"));
	assert_false(test_exists(images, HEX_A));
	free(lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)
		T(test_layer_list_is_made_absolute_against_the_root),
		T(test_damaged_layer_list_is_refused),
		T(test_mktemp_makes_a_private_folder_the_sweep_knows),
		T(test_disk_usage_counts_hard_links_once),
		T(test_disk_usage_of_a_tree_too_deep_fails_and_closes_every_fd),
		T(test_disk_usage_beyond_the_fd_limit_fails_instead_of_counting_less),
		T(test_flat_image_is_recorded_relative_to_the_root),
		T(test_failed_populate_leaves_nothing),
		T(test_new_name_is_checked_before_any_work),
		T(test_invalid_name_is_shown_on_one_line),
		T(test_remove_takes_the_row_and_the_folder),
		T(test_remove_sweeps_the_layers_no_image_uses_any_more),
		T(test_lock_sweeps_garbage_when_nobody_imports),
		T(test_nothing_is_swept_while_an_import_runs),
#undef T
	};
	return cmocka_run_group_tests(tests, test_log_setup, test_log_teardown);
}
