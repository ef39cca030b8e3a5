/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/image-resolve.c, linked from libcli.a: what
 * `berth run IMAGE` names, in a private root. A path is a rootfs folder
 * (made absolute, refused when OverlayFS could not take it); a name is an
 * image of the store, whose layers must all be there; `busybox` is made
 * on first use. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "image-test-util.h"
#include "images.h"

static char *top;
static Cli cli;

static int each_setup(void **state)
{
	(void)state;
	top = test_mkdtemp();
	char *root = test_path(top, "root");
	test_cli_init(&cli, root);
	free(root);
	(void)logged();
	return 0;
}

static int each_teardown(void **state)
{
	(void)state;
	test_cli_done(&cli);
	(void)rm_rf(top);
	free(top);
	return 0;
}

static void test_relative_path_is_a_rootfs_made_absolute(void **state)
{
	(void)state;
	char *rootfs = test_path(top, "rootfs");
	assert_int_equal(mkdir(rootfs, 0755), 0);
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(top), 0);
	ResolvedImage img;
	int r = image_resolve(&cli, "./rootfs/../rootfs/", &img);
	ResolvedImage dot;
	int r2 = image_resolve(&cli, ".", &dot);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(r, 0);
	assert_string_equal(img.name, rootfs);
	assert_int_equal(strv_length(img.layers), 1);
	assert_string_equal(img.layers[0], rootfs);
	assert_null(img.config);
	resolved_image_done(&img);
	assert_null(img.name);
	assert_null(img.layers);
	assert_int_equal(r2, 0);
	assert_string_equal(dot.name, top);
	resolved_image_done(&dot);
	/* Nothing was made in the root for a path. */
	assert_false(test_exists(top, "root"));
	free(rootfs);
}

static void test_path_that_is_no_folder_is_refused(void **state)
{
	(void)state;
	test_write(top, "file", "x", 1);
	char *file = test_path(top, "file"), *missing = test_path(top, "missing");
	ResolvedImage img;
	assert_int_equal(image_resolve(&cli, file, &img), -ENOTDIR);
	char expect[PATH_MAX + 64];
	snprintf(expect, sizeof(expect), "rootfs `%s` is not a directory", file);
	assert_logged(expect);
	assert_int_equal(image_resolve(&cli, missing, &img), -ENOENT);
	snprintf(expect, sizeof(expect), "rootfs `%s`: No such file or directory", missing);
	assert_logged(expect);
	free(file);
	free(missing);
}

static void test_path_overlayfs_cannot_take_is_refused(void **state)
{
	(void)state;
	static const char *const names[] = { "a:b", "a,b" };
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		char *p = test_path(top, names[i]);
		assert_int_equal(mkdir(p, 0755), 0);
		ResolvedImage img;
		assert_int_equal(image_resolve(&cli, p, &img), -EINVAL);
		assert_null(img.name);
		char expect[PATH_MAX + 64];
		snprintf(expect, sizeof(expect),
			 "rootfs path `%s` contains ':' or ',', which OverlayFS cannot take", p);
		assert_logged(expect);
		free(p);
	}
	/* Also when only the real path, behind a symlink, has one. */
	char *real = test_path(top, "a:b"), *link = test_path(top, "plain");
	assert_int_equal(symlink(real, link), 0);
	ResolvedImage img;
	assert_int_equal(image_resolve(&cli, link, &img), -EINVAL);
	assert_logged("which OverlayFS cannot take");
	free(real);
	free(link);
}

static void test_bad_or_unknown_name_is_refused(void **state)
{
	(void)state;
	ResolvedImage img;
	assert_int_equal(image_resolve(&cli, "bad name", &img), -EINVAL);
	assert_logged("invalid image name `bad name`");
	assert_int_equal(image_resolve(&cli, "nothere", &img), -ENOENT);
	assert_logged("image `nothere` not found (see `berth image list`; a rootfs folder works "
		      "too: ./path/to/rootfs)");
}

