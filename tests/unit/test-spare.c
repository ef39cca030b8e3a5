/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for spare container folders (supervisor/spare.c): a folder
 * left as we made it is emptied and kept in a free slot, one that is not
 * (a file in upper/ or rootfs/, a symlink or a folder beside them) is
 * refused, four slots at most, and a run takes a slot's folder by name
 * or puts it back. In a --root of the test's own. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor.h"
#include "util.h"

typedef struct {
	char root[64];
	char *spare;  /* <root>/spare */
	char *folder; /* a container's folder, as a run made it */
	Supervisor s;
} Fixture;

static char *join(const char *a, const char *b)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", a, b) > 0);
	return p;
}

static bool exists_in(const char *dir, const char *name)
{
	_cleanup_free_ char *p = join(dir, name);
	struct stat st;
	return lstat(p, &st) == 0;
}

static off_t size_in(const char *dir, const char *name)
{
	_cleanup_free_ char *p = join(dir, name);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	return st.st_size;
}

static void put_file(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *p = join(dir, name);
	assert_int_equal(write_file(p, text, strlen(text), O_CREAT | O_TRUNC, 0600), 0);
}

static void make_folder(const char *path)
{
	assert_int_equal(mkdir_p(path, 0700), 0);
	assert_int_equal(bundle_make_subdirs(path), 0);
	put_file(path, "config.json", "{\"ociVersion\": \"1.1.0\"}");
	put_file(path, "supervisor.log", "berth-supervisor: a line\n");
}

static int setup(void **state)
{
	Fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/test-spare.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	assert_int_equal(paths_init(&f->s.paths, f->root), 0);
	f->spare = path_spare_dir(&f->s.paths);
	assert_non_null(f->spare);
	f->folder = join(f->root, "containers/c1");
	make_folder(f->folder);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;
	assert_int_equal(rm_rf(f->root), 0);
	paths_done(&f->s.paths);
	free(f->spare);
	free(f->folder);
	free(f->s.bundle);
	free(f);
	return 0;
}

static void test_a_folder_as_we_made_it_is_emptied_into_the_first_slot(void **state)
{
	Fixture *f = *state;
	/* What OverlayFS leaves in work/, and a file of ours beside them. */
	_cleanup_free_ char *work = join(f->folder, "work");
	_cleanup_free_ char *incompat = join(work, "work/incompat");
	assert_int_equal(mkdir_p(incompat, 0700), 0);
	put_file(incompat, "volatile", "");
	put_file(f->folder, "ctr.log", "2026-12-06T00:00:00Z stdout F hi\n");

	assert_int_equal(spare_recycle(&f->s, f->folder), 0);
	assert_false(exists_in(f->root, "containers/c1"));
	_cleanup_free_ char *slot = join(f->spare, "0");
	assert_true(exists_in(slot, "upper"));
	assert_true(exists_in(slot, "rootfs"));
	assert_true(exists_in(slot, "work"));
	assert_false(exists_in(slot, "work/work"));
	assert_false(exists_in(slot, "ctr.log"));
	/* Kept, emptied, for their inodes. */
	assert_int_equal(size_in(slot, "config.json"), 0);
	assert_int_equal(size_in(slot, "supervisor.log"), 0);
}

static void refuse(Fixture *f)
{
	assert_int_equal(spare_recycle(&f->s, f->folder), -ENOTEMPTY);
	assert_true(exists_in(f->root, "containers/c1/upper"));
	assert_false(exists_in(f->spare, "0"));
}

static void test_a_file_the_container_wrote_in_upper_keeps_it_from_the_spares(void **state)
{
	Fixture *f = *state;
	_cleanup_free_ char *upper = join(f->folder, "upper");
	put_file(upper, "etc", "");
	refuse(f);
	assert_true(exists_in(upper, "etc"));
}

static void test_a_file_in_rootfs_keeps_it_from_the_spares(void **state)
{
	Fixture *f = *state;
	_cleanup_free_ char *rootfs = join(f->folder, "rootfs");
	_cleanup_free_ char *bin = join(rootfs, "bin");
	assert_int_equal(mkdir(bin, 0700), 0);
	refuse(f);
}

static void test_an_upper_folder_that_is_a_symlink_is_refused(void **state)
{
	Fixture *f = *state;
	/* Even to an empty folder: it is not as we made it. */
	_cleanup_free_ char *upper = join(f->folder, "upper");
	_cleanup_free_ char *elsewhere = join(f->root, "empty");
	assert_int_equal(mkdir(elsewhere, 0700), 0);
	assert_int_equal(rmdir(upper), 0);
	assert_int_equal(symlink(elsewhere, upper), 0);
	assert_int_equal(spare_recycle(&f->s, f->folder), -ENOTEMPTY);
	assert_false(exists_in(f->spare, "0"));
	assert_true(exists_in(f->root, "empty"));
}

static void test_a_folder_or_symlink_beside_ours_is_refused(void **state)
{
	Fixture *f = *state;
	_cleanup_free_ char *extra = join(f->folder, "volumes");
	assert_int_equal(mkdir(extra, 0700), 0);
	refuse(f);
	assert_int_equal(rmdir(extra), 0);
	assert_int_equal(symlink("/etc/passwd", extra), 0);
	refuse(f);
	/* Refused, not followed: the host's file is what it was. */
	struct stat st;
	assert_int_equal(stat("/etc/passwd", &st), 0);
	assert_true(st.st_size > 0);
}

