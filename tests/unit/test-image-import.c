/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/image-import.c, linked from libcli.a: `berth image
 * import NAME SOURCE` in a private root. A rootfs tarball becomes a
 * one-folder image with the digest of the file as given; oci:DIR[:TAG]
 * and docker-archive:FILE[:REF] are split where the path exists, so a
 * path may hold ':' itself. Unpacking needs root. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "image-test-util.h"
#include "images.h"
#include "sha256.h"

static char *top;
static Cli cli;
static const ImportLimits limits = { .max_files = 1000, .max_bytes = UINT64_C(1) << 30 };

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

static int import(const char *ref)
{
	return image_import(&cli, "img", ref, &limits);
}

static bool recorded(ImageRow *ret)
{
	sqlite3 *db;
	assert_int_equal(cli_db(&cli, &db), 0);
	ImageRow row;
	int r = db_image_get_by_name(db, "img", &row);
	if (r == -ENOENT)
		return false;
	assert_int_equal(r, 0);
	if (ret)
		*ret = row;
	else
		image_row_done(&row);
	return true;
}

static void check_tarball_image(const TarBuf *file_data)
{
	ImageRow row;
	assert_true(recorded(&row));
	char hex[SHA256_HEX_LEN + 1], expect[PATH_MAX + 16];
	assert_int_equal(sha256_data(file_data->data, file_data->len, hex), 0);
	snprintf(expect, sizeof(expect), "sha256:%s", hex);
	assert_string_equal(row.digest, expect);
	snprintf(expect, sizeof(expect), "tarball:%s/rootfs.tar", top);
	assert_string_equal(row.source, expect);
	assert_null(row.config);
	_cleanup_strv_free_ char **layers = NULL;
	assert_int_equal(image_layers_from_json(&cli, row.layers, &layers), 0);
	assert_int_equal(strv_length(layers), 1);
	assert_true(test_exists(layers[0], "etc/os-release"));
	image_row_done(&row);
}

static void test_tarball_becomes_an_image_with_the_files_digest(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_dir(&t, "etc/");
	tar_file(&t, "etc/os-release", "ID=test\n");
	tar_end(&t);
	test_write(top, "rootfs.tar", t.data, t.len);
	char *file = test_path(top, "rootfs.tar");
	assert_int_equal(import(file), 0);
	check_tarball_image(&t);
	free(file);
	tar_free(&t);
}

static void test_compressed_tarball_keeps_the_digest_of_the_download(void **state)
{
	(void)state;
	TarBuf t = { 0 }, gz = { 0 };
	tar_file(&t, "etc/os-release", "ID=test\n");
	tar_end(&t);
	gzip_stored(&t, &gz);
	test_write(top, "rootfs.tar", gz.data, gz.len);
	/* Relative to the working folder, as a user types it. */
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(top), 0);
	int r = import("rootfs.tar");
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(r, 0);
	check_tarball_image(&gz);
	tar_free(&t);
	tar_free(&gz);
}

static void test_hostile_tarball_leaves_no_image_and_no_folder(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_file(&t, "ok", "x");
	tar_hardlink(&t, "shadow", "../../../../etc/shadow");
	tar_end(&t);
	test_write(top, "rootfs.tar", t.data, t.len);
	char *file = test_path(top, "rootfs.tar");
	assert_int_equal(import(file), -EPERM);
	assert_logged("refusing entry `shadow`: hard link to `../../../../etc/shadow`");
	assert_false(recorded(NULL));
	char *images = path_images_dir(&cli.paths);
	assert_int_equal(test_count_entries(images), 1); /* the lock */
	free(images);
	free(file);
	tar_free(&t);
}

static void test_folder_given_as_a_tarball_gets_a_hint(void **state)
{
	(void)state;
	assert_int_equal(import(top), -EISDIR);
	char expect[PATH_MAX * 3 + 128];
	snprintf(expect, sizeof(expect),
		 "`%s` is a folder: for an OCI image layout write oci:%s; a rootfs folder needs "
		 "no import (berth run %s ...)",
		 top, top, top);
	assert_logged(expect);
}

static void test_missing_tarball_is_named(void **state)
{
	(void)state;
	char *missing = test_path(top, "missing.tar");
	assert_int_equal(import(missing), -ENOENT);
	char expect[PATH_MAX + 64];
	snprintf(expect, sizeof(expect), "`%s`: No such file or directory", missing);
	assert_logged(expect);
	free(missing);
}