static int populate(Cli *c, const char *rootfs, void *userdata)
{
	(void)c;
	(void)userdata;
	test_write(rootfs, "marker", "m", 1);
	return 0;
}

static void make_image(const char *name)
{
	FlatImage f = {
		.name = name, .source = "test", .config = "{\"Cmd\":[\"sh\"]}", .populate = populate
	};
	assert_int_equal(image_create_flat(&cli, &f), 0);
}

static void test_stored_image_gives_its_layers_and_config(void **state)
{
	(void)state;
	make_image("app");
	ResolvedImage img;
	assert_int_equal(image_resolve(&cli, "app", &img), 0);
	assert_string_equal(img.name, "app");
	assert_string_equal(img.config, "{\"Cmd\":[\"sh\"]}");
	assert_int_equal(strv_length(img.layers), 1);
	assert_true(startswith(img.layers[0], cli.paths.state_dir));
	assert_true(test_exists(img.layers[0], "marker"));
	resolved_image_done(&img);
}

static void test_image_missing_a_layer_says_how_to_mend_it(void **state)
{
	(void)state;
	make_image("app");
	ResolvedImage img;
	assert_int_equal(image_resolve(&cli, "app", &img), 0);
	assert_int_equal(rm_rf(img.layers[0]), 0);
	char expect[PATH_MAX + 128];
	snprintf(expect, sizeof(expect),
		 "image `app` is missing its layer `%s`; remove it with `berth image rm app` and "
		 "create it again",
		 img.layers[0]);
	resolved_image_done(&img);
	assert_int_equal(image_resolve(&cli, "app", &img), -ENOENT);
	assert_logged(expect);
	assert_null(img.layers);
	assert_null(img.name);
}

static void test_damaged_layer_list_in_the_db_is_named(void **state)
{
	(void)state;
	sqlite3 *db;
	assert_int_equal(cli_db(&cli, &db), 0);
	char id[65];
	memset(id, 'c', 64);
	id[64] = 0;
	ImageRow row = { .id = id,
			 .name = (char *)"broken",
			 .layers = (char *)"{not a list",
			 .source = (char *)"test",
			 .created_at = (char *)"2026-01-01T00:00:00Z" };
	assert_int_equal(db_image_insert(db, &row), 0);
	ResolvedImage img;
	assert_int_equal(image_resolve(&cli, "broken", &img), -EBADMSG);
	assert_logged("image `broken` has a damaged layer list in the DB");
	assert_null(img.layers);
}

static void test_busybox_is_made_on_first_use_only(void **state)
{
	(void)state;
	if (access(BUSYBOX_PATH, X_OK) < 0) {
		fprintf(stderr, "# skipped: no %s\n", BUSYBOX_PATH);
		skip();
	}
	ResolvedImage a, b;
	assert_int_equal(image_resolve(&cli, "busybox", &a), 0);
	assert_string_equal(a.name, "busybox");
	assert_true(test_exists(a.layers[0], "bin/busybox"));
	assert_int_equal(image_resolve(&cli, "busybox", &b), 0);
	/* The same image, not a second one. */
	assert_string_equal(a.layers[0], b.layers[0]);
	resolved_image_done(&a);
	resolved_image_done(&b);
	/* Only the default name is made on demand. */
	assert_int_equal(image_resolve(&cli, "busybox2", &a), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)
		T(test_relative_path_is_a_rootfs_made_absolute),
		T(test_path_that_is_no_folder_is_refused),
		T(test_path_overlayfs_cannot_take_is_refused),
		T(test_bad_or_unknown_name_is_refused),
		T(test_stored_image_gives_its_layers_and_config),
		T(test_image_missing_a_layer_says_how_to_mend_it),
		T(test_damaged_layer_list_in_the_db_is_named),
		T(test_busybox_is_made_on_first_use_only),
#undef T
	};
	return cmocka_run_group_tests(tests, test_log_setup, test_log_teardown);
}
