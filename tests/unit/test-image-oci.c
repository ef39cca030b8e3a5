/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/image-oci.c, linked from libcli.a: OCI image layouts
 * built in a temporary folder, imported into a private root. Every
 * descriptor's digest and size is checked, tags and platforms pick the
 * manifest, and a damaged or hostile layout fails with one line and leaves
 * nothing behind. Tests that get as far as unpacking need root. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include "image-layers.h"
#include "image-test-util.h"
#include "images.h"
#include "sha256.h"

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_LAYER "application/vnd.oci.image.layer.v1.tar"
#define REF_NAME "org.opencontainers.image.ref.name"

static char *top, *layout;
static Cli cli;
static const ImportLimits limits = { .max_files = 1000, .max_bytes = UINT64_C(1) << 30 };

static int each_setup(void **state)
{
	(void)state;
	top = test_mkdtemp();
	layout = test_path(top, "layout");
	char *root = test_path(top, "root"), *blobs = test_path(layout, "blobs/sha256");
	if (mkdir(layout, 0755) < 0 || mkdir_p(blobs, 0755) < 0)
		return -1;
	test_cli_init(&cli, root);
	free(root);
	free(blobs);
	test_write(layout, "oci-layout", "{\"imageLayoutVersion\": \"1.0.0\"}", 31);
	(void)logged();
	return 0;
}

static int each_teardown(void **state)
{
	(void)state;
	test_cli_done(&cli);
	(void)rm_rf(top);
	free(layout);
	free(top);
	return 0;
}

/* Writes a blob; returns its descriptor. */
static json_t *blob(const char *mt, const void *data, size_t len)
{
	char hex[SHA256_HEX_LEN + 1], rel[128], digest[80];
	assert_int_equal(sha256_data(data, len, hex), 0);
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", hex);
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	test_write(layout, rel, data, len);
	return json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", digest, "size",
			 (json_int_t)len);
}

static json_t *blob_json(const char *mt, json_t *doc)
{
	char *s = json_dumps(doc, JSON_COMPACT);
	assert_non_null(s);
	json_t *d = blob(mt, s, strlen(s));
	free(s);
	json_decref(doc);
	return d;
}

static char *digest_of(json_t *desc)
{
	return strdup(json_string_value(json_object_get(desc, "digest")));
}

typedef struct {
	const char *os, *arch;
	const char *layer_mt;
	const char *file;    /* content of the layer's one file, "hello" */
	const char *diff_id; /* overrides the right one */
} ImageSpec;

/* A layer (one file), its config and manifest; returns the manifest's
 * descriptor. */
static json_t *make_image(const ImageSpec *s)
{
	TarBuf t = { 0 };
	tar_file(&t, "hello", s->file ? s->file : "world");
	tar_end(&t);
	json_t *layer = blob(s->layer_mt ? s->layer_mt : MT_LAYER, t.data, t.len);
	char *diff = digest_of(layer);
	tar_free(&t);
	json_t *cfg = json_pack("{s:s, s:s, s:{s:[s], s:[s]}, s:{s:s, s:[s]}}", "os",
				s->os ? s->os : "linux", "architecture",
				s->arch ? s->arch : oci_host_arch(), "config", "Cmd", "/bin/sh",
				"Env", "A=b", "rootfs", "type", "layers", "diff_ids",
				s->diff_id ? s->diff_id : diff);
	free(diff);
	json_t *config = blob_json(MT_CONFIG, cfg);
	json_t *manifest = json_pack("{s:i, s:s, s:o, s:[o]}", "schemaVersion", 2, "mediaType",
				     MT_MANIFEST, "config", config, "layers", layer);
	return blob_json(MT_MANIFEST, manifest);
}

static void tag(json_t *desc, const char *name)
{
	json_object_set_new(desc, "annotations", json_pack("{s:s}", REF_NAME, name));
}

static void platform(json_t *desc, const char *arch)
{
	json_object_set_new(desc, "platform",
			    json_pack("{s:s, s:s}", "os", "linux", "architecture", arch));
}