static void test_name_is_checked_before_the_source(void **state)
{
	(void)state;
	assert_int_equal(image_import(&cli, "../up", "/nonexistent.tar", &limits), -EINVAL);
	const char *l = logged();
	assert_non_null(strstr(l, "invalid image name `../up`"));
	assert_null(strstr(l, "nonexistent"));
}

static void test_scheme_with_a_missing_or_wrong_kind_of_path_is_named(void **state)
{
	(void)state;
	char *ref = NULL;
	assert_true(asprintf(&ref, "oci:%s/missing:tag", top) > 0);
	assert_int_equal(import(ref), -ENOENT);
	char expect[PATH_MAX + 64];
	snprintf(expect, sizeof(expect), "%s: no such folder", ref);
	assert_logged(expect);
	free(ref);
	/* A file is no OCI layout, a folder no docker archive. */
	test_write(top, "file", "x", 1);
	assert_true(asprintf(&ref, "oci:%s/file", top) > 0);
	assert_int_equal(import(ref), -ENOENT);
	assert_logged("/file: no such folder");
	free(ref);
	assert_true(asprintf(&ref, "docker-archive:%s", top) > 0);
	assert_int_equal(import(ref), -ENOENT);
	assert_logged(": no such file");
	free(ref);
}

/* An OCI layout whose index tags one manifest `v2`: what the import says
 * about a tag shows which tag it got. */
static void make_layout(const char *name)
{
	char *dir = test_path(top, name);
	assert_int_equal(mkdir(dir, 0755), 0);
	test_write(dir, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	static const char idx[] =
		"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
		"\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:"
		"0000000000000000000000000000000000000000000000000000000000000000\",\"size\":2,"
		"\"annotations\":{\"org.opencontainers.image.ref.name\":\"v2\"}}]}";
	test_write(dir, "index.json", idx, strlen(idx));
	free(dir);
}

static void test_oci_reference_is_split_where_the_folder_exists(void **state)
{
	(void)state;
	make_layout("lay");
	make_layout("lay:v1");
	char *ref = NULL;
	/* The whole is a folder: no tag. */
	assert_true(asprintf(&ref, "oci:%s/lay:v1", top) > 0);
	assert_int_equal(import(ref), -ENOENT);
	const char *l = logged();
	assert_null(strstr(l, "no image tagged"));
	assert_non_null(strstr(l, "blobs/sha256/0000"));
	free(ref);
	/* "lay:v3": only "lay" exists, v3 is the tag. */
	assert_true(asprintf(&ref, "oci:%s/lay:v3", top) > 0);
	assert_int_equal(import(ref), -ENOENT);
	assert_logged("no image tagged `v3` (tags: v2)");
	free(ref);
	/* An empty tag is no tag. */
	assert_true(asprintf(&ref, "oci:%s/lay:", top) > 0);
	assert_int_equal(import(ref), -ENOENT);
	l = logged();
	assert_null(strstr(l, "no image tagged"));
	assert_non_null(strstr(l, "blobs/sha256/0000"));
	free(ref);
}

static void test_docker_archive_reference_keeps_the_colons_of_its_tag(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	static const char m[] =
		"[{\"Config\":\"c.json\",\"RepoTags\":[\"other:1\"],\"Layers\":[]}]";
	tar_add(&t, &(TarEntry){ .name = "manifest.json", .data = m, .len = strlen(m) });
	tar_end(&t);
	test_write(top, "saved.tar", t.data, t.len);
	char *ref = NULL;
	assert_true(asprintf(&ref, "docker-archive:%s/saved.tar:repo/app:1", top) > 0);
	assert_int_equal(import(ref), -ENOENT);
	assert_logged("no image tagged `repo/app:1` (tags: other:1)");
	free(ref);
	tar_free(&t);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)
	const struct CMUnitTest tests[] = {
		T(test_folder_given_as_a_tarball_gets_a_hint),
		T(test_missing_tarball_is_named),
		T(test_name_is_checked_before_the_source),
		T(test_scheme_with_a_missing_or_wrong_kind_of_path_is_named),
		T(test_oci_reference_is_split_where_the_folder_exists),
		T(test_docker_archive_reference_keeps_the_colons_of_its_tag),
	};
	/* These unpack. */
	const struct CMUnitTest root_tests[] = {
		T(test_tarball_becomes_an_image_with_the_files_digest),
		T(test_compressed_tarball_keeps_the_digest_of_the_download),
		T(test_hostile_tarball_leaves_no_image_and_no_folder),
	};
#undef T
	return run_image_tests(tests, root_tests, test_log_setup, test_log_teardown);
}
