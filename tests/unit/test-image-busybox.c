/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/image-busybox.c, linked from libcli.a: the default
 * image made from the host's static busybox in a private root: the
 * binary, a link for every applet it lists, the folders and files of a
 * small system with the modes a container's users need, whatever the
 * caller's umask. Skips without a static busybox. */
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

static void skip_without_busybox(void)
{
	if (access(BUSYBOX_PATH, X_OK) < 0) {
		fprintf(stderr, "# skipped: no %s\n", BUSYBOX_PATH);
		skip();
	}
}

/* The image's rootfs folder. */
static char *make(const char *name)
{
	assert_int_equal(image_create_busybox(&cli, name), 0);
	sqlite3 *db;
	assert_int_equal(cli_db(&cli, &db), 0);
	ImageRow row;
	assert_int_equal(db_image_get_by_name(db, name, &row), 0);
	assert_string_equal(row.source, "busybox:" BUSYBOX_PATH);
	assert_null(row.digest);
	_cleanup_strv_free_ char **layers = NULL;
	assert_int_equal(image_layers_from_json(&cli, row.layers, &layers), 0);
	assert_int_equal(strv_length(layers), 1);
	image_row_done(&row);
	return strdup(layers[0]);
}

static mode_t mode_of(const char *rootfs, const char *rel)
{
	char *p = test_path(rootfs, rel);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	free(p);
	return st.st_mode;
}

static void test_image_holds_busybox_and_a_link_for_every_applet(void **state)
{
	(void)state;
	skip_without_busybox();
	char *rootfs = make("bb");
	struct stat host, copy;
	char *bb = test_path(rootfs, "bin/busybox");
	assert_int_equal(stat(BUSYBOX_PATH, &host), 0);
	assert_int_equal(lstat(bb, &copy), 0);
	assert_true(S_ISREG(copy.st_mode));
	assert_int_equal(copy.st_size, host.st_size);
	assert_int_equal(copy.st_mode & 07777, 0755);
	free(bb);

	FILE *f = popen(BUSYBOX_PATH " --list-full", "r");
	assert_non_null(f);
	char line[256];
	size_t n = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		const char *rel = line + strspn(line, "/");
		if (!*rel || streq(rel, "bin/busybox"))
			continue;
		char *p = test_path(rootfs, rel), target[64] = { 0 };
		ssize_t k = readlink(p, target, sizeof(target) - 1);
		if (k < 0)
			fail_msg("applet /%s has no link", rel);
		assert_string_equal(target, "/bin/busybox");
		free(p);
		n++;
	}
	pclose(f);
	assert_true(n > 50);
	assert_true(S_ISLNK(mode_of(rootfs, "bin/sh")));
	free(rootfs);
}

static void test_system_files_and_folders_have_their_modes_whatever_the_umask(void **state)
{
	(void)state;
	skip_without_busybox();
	mode_t old = umask(077);
	char *rootfs = make("bb");
	umask(old);
	static const struct {
		const char *path;
		mode_t mode;
	} want[] = {
		{ "tmp", S_IFDIR | 01777 },         { "var/tmp", S_IFDIR | 01777 },
		{ "proc", S_IFDIR | 0555 },         { "root", S_IFDIR | 0700 },
		{ "etc", S_IFDIR | 0755 },          { "usr/sbin", S_IFDIR | 0755 },
		{ "etc/passwd", S_IFREG | 0644 },   { "etc/group", S_IFREG | 0644 },
		{ "etc/hosts", S_IFREG | 0644 },    { "etc/resolv.conf", S_IFREG | 0644 },
		{ "etc/hostname", S_IFREG | 0644 }, { "etc/shadow", S_IFREG | 0600 },
	};
	for (size_t i = 0; i < ELEMENTSOF(want); i++) {
		mode_t m = mode_of(rootfs, want[i].path);
		if (m != want[i].mode)
			fail_msg("/%s has mode %o, not %o", want[i].path, m, want[i].mode);
	}
	char *p = test_path(rootfs, "etc/passwd"), *s = NULL;
	size_t len;
	assert_int_equal(read_full_file(p, &s, &len), 0);
	assert_true(startswith(s, "root:x:0:0:root:/root:/bin/sh\n"));
	assert_non_null(strstr(s, "\nnobody:x:65534:65534:"));
	free(s);
	free(p);
	free(rootfs);
}

static void test_second_image_of_the_same_name_is_refused(void **state)
{
	(void)state;
	skip_without_busybox();
	free(make("bb"));
	assert_int_equal(image_create_busybox(&cli, "bb"), -EEXIST);
	assert_logged("image `bb` already exists");
	/* Another name is another image. */
	char *a = make("bb2");
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)
		T(test_image_holds_busybox_and_a_link_for_every_applet),
		T(test_system_files_and_folders_have_their_modes_whatever_the_umask),
		T(test_second_image_of_the_same_name_is_refused),
#undef T
	};
	return cmocka_run_group_tests(tests, test_log_setup, test_log_teardown);
}