/* index.json listing the descriptors given (taken). */
static void write_index(json_t *a, json_t *b)
{
	json_t *idx = json_pack("{s:i, s:[]}", "schemaVersion", 2, "manifests");
	json_array_append_new(json_object_get(idx, "manifests"), a);
	if (b)
		json_array_append_new(json_object_get(idx, "manifests"), b);
	char *s = json_dumps(idx, JSON_COMPACT);
	test_write(layout, "index.json", s, strlen(s));
	free(s);
	json_decref(idx);
}

static int import(const char *tag_name)
{
	return image_import_oci(&cli, "img", layout, tag_name, &limits);
}

static bool image_recorded(ImageRow *ret)
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

/* The store's layers folder holds nothing but what a row names. */
static size_t layer_folders(void)
{
	char *dir = path_layers_dir(&cli.paths);
	size_t n = is_dir(dir) ? test_count_entries(dir) : 0;
	free(dir);
	return n;
}

static void test_layout_imports_and_is_recorded_with_its_manifest_digest(void **state)
{
	(void)state;
	json_t *m = make_image(&(ImageSpec){ 0 });
	char *mdigest = digest_of(m);
	tag(m, "v1");
	write_index(m, NULL);
	assert_int_equal(import(NULL), 0);

	ImageRow row;
	assert_true(image_recorded(&row));
	assert_string_equal(row.digest, mdigest);
	assert_non_null(strstr(row.source, "oci:"));
	assert_non_null(strstr(row.config, "\"Cmd\":[\"/bin/sh\"]"));
	/* One layer, named by its diff_id, relative to the root. */
	json_t *layers = json_loads(row.layers, 0, NULL);
	assert_int_equal(json_array_size(layers), 1);
	const char *l = json_string_value(json_array_get(layers, 0));
	assert_true(startswith(l, "layers/"));
	char *abs = path_from_state(&cli.paths, l), *s = NULL;
	char *file = test_path(abs, "hello");
	size_t len;
	assert_int_equal(read_full_file(file, &s, &len), 0);
	assert_string_equal(s, "world");
	json_decref(layers);
	free(s);
	free(file);
	free(abs);
	free(mdigest);
	image_row_done(&row);
}

static void test_layer_already_in_the_store_is_not_read_again(void **state)
{
	(void)state;
	json_t *m = make_image(&(ImageSpec){ 0 });
	json_incref(m);
	write_index(m, NULL);
	assert_int_equal(import(NULL), 0);
	/* The layer's blob goes; a second image of the same layer imports. */
	json_t *manifest = NULL;
	char *digest = digest_of(m), rel[128], *data = NULL;
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", digest_hex(digest));
	char *p = test_path(layout, rel);
	size_t len;
	assert_int_equal(read_full_file(p, &data, &len), 0);
	manifest = json_loads(data, 0, NULL);
	const char *ldigest = json_string_value(
		json_object_get(json_array_get(json_object_get(manifest, "layers"), 0), "digest"));
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", digest_hex(ldigest));
	char *lp = test_path(layout, rel);
	assert_int_equal(unlink(lp), 0);
	assert_int_equal(image_import_oci(&cli, "img2", layout, NULL, &limits), 0);
	assert_int_equal(layer_folders(), 1);
	json_decref(manifest);
	json_decref(m);
	free(lp);
	free(p);
	free(data);
	free(digest);
}

static void test_folder_without_oci_layout_is_not_a_layout(void **state)
{
	(void)state;
	char *p = test_path(layout, "oci-layout");
	assert_int_equal(unlink(p), 0);
	free(p);
	assert_int_equal(import(NULL), -ENOENT);
	assert_logged("is not an OCI image layout (no oci-layout file)");
	assert_false(image_recorded(NULL));
}

static void test_unknown_layout_version_is_refused(void **state)
{
	(void)state;
	test_write(layout, "oci-layout", "{\"imageLayoutVersion\": \"2.0.0\"}", 31);
	assert_int_equal(import(NULL), -EPROTONOSUPPORT);
	assert_logged("oci-layout: unsupported imageLayoutVersion `2.0.0`");
	test_write(layout, "oci-layout", "{}", 2);
	assert_int_equal(import(NULL), -EPROTONOSUPPORT);
	assert_logged("unsupported imageLayoutVersion `(missing)`");
}

