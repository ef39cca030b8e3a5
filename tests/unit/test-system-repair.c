/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/system-repair.c, linked from libcli.a: `berth
 * system check --repair`. The supervisor of a container found by its
 * command line (this test program re-executed under that name stands
 * for one), a damaged DB moved aside and its rows salvaged into a new
 * one, and a container recorded again from its folder's config.json,
 * with the image it names, from a single folder or from shared layers.
 * What it prints is checked line by line. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli-test.h"
#include "system.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define IMAGE_ID "feedface00000000000000000000000000000000000000000000000000000000"
#define LAYER_A "aaaa111100000000000000000000000000000000000000000000000000000000"
#define LAYER_B "bbbb222200000000000000000000000000000000000000000000000000000000"

static Cli cli;

static int setup(void **state)
{
	(void)state;
	test_log_catch();
	test_cli_init(&cli, "test-system-repair");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_cli_done(&cli);
	test_log_release();
	return 0;
}

static sqlite3 *db(void)
{
	sqlite3 *d;
	assert_int_equal(cli_db(&cli, &d), 0);
	return d;
}

/* This program under the name and arguments of a supervisor: */
static pid_t fake_supervisor(const char *root, const char *id)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "berth-supervisor", "--root",    (char *)root, "--id",
				 (char *)id,         "--sync-fd", "3",          NULL };
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	/* Until its exec shows in its command line. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	for (int i = 0; i < 500; i++) {
		_cleanup_free_ char *cmd = NULL;
		if (read_full_file(path, &cmd, NULL) == 0 && streq(cmd, "berth-supervisor"))
			break;
		usleep(2000);
	}
	return pid;
}

static void end(pid_t pid)
{
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static void test_find_supervisor_of_a_container_of_this_root(void **state)
{
	(void)state;
	pid_t sup = fake_supervisor(cli.paths.state_dir, ID);
	uint64_t start = 0, want = 0;
	assert_int_equal(find_supervisor_of(&cli, ID, &start), sup);
	assert_int_equal(proc_start_time(sup, &want), 0);
	assert_int_equal(start, want);
	/* Not another root's, not another id's, not a prefix of the id. */
	Cli other = { .paths = { .state_dir = (char *)"/var/lib/other" } };
	assert_int_equal(find_supervisor_of(&other, ID, NULL), 0);
	assert_int_equal(find_supervisor_of(&cli, "0123", NULL), 0);
	end(sup);
	assert_int_equal(find_supervisor_of(&cli, ID, NULL), 0);
}

static void test_find_supervisor_of_an_id_that_only_starts_the_same(void **state)
{
	(void)state;
	/* The running one's id is longer than the one asked for. */
	pid_t sup = fake_supervisor(cli.paths.state_dir, ID "ff");
	assert_int_equal(find_supervisor_of(&cli, ID, NULL), 0);
	end(sup);
}

static void insert_container(const char *id, const char *name)
{
	ContainerRow row = {
		.id = (char *)id,
		.name = (char *)name,
		.image = (char *)"busybox",
		.command = (char *)"[\"sh\"]",
		.state = STATE_EXITED,
		.created_at = (char *)"2026-01-01T00:00:00.000Z",
		.rootfs = (char *)"",
		.bundle = (char *)"",
	};
	assert_int_equal(db_container_insert(db(), &row), 0);
}

typedef struct {
	int r;
	int64_t containers, images;
	const char *id;
} Call;

static void salvage(void *arg)
{
	Call *c = arg;
	c->r = repair_salvage(&cli, &c->containers, &c->images);
}

