/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/image-docker-archive.c, linked from libcli.a:
 * `docker save` tarballs (the legacy layout and Docker 25's blobs/ one,
 * with symlinked layers) built byte by byte and imported into a private
 * root. manifest.json picks the image by tag, the config is verified
 * against the digest its name promises, member names cannot leave the
 * archive, and each failure is one line. Unpacking needs root. */
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

static char *top, *file;
static Cli cli;
static const ImportLimits limits = { .max_files = 1000, .max_bytes = UINT64_C(1) << 30 };

static int each_setup(void **state)
{
	(void)state;
	top = test_mkdtemp();
	file = test_path(top, "saved.tar");
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
	free(file);
	free(top);
	return 0;
}

static void hex_of(const void *data, size_t len, char hex[static SHA256_HEX_LEN + 1])
{
	assert_int_equal(sha256_data(data, len, hex), 0);
}

/* A layer tar holding one file "hello". */
static void layer_tar(TarBuf *t, const char *content)
{
	tar_file(t, "hello", content);
	tar_end(t);
}

/* The config for layers of these diff_id hexes (NULL-terminated). */
static char *config_for(const char *const *hexes)
{
	json_t *ids = json_array();
	for (size_t i = 0; hexes[i]; i++) {
		char d[80];
		snprintf(d, sizeof(d), "sha256:%s", hexes[i]);
		json_array_append_new(ids, json_string(d));
	}
	json_t *cfg = json_pack("{s:s, s:s, s:{s:[s]}, s:{s:s, s:o}}", "os", "linux",
				"architecture", oci_host_arch(), "config", "Cmd", "/bin/true",
				"rootfs", "type", "layers", "diff_ids", ids);
	char *s = json_dumps(cfg, JSON_COMPACT);
	json_decref(cfg);
	return s;
}

static void add_member(TarBuf *out, const char *name, const void *data, size_t len)
{
	tar_add(out, &(TarEntry){ .name = name, .type = '0', .data = data, .len = len });
}

static void save(const TarBuf *t)
{
	test_write(top, "saved.tar", t->data, t->len);
}

/* The legacy layout: <hex>.json, <id>/layer.tar, manifest.json. */
static void legacy_archive(TarBuf *out, const char *content, const char *tags_json,
			   char ret_cfg_hex[static SHA256_HEX_LEN + 1])
{
	TarBuf l = { 0 };
	layer_tar(&l, content);
	char lhex[SHA256_HEX_LEN + 1], name[128];
	hex_of(l.data, l.len, lhex);
	char *cfg = config_for((const char *const[]){ lhex, NULL });
	hex_of(cfg, strlen(cfg), ret_cfg_hex);
	snprintf(name, sizeof(name), "%s.json", ret_cfg_hex);
	add_member(out, name, cfg, strlen(cfg));
	snprintf(name, sizeof(name), "%.12s/layer.tar", lhex);
	add_member(out, name, l.data, l.len);
	char *manifest = NULL;
	assert_true(
		asprintf(
			&manifest,
			"[{\"Config\":\"%s.json\",\"RepoTags\":%s,\"Layers\":[\"%.12s/layer.tar\"]}]",
			ret_cfg_hex, tags_json, lhex) > 0);
	add_member(out, "manifest.json", manifest, strlen(manifest));
	free(manifest);
	free(cfg);
	tar_free(&l);
}