static void test_invalid_index_json_names_the_line(void **state)
{
	(void)state;
	test_write(layout, "index.json", "{\n\"manifests\": [,]}", 19);
	assert_int_equal(import(NULL), -EBADMSG);
	const char *l = logged();
	assert_non_null(strstr(l, "index.json: invalid JSON: "));
	assert_non_null(strstr(l, "(line 2)\n"));
}

static void test_index_over_the_size_limit_is_not_read(void **state)
{
	(void)state;
	size_t n = IMAGE_JSON_MAX + 1;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	test_write(layout, "index.json", big, n);
	free(big);
	assert_int_equal(import(NULL), -EFBIG);
	assert_logged("`index.json` is larger than 4 MiB");
}

static void test_index_that_is_a_fifo_is_not_opened(void **state)
{
	(void)state;
	char *p = test_path(layout, "index.json");
	assert_int_equal(mkfifo(p, 0644), 0);
	free(p);
	assert_int_equal(import(NULL), -EBADFD);
	assert_logged("`index.json` is a FIFO, not a regular file");
}

static void test_symlinked_index_stays_inside_the_layout(void **state)
{
	(void)state;
	char *p = test_path(layout, "index.json");
	/* Were it followed on the host, /etc/hostname would be read. */
	assert_int_equal(symlink("/etc/hostname", p), 0);
	free(p);
	assert_int_equal(import(NULL), -ENOENT);
	assert_logged("`index.json`: No such file or directory");
}

static void test_several_images_need_a_tag(void **state)
{
	(void)state;
	json_t *a = make_image(&(ImageSpec){ .file = "a" });
	json_t *b = make_image(&(ImageSpec){ .file = "b" });
	tag(a, "v1");
	tag(b, "v2");
	write_index(a, b);
	assert_int_equal(import(NULL), -ENOTUNIQ);
	assert_logged("holds 2 images: name one with oci:DIR:TAG (tags: v1, v2)");
	assert_int_equal(import("v3"), -ENOENT);
	assert_logged("no image tagged `v3` (tags: v1, v2)");
	assert_false(image_recorded(NULL));
}

static void test_tag_picks_its_image(void **state)
{
	(void)state;
	json_t *a = make_image(&(ImageSpec){ .file = "a" });
	json_t *b = make_image(&(ImageSpec){ .file = "b" });
	char *bd = digest_of(b);
	tag(a, "v1");
	tag(b, "v2");
	write_index(a, b);
	assert_int_equal(import("v2"), 0);
	ImageRow row;
	assert_true(image_recorded(&row));
	assert_string_equal(row.digest, bd);
	assert_true(test_endswith(row.source, ":v2"));
	image_row_done(&row);
	free(bd);
}

static void test_nested_index_picks_the_host_platform(void **state)
{
	(void)state;
	json_t *other = make_image(&(ImageSpec){ .arch = "mips64le", .file = "other" });
	json_t *host = make_image(&(ImageSpec){ .file = "host" });
	char *hd = digest_of(host);
	platform(other, "mips64le");
	platform(host, oci_host_arch());
	json_t *nested = json_pack("{s:i, s:[o, o]}", "schemaVersion", 2, "manifests", other, host);
	json_t *idx = blob_json(MT_INDEX, nested);
	tag(idx, "latest");
	write_index(idx, NULL);
	assert_int_equal(import("latest"), 0);
	ImageRow row;
	assert_true(image_recorded(&row));
	assert_string_equal(row.digest, hd);
	image_row_done(&row);
	free(hd);
}

static void test_indexes_nested_too_deep_are_refused(void **state)
{
	(void)state;
	json_t *d = make_image(&(ImageSpec){ 0 });
	for (int i = 0; i < 5; i++)
		d = blob_json(MT_INDEX,
			      json_pack("{s:i, s:[o]}", "schemaVersion", 2, "manifests", d));
	write_index(d, NULL);
	assert_int_equal(import(NULL), -ELOOP);
	assert_logged("indexes nested too deep");
}

