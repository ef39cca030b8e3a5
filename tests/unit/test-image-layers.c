/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/image-layers.c, linked from libcli.a: the image
 * config's checks, the layer list recorded top first and each folder
 * once, limits that hold for the whole import, layers found in the store,
 * and the sweep of what a failed import unpacked. Unpacking needs root. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include "image-layers.h"
#include "image-test-util.h"
#include "sha256.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static char *top;
static Cli cli;
static LayeredImport im;
static const ImportLimits limits = { .max_files = 1000, .max_bytes = UINT64_C(1) << 30 };

static int each_setup(void **state)
{
	(void)state;
	top = test_mkdtemp();
	char *root = test_path(top, "root");
	test_cli_init(&cli, root);
	free(root);
	sqlite3 *db;
	if (cli_db(&cli, &db) < 0) /* makes the store's folders */
		return -1;
	char abs[PATH_MAX];
	if (layered_import_start(&im, &cli, "img", "oci", top, "tag", &limits, abs) < 0)
		return -1;
	(void)logged();
	return 0;
}

static int each_teardown(void **state)
{
	(void)state;
	layered_import_done(&im);
	test_cli_done(&cli);
	(void)rm_rf(top);
	free(top);
	return 0;
}

static int set_config(const char *json)
{
	return layered_import_set_config(&im, json, strlen(json), "cfg");
}

static void test_json_parse_object_names_the_line_or_the_type(void **state)
{
	(void)state;
	json_t *j = NULL;
	assert_int_equal(json_parse_object("{\n\n\"a\": }", 9, "doc", &j), -EBADMSG);
	assert_logged("berth: doc: invalid JSON: ");
	assert_int_equal(json_parse_object("[1]", 3, "doc", &j), -EBADMSG);
	assert_logged("berth: doc: expected a JSON object\n");
	assert_int_equal(json_parse_object("{\"a\":1,\"a\":2}", 13, "doc", &j), -EBADMSG);
	assert_logged("duplicate object key");
	/* Only len bytes count: what follows is not read. */
	assert_int_equal(json_parse_object("{\"a\":\"b\"}garbage", 9, "doc", &j), 0);
	assert_string_equal(json_object_get_string(j, "a"), "b");
	assert_null(json_object_get_string(j, "missing"));
	assert_null(json_object_get_string(NULL, "a"));
	json_decref(j);
	assert_int_equal(json_parse_object("{\"n\":1}", 7, "doc", &j), 0);
	assert_null(json_object_get_string(j, "n"));
	json_decref(j);
}

static void test_host_arch_is_named_in_ocis_words(void **state)
{
	(void)state;
	struct utsname u;
	assert_int_equal(uname(&u), 0);
	if (streq(u.machine, "x86_64"))
		assert_string_equal(oci_host_arch(), "amd64");
	else if (streq(u.machine, "aarch64"))
		assert_string_equal(oci_host_arch(), "arm64");
	else
		skip();
}

static void test_start_records_the_source_with_an_absolute_path(void **state)
{
	(void)state;
	char *expect = NULL;
	assert_true(asprintf(&expect, "oci:%s:tag", top) > 0);
	assert_string_equal(im.source, expect);
	free(expect);
	layered_import_done(&im);

	char abs[PATH_MAX], cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(top), 0);
	int r = layered_import_start(&im, &cli, "img", "docker-archive", "./root/../root", NULL,
				     &limits, abs);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(r, 0);
	expect = test_path(top, "root");
	assert_string_equal(abs, expect);
	char *src = NULL;
	assert_true(asprintf(&src, "docker-archive:%s", expect) > 0);
	assert_string_equal(im.source, src);
	free(src);
	free(expect);
	layered_import_done(&im);

	assert_int_equal(layered_import_start(&im, &cli, "img", "oci", "/nonexistent/x", NULL,
					      &limits, abs),
			 -ENOENT);
	assert_logged("oci:/nonexistent/x: No such file or directory");
}

static void test_config_takes_diff_ids_and_run_defaults(void **state)
{
	(void)state;
	assert_int_equal(layered_import_add_layer(&im, "l1", "sha256:" HEX_A, 10), 0);
	assert_int_equal(layered_import_add_layer(&im, "l2", NULL, -1), 0);
	assert_int_equal(set_config("{\"os\":\"linux\",\"config\":{\"Env\": [\"A=1\"]},"
				    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
				    "[\"sha256:" HEX_B "\",\"sha256:" HEX_A "\"]}}"),
			 0);
	assert_string_equal(im.layers[0].diff_id, "sha256:" HEX_B);
	assert_string_equal(im.layers[1].diff_id, "sha256:" HEX_A);
	assert_string_equal(im.layers[0].blob_digest, "sha256:" HEX_A);
	assert_null(im.layers[1].blob_digest);
	assert_int_equal(im.layers[0].blob_size, 10);
	assert_string_equal(im.config_json, "{\"Env\":[\"A=1\"]}");
}