static void test_with_every_slot_taken_the_folder_stays(void **state)
{
	Fixture *f = *state;
	for (char c = '0'; c <= '3'; c++) {
		char name[2] = { c, 0 };
		_cleanup_free_ char *slot = join(f->spare, name);
		make_folder(slot);
	}
	assert_int_equal(spare_recycle(&f->s, f->folder), -ENOSPC);
	assert_true(exists_in(f->root, "containers/c1/upper"));
	/* Untouched: its log is still there. */
	assert_true(size_in(f->folder, "supervisor.log") > 0);
}

static void test_a_taken_slot_is_never_overwritten(void **state)
{
	Fixture *f = *state;
	_cleanup_free_ char *zero = join(f->spare, "0");
	_cleanup_free_ char *one = join(f->spare, "1");
	make_folder(zero);
	make_folder(one);
	put_file(zero, "mark", "0");
	put_file(one, "mark", "1");
	assert_int_equal(spare_recycle(&f->s, f->folder), 0);
	assert_true(exists_in(f->spare, "2/upper"));
	assert_true(exists_in(zero, "mark"));
	assert_true(exists_in(one, "mark"));
	assert_false(exists_in(f->spare, "3"));
}

static void test_a_run_takes_a_spare_by_renaming_it_and_remembers_the_slot(void **state)
{
	Fixture *f = *state;
	Supervisor *s = &f->s;
	_cleanup_free_ char *two = join(f->spare, "2");
	make_folder(two);
	put_file(two, "mark", "2");
	/* Not slots: never taken. */
	_cleanup_free_ char *four = join(f->spare, "4");
	_cleanup_free_ char *twelve = join(f->spare, "12");
	make_folder(four);
	make_folder(twelve);

	s->bundle = join(f->root, "containers/c2");
	assert_true(spare_take(s));
	assert_int_equal(s->start.spare_slot, '2');
	assert_true(exists_in(s->bundle, "mark"));
	assert_false(exists_in(f->spare, "2"));
	/* Nothing left to take. */
	free(s->bundle);
	s->bundle = join(f->root, "containers/c3");
	s->start.spare_slot = 0;
	assert_false(spare_take(s));
	assert_int_equal(s->start.spare_slot, 0);
	assert_false(exists_in(f->root, "containers/c3"));
}

static void test_without_a_spare_folder_nothing_is_taken(void **state)
{
	Fixture *f = *state;
	f->s.bundle = join(f->root, "containers/c2");
	assert_false(spare_take(&f->s));
	assert_false(exists_in(f->root, "containers/c2"));
}

static void test_a_spare_that_was_not_used_goes_back_to_its_slot(void **state)
{
	Fixture *f = *state;
	Supervisor *s = &f->s;
	s->bundle = strdup(f->folder);
	s->start.spare_slot = '3';
	_cleanup_free_ char *work = join(f->folder, "work/work");
	assert_int_equal(mkdir(work, 0700), 0);
	spare_put_back(s);
	assert_false(exists_in(f->root, "containers/c1"));
	assert_true(exists_in(f->spare, "3/upper"));
	assert_false(exists_in(f->spare, "3/work/work"));
}

static void test_a_spare_whose_slot_was_filled_meanwhile_takes_the_next(void **state)
{
	Fixture *f = *state;
	Supervisor *s = &f->s;
	_cleanup_free_ char *three = join(f->spare, "3");
	make_folder(three);
	s->bundle = strdup(f->folder);
	s->start.spare_slot = '3';
	spare_put_back(s);
	assert_false(exists_in(f->root, "containers/c1"));
	assert_true(exists_in(f->spare, "0/upper"));
}

static void test_a_folder_that_was_no_spare_is_removed_not_put_back(void **state)
{
	Fixture *f = *state;
	Supervisor *s = &f->s;
	s->bundle = strdup(f->folder);
	spare_put_back(s);
	assert_false(exists_in(f->root, "containers/c1"));
	assert_false(exists_in(f->root, "spare"));
}

static void test_a_spare_the_init_wrote_into_is_removed_not_put_back(void **state)
{
	Fixture *f = *state;
	Supervisor *s = &f->s;
	s->bundle = strdup(f->folder);
	s->start.spare_slot = '1';
	_cleanup_free_ char *upper = join(f->folder, "upper");
	put_file(upper, "x", "");
	spare_put_back(s);
	assert_false(exists_in(f->root, "containers/c1"));
	assert_false(exists_in(f->spare, "1"));
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_a_folder_as_we_made_it_is_emptied_into_the_first_slot),
		T(test_a_file_the_container_wrote_in_upper_keeps_it_from_the_spares),
		T(test_a_file_in_rootfs_keeps_it_from_the_spares),
		T(test_an_upper_folder_that_is_a_symlink_is_refused),
		T(test_a_folder_or_symlink_beside_ours_is_refused),
		T(test_with_every_slot_taken_the_folder_stays),
		T(test_a_taken_slot_is_never_overwritten),
		T(test_a_run_takes_a_spare_by_renaming_it_and_remembers_the_slot),
		T(test_without_a_spare_folder_nothing_is_taken),
		T(test_a_spare_that_was_not_used_goes_back_to_its_slot),
		T(test_a_spare_whose_slot_was_filled_meanwhile_takes_the_next),
		T(test_a_folder_that_was_no_spare_is_removed_not_put_back),
		T(test_a_spare_the_init_wrote_into_is_removed_not_put_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