static void test_changed_manifest_fails_its_digest(void **state)
{
	(void)state;
	json_t *m = make_image(&(ImageSpec){ 0 });
	char *d = digest_of(m), rel[128];
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", digest_hex(d));
	/* Same size, one byte changed. */
	char *p = test_path(layout, rel), *data = NULL;
	size_t len;
	assert_int_equal(read_full_file(p, &data, &len), 0);
	data[len - 2] = data[len - 2] == ' ' ? '\t' : ' ';
	test_write(layout, rel, data, len);
	write_index(m, NULL);
	assert_int_equal(import(NULL), -EBADMSG);
	char expect[128];
	snprintf(expect, sizeof(expect), "digest mismatch: expected %s, got sha256:", d);
	assert_logged(expect);
	assert_false(image_recorded(NULL));
	free(p);
	free(data);
	free(d);
}

static void test_descriptor_size_must_match_the_blob(void **state)
{
	(void)state;
	json_t *m = make_image(&(ImageSpec){ 0 });
	json_object_set_new(m, "size", json_integer(1));
	write_index(m, NULL);
	assert_int_equal(import(NULL), -EBADMSG);
	assert_logged("size mismatch: the descriptor says 1 bytes, the blob has ");
}

static void test_digest_that_is_a_path_is_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"sha256:../../../../etc/passwd",
		"sha512:0000",
		"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		write_index(json_pack("{s:s, s:s, s:i}", "mediaType", MT_MANIFEST, "digest", bad[i],
				      "size", 10),
			    NULL);
		assert_int_equal(import(NULL), -EBADMSG);
		char expect[128];
		snprintf(expect, sizeof(expect), "`%s` is not a sha256 digest", bad[i]);
		assert_logged(expect);
	}
	write_index(json_pack("{s:s}", "mediaType", MT_MANIFEST), NULL);
	assert_int_equal(import(NULL), -EBADMSG);
	assert_logged("`(missing)` is not a sha256 digest");
}