static void test_empty_run_defaults_are_not_kept(void **state)
{
	(void)state;
	assert_int_equal(layered_import_add_layer(&im, "l1", NULL, -1), 0);
	assert_int_equal(set_config("{\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
				    "[\"sha256:" HEX_A "\"]}}"),
			 0);
	assert_null(im.config_json);
}

static void test_config_that_does_not_fit_the_manifest_is_refused(void **state)
{
	(void)state;
	assert_int_equal(layered_import_add_layer(&im, "l1", NULL, -1), 0);
	assert_int_equal(set_config("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
				    "[\"sha256:" HEX_A "\",\"sha256:" HEX_B "\"]}}"),
			 -EBADMSG);
	assert_logged("cfg: lists 2 layer digests, but the manifest has 1 layers");
	assert_int_equal(set_config("{\"rootfs\":{\"type\":\"foo\",\"diff_ids\":[]}}"), -EBADMSG);
	assert_logged("cfg: no rootfs.diff_ids list of layers");
	assert_int_equal(set_config("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":{}}}"),
			 -EBADMSG);
	assert_logged("cfg: no rootfs.diff_ids list of layers");
	assert_int_equal(set_config("{}"), -EBADMSG);
	assert_logged("cfg: no rootfs.diff_ids list of layers");
	assert_int_equal(set_config("{\"os\":\"windows\"}"), -ENOEXEC);
	assert_logged("cfg: an image for `windows`, not Linux");
	assert_int_equal(set_config("[]"), -EBADMSG);
	assert_logged("cfg: expected a JSON object");
}

static void test_image_without_layers_is_refused(void **state)
{
	(void)state;
	assert_int_equal(set_config("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"),
			 -EBADMSG);
	assert_logged("cfg: the image has no layers");
}

static void test_diff_id_that_is_not_a_digest_is_named_by_its_layer(void **state)
{
	(void)state;
	assert_int_equal(layered_import_add_layer(&im, "l1", NULL, -1), 0);
	assert_int_equal(layered_import_add_layer(&im, "l2", NULL, -1), 0);
	assert_int_equal(set_config("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
				    "[\"sha256:" HEX_A "\",\"sha256:../../x\"]}}"),
			 -EBADMSG);
	assert_logged("cfg: layer 2: `sha256:../../x` is not a sha256 digest");
	assert_int_equal(set_config("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
				    "[7, \"sha256:" HEX_A "\"]}}"),
			 -EBADMSG);
	assert_logged("cfg: layer 1: `(not a string)` is not a sha256 digest");
}

static void test_image_for_another_architecture_is_a_warning(void **state)
{
	(void)state;
	assert_int_equal(layered_import_add_layer(&im, "l1", NULL, -1), 0);
	assert_int_equal(set_config("{\"architecture\":\"mips64le\",\"rootfs\":{\"type\":"
				    "\"layers\",\"diff_ids\":[\"sha256:" HEX_A "\"]}}"),
			 0);
	char expect[128];
	snprintf(expect, sizeof(expect), "cfg: an image for `mips64le`; this machine is `%s`",
		 oci_host_arch());
	assert_logged(expect);
}

static void set_layers(const char *const *hexes, const int64_t *sizes)
{
	for (size_t i = 0; hexes[i]; i++) {
		char d[80];
		snprintf(d, sizeof(d), "sha256:%s", hexes[i]);
		assert_int_equal(layered_import_add_layer(&im, hexes[i], NULL, -1), 0);
		im.layers[i].diff_id = strdup(d);
		im.layers[i].present = true;
		im.layers[i].size = sizes[i];
	}
}