static void test_salvage_moves_the_db_aside_and_keeps_its_rows(void **state)
{
	(void)state;
	insert_container(ID, "kept");
	insert_container(IMAGE_ID, "also-kept");
	ImageRow img = { .id = (char *)IMAGE_ID,
			 .name = (char *)"busybox",
			 .layers = (char *)"[\"images/x/rootfs\"]",
			 .source = (char *)"test",
			 .created_at = (char *)"2026-01-01T00:00:00.000Z" };
	assert_int_equal(db_image_insert(db(), &img), 0);
	Call c = { 0 };
	_cleanup_free_ char *out = test_capture_stdout(salvage, &c);
	assert_int_equal(c.r, 0);
	assert_int_equal(c.containers, 2);
	assert_int_equal(c.images, 1);
	_cleanup_free_ char *path = path_db(&cli.paths);
	char *aside = strstr(out, path);
	assert_non_null(aside);
	assert_true(startswith(out, "  fixed: moved the damaged DB aside to "));
	char moved[PATH_MAX];
	assert_int_equal(sscanf(aside, "%4095s", moved), 1);
	assert_true(startswith(moved + strlen(path), ".broken-"));
	struct stat st;
	assert_int_equal(stat(moved, &st), 0);
	assert_non_null(strstr(out, "\n  fixed: a new DB holds what could be read from it: 2 "
				    "containers, 1 image\n"));
	ContainerRow row;
	assert_int_equal(db_container_get(db(), ID, &row), 0);
	assert_string_equal(row.name, "kept");
	container_row_done(&row);
}

static void repair(void *arg)
{
	Call *c = arg;
	c->r = repair_container(&cli, c->id);
}

/* A container's folder as `run` left it; lowerdir NULL: none. */
static void make_folder(const char *id, const char *name, const char *lowerdir)
{
	_cleanup_(spec_freep) ContainerSpec *s = NULL;
	assert_int_equal(spec_new_default(&s), 0);
	char *args[] = { "sleep", "1", NULL };
	strv_free(s->args);
	s->args = strv_copy(args);
	assert_non_null(s->args);
	if (name)
		assert_int_equal(spec_set_annotation(s, ANNOTATION_NAME, name), 0);
	assert_int_equal(spec_set_annotation(s, ANNOTATION_IMAGE, "myimage"), 0);
	if (lowerdir)
		assert_int_equal(spec_set_annotation(s, ANNOTATION_LOWERDIR, lowerdir), 0);
	_cleanup_free_ char *bundle = path_container_dir(&cli.paths, id);
	test_write_file(bundle, "upper/.keep", "");
	_cleanup_free_ char *config = test_path(bundle, "config.json");
	assert_int_equal(spec_write_file(s, config), 0);
}

static void test_container_recorded_again_with_its_single_folder_image(void **state)
{
	(void)state;
	_cleanup_free_ char *lower = NULL;
	assert_true(asprintf(&lower, "%s/images/%s/rootfs", cli.paths.state_dir, IMAGE_ID) > 0);
	test_write_file(lower, "bin/sh", "");
	make_folder(ID, "web", lower);
	Call c = { .id = ID };
	_cleanup_free_ char *out = test_capture_stdout(repair, &c);
	assert_int_equal(c.r, 0);
	assert_string_equal(out, "  fixed: recorded container web (0123456789ab) again from its "
				 "folder: exited (unknown)\n"
				 "  fixed: recorded image myimage again, from the layers its "
				 "containers use\n");
	ContainerRow row;
	assert_int_equal(db_container_get(db(), ID, &row), 0);
	assert_string_equal(row.name, "web");
	assert_string_equal(row.image, "myimage");
	assert_int_equal(row.state, STATE_EXITED);
	assert_false(row.has_exit_code);
	assert_string_equal(row.command, "[\"sleep\",\"1\"]");
	/* Paths relative to the root in the DB. */
	char want[128];
	snprintf(want, sizeof(want), "images/%s/rootfs", IMAGE_ID);
	assert_string_equal(row.rootfs, want);
	snprintf(want, sizeof(want), "containers/%s", ID);
	assert_string_equal(row.bundle, want);
	assert_non_null(strstr(row.error, "recovered by `berth system check --repair`"));
	container_row_done(&row);
	ImageRow img;
	assert_int_equal(db_image_get_by_name(db(), "myimage", &img), 0);
	assert_string_equal(img.id, IMAGE_ID);
	snprintf(want, sizeof(want), "[\"images/%s/rootfs\"]", IMAGE_ID);
	assert_string_equal(img.layers, want);
	image_row_done(&img);
}