static int import(const char *ref)
{
	return image_import_docker_archive(&cli, "img", file, ref, &limits);
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

static char *layer_file(const ImageRow *row)
{
	json_t *layers = json_loads(row->layers, 0, NULL);
	assert_int_equal(json_array_size(layers), 1);
	char *abs = path_from_state(&cli.paths, json_string_value(json_array_get(layers, 0)));
	json_decref(layers);
	char *p = test_path(abs, "hello"), *s = NULL;
	size_t len;
	free(abs);
	int r = read_full_file(p, &s, &len);
	free(p);
	return r < 0 ? NULL : s;
}

static void test_legacy_archive_imports_with_the_config_digest(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	char cfg_hex[SHA256_HEX_LEN + 1];
	legacy_archive(&t, "legacy", "[\"app:1\"]", cfg_hex);
	tar_end(&t);
	save(&t);
	assert_int_equal(import(NULL), 0);
	ImageRow row;
	assert_true(image_recorded(&row));
	char expect[80];
	snprintf(expect, sizeof(expect), "sha256:%s", cfg_hex);
	assert_string_equal(row.digest, expect);
	char *abs = realpath(file, NULL), *src = NULL;
	assert_true(asprintf(&src, "docker-archive:%s", abs) > 0);
	assert_string_equal(row.source, src);
	assert_non_null(strstr(row.config, "/bin/true"));
	char *s = layer_file(&row);
	assert_string_equal(s, "legacy");
	free(s);
	free(src);
	free(abs);
	image_row_done(&row);
	tar_free(&t);
}

/* Docker 25: blobs/sha256/<hex>, the layer named through a symlink. */
static void blobs_archive(TarBuf *out, bool tamper)
{
	TarBuf l = { 0 };
	layer_tar(&l, "blobs");
	char lhex[SHA256_HEX_LEN + 1], chex[SHA256_HEX_LEN + 1], name[128], target[128];
	hex_of(l.data, l.len, lhex);
	char *cfg = config_for((const char *const[]){ lhex, NULL });
	hex_of(cfg, strlen(cfg), chex);
	tar_dir(out, "blobs/");
	tar_dir(out, "blobs/sha256/");
	snprintf(name, sizeof(name), "blobs/sha256/%s", chex);
	add_member(out, name, cfg, strlen(cfg));
	snprintf(name, sizeof(name), "blobs/sha256/%s", lhex);
	if (tamper)
		l.data[512] = 'B';
	add_member(out, name, l.data, l.len);
	snprintf(target, sizeof(target), "../blobs/sha256/%s", lhex);
	tar_dir(out, "id/");
	tar_symlink(out, "id/layer.tar", target);
	char *manifest = NULL;
	assert_true(asprintf(&manifest,
			     "[{\"Config\":\"blobs/sha256/%s\",\"RepoTags\":[\"app:latest\"],"
			     "\"Layers\":[\"./id//layer.tar\"]}]",
			     chex) > 0);
	add_member(out, "manifest.json", manifest, strlen(manifest));
	tar_end(out);
	free(manifest);
	free(cfg);
	tar_free(&l);
}

static void test_blobs_layout_with_a_symlinked_layer_imports(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	blobs_archive(&t, false);
	save(&t);
	/* "app" is app:latest. */
	assert_int_equal(import("app"), 0);
	ImageRow row;
	assert_true(image_recorded(&row));
	char *s = layer_file(&row);
	assert_string_equal(s, "blobs");
	free(s);
	image_row_done(&row);
	tar_free(&t);
}

static void test_blob_that_does_not_match_its_name_is_refused(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	blobs_archive(&t, true);
	save(&t);
	assert_int_equal(import(NULL), -EBADMSG);
	/* The layer is named by the digest its blob's name promises. */
	TarBuf l = { 0 };
	layer_tar(&l, "blobs");
	char lhex[SHA256_HEX_LEN + 1], want[256];
	hex_of(l.data, l.len, lhex);
	tar_free(&l);
	snprintf(want, sizeof(want),
		 "saved.tar: layer 1 (sha256:%.12s): blob digest mismatch: expected sha256:%s",
		 lhex, lhex);
	assert_logged(want);
	assert_false(image_recorded(NULL));
	tar_free(&t);
}

static void test_archive_without_manifest_is_not_a_docker_save(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_file(&t, "some.json", "{}");
	tar_end(&t);
	save(&t);
	assert_int_equal(import(NULL), -ENOENT);
	assert_logged("saved.tar: not a docker save archive (no manifest.json)");
	tar_free(&t);
}

static void test_file_that_is_not_a_tar_is_refused(void **state)
{
	(void)state;
	test_write(top, "saved.tar", "just some text, not an archive\n", 31);
	assert_int_equal(import(NULL), -EBADMSG);
	assert_logged("saved.tar: ");
	assert_false(image_recorded(NULL));
}

static void test_manifest_with_duplicate_keys_is_invalid(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	static const char m[] = "[{\"Config\":\"a.json\",\"Config\":\"b.json\",\"Layers\":[]}]";
	add_member(&t, "manifest.json", m, strlen(m));
	tar_end(&t);
	save(&t);
	assert_int_equal(import(NULL), -EBADMSG);
	assert_logged("manifest.json: invalid JSON: duplicate object key");
	tar_free(&t);
}

static void test_several_images_are_picked_by_tag(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	static const char m[] =
		"[{\"Config\":\"a.json\",\"RepoTags\":[\"one:1\"],\"Layers\":[]},"
		"{\"Config\":\"b.json\",\"RepoTags\":[\"two:latest\"],\"Layers\":[]}]";
	add_member(&t, "manifest.json", m, strlen(m));
	tar_end(&t);
	save(&t);
	assert_int_equal(import(NULL), -ENOTUNIQ);
	assert_logged("holds 2 images: name one with docker-archive:FILE:REPO:TAG (tags: one:1, "
		      "two:latest)");
	assert_int_equal(import("three"), -ENOENT);
	assert_logged("no image tagged `three` (tags: one:1, two:latest)");
	/* A tag picks its entry: here the next error is about its config. */
	assert_int_equal(import("two"), -ENOENT);
	assert_logged("config `b.json` is not in the archive");
	assert_int_equal(import("one:1"), -ENOENT);
	assert_logged("config `a.json` is not in the archive");
	/* "one" alone means one:latest, which is not there. */
	assert_int_equal(import("one"), -ENOENT);
	assert_logged("no image tagged `one`");
	tar_free(&t);
}

static void test_config_not_named_by_its_digest_cannot_be_verified(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	static const char m[] = "[{\"Config\":\"config.json\",\"Layers\":[]}]";
	add_member(&t, "config.json", "{}", 2);
	add_member(&t, "manifest.json", m, strlen(m));
	tar_end(&t);
	save(&t);
	assert_int_equal(import(NULL), -EBADMSG);
	assert_logged("config `config.json` is not named by its digest, so it cannot be verified");
	tar_free(&t);
}

static void test_changed_config_fails_its_digest(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	char name[128], *m = NULL;
	const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	snprintf(name, sizeof(name), "%s.json", hex);
	add_member(&t, name, "{}", 2);
	assert_true(asprintf(&m, "[{\"Config\":\"%s\",\"Layers\":[]}]", name) > 0);
	add_member(&t, "manifest.json", m, strlen(m));
	tar_end(&t);
	save(&t);
	assert_int_equal(import(NULL), -EBADMSG);
	char expect[160];
	snprintf(expect, sizeof(expect),
		 "config digest mismatch: expected sha256:%s, got sha256:", hex);
	assert_logged(expect);
	free(m);
	tar_free(&t);
}

static void test_layer_name_that_leaves_the_archive_is_refused(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	static const char m[] = "[{\"Config\":\"c.json\",\"Layers\":[\"ok/layer.tar\","
				"\"../../etc/passwd\"]}]";
	add_member(&t, "manifest.json", m, strlen(m));
	tar_end(&t);
	save(&t);
	assert_int_equal(import(NULL), -EBADMSG);
	assert_logged("manifest.json: layer 2: bad name");
	tar_free(&t);
}

static void test_symlink_out_of_the_archive_or_in_a_loop_is_a_bad_name(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	static const char m[] = "[{\"Config\":\"c.json\",\"Layers\":[\"a/layer.tar\"]}]";
	tar_symlink(&t, "a/layer.tar", "../b/layer.tar");
	tar_symlink(&t, "b/layer.tar", "../a/layer.tar");
	add_member(&t, "manifest.json", m, strlen(m));
	tar_end(&t);
	save(&t);
	assert_int_equal(import(NULL), -EBADMSG);
	assert_logged("manifest.json: layer 1: bad name");
	tar_free(&t);

	/* A symlink that climbs out is no member at all: it is left out,
	 * and the layer is then missing. */
	tar_symlink(&t, "a/layer.tar", "../../../etc/shadow");
	add_member(&t, "manifest.json", m, strlen(m));
	tar_end(&t);
	save(&t);
	assert_int_equal(import(NULL), -ENOENT);
	assert_logged("config `c.json` is not in the archive");
	tar_free(&t);
}

static void test_layer_missing_from_the_archive_is_named(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	char lhex[SHA256_HEX_LEN + 1], chex[SHA256_HEX_LEN + 1], name[128], *m = NULL;
	TarBuf l = { 0 };
	layer_tar(&l, "x");
	hex_of(l.data, l.len, lhex);
	char *cfg = config_for((const char *const[]){ lhex, NULL });
	hex_of(cfg, strlen(cfg), chex);
	snprintf(name, sizeof(name), "%s.json", chex);
	add_member(&t, name, cfg, strlen(cfg));
	assert_true(asprintf(&m, "[{\"Config\":\"%s\",\"Layers\":[\"gone/layer.tar\"]}]", name) >
		    0);
	add_member(&t, "manifest.json", m, strlen(m));
	tar_end(&t);
	save(&t);
	assert_int_equal(import(NULL), -ENOENT);
	assert_logged("layer 1 (gone/layer.tar) is missing from the source");
	assert_false(image_recorded(NULL));
	free(m);
	free(cfg);
	tar_free(&l);
	tar_free(&t);
}

static void test_hostile_layer_is_refused_with_the_unpackers_reason(void **state)
{
	(void)state;
	TarBuf t = { 0 }, l = { 0 };
	tar_file(&l, "/etc/cron.d/evil", "* * * * * root sh\n");
	tar_end(&l);
	char lhex[SHA256_HEX_LEN + 1], chex[SHA256_HEX_LEN + 1], name[128], *m = NULL;
	hex_of(l.data, l.len, lhex);
	char *cfg = config_for((const char *const[]){ lhex, NULL });
	hex_of(cfg, strlen(cfg), chex);
	snprintf(name, sizeof(name), "%s.json", chex);
	add_member(&t, name, cfg, strlen(cfg));
	add_member(&t, "l/layer.tar", l.data, l.len);
	assert_true(asprintf(&m, "[{\"Config\":\"%s\",\"Layers\":[\"l/layer.tar\"]}]", name) > 0);
	add_member(&t, "manifest.json", m, strlen(m));
	tar_end(&t);
	save(&t);
	assert_int_equal(import(NULL), -EPERM);
	/* Named by its digest (the legacy layout names no blob): a member's
	 * name ends in "layer.tar" or a cut-off hex digest on a progress bar. */
	char want[128];
	snprintf(want, sizeof(want),
		 "layer 1 (sha256:%.12s): refusing entry `/etc/cron.d/evil`: absolute path", lhex);
	assert_logged(want);
	assert_false(image_recorded(NULL));
	free(m);
	free(cfg);
	tar_free(&l);
	tar_free(&t);
}

/* Docker 25 stores layers as blobs/sha256/<hex> too, and writes
 * manifest.json last: many small layers must not crowd the JSON members
 * the import needs out of what it keeps in memory. */
static void test_many_small_layer_blobs_do_not_crowd_out_the_manifest(void **state)
{
	(void)state;
	TarBuf t = { 0 };
	tar_dir(&t, "blobs/");
	tar_dir(&t, "blobs/sha256/");
	/* 17 blobs just under the size of a JSON member: 68 MiB. Gzip's
	 * magic, as a compressed layer starts. */
	size_t n = IMAGE_JSON_MAX - 1;
	char *junk = malloc(n);
	assert_non_null(junk);
	memset(junk, 'j', n);
	junk[0] = 0x1f;
	junk[1] = (char)0x8b;
	for (int i = 0; i < 17; i++) {
		char name[128];
		snprintf(name, sizeof(name), "blobs/sha256/%064x", i + 1);
		add_member(&t, name, junk, n);
	}
	free(junk);
	TarBuf rest = { 0 };
	blobs_archive(&rest, false);
	/* Without its end marker. */
	tar_append(&t, rest.data, rest.len - 1024);
	tar_end(&t);
	save(&t);
	tar_free(&rest);
	tar_free(&t);
	int r = import(NULL);
	assert_string_equal(logged(), "");
	assert_int_equal(r, 0);
	assert_true(image_recorded(NULL));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)
	const struct CMUnitTest tests[] = {
		T(test_archive_without_manifest_is_not_a_docker_save),
		T(test_file_that_is_not_a_tar_is_refused),
		T(test_manifest_with_duplicate_keys_is_invalid),
		T(test_several_images_are_picked_by_tag),
		T(test_config_not_named_by_its_digest_cannot_be_verified),
		T(test_changed_config_fails_its_digest),
		T(test_layer_name_that_leaves_the_archive_is_refused),
		T(test_symlink_out_of_the_archive_or_in_a_loop_is_a_bad_name),
		T(test_layer_missing_from_the_archive_is_named),
	};
	/* These unpack. */
	const struct CMUnitTest root_tests[] = {
		T(test_legacy_archive_imports_with_the_config_digest),
		T(test_blobs_layout_with_a_symlinked_layer_imports),
		T(test_blob_that_does_not_match_its_name_is_refused),
		T(test_hostile_layer_is_refused_with_the_unpackers_reason),
		T(test_many_small_layer_blobs_do_not_crowd_out_the_manifest),
	};
#undef T
	return run_image_tests(tests, root_tests, test_log_setup, test_log_teardown);
}