static void test_commit_lists_layers_top_first_each_once(void **state)
{
	(void)state;
	/* Bottom first: A, B, then A again on top. */
	set_layers((const char *const[]){ HEX_A, HEX_B, HEX_A, NULL },
		   (const int64_t[]){ 100, 20, 100 });
	im.digest = strdup("sha256:" HEX_B);
	assert_int_equal(layered_import_commit(&im), 0);
	sqlite3 *db;
	assert_int_equal(cli_db(&cli, &db), 0);
	ImageRow row;
	assert_int_equal(db_image_get_by_name(db, "img", &row), 0);
	assert_string_equal(row.layers, "[\"layers/" HEX_A "\",\"layers/" HEX_B "\"]");
	assert_int_equal(row.size, 120);
	assert_string_equal(row.digest, "sha256:" HEX_B);
	LayerRow *layers;
	size_t n;
	assert_int_equal(db_image_get_layers(db, row.id, &layers, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(layers[0].digest, "sha256:" HEX_A);
	assert_string_equal(layers[1].digest, "sha256:" HEX_B);
	assert_string_equal(layers[2].digest, "sha256:" HEX_A);
	layer_rows_free(layers, n);
	image_row_done(&row);
	assert_true(im.committed);
}

static void test_commit_of_a_taken_name_fails(void **state)
{
	(void)state;
	set_layers((const char *const[]){ HEX_A, NULL }, (const int64_t[]){ 1 });
	assert_int_equal(layered_import_commit(&im), 0);
	im.committed = false;
	assert_int_equal(layered_import_commit(&im), -EEXIST);
	assert_logged("image `img` already exists");
}

static void test_commit_names_a_missing_layer(void **state)
{
	(void)state;
	set_layers((const char *const[]){ HEX_A, HEX_B, NULL }, (const int64_t[]){ 1, 2 });
	im.layers[1].present = false;
	assert_int_equal(layered_import_commit(&im), -ENOENT);
	char expect[256];
	snprintf(expect, sizeof(expect), "oci:%s:tag: layer 2 (%s) is missing from the source", top,
		 HEX_B);
	assert_logged(expect);
	sqlite3 *db;
	assert_int_equal(cli_db(&cli, &db), 0);
	ImageRow row;
	assert_int_equal(db_image_get_by_name(db, "img", &row), -ENOENT);
}

static void test_lock_finds_a_layer_left_in_the_store(void **state)
{
	(void)state;
	set_layers((const char *const[]){ HEX_A, HEX_B, HEX_A, NULL },
		   (const int64_t[]){ 0, 0, 0 });
	for (size_t i = 0; i < im.n_layers; i++)
		im.layers[i].present = false;
	/* Left by an import that died before recording it, while another
	 * import runs (else the lock's sweep would remove it first). */
	char *images = path_images_dir(&cli.paths), *lock = test_path(images, ".lock");
	int other = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(other >= 0);
	assert_int_equal(flock(other, LOCK_SH), 0);
	char *dir = path_layer_dir(&cli.paths, HEX_A);
	assert_int_equal(mkdir(dir, 0755), 0);
	char data[8192] = { 1 };
	test_write(dir, "f", data, sizeof(data));
	assert_int_equal(layered_import_lock(&im), 0);
	assert_true(im.layers[0].present);
	assert_false(im.layers[1].present);
	assert_true(im.layers[2].present);
	assert_true(im.layers[0].size >= (int64_t)sizeof(data));
	assert_int_equal(im.layers[2].size, im.layers[0].size);
	close(other);
	free(dir);
	free(lock);
	free(images);
}

static int memfd_tar(const TarBuf *t)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, t->data, t->len), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* One layer of n files; its diff_id (and blob digest) are right. */
static void add_tar_layer(TarBuf *t, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s%zu", prefix, i);
		tar_file(t, name, "x");
	}
	tar_end(t);
	char hex[SHA256_HEX_LEN + 1], d[80];
	assert_int_equal(sha256_data(t->data, t->len, hex), 0);
	snprintf(d, sizeof(d), "sha256:%s", hex);
	size_t i = im.n_layers;
	assert_int_equal(layered_import_add_layer(&im, prefix, d, (int64_t)t->len), 0);
	im.layers[i].diff_id = strdup(d);
}

static void test_lock_sweeps_a_layer_nobody_records_when_idle(void **state)
{
	(void)state;
	set_layers((const char *const[]){ HEX_A, NULL }, (const int64_t[]){ 0 });
	im.layers[0].present = false;
	char *dir = path_layer_dir(&cli.paths, HEX_A);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(layered_import_lock(&im), 0);
	assert_false(im.layers[0].present);
	assert_false(is_dir(dir));
	free(dir);
}