static void test_missing_blob_is_named(void **state)
{
	(void)state;
	write_index(
		json_pack("{s:s, s:s, s:i}", "mediaType", MT_MANIFEST, "digest",
			  "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			  "size", 0),
		NULL);
	assert_int_equal(import(NULL), -ENOENT);
	assert_logged(
		"`blobs/sha256/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`"
		": No such file or directory");
}

static void test_layer_of_an_unknown_media_type_is_refused(void **state)
{
	(void)state;
	json_t *m = make_image(&(ImageSpec){
		.layer_mt = "application/vnd.oci.image.layer.v1.tar+gzip+encrypted" });
	write_index(m, NULL);
	assert_int_equal(import(NULL), -EPROTONOSUPPORT);
	assert_logged(
		"layer 1 has media type `application/vnd.oci.image.layer.v1.tar+gzip+encrypted`, "
		"which berth cannot unpack");
}

/* Rewrites the one layer blob of manifest m with other bytes of the same
 * size. */
static char *tamper_layer(json_t *m)
{
	char *d = digest_of(m), rel[128], *data = NULL;
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", digest_hex(d));
	char *p = test_path(layout, rel);
	size_t len;
	assert_int_equal(read_full_file(p, &data, &len), 0);
	json_t *manifest = json_loads(data, 0, NULL);
	json_t *l = json_array_get(json_object_get(manifest, "layers"), 0);
	char *ld = strdup(json_string_value(json_object_get(l, "digest")));
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", digest_hex(ld));
	TarBuf t = { 0 };
	tar_file(&t, "hello", "WORLD");
	tar_end(&t);
	test_write(layout, rel, t.data, t.len);
	tar_free(&t);
	json_decref(manifest);
	free(p);
	free(data);
	free(d);
	return ld;
}

static void test_changed_layer_fails_its_digest_and_leaves_nothing(void **state)
{
	(void)state;
	json_t *m = make_image(&(ImageSpec){ 0 });
	json_incref(m);
	write_index(m, NULL);
	char *ld = tamper_layer(m);
	assert_int_equal(import(NULL), -EBADMSG);
	char expect[160];
	snprintf(expect, sizeof(expect), "layer 1 (%.19s): blob digest mismatch: expected %s", ld,
		 ld);
	assert_logged(expect);
	assert_false(image_recorded(NULL));
	assert_int_equal(layer_folders(), 0);
	json_decref(m);
	free(ld);
}

static void test_layer_size_must_match_the_manifest(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_file(&t, "hello", "world");
	tar_end(&t);
	json_t *layer = blob(MT_LAYER, t.data, t.len);
	tar_free(&t);
	char *diff = digest_of(layer);
	json_object_set_new(layer, "size", json_integer(512));
	json_t *config =
		blob_json(MT_CONFIG, json_pack("{s:s, s:{s:s, s:[s]}}", "os", "linux", "rootfs",
					       "type", "layers", "diff_ids", diff));
	json_t *m = blob_json(MT_MANIFEST, json_pack("{s:i, s:o, s:[o]}", "schemaVersion", 2,
						     "config", config, "layers", layer));
	write_index(m, NULL);
	assert_int_equal(import(NULL), -EBADMSG);
	assert_logged("size mismatch: the manifest says 512 bytes, the blob has 2048 "
		      "(damaged or truncated)");
	free(diff);
}

static void test_wrong_diff_id_fails_after_unpacking_and_leaves_nothing(void **state)
{
	(void)state;
	json_t *m = make_image(&(ImageSpec){
		.diff_id =
			"sha256:1111111111111111111111111111111111111111111111111111111111111111" });
	write_index(m, NULL);
	assert_int_equal(import(NULL), -EBADMSG);
	assert_logged("layer (diff_id) digest mismatch: expected "
		      "sha256:1111111111111111111111111111111111111111111111111111111111111111");
	assert_false(image_recorded(NULL));
	assert_int_equal(layer_folders(), 0);
}

static void test_image_for_another_os_is_refused(void **state)
{
	(void)state;
	json_t *m = make_image(&(ImageSpec){ .os = "windows" });
	write_index(m, NULL);
	assert_int_equal(import(NULL), -ENOEXEC);
	assert_logged("an image for `windows`, not Linux");
}

static void test_manifest_without_layers_is_refused(void **state)
{
	(void)state;
	json_t *config = blob_json(MT_CONFIG, json_pack("{s:s}", "os", "linux"));
	json_t *m = blob_json(MT_MANIFEST,
			      json_pack("{s:i, s:o}", "schemaVersion", 2, "config", config));
	write_index(m, NULL);
	assert_int_equal(import(NULL), -EBADMSG);
	assert_logged("the manifest has no config or layers");
}

static void test_missing_layout_folder_is_named(void **state)
{
	(void)state;
	char *missing = test_path(top, "nowhere");
	assert_int_equal(image_import_oci(&cli, "img", missing, NULL, &limits), -ENOENT);
	char expect[PATH_MAX];
	snprintf(expect, sizeof(expect), "oci:%s: No such file or directory", missing);
	assert_logged(expect);
	free(missing);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)
	const struct CMUnitTest tests[] = {
		T(test_folder_without_oci_layout_is_not_a_layout),
		T(test_unknown_layout_version_is_refused),
		T(test_invalid_index_json_names_the_line),
		T(test_index_over_the_size_limit_is_not_read),
		T(test_index_that_is_a_fifo_is_not_opened),
		T(test_symlinked_index_stays_inside_the_layout),
		T(test_several_images_need_a_tag),
		T(test_indexes_nested_too_deep_are_refused),
		T(test_changed_manifest_fails_its_digest),
		T(test_descriptor_size_must_match_the_blob),
		T(test_digest_that_is_a_path_is_refused),
		T(test_missing_blob_is_named),
		T(test_layer_of_an_unknown_media_type_is_refused),
		T(test_changed_layer_fails_its_digest_and_leaves_nothing),
		T(test_layer_size_must_match_the_manifest),
		T(test_image_for_another_os_is_refused),
		T(test_manifest_without_layers_is_refused),
		T(test_missing_layout_folder_is_named),
	};
	/* These unpack. */
	const struct CMUnitTest root_tests[] = {
		T(test_layout_imports_and_is_recorded_with_its_manifest_digest),
		T(test_layer_already_in_the_store_is_not_read_again),
		T(test_tag_picks_its_image),
		T(test_nested_index_picks_the_host_platform),
		T(test_wrong_diff_id_fails_after_unpacking_and_leaves_nothing),
	};
#undef T
	return run_image_tests(tests, root_tests, test_log_setup, test_log_teardown);
}