static void test_image_from_shared_layers_bottom_first(void **state)
{
	(void)state;
	_cleanup_free_ char *lower = NULL;
	/* Top first, as OverlayFS takes them; a folder outside the store is
	 * no layer of the image. */
	assert_true(asprintf(&lower, "%s/layers/%s:/srv/extra:%s/layers/%s", cli.paths.state_dir,
			     LAYER_A, cli.paths.state_dir, LAYER_B) > 0);
	make_folder(ID, "app", lower);
	Call c = { .id = ID };
	_cleanup_free_ char *out = test_capture_stdout(repair, &c);
	assert_int_equal(c.r, 0);
	assert_non_null(strstr(out, "  fixed: recorded image myimage again"));
	ImageRow img;
	assert_int_equal(db_image_get_by_name(db(), "myimage", &img), 0);
	assert_string_equal(img.layers, "[\"layers/" LAYER_A "\",\"layers/" LAYER_B "\"]");
	LayerRow *layers = NULL;
	size_t n = 0;
	assert_int_equal(db_image_get_layers(db(), img.id, &layers, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(layers[0].digest, "sha256:" LAYER_B);
	assert_string_equal(layers[1].digest, "sha256:" LAYER_A);
	layer_rows_free(layers, n);
	image_row_done(&img);
	/* A second container of the same image: the image is known. */
	make_folder(IMAGE_ID, "app2", lower);
	c = (Call){ .id = IMAGE_ID };
	_cleanup_free_ char *out2 = test_capture_stdout(repair, &c);
	assert_int_equal(c.r, 0);
	assert_null(strstr(out2, "recorded image"));
}

static void test_name_taken_or_invalid_becomes_recovered_id(void **state)
{
	(void)state;
	insert_container(IMAGE_ID, "web");
	make_folder(ID, "web", NULL);
	Call c = { .id = ID };
	_cleanup_free_ char *out = test_capture_stdout(repair, &c);
	assert_int_equal(c.r, 0);
	assert_string_equal(out, "  fixed: recorded container recovered-0123456789ab "
				 "(0123456789ab) again from its folder: exited (unknown)\n");
	ContainerRow row;
	assert_int_equal(db_container_get(db(), ID, &row), 0);
	assert_string_equal(row.name, "recovered-0123456789ab");
	assert_string_equal(row.rootfs, "");
	container_row_done(&row);

	const char *other = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
	make_folder(other, "../bad name", NULL);
	c = (Call){ .id = other };
	_cleanup_free_ char *out2 = test_capture_stdout(repair, &c);
	assert_int_equal(c.r, 0);
	assert_true(startswith(out2, "  fixed: recorded container recovered-fedcba987654 "));
}

static void test_unreadable_config_is_not_fixed(void **state)
{
	(void)state;
	_cleanup_free_ char *bundle = path_container_dir(&cli.paths, ID);
	test_write_file(bundle, "config.json", "{ not json");
	Call c = { .id = ID };
	_cleanup_free_ char *out = test_capture_stdout(repair, &c);
	assert_true(c.r < 0);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "  not fixed: folder %s: its config.json cannot be read (",
		 bundle);
	assert_true(startswith(out, want));
	assert_int_equal(out[strlen(out) - 1], '\n');
	ContainerRow row;
	assert_int_equal(db_container_get(db(), ID, &row), -ENOENT);
	/* No config.json at all. */
	_cleanup_free_ char *config = test_path(bundle, "config.json");
	assert_int_equal(unlink(config), 0);
	_cleanup_free_ char *out2 = test_capture_stdout(repair, &c);
	assert_true(c.r < 0);
	assert_true(startswith(out2, want));
}

int main(int argc, char **argv)
{
	/* Re-executed as a supervisor's stand-in: wait to be killed. */
	if (argc > 1 && streq(argv[1], "--root"))
		for (;;)
			pause();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_find_supervisor_of_a_container_of_this_root,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_find_supervisor_of_an_id_that_only_starts_the_same, setup, teardown),
		cmocka_unit_test_setup_teardown(test_salvage_moves_the_db_aside_and_keeps_its_rows,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_container_recorded_again_with_its_single_folder_image, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_image_from_shared_layers_bottom_first, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_name_taken_or_invalid_becomes_recovered_id,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_config_is_not_fixed, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