static void test_unpacked_layer_moves_into_place_and_counts_against_the_limits(void **state)
{
	(void)state;
	im.files_left = 5;
	TarBuf a = { 0 }, b = { 0 };
	add_tar_layer(&a, 3, "a");
	add_tar_layer(&b, 3, "b");
	assert_int_equal(layered_import_lock(&im), 0);
	int fd = memfd_tar(&a);
	assert_int_equal(layered_import_unpack(&im, 0, "layer 1", fd, NULL, a.len), 0);
	close(fd);
	assert_true(im.layers[0].present);
	assert_int_equal(im.files_left, 2);
	assert_int_equal(im.bytes_left, limits.max_bytes - a.len);
	char *dir = path_layer_dir(&cli.paths, digest_hex(im.layers[0].diff_id));
	assert_true(test_exists(dir, "a2"));
	free(dir);
	/* Three more files would make six for the import: over its limit. */
	fd = memfd_tar(&b);
	assert_int_equal(layered_import_unpack(&im, 1, "layer 2", fd, NULL, b.len), -EMFILE);
	close(fd);
	assert_logged("layer 2: more than 2 entries: refusing a possible tar bomb");
	assert_false(im.layers[1].present);
	/* The failed layer's temporary folder is gone. */
	char *store = path_layers_dir(&cli.paths);
	assert_int_equal(test_count_entries(store), 1);
	free(store);
	tar_free(&a);
	tar_free(&b);
}

static void test_digest_mismatch_leaves_no_folder(void **state)
{
	(void)state;
	TarBuf a = { 0 };
	add_tar_layer(&a, 1, "a");
	free(im.layers[0].blob_digest);
	im.layers[0].blob_digest = strdup("sha256:" HEX_B);
	assert_int_equal(layered_import_lock(&im), 0);
	int fd = memfd_tar(&a);
	assert_int_equal(layered_import_unpack(&im, 0, "layer 1", fd, NULL, a.len), -EBADMSG);
	close(fd);
	assert_logged("layer 1: blob digest mismatch: expected sha256:" HEX_B ", got sha256:");
	char *store = path_layers_dir(&cli.paths);
	assert_int_equal(test_count_entries(store), 0);
	free(store);
	tar_free(&a);
}

static void test_failed_import_sweeps_the_layers_it_placed(void **state)
{
	(void)state;
	TarBuf a = { 0 };
	add_tar_layer(&a, 1, "a");
	assert_int_equal(layered_import_lock(&im), 0);
	int fd = memfd_tar(&a);
	assert_int_equal(layered_import_unpack(&im, 0, "layer 1", fd, NULL, a.len), 0);
	close(fd);
	char *store = path_layers_dir(&cli.paths);
	assert_int_equal(test_count_entries(store), 1);
	/* Never committed: nothing names the layer, and nobody else imports. */
	layered_import_done(&im);
	assert_int_equal(test_count_entries(store), 0);
	free(store);
	tar_free(&a);
}

static void test_committed_import_keeps_its_layers(void **state)
{
	(void)state;
	TarBuf a = { 0 };
	add_tar_layer(&a, 1, "a");
	assert_int_equal(layered_import_lock(&im), 0);
	int fd = memfd_tar(&a);
	assert_int_equal(layered_import_unpack(&im, 0, "layer 1", fd, NULL, a.len), 0);
	close(fd);
	assert_int_equal(layered_import_commit(&im), 0);
	layered_import_done(&im);
	char *store = path_layers_dir(&cli.paths);
	assert_int_equal(test_count_entries(store), 1);
	free(store);
	tar_free(&a);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)
	const struct CMUnitTest tests[] = {
		T(test_json_parse_object_names_the_line_or_the_type),
		T(test_host_arch_is_named_in_ocis_words),
		T(test_start_records_the_source_with_an_absolute_path),
		T(test_config_takes_diff_ids_and_run_defaults),
		T(test_empty_run_defaults_are_not_kept),
		T(test_config_that_does_not_fit_the_manifest_is_refused),
		T(test_image_without_layers_is_refused),
		T(test_diff_id_that_is_not_a_digest_is_named_by_its_layer),
		T(test_image_for_another_architecture_is_a_warning),
		T(test_commit_lists_layers_top_first_each_once),
		T(test_commit_of_a_taken_name_fails),
		T(test_commit_names_a_missing_layer),
		T(test_lock_finds_a_layer_left_in_the_store),
		T(test_lock_sweeps_a_layer_nobody_records_when_idle),
	};
	/* These unpack. */
	const struct CMUnitTest root_tests[] = {
		T(test_unpacked_layer_moves_into_place_and_counts_against_the_limits),
		T(test_digest_mismatch_leaves_no_folder),
		T(test_failed_import_sweeps_the_layers_it_placed),
		T(test_committed_import_keeps_its_layers),
	};
#undef T
	return run_image_tests(tests, root_tests, test_log_setup, test_log_teardown);
}
