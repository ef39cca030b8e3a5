/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for a rootless berth's ids: the users' ranges of /etc/subuid
 * (common/subid.c), --userns keep-id's maps and their split along the lines
 * of our own map (common/rootless.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootless.h"
#include "subid.h"
#include "util.h"

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/berth-test-rootless.XXXXXX");
	assert_non_null(path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_subid_ranges_of_a_user_by_name_or_uid(void **state)
{
	(void)state;
	_cleanup_free_ char *path = write_tmp("# comment\n"
					      "alice:100000:65536\n"
					      "bob:165536:65536\n"
					      "1001:231072:1000\n"
					      "alice:300000:10\n"
					      "broken line\n"
					      "alice:x:5\n"
					      "alice:400000:0\n"
					      "alice:4294967295:2\n");
	SubidRange *r = NULL;
	size_t n = 0;
	assert_int_equal(subid_ranges_read(path, "alice", 1001, &r, &n), 0);
	/* alice's two valid lines and uid 1001's, in the file's order. */
	assert_int_equal(n, 3);
	assert_int_equal(r[0].start, 100000);
	assert_int_equal(r[0].count, 65536);
	assert_int_equal(r[1].start, 231072);
	assert_int_equal(r[1].count, 1000);
	assert_int_equal(r[2].start, 300000);
	assert_int_equal(r[2].count, 10);
	free(r);
	r = NULL;
	n = 0;
	assert_int_equal(subid_ranges_read(path, NULL, 0, &r, &n), 0);
	assert_int_equal(n, 4); /* every valid line */
	free(r);
	r = NULL;
	n = 0;
	assert_int_equal(subid_ranges_read(path, "carol", 2000, &r, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(subid_ranges_read("/nonexistent/subuid", "alice", 1, &r, &n), 0);
	assert_int_equal(n, 0);
	unlink(path);
}

static void assert_map(const SpecIdMap *m, uint32_t c, uint32_t h, uint32_t size)
{
	assert_int_equal(m->container_id, c);
	assert_int_equal(m->host_id, h);
	assert_int_equal(m->size, size);
}

static void test_keep_id_maps(void **state)
{
	(void)state;
	SpecIdMap m[3];
	/* uid 1000 with 65536 subordinate ids: 0-999 below, 1000 the user,
	 * 1001-65536 above. */
	assert_int_equal(rootless_keep_id_maps(m, 1000, 65537), 3);
	assert_map(&m[0], 0, 1, 1000);
	assert_map(&m[1], 1000, 0, 1);
	assert_map(&m[2], 1001, 1001, 64536);
	/* A uid past the range: every subordinate id below it. */
	assert_int_equal(rootless_keep_id_maps(m, 100000, 65537), 2);
	assert_map(&m[0], 0, 1, 65536);
	assert_map(&m[1], 100000, 0, 1);
	/* The single-id map: the user alone. */
	assert_int_equal(rootless_keep_id_maps(m, 1000, 1), 1);
	assert_map(&m[0], 1000, 0, 1);
	/* The last id of the range. */
	assert_int_equal(rootless_keep_id_maps(m, 65536, 65537), 2);
	assert_map(&m[0], 0, 1, 65536);
	assert_map(&m[1], 65536, 0, 1);
}

static void test_split_maps_along_our_lines(void **state)
{
	(void)state;
	/* Our map: us, then two subordinate ranges. */
	_cleanup_free_ char *path = write_tmp("         0       5001          1\n"
					      "         1     100000      65536\n"
					      "     65537 1000000000      65536\n");
	SpecIdMap *m = calloc(3, sizeof(SpecIdMap));
	assert_non_null(m);
	size_t n = rootless_keep_id_maps(m, 5001, 131073);
	assert_int_equal(n, 3);
	assert_int_equal(rootless_split_maps(path, &m, &n), 0);
	/* The range above the user crosses into our third line. */
	assert_int_equal(n, 4);
	assert_map(&m[0], 0, 1, 5001);
	assert_map(&m[1], 5001, 0, 1);
	assert_map(&m[2], 5002, 5002, 65537 - 5002);
	assert_map(&m[3], 65537, 65537, 65536);
	free(m);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subid_ranges_of_a_user_by_name_or_uid),
		cmocka_unit_test(test_keep_id_maps),
		cmocka_unit_test(test_split_maps_along_our_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
